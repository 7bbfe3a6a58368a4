"""A person signs by link with a drawn signature (or, from the keyboard, their typed name)
after confirming a consent statement: the drawing is checked as a real transparent PNG
within limits, the consent is in the envelope trail with time, address and browser, the
signature field of the PDF shows the drawing, and the page images afterwards show it too."""

from __future__ import annotations

import base64
import io
import re

import pypdfium2
import pytest
from django.core import mail
from django_tenants.utils import tenant_context
from PIL import Image

from documents.models import Document, SigningGrant
from documents.services.sealing import document_seal_execute
from documents.services.signers import person_appearance_pdf
from documents.services.versions import document_upload
from seals.image import DrawnSignatureRefused, drawn_signature_clean, drawn_signature_pdf
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import TYPED_SIGNATURE_FORM, drawn_signature_form, drawn_signature_png
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send
from workflows.links import party_link_token
from workflows.models import EnvelopeEvent, Party

pytestmark = pytest.mark.django_db

AGENT = "Mozilla/5.0 (Linux; Android 14; Pixel 8) Mobile"


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def _ink_pixels(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    return sum(1 for r, g, b, a in image.get_flattened_data() if a > 128 and b > r + 40)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GIF89a" + b"\0" * 100, "not_png"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not_png"),
        (_png(Image.new("RGB", (600, 240), "white")), "not_transparent"),
        (_png(Image.new("RGBA", (600, 240), (0, 0, 0, 0))), "empty"),
        (_png(Image.new("RGBA", (3000, 240), (0, 0, 0, 0))), "dimensions"),
        (_png(Image.new("RGBA", (10, 10), (0, 0, 0, 255))), "dimensions"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 400_000, "too_large"),
    ],
)
def test_a_drawing_that_is_no_usable_transparent_png_is_refused(data, reason):
    with pytest.raises(DrawnSignatureRefused) as refused:
        drawn_signature_clean(data)
    assert refused.value.reason == reason


def test_a_drawing_is_cropped_to_its_ink_and_stays_transparent():
    clean = drawn_signature_clean(drawn_signature_png())
    image = Image.open(io.BytesIO(clean))
    assert image.format == "PNG" and image.mode == "RGBA"
    assert image.size[0] < 600 and image.size[1] < 240
    assert image.getpixel((0, 0))[3] == 0  # the background stays transparent
    assert _ink_pixels(clean) > 100


def test_the_appearance_shows_the_drawing_above_the_line():
    pdf = drawn_signature_pdf(drawn_signature_clean(drawn_signature_png()), "张三 · 2026-12-06")
    document = pypdfium2.PdfDocument(pdf)
    try:
        rendered = document[0].render(scale=3).to_pil()
    finally:
        document.close()
    out = io.BytesIO()
    rendered.convert("RGBA").save(out, format="PNG")
    assert _ink_pixels(out.getvalue()) > 200


@pytest.fixture
def person_link(cast, django_capture_on_commit_callbacks, tasks_run_here):
    alpha = cast[0]
    with tenant_context(alpha.company):
        document = document_upload(name="lease.pdf", data=make_pdf(1), acting_user=alpha.user)
        envelope = envelope_create(document=Document.objects.get(pk=document.pk), name="Lease", acting_user=alpha.user)
        party = envelope_party_add(
            envelope=envelope, kind="person", order=1, name="张三", email="zhangsan@example.com", acting_user=alpha.user
        )
        envelope_field_add(party=party, page=0, x=300, y=80, acting_user=alpha.user)
        # A company after the person: the envelope stays open once the person has signed.
        bravo = cast[1]
        company = envelope_party_add(
            envelope=envelope,
            kind="company",
            order=2,
            uscc=bravo.company.uscc,
            email=bravo.user.email,
            acting_user=alpha.user,
        )
        envelope_field_add(party=company, page=0, x=100, y=80, acting_user=alpha.user)
        envelope_send(envelope=envelope, owner=alpha.company, acting_user=alpha.user)
        token = party_link_token(Party.objects.get(pk=party.pk))
    browser = client_on(None, HTTP_ACCEPT_LANGUAGE="en", HTTP_USER_AGENT=AGENT)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert browser.post(f"/sign/{token}/code/").status_code == 302
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
    assert browser.post(f"/sign/{token}/verify/", {"code": code}).status_code == 302
    return alpha, party, token, browser


