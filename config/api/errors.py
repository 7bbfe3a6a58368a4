"""One error format for the whole API: {"type", "title", "detail", "errors"}."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from config.api.parsers import PayloadTooLarge
from config.errors import ApplicationError, ExplainedRefusal

TITLES = {
    "not_found": lambda: _("Not found"),
    "not_authenticated": lambda: _("Authentication required"),
    "authentication_failed": lambda: _("Authentication failed"),
    "permission_denied": lambda: _("Permission denied"),
    "validation_error": lambda: _("Invalid input"),
    "parse_error": lambda: _("Malformed request"),
    "unsupported_media_type": lambda: _("Unsupported content type"),
    "method_not_allowed": lambda: _("Method not allowed"),
    "not_acceptable": lambda: _("Not acceptable"),
    "throttled": lambda: _("Too many requests"),
    "payload_too_large": lambda: _("Request too large"),
}


def error_response_body(error_type: str, title: str, detail: str, errors: dict | None = None) -> dict:
    return {"type": error_type, "title": title, "detail": detail, "errors": errors or {}}


def _structured(detail):
    """Errors of nested input keep their shape: lists of messages, objects of fields."""
    if isinstance(detail, dict):
        return {str(key): _structured(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_structured(item) for item in detail]
    return str(detail)


def _flatten(detail) -> dict:
    if isinstance(detail, dict):
        return {
            str(key): _structured(value) if isinstance(value, (list, dict)) else [str(value)]
            for key, value in detail.items()
        }
    if isinstance(detail, list):
        return {"non_field_errors": _structured(detail)}
    return {}


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The database went away mid-request: nothing was committed; the client may retry.
        set_rollback()
        body = error_response_body(
            "service_unavailable",
            _("Service unavailable"),
            _("The service is briefly unavailable. Nothing was saved; please try again."),
        )
        return Response(body, status=503, headers={"Retry-After": "5"})
    if isinstance(exc, ExplainedRefusal):
        exc.at_response()
        body = error_response_body(exc.code, _("Permission denied"), exc.message)
        return Response(body, status=exc.status)
    if isinstance(exc, RequestDataTooBig):
        # Form fields of a multipart body beyond DATA_UPLOAD_MAX_MEMORY_SIZE (files are streamed).
        exc = PayloadTooLarge()
    elif isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        exc = exceptions.ParseError(_("The request has too many fields or files."))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, ApplicationError):
        set_rollback()
        errors = {exc.field: [exc.message]} if exc.field else {}
        body = error_response_body(exc.code, _("Request refused"), exc.message, errors)
        return Response(body, status=exc.status)
    if not isinstance(exc, exceptions.APIException):
        return None  # a real bug: Django's 500 handler answers in the same format

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        error_type = "validation_error"
        errors = _flatten(exc.detail)
        detail = _("Some fields are not valid.")
    else:
        error_type = exc.default_code
        errors = {}
        detail = str(exc.detail)
    title = TITLES.get(error_type, lambda: _("Request refused"))()
    set_rollback()
    return Response(error_response_body(error_type, title, detail, errors), status=exc.status_code, headers=headers)
