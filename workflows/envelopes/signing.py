"""A party's turn: what the sealing job asks (may this party sign, it has signed, the file
was changed), a company party's member sealing with their own company's seal, approving,
declining, and handing the turn to a colleague. Runs in the owner's schema; a party's
requests arrive through the cross-company door."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for
from accounts.models import Membership
from config.celery import on_commit_enqueue
from config.errors import ApplicationError
from documents.models import DocumentVersion, SigningGrant
from documents.services.seal_use import seal_use_authorise
from documents.services.sealing import ofd_seal_assert_usable, seal_willingness_check, signing_grant_create
from workflows.envelope_routes import route_status_set
from workflows.envelopes.deadlines import envelope_close
from workflows.envelopes.rules import assert_turn, party_locked
from workflows.envelopes.sending import next_turn
from workflows.envelopes.trail import envelope_event_record, envelope_webhook
from workflows.models import Envelope, Party
from workflows.tasks import envelope_mail, envelope_mail_owner


def envelope_party_may_sign(*, party_id) -> bool:
    party = Party.objects.select_related("envelope").filter(pk=party_id).first()
    return party is not None and party.status == Party.Status.ACTIVE and party.envelope.is_open


def envelope_party_viewed(*, party: Party, actor_label: str, ip_address=None, user_agent: str = "") -> None:
    if party.viewed_at is None:
        with transaction.atomic():
            Party.objects.filter(pk=party.pk, viewed_at__isnull=True).update(viewed_at=timezone.now())
            envelope_event_record(
                envelope=party.envelope,
                action="viewed",
                party=party,
                actor_label=actor_label,
                ip_address=ip_address,
                user_agent=user_agent,
            )


def party_placements(party: Party) -> list[dict]:
    return [
        {"page": f.page, "x": f.x, "y": f.y, "width": f.width, "height": f.height, "field_name": f.field_name}
        for f in party.fields.all()
    ]


def envelope_company_seal_request(
    *,
    party_id,
    company,
    user,
    seal_id,
    seal_password: str,
    otp_method: str,
    otp_code: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> SigningGrant:
    """A party company's member seals the party's fields with one of their company's
    seals, after the same willingness check as any sealing."""
    authority_check_for(acting_user=user, company=company, action=Action.INBOX_ACT)
    party = Party.objects.select_related("envelope__document__current_version").get(pk=party_id)
    if party.kind != Party.Kind.COMPANY or party.company_id != company.pk:
        raise ApplicationError(_("This envelope is not waiting for your company."), "not_party", status=404)
    assert_turn(party)
    seal = seal_use_authorise(
        company=company, seal_id=seal_id, user=user, document=party.envelope.document, in_envelope=True
    ).seal
    ofd_seal_assert_usable(document=party.envelope.document, seal=seal)
    data_key = seal_willingness_check(
        seal=seal,
        user=user,
        seal_password=seal_password,
        otp_method=otp_method,
        otp_code=otp_code,
        ip_address=ip_address,
    )
    with transaction.atomic():
        party = party_locked(party.pk)
        assert_turn(party)
        grant = signing_grant_create(
            document=party.envelope.document,
            seal_id=seal.pk,
            user_id=user.pk,
            user_label=f"{user} · {company.name}",
            placements=party_placements(party),
            secret=data_key,
            evidence={"method": otp_method, "at": timezone.now().isoformat(), "ip": ip_address, "party": str(party.pk)},
            envelope_party_id=party.pk,
        )
        envelope_event_record(
            envelope=party.envelope,
            action="signing_confirmed",
            party=party,
            actor_label=f"{user} · {company.name}",
            ip_address=ip_address,
            user_agent=user_agent,
            data={"seal": seal.code, "method": otp_method, "job": str(grant.pk)},
        )
    return grant


@transaction.atomic
def envelope_party_approve(*, party_id, actor_label: str = "", ip_address=None, user_agent: str = "") -> Party:
    party = party_locked(party_id)
    actor_label = actor_label or party.name
    assert_turn(party)
    if party.kind != Party.Kind.APPROVER:
        raise ApplicationError(_("Only approvers approve without signing."), "not_approver", status=409)
    _party_done(party, actor_label)
    envelope_event_record(
        envelope=party.envelope,
        action="approved",
        party=party,
        actor_label=actor_label,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    envelope_webhook(
        party.envelope,
        "envelope.party_signed",
        party_id=str(party.pk),
        party_name=party.name,
        order=party.order,
        approved_only=True,
    )
    next_turn(party.envelope)
    return party


def _party_done(party: Party, actor_label: str) -> None:
    party.status = Party.Status.COMPLETED
    party.acted_at = timezone.now()
    party.acted_by_label = actor_label[:200]
    party.save(update_fields=["status", "acted_at", "acted_by_label"])
    route_status_set(party=party, status="done")


def envelope_party_signed(*, party_id, version: DocumentVersion) -> None:
    """Called by the sealing job, in its transaction, once a party's fields are signed."""
    party = party_locked(party_id)
    if party.status != Party.Status.ACTIVE:
        return
    _party_done(party, party.acted_by_label or version.created_by_label)
    envelope_event_record(
        envelope=party.envelope,
        action="signed",
        party=party,
        actor_label=version.created_by_label,
        data={"version": version.number, "sha256": version.sha256},
    )
    envelope_webhook(
        party.envelope,
        "envelope.party_signed",
        party_id=str(party.pk),
        party_name=party.name,
        order=party.order,
        version=version.number,
        sha256=version.sha256,
    )
    next_turn(party.envelope)


