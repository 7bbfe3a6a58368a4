"""One time zone for people: pages and mails show times in settings.TIME_ZONE
(Asia/Shanghai) and say so, never the UTC a database or worker holds."""

from __future__ import annotations

from datetime import datetime

from django.utils import formats, timezone
from django.utils.translation import gettext as _


def local_time_text(value: datetime | None) -> str:
    """'2027-01-05 00:21 (Beijing time, UTC+8)' in the active language; '—' for none."""
    if value is None:
        return "—"
    shown = formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    return _("%(time)s (Beijing time, UTC+8)") % {"time": shown}
