"""Who is asking: the client's address, the one way every part of Sealhub reads it."""

from __future__ import annotations

from django.conf import settings


def client_address(request) -> str | None:
    """The connection's address, or behind NUM_PROXIES trusted reverse proxies the address
    the outermost of them saw (the entry that many places from the end of X-Forwarded-For;
    anything before it the client may have written itself). Audit rows, lockout records and
    evidence all use this, so behind a proxy they name the client, not the proxy."""
    if request is None:
        return None
    proxies = settings.NUM_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        addresses = [address.strip() for address in forwarded.split(",") if address.strip()]
        if addresses:
            return addresses[-min(proxies, len(addresses))]
    return request.META.get("REMOTE_ADDR")


def client_user_agent(request) -> str:
    """The browser's or client's own description (untrusted text), cut to what evidence keeps."""
    if request is None:
        return ""
    return str(request.META.get("HTTP_USER_AGENT", ""))[:300]
