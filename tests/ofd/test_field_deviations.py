"""Deviations real producers ship (docs: sealcore/ofd/*), reproduced with the tests' own writer
and PKI where no public sample can be kept: each is read as the field writes it, and what
would weaken the check still fails."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import cms, core
from asn1crypto import x509 as asn1_x509

from sealcore import national_format as nf
from sealcore import sm2
from sealcore.ofd import seal as ofd_seal
from sealcore.ofd import signed_data
from sealcore.ofd import verify as ofd_verify
from sealcore.ofd.package import Box
from tests.ofd import independent, writer
from tests.ofd.conftest import NOW, PICTURE, Party
from tests.ofd.test_field_samples import SAMPLES


def _utf8_in_ia5_name() -> asn1_x509.Name:
    """A subject with UTF-8 bytes in an IA5String emailAddress, as a provincial CA issues them."""
    der = asn1_x509.Name.build({"common_name": "53011200000556", "email_address": "abcdefghijkl"}).dump()
    return asn1_x509.Name.load(der.replace(b"abcdefghijkl", "电子邮箱".encode()))


def _party_with_odd_name(maker) -> Party:
    maker_key, maker_cert = maker
    key = sm2.generate_key_pair()
    certificate = sm2.issue_certificate(
        issuer_key=maker_key,
        issuer_name=maker_cert.subject,
        subject_name=_utf8_in_ia5_name(),
        subject_public_key=key.public_key,
        validity=dt.timedelta(days=30),
        is_ca=False,
        now=NOW - dt.timedelta(hours=1),
    ).dump()
    seal = nf.build_seal(
        maker_key=maker_key,
        maker_certificate=maker_cert.dump(),
        es_id="5301120000055",
        name="住房和城乡建设厅",
        seal_type=nf.SEAL_TYPE_ORGANISATION,
        signer_certificates=[certificate],
        valid_from=NOW - dt.timedelta(days=1),
        valid_until=NOW + dt.timedelta(days=30),
        picture_png=PICTURE,
        width_mm=40,
        height_mm=40,
        created_at=NOW,
    )
    return Party(key=key, certificate=certificate, seal=seal)


def test_a_signer_certificate_with_utf8_in_an_ia5_name_verifies_and_shows_the_name(maker, trust):
    party = _party_with_odd_name(maker)
    sealed = ofd_seal.seal_ofd(
        writer.build_ofd(),
        sign=party.sign,
        signer_certificate=party.certificate,
        signed_at=NOW,
        seal_der=party.seal,
        placements=[ofd_seal.Placement(page=0, box=Box(20, 20, 40, 40))],
    )
    report = ofd_verify.verify_ofd(sealed, trust=trust)
    assert report.verdict == ofd_verify.VALID, report.signatures
    assert "电子邮箱" in report.signatures[0].signer
    assert independent.all_good(independent.check(sealed)[0])
    # Its bytes are what is signed: the same certificate under another maker is still untrusted.
    report = ofd_verify.verify_ofd(sealed, trust=nf.Trust(makers=[sm2.create_maker_authority()[1].dump()]))
    assert report.verdict == ofd_verify.CANNOT_VERIFY


def test_a_certificate_with_odd_name_text_and_a_broken_validity_stays_malformed():
    key = sm2.generate_key_pair()
    certificate = sm2.issue_certificate(
        issuer_key=key,
        issuer_name=_utf8_in_ia5_name(),
        subject_name=_utf8_in_ia5_name(),
        subject_public_key=key.public_key,
        validity=dt.timedelta(days=1),
        is_ca=False,
    ).dump()
    parsed = sm2.load_certificate(certificate)
    assert sm2.display_name(parsed.subject).startswith("Email Address: 电子邮箱")
    utc_time = certificate.index(b"\x17\x0d")  # notBefore, UTCTime of 13 characters
    broken = certificate[: utc_time + 2] + b"XX" + certificate[utc_time + 4 :]
    with pytest.raises(ValueError, match="malformed certificate"):
        sm2.load_certificate(broken)


def _signed_data_with_attributes(*, sign, signer_certificate: bytes, content: bytes, digest: bytes | None = None):
    """A type Sign value as a bank's receipts carry it: PKCS#7 SignedData whose SM2 signature
    covers signed attributes, messageDigest being SM3 of Signature.xml."""
    certificate = sm2.load_certificate(signer_certificate)
    attributes = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [signed_data.GBT35275_DATA]},
            {"type": "message_digest", "values": [digest or sm2.sm3(content)]},
        ]
    )
    value = cms.SignedData(
        {
            "version": "v1",
            "digest_algorithms": [{"algorithm": sm2.SM3_OID}],
            "encap_content_info": {"content_type": signed_data.GBT35275_DATA},
            "certificates": [certificate],
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": {
                        "issuer_and_serial_number": {
                            "issuer": certificate.issuer,
                            "serial_number": certificate.serial_number,
                        }
                    },
                    "digest_algorithm": {"algorithm": sm2.SM3_OID},
                    "signed_attrs": attributes,
                    "signature_algorithm": {"algorithm": signed_data.SM2_SIGN_OID},
                    "signature": sign(attributes.dump()),
                }
            ],
        }
    )
    inner = value.dump()
    wrapped = core.ObjectIdentifier(signed_data.GBT35275_SIGNED_DATA).dump() + _der(0xA0, inner)
    return _der(0x30, wrapped)


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    size = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([tag]) + (bytes([length]) if length < 0x80 else bytes([0x80 | len(size)]) + size) + content


@pytest.mark.parametrize("digest_right", [True, False])
def test_a_sign_value_over_signed_attributes_is_checked_through_its_message_digest(
    digest_right, alpha, trust, monkeypatch
):
    def build(*, sign, signer_certificate, content):
        digest = None if digest_right else sm2.sm3(content + b" ")
        return _signed_data_with_attributes(
            sign=sign, signer_certificate=signer_certificate, content=content, digest=digest
        )

    monkeypatch.setattr(ofd_seal.signed_data, "build", build)
    signed = ofd_seal.seal_ofd(
        writer.build_ofd(), sign=alpha.sign, signer_certificate=alpha.certificate, signed_at=NOW, kind=ofd_seal.SIGN
    )
    report = ofd_verify.verify_ofd(signed, trust=trust)
    (checked,) = independent.check(signed)
    assert checked["signer_signature"] is True  # the attributes themselves are signed either way
    if digest_right:
        assert report.verdict == ofd_verify.VALID, report.signatures
        assert independent.all_good(checked)
    else:
        assert report.verdict == ofd_verify.INVALID
        assert checked["message_digest_is_sm3_of_signature_xml"] is False


def test_a_certificate_not_in_der_is_checked_over_its_bytes_as_issued():
    raw = (SAMPLES / "ofdrw-jsgxca-signer.cer").read_bytes()
    parsed = sm2.load_certificate(raw)
    assert parsed.dump() != raw  # asn1crypto re-encodes it on the way out
    moment = parsed["tbs_certificate"]["validity"]["not_before"].native + dt.timedelta(days=1)
    # Trusted as itself: recognised by its bytes.
    assert nf.signer_certificate_step(parsed, nf.Trust(makers=[raw]), moment).result == nf.OK
    # Issued by a CA: the CA's signature is over the TBSCertificate bytes as stored.
    ca_key = sm2.generate_key_pair()
    ca = sm2.issue_certificate(
        issuer_key=ca_key,
        issuer_name=parsed.issuer,
        subject_name=parsed.issuer,
        subject_public_key=ca_key.public_key,
        validity=dt.timedelta(days=3650),
        is_ca=True,
        now=moment - dt.timedelta(days=365),
    )
    tbs = parsed.original_tbs
    value = sm2.sign(ca_key, tbs)
    algorithm = raw[len(raw) - len(parsed["signature_value"].dump()) - len(parsed["signature_algorithm"].dump()) :][
        : len(parsed["signature_algorithm"].dump())
    ]
    reissued = _der(0x30, tbs + algorithm + _der(0x03, b"\x00" + value))
    assert sm2.certificate_signed_by(sm2.load_certificate(reissued), ca)
    assert (
        nf.signer_certificate_step(sm2.load_certificate(reissued), nf.Trust(makers=[ca.dump()]), moment).result == nf.OK
    )
