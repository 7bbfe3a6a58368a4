"""What a person typed when registration found their ID number already registered, kept
for the appeal they may go on to (so the form does not ask for the ID number again). The
number stays in the session encrypted under the master key, never in clear."""

from __future__ import annotations

import base64

from config.crypto import decrypt, encrypt

PURPOSE = "identity-appeal-draft"


def appeal_draft_keep(conflict: dict, *, id_number: str, full_name: str, email: str, mobile: str) -> dict:
    """`conflict` (the session's record of the refused registration) with the draft added."""
    sealed = encrypt(id_number.strip().upper().encode(), purpose=PURPOSE)
    return {
        **conflict,
        "appeal": {
            "id_number": base64.b64encode(sealed).decode(),
            "full_name": full_name,
            "email": email,
            "mobile": mobile or "",
        },
    }


def appeal_draft(conflict: dict | None) -> dict | None:
    """The kept draft with the ID number readable again, or None."""
    draft = (conflict or {}).get("appeal")
    if not draft:
        return None
    try:
        number = decrypt(base64.b64decode(draft["id_number"]), purpose=PURPOSE).decode()
    except Exception:  # a session from before a key change: ask again
        return None
    return {**draft, "id_number": number}
