"""Companies that take part in envelopes: each approved, with an owner who has an
authenticator and an active company seal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from stdnum.cn import uscc as uscc_number

from accounts.models import User
from seals.models import Seal
from seals.services import seal_application_approve, seal_application_submit
from tenants.models import Company
from tenants.services import company_create
from tests.conftest import PASSWORD, enrol_authenticator
from tests.seals.conftest import licence

SEAL_PASSWORD = "Seal-pass-2026"


@dataclass
class Signatory:
    company: Company
    user: User
    seal: Seal
    device: object


def uscc_for(serial: int) -> str:
    body = f"91310000{serial:09d}"
    return body + uscc_number.calc_check_digit(body)


def seal_for(company: Company, user: User, name: str | None = None) -> Seal:
    application = seal_application_submit(
        company=company, applicant=user, seal_type="contract", seal_name=name or company.name,
        seal_password=SEAL_PASSWORD, business_licence=licence(),
    )  # fmt: skip
    return seal_application_approve(application=application, acting_user=user)


def signatory(slug: str, name: str, serial: int, *, existing: Company | None = None, user: User | None = None):
    if existing is None:
        user = User.objects.create_user(f"owner@{slug}.example", PASSWORD, full_name=f"{name} owner")
        existing = company_create(name=name, slug=slug, uscc=uscc_for(serial), owner=user, acting_user=user)
    Company.objects.filter(pk=existing.pk).update(verification=Company.Verification.APPROVED)
    existing.refresh_from_db()
    device, _codes = enrol_authenticator(user)
    return Signatory(company=existing, user=user, seal=seal_for(existing, user), device=device)


@pytest.fixture
def tasks_run_here(monkeypatch):
    """Queued tasks (mail, completion) run in this process when the transaction commits,
    in the schema they were queued from."""
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)
    monkeypatch.setattr(app.conf, "task_eager_propagates", True)


@pytest.fixture
def cast(world, approved_alpha):
    """A (alpha, Alice), B (Bravo) and D (Delta): three companies ready to seal."""
    a = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    b = signatory("bravo", "Bravo Trading Co", 1)
    d = signatory("delta", "Delta Works", 2)
    return a, b, d
