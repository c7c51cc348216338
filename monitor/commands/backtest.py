"""``treatywatch backtest``: replay a dated archive through the whole pipeline.

Reads a JSON-lines archive (``title``, ``summary``, ``url``, ``source``, ``published``, optional
``language``, optional labels ``event`` and ``step``), replays it in publication order on a
simulated clock in a throwaway database (``monitor.backtest``) and prints the alerts it would
have sent. With labels it also prints, per channel, event recall, alerts per event, the false
alerts with their reports, and the events that were split, merged or missed. Sends nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from monitor.commands._common import EXIT_OK, settings_from

if TYPE_CHECKING:
    from monitor.backtest import BacktestResult, Score

__all__ = ["register"]


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    backtest = commands.add_parser(
        "backtest",
        parents=[common],
        help="replay a dated archive through rules, stories and alerts; score it if labelled",
        description="Replay a JSON-lines archive (title, summary, url, source, published, "
        "optional language, optional labels event and step) in publication order through the "
        "whole pipeline on a simulated clock and a throwaway database, and print the alerts "
        "it would have sent. With labels, also print event recall, alerts per event, false "
        "alerts and the events split, merged or missed. Sends nothing.",
    )
    backtest.add_argument(
        "--jsonl", type=Path, required=True, metavar="ARCHIVE", help="the archive ('-': stdin)"
    )
    backtest.add_argument(
        "--rules",
        action="append",
        metavar="FILE",
        help="rule file to use instead of the configured rules (repeatable; builtin:NAME "
        "for a built-in pack)",
    )
    backtest.add_argument("--json", action="store_true", help="one JSON document")
    backtest.set_defaults(handler=_backtest)


def _backtest(args: argparse.Namespace) -> int:
    from monitor.backtest import labelled, load_archive, run_backtest, score
    from monitor.config import rules_cache_dir
    from monitor.core.steps import STEP_ORDER
    from monitor.errors import ConfigError
    from monitor.rulepacks import load_rules

    settings = settings_from(args)
    path: Path = args.jsonl
    if str(path) == "-":
        reports = load_archive(Path("<stdin>"), sys.stdin.buffer.read())
    else:
        try:
            body = path.read_bytes()  # decoded line by line: a bad byte is named at its line
        except OSError as exc:
            raise ConfigError([f"--jsonl {path}: cannot read it ({exc})"]) from exc
        reports = load_archive(path, body)
    entries = args.rules if args.rules else settings.rules
    ruleset = load_rules(entries, cache_dir=rules_cache_dir())
    result = run_backtest(reports, ruleset=ruleset, settings=settings)
    # every configured channel (each scored on the steps it takes), else the backtest's own
    # console channel, which takes every step
    channels: dict[str, str | tuple[str, ...]] = {
        c.name: c.steps for c in settings.channels if c.enabled
    } or {"console": STEP_ORDER}
    scores = (
        [score(result, name, steps) for name, steps in channels.items()]
        if labelled(reports)
        else []
    )
    if args.json:
        _print_json(result, scores, sys.stdout)
    else:
        _print_text(result, scores, sys.stdout)
    return EXIT_OK


def _print_json(result: BacktestResult, scores: list[Score], out: TextIO) -> None:
    document = {
        "reports": len(result.reports),
        "alerts": [
            {
                "at": a.at.isoformat().replace("+00:00", "Z"),
                "channel": a.channel,
                "kind": a.kind,
                "case": a.case,
                "story": a.story,
                "step": a.step,
                "treaties": list(a.treaties),
                "states": list(a.states),
                "title": a.title,
                "report": a.report,
            }
            for a in result.alerts
        ],
        "scores": [s.to_dict() for s in scores],
    }
    out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")


def _print_text(result: BacktestResult, scores: list[Score], out: TextIO) -> None:
    out.write(f"{len(result.reports)} reports replayed, {len(result.alerts)} alerts\n")
    for a in result.alerts:
        when = a.at.strftime("%Y-%m-%d %H:%M:%S")
        what = ",".join(a.treaties) or "-"
        who = ",".join(a.states) or "-"
        out.write(
            f"{when}  {a.channel:<10} {a.kind:<9} {a.case or '-':<34} {a.step or '-':<19} "
            f"{what:<14} {who:<24} {a.title}\n"
        )
    for s in scores:
        out.write(
            f"\nchannel {s.channel}: event recall {s.recall:.3f} ({s.found}/{s.events}), "
            f"{s.alerts_per_event:.2f} alerts per event, false alerts {s.false_alerts} of "
            f"{s.near_misses} near-misses ({s.false_alert_rate:.1%})\n"
        )
        for name, events in (("split", s.split), ("merged", s.merged), ("missed", s.missed)):
            if events:
                out.write(f"  {name}: {', '.join(events)}\n")
        if s.false_alert_reports:
            out.write(f"  false alerts from: {', '.join(s.false_alert_reports)}\n")
