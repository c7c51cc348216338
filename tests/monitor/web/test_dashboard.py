"""The dashboard and the HTTP endpoints, served by aiohttp's test server over real sockets."""

from __future__ import annotations

import asyncio
import base64
import json
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from hypothesis import given
from hypothesis import strategies as st

from monitor.app import App, make_app
from monitor.config import ServerSettings, parse_settings
from monitor.core.health import source_items_per_day
from monitor.metrics import ServiceMetrics
from monitor.web import (
    Dashboard,
    HealthProbe,
    ServiceStatus,
    build_web_app,
    highlight,
    safe_link,
)
from monitor.web.server import loopback_host
from tests.support.feeds import Entry, rss
from tests.support.seed import HOSTILE, NOW, WITHDRAWAL, seeded_store
from tests.support.servers import FeedServer, Route, WebhookReceiver

TOKEN = "dashboard-token-0123456789"


def test_highlight_marks_spans_and_escapes_everything_else() -> None:
    text = "A <b> withdraw & the Ottawa Convention"
    html = highlight(text, [(6, 14), (21, 38)])
    assert str(html) == (
        "A &lt;b&gt; <mark>withdraw</mark> &amp; the <mark>Ottawa Convention</mark>"
    )


def test_highlight_merges_overlaps_and_ignores_spans_that_do_not_fit() -> None:
    assert str(highlight("abcdef", [(1, 3), (2, 5), (4, 99), (-1, 2)])) == "a<mark>bcde</mark>f"


def test_highlight_falls_back_to_the_matched_terms() -> None:
    html = highlight("Lithuania leaves the OTTAWA Convention", [], ["Ottawa Convention"])
    assert str(html) == "Lithuania leaves the <mark>OTTAWA Convention</mark>"


@given(st.text(), st.lists(st.tuples(st.integers(-5, 60), st.integers(-5, 60)), max_size=5))
def test_highlight_never_lets_markup_through(text: str, spans: list[tuple[int, int]]) -> None:
    html = str(highlight(text, spans, [text[:3]]))
    bare = html.replace("<mark>", "").replace("</mark>", "")
    assert "<" not in bare and ">" not in bare
    assert (
        bare.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#34;", '"')
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        == text
    )


def test_only_http_links_are_linked() -> None:
    assert safe_link("https://news.test/a?b=1") == "https://news.test/a?b=1"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//x", "", None):
        assert safe_link(bad) is None


def _web(app: App, *, auth: dict[str, Any] | None = None, status: ServiceStatus | None = None):
    settings = ServerSettings.model_validate({"auth": auth} if auth else {})
    status = status or ServiceStatus(polling_started=True)
    probe = HealthProbe(
        store=app.store,
        status=status,
        settings=settings,
        clock=app.clock,
        poll_interval=timedelta(minutes=10),
        channels=dict.fromkeys(app.channels, timedelta(0)),
    )
    dashboard = Dashboard(
        app.store,
        sources=app.sources,
        channels=list(app.channels),
        clock=app.clock,
        next_polls=lambda: {"baltic-news": NOW + timedelta(minutes=7)},
        health=probe.summary,
    )
    metrics = ServiceMetrics(app.store, clock=app.clock)
    return build_web_app(settings=settings, probe=probe, metrics=metrics, dashboard=dashboard)


def _serve(web_app: Any, check: Callable[[TestClient], Awaitable[None]]) -> None:
    async def run() -> None:
        async with TestClient(TestServer(web_app)) as client:
            await check(client)

    asyncio.run(run())


def test_dashboard_shows_stories_with_highlighted_terms_and_delivery(seeded: App) -> None:
    async def check(client: TestClient) -> None:
        response = await client.get("/")
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/html")
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "'sha256-" in csp and "unsafe" not in csp
        html = await response.text()
        assert (
            "Latvia decides to <mark>withdraw</mark> from the <mark>Ottawa Convention</mark>"
            in html
        )
        assert 'href="https://news.test/lv-ottawa"' in html
        assert "ops-hook: sent" in html and "second-hook: sent" in html
        assert "baltic-news" in html
        assert "Parliament debates the budget" not in html  # no hit, no story

    _serve(_web(seeded), check)


def test_dashboard_escapes_feed_text_and_drops_script_links(seeded: App) -> None:
    async def check(client: TestClient) -> None:
        html = await (await client.get("/")).text()
        assert "<script>" not in html and "<img" not in html
        assert (
            "Estonia to <mark>exit</mark> &lt;script&gt;alert(1)&lt;/script&gt; &amp; the" in html
        )
        assert "javascript:" not in html
        assert HOSTILE not in html

    _serve(_web(seeded), check)


