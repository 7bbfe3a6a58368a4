from __future__ import annotations

import pytest

from seals.models import Seal, SealApplication, SealAuthorisation
from seals.services import seal_application_approve
from tests.conftest import client_on
from tests.documents.test_verify_page import sealed_pdf  # noqa: F401 (fixture)
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db

FORM = {
    "seal_type": "official",
    "seal_name": "Alpha Ltd",
    "key_algorithm": "ec-p256",
    "seal_password": "Seal-pass-2026",
    "seal_password_again": "Seal-pass-2026",
}


def test_owner_applies_in_the_browser_and_manages_the_seal(approved_alpha, world):
    client = client_on(approved_alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post("/seals/apply/", {**FORM, "business_licence": licence()})
    assert response.status_code == 302
    application = SealApplication.objects.get(company=approved_alpha)
    assert "Waiting for review" in client.get("/seals/").content.decode()
    seal = seal_application_approve(application=application, acting_user=world.alice)

    page = client.get(f"/seals/{seal.pk}/").content.decode()
    assert seal.code in page and approved_alpha.uscc in page
    pem = client.get(f"/seals/{seal.pk}/certificate.pem")
    assert pem.content.startswith(b"-----BEGIN CERTIFICATE-----")

    client.post(f"/seals/{seal.pk}/authorisations/", {"user": str(world.bob.pk)})
    assert SealAuthorisation.objects.get(seal=seal).user == world.bob
    client.post(f"/seals/{seal.pk}/status/", {"to_status": "suspended", "reason": "Lost the laptop"})
    seal.refresh_from_db()
    assert seal.status == "suspended"


def test_form_errors_keep_the_page(approved_alpha, world):
    client = client_on(approved_alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/seals/apply/", {**FORM, "seal_password": "weak", "seal_password_again": "weak", "business_licence": licence()}
    )
    assert response.status_code == 400
    assert "too weak" in response.content.decode()
    assert not SealApplication.objects.exists()


def test_plain_member_cannot_apply_or_change_status(approved_alpha, world):
    client = client_on(approved_alpha, world.bob)
    assert client.post("/seals/apply/", {**FORM, "business_licence": licence()}).status_code == 403
    assert not SealApplication.objects.exists()


def test_other_company_cannot_see_or_touch_a_seal(approved_alpha, world):
    from seals.services import seal_application_submit

    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="official",
        seal_name="Alpha",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    seal = seal_application_approve(application=application, acting_user=world.alice)
    for host in (world.alpha, world.beta):
        client = client_on(host, world.charlie)
        assert client.get(f"/seals/{seal.pk}/").status_code == 404
        assert client.get(f"/seals/{seal.pk}/certificate.pem").status_code == 404
        assert client.post(f"/seals/{seal.pk}/status/", {"to_status": "revoked", "reason": "x"}).status_code == 404
    seal.refresh_from_db()
    assert seal.status == Seal.Status.ACTIVE


def test_seal_image_is_served_to_members_only(approved_alpha, world):
    from seals.services import seal_application_submit

    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    seal = seal_application_approve(application=application, acting_user=world.alice)
    png = client_on(approved_alpha, world.bob).get(f"/seals/{seal.pk}/image.png")
    assert png["Content-Type"] == "image/png" and png.content.startswith(b"\x89PNG")
    pdf = client_on(approved_alpha, world.bob).get(f"/seals/{seal.pk}/image.pdf")
    assert pdf.content.startswith(b"%PDF")
    assert client_on(world.beta, world.charlie).get(f"/seals/{seal.pk}/image.png").status_code == 404


@pytest.mark.parametrize("seal_id", ["-" * 36, "f" * 36, "00000000" + "-" * 28])
def test_a_seal_image_address_with_an_id_that_is_not_one_is_not_found(world, seal_id):
    # 36 characters of hex digits and dashes matched the route and answered 500.
    response = client_on(world.alpha, world.alice).get(f"/seals/{seal_id}/image.png")

    assert response.status_code == 404


def test_before_approval_the_form_is_not_offered_and_says_why(world):
    client = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/seals/apply/").content.decode()
    assert "once a platform reviewer has approved the company" in page
    assert 'name="business_licence"' not in page
    assert "Registration under review" in page and "Getting started" in page  # the guided start
    refused = client.post("/seals/apply/", {**FORM, "business_licence": licence()})
    assert refused.status_code == 409
    assert not SealApplication.objects.exists()


def test_a_password_error_keeps_the_chosen_files_for_the_next_try(approved_alpha, world):
    client = client_on(approved_alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/seals/apply/",
        {**FORM, "seal_password_again": "Something-else-9", "business_licence": licence()},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Business licence scan: “licence.pdf” is kept; choose a file only to replace it." in page
    assert 'value="Alpha Ltd"' in page  # what was typed is kept
    assert not SealApplication.objects.exists()
    # The next try sends the passwords only: the kept licence goes with the application.
    retry = client.post("/seals/apply/", FORM)
    assert retry.status_code == 302, retry.content.decode()[:2000]
    application = SealApplication.objects.get()
    assert application.business_licence.read() == licence().read()
    # Opening the form afresh starts without a kept file.
    client.post("/seals/apply/", {**FORM, "seal_password_again": "Something-else-9", "business_licence": licence()})
    client.get("/seals/apply/")
    assert client.post("/seals/apply/", FORM).status_code == 400
    assert SealApplication.objects.count() == 1


def test_the_guided_start_leads_from_review_to_the_first_seal(world, approved_alpha):
    from tests.workflows.conftest import seal_for

    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = alice.get("/").content.decode()
    assert "Getting started" in page and 'href="/seals/apply/">Apply for a seal</a>' in page
    # A plain member is not sent to a form they may not use.
    assert 'href="/seals/apply/"' not in client_on(world.alpha, world.bob).get("/").content.decode()
    seal_for(approved_alpha, world.alice)
    assert 'href="/documents/">Upload a document</a>' in alice.get("/").content.decode()


def test_the_guided_start_ends_with_the_first_sealed_document(world, sealed_pdf):  # noqa: F811
    page = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en").get("/").content.decode()
    assert "Getting started" not in page
