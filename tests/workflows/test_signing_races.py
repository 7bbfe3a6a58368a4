"""Seal passwords, ID numbers at a person's signing and signing grants under simultaneous
requests against a live server. Data is committed for the server's threads and removed
again after each test."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from django.conf import settings
from django_tenants.utils import tenant_context

from accounts.lockout import MAX_FAILURES
from accounts.models import FactorLock, SecurityEvent, User
from documents.models import DocumentVersion, SigningGrant
from documents.services.versions import document_upload
from seals.services import seal_private_key_unlock
from tenants.models import Company
from tests import live
from tests.conftest import host_of
from tests.documents.pdfs import make_pdf
from tests.live import PARALLEL, browser_session, simultaneously
from tests.workflows.conftest import SEAL_PASSWORD, TYPED_SIGNATURE_FORM, committed_cleanup, seal_for
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.persons import CODE_MAX_FAILURES, ID_NUMBER_MAX_FAILURES, envelope_party_code_send
from workflows.envelopes.sending import envelope_send
from workflows.links import party_link_token
from workflows.models import Envelope, Party

pytestmark = pytest.mark.integration
live_url = live.live_url  # the fixture

PERSON_ID = "11010519491231002X"
OTHER_ID = "110105198001011238"


@pytest.fixture
def alpha(django_db_blocker, live_url) -> Iterator[tuple[Company, User]]:
    """Alpha (approved) and its owner Alice, committed; everything made is removed after."""
    with django_db_blocker.unblock():
        company = Company.objects.get(slug="alpha")
        Company.objects.filter(pk=company.pk).update(verification=Company.Verification.APPROVED)
        company.refresh_from_db()
        try:
            yield company, User.objects.get(email="alice@alpha.example")
        finally:
            committed_cleanup(company, [])


def signed_in(user: User, host: str) -> dict:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    return browser_session(
        host,
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.AllowAllUsersModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        },
    )


def test_parallel_wrong_seal_passwords_stop_at_the_limit(live_url, alpha, django_db_blocker):
    company, alice = alpha
    with django_db_blocker.unblock():
        seal = seal_for(company, alice)
        browser = signed_in(alice, host_of(company))
    url = f"{live_url}/seals/{seal.pk}/password/"

    def change(index: int) -> requests.Response:
        form = {
            "old_password": f"Wrong-seal-pass-{index:03d}",
            "new_password": "New-Seal-pass-2026!",
            "new_password_again": "New-Seal-pass-2026!",
        }
        return requests.post(url, data=form, allow_redirects=False, timeout=60, **browser)

    answers = simultaneously(PARALLEL, change)
    assert all(answer.status_code == 302 for answer in answers)
    with django_db_blocker.unblock():
        tried = SecurityEvent.objects.filter(user=alice, action="seal_password.failed", data__scope=str(seal.pk))
        assert tried.count() <= MAX_FAILURES
        assert FactorLock.objects.filter(user=alice, factor="seal_password", scope=str(seal.pk)).count() == 1
        # The right seal password is refused until the lock ends; the seal is unchanged.
        with pytest.raises(Exception) as locked:
            seal_private_key_unlock(seal=seal, user=alice, seal_password=SEAL_PASSWORD)
        assert getattr(locked.value, "code", "") == "locked"


def _person_envelope(company: Company, alice: User) -> tuple[Party, str]:
    with tenant_context(company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=alice)
        envelope = envelope_create(document=document, name="Lease", acting_user=alice)
        party = envelope_party_add(
            envelope=envelope,
            kind="person",
            name="张三",
            email="zhangsan@example.com",
            id_number=PERSON_ID,
            acting_user=alice,
        )
        envelope_field_add(party=party, page=0, x=300, y=80, acting_user=alice)
        envelope_send(envelope=envelope, owner=company, acting_user=alice)
        party.refresh_from_db()
        return party, party_link_token(party)


def _signing_browser(party: Party) -> dict:
    """A browser that has passed the emailed code for this party's link."""
    return browser_session(settings.BASE_DOMAIN, {f"envelope-party:{party.pk}": time.time()})


WRONG_ID_FORM = {"id_number": OTHER_ID, **TYPED_SIGNATURE_FORM}
RIGHT_ID_FORM = {"id_number": PERSON_ID, **TYPED_SIGNATURE_FORM}


