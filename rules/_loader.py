"""Read rule files (YAML text) into a compiled :class:`~rules.RuleSet`.

Every problem becomes a :class:`RuleError` placed at the file, line and column of the YAML
node at fault (for query errors: the character inside the query string where possible).
Nothing is silently skipped.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import replace

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from rules._compiler import Compiler
from rules._evaluator import Evaluator
from rules._parser import parse_query
from rules._rule import SEVERITIES, Rule
from rules._ruleset import CompiledRule, RuleSet
from rules._syntax import And, Not
from rules._syntax import Node as QueryNode
from rules._terms import proclitic_variants, serbian_other_script, term_parts
from rules._vocabulary import ENTITY_SCOPES, Vocabulary, VocabularyEntry, VocabularyTerm
from rules._yaml_shape import YamlShapeError, check_yaml_shape
from rules.errors import RuleError

__all__ = ["load_ruleset"]

_TOP_KEYS = ("rules", "vocabularies")
_RULE_KEYS = (
    "id",
    "title",
    "description",
    "severity",
    "query",
    "exclude",
    "unless",
    "languages",
    "sources",
    "channels",
    "enabled",
)
_VOCABULARY_KEYS = (
    "description",
    "entity",
    "entity_scope",
    "entity_not_after",
    "entity_not_before",
    "entity_phrase",
    "not_before",
    "not_inside",
    "language_scoped",
    "entries",
    "terms",
    "extend",
)
_EXTENSION_KEYS = ("extend", "entries", "terms")
_REFERENCE_KEYS = ("entity_not_after", "entity_not_before", "entity_phrase", "not_before")
"""Vocabulary keys whose value names another vocabulary (checked once all files are read)."""
_ENTRY_KEYS = ("label", "terms", "generic")
_RULE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]*")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_ENTRY_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_BREAKS = "\n\x85\u2028\u2029"
_NULL_TAG = "tag:yaml.org,2002:null"
_FAST_LOADER = getattr(yaml, "CSafeLoader", None)
_BOOL_TAG = "tag:yaml.org,2002:bool"


def _where(node: Node) -> str:
    return f"{node.start_mark.line + 1}:{node.start_mark.column + 1}"


class _File:
    """One rule file being read: turns nodes into values and problems into placed errors."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text

    def error(self, node: Node, message: str, hint: str | None = None) -> RuleError:
        mark = node.start_mark
        return RuleError(
            message, file=self.name, line=mark.line + 1, column=mark.column + 1, hint=hint
        )

    def place(self, node: Node) -> str:
        return f"{self.name}:{_where(node)}"

    def compose(self) -> Node | None:
        try:
            return self._compose()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = f"invalid YAML: {exc.problem or exc.context or 'syntax error'}"
            if mark is None:
                raise RuleError(message, file=self.name) from exc
            raise RuleError(
                message, file=self.name, line=mark.line + 1, column=mark.column + 1
            ) from exc
        except yaml.reader.ReaderError as exc:
            before = self.text[: exc.position]
            raise RuleError(
                f"invalid YAML: unacceptable character {exc.character!r}",
                file=self.name,
                line=before.count("\n") + 1,
                column=exc.position - before.rfind("\n"),
                hint="remove control characters from the file",
            ) from exc
        except yaml.YAMLError as exc:
            raise RuleError(f"invalid YAML: {exc}", file=self.name) from exc

    def _compose(self) -> Node | None:
        if _FAST_LOADER is not None:
            try:  # libyaml, about seven times faster on the pack's large vocabularies
                check_yaml_shape(self.text, loader=_FAST_LOADER)
                return yaml.compose(self.text, Loader=_FAST_LOADER)
            except YamlShapeError:
                raise
            except yaml.YAMLError:
                pass  # the pure-Python reader below words the error (the same text everywhere)
        check_yaml_shape(self.text)
        return yaml.compose(self.text, Loader=yaml.SafeLoader)

    def mapping(self, node: Node, what: str) -> list[tuple[str, Node, Node]]:
        if not isinstance(node, MappingNode):
            raise self.error(node, f"{what} must be a mapping")
        seen: dict[str, Node] = {}
        items: list[tuple[str, Node, Node]] = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise self.error(key_node, f"keys of {what} must be plain names")
            key = str(key_node.value)
            if key in seen:
                raise self.error(
                    key_node, f"duplicate key '{key}' in {what} (first at line {_where(seen[key])})"
                )
            seen[key] = key_node
            items.append((key, key_node, value_node))
        return items

    def check_keys(
        self, items: list[tuple[str, Node, Node]], allowed: tuple[str, ...], what: str
    ) -> None:
        for key, key_node, _ in items:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                raise self.error(
                    key_node,
                    f"unknown key '{key}' in {what}",
                    f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(allowed)}",
                )

    def string(self, node: Node, what: str, *, optional: bool = False) -> str | None:
        if isinstance(node, ScalarNode):
            if node.tag == _NULL_TAG and node.style is None and node.value in ("", "~", "null"):
                if optional:
                    return None
                raise self.error(node, f"{what} must not be empty")
            return str(node.value)
        raise self.error(node, f"{what} must be a string, not a {_kind(node)}")

    def required_string(self, node: Node, what: str) -> str:
        value = self.string(node, what)
        assert value is not None
        if not value.strip():
            raise self.error(node, f"{what} must not be empty")
        return value

    def boolean(self, node: Node, what: str) -> bool:
        if isinstance(node, ScalarNode) and node.tag == _BOOL_TAG:
            return str(node.value).lower() in ("true", "yes", "on")
        raise self.error(node, f"{what} must be true or false", "write true or false")

    def string_list(self, node: Node, what: str) -> list[tuple[str, Node]]:
        if isinstance(node, ScalarNode) and node.tag == _NULL_TAG:
            return []
        if not isinstance(node, SequenceNode):
            raise self.error(node, f"{what} must be a list", f"write {what}: [a, b]")
        return [(self.required_string(item, f"an item of {what}"), item) for item in node.value]

    def locate(self, node: Node, offset: int) -> tuple[int, int]:
        """The 1-based line and column of character ``offset`` of a scalar's value."""
        start = node.start_mark.index
        raw = self.text[start : node.end_mark.index]
        value = str(node.value) if isinstance(node, ScalarNode) else ""
        style = node.style if isinstance(node, ScalarNode) else None
        skip = 0
        if style in ("'", '"'):
            skip = 1
        elif style in ("|", ">"):
            skip = raw.find("\n") + 1
        index = _align(value, raw, offset, skip)
        line, column = node.start_mark.line, node.start_mark.column
        text = self.text
        for position in range(start, start + index):
            char = text[position]
            if char in _BREAKS or (char == "\r" and text[position + 1 : position + 2] != "\n"):
                line, column = line + 1, 0
            else:
                column += 1
        return line + 1, column + 1

    def relocate(self, exc: RuleError, node: Node) -> RuleError:
        line, column = self.locate(node, exc.offset or 0)
        return exc.relocated(file=self.name, line=line, column=column)


