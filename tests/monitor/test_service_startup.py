"""What ``treatywatch run`` tells a person at start-up: one summary line, one line after the
first poll cycle, and a hint when no source can be reached, instead of a warning per source."""

from __future__ import annotations

from pathlib import Path

from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route
from tests.support.service import ServiceProcess, free_port, wait_for


def _summary(service: ServiceProcess) -> list[str]:
    return [line.strip() for line in service.log if line.startswith("treatywatch: ")]


def test_no_source_reachable_gives_one_summary_and_a_hint(tmp_path: Path) -> None:
    closed = [free_port() for _ in range(3)]  # nothing listens there: connections are refused
    service = ServiceProcess(
        tmp_path,
        {
            "sources": [
                {"name": f"feed-{n}", "url": f"http://127.0.0.1:{port}/feed.xml"}
                for n, port in enumerate(closed)
            ]
        },
    ).start()
    try:
        assert wait_for(lambda: any("hint:" in line for line in service.log)), service.log
        assert wait_for(service.answers)
        code, _ = service.stop()
    finally:
        service.kill()
    assert code == 0
    lines = _summary(service)
    assert lines[:2] == [
        "treatywatch: 3 sources, 1 rule, 1 channel; first poll in progress",
        f"treatywatch: dashboard: http://127.0.0.1:{service.port}/",
    ], service.log
    assert "treatywatch: first poll done: 0 of 3 sources answered; 3 failed (connect 3)" in lines
    hint = next(line for line in lines if "hint:" in line)
    assert "No network?" in hint and "HTTPS_PROXY" in hint and "treatywatch demo" in hint
    # the first failures are summed up, not logged one by one
    assert not [line for line in service.events("poll") if "warning" in line], service.log
    assert service.events("first_cycle") and "errors=connect:3" in service.events("first_cycle")[0]


def test_a_partial_first_cycle_says_how_many_answered_and_gives_no_offline_hint(
    tmp_path: Path, feed_server: FeedServer
) -> None:
    feed_server.routes["/a.xml"] = Route(rss([Entry("Harbour festival", "https://news.test/f")]))
    service = ServiceProcess(
        tmp_path,
        {
            "sources": [
                {"name": "a", "url": feed_server.url("/a.xml")},
                {"name": "b", "url": f"http://127.0.0.1:{free_port()}/feed.xml"},
            ]
        },
    ).start()
    try:
        assert wait_for(lambda: any("first poll done" in line for line in service.log))
        code, _ = service.stop()
    finally:
        service.kill()
    assert code == 0
    lines = _summary(service)
    assert "treatywatch: first poll done: 1 of 2 sources answered; 1 failed (connect 1)" in lines
    assert not any("hint:" in line for line in lines)
