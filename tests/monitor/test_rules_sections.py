"""Which parts of the compiled rules each command reads from the rules cache (issue 14): the
head at start-up, the prefilter and the matcher only where that process matches. A ``run``
reads them all at start-up (it matches for its whole life: read then, they are compact and
frozen with the rest of start-up); a ``poll`` of many sources leaves matching to its parse
workers and reads neither; ``check`` reads neither. The real CLI, ``--log-level debug``, which
logs ``event=rules_section_read section=...`` once per part a process reads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import yaml

from tests.conftest import REPO
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route
from tests.support.service import free_port, wait_for


def _env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def _config(folder: Path, sources: list[dict[str, str]], port: int | None = None) -> Path:
    config: dict[str, object] = {"state_dir": str(folder / "state"), "sources": sources}
    if port is not None:
        config["server"] = {"port": port, "shutdown_grace": "5s"}
    path = folder / "treatywatch.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _cli(config: Path, cache: Path, *command: str) -> str:
    argv = ["--log-level", "debug", "--config", str(config), *command]
    done = subprocess.run(
        [sys.executable, "-m", "monitor", *argv],
        cwd=REPO,
        env=_env(cache),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def _read(log: str) -> list[str]:
    return [
        line.split("section=")[1].split()[0]
        for line in log.splitlines()
        if "event=rules_section_read" in line
    ]


def test_each_command_reads_the_parts_of_the_rules_it_matches_with(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    server = FeedServer().start()
    try:
        entries = [Entry(f"Harbour festival {n}", f"https://news.test/{n}") for n in range(5)]
        body = rss(entries) + b" " * 8_192  # big enough for a parse worker
        for name in ("a", "b", "c"):
            server.routes[f"/{name}.xml"] = Route(body)
        one = [{"name": "a", "url": server.url("/a.xml")}]
        many = [{"name": n, "url": server.url(f"/{n}.xml")} for n in ("a", "b", "c")]
        (tmp_path / "first").mkdir()
        _cli(_config(tmp_path / "first", one), cache, "poll")  # fills the rules cache
        (tmp_path / "check").mkdir()
        assert _read(_cli(_config(tmp_path / "check", one), cache, "check")) == []
        (tmp_path / "one").mkdir()
        # its items pass no prefilter: the matcher stays unread
        assert _read(_cli(_config(tmp_path / "one", one), cache, "poll")) == ["prefilter"]
        (tmp_path / "many").mkdir()
        log = _cli(_config(tmp_path / "many", many), cache, "poll")
        assert "polled 3 sources (0 failed" in log
        assert "event=parse_workers_started" in log
        assert _read(log) == []
        (tmp_path / "run").mkdir()
        service = _service(_config(tmp_path / "run", one, free_port()), cache)
        assert sorted(_read("".join(service))) == ["matcher", "prefilter"]
    finally:
        server.stop()


def _service(config: Path, cache: Path) -> list[str]:
    """Start ``run``, wait for its first poll to be logged, stop it; its log lines."""
    process = subprocess.Popen(
        [sys.executable, "-m", "monitor", "--log-level", "debug", "--config", str(config), "run"],
        cwd=REPO,
        env=_env(cache),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines: list[str] = []
    assert process.stderr is not None
    stream = process.stderr
    reader = threading.Thread(target=lambda: lines.extend(stream), daemon=True)
    reader.start()
    try:
        assert wait_for(lambda: any("event=poll " in line for line in lines), 60), lines
        process.send_signal(signal.SIGTERM)
        process.wait(30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(10)
    stream.close()
    return lines
