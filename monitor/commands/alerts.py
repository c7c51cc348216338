"""The ``treatywatch alerts`` commands: list the outbox, re-queue alerts, test a channel.

``alerts`` lists outbox rows by status and channel (``--json`` for scripts); ``alerts retry
ID...`` or ``alerts retry --dead`` makes rows pending again with the same id (the running
service sends them on its next delivery pass); ``alerts test CHANNEL`` sends one test message
straight to a configured channel and reports the receiver's real answer: a 4xx/5xx, a refused
SMTP transaction or a timeout is a failure (exit 1). No command prints a secret.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.commands._common import EXIT_FAILURE, EXIT_OK, EXIT_USAGE, settings_from
from monitor.commands._output import print_json, table

if TYPE_CHECKING:
    from monitor.config import Settings
    from state import AlertRow, Store

__all__ = ["register"]

STATUSES = ("pending", "sent", "dead")


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    alerts = commands.add_parser(
        "alerts",
        parents=[common],
        help="list alerts in the outbox; retry or test delivery",
        description="List outbox alerts, newest first (default: all statuses, 50 rows). "
        "Subcommands: 'retry' re-queues alerts, 'test' sends a test message to a channel.",
    )
    _list_options(alerts)
    alerts.set_defaults(handler=_list)
    actions = alerts.add_subparsers(dest="alerts_command", metavar="ACTION")
    retry = actions.add_parser(
        "retry",
        parents=[common],
        help="re-queue alerts by id, or every dead alert",
        description="Make alerts pending again, due now, with a fresh attempt budget and the "
        "same id (receivers can still drop repeats). The running service sends them on its "
        "next delivery pass; 'treatywatch poll' sends them at once.",
    )
    retry.add_argument("ids", nargs="*", metavar="ID", help="alert ids to re-queue")
    retry.add_argument("--dead", action="store_true", help="re-queue every dead alert")
    retry.add_argument("--channel", metavar="NAME", help="with --dead: only this channel")
    retry.add_argument(
        "--force", action="store_true", help="also re-send alerts already marked sent"
    )
    retry.set_defaults(handler=_retry)
    test = actions.add_parser(
        "test",
        parents=[common],
        help="send a test message to a channel and report the outcome",
        description="Send one test message to the named channel (even a disabled one) and "
        "print the receiver's answer. Exit 0 when it was accepted, 1 when it failed (an HTTP "
        "4xx/5xx, an SMTP refusal, a timeout), 2 for an unknown channel.",
    )
    test.add_argument("channel", metavar="CHANNEL", help="the channel's name in the config")
    test.set_defaults(handler=_test)


def _list_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", choices=STATUSES, help="only alerts with this status")
    parser.add_argument("--channel", metavar="NAME", help="only alerts of this channel")
    parser.add_argument(
        "--kind", metavar="KIND", help="only this kind (alert, follow_up, ops, digest)"
    )
    parser.add_argument("--limit", type=int, default=50, metavar="N", help="rows (default 50)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _open(settings: Settings) -> Store | None:
    from state import DB_FILENAME, Store

    path = Path(settings.state_dir) / DB_FILENAME
    if not path.exists():
        print(f"treatywatch: no database at {path} (nothing was stored yet)", file=sys.stderr)
        return None
    return Store.open(settings.state_dir)


def _list(args: argparse.Namespace) -> int:
    store = _open(settings_from(args))
    if store is None:
        return EXIT_FAILURE
    try:
        rows = store.alerts(
            status=args.status, channel=args.channel, kind=args.kind, limit=max(args.limit, 1)
        )
        counts = store.outbox_counts()
    finally:
        store.close()
    if args.json:
        print_json([_row_json(row) for row in rows])
        return EXIT_OK
    if not rows:
        print("no alerts" + (" matching the filters" if args.status or args.channel else ""))
    else:
        print(
            table(
                (
                    "ID",
                    "CHANNEL",
                    "KIND",
                    "STATUS",
                    "TRIES",
                    "CREATED",
                    "NEXT/SENT",
                    "TITLE / REASON",
                ),
                [_row_cells(row) for row in rows],
            )
        )
    totals: dict[str, int] = {}
    for (channel, status), n in counts.items():
        if args.channel is None or channel == args.channel:
            totals[status] = totals.get(status, 0) + n
    print("total: " + ", ".join(f"{totals.get(s, 0)} {s}" for s in STATUSES))
    return EXIT_OK


def _title(row: AlertRow) -> str:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        return ""
    if not isinstance(payload, dict):
        return ""
    if payload.get("type") == "digest":
        return f"digest of {payload.get('count', '?')} stories"
    return str(payload.get("title") or "")


def _row_cells(row: AlertRow) -> list[Any]:
    from monitor.timefmt import table_time

    when = row.sent_at if row.status == "sent" else row.next_attempt
    if row.status == "dead":
        detail = f"DEAD: {row.dead_reason or row.last_error}"
    elif row.sending_since:
        detail = f"in flight since {table_time(row.sending_since)}: {_title(row)}"
    elif row.status == "pending" and row.last_error:
        detail = f"retrying ({row.last_error}): {_title(row)}"
    else:
        detail = _title(row) + (f" ({row.last_error})" if row.last_error else "")
    created, when = table_time(row.created), table_time(when)
    return [row.id, row.channel, row.kind, row.status, row.attempts, created, when, detail]


def _row_json(row: AlertRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "channel": row.channel,
        "kind": row.kind,
        "status": row.status,
        "attempts": row.attempts,
        "created": row.created,
        "first_attempt": row.first_attempt,
        "last_attempt": row.last_attempt,
        "next_attempt": row.next_attempt if row.status == "pending" else None,
        "sent_at": row.sent_at,
        "in_flight_since": row.sending_since,
        "last_error": row.last_error,
        "dead_reason": row.dead_reason,
        "digest_id": row.digest_id,
        "title": _title(row),
    }


def _retry(args: argparse.Namespace) -> int:
    if bool(args.ids) == bool(args.dead):
        print("treatywatch: alerts retry: give alert ids or --dead (not both)", file=sys.stderr)
        return EXIT_USAGE
    if args.channel and not args.dead:
        print("treatywatch: alerts retry: --channel only goes with --dead", file=sys.stderr)
        return EXIT_USAGE
    store = _open(settings_from(args))
    if store is None:
        return EXIT_FAILURE
    now = datetime.now(UTC)
    try:
        if args.dead:
            count = store.requeue_dead(now, channel=args.channel)
            print(f"re-queued {count} dead alert{'s' if count != 1 else ''}")
            return EXIT_OK
        failed = 0
        for alert_id in args.ids:
            row = store.alert(alert_id)
            if row is None:
                print(f"treatywatch: no alert {alert_id}", file=sys.stderr)
                failed += 1
            elif row.status == "sent" and not args.force:
                print(
                    f"treatywatch: {alert_id} was already sent at {row.sent_at} "
                    "(use --force to send it again)",
                    file=sys.stderr,
                )
                failed += 1
            elif store.requeue(alert_id, now, force=args.force):
                print(f"re-queued {alert_id} ({row.channel})")
            else:
                failed += 1
    finally:
        store.close()
    return EXIT_FAILURE if failed else EXIT_OK


def _test(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    config = next((c for c in settings.channels if c.name == args.channel), None)
    if config is None:
        names = ", ".join(c.name for c in settings.channels) or "none configured"
        print(
            f"treatywatch: no channel {args.channel!r} in the config (channels: {names})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    import asyncio

    return asyncio.run(_send_test(config, settings.http))


async def _send_test(config: Any, http: Any) -> int:
    import secrets

    from monitor.channels import build_channel
    from monitor.digest import test_payload
    from monitor.errors import DeliveryError

    channel = build_channel(config, http=http)
    now = datetime.now(UTC)
    alert_id = f"test_{now:%Y%m%dT%H%M%S}_{secrets.token_hex(4)}"
    payload = test_payload(alert_id=alert_id, channel=config.name, now=now)
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    started = time.monotonic()
    try:
        result = await channel.send(alert_id, body, payload)
    except DeliveryError as exc:
        took = int((time.monotonic() - started) * 1000)
        kind = "rejected" if type(exc).__name__.startswith("Rejected") else "failed"
        print(f"{config.name} ({config.type}): {kind} after {took} ms: {exc}")
        return EXIT_FAILURE
    finally:
        await channel.aclose()
    took = int((time.monotonic() - started) * 1000)
    detail = result.detail if result else "accepted"
    note = f" ({result.note})" if result and result.note else ""
    print(f"{config.name} ({config.type}): ok, {detail} in {took} ms{note}; test id {alert_id}")
    return EXIT_OK
