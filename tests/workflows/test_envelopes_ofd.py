"""OFD documents through envelopes: the parties' companies seal in turn at their places, each
later seal protecting the earlier ones; the last sealed version is the final document, the
party companies receive it as OFD, webhooks carry the format, and both the product's
verifier and the tests' independent checker find every seal valid. A person signs with
their drawn signature as a personal seal after the companies."""

from __future__ import annotations

import io
import zipfile

import pytest
from cryptography.hazmat.primitives import hashes
from django.core import mail
from django_tenants.utils import tenant_context
from PIL import Image

from accounts.models import AuthenticatorDevice
from documents.models import Document, EvidencePackage
from documents.services.evidence import evidence_package_build
from documents.services.versions import document_upload
from documents.verification import document_verify, report_as_dict
from sealcore import national_format as nf
from sealcore.ofd import package as ofd_package
from sealcore.ofd import render
from seals import pki
from tests.documents.test_evidence import run_checker
from tests.ofd import independent, writer
from tests.workflows.conftest import drawn_signature_png
from tests.workflows.test_envelopes import _code_from_mail, _company_seals, _execute_grant, _route
from workflows import cross_tenant
from workflows.cross_tenant import PersonSignature
from workflows.envelopes import trail
from workflows.envelopes.completion import envelope_complete
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send
from workflows.links import party_link_token
from workflows.models import Envelope, Party
from workflows.tasks import envelope_mail_owner

pytestmark = pytest.mark.django_db


def _draft(a, b, *, person: bool = False):
    with tenant_context(a.company):
        document = document_upload(name="合同.ofd", data=writer.build_ofd(pages=2), acting_user=a.user)
        envelope = envelope_create(document=document, name="供货合同", message="", acting_user=a.user)
        parties = [
            ("company", "", "alice@alpha.example", a.company.uscc, 60),
            ("company", "", "owner@bravo.example", b.company.uscc, 300),
        ]
        if person:
            parties.append(("person", "张三", "zhangsan@example.com", "", 420))
        for order, (kind, who, email, uscc, x) in enumerate(parties, start=1):
            party = envelope_party_add(
                envelope=envelope, kind=kind, name=who, email=email, uscc=uscc, order=order, acting_user=a.user
            )
            envelope_field_add(
                party=party, page=1, x=x, y=80, width=100 if kind == "company" else None, acting_user=a.user
            )
    return envelope


