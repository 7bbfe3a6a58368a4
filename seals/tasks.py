from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, roles_that_may
from accounts.models import Membership
from config.celery import app
from config.mail import mail_queue
from config.row_locks import lock_rows
from seals.models import Seal

EXPIRY_WARNING = timedelta(days=30)
REMIND_EVERY = timedelta(days=7)


@app.task
def seal_expiry_reminders() -> int:
    """Email the people who manage a seal when its certificate ends within 30 days
    (at most weekly). Safe to run twice: the reminder time is claimed under a row lock."""
    now = timezone.now()
    due = Seal.objects.filter(status=Seal.Status.ACTIVE, not_after__lte=now + EXPIRY_WARNING, not_after__gt=now)
    sent = 0
    for seal_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            seal = lock_rows(Seal, related=("company",), skip_locked=True).filter(pk=seal_id).first()
            if seal is None or (seal.expiry_reminded_at and now - seal.expiry_reminded_at < REMIND_EVERY):
                continue
            seal.expiry_reminded_at = now
            seal.save(update_fields=["expiry_reminded_at"])
            managers = Membership.objects.filter(
                company=seal.company,
                role__in=roles_that_may(Action.SEAL_MANAGE),
            ).values_list("user__email", flat=True)
            subject = _("Seal %(code)s expires on %(date)s") % {"code": seal.code, "date": f"{seal.not_after:%Y-%m-%d}"}
            body = _(
                "The certificate of the seal “%(name)s” (%(code)s) of %(company)s ends on %(date)s. "
                "Apply for a new seal in time so documents can still be sealed."
            ) % {
                "name": seal.name,
                "code": seal.code,
                "company": seal.company.name,
                "date": f"{seal.not_after:%Y-%m-%d}",
            }
            recipients = list(managers)
            mail_queue(subject=subject, body=body, to=recipients)
            sent += 1
    return sent
