from __future__ import annotations

import contextlib
import hashlib

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from redis.exceptions import RedisError
from rest_framework import parsers, serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authority import Action
from accounts.codes import CODE_LIFETIME
from accounts.identity import mask_email
from accounts.models import OneTimeCode
from accounts.two_factor import OTP_METHODS, second_factor_email_code_send
from config.api.query import query_choice
from config.api.serializers import StrictInputSerializer
from config.client import client_address, client_user_agent
from config.errors import ApplicationError
from documents.models import ACTIVE_CONTENT_KINDS, DocumentVersion, Placement
from documents.selectors import document_get, document_list, document_list_token, grant_get, version_get
from documents.services.placements import (
    placement_add,
    placement_add_at_text,
    placement_add_cross_page,
    placement_remove,
    placement_update,
)
from documents.services.previews import PREVIEW_WIDTHS, document_page_preview_path
from documents.services.sealing import document_seal_request
from documents.services.versions import document_active_content_remove, document_delete, document_upload
from tenants.idempotency import idempotent
from tenants.models import ApiKey
from tenants.permissions import acting_membership

# Pages are keyed by a token that changes with the data; the expiry only bounds memory.
DOCUMENT_LIST_CACHE_SECONDS = 300
LIST_PARAMETERS = {"search", "cursor", "page_size"}


def _person(request):
    """Sealing needs a person's secrets; an API key acts for the member who created it."""
    return acting_membership(request).user


class ActiveContentOutputSerializer(serializers.Serializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(ACTIVE_CONTENT_KINDS)),
        help_text="What in the file runs or opens something; empty when nothing was found",
    )
    web_links = serializers.IntegerField(help_text="Links to web addresses (reported, never removed)")
    unknown = serializers.BooleanField(
        required=False, help_text="True when the file could not be analysed: check it yourself"
    )


class PreparedFieldOutputSerializer(serializers.Serializer):
    name = serializers.CharField()
    page = serializers.IntegerField(help_text="0-based page index")
    left = serializers.FloatField(help_text="PDF user space, points")
    bottom = serializers.FloatField()
    right = serializers.FloatField()
    top = serializers.FloatField()


class VersionOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    kind = serializers.CharField()
    format = serializers.ChoiceField(
        choices=DocumentVersion.Format.choices, help_text="pdf or ofd, told by the file's content at upload"
    )
    sha256 = serializers.CharField()
    size = serializers.IntegerField()
    page_count = serializers.IntegerField()
    signature_count = serializers.IntegerField()
    prepared_fields = PreparedFieldOutputSerializer(
        many=True,
        allow_null=True,
        help_text=(
            "A document certified by its author to allow signing: the empty signature fields the author "
            "prepared, the only places a seal may go (a placement on one is fitted into it); null: anywhere"
        ),
    )
    active_content = ActiveContentOutputSerializer(
        allow_null=True, help_text="Active content found at upload; null for versions stored before the check"
    )
    created_at = serializers.DateTimeField()


class PlacementOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    kind = serializers.ChoiceField(choices=Placement.Kind.choices)
    seal_id = serializers.UUIDField()
    page = serializers.IntegerField(help_text="0-based page index")
    x = serializers.FloatField(help_text="PDF user space, points")
    y = serializers.FloatField()
    width = serializers.FloatField()
    height = serializers.FloatField()
    field_name = serializers.CharField(help_text="The author's prepared signature field the seal fills, or empty")


class DocumentOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    format = serializers.ChoiceField(
        choices=DocumentVersion.Format.choices, source="current_version.format", help_text="Of the current version"
    )
    created_at = serializers.DateTimeField()
    current_version = VersionOutputSerializer()


class DocumentDetailSerializer(DocumentOutputSerializer):
    versions = VersionOutputSerializer(many=True)
    placements = PlacementOutputSerializer(many=True)


class JobOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    error = serializers.CharField(source="error_message")
    version = serializers.SerializerMethodField()

    def get_version(self, grant) -> int | None:
        version = getattr(grant, "result_version", None) if grant.status == "done" else None
        return version.number if version else None


