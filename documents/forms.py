from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(label=_("PDF file"))


class PlacementForm(forms.Form):
    seal = forms.UUIDField()
    page = forms.IntegerField(min_value=0)
    x = forms.FloatField()
    y = forms.FloatField()


class SealConfirmForm(forms.Form):
    seal = forms.UUIDField(widget=forms.HiddenInput)
    seal_password = forms.CharField(
        label=_("Seal password"),
        required=False,  # a seal on a U-key has none: its PIN is entered in the agent
        widget=forms.PasswordInput(attrs={"autocomplete": "off"}),
        help_text=_("Not needed for a seal on a U-key: you enter the U-key PIN on your computer."),
    )
    otp_method = forms.ChoiceField(
        label=_("Confirm with"),
        choices=[("authenticator", _("Code from the authenticator app")), ("email", _("A code sent to my email"))],
        widget=forms.RadioSelect,
        initial="authenticator",
    )
    otp_code = forms.CharField(
        label=_("One-time code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "class": "code-input", "spellcheck": "false"}),
    )
