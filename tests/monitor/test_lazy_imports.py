"""Start-up imports only what a command needs (issue 14).

Each case runs the real command line in a fresh interpreter and reads back the modules it
loaded: building the parser, ``--version`` and ``--help`` load none of the libraries that the
handlers need, and ``poll`` loads none of the service's web side (server, dashboard, metrics,
scheduler) nor the backtest. The speed itself is measured by ``bench/startup_bench.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

# Third-party libraries and our own heavy packages that no command needs to build its parser.
NOT_FOR_THE_PARSER = (
    "aiohttp",
    "apscheduler",
    "asyncio",
    "babel",
    "email",
    "feedparser",
    "httpx",
    "jinja2",
    "jsonschema",
    "lingua",
    "prometheus_client",
    "pydantic",
    "rapidfuzz",
    "selectolax",
    "simplemma",
    "sqlite_utils",
    "yaml",
    "rules",
    "state",
    "monitor.app",
    "monitor.config",
    "monitor.errors",
    "monitor.web",
)
# What a one-shot poll never serves, schedules or replays.
NOT_FOR_A_POLL = (
    "aiohttp.web",
    "apscheduler",
    "jinja2",
    "prometheus_client",
    "smtplib",
    "monitor.backtest",
    "monitor.channels.email",  # the console is the channel here: no smtplib, no email package
    "monitor.channels.slack",
    "monitor.channels.webhook",
    "monitor.demo",
    "monitor.metrics",
    "monitor.scheduler",
    "monitor.service",
    "monitor.web.dashboard",
    "monitor.web.server",
)

# Runs the command line in this interpreter, then prints the loaded modules as the last line of
# standard output (after whatever the command printed; argparse's --help/--version exit early).
_PROBE = """
import json, sys
from monitor.cli import build_parser, main
try:
    code = main(sys.argv[1:]) if sys.argv[1:] else (build_parser(), 0)[1]
except SystemExit as exc:
    code = exc.code
