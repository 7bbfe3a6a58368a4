"""Sealing OFD files and verifying them (sealcore/ofd/seal.py, verify.py), each result also
judged by the tests' independent checker (tests/ofd/independent.py, pure-Python gmssl)."""

from __future__ import annotations

import datetime as dt
import random
import re

import pytest
from asn1crypto import core

from sealcore import national_format as nf
from sealcore.ofd import seal as ofd_seal
from sealcore.ofd import verify as ofd_verify
from sealcore.ofd.errors import OfdError, SealingRefused
from sealcore.ofd.package import Box, open_ofd
from tests.ofd import independent, writer
from tests.ofd.conftest import NOW, PICTURE, make_party


def _seal(data: bytes, party, **arguments) -> bytes:
    arguments.setdefault("placements", [ofd_seal.Placement(page=0, box=Box(140, 220, 42, 42))])
    arguments.setdefault("seal_der", party.seal)
    return ofd_seal.seal_ofd(data, sign=party.sign, signer_certificate=party.certificate, signed_at=NOW, **arguments)


def _verify(data: bytes, trust) -> ofd_verify.OfdVerificationReport:
    return ofd_verify.verify_ofd(data, trust=trust)


def test_a_sealed_invoice_is_valid_for_the_product_and_for_the_independent_checker(alpha, trust):
    sealed = _seal(writer.build_ofd(pages=2), alpha)
    report = _verify(sealed, trust)
    assert report.verdict == ofd_verify.VALID, report
    assert report.uncovered_files == [] and report.reasons == []
    (signature,) = report.signatures
    assert signature.type == "Seal" and signature.seal_name == "合同专用章"
    assert signature.seal_picture == PICTURE and signature.pages == [0]
    assert "合同专用章" in signature.signer
    assert signature.property_info == "/Doc_0/Signs/Sign_0/Signature.xml"
    assert {step.name: step.result for step in signature.steps}["document_hash"] == nf.OK
    assert all(reference.result == ofd_verify.OK for reference in signature.references)
    (checked,) = independent.check(sealed)
    assert independent.all_good(checked), checked
    assert "Doc_0/Pages/Page_1/Content.xml" in checked["protected"] and "OFD.xml" in checked["protected"]
    assert "Doc_0/Signs/Signatures.xml" not in checked["protected"]


def test_three_parties_in_turn_each_later_one_protecting_the_earlier_signatures(alpha, beta, trust):
    once = _seal(writer.build_ofd(pages=3), alpha)
    twice = _seal(once, beta, placements=[ofd_seal.Placement(page=2, box=Box(20, 220, 42, 42))])
    thrice = _seal(twice, alpha, kind=ofd_seal.SIGN, seal_der=None, placements=[])
    report = _verify(thrice, trust)
    assert report.verdict == ofd_verify.VALID, report
    assert [s.type for s in report.signatures] == ["Seal", "Seal", "Sign"]
    assert [s.id for s in report.signatures] == ["1", "2", "3"]
    assert report.signatures[1].pages == [2] and report.signatures[2].stamp_annots == []
    assert report.uncovered_files == []
    checked = independent.check(thrice)
    assert [independent.all_good(item) for item in checked] == [True, True, True], checked
    first, second, third = (set(item["protected"]) for item in checked)
    assert {"Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_0/SignedValue.dat"} <= second
    assert {"Doc_0/Signs/Sign_1/Signature.xml", "Doc_0/Signs/Sign_1/Seal.esl"} <= third
    assert not any(path.startswith("Doc_0/Signs/Sign_1") for path in first)


def test_a_cross_page_seal_shows_one_slice_on_each_page(alpha, trust):
    sealed = _seal(
        writer.build_ofd(pages=4), alpha, placements=[], cross_page=ofd_seal.CrossPage(y=120, width=40, height=40)
    )
    report = _verify(sealed, trust)
    assert report.verdict == ofd_verify.VALID
    annots = report.signatures[0].stamp_annots
    assert report.signatures[0].pages == [0, 1, 2, 3]
    assert [annot.clip for annot in annots] == [Box(i * 10, 0, 10, 40) for i in range(4)]
    # Each page shows, at its right edge, the slice the clip selects.
    assert all(annot.boundary.x + annot.clip.x + annot.clip.width == 210 for annot in annots)
    assert independent.all_good(independent.check(sealed)[0])


