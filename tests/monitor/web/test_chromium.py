"""The dashboard in a real headless Chromium (Debian's ``chromium``, installed by ``make test``
where possible): the page of a running service loads, shows a seeded story with its highlighted
terms, and a screenshot is saved under ``test-artifacts/``."""

from __future__ import annotations

import shutil
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.demo import DemoProcess
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route, WebhookReceiver
from tests.support.service import REPO, ServiceProcess, wait_for

ARTIFACTS = REPO / "test-artifacts"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "chromium not installed: `make test` installs Debian's chromium with apt-get when run "
        "as root; elsewhere install it (apt-get install chromium) to run this test"
    )


def _browse(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_dashboard_in_headless_chromium(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    binary = _chromium()
    fresh = datetime.now(UTC) - timedelta(minutes=5)
    feed_server.routes["/baltic.xml"] = Route(
        rss(
            [
                Entry(
                    "Lithuania confirms it will withdraw from the Ottawa Convention",
                    "https://news.test/lt-ottawa",
                    summary="Vilnius told the treaty depositary of its decision on Tuesday.",
                    guid="lt-1",
                    published=fresh,
                ),
                Entry("Harbour festival draws record crowds", "https://news.test/f", guid="f-1"),
            ]
        )
    )
    service = ServiceProcess(
        tmp_path,
        {
            "sources": [{"name": "baltic-wire", "url": feed_server.url("/baltic.xml")}],
            "channels": [{"name": "newsroom", "type": "webhook", "url": receiver.url}],
        },
    ).start()
    try:
        assert wait_for(lambda: len(receiver.accepted) == 1), "".join(service.log)
        assert wait_for(lambda: b"newsroom: sent" in service.get("/")[1])
        dom = _browse(binary, tmp_path / "profile-dom", "--dump-dom", service.url + "/")
        ARTIFACTS.mkdir(exist_ok=True)
        shots = {
            "dashboard.png": "1280,1100",
            "dashboard-phone.png": "390,1500",
        }
        for name, size in shots.items():
            (ARTIFACTS / name).unlink(missing_ok=True)
            shot = _browse(
                binary,
                tmp_path / f"profile-{name}",
                f"--screenshot={ARTIFACTS / name}",
                f"--window-size={size}",
                service.url + "/",
            )
            assert (ARTIFACTS / name).stat().st_size > 10_000, shot.stderr[-2000:]
    finally:
        code, _ = service.stop()
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert "<title>treatywatch</title>" in html
    assert (
        "Lithuania confirms it will <mark>withdraw</mark> from the <mark>Ottawa Convention</mark>"
        in html
    )
    assert 'href="https://news.test/lt-ottawa"' in html
    assert "newsroom: sent" in html
    assert "baltic-wire" in html
    assert "Harbour festival" not in html
    assert code == 0


def test_the_demo_dashboard_in_headless_chromium(tmp_path: Path) -> None:
    """``treatywatch demo`` running: its dashboard with the sample story gathered from five
    outlets, at desktop and phone widths (screenshots in ``test-artifacts/``)."""
    binary = _chromium()
    demo = DemoProcess("--for", "45s")
    try:
        assert wait_for(lambda: "5 reports from 5 outlets" in demo.page(), timeout=60), demo.log
        dom = _browse(binary, tmp_path / "profile-dom", "--dump-dom", demo.url)
        ARTIFACTS.mkdir(exist_ok=True)
        shots = {"demo-dashboard.png": "1280,1400", "demo-dashboard-phone.png": "390,2200"}
        for name, size in shots.items():
            (ARTIFACTS / name).unlink(missing_ok=True)
            shot = _browse(
                binary,
                tmp_path / f"profile-{name}",
                f"--screenshot={ARTIFACTS / name}",
                f"--window-size={size}",
                demo.url,
            )
            assert (ARTIFACTS / name).stat().st_size > 10_000, shot.stderr[-2000:]
        demo.process.send_signal(signal.SIGINT)
        code = demo.wait(timeout=30)
    finally:
        demo.close()
    assert code == 0, demo.log
    assert dom.returncode == 0, dom.stderr[-2000:]
    html = dom.stdout
    assert (
        "Lithuanian parliament votes to <mark>withdraw</mark> from the Convention on "
        "<mark>Cluster Munitions</mark>" in html
    )
    assert "sample-ministry (official)" in html
    assert "console: sent" in html
    assert "sample-offline" in html
    assert "Spain to withdraw" not in html
