"""The way a person chose to confirm with a one-time code (authenticator app or emailed
code) is kept in their session: "Email me a code" and any form error bring the page back
with that choice still made, so the code they were sent is not refused as an app code."""

from __future__ import annotations

from accounts.two_factor import two_factor_enabled

SESSION_KEY = "otp_method"
METHODS = ("authenticator", "email")


def otp_method_remember(request, method: str | None) -> None:
    if method in METHODS:
        request.session[SESSION_KEY] = method


def otp_method_initial(request) -> str:
    """The remembered choice, else the app for accounts that have one, else email."""
    remembered = request.session.get(SESSION_KEY)
    if remembered in METHODS:
        return remembered
    return "authenticator" if two_factor_enabled(request.user) else "email"
