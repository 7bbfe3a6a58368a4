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
        singles.append(
            ofd_seal.Placement(
                page=placement["page"],
                box=Box(
                    _mm(placement["x"] - page["left"]),
                    _mm(page["top"] - placement["y"] - placement["height"]),
                    _mm(placement["width"]),
                    _mm(placement["height"]),
                ),
            )
        )
    return singles, cross_page


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
