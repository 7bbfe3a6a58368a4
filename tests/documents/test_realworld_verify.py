"""Verification of real-world kinds of signed PDF: long-term (LTA) files, empty signature
fields, appended data, plain-data reports, quiet logs, a bad certificate in TRUSTED_CA_FILE."""

from __future__ import annotations

import datetime as dt
import io
import logging
import pickle
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.validation import DocumentSecurityStore

from documents.pdf.verify import CANNOT_VERIFY, INVALID, NO_SIGNATURES, VALID, verify_file, verify_pdf
from documents.verification import report_as_dict, trust_roots, trusted_ca_status
from tests.conftest import client_on
from tests.documents.realworld_corpus import author, author_signed, corpus, lta_pdf, reportlab_pdf

CASES = {case.name: case for case in corpus()}


def _verify(data: bytes, *, trusted: bool = True):
    return verify_pdf(data, trust_roots=[author().root_asn1] if trusted else [], appearances=False)


@pytest.mark.parametrize("name", ["lta", "lta-timestamp-last"])
def test_long_term_files_are_valid_with_validation_data_after_the_newest_timestamp(name):
    report = _verify(CASES[name].data)
    assert report.verdict == VALID, report.reasons
    assert [item.kind for item in report.signatures] == ["signature", "document_timestamp"]
    assert all(item.modification_level in ("NONE", "LTA_UPDATES") for item in report.signatures)


def test_bytes_after_the_last_revision_of_a_long_term_file_are_still_refused():
    report = _verify(lta_pdf(reportlab_pdf(1)) + b"\n% appended after the end\n")
    newest = report.signatures[-1]
    assert report.verdict == INVALID and "bytes_after_signature" in newest.reasons


def test_a_revision_after_the_newest_timestamp_that_changes_content_is_refused():
    """Only validation data may follow: a new signature field is not validation data."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields

    writer = IncrementalPdfFileWriter(io.BytesIO(lta_pdf(reportlab_pdf(1), dss_last=False)), strict=False)
    fields.append_signature_field(writer, fields.SigFieldSpec("Later", on_page=0, box=(10, 10, 60, 60)))
    output = io.BytesIO()
    writer.write(output)
    report = _verify(output.getvalue())
    assert report.verdict == INVALID and "bytes_after_signature" in report.signatures[-1].reasons


def _lta_in_one_revision() -> bytes:
    """PAdES B-LTA whose last revision adds only validation data (a DSS with the signer's
    chain) and a document timestamp, written together in one incremental update."""
    signed = author_signed(reportlab_pdf(1))
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    writer = IncrementalPdfFileWriter(io.BytesIO(signed), strict=False)
    DocumentSecurityStore.supply_dss_in_writer(writer, signature.pkcs7_content, certs=[author().root_asn1])
    output = io.BytesIO()
    signers.PdfTimeStamper(author().timestamper).timestamp_pdf(writer, md_algorithm="sha256", output=output)
    return output.getvalue()


def test_a_last_revision_adding_only_validation_data_and_a_document_timestamp_is_valid():
    data = _lta_in_one_revision()
    reader = PdfFileReader(io.BytesIO(data))
    assert reader.xrefs.total_revisions == 3 and "/DSS" in reader.root  # original, signature, DSS + timestamp
    report = _verify(data)
    assert report.verdict == VALID, report.reasons
    signature, timestamp = report.signatures
    assert (signature.kind, timestamp.kind) == ("signature", "document_timestamp")
    assert signature.modification_level == "LTA_UPDATES" and signature.covers_whole_file
    assert timestamp.coverage == "entire_file" and timestamp.reasons == []
    assert "bytes_after_signature" not in signature.reasons + timestamp.reasons


def test_a_revision_with_real_content_after_a_long_term_file_is_data_added_after_the_last_signature():
    """The same file with a revision that draws on the page: not validation data."""
    writer = IncrementalPdfFileWriter(io.BytesIO(_lta_in_one_revision()), strict=False)
    writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"0 0 1 rg 100 100 200 200 re f")))
    output = io.BytesIO()
    writer.write(output)
    report = _verify(output.getvalue())
    newest = report.signatures[-1]
    assert report.verdict == INVALID
    assert "bytes_after_signature" in newest.reasons and "disallowed_changes_after_signature" in newest.reasons
    assert not newest.covers_whole_file


def test_objects_appended_after_a_validation_data_revision_are_not_a_revision():
    """A DSS revision, then objects and a second end-of-file without a cross-reference
    section of their own: the rule for validation data does not let them through."""
    data = lta_pdf(reportlab_pdf(1))
    last_xref = re.findall(rb"startxref\s+(\d+)", data)[-1]  # readers still find the real last revision
    appended = data + b"99 0 obj\n<< /Injected true >>\nendobj\ntrailer\n<< >>\nstartxref\n" + last_xref + b"\n%%EOF\n"
    report = _verify(appended)
    newest = report.signatures[-1]
    assert report.verdict == INVALID and "bytes_after_signature" in newest.reasons
    assert _verify(data).verdict == VALID  # the file without them is fine


def test_detail_row_agrees_with_appended_data_verdict():
    report = _verify(author_signed(reportlab_pdf(1)) + b"\n%extra bytes\n")
    item = report.signatures[0]
    assert report.verdict == INVALID and "bytes_after_signature" in item.reasons
    assert item.modification_level == "APPENDED"
    with translation.override("en"):
        assert report_as_dict(report)["signatures"][0]["modification_label"] == "Data appended after this signature"


def test_an_empty_signature_field_means_no_signatures():
    report = _verify(CASES["empty-signature-field"].data)
    assert report.verdict == NO_SIGNATURES and report.reasons == []


class _PlainOnly(pickle.Unpickler):
    """Accepts only plain data and the report's own dataclasses."""

    def find_class(self, module, name):
        if (module, name) in {("datetime", "datetime"), ("datetime", "timezone"), ("datetime", "timedelta")}:
            return super().find_class(module, name)
        if module in ("documents.pdf.verify", "documents.pdf.national") and name.endswith("Report"):
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"not plain data: {module}.{name}")


