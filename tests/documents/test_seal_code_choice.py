"""Confirming a seal with an emailed code, as a person does it in the browser: "Email me a
code" keeps that choice, a form error keeps it, a wrong seal password does not burn the
code, and a used code is called used, not wrong."""

from __future__ import annotations

import re

import pytest
from django_tenants.utils import tenant_context

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
