"""The verification report as a PDF, in Chinese and English (reportlab)."""

from __future__ import annotations

import io
import unicodedata
from datetime import datetime
from typing import LiteralString
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.paragraph import cleanBlockQuotedText
from reportlab.platypus.paraparser import ParaParser

FONT = "STSong-Light"  # a standard CJK font every PDF viewer provides; nothing to embed
VERDICTS = {
    "valid": ("签名有效", "Signatures valid"),
    "invalid": ("无效", "Not valid"),
    "cannot_verify": ("无法验证", "Cannot be verified"),
    "no_signatures": ("没有签名", "No signatures"),
}


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip()
    if isinstance(value, bool):
        return "是 / yes" if value else "否 / no"
    return "" if value is None else str(value)


# Bidi overrides and isolates would make the text after them read differently from what it is.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def report_text(value) -> str:
    """Untrusted text (a certificate field, a file, party or member name, a user agent) as
    reportlab markup that shows exactly its characters: `&`, `<` and `>` escaped so it can
    never open a tag (an `<img>` would make reportlab fetch a URL or read a local file),
    control characters as spaces, lone surrogates (which the PDF font encoder rejects) as
    U+FFFD, bidi controls dropped."""
    shown = []
    for character in _text(value):
        if character in _BIDI_CONTROLS:
            continue
        category = unicodedata.category(character)
        shown.append(" " if category == "Cc" else "\ufffd" if category == "Cs" else character)
    return escape("".join(shown))


class _NoImageParser(ParaParser):
    """Report paragraphs never carry pictures by markup: reportlab would load an `<img>`
    from a path or URL while parsing. A picture, if ever needed, is a flowable made from
    bytes the code holds."""

    def start_img(self, attributes):
        raise ValueError("report paragraphs take no <img> markup")


def _para(template: LiteralString, style: ParagraphStyle, **values) -> Paragraph:
    """The only way this module makes a Paragraph: fixed markup written here, with every
    value passed through `report_text`."""
    markup = cleanBlockQuotedText(template.format(**{name: report_text(value) for name, value in values.items()}))
    parser = _NoImageParser(caseSensitive=1)
    style, frags, _bullet = parser.parse(markup, style)
    if frags is None:
        raise ValueError(f"report markup does not parse: {parser.errors[:1]}")
    return Paragraph(markup, style, frags=frags)


def _styles() -> tuple[ParagraphStyle, ParagraphStyle, ParagraphStyle]:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    body = ParagraphStyle("body", fontName=FONT, fontSize=9, leading=13)
    title = ParagraphStyle("title", parent=body, fontSize=16, leading=22)
    heading = ParagraphStyle("heading", parent=body, fontSize=12, leading=18, spaceBefore=8)
    return body, title, heading


def _grid(data: list, widths: list[float]) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.25, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _build(story: list, title: str) -> bytes:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, title=title, leftMargin=20 * mm, rightMargin=20 * mm).build(story)
    return buffer.getvalue()


def _timestamp_step_time(national: dict) -> str:
    """The time an OFD seal signature's timestamp proves (its step's detail), else its own."""
    for step in national.get("steps", []):
        if step.get("name") == "timestamp" and step.get("result") == "ok":
            return str(step.get("detail") or "")
    return str(national.get("signed_at") or "")


def verification_report_pdf(report: dict, *, generated_at: datetime) -> bytes:
    body, title, heading = _styles()
    chinese, english = VERDICTS[report["verdict"]]
    story = [
        _para("签名验证报告 / Signature verification report", title),
        _para("文件 File: {name}", body, name=report.get("name", "")),
        _para("SHA-256: {sha256} · {size} bytes", body, sha256=report["sha256"], size=report["size"]),
        _para("生成时间 Generated: {time}", body, time=generated_at),
        Spacer(1, 4 * mm),
        _para("结论 Verdict: <b>{chinese} / {english}</b>", heading, chinese=chinese, english=english),
    ]
    story += [_para("{message}", body, message=message) for message in report.get("reason_messages", [])]
    rows = [
        ("signer", "签署方 Signer"),
        ("organisation", "单位 Organisation"),
        ("uscc", "统一社会信用代码 USCC"),
        ("seal_code", "印章编码 Seal code"),
        ("issuer", "证书签发者 Issuer"),
        ("serial", "证书序列号 Serial"),
        ("valid_from", "证书生效 Valid from"),
        ("valid_until", "证书到期 Valid until"),
        ("timestamp_time", "时间戳 Timestamp"),
        ("timestamp_authority", "时间戳机构 TSA"),
        ("signing_time", "签名者声明时间 Claimed time"),
        ("algorithm", "算法 Algorithm"),
        ("intact", "完整 Intact"),
        ("trusted", "受信任 Trusted"),
        ("revoked", "已吊销 Revoked"),
        ("revoked_later", "时间戳之后才吊销（签名仍有效） Revoked after the timestamp (still valid)"),
        ("proven_by_timestamp", "签名时有效，由时间戳证明 Valid at signing time, proven by timestamp"),
        ("long_term", "已嵌入长期验证数据 Long-term validation data embedded"),
        ("archive_proof", "经归档时间戳链长期证明 Proven through the archive timestamps (B-LTA)"),
        ("archive_timestamps", "其后的归档时间戳 Archive timestamps after it"),
        ("covers_whole_file", "覆盖整个文件 Covers whole file"),
        ("modification_level", "签名后修改 Changes after signing"),
    ]
    for number, signature in enumerate(report.get("signatures", []), start=1):
        verdict_zh, verdict_en = VERDICTS[signature["verdict"]]
        story.append(
            _para("签名 Signature {number}: {zh} / {en}", heading, number=number, zh=verdict_zh, en=verdict_en)
        )
        story += [_para("{message}", body, message=message) for message in signature.get("reason_messages", [])]
        data = [
            [_para("{label}", body, label=label), _para("{value}", body, value=_row_value(signature, key))]
            for key, label in rows
        ]
        story.append(_grid(data, [55 * mm, 115 * mm]))
    return _build(story, "Sealhub verification report")


