"""May this member use this seal on this document here? One answer (`seal_use_authorise`)
for the web pages, the API, U-key sessions and envelopes: directly (a seal manager or an
authorised member) or through a seal-use approval (用印审批, documents/services/approvals.py),
which a sealing consumes one use at a time."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, current_company, role_may
from accounts.models import Membership, User
from config.errors import ApplicationError
from config.row_locks import lock_row
from documents.models import Document, Placement, SealUseRequest
from documents.selectors import seal_use_approval_usable
from documents.services.versions import document_assert_not_in_envelope
from events.services import audit_event_record
from seals.models import Seal, SealAuthorisation
from seals.selectors import seal_usable_get
from tenants.models import Company
from tenants.selectors import membership_in_force

# Placements count as the approved ones when they differ by less than this (PDF points).
PLACEMENT_TOLERANCE = 0.5


@dataclass(frozen=True)
class SealUseAuthorised:
    seal: Seal
    approval: SealUseRequest | None  # None: the member may use the seal directly
    placements: list[Placement]  # the seal's placements on the document (none in an envelope)


def seal_use_authorise(
    *,
    company: Company,
    seal_id,
    user: User,
    document: Document,
    in_envelope: bool = False,
    without_appearance: bool = False,
) -> SealUseAuthorised:
    """The checks before any use of a seal, in the order a person meets them: the document
    is not out in an envelope, the seal is usable, the member may use it (directly, or by an
    approval that covers the placements and whose approver may still grant it), something is
    placed. `in_envelope`: sealing an envelope party's fields, which only a member with direct
    rights may do (approvals name documents of the company's own). `without_appearance`: an
    OFD signature with no stamp (type Sign), which needs no placement and, since an approval
    names placements, direct rights. Raises ApplicationError."""
    if in_envelope:
        seal = seal_usable_get(company=company, seal_id=seal_id)
        membership = Membership.objects.select_related("user").filter(user=user, company=company).first()
        if membership is None or not seal_member_may_use_directly(seal=seal, membership=membership):
            raise ApplicationError(
                _("You are not authorised to use this seal. Ask the seal keeper to authorise you."),
                "seal_not_authorised",
                status=403,
            )
        return SealUseAuthorised(seal=seal, approval=None, placements=[])
    document_assert_not_in_envelope(document)
    seal = seal_usable_get(company=company, seal_id=seal_id)
    approval = _approval_needed(seal=seal, user=user, company=company, document=document)
    if without_appearance:
        if approval is not None:
            raise ApplicationError(
                _("You are not authorised to use this seal. Ask the seal keeper to authorise you."),
                "seal_not_authorised",
                status=403,
            )
        return SealUseAuthorised(seal=seal, approval=None, placements=[])
    placements = list(document.placements.filter(seal_id=seal.pk))
    if not placements:
        raise ApplicationError(_("Place the seal on the document first."), "no_placements")
    if approval is not None and not seal_use_placements_approved(approval=approval, placements=placements):
        raise ApplicationError(
            _("The seal was moved or added after the approval. Request seal-use approval again."),
            "placements_not_approved",
            status=409,
        )
    if approval is not None:  # before the seal password and code are spent
        seal_use_approver_assert_in_force(approval)
    return SealUseAuthorised(seal=seal, approval=approval, placements=placements)


def _approval_needed(*, seal: Seal, user: User, company: Company, document: Document) -> SealUseRequest | None:
    """None when the user may use the seal directly; otherwise the seal-use approval that
    allows this use (consumed when the grant is created)."""
    membership = Membership.objects.select_related("user").filter(user=user, company=company).first()
    if membership is None:
        raise ApplicationError(_("Only members of the company can use its seals."), "not_member", status=403)
    if seal_member_may_use_directly(seal=seal, membership=membership):
        return None
    approval = seal_use_approval_usable(seal_id=seal.pk, user_id=user.pk, document=document)
    if approval is None:
        raise ApplicationError(
            _("You are not authorised to use this seal. Ask the seal keeper for seal-use approval."),
            "seal_not_authorised",
            status=403,
        )
    return approval


def seal_member_may_use_directly(*, seal: Seal, membership: Membership) -> bool:
    """Seal managers and authorised members use a seal without asking; everyone else
    needs a seal-use approval."""
    return (
        membership.may(Action.SEAL_USE_ANY)
        or SealAuthorisation.objects.filter(seal=seal, user_id=membership.user_id).exists()
    )


def seal_user_authority_in_force(*, seal: Seal, user_id, evidence: dict) -> bool:
    """Checked again when the worker applies a confirmed seal: the person must still be a
    member in good standing of the seal's company and still may use the seal, directly or
    by an approval whose approver still may grant it."""
    membership = membership_in_force(user_id=user_id, company=seal.company)
    if membership is None:
        return False
    approval_id = evidence.get("approval")
    if approval_id:
        approval = SealUseRequest.objects.filter(pk=approval_id).first()
        return approval is not None and seal_use_approver_in_force(approval)
    return seal_member_may_use_directly(seal=seal, membership=membership)


def placement_snapshot(placement: Placement) -> dict:
    return {
        "page": placement.page,
        "kind": placement.kind,
        "x": placement.x,
        "y": placement.y,
        "width": placement.width,
        "height": placement.height,
    }


def seal_use_placements_approved(*, approval: SealUseRequest, placements) -> bool:
    """An approval for one document covers the places the approver saw, not seals moved
    or added afterwards. A company-wide approval does not bind places."""
    if not approval.document_only:
        return True

    def same(placement: dict, approved: dict) -> bool:
        return (
            placement["page"] == approved["page"]
            and placement["kind"] == approved["kind"]
            and all(abs(placement[key] - approved[key]) <= PLACEMENT_TOLERANCE for key in ("x", "y", "width", "height"))
        )

    return all(
        any(same(placement_snapshot(placement), approved) for approved in approval.placements)
        for placement in placements
    )


def seal_use_approver_in_force(approval: SealUseRequest) -> bool:
    """An approval is used on its approver's authority as it is now: a keeper or
    administrator who was demoted, removed or frozen since grants nothing any more."""
    membership = membership_in_force(
        user_id=approval.decided_by_id, company=current_company(), since=approval.decided_at
    )
    return membership is not None and role_may(membership.role, Action.SEAL_USE_APPROVE)


def seal_use_approver_assert_in_force(approval: SealUseRequest) -> None:
    if not seal_use_approver_in_force(approval):
        raise ApplicationError(
            _(
                "This approval can no longer be used: the person who granted it may no longer approve seal use. "
                "Ask the seal keeper for a new approval."
            ),
            "approver_authority_lost",
            status=403,
        )


@transaction.atomic
def seal_use_approval_consume(*, approval_id, seal_id, user: User, document: Document) -> SealUseRequest:
    """Take one use of an approval. The row lock makes parallel confirmations queue up here,
    so the last use is taken once; the caller creates the grant in the same transaction."""
    approval = lock_row(SealUseRequest, pk=approval_id)
    now = timezone.now()
    if (
        approval.status != SealUseRequest.Status.APPROVED
        or approval.seal_id != seal_id
        or approval.requester_id != user.pk
        or approval.uses_count >= approval.uses_allowed
        or (approval.valid_until is not None and approval.valid_until <= now)
        or (approval.document_only and approval.document_id != document.pk)
    ):
        raise ApplicationError(
            _("You are not authorised to use this seal. Ask the seal keeper for seal-use approval."),
            "seal_not_authorised",
            status=403,
        )
    seal_use_approver_assert_in_force(approval)
    approval.uses_count += 1
    if approval.uses_count >= approval.uses_allowed:
        approval.status = SealUseRequest.Status.USED_UP
    approval.save(update_fields=["uses_count", "status"])
    audit_event_record(
        acting_user=user,
        action="seal_use.used",
        target=approval,
        data={
            "document": document.name,
            "seal": approval.seal_label,
            "uses_count": approval.uses_count,
            "uses_allowed": approval.uses_allowed,
        },
    )
    return approval
