"""Compiled rule sets are cached on disk, keyed by the rule files and the matcher's code."""

from __future__ import annotations

import gc
import json
import os
import types
from datetime import UTC, datetime
from pathlib import Path

import pytest

import monitor.rulepacks as rulepacks
from monitor.config import rules_cache_dir
from monitor.errors import ConfigError
from rules import Document, RuleSet
from tests.conftest import REPO

RULE = """
rules:
  - id: mine
    query: SENTENCE(@withdraw_actions NEAR/8 @treaties)
"""
NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def rule_file(tmp_path: Path) -> Path:
    path = tmp_path / "mine.yaml"
    path.write_text(RULE, encoding="utf-8")
    return path


def _fresh_process() -> None:
    rulepacks._COMPILED.clear()


def test_a_second_process_reads_the_compiled_rules_back(tmp_path: Path, rule_file: Path) -> None:
    cache = tmp_path / "cache"
    _fresh_process()
    first = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    stored = list(cache.glob("rules-*.pickle"))
    assert len(stored) == 1
    _fresh_process()
    again = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    assert again is not first  # read back from disk, not from this process's memory
    doc = Document(title="Qatar quits OPEC")
    assert [m.rule_id for m in again.match(doc, NOW)] == [m.rule_id for m in first.match(doc, NOW)]
    assert [m.rule_id for m in again.match(doc, NOW)] == ["mine"]


@pytest.mark.parametrize("section", ["prefilter", "matcher"])
def test_ids_read_back_from_the_cache_are_shared(
    tmp_path: Path, rule_file: Path, section: str
) -> None:
    """Equal ids in a section of the compiled set read back are one object (a plain pickle
    made one per occurrence: 203,637 integers for 86,604 ids in the built-in pack, +15 MB
    held)."""
    cache = tmp_path / "cache"
    _fresh_process()
    rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    _fresh_process()
    again = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    again.thaw()  # every section read (each is read when first needed)
    objects: list[int] = []
    seen: set[int] = set()
    stack: list[object] = [again.sections()[1][section]]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, (type, types.ModuleType, types.FunctionType)):
            continue
        seen.add(id(item))
        if type(item) is int:
            objects.append(item)
        elif not isinstance(item, (str, bytes, float)):
            stack.extend(gc.get_referents(item))
    ids = [item for item in objects if item > 256]  # Python shares the smaller ones itself
    assert len(ids) > 500
    assert len(ids) == len(set(ids))  # one object per distinct value


def test_a_changed_rule_file_is_compiled_again(tmp_path: Path, rule_file: Path) -> None:
    cache = tmp_path / "cache"
    _fresh_process()
    rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    rule_file.write_text(RULE.replace("NEAR/8", "NEAR/2"), encoding="utf-8")
    rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    assert len(list(cache.glob("rules-*.pickle"))) == 2


