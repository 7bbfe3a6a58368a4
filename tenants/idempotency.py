"""`Idempotency-Key` on POSTs that create something: the same key (per company and
caller) within 24 h returns the first response instead of creating twice."""

from __future__ import annotations

import functools
import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http.request import RawPostDataException
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from tenants.models import IdempotencyRecord

MAX_KEY_LENGTH = 255


class IdempotencyKeyInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"
    default_detail = _("Idempotency-Key must be 1–255 printable characters.")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _("This Idempotency-Key was already used for a different request.")


class IdempotencyRequestInProgress(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_request_in_progress"
    default_detail = _("A request with this Idempotency-Key is still being processed; retry shortly.")


def _canonical(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "sha256": digest.hexdigest()}
    if isinstance(value, MultiValueDict):
        return {key: [_canonical(item) for item in items] for key, items in value.lists()}
    if isinstance(value, dict):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    return value


def _body(request) -> bytes:
    """The raw body; a browser session's CSRF check has DRF parse it before the view runs
    (the raw body is gone then), so that caller's requests are told apart by the parsed data."""
    try:
        return request.body
    except RawPostDataException:
        return json.dumps(_canonical(request.data), sort_keys=True, default=str).encode()


def _fingerprint(request) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(b"\0" + request.get_full_path().encode() + b"\0")
    digest.update(_body(request))
    return digest.hexdigest()


def _claim(request, key: str) -> IdempotencyRecord | None:
    """Insert the in-progress marker; return the earlier record if the key was seen."""
    principal = str(request.user.pk)
    fingerprint = _fingerprint(request)
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    lookup = {"company": request.tenant, "principal": principal, "key": key}
    IdempotencyRecord.objects.filter(created_at__lt=cutoff, **lookup).delete()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(request_fingerprint=fingerprint, **lookup)
            return None
    except IntegrityError:
        earlier = IdempotencyRecord.objects.get(**lookup)
    if earlier.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    if earlier.status_code is None:
        raise IdempotencyRequestInProgress()
    return earlier


def idempotent(handler):
    """Decorate an APIView `post`. Responses below 500 are stored and replayed;
    a 5xx or an exception frees the key so the client can retry."""

    @functools.wraps(handler)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return handler(view, request, *args, **kwargs)
        if not (0 < len(key) <= MAX_KEY_LENGTH) or not key.isprintable():
            raise IdempotencyKeyInvalid()
        earlier = _claim(request, key)
        if earlier is not None:
            return Response(earlier.response_body, status=earlier.status_code, headers={"Idempotent-Replayed": "true"})
        lookup = {"company": request.tenant, "principal": str(request.user.pk), "key": key}
        try:
            response = handler(view, request, *args, **kwargs)
        except Exception:
            IdempotencyRecord.objects.filter(**lookup).delete()
            raise
        if response.status_code >= 500:
            IdempotencyRecord.objects.filter(**lookup).delete()
        else:
            IdempotencyRecord.objects.filter(**lookup).update(
                status_code=response.status_code, response_body=response.data
            )
        return response

    return wrapper
