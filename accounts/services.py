from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.codes import code_send, code_verify
from accounts.identity import MOBILE_PATTERN, InvalidIdNumber, id_number_clean, mask_email, mask_id_number, mask_mobile
from accounts.models import IdentityAppeal, OneTimeCode, SecurityEvent, User
from accounts.notifications import Change, account_change_notify
from config.client import client_address
from config.crypto import encrypt, keyed_hash
from config.errors import ApplicationError
from config.mail import mail_queue
from config.row_locks import lock_row, lock_row_or_none

ID_HASH_PURPOSE = "resident-id-number"
ID_ENCRYPTION_PURPOSE = "resident-id-number-encryption"
APPEAL_PHOTO_MAX_BYTES = 10 * 1024 * 1024
APPEAL_PHOTO_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"%PDF-": "pdf"}

ID_NUMBER_ERRORS = {
    "checksum": lambda: _("This ID number is not valid: its check digit does not match. Check each digit."),
    "birth_date": lambda: _("This ID number is not valid: the birth date in it does not exist."),
    "format": lambda: _("Enter the 18-character resident ID number (digits, the last may be X)."),
}


@dataclass(frozen=True)
class IdentityFields:
    number_hash: str
    encrypted: bytes
    masked: str


def identity_fields_for(raw_id_number: str) -> IdentityFields:
    try:
        number = id_number_clean(raw_id_number)
    except InvalidIdNumber as error:
        raise ApplicationError(ID_NUMBER_ERRORS[str(error)](), "id_number_invalid", field="id_number") from error
    return IdentityFields(
        number_hash=keyed_hash(number, purpose=ID_HASH_PURPOSE),
        encrypted=encrypt(number.encode(), purpose=ID_ENCRYPTION_PURPOSE),
        masked=mask_id_number(number),
    )


class RegistrationConflict(ApplicationError):
    """The ID number, email or mobile belongs to an existing account. Carries only what
    may be shown: which field, and the masked contacts of that account for recovery."""

    def __init__(self, message: str, code: str, *, field: str, existing_user: User):
        super().__init__(message, code, status=409, field=field)
        self.existing_user = existing_user

    @property
    def masked_contacts(self) -> dict[str, str]:
        contacts = {"email": mask_email(self.existing_user.email)}
        if self.existing_user.mobile:
            contacts["sms"] = mask_mobile(self.existing_user.mobile)
        return contacts


def _normalise_mobile(mobile: str) -> str | None:
    mobile = (mobile or "").strip().replace(" ", "").removeprefix("+86")
    if not mobile:
        return None
    if not MOBILE_PATTERN.match(mobile):
        raise ApplicationError(_("Enter an 11-digit mainland China mobile number."), "mobile_invalid", field="mobile")
    return mobile


def user_register(
    *, email: str, password: str, full_name: str, mobile: str, id_number: str, ip_address: str | None = None
) -> User:
    email = email.strip().lower()
    mobile = _normalise_mobile(mobile)
    identity = identity_fields_for(id_number)
    conflict = User.objects.filter(id_number_hash=identity.number_hash).first()
    if conflict is not None:
        raise RegistrationConflict(
            _("This ID number is already registered to an account."),
            "id_number_taken",
            field="id_number",
            existing_user=conflict,
        )
    conflict = User.objects.filter(email=email).first()
    if conflict is not None:
        raise RegistrationConflict(
            _("This email address is already registered."), "email_taken", field="email", existing_user=conflict
        )
    conflict = User.objects.filter(mobile=mobile).first() if mobile else None
    if conflict is not None:
        raise RegistrationConflict(
            _("This mobile number is already registered."), "mobile_taken", field="mobile", existing_user=conflict
        )
    candidate = User(email=email, full_name=full_name.strip(), mobile=mobile)
    _password_validate(candidate, password)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                full_name=candidate.full_name,
                mobile=mobile,
                id_number_hash=identity.number_hash,
                id_number_encrypted=identity.encrypted,
                id_number_masked=identity.masked,
                language=translation.get_language() or "",
            )
            SecurityEvent.objects.create(user=user, action="account.registered", ip_address=ip_address)
            code_send(user=user, purpose=OneTimeCode.Purpose.EMAIL_VERIFY)
    except IntegrityError as error:  # a concurrent registration won the race
        raise ApplicationError(
            _("This identity was registered a moment ago. Try signing in or recovering the account."),
            "registration_race",
        ) from error
    return user


