"""RFC 3161 time-stamp tokens signed in this process (the platform TSA's endpoint and the
in-process responder of tests and benchmarks).

What does not change from token to token (the signer identifier, the ESS
signing-certificate attribute, the certificates to embed) is encoded once per signer and
reused as DER: asn1crypto copies and re-encodes a parsed certificate each time one is put
into a new structure, which cost ≈4 ms of the ≈5 ms a token took, far more than the
signature itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


class TokenSigner:
    """Signs TSTInfo values as the TSA whose key and certificate (DER) it was built with;
    `chain` (DER, issuer first) goes into tokens that ask for certificates."""

    def __init__(self, *, key, certificate: bytes, chain: Sequence[bytes] = ()):
        if isinstance(key, rsa.RSAPrivateKey):
            self._algorithm = "sha256_rsa"
        elif isinstance(key, ec.EllipticCurvePrivateKey):
            self._algorithm = "sha256_ecdsa"
        else:
            raise TypeError("the TSA key must be RSA or EC")
        self._key = key
        tsa = asn1_x509.Certificate.load(certificate)
        self._signer_identifier = cms.SignerIdentifier(
            {"issuer_and_serial_number": {"issuer": tsa.issuer, "serial_number": tsa.serial_number}}
        ).dump()
        signing_certificate = tsp.SigningCertificateV2(
            {
                "certs": [
                    {
                        "hash_algorithm": {"algorithm": "sha256"},
                        "cert_hash": hashlib.sha256(certificate).digest(),
                        "issuer_serial": {
                            "issuer": [asn1_x509.GeneralName({"directory_name": tsa.issuer})],
                            "serial_number": tsa.serial_number,
                        },
                    }
                ]
            }
        )
        self._fixed_attributes = (
            cms.CMSAttribute({"type": "content_type", "values": ["tst_info"]}).dump(),
            cms.CMSAttribute({"type": "signing_certificate_v2", "values": [signing_certificate]}).dump(),
        )
        self._certificates = (certificate, *chain)

    def _signature(self, data: bytes) -> bytes:
        if self._algorithm == "sha256_rsa":
            return self._key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        return self._key.sign(data, ec.ECDSA(hashes.SHA256()))

    def token(self, tst_info: tsp.TSTInfo, *, now: dt.datetime, with_certificates: bool = True) -> cms.ContentInfo:
        """The token (a CMS SignedData over `tst_info`, signed attributes as RFC 3161 and
        RFC 5816 ask) signed now."""
        content = tst_info.dump()
        content_type, signing_certificate = (cms.CMSAttribute.load(der) for der in self._fixed_attributes)
        signed_attributes = cms.CMSAttributes(
            [
                content_type,
                {"type": "signing_time", "values": [cms.Time({"utc_time": core.UTCTime(now.astimezone(dt.UTC))})]},
                signing_certificate,
                {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
            ]
        )
        signer_info = cms.SignerInfo(
            {
                "version": "v1",
                "sid": cms.SignerIdentifier.load(self._signer_identifier),
                "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                "signed_attrs": signed_attributes,
                "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": self._algorithm}),
                "signature": self._signature(signed_attributes.dump()),
            }
        )
        certificates = [asn1_x509.Certificate.load(der) for der in self._certificates] if with_certificates else None
        signed_data = cms.SignedData(
            {
                "version": "v3",
                "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
                "encap_content_info": {"content_type": "tst_info", "content": core.ParsableOctetString(content)},
                "certificates": certificates,
                "signer_infos": [signer_info],
            }
        )
        return cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
