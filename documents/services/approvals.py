"""Seal-use approval (用印审批): a member without direct rights on a seal asks to use it
on a document; a seal manager approves with limits or rejects with a reason. Sealing
consumes an approval one use at a time (documents/services/seal_use.py)."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check, authority_check_for, current_company, roles_that_may
from accounts.mail_language import mail_users
from accounts.models import Membership, User
from config.errors import ApplicationError
from config.row_locks import lock_row
from documents.models import Document, SealUseRequest
from documents.services.seal_use import placement_snapshot, seal_member_may_use_directly
from events.services import audit_event_record
from seals.selectors import seal_usable_get
from tenants.models import Company
from tenants.services import company_link

MAX_USES = 1000


def _notify(users, subject, body, link: str) -> None:
    """`subject` and `body` are called in each recipient's language; `link` is added."""
    mail_users(
        users=users,
        render=lambda: (subject(), body() + "\n\n" + _("Open it here: %(link)s") % {"link": link}),
    )


def _request_link(use_request: SealUseRequest) -> str:
    return company_link(current_company(), f"/approvals/{use_request.pk}/")


def _document_link(use_request: SealUseRequest) -> str:
    return company_link(current_company(), f"/documents/{use_request.document_id}/")


@transaction.atomic
def seal_use_request_create(
    *, document: Document, company: Company, seal_id, requester: User, reason: str
) -> SealUseRequest:
    authority_check_for(acting_user=requester, company=company, action=Action.SEAL_USE_REQUEST)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Say what the seal is needed for."), "reason_missing", field="reason")
    membership = Membership.objects.select_related("user").filter(user=requester, company=company).first()
    if membership is None:
        raise ApplicationError(_("Only members of the company can use its seals."), "not_member", status=403)
    seal = seal_usable_get(company=company, seal_id=seal_id)
    if seal_member_may_use_directly(seal=seal, membership=membership):
        raise ApplicationError(
            _("You may use this seal directly; no approval is needed."), "approval_not_needed", status=409
        )
    placements = list(document.placements.filter(seal_id=seal.pk))
    if not placements:
        raise ApplicationError(_("Place the seal on the document first."), "no_placements", field="seal")
    pending = SealUseRequest.objects.filter(
        document=document, seal_id=seal.pk, requester_id=requester.pk, status=SealUseRequest.Status.PENDING
    )
    if pending.exists():
        raise ApplicationError(
            _("You already asked to use this seal on this document; wait for the decision."),
            "request_pending",
            status=409,
        )
    try:
        with transaction.atomic():
            use_request = SealUseRequest.objects.create(
                document=document,
                seal_id=seal.pk,
                seal_label=f"{seal.name} · {seal.code}"[:300],
                requester_id=requester.pk,
                requester_label=str(requester)[:200],
                reason=reason,
                placements=[placement_snapshot(placement) for placement in placements],
            )
    except IntegrityError as error:  # a parallel request won the race
        raise ApplicationError(
            _("You already asked to use this seal on this document; wait for the decision."),
            "request_pending",
            status=409,
        ) from error
    audit_event_record(
        acting_user=requester,
        action="seal_use.requested",
        target=use_request,
        data={"document": document.name, "seal": seal.code, "placements": len(placements), "reason": reason},
    )
    managers = Membership.objects.filter(
        company=company, role__in=roles_that_may(Action.SEAL_USE_APPROVE)
    ).select_related("user")
    _notify(
        [manager.user for manager in managers],
        lambda: _("Seal-use request: %(seal)s") % {"seal": seal.name},
        lambda: _("%(requester)s asks to use the seal “%(seal)s” on “%(document)s”. Reason: %(reason)s")
        % {"requester": requester, "seal": seal.name, "document": document.name, "reason": reason},
        _request_link(use_request),
    )
    return use_request


def _lock_pending(use_request: SealUseRequest, acting_membership: Membership) -> SealUseRequest:
    authority_check(membership=acting_membership, action=Action.SEAL_USE_APPROVE)
    locked = lock_row(SealUseRequest, related=("document",), pk=use_request.pk)
    if locked.requester_id == acting_membership.user_id:
        raise ApplicationError(_("You cannot decide your own request."), "own_request", status=403)
    if locked.status != SealUseRequest.Status.PENDING:
        raise ApplicationError(_("This request has already been decided."), "request_decided", status=409)
    return locked


