"""Hard lockouts: 5 wrong tries of one secret within 15 minutes lock that secret of that
account for 15 minutes (or until a reviewer unlocks it). Every try is audited.

Every comparison of an account's secret goes through `attempt_counted`, which counts the
try before the comparison; tests/accounts/test_lockout_races.py holds the code to that."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import AttemptCounter, FactorLock, SecurityEvent, User
from config.errors import ApplicationError
from config.row_locks import lock_row_or_none

MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)
LOCK_DURATION = timedelta(minutes=15)

FACTOR_MESSAGES = {
    FactorLock.Factor.PASSWORD: lambda until: _(
        "Too many wrong passwords. Password sign-in for this account is locked until %(until)s. "
        "Wait, reset your password, or ask a platform reviewer to unlock it."
    )
    % {"until": until},
    FactorLock.Factor.SEAL_PASSWORD: lambda until: _(
        "Too many wrong seal passwords. This seal is locked for you until %(until)s."
    )
    % {"until": until},
}


def locked_message(factor: str, until) -> str:
    until_text = formats.date_format(timezone.localtime(until), "H:i")
    if factor in FACTOR_MESSAGES:
        return FACTOR_MESSAGES[factor](until_text)
    return _(
        "Too many wrong codes. This kind of code is locked for this account until %(until)s. "
        "Wait, or ask a platform reviewer to unlock it."
    ) % {"until": until_text}


def factor_lock_get(*, user: User, factor: str, scope: str = "") -> FactorLock | None:
    now = timezone.now()
    return (
        FactorLock.objects.filter(user=user, factor=factor, scope=scope, unlocked_at__isnull=True, locked_until__gt=now)
        .order_by("-locked_until")
        .first()
    )


def _locked_error(factor: str, until) -> ApplicationError:
    return ApplicationError(locked_message(factor, until), "locked", status=429)


def factor_assert_unlocked(*, user: User, factor: str, scope: str = "") -> None:
    lock = factor_lock_get(user=user, factor=factor, scope=scope)
    if lock is not None:
        raise _locked_error(factor, lock.locked_until)


class WrongSecret(ApplicationError):
    """Raised inside `attempt_counted` when the secret does not match: the try stays
    counted. Any other exception gives the try back (it was not a guess)."""


@dataclass(frozen=True)
class Attempt:
    user: User
    factor: str
    scope: str
    number: int  # this try's place among the tries still counted in the window
    window_started_at: datetime
    ip_address: str | None


_TAKE_SQL = """
INSERT INTO {table} AS counter (user_id, factor, scope, window_started_at, attempts)
VALUES (%(user)s, %(factor)s, %(scope)s, %(now)s, 1)
ON CONFLICT (user_id, factor, scope) DO UPDATE SET
    attempts = CASE WHEN counter.attempts = 0 OR counter.window_started_at < %(restart_before)s
                    THEN 1 ELSE counter.attempts + 1 END,
    window_started_at = CASE WHEN counter.attempts = 0 OR counter.window_started_at < %(restart_before)s
                             THEN %(now)s ELSE counter.window_started_at END
