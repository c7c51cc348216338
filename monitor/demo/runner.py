"""``treatywatch demo``: the real service against the bundled sample feeds, then a recap.

:func:`run_demo` starts the :class:`~monitor.demo.server.SampleServer` on 127.0.0.1, builds the
app from the demo's own config (``monitor/demo/treatywatch.yaml``, built-in rules) with
``make_app`` and runs it with :func:`monitor.service.run_service`, exactly as ``treatywatch
run`` does, until ``stop`` is set, the duration is over, or SIGINT/SIGTERM. :func:`recap` then
reads back from the store what happened, and :func:`recap_lines` says it in a few lines.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

import yaml

from monitor.config import Settings, parse_settings
from monitor.demo.samples import Sample, load_samples
from monitor.demo.server import SampleServer
from monitor.summary import count
from state import HitFilter, Store, parse_iso

__all__ = ["Recap", "StoryCount", "demo_settings", "recap", "recap_lines", "run_demo"]


def demo_settings(*, url: str, state_dir: Path, port: int = 0) -> Settings:
    """The demo's config, pointed at the sample server at ``url``."""
    text = (resources.files("monitor.demo") / "treatywatch.yaml").read_text("utf-8")
    values = {"DEMO_URL": url, "DEMO_STATE_DIR": str(state_dir), "DEMO_PORT": str(port)}
    return parse_settings(yaml.safe_load(text), environ=values, origin="the demo's config")


@dataclass(frozen=True, slots=True)
class StoryCount:
    title: str
    reports: int
    outlets: int
    official: bool


@dataclass(frozen=True, slots=True)
class Recap:
    """What the demo did, read back from its store."""

    items: int = 0
    sources: int = 0
    matched: int = 0
    stories: tuple[StoryCount, ...] = ()
    printed: Mapping[str, int] = field(default_factory=dict)  # sent alerts by kind
    quiet_near_misses: tuple[str, ...] = ()
    matched_near_misses: tuple[str, ...] = ()
    failing: tuple[tuple[str, str], ...] = ()  # (source, error)


def recap(store: Store, samples: Mapping[str, Sample], since: datetime) -> Recap:
    """Read back what the demo stored, and sent, since ``since`` (a ``--state-dir`` used before
    holds earlier runs too: their items are known, so they neither count nor alert again)."""
    items = store.items_since(since)
    hits = list(store.iter_hit_rows(HitFilter(since=since)))
    matched_titles = {row["title"] for row in hits}
    near = [title for sample in samples.values() for title in sample.titles(near_misses=True)]
    stored_titles = {row["title"] for row in items}
    stories = tuple(
        StoryCount(
            title=story.members[0].title if story.members else story.id,
            reports=story.reports,
            outlets=story.outlets,
            official=story.official,
        )
        for story in store.stories(limit=20)
        if parse_iso(story.last_seen) >= since
    )
    printed = Counter(
        str(row["kind"])
        for row in store.sent_since(None)
        if row["sent_at"] and parse_iso(row["sent_at"]) >= since
    )
    failing = tuple(
        (state.name, f"{state.last_error_class}: {state.last_error}")
        for state in store.sources()
        if state.consecutive_failures
    )
    return Recap(
        items=len(items),
        sources=len({row["source"] for row in items}),
        matched=len({row["item_id"] for row in hits}),
        stories=stories,
        printed=dict(printed),
        quiet_near_misses=tuple(t for t in near if t in stored_titles - matched_titles),
        matched_near_misses=tuple(t for t in near if t in matched_titles),
        failing=failing,
    )


_KINDS = (("alert", "alert"), ("follow_up", "follow-up"), ("ops", "operator notice"))


def recap_lines(summary: Recap, *, ran: timedelta) -> list[str]:
    """The recap printed when the demo stops."""
    seconds = int(ran.total_seconds())
    lines = [f"demo over after {seconds}s. What happened:"]
    if summary.items:
        lines.append(
            f"  read {count(summary.items, 'item')} from "
            f"{count(summary.sources, 'sample source')}; "
            f"{summary.matched} matched the built-in rules"
        )
    else:
        lines.append("  no new item: the state folder knows every sample item from an earlier run")
    for story in summary.stories:
        official = ", one of them official" if story.official else ""
        lines.append(
            f"  story: {story.title!r}: {count(story.reports, 'report')} from "
            f"{count(story.outlets, 'outlet')}{official}"
        )
    printed = [count(summary.printed.get(kind, 0), noun) for kind, noun in _KINDS]
    lines.append(f"  printed above: {', '.join(printed)}")
    if summary.quiet_near_misses:
        lines.append("  near misses, rightly left alone (no rule matched):")
        lines.extend(f"    - {title}" for title in summary.quiet_near_misses)
    if summary.matched_near_misses:
        lines.append("  near misses that matched a rule (they should not have):")
        lines.extend(f"    - {title}" for title in summary.matched_near_misses)
    for source, error in summary.failing:
        lines.append(f"  failing source: {source} ({error}), shown on the dashboard")
    lines.append(
        "  next: point treatywatch at real feeds with a config of your own and "
        "`treatywatch run` (see the README)"
    )
    return lines


async def run_demo(
    *,
    state_dir: Path,
    port: int = 0,
    duration: timedelta | None = None,
    say: Callable[[str], None],
    announce: Callable[[str], None] | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Recap:
    """Serve the samples, run the service against them until stopped, and return the recap.

    ``say`` receives the demo's own lines; ``announce`` the service's (start-up, first cycle).
    """
    from monitor.app import make_app  # the service stack loads only when the demo runs
    from monitor.service import run_service

    samples = load_samples()
    server = SampleServer(samples, clock=clock)
    await server.start()
    try:
        settings = demo_settings(url=server.url, state_dir=state_dir, port=port)
        say(
            f"serving {count(len(settings.sources or ()), 'sample source')} on {server.url} "
            "(feeds in English, French, German and Polish, and one that fails); "
            f"state in {state_dir}; loading the built-in rules"
        )
        app = make_app(settings)
        say(
            "a sample story (written for the demo, not real news) gathers reports over the next "
            "15 seconds; near misses stay quiet. "
            + (f"Stops after {_seconds(duration)}." if duration else "Ctrl-C stops it.")
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        timer = loop.call_later(duration.total_seconds(), stop.set) if duration else None
        started = clock()
        server.begin()
        try:
            await run_service(app, stop, announce=announce)
            return recap(app.store, samples, since=started - timedelta(seconds=1))
        finally:
            if timer is not None:
                timer.cancel()
            await app.aclose()
    finally:
        await server.stop()


def _seconds(duration: timedelta) -> str:
    return f"{int(duration.total_seconds())}s"
