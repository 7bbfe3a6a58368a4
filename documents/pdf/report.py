"""The verification report as a PDF, in Chinese and English (reportlab)."""

from __future__ import annotations

import io
from datetime import datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

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


def verification_report_pdf(report: dict, *, generated_at: datetime) -> bytes:
    body, title, heading = _styles()
    chinese, english = VERDICTS[report["verdict"]]
    story = [
        Paragraph("签名验证报告 / Signature verification report", title),
        Paragraph(f"文件 File: {report.get('name', '')}", body),
        Paragraph(f"SHA-256: {report['sha256']} · {report['size']} bytes", body),
        Paragraph(f"生成时间 Generated: {_text(generated_at)}", body),
        Spacer(1, 4 * mm),
        Paragraph(f"结论 Verdict: <b>{chinese} / {english}</b>", heading),
    ]
    story += [Paragraph(message, body) for message in report.get("reason_messages", [])]
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
        ("covers_whole_file", "覆盖整个文件 Covers whole file"),
        ("modification_level", "签名后修改 Changes after signing"),
    ]
    for number, signature in enumerate(report.get("signatures", []), start=1):
        verdict_zh, verdict_en = VERDICTS[signature["verdict"]]
        story.append(Paragraph(f"签名 Signature {number}: {verdict_zh} / {verdict_en}", heading))
        story += [Paragraph(message, body) for message in signature.get("reason_messages", [])]
        data = [[Paragraph(label, body), Paragraph(_text(signature.get(key)), body)] for key, label in rows]
        story.append(_grid(data, [55 * mm, 115 * mm]))
    return _build(story, "Sealhub verification report")


def completion_certificate_pdf(certificate: dict) -> bytes:
    """The certificate of completion of an envelope: who took part, what happened when
    and from where, and the fingerprints that tie it to the signed PDF."""
    body, title, heading = _styles()
    small = ParagraphStyle("small", parent=body, fontSize=7, leading=9)
    story = [
        Paragraph("完成证明 / Certificate of completion", title),
        Paragraph(f"信封 Envelope: {certificate['name']}", body),
        Paragraph(f"编号 ID: {certificate['id']}", body),
        Paragraph(f"发起方 Sender: {certificate['owner']}", body),
        Paragraph(f"发送时间 Sent: {_text(certificate['sent_at'])}", body),
        Paragraph(f"完成时间 Completed: {_text(certificate['completed_at'])}", body),
        Paragraph(f"原文件 SHA-256 Original: {certificate['original_sha256']}", body),
        Paragraph(f"最终文件 SHA-256 Final: {certificate['final_sha256']}", body),
        Paragraph(
            f"审计链 Audit chain: {'完整 intact' if certificate['chain_intact'] else '已损坏 broken'}"
            f" · {len(certificate['events'])} 条事件 events",
            body,
        ),
        Paragraph("签署方 Parties", heading),
    ]
    rows = [
        [Paragraph(text, body) for text in ("#", "名称 Name", "角色 Role", "邮箱 Email", "结果 Result", "时间 Time")]
    ]
    rows += [
        [
            Paragraph(_text(value), body)
            for value in (p["order"], p["name"], p["role"], p["email"], p["status"], p["acted_at"])
        ]
        for p in certificate["parties"]
    ]
    story.append(_grid(rows, [8 * mm, 40 * mm, 28 * mm, 40 * mm, 22 * mm, 32 * mm]))
    story.append(Paragraph("事件 Events", heading))
    rows = [
        [
            Paragraph(text, small)
            for text in ("#", "时间 Time", "事件 Event", "操作人 Actor", "IP / 终端 Agent", "哈希 Hash")
        ]
    ]
    rows += [
        [
            Paragraph(_text(value), small)
            for value in (
                e["sequence"],
                e["occurred_at"],
                e["action"],
                e["actor"],
                f"{e['ip'] or ''} {e['user_agent'][:60]}",
                e["hash"][:16],
            )
        ]  # fmt: skip
        for e in certificate["events"]
    ]
    story.append(_grid(rows, [8 * mm, 32 * mm, 30 * mm, 38 * mm, 38 * mm, 24 * mm]))
    return _build(story, "Sealhub certificate of completion")
