"""Typed errors for OFD files that cannot be read safely. Each carries a short `code` (for
reports, logs and tests) and a plain English message naming what was wrong and where."""

from __future__ import annotations


class OfdError(ValueError):
    """Any OFD file this package refuses to read, or cannot seal."""

    code = "malformed"

    def __init__(self, message: str, *, code: str | None = None, path: str = ""):
        super().__init__(message)
        if code is not None:
            self.code = code
        self.path = path


class UnsafeContainer(OfdError):
    """The zip container itself: not a zip, zip slip, bombs, duplicates, encryption, limits."""

    code = "unsafe_container"


class MalformedXml(OfdError):
    """An XML part that is not well-formed, too big, or declares a DTD or entities."""

    code = "malformed_xml"


class MalformedStructure(OfdError):
    """Well-formed XML that is not the OFD structure: a missing entry point, document, page or
    signature file, an unreadable box or path."""

    code = "malformed_structure"


class SealingRefused(OfdError):
    """The file is readable but cannot take another signature without breaking one."""

    code = "sealing_refused"
