from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import parsers, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authority import Action, authority_check
from config.api.pagination import CreatedCursorPagination
from config.api.query import query_choice
from config.api.serializers import StrictInputSerializer
from seals import services
from seals.image import seal_pdf, seal_png
from seals.imports import seal_import_pkcs12, seal_register_hardware_token
from seals.models import Seal, SealApplication, SealType
from seals.selectors import (
    seal_application_get_for_company,
    seal_application_list_for_company,
    seal_get_for_company,
    seal_list_for_company,
)
from tenants.idempotency import idempotent
from tenants.models import ApiKey
from tenants.permissions import acting_membership


class SealApplicationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    seal_type = serializers.ChoiceField(choices=SealType.choices)
    seal_name = serializers.CharField()
    key_algorithm = serializers.CharField()
    status = serializers.ChoiceField(choices=SealApplication.Status.choices)
    submitted_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    seal_id = serializers.SerializerMethodField()

    def get_seal_id(self, application) -> str | None:
        seal = getattr(application, "seal", None) if application.status == "approved" else None
        return str(seal.pk) if seal else None


class SealOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    seal_type = serializers.ChoiceField(choices=SealType.choices)
    issuer = serializers.ChoiceField(choices=Seal.Issuer.choices)
    status = serializers.ChoiceField(choices=Seal.Status.choices)
    certificate_serial = serializers.CharField()
    not_before = serializers.DateTimeField()
    not_after = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


def _applicant(request):
    """Seal work needs a person (the seal password is theirs) who manages seals."""
    membership = acting_membership(request)
    authority_check(membership=membership, action=Action.SEAL_APPLY)
    return membership.user


class SealApplicationListCreateApi(ListAPIView):
    authority = {"GET": Action.SEAL_READ, "POST": Action.SEAL_APPLY}
    required_scope = ApiKey.Scope.SEALS
    serializer_class = SealApplicationOutputSerializer
    parser_classes = [parsers.MultiPartParser]
    pagination_class = type("SubmittedCursorPagination", (CreatedCursorPagination,), {"ordering": "-submitted_at"})

    class SealApplicationInputSerializer(StrictInputSerializer):
        seal_type = serializers.ChoiceField(choices=SealType.choices)
        seal_name = serializers.CharField(max_length=60)
        key_algorithm = serializers.ChoiceField(choices=["ec-p256", "rsa-2048"], default="ec-p256")
        seal_password = serializers.CharField(write_only=True)
        business_licence = serializers.FileField()
        authorisation_letter = serializers.FileField(required=False)

    def get_queryset(self):
        return seal_application_list_for_company(company=self.request.tenant)

    @extend_schema(operation_id="seal_applications_list", summary="The company's seal applications")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="seal_applications_create",
        request={"multipart/form-data": SealApplicationInputSerializer},
        responses={201: SealApplicationOutputSerializer},
        summary="Apply for a seal (multipart: documents + seal password)",
    )
    @idempotent
    def post(self, request):
        serializer = self.SealApplicationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = services.seal_application_submit(
            company=request.tenant, applicant=_applicant(request), **serializer.validated_data
        )
        return Response(SealApplicationOutputSerializer(application).data, status=status.HTTP_201_CREATED)


class SealApplicationDetailApi(APIView):
    authority = {"GET": Action.SEAL_READ}
    required_scope = ApiKey.Scope.SEALS

    @extend_schema(
        operation_id="seal_applications_retrieve",
        responses=SealApplicationOutputSerializer,
        summary="One seal application",
    )
    def get(self, request, application_id):
        application = seal_application_get_for_company(company=request.tenant, application_id=application_id)
        return Response(SealApplicationOutputSerializer(application).data)


class SealListApi(ListAPIView):
    authority = {"GET": Action.SEAL_READ}
    required_scope = ApiKey.Scope.READ
    serializer_class = SealOutputSerializer

    def get_queryset(self):
        return seal_list_for_company(company=self.request.tenant).order_by("-created_at")

    @extend_schema(operation_id="seals_list", summary="The company's seals")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SealDetailApi(APIView):
    authority = {"GET": Action.SEAL_READ}
    required_scope = ApiKey.Scope.READ

    @extend_schema(operation_id="seals_retrieve", responses=SealOutputSerializer, summary="One seal")
    def get(self, request, seal_id):
        return Response(SealOutputSerializer(seal_get_for_company(company=request.tenant, seal_id=seal_id)).data)


