"""Deviations real producers ship (docs: sealcore/ofd/*), reproduced with the tests' own writer
and PKI where no public sample can be kept: each is read as the field writes it, and what
would weaken the check still fails."""

from __future__ import annotations

import datetime as dt

import pytest
from asn1crypto import x509 as asn1_x509

from sealcore import national_format as nf
from sealcore import sm2
from sealcore.ofd import seal as ofd_seal
from sealcore.ofd import verify as ofd_verify
from sealcore.ofd.package import Box
from tests.ofd import independent, writer
from tests.ofd.conftest import NOW, PICTURE, Party


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