class DocumentListCreateApi(ListAPIView):
    authority = {"GET": Action.DOCUMENT_READ, "POST": Action.DOCUMENT_UPLOAD}
    required_scope = ApiKey.Scope.DOCUMENTS
    serializer_class = DocumentOutputSerializer
    parser_classes = [parsers.MultiPartParser]

    class DocumentUploadSerializer(StrictInputSerializer):
        file = serializers.FileField()

    def get_queryset(self):
        return document_list(search=self.request.query_params.get("search", ""))

    @extend_schema(
        operation_id="documents_list",
        summary="Documents (newest first; `search` filters by name)",
        description="Each page carries an `ETag`; send it back in `If-None-Match` to get `304 Not Modified` "
        "while no document of the company has changed.",
    )
    def get(self, request, *args, **kwargs):
        # Integrations poll this list. A page is cached under the company's list token, which
        # changes in the same transaction as any document row, so a cached page is never stale.
        page_id = hashlib.sha256(f"{document_list_token()} {request.build_absolute_uri()}".encode()).hexdigest()
        etag = quote_etag(page_id[:32])
        # If-None-Match compares weakly: W/"x" matches "x", and * matches any page.
        wanted = {tag.removeprefix("W/") for tag in parse_etags(request.headers.get("If-None-Match", ""))}
        if etag in wanted or "*" in wanted:
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        # Only addresses the list understands are cached: made-up parameters cannot fill Redis.
        cache_key = f"documents-list-page:{page_id}" if set(request.query_params) <= LIST_PARAMETERS else None
        try:
            data = cache.get(cache_key) if cache_key else None
        except RedisError:  # the list is in the database; the cache only saves work
            data = None
        if data is None:
            data = super().get(request, *args, **kwargs).data
            if cache_key:
                with contextlib.suppress(RedisError):
                    cache.set(cache_key, data, DOCUMENT_LIST_CACHE_SECONDS)
        return Response(data, headers={"ETag": etag})

    @extend_schema(
        operation_id="documents_create",
        request={"multipart/form-data": DocumentUploadSerializer},
        responses={201: DocumentOutputSerializer},
        summary="Upload a PDF or OFD file (version 1; the format is told by content)",
    )
    @idempotent
    def post(self, request):
        serializer = self.DocumentUploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        upload = serializer.validated_data["file"]
        document = document_upload(name=upload.name, data=upload.read(), acting_user=request.user)
        return Response(DocumentOutputSerializer(document).data, status=status.HTTP_201_CREATED)


