from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import Membership, User
from config.queues import all_queues
from tenants.models import Company
from tests.live import start_platform_server

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"


def pytest_sessionfinish(session, exitstatus):
    """Embedded PostgreSQL/Redis that this test run had to start are stopped at its end."""
    from config import embedded

    embedded.stop_started_here()


@dataclass(frozen=True)
class World:
    """Two companies and the three people every endpoint suite needs (docs/architecture.md, "Tests")."""

    alpha: Company
    beta: Company
    alice: User  # owner of alpha
    bob: User  # plain member of alpha
    charlie: User  # owner of beta


@pytest.fixture(scope="session")
def django_db_setup(request, django_test_environment, django_db_blocker, django_db_modify_db_settings):
    """The test database is always created here, not only when some test carries the
    `django_db` mark: integration tests that commit for a worker process must never reach
    the development database. Companies are created once (a schema each) and shared."""
    from django.test.utils import setup_databases, teardown_databases

    from seals.pki import pki_init
    from tenants.services import base_schema_ensure, company_create, platform_ensure

    with django_db_blocker.unblock():
        db_cfg = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        assert connection.settings_dict["NAME"].startswith("test_"), "refusing to touch a non-test database"
        base_schema_ensure()
        platform_ensure()
        start_platform_server()
        pki_init()
        alice = User.objects.create_user("alice@alpha.example", PASSWORD, full_name="Alice")
        bob = User.objects.create_user("bob@alpha.example", PASSWORD, full_name="Bob")
        charlie = User.objects.create_user("charlie@beta.example", PASSWORD, full_name="Charlie")
        alpha = company_create(
            name="Alpha Ltd", slug="alpha", uscc="91110000802100433B", owner=alice, acting_user=alice
        )
        Membership.objects.create(user=bob, company=alpha, role=Membership.Role.MEMBER)
        company_create(name="Beta Ltd", slug="beta", uscc="", owner=charlie, acting_user=charlie)
    yield
    with django_db_blocker.unblock():
        connection.close()
        teardown_databases(db_cfg, verbosity=0)


@pytest.fixture
def world(db) -> World:
    return World(
        alpha=Company.objects.get(slug="alpha"),
        beta=Company.objects.get(slug="beta"),
        alice=User.objects.get(email="alice@alpha.example"),
        bob=User.objects.get(email="bob@alpha.example"),
        charlie=User.objects.get(email="charlie@beta.example"),
    )


@pytest.fixture
def approved_alpha(world) -> Company:
    """Alpha after a reviewer approved its registration (needed to apply for seals)."""
    Company.objects.filter(pk=world.alpha.pk).update(verification=Company.Verification.APPROVED)
    world.alpha.refresh_from_db()
    return world.alpha


