"""The one way Sealhub sends mail. Subjects and attachment names are often built from text
users typed (an envelope, company or party name); a line break there would make Django
refuse the whole message (`BadHeaderError`), so the recipient never hears of it."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from django.core.mail import EmailMessage

# Direction overrides and isolates make a name display reversed ("txt.exe" shown for
# "exe.txt"): dropped from headers, refused in names people type.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def mail_header_text(value: object) -> str:
    """Text safe for one mail header line: line breaks and other control characters
    (including Unicode line and paragraph separators) become spaces; bidi controls go."""
    text = "" if value is None else str(value)
    return " ".join(
        "".join(
            " " if unicodedata.category(character) in ("Cc", "Zl", "Zp") else character
            for character in text
            if character not in BIDI_CONTROLS
        ).split()
    )


def mail_send(
    *,
    subject: str,
    body: str,
    to: Iterable[str],
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> int:
    message = EmailMessage(mail_header_text(subject), body, None, list(to))
    for name, data, content_type in attachments:
        message.attach(mail_header_text(name), data, content_type)
    return message.send()
