"""Fair share of the bulk queue (config/fair_share.py): a company has at most its slots of
jobs in the broker; its others wait in Redis, oldest first, and go as its jobs finish.
Another company's job is sent at once. Real Redis; the broker is a list here."""

from __future__ import annotations

import json
import time
import uuid

import pytest
from django.db import connection
from django_redis import get_redis_connection
from kombu.exceptions import OperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from config import fair_share


class Task:
    """Stands in for a Celery task: what it was asked to send, in order."""

    def __init__(self, *, broker_down: bool = False):
        self.name = f"tests.fair_share.{uuid.uuid4().hex}"  # keys of its own in Redis
        self.sent: list[tuple[str, list, str | None]] = []
        self.broker_down = broker_down

    def apply_async(self, *, args, kwargs, headers):
        if self.broker_down:
            raise OperationalError("connection refused")
        self.sent.append((headers["_schema_name"], args, kwargs["share_slot"]))

    def finish(self, index: int, *, slots: int) -> None:
        """The job sent `index`-th ends in its company's schema."""
        schema, _args, slot = self.sent[index]
        connection.set_schema(schema)
        try:
            fair_share.shared_slot_release(self, slot=slot, slots=slots)
        finally:
            connection.set_schema_to_public()


@pytest.fixture
def task():
    task = Task()
    yield task
    redis = get_redis_connection("default")
    for schema in ("c_flood", "c_calm"):
        redis.delete(*fair_share._keys(task, schema))


def test_a_flood_waits_its_turn_and_another_company_goes_first(task):
    for number in range(4):
        fair_share.shared_enqueue(task, [f"flood-{number}"], schema="c_flood", slots=1)
    fair_share.shared_enqueue(task, ["calm-0"], schema="c_calm", slots=1)
    # One flood job in the broker; the calm company's job right behind it, not behind four.
    assert [(schema, args) for schema, args, _slot in task.sent] == [("c_flood", ["flood-0"]), ("c_calm", ["calm-0"])]
    task.finish(0, slots=1)
    task.finish(1, slots=1)  # nothing of c_calm waits: nothing more is sent for it
    task.finish(2, slots=1)
    assert [args for _schema, args, _slot in task.sent] == [["flood-0"], ["calm-0"], ["flood-1"], ["flood-2"]]
    assert len({slot for _schema, _args, slot in task.sent}) == 4  # each job its own slot


def test_a_company_runs_as_many_jobs_as_it_has_slots(task):
    for number in range(3):
        fair_share.shared_enqueue(task, [number], schema="c_flood", slots=2)
    assert [args for _schema, args, _slot in task.sent] == [[0], [1]]
    task.finish(1, slots=2)
    assert [args for _schema, args, _slot in task.sent] == [[0], [1], [2]]


def test_the_slot_of_a_job_that_died_is_taken_back(task, monkeypatch):
    fair_share.shared_enqueue(task, ["lost"], schema="c_flood", slots=1)
    fair_share.shared_enqueue(task, ["next"], schema="c_flood", slots=1)
    assert [args for _schema, args, _slot in task.sent] == [["lost"]]
    later = time.time() + fair_share.SLOT_SECONDS + 1
    monkeypatch.setattr(fair_share.time, "time", lambda: later)
    fair_share.shared_enqueue(task, ["newest"], schema="c_flood", slots=1)
    # The oldest waiting job goes first, the newest waits behind it.
    assert [args for _schema, args, _slot in task.sent] == [["lost"], ["next"]]


def test_without_a_broker_the_job_waits_and_goes_when_the_broker_is_back(task):
    task.broker_down = True
    fair_share.shared_enqueue(task, ["kept"], schema="c_flood", slots=1)
    running, waiting = fair_share._keys(task, "c_flood")
    redis = get_redis_connection("default")
    assert redis.zcard(running) == 0 and [json.loads(item) for item in redis.lrange(waiting, 0, -1)] == [["kept"]]
    task.broker_down = False
    fair_share.shared_enqueue(task, ["after"], schema="c_flood", slots=1)
    assert [args for _schema, args, _slot in task.sent] == [["kept"]]


def test_without_redis_the_job_is_sent_as_before(task, monkeypatch):
    def unreachable(*args, **kwargs):
        raise RedisConnectionError("no Redis")

    monkeypatch.setattr(fair_share, "_take", unreachable)
    fair_share.shared_enqueue(task, ["direct"], schema="c_flood", slots=1)
    assert task.sent == [("c_flood", ["direct"], None)]


def test_a_finished_job_sends_one_waiting_job_whatever_slots_its_process_has(task):
    for number in range(4):
        fair_share.shared_enqueue(task, [number], schema="c_flood", slots=1)
    task.finish(0, slots=1000)  # a machine configured otherwise (a rolling deploy)
    assert [args for _schema, args, _slot in task.sent] == [[0], [1]]
