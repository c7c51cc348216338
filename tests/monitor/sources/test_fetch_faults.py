"""The fetcher against local fault servers (RELIABILITY section B): every fault ends in a
``FetchError`` with a stable kind, within its bound, and nothing hangs or grows unbounded."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Awaitable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

from monitor.config import HttpSettings
from monitor.errors import FetchError
from monitor.sources import Fetcher
from monitor.sources.fetch import HttpStatusError, user_agent
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, serve

FEED = rss([Entry("Ministry statement on the treaty", "https://x.test/1")])
FAST = HttpSettings(
    connect_timeout=timedelta(seconds=1),
    read_timeout=timedelta(seconds=1),
    deadline=timedelta(seconds=2),
    max_body=64 * 1024,
    max_redirects=3,
)


ROOMY = FAST.model_copy(
    update={"read_timeout": timedelta(seconds=15), "deadline": timedelta(seconds=30)}
)
"""FAST with room to spare for tests of faults that are no timeouts: on a loaded machine (make
test's workers beside other tests' subprocesses) a one-second read timeout once came before the
fault the test is about."""


def fetch(url: str, settings: HttpSettings = FAST, **kwargs: object):
    async def go():
        fetcher = Fetcher(settings)
        try:
            return await fetcher.fetch(url, **kwargs)  # type: ignore[arg-type]
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def fetch_error(url: str, settings: HttpSettings = FAST) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, settings)
    return caught.value


def _chunked(handler: BaseHTTPRequestHandler, headers: dict[str, str]) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "application/rss+xml")
    handler.send_header("Transfer-Encoding", "chunked")
    for key, value in headers.items():
        handler.send_header(key, value)
    handler.end_headers()


def _chunk(handler: BaseHTTPRequestHandler, data: bytes) -> None:
    handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    handler.wfile.flush()


@pytest.fixture
def silent_socket() -> Iterator[int]:
    """A TCP server that accepts connections and never says a word (B1)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def loop() -> None:
        server.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_user_agent_names_the_service_and_a_contact(feed_server: FeedServer) -> None:  # B25
    feed_server.routes["/f"] = Route(FEED)
    fetch(feed_server.url("/f"))
    agent = feed_server.requests[0].headers["user-agent"]
    assert agent == user_agent()
    assert agent.startswith("treatywatch/") and "+https://" in agent


def test_server_that_never_answers_times_out(silent_socket: int) -> None:  # B1
    started = time.monotonic()
    error = fetch_error(f"http://127.0.0.1:{silent_socket}/feed")
    assert error.kind in ("timeout", "deadline")
    assert time.monotonic() - started < 5


def test_slow_drip_is_cut_by_the_overall_deadline(feed_server: FeedServer) -> None:  # B2
    def drip(handler: BaseHTTPRequestHandler) -> None:
        _chunked(handler, {})
        try:
            for _ in range(40):
                _chunk(handler, b"<")
                time.sleep(0.25)  # the server's pace; each read arrives before the read timeout
        except OSError:
            return

    feed_server.routes["/drip"] = Route(handler=drip)
    started = time.monotonic()
    error = fetch_error(feed_server.url("/drip"))
    assert error.kind == "deadline"
    assert "deadline" in str(error)
    assert time.monotonic() - started < 5


def test_chunked_body_past_the_cap_is_aborted(feed_server: FeedServer) -> None:  # B3
    def endless(handler: BaseHTTPRequestHandler) -> None:
        _chunked(handler, {})
        try:
            for _ in range(1000):
                _chunk(handler, b"x" * 8192)
        except OSError:
            return

    feed_server.routes["/big"] = Route(handler=endless)
    error = fetch_error(feed_server.url("/big"))
    assert error.kind == "too_large"


def test_declared_length_past_the_cap_is_refused_before_reading(feed_server: FeedServer) -> None:
    feed_server.routes["/declared"] = Route(b"x" * (FAST.max_body + 1))
    assert fetch_error(feed_server.url("/declared")).kind == "too_large"


