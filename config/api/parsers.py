"""JSON bodies are read under limits before they are parsed: Python's JSON parser recurses
once per level of nesting, so a body of a thousand `[` would end in RecursionError (a 500),
and DRF reads a JSON body whole whatever its size."""

from __future__ import annotations

import io
import re
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32
_STRING = re.compile(rb'"[^"]*"')
_BRACKETS = b"[]{}"
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in _BRACKETS)
_DEPTH_STEP = [1 if bytes([byte]) in b"[{" else -1 for byte in range(256)]


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = _("The request body is too large.")


class JsonTooDeep(exceptions.ParseError):
    def __init__(self):
        message = _("The JSON body is nested too deeply (at most %(depth)s levels).")
        super().__init__(message % {"depth": MAX_JSON_DEPTH})


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects, counted without recursion. Escapes go first
    (a JSON string's backslash always starts a pair), then strings, so only structure is left."""
    structure = _STRING.sub(b"", body.replace(b"\\\\", b"").replace(b'\\"', b""))
    brackets = structure.translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


class BoundedJSONParser(JSONParser):
    """DRF's JSON parser behind a size limit (DATA_UPLOAD_MAX_MEMORY_SIZE, as Django applies to
    form bodies) and a nesting limit checked on the raw bytes."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            raise PayloadTooLarge()
        if json_depth(body) > MAX_JSON_DEPTH:
            raise JsonTooDeep()
        try:
            return super().parse(io.BytesIO(body), media_type, parser_context)
        except RecursionError as exc:  # nesting hidden from the count above by invalid escapes
            raise JsonTooDeep() from exc
