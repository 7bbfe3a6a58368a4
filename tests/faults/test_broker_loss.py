"""Redis restarted without persistence loses every queued message. Nothing is lost for
the user: sealing jobs and webhook deliveries live in the database, and the beat jobs
that look for stale work queue them again; a real worker then finishes everything."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django_tenants.utils import tenant_context

from accounts.models import AuthenticatorDevice
from documents.models import DocumentVersion, SigningGrant
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_request, document_seal_requeue_stale
from documents.services.versions import document_upload
from events.models import WebhookDelivery
from events.webhooks import webhook_deliveries_due, webhook_endpoint_create, webhook_event_emit
from tests.conftest import totp_now
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD

pytestmark = pytest.mark.integration


def test_work_queued_before_the_broker_lost_it_is_finished_after_recovery(
    committed_sealer, webhook_receiver, monkeypatch
):
    signer = committed_sealer
    lost = []

    def enqueue_lost(task, *args):
        lost.append((task.name, args))

    monkeypatch.setattr("config.celery.on_commit_enqueue", enqueue_lost)
    monkeypatch.setattr("documents.services.sealing.on_commit_enqueue", enqueue_lost)
    monkeypatch.setattr(
        "documents.services.previews.on_commit_enqueue_shared", lambda task, *args, slots: enqueue_lost(task, *args)
    )
    with tenant_context(signer.company):
        webhook_endpoint_create(url=webhook_receiver.url, events=["envelope.expired"], acting_user=signer.user)
        grants = []
        for step in range(3):
            with transaction.atomic():
                document = document_upload(name=f"batch-{step}.pdf", data=make_pdf(1), acting_user=signer.user)
                placement_add(
                    document=document,
                    company=signer.company,
                    seal_id=signer.seal.pk,
                    page=0,
                    x=380,
                    y=80,
                    acting_user=signer.user,
                )
            # Three confirmations within one authenticator time step: let the code count again.
            AuthenticatorDevice.objects.filter(pk=signer.device.pk).update(last_t=-1)
            grants.append(
                document_seal_request(
                    document=document,
                    company=signer.company,
                    seal_id=signer.seal.pk,
                    user=signer.user,
                    seal_password=SEAL_PASSWORD,
                    otp_method="authenticator",
                    otp_code=totp_now(signer.device),
                )
            )
        with transaction.atomic():
            webhook_event_emit(event_type="envelope.expired", data={"envelope_id": "e-1"})
    assert sum(1 for name, _args in lost if name == "documents.tasks.document_seal") == 3
    monkeypatch.undo()  # the broker is back, empty

    with tenant_context(signer.company):
        assert document_seal_requeue_stale(older_than=timedelta(0)) == 3
        assert webhook_deliveries_due(older_than=timedelta(0)) == 1
        deadline = time.monotonic() + 90
        while SigningGrant.objects.exclude(status="done").exists() or len(webhook_receiver.requests) < 1:
            assert time.monotonic() < deadline, list(SigningGrant.objects.values_list("status", "error"))
            time.sleep(0.2)
        for grant in grants:  # exactly one sealed version per job, on top of the original
            assert list(DocumentVersion.objects.filter(document=grant.document).values_list("number", flat=True)) == [
                1,
                2,
            ]
        assert WebhookDelivery.objects.get().status == "delivered"
    assert webhook_receiver.events()[0]["data"] == {"envelope_id": "e-1"}
