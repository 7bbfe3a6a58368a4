"""A mistyped unified social credit code is named for what is wrong with it, in the form
that asked for it, and nothing is created."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation
from stdnum.cn import uscc as uscc_number

from accounts.models import User
from tenants.models import Company
from tests.conftest import PASSWORD, client_on

pytestmark = pytest.mark.django_db

BODY = "91310000MA1FL8L97"
RIGHT = BODY + uscc_number.calc_check_digit(BODY)
WRONG_CHECK_DIGIT = BODY + ("0" if RIGHT[-1] != "0" else "1")


@pytest.fixture
def founder(world):
    return User.objects.create_user(
        "founder@example.com", PASSWORD, full_name="Founder", id_number_hash="f", email_verified_at=timezone.now()
    )


@pytest.mark.parametrize(
    ("uscc", "says"),
    [
        (WRONG_CHECK_DIGIT, "The last character (the check digit) does not match the other 17"),
        (BODY, "A unified social credit code has 18 characters; this one has 17."),
        ("9131000OMA1FL8L97X", "digits and capital letters only"),
    ],
)
def test_the_company_form_names_what_is_wrong_with_the_code(founder, uscc, says):
    form = {"name": "Gamma Ltd", "uscc": uscc, "legal_representative": "Wang", "slug": "gamma"}
    response = client_on(None, founder, HTTP_ACCEPT_LANGUAGE="en").post("/companies/new/", form)
    assert response.status_code == 400
    assert says in response.content.decode()
    assert not Company.objects.filter(slug="gamma").exists()


def test_the_check_digit_message_is_in_chinese_too(founder):
    form = {"name": "Gamma Ltd", "uscc": WRONG_CHECK_DIGIT, "legal_representative": "Wang", "slug": "gamma"}
    response = client_on(None, founder).post("/companies/new/", form)
    assert "最后一位（校验码）与前 17 位不符" in response.content.decode()


@translation.override("en")
def test_the_envelope_party_form_says_a_company_needs_an_email_and_checks_the_code():
    from workflows.forms import EnvelopePartyForm

    form = EnvelopePartyForm({"kind": "company", "uscc": WRONG_CHECK_DIGIT, "email": "boss@example.com"})
    assert not form.is_valid()
    assert "check digit" in form.errors["uscc"][0]
    assert "companies too" in str(form.fields["email"].help_text)
    assert EnvelopePartyForm({"kind": "company", "uscc": RIGHT, "email": "boss@example.com"}).is_valid()
