"""Hops the operator did not choose are refused (RELIABILITY B10, B11); configured loopback
and private sources keep working. Loopback-only tests cannot reach a public address, so the
checks are tested directly and through ``httpx.MockTransport`` and a fake resolver."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

import httpx
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult

from monitor.config import HttpSettings
from monitor.errors import FetchError
from monitor.sources import Fetcher
from monitor.sources.guard import (
    BlockedAddressError,
    GuardedResolver,
    Origin,
    check_hop,
    current_origin,
    is_public_address,
    literal_is_private,
)
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

PUBLIC = Origin.of("https://feeds.example.org/rss.xml")


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1/admin",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://10.1.2.3/feed",
        "http://192.168.0.10/",
        "http://172.16.5.4/",
        "http://localhost:8080/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "file:///etc/passwd",
        "ftp://feeds.example.org/rss.xml",
        "gopher://x/",
    ],
)
def test_hops_from_a_public_origin_inward_or_off_http_are_refused(target: str) -> None:
    with pytest.raises(BlockedAddressError):
        check_hop(PUBLIC, target)


@pytest.mark.parametrize(
    "target", ["https://cdn.example.net/rss.xml", "http://93.184.216.34/feed", "https://x.test/"]
)
def test_public_hops_are_allowed(target: str) -> None:
    check_hop(PUBLIC, target)


def test_a_configured_loopback_origin_may_redirect_inward() -> None:
    origin = Origin.of("http://127.0.0.1:8080/feed")
    assert origin.private
    check_hop(origin, "http://127.0.0.1:9090/feed")
    check_hop(origin, "http://10.0.0.2/feed")
    with pytest.raises(BlockedAddressError):
        check_hop(origin, "file:///etc/passwd")


def test_address_classes() -> None:
    assert is_public_address("93.184.216.34") and is_public_address("2606:4700::1")
    for inward in ("127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "fe80::1", "fc00::1"):
        assert not is_public_address(inward), inward
    assert literal_is_private("feeds.example.org") is None
    assert literal_is_private("LOCALHOST") is True


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.host == "93.184.216.34":
        return httpx.Response(301, headers={"Location": "http://127.0.0.1/internal"})
    return httpx.Response(200, content=b"<rss/>")


def test_fetcher_refuses_the_hop_and_fetches_nothing_there() -> None:  # B10
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return _answer(request)

    async def go() -> None:
        fetcher = Fetcher(HttpSettings(), transport=httpx.MockTransport(answer))
        try:
            await fetcher.fetch("http://93.184.216.34/feed")
        finally:
            await fetcher.aclose()

    with pytest.raises(FetchError) as caught:
        asyncio.run(go())
    assert caught.value.kind == "blocked_address"
    assert seen == ["http://93.184.216.34/feed"]


class _FakeResolver(AbstractResolver):
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        address = self.answers[host].pop(0)
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": family,
                "proto": 0,
                "flags": 0,
            }
        ]

    async def close(self) -> None:
        return None


def test_dns_rebinding_of_a_public_name_is_refused() -> None:  # B11
    resolver = GuardedResolver(_FakeResolver({"feeds.example.org": ["93.184.216.34", "10.0.0.7"]}))

    async def go() -> None:
        token = current_origin.set(PUBLIC)
        try:
            first = await resolver.resolve("feeds.example.org", 443)
            assert first[0]["host"] == "93.184.216.34"
            await resolver.resolve("feeds.example.org", 443)
        finally:
            current_origin.reset(token)

    with pytest.raises(BlockedAddressError, match=r"10\.0\.0\.7"):
        asyncio.run(go())


def test_a_redirect_to_a_name_that_points_inward_is_refused() -> None:  # B10 via DNS
    resolver = GuardedResolver(_FakeResolver({"evil.example.net": ["127.0.0.1"]}))

    async def go() -> None:
        token = current_origin.set(PUBLIC)
        try:
            await resolver.resolve("evil.example.net", 80)
        finally:
            current_origin.reset(token)

    with pytest.raises(BlockedAddressError):
        asyncio.run(go())


def test_an_intranet_name_that_always_pointed_inward_keeps_working() -> None:
    resolver = GuardedResolver(_FakeResolver({"intranet.corp": ["10.0.0.5", "10.0.0.5"]}))
    origin = Origin.of("http://intranet.corp/feed")

    async def go() -> None:
        token = current_origin.set(origin)
        try:
            for _ in range(2):
                assert (await resolver.resolve("intranet.corp", 80))[0]["host"] == "10.0.0.5"
        finally:
            current_origin.reset(token)

    asyncio.run(go())


def test_configured_loopback_sources_work_end_to_end(feed_server: FeedServer) -> None:
    body = rss([Entry("A", "https://x.test/a")])
    feed_server.routes["/a"] = Route(status=301, headers={"Location": "/b"}, etag=False)
    feed_server.routes["/b"] = Route(body)

    async def go():
        fetcher = Fetcher(HttpSettings(deadline=timedelta(seconds=5)))
        try:
            via_ip = await fetcher.fetch(feed_server.url("/a"))
            via_name = await fetcher.fetch(f"http://localhost:{feed_server.port}/b")
            return via_ip, via_name
        finally:
            await fetcher.aclose()

    via_ip, via_name = asyncio.run(go())
    assert via_ip.body == body and via_name.body == body
