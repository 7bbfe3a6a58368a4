"""Browser journeys: Debian's chromium driven by Playwright against a live server in this
process, with the session's real Celery worker. Every company host `<slug>.sealhub.test`
resolves to the live server through chromium's host resolver rules, so no hosts file is
needed. Data is committed (server threads and the worker use their own connections), so
each journey removes what it made."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tests.conftest import BASE_DIR

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = BASE_DIR / "var" / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    f"--host-resolver-rules=MAP *.{settings.BASE_DOMAIN} 127.0.0.1, MAP {settings.BASE_DOMAIN} 127.0.0.1",
]
# Axe rules judged at this impact or above fail the page.
FAILING_IMPACTS = {"serious", "critical"}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"browser journeys need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(skip)


@pytest.fixture(scope="package")
def live_server_port(django_db_setup, django_db_blocker) -> Iterator[int]:
    """The app on a free loopback port, serving static files from the finders and no media
    (production serves no media either)."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", lambda media_handler: StaticFilesHandler(media_handler.application))
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield thread.port
    thread.terminate()
    # Request threads close their database connection when the browser hangs up; wait for
    # them so the test database can be dropped at the end of the run.
    for request_thread in threading.enumerate():
        if getattr(getattr(request_thread, "_target", None), "__self__", None) is thread.httpd:
            request_thread.join(timeout=10)


@pytest.fixture(scope="package")
def browser(live_server_port):
    """One chromium for the package. The sync Playwright API keeps an event loop running in
    this thread, which Django's async guard would take for async code: the tests' own ORM
    calls are plain synchronous ones, so the guard is lifted while the browser lives."""
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
        finally:
            playwright.stop()


@pytest.fixture(autouse=True)
def _close_connections_made_beside_the_browser():
    """Django keeps connections per context, and code run while Playwright's loop is up gets
    its own: close them after each journey, or the test database could not be dropped."""
    yield
    from django.db import connections

    connections.close_all()


@pytest.fixture
def live_db(django_db_blocker):
    """Lets the live server's threads use the test database (they commit) for one journey."""
    with django_db_blocker.unblock():
        yield


class Site:
    """URLs of the live server by company slug (None: the platform host)."""

    def __init__(self, port: int):
        self.port = port

    def url(self, slug: str | None, path: str = "/") -> str:
        host = f"{slug}.{settings.BASE_DOMAIN}" if slug else settings.BASE_DOMAIN
        return f"http://{host}:{self.port}{path}"


@pytest.fixture
def site(live_server_port) -> Site:
    return Site(live_server_port)


@pytest.fixture
def new_context(browser, request) -> Iterator[Callable]:
    """Fresh browser contexts (one per person: own cookies), English, closed after the test.
    Every page they open is watched for Content-Security-Policy violations (chromium reports
    each one on the console): a journey that needed a blocked script or style fails."""
    contexts = []
    violations = []

    def watch(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url', '?')}: {message.text}")

    def make(**options):
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        context.on("console", watch)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()
    assert violations == []


def screenshot(page, name: str) -> Path:
    """A key step as a test artifact, under var/test-artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def accessibility_violations(page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in FAILING_IMPACTS
    ]


def sign_in(page, site: Site, slug: str | None, email: str, password: str, *, second_factor: bool = True) -> None:
    """Password, then (for accounts with two factors) a recovery code, as a person without
    their phone would: the authenticator's codes are kept for the seal confirmation, as one
    step's code works once. (An emailed code is no second factor next to an authenticator.)"""
    from accounts.models import User
    from accounts.two_factor import recovery_codes_regenerate

    page.goto(site.url(slug, "/accounts/login/"))
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if second_factor:
        expect(page.get_by_role("heading", name="Two-factor check")).to_be_visible()
        code = recovery_codes_regenerate(user=User.objects.get(email=email))[0]
        page.get_by_label("A recovery code").check()
        page.get_by_label("Code", exact=True).fill(code)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(lambda url: "/accounts/login" not in url)


def last_code(message, to: str) -> str | None:
    if to not in message.to:
        return None
    found = re.search(r"\b(\d{6})\b", message.body)
    return found.group(1) if found else None


def off_the_loop(function: Callable, *args, **kwargs):
    """`function` run in a thread of its own and its result: Playwright's event loop runs in
    this one, and code that calls asyncio.run (pyHanko's validation) cannot run beside it."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    def call():
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(call).result()


def wait_for_image(image) -> None:
    """Until the <img> (a locator) has loaded. Not page.wait_for_function: its predicate is
    evaluated from a string inside the page, which the Content-Security-Policy refuses."""
    wait_until(lambda: image.evaluate("image => image.complete && image.naturalWidth > 0"), "the image", 30)


def wait_until(check: Callable, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)
    return result
