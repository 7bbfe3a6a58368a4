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

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-occurred_at"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.action} by {self.actor_label}"

    @property
    def action_label(self) -> str:
        return str(ACTION_LABELS.get(self.action, self.action))


ACTION_LABELS = {
    "company.created": _("Company registered"),
    "company.registration_approved": _("Registration approved by the platform"),
    "company.registration_rejected": _("Registration rejected by the platform"),
    "api_key.created": _("API key created"),
    "api_key.revoked": _("API key revoked"),
    "member.invited": _("Member invited"),
    "member.joined": _("Member joined"),
    "member.invitation_revoked": _("Invitation withdrawn"),
    "member.role_changed": _("Member's role changed"),
    "member.removed": _("Member removed"),
    "member.left": _("Member left"),
    "document.uploaded": _("Document uploaded"),
    "document.deleted": _("Document deleted"),
    "document.placement_added": _("Seal placed"),
    "document.placement_removed": _("Seal placement removed"),
    "document.seal_requested": _("Seal use confirmed (password and one-time code)"),
    "document.sealed": _("Document sealed and signed"),
    "seal_application.submitted": _("Seal application submitted"),
    "seal_application.rejected": _("Seal application rejected"),
    "seal.issued": _("Seal issued"),
    "seal.imported": _("CA certificate imported as a seal"),
    "seal.suspended": _("Seal suspended"),
    "seal.active": _("Seal restored"),
    "seal.revoked": _("Seal revoked"),
    "seal.password_changed": _("Seal password changed"),
    "seal.authorisation_granted": _("Seal authorisation granted"),
    "seal.authorisation_revoked": _("Seal authorisation removed"),
    "seal_use.requested": _("Seal use requested"),
    "seal_use.approved": _("Seal use approved"),
    "seal_use.rejected": _("Seal use rejected"),
    "seal_use.canceled": _("Seal-use request withdrawn"),
    "seal_use.used": _("Approved seal use taken"),
}


class SealUseRequest(models.Model):
    """A member without direct rights on a seal asks to use it on a document (用印审批);
    a seal manager approves (with limits) or rejects. An approval is consumed one use at a
    time, in the transaction that creates the signing grant."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELED = "canceled", _("Withdrawn")
        USED_UP = "used_up", _("Used up")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey("documents.Document", on_delete=models.PROTECT, related_name="seal_use_requests")
    # Seals and users live in the public schema: plain ids plus labels, as in AuditEvent.
    seal_id = models.UUIDField()
    seal_label = models.CharField(max_length=300)
    requester_id = models.UUIDField(db_index=True)
    requester_label = models.CharField(max_length=200)
    reason = models.TextField(_("reason"))
    # The requester's placements of this seal when asking: what the approver looked at.
    placements = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by_id = models.UUIDField(null=True, blank=True)
    decided_by_label = models.CharField(max_length=200, blank=True)
    document_only = models.BooleanField(_("this document only"), default=True)
    uses_allowed = models.PositiveIntegerField(_("uses allowed"), default=1)
    uses_count = models.PositiveIntegerField(default=0)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("seal-use request")
        verbose_name_plural = _("seal-use requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "seal_id", "requester_id"],
                condition=models.Q(status="pending"),
                name="seal_use_request_one_pending",
            ),
            models.CheckConstraint(condition=models.Q(uses_allowed__gte=1), name="seal_use_request_uses_allowed"),
        ]

    def __str__(self) -> str:
        return f"{self.seal_label} · {self.document} · {self.requester_label}"

    @property
    def state(self) -> str:
        """The status as the reader should see it: an approval past its date is expired
        even before anything writes that down."""
        if self.status == self.Status.APPROVED and self.valid_until is not None and self.valid_until <= timezone.now():
            return self.Status.EXPIRED
        return self.status

    @property
    def state_label(self) -> str:
        return str(self.Status(self.state).label)

    @property
    def uses_left(self) -> int:
        return max(self.uses_allowed - self.uses_count, 0)
