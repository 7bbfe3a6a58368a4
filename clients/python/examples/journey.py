"""The whole journey with the generated client (`sealhub_client`) and nothing else:

1. company A, by its API key: upload a PDF, place its seal by coordinates and on a keyword,
   ask for an emailed seal code, seal with the seal password and that code, wait for the job,
   download the sealed version and verify it (verification needs no key);
2. an envelope from A to company B; B's party seals from B's inbox through B's own API key
   (with a code from B's authenticator app); A waits for the envelope to complete, downloads
   the final PDF and verifies it.

Settings come from the environment (`SEALHUB`, `KEY`, `SEAL_ID`, `SEAL_PASSWORD`, `PDF`,
`KEYWORD` for A; `PARTNER`, `PARTNER_KEY`, `PARTNER_SEAL_ID`, `PARTNER_SEAL_PASSWORD`,
`PARTNER_USCC`, `PARTNER_EMAIL` for B). The two one-time codes are read from standard input
when asked for. `SEALHUB_HOST` / `PARTNER_HOST` set the Host header when the address is not
the company's own host name (a tunnel or a test server).

    pip install ./clients/python/sealhub-client
    SEALHUB=https://a.example.com KEY=shk_... ... python clients/python/examples/journey.py
"""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path
from uuid import UUID

from sealhub_client import AuthenticatedClient, Client
from sealhub_client.api.documents import (
    documents_create,
    documents_download,
    documents_job,
    documents_seal,
    documents_seal_code,
    placements_create,
)
from sealhub_client.api.envelopes import envelopes_create, envelopes_final, envelopes_retrieve
from sealhub_client.api.inbox import inbox_job, inbox_list, inbox_seal
from sealhub_client.api.verify import verify
from sealhub_client.models import (
    DocumentUploadRequest,
    EnvelopeFieldRequest,
    EnvelopeInputRequest,
    EnvelopePartyInputKindEnum,
    EnvelopePartyInputRequest,
    Error,
    InboxSealInputRequest,
    OtpMethodEnum,
    PlacementInputRequest,
    SealInputRequest,
    VerifyInputRequest,
)
from sealhub_client.types import File

UNFINISHED = {"pending", "running"}


class JourneyError(RuntimeError):
    pass


def ok(result, what: str):
    """The parsed answer, or a stop with the API's own error."""
    if result is None or isinstance(result, Error):
        detail = f"{result.type_}: {result.detail} {result.errors or ''}" if result else "no answer"
        raise JourneyError(f"{what} failed: {detail}")
    return result


def ask(prompt: str) -> str:
    print(prompt, flush=True)
    line = sys.stdin.readline().strip()
    if not line:
        raise JourneyError(f"no answer to: {prompt}")
    return line


def wait(check, what: str, seconds: float = 120):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        if time.monotonic() > deadline:
            raise JourneyError(f"timed out waiting for {what}")
        time.sleep(0.5)
    return result


def company_client(url: str, key: str, host: str | None) -> AuthenticatedClient:
    return AuthenticatedClient(
        base_url=url,
        token=key,
        prefix="Api-Key",
        headers={"Host": host} if host else {},
        timeout=60,
        raise_on_unexpected_status=True,
    )


def verdict_of(url: str, host: str | None, pdf: bytes) -> str:
    anyone = Client(base_url=url, headers={"Host": host} if host else {}, timeout=60, raise_on_unexpected_status=True)
    body = VerifyInputRequest(file=File(payload=io.BytesIO(pdf), file_name="sealed.pdf", mime_type="application/pdf"))
    return ok(verify.sync(client=anyone, body=body), "verifying")["verdict"]


