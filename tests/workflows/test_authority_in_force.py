"""Webhook endpoints and seal-use approvals act on the authority of the person who set them
up or granted them, as it is when they are used: once that person may no longer do it
(demoted, removed, frozen), a delivery is not sent and an approval does not seal."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from accounts.models import Membership
from config.errors import ApplicationError
from documents.models import SealUseRequest, SigningGrant
from documents.services.approvals import seal_use_request_approve
from events import webhooks
from events.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from tests.conftest import client_on, enrol_authenticator
from tests.factories import UserFactory
from tests.workflows.test_seal_use_approval import _ask, _bob_seals, _document_placed_by_bob, seal  # noqa: F401
from workflows.envelopes.sending import envelope_send
from workflows.models import Envelope

pytestmark = pytest.mark.django_db


def _lose_authority(company, user, change):
    if change == "demoted":
        Membership.objects.filter(user=user, company=company).update(role=Membership.Role.MEMBER)
    elif change == "removed":
        Membership.objects.filter(user=user, company=company).delete()
    else:
        type(user).objects.filter(pk=user.pk).update(frozen_at=timezone.now(), is_active=False)


def _dan_admin(world):
    dan = UserFactory(email="dan@alpha.example", full_name="Dan")
    Membership.objects.create(user=dan, company=world.alpha, role=Membership.Role.ADMIN)
    return dan


@pytest.mark.parametrize("change", ["demoted", "removed", "frozen"])
def test_an_endpoint_stops_delivering_when_its_administrator_lost_authority(world, change):
    dan = _dan_admin(world)
    with tenant_context(world.alpha):
        endpoint, _secret = webhooks.webhook_endpoint_create(
            url="http://127.0.0.1:9/hook", events=["envelope.completed"], acting_user=dan
        )
        assert endpoint.authorised_by_id == dan.pk
    _lose_authority(world.alpha, dan, change)
    with tenant_context(world.alpha):
        delivery = webhooks.webhook_test_send(endpoint=endpoint)
        with translation.override("en"):
            outcome = webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert outcome.status == "failed" and delivery.status == "failed"
        assert delivery.attempts == 0 and delivery.last_attempt_at is None  # nothing was posted
        assert "may no longer administer the company" in delivery.error
        # An administrator who resumes it vouches for it from now on.
        webhooks.webhook_endpoint_update(endpoint=endpoint, acting_user=world.alice, active=True)
        again = webhooks.webhook_test_send(endpoint=endpoint)
        assert webhooks.webhook_delivery_attempt(delivery_id=again.pk).status == "retrying"  # it tried (port closed)


def test_demoting_the_administrator_pauses_his_endpoints_and_says_so(world):
    dan = _dan_admin(world)
    with tenant_context(world.alpha):
        endpoint, _secret = webhooks.webhook_endpoint_create(
            url="http://127.0.0.1:9/hook", events=["envelope.completed"], acting_user=dan
        )
    membership = Membership.objects.get(user=dan, company=world.alpha)
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = owner.post(f"/members/{membership.pk}/role/", {"role": "member"}, follow=True)
    assert "paused until an administrator resumes them: http://127.0.0.1:9/hook." in page.content.decode()
    with tenant_context(world.alpha):
        endpoint.refresh_from_db()
        assert endpoint.active is False
        assert webhooks.webhook_event_emit(event_type="envelope.completed", data={}) == 0
        assert not WebhookDelivery.objects.exists()


def test_an_endpoint_made_with_a_key_runs_on_the_keys_creator(world):
    import json

    from tenants.services import api_key_create

    dan = _dan_admin(world)
    with tenant_context(world.alpha):
        _key, raw = api_key_create(company=world.alpha, name="hooks", scopes=["admin"], acting_user=dan)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    body = json.dumps({"url": "http://127.0.0.1:9/hook", "events": ["envelope.completed"]})
    assert api.post("/api/v1/webhooks/", body, content_type="application/json").status_code == 201
    with tenant_context(world.alpha):
        assert WebhookEndpoint.objects.get().authorised_by_id == dan.pk


@pytest.mark.parametrize("change", ["demoted", "removed", "frozen"])
def test_an_approval_seals_nothing_once_its_approver_lost_authority(world, seal, change):  # noqa: F811
    keeper = UserFactory(email="kim@alpha.example", full_name="Kim")
    keeper_membership = Membership.objects.create(user=keeper, company=world.alpha, role=Membership.Role.SEAL_KEEPER)
    device, _codes = enrol_authenticator(world.bob)
    document = _document_placed_by_bob(world, seal)
    use_request = _ask(world, document, seal)
    with tenant_context(world.alpha):
        approval = seal_use_request_approve(
            use_request=use_request, acting_membership=keeper_membership, uses_allowed=3
        )
    _lose_authority(world.alpha, keeper, change)
    with pytest.raises(ApplicationError) as error:
        _bob_seals(world, document, seal, device)
    assert error.value.code == "approver_authority_lost" and error.value.status == 403
    with tenant_context(world.alpha):
        approval.refresh_from_db()
        assert approval.uses_count == 0 and approval.status == SealUseRequest.Status.APPROVED
        assert not SigningGrant.objects.exists()
        assert not AuditEvent.objects.filter(action="seal_use.used").exists()


def test_an_approval_still_seals_while_its_approver_may_approve(world, seal):  # noqa: F811
    keeper = UserFactory(email="kim@alpha.example", full_name="Kim")
    keeper_membership = Membership.objects.create(user=keeper, company=world.alpha, role=Membership.Role.SEAL_KEEPER)
    device, _codes = enrol_authenticator(world.bob)
    document = _document_placed_by_bob(world, seal)
    with tenant_context(world.alpha):
        seal_use_request_approve(use_request=_ask(world, document, seal), acting_membership=keeper_membership)
    Membership.objects.filter(pk=keeper_membership.pk).update(role=Membership.Role.ADMIN)  # promoted: still may
    grant = _bob_seals(world, document, seal, device)
    with tenant_context(world.alpha):
        assert SigningGrant.objects.filter(pk=grant.pk).exists()


@pytest.mark.parametrize("whose", ["approver", "sealer"])
def test_a_confirmed_seal_is_not_applied_once_the_authority_behind_it_is_gone(world, seal, whose):  # noqa: F811
    from documents.services.sealing import document_seal_execute

    keeper = UserFactory(email="kim@alpha.example", full_name="Kim")
    keeper_membership = Membership.objects.create(user=keeper, company=world.alpha, role=Membership.Role.SEAL_KEEPER)
    device, _codes = enrol_authenticator(world.bob)
    document = _document_placed_by_bob(world, seal)
    with tenant_context(world.alpha):
        seal_use_request_approve(use_request=_ask(world, document, seal), acting_membership=keeper_membership)
    grant = _bob_seals(world, document, seal, device)  # confirmed; the worker has not run yet
    _lose_authority(world.alpha, keeper if whose == "approver" else world.bob, "removed")
    with tenant_context(world.alpha):
        assert document_seal_execute(grant_id=grant.pk) is None
        grant.refresh_from_db()
        document.refresh_from_db()
        assert grant.status == SigningGrant.Status.FAILED and grant.error == "authority_lost"
        assert grant.wrapped_data_key is None
        assert document.current_version.number == 1  # nothing sealed


@pytest.mark.parametrize("change", ["removed", "frozen"])
def test_an_envelope_is_sent_only_on_a_current_members_authority(cast, change):
    from tests.workflows.test_envelopes import _draft

    a, b, d = cast
    envelope = _draft(a, b, d)
    _lose_authority(a.company, a.user, change)
    with tenant_context(a.company):
        with pytest.raises(ApplicationError) as error:
            envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
        assert error.value.code == "sender_not_member" and error.value.status == 403
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.DRAFT and envelope.sent_at is None
        assert envelope.document.versions.count() == 1


def test_the_webhooks_page_says_which_endpoint_no_longer_delivers(world):
    dan = _dan_admin(world)
    with tenant_context(world.alpha):
        webhooks.webhook_endpoint_create(url="http://127.0.0.1:9/hook", events=["envelope.completed"], acting_user=dan)
    _lose_authority(world.alpha, dan, "frozen")
    page = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en").get("/settings/webhooks/")
    assert "Not delivering: the administrator it runs on may no longer administer." in page.content.decode()


def test_the_check_holds_where_only_the_schema_name_is_known(world):
    """Some task paths run under `schema_context`, whose tenant stand-in has no id."""
    from django_tenants.utils import schema_context

    dan = _dan_admin(world)
    with tenant_context(world.alpha):
        endpoint, _secret = webhooks.webhook_endpoint_create(
            url="http://127.0.0.1:9/hook", events=["envelope.completed"], acting_user=dan
        )
        delivery = webhooks.webhook_test_send(endpoint=endpoint)
    _lose_authority(world.alpha, dan, "removed")
    with schema_context(world.alpha.schema_name):
        assert webhooks.webhook_delivery_attempt(delivery_id=delivery.pk).status == "failed"
