from __future__ import annotations

import io

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.authority import Action, authority_required, role_may
from accounts.models import OneTimeCode
from accounts.otp_choice import otp_method_initial, otp_method_remember
from accounts.two_factor import second_factor_email_code_send, two_factor_enabled
from config.client import client_address, client_user_agent
from config.errors import ApplicationError
from documents.apis_evidence import evidence_download
from documents.apis_signing import agent_command
from documents.forms import PlacementForm, SealConfirmForm, SealUseRequestForm, TextPlacementForm, UploadForm
from documents.models import EvidencePackage, Placement
from documents.selectors import (
    document_get,
    document_list,
    evidence_package_list,
    grant_get,
    seal_use_approval_usable,
    seal_use_request_list_for_document,
    signing_session_get,
    version_get,
)
from documents.services.placements import (
    placement_add,
    placement_add_at_text,
    placement_add_cross_page,
    placement_remove,
    placement_update,
)
from documents.services.previews import (
    PREVIEW_WIDTHS,
    document_page_preview_path,
    document_page_text_lines,
    document_viewing_pdf,
)
from documents.services.sealing import document_seal_request
from documents.services.versions import document_active_content_remove, document_delete, document_upload
from documents.signing_sessions import document_seal_session_start, signing_session_status
from documents.verification import document_verify, report_as_dict
from documents.views_verify import report_pdf_response
from events.selectors import audit_event_list
from seals.models import Seal
from seals.selectors import seal_ids_for_direct_use, seal_list_for_company


