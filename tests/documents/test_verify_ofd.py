"""OFD files on the public verify page and API (documents/verification.py over sealcore/ofd)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sealcore.ofd import seal as ofd_seal
from sealcore.ofd.package import Box
from seals import pki
from tests.conftest import client_on
from tests.ofd import writer
from tests.ofd.conftest import make_party

pytestmark = pytest.mark.django_db


@pytest.fixture
def sealed_ofd(world) -> bytes:
    party = make_party(pki.sm2_maker(), "演示科技有限公司", "合同专用章")
    return ofd_seal.seal_ofd(
        writer.build_ofd(pages=2),
        sign=party.sign,
        signer_certificate=party.certificate,
        signed_at=dt.datetime.now(dt.UTC),
        seal_der=party.seal,
        placements=[ofd_seal.Placement(page=1, box=Box(140, 220, 42, 42))],
    )


def _api(data: bytes, name: str = "invoice.ofd") -> dict:
    response = client_on(None).post("/api/v1/verify/", {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 200
    return response.json()


def test_the_api_verifies_an_ofd_sealed_with_a_platform_seal_told_apart_by_content(sealed_ofd):
    report = _api(sealed_ofd, name="named-like-a.pdf")
    assert report["kind"] == "ofd" and report["verdict"] == "valid"
    (signature,) = report["national"]
    assert signature["seal_name"] == "合同专用章" and signature["field_name"] == "/Doc_0/Signs/Sign_0/Signature.xml"
    assert {step["name"]: step["result"] for step in signature["steps"]}["references"] == "ok"


def test_the_api_names_the_changed_file_of_a_tampered_ofd(sealed_ofd):
    tampered = writer.replace_entry(sealed_ofd, "Doc_0/Pages/Page_1/Content.xml", writer.content_xml("改过"))
    report = _api(tampered)
    assert report["verdict"] == "invalid"
    (signature,) = report["national"]
    assert signature["failed_step"] == "references"
    assert signature["steps"][0]["detail"] == "/Doc_0/Pages/Page_1/Content.xml"


def test_hostile_ofd_files_get_a_clear_answer_in_the_users_language():
    slip = writer.zip_bytes([*writer.entries(), ("../../etc/cron.d/x", b"x")])
    assert _api(slip)["reasons"] == ["ofd_unreadable"]
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        "/verify/", {"file": SimpleUploadedFile("x.ofd", slip)}
    )
    assert response.status_code == 200
    assert "该 OFD 文件已损坏或打开不安全，无法验证。" in response.content.decode()


def test_the_verify_page_shows_each_ofd_signature_with_its_steps(sealed_ofd):
    response = client_on(None, HTTP_ACCEPT_LANGUAGE="en").post(
        "/verify/", {"file": SimpleUploadedFile("invoice.ofd", sealed_ofd)}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Signatures valid" in body and "合同专用章" in body
    assert "Protected files unchanged (OFD CheckValue)" in body
