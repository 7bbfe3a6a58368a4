"""The platform's protocol answers: RFC 3161 timestamp replies and RFC 6960 OCSP responses.
Plain functions over bytes and `cryptography` objects; the views in seals/views.py feed
them the request body, the keys (under MASTER_KEY, seals/pki.py) and the revocation state.

Every request is hostile: a request that does not parse gets the protocol's own refusal
(a TimeStampResp with status "rejection", an OCSP "malformedRequest"), never an exception."""

from __future__ import annotations

import datetime as dt
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from asn1crypto import cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp

from sealcore.timestamp_token import TokenSigner

# Largest request body either endpoint reads. A timestamp request for a SHA-512 imprint with
# a nonce and a policy is about 100 bytes; an OCSP request with a nonce about 120.
MAX_REQUEST_BYTES = 4096

# The policy under which the platform TSA issues tokens: a UUID-derived OID (X.667), ours alone.
TSA_POLICY_OID = "2.25.159431716834036521849371553290380148571"

IMPRINT_LENGTHS = {"sha256": 32, "sha384": 48, "sha512": 64}
OCSP_VALIDITY = dt.timedelta(hours=24)


# --- RFC 3161 ---------------------------------------------------------------------------


class TimeStampResp(core.Sequence):
    """RFC 3161's TimeStampResp, whose token is OPTIONAL (absent when refused): asn1crypto's
    `tsp.TimeStampResp` requires it, so it can neither build nor read a refusal."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


def _rejection(fail_info: str, text: str) -> bytes:
    status = tsp.PKIStatusInfo(
        {"status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({fail_info})}
    )
    return TimeStampResp({"status": status}).dump()


def _parsed_timestamp_request(body: bytes) -> tsp.TimeStampReq:
    request = tsp.TimeStampReq.load(body, strict=True)
    request.native  # noqa: B018 (parses every field now: a malformed one raises here, not later)
    return request


def timestamp_reply(
    body: bytes, *, tsa_key, tsa_cert: x509.Certificate, chain: list[x509.Certificate], now: dt.datetime
) -> bytes:
    """The DER TimeStampResp for the DER TimeStampReq `body`: a token over the requested
    imprint at `now`, or a rejection naming what was wrong with the request."""
    try:
        request = _parsed_timestamp_request(body)
    except (ValueError, TypeError, KeyError, OverflowError):
        return _rejection("bad_data_format", "the request is not a DER TimeStampReq")
    if request["version"].native != "v1":
        return _rejection("bad_request", "only version 1 requests are answered")
    imprint = request["message_imprint"]
    algorithm = imprint["hash_algorithm"]["algorithm"].native
    if algorithm not in IMPRINT_LENGTHS:
        return _rejection("bad_alg", "the imprint must be SHA-256, SHA-384 or SHA-512")
    if len(imprint["hashed_message"].native) != IMPRINT_LENGTHS[algorithm]:
        return _rejection("bad_data_format", "the imprint's length does not match its algorithm")
    policy = request["req_policy"].native
    if policy is not None and policy != TSA_POLICY_OID:
        return _rejection("unaccepted_policy", "the requested policy is not this TSA's")
    if request["extensions"].native:
        return _rejection("unaccepted_extension", "no request extensions are accepted")
    tst_info = {
        "version": "v1",
        "policy": TSA_POLICY_OID,
        "message_imprint": tsp.MessageImprint(
            {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": imprint["hashed_message"].native}
        ),
        "serial_number": secrets.randbits(127),
        "gen_time": core.GeneralizedTime(now.astimezone(dt.UTC)),
        "accuracy": {"seconds": 1},
        "ordering": False,
    }
    if request["nonce"].native is not None:
        tst_info["nonce"] = request["nonce"].native
    token = _token_signer(tsa_key, tsa_cert, tuple(chain)).token(
        tsp.TSTInfo(tst_info), now=now, with_certificates=bool(request["cert_req"].native)
    )
    return tsp.TimeStampResp({"status": {"status": "granted"}, "time_stamp_token": token}).dump()


def _asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@functools.lru_cache(maxsize=4)
def _token_signer(tsa_key, tsa_cert: x509.Certificate, chain: tuple[x509.Certificate, ...]) -> TokenSigner:
    """Per process and TSA (pki.authority keeps the key object): the certificates are
    encoded into the token's fixed parts once, not for every token."""
    der = serialization.Encoding.DER
    return TokenSigner(key=tsa_key, certificate=tsa_cert.public_bytes(der), chain=[c.public_bytes(der) for c in chain])


