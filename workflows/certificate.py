"""Data for the certificate of completion, read from the owner's schema; the PDF itself
is drawn by `documents/pdf/report.py`."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from accounts.identity import mask_email
from documents.pdf.report import completion_certificate_pdf as draw
from tenants.models import Company
from workflows.envelopes.trail import envelope_events_verify
from workflows.models import Envelope


def completion_certificate_pdf(*, envelope: Envelope, final_sha256: str) -> bytes:
    owner = Company.objects.get(schema_name=connection.schema_name)
    intact, _broken_at = envelope_events_verify(envelope=envelope)
    events = list(envelope.events.order_by("sequence"))
    original = envelope.document.versions.order_by("number").first()
    return draw(
        {
            "name": envelope.name,
            "id": str(envelope.pk),
            "owner": owner.name,
            "sent_at": timezone.localtime(envelope.sent_at) if envelope.sent_at else None,
            "completed_at": timezone.localtime(envelope.finished_at) if envelope.finished_at else None,
            "original_sha256": original.sha256 if original else "",
            "final_sha256": final_sha256,
            "chain_intact": intact,
            "parties": [
                {
                    "order": party.order,
                    "name": party.name,
                    "role": party.get_kind_display(),
                    "email": mask_email(party.email),
                    "status": party.get_status_display(),
                    "acted_at": timezone.localtime(party.acted_at) if party.acted_at else None,
                }
                for party in envelope.parties.all()
            ],
            "events": [
                {
                    "sequence": event.sequence,
                    "occurred_at": timezone.localtime(event.occurred_at),
                    "action": event.action_label,
                    "actor": event.actor_label,
                    "ip": event.ip_address,
                    "user_agent": event.user_agent,
                    "hash": event.hash,
                }
                for event in events
            ],
        }
    )
