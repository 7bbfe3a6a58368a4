"""Timestamps from RFC 3161 authorities over HTTP, and the validation data that makes a
signature B-LT. Pure: the caller passes the TSA list and the trust roots.

pyHanko's HTTP client checks the answer's status and nonce but not the imprint, the token's
signature or who signed it: `CheckedTimeStamper` checks all of them before a token is used,
and tries the next TSA when one is down or answers wrongly. Nothing falls back to local time."""

from __future__ import annotations

import datetime as dt
import functools
import ssl
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

import aiohttp
import certifi
from asn1crypto import cms, core, tsp
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from pyhanko.sign.timestamps.aiohttp_client import HTTPTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.aiohttp_fetchers import AIOHttpFetcherBackend
from pyhanko_certvalidator.fetchers.aiohttp_fetchers.util import LazySession
from pyhanko_certvalidator.fetchers.api import OwnedFetcherBackend


class _TimeStampResp(core.Sequence):
    """RFC 3161's TimeStampResp with its token OPTIONAL: asn1crypto's `tsp.TimeStampResp`
    (which pyHanko's client loads) requires it and cannot read a TSA's refusal."""

    _fields = [("status", tsp.PKIStatusInfo), ("time_stamp_token", cms.ContentInfo, {"optional": True})]


@dataclass(frozen=True)
class TsaEndpoint:
    url: str
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    @classmethod
    def from_url(cls, url: str, *, timeout: float = 10.0) -> TsaEndpoint:
        """`https://user:password@tsa.example/path`: the credentials leave the URL and go in
        an Authorization header (HTTP basic)."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        netloc = f"[{host}]" if ":" in host else host
        if parts.port:
            netloc += f":{parts.port}"
        return cls(
            url=urlunsplit((parts.scheme, netloc, parts.path, parts.query, "")),
            username=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            timeout=timeout,
        )


@dataclass(frozen=True)
class RemoteTimestamping:
    """Ask `endpoints` in order; accept a token only from a TSA certificate that chains to
    one of `trust_roots_pem` and is meant for timestamping."""

    endpoints: tuple[TsaEndpoint, ...]
    trust_roots_pem: tuple[str, ...]


@dataclass(frozen=True)
class LongTermValidation:
    """B-LT: after signing, fetch revocation data (OCSP, CRL) for the signer's and the TSA's
    chains up to `trust_roots_pem` and embed it with the certificates in the DSS."""

    trust_roots_pem: tuple[str, ...]


class TimestampUnavailable(Exception):  # noqa: N818 (a condition to wait on, not a bug)
    """No TSA gave a good token. `reason`: unreachable, refused, bad_nonce, bad_imprint,
    untrusted, malformed. The job waits and tries again; it never uses local time."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


def _certificate(pem: str) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(asn1_pem.unarmor(pem.encode())[2])


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One per process: pyHanko's HTTP clients build a new one (reading the whole CA bundle,
    ~20 ms of CPU) for every request, about a quarter of a seal's CPU. A context holds no
    connection state and may serve any number of sessions and event loops."""
    return ssl.create_default_context(cafile=certifi.where())


def _http_session() -> aiohttp.ClientSession:
    """Opened inside the running event loop (each signing runs its own) and closed by its user."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_tls_context()))


class _SharedTlsLazySession(LazySession):
    def get_session(self):
        if self._session is None:
            self._session = _http_session()
        return self._session


def validation_context(trust_roots_pem: tuple[str, ...], *, fetching: bool):
    """For checking tokens (no fetching: the token carries its chain) and for gathering
    B-LT data (fetching from the OCSP/CRL addresses in the certificates). `hard-fail`: a
    certificate that names a revocation source must get an answer from it. The context's
    moment is fixed when it is built: on a busy machine the OCSP answer fetched while
    signing is dated seconds later, which the default one-second tolerance calls "too recent"."""
    return ValidationContext(
        trust_roots=[_certificate(pem) for pem in trust_roots_pem],
        allow_fetching=fetching,
        revocation_mode="hard-fail" if fetching else "soft-fail",
        time_tolerance=FETCHED_REVOCATION_TOLERANCE if fetching else dt.timedelta(seconds=1),
        # The context's moment is when it was made; an answer fetched a second or more later
        # (a loaded machine) would otherwise be refused as "too recent".
        retroactive_revinfo=fetching,
        # Owned: the context closes the session when its operation ends, as it does its default one.
        fetcher_backend=OwnedFetcherBackend(AIOHttpFetcherBackend(session=_SharedTlsLazySession()))
        if fetching
        else None,
    )


FETCHED_REVOCATION_TOLERANCE = dt.timedelta(minutes=2)


def checked_timestamper(timestamping: RemoteTimestamping):
    class CheckedTimeStamper(TimeStamper):
        async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
            failures: list[TimestampUnavailable] = []
            for endpoint in timestamping.endpoints:
                nonce, request = self.request_cms(message_digest, md_algorithm)
                auth = (endpoint.username, endpoint.password) if endpoint.username else None
                try:
                    async with _http_session() as session:
                        client = HTTPTimeStamper(endpoint.url, timeout=endpoint.timeout, auth=auth, session=session)
                        response = await client.async_request_tsa_response(request)
                    token = await _checked(response, nonce, message_digest, md_algorithm)
                except TimestampRequestError as error:
                    failures.append(TimestampUnavailable("unreachable", f"{endpoint.url}: {error}"))
                except TimestampUnavailable as error:
                    failures.append(TimestampUnavailable(error.reason, f"{endpoint.url}: {error.detail}"))
                except Exception as error:  # a reply that does not parse as DER, or parses wrongly
                    failures.append(TimestampUnavailable("malformed", f"{endpoint.url}: {type(error).__name__}"))
                else:
                    return token
            answered = [f for f in failures if f.reason != "unreachable"]
            first = (answered or failures or [TimestampUnavailable("unreachable", "no TSA is configured")])[0]
            raise TimestampUnavailable(first.reason, "; ".join(f.detail for f in failures) or first.detail)

    async def _checked(loaded: tsp.TimeStampResp, nonce: int, message_digest: bytes, md_algorithm: str):
        response = _TimeStampResp.load(loaded.dump())
        status = response["status"]["status"].native
        if status not in ("granted", "granted_with_mods"):
            texts = response["status"]["status_string"].native or []
            raise TimestampUnavailable("refused", f"status {status} {'; '.join(texts)}".strip())
        token = response["time_stamp_token"]
        signed_data = token["content"]
        tst_info = signed_data["encap_content_info"]["content"].parsed
        if tst_info["nonce"].native != nonce:
            raise TimestampUnavailable("bad_nonce", "the reply's nonce is not the request's")
        imprint = tst_info["message_imprint"]
        if (
            imprint["hash_algorithm"]["algorithm"].native != md_algorithm
            or imprint["hashed_message"].native != message_digest
        ):
            raise TimestampUnavailable("bad_imprint", "the token is for another imprint")
        result = await validate_tst_signed_data(
            signed_data,
            validation_context(timestamping.trust_roots_pem, fetching=False),
            expected_tst_imprint=lambda _algorithm: message_digest,
        )
        if not (result.get("intact") and result.get("valid")):
            raise TimestampUnavailable("untrusted", "the token's signature does not verify")
        if result.get("trust_problem_indic") is not None:
            raise TimestampUnavailable("untrusted", "the TSA's certificate does not chain to a trusted root")
        return token

    return CheckedTimeStamper()
