"""What every envelope use case checks first: the envelope's state, whose turn it is, the
rows locked for it, and the ID number a person is asked for."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.identity import InvalidIdNumber, id_number_clean
from config.crypto import keyed_hash
from config.errors import ApplicationError
from config.row_locks import lock_row
from workflows.models import Envelope, Party


def assert_draft(envelope: Envelope) -> None:
    if envelope.status != Envelope.Status.DRAFT:
        raise ApplicationError(
            _("The envelope was already sent; its parties and fields are fixed."), "not_draft", status=409
        )


def assert_open(envelope: Envelope) -> None:
    if envelope.status != Envelope.Status.IN_PROGRESS:
        raise ApplicationError(
            _("This envelope is %(status)s; nothing more can be done on it.")
            % {"status": envelope.get_status_display()},
            "envelope_closed",
            status=409,
        )
    if envelope.expires_at and envelope.expires_at <= timezone.now():
        raise ApplicationError(_("This envelope has expired."), "envelope_expired", status=409)


def assert_turn(party: Party) -> None:
    assert_open(party.envelope)
    if party.status == Party.Status.WAITING:
        raise ApplicationError(
            _("It is not your turn yet: earlier parties have not finished."), "not_your_turn", status=409
        )
    if party.status != Party.Status.ACTIVE:
        raise ApplicationError(_("You have already acted on this envelope."), "already_acted", status=409)


def acting_parties(envelope: Envelope):
    return envelope.parties.filter(kind__in=Party.ACTING_KINDS)


def party_locked(party_id) -> Party:
    return lock_row(Party, related=("envelope__document",), only_self=True, pk=party_id)


def envelope_locked(envelope: Envelope) -> Envelope:
    return lock_row(Envelope, pk=envelope.pk)


def id_number_hash(value: str, *, strict: bool = False) -> str:
    try:
        number = id_number_clean(value)
    except InvalidIdNumber as error:
        if strict:
            raise ApplicationError(
                _("This is not a valid ID number."), "id_number_invalid", field="id_number"
            ) from error
        return ""
    return keyed_hash(number, purpose="envelope-id-number")
