"""Seal codes: 13 digits that identify a seal in the registry and appear on its image and
in its certificate (like the codes of the public-security seal system).

    RRRRRR SSSSSS C
    region  seq  check

- RRRRRR: the administrative division code of the company (USCC characters 3–8);
- SSSSSS: the platform's sequence number for that region;
- C: an ISO 7064 MOD 11-10 check digit over the first 12 digits, so a mistyped code is
  caught (same check family as many Chinese registry numbers).
"""

from __future__ import annotations

from stdnum.iso7064 import mod_11_10


def region_of(uscc: str) -> str:
    region = uscc[2:8]
    if len(region) != 6 or not region.isdigit():
        raise ValueError("the USCC does not carry a 6-digit region code")
    return region


def seal_code_for(uscc: str, sequence: int) -> str:
    if not 0 < sequence < 1_000_000:
        raise ValueError("sequence out of range")
    body = f"{region_of(uscc)}{sequence:06d}"
    return body + mod_11_10.calc_check_digit(body)


def seal_code_is_valid(code: str) -> bool:
    return len(code) == 13 and code.isdigit() and mod_11_10.is_valid(code)
