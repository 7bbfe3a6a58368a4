"""The review admin's start page says how many decisions wait in each queue and links to
each filtered list."""

from __future__ import annotations

import re

import pytest

from tenants.models import Company
from tests.accounts.conftest import reviewer  # noqa: F401 (fixture)
from tests.conftest import verified_client_on
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db


def _waiting(page: str, label: str) -> int:
    return int(re.search(rf">{label}</a></th><td><strong>(\d+)</strong>", page).group(1))


def test_the_start_page_counts_what_waits(world, approved_alpha, reviewer):  # noqa: F811
    from seals.services import seal_application_submit

    admin = verified_client_on(None, reviewer, HTTP_ACCEPT_LANGUAGE="en")
    page = admin.get("/admin/").content.decode()
    pending = Company.objects.exclude(schema_name="public").filter(verification="pending").count()
    assert _waiting(page, "Company registrations") == pending
    assert _waiting(page, "Seal applications") == 0 and _waiting(page, "Identity appeals") == 0
    assert 'href="/admin/seals/sealapplication/?status__exact=submitted"' in page

    seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="official",
        seal_name="Alpha Ltd",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    assert _waiting(admin.get("/admin/").content.decode(), "Seal applications") == 1
    chinese = verified_client_on(None, reviewer).get("/admin/").content.decode()
    assert "<caption>待审批</caption>" in chinese and ">印章申请</a>" in chinese
