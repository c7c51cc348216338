"""Operator commands: ``hits``, ``stories``, ``export``, ``db vacuum|prune|info`` and
``healthcheck``.

They read the database of the configured ``state_dir`` directly (no feeds are fetched, nothing
is sent), print tables for people and JSON with ``--json``, and show progress on a terminal for
long operations. A missing database is an error (exit 1), never silently created.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from monitor.commands._common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, settings_from
from monitor.commands._output import Progress, parse_when, print_json, table

if TYPE_CHECKING:
    from monitor.config import Settings
    from state import HitFilter, Store

__all__ = ["EXPORT_FIELDS", "register"]

EXPORT_FIELDS = (
    "detected",
    "source",
    "rule",
    "severity",
    "title",
    "url",
    "published",
    "language",
    "matched",
    "deliveries",
    "summary",
    "item_key",
    "guid",
    "hit_id",
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    filters = argparse.ArgumentParser(add_help=False)
    filters.add_argument("--rule", metavar="GLOB", help="rule id or glob, e.g. 'treaty-*'")
    filters.add_argument("--source", metavar="NAME", help="only hits from this source")
    filters.add_argument(
        "--since",
        metavar="WHEN",
        type=_when,
        help="detected at or after WHEN: a date, a time (UTC unless a zone is given) or a "
        "duration ago (24h, 7d)",
    )
    filters.add_argument(
        "--until", metavar="WHEN", type=_when, help="detected before WHEN (same forms)"
    )
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="print JSON for scripts")

    hits = commands.add_parser(
        "hits",
        parents=[common, filters, as_json],
        help="list recent hits (newest first) with their delivery status",
        description="List the most recent hits, newest first, with the alert status on each "
        "channel. Reads the database only.",
    )
    hits.add_argument("--limit", type=_positive_int, default=50, help="at most N hits (50)")
    hits.set_defaults(handler=lambda args: _hits(args, settings_from(args)))

    stories = commands.add_parser(
        "stories",
        parents=[common, filters, as_json],
        help="list recent stories (events reported by one or more sources)",
        description="List the most recently active stories, newest first: the rule, states, "
        "treaties and step, how many reports and outlets, and where their alerts stand. "
        "--since/--until apply to the story's latest report.",
    )
    stories.add_argument("--limit", type=_positive_int, default=30, help="at most N stories")
    stories.set_defaults(handler=lambda args: _stories(args, settings_from(args)))

    export = commands.add_parser(
        "export",
        parents=[common, filters],
        help="export hits as JSON lines or CSV",
        description="Write every hit matching the filters, oldest first, as JSON lines (with "
        "the full explanation) or CSV. In CSV, cells from feeds that begin with = + - @ are "
        "prefixed with ' so that spreadsheets do not run them as formulas.",
    )
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write to FILE (replaced only once complete) instead of standard output",
    )
    export.set_defaults(handler=lambda args: _export(args, settings_from(args)))

    db = commands.add_parser(
        "db",
        help="database housekeeping: info, vacuum, prune",
        description="Database housekeeping. Stop the service before vacuum.",
    )
    db_commands = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    info = db_commands.add_parser(
        "info",
        parents=[common, as_json],
        help="path, size, schema version, rows per table and the outbox",
        description="Show the database path, size on disk, schema version, rows per table "
        "and the outbox by channel and status.",
    )
    info.set_defaults(handler=lambda args: _db_info(args, settings_from(args)))
    vacuum = db_commands.add_parser(
        "vacuum",
        parents=[common, as_json],
        help="rebuild the database file to give free space back (stop the service first)",
        description="Rebuild the database file (SQLite VACUUM) and truncate its write-ahead "
        "log, giving the space of deleted rows back to the file system. Needs the service "
        "stopped: with it running, fails with 'database busy' after the busy timeout.",
    )
    vacuum.set_defaults(handler=lambda args: _db_vacuum(args, settings_from(args)))
    prune = db_commands.add_parser(
        "prune",
        parents=[common, as_json],
        help="delete old items, hits and stories (keeps what suppresses repeats)",
        description="Delete items and hits first seen before the retention age, stories whose "
        "last report is that old, and identity keys unused for longer than their own age "
        "(monitor.retention, which the service also runs daily). Rows with an alert still "
        "waiting are kept. Defaults come from the config (dedup.keep_items, dedup.keep_keys).",
    )
    prune.add_argument("--older-than", metavar="AGE", help="item age, e.g. 30d (config)")
    prune.add_argument("--keys-older-than", metavar="AGE", help="identity-key age (config)")
    prune.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    prune.set_defaults(handler=lambda args: _db_prune(args, settings_from(args)))

    health = commands.add_parser(
        "healthcheck",
        parents=[common],
        help="ask the running service's /healthz (for container health checks)",
        description="GET /healthz of the running service (address from the config's server "
        "section, loopback when it listens on all addresses) and exit 0 when healthy, 1 "
        "otherwise. Used as the container image's HEALTHCHECK.",
    )
    health.add_argument("--url", help="the URL to ask instead (e.g. http://127.0.0.1:8080/healthz)")
    health.add_argument("--timeout", type=float, default=5.0, help="seconds to wait (5)")
    health.set_defaults(handler=lambda args: _healthcheck(args, settings_from(args)))


# hits and export ----------------------------------------------------------------------------


def _hits(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.timefmt import table_time

    where = _filter(args)
    with _store(settings) as store:
        rows = store.hit_rows(where, limit=args.limit)
        deliveries = store.deliveries([row["id"] for row in rows])
        records = [_record(row, deliveries.get(row["id"], [])) for row in rows]
    if args.json:
        print_json(records)
        return EXIT_OK
    if not records:
        print("no hits", file=sys.stderr)
        return EXIT_OK
    print(
        table(
            ["detected", "source", "rule", "severity", "alerts", "title"],
            [
                (
                    table_time(r["detected"]),
                    r["source"],
                    r["rule"],
                    r["severity"],
                    _statuses(r["deliveries"]),
                    r["title"],
                )
                for r in records
            ],
        )
    )
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings) -> int:
    where = _filter(args)
    with _store(settings) as store, _output(args.output) as out:
        total = store.count_hits(where)
        writer: Callable[[dict[str, Any]], None]
        if args.format == "csv":
            sheet = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
            sheet.writeheader()

            def writer(record: dict[str, Any]) -> None:
                sheet.writerow(_csv_row(record))

        else:

            def writer(record: dict[str, Any]) -> None:
                out.write(json.dumps(record, ensure_ascii=False) + "\n")

        with Progress("export", total=total) as progress:
            batch: list[dict[str, Any]] = []
            for row in store.iter_hit_rows(where):
                batch.append(row)
                if len(batch) >= 500:
                    _write_batch(store, batch, writer, args.format)
                    progress.advance(len(batch))
                    batch = []
            _write_batch(store, batch, writer, args.format)
            progress.advance(len(batch))
    if args.output:
        print(f"exported {progress.done} hits to {args.output}", file=sys.stderr)
    return EXIT_OK


def _write_batch(
    store: Store, rows: list[dict[str, Any]], write: Callable[[dict[str, Any]], None], fmt: str
) -> None:
    from state import json_column

    deliveries = store.deliveries([row["id"] for row in rows])
    for row in rows:
        record = _record(row, deliveries.get(row["id"], []))
        if fmt == "jsonl":
            record["explanation"] = json_column(row["explanation"], {})
        write(record)


def _record(row: dict[str, Any], deliveries: list[Any]) -> dict[str, Any]:
    from state import json_column

    return {
        "hit_id": row["id"],
        "detected": row["created"],
        "source": row["source"],
        "rule": row["rule"],
        "severity": row["severity"],
        "title": row["title"],
        "url": row["link"],
        "published": row["published"],
        "language": row["language"],
        "matched": json_column(row["matched"], []),
        "summary": row["summary"],
        "item_key": row["key"],
        "guid": row["guid"],
        "deliveries": [asdict(d) for d in deliveries],
    }


def _csv_row(record: dict[str, Any]) -> dict[str, Any]:
    row = dict(record)
    row["matched"] = "; ".join(record["matched"])
    row["deliveries"] = _statuses(record["deliveries"])
    for key in ("title", "summary", "url", "source", "matched", "guid", "item_key"):
        value = row.get(key)
        if isinstance(value, str) and value.startswith(_FORMULA_START):
            row[key] = "'" + value
    return row


def _statuses(deliveries: list[dict[str, Any]]) -> str:
    return " ".join(f"{d['channel']}:{d['status']}" for d in deliveries) or "-"


@contextmanager
def _output(path: str | None) -> Iterator[TextIO]:
    """Standard output, or ``path`` written through a temporary file renamed at the end (a
    failed export never leaves a half-written file under the real name)."""
    if path is None or path == "-":
        yield sys.stdout
        return
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# stories ------------------------------------------------------------------------------------


def _stories(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.timefmt import table_time

    where = _filter(args)
    with _store(settings) as store:
        if not store.has_table("stories"):
            print("this database has no stories yet", file=sys.stderr)
            return EXIT_OK
        records = [
            _story_record(story, store.story_deliveries([story.id]).get(story.id, []))
            for story in (
                store.story(story_id) for story_id in store.story_ids(where, limit=args.limit)
            )
            if story is not None
        ]
    if args.json:
        print_json(records)
        return EXIT_OK
    if not records:
        print("no stories", file=sys.stderr)
        return EXIT_OK
    print(
        table(
            ["last report", "rule", "states", "treaties", "step", "reports", "alerts", "title"],
            [
                (
                    table_time(r["last_seen"]),
                    r["rule"],
                    ",".join(r["states"]) or "-",
                    ",".join(r["treaties"]) or "-",
                    ",".join(r["steps"]) or "-",
                    _reports(r),
                    _statuses(r["deliveries"]),
                    r["title"],
                )
                for r in records
            ],
        )
    )
    return EXIT_OK


def _reports(record: dict[str, Any]) -> str:
    official = ", official" if record["official"] else ""
    return f"{record['reports']} ({record['outlets']} outlets{official})"


def _story_record(story: Any, deliveries: list[Any]) -> dict[str, Any]:
    record = asdict(story)
    record["alerts"] = sorted([list(pair) for pair in story.alerts])
    record["title"] = story.members[0].title if story.members else ""
    record["sources"] = sorted({member.source for member in story.members})
    record["deliveries"] = [asdict(d) for d in deliveries]
    return record


# db -----------------------------------------------------------------------------------------


def _db_info(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.timefmt import table_time
    from state import schema_version

    with _store(settings) as store:
        info: dict[str, Any] = {
            "path": str(store.database_path()),
            "size_bytes": store.database_size(),
            "schema_version": schema_version(store.db),
            "tables": store.table_counts(),
            "outbox": [asdict(row) for row in store.outbox_summary()],
        }
    if args.json:
        print_json(info)
        return EXIT_OK
    print(f"database: {info['path']}")
    print(f"size:     {_size(info['size_bytes'])}")
    print(f"schema:   version {info['schema_version']}")
    print(table(["table", "rows"], sorted(info["tables"].items())))
    if info["outbox"]:
        print()
        print(
            table(
                ["channel", "kind", "status", "alerts", "oldest"],
                [
                    (
                        r["channel"],
                        r["kind"],
                        r["status"],
                        r["count"],
                        table_time(r["oldest_created"]),
                    )
                    for r in info["outbox"]
                ],
            )
        )
    return EXIT_OK


def _db_vacuum(args: argparse.Namespace, settings: Settings) -> int:
    with _store(settings) as store:
        path = store.database_path()
        before = store.database_size()
        with Progress("vacuum") as progress:
            store.vacuum()
            progress.advance()
        after = store.database_size()
    if args.json:
        print_json({"before_bytes": before, "after_bytes": after})
    else:
        print(f"vacuumed {path}: {_size(before)} -> {_size(after)}")
    return EXIT_OK


def _db_prune(args: argparse.Namespace, settings: Settings) -> int:
    from monitor.config import parse_duration
    from monitor.retention import prune

    dedup = settings.dedup
    try:
        items_age = parse_duration(args.older_than) if args.older_than else dedup.keep_items
        keys_age = parse_duration(args.keys_older_than) if args.keys_older_than else dedup.keep_keys
    except ValueError as exc:
        print(f"treatywatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if keys_age < items_age:
        print(
            f"treatywatch: identity keys must be kept at least as long as items "
            f"({_age(keys_age)} < {_age(items_age)}), or a pruned article could alert again",
            file=sys.stderr,
        )
        return EXIT_USAGE
    ages = settings.model_copy(
        update={"dedup": dedup.model_copy(update={"keep_items": items_age, "keep_keys": keys_age})}
    )
    now = datetime.now(UTC)
    with _store(settings) as store:
        before = store.table_counts()
        if args.dry_run:
            with store.rolled_back():
                result = prune(store, ages, now)
        else:
            result = prune(store, ages, now)
    counts = asdict(result)
    if args.json:
        print_json({"dry_run": args.dry_run, "removed": counts, "rows_before": before})
        return EXIT_OK
    verb = "would remove" if args.dry_run else "removed"
    print(
        f"{verb}: {counts.get('items', 0)} items, {counts.get('hits', 0)} hits, "
        f"{counts.get('stories', 0)} stories, {counts.get('keys', 0)} identity keys, "
        f"{counts.get('cases', 0)} cases (items older than {_age(items_age)}, keys unused for "
        f"{_age(keys_age)}, cases inactive for {_age(settings.stories.case_memory)})"
    )
    if not args.dry_run:
        print("run 'treatywatch db vacuum' with the service stopped to give the space back")
    return EXIT_OK


# healthcheck --------------------------------------------------------------------------------


def _healthcheck(args: argparse.Namespace, settings: Settings) -> int:
    import urllib.error
    import urllib.request

    url = args.url or _health_url(settings)
    if url is None:
        return EXIT_FAILURE
    try:
        # never through a proxy of the environment: the service is on this machine
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with direct.open(url, timeout=args.timeout) as response:
            status, body = response.status, response.read(_HEALTH_BODY_LIMIT)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read(_HEALTH_BODY_LIMIT)
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: cannot reach {url}: {getattr(exc, 'reason', exc)}", file=sys.stderr)
        return EXIT_FAILURE
    healthy, detail = health_verdict(status, body)
    if healthy:
        print("healthy")
        return EXIT_OK
    print(f"unhealthy: {url}: {detail}", file=sys.stderr)
    return EXIT_FAILURE


_HEALTH_BODY_LIMIT = 1 << 20


def _health_url(settings: Settings) -> str | None:
    """``/healthz`` of the configured server; with ``server.port: 0``, of the port the running
    service recorded in the state folder. None (said on stderr) when there is no way to know."""
    import urllib.parse

    from monitor.web.address import address_file, local_url, read_address

    server = settings.server
    if not server.enabled:
        print("treatywatch: the HTTP server is disabled (server.enabled: false)", file=sys.stderr)
        return None
    if server.port != 0:
        return urllib.parse.urljoin(local_url(server.bind, server.port), "healthz")
    recorded = address_file(settings.state_dir)
    base = read_address(recorded)
    if base is None:
        print(
            f"treatywatch: server.port is 0 (a free port chosen at start-up) and no running "
            f"service has recorded its port in {recorded}: give the address with --url "
            f"(e.g. http://127.0.0.1:PORT/healthz)",
            file=sys.stderr,
        )
        return None
    return urllib.parse.urljoin(base, "healthz")


def health_verdict(status: int, body: bytes) -> tuple[bool, str]:
    """Whether an answer is treatywatch's ``/healthz`` saying ok, and if not, why: any other
    page, even with HTTP 200, is not a healthy treatywatch."""
    try:
        report = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        report = None
    checks = report.get("checks") if isinstance(report, dict) else None
    if (
        not isinstance(report, dict)
        or report.get("status") not in ("ok", "fail")
        or not isinstance(checks, dict)
        or not all(isinstance(check, dict) for check in checks.values())
    ):
        return False, f"HTTP {status}, but not treatywatch's health report (is this the service?)"
    failing = [
        f"{name}: {check.get('detail')}" for name, check in checks.items() if not check.get("ok")
    ]
    if status == 200 and report["status"] == "ok" and not failing:
        return True, "ok"
    return False, f"HTTP {status}, status {report['status']}: " + ("; ".join(failing) or "-")


# shared -------------------------------------------------------------------------------------


@contextmanager
def _store(settings: Settings) -> Iterator[Store]:
    from state import DB_FILENAME, Store, StoreError

    path = Path(settings.state_dir) / DB_FILENAME
    if not path.is_file():
        raise StoreError(
            f"no database at {path} (has the service run with this config? state_dir: "
            f"{settings.state_dir})"
        )
    store = Store.open(settings.state_dir)
    try:
        yield store
    finally:
        store.close()


def _filter(args: argparse.Namespace) -> HitFilter:
    from state import HitFilter

    return HitFilter(rule=args.rule, source=args.source, since=args.since, until=args.until)


def _when(text: str) -> datetime:
    try:
        return parse_when(text, datetime.now(UTC))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _size(size: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"


def _age(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:g}d" if days >= 1 else f"{delta.total_seconds() / 3600:g}h"
