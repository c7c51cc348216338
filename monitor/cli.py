"""The ``treatywatch`` command line: a thin layer over ``make_app``.

Exit codes (a contract): 0 success; 1 a runtime failure (e.g. the database cannot be opened);
2 invalid usage, config or rules.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor import __version__
from monitor.app import App, make_app
from monitor.config import Settings, default_config_path, load_settings
from monitor.errors import ConfigError, RuleError, TreatywatchError
from monitor.logs import configure_logging
from monitor.scheduler import run_service

__all__ = ["build_parser", "main"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        "-c",
        type=Path,
        metavar="FILE",
        help="config file (default: $TREATYWATCH_CONFIG, else ./treatywatch.yaml if present, "
        "else the built-in defaults)",
    )
    common.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log verbosity",
    )
    common.add_argument(
        "--log-format",
        default="text",
        choices=["text", "json"],
        help="log line format on standard error",
    )

    parser = argparse.ArgumentParser(
        prog="treatywatch",
        description="Watch news feeds and ministry pages for treaty-withdrawal news and alert.",
    )
    parser.add_argument("--version", action="version", version=f"treatywatch {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser(
        "run",
        parents=[common],
        help="run the service: poll on schedule and deliver alerts",
        description="Run until SIGTERM/SIGINT: poll every source on its interval, match, "
        "store and deliver alerts.",
    )
    commands.add_parser(
        "poll",
        parents=[common],
        help="poll every enabled source once, deliver, and exit",
        description="One complete cycle over every enabled source (fetch, parse, match, store, "
        "deliver due alerts), then exit 0, even when some sources failed (reported on stderr).",
    )
    commands.add_parser(
        "check",
        parents=[common],
        help="validate the config and rules; print what would run",
        description="Validate the config and the rules, print the sources, channels and rules "
        "that would run, and exit 0 (valid) or 2 (invalid).",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(args.log_level, args.log_format)
    try:
        settings = _settings(args)
        if args.command == "check":
            return _check(settings)
        app = make_app(settings)
    except (ConfigError, RuleError) as exc:
        print(f"treatywatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TreatywatchError as exc:
        print(f"treatywatch: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    if args.command == "poll":
        return asyncio.run(_poll(app))
    return asyncio.run(_run(app))


def _settings(args: argparse.Namespace) -> Settings:
    path = args.config if args.config is not None else default_config_path()
    return load_settings(path)


def _check(settings: Settings) -> int:
    from monitor.catalog import default_sources
    from monitor.rulepacks import load_rules

    ruleset = load_rules(settings.rules)
    sources = settings.sources if settings.sources is not None else default_sources()
    channels = settings.channels or ()
    print("config: valid")
    print(f"state:  {settings.state_dir}")
    print(f"sources ({len(sources)}{'' if settings.sources is not None else ', default catalog'}):")
    for source in sources:
        flags = "" if source.enabled else "  [disabled]"
        every = settings.source_interval(source)
        print(
            f"  {source.name:<24} every {_duration(every.total_seconds()):<6} {source.url}{flags}"
        )
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


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


async def _poll(app: App) -> int:
    try:
        outcomes = await app.poll_all()
        report = await app.deliver_due()
    finally:
        await app.aclose()
    failed = [o for o in outcomes if not o.ok]
    for outcome in failed:
        print(f"treatywatch: source {outcome.source} failed: {outcome.error}", file=sys.stderr)
    print(
        f"treatywatch: polled {len(outcomes)} sources ({len(failed)} failed), "
        f"{sum(o.new_items for o in outcomes)} new items, {sum(o.hits for o in outcomes)} hits, "
        f"{report.sent} alerts sent, {report.failed} delivery failures",
        file=sys.stderr,
    )
    return EXIT_OK


async def _run(app: App) -> int:
    try:
        await run_service(app)
    finally:
        await app.aclose()
    return EXIT_OK
