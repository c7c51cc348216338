"""Forward proxies: the ``http.proxy`` / ``http.no_proxy`` settings and the standard variables,
the routing decision (``monitor.proxy``), and ``treatywatch poll`` carrying a feed fetch and a
webhook through a real local proxy, or past it for ``NO_PROXY`` hosts."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor.config import parse_settings
from monitor.errors import ConfigError
from monitor.proxy import ProxyRoutes, parse_bypass, parse_proxy_url, proxy_label
from tests.conftest import run_cli
from tests.support.feeds import Entry, rss
from tests.support.proxy import ForwardProxy
from tests.support.servers import FeedServer, Route, WebhookReceiver
from tests.support.service import ServiceProcess, wait_for


def routes(no_proxy: str, proxy: str = "http://proxy.corp:3128") -> ProxyRoutes:
    built = ProxyRoutes.of(proxy, proxy, [e for e in no_proxy.split(",") if e])
    assert built is not None
    return built


@pytest.mark.parametrize(
    ("no_proxy", "url", "direct"),
    [
        ("example.org", "https://example.org/feed", True),
        ("example.org", "https://www.example.org/feed", True),
        ("example.org", "https://notexample.org/feed", False),
        (".example.org", "https://example.org/feed", True),
        ("*.example.org", "https://a.b.example.org/feed", True),
        ("EXAMPLE.org.", "https://Example.ORG/feed", True),
        ("10.0.0.0/8", "http://10.1.2.3/feed", True),
        ("10.0.0.0/8", "http://11.1.2.3/feed", False),
        ("10.0.0.0/8", "http://intranet.corp/feed", False),  # names are not resolved
        ("192.168.1.5", "http://192.168.1.5:8080/x", True),
        ("::1", "http://[::1]:8080/x", True),
        ("[::1]:8080", "http://[::1]:8081/x", False),
        ("fd00::/8", "http://[fd12::1]/x", True),
        ("example.org:8443", "https://example.org:8443/x", True),
        ("example.org:443", "https://example.org/x", True),  # the scheme's default port
        ("example.org:8443", "https://example.org/x", False),
        ("http://intranet", "http://intranet/x", True),
        ("http://intranet", "https://intranet/x", False),
        ("localhost", "http://localhost:8080/", True),
        ("", "http://127.0.0.1:8080/", False),  # loopback is not special: NO_PROXY decides
    ],
)
def test_no_proxy_entries(no_proxy: str, url: str, direct: bool) -> None:
    chosen = routes(no_proxy).proxy_for(url)
    assert chosen == (None if direct else "http://proxy.corp:3128")


def test_a_scheme_without_its_proxy_goes_direct() -> None:
    only_https = ProxyRoutes.of(None, "http://proxy:3128")
    assert only_https is not None
    assert only_https.proxy_for("https://example.org/") == "http://proxy:3128"
    assert only_https.proxy_for("http://example.org/") is None


def test_no_proxy_star_or_no_proxy_means_no_routes() -> None:
    assert ProxyRoutes.of("http://proxy:3128", "http://proxy:3128", ["example.org", "*"]) is None
    assert ProxyRoutes.of(None, None, ["example.org"]) is None


@pytest.mark.parametrize("entry", ["a b", "exa mple.org", "ftp://host", "host:99999", "[::1"])
def test_bad_no_proxy_entries(entry: str) -> None:
    with pytest.raises(ValueError, match=r"not|only"):
        parse_bypass(entry)


def test_proxy_urls() -> None:
    assert parse_proxy_url("proxy.corp:3128") == "http://proxy.corp:3128"
    assert parse_proxy_url("http://u:p@proxy:3128/") == "http://u:p@proxy:3128"
    assert proxy_label("http://u:secret@proxy:3128") == "http://proxy:3128"
    for bad in ("socks5://proxy:1080", "https://proxy:443", "http://proxy:3128/path", "http://"):
        with pytest.raises(ValueError):
            parse_proxy_url(bad)


# --- the settings -----------------------------------------------------------------------------


def test_http_proxy_setting_serves_both_schemes() -> None:
    http = parse_settings(
        {"http": {"proxy": "http://proxy:3128", "no_proxy": "localhost, .corp"}}, environ={}
    ).http
    assert http.proxy is not None
    assert (http.proxy.http, http.proxy.https) == ("http://proxy:3128", "http://proxy:3128")
    assert http.no_proxy == ("localhost", ".corp")
    split = parse_settings(
        {"http": {"proxy": {"https": "http://tls-proxy:3128"}, "no_proxy": ["a.example"]}},
        environ={},
    ).http
    assert split.proxy is not None and split.proxy.http is None


@pytest.mark.parametrize(
    ("http", "message"),
    [
        ({"proxy": "socks5://proxy:1080"}, "http.proxy: socks5:// proxies are not supported"),
        ({"proxy": "http://proxy:3128/path"}, "http.proxy: a proxy URL has no path"),
        ({"proxy": {"ftp": "http://proxy:1"}}, "http.proxy.ftp: unknown key"),
        ({"proxy": {"https": "http://"}}, "http.proxy.https: not a proxy URL"),
        ({"no_proxy": ["ok.example", "not ok"]}, "http.no_proxy[1]: 'not ok': not a host name"),
    ],
)
def test_bad_proxy_settings_name_their_key(http: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({"http": http}, environ={})
    assert message in str(caught.value)


def test_the_standard_variables_are_read_when_the_config_is_silent() -> None:
    environ = {
        "HTTP_PROXY": "http://plain:3128",
        "https_proxy": "tls-proxy:3128",
        "HTTPS_PROXY": "http://ignored:1",  # the lowercase spelling wins
        "NO_PROXY": "localhost,127.0.0.1, .internal.example",
    }
    http = parse_settings({}, environ=environ).http
    assert http.proxy is not None
    assert (http.proxy.http, http.proxy.https) == ("http://plain:3128", "http://tls-proxy:3128")
    assert http.no_proxy == ("localhost", "127.0.0.1", ".internal.example")
    all_proxy = parse_settings({}, environ={"ALL_PROXY": "http://any:8080"}).http.proxy
    assert all_proxy is not None and all_proxy.http == all_proxy.https == "http://any:8080"


def test_the_config_file_wins_over_the_variables() -> None:
    environ = {"HTTPS_PROXY": "http://env:3128", "NO_PROXY": "env.example"}
    http = parse_settings({"http": {"proxy": "http://file:3128"}}, environ=environ).http
    assert http.proxy is not None and http.proxy.https == "http://file:3128"
    assert http.no_proxy == ("env.example",)  # only what the file names is overridden
    for none in ("", None):  # an empty proxy: none at all, whatever the environment says
        assert parse_settings({"http": {"proxy": none}}, environ=environ).http.proxy is None
    substituted = parse_settings({"http": {"proxy": "${TW_PROXY:-}"}}, environ=environ)
    assert substituted.http.proxy is None


def test_a_bad_variable_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings({}, environ={"ALL_PROXY": "socks5://x:1080", "no_proxy": "a b"})
    problems = str(caught.value)
    assert problems.count("ALL_PROXY (environment variable): socks5://") == 1
    assert "no_proxy (environment variable): 'a b'" in problems
    assert "set http.proxy and http.no_proxy in the config" in problems
    # the file's own settings make the variables irrelevant
    parse_settings(
        {"http": {"proxy": "", "no_proxy": []}},
        environ={"ALL_PROXY": "socks5://x:1080", "no_proxy": "a b"},
    )


def test_check_shows_the_proxy_without_credentials(tmp_path: Path) -> None:
    config = tmp_path / "treatywatch.yaml"
    config.write_text(
        f"state_dir: {tmp_path / 'state'}\n"
        "sources:\n  - {name: one, url: 'https://example.org/rss'}\n"
        "http:\n  proxy: http://ops:hunter22@proxy.corp:3128\n  no_proxy: [localhost]\n"
    )
    result = run_cli("check", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "proxy:  http://proxy.corp:3128 (except localhost)" in result.stdout
    assert "hunter22" not in result.stdout + result.stderr


# --- end to end: `treatywatch poll` through a real proxy ----------------------------------------

NEWS, HOOKS = "news.example.test", "hooks.example.test"  # only the proxy resolves them


@pytest.fixture
def news() -> Iterator[FeedServer]:
    server = FeedServer()
    fresh = datetime.now(UTC) - timedelta(minutes=5)
    server.routes["/news.xml"] = Route(
        rss(
            [
                Entry(
                    "Estonia's government decides to withdraw from the Ottawa Convention",
                    "https://news.test/ee-ottawa",
                    guid="ee-1",
                    published=fresh,
                )
            ]
        )
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture
def proxy() -> Iterator[ForwardProxy]:
    server = ForwardProxy(hosts={NEWS: "127.0.0.1", HOOKS: "127.0.0.1"}).start()
    yield server
    server.stop()


def _config(tmp_path: Path, feed_url: str, hook_url: str, **extra: object) -> Path:
    path = tmp_path / "treatywatch.yaml"
    data = {
        "state_dir": str(tmp_path / "state"),
        "sources": [{"name": "local-news", "url": feed_url}],
        "channels": [{"name": "hook", "type": "webhook", "url": hook_url}],
        **extra,
    }
    path.write_text(yaml.safe_dump(data))
    return path


def test_poll_fetches_and_delivers_through_the_proxy_of_the_environment(
    tmp_path: Path, news: FeedServer, receiver: WebhookReceiver, proxy: ForwardProxy
) -> None:
    feed_url = f"http://{NEWS}:{news.port}/news.xml"
    hook_url = f"http://{HOOKS}:{receiver.port}/hook"
    config = _config(tmp_path, feed_url, hook_url)
    result = run_cli("poll", "--config", str(config), env={"HTTP_PROXY": proxy.url})
    assert result.returncode == 0, result.stderr
    assert proxy.carried() == [f"GET {feed_url}", f"POST {hook_url}"]
    assert [a["source"] for a in receiver.accepted_json()] == ["local-news"]


def test_poll_uses_the_http_proxy_setting(
    tmp_path: Path, news: FeedServer, receiver: WebhookReceiver, proxy: ForwardProxy
) -> None:
    feed_url = f"http://{NEWS}:{news.port}/news.xml"
    hook_url = f"http://{HOOKS}:{receiver.port}/hook"
    config = _config(tmp_path, feed_url, hook_url, http={"proxy": proxy.url})
    result = run_cli("poll", "--config", str(config), env={"HTTP_PROXY": "http://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr
    assert proxy.carried() == [f"GET {feed_url}", f"POST {hook_url}"]
    assert len(receiver.accepted) == 1


def test_poll_goes_direct_for_no_proxy_hosts(
    tmp_path: Path, news: FeedServer, receiver: WebhookReceiver, proxy: ForwardProxy
) -> None:
    config = _config(tmp_path, news.url("/news.xml"), receiver.url)
    environ = {"HTTP_PROXY": proxy.url, "NO_PROXY": "localhost,127.0.0.1"}
    result = run_cli("poll", "--config", str(config), env=environ)
    assert result.returncode == 0, result.stderr
    assert proxy.carried() == []
    assert news.statuses("/news.xml") == [200]
    assert len(receiver.accepted) == 1


def test_healthcheck_never_goes_through_a_proxy(tmp_path: Path, proxy: ForwardProxy) -> None:
    service = ServiceProcess(tmp_path, {"sources": []}).start()
    try:
        assert wait_for(service.answers), "".join(service.log)
        environ = {"HTTP_PROXY": proxy.url, "http_proxy": proxy.url}
        result = run_cli("healthcheck", "-c", str(service.config_path), env=environ)
    finally:
        service.stop()
    assert result.returncode == 0 and result.stdout.strip() == "healthy", result.stderr
    assert proxy.carried() == []  # the service is on this machine: asked directly