def test_truncated_body_is_an_error_not_a_feed(feed_server: FeedServer) -> None:  # B4
    def short(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        handler.wfile.write(b"<rss>")
        handler.wfile.flush()
        handler.close_connection = True

    feed_server.routes["/short"] = Route(handler=short)
    assert fetch_error(feed_server.url("/short")).kind == "protocol"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "gzip, gzip"])
def test_compression_bombs_stop_at_the_decoded_cap(
    feed_server: FeedServer, encoding: str
) -> None:  # B5
    payload = b"\0" * (20 * 2**20)
    body = zlib.compress(payload, 9) if encoding == "deflate" else gzip.compress(payload, 9)
    if encoding == "gzip, gzip":
        body = gzip.compress(body, 9)
    assert len(body) < 200_000
    feed_server.routes["/bomb"] = Route(body, headers={"Content-Encoding": encoding})
    assert fetch_error(feed_server.url("/bomb")).kind == "too_large"


def test_invalid_gzip_is_a_decode_error(feed_server: FeedServer) -> None:  # B6
    feed_server.routes["/bad"] = Route(b"this is not gzip", headers={"Content-Encoding": "gzip"})
    assert fetch_error(feed_server.url("/bad"), ROOMY).kind == "decode"


@pytest.mark.parametrize("loop", [["/a"], ["/a", "/b"]])
def test_redirect_loop_ends_at_the_cap(feed_server: FeedServer, loop: list[str]) -> None:  # B7
    for index, path in enumerate(loop):
        target = loop[(index + 1) % len(loop)]
        feed_server.routes[path] = Route(status=302, headers={"Location": target}, etag=False)
    error = fetch_error(feed_server.url("/a"))
    assert error.kind == "redirects"
    assert len(feed_server.requests) == FAST.max_redirects + 1


def test_permanent_redirect_is_followed_and_reported(feed_server: FeedServer) -> None:  # B8
    feed_server.routes["/old"] = Route(status=301, headers={"Location": "/mid"}, etag=False)
    feed_server.routes["/mid"] = Route(status=308, headers={"Location": "/new"}, etag=False)
    feed_server.routes["/new"] = Route(FEED)
    result = fetch(feed_server.url("/old"))
    assert result.body == FEED
    assert result.permanent_redirect == feed_server.url("/new")


def test_temporary_redirect_is_followed_but_not_reported(feed_server: FeedServer) -> None:  # B9
    feed_server.routes["/feed"] = Route(status=307, headers={"Location": "/moved"}, etag=False)
    feed_server.routes["/moved"] = Route(status=301, headers={"Location": "/maint"}, etag=False)
    feed_server.routes["/maint"] = Route(b"<html>maintenance</html>", content_type="text/html")
    result = fetch(feed_server.url("/feed"))
    assert result.permanent_redirect is None  # the first hop is temporary: keep the URL
    assert result.url == feed_server.url("/maint")
    # A permanent hop followed by a temporary one: the permanent part is what moved.
    feed_server.routes["/old"] = Route(status=308, headers={"Location": "/feed"}, etag=False)
    assert fetch(feed_server.url("/old")).permanent_redirect == feed_server.url("/feed")


def test_conditional_get_sends_validators_and_gets_304(feed_server: FeedServer) -> None:  # B12
    feed_server.routes["/f"] = Route(FEED)
    first = fetch(feed_server.url("/f"))
    second = fetch(feed_server.url("/f"), etag=first.etag, last_modified="Tue, 18 Mar 2025")
    assert second.not_modified and second.body == b""
    assert feed_server.requests[1].headers["if-none-match"] == first.etag
    assert feed_server.requests[1].headers["if-modified-since"] == "Tue, 18 Mar 2025"


