"""The one way Sealhub sends mail.

Code that wants a mail sent calls `mail_queue`: after the transaction commits, the mail is
queued for a worker, which retries with backoff while the mail server fails; when the
broker cannot be reached, this process sends it instead (`config/celery.py`,
`on_commit_enqueue`). `mail_send` is the synchronous sender the tasks call.

Subjects and attachment names are often built from text users typed (an envelope, company
or party name); a line break there would make Django refuse the whole message
(`BadHeaderError`), so the recipient never hears of it.
"""

from __future__ import annotations

import base64
import json
import unicodedata
from collections.abc import Iterable

from django.core.mail import EmailMessage
from django.utils import translation

from config.celery import app, on_commit_enqueue
from config.crypto import decrypt, encrypt

# Mail bodies carry one-time codes, sign links and invitation tokens. The queued task
# carries the whole mail sealed under a key derived from MASTER_KEY (AES-GCM,
# config/crypto.py), not a database row id: the broker and worker logs then hold only
# ciphertext, retries need no extra table, and nothing is left to clean up once sent.
MAIL_PURPOSE = "queued-mail"
# smtplib's errors and refused connections are OSErrors: retried with growing delays
# (30 s doubling up to an hour), about a day in all.
MAIL_RETRY = {"autoretry_for": (OSError,), "retry_backoff": 30, "retry_backoff_max": 3600, "max_retries": 8}

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


def mail_bilingual(render) -> tuple[str, str]:
    """Subject and body in Chinese, then English, for a recipient who is no user with a
    language of their own (a person invited by email, an appellant): `render()` gives
    (subject, body) and is called with each language active."""
    parts = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            parts.append(render())
    (subject_zh, body_zh), (subject_en, body_en) = parts
    subject = subject_zh if subject_zh == subject_en else f"{subject_zh} / {subject_en}"
    return subject, f"{body_zh}\n\n————————\n\n{body_en}"


def mail_seal(*, subject: str, body: str, to: Iterable[str], attachments: Iterable[tuple[str, bytes, str]] = ()) -> str:
    """The mail as the text a queued task carries: encrypted, so no code or link in it can
    be read from the broker or a log."""
    payload = {
        "subject": subject,
        "body": body,
        "to": list(to),
        "attachments": [
            [name, base64.b64encode(data).decode("ascii"), content_type] for name, data, content_type in attachments
        ],
    }
    return encrypt(json.dumps(payload).encode(), purpose=MAIL_PURPOSE).hex()


def mail_open(sealed: str) -> dict:
    payload = json.loads(decrypt(bytes.fromhex(sealed), purpose=MAIL_PURPOSE))
    payload["attachments"] = [
        (name, base64.b64decode(data), content_type) for name, data, content_type in payload["attachments"]
    ]
    return payload


@app.task(**MAIL_RETRY, run_here_without_broker=True)
def mail_deliver(sealed: str) -> int:
    """Sends one queued mail; a mail server that fails is tried again later."""
    return mail_send(**mail_open(sealed))


def mail_queue(
    *,
    subject: str,
    body: str,
    to: Iterable[str],
    attachments: Iterable[tuple[str, bytes, str]] = (),
) -> None:
    """Send after the current transaction commits (at once outside one): a rolled-back
    request leaves no code in anyone's inbox, and a slow mail server holds up no request."""
    recipients = list(to)
    if recipients:
        on_commit_enqueue(mail_deliver, mail_seal(subject=subject, body=body, to=recipients, attachments=attachments))
