from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from config.forms import PasswordPairMixin
from seals.models import SealType


class SealApplicationForm(PasswordPairMixin, forms.Form):
    seal_type = forms.ChoiceField(label=_("Seal type"), choices=SealType.choices)
    seal_name = forms.CharField(
        label=_("Text on the seal"),
        max_length=60,
        help_text=_("Usually the company's registered name, as on the business licence."),
    )
    key_algorithm = forms.ChoiceField(
        label=_("Key algorithm"),
        choices=[("ec-p256", _("ECDSA P-256 (recommended)")), ("rsa-2048", _("RSA 2048"))],
        initial="ec-p256",
    )
    business_licence = forms.FileField(
        label=_("Business licence scan"), help_text=_("PDF, JPEG or PNG, at most 10 MB.")
    )
    authorisation_letter = forms.FileField(
        label=_("Authorisation letter"),
        required=False,
        help_text=_("If the applicant is not the legal representative."),
    )
    seal_password = forms.CharField(
        label=_("Seal password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_(
            "Protects the seal's key. Only you know it; the platform never stores it. "
            "At least 8 characters with letters and digits; not a common password."
        ),
    )
    seal_password_again = forms.CharField(
        label=_("Seal password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    password_pairs = (("seal_password", "seal_password_again"),)


class SealPasswordChangeForm(PasswordPairMixin, forms.Form):
    old_password = forms.CharField(label=_("Current seal password"), widget=forms.PasswordInput)
    new_password = forms.CharField(
        label=_("New seal password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_again = forms.CharField(
        label=_("New seal password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    password_pairs = (("new_password", "new_password_again"),)


class SealStatusForm(forms.Form):
    to_status = forms.ChoiceField(choices=[("suspended", "suspended"), ("active", "active"), ("revoked", "revoked")])
    reason = forms.CharField(label=_("Reason"), max_length=500)


class SealAuthorisationForm(forms.Form):
    user = forms.ChoiceField(label=_("Member"))

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(str(m.user_id), f"{m.user} <{m.user.email}>") for m in members]


class SealImportForm(PasswordPairMixin, forms.Form):
    pkcs12_file = forms.FileField(
        label=_("Certificate file (.p12 / .pfx)"), help_text=_("From your certificate authority.")
    )
    pkcs12_password = forms.CharField(label=_("Password of the file"), widget=forms.PasswordInput, required=False)
    seal_type = forms.ChoiceField(label=_("Seal type"), choices=SealType.choices)
    seal_password = forms.CharField(
        label=_("New seal password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("The key is stored locked with this password from now on."),
    )
    seal_password_again = forms.CharField(
        label=_("Seal password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    password_pairs = (("seal_password", "seal_password_again"),)


class SealHardwareKeyForm(forms.Form):
    certificate_file = forms.FileField(
        label=_("Certificate of the U-key (.cer / .pem)"),
        help_text=_("Export it with your CA's tool, or with “python -m seals.agent --export-certificate”."),
    )
    chain_file = forms.FileField(label=_("CA certificates (optional, PEM)"), required=False)
    seal_type = forms.ChoiceField(label=_("Seal type"), choices=SealType.choices)