@pytest.mark.parametrize(
    ("status", "kind"),
    [(404, "http_4xx"), (410, "gone"), (500, "http_5xx"), (502, "http_5xx"), (504, "http_5xx")],
)
def test_error_statuses_have_a_kind(feed_server: FeedServer, status: int, kind: str) -> None:
    feed_server.routes["/e"] = Route(b"error", status=status, content_type="text/plain")
    error = fetch_error(feed_server.url("/e"))  # B14, B15, B18
    assert (error.kind, error.status) == (kind, status)


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize("value", ["3601", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_retry_after_is_carried_on_429_and_503(
    feed_server: FeedServer, status: int, value: str
) -> None:  # B16, B17
    feed_server.routes["/busy"] = Route(
        b"slow down", status=status, content_type="text/plain", headers={"Retry-After": value}
    )
    error = fetch_error(feed_server.url("/busy"))
    assert isinstance(error, HttpStatusError)
    assert error.kind == f"http_{status}"
    assert error.retry_after == value


@pytest.mark.parametrize("status", [403, 503])
def test_waf_challenge_page_is_blocked_not_a_parse_error(
    feed_server: FeedServer, status: int
) -> None:  # B20
    page = (
        b"<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>"
        b'<div id="challenge-platform">Checking your browser</div></body></html>'
    )
    feed_server.routes["/waf"] = Route(page, status=status, content_type="text/html")
    assert fetch_error(feed_server.url("/waf")).kind == "blocked"


def test_unresolvable_host_is_a_dns_error() -> None:  # B24
    assert fetch_error("http://feeds.invalid/rss.xml").kind == "dns"


def test_refused_connection_is_a_connect_error() -> None:
    assert fetch_error("http://127.0.0.1:9/rss.xml").kind == "connect"


def test_self_signed_tls_is_refused_and_never_retried_insecurely() -> None:  # B19
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(server_context)
    feed = FeedServer()
    feed.routes["/f"] = Route(FEED)
    feed._server.socket = server_context.wrap_socket(feed._server.socket, server_side=True)
    feed.start()
    try:
        url = f"https://127.0.0.1:{feed.port}/f"
        error = fetch_error(url)
        assert error.kind == "tls"
        assert feed.requests == []  # no request was ever sent without verification
        with ca.cert_pem.tempfile() as bundle:
            trusted = HttpSettings(**{**FAST.model_dump(), "ca_bundle": bundle})
            assert fetch(url, trusted).body == FEED  # verification works with the right CA
    finally:
        feed.stop()


def test_hanging_tls_handshake_is_bounded(silent_socket: int) -> None:  # B19
    started = time.monotonic()
    error = fetch_error(f"https://127.0.0.1:{silent_socket}/f")
    assert error.kind in ("timeout", "deadline")
    assert time.monotonic() - started < 5


def test_per_host_limit_is_observed_by_the_server(feed_server: FeedServer) -> None:  # B22
    active = 0
    peak = 0
    lock = threading.Lock()

    def slow(handler: BaseHTTPRequestHandler) -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.05)
        with lock:
            active -= 1
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(FEED)))
        handler.end_headers()
        handler.wfile.write(FEED)

    for n in range(30):
        feed_server.routes[f"/f{n}"] = Route(handler=slow)

    async def go() -> list[object]:
        fetcher = Fetcher(HttpSettings(per_host=2, concurrency=32))
        try:
            return await asyncio.gather(
                *(fetcher.fetch(feed_server.url(f"/f{n}")) for n in range(30))
            )
        finally:
            await fetcher.aclose()

    results = asyncio.run(go())
    assert len(results) == 30
    assert peak == 2


