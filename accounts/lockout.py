"""Hard lockouts: 5 wrong tries of one secret within 15 minutes lock that secret of that
account for 15 minutes (or until a reviewer unlocks it). Every try is audited."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from accounts.models import FactorLock, SecurityEvent, User
from config.errors import ApplicationError

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


def _events(user: User, action: str, scope: str):
    events = SecurityEvent.objects.filter(user=user, action=action)
    return events.filter(data__scope=scope) if scope else events.exclude(data__has_key="scope")


def factor_assert_unlocked(*, user: User, factor: str, scope: str = "") -> None:
    lock = factor_lock_get(user=user, factor=factor, scope=scope)
    if lock is not None:
        raise ApplicationError(locked_message(factor, lock.locked_until), "locked", status=429)


@transaction.atomic
def factor_failure_record(
    *, user: User, factor: str, scope: str = "", ip_address: str | None = None
) -> FactorLock | None:
    """Audit a wrong try; lock the factor when it is the fifth within the window."""
    now = timezone.now()
    scoped = {"scope": scope} if scope else {}
    SecurityEvent.objects.create(user=user, action=f"{factor}.failed", data=scoped, ip_address=ip_address)
    since = now - WINDOW
    last_lock = (
        FactorLock.objects.filter(user=user, factor=factor, scope=scope, locked_at__gte=since)
        .order_by("-locked_at")
        .first()
    )
    if last_lock is not None:
        # Failures that already led to a lock do not count again once it ends.
        since = max(since, last_lock.unlocked_at or last_lock.locked_until)
    failures = _events(user, f"{factor}.failed", scope).filter(occurred_at__gte=since).count()
    if failures < MAX_FAILURES:
        return None
    lock = FactorLock.objects.create(user=user, factor=factor, scope=scope, locked_until=now + LOCK_DURATION)
    SecurityEvent.objects.create(
        user=user,
        action=f"{factor}.locked",
        data={"until": lock.locked_until.isoformat(), **scoped},
        ip_address=ip_address,
    )
    return lock


def factor_success_record(*, user: User, factor: str, scope: str = "", ip_address: str | None = None) -> None:
    data = {"scope": scope} if scope else {}
    SecurityEvent.objects.create(user=user, action=f"{factor}.succeeded", data=data, ip_address=ip_address)


@transaction.atomic
def factor_lock_release(*, lock: FactorLock, acting_user: User) -> FactorLock:
    if lock.unlocked_at is None:
        lock.unlocked_at = timezone.now()
        lock.unlocked_by = acting_user
        lock.save(update_fields=["unlocked_at", "unlocked_by"])
        SecurityEvent.objects.create(user=lock.user, action=f"{lock.factor}.unlocked", data={"by": acting_user.email})
    return lock
