"""``treatywatch sources`` (the health of every source) and ``treatywatch sources check``
(fetch and parse every source once, store nothing, report which respond)."""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from monitor.commands._common import EXIT_FAILURE, EXIT_OK, settings_from
from monitor.commands._output import print_json, table

if TYPE_CHECKING:
    from monitor.config import Settings, SourceConfig
    from monitor.sources import Fetcher
    from state import SourceState

__all__ = ["register", "source_health"]


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    sources = commands.add_parser(
        "sources",
        parents=[common],
        help="show the health of every source (last success, errors, next poll, items/day)",
        description="Show every configured source (or the default catalog) with its stored "
        "health: status, last success, last error and its class, failures in a row, next poll "
        "and why, the current interval and items per day.",
    )
    sources.add_argument("--json", action="store_true", help="print JSON instead of a table")
    sources.set_defaults(handler=_show)
    sub = sources.add_subparsers(dest="sources_command", metavar="SUBCOMMAND")
    check = sub.add_parser(
        "check",
        parents=[common],
        help="fetch and parse every source once and report which respond",
        description="Fetch and parse every enabled source once (nothing is stored, no alert "
        "is sent) and report which respond with items. Exit 0 when all respond, 1 otherwise.",
    )
    check.add_argument("--json", action="store_true", help="print JSON instead of a table")
    check.add_argument("--all", action="store_true", help="also check sources with enabled: false")
    check.set_defaults(handler=_check)


def _configured(settings: Settings) -> tuple[list[SourceConfig], dict[str, tuple[str, str]]]:
    from monitor.catalog import catalog

    if settings.sources is not None:
        return list(settings.sources), {}
    entries = catalog()
    return [e.source for e in entries], {e.source.name: (e.kind, e.checked) for e in entries}


def source_health(
    source: SourceConfig, state: SourceState | None, settings: Settings, now: datetime
) -> dict[str, Any]:
    """One source's health as plain data (the ``--json`` row)."""
    from monitor.core.health import interval_bounds, source_items_per_day
    from state import parse_iso_or_none

    bounds = interval_bounds(settings, source)
    status = "never polled"
    if not source.enabled:
        status = "disabled (config)"
    elif state is not None and state.config_url not in (None, source.url):
        status = "url changed (polled afresh next time)"
    elif state is not None and state.disabled_reason:
        status = f"disabled ({state.disabled_reason})"
    elif state is not None and state.consecutive_failures:
        status = "failing"
    elif state is not None and state.last_success:
        status = "ok"
    next_poll = parse_iso_or_none(state.next_poll) if state else None
    return {
        "name": source.name,
        "type": source.type,
        "official": source.official,
        "status": status,
        "url": state.url if state and state.url else source.url,
        "config_url": source.url,
        "last_success": state.last_success if state else None,
        "last_polled": state.last_polled if state else None,
        "last_status": state.last_status if state else None,
        "last_error": state.last_error if state else None,
        "last_error_class": state.last_error_class if state else None,
        "consecutive_failures": state.consecutive_failures if state else 0,
        "failing_since": state.failing_since if state else None,
        "next_poll": state.next_poll if state else None,
        "next_poll_in_seconds": round((next_poll - now).total_seconds()) if next_poll else None,
        "next_poll_reason": state.next_poll_reason if state else None,
        "interval_seconds": state.interval_seconds if state and state.interval_seconds else None,
        "base_interval_seconds": bounds.base.total_seconds(),
        "items_per_day": source_items_per_day(state, now),
        "last_new_item": state.last_new_item if state else None,
        "entries_last_poll": state.entries_last_poll if state else None,
        "pending_redirect": state.redirect_url if state else None,
        "last_warning": state.last_warning if state else None,
        "polls": state.polls if state else 0,
        "failures": state.failures if state else 0,
    }


def _show(args: argparse.Namespace) -> int:
    from monitor.timefmt import table_time
    from state import Store

    settings = settings_from(args)
    sources, _ = _configured(settings)
    store = Store.open(settings.state_dir)
    try:
        states = {state.name: state for state in store.sources()}
    finally:
        store.close()
    now = datetime.now(UTC)
    rows = [source_health(source, states.get(source.name), settings, now) for source in sources]
    if args.json:
        print_json(rows)
        return EXIT_OK
    print(
        table(
            ["source", "status", "fails", "last success", "next poll", "items/day", "error"],
            [
                [
                    row["name"] + (" *" if row["official"] else ""),
                    row["status"],
                    row["consecutive_failures"],
                    table_time(row["last_success"]),
                    _in(row["next_poll_in_seconds"], row["next_poll_reason"]),
                    row["items_per_day"],
                    f"{row['last_error_class']}: {row['last_error']}"
                    if row["last_error"]
                    else row["last_warning"],
                ]
                for row in rows
            ],
        )
    )
    print("(* official source)")
    return EXIT_OK


def _in(seconds: int | None, reason: str | None) -> str | None:
    if seconds is None:
        return None
    text = "due" if seconds <= 0 else f"in {_span(seconds)}"
    return f"{text} ({reason})" if reason and reason != "interval" else text


def _span(seconds: int) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


async def _check_one(fetcher: Fetcher, source: SourceConfig) -> dict[str, Any]:
    from monitor.errors import SourceError
    from monitor.sources import parse_document

    started = time.monotonic()
    row: dict[str, Any] = {"name": source.name, "type": source.type, "url": source.url}
    try:
        result = await fetcher.fetch(source.url)
        parsed = parse_document(
            source.type,
            result.body,
            url=result.url,
            content_type=result.content_type,
            language=source.language,
            selectors=source.selectors,
        )
    except SourceError as exc:
        row.update(ok=False, error=str(exc), error_class=exc.kind, status=exc.status)
    else:
        row.update(
            ok=bool(parsed.items),
            status=result.status,
            format=parsed.format,
            items=len(parsed.items),
            newest=max((i.published for i in parsed.items if i.published), default=None),
            moved_to=result.permanent_redirect,
            warning=parsed.warning,
        )
        if not parsed.items:
            row.update(error="no items", error_class="empty_feed")
    row["duration_ms"] = int((time.monotonic() - started) * 1000)
    return row


async def _check_all(settings: Settings, sources: list[SourceConfig]) -> list[dict[str, Any]]:
    import asyncio

    from monitor.sources import Fetcher

    fetcher = Fetcher(settings.http)
    try:
        return list(await asyncio.gather(*(_check_one(fetcher, s) for s in sources)))
    finally:
        await fetcher.aclose()


def _check(args: argparse.Namespace) -> int:
    import asyncio

    from monitor.timefmt import table_time

    settings = settings_from(args)
    sources, meta = _configured(settings)
    chosen = [s for s in sources if s.enabled or args.all]
    rows = asyncio.run(_check_all(settings, chosen))
    for row in rows:
        if row["name"] in meta:
            row["kind"], row["checked"] = meta[row["name"]]
    if args.json:
        print_json(rows)
    else:
        print(
            table(
                ["source", "responds", "status", "items", "newest", "detail"],
                [
                    [
                        row["name"],
                        "yes" if row["ok"] else "NO",
                        row.get("status"),
                        row.get("items"),
                        table_time(row.get("newest")),
                        row.get("error") or (row.get("moved_to") and f"moved to {row['moved_to']}"),
                    ]
                    for row in rows
                ],
            )
        )
        failed = sum(1 for row in rows if not row["ok"])
        print(f"{len(rows) - failed} of {len(rows)} sources respond")
    return EXIT_OK if all(row["ok"] for row in rows) else EXIT_FAILURE
