"""Helpers for the rules tests: build small rule sets from Python values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import yaml

from rules import Document, Match, RuleSet, load_ruleset

NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)

VOCABULARIES: dict[str, Any] = {
    "treaties": {
        "entity": True,
        "entries": {
            "ottawa": {
                "label": "Ottawa Convention",
                "terms": {
                    "en": ["Ottawa Convention", "mine ban treaty", "anti-personnel mine*"],
                    "pl": ["konwencj* ottawsk*"],
                },
            },
            "icc": {
                "label": "Rome Statute",
                "terms": {"en": ["Rome Statute", "=ICC"], "fr": ["Statut de Rome"]},
            },
        },
    },
    "states": {
        "entity": True,
        "entries": {
            "lithuania": {"label": "Lithuania", "terms": {"en": ["Lithuania"], "lt": ["Lietuv*"]}},
            "norway": {"label": "Norway", "terms": {"en": ["Norway"]}},
        },
    },
    "verbs": {"terms": {"en": ["withdr*", "quit*", "pull* ... out"], "de": ["tritt ... aus"]}},
}


def rule_file(
    query: str,
    *,
    vocabularies: dict[str, Any] | None = None,
    **fields: Any,
) -> str:
    """YAML text of a file with one rule (id ``r``) and the given vocabularies."""
    rule = {"id": "r", "title": "Test rule", "query": query, **fields}
    data: dict[str, Any] = {"rules": [rule]}
    data["vocabularies"] = VOCABULARIES if vocabularies is None else vocabularies
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def one_rule(query: str, **fields: Any) -> RuleSet:
    """A rule set with one rule (id ``r``) over :data:`VOCABULARIES`."""
    return load_ruleset({"test.yaml": rule_file(query, **fields)})


def matches(
    query: str,
    title: str = "",
    summary: str = "",
    content: str = "",
    *,
    now: datetime = NOW,
    rule: dict[str, Any] | None = None,
    **document: Any,
) -> bool:
    """Whether the one-rule set for ``query`` matches a document."""
    found = one_rule(query, **(rule or {})).match(
        Document(title=title, summary=summary, content=content, **document), now
    )
    return bool(found)


def first_match(query: str, doc: Document, **fields: Any) -> Match:
    """The match of the one-rule set for ``query`` on ``doc`` (fails when there is none)."""
    found = one_rule(query, **fields).match(doc, NOW)
    assert found, f"{query!r} did not match {doc!r}"
    return found[0]
