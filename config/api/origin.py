"""Cross-site requests to endpoints that take no credentials.

DRF exempts its views from Django's CSRF check and checks the token only for requests a
session cookie authenticates. The platform's public endpoints (sign-in above all) run
before any session exists, so another site could post a sign-in form from a visitor's
browser and leave the attacker's session in it (login CSRF). Browsers say where a request
comes from; API clients without cookies say nothing and stay welcome.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.http import is_same_domain
from django.utils.translation import gettext as _
from rest_framework.permissions import SAFE_METHODS, BasePermission

from config.errors import ApplicationError


def _trusted(origin: str) -> bool:
    """CSRF_TRUSTED_ORIGINS, read as Django's CSRF middleware reads it (`*.` for subdomains)."""
    parsed = urlsplit(origin)
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        if origin == trusted:
            return True
        allowed = urlsplit(trusted)
        wildcard = allowed.netloc.startswith("*")
        if wildcard and allowed.scheme == parsed.scheme and is_same_domain(parsed.netloc, allowed.netloc[1:]):
            return True
    return False


def request_is_cross_site(request) -> bool:
    """True when the browser tells us the request was made by a page of another origin."""
    meta = request.META
    if meta.get("HTTP_SEC_FETCH_SITE", "").lower() == "cross-site":
        return True
    claimed = meta.get("HTTP_ORIGIN")
    if claimed is None:
        referer = meta.get("HTTP_REFERER")
        if not referer:
            return False  # not a browser (or one told to send nothing): no cookie to plant either
        try:
            parsed = urlsplit(referer)
        except ValueError:
            return True
        claimed = f"{parsed.scheme}://{parsed.netloc}"
    try:
        own = f"{'https' if request.is_secure() else 'http'}://{request.get_host()}"
    except DisallowedHost:
        return True
    return not (claimed == own or _trusted(claimed))


class NotFromAnotherSite(BasePermission):
    """Unsafe methods from another site's pages are refused with a reason."""

    def has_permission(self, request, view) -> bool:
        if request.method not in SAFE_METHODS and request_is_cross_site(request):
            raise ApplicationError(
                _("This request came from another site. Sign in on Sealhub's own pages."),
                "cross_site_request",
                status=403,
            )
        return True
