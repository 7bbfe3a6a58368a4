from django.urls import path

from config.api.urls_common import common_urlpatterns_for
from documents import apis as document_apis
from documents import apis_evidence as evidence_apis
from documents import apis_signing as signing_apis
from events import apis as event_apis
from events import apis_webhooks as webhook_apis
from seals import apis as seal_apis
from tenants import apis as tenant_apis
from workflows import apis as workflow_apis
from workflows import apis_envelopes as envelope_apis

urlpatterns = [
    *common_urlpatterns_for("config.urls_tenants"),
    path("company/", tenant_apis.CompanyDetailApi.as_view(), name="company_detail"),
    path("api_keys/", tenant_apis.ApiKeyListCreateApi.as_view(), name="api_keys_list"),
    path("api_keys/<uuid:api_key_id>/revoke/", tenant_apis.ApiKeyRevokeApi.as_view(), name="api_keys_revoke"),
    path("api_keys/<uuid:api_key_id>/rotate/", tenant_apis.ApiKeyRotateApi.as_view(), name="api_keys_rotate"),
    path("audit_events/", event_apis.AuditEventListApi.as_view(), name="audit_events_list"),
    path("members/", tenant_apis.MemberListApi.as_view(), name="members_list"),
    path("members/<int:member_id>/", tenant_apis.MemberDetailApi.as_view(), name="members_detail"),
    path("invitations/", tenant_apis.InvitationListCreateApi.as_view(), name="invitations_list"),
    path(
        "invitations/<uuid:invitation_id>/revoke/", tenant_apis.InvitationRevokeApi.as_view(), name="invitations_revoke"
    ),
    path("seal_applications/", seal_apis.SealApplicationListCreateApi.as_view(), name="seal_applications_list"),
    path(
        "seal_applications/<uuid:application_id>/",
        seal_apis.SealApplicationDetailApi.as_view(),
        name="seal_applications_detail",
    ),
    path("documents/", document_apis.DocumentListCreateApi.as_view(), name="documents_list"),
    path("documents/<uuid:document_id>/", document_apis.DocumentDetailApi.as_view(), name="documents_detail"),
    path(
        "documents/<uuid:document_id>/active_content/remove/",
        document_apis.DocumentActiveContentRemoveApi.as_view(),
        name="documents_active_content_remove",
    ),
    path(
        "documents/<uuid:document_id>/versions/<int:number>/download/",
        document_apis.VersionDownloadApi.as_view(),
        name="documents_download",
    ),
    path(
        "documents/<uuid:document_id>/evidence/",
        evidence_apis.EvidencePackageListApi.as_view(),
        name="documents_evidence_list",
    ),
    path(
        "documents/<uuid:document_id>/evidence/archive/",
        evidence_apis.EvidenceArchiveApi.as_view(),
        name="documents_evidence_archive",
    ),
    path(
        "documents/<uuid:document_id>/evidence/report/",
        evidence_apis.EvidenceReportApi.as_view(),
        name="documents_evidence_report",
    ),
    path("documents/<uuid:document_id>/placements/", document_apis.PlacementCreateApi.as_view(), name="placements"),
    path(
        "documents/<uuid:document_id>/versions/<int:number>/pages/<int:page>/preview/",
        document_apis.PagePreviewApi.as_view(),
        name="documents_page_preview",
    ),
    path(
        "documents/<uuid:document_id>/placements/<uuid:placement_id>/",
        document_apis.PlacementDeleteApi.as_view(),
        name="placements_detail",
    ),
    path("documents/<uuid:document_id>/seal/", document_apis.DocumentSealApi.as_view(), name="documents_seal"),
    path(
        "documents/<uuid:document_id>/seal/code/",
        document_apis.DocumentSealCodeApi.as_view(),
        name="documents_seal_code",
    ),
    path(
        "documents/<uuid:document_id>/jobs/<uuid:job_id>/", document_apis.JobDetailApi.as_view(), name="documents_job"
    ),
    path(
        "documents/<uuid:document_id>/seal_sessions/",
        signing_apis.DocumentSealSessionCreateApi.as_view(),
        name="documents_seal_sessions",
    ),
    path(
        "documents/<uuid:document_id>/seal_sessions/<uuid:session_id>/",
        signing_apis.DocumentSealSessionDetailApi.as_view(),
        name="documents_seal_sessions_detail",
    ),
    path(
        "signing_sessions/<uuid:session_id>/",
        signing_apis.SigningSessionAgentApi.as_view(),
        name="signing_sessions_agent",
    ),
    path(
        "signing_sessions/<uuid:session_id>/signature/",
        signing_apis.SigningSessionSignatureApi.as_view(),
        name="signing_sessions_signature",
    ),
    path("envelopes/", envelope_apis.EnvelopeListCreateApi.as_view(), name="envelopes_list"),
    path("envelopes/<uuid:envelope_id>/", envelope_apis.EnvelopeDetailApi.as_view(), name="envelopes_detail"),
    path(
        "envelopes/<uuid:envelope_id>/parties/",
        envelope_apis.EnvelopePartyCreateApi.as_view(),
        name="envelopes_parties",
    ),
    path(
        "envelopes/<uuid:envelope_id>/parties/<uuid:party_id>/",
        envelope_apis.EnvelopePartyDetailApi.as_view(),
        name="envelopes_parties_detail",
    ),
    path("envelopes/<uuid:envelope_id>/send/", envelope_apis.EnvelopeSendApi.as_view(), name="envelopes_send"),
    path("envelopes/<uuid:envelope_id>/cancel/", envelope_apis.EnvelopeCancelApi.as_view(), name="envelopes_cancel"),
    path("envelopes/<uuid:envelope_id>/remind/", envelope_apis.EnvelopeRemindApi.as_view(), name="envelopes_remind"),
    path("envelopes/<uuid:envelope_id>/final/", envelope_apis.EnvelopeFinalApi.as_view(), name="envelopes_final"),
    path(
        "envelopes/<uuid:envelope_id>/certificate/",
        envelope_apis.EnvelopeCertificateApi.as_view(),
        name="envelopes_certificate",
    ),
    path("envelopes/<uuid:envelope_id>/events/", envelope_apis.EnvelopeEventListApi.as_view(), name="envelopes_events"),
    path("webhooks/", webhook_apis.WebhookEndpointListCreateApi.as_view(), name="webhooks_list"),
    path("webhooks/<uuid:endpoint_id>/", webhook_apis.WebhookEndpointDetailApi.as_view(), name="webhooks_detail"),
    path(
        "webhooks/<uuid:endpoint_id>/rotate_secret/",
        webhook_apis.WebhookSecretRotateApi.as_view(),
        name="webhooks_rotate_secret",
    ),
    path("webhooks/<uuid:endpoint_id>/test/", webhook_apis.WebhookTestApi.as_view(), name="webhooks_test"),
    path(
        "webhooks/<uuid:endpoint_id>/deliveries/",
        webhook_apis.WebhookDeliveryListApi.as_view(),
        name="webhooks_deliveries",
    ),
    path(
        "webhooks/<uuid:endpoint_id>/deliveries/<uuid:delivery_id>/resend/",
        webhook_apis.WebhookDeliveryResendApi.as_view(),
        name="webhooks_deliveries_resend",
    ),
    path("inbox/", envelope_apis.InboxListApi.as_view(), name="inbox_list"),
    path("inbox/<uuid:route_id>/", envelope_apis.InboxDetailApi.as_view(), name="inbox_detail"),
    path("inbox/<uuid:route_id>/seal/", envelope_apis.InboxSealApi.as_view(), name="inbox_seal"),
    path("inbox/<uuid:route_id>/decline/", envelope_apis.InboxDeclineApi.as_view(), name="inbox_decline"),
    path("inbox/<uuid:route_id>/document/", envelope_apis.InboxDocumentApi.as_view(), name="inbox_document"),
    path("inbox/<uuid:route_id>/jobs/<uuid:job_id>/", envelope_apis.InboxJobApi.as_view(), name="inbox_job"),
    path("seal_use_requests/", workflow_apis.SealUseRequestListCreateApi.as_view(), name="seal_use_requests_list"),
    path(
        "seal_use_requests/<uuid:request_id>/",
        workflow_apis.SealUseRequestDetailApi.as_view(),
        name="seal_use_requests_detail",
    ),
    path(
        "seal_use_requests/<uuid:request_id>/approve/",
        workflow_apis.SealUseRequestApproveApi.as_view(),
        name="seal_use_requests_approve",
    ),
    path(
        "seal_use_requests/<uuid:request_id>/reject/",
        workflow_apis.SealUseRequestRejectApi.as_view(),
        name="seal_use_requests_reject",
    ),
    path(
        "seal_use_requests/<uuid:request_id>/cancel/",
        workflow_apis.SealUseRequestCancelApi.as_view(),
        name="seal_use_requests_cancel",
    ),
    path("seals/", seal_apis.SealListApi.as_view(), name="seals_list"),
    path("seals/import/", seal_apis.SealImportApi.as_view(), name="seals_import"),
    path("seals/hardware_key/", seal_apis.SealHardwareKeyRegisterApi.as_view(), name="seals_hardware_key"),
    path("seals/<uuid:seal_id>/", seal_apis.SealDetailApi.as_view(), name="seals_detail"),
    path("seals/<uuid:seal_id>/certificate/", seal_apis.SealCertificateApi.as_view(), name="seals_certificate"),
    path("seals/<uuid:seal_id>/image/", seal_apis.SealImageApi.as_view(), name="seals_image"),
    path("seals/<uuid:seal_id>/status/", seal_apis.SealStatusApi.as_view(), name="seals_status"),
]
