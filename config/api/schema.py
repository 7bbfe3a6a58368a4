"""The OpenAPI schema tells the whole truth: every operation lists the error statuses it can
answer, all in the one error shape (`config/api/errors.py`), and request bodies that refuse
unknown fields say so (`additionalProperties: false`)."""

from __future__ import annotations

import inspect

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from rest_framework import serializers

from config.api.serializers import StrictInputSerializer

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
WITH_BODY = {"POST", "PUT", "PATCH"}
ERROR_DESCRIPTIONS = {
    "400": "Invalid input: `errors` names each field (nested input keeps its shape)",
    "401": "Authentication required or failed",
    "403": "Permission denied (role, API key scope, or a request from another site)",
    "404": "Not found (or not visible to this company): the object in the address or one the body names",
    "409": "Conflict with the current state (or the same Idempotency-Key still in progress, "
    "or a replay of a response that carried a secret)",
    "410": "Gone: the session ended",
    "413": "Request body too large",
    "415": "Unsupported content type",
    "422": "Unprocessable: this Idempotency-Key was used for another request, or the file cannot be processed",
    "429": "Too many requests (see `Retry-After`)",
}


class ErrorSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="Machine-readable error code, e.g. `validation_error`")
    title = serializers.CharField(help_text="Short summary, in the request's language")
    detail = serializers.CharField(help_text="What went wrong and what to do, in the request's language")
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Field name → list of messages; errors of nested objects and lists keep their shape",
    )


def _statuses(method: str, path: str, throttled: bool) -> list[str]:
    codes = ["400", "401", "403"]
    if "{" in path or method in UNSAFE:
        codes.append("404")  # the object in the address, or one the body names
    if method in UNSAFE:
        codes += ["409", "413", "415", "422"]
    if "signing_sessions" in path or "seal_sessions" in path:
        codes.append("410")
    if throttled:
        codes.append("429")
    return codes


def _takes_files(serializer) -> bool:
    if serializer is None or isinstance(serializer, dict):
        return True  # no body, or media types listed by hand: leave them as they are
    serializer = force_instance(serializer)
    if not isinstance(serializer, serializers.BaseSerializer):
        return True
    fields = getattr(serializer, "child", serializer).fields.values()
    return any(isinstance(field, serializers.FileField) or _takes_files_nested(field) for field in fields)


def _takes_files_nested(field) -> bool:
    nested = getattr(field, "child", field)
    return isinstance(nested, serializers.BaseSerializer) and _takes_files(nested)


def _form_booleans(result: dict) -> None:
    """A body with files is a form (multipart only, see `map_parsers`), where every value is
    text and a boolean is refused unless spelled `true` or `false` (config/api/serializers.py):
    the schema says so, instead of `type: boolean`, which clients write as they like ("True")."""
    for prop in result.get("properties", {}).values():
        if prop.get("type") == "boolean":
            prop["type"] = "string"
            prop["enum"] = ["true", "false"]
            if "default" in prop:
                prop["default"] = "true" if prop["default"] else "false"


class SealhubAutoSchema(AutoSchema):
    def get_auth(self):
        """An operation anyone may call without credentials carries no `security` at all
        (no global requirement applies) rather than `[{}]`, which client generators read as
        "credentials required"."""
        auth = super().get_auth()
        return [] if auth == [{}] else auth

    def map_parsers(self):
        """A body without files is documented as JSON only. The server also reads such a body
        from a form, but one body offered in two encodings of the same model gives generated
        clients two indistinguishable arguments; a form cannot carry nested input anyway."""
        media_types = super().map_parsers()
        if "application/json" in media_types and not _takes_files(self.get_request_serializer()):
            return ["application/json"]
        return media_types

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        throttled = bool(getattr(self.view, "throttle_classes", None))
        for code in _statuses(self.method, self.path, throttled):
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses

    def _map_basic_serializer(self, serializer, direction):
        result = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(serializer, StrictInputSerializer):
            result["additionalProperties"] = False
            if _takes_files(serializer):
                _form_booleans(result)
            if result.get("description") == inspect.getdoc(StrictInputSerializer):
                del result["description"]  # the base class's docstring, not this body's
        return result
