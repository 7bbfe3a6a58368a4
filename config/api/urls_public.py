"""API on the platform host: accounts and company registration."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts import apis as account_apis
from documents.apis_verify import VerifyApi
from tenants import apis as tenant_apis

urlpatterns = [
    path("verify/", VerifyApi.as_view(), name="verify"),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[]), name="schema"),
    path(
        "docs/",
        SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[], authentication_classes=[]),
        name="docs",
    ),
    path("auth/register/", account_apis.RegisterApi.as_view(), name="auth_register"),
    path("auth/recovery/", account_apis.RecoveryApi.as_view(), name="auth_recovery"),
    path("auth/session/", account_apis.SessionApi.as_view(), name="auth_session"),
    path("me/", account_apis.MeApi.as_view(), name="me"),
    path("companies/", tenant_apis.CompanyCreateApi.as_view(), name="companies_create"),
]
