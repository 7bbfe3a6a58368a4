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
}
