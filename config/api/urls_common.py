"""API routes every host has: verification, the OpenAPI schema and its docs."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from documents.apis_verify import VerifyApi


def common_urlpatterns_for(urlconf: str) -> list:
    """Each host documents its own operations: the platform host's schema lists account
    and registration calls, a company host's the company's."""
    return [
        path("verify/", VerifyApi.as_view(), name="verify"),
        path(
            "schema/",
            SpectacularAPIView.as_view(permission_classes=[], authentication_classes=[], urlconf=urlconf),
            name="schema",
        ),
        path(
            "docs/",
            SpectacularSwaggerView.as_view(url_name="api:schema", permission_classes=[], authentication_classes=[]),
            name="docs",
        ),
    ]
