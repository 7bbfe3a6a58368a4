"""Lockouts and single-use secrets under simultaneous requests, against a live server.

Every request runs in its own server thread with its own database connection, so the
data they need is committed here and removed again after each test."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import pytest
import requests
from django.conf import settings
from django.core import mail

from accounts.lockout import MAX_FAILURES
from accounts.models import AttemptCounter, FactorLock, OneTimeCode, SecurityEvent, User
from tests import live
from tests.accounts.conftest import ALICE_ID, last_code
from tests.conftest import enrol_authenticator, totp_now
from tests.live import PARALLEL, browser_session, simultaneously

pytestmark = pytest.mark.integration
live_url = live.live_url  # the fixture

EMAIL = "racer@example.com"
PASSWORD = "Tr1cky-Seal-Pass"


@pytest.fixture
def racer(django_db_blocker, live_url) -> Iterator[User]:
    """A registered person (with an ID number), committed for the server's threads."""
    from accounts.services import user_register

    with django_db_blocker.unblock():
        user = user_register(email=EMAIL, password=PASSWORD, full_name="Racer", mobile="", id_number=ALICE_ID)
        mail.outbox.clear()
        try:
            yield user
        finally:
            SecurityEvent.objects.filter(user=user).delete()
            user.delete()


def session_login(live_url: str, **body) -> requests.Response:
    body.setdefault("email", EMAIL)
    headers = {"Host": settings.BASE_DOMAIN, "Accept-Language": "en", "Connection": "close"}
    return requests.post(f"{live_url}/api/v1/auth/session/", json=body, headers=headers, timeout=60)


def recovery(live_url: str, **body) -> requests.Response:
    body = {"id_number": ALICE_ID, "password": "A-new-long-pass-2026", **body}
    headers = {"Host": settings.BASE_DOMAIN, "Accept-Language": "en", "Connection": "close"}
    return requests.post(f"{live_url}/api/v1/auth/recovery/", json=body, headers=headers, timeout=60)


def statuses(responses: list[requests.Response]) -> Counter:
    return Counter(response.status_code for response in responses)


def checked(user: User, factor: str) -> int:
    """How many tries of the factor were compared with the secret (each leaves one row)."""
    return SecurityEvent.objects.filter(user=user, action__in=[f"{factor}.failed", f"{factor}.succeeded"]).count()