sys.stdout.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n")
sys.exit(code)
"""


def _loaded(*args: str, code: int = 0) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == code, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1])), result


@contextmanager
def _one_feed(tmp_path: Path) -> Iterator[Path]:
    """A config that polls one http feed (a weather report) served on 127.0.0.1 while the
    block runs, with a fresh state folder."""
    server = FeedServer().start()
    try:
        entry = Entry("Weather report", "https://example.org/a", "Sunny.")
        server.routes["/feed.xml"] = Route(rss([entry]))
        config = tmp_path / "treatywatch.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "state_dir": str(tmp_path / "state"),
                    "sources": [{"name": "one", "url": server.url("/feed.xml")}],
                }
            )
        )
        yield config
    finally:
        server.stop()


def _found(modules: set[str], names: tuple[str, ...]) -> list[str]:
    """The ``names`` loaded, a package counting as loaded when any of its modules is."""
    return sorted(n for n in names if any(m == n or m.startswith(n + ".") for m in modules))


@pytest.mark.parametrize(
    "args", [(), ("--version",), ("--help",), ("poll", "--help"), ("db", "prune", "--help")]
)
def test_the_parser_help_and_version_load_no_heavy_module(args: tuple[str, ...]) -> None:
    modules, _ = _loaded(*args)
    assert "monitor.cli" in modules  # the probe ran what it says
    assert _found(modules, NOT_FOR_THE_PARSER) == []


def test_a_poll_loads_no_web_server_dashboard_scheduler_or_backtest(tmp_path: Path) -> None:
    with _one_feed(tmp_path) as config:
        modules, result = _loaded("--config", str(config), "poll")
    assert "polled 1 source (0 failed" in result.stderr  # it did poll the feed
    assert "monitor.poller" in modules
    assert _found(modules, NOT_FOR_A_POLL) == []


def test_a_poll_loads_no_other_command_module(tmp_path: Path) -> None:
    """The command line imports the module of the command it runs, not the others'
    (``monitor.commands.modules_for``): their parsers are neither imported nor built."""
    with _one_feed(tmp_path) as config:
        modules, result = _loaded("--config", str(config), "poll")
    assert "polled 1 source (0 failed" in result.stderr
    assert "monitor.commands.core" in modules
    others = ("alerts", "backtest", "demo", "ops", "rules", "sources")
    assert _found(modules, tuple(f"monitor.commands.{name}" for name in others)) == []


# What compiles rules: a poll whose rule set is in the cache reads it compiled (issue 14).
THE_RULE_COMPILER = ("rules._loader", "rules._compiler", "rules._parser")


def test_a_poll_with_its_rules_cached_loads_no_rule_compiler(tmp_path: Path) -> None:
    with _one_feed(tmp_path) as config:
        _loaded("--config", str(config), "check")  # the rules compiled and cached, if not yet
        modules, result = _loaded("--config", str(config), "poll")
    assert "polled 1 source (0 failed" in result.stderr  # it did poll the feed
    assert "rules._ruleset" in modules and "rules._prefilter" in modules  # and read its rules
    assert _found(modules, THE_RULE_COMPILER) == []


# What identity needs only now and then: url_normalize for a link off the fast path of
# ``canonical_url``, rapidfuzz to compare the titles behind one stored URL or a story's.
NOT_FOR_PLAIN_IDENTITY = ("rapidfuzz", "url_normalize")


def test_a_poll_of_plain_links_matching_nothing_loads_no_title_or_url_library(
    tmp_path: Path,
) -> None:
    """``monitor.core.dedup`` imports them where first used (issue 14, start-up)."""
    with _one_feed(tmp_path) as config:
        modules, result = _loaded("--config", str(config), "poll")
    assert "polled 1 source (0 failed" in result.stderr
    assert "monitor.core.dedup" in modules  # the item's identity keys were taken
    assert _found(modules, NOT_FOR_PLAIN_IDENTITY) == []


def test_a_healthcheck_loads_no_web_server(tmp_path: Path) -> None:
    """The container's HEALTHCHECK reads the recorded address (``monitor.web.address``)
    without loading the server it asks (aiohttp.web, jinja2, prometheus_client)."""
    config = tmp_path / "treatywatch.yaml"
    state = tmp_path / "state"
    config.write_text(yaml.safe_dump({"state_dir": str(state), "server": {"port": 0}}))
    modules, result = _loaded("--config", str(config), "healthcheck", code=1)
    assert "no running service has recorded its port" in result.stderr
    assert "monitor.web.address" in modules
    assert (
        _found(modules, ("aiohttp.web", "jinja2", "prometheus_client", "monitor.web.server")) == []
    )


# What the parse pool's forkserver imports before it forks the workers (its preload), and what
# none of them needs: the workers parse and match, they never open the database or fetch.
NOT_FOR_A_PARSE_WORKER = (
    "aiohttp",
    "apscheduler",
    "asyncio",
    "click",
    "httpx",
    "jinja2",
    "pluggy",
    "sqlite_utils",
    "state.store",
    "monitor.app",
    "monitor.channels",
    "monitor.poller",
    "monitor.sources.fetch",
)
_WORKER_PROBE = """
import json, sys
import monitor.sources._forkserver, monitor.intake
sys.stdout.write("\\n" + json.dumps(sorted(sys.modules)) + "\\n")
"""


def test_the_parse_workers_preload_loads_no_database_nor_http_library() -> None:
    """The modules the forkserver preloads are shared by every worker but counted in the
    pool's memory: sqlite-utils (with click and pluggy) came in through ``state``'s package
    imports, although a worker only builds the records (issue 14, memory)."""
    result = subprocess.run(
        [sys.executable, "-c", _WORKER_PROBE],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    modules = set(json.loads(result.stdout.splitlines()[-1]))
    assert "monitor.pipeline" in modules and "state.records" in modules  # it did load them
    assert _found(modules, NOT_FOR_A_PARSE_WORKER) == []


def test_the_check_names_a_loaded_package_by_any_of_its_modules() -> None:
    """The check can fail: a submodule counts for its package, a longer name does not."""
    modules = {"aiohttp.web_app", "yamlish", "monitor.web.address"}
    assert _found(modules, ("aiohttp", "yaml", "monitor.web", "jinja2")) == [
        "aiohttp",
        "monitor.web",
    ]
