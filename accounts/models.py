from __future__ import annotations

import time
import uuid

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device
from django_otp.oath import TOTP

from accounts.authority import AUTHORITY, Action, role_may
from config.crypto import decrypt, keyed_hash
from config.errors import ApplicationError


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields):
        if not email:
            raise ValueError("email is required")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. Lives in the public schema; companies are reached through Membership."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(_("email"), unique=True)
    full_name = models.CharField(_("real name"), max_length=100, blank=True)
    mobile = models.CharField(_("mobile"), max_length=20, null=True, blank=True, unique=True)
    # The resident ID number is never stored in clear: a keyed hash for uniqueness,
    # an encrypted copy for the rare lawful need, and the masked form for display.
    id_number_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    id_number_encrypted = models.BinaryField(null=True, blank=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)
    email_verified_at = models.DateTimeField(_("email verified at"), null=True, blank=True)
    frozen_at = models.DateTimeField(_("frozen at"), null=True, blank=True)
    frozen_reason = models.CharField(_("reason for freezing"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform reviewer"), default=False)
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    # The language of the person's last sign-in: mail about their account goes out in it,
    # whoever's request caused it.
    language = models.CharField(_("language"), max_length=10, blank=True, default="")

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def audit_user_id(self):
        return self.pk

    @property
    def is_identity_verified(self) -> bool:
        """A real name, an ID number on file and a confirmed email: enough to create a company."""
        return bool(self.full_name and self.id_number_hash and self.email_verified_at)


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Administrator")
        SEAL_KEEPER = "seal_keeper", _("Seal keeper")
        MEMBER = "member", _("Member")
        AUDITOR = "auditor", _("Auditor")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user"))
    company = models.ForeignKey(
        "tenants.Company", on_delete=models.CASCADE, related_name="memberships", verbose_name=_("company")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.get_role_display()})"

    def may(self, action: Action) -> bool:
        """What the role allows, from the one table (accounts.authority)."""
        return role_may(self.role, action)

    @property
    def allowed(self) -> frozenset[str]:
        """The actions the role allows, for templates: `{% if "member.manage" in membership.allowed %}`."""
        return frozenset(str(action) for action in AUTHORITY.get(self.role, ()))


class OneTimeCode(models.Model):
    """A short code sent by email or SMS. Stored as a keyed hash; single use; expires."""

    class Purpose(models.TextChoices):
        EMAIL_VERIFY = "email_verify", _("Email confirmation")
        ACCOUNT_RECOVERY = "account_recovery", _("Account recovery")
        PASSWORD_RESET = "password_reset", _("Password reset")
        LOGIN = "login", _("Sign-in code")
        SEAL_USE = "seal_use", _("Seal-use confirmation")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose", "used_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.user}"


class FactorLock(models.Model):
    """A hard lock on one secret of one account after too many wrong tries."""

    class Factor(models.TextChoices):
        PASSWORD = "password", _("Password")
        OTP = "otp", _("One-time code")
        RECOVERY_CODE = "recovery_code", _("Recovery code")
        EMAIL_CODE = "email_code", _("Emailed code")
        SEAL_PASSWORD = "seal_password", _("Seal password")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="factor_locks", verbose_name=_("user"))
    factor = models.CharField(_("factor"), max_length=20, choices=Factor.choices)
    # What the secret protects when it is not the account itself (e.g. one seal's id).
    scope = models.CharField(_("scope"), max_length=64, blank=True, default="")
    locked_at = models.DateTimeField(_("locked at"), default=timezone.now)
    locked_until = models.DateTimeField(_("locked until"))
    unlocked_at = models.DateTimeField(_("unlocked at"), null=True, blank=True)
    unlocked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("unlocked by")
    )

    class Meta:
        verbose_name = _("lockout")
        verbose_name_plural = _("lockouts")
        ordering = ["-locked_at"]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_factor_display()}"

    def is_in_force(self, at=None) -> bool:
        return self.unlocked_at is None and self.locked_until > (at or timezone.now())


class AttemptCounter(models.Model):
    """Tries of one secret of one account in the current window, counted in one statement
    before the secret is compared (accounts.lockout.attempt_counted): simultaneous tries
    cannot all slip under the limit. A try that turns out right is given back."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    factor = models.CharField(max_length=20, choices=FactorLock.Factor.choices)
    scope = models.CharField(max_length=64, blank=True, default="")
    window_started_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "factor", "scope"], name="attempt_counter_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.factor} · {self.attempts}"


class SecurityEvent(models.Model):
    """The account-level audit trail (public schema): sign-ins, failures, locks,
    recoveries, appeals. Never holds a secret or an unmasked ID number."""

    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="security_events")
    action = models.CharField(max_length=60, db_index=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action_label}"

    @property
    def action_label(self) -> str:
        """The event in words: a factor's outcome reads "<factor>: <outcome>"."""
        if self.action in SECURITY_EVENT_LABELS:
            return str(SECURITY_EVENT_LABELS[self.action])
        factor, _dot, outcome = self.action.partition(".")
        if factor in FactorLock.Factor.values and outcome in FACTOR_OUTCOME_LABELS:
            return f"{FactorLock.Factor(factor).label}: {FACTOR_OUTCOME_LABELS[outcome]}"
        return self.action