# The "changes after signing" row in words, agreeing with the verdict above it.
MODIFICATIONS = {
    "NONE": "无 None",
    "LTA_UPDATES": "仅添加了验证数据 Only validation data added",
    "FORM_FILLING": "填写表单或后续签名 Form fields filled or later signatures",
    "ANNOTATIONS": "添加了注释 Annotations added",
    "OTHER": "其他更改 Other changes",
    "UNKNOWN": "未知 Unknown",
    "APPENDED": "签名后附加了数据 Data appended after this signature",
}


def _row_value(signature: dict, key: str):
    value = signature.get(key)
    return MODIFICATIONS.get(value, value) if key == "modification_level" else value


def completion_certificate_pdf(certificate: dict) -> bytes:
    """The certificate of completion of an envelope: who took part, what happened when
    and from where, and the fingerprints that tie it to the signed PDF."""
    body, title, heading = _styles()
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)
    chain = "完整 intact" if certificate["chain_intact"] else "已损坏 broken"
    story = [
        _para("完成证明 / Certificate of completion", title),
        _para("信封 Envelope: {value}", body, value=certificate["name"]),
        _para("编号 ID: {value}", body, value=certificate["id"]),
        _para("发起方 Sender: {value}", body, value=certificate["owner"]),
        _para("发送时间 Sent: {value}", body, value=certificate["sent_at"]),
        _para("完成时间 Completed: {value}", body, value=certificate["completed_at"]),
        _para("原文件 SHA-256 Original: {value}", body, value=certificate["original_sha256"]),
        _para("最终文件 SHA-256 Final: {value}", body, value=certificate["final_sha256"]),
        _para(
            "审计链 Audit chain: {chain} · {count} 条事件 events", body, chain=chain, count=len(certificate["events"])
        ),
        _para("签署方 Parties", heading),
    ]
    rows = [
        [
            _para("{text}", body, text=text)
            for text in ("#", "名称 Name", "角色 Role", "邮箱 Email", "结果 Result", "时间 Time")
        ]
    ]
    rows += [
        [
            _para("{value}", body, value=value)
            for value in (p["order"], p["name"], p["role"], p["email"], p["status"], p["acted_at"])
        ]
        for p in certificate["parties"]
    ]
    story.append(_grid(rows, [8 * mm, 40 * mm, 28 * mm, 40 * mm, 22 * mm, 32 * mm]))
    story.append(_para("事件 Events", heading))
    rows = [
        [
            _para("{text}", small, text=text)
            for text in ("#", "时间 Time", "事件 Event", "操作人 Actor", "IP / 终端 Agent", "哈希 Hash")
        ]
    ]
    rows += [
        [
            _para("{value}", small, value=value)
            for value in (
                e["sequence"],
                e["occurred_at"],
                e["action"],
                e["actor"],
                f"{e['ip'] or ''} {_text(e['user_agent'])[:60]}",
                _text(e["hash"])[:16],
            )
        ]
        for e in certificate["events"]
    ]
    story.append(_grid(rows, [8 * mm, 32 * mm, 30 * mm, 38 * mm, 38 * mm, 24 * mm]))
    return _build(story, "Sealhub certificate of completion")