class TestParallelWrongSecretsStopAtTheLimit:
    def test_parallel_wrong_passwords(self, live_url, racer, django_db_blocker):
        answers = simultaneously(PARALLEL, lambda i: session_login(live_url, password=f"wrong-{i}"))
        with django_db_blocker.unblock():
            assert checked(racer, "password") <= MAX_FAILURES
            assert statuses(answers)[401] <= MAX_FAILURES
            assert statuses(answers)[429] >= PARALLEL - MAX_FAILURES
            assert FactorLock.objects.filter(user=racer, factor="password").count() == 1
            refused = SecurityEvent.objects.filter(user=racer, action="password.refused").count()
            assert refused == statuses(answers)[429] - 1  # the fifth wrong try locked and said so
            right = session_login(live_url, password=PASSWORD)
            assert right.status_code == 429 and right.json()["type"] == "locked"
            assert "locked until" in right.json()["detail"]

    def test_parallel_wrong_passwords_in_the_sign_in_form(self, live_url, racer, django_db_blocker):
        browser = browser_session(settings.BASE_DOMAIN, {})

        def sign_in(password: str) -> str:
            form = {"username": EMAIL, "password": password}
            return requests.post(f"{live_url}/accounts/login/", data=form, timeout=60, **browser).text

        pages = simultaneously(PARALLEL, lambda i: sign_in(f"wrong-{i}"))
        with django_db_blocker.unblock():
            assert checked(racer, "password") <= MAX_FAILURES
            assert sum("correct email and password" in page for page in pages) < MAX_FAILURES
            assert sum("locked until" in page for page in pages) > PARALLEL - MAX_FAILURES
            assert "locked until" in sign_in(PASSWORD)
            # The reviewer admin has no sign-in form of its own: it sends people here.
            admin = requests.get(f"{live_url}/admin/login/", allow_redirects=False, timeout=60, **browser)
            assert admin.status_code == 302 and admin.headers["Location"].startswith("/accounts/login/")

    def test_parallel_wrong_authenticator_codes(self, live_url, racer, django_db_blocker):
        with django_db_blocker.unblock():
            device, _codes = enrol_authenticator(racer)
        answers = simultaneously(
            PARALLEL, lambda i: session_login(live_url, password=PASSWORD, method="authenticator", code=f"{i:06d}")
        )
        with django_db_blocker.unblock():
            assert SecurityEvent.objects.filter(user=racer, action="otp.failed").count() <= MAX_FAILURES
            assert statuses(answers)[200] == 0 and statuses(answers)[429] >= PARALLEL - MAX_FAILURES
            right = session_login(live_url, password=PASSWORD, method="authenticator", code=totp_now(device))
            assert right.status_code == 429 and right.json()["type"] == "locked"

    def test_parallel_wrong_recovery_codes(self, live_url, racer, django_db_blocker):
        with django_db_blocker.unblock():
            _device, codes = enrol_authenticator(racer)
        answers = simultaneously(
            PARALLEL, lambda i: session_login(live_url, password=PASSWORD, method="recovery_code", code=f"{i:08x}")
        )
        with django_db_blocker.unblock():
            assert SecurityEvent.objects.filter(user=racer, action="recovery_code.failed").count() <= MAX_FAILURES
            assert statuses(answers)[429] >= PARALLEL - MAX_FAILURES
            right = session_login(live_url, password=PASSWORD, method="recovery_code", code=codes[0])
            assert right.status_code == 429

    def test_parallel_wrong_emailed_codes(self, live_url, racer, django_db_blocker):
        assert recovery(live_url).status_code == 202
        code = last_code(EMAIL)
        wrong = [f"{(int(code) + 1 + i) % 10**6:06d}" for i in range(PARALLEL)]
        answers = simultaneously(PARALLEL, lambda i: recovery(live_url, code=wrong[i]))
        with django_db_blocker.unblock():
            assert SecurityEvent.objects.filter(user=racer, action="email_code.failed").count() <= MAX_FAILURES
            assert statuses(answers)[429] >= PARALLEL - MAX_FAILURES
            assert recovery(live_url, code=code).status_code == 429
            racer.refresh_from_db()
            assert racer.check_password(PASSWORD)  # nothing changed


class TestSingleUseSecretsUnderParallelUse:
    def test_one_authenticator_code_signs_in_once(self, live_url, racer, django_db_blocker):
        with django_db_blocker.unblock():
            device, _codes = enrol_authenticator(racer)
        code = totp_now(device, 1)  # a step no sign-in has used yet
        answers = simultaneously(
            20, lambda i: session_login(live_url, password=PASSWORD, method="authenticator", code=code)
        )
        assert statuses(answers)[200] == 1

    def test_one_recovery_code_signs_in_once(self, live_url, racer, django_db_blocker):
        with django_db_blocker.unblock():
            _device, codes = enrol_authenticator(racer)
        answers = simultaneously(
            20, lambda i: session_login(live_url, password=PASSWORD, method="recovery_code", code=codes[3])
        )
        assert statuses(answers)[200] == 1

    def test_one_emailed_code_is_used_once(self, live_url, racer, django_db_blocker):
        assert recovery(live_url).status_code == 202
        code = last_code(EMAIL)
        answers = simultaneously(20, lambda i: recovery(live_url, code=code, password=f"A-new-long-pass-{i:04d}"))
        assert statuses(answers)[200] == 1
        with django_db_blocker.unblock():
            codes = OneTimeCode.objects.filter(user=racer, purpose=OneTimeCode.Purpose.ACCOUNT_RECOVERY)
            assert codes.filter(used_at__isnull=True).count() == 0


@pytest.fixture(autouse=True)
def _no_counters_left(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        AttemptCounter.objects.filter(user__email=EMAIL).delete()
