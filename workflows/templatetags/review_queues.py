"""The review admin's start page: how many decisions wait in each queue, linked to the
filtered list (the admin site lives in `accounts`, below the apps whose rows it counts)."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import IdentityAppeal
from seals.models import SealApplication
from tenants.models import Company

register = template.Library()


@register.inclusion_tag("admin/_review_queues.html")
def review_queues() -> dict:
    queues = [
        (
            _("Company registrations"),
            Company.objects.exclude(schema_name="public").filter(verification=Company.Verification.PENDING).count(),
            reverse("admin:tenants_company_changelist") + "?verification__exact=pending",
        ),
        (
            _("Seal applications"),
            SealApplication.objects.filter(status=SealApplication.Status.SUBMITTED).count(),
            reverse("admin:seals_sealapplication_changelist") + "?status__exact=submitted",
        ),
        (
            _("Identity appeals"),
            IdentityAppeal.objects.filter(status=IdentityAppeal.Status.SUBMITTED).count(),
            reverse("admin:accounts_identityappeal_changelist") + "?status__exact=submitted",
        ),
    ]
    return {"queues": [{"label": label, "count": count, "url": url} for label, count, url in queues]}
