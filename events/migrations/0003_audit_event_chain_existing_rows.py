import datetime as dt

from django.db import migrations, models

from sealcore.hash_chain import GENESIS_HASH, chain_hash


def chain_existing_rows(apps, schema_editor):
    """Rows written before the chain existed (or whose link step was lost) join it now, oldest
    first, with the fields `events.services.audit_event_payload` hashes (frozen here)."""
    AuditEvent = apps.get_model("events", "AuditEvent")
    last = AuditEvent.objects.exclude(sequence=None).order_by("-sequence").first()
    sequence, previous = (last.sequence, last.hash) if last else (0, GENESIS_HASH)
    for event in AuditEvent.objects.filter(sequence=None).order_by("occurred_at", "id").iterator():
        sequence += 1
        event.sequence, event.previous_hash = sequence, previous
        event.hash = chain_hash(
            {
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
        )
        event.save(update_fields=["sequence", "previous_hash", "hash"])
        previous = event.hash


class Migration(migrations.Migration):
    dependencies = [
        ("events", "0002_audit_event_hash_chain"),
    ]

    operations = [
        # A linked row is never unlinked: going back leaves the chain as it is.
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="auditevent",
            constraint=models.UniqueConstraint(
                condition=models.Q(("previous_hash", ""), _negated=True),
                fields=("previous_hash",),
                name="audit_event_one_successor",
            ),
        ),
    ]
