"""May this member use this seal on this document?"""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import Membership, User
from config.errors import ApplicationError
from documents.models import Document, Placement
from documents.services.versions import (
    document_assert_not_in_envelope,
)
from seals.models import Seal
from seals.selectors import seal_member_may_use_directly, seal_usable_get
from tenants.models import Company
from tenants.selectors import membership_in_force
from workflows.approvals import (
    seal_use_approver_assert_in_force,
    seal_use_approver_in_force,
    seal_use_placements_approved,
)
from workflows.models import SealUseRequest
from workflows.selectors import seal_use_approval_usable


def seal_use_assert_allowed(*, seal: Seal, user: User, company: Company, document: Document) -> SealUseRequest | None:
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


def seal_use_prepare(
    *, document: Document, company: Company, seal_id, user: User
) -> tuple[Seal, SealUseRequest | None, list[Placement]]:
    """The checks before any use of a seal on a document: usable seal, the user's right
    (directly or by an approval that covers these placements), something placed."""
    document_assert_not_in_envelope(document)
    seal = seal_usable_get(company=company, seal_id=seal_id)
    approval = seal_use_assert_allowed(seal=seal, user=user, company=company, document=document)
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
    return seal, approval, placements


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