def test_dashboard_shows_source_health_and_dead_alerts(seeded: App) -> None:
    async def check(client: TestClient) -> None:
        html = await (await client.get("/")).text()
        rows = re.findall(r'<tr class="source-row">(.*?)</tr>', html, re.S)
        assert len(rows) == 2
        silent = next(row for row in rows if "silent" in row)
        assert "failing" in silent and "HTTP 404" in silent and "http_4xx" in silent
        news = next(row for row in rows if "baltic-news" in row)
        assert "2025-03-18 12:00Z" in news  # last success
        assert "2025-03-18 12:07Z (in 7m)" in news  # next poll, from the scheduler
        # items per day: one definition, the one `treatywatch sources` shows (issue 12); the
        # seeded source was polled once, and what a first poll finds is not new
        figure = source_items_per_day(seeded.store.source("baltic-news"), seeded.clock())
        assert figure == 0.0 and f'<td class="num">{figure}</td>' in news
        dead = re.findall(r'<tr class="dead-row">(.*?)</tr>', html, re.S)
        assert len(dead) == 1 and "alrt_hostile" in dead[0] and "HTTP 410 Gone" in dead[0]

    _serve(_web(seeded), check)


def test_dashboard_filters_by_source_and_rule(seeded: App) -> None:
    async def check(client: TestClient) -> None:
        latvia = WITHDRAWAL[:17]
        assert latvia in await (await client.get("/?rule=test.*")).text()
        assert latvia not in await (await client.get("/?rule=other.*")).text()
        assert latvia not in await (await client.get("/?source=silent")).text()
        one = await (await client.get("/?source=baltic-news&limit=1")).text()
        assert one.count('<article class="card story"') == 1
        assert (await client.get("/?limit=abc")).status == 400

    _serve(_web(seeded), check)


def test_health_and_readiness_answer_json(seeded: App) -> None:
    status = ServiceStatus(polling_started=False, scheduler_running=lambda: True)
    status.beat()

    async def check(client: TestClient) -> None:
        health = await client.get("/healthz")
        body = await health.json()
        # the dead alert is not waiting; the feed was polled at NOW: healthy
        assert health.status == 200, body
        assert body["status"] == "ok" and set(body["checks"]) == {"scheduler", "polling", "outbox"}
        ready = await client.get("/readyz")
        assert ready.status == 503
        assert (await ready.json())["checks"]["polling"]["ok"] is False
        status.polling_started = True
        assert (await client.get("/readyz")).status == 200
        status.stopping = True
        assert (await client.get("/readyz")).status == 503

    _serve(_web(seeded, status=status), check)


def test_a_waiting_alert_older_than_the_limit_makes_healthz_fail(seeded: App) -> None:
    seeded.store.db.execute(
        "UPDATE alerts SET status = 'pending', created = '2025-03-18T10:00:00Z' "
        "WHERE channel = 'second-hook'"
    )
    status = ServiceStatus(scheduler_running=lambda: True)
    status.beat()

    async def check(client: TestClient) -> None:
        response = await client.get("/healthz")
        assert response.status == 503
        body = await response.json()
        assert body["checks"]["outbox"]["ok"] is False
        assert "2h" in body["checks"]["outbox"]["detail"]
        html = await (await client.get("/")).text()
        assert 'id="problems"' in html and "unhealthy" in html

    _serve(_web(seeded, status=status), check)


def test_auth_protects_dashboard_and_metrics_but_not_probes(seeded: App) -> None:
    async def check(client: TestClient) -> None:
        for path in ("/", "/metrics", "/nowhere"):
            response = await client.get(path)
            assert response.status == 401, path
            assert response.headers["WWW-Authenticate"].startswith("Basic")
            assert (await client.get(path, headers={"Authorization": "Bearer nope"})).status == 401
        good = {"Authorization": f"Bearer {TOKEN}"}
        assert (await client.get("/", headers=good)).status == 200
        assert (await client.get("/metrics", headers=good)).status == 200
        assert (await client.get("/nowhere", headers=good)).status == 404
        browser = "Basic " + base64.b64encode(f"me:{TOKEN}".encode()).decode()
        assert (await client.get("/", headers={"Authorization": browser})).status == 200
        for path in ("/healthz", "/readyz"):
            assert (await client.get(path)).status in (200, 503)

    _serve(_web(seeded, auth={"type": "bearer", "token": TOKEN}), check)


def test_only_get_is_served(seeded: App) -> None:
    async def check(client: TestClient) -> None:
        response = await client.post("/", data=b"x")
        assert response.status == 405
        assert response.headers["X-Content-Type-Options"] == "nosniff"

    _serve(_web(seeded), check)


def test_healthz_reports_a_broken_database(seeded: App) -> None:
    status = ServiceStatus(scheduler_running=lambda: True)
    status.beat()
    web_app = _web(seeded, status=status)
    seeded.store.close()

    async def check(client: TestClient) -> None:
        response = await client.get("/healthz")
        assert response.status == 503
        assert "database" in json.dumps(await response.json())
        assert (await client.get("/readyz")).status == 503
        assert (await client.get("/")).status == 503

    _serve(web_app, check)


