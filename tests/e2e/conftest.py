"""Browser journeys: Debian's chromium driven by Playwright against a live server in this
process, with the session's real Celery worker. Every company host `<slug>.sealhub.test`
resolves to the live server through chromium's host resolver rules, so no hosts file is
needed. Data is committed (server threads and the worker use their own connections), so
each journey removes what it made.

A journey (a test taking the `surface` fixture) runs four times: on a laptop (1366×768) and
on a phone (390×844, touch), in Chinese and in English; it finds controls by role and label
with the texts taken from the translation catalogue (`surface.t`), taps on the phone and
drags with a finger there. Every page it visits (each load, form posts included) is checked
by axe-core and photographed to var/test-artifacts/journeys/<test>/<device>-<language>/
<step>-<path>.jpg just before the journey acts on it again; the serious and critical
violations (and on the phone a page that scrolls sideways), each with the address it was
found at, fail the test at its end."""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import DjangoTranslation
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from playwright.sync_api._generated import Locator, Page

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


LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
BROWSER_LOCALES = {"zh-hans": "zh-CN", "en": "en-US"}


@dataclass
class Surface:
    """Where a journey runs: a laptop or a phone (touch), in one of the site's languages.
    The browser's locale sends the Accept-Language the site picks its language from (no
    language cookie is set, so every host of the journey speaks the same language)."""

    device: str
    language: str

    @property
    def phone(self) -> bool:
        return self.device == "phone"

    @property
    def name(self) -> str:
        return f"{self.device}-{self.language}"

    def context_options(self) -> dict:
        viewport = PHONE if self.phone else LAPTOP
        return {
            "viewport": viewport,
            "locale": BROWSER_LOCALES[self.language],
            "has_touch": self.phone,
            "is_mobile": self.phone,
        }

    def t(self, message: str, **params) -> str:
        """`message` as the site shows it in this language (the server's catalogue)."""
        with translation.override(self.language):
            text = translation.gettext(message)
        return self._translated(message, text) % params if params else self._translated(message, text)

    def t_start(self, message: str) -> str:
        """The translated text of `message` up to its first placeholder (a time, a name)."""
        with translation.override(self.language):
            text = self._translated(message, translation.gettext(message))
        return re.split(r"%\(\w+\)s", text)[0]

    def tn(self, singular: str, plural: str, count: int, **params) -> str:
        with translation.override(self.language):
            text = translation.ngettext(singular, plural, count)
        return self._translated(singular if count == 1 else plural, text) % params

    def tjs(self, message: str) -> str:
        """`message` as the page's scripts show it (the JavaScript catalogue)."""
        return self._translated(message, _javascript_catalogue(self.language).gettext(message))

    def _translated(self, message: str, text: str) -> str:
        # A selector naming a message the catalogue lacks would only find English text.
        assert self.language == "en" or text != message, f"no {self.language} translation of {message!r}"
        return text

    def press(self, locator, **options) -> None:
        """A finger's tap on a phone, a click elsewhere."""
        if self.phone:
            locator.tap(**options)
        else:
            locator.click(**options)

    def drag(self, page, start: tuple[float, float], end: tuple[float, float], steps: int = 8) -> None:
        """A drag from `start` to `end` (viewport coordinates): see `stroke`."""
        points = [
            (start[0] + (end[0] - start[0]) * step / steps, start[1] + (end[1] - start[1]) * step / steps)
            for step in range(steps + 1)
        ]
        self.stroke(page, points)

    def stroke(self, page, points: list[tuple[float, float]]) -> None:
        """One finger (touch events, which chromium turns into pointer events) on a phone,
        the mouse elsewhere, pressed at the first point, moved through the others, lifted."""
        if not self.phone:
            page.mouse.move(*points[0])
            page.mouse.down()
            for point in points[1:]:
                page.mouse.move(*point, steps=2)
            page.mouse.up()
            return
        session = page.context.new_cdp_session(page)
        try:
            for index, (x, y) in enumerate(points):
                kind = "touchStart" if index == 0 else "touchMove"
                finger = {"x": x, "y": y, "id": 7, "radiusX": 4, "radiusY": 4, "force": 1}
                session.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [finger]})
            # The finger rests before it lifts, as a hand does: lifted while moving, chromium
            # would start a fling and take the next tap for stopping it (no click).
            for _ in range(3):
                time.sleep(0.05)
                session.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [finger]})
            session.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
        finally:
            session.detach()


