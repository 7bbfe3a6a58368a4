"""Sealing OFD documents in the product: the same placements, willingness check and sealing
job as PDF; the sealed OFD is the new version, VALID for the product's verifier and for the
tests' independent checker (tests/ofd/independent.py, a different SM2 implementation)."""

from __future__ import annotations

import io
import zipfile

import pytest
from asn1crypto import pem as asn1_pem
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context
from PIL import Image

from accounts.models import AuthenticatorDevice, Membership
from config.errors import ApplicationError
from documents.models import SigningGrant
from documents.pdf.ofd import seal_ofd_version
from documents.services import versions
from documents.services.placements import placement_add, placement_add_cross_page
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.signers import person_ofd_signer
from documents.services.versions import document_upload
from documents.verification import document_verify, report_as_dict
from sealcore import national_format as nf
from sealcore import sm2
from sealcore.ofd import render
from seals.services import national_person_certificate_issue, seal_application_approve
from tenants.services import api_key_create
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.ofd import independent, writer
from tests.seals.test_seal_lifecycle import _apply

pytestmark = pytest.mark.django_db

PASSWORD = "Seal-pass-2026"


@pytest.fixture
def seals(approved_alpha, world):
    first = seal_application_approve(application=_apply(approved_alpha, world.alice), acting_user=world.alice)
    second = seal_application_approve(
        application=_apply(approved_alpha, world.alice, seal_type="finance", seal_name="Alpha Ltd 财务专用章"),
        acting_user=world.alice,
    )
    return first, second


@pytest.fixture
def device(world):
    return enrol_authenticator(world.alice)[0]


def _seal(world, device, document, seal, step: int = 1):
    AuthenticatorDevice.objects.filter(pk=device.pk).update(last_t=-1)  # a fresh code for each seal
    grant = document_seal_request(
        document=document,
        company=world.alpha,
        seal_id=seal.pk,
        user=world.alice,
        seal_password=PASSWORD,
        otp_method="authenticator",
        otp_code=totp_now(device, 0),
    )
    return grant, document_seal_execute(grant_id=grant.pk)


def _bytes(version) -> bytes:
    with version.file.open("rb") as handle:
        return handle.read()


def _verified(data: bytes) -> dict:
    return report_as_dict(document_verify(data=data))


def test_two_seals_in_turn_and_a_cross_page_seal_verify_for_both_checkers(world, seals, device, monkeypatch):
    first, second = seals
    emitted = []
    monkeypatch.setattr(versions, "webhook_event_emit", lambda **event: emitted.append(event))
    with tenant_context(world.alpha):
        document = document_upload(name="合同.ofd", data=writer.build_ofd(pages=3), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=first.pk, page=2, x=380, y=80, acting_user=world.alice
        )
        placement_add(
            document=document, company=world.alpha, seal_id=first.pk, page=0, x=60, y=500, acting_user=world.alice
        )
        grant, version = _seal(world, device, document, first, step=1)
        assert grant.pk and version is not None, SigningGrant.objects.get(pk=grant.pk).error
        assert version.number == 2 and version.format == "ofd" and version.signature_count == 1
        assert version.file.name.endswith(".ofd")
        once = _bytes(version)
        report = _verified(once)
        assert report["kind"] == "ofd" and report["verdict"] == "valid", report
        (signature,) = report["national"]
        assert signature["seal_name"] == first.name
        (checked,) = independent.check(once)
        assert independent.all_good(checked), checked
        # The stamp annotations sit where the seal was placed: x 380 pt from the left on page 3.
        entries = zipfile.ZipFile(io.BytesIO(once))
        signature_xml = entries.read("Doc_0/Signs/Sign_0/Signature.xml").decode()
        assert signature_xml.count("<ofd:StampAnnot ") == 2 and 'PageRef="12"' in signature_xml
        assert f'Boundary="{round(380 / 72 * 25.4, 3):g} ' in signature_xml
        # The page image of the sealed version shows the seal face there (1 px per mm).
        image = Image.open(io.BytesIO(render.render_page_png(once, 2, width_px=210))).convert("RGB")
        face = image.crop((136, 230, 174, 266))
        red = [pixel for pixel in face.get_flattened_data() if pixel[0] > 150 and pixel[1] < 110 and pixel[2] < 110]
        assert len(red) > 60  # the seal face is there (an unsealed page has none)

        document.refresh_from_db()
        placement_add_cross_page(document=document, company=world.alpha, seal_id=second.pk, acting_user=world.alice)
        grant, version = _seal(world, device, document, second, step=2)
        assert version is not None, SigningGrant.objects.get(pk=grant.pk).error
        twice = _bytes(version)
        report = _verified(twice)
        assert report["verdict"] == "valid", report
        assert [item["seal_name"] for item in report["national"]] == [first.name, second.name]
        checked = independent.check(twice)
        assert [independent.all_good(item) for item in checked] == [True, True], checked
        # The later signature protects the earlier one's files; the cross-page seal shows on all pages.
        assert {"Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_0/SignedValue.dat"} <= set(
            checked[1]["protected"]
        )
        cross = zipfile.ZipFile(io.BytesIO(twice)).read("Doc_0/Signs/Sign_1/Signature.xml").decode()
        assert cross.count("Clip=") == 3
        assert version.signature_count == 2
    assert [event["data"]["format"] for event in emitted] == ["ofd", "ofd"]


