from __future__ import annotations

import datetime
import hashlib
from collections import Counter
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from workflows.models import Envelope, Party


def envelope_list(*, status: str = "") -> QuerySet[Envelope]:
    envelopes = Envelope.objects.select_related("document").order_by("-created_at")
    return envelopes.filter(status=status) if status else envelopes


def envelope_get(*, envelope_id) -> Envelope:
    """404 unless the envelope is this company's own (the schema decides)."""
    try:
        return Envelope.objects.prefetch_related("parties__fields").select_related("document").get(pk=envelope_id)
    except (Envelope.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def envelope_party_get(*, envelope: Envelope, party_id) -> Party:
    try:
        return envelope.parties.select_related("envelope").get(pk=party_id)
    except (Party.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def envelope_list_with_progress(*, status: str = "") -> QuerySet[Envelope]:
    """The envelope list for the page: each with how many of its acting parties are done."""
    acting = Q(parties__kind__in=Party.ACTING_KINDS)
    return envelope_list(status=status).annotate(
        acting_total=Count("parties", filter=acting),
        acting_done=Count("parties", filter=acting & Q(parties__status=Party.Status.COMPLETED)),
    )


def envelope_field_get(*, party: Party, field_id):
    try:
        return party.fields.select_related("party__envelope").get(pk=field_id)
    except (party.fields.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class PartyReview:
    party: Party
    fields_by_page: list[tuple[int, list]]  # (page number from 1, the party's fields on it)
    missing_fields: bool
    parallel: bool  # another party has the same step: they get it at the same time
    id_number_required: bool  # a person must type their ID number to sign


@dataclass(frozen=True)
class EnvelopeReview:
    """What the sender checks before sending: the document, the parties in order with their
    fields per page, the deadline and reminders, what still stops sending, and a digest of
    all of it (sending refuses a draft that changed after this review)."""

    envelope: Envelope
    version: object
    parties: list[PartyReview]
    deadline: datetime.datetime
    deadline_is_default: bool
    problems: list[str]
    digest: str


def envelope_review(*, envelope: Envelope, default_lifetime: datetime.timedelta) -> EnvelopeReview:
    version = envelope.document.current_version
    parties = []
    problems = []
    state = [str(version.pk), str(envelope.expires_at), str(envelope.reminder_interval_days), envelope.message]
    all_parties = list(envelope.parties.all())
    per_step = Counter(party.order for party in all_parties)
    for party in all_parties:
        fields = list(party.fields.all())
        by_page: dict[int, list] = {}
        for field in sorted(fields, key=lambda f: (f.page, -f.y, f.x)):
            by_page.setdefault(field.page + 1, []).append(field)
        missing = party.kind in (Party.Kind.COMPANY, Party.Kind.PERSON) and not fields
        if missing:
            problems.append(_("Place at least one field for %(party)s.") % {"party": party.name})
        id_number_required = party.kind == Party.Kind.PERSON and bool(party.id_number_hash)
        parties.append(
            PartyReview(
                party=party,
                fields_by_page=sorted(by_page.items()),
                missing_fields=missing,
                parallel=per_step[party.order] > 1,
                id_number_required=id_number_required,
            )
        )
        state.append(
            f"{party.pk}|{party.order}|{party.kind}|{party.name}|{party.email}|{party.uscc}|{party.id_number_hash}"
        )
        state += [f"{f.pk}|{f.page}|{f.x:.2f}|{f.y:.2f}|{f.width:.2f}|{f.height:.2f}" for f in fields]
    if not any(review.party.kind in Party.ACTING_KINDS for review in parties):
        problems.append(_("Add at least one party who seals, signs or approves."))
    return EnvelopeReview(
        envelope=envelope,
        version=version,
        parties=parties,
        deadline=envelope.expires_at or timezone.now() + default_lifetime,
        deadline_is_default=envelope.expires_at is None,
        problems=problems,
        digest=hashlib.sha256("\n".join(state).encode()).hexdigest(),
    )
