"""A JBIG2 file (ITU T.88 Annex D, the `.jb2` images e-invoices carry their QR code in) turned
into the segments a PDF JBIG2Decode stream holds, so that pdfium decodes it: the file header
and the end-of-page, end-of-stripe and end-of-file segments dropped, a random-access file
put in sequential order, only the first page kept. Nothing is decoded here; the page size
comes from the page information segment."""

from __future__ import annotations

from dataclasses import dataclass

FILE_ID = b"\x97JB2\r\n\x1a\n"
PAGE_INFORMATION = 48
END_OF_PAGE = 49
END_OF_STRIPE = 50
END_OF_FILE = 51
_DROPPED = {END_OF_PAGE, END_OF_FILE}
MAX_SEGMENTS = 10_000
MAX_SIDE = 20_000


class NotJbig2(ValueError):
    pass


@dataclass(frozen=True)
class Jbig2Image:
    width: int
    height: int
    globals: bytes  # segments of no page (symbol dictionaries shared by pages), for JBIG2Globals
    page: bytes  # the first page's segments, in sequential order


@dataclass(frozen=True)
class _Segment:
    header: bytes
    kind: int
    page: int
    length: int


def _segment_header(data: bytes, offset: int) -> tuple[_Segment, int]:
    def need(count: int) -> None:
        if offset + count > len(data):
            raise NotJbig2("truncated segment header")

    start = offset
    need(6)
    number = int.from_bytes(data[offset : offset + 4], "big")
    flags = data[offset + 4]
    kind = flags & 0x3F
    long_page = bool(flags & 0x40)
    offset += 5
    referred = data[offset] >> 5
    if referred == 7:
        need(4)
        referred = int.from_bytes(data[offset : offset + 4], "big") & 0x1FFFFFFF
        if referred > MAX_SEGMENTS:
            raise NotJbig2("too many referred-to segments")
        offset += 4 + (referred + 8) // 8
    elif referred > 4:
        raise NotJbig2("bad referred-to segment count")
    else:
        offset += 1
    size = 1 if number <= 256 else 2 if number <= 65536 else 4
    offset += referred * size
    page_size = 4 if long_page else 1
    need(page_size + 4)
    page = int.from_bytes(data[offset : offset + page_size], "big")
    offset += page_size
    length = int.from_bytes(data[offset : offset + 4], "big")
    offset += 4
    if length == 0xFFFFFFFF:
        raise NotJbig2("a segment of unknown length")  # immediate generic regions in streaming files
    return _Segment(header=data[start:offset], kind=kind, page=page, length=length), offset


def from_file(data: bytes) -> Jbig2Image:
    """Raises NotJbig2 for anything this cannot pass on intact."""
    if not data.startswith(FILE_ID) or len(data) < 9:
        raise NotJbig2("not a JBIG2 file")
    flags = data[8]
    offset = 9 if flags & 0x02 else 13
    sequential = bool(flags & 0x01)
    segments: list[tuple[_Segment, bytes]] = []
    if sequential:
        while offset < len(data) and len(segments) < MAX_SEGMENTS:
            segment, offset = _segment_header(data, offset)
            if offset + segment.length > len(data):
                raise NotJbig2("truncated segment")
            segments.append((segment, data[offset : offset + segment.length]))
            offset += segment.length
            if segment.kind == END_OF_FILE:
                break
    else:
        headers = []
        while offset < len(data) and len(headers) < MAX_SEGMENTS:
            segment, offset = _segment_header(data, offset)
            headers.append(segment)
            if segment.kind == END_OF_FILE:
                break
        for segment in headers:
            if offset + segment.length > len(data):
                raise NotJbig2("truncated segment")
            segments.append((segment, data[offset : offset + segment.length]))
            offset += segment.length
    pages = sorted({segment.page for segment, _ in segments if segment.page})
    if not pages:
        raise NotJbig2("no page")
    first = pages[0]
    width = height = 0
    page_parts, global_parts = [], []
    for segment, body in segments:
        if segment.kind in _DROPPED:
            continue
        if segment.page == 0:
            global_parts.append(segment.header + body)
        elif segment.page == first:
            if segment.kind == PAGE_INFORMATION and not width:
                if len(body) < 8:
                    raise NotJbig2("short page information")
                width = int.from_bytes(body[0:4], "big")
                height = int.from_bytes(body[4:8], "big")
            page_parts.append(segment.header + body)
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise NotJbig2("page size unknown or too large")  # 0xFFFFFFFF: a striped page of open height
    return Jbig2Image(width=width, height=height, globals=b"".join(global_parts), page=b"".join(page_parts))
