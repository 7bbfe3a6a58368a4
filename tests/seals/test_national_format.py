"""SM2 certificates and the GB/T 38540 / GM/T 0031 structures: pure functions, no database."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest
from asn1crypto import core, pem

from sealcore import national_format as nf
from sealcore import sm2
from seals import keys

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
DOCUMENT = b"%PDF-1.7 the protected bytes of a document"

MASTER_KEY = b"this-server-master-key"


@pytest.fixture(scope="module")
def pki():
    issued = NOW - dt.timedelta(hours=1)
    maker_key, maker_cert = sm2.create_maker_authority(now=issued)
    signer_key = sm2.generate_key_pair()
    signer_cert = sm2.issue_seal_certificate(
        maker_key=maker_key,
        maker_certificate=maker_cert,
        subject_name=sm2.name(common_name="合同专用章", organization="演示科技有限公司"),
        public_key=signer_key.public_key,
        now=issued,
    )
    return maker_key, maker_cert, signer_key, signer_cert


def _seal(pki, **overrides) -> bytes:
    maker_key, maker_cert, _signer_key, signer_cert = pki
    arguments = {
        "maker_key": maker_key,
        "maker_certificate": maker_cert.dump(),
        "es_id": "1101080000017",
        "name": "合同专用章",
        "seal_type": nf.SEAL_TYPE_ORGANISATION,
        "signer_certificates": [signer_cert.dump()],
        "valid_from": NOW - dt.timedelta(days=1),
        "valid_until": NOW + dt.timedelta(days=30),
        "picture_png": b"\x89PNG\r\n\x1a\n picture",
        "width_mm": 42,
        "height_mm": 42,
        "created_at": NOW,
    }
    return nf.build_seal(**{**arguments, **overrides})


def _signature(pki, seal_der: bytes, data: bytes = DOCUMENT, **overrides) -> bytes:
    _maker_key, _maker_cert, signer_key, signer_cert = pki
    arguments = {
        "signer_key": signer_key,
        "signer_certificate": signer_cert.dump(),
        "seal_der": seal_der,
        "data_hash": sm2.sm3(data),
        "property_info": "/ByteRange [0 41]",
        "signed_at": NOW,
    }
    return nf.build_signature(**{**arguments, **overrides})


def _trust(pki, **overrides) -> nf.Trust:
    return nf.Trust(makers=[pki[1].dump()], **overrides)


def _results(verdict: nf.Verdict) -> dict[str, str]:
    return {step.name: step.result for step in verdict.steps}


# -- SM2 and certificates


def test_sm2_signatures_are_der_and_verify_only_for_the_signed_message():
    key_pair = sm2.generate_key_pair()
    signature = sm2.sign(key_pair, b"message")
    assert signature[0] == 0x30  # DER SEQUENCE {r, s}
    assert sm2.verify(key_pair.public_key, b"message", signature)
    assert not sm2.verify(key_pair.public_key, b"messagf", signature)
    assert not sm2.verify(key_pair.public_key, b"message", b"\x30\x02junk")
    assert not sm2.verify(b"short", b"message", signature)
    assert sm2.Sm2KeyPair.from_bytes(key_pair.to_bytes()) == key_pair


def test_sm2_signature_matches_the_standards_worked_example(monkeypatch):
    # GB/T 32918.5 (GM/T 0003.5) appendix: key d, one-time k and k·G, "message digest",
    # signer id 1234567812345678; Z, r and s as printed there.
    d = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
    public_key = bytes.fromhex(
        "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
        "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13"
    )
    k = bytes.fromhex("59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21")
    k_times_g = bytes.fromhex(
        "04EBFC718E8D1798620432268E77FEB6415E2EDE0E073C0F4F640ECD2E149A73"
        "E858F9D81E5430A57B36DAAB8F950A3C64E6EE6A63094D99283AFF767E124DF0"
    )
    assert sm2.signer_z(public_key).hex().upper() == "B2E14C5C79C6DF5B85F4FE7ED8DB7A262B9DA7E07CCB0EA9F4747B8CCDA8A4F3"
    monkeypatch.setattr(sm2.gmssl_pyx, "sm2_key_generate", lambda: (k_times_g, k))
    signature = sm2.sign(sm2.Sm2KeyPair(d, public_key), b"message digest")
    r, s = core.load(signature)[0].native, core.load(signature)[1].native
    assert f"{r:064X}" == "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3"
    assert f"{s:064X}" == "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA"


def test_sm2_signatures_verify_in_two_independent_implementations():
    """GmSSL's verification (C) and the gmssl package's (pure Python), for many keys and
    messages: a slip in the signature equation or the encoding of r and s shows here."""
    import secrets

    from gmssl import sm2 as pure_sm2

    signatures, checked = set(), 0
    for number in range(120):
        key_pair = sm2.generate_key_pair()
        message = secrets.token_bytes(number * 7)
        signature = sm2.sign(key_pair, message)
        signatures.add(signature)
        assert sm2.verify(key_pair.public_key, message, signature)
        r, s = core.load(signature)[0].native, core.load(signature)[1].native
        assert core.load(signature).dump() == signature  # strict DER
        if number % 4 == 0:
            checker = pure_sm2.CryptSM2(private_key="", public_key=key_pair.public_key.hex())
            try:
                assert checker.verify_with_sm3(f"{r:064x}{s:064x}", message)
                checked += 1
            except TypeError:  # a bug of that library on some points, not of the signature
                pass
        assert not sm2.verify(key_pair.public_key, message + b"!", signature)
    assert len(signatures) == 120  # a fresh one-time k every time
    assert checked >= 20  # of 30 given to the pure-Python verifier


@pytest.mark.parametrize("scalar", [0, 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54122])
def test_sm2_refuses_a_private_key_outside_its_range(scalar):
    # 0 and n - 1 are no SM2 private keys: with n - 1, (1 + d) has no inverse and no
    # signature could ever be made.
    key_pair = sm2.Sm2KeyPair(scalar.to_bytes(32, "big"), sm2.generate_key_pair().public_key)
    with pytest.raises(ValueError, match="not an SM2 private key"):
        sm2.sign(key_pair, b"message")


def test_sm3_matches_the_standard_test_vector():
    # GB/T 32905-2016 appendix A, example 1.
    assert sm2.sm3(b"abc").hex() == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"


def test_sm2_certificate_is_signed_by_the_maker_and_carries_the_sm2_key(pki):
    maker_key, maker_cert, signer_key, signer_cert = pki
    assert sm2.certificate_signed_by(maker_cert, maker_cert)
    assert sm2.certificate_signed_by(signer_cert, maker_cert)
    assert sm2.certificate_public_key(signer_cert) == signer_key.public_key
    assert signer_cert["signature_algorithm"]["algorithm"].dotted == sm2.SM3_WITH_SM2_OID
    spki = signer_cert["tbs_certificate"]["subject_public_key_info"]
    assert spki["algorithm"]["parameters"].chosen.dotted == sm2.SM2_CURVE_OID
    assert signer_cert.subject.native["common_name"] == "合同专用章"
    assert signer_cert["tbs_certificate"]["extensions"][0]["extn_value"].native["ca"] is False
    other_key, other_cert = sm2.create_maker_authority("Another maker")
    assert not sm2.certificate_signed_by(signer_cert, other_cert)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_openssl_verifies_our_certificate_signature_and_sm3(pki, tmp_path):
    """An independent SM2/SM3 implementation (OpenSSL) checks what GmSSL made. (OpenSSL 3.0's
    `openssl verify` cannot check SM2 certificate chains, its own included, so the TBS and
    signature are checked with pkeyutl.)"""
    _maker_key, maker_cert, _signer_key, signer_cert = pki
    (tmp_path / "maker.pem").write_bytes(pem.armor("PUBLIC KEY", maker_cert.public_key.dump()))
    (tmp_path / "tbs").write_bytes(signer_cert["tbs_certificate"].dump())
    (tmp_path / "signature").write_bytes(bytes(signer_cert["signature_value"]))
    command = [
        "openssl",
        "pkeyutl",
        "-verify",
        "-pubin",
        "-inkey",
        "maker.pem",
        "-rawin",
        "-digest",
        "sm3",
        "-pkeyopt",
        "distid:1234567812345678",
        "-in",
        "tbs",
        "-sigfile",
        "signature",
    ]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    if "sm3" in result.stderr.lower() and "unknown" in result.stderr.lower():
        pytest.skip("this openssl has no SM3")
    assert result.returncode == 0, result.stderr
    (tmp_path / "data").write_bytes(DOCUMENT)
    digest = subprocess.run(["openssl", "dgst", "-sm3", "-r", "data"], cwd=tmp_path, capture_output=True, text=True)
    assert digest.stdout.split()[0] == sm2.sm3(DOCUMENT).hex()


def test_an_additional_key_is_under_the_same_data_key_and_bound_to_its_row():
    data_key = keys.new_data_key()
    protected = keys.protect_private_key(
        keys.generate_private_key(), "Seal-pass-1", context=b"a", data_key=data_key, master_key=MASTER_KEY
    )
    assert keys.unwrap_data_key(protected, "Seal-pass-1", context=b"a", master_key=MASTER_KEY) == data_key
    token = keys.encrypt_additional_key(data_key, b"k" * 96, label=b"sm2", context=b"a")
    assert keys.decrypt_additional_key(data_key, token, label=b"sm2", context=b"a") == b"k" * 96
    with pytest.raises(Exception):  # noqa: B017 - AES-GCM refuses another row's context
        keys.decrypt_additional_key(data_key, token, label=b"sm2", context=b"b")


# -- SESeal v4


def test_seal_round_trips_field_by_field(pki):
    """Every field of GB/T 38540 §7 SESeal, in order, through the ASN.1 definitions."""
    _maker_key, maker_cert, _signer_key, signer_cert = pki
    der = _seal(pki)
    raw = core.Sequence.load(der)
    assert len(raw) == 4  # eSealInfo, cert, signAlgID, signedValue
    parsed = nf.SESealV4.load(der)
    info = parsed["eseal_info"]
    assert info["header"].native == {"id": "ES", "version": 4, "vid": "Sealhub"}
    assert info["es_id"].native == "1101080000017"
    prop = info["property"]
    assert [spec[0] for spec in prop._fields] == [
        "type",
        "name",
        "cert_list_type",
        "cert_list",
        "create_date",
        "valid_start",
        "valid_end",
    ]
    assert prop["type"].native == 1 and prop["name"].native == "合同专用章" and prop["cert_list_type"].native == 1
    assert isinstance(prop["create_date"], core.GeneralizedTime) and prop["create_date"].native == NOW
    assert info["picture"].native == {"type": "PNG", "data": b"\x89PNG\r\n\x1a\n picture", "width": 42, "height": 42}
    assert parsed["sign_alg_id"].dotted == sm2.SM3_WITH_SM2_OID
    assert parsed.dump(force=True) == der  # canonical DER
    seal = nf.parse_seal(der)
    assert seal.version == 4 and seal.certificates == [signer_cert.dump()]
    assert seal.maker_certificate == maker_cert.dump()
    assert (seal.valid_from, seal.valid_until) == (NOW - dt.timedelta(days=1), NOW + dt.timedelta(days=30))
    assert (seal.width_mm, seal.height_mm) == (42, 42)


def test_issued_seal_verifies(pki):
    verdict = nf.verify_seal(_seal(pki), trust=_trust(pki))
    assert verdict.verdict == nf.VALID
    assert [step.name for step in verdict.steps] == list(nf.SEAL_STEPS)


def test_seal_from_an_unknown_maker_is_invalid_at_the_maker_step(pki):
    other_key, other_cert = sm2.create_maker_authority("Not trusted")
    der = _seal(pki, maker_key=other_key, maker_certificate=other_cert.dump())
    verdict = nf.verify_seal(der, trust=_trust(pki))
    assert (verdict.verdict, verdict.failed_step) == (nf.INVALID, "maker_certificate")
    assert _results(verdict)["maker_signature"] == nf.OK


def test_seal_with_a_maker_signature_from_another_key_is_invalid(pki):
    other_key, _other_cert = sm2.create_maker_authority()
    verdict = nf.verify_seal(_seal(pki, maker_key=other_key), trust=_trust(pki))
    assert (verdict.verdict, verdict.failed_step) == (nf.INVALID, "maker_signature")


def test_expired_seal_is_invalid_at_the_validity_step(pki):
    der = _seal(pki, valid_from=NOW - dt.timedelta(days=30), valid_until=NOW - dt.timedelta(days=1))
    verdict = nf.verify_seal(der, trust=_trust(pki))
    assert (verdict.verdict, verdict.failed_step) == (nf.INVALID, "seal_validity")


@pytest.mark.parametrize(
    "der",
    [
        b"",
        b"not DER at all",
        b"\x30\x03\x02\x01\x01",
        b"\x30\x80\x00\x00",
        b"\x30\x06\x30\x04\x16\x02XX",
    ],
)
def test_malformed_seal_data_gives_a_structure_verdict(der, pki):
    verdict = nf.verify_seal(der, trust=_trust(pki))
    assert (verdict.verdict, verdict.failed_step) == (nf.CANNOT_VERIFY, "structure")


def test_truncated_and_bit_flipped_seals_never_crash(pki):
    der = _seal(pki)
    for cut in range(0, len(der), 97):
        assert nf.verify_seal(der[:cut], trust=_trust(pki)).verdict == nf.CANNOT_VERIFY
    for position in range(0, len(der), 53):
        flipped = der[:position] + bytes([der[position] ^ 0x01]) + der[position + 1 :]
        assert nf.verify_seal(flipped, trust=_trust(pki)).verdict in (nf.INVALID, nf.CANNOT_VERIFY)


def test_unknown_seal_version_is_named(pki):
    seal = nf.SESealV4.load(_seal(pki))
    info = nf.SealInfoV4.load(seal["eseal_info"].dump())
    info["header"] = {"id": "ES", "version": 3, "vid": "Sealhub"}
    seal["eseal_info"] = info
    verdict = nf.verify_seal(seal.dump(force=True), trust=_trust(pki))
    assert (verdict.verdict, verdict.failed_step) == (nf.CANNOT_VERIFY, "version")


# -- SES_Signature v4


def test_signature_round_trips_and_verifies(pki):
    der = _signature(pki, _seal(pki))
    raw = nf.SESSignatureV4.load(der)
    tbs = raw["to_sign"]
    assert [spec[0] for spec in tbs._fields] == [
        "version",
        "eseal",
        "time_info",
        "data_hash",
        "property_info",
        "ext_datas",
    ]
    assert tbs["version"].native == 4 and tbs["property_info"].native == "/ByteRange [0 41]"
    assert tbs["time_info"].native == NOW and bytes(tbs["data_hash"].native) == sm2.sm3(DOCUMENT)
    assert raw["cert"].native == pki[3].dump() and raw["signature_alg_id"].dotted == sm2.SM3_WITH_SM2_OID
    assert raw["time_stamp"].native is None
    verdict = nf.verify_signature(der, protected_data=lambda _property: DOCUMENT, trust=_trust(pki))
    assert verdict.verdict == nf.VALID, verdict.steps
    assert [step.name for step in verdict.steps] == list(nf.SIGNATURE_STEPS)
    assert _results(verdict)["timestamp"] == nf.SKIPPED


def test_changed_document_fails_the_hash_step(pki):
    der = _signature(pki, _seal(pki))
    changed = bytearray(DOCUMENT)
    changed[5] ^= 0x01
    verdict = nf.verify_signature(der, protected_data=lambda _property: bytes(changed), trust=_trust(pki))
    assert (verdict.verdict, verdict.failed_step) == (nf.INVALID, "document_hash")
    missing = nf.verify_signature(der, protected_data=lambda _property: None, trust=_trust(pki))
    assert missing.failed_step == "document_hash"


def test_signer_not_listed_in_the_seal_fails_that_step(pki):
    maker_key, maker_cert, _signer_key, _signer_cert = pki
    stranger_key = sm2.generate_key_pair()
    stranger_cert = sm2.issue_seal_certificate(
        maker_key=maker_key,
        maker_certificate=maker_cert,
        subject_name=sm2.name(common_name="x"),
        public_key=stranger_key.public_key,
    )
    der = _signature(pki, _seal(pki), signer_key=stranger_key, signer_certificate=stranger_cert.dump())
    verdict = nf.verify_signature(der, protected_data=lambda _property: DOCUMENT, trust=_trust(pki))
    assert (verdict.verdict, verdict.failed_step) == (nf.INVALID, "signer_listed")


def test_signature_with_a_wrong_value_fails_first_and_a_revoked_signer_too(pki):
    other = sm2.generate_key_pair()
    der = _signature(pki, _seal(pki), signer_key=other)
    verdict = nf.verify_signature(der, protected_data=lambda _property: DOCUMENT, trust=_trust(pki))
    assert verdict.failed_step == "signature_value"
    revoked = _trust(pki, revoked={pki[3].serial_number: NOW - dt.timedelta(minutes=1)})
    verdict = nf.verify_signature(_signature(pki, _seal(pki)), protected_data=lambda _p: DOCUMENT, trust=revoked)
    assert verdict.failed_step == "signer_certificate"


def test_malformed_signature_data_never_crashes(pki):
    der = _signature(pki, _seal(pki))
    for candidate in (b"", b"\x30\x00", der[:-1], der[: len(der) // 2], b"\x04\x02ab" + der):
        verdict = nf.verify_signature(candidate, protected_data=lambda _property: DOCUMENT, trust=_trust(pki))
        assert (verdict.verdict, verdict.failed_step) == (nf.CANNOT_VERIFY, "structure")
    for position in range(0, len(der), 61):
        flipped = der[:position] + bytes([der[position] ^ 0x80]) + der[position + 1 :]
        verdict = nf.verify_signature(flipped, protected_data=lambda _property: DOCUMENT, trust=_trust(pki))
        assert verdict.verdict in (nf.INVALID, nf.CANNOT_VERIFY)


# -- GM/T 0031 v1


def _seq(*parts) -> core.Sequence:
    """A SEQUENCE of already-encoded parts, written by hand (independent of our classes)."""
    body = b"".join(part.dump() for part in parts)
    length = len(body)
    encoded_length = bytes([length]) if length < 0x80 else bytes([0x82, length >> 8, length & 0xFF])
    return core.Sequence.load(b"\x30" + encoded_length + body)


def _v1_seal(pki) -> bytes:
    """Built field by field from the GM/T 0031-2014 list, independent of build_seal."""
    maker_key, maker_cert, _signer_key, signer_cert = pki
    seal_info = _seq(
        _seq(core.IA5String("ES"), core.Integer(1), core.IA5String("OtherVendor")),
        core.IA5String("V1-0001"),
        _seq(
            core.Integer(1),
            core.UTF8String("旧格式印章"),
            _seq(core.OctetString(signer_cert.dump())),
            core.UTCTime(NOW),
            core.UTCTime(NOW - dt.timedelta(days=1)),
            core.UTCTime(NOW + dt.timedelta(days=10)),
        ),
        _seq(core.IA5String("PNG"), core.OctetString(b"png"), core.Integer(40), core.Integer(40)),
    )
    cert = core.OctetString(maker_cert.dump())
    algorithm = core.ObjectIdentifier(sm2.SM3_WITH_SM2_OID)
    signed = _seq(seal_info, cert, algorithm).dump()
    sign_info = _seq(cert, algorithm, core.OctetBitString(sm2.sign(maker_key, signed)))
    return _seq(seal_info, sign_info).dump()


def test_gmt0031_v1_seal_is_parsed_and_verified(pki):
    der = _v1_seal(pki)
    seal = nf.parse_seal(der)
    assert (seal.version, seal.vendor_id, seal.es_id, seal.name) == (1, "OtherVendor", "V1-0001", "旧格式印章")
    assert seal.certificates == [pki[3].dump()] and seal.width_mm == 40
    assert nf.verify_seal(der, trust=_trust(pki)).verdict == nf.VALID


def test_gmt0031_v1_signature_is_parsed_and_verified(pki):
    _maker_key, _maker_cert, signer_key, signer_cert = pki
    tbs = _seq(
        core.Integer(1),
        core.Sequence.load(_v1_seal(pki)),
        core.OctetBitString(core.UTCTime(NOW).dump()),
        core.OctetBitString(sm2.sm3(DOCUMENT)),
        core.IA5String("whole file"),
        core.OctetString(signer_cert.dump()),
        core.ObjectIdentifier(sm2.SM3_WITH_SM2_OID),
    )
    der = _seq(tbs, core.OctetBitString(sm2.sign(signer_key, tbs.dump()))).dump()
    signature = nf.parse_signature(der)
    assert (signature.version, signature.signed_at, signature.property_info) == (1, NOW, "whole file")
    verdict = nf.verify_signature(der, protected_data=lambda _property: DOCUMENT, trust=_trust(pki))
    assert verdict.verdict == nf.VALID, verdict.steps
