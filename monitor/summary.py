"""One-line summaries for people: what the service is about to do at start-up, what its first
poll cycle found, and what one ``treatywatch poll`` did.

Pure: counts in, text out (no clock, no store). The service prints them at start-up and
after its first cycle; the ``poll`` command prints its own report with them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from monitor.errors import FetchErrorKind

__all__ = [
    "UNREACHABLE_KINDS",
    "CycleCount",
    "MatchCount",
    "alerts_text",
    "count",
    "cycle_lines",
    "match_text",
    "startup_line",
]

UNREACHABLE_KINDS = frozenset(
    {FetchErrorKind.DNS, FetchErrorKind.CONNECT, FetchErrorKind.TIMEOUT, FetchErrorKind.PROXY}
)
"""Error kinds that mean the network (or a proxy), not the source, is the problem."""

_PLURALS = {"story": "stories", "entry": "entries"}


def count(number: int, noun: str) -> str:
    """``1 source``, ``2 sources``, ``0 stories``."""
    return f"{number} {noun if number == 1 else _PLURALS.get(noun, noun + 's')}"


def startup_line(*, sources: int, rules: int, channels: int, polling: bool) -> str:
    """``30 sources, 3 rules, 1 channel; first poll in progress``."""
    what = f"{count(sources, 'source')}, {count(rules, 'rule')}, {count(channels, 'channel')}"
    if sources == 0:
        return f"{what}; nothing to poll"
    return f"{what}; {'first poll in progress' if polling else 'polls continue on schedule'}"


@dataclass(frozen=True, slots=True)
class CycleCount:
    """How the first poll of every source went: how many answered, and the error kinds of
    those that failed (one per failed source)."""

    answered: int
    failed_kinds: tuple[str, ...] = ()
    held: int = 0

    @classmethod
    def of(cls, results: Iterable[tuple[bool, bool, str | None]]) -> CycleCount:
        """From ``(ok, skipped, error_kind)`` per source."""
        answered, held, kinds = 0, 0, []
        for ok, skipped, kind in results:
            if skipped:
                held += 1
            elif ok:
                answered += 1
            else:
                kinds.append(kind or "error")
        return cls(answered=answered, failed_kinds=tuple(kinds), held=held)

    @property
    def polled(self) -> int:
        return self.answered + len(self.failed_kinds)


def cycle_lines(cycle: CycleCount) -> list[str]:
    """The line after the first cycle (``28 of 30 sources answered; 2 failed: dns 2``), and a
    hint when every source failed for lack of a network."""
    failed = len(cycle.failed_kinds)
    line = f"first poll done: {cycle.answered} of {count(cycle.polled, 'source')} answered"
    if failed:
        kinds = Counter(cycle.failed_kinds).most_common()
        line += f"; {failed} failed (" + ", ".join(f"{k} {n}" for k, n in kinds) + ")"
    if cycle.held:
        line += f"; {cycle.held} held back by an earlier backoff"
    lines = [line]
    if failed and not cycle.answered and set(cycle.failed_kinds) <= UNREACHABLE_KINDS:
        lines.append(
            "hint: no source could be reached (names do not resolve or connections fail). "
            "No network? Behind a proxy (set HTTPS_PROXY, or http.proxy in the config)? "
            "`treatywatch demo` shows treatywatch at work without a network."
        )
    elif failed:
        lines.append(
            "each source's error is on the dashboard and in `treatywatch sources`; "
            "failing sources are retried with backoff"
        )
    return lines


@dataclass(frozen=True, slots=True)
class MatchCount:
    """What matched in one run: items with at least one hit, the distinct rules they matched,
    and the stories they belong to."""

    items: int = 0
    rules: int = 0
    stories: int = 0


def match_text(matched: MatchCount) -> str:
    """``1 item matched (2 rules); 1 story``, or ``no item matched``."""
    if not matched.items:
        return "no item matched"
    return (
        f"{count(matched.items, 'item')} matched ({count(matched.rules, 'rule')}); "
        f"{count(matched.stories, 'story')}"
    )


def alerts_text(
    by_channel: Mapping[str, Mapping[str, int]], channels: Sequence[str], *, skipped: bool
) -> str:
    """``alerts: console 1 sent, hook 1 sent (1 failed)``: per channel, with failed attempts
    and alerts given up on in brackets; ``alerts: none due`` when nothing was due."""
    if skipped:
        return "alerts: another process is delivering them"
    parts = []
    for channel in [*channels, *sorted(set(by_channel) - set(channels))]:
        counts = by_channel.get(channel, {})
        if not any(counts.values()):
            continue
        trouble = [f"{counts[k]} {k}" for k in ("failed", "dead") if counts.get(k)]
        extra = f" ({', '.join(trouble)})" if trouble else ""
        parts.append(f"{channel} {counts.get('sent', 0)} sent{extra}")
    return "alerts: " + (", ".join(parts) if parts else "none due")
