from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from tenants.models import ApiKey
from tenants.selectors import api_key_find_usable

LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyPrincipal:
    """Stands in for `request.user` when a request is made with a company API key."""

    is_authenticated = True
    is_anonymous = False
    is_staff = False
    is_active = True
    audit_user_id = None

    def __init__(self, api_key: ApiKey):
        self.api_key = api_key
        self.pk = f"api_key:{api_key.pk}"

    def __str__(self) -> str:
        return f"API key {self.api_key.name} ({self.api_key.prefix})"


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _sep, raw_key = header.partition(" ")
        if keyword != self.keyword:
            return None
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_platform:
            raise exceptions.AuthenticationFailed(_("API keys work only on their company's host."))
        api_key = api_key_find_usable(company=tenant, raw_key=raw_key.strip())
        if api_key is None:
            # Same answer for unknown, revoked, expired and other-company keys.
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked API key."))
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request) -> str:
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "tenants.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Authorization: Api-Key <key>` — a company API key, valid only on that company's host.",
        }
