from __future__ import annotations

import uuid

from django.db import connection, models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def version_file_path(instance: DocumentVersion, filename: str) -> str:
    # Per-company prefix: media/<schema>/documents/... (docs/library-notes.md: media paths leak otherwise).
    return f"{connection.schema_name}/documents/{instance.document_id}/v{instance.number}-{instance.id.hex[:12]}.pdf"


class Document(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=255)
    created_by_id = models.UUIDField(null=True)
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    current_version = models.ForeignKey(
        "DocumentVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class DocumentListState(models.Model):
    """One row per company whose token changes in the same transaction as any change to
    a document row, so a cached page of the documents list is valid exactly as long as
    the token it was stored under. Rolled back, restored or copied with the data."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    token = models.UUIDField(default=uuid.uuid4)

    def __str__(self) -> str:
        return self.token.hex


class DocumentVersion(models.Model):
    class Kind(models.TextChoices):
        ORIGINAL = "original", _("Original")
        SEALED = "sealed", _("Sealed")
        PREPARED = "prepared", _("Prepared for signing")
        TIMESTAMPED = "timestamped", _("Completed and timestamped")
        RECEIVED = "received", _("Received copy")
        REPAIRED = "repaired", _("Repaired copy (damaged file structure rebuilt, content unchanged)")
        CLEANED = "cleaned", _("Active content removed")
        ARCHIVED = "archived", _("Archive timestamp renewed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    file = models.FileField(upload_to=version_file_path, max_length=300)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    page_count = models.PositiveIntegerField()
    pages = models.JSONField(default=list)  # [{left, bottom, right, top, rotation}] per page
    signature_count = models.PositiveIntegerField(default=0)
    # Why no seal may be added (documents/pdf/structure.py codes, e.g. "certified_no_changes"), or "".
    sealing_refusal = models.CharField(max_length=40, blank=True, default="")
    # What in the file runs or opens something ({"kinds": [...], "web_links": n}, codes of
    # ACTIVE_CONTENT_KINDS; "unknown": true when it could not be analysed); None: not checked.
    active_content = models.JSONField(null=True, blank=True, default=None)
    previews_ready = models.PositiveIntegerField(default=0)  # pages pre-rendered by the worker
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    # B-LTA: when the TSA certificate of the file's newest archive timestamp expires. The
    # renewal job adds the next one before then (documents/services/archive.py); None: the
    # file has no archive timestamp to keep alive.
    archive_renew_by = models.DateTimeField(null=True, blank=True, db_index=True)
    # The grant that produced this version: a retried job finds it instead of sealing twice.
    grant = models.OneToOneField(
        "SigningGrant", on_delete=models.PROTECT, null=True, blank=True, related_name="result_version"
    )

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["document", "number"], name="document_version_number_unique")]

    def __str__(self) -> str:
        return f"{self.document} v{self.number}"

    @property
    def active_content_kinds(self) -> list[str]:
        """What the file contains that runs or opens something, in the reader's language."""
        kinds = (self.active_content or {}).get("kinds") or []
        return [str(ACTIVE_CONTENT_KINDS[kind]) for kind in kinds if kind in ACTIVE_CONTENT_KINDS]

    @property
    def active_content_unknown(self) -> bool:
        return bool((self.active_content or {}).get("unknown"))


class Placement(models.Model):
    """Where a seal goes: a rectangle in PDF user space on a 0-based page."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("On one page")
        CROSS_PAGE = "cross_page", _("Across the page edges (骑缝章)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="placements")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SINGLE)
    seal_id = models.UUIDField()
    page = models.PositiveIntegerField()
    x = models.FloatField()
    y = models.FloatField()
    width = models.FloatField()
    height = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["page", "created_at"]

    def __str__(self) -> str:
        return f"p{self.page + 1} ({self.x:.0f}, {self.y:.0f})"


class SigningGrant(models.Model):
    """Single-use permission to seal one document version with one seal, created after the
    seal password and a one-time code were checked. Holds the seal's data key wrapped
    under the master key for at most 5 minutes; the broker only ever sees the grant id."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Sealing")
        DONE = "done", _("Sealed")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="grants")
    base_version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="+")
    seal_id = models.UUIDField(null=True, blank=True)  # empty for a person's signature
    user_id = models.UUIDField(null=True, blank=True)
    user_label = models.CharField(max_length=200)
    placements = models.JSONField()
    # Envelope signing: the party whose existing fields are signed; a person signs with a
    # one-off certificate whose key is what `wrapped_data_key` holds.
    envelope_party_id = models.UUIDField(null=True, blank=True)
    certificate_pem = models.TextField(blank=True)
    certify = models.BooleanField(default=False)
    wrapped_data_key = models.BinaryField(null=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    evidence = models.JSONField(default=dict)  # willingness check: method, time, IP

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.document} · {self.get_status_display()}"

    @property
    def error_message(self) -> str:
        """`error` holds a code; the message is in the reader's language."""
        if self.error.startswith("timestamp_") and self.status in (self.Status.PENDING, self.Status.RUNNING):
            return str(TIMESTAMP_WAITING)
        return str(GRANT_ERRORS.get(self.error, GRANT_ERRORS["failed"])) if self.error else ""


