"""Registration, the 'ID number already registered' path, recovery and appeals."""

from __future__ import annotations

import logging

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import translation

from accounts.models import IdentityAppeal, SecurityEvent, User
from tests.accounts.conftest import ALICE_ID, OTHER_ID, last_code, registration
from tests.conftest import client_on, verified_client_on

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _row_text(user: User) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT row_to_json(u)::text FROM accounts_user u WHERE id = %s", [user.pk])
        return cursor.fetchone()[0]


def test_registration_stores_the_id_number_only_hashed_encrypted_and_masked(db, caplog):
    caplog.set_level(logging.DEBUG)
    client = client_on(None)
    response = client.post("/accounts/register/", registration(), follow=True)
    assert response.status_code == 200
    user = User.objects.get(email="zhang@example.com")
    assert user.id_number_masked == "1101**********002X"
    assert ALICE_ID not in _row_text(user)
    assert ALICE_ID not in response.content.decode()
    assert ALICE_ID not in caplog.text
    assert all(ALICE_ID not in message.body for message in mail.outbox)
    # The confirmation code went to the email and confirms the address.
    response = client.post("/accounts/email/verify/", {"code": last_code("zhang@example.com")})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_verified_at is not None


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("id_number", "110105194912310021", "check digit"),
        ("id_number", "12345", "18-character"),
        ("mobile", "12345", "11-digit"),
        ("password", "password123", "too common"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_created(db, field, value, message):
    data = registration(**{field: value})
    if field == "password":
        data["password_again"] = value
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post("/accounts/register/", data)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors.get(field, []))
    assert not User.objects.filter(email="zhang@example.com").exists()


def test_duplicate_id_number_offers_recovery_without_leaking_whose(registered):
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/accounts/register/", registration(email="other@example.com", mobile="13900001111"), follow=True
    )
    body = response.content.decode()
    assert "This ID number is already registered" in body
    assert "z***@example.com" in body and "138****5678" in body
    assert "zhang@example.com" not in body and "13812345678" not in body and "张三" not in body
    assert list(User.objects.filter(id_number_masked="1101**********002X").values_list("email", flat=True)) == [
        "zhang@example.com"
    ]


def test_conflict_then_recover_then_sign_in(registered):
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    client.post("/accounts/register/", registration(email="other@example.com", mobile=""))
    assert client.post("/accounts/recover/", {"channel": "sms"}).status_code == 302
    code = last_code("13812345678@sms.invalid")
    response = client.post(
        "/accounts/recover/confirm/",
        {"code": code, "password": "New-Strong-Pass-9", "password_again": "New-Strong-Pass-9"},
    )
    assert response.status_code == 302
    # Recovered by text message: the person learns which address signs in, and the
    # mailbox on file hears that the password changed.
    assert "From now on you sign in with zhang@example.com and the new password." in client.get("/").content.decode()
    changed = set()
    for language in ("zh-hans", "en"):
        with translation.override(language):
            changed.add(translation.gettext("Your Sealhub password was changed"))
    assert any(message.to == ["zhang@example.com"] and message.subject in changed for message in mail.outbox)
    fresh = client_on(None)
    assert (
        fresh.post("/accounts/login/", {"username": "zhang@example.com", "password": "New-Strong-Pass-9"}).status_code
        == 302
    )
    # The code was single use.
    again = client.post(
        "/accounts/recover/confirm/",
        {"code": code, "password": "Other-Strong-Pass-9", "password_again": "Other-Strong-Pass-9"},
    )
    assert again["Location"] == "/accounts/register/"  # the recovery is over; nothing to replay
    registered.refresh_from_db()
    assert registered.check_password("New-Strong-Pass-9")
    assert SecurityEvent.objects.filter(user=registered, action="account.recovered").count() == 1


