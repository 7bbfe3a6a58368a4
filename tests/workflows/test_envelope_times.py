"""One time zone for people: an envelope's deadline reads the same, in Beijing time and
saying so, in the mail each party gets and on every page that shows it (the owner's, the
party company's inbox, a person's sign page), even when the UTC date is a day earlier."""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from documents.services.versions import document_upload
from tenants.models import EnvelopeRoute
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import signatory, tasks_run_here  # noqa: F401 (fixture)
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("tasks_run_here")
def test_the_deadline_reads_the_same_beijing_time_in_mail_and_pages(
    world, approved_alpha, settings, django_capture_on_commit_callbacks
):
    alpha = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    bravo = signatory("bravo", "Bravo Trading Co", 1)
    # 16:21 UTC is 00:21 the next day in Beijing: the case a UTC date got wrong.
    expires = (timezone.now() + timedelta(days=40)).astimezone(UTC).replace(hour=16, minute=21, second=0, microsecond=0)
    beijing = expires.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%d %H:%M")
    utc_date = expires.strftime("%Y-%m-%d")
    assert not beijing.startswith(utc_date)
    with tenant_context(alpha.company):
        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=alpha.user)
        envelope = envelope_create(document=document, name="Lease", expires_at=expires, acting_user=alpha.user)
        for kind, name, email, uscc, x in (
            ("company", "", "owner@bravo.example", bravo.company.uscc, 100),
            ("person", "张三", "zhangsan@example.com", "", 300),
        ):
            party = envelope_party_add(
                envelope=envelope, kind=kind, name=name, email=email, uscc=uscc, order=1, acting_user=alpha.user
            )
            envelope_field_add(party=party, page=0, x=x, y=80, acting_user=alpha.user)
        with django_capture_on_commit_callbacks(execute=True):
            envelope_send(envelope=envelope, owner=alpha.company, acting_user=alpha.user)

    for message in mail.outbox:
        assert f"{beijing} (Beijing time, UTC+8)" in message.body, message.body
        assert f"{beijing}（北京时间" in message.body or f"{beijing} (北京时间" in message.body, message.body
        assert utc_date not in message.body

    def shows_beijing(page: str) -> None:
        text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
        assert beijing in text and utc_date not in text
        assert "Beijing time" in text

    owner = client_on(alpha.company, alpha.user, HTTP_ACCEPT_LANGUAGE="en")
    shows_beijing(owner.get(f"/envelopes/{envelope.pk}/").content.decode())
    shows_beijing(owner.get("/envelopes/").content.decode())
    route = EnvelopeRoute.objects.get(party_company=bravo.company)
    member = client_on(bravo.company, bravo.user, HTTP_ACCEPT_LANGUAGE="en")
    shows_beijing(member.get(f"/envelopes/inbox/{route.pk}/").content.decode())
    (sign,) = {
        link
        for message in mail.outbox
        if message.to == ["zhangsan@example.com"]
        for link in re.findall(r"https?://\S+/sign/\S+/", message.body)
    }
    person = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    shows_beijing(person.get(re.sub(r"^https?://[^/]+", "", sign)).content.decode())
