from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.serializers import StrictInputSerializer
from config.api.throttling import SlidingWindowThrottle
from documents.verification import document_verify, report_as_dict


class VerifyThrottle(SlidingWindowThrottle):
    """Per client address: verification is open to anyone, so it is rationed. Each check
    costs a sandboxed process: while the budget cannot be counted, nobody gets one."""

    scope = "verify"
    open_without_redis = False

    def get_rate(self) -> str:
        return settings.VERIFY_RATE_LIMIT

    def get_cache_key(self, request, view) -> str:
        return f"throttle:{self.scope}:ip:{self.get_ident(request) or 'unknown'}"


class VerifyApi(APIView):
    """Anyone may verify a PDF; no credentials are needed (or used)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [VerifyThrottle]
    parser_classes = [parsers.MultiPartParser]

    class VerifyInputSerializer(StrictInputSerializer):
        file = serializers.FileField()
        appearances = serializers.BooleanField(
            required=False, default=False, help_text="Also return each visible signature as a PNG (slower)"
        )

    @extend_schema(
        operation_id="verify",
        request={"multipart/form-data": VerifyInputSerializer},
        responses={200: dict},
        summary="Verify a signed PDF: a verdict and a report per signature",
    )
    def post(self, request):
        serializer = self.VerifyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return Response(report_as_dict(document_verify(data=data["file"].read(), appearances=data["appearances"])))