def test_parallel_wrong_id_numbers_stop_at_the_limit(live_url, alpha, django_db_blocker):
    company, alice = alpha
    with django_db_blocker.unblock():
        party, token = _person_envelope(company, alice)
        browser = _signing_browser(party)
    url = f"{live_url}/sign/{token}/submit/"
    answers = simultaneously(
        PARALLEL,
        lambda i: requests.post(url, data=WRONG_ID_FORM, allow_redirects=False, timeout=60, **browser),
    )
    assert all(answer.status_code == 302 for answer in answers)
    requests.post(url, data=RIGHT_ID_FORM, allow_redirects=False, timeout=60, **browser)
    with django_db_blocker.unblock(), tenant_context(company):
        assert Party.objects.get(pk=party.pk).id_number_failures == ID_NUMBER_MAX_FAILURES
        assert not SigningGrant.objects.filter(envelope_party_id=party.pk).exists()  # the right one came too late


def test_simultaneous_signatures_of_one_person_make_one_grant(
    live_url, celery_worker_process, alpha, django_db_blocker
):
    company, alice = alpha
    with django_db_blocker.unblock():
        party, token = _person_envelope(company, alice)
        browser = _signing_browser(party)
    url = f"{live_url}/sign/{token}/submit/"
    simultaneously(20, lambda i: requests.post(url, data=RIGHT_ID_FORM, allow_redirects=False, timeout=60, **browser))
    with django_db_blocker.unblock(), tenant_context(company):
        assert SigningGrant.objects.filter(envelope_party_id=party.pk).count() == 1
        # The worker signs once and completes the envelope (waited for: nothing may run on during cleanup).
        deadline = time.monotonic() + 90
        envelope = Envelope.objects.get(pk=party.envelope_id)
        while envelope.status != Envelope.Status.COMPLETED and time.monotonic() < deadline:
            time.sleep(0.5)
            envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.COMPLETED
        assert DocumentVersion.objects.filter(grant__envelope_party_id=party.pk).count() == 1


def test_parallel_wrong_codes_at_a_persons_link_stop_at_the_limit(live_url, alpha, django_db_blocker):
    company, alice = alpha
    with django_db_blocker.unblock():
        party, token = _person_envelope(company, alice)
        with tenant_context(company):
            envelope_party_code_send(party_id=party.pk)
        browser = browser_session(settings.BASE_DOMAIN, {})
    url = f"{live_url}/sign/{token}/verify/"
    answers = simultaneously(
        PARALLEL, lambda i: requests.post(url, data={"code": f"x{i:05d}"}, allow_redirects=False, timeout=60, **browser)
    )
    assert all(answer.status_code == 302 for answer in answers)
    with django_db_blocker.unblock(), tenant_context(company):
        party.refresh_from_db()
        assert party.code_failures == CODE_MAX_FAILURES
        assert party.code_locked_until is not None and party.code_hash == ""  # the code is gone


def test_a_first_emailed_seal_code_used_in_parallel_leaves_one_code_device(live_url, alpha, django_db_blocker):
    """The emailed-code device is made on first use; simultaneous first uses made several,
    and from then on every emailed code of that person answered 500."""
    from django.core import mail

    from accounts.codes import code_send
    from accounts.models import EmailCodeDevice, OneTimeCode
    from documents.services.placements import placement_add
    from tests.accounts.conftest import last_code

    company, alice = alpha
    with django_db_blocker.unblock(), tenant_context(company):
        EmailCodeDevice.objects.filter(user=alice).delete()
        seal = seal_for(company, alice)
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=alice)
        placement_add(document=document, company=company, seal_id=seal.pk, page=0, x=100, y=100, acting_user=alice)
        mail.outbox.clear()
        code_send(user=alice, purpose=OneTimeCode.Purpose.SEAL_USE)
        code = last_code(alice.email)
        browser = signed_in(alice, host_of(company))
    url = f"{live_url}/api/v1/documents/{document.pk}/seal/"
    body = {"seal_id": str(seal.pk), "seal_password": "Wrong-seal-pass-1", "otp_method": "email", "otp_code": code}
    try:
        answers = simultaneously(PARALLEL, lambda i: requests.post(url, json=body, timeout=60, **browser))
        assert not [answer.status_code for answer in answers if answer.status_code >= 500]
        with django_db_blocker.unblock():
            assert EmailCodeDevice.objects.filter(user=alice).count() == 1
    finally:
        with django_db_blocker.unblock():
            EmailCodeDevice.objects.filter(user=alice).delete()
            OneTimeCode.objects.filter(user=alice).delete()
