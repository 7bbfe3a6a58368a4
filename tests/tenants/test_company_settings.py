"""The company settings page: the signature level (B-T / B-LT / B-LTA), owners and
administrators only, every change in the audit trail."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_tenants.utils import tenant_context

from events.models import AuditEvent
from tenants.models import Company
from tests.conftest import client_on

pytestmark = pytest.mark.django_db


def test_b_lt_is_the_default_and_an_owner_changes_it_audited(world):
    assert world.alpha.signature_level == Company.SignatureLevel.B_LT
    client = client_on(world.alpha, world.alice)
    page = client.get(reverse("tenants:company_settings"))
    assert page.status_code == 200 and b'value="B-LTA"' in page.content
    response = client.post(reverse("tenants:company_settings"), {"signature_level": "B-LTA"})
    assert response.status_code == 302
    assert Company.objects.get(pk=world.alpha.pk).signature_level == "B-LTA"
    with tenant_context(world.alpha):
        event = AuditEvent.objects.get(action="company.signature_level_changed")
        assert event.data == {"from": "B-LT", "to": "B-LTA"} and event.actor_user_id == world.alice.pk


def test_a_member_may_not_change_it_and_nonsense_is_refused(world):
    refused = client_on(world.alpha, world.bob).post(reverse("tenants:company_settings"), {"signature_level": "B-T"})
    assert refused.status_code == 403
    assert Company.objects.get(pk=world.alpha.pk).signature_level == "B-LT"
    bad = client_on(world.alpha, world.alice).post(reverse("tenants:company_settings"), {"signature_level": "B-B"})
    assert bad.status_code == 400
    assert Company.objects.get(pk=world.alpha.pk).signature_level == "B-LT"
