"""The zip container of an OFD file, read under limits before any XML is looked at.

Refused: anything that is not a plain zip of stored or deflated entries; entry names that
could leave the package when extracted (absolute, `..`, backslashes, drive letters, control
characters); names that collide once case is ignored; encrypted entries; entries whose data
overlap (the non-recursive zip bomb); a file, an entry or the total beyond the limits, or
inflating more than `max_ratio` times (zip bombs). Sizes are checked from the directory
first and enforced again while reading (zipfile stops at the declared size and a short or
long entry then fails its CRC).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from dataclasses import dataclass
from urllib.parse import unquote

from sealcore.ofd.errors import MalformedStructure, UnsafeContainer

ZIP_MAGIC = b"PK\x03\x04"
_UTF8_FLAG = 0x800
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 64 * 1024 * 1024
    max_entries: int = 5000
    max_entry_bytes: int = 128 * 1024 * 1024
    max_total_bytes: int = 512 * 1024 * 1024
    max_ratio: int = 100  # inflated / compressed, for entries and the whole above `ratio_floor`
    ratio_floor: int = 1024 * 1024
    max_xml_bytes: int = 16 * 1024 * 1024
    max_documents: int = 16
    max_pages: int = 2000
    max_page_mm: float = 5000.0  # a page side longer than five metres is refused
    max_signatures: int = 200
    max_references: int = 20000


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Container:
    """Entries by canonical path ("/Doc_0/Document.xml"), in the order of the zip."""

    files: dict[str, bytes]
    names: dict[str, str]  # canonical path -> the entry name as stored

    def get(self, path: str) -> bytes | None:
        return self.files.get(path)

    def __contains__(self, path: str) -> bool:
        return path in self.files


def looks_like_zip(data: bytes) -> bool:
    return data[:4] == ZIP_MAGIC


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The name as its producer meant it: zipfile decodes names without the UTF-8 flag as
    CP437, but Chinese producers write UTF-8 or GBK there."""
    name = info.filename
    if info.flag_bits & _UTF8_FLAG:
        return name
    try:
        raw = name.encode("cp437")
    except UnicodeEncodeError:
        return name
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return name


def _checked_path(name: str) -> str:
    if not name or "\\" in name or name.startswith("/") or _DRIVE.match(name) or _CONTROL.search(name):
        raise UnsafeContainer(f"unsafe entry name {name!r}", code="unsafe_path", path=name)
    segments = name.rstrip("/").split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise UnsafeContainer(f"unsafe entry name {name!r}", code="unsafe_path", path=name)
    return "/" + "/".join(segments)


def read_container(data: bytes, limits: Limits = DEFAULT_LIMITS) -> Container:
    if len(data) > limits.max_file_bytes:
        raise UnsafeContainer("the file is larger than allowed", code="too_large")
    if not looks_like_zip(data):
        raise UnsafeContainer("not an OFD file (no zip container)", code="not_zip")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise UnsafeContainer(f"broken zip container: {exc}", code="broken_zip") from exc
    if len(infos) > limits.max_entries:
        raise UnsafeContainer("too many entries", code="too_many_entries")
    _check_sizes(infos, len(data), limits)
    files: dict[str, bytes] = {}
    names: dict[str, str] = {}
    folded: set[str] = set()
    for info in infos:
        name = _entry_name(info)
        path = _checked_path(name)
        if path.casefold() in folded:
            raise UnsafeContainer(f"duplicate entry {name!r}", code="duplicate_entry", path=path)
        folded.add(path.casefold())
        if info.is_dir():
            continue
        if info.flag_bits & 0x1:
            raise UnsafeContainer(f"encrypted entry {name!r}", code="encrypted_entry", path=path)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UnsafeContainer(f"unsupported compression in {name!r}", code="unsupported_compression", path=path)
        try:
            with archive.open(info) as stream:
                content = stream.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError) as exc:
            raise UnsafeContainer(f"broken entry {name!r}: {exc}", code="broken_zip", path=path) from exc
        if len(content) != info.file_size:
            raise UnsafeContainer(f"entry {name!r} is not the size it declares", code="broken_zip", path=path)
        files[path] = content
        names[path] = info.filename
    return Container(files=files, names=names)


def _check_sizes(infos: list[zipfile.ZipInfo], size: int, limits: Limits) -> None:
    total = 0
    for info in infos:
        if info.file_size > limits.max_entry_bytes:
            raise UnsafeContainer(f"entry {info.filename!r} is too large", code="zip_bomb")
        if info.file_size > limits.ratio_floor and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise UnsafeContainer(f"entry {info.filename!r} inflates too much", code="zip_bomb")
        total += info.file_size
    if total > limits.max_total_bytes or (total > limits.ratio_floor and total > limits.max_ratio * size):
        raise UnsafeContainer("the entries inflate too much", code="zip_bomb")
    spans = sorted((info.header_offset, info.compress_size) for info in infos)
    for (offset, length), (next_offset, _next_length) in zip(spans, spans[1:], strict=False):
        if offset + length > next_offset:
            raise UnsafeContainer("entries share their data (overlapping zip entries)", code="zip_bomb")


# ---------------------------------------------------------------------------- paths inside


def join(base_dir: str, location: str) -> str:
    """A location from an OFD file (ST_Loc: absolute from the package root, or relative to
    `base_dir`) as a canonical path; MalformedStructure if it leaves the package."""
    location = (location or "").strip()
    if not location or "\x00" in location or "\\" in location:
        raise MalformedStructure(f"unusable location {location!r}", code="bad_location", path=location)
    combined = location if location.startswith("/") else posixpath.join(base_dir or "/", location)
    parts: list[str] = []
    for segment in combined.split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            if not parts:
                raise MalformedStructure(f"location {location!r} leaves the package", code="bad_location")
            parts.pop()
            continue
        parts.append(segment)
    if not parts:
        raise MalformedStructure(f"unusable location {location!r}", code="bad_location", path=location)
    return "/" + "/".join(parts)


def candidates(base_dir: str, location: str) -> list[str]:
    """Where a location may point, most standard first: relative to `base_dir`, then (a
    deviation seen in the field) relative to the package root, each also %-unescaped."""
    found: list[str] = []
    texts = [location, unquote(location)] if "%" in (location or "") else [location]
    bases = [base_dir] if (location or "").strip().startswith("/") else [base_dir, "/"]
    refusal = None
    for text in texts:
        for base in bases:
            try:
                path = join(base, text)
            except MalformedStructure as error:
                # `../Doc_0/...` is fine from /Doc_0 and leaves the package from the root:
                # only a location that leaves it from every base is refused.
                refusal = refusal or error
                continue
            if path not in found:
                found.append(path)
    if not found and refusal is not None:
        raise refusal
    return found


def locate(container: Container, base_dir: str, location: str, *, strict: bool = False) -> str | None:
    """The canonical path of the entry a location names, None if there is none. `strict`
    (for what a signature protects): a location two different entries could answer to is
    an error, since swapping which one is read would let the other change unseen."""
    present = [path for path in candidates(base_dir, location) if path in container]
    if strict and len(present) > 1:
        raise MalformedStructure(f"location {location!r} is ambiguous", code="ambiguous_location", path=location)
    return present[0] if present else None


def parent(path: str) -> str:
    return posixpath.dirname(path) or "/"