def test_the_sign_page_offers_the_pad_the_typed_name_and_the_consent(person_link):
    _alpha, _party, token, browser = person_link
    body = browser.get(f"/sign/{token}/").content.decode()
    assert 'id="signature-canvas"' in body and 'name="typed_name"' in body and 'value="张三"' in body
    assert "I, 张三, agree to sign this document electronically." in body
    assert 'name="consent" value="yes" required' in body
    assert "/static/sealhub/signature-pad.js" in body
    assert "<script>" not in body and "onclick=" not in body  # scripts from files only (CSP)
    chinese = client_on(None, HTTP_ACCEPT_LANGUAGE="zh-hans")
    chinese.cookies = browser.cookies
    assert "本人张三同意以电子方式签署本文件" in chinese.get(f"/sign/{token}/").content.decode()


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({**drawn_signature_form(), "consent": ""}, "Confirm the statement above the signature first."),
        ({**TYPED_SIGNATURE_FORM, "consent": ""}, "Confirm the statement above the signature first."),
        ({"consent": "yes", "signature_mode": "draw", "signature_png": ""}, "The signature pad is empty."),
        (
            {"consent": "yes", "signature_mode": "draw", "signature_png": "data:image/gif;base64,R0lGOD"},
            "The drawing could not be read.",
        ),
        (
            {"consent": "yes", "signature_mode": "draw", "signature_png": "data:image/png;base64,%%%"},
            "The drawing could not be read.",
        ),
        (
            {
                "consent": "yes",
                "signature_mode": "draw",
                "signature_png": "data:image/png;base64,"
                + base64.b64encode(_png(Image.new("RGBA", (600, 240), (0, 0, 0, 0)))).decode(),
            },
            "The signature pad is empty.",
        ),
        ({"consent": "yes", "signature_mode": "type", "typed_name": "  \x07 "}, "Draw your signature, or type"),
    ],
)
def test_no_consent_or_no_usable_signature_signs_nothing(person_link, form, message):
    alpha, party, token, browser = person_link
    page = browser.post(f"/sign/{token}/submit/", form, follow=True)
    assert message in page.content.decode()
    with tenant_context(alpha.company):
        assert not SigningGrant.objects.filter(envelope_party_id=party.pk).exists()
        assert not EnvelopeEvent.objects.filter(envelope_id=party.envelope_id, action="consent_given").exists()


def test_a_drawn_signature_is_recorded_with_the_consent_and_shown_in_the_signed_pdf(person_link):
    alpha, party, token, browser = person_link
    assert browser.post(f"/sign/{token}/submit/", drawn_signature_form()).status_code == 302
    with tenant_context(alpha.company):
        grant = SigningGrant.objects.get(envelope_party_id=party.pk)
        consent = EnvelopeEvent.objects.get(envelope_id=party.envelope_id, action="consent_given")
        assert consent.user_agent == AGENT and consent.ip_address == "127.0.0.1" and consent.occurred_at
        assert consent.data["statement"].startswith("I, 张三, agree to sign this document electronically.")
        assert consent.data["signature"] == "drawn" and len(consent.data["signature_sha256"]) == 64
        assert bytes(grant.signature_png) == drawn_signature_clean(drawn_signature_png())
        assert grant.evidence["consent"] is True
        appearance = person_appearance_pdf(grant)
        if grant.status == SigningGrant.Status.PENDING:
            document_seal_execute(grant_id=grant.pk)
            grant.refresh_from_db()
        assert grant.status == SigningGrant.Status.DONE, grant.error
        version = Document.objects.get(pk=party.envelope.document_id).current_version
        assert version.grant_id == grant.pk
    assert b"/Image" in appearance or b"/XObject" in appearance
    # The page afterwards: the image of the signed version (a new address, not a cached one),
    # with the drawing's blue ink where the field is.
    body = browser.get(f"/sign/{token}/").content.decode()
    assert f"?w=900&amp;v={version.number}" in body
    assert "placed static done" in body
    page = browser.get(f"/sign/{token}/pages/0.png?w=900&v={version.number}")
    assert page.status_code == 200 and _ink_pixels(page.content) > 50


def test_a_typed_name_is_the_keyboard_alternative(person_link):
    alpha, party, token, browser = person_link
    form = {**TYPED_SIGNATURE_FORM, "typed_name": "Zhang San"}
    assert browser.post(f"/sign/{token}/submit/", form).status_code == 302
    with tenant_context(alpha.company):
        grant = SigningGrant.objects.get(envelope_party_id=party.pk)
        assert not grant.signature_png and grant.evidence["typed_name"] == "Zhang San"
        consent = EnvelopeEvent.objects.get(envelope_id=party.envelope_id, action="consent_given")
        assert consent.data["signature"] == "typed" and consent.data["typed_name"] == "Zhang San"
