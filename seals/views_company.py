"""Seal pages on the company host."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.authority import Action, authority_required
from accounts.models import User
from config.client import client_address
from config.errors import ApplicationError
from seals import services
from seals.forms import (
    SealApplicationForm,
    SealAuthorisationForm,
    SealHardwareKeyForm,
    SealImportForm,
    SealPasswordChangeForm,
    SealStatusForm,
)
from seals.image import seal_pdf, seal_png
from seals.imports import seal_import_pkcs12, seal_register_hardware_token
from seals.models import Seal, SealAuthorisation
from seals.selectors import (
    seal_application_list_for_company,
    seal_authorisation_list,
    seal_get_for_company,
    seal_list_for_company,
)
from seals.staged_uploads import staged_uploads_clear, staged_uploads_keep, staged_uploads_load
from tenants.models import Company
from tenants.selectors import membership_list_for_company


@authority_required(Action.SEAL_READ)
def seal_list_view(request):
    context = {
        "seals": seal_list_for_company(company=request.tenant),
        "applications": seal_application_list_for_company(company=request.tenant).exclude(status="approved"),
    }
    return render(request, "seals/seal_list.html", context)


STAGED_APPLICATION_FILES = "seal-application-files"


@require_http_methods(["GET", "POST"])
@authority_required(Action.SEAL_APPLY)
def seal_apply_view(request):
    if request.tenant.verification != Company.Verification.APPROVED:
        # Nothing to fill in (and no licence to lose) before the registration is approved.
        status = 409 if request.method == "POST" else 200
        return render(request, "seals/seal_apply.html", {"not_approved": True}, status=status)
    if request.method != "POST":
        staged_uploads_clear(request.session, STAGED_APPLICATION_FILES)
    staged = staged_uploads_load(request.session, STAGED_APPLICATION_FILES)
    files = request.FILES.copy()
    for name, upload in staged.items():
        if name not in files:
            files[name] = upload
    form = SealApplicationForm(request.POST or None, files or None)
    if request.method == "POST" and form.is_valid():
        data = {key: value for key, value in form.cleaned_data.items() if key != "seal_password_again"}
        try:
            services.seal_application_submit(company=request.tenant, applicant=request.user, **data)
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            staged_uploads_clear(request.session, STAGED_APPLICATION_FILES)
            messages.success(
                request, _("Application submitted. A platform reviewer will check it; we email you the result.")
            )
            return redirect("seals:list")
    kept = []
    if form.errors:
        # A file that was fine waits for the next try; only the passwords are typed again.
        good = {
            name: files[name]
            for name in ("business_licence", "authorisation_letter")
            if name in files and name not in form.errors
        }
        staged_uploads_keep(request.session, STAGED_APPLICATION_FILES, good)
        kept = [(form[name].label, upload.name) for name, upload in good.items()]
    context = {"form": form, "kept": kept}
    return render(request, "seals/seal_apply.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@authority_required(Action.SEAL_APPLY)
def seal_import_view(request):
    form = SealImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            seal = seal_import_pkcs12(
                company=request.tenant,
                acting_user=request.user,
                pkcs12_data=data["pkcs12_file"].read(),
                pkcs12_password=data["pkcs12_password"],
                seal_type=data["seal_type"],
                seal_password=data["seal_password"],
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("The certificate is registered as seal %(code)s.") % {"code": seal.code})
            return redirect("seals:detail", seal_id=seal.pk)
    return render(request, "seals/seal_import.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
@authority_required(Action.SEAL_APPLY)
def seal_hardware_key_view(request):
    form = SealHardwareKeyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            seal = seal_register_hardware_token(
                company=request.tenant,
                acting_user=request.user,
                certificate_data=data["certificate_file"].read(),
                chain_data=data["chain_file"].read() if data["chain_file"] else b"",
                seal_type=data["seal_type"],
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("The U-key is registered as seal %(code)s.") % {"code": seal.code})
            return redirect("seals:detail", seal_id=seal.pk)
    return render(request, "seals/seal_hardware_key.html", {"form": form}, status=400 if form.errors else 200)


@authority_required(Action.SEAL_READ)
def seal_detail_view(request, seal_id):
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    context = {
        "seal": seal,
        "certificate": services.certificate_summary(seal),
        "authorisations": seal_authorisation_list(seal=seal),
        "password_form": SealPasswordChangeForm(),
        "authorisation_form": SealAuthorisationForm(members=membership_list_for_company(company=request.tenant)),
        "history": seal.status_changes.select_related("changed_by"),
        "national": services.seal_national_summary(seal),
    }
    return render(request, "seals/seal_detail.html", context)


@authority_required(Action.SEAL_READ)
def seal_national_seal_view(request, seal_id):
    """The seal in the national format (GB/T 38540 SESeal, DER) as an `.esl` file."""
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    if not seal.national_seal_der:
        raise Http404
    response = HttpResponse(bytes(seal.national_seal_der), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="seal-{seal.code}.esl"'
    return response


@require_POST
@authority_required(Action.SEAL_MANAGE)
def seal_dual_signing_view(request, seal_id):
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    enabled = request.POST.get("enabled") == "true"
    try:
        services.seal_dual_signing_set(seal=seal, enabled=enabled, acting_membership=request.membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Sealing now adds an SM2 signature (GB/T 38540) as well.")
            if enabled
            else _("Sealing now adds the PAdES signature only."),
        )
    return redirect("seals:detail", seal_id=seal.pk)


@authority_required(Action.SEAL_READ)
def seal_certificate_view(request, seal_id):
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    response = HttpResponse(seal.certificate_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = f'attachment; filename="seal-{seal.code}.pem"'
    return response


@require_POST
@authority_required(Action.SEAL_MANAGE)
def seal_password_view(request, seal_id):
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    form = SealPasswordChangeForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect("seals:detail", seal_id=seal.pk)
    try:
        services.seal_password_change(
            seal=seal,
            user=request.user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password"],
            ip_address=client_address(request),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Seal password changed."))
    return redirect("seals:detail", seal_id=seal.pk)


@require_POST
@authority_required(Action.SEAL_MANAGE)
def seal_status_view(request, seal_id):
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    form = SealStatusForm(request.POST)
    if form.is_valid():
        try:
            services.seal_status_change(seal=seal, acting_user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("The seal is now: %(status)s.") % {"status": Seal.Status(form.cleaned_data["to_status"]).label},
            )
    else:
        messages.error(request, _("Give a reason."))
    return redirect("seals:detail", seal_id=seal.pk)


@require_POST
@authority_required(Action.SEAL_MANAGE)
def seal_authorisation_grant_view(request, seal_id):
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    form = SealAuthorisationForm(request.POST, members=membership_list_for_company(company=request.tenant))
    if form.is_valid():
        try:
            user = User.objects.get(pk=form.cleaned_data["user"])
            services.seal_authorisation_grant(seal=seal, user=user, acting_membership=request.membership)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("%(user)s may now use this seal.") % {"user": user})
    return redirect("seals:detail", seal_id=seal.pk)


@require_POST
@authority_required(Action.SEAL_MANAGE)
def seal_authorisation_revoke_view(request, seal_id, authorisation_id):
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    authorisation = get_object_or_404(SealAuthorisation, seal=seal, pk=authorisation_id)
    try:
        services.seal_authorisation_revoke(authorisation=authorisation, acting_membership=request.membership)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("seals:detail", seal_id=seal.pk)


@authority_required(Action.SEAL_READ)
def seal_image_view(request, seal_id, fmt):
    seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
    face = services.seal_face(seal)
    if fmt == "png":
        response = HttpResponse(seal_png(face), content_type="image/png")
    else:
        response = HttpResponse(seal_pdf(face), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="seal-{seal.code}.pdf"'
    response["Cache-Control"] = "private, max-age=3600"
    return response
