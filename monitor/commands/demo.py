"""``treatywatch demo``: the service at work on bundled sample feeds, offline."""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from monitor.commands._common import EXIT_OK, EXIT_USAGE
from monitor.commands.core import announcer

__all__ = ["register"]

EXIT_INTERRUPTED = 130


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    demo = commands.add_parser(
        "demo",
        parents=[common],
        help="see treatywatch at work on bundled sample feeds (no network, no config needed)",
        description="Serve bundled sample feeds on 127.0.0.1 (a sample withdrawal story in "
        "English, French, German and Polish, near misses, and a source that fails) and run the "
        "real service against them with a fast interval: alerts are printed, the story gathers "
        "reports on the dashboard, near misses stay quiet. Stops on Ctrl-C, SIGTERM or after "
        "--for, then sums up what happened. --config is ignored: the demo brings its own.",
    )
    demo.add_argument(
        "--for",
        dest="duration",
        metavar="DURATION",
        help="stop after this long, e.g. 30s or 2m (default: run until Ctrl-C)",
    )
    demo.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help="keep the demo's database here (default: a temporary folder, removed at the end)",
    )
    demo.add_argument(
        "--port",
        type=int,
        default=0,
        metavar="PORT",
        help="the dashboard's port on 127.0.0.1 (default: a free one, printed at the start)",
    )
    # quieter than the service: the alerts and the summary lines are the show; warnings stay
    demo.set_defaults(handler=_demo, default_log_level="warning")


def _say(line: str) -> None:
    print(f"treatywatch demo: {line}", file=sys.stderr, flush=True)


def _demo(args: argparse.Namespace) -> int:
    import asyncio

    from monitor.config import parse_duration
    from monitor.demo import recap_lines, run_demo

    try:
        duration = parse_duration(args.duration) if args.duration else None
    except ValueError as exc:
        print(f"treatywatch: --for: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if not 0 <= args.port <= 65535:
        print("treatywatch: --port: not a port number (0 to 65535)", file=sys.stderr)
        return EXIT_USAGE
    temporary = args.state_dir is None
    state_dir = Path(tempfile.mkdtemp(prefix="treatywatch-demo-")) if temporary else args.state_dir
    started = time.monotonic()
    try:
        summary = asyncio.run(
            run_demo(
                state_dir=state_dir,
                port=args.port,
                duration=duration,
                say=_say,
                announce=announcer(args),
            )
        )
    except KeyboardInterrupt:  # before the service took over the signals (rules loading)
        _say("interrupted")
        return EXIT_INTERRUPTED
    finally:
        if temporary:
            shutil.rmtree(state_dir, ignore_errors=True)
    ran = timedelta(seconds=time.monotonic() - started)
    for line in recap_lines(summary, ran=ran):
        _say(line)
    if not temporary:
        _say(f"the demo's database stays in {state_dir}")
    return EXIT_OK
