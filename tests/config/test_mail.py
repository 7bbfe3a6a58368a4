"""Every mail goes through `config.mail.mail_send`, which keeps subjects and attachment
names on one line: text a user typed with a line break can neither break the mail
(`BadHeaderError`, nobody is told) nor add headers."""

from __future__ import annotations

from pathlib import Path

from django.core import mail

from config.mail import mail_header_text, mail_send

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
            name in path.read_text()
            for name in (
                "send_mail",
                "EmailMessage",
                "EmailMultiAlternatives",
                "send_mass_mail",
                "mail_admins",
                "get_connection",
            )
        )
    )
    assert senders == ["config/mail.py"]
