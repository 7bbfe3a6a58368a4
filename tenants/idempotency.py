"""`Idempotency-Key` on POSTs that create something: the same key (per company and
caller) within 24 h returns the first response instead of creating twice."""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from config.api.errors import error_response_body
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


class IdempotentSecretNotReplayed(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "idempotency_secret_not_replayed"


def _canonical(value):
    """What the request means, independent of how it was written: files by name and SHA-256
    (not the multipart boundary), objects as sorted JSON (not the order of their keys)."""
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


def _fingerprint(request) -> str:
    """Keyed with SECRET_KEY: the request may carry a seal password, and an unkeyed hash of it
    in the store could be guessed offline. The parsed body is compared, never the raw bytes
    (read whole, they would also bring back Django's in-memory body limit for uploads)."""
    meaning = json.dumps(
        [request.method, request.get_full_path(), _canonical(request.data)],
        sort_keys=True,
        default=str,
        ensure_ascii=False,
    )
    return hmac.new(settings.SECRET_KEY.encode(), meaning.encode(), hashlib.sha256).hexdigest()


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


def _replay_record(response, secret_fields: tuple[str, ...]) -> tuple[int, dict]:
    """What a retry gets. A response that carries a secret is not kept: the retry is told
    the request already succeeded, where to find what it made, and that the secret is gone."""
    data = response.data
    if secret_fields and response.status_code < 300 and isinstance(data, dict) and set(secret_fields) & set(data):
        refusal = IdempotentSecretNotReplayed(
            _(
                "This request already succeeded with this Idempotency-Key (it created %(id)s). Its secret "
                "was shown only in that response and is not kept, so it cannot be shown again."
            )
            % {"id": data.get("id", "")}
        )
        return refusal.status_code, error_response_body(
            refusal.default_code, str(_("Request refused")), str(refusal.detail)
        )
    return response.status_code, data


def idempotent(handler=None, *, secret_fields: tuple[str, ...] = ()):
    """Decorate an APIView `post`. Responses below 500 are stored and replayed;
    a 5xx or an exception frees the key so the client can retry. `secret_fields` names
    response fields shown once: such a response is replayed as 409 without them."""
    if handler is None:
        return functools.partial(idempotent, secret_fields=secret_fields)

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
            status_code, body = _replay_record(response, secret_fields)
            IdempotencyRecord.objects.filter(**lookup).update(status_code=status_code, response_body=body)
        return response

    return wrapper
