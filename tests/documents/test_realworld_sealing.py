"""The real-world corpus (tests/documents/realworld_corpus.py) through the real path:
upload (sandboxed check) → placement → signing grant → the sealing job. Every refusal is
said at upload or at placement in the user's language; what is accepted gets sealed and
validates independently; a refusal the job meets anyway fails at once, without retries."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader

from config.errors import ApplicationError
from documents.models import DocumentVersion, SigningGrant
from documents.pdf.inspect import PageBox
from documents.pdf.sign import stamp_and_sign
from documents.pdf.verify import VALID, verify_pdf
from documents.services.placements import (
    placement_add,
    placement_add_cross_page,
    placement_update,
    placements_as_data,
)
from documents.services.sealing import document_seal_execute, signing_grant_create
from documents.services.versions import document_upload
from documents.tasks import document_seal
from seals import pki
from seals.services import seal_application_approve, seal_application_submit, seal_private_key_unlock
from tenants.services import api_key_create
from tests.conftest import client_on
from tests.documents.realworld_checks import assert_independently_valid, field_area_difference
from tests.documents.realworld_corpus import (
    author,
    author_signed,
    certified_with_prepared_field,
    corpus,
    reportlab_pdf,
    widget_rects,
)
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


CASES = {case.name: case for case in corpus()}
SEAL_PASSWORD = "Seal-pass-2026"


@pytest.fixture
def seal(approved_alpha, world):
    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password=SEAL_PASSWORD,
        business_licence=licence(),
    )
    return seal_application_approve(application=application, acting_user=world.alice)


def _roots():
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    ours = asn1_x509.Certificate.load(pki.certificate(pki.Role.ROOT).public_bytes(serialization.Encoding.DER))
    return [ours, author().root_asn1]


def _place(world, seal, document):
    version = document.current_version
    if version.prepared_fields:  # a certified document: on the author's field (placement fits it in)
        field = version.prepared_fields[0]
        return placement_add(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            page=field["page"],
            x=field["left"],
            y=field["bottom"],
            acting_user=world.alice,
        )
    box = PageBox(**version.pages[0])
    return placement_add(
        document=document,
        company=world.alpha,
        seal_id=seal.pk,
        page=0,
        x=box.left + box.width * 0.3,
        y=box.bottom + box.height * 0.2,
        acting_user=world.alice,
    )


def _grant(world, seal, document):
    return signing_grant_create(
        document=document,
        seal_id=seal.pk,
        user_id=world.alice.pk,
        user_label=str(world.alice),
        placements=placements_as_data(list(document.placements.all())),
        secret=seal_private_key_unlock(seal=seal, user=world.alice, seal_password=SEAL_PASSWORD),
        evidence={"method": "test"},
    )


def statuses_fields(data: bytes) -> list:
    return list(PdfFileReader(io.BytesIO(data)).embedded_signatures)


def _stored(version) -> bytes:
    with version.file.open("rb") as handle:
        return handle.read()


def test_every_sealable_file_is_sealed_through_the_job_and_validates(world, seal):
    sealable = [case for case in CASES.values() if case.expect == "seal"]
    assert len(sealable) >= 30
    with tenant_context(world.alpha):
        for case in sealable:
            document = document_upload(name=f"{case.name}.pdf", data=case.data, acting_user=world.alice)
            kinds = list(document.versions.values_list("kind", flat=True))
            if "repair" in case.tags:
                assert kinds == ["original", "repaired"], case.name
            else:
                assert kinds == ["original"], case.name
            _place(world, seal, document)
            grant = _grant(world, seal, document)
            version = document_seal_execute(grant_id=grant.pk)
            assert version is not None and version.kind == DocumentVersion.Kind.SEALED, case.name
            sealed = _stored(version)
            statuses = assert_independently_valid(sealed, trust_roots=_roots())
            if case.certified:
                assert statuses[0].docmdp_ok is True, case.name
                assert statuses[0].modification_level.name in ("LTA_UPDATES", "FORM_FILLING"), case.name
            before = _stored(document.versions.get(number=version.number - 1))
            rects = widget_rects(before)
            for field_name in case.form_fields:
                changed, _ink = field_area_difference(before, sealed, rects[field_name][1])
                assert changed <= 0.005, f"{case.name}: {field_name} looks different after sealing"


def test_every_file_refused_at_upload_is_refused_with_its_reason_and_nothing_stored(world):
    refused = [case for case in CASES.values() if case.expect == "refuse_upload"]
    assert len(refused) >= 8
    with tenant_context(world.alpha):
        for case in refused:
            with pytest.raises(ApplicationError) as refusal:
                document_upload(name=f"{case.name}.pdf", data=case.data, acting_user=world.alice)
            assert refusal.value.status == 400 and refusal.value.code == f"pdf_{case.code}", case.name
            assert "try again" not in refusal.value.message, case.name
        assert not DocumentVersion.objects.exists()


def test_every_file_refused_at_placement_is_refused_there_with_its_reason(world, seal):
    refused = [case for case in CASES.values() if case.expect == "refuse_placement"]
    assert len(refused) >= 8
    with tenant_context(world.alpha):
        for case in refused:
            document = document_upload(name=f"{case.name}.pdf", data=case.data, acting_user=world.alice)
            assert document.current_version.sealing_refusal == case.code, case.name
            with pytest.raises(ApplicationError) as refusal:
                _place(world, seal, document)
            assert refusal.value.status == 409 and refusal.value.code == f"document_{case.code}", case.name
            assert "try again" not in refusal.value.message, case.name
            if case.code == "locked_by_signature":  # the message names the signature holding the lock
                assert f"“{document.current_version.sealing_refusal_detail}”" in refusal.value.message
            assert not document.placements.exists()


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("user-password", "needs a password to open"),
        ("owner-password-no-modify", "do not allow changing the document and commenting and filling in form fields"),
        ("owner-password-annotate-only", "do not allow changing the document,"),
    ],
)
def test_refused_at_upload_with_the_reason_and_nothing_stored(world, name, words):
    with tenant_context(world.alpha):
        with pytest.raises(ApplicationError) as refused:
            document_upload(name="x.pdf", data=CASES[name].data, acting_user=world.alice)
        assert refused.value.status == 400
        assert words in refused.value.message
        assert not DocumentVersion.objects.exists()


def test_refusal_at_upload_in_chinese(world):
    with tenant_context(world.alpha), translation.override("zh-hans"), pytest.raises(ApplicationError) as refused:
        document_upload(name="x.pdf", data=CASES["owner-password-print-only"].data, acting_user=world.alice)
    assert "更改文档" in refused.value.message and "注释和填写表单域" in refused.value.message


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("certified-p1", "forbids any change"),
        ("certified-p1-prepared-field", "forbids any change"),
        ("certified-p2", "allows signing only in the signature fields the author prepared, and none is free"),
        ("certified-p3", "allows signing only in the signature fields the author prepared, and none is free"),
        ("fieldmdp-lock-no-changes", "The signature “AuthorSignature” locks this document"),
        ("fieldmdp-lock-all", "The signature “AuthorSignature” locks this document"),
        ("certified-p2-prepared-field-locked", "The signature “Witness” locks this document"),
    ],
)
def test_author_forbids_changes_refused_at_placement(world, seal, name, words):
    with tenant_context(world.alpha):
        document = document_upload(name="x.pdf", data=CASES[name].data, acting_user=world.alice)
        with pytest.raises(ApplicationError) as refused:
            _place(world, seal, document)
        assert refused.value.status == 409 and words in refused.value.message
        assert not document.placements.exists()


def test_cross_page_seal_refused_at_placement_on_a_signed_file(world, seal):
    with tenant_context(world.alpha):
        data = author_signed(reportlab_pdf(3))
        document = document_upload(name="x.pdf", data=data, acting_user=world.alice)
        with pytest.raises(ApplicationError) as refused:
            placement_add_cross_page(document=document, company=world.alpha, seal_id=seal.pk, acting_user=world.alice)
        assert "cross-page seal" in refused.value.message


def test_a_refusal_met_by_the_job_fails_at_once_with_its_reason_and_no_retry(world, seal, monkeypatch):
    """A document accepted before these checks existed (no refusal recorded): the job runs
    the same checks, and its permanent refusal is not retried."""
    with tenant_context(world.alpha):
        document = document_upload(name="x.pdf", data=CASES["certified-p1"].data, acting_user=world.alice)
        DocumentVersion.objects.filter(pk=document.current_version_id).update(sealing_refusal="")
        document.refresh_from_db()
        _place(world, seal, document)
        grant = _grant(world, seal, document)
        calls = []

        def counted(*args, **kwargs):
            calls.append(1)
            return stamp_and_sign(*args, **kwargs)

        monkeypatch.setattr("documents.services.sealing.stamp_and_sign", counted)
        result = document_seal.apply(args=[str(grant.pk)])
        assert result.successful() and len(calls) == 1
        grant.refresh_from_db()
        assert grant.status == SigningGrant.Status.FAILED
        assert grant.error == "certified_no_changes"
        assert "forbids any change" in grant.error_message and "try again" not in grant.error_message
        assert document.versions.count() == 1


def test_a_transient_failure_is_still_retried(world, seal, monkeypatch):
    calls = []

    def unavailable(*args, **kwargs):
        calls.append(1)
        raise OSError("storage briefly unavailable")

    with tenant_context(world.alpha):
        document = document_upload(name="x.pdf", data=reportlab_pdf(1), acting_user=world.alice)
        _place(world, seal, document)
        grant = _grant(world, seal, document)
        monkeypatch.setattr("documents.services.sealing.stamp_and_sign", unavailable)
        result = document_seal.apply(args=[str(grant.pk)])
        grant.refresh_from_db()
    assert not result.successful() and len(calls) == 4  # the first try and three retries
    assert grant.status == SigningGrant.Status.FAILED and grant.error == "failed"


def test_a_certified_document_takes_the_seal_only_in_a_field_its_author_prepared(world, seal):
    """DocMDP P2: pyHanko's difference analysis accepts filling a prepared signature field
    after a certification, not a new visible one; placement keeps the seal in the field."""
    with tenant_context(world.alpha):
        document = document_upload(
            name="x.pdf", data=CASES["certified-p2-prepared-field"].data, acting_user=world.alice
        )
        version = document.current_version
        assert version.sealing_refusal == ""
        assert version.prepared_fields == [
            {"name": "SignHere", "page": 0, "left": 300.0, "bottom": 72.0, "right": 460.0, "top": 122.0}
        ]
        with pytest.raises(ApplicationError) as refused:
            placement_add(
                document=document, company=world.alpha, seal_id=seal.pk, page=0, x=100, y=600, acting_user=world.alice
            )
        assert refused.value.code == "placement_outside_prepared_fields"
        assert "“SignHere” on page 1" in refused.value.message
        with pytest.raises(ApplicationError) as cross_page:
            placement_add_cross_page(document=document, company=world.alpha, seal_id=seal.pk, acting_user=world.alice)
        assert "cross-page seal draws on every page, which the certification forbids" in cross_page.value.message
        assert not document.placements.exists()

        placement = placement_add(
            document=document, company=world.alpha, seal_id=seal.pk, page=0, x=280, y=60, acting_user=world.alice
        )
        assert placement.field_name == "SignHere"
        assert (placement.x, placement.y, placement.width, placement.height) == (355.0, 72.0, 50.0, 50.0)
        with pytest.raises(ApplicationError) as moved:
            placement_update(placement=placement, x=100, y=600, width=50, acting_user=world.alice)
        assert moved.value.code == "placement_in_prepared_field"

        version = document_seal_execute(grant_id=_grant(world, seal, document).pk)
        sealed = _stored(version)
        statuses = assert_independently_valid(sealed, trust_roots=_roots())
        assert statuses[0].docmdp_ok is True and statuses[0].modification_level.name == "FORM_FILLING"
        assert [signature.field_name for signature in statuses_fields(sealed)] == ["AuthorSignature", "SignHere"]
        report = verify_pdf(sealed, trust_roots=_roots(), appearances=False)
        assert report.verdict == VALID, report.reasons

        # the only prepared field is filled now: the next seal is refused at placement
        document.refresh_from_db()
        assert document.current_version.prepared_fields == []
        assert document.current_version.sealing_refusal == "certified_fields_only"
        with pytest.raises(ApplicationError) as full:
            _place(world, seal, document)
        assert full.value.code == "document_certified_fields_only"


def test_certified_refusals_in_chinese(world, seal):
    data = certified_with_prepared_field(reportlab_pdf(1), locked_by_witness=True)
    with tenant_context(world.alpha), translation.override("zh-hans"):
        document = document_upload(name="x.pdf", data=data, acting_user=world.alice)
        with pytest.raises(ApplicationError) as locked:
            _place(world, seal, document)
        assert "“Witness”" in locked.value.message and "锁定" in locked.value.message
        other = document_upload(name="y.pdf", data=CASES["certified-p2-prepared-field"].data, acting_user=world.alice)
        with pytest.raises(ApplicationError) as outside:
            placement_add(
                document=other, company=world.alpha, seal_id=seal.pk, page=0, x=100, y=600, acting_user=world.alice
            )
        assert "认证" in outside.value.message and "第 1 页" in outside.value.message


def test_the_api_shows_the_prepared_fields_and_fits_a_placement_into_one(world, seal):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(company=world.alpha, name="k", scopes=["documents"], acting_user=world.alice)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")
    upload = api.post(
        "/api/v1/documents/",
        {"file": SimpleUploadedFile("c.pdf", CASES["certified-p3-prepared-field"].data)},
    )
    assert upload.status_code == 201, upload.content
    body = upload.json()
    field = {"name": "SignHere", "page": 0, "left": 300.0, "bottom": 72.0, "right": 460.0, "top": 122.0}
    assert body["current_version"]["prepared_fields"] == [field]
    url = f"/api/v1/documents/{body['id']}/placements/"
    outside = api.post(url, {"seal_id": str(seal.pk), "page": 0, "x": 50, "y": 500}, content_type="application/json")
    assert outside.status_code == 400 and outside.json()["type"] == "placement_outside_prepared_fields"
    placed = api.post(url, {"seal_id": str(seal.pk), "page": 0, "x": 320, "y": 80}, content_type="application/json")
    assert placed.status_code == 201, placed.content
    assert placed.json()["field_name"] == "SignHere" and placed.json()["width"] == 50.0
    plain = api.post("/api/v1/documents/", {"file": SimpleUploadedFile("p.pdf", reportlab_pdf(1))}).json()
    assert plain["current_version"]["prepared_fields"] is None


def test_the_document_page_says_where_a_certified_document_takes_a_seal(world):
    with tenant_context(world.alpha):
        document = document_upload(
            name="c.pdf", data=CASES["certified-p2-prepared-field"].data, acting_user=world.alice
        )
        plain = document_upload(name="p.pdf", data=reportlab_pdf(1), acting_user=world.alice)
    client = client_on(world.alpha, world.alice)
    english = client.get(f"/documents/{document.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The author certified this document." in english and "“SignHere” on page 1" in english
    chinese = client.get(f"/documents/{document.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "作者已对本文档进行认证签名。" in chinese and "第 1 页的“SignHere”" in chinese
    assert 'id="certified-fields"' not in client.get(f"/documents/{plain.pk}/").content.decode()
