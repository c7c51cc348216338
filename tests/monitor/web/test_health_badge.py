"""The dashboard's badge, its "Sources failing" card and ``/healthz`` tell one story: a start
with every source failing is labelled as a grace period, then turns unhealthy."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from monitor.config import ServerSettings
from monitor.metrics import ServiceMetrics
from monitor.web import Dashboard, HealthProbe, ServiceStatus, build_web_app
from state import SourcePoll, Store

NOW = datetime(2025, 3, 18, 12, 0, tzinfo=UTC)
NAMES = ["un-news", "nato-news", "lt-mfa"]


class _Source:
    def __init__(self, name: str) -> None:
        self.name = name
        self.url = f"https://{name}.test/feed"
        self.enabled = True


def _fail(store: Store, name: str) -> None:
    store.record_poll(
        name,
        SourcePoll(
            url=f"https://{name}.test/feed",
            config_url=f"https://{name}.test/feed",
            ok=False,
            error=f"cannot resolve host: {name}.test",
            error_class="dns",
        ),
        NOW,
    )


def _page_and_health(store: Store, uptime: float) -> tuple[int, dict[str, Any], str]:
    clock = [1000.0]
    status = ServiceStatus(
        started=clock[0] - uptime,
        scheduler_running=lambda: True,
        monotonic=lambda: clock[0],
    )
    status.beat()
    settings = ServerSettings()
    probe = HealthProbe(
        store=store,
        status=status,
        settings=settings,
        clock=lambda: NOW,
        poll_interval=timedelta(minutes=10),
        channels={"console": timedelta(0)},
        sources=NAMES,
    )
    dashboard = Dashboard(
        store,
        sources={name: _Source(name) for name in NAMES},
        channels=["console"],
        clock=lambda: NOW,
        health=probe.summary,
    )
    web_app = build_web_app(
        settings=settings,
        probe=probe,
        metrics=ServiceMetrics(store, clock=lambda: NOW),
        dashboard=dashboard,
    )
    result: dict[str, Any] = {}

    async def run() -> None:
        async with TestClient(TestServer(web_app)) as client:
            health = await client.get("/healthz")
            result["status"] = health.status
            result["health"] = await health.json()
            result["html"] = await (await client.get("/")).text()

    asyncio.run(run())
    return result["status"], result["health"], result["html"]


def _badge(html: str) -> tuple[str, str]:
    found = re.search(r'<span id="health" class="badge health-(\w+)"[^>]*>([^<]*)</span>', html)
    assert found, html[:2000]
    return found.group(1), found.group(2)


def _card(html: str) -> str:
    found = re.search(r'id="sources-failing">([^<]*)<', html)
    assert found
    return found.group(1)


def test_every_source_failing_at_start_is_a_labelled_grace_period_then_unhealthy(
    tmp_path: Path,
) -> None:
    store = Store.open(tmp_path / "state")
    try:
        for name in NAMES:
            _fail(store, name)
        # two minutes after the start: within the grace period (3 x 10m from the start)
        status, health, html = _page_and_health(store, uptime=120)
        assert status == 200
        assert health["state"] == "starting"
        assert health["summary"] == "starting: 3/3 sources failing, grace period until 12:28 UTC"
        assert health["sources"] == {"failing": 3, "total": 3}
        assert _badge(html) == ("starting", health["summary"])
        assert _card(html) == "3 / 3"
        assert "healthy<" not in html

        # past the grace period: /healthz fails and the badge says so, with the same numbers
        status, health, html = _page_and_health(store, uptime=31 * 60)
        assert status == 503
        assert health["state"] == "unhealthy"
        assert health["summary"].startswith("unhealthy: 3/3 sources failing; polling: ")
        assert _badge(html) == ("unhealthy", health["summary"])
        assert _card(html) == "3 / 3"
    finally:
        store.close()


def test_some_sources_failing_is_degraded_not_healthy(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "state")
    try:
        _fail(store, "un-news")
        for name in NAMES[1:]:
            store.record_poll(
                name,
                SourcePoll(url=f"https://{name}.test/feed", config_url="x", ok=True, status=200),
                NOW - timedelta(minutes=1),
            )
        status, health, html = _page_and_health(store, uptime=120)
        assert status == 200
        assert (health["state"], health["summary"]) == ("degraded", "degraded: 1/3 sources failing")
        assert _badge(html) == ("degraded", "degraded: 1/3 sources failing")
        assert _card(html) == "1 / 3"
    finally:
        store.close()
