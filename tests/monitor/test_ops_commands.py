"""Operator commands: hits, stories, export, db info|vacuum|prune, healthcheck."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import pty
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from monitor.app import App
from monitor.cli import main
from monitor.commands._output import Progress, parse_when, table
from monitor.commands.ops import health_verdict
from state import NewHit, NewItem
from tests.conftest import run_cli
from tests.support.records import write_items
from tests.support.seed import NOW, RULES, WITHDRAWAL, seeded_store, serve_feed
from tests.support.servers import FeedServer, Route, WebhookReceiver
from tests.support.service import REPO, ServiceProcess, wait_for


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables fit the terminal; pin its width so the tests do not depend on where they run."""
    monkeypatch.setenv("COLUMNS", "160")


@pytest.fixture(autouse=True)
def _keep_logging() -> Iterator[None]:
    """``main()`` configures logging on the captured stderr; put the handlers back after."""
    logger = logging.getLogger("treatywatch")
    handlers, level, propagate = logger.handlers[:], logger.level, logger.propagate
    yield
    logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


@pytest.fixture
def seeded(tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver) -> Iterator[App]:
    with seeded_store(tmp_path, feed_server, receiver) as app:
        yield app


@pytest.fixture
def config(seeded: App, tmp_path: Path) -> Path:
    """A config naming the seeded database (3 hits: two polled, one hostile; one dead alert)."""
    path = tmp_path / "ops.yaml"
    path.write_text(f"state_dir: {seeded.settings.state_dir}\n")
    return path


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_hits_table_is_newest_first_with_delivery_status(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(capsys, "hits", "-c", str(config))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["detected", "source", "rule", "severity", "alerts", "title"]
    assert len(lines) == 4
    assert "ops-hook:dead" in lines[1]  # the hostile item came last
    assert "ops-hook:sent second-hook:sent" in lines[-1] and "Latvia decides" in lines[-1]
    assert "<script>" in out  # plain text for a terminal, one line per hit
    assert all("\n" not in line for line in lines)


def test_hits_json_and_filters(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "hits", "--json", "-c", str(config))
    hits = json.loads(out)
    assert code == 0 and len(hits) == 3
    latvia = next(h for h in hits if h["title"] == WITHDRAWAL)
    assert latvia["rule"] == "test.exit" and latvia["matched"] == ["Ottawa Convention", "withdraw"]
    assert {d["channel"]: d["status"] for d in latvia["deliveries"]} == {
        "ops-hook": "sent",
        "second-hook": "sent",
    }
    assert latvia["url"] == "https://news.test/lv-ottawa" and latvia["source"] == "baltic-news"

    def count(*filters: str) -> int:
        return len(json.loads(cli(capsys, "hits", "--json", "-c", str(config), *filters)[1]))

    assert count("--rule", "test.*") == 3
    assert count("--rule", "other.*") == 0
    assert count("--source", "silent") == 0
    assert count("--since", "2025-03-18") == 3
    assert count("--since", "2025-03-18T12:00:01Z") == 0
    assert count("--until", "2025-03-18T12:00:00+00:00") == 0
    assert count("--until", "2025-03-19") == 3
    assert count("--limit", "1") == 1
    assert count("--since", "1h") == 0  # detected in 2025: long before an hour ago


def test_tables_show_times_to_the_second_and_json_keeps_them_whole(
    seeded: App, config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stamp = "2025-03-18T12:00:00.123456Z"
    database = sqlite3.connect(Path(seeded.settings.state_dir) / "treatywatch.db")
    with database:
        database.execute("UPDATE hits SET created = ?", (stamp,))
        database.execute("UPDATE alerts SET created = ?", (stamp,))
        database.execute("UPDATE sources SET last_success = ? WHERE name = 'baltic-news'", (stamp,))
    database.close()
    listed = tmp_path / "listed.yaml"
    listed.write_text(
        f"state_dir: {seeded.settings.state_dir}\n"
        "sources: [{name: baltic-news, url: 'https://news.test/feed.xml'}]\n"
    )
    for args, path in ((["hits"], config), (["alerts"], config), (["db", "info"], config),
                       (["sources"], listed)):  # fmt: skip
        code, out, err = cli(capsys, *args, "-c", str(path))
        assert code == 0, err
        assert "2025-03-18 12:00:00Z" in out and ".123456" not in out, (args, out)
    code, out, _ = cli(capsys, "hits", "--json", "-c", str(config))
    assert {hit["detected"] for hit in json.loads(out)} == {stamp}
    code, out, _ = cli(capsys, "alerts", "--json", "-c", str(config))
    assert {alert["created"] for alert in json.loads(out)} == {stamp}


def test_bad_arguments_exit_2_with_a_message(
    config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["hits", "--since", "last tuesday", "-c", str(config)])
    assert caught.value.code == 2
    assert "not a time: 'last tuesday'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["hits", "--limit", "0", "-c", str(config)])


def test_a_missing_database_is_an_error_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"state_dir: {tmp_path / 'nothing'}\n")
    for command in (["hits"], ["stories"], ["export"], ["db", "info"], ["db", "vacuum"]):
        code, _, err = cli(capsys, *command, "-c", str(path))
        assert code == 1 and "no database at" in err, command
    assert not (tmp_path / "nothing").exists()


def test_export_jsonl_streams_every_hit_with_its_explanation(
    config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "hits.jsonl"
    code, out, err = cli(capsys, "export", "-c", str(config), "-o", str(target))
    assert code == 0 and out == "" and "exported 3 hits" in err
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert [r["hit_id"] for r in records] == [1, 2, 3]  # oldest first
    assert records[0]["explanation"]["terms"][0]["field"] == "title"
    assert records[2]["deliveries"][0]["status"] == "dead"
    assert not list(tmp_path.glob(".hits.jsonl.*"))  # no temporary file left behind
    code, out, _ = cli(capsys, "export", "-c", str(config), "--source", "nowhere")
    assert code == 0 and out == ""


def test_export_csv_neutralises_formulas(
    seeded: App, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_items(
        seeded.store,
        "baltic-news",
        [
            NewItem(
                key="formula",
                title='=HYPERLINK("http://evil.test","exit Ottawa Convention")',
                summary="@SUM(1)",
                hits=(NewHit("test.exit", "high", '["exit"]', "{}"),),
            )
        ],
        NOW + timedelta(minutes=1),
    )
    code, out, _ = cli(capsys, "export", "--format", "csv", "-c", str(config))
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 4
    assert rows[0]["matched"] == "Ottawa Convention; withdraw"
    assert rows[0]["deliveries"] == "ops-hook:sent second-hook:sent"
    assert rows[3]["title"].startswith("'=HYPERLINK(") and rows[3]["summary"] == "'@SUM(1)"
    assert rows[2]["title"].startswith("Estonia to exit <script>")  # CSV is data, not HTML


def test_progress_is_drawn_only_on_a_terminal() -> None:
    clock = iter(range(100)).__next__
    shown = io.StringIO()
    with Progress("export", total=4, stream=shown, enabled=True, clock=clock) as progress:
        for _ in range(4):
            progress.advance()
    text = shown.getvalue()
    assert (
        "export: [" in text
        and "4/4 (100%)" in text
        and text.endswith("export: 4 done in 0:00:06\n")
    )
    quiet = io.StringIO()
    with Progress("export", total=4, stream=quiet) as progress:  # StringIO is not a terminal
        progress.advance(4)
    assert quiet.getvalue() == ""


def test_table_and_times() -> None:
    text = table(["a", "title"], [("x", "line\nbreak\tand " + "long " * 40), (None, "t")], width=40)
    first, second, third = text.splitlines()
    assert first == "a  title" and len(second) <= 40 and second.endswith("…")
    assert "\n" not in second and "\t" not in second and third == "-  t"
    now = datetime(2025, 3, 18, 12, tzinfo=UTC)
    assert parse_when("7d", now) == now - timedelta(days=7)
    assert parse_when("2025-03-01", now) == datetime(2025, 3, 1, tzinfo=UTC)
    assert parse_when("2025-03-01T10:00+01:00", now) == datetime(2025, 3, 1, 9, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a time"):
        parse_when("soon", now)


def test_stories_list_and_json(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "stories", "--json", "-c", str(config))
    assert code == 0
    stories = json.loads(out)
    latvia = next(s for s in stories if s["title"] == WITHDRAWAL)
    assert latvia["rule"] == "test.exit" and latvia["reports"] == 1
    assert latvia["sources"] == ["baltic-news"]
    assert {d["channel"]: d["status"] for d in latvia["deliveries"]} == {
        "ops-hook": "sent",
        "second-hook": "sent",
    }
    code, out, _ = cli(capsys, "stories", "-c", str(config))
    assert code == 0 and out.splitlines()[0].startswith("last report")
    assert "Latvia decides" in out
    code, out, _ = cli(capsys, "stories", "--json", "--source", "silent", "-c", str(config))
    assert json.loads(out) == []
    code, out, _ = cli(capsys, "stories", "--json", "--rule", "test.*", "-c", str(config))
    assert len(json.loads(out)) == len(stories)


def test_db_info(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "db", "info", "--json", "-c", str(config))
    info = json.loads(out)
    assert code == 0
    assert info["tables"]["items"] == 4 and info["tables"]["hits"] == 3
    assert info["size_bytes"] > 0 and info["schema_version"] >= 1
    assert {(r["channel"], r["status"]) for r in info["outbox"]} >= {("ops-hook", "dead")}
    code, out, _ = cli(capsys, "db", "info", "-c", str(config))
    assert "database:" in out and "items" in out


def test_db_prune_dry_run_changes_nothing_then_prune_removes(
    seeded: App, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = seeded.store.table_counts()
    code, out, _ = cli(
        capsys, "db", "prune", "--older-than", "1d", "--keys-older-than", "2d", "--dry-run",
        "--json", "-c", str(config),
    )  # fmt: skip
    assert code == 0
    report: dict[str, Any] = json.loads(out)
    assert report["dry_run"] is True
    assert report["removed"]["items"] == 4 and report["removed"]["hits"] == 3
    assert seeded.store.table_counts() == before
    code, out, _ = cli(capsys, "db", "prune", "--older-than", "1d", "-c", str(config))
    assert code == 0 and "removed: 4 items, 3 hits" in out
    assert seeded.store.table_counts()["items"] == 0
    code, out, _ = cli(capsys, "db", "vacuum", "--json", "-c", str(config))
    sizes = json.loads(out)
    assert code == 0 and sizes["after_bytes"] <= sizes["before_bytes"]


def test_db_vacuum_reports_in_text(
    seeded: App, config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "db", "vacuum", "-c", str(config))
    assert code == 0, err
    assert out.startswith(f"vacuumed {seeded.store.database_path()}: ") and " -> " in out


def test_db_prune_rejects_a_bad_age(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = cli(capsys, "db", "prune", "--older-than", "ancient", "-c", str(config))
    assert code == 2 and "not a duration" in err


def test_every_ops_command_has_help() -> None:
    for command in (["hits"], ["stories"], ["export"], ["db", "info"], ["db", "vacuum"],
                    ["db", "prune"], ["healthcheck"]):  # fmt: skip
        with pytest.raises(SystemExit) as caught:
            main([*command, "--help"])
        assert caught.value.code == 0


def test_healthcheck_against_a_running_service_and_a_dead_port(
    tmp_path: Path, feed_server: FeedServer, receiver: WebhookReceiver
) -> None:
    service = ServiceProcess(tmp_path, {"sources": []}).start()
    try:
        assert wait_for(service.answers), "".join(service.log)
        healthy = run_cli("healthcheck", "-c", str(service.config_path))
    finally:
        service.stop()
    assert healthy.returncode == 0 and healthy.stdout.strip() == "healthy", healthy.stderr
    down = run_cli("healthcheck", "-c", str(service.config_path), "--timeout", "2")
    assert down.returncode == 1 and "unhealthy: cannot reach" in down.stderr


def test_healthcheck_wants_treatywatch_health_not_any_page(feed_server: FeedServer) -> None:
    feed_server.routes["/healthz"] = Route(b"<html>It works!</html>", content_type="text/html")
    feed_server.routes["/other.json"] = Route(b'{"status": "ok"}', content_type="application/json")
    for path in ("/healthz", "/other.json"):
        done = run_cli("healthcheck", "--url", feed_server.url(path), "--timeout", "5")
        assert done.returncode == 1, done.stdout
        assert "not treatywatch's health report" in done.stderr and "healthy" not in done.stdout


def test_health_verdict() -> None:
    ok = {"status": "ok", "checks": {"scheduler": {"ok": True, "detail": "running"}}}
    assert health_verdict(200, json.dumps(ok).encode()) == (True, "ok")
    failing = {"status": "fail", "checks": {"outbox": {"ok": False, "detail": "2 waiting"}}}
    healthy, why = health_verdict(503, json.dumps(failing).encode())
    assert not healthy and why == "HTTP 503, status fail: outbox: 2 waiting"
    for body in (b"", b"\xff", b"[]", b'{"status": "ok"}', b'{"status": "up", "checks": {}}'):
        assert health_verdict(200, body)[0] is False, body


def test_healthcheck_finds_the_port_the_service_was_given(tmp_path: Path) -> None:
    service = ServiceProcess(tmp_path, {"sources": [], "server": {"port": 0}}).start()
    recorded = Path(service.config["state_dir"]) / "server.json"
    try:
        assert wait_for(recorded.is_file), "".join(service.log)
        port = json.loads(recorded.read_text())["port"]
        assert port != 0
        service.port = port
        assert wait_for(service.answers), "".join(service.log)
        healthy = run_cli("healthcheck", "-c", str(service.config_path))
    finally:
        service.stop()
    assert healthy.returncode == 0 and healthy.stdout.strip() == "healthy", healthy.stderr
    assert not recorded.exists()  # removed on a clean stop
    gone = run_cli("healthcheck", "-c", str(service.config_path))
    assert gone.returncode == 1 and "server.port is 0" in gone.stderr and "--url" in gone.stderr


def _into_a_closed_pipe(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m monitor ARGS`` with standard output a pipe nobody reads any more (as
    after ``| head -1`` has its line)."""
    reader, writer = os.pipe()
    os.close(reader)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    try:
        return subprocess.run(
            [sys.executable, "-m", "monitor", *args],
            cwd=REPO,
            env=env,
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(writer)


@pytest.mark.parametrize(
    "command",
    [
        ["hits"],
        ["hits", "--json"],
        ["stories", "--json"],
        ["export"],
        ["export", "--format", "csv"],
        ["db", "info"],
        ["check"],
        ["replay", "--since", "3650d", "--rules", "{rules}"],
    ],
)
def test_output_into_a_closed_pipe_ends_quietly(
    seeded: App, config: Path, tmp_path: Path, command: list[str]
) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    args = [arg.format(rules=rules) for arg in command]
    done = _into_a_closed_pipe(*args, "-c", str(config))
    assert done.returncode == 141, done.stderr  # 128 + SIGPIPE, as a shell reports for `head`
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr


def test_global_options_before_the_command(seeded: App, config: Path) -> None:
    done = run_cli("--log-level", "debug", "--log-format", "json", "--config", str(config), "check")
    assert done.returncode == 0, done.stderr
    assert str(seeded.settings.state_dir) in done.stdout  # the config named before `check`
    # after the command too, and the later one wins
    done = run_cli("--config", "/nonexistent.yaml", "db", "info", "--json", "-c", str(config))
    assert done.returncode == 0 and json.loads(done.stdout)["tables"]["hits"] == 3, done.stderr
    done = run_cli("--config", str(config), "hits", "--json")
    assert done.returncode == 0 and len(json.loads(done.stdout)) == 3, done.stderr


def _on_a_terminal(*args: str) -> tuple[int, str]:
    """Run ``python -m monitor ARGS`` with standard error on a pseudo-terminal."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=follower,
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_poll_export_and_replay_show_progress_on_a_terminal(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    serve_feed(feed_server)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES)
    config = tmp_path / "c.yaml"
    config.write_text(
        f"state_dir: {tmp_path / 'state'}\nrules: [{rules}]\nsources:\n"
        f"  - {{name: a, url: '{feed_server.url('/lv.xml')}'}}\n"
        f"  - {{name: b, url: '{feed_server.url('/missing.xml')}'}}\n"
    )
    code, shown = _on_a_terminal("poll", "-c", str(config))
    assert code == 0 and "poll: [" in shown and "poll: 2 done in" in shown, shown
    code, shown = _on_a_terminal("export", "-c", str(config), "-o", str(tmp_path / "x.jsonl"))
    assert code == 0 and "export: 2 done in" in shown, shown
    code, shown = _on_a_terminal("replay", "--since", "3650d", "-c", str(config))
    assert code == 0 and "replay: 3 done in" in shown, shown