def _kind(node: Node) -> str:
    if isinstance(node, MappingNode):
        return "mapping"
    return "list" if isinstance(node, SequenceNode) else "value"


def _align(value: str, raw: str, offset: int, skip: int) -> int:
    """Index in ``raw`` (the scalar's source text) of character ``offset`` of ``value``."""
    position = skip
    offset = max(0, min(offset, len(value)))
    for index in range(offset + 1):
        if index == len(value):
            return position
        found = _find(raw, value[index], position)
        if found < 0:
            return skip if index < offset else position
        if index == offset:
            return found
        position = found + 1
    return position


def _find(raw: str, char: str, start: int) -> int:
    if char.isspace():
        return next((i for i in range(start, len(raw)) if raw[i].isspace()), -1)
    return raw.find(char, start)


def _optional_query(
    source: _File, values: Mapping[str, Node], key: str
) -> tuple[Node | None, str | None]:
    """A rule's optional query (``exclude``, ``unless``): its node, and its text unless blank."""
    node = values.get(key)
    if node is None:
        return None, None
    text = source.string(node, key, optional=True)
    return node, text if text and text.strip() else None


class _RuleDraft:
    """A rule read from YAML, with the nodes needed to place later compile errors."""

    def __init__(self, source: _File, node: Node) -> None:
        self.source = source
        items = source.mapping(node, "a rule")
        source.check_keys(items, _RULE_KEYS, "a rule")
        values = {key: value for key, _, value in items}
        if "id" not in values:
            raise source.error(node, "a rule needs an 'id'")
        if "query" not in values:
            raise source.error(node, "a rule needs a 'query'")
        self.id_node = values["id"]
        rule_id = source.required_string(self.id_node, "id")
        if not _RULE_ID.fullmatch(rule_id):
            raise source.error(
                self.id_node,
                f"bad rule id '{rule_id}'",
                "use letters, digits, '-', '_', '.' or ':'",
            )
        self.query_node = values["query"]
        query = source.required_string(self.query_node, "query")
        self.exclude_node, exclude = _optional_query(source, values, "exclude")
        self.unless_node, unless = _optional_query(source, values, "unless")
        severity = "high"
        if "severity" in values:
            severity = source.required_string(values["severity"], "severity").lower()
            if severity not in SEVERITIES:
                raise source.error(
                    values["severity"],
                    f"bad severity '{severity}'",
                    f"one of {', '.join(SEVERITIES)}",
                )
        languages = []
        for language, item in source.string_list(values.get("languages", _EMPTY), "languages"):
            if not _LANGUAGE.fullmatch(language.lower()):
                raise source.error(item, f"bad language code '{language}'", "like 'pl' or 'en'")
            languages.append(language.lower())
        title = rule_id
        if "title" in values:
            title = source.required_string(values["title"], "title")
        description = ""
        if "description" in values:
            description = source.string(values["description"], "description", optional=True) or ""
        self.rule = Rule(
            id=rule_id,
            title=title,
            description=description,
            severity=severity,
            query=query,
            exclude=exclude,
            languages=tuple(languages),
            sources=tuple(
                v for v, _ in source.string_list(values.get("sources", _EMPTY), "sources")
            ),
            channels=tuple(
                v for v, _ in source.string_list(values.get("channels", _EMPTY), "channels")
            ),
            enabled=source.boolean(values["enabled"], "enabled") if "enabled" in values else True,
        )
        self.query_tree = self._parse(query, self.query_node)
        self.unless_tree = (
            None
            if unless is None or self.unless_node is None
            else self._parse(unless, self.unless_node)
        )
        self.exclude_tree = (
            None
            if exclude is None or self.exclude_node is None
            else self._parse(exclude, self.exclude_node)
        )

    def _parse(self, query: str, node: Node) -> QueryNode:
        try:
            return parse_query(query)
        except RuleError as exc:
            raise self.source.relocate(exc, node) from exc

    def compile(self, compiler: Compiler) -> CompiledRule:
        tree = self.query_tree
        if self.unless_tree is not None and self.unless_node is not None:
            # checked alone first, so that an error in it is placed in 'unless'
            self._compile(compiler, self.unless_tree, self.unless_node)
            tree = And((tree, Not(self.unless_tree, 0)), 0)
        query = self._compile(compiler, tree, self.query_node)
        exclude = None
        if self.exclude_tree is not None and self.exclude_node is not None:
            exclude = self._compile(compiler, self.exclude_tree, self.exclude_node)
        return CompiledRule.build(self.rule, query, exclude)

    def _compile(self, compiler: Compiler, tree: QueryNode, node: Node) -> Evaluator:
        try:
            return compiler.compile(tree)
        except RuleError as exc:
            raise self.source.relocate(exc, node) from exc


