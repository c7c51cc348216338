"""The ``treatywatch`` command line: a thin layer over ``make_app``.

Exit codes (a contract): 0 success; 1 a runtime failure (e.g. the database cannot be opened);
2 invalid usage, config or rules; 3 ``test-rule --url`` could not fetch or read the feed; 141
(128 + SIGPIPE, as for any Unix tool) the output was closed early (``treatywatch hits | head -1``),
which ends the command quietly. Commands live in ``monitor.commands``, a module per group.

Building the parser loads no command's dependencies (``--help`` and ``--version`` stay instant,
and ``poll`` never loads the web server): each command module imports what its handler needs
inside the handler. tests/monitor/test_lazy_imports.py holds us to it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor import __version__
from monitor.commands import MODULES
from monitor.commands._common import EXIT_FAILURE, EXIT_USAGE
from monitor.logs import configure_logging

__all__ = ["build_parser", "main"]


_COMMON_DEFAULTS = {"config": None, "log_level": "info", "log_format": "text"}


def build_parser() -> argparse.ArgumentParser:
    # The common options are accepted at every level of a command (`--log-level debug check`,
    # `alerts --config X retry` and `alerts retry --config X`). Their defaults are SUPPRESSed,
    # so a sub-parser never overwrites a value given earlier; main() fills the defaults in.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
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
        choices=["debug", "info", "warning", "error"],
        help="log verbosity (default: info)",
    )
    common.add_argument(
        "--log-format",
        choices=["text", "json"],
        help="log line format on standard error (default: text)",
    )
    parser = argparse.ArgumentParser(
        prog="treatywatch",
        parents=[common],
        description="Watch news feeds and ministry pages for treaty-withdrawal news and alert.",
    )
    parser.add_argument("--version", action="version", version=f"treatywatch {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in MODULES:
        module.register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here rather than at exit
    except BrokenPipeError:
        if not _closed(sys.stdout):
            raise  # not our output: a real failure, with its traceback
        return _output_closed()
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    for name, default in _COMMON_DEFAULTS.items():
        if not hasattr(args, name):
            # a command may set its own default (`default_log_level`: the demo is quieter)
            setattr(args, name, getattr(args, f"default_{name}", default))
    configure_logging(args.log_level, args.log_format)
    # the error tree loads the rules and state packages: only once a command runs
    from monitor.errors import ConfigError, RuleError, TreatywatchError, UsageError

    try:
        return int(args.handler(args))
    except (ConfigError, RuleError, UsageError) as exc:
        print(f"treatywatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TreatywatchError as exc:
        print(f"treatywatch: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def _closed(stream: object) -> bool:
    """Whether the reader of ``stream`` (a pipe or socket) has gone away."""
    try:
        fd = stream.fileno()  # type: ignore[attr-defined]
        poller = select.poll()
        poller.register(fd, select.POLLOUT)
        events = poller.poll(0)
    except (AttributeError, OSError, ValueError):
        return False
    return any(mask & (select.POLLERR | select.POLLHUP) for _, mask in events)


def _output_closed() -> int:
    """End quietly: what is still buffered for the closed pipe goes to /dev/null (or Python
    would report the same error again at exit), and so does standard error when it was the same
    pipe (``2>&1 | head``)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        if stream is sys.stdout or _closed(stream):
            with contextlib.suppress(AttributeError, OSError, ValueError):
                os.dup2(devnull, stream.fileno())
    os.close(devnull)
    return 128 + signal.SIGPIPE
