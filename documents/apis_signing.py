"""Sealing with a hardware key (U-key) through the API: a member starts a signing
session (one-time code); the local agent, holding only the session's one-time token,
reads what it is about to sign and posts the token's signature."""

from __future__ import annotations

import base64
import binascii

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authority import Action
from accounts.two_factor import OTP_METHODS
from config.api.serializers import StrictInputSerializer
from config.client import client_address
from config.errors import ApplicationError
from documents import signing_sessions
from documents.models import SigningSession
from documents.selectors import document_get, signing_session_get
from seals.models import Seal
from tenants.idempotency import idempotent
from tenants.models import ApiKey
from tenants.permissions import acting_membership


def agent_url(request, session: SigningSession) -> str:
    return request.build_absolute_uri(reverse("api:signing_sessions_agent", args=[session.pk]))


def agent_command(url: str, token: str) -> str:
    return f"python -m seals.agent --url {url} --token={token} --module <PKCS#11 module> --token-label <label>"


class SigningSessionOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.SerializerMethodField()
    step = serializers.IntegerField(help_text="0-based index of the placement being signed")
    steps = serializers.SerializerMethodField()
    error = serializers.CharField(source="error_message")
    expires_at = serializers.DateTimeField()
    version = serializers.SerializerMethodField()

    def get_status(self, session) -> str:
        return signing_sessions.signing_session_status(session)

    def get_steps(self, session) -> int:
        return len(session.placements)

    def get_version(self, session) -> int | None:
        return session.result_version.number if session.result_version_id else None


class SigningSessionCreatedSerializer(SigningSessionOutputSerializer):
    agent_url = serializers.URLField()
    token = serializers.CharField(help_text="One-time token for the agent; shown only now")
    agent_command = serializers.CharField()


class DocumentSealSessionCreateApi(APIView):
    authority = {"POST": Action.DOCUMENT_SEAL}
    required_scope = ApiKey.Scope.SEALS

    class SessionInputSerializer(StrictInputSerializer):
        seal_id = serializers.UUIDField()
        otp_method = serializers.ChoiceField(choices=OTP_METHODS)
        otp_code = serializers.CharField(max_length=20)

    @extend_schema(
        operation_id="documents_seal_sessions_create",
        request=SessionInputSerializer,
        responses={201: SigningSessionCreatedSerializer},
        summary="Seal with a hardware key (U-key): start a signing session for the local agent",
    )
    @idempotent(secret_fields=("token", "agent_command"))
    def post(self, request, document_id):
        serializer = self.SessionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        session, token = signing_sessions.document_seal_session_start(
            document=document_get(document_id=document_id),
            company=request.tenant,
            seal_id=data["seal_id"],
            user=acting_membership(request).user,
            otp_method=data["otp_method"],
            otp_code=data["otp_code"],
            ip_address=client_address(request),
        )
        url = agent_url(request, session)
        body = {
            **SigningSessionOutputSerializer(session).data,
            "agent_url": url,
            "token": token,
            "agent_command": agent_command(url, token),
        }
        return Response(body, status=status.HTTP_201_CREATED)


class DocumentSealSessionDetailApi(APIView):
    authority = {"GET": Action.DOCUMENT_SEAL}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(
        operation_id="documents_seal_sessions_retrieve",
        responses=SigningSessionOutputSerializer,
        summary="Status of a U-key signing session",
    )
    def get(self, request, document_id, session_id):
        session = signing_session_get(document=document_get(document_id=document_id), session_id=session_id)
        return Response(SigningSessionOutputSerializer(session).data)


class SigningSessionTokenMixin:
    """The agent holds no account: the session's one-time token is its only credential,
    sent as `Authorization: Signing-Session <token>`."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    def session_for(self, request, session_id) -> SigningSession:
        tenant = getattr(request, "tenant", None)
        if tenant is None or tenant.is_platform:
            raise Http404
        scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
        if scheme != signing_sessions.AUTHORIZATION_SCHEME or not token.strip():
            raise ApplicationError(
                _("Send the session's one-time token as “Authorization: Signing-Session <token>”."),
                "session_token_missing",
                status=401,
            )
        return signing_sessions.signing_session_for_token(session_id=session_id, token=token.strip())


class SigningSessionAgentOutputSerializer(SigningSessionOutputSerializer):
    document_name = serializers.CharField(source="document.name")
    document_sha256 = serializers.CharField(source="base_version.sha256", help_text="The version being sealed")
    requester = serializers.CharField(source="user_label")
    seal = serializers.SerializerMethodField()
    digest_algorithm = serializers.SerializerMethodField()
    document_digest = serializers.SerializerMethodField(help_text="SHA-256 over the signed byte range (hex)")
    signed_attributes = serializers.SerializerMethodField(help_text="DER of the CMS signed attributes (base64)")
    signed_attributes_sha256 = serializers.SerializerMethodField(help_text="What the token signs (hex)")

    def get_seal(self, session) -> dict:
        seal = Seal.objects.filter(pk=session.seal_id).first()
        return {
            "code": seal.code,
            "name": seal.name,
            "certificate_serial": seal.certificate_serial,
            "certificate_pem": seal.certificate_pem,
        }

    def get_digest_algorithm(self, session) -> str:
        return "sha256"

    def get_document_digest(self, session) -> str:
        return bytes(session.document_digest).hex() if session.document_digest else ""

    def get_signed_attributes(self, session) -> str:
        return base64.b64encode(bytes(session.signed_attributes)).decode() if session.signed_attributes else ""

    def get_signed_attributes_sha256(self, session) -> str:
        return signing_sessions.to_be_signed_sha256(session)


class SigningSessionAgentApi(SigningSessionTokenMixin, APIView):
    @extend_schema(
        operation_id="signing_sessions_agent_retrieve",
        parameters=[OpenApiParameter("Authorization", str, OpenApiParameter.HEADER, description="Signing-Session …")],
        responses=SigningSessionAgentOutputSerializer,
        summary="For the U-key agent: what it is asked to sign",
    )
    def get(self, request, session_id):
        session = self.session_for(request, session_id)
        return Response(SigningSessionAgentOutputSerializer(session).data)


class SigningSessionSignatureApi(SigningSessionTokenMixin, APIView):
    class SignatureInputSerializer(StrictInputSerializer):
        step = serializers.IntegerField(min_value=0)
        signed_attributes_sha256 = serializers.CharField(max_length=64, min_length=64)
        signature = serializers.CharField(max_length=4096, help_text="base64 of the DER ECDSA or RSA signature")

    @extend_schema(
        operation_id="signing_sessions_signature",
        request=SignatureInputSerializer,
        responses={202: SigningSessionOutputSerializer},
        summary="For the U-key agent: the token's signature of the signed attributes",
    )
    def post(self, request, session_id):
        session = self.session_for(request, session_id)
        serializer = self.SignatureInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            signature = base64.b64decode(data["signature"], validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError({"signature": [_("This is not base64.")]}) from None
        session = signing_sessions.signing_session_signature_submit(
            session_id=session.pk,
            token=self.request.headers["Authorization"].partition(" ")[2].strip(),
            step=data["step"],
            signed_attributes_sha256=data["signed_attributes_sha256"],
            signature=signature,
        )
        return Response(SigningSessionOutputSerializer(session).data, status=status.HTTP_202_ACCEPTED)
