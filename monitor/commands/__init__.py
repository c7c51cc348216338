"""Command-line commands, one module per group. Each module exposes ``register(commands,
common)``, adding its sub-parsers and setting ``handler`` (a function of the parsed args that
returns the exit code)."""

from monitor.commands import alerts, backtest, core, demo, ops, rules, sources

__all__ = ["MODULES"]

MODULES = [core, demo, rules, backtest, ops, alerts, sources]
