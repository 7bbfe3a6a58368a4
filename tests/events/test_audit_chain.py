"""The company audit trail is a hash chain: an edited, deleted or moved row is found by
`manage.py audit_verify`."""

from __future__ import annotations

import datetime as dt
import importlib
import threading
import uuid
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from events.models import AuditEvent
from events.services import GENESIS_HASH, audit_chain_extend, audit_event_record, audit_events_verify
from sealcore.hash_chain import ChainLink, chain_first_break, chain_hash

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


@pytest.mark.parametrize(
    ("tampered", "verdict"),
    [
        (None, (True, None)),
        (1, (True, None)),  # before the part checked: the full check (audit_verify) finds it
        (3, (False, 3)),  # the first row of the part: its own hash is checked
        (4, (False, 4)),
    ],
)
def test_a_part_of_the_trail_is_checked_from_a_row_on(world, django_capture_on_commit_callbacks, tampered, verdict):
    """An evidence package checks its document's rows to the newest, not the company's
    whole history: the cost stays with the document, not with the company's age."""
    events = _trail(world, django_capture_on_commit_callbacks, count=5)
    with tenant_context(world.alpha):
        if tampered is not None:
            AuditEvent.objects.filter(pk=events[tampered - 1].pk).update(data={"n": 99})
        assert audit_events_verify(from_sequence=3) == verdict
        AuditEvent.objects.filter(pk=events[2].pk).delete()
        assert audit_events_verify(from_sequence=3) == (False, 4)  # the first row of the part is gone


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


def test_a_second_successor_of_a_row_is_refused(world, django_capture_on_commit_callbacks):
    """Two linkers working from the same end of the chain cannot fork it."""
    first, second, _third = _trail(world, django_capture_on_commit_callbacks)
    with tenant_context(world.alpha):
        stray = AuditEvent.objects.create(actor_label="x", action="member.invited")
        with pytest.raises(IntegrityError), transaction.atomic():
            AuditEvent.objects.filter(pk=stray.pk).update(sequence=99, previous_hash=first.hash, hash="f" * 64)
        assert AuditEvent.objects.get(pk=stray.pk).sequence is None
        assert AuditEvent.objects.get(previous_hash=first.hash).pk == second.pk


def test_the_migration_chains_rows_from_before_the_chain_in_order(world):
    migration = importlib.import_module("events.migrations.0003_audit_event_chain_existing_rows")
    with tenant_context(world.alpha):
        AuditEvent.objects.all().delete()
        now = timezone.now()
        later = AuditEvent.objects.create(actor_label="b", action="member.removed", occurred_at=now)
        earlier = AuditEvent.objects.create(
            actor_label="a", action="member.invited", occurred_at=now - dt.timedelta(days=1)
        )
        migration.chain_existing_rows(django_apps, None)
        earlier.refresh_from_db()
        later.refresh_from_db()
        assert (earlier.sequence, later.sequence) == (1, 2)
        assert earlier.previous_hash == GENESIS_HASH and later.previous_hash == earlier.hash
        # The frozen copy hashes exactly what the service hashes.
        assert audit_events_verify() == (True, None)


def test_the_chain_helper_names_the_first_broken_row():
    payloads = [{"n": 1, "previous": GENESIS_HASH}]
    links = [ChainLink(1, GENESIS_HASH, chain_hash(payloads[0]), payloads[0])]
    second = {"n": 2, "previous": links[0].hash}
    links.append(ChainLink(2, links[0].hash, chain_hash(second), second))
    assert chain_first_break(links) is None
    assert chain_first_break([links[0], ChainLink(2, links[0].hash, links[1].hash, {**second, "n": 3})]) == 2
    assert chain_first_break([links[1]]) == 2  # the first row is missing
    assert chain_first_break([links[0], ChainLink(3, links[0].hash, links[1].hash, second)]) == 3


def _in_own_connection(work):
    """Run `work` in a thread of its own, so with a database connection of its own that
    commits for real (the test's transaction is invisible to it)."""
    outcome: dict = {}

    def run():
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the test
            outcome["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_concurrent_writers_in_one_company_do_not_fork_the_chain(world, django_db_blocker):
    """Writers commit at the same moment in separate connections, each linking after its
    commit: every row ends up in one chain, no row has two successors, and it verifies."""
    marker = f"concurrency-{uuid.uuid4().hex[:8]}"
    barrier = threading.Barrier(4)

    def writer(number: int):
        def work():
            with tenant_context(world.alpha):
                barrier.wait(timeout=30)
                for step in range(5):
                    with transaction.atomic():
                        audit_event_record(acting_user=None, action="member.invited", data={marker: [number, step]})
            return number

        return work

    def check():
        with tenant_context(world.alpha):
            audit_chain_extend()  # rows whose linker lost a race are linked by the next one anyway
            rows = list(AuditEvent.objects.filter(data__has_key=marker).values_list("sequence", "previous_hash"))
            intact = audit_events_verify()
            AuditEvent.objects.filter(data__has_key=marker).delete()  # the newest rows: the chain stays whole
            return rows, intact

    with django_db_blocker.unblock():
        threads = [_in_own_connection(writer(number)) for number in range(4)]
        for thread, outcome in threads:
            thread.join(timeout=60)
            assert "error" not in outcome, outcome.get("error")
        thread, outcome = _in_own_connection(check)
        thread.join(timeout=60)
    rows, intact = outcome["value"]
    assert intact == (True, None)
    assert len(rows) == 20 and None not in [sequence for sequence, _previous in rows]
    assert len({previous for _sequence, previous in rows}) == 20