def user_language_remember(*, user: User, language: str) -> None:
    """The language the person signs in with; mail about their account goes out in it."""
    if language and language != user.language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def user_email_verify(*, user: User, code: str, ip_address: str | None = None) -> User:
    code_verify(user=user, purpose=OneTimeCode.Purpose.EMAIL_VERIFY, code=code, ip_address=ip_address)
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    SecurityEvent.objects.create(user=user, action="account.email_verified", ip_address=ip_address)
    return user


def user_for_id_number_hash(id_number_hash: str) -> User | None:
    return User.objects.filter(id_number_hash=id_number_hash, frozen_at__isnull=True).first()


def account_recovery_start(*, user: User, channel: str, ip_address: str | None = None) -> None:
    code_send(user=user, purpose=OneTimeCode.Purpose.ACCOUNT_RECOVERY, channel=channel)
    SecurityEvent.objects.create(
        user=user, action="account.recovery_requested", data={"channel": channel}, ip_address=ip_address
    )


def _password_validate(user: User, password: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), "password_weak", field="password") from error


def _password_set(*, user: User, password: str, action: str, ip_address: str | None) -> User:
    """Callers validate first (before spending a one-time code)."""
    with transaction.atomic():
        user.set_password(password)
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()  # the emailed code proved the address
        user.save(update_fields=["password", "email_verified_at"])
        SecurityEvent.objects.create(user=user, action=action, ip_address=ip_address)
        # Second factors are left exactly as they were; the owner hears of the change.
        account_change_notify(user=user, change=Change.PASSWORD, ip_address=ip_address)
    return user


def account_recovery_complete(*, user: User, code: str, password: str, ip_address: str | None = None) -> User:
    _password_validate(user, password)  # first, so a weak password does not burn the code
    code_verify(user=user, purpose=OneTimeCode.Purpose.ACCOUNT_RECOVERY, code=code, ip_address=ip_address)
    return _password_set(user=user, password=password, action="account.recovered", ip_address=ip_address)


def _user_for_contact(contact: str) -> tuple[User | None, str]:
    """The live account behind an email address or a mobile number, and the channel to use."""
    contact = contact.strip()
    if "@" in contact:
        return User.objects.filter(email=contact.lower(), frozen_at__isnull=True).first(), OneTimeCode.Channel.EMAIL
    try:
        mobile = _normalise_mobile(contact)
    except ApplicationError:
        return None, OneTimeCode.Channel.SMS
    return User.objects.filter(mobile=mobile, frozen_at__isnull=True).first(), OneTimeCode.Channel.SMS


def password_reset_start(*, contact: str, ip_address: str | None = None) -> None:
    """Sends a code by email or SMS if the contact is registered; says nothing either way."""
    user, channel = _user_for_contact(contact)
    if user is None:
        return
    try:
        code_send(user=user, purpose=OneTimeCode.Purpose.PASSWORD_RESET, channel=channel)
    except ApplicationError:
        return  # "sent a moment ago": answering differently would reveal the account
    SecurityEvent.objects.create(
        user=user, action="password.reset_requested", data={"channel": channel}, ip_address=ip_address
    )


def password_reset_complete(*, contact: str, code: str, password: str, ip_address: str | None = None) -> User:
    user, _channel = _user_for_contact(contact)
    if user is None:
        raise ApplicationError(_("The code is not correct."), "code_invalid", field="code")
    _password_validate(user, password)
    code_verify(user=user, purpose=OneTimeCode.Purpose.PASSWORD_RESET, code=code, ip_address=ip_address)
    return _password_set(user=user, password=password, action="password.reset", ip_address=ip_address)


