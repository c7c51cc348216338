"""Fetch outcomes are types: a ``FetchErrorKind`` on every failure (its values are what is
stored and shown, so they are pinned), a redirect followed as a ``Redirect`` and the final
answer kept whole when a permanent redirect is reported."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from monitor.config import HttpSettings
from monitor.errors import FetchError, FetchErrorKind
from monitor.sources import Fetcher, FetchResult
from monitor.sources.fetch import Redirect
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

FEED = rss([Entry("Ministry statement on the treaty", "https://x.test/1")])
FAST = HttpSettings(
    connect_timeout=timedelta(seconds=1),
    read_timeout=timedelta(seconds=1),
    deadline=timedelta(seconds=2),
    max_body=1024,
    max_redirects=2,
)


def _fetch(url: str) -> FetchResult:
    async def go() -> FetchResult:
        fetcher = Fetcher(FAST)
        try:
            return await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def _error(url: str) -> FetchError:
    with pytest.raises(FetchError) as caught:
        _fetch(url)
    return caught.value


def test_kind_values_are_pinned() -> None:
    """Stored in ``sources.last_error_class``, logged and counted: renaming one breaks users."""
    assert sorted(kind.value for kind in FetchErrorKind) == sorted(
        [
            "fetch",
            "timeout",
            "deadline",
            "too_large",
            "redirects",
            "blocked_address",
            "tls",
            "dns",
            "connect",
            "proxy",
            "protocol",
            "decode",
            "gone",
            "blocked",
            "http_429",
            "http_503",
            "http_3xx",
            "http_4xx",
            "http_5xx",
        ]
    )
    assert FetchErrorKind.GONE == "gone" and f"{FetchErrorKind.HTTP_4XX}" == "http_4xx"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (300, FetchErrorKind.HTTP_3XX),
        (404, FetchErrorKind.HTTP_4XX),
        (429, FetchErrorKind.HTTP_429),
        (500, FetchErrorKind.HTTP_5XX),
        (503, FetchErrorKind.HTTP_503),
        (599, FetchErrorKind.HTTP_5XX),
    ],
)
def test_kind_for_a_plain_error_status(status: int, kind: FetchErrorKind) -> None:
    assert FetchErrorKind.for_status(status) is kind


def test_an_unconfigured_fetch_error_is_unclassified() -> None:
    error = FetchError("http.ca_bundle: cannot load x")
    assert error.kind is FetchErrorKind.FETCH and str(error) == "http.ca_bundle: cannot load x"


def test_real_failures_carry_the_enum_and_the_same_messages(feed_server: FeedServer) -> None:
    feed_server.routes["/missing"] = Route(b"no", status=404, content_type="text/plain")
    feed_server.routes["/nowhere"] = Route(status=302, etag=False)  # a redirect with no Location
    feed_server.routes["/big"] = Route(b"x" * 4096)
    feed_server.routes["/loop"] = Route(status=302, headers={"Location": "/loop"}, etag=False)
    cases = {
        "/missing": (FetchErrorKind.HTTP_4XX, "HTTP 404"),
        "/nowhere": (FetchErrorKind.HTTP_3XX, "HTTP 302"),
        "/big": (FetchErrorKind.TOO_LARGE, "body larger than 1024 bytes (declared 4096)"),
        "/loop": (FetchErrorKind.REDIRECTS, "too many redirects (more than 2)"),
    }
    for path, (kind, message) in cases.items():
        error = _error(feed_server.url(path))
        assert type(error.kind) is FetchErrorKind, path
        assert (error.kind, str(error)) == (kind, message), path


def test_refused_connection_kind_is_the_enum() -> None:
    error = _error("http://127.0.0.1:9/rss.xml")
    assert error.kind is FetchErrorKind.CONNECT
    assert str(error).startswith("cannot connect: ")


def test_redirect_knows_whether_it_is_permanent() -> None:
    assert Redirect(301, "https://x.test/a").permanent
    assert Redirect(308, "https://x.test/a").permanent
    assert not Redirect(302, "https://x.test/a").permanent
    assert not Redirect(307, "https://x.test/a").permanent


def test_a_permanent_redirect_keeps_every_field_of_the_final_answer(
    feed_server: FeedServer,
) -> None:
    feed_server.routes["/old"] = Route(status=301, headers={"Location": "/new"}, etag=False)
    feed_server.routes["/new"] = Route(
        FEED,
        headers={"Last-Modified": "Tue, 18 Mar 2025 10:00:00 GMT", "Cache-Control": "max-age=60"},
    )
    direct = _fetch(feed_server.url("/new"))
    moved = _fetch(feed_server.url("/old"))
    assert moved.permanent_redirect == feed_server.url("/new")
    assert direct.permanent_redirect is None
    for name in ("url", "status", "body", "content_type", "etag", "last_modified"):
        assert getattr(moved, name) == getattr(direct, name), name
    assert moved.cache_control == direct.cache_control == "max-age=60"