@require_http_methods(["GET", "POST"])
@authority_required(Action.DOCUMENT_READ, post=Action.DOCUMENT_UPLOAD)
def document_list_view(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            document = document_upload(name=upload.name, data=upload.read(), acting_user=request.user)
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            messages.success(request, _("Uploaded. Click on a page to place the seal."))
            if document.current_version.active_content_kinds:
                messages.warning(
                    request,
                    _("This PDF contains active content: %(kinds)s. See the warning on the document page.")
                    % {"kinds": "; ".join(document.current_version.active_content_kinds)},
                )
            return redirect("documents:detail", document_id=document.pk)
    search = request.GET.get("q", "").strip()
    context = {"form": form, "documents": document_list(search=search)[:200], "search": search}
    return render(request, "documents/document_list.html", context, status=400 if form.errors else 200)


@authority_required(Action.DOCUMENT_READ)
def document_detail_view(request, document_id):
    document = document_get(document_id=document_id)
    all_seals = list(seal_list_for_company(company=request.tenant))
    seals = [seal for seal in all_seals if seal.status == Seal.Status.ACTIVE]
    seal_names = {str(seal.pk): seal.name for seal in all_seals}
    placements = [
        {
            "id": str(p.id),
            "seal": str(p.seal_id),
            "seal_name": seal_names.get(str(p.seal_id), "?"),
            "page": p.page,
            "x": p.x,
            "y": p.y,
            "width": p.width,
            "height": p.height,
            "kind": p.kind,
        }
        for p in document.placements.all()
    ]
    version = document.current_version
    seal_use = _seal_use_state(request, document, seals, placements)
    evidence_packages = list(evidence_package_list(document=document)[:5])
    context = {
        **seal_use,
        "document": document,
        "version": version,
        "versions": document.versions.order_by("-number"),
        "seals": seals,
        "placements": placements,
        "pages_data": version.pages,
        "placements_data": placements,
        "confirm_form": SealConfirmForm(
            initial={"seal": seals[0].pk if seals else None, "otp_method": otp_method_initial(request)},
            ofd=version.is_ofd,
        ),
        "uses_authenticator": two_factor_enabled(request.user),
        "grants": document.grants.all()[:5],
        "history": audit_event_list().filter(target_id=str(document.pk))[:50],
        "evidence_packages": evidence_packages,
        "evidence_ready": any(package.status == EvidencePackage.Status.READY for package in evidence_packages),
        "may_read_evidence": role_may(request.membership.role, Action.EVIDENCE_READ),
        "page_numbers": range(version.page_count),
        # Arrived from the live banner of a job that just sealed this version.
        "just_sealed": request.GET.get("sealed") == str(version.number) and version.signature_count > 0,
    }
    return render(request, "documents/document_detail.html", context)


def _seal_use_state(request, document, seals, placements) -> dict:
    """Which placed seals the user must ask for (用印审批) and what became of their requests."""
    direct = seal_ids_for_direct_use(membership=request.membership, seals=seals)
    placed = {placement["seal"] for placement in placements}
    requests = list(seal_use_request_list_for_document(document=document, requester_id=request.user.pk))
    needs_approval = []
    # Seals this user must ask for: placing one reloads the page to offer the request.
    approval_needed = {
        seal.pk
        for seal in seals
        if seal.pk not in direct
        and seal_use_approval_usable(seal_id=seal.pk, user_id=request.user.pk, document=document) is None
    }
    for seal in seals:
        if str(seal.pk) not in placed or seal.pk not in approval_needed:
            continue
        pending = next((r for r in requests if r.seal_id == seal.pk and r.status == "pending"), None)
        form = SealUseRequestForm(initial={"seal": seal.pk}, auto_id=f"id_%s_{seal.pk.hex[:8]}")
        needs_approval.append({"seal": seal, "pending": pending, "form": form})
    return {
        "needs_approval": needs_approval,
        "may_confirm": not placed or len(needs_approval) < len(placed & {str(seal.pk) for seal in seals}),
        "seal_use_requests": requests,
        "approval_needed": approval_needed,
    }


@authority_required(Action.DOCUMENT_READ)
def version_download_view(request, document_id, number):
    version = version_get(document=document_get(document_id=document_id), number=number)
    return FileResponse(
        version.file.open("rb"), content_type=version.content_type, as_attachment=True, filename=version.download_name()
    )


@authority_required(Action.DOCUMENT_READ)
def version_viewing_pdf_view(request, document_id, number):
    """An OFD version drawn as PDF, for viewing only: marked so on every page and in the file."""
    version = version_get(document=document_get(document_id=document_id), number=number)
    if not version.is_ofd:  # a PDF is its own viewing copy
        return FileResponse(version.file.open("rb"), content_type="application/pdf", filename=version.download_name())
    try:
        data = document_viewing_pdf(version=version)
    except ApplicationError as error:
        return HttpResponse(error.message, status=error.status, content_type="text/plain; charset=utf-8")
    name = version.download_name().removesuffix(".ofd") + "-view.pdf"
    return FileResponse(io.BytesIO(data), content_type="application/pdf", filename=name)


@authority_required(Action.DOCUMENT_READ)
def page_preview_view(request, document_id, number, page):
    version = version_get(document=document_get(document_id=document_id), number=number)
    try:
        width = int(request.GET.get("w", PREVIEW_WIDTHS[-1]))
        path = document_page_preview_path(version=version, page=page, width=width)
    except (ValueError, ApplicationError):
        return HttpResponse(status=404)
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response


@authority_required(Action.DOCUMENT_READ)
def page_text_lines_view(request, document_id, number, page):
    """Where the page's text lines are (user space), for snapping a placed box (placer.js)."""
    version = version_get(document=document_get(document_id=document_id), number=number)
    try:
        lines = document_page_text_lines(version=version, page=page)
    except ApplicationError:
        return JsonResponse({"detail": _("Not found.")}, status=404)
    response = JsonResponse({"page": page, "lines": lines})
    response["Cache-Control"] = "private, max-age=86400"
    return response


@require_POST
@authority_required(Action.DOCUMENT_PLACE)
def placement_add_view(request, document_id):
    document = document_get(document_id=document_id)
    form = PlacementForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"detail": _("Invalid placement.")}, status=400)
    data = form.cleaned_data
    try:
        placement = placement_add(
            document=document,
            company=request.tenant,
            seal_id=data["seal"],
            page=data["page"],
            x=data["x"],
            y=data["y"],
            centred=data["centred"],
            acting_user=request.user,
        )
    except ApplicationError as error:
        return JsonResponse({"detail": error.message}, status=error.status)
    body = {"id": str(placement.pk), "page": placement.page, "x": placement.x, "y": placement.y}
    body.update(width=placement.width, height=placement.height)
    return JsonResponse(body, status=201)


@require_POST
@authority_required(Action.DOCUMENT_PLACE)
def placement_remove_view(request, document_id, placement_id):
    document = document_get(document_id=document_id)
    placement = Placement.objects.filter(document=document, pk=placement_id).first()
    if placement is None:
        return JsonResponse({"detail": _("Not found.")}, status=404)
    placement_remove(placement=placement, acting_user=request.user)
    return JsonResponse({"deleted": True})


