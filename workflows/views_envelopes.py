"""Pages for envelopes: what this company sends (owner side) and what other companies
sent to it (the inbox). They mirror `workflows/apis_envelopes.py`."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from accounts.authority import Action, authority_required
from accounts.models import OneTimeCode
from accounts.otp_choice import otp_method_initial, otp_method_remember
from accounts.two_factor import second_factor_email_code_send, two_factor_enabled
from config.client import client_address
from config.errors import ApplicationError
from documents.models import content_type_for_name
from documents.selectors import document_get
from seals.models import Seal
from seals.selectors import seal_list_for_company
from tenants.selectors import membership_list_for_company
from workflows import cross_tenant
from workflows.envelope_routes import inbox_for_company
from workflows.envelopes.completion import envelope_file_read
from workflows.envelopes.deadlines import envelope_cancel, envelope_remind
from workflows.envelopes.drafting import (
    FIELD_KIND_FOR_PARTY,
    envelope_create,
    envelope_field_add,
    envelope_field_add_at_text,
    envelope_field_move,
    envelope_field_remove,
    envelope_party_add,
    envelope_party_remove,
)
from workflows.envelopes.sending import DEFAULT_LIFETIME, envelope_party_email_correct, envelope_send
from workflows.envelopes.trail import envelope_events_verify
from workflows.forms import (
    EnvelopeCancelForm,
    EnvelopeCreateForm,
    EnvelopeFieldForm,
    EnvelopeFieldMoveForm,
    EnvelopeFieldTextForm,
    EnvelopePartyEmailForm,
    EnvelopePartyForm,
    InboxDeclineForm,
    InboxReassignForm,
    InboxSealForm,
)
from workflows.models import Envelope, Party
from workflows.overlays import page_overlays
from workflows.selectors import (
    envelope_field_get,
    envelope_get,
    envelope_list_with_progress,
    envelope_party_get,
    envelope_review,
)

PREVIEW_WIDTH = 900


def _user_agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def _pdf_response(name: str, data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type_for_name(name))
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def _pages_with_marks(pages: list[dict], page_count: int, marks: list[tuple[object, dict]]) -> list:
    """[(page, [mark, ...]), ...]; each mark is the field's place on the page image plus `extra`."""
    overlays = page_overlays(
        [{"page": f.page, "x": f.x, "y": f.y, "width": f.width, "height": f.height, **extra} for f, extra in marks],
        pages,
    )
    return [(page, overlays.get(page, [])) for page in range(page_count)]


# --- owner side -----------------------------------------------------------------------


@authority_required(Action.ENVELOPE_READ)
def envelope_list_view(request):
    return render(request, "workflows/envelope_list.html", {"envelopes": envelope_list_with_progress()[:200]})


