"""API on the platform host: accounts and company registration."""

from django.urls import path

from accounts import apis as account_apis
from config.api.urls_common import common_urlpatterns_for
from tenants import apis as tenant_apis

urlpatterns = [
    *common_urlpatterns_for("config.urls_public"),
    path("auth/register/", account_apis.RegisterApi.as_view(), name="auth_register"),
    path("auth/recovery/", account_apis.RecoveryApi.as_view(), name="auth_recovery"),
    path("auth/session/", account_apis.SessionApi.as_view(), name="auth_session"),
    path("me/", account_apis.MeApi.as_view(), name="me"),
    path("me/authenticator/", account_apis.AuthenticatorApi.as_view(), name="me_authenticator"),
    path("me/authenticator/confirm/", account_apis.AuthenticatorConfirmApi.as_view(), name="me_authenticator_confirm"),
    path("companies/", tenant_apis.CompanyCreateApi.as_view(), name="companies_create"),
]