def seal_own_document(a: AuthenticatedClient, env: dict, pdf: bytes) -> tuple[UUID, bytes]:
    upload = DocumentUploadRequest(file=File(payload=io.BytesIO(pdf), file_name="contract.pdf"))
    document = ok(documents_create.sync(client=a, body=upload), "uploading")
    seal_id = UUID(env["SEAL_ID"])
    print(f"uploaded {document.id}")

    by_point = PlacementInputRequest(seal_id=seal_id, page=0, x=380, y=80)
    ok(placements_create.sync(document.id, client=a, body=by_point), "placing by coordinates")
    by_text = PlacementInputRequest(seal_id=seal_id, text=env["KEYWORD"], occurrence=1)
    placed = ok(placements_create.sync(document.id, client=a, body=by_text), "placing on the keyword")
    print(f"placed on {env['KEYWORD']!r}: {len(placed) if isinstance(placed, list) else 1}")

    sent = ok(documents_seal_code.sync(document.id, client=a), "asking for the seal code")
    code = ask(f"seal code sent to {sent.sent_to}; enter it:")
    body = SealInputRequest(
        seal_id=seal_id, seal_password=env["SEAL_PASSWORD"], otp_method=OtpMethodEnum.EMAIL, otp_code=code
    )
    job = ok(documents_seal.sync(document.id, client=a, body=body), "sealing")
    job = wait(
        lambda: (state := ok(documents_job.sync(document.id, job.id, client=a), "job")).status not in UNFINISHED
        and state,
        "the seal job",
    )
    if job.status != "done":
        raise JourneyError(f"the seal job ended {job.status}: {job.error}")
    sealed = ok(documents_download.sync(document.id, job.version, client=a), "downloading").payload.read()
    print(f"sealed version {job.version}: {verdict_of(env['SEALHUB'], env.get('SEALHUB_HOST'), sealed)}")
    return document.id, sealed


def envelope_to_partner(a: AuthenticatedClient, b: AuthenticatedClient, env: dict, document_id: UUID) -> bytes:
    party = EnvelopePartyInputRequest(
        kind=EnvelopePartyInputKindEnum.COMPANY,
        uscc=env["PARTNER_USCC"],
        email=env["PARTNER_EMAIL"],
        fields=[EnvelopeFieldRequest(page=0, x=120, y=80)],
    )
    body = EnvelopeInputRequest(document_id=document_id, name="Supply contract", parties=[party], send=True)
    envelope = ok(envelopes_create.sync(client=a, body=body), "sending the envelope")
    print(f"envelope {envelope.id}: {envelope.status}")

    def waiting_entry():
        entries = ok(inbox_list.sync(client=b), "B's inbox").results
        return next((entry for entry in entries if entry.status == "active"), None)

    entry = wait(waiting_entry, "the envelope in B's inbox")
    code = ask(f"B's authenticator code to seal {entry.envelope_name!r} from {entry.owner_name}:")
    seal = InboxSealInputRequest(
        seal_id=UUID(env["PARTNER_SEAL_ID"]),
        seal_password=env["PARTNER_SEAL_PASSWORD"],
        otp_method=OtpMethodEnum.AUTHENTICATOR,
        otp_code=code,
    )
    job = ok(inbox_seal.sync(entry.id, client=b, body=seal), "B sealing")
    job = wait(
        lambda: (state := ok(inbox_job.sync(entry.id, job.id, client=b), "B's job")).status not in UNFINISHED and state,
        "B's seal job",
    )
    if job.status != "done":
        raise JourneyError(f"B's seal job ended {job.status}: {job.error}")
    print("B sealed")

    done = wait(
        lambda: (state := ok(envelopes_retrieve.sync(envelope.id, client=a), "the envelope")).status != "in_progress"
        and state,
        "the envelope to complete",
    )
    print(f"envelope {done.status}")
    return ok(envelopes_final.sync(envelope.id, client=a), "downloading the final PDF").payload.read()


def main() -> None:
    env = {"PDF": "contract.pdf", "KEYWORD": "Seal here", **os.environ}
    a = company_client(env["SEALHUB"], env["KEY"], env.get("SEALHUB_HOST"))
    b = company_client(env["PARTNER"], env["PARTNER_KEY"], env.get("PARTNER_HOST"))
    with a, b:
        document_id, sealed = seal_own_document(a, env, Path(env["PDF"]).read_bytes())
        Path("sealed.pdf").write_bytes(sealed)
        final = envelope_to_partner(a, b, env, document_id)
        Path("final.pdf").write_bytes(final)
        print(f"final: {verdict_of(env['SEALHUB'], env.get('SEALHUB_HOST'), final)}")


if __name__ == "__main__":
    try:
        main()
    except JourneyError as error:
        sys.exit(str(error))