@require_http_methods(["GET", "POST"])
@authority_required(Action.ENVELOPE_SEND)
def envelope_create_view(request):
    try:
        document_id = uuid.UUID(request.GET.get("document") or request.POST.get("document") or "")
    except ValueError as error:
        raise Http404 from error
    document = document_get(document_id=document_id)
    form = EnvelopeCreateForm(
        request.POST or None, initial={"name": document.name.removesuffix(".pdf").removesuffix(".ofd")}
    )
    if request.method == "POST" and form.is_valid():
        try:
            envelope = envelope_create(document=document, acting_user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Draft created. Add the parties and place their fields."))
            return redirect("workflows:envelope_detail", envelope_id=envelope.pk)
    status = 400 if form.errors else 200
    return render(request, "workflows/envelope_form.html", {"form": form, "document": document}, status=status)


def _draft_context(envelope: Envelope, party_form) -> dict:
    version = envelope.document.current_version
    parties = list(envelope.parties.all())
    fields = [
        {
            **_field_data(field),
            "label": str(party.order),
            "name": party.name,
            **_field_urls(envelope, party, field),
        }
        for party in parties
        for field in party.fields.all()
    ]
    return {
        "envelope": envelope,
        "document": envelope.document,
        "version": version,
        "page_numbers": range(version.page_count),
        "pages_data": version.pages,
        "fields_data": fields,
        "parties": parties,
        "field_parties": [party for party in parties if party.kind in FIELD_KIND_FOR_PARTY],
        "party_form": party_form or EnvelopePartyForm(),
    }


def _sent_context(envelope: Envelope, cancel_form) -> dict:
    version = envelope.document.current_version
    parties = list(envelope.parties.all())
    marks = [
        (field, {"label": str(party.order), "done": party.status == Party.Status.COMPLETED})
        for party in parties
        for field in party.fields.all()
    ]
    chain_intact, broken_at = envelope_events_verify(envelope=envelope)
    in_progress = envelope.status == Envelope.Status.IN_PROGRESS
    correctable = (Party.Status.WAITING, Party.Status.ACTIVE)
    return {
        "envelope": envelope,
        "document": envelope.document,
        "version": version,
        "pages": _pages_with_marks(version.pages, version.page_count, marks),
        "parties": [
            (
                party,
                EnvelopePartyEmailForm(initial={"email": party.email}, auto_id=f"id_%s_{party.pk.hex[:8]}")
                if in_progress and party.status in correctable
                else None,
            )
            for party in parties
        ],
        "events": envelope.events.order_by("sequence"),
        "chain_intact": chain_intact,
        "broken_at": broken_at,
        "in_progress": in_progress,
        "cancel_form": cancel_form or EnvelopeCancelForm(),
    }


def _envelope_page(request, envelope: Envelope, *, party_form=None, cancel_form=None, status: int = 200):
    if envelope.status == Envelope.Status.DRAFT:
        return render(request, "workflows/envelope_draft.html", _draft_context(envelope, party_form), status=status)
    return render(request, "workflows/envelope_detail.html", _sent_context(envelope, cancel_form), status=status)


@authority_required(Action.ENVELOPE_READ)
def envelope_detail_view(request, envelope_id):
    return _envelope_page(request, envelope_get(envelope_id=envelope_id))


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_party_add_view(request, envelope_id):
    envelope = envelope_get(envelope_id=envelope_id)
    form = EnvelopePartyForm(request.POST)
    if form.is_valid():
        try:
            party = envelope_party_add(envelope=envelope, acting_user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("%(party)s was added.") % {"party": party.name})
            return redirect("workflows:envelope_detail", envelope_id=envelope.pk)
    return _envelope_page(request, envelope_get(envelope_id=envelope_id), party_form=form, status=400)


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_field_add_view(request, envelope_id, party_id):
    """Called by envelope.js with a click's place in PDF points; answers JSON to it and
    redirects a plain form post."""
    envelope = envelope_get(envelope_id=envelope_id)
    party = envelope_party_get(envelope=envelope, party_id=party_id)
    form = EnvelopeFieldForm(request.POST)
    error_message = _("Click on a page to place the field.")
    if form.is_valid():
        try:
            field = envelope_field_add(party=party, acting_user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            error_message = error.message
        else:
            if _wants_json(request):
                return JsonResponse({**_field_data(field), **_field_urls(envelope, party, field)}, status=201)
            messages.success(request, _("Field placed."))
            return redirect("workflows:envelope_detail", envelope_id=envelope.pk)
    if _wants_json(request):
        return JsonResponse({"detail": error_message}, status=400)
    messages.error(request, error_message)
    return redirect("workflows:envelope_detail", envelope_id=envelope.pk)


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_field_text_view(request, envelope_id):
    """The chosen party's field on a text of the document (e.g. 盖章处), as seals are placed."""
    envelope = envelope_get(envelope_id=envelope_id)
    form = EnvelopeFieldTextForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(message for errors in form.errors.values() for message in errors))
        return redirect("workflows:envelope_detail", envelope_id=envelope.pk)
    party = envelope_party_get(envelope=envelope, party_id=form.cleaned_data["party"])
    offset_x, offset_y = form.offsets()
    try:
        fields = envelope_field_add_at_text(
            party=party,
            text=form.cleaned_data["text"],
            occurrence=form.cleaned_data["occurrence"],
            offset_x=offset_x,
            offset_y=offset_y,
            acting_user=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext("Placed a field for %(party)s.", "Placed %(count)s fields for %(party)s.", len(fields))
            % {"count": len(fields), "party": party.name},
        )
    return redirect("workflows:envelope_detail", envelope_id=envelope.pk)


def _field_urls(envelope, party, field) -> dict:
    ids = {"envelope_id": envelope.pk, "party_id": party.pk, "field_id": field.pk}
    return {
        "update_url": reverse("workflows:envelope_field_update", kwargs=ids),
        "remove_url": reverse("workflows:envelope_field_remove", kwargs=ids),
    }


def _field_data(field) -> dict:
    return {
        "id": str(field.pk),
        "party": str(field.party_id),
        "kind": field.kind,
        "page": field.page,
        "x": field.x,
        "y": field.y,
        "width": field.width,
        "height": field.height,
    }


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_field_update_view(request, envelope_id, party_id, field_id):
    """Called by envelope.js when a field is dragged or resized: JSON in PDF points, no reload."""
    envelope = envelope_get(envelope_id=envelope_id)
    field = envelope_field_get(party=envelope_party_get(envelope=envelope, party_id=party_id), field_id=field_id)
    form = EnvelopeFieldMoveForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"detail": _("Invalid placement.")}, status=400)
    try:
        field = envelope_field_move(field=field, acting_user=request.user, **form.cleaned_data)
    except ApplicationError as error:
        return JsonResponse({"detail": error.message}, status=error.status)
    return JsonResponse(_field_data(field))


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_field_remove_view(request, envelope_id, party_id, field_id):
    envelope = envelope_get(envelope_id=envelope_id)
    field = envelope_field_get(party=envelope_party_get(envelope=envelope, party_id=party_id), field_id=field_id)
    try:
        envelope_field_remove(field=field, acting_user=request.user)
    except ApplicationError as error:
        if _wants_json(request):
            return JsonResponse({"detail": error.message}, status=error.status)
        messages.error(request, error.message)
    else:
        if _wants_json(request):
            return JsonResponse({"deleted": True})
        messages.success(request, _("Field removed."))
    return redirect("workflows:envelope_detail", envelope_id=envelope.pk)


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_party_remove_view(request, envelope_id, party_id):
    envelope = envelope_get(envelope_id=envelope_id)
    party = envelope_party_get(envelope=envelope, party_id=party_id)
    try:
        envelope_party_remove(party=party, acting_user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(party)s was removed.") % {"party": party.name})
    return redirect("workflows:envelope_detail", envelope_id=envelope.pk)


@authority_required(Action.ENVELOPE_SEND)
def envelope_review_view(request, envelope_id):
    """The last step before sending: everything the parties will get, with Back and Send."""
    envelope = envelope_get(envelope_id=envelope_id)
    if envelope.status != Envelope.Status.DRAFT:
        return redirect("workflows:envelope_detail", envelope_id=envelope.pk)
    review = envelope_review(envelope=envelope, default_lifetime=DEFAULT_LIFETIME)
    return render(request, "workflows/envelope_review.html", {"review": review, "envelope": envelope})


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_send_view(request, envelope_id):
    """Sends only what the sender reviewed: the review page posts the digest of what it
    showed; a draft changed since then (another tab, a colleague) goes back to the review."""
    envelope = envelope_get(envelope_id=envelope_id)
    if envelope.status == Envelope.Status.DRAFT:
        reviewed = request.POST.get("review", "")
        if not reviewed:
            messages.error(request, _("Review the envelope before sending it."))
            return redirect("workflows:envelope_review", envelope_id=envelope.pk)
        if reviewed != envelope_review(envelope=envelope, default_lifetime=DEFAULT_LIFETIME).digest:
            messages.error(request, _("The draft changed since you reviewed it. Check it again, then send."))
            return redirect("workflows:envelope_review", envelope_id=envelope.pk)
    try:
        envelope_send(
            envelope=envelope, owner=request.tenant, acting_user=request.user, ip_address=client_address(request)
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Sent. The first parties were notified."))
    return redirect("workflows:envelope_detail", envelope_id=envelope.pk)


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_cancel_view(request, envelope_id):
    envelope = envelope_get(envelope_id=envelope_id)
    form = EnvelopeCancelForm(request.POST)
    if form.is_valid():
        try:
            envelope_cancel(
                envelope=envelope,
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
                ip_address=client_address(request),
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Canceled. Every party who was notified is told."))
            return redirect("workflows:envelope_detail", envelope_id=envelope.pk)
    return _envelope_page(request, envelope_get(envelope_id=envelope_id), cancel_form=form, status=400)


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_remind_view(request, envelope_id):
    envelope = envelope_get(envelope_id=envelope_id)
    try:
        count = envelope_remind(envelope=envelope, acting_user=request.user, ip_address=client_address(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Reminder sent to %(count)s parties.") % {"count": count})
    return redirect("workflows:envelope_detail", envelope_id=envelope.pk)


@require_POST
@authority_required(Action.ENVELOPE_SEND)
def envelope_party_email_view(request, envelope_id, party_id):
    envelope = envelope_get(envelope_id=envelope_id)
    party = envelope_party_get(envelope=envelope, party_id=party_id)
    form = EnvelopePartyEmailForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect("workflows:envelope_detail", envelope_id=envelope.pk)
    try:
        envelope_party_email_correct(
            party=party, email=form.cleaned_data["email"], acting_user=request.user, ip_address=client_address(request)
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Email corrected. A new link replaces the old one."))
    return redirect("workflows:envelope_detail", envelope_id=envelope.pk)


@authority_required(Action.ENVELOPE_READ)
def envelope_file_view(request, envelope_id, which):
    envelope = envelope_get(envelope_id=envelope_id)
    try:
        name, data = envelope_file_read(
            envelope=envelope, which=which, actor_label=str(request.user), ip_address=client_address(request)
        )
    except ApplicationError as error:
        raise Http404 from error
    return _pdf_response(name, data)


# --- the inbox: envelopes sent to this company ---------------------------------------


def _route(request, route_id):
    """This company's inbox entry, or 404 (another company's route is as unknown)."""
    try:
        return cross_tenant.route_get_for_company(company=request.tenant, route_id=route_id)
    except ApplicationError as error:
        raise Http404 from error


@authority_required(Action.INBOX_READ)
def inbox_list_view(request):
    routes = inbox_for_company(company=request.tenant)[:200]
    return render(request, "workflows/envelope_inbox.html", {"routes": routes})


def _seals(request) -> list[Seal]:
    return [seal for seal in seal_list_for_company(company=request.tenant) if seal.status == Seal.Status.ACTIVE]


def _colleagues(request) -> list:
    return [m for m in membership_list_for_company(company=request.tenant) if m.user_id != request.user.pk]


def _inbox_page(request, route, *, seal_form=None, decline_form=None, reassign_form=None, status: int = 200):
    try:
        view = cross_tenant.party_view(route=route)
    except ApplicationError as error:  # the envelope ended meanwhile (e.g. by this very action)
        raise Http404 from error
    marks = [(field, {"mine": field.mine}) for field in view.fields]
    context = {
        "route": route,
        "view": view,
        "pages": _pages_with_marks(view.pages, view.page_count, marks),
        "seal_form": seal_form
        or InboxSealForm(seals=_seals(request), initial={"otp_method": otp_method_initial(request)}),
        "decline_form": decline_form or InboxDeclineForm(),
        "reassign_form": reassign_form or InboxReassignForm(memberships=_colleagues(request)),
        "uses_authenticator": two_factor_enabled(request.user),
        "job": request.GET.get("job", ""),
    }
    return render(request, "workflows/envelope_inbox_detail.html", context, status=status)


@authority_required(Action.INBOX_READ)
def inbox_detail_view(request, route_id):
    try:
        route = cross_tenant.route_get_for_company(company=request.tenant, route_id=route_id)
        cross_tenant.party_viewed(
            route=route,
            actor_label=f"{request.user} · {request.tenant.name}",
            ip_address=client_address(request),
            user_agent=_user_agent(request),
        )
    except ApplicationError as error:
        # 404 with the reason (an ended envelope's party learns where its copy is); nothing
        # of the envelope is shown.
        return render(request, "workflows/envelope_inbox_gone.html", {"message": error.message}, status=404)
    return _inbox_page(request, route)


@authority_required(Action.INBOX_READ)
def inbox_page_image_view(request, route_id, page):
    route = _route(request, route_id)
    try:
        width = int(request.GET.get("w", PREVIEW_WIDTH))
        image = cross_tenant.party_page_image(route=route, page=page, width=width)
    except (ValueError, ApplicationError):
        return HttpResponse(status=404)
    response = HttpResponse(image, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


@require_POST
@authority_required(Action.INBOX_ACT)
def inbox_seal_view(request, route_id):
    route = _route(request, route_id)
    form = InboxSealForm(request.POST, seals=_seals(request))
    otp_method_remember(request, request.POST.get("otp_method"))
    if form.is_valid():
        data = form.cleaned_data
        try:
            job = cross_tenant.company_party_seal(
                route=route,
                company=request.tenant,
                user=request.user,
                seal_id=data["seal"],
                seal_password=data["seal_password"],
                otp_method=data["otp_method"],
                otp_code=data["otp_code"],
                ip_address=client_address(request),
                user_agent=_user_agent(request),
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            # The page's job banner follows the seal from here (one banner, not a second message).
            return redirect(f"{reverse('workflows:inbox_detail', args=[route.pk])}?job={job['id']}")
    return _inbox_page(request, route, seal_form=form, status=400)


@require_POST
@authority_required(Action.INBOX_ACT)
def inbox_seal_code_view(request, route_id):
    route = _route(request, route_id)
    try:
        second_factor_email_code_send(
            user=request.user, purpose=OneTimeCode.Purpose.SEAL_USE, ip_address=client_address(request)
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        otp_method_remember(request, "email")
        messages.info(request, _("We emailed you a code to confirm the use of the seal."))
    return redirect("workflows:inbox_detail", route_id=route.pk)


@authority_required(Action.INBOX_READ)
def inbox_job_view(request, route_id, job_id):
    route = _route(request, route_id)
    try:
        return JsonResponse(cross_tenant.party_job(route=route, job_id=job_id))
    except ApplicationError as error:
        return JsonResponse({"detail": error.message}, status=error.status)


@require_POST
@authority_required(Action.INBOX_ACT)
def inbox_decline_view(request, route_id):
    route = _route(request, route_id)
    form = InboxDeclineForm(request.POST)
    if form.is_valid():
        try:
            cross_tenant.company_party_decline(
                route=route,
                company=request.tenant,
                user=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=client_address(request),
                user_agent=_user_agent(request),
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Declined. The sender and the other parties are told."))
            return redirect("workflows:inbox_list")  # the envelope is closed: its page is gone
    return _inbox_page(request, route, decline_form=form, status=400)


@require_POST
@authority_required(Action.INBOX_ACT)
def inbox_reassign_view(request, route_id):
    route = _route(request, route_id)
    form = InboxReassignForm(request.POST, memberships=_colleagues(request))
    if form.is_valid():
        colleague = form.cleaned_data["colleague"]
        try:
            cross_tenant.company_party_reassign(
                route=route,
                company=request.tenant,
                user=request.user,
                colleague=colleague,
                ip_address=client_address(request),
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Handed over to %(colleague)s.") % {"colleague": colleague})
            return redirect("workflows:inbox_detail", route_id=route.pk)
    return _inbox_page(request, route, reassign_form=form, status=400)


@authority_required(Action.INBOX_READ)
def inbox_file_view(request, route_id, which):
    route = _route(request, route_id)
    try:
        name, data = cross_tenant.party_file(
            route=route,
            which=which,
            ip_address=client_address(request),
            actor_label=f"{request.user} · {request.tenant.name}",
        )
    except ApplicationError as error:
        raise Http404 from error
    return _pdf_response(name, data)
