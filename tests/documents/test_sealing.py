"""Upload → place → confirm (seal password + one-time code) → worker seals a new version."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from config.errors import ApplicationError
from documents.models import Document, DocumentVersion, SigningGrant
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from seals.services import seal_application_approve, seal_application_submit
from tests.accounts.conftest import last_code
from tests.conftest import enrol_authenticator, totp_now
from tests.documents.pdfs import covers_whole_file, make_pdf
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db


@pytest.fixture
def seal(approved_alpha, world):
    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    return seal_application_approve(application=application, acting_user=world.alice)


def _validation_context():
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko_certvalidator import ValidationContext

    from seals import pki

    root = asn1_x509.Certificate.load(pki.certificate(pki.Role.ROOT).public_bytes(serialization.Encoding.DER))
    return ValidationContext(trust_roots=[root], allow_fetching=False)


def _prepare(world, seal, pages=1):
    with tenant_context(world.alpha):
        document = document_upload(name="contract.pdf", data=make_pdf(pages), acting_user=world.alice)
        placement_add(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            page=pages - 1,
            x=380,
            y=80,
            acting_user=world.alice,
        )
    return document


def test_confirmed_seal_produces_a_valid_new_version(world, seal, django_capture_on_commit_callbacks):
    device, _codes = enrol_authenticator(world.alice)
    document = _prepare(world, seal)
    with tenant_context(world.alpha), django_capture_on_commit_callbacks(execute=False) as callbacks:
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
    # The task is queued after commit, with the grant id only (the audit trail links its new
    # row on commit too).
    assert len([c for c in callbacks if "on_commit_enqueue" in c.__qualname__]) == 1
    with tenant_context(world.alpha):
        version = document_seal_execute(grant_id=grant.pk)
        assert version.number == 2 and version.signature_count == 1
        assert document_seal_execute(grant_id=grant.pk) == version  # a retry does not seal twice
        assert DocumentVersion.objects.filter(document=document).count() == 2
        grant.refresh_from_db()
        assert grant.status == "done" and grant.wrapped_data_key is None
        original = DocumentVersion.objects.get(document=document, number=1)
        with original.file.open("rb") as handle:
            original_bytes = handle.read()
        with version.file.open("rb") as handle:
            signed = handle.read()
    assert version.file.name.startswith("c_alpha/documents/")
    assert signed.startswith(original_bytes)  # the original revision is untouched inside the new one
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    status = validate_pdf_signature(signature, _validation_context())
    assert status.intact and status.valid and status.trusted
    assert covers_whole_file(status)
    assert status.timestamp_validity is not None
    assert seal.code in status.signing_cert.subject.human_friendly


def test_email_code_confirms_when_there_is_no_authenticator(world, seal, django_capture_on_commit_callbacks):
    from accounts.codes import code_send
    from accounts.models import OneTimeCode

    document = _prepare(world, seal)
    with django_capture_on_commit_callbacks(execute=True):
        code_send(user=world.alice, purpose=OneTimeCode.Purpose.SEAL_USE)
    with tenant_context(world.alpha):
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="email",
            otp_code=last_code(world.alice.email),
        )
    assert grant.evidence["method"] == "email"
    assert mail.outbox


def test_email_code_is_refused_for_a_seal_when_there_is_an_authenticator(
    world, seal, django_capture_on_commit_callbacks
):
    from accounts.codes import code_send
    from accounts.models import OneTimeCode

    enrol_authenticator(world.alice)
    document = _prepare(world, seal)
    with django_capture_on_commit_callbacks(execute=True):
        code_send(user=world.alice, purpose=OneTimeCode.Purpose.SEAL_USE)
    with tenant_context(world.alpha), pytest.raises(ApplicationError) as error:
        document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="email",
            otp_code=last_code(world.alice.email),
        )
    assert error.value.code == "email_code_not_accepted"
    with tenant_context(world.alpha):
        assert not SigningGrant.objects.exists()


@pytest.mark.parametrize(
    ("password", "code", "error_code"),
    [("Wrong-pass-1", None, "seal_password_wrong"), ("Seal-pass-2026", "000000", "otp_invalid")],
)
def test_wrong_secrets_create_no_grant(world, seal, password, code, error_code):
    device, _codes = enrol_authenticator(world.alice)
    document = _prepare(world, seal)
    with tenant_context(world.alpha), pytest.raises(ApplicationError) as error:
        document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password=password,
            otp_method="authenticator",
            otp_code=code or totp_now(device, 1),
        )
    assert error.value.code == error_code
    with tenant_context(world.alpha):
        assert not SigningGrant.objects.exists()


def test_member_without_authorisation_must_ask(world, seal):
    document = _prepare(world, seal)
    with tenant_context(world.alpha), pytest.raises(ApplicationError) as error:
        document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.bob,
            seal_password="Seal-pass-2026",
            otp_method="email",
            otp_code="123456",
        )
    assert error.value.code == "seal_not_authorised"


def test_placement_must_be_on_the_page(world, seal):
    with tenant_context(world.alpha):
        document = document_upload(name="c.pdf", data=make_pdf(1), acting_user=world.alice)
        for page, x, y, code in (
            (3, 10, 10, "page_missing"),
            (0, 560, 10, "placement_outside"),
            (0, -50, 10, "placement_outside"),
        ):
            with pytest.raises(ApplicationError) as error:
                placement_add(
                    document=document,
                    company=world.alpha,
                    seal_id=seal.pk,
                    page=page,
                    x=x,
                    y=y,
                    acting_user=world.alice,
                )
            assert error.value.code == code
        assert not document.placements.exists()


def test_changed_file_is_not_sealed(world, seal):
    device, _codes = enrol_authenticator(world.alice)
    document = _prepare(world, seal)
    with tenant_context(world.alpha):
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
        DocumentVersion.objects.filter(document=document).update(sha256="0" * 64)
        assert document_seal_execute(grant_id=grant.pk) is None
        grant.refresh_from_db()
        assert grant.status == "failed" and grant.error == "fingerprint_mismatch"
        assert Document.objects.get(pk=document.pk).versions.count() == 1


def test_a_crash_mid_seal_leaves_the_original_and_the_retry_makes_one_version(world, seal, monkeypatch):
    """Fault injection: the signing step dies (as when a worker is killed or the TSA
    fails). The transaction rolls back: version 1 stays current, the grant stays pending
    with its key, and the retry produces exactly one new version."""
    import documents.services.sealing as document_services

    device, _codes = enrol_authenticator(world.alice)
    document = _prepare(world, seal, pages=2)
    real_stamp = document_services.stamp_and_sign
    calls = {"n": 0}

    def crash_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionError("timestamp authority unreachable")
        return real_stamp(*args, **kwargs)

    monkeypatch.setattr(document_services, "stamp_and_sign", crash_once)
    with tenant_context(world.alpha):
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
        with pytest.raises(ConnectionError):
            document_seal_execute(grant_id=grant.pk)
        grant.refresh_from_db()
        assert grant.status == "pending" and grant.wrapped_data_key is not None
        assert Document.objects.get(pk=document.pk).current_version.number == 1
        assert document.placements.count() == 1
        version = document_seal_execute(grant_id=grant.pk)
        document_seal_execute(grant_id=grant.pk)
        assert list(DocumentVersion.objects.filter(document=document).values_list("number", flat=True)) == [1, 2]
        assert version.signature_count == 1
        assert document.placements.count() == 0  # used up by the sealed version


def test_placing_on_text_centres_the_seal_on_each_occurrence(world, seal):
    from documents.services.placements import placement_add_at_text

    with tenant_context(world.alpha):
        document = document_upload(name="c.pdf", data=make_pdf(3), acting_user=world.alice)
        placements = placement_add_at_text(
            document=document, company=world.alpha, seal_id=seal.pk, text="seal HERE", acting_user=world.alice
        )
        assert [p.page for p in placements] == [0, 1, 2]
        centre_x = placements[0].x + placements[0].width / 2
        centre_y = placements[0].y + placements[0].height / 2
        assert 425 < centre_x < 435 and 120 < centre_y < 130  # "Seal here" is drawn at (400, 120)
        with pytest.raises(ApplicationError) as error:
            placement_add_at_text(
                document=document, company=world.alpha, seal_id=seal.pk, text="盖章处", acting_user=world.alice
            )
        assert error.value.code == "text_not_found"
        assert document.placements.count() == 3


def test_cross_page_seal_end_to_end(world, seal):
    from documents.services.placements import placement_add_cross_page

    device, _codes = enrol_authenticator(world.alice)
    with tenant_context(world.alpha):
        single = document_upload(name="one.pdf", data=make_pdf(1), acting_user=world.alice)
        with pytest.raises(ApplicationError) as error:
            placement_add_cross_page(document=single, company=world.alpha, seal_id=seal.pk, acting_user=world.alice)
        assert error.value.code == "cross_page_single_page"
        document = document_upload(name="four.pdf", data=make_pdf(4), acting_user=world.alice)
        placement_add_cross_page(document=document, company=world.alpha, seal_id=seal.pk, acting_user=world.alice)
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
        version = document_seal_execute(grant_id=grant.pk)
        with version.file.open("rb") as handle:
            signed = handle.read()
    status = validate_pdf_signature(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0], _validation_context())
    assert status.intact and status.valid and covers_whole_file(status)


def test_sealing_several_places_keeps_every_signature_valid(world, seal):
    """Regression: certifying the first of several signatures made it invalid as soon as
    the next one added its field."""
    from documents.pdf.verify import VALID, verify_pdf
    from documents.services.placements import placement_add_at_text
    from documents.verification import trust_roots

    device, _codes = enrol_authenticator(world.alice)
    with tenant_context(world.alpha):
        document = document_upload(name="c.pdf", data=make_pdf(3), acting_user=world.alice)
        placement_add_at_text(
            document=document, company=world.alpha, seal_id=seal.pk, text="Seal here", acting_user=world.alice
        )
        grant = document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.alice,
            seal_password="Seal-pass-2026",
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
        version = document_seal_execute(grant_id=grant.pk)
        with version.file.open("rb") as handle:
            report = verify_pdf(handle.read(), trust_roots=trust_roots())
    assert version.signature_count == 3
    assert report.verdict == VALID and [s.verdict for s in report.signatures] == [VALID] * 3