@pytest.fixture(autouse=True)
def _public_schema_after_test():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def _requests_commit_their_callbacks(monkeypatch, django_capture_on_commit_callbacks):
    """Tests run inside one transaction that never commits; run each request's
    on_commit callbacks (mail, task queueing) when the request ends, as production does."""
    original = Client.request

    def request(self, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return original(self, **kwargs)

    monkeypatch.setattr(Client, "request", request)


@pytest.fixture(autouse=True)
def _queued_mail_sent_here(monkeypatch):
    """Queued mail (config/mail.py) is sent by this process when it would be queued, the way
    a worker sends it (sealed payload, retries), so tests read it from `mail.outbox`. A test
    about the broker itself drops this with `monkeypatch.delattr(mail_deliver, "apply_async")`."""
    from config.mail import mail_deliver

    def apply_here(args=None, kwargs=None, **options):
        return mail_deliver.apply(args=args, kwargs=kwargs, headers=options.get("headers"))

    monkeypatch.setattr(mail_deliver, "apply_async", apply_here)


def host_of(company: Company) -> str:
    return company.domains.get(is_primary=True).domain


def client_on(company: Company | None, user: User | None = None, **headers) -> Client:
    """A browser/API client talking to `company`'s host (the platform host when None)."""
    headers.setdefault("HTTP_HOST", host_of(company) if company is not None else settings.BASE_DOMAIN)
    client = Client(**headers)
    if user is not None:
        client.force_login(user)
    return client


def continue_on_company_host(location: str, **headers):
    """Follow the platform's hand-over to a company host in a browser with no session there:
    open the link, confirm on its page. The client and the answer to the confirmation."""
    from urllib.parse import parse_qs, urlsplit

    url = urlsplit(location)
    client = Client(HTTP_HOST=url.hostname, **headers)
    page = client.get(f"{url.path}?{url.query}")
    if page.status_code != 200:
        return client, page
    token = parse_qs(url.query)["token"][0]
    assert f'value="{token}"' in page.content.decode()
    return client, client.post(url.path, {"token": token})


def database_url_for_subprocess() -> str:
    """The test database (after pytest-django created it) as a URL for a child process."""
    params = connection.settings_dict
    host = params.get("HOST") or params.get("OPTIONS", {}).get("host") or ""
    user = quote(params.get("USER") or "")
    password = quote(params.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if user else ""
    if host.startswith("/"):
        return f"postgresql://{auth}/{params['NAME']}?host={quote(host)}"
    port = params.get("PORT") or 5432
    return f"postgresql://{auth}{host}:{port}/{params['NAME']}"


WORKER_OUTBOX = Path(tempfile.gettempdir()) / f"sealhub-test-outbox-{os.getpid()}"


def start_celery_worker(
    *,
    queue: str,
    name: str,
    pool: str = "solo",
    redis_url: str | None = None,
    queues: str | None = None,
    environment: dict[str, str] | None = None,
) -> subprocess.Popen:
    """A real Celery worker process on the test database, ready (heartbeat seen) on return.
    Its mail goes to files in WORKER_OUTBOX (see `worker_mail`). With `redis_url` the
    worker uses that Redis for everything (broker, cache, heartbeat), as production
    uses one Redis, instead of the test run's. `queues` (a `-Q` argument) instead of every
    queue of the prefix; `environment` on top of the test run's."""
    import redis as redis_client
    from django_redis import get_redis_connection

    from config.celery import WORKER_HEARTBEAT_KEY

    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=database_url_for_subprocess(),
        REDIS_URL=redis_url or settings.REDIS_URL,
        SEALHUB_TASK_QUEUE=queue,
        EMAIL_URL=f"file:///{WORKER_OUTBOX}",
        **(environment or {}),
    )
    if redis_url is not None:
        env.pop("CELERY_BROKER_URL", None)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        f"--pool={pool}",
        "-l",
        "warning",
        "-Q",
        queues or all_queues(queue),
        "-n",
        f"{name}@%h",
    ]
    process = subprocess.Popen(command, env=env, cwd=BASE_DIR)
    redis = redis_client.Redis.from_url(redis_url) if redis_url else get_redis_connection("default")
    deadline = time.monotonic() + 60
    while not any(worker.decode().startswith(f"{name}@") for worker in redis.zrange(WORKER_HEARTBEAT_KEY, 0, -1)):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the Celery worker did not start")
        time.sleep(0.2)
    return process


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker):
    """A real Celery worker in its own process, on this run's queue and test database."""
    process = start_celery_worker(queue=settings.CELERY_TASK_DEFAULT_QUEUE, name=f"test-worker-{os.getpid()}")
    yield process
    stop_celery_worker(process)


def stop_celery_worker(process: subprocess.Popen, timeout: float = 20) -> None:
    """Warm shutdown, or a kill when the worker does not finish in time."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def totp_now(device, steps_ahead: int = 0) -> str:
    """What the user's authenticator app shows now (or in the next 30-second step,
    which the server accepts as clock drift, for a second sign-in within one step)."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key)
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def enrol_authenticator(user: User):
    from accounts.two_factor import authenticator_begin, authenticator_confirm

    device = authenticator_begin(user=user)
    codes = authenticator_confirm(user=user, token=totp_now(device))
    device.refresh_from_db()
    return device, codes


def verified_client_on(company: Company | None, user: User, **headers) -> Client:
    """Signed in with a verified second factor (what the reviewer admin requires)."""
    from django_otp import DEVICE_ID_SESSION_KEY

    from accounts.models import AuthenticatorDevice

    device = AuthenticatorDevice.objects.filter(user=user, confirmed=True).first() or enrol_authenticator(user)[0]
    client = client_on(company, user, **headers)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def worker_mail(to: str) -> list[str]:
    """Messages the worker process sent to `to`, oldest first, as raw text."""
    import email
    from email import policy

    messages = []
    for path in sorted(WORKER_OUTBOX.glob("*.log"), key=lambda p: p.stat().st_mtime):
        for raw in path.read_text().split("-" * 79 + "\n"):
            if not raw.strip():
                continue
            message = email.message_from_string(raw, policy=policy.default)
            if to in (message.get("To") or ""):
                body = message.get_body(preferencelist=("plain",))
                messages.append(f"Subject: {message['Subject']}\n\n{body.get_content() if body else ''}")
    return messages


def worker_mail_clear() -> None:
    """Forget what the worker mailed before (the outbox lives for the whole test run)."""
    for path in WORKER_OUTBOX.glob("*.log"):
        path.unlink()


@pytest.fixture
def committed_sealer(django_db_blocker, celery_worker_process):
    """Alice of alpha (approved) with an authenticator and an active seal, committed for
    a worker or a live server to see, and removed again afterwards."""
    from tests.workflows.conftest import committed_cleanup, signatory

    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        try:
            yield signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
        finally:
            committed_cleanup(alpha, [])