SECURITY_EVENT_LABELS = {
    "account.registered": _("Account registered"),
    "account.email_verified": _("Email address confirmed"),
    "account.frozen": _("Account frozen"),
    "account.recovery_requested": _("Account recovery requested"),
    "account.recovered": _("Account recovered; password changed"),
    "password.reset_requested": _("Password reset requested"),
    "password.reset": _("Password reset"),
    "two_factor.enabled": _("Two-factor sign-in turned on"),
    "recovery_codes.generated": _("New recovery codes made"),
    "identity_appeal.submitted": _("Identity appeal submitted"),
    "identity_appeal.upheld": _("Identity appeal upheld"),
    "identity_appeal.rejected": _("Identity appeal rejected"),
    "reviewer.granted": _("Made a platform reviewer"),
    "reviewer.revoked": _("No longer a platform reviewer"),
    "admin.write_refused": _("Change in the admin refused"),
    "authenticator.refused": _("Setting up an authenticator app refused"),
    # Not a lockout: emailed codes are never a second factor for these accounts.
    "email_code.refused": _("Emailed code refused: this account confirms with its authenticator app"),
}
FACTOR_OUTCOME_LABELS = {
    "failed": _("wrong"),
    "locked": _("locked after too many wrong tries"),
    "refused": _("refused while locked"),
    "succeeded": _("accepted"),
    "unlocked": _("unlocked"),
}


def appeal_photo_path(instance: IdentityAppeal, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/identity-appeals/{instance.pk}.{suffix}"


class IdentityAppeal(models.Model):
    """ "This ID number is mine and I never registered it": decided by a reviewer."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        UPHELD = "upheld", _("Upheld")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    id_number_hash = models.CharField(max_length=64, db_index=True, editable=False)
    id_number_encrypted = models.BinaryField(editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18, editable=False)
    contested_user = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("contested account")
    )
    full_name = models.CharField(_("real name"), max_length=100)
    email = models.EmailField(_("email"))
    mobile = models.CharField(_("mobile"), max_length=20, blank=True)
    statement = models.TextField(_("statement"))
    id_photo = models.FileField(_("ID photo"), upload_to=appeal_photo_path)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("identity appeal")
        verbose_name_plural = _("identity appeals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.full_name} · {self.id_number_masked}"


class AuthenticatorDevice(Device):
    """TOTP (authenticator app). Unlike django-otp's TOTPDevice the secret is stored
    encrypted under the master key (docs/library-notes.md: plain secrets by default)."""

    KEY_PURPOSE = "totp-secret"

    encrypted_key = models.BinaryField()
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    @property
    def bin_key(self) -> bytes:
        return decrypt(bytes(self.encrypted_key), purpose=self.KEY_PURPOSE, associated_data=str(self.user_id).encode())

    def verify_token(self, token) -> bool:
        try:
            value = int(str(token).strip())
        except ValueError:
            return False
        totp = TOTP(self.bin_key)
        totp.time = time.time()
        # min_t refuses a code already used (replay) or older than the last one.
        if not totp.verify(value, tolerance=1, min_t=self.last_t + 1):
            return False
        # Claim the step in one conditional UPDATE: of simultaneous uses of one code,
        # only the first moves last_t past it.
        step, now = totp.t(), timezone.now()
        claimed = type(self).objects.filter(pk=self.pk, last_t__lt=step).update(last_t=step, last_used_at=now)
        if not claimed:
            return False
        self.last_t, self.last_used_at = step, now
        return True


class RecoveryCodeDevice(Device):
    """Ten single-use recovery codes, stored only as keyed hashes."""

    class Meta:
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")
        # One per person: made on first use, and simultaneous first uses must not make two.
        constraints = [models.UniqueConstraint(fields=["user"], name="recovery_code_device_one_per_user")]

    def verify_token(self, token) -> bool:
        code_hash = keyed_hash(normalise_recovery_code(str(token)), purpose=RecoveryCode.HASH_PURPOSE)
        updated = self.codes.filter(code_hash=code_hash, used_at__isnull=True).update(used_at=timezone.now())
        return updated == 1


def normalise_recovery_code(code: str) -> str:
    return code.strip().lower().replace("-", "").replace(" ", "")


class RecoveryCode(models.Model):
    HASH_PURPOSE = "recovery-code"

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"recovery code of {self.device.user}"


class EmailCodeDevice(Device):
    """The fallback second factor: a one-time code mailed to the account's address."""

    class Meta:
        verbose_name = _("email code")
        verbose_name_plural = _("email codes")
        # One per person: made on first use, and simultaneous first uses must not make two.
        constraints = [models.UniqueConstraint(fields=["user"], name="email_code_device_one_per_user")]

    def verify_token(self, token) -> bool:
        # accounts.codes imports these models: django-otp asks the device, the check lives there.
        from accounts.codes import code_verify

        try:
            code_verify(user=self.user, purpose=OneTimeCode.Purpose.LOGIN, code=str(token))
        except ApplicationError:
            return False
        return True


class Invitation(models.Model):
    """An email invitation to join a company with a role; the link carries a token whose
    hash only is stored. Single use, expires after 7 days."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("tenants.Company", on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    role = models.CharField(_("role"), max_length=20, choices=Membership.Role.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} → {self.company}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
