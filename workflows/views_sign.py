"""Pages on the platform host for persons and approvers who act on an envelope by the
link in their email. The link finds the envelope; acting also needs the one-time code
sent to that address, proved once per browser session for 30 minutes."""

from __future__ import annotations

import base64
import binascii
import time
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from config.client import client_address
from config.errors import ApplicationError
from documents.models import content_type_for_name
from workflows import cross_tenant
from workflows.envelopes.persons import consent_statement
from workflows.overlays import page_overlays

VERIFIED_FOR_SECONDS = 30 * 60


def _session_key(route) -> str:
    return f"envelope-party:{route.party_id}"


def _verified(request, route) -> bool:
    verified_at = request.session.get(_session_key(route))
    return verified_at is not None and time.time() - verified_at < VERIFIED_FOR_SECONDS


def _agent(request) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:300]


def _route_or_error_page(request, token):
    try:
        return cross_tenant.route_get_for_token(token=token), None
    except ApplicationError as error:
        return None, render(request, "workflows/sign_unavailable.html", {"message": error.message}, status=404)


def sign_view(request, token):
    route, error_page = _route_or_error_page(request, token)
    if error_page:
        return error_page
    try:
        view = cross_tenant.party_view(route=route)
    except ApplicationError as error:  # the envelope ended since the link was checked
        return render(request, "workflows/sign_unavailable.html", {"message": error.message}, status=404)
    verified = _verified(request, route)
    if verified:
        cross_tenant.party_viewed(
            route=route, actor_label=view.party_name, ip_address=client_address(request), user_agent=_agent(request)
        )
    overlays = page_overlays(
        [
            {"page": f.page, "x": f.x, "y": f.y, "width": f.width, "height": f.height, "kind": f.kind, "mine": f.mine}
            for f in view.fields
        ],
        view.pages,
    )
    context = {
        "view": view,
        "token": token,
        "verified": verified,
        "pages": [(page, overlays.get(page, [])) for page in range(view.page_count)],
        "job_id": request.session.get(f"envelope-job:{route.party_id}", "") if view.can_act else "",
        "consent_statement": consent_statement(view.party_name),
    }
    response = render(request, "workflows/sign.html", context)
    # The token is in the address: it must not leave the platform host. Not "no-referrer":
    # browsers then send `Origin: null` with the page's own forms, which fails the CSRF check.
    response["Referrer-Policy"] = "same-origin"
    return response


def _act(request, token, action, success: str | None = None):
    """Run one party action; errors become a message on the page, nothing changes."""
    route, error_page = _route_or_error_page(request, token)
    if error_page:
        return error_page
    try:
        result = action(route)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("sign", token=token)
    if success:
        messages.success(request, success)
    return result or redirect("sign", token=token)


@require_POST
def sign_code_send_view(request, token):
    def send(route):
        cross_tenant.person_code_send(route=route, ip_address=client_address(request), user_agent=_agent(request))

    return _act(request, token, send, _("We sent a one-time code to your email address."))


@require_POST
def sign_code_check_view(request, token):
    def check(route):
        cross_tenant.person_code_check(
            route=route,
            code=request.POST.get("code", ""),
            ip_address=client_address(request),
            user_agent=_agent(request),
        )
        request.session.cycle_key()
        request.session[_session_key(route)] = time.time()

    return _act(request, token, check)


def _require_verified(request, route) -> None:
    if not _verified(request, route):
        raise ApplicationError(_("Confirm the one-time code from your email first."), "code_required", status=403)


DRAWN_SIGNATURE_PREFIX = "data:image/png;base64,"
DRAWN_SIGNATURE_MAX_FIELD = 420_000  # base64 of the 300 kB PNG limit, with room for the prefix


def _signature_from(request) -> cross_tenant.PersonSignature:
    """The consent box, and the drawing (a PNG data URL the pad put in a hidden field) when
    the person chose to draw, else the typed name."""
    consent = request.POST.get("consent") == "yes"
    if request.POST.get("signature_mode") != "draw":
        return cross_tenant.PersonSignature(consent=consent, typed_name=request.POST.get("typed_name", ""))
    drawn = request.POST.get("signature_png", "")
    if len(drawn) > DRAWN_SIGNATURE_MAX_FIELD:
        raise ApplicationError(
            _("The drawing is too large. Clear it and draw your signature again."), "signature_invalid"
        )
    if not drawn:
        raise ApplicationError(
            _("The signature pad is empty. Draw your signature, or type your name instead."), "signature_required"
        )
    if not drawn.startswith(DRAWN_SIGNATURE_PREFIX):
        raise ApplicationError(_("The drawing could not be read. Draw your signature again."), "signature_invalid")
    try:
        data = base64.b64decode(drawn[len(DRAWN_SIGNATURE_PREFIX) :], validate=True)
    except binascii.Error as error:
        raise ApplicationError(
            _("The drawing could not be read. Draw your signature again."), "signature_invalid"
        ) from error
    return cross_tenant.PersonSignature(consent=consent, drawn_png=data)


@require_POST
def sign_submit_view(request, token):
    def sign(route):
        _require_verified(request, route)
        if route.party_kind == "approver":
            cross_tenant.person_approve(route=route, ip_address=client_address(request), user_agent=_agent(request))
            messages.success(request, _("Approved. The next party has been notified."))
            return
        job = cross_tenant.person_sign(
            route=route,
            signature=_signature_from(request),
            id_number=request.POST.get("id_number", ""),
            ip_address=client_address(request),
            user_agent=_agent(request),
        )
        request.session[f"envelope-job:{route.party_id}"] = job["id"]
        messages.success(request, _("Your signature is being applied…"))
        return

    return _act(request, token, sign)


@require_POST
def sign_decline_view(request, token):
    def decline(route):
        _require_verified(request, route)
        cross_tenant.person_decline(
            route=route,
            reason=request.POST.get("reason", ""),
            ip_address=client_address(request),
            user_agent=_agent(request),
        )

    return _act(request, token, decline, _("You declined. The sender has been told."))


def sign_page_view(request, token, page):
    route, error_page = _route_or_error_page(request, token)
    if error_page or not _verified(request, route):
        return HttpResponse(status=404)
    try:
        width = int(request.GET.get("w", 900))
        image = cross_tenant.party_page_image(route=route, page=page, width=width)
    except (ValueError, ApplicationError):
        return HttpResponse(status=404)
    response = HttpResponse(image, content_type="image/png")
    response["Cache-Control"] = "private, max-age=300"
    return response


def sign_file_view(request, token):
    route, error_page = _route_or_error_page(request, token)
    if error_page or not _verified(request, route):
        return HttpResponse(status=404)
    which = "certificate" if request.GET.get("file") == "certificate" else "document"
    try:
        name, data = cross_tenant.party_file(
            route=route, which=which, actor_label="", ip_address=client_address(request)
        )
    except ApplicationError:
        return HttpResponse(status=404)
    response = HttpResponse(data, content_type=content_type_for_name(name))
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


def sign_job_view(request, token, job_id):
    route, error_page = _route_or_error_page(request, token)
    if error_page or not _verified(request, route):
        return JsonResponse({"error": "not_found"}, status=404)
    try:
        return JsonResponse(cross_tenant.party_job(route=route, job_id=job_id))
    except ApplicationError:
        return JsonResponse({"error": "not_found"}, status=404)