def test_a_damaged_cache_file_is_ignored_and_replaced(
    tmp_path: Path, rule_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    _fresh_process()
    rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    (stored,) = cache.glob("rules-*.pickle")
    stored.write_bytes(b"not a pickle")
    _fresh_process()
    ruleset = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    assert ruleset.match(Document(title="Qatar quits OPEC"), NOW)
    assert "rules_cache_unreadable" in caplog.text
    assert stored.read_bytes() != b"not a pickle"


def test_an_unwritable_cache_costs_only_speed(
    tmp_path: Path, rule_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache folder would be", encoding="utf-8")
    _fresh_process()
    ruleset = rulepacks.load_rules([str(rule_file)], cache_dir=blocked / "cache")
    assert ruleset.match(Document(title="Qatar quits OPEC"), NOW)
    assert "rules_cache_unwritable" in caplog.text


def test_the_cache_folder_follows_xdg_then_home() -> None:
    assert rules_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/treatywatch")
    assert rules_cache_dir({"HOME": "/home/u"}) == Path("/home/u/.cache/treatywatch")


def test_the_vocabulary_only_files_are_those_a_yaml_parse_finds_without_rules() -> None:
    """`_vocabulary_only` looks for a top-level `rules:` key without parsing the pack."""
    import yaml

    files = rulepacks.builtin_pack_files()
    parsed = {
        name
        for name, text in files.items()
        if "rules"
        not in (yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {})
    }
    assert set(rulepacks._vocabulary_only(files)) == parsed
    assert 0 < len(parsed) < len(files)


def _rows() -> list[Document]:
    """The labelled rows of tests/data/rules_eval.jsonl as documents."""
    path = REPO / "tests" / "data" / "rules_eval.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        Document(title=row.get("title"), summary=row.get("summary"), content=row.get("content"))
        for row in rows
    ]


def _answers(ruleset: RuleSet, documents: list[Document]) -> list[object]:
    return [
        (ruleset.match(doc, NOW), ruleset.near_misses(doc, NOW), ruleset.entities(doc))
        for doc in documents
    ]


def test_a_rule_set_read_back_reads_its_sections_when_first_needed(
    tmp_path: Path, rule_file: Path
) -> None:
    """Listing the rules reads no section of the cache file; a document the prefilter stops
    reads the prefilter alone; a document it lets through reads the rest. The answers are the
    compiled set's, on every labelled row (matches, near misses, entities)."""
    cache = tmp_path / "cache"
    _fresh_process()
    compiled = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    _fresh_process()
    again = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    assert again.unread_sections == {"prefilter", "matcher"}
    assert [rule.id for rule in again.rules] == ["mine"]
    assert again.unread_sections == {"prefilter", "matcher"}
    assert again.match(Document(title="Weather: sunny all week"), NOW) == []
    assert again.unread_sections == {"matcher"}
    assert [m.rule_id for m in again.match(Document(title="Qatar quits OPEC"), NOW)] == ["mine"]
    assert again.unread_sections == set()
    documents = _rows()
    assert _answers(again, documents) == _answers(compiled, documents)


def test_a_rule_set_compiled_and_cached_is_the_one_read_back(
    tmp_path: Path, rule_file: Path
) -> None:
    """The first start after a change of the rules compiles them, writes the cache and goes on
    with the set read back from it, as the next start will: what the compiler built besides
    is freed, and the sections are read when needed (a service's memory is then the same
    whether its cache was warm or not)."""
    cache = tmp_path / "cache"
    _fresh_process()
    first = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    assert first.unread_sections == {"prefilter", "matcher"}
    assert [m.rule_id for m in first.match(Document(title="Qatar quits OPEC"), NOW)] == ["mine"]


def test_a_section_whose_cache_file_is_gone_is_compiled_again(
    tmp_path: Path, rule_file: Path, caplog: pytest.LogCaptureFixture
) -> None:
    cache = tmp_path / "cache"
    _fresh_process()
    rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    _fresh_process()
    again = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    for stored in cache.glob("rules-*.pickle"):
        stored.unlink()
    assert [m.rule_id for m in again.match(Document(title="Qatar quits OPEC"), NOW)] == ["mine"]
    assert "rules_cache_unreadable" in caplog.text
    assert again.unread_sections == set()


def test_a_rule_set_read_back_pickles_whole(tmp_path: Path, rule_file: Path) -> None:
    """A parse pool hands a worker the caller's rule set pickled when the worker cannot read
    it itself: every section goes with it, read first."""
    import pickle

    cache = tmp_path / "cache"
    _fresh_process()
    rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    _fresh_process()
    again = rulepacks.load_rules([str(rule_file)], cache_dir=cache)
    copy = pickle.loads(pickle.dumps(again))
    assert copy.unread_sections == set()
    assert [m.rule_id for m in copy.match(Document(title="Qatar quits OPEC"), NOW)] == ["mine"]


@pytest.mark.parametrize(
    "text", ["a\r\nb\rc\nd", "\r\r\n\n", "Ελλάδα\r\n条约\u2028x\x85y", "", "no newline"]
)
def test_pack_files_are_decoded_as_read_text_does(tmp_path: Path, text: str) -> None:
    """The built-in files are read as bytes and decoded by `_text` (faster than `read_text`,
    whose texts the cache key and the compiler saw before): the same text, newlines and all."""
    path = tmp_path / "file.yaml"
    path.write_bytes(text.encode("utf-8"))
    assert rulepacks._text(path.read_bytes()) == path.read_text(encoding="utf-8")


def test_a_file_changed_with_its_size_and_mtime_kept_has_another_key(
    tmp_path: Path, rule_file: Path
) -> None:
    """The key of record is the files' content, never their stats: an edit keeping the size
    and with its modification time put back is still a new key (compiled again)."""
    key = rulepacks._fingerprint(rulepacks._read_bytes([str(rule_file)]))
    before = rule_file.stat()
    rule_file.write_text(RULE.replace("NEAR/8", "NEAR/9"), encoding="utf-8")
    os.utime(rule_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert rule_file.stat().st_size == before.st_size
    assert rule_file.stat().st_mtime_ns == before.st_mtime_ns
    assert rulepacks._fingerprint(rulepacks._read_bytes([str(rule_file)])) != key


def test_the_key_is_read_from_bytes_and_the_compiler_gets_the_texts(
    tmp_path: Path, rule_file: Path
) -> None:
    """The key hashes the files as read (no decoding at a start whose set is cached); what
    the compiler and the routing check read is the same files decoded as ``read_text`` does."""
    files = rulepacks._read_bytes(None)
    assert all(type(data) is bytes for data in files.values())
    assert rulepacks._read(None) == rulepacks.builtin_pack_files()
    assert {n: rulepacks._text(d) for n, d in files.items()} == rulepacks.builtin_pack_files()
    mine = rulepacks._read_bytes([str(rule_file)])
    assert mine[str(rule_file)] == rule_file.read_bytes()
    assert set(mine) - {str(rule_file)} == set(  # no pack asked for: its vocabularies only
        rulepacks._vocabulary_only(rulepacks.builtin_pack_files())
    )


def test_a_rule_file_that_is_no_utf8_is_refused_when_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"rules: []\n# \xff\n")
    with pytest.raises(ConfigError, match=r"rules\[0\]: cannot read .*bad.yaml: 'utf-8' codec"):
        rulepacks.load_rules([str(bad)], cache_dir=tmp_path / "cache")
