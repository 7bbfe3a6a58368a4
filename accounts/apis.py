"""Account endpoints on the platform host: registration, recovery, session sign-in, me."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services, two_factor
from accounts.identity import mask_mobile
from accounts.models import AuthenticatorDevice, User
from accounts.selectors import membership_list_for_user
from config.api.origin import NotFromAnotherSite
from config.api.serializers import StrictInputSerializer
from config.client import client_address
from config.errors import ApplicationError

AUTH_BACKEND = "django.contrib.auth.backends.AllowAllUsersModelBackend"


def _ip(request) -> str | None:
    return client_address(request)


class MeSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    mobile_masked = serializers.SerializerMethodField()
    id_number_masked = serializers.CharField()
    email_verified = serializers.SerializerMethodField()
    two_factor_enabled = serializers.SerializerMethodField()
    companies = serializers.SerializerMethodField()

    def get_mobile_masked(self, user) -> str:
        return mask_mobile(user.mobile) if user.mobile else ""

    def get_email_verified(self, user) -> bool:
        return user.email_verified_at is not None

    def get_two_factor_enabled(self, user) -> bool:
        return two_factor.two_factor_enabled(user)

    def get_companies(self, user) -> list[dict]:
        return [
            {"id": str(m.company.pk), "name": m.company.name, "slug": m.company.slug, "role": m.role}
            for m in membership_list_for_user(user=user)
        ]


class PublicApiView(APIView):
    """Platform-host endpoints: no company behind the host, so no membership check; no
    credentials either, so no CSRF token: another site's pages are refused by origin."""

    authentication_classes = []
    permission_classes = [NotFromAnotherSite]


class RegisterApi(PublicApiView):
    class RegisterInputSerializer(StrictInputSerializer):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True)
        full_name = serializers.CharField(max_length=100)
        mobile = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
        id_number = serializers.CharField(max_length=20, write_only=True)

    @extend_schema(
        operation_id="auth_register",
        request=RegisterInputSerializer,
        responses={201: MeSerializer},
        summary="Register a person",
        description="409 with `type` `id_number_taken`, `email_taken` or `mobile_taken` when the identity is "
        "already registered; `errors.recovery_contacts` lists the masked contacts a recovery code can go to.",
        examples=[
            OpenApiExample(
                "New person",
                value={
                    "email": "li@example.com",
                    "password": "A-long-pass-2026",
                    "full_name": "李四",
                    "mobile": "13900001111",
                    "id_number": "110105198001010016",
                },
            )
        ],
    )
    def post(self, request):
        serializer = self.RegisterInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.user_register(**serializer.validated_data, ip_address=_ip(request))
        except services.RegistrationConflict as conflict:
            body = {
                "type": conflict.code,
                "title": _("Already registered"),
                "detail": conflict.message,
                "errors": {
                    conflict.field: [conflict.message],
                    "recovery_contacts": list(conflict.masked_contacts.values()),
                },
            }
            return Response(body, status=status.HTTP_409_CONFLICT)
        return Response(MeSerializer(user).data, status=status.HTTP_201_CREATED)


class RecoveryApi(PublicApiView):
    class RecoveryInputSerializer(StrictInputSerializer):
        id_number = serializers.CharField(max_length=20, write_only=True)
        channel = serializers.ChoiceField(choices=["email", "sms"], default="email")
        code = serializers.CharField(max_length=6, required=False)
        password = serializers.CharField(write_only=True, required=False)

    @extend_schema(
        operation_id="auth_recovery",
        request=RecoveryInputSerializer,
        responses={202: None, 200: MeSerializer},
        summary="Recover the account that holds an ID number",
        description="Without `code`: sends a code to the contact on file (202). With `code` and `password`: "
        "sets the new password (200). The answer never says whose account it is.",
    )
    def post(self, request):
        serializer = self.RecoveryInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        identity = services.identity_fields_for(data["id_number"])
        user = services.user_for_id_number_hash(identity.number_hash)
        if "code" not in data:
            if user is not None:
                services.account_recovery_start(user=user, channel=data["channel"], ip_address=_ip(request))
            return Response(status=status.HTTP_202_ACCEPTED)
        if user is None or not data.get("password"):
            raise ApplicationError(_("The code is not correct."), "code_invalid", field="code")
        user = services.account_recovery_complete(
            user=user, code=data["code"], password=data["password"], ip_address=_ip(request)
        )
        return Response(MeSerializer(user).data)


