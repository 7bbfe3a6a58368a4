"""Second factor: enrolment of an authenticator app, recovery codes, email fallback,
and the check at sign-in with hard lockouts per factor."""

from __future__ import annotations

import base64
import io
import secrets
from urllib.parse import quote

import qrcode
import qrcode.image.svg
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.codes import code_send, code_verify
from accounts.lockout import WrongSecret, attempt_counted
from accounts.models import (
    AuthenticatorDevice,
    EmailCodeDevice,
    FactorLock,
    OneTimeCode,
    RecoveryCode,
    RecoveryCodeDevice,
    SecurityEvent,
    User,
    normalise_recovery_code,
)
from accounts.notifications import Change, account_change_notify
from config.crypto import encrypt, keyed_hash
from config.errors import ApplicationError

RECOVERY_CODE_COUNT = 10
ISSUER = "Sealhub"


class Method:
    AUTHENTICATOR = "authenticator"
    RECOVERY_CODE = "recovery_code"
    EMAIL = "email"


OTP_METHODS = [Method.AUTHENTICATOR, Method.RECOVERY_CODE, Method.EMAIL]  # API choices, in this order


METHOD_FACTORS = {
    Method.AUTHENTICATOR: FactorLock.Factor.OTP,
    Method.RECOVERY_CODE: FactorLock.Factor.RECOVERY_CODE,
}


def two_factor_enabled(user: User) -> bool:
    return AuthenticatorDevice.objects.filter(user=user, confirmed=True).exists()


def authenticator_enrolment_assert_allowed(*, user: User, ip_address: str | None = None) -> None:
    """A signed-in session proves only the password, which the mailbox can reset: a reviewer's
    first authenticator set up from it would let the mailbox alone open the admin. Reviewers
    have one before they become reviewers (`manage.py reviewer_grant` checks); from a session
    they may only replace it, after using it."""
    if user.is_staff and not two_factor_enabled(user):
        SecurityEvent.objects.create(
            user=user,
            action="authenticator.refused",
            data={"reason": "reviewer_without_authenticator"},
            ip_address=ip_address,
        )
        raise ApplicationError(
            _(
                "Platform reviewers cannot set up their first authenticator app here. End the reviewer role "
                "(manage.py reviewer_grant --revoke), set up the app, and have the role granted again."
            ),
            "reviewer_authenticator_missing",
            status=403,
        )


def authenticator_begin(*, user: User) -> AuthenticatorDevice:
    """A new, unconfirmed authenticator with a fresh secret, shown (as a QR code) until
    the user confirms a code from it."""
    AuthenticatorDevice.objects.filter(user=user, confirmed=False).delete()
    secret = secrets.token_bytes(20)
    device = AuthenticatorDevice.objects.create(
        user=user,
        name=_("Authenticator app"),
        confirmed=False,
        encrypted_key=encrypt(secret, purpose=AuthenticatorDevice.KEY_PURPOSE, associated_data=str(user.pk).encode()),
    )
    return device


def authenticator_secret_text(device: AuthenticatorDevice) -> str:
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def authenticator_provisioning_uri(device: AuthenticatorDevice) -> str:
    label = quote(f"{ISSUER}:{device.user.email}")
    return f"otpauth://totp/{label}?secret={authenticator_secret_text(device)}&issuer={ISSUER}&digits=6&period=30"


def qr_code_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


def authenticator_confirm(*, user: User, token: str, ip_address: str | None = None) -> list[str]:
    """Confirm the pending authenticator with a code from it; replaces any earlier one
    and returns a fresh set of recovery codes (shown once)."""
    device = AuthenticatorDevice.objects.filter(user=user, confirmed=False).order_by("-created_at").first()
    if device is None:
        raise ApplicationError(_("Start the set-up again: scan a new QR code."), "no_pending_device")
    with attempt_counted(user=user, factor=FactorLock.Factor.OTP, ip_address=ip_address):
        if not device.verify_token(token):
            raise WrongSecret(
                _("The code is not correct. Check the time on your phone and try again."), "otp_invalid", field="code"
            )
    with transaction.atomic():
        replaced, _deleted = AuthenticatorDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        SecurityEvent.objects.create(user=user, action="two_factor.enabled", ip_address=ip_address)
        change = Change.AUTHENTICATOR_REPLACED if replaced else Change.AUTHENTICATOR_ADDED
        account_change_notify(user=user, change=change, ip_address=ip_address)
        return _recovery_codes_replace(user=user, ip_address=ip_address)


@transaction.atomic
def recovery_codes_regenerate(*, user: User, ip_address: str | None = None) -> list[str]:
    codes = _recovery_codes_replace(user=user, ip_address=ip_address)
    account_change_notify(user=user, change=Change.RECOVERY_CODES, ip_address=ip_address)
    return codes


def _recovery_codes_replace(*, user: User, ip_address: str | None) -> list[str]:
    device, _created = RecoveryCodeDevice.objects.get_or_create(user=user, defaults={"name": "recovery"})
    device.codes.all().delete()
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(
            device=device, code_hash=keyed_hash(normalise_recovery_code(code), purpose=RecoveryCode.HASH_PURPOSE)
        )
        for code in codes
    )
    SecurityEvent.objects.create(user=user, action="recovery_codes.generated", ip_address=ip_address)
    return codes


def recovery_codes_remaining(user: User) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def email_code_assert_accepted(*, user: User, ip_address: str | None = None) -> None:
    """An emailed code proves only the mailbox, which a password reset also needs: it is
    no second factor for a reviewer, nor next to an authenticator app (recovery codes are
    the fallback there). Refusals are audited."""
    if user.is_staff:
        reason = "reviewer"
        message = _(
            "Platform reviewers confirm with their authenticator app (or a recovery code); "
            "emailed codes are not accepted."
        )
    elif two_factor_enabled(user):
        reason = "authenticator_enrolled"
        message = _(
            "This account has an authenticator app, so emailed codes are not accepted. Use a code from the app, "
            "or one of your recovery codes if you do not have your phone."
        )
    else:
        return
    SecurityEvent.objects.create(user=user, action="email_code.refused", data={"reason": reason}, ip_address=ip_address)
    raise ApplicationError(message, "email_code_not_accepted", status=403, field="method")


def second_factor_email_code_send(
    *, user: User, purpose: str = OneTimeCode.Purpose.LOGIN, ip_address: str | None = None
) -> None:
    """Mail a sign-in or seal-use code, unless it would be refused anyway."""
    email_code_assert_accepted(user=user, ip_address=ip_address)
    code_send(user=user, purpose=purpose)


def second_factor_verify(
    *, user: User, method: str, token: str, ip_address: str | None = None, purpose: str = OneTimeCode.Purpose.LOGIN
):
    """Return the device that accepted `token`, or raise ApplicationError. Wrong tries
    count towards the lockout of that factor; the email code counts in code_verify."""
    if method == Method.EMAIL:
        email_code_assert_accepted(user=user, ip_address=ip_address)
        device, _created = EmailCodeDevice.objects.get_or_create(user=user, defaults={"name": "email"})
        code_verify(user=user, purpose=purpose, code=token, ip_address=ip_address)
        return device
    factor = METHOD_FACTORS.get(method)
    if factor is None:
        raise ApplicationError(_("Choose how to confirm."), "method_invalid", field="method")
    model = AuthenticatorDevice if method == Method.AUTHENTICATOR else RecoveryCodeDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    with attempt_counted(user=user, factor=factor, ip_address=ip_address):
        if device is None or not device.verify_token(token):
            raise WrongSecret(_("The code is not correct."), "otp_invalid", field="code")
    return device
