"""Commands for people who write rules: ``test-rule`` and ``replay`` (a backtest).

``test-rule`` runs the rules against text given on the command line, a feed URL, or a JSON-lines
file (one object per line with ``title``, ``summary``, optional ``url`` and ``language``) and says
per input whether it matched, which rules, and why; and which rules nearly matched: their query
matched but their ``exclude`` masked it (``RuleSet.near_misses``). ``replay`` re-runs the rules
over stored items and reports what would have alerted; it never sends anything.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from monitor.commands._common import EXIT_FETCH, EXIT_OK, EXIT_USAGE, settings_from
from monitor.commands._output import tracked

if TYPE_CHECKING:
    from monitor.config import Settings
    from rules import Document, Match, NearMiss, RuleSet

__all__ = ["register"]


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    test = commands.add_parser(
        "test-rule",
        parents=[common],
        help="run the rules against text, a feed URL or a JSON-lines file and explain",
        description="Run the configured rules (or --rules FILE) against one input and print, "
        "per item, whether it matched, which rules, and why; and the near misses: rules whose "
        "query matched but whose exclude masked it, with the masked sentence (field, offsets, "
        "text) and the parts of the exclude that matched there. With --jsonl the output is JSON "
        'lines, one per input line, each with "matched", "rules" and "near_misses". Exit 0; 2 '
        "for invalid rules, options or input lines; 3 when the --url feed cannot be fetched or "
        "read.",
    )
    source = test.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="the text to test (used as the title)")
    source.add_argument("--url", metavar="FEED_URL", help="fetch a feed and test its items")
    source.add_argument(
        "--jsonl",
        type=Path,
        metavar="FILE",
        help="one JSON object per line: title, summary, optional url and language ('-': stdin)",
    )
    test.add_argument("--summary", default="", help="with --text: a summary to test as well")
    test.add_argument("--language", help="ISO 639-1 code of the text (default: unknown)")
    _add_rules_option(test)
    test.add_argument("--json", action="store_true", help="JSON output (always on with --jsonl)")
    test.set_defaults(handler=_test_rule)

    replay = commands.add_parser(
        "replay",
        parents=[common],
        help="re-run rules over stored items and report what would have alerted",
        description="A backtest: run the configured rules (or --rules FILE) over the items "
        "stored in the last --since period and report which would match. Sends nothing.",
    )
    replay.add_argument(
        "--since", default="30d", help="how far back to look, e.g. 48h, 30d (default: 30d)"
    )
    _add_rules_option(replay)
    replay.add_argument("--json", action="store_true", help="one JSON object per matching item")
    replay.set_defaults(handler=_replay)


def _add_rules_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rules",
        action="append",
        metavar="FILE",
        help="rule file to use instead of the configured rules (repeatable; builtin:NAME "
        "for a built-in pack)",
    )


def _ruleset(args: argparse.Namespace, settings: Settings) -> RuleSet:
    from monitor.config import rules_cache_dir
    from monitor.rulepacks import load_rules

    if args.rules:  # a missing file is then a usage error naming --rules, not the config
        return load_rules(args.rules, cache_dir=rules_cache_dir(), option="--rules")
    return load_rules(settings.rules, cache_dir=rules_cache_dir())


@dataclass(frozen=True, slots=True)
class _Input:
    label: str
    document: Document | None
    error: str | None = None


def _test_rule(args: argparse.Namespace) -> int:
    import asyncio

    from monitor.errors import SourceError
    from rules import Document

    settings = settings_from(args)
    ruleset = _ruleset(args, settings)
    now = datetime.now(UTC)
    if args.jsonl is not None:
        return _test_jsonl(ruleset, args.jsonl, now, sys.stdout)
    if args.text is not None:
        inputs: list[_Input] = [
            _Input("text", Document(title=args.text, summary=args.summary, language=args.language))
        ]
    else:
        try:
            inputs = asyncio.run(_feed_inputs(settings, args.url, args.language))
        except SourceError as exc:
            print(f"treatywatch: test-rule --url: cannot fetch {args.url}: {exc}", file=sys.stderr)
            return EXIT_FETCH
    for entry in inputs:
        matches = ruleset.match(entry.document, now) if entry.document else []
        near = ruleset.near_misses(entry.document, now) if entry.document else []
        if args.json:
            print(json.dumps(_result(entry, matches, near), ensure_ascii=False))
        else:
            _print_human(entry, matches, near, sys.stdout)
    return EXIT_OK


async def _feed_inputs(settings: Settings, url: str, language: str | None) -> list[_Input]:
    from monitor.sources import Fetcher, parse_feed
    from rules import Document

    fetcher = Fetcher(settings.http)
    try:
        result = await fetcher.fetch(url)
        parsed = parse_feed(result.body, url=result.url, content_type=result.content_type)
    finally:
        await fetcher.aclose()
    return [
        _Input(
            item.link or item.title,
            Document(
                title=item.title,
                summary=item.summary,
                content=item.content,
                language=item.language or language,
                published=item.published,
                url=item.link or "",
            ),
        )
        for item in parsed.items
    ]


def _test_jsonl(ruleset: RuleSet, path: Path, now: datetime, out: TextIO) -> int:
    bad = 0
    for number, entry in enumerate(_read_jsonl(path), start=1):
        matches = ruleset.match(entry.document, now) if entry.document else []
        near = ruleset.near_misses(entry.document, now) if entry.document else []
        result = _result(entry, matches, near)
        result["line"] = number
        if entry.error:
            bad += 1
            print(f"treatywatch: {path}:{number}: {entry.error}", file=sys.stderr)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return EXIT_USAGE if bad else EXIT_OK


_SURROGATE = re.compile("[\ud800-\udfff]")


def _read_jsonl(path: Path) -> Iterator[_Input]:
    # Bytes, decoded line by line: a bad byte costs its line only.
    from monitor.errors import UsageError

    try:
        stream = sys.stdin.buffer if str(path) == "-" else path.open("rb")
    except OSError as exc:
        raise UsageError(f"--jsonl {path}: cannot read: {exc.strerror}") from exc
    with stream:
        for raw in stream:
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield _Input(
                    "", None, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at {exc.start + 1})"
                )
                continue
            if not line.strip():
                yield _Input("", None, "empty line")
                continue
            yield _parse_line(line)


def _parse_line(line: str) -> _Input:
    from rules import Document

    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return _Input("", None, f"not JSON ({exc.msg} at column {exc.colno})")
    except RecursionError:
        return _Input("", None, "not JSON we read: nested too deeply")
    except ValueError:  # Python's guard against integers of more than 4,300 digits
        return _Input("", None, "not JSON we read: a number of more than 4,300 digits")
    if not isinstance(data, dict):
        return _Input("", None, "not a JSON object")
    fields: dict[str, str | None] = {}
    for key in ("title", "summary", "url", "language", "content"):
        value = data.get(key)
        if value is not None and not isinstance(value, str):
            return _Input("", None, f"{key}: must be a string")
        if value is not None and _SURROGATE.search(value):
            return _Input("", None, f"{key}: contains a lone surrogate (not valid Unicode)")
        fields[key] = value
    if not (fields["title"] or fields["summary"] or fields["content"]):
        return _Input("", None, "title: required (or summary)")
    document = Document(
        title=fields["title"] or "",
        summary=fields["summary"] or "",
        content=fields["content"] or "",
        language=fields["language"],
        url=fields["url"] or "",
    )
    return _Input(fields["url"] or fields["title"] or "", document)


def _result(entry: _Input, matches: Sequence[Match], near: Sequence[NearMiss]) -> dict[str, Any]:
    result: dict[str, Any] = {
        "input": entry.label,
        "matched": bool(matches),
        "rules": [match.rule_id for match in matches],
        "explanations": [match.to_dict() for match in matches],
        "near_misses": [miss.to_dict() for miss in near],
    }
    if entry.error:
        result["error"] = entry.error
    return result


def _print_human(
    entry: _Input, matches: Sequence[Match], near: Sequence[NearMiss], out: TextIO
) -> None:
    title = entry.document.title if entry.document else entry.label
    out.write(f"{'MATCH' if matches else 'no match':<10} {title}\n")
    accounts = [match.explain() for match in matches] + [miss.explain() for miss in near]
    for account in accounts:
        for line in account.splitlines():
            out.write(f"    {line}\n")
    if matches or near:
        out.write("\n")


def _replay(args: argparse.Namespace) -> int:
    from monitor.config import parse_duration
    from monitor.errors import UsageError
    from monitor.timefmt import table_time
    from rules import Document
    from state import Store, parse_iso_or_none

    settings = settings_from(args)
    try:
        since = parse_duration(args.since)
    except ValueError as exc:
        raise UsageError(f"--since: {exc}") from None
    ruleset = _ruleset(args, settings)
    now = datetime.now(UTC)
    store = Store.open(settings.state_dir)
    try:
        rows = store.items_since(now - since)
    finally:
        store.close()
    matched = 0
    for row in tracked(rows, "replay"):
        document = Document(
            title=row["title"],
            summary=row["summary"],
            language=row["language"],
            source=row["source"],
            published=parse_iso_or_none(row["published"]),
            url=row["link"] or "",
        )
        matches = ruleset.match(document, now)
        if not matches:
            continue
        matched += 1
        if args.json:
            print(
                json.dumps(
                    {
                        "source": row["source"],
                        "title": row["title"],
                        "url": row["link"],
                        "published": row["published"],
                        "first_seen": row["first_seen"],
                        "rules": [m.rule_id for m in matches],
                        "explanations": [m.to_dict() for m in matches],
                    },
                    ensure_ascii=False,
                )
            )
        else:
            rules = ", ".join(m.rule_id for m in matches)
            first_seen = table_time(row["first_seen"])
            print(f"{first_seen}  {row['source']:<20} {rules}\n    {row['title']}")
    print(
        f"treatywatch: replayed {len(rows)} items stored in the last {args.since}: "
        f"{matched} would match (nothing was sent)",
        file=sys.stderr,
    )
    return EXIT_OK
