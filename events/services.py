from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django_tenants.utils import schema_context, tenant_context

from config.row_locks import lock_named, lock_rows
from events.models import AuditEvent
from sealcore.hash_chain import GENESIS_HASH, ChainLink, chain_first_break, chain_hash


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
    event = AuditEvent.objects.create(
        actor_user_id=getattr(acting_user, "audit_user_id", None),
        actor_label=(actor_label or (str(acting_user) if acting_user is not None else "Sealhub"))[:200],
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=str(getattr(target, "pk", "")) if target is not None else "",
        data=data or {},
        ip_address=ip_address,
    )
    # Linked once committed, in a short transaction of its own: taking the chain's lock here
    # would hold it (and serialise every audited write of the company) until the caller commits.
    schema = connection.schema_name
    transaction.on_commit(lambda: _audit_chain_extend_in(schema), robust=True)
    return event


def audit_event_record_in_company(company, **kwargs) -> AuditEvent:
    """Audit row in `company`'s schema, from code running on the platform side (reviews,
    seals, members live in the public schema)."""
    with tenant_context(company):
        return audit_event_record(**kwargs)


# --- the company's hash chain ---------------------------------------------------------


def audit_event_payload(event: AuditEvent) -> dict:
    """The fields a row's hash covers, as they go into the canonical JSON (and into the
    audit lines of an evidence package)."""
    return {
        "id": str(event.pk),
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "actor_user_id": str(event.actor_user_id or ""),
        "actor": event.actor_label,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "data": event.data,
        "ip": event.ip_address or "",
        "previous": event.previous_hash,
    }


def _audit_digest(event: AuditEvent) -> str:
    return chain_hash(audit_event_payload(event))


def _audit_chain_extend_in(schema: str) -> int:
    with schema_context(schema):
        return audit_chain_extend()


@transaction.atomic
def audit_chain_extend() -> int:
    """Link the current company's committed rows that are not in the chain yet (new rows,
    rows from before the chain existed, rows whose link step was lost) to its end, oldest
    first. One linker at a time per company (an advisory lock for this transaction).
    Returns how many rows were linked. Two linkers that got past the lock anyway could not
    fork the chain: sequence and previous hash are each unique."""
    lock_named(f"audit-chain:{connection.schema_name}")
    last = AuditEvent.objects.exclude(sequence=None).order_by("-sequence").first()
    sequence, previous = (last.sequence, last.hash) if last else (0, GENESIS_HASH)
    linked = 0
    for event in lock_rows(AuditEvent.objects.filter(sequence=None).order_by("occurred_at", "id")):
        sequence += 1
        event.sequence, event.previous_hash = sequence, previous
        event.hash = _audit_digest(event)
        event.save(update_fields=["sequence", "previous_hash", "hash"])
        previous = event.hash
        linked += 1
    return linked


def audit_events_verify(*, from_sequence: int = 1) -> tuple[bool, int | None]:
    """(True, None) when every linked row of the current company's trail has the right hash
    and links to the one before it; otherwise (False, sequence of the first broken row).
    `from_sequence`: only that row and the ones after it, the first taken as it links
    (an evidence package checks the rows from its document's first event to the newest:
    the whole trail would cost every package the company's entire history)."""
    rows = AuditEvent.objects.exclude(sequence=None).filter(sequence__gte=from_sequence).order_by("sequence")
    first = rows.first()
    if first is None:
        return True, None
    broken_at = chain_first_break(
        (
            ChainLink(event.sequence, event.previous_hash, event.hash, audit_event_payload(event))
            for event in rows.iterator()
        ),
        first_sequence=from_sequence,
        previous_hash=first.previous_hash if from_sequence > 1 else GENESIS_HASH,
    )
    return broken_at is None, broken_at


# --- refusals (accounts.authority) -----------------------------------------------------


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
    with tenant_context(refusal.membership.company):
        return AuditEvent.objects.filter(pk=refusal.audit_row_id).exists()
