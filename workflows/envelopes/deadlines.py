"""Ending an envelope before it completes, and keeping it moving: the owner cancels or
reminds; the beat job expires what is past its date, sends due reminders and re-queues
completions a broker outage lost."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for, current_company
from config.celery import on_commit_enqueue
from config.errors import ApplicationError
from workflows.envelope_routes import routes_close
from workflows.envelopes.rules import acting_parties, assert_open, envelope_locked
from workflows.envelopes.trail import envelope_event_record, envelope_webhook
from workflows.models import Envelope, Party
from workflows.tasks import envelope_complete, envelope_mail, envelope_mail_owner


def envelope_close(envelope: Envelope, status: str, *, notify: str) -> None:
    envelope.status = status
    envelope.finished_at = timezone.now()
    envelope.save(update_fields=["status", "finished_at"])
    reached = list(
        envelope.parties.exclude(notified_at=None).exclude(status=Party.Status.DECLINED).values_list("pk", flat=True)
    )
    envelope.parties.filter(status__in=[Party.Status.WAITING, Party.Status.ACTIVE]).update(status=Party.Status.CLOSED)
    routes_close(envelope=envelope)
    on_commit_enqueue(envelope_mail_owner, str(envelope.pk), notify)
    for party_id in reached:
        on_commit_enqueue(envelope_mail, str(party_id), notify)


@transaction.atomic
def envelope_cancel(*, envelope: Envelope, reason: str = "", acting_user, ip_address=None) -> Envelope:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    envelope = envelope_locked(envelope)
    if envelope.status not in (Envelope.Status.DRAFT, Envelope.Status.IN_PROGRESS):
        raise ApplicationError(
            _("Only a draft or an envelope in progress can be canceled."), "envelope_closed", status=409
        )
    envelope_event_record(
        envelope=envelope,
        action="canceled",
        actor_label=str(acting_user),
        ip_address=ip_address,
        data={"reason": reason[:2000]},
    )
    envelope_close(envelope, Envelope.Status.CANCELED, notify="canceled")
    return envelope


@transaction.atomic
def envelope_remind(*, envelope: Envelope, acting_user=None, ip_address=None) -> int:
    """Repeat the notification to every party whose turn it is; the same link works."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    envelope = envelope_locked(envelope)
    assert_open(envelope)
    active = list(acting_parties(envelope).filter(status=Party.Status.ACTIVE))
    envelope.last_reminded_at = timezone.now()
    envelope.save(update_fields=["last_reminded_at"])
    for party in active:
        actor = str(acting_user) if acting_user else "Sealhub"
        envelope_event_record(
            envelope=envelope, action="reminded", party=party, actor_label=actor, ip_address=ip_address
        )
        on_commit_enqueue(envelope_mail, str(party.pk), "reminder")
    return len(active)


def envelope_deadlines_run() -> dict:
    """Beat, per company: expire what is past its date, remind where an interval is due."""
    now = timezone.now()
    expired = 0
    for envelope in Envelope.objects.filter(status=Envelope.Status.IN_PROGRESS, expires_at__lte=now):
        with transaction.atomic():
            envelope = envelope_locked(envelope)
            if envelope.status != Envelope.Status.IN_PROGRESS:
                continue
            envelope_event_record(envelope=envelope, action="expired", actor_label="Sealhub")
            envelope_webhook(envelope, "envelope.expired")
            envelope_close(envelope, Envelope.Status.EXPIRED, notify="expired")
            expired += 1
    reminded = 0
    due = Envelope.objects.filter(
        Q(status=Envelope.Status.IN_PROGRESS), Q(reminder_interval_days__isnull=False), Q(expires_at__gt=now)
    )
    for envelope in due:
        if envelope.last_reminded_at and envelope.last_reminded_at > now - timedelta(
            days=envelope.reminder_interval_days
        ):
            continue
        reminded += envelope_remind(envelope=envelope)
    return {"expired": expired, "reminded": reminded, "completions_queued": envelope_completions_requeue()}


def envelope_completions_requeue(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Every party has acted but the envelope is still open: its completion job was lost
    (a broker outage). Queue it again; completing is safe to run twice. Envelopes stopped
    by an integrity alert wait for the owner instead."""
    open_party = Party.objects.filter(envelope=OuterRef("pk"), kind__in=Party.ACTING_KINDS).exclude(
        status=Party.Status.COMPLETED
    )
    last_act = (
        Party.objects.filter(envelope=OuterRef("pk"), kind__in=Party.ACTING_KINDS)  # copy recipients never act
        .order_by(F("acted_at").desc(nulls_last=True))
        .values("acted_at")[:1]
    )
    stalled = (
        Envelope.objects.filter(status=Envelope.Status.IN_PROGRESS, problem="")
        .annotate(last_act=Subquery(last_act))
        .filter(~Exists(open_party), last_act__lte=timezone.now() - older_than)
    )
    queued = 0
    for envelope_id in stalled.values_list("pk", flat=True):
        on_commit_enqueue(envelope_complete, str(envelope_id))
        queued += 1
    return queued
