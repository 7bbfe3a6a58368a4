"""Secrets that travel in addresses never reach a log line.

A sign link (`/sign/<token>/…`), an invitation (`/invitations/<token>/`) and the platform's
hand-over to a company host (`?token=`) each let their holder act; request logs, Referer
headers in access logs and "Not Found: <path>" warnings would otherwise keep them. One filter,
installed on every handler and request logger (settings.LOGGING, config/gunicorn.conf.py),
rewrites the finished message, whatever its format. No Django imports: gunicorn's master
process loads this too.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[redacted]"

# Route prefixes whose next path segment is a secret (see config/urls_public.py).
SECRET_PATH_PREFIXES = ("sign", "invitations")
# Query parameters whose value is a secret.
SECRET_QUERY_NAMES = ("token",)

_SLASH = r"(?:/|%2F)"
# The prefix must start a path: at the start of the text, after a space, quote, "=" (a
# `next=` parameter) or a URL's host. `/members/invitations/<id>/` is not a sign link.
_PATH = re.compile(
    r"((?:^|(?<=[\s\"'=(,;])|[a-z][a-z0-9+.-]*://[^/\s\"']*)"
    + _SLASH
    + f"(?:{'|'.join(SECRET_PATH_PREFIXES)})"
    + _SLASH
    + r")[^/?#&\s\"'%]+",
    re.IGNORECASE | re.MULTILINE,
)
_QUERY = re.compile(
    r"((?:[?&;]|%3F|%26|^|(?<=[\s\"']))" + f"(?:{'|'.join(SECRET_QUERY_NAMES)})" + r"(?:=|%3D))[^&#\s\"']+",
    re.IGNORECASE | re.MULTILINE,
)


def redact_secrets(text: str) -> str:
    return _QUERY.sub(rf"\1{REDACTED}", _PATH.sub(rf"\1{REDACTED}", text))


class SecretRedactionFilter(logging.Filter):
    """Replaces the record's message by its redacted text (keeps everything else)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is the handler's to report
            return True
        redacted = redact_secrets(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
