from __future__ import annotations

from typing import Any

from events.models import AuditEvent


def audit_event_record(
    *,
    acting_user: Any,
    action: str,
    target: Any = None,
    data: dict | None = None,
    ip_address: str | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Write an audit row in the current tenant schema. `acting_user` may be a User,
    an API key principal or None (the platform itself); both carry `audit_user_id`."""
    return AuditEvent.objects.create(
        actor_user_id=getattr(acting_user, "audit_user_id", None),
        actor_label=(actor_label or (str(acting_user) if acting_user is not None else "Sealhub"))[:200],
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "pk", "")) if target is not None else "",
        data=data or {},
        ip_address=ip_address,
    )


def audit_event_record_in_company(company, **kwargs) -> AuditEvent:
    """Audit row in `company`'s schema, from code running on the platform side (reviews,
    seals, members live in the public schema)."""
    from django_tenants.utils import tenant_context

    with tenant_context(company):
        return audit_event_record(**kwargs)


def authority_refusal_record(refusal) -> Any:
    """Audit row of a refused action (accounts.authority): who, what and why, in the
    company whose data it was. Returns the row's id."""
    membership = refusal.membership
    event = audit_event_record_in_company(
        membership.company,
        acting_user=membership.user,
        actor_label=refusal.actor_label,
        action="authority.refused",
        data={"action": str(refusal.action), "role": membership.role, "reason": refusal.code},
    )
    return event.pk


def authority_refusal_exists(refusal) -> bool:
    from django_tenants.utils import tenant_context

    with tenant_context(refusal.membership.company):
        return AuditEvent.objects.filter(pk=refusal.audit_row_id).exists()
