"""Passwords: signing in, account recovery and password reset by a one-time code."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.codes import code_send, code_verify
from accounts.lockout import WrongSecret, attempt_counted
from accounts.models import FactorLock, OneTimeCode, SecurityEvent, User
from accounts.notifications import Change, account_change_notify
from accounts.services.registration import normalise_mobile, password_validate
from config.client import client_address
from config.errors import ApplicationError


def account_recovery_start(*, user: User, channel: str, ip_address: str | None = None) -> None:
    code_send(user=user, purpose=OneTimeCode.Purpose.ACCOUNT_RECOVERY, channel=channel)
    SecurityEvent.objects.create(
        user=user, action="account.recovery_requested", data={"channel": channel}, ip_address=ip_address
    )


def _password_set(*, user: User, password: str, action: str, ip_address: str | None) -> User:
    """Callers validate first (before spending a one-time code)."""
    with transaction.atomic():
        user.set_password(password)
        if user.email_verified_at is None:
            user.email_verified_at = timezone.now()  # the emailed code proved the address
        user.save(update_fields=["password", "email_verified_at"])
        SecurityEvent.objects.create(user=user, action=action, ip_address=ip_address)
        # Second factors are left exactly as they were; the owner hears of the change.
        account_change_notify(user=user, change=Change.PASSWORD, ip_address=ip_address)
    return user


def account_recovery_complete(*, user: User, code: str, password: str, ip_address: str | None = None) -> User:
    password_validate(user, password)  # first, so a weak password does not burn the code
    code_verify(user=user, purpose=OneTimeCode.Purpose.ACCOUNT_RECOVERY, code=code, ip_address=ip_address)
    return _password_set(user=user, password=password, action="account.recovered", ip_address=ip_address)


def _user_for_contact(contact: str) -> tuple[User | None, str]:
    """The live account behind an email address or a mobile number, and the channel to use."""
    contact = contact.strip()
    if "@" in contact:
        return User.objects.filter(email=contact.lower(), frozen_at__isnull=True).first(), OneTimeCode.Channel.EMAIL
    try:
        mobile = normalise_mobile(contact)
    except ApplicationError:
        return None, OneTimeCode.Channel.SMS
    return User.objects.filter(mobile=mobile, frozen_at__isnull=True).first(), OneTimeCode.Channel.SMS


def password_reset_start(*, contact: str, ip_address: str | None = None) -> None:
    """Sends a code by email or SMS if the contact is registered; says nothing either way."""
    user, channel = _user_for_contact(contact)
    if user is None:
        return
    try:
        code_send(user=user, purpose=OneTimeCode.Purpose.PASSWORD_RESET, channel=channel)
    except ApplicationError:
        return  # "sent a moment ago": answering differently would reveal the account
    SecurityEvent.objects.create(
        user=user, action="password.reset_requested", data={"channel": channel}, ip_address=ip_address
    )


def password_reset_complete(*, contact: str, code: str, password: str, ip_address: str | None = None) -> User:
    user, _channel = _user_for_contact(contact)
    if user is None:
        raise ApplicationError(_("The code is not correct."), "code_invalid", field="code")
    password_validate(user, password)
    code_verify(user=user, purpose=OneTimeCode.Purpose.PASSWORD_RESET, code=code, ip_address=ip_address)
    return _password_set(user=user, password=password, action="password.reset", ip_address=ip_address)


def password_authenticate(*, request, email: str, password: str) -> User:
    """Email + password with the hard lockout; raises ApplicationError with a clear reason."""
    ip_address = client_address(request)
    email = email.strip().lower()
    user = User.objects.filter(email=email).first()
    wrong = WrongSecret(
        _("Enter a correct email and password. Both are case-sensitive."), "invalid_credentials", status=401
    )
    if user is None:
        authenticate(request, username=email, password=password)  # the same time as for an account
        raise wrong
    with attempt_counted(user=user, factor=FactorLock.Factor.PASSWORD, ip_address=ip_address):
        authenticated = authenticate(request, username=email, password=password)
        if authenticated is None:
            raise wrong
        if authenticated.frozen_at is not None:
            raise ApplicationError(
                _("This account has been frozen: %(reason)s") % {"reason": authenticated.frozen_reason},
                "account_frozen",
                status=403,
            )
        if not authenticated.is_active:
            raise ApplicationError(_("This account is inactive."), "account_inactive", status=403)
    return authenticated
