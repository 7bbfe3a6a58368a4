"""PAdES B-LTA: an archive timestamp (a document timestamp) over the whole file, added as an
incremental update. Pure function over bytes; the caller passes the TSAs and trust roots
(documents/pdf/timestamping.py).

Each archive timestamp first brings the DSS up to date for the newest timestamp already in
the file (its TSA chain and fresh revocation data for it, and the current CRL of every
authority in the file), then timestamps everything, then adds the validation data for its
own TSA in a last DSS-only revision. The next
archive timestamp (before this TSA certificate expires) does the same, so the chain of
proofs can be followed back to the signatures offline, from the file alone."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import io
import logging
from dataclasses import dataclass

from asn1crypto import cms
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.general import find_cms_attribute_iter, find_unique_cms_attribute
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore, collect_validation_info
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.generic_cms import validate_tst_signed_data

from documents.pdf.structure import READ_ERRORS, InvalidPdf, sealing_reader
from documents.pdf.timestamping import (
    LongTermValidation,
    RemoteTimestamping,
    TimestampUnavailable,
    checked_timestamper,
    validation_context,
)

logger = logging.getLogger(__name__)

# Room for the timestamp token (the TSA's chain included), given up front so that no trial
# token is asked for to measure it.
ARCHIVE_TIMESTAMP_BYTES_RESERVED = 12288


class ArchiveChainBroken(Exception):  # noqa: N818 (a verdict on the file, not a bug)
    """The newest timestamp in the file cannot be validated now (its TSA certificate
    expired or was revoked, the token is damaged, or its revocation data could not be
    fetched): an archive timestamp added now would not extend a chain of proofs. Permanent
    once the TSA certificate has expired; otherwise worth trying again later."""


@dataclass(frozen=True)
class NewestTimestamp:
    """The newest timestamp in a file: a document timestamp, or the timestamp token of
    the newest signature. `at`: its time; `tsa_not_after`: when its TSA certificate
    expires (a renewal is due before then)."""

    at: dt.datetime
    tsa_not_after: dt.datetime
    archive: bool  # a document timestamp (B-LTA) rather than a signature's own timestamp
    archive_count: int  # document timestamps in the file


def _token_certificate(signed_data: cms.SignedData):
    signer_id = signed_data["signer_infos"][0]["sid"]
    for choice in signed_data["certificates"] or []:
        certificate = choice.chosen
        if signer_id.name == "issuer_and_serial_number":
            wanted = signer_id.chosen
            if certificate.issuer == wanted["issuer"] and certificate.serial_number == wanted["serial_number"].native:
                return certificate
        elif certificate.key_identifier == signer_id.chosen.native:
            return certificate
    raise ArchiveChainBroken("the timestamp token does not carry its TSA certificate")


def _certificates(reader) -> list:
    """Every certificate the file carries (signatures, their timestamp tokens, the DSS),
    once each, issued ones only (a root has no issuer to ask)."""
    found: dict[bytes, object] = {}

    def take(signed_data) -> None:
        for choice in signed_data["certificates"] or []:
            if choice.name == "certificate":
                found.setdefault(choice.chosen.sha256, choice.chosen)

    for signature in reader.embedded_signatures:
        take(signature.signed_data)
        for token in find_cms_attribute_iter(signature.signer_info["unsigned_attrs"], "signature_time_stamp_token"):
            take(token["content"])
    try:
        for certificate in DocumentSecurityStore.read_dss(reader).load_certs():
            found.setdefault(certificate.sha256, certificate)
    except NoDSSFoundError:
        pass
    return [c for c in found.values() if c.self_signed == "no"]


async def _fetch_crls(context, reader) -> None:
    """The current CRL of every authority that issued a certificate in the file, fetched
    into `context` (the DSS written from it then carries them). pyHanko's LTA validation
    needs them long after: once an OCSP answer is stale, several answers from one
    responder (the seal CA's for each party, the root's for the seal CA and every TSA
    certificate) count as "insufficient" rather than "stale", and the signature is
    refused instead of being validated in the past through the archive timestamps; a
    stale CRL is judged stale.

    A CRL that cannot be fetched is left out (and logged), not waited for: the OCSP answers
    already gathered are the revocation proof, and one dead CRL server of a third-party CA
    must not stop the renewals of every document after it."""
    for certificate in _certificates(reader):
        if not certificate.crl_distribution_points:
            continue
        try:
            await context.revinfo_manager.fetch_crls(certificate)
        except Exception as exc:  # whatever the fetcher raises: this CRL is missing
            logger.warning("no CRL for %r: %s", certificate.subject.human_friendly[:200], type(exc).__name__)


def _newest(reader):
    """(signed data of the newest timestamp token, the signature contents it belongs to,
    its expected imprint, number of document timestamps); None when nothing is timestamped."""
    signatures = sorted(reader.embedded_signatures, key=lambda s: s.signed_revision)
    archives = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    if not signatures:
        return None
    newest = signatures[-1]
    if newest.sig_object_type == "/DocTimeStamp":
        return newest.signed_data, newest.pkcs7_content, newest.compute_digest, len(archives)
    try:
        token = find_unique_cms_attribute(newest.signer_info["unsigned_attrs"], "signature_time_stamp_token")
    except Exception:  # a B-B signature: no timestamp to extend
        return None
    signature_value = newest.signer_info["signature"].native
    return token["content"], newest.pkcs7_content, lambda algo: hashlib.new(algo, signature_value).digest(), 0


def newest_timestamp(pdf: bytes) -> NewestTimestamp | None:
    """What a renewal is judged on; None for a file without any timestamp."""
    try:
        found = _newest(sealing_reader(pdf))
    except InvalidPdf:
        raise
    except READ_ERRORS as exc:
        raise InvalidPdf("malformed", str(exc)[:200]) from exc
    if found is None:
        return None
    signed_data, _contents, _imprint, count = found
    info = signed_data["encap_content_info"]["content"].parsed
    return NewestTimestamp(
        at=info["gen_time"].native,
        tsa_not_after=_token_certificate(signed_data)["tbs_certificate"]["validity"]["not_after"].native,
        archive=count > 0,
        archive_count=count,
    )


class _Recording(TimeStamper):
    """The checked timestamper, remembering the tokens it handed out (and their imprints)."""

    def __init__(self, inner: TimeStamper):
        super().__init__()
        self.inner = inner
        self.received: list[tuple[cms.ContentInfo, bytes]] = []

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        token = await self.inner.async_timestamp(message_digest, md_algorithm)
        self.received.append((token, message_digest))
        return token


async def _archive(pdf: bytes, timestamping: RemoteTimestamping, validation: LongTermValidation) -> bytes:
    reader = sealing_reader(pdf)
    context = validation_context(validation.trust_roots_pem, fetching=True)
    try:
        found = _newest(reader)
        writer = IncrementalPdfFileWriter.from_reader(reader)
        if found is not None:
            signed_data, contents, imprint, _count = found
            try:
                status = await validate_tst_signed_data(signed_data, context, expected_tst_imprint=imprint)
            except Exception as exc:  # any failure to build or check the path: the chain cannot be extended
                raise ArchiveChainBroken(f"{type(exc).__name__}: {str(exc)[:200]}") from exc
            path = status.get("validation_path")
            if not (status.get("intact") and status.get("valid")) or path is None:
                raise ArchiveChainBroken("the newest timestamp does not validate now")
            await _fetch_crls(context, reader)
            DocumentSecurityStore.supply_dss_in_writer(writer, contents, paths=(path,), validation_context=context)
        credential = writer.security_handler.extract_credential() if writer.security_handler else None
        output = io.BytesIO()
        # No validation context here: pyHanko would ask the TSA for a trial token to learn its
        # chain. The chain of the token actually received is validated below instead.
        timestamper = _Recording(checked_timestamper(timestamping))
        await PdfTimeStamper(timestamper).async_timestamp_pdf(
            writer, "sha256", None, bytes_reserved=ARCHIVE_TIMESTAMP_BYTES_RESERVED, output=output
        )
        token, digest = timestamper.received[-1]
        try:
            status = await validate_tst_signed_data(token["content"], context, expected_tst_imprint=lambda _a: digest)
        except Exception as exc:  # revocation data for the TSA could not be fetched: try again later
            raise TimestampUnavailable("unreachable", f"validation data for the TSA: {type(exc).__name__}") from exc
        if status.get("validation_path") is None:
            raise TimestampUnavailable("unreachable", "validation data for the TSA could not be gathered")
        DocumentSecurityStore.add_dss(
            output,
            None,
            paths=(status["validation_path"],),
            validation_context=context,
            force_write=True,
            file_credential=credential.serialise() if credential else None,
            strict=False,
        )
        return output.getvalue()
    finally:
        await context.aclose()  # the OCSP/CRL fetchers' HTTP session


async def _long_term(pdf: bytes, validation: LongTermValidation) -> bytes:
    reader = sealing_reader(pdf)
    context = validation_context(validation.trust_roots_pem, fetching=True)
    try:
        newest = reader.embedded_signatures[-1]
        try:
            paths = await collect_validation_info(newest, context)
        except Exception as exc:  # an OCSP responder away: the job tries again
            raise TimestampUnavailable(
                "unreachable", f"validation data for the signature: {type(exc).__name__}"
            ) from exc
        await _fetch_crls(context, reader)
        writer = IncrementalPdfFileWriter.from_reader(reader)
        contents = newest.pkcs7_content.hex().encode("ascii")
        DocumentSecurityStore.supply_dss_in_writer(writer, contents, paths=paths, validation_context=context)
        output = io.BytesIO()
        writer.write(output)
        return output.getvalue()
    finally:
        await context.aclose()


def long_term_data_add(pdf: bytes, *, validation: LongTermValidation) -> bytes:
    """PAdES B-LT after the fact, for a signature made elsewhere (a U-key in the browser):
    one DSS revision with the newest signature's chains (its signer's and its timestamp's
    TSA) and their revocation data, fetched now. Raises TimestampUnavailable (wait and
    retry) or InvalidPdf."""
    try:
        return asyncio.run(_long_term(pdf, validation))
    except (InvalidPdf, TimestampUnavailable):
        raise
    except READ_ERRORS as exc:
        raise InvalidPdf("malformed", str(exc)[:200]) from exc


def archive_timestamp_add(pdf: bytes, *, timestamping: RemoteTimestamping, validation: LongTermValidation) -> bytes:
    """`pdf` with an archive timestamp added (B-LTA, or one more link in its chain).
    Raises TimestampUnavailable (no TSA gave a good token: wait and retry; nothing local is
    ever used), ArchiveChainBroken (the newest timestamp no longer validates) or InvalidPdf."""
    try:
        return asyncio.run(_archive(pdf, timestamping, validation))
    except InvalidPdf:
        raise
    except READ_ERRORS as exc:
        raise InvalidPdf("malformed", str(exc)[:200]) from exc