def envelope_integrity_alert(*, party_id, version: DocumentVersion) -> None:
    """The stored file no longer matches its fingerprint: stop and tell the owner."""
    party = Party.objects.select_related("envelope").get(pk=party_id)
    envelope = party.envelope
    envelope.problem = f"fingerprint_mismatch:{version.number}"
    envelope.save(update_fields=["problem"])
    envelope_event_record(
        envelope=envelope,
        action="integrity_alert",
        party=party,
        actor_label="Sealhub",
        data={"version": version.number, "expected_sha256": version.sha256},
    )
    on_commit_enqueue(envelope_mail_owner, str(envelope.pk), "integrity")


@transaction.atomic
def envelope_party_decline(
    *, party_id, reason: str, actor_label: str = "", ip_address=None, user_agent: str = ""
) -> Party:
    """`actor_label` defaults to the party's own name (a person acting by link)."""
    party = party_locked(party_id)
    actor_label = actor_label or party.name
    assert_turn(party)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why you decline."), "reason_missing", field="reason")
    party.status = Party.Status.DECLINED
    party.decline_reason = reason[:2000]
    party.acted_at = timezone.now()
    party.acted_by_label = actor_label[:200]
    party.save(update_fields=["status", "decline_reason", "acted_at", "acted_by_label"])
    envelope_event_record(
        envelope=party.envelope,
        action="declined",
        party=party,
        actor_label=actor_label,
        ip_address=ip_address,
        user_agent=user_agent,
        data={"reason": reason[:2000]},
    )
    envelope_close(party.envelope, Envelope.Status.DECLINED, notify="declined")
    envelope_webhook(party.envelope, "envelope.declined", party_id=str(party.pk), party_name=party.name, reason=reason)
    return party


@transaction.atomic
def envelope_party_reassign(*, party_id, company, colleague, acting_user, ip_address=None) -> Party:
    """A company party hands its turn to a colleague (who must be a member)."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.INBOX_ACT)
    party = party_locked(party_id)
    if party.kind != Party.Kind.COMPANY or party.company_id != company.pk:
        raise ApplicationError(_("This envelope is not waiting for your company."), "not_party", status=404)
    assert_turn(party)
    if not Membership.objects.filter(company=company, user=colleague).exists():
        raise ApplicationError(_("Choose a member of your company."), "not_member", field="colleague")
    previous = party.email
    party.email = colleague.email
    party.save(update_fields=["email"])
    envelope_event_record(
        envelope=party.envelope,
        action="reassigned",
        party=party,
        actor_label=str(acting_user),
        ip_address=ip_address,
        data={"from": previous, "to": colleague.email},
    )
    on_commit_enqueue(envelope_mail, str(party.pk), "turn")
    return party
