"""The ``treatywatch`` command line: a thin layer over ``make_app``.

Exit codes (a contract): 0 success; 1 a runtime failure (e.g. the database cannot be opened);
2 invalid usage, config or rules. Commands live in ``monitor.commands``, a module per group.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from monitor import __version__
from monitor.commands import MODULES
from monitor.commands._common import EXIT_FAILURE, EXIT_USAGE
from monitor.errors import ConfigError, RuleError, TreatywatchError
from monitor.logs import configure_logging

__all__ = ["build_parser", "main"]


_COMMON_DEFAULTS = {"config": None, "log_level": "info", "log_format": "text"}


def build_parser() -> argparse.ArgumentParser:
    # The common options are accepted at every level of a command (`alerts --config X retry`
    # and `alerts retry --config X`). Their defaults are SUPPRESSed in the sub-parsers, so a
    # nested sub-parser never overwrites a value given earlier; main() fills the defaults in.
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
        description="Watch news feeds and ministry pages for treaty-withdrawal news and alert.",
    )
    parser.add_argument("--version", action="version", version=f"treatywatch {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in MODULES:
        module.register(commands, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    for name, default in _COMMON_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    configure_logging(args.log_level, args.log_format)
    try:
        return int(args.handler(args))
    except (ConfigError, RuleError) as exc:
        print(f"treatywatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except TreatywatchError as exc:
        print(f"treatywatch: {exc}", file=sys.stderr)
        return EXIT_FAILURE
