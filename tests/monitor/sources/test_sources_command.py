"""``treatywatch sources`` and ``treatywatch sources check`` as real subprocesses."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from monitor.catalog import KINDS, catalog
from tests.conftest import run_cli
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route


def _config(tmp_path: Path, feed_server: FeedServer) -> Path:
    feed_server.routes["/good.xml"] = Route(rss([Entry("Statement", "https://x.test/1")]))
    feed_server.routes["/broken.xml"] = Route(b"oops", status=500, content_type="text/plain")
    path = tmp_path / "treatywatch.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(tmp_path / "state"),
                "sources": [
                    {"name": "good", "url": feed_server.url("/good.xml"), "official": True},
                    {"name": "broken", "url": feed_server.url("/broken.xml")},
                ],
            }
        )
    )
    return path


def test_sources_table_and_json_show_health(tmp_path: Path, feed_server: FeedServer) -> None:
    config = _config(tmp_path, feed_server)
    assert run_cli("poll", "--config", str(config)).returncode == 0
    result = run_cli("sources", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "good *" in result.stdout and "http_5xx: HTTP 500" in result.stdout
    data = json.loads(run_cli("sources", "--json", "--config", str(config)).stdout)
    rows = {row["name"]: row for row in data}
    assert rows["good"]["status"] == "ok" and rows["good"]["last_success"]
    assert rows["broken"]["status"] == "failing"
    assert rows["broken"]["consecutive_failures"] == 1
    assert rows["broken"]["last_error_class"] == "http_5xx"
    assert rows["broken"]["next_poll_reason"] == "backoff"
    assert rows["good"]["next_poll_in_seconds"] > 0


def test_sources_check_reports_which_respond(tmp_path: Path, feed_server: FeedServer) -> None:
    config = _config(tmp_path, feed_server)
    result = run_cli("sources", "check", "--config", str(config))
    assert result.returncode == 1, result.stderr  # one source does not respond
    assert "1 of 2 sources respond" in result.stdout
    rows = {
        row["name"]: row
        for row in json.loads(run_cli("sources", "check", "--json", "--config", str(config)).stdout)
    }
    assert rows["good"]["ok"] and rows["good"]["items"] == 1 and rows["good"]["format"] == "rss20"
    assert not rows["broken"]["ok"] and rows["broken"]["error_class"] == "http_5xx"
    assert not (tmp_path / "state").exists()  # check stores nothing


def test_sources_help() -> None:
    for args in (["sources", "--help"], ["sources", "check", "--help"]):
        result = run_cli(*args)
        assert result.returncode == 0 and "usage: treatywatch sources" in result.stdout


def test_default_catalog_entries_are_marked() -> None:
    entries = catalog()
    assert len(entries) >= 20
    assert {entry.kind for entry in entries} == set(KINDS)
    assert all(entry.checked for entry in entries)
    ministries = [entry for entry in entries if entry.kind == "ministry"]
    assert all(entry.source.official for entry in ministries)
    countries = {entry.source.country for entry in ministries}
    assert {"pl", "lt", "lv", "ee", "fi", "se", "no", "dk"} <= countries
    assert any(entry.source.type == "html" for entry in entries)