_EMPTY = ScalarNode(_NULL_TAG, "")
_DIGRAPHIC = frozenset({"sr", "bs"})
"""Languages whose terms are also matched in their other alphabet (Latin and Cyrillic)."""


def _terms(source: _File, node: Node, what: str) -> tuple[VocabularyTerm, ...]:
    terms: list[VocabularyTerm] = []
    for language, key_node, value in source.mapping(node, what):
        code = language
        if code != "any" and not _LANGUAGE.fullmatch(code):
            hint = f"write '{code.lower()}'" if _LANGUAGE.fullmatch(code.lower()) else None
            raise source.error(
                key_node, f"bad language code '{language}'", hint or "like 'pl', or 'any'"
            )
        if isinstance(value, ScalarNode) and value.tag != _NULL_TAG:
            raise source.error(
                value,
                f"terms for '{language}' must be a list, not a string",
                f"write {language}: [{str(value.value)[:40]}]",
            )
        items = source.string_list(value, f"terms for '{language}'")
        for text, item in items:
            if text.lstrip().startswith("@"):
                raise source.error(
                    item,
                    f"term '{text}' looks like a vocabulary reference",
                    "a vocabulary's terms are plain text; name the other vocabulary in the "
                    "rule's query (@name) instead",
                )
            # Serbian and Bosnian are written in both alphabets
            other = serbian_other_script(text) if code in _DIGRAPHIC else None
            try:
                parts = term_parts(text)
                others = [(other, term_parts(other))] if other is not None else []
            except RuleError as exc:
                raise source.relocate(exc, item) from exc
            terms.append(VocabularyTerm(code, text, parts))
            terms.extend(VocabularyTerm(code, spelled, variant) for spelled, variant in others)
            if code == "ar":  # Arabic writes its proclitics as one word with the next
                terms.extend(
                    VocabularyTerm(code, text, variant) for variant in proclitic_variants(parts)
                )
    return tuple(terms)


