"""Text from outside (certificate fields, file names, party and member names, envelope
names, user agents, reasons) lands in the report and certificate PDFs as the characters it
is: reportlab never reads it as markup, so it cannot fetch a URL, read a local file, or
make the PDF fail to build."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from pypdf import PdfReader

from documents.pdf.report import completion_certificate_pdf, report_text, verification_report_pdf
from tests.loopback import loopback, one_pixel_png  # noqa: F401  (loopback is a fixture)

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
SIGNATURE_FIELDS = (
    "signer",
    "organisation",
    "uscc",
    "seal_code",
    "issuer",
    "serial",
    "valid_from",
    "valid_until",
    "timestamp_time",
    "timestamp_authority",
    "signing_time",
    "algorithm",
    "intact",
    "trusted",
    "revoked",
    "covers_whole_file",
    "modification_level",
)


@pytest.fixture
def payloads(loopback, tmp_path):  # noqa: F811
    picture = tmp_path / "stolen.png"
    picture.write_bytes(one_pixel_png())
    return [
        f'<img src="{loopback.url("/img")}" width="1" height="1"/>',
        f'<img src="{picture}" width="1" height="1"/>',
        f'<a href="{loopback.url("/link")}">click</a>',
        f'<link href="{loopback.url("/link")}">x</link>',
        '<font name="Courier" color="red">font</font>',
        "<b>unbalanced",
        "&bogus; &#99999999; </para>",
        '<img src="file:///etc/passwd"/>',
    ]


def _text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def _images_in(pdf: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(pdf)).pages)


def _shown(literal: str, text: str) -> bool:
    return "".join(literal.split()) in text


def test_every_report_field_shows_markup_as_text_and_fetches_nothing(payloads, loopback):  # noqa: F811
    cycle = itertools.cycle(payloads)
    signatures = [
        {
            "verdict": "invalid",
            "reason_messages": [next(cycle), next(cycle)],
            **{key: next(cycle) for key in SIGNATURE_FIELDS},
        }
        for _ in range(2)
    ]
    report = {
        "name": next(cycle),
        "sha256": next(cycle),
        "size": next(cycle),
        "verdict": "invalid",
        "reason_messages": list(payloads),
        "signatures": signatures,
    }

    pdf = verification_report_pdf(report, generated_at=NOW)

    text = _text_of(pdf)
    for payload in payloads:
        assert _shown(payload, text), payload
    assert _images_in(pdf) == 0
    assert loopback.requests == []


def test_every_certificate_field_shows_markup_as_text_and_fetches_nothing(payloads, loopback):  # noqa: F811
    cycle = itertools.cycle(payloads)
    certificate = {
        "name": next(cycle),
        "id": next(cycle),
        "owner": next(cycle),
        "sent_at": NOW,
        "completed_at": NOW,
        "original_sha256": next(cycle),
        "final_sha256": next(cycle),
        "chain_intact": True,
        "parties": [
            {
                "order": next(cycle),
                "name": next(cycle),
                "role": next(cycle),
                "email": next(cycle),
                "status": next(cycle),
                "acted_at": next(cycle),
            }
            for _ in payloads
        ],
        "events": [
            {
                "sequence": next(cycle),
                "occurred_at": next(cycle),
                "action": next(cycle),
                "actor": next(cycle),
                "ip": next(cycle),
                "user_agent": payload,
                "hash": next(cycle),
            }
            for payload in payloads
        ],
    }

    pdf = completion_certificate_pdf(certificate)

    text = _text_of(pdf)
    for payload in payloads:
        assert _shown(payload[:16], text), payload  # hashes are cut to 16 characters
    assert _shown(payloads[0], text)
    assert _images_in(pdf) == 0
    assert loopback.requests == []


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\x00b\x1bc\x7fd", "a b c d"),  # control characters
        ("line\r\nbreak\tand tab", "line  break and tab"),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ("right\u202eto left", "rightto left"),  # a bidi override would disguise the text after it
        ("a & b < c > d", "a &amp; b &lt; c &gt; d"),
        (None, ""),
    ],
)
def test_report_text_escapes_markup_and_neutralises_control_characters(raw, shown):
    assert report_text(raw) == shown


def test_odd_characters_still_give_a_pdf():
    odd = "名字 \x00\x01 \ud800 😀 \u202e \r\n end"
    pdf = completion_certificate_pdf(
        {
            "name": odd,
            "id": odd,
            "owner": odd,
            "sent_at": None,
            "completed_at": None,
            "original_sha256": "",
            "final_sha256": "",
            "chain_intact": False,
            "parties": [{"order": 1, "name": odd, "role": odd, "email": odd, "status": odd, "acted_at": None}],
            "events": [
                {
                    "sequence": 1,
                    "occurred_at": NOW,
                    "action": odd,
                    "actor": odd,
                    "ip": None,
                    "user_agent": odd,
                    "hash": "0" * 64,
                }
            ],
        }
    )
    assert "名字" in _text_of(pdf) and "end" in _text_of(pdf)


def test_an_image_tag_in_a_signer_name_is_not_fetched(loopback):  # noqa: F811
    tag = f'<img src="{loopback.url("/signer")}" width="1" height="1"/>'
    report = {
        "name": "a.pdf",
        "sha256": "0" * 64,
        "size": 1,
        "verdict": "valid",
        "reason_messages": [],
        "signatures": [{"verdict": "valid", "reason_messages": [], "signer": tag}],
    }

    pdf = verification_report_pdf(report, generated_at=NOW)

    assert loopback.requests == []
    assert _shown(tag, _text_of(pdf)) and _images_in(pdf) == 0


def test_paragraphs_are_made_in_one_place_only():
    """Every reportlab Paragraph is built by `report._para` (escaped values in fixed
    markup); no other module parses reportlab markup."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    users = [
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if not {".venv", "tests", "bench", "var"} & set(path.relative_to(root).parts)
        and ("reportlab.platypus" in path.read_text() or "Paragraph(" in path.read_text())
    ]
    assert users == ["documents/pdf/report.py"]
    assert (root / "documents/pdf/report.py").read_text().count("Paragraph(") == 1
