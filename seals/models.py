from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from seals.keys import ProtectedKey


class PlatformAuthority(models.Model):
    """A key pair of the platform PKI (root CA, seal CA, TSA); the private key is
    encrypted under MASTER_KEY."""

    class Role(models.TextChoices):
        ROOT = "root", _("Root CA")
        SEAL_CA = "seal_ca", _("Seal CA")
        TSA = "tsa", _("Timestamp authority")
        # Makes (signs) the seals in the national format (GB/T 38540) and issues their SM2
        # certificates. Its key is an SM2 key pair (sealcore/sm2.py), not a PKCS#8 key.
        SM2_MAKER = "sm2_maker", _("SM2 seal maker")
        # The platform's own seal: it seals the evidence reports (出证) Sealhub issues.
        EVIDENCE = "evidence", _("Platform evidence seal")

    role = models.CharField(max_length=16, choices=Role.choices, unique=True)
    certificate_pem = models.TextField()
    encrypted_private_key = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("platform authority")
        verbose_name_plural = _("platform authorities")

    def __str__(self) -> str:
        return self.get_role_display()


class IssuedCertificate(models.Model):
    """Every certificate a platform CA issued (the root: seal CA and TSA certificates; the
    seal CA: seals and people signing envelopes). The OCSP responder answers "good" only
    for these and "unknown" for any other serial."""

    issuer = models.CharField(max_length=16, choices=PlatformAuthority.Role.choices)
    serial = models.CharField(max_length=64)  # lowercase hex, as Seal.certificate_serial
    subject = models.CharField(max_length=300, blank=True)
    not_after = models.DateTimeField(null=True, blank=True)
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "serial"], name="issued_certificate_unique")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.serial}"


class SealType(models.TextChoices):
    OFFICIAL = "official", _("Official seal (公章)")
    CONTRACT = "contract", _("Contract seal (合同专用章)")
    FINANCE = "finance", _("Finance seal (财务专用章)")
    INVOICE = "invoice", _("Invoice seal (发票专用章)")
    LEGAL_REPRESENTATIVE = "legal_representative", _("Legal representative's seal")


class ProtectedKeyFields(models.Model):
    """Key material under the seal password (see seals/keys.py). Useless without it."""

    encrypted_private_key = models.BinaryField(null=True, editable=False)
    wrapped_data_key = models.BinaryField(null=True, editable=False)
    kdf_salt = models.BinaryField(null=True, editable=False)
    kdf_n = models.PositiveIntegerField(null=True, editable=False)
    kdf_r = models.PositiveSmallIntegerField(null=True, editable=False)
    kdf_p = models.PositiveSmallIntegerField(null=True, editable=False)

    class Meta:
        abstract = True

    @property
    def protected_key(self) -> ProtectedKey:
        return ProtectedKey(
            encrypted_private_key=bytes(self.encrypted_private_key),
            wrapped_data_key=bytes(self.wrapped_data_key),
            kdf_salt=bytes(self.kdf_salt),
            kdf_n=self.kdf_n,
            kdf_r=self.kdf_r,
            kdf_p=self.kdf_p,
        )

    def set_protected_key(self, protected: ProtectedKey) -> None:
        self.encrypted_private_key = protected.encrypted_private_key
        self.wrapped_data_key = protected.wrapped_data_key
        self.kdf_salt = protected.kdf_salt
        self.kdf_n, self.kdf_r, self.kdf_p = protected.kdf_n, protected.kdf_r, protected.kdf_p