@pytest.mark.parametrize(("owner_language", "page_language"), [("en", "zh-hans"), ("zh-hans", "en")])
def test_recovery_by_text_message_mails_the_password_change_in_the_owners_language(
    registered, owner_language, page_language
):
    User.objects.filter(pk=registered.pk).update(language=owner_language)
    client = client_on(None, HTTP_ACCEPT_LANGUAGE=page_language)
    client.post("/accounts/register/", registration(email="other@example.com", mobile=""))
    assert client.post("/accounts/recover/", {"channel": "sms"}).status_code == 302
    assert [message.to for message in mail.outbox] == [["13812345678@sms.invalid"]]  # the code, by text only
    response = client.post(
        "/accounts/recover/confirm/",
        {
            "code": last_code("13812345678@sms.invalid"),
            "password": "New-Strong-Pass-9",
            "password_again": "New-Strong-Pass-9",
        },
    )
    assert response.status_code == 302
    (notice,) = [message for message in mail.outbox if message.to == ["zhang@example.com"]]
    with translation.override(owner_language):
        assert notice.subject == translation.gettext("Your Sealhub password was changed")
        assert translation.gettext("%(time)s (Beijing time, UTC+8)") % {"time": ""} in notice.body
    assert "zhang@example.com" in notice.body and "New-Strong-Pass-9" not in notice.body
    # The page says which address signs in, in the visitor's language.
    with translation.override(page_language):
        expected = translation.gettext(
            "Your account is recovered and has a new password. From now on you sign in with "
            "%(email)s and the new password."
        ) % {"email": "zhang@example.com"}
    assert expected in client.get("/").content.decode()


def test_conflict_then_appeal_upheld_freezes_old_account_and_frees_the_number(registered, reviewer):
    appellant = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    appellant.post("/accounts/register/", registration(email="real@example.com", mobile=""))
    response = appellant.post(
        "/accounts/appeals/new/",
        {
            "full_name": "张三",
            "id_number": ALICE_ID,
            "email": "real@example.com",
            "mobile": "",
            "statement": "I never registered.",
            "id_photo": SimpleUploadedFile("id.png", PNG, content_type="image/png"),
        },
    )
    appeal = IdentityAppeal.objects.get()
    assert response["Location"] == f"/accounts/appeals/{appeal.pk}/"
    assert appeal.contested_user == registered
    assert ALICE_ID not in appellant.get(response["Location"]).content.decode()

    admin = verified_client_on(None, reviewer)
    page = admin.get(f"/admin/accounts/identityappeal/{appeal.pk}/change/").content.decode()
    assert "1101**********002X" in page and ALICE_ID not in page
    assert admin.get(f"/admin/accounts/identityappeal/{appeal.pk}/photo/").status_code == 200
    decided = admin.post(
        f"/admin/accounts/identityappeal/{appeal.pk}/decide/", {"decision": "upheld", "reason": "Photo matches."}
    )
    assert decided.status_code == 302

    registered.refresh_from_db()
    assert registered.frozen_at is not None and registered.id_number_hash is None
    login = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/login/", {"username": "zhang@example.com", "password": "Tr1cky-Seal-Pass"}
    )
    assert "frozen" in login.content.decode()
    assert any("1101**********002X" in message.body for message in mail.outbox if message.to == ["real@example.com"])

    response = appellant.post("/accounts/register/", registration(email="real@example.com", mobile=""))
    assert response.status_code == 302
    assert User.objects.get(email="real@example.com").id_number_masked == "1101**********002X"


def test_rejected_appeal_shows_the_reason(registered, reviewer):
    client = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    client.post(
        "/accounts/appeals/new/",
        {
            "full_name": "李四",
            "id_number": ALICE_ID,
            "email": "li@example.com",
            "statement": "Mine.",
            "id_photo": SimpleUploadedFile("id.png", PNG, content_type="image/png"),
        },
    )
    appeal = IdentityAppeal.objects.get()
    verified_client_on(None, reviewer).post(
        f"/admin/accounts/identityappeal/{appeal.pk}/decide/", {"decision": "rejected", "reason": "Photo unreadable."}
    )
    page = client.get(f"/accounts/appeals/{appeal.pk}/").content.decode()
    assert "not upheld" in page and "Photo unreadable." in page
    registered.refresh_from_db()
    assert registered.frozen_at is None


def test_appeal_refuses_a_file_that_is_not_an_image(db):
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/appeals/new/",
        {
            "full_name": "王五",
            "id_number": OTHER_ID,
            "email": "wang@example.com",
            "statement": "Mine.",
            "id_photo": SimpleUploadedFile("id.png", b"MZ\x90\x00 not an image", content_type="image/png"),
        },
    )
    assert response.status_code == 400
    assert "JPEG, PNG or PDF" in response.content.decode()
    assert not IdentityAppeal.objects.exists()