def test_a_hanging_host_does_not_hold_up_other_hosts() -> None:
    """B23 (fetcher level): a host that drips until the deadline holds only its own slot. The
    hosts are different loopback addresses (127.0.0.2 and 127.0.0.3) and ``per_host`` is 1, so
    the twenty fetches of the other host pass only because the limit is per host; a second fetch
    of the hanging host waits for it (the control that shows the limit is there)."""

    def drip(handler: BaseHTTPRequestHandler) -> None:
        _chunked(handler, {})
        try:
            for _ in range(40):
                _chunk(handler, b"<")
                time.sleep(0.25)
        except OSError:
            return

    hanging, healthy = FeedServer("127.0.0.2"), FeedServer("127.0.0.3")
    hanging.routes["/drip"] = Route(handler=drip)
    hanging.routes["/f"] = healthy.routes["/f"] = Route(FEED)
    settings = HttpSettings(
        **{**FAST.model_dump(), "deadline": timedelta(seconds=2.5), "per_host": 1}
    )

    async def timed(coro: Awaitable[object]) -> float:
        started = time.monotonic()
        with contextlib.suppress(FetchError):
            await coro
        return time.monotonic() - started

    async def go() -> tuple[float, float, float]:
        fetcher = Fetcher(settings)
        try:
            hung = asyncio.ensure_future(timed(fetcher.fetch(hanging.url("/drip"))))
            await asyncio.sleep(0.2)  # the hanging fetch holds its host's slot
            same_host = asyncio.ensure_future(timed(fetcher.fetch(hanging.url("/f"))))
            others = await timed(
                asyncio.gather(*(fetcher.fetch(healthy.url("/f")) for _ in range(20)))
            )
            return others, await same_host, await hung
        finally:
            await fetcher.aclose()

    with serve(hanging), serve(healthy):
        others, same_host, hung = asyncio.run(go())
    assert hung >= 2.2  # it really hung until the deadline
    assert others < 2.0  # sharing the hanging host's slot would cost 2.3 s or more
    assert same_host >= 1.8  # the same host's next fetch waited for the slot
    assert len(healthy.statuses("/f")) == 20


def test_mock_transport_unit_304_keeps_validators() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(304, headers={"ETag": '"v2"', "Cache-Control": "max-age=600"})

    async def go():
        fetcher = Fetcher(FAST, transport=httpx.MockTransport(answer))
        try:
            return await fetcher.fetch("https://feeds.example.org/rss", etag='"v1"')
        finally:
            await fetcher.aclose()

    result = asyncio.run(go())
    assert result.not_modified and result.etag == '"v2"'
    assert result.cache_control == "max-age=600"


@contextlib.contextmanager
def _tls_feed(ca: Any) -> Iterator[str]:
    """``FEED`` over https on 127.0.0.1 with a certificate of ``ca`` (a trustme CA)."""
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    feed = FeedServer()
    feed.routes["/f"] = Route(FEED)
    feed._server.socket = server_context.wrap_socket(feed._server.socket, server_side=True)
    feed.start()
    try:
        yield f"https://127.0.0.1:{feed.port}/f"
    finally:
        feed.stop()


def test_tls_roots_are_loaded_by_the_first_https_connection_only(feed_server: FeedServer) -> None:
    """Issue 14, start-up: a poll of http sources does not load certifi's roots (20-30 ms)."""
    trustme = pytest.importorskip("trustme")
    feed_server.routes["/f"] = Route(FEED)

    async def go(url: str) -> tuple[bool, bool, str | None]:
        fetcher = Fetcher(FAST)
        try:
            before = fetcher.tls_loaded
            kind = None
            try:
                await fetcher.fetch(url)
            except FetchError as exc:
                kind = exc.kind
            return before, fetcher.tls_loaded, kind
        finally:
            await fetcher.aclose()

    assert asyncio.run(go(feed_server.url("/f"))) == (False, False, None)
    with _tls_feed(trustme.CA()) as url:  # a CA nobody trusts: refused, by the lazy context
        assert asyncio.run(go(url)) == (False, True, "tls")


def test_https_connections_verify_with_the_fetchers_own_context() -> None:
    """The connector asks the fetcher for its context (certifi's roots), not aiohttp's default:
    a root added to the fetcher's context is trusted."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()

    async def go(url: str) -> bytes:
        fetcher = Fetcher(FAST)
        try:
            ca.configure_trust(fetcher._tls_context())
            return (await fetcher.fetch(url)).body
        finally:
            await fetcher.aclose()

    with _tls_feed(ca) as url:
        assert asyncio.run(go(url)) == FEED


def test_a_bad_ca_bundle_still_stops_the_fetcher_at_construction(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    bundle.write_text("not a certificate")
    with pytest.raises(FetchError, match=r"http\.ca_bundle: cannot load"):
        Fetcher(HttpSettings(**{**FAST.model_dump(), "ca_bundle": bundle}))
