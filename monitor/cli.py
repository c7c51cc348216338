"""The ``treatywatch`` command line: a thin layer over ``make_app``.

Exit codes (a contract): 0 success; 1 a runtime failure (e.g. the database cannot be opened);
2 invalid usage, config or rules; 3 ``test-rule --url`` could not fetch or read the feed; 141
(128 + SIGPIPE, as for any Unix tool) the output was closed early (``treatywatch hits | head -1``),
which ends the command quietly. Commands live in ``monitor.commands``, a module per group.

Building the parser loads no command's dependencies (``--help`` and ``--version`` stay instant,
and ``poll`` never loads the web server): each command module imports what its handler needs
inside the handler, and only the module of the command being run is imported
(``monitor.commands.modules_for``). tests/monitor/test_lazy_imports.py holds us to it.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import select
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor import __version__
from monitor.commands import modules_for
from monitor.commands._common import EXIT_FAILURE, EXIT_USAGE
from monitor.logs import configure_logging

__all__ = ["build_parser", "main"]


_COMMON_DEFAULTS = {"config": None, "log_level": "info", "log_format": "text"}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or, given the arguments to parse, of the one they name
    (with the same options, help and errors for those arguments)."""
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
    for module in modules_for(argv):
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
    argv = sys.argv[1:] if argv is None else argv
    # No garbage collection while the command is read and the error tree imported: they build
    # long-lived objects (modules; the parser's cycles are about 125 objects), in which ~35
    # young collections found next to nothing. Then these are frozen (`gc.freeze`): no
    # collection walks them again, nor the collector's first pass after the pause (~25,000
    # objects, ~5 ms). The handler collects as ever (`poll` and `run` pause it again while
    # they build the app).
    collecting = gc.isenabled()
    gc.disable()
    try:
        args = build_parser(argv).parse_args(argv)
        for name, default in _COMMON_DEFAULTS.items():
            if not hasattr(args, name):
                # a command may set its own default (`default_log_level`: the demo is quieter)
                setattr(args, name, getattr(args, f"default_{name}", default))
        configure_logging(args.log_level, args.log_format)
        # the error tree loads the rules and state packages: only once a command runs
        from monitor.errors import ConfigError, RuleError, TreatywatchError, UsageError

        gc.freeze()
    finally:
        if collecting:
            gc.enable()
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