def _check_appeal_photo(photo) -> None:
    if photo.size > APPEAL_PHOTO_MAX_BYTES:
        raise ApplicationError(_("The photo is larger than 10 MB."), "file_too_large", field="id_photo")
    head = photo.read(8)
    photo.seek(0)
    if not any(head.startswith(magic) for magic in APPEAL_PHOTO_TYPES):
        raise ApplicationError(_("Upload a JPEG, PNG or PDF file."), "file_type", field="id_photo")


@transaction.atomic
def identity_appeal_submit(
    *, id_number: str, full_name: str, email: str, mobile: str, statement: str, id_photo, ip_address: str | None = None
) -> IdentityAppeal:
    identity = identity_fields_for(id_number)
    _check_appeal_photo(id_photo)
    if not statement.strip():
        raise ApplicationError(_("Tell us what happened."), "statement_missing", field="statement")
    open_appeal = IdentityAppeal.objects.filter(
        id_number_hash=identity.number_hash, status=IdentityAppeal.Status.SUBMITTED
    ).exists()
    if open_appeal:
        raise ApplicationError(
            _("An appeal for this ID number is already waiting for review."), "appeal_pending", field="id_number"
        )
    appeal = IdentityAppeal(
        id_number_hash=identity.number_hash,
        id_number_encrypted=identity.encrypted,
        id_number_masked=identity.masked,
        contested_user=User.objects.filter(id_number_hash=identity.number_hash).first(),
        full_name=full_name.strip(),
        email=email.strip().lower(),
        mobile=_normalise_mobile(mobile) or "",
        statement=statement.strip(),
    )
    appeal.id_photo.save(id_photo.name, id_photo, save=False)
    appeal.save()
    SecurityEvent.objects.create(
        user=appeal.contested_user,
        action="identity_appeal.submitted",
        data={"appeal": str(appeal.pk)},
        ip_address=ip_address,
    )
    return appeal


def _appeal_notify(appeal: IdentityAppeal, subject: str, body: str) -> None:
    mail_queue(subject=subject, body=body, to=[appeal.email])


@transaction.atomic
def identity_appeal_uphold(*, appeal: IdentityAppeal, acting_user: User, reason: str) -> IdentityAppeal:
    """The appellant owns the ID: freeze the account that used it and free the number."""
    appeal = lock_row(IdentityAppeal, pk=appeal.pk)
    if appeal.status != IdentityAppeal.Status.SUBMITTED:
        raise ApplicationError(_("This appeal has already been decided."), "appeal_decided")
    contested = lock_row_or_none(User, id_number_hash=appeal.id_number_hash)
    if contested is not None:
        contested.frozen_at = timezone.now()
        contested.frozen_reason = _("Frozen after an upheld identity appeal.")
        contested.is_active = False
        contested.id_number_hash = None  # keeps the masked form for the record
        contested.save(update_fields=["frozen_at", "frozen_reason", "is_active", "id_number_hash"])
        SecurityEvent.objects.create(
            user=contested, action="account.frozen", data={"appeal": str(appeal.pk), "by": acting_user.email}
        )
    appeal.status = IdentityAppeal.Status.UPHELD
    appeal.decided_at = timezone.now()
    appeal.decided_by = acting_user
    appeal.decision_reason = reason
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    SecurityEvent.objects.create(
        user=contested, action="identity_appeal.upheld", data={"appeal": str(appeal.pk), "by": acting_user.email}
    )
    _appeal_notify(
        appeal,
        _("Your identity appeal was upheld"),
        _("Your appeal for ID number %(masked)s was upheld. You can now register with it.")
        % {"masked": appeal.id_number_masked},
    )
    return appeal


