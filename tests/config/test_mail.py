"""Every mail goes through `config/mail.py`: queued after commit (sealed, retried, sent by
this process without a broker), then `mail_send`, which keeps subjects and attachment names
on one line: text a user typed with a line break can neither break the mail
(`BadHeaderError`, nobody is told) nor add headers."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import smtplib
import tempfile
from pathlib import Path

from django.core import mail
from django.core.mail.backends import locmem
from django.db import transaction

from accounts.codes import code_send
from accounts.models import OneTimeCode
from config.mail import mail_deliver, mail_header_text, mail_queue, mail_send
from tests.faults.test_redis_restart import RedisServer, publishing_to

ROOT = Path(__file__).resolve().parents[2]


def test_a_subject_with_line_breaks_is_sent_on_one_line():
    mail.outbox.clear()
    mail_send(
        subject="Contract\r\nBcc: victim@example.com\u2028x",
        body="Hello\nthere",
        to=["a@example.com"],
        attachments=[("name\r\nX-Evil: 1.pdf", b"%PDF-1.7", "application/pdf")],
    )

    (message,) = mail.outbox
    raw = message.message().as_string()
    assert message.subject == "Contract Bcc: victim@example.com x"
    assert "\nBcc:" not in raw and "\nX-Evil" not in raw
    assert message.recipients() == ["a@example.com"]
    assert message.body == "Hello\nthere"  # the body keeps its lines


def test_header_text_turns_control_characters_into_single_spaces():
    assert mail_header_text(" a\r\n\tb\x00c\x85d ") == "a b c d"
    assert mail_header_text(None) == ""


def test_header_text_drops_direction_overrides():
    # "Invoice \u202efdp.exe" would read "Invoice exe.pdf" in a mail client.
    assert mail_header_text("Invoice \u202efdp.exe\u2066") == "Invoice fdp.exe"


def test_no_module_sends_mail_any_other_way():
    senders = sorted(
        path.relative_to(ROOT).as_posix()
        for path in ROOT.rglob("*.py")
        if not {".venv", "tests", "bench", "var"} & set(path.relative_to(ROOT).parts)
        and any(
            re.search(pattern, path.read_text())
            for pattern in (
                "send_mail",
                "EmailMessage",
                "EmailMultiAlternatives",
                "send_mass_mail",
                "mail_admins",
                r"(?<!transaction\.)get_connection",  # a mail connection, not the database's
            )
        )
    )
    assert senders == ["config/mail.py"]


# --- the queue -------------------------------------------------------------------------


def test_queued_mail_goes_out_once_the_transaction_commits(db, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            mail_queue(subject="Kept", body="sent", to=["a@example.com"])
            assert mail.outbox == []  # not before the commit
        with contextlib.suppress(RuntimeError), transaction.atomic():
            mail_queue(subject="Rolled back", body="never sent", to=["b@example.com"])
            raise RuntimeError

    assert [(message.subject, message.to) for message in mail.outbox] == [("Kept", ["a@example.com"])]


def test_a_failing_mail_server_is_tried_again(db, monkeypatch, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    original = locmem.EmailBackend.send_messages
    attempts = []

    def refuse_once(self, messages):
        attempts.append(len(messages))
        if len(attempts) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return original(self, messages)

    monkeypatch.setattr(locmem.EmailBackend, "send_messages", refuse_once)
    with django_capture_on_commit_callbacks(execute=True):
        mail_queue(subject="Your code", body="123456", to=["a@example.com"])

    assert attempts == [1, 1]
    assert [message.body for message in mail.outbox] == ["123456"]


def test_the_broker_holds_no_one_time_code(world, monkeypatch, django_capture_on_commit_callbacks):
    """What a broker (or anyone reading it) holds is the sealed mail: not the code, not the
    address; the worker that takes it sends the code."""
    monkeypatch.delattr(mail_deliver, "apply_async")
    mail.outbox.clear()
    folder = Path(tempfile.mkdtemp(prefix="sealhub-redis-"))
    broker = RedisServer(folder, keeps_data=False)
    broker.start()
    try:
        with publishing_to(broker, "mail-test"), django_capture_on_commit_callbacks(execute=True):
            code_send(user=world.alice, purpose=OneTimeCode.Purpose.PASSWORD_RESET)
        [raw] = broker.client().lrange("mail-test", 0, -1)
    finally:
        broker.kill()
        shutil.rmtree(folder, ignore_errors=True)
    assert mail.outbox == []
    message = json.loads(raw)
    assert message["headers"]["task"] == "config.mail.mail_deliver"
    body = base64.b64decode(message["body"])
    [sealed], _kwargs, _embed = json.loads(body)

    mail_deliver.apply(args=[sealed])
    [sent] = mail.outbox
    code = re.search(r"\b(\d{6})\b", sent.body).group(1)
    assert sent.to == ["alice@alpha.example"]
    for secret in (code, "alice@alpha.example", sent.subject):
        assert secret.encode() not in raw and secret.encode() not in body


def test_without_a_broker_this_process_sends_the_mail(db, monkeypatch, django_capture_on_commit_callbacks, caplog):
    monkeypatch.delattr(mail_deliver, "apply_async")
    mail.outbox.clear()
    folder = Path(tempfile.mkdtemp(prefix="sealhub-redis-"))
    nowhere = RedisServer(folder, keeps_data=False)  # never started: nothing listens there
    try:
        with (
            publishing_to(nowhere, "nowhere"),
            caplog.at_level("WARNING", logger="config.celery"),
            django_capture_on_commit_callbacks(execute=True),
        ):
            mail_queue(subject="Your code", body="654321", to=["a@example.com"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    assert [(message.body, message.to) for message in mail.outbox] == [("654321", ["a@example.com"])]
    assert "could not queue config.mail.mail_deliver" in caplog.text and "running it here" in caplog.text
    assert "654321" not in caplog.text


def test_queued_mail_keeps_headers_on_one_line(db, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        mail_queue(subject="Invite\r\nBcc: victim@example.com", body="Hello", to=["a@example.com"])

    (message,) = mail.outbox
    assert message.subject == "Invite Bcc: victim@example.com"
    assert "\nBcc:" not in message.message().as_string()


def test_the_lower_apps_send_mail_only_through_the_queue():
    """Only the queue's task (and the envelope tasks, which are queued themselves) send at once."""
    direct = sorted(
        path.relative_to(ROOT).as_posix()
        for app in ("accounts", "config", "events", "seals", "tenants")
        for path in (ROOT / app).rglob("*.py")
        if "mail_send(" in path.read_text() and path != ROOT / "config" / "mail.py"
    )
    assert direct == []
