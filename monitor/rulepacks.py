"""Reading rule files: the built-in packs (package data of ``rules``) and the user's files.

``rules`` does no I/O, so this module reads the texts and hands them to ``rules.load_ruleset``.
A config entry is ``builtin:NAME`` (a pack shipped in ``rules/packs/NAME/``) or a path to a YAML
file. The built-in vocabularies (``@treaties``, ``@states``, ...) are always available, so a
user's own rules can refer to them without loading the built-in rules.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import io
import logging
import os
import pickle
import re
import time
from array import array
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import BinaryIO

import rules
from monitor.errors import ConfigError, UsageError
from monitor.logs import log_event
from monitor.memory import collection_paused
from rules import RuleError, RuleSet

__all__ = [
    "BUILTIN_PACK",
    "builtin_pack_files",
    "builtin_packs",
    "check_routing",
    "load_rules",
]

BUILTIN_PACK = "treaty-withdrawal"
_PREFIX = "builtin:"


def builtin_packs() -> list[str]:
    """Names of the packs shipped with treatywatch."""
    root = resources.files("rules").joinpath("packs")
    return sorted(entry.name for entry in root.iterdir() if entry.is_dir())


def builtin_pack_files(name: str = BUILTIN_PACK) -> dict[str, str]:
    """The files of one built-in pack, as ``{"builtin:NAME/file.yaml": text}``."""
    return _texts(_builtin_pack_bytes(name))


def _builtin_pack_bytes(name: str) -> dict[str, bytes]:
    """The files of one built-in pack as read, undecoded (see :func:`_read_bytes`)."""
    root = resources.files("rules").joinpath("packs").joinpath(name)
    if not root.is_dir():
        raise ConfigError(
            [f"rules: no built-in pack {name!r} (have: {', '.join(builtin_packs())})"]
        )
    return {f"{_PREFIX}{name}/{rel}": data for rel, data in _walk(root, "")}


def _walk(folder: Traversable, prefix: str) -> Iterable[tuple[str, bytes]]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            yield from _walk(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith((".yaml", ".yml")):
            yield f"{prefix}{entry.name}", entry.read_bytes()


def _texts(files: Mapping[str, bytes]) -> dict[str, str]:
    return {name: _text(data) for name, data in files.items()}


def _text(data: bytes) -> str:
    """``data`` decoded as ``read_text`` does (UTF-8, universal newlines), in a third of its
    time: the built-in pack's 2.1 MB are read at every start, to find their key."""
    text = data.decode("utf-8")
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


_TOP_RULES = re.compile(r"^rules\s*:", re.MULTILINE)


def _vocabulary_only(files: dict[str, str]) -> dict[str, str]:
    """The built-in files that hold no rules (a top-level ``rules:`` key), told apart without
    parsing 1.6 MB of YAML; tests/monitor/test_rulepacks_cache.py holds it to a real parse."""
    return {name: text for name, text in files.items() if not _TOP_RULES.search(text)}


log = logging.getLogger(__name__)
_events = logging.getLogger("treatywatch.rules")

_CACHE_DAYS = 30

_COMPILED: dict[str, RuleSet] = {}
"""Rule sets compiled in this process, by :func:`_fingerprint` (the same files compile once)."""


_FORMAT = b"sections-2"
"""The cache file's layout (see :func:`_dump`): part of the key, so no process reads a file
written in another layout."""

_SHARED_INTS = 1 << 32
"""Integers below this (pattern, literal and label ids) are written to the cache as references
into one table, so that equal ids are one object once read back (see :func:`_dump`)."""


def _fingerprint(files: Mapping[str, bytes]) -> str:
    """A key for compiled rules: the files' names and contents (their bytes as read: hashing
    the built-in pack's decoded text meant encoding its 2.2 MB again at every start, and a
    cache hit now decodes nothing), the code of ``rules`` that compiles them (a changed
    matcher never reads an old compiled set) and the cache layout."""
    digest = hashlib.sha256(_FORMAT)
    for name in sorted(files):
        digest.update(name.encode("utf-8", "surrogatepass") + b"\0")
        digest.update(len(files[name]).to_bytes(8, "little"))
        digest.update(files[name])
    digest.update(_code_digest())
    return digest.hexdigest()[:32]