@transaction.atomic
def identity_appeal_reject(*, appeal: IdentityAppeal, acting_user: User, reason: str) -> IdentityAppeal:
    if not reason.strip():
        raise ApplicationError(_("Give the appellant a reason."), "reason_missing", field="reason")
    appeal = lock_row(IdentityAppeal, pk=appeal.pk)
    if appeal.status != IdentityAppeal.Status.SUBMITTED:
        raise ApplicationError(_("This appeal has already been decided."), "appeal_decided")
    appeal.status = IdentityAppeal.Status.REJECTED
    appeal.decided_at = timezone.now()
    appeal.decided_by = acting_user
    appeal.decision_reason = reason.strip()
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    SecurityEvent.objects.create(
        user=appeal.contested_user,
        action="identity_appeal.rejected",
        data={"appeal": str(appeal.pk), "by": acting_user.email},
    )
    _appeal_notify(
        appeal,
        _("Your identity appeal was not upheld"),
        _("Your appeal for ID number %(masked)s was not upheld. Reason: %(reason)s")
        % {"masked": appeal.id_number_masked, "reason": appeal.decision_reason},
    )
    return appeal


REVIEWER_GROUP = "Reviewers"
# "view" opens a queue; "change" lets the reviewer decide (the admin edits nothing, see
# config/admin_decisions.py). No permission on users, groups or permissions themselves.
REVIEWER_PERMISSIONS = {
    "accounts": [
        "view_user",
        "view_membership",
        "view_identityappeal",
        "change_identityappeal",
        "view_factorlock",
        "change_factorlock",
        "view_securityevent",
    ],
    "tenants": ["view_company", "change_company", "view_domain", "view_apikey"],
    "seals": ["view_sealapplication", "change_sealapplication", "view_seal", "change_seal", "view_sealstatuschange"],
}


def reviewer_group_ensure():
    """The group platform reviewers belong to: the review queues, nothing more."""
    from django.contrib.auth.models import Group, Permission

    group, _created = Group.objects.get_or_create(name=REVIEWER_GROUP)
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codenames in REVIEWER_PERMISSIONS.items()
        for codename in codenames
    ]
    group.permissions.set(permissions)
    return group


@transaction.atomic
def reviewer_set(*, email: str, reviewer: bool, granted_by: str) -> User:
    """Make a person a platform reviewer (staff in the Reviewers group) or end it. Only a
    management command calls this: the admin manages no staff."""
    user = lock_row_or_none(User, email=email.strip().lower())
    if user is None:
        raise ApplicationError(_("No account has this email address."), "user_missing", status=404)
    from accounts.two_factor import two_factor_enabled

    if reviewer and not two_factor_enabled(user):
        # Its first one could otherwise be set up by whoever reset the password by mail.
        raise ApplicationError(
            _("%(email)s has no authenticator app yet: its owner sets one up first (Account security).")
            % {"email": user.email},
            "authenticator_missing",
            status=409,
        )
    group = reviewer_group_ensure()
    user.is_staff = reviewer
    user.save(update_fields=["is_staff"])
    if reviewer:
        user.groups.add(group)
    else:
        user.groups.remove(group)
    action = "reviewer.granted" if reviewer else "reviewer.revoked"
    SecurityEvent.objects.create(user=user, action=action, data={"by": granted_by})
    return user


def password_authenticate(*, request, email: str, password: str) -> User:
    """Email + password with the hard lockout; raises ApplicationError with a clear reason."""
    from django.contrib.auth import authenticate

    from accounts.lockout import WrongSecret, attempt_counted
    from accounts.models import FactorLock

    ip_address = client_address(request)
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    wrong = WrongSecret(
        _("Enter a correct email and password. Both are case-sensitive."), "invalid_credentials", status=401
    )
    if user is None:
        authenticate(request, username=email, password=password)  # the same time as for an account
        raise wrong
    with attempt_counted(user=user, factor=FactorLock.Factor.PASSWORD, ip_address=ip_address):
        authenticated = authenticate(request, username=email, password=password)
        if authenticated is None:
            raise wrong
        if authenticated.frozen_at is not None:
            raise ApplicationError(
                _("This account has been frozen: %(reason)s") % {"reason": authenticated.frozen_reason},
                "account_frozen",
                status=403,
            )
        if not authenticated.is_active:
            raise ApplicationError(_("This account is inactive."), "account_inactive", status=403)
    return authenticated
