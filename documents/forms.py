from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from documents.services.placements import MM


class UploadForm(forms.Form):
    file = forms.FileField(label=_("PDF or OFD file"))


class PlacementForm(forms.Form):
    seal = forms.UUIDField()
    page = forms.IntegerField(min_value=0)
    x = forms.FloatField()
    y = forms.FloatField()
    centred = forms.BooleanField(required=False)  # x, y: the clicked point the seal is centred on


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
    without_appearance = forms.BooleanField(
        label=_("Sign without a visible seal"),
        required=False,
        help_text=_("OFD only: a signature of type Sign, with no stamp on any page; no placement is needed."),
    )

    def __init__(self, *args, ofd: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not ofd:  # only an OFD file can take a signature without appearance
            del self.fields["without_appearance"]


# --- seal-use approval ---------------------------------------------------------------


class SealUseRequestForm(forms.Form):
    seal = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("What is the seal needed for?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SealUseApproveForm(forms.Form):
    document_only = forms.BooleanField(label=_("For this document only"), required=False, initial=True)
    uses_allowed = forms.IntegerField(label=_("Number of uses"), min_value=1, max_value=1000, initial=1)
    valid_until = forms.DateField(
        label=_("Valid until (last day, optional)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean_valid_until(self):
        day = self.cleaned_data.get("valid_until")
        # The approval lasts to the end of the chosen day, in the company's time zone.
        return timezone.make_aware(datetime.combine(day, time.max)) if day else None


class SealUseRejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the requester"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class TextPlacementForm(forms.Form):
    """Placing on a text: every occurrence, or only the nth, moved by a few millimetres.
    Seals and envelope fields alike."""

    text = forms.CharField(max_length=100)
    occurrence = forms.IntegerField(label=_("Which occurrence"), min_value=1, required=False)
    offset_right_mm = forms.FloatField(label=_("Move right (mm)"), min_value=-500, max_value=500, required=False)
    offset_up_mm = forms.FloatField(label=_("Move up (mm)"), min_value=-500, max_value=500, required=False)

    def offsets(self) -> tuple[float, float]:
        """The move right and up, in PDF points."""
        return (self.cleaned_data["offset_right_mm"] or 0) * MM, (self.cleaned_data["offset_up_mm"] or 0) * MM
