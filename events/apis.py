"""REST: the company's audit trail."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from accounts.authority import Action
from config.api.pagination import CreatedCursorPagination
from events.selectors import audit_event_list
from tenants.models import ApiKey


class AuditEventPagination(CreatedCursorPagination):
    ordering = "-occurred_at"


class AuditEventListApi(ListAPIView):
    authority = {"GET": Action.AUDIT_READ}
    required_scope = ApiKey.Scope.ADMIN
    pagination_class = AuditEventPagination

    class AuditEventOutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        occurred_at = serializers.DateTimeField()
        actor = serializers.CharField(source="actor_label")
        action = serializers.CharField()
        action_label = serializers.CharField()
        target_type = serializers.CharField()
        target_id = serializers.CharField()
        data = serializers.JSONField()

    serializer_class = AuditEventOutputSerializer

    def get_queryset(self):
        queryset = audit_event_list()
        action = self.request.query_params.get("action")
        return queryset.filter(action=action) if action else queryset

    @extend_schema(operation_id="audit_events_list", summary="The company's audit trail")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
