"""Fetching through a real forward proxy on 127.0.0.1 (tests/support/proxy.py): plain http in
absolute form, https through CONNECT, ``no_proxy`` going direct, proxy credentials, and the
private-address guard still refusing a redirect inward."""

from __future__ import annotations

import asyncio
import base64
import ssl
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import trustme

from monitor.config import HttpSettings, parse_settings
from monitor.errors import FetchError
from monitor.sources import Fetcher
from monitor.sources.fetch import FetchResult
from tests.support.feeds import Entry, rss
from tests.support.proxy import ForwardProxy
from tests.support.servers import FeedServer, Route

FEED = rss([Entry("Ministry statement on the treaty", "https://x.test/1")])
# Names only the proxy can resolve (.test never resolves in DNS): reaching them proves the
# request went through the proxy and that treatywatch itself looked nothing up.
NEWS = "news.example.test"


def settings(proxy: str | None, no_proxy: str = "", **http: Any) -> HttpSettings:
    data: dict[str, Any] = {
        "connect_timeout": "2s",
        "read_timeout": "2s",
        "deadline": "5s",
        **http,
    }
    if proxy is not None:
        data["proxy"] = proxy
    if no_proxy:
        data["no_proxy"] = no_proxy
    return parse_settings({"http": data}, environ={}).http


def fetch(url: str, http: HttpSettings) -> FetchResult:
    async def go() -> FetchResult:
        fetcher = Fetcher(http)
        try:
            return await fetcher.fetch(url)
        finally:
            await fetcher.aclose()

    return asyncio.run(go())


def fetch_error(url: str, http: HttpSettings) -> FetchError:
    with pytest.raises(FetchError) as caught:
        fetch(url, http)
    return caught.value


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    server.routes["/rss.xml"] = Route(FEED)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    server = ForwardProxy(hosts={NEWS: "127.0.0.1"}).start()
    yield server
    server.stop()


def test_plain_http_goes_through_the_proxy_which_resolves_the_name(
    feed: FeedServer, proxy: ForwardProxy
) -> None:
    url = f"http://{NEWS}:{feed.port}/rss.xml"
    result = fetch(url, settings(proxy.url))
    assert result.body == FEED
    assert proxy.carried() == [f"GET {url}"]
    assert [r.path for r in feed.requests] == ["/rss.xml"]


def test_without_a_proxy_the_same_name_does_not_resolve(feed: FeedServer) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(f"http://{NEWS}:{feed.port}/rss.xml", settings(None))
    assert caught.value.kind == "dns"


def test_https_goes_through_a_connect_tunnel_with_tls_verified_end_to_end(
    tmp_path: Any,
) -> None:
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(NEWS).configure_cert(context)
    server = FeedServer()
    server.routes["/rss.xml"] = Route(FEED)
    server._server.socket = context.wrap_socket(server._server.socket, server_side=True)
    server.start()
    proxy = ForwardProxy(hosts={NEWS: "127.0.0.1"}, credentials=("ops", "pw")).start()
    via = f"http://ops:pw@127.0.0.1:{proxy.port}"
    try:
        url = f"https://{NEWS}:{server.port}/rss.xml"
        # the proxy is no reason to trust a stranger's certificate
        assert fetch_error(url, settings(via)).kind == "tls"
        bundle = tmp_path / "ca.pem"
        ca.cert_pem.write_to_path(str(bundle))
        assert fetch(url, settings(via, ca_bundle=str(bundle))).body == FEED
        assert proxy.carried() == [f"CONNECT {NEWS}:{server.port}"] * 2
        assert [r.path for r in server.requests] == ["/rss.xml"]
        # the credentials went to the proxy, never into the tunnel
        assert "proxy-authorization" in proxy.requests[-1].headers
        assert "proxy-authorization" not in {k.lower() for k in server.requests[0].headers}
    finally:
        proxy.stop()
        server.stop()


def test_no_proxy_hosts_go_direct(feed: FeedServer, proxy: ForwardProxy) -> None:
    result = fetch(feed.url("/rss.xml"), settings(proxy.url, no_proxy="localhost, 127.0.0.1"))
    assert result.body == FEED
    assert proxy.carried() == []
    assert [r.path for r in feed.requests] == ["/rss.xml"]


def test_no_proxy_takes_networks_and_ports(feed: FeedServer, proxy: ForwardProxy) -> None:
    assert fetch(feed.url("/rss.xml"), settings(proxy.url, no_proxy="127.0.0.0/8")).status == 200
    other_port = f"127.0.0.1:{feed.port + 1 if feed.port < 65535 else 1}"
    assert fetch(feed.url("/rss.xml"), settings(proxy.url, no_proxy=other_port)).status == 200
    assert proxy.carried() == [f"GET {feed.url('/rss.xml')}"]  # only the second went through it


def test_the_proxy_may_be_named_by_a_private_name(feed: FeedServer, proxy: ForwardProxy) -> None:
    # localhost resolves to a loopback address; for a public origin the resolver refuses such
    # names, but the proxy is the operator's choice.
    url = f"http://{NEWS}:{feed.port}/rss.xml"
    assert fetch(url, settings(f"http://localhost:{proxy.port}")).body == FEED
    assert proxy.carried() == [f"GET {url}"]


def test_a_redirect_to_a_private_address_is_still_refused(
    feed: FeedServer, proxy: ForwardProxy
) -> None:
    inward = feed.url("/rss.xml")
    feed.routes["/moved"] = Route(status=302, headers={"Location": inward}, etag=False)
    url = f"http://{NEWS}:{feed.port}/moved"
    with pytest.raises(FetchError) as caught:
        fetch(url, settings(proxy.url))
    assert caught.value.kind == "blocked_address"
    assert proxy.carried() == [f"GET {url}"]  # the inward hop was never asked for
    assert [r.path for r in feed.requests] == ["/moved"]


def test_proxy_credentials_from_the_url(feed: FeedServer) -> None:
    guarded = ForwardProxy(hosts={NEWS: "127.0.0.1"}, credentials=("ops", "s3cret:/x")).start()
    try:
        url = f"http://{NEWS}:{feed.port}/rss.xml"
        with pytest.raises(FetchError) as caught:
            fetch(url, settings(guarded.url))
        assert caught.value.kind == "proxy"
        assert "s3cret" not in str(caught.value)
        with pytest.raises(FetchError) as caught:  # https: the tunnel is refused
            fetch(f"https://{NEWS}:{feed.port}/rss.xml", settings(guarded.url))
        assert caught.value.kind == "proxy"
        authorised = f"http://ops:s3cret%3A%2Fx@127.0.0.1:{guarded.port}"
        assert fetch(url, settings(authorised)).body == FEED
        token = base64.b64encode(b"ops:s3cret:/x").decode()
        assert guarded.requests[-1].headers["proxy-authorization"] == f"Basic {token}"
        https = f"https://{NEWS}:{feed.port}/rss.xml"  # the tunnel opens; TLS then fails
        assert fetch_error(https, settings(authorised)).kind == "tls"
        assert guarded.requests[-1].headers["proxy-authorization"] == f"Basic {token}"
    finally:
        guarded.stop()


def test_an_unreachable_proxy_is_a_proxy_error(feed: FeedServer) -> None:
    with pytest.raises(FetchError) as caught:
        fetch(feed.url("/rss.xml"), settings("http://127.0.0.1:9"))
    assert caught.value.kind == "proxy"


def test_settings_without_proxy_keep_the_direct_client() -> None:
    http = HttpSettings(deadline=timedelta(seconds=1))
    assert http.proxy is None and http.no_proxy == ()