def _is_extension(source: _File, name: str, node: Node) -> bool:
    """Whether a vocabulary node says ``extend: true`` (adds to one defined elsewhere)."""
    what = f"vocabulary '{name}'"
    values = {key: value for key, _, value in source.mapping(node, what)}
    if "extend" not in values or not source.boolean(values["extend"], "extend"):
        return False
    source.check_keys(source.mapping(node, what), _EXTENSION_KEYS, f"extension of {what}")
    return True


def _vocabulary(source: _File, name: str, node: Node) -> Vocabulary:
    what = f"vocabulary '{name}'"
    items = source.mapping(node, what)
    source.check_keys(items, _VOCABULARY_KEYS, what)
    values = {key: value for key, _, value in items}
    entries: list[VocabularyEntry] = []
    if "entries" in values:
        for entry_id, key_node, entry_node in source.mapping(
            values["entries"], f"entries of {what}"
        ):
            if not _ENTRY_ID.fullmatch(entry_id):
                raise source.error(
                    key_node, f"bad entry id '{entry_id}'", "lowercase letters, digits, '-', '_'"
                )
            entry_what = f"entry '{entry_id}' of {what}"
            entry_items = source.mapping(entry_node, entry_what)
            source.check_keys(entry_items, _ENTRY_KEYS, entry_what)
            entry_values = {key: value for key, _, value in entry_items}
            label = entry_id
            if "label" in entry_values:
                label = source.required_string(entry_values["label"], "label")
            if "terms" not in entry_values:
                raise source.error(entry_node, f"{entry_what} needs 'terms'")
            terms = _terms(source, entry_values["terms"], f"terms of {entry_what}")
            generic = False
            if "generic" in entry_values:
                generic = source.boolean(entry_values["generic"], "generic")
            entries.append(VocabularyEntry(entry_id, label, terms, generic))
    terms = _terms(source, values["terms"], f"terms of {what}") if "terms" in values else ()
    if not entries and not terms:
        raise source.error(node, f"{what} has neither 'entries' nor 'terms'")
    description = ""
    if "description" in values:
        description = source.string(values["description"], "description", optional=True) or ""
    entity = source.boolean(values["entity"], "entity") if "entity" in values else False
    scope = "document"
    if "entity_scope" in values:
        scope = source.required_string(values["entity_scope"], "entity_scope")
        if scope not in ENTITY_SCOPES:
            raise source.error(
                values["entity_scope"],
                f"bad entity_scope '{scope}'",
                f"one of {', '.join(ENTITY_SCOPES)}",
            )
    references = {
        key: source.required_string(values[key], key) if key in values else None
        for key in _REFERENCE_KEYS
    }
    inside: tuple[str, ...] = ()
    if "not_inside" in values:
        node_inside = values["not_inside"]
        if isinstance(node_inside, SequenceNode):
            inside = tuple(name for name, _ in source.string_list(node_inside, "not_inside"))
        else:
            inside = (source.required_string(node_inside, "not_inside"),)
    scoped = False
    if "language_scoped" in values:
        scoped = source.boolean(values["language_scoped"], "language_scoped")
    if not entity and (
        scope != "document" or references["entity_not_after"] or references["entity_not_before"]
    ):
        raise source.error(
            node,
            f"{what}: entity_scope, entity_not_after and entity_not_before need 'entity: true'",
        )
    return Vocabulary(
        name,
        description,
        entity,
        tuple(entries),
        terms,
        entity_scope=scope,
        not_inside=inside,
        language_scoped=scoped,
        **references,
    )


