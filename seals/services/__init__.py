"""Seal services by use case: applications and their review (`applications`), the seal
password and unlocking the key (`passwords`), the national-format (SM2) seal (`national`),
status changes and who may use a seal (`lifecycle`), and what the seal pages show
(`display`). Importers may use this package or the module."""

from __future__ import annotations

from seals.services.applications import (
    ATTACHMENT_MAGIC,
    ATTACHMENT_MAX_BYTES,
    next_seal_code,
    seal_application_approve,
    seal_application_reject,
    seal_application_submit,
)
from seals.services.display import certificate_summary, seal_face
from seals.services.lifecycle import (
    ALLOWED_TRANSITIONS,
    assert_manages_seals,
    seal_authorisation_grant,
    seal_authorisation_revoke,
    seal_status_change,
)
from seals.services.national import (
    NATIONAL_SEAL_TYPE,
    national_person_certificate_issue,
    national_person_seal,
    national_seal_issue,
    seal_dual_signing_set,
    seal_national_summary,
    seal_sm2_key,
)
from seals.services.passwords import (
    SEAL_PASSWORD_PROBLEMS,
    SM2_KEY_LABEL,
    key_context,
    seal_password_change,
    seal_password_check,
    seal_private_key_unlock,
)

__all__ = [
    "national_person_certificate_issue",
    "national_person_seal",
    "ALLOWED_TRANSITIONS",
    "ATTACHMENT_MAGIC",
    "ATTACHMENT_MAX_BYTES",
    "NATIONAL_SEAL_TYPE",
    "SEAL_PASSWORD_PROBLEMS",
    "SM2_KEY_LABEL",
    "assert_manages_seals",
    "certificate_summary",
    "key_context",
    "national_seal_issue",
    "next_seal_code",
    "seal_application_approve",
    "seal_application_reject",
    "seal_application_submit",
    "seal_authorisation_grant",
    "seal_authorisation_revoke",
    "seal_dual_signing_set",
    "seal_face",
    "seal_national_summary",
    "seal_password_change",
    "seal_password_check",
    "seal_private_key_unlock",
    "seal_sm2_key",
    "seal_status_change",
]