_JAVASCRIPT_CATALOGUES: dict[str, DjangoTranslation] = {}


def _javascript_catalogue(language: str) -> DjangoTranslation:
    if language not in _JAVASCRIPT_CATALOGUES:
        _JAVASCRIPT_CATALOGUES[language] = DjangoTranslation(language, domain="djangojs")
    return _JAVASCRIPT_CATALOGUES[language]


SURFACES = [Surface(device, language) for device in ("laptop", "phone") for language in ("zh-hans", "en")]


@pytest.fixture(params=SURFACES, ids=lambda surface: surface.name)
def surface(request) -> Surface:
    """A journey that takes this fixture runs four times: laptop (1366×768) and phone
    (390×844, touch), each in Chinese and in English. The companies and people it uses are
    the session's (tests/conftest.py), shared by the four runs."""
    return request.param


# Locator and page calls after which the test acts on what the page shows: a page that
# loaded since it was last checked is checked just before, so every page a journey visits
# is judged once it is there and before the journey leaves it.
_ACTING_LOCATOR_CALLS = (
    "click",
    "tap",
    "fill",
    "check",
    "uncheck",
    "set_checked",
    "select_option",
    "set_input_files",
    "press",
    "dblclick",
)
_ACTING_PAGE_CALLS = ("goto", "reload", "go_back", "go_forward", "close")


@dataclass
class PageChecks:
    """Axe-core and a screenshot for every page load of a journey's browser contexts."""

    test: str
    surface: Surface | None
    loaded: set = field(default_factory=set)
    steps: int = 0
    found: list[str] = field(default_factory=list)
    checking: bool = False

    @property
    def folder(self) -> str:
        return f"journeys/{self.test}/{self.surface.name if self.surface else 'default'}"

    def watch(self, page) -> None:
        page.on("load", lambda *_: self.loaded.add(page))

    def due(self, page) -> None:
        if page in self.loaded:
            self.check(page)

    def check(self, page, step: str = "") -> None:
        """Axe and a screenshot of `page` as it is now; `step` names a state worth keeping
        beyond a page load (a placed seal, a drawn signature)."""
        self.loaded.discard(page)
        if page.is_closed():
            return
        url = page.url
        if url.startswith(("about:", "data:")) or not url:
            return
        self.checking = True
        try:
            problems = accessibility_violations(page)
            if self.surface is not None and self.surface.phone:
                problems += phone_layout_problems(page)
            self.steps += 1
            path = re.sub(r"https?://[^/]+", "", url).split("?")[0].strip("/").replace("/", "-")
            slug = step or path or "home"
            screenshot(page, f"{self.folder}/{self.steps:02d}-{slug}", full_page=True, quality=60)
        except PlaywrightError as error:
            # The page went away under the check (a script reloaded it): its next load is
            # checked instead.
            if "context was destroyed" in str(error) or "navigation" in str(error).lower():
                return
            raise
        finally:
            self.checking = False
        self.found.extend(f"{url}: {problem}" for problem in problems)


_ACTIVE_CHECKS: list[PageChecks] = []


def _checked_before(call: Callable, page_of: Callable) -> Callable:
    def acting(self, *args, **kwargs):
        if _ACTIVE_CHECKS:
            page = page_of(self)
            if not page.is_closed():
                _ACTIVE_CHECKS[-1].due(page)
        return call(self, *args, **kwargs)

    return acting


