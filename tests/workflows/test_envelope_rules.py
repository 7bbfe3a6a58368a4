"""Envelope rules a user would notice: expiry, reminders, integrity stop, code lockout,
a document out for signing stays untouched, and bad requests change nothing."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from django_tenants.utils import tenant_context

from config.errors import ApplicationError
from documents.models import SigningGrant
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_delete
from tenants.models import EnvelopeRoute
from tenants.services import api_key_create
from tests.conftest import client_on, totp_now
from tests.workflows.conftest import SEAL_PASSWORD, TYPED_SIGNATURE
from tests.workflows.test_envelopes import _company_seals, _draft, _person_token, _route
from workflows import cross_tenant, envelope_routes
from workflows.envelopes.completion import envelope_complete
from workflows.envelopes.deadlines import envelope_deadlines_run
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.rules import id_number_hash
from workflows.envelopes.sending import envelope_party_email_correct, envelope_send
from workflows.models import Envelope, EnvelopeEvent, Party
from workflows.tasks import envelope_deadlines_all

pytestmark = pytest.mark.django_db


def _sent(cast):
    a, b, d = cast
    envelope = _draft(a, b, d)
    with tenant_context(a.company):
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
    return envelope


def _actions(owner, envelope) -> list[str]:
    with tenant_context(owner):
        return list(EnvelopeEvent.objects.filter(envelope=envelope).values_list("action", flat=True))


def test_an_expired_envelope_closes_and_tells_everyone_reached(
    cast, django_capture_on_commit_callbacks, tasks_run_here
):
    a, b, d = cast
    envelope = _sent(cast)
    with tenant_context(a.company):
        Envelope.objects.filter(pk=envelope.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):  # the beat job, over every company
        assert envelope_deadlines_all() == {"expired": 1, "reminded": 0, "completions_queued": 0}
    with tenant_context(a.company):
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.EXPIRED
        assert set(Party.objects.filter(envelope=envelope).values_list("status", flat=True)) == {"closed"}
    assert "expired" in _actions(a.company, envelope)
    recipients = sorted(address for message in mail.outbox for address in message.to)
    assert recipients == ["alice@alpha.example", "alice@alpha.example"]  # the owner, and party 1 (also alpha)
    assert set(EnvelopeRoute.objects.filter(envelope_id=envelope.pk).values_list("status", flat=True)) == {"closed"}
    with pytest.raises(ApplicationError) as closed:
        _company_seals(a, _route(a.company, a.company))
    assert (closed.value.status, closed.value.code) == (404, "not_found")  # the route is closed with it


def test_reminders_go_to_the_parties_whose_turn_it_is(cast, django_capture_on_commit_callbacks, tasks_run_here):
    a, b, d = cast
    envelope = _sent(cast)
    with tenant_context(a.company):
        Envelope.objects.filter(pk=envelope.pk).update(
            reminder_interval_days=1, last_reminded_at=timezone.now() - timedelta(days=2)
        )
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert envelope_deadlines_run() == {"expired": 0, "reminded": 1, "completions_queued": 0}
            assert envelope_deadlines_run() == {"expired": 0, "reminded": 0, "completions_queued": 0}  # once a day
    (reminder,) = mail.outbox
    assert reminder.to == ["alice@alpha.example"] and "提醒" in reminder.subject


def test_a_changed_file_stops_the_envelope_and_alerts_the_owner(
    cast, django_capture_on_commit_callbacks, tasks_run_here
):
    a, b, d = cast
    envelope = _sent(cast)
    _execute = lambda grant: document_seal_execute(grant_id=grant["id"])  # noqa: E731
    with tenant_context(a.company):
        _execute(_company_seals(a, _route(a.company, a.company)))
        current = envelope.document.versions.order_by("-number").first()
        path = current.file.name
    grant = _company_seals(b, _route(b.company, a.company))
    with tenant_context(a.company):
        default_storage.delete(path)
        default_storage.save(path, ContentFile(b"%PDF-1.7 replaced behind the platform's back"))
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            assert _execute(grant) is None
        assert SigningGrant.objects.get(pk=grant["id"]).error == "fingerprint_mismatch"
        envelope.refresh_from_db()
        assert envelope.problem == f"fingerprint_mismatch:{current.number}"
        with translation.override("en"):
            assert envelope.problem_message == (
                f"Version {current.number} does not match its fingerprint; signing stopped."
            )
        assert Party.objects.get(envelope=envelope, company_id=b.company.pk).status == "active"
    assert "integrity_alert" in _actions(a.company, envelope)
    assert [m.to for m in mail.outbox] == [["alice@alpha.example"]]


def test_five_wrong_codes_lock_the_link(cast, django_capture_on_commit_callbacks, tasks_run_here):
    a, b, d = cast
    envelope = _sent(cast)
    with tenant_context(a.company):
        document_seal_execute(grant_id=_company_seals(a, _route(a.company, a.company))["id"])
    with tenant_context(a.company):
        document_seal_execute(grant_id=_company_seals(b, _route(b.company, a.company))["id"])
        person = Party.objects.get(envelope=envelope, kind="person")
    route = cross_tenant.route_get_for_token(token=_person_token(a.company, person))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cross_tenant.person_code_send(route=route)
    code = re.search(r"\b(\d{6})\b", mail.outbox[0].subject).group(1)
    wrong = "000000" if code != "000000" else "111111"
    for _attempt in range(5):
        with pytest.raises(ApplicationError) as error:
            cross_tenant.person_code_check(route=route, code=wrong)
        assert error.value.code == "code_invalid"
    with pytest.raises(ApplicationError) as locked:
        cross_tenant.person_code_check(route=route, code=code)
    assert locked.value.code == "code_locked" and locked.value.status == 429
    with pytest.raises(ApplicationError) as too_soon:
        cross_tenant.person_code_send(route=route)
    assert too_soon.value.code == "code_too_soon"
    assert "code_passed" not in _actions(a.company, envelope)


def test_a_document_out_for_signing_cannot_be_sealed_directly_or_deleted(cast):
    a, b, d = cast
    envelope = _sent(cast)
    with tenant_context(a.company):
        document = envelope.document
        placement_add(document=document, company=a.company, seal_id=a.seal.pk, page=0, x=60, y=300, acting_user=a.user)
        with pytest.raises(ApplicationError) as sealing:
            document_seal_request(
                document=document,
                company=a.company,
                seal_id=a.seal.pk,
                user=a.user,
                seal_password=SEAL_PASSWORD,
                otp_method="authenticator",
                otp_code=totp_now(a.device, 1),
            )
        assert sealing.value.code == "document_in_envelope"
        with pytest.raises(ApplicationError) as deleting:
            document_delete(document=document, acting_user=a.user)
        assert deleting.value.code == "document_in_envelope"
        document.refresh_from_db()
        assert document.deleted_at is None and not SigningGrant.objects.exists()


def test_a_corrected_email_gets_a_new_link_and_the_old_one_stops(cast, django_capture_on_commit_callbacks):
    a, b, d = cast
    envelope = _sent(cast)
    with tenant_context(a.company):
        person = Party.objects.get(envelope=envelope, kind="person")
    old_token = _person_token(a.company, person)
    with tenant_context(a.company):
        envelope_party_email_correct(party=person, email="zhang.san@example.com", acting_user=a.user)
    new_token = _person_token(a.company, person)
    assert new_token != old_token
    with pytest.raises(ApplicationError):
        cross_tenant.route_get_for_token(token=old_token)
    assert cross_tenant.route_get_for_token(token=new_token).party_id == person.pk
    assert "email_corrected" in _actions(a.company, envelope)


def _api(signer):
    with tenant_context(signer.company):
        _key, raw = api_key_create(
            company=signer.company, name="ERP", acting_user=signer.user, scopes=["documents", "seals", "envelopes"]
        )
    return client_on(signer.company, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def test_acting_out_of_turn_or_as_a_stranger_is_refused_and_changes_nothing(cast, world):
    a, b, d = cast
    envelope = _sent(cast)
    api_b = _api(b)
    entry = EnvelopeRoute.objects.get(party_company=b.company)
    # B's entry is not in B's inbox until its turn, and cannot be acted on by id either.
    assert api_b.get("/api/v1/inbox/").json()["results"] == []
    body = {
        "seal_id": str(b.seal.pk),
        "seal_password": SEAL_PASSWORD,
        "otp_method": "authenticator",
        "otp_code": totp_now(b.device, 1),
    }
    early = api_b.post(f"/api/v1/inbox/{entry.pk}/seal/", json.dumps(body), content_type="application/json")
    assert early.status_code == 404 and early.json()["type"] == "not_found"
    # A stranger company (beta) cannot see or act on A's route, nor read A's envelope.
    with tenant_context(world.beta):
        _key, raw = api_key_create(company=world.beta, name="x", acting_user=world.charlie, scopes=["envelopes"])
    api_c = client_on(world.beta, HTTP_AUTHORIZATION=f"Api-Key {raw}")
    route_a = EnvelopeRoute.objects.get(party_company=a.company)
    assert api_c.get(f"/api/v1/inbox/{route_a.pk}/").status_code == 404
    assert (
        api_c.post(
            f"/api/v1/inbox/{route_a.pk}/decline/", json.dumps({"reason": "no"}), content_type="application/json"
        ).status_code
        == 404
    )
    assert api_c.get(f"/api/v1/envelopes/{envelope.pk}/").status_code == 404
    with tenant_context(a.company):
        assert Envelope.objects.get(pk=envelope.pk).status == "in_progress"
        assert list(Party.objects.filter(envelope=envelope).values_list("status", flat=True)) == [
            "active",
            "waiting",
            "waiting",
            "waiting",
        ]
        assert not SigningGrant.objects.exists()


def test_bad_envelope_requests_get_clear_errors(cast, world):
    a, b, d = cast
    api_a = _api(a)
    with tenant_context(world.beta):
        from documents.services.versions import document_upload
        from tests.documents.pdfs import make_pdf

        foreign = document_upload(name="beta.pdf", data=make_pdf(1), acting_user=world.charlie)
    post = lambda body: api_a.post("/api/v1/envelopes/", json.dumps(body), content_type="application/json")  # noqa: E731
    assert post({"document_id": str(foreign.pk)}).status_code == 404
    unknown = post({"document_id": str(foreign.pk), "colour": "red"})
    assert unknown.status_code == 400 and "colour" in json.dumps(unknown.json())
    bad_json = api_a.post("/api/v1/envelopes/", "{not json", content_type="application/json")
    assert bad_json.status_code == 400
    with tenant_context(a.company):
        from documents.services.versions import document_upload
        from tests.documents.pdfs import make_pdf

        own = document_upload(name="own.pdf", data=make_pdf(1), acting_user=a.user)
    no_company = post(
        {
            "document_id": str(own.pk),
            "parties": [{"kind": "company", "uscc": "91110000000000000X", "email": "x@example.com"}],
        }
    )
    assert no_company.status_code == 400 and no_company.json()["type"] == "uscc_invalid"
    outside = post(
        {
            "document_id": str(own.pk),
            "parties": [
                {"kind": "person", "name": "P", "email": "p@example.com", "fields": [{"page": 5, "x": 1, "y": 1}]}
            ],
        }
    )
    assert outside.status_code == 400 and outside.json()["type"] == "page_missing"
    empty = post({"document_id": str(own.pk), "send": True})
    assert empty.status_code == 400 and empty.json()["type"] == "no_parties"
    with tenant_context(a.company):
        assert not Envelope.objects.exists()  # each failed request left nothing behind


def test_the_audit_command_reports_a_broken_chain(cast):
    from django.core.management import CommandError, call_command

    a, b, d = cast
    envelope = _sent(cast)
    out = io.StringIO()
    call_command("envelope_audit_verify", "--company", "alpha", stdout=out)
    assert out.getvalue().strip() == "1 audit trails verified"
    with tenant_context(a.company):
        EnvelopeEvent.objects.filter(envelope=envelope, action="notified").update(data={"email": "other@example.com"})
    with pytest.raises(CommandError, match="1 of 1 audit trails are broken"):
        call_command("envelope_audit_verify", "--envelope", str(envelope.pk), stderr=io.StringIO())


def test_parallel_parties_act_in_any_order_and_copies_receive_the_result(
    cast, django_capture_on_commit_callbacks, tasks_run_here
):
    from documents.services.versions import document_upload
    from tests.documents.pdfs import make_pdf

    a, b, d = cast
    with tenant_context(a.company):
        document = document_upload(name="nda.pdf", data=make_pdf(1), acting_user=a.user)
        envelope = envelope_create(document=document, name="NDA", acting_user=a.user)
        add = lambda **kw: envelope_party_add(envelope=envelope, acting_user=a.user, **kw)  # noqa: E731
        approver = add(kind="approver", name="Legal", email="legal@alpha.example", order=1)
        party_b = add(kind="company", uscc=b.company.uscc, email=b.user.email, order=2)
        party_d = add(kind="company", uscc=d.company.uscc, email=d.user.email, order=2)
        add(kind="copy", name="Archive", email="archive@example.com", order=3)
        for party, x in ((party_b, 60), (party_d, 300)):
            envelope_field_add(party=party, page=0, x=x, y=80, width=100, acting_user=a.user)
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
    route = cross_tenant.route_get_for_token(token=_person_token(a.company, approver))
    token = _person_token(a.company, approver)
    refused = client_on(None).post(f"/sign/{token}/submit/", follow=True)  # the link alone is not enough
    assert "一次性验证码" in refused.content.decode()
    # The page keeps its address on the platform host, yet lets the browser name its own
    # origin on the page's forms (with `no-referrer` it posts `Origin: null`: CSRF fails).
    assert client_on(None).get(f"/sign/{token}/")["Referrer-Policy"] == "same-origin"
    with tenant_context(a.company):
        assert Party.objects.get(pk=approver.pk).status == "active"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cross_tenant.person_approve(route=route, actor_label="Legal")
    assert sorted(m.to[0] for m in mail.outbox) == sorted([b.user.email, d.user.email])  # both at once
    grant_d = _company_seals(d, _route(d.company, a.company))  # D before B: same group
    grant_b = _company_seals(b, _route(b.company, a.company))
    with tenant_context(a.company):
        for grant in (grant_d, grant_b):  # both confirmed on the same version; each job signs the newest
            assert document_seal_execute(grant_id=grant["id"]) is not None
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            envelope_complete(envelope_id=envelope.pk)
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.COMPLETED
    archive = [m for m in mail.outbox if m.to == ["archive@example.com"]]
    assert len(archive) == 1 and [name for name, _data, _type in archive[0].attachments] == [
        "NDA.pdf",
        "certificate-of-completion.pdf",
    ]


def test_an_unregistered_company_is_invited_and_acts_once_its_registration_is_approved(
    cast, django_capture_on_commit_callbacks, tasks_run_here
):
    from accounts.models import User
    from documents.services.versions import document_upload
    from tenants.services import company_create, company_registration_approve
    from tests.conftest import PASSWORD
    from tests.documents.pdfs import make_pdf
    from tests.workflows.conftest import seal_for, uscc_for

    a, b, d = cast
    newcomer_uscc = uscc_for(77)
    with tenant_context(a.company):
        document = document_upload(name="lease.pdf", data=make_pdf(1), acting_user=a.user)
        envelope = envelope_create(document=document, name="Lease", acting_user=a.user)
        invited = envelope_party_add(
            envelope=envelope,
            kind="company",
            uscc=newcomer_uscc,
            name="Echo Ltd",
            email="boss@echo.example",
            acting_user=a.user,
        )
        assert invited.company_id is None
        envelope_field_add(party=invited, page=0, x=60, y=80, width=100, acting_user=a.user)
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
    (invitation,) = mail.outbox
    assert f"/companies/new/?uscc={newcomer_uscc}" in invitation.body

    boss = User.objects.create_user("boss@echo.example", PASSWORD, full_name="Echo boss")
    echo = company_create(name="Echo Ltd", slug="echo", uscc=newcomer_uscc, owner=boss, acting_user=boss)
    assert not envelope_routes.inbox_for_company(company=echo).exists()  # not before a reviewer approved it
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        company_registration_approve(company=echo, acting_user=world_reviewer(a))
    (route,) = envelope_routes.inbox_for_company(company=echo)
    assert f"/envelopes/inbox/{route.pk}/" in [m for m in mail.outbox if m.to == ["boss@echo.example"]][0].body
    echo.refresh_from_db()
    from tests.conftest import enrol_authenticator

    device, _codes = enrol_authenticator(boss)
    seal = seal_for(echo, boss)
    grant = cross_tenant.company_party_seal(
        route=route,
        company=echo,
        user=boss,
        seal_id=seal.pk,
        seal_password=SEAL_PASSWORD,
        otp_method="authenticator",
        otp_code=totp_now(device, 1),
    )
    with tenant_context(a.company):
        assert document_seal_execute(grant_id=grant["id"]) is not None
        assert "party_registered" in _actions(a.company, envelope)


def world_reviewer(signer):
    """Any staff member reviews registrations; the test reuses the signer's user."""
    return signer.user


