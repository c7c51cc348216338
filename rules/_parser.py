"""Parse the query language into a syntax tree (see ``docs/rules.md`` for the language).

Grammar, loosest binding first::

    query    := or_expr
    or_expr  := and_expr ("OR" and_expr)*
    and_expr := near_expr (["AND"] near_expr)*          adjacent terms are ANDed
    near     := unary (("NEAR/n" | "ONEAR/n") unary)*
    unary    := "NOT" unary | FIELD ":" unary | primary
    primary  := "(" or_expr ")" | "SENTENCE(" or_expr ("," or_expr)* ")"
              | term | "phrase" | @vocabulary[:entry] | source:/tag:/lang:/age: filter

Every error is a :class:`RuleError` carrying the 0-based ``offset`` in the query.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass

from rules._syntax import (
    And,
    Filter,
    Near,
    Node,
    Not,
    Or,
    Scoped,
    Sentence,
    Term,
    VocabRef,
    Word,
)
from rules._terms import term_words
from rules.errors import RuleError

__all__ = ["FIELDS", "FILTERS", "MAX_DEPTH", "MAX_QUERY_LENGTH", "parse_query"]

FIELDS = ("title", "summary", "content", "lead")
FILTERS = ("source", "tag", "lang", "age", "is", "year")
MAX_QUERY_LENGTH = 20_000
MAX_DEPTH = 40
MAX_DISTANCE = 1_000

_LEXEME = re.compile(r'(?P<space>\s+)|(?P<punct>[(),])|(?P<phrase>"[^"]*"?)|(?P<word>[^\s(),"]+)')
_NEAR = re.compile(r"(O?NEAR)(?:/(\d*))?")
_NEAR_LIKE = re.compile(r"(O?NEAR)/(.*)")  # NEAR/-1, NEAR/x, NEAR/1.5, ONEAR/+5: errors
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_ENTRY = re.compile(r"[a-z0-9][a-z0-9_-]*")
_AGE = re.compile(r"(<=|>=|<|>)?(\d{1,6})([mhdw])")
_YEAR = re.compile(r">=(\d{1,3})")
_LANG = re.compile(r"[a-z]{2,3}")
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
_STARTS_OPERAND = frozenset({"(", "term", "phrase", "vocab", "filter", "field", "NOT", "SENTENCE"})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    offset: int
    distance: int = 0


def _suggest(word: str, choices: tuple[str, ...] | list[str], prefix: str = "") -> str | None:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{prefix}{close[0]}'?" if close else None


def _classify(word: str, offset: int) -> list[_Token]:
    """The tokens of one word; ``title:summary:x`` gives a field token per prefix (at most
    :data:`MAX_DEPTH` of them, checked here, before any parsing)."""
    tokens: list[_Token] = []
    while True:
        token = _classify_one(word, offset)
        tokens.append(token)
        head, _, rest = word.partition(":")
        if token.kind != "field" or not rest:
            return tokens
        if len(tokens) >= MAX_DEPTH:
            raise RuleError(
                "query is nested too deeply", offset=offset, hint=f"at most {MAX_DEPTH} levels"
            )
        word, offset = rest, offset + len(head) + 1


def _classify_one(word: str, offset: int) -> _Token:
    if word in ("AND", "OR", "NOT"):
        return _Token(word, word, offset)
    malformed = _NEAR_LIKE.fullmatch(word)
    if malformed and not _NEAR.fullmatch(word) and malformed.group(2):
        raise RuleError(
            f"bad distance '{malformed.group(2)}' in {malformed.group(1)}",
            offset=offset + len(malformed.group(1)) + 1,
            hint=f"write {malformed.group(1)}/5: a whole number from 0 to {MAX_DISTANCE}",
        )
    near = _NEAR.fullmatch(word)
    if near:
        digits = near.group(2)
        if not digits:
            raise RuleError(
                f"{near.group(1)} needs a distance", offset=offset, hint=f"write {near.group(1)}/5"
            )
        distance = int(digits[:6])
        if distance > MAX_DISTANCE:
            raise RuleError(
                f"distance {digits} is too large", offset=offset, hint=f"at most {MAX_DISTANCE}"
            )
        return _Token(near.group(1), word, offset, distance)
    if word == "SENTENCE":
        return _Token("SENTENCE", word, offset)
    if word.startswith("@"):
        return _Token("vocab", word, offset)
    head, colon, _ = word.partition(":")
    if colon and head.replace("|", "").isalpha():
        lowered = head.lower()
        if "|" in lowered:
            unknown = [name for name in lowered.split("|") if name not in FIELDS]
            if unknown:
                raise RuleError(
                    f"unknown field '{unknown[0]}' in '{head}:'",
                    offset=offset,
                    hint=_suggest(unknown[0], FIELDS) or "fields: title, summary, content, lead",
                )
        if "|" in lowered or lowered in FIELDS:
            return _Token("field", lowered, offset)  # _classify reads what follows the colon
        if lowered in FILTERS:
            return _Token("filter", word, offset)
        raise RuleError(
            f"unknown field or filter '{head}:'",
            offset=offset,
            hint=_suggest(lowered, FIELDS + FILTERS)
            or "fields: title, summary, content, lead; "
            "filters: source, tag, lang, age, is, year; quote the text to search for it",
        )
    return _Token("term", word, offset)


def _lex(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    for match in _LEXEME.finditer(query):
        kind = match.lastgroup
        text = match.group()
        if kind == "space":
            continue
        if kind == "punct":
            tokens.append(_Token(text, text, match.start()))
        elif kind == "phrase":
            if len(text) < 2 or not text.endswith('"'):
                raise RuleError("unterminated phrase", offset=match.start(), hint='close it with "')
            tokens.append(_Token("phrase", text, match.start()))
        else:
            tokens.extend(_classify(text, match.start()))
    tokens.append(_Token("end", "", len(query)))
    return tokens


def _parse_filter(token: _Token) -> Filter:
    head, _, value = token.text.partition(":")
    kind = head.lower()
    value_offset = token.offset + len(head) + 1
    if not value:
        raise RuleError(f"'{kind}:' needs a value", offset=token.offset)
    if kind == "lang":
        lang = value.lower()
        if not _LANG.fullmatch(lang):
            raise RuleError(
                f"bad language code '{value}'",
                offset=value_offset,
                hint="use an ISO 639-1 code like 'pl'",
            )
        return Filter("lang", lang, 0, "=", token.offset)
    if kind == "is":
        if value.lower() != "question":
            raise RuleError(
                f"unknown property 'is:{value}'", offset=value_offset, hint="write is:question"
            )
        return Filter("is", "question", 0, "=", token.offset)
    if kind == "year":
        year = _YEAR.fullmatch(value)
        if not year:
            raise RuleError(
                f"bad year '{value}'",
                offset=value_offset,
                hint="write year:>=2 (a year at least 2 years before the item's own)",
            )
        return Filter("year", value, int(year.group(1)), ">=", token.offset)
    if kind == "age":
        age = _AGE.fullmatch(value)
        if not age:
            raise RuleError(
                f"bad age '{value}'", offset=value_offset, hint="write age:<48h, age:<7d or age:>2w"
            )
        seconds = int(age.group(2)) * _UNIT_SECONDS[age.group(3)]
        return Filter("age", value, seconds, age.group(1) or "<", token.offset)
    return Filter(kind, value.casefold(), 0, "=", token.offset)


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = _lex(query)
        self.position = 0
        self.depth = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.position]

    def advance(self) -> _Token:
        token = self.tokens[self.position]
        if token.kind != "end":
            self.position += 1
        return token

    def expect(self, kind: str, what: str) -> _Token:
        token = self.current
        if token.kind != kind:
            raise RuleError(f"expected {what}, found {_describe(token)}", offset=token.offset)
        return self.advance()

    def enter(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleError(
                "query is nested too deeply",
                offset=token.offset,
                hint=f"at most {MAX_DEPTH} levels",
            )

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise RuleError("query is empty", offset=0, hint="write at least one term")
        node = self.or_expr()
        token = self.current
        if token.kind != "end":
            hint = "a ')' without a matching '('" if token.kind == ")" else None
            raise RuleError(f"unexpected {_describe(token)}", offset=token.offset, hint=hint)
        return node

    def or_expr(self) -> Node:
        first = self.current
        children = [self.and_expr()]
        while self.current.kind == "OR":
            self.advance()
            children.append(self.and_expr())
        return children[0] if len(children) == 1 else Or(tuple(children), first.offset)

    def and_expr(self) -> Node:
        first = self.current
        children = [self.near_expr()]
        while True:
            if self.current.kind == "AND":
                self.advance()
            elif self.current.kind not in _STARTS_OPERAND:
                break
            children.append(self.near_expr())
        return children[0] if len(children) == 1 else And(tuple(children), first.offset)

    def near_expr(self) -> Node:
        left = self.unary()
        while self.current.kind in ("NEAR", "ONEAR"):
            operator = self.advance()
            right = self.unary()
            for side in (left, right):
                if isinstance(side, Not) or (isinstance(side, Filter) and side.kind != "year"):
                    raise RuleError(
                        f"{operator.kind} needs words on both sides, not NOT or a filter",
                        offset=side.offset,
                        hint="move the condition outside, e.g. (a NEAR/5 b) AND NOT c",
                    )
            left = Near(left, right, operator.distance, operator.kind == "ONEAR", operator.offset)
        return left

    def unary(self) -> Node:
        token = self.current
        self.enter(token)
        try:
            if token.kind == "NOT":
                self.advance()
                return Not(self.unary(), token.offset)
            if token.kind == "field":
                self.advance()
                return Scoped(token.text, self.unary(), token.offset)
            return self.primary()
        finally:
            self.depth -= 1

    def primary(self) -> Node:
        token = self.advance()
        if token.kind == "(":
            node = self.or_expr()
            self.expect(")", "')'")
            return node
        if token.kind == "SENTENCE":
            return self.sentence(token)
        if token.kind == "term":
            return Term(_words(token.text, token.offset), token.text, token.offset)
        if token.kind == "phrase":
            inner = token.text[1:-1]
            return Term(_words(inner, token.offset + 1), token.text, token.offset)
        if token.kind == "vocab":
            return _vocab_ref(token)
        if token.kind == "filter":
            return _parse_filter(token)
        if token.kind == "end":
            raise RuleError("query ends where a term was expected", offset=token.offset)
        raise RuleError(
            f"expected a term, a phrase, '(' or NOT, found {_describe(token)}",
            offset=token.offset,
        )

    def sentence(self, token: _Token) -> Node:
        if self.current.kind != "(":
            raise RuleError(
                "SENTENCE needs its operands in parentheses",
                offset=token.offset,
                hint="write SENTENCE(a, b)",
            )
        self.advance()
        children = [self.or_expr()]
        while self.current.kind == ",":
            self.advance()
            children.append(self.or_expr())
        self.expect(")", "',' or ')' to close SENTENCE(")
        return Sentence(tuple(children), token.offset)


def _describe(token: _Token) -> str:
    return "the end of the query" if token.kind == "end" else repr(token.text)


def _words(text: str, offset: int) -> tuple[Word, ...]:
    try:
        return term_words(text)
    except RuleError as exc:
        raise RuleError(exc.message, offset=offset + (exc.offset or 0), hint=exc.hint) from exc


def _vocab_ref(token: _Token) -> VocabRef:
    name, colon, entry = token.text[1:].partition(":")
    if not _NAME.fullmatch(name):
        raise RuleError(
            f"bad vocabulary name '@{name}'",
            offset=token.offset,
            hint="names are lowercase letters, digits and '_', like '@treaties'",
        )
    if colon and not _ENTRY.fullmatch(entry):
        raise RuleError(
            f"bad entry id '{entry}'",
            offset=token.offset + len(name) + 2,
            hint="write @vocabulary:entry_id, like '@treaties:ottawa'",
        )
    return VocabRef(name, entry if colon else None, token.offset)


def parse_query(query: str) -> Node:
    """Parse ``query`` into a syntax tree or raise :class:`RuleError` with an ``offset``."""
    if len(query) > MAX_QUERY_LENGTH:
        raise RuleError(
            f"query is longer than {MAX_QUERY_LENGTH} characters",
            offset=MAX_QUERY_LENGTH,
            hint="move term lists into a vocabulary",
        )
    return _Parser(query).parse()


@functools.lru_cache(maxsize=256)
def or_branches(text: str) -> tuple[str, ...]:
    """The branches of ``text`` when it parses as ``a OR b OR ...`` at the top (outside every
    parenthesis), as written; ``()`` otherwise."""
    if not isinstance(parse_query(text), Or):
        return ()
    branches: list[str] = []
    depth, start, end = 0, -1, 0
    for token in _lex(text):
        if token.kind == "end" or (token.kind == "OR" and depth == 0):
            branches.append(" ".join(text[start:end].split()))
            start = -1
            continue
        if start < 0:
            start = token.offset
        depth += {"(": 1, ")": -1}.get(token.kind, 0)
        end = token.offset + len(token.text)
    return tuple(branches)
