"""Fair share of a bulk queue between companies. The broker hands out jobs in the order
they came, so one company's flood of uploads (hundreds of page-image jobs) would make every
other company's page images wait behind all of them. Here each company has at most `slots`
jobs of a task in the broker (queued or running); its further jobs wait in a list of its
own in Redis and are sent, oldest first, as its earlier ones finish. Another company's job
therefore waits behind at most `slots` jobs of each company, not behind the whole flood.

The share is best effort: without Redis the job is sent as before, a slot whose job died is
taken back after SLOT_SECONDS, and work that never ran is not lost for the page images this
is used for (they are rendered when someone asks for one).
"""

from __future__ import annotations

import json
import logging
import time
import uuid

from django.conf import settings
from django.db import connection, transaction
from django_redis import get_redis_connection
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# A job holding a slot longer than this is taken for dead (a killed worker, a lost message).
SLOT_SECONDS = 300
# A waiting list nobody touched for a day is dropped (its work is done on demand).
WAITING_SECONDS = 24 * 3600

# KEYS: running (sorted set token -> deadline), waiting (list of JSON argument lists).
# ARGV: now, deadline, slots, token, arguments (empty: only release). Takes back dead
# slots; queues the arguments behind the company's waiting ones; then, if a slot is free,
# returns the oldest waiting arguments with the token holding the slot. One job at most per
# call: a process with a larger `slots` (a rolling deploy) cannot release a whole flood.
_TAKE_SLOT = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if ARGV[5] ~= '' then
  redis.call('RPUSH', KEYS[2], ARGV[5])
  redis.call('EXPIRE', KEYS[2], tonumber(ARGV[6]))
end
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then
  local oldest = redis.call('LPOP', KEYS[2])
  if oldest then
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
    return oldest
  end
end
return false
"""


def _keys(task, share: str) -> list[str]:
    # Named after the queue too: installs (and test runs) sharing a Redis share nothing.
    base = f"sealhub:share:{settings.CELERY_TASK_DEFAULT_QUEUE}:{task.name}:{share}"
    return [f"{base}:running", f"{base}:waiting"]


def _take(task, share: str, *, slots: int, arguments: list | None) -> tuple[str, list] | None:
    """(token, arguments) of the job to send now, or None when the company's slots are full."""
    token = uuid.uuid4().hex
    now = time.time()
    oldest = get_redis_connection("default").eval(
        _TAKE_SLOT,
        2,
        *_keys(task, share),
        now,
        now + SLOT_SECONDS,
        slots,
        token,
        "" if arguments is None else json.dumps(arguments),
        WAITING_SECONDS,
    )
    return None if oldest is None else (token, json.loads(oldest))


def _send(task, arguments: list, *, schema: str, token: str | None) -> bool:
    try:
        task.apply_async(args=arguments, kwargs={"share_slot": token}, headers={"_schema_name": schema})
    except OperationalError as error:
        logger.warning(
            "could not queue %s in schema %s: broker unreachable (%s)", task.name, schema, type(error).__name__
        )
        return False
    return True


def shared_enqueue(task, arguments: list, *, schema: str, slots: int) -> None:
    """Send `task(*arguments)` in `schema` now if the company has a free slot, else put it
    behind the company's waiting jobs."""
    try:
        taken = _take(task, schema, slots=slots, arguments=arguments)
    except RedisError as error:
        logger.warning("no fair share for %s (Redis: %s); queueing it directly", task.name, type(error).__name__)
        _send(task, arguments, schema=schema, token=None)
        return
    if taken is not None:
        _send_or_put_back(task, taken, schema=schema)


def _send_or_put_back(task, taken: tuple[str, list], *, schema: str) -> None:
    """Without a broker the job goes back to the front of the company's waiting list and
    its slot is freed: the next job that finishes or arrives sends it."""
    token, arguments = taken
    if _send(task, arguments, schema=schema, token=token):
        return
    running, waiting = _keys(task, schema)
    try:
        redis = get_redis_connection("default")
        redis.lpush(waiting, json.dumps(arguments))
        redis.zrem(running, token)
    except RedisError as error:
        logger.warning("could not put back a job of %s (Redis: %s)", task.name, type(error).__name__)


def on_commit_enqueue_shared(task, *arguments, slots: int) -> None:
    """`config.celery.on_commit_enqueue` with a fair share per company (the current schema)."""
    schema = connection.schema_name
    transaction.on_commit(lambda: shared_enqueue(task, list(arguments), schema=schema, slots=slots))


def shared_slot_release(task, *, slot: str | None, slots: int) -> None:
    """A job of the current company finished (or failed): free its slot and send the
    company's oldest waiting job, if any. Runs in the job's schema."""
    schema = connection.schema_name
    try:
        if slot:
            get_redis_connection("default").zrem(_keys(task, schema)[0], slot)
        taken = _take(task, schema, slots=slots, arguments=None)
    except RedisError as error:
        logger.warning("could not free a fair-share slot of %s (Redis: %s)", task.name, type(error).__name__)
        return
    if taken is not None:
        _send_or_put_back(task, taken, schema=schema)
