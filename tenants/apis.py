from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authority import Action
from accounts.models import Membership
from config.api.serializers import StrictInputSerializer
from config.errors import ApplicationError
from tenants.idempotency import idempotent
from tenants.members import (
    invitation_create,
    invitation_revoke,
    membership_remove,
    membership_role_change,
)
from tenants.models import ApiKey
from tenants.permissions import acting_membership
from tenants.selectors import (
    api_key_get,
    api_key_list,
    invitation_get_in_company,
    invitation_list_open,
    membership_get_in_company,
    membership_list_for_company,
)
from tenants.services import api_key_create, api_key_revoke, api_key_rotate, company_create


class CompanyDetailApi(APIView):
    authority = {"GET": Action.COMPANY_READ}
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
    authority = {"GET": Action.API_KEY_MANAGE, "POST": Action.API_KEY_MANAGE}
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
    @idempotent(secret_fields=("key",))
    def post(self, request):
        serializer = self.ApiKeyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        api_key, raw_key = api_key_create(
            company=request.tenant,
            acting_user=acting_membership(request).user,
            through_key=getattr(request.user, "api_key", None),
            **serializer.validated_data,
        )
        data = dict(ApiKeyOutputSerializer(api_key).data, key=raw_key)
        return Response(data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    authority = {"POST": Action.API_KEY_MANAGE}
    required_scope = ApiKey.Scope.ADMIN

    @extend_schema(
        operation_id="api_keys_revoke", request=None, responses=ApiKeyOutputSerializer, summary="Revoke an API key"
    )
    def post(self, request, api_key_id):
        api_key = api_key_revoke(
            api_key=api_key_get(company=request.tenant, api_key_id=api_key_id), acting_user=request.user
        )
        return Response(ApiKeyOutputSerializer(api_key).data)


class ApiKeyRotateApi(APIView):
    authority = {"POST": Action.API_KEY_MANAGE}
    required_scope = ApiKey.Scope.ADMIN

    @extend_schema(
        operation_id="api_keys_rotate",
        request=None,
        responses={201: ApiKeyListCreateApi.ApiKeyCreatedSerializer},
        summary="Replace a key by a new one with the same name and scopes (the old one stops at once)",
    )
    @idempotent(secret_fields=("key",))
    def post(self, request, api_key_id):
        api_key, raw_key = api_key_rotate(
            api_key=api_key_get(company=request.tenant, api_key_id=api_key_id),
            acting_user=acting_membership(request).user,
        )
        return Response(dict(ApiKeyOutputSerializer(api_key).data, key=raw_key), status=status.HTTP_201_CREATED)


class CompanyCreateApi(APIView):
    """Platform host: a signed-in person with a confirmed identity registers a company."""

    permission_classes = [permissions.IsAuthenticated]

    class CompanyCreateInputSerializer(StrictInputSerializer):
        name = serializers.CharField(max_length=200)
        slug = serializers.CharField(max_length=40)
        uscc = serializers.CharField(max_length=18)
        legal_representative = serializers.CharField(max_length=100)

    @extend_schema(
        operation_id="companies_create",
        request=CompanyCreateInputSerializer,
        responses={201: CompanyDetailApi.CompanyOutputSerializer},
        summary="Register a company (you become its owner)",
    )
    @idempotent
    def post(self, request):
        if not getattr(request.user, "is_identity_verified", False):
            raise ApplicationError(_("Confirm your email address first."), "identity_unverified", status=403)
        serializer = self.CompanyCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        company = company_create(owner=request.user, acting_user=request.user, **serializer.validated_data)
        return Response(CompanyDetailApi.CompanyOutputSerializer(company).data, status=status.HTTP_201_CREATED)


class MemberOutputSerializer(serializers.Serializer):
    id = serializers.CharField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    created_at = serializers.DateTimeField()


class MemberListApi(ListAPIView):
    authority = {"GET": Action.MEMBER_READ}
    required_scope = ApiKey.Scope.READ
    serializer_class = MemberOutputSerializer

    def get_queryset(self):
        return membership_list_for_company(company=self.request.tenant).order_by("-created_at")

    @extend_schema(operation_id="members_list", summary="Members of the company")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


def _acting_membership(request) -> Membership:
    return acting_membership(request)


class AuthorityEffectsSerializer(serializers.Serializer):
    """What stops or shrinks with a demoted or removed member's authority."""

    class KeySerializer(serializers.Serializer):
        id = serializers.UUIDField()
        name = serializers.CharField()
        prefix = serializers.CharField()

    class ReducedKeySerializer(KeySerializer):
        scopes_lost = serializers.ListField(child=serializers.CharField())

    class InvitationSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        email = serializers.EmailField()

    class WebhookSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        url = serializers.CharField()

    class ApprovalSerializer(serializers.Serializer):
        id = serializers.UUIDField()
        seal = serializers.CharField()

    api_keys_stopped = KeySerializer(many=True, help_text="The member's keys that stop working")
    api_keys_reduced = ReducedKeySerializer(many=True, help_text="The member's keys that now act with the new role")
    invitations_withdrawn = InvitationSerializer(many=True)
    webhooks_paused = WebhookSerializer(many=True)
    seal_use_approvals_void = ApprovalSerializer(many=True)


class MemberChangedSerializer(MemberOutputSerializer):
    authority_effects = AuthorityEffectsSerializer()


class MemberRemovedSerializer(serializers.Serializer):
    authority_effects = AuthorityEffectsSerializer()


class MemberDetailApi(APIView):
    # Leaving needs no more than membership; removing someone else needs MEMBER_MANAGE,
    # which the service checks (it knows whose membership it is).
    authority = {"PATCH": Action.MEMBER_MANAGE, "DELETE": Action.COMPANY_READ}
    required_scope = ApiKey.Scope.ADMIN

    class RoleInputSerializer(StrictInputSerializer):
        role = serializers.ChoiceField(choices=Membership.Role.choices)

    @extend_schema(
        operation_id="members_update",
        request=RoleInputSerializer,
        responses=MemberChangedSerializer,
        summary="Change a member's role (the answer lists what the member's keys and the like lose)",
    )
    def patch(self, request, member_id):
        serializer = self.RoleInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_role_change(
            membership=membership_get_in_company(company=request.tenant, membership_id=member_id),
            acting_membership=_acting_membership(request),
            role=serializer.validated_data["role"],
        )
        effects = membership.authority_effects.as_data()
        return Response(dict(MemberOutputSerializer(membership).data, authority_effects=effects))

    @extend_schema(
        operation_id="members_delete",
        responses={200: MemberRemovedSerializer},  # the answer has a body: not the 204 of a bare DELETE
        summary="Remove a member (or leave); the answer lists what stops with the member's authority",
    )
    def delete(self, request, member_id):
        effects = membership_remove(
            membership=membership_get_in_company(company=request.tenant, membership_id=member_id),
            acting_membership=_acting_membership(request),
        )
        return Response({"authority_effects": effects.as_data()})


class InvitationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()


class InvitationListCreateApi(ListAPIView):
    authority = {"GET": Action.MEMBER_MANAGE, "POST": Action.MEMBER_MANAGE}
    required_scope = ApiKey.Scope.ADMIN
    serializer_class = InvitationOutputSerializer

    class InvitationInputSerializer(StrictInputSerializer):
        email = serializers.EmailField()
        role = serializers.ChoiceField(choices=Membership.Role.choices, default=Membership.Role.MEMBER)

    def get_queryset(self):
        return invitation_list_open(company=self.request.tenant)

    @extend_schema(operation_id="invitations_list", summary="Open invitations")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="invitations_create",
        request=InvitationInputSerializer,
        responses={201: InvitationOutputSerializer},
        summary="Invite someone by email",
    )
    @idempotent
    def post(self, request):
        serializer = self.InvitationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invitation = invitation_create(
            company=request.tenant,
            acting_membership=_acting_membership(request),
            **serializer.validated_data,
        )
        return Response(InvitationOutputSerializer(invitation).data, status=status.HTTP_201_CREATED)


class InvitationRevokeApi(APIView):
    authority = {"POST": Action.MEMBER_MANAGE}
    required_scope = ApiKey.Scope.ADMIN

    @extend_schema(
        operation_id="invitations_revoke",
        request=None,
        responses=InvitationOutputSerializer,
        summary="Withdraw an invitation",
    )
    def post(self, request, invitation_id):
        invitation = invitation_revoke(
            invitation=invitation_get_in_company(company=request.tenant, invitation_id=invitation_id),
            acting_membership=_acting_membership(request),
        )
        return Response(InvitationOutputSerializer(invitation).data)
