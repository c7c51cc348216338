"""A rule as written in a rule file."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SEVERITIES", "Rule"]

SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True, slots=True)
class Rule:
    """One alert rule.

    ``query`` decides whether a document matches; ``exclude`` (optional) removes, before the
    query is evaluated again, every sentence of the evidence in which it matches (see
    ``docs/rules.md``). ``languages`` restricts the rule to documents in those languages or of
    unknown language; ``sources`` to source names or ``tag:NAME`` tags (empty: all);
    ``channels`` routes alerts (empty: all channels).
    """

    id: str
    title: str
    description: str
    severity: str
    query: str
    exclude: str | None = None
    languages: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    enabled: bool = True
