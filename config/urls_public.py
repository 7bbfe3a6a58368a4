"""URLs on the platform host: BASE_DOMAIN (landing, sign-in, reviewer admin)."""

from django.contrib import admin
from django.urls import include, path

from config import views
from documents.views_verify import verify_view
from tenants import views as tenant_views
from workflows import views_sign

handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"
handler403 = "config.views.permission_denied"

urlpatterns = [
    path("", tenant_views.public_home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("verify/", verify_view, name="verify"),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("companies/new/", tenant_views.company_create_view, name="company_create"),
    path("companies/<slug:slug>/open/", tenant_views.company_open_view, name="company_open"),
    path("invitations/<str:token>/", tenant_views.invitation_accept_view, name="invitation_accept"),
    path("pki/", include("seals.urls_pki")),
    path("sign/<str:token>/", views_sign.sign_view, name="sign"),
    path("sign/<str:token>/code/", views_sign.sign_code_send_view, name="sign_code_send"),
    path("sign/<str:token>/verify/", views_sign.sign_code_check_view, name="sign_code_check"),
    path("sign/<str:token>/submit/", views_sign.sign_submit_view, name="sign_submit"),
    path("sign/<str:token>/decline/", views_sign.sign_decline_view, name="sign_decline"),
    path("sign/<str:token>/pages/<int:page>.png", views_sign.sign_page_view, name="sign_page"),
    path("sign/<str:token>/file/", views_sign.sign_file_view, name="sign_file"),
    path("sign/<str:token>/jobs/<uuid:job_id>/", views_sign.sign_job_view, name="sign_job"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api.urls_public", "api"))),
]
