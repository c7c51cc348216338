"""SIGKILL during delivery: ``treatywatch run`` is killed while a slow receiver holds requests in
flight; after a restart every alert is delivered, and any repeat carries the same id."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import yaml

from tests.conftest import run_cli
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver
from tests.support.service import wait_for

REPO = Path(__file__).resolve().parents[2]
HEADLINES = [
    "Lithuania announces withdrawal from the Ottawa Convention on anti-personnel mines",
    "Estonian parliament votes to leave the Ottawa Convention banning landmines",
    "Latvia notifies the United Nations of its withdrawal from the Ottawa Convention",
    "Poland's government decides to withdraw from the Ottawa Convention",
    "Finland announces it will withdraw from the Ottawa Convention on landmines",
]


@pytest.mark.slow
def test_sigkill_mid_delivery_then_restart_delivers_everything(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    fresh = datetime.now(UTC) - timedelta(minutes=10)
    entries = [
        Entry(title, f"https://news.test/{n}", guid=f"g-{n}", published=fresh)
        for n, title in enumerate(HEADLINES)
    ]
    feed_server.routes["/feed.xml"] = Route(rss(entries))
    started = []
    lock = threading.Lock()

    def slow(handler: BaseHTTPRequestHandler) -> int:
        with lock:
            started.append(handler.headers.get("webhook-id"))
        time.sleep(0.6)  # the request is in flight for a while: a good moment to die
        return 200

    receiver.script = [slow] * 200
    config = tmp_path / "treatywatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "server": {"enabled": False},
                "sources": [
                    {"name": "news", "url": feed_server.url("/feed.xml"), "interval": "1h"}
                ],
                "channels": [
                    {"name": "hook", "type": "webhook", "url": receiver.url, "concurrency": 1}
                ],
            }
        )
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "run", "--config", str(config)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        if not wait_for(lambda: len(started) >= 2, timeout=60):
            process.kill()
            _out, err = process.communicate(timeout=20)
            pytest.fail(f"no delivery started; the service said:\n{err[-4000:]}")
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        process.stderr.close()  # type: ignore[union-attr]
    assert process.returncode == -signal.SIGKILL
    db = sqlite3.connect(tmp_path / "state" / "treatywatch.db")
    try:
        rows = dict(db.execute("SELECT id, status FROM alerts").fetchall())
        in_flight = [
            r[0] for r in db.execute("SELECT id FROM alerts WHERE sending_since IS NOT NULL")
        ]
    finally:
        db.close()
    assert len(rows) >= 3, rows  # several alerts were recorded before the kill
    assert "pending" in rows.values()  # and the kill came before all were delivered
    assert len(in_flight) == 1  # the one in the receiver's hands was left marked in flight

    restart = run_cli("poll", "--config", str(config))
    assert restart.returncode == 0, restart.stderr
    assert "delivery_recovered" in restart.stderr
    db = sqlite3.connect(tmp_path / "state" / "treatywatch.db")
    try:
        final = dict(db.execute("SELECT id, status FROM alerts").fetchall())
    finally:
        db.close()
    assert set(final) == set(rows)  # no new alerts on the second poll
    assert set(final.values()) == {"sent"}
    wait_for(lambda: len(receiver.requests) >= len(started), timeout=60)
    delivered = [r.headers["webhook-id"] for r in receiver.accepted]
    assert set(delivered) == set(final)  # every alert arrived
    repeats = len(delivered) - len(set(delivered))
    assert repeats <= 1  # at most the one in flight, with the same id
