from django.urls import path

from workflows import views, views_envelopes

app_name = "workflows"
urlpatterns = [
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
    # Envelopes this company sends.
    path("envelopes/", views_envelopes.envelope_list_view, name="envelope_list"),
    path("envelopes/new/", views_envelopes.envelope_create_view, name="envelope_create"),
    path("envelopes/<uuid:envelope_id>/", views_envelopes.envelope_detail_view, name="envelope_detail"),
    path("envelopes/<uuid:envelope_id>/parties/", views_envelopes.envelope_party_add_view, name="envelope_party_add"),
    path(
        "envelopes/<uuid:envelope_id>/fields/text/",
        views_envelopes.envelope_field_text_view,
        name="envelope_field_text",
    ),
    path(
        "envelopes/<uuid:envelope_id>/parties/<uuid:party_id>/fields/",
        views_envelopes.envelope_field_add_view,
        name="envelope_field_add",
    ),
    path(
        "envelopes/<uuid:envelope_id>/parties/<uuid:party_id>/fields/<uuid:field_id>/update/",
        views_envelopes.envelope_field_update_view,
        name="envelope_field_update",
    ),
    path(
        "envelopes/<uuid:envelope_id>/parties/<uuid:party_id>/fields/<uuid:field_id>/remove/",
        views_envelopes.envelope_field_remove_view,
        name="envelope_field_remove",
    ),
    path(
        "envelopes/<uuid:envelope_id>/parties/<uuid:party_id>/remove/",
        views_envelopes.envelope_party_remove_view,
        name="envelope_party_remove",
    ),
    path(
        "envelopes/<uuid:envelope_id>/parties/<uuid:party_id>/email/",
        views_envelopes.envelope_party_email_view,
        name="envelope_party_email",
    ),
    path("envelopes/<uuid:envelope_id>/review/", views_envelopes.envelope_review_view, name="envelope_review"),
    path("envelopes/<uuid:envelope_id>/send/", views_envelopes.envelope_send_view, name="envelope_send"),
    path("envelopes/<uuid:envelope_id>/cancel/", views_envelopes.envelope_cancel_view, name="envelope_cancel"),
    path("envelopes/<uuid:envelope_id>/remind/", views_envelopes.envelope_remind_view, name="envelope_remind"),
    path(
        "envelopes/<uuid:envelope_id>/final.pdf",
        views_envelopes.envelope_file_view,
        {"which": "final"},
        name="envelope_final",
    ),
    path(
        "envelopes/<uuid:envelope_id>/certificate.pdf",
        views_envelopes.envelope_file_view,
        {"which": "certificate"},
        name="envelope_certificate",
    ),
    # Envelopes other companies (or this one) sent to this company.
    path("envelopes/inbox/", views_envelopes.inbox_list_view, name="inbox_list"),
    path("envelopes/inbox/<uuid:route_id>/", views_envelopes.inbox_detail_view, name="inbox_detail"),
    path(
        "envelopes/inbox/<uuid:route_id>/pages/<int:page>.png",
        views_envelopes.inbox_page_image_view,
        name="inbox_page_image",
    ),
    path("envelopes/inbox/<uuid:route_id>/seal/", views_envelopes.inbox_seal_view, name="inbox_seal"),
    path("envelopes/inbox/<uuid:route_id>/seal/code/", views_envelopes.inbox_seal_code_view, name="inbox_seal_code"),
    path("envelopes/inbox/<uuid:route_id>/jobs/<uuid:job_id>/", views_envelopes.inbox_job_view, name="inbox_job"),
    path("envelopes/inbox/<uuid:route_id>/decline/", views_envelopes.inbox_decline_view, name="inbox_decline"),
    path("envelopes/inbox/<uuid:route_id>/reassign/", views_envelopes.inbox_reassign_view, name="inbox_reassign"),
    path(
        "envelopes/inbox/<uuid:route_id>/document.pdf",
        views_envelopes.inbox_file_view,
        {"which": "document"},
        name="inbox_document",
    ),
    path(
        "envelopes/inbox/<uuid:route_id>/certificate.pdf",
        views_envelopes.inbox_file_view,
        {"which": "certificate"},
        name="inbox_certificate",
    ),
]
