from django.urls import path

from workflows import views

app_name = "workflows"
urlpatterns = [
    path("audit/", views.audit_event_list_view, name="audit_events"),
    path("approvals/", views.seal_use_request_list_view, name="seal_use_request_list"),
    path("approvals/<uuid:request_id>/", views.seal_use_request_detail_view, name="seal_use_request_detail"),
    path("approvals/<uuid:request_id>/approve/", views.seal_use_request_approve_view, name="seal_use_request_approve"),
    path("approvals/<uuid:request_id>/reject/", views.seal_use_request_reject_view, name="seal_use_request_reject"),
    path("approvals/<uuid:request_id>/cancel/", views.seal_use_request_cancel_view, name="seal_use_request_cancel"),
    path(
        "documents/<uuid:document_id>/seal-use-requests/",
        views.seal_use_request_create_view,
        name="seal_use_request_create",
    ),
]
