"""Start-up does only the work a command needs (issue 14): what it compiles, builds and
collects, beside what it imports (tests/monitor/test_lazy_imports.py).

Each case runs in a fresh interpreter, so that nothing an earlier test compiled or imported
hides the work. The speed itself is measured by ``bench/startup_bench.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import REPO
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route


def _python(code: str, *args: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; it prints one JSON object as its last line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    found: dict[str, object] = json.loads(result.stdout.splitlines()[-1])
    found["stderr"] = result.stderr
    return found


# Counts the regular expressions compiled while one module is imported (its imports first).
_COMPILES = """
import importlib, json, re, sys
module, *before = sys.argv[1:]
for name in before:
    importlib.import_module(name)
compiled = []
original = re._compile
def counting(pattern, flags):
    compiled.append(pattern)
    return original(pattern, flags)
re._compile = counting
importlib.import_module(module)
re._compile = original
print(json.dumps({"compiled": len(compiled), "patterns": [str(p) for p in compiled]}))
"""


def test_importing_the_steps_compiles_none_of_their_patterns() -> None:
    """``monitor.core.steps`` compiles its prospective patterns on first use (a poll with no
    hit never uses them); they used to cost about 15 ms of every start-up."""
    found = _python(_COMPILES, "monitor.core.steps", "rules")
    assert found["compiled"] == 0


def test_the_compile_counter_sees_a_module_that_compiles() -> None:
    """The probe above can fail: a module compiling patterns at import is counted."""
    found = _python(_COMPILES, "monitor.config", "pydantic", "yaml", "monitor.errors")
    assert isinstance(found["compiled"], int) and found["compiled"] > 0


def test_reading_compiled_rules_compiles_no_term_pattern() -> None:
    """The patterns that split a rule's terms into words serve compiling rules only; a start-up
    that reads the compiled rules from their cache never needs them (about 6 ms)."""
    from rules._text import WORD_PATTERN

    found = _python(_COMPILES, "rules")
    patterns = found["patterns"]
    assert isinstance(patterns, list)
    assert WORD_PATTERN in patterns  # the probe sees rules._text compile its word pattern
    assert [p for p in patterns if f"(?:{WORD_PATTERN})\\*?" in p] == []


_FOLDED = """
import json
import rules._normal as normal
before = len(normal._TABLE)
folded = normal.normalize("Ærøskøbing ŁÓDŹ Ελλάδα")
print(json.dumps({"before": before, "after": len(normal._TABLE), "folded": folded}))
"""


def test_the_fold_table_fills_as_characters_come() -> None:
    """Import folds no more than the ASCII characters (the word table's own start); each other
    character is folded when a text first holds it (about 2,000 were folded at import)."""
    found = _python(_FOLDED)
    assert isinstance(found["before"], int) and found["before"] <= 0x80
    assert isinstance(found["after"], int) and found["after"] > found["before"]
    assert found["folded"] == "aeroskobing lodz ελλαδα"


_TLS = """
import json, ssl
from monitor.config import HttpSettings
from monitor.sources.fetch import Fetcher
built = []
original = ssl.create_default_context
def counting(*args, **kwargs):
    built.append(kwargs.get("cafile"))
    return original(*args, **kwargs)
ssl.create_default_context = counting
fetcher = Fetcher(HttpSettings())
at_start = len(built)
fetcher._tls_context()
fetcher._tls_context()
print(json.dumps({"at_start": at_start, "contexts": len(built)}))
"""


def test_a_fetcher_builds_one_tls_context_and_only_when_asked() -> None:
    """Loading the CA roots costs ~15-25 ms a context: a fetcher builds none until its first
    https connection asks (a poll of http sources never does), then one, which serves every
    later connection and its transport too (httpx-aiohttp's transport used to build one of its
    own, never used)."""
    found = _python(_TLS)
    assert (found["at_start"], found["contexts"]) == (0, 1)


_POLL = """
import gc, json, sys
from monitor.cli import main
code = main(sys.argv[1:])
print(json.dumps({"code": code, "frozen": gc.get_freeze_count(), "collecting": gc.isenabled()}))
"""


def _poll_one_feed(tmp_path: Path, script: str) -> dict[str, object]:
    """``script`` run as ``treatywatch poll`` of one http feed served on 127.0.0.1, with a fresh
    state folder: what it printed (see :func:`_python`)."""
    server = FeedServer().start()
    try:
        server.routes["/feed.xml"] = Route(rss([Entry("Weather", "https://example.org/a", "")]))
        config = tmp_path / "treatywatch.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "state_dir": str(tmp_path / "state"),
                    "sources": [{"name": "one", "url": server.url("/feed.xml")}],
                }
            )
        )
        return _python(script, "--config", str(config), "poll")
    finally:
        server.stop()


def test_a_poll_freezes_what_start_up_built_and_collects_afterwards(tmp_path: Path) -> None:
    """The objects start-up built (modules, settings, compiled rules) are frozen, so later
    collections do not walk them again; the collector runs again for the cycle itself."""
    found = _poll_one_feed(tmp_path, _POLL)
    assert "polled 1 source (0 failed" in str(found["stderr"])
    assert found["code"] == 0
    assert found["collecting"] is True
    assert isinstance(found["frozen"], int) and found["frozen"] > 50_000


# Counts the collections from the start of main() to the poll's cycle (``core._poll``).
_COLLECTIONS = """
import gc, json, sys
import monitor.commands.core as core
collections = []
gc.callbacks.append(lambda phase, info: phase == "start" and collections.append(info))
cycle = core._poll
before_cycle = []
async def counted(app):
    before_cycle.extend(collections)
    return await cycle(app)
core._poll = counted
from monitor.cli import main
collections.clear()
code = main(sys.argv[1:])
print(json.dumps({"code": code, "before_cycle": len(before_cycle), "in_all": len(collections)}))
"""


def test_a_poll_collects_no_garbage_before_its_cycle(tmp_path: Path) -> None:
    """Reading the command line, importing the error tree (the rules package) and asyncio
    build long-lived objects: the ~35 young collections they triggered found next to nothing.
    The collector runs again for the cycle (``in_all``: the probe sees it)."""
    found = _poll_one_feed(tmp_path, _COLLECTIONS)
    assert "polled 1 source (0 failed" in str(found["stderr"])
    assert found["code"] == 0
    assert found["before_cycle"] == 0
    assert isinstance(found["in_all"], int) and found["in_all"] > 0


_PLUGINS = """
import json, sqlite3, sys
import sqlite_utils, sqlite_utils.plugins
from state import open_database
db = open_database(sys.argv[1])
by_us = sqlite_utils.plugins._plugins_loaded
sqlite_utils.Database(sqlite3.connect(":memory:"))  # the probe: sqlite-utils' default loads them
print(json.dumps({"by_us": by_us, "by_default": sqlite_utils.plugins._plugins_loaded}))
"""


def test_opening_the_state_loads_no_sqlite_utils_plugin(tmp_path: Path) -> None:
    """sqlite-utils' plugins serve its command line: loading them scans every installed
    distribution's entry points (about 6 ms of each start-up), and a plugin installed for that
    tool must not change the state's connection."""
    found = _python(_PLUGINS, str(tmp_path / "state" / "treatywatch.db"))
    assert (found["by_us"], found["by_default"]) == (False, True)


_ROOTS = """
import json, ssl, sys
loaded = []
original = ssl.SSLContext.set_default_verify_paths
def counting(context):
    loaded.append(context.verify_mode == ssl.CERT_REQUIRED)
    original(context)
ssl.SSLContext.set_default_verify_paths = counting
from monitor.cli import main
code = main(sys.argv[1:])
during = list(loaded)
restored = ssl.SSLContext.set_default_verify_paths is counting
ssl.create_default_context()  # the probe: a context built after start-up loads its roots
print(json.dumps({"code": code, "during": during, "after": loaded[len(during):],
                  "restored": restored}))
"""


def test_a_poll_of_an_http_feed_loads_no_tls_roots(tmp_path: Path) -> None:
    """aiohttp's two default TLS contexts, which treatywatch never connects with, used to load
    the system's CA roots when it was imported (about 45 ms of CPU); the fetcher's own context
    is built for the first https URL only. A poll of an http feed loads roots into no context,
    and a context built afterwards loads them as ever."""
    found = _poll_one_feed(tmp_path, _ROOTS)
    assert "polled 1 source (0 failed" in str(found["stderr"])
    assert (found["code"], found["during"], found["after"]) == (0, [], [True])
    assert found["restored"] is True
