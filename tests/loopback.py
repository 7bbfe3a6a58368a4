"""A real HTTP listener on 127.0.0.1 that records every request it gets: the witness for
"no renderer fetches a URL that came from data"."""

from __future__ import annotations

import http.server
import io
import threading

import pytest


class LoopbackListener:
    def __init__(self):
        self.requests: list[tuple[str, str]] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _record(self):
                listener.requests.append((self.command, self.path))
                body = one_pixel_png()
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_HEAD = _record  # noqa: N815 (http.server's naming)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = "/x") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def one_pixel_png() -> bytes:
    """A real image, so a renderer that fetched it would succeed and embed it."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1, 1), (255, 0, 0)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def loopback():
    listener = LoopbackListener()
    yield listener
    listener.close()