TIMESTAMP_WAITING = _(
    "Waiting for a timestamp: the timestamp service did not answer well. Sealing continues by itself."
)

# What a file may carry that runs or opens something (documents/pdf/active_content.py codes).
ACTIVE_CONTENT_KINDS = {
    "javascript": _("JavaScript (programs that run in the reader)"),
    "launch": _("Commands that start other programs"),
    "other_file": _("Links that open other files"),
    "embedded_file": _("Embedded files (attachments)"),
    "import_data": _("Actions that import data from other files"),
    "submit_form": _("Forms that send their contents to an address"),
    "multimedia": _("Multimedia (sound, video, 3D)"),
    "xfa_form": _("XFA forms (dynamic forms)"),
}

# Why a document cannot take a seal; shown at placement, and by a sealing job that met it.
SEALING_REFUSALS = {
    "certified_no_changes": _(
        "The author certified this document and forbids any change, so it cannot be sealed. "
        "Ask the author for a version that allows signing."
    ),
    "certified_fields_only": _(
        "The author certified this document; it may only be signed in the signature fields the author "
        "prepared, so a new seal would void the certification. Ask the author for a version that allows it."
    ),
    "locked_by_signature": _(
        "A signature in this document locks it against the change a new seal makes, so it cannot be sealed "
        "without voiding that signature."
    ),
    "signed_page_change": _(
        "A cross-page seal draws on every page, which the signatures already in this document do not allow. "
        "Use a seal on one page instead."
    ),
    "malformed": _(
        "The PDF's internal structure is damaged, so it cannot be sealed. Save it again from the original program."
    ),
    "encrypted": _("This PDF needs a password to open, so it cannot be sealed."),
    "permission_denied": _("The PDF's security settings do not allow adding signatures, so it cannot be sealed."),
    "encryption_unsupported": _("The PDF's protection settings are written in a way that cannot be kept when sealing."),
}

GRANT_ERRORS = {
    "expired": _("The confirmation expired before the seal was applied. Confirm again."),
    "document_changed": _("The document changed after you confirmed. Confirm again."),
    "fingerprint_mismatch": _("The stored file does not match its fingerprint; nothing was sealed."),
    "seal_inactive": _("The seal was suspended or revoked; nothing was sealed."),
    "failed": _("Sealing failed. Nothing was changed; please try again."),
    "envelope_closed": _("The envelope is no longer open for signing; nothing was signed."),
    "authority_lost": _("The person who confirmed may no longer use this seal; nothing was sealed."),
    "timestamp_unreachable": _("No timestamp service answered; nothing was sealed. Please try again later."),
    "timestamp_refused": _("The timestamp service refused the request; nothing was sealed."),
    "timestamp_bad_nonce": _("The timestamp service answered a different request; nothing was sealed."),
    "timestamp_bad_imprint": _("The timestamp service stamped different content; nothing was sealed."),
    "timestamp_untrusted": _("The timestamp was not signed by a trusted timestamp service; nothing was sealed."),
    "timestamp_malformed": _("The timestamp service sent an unreadable answer; nothing was sealed."),
    # Permanent refusals from the PDF engine (documents/pdf/structure.py): retrying cannot help.
    **SEALING_REFUSALS,
}


