"""Shared fixtures: real local servers, the shared real-feed folder, and the CLI runner."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import FeedServer, WebhookReceiver

REPO = Path(__file__).resolve().parents[1]
SHARED_FEEDS = REPO.parent / "shared" / "feeds"

# Compiled rule sets are cached per user (monitor.config.rules_cache_dir): the suite keeps its
# cache in the repository's ignored .pytest_cache, shared by every worker and CLI subprocess,
# so the built-in pack is compiled once per run, not once per process.
os.environ["XDG_CACHE_HOME"] = str(REPO / ".pytest_cache" / "xdg-cache")
# The suite talks to servers on 127.0.0.1 only: a proxy in the developer's environment must not
# carry it (monitor.config reads these variables; the proxy tests set their own).
for _name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "TREATYWATCH_STATE_DIR"):
    os.environ.pop(_name, None)
    os.environ.pop(_name.upper(), None)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver().start()
    yield server
    server.stop()


@pytest.fixture
def shared_feeds() -> Path:
    """The real publisher feeds in ../shared/feeds, read in place (never copied here)."""
    if not (SHARED_FEEDS / "SOURCES.tsv").is_file():
        pytest.skip(f"real feed files not found at {SHARED_FEEDS} (the shared/ folder is absent)")
    return SHARED_FEEDS


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 120, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m monitor ARGS`` as a real subprocess."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd or REPO,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
