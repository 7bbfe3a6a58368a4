"""Placing on a text: every occurrence by default, or only the nth (reading order), moved by
an offset; through the API and the page. make_pdf draws "Seal here" once on every page."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_tenants.utils import tenant_context

from config.errors import ApplicationError
from documents.models import Placement
from documents.services.placements import MM, placement_add_at_text
from documents.services.versions import document_upload
from tenants.services import api_key_create
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from tests.documents.test_sealing import seal  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _document(world, pages=3):
    with tenant_context(world.alpha):
        return document_upload(name="contract.pdf", data=make_pdf(pages), acting_user=world.alice)


def _centre(placement):
    return placement.x + placement.width / 2, placement.y + placement.height / 2


def test_every_occurrence_by_default_and_only_the_nth_when_asked(world, seal):  # noqa: F811
    document = _document(world)
    with tenant_context(world.alpha):
        every = placement_add_at_text(
            document=document, company=world.alpha, seal_id=seal.pk, text="Seal here", acting_user=world.alice
        )
        assert [placement.page for placement in every] == [0, 1, 2]
        Placement.objects.all().delete()
        second = placement_add_at_text(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            text="Seal here",
            acting_user=world.alice,
            occurrence=2,
        )
        assert [placement.page for placement in second] == [1]
        assert Placement.objects.count() == 1


def test_the_offset_moves_the_seal_from_the_text(world, seal):  # noqa: F811
    document = _document(world, pages=1)
    with tenant_context(world.alpha):
        (plain,) = placement_add_at_text(
            document=document, company=world.alpha, seal_id=seal.pk, text="Seal here", acting_user=world.alice
        )
        (moved,) = placement_add_at_text(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            text="Seal here",
            acting_user=world.alice,
            offset_x=-20 * MM,
            offset_y=15 * MM,
        )
    (plain_x, plain_y), (moved_x, moved_y) = _centre(plain), _centre(moved)
    assert moved_x == pytest.approx(plain_x - 20 * MM, abs=0.01)
    assert moved_y == pytest.approx(plain_y + 15 * MM, abs=0.01)


def test_an_occurrence_past_the_last_says_how_many_there_are(world, seal):  # noqa: F811
    document = _document(world)
    with tenant_context(world.alpha), translation.override("en"), pytest.raises(ApplicationError) as refused:
        placement_add_at_text(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            text="Seal here",
            acting_user=world.alice,
            occurrence=4,
        )
    assert refused.value.code == "occurrence_not_found"
    assert "appears 3 times" in refused.value.message
    with tenant_context(world.alpha):
        assert not Placement.objects.exists()


def test_the_api_places_on_the_nth_occurrence_with_an_offset(world, seal):  # noqa: F811
    with tenant_context(world.alpha):
        _key, raw = api_key_create(company=world.alpha, name="ERP", scopes=["documents"], acting_user=world.alice)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    upload = SimpleUploadedFile("contract.pdf", make_pdf(3), content_type="application/pdf")
    document_id = api.post("/api/v1/documents/", {"file": upload}).json()["id"]
    url = f"/api/v1/documents/{document_id}/placements/"
    body = {"seal_id": str(seal.pk), "text": "Seal here", "occurrence": 3, "offset_y": 20}
    placed = api.post(url, body, content_type="application/json")
    assert placed.status_code == 201, placed.content
    assert [placement["page"] for placement in placed.json()] == [2]
    too_far = api.post(url, {**body, "occurrence": 9}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en")
    assert too_far.status_code == 400
    assert too_far.json()["type"] == "occurrence_not_found"


def test_the_page_form_places_one_occurrence_moved_in_millimetres(world, seal):  # noqa: F811
    document = _document(world)
    page = client_on(world.alpha, world.alice)
    response = page.post(
        f"/documents/{document.pk}/placements/text/",
        {"seal": str(seal.pk), "text": "Seal here", "occurrence": "2", "offset_right_mm": "10", "offset_up_mm": ""},
    )
    assert response.status_code == 302
    with tenant_context(world.alpha):
        (placement,) = Placement.objects.all()
    assert placement.page == 1