def test_changing_a_protected_file_or_the_signed_value_makes_it_invalid(world, seals, device):
    first, _second = seals
    with tenant_context(world.alpha):
        document = document_upload(name="a.ofd", data=writer.build_ofd(pages=1), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=first.pk, page=0, x=380, y=80, acting_user=world.alice
        )
        _grant, version = _seal(world, device, document, first)
        sealed = _bytes(version)
    page = writer.replace_entry(sealed, "Doc_0/Pages/Page_0/Content.xml", writer.content_xml("改过的发票"))
    assert _verified(page)["verdict"] == "invalid"
    value = zipfile.ZipFile(io.BytesIO(sealed)).read("Doc_0/Signs/Sign_0/SignedValue.dat")
    flipped = value[:-10] + bytes([value[-10] ^ 1]) + value[-9:]
    assert _verified(writer.replace_entry(sealed, "Doc_0/Signs/Sign_0/SignedValue.dat", flipped))["verdict"] in (
        "invalid",
        "cannot_verify",
    )
    assert not independent.all_good(
        independent.check(writer.replace_entry(sealed, "Doc_0/Pages/Page_0/Content.xml", b"x"))[0]
    )


def test_a_seal_that_does_not_fit_fails_at_once_with_a_specific_message(world, seals, device):
    first, _second = seals
    with tenant_context(world.alpha):
        document = document_upload(name="a.ofd", data=writer.build_ofd(pages=1), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=first.pk, page=0, x=380, y=80, acting_user=world.alice
        )
        # The placement moved off the page after it was checked (as a stale grant would carry it).
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=first.pk,
            user=world.alice,
            seal_password=PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
        SigningGrant.objects.filter(pk=grant.pk).update(
            placements=[{"page": 0, "x": 590, "y": 80, "width": 120, "height": 120, "kind": "single"}]
        )
        assert document_seal_execute(grant_id=grant.pk) is None
        grant.refresh_from_db()
        assert grant.status == "failed" and grant.error == "ofd_bad_placement"
        assert "does not fit" in str(grant.error_message) or "超出" in str(grant.error_message)
        assert document.versions.count() == 1


def test_a_seal_without_national_seal_data_is_refused_before_the_willingness_check(world, seals, device):
    first, _second = seals
    with tenant_context(world.alpha):
        first.national_seal_der = None
        first.save(update_fields=["national_seal_der"])
        document = document_upload(name="a.ofd", data=writer.build_ofd(pages=1), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=first.pk, page=0, x=380, y=80, acting_user=world.alice
        )
        with pytest.raises(ApplicationError) as raised:
            _seal(world, device, document, first)
        assert raised.value.code == "ofd_no_national_seal"
        assert not SigningGrant.objects.exists()
        assert Membership.objects.filter(user=world.alice).exists()


