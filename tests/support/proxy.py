"""A forward HTTP proxy on 127.0.0.1 for tests: absolute-form requests (``GET http://host/path``)
forwarded over plain HTTP, and ``CONNECT host:port`` tunnels for https, recording every request
it is asked to carry.

It never looks a name up in DNS (tests never reach the internet): ``hosts`` maps the names it
may reach to addresses, and any other name is answered 502, as a proxy that cannot resolve it
would. IP literals are reached as they are. With ``credentials`` set it wants
``Proxy-Authorization`` (basic) and answers 407 without it.
"""

from __future__ import annotations

import base64
import ipaddress
import selectors
import socket
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

from tests.support.servers import LocalServer, QuietHandler

__all__ = ["ForwardProxy", "Proxied"]

_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "upgrade",
}


@dataclass(frozen=True)
class Proxied:
    """One request the proxy was asked to carry: ``target`` is the absolute URL, or
    ``host:port`` for CONNECT; header names in lowercase."""

    method: str
    target: str
    headers: dict[str, str]

    def __str__(self) -> str:
        return f"{self.method} {self.target}"


class ForwardProxy(LocalServer):
    """A forwarding and tunnelling proxy; ``requests`` holds what it was asked to carry."""

    def __init__(
        self, hosts: dict[str, str] | None = None, credentials: tuple[str, str] | None = None
    ) -> None:
        self.hosts = {name.lower(): address for name, address in (hosts or {}).items()}
        self.credentials = credentials
        self.requests: list[Proxied] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def carried(self) -> list[str]:
        """``"METHOD target"`` of every request so far."""
        with self._lock:
            return [str(request) for request in self.requests]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(QuietHandler):
            def do_CONNECT(self) -> None:
                self._record()
                if not self._authorized():
                    return
                host, _, port = self.path.rpartition(":")
                upstream = self._connect(host.strip("[]"), int(port))
                if upstream is None:
                    return
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                self._tunnel(upstream)
                self.close_connection = True

            def forward(self) -> None:
                parts = urlsplit(self.path)
                if parts.scheme != "http" or not parts.hostname:
                    self._fail(400, "a proxy wants an absolute http:// URL")
                    return
                self._record()
                if not self._authorized():
                    return
                upstream = self._connect(parts.hostname, parts.port or 80)
                if upstream is None:
                    return
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                head = [f"{self.command} {target} HTTP/1.1"]
                head += [
                    f"{k}: {v}" for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP
                ]
                head.append("Connection: close")
                with upstream:
                    upstream.sendall("\r\n".join(head).encode("latin-1") + b"\r\n\r\n" + body)
                    answer = b""
                    while chunk := upstream.recv(65536):
                        answer += chunk
                status, _, rest = answer.partition(b"\r\n\r\n")
                lines = [
                    line
                    for line in status.split(b"\r\n")
                    if not line.lower().startswith((b"connection:", b"keep-alive:"))
                ]
                lines.append(b"Connection: close")
                self.wfile.write(b"\r\n".join(lines) + b"\r\n\r\n" + rest)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

            def _record(self) -> None:
                with proxy._lock:
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    proxy.requests.append(Proxied(self.command, self.path, headers))

            def _authorized(self) -> bool:
                if proxy.credentials is None:
                    return True
                token = base64.b64encode(":".join(proxy.credentials).encode()).decode()
                if self.headers.get("Proxy-Authorization") == f"Basic {token}":
                    return True
                self._fail(407, "proxy credentials wanted", {"Proxy-Authenticate": "Basic"})
                return False

            def _connect(self, host: str, port: int) -> socket.socket | None:
                address = proxy.hosts.get(host.lower(), host)
                try:
                    ipaddress.ip_address(address)
                except ValueError:
                    self._fail(502, f"the proxy cannot resolve {host}")
                    return None
                try:
                    return socket.create_connection((address, port), timeout=10)
                except OSError as exc:
                    self._fail(502, f"the proxy cannot reach {host}:{port}: {exc}")
                    return None

            def _tunnel(self, upstream: socket.socket) -> None:
                client = self.connection
                with upstream, selectors.DefaultSelector() as selector:
                    selector.register(client, selectors.EVENT_READ, upstream)
                    selector.register(upstream, selectors.EVENT_READ, client)
                    while events := selector.select(timeout=30):
                        for key, _ in events:
                            try:
                                data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                                if data:
                                    key.data.sendall(data)
                            except OSError:
                                data = b""
                            if not data:
                                return

            def _fail(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
                body = text.encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

        return Handler
