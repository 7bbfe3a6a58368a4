"""Query parameters with a fixed set of values: a value outside it is a 400 naming the
choices, never silently read as "no filter" or as the default."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError


def query_choice(request, name: str, choices: Iterable[str], default: str = "") -> str:
    value = request.query_params.get(name)
    if value is None:
        return default
    allowed = [str(choice) for choice in choices]
    if value not in allowed:
        raise ValidationError({name: [_("Choose one of: %(choices)s.") % {"choices": ", ".join(allowed)}]})
    return value
