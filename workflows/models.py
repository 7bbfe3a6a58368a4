from __future__ import annotations

import uuid

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


def envelope_file_path(instance: Envelope, filename: str) -> str:
    return f"{connection.schema_name}/envelopes/{instance.pk}/{filename}"


class Envelope(models.Model):
    """A document sent to ordered parties for sealing and signing. Lives in the owner's
    schema; party companies reach it only through `workflows/cross_tenant/`."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        CANCELED = "canceled", _("Canceled")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="envelopes")
    name = models.CharField(_("name"), max_length=255)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by_id = models.UUIDField(null=True)
    created_by_label = models.CharField(max_length=200)
    owner_email = models.EmailField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    reminder_interval_days = models.PositiveSmallIntegerField(_("remind every (days)"), null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    send_final_to_all = models.BooleanField(_("send the final PDF to every party"), default=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The version with every party's empty signature field, created when sent.
    prepared_version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    final_version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    certificate = models.FileField(upload_to=envelope_file_path, max_length=300, blank=True)
    problem = models.TextField(blank=True)  # integrity alert for the owner: "<code>:<version>"

    class Meta:
        verbose_name = _("envelope")
        verbose_name_plural = _("envelopes")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        """In progress and not past its expiry: parties may still act."""
        return self.status == self.Status.IN_PROGRESS and (self.expires_at is None or self.expires_at > timezone.now())

    @property
    def problem_message(self) -> str:
        """The integrity alert in the reader's language."""
        if not self.problem:
            return ""
        _code, _sep, number = self.problem.partition(":")
        return _("Version %(number)s does not match its fingerprint; signing stopped.") % {"number": number}


class Party(models.Model):
    class Kind(models.TextChoices):
        COMPANY = "company", _("Company (seals)")
        PERSON = "person", _("Person (signs)")
        APPROVER = "approver", _("Approver (approves only)")
        COPY = "copy", _("Copy (receives the result)")

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for earlier parties")
        ACTIVE = "active", _("Their turn")
        COMPLETED = "completed", _("Done")
        DECLINED = "declined", _("Declined")
        CLOSED = "closed", _("Closed")

    ACTING_KINDS = (Kind.COMPANY, Kind.PERSON, Kind.APPROVER)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="parties")
    order = models.PositiveSmallIntegerField(_("order"), default=1)  # equal numbers act in parallel
    kind = models.CharField(_("role"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))
    company_id = models.UUIDField(null=True, blank=True)  # public Company, for company parties
    # A company party not (yet) registered and approved on Sealhub: claimed by USCC when it is.
    uscc = models.CharField(max_length=18, blank=True)
    id_number_hash = models.CharField(max_length=64, blank=True)  # optional identity check for persons
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    # A person's or approver's link: looked up by hash; kept encrypted so a reminder can
    # repeat the same link without the token ever passing through the broker.
    token_hash = models.CharField(max_length=64, blank=True)
    token_encrypted = models.BinaryField(null=True, blank=True)
    code_hash = models.CharField(max_length=64, blank=True)
    code_sent_at = models.DateTimeField(null=True, blank=True)
    code_expires_at = models.DateTimeField(null=True, blank=True)
    code_failures = models.PositiveSmallIntegerField(default=0)
    code_locked_until = models.DateTimeField(null=True, blank=True)
    # Wrong ID numbers at signing: never reset by a new code, only by a new link from the sender.
    id_number_failures = models.PositiveSmallIntegerField(default=0)
    notified_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    acted_by_label = models.CharField(max_length=200, blank=True)
    decline_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "created_at"]

    def __str__(self) -> str:
        return f"{self.order}. {self.name}"


class EnvelopeField(models.Model):
    """A place a party fills: a signature field created in the PDF before anyone signs,
    so every later signature only fills its own field (earlier ones stay intact)."""

    class Kind(models.TextChoices):
        SEAL = "seal", pgettext_lazy("noun", "Seal")
        SIGNATURE = "signature", _("Signature")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="fields")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    page = models.PositiveIntegerField()
    x = models.FloatField()
    y = models.FloatField()
    width = models.FloatField()
    height = models.FloatField()
    field_name = models.CharField(max_length=100)

    class Meta:
        ordering = ["page", "y"]

    def __str__(self) -> str:
        return self.field_name


class EnvelopeEvent(models.Model):
    """The envelope's audit trail. Each row carries the hash of the one before it, so a
    deleted or edited row breaks the chain (`envelope_events_verify`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    envelope = models.ForeignKey(Envelope, on_delete=models.CASCADE, related_name="events")
    sequence = models.PositiveIntegerField()
    occurred_at = models.DateTimeField(default=timezone.now)
    action = models.CharField(max_length=40)
    party = models.ForeignKey(Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=200)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["sequence"]
        constraints = [models.UniqueConstraint(fields=["envelope", "sequence"], name="envelope_event_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.sequence} {self.action}"

    @property
    def action_label(self) -> str:
        return str(ENVELOPE_EVENT_LABELS.get(self.action, self.action))


ENVELOPE_EVENT_LABELS = {
    "created": _("Envelope created"),
    "sent": _("Sent"),
    "notified": _("Party notified"),
    "viewed": _("Viewed"),
    "code_sent": _("One-time code sent"),
    "code_passed": _("One-time code passed"),
    "signing_confirmed": _("Seal or signature confirmed"),
    "consent_given": _("Consent to sign electronically confirmed"),
    "signed": _("Signed"),
    "approved": _("Approved"),
    "declined": _("Declined"),
    "reassigned": _("Reassigned"),
    "email_corrected": _("Party's email corrected"),
    "reminded": _("Reminder sent"),
    "canceled": _("Canceled"),
    "expired": _("Expired"),
    "completed": _("Completed"),
    "integrity_alert": _("Document fingerprint mismatch: stopped"),
    "party_registered": _("Invited company registered on Sealhub"),
    "downloaded": _("Downloaded"),
}
