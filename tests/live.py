"""A live server for races: real HTTP requests, each served by its own thread with its
own database connection, released together. Data the server must see is committed."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from importlib import import_module

import pytest
import requests
from django.conf import settings

PARALLEL = 30


@pytest.fixture(scope="module")
def live_url(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The app on a free loopback port. Requests should send `Connection: close`: a kept
    connection keeps its server thread (and database connection) alive."""
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class Server(ThreadedWSGIServer):
        request_queue_size = 4 * PARALLEL  # all connections of a burst wait, none is reset

    class ServerThread(LiveServerThread):
        server_class = Server

    with django_db_blocker.unblock():
        thread = ServerThread("127.0.0.1", lambda handler: handler)
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
        thread.terminate()
        for request_thread in threading.enumerate():
            if getattr(getattr(request_thread, "_target", None), "__self__", None) is thread.httpd:
                request_thread.join(timeout=10)


def start_platform_server() -> str:
    """The app served on a free loopback port for the whole test run, started before the
    platform PKI is made: its certificates name this server's /pki/ocsp and CRLs, and
    sealing jobs (here and in worker processes) get their timestamps from its /pki/tsa over
    HTTP, as in production. 127.0.0.1 is a platform host name (tenants.platform_ensure)."""
    import os

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class Server(ThreadedWSGIServer):
        request_queue_size = 64

    class ServerThread(LiveServerThread):
        server_class = Server

    thread = ServerThread("127.0.0.1", lambda handler: handler)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    url = f"http://127.0.0.1:{thread.port}"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    settings.PLATFORM_URL = url
    settings.TSA_URLS = [f"{url}/pki/tsa"]
    os.environ.update(PLATFORM_URL=url, TSA_URLS=settings.TSA_URLS[0])  # for worker processes
    return url


def simultaneously(count: int, request: Callable[[int], requests.Response]) -> list[requests.Response]:
    """`count` requests released at the same moment, each on its own connection."""
    barrier = threading.Barrier(count)

    def run(index: int) -> requests.Response:
        barrier.wait(timeout=30)
        return request(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count), timeout=120))


def browser_session(host: str, data: dict) -> dict:
    """Cookies and headers of a browser with this session on `host`, and a CSRF token."""
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store.update(data)
    store.save()
    csrf = secrets.token_hex(16)  # 32 characters, as Django's own cookie secret
    return {
        "cookies": {settings.SESSION_COOKIE_NAME: store.session_key, settings.CSRF_COOKIE_NAME: csrf},
        "headers": {"Host": host, "X-CSRFToken": csrf, "Accept-Language": "en", "Connection": "close"},
    }