def _assert_plain(value, path="report"):
    if hasattr(value, "__dataclass_fields__"):
        for name in value.__dataclass_fields__:
            _assert_plain(getattr(value, name), f"{path}.{name}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _assert_plain(item, f"{path}[{index}]")
    else:
        assert value is None or type(value) in (str, int, bool, bytes, float, dt.datetime), (path, type(value))


@pytest.mark.parametrize("name", ["lta", "approval-signed-twice", "certified-p2-form", "form-need-appearances"])
def test_every_report_field_is_plain_data(name):
    report = verify_file(CASES[name].data, trust_roots=[author().root_asn1.dump()], appearances=True)
    _assert_plain(report)
    _PlainOnly(io.BytesIO(pickle.dumps(report))).load()


def test_an_untrusted_signature_logs_one_line_not_a_traceback(caplog):
    caplog.set_level(logging.DEBUG)
    report = _verify(CASES["approval-signed"].data, trusted=False)
    assert report.verdict == CANNOT_VERIFY and report.signatures[0].reasons == ["untrusted_signer"]
    library = [record for record in caplog.records if record.name.startswith("pyhanko")]
    assert library, "pyHanko said nothing: the test would prove nothing"
    assert all(record.exc_info is None and record.exc_text is None for record in library)
    assert all("Traceback" not in record.getMessage() for record in library)


@pytest.fixture
def bundle_with_a_bad_certificate(tmp_path):
    good = author().root_pem.encode()  # a real certificate: the corpus author's root
    bad = b"-----BEGIN CERTIFICATE-----\nTUlJQm9ndXMgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"
    path = tmp_path / "trusted.pem"
    path.write_bytes(bad + good)
    return path


@pytest.mark.django_db
def test_one_unreadable_certificate_in_the_trusted_file_is_skipped_with_a_warning(
    world, bundle_with_a_bad_certificate, caplog
):
    with override_settings(TRUSTED_CA_FILE=str(bundle_with_a_bad_certificate)):
        caplog.set_level(logging.WARNING, logger="documents.verification")
        roots = trust_roots()
        assert len(roots) == 2 and author().root_asn1.dump() in roots
        assert trusted_ca_status() == {"loaded": 1, "skipped": 1}
        response = client_on(None).post(
            "/api/v1/verify/", {"file": SimpleUploadedFile("a.pdf", CASES["approval-signed"].data)}
        )
        assert response.status_code == 200 and response.json()["verdict"] == VALID  # the good CA is trusted
        health = client_on(world.alpha).get("/healthz").json()
    assert health["details"]["trusted_ca"] == {"loaded": 1, "skipped": 1}
    assert any("certificate 1 cannot be read" in record.getMessage() for record in caplog.records)
