"""The README's API quick start, run as written (bash + curl) against a live server and
a real worker; the webhook it registers reaches a receiver, and the README's receiver-side
signature check accepts what Sealhub sent."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.test.testcases import LiveServerThread, _StaticFilesHandler
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader

from accounts.models import User
from tenants.models import ApiKey, Company
from tenants.services import api_key_create
from tests.conftest import totp_now
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("curl") is None, reason="the quick start uses curl, which is not installed"),
]
README = Path(settings.BASE_DIR) / "README.md"


def _block(marker: str, language: str) -> str:
    blocks = re.findall(rf"```{language}\n(.*?)```", README.read_text(), flags=re.S)
    (block,) = [b for b in blocks if marker in b]
    return block


@pytest.fixture
def live_company(django_db_blocker, celery_worker_process):
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        server = LiveServerThread("127.0.0.1", _StaticFilesHandler)
        server.daemon = True
        server.start()
        server.is_ready.wait()
        try:
            signer = signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
            yield signer, server.port
        finally:
            server.terminate()
            committed_cleanup(alpha, [])


def test_the_readme_quick_start_runs_as_written(live_company, webhook_receiver, tmp_path):
    signer, port = live_company
    with tenant_context(signer.company):
        _key, raw = api_key_create(
            company=signer.company,
            name="quick start",
            acting_user=signer.user,
            scopes=[ApiKey.Scope.DOCUMENTS, ApiKey.Scope.SEALS, ApiKey.Scope.ENVELOPES, ApiKey.Scope.ADMIN],
        )
    (tmp_path / "contract.pdf").write_bytes(make_pdf(1))
    host = f"alpha.{settings.BASE_DOMAIN}"
    # Only the test's name resolution differs from a reader's machine.
    resolve = f'curl() {{ command curl --resolve "{host}:{port}:127.0.0.1" "$@"; }}\n'
    env = dict(
        os.environ,
        SEALHUB=f"http://{host}:{port}",
        KEY=raw,
        SEAL_ID=str(signer.seal.pk),
        SEAL_PASSWORD=SEAL_PASSWORD,
        OTP=totp_now(signer.device, 1),
        PDF="contract.pdf",
        HOOK_URL=webhook_receiver.url,
    )
    run = subprocess.run(
        ["bash", "-c", resolve + _block("# quick start", "bash")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr + run.stdout
    lines = run.stdout.strip().splitlines()
    assert lines[0] == "valid" and lines[1] == "in_progress"
    secret = lines[2].removeprefix("webhook secret: ")

    sealed = (tmp_path / "sealed.pdf").read_bytes()
    assert len(PdfFileReader(io.BytesIO(sealed)).embedded_signatures) == 1

    import time

    deadline = time.monotonic() + 30
    while len(webhook_receiver.requests) < 2:
        assert time.monotonic() < deadline, "the quick start's webhooks did not arrive"
        time.sleep(0.1)
    namespace: dict = {}
    exec(_block("def sealhub_signature_ok", "python"), namespace)  # noqa: S102 (the README's receiver code)
    assert sorted(event["type"] for event in webhook_receiver.events()) == ["document.sealed", "envelope.sent"]
    for headers, body in webhook_receiver.requests:
        assert namespace["sealhub_signature_ok"](secret, headers["Sealhub-Signature"], body)
        assert not namespace["sealhub_signature_ok"]("whsec_wrong", headers["Sealhub-Signature"], body)
