"""Real HTTP servers on 127.0.0.1 for tests: a scriptable feed server and a webhook receiver.

Both run ``http.server`` in a background thread, record every request, and answer from plain
data the test sets up, so tests exercise treatywatch's real HTTP client end to end.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = [
    "FeedServer",
    "LocalServer",
    "QuietHandler",
    "Recorded",
    "Route",
    "WebhookReceiver",
    "serve",
]


@dataclass
class Route:
    """How the feed server answers one path."""

    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    etag: bool = True
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    time: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a deadline in the code under test) is expected, not an error.
        return None


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 and no access log on stderr."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return None


class LocalServer:
    """A threaded HTTP server on a free port of ``host`` (127.0.0.1; any 127.x.y.z is loopback
    on Linux, so servers on 127.0.0.2, 127.0.0.3... are different hosts to the code under test).
    Subclasses set their own state and then call ``super().__init__()``, and return their
    request handler class from ``_handler()``."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._server = _Server((self.host, 0), self._handler())
        self.port = self._server.server_address[1]
        # A short poll interval lets stop() return within 50 ms.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError


class FeedServer(LocalServer):
    """Serves ``routes[path]``; sends an ETag per body and answers 304 to a matching one."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[Recorded] = []
        super().__init__()

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def statuses(self, path: str) -> list[int]:
        with self._lock:
            return [r.status for r in self.requests if r.path == path]

    def _record(self, entry: Recorded) -> None:
        with self._lock:
            self.requests.append(entry)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                route = server.routes.get(self.path)
                if route is None:
                    self._answer(404, b"not found", "text/plain", {})
                    return
                if route.delay:
                    time.sleep(route.delay)
                if route.handler is not None:
                    server._record(
                        Recorded("GET", self.path, dict(self.headers), b"", 0, time.monotonic())
                    )
                    route.handler(self)
                    return
                headers = dict(route.headers)
                if route.etag and route.status == 200:
                    tag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
                    headers["ETag"] = tag
                    if self.headers.get("If-None-Match") == tag:
                        self._answer(304, b"", None, headers)
                        return
                self._answer(route.status, route.body, route.content_type, headers)

            def _answer(
                self, status: int, body: bytes, ctype: str | None, headers: dict[str, str]
            ) -> None:
                server._record(
                    Recorded("GET", self.path, dict(self.headers), b"", status, time.monotonic())
                )
                self.send_response(status)
                if ctype:
                    self.send_header("Content-Type", ctype)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body) if status != 304 else 0))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        return Handler


class WebhookReceiver(LocalServer):
    """Records POSTs. ``script`` is a list of statuses (or callables, or ``(status, body)``
    pairs) answered in turn; when it runs out every request gets 200. The answer's body is
    ``ok`` unless a pair gives it. ``accepted`` holds the requests answered 2xx."""

    def __init__(self) -> None:
        self.script: list[int | tuple[int, bytes] | Callable[[BaseHTTPRequestHandler], int]] = []
        self.requests: list[Recorded] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    @property
    def accepted(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def accepted_json(self) -> list[dict[str, Any]]:
        return [json.loads(r.body) for r in self.accepted]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    # the sender went away mid-body (a SIGKILL): no request arrived, none is
                    # answered; recorded with status 0, so never among ``accepted``
                    with receiver._lock:
                        receiver.requests.append(
                            Recorded("POST", self.path, dict(self.headers), body, 0, 0.0)
                        )
                    self.close_connection = True
                    return
                with receiver._lock:
                    step = receiver.script.pop(0) if receiver.script else 200
                answer = b"ok"
                if isinstance(step, tuple):
                    status, answer = step
                else:
                    status = step(self) if callable(step) else step
                with receiver._lock:
                    receiver.requests.append(
                        Recorded(
                            "POST", self.path, dict(self.headers), body, status, time.monotonic()
                        )
                    )
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

        return Handler


@contextmanager
def serve(server: LocalServer) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
