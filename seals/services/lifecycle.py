"""A seal's status (suspend, revoke, reactivate) and who in the company may use it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check
from accounts.models import Membership, User
from config.errors import ApplicationError
from config.row_locks import lock_row
from events.services import audit_event_record_in_company
from events.webhooks import webhook_event_emit_in_company
from seals.models import Seal, SealAuthorisation, SealStatusChange

ALLOWED_TRANSITIONS = {
    (Seal.Status.ACTIVE, Seal.Status.SUSPENDED),
    (Seal.Status.SUSPENDED, Seal.Status.ACTIVE),
    (Seal.Status.ACTIVE, Seal.Status.REVOKED),
    (Seal.Status.SUSPENDED, Seal.Status.REVOKED),
}


@transaction.atomic
def seal_status_change(*, seal: Seal, to_status: str, acting_user: User, reason: str) -> Seal:
    """Suspend (loss report), restore, or revoke for good. The CRL follows at once.
    Company pages and the API ask the authority table (SEAL_MANAGE) first; platform
    reviewers call this from the admin, where no company role applies."""
    seal = lock_row(Seal, pk=seal.pk)
    if (seal.status, to_status) not in ALLOWED_TRANSITIONS:
        raise ApplicationError(
            _("This seal cannot go from “%(from)s” to that status.") % {"from": seal.get_status_display()},
            "transition_invalid",
        )
    if not reason.strip():
        raise ApplicationError(_("Give a reason."), "reason_missing", field="reason")
    previous = seal.status
    seal.status = to_status
    seal.status_changed_at = timezone.now()
    seal.status_reason = reason.strip()
    update = ["status", "status_changed_at", "status_reason"]
    if to_status == Seal.Status.REVOKED:
        seal.encrypted_private_key = seal.wrapped_data_key = None  # a revoked seal never signs again
        seal.sm2_encrypted_private_key = None
        update += ["encrypted_private_key", "wrapped_data_key", "sm2_encrypted_private_key"]
    seal.save(update_fields=update)
    SealStatusChange.objects.create(
        seal=seal, from_status=previous, to_status=to_status, changed_by=acting_user, reason=reason
    )
    audit_event_record_in_company(
        seal.company,
        acting_user=acting_user,
        action=f"seal.{to_status}",
        target=seal,
        data={"code": seal.code, "reason": reason},
    )
    if to_status == Seal.Status.REVOKED:
        webhook_event_emit_in_company(
            seal.company, event_type="seal.revoked", data={"seal_id": str(seal.pk), "code": seal.code, "reason": reason}
        )
    return seal


def assert_manages_seals(membership) -> None:
    authority_check(membership=membership, action=Action.SEAL_MANAGE)


@transaction.atomic
def seal_authorisation_grant(*, seal: Seal, user: User, acting_membership) -> SealAuthorisation:
    assert_manages_seals(acting_membership)
    if not Membership.objects.filter(user=user, company=seal.company).exists():
        raise ApplicationError(_("Only members of the company can be authorised."), "not_member", field="user")
    authorisation, created = SealAuthorisation.objects.get_or_create(
        seal=seal, user=user, defaults={"granted_by": acting_membership.user}
    )
    if created:
        audit_event_record_in_company(
            seal.company,
            acting_user=acting_membership.user,
            action="seal.authorisation_granted",
            target=seal,
            data={"code": seal.code, "email": user.email},
        )
    return authorisation


@transaction.atomic
def seal_authorisation_revoke(*, authorisation: SealAuthorisation, acting_membership) -> None:
    assert_manages_seals(acting_membership)
    seal = authorisation.seal
    audit_event_record_in_company(
        seal.company,
        acting_user=acting_membership.user,
        action="seal.authorisation_revoked",
        target=seal,
        data={"code": seal.code, "email": authorisation.user.email},
    )
    authorisation.delete()
