from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import RegexValidator
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import schema_exists

from tenants.schema_clone import schema_clone

SLUG_VALIDATOR = RegexValidator(
    r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$",
    _("Use 3–40 lowercase letters, digits or hyphens, starting with a letter."),
)


class Company(TenantMixin):
    """A tenant: one PostgreSQL schema per company. The platform itself is the
    `public` row; the template schema that new companies are cloned from has no row."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")

    class SignatureLevel(models.TextChoices):
        """How long a company's seals and signatures stay provable (README, "Levels")."""

        B_T = "B-T", _("B-T: signature and timestamp")
        B_LT = "B-LT", _("B-LT: with validation data; completed envelopes also get an archive timestamp")
        B_LTA = "B-LTA", _("B-LTA: every sealed document also gets an archive timestamp, renewed in time")

    class Verification(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("company name"), max_length=200)
    slug = models.SlugField(_("address name"), max_length=40, unique=True, validators=[SLUG_VALIDATOR])
    uscc = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    legal_representative = models.CharField(_("legal representative"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # Companies work from the start; a reviewer's check of the registration (USCC,
    # legal representative) is what later steps such as seal applications require.
    verification = models.CharField(
        _("registration review"), max_length=16, choices=Verification.choices, default=Verification.PENDING
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_reason = models.TextField(_("review reason"), blank=True)
    signature_level = models.CharField(
        _("signature level"), max_length=8, choices=SignatureLevel.choices, default=SignatureLevel.B_LT
    )

    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        constraints = [
            models.UniqueConstraint(fields=["uscc"], condition=~models.Q(uscc=""), name="company_uscc_unique")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_platform(self) -> bool:
        return self.schema_name == "public"

    def create_schema(self, check_if_exists=False, sync_schema=True, verbosity=1):
        """Copy the template schema (`tenants/schema_clone.py`). Its `django_migrations`
        rows come along, so the new schema is already recorded as migrated and no migration
        code has to run."""
        base_schema = settings.TENANT_BASE_SCHEMA
        if not (sync_schema and settings.TENANT_CREATION_FAKES_MIGRATIONS and schema_exists(base_schema)):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        if check_if_exists and schema_exists(self.schema_name):
            return False

        with transaction.atomic():
            schema_clone(base_schema, self.schema_name)
        connection.set_schema_to_public()
        return True


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")


class ApiKey(models.Model):
    """A company's API key. Only a SHA-256 of the key is stored; the key itself is
    shown once at creation. Keys are high-entropy, so a slow hash adds nothing."""

    class Scope(models.TextChoices):
        READ = "read", _("Read")
        DOCUMENTS = "documents", _("Documents")
        SEALS = "seals", _("Seals")
        ENVELOPES = "envelopes", _("Envelopes")
        ADMIN = "admin", _("Administration")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # The key whose request made this one: revoking it revokes what it made.
    made_through = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="keys_made")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def scope_labels(self) -> list[str]:
        labels = dict(self.Scope.choices)
        return [str(labels.get(scope, scope)) for scope in self.scopes]

    def is_usable(self, at=None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)


class IdempotencyRecord(models.Model):
    """The first response to a POST carrying an `Idempotency-Key`, replayed for 24 h."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    principal = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    request_fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["company", "principal", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"])]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"


class EnvelopeRoute(models.Model):
    """Public routing entry for one party of an envelope that lives in another company's
    schema: a party company's inbox row, or a person's link (by token hash). Holds no
    document content; `workflows/cross_tenant/` is its only reader."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for earlier parties")
        ACTIVE = "active", _("Waiting for you")
        DONE = "done", _("Done")
        CLOSED = "closed", _("Closed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    envelope_id = models.UUIDField()
    party_id = models.UUIDField(unique=True)
    party_kind = models.CharField(max_length=10)
    party_company = models.ForeignKey(
        Company, on_delete=models.CASCADE, null=True, blank=True, related_name="envelope_inbox"
    )
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    pending_uscc = models.CharField(max_length=18, blank=True, db_index=True)  # invited, not yet registered
    envelope_name = models.CharField(max_length=255)
    owner_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # Set when the envelope completes, is canceled, declined or expires: the route then
    # leads nowhere (the party keeps only the copy it received).
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["party_company", "status"])]

    def __str__(self) -> str:
        return f"{self.envelope_name} ({self.owner_name})"

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None or self.status == self.Status.CLOSED
