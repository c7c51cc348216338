"""``App.poll_all`` keeps at most ``window`` sources in flight and takes the hosts in turn
(issue 14, memory: 5,000 sources used to be 5,000 tasks at once, each with its frames)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from monitor.app import host_turns, make_app
from monitor.config import parse_settings
from rules import load_ruleset
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route

RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    query: '(withdraw OR exit) AND "Ottawa Convention"'
"""


def test_poll_all_keeps_at_most_the_window_in_flight(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    names = [f"s{n}" for n in range(12)]
    for name in names:
        feed_server.routes[f"/{name}.xml"] = Route(rss([Entry(name, f"https://e.org/{name}", "")]))
    settings = parse_settings(
        {
            "state_dir": str(tmp_path / "state"),
            "sources": [{"name": n, "url": feed_server.url(f"/{n}.xml")} for n in names],
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    app = make_app(settings, ruleset=load_ruleset({"r.yaml": RULES}), channels={})
    in_flight: list[int] = []
    app.poll_observers.append(lambda _outcome: in_flight.append(len(asyncio.all_tasks())))
    with asyncio.Runner() as runner:
        try:
            outcomes = runner.run(app.poll_all(window=3))
        finally:
            runner.run(app.aclose())
    assert [o.source for o in outcomes] == names  # in the order of the sources
    assert all(o.ok for o in outcomes)
    # the main task and at most 3 lanes (before: one task per source, 12 at the first outcome)
    assert max(in_flight) <= 1 + 3


def test_hosts_are_taken_in_turn() -> None:
    urls = [
        "https://a.org/1",
        "https://a.org/2",
        "https://a.org/3",
        "https://B.org/1",
        "https://c.org/1",
        "https://b.org/2",
    ]
    assert host_turns(urls) == [0, 3, 4, 1, 5, 2]