def test_sha256_check_values_are_written_and_verified_when_asked(alpha, trust):
    sealed = _seal(writer.build_ofd(), alpha, check_method=ofd_seal.SHA256_OID)
    assert _verify(sealed, trust).verdict == ofd_verify.VALID
    assert independent.all_good(independent.check(sealed)[0])


def test_an_ofd_in_the_namespace_without_2016_is_sealed_in_its_own_namespace(alpha, trust):
    sealed = _seal(writer.build_ofd(namespace="http://www.ofdspec.org"), alpha)
    report = _verify(sealed, trust)
    assert report.verdict == ofd_verify.VALID and report.deviations
    assert b"http://www.ofdspec.org/2016" not in writer.read_entries(sealed)["Doc_0/Signs/Sign_0/Signature.xml"]


# -- tampering


def _tampered_signed_value(sealed: bytes, change) -> bytes:
    name = "Doc_0/Signs/Sign_0/SignedValue.dat"
    return writer.replace_entry(sealed, name, change(writer.read_entries(sealed)[name]))


def _flip_last(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def _other_picture(data: bytes) -> bytes:
    assert data.count(PICTURE) == 1
    return data.replace(PICTURE, PICTURE[:-1] + b"\x00")


TAMPERING = {
    "page_content": lambda s: writer.replace_entry(
        s, "Doc_0/Pages/Page_0/Content.xml", writer.content_xml("金额 ¥ 9,999,999.00")
    ),
    "resource_file": lambda s: writer.replace_entry(s, "Doc_0/PublicRes.xml", writer.public_res_xml() + b" "),
    "check_value": lambda s: writer.replace_entry(
        s,
        "Doc_0/Signs/Sign_0/Signature.xml",
        re.sub(
            rb"<ofd:CheckValue>[^<]{4}",
            b"<ofd:CheckValue>AAAA",
            writer.read_entries(s)["Doc_0/Signs/Sign_0/Signature.xml"],
            count=1,
        ),
    ),
    "stamp_position": lambda s: writer.replace_entry(
        s,
        "Doc_0/Signs/Sign_0/Signature.xml",
        writer.read_entries(s)["Doc_0/Signs/Sign_0/Signature.xml"].replace(b'Boundary="140 ', b'Boundary="10 '),
    ),
    "seal_file_picture": lambda s: writer.replace_entry(
        s, "Doc_0/Signs/Sign_0/Seal.esl", _other_picture(writer.read_entries(s)["Doc_0/Signs/Sign_0/Seal.esl"])
    ),
    "picture_in_signed_value": lambda s: _tampered_signed_value(s, _other_picture),
    "signature_value": lambda s: _tampered_signed_value(s, _flip_last),
    "removed_page": lambda s: writer.zip_bytes(
        [(n, c) for n, c in writer.read_entries(s).items() if n != "Doc_0/Pages/Page_1/Content.xml"]
    ),
}


@pytest.mark.parametrize("change", TAMPERING.values(), ids=TAMPERING.keys())
def test_any_change_to_what_a_signature_protects_makes_the_file_invalid(change, alpha, trust):
    sealed = _seal(writer.build_ofd(pages=2), alpha)
    tampered = change(sealed)
    assert tampered != sealed
    report = _verify(tampered, trust)
    assert report.verdict in (ofd_verify.INVALID, ofd_verify.CANNOT_VERIFY), report
    if report.verdict == ofd_verify.CANNOT_VERIFY:  # only a file that no longer opens
        assert report.signatures == []
    try:
        checked = independent.check(tampered)
    except (KeyError, ValueError):
        return  # the checker cannot even read it: not good either
    assert not all(independent.all_good(item) for item in checked)


def test_tampering_is_named_in_the_report(alpha, trust):
    sealed = _seal(writer.build_ofd(pages=2), alpha)
    report = _verify(TAMPERING["page_content"](sealed), trust)
    assert report.verdict == ofd_verify.INVALID
    changed = [r.path for r in report.signatures[0].references if r.result == ofd_verify.CHANGED]
    assert changed == ["/Doc_0/Pages/Page_0/Content.xml"]
    assert "protected_file_changed" in report.signatures[0].reasons
    report = _verify(TAMPERING["seal_file_picture"](sealed), trust)
    assert "seal_file_mismatch" in report.signatures[0].reasons
    report = _verify(TAMPERING["check_value"](sealed), trust)
    assert "seal_signature_document_hash" in report.signatures[0].reasons


def test_a_later_signature_breaking_an_earlier_one_is_invalid_even_if_the_newest_is_clean(alpha, beta, trust):
    once = _seal(writer.build_ofd(pages=2), alpha)
    changed = TAMPERING["page_content"](once)
    report = _verify(_seal(changed, beta), trust)
    assert [s.verdict for s in report.signatures] == [ofd_verify.INVALID, ofd_verify.VALID]
    assert report.verdict == ofd_verify.INVALID


def test_an_added_file_is_listed_as_unprotected_and_an_unprotected_page_is_invalid(alpha, trust):
    sealed = _seal(writer.build_ofd(pages=1), alpha)
    report = _verify(writer.replace_entry(sealed, "Doc_0/Res/extra.png", b"\x89PNG more"), trust)
    assert report.verdict == ofd_verify.VALID
    assert report.uncovered_files == ["/Doc_0/Res/extra.png"] and "files_not_protected" in report.reasons
    # A page added after signing needs Document.xml to change: that alone is a protected file.
    files = writer.read_entries(sealed)
    files["Doc_0/Document.xml"] = writer.document_xml(2)
    files["Doc_0/Pages/Page_1/Content.xml"] = writer.content_xml("added")
    assert _verify(writer.zip_bytes(list(files.items())), trust).verdict == ofd_verify.INVALID


def test_references_relative_to_the_root_are_read_but_one_two_files_could_answer_is_refused(alpha, trust, monkeypatch):
    """Some producers write FileRef relative to the package root. It is read next to
    Signature.xml first, then from the root; when both exist, swapping which one is read
    must not hide a change, so the signature cannot be verified."""
    write = ofd_seal._signature_xml

    def relative_references(**arguments):
        arguments["references"] = [(path.lstrip("/"), digest) for path, digest in arguments["references"]]
        return write(**arguments)

    monkeypatch.setattr(ofd_seal, "_signature_xml", relative_references)
    sealed = _seal(writer.build_ofd(), alpha)
    assert b'FileRef="Doc_0/Document.xml"' in writer.read_entries(sealed)["Doc_0/Signs/Sign_0/Signature.xml"]
    assert _verify(sealed, trust).verdict == ofd_verify.VALID
    files = writer.read_entries(sealed)
    files["Doc_0/Signs/Sign_0/Doc_0/Document.xml"] = files["Doc_0/Document.xml"]
    files["Doc_0/Document.xml"] = writer.document_xml(1).replace(b"210 297", b"297 420")
    report = _verify(writer.zip_bytes(list(files.items())), trust)
    assert report.verdict == ofd_verify.CANNOT_VERIFY
    assert report.signatures[0].reasons == ["ambiguous_location"]


def test_an_intact_seal_nobody_trusted_vouches_for_cannot_be_verified(alpha):
    report = _verify(_seal(writer.build_ofd(), alpha), nf.Trust(makers=[]))
    assert report.verdict == ofd_verify.CANNOT_VERIFY
    assert report.signatures[0].reasons == ["untrusted_signer"]


def test_a_seal_used_outside_its_validity_is_invalid(maker, trust):
    expired = make_party(maker, "演示科技有限公司", "过期印章")
    seal = nf.build_seal(
        maker_key=maker[0],
        maker_certificate=maker[1].dump(),
        es_id="1101080000018",
        name="过期印章",
        seal_type=nf.SEAL_TYPE_ORGANISATION,
        signer_certificates=[expired.certificate],
        valid_from=NOW - dt.timedelta(days=30),
        valid_until=NOW - dt.timedelta(days=1),
        picture_png=PICTURE,
        width_mm=42,
        height_mm=42,
    )
    report = _verify(_seal(writer.build_ofd(), expired, seal_der=seal), trust)
    assert report.verdict == ofd_verify.INVALID
    assert report.signatures[0].reasons == ["seal_signature_seal_validity"]


# -- malformed input: a clear verdict, never an exception


def test_broken_asn1_and_unknown_methods_cannot_be_verified(alpha, trust, monkeypatch):
    sealed = _seal(writer.build_ofd(), alpha)
    report = _verify(_tampered_signed_value(sealed, lambda data: b"\x30\x03\x02\x01"), trust)
    assert report.signatures[0].verdict == ofd_verify.CANNOT_VERIFY
    assert report.verdict == ofd_verify.CANNOT_VERIFY
    monkeypatch.setitem(ofd_seal.CHECK_METHODS, "1.2.3.4", lambda data: b"\0" * 32)
    odd = _seal(writer.build_ofd(), alpha, check_method="1.2.3.4")
    report = _verify(odd, trust)
    assert report.verdict == ofd_verify.CANNOT_VERIFY and "unknown_check_method" in report.signatures[0].reasons


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (writer.zip_bytes([*writer.entries(), ("../../evil.sh", b"x")]), "unsafe_path"),
        (writer.zip_bytes([*writer.entries(), ("bomb.bin", b"\0" * (8 * 1024 * 1024))]), "zip_bomb"),
        (
            writer.replace_entry(
                writer.build_ofd(), "OFD.xml", b'<!DOCTYPE a [<!ENTITY x SYSTEM "http://evil/">]><a>&x;</a>'
            ),
            "xml_entities",
        ),
        (b"%PDF-1.7 not an OFD", "not_zip"),
    ],
    ids=["zip_slip", "zip_bomb", "xxe", "not_zip"],
)
def test_hostile_files_cannot_be_verified_with_a_reason(data, reason, trust):
    report = _verify(data, trust)
    assert report.verdict == ofd_verify.CANNOT_VERIFY and report.reasons == [reason] and report.detail


