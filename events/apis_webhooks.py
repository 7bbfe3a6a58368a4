"""REST: webhook endpoints, their signing secrets and the delivery log."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authority import Action, every_method
from config.api.query import query_choice
from config.api.serializers import StrictInputSerializer
from events import webhooks
from events.models import WEBHOOK_EVENTS, WebhookDelivery, WebhookEndpoint
from tenants.idempotency import idempotent
from tenants.models import ApiKey

EVENT_CHOICES = sorted(WEBHOOK_EVENTS)


def endpoint_get(endpoint_id) -> WebhookEndpoint:
    try:
        return WebhookEndpoint.objects.get(pk=endpoint_id)
    except (WebhookEndpoint.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def delivery_get(delivery_id) -> WebhookDelivery:
    try:
        return WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
    except (WebhookDelivery.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


class WebhookEndpointOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    url = serializers.URLField()
    description = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class WebhookEndpointCreatedSerializer(WebhookEndpointOutputSerializer):
    secret = serializers.CharField(help_text="The signing secret. Shown only in this response; store it now.")


class WebhookDeliveryOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    endpoint_id = serializers.UUIDField()
    event_id = serializers.UUIDField()
    event_type = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    response_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    duration_ms = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    payload = serializers.JSONField()


class WebhookEndpointListCreateApi(ListAPIView):
    authority = every_method(Action.WEBHOOK_MANAGE)
    required_scope = ApiKey.Scope.ADMIN
    serializer_class = WebhookEndpointOutputSerializer

    class WebhookEndpointInputSerializer(StrictInputSerializer):
        url = serializers.URLField(max_length=500)
        events = serializers.ListField(child=serializers.ChoiceField(choices=EVENT_CHOICES), allow_empty=False)
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)

    def get_queryset(self):
        return WebhookEndpoint.objects.order_by("-created_at")

    @extend_schema(operation_id="webhooks_list", summary="The company's webhook endpoints")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookEndpointInputSerializer,
        responses={201: WebhookEndpointCreatedSerializer},
        summary="Register an endpoint (the response carries its signing secret, once)",
        examples=[
            OpenApiExample(
                "Envelopes", value={"url": "https://erp.example.com/sealhub", "events": ["envelope.completed"]}
            )
        ],
    )
    @idempotent(secret_fields=("secret",))
    def post(self, request):
        serializer = self.WebhookEndpointInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint, secret = webhooks.webhook_endpoint_create(acting_user=request.user, **serializer.validated_data)
        return Response(dict(WebhookEndpointOutputSerializer(endpoint).data, secret=secret), status=201)


class WebhookEndpointDetailApi(APIView):
    authority = every_method(Action.WEBHOOK_MANAGE)
    required_scope = ApiKey.Scope.ADMIN

    class WebhookEndpointUpdateSerializer(StrictInputSerializer):
        url = serializers.URLField(max_length=500, required=False)
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=EVENT_CHOICES), allow_empty=False, required=False
        )
        description = serializers.CharField(max_length=200, required=False, allow_blank=True)
        active = serializers.BooleanField(required=False)

    @extend_schema(operation_id="webhooks_retrieve", responses=WebhookEndpointOutputSerializer, summary="An endpoint")
    def get(self, request, endpoint_id):
        return Response(WebhookEndpointOutputSerializer(endpoint_get(endpoint_id)).data)

    @extend_schema(
        operation_id="webhooks_update",
        request=WebhookEndpointUpdateSerializer,
        responses=WebhookEndpointOutputSerializer,
        summary="Change the address, events or description, or pause it",
    )
    def patch(self, request, endpoint_id):
        serializer = self.WebhookEndpointUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        endpoint = webhooks.webhook_endpoint_update(
            endpoint=endpoint_get(endpoint_id), acting_user=request.user, **serializer.validated_data
        )
        return Response(WebhookEndpointOutputSerializer(endpoint).data)

    @extend_schema(operation_id="webhooks_delete", responses={204: None}, summary="Remove an endpoint")
    def delete(self, request, endpoint_id):
        webhooks.webhook_endpoint_delete(endpoint=endpoint_get(endpoint_id), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotateApi(APIView):
    authority = every_method(Action.WEBHOOK_MANAGE)
    required_scope = ApiKey.Scope.ADMIN

    class WebhookSecretSerializer(serializers.Serializer):
        secret = serializers.CharField()
        previous_secret_valid_until = serializers.DateTimeField()

    @extend_schema(
        operation_id="webhooks_rotate_secret",
        request=None,
        responses=WebhookSecretSerializer,
        summary="New signing secret; the old one also signs for 24 hours",
    )
    def post(self, request, endpoint_id):
        endpoint = endpoint_get(endpoint_id)
        secret = webhooks.webhook_secret_rotate(endpoint=endpoint, acting_user=request.user)
        endpoint.refresh_from_db()
        return Response({"secret": secret, "previous_secret_valid_until": endpoint.previous_secret_until})


class WebhookTestApi(APIView):
    authority = every_method(Action.WEBHOOK_MANAGE)
    required_scope = ApiKey.Scope.ADMIN

    @extend_schema(
        operation_id="webhooks_test",
        request=None,
        responses={202: WebhookDeliveryOutputSerializer},
        summary="Send a `ping` event to the endpoint now",
    )
    @idempotent
    def post(self, request, endpoint_id):
        delivery = webhooks.webhook_test_send(endpoint=endpoint_get(endpoint_id))
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


class WebhookDeliveryListApi(ListAPIView):
    authority = every_method(Action.WEBHOOK_MANAGE)
    required_scope = ApiKey.Scope.ADMIN
    serializer_class = WebhookDeliveryOutputSerializer

    def get_queryset(self):
        endpoint = endpoint_get(self.kwargs["endpoint_id"])
        deliveries = endpoint.deliveries.order_by("-created_at")
        wanted = query_choice(self.request, "status", WebhookDelivery.Status.values)
        return deliveries.filter(status=wanted) if wanted else deliveries

    @extend_schema(
        operation_id="webhooks_deliveries_list",
        parameters=[OpenApiParameter("status", str, enum=WebhookDelivery.Status.values)],
        summary="Deliveries to an endpoint (`status` filters)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class WebhookDeliveryResendApi(APIView):
    authority = every_method(Action.WEBHOOK_MANAGE)
    required_scope = ApiKey.Scope.ADMIN

    @extend_schema(
        operation_id="webhooks_deliveries_resend",
        request=None,
        responses={202: WebhookDeliveryOutputSerializer},
        summary="Send the same event again (same event id)",
    )
    @idempotent
    def post(self, request, endpoint_id, delivery_id):
        delivery = delivery_get(delivery_id)
        if delivery.endpoint_id != endpoint_get(endpoint_id).pk:
            raise Http404
        copy = webhooks.webhook_delivery_resend(delivery=delivery)
        return Response(WebhookDeliveryOutputSerializer(copy).data, status=status.HTTP_202_ACCEPTED)
