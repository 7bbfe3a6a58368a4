from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

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


def seal_user_may_use(*, seal: Seal, user) -> bool:
    return SealAuthorisation.objects.filter(seal=seal, user=user).exists()
