"""One-time codes by email or SMS: issue, deliver, check (single use, 10 minutes)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.lockout import WrongSecret, attempt_counted
from accounts.mail_language import language_of
from accounts.models import FactorLock, OneTimeCode, User
from accounts.sms import sms_send
from config.crypto import keyed_hash
from config.errors import ApplicationError
from config.mail import mail_queue
from config.row_locks import lock_rows

CODE_LIFETIME = timedelta(minutes=10)
RESEND_INTERVAL = timedelta(seconds=60)

PURPOSE_TEXT = {
    OneTimeCode.Purpose.EMAIL_VERIFY: lambda: _("confirm your email address"),
    OneTimeCode.Purpose.ACCOUNT_RECOVERY: lambda: _("recover your account"),
    OneTimeCode.Purpose.PASSWORD_RESET: lambda: _("reset your password"),
    OneTimeCode.Purpose.LOGIN: lambda: _("sign in"),
    OneTimeCode.Purpose.SEAL_USE: lambda: _("confirm the use of a seal"),
}


def _code_hash(user: User, purpose: str, code: str) -> str:
    return keyed_hash(f"{user.pk}:{purpose}:{code}", purpose="one-time-code")


@transaction.atomic
def code_send(*, user: User, purpose: str, channel: str = OneTimeCode.Channel.EMAIL) -> OneTimeCode:
    """Replace any open code of this purpose with a new one and deliver it."""
    if channel == OneTimeCode.Channel.SMS and not user.mobile:
        raise ApplicationError(_("No mobile number is on file for this account."), "no_mobile")
    now = timezone.now()
    recent = OneTimeCode.objects.filter(
        user=user, purpose=purpose, used_at__isnull=True, created_at__gt=now - RESEND_INTERVAL
    ).exists()
    if recent:
        raise ApplicationError(
            _("A code was just sent. Please wait a minute before asking again."), "code_too_soon", status=429
        )
    OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True).update(used_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    record = OneTimeCode.objects.create(
        user=user,
        purpose=purpose,
        channel=channel,
        code_hash=_code_hash(user, purpose, code),
        expires_at=now + CODE_LIFETIME,
    )
    with translation.override(language_of(user)):  # the recipient's language, not the request's
        text = _("Sealhub: your code to %(purpose)s is %(code)s. It is valid for 10 minutes. Never share it.") % {
            "purpose": PURPOSE_TEXT[purpose](),
            "code": code,
        }
        subject = _("Your Sealhub code")
    # Deliver after commit: a rolled-back request must not leave a code in someone's inbox.
    if channel == OneTimeCode.Channel.SMS:
        transaction.on_commit(lambda: sms_send(mobile=user.mobile, text=text))
    else:
        mail_queue(subject=subject, body=text, to=[user.email])
    return record


def code_verify(*, user: User, purpose: str, code: str, ip_address: str | None = None) -> None:
    """Consume the code or raise ApplicationError; every try is counted before the code is
    compared (lockout), and the row lock makes a right code single use."""
    with attempt_counted(user=user, factor=FactorLock.Factor.EMAIL_CODE, ip_address=ip_address):
        now = timezone.now()
        with transaction.atomic():
            record = (
                lock_rows(OneTimeCode)
                .filter(user=user, purpose=purpose, used_at__isnull=True)
                .order_by("-created_at")
                .first()
            )
            valid = (
                record is not None
                and record.expires_at > now
                and secrets.compare_digest(record.code_hash, _code_hash(user, purpose, code.strip()))
            )
            if valid:
                record.used_at = now
                record.save(update_fields=["used_at"])
                return
            if record is not None:
                record.attempts += 1
                record.save(update_fields=["attempts"])
        if record is not None and record.expires_at <= now:
            raise WrongSecret(_("This code has expired. Ask for a new one."), "code_expired", field="code")
        # A code we did send, now used or replaced by a newer one: the person typed what
        # they were sent, so "not correct" would mislead them.
        typed = _code_hash(user, purpose, code.strip())
        earlier = (
            OneTimeCode.objects.filter(user=user, purpose=purpose)
            .exclude(pk=record.pk if record else None)
            .order_by("-created_at")
            .values_list("code_hash", flat=True)[:5]
        )
        if any(secrets.compare_digest(known, typed) for known in earlier):
            if record is not None:
                raise WrongSecret(
                    _("This code was replaced by a newer one. Enter the code from the newest mail."),
                    "code_replaced",
                    field="code",
                )
            raise WrongSecret(
                _("This code was already used or has expired. Ask for a new one."), "code_expired", field="code"
            )
        raise WrongSecret(_("The code is not correct."), "code_invalid", field="code")


def code_give_back(*, user: User, purpose: str, used_since) -> None:
    """Reopen the code consumed at or after `used_since` when the step it confirmed failed on
    another secret (a wrong seal password): the person still holds the code they were sent,
    within its 10 minutes, and nothing was done with it."""
    OneTimeCode.objects.filter(
        user=user, purpose=purpose, used_at__gte=used_since, expires_at__gt=timezone.now()
    ).update(used_at=None)
