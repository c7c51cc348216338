"""Entities say where they were found (spans into the original text) and carry the entry's
``generic`` flag; a bad flag is refused with its place."""

from __future__ import annotations

import pytest

from rules import Document, RuleError, load_ruleset

PACK = """
vocabularies:
  doc_treaties:
    entity: true
    entries:
      ottawa:
        label: Ottawa Convention
        terms:
          en: [Ottawa Convention, landmine treaty]
      sofa:
        label: Status-of-forces agreements
        generic: true
        terms:
          en: [status-of-forces agreement*]
rules:
  - id: doc
    title: doc
    query: "leav* NEAR/6 @doc_treaties"
"""


def test_entities_carry_their_spans_and_flag() -> None:
    ruleset = load_ruleset({"doc.yaml": PACK})
    title = "Lithuania to leave the Ottawa Convention"
    summary = "The landmine treaty and a status-of-forces agreement were named."
    (match,) = ruleset.match(Document(title=title, summary=summary), now=None)  # type: ignore[arg-type]
    found = {e.id: e for e in match.entities}
    ottawa = found["ottawa"]
    assert [(f, title[s:e] if f == "title" else summary[s:e]) for f, s, e in ottawa.spans] == [
        ("title", "Ottawa Convention"),
        ("summary", "landmine treaty"),
    ]
    assert not ottawa.generic and found["sofa"].generic
    assert ottawa == type(ottawa)("doc_treaties", "ottawa", "Ottawa Convention")  # spans aside


def test_a_bad_generic_flag_names_its_place() -> None:
    bad = PACK.replace("generic: true", "generic: sometimes")
    with pytest.raises(RuleError, match="generic"):
        load_ruleset({"doc.yaml": bad})
