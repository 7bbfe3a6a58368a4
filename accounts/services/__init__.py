"""Account services by use case: registration and identity (`registration`), passwords,
recovery and sign-in (`passwords`), identity appeals (`appeals`), platform reviewers
(`reviewers`). Importers may use this package or the module."""

from __future__ import annotations

from accounts.services.appeals import (
    APPEAL_PHOTO_MAX_BYTES,
    APPEAL_PHOTO_TYPES,
    identity_appeal_reject,
    identity_appeal_submit,
    identity_appeal_uphold,
)
from accounts.services.passwords import (
    account_recovery_complete,
    account_recovery_start,
    password_authenticate,
    password_reset_complete,
    password_reset_start,
)
from accounts.services.registration import (
    ID_ENCRYPTION_PURPOSE,
    ID_HASH_PURPOSE,
    ID_NUMBER_ERRORS,
    IdentityFields,
    RegistrationConflict,
    identity_fields_for,
    normalise_mobile,
    password_validate,
    user_email_verify,
    user_for_id_number_hash,
    user_language_remember,
    user_register,
)
from accounts.services.reviewers import REVIEWER_GROUP, REVIEWER_PERMISSIONS, reviewer_group_ensure, reviewer_set

__all__ = [
    "APPEAL_PHOTO_MAX_BYTES",
    "APPEAL_PHOTO_TYPES",
    "ID_ENCRYPTION_PURPOSE",
    "ID_HASH_PURPOSE",
    "ID_NUMBER_ERRORS",
    "IdentityFields",
    "REVIEWER_GROUP",
    "REVIEWER_PERMISSIONS",
    "RegistrationConflict",
    "account_recovery_complete",
    "account_recovery_start",
    "identity_appeal_reject",
    "identity_appeal_submit",
    "identity_appeal_uphold",
    "identity_fields_for",
    "normalise_mobile",
    "password_authenticate",
    "password_reset_complete",
    "password_reset_start",
    "password_validate",
    "reviewer_group_ensure",
    "reviewer_set",
    "user_email_verify",
    "user_for_id_number_hash",
    "user_language_remember",
    "user_register",
]
