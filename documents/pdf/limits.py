"""Run untrusted-input work (verification of uploaded PDFs) in a child process with a
time and memory limit, so a hostile file cannot hang or exhaust the web process."""

from __future__ import annotations

import multiprocessing
import resource
from collections.abc import Callable
from typing import Any


class LimitExceeded(Exception):
    def __init__(self, what: str):
        super().__init__(what)
        self.what = what  # "time" | "memory" | "crash"


def _child(connection, memory_bytes: int, function, args, kwargs) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    try:
        connection.send(("ok", function(*args, **kwargs)))
    except MemoryError:
        connection.send(("memory", None))
    except BaseException as exc:  # reported to the parent as a crash, never raised here
        connection.send(("crash", repr(exc)[:200]))
    finally:
        connection.close()


def run_limited(function: Callable[..., Any], *args, seconds: float, memory_mb: int, **kwargs) -> Any:
    """`function(*args, **kwargs)` in a forked child; its result must be picklable."""
    context = multiprocessing.get_context("fork")  # the child needs no re-import; it only computes
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, memory_mb * 1024 * 1024, function, args, kwargs), daemon=True
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
