"""API routes every host has: verification, the OpenAPI schema and its docs."""

from django.urls import path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from config.content_security import HEADER, content_security_policy
from documents.apis_verify import VerifyApi


class ApiDocsView(SpectacularSwaggerSplitView):
    """Swagger UI with its start-up script served from this address (`?script`), not inline.
    Its page carries a <style> block and the UI sets styles as it renders: inline styles are
    allowed here, inline scripts still are not."""

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response[HEADER] = content_security_policy(**{"style-src": "'self' 'unsafe-inline'"})
        return response


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
            ApiDocsView.as_view(url_name="api:schema", permission_classes=[], authentication_classes=[]),
            name="docs",
        ),
    ]