@require_POST
@authority_required(Action.DOCUMENT_SEAL)
def seal_code_send_view(request, document_id):
    document_get(document_id=document_id)
    try:
        second_factor_email_code_send(
            user=request.user, purpose=OneTimeCode.Purpose.SEAL_USE, ip_address=client_address(request)
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        otp_method_remember(request, "email")
        messages.info(request, _("We emailed you a code to confirm the use of the seal."))
    return redirect("documents:detail", document_id=document_id)


@require_POST
@authority_required(Action.DOCUMENT_SEAL)
def seal_confirm_view(request, document_id):
    document = document_get(document_id=document_id)
    form = SealConfirmForm(request.POST, ofd=document.current_version.is_ofd)
    otp_method_remember(request, request.POST.get("otp_method"))
    if not form.is_valid():
        messages.error(request, _("Enter the seal password and the one-time code."))
        return redirect("documents:detail", document_id=document.pk)
    data = form.cleaned_data
    seal = Seal.objects.filter(company=request.tenant, pk=data["seal"]).first()
    if seal is not None and seal.on_hardware_token:
        return _seal_session_start(request, document, data)
    if not data["seal_password"]:
        messages.error(request, _("Enter the seal password and the one-time code."))
        return redirect("documents:detail", document_id=document.pk)
    try:
        grant = document_seal_request(
            document=document,
            company=request.tenant,
            seal_id=data["seal"],
            user=request.user,
            seal_password=data["seal_password"],
            otp_method=data["otp_method"],
            otp_code=data["otp_code"],
            ip_address=client_address(request),
            user_agent=client_user_agent(request),
            appearance=not data.get("without_appearance"),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("documents:detail", document_id=document.pk)
    # The page's live banner follows the job from here (one banner, not a second message).
    return redirect(f"{request.path.rsplit('/seal/', 1)[0]}/?grant={grant.pk}")


SESSION_TOKENS_KEY = "ukey_session_tokens"


def _seal_session_start(request, document, data):
    """A seal on a U-key: start a signing session and show the agent command."""

    try:
        session, token = document_seal_session_start(
            document=document,
            company=request.tenant,
            seal_id=data["seal"],
            user=request.user,
            otp_method=data["otp_method"],
            otp_code=data["otp_code"],
            ip_address=client_address(request),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("documents:detail", document_id=document.pk)
    # Kept in this browser session only, to show the command again on reload.
    request.session[SESSION_TOKENS_KEY] = {str(session.pk): token}
    return redirect("documents:seal_session", document_id=document.pk, session_id=session.pk)


@authority_required(Action.DOCUMENT_SEAL)
def seal_session_view(request, document_id, session_id):
    document = document_get(document_id=document_id)
    session = signing_session_get(document=document, session_id=session_id)
    token = request.session.get(SESSION_TOKENS_KEY, {}).get(str(session.pk), "")
    url = request.build_absolute_uri(reverse("api:signing_sessions_agent", args=[session.pk]))
    context = {
        "document": document,
        "session": session,
        "status": signing_session_status(session),
        "command": agent_command(url, token) if token else "",
    }
    return render(request, "documents/seal_session.html", context)


@authority_required(Action.DOCUMENT_SEAL)
def seal_session_status_view(request, document_id, session_id):
    session = signing_session_get(document=document_get(document_id=document_id), session_id=session_id)
    status = signing_session_status(session)
    label = dict(session.Status.choices)[status]
    return JsonResponse(
        {
            "status": status,
            "label": str(label),
            "error": session.error_message,
            "step": session.step + 1,
            "steps": len(session.placements),
        }
    )


@authority_required(Action.DOCUMENT_READ)
def grant_status_view(request, document_id, grant_id):
    grant = grant_get(document=document_get(document_id=document_id), grant_id=grant_id)
    version = getattr(grant, "result_version", None) if grant.status == "done" else None
    return JsonResponse(
        {
            "status": grant.status,
            "label": grant.get_status_display(),
            "error": grant.error_message,
            "version": version.number if version else None,
        }
    )


@require_POST
@authority_required(Action.DOCUMENT_DELETE)
def document_delete_view(request, document_id):
    document = document_get(document_id=document_id)
    try:
        document_delete(document=document, acting_user=request.user)
    except ApplicationError as error:  # e.g. out for signing: say so instead of failing
        messages.error(request, error.message)
        return redirect("documents:detail", document_id=document.pk)
    messages.success(request, _("“%(name)s” was deleted.") % {"name": document.name})
    return redirect("documents:list")


@require_POST
@authority_required(Action.DOCUMENT_UPLOAD)
def active_content_remove_view(request, document_id):
    document = document_get(document_id=document_id)
    try:
        version = document_active_content_remove(document=document, acting_user=request.user)
    except ApplicationError as error:  # signed, in an envelope, nothing to remove: say why
        messages.error(request, error.message)
        return redirect("documents:detail", document_id=document.pk)
    messages.success(
        request,
        _("Active content removed. Version %(number)s is the document without it.") % {"number": version.number},
    )
    return redirect("documents:detail", document_id=document.pk)


@require_POST
@authority_required(Action.DOCUMENT_PLACE)
def placement_text_view(request, document_id):
    document = document_get(document_id=document_id)
    form = TextPlacementForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect("documents:detail", document_id=document.pk)
    offset_x, offset_y = form.offsets()
    try:
        placements = placement_add_at_text(
            document=document,
            company=request.tenant,
            seal_id=request.POST.get("seal"),
            text=form.cleaned_data["text"],
            acting_user=request.user,
            occurrence=form.cleaned_data["occurrence"],
            offset_x=offset_x,
            offset_y=offset_y,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    except ValidationError:
        messages.error(request, _("Choose a seal."))
    else:
        messages.success(request, _("Placed the seal at %(count)s places.") % {"count": len(placements)})
    return redirect("documents:detail", document_id=document.pk)


@require_POST
@authority_required(Action.DOCUMENT_PLACE)
def placement_cross_page_view(request, document_id):
    document = document_get(document_id=document_id)
    try:
        placement_add_cross_page(
            document=document, company=request.tenant, seal_id=request.POST.get("seal"), acting_user=request.user
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    except ValidationError:
        messages.error(request, _("Choose a seal."))
    else:
        messages.success(request, _("A cross-page seal will be split over the right edges of all pages."))
    return redirect("documents:detail", document_id=document.pk)


@require_POST
@authority_required(Action.DOCUMENT_PLACE)
def placement_update_view(request, document_id, placement_id):
    document = document_get(document_id=document_id)
    placement = Placement.objects.filter(document=document, pk=placement_id).select_related("document").first()
    if placement is None:
        return JsonResponse({"detail": _("Not found.")}, status=404)
    try:
        values = {name: float(request.POST[name]) for name in ("x", "y", "width")}
        placement = placement_update(placement=placement, acting_user=request.user, **values)
    except (KeyError, ValueError):
        return JsonResponse({"detail": _("Invalid placement.")}, status=400)
    except ApplicationError as error:
        return JsonResponse({"detail": error.message}, status=error.status)
    return JsonResponse(
        {
            "id": str(placement.pk),
            "x": placement.x,
            "y": placement.y,
            "width": placement.width,
            "height": placement.height,
        }
    )


@authority_required(Action.DOCUMENT_READ)
def version_verify_view(request, document_id, number):
    """The verify tab of a document: the same report as the public page, for a stored version."""
    document = document_get(document_id=document_id)
    version = version_get(document=document, number=number)
    with version.file.open("rb") as handle:
        report = report_as_dict(document_verify(data=handle.read()))
    report["name"] = f"{document.name} v{version.number}"
    if request.GET.get("format") == "pdf":
        return report_pdf_response(report)
    return render(request, "documents/verify.html", {"report": report, "document": document, "hide_upload": True})


@authority_required(Action.EVIDENCE_READ)
def evidence_archive_view(request, document_id):
    return _evidence_page_download(request, document_id, "archive")


@authority_required(Action.EVIDENCE_READ)
def evidence_report_view(request, document_id):
    return _evidence_page_download(request, document_id, "report")


def _evidence_page_download(request, document_id, which: str):
    try:
        return evidence_download(request, document_id, which)
    except ApplicationError as error:  # not ready yet: back to the page, saying so
        messages.error(request, error.message)
        return redirect("documents:detail", document_id=document_id)
