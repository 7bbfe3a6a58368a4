from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authority import Action
from config.api.query import query_choice
from config.api.serializers import StrictInputSerializer
from documents.models import SealUseRequest
from documents.selectors import document_get, seal_use_request_get, seal_use_request_list
from documents.services import approvals
from tenants.idempotency import idempotent
from tenants.models import ApiKey
from tenants.permissions import acting_membership


class SealUseRequestOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    document_id = serializers.UUIDField()
    document_name = serializers.CharField(source="document.name")
    seal_id = serializers.UUIDField()
    seal = serializers.CharField(source="seal_label")
    requester_id = serializers.UUIDField()
    requester = serializers.CharField(source="requester_label")
    reason = serializers.CharField()
    placements = serializers.JSONField(help_text="The requester's placements of the seal when asking (PDF points)")
    status = serializers.ChoiceField(
        source="state",
        choices=SealUseRequest.Status.choices,
        help_text="`expired`: approved, but the end date has passed",
    )
    decision_reason = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by_label")
    decided_at = serializers.DateTimeField(allow_null=True)
    document_only = serializers.BooleanField()
    uses_allowed = serializers.IntegerField()
    uses_count = serializers.IntegerField()
    valid_until = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class SealUseRequestListCreateApi(ListAPIView):
    """Seal managers see every request of the company; other members their own."""

    authority = {"GET": Action.DOCUMENT_READ, "POST": Action.SEAL_USE_REQUEST}

    required_scope = ApiKey.Scope.DOCUMENTS
    serializer_class = SealUseRequestOutputSerializer

    class SealUseRequestInputSerializer(StrictInputSerializer):
        document_id = serializers.UUIDField()
        seal_id = serializers.UUIDField()
        reason = serializers.CharField(max_length=2000)

    def get_queryset(self):
        return seal_use_request_list(
            membership=acting_membership(self.request),
            status=query_choice(self.request, "status", SealUseRequest.Status.values),
        )

    @extend_schema(
        operation_id="seal_use_requests_list",
        parameters=[OpenApiParameter("status", str, enum=SealUseRequest.Status.values)],
        summary="Seal-use requests (newest first)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="seal_use_requests_create",
        request=SealUseRequestInputSerializer,
        responses={201: SealUseRequestOutputSerializer},
        summary="Ask to use a seal placed on a document",
    )
    @idempotent
    def post(self, request):
        serializer = self.SealUseRequestInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        use_request = approvals.seal_use_request_create(
            document=document_get(document_id=data["document_id"]),
            company=request.tenant,
            seal_id=data["seal_id"],
            requester=acting_membership(request).user,
            reason=data["reason"],
        )
        return Response(SealUseRequestOutputSerializer(use_request).data, status=status.HTTP_201_CREATED)


class SealUseRequestDetailApi(APIView):
    authority = {"GET": Action.DOCUMENT_READ}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(operation_id="seal_use_requests_retrieve", responses=SealUseRequestOutputSerializer)
    def get(self, request, request_id):
        use_request = seal_use_request_get(membership=acting_membership(request), request_id=request_id)
        return Response(SealUseRequestOutputSerializer(use_request).data)


class SealUseRequestApproveApi(APIView):
    authority = {"POST": Action.SEAL_USE_APPROVE}
    required_scope = ApiKey.Scope.SEALS

    class ApproveInputSerializer(StrictInputSerializer):
        document_only = serializers.BooleanField(default=True, help_text="false: any document of the company")
        uses_allowed = serializers.IntegerField(default=1, min_value=1, max_value=approvals.MAX_USES)
        valid_until = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(
        operation_id="seal_use_requests_approve",
        request=ApproveInputSerializer,
        responses=SealUseRequestOutputSerializer,
        summary="Approve (seal keeper or administrator)",
    )
    def post(self, request, request_id):
        membership = acting_membership(request)
        use_request = seal_use_request_get(membership=membership, request_id=request_id)
        serializer = self.ApproveInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        use_request = approvals.seal_use_request_approve(
            use_request=use_request, acting_membership=membership, **serializer.validated_data
        )
        return Response(SealUseRequestOutputSerializer(use_request).data)


class SealUseRequestRejectApi(APIView):
    authority = {"POST": Action.SEAL_USE_APPROVE}
    required_scope = ApiKey.Scope.SEALS

    class RejectInputSerializer(StrictInputSerializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="seal_use_requests_reject",
        request=RejectInputSerializer,
        responses=SealUseRequestOutputSerializer,
        summary="Reject with a reason (seal keeper or administrator)",
    )
    def post(self, request, request_id):
        membership = acting_membership(request)
        use_request = seal_use_request_get(membership=membership, request_id=request_id)
        serializer = self.RejectInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        use_request = approvals.seal_use_request_reject(
            use_request=use_request, acting_membership=membership, reason=serializer.validated_data["reason"]
        )
        return Response(SealUseRequestOutputSerializer(use_request).data)


class SealUseRequestCancelApi(APIView):
    authority = {"POST": Action.SEAL_USE_REQUEST}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(
        operation_id="seal_use_requests_cancel",
        request=None,
        responses=SealUseRequestOutputSerializer,
        summary="Withdraw a request (the requester)",
    )
    def post(self, request, request_id):
        membership = acting_membership(request)
        use_request = seal_use_request_get(membership=membership, request_id=request_id)
        use_request = approvals.seal_use_request_cancel(use_request=use_request, acting_user=membership.user)
        return Response(SealUseRequestOutputSerializer(use_request).data)
