from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.authority import Action, authority_required
from accounts.models import Membership
from accounts.selectors import membership_list_for_user
from config.errors import ApplicationError
from tenants.forms import ApiKeyCreateForm, CompanyCreateForm, CompanySettingsForm, InvitationForm, RoleForm
from tenants.hooks import audit_event_latest
from tenants.members import (
    company_signed_in_url,
    invitation_accept,
    invitation_create,
    invitation_get_open,
    invitation_revoke,
    membership_remove,
    membership_role_change,
    platform_url,
)
from tenants.selectors import (
    api_key_get,
    api_key_list_with_creators,
    invitation_get_in_company,
    invitation_list_open,
    membership_get_in_company,
    membership_list_for_company,
)
from tenants.services import (
    api_key_create,
    api_key_revoke,
    api_key_rotate,
    company_create,
    company_signature_level_set,
)


def public_home(request):
    memberships = membership_list_for_user(user=request.user) if request.user.is_authenticated else []
    return render(request, "public/home.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET"])
def company_open_view(request, slug):
    """From the platform's list of my companies to the company host, signed in there."""
    membership = membership_list_for_user(user=request.user).filter(company__slug=slug).first()
    if membership is None:
        return render(request, "errors/404.html", status=404)
    return redirect(company_signed_in_url(membership.company, request))


@authority_required(Action.COMPANY_READ)
def company_home(request):
    # The trail names members, IP addresses and keys: only for roles that may read it.
    recent_events = audit_event_latest()[:10] if request.membership.may(Action.AUDIT_READ) else []
    return render(request, "tenants/home.html", {"recent_events": recent_events})


@require_http_methods(["GET", "POST"])
@authority_required(Action.COMPANY_SETTINGS)
def company_settings_view(request):
    company = request.tenant
    form = CompanySettingsForm(request.POST or None, initial={"signature_level": company.signature_level})
    if request.method == "POST" and form.is_valid():
        try:
            company_signature_level_set(
                company=company, level=form.cleaned_data["signature_level"], acting_user=request.user
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("tenants:company_settings")
    return render(request, "tenants/company_settings.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@authority_required(Action.API_KEY_MANAGE)
def api_key_list_view(request):
    form = ApiKeyCreateForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _api_key, new_key = api_key_create(company=request.tenant, acting_user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            form = ApiKeyCreateForm()
            messages.success(request, _("API key created. Copy it now: it will not be shown again."))
    context = {"form": form, "new_key": new_key, "api_keys": api_key_list_with_creators(company=request.tenant)}
    return render(request, "tenants/api_keys.html", context, status=400 if form.errors else 200)


@require_POST
@authority_required(Action.API_KEY_MANAGE)
def api_key_revoke_view(request, api_key_id):
    api_key = api_key_revoke(
        api_key=api_key_get(company=request.tenant, api_key_id=api_key_id), acting_user=request.user
    )
    messages.success(request, _("API key “%(name)s” revoked.") % {"name": api_key.name})
    return redirect("tenants:api_keys")


@require_POST
@authority_required(Action.API_KEY_MANAGE)
def api_key_rotate_view(request, api_key_id):
    api_key = api_key_get(company=request.tenant, api_key_id=api_key_id)
    try:
        _new, raw_key = api_key_rotate(api_key=api_key, acting_user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("tenants:api_keys")
    messages.success(request, _("Key “%(name)s” rotated: the old key no longer works.") % {"name": api_key.name})
    context = {
        "form": ApiKeyCreateForm(),
        "new_key": raw_key,
        "api_keys": api_key_list_with_creators(company=request.tenant),
    }
    return render(request, "tenants/api_keys.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def company_create_view(request):
    if not request.user.is_identity_verified:
        messages.info(request, _("Confirm your email address first; then you can register a company."))
        return redirect("accounts:email_verify")
    # An envelope invitation links here with the company's USCC and name filled in.
    initial = {key: request.GET.get(key, "")[:200] for key in ("uscc", "name")}
    form = CompanyCreateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            company = company_create(owner=request.user, acting_user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            registered = _("%(company)s is registered. A reviewer will check the registration.") % {
                "company": company.name
            }
            return redirect(company_signed_in_url(company, request, message=registered))
    return render(request, "tenants/company_create.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def invitation_accept_view(request, token):
    try:
        invitation = invitation_get_open(token=token)
    except ApplicationError as error:
        return render(request, "tenants/invitation.html", {"error": error.message}, status=error.status)
    if request.method == "POST":
        try:
            membership = invitation_accept(token=token, user=request.user)
        except ApplicationError as error:
            return render(
                request,
                "tenants/invitation.html",
                {"invitation": invitation, "error": error.message},
                status=error.status,
            )
        joined = _("You joined %(company)s.") % {"company": membership.company.name}
        return redirect(company_signed_in_url(membership.company, request, message=joined))
    return render(request, "tenants/invitation.html", {"invitation": invitation})


@authority_required(Action.MEMBER_READ)
def member_list_view(request):
    context = {
        "memberships": membership_list_for_company(company=request.tenant),
        "invitations": invitation_list_open(company=request.tenant)
        if request.membership.may(Action.MEMBER_MANAGE)
        else [],
        "form": InvitationForm(),
        "roles": Membership.Role.choices,
    }
    return render(request, "tenants/members.html", context)


@require_POST
@authority_required(Action.MEMBER_MANAGE)
def member_invite_view(request):
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation_create(
                company=request.tenant,
                acting_membership=request.membership,
                **form.cleaned_data,
            )
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]})
    else:
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
    return redirect("tenants:members")


def _member_action(request, service, **kwargs):
    """The service's result, or False after showing why it was refused."""
    try:
        return service(acting_membership=request.membership, **kwargs) or True
    except ApplicationError as error:
        messages.error(request, error.message)
        return False


def _authority_effects_show(request, effects, person, role_label=None) -> None:
    for line in effects.messages(person, role_label):
        messages.warning(request, line)


@require_POST
@authority_required(Action.MEMBER_MANAGE)
def member_role_view(request, membership_id):
    membership = membership_get_in_company(company=request.tenant, membership_id=membership_id)
    form = RoleForm(request.POST)
    changed = form.is_valid() and _member_action(
        request, membership_role_change, membership=membership, role=form.cleaned_data["role"]
    )
    if changed:
        messages.success(request, _("Role changed."))
        _authority_effects_show(request, changed.authority_effects, membership.user, changed.get_role_display())
    return redirect("tenants:members")


@require_POST
def member_remove_view(request, membership_id):
    membership = membership_get_in_company(company=request.tenant, membership_id=membership_id)
    leaving = membership.pk == request.membership.pk
    effects = _member_action(request, membership_remove, membership=membership)
    if effects:
        if leaving:
            messages.success(request, _("You left %(company)s.") % {"company": request.tenant.name})
            return redirect(platform_url(request))
        messages.success(request, _("Member removed."))
        _authority_effects_show(request, effects, membership.user)
    return redirect("tenants:members")


@require_POST
@authority_required(Action.MEMBER_MANAGE)
def invitation_revoke_view(request, invitation_id):
    invitation = invitation_get_in_company(company=request.tenant, invitation_id=invitation_id)
    if _member_action(request, invitation_revoke, invitation=invitation):
        messages.success(request, _("Invitation withdrawn."))
    return redirect("tenants:members")
