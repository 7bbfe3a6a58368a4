"""Identity appeals: someone whose ID number is already registered asks a reviewer to
hand the account over, with a photo of their ID."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import IdentityAppeal, SecurityEvent, User
from accounts.services.registration import identity_fields_for, normalise_mobile
from config.errors import ApplicationError
from config.links import platform_link
from config.mail import mail_bilingual, mail_queue
from config.row_locks import lock_row, lock_row_or_none

APPEAL_PHOTO_MAX_BYTES = 10 * 1024 * 1024


APPEAL_PHOTO_TYPES = {b"\xff\xd8\xff": "jpg", b"\x89PNG\r\n\x1a\n": "png", b"%PDF-": "pdf"}


def _check_appeal_photo(photo) -> None:
    if photo.size > APPEAL_PHOTO_MAX_BYTES:
        raise ApplicationError(_("The photo is larger than 10 MB."), "file_too_large", field="id_photo")
    head = photo.read(8)
    photo.seek(0)
    if not any(head.startswith(magic) for magic in APPEAL_PHOTO_TYPES):
        raise ApplicationError(_("Upload a JPEG, PNG or PDF file."), "file_type", field="id_photo")


@transaction.atomic
def identity_appeal_submit(
    *, id_number: str, full_name: str, email: str, mobile: str, statement: str, id_photo, ip_address: str | None = None
) -> IdentityAppeal:
    identity = identity_fields_for(id_number)
    _check_appeal_photo(id_photo)
    if not statement.strip():
        raise ApplicationError(_("Tell us what happened."), "statement_missing", field="statement")
    open_appeal = IdentityAppeal.objects.filter(
        id_number_hash=identity.number_hash, status=IdentityAppeal.Status.SUBMITTED
    ).exists()
    if open_appeal:
        raise ApplicationError(
            _("An appeal for this ID number is already waiting for review."), "appeal_pending", field="id_number"
        )
    appeal = IdentityAppeal(
        id_number_hash=identity.number_hash,
        id_number_encrypted=identity.encrypted,
        id_number_masked=identity.masked,
        contested_user=User.objects.filter(id_number_hash=identity.number_hash).first(),
        full_name=full_name.strip(),
        email=email.strip().lower(),
        mobile=normalise_mobile(mobile) or "",
        statement=statement.strip(),
    )
    appeal.id_photo.save(id_photo.name, id_photo, save=False)
    appeal.save()
    SecurityEvent.objects.create(
        user=appeal.contested_user,
        action="identity_appeal.submitted",
        data={"appeal": str(appeal.pk)},
        ip_address=ip_address,
    )
    return appeal


def _appeal_notify(appeal: IdentityAppeal, render) -> None:
    """In both languages: the appellant is not a user with a language of their own, and the
    reviewer's language is not theirs. The link opens the appeal's page with the answer."""
    link = platform_link(f"/accounts/appeals/{appeal.pk}/")

    def with_link():
        subject, body = render()
        return subject, body + "\n\n" + _("Open it here: %(link)s") % {"link": link}

    subject, body = mail_bilingual(with_link)
    mail_queue(subject=subject, body=body, to=[appeal.email])


@transaction.atomic
def identity_appeal_uphold(*, appeal: IdentityAppeal, acting_user: User, reason: str) -> IdentityAppeal:
    """The appellant owns the ID: freeze the account that used it and free the number."""
    appeal = lock_row(IdentityAppeal, pk=appeal.pk)
    if appeal.status != IdentityAppeal.Status.SUBMITTED:
        raise ApplicationError(_("This appeal has already been decided."), "appeal_decided")
    contested = lock_row_or_none(User, id_number_hash=appeal.id_number_hash)
    if contested is not None:
        contested.frozen_at = timezone.now()
        contested.frozen_reason = _("Frozen after an upheld identity appeal.")
        contested.is_active = False
        contested.id_number_hash = None  # keeps the masked form for the record
        contested.save(update_fields=["frozen_at", "frozen_reason", "is_active", "id_number_hash"])
        SecurityEvent.objects.create(
            user=contested, action="account.frozen", data={"appeal": str(appeal.pk), "by": acting_user.email}
        )
    appeal.status = IdentityAppeal.Status.UPHELD
    appeal.decided_at = timezone.now()
    appeal.decided_by = acting_user
    appeal.decision_reason = reason
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    SecurityEvent.objects.create(
        user=contested, action="identity_appeal.upheld", data={"appeal": str(appeal.pk), "by": acting_user.email}
    )
    _appeal_notify(
        appeal,
        lambda: (
            _("Your identity appeal was upheld"),
            _("Your appeal for ID number %(masked)s was upheld. You can now register with it.")
            % {"masked": appeal.id_number_masked},
        ),
    )
    return appeal


@transaction.atomic
def identity_appeal_reject(*, appeal: IdentityAppeal, acting_user: User, reason: str) -> IdentityAppeal:
    if not reason.strip():
        raise ApplicationError(_("Give the appellant a reason."), "reason_missing", field="reason")
    appeal = lock_row(IdentityAppeal, pk=appeal.pk)
    if appeal.status != IdentityAppeal.Status.SUBMITTED:
        raise ApplicationError(_("This appeal has already been decided."), "appeal_decided")
    appeal.status = IdentityAppeal.Status.REJECTED
    appeal.decided_at = timezone.now()
    appeal.decided_by = acting_user
    appeal.decision_reason = reason.strip()
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision_reason"])
    SecurityEvent.objects.create(
        user=appeal.contested_user,
        action="identity_appeal.rejected",
        data={"appeal": str(appeal.pk), "by": acting_user.email},
    )
    _appeal_notify(
        appeal,
        lambda: (
            _("Your identity appeal was not upheld"),
            _("Your appeal for ID number %(masked)s was not upheld. Reason: %(reason)s")
            % {"masked": appeal.id_number_masked, "reason": appeal.decision_reason},
        ),
    )
    return appeal
