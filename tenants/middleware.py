from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django_tenants.middleware.main import TenantMainMiddleware

from accounts.selectors import membership_get
from tenants.models import Company

# Paths on a company host that do not need a member's session: the API
# authenticates itself (session or API key), the rest are public by nature.
MEMBER_EXEMPT_PREFIXES = (
    "/api/",
    "/healthz",
    "/static/",
    "/accounts/login/",
    "/accounts/handoff/",
    "/accounts/logout/",
    "/i18n/",
    "/verify/",
)


class CompanyHostMiddleware(TenantMainMiddleware):
    """Routes by host. Suspended companies are treated as unknown hosts."""

    def get_tenant(self, domain_model, hostname):
        domain = domain_model.objects.select_related("tenant").get(
            domain=hostname, tenant__status=Company.Status.ACTIVE
        )
        return domain.tenant


class MembershipRequiredMiddleware:
    """On a company host, pages are for that company's members only. A signed-in
    person who is not a member gets the same 404 as for a host that does not exist."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_platform or request.path_info.startswith(MEMBER_EXEMPT_PREFIXES):
            return self.get_response(request)
        if not request.user.is_authenticated:
            return redirect(f"{reverse(settings.LOGIN_URL)}?next={request.get_full_path()}")
        request.membership = membership_get(user=request.user, company=tenant)
        if request.membership is None:
            return render(request, "errors/404.html", status=404)
        return self.get_response(request)
