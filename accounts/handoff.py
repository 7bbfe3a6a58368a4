"""Carrying a signed-in person from the platform host to a company host. Every host keeps
its own session cookie, so one company's pages never see another's; the platform hands
the person over with a signed token that is bound to one company, lasts a minute and
works once. A second factor proven on the platform counts on the company host too. The
person confirms on the company host (a POST): a link alone never signs a browser in, so
nobody can slip their own session into someone else's browser. The token lives only as long
as the platform session that asked for it: signing out there ends it."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from importlib import import_module

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django_otp.models import Device
from redis.exceptions import RedisError

from accounts import two_factor
from accounts.models import User
from accounts.selectors import membership_get
from config import crypto
from config.errors import ApplicationError

HANDOFF_SALT = "sealhub.accounts.host-handoff"
HANDOFF_MAX_AGE_SECONDS = 60
HANDOFF_SESSION_PURPOSE = "sealhub.accounts.host-handoff.session"


@dataclass(frozen=True)
class Handoff:
    user: User
    device: object | None  # the django-otp device that verified the platform session
    message: str
    # The platform session that handed over, sealed: signing out here ends it too.
    platform_session: str = ""


def host_handoff_token(*, user: User, device, company, session_key: str, message: str = "") -> str:
    """`session_key` is the platform session of `user` that hands over."""
    payload = {
        "user": str(user.pk),
        "company": str(company.pk),
        # A password change in the meantime ends every session; it ends this token too.
        "auth": _auth_fingerprint(user),
        # Encrypted: the token is signed, not secret, and must not carry the platform session.
        "session": base64.urlsafe_b64encode(
            crypto.encrypt(session_key.encode(), purpose=HANDOFF_SESSION_PURPOSE)
        ).decode(),
        "device": device.persistent_id if device is not None else "",
        "message": message[:300],
        "once": secrets.token_urlsafe(16),
    }
    return signing.dumps(payload, salt=HANDOFF_SALT, compress=True)


def _auth_fingerprint(user: User) -> str:
    # The token is signed, not encrypted: carry a keyed digest of the session hash, not the hash.
    return salted_hmac(HANDOFF_SALT, user.get_session_auth_hash(), algorithm="sha256").hexdigest()[:32]


def _platform_session_alive(sealed_session_key: str, user: User) -> bool:
    """The issuing platform session still exists (not signed out, not expired) and is still
    `user`'s with the current password."""
    try:
        session_key = crypto.decrypt(
            base64.urlsafe_b64decode(sealed_session_key.encode()), purpose=HANDOFF_SESSION_PURPOSE
        ).decode()
    except (ValueError, InvalidTag):
        return False
    if not session_key:
        return False
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).load()
    return str(session.get(SESSION_KEY, "")) == str(user.pk) and constant_time_compare(
        session.get(HASH_SESSION_KEY, ""), user.get_session_auth_hash()
    )


def _invalid() -> ApplicationError:
    return ApplicationError(
        _("This sign-in link has expired or was already used. Please sign in."), "handoff_invalid", status=400
    )


def host_handoff_redeem(*, token: str, company) -> Handoff:
    """The person the token hands over to `company`, once; or ApplicationError."""
    handoff, once = _handoff_read(token, company)
    try:
        first_use = cache.add(f"host-handoff:{once}", True, HANDOFF_MAX_AGE_SECONDS * 2)
    except RedisError as error:  # cannot tell a replay from a first use: refuse, sign in instead
        raise _invalid() from error
    if not first_use:
        raise _invalid()
    return handoff


def host_handoff_read(*, token: str, company) -> Handoff:
    """What the token would do, without using it up (for the page that asks to continue)."""
    return _handoff_read(token, company)[0]


def _handoff_read(token: str, company) -> tuple[Handoff, str]:
    try:
        payload = signing.loads(token, salt=HANDOFF_SALT, max_age=HANDOFF_MAX_AGE_SECONDS)
    except signing.BadSignature as error:  # also an expired one
        raise _invalid() from error
    if payload.get("company") != str(company.pk):
        raise _invalid()
    user = User.objects.filter(pk=payload.get("user"), is_active=True).first()
    if user is None or not constant_time_compare(payload.get("auth", ""), _auth_fingerprint(user)):
        raise _invalid()
    if not _platform_session_alive(payload.get("session", ""), user):
        raise _invalid()
    if membership_get(user=user, company=company) is None:
        raise _invalid()
    device = None
    if two_factor.two_factor_enabled(user):
        device = Device.from_persistent_id(payload.get("device") or "", for_verify=False)
        if device is None or device.user_id != user.pk or not device.confirmed:
            raise _invalid()
    handoff = Handoff(user=user, device=device, message=payload.get("message", ""), platform_session=payload["session"])
    return handoff, payload["once"]


def platform_session_end(*, sealed_session_key: str, user: User) -> None:
    """Sign `user` out of the platform session that handed them over to a company host
    (each host keeps its own session; one "sign out" should end both)."""
    if not sealed_session_key or not _platform_session_alive(sealed_session_key, user):
        return
    session_key = crypto.decrypt(
        base64.urlsafe_b64decode(sealed_session_key.encode()), purpose=HANDOFF_SESSION_PURPOSE
    ).decode()
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key).delete()
