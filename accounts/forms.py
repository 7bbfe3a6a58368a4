from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from accounts.lockout import factor_assert_unlocked, factor_failure_record, factor_success_record, locked_message
from accounts.models import FactorLock, OneTimeCode, User
from config.errors import ApplicationError


def client_ip(request) -> str | None:
    return request.META.get("REMOTE_ADDR") if request is not None else None


class EmailAuthenticationForm(AuthenticationForm):
    """Email + password, with the hard lockout and a clear word for frozen accounts."""

    username = forms.EmailField(
        label=_("Email"), widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "frozen": _("This account has been frozen: %(reason)s"),
    }

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        password = self.cleaned_data.get("password")
        user = User.objects.filter(email=email).first()
        if user is not None and password:
            try:
                factor_assert_unlocked(user=user, factor=FactorLock.Factor.PASSWORD)
            except ApplicationError as error:
                raise forms.ValidationError(error.message, code="locked") from error
        try:
            self.cleaned_data["username"] = email
            return super().clean()
        except forms.ValidationError:
            if user is not None and password:
                lock = factor_failure_record(
                    user=user, factor=FactorLock.Factor.PASSWORD, ip_address=client_ip(self.request)
                )
                if lock is not None:  # say so at once rather than "wrong password"
                    raise forms.ValidationError(locked_message(lock.factor, lock.locked_until), code="locked") from None
            raise

    def confirm_login_allowed(self, user):
        if user.frozen_at is not None:
            raise forms.ValidationError(
                self.error_messages["frozen"], code="frozen", params={"reason": user.frozen_reason}
            )
        super().confirm_login_allowed(user)
        factor_success_record(user=user, factor=FactorLock.Factor.PASSWORD, ip_address=client_ip(self.request))


class RegistrationForm(forms.Form):
    full_name = forms.CharField(label=_("Real name"), max_length=100)
    id_number = forms.CharField(
        label=_("Resident ID number"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    email = forms.EmailField(label=_("Email"))
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password_again = forms.CharField(
        label=_("Password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class NewPasswordForm(CodeForm):
    password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") and cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class RecoveryChannelForm(forms.Form):
    channel = forms.ChoiceField(label=_("Send the code to"), widget=forms.RadioSelect)

    def __init__(self, *args, contacts: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = {OneTimeCode.Channel.EMAIL: _("Email %(contact)s"), OneTimeCode.Channel.SMS: _("Mobile %(contact)s")}
        self.fields["channel"].choices = [(key, labels[key] % {"contact": value}) for key, value in contacts.items()]
        self.fields["channel"].initial = next(iter(contacts))


class PasswordResetForm(forms.Form):
    email = forms.EmailField(label=_("Email"))


class PasswordResetConfirmForm(NewPasswordForm):
    email = forms.EmailField(label=_("Email"))
    field_order = ["email", "code", "password", "password_again"]


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
    code = forms.CharField(
        label=_("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )
