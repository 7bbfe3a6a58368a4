"""PAdES B-LTA validation: pyHanko's AdES LTA procedure (ETSI EN 319 102-1 §5.6.3) over the
chain of archive timestamps, offline. Pure function over a parsed file.

Nothing is fetched: certificates and revocation data come from the file (its DSS) and
from the caller (trusted roots, current CRLs). Each archive timestamp gives proof of
existence to everything before it, so a signature whose certificate has expired, and
timestamps whose TSA certificates have expired, are validated in the past through the
chain. Only the newest archive timestamp must stand today; no revocation answer in the
file can be fresh for a later day, so its TSA certificate is taken as not revoked today
unless the caller's CRLs say otherwise (the assumption pyHanko's own
`simulate_future_ades_lta_validation` makes)."""

from __future__ import annotations

import asyncio
import datetime as dt
from dataclasses import dataclass

from asn1crypto import crl as asn1_crl
from pyhanko.sign.ades.report import AdESPassed
from pyhanko.sign.validation.ades import ades_lta_validation
from pyhanko.sign.validation.policy_decl import (
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import (
    REQUIRE_REVINFO,
    CertRevTrustPolicy,
    FreshnessReqType,
    NonRevokedStatusAssertion,
)
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer


@dataclass(frozen=True)
class ArchiveProof:
    """`valid`: the AdES LTA procedure passed; `proven_at`: the earliest time the chain
    proves the signature existed; `archive_timestamps`: document timestamps after it."""

    valid: bool
    proven_at: dt.datetime | None
    archive_timestamps: int
    indication: str


def _revoked_by(crls: list[asn1_crl.CertificateList], certificate) -> bool:
    for revocation_list in crls:
        if revocation_list.issuer != certificate.issuer:
            continue
        for entry in revocation_list["tbs_cert_list"]["revoked_certificates"] or []:
            if entry["user_certificate"].native == certificate.serial_number:
                return True
    return False


def lta_validation_spec(trust_roots: list, crls: list[bytes], *, newest_tsa=None, at: dt.datetime):
    """Revocation data required for every certificate below a root, judged fresh only
    when issued close enough to the time it is used for (pyHanko's AdES freshness rule)."""
    revocation_lists = [asn1_crl.CertificateList.load(data) for data in crls]
    assertions = []
    if newest_tsa is not None and not _revoked_by(revocation_lists, newest_tsa):
        assertions.append(NonRevokedStatusAssertion(newest_tsa.sha256, at))
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=trust_roots),
        revinfo_policy=CertRevTrustPolicy(
            REQUIRE_REVINFO, freshness_req_type=FreshnessReqType.MAX_DIFF_REVOCATION_VALIDATION
        ),
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY
            ),
            local_knowledge=LocalKnowledge(
                known_crls=[CRLContainer(data) for data in revocation_lists], nonrevoked_assertions=assertions
            ),
        )
    )


def archive_proof(
    signature, trust_roots: list, crls: list[bytes] = (), *, at: dt.datetime | None = None
) -> ArchiveProof:
    """The LTA verdict on `signature` (a pyHanko EmbeddedPdfSignature) at `at` (default
    now). Only meaningful when document timestamps follow the signature."""
    at = at or dt.datetime.now(dt.UTC)
    reader = signature.reader
    archives = [
        s
        for s in reader.embedded_timestamp_signatures
        if s.sig_object_type == "/DocTimeStamp" and s.signed_revision > signature.signed_revision
    ]
    if not archives:
        return ArchiveProof(False, None, 0, "no_archive_timestamp")
    spec = lta_validation_spec(trust_roots, list(crls), newest_tsa=archives[-1].signer_cert, at=at)
    timing = ValidationTimingInfo(validation_time=at, best_signature_time=at, point_in_time_validation=False)
    result = asyncio.run(ades_lta_validation(signature, spec, timing_info=timing))
    passed = result.ades_subindic == AdESPassed.OK and result.oldest_evidence_record_timestamp is not None
    return ArchiveProof(
        valid=passed,
        proven_at=result.best_signature_time if passed else None,
        archive_timestamps=len(archives),
        indication=str(result.ades_subindic.name).lower(),
    )