RETURNING attempts, window_started_at
"""


def _attempt_take(*, user: User, factor: str, scope: str, ip_address: str | None) -> Attempt:
    """Count one try in a single statement (row-locked by PostgreSQL), so simultaneous
    tries each get their own number. The window restarts when it is older than WINDOW, or
    when the lock it led to has ended (an expired or released lock forgives its tries)."""
    now = timezone.now()
    restart_before = now - WINDOW
    last_lock = FactorLock.objects.filter(user=user, factor=factor, scope=scope).order_by("-locked_at").first()
    if last_lock is not None and not last_lock.is_in_force(now):
        restart_before = max(restart_before, last_lock.locked_at + timedelta(microseconds=1))
    with connection.cursor() as cursor:
        cursor.execute(
            _TAKE_SQL.format(table=connection.ops.quote_name(AttemptCounter._meta.db_table)),
            {"user": user.pk, "factor": factor, "scope": scope, "now": now, "restart_before": restart_before},
        )
        number, window_started_at = cursor.fetchone()
    return Attempt(user, factor, scope, number, window_started_at, ip_address)


def _attempt_give_back(attempt: Attempt) -> None:
    AttemptCounter.objects.filter(
        user=attempt.user,
        factor=attempt.factor,
        scope=attempt.scope,
        window_started_at=attempt.window_started_at,
        attempts__gt=0,
    ).update(attempts=F("attempts") - 1)


@transaction.atomic
def _failure_record(attempt: Attempt) -> FactorLock | None:
    """Audit a wrong try; lock the factor when it was the fifth counted in the window."""
    user, factor, scope = attempt.user, attempt.factor, attempt.scope
    scoped = {"scope": scope} if scope else {}
    SecurityEvent.objects.create(user=user, action=f"{factor}.failed", data=scoped, ip_address=attempt.ip_address)
    if attempt.number < MAX_FAILURES:
        return None
    # One lock for simultaneous last tries: they queue on the counter row.
    lock_row_or_none(AttemptCounter, user=user, factor=factor, scope=scope)
    lock = factor_lock_get(user=user, factor=factor, scope=scope)
    if lock is not None:
        return lock
    lock = FactorLock.objects.create(user=user, factor=factor, scope=scope, locked_until=timezone.now() + LOCK_DURATION)
    SecurityEvent.objects.create(
        user=user,
        action=f"{factor}.locked",
        data={"until": lock.locked_until.isoformat(), **scoped},
        ip_address=attempt.ip_address,
    )
    return lock


@contextmanager
def attempt_counted(*, user: User, factor: str, scope: str = "", ip_address: str | None = None) -> Iterator[Attempt]:
    """The one gate in front of every comparison of a secret of an account:

        with attempt_counted(user=user, factor=FactorLock.Factor.PASSWORD, ip_address=ip):
            if not secret_matches(...):
                raise WrongSecret(_("..."), "code")

    The try is counted before the block runs; past the limit the block does not run at
    all (429 "locked"). A WrongSecret keeps the try counted and the fifth locks the factor;
    a normal exit or any other exception gives the try back. Do not call it inside a
    transaction that a wrong secret rolls back: the count would be rolled back with it."""
    scoped = {"scope": scope} if scope else {}
    lock = factor_lock_get(user=user, factor=factor, scope=scope)
    attempt = None
    if lock is None:
        attempt = _attempt_take(user=user, factor=factor, scope=scope, ip_address=ip_address)
        if attempt.number > MAX_FAILURES:
            # Simultaneous tries took the last places; their lock may not be written yet.
            _attempt_give_back(attempt)
            lock = factor_lock_get(user=user, factor=factor, scope=scope)
            attempt = None
    if attempt is None:
        SecurityEvent.objects.create(user=user, action=f"{factor}.refused", data=scoped, ip_address=ip_address)
        raise _locked_error(factor, lock.locked_until if lock else timezone.now() + LOCK_DURATION)
    try:
        yield attempt
    except WrongSecret:
        lock = _failure_record(attempt)
        if lock is not None:  # say so at once rather than "wrong"
            raise _locked_error(factor, lock.locked_until) from None
        raise
    except BaseException:
        _attempt_give_back(attempt)
        raise
    # One commit for both: a seal request passes two of these gates, and on a busy database
    # server each commit is a wait the person sees.
    with transaction.atomic():
        _attempt_give_back(attempt)
        SecurityEvent.objects.create(user=user, action=f"{factor}.succeeded", data=scoped, ip_address=ip_address)


@transaction.atomic
def factor_lock_release(*, lock: FactorLock, acting_user: User) -> FactorLock:
    if lock.unlocked_at is None:
        lock.unlocked_at = timezone.now()
        lock.unlocked_by = acting_user
        lock.save(update_fields=["unlocked_at", "unlocked_by"])
        SecurityEvent.objects.create(user=lock.user, action=f"{lock.factor}.unlocked", data={"by": acting_user.email})
    return lock
