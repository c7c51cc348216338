"""Command-line commands, one module per group. Each module exposes ``register(commands,
common)``, adding its sub-parsers and setting ``handler`` (a function of the parsed args that
returns the exit code).

The command line imports only the module of the command it runs (``modules_for``): a ``poll``
builds no other command's parser. ``--help``, an unknown command or an option it cannot read
past imports them all, so the help lists every command as before.
tests/monitor/test_cli.py keeps ``COMMANDS`` equal to what the modules register.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from types import ModuleType

__all__ = ["COMMANDS", "MODULE_NAMES", "modules_for"]

MODULE_NAMES = ("core", "demo", "rules", "backtest", "ops", "alerts", "sources")
"""Every command module, in the order their commands are listed by ``--help``."""

COMMANDS = {
    "run": "core",
    "poll": "core",
    "check": "core",
    "demo": "demo",
    "test-rule": "rules",
    "replay": "rules",
    "backtest": "backtest",
    "hits": "ops",
    "stories": "ops",
    "export": "ops",
    "db": "ops",
    "healthcheck": "ops",
    "alerts": "alerts",
    "sources": "sources",
}
"""Each top-level command and the module (of ``MODULE_NAMES``) that registers it."""

# The common options that take a value as the next argument (``--config FILE``).
_VALUED = frozenset({"--config", "-c", "--log-level", "--log-format"})


def modules_for(argv: Sequence[str] | None) -> list[ModuleType]:
    """The command modules needed to parse ``argv``: the one registering its command, or all
    of them when ``argv`` is None, names no known command, or holds an option before the
    command other than the common ones written out in full (``--help``, ``--version``, an
    abbreviation such as ``--conf``)."""
    names: tuple[str, ...] = MODULE_NAMES
    if argv is not None:
        command = _command(argv)
        if command in COMMANDS:
            names = (COMMANDS[command],)
    return [importlib.import_module(f"monitor.commands.{name}") for name in names]


def _command(argv: Sequence[str]) -> str | None:
    """The command named by ``argv``, read past the common options; None when in doubt."""
    arguments = iter(argv)
    for argument in arguments:
        if argument in _VALUED:
            next(arguments, None)
        elif argument.startswith(("--config=", "--log-level=", "--log-format=")):
            continue
        elif argument.startswith("-c") and not argument.startswith("--"):
            continue  # -cFILE
        elif argument.startswith("-"):
            return None
        else:
            return argument
    return None