def test_random_damage_never_raises(alpha, trust):
    sealed = _seal(writer.build_ofd(pages=2), alpha)
    rng = random.Random(7)
    for _ in range(150):
        damaged = bytearray(sealed)
        for _ in range(rng.randint(1, 4)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        report = _verify(bytes(damaged), trust)
        assert report.verdict in (ofd_verify.VALID, ofd_verify.INVALID, ofd_verify.CANNOT_VERIFY)
        assert "unreadable" not in report.reasons, report.detail  # every failure has a typed reason


@pytest.mark.parametrize(
    "name", ["Doc_0/Signs/Sign_0/SignedValue.dat", "Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_0/Seal.esl"]
)
def test_random_damage_to_a_signature_file_is_never_valid(name, alpha, trust):
    sealed = _seal(writer.build_ofd(), alpha)
    original = writer.read_entries(sealed)[name]
    rng = random.Random(name)
    for _ in range(40):
        damaged = bytearray(original)
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(len(damaged))] = rng.randrange(256)
        if bytes(damaged) == original:
            continue
        report = _verify(writer.replace_entry(sealed, name, bytes(damaged)), trust)
        assert report.verdict in (ofd_verify.INVALID, ofd_verify.CANNOT_VERIFY)
        assert "unreadable" not in report.reasons, report.detail


