from __future__ import annotations

import logging
from collections import Counter

from django.utils.translation import gettext as _

from accounts.authority import current_company
from config.celery import app
from config.links import platform_link
from config.local_time import local_time_text
from config.mail import MAIL_RETRY, mail_bilingual, mail_send
from tenants.iteration import for_each_company
from tenants.models import Company, EnvelopeRoute
from tenants.services import company_link
from workflows.links import party_code_open, party_link_token
from workflows.models import Envelope, Party

logger = logging.getLogger(__name__)


@app.task(bind=True, acks_late=True, max_retries=3, default_retry_delay=5)
def envelope_complete(self, envelope_id: str) -> str | None:
    """Runs in the owner's schema once the last party signed. Safe to repeat."""
    from workflows.envelopes.completion import envelope_complete as complete  # breaks the services <-> tasks cycle

    try:
        envelope = complete(envelope_id=envelope_id)
    except Exception as exc:
        logger.exception("completing envelope %s failed; will retry", envelope_id)
        raise self.retry(exc=exc) from exc
    return envelope.status if envelope else None


@app.task
def envelope_deadlines_all() -> dict:
    """Beat: expiry, reminders and lost completions in every company."""
    from workflows.envelopes.deadlines import envelope_deadlines_run  # breaks the services <-> tasks cycle

    totals = Counter()
    for _company in for_each_company():
        totals.update(envelope_deadlines_run())
    return dict(totals)


def _party_link(party) -> str:
    if party.kind == "company" and not party.company_id:
        return platform_link("/companies/new/", {"uscc": party.uscc, "name": party.name})
    if party.company_id:
        route = EnvelopeRoute.objects.get(party_id=party.pk)
        company = Company.objects.get(pk=party.company_id)
        return company_link(company, f"/envelopes/inbox/{route.pk}/")
    return platform_link(f"/sign/{party_link_token(party)}/")


@app.task(**MAIL_RETRY, run_here_without_broker=True)
def envelope_mail(party_id: str, kind: str, sealed_code: str = "") -> bool:
    """A party's mail: their turn, a reminder, their one-time code, or the outcome."""
    party = Party.objects.select_related("envelope").filter(pk=party_id).first()
    if party is None:
        return False
    envelope = party.envelope
    attachments = []

    def render():
        values = {"name": envelope.name, "party": party.name, "sender": envelope.created_by_label}
        if kind in ("turn", "reminder"):
            action = {
                Party.Kind.COMPANY: _("seal it with your company's seal"),
                Party.Kind.PERSON: _("sign it"),
                Party.Kind.APPROVER: _("approve it"),
            }.get(party.kind, _("read it"))
            subject = (
                _("Reminder: %(name)s is waiting for you") if kind == "reminder" else _("Please act on %(name)s")
            ) % values
            body = _(
                "Hello %(party)s,\n\n%(sender)s sent you “%(name)s” to %(action)s.\n\nOpen it here: %(link)s\n\n"
                "The link is personal; do not forward it. The envelope expires on %(expires)s."
            ) % {
                **values,
                "action": action,
                "link": _party_link(party),
                "expires": local_time_text(envelope.expires_at),
            }
            if party.kind == Party.Kind.COMPANY and not party.company_id:
                body += "\n\n" + _(
                    "Your company is not on Sealhub yet. Register it at the link above; once a reviewer has "
                    "confirmed the registration, the envelope is waiting in your company's inbox."
                )
            if envelope.message:
                body += "\n\n" + _("Message from the sender:") + "\n" + envelope.message
            return subject, body
        if kind == "code":
            code = party_code_open(party, sealed_code)
            return (
                _("Your Sealhub code: %(code)s") % {"code": code},
                _(
                    "Your one-time code for “%(name)s” is %(code)s. It is valid for 10 minutes. "
                    "If you did not ask for it, ignore this mail."
                )
                % {**values, "code": code},
            )
        if kind == "completed":
            return (
                _("Completed: %(name)s") % values,
                _("Every party has signed “%(name)s”. The signed PDF and the certificate of completion are attached.")
                % values,
            )
        messages = {
            "declined": _("“%(name)s” was declined and is closed. Nothing more is needed from you."),
            "canceled": _("The sender canceled “%(name)s”. Nothing more is needed from you."),
            "expired": _("“%(name)s” expired before every party signed. Nothing more is needed from you."),
        }
        return _("Closed: %(name)s") % values, messages.get(kind, messages["canceled"]) % values

    subject, body = mail_bilingual(render)
    if kind == "completed" and envelope.status == Envelope.Status.COMPLETED:
        attachments = _final_attachments(envelope)
    mail_send(
        subject=subject,
        body=body,
        to=[party.email],
        attachments=attachments,
    )
    return True


def _final_attachments(envelope) -> list[tuple[str, bytes, str]]:
    final = envelope.final_version
    files = []
    for name, file, content_type in (
        (f"{envelope.name}.{final.format}", final.file, final.content_type),
        ("certificate-of-completion.pdf", envelope.certificate, "application/pdf"),
    ):
        with file.open("rb") as handle:
            files.append((name, handle.read(), content_type))
    return files


@app.task(**MAIL_RETRY, run_here_without_broker=True)
def envelope_mail_owner(envelope_id: str, kind: str) -> bool:
    envelope = Envelope.objects.filter(pk=envelope_id).first()
    if envelope is None or not envelope.owner_email:
        return False

    def render():
        values = {"name": envelope.name}
        messages = {
            "completed": (
                _("Completed: %(name)s"),
                _("Every party has signed “%(name)s”. The signed PDF and the certificate of completion are attached."),
            ),
            "declined": (
                _("Declined: %(name)s"),
                _("A party declined “%(name)s”; the envelope is closed. Open it to read the reason."),
            ),
            "canceled": (_("Canceled: %(name)s"), _("“%(name)s” was canceled.")),
            "expired": (_("Expired: %(name)s"), _("“%(name)s” expired before every party signed.")),
            "integrity": (
                _("Stopped: %(name)s"),
                _("The document of “%(name)s” no longer matches its fingerprint. Signing stopped; check the envelope."),
            ),
        }
        subject, body = messages.get(kind, messages["canceled"])
        return subject % values, body % values + "\n\n" + _("Open it here: %(link)s") % {"link": link}

    link = company_link(current_company(), f"/envelopes/{envelope.pk}/")

    subject, body = mail_bilingual(render)
    attachments = []
    if kind == "completed" and envelope.status == Envelope.Status.COMPLETED:
        attachments = _final_attachments(envelope)
    mail_send(subject=subject, body=body, to=[envelope.owner_email], attachments=attachments)
    return True
