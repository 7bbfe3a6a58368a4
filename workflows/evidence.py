"""What an envelope's evidence package shows (documents/hooks.py `EnvelopeEvidence`): its
parties and its own hash-chained trail, read in the owner's schema."""

from __future__ import annotations

from accounts.identity import mask_email
from workflows.envelopes.trail import envelope_event_payload, envelope_events_verify
from workflows.models import Envelope


class EnvelopeEvidence:
    def evidence(self, *, envelope_id) -> dict:
        envelope = Envelope.objects.get(pk=envelope_id)
        intact, broken_at = envelope_events_verify(envelope=envelope)
        return {
            "subject": envelope.name,
            "parties": [
                {
                    "order": party.order,
                    "name": party.name,
                    "role": party.get_kind_display(),
                    "contact": " · ".join(
                        text for text in (party.acted_by_label, party.uscc, mask_email(party.email)) if text
                    ),
                    "status": party.get_status_display(),
                    "acted_at": party.acted_at,
                }
                for party in envelope.parties.order_by("order", "created_at")
            ],
            "events": [
                {
                    "sequence": event.sequence,
                    "occurred_at": event.occurred_at,
                    "action": event.action_label,
                    "actor": event.actor_label,
                    "ip": event.ip_address or "",
                    "user_agent": event.user_agent,
                    "data": event.data,
                    "hash": event.hash,
                    "previous": event.previous_hash,
                    "payload": envelope_event_payload(event),
                }
                for event in envelope.events.order_by("sequence")
            ],
            "chain": {"name": "envelope trail", "intact": intact, "broken_at": broken_at},
        }
