"""The typed Python client in clients/python/ cannot drift from the server: the schema a company
host serves is the committed openapi.json, the committed client is exactly what that schema
generates (`make client`), and the example journey, written with the generated client only,
runs against a live server and a real worker: upload, place by coordinates and on a keyword,
an emailed seal code, seal, download, verify, and an envelope that another company seals
from its inbox through its own API key."""

from __future__ import annotations

import filecmp
import io
import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader

from accounts.models import User
from tenants.models import ApiKey, Company
from tenants.services import api_key_create
from tests.conftest import client_on, database_url_for_subprocess, host_of, totp_now
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, seal_for, signatory

CLIENTS = Path(settings.BASE_DIR) / "clients" / "python"
PACKAGE = CLIENTS / "sealhub-client"
JOURNEY = CLIENTS / "examples" / "journey.py"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def _differences(left: Path, right: Path) -> list[str]:
    compared = filecmp.dircmp(left, right, ignore=["__pycache__", ".ruff_cache"])
    found = [f"only in one: {name}" for name in compared.left_only + compared.right_only]
    found += [f"differs: {name}" for name in compared.diff_files + compared.funny_files]
    for name, sub in compared.subdirs.items():
        found += [f"{name}/{entry}" for entry in _differences(Path(sub.left), Path(sub.right))]
    return found


def test_the_committed_client_is_what_the_current_schema_generates(tmp_path):
    subprocess.run(
        [sys.executable, str(CLIENTS / "generate.py"), "--output", str(tmp_path)],
        check=True,
        capture_output=True,
        env=dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings_test",
            DATABASE_URL=database_url_for_subprocess(),  # never an embedded server of its own
            REDIS_URL=settings.REDIS_URL,
        ),
        timeout=180,
    )
    assert (tmp_path / "openapi.json").read_text() == (CLIENTS / "openapi.json").read_text(), (
        "the schema changed: run `make client` and commit clients/python/"
    )
    assert _differences(PACKAGE, tmp_path / "sealhub-client") == [], "run `make client` and commit clients/python/"


@pytest.mark.django_db
def test_a_company_host_serves_the_committed_schema(world):
    served = client_on(world.alpha).get("/api/v1/schema/?format=json")
    assert served.status_code == 200
    assert served.json() == json.loads((CLIENTS / "openapi.json").read_text())


@pytest.fixture
def two_companies(django_db_blocker, celery_worker_process):
    """A: alpha, whose owner has no authenticator app (so seals with emailed codes) and a seal;
    B: a second approved company whose owner has an authenticator and a seal. Committed for the
    live server and the worker, removed afterwards."""
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        server = LiveServerThread("127.0.0.1", _StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        made = []
        try:
            Company.objects.filter(pk=alpha.pk).update(verification=Company.Verification.APPROVED)
            alpha.refresh_from_db()
            seal = seal_for(alpha, alice)
            partner = signatory("bravo", "Bravo Trading Co", 1)
            made.append(partner.company)
            yield (alpha, alice, seal), partner, server.port
        finally:
            server.terminate()
            committed_cleanup(alpha, made)


def _key(company, user) -> str:
    with tenant_context(company):
        _key, raw = api_key_create(
            company=company,
            name="journey",
            acting_user=user,
            scopes=[ApiKey.Scope.DOCUMENTS, ApiKey.Scope.SEALS, ApiKey.Scope.ENVELOPES],
        )
    return raw


def _emailed_code(address: str) -> str:
    """Mail queued by the live server (this process) is sent here (tests/conftest.py)."""
    deadline = time.monotonic() + 30
    while not (
        codes := [m.group(1) for message in mail.outbox if address in message.to for m in CODE.finditer(message.body)]
    ):
        assert time.monotonic() < deadline, f"no code was mailed to {address}"
        time.sleep(0.2)
    return codes[-1]


@pytest.mark.integration
def test_the_example_journey_runs_with_the_generated_client(two_companies, tmp_path):
    (alpha, alice, seal), partner, port = two_companies
    mail.outbox.clear()
    (tmp_path / "contract.pdf").write_bytes(make_pdf(1))
    url = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        PYTHONPATH=str(PACKAGE),
        SEALHUB=url,
        SEALHUB_HOST=host_of(alpha),
        KEY=_key(alpha, alice),
        SEAL_ID=str(seal.pk),
        SEAL_PASSWORD=SEAL_PASSWORD,
        PARTNER=url,
        PARTNER_HOST=host_of(partner.company),
        PARTNER_KEY=_key(partner.company, partner.user),
        PARTNER_SEAL_ID=str(partner.seal.pk),
        PARTNER_SEAL_PASSWORD=SEAL_PASSWORD,
        PARTNER_USCC=partner.company.uscc,
        PARTNER_EMAIL=partner.user.email,
    )
    run = subprocess.Popen(
        [sys.executable, str(JOURNEY)],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(300, run.kill)
    watchdog.start()
    lines = []
    try:
        for line in run.stdout:
            lines.append(line.rstrip("\n"))
            if line.startswith("seal code sent to"):
                run.stdin.write(_emailed_code(alice.email) + "\n")
                run.stdin.flush()
            elif line.startswith("B's authenticator code"):
                run.stdin.write(totp_now(partner.device, 1) + "\n")
                run.stdin.flush()
        stderr = run.stderr.read()
        assert run.wait() == 0, "\n".join(lines) + stderr
    finally:
        watchdog.cancel()

    output = "\n".join(lines)
    assert "seal code sent to a***@alpha.example" in output
    assert "sealed version 2: valid" in output
    assert "placed on 'Seal here': 1" in output
    assert "envelope completed" in output and "final: valid" in output
    sealed = PdfFileReader(io.BytesIO((tmp_path / "sealed.pdf").read_bytes()))
    assert len(sealed.embedded_signatures) == 2  # one per placement
    final = PdfFileReader(io.BytesIO((tmp_path / "final.pdf").read_bytes()))
    kinds = [signature.sig_object_type for signature in final.embedded_signatures]
    assert kinds == ["/Sig", "/Sig", "/Sig", "/DocTimeStamp"]  # A's two, B's, the closing timestamp
