from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.authority import Action, authority_required
from config.errors import ApplicationError
from documents.forms import SealUseApproveForm, SealUseRejectForm, SealUseRequestForm
from documents.models import SealUseRequest
from documents.selectors import document_get, seal_use_request_get, seal_use_request_queue
from documents.services import approvals
from workflows.overlays import page_overlays


@require_POST
@authority_required(Action.SEAL_USE_REQUEST)
def seal_use_request_create_view(request, document_id):
    document = document_get(document_id=document_id)
    form = SealUseRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what the seal is needed for."))
        return redirect("documents:detail", document_id=document.pk)
    try:
        approvals.seal_use_request_create(
            document=document,
            company=request.tenant,
            seal_id=form.cleaned_data["seal"],
            requester=request.user,
            reason=form.cleaned_data["reason"],
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request sent. We email you when the seal keeper has decided."))
    return redirect("documents:detail", document_id=document.pk)


@authority_required(Action.DOCUMENT_READ)
def seal_use_request_list_view(request):
    requests = seal_use_request_queue(membership=request.membership)
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    return render(request, "workflows/seal_use_request_list.html", {"page": page})


def _overlays(use_request: SealUseRequest, pages: list[dict]) -> dict[int, list[dict]]:
    return page_overlays(use_request.placements, pages)


def _detail(request, use_request: SealUseRequest, *, approve_form=None, reject_form=None, status: int = 200):
    version = use_request.document.current_version
    overlays = _overlays(use_request, version.pages)
    may_decide = (
        request.membership.may(Action.SEAL_USE_APPROVE)
        and use_request.status == SealUseRequest.Status.PENDING
        and use_request.requester_id != request.user.pk
    )
    context = {
        "use_request": use_request,
        "document": use_request.document,
        "version": version,
        "pages": [(page, overlays.get(page, [])) for page in range(version.page_count)],
        "cross_page": any(p["kind"] == "cross_page" for p in use_request.placements),
        "may_decide": may_decide,
        "may_cancel": use_request.requester_id == request.user.pk
        and use_request.status in (SealUseRequest.Status.PENDING, SealUseRequest.Status.APPROVED),
        "approve_form": approve_form or SealUseApproveForm(),
        "reject_form": reject_form or SealUseRejectForm(),
    }
    return render(request, "workflows/seal_use_request_detail.html", context, status=status)


@authority_required(Action.DOCUMENT_READ)
def seal_use_request_detail_view(request, request_id):
    return _detail(request, seal_use_request_get(membership=request.membership, request_id=request_id))


@require_POST
@authority_required(Action.SEAL_USE_APPROVE)
def seal_use_request_approve_view(request, request_id):
    use_request = seal_use_request_get(membership=request.membership, request_id=request_id)
    form = SealUseApproveForm(request.POST)
    if form.is_valid():
        try:
            approvals.seal_use_request_approve(
                use_request=use_request, acting_membership=request.membership, **form.cleaned_data
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Approved. The requester was notified."))
            return redirect("workflows:seal_use_request_list")
    return _detail(request, use_request, approve_form=form, status=400)


@require_POST
@authority_required(Action.SEAL_USE_APPROVE)
def seal_use_request_reject_view(request, request_id):
    use_request = seal_use_request_get(membership=request.membership, request_id=request_id)
    form = SealUseRejectForm(request.POST)
    if form.is_valid():
        try:
            approvals.seal_use_request_reject(
                use_request=use_request, acting_membership=request.membership, reason=form.cleaned_data["reason"]
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Rejected. The requester was notified."))
            return redirect("workflows:seal_use_request_list")
    return _detail(request, use_request, reject_form=form, status=400)


@require_POST
@authority_required(Action.SEAL_USE_REQUEST)
def seal_use_request_cancel_view(request, request_id):
    use_request = seal_use_request_get(membership=request.membership, request_id=request_id)
    try:
        approvals.seal_use_request_cancel(use_request=use_request, acting_user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Request withdrawn."))
    return redirect(reverse("workflows:seal_use_request_detail", args=[use_request.pk]))
