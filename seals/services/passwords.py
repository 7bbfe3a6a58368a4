"""The seal password: its rules, unlocking the seal's key with it (counted towards
lockouts), and changing it."""

from __future__ import annotations

import functools

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for
from accounts.lockout import WrongSecret, attempt_counted
from accounts.models import FactorLock, User
from config.crypto import server_master_key
from config.errors import ApplicationError
from config.row_locks import lock_row
from events.services import audit_event_record_in_company
from seals import keys
from seals.models import Seal

SEAL_PASSWORD_PROBLEMS = {
    "too_short": lambda: _("at least 8 characters"),
    "needs_letters_and_digits": lambda: _("letters and digits"),
    "too_repetitive": lambda: _("at least 4 different characters"),
    "too_common": lambda: _("a less common password (this one is on the lists attackers try first)"),
    "too_similar": lambda: _("no resemblance to your email address or name"),
}


@functools.cache
def _common_passwords() -> password_validation.CommonPasswordValidator:
    return password_validation.CommonPasswordValidator()  # reads its list of 20,000 once


def _seal_password_problems_for_user(password: str, user: User | None) -> list[str]:
    """Django's common-password list, and what the person's own details give away."""
    problems = []
    validators = [("too_common", _common_passwords())]
    if user is not None:
        similarity = password_validation.UserAttributeSimilarityValidator(user_attributes=("email", "full_name"))
        validators.append(("too_similar", similarity))
    for code, validator in validators:
        try:
            validator.validate(password, user)
        except ValidationError:
            problems.append(code)
    # Not compared with the sign-in password: the refusal would tell whoever holds a session
    # what that password is, one uncounted guess at a time.
    return problems


def seal_password_check(password: str, field: str = "seal_password", *, user: User | None = None) -> None:
    problems = keys.seal_password_problems(password) + _seal_password_problems_for_user(password, user)
    if problems:
        needs = "; ".join(SEAL_PASSWORD_PROBLEMS[problem]() for problem in problems)
        raise ApplicationError(
            _("The seal password is too weak. It needs: %(needs)s.") % {"needs": needs},
            "seal_password_weak",
            field=field,
        )


def key_context(application_id) -> bytes:
    return str(application_id).encode()


SM2_KEY_LABEL = b"sm2"


def seal_private_key_unlock(*, seal: Seal, user: User, seal_password: str, ip_address: str | None = None) -> bytes:
    """The data key if the seal password is right; wrong passwords count towards a
    15-minute lock of this seal for this user."""
    if seal.on_hardware_token:
        raise ApplicationError(
            _("This seal's key is on a hardware key (U-key): it has no seal password. Seal with the U-key."),
            "seal_on_hardware_key",
            status=409,
        )
    with attempt_counted(user=user, factor=FactorLock.Factor.SEAL_PASSWORD, scope=str(seal.pk), ip_address=ip_address):
        if seal.status != Seal.Status.ACTIVE or seal.encrypted_private_key is None:
            raise ApplicationError(_("This seal is not active."), "seal_inactive", status=409)
        try:
            return keys.unwrap_data_key(
                seal.protected_key,
                seal_password,
                context=key_context(seal.application_id or seal.pk),
                master_key=server_master_key(),
            )
        except keys.WrongSealPassword:
            raise WrongSecret(
                _("The seal password is not correct."), "seal_password_wrong", field="seal_password"
            ) from None


def seal_password_change(
    *, seal: Seal, user: User, old_password: str, new_password: str, ip_address: str | None = None
) -> Seal:
    authority_check_for(acting_user=user, company=seal.company, action=Action.SEAL_MANAGE)
    seal_password_check(new_password, field="new_password", user=user)
    seal_private_key_unlock(seal=seal, user=user, seal_password=old_password, ip_address=ip_address)
    context = key_context(seal.application_id or seal.pk)
    with transaction.atomic():
        seal = lock_row(Seal, pk=seal.pk)
        seal.set_protected_key(
            keys.rewrap(seal.protected_key, old_password, new_password, context=context, master_key=server_master_key())
        )
        seal.save(update_fields=["wrapped_data_key", "kdf_salt", "kdf_n", "kdf_r", "kdf_p"])
        audit_event_record_in_company(
            seal.company, acting_user=user, action="seal.password_changed", target=seal, data={"code": seal.code}
        )
    return seal