@functools.cache
def _code_digest() -> bytes:
    """The digest of the ``rules`` package's code, read once per process."""
    digest = hashlib.sha256()
    code = resources.files("rules")
    for entry in sorted(code.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            digest.update(entry.read_bytes())
    return digest.digest()


def _compile(
    files: dict[str, bytes], cache_dir: Path | None, again: Callable[[], dict[str, bytes]]
) -> RuleSet:
    """``load_ruleset(files)`` (decoded), remembered in this process and, with ``cache_dir``,
    on disk: compiling the built-in pack takes seconds, reading it back a fraction of that (and its
    sections only when first needed, see :func:`_open`)."""
    key = _fingerprint(files)
    known = _COMPILED.get(key)
    if known is not None:
        return known
    path = cache_dir / f"rules-{key}.pickle" if cache_dir is not None else None
    if path is not None:
        try:
            ruleset = _open(path, functools.partial(_compile_again, key, again))
            _COMPILED[key] = ruleset
            os.utime(path)  # in use: keep it
            return ruleset
        except FileNotFoundError:
            pass
        except Exception as exc:  # a damaged or foreign cache file: compile again
            log.warning("event=rules_cache_unreadable path=%s error=%r", path, exc)
    ruleset = rules.load_ruleset(_texts(files))  # the compiler is imported only here
    if path is not None and _store(path, ruleset):
        # read back, as the next start will: what the compiler built besides (the
        # vocabularies' terms, its indexes) is freed, and the sections are read when needed
        try:
            ruleset = _open(path, functools.partial(_compile_again, key, again))
        except Exception as exc:
            log.warning("event=rules_cache_unreadable path=%s error=%r", path, exc)
    _COMPILED[key] = ruleset
    return ruleset


def _compile_again(key: str, again: Callable[[], dict[str, bytes]]) -> RuleSet:
    """The rules of key ``key`` compiled from ``again()``, the files read again; raises
    ``RuleError`` when they no longer have that key (they changed since they were read)."""
    files = again()
    if _fingerprint(files) != key:
        raise RuleError("the rule files changed while treatywatch ran: start it again")
    return rules.load_ruleset(_texts(files))


def _store(path: Path, ruleset: RuleSet) -> bool:
    """Write the compiled rules next to the state, atomically; whether it was written (a
    failure only costs speed)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        now = time.time()
        for old in path.parent.glob("rules-*"):  # entries unused for a month, stale partials
            try:
                age = now - old.stat().st_mtime
            except FileNotFoundError:  # another process tidied it first
                continue
            if age > _CACHE_DAYS * 86_400 or (old.suffix == ".tmp" and age > 3_600):
                old.unlink(missing_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        with temporary.open("wb") as handle:
            _dump(ruleset, handle)
        temporary.replace(path)
    except OSError as exc:
        log.warning("event=rules_cache_unwritable path=%s error=%r", path, exc)
        return False
    return True


def _dump(ruleset: RuleSet, handle: BinaryIO) -> None:
    """Write ``ruleset`` as :func:`_open` reads it: an index, then the head (the rules, labels
    and vocabulary names, which every command reads) and each section of
    ``rules.RuleSet.sections`` as a pickle of its own, so that a process reads a section only
    when it first needs it (a ``poll`` whose documents the prefilter stops reads the prefilter
    alone, ``check`` none).

    The sections share their ids: a plain pickle makes a new object of every integer it reads
    (the same pattern id in the scanner's index, the prefilter and the vocabularies' term sets
    became three objects, 192,000 integers in all for 77,000 distinct ids). Each integer from
    257 (the smaller ones are shared by Python anyway) to ``_SHARED_INTS`` is written as a
    reference (pickle's persistent ids), its place in the section's table of the distinct ones,
    written as one array before it; :func:`_thaw` makes each once. Equal ids of a section are
    then also the same object, which a parse worker reads without writing to its pages. (The
    table was ``range(largest)``: one mask of the prefilter made that 508,000 integers, 18 ms
    and 18 MB at every start, for 89,000 ids.)"""
    head, sections = ruleset.sections()
    parts = {"": pickle.dumps(head, protocol=pickle.HIGHEST_PROTOCOL)}
    parts.update((name, _pickled(slots)) for name, slots in sections.items())
    index = (_FORMAT, [(name, len(part)) for name, part in parts.items()])
    pickle.dump(index, handle, protocol=pickle.HIGHEST_PROTOCOL)
    for part in parts.values():
        handle.write(part)


def _pickled(slots: object) -> bytes:
    """One section for :func:`_dump`: its table of shared ids, then its pickle."""
    places: dict[int, int] = {}

    def shared(obj: object) -> int | None:
        if type(obj) is int and 256 < obj < _SHARED_INTS:
            return places.setdefault(obj, len(places))
        return None

    body = io.BytesIO()
    pickler = pickle.Pickler(body, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.persistent_id = shared  # type: ignore[method-assign]
    pickler.dump(slots)
    table = pickle.dumps(array("I", places), protocol=pickle.HIGHEST_PROTOCOL)
    return table + body.getvalue()


def _open(path: Path, again: Callable[[], RuleSet]) -> RuleSet:
    """The rule set :func:`_dump` wrote to ``path``: its head read now, each section when the
    rule set first needs it (``rules.RuleSet.from_sections``), from the same path (its name is
    its content's key, so a file written there meanwhile holds the same). Should the file be
    gone or damaged by then, the section comes from ``again()``, the rules compiled anew."""
    with path.open("rb") as handle:
        layout, sizes = pickle.load(handle)
        if layout != _FORMAT:
            raise pickle.UnpicklingError(f"not a rules cache file (starts with {layout!r})")
        at = handle.tell()
        where: dict[str, tuple[int, int]] = {}
        for name, size in sizes:
            where[name] = (at, size)
            at += size
        if at != os.fstat(handle.fileno()).st_size:
            raise pickle.UnpicklingError(f"a rules cache file of {at} bytes expected")
        head = pickle.loads(_read_part(handle, *where.pop("")))
    if not isinstance(head, dict):
        raise pickle.UnpicklingError("not a rules cache file (no head)")

    def thaw(name: str) -> Mapping[str, object]:
        """Read section ``name`` (``RuleSet`` calls this once per section, under its lock)."""
        began = time.process_time()
        try:
            slots = _thaw(path, where[name])
        except Exception as exc:
            log.warning("event=rules_cache_unreadable path=%s error=%r", path, exc)
            return again().sections()[1][name]
        spent = round((time.process_time() - began) * 1000)
        log_event(_events, logging.DEBUG, "rules_section_read", section=name, cpu_ms=spent)
        return slots

    return RuleSet.from_sections(head, thaw)


def _thaw(path: Path, part: tuple[int, int]) -> dict[str, object]:
    """One section of the cache file at ``path`` (see :func:`_pickled`)."""
    with path.open("rb") as handle:
        data = io.BytesIO(_read_part(handle, *part))
    ids = pickle.load(data)
    if type(ids) is not array:
        raise pickle.UnpicklingError("a rules cache section without its table")
    unpickler = pickle.Unpickler(data)
    unpickler.persistent_load = ids.tolist().__getitem__  # type: ignore[method-assign]
    with collection_paused():  # its many objects are long-lived: a collection finds nothing
        slots = unpickler.load()
    if not isinstance(slots, dict):
        raise pickle.UnpicklingError("a rules cache section holds no mapping")
    return slots


def _read_part(handle: BinaryIO, at: int, size: int) -> bytes:
    data = os.pread(handle.fileno(), size, at)
    if len(data) != size:
        raise pickle.UnpicklingError("a rules cache file cut short")
    return data


def load_rules(
    entries: Iterable[str] | None,
    *,
    base: Path | None = None,
    cache_dir: Path | None = None,
    option: str | None = None,
) -> RuleSet:
    """Compile the rule set a config asks for (None: the built-in treaty-withdrawal pack).

    With ``cache_dir`` the compiled set is kept there, keyed by the files' contents and the
    matcher's code. Raises ``RuleError`` (file, line, column) for an invalid rule and
    ``ConfigError`` for a missing file or unknown pack, or ``UsageError`` naming ``option``
    when the entries come from that command-line option rather than the config.
    """
    entries = None if entries is None else list(entries)
    again = functools.partial(_read_bytes, entries, base=base, option=option)
    return _compile(again(), cache_dir, again)


def _read(
    entries: Iterable[str] | None, *, base: Path | None = None, option: str | None = None
) -> dict[str, str]:
    """The texts of the rule files a config asks for, by name (see ``load_rules``)."""
    return _texts(_read_bytes(entries, base=base, option=option))


def _read_bytes(
    entries: Iterable[str] | None, *, base: Path | None = None, option: str | None = None
) -> dict[str, bytes]:
    """The rule files a config asks for, by name, as read: the key of the compiled set is
    their bytes', so a start whose set is in the cache decodes none of them (the user's own
    files are decoded here all the same, to report a file that is no UTF-8 as before)."""
    entries = [f"{_PREFIX}{BUILTIN_PACK}"] if entries is None else list(entries)
    files: dict[str, bytes] = {}
    packs = [entry[len(_PREFIX) :] for entry in entries if entry.startswith(_PREFIX)]
    for pack in packs:
        if option is not None and pack not in builtin_packs():
            have = ", ".join(builtin_packs())
            raise UsageError(f"{option} {_PREFIX}{pack}: no such built-in pack (have: {have})")
        files.update(_builtin_pack_bytes(pack))
    if not packs:
        shipped = _builtin_pack_bytes(BUILTIN_PACK)
        files.update((name, shipped[name]) for name in _vocabulary_only(_texts(shipped)))
    for index, entry in enumerate(entries):
        if entry.startswith(_PREFIX):
            continue
        path = Path(entry) if base is None or Path(entry).is_absolute() else base / entry
        try:
            data = path.read_bytes()
            _text(data)  # no UTF-8: refused now, as read_text did
            files[str(path)] = data
        except FileNotFoundError:
            if option is not None:
                raise UsageError(f"{option} {entry}: no such file") from None
            raise ConfigError([f"rules[{index}]: no such file {entry}"]) from None
        except (OSError, UnicodeDecodeError) as exc:
            if option is not None:
                raise UsageError(f"{option} {entry}: cannot read: {exc}") from exc
            raise ConfigError([f"rules[{index}]: cannot read {entry}: {exc}"]) from exc
    return files


def check_routing(
    ruleset: RuleSet,
    channels: Sequence[str],
    channel_rules: Mapping[str, Sequence[str]],
    entries: Iterable[str] | None,
    *,
    base: Path | None = None,
) -> list[str]:
    """Check that rules and channels route to each other: raise ``RuleError`` (the rule's file
    and line, its id, its ``channels`` key) when a rule names a channel that is not among
    ``channels`` (its alerts would go nowhere), and return one warning per pattern of a
    channel's ``rules:`` (``channel_rules``, by channel name) that matches no loaded rule."""
    known = set(channels)
    for rule in ruleset.rules:
        missing = [name for name in rule.channels if name not in known]
        if missing:
            file, line = _rule_place(_read(entries, base=base), rule.id)
            have = ", ".join(channels) or "none"
            raise RuleError(
                f"rule {rule.id!r}: channels: no channel named {missing[0]!r} (configured: {have})",
                file=file,
                line=line,
            )
    warnings = []
    ids = [rule.id for rule in ruleset.rules]
    for name, patterns in channel_rules.items():
        for pattern in patterns:
            if not any(fnmatch.fnmatchcase(rule_id, pattern) for rule_id in ids):
                warnings.append(
                    f"channel {name!r}: rules: {pattern!r} matches no loaded rule, "
                    "so it receives no alert for it"
                )
    return warnings


def _rule_place(files: Mapping[str, str], rule_id: str) -> tuple[str | None, int | None]:
    """The file and line of the ``channels`` key of the rule ``rule_id`` (else of its ``id``)."""
    ident = re.compile(
        rf"""^[ \t-]*id[ \t]*:[ \t]*(["']?){re.escape(rule_id)}\1[ \t]*(?:#.*)?$""", re.MULTILINE
    )
    for name, text in files.items():
        found = ident.search(text)
        if found is None:
            continue
        after = _NEXT_ID.search(text, found.end())
        stop = after.start() if after else len(text)
        key = _CHANNELS_KEY.search(text, found.end(), stop)
        at = key.start() if key is not None else found.start()
        return name, text.count("\n", 0, at) + 1
    return None, None


_NEXT_ID = re.compile(r"^[ \t-]*id[ \t]*:", re.MULTILINE)
_CHANNELS_KEY = re.compile(r"^[ \t-]*channels[ \t]*:", re.MULTILINE)
