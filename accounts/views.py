from __future__ import annotations

import time
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login

from accounts import services, two_factor
from accounts.appeal_draft import appeal_draft, appeal_draft_keep
from accounts.codes import code_send
from accounts.forms import (
    CodeForm,
    EmailAuthenticationForm,
    IdentityAppealForm,
    NewPasswordForm,
    PasswordResetConfirmForm,
    PasswordResetForm,
    RecoveryChannelForm,
    RegistrationForm,
    SecondFactorForm,
)
from accounts.handoff import host_handoff_read, host_handoff_redeem, platform_session_end
from accounts.identity import mask_email, mask_id_number
from accounts.models import AuthenticatorDevice, IdentityAppeal, OneTimeCode, User
from config.client import client_address
from config.errors import ApplicationError
from config.links import platform_link

CONFLICT_SESSION_KEY = "registration_conflict"
AUTH_BACKEND = "django.contrib.auth.backends.AllowAllUsersModelBackend"


PENDING_LOGIN_SESSION_KEY = "pending_second_factor"
PENDING_LOGIN_SECONDS = 300


def _second_step_begin(request, user: User, next_url: str):
    """Password proven: a session exists only after the second factor, if the account has one."""
    request.session[PENDING_LOGIN_SESSION_KEY] = {
        "user_id": str(user.pk),
        "next": next_url,
        "until": time.time() + PENDING_LOGIN_SECONDS,
    }
    return redirect("accounts:login_verify")


def _sign_in_after_new_password(request, user: User, message: str):
    """A reset or recovery proves the mailbox (or phone) only: an account with an
    authenticator still goes through its second step."""
    if two_factor.two_factor_enabled(user):
        messages.success(request, message)
        messages.info(request, _("Now confirm with your authenticator app, or a recovery code, to sign in."))
        return _second_step_begin(request, user, reverse("home"))
    login(request, user, backend=AUTH_BACKEND)
    messages.success(request, message)
    return redirect("home")


class LoginView(auth_views.LoginView):
    """Password first; accounts with two-factor authentication continue to a second step
    before a session is created."""

    form_class = EmailAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Passwords are reset on the platform; a company host's sign-in links there.
        reset = reverse("accounts:password_reset")
        on_platform = getattr(self.request.tenant, "is_platform", True)
        return {
            **super().get_context_data(**kwargs),
            "password_reset_url": reset if on_platform else platform_link(reset),
        }

    def form_valid(self, form):
        user = form.get_user()
        services.user_language_remember(user=user, language=translation.get_language() or "")
        if not two_factor.two_factor_enabled(user):
            return super().form_valid(form)
        return _second_step_begin(self.request, user, self.get_success_url())


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_LOGIN_SESSION_KEY) or {}
    if not pending or pending["until"] < time.time():
        return None, {}
    return User.objects.filter(pk=pending["user_id"], is_active=True).first(), pending


