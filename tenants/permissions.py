from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import permissions

from tenants.authentication import ApiKeyPrincipal, KeyCreatorMayNotAdminister
from tenants.models import ApiKey
from tenants.selectors import membership_get


class IsCompanyMember(permissions.BasePermission):
    """Session users must belong to the host's company (else 404, as if it did not
    exist); API keys were already bound to the host's company when authenticated.

    Views declare `required_scope` (an ApiKey.Scope) and may set `admin_only = True`
    to require the owner/admin role for session users."""

    def has_permission(self, request, view) -> bool:
        tenant = getattr(request, "tenant", None)
        user = request.user
        if tenant is None or tenant.is_platform:
            raise Http404
        if not user or not user.is_authenticated:
            return False
        required_scope = getattr(view, "required_scope", ApiKey.Scope.READ)
        if isinstance(user, ApiKeyPrincipal):
            request.membership = user.membership
            # Every key can read (except administration: keys, webhooks, the audit trail);
            # writing needs the area's scope; `admin` includes everything.
            scopes = set(user.api_key.scopes)
            scope_allows = (
                ApiKey.Scope.ADMIN in scopes
                or required_scope in scopes
                or required_scope == ApiKey.Scope.READ
                or (request.method in permissions.SAFE_METHODS and required_scope != ApiKey.Scope.ADMIN)
            )
            if not scope_allows:
                return False
            # ...AND only what its creator's current role allows: every role check downstream
            # reads the creator's membership as it is at this request.
            if (getattr(view, "admin_only", False) or required_scope == ApiKey.Scope.ADMIN) and (
                not user.membership.can_administer
            ):
                raise KeyCreatorMayNotAdminister(
                    _("The person who created this API key may no longer administer the company; nor may the key.")
                )
            return True
        membership = membership_get(user=user, company=tenant)
        if membership is None:
            raise Http404
        request.membership = membership
        if getattr(view, "admin_only", False) or required_scope == ApiKey.Scope.ADMIN:
            return membership.can_administer
        return True


def acting_membership(request):
    """Whose rights a request uses: the signed-in member, or for an API key the current
    membership of the member who created it (a key of a removed or frozen creator never
    gets this far: authentication refuses it)."""
    if isinstance(request.user, ApiKeyPrincipal):
        # Loaded when the key was authenticated at this request (tenants/authentication.py).
        return request.user.membership
    membership = getattr(request, "membership", None) or membership_get(user=request.user, company=request.tenant)
    if membership is None:
        raise Http404
    return membership
