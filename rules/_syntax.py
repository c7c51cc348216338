"""The parsed form of a query: small immutable syntax-tree nodes.

``offset`` on every node is the 0-based character offset of the node in the query string, used
to place errors found after parsing (for example an unknown vocabulary).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "And",
    "Filter",
    "Near",
    "Node",
    "Not",
    "Or",
    "Scoped",
    "Sentence",
    "Term",
    "VocabRef",
    "Word",
]


@dataclass(frozen=True, slots=True)
class Word:
    """One normalised word of a term.

    ``prefix`` means it was written with a trailing ``*``; ``cased`` holds the exact spelling
    the document must use when the term was written case-sensitively (``=WHO``).
    """

    text: str
    prefix: bool = False
    cased: str | None = None


@dataclass(frozen=True, slots=True)
class Term:
    """A word, a hyphenated word or a quoted phrase: consecutive words that must all match."""

    words: tuple[Word, ...]
    source: str
    offset: int


@dataclass(frozen=True, slots=True)
class VocabRef:
    """``@name`` (every entry of a vocabulary) or ``@name:entry`` (one entry)."""

    name: str
    entry: str | None
    offset: int


@dataclass(frozen=True, slots=True)
class Filter:
    """A document filter: ``source:``, ``tag:``, ``lang:`` or ``age:`` (``value`` is parsed)."""

    kind: str
    value: str
    seconds: int
    comparison: str
    offset: int


@dataclass(frozen=True, slots=True)
class Not:
    """``NOT child``."""

    child: Node
    offset: int


@dataclass(frozen=True, slots=True)
class And:
    """``a AND b AND ...`` (also written as adjacent terms)."""

    children: tuple[Node, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class Or:
    """``a OR b OR ...``."""

    children: tuple[Node, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class Near:
    """``a NEAR/n b`` (any order) or ``a ONEAR/n b`` (``a`` before ``b``)."""

    left: Node
    right: Node
    distance: int
    ordered: bool
    offset: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """``SENTENCE(a, b, ...)``: every operand matches inside one and the same sentence."""

    children: tuple[Node, ...]
    offset: int


@dataclass(frozen=True, slots=True)
class Scoped:
    """``title:x``, ``summary:x``, ``content:x``, ``lead:x`` or several joined with ``|``
    (``title|summary:x``): ``child`` only looks at those fields. ``field`` is the prefix as
    written, normalised to lower case."""

    field: str
    child: Node
    offset: int


Node = Term | VocabRef | Filter | Not | And | Or | Near | Sentence | Scoped
