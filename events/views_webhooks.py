"""Company settings pages for webhooks (administrators only)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.authority import Action, authority_required
from config.errors import ApplicationError
from events import webhooks
from events.apis_webhooks import delivery_get, endpoint_get
from events.forms import WebhookEndpointForm
from events.models import WebhookEndpoint


@require_http_methods(["GET", "POST"])
@authority_required(Action.WEBHOOK_MANAGE)
def webhook_list_view(request):
    form = WebhookEndpointForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = webhooks.webhook_endpoint_create(acting_user=request.user, **form.cleaned_data)
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Endpoint added. Copy the signing secret now: it will not be shown again."))
            form = WebhookEndpointForm()
    endpoints = list(WebhookEndpoint.objects.order_by("-created_at"))  # at most 20
    for endpoint in endpoints:
        endpoint.authority_lost = not webhooks.webhook_endpoint_authoriser_in_force(endpoint)
    context = {"form": form, "secret": secret, "endpoints": endpoints}
    return render(request, "events/webhooks.html", context, status=400 if form.errors else 200)


@authority_required(Action.WEBHOOK_MANAGE)
def webhook_detail_view(request, endpoint_id):
    endpoint = endpoint_get(endpoint_id)
    context = {"endpoint": endpoint, "deliveries": endpoint.deliveries.order_by("-created_at")[:100]}
    return render(request, "events/webhook_detail.html", context)


@require_POST
@authority_required(Action.WEBHOOK_MANAGE)
def webhook_action_view(request, endpoint_id, action):
    endpoint = endpoint_get(endpoint_id)
    if action == "test":
        webhooks.webhook_test_send(endpoint=endpoint)
        messages.success(request, _("A test event is on its way; its delivery appears below."))
    elif action == "rotate":
        secret = webhooks.webhook_secret_rotate(endpoint=endpoint, acting_user=request.user)
        messages.success(request, _("New signing secret (copy it now; the old one also signs for 24 hours):"))
        context = {
            "endpoint": endpoint,
            "secret": secret,
            "deliveries": endpoint.deliveries.order_by("-created_at")[:100],
        }
        return render(request, "events/webhook_detail.html", context)
    elif action == "pause" or action == "resume":
        webhooks.webhook_endpoint_update(endpoint=endpoint, acting_user=request.user, active=action == "resume")
    elif action == "delete":
        webhooks.webhook_endpoint_delete(endpoint=endpoint, acting_user=request.user)
        messages.success(request, _("Endpoint removed."))
        return redirect("events:webhooks")
    else:
        raise PermissionDenied
    return redirect("events:webhook_detail", endpoint_id=endpoint.pk)


@require_POST
@authority_required(Action.WEBHOOK_MANAGE)
def webhook_resend_view(request, endpoint_id, delivery_id):
    delivery = delivery_get(delivery_id)
    if delivery.endpoint_id != endpoint_get(endpoint_id).pk:
        raise PermissionDenied
    webhooks.webhook_delivery_resend(delivery=delivery)
    messages.success(request, _("Sent again."))
    return redirect("events:webhook_detail", endpoint_id=endpoint_id)
