"""A party's field placed on a text of the document, as seals are: every occurrence, or only
the nth (reading order), moved by an offset; from the draft page too. make_pdf draws
"Seal here" once on every page."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from config.errors import ApplicationError
from documents.services.placements import MM
from documents.services.versions import document_upload
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import signatory
from workflows.envelopes.drafting import envelope_create, envelope_field_add_at_text, envelope_party_add
from workflows.models import EnvelopeField

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(world, approved_alpha):
    alpha = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    with tenant_context(alpha.company):
        document = document_upload(name="contract.pdf", data=make_pdf(3), acting_user=alpha.user)
        envelope = envelope_create(document=document, name="Lease", acting_user=alpha.user)
        person = envelope_party_add(
            envelope=envelope, kind="person", name="张三", email="zhangsan@example.com", order=1, acting_user=alpha.user
        )
    return alpha, envelope, person


def _centre(field):
    return field.x + field.width / 2, field.y + field.height / 2


def test_every_occurrence_the_nth_and_an_offset(draft):
    alpha, _envelope, person = draft
    with tenant_context(alpha.company):
        every = envelope_field_add_at_text(party=person, text="Seal here", acting_user=alpha.user)
        assert [field.page for field in every] == [0, 1, 2]
        EnvelopeField.objects.all().delete()
        (plain,) = envelope_field_add_at_text(party=person, text="Seal here", occurrence=2, acting_user=alpha.user)
        (moved,) = envelope_field_add_at_text(
            party=person, text="Seal here", occurrence=2, offset_x=10 * MM, offset_y=-5 * MM, acting_user=alpha.user
        )
        assert plain.page == moved.page == 1 and plain.kind == EnvelopeField.Kind.SIGNATURE
        assert _centre(moved)[0] == pytest.approx(_centre(plain)[0] + 10 * MM, abs=0.01)
        assert _centre(moved)[1] == pytest.approx(_centre(plain)[1] - 5 * MM, abs=0.01)
        with pytest.raises(ApplicationError) as too_far:
            envelope_field_add_at_text(party=person, text="Seal here", occurrence=4, acting_user=alpha.user)
        assert too_far.value.code == "occurrence_not_found"
        with pytest.raises(ApplicationError) as missing:
            envelope_field_add_at_text(party=person, text="签字处", acting_user=alpha.user)
        assert missing.value.code == "text_not_found"
        assert EnvelopeField.objects.count() == 2


def test_the_draft_page_places_the_nth_occurrence_moved_in_millimetres(draft):
    alpha, envelope, person = draft
    owner = client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en")
    page = owner.get(f"/envelopes/{envelope.pk}/").content.decode()
    assert f'action="/envelopes/{envelope.pk}/fields/text/"' in page and "Which occurrence (empty: every one)" in page
    form = {
        "party": str(person.pk),
        "text": "Seal here",
        "occurrence": "3",
        "offset_right_mm": "10",
        "offset_up_mm": "",
    }
    placed = owner.post(f"/envelopes/{envelope.pk}/fields/text/", form, follow=True)
    assert "Placed a field for 张三." in placed.content.decode()
    with tenant_context(alpha.company):
        (field,) = EnvelopeField.objects.filter(party=person)
    assert field.page == 2
    chinese = client_on(alpha.company, alpha.user).post(
        f"/envelopes/{envelope.pk}/fields/text/", {**form, "occurrence": "7"}, follow=True
    )
    assert "“Seal here”在文档中出现 3 次，请选择第 1 到第 3 处。" in chinese.content.decode()
    with tenant_context(alpha.company):
        assert EnvelopeField.objects.filter(party=person).count() == 1
