"""The default state folder: ``./data`` (never the ``state`` package's folder), a database left
in ``./state`` by the old default found and used with a notice, ``TREATYWATCH_STATE_DIR`` for
the container image, and a configured ``state_dir`` winning over all of them."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.config import DEFAULT_STATE_DIR, default_state_dir, parse_settings
from state import DB_FILENAME
from tests.conftest import run_cli
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def notices() -> Iterator[list[str]]:
    """The messages logged by ``treatywatch.config`` (its parent may not propagate)."""
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(f"{getattr(record, 'event', '')} {getattr(record, 'hint', '')}")

    logger = logging.getLogger("treatywatch.config")
    handler = Collect(logging.WARNING)
    logger.addHandler(handler)
    yield seen
    logger.removeHandler(handler)


def test_the_default_is_data_in_an_empty_folder(tmp_path: Path, notices: list[str]) -> None:
    assert parse_settings({}, environ={}, cwd=tmp_path).state_dir == Path("data")
    assert notices == []
    assert not any(tmp_path.iterdir())  # deciding creates nothing


def test_a_database_left_in_state_by_the_old_default_is_used_with_a_notice(
    tmp_path: Path, notices: list[str]
) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / DB_FILENAME).write_bytes(b"")
    assert parse_settings({}, environ={}, cwd=tmp_path).state_dir == Path("state")
    [notice] = notices
    assert notice.startswith("state_dir_legacy ")
    assert "old default" in notice and "mv state/treatywatch.db* data/" in notice


def test_a_database_in_data_wins_over_the_old_folder(tmp_path: Path, notices: list[str]) -> None:
    for folder in ("state", "data"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / DB_FILENAME).write_bytes(b"")
    assert parse_settings({}, environ={}, cwd=tmp_path).state_dir == Path("data")
    assert notices == []


def test_an_empty_state_folder_is_not_the_old_default(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()  # e.g. a source checkout: the package, no database
    (tmp_path / "state" / "__init__.py").write_text("")
    assert default_state_dir(tmp_path, {}) == (Path("data"), None)


def test_the_variable_and_the_file_choose_the_folder(tmp_path: Path) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / DB_FILENAME).write_bytes(b"")
    environ = {"TREATYWATCH_STATE_DIR": "/app/state"}
    assert parse_settings({}, environ=environ, cwd=tmp_path).state_dir == Path("/app/state")
    chosen = parse_settings({"state_dir": "elsewhere"}, environ=environ, cwd=tmp_path)
    assert chosen.state_dir == Path("elsewhere")


def test_the_default_folder_is_no_package_of_the_source_tree() -> None:
    assert Path("data") == DEFAULT_STATE_DIR
    assert not (REPO / DEFAULT_STATE_DIR / "__init__.py").exists()
    assert "/data/" in (REPO / ".gitignore").read_text().splitlines()


def test_the_container_keeps_app_state() -> None:
    dockerfile = (REPO / "Dockerfile").read_text()
    assert re.search(r"^WORKDIR /app$", dockerfile, re.M)
    assert re.search(r"^\s+TREATYWATCH_STATE_DIR=/app/state\b", dockerfile, re.M)
    assert 'VOLUME ["/app/state"]' in dockerfile
    settings = parse_settings({}, environ={"TREATYWATCH_STATE_DIR": "/app/state"})
    assert settings.state_dir == Path("/app/state")
    script = (REPO / "scripts" / "container_test.py").read_text()
    assert "TREATYWATCH_STATE_DIR=/app/state" in script  # the image test checks it too


@pytest.fixture
def feed() -> Iterator[FeedServer]:
    server = FeedServer()
    server.routes["/news.xml"] = Route(rss([Entry("Ferry timetable", "https://news.test/f")]))
    server.start()
    yield server
    server.stop()


def _config(folder: Path, feed: FeedServer, extra: str = "") -> Path:
    path = folder / "treatywatch.yaml"
    path.write_text(
        f"{extra}sources:\n  - name: local\n    url: {feed.url('/news.xml')}\n"
        "channels:\n  - {name: console, type: console}\n"
    )
    return path


def test_poll_in_a_fresh_folder_writes_data(tmp_path: Path, feed: FeedServer) -> None:
    config = _config(tmp_path, feed)
    result = run_cli("poll", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / DB_FILENAME).is_file()
    assert not (tmp_path / "state").exists()
    assert "state_dir_legacy" not in result.stderr
    check = run_cli("check", "--config", str(config), cwd=tmp_path)
    assert "state:  data" in check.stdout


def test_the_old_default_database_is_found_and_used(tmp_path: Path, feed: FeedServer) -> None:
    # a database written where the old default put it
    old = run_cli(
        "poll", "--config", str(_config(tmp_path, feed, "state_dir: state\n")), cwd=tmp_path
    )
    assert old.returncode == 0, old.stderr
    config = _config(tmp_path, feed)  # the same config without state_dir
    result = run_cli("poll", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "event=state_dir_legacy state_dir=state" in result.stderr
    assert "the default is now ./data" in result.stderr
    assert not (tmp_path / "data").exists()
    assert feed.statuses("/news.xml") == [200, 304]  # the second poll knew the first's ETag
