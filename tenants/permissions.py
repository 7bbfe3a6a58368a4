from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, permissions

from accounts.authority import Action, authority_check
from accounts.selectors import membership_get
from tenants.authentication import ApiKeyPrincipal
from tenants.hooks import audit_event_record
from tenants.models import ApiKey


class IsCompanyMember(permissions.BasePermission):
    """Session users must belong to the host's company (else 404, as if it did not
    exist); API keys were already bound to the host's company when authenticated.

    Views declare `authority` ({HTTP method: accounts.authority.Action}): the acting
    membership (the person, or a key's creator as a member now) must be allowed it by the
    authority table. A key's `required_scope` (an ApiKey.Scope) narrows further."""

    def has_permission(self, request, view) -> bool:
        tenant = getattr(request, "tenant", None)
        user = request.user
        if tenant is None or tenant.is_platform:
            raise Http404
        if not user or not user.is_authenticated:
            return False
        if isinstance(user, ApiKeyPrincipal) and not self._scope_allows(request, view, user):
            _scope_refuse(request, view, user)
        # A key acts with its creator's membership as it is at this request (loaded when the
        # key was authenticated), so every role check downstream applies the creator's role.
        membership = acting_membership(request)
        request.membership = membership
        action = view_action(view, request.method)
        if action is None:
            return False  # an API view that did not say what it does is refused, not open
        authority_check(
            membership=membership,
            action=action,
            actor_label=str(user) if isinstance(user, ApiKeyPrincipal) else None,
        )
        return True

    @staticmethod
    def _scope_allows(request, view, user) -> bool:
        # Every key can read (except administration: keys, webhooks, the audit trail);
        # writing needs the area's scope; `admin` includes everything.
        required_scope = getattr(view, "required_scope", ApiKey.Scope.READ)
        scopes = set(user.api_key.scopes)
        if ApiKey.Scope.ADMIN in scopes or required_scope in scopes or required_scope == ApiKey.Scope.READ:
            return True
        if getattr(view, "scope_needed_to_read", False):  # its reads carry the audit trail
            return False
        return request.method in permissions.SAFE_METHODS and required_scope != ApiKey.Scope.ADMIN


class ScopeRefused(exceptions.PermissionDenied):
    default_code = "scope_forbids"


def _scope_refuse(request, view, user) -> None:
    """A key asked for more than its scopes: 403 naming the scope it lacks, and an audit
    row (a leaked key probing what it may do shows in the trail)."""
    required = getattr(view, "required_scope", ApiKey.Scope.READ)
    label = str(dict(ApiKey.Scope.choices).get(required, required))
    audit_event_record(
        acting_user=user,
        action="api_key.scope_refused",
        target=user.api_key,
        data={"scope": str(required), "method": request.method, "path": request.path},
    )
    raise ScopeRefused(_("This API key's scopes do not allow this: it needs the %(scope)s scope.") % {"scope": label})


def view_action(view, method: str) -> Action | None:
    """What an API view's method does, from its `authority` declaration (HEAD as GET)."""
    authority = getattr(view, "authority", {})
    return authority.get("GET" if method in ("HEAD", "OPTIONS") else method)


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
