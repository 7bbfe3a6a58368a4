"""What workflows does when tenants tells it something happened (registered in
workflows/apps.py through tenants.hooks)."""

from __future__ import annotations

from accounts.authority import Action, role_may
from documents.models import SealUseRequest


def seal_use_approvals_granted_by(*, user, role: str | None) -> list[SealUseRequest]:
    """A member lost authority: the seal-use approvals they granted that can no longer be
    used (the check at the moment of sealing stops them; these are listed for the owner)."""
    if role is not None and role_may(role, Action.SEAL_USE_APPROVE):
        return []
    return list(SealUseRequest.objects.filter(decided_by_id=user.pk, status=SealUseRequest.Status.APPROVED))
