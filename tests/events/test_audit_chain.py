"""The company audit trail is a hash chain: an edited, deleted or moved row is found by
`manage.py audit_verify`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django_tenants.utils import tenant_context

from events.models import AuditEvent
from events.services import GENESIS_HASH, audit_event_record, audit_events_verify

pytestmark = pytest.mark.django_db


def _trail(world, django_capture_on_commit_callbacks, count: int = 3) -> list[AuditEvent]:
    """A fresh trail of `count` rows in alpha, each linked when its transaction commits."""
    with tenant_context(world.alpha):
        AuditEvent.objects.all().delete()  # rows other tests committed; rolled back after this one
        events = []
        for number in range(count):
            with django_capture_on_commit_callbacks(execute=True):
                events.append(audit_event_record(acting_user=world.alice, action="member.invited", data={"n": number}))
        for event in events:
            event.refresh_from_db()
        return events


def _verify(company) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("audit_verify", company=company.slug, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_committed_rows_are_linked_in_order_and_verify(world, django_capture_on_commit_callbacks):
    first, second, third = _trail(world, django_capture_on_commit_callbacks)
    assert [first.sequence, second.sequence, third.sequence] == [1, 2, 3]
    assert first.previous_hash == GENESIS_HASH
    assert second.previous_hash == first.hash and third.previous_hash == second.hash
    with tenant_context(world.alpha):
        assert audit_events_verify() == (True, None)
    out, err = _verify(world.alpha)
    assert "1 audit trails verified" in out and not err


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda row: AuditEvent.objects.filter(pk=row.pk).update(data={"n": 99}), id="data edited"),
        pytest.param(lambda row: AuditEvent.objects.filter(pk=row.pk).update(actor_label="Mallory"), id="actor"),
        pytest.param(lambda row: AuditEvent.objects.filter(pk=row.pk).delete(), id="row deleted"),
    ],
)
def test_a_tampered_row_is_detected(world, django_capture_on_commit_callbacks, tamper):
    _first, second, third = _trail(world, django_capture_on_commit_callbacks)
    with tenant_context(world.alpha):
        tamper(second)
        broken_at = 2 if AuditEvent.objects.filter(pk=second.pk).exists() else 3
        assert audit_events_verify() == (False, broken_at)
    with pytest.raises(CommandError, match="1 of 1 audit trails are broken"):
        _verify(world.alpha)
    with tenant_context(world.alpha):
        assert AuditEvent.objects.get(pk=third.pk).sequence == 3  # the check changed nothing


def test_a_row_whose_link_step_was_lost_is_linked_by_the_check(world, django_capture_on_commit_callbacks):
    _trail(world, django_capture_on_commit_callbacks, count=2)
    with tenant_context(world.alpha):
        lost = audit_event_record(acting_user=world.alice, action="member.removed")  # its commit hook never ran
        assert AuditEvent.objects.get(pk=lost.pk).sequence is None
    out, _err = _verify(world.alpha)
    assert "alpha: 1 rows linked to the chain" in out
    with tenant_context(world.alpha):
        assert AuditEvent.objects.get(pk=lost.pk).sequence == 3
        assert audit_events_verify() == (True, None)


def test_an_unknown_company_is_an_error(world):
    with pytest.raises(CommandError, match="no company 'nope'"):
        call_command("audit_verify", company="nope")
