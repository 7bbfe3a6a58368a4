from __future__ import annotations

import functools
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, roles_that_may
from accounts.mail_language import mail_users
from accounts.models import Membership
from config.celery import app
from config.row_locks import lock_rows
from seals.models import Seal
from tenants.services import company_link

EXPIRY_WARNING = timedelta(days=30)
REMIND_EVERY = timedelta(days=7)


def _expiry_mail(seal: Seal) -> tuple[str, str]:
    """Subject and body in the active language, with the seal's page and the application form."""
    date = f"{timezone.localtime(seal.not_after):%Y-%m-%d}"
    subject = _("Seal %(code)s expires on %(date)s") % {"code": seal.code, "date": date}
    body = _(
        "The certificate of the seal “%(name)s” (%(code)s) of %(company)s ends on %(date)s. "
        "Apply for a new seal in time so documents can still be sealed."
    ) % {"name": seal.name, "code": seal.code, "company": seal.company.name, "date": date}
    body += "\n\n" + _("Apply for a new seal: %(link)s") % {"link": company_link(seal.company, "/seals/apply/")}
    return subject, body


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
            managers = [
                membership.user
                for membership in Membership.objects.filter(
                    company=seal.company, role__in=roles_that_may(Action.SEAL_MANAGE)
                ).select_related("user")
            ]
            mail_users(users=managers, render=functools.partial(_expiry_mail, seal))
            sent += 1
    return sent
