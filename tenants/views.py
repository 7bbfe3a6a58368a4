from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from config.errors import ApplicationError
from tenants.forms import ApiKeyCreateForm
from tenants.selectors import api_key_get, api_key_list, membership_list_for_user
from tenants.services import api_key_create, api_key_revoke
from workflows.selectors import audit_event_list


def public_home(request):
    memberships = membership_list_for_user(user=request.user) if request.user.is_authenticated else []
    port = request.get_port()
    suffix = "" if port in ("80", "443") else f":{port}"
    companies = [
        {"membership": membership, "url": f"{request.scheme}://{membership.company.domains.all()[0].domain}{suffix}/"}
        for membership in memberships
        if membership.company.domains.all()
    ]
    return render(request, "public/home.html", {"companies": companies})


def company_home(request):
    recent_events = audit_event_list()[:10]
    return render(request, "tenants/home.html", {"recent_events": recent_events})


def _require_admin(request) -> None:
    if not request.membership.can_administer:
        raise PermissionDenied


@require_http_methods(["GET", "POST"])
def api_key_list_view(request):
    _require_admin(request)
    form = ApiKeyCreateForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _api_key, new_key = api_key_create(company=request.tenant, acting_user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_error(error.field, error.message)
        else:
            form = ApiKeyCreateForm()
            messages.success(request, _("API key created. Copy it now: it will not be shown again."))
    context = {"form": form, "new_key": new_key, "api_keys": api_key_list(company=request.tenant)}
    return render(request, "tenants/api_keys.html", context, status=400 if form.errors else 200)


@require_POST
def api_key_revoke_view(request, api_key_id):
    _require_admin(request)
    api_key = api_key_revoke(
        api_key=api_key_get(company=request.tenant, api_key_id=api_key_id), acting_user=request.user
    )
    messages.success(request, _("API key “%(name)s” revoked.") % {"name": api_key.name})
    return redirect("tenants:api_keys")
