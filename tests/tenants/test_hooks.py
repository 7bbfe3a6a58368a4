"""tenants sits below events and workflows: it records audit rows and asks them to follow up
a member's lost authority or a company's approval through hooks they register at startup."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_tenants.utils import tenant_context

from events.models import AuditEvent
from tenants import hooks


def test_the_higher_apps_registered_their_hooks_at_startup():
    assert sorted(hooks.authority_lost_follow_ups()) == ["approvals_void", "webhooks_paused"]
    assert [follow_up.__name__ for follow_up in hooks.company_approved_follow_ups()] == ["routes_claim_for_company"]


def test_an_audited_change_is_refused_when_no_trail_is_registered(monkeypatch):
    monkeypatch.setattr(hooks, "_audit_trail", [])
    with pytest.raises(ImproperlyConfigured):
        hooks.audit_event_record(acting_user=None, action="company.created")


def test_a_row_recorded_through_the_hook_lands_in_the_company_trail(world):
    hooks.audit_event_record_in_company(world.alpha, acting_user=world.alice, action="member.invited")

    with tenant_context(world.alpha):
        assert AuditEvent.objects.filter(action="member.invited").latest("occurred_at").actor_user_id == world.alice.pk
