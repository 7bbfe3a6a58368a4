from __future__ import annotations

from datetime import datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from documents.forms import TextPlacementForm
from tenants.uscc import uscc_problem
from workflows.models import Party

# --- envelopes ------------------------------------------------------------------------


def _end_of_day(day):
    """A chosen last day lasts to its end, in the company's time zone."""
    return timezone.make_aware(datetime.combine(day, time.max)) if day else None


class EnvelopeCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=255, required=False)
    message = forms.CharField(
        label=_("Message to the parties"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    expires_at = forms.DateField(
        label=_("Expires on (last day, optional)"),
        required=False,
        help_text=_("Without a date, the envelope expires 30 days after it is sent."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reminder_interval_days = forms.IntegerField(
        label=_("Remind every (days, optional)"), min_value=1, max_value=30, required=False
    )
    send_final_to_all = forms.BooleanField(label=_("Send the final PDF to every party"), required=False, initial=True)

    def clean_expires_at(self):
        return _end_of_day(self.cleaned_data.get("expires_at"))


class EnvelopePartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("Role"), choices=[])
    order = forms.IntegerField(
        label=_("Order"),
        min_value=1,
        max_value=50,
        required=False,
        help_text=_("Parties with the same number act at the same time. Empty: after the last one."),
    )
    uscc = forms.CharField(
        label=_("Unified social credit code"),
        max_length=18,
        required=False,
        help_text=_("For a company. A company not yet on Sealhub is invited by email to register."),
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.EmailField(
        label=_("Email"),
        help_text=_(
            "Needed for every party, companies too: the link to the envelope is sent to this address "
            "(for a company, to someone who can act for it)."
        ),
    )
    id_number = forms.CharField(
        label=_("ID number (optional)"),
        max_length=18,
        required=False,
        help_text=_("For a person: they must enter it before signing."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Party.Kind.choices

    def clean(self):
        data = super().clean()
        uscc = (data.get("uscc") or "").strip().upper()
        if data.get("kind") == "company" and uscc and (problem := uscc_problem(uscc)):
            self.add_error("uscc", forms.ValidationError(problem, code="uscc_invalid"))
        return data


class EnvelopeFieldForm(forms.Form):
    page = forms.IntegerField(min_value=0)
    x = forms.FloatField()
    y = forms.FloatField()
    centred = forms.BooleanField(required=False)  # x, y: the clicked point the field is centred on


class EnvelopeFieldTextForm(TextPlacementForm):
    """A party's field on a text."""

    party = forms.UUIDField()


class EnvelopeFieldMoveForm(forms.Form):
    x = forms.FloatField()
    y = forms.FloatField()
    width = forms.FloatField(min_value=0)
    height = forms.FloatField(min_value=0)


class EnvelopeCancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the parties see it)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EnvelopePartyEmailForm(forms.Form):
    email = forms.EmailField(label=_("Correct email"))


class InboxSealForm(forms.Form):
    seal = forms.ChoiceField(label=pgettext_lazy("noun", "Seal"), choices=[])
    seal_password = forms.CharField(label=_("Seal password"), widget=forms.PasswordInput(attrs={"autocomplete": "off"}))
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

    def __init__(self, *args, seals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seal"].choices = [(str(seal.pk), f"{seal.name} · {seal.code}") for seal in seals]


class InboxDeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why do you decline?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class InboxReassignForm(forms.Form):
    colleague = forms.ChoiceField(label=_("Colleague"), choices=[])

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.users = {str(membership.user.pk): membership.user for membership in memberships}
        self.fields["colleague"].choices = [
            (str(membership.user.pk), f"{membership.user} · {membership.user.email}") for membership in memberships
        ]

    def clean_colleague(self):
        return self.users[self.cleaned_data["colleague"]]
