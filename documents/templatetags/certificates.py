"""Certificate names (`Common Name: …, Organization: …`, as the verifier reads them) with
their attribute labels in the reader's language: the values stay as the certificate has them."""

from __future__ import annotations

import re

from django import template
from django.utils.translation import gettext_lazy as _

register = template.Library()

LABELS = {
    "Common Name": _("Common name"),
    "Organization": _("Organisation"),
    "Organizational Unit": _("Organisational unit"),
    "Organization Identifier": _("Organisation identifier"),
    "Country": _("Country"),
    "State/Province": _("Province"),
    "Locality": _("City"),
    "Street Address": _("Street address"),
    "Postal Code": _("Postal code"),
    "Serial Number": _("Serial number"),
    "Email Address": _("Email address"),
    "Title": _("Title"),
    "Name": _("Name"),
    "Given Name": _("Given name"),
    "Surname": _("Surname"),
    "Business Category": _("Business category"),
    "User ID": _("User ID"),
}
# Longest first, so "Organization Identifier" is not read as "Organization".
_LABEL = re.compile(r"(^|, )(" + "|".join(re.escape(label) for label in sorted(LABELS, key=len, reverse=True)) + r"): ")


@register.filter
def certificate_name(value: str) -> str:
    """'Common Name: 甲公司, Country: CN' → '通用名称: 甲公司, 国家: CN' in Chinese."""
    return _LABEL.sub(lambda match: f"{match.group(1)}{LABELS[match.group(2)]}: ", str(value or ""))
