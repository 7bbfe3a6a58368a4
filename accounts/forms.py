from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from accounts.identity import MOBILE_PATTERN
from accounts.models import OneTimeCode, User
from accounts.services import password_authenticate
from accounts.services.registration import identity_fields_for
from config.errors import ApplicationError
from config.forms import PasswordPairMixin


class EmailAuthenticationForm(AuthenticationForm):
    """Email + password through `password_authenticate` (lockouts, frozen accounts)."""

    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )

    def clean(self):
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            try:
                self.user_cache = password_authenticate(request=self.request, email=email, password=password)
            except ApplicationError as error:
                raise forms.ValidationError(error.message, code=error.code) from error
        return self.cleaned_data


class RegistrationForm(PasswordPairMixin, forms.Form):
    full_name = forms.CharField(label=_("Real name"), max_length=100)
    id_number = forms.CharField(
        label=_("Resident ID number"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(label=_("Email"))
    mobile = forms.CharField(
        label=_("Mobile"), max_length=20, required=False, help_text=_("Optional; lets you recover the account by SMS.")
    )
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 10 characters, not a common password."),
    )
    password_again = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    password_pairs = (("password", "password_again"),)

    # Every mistake in one answer (not one per round trip); the service checks again, and
    # alone decides what may be said about numbers and addresses already registered.
    def clean_id_number(self):
        value = self.cleaned_data["id_number"]
        try:
            identity_fields_for(value)
        except ApplicationError as error:
            raise forms.ValidationError(error.message, code=error.code) from error
        return value

    def clean_mobile(self):
        value = self.cleaned_data["mobile"]
        if value and not MOBILE_PATTERN.match(value.strip().replace(" ", "").removeprefix("+86")):
            raise forms.ValidationError(_("Enter an 11-digit mainland China mobile number."), code="mobile_invalid")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password"):
            candidate = User(email=cleaned.get("email") or "", full_name=cleaned.get("full_name") or "")
            try:
                validate_password(cleaned["password"], user=candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "class": "code-input"}),
    )


class NewPasswordForm(PasswordPairMixin, CodeForm):
    password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    password_pairs = (("password", "password_again"),)


class RecoveryChannelForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send the code to"), widget=forms.RadioSelect)

    def __init__(self, *args, contacts: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {OneTimeCode.Channel.EMAIL: _("Email %(contact)s"), OneTimeCode.Channel.SMS: _("Mobile %(contact)s")}
        self.fields["channel"].choices = [(key, labels[key] % {"contact": value}) for key, value in contacts.items()]
        self.fields["channel"].initial = next(iter(contacts))


class PasswordResetForm(forms.Form):
    contact = forms.CharField(label=_("Email or mobile number"), max_length=254)


class PasswordResetConfirmForm(NewPasswordForm):
    contact = forms.CharField(label=_("Email or mobile number"), max_length=254)
    field_order = ["contact", "code", "password", "password_again"]


class IdentityAppealForm(forms.Form):
    full_name = forms.CharField(label=_("Real name"), max_length=100)
    id_number = forms.CharField(
        label=_("Resident ID number"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(label=_("Email for the answer"))
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    statement = forms.CharField(
        label=_("What happened"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("For example: I never registered on Sealhub and do not know who used my ID number."),
    )
    id_photo = forms.FileField(label=_("Photo of your ID card"), help_text=_("JPEG, PNG or PDF, at most 10 MB."))


class SecondFactorForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Confirm with"),
        widget=forms.RadioSelect,
        choices=[
            ("authenticator", _("Code from the authenticator app")),
            ("recovery_code", _("A recovery code")),
            ("email", _("A code sent to my email")),
        ],
        initial="authenticator",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The second step is for accounts with an authenticator, where an emailed code is
        # refused (with the reason): it is still accepted as input, but not offered.
        self.fields["method"].widget.choices = [
            choice for choice in self.fields["method"].choices if choice[0] != "email"
        ]

    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "class": "code-input", "spellcheck": "false"}
        ),
    )
