from django.urls import path

from documents import views

app_name = "documents"
urlpatterns = [
    path("documents/", views.document_list_view, name="list"),
    path("documents/<uuid:document_id>/", views.document_detail_view, name="detail"),
    path("documents/<uuid:document_id>/delete/", views.document_delete_view, name="delete"),
    path(
        "documents/<uuid:document_id>/active-content/remove/",
        views.active_content_remove_view,
        name="active_content_remove",
    ),
    path("documents/<uuid:document_id>/v<int:number>.pdf", views.version_download_view, name="download"),
    path("documents/<uuid:document_id>/evidence.zip", views.evidence_archive_view, name="evidence_archive"),
    path("documents/<uuid:document_id>/evidence.pdf", views.evidence_report_view, name="evidence_report"),
    path("documents/<uuid:document_id>/v<int:number>/view.pdf", views.version_viewing_pdf_view, name="viewing_pdf"),
    path("documents/<uuid:document_id>/v<int:number>/pages/<int:page>.png", views.page_preview_view, name="preview"),
    path(
        "documents/<uuid:document_id>/v<int:number>/pages/<int:page>/lines.json",
        views.page_text_lines_view,
        name="page_lines",
    ),
    path("documents/<uuid:document_id>/v<int:number>/verify/", views.version_verify_view, name="verify"),
    path("documents/<uuid:document_id>/placements/", views.placement_add_view, name="placement_add"),
    path("documents/<uuid:document_id>/placements/text/", views.placement_text_view, name="placement_text"),
    path(
        "documents/<uuid:document_id>/placements/cross-page/",
        views.placement_cross_page_view,
        name="placement_cross_page",
    ),
    path(
        "documents/<uuid:document_id>/placements/<uuid:placement_id>/update/",
        views.placement_update_view,
        name="placement_update",
    ),
    path(
        "documents/<uuid:document_id>/placements/<uuid:placement_id>/delete/",
        views.placement_remove_view,
        name="placement_remove",
    ),
    path("documents/<uuid:document_id>/seal/code/", views.seal_code_send_view, name="seal_code"),
    path("documents/<uuid:document_id>/seal/", views.seal_confirm_view, name="seal"),
    path("documents/<uuid:document_id>/seal-sessions/<uuid:session_id>/", views.seal_session_view, name="seal_session"),
    path(
        "documents/<uuid:document_id>/seal-sessions/<uuid:session_id>/status/",
        views.seal_session_status_view,
        name="seal_session_status",
    ),
    path("documents/<uuid:document_id>/grants/<uuid:grant_id>/", views.grant_status_view, name="grant_status"),
]
