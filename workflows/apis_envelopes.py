"""REST: envelopes a company sends, and the inbox of envelopes sent to it."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import quote

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authority import Action
from accounts.two_factor import OTP_METHODS
from config.api.pagination import CreatedCursorPagination
from config.api.query import query_choice
from config.api.serializers import StrictInputSerializer
from config.client import client_address
from documents.models import content_type_for_name
from documents.selectors import document_get
from tenants.idempotency import idempotent
from tenants.models import ApiKey
from tenants.permissions import acting_membership
from workflows import cross_tenant
from workflows.envelope_routes import inbox_for_company
from workflows.envelopes.completion import envelope_file_read
from workflows.envelopes.deadlines import envelope_cancel, envelope_remind
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_party_email_correct, envelope_send
from workflows.envelopes.trail import envelope_events_verify
from workflows.models import Envelope, EnvelopeField, Party
from workflows.selectors import envelope_get, envelope_list, envelope_party_get


def _client(request) -> tuple[str | None, str]:
    return client_address(request), request.META.get("HTTP_USER_AGENT", "")[:300]


class EnvelopeFieldSerializer(serializers.Serializer):
    id = serializers.UUIDField(read_only=True)
    kind = serializers.ChoiceField(choices=EnvelopeField.Kind.choices, read_only=True)
    page = serializers.IntegerField(min_value=0, help_text="0-based page index")
    x = serializers.FloatField(help_text="PDF user space, points from the lower left")
    y = serializers.FloatField()
    width = serializers.FloatField(required=False, help_text="Default: 42 mm for a seal, 50 mm for a signature")
    height = serializers.FloatField(required=False)


class EnvelopePartyOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    order = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    email = serializers.EmailField()
    company_id = serializers.UUIDField(allow_null=True)
    status = serializers.CharField()
    notified_at = serializers.DateTimeField(allow_null=True)
    viewed_at = serializers.DateTimeField(allow_null=True)
    acted_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.CharField()
    fields = EnvelopeFieldSerializer(many=True, source="fields.all")


class EnvelopeOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.CharField()
    document_id = serializers.UUIDField()
    message = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    reminder_interval_days = serializers.IntegerField(allow_null=True)
    send_final_to_all = serializers.BooleanField()
    problem = serializers.CharField(source="problem_message")


class EnvelopeDetailSerializer(EnvelopeOutputSerializer):
    parties = EnvelopePartyOutputSerializer(many=True, source="parties.all")


class EnvelopePartyInputSerializer(StrictInputSerializer):
    kind = serializers.ChoiceField(choices=Party.Kind.choices)
    order = serializers.IntegerField(
        min_value=1, max_value=50, required=False, help_text="Equal numbers act in parallel"
    )
    name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    email = serializers.EmailField()
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True, help_text="For company parties")
    id_number = serializers.CharField(
        max_length=18, required=False, allow_blank=True, help_text="Optional: a person must enter it to sign"
    )
    fields = EnvelopeFieldSerializer(many=True, required=False)


def _party_add(envelope, data: dict, acting_user) -> Party:
    fields = data.pop("fields", [])
    party = envelope_party_add(envelope=envelope, acting_user=acting_user, **data)
    for field in fields:
        envelope_field_add(party=party, acting_user=acting_user, **field)
    return party


class EnvelopeListCreateApi(ListAPIView):
    authority = {"GET": Action.ENVELOPE_READ, "POST": Action.ENVELOPE_SEND}
    required_scope = ApiKey.Scope.ENVELOPES
    serializer_class = EnvelopeOutputSerializer
    pagination_class = CreatedCursorPagination

    class EnvelopeInputSerializer(StrictInputSerializer):
        document_id = serializers.UUIDField()
        name = serializers.CharField(max_length=255, required=False, allow_blank=True)
        message = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        expires_at = serializers.DateTimeField(required=False, help_text="Default: 30 days after sending")
        reminder_interval_days = serializers.IntegerField(min_value=1, max_value=30, required=False)
        send_final_to_all = serializers.BooleanField(required=False, default=True)
        parties = EnvelopePartyInputSerializer(many=True, required=False)
        send = serializers.BooleanField(required=False, default=False, help_text="Send at once")

    def get_queryset(self):
        return envelope_list(status=query_choice(self.request, "status", Envelope.Status.values))

    @extend_schema(
        operation_id="envelopes_list",
        parameters=[OpenApiParameter("status", str, enum=Envelope.Status.values)],
        summary="Envelopes this company sent (`status` filters)",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="envelopes_create",
        request=EnvelopeInputSerializer,
        responses={201: EnvelopeDetailSerializer},
        summary="Create an envelope from a document, with its parties and fields; optionally send it",
        examples=[
            OpenApiExample(
                "Company, then person",
                value={
                    "document_id": "3f1c2d9e-0000-4000-8000-000000000001",
                    "name": "Supply contract",
                    "message": "Please seal by Friday.",
                    "send": True,
                    "parties": [
                        {
                            "kind": "company",
                            "uscc": "91310000MA1FL8TQ0X",
                            "email": "legal@bravo.example",
                            "fields": [{"page": 1, "x": 140, "y": 80, "width": 100}],
                        },
                        {
                            "kind": "person",
                            "name": "张三",
                            "email": "zhangsan@example.com",
                            "fields": [{"page": 1, "x": 300, "y": 80}],
                        },
                    ],
                },
                request_only=True,
            )
        ],
    )
    @idempotent
    def post(self, request):
        serializer = self.EnvelopeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        parties, send = data.pop("parties", []), data.pop("send")
        user = acting_membership(request).user
        with transaction.atomic():
            envelope = envelope_create(
                document=document_get(document_id=data.pop("document_id")), acting_user=user, **data
            )
            for party in parties:
                _party_add(envelope, dict(party), user)
            if send:
                ip_address, _agent = _client(request)
                envelope = envelope_send(
                    envelope=envelope, owner=request.tenant, acting_user=user, ip_address=ip_address
                )
        return Response(EnvelopeDetailSerializer(envelope_get(envelope_id=envelope.pk)).data, status=201)


class EnvelopeDetailApi(APIView):
    authority = {"GET": Action.ENVELOPE_READ}
    required_scope = ApiKey.Scope.ENVELOPES

    @extend_schema(operation_id="envelopes_retrieve", responses=EnvelopeDetailSerializer, summary="An envelope")
    def get(self, request, envelope_id):
        return Response(EnvelopeDetailSerializer(envelope_get(envelope_id=envelope_id)).data)


class EnvelopePartyCreateApi(APIView):
    authority = {"POST": Action.ENVELOPE_SEND}
    required_scope = ApiKey.Scope.ENVELOPES

    @extend_schema(
        operation_id="envelopes_parties_create",
        request=EnvelopePartyInputSerializer,
        responses={201: EnvelopePartyOutputSerializer},
        summary="Add a party and its fields to a draft",
    )
    @idempotent
    def post(self, request, envelope_id):
        serializer = EnvelopePartyInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            party = _party_add(
                envelope_get(envelope_id=envelope_id), dict(serializer.validated_data), acting_membership(request).user
            )
        return Response(EnvelopePartyOutputSerializer(party).data, status=status.HTTP_201_CREATED)


class EnvelopePartyDetailApi(APIView):
    authority = {"PATCH": Action.ENVELOPE_SEND}
    required_scope = ApiKey.Scope.ENVELOPES

    class PartyEmailInputSerializer(StrictInputSerializer):
        email = serializers.EmailField()

    @extend_schema(
        operation_id="envelopes_parties_update",
        request=PartyEmailInputSerializer,
        responses=EnvelopePartyOutputSerializer,
        summary="Correct a party's email before they act (a new link is sent)",
    )
    def patch(self, request, envelope_id, party_id):
        serializer = self.PartyEmailInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        party = envelope_party_get(envelope=envelope_get(envelope_id=envelope_id), party_id=party_id)
        party = envelope_party_email_correct(
            party=party,
            email=serializer.validated_data["email"],
            acting_user=acting_membership(request).user,
            ip_address=_client(request)[0],
        )
        return Response(EnvelopePartyOutputSerializer(party).data)


class _EnvelopeActionApi(APIView):
    authority = {"POST": Action.ENVELOPE_SEND, "GET": Action.ENVELOPE_READ}
    required_scope = ApiKey.Scope.ENVELOPES


class EnvelopeSendApi(_EnvelopeActionApi):
    @extend_schema(
        operation_id="envelopes_send",
        request=None,
        responses=EnvelopeDetailSerializer,
        summary="Send: freeze the fields and notify the first parties",
    )
    def post(self, request, envelope_id):
        envelope = envelope_send(
            envelope=envelope_get(envelope_id=envelope_id),
            owner=request.tenant,
            acting_user=acting_membership(request).user,
            ip_address=_client(request)[0],
        )
        return Response(EnvelopeDetailSerializer(envelope_get(envelope_id=envelope.pk)).data)


class EnvelopeCancelApi(_EnvelopeActionApi):
    class EnvelopeCancelInputSerializer(StrictInputSerializer):
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(
        operation_id="envelopes_cancel",
        request=EnvelopeCancelInputSerializer,
        responses=EnvelopeDetailSerializer,
        summary="Cancel (every notified party is told)",
    )
    def post(self, request, envelope_id):
        serializer = self.EnvelopeCancelInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        envelope_cancel(
            envelope=envelope_get(envelope_id=envelope_id),
            reason=serializer.validated_data.get("reason", ""),
            acting_user=acting_membership(request).user,
            ip_address=_client(request)[0],
        )
        return Response(EnvelopeDetailSerializer(envelope_get(envelope_id=envelope_id)).data)


class EnvelopeRemindApi(_EnvelopeActionApi):
    @extend_schema(
        operation_id="envelopes_remind",
        request=None,
        responses={200: dict},
        summary="Remind the parties whose turn it is",
    )
    def post(self, request, envelope_id):
        count = envelope_remind(
            envelope=envelope_get(envelope_id=envelope_id),
            acting_user=acting_membership(request).user,
            ip_address=_client(request)[0],
        )
        return Response({"reminded": count})


class EnvelopeFileApi(_EnvelopeActionApi):
    which = "final"

    @extend_schema(responses={(200, "application/pdf"): bytes, (200, "application/ofd"): bytes})
    def get(self, request, envelope_id):
        name, data = envelope_file_read(
            envelope=envelope_get(envelope_id=envelope_id),
            which=self.which,
            actor_label=str(request.user),
            ip_address=_client(request)[0],
        )
        response = HttpResponse(data, content_type=content_type_for_name(name))
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
        return response


def _quote(name: str) -> str:
    return quote(name)


class EnvelopeFinalApi(EnvelopeFileApi):
    which = "final"

    @extend_schema(
        operation_id="envelopes_final",
        responses={(200, "application/pdf"): bytes, (200, "application/ofd"): bytes},
        summary="The completed document: a timestamped PDF, or the OFD file as the last party sealed it",
    )
    def get(self, request, envelope_id):
        return super().get(request, envelope_id)


class EnvelopeCertificateApi(EnvelopeFileApi):
    which = "certificate"

    @extend_schema(
        operation_id="envelopes_certificate",
        responses={(200, "application/pdf"): bytes},
        summary="The certificate of completion (PDF)",
    )
    def get(self, request, envelope_id):
        return super().get(request, envelope_id)


class EnvelopeEventListApi(APIView):
    authority = {"GET": Action.ENVELOPE_READ}
    required_scope = ApiKey.Scope.ENVELOPES

    class EnvelopeEventOutputSerializer(serializers.Serializer):
        sequence = serializers.IntegerField()
        occurred_at = serializers.DateTimeField()
        action = serializers.CharField()
        action_label = serializers.CharField()
        party_id = serializers.UUIDField(allow_null=True)
        actor = serializers.CharField(source="actor_label")
        ip_address = serializers.IPAddressField(allow_null=True)
        user_agent = serializers.CharField()
        data = serializers.JSONField()
        previous_hash = serializers.CharField()
        hash = serializers.CharField()

    @extend_schema(
        operation_id="envelopes_events",
        responses={200: dict},
        summary="The audit trail with its hash chain, and whether the chain verifies",
    )
    def get(self, request, envelope_id):
        envelope = envelope_get(envelope_id=envelope_id)
        intact, broken_at = envelope_events_verify(envelope=envelope)
        events = envelope.events.order_by("sequence")
        return Response(
            {
                "chain_intact": intact,
                "broken_at": broken_at,
                "events": self.EnvelopeEventOutputSerializer(events, many=True).data,
            }
        )


# --- the inbox: envelopes sent to this company ----------------------------------------


class InboxEntrySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    envelope_name = serializers.CharField()
    owner_name = serializers.CharField()
    party_kind = serializers.CharField()
    status = serializers.CharField()
    updated_at = serializers.DateTimeField()
    ended = serializers.BooleanField(source="is_ended", help_text="Ended envelopes answer 404; see your documents")


class InboxListApi(ListAPIView):
    authority = {"GET": Action.INBOX_READ}
    required_scope = ApiKey.Scope.ENVELOPES
    serializer_class = InboxEntrySerializer

    def get_queryset(self):
        return inbox_for_company(company=self.request.tenant)

    @extend_schema(operation_id="inbox_list", summary="Envelopes waiting for (or done by) this company")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class InboxDetailApi(APIView):
    authority = {"GET": Action.INBOX_READ}
    required_scope = ApiKey.Scope.ENVELOPES

    @extend_schema(operation_id="inbox_retrieve", responses={200: dict}, summary="What this company is asked to do")
    def get(self, request, route_id):
        route = cross_tenant.route_get_for_company(company=request.tenant, route_id=route_id)
        ip_address, agent = _client(request)
        cross_tenant.party_viewed(route=route, actor_label=str(request.user), ip_address=ip_address, user_agent=agent)
        return Response(asdict(cross_tenant.party_view(route=route)))


class InboxJobStartedSerializer(serializers.Serializer):
    id = serializers.UUIDField(help_text="The sealing job: poll `/inbox/{route_id}/jobs/{id}/`")
    status = serializers.CharField()


class InboxJobSerializer(InboxJobStartedSerializer):
    status_label = serializers.CharField(help_text="The status in the request's language")
    error = serializers.CharField(help_text="Why the job failed (empty otherwise)")


class InboxSealApi(APIView):
    authority = {"POST": Action.INBOX_ACT}
    required_scope = ApiKey.Scope.SEALS

    class InboxSealInputSerializer(StrictInputSerializer):
        seal_id = serializers.UUIDField()
        seal_password = serializers.CharField(write_only=True)
        otp_method = serializers.ChoiceField(choices=OTP_METHODS)
        otp_code = serializers.CharField(max_length=20)

    @extend_schema(
        operation_id="inbox_seal",
        request=InboxSealInputSerializer,
        responses={202: InboxJobStartedSerializer},
        summary="Seal this company's fields (returns a job; poll it)",
    )
    @idempotent
    def post(self, request, route_id):
        serializer = self.InboxSealInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        route = cross_tenant.route_get_for_company(company=request.tenant, route_id=route_id)
        ip_address, agent = _client(request)
        job = cross_tenant.company_party_seal(
            route=route,
            company=request.tenant,
            user=acting_membership(request).user,
            ip_address=ip_address,
            user_agent=agent,
            **serializer.validated_data,
        )
        return Response(job, status=status.HTTP_202_ACCEPTED)


class InboxJobApi(APIView):
    authority = {"GET": Action.INBOX_READ}
    required_scope = ApiKey.Scope.ENVELOPES

    @extend_schema(operation_id="inbox_job", responses=InboxJobSerializer, summary="Status of a sealing job")
    def get(self, request, route_id, job_id):
        route = cross_tenant.route_get_for_company(company=request.tenant, route_id=route_id)
        return Response(cross_tenant.party_job(route=route, job_id=job_id))


class InboxDeclineApi(APIView):
    authority = {"POST": Action.INBOX_ACT}
    required_scope = ApiKey.Scope.ENVELOPES

    class InboxDeclineInputSerializer(StrictInputSerializer):
        reason = serializers.CharField(max_length=2000)

    @extend_schema(
        operation_id="inbox_decline",
        request=InboxDeclineInputSerializer,
        responses={200: dict},
        summary="Decline with a reason (closes the envelope)",
    )
    def post(self, request, route_id):
        serializer = self.InboxDeclineInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        route = cross_tenant.route_get_for_company(company=request.tenant, route_id=route_id)
        ip_address, agent = _client(request)
        cross_tenant.company_party_decline(
            route=route,
            company=request.tenant,
            user=acting_membership(request).user,
            reason=serializer.validated_data["reason"],
            ip_address=ip_address,
            user_agent=agent,
        )
        return Response({"status": "declined"})


class InboxDocumentApi(APIView):
    authority = {"GET": Action.INBOX_READ}
    required_scope = ApiKey.Scope.ENVELOPES

    @extend_schema(
        operation_id="inbox_document",
        parameters=[OpenApiParameter("file", str, enum=["document", "certificate"], description="document (default)")],
        responses={(200, "application/pdf"): bytes, (200, "application/ofd"): bytes},
        summary="The PDF (or OFD file) as this envelope made it, while it is open (then 404: the signed PDF "
        "and the certificate are in the company's documents)",
    )
    def get(self, request, route_id):
        route = cross_tenant.route_get_for_company(company=request.tenant, route_id=route_id)
        which = query_choice(request, "file", ["document", "certificate"], default="document")
        name, data = cross_tenant.party_file(
            route=route, which=which, actor_label=str(request.user), ip_address=_client(request)[0]
        )
        response = HttpResponse(data, content_type=content_type_for_name(name))
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
        return response
