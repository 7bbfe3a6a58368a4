"""Text messages through a pluggable backend (settings.SMS_BACKEND).

`console` writes the message to the log (local development: the log is the phone);
`outbox` puts it in Django's mail outbox addressed to <mobile>@sms.invalid (tests).
A production gateway is one more class with the same `send` method.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from config.mail import mail_queue

logger = logging.getLogger("sealhub.sms")


class ConsoleSmsBackend:
    def send(self, mobile: str, text: str) -> None:
        logger.info("SMS to %s: %s", mobile, text)


class OutboxSmsBackend:
    def send(self, mobile: str, text: str) -> None:
        mail_queue(subject="SMS", body=text, to=[f"{mobile}@sms.invalid"])


def sms_send(*, mobile: str, text: str) -> None:
    import_string(settings.SMS_BACKEND)().send(mobile, text)
