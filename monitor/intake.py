"""What happens to a fetched body before the store sees it (pure: no clock, no I/O).

``intake`` parses the body, sets aside the entries the source gave before and does the work each
new entry needs on its own: rule matching, canonical link, identity keys, outlet
(``monitor.pipeline.analyse_items``). The poller runs it in a worker of its ``ParsePool``, which
holds the rule set from the worker's start (``ParsePool(context=ruleset)``), so a job carries
only the body and a small :class:`IntakeJob`, and only the new entries come back, without their
``content`` (which only matching reads).

The workers need not receive the rule set pickled (~12 MB): ``rules_again`` makes it again from
the arguments the parent gave ``monitor.rulepacks.load_rules``, out of its on-disk cache, once in
the pool's forkserver (``ParsePool(load=...)``).

``IntakeJob.recent`` is a hint, the keys of the source's latest stored items: entries seen
before are then neither matched nor sent back. It need not be complete; the poller checks the
keys that come back against the store before planning, so the outcome never depends on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from monitor.config import SourceConfig
from monitor.pipeline import Analysed, analyse_items, canonical_memo, unique_items
from monitor.sources.dates import plausible
from monitor.sources.parse import parse_document
from rules import Rule, RuleSet

__all__ = ["Intake", "IntakeJob", "intake", "rules_again"]


@dataclass(frozen=True, slots=True)
class IntakeJob:
    """Everything ``intake`` needs besides the body and the rule set."""

    source: SourceConfig
    url: str
    content_type: str | None
    now: datetime
    recent: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Intake:
    """What one body gave: the count of its entries and the new ones, analysed, in document
    order (the first of several entries with one key); the rest as in ``ParsedFeed``."""

    entries: int
    new: tuple[Analysed, ...]
    title: str = ""
    warning: str | None = None
    ttl: int | None = None
    format: str = ""


def intake(ruleset: RuleSet, body: bytes, job: IntakeJob) -> Intake:
    """Parse ``body`` as ``job.source`` and analyse its entries not in ``job.recent``; raises
    ``ParseError`` when the body is not a document of the source's type."""
    source = job.source
    parsed = parse_document(
        source.type,
        body,
        url=job.url,
        content_type=job.content_type,
        language=source.language,
        selectors=source.selectors,
    )
    items = [
        replace(item, published=None)
        if item.published and not plausible(item.published, job.now)
        else item
        for item in parsed.items
    ]  # a date far in the future (year 9999) counts as missing
    canonical = canonical_memo()
    keyed = unique_items(items, canonical=canonical)
    new = [(key, item) for key, item in keyed.items() if key not in job.recent]
    analysed = analyse_items(new, source=source, ruleset=ruleset, now=job.now, canonical=canonical)
    return Intake(
        entries=len(parsed.items),
        new=tuple(analysed),
        title=parsed.title,
        warning=parsed.warning,
        ttl=parsed.ttl,
        format=parsed.format,
    )


def rules_again(
    entries: Sequence[str] | None, cache_dir: Path, expected: Sequence[Rule]
) -> RuleSet:
    """``load_rules(entries, cache_dir=cache_dir)`` in another process (a parse worker's
    forkserver): the compiled set comes from the on-disk cache the parent filled. Raises
    ``RuntimeError`` if its rules are no longer ``expected`` (a rule file edited since the
    parent read it), so that the pool hands its workers the parent's own set instead."""
    from monitor.rulepacks import load_rules

    ruleset = load_rules(entries, cache_dir=cache_dir)
    if tuple(ruleset.rules) != tuple(expected):
        raise RuntimeError("the rule files changed since this process read them")
    return ruleset
