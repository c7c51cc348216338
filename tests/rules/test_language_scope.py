"""Language-scoped vocabularies (``language_scoped: true``): a term applies to items in its own
language or a close one, and to items whose language is unknown or not borne out by their text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rules import Document, RuleError, RuleSet, load_ruleset

NOW = datetime(2026, 1, 1, tzinfo=UTC)

RULES = """\
rules:
  - id: left
    query: SENTENCE(leaves NEAR/3 pact)
    exclude: "@hedge"
vocabularies:
  hedge:
    description: words that make an exit a maybe
    language_scoped: {scoped}
    terms:
      no: [må]
      ar: [نفت]
      any: [perhaps]
"""


def ruleset(scoped: str = "true") -> RuleSet:
    return load_ruleset({"r.yaml": RULES.format(scoped=scoped)})


def matched(title: str, language: str | None, scoped: str = "true") -> bool:
    return bool(ruleset(scoped).match(Document(title=title, language=language), NOW))


def test_a_scoped_term_applies_in_its_own_language_and_close_ones_only() -> None:
    # Norwegian "må" (must) folds to Hungarian "ma" (today): a Hungarian item keeps its match
    assert matched("Ma leaves pact", "hu")
    assert not matched("Ma leaves pact", "no")
    assert not matched("Ma leaves pact", "da")  # the Scandinavian languages share their terms
    assert not matched("Ma leaves pact", "nb-NO")
    # Arabic "نفت" (denied) is Persian "نفت" (oil)
    persian = "ترکیه قرارداد خط لوله نفت را leaves pact"
    assert matched(persian, "fa")
    assert not matched(persian, "ar")


def test_unscoped_vocabularies_and_unknown_languages_apply_every_term() -> None:
    assert not matched("Ma leaves pact", "hu", scoped="false")
    assert not matched("Ma leaves pact", None)
    # a term written for 'any' language applies whatever the item's language
    assert not matched("Perhaps Ma leaves pact", "hu")


def test_a_declared_language_the_text_contradicts_is_not_trusted() -> None:
    # a feed that labels everything English: Norwegian text with no English word in it
    norwegian = "Regjeringen sier Norge må ut av avtalen nå leaves pact i dag uten videre"
    assert not matched(norwegian, "en")
    english = "The government says Ma leaves pact of the north with the west today"
    assert matched(english, "en")
    # a language of another script than the text's
    assert not matched("Ma leaves pact signed by the two neighbours last spring", "ru")


def test_language_scoped_is_a_boolean_and_only_where_a_vocabulary_is_defined() -> None:
    with pytest.raises(RuleError) as bad:
        ruleset("maybe")
    assert "language_scoped" in str(bad.value)
    extension = """\
vocabularies:
  hedge:
    extend: true
    language_scoped: false
    terms:
      en: [maybe]
"""
    with pytest.raises(RuleError) as extended:
        load_ruleset({"r.yaml": RULES.format(scoped="true"), "x.yaml": extension})
    assert "language_scoped" in str(extended.value)