class SessionApi(PublicApiView):
    class SessionInputSerializer(StrictInputSerializer):
        email = serializers.EmailField()
        password = serializers.CharField(write_only=True)
        method = serializers.ChoiceField(choices=two_factor.OTP_METHODS, required=False)
        code = serializers.CharField(max_length=20, required=False)

    @extend_schema(
        operation_id="auth_session_create",
        request=SessionInputSerializer,
        responses={200: MeSerializer},
        summary="Sign in (session cookie)",
        description="Accounts with two-factor authentication answer 401 `second_factor_required` until "
        "`method` and `code` are given. Five wrong tries of a secret lock it for 15 minutes (429 `locked`).",
    )
    def post(self, request):
        serializer = self.SessionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.password_authenticate(request=request, email=data["email"], password=data["password"])
        device = None
        if two_factor.two_factor_enabled(user):
            if not data.get("code"):
                raise ApplicationError(
                    _("This account uses two-factor authentication: send `method` and `code`."),
                    "second_factor_required",
                    status=401,
                    field="code",
                )
            device = two_factor.second_factor_verify(
                user=user, method=data.get("method", "authenticator"), token=data["code"], ip_address=_ip(request)
            )
        login(request._request, user, backend=AUTH_BACKEND)
        if device is not None:
            otp_login(request._request, device)
        return Response(MeSerializer(user).data)

    @extend_schema(operation_id="auth_session_delete", request=None, responses={204: None}, summary="Sign out")
    def delete(self, request):
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(operation_id="me_retrieve", responses=MeSerializer, summary="The signed-in person")
    def get(self, request):
        if not isinstance(request.user, User):
            raise ApplicationError(_("Sign in as a person to use this endpoint."), "person_required", status=403)
        return Response(MeSerializer(request.user).data)


def _person_with_fresh_second_factor(request) -> User:
    """Replacing an authenticator needs the current one to have been used in this session."""
    user = request.user
    if not isinstance(user, User):
        raise ApplicationError(_("Sign in as a person to use this endpoint."), "person_required", status=403)
    two_factor.authenticator_enrolment_assert_allowed(user=user, ip_address=_ip(request))
    if two_factor.two_factor_enabled(user) and not user.is_verified():
        raise ApplicationError(
            _("Sign in with your current second factor before replacing it."), "second_factor_required", status=403
        )
    return user


class AuthenticatorApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class AuthenticatorSetupSerializer(serializers.Serializer):
        secret = serializers.CharField(help_text="Base32, for apps that cannot scan")
        otpauth_uri = serializers.CharField(help_text="otpauth:// URI (show it as a QR code)")

    @extend_schema(
        operation_id="me_authenticator_begin",
        request=None,
        responses={201: AuthenticatorSetupSerializer},
        summary="Start setting up an authenticator app; confirm with a code from it",
    )
    def post(self, request):
        device = two_factor.authenticator_begin(user=_person_with_fresh_second_factor(request))
        return Response(
            {
                "secret": two_factor.authenticator_secret_text(device),
                "otpauth_uri": two_factor.authenticator_provisioning_uri(device),
            },
            status=status.HTTP_201_CREATED,
        )


class AuthenticatorConfirmApi(APIView):
    permission_classes = [permissions.IsAuthenticated]

    class AuthenticatorConfirmSerializer(StrictInputSerializer):
        code = serializers.CharField(max_length=10)

    class RecoveryCodesSerializer(serializers.Serializer):
        recovery_codes = serializers.ListField(child=serializers.CharField(), help_text="Shown once; store them")

    @extend_schema(
        operation_id="me_authenticator_confirm",
        request=AuthenticatorConfirmSerializer,
        responses={200: RecoveryCodesSerializer},
        summary="Confirm the authenticator (two-factor sign-in is on)",
    )
    def post(self, request):
        user = _person_with_fresh_second_factor(request)
        serializer = self.AuthenticatorConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        codes = two_factor.authenticator_confirm(
            user=user, token=serializer.validated_data["code"], ip_address=_ip(request)
        )
        otp_login(request._request, AuthenticatorDevice.objects.get(user=user, confirmed=True))
        return Response({"recovery_codes": codes})
