"""Contains all the data models used in inputs/outputs"""

from .active_content_output import ActiveContentOutput
from .api_key_create_input_request import ApiKeyCreateInputRequest
from .api_key_created import ApiKeyCreated
from .api_key_output import ApiKeyOutput
from .appearances_enum import AppearancesEnum
from .approval import Approval
from .approve_input_request import ApproveInputRequest
from .audit_event_output import AuditEventOutput
from .authority_effects import AuthorityEffects
from .company_output import CompanyOutput
from .document_detail import DocumentDetail
from .document_output import DocumentOutput
from .document_upload_request import DocumentUploadRequest
from .documents_page_preview_width import DocumentsPagePreviewWidth
from .envelope_cancel_input_request import EnvelopeCancelInputRequest
from .envelope_detail import EnvelopeDetail
from .envelope_field import EnvelopeField
from .envelope_field_kind_enum import EnvelopeFieldKindEnum
from .envelope_field_request import EnvelopeFieldRequest
from .envelope_input_request import EnvelopeInputRequest
from .envelope_output import EnvelopeOutput
from .envelope_party_input_kind_enum import EnvelopePartyInputKindEnum
from .envelope_party_input_request import EnvelopePartyInputRequest
from .envelope_party_output import EnvelopePartyOutput
from .envelopes_events_response_200 import EnvelopesEventsResponse200
from .envelopes_list_status import EnvelopesListStatus
from .envelopes_remind_response_200 import EnvelopesRemindResponse200
from .error import Error
from .error_errors import ErrorErrors
from .events_enum import EventsEnum
from .evidence_package_output import EvidencePackageOutput
from .evidence_package_output_status_enum import EvidencePackageOutputStatusEnum
from .format_enum import FormatEnum
from .hardware_key_input_request import HardwareKeyInputRequest
from .inbox_decline_input_request import InboxDeclineInputRequest
from .inbox_decline_response_200 import InboxDeclineResponse200
from .inbox_document_file import InboxDocumentFile
from .inbox_entry import InboxEntry
from .inbox_job import InboxJob
from .inbox_job_started import InboxJobStarted
from .inbox_retrieve_response_200 import InboxRetrieveResponse200
from .inbox_seal_input_request import InboxSealInputRequest
from .invitation import Invitation
from .invitation_input_request import InvitationInputRequest
from .invitation_output import InvitationOutput
from .issuer_enum import IssuerEnum
from .job_output import JobOutput
from .key import Key
from .key_algorithm_enum import KeyAlgorithmEnum
from .kinds_enum import KindsEnum
from .member_changed import MemberChanged
from .member_output import MemberOutput
from .member_removed import MemberRemoved
from .otp_method_enum import OtpMethodEnum
from .paginated_api_key_output_list import PaginatedApiKeyOutputList
from .paginated_audit_event_output_list import PaginatedAuditEventOutputList
from .paginated_document_output_list import PaginatedDocumentOutputList
from .paginated_envelope_output_list import PaginatedEnvelopeOutputList
from .paginated_inbox_entry_list import PaginatedInboxEntryList
from .paginated_invitation_output_list import PaginatedInvitationOutputList
from .paginated_member_output_list import PaginatedMemberOutputList
from .paginated_seal_application_output_list import PaginatedSealApplicationOutputList
from .paginated_seal_output_list import PaginatedSealOutputList
from .paginated_seal_use_request_output_list import PaginatedSealUseRequestOutputList
from .paginated_webhook_delivery_output_list import PaginatedWebhookDeliveryOutputList
from .paginated_webhook_endpoint_output_list import PaginatedWebhookEndpointOutputList
from .party_email_input_request import PartyEmailInputRequest
from .placement_input_request import PlacementInputRequest
from .placement_output import PlacementOutput
from .placement_output_kind_enum import PlacementOutputKindEnum
from .placement_update_request import PlacementUpdateRequest
from .prepared_field_output import PreparedFieldOutput
from .reduced_key import ReducedKey
from .reject_input_request import RejectInputRequest
from .role_enum import RoleEnum
from .role_input_request import RoleInputRequest
from .scopes_enum import ScopesEnum
from .seal_application_input_request import SealApplicationInputRequest
from .seal_application_output import SealApplicationOutput
from .seal_application_status_enum import SealApplicationStatusEnum
from .seal_code_output import SealCodeOutput
from .seal_import_input_request import SealImportInputRequest
from .seal_input_request import SealInputRequest
from .seal_output import SealOutput
from .seal_status_enum import SealStatusEnum
from .seal_status_input_request import SealStatusInputRequest
from .seal_type_enum import SealTypeEnum
from .seal_use_request_input_request import SealUseRequestInputRequest
from .seal_use_request_output import SealUseRequestOutput
from .seal_use_request_output_status_enum import SealUseRequestOutputStatusEnum
from .seal_use_requests_list_status import SealUseRequestsListStatus
from .seals_image_format import SealsImageFormat
from .session_input_request import SessionInputRequest
from .signature_input_request import SignatureInputRequest
from .signing_session_agent_output import SigningSessionAgentOutput
from .signing_session_agent_output_seal import SigningSessionAgentOutputSeal
from .signing_session_created import SigningSessionCreated
from .signing_session_output import SigningSessionOutput
from .verify_input_request import VerifyInputRequest
from .verify_response_200 import VerifyResponse200
from .version_output import VersionOutput
from .webhook import Webhook
from .webhook_delivery_output import WebhookDeliveryOutput
from .webhook_endpoint_created import WebhookEndpointCreated
from .webhook_endpoint_input_request import WebhookEndpointInputRequest
from .webhook_endpoint_output import WebhookEndpointOutput
from .webhook_endpoint_update_request import WebhookEndpointUpdateRequest
from .webhook_secret import WebhookSecret
from .webhooks_deliveries_list_status import WebhooksDeliveriesListStatus

