from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html

INTEGER = re.compile(r"-?[0-9]{1,18}")
MAX_UNKNOWN_FIELDS_NAMED = 10
MAX_FIELD_NAME_SHOWN = 100


def _expected_type(field) -> tuple[tuple[type, ...], str] | None:
    """The JSON type the schema gives a field, with the message for a value of another type.
    DRF would otherwise turn 0 into "0" or "5" into 5 and accept what the schema refuses."""
    if isinstance(field, serializers.BooleanField):
        return (bool,), _("Give true or false.")
    if isinstance(field, serializers.IntegerField):
        return (int,), _("Give a whole number.")
    if isinstance(field, (serializers.FloatField, serializers.DecimalField)):
        return (int, float), _("Give a number.")
    if isinstance(field, serializers.MultipleChoiceField):
        return None
    if isinstance(field, serializers.ChoiceField):
        if all(isinstance(choice, str) for choice in field.choices):
            return (str,), _("Give a string.")
        return None
    if isinstance(field, (serializers.CharField, serializers.UUIDField, serializers.DateTimeField)):
        return (str,), _("Give a string.")
    return None


def _type_errors(field, value):
    """Errors for values of the wrong JSON type, shaped like DRF's own (None when all fit)."""
    if value is None:
        return None  # allow_null is DRF's to judge
    if isinstance(field, serializers.ListSerializer):
        if not isinstance(value, list):
            return None
        errors = [_type_errors(field.child, item) or {} for item in value]
        return errors if any(errors) else None
    if isinstance(field, serializers.Serializer):
        if not isinstance(value, Mapping):
            return None
        errors = {}
        for name, child in field.fields.items():
            if not child.read_only and name in value:
                error = _type_errors(child, value[name])
                if error:
                    errors[name] = error
        return errors or None
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return None
        errors = {index: _type_errors(field.child, item) for index, item in enumerate(value)}
        errors = {index: error for index, error in errors.items() if error}
        return errors or None
    expected = _expected_type(field)
    if expected is None:
        return None
    types, message = expected
    if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
        return [message]
    return None


def _form_value_error(field, value):
    """Form values are text: an empty one is refused (not taken as "not given"), and a boolean
    or whole number is spelled as the schema says (DRF would also take "0", "yes" or "1.0")."""
    if not isinstance(value, str):
        return None
    if value == "" and not getattr(field, "allow_blank", False):
        return _("This field may not be blank.")
    if isinstance(field, serializers.BooleanField) and value not in ("true", "false"):
        return _("Give true or false.")
    if isinstance(field, serializers.IntegerField) and not INTEGER.fullmatch(value):
        return _("Give a whole number.")
    return None


class StrictInputSerializer(serializers.Serializer):
    """Input serializers refuse fields they do not know, so a typo is an error the integrator
    sees instead of a silently ignored option; values of the wrong JSON type are refused, not
    converted; an empty form value is refused, not taken as "not given"."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                # Name a few: a body of a million made-up keys must not come back as an answer.
                errors = {
                    str(name)[:MAX_FIELD_NAME_SHOWN]: [_("Unknown field.")]
                    for name in unknown[:MAX_UNKNOWN_FIELDS_NAMED]
                }
                if len(unknown) > MAX_UNKNOWN_FIELDS_NAMED:
                    errors["non_field_errors"] = [
                        _("%(count)s more unknown fields.") % {"count": len(unknown) - MAX_UNKNOWN_FIELDS_NAMED}
                    ]
                raise serializers.ValidationError(errors)
            if html.is_html_input(data):
                errors = {name: _form_value_error(field, data.get(name)) for name, field in self.fields.items()}
                errors = {name: [error] for name, error in errors.items() if name in data and error}
                if errors:
                    raise serializers.ValidationError(errors)
            else:
                errors = _type_errors(self, data)
                if errors:
                    raise serializers.ValidationError(errors)
        return super().to_internal_value(data)