class SealCertificateApi(APIView):
    authority = {"GET": Action.SEAL_READ}
    required_scope = ApiKey.Scope.READ

    @extend_schema(
        operation_id="seals_certificate",
        responses={(200, "application/x-pem-file"): bytes},
        summary="The seal's certificate (PEM)",
    )
    def get(self, request, seal_id):
        seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
        return HttpResponse(seal.certificate_pem, content_type="application/x-pem-file")


class SealImageApi(APIView):
    authority = {"GET": Action.SEAL_READ}
    required_scope = ApiKey.Scope.READ

    @extend_schema(
        operation_id="seals_image",
        parameters=[OpenApiParameter("format", str, enum=["png", "pdf"], description="png (default) or pdf")],
        responses={(200, "image/png"): bytes, (200, "application/pdf"): bytes},
        summary="The seal image at true size",
    )
    def get(self, request, seal_id):
        seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
        face = services.seal_face(seal)
        if query_choice(request, "format", ["png", "pdf"], default="png") == "pdf":
            return HttpResponse(seal_pdf(face), content_type="application/pdf")
        return HttpResponse(seal_png(face), content_type="image/png")


class SealStatusApi(APIView):
    authority = {"POST": Action.SEAL_MANAGE}
    required_scope = ApiKey.Scope.SEALS

    class SealStatusInputSerializer(StrictInputSerializer):
        status = serializers.ChoiceField(choices=Seal.Status.choices)
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        operation_id="seals_status_update",
        request=SealStatusInputSerializer,
        responses=SealOutputSerializer,
        summary="Suspend (loss report), restore or revoke a seal",
    )
    def post(self, request, seal_id):
        seal = seal_get_for_company(company=request.tenant, seal_id=seal_id)
        serializer = self.SealStatusInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        seal = services.seal_status_change(
            seal=seal,
            to_status=serializer.validated_data["status"],
            acting_user=_applicant(request),
            reason=serializer.validated_data["reason"],
        )
        return Response(SealOutputSerializer(seal).data)


class SealImportApi(APIView):
    authority = {"POST": Action.SEAL_APPLY}
    required_scope = ApiKey.Scope.SEALS
    parser_classes = [parsers.MultiPartParser]

    class SealImportInputSerializer(StrictInputSerializer):
        pkcs12_file = serializers.FileField()
        pkcs12_password = serializers.CharField(write_only=True, required=False, allow_blank=True, default="")
        seal_type = serializers.ChoiceField(choices=SealType.choices)
        seal_password = serializers.CharField(write_only=True)

    @extend_schema(
        operation_id="seals_import",
        request={"multipart/form-data": SealImportInputSerializer},
        responses={201: SealOutputSerializer},
        summary="Register a third-party CA certificate (PKCS#12) as a seal",
    )
    @idempotent
    def post(self, request):
        serializer = self.SealImportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        seal = seal_import_pkcs12(
            company=request.tenant,
            acting_user=_applicant(request),
            pkcs12_data=data["pkcs12_file"].read(),
            pkcs12_password=data["pkcs12_password"],
            seal_type=data["seal_type"],
            seal_password=data["seal_password"],
        )
        return Response(SealOutputSerializer(seal).data, status=status.HTTP_201_CREATED)


class SealHardwareKeyRegisterApi(APIView):
    authority = {"POST": Action.SEAL_APPLY}
    required_scope = ApiKey.Scope.SEALS
    parser_classes = [parsers.MultiPartParser]

    class HardwareKeyInputSerializer(StrictInputSerializer):
        certificate_file = serializers.FileField(help_text="The U-key's signing certificate, PEM or DER")
        chain_file = serializers.FileField(required=False, help_text="Its CA certificates, PEM")
        seal_type = serializers.ChoiceField(choices=SealType.choices)

    @extend_schema(
        operation_id="seals_register_hardware_key",
        request={"multipart/form-data": HardwareKeyInputSerializer},
        responses={201: SealOutputSerializer},
        summary="Register the certificate of a hardware key (U-key) as a seal; the key stays on the U-key",
    )
    @idempotent
    def post(self, request):
        serializer = self.HardwareKeyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        seal = seal_register_hardware_token(
            company=request.tenant,
            acting_user=_applicant(request),
            certificate_data=data["certificate_file"].read(),
            chain_data=data["chain_file"].read() if data.get("chain_file") else b"",
            seal_type=data["seal_type"],
        )
        return Response(SealOutputSerializer(seal).data, status=status.HTTP_201_CREATED)
