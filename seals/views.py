from __future__ import annotations

import base64
import binascii
import logging

from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from config.api.throttling import SlidingWindowThrottle
from config.client import client_address
from seals import pki, responders

logger = logging.getLogger(__name__)


@cache_control(public=True, max_age=300)
def seal_ca_crl(request):
    return HttpResponse(pki.seal_ca_crl_der(), content_type="application/pkix-crl")


@cache_control(public=True, max_age=300)
def root_crl(request):
    return HttpResponse(pki.root_crl_der(), content_type="application/pkix-crl")


@cache_control(public=True, max_age=86400)
def authority_certificate(request, role: str):
    roles = {"root": pki.Role.ROOT, "seal-ca": pki.Role.SEAL_CA, "tsa": pki.Role.TSA}
    if role not in roles:
        return HttpResponse(status=404)
    der = pki.certificate(roles[role]).public_bytes(serialization.Encoding.DER)
    return HttpResponse(der, content_type="application/pkix-cert")


# --- protocol endpoints (RFC 3161, RFC 6960) ------------------------------------------------
# Machines post DER to these, with no session and no CSRF token: they change nothing, and each
# answers in its own protocol. Bodies are read up to responders.MAX_REQUEST_BYTES only.


class _ProtocolThrottle(SlidingWindowThrottle):
    """The project's sliding-window budget, per client address, for the protocol endpoints
    (`rate_setting` names the setting). While Redis is away they keep answering: an answer
    costs one signature, and these endpoints guard no secret."""

    rate_setting = ""

    def get_rate(self) -> str:
        return getattr(settings, self.rate_setting)

    def get_cache_key(self, request, view) -> str:
        return f"throttle:{self.scope}:ip:{client_address(request) or 'unknown'}"


class TsaThrottle(_ProtocolThrottle):
    scope = "tsa"
    rate_setting = "TSA_RATE_LIMIT"


class OcspThrottle(_ProtocolThrottle):
    scope = "ocsp"
    rate_setting = "OCSP_RATE_LIMIT"


def _over_budget(request, throttle_class: type[_ProtocolThrottle]) -> int | None:
    """Seconds to wait when the client's budget is spent, else None."""
    throttle = throttle_class()
    if throttle.allow_request(request, None):
        return None
    return int(throttle.wait() or 60)


def _body_within_limit(request) -> bytes | None:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return None
    if declared > responders.MAX_REQUEST_BYTES:
        return None
    body = request.read(responders.MAX_REQUEST_BYTES + 1)
    return body if len(body) <= responders.MAX_REQUEST_BYTES else None


def _content_type(request) -> str:
    return request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()


@csrf_exempt
@require_http_methods(["POST"])
def timestamp_authority(request):
    """RFC 3161 over HTTP: application/timestamp-query in, application/timestamp-reply out."""
    wait = _over_budget(request, TsaThrottle)
    if wait is not None:
        response = HttpResponse("too many timestamp requests\n", status=429, content_type="text/plain")
        response["Retry-After"] = str(wait)
        return response
    if _content_type(request) != "application/timestamp-query":
        return HttpResponse("expected application/timestamp-query\n", status=415, content_type="text/plain")
    body = _body_within_limit(request)
    if body is None:
        return HttpResponse("timestamp request too large\n", status=413, content_type="text/plain")
    return HttpResponse(pki.timestamp_reply_der(body), content_type="application/timestamp-reply")


def _ocsp_response(der: bytes) -> HttpResponse:
    return HttpResponse(der, content_type="application/ocsp-response")


def _ocsp_refusal(status) -> HttpResponse:
    return _ocsp_response(responders.unsuccessful_ocsp(status))


@csrf_exempt
@require_http_methods(["GET", "POST"])
def ocsp_responder(request, encoded: str = ""):
    """RFC 6960: a DER OCSPRequest posted as application/ocsp-request, or base64 in the
    path of a GET (appendix A.1). Anything that is not one gets malformedRequest."""
    status = responders.ocsp.OCSPResponseStatus
    if _over_budget(request, OcspThrottle) is not None:
        return _ocsp_refusal(status.TRY_LATER)
    if request.method == "GET":
        if len(encoded) > 2 * responders.MAX_REQUEST_BYTES:
            return _ocsp_refusal(status.MALFORMED_REQUEST)
        try:
            body = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            return _ocsp_refusal(status.MALFORMED_REQUEST)
    else:
        if _content_type(request) != "application/ocsp-request":
            return _ocsp_refusal(status.MALFORMED_REQUEST)
        body = _body_within_limit(request)
        if body is None:
            return _ocsp_refusal(status.MALFORMED_REQUEST)
    try:
        return _ocsp_response(pki.ocsp_reply_der(body))
    except Exception:  # the keys or the revocation state unreadable for a moment: still OCSP, never a 5xx
        logger.exception("OCSP answer failed")
        return _ocsp_refusal(status.INTERNAL_ERROR)