# --- RFC 6960 ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateStatus:
    """What an issuer says about one serial: good, revoked since `revoked_at` for `reason`,
    or unknown (`issued` false: a serial it never issued is never "good", RFC 6960 2.2)."""

    revoked_at: dt.datetime | None = None
    reason: x509.ReasonFlags | None = None
    issued: bool = True


@dataclass(frozen=True)
class OcspIssuer:
    """A CA the responder answers for; it signs its own responses (RFC 6960 §4.2.2.2)."""

    key: object
    certificate: x509.Certificate
    status_of: Callable[[int], CertificateStatus]


def unsuccessful_ocsp(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(serialization.Encoding.DER)


def _hashes_of(certificate: x509.Certificate, algorithm: hashes.HashAlgorithm) -> tuple[bytes, bytes]:
    name = hashes.Hash(algorithm)
    name.update(certificate.subject.public_bytes())
    key_bits = _asn1(certificate)["tbs_certificate"]["subject_public_key_info"]["public_key"].contents[1:]
    key = hashes.Hash(algorithm)
    key.update(key_bits)
    return name.finalize(), key.finalize()


def ocsp_reply(body: bytes, *, issuers: list[OcspIssuer], now: dt.datetime) -> bytes:
    """The DER OCSPResponse for the DER OCSPRequest `body`."""
    try:
        request = ocsp.load_der_ocsp_request(body)
        algorithm = request.hash_algorithm
        wanted = (request.issuer_name_hash, request.issuer_key_hash)
        serial = request.serial_number
        nonce = _nonce_of(request)
    except Exception:  # ValueError for bad DER, UnsupportedAlgorithm for an unknown hash, ...
        return unsuccessful_ocsp(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
    issuer = next((i for i in issuers if _hashes_of(i.certificate, algorithm) == wanted), None)
    if issuer is None:
        return unsuccessful_ocsp(ocsp.OCSPResponseStatus.UNAUTHORIZED)
    try:
        return _signed_ocsp_answer(issuer, wanted, serial, algorithm, nonce, now)
    except Exception:  # a serial the builder cannot encode, a status lookup that failed: still OCSP
        return unsuccessful_ocsp(ocsp.OCSPResponseStatus.INTERNAL_ERROR)


def _signed_ocsp_answer(issuer: OcspIssuer, wanted, serial: int, algorithm, nonce, now: dt.datetime) -> bytes:
    status = issuer.status_of(serial)
    this_update = now.astimezone(dt.UTC).replace(microsecond=0)
    builder = ocsp.OCSPResponseBuilder().add_response_by_hash(
        issuer_name_hash=wanted[0],
        issuer_key_hash=wanted[1],
        serial_number=serial,
        algorithm=algorithm,
        cert_status=_cert_status(status),
        this_update=this_update,
        next_update=this_update + OCSP_VALIDITY,
        revocation_time=status.revoked_at.astimezone(dt.UTC).replace(microsecond=0) if status.revoked_at else None,
        revocation_reason=status.reason if status.revoked_at else None,
    )
    builder = builder.responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.certificate)
    if nonce is not None:
        builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    digest = hashes.SHA384() if isinstance(issuer.key, ec.EllipticCurvePrivateKey) else hashes.SHA256()
    response = builder.sign(issuer.key, digest)
    return response.public_bytes(serialization.Encoding.DER)


def _cert_status(status: CertificateStatus) -> ocsp.OCSPCertStatus:
    if status.revoked_at is not None:
        return ocsp.OCSPCertStatus.REVOKED
    return ocsp.OCSPCertStatus.GOOD if status.issued else ocsp.OCSPCertStatus.UNKNOWN


def _nonce_of(request: ocsp.OCSPRequest) -> bytes | None:
    try:
        return request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound:
        return None