@pytest.fixture
def page_checks(request, monkeypatch) -> Iterator[PageChecks]:
    surface = request.getfixturevalue("surface") if "surface" in request.fixturenames else None
    checks = PageChecks(test=request.node.originalname, surface=surface)
    shutil.rmtree(ARTIFACTS / checks.folder, ignore_errors=True)  # no steps left from an earlier run
    for name in _ACTING_LOCATOR_CALLS:
        monkeypatch.setattr(Locator, name, _checked_before(getattr(Locator, name), lambda locator: locator.page))
    for name in _ACTING_PAGE_CALLS:
        monkeypatch.setattr(Page, name, _checked_before(getattr(Page, name), lambda page: page))
    _ACTIVE_CHECKS.append(checks)
    try:
        yield checks
    finally:
        _ACTIVE_CHECKS.remove(checks)


@pytest.fixture
def new_context(browser, request) -> Iterator[Callable]:
    """Fresh browser contexts (one per person: own cookies), closed after the test. English
    at 1280×900, or for a journey (a test taking `surface`) its device and language, with
    every page load checked by axe-core and photographed (`page_checks`); the serious and
    critical violations found fail the test at its end, each with its page's address.
    Every page they open is watched for Content-Security-Policy violations (chromium reports
    each one on the console): a journey that needed a blocked script or style fails."""
    contexts = []
    violations = []
    checks = request.getfixturevalue("page_checks") if "surface" in request.fixturenames else None

    def watch(message):
        # axe-core sets inline styles while it measures (contrast, overlap): the page's policy
        # refuses them, which is the test's doing, not the page's.
        if checks is not None and checks.checking:
            return
        if "Content Security Policy" in message.text:
            violations.append(f"{message.location.get('url', '?')}: {message.text}")

    def make(**options):
        if checks is not None and checks.surface is not None:
            for name, value in checks.surface.context_options().items():
                options.setdefault(name, value)
        options.setdefault("locale", "en-US")
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**options)
        context.set_default_timeout(20_000)
        context.on("console", watch)
        if checks is not None:
            context.on("page", checks.watch)
        contexts.append(context)
        return context

    yield make
    if checks is not None:
        for context in contexts:
            for page in context.pages:
                checks.due(page)
    for context in contexts:
        context.close()
    assert violations == []
    if checks is not None:
        assert checks.found == [], "axe-core, serious or critical, and phone layout:\n" + "\n".join(checks.found)


def screenshot(page, name: str, *, full_page: bool = True, quality: int | None = None) -> Path:
    """A key step as a test artifact, under var/test-artifacts/ (git-ignored); `/` in the
    name makes folders. With `quality` a JPEG (cheaper for the many pages of a journey)."""
    parts = [re.sub(r"[^A-Za-z0-9_.-]+", "-", part) for part in name.split("/")]
    path = ARTIFACTS.joinpath(*parts).with_suffix(".jpg" if quality else ".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page, quality=quality, type="jpeg" if quality else "png")
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


def phone_layout_problems(page) -> list[str]:
    """What breaks a phone page: the page scrolling sideways."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - document.documentElement.clientWidth")
    return [f"layout: the page scrolls sideways by {overflow}px"] if overflow > 0 else []


def sign_in(
    page,
    site: Site,
    slug: str | None,
    email: str,
    password: str,
    *,
    second_factor: bool = True,
    surface: Surface | None = None,
) -> None:
    """Password, then (for accounts with two factors) a recovery code, as a person without
    their phone would: the authenticator's codes are kept for the seal confirmation, as one
    step's code works once. (An emailed code is no second factor next to an authenticator.)"""
    from accounts.models import User
    from accounts.two_factor import recovery_codes_regenerate

    t = surface.t if surface else str
    page.goto(site.url(slug, "/accounts/login/"))
    page.locator("input[name=username]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main").get_by_role("button", name=t("Sign in")).click()
    if second_factor:
        expect(page.get_by_role("heading", name=t("Two-factor check"))).to_be_visible()
        code = recovery_codes_regenerate(user=User.objects.get(email=email))[0]
        page.get_by_label(t("A recovery code")).check()
        page.get_by_label(t("Code"), exact=True).fill(code)
        page.get_by_role("button", name=t("Confirm")).click()
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
