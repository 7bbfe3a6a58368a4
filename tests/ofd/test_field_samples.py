"""Public OFD files signed by other producers (tests/ofd/samples/README.md): the verifier's
verdicts, the independent checker's, and sealing on top of them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealcore import national_format as nf
from sealcore.ofd import package as ofd_package
from sealcore.ofd import seal as ofd_seal
from sealcore.ofd import verify as ofd_verify
from sealcore.ofd.errors import SealingRefused
from sealcore.ofd.package import Box
from tests.ofd import independent, writer
from tests.ofd.conftest import NOW

SAMPLES = Path(__file__).parent / "samples"


def _sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def _own_anchors(data: bytes) -> nf.Trust:
    """Trust what the file itself names (its seal makers and signers): what is left to judge
    is whether the signatures are intact, correct and were made while everything was valid."""
    package = ofd_package.open_ofd(data)
    anchors = []
    for document in package.documents:
        for entry in document.signatures:
            signature = ofd_package.parse_signature_file(package, entry.path)
            parsed = nf.parse_signature(package.files[signature.signed_value_path])
            anchors += [parsed.seal.maker_certificate, parsed.signer_certificate]
    return nf.Trust(makers=anchors)


@pytest.mark.parametrize(
    "name", ["ofdrw-v4signed.ofd", "ofdrw-allprotected.ofd", "ofdrw-V4RideRight.ofd", "easyofd-vat-special-invoice.ofd"]
)
def test_files_sealed_by_other_producers_are_valid_once_their_maker_is_trusted(name):
    data = _sample(name)
    report = ofd_verify.verify_ofd(data, trust=_own_anchors(data))
    assert report.verdict == ofd_verify.VALID, report.signatures
    assert all(independent.all_good(item) for item in independent.check(data))
    # Nobody we trust vouches for them here: intact, but not verifiable.
    report = ofd_verify.verify_ofd(data, trust=nf.Trust())
    assert report.verdict == ofd_verify.CANNOT_VERIFY
    assert {reason for s in report.signatures for reason in s.reasons} == {"untrusted_signer"}


def test_an_invoice_seal_is_read_with_its_name_and_picture():
    report = ofd_verify.verify_ofd(_sample("ofdrw-v4signed.ofd"), trust=nf.Trust())
    (signature,) = report.signatures
    assert signature.seal_name == "测试全国统一发票监制章国家税务总局重庆市税务局"
    assert signature.seal_version == 4 and signature.seal_picture and signature.pages == [0]


def test_a_cross_page_seal_from_another_producer_covers_every_page():
    report = ofd_verify.verify_ofd(_sample("ofdrw-V4RideRight.ofd"), trust=nf.Trust())
    assert report.signatures[0].pages == [0, 1, 2, 3, 4] and report.signatures[0].check_method == "SM3"


def test_a_seal_used_after_it_expired_is_invalid_even_when_trusted():
    data = _sample("ofdrw-SESV4SignDoc.ofd")
    report = ofd_verify.verify_ofd(data, trust=_own_anchors(data))
    assert report.verdict == ofd_verify.INVALID
    assert "seal_signature_seal_validity" in report.signatures[0].reasons
    assert independent.all_good(independent.check(data)[0])  # the cryptography itself is fine


def test_a_second_seal_that_changed_a_list_the_first_protected_breaks_the_first():
    data = _sample("ofdrw-two-seals-list-protected.ofd")
    report = ofd_verify.verify_ofd(data, trust=_own_anchors(data))
    first, second = report.signatures
    assert first.verdict == ofd_verify.INVALID and "protected_file_changed" in first.reasons
    assert [r.path for r in first.references if r.result == ofd_verify.CHANGED] == ["/Doc_0/Signs/Signatures.xml"]
    assert second.verdict == ofd_verify.VALID and report.verdict == ofd_verify.INVALID
    assert [independent.all_good(item) for item in independent.check(data)] == [False, True]


def test_a_bare_signature_without_its_certificate_cannot_be_verified():
    report = ofd_verify.verify_ofd(_sample("ofdrw-DigitalSign.ofd"), trust=nf.Trust())
    assert report.verdict == ofd_verify.CANNOT_VERIFY
    assert report.signatures[0].reasons == ["signer_certificate_missing"]


def test_changing_a_page_of_a_real_invoice_makes_it_invalid():
    data = _sample("ofdrw-v4signed.ofd")
    page = "Doc_0/Pages/Page_0/Content.xml"
    content = writer.read_entries(data)[page]
    tampered = writer.replace_entry(data, page, content.replace(b"</ofd:Page>", b"<!-- --></ofd:Page>"))
    report = ofd_verify.verify_ofd(tampered, trust=_own_anchors(data))
    assert report.verdict == ofd_verify.INVALID and "protected_file_changed" in report.signatures[0].reasons


def test_sealing_on_top_of_another_producers_seal_keeps_both_valid(alpha, trust):
    data = _sample("ofdrw-v4signed.ofd")
    sealed = ofd_seal.seal_ofd(
        data,
        sign=alpha.sign,
        signer_certificate=alpha.certificate,
        signed_at=NOW,
        seal_der=alpha.seal,
        placements=[ofd_seal.Placement(page=0, box=Box(150, 80, 40, 40))],
    )
    both = nf.Trust(makers=_own_anchors(data).makers + trust.makers)
    report = ofd_verify.verify_ofd(sealed, trust=both)
    assert [s.verdict for s in report.signatures] == [ofd_verify.VALID, ofd_verify.VALID]
    assert report.verdict == ofd_verify.VALID and report.uncovered_files == []
    assert all(independent.all_good(item) for item in independent.check(sealed))


def test_a_file_whose_producer_protected_the_signature_list_is_not_sealed_again(alpha):
    with pytest.raises(SealingRefused) as refused:
        ofd_seal.seal_ofd(
            _sample("ofdrw-allprotected.ofd"),
            sign=alpha.sign,
            signer_certificate=alpha.certificate,
            signed_at=NOW,
            seal_der=alpha.seal,
        )
    assert refused.value.code == "signature_list_protected"


def test_an_invoice_changed_after_it_was_sealed_is_invalid_even_when_its_maker_is_trusted():
    data = _sample("ofdrw-invoice-changed-after-signing.ofd")
    report = ofd_verify.verify_ofd(data, trust=_own_anchors(data))
    assert report.verdict == ofd_verify.INVALID
    (signature,) = report.signatures
    assert signature.reasons == ["protected_file_changed"]
    assert [r.path for r in signature.references if r.result == ofd_verify.CHANGED] == ["/Doc_0/Document.xml"]
    (checked,) = independent.check(data)
    assert checked["references"] is False and checked["signer_signature"] is True


def test_a_vendor_seal_that_leaves_the_entry_point_out_is_valid_and_lists_it():
    data = _sample("ofdrw-kinggrid-invoice.ofd")
    report = ofd_verify.verify_ofd(data, trust=_own_anchors(data))
    assert report.verdict == ofd_verify.VALID, report.signatures
    assert report.uncovered_files == ["/OFD.xml"] and report.reasons == ["files_not_protected"]
    assert independent.all_good(independent.check(data)[0])
    # Its invoice data in DocInfo is not covered: changed, the file stays valid with OFD.xml listed.
    files = writer.read_entries(data)
    changed = writer.replace_entry(data, "OFD.xml", files["OFD.xml"].replace(b"10600.00", b"99600.00"))
    assert ofd_verify.verify_ofd(changed, trust=_own_anchors(changed)).verdict == ofd_verify.VALID
    # Pointed at another document, that document is unprotected: invalid.
    document = files["Doc_0/Document.xml"].replace(b'BaseLoc="Pages/', b'BaseLoc="/Doc_0/Pages/')
    moved = writer.replace_entry(data, "Doc_1/Document.xml", document)
    moved = writer.replace_entry(
        moved, "OFD.xml", files["OFD.xml"].replace(b"Doc_0/Document.xml", b"Doc_1/Document.xml")
    )
    report = ofd_verify.verify_ofd(moved, trust=_own_anchors(moved))
    assert report.verdict == ofd_verify.INVALID and "document_not_protected" in report.reasons
