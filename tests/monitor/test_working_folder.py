"""Nothing in the folder a command runs from shadows our packages (issue 12).

Our top-level packages have generic names (``monitor``, ``rules``, ``state``), and a user's
folder may well hold folders of those names: the default ``state_dir`` is ``./state`` and rule
files are naturally kept in ``./rules``. ``poll`` runs here as a real subprocess from such a
folder, with feeds enough to start the worker pool (whose forkserver is started as
``python -c``, with the working folder first on its path), for both kinds of install: the
editable one of the development virtualenv and a regular one built from this tree by pip,
offline.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from monitor.sources.parse import INLINE_BELOW
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RULES = """\
rules:
  - id: mine.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: '(withdraw OR exit) AND "Ottawa Convention"'
"""

FILLERS = 6
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def regular_install(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """treatywatch built from a copy of this tree and installed by pip (no dependencies, no
    index, no build isolation: offline) into a folder of its own; its path and pip's log."""
    root = tmp_path_factory.mktemp("install")
    source = root / "src"
    source.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    for package in ("monitor", "rules", "state"):
        shutil.copytree(REPO / package, source / package, ignore=ignore)
    target = root / "site"
    env = {**_env(), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    offline = ["--no-deps", "--no-index", "--no-build-isolation", "--no-cache-dir"]
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-v",
            *offline,
            "--target",
            str(target),
            str(source),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return target, built.stdout + built.stderr


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer().start()
    now = datetime.now(UTC)
    entries = [
        Entry(
            f"Report {n}: Latvia decides to withdraw from the Ottawa Convention"
            if n == 0
            else f"Report {n} on the harbour works and the city budget",
            f"https://news.test/{n}",
            summary="The council met on Tuesday and discussed the plans at length. " * 3,
            guid=f"item-{n}",
            published=now - timedelta(minutes=n),
        )
        for n in range(30)
    ]
    body = rss(entries)
    assert len(body) >= INLINE_BELOW  # not parsed in the event loop's thread
    server.routes["/feed.xml"] = Route(body)
    # feeds slow to parse beside it, so that jobs overlap and the worker pool starts (a poll
    # of one feed parses in its own process)
    filler = rss(
        [
            Entry(
                f"Notice {n} about the harbour works",
                f"https://news.test/notice/{n}",
                summary="The council met on Tuesday and discussed the plans at length. " * 8,
                guid=f"notice-{n}",
                published=now - timedelta(minutes=n),
            )
            for n in range(600)
        ]
    )
    for n in range(FILLERS):
        server.routes[f"/filler-{n}.xml"] = Route(filler)
    yield server
    server.stop()


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TREATYWATCH", "PYTHONPATH", "PYTHONSAFEPATH"))
    }
    return {**env, **extra}


def _user_folder(folder: Path, feed: FeedServer, *, with_monitor: bool = True) -> Path:
    """A user's folder: the state folder, a ``rules/`` folder with their rules (and an
    ``__init__.py``, a regular package that would win over an installed one), a ``monitor/``
    folder, and the config."""
    (folder / "state").mkdir()
    (folder / "rules").mkdir()
    (folder / "rules" / "__init__.py").write_text("")
    (folder / "rules" / "mine.yaml").write_text(RULES)
    if with_monitor:
        (folder / "monitor").mkdir()
        (folder / "monitor" / "notes.txt").write_text("a folder of the user's own\n")
    config = {
        "state_dir": "state",
        "rules": [str(folder / "rules" / "mine.yaml")],
        "http": {"parse_workers": 1, "per_host": 8},
        "sources": [
            {"name": "wire", "url": feed.url("/feed.xml")},
            *({"name": f"filler-{n}", "url": feed.url(f"/filler-{n}.xml")} for n in range(FILLERS)),
        ],
        "channels": [{"name": "console", "type": "console"}],
    }
    (folder / "treatywatch.yaml").write_text(yaml.safe_dump(config))
    return folder


def _poll(command: list[str], folder: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        [*command, "--log-level", "debug", "poll"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "failed:" not in done.stderr, done.stderr[-3000:]
    assert "event=parse_workers_started" in done.stderr, done.stderr[-3000:]
    with sqlite3.connect(folder / "state" / "treatywatch.db") as db:
        items = db.execute("SELECT count(*) FROM items WHERE source = 'wire'").fetchone()[0]
        hits = db.execute(
            "SELECT count(*) FROM hits JOIN items ON items.id = item_id WHERE source = 'wire'"
        ).fetchone()[0]
    assert (items, hits) == (30, 1), done.stderr[-3000:]


def test_poll_from_a_folder_holding_state_rules_and_monitor_editable_install(
    tmp_path: Path, feed: FeedServer
) -> None:
    script = BIN / "treatywatch"
    if not script.is_file():
        pytest.skip(f"no treatywatch command beside {sys.executable} (not installed here)")
    _poll([str(script)], _user_folder(tmp_path, feed), _env())


def test_poll_from_such_a_folder_with_python_dash_m(tmp_path: Path, feed: FeedServer) -> None:
    # `python -m` puts the working folder first on the path (a folder named monitor there would
    # take `-m monitor` itself: that one is out of our hands).
    folder = _user_folder(tmp_path, feed, with_monitor=False)
    _poll([sys.executable, "-m", "monitor"], folder, _env())


def test_poll_from_such_a_folder_regular_install(
    tmp_path: Path, feed: FeedServer, regular_install: tuple[Path, str]
) -> None:
    site, _ = regular_install
    env = _env(PYTHONPATH=str(site))
    where = subprocess.run(
        [sys.executable, "-P", "-c", "import monitor, rules, state; print(monitor.__file__)"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert where.stdout.strip() == str(site / "monitor" / "__init__.py")  # not this tree
    _poll([str(site / "bin" / "treatywatch")], _user_folder(tmp_path, feed), env)


def test_the_package_builds_without_warnings(regular_install: tuple[Path, str]) -> None:
    site, log = regular_install
    assert "BuildBackendWarning" not in log and "deprecated" not in log.lower(), log[-3000:]
    metadata = next(site.glob("treatywatch-*.dist-info")) / "METADATA"
    assert "License-Expression: Apache-2.0" in metadata.read_text()
