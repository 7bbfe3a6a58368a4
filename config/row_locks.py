"""The one home of row locks (`SELECT ... FOR UPDATE`).

Every check-then-write on a shared row (a seal's state, a grant that may be used once, an
envelope's turn, a lockout counter) reads the row again under a lock inside the caller's
transaction, so two requests or workers cannot both pass the check. Keeping every lock here
makes them easy to review together: what is locked, whether related rows are locked too, and
where a worker skips a row someone else holds. `tests/config/test_row_locks.py` fails on a
`select_for_update` anywhere else.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import connection, models, transaction

Row = TypeVar("Row", bound=models.Model)


def _locking(source, *, related: tuple[str, ...], only_self: bool, skip_locked: bool):
    if not connection.in_atomic_block:
        # Outside a transaction the lock would end with the statement: a silent no-op.
        raise transaction.TransactionManagementError("a row lock needs an open transaction")
    queryset = source._default_manager.all() if isinstance(source, type) else source
    if related:
        queryset = queryset.select_related(*related)
    # With select_related PostgreSQL locks the joined rows too; `only_self` keeps the lock
    # on the rows asked for, so a lock on a party does not also block its whole envelope.
    return queryset.select_for_update(of=("self",) if only_self else (), skip_locked=skip_locked)


def lock_row(
    source: type[Row] | models.QuerySet[Row], *, related: tuple[str, ...] = (), only_self: bool = False, **lookup
) -> Row:
    """The one row matching `lookup`, read again under a lock (DoesNotExist if it is gone)."""
    return _locking(source, related=related, only_self=only_self, skip_locked=False).get(**lookup)


def lock_row_or_none(
    source: type[Row] | models.QuerySet[Row], *, related: tuple[str, ...] = (), only_self: bool = False, **lookup
) -> Row | None:
    """Like `lock_row`, but None when no row matches (it was deleted meanwhile)."""
    return _locking(source, related=related, only_self=only_self, skip_locked=False).filter(**lookup).first()


def lock_rows(
    source: type[Row] | models.QuerySet[Row],
    *,
    related: tuple[str, ...] = (),
    only_self: bool = False,
    skip_locked: bool = False,
) -> models.QuerySet[Row]:
    """Every row of `source` locked when the query runs; with `skip_locked`, rows another
    transaction holds are left out (a sweep that several workers run at once)."""
    return _locking(source, related=related, only_self=only_self, skip_locked=skip_locked)


def lock_or_create(model: type[Row], *, defaults: dict | None = None, **lookup) -> tuple[Row, bool]:
    """The row matching `lookup`, locked, created first when missing (a counter per key)."""
    return _locking(model, related=(), only_self=False, skip_locked=False).get_or_create(defaults=defaults, **lookup)


def lock_named(name: str) -> None:
    """A transaction-wide lock on a name rather than a row (PostgreSQL advisory lock), for
    work that must run one at a time but has no single row to lock: linking a company's new
    audit rows to its chain. Released when the transaction ends."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError("a named lock needs an open transaction")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [name])
