from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import FactorLock, OneTimeCode, SecurityEvent
from tests.accounts.conftest import last_code
from tests.conftest import client_on, verified_client_on

pytestmark = pytest.mark.django_db


def _login(password: str):
    return client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": "zhang@example.com", "password": password}
    )


def test_five_wrong_passwords_lock_password_sign_in(registered, reviewer):
    for _attempt in range(4):
        assert "correct email and password" in _login("wrong").content.decode()
    assert "locked until" in _login("wrong").content.decode()
    # Even the right password is refused while locked.
    response = _login("Tr1cky-Seal-Pass")
    assert response.status_code == 200 and "locked until" in response.content.decode()
    assert SecurityEvent.objects.filter(user=registered, action="password.failed").count() == 5
    lock = FactorLock.objects.get(user=registered, factor="password")

    # A reviewer unlocks it in the admin.
    verified_client_on(None, reviewer).post(
        "/admin/accounts/factorlock/", {"action": "unlock", "_selected_action": [lock.pk]}
    )
    assert _login("Tr1cky-Seal-Pass").status_code == 302


def test_lock_expires_after_fifteen_minutes(registered):
    for _attempt in range(5):
        _login("wrong")
    FactorLock.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    assert _login("Tr1cky-Seal-Pass").status_code == 302


def test_codes_are_single_use_expire_and_lock_after_five_wrong(registered):
    client = client_on(None, registered, HTTP_ACCEPT_LANGUAGE="en")
    assert "wait a minute" in client.post("/accounts/email/verify/", {"resend": "1"}, follow=True).content.decode()
    OneTimeCode.objects.filter(user=registered).update(created_at=timezone.now() - timedelta(minutes=2))
    client.post("/accounts/email/verify/", {"resend": "1"})
    code = last_code("zhang@example.com")
    OneTimeCode.objects.filter(user=registered).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert "expired" in client.post("/accounts/email/verify/", {"code": code}).content.decode()
    for _attempt in range(4):  # the expired try counted as the first failure
        assert client.post("/accounts/email/verify/", {"code": "000000"}).status_code == 400
    assert FactorLock.objects.filter(user=registered, factor="email_code").exists()
    assert "Too many wrong codes" in client.post("/accounts/email/verify/", {"code": code}).content.decode()
    registered.refresh_from_db()
    assert registered.email_verified_at is None


def test_tries_in_flight_are_counted_before_their_secret_is_compared(registered):
    """Five tries still being checked fill the window: a sixth is refused without its secret
    being looked at; tries that turn out right give their places back."""
    from contextlib import ExitStack

    from accounts.lockout import MAX_FAILURES, attempt_counted
    from config.errors import ApplicationError

    with ExitStack() as in_flight:
        for _attempt in range(MAX_FAILURES):
            in_flight.enter_context(attempt_counted(user=registered, factor=FactorLock.Factor.PASSWORD))
        sixth = attempt_counted(user=registered, factor=FactorLock.Factor.PASSWORD)
        with pytest.raises(ApplicationError) as refused, sixth:
            pytest.fail("a sixth simultaneous try reached the comparison")
        assert refused.value.code == "locked" and refused.value.status == 429
    assert SecurityEvent.objects.filter(user=registered, action="password.refused").count() == 1
    assert not FactorLock.objects.filter(user=registered).exists()
    assert _login("Tr1cky-Seal-Pass").status_code == 302
