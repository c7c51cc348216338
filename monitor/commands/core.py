"""The core commands: ``run``, ``poll`` and ``check``."""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING

from monitor.commands._common import EXIT_OK, settings_from
from monitor.commands._output import Progress

if TYPE_CHECKING:
    from monitor.app import App
    from monitor.config import Settings
    from monitor.summary import MatchCount

__all__ = ["register"]


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    run = commands.add_parser(
        "run",
        parents=[common],
        help="run the service: poll on schedule and deliver alerts",
        description="Run until SIGTERM/SIGINT: poll every source on its interval, match, "
        "store and deliver alerts.",
    )
    run.set_defaults(handler=_serve)
    poll = commands.add_parser(
        "poll",
        parents=[common],
        help="poll every enabled source once, deliver, and exit",
        description="One complete cycle over every enabled source (fetch, parse, match, store, "
        "deliver due alerts), then exit 0, even when some sources failed (reported on stderr).",
    )
    poll.set_defaults(handler=_poll_once)
    check = commands.add_parser(
        "check",
        parents=[common],
        help="validate the config and rules; print what would run",
        description="Validate the config and the rules, print the sources, channels and rules "
        "that would run, and exit 0 (valid) or 2 (invalid).",
    )
    check.set_defaults(handler=lambda args: _check(settings_from(args)))


def _check(settings: Settings) -> int:
    from monitor.app import routing_warnings
    from monitor.catalog import default_sources
    from monitor.config import rules_cache_dir
    from monitor.proxy import ProxyRoutes
    from monitor.rulepacks import load_rules
    from monitor.timefmt import human_duration

    ruleset = load_rules(settings.rules, cache_dir=rules_cache_dir())
    warnings = routing_warnings(settings, ruleset)
    sources = settings.sources if settings.sources is not None else default_sources()
    channels = settings.channels or ()
    for warning in warnings:
        print(f"treatywatch: warning: {warning}", file=sys.stderr)
    print("config: valid")
    print(f"state:  {settings.state_dir}")
    proxy = ProxyRoutes.from_settings(settings.http)
    if proxy is not None:
        print(f"proxy:  {proxy.describe()}")
    print(f"sources ({len(sources)}{'' if settings.sources is not None else ', default catalog'}):")
    for source in sources:
        flags = "" if source.enabled else "  [disabled]"
        every = settings.source_interval(source)
        print(f"  {source.name:<24} every {human_duration(every):<6} {source.url}{flags}")
    print(f"channels ({len(channels) or 1}):")
    if not channels:
        print("  console                  console (default: no channel configured)")
    for channel in channels:
        flags = "" if channel.enabled else "  [disabled]"
        print(f"  {channel.name:<24} {channel.type}{flags}")
    enabled = [rule for rule in ruleset.rules if rule.enabled]
    print(f"rules ({len(enabled)} enabled of {len(ruleset.rules)}):")
    for rule in ruleset.rules:
        flags = "" if rule.enabled else "  [disabled]"
        print(f"  {rule.id:<40} {rule.severity:<8} {rule.title}{flags}")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    """``run``: hold the state folder (one service per folder), then build and run the app."""
    from monitor.statedir import service_lock, writable_state_dir

    settings = settings_from(args)
    writable_state_dir(settings.state_dir)
    with service_lock(settings.state_dir):
        with _start_up():
            import asyncio  # with the rest of start-up: no collection while it loads

            app = _app(args, settings)
            # a service matches for its whole life: every part of the rules now, with what
            # start-up builds (compact, frozen), rather than mid-cycle
            app.ruleset.thaw()
        return asyncio.run(_run(app, announcer(args)))


def _app(args: argparse.Namespace, settings: Settings | None = None) -> App:
    from monitor.app import make_app

    return make_app(settings if settings is not None else settings_from(args))


