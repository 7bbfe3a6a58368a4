from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import Membership
from tenants.models import ApiKey, Company
from tenants.uscc import uscc_problem


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


class CompanySettingsForm(forms.Form):
    signature_level = forms.ChoiceField(
        label=_("Signature level"),
        choices=Company.SignatureLevel.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "B-LT keeps a seal provable after its certificate expires or is revoked; "
            "B-LTA adds archive timestamps that the platform renews before they expire."
        ),
    )


class CompanyCreateForm(forms.Form):
    name = forms.CharField(label=_("Company name"), max_length=200)
    uscc = forms.CharField(
        label=_("Unified social credit code"), max_length=18, help_text=_("18 characters, on the business licence.")
    )
    legal_representative = forms.CharField(label=_("Legal representative"), max_length=100)

    def clean_uscc(self):
        value = self.cleaned_data["uscc"].strip().upper()
        problem = uscc_problem(value)
        if problem:
            raise forms.ValidationError(problem, code="uscc_invalid")
        return value

    slug = forms.SlugField(
        label=_("Address name"),
        max_length=40,
        help_text=_("Your company's own address: <name>.%(domain)s. Lowercase letters, digits, hyphens.")
        % {"domain": settings.BASE_DOMAIN},
    )


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Membership.Role.choices)