@require_http_methods(["GET", "POST"])
def login_verify(request):
    user, pending = _pending_user(request)
    if user is None:
        messages.info(request, _("Please sign in again."))
        return redirect("accounts:login")
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and "send_email_code" in request.POST:
        try:
            two_factor.second_factor_email_code_send(user=user, ip_address=client_address(request))
            messages.info(request, _("We sent a code to %(email)s.") % {"email": mask_email(user.email)})
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("accounts:login_verify")
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.second_factor_verify(
                user=user,
                method=form.cleaned_data["method"],
                token=form.cleaned_data["code"],
                ip_address=client_address(request),
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            del request.session[PENDING_LOGIN_SESSION_KEY]
            login(request, user, backend=AUTH_BACKEND)
            otp_login(request, device)
            return redirect(pending["next"])
    return render(request, "accounts/login_verify.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def security(request):
    context = {
        "two_factor_enabled": two_factor.two_factor_enabled(request.user),
        "recovery_codes_remaining": two_factor.recovery_codes_remaining(request.user),
        "verified": request.user.is_verified(),
    }
    return render(request, "accounts/security.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def authenticator_setup(request):
    try:
        two_factor.authenticator_enrolment_assert_allowed(user=request.user, ip_address=client_address(request))
    except ApplicationError as error:
        return render(request, "errors/403.html", {"reason": error.message}, status=error.status)
    if two_factor.two_factor_enabled(request.user) and not request.user.is_verified():
        # Otherwise a session from a password alone could swap in the attacker's phone.
        messages.error(request, _("Sign in with your current second factor before replacing it."))
        return redirect("accounts:security")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = two_factor.authenticator_confirm(
                user=request.user, token=form.cleaned_data["code"], ip_address=client_address(request)
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            device = AuthenticatorDevice.objects.get(user=request.user, confirmed=True)
            otp_login(request, device)
            messages.success(request, _("Two-factor authentication is on."))
            # A reviewer set it up to reach the review pages: that is where they go on.
            reviewer = request.user.is_staff and request.tenant.is_platform
            continue_url = reverse("admin:index") if reviewer else reverse("accounts:security")
            return render(request, "accounts/recovery_codes.html", {"codes": codes, "continue_url": continue_url})
    # A wrong code keeps the secret the user already scanned; a fresh visit starts over.
    pending = AuthenticatorDevice.objects.filter(user=request.user, confirmed=False).order_by("-created_at").first()
    device = pending if request.method == "POST" and pending else two_factor.authenticator_begin(user=request.user)
    context = {
        "form": form,
        "qr_svg": two_factor.qr_code_svg(two_factor.authenticator_provisioning_uri(device)),
        "secret": two_factor.authenticator_secret_text(device),
    }
    return render(request, "accounts/authenticator_setup.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["POST"])
def recovery_codes_regenerate(request):
    if not request.user.is_verified():
        messages.error(request, _("Sign in with your second factor first."))
        return redirect("accounts:security")
    codes = two_factor.recovery_codes_regenerate(user=request.user, ip_address=client_address(request))
    return render(request, "accounts/recovery_codes.html", {"codes": codes})


PLATFORM_SESSION_KEY = "platform_session"
AFTER_REGISTRATION_KEY = "after_registration"


def _is_invitation_path(url: str) -> bool:
    """Only a path to an invitation on this host: never another site or another page."""
    return url_has_allowed_host_and_scheme(url, allowed_hosts=None) and url.startswith("/invitations/")


class LogoutView(auth_views.LogoutView):
    """On a company host reached from the platform, signing out ends the platform session
    it came from as well."""

    def post(self, request, *args, **kwargs):
        sealed = request.session.get(PLATFORM_SESSION_KEY, "")
        user = request.user
        response = super().post(request, *args, **kwargs)
        if sealed and user.is_authenticated:
            platform_session_end(sealed_session_key=sealed, user=user)
        return response


def _form_page(request, form, *, title, submit, intro="", status=None, extra=None):
    context = {"form": form, "title": title, "submit": submit, "intro": intro, **(extra or {})}
    return render(request, "accounts/form_page.html", context, status=status or (400 if form.errors else 200))


@require_http_methods(["GET", "POST"])
def register(request):
    # Arrived from an invitation link: after registering (and confirming the address) the
    # person goes back to the invitation instead of losing it.
    if (next_url := request.GET.get("next", "")) and _is_invitation_path(next_url):
        request.session[AFTER_REGISTRATION_KEY] = next_url
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                email=data["email"],
                password=data["password"],
                full_name=data["full_name"],
                mobile=data["mobile"],
                id_number=data["id_number"],
                ip_address=client_address(request),
            )
        except services.RegistrationConflict as conflict:
            record = {
                "user_id": str(conflict.existing_user.pk),
                "code": conflict.code,
                "contacts": conflict.masked_contacts,
            }
            if conflict.code == "id_number_taken":
                record = appeal_draft_keep(
                    record,
                    id_number=data["id_number"],
                    full_name=data["full_name"],
                    email=data["email"],
                    mobile=data["mobile"],
                )
            request.session[CONFLICT_SESSION_KEY] = record
            return redirect("accounts:register_conflict")
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            login(request, user, backend=AUTH_BACKEND)
            messages.success(request, _("Welcome! We sent a code to your email to confirm the address."))
            return redirect("accounts:email_verify")
    return _form_page(
        request,
        form,
        title=_("Create your account"),
        submit=_("Register"),
        intro=_("Your ID number is stored encrypted and only ever shown masked."),
    )


def _conflict(request) -> dict | None:
    return request.session.get(CONFLICT_SESSION_KEY)


def register_conflict(request):
    conflict = _conflict(request)
    if conflict is None:
        return redirect("accounts:register")
    return render(request, "accounts/register_conflict.html", {"conflict": conflict})


@require_http_methods(["GET", "POST"])
def account_recover(request):
    conflict = _conflict(request)
    if conflict is None:
        return redirect("accounts:register")
    user = get_object_or_404(User, pk=conflict["user_id"], frozen_at__isnull=True)
    form = RecoveryChannelForm(request.POST or None, contacts=conflict["contacts"])
    if request.method == "POST" and form.is_valid():
        try:
            services.account_recovery_start(
                user=user, channel=form.cleaned_data["channel"], ip_address=client_address(request)
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            conflict["channel"] = form.cleaned_data["channel"]
            request.session[CONFLICT_SESSION_KEY] = conflict
            return redirect("accounts:account_recover_confirm")
    return _form_page(
        request,
        form,
        title=_("Recover your account"),
        submit=_("Send code"),
        intro=_("We send a one-time code to the contact already on file for the account that holds this ID number."),
    )


@require_http_methods(["GET", "POST"])
def account_recover_confirm(request):
    conflict = _conflict(request)
    if conflict is None or "channel" not in conflict:
        return redirect("accounts:register")
    user = get_object_or_404(User, pk=conflict["user_id"], frozen_at__isnull=True)
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_recovery_complete(
                user=user,
                code=form.cleaned_data["code"],
                password=form.cleaned_data["password"],
                ip_address=client_address(request),
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            del request.session[CONFLICT_SESSION_KEY]
            message = _(
                "Your account is recovered and has a new password. From now on you sign in with "
                "%(email)s and the new password."
            ) % {"email": user.email}
            return _sign_in_after_new_password(request, user, message)
    contact = conflict["contacts"][conflict["channel"]]
    return _form_page(
        request,
        form,
        title=_("Enter the code"),
        submit=_("Set new password"),
        intro=_("We sent a 6-digit code to %(contact)s. It is valid for 10 minutes.") % {"contact": contact},
    )


@require_http_methods(["GET", "POST"])
def identity_appeal_create(request):
    draft = appeal_draft(_conflict(request))
    initial = {key: draft[key] for key in ("full_name", "email", "mobile")} if draft else None
    form = IdentityAppealForm(request.POST or None, request.FILES or None, initial=initial)
    if draft:
        # The number they just typed into the registration form: not asked for twice.
        del form.fields["id_number"]
    if request.method == "POST" and form.is_valid():
        data = {**form.cleaned_data, "id_number": draft["id_number"]} if draft else form.cleaned_data
        try:
            appeal = services.identity_appeal_submit(**data, ip_address=client_address(request))
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            request.session.pop(CONFLICT_SESSION_KEY, None)
            return redirect("accounts:identity_appeal_detail", appeal_id=appeal.pk)
    return _form_page(
        request,
        form,
        title=_("Appeal: this ID number is mine"),
        submit=_("Submit appeal"),
        intro=_(
            "If someone registered with your ID number, a platform reviewer checks your appeal. If it is upheld, "
            "that account is frozen and you can register. We answer by email."
        )
        + (
            " "
            + _("The appeal is for the ID number you entered when registering (%(masked)s).")
            % {"masked": mask_id_number(draft["id_number"])}
            if draft
            else ""
        ),
        extra={"multipart": True},
    )


def identity_appeal_detail(request, appeal_id):
    # The id is an unguessable UUID shown only to the appellant (and mailed to them).
    appeal = get_object_or_404(IdentityAppeal, pk=appeal_id)
    return render(request, "accounts/identity_appeal_detail.html", {"appeal": appeal})


@login_required
@require_http_methods(["GET", "POST"])
def email_verify(request):
    if request.user.email_verified_at is not None:
        return redirect("home")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and "resend" in request.POST:
        try:
            code_send(user=request.user, purpose=OneTimeCode.Purpose.EMAIL_VERIFY)
            messages.info(request, _("A new code is on its way."))
        except ApplicationError as error:
            messages.error(request, error.message)
        return redirect("accounts:email_verify")
    if request.method == "POST" and form.is_valid():
        try:
            services.user_email_verify(
                user=request.user, code=form.cleaned_data["code"], ip_address=client_address(request)
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Your email address is confirmed."))
            return redirect(request.session.pop(AFTER_REGISTRATION_KEY, "") or "home")
    return _form_page(
        request,
        form,
        title=_("Confirm your email"),
        submit=_("Confirm"),
        intro=_("Enter the 6-digit code we sent to %(email)s.") % {"email": request.user.email},
        extra={"resend": True},
    )


@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = PasswordResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = form.cleaned_data["contact"]
        services.password_reset_start(contact=contact, ip_address=client_address(request))
        messages.info(request, _("If this email or mobile number has an account, a code is on its way."))
        return redirect(f"{reverse('accounts:password_reset_confirm')}?{urlencode({'contact': contact})}")
    return _form_page(request, form, title=_("Reset your password"), submit=_("Send code"))


@require_http_methods(["GET", "POST"])
def password_reset_confirm(request):
    form = PasswordResetConfirmForm(request.POST or None, initial={"contact": request.GET.get("contact", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.password_reset_complete(
                contact=data["contact"],
                code=data["code"],
                password=data["password"],
                ip_address=client_address(request),
            )
        except ApplicationError as error:
            error.add_to_form(form)
        else:
            return _sign_in_after_new_password(request, user, _("Your password has been changed."))
    return _form_page(request, form, title=_("Choose a new password"), submit=_("Set new password"))


@require_http_methods(["GET", "POST"])
def host_handoff(request):
    """Company host: the platform sends a signed-in person here with a one-use token; they
    confirm which account continues, then are signed in here too."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.is_platform:
        return render(request, "errors/404.html", status=404)
    token = request.POST.get("token") or request.GET.get("token", "")
    try:
        if request.method == "GET":
            handoff = host_handoff_read(token=token, company=tenant)
            if request.user.is_authenticated and request.user.pk == handoff.user.pk:
                if handoff.message:
                    messages.success(request, handoff.message)
                return redirect("/")  # signed in here already
            context = {"company": tenant, "email": handoff.user.email, "token": token}
            return render(request, "accounts/handoff.html", context)
        handoff = host_handoff_redeem(token=token, company=tenant)
    except ApplicationError as error:
        messages.info(request, error.message)
        return redirect(f"{reverse('accounts:login')}?next=/")
    login(request, handoff.user, backend=AUTH_BACKEND)
    request.session[PLATFORM_SESSION_KEY] = handoff.platform_session
    if handoff.device is not None:
        otp_login(request, handoff.device)
    if handoff.message:
        messages.success(request, handoff.message)
    return redirect("/")
