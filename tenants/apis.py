from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.idempotency import idempotent
from config.api.serializers import StrictInputSerializer
from tenants.models import ApiKey
from tenants.selectors import api_key_get, api_key_list
from tenants.services import api_key_create, api_key_revoke


class CompanyDetailApi(APIView):
    required_scope = ApiKey.Scope.READ

    class CompanyOutputSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        name = serializers.CharField()
        slug = serializers.CharField()
        uscc = serializers.CharField()
        legal_representative = serializers.CharField()
        status = serializers.CharField()
        created_at = serializers.DateTimeField()

    @extend_schema(
        operation_id="company_retrieve", responses=CompanyOutputSerializer, summary="The company of this host"
    )
    def get(self, request):
        return Response(self.CompanyOutputSerializer(request.tenant).data)


class ApiKeyOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    prefix = serializers.CharField()
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class ApiKeyListCreateApi(ListAPIView):
    required_scope = ApiKey.Scope.ADMIN
    serializer_class = ApiKeyOutputSerializer

    class ApiKeyCreateInputSerializer(StrictInputSerializer):
        name = serializers.CharField(max_length=100)
        scopes = serializers.ListField(child=serializers.ChoiceField(choices=ApiKey.Scope.choices), allow_empty=False)
        expires_at = serializers.DateTimeField(required=False, allow_null=True)

    class ApiKeyCreatedSerializer(ApiKeyOutputSerializer):
        key = serializers.CharField(help_text="The full key. Shown only in this response; store it now.")

    def get_queryset(self):
        return api_key_list(company=self.request.tenant)

    @extend_schema(operation_id="api_keys_list", summary="List the company's API keys")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="api_keys_create",
        summary="Create an API key",
        request=ApiKeyCreateInputSerializer,
        responses={201: ApiKeyCreatedSerializer},
        examples=[OpenApiExample("ERP integration", value={"name": "ERP", "scopes": ["documents", "seals"]})],
    )
    @idempotent
    def post(self, request):
        serializer = self.ApiKeyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, raw_key = api_key_create(company=request.tenant, acting_user=request.user, **serializer.validated_data)
        data = dict(ApiKeyOutputSerializer(api_key).data, key=raw_key)
        return Response(data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    required_scope = ApiKey.Scope.ADMIN

    @extend_schema(
        operation_id="api_keys_revoke", request=None, responses=ApiKeyOutputSerializer, summary="Revoke an API key"
    )
    def post(self, request, api_key_id):
        api_key = api_key_revoke(
            api_key=api_key_get(company=request.tenant, api_key_id=api_key_id), acting_user=request.user
        )
        return Response(ApiKeyOutputSerializer(api_key).data)
