"""The guided start on a company's home page: registration reviewed → a seal → the first
sealed document. Shown until the company has sealed a document; each step says where it
stands and links to what to do next."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from documents.models import DocumentVersion
from seals.models import Seal, SealApplication
from tenants.models import Company


@dataclass(frozen=True)
class Step:
    title: str
    state: str  # done | current | waiting | problem | later
    state_label: str
    detail: str = ""
    link: str = ""
    link_label: str = ""


STATE_LABELS = {
    "done": lambda: _("Done"),
    "current": lambda: _("Your next step"),
    "waiting": lambda: _("Waiting for review"),
    "problem": lambda: _("Needs your attention"),
    "later": lambda: _("Later"),
}


def _step(title: str, state: str, detail: str = "", link: str = "", link_label: str = "") -> Step:
    return Step(title, state, str(STATE_LABELS[state]()), detail, link, link_label)


def guided_start_steps(*, company: Company, allowed: frozenset[str]) -> list[Step] | None:
    """The steps, or None once the company has sealed a document (runs in its schema)."""
    if DocumentVersion.objects.filter(kind=DocumentVersion.Kind.SEALED).exists():
        return None
    approved = company.verification == Company.Verification.APPROVED
    if approved:
        review = _step(_("Registration reviewed"), "done", _("A platform reviewer approved the registration."))
    elif company.verification == Company.Verification.REJECTED:
        review = _step(
            _("Registration reviewed"),
            "problem",
            _("The registration was not approved: %(reason)s") % {"reason": company.review_reason or "—"},
        )
    else:
        review = _step(
            _("Registration under review"),
            "waiting",
            _("A platform reviewer checks the company's details, usually within one working day. We email the owners."),
        )

    has_seal = Seal.objects.filter(company=company, status=Seal.Status.ACTIVE).exists()
    applied = SealApplication.objects.filter(company=company, status=SealApplication.Status.SUBMITTED).exists()
    may_apply = "seal.apply" in allowed
    if has_seal:
        seal = _step(_("Apply for a seal"), "done", _("The company has an active seal."))
    elif applied:
        seal = _step(_("Apply for a seal"), "waiting", _("A platform reviewer checks the application."))
    elif approved:
        seal = _step(
            _("Apply for a seal"),
            "current",
            _("Upload the business licence and choose a seal password; a reviewer issues the seal.")
            if may_apply
            else _("Ask an owner, an administrator or the seal keeper to apply for the company's seal."),
            "/seals/apply/" if may_apply else "",
            _("Apply for a seal"),
        )
    else:
        seal = _step(_("Apply for a seal"), "later", _("Possible once the registration is approved."))

    if has_seal and "document.upload" in allowed:
        first = _step(
            _("Upload and seal your first document"),
            "current",
            _("Upload a PDF, click where the seal goes, and confirm with the seal password and a one-time code."),
            "/documents/",
            _("Upload a document"),
        )
    else:
        first = _step(_("Upload and seal your first document"), "later", _("Possible once the company has a seal."))
    return [review, seal, first]
