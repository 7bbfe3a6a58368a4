"""URLs on a company host: <slug>.<BASE_DOMAIN>."""

from django.urls import include, path

from config import views
from documents.views_verify import verify_view
from tenants import views as tenant_views

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
handler403 = "config.views.permission_denied"

urlpatterns = [
    path("", tenant_views.company_home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("verify/", verify_view, name="verify"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("tenants.urls")),
    path("", include("events.urls")),
    path("", include("workflows.urls")),
    path("", include("seals.urls")),
    path("", include("documents.urls")),
    path("api/v1/", include(("config.api.urls", "api"))),
]
