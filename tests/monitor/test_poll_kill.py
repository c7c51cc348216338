"""C2: SIGKILL at random points of polls that write hits and their outbox rows. A forked child
polls a feed that has ten new matching entries at every request, over and over, and is killed
at a random moment; after every kill the database holds every hit with its two outbox rows (two
channels) and no outbox row without its hit, and passes SQLite's checks."""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import signal
import sqlite3
import time
import warnings
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from monitor.app import make_app
from monitor.config import Settings, parse_settings
from rules import RuleSet, load_ruleset
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

RULES = "rules:\n  - id: t\n    title: t\n    severity: high\n    query: 'withdrawal'\n"
KILLS = 100


def _fresh_entries() -> Route:
    """Ten new entries at every request, each its own article (own GUID, link and words)."""
    numbers = itertools.count()
    words = random.Random(13)

    def answer(handler: BaseHTTPRequestHandler) -> None:
        published = datetime.now(UTC) - timedelta(minutes=1)
        entries = []
        for _ in range(10):
            n = next(numbers)
            tag = "".join(words.choices("bcdfghjklmnpqrstvwxz", k=8))
            title = f"Ministry {tag} confirms withdrawal {n} from the {tag[::-1]} accord"
            entries.append(Entry(title, f"https://x.test/{n}", guid=f"g{n}", published=published))
        body = rss(entries)
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    return Route(handler=answer)


def _poll_until_killed(settings: Settings, ruleset: RuleSet, ready: int) -> None:
    """The child: poll the source again and again; it never returns (SIGKILL ends it)."""
    try:
        app = make_app(settings, ruleset=ruleset, channels={})

        async def forever() -> None:
            os.write(ready, b"x")
            while True:
                await app.poll_source("wire", force=True)

        asyncio.run(forever())
    finally:
        os._exit(3)


def _problems(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        problems = []
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            problems.append(f"quick_check: {check}")
        without_rows = db.execute(
            "SELECT count(*) FROM hits h"
            " WHERE (SELECT count(*) FROM alerts a WHERE a.hit_id = h.id) != 2"
        ).fetchone()[0]
        if without_rows:
            problems.append(f"{without_rows} hits without their two outbox rows")
        orphans = db.execute(
            "SELECT count(*) FROM alerts a"
            " WHERE NOT EXISTS (SELECT 1 FROM hits h WHERE h.id = a.hit_id)"
        ).fetchone()[0]
        if orphans:
            problems.append(f"{orphans} outbox rows without their hit")
        items, hits = db.execute(
            "SELECT (SELECT count(*) FROM items), (SELECT count(*) FROM hits)"
        ).fetchone()
        if items != hits:
            problems.append(f"{items} items but {hits} hits (every item matches)")
        return problems
    finally:
        db.close()


@pytest.mark.slow
def test_sigkill_during_polls_never_splits_a_hit_from_its_outbox_rows(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    """C2: SIGKILL loop (100 kills) around "insert hit + outbox" at the poll level."""
    feed_server.routes["/f"] = _fresh_entries()
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [{"name": "wire", "url": feed_server.url("/f")}],
            "channels": [{"name": "a", "type": "console"}, {"name": "b", "type": "console"}],
            "stories": {"enabled": False},
            "http": {"parse_workers": 0},
        }
    )
    ruleset = load_ruleset({"r.yaml": RULES})
    path = tmp_path / "state" / "treatywatch.db"
    pace = random.Random(2)
    committed = before = 0
    for kill in range(KILLS):
        ready, signal_ready = os.pipe()
        with warnings.catch_warnings():  # fork beside the test servers' threads: the child
            warnings.simplefilter("ignore", DeprecationWarning)  # uses none of them
            pid = os.fork()
        if pid == 0:
            os.close(ready)
            _poll_until_killed(settings, ruleset, signal_ready)
        os.close(signal_ready)
        try:
            assert os.read(ready, 1) == b"x", f"kill {kill}: the child did not start"
            # a poll takes about 0.1 s, most of it recording: kill anywhere in the first few
            time.sleep(pace.uniform(0.0, 0.35))
        finally:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            os.close(ready)
        assert os.WIFSIGNALED(status), f"kill {kill}: the child ended on its own ({status})"
        problems = _problems(path)
        assert not problems, f"after kill {kill}: {problems}"
        db = sqlite3.connect(path)
        hits = db.execute("SELECT count(*) FROM hits").fetchone()[0]
        db.close()
        committed += (hits - before) // 10
        before = hits
    # the kills fell around the writes: many polls committed, many were cut between asking for
    # the feed and committing what it held
    fetched = len(feed_server.requests)
    assert committed >= 10 and fetched - committed >= KILLS // 4, (fetched, committed)

    # a last poll, uninterrupted, records the next entries whole; the file is intact
    async def once() -> int:
        app = make_app(settings, ruleset=ruleset, channels={})
        try:
            return (await app.poll_source("wire", force=True)).hits
        finally:
            await app.aclose()

    assert asyncio.run(once()) == 10
    assert _problems(path) == []
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