def attachment_path(instance, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"private/seal-applications/{instance.pk}/{uuid.uuid4().hex}.{suffix}"


class Sm2KeyFields(models.Model):
    """The seal's SM2 key pair, encrypted with the same data key as the other key (so the
    seal password unlocks both; seals/keys.py `encrypt_additional_key`)."""

    sm2_encrypted_private_key = models.BinaryField(null=True, editable=False)
    sm2_public_key = models.BinaryField(null=True, editable=False)  # x || y, 64 bytes

    class Meta:
        abstract = True


class SealApplication(ProtectedKeyFields, Sm2KeyFields):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("tenants.Company", on_delete=models.PROTECT, related_name="seal_applications")
    applicant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seal_type = models.CharField(_("seal type"), max_length=24, choices=SealType.choices)
    seal_name = models.CharField(_("text on the seal"), max_length=60)
    key_algorithm = models.CharField(_("key algorithm"), max_length=12, default="ec-p256")
    business_licence = models.FileField(_("business licence"), upload_to=attachment_path)
    authorisation_letter = models.FileField(_("authorisation letter"), upload_to=attachment_path, blank=True)
    csr_pem = models.TextField(editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("seal application")
        verbose_name_plural = _("seal applications")
        ordering = ["-submitted_at"]

    def __str__(self) -> str:
        return f"{self.seal_name} ({self.get_status_display()})"


class SealCodeSequence(models.Model):
    region = models.CharField(max_length=6, primary_key=True)
    last_value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.region}: {self.last_value}"


class Seal(ProtectedKeyFields, Sm2KeyFields):
    """The registry entry of an issued (or imported) seal."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        REVOKED = "revoked", _("Revoked")

    class Issuer(models.TextChoices):
        PLATFORM = "platform", _("Sealhub seal CA")
        THIRD_PARTY = "third_party", _("Third-party CA")
        # The key stays on the company's USB key; the platform holds only the certificate.
        HARDWARE_TOKEN = "hardware_token", _("Third-party CA, hardware key (U-key)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey("tenants.Company", on_delete=models.PROTECT, related_name="seals")
    application = models.OneToOneField(
        SealApplication, on_delete=models.PROTECT, null=True, blank=True, related_name="seal"
    )
    code = models.CharField(_("seal code"), max_length=13, unique=True)
    name = models.CharField(_("text on the seal"), max_length=60)
    seal_type = models.CharField(_("seal type"), max_length=24, choices=SealType.choices)
    issuer = models.CharField(_("issuer"), max_length=16, choices=Issuer.choices, default=Issuer.PLATFORM)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    certificate_pem = models.TextField(editable=False)
    # Third-party seals: the CA certificates that came with the key (PEM, issuer first).
    chain_pem = models.TextField(blank=True, editable=False)
    issuer_name = models.CharField(_("certificate issuer"), max_length=300, blank=True)
    certificate_serial = models.CharField(max_length=64, unique=True, editable=False)
    not_before = models.DateTimeField(_("valid from"))
    not_after = models.DateTimeField(_("valid until"))
    created_at = models.DateTimeField(default=timezone.now)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    status_reason = models.TextField(_("reason for the status"), blank=True)
    expiry_reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    # National format (GB/T 38540): the SM2 certificate and the SESeal the platform made.
    sm2_certificate_pem = models.TextField(blank=True, editable=False)
    national_seal_der = models.BinaryField(null=True, blank=True, editable=False)
    dual_signing = models.BooleanField(
        _("also sign in the national format (SM2)"),
        default=False,
        help_text=_("Each sealing adds an SM2 signature (GB/T 38540) next to the PAdES signature."),
    )

    class Meta:
        verbose_name = _("seal")
        verbose_name_plural = _("seals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} · {self.code}"

    @property
    def on_hardware_token(self) -> bool:
        return self.issuer == self.Issuer.HARDWARE_TOKEN

    @property
    def has_national_seal(self) -> bool:
        return bool(self.national_seal_der) and self.sm2_encrypted_private_key is not None


class SealStatusChange(models.Model):
    """Every transition of an application or a seal: who, when, why."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, null=True, blank=True, related_name="status_changes")
    application = models.ForeignKey(
        SealApplication, on_delete=models.PROTECT, null=True, blank=True, related_name="status_changes"
    )
    from_status = models.CharField(max_length=12, blank=True)
    to_status = models.CharField(max_length=12)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at"]

    def __str__(self) -> str:
        return f"{self.from_status or '—'} → {self.to_status}"

    @staticmethod
    def _label(status: str) -> str:
        labels = {**dict(SealApplication.Status.choices), **dict(Seal.Status.choices)}
        return str(labels.get(status, status)) if status else "—"

    @property
    def from_label(self) -> str:
        return self._label(self.from_status)

    @property
    def to_label(self) -> str:
        return self._label(self.to_status)


class SealAuthorisation(models.Model):
    """A member who may use a seal directly; everyone else asks for seal-use approval."""

    seal = models.ForeignKey(Seal, on_delete=models.CASCADE, related_name="authorisations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="seal_authorisations")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("seal authorisation")
        verbose_name_plural = _("seal authorisations")
        constraints = [models.UniqueConstraint(fields=["seal", "user"], name="seal_authorisation_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.seal}"
