"""A completed envelope gets its evidence package from the job its completion queued: the
envelope's own hash chain goes in as audit lines (every event, with address and user agent),
the report shows a hostile user agent as text, and the package checks offline."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from cryptography.hazmat.primitives import hashes
from django_tenants.utils import tenant_context

from documents.models import EvidencePackage
from seals import pki
from tests.documents.test_evidence import run_checker
from tests.loopback import loopback  # noqa: F401  (a fixture)
from tests.workflows.test_envelope_markup import _approve_by_link, _sent_to_approver, _shown, _text_of
from workflows.models import Envelope, EnvelopeEvent

pytestmark = pytest.mark.django_db


def test_a_completed_envelope_gets_a_package_with_its_whole_trail(
    world,
    tasks_run_here,
    loopback,  # noqa: F811
    django_capture_on_commit_callbacks,
    tmp_path,
):
    agent = f'Mozilla/5.0 <img src="{loopback.url("/agent")}"/> \u202etxt.exe'
    envelope = _sent_to_approver(
        world, django_capture_on_commit_callbacks, envelope_name="Supply contract", party_name="王五 <b>Wang</b>"
    )
    _approve_by_link(agent)

    with tenant_context(world.alpha):
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.COMPLETED
        package = EvidencePackage.objects.get(version_id=envelope.final_version_id)
        assert (package.status, package.envelope_id) == (EvidencePackage.Status.READY, envelope.pk)
        events = list(EnvelopeEvent.objects.filter(envelope=envelope).order_by("sequence"))
        with package.archive.open("rb") as handle:
            archive = handle.read()
        with package.report.open("rb") as handle:
            report = handle.read()

    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        lines = [json.loads(line) for line in zipped.read("audit.jsonl").decode().splitlines()]
    assert [(line["sequence"], line["hash"]) for line in lines] == [(e.sequence, e.hash) for e in events]
    assert any(line["payload"]["user_agent"] == agent for line in lines)
    text = _text_of(report)
    assert _shown("王五 <b>Wang</b>", text) and _shown(agent.replace("\u202e", ""), text)
    assert "Asia/Shanghai" in text
    assert loopback.requests == []

    platform_root = pki.certificate(pki.Role.ROOT).fingerprint(hashes.SHA256()).hex()
    checked = run_checker(tmp_path, archive, "--root-sha256", platform_root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