__all__ = (
    "ActiveContentOutput",
    "ApiKeyCreated",
    "ApiKeyCreateInputRequest",
    "ApiKeyOutput",
    "AppearancesEnum",
    "Approval",
    "ApproveInputRequest",
    "AuditEventOutput",
    "AuthorityEffects",
    "CompanyOutput",
    "DocumentDetail",
    "DocumentOutput",
    "DocumentsPagePreviewWidth",
    "DocumentUploadRequest",
    "EnvelopeCancelInputRequest",
    "EnvelopeDetail",
    "EnvelopeField",
    "EnvelopeFieldKindEnum",
    "EnvelopeFieldRequest",
    "EnvelopeInputRequest",
    "EnvelopeOutput",
    "EnvelopePartyInputKindEnum",
    "EnvelopePartyInputRequest",
    "EnvelopePartyOutput",
    "EnvelopesEventsResponse200",
    "EnvelopesListStatus",
    "EnvelopesRemindResponse200",
    "Error",
    "ErrorErrors",
    "EventsEnum",
    "EvidencePackageOutput",
    "EvidencePackageOutputStatusEnum",
    "FormatEnum",
    "HardwareKeyInputRequest",
    "InboxDeclineInputRequest",
    "InboxDeclineResponse200",
    "InboxDocumentFile",
    "InboxEntry",
    "InboxJob",
    "InboxJobStarted",
    "InboxRetrieveResponse200",
    "InboxSealInputRequest",
    "Invitation",
    "InvitationInputRequest",
    "InvitationOutput",
    "IssuerEnum",
    "JobOutput",
    "Key",
    "KeyAlgorithmEnum",
    "KindsEnum",
    "MemberChanged",
    "MemberOutput",
    "MemberRemoved",
    "OtpMethodEnum",
    "PaginatedApiKeyOutputList",
    "PaginatedAuditEventOutputList",
    "PaginatedDocumentOutputList",
    "PaginatedEnvelopeOutputList",
    "PaginatedInboxEntryList",
    "PaginatedInvitationOutputList",
    "PaginatedMemberOutputList",
    "PaginatedSealApplicationOutputList",
    "PaginatedSealOutputList",
    "PaginatedSealUseRequestOutputList",
    "PaginatedWebhookDeliveryOutputList",
    "PaginatedWebhookEndpointOutputList",
    "PartyEmailInputRequest",
    "PlacementInputRequest",
    "PlacementOutput",
    "PlacementOutputKindEnum",
    "PlacementUpdateRequest",
    "PreparedFieldOutput",
    "ReducedKey",
    "RejectInputRequest",
    "RoleEnum",
    "RoleInputRequest",
    "ScopesEnum",
    "SealApplicationInputRequest",
    "SealApplicationOutput",
    "SealApplicationStatusEnum",
    "SealCodeOutput",
    "SealImportInputRequest",
    "SealInputRequest",
    "SealOutput",
    "SealsImageFormat",
    "SealStatusEnum",
    "SealStatusInputRequest",
    "SealTypeEnum",
    "SealUseRequestInputRequest",
    "SealUseRequestOutput",
    "SealUseRequestOutputStatusEnum",
    "SealUseRequestsListStatus",
    "SessionInputRequest",
    "SignatureInputRequest",
    "SigningSessionAgentOutput",
    "SigningSessionAgentOutputSeal",
    "SigningSessionCreated",
    "SigningSessionOutput",
    "VerifyInputRequest",
    "VerifyResponse200",
    "VersionOutput",
    "Webhook",
    "WebhookDeliveryOutput",
    "WebhookEndpointCreated",
    "WebhookEndpointInputRequest",
    "WebhookEndpointOutput",
    "WebhookEndpointUpdateRequest",
    "WebhooksDeliveriesListStatus",
    "WebhookSecret",
)