class SigningSession(models.Model):
    """Remote sealing with a hardware key (U-key): the server prepared the revision, the
    local agent signs `signed_attributes` on the token and posts the signature back.
    Authenticated by a one-time token (only its SHA-256 is stored); usable for 10
    minutes and until it ends. With several placements the steps run in turn, each
    step's prepared PDF built on the previous step's signed one."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for your U-key")
        FINISHING = "finishing", _("Signature received, sealing")
        DONE = "done", _("Sealed")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="signing_sessions")
    base_version = models.ForeignKey(DocumentVersion, on_delete=models.PROTECT, related_name="+")
    seal_id = models.UUIDField()
    user_id = models.UUIDField()
    user_label = models.CharField(max_length=200)
    placements = models.JSONField()
    step = models.PositiveSmallIntegerField(default=0)  # index of the placement being signed
    token_hash = models.CharField(max_length=64, unique=True)
    # The prepared revision of the current step (see documents/pdf/remote.py); emptied
    # when the session ends.
    prepared_pdf = models.BinaryField(null=True)
    reserved_start = models.PositiveBigIntegerField(default=0)
    reserved_end = models.PositiveBigIntegerField(default=0)
    document_digest = models.BinaryField(null=True)
    signed_attributes = models.BinaryField(null=True)
    signature = models.BinaryField(null=True)  # the token's, between receipt and embedding
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.WAITING)
    error = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    result_version = models.OneToOneField(
        DocumentVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="signing_session"
    )
    evidence = models.JSONField(default=dict)  # willingness check: method, time, IP

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.document} · {self.get_status_display()}"

    @property
    def error_message(self) -> str:
        return str(SESSION_ERRORS.get(self.error, GRANT_ERRORS["failed"])) if self.error else ""


SESSION_ERRORS = {
    **GRANT_ERRORS,
    "expired": _("The U-key did not sign within 10 minutes. Start again."),
}


class SealUseRequest(models.Model):
    """A member without direct rights on a seal asks to use it on a document (用印审批);
    a seal manager approves (with limits) or rejects. An approval is consumed one use at a
    time, in the transaction that creates the signing grant."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for a decision")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        CANCELED = "canceled", _("Withdrawn")
        USED_UP = "used_up", _("Used up")
        EXPIRED = "expired", _("Expired")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="seal_use_requests")
    # Seals and users live in the public schema: plain ids plus labels, as in AuditEvent.
    seal_id = models.UUIDField()
    seal_label = models.CharField(max_length=300)
    requester_id = models.UUIDField(db_index=True)
    requester_label = models.CharField(max_length=200)
    reason = models.TextField(_("reason"))
    # The requester's placements of this seal when asking: what the approver looked at.
    placements = models.JSONField(default=list)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by_id = models.UUIDField(null=True, blank=True)
    decided_by_label = models.CharField(max_length=200, blank=True)
    document_only = models.BooleanField(_("this document only"), default=True)
    uses_allowed = models.PositiveIntegerField(_("uses allowed"), default=1)
    uses_count = models.PositiveIntegerField(default=0)
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "workflows_sealuserequest"  # moved from workflows; the table kept its name
        verbose_name = _("seal-use request")
        verbose_name_plural = _("seal-use requests")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "seal_id", "requester_id"],
                condition=models.Q(status="pending"),
                name="seal_use_request_one_pending",
            ),
            models.CheckConstraint(condition=models.Q(uses_allowed__gte=1), name="seal_use_request_uses_allowed"),
        ]

    def __str__(self) -> str:
        return f"{self.seal_label} · {self.document} · {self.requester_label}"

    @property
    def state(self) -> str:
        """The status as the reader should see it: an approval past its date is expired
        even before anything writes that down."""
        if self.status == self.Status.APPROVED and self.valid_until is not None and self.valid_until <= timezone.now():
            return self.Status.EXPIRED
        return self.status

    @property
    def state_label(self) -> str:
        return str(self.Status(self.state).label)

    @property
    def uses_left(self) -> int:
        return max(self.uses_allowed - self.uses_count, 0)


def evidence_file_path(instance: EvidencePackage, filename: str) -> str:
    return f"{connection.schema_name}/evidence/{instance.document_id}/{instance.id.hex}-{filename}"


class EvidencePackage(models.Model):
    """The evidence (出证) of a finished file: a completed envelope's final version or a
    standalone sealing's result. Built by a job on the bulk queue (one per version: the job
    may run twice); the report and the ZIP live in file storage."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="evidence_packages")
    version = models.OneToOneField(DocumentVersion, on_delete=models.PROTECT, related_name="evidence_package")
    # Set when the version completed an envelope (workflows owns envelopes; no foreign key upwards).
    envelope_id = models.UUIDField(null=True, blank=True, db_index=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    report = models.FileField(upload_to=evidence_file_path, max_length=300, blank=True)
    archive = models.FileField(upload_to=evidence_file_path, max_length=300, blank=True)
    archive_sha256 = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("evidence package")
        verbose_name_plural = _("evidence packages")

    def __str__(self) -> str:
        return f"{self.document} v{self.version.number} evidence"
