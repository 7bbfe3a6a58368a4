from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from events.models import WEBHOOK_EVENTS


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(label=_("Address (https)"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=[(key, label) for key, label in WEBHOOK_EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
