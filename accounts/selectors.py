from __future__ import annotations

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name

from accounts.models import Membership


def _company_model():
    """The company model, reached through the membership's own relation: accounts sits
    below tenants and does not import it."""
    return Membership._meta.get_field("company").related_model


def membership_get(*, user, company) -> Membership | None:
    if not getattr(user, "is_authenticated", False) or not hasattr(user, "memberships"):
        return None
    return Membership.objects.filter(user=user, company=company).first()


def membership_list_for_user(*, user) -> QuerySet[Membership]:
    """The person's memberships in active companies, by company name."""
    return (
        Membership.objects.filter(user=user, company__status=_company_model().Status.ACTIVE)
        .exclude(company__schema_name=get_public_schema_name())
        .select_related("company")
        .order_by("company__name")
    )