def _requester(use_request: SealUseRequest) -> list[User]:
    return list(User.objects.filter(pk=use_request.requester_id))


@transaction.atomic
def seal_use_request_approve(
    *,
    use_request: SealUseRequest,
    acting_membership: Membership,
    document_only: bool = True,
    uses_allowed: int = 1,
    valid_until: datetime | None = None,
) -> SealUseRequest:
    use_request = _lock_pending(use_request, acting_membership)
    if not 1 <= uses_allowed <= MAX_USES:
        raise ApplicationError(
            _("Allow between 1 and %(max)s uses.") % {"max": MAX_USES}, "uses_invalid", field="uses_allowed"
        )
    if valid_until is not None and valid_until <= timezone.now():
        raise ApplicationError(_("The end date must be in the future."), "valid_until_past", field="valid_until")
    acting_user = acting_membership.user
    use_request.status = SealUseRequest.Status.APPROVED
    use_request.document_only = document_only
    use_request.uses_allowed = uses_allowed
    use_request.valid_until = valid_until
    use_request.decided_at = timezone.now()
    use_request.decided_by_id = acting_user.pk
    use_request.decided_by_label = str(acting_user)[:200]
    use_request.save()
    audit_event_record(
        acting_user=acting_user,
        action="seal_use.approved",
        target=use_request,
        data={
            "seal": use_request.seal_label,
            "requester": use_request.requester_label,
            "document_only": document_only,
            "uses_allowed": uses_allowed,
            "valid_until": valid_until.isoformat() if valid_until else None,
        },
    )
    _notify(
        _requester(use_request),
        lambda: _("Seal use approved: %(seal)s") % {"seal": use_request.seal_label},
        lambda: _(
            "%(manager)s approved your request to use “%(seal)s” on “%(document)s”. "
            "Open the document and confirm with the seal password and a one-time code."
        )
        % {"manager": acting_user, "seal": use_request.seal_label, "document": use_request.document.name},
        _document_link(use_request),
    )
    return use_request


@transaction.atomic
def seal_use_request_reject(
    *, use_request: SealUseRequest, acting_membership: Membership, reason: str
) -> SealUseRequest:
    use_request = _lock_pending(use_request, acting_membership)
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("Give the requester a reason."), "reason_missing", field="reason")
    acting_user = acting_membership.user
    use_request.status = SealUseRequest.Status.REJECTED
    use_request.decision_reason = reason
    use_request.decided_at = timezone.now()
    use_request.decided_by_id = acting_user.pk
    use_request.decided_by_label = str(acting_user)[:200]
    use_request.save()
    audit_event_record(
        acting_user=acting_user,
        action="seal_use.rejected",
        target=use_request,
        data={"seal": use_request.seal_label, "requester": use_request.requester_label, "reason": reason},
    )
    _notify(
        _requester(use_request),
        lambda: _("Seal use not approved: %(seal)s") % {"seal": use_request.seal_label},
        lambda: _("%(manager)s did not approve your request to use “%(seal)s” on “%(document)s”. Reason: %(reason)s")
        % {
            "manager": acting_user,
            "seal": use_request.seal_label,
            "document": use_request.document.name,
            "reason": reason,
        },
        _request_link(use_request),
    )
    return use_request


@transaction.atomic
def seal_use_request_cancel(*, use_request: SealUseRequest, acting_user: User) -> SealUseRequest:
    """The requester withdraws a waiting request or gives back an approval not used up."""
    use_request = lock_row(SealUseRequest, pk=use_request.pk)
    if use_request.requester_id != acting_user.pk:
        raise ApplicationError(_("Only the requester can withdraw a request."), "not_requester", status=403)
    if use_request.status not in (SealUseRequest.Status.PENDING, SealUseRequest.Status.APPROVED):
        raise ApplicationError(_("This request can no longer be withdrawn."), "request_closed", status=409)
    previous = use_request.status
    use_request.status = SealUseRequest.Status.CANCELED
    use_request.save(update_fields=["status"])
    audit_event_record(
        acting_user=acting_user,
        action="seal_use.canceled",
        target=use_request,
        data={"seal": use_request.seal_label, "was": previous},
    )
    return use_request