def test_two_companies_seal_an_ofd_in_turn(cast, tasks_run_here, monkeypatch, tmp_path):
    a, b, _d = cast
    emitted = []
    monkeypatch.setattr(trail, "webhook_event_emit", lambda **event: emitted.append(event))
    envelope = _draft(a, b)
    with tenant_context(a.company):
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
        envelope.refresh_from_db()
        assert envelope.prepared_version.format == "ofd"
    for signer in (a, b):
        AuthenticatorDevice.objects.filter(pk=signer.device.pk).update(last_t=-1)
        grant = _company_seals(signer, _route(signer.company, a.company), step=0)
        version = _execute_grant(a.company, grant["id"])
        assert version is not None and version.format == "ofd"
    with tenant_context(a.company):
        envelope_complete(envelope_id=envelope.pk)  # queued after the last seal's commit
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.COMPLETED
        final = envelope.final_version
        assert final.format == "ofd" and final.signature_count == 2
        with final.file.open("rb") as handle:
            data = handle.read()
    report = report_as_dict(document_verify(data=data))
    assert report["verdict"] == "valid", report
    assert len(report["national"]) == 2
    checked = independent.check(data)
    assert [independent.all_good(item) for item in checked] == [True, True], checked
    # Bravo's copy is the OFD file itself.
    with tenant_context(b.company):
        copy = Document.objects.get(name="供货合同.ofd")
        assert copy.current_version.format == "ofd" and copy.current_version.sha256 == final.sha256
    # The owner's mail carries the final file as OFD.
    mail.outbox.clear()
    with tenant_context(a.company):
        envelope_mail_owner(str(envelope.pk), "completed")
    attachments = [attachment for message in mail.outbox for attachment in message.attachments]
    assert any(name == "供货合同.ofd" and mime == "application/ofd" for name, _data, mime in attachments)
    formats = {event["event_type"]: event["data"].get("format") for event in emitted}
    assert formats["envelope.sent"] == formats["envelope.completed"] == "ofd"
    # The completion queued the envelope's evidence package: the final OFD, both seal
    # signatures checked offline by the shipped checker.
    with tenant_context(a.company):
        queued = EvidencePackage.objects.get(version_id=final.pk)
        assert queued.envelope_id == envelope.pk
        package = evidence_package_build(package_id=queued.pk)  # the job queued on commit
        assert package.status == EvidencePackage.Status.READY
        with package.archive.open("rb") as handle:
            archive = handle.read()
    with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
        assert zipped.read("final.ofd") == data
    root = pki.certificate(pki.Role.ROOT).fingerprint(hashes.SHA256()).hex()
    checked = run_checker(tmp_path, archive, "--root-sha256", root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "final.ofd signature 1" in checked.stdout and "final.ofd signature 2" in checked.stdout


def _person_route(owner, envelope):
    with tenant_context(owner):
        person = Party.objects.get(envelope=envelope, kind="person")
        return cross_tenant.route_get_for_token(token=party_link_token(person))


def test_a_company_seals_and_a_person_signs_an_ofd_with_their_drawn_signature(
    cast, tasks_run_here, django_capture_on_commit_callbacks
):
    a, b, _d = cast
    envelope = _draft(a, b, person=True)
    with tenant_context(a.company):
        envelope_send(envelope=envelope, owner=a.company, acting_user=a.user)
    for signer in (a, b):
        AuthenticatorDevice.objects.filter(pk=signer.device.pk).update(last_t=-1)
        grant = _company_seals(signer, _route(signer.company, a.company), step=0)
        _execute_grant(a.company, grant["id"])
    route = _person_route(a.company, envelope)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cross_tenant.person_code_send(route=route)
    cross_tenant.person_code_check(route=route, code=_code_from_mail())
    drawn = drawn_signature_png()
    grant = cross_tenant.person_sign(route=route, signature=PersonSignature(consent=True, drawn_png=drawn))
    version = _execute_grant(a.company, grant["id"])
    assert version is not None and version.format == "ofd" and version.signature_count == 3
    with tenant_context(a.company):
        envelope_complete(envelope_id=envelope.pk)
        envelope.refresh_from_db()
        assert envelope.status == Envelope.Status.COMPLETED
        with envelope.final_version.file.open("rb") as handle:
            data = handle.read()
    report = report_as_dict(document_verify(data=data))
    assert report["verdict"] == "valid", report
    person = report["national"][2]
    assert person["verdict"] == "valid" and person["seal_name"] == "张三" and "张三" in person["signer"]
    checked = independent.check(data)
    assert [independent.all_good(item) for item in checked] == [True, True, True], checked
    # The person's signature protects both company seals before it.
    assert {"Doc_0/Signs/Sign_0/Signature.xml", "Doc_0/Signs/Sign_1/SignedValue.dat"} <= set(checked[2]["protected"])
    # A personal seal (GB/T 38540 type 2) made for this signature, listing only the person's
    # one-off SM2 certificate, its picture the drawing: shown at the person's place on page 2.
    package = ofd_package.open_ofd(data)
    signature = ofd_package.parse_signature_file(package, package.documents[0].signatures[2].path)
    parsed = nf.parse_signature(package.files[signature.signed_value_path])
    assert parsed.seal.seal_type == nf.SEAL_TYPE_PERSONAL and parsed.seal.name == "张三"
    assert parsed.seal.certificates == [parsed.signer_certificate]
    (annot,) = signature.stamp_annots
    assert annot.page_ref == package.documents[0].pages[1].id
    page = Image.open(io.BytesIO(render.render_page_png(data, 1, width_px=210 * 4))).convert("RGB")
    box = [
        round(value * 4) for value in (annot.boundary.x, annot.boundary.y, annot.boundary.width, annot.boundary.height)
    ]
    area = page.crop((box[0], box[1], box[0] + box[2], box[1] + box[3]))
    inked = [pixel for pixel in area.get_flattened_data() if pixel[2] > 80 and pixel[0] < 90]  # the pad's dark blue
    assert len(inked) > 20
    # Changing the drawing inside the person's seal breaks their signature and only theirs.
    seal_path = signature.seal_path.lstrip("/")
    tampered = writer.replace_entry(data, seal_path, package.files[signature.seal_path].replace(b"IDAT", b"IDAt", 1))
    verdicts = [item["verdict"] for item in report_as_dict(document_verify(data=tampered))["national"]]
    assert verdicts == ["valid", "valid", "invalid"]
    assert [independent.all_good(item) for item in independent.check(tampered)] == [True, True, False]
