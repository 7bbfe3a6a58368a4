from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tenants.models import ApiKey


class ApiKeyCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("Where the key is used, e.g. “ERP”."))
    scopes = forms.MultipleChoiceField(
        label=_("Permissions"), choices=ApiKey.Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        help_text=_("Leave empty for a key that does not expire."),
    )
