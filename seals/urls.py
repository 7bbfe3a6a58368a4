from django.urls import path, re_path

from seals import views_company as views

app_name = "seals"
urlpatterns = [
    path("seals/", views.seal_list_view, name="list"),
    path("seals/apply/", views.seal_apply_view, name="apply"),
    path("seals/import/", views.seal_import_view, name="import"),
    path("seals/hardware-key/", views.seal_hardware_key_view, name="hardware_key"),
    path("seals/<uuid:seal_id>/", views.seal_detail_view, name="detail"),
    path("seals/<uuid:seal_id>/certificate.pem", views.seal_certificate_view, name="certificate"),
    path("seals/<uuid:seal_id>/seal.esl", views.seal_national_seal_view, name="national_seal"),
    path("seals/<uuid:seal_id>/dual-signing/", views.seal_dual_signing_view, name="dual_signing"),
    path("seals/<uuid:seal_id>/password/", views.seal_password_view, name="password"),
    # The id is matched as a whole UUID: 36 hex digits or dashes in any order answered 500.
    re_path(
        r"^seals/(?P<seal_id>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/image\.(?P<fmt>png|pdf)$",
        views.seal_image_view,
        name="image",
    ),
    path("seals/<uuid:seal_id>/status/", views.seal_status_view, name="status"),
    path("seals/<uuid:seal_id>/authorisations/", views.seal_authorisation_grant_view, name="authorisation_grant"),
    path(
        "seals/<uuid:seal_id>/authorisations/<int:authorisation_id>/revoke/",
        views.seal_authorisation_revoke_view,
        name="authorisation_revoke",
    ),
]