def test_guessing_the_id_number_locks_the_link_until_the_sender_sends_a_new_one(
    cast, django_capture_on_commit_callbacks, tasks_run_here
):
    a, b, d = cast
    envelope = _sent(cast)
    with tenant_context(a.company):
        document_seal_execute(grant_id=_company_seals(a, _route(a.company, a.company))["id"])
        document_seal_execute(grant_id=_company_seals(b, _route(b.company, a.company))["id"])
        person = Party.objects.get(envelope=envelope, kind="person")
        Party.objects.filter(pk=person.pk).update(id_number_hash=id_number_hash("11010519491231002X"))
    route = cross_tenant.route_get_for_token(token=_person_token(a.company, person))
    for _attempt in range(5):
        with pytest.raises(ApplicationError) as error:
            cross_tenant.person_sign(
                route=route, signature=TYPED_SIGNATURE, id_number="110105198001011238"
            )  # valid, but not theirs
        assert error.value.code == "id_number_mismatch"
    # A fresh email code does not buy more guesses.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cross_tenant.person_code_send(route=route)
    cross_tenant.person_code_check(route=route, code=re.search(r"\b(\d{6})\b", mail.outbox[0].subject).group(1))
    with pytest.raises(ApplicationError) as locked:
        cross_tenant.person_sign(
            route=route, signature=TYPED_SIGNATURE, id_number="11010519491231002X"
        )  # right, but too late
    assert locked.value.code == "id_number_locked" and locked.value.status == 429
    with tenant_context(a.company):
        assert not SigningGrant.objects.filter(envelope_party_id=person.pk).exists()
        # The sender sends a new link (to a corrected address): the person may try again.
        envelope_party_email_correct(
            party=Party.objects.get(pk=person.pk), email="zhang.san@example.com", acting_user=a.user
        )
    new_route = cross_tenant.route_get_for_token(token=_person_token(a.company, person))
    signed = cross_tenant.person_sign(route=new_route, signature=TYPED_SIGNATURE, id_number="11010519491231002X")
    assert signed["status"] == "pending"
