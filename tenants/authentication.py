from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from accounts.models import Membership
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

    def __init__(self, api_key: ApiKey, membership: Membership):
        self.api_key = api_key
        # The creator's membership as it is now: a key acts with its creator's current role.
        self.membership = membership
        self.pk = f"api_key:{api_key.pk}"

    def __str__(self) -> str:
        return f"API key {self.api_key.name} ({self.api_key.prefix})"


class KeyCreatorNotMember(exceptions.AuthenticationFailed):
    default_code = "api_key_creator_not_member"


class KeyCreatorFrozen(exceptions.AuthenticationFailed):
    default_code = "api_key_creator_frozen"


def api_key_creator_membership(api_key: ApiKey, company) -> Membership:
    """The membership a key acts with: its creator's, as it is at this request. A key outlives
    nobody's authority: when the creator left, was removed or is frozen, the key stops."""
    membership = (
        Membership.objects.select_related("user").filter(user_id=api_key.created_by_id, company=company).first()
    )
    # A membership begun after the key (removed, then invited back) does not revive it.
    if membership is None or membership.created_at > api_key.created_at:
        raise KeyCreatorNotMember(
            _("This API key no longer works: the person who created it is no longer a member of the company.")
        )
    if membership.user.frozen_at is not None or not membership.user.is_active:
        raise KeyCreatorFrozen(
            _("This API key no longer works: the account of the person who created it is frozen or deactivated.")
        )
    return membership


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
        membership = api_key_creator_membership(api_key, tenant)
        now = timezone.now()
        if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        return ApiKeyPrincipal(api_key, membership), api_key

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