def test_one_card_per_story_with_every_report(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    """Two outlets report one event (built-in rule pack, stories from the pipeline): one card
    listing both reports, one alert."""
    feed_server.routes["/a.xml"] = Route(
        rss(
            [
                Entry(
                    "Lithuania announces its withdrawal from the Ottawa Convention",
                    "https://a.test/lt",
                    guid="a1",
                    published=NOW - timedelta(minutes=40),
                )
            ]
        )
    )
    feed_server.routes["/b.xml"] = Route(
        rss(
            [
                Entry(
                    "Lithuania to withdraw from the Ottawa Convention banning landmines",
                    "https://b.test/lt",
                    guid="b1",
                    published=NOW - timedelta(minutes=10),
                )
            ]
        )
    )
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [
                {"name": "wire-a", "url": feed_server.url("/a.xml")},
                {"name": "wire-b", "url": feed_server.url("/b.xml"), "official": True},
            ],
            "channels": [{"name": "hook", "type": "webhook", "url": receiver.url}],
        },
        environ={},
    )
    app = make_app(settings, clock=lambda: NOW)

    async def cycle() -> None:
        await app.poll_source("wire-a")
        await app.poll_source("wire-b")
        await app.deliver_due()
        await app.fetcher.aclose()
        await app.deliverer.aclose()

    asyncio.run(cycle())
    assert len(receiver.accepted) == 1

    async def check(client: TestClient) -> None:
        html = await (await client.get("/")).text()
        cards = re.findall(r'<article class="card story".*?</article>', html, re.S)
        assert len(cards) == 1, html
        card = cards[0]
        assert "wire-a" in card and "wire-b (official)" in card
        assert "2 reports from 2 outlets" in card
        assert card.count('class="hit"') == 2
        assert "hook: sent" in card and "no alert of its own" in card
        assert "<mark>withdraw" in card and "Ottawa Convention</mark>" in card
        assert '<span class="badge entity">Lithuania</span>' in card  # a label, not an id

    try:
        _serve(_web(app), check)
    finally:
        app.store.close()


def test_a_digest_channel_may_hold_alerts_for_its_period(seeded: App) -> None:
    seeded.store.db.execute(
        "UPDATE alerts SET status = 'pending', created = '2025-03-18T09:00:00Z' "
        "WHERE channel = 'second-hook'"
    )
    status = ServiceStatus(scheduler_running=lambda: True)
    status.beat()

    def outbox(allowance: timedelta) -> bool:
        probe = HealthProbe(
            store=seeded.store,
            status=status,
            settings=ServerSettings(),
            clock=lambda: NOW,
            poll_interval=timedelta(minutes=10),
            channels={"ops-hook": timedelta(0), "second-hook": allowance},
        )
        return next(check.ok for check in probe.health() if check.name == "outbox")

    assert outbox(timedelta(0)) is False  # 3 hours waiting on an immediate channel
    assert outbox(timedelta(days=1)) is True  # a daily digest holds them on purpose
    seeded.store.db.execute("UPDATE alerts SET kind = 'ops' WHERE channel = 'second-hook'")
    assert outbox(timedelta(days=1)) is False  # operator notices are never held


def test_loopback_host_names() -> None:
    for host in ("127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]:8080", "::1", "127.1.2.3"):
        assert loopback_host(host), host
    for host in ("evil.test", "evil.test:8080", "10.0.0.1:8080", "[2001:db8::1]:80", ""):
        assert not loopback_host(host), host


def test_without_auth_a_foreign_host_name_is_refused(seeded: App) -> None:
    """DNS rebinding: a page from elsewhere reaching 127.0.0.1 under its own name."""

    async def check(client: TestClient) -> None:
        foreign = {"Host": "attacker.test:8080"}
        assert (await client.get("/", headers=foreign)).status == 421
        assert (await client.get("/metrics", headers=foreign)).status == 421
        assert (await client.get("/healthz", headers=foreign)).status in (200, 503)
        assert (await client.get("/", headers={"Host": "localhost:8080"})).status == 200

    _serve(_web(seeded), check)


def test_source_hosts_never_show_credentials(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    with seeded_store(tmp_path, feed_server, receiver) as app:
        dashboard = Dashboard(
            app.store,
            sources={
                "secret": app.sources["baltic-news"].model_copy(
                    update={"url": "https://user:pa55word@feeds.test:8443/rss?key=abc"}
                )
            },
            channels=[],
            clock=lambda: NOW,
        )
        hosts = {view.name: view.host for view in dashboard.source_views(NOW)}
    assert hosts["secret"] == "feeds.test:8443"
