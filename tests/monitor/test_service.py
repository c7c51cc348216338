"""``treatywatch run`` as a real long-running subprocess: polls, delivers, stops on signals."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from monitor.service import Service
from state import Store
from tests.support.feeds import Entry, rss
from tests.support.seed import NOW, seeded_store
from tests.support.servers import FeedServer, Route, WebhookReceiver
from tests.support.service import ServiceProcess, wait_for

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_run_polls_delivers_and_stops_cleanly(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver, sig: signal.Signals
) -> None:
    fresh = datetime.now(UTC) - timedelta(minutes=5)
    feed_server.routes["/a.xml"] = Route(
        rss(
            [
                Entry(
                    "Latvia decides to withdraw from the Ottawa Convention on landmines",
                    "https://news.test/lv",
                    guid="lv-1",
                    published=fresh,
                )
            ]
        )
    )
    config = tmp_path / "treatywatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "sources": [{"name": "a", "url": feed_server.url("/a.xml"), "interval": "1h"}],
                "channels": [{"name": "ops", "type": "webhook", "url": receiver.url}],
            }
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert wait_for(lambda: len(receiver.accepted) == 1), "no alert arrived"
        process.send_signal(sig)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "service_stopped" in err
    assert len(receiver.accepted) == 1


# --- the service's HTTP side, shutdown and restart (issue 7) ---------------------------------

TOKEN = "service-test-token-0123456789"


def _fresh_feed(feed_server: FeedServer, *, delay: float = 0.0) -> None:
    fresh = datetime.now(UTC) - timedelta(minutes=5)
    feed_server.routes["/a.xml"] = Route(
        rss(
            [
                Entry(
                    "Estonia's government decides to withdraw from the Ottawa Convention",
                    "https://news.test/ee",
                    guid="ee-1",
                    published=fresh,
                ),
                Entry("Weather turns mild along the coast", "https://news.test/w", guid="w-1"),
            ]
        ),
        delay=delay,
    )


def _metrics(service: ServiceProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    status, body = service.get("/metrics", {"Authorization": f"Bearer {TOKEN}"})
    assert status == 200, body
    found = {}
    for family in text_string_to_metric_families(body.decode("utf-8")):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def test_probes_answer_and_metrics_move_after_a_poll(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    _fresh_feed(feed_server, delay=1.0)  # the first poll takes a second: scrape before it ends
    service = ServiceProcess(
        tmp_path,
        {
            "sources": [{"name": "a", "url": feed_server.url("/a.xml"), "interval": "1h"}],
            "channels": [{"name": "ops", "type": "webhook", "url": receiver.url}],
            "server": {"auth": {"type": "bearer", "token": TOKEN}},
        },
    ).start()
    try:
        assert wait_for(service.answers), "".join(service.log)
        status, health = service.get_json("/healthz")
        assert status == 200 and health["status"] == "ok", health
        status, ready = service.get_json("/readyz")
        assert status == 200 and ready["checks"]["polling"]["ok"] is True
        assert service.get("/metrics")[0] == 401
        polls = ("treatywatch_polls_total", (("result", "ok"), ("source", "a")))
        assert _metrics(service).get(polls) is None  # the first poll is still fetching
        assert wait_for(lambda: len(receiver.accepted) == 1)
        assert wait_for(lambda: _metrics(service).get(polls) == 1)
        after = _metrics(service)
        assert after[("treatywatch_items_seen_total", (("source", "a"),))] == 2
        assert after[("treatywatch_hits_found_total", (("source", "a"),))] == 1
        assert after[("treatywatch_hits", (("rule", "test.exit"),))] == 1
        assert after[("treatywatch_poll_duration_seconds_count", (("result", "ok"),))] == 1
        assert (
            after[("treatywatch_http_responses_total", (("source", "a"), ("status_class", "2xx")))]
            == 1
        )
        assert wait_for(
            lambda: (
                _metrics(service).get(
                    (
                        "treatywatch_alerts",
                        (("channel", "ops"), ("kind", "alert"), ("status", "sent")),
                    )
                )
                == 1
            )
        )
        assert _metrics(service)[("treatywatch_outbox_depth", (("channel", "ops"),))] == 0
        assert service.get("/", {"Authorization": f"Bearer {TOKEN}"})[0] == 200
    finally:
        code, _ = service.stop()
    assert code == 0
    assert TOKEN not in "".join(service.log)
    assert len(service.events("poll")) == 1  # one log line per poll outcome


def test_sigterm_abandons_a_stuck_send_within_the_grace_and_a_restart_delivers_it(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    _fresh_feed(feed_server)
    in_flight, release = threading.Event(), threading.Event()

    def stuck(handler: object) -> int:
        in_flight.set()
        release.wait(30)
        return 503  # never counted as accepted

    receiver.script = [stuck]
    config = {
        "sources": [{"name": "a", "url": feed_server.url("/a.xml"), "interval": "1h"}],
        "channels": [{"name": "ops", "type": "webhook", "url": receiver.url, "timeout": "60s"}],
        "server": {"shutdown_grace": "1s"},
    }
    service = ServiceProcess(tmp_path, config).start()
    try:
        assert wait_for(in_flight.is_set), "".join(service.log)
        code, took = service.stop(signal.SIGTERM)
    finally:
        release.set()
        service.kill()
    assert code == 0, "".join(service.log)
    assert took < 8, f"stopping took {took:.1f}s with a 1s grace"
    stopped = service.events("service_stopped")
    assert stopped and "abandoned=1" in stopped[0], "".join(service.log)
    store = Store.open(tmp_path / "state")
    try:
        rows = store.alerts(channel="ops")
    finally:
        store.close()
    assert [row.status for row in rows] == ["pending"]  # left in the outbox, not lost
    assert receiver.accepted == []

    restarted = ServiceProcess(tmp_path, config).start()
    try:
        # ready at once: the source was polled before, its next poll keeps its stored time
        assert wait_for(restarted.answers), "".join(restarted.log)
        assert wait_for(lambda: len(receiver.accepted) == 1, timeout=60), "".join(restarted.log)
        code, _ = restarted.stop()
    finally:
        restarted.kill()
    assert code == 0
    delivered = receiver.accepted_json()
    assert [alert["id"] for alert in delivered] == [rows[0].id]  # the same alert id
    store = Store.open(tmp_path / "state")
    try:
        assert [row.status for row in store.alerts(channel="ops")] == ["sent"]
    finally:
        store.close()


def test_sigterm_lets_a_send_in_flight_finish_within_the_grace(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    _fresh_feed(feed_server)
    in_flight = threading.Event()

    def slow(handler: object) -> int:
        in_flight.set()
        time.sleep(1.0)
        return 200

    receiver.script = [slow]
    service = ServiceProcess(
        tmp_path,
        {
            "sources": [{"name": "a", "url": feed_server.url("/a.xml"), "interval": "1h"}],
            "channels": [{"name": "ops", "type": "webhook", "url": receiver.url}],
            "server": {"shutdown_grace": "20s"},
        },
    ).start()
    try:
        assert wait_for(in_flight.is_set), "".join(service.log)
        code, _ = service.stop(signal.SIGTERM)
    finally:
        service.kill()
    assert code == 0
    assert "abandoned=0" in service.events("service_stopped")[0], "".join(service.log)
    assert len(receiver.accepted) == 1
    store = Store.open(tmp_path / "state")
    try:
        assert [row.status for row in store.alerts(channel="ops")] == ["sent"]
    finally:
        store.close()


def test_json_logs_one_line_per_event(tmp_path: Path, feed_server: FeedServer) -> None:
    _fresh_feed(feed_server)
    service = ServiceProcess(
        tmp_path,
        {
            "sources": [
                {"name": "a", "url": feed_server.url("/a.xml"), "interval": "1h"},
                {"name": "b", "url": feed_server.url("/missing.xml"), "interval": "1h"},
            ],
            "server": {"auth": {"type": "basic", "username": "ops", "password": TOKEN}},
        },
    )
    service.env["PYTHONWARNINGS"] = "ignore"
    service.process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "monitor",
            "run",
            "--log-format",
            "json",
            "-c",
            str(service.config_path),
        ],
        cwd=REPO,
        env=service.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    reader = threading.Thread(
        target=lambda: service.log.extend(service.process.stderr), daemon=True
    )
    service._reader = reader
    reader.start()
    try:
        assert wait_for(lambda: sum('"event": "poll"' in line for line in service.log) == 2)
        code, _ = service.stop()
    finally:
        service.kill()
    assert code == 0
    records = [json.loads(line) for line in service.log]
    polls = {r["source"]: r for r in records if r["event"] == "poll"}
    assert polls["a"]["ok"] is True and polls["b"]["ok"] is False and polls["b"]["status"] == 404
    assert all(r["time"].endswith("Z") and r["level"] and r["logger"] for r in records)
    assert {"service_started", "service_stopping", "service_stopped"} <= {
        r["event"] for r in records
    }
    assert TOKEN not in "".join(service.log)


def test_a_port_in_use_fails_at_start_with_a_clear_message(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        service = ServiceProcess(tmp_path, {"sources": [], "server": {"port": port}}).start()
        assert service.process is not None
        code = service.process.wait(timeout=30)
        service.kill()
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in "".join(service.log)


def test_the_daily_prune_job_forgets_old_rows(
    tmp_path: Path,
    feed_server: FeedServer,
    receiver: WebhookReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with seeded_store(tmp_path, feed_server, receiver) as app:
        service = Service(app)
        jobs = {job.id for job in service._build_scheduler().get_jobs()}
        assert {"service:heartbeat", "service:prune"} <= jobs
        before = app.store.table_counts()
        app.clock = lambda: NOW + timedelta(days=60)  # past dedup.keep_items (30 days)
        with caplog.at_level(logging.INFO, logger="treatywatch.service"):
            asyncio.run(service._prune())
        after = app.store.table_counts()
    assert before["items"] == 4 and after["items"] == 0 and after["hits"] == 0
    assert after["identity_keys"] == before["identity_keys"]  # kept for 90 days
    pruned = [r for r in caplog.records if getattr(r, "event", None) == "pruned"]
    assert pruned and pruned[0].items == 4  # type: ignore[attr-defined]
