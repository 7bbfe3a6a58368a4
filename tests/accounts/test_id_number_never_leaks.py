"""The resident ID number never appears unmasked in a page, an API answer, a mail or a log line."""

from __future__ import annotations

import json
import logging

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import IdentityAppeal, User
from tests.accounts.conftest import ALICE_ID, registration
from tests.conftest import client_on, verified_client_on

pytestmark = pytest.mark.django_db


def test_id_number_is_masked_everywhere(db, caplog, capsys, reviewer):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def record(response):
        seen.append(response.content.decode(errors="replace"))
        return response

    browser = client_on(None)
    record(browser.post("/accounts/register/", registration(), follow=True))
    user = User.objects.get(email="zhang@example.com")
    other = client_on(None)
    record(other.post("/accounts/register/", registration(email="b@example.com", mobile=""), follow=True))
    record(other.get("/accounts/recover/"))
    record(
        other.post(
            "/accounts/appeals/new/",
            {
                "full_name": "张三",
                "id_number": ALICE_ID,
                "email": "b@example.com",
                "statement": "Mine.",
                "id_photo": SimpleUploadedFile("id.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 32, content_type="image/png"),
            },
            follow=True,
        )
    )
    api = client_on(None)
    record(
        api.post(
            "/api/v1/auth/register/",
            json.dumps(
                {
                    "email": "c@example.com",
                    "password": "A-long-pass-2026",
                    "full_name": "王",
                    "id_number": ALICE_ID,
                }
            ),
            content_type="application/json",
        )
    )
    record(client_on(None, user).get("/api/v1/me/"))
    record(client_on(None, user).get("/accounts/security/"))
    admin = verified_client_on(None, reviewer)
    appeal = IdentityAppeal.objects.get()
    for path in (
        "/admin/accounts/user/",
        f"/admin/accounts/user/{user.pk}/change/",
        "/admin/accounts/identityappeal/",
        f"/admin/accounts/identityappeal/{appeal.pk}/change/",
        f"/admin/accounts/identityappeal/{appeal.pk}/decide/",
        "/admin/accounts/securityevent/",
    ):
        assert record(admin.get(path)).status_code == 200, path

    captured = capsys.readouterr()
    everything = "\n".join([*seen, caplog.text, captured.out, captured.err, *(m.body for m in mail.outbox)])
    assert "1101**********002X" in everything  # the masked form is what people see
    assert ALICE_ID not in everything
    assert ALICE_ID.lower() not in everything.lower()
