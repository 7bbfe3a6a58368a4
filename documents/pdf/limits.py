"""Run untrusted-input work (verification, and any other reading of uploaded PDFs: the upload
check, text search, page images) in a child process with a time and memory limit, so a
hostile file (e.g. a few hundred KB of content that inflates to gigabytes) cannot hang or
exhaust the web process."""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import resource
from collections.abc import Callable
from multiprocessing.process import AuthenticationString
from typing import Any


class LimitExceeded(Exception):
    def __init__(self, what: str):
        super().__init__(what)
        self.what = what  # "time" | "memory" | "crash"


def _child(connection, memory_bytes: int, cpu_seconds: int, function, args, kwargs) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    # The parent kills a child that overruns; the kernel does it too should the parent be gone.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    try:
        connection.send(("ok", function(*args, **kwargs)))
    except MemoryError:
        connection.send(("memory", None))
    except BaseException as exc:  # reported to the parent as a crash, never raised here
        connection.send(("crash", repr(exc)[:200]))
    finally:
        connection.close()


# Children are forked from a small single-threaded server process that has imported only
# these, not from the web process: forking a big web worker cost ≈14 ms plus copy-on-write
# faults in the child (a 10-page check went from 57 to 38 ms of CPU), and a fork of a
# threaded process can inherit a lock some other thread held.
SANDBOX_PRELOAD = [
    "documents.pdf.verify",
    "documents.pdf.national",
    "sealcore.ofd.verify",
    "sealcore.ofd.inspect",
    "sealcore.ofd.render",
    "documents.pdf.inspect",
    "documents.pdf.keyword",
    "documents.pdf.render",
    "pypdf",
    "pyhanko.sign.validation",
    "pyhanko_certvalidator",
    "pypdfium2",
    "PIL.Image",
]


def memory_for_file(base_mb: int, size: int) -> int:
    """A memory limit for reading a file of `size` bytes: the file sits in the child up to
    three times (received, unpickled, the library's own view of it)."""
    return base_mb + 3 * math.ceil(size / (1024 * 1024))


@contextlib.contextmanager
def _as_plain_parent():
    """Let a Celery prefork worker process (which reads uploads too: a copy delivered by an
    envelope) start children. There multiprocessing refuses a daemonic parent (so that it
    leaves no orphans: these children are the fork server's, killed below or by their own
    CPU limit), and billiard's authentication key refuses to be pickled into a child."""
    config = multiprocessing.current_process()._config
    saved = dict(config)
    config["daemon"] = False
    config["authkey"] = AuthenticationString(bytes(config.get("authkey") or os.urandom(32)))
    try:
        yield
    finally:
        config.clear()
        config.update(saved)


def run_limited(function: Callable[..., Any], *args, seconds: float, memory_mb: int, **kwargs) -> Any:
    """`function(*args, **kwargs)` in a child process; the function must be importable
    without Django set up (pure PDF code), and its arguments and result picklable."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(SANDBOX_PRELOAD)  # takes effect when the server first starts
    receiver, sender = context.Pipe(duplex=False)
    with _as_plain_parent():
        process = context.Process(
            target=_child,
            args=(sender, memory_mb * 1024 * 1024, math.ceil(seconds) + 1, function, args, kwargs),
            daemon=True,
        )
        process.start()
    sender.close()
    try:
        if not receiver.poll(seconds):
            raise LimitExceeded("time")
        try:
            status, value = receiver.recv()
        except EOFError as exc:  # killed by the OS (e.g. out of memory)
            raise LimitExceeded("crash") from exc
    finally:
        if process.is_alive():
            process.kill()
        process.join(timeout=5)
        receiver.close()
    if status != "ok":
        raise LimitExceeded(status)
    return value