def test_a_custom_tag_part_that_is_not_well_formed_is_tolerated_but_a_dtd_anywhere_is_not(alpha, trust):
    """E-invoices ship Doc_0/Tags/CustomTag.xml as `<:eInvoice xmlns:="">`: its bytes are
    protected like any file's, but nothing reads it."""
    broken = b'<?xml version="1.0" encoding="UTF-8"?>\n<:eInvoice xmlns:=""><InvoiceCode>1</InvoiceCode></:eInvoice>'
    invoice = writer.replace_entry(writer.build_ofd(), "Doc_0/Tags/CustomTag.xml", broken)
    report = _verify(_seal(invoice, alpha), trust)
    assert report.verdict == ofd_verify.VALID
    assert report.deviations == ["/Doc_0/Tags/CustomTag.xml is not well-formed XML (not read)"]
    hidden = broken + b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    report = _verify(writer.replace_entry(invoice, "Doc_0/Tags/CustomTag.xml", hidden), trust)
    assert report.reasons == ["xml_entities"]
    page = writer.replace_entry(invoice, "Doc_0/Pages/Page_0/Content.xml", b"<ofd:Page xmlns:ofd='x'><unclosed>")
    assert _verify(page, trust).reasons == ["malformed_xml"]


def test_a_signature_entry_whose_files_are_gone_is_invalid(alpha, trust):
    sealed = _seal(writer.build_ofd(), alpha)
    files = {n: c for n, c in writer.read_entries(sealed).items() if not n.startswith("Doc_0/Signs/Sign_0/")}
    report = _verify(writer.zip_bytes(list(files.items())), trust)
    assert report.verdict == ofd_verify.INVALID and report.signatures[0].reasons == ["signature_file_missing"]


