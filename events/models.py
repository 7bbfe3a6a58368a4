"""What happened in a company (the audit trail) and who outside hears about it (webhooks).
The bottom of the app layers: any app may record an event here; this app imports no app
above `accounts`, `config` and `tenants`."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """What happened in a company, by whom. One row per service call that changes
    something; written in the same transaction as the change."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Users live in the public schema; a plain id plus a label keeps the row readable
    # even after the user is gone and avoids cross-schema foreign keys.
    actor_user_id = models.UUIDField(null=True, blank=True)
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=80, db_index=True)
    target_type = models.CharField(max_length=80, blank=True)
    target_id = models.CharField(max_length=80, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # The company's hash chain (`events.services.audit_chain_extend`): each row carries the
    # hash of the one before it, so an edited or deleted row breaks the chain. A row is
    # linked right after its transaction commits; until then these stay empty.
    sequence = models.PositiveBigIntegerField(null=True, blank=True, unique=True, editable=False)
    previous_hash = models.CharField(max_length=64, blank=True, default="", editable=False)
    hash = models.CharField(max_length=64, blank=True, default="", editable=False)

    class Meta:
        # The tables keep the names they had in `workflows`: the models moved, the rows did not.
        db_table = "workflows_auditevent"
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at"]
        constraints = [
            # One row after each row: a second linker working from the same end of the chain
            # fails instead of forking it (sequence is unique as well).
            models.UniqueConstraint(
                fields=["previous_hash"], condition=~models.Q(previous_hash=""), name="audit_event_one_successor"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} by {self.actor_label}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


ACTION_LABELS = {
    "company.created": _("Company registered"),
    "company.registration_approved": _("Registration approved by the platform"),
    "company.registration_rejected": _("Registration rejected by the platform"),
    "company.signature_level_changed": _("Signature level changed"),
    "api_key.created": _("API key created"),
    "api_key.revoked": _("API key revoked"),
    "api_key.rotated": _("API key rotated"),
    "webhook.created": _("Webhook endpoint added"),
    "webhook.updated": _("Webhook endpoint changed"),
    "webhook.deleted": _("Webhook endpoint removed"),
    "webhook.secret_rotated": _("Webhook signing secret rotated"),
    "member.invited": _("Member invited"),
    "member.joined": _("Member joined"),
    "member.invitation_revoked": _("Invitation withdrawn"),
    "member.role_changed": _("Member's role changed"),
    "member.removed": _("Member removed"),
    "member.left": _("Member left"),
    "document.uploaded": _("Document uploaded"),
    "document.deleted": _("Document deleted"),
    "document.active_content_removed": _("Active content removed (new version)"),
    "document.archive_timestamp_renewed": _("Archive timestamp renewed (new version)"),
    "document.archive_chain_broken": _(
        "Archive timestamp could not be renewed: the newest timestamp no longer validates"
    ),
    "document.placement_added": _("Seal placed"),
    "document.placement_removed": _("Seal placement removed"),
    "document.seal_requested": _("Seal use confirmed (password and one-time code)"),
    "document.sealed": _("Document sealed and signed"),
    "document.signed": _("Document signed"),
    "document.received": _("Signed copy received from an envelope"),
    "document.evidence_ready": _("Evidence package ready"),
    "document.evidence_downloaded": _("Evidence package downloaded"),
    "document.seal_session_started": _("Sealing with a U-key started"),
    "document.seal_signature_received": _("Signature received from the U-key"),
    "envelope.party_refused": _("A party was refused: the envelope is no longer open to it"),
    "seal_application.submitted": _("Seal application submitted"),
    "seal_application.rejected": _("Seal application rejected"),
    "seal.issued": _("Seal issued"),
    "seal.imported": _("CA certificate imported as a seal"),
    "seal.suspended": _("Seal suspended"),
    "seal.active": _("Seal restored"),
    "seal.revoked": _("Seal revoked"),
    "seal.password_changed": _("Seal password changed"),
    "seal.dual_signing_on": _("National-standard (SM2) signature turned on"),
    "seal.dual_signing_off": _("National-standard (SM2) signature turned off"),
    "seal.registered_hardware_key": _("Seal registered on a U-key"),
    "seal.authorisation_granted": _("Seal authorisation granted"),
    "seal.authorisation_revoked": _("Seal authorisation removed"),
    "seal_use.requested": _("Seal use requested"),
    "seal_use.approved": _("Seal use approved"),
    "seal_use.rejected": _("Seal use rejected"),
    "seal_use.canceled": _("Seal-use request withdrawn"),
    "seal_use.used": _("Approved seal use taken"),
    "authority.refused": _("Refused: the role does not allow it"),
    "api_key.scope_refused": _("Refused: the API key's scopes do not allow it"),
}


WEBHOOK_EVENTS = {
    "document.sealed": _("A document was sealed"),
    "envelope.sent": _("An envelope was sent"),
    "envelope.party_signed": _("A party sealed or signed an envelope"),
    "envelope.completed": _("An envelope was completed"),
    "envelope.declined": _("An envelope was declined"),
    "envelope.expired": _("An envelope expired"),
    "evidence.ready": _("An evidence package is ready"),
    "seal.approved": _("A seal application was approved"),
    "seal.rejected": _("A seal application was rejected"),
    "seal.revoked": _("A seal was revoked"),
}


class WebhookEndpoint(models.Model):
    """Where a company wants to hear about events. The signing secret is stored
    encrypted under the master key; after a rotation the previous one keeps signing
    alongside for a day, so receivers can switch without losing deliveries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(default=list)
    active = models.BooleanField(_("active"), default=True)
    secret_encrypted = models.BinaryField()
    previous_secret_encrypted = models.BinaryField(null=True, blank=True)
    previous_secret_until = models.DateTimeField(null=True, blank=True)
    created_by_label = models.CharField(max_length=200)
    # The administrator whose authority the endpoint runs on (who created it, or last changed
    # or resumed it). Deliveries stop while that person may not administer the company.
    authorised_by_id = models.UUIDField(null=True, blank=True)
    authorised_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "workflows_webhookendpoint"
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.url

    @property
    def event_labels(self) -> list[str]:
        return [str(WEBHOOK_EVENTS.get(event, event)) for event in self.events]


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        DELIVERED = "delivered", _("Delivered")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    resent_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        db_table = "workflows_webhookdelivery"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint}"
