"""The envelope's audit trail: a hash chain of events in the owner's schema, and the
webhooks that announce them."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from config.row_locks import lock_row_or_none
from events.webhooks import webhook_event_emit
from sealcore.hash_chain import GENESIS_HASH, ChainLink, chain_first_break, chain_hash
from workflows.models import Envelope, EnvelopeEvent, Party


def envelope_event_payload(event: EnvelopeEvent) -> dict:
    """The fields an event's hash covers, as they go into the canonical JSON (and into the
    audit lines of an evidence package)."""
    return {
        "envelope": str(event.envelope_id),
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "action": event.action,
        "party": str(event.party_id or ""),
        "actor": event.actor_label,
        "ip": event.ip_address or "",
        "user_agent": event.user_agent,
        "data": event.data,
        "previous": event.previous_hash,
    }


def _event_digest(event: EnvelopeEvent) -> str:
    return chain_hash(envelope_event_payload(event))


def envelope_event_record(
    *,
    envelope: Envelope,
    action: str,
    actor_label: str,
    party: Party | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    data: dict | None = None,
) -> EnvelopeEvent:
    """Append to the hash chain. The envelope row is locked so two events never take the
    same place in the chain."""
    with transaction.atomic():
        lock_row_or_none(Envelope, pk=envelope.pk)
        last = EnvelopeEvent.objects.filter(envelope_id=envelope.pk).order_by("-sequence").first()
        event = EnvelopeEvent(
            envelope_id=envelope.pk,
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=timezone.now(),
            action=action,
            party=party,
            actor_label=str(actor_label)[:200],
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300],
            data=data or {},
            previous_hash=last.hash if last else GENESIS_HASH,
        )
        event.hash = _event_digest(event)
        event.save()
        return event


def envelope_events_verify(*, envelope: Envelope) -> tuple[bool, int | None]:
    """(True, None) when every event's hash is right and links to the one before it;
    otherwise (False, sequence of the first broken event)."""
    events = EnvelopeEvent.objects.filter(envelope_id=envelope.pk).order_by("sequence")
    broken_at = chain_first_break(
        ChainLink(event.sequence, event.previous_hash, event.hash, envelope_event_payload(event)) for event in events
    )
    return broken_at is None, broken_at


def envelope_webhook(envelope: Envelope, event_type: str, **data) -> None:
    webhook_event_emit(event_type=event_type, data={"envelope_id": str(envelope.pk), "name": envelope.name, **data})
