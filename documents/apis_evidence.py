"""Evidence packages (出证) through the API: their state, and the ZIP and report to download.
Who may: the roles that may read the audit trail (accounts/authority.py EVIDENCE_READ)."""

from __future__ import annotations

import io

from django.http import FileResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authority import Action
from config.client import client_address
from documents.models import EvidencePackage
from documents.selectors import document_get, evidence_package_list
from documents.services.evidence import evidence_package_read
from tenants.models import ApiKey


class EvidencePackageOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    version = serializers.IntegerField(source="version.number", help_text="The document version it proves")
    envelope_id = serializers.UUIDField(allow_null=True, help_text="Set when the version completed an envelope")
    status = serializers.ChoiceField(choices=EvidencePackage.Status.choices)
    sha256 = serializers.CharField(source="archive_sha256", help_text="SHA-256 of the ZIP; empty until ready")
    error = serializers.CharField(help_text="Why the last attempt failed; empty otherwise")
    created_at = serializers.DateTimeField()
    ready_at = serializers.DateTimeField(allow_null=True)


class EvidencePackageListApi(APIView):
    authority = {"GET": Action.EVIDENCE_READ}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(
        operation_id="documents_evidence_list",
        responses={200: EvidencePackageOutputSerializer(many=True)},
        summary="Evidence packages of a document (newest first)",
    )
    def get(self, request, document_id):
        packages = evidence_package_list(document=document_get(document_id=document_id))
        return Response(EvidencePackageOutputSerializer(packages, many=True).data)


def evidence_download(request, document_id, which: str) -> FileResponse:
    """The page view and the API answer alike: an attachment (the file name is the
    document's, encoded by Django), the download audited by the service."""
    filename, content_type, data = evidence_package_read(
        document=document_get(document_id=document_id),
        acting_user=request.user,
        company=request.tenant,
        which=which,
        ip_address=client_address(request),
    )
    return FileResponse(io.BytesIO(data), content_type=content_type, as_attachment=True, filename=filename)


class EvidenceArchiveApi(APIView):
    authority = {"GET": Action.EVIDENCE_READ}
    required_scope = ApiKey.Scope.DOCUMENTS
    # The package holds the audit trail (addresses, user agents): not for read-only keys.
    scope_needed_to_read = True

    @extend_schema(
        operation_id="documents_evidence_archive",
        responses={(200, "application/zip"): bytes},
        summary="Download the newest evidence package (ZIP; check it offline with check_evidence.py inside)",
    )
    def get(self, request, document_id):
        return evidence_download(request, document_id, "archive")


class EvidenceReportApi(APIView):
    authority = {"GET": Action.EVIDENCE_READ}
    required_scope = ApiKey.Scope.DOCUMENTS
    # The package holds the audit trail (addresses, user agents): not for read-only keys.
    scope_needed_to_read = True

    @extend_schema(
        operation_id="documents_evidence_report",
        responses={(200, "application/pdf"): bytes},
        summary="Download the newest evidence report (PDF sealed by the platform)",
    )
    def get(self, request, document_id):
        return evidence_download(request, document_id, "report")