def test_the_api_signs_an_ofd_without_appearance_as_type_sign_after_a_seal(world, seals, device):
    first, second = seals
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="ofd", scopes=["documents", "seals"], acting_user=world.alice
        )
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")
    created = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("a.ofd", writer.build_ofd(pages=2))})
    document_id = created.json()["id"]
    placed = api.post(
        f"/api/v1/documents/{document_id}/placements/",
        {"seal_id": str(first.pk), "page": 1, "x": 380, "y": 80},
        content_type="application/json",
    )
    assert placed.status_code == 201, placed.content

    def seal(seal_id, **extra):
        AuthenticatorDevice.objects.filter(pk=device.pk).update(last_t=-1)
        body = {
            "seal_id": str(seal_id),
            "seal_password": PASSWORD,
            "otp_method": "authenticator",
            "otp_code": totp_now(device, 0),
            **extra,
        }
        response = api.post(f"/api/v1/documents/{document_id}/seal/", body, content_type="application/json")
        assert response.status_code == 202, response.content
        with tenant_context(world.alpha):
            return document_seal_execute(grant_id=response.json()["id"])

    assert seal(first.pk) is not None
    version = seal(second.pk, appearance=False)
    assert version is not None and version.number == 3
    with tenant_context(world.alpha):
        data = _bytes(version)
    report = _verified(data)
    assert report["verdict"] == "valid", report
    checked = independent.check(data)
    assert [independent.all_good(item) for item in checked] == [True, True], checked
    listing = zipfile.ZipFile(io.BytesIO(data)).read("Doc_0/Signs/Signatures.xml").decode()
    assert 'Type="Seal"' in listing and 'Type="Sign"' in listing
    assert "StampAnnot" not in zipfile.ZipFile(io.BytesIO(data)).read("Doc_0/Signs/Sign_1/Signature.xml").decode()
    download = api.get(f"/api/v1/documents/{document_id}/versions/3/download/")
    assert download["Content-Type"] == "application/ofd" and 'filename="a-v3.ofd"' in download["Content-Disposition"]
    # A PDF cannot be signed without a visible seal.
    pdf = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("b.pdf", make_pdf(1))}).json()["id"]
    refused = api.post(
        f"/api/v1/documents/{pdf}/seal/",
        {
            "seal_id": str(first.pk),
            "seal_password": PASSWORD,
            "otp_method": "authenticator",
            "otp_code": "123456",
            "appearance": False,
        },
        content_type="application/json",
    )
    assert refused.status_code == 400 and refused.json()["type"] == "appearance_required"


def test_the_document_page_offers_a_signature_without_appearance_for_an_ofd_only(world, seals, device):
    first, _second = seals
    client = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    with tenant_context(world.alpha):
        ofd = document_upload(name="a.ofd", data=writer.build_ofd(pages=1), acting_user=world.alice)
        pdf = document_upload(name="b.pdf", data=make_pdf(1), acting_user=world.alice)
    assert "Sign without a visible seal" in client.get(f"/documents/{ofd.pk}/").content.decode()
    assert "Sign without a visible seal" not in client.get(f"/documents/{pdf.pk}/").content.decode()
    AuthenticatorDevice.objects.filter(pk=device.pk).update(last_t=-1)
    response = client.post(
        f"/documents/{ofd.pk}/seal/",
        {
            "seal": str(first.pk),
            "seal_password": PASSWORD,
            "otp_method": "authenticator",
            "otp_code": totp_now(device, 0),
            "without_appearance": "on",
        },
    )
    assert response.status_code == 302 and "grant=" in response["Location"], response["Location"]
    with tenant_context(world.alpha):
        grant = SigningGrant.objects.get(document=ofd)
        assert grant.placements == [] and grant.evidence["appearance"] is False
        version = document_seal_execute(grant_id=grant.pk)
        data = _bytes(version)
    assert _verified(data)["verdict"] == "valid"
    (checked,) = independent.check(data)
    assert independent.all_good(checked) and checked
    assert 'Type="Sign"' in zipfile.ZipFile(io.BytesIO(data)).read("Doc_0/Signs/Signatures.xml").decode()


def test_a_person_who_typed_their_name_signs_an_ofd_with_it_as_a_personal_seal(world):
    key_pair = sm2.generate_key_pair()
    certificate_der = national_person_certificate_issue(
        name="李四", email="lisi@example.com", public_key=key_pair.public_key
    )
    grant = SigningGrant(
        user_label="李四",
        evidence={"typed_name": "李四"},
        certificate_pem=asn1_pem.armor("CERTIFICATE", certificate_der).decode(),
    )
    signer = person_ofd_signer(grant, key_pair.to_bytes())
    data = writer.build_ofd()
    info = versions.document_inspect_upload(data)[1]
    pages = [page.__dict__ for page in info.pages]
    signed = seal_ofd_version(
        data,
        signer=signer,
        placements=[{"page": 0, "x": 300, "y": 100, "width": 142, "height": 57}],
        pages=pages,
        timestamping=None,
    )
    report = _verified(signed)
    assert report["verdict"] == "valid", report
    assert report["national"][0]["seal_name"] == "李四" and "李四" in report["national"][0]["signer"]
    assert independent.all_good(independent.check(signed)[0])
    seal = nf.parse_signature(_signed_value(signed)).seal
    assert seal.seal_type == nf.SEAL_TYPE_PERSONAL and (seal.width_mm, seal.height_mm) == (50, 20)
    picture = Image.open(io.BytesIO(seal.picture)).convert("RGBA")
    assert sum(1 for pixel in picture.get_flattened_data() if pixel[3] > 128) > 500  # the typed name, in ink


def _signed_value(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("Doc_0/Signs/Sign_0/SignedValue.dat")