def evidence_report_pdf(evidence: dict) -> bytes:
    """The evidence report (出证): the files' fingerprints, every party, every event of the
    hash-chained trail (time, address, user agent, the willingness check), and the
    verification of the final file. Times arrive as text that names their zone."""
    body, title, heading = _styles()
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)
    chain = evidence["chain"]
    chain_text = "完整 intact" if chain["intact"] else f"已损坏 broken at #{chain['broken_at']}"
    if chain.get("from_sequence", 1) > 1:
        chain_text += f" (#{chain['from_sequence']} 起 onwards)"
    story = [
        _para("电子证据报告 / Evidence report", title),
        _para("事项 Subject: {value}", body, value=evidence["subject"]),
        _para("类型 Kind: {value}", body, value=evidence["kind_label"]),
        _para("单位 Company: {value}", body, value=evidence["company"]),
        _para("证据包编号 Package ID: {value}", body, value=evidence["id"]),
        _para("生成时间 Generated: {value}", body, value=evidence["generated_at"]),
        _para("文件 Files", heading),
    ]
    rows = [[_para("{text}", small, text=text) for text in ("文件 File", "字节 Bytes", "SHA-256 / SM3")]]
    rows += [
        [
            _para("{label}: {name}", small, label=item["label"], name=item["name"]),
            _para("{value}", small, value=item["size"]),
            _para("SHA-256 {sha256}<br/>SM3 {sm3}", small, sha256=item["sha256"], sm3=item["sm3"]),
        ]
        for item in evidence["files"]
    ]
    story.append(_grid(rows, [50 * mm, 18 * mm, 102 * mm]))
    story.append(_para("参与方 Parties", heading))
    rows = [
        [
            _para("{text}", small, text=text)
            for text in ("#", "名称 Name", "角色 Role", "单位/邮箱 Organisation / email", "结果 Result", "时间 Time")
        ]
    ]
    rows += [
        [
            _para("{value}", small, value=value)
            for value in (p["order"], p["name"], p["role"], p["contact"], p["status"], p["acted_at"])
        ]
        for p in evidence["parties"]
    ]
    story.append(_grid(rows, [8 * mm, 36 * mm, 24 * mm, 44 * mm, 24 * mm, 34 * mm]))
    story.append(
        _para(
            "审计链 Audit chain ({name}): {chain} · {count} 条事件 events",
            heading,
            name=chain["name"],
            chain=chain_text,
            count=len(evidence["events"]),
        )
    )
    rows = [
        [
            _para("{text}", small, text=text)
            for text in ("#", "时间 Time", "事件 Event", "操作人 Actor", "来源 Address / agent / check", "哈希 Hash")
        ]
    ]
    rows += [
        [
            _para("{value}", small, value=e["sequence"]),
            _para("{value}", small, value=e["occurred_at"]),
            _para("{value}", small, value=e["action"]),
            _para("{value}", small, value=e["actor"]),
            _para(
                "IP: {ip}<br/>UA: {agent}<br/>{check}", small, ip=e["ip"], agent=e["user_agent"], check=e["willingness"]
            ),
            _para("{hash}<br/>← {previous}", small, hash=e["hash"], previous=e["previous"]),
        ]
        for e in evidence["events"]
    ]
    story.append(_grid(rows, [9 * mm, 27 * mm, 28 * mm, 26 * mm, 46 * mm, 34 * mm]))
    verification = evidence["verification"]
    chinese, english = VERDICTS[verification["verdict"]]
    story.append(_para("最终文件验证 Verification of the final file: {zh} / {en}", heading, zh=chinese, en=english))
    story += [_para("{message}", body, message=message) for message in verification.get("reason_messages", [])]
    rows = [
        [
            _para("{text}", small, text=text)
            for text in (
                "#",
                "签署方 Signer",
                "时间戳 Timestamp",
                "结论 Verdict",
                "覆盖 Covers file",
                "签名后修改 Changes after",
            )
        ]
    ]
    rows += [
        [
            _para("{value}", small, value=value)
            for value in (
                number,
                " · ".join(str(s.get(key) or "") for key in ("signer", "organisation", "seal_code") if s.get(key)),
                s.get("timestamp_time"),
                " / ".join(VERDICTS.get(s["verdict"], (s["verdict"],))),
                s.get("covers_whole_file"),
                _row_value(s, "modification_level"),
            )
        ]
        for number, s in enumerate(verification.get("signatures", []), start=1)
    ]
    # An OFD's seal signatures (GB/T 38540) are in "national": the seal, the signer, the
    # time its timestamp proves, the verdict, and the step that failed if one did.
    rows += [
        [
            _para("{value}", small, value=value)
            for value in (
                number,
                " · ".join(str(n.get(key) or "") for key in ("seal_name", "signer", "es_id") if n.get(key)),
                _timestamp_step_time(n),
                " / ".join(VERDICTS.get(n["verdict"], (n["verdict"],))),
                "OFD GB/T 38540",
                " ".join(part for part in (n.get("field_name") or "", n.get("failed_step") or "") if part),
            )
        ]
        for number, n in enumerate(
            (n for n in verification.get("national", []) if n.get("kind") == "signature"),
            start=len(verification.get("signatures", [])) + 1,
        )
    ]
    story.append(_grid(rows, [8 * mm, 52 * mm, 32 * mm, 24 * mm, 18 * mm, 36 * mm]))
    story.append(Spacer(1, 4 * mm))
    story.append(
        _para(
            "本报告由平台电子印章签署（PAdES B-LTA）。随附的证据包可离线核验："
            "python check_evidence.py evidence.zip --root-sha256 平台根证书的 SHA-256 指纹",
            body,
        )
    )
    story.append(
        _para(
            "Sealed by the platform's seal (PAdES B-LTA). Check the evidence package offline: "
            "python check_evidence.py evidence.zip --root-sha256 followed by the platform root certificate's SHA-256",
            body,
        )
    )
    return _build(story, "Sealhub evidence report")
