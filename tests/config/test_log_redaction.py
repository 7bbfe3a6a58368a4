"""Secrets that travel in addresses (sign links, invitations, the platform's hand-over to a
company host) never reach a log line the product writes: gunicorn's access and error logs,
the development server's request log, Django's request and security warnings. The route
stays recognisable, so the logs keep their use."""

from __future__ import annotations

import http.client
import io
import logging
import re
import runpy
import secrets
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from config.log_redaction import REDACTED, redact_secrets
from tests.conftest import BASE_DIR, client_on, host_of

pytestmark = pytest.mark.django_db


def _token() -> str:
    return secrets.token_urlsafe(24)


def _gunicorn_logger(tmp_path):
    """gunicorn's logger as `gunicorn -c config/gunicorn.conf.py --access-logfile F` builds it."""
    from gunicorn.config import Config

    config = Config()
    for name, value in runpy.run_path(str(BASE_DIR / "config" / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    config.set("accesslog", str(tmp_path / "access.log"))
    config.set("errorlog", str(tmp_path / "error.log"))
    return config.logger_class(config)


def test_gunicorn_access_and_error_logs_hide_tokens(tmp_path):
    sign, handoff = _token(), _token() + ":1vXyZ:abc"
    logger = _gunicorn_logger(tmp_path)
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/sign/{sign}/submit/?w=900",
        "PATH_INFO": f"/sign/{sign}/submit/",
        "QUERY_STRING": "w=900",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"http://alpha.sealhub.test:8000/accounts/handoff/?token={handoff}&x=1",
        "HTTP_USER_AGENT": "Mozilla/5.0",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"]), ("USER-AGENT", "Mozilla/5.0")])
    response = SimpleNamespace(status="302 Found", sent=0, headers=[])
    logger.access(response, request, environ, timedelta(milliseconds=12))
    logger.exception("Error handling request %s", environ["RAW_URI"])  # what gunicorn's workers log on a crash
    for handler in [*logger.access_log.handlers, *logger.error_log.handlers]:
        handler.flush()

    access = (tmp_path / "access.log").read_text()
    errors = (tmp_path / "error.log").read_text()
    for text in (access, errors):
        assert sign not in text and handoff.split(":")[0] not in text
    assert f'"POST /sign/{REDACTED}/submit/?w=900 HTTP/1.1" 302' in access
    assert f'"http://alpha.sealhub.test:8000/accounts/handoff/?token={REDACTED}&x=1"' in access
    assert f"Error handling request /sign/{REDACTED}/submit/?w=900" in errors


def test_django_request_warnings_hide_tokens(world, caplog):
    sign, invitation, handoff = _token(), _token(), _token()
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_on(None).get(f"/sign/{sign}/").status_code == 404
        assert client_on(None).post(f"/sign/{sign}/submit/", {}).status_code in (400, 404)
        assert client_on(None, world.alice).get(f"/invitations/{invitation}/").status_code == 404
        Client(HTTP_HOST=host_of(world.alpha)).get(f"/accounts/handoff/?token={handoff}&lang=en")
    lines = [record.getMessage() for record in caplog.records if record.name.startswith("django.")]
    text = "\n".join(lines)
    assert f"Not Found: /sign/{REDACTED}/" in lines
    assert f"Not Found: /invitations/{REDACTED}/" in lines
    for token in (sign, invitation, handoff):
        assert token not in text


def test_csrf_refusals_hide_tokens(world, caplog):
    sign = _token()
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = Client(HTTP_HOST=settings.BASE_DOMAIN, enforce_csrf_checks=True).post(f"/sign/{sign}/decline/")
    assert response.status_code == 403
    messages = [record.getMessage() for record in caplog.records if record.name == "django.security.csrf"]
    assert messages and all(f"/sign/{REDACTED}/decline/" in message for message in messages)
    assert sign not in "\n".join(messages)


def test_the_development_server_request_log_hides_tokens(world, django_db_blocker):
    """`make run` serves with runserver: its request lines go to the `django.server` logger."""
    from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()  # sets logging up again: before the capture is added
    logger = logging.getLogger("django.server")
    configured = logger.handlers[0]
    captured = io.StringIO()
    capture = logging.StreamHandler(captured)
    capture.setFormatter(configured.formatter)
    for redaction in configured.filters:
        capture.addFilter(redaction)
    logger.addHandler(capture)
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(application)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    sign, handoff = _token(), _token()
    try:
        with django_db_blocker.unblock():
            thread.start()
            port = server.server_address[1]
            for path, host in (
                (f"/sign/{sign}/", settings.BASE_DOMAIN),
                (f"/accounts/handoff/?token={handoff}", host_of(world.alpha)),
            ):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", path, headers={"Host": host})
                connection.getresponse().read()
                connection.close()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        logger.removeHandler(capture)
        from django.db import connections

        connections.close_all()
    text = captured.getvalue()
    assert f'"GET /sign/{REDACTED}/ HTTP/1.1" 404' in text
    assert f'"GET /accounts/handoff/?token={REDACTED} HTTP/1.1" 302' in text
    assert sign not in text and handoff not in text


def test_every_log_handler_and_request_logger_redacts():
    from config.log_redaction import SecretRedactionFilter

    def redacts(filterer) -> bool:
        return any(isinstance(item, SecretRedactionFilter) for item in filterer.filters)

    configured = [handler for handler in logging.getLogger().handlers if handler.name]  # not pytest's own
    assert configured and all(redacts(handler) for handler in configured)
    for name in ("django.request", "django.server", "django.security.csrf"):
        assert redacts(logging.getLogger(name)), name
    # Django's own console handler (unfiltered) no longer hangs on the "django" logger.
    assert logging.getLogger("django").handlers == []


def _routes(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


@pytest.mark.parametrize("urlconf", [settings.PUBLIC_SCHEMA_URLCONF, settings.ROOT_URLCONF])
def test_every_route_that_carries_a_token_is_redacted(urlconf):
    """A new route with a secret in its address is covered, or this test names it."""
    resolver = get_resolver(urlconf)
    secret_routes = [(route, pattern) for route, pattern in _routes(resolver) if "token" in pattern.pattern.converters]
    if urlconf == settings.PUBLIC_SCHEMA_URLCONF:
        assert len(secret_routes) >= 9  # the sign link's pages and the invitation
    for route, _pattern in secret_routes:
        token = _token()
        path = "/" + re.sub(
            r"<(?:\w+:)?(\w+)>", lambda match, token=token: token if match.group(1) == "token" else "1", route
        )
        line = f'"GET {path} HTTP/1.1" 200'
        redacted = redact_secrets(line)
        assert token not in redacted, route
        assert REDACTED in redacted, route


@pytest.mark.parametrize(
    "line",
    [
        "GET /members/invitations/6c1f7a52-6f6e-4d5a-9a6e-1f0b2f1e2a11/revoke/ HTTP/1.1",
        "Not Found: /documents/6c1f7a52-6f6e-4d5a-9a6e-1f0b2f1e2a11/",
        "GET /api/v1/envelopes/?status=sent HTTP/1.1",
        "GET /static/sealhub/app.css HTTP/1.1",
    ],
)
def test_lines_without_secrets_are_left_alone(line):
    assert redact_secrets(line) == line


def test_encoded_and_nested_forms_are_redacted():
    token = _token()
    for text in (
        f"GET /accounts/login/?next=/invitations/{token}/ HTTP/1.1",
        f"GET /accounts/login/?next=%2Finvitations%2F{token}%2F HTTP/1.1",
        f"GET /accounts/login/?next=/accounts/handoff/%3Ftoken%3D{token} HTTP/1.1",
        f"Referer: https://sealhub.example/sign/{token}/pages/1.png",
        f"token={token}",
    ):
        assert token not in redact_secrets(text), text


def test_the_worker_log_handlers_redact_too():
    """Celery replaces the root logger's handlers when a worker starts; its own redact."""
    from celery import signals

    import config.celery  # noqa: F401 - connects the handlers

    token = _token()
    output = io.StringIO()
    logger = logging.getLogger("sealhub.test-worker")
    logger.propagate = False
    logger.addHandler(logging.StreamHandler(output))
    try:
        signals.after_setup_logger.send(
            sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="", colorize=False
        )
        logger.warning("mail for /sign/%s/ could not be sent", token)
    finally:
        logger.handlers.clear()
    assert output.getvalue() == f"mail for /sign/{REDACTED}/ could not be sent\n"