# -- sealing refusals


def test_sealing_refuses_what_it_cannot_do_cleanly(alpha, beta):
    data = writer.build_ofd(pages=1)
    with pytest.raises(SealingRefused):
        _seal(data, alpha, seal_der=beta.seal)  # alpha's certificate is not in beta's seal
    with pytest.raises(OfdError, match="does not fit"):
        _seal(data, alpha, placements=[ofd_seal.Placement(page=0, box=Box(190, 10, 42, 42))])
    with pytest.raises(OfdError, match="no page 2"):
        _seal(data, alpha, placements=[ofd_seal.Placement(page=1, box=Box(10, 10, 42, 42))])
    with pytest.raises(OfdError, match="two pages"):
        _seal(data, alpha, placements=[], cross_page=ofd_seal.CrossPage(y=10, width=40, height=40))
    with pytest.raises(OfdError):
        _seal(writer.zip_bytes([*writer.entries(), ("../x", b"")]), alpha)


def test_a_file_whose_signature_list_is_protected_is_not_sealed_again(alpha):
    """Some producers (ofdrw's default mode) protect Signatures.xml: another signature
    would break theirs, so sealing refuses instead."""
    protected_list = writer.replace_entry(
        writer.build_ofd(), "OFD.xml", writer.ofd_xml(signatures="Doc_0/Signs/Signatures.xml")
    )
    empty_list = (
        b'<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"><ofd:MaxSignId>0</ofd:MaxSignId></ofd:Signatures>'
    )
    protected_list = writer.replace_entry(protected_list, "Doc_0/Signs/Signatures.xml", empty_list)
    sealed = _seal(protected_list, alpha)
    package = open_ofd(sealed)
    assert package.documents[0].signatures_path == "/Doc_0/Signs/Signatures.xml"
    files = writer.read_entries(sealed)
    signature = files["Doc_0/Signs/Sign_0/Signature.xml"]
    signature = signature.replace(
        b"</ofd:References>",
        b'<ofd:Reference FileRef="/Doc_0/Signs/Signatures.xml">'
        b"<ofd:CheckValue>AAAA</ofd:CheckValue></ofd:Reference></ofd:References>",
    )
    files["Doc_0/Signs/Sign_0/Signature.xml"] = signature
    with pytest.raises(SealingRefused, match="signature list"):
        _seal(writer.zip_bytes(list(files.items())), alpha)


# -- GM/T 0031 (version 1), still found in the field


def _utc(moment: dt.datetime) -> core.UTCTime:
    return core.UTCTime(moment.astimezone(dt.UTC))


def _seal_v1(maker, party) -> bytes:
    """An SESeal in the GM/T 0031 layout, signed by the maker over {sealInfo, cert, alg}."""
    maker_key, maker_cert = maker
    info = nf.SealInfoV1(
        {
            "header": {"id": "ES", "version": 1, "vid": "Other"},
            "es_id": "1101080000019",
            "property": {
                "type": 1,
                "name": "旧版印章",
                "cert_list": [party.certificate],
                "create_date": _utc(NOW),
                "valid_start": _utc(NOW - dt.timedelta(days=1)),
                "valid_end": _utc(NOW + dt.timedelta(days=30)),
            },
            "picture": {"type": "PNG", "data": PICTURE, "width": 40, "height": 40},
        }
    )
    signed = nf.MakerSignedV1({"seal_info": info, "cert": maker_cert.dump(), "alg": nf.sm2.SM3_WITH_SM2_OID}).dump()
    sign_info = {
        "cert": maker_cert.dump(),
        "signature_algorithm": nf.sm2.SM3_WITH_SM2_OID,
        "sign_data": nf.sm2.sign(maker_key, signed),
    }
    return nf.SESealV1({"eseal_info": info, "sign_info": sign_info}).dump()


def _build_signature_v1(*, sign, signer_certificate, seal_der, data_hash, property_info, signed_at, timestamp):
    tbs = nf.TbsSignV1(
        {
            "version": 1,
            "eseal": nf.SESealV1.load(seal_der),
            "time_info": _utc(signed_at).dump(),
            "data_hash": data_hash,
            "property_info": property_info,
            "cert": signer_certificate,
            "signature_algorithm": nf.sm2.SM3_WITH_SM2_OID,
        }
    )
    return nf.SESSignatureV1({"to_sign": tbs, "signature": sign(tbs.dump())}).dump()