def _extended(
    source: _File, key_node: Node, vocabularies: Mapping[str, Vocabulary], extension: Vocabulary
) -> Vocabulary:
    """The vocabulary that ``extension`` (``extend: true``) adds its entries and terms to.

    An entry whose id the vocabulary already has adds its terms to that entry (the label stays
    the first file's); other entries are appended.
    """
    base = vocabularies.get(extension.name)
    if base is None:
        close = difflib.get_close_matches(extension.name, list(vocabularies), n=1)
        raise source.error(
            key_node,
            f"'extend: true' names no vocabulary '{extension.name}' defined in another file",
            f"did you mean '{close[0]}'?" if close else "define the vocabulary first",
        )
    entries = {entry.id: entry for entry in base.entries}
    for entry in extension.entries:
        known = entries.get(entry.id)
        entries[entry.id] = (
            entry
            if known is None
            else replace(
                known, terms=known.terms + entry.terms, generic=known.generic or entry.generic
            )
        )
    return replace(base, entries=tuple(entries.values()), terms=base.terms + extension.terms)


def load_ruleset(files: Mapping[str, str]) -> RuleSet:
    """Load and compile rule files: ``{file name: YAML text}``.

    A file may hold ``rules:`` (a list of rules) and/or ``vocabularies:`` (a mapping of name to
    vocabulary); vocabularies of all files are merged. Raises :class:`RuleError` with file, line
    and column for any problem.
    """
    drafts: list[_RuleDraft] = []
    rule_places: dict[str, str] = {}
    vocabularies: dict[str, Vocabulary] = {}
    vocabulary_places: dict[str, str] = {}
    extensions: list[tuple[_File, Node, Vocabulary]] = []
    for name, text in files.items():
        source = _File(name, text)
        root = source.compose()
        if root is None:
            continue
        items = source.mapping(root, "a rule file")
        source.check_keys(items, _TOP_KEYS, "a rule file")
        for key, _, value in items:
            if key == "vocabularies":
                for vocab_name, vocab_key, vocab_node in source.mapping(value, "vocabularies"):
                    if not _NAME.fullmatch(vocab_name):
                        raise source.error(
                            vocab_key,
                            f"bad vocabulary name '{vocab_name}'",
                            "lowercase letters, digits and '_', starting with a letter",
                        )
                    if _is_extension(source, vocab_name, vocab_node):
                        extension = _vocabulary(source, vocab_name, vocab_node)
                        extensions.append((source, vocab_key, extension))
                        continue
                    if vocab_name in vocabularies:
                        raise source.error(
                            vocab_key,
                            f"duplicate vocabulary '{vocab_name}' "
                            f"(also defined at {vocabulary_places[vocab_name]})",
                        )
                    vocabularies[vocab_name] = _vocabulary(source, vocab_name, vocab_node)
                    vocabulary_places[vocab_name] = source.place(vocab_key)
            elif isinstance(value, ScalarNode) and value.tag == _NULL_TAG:
                continue
            elif not isinstance(value, SequenceNode):
                raise source.error(value, "'rules' must be a list of rules")
            else:
                for rule_node in value.value:
                    draft = _RuleDraft(source, rule_node)
                    rule_id = draft.rule.id
                    if rule_id in rule_places:
                        raise source.error(
                            draft.id_node,
                            f"duplicate rule id '{rule_id}' "
                            f"(also defined at {rule_places[rule_id]})",
                        )
                    rule_places[rule_id] = source.place(draft.id_node)
                    drafts.append(draft)
    for source, key_node, extension in extensions:
        vocabularies[extension.name] = _extended(source, key_node, vocabularies, extension)
    for name, vocabulary in vocabularies.items():
        named = [(key, getattr(vocabulary, key)) for key in _REFERENCE_KEYS]
        named += [("not_inside", other) for other in vocabulary.not_inside]
        for key, other in named:
            if other is not None and other not in vocabularies:
                raise RuleError(
                    f"vocabulary '{name}': {key} names no vocabulary '{other}'",
                    file=vocabulary_places[name].rsplit(":", 2)[0],
                )
    compiler = Compiler(vocabularies)
    return RuleSet([draft.compile(compiler) for draft in drafts], compiler)