@contextlib.contextmanager
def _start_up() -> Iterator[None]:
    """No garbage collection while the app is built, and what it built frozen after
    (``gc.freeze``). Start-up allocates long-lived objects (modules, settings, the compiled
    rules) and frees next to none: the ~200 collections it triggered found about 1,800 objects
    in all and cost ~45 ms of a 0.6 s ``poll``, and each later full collection walked the rule
    set's objects again (~80 ms each). Frozen, they are never walked. Then the heap that
    start-up freed goes back to the system (about 5 MB). The collector is paused before
    ``monitor.memory`` (ctypes) is imported, as the command line paused it while it read the
    command (``monitor.cli``)."""
    import gc

    collecting = gc.isenabled()
    gc.disable()
    try:
        from monitor.memory import collection_paused, trim_heap

        try:
            with collection_paused(freeze=True):
                yield
        finally:
            trim_heap()
    finally:
        if collecting:
            gc.enable()


def _poll_once(args: argparse.Namespace) -> int:
    """``poll``: check that the state folder can be written, then one cycle."""
    with _start_up():
        import asyncio  # with the rest of start-up: no collection while they load

        from monitor.statedir import writable_state_dir

        settings = settings_from(args)
        writable_state_dir(settings.state_dir)
        app = _app(args, settings)
    return asyncio.run(_poll(app))


async def _poll(app: App) -> int:
    from monitor.summary import alerts_text, count, match_text

    started = app.clock()
    app.poller.first_failure_level = logging.DEBUG  # each failure is printed below
    try:
        with Progress("poll", total=len(app.enabled_sources)) as progress:
            app.poll_observers.append(lambda _outcome: progress.advance())
            outcomes = await app.poll_all()
        report = await app.deliver_due()
        matched = _matched_since(app, started)
    finally:
        await app.aclose()
    failed = [o for o in outcomes if not o.ok and not o.skipped]
    held = [o for o in outcomes if o.skipped]
    for outcome in failed:
        print(f"treatywatch: source {outcome.source} failed: {outcome.error}", file=sys.stderr)
    for outcome in held:
        why = outcome.error or "not due"
        print(f"treatywatch: source {outcome.source} not polled: {why}", file=sys.stderr)
    polled = count(len(outcomes) - len(held), "source")
    new_items = count(sum(o.new_items for o in outcomes), "new item")
    alerts = alerts_text(report.by_channel, list(app.channels), skipped=report.skipped)
    print(
        f"treatywatch: polled {polled} ({len(failed)} failed, {len(held)} held back), "
        f"{new_items}; {match_text(matched)}; {alerts}",
        file=sys.stderr,
    )
    return EXIT_OK


def _matched_since(app: App, since: datetime) -> MatchCount:
    """Items that matched since ``since``, the rules they matched and their stories (read
    back from the store: one item matched by two rules is one item, one story)."""
    from monitor.summary import MatchCount
    from state import HitFilter

    rows = list(app.store.iter_hit_rows(HitFilter(since=since)))
    stories_of: dict[int, set[str]] = {}
    for row in rows:
        story = app.store.story_of_hit(row["id"])  # None for a hit that is not a member
        stories_of.setdefault(row["item_id"], set()).update([story] if story else [])
    items = set(stories_of)
    # an item whose hits belong to no stored story stands alone
    stories = {s for found in stories_of.values() for s in found}
    stories |= {f"item:{item}" for item, found in stories_of.items() if not found}
    return MatchCount(
        items=len(items),
        rules=len({row["rule"] for row in rows}),
        stories=len(stories),
    )


def announcer(args: argparse.Namespace) -> Callable[[str], None] | None:
    """Where the service's lines for people go: standard error beside text logs; nowhere
    with JSON logs (the same facts are in the ``service_started`` and ``first_cycle``
    events)."""
    if args.log_format != "text":
        return None
    return lambda line: print(f"treatywatch: {line}", file=sys.stderr, flush=True)


async def _run(app: App, announce: Callable[[str], None] | None = None) -> int:
    from monitor.service import run_service

    try:
        await run_service(app, announce=announce)
    finally:
        await app.aclose()
    return EXIT_OK