def test_a_gmt_0031_version_1_seal_signature_is_verified(maker, alpha, trust, monkeypatch):
    monkeypatch.setattr(ofd_seal.national_format, "build_signature", _build_signature_v1)
    sealed = _seal(writer.build_ofd(), alpha, seal_der=_seal_v1(maker, alpha))
    monkeypatch.undo()
    report = _verify(sealed, trust)
    assert report.verdict == ofd_verify.VALID, report.signatures[0].reasons
    assert report.signatures[0].seal_version == 1 and report.signatures[0].seal_name == "旧版印章"
    (checked,) = independent.check(sealed)
    assert independent.all_good(checked), checked
    assert _verify(TAMPERING["signature_value"](sealed), trust).verdict == ofd_verify.INVALID


# -- signature encodings seen in the field


def _raw_r_s(der: bytes) -> bytes:
    sequence = core.Sequence.load(der)
    return b"".join(core.Integer.load(sequence[i].dump()).native.to_bytes(32, "big") for i in (0, 1))


def _trimmed(party):
    """A signer whose encoder drops the DER's trailing zero byte (a BIT STRING with its
    trailing zero bits trimmed): retried until the DER ends in a zero byte."""

    def sign(message: bytes) -> bytes:
        for _ in range(5000):
            der = party.sign(message)
            if der.endswith(b"\x00"):
                return der[:-1]
        raise AssertionError("no signature ending in a zero byte")

    return sign


@pytest.mark.parametrize("encoding", ["raw_r_s", "trimmed_der"])
def test_signature_values_in_field_encodings_are_accepted_only_when_they_verify(encoding, alpha, trust):
    sign = (lambda message: _raw_r_s(alpha.sign(message))) if encoding == "raw_r_s" else _trimmed(alpha)
    sealed = ofd_seal.seal_ofd(
        writer.build_ofd(), sign=sign, signer_certificate=alpha.certificate, signed_at=NOW, seal_der=alpha.seal
    )
    assert _verify(sealed, trust).verdict == ofd_verify.VALID
    assert _verify(TAMPERING["page_content"](sealed), trust).verdict == ofd_verify.INVALID
    # The signed TBS_Sign is another message: the repaired encoding does not make it verify.
    assert _verify(TAMPERING["check_value"](sealed), trust).verdict == ofd_verify.INVALID


def _build_signature_with_extensions(
    *, sign, signer_certificate, seal_der, data_hash, property_info, signed_at, timestamp
):
    tbs = nf.TbsSignV4(
        {
            "version": 4,
            "eseal": nf.SESealV4.load(seal_der),
            "time_info": core.GeneralizedTime(signed_at.astimezone(dt.UTC)),
            "data_hash": data_hash,
            "property_info": property_info,
            "ext_datas": [{"extn_id": "1.2.156.1", "critical": False, "extn_value": b"vendor data"}],
        }
    )
    fields = {
        "to_sign": tbs,
        "cert": signer_certificate,
        "signature_alg_id": nf.sm2.SM3_WITH_SM2_OID,
        "signature": sign(tbs.dump()),
    }
    return nf.SESSignatureV4(fields).dump()


def test_a_tbs_sign_with_extension_data_tagged_0_is_read(alpha, trust, monkeypatch):
    """GB/T 38540 tags TBS_Sign.extDatas [0] EXPLICIT, and producers write it that way."""
    monkeypatch.setattr(ofd_seal.national_format, "build_signature", _build_signature_with_extensions)
    sealed = _seal(writer.build_ofd(), alpha)
    monkeypatch.undo()
    value = writer.read_entries(sealed)["Doc_0/Signs/Sign_0/SignedValue.dat"]
    extensions = nf.ExtensionDatas([{"extn_id": "1.2.156.1", "critical": False, "extn_value": b"vendor data"}]).dump()
    assert b"\xa0" + bytes([len(extensions)]) + extensions in value  # [0] EXPLICIT
    assert _verify(sealed, trust).verdict == ofd_verify.VALID
    assert independent.all_good(independent.check(sealed)[0])
