"""Pure rule logic for treatywatch: parse, compile, evaluate and explain rules. No I/O.

``load_ruleset({name: yaml_text})`` compiles rule files into a :class:`RuleSet`;
``RuleSet.match(document, now)`` returns the :class:`Match` of every enabled rule that matches;
``RuleSet.near_misses(document, now)`` the :class:`NearMiss` of every enabled rule whose query
matched but whose ``exclude`` masked the match (for rule authors: what masked which sentence).
The rule language is described in ``docs/rules.md``. ``rules`` never imports ``monitor`` or
``state`` and never reads files, the network or the clock.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rules._document import Document
from rules._match import Entity, Exclusion, MaskedSpan, Match, NearMiss, TermMatch
from rules._normal import normalize
from rules._rule import Rule
from rules._ruleset import RuleSet
from rules._yaml_shape import check_yaml_shape
from rules.errors import RuleError, TreatywatchError

if TYPE_CHECKING:
    from rules._loader import load_ruleset

__all__ = [
    "Document",
    "Entity",
    "Exclusion",
    "MaskedSpan",
    "Match",
    "NearMiss",
    "Rule",
    "RuleError",
    "RuleSet",
    "TermMatch",
    "TreatywatchError",
    "check_yaml_shape",
    "load_ruleset",
    "normalize",
]


def __getattr__(name: str) -> Any:
    """The compiler's names, imported when first asked for (PEP 562): a process that reads its
    rules compiled from the cache (a ``poll``, ``check``) never imports the loader, the query
    parser and the compiler (issue 14)."""
    if name == "load_ruleset":
        from rules._loader import load_ruleset

        globals()[name] = load_ruleset  # asked once
        return load_ruleset
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
