"""An OFD envelope on a real worker: company A seals from its inbox through the API, person
C signs by the emailed link with a drawn signature; the final OFD file carries both, C's as a
personal seal with the drawing, and the product's verifier and the tests' independent checker
find them valid. Data is committed (the worker is another process), so the test removes
what it made."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from documents.verification import document_verify, report_as_dict
from sealcore import national_format as nf
from sealcore.ofd import package as ofd_package
from tests.conftest import client_on, worker_mail_clear
from tests.ofd import independent, writer
from tests.workflows.conftest import drawn_signature_form
from tests.workflows.test_envelopes_worker import _api, _mail_to, _post, _seal_from_inbox, _wait
from workflows.models import Party

pytestmark = pytest.mark.integration


def test_a_company_seals_and_a_person_signs_an_ofd_through_the_worker(committed_sealer):
    a = committed_sealer
    worker_mail_clear()
    api = _api(a)
    upload = api.post(
        "/api/v1/documents/", {"file": SimpleUploadedFile("合同.ofd", writer.build_ofd(pages=2), "application/ofd")}
    )
    assert upload.status_code == 201, upload.content
    created = _post(
        api,
        "/api/v1/envelopes/",
        {
            "document_id": upload.json()["id"],
            "name": "租赁合同",
            "message": "",
            "send": True,
            "parties": [
                {
                    "kind": "company",
                    "uscc": a.company.uscc,
                    "email": "alice@alpha.example",
                    "fields": [{"page": 1, "x": 60, "y": 80, "width": 120}],
                },
                {
                    "kind": "person",
                    "name": "张三",
                    "email": "zhangsan@example.com",
                    "fields": [{"page": 1, "x": 320, "y": 80}],
                },
            ],
        },
    )
    assert created.status_code == 201, created.content
    envelope = created.json()
    _seal_from_inbox(a, api, step=1)

    token = _mail_to("zhangsan@example.com", r"/sign/([A-Za-z0-9_-]+)/").group(1)
    browser = client_on(None)
    assert browser.post(f"/sign/{token}/code/").status_code == 302
    code = _mail_to("zhangsan@example.com", r"\b(\d{6})\b").group(1)
    assert browser.post(f"/sign/{token}/verify/", {"code": code}).status_code == 302
    assert browser.get(f"/sign/{token}/pages/1.png").status_code == 200  # the OFD page to sign
    assert browser.post(f"/sign/{token}/submit/", drawn_signature_form()).status_code == 302
    with tenant_context(a.company):
        person = Party.objects.get(envelope_id=envelope["id"], kind="person")
    job_id = browser.session[f"envelope-job:{person.pk}"]
    job = _wait(lambda: (s := browser.get(f"/sign/{token}/jobs/{job_id}/").json())["status"] == "done" and s, "C")
    assert job["error"] == ""

    url = f"/api/v1/envelopes/{envelope['id']}/"
    _wait(lambda: api.get(url).json()["status"] == "completed", "completion")
    final = api.get(f"{url}final/")
    assert final["Content-Type"] == "application/ofd"
    data = final.content
    report = report_as_dict(document_verify(data=data))
    assert report["verdict"] == "valid", report
    assert [item["seal_name"] for item in report["national"]][1] == "张三"
    checked = independent.check(data)
    assert [independent.all_good(item) for item in checked] == [True, True], checked
    package = ofd_package.open_ofd(data)
    second = ofd_package.parse_signature_file(package, package.documents[0].signatures[1].path)
    parsed = nf.parse_signature(package.files[second.signed_value_path])
    assert parsed.seal.seal_type == nf.SEAL_TYPE_PERSONAL and parsed.seal.picture_type == "PNG"
    assert "Doc_0/Signs/Sign_0/SignedValue.dat" in checked[1]["protected"]
