"""Sealing an OFD version: the product's placements (PDF points from the bottom-left corner of
the page, the coordinate system every document shares, see sealcore/ofd/inspect.py) turned
into the stamp annotations of one GB/T 38540 signature (millimetres from the top-left
corner), signed with the seal's SM2 key by sealcore/ofd/seal.py, with the platform's
timestamp on the signature value. Pure: no Django, no app module."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from documents.pdf.timestamping import RemoteTimestamping, checked_timestamper
from sealcore import sm2
from sealcore.ofd import seal as ofd_seal
from sealcore.ofd.package import Box

POINTS_PER_MM = 72 / 25.4
CROSS_PAGE = "cross_page"


@dataclass(frozen=True)
class OfdSigner:
    key_pair: sm2.Sm2KeyPair
    certificate_der: bytes
    seal_der: bytes | None  # None: a signature without appearance (type Sign)


def _mm(points: float) -> float:
    return round(points / POINTS_PER_MM, 3)


def ofd_placements(placements: Sequence[dict], pages: Sequence[dict]):
    """(single placements, cross-page seal or None) in OFD terms."""
    singles, cross_page = [], None
    for placement in placements:
        if placement.get("kind") == CROSS_PAGE:
            top = min(page["top"] for page in pages)
            cross_page = ofd_seal.CrossPage(
                y=_mm(top - placement["y"] - placement["height"]),
                width=_mm(placement["width"]),
                height=_mm(placement["height"]),
            )
            continue
        page = pages[placement["page"]]
        width, height = _mm(placement["width"]), _mm(placement["height"])
        page_width, page_height = _mm(page["right"] - page["left"]), _mm(page["top"] - page["bottom"])
        x = _edge(_mm(placement["x"] - page["left"]), width, page_width)
        y = _edge(_mm(page["top"] - placement["y"] - placement["height"]), height, page_height)
        singles.append(ofd_seal.Placement(page=placement["page"], box=Box(x, y, width, height)))
    return singles, cross_page


def _edge(start: float, size: float, page_size: float) -> float:
    """A seal placed flush with a page edge stays on the page after rounding to millimetres
    (a few thousandths over would make the OFD sealer refuse it); anything more is left for
    the sealer to refuse."""
    if start < 0 and start > -0.01:
        return 0.0
    if start + size > page_size and start + size - page_size < 0.01:
        return round(page_size - size, 3)
    return start


def seal_ofd_version(
    data: bytes,
    *,
    signer: OfdSigner,
    placements: Sequence[dict],
    pages: Sequence[dict],
    timestamping: RemoteTimestamping | None,
    signed_at: dt.datetime | None = None,
) -> bytes:
    """One signature over the whole package: type Seal with a stamp annotation per
    placement (and the slices of a cross-page seal), or type Sign without appearance when
    `signer.seal_der` is None. Raises sealcore.ofd.errors.OfdError (permanent) and
    TimestampUnavailable (wait and retry)."""
    singles, cross_page = ofd_placements(placements, pages)
    timestamp = None
    if timestamping is not None:
        timestamper = checked_timestamper(timestamping)

        def timestamp(signature_value: bytes) -> bytes:
            digest = hashlib.sha256(signature_value).digest()
            return asyncio.run(timestamper.async_timestamp(digest, "sha256")).dump()

    return ofd_seal.seal_ofd(
        data,
        sign=lambda message: sm2.sign(signer.key_pair, message),
        signer_certificate=signer.certificate_der,
        signed_at=(signed_at or dt.datetime.now(dt.UTC)).replace(microsecond=0),
        seal_der=signer.seal_der,
        placements=singles,
        cross_page=cross_page,
        kind=ofd_seal.SEAL if signer.seal_der is not None else ofd_seal.SIGN,
        timestamp=timestamp if signer.seal_der is not None else None,
    )
