from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from sealcore import national_format as nf
from sealcore import sm2

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # stands in for the seal face


@dataclass
class Party:
    key: sm2.Sm2KeyPair
    certificate: bytes
    seal: bytes

    def sign(self, message: bytes) -> bytes:
        return sm2.sign(self.key, message)


@pytest.fixture(scope="session")
def maker():
    return sm2.create_maker_authority(now=NOW - dt.timedelta(hours=1))


def make_party(maker, organisation: str, seal_name: str) -> Party:
    maker_key, maker_cert = maker
    key = sm2.generate_key_pair()
    certificate = sm2.issue_seal_certificate(
        maker_key=maker_key,
        maker_certificate=maker_cert,
        subject_name=sm2.name(common_name=seal_name, organization=organisation),
        public_key=key.public_key,
        now=NOW - dt.timedelta(hours=1),
    ).dump()
    seal = nf.build_seal(
        maker_key=maker_key,
        maker_certificate=maker_cert.dump(),
        es_id="1101080000017",
        name=seal_name,
        seal_type=nf.SEAL_TYPE_ORGANISATION,
        signer_certificates=[certificate],
        valid_from=NOW - dt.timedelta(days=1),
        valid_until=NOW + dt.timedelta(days=30),
        picture_png=PICTURE,
        width_mm=42,
        height_mm=42,
        created_at=NOW,
    )
    return Party(key=key, certificate=certificate, seal=seal)


@pytest.fixture(scope="session")
def alpha(maker) -> Party:
    return make_party(maker, "演示科技有限公司", "合同专用章")


@pytest.fixture(scope="session")
def beta(maker) -> Party:
    return make_party(maker, "贝塔贸易有限公司", "贝塔贸易有限公司")


@pytest.fixture(scope="session")
def trust(maker) -> nf.Trust:
    return nf.Trust(makers=[maker[1].dump()])