def test_password_reset_does_not_reveal_accounts_and_works(registered):
    client = client_on(None)
    for contact in ("zhang@example.com", "nobody@example.com", "13900000000", "not-a-number"):
        response = client.post("/accounts/password/reset/", {"contact": contact})
        assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["zhang@example.com"]]
    response = client.post(
        "/accounts/password/reset/confirm/",
        {
            "contact": "zhang@example.com",
            "code": last_code("zhang@example.com"),
            "password": "Brand-New-Pass-7",
            "password_again": "Brand-New-Pass-7",
        },
    )
    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.check_password("Brand-New-Pass-7")


def test_password_reset_by_sms(registered):
    client = client_on(None)
    client.post("/accounts/password/reset/", {"contact": "138 1234 5678"})
    response = client.post(
        "/accounts/password/reset/confirm/",
        {
            "contact": "13812345678",
            "code": last_code("13812345678@sms.invalid"),
            "password": "Sms-Reset-Pass-3",
            "password_again": "Sms-Reset-Pass-3",
        },
    )
    assert response.status_code == 302
    registered.refresh_from_db()
    assert registered.check_password("Sms-Reset-Pass-3")


def test_the_two_passwords_must_match(db):
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/accounts/register/", registration(password_again="Something-else-9")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["password_again"] == ["The two passwords differ."]
    assert not User.objects.filter(email="zhang@example.com").exists()


def test_every_mistake_is_reported_in_one_answer(db):
    data = registration(id_number="110105194912310021", mobile="12345", password="password123")
    data["password_again"] = "password123"
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post("/accounts/register/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert sorted(errors) == ["id_number", "mobile", "password"]
    assert "check digit" in errors["id_number"][0] and "11-digit" in errors["mobile"][0]
    assert "too common" in " ".join(errors["password"])
    assert not User.objects.filter(email="zhang@example.com").exists()


def test_the_appeal_after_a_conflict_does_not_ask_for_the_id_number_again(registered):
    appellant = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    appellant.post("/accounts/register/", registration(email="real@example.com", mobile=""))
    assert ALICE_ID not in str(dict(appellant.session.items()))  # kept encrypted only
    page = appellant.get("/accounts/appeals/new/").content.decode()
    assert 'name="id_number"' not in page
    assert "the ID number you entered when registering (1101**********002X)" in page
    assert 'value="real@example.com"' in page
    response = appellant.post(
        "/accounts/appeals/new/",
        {
            "full_name": "张三",
            "email": "real@example.com",
            "mobile": "",
            "statement": "I never registered.",
            "id_photo": SimpleUploadedFile("id.png", PNG, content_type="image/png"),
        },
    )
    appeal = IdentityAppeal.objects.get()
    assert response["Location"] == f"/accounts/appeals/{appeal.pk}/"
    assert appeal.contested_user == registered and appeal.id_number_masked == "1101**********002X"


def test_an_appeal_without_a_conflict_asks_for_the_id_number(db):
    page = client_on(None, HTTP_ACCEPT_LANGUAGE="en").get("/accounts/appeals/new/").content.decode()
    assert 'name="id_number"' in page


@pytest.mark.parametrize(("language", "label"), [("zh-hans", "忘记密码？"), ("en", "Forgot your password?")])
def test_the_sign_in_pages_offer_to_reset_a_forgotten_password(world, settings, language, label):
    """On the platform, and on a company host (where a party's inbox link leads), which
    sends the person to the platform, where passwords are reset."""
    settings.PLATFORM_URL = f"http://{settings.BASE_DOMAIN}:8104"
    for company, link in (
        (None, "/accounts/password/reset/"),
        (world.alpha, f"{settings.PLATFORM_URL}/accounts/password/reset/"),
    ):
        page = client_on(company, HTTP_ACCEPT_LANGUAGE=language).get("/accounts/login/").content.decode()
        assert f'<a href="{link}">{label}</a>' in page, company
    reset = client_on(None, HTTP_ACCEPT_LANGUAGE=language).get("/accounts/password/reset/")
    assert reset.status_code == 200 and 'name="contact"' in reset.content.decode()
