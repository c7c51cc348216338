"""Pure rule logic for treatywatch: parse, compile, evaluate and explain rules. No I/O.

``load_ruleset({name: yaml_text})`` compiles rule files into a :class:`RuleSet`;
``RuleSet.match(document, now)`` returns the :class:`Match` of every enabled rule that matches;
``RuleSet.near_misses(document, now)`` the :class:`NearMiss` of every enabled rule whose query
matched but whose ``exclude`` masked the match (for rule authors: what masked which sentence).
The rule language is described in ``docs/rules.md``. ``rules`` never imports ``monitor`` or
``state`` and never reads files, the network or the clock.
"""

from rules._document import Document
from rules._loader import check_yaml_shape, load_ruleset
from rules._match import Entity, Exclusion, MaskedSpan, Match, NearMiss, TermMatch
from rules._normal import normalize
from rules._rule import Rule
from rules._ruleset import RuleSet
from rules.errors import RuleError, TreatywatchError

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
