from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action
from config.errors import ApplicationError
from seals.models import Seal, SealApplication, SealAuthorisation
from tenants.models import Company


def seal_list_for_company(*, company: Company) -> QuerySet[Seal]:
    return Seal.objects.filter(company=company).order_by("status", "-created_at")


def seal_get_for_company(*, company: Company, seal_id) -> Seal:
    """404 for another company's seal, exactly as for one that does not exist."""
    try:
        return Seal.objects.select_related("company").get(company=company, pk=seal_id)
    except (Seal.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def seal_application_list_for_company(*, company: Company) -> QuerySet[SealApplication]:
    return SealApplication.objects.filter(company=company).select_related("applicant").order_by("-submitted_at")


def seal_application_get_for_company(*, company: Company, application_id) -> SealApplication:
    try:
        return seal_application_list_for_company(company=company).get(pk=application_id)
    except (SealApplication.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def seal_authorisation_list(*, seal: Seal) -> QuerySet[SealAuthorisation]:
    return SealAuthorisation.objects.filter(seal=seal).select_related("user", "granted_by").order_by("user__email")


def seal_usable_get(*, company: Company, seal_id) -> Seal:
    """The company's seal if it can seal now (active, certificate in date)."""
    seal = Seal.objects.select_related("company").filter(company=company, pk=seal_id).first()
    if seal is None:
        raise ApplicationError(_("Choose one of your company's seals."), "seal_unknown", status=404, field="seal")
    if seal.status != Seal.Status.ACTIVE:
        raise ApplicationError(
            _("This seal is %(status)s and cannot be used.") % {"status": seal.get_status_display()},
            "seal_inactive",
            status=409,
            field="seal",
        )
    if seal.not_after <= timezone.now():
        raise ApplicationError(_("This seal's certificate has expired."), "seal_expired", status=409, field="seal")
    return seal


def seal_ids_for_direct_use(*, membership, seals) -> set:
    """Which of `seals` the member may use without asking (one query at most)."""
    if membership.may(Action.SEAL_USE_ANY):
        return {seal.pk for seal in seals}
    return set(
        SealAuthorisation.objects.filter(user_id=membership.user_id, seal__in=[seal.pk for seal in seals]).values_list(
            "seal_id", flat=True
        )
    )
