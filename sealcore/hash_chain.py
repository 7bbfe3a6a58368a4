"""Hash chains of audit rows: each row's hash is SHA-256 over the canonical JSON of its
fields, and those fields include the hash of the row before it. The company audit trail
(`events`) and each envelope's trail (`workflows/envelopes/trail.py`) use it, and the
offline checker shipped in every evidence package (docs/evidence.md) recomputes it the
same way without Sealhub: JSON with sorted keys, no spaces, UTF-8 without escapes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

GENESIS_HASH = "0" * 64


def canonical_json(payload: dict) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def chain_hash(payload: dict) -> str:
    """The row's own hash; `payload` carries the previous row's hash under "previous"."""
    return hashlib.sha256(canonical_json(payload)).hexdigest()


@dataclass(frozen=True)
class ChainLink:
    sequence: int
    previous_hash: str
    hash: str
    payload: dict


def chain_first_break(
    links: Iterable[ChainLink], *, first_sequence: int = 1, previous_hash: str = GENESIS_HASH
) -> int | None:
    """The sequence number of the first row that is out of place (a gap, a row that does not
    link to the one before it) or whose hash does not match its fields; None when intact.
    Rows come in sequence order, starting at 1 with the genesis hash, or for a part of the
    chain at `first_sequence`, linking to `previous_hash`."""
    previous, expected = previous_hash, first_sequence
    for link in links:
        if link.sequence != expected or link.previous_hash != previous or chain_hash(link.payload) != link.hash:
            return link.sequence
        previous, expected = link.hash, expected + 1
    return None