class DocumentDetailApi(APIView):
    authority = {"GET": Action.DOCUMENT_READ, "DELETE": Action.DOCUMENT_DELETE}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(
        operation_id="documents_retrieve",
        responses=DocumentDetailSerializer,
        summary="A document with versions and placements",
    )
    def get(self, request, document_id):
        document = document_get(document_id=document_id)
        data = DocumentDetailSerializer(
            {
                **DocumentOutputSerializer(document).data,
                "versions": document.versions.all(),
                "placements": document.placements.all(),
            }
        ).data
        return Response(data)

    @extend_schema(operation_id="documents_delete", responses={204: None}, summary="Delete (kept for the audit trail)")
    def delete(self, request, document_id):
        document_delete(document=document_get(document_id=document_id), acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentActiveContentRemoveApi(APIView):
    """A new version without JavaScript, launch actions, embedded files and the like; only
    before any signature and while the document is not out in an envelope (else 409)."""

    authority = {"POST": Action.DOCUMENT_UPLOAD}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(
        operation_id="documents_active_content_remove",
        request=None,
        responses={201: VersionOutputSerializer},
        summary="Remove active content (a new version, before any seal)",
    )
    def post(self, request, document_id):
        version = document_active_content_remove(
            document=document_get(document_id=document_id), acting_user=request.user
        )
        return Response(VersionOutputSerializer(version).data, status=status.HTTP_201_CREATED)


class VersionDownloadApi(APIView):
    authority = {"GET": Action.DOCUMENT_READ}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(
        operation_id="documents_download",
        responses={(200, "application/pdf"): bytes, (200, "application/ofd"): bytes},
        summary="Download a version (PDF or OFD, as stored)",
    )
    def get(self, request, document_id, number):
        version = version_get(document=document_get(document_id=document_id), number=number)
        return FileResponse(
            version.file.open("rb"), content_type=version.content_type, filename=version.download_name()
        )


class PlacementCreateApi(APIView):
    authority = {"POST": Action.DOCUMENT_PLACE}
    required_scope = ApiKey.Scope.DOCUMENTS

    class PlacementInputSerializer(StrictInputSerializer):
        seal_id = serializers.UUIDField()
        text = serializers.CharField(
            required=False,
            max_length=100,
            help_text="Instead of page/x/y: centre the seal on every occurrence of this text",
        )
        occurrence = serializers.IntegerField(
            required=False, min_value=1, help_text="With `text`: only its nth occurrence in reading order (1 = first)"
        )
        offset_x = serializers.FloatField(
            required=False, default=0.0, help_text="With `text`: move the seal right by this many points (left if <0)"
        )
        offset_y = serializers.FloatField(
            required=False, default=0.0, help_text="With `text`: move the seal up by this many points (down if <0)"
        )
        cross_page = serializers.BooleanField(
            required=False,
            default=False,
            help_text="A cross-page seal (骑缝章) over the right edges of all pages; optional y",
        )
        page = serializers.IntegerField(min_value=0, required=False)
        x = serializers.FloatField(required=False)
        y = serializers.FloatField(required=False)
        width = serializers.FloatField(required=False, help_text="Default: the seal's true size")
        height = serializers.FloatField(required=False)

    @extend_schema(
        operation_id="placements_create",
        request=PlacementInputSerializer,
        responses={
            201: OpenApiResponse(
                {
                    "oneOf": [
                        {"$ref": "#/components/schemas/PlacementOutput"},
                        {"type": "array", "items": {"$ref": "#/components/schemas/PlacementOutput"}},
                    ]
                },
                description="One placement; with `text`, a list: one placement per occurrence of the text",
            )
        },
        summary="Place a seal",
    )
    @idempotent
    def post(self, request, document_id):
        serializer = self.PlacementInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        document = document_get(document_id=document_id)
        if data.get("cross_page"):
            placement = placement_add_cross_page(
                document=document,
                company=request.tenant,
                seal_id=data["seal_id"],
                y=data.get("y"),
                acting_user=request.user,
            )
            return Response(PlacementOutputSerializer(placement).data, status=status.HTTP_201_CREATED)
        if "text" in data:
            placements = placement_add_at_text(
                document=document,
                company=request.tenant,
                seal_id=data["seal_id"],
                text=data["text"],
                acting_user=request.user,
                occurrence=data.get("occurrence"),
                offset_x=data["offset_x"],
                offset_y=data["offset_y"],
            )
            return Response(PlacementOutputSerializer(placements, many=True).data, status=status.HTTP_201_CREATED)
        for name in ("cross_page", "offset_x", "offset_y", "occurrence"):
            data.pop(name, None)
        missing = [name for name in ("page", "x", "y") if name not in data]
        if missing:
            raise serializers.ValidationError({name: [_("Give page, x and y, or text.")] for name in missing})
        placement = placement_add(
            document=document,
            company=request.tenant,
            seal_id=data.pop("seal_id"),
            acting_user=request.user,
            **data,
        )
        return Response(PlacementOutputSerializer(placement).data, status=status.HTTP_201_CREATED)


class PlacementDeleteApi(APIView):
    authority = {"PATCH": Action.DOCUMENT_PLACE, "DELETE": Action.DOCUMENT_PLACE}
    required_scope = ApiKey.Scope.DOCUMENTS

    class PlacementUpdateSerializer(StrictInputSerializer):
        x = serializers.FloatField()
        y = serializers.FloatField()
        width = serializers.FloatField(help_text="The height follows: the seal keeps its proportions")

    @extend_schema(
        operation_id="placements_update",
        request=PlacementUpdateSerializer,
        responses=PlacementOutputSerializer,
        summary="Move or resize a placement",
    )
    def patch(self, request, document_id, placement_id):
        document = document_get(document_id=document_id)
        placement = Placement.objects.filter(document=document, pk=placement_id).select_related("document").first()
        if placement is None:
            raise Http404
        serializer = self.PlacementUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        placement = placement_update(placement=placement, acting_user=request.user, **serializer.validated_data)
        return Response(PlacementOutputSerializer(placement).data)

    @extend_schema(operation_id="placements_delete", responses={204: None}, summary="Remove a placement")
    def delete(self, request, document_id, placement_id):
        document = document_get(document_id=document_id)
        placement = Placement.objects.filter(document=document, pk=placement_id).first()
        if placement is None:
            raise Http404
        placement_remove(placement=placement, acting_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DocumentSealApi(APIView):
    authority = {"POST": Action.DOCUMENT_SEAL}
    required_scope = ApiKey.Scope.SEALS

    class SealInputSerializer(StrictInputSerializer):
        seal_id = serializers.UUIDField()
        seal_password = serializers.CharField(write_only=True)
        otp_method = serializers.ChoiceField(choices=OTP_METHODS)
        otp_code = serializers.CharField(max_length=20)
        appearance = serializers.BooleanField(
            default=True,
            help_text="OFD only: false signs without a visible seal (a GB/T 33190 signature of type Sign); "
            "no placement is needed",
        )

    @extend_schema(
        operation_id="documents_seal",
        request=SealInputSerializer,
        responses={202: JobOutputSerializer},
        summary="Seal at the placements of this seal (returns a job; poll it)",
    )
    @idempotent
    def post(self, request, document_id):
        serializer = self.SealInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        grant = document_seal_request(
            document=document_get(document_id=document_id),
            company=request.tenant,
            seal_id=data["seal_id"],
            user=_person(request),
            seal_password=data["seal_password"],
            otp_method=data["otp_method"],
            otp_code=data["otp_code"],
            ip_address=client_address(request),
            user_agent=client_user_agent(request),
            appearance=data["appearance"],
        )
        return Response(JobOutputSerializer(grant).data, status=status.HTTP_202_ACCEPTED)


class SealCodeOutputSerializer(serializers.Serializer):
    sent_to = serializers.CharField(help_text="The address the code went to, masked")
    valid_for_seconds = serializers.IntegerField()


class DocumentSealCodeApi(APIView):
    """The emailed one-time code for `otp_method: "email"`, for members with no authenticator
    app; the same limits as the page (one code a minute, the emailed-code lockout)."""

    authority = {"POST": Action.DOCUMENT_SEAL}
    required_scope = ApiKey.Scope.SEALS

    @extend_schema(
        operation_id="documents_seal_code",
        request=None,
        responses={202: SealCodeOutputSerializer},
        summary="Email the acting member a one-time code to confirm sealing this document",
    )
    def post(self, request, document_id):
        document_get(document_id=document_id)
        person = _person(request)
        try:
            second_factor_email_code_send(
                user=person, purpose=OneTimeCode.Purpose.SEAL_USE, ip_address=client_address(request)
            )
        except ApplicationError as error:
            if error.code != "email_code_not_accepted":
                raise
            # Not a missing right: this member confirms with an authenticator app instead.
            raise ApplicationError(error.message, error.code, status=409) from error
        body = {"sent_to": mask_email(person.email), "valid_for_seconds": int(CODE_LIFETIME.total_seconds())}
        return Response(SealCodeOutputSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class JobDetailApi(APIView):
    authority = {"GET": Action.DOCUMENT_READ}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(operation_id="documents_job", responses=JobOutputSerializer, summary="Status of a sealing job")
    def get(self, request, document_id, job_id):
        grant = grant_get(document=document_get(document_id=document_id), grant_id=job_id)
        return Response(JobOutputSerializer(grant).data)


class PagePreviewApi(APIView):
    authority = {"GET": Action.DOCUMENT_READ}
    required_scope = ApiKey.Scope.DOCUMENTS

    @extend_schema(
        operation_id="documents_page_preview",
        parameters=[OpenApiParameter("width", int, enum=[200, 900], description="Image width in pixels")],
        responses={(200, "image/png"): bytes},
        summary="A page image (PNG) of a version",
    )
    def get(self, request, document_id, number, page):
        version = version_get(document=document_get(document_id=document_id), number=number)
        widths = [str(width) for width in PREVIEW_WIDTHS]
        width = int(query_choice(request, "width", widths, default=widths[-1]))
        path = document_page_preview_path(version=version, page=page, width=width)
        with default_storage.open(path, "rb") as handle:
            return HttpResponse(handle.read(), content_type="image/png")
