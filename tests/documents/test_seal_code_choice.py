"""Confirming a seal with an emailed code, as a person does it in the browser: "Email me a
code" keeps that choice, a form error keeps it, a wrong seal password does not burn the
code, and a used code is called used, not wrong."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import OneTimeCode
from documents.models import SigningGrant
from tests.accounts.conftest import last_code
from tests.conftest import client_on
from tests.documents.test_sealing import _prepare, seal  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def _checked_method(page: str) -> str:
    """The otp_method radio that is checked on the page."""
    tags = re.findall(r'<input type="radio" name="otp_method"[^>]*>', page)
    (checked,) = [re.search(r'value="(\w+)"', tag).group(1) for tag in tags if " checked" in tag]
    return checked


def test_an_emailed_code_survives_a_wrong_seal_password(world, seal, django_capture_on_commit_callbacks):  # noqa: F811
    document = _prepare(world, seal)
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    base = f"/documents/{document.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        assert alice.post(f"{base}/seal/code/").status_code == 302
    page = alice.get(f"{base}/").content.decode()
    assert _checked_method(page) == "email", "Email me a code keeps the emailed-code choice"
    code = last_code(world.alice.email)
    form = {"seal": str(seal.pk), "otp_method": "email", "otp_code": code}

    wrong = alice.post(f"{base}/seal/", {**form, "seal_password": "Wrong-pass-1"}, follow=True)
    assert "seal password" in wrong.content.decode().lower()
    assert _checked_method(wrong.content.decode()) == "email", "the choice survives the error"
    with tenant_context(world.alpha):
        assert not SigningGrant.objects.exists()

    right = alice.post(f"{base}/seal/", {**form, "seal_password": "Seal-pass-2026"})
    assert right.status_code == 302 and "grant=" in right["Location"]
    with tenant_context(world.alpha):
        assert SigningGrant.objects.count() == 1

    again = alice.post(f"{base}/seal/", {**form, "seal_password": "Seal-pass-2026"}, follow=True)
    assert "already used or has expired. Ask for a new one." in again.content.decode()
    with tenant_context(world.alpha):
        assert SigningGrant.objects.count() == 1


def test_one_banner_follows_the_job_and_the_sealed_version_says_so(world, seal):  # noqa: F811
    from documents.services.sealing import document_seal_execute
    from tests.conftest import enrol_authenticator, totp_now

    document = _prepare(world, seal)
    device, _codes = enrol_authenticator(world.alice)
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    form = {"seal": str(seal.pk), "seal_password": "Seal-pass-2026", "otp_method": "authenticator"}
    confirmed = alice.post(f"/documents/{document.pk}/seal/", {**form, "otp_code": totp_now(device, 1)})
    page = alice.get(confirmed["Location"]).content.decode()
    assert 'id="grant-status"' in page and "being applied" not in page  # one banner, no second message
    with tenant_context(world.alpha):
        version = document_seal_execute(grant_id=SigningGrant.objects.get().pk)
    done = alice.get(f"/documents/{document.pk}/?sealed={version.number}").content.decode()
    assert f"Sealed. Version {version.number} carries the seal" in done
    assert "carries the seal" not in alice.get(f"/documents/{document.pk}/?sealed=1").content.decode()


def test_the_emailed_code_choice_survives_a_reload_and_every_kind_of_form_error(
    world,
    seal,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    document = _prepare(world, seal)
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    base = f"/documents/{document.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        alice.post(f"{base}/seal/code/")
    code = last_code(world.alice.email)
    for _reload in range(2):
        assert _checked_method(alice.get(f"{base}/").content.decode()) == "email"
    form = {"seal": str(seal.pk), "seal_password": "Seal-pass-2026", "otp_method": "email", "otp_code": code}
    wrong_code = "000000" if code != "000000" else "111111"
    mistakes = {
        "no seal password": {**form, "seal_password": ""},
        "no code": {**form, "otp_code": ""},
        "a wrong code": {**form, "otp_code": wrong_code},
        "an unknown seal": {**form, "seal": "00000000-0000-0000-0000-000000000000"},
    }
    for mistake, data in mistakes.items():
        page = alice.post(f"{base}/seal/", data, follow=True).content.decode()
        assert 'role="alert"' in page or "errorlist" in page, mistake
        assert _checked_method(page) == "email", f"the choice is lost after {mistake}"
        assert _checked_method(alice.get(f"{base}/").content.decode()) == "email", f"reload after {mistake}"
    right = alice.post(f"{base}/seal/", form)
    assert right.status_code == 302 and "grant=" in right["Location"], "the emailed code still works"


def test_an_emailed_code_past_its_ten_minutes_is_called_expired(world, seal, django_capture_on_commit_callbacks):  # noqa: F811
    document = _prepare(world, seal)
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    base = f"/documents/{document.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        alice.post(f"{base}/seal/code/")
    OneTimeCode.objects.filter(user=world.alice).update(expires_at=timezone.now() - timedelta(seconds=1))
    form = {"seal": str(seal.pk), "seal_password": "Seal-pass-2026", "otp_method": "email"}
    page = alice.post(f"{base}/seal/", {**form, "otp_code": last_code(world.alice.email)}, follow=True)
    assert "This code has expired. Ask for a new one." in page.content.decode()
    assert _checked_method(page.content.decode()) == "email"


def test_a_code_replaced_by_a_newer_one_says_to_use_the_newest_mail(world, seal, django_capture_on_commit_callbacks):  # noqa: F811
    document = _prepare(world, seal)
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    base = f"/documents/{document.pk}"
    with django_capture_on_commit_callbacks(execute=True):
        alice.post(f"{base}/seal/code/")
    first = last_code(world.alice.email)
    OneTimeCode.objects.filter(user=world.alice).update(created_at=timezone.now() - timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        alice.post(f"{base}/seal/code/")  # "I did not get it": a second code replaces the first
    newest = last_code(world.alice.email)
    form = {"seal": str(seal.pk), "seal_password": "Seal-pass-2026", "otp_method": "email"}
    page = alice.post(f"{base}/seal/", {**form, "otp_code": first}, follow=True).content.decode()
    assert "This code was replaced by a newer one. Enter the code from the newest mail." in page
    assert "The code is not correct." not in page
    right = alice.post(f"{base}/seal/", {**form, "otp_code": newest})
    assert right.status_code == 302 and "grant=" in right["Location"]
