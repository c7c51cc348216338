"""``treatywatch run`` as a real long-running subprocess: polls, delivers, stops on signals."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver

REPO = Path(__file__).resolve().parents[2]


def _wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


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
        assert _wait_for(lambda: len(receiver.accepted) == 1), "no alert arrived"
        process.send_signal(sig)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "service_stopped" in err
    assert len(receiver.accepted) == 1
