"""Registering an account: the resident ID number, the mobile number, the password
rules, email verification and the language remembered for mail."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.codes import code_send, code_verify
from accounts.identity import MOBILE_PATTERN, InvalidIdNumber, id_number_clean, mask_email, mask_id_number, mask_mobile
from accounts.models import OneTimeCode, SecurityEvent, User
from config.crypto import encrypt, keyed_hash
from config.errors import ApplicationError

ID_HASH_PURPOSE = "resident-id-number"


ID_ENCRYPTION_PURPOSE = "resident-id-number-encryption"


ID_NUMBER_ERRORS = {
    "checksum": lambda: _("This ID number is not valid: its check digit does not match. Check each digit."),
    "birth_date": lambda: _("This ID number is not valid: the birth date in it does not exist."),
    "format": lambda: _("Enter the 18-character resident ID number (digits, the last may be X)."),
}


@dataclass(frozen=True)
class IdentityFields:
    number_hash: str
    encrypted: bytes
    masked: str


def identity_fields_for(raw_id_number: str) -> IdentityFields:
    try:
        number = id_number_clean(raw_id_number)
    except InvalidIdNumber as error:
        raise ApplicationError(ID_NUMBER_ERRORS[str(error)](), "id_number_invalid", field="id_number") from error
    return IdentityFields(
        number_hash=keyed_hash(number, purpose=ID_HASH_PURPOSE),
        encrypted=encrypt(number.encode(), purpose=ID_ENCRYPTION_PURPOSE),
        masked=mask_id_number(number),
    )


class RegistrationConflict(ApplicationError):
    """The ID number, email or mobile belongs to an existing account. Carries only what
    may be shown: which field, and the masked contacts of that account for recovery."""

    def __init__(self, message: str, code: str, *, field: str, existing_user: User):
        super().__init__(message, code, status=409, field=field)
        self.existing_user = existing_user

    @property
    def masked_contacts(self) -> dict[str, str]:
        contacts = {"email": mask_email(self.existing_user.email)}
        if self.existing_user.mobile:
            contacts["sms"] = mask_mobile(self.existing_user.mobile)
        return contacts


def normalise_mobile(mobile: str) -> str | None:
    mobile = (mobile or "").strip().replace(" ", "").removeprefix("+86")
    if not mobile:
        return None
    if not MOBILE_PATTERN.match(mobile):
        raise ApplicationError(_("Enter an 11-digit mainland China mobile number."), "mobile_invalid", field="mobile")
    return mobile


def user_register(
    *, email: str, password: str, full_name: str, mobile: str, id_number: str, ip_address: str | None = None
) -> User:
    email = email.strip().lower()
    mobile = normalise_mobile(mobile)
    identity = identity_fields_for(id_number)
    conflict = User.objects.filter(id_number_hash=identity.number_hash).first()
    if conflict is not None:
        raise RegistrationConflict(
            _("This ID number is already registered to an account."),
            "id_number_taken",
            field="id_number",
            existing_user=conflict,
        )
    conflict = User.objects.filter(email=email).first()
    if conflict is not None:
        raise RegistrationConflict(
            _("This email address is already registered."), "email_taken", field="email", existing_user=conflict
        )
    conflict = User.objects.filter(mobile=mobile).first() if mobile else None
    if conflict is not None:
        raise RegistrationConflict(
            _("This mobile number is already registered."), "mobile_taken", field="mobile", existing_user=conflict
        )
    candidate = User(email=email, full_name=full_name.strip(), mobile=mobile)
    password_validate(candidate, password)
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                password,
                full_name=candidate.full_name,
                mobile=mobile,
                id_number_hash=identity.number_hash,
                id_number_encrypted=identity.encrypted,
                id_number_masked=identity.masked,
                language=translation.get_language() or "",
            )
            SecurityEvent.objects.create(user=user, action="account.registered", ip_address=ip_address)
            code_send(user=user, purpose=OneTimeCode.Purpose.EMAIL_VERIFY)
    except IntegrityError as error:  # a concurrent registration won the race
        raise ApplicationError(
            _("This identity was registered a moment ago. Try signing in or recovering the account."),
            "registration_race",
        ) from error
    return user


def user_language_remember(*, user: User, language: str) -> None:
    """The language the person signs in with; mail about their account goes out in it."""
    if language and language != user.language:
        User.objects.filter(pk=user.pk).update(language=language)
        user.language = language


def user_email_verify(*, user: User, code: str, ip_address: str | None = None) -> User:
    code_verify(user=user, purpose=OneTimeCode.Purpose.EMAIL_VERIFY, code=code, ip_address=ip_address)
    user.email_verified_at = timezone.now()
    user.save(update_fields=["email_verified_at"])
    SecurityEvent.objects.create(user=user, action="account.email_verified", ip_address=ip_address)
    return user


def user_for_id_number_hash(id_number_hash: str) -> User | None:
    return User.objects.filter(id_number_hash=id_number_hash, frozen_at__isnull=True).first()


def password_validate(user: User, password: str) -> None:
    try:
        validate_password(password, user=user)
    except ValidationError as error:
        raise ApplicationError(" ".join(error.messages), "password_weak", field="password") from error
