"""Mail to an account's owner when its password or second factors change, so that a change
they did not make does not go unnoticed. It goes to the address on file before the change,
in the owner's language, and carries no secret (no code, no password, no link)."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from config.local_time import local_time_text
from config.mail import mail_queue


class Change:
    PASSWORD = "password"  # noqa: S105 (the name of a change, not a secret)
    AUTHENTICATOR_ADDED = "authenticator_added"
    AUTHENTICATOR_REPLACED = "authenticator_replaced"
    RECOVERY_CODES = "recovery_codes"


SUBJECTS = {
    Change.PASSWORD: lambda: _("Your Sealhub password was changed"),
    Change.AUTHENTICATOR_ADDED: lambda: _("Two-factor sign-in was turned on for your Sealhub account"),
    Change.AUTHENTICATOR_REPLACED: lambda: _("A new authenticator app was set up for your Sealhub account"),
    Change.RECOVERY_CODES: lambda: _("New Sealhub recovery codes"),
}

WHAT = {
    Change.PASSWORD: lambda: _("The password of your Sealhub account %(email)s was changed"),
    Change.AUTHENTICATOR_ADDED: lambda: _("An authenticator app was set up for your Sealhub account %(email)s"),
    Change.AUTHENTICATOR_REPLACED: lambda: _(
        "The authenticator app of your Sealhub account %(email)s was replaced; the old one no longer works"
    ),
    Change.RECOVERY_CODES: lambda: _(
        "New recovery codes were made for your Sealhub account %(email)s; the old ones no longer work"
    ),
}


def _language_of(user: User) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return user.language if user.language in known else settings.LANGUAGE_CODE


def account_change_notify(*, user: User, change: str, ip_address: str | None = None, to: str | None = None) -> None:
    """Queue the notice for after the commit. `to` is the address before the change when
    the change is of the address itself; otherwise the one on file."""
    address = to or user.email
    with translation.override(_language_of(user)):
        when = local_time_text(timezone.now())
        subject = SUBJECTS[change]()
        body = "\n\n".join(
            [
                _("%(what)s on %(when)s (from the address %(ip)s).")
                % {
                    "what": WHAT[change]() % {"email": user.email},
                    "when": when,
                    "ip": ip_address or _("unknown"),
                },
                _(
                    "If this was you, there is nothing to do. If this was not you, reset your password now, "
                    "sign in with your authenticator app or a recovery code, and tell a platform reviewer."
                ),
            ]
        )
    mail_queue(subject=subject, body=body, to=[address])
