from __future__ import annotations

import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django_redis import get_redis_connection

from config.api.errors import error_response_body
from config.celery import WORKER_HEARTBEAT_KEY
from config.errors import ExplainedRefusal


def _wants_json(request) -> bool:
    return request.path_info.startswith("/api/") or "application/json" in request.headers.get("Accept", "")


def unknown_host(request):
    """Hosts with no active company behind them: a friendly page, never a stack trace."""
    if _wants_json(request):
        body = error_response_body("not_found", _("Not found"), _("No company is registered at this address."))
        return JsonResponse(body, status=404)
    return render(request, "errors/unknown_host.html", {"host": request.get_host()}, status=404)


def page_not_found(request, exception=None):
    if _wants_json(request):
        return JsonResponse(error_response_body("not_found", _("Not found"), _("Not found.")), status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    if _wants_json(request):
        body = error_response_body("server_error", _("Server error"), _("Something went wrong on our side."))
        return JsonResponse(body, status=500)
    return render(request, "errors/500.html", status=500)


def _check_database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _redis():
    return get_redis_connection("default")


def _check_redis() -> bool:
    return bool(_redis().ping())


def _check_worker() -> bool:
    fresh_after = time.time() - 3 * settings.WORKER_HEARTBEAT_SECONDS
    return _redis().zcount(WORKER_HEARTBEAT_KEY, fresh_after, "+inf") > 0


HEALTH_CHECKS = {"database": _check_database, "redis": _check_redis, "worker": _check_worker}
# Information for operators that does not make the service unhealthy (a higher app registers its own).
HEALTH_DETAILS: dict = {}


@never_cache
def healthz(request):
    """Liveness of the parts a user needs: 200 when all are fine, 503 with the failing part named."""
    results = {}
    for name, check in HEALTH_CHECKS.items():
        try:
            results[name] = "ok" if check() else "fail"
        except Exception:  # a health probe reports failures, it never raises them
            results[name] = "fail"
    healthy = all(value == "ok" for value in results.values())
    body = {"status": "ok" if healthy else "fail", "checks": results}
    for name, detail in HEALTH_DETAILS.items():
        try:
            value = detail()
        except Exception:  # as for the checks: reported, never raised
            value = "unavailable"
        if value is not None:  # None: nothing to say
            body.setdefault("details", {})[name] = value
    return JsonResponse(body, status=200 if healthy else 503)


class HealthProbeMiddleware:
    """Answers /healthz before anything that needs the database or a known host name: a
    load balancer probes over plain HTTP, by an internal address, and must hear "database:
    fail" (503) when the database is down, not a redirect to HTTPS, a 400 for an unknown host
    or a 500 from the company lookup."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/healthz" and request.method in ("GET", "HEAD"):
            return healthz(request)
        return self.get_response(request)


def permission_denied(request, exception=None):
    reason = code = None
    if isinstance(exception, ExplainedRefusal):
        exception.at_response()
        reason, code = exception.message, exception.code
    if _wants_json(request):
        body = error_response_body(
            code or "permission_denied",
            _("Permission denied"),
            reason or _("You may not do this."),
        )
        return JsonResponse(body, status=403)
    return render(request, "errors/403.html", {"reason": reason}, status=403)


class DatabaseUnavailableMiddleware:
    """A page whose database connection dropped answers 503 with a retry hint instead of a
    server error; the request's transaction never committed, so nothing half-done remains."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, (OperationalError, InterfaceError)):
            return None
        if _wants_json(request):
            body = error_response_body(
                "service_unavailable",
                _("Service unavailable"),
                _("The service is briefly unavailable. Nothing was saved; please try again."),
            )
            response = JsonResponse(body, status=503)
        else:
            response = render(request, "errors/503.html", status=503)
        response["Retry-After"] = "5"
        return response


class NullCharacterMiddleware:
    """PostgreSQL refuses a NUL character in any text, so one in a query parameter
    (`?q=a%00b`) or in a page's form field read without a form (a decline reason) turned
    the request into a server error. Forms and API serializers refuse NUL in what they
    validate; query parameters and page form data are checked once here, before any view.
    API bodies are left to the serializers (reading them here would consume the stream)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_null(request.GET) or (
            request.method == "POST" and not request.path_info.startswith("/api/") and _holds_null(request.POST)
        ):
            reason = _("The address or form cannot contain a NUL character.")
            if _wants_json(request):
                return JsonResponse(error_response_body("null_character", _("Request refused"), reason), status=400)
            return render(request, "errors/400.html", {"reason": reason}, status=400)
        return self.get_response(request)


def _holds_null(query) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists())
