"""Score the built-in rule pack against the labelled evaluation set, dev and held-out parts.

The set lives in ``tests/data/`` (see ``tests/data/README.md``): ``rules_eval.jsonl`` is the dev
part, ``rules_heldout.jsonl`` the held-out part (other events, other treaties and organisations,
written before the pack was changed for them and never used to tune it). One JSON object per
line, ``label`` either ``positive`` (news of a state's step out of an international treaty or
organisation) or ``negative`` (a near miss). For every row a ``rules.Document`` is built from
the title, summary and language and matched with the built-in rule pack; a row is predicted
positive when at least one rule matches. The report is printed for both parts; for the held-out
part it gives counts only, never the items, so that reading a test run does not tune the pack.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import rules

DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "rules_eval.jsonl"
HELDOUT_PATH = DATA_PATH.with_name("rules_heldout.jsonl")
PARTS = {"dev": DATA_PATH, "heldout": HELDOUT_PATH}
NOW = datetime(2027, 1, 1, tzinfo=UTC)

MIN_RECALL = 0.95
MIN_PRECISION = 0.97
MIN_POSITIVES = 150
MIN_NEGATIVES = 150
MIN_POSITIVE_EVENTS = 15
MIN_POSITIVE_LANGUAGES = 8
# the whole set (both parts) and the held-out part alone (issue 10)
MIN_ROWS_ALL = 600
MIN_EVENTS_ALL = 60
MIN_LANGUAGES_ALL = 20
MIN_HELDOUT_EVENTS = 20

LABELS = ("positive", "negative")
STEPS = frozenset(
    {
        "announcement",
        "government_decision",
        "parliament_vote",
        "signed_into_law",
        "notification",
        "entry_into_force",
        "suspension",
    }
)
REQUIRED_KEYS = frozenset({"id", "label", "language", "title", "summary", "event", "reference_url"})
POSITIVE_ONLY_KEYS = frozenset({"step", "states", "treaty"})
ALLOWED_KEYS = REQUIRED_KEYS | POSITIVE_ONLY_KEYS | {"published"}
DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ID_RE = re.compile(r"^(pos|neg)-\d{3,}$")
LANGUAGE_RE = re.compile(r"^[a-z]{2}$")
EVENT_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
URL_RE = re.compile(r"^https://[^\s/]+\.[^\s/]+(?:/\S*)?$")
ASCII_ESCAPE_RE = re.compile(r"\\u[0-9a-fA-F]{4}")
MAX_TITLE = 300
MAX_SUMMARY = 800

Row = dict[str, Any]


def _text_problems(row: Row, key: str, limit: int) -> list[str]:
    value = row.get(key)
    if not isinstance(value, str) or not value.strip():
        return [f"{key!r} must be a non-empty string"]
    problems = []
    if value != value.strip():
        problems.append(f"{key!r} has leading or trailing whitespace")
    if len(value) > limit:
        problems.append(f"{key!r} is longer than {limit} characters")
    if "\n" in value or "\r" in value:
        problems.append(f"{key!r} contains a line break")
    return problems


def row_problems(row: Any) -> list[str]:
    """Return every schema problem of one parsed row (empty when the row is valid)."""
    if not isinstance(row, dict):
        return ["row is not a JSON object"]
    problems = []
    missing = REQUIRED_KEYS - row.keys()
    if missing:
        problems.append(f"missing keys {sorted(missing)}")
    extra = row.keys() - ALLOWED_KEYS
    if extra:
        problems.append(f"unknown keys {sorted(extra)}")

    label = row.get("label")
    if label not in LABELS:
        problems.append(f"'label' must be one of {LABELS}, got {label!r}")

    row_id = row.get("id")
    if not isinstance(row_id, str) or not ID_RE.match(row_id):
        problems.append(f"'id' must look like pos-001 or neg-001, got {row_id!r}")
    elif label in LABELS and not row_id.startswith(label[:3] + "-"):
        problems.append(f"'id' {row_id!r} does not match label {label!r}")

    language = row.get("language")
    if not isinstance(language, str) or not LANGUAGE_RE.match(language):
        problems.append(f"'language' must be a two-letter ISO 639-1 code, got {language!r}")

    event = row.get("event")
    if not isinstance(event, str) or not EVENT_RE.match(event):
        problems.append(f"'event' must be a lowercase id (a-z, 0-9, - or _), got {event!r}")

    if label == "positive":
        if row.get("step") not in STEPS:
            problems.append(f"'step' must be one of {sorted(STEPS)}, got {row.get('step')!r}")
    else:
        problems += [
            f"{k!r} is only allowed on positive rows" for k in POSITIVE_ONLY_KEYS & row.keys()
        ]
    states = row.get("states", [])
    if not isinstance(states, list) or not all(isinstance(x, str) and x for x in states):
        problems.append("'states' must be a list of state names")
    if "treaty" in row and not (isinstance(row["treaty"], str) and row["treaty"].strip()):
        problems.append("'treaty' must be a non-empty string")
    published = row.get("published", "2000-01-01")
    if not isinstance(published, str) or not DATE_RE.match(published):
        problems.append(f"'published' must be a date like 2025-03-18, got {published!r}")

    url = row.get("reference_url")
    if not isinstance(url, str) or not URL_RE.match(url):
        problems.append(f"'reference_url' must be an https:// URL, got {url!r}")

    problems += _text_problems(row, "title", MAX_TITLE)
    problems += _text_problems(row, "summary", MAX_SUMMARY)
    return problems


def file_problems(path: Path) -> list[str]:
    """Check the whole file; every problem is reported as ``line N: ...``."""
    problems: list[str] = []
    seen_ids: dict[str, int] = {}
    seen_titles: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return [f"{path.name} is not valid UTF-8: {exc}"]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            problems.append(f"line {number}: blank line")
            continue
        if ASCII_ESCAPE_RE.search(line):
            problems.append(
                f"line {number}: \\uXXXX escape; write the file with ensure_ascii=False"
            )
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        problems += [f"line {number}: {problem}" for problem in row_problems(row)]
        if not isinstance(row, dict):
            continue
        row_id = row.get("id")
        if isinstance(row_id, str):
            if row_id in seen_ids:
                problems.append(
                    f"line {number}: duplicate id {row_id!r} (first on line {seen_ids[row_id]})"
                )
            seen_ids.setdefault(row_id, number)
        title = row.get("title")
        if isinstance(title, str):
            key = title.casefold()
            if key in seen_titles:
                problems.append(
                    f"line {number}: duplicate title (first on line {seen_titles[key]})"
                )
            seen_titles.setdefault(key, number)
    if not seen_ids and not problems:
        problems.append(f"{path.name} has no rows")
    return problems


def load_rows(path: Path = DATA_PATH) -> list[Row]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 0.0


@dataclass
class Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, label: str, predicted: bool) -> None:
        if label == "positive":
            if predicted:
                self.tp += 1
            else:
                self.fn += 1
        elif predicted:
            self.fp += 1
        else:
            self.tn += 1

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def precision(self) -> float:
        return _ratio(self.tp, self.tp + self.fp)


@dataclass
class Score:
    total: Tally = field(default_factory=Tally)
    by_language: dict[str, Tally] = field(default_factory=dict)
    by_event: dict[str, Tally] = field(default_factory=dict)
    false_negatives: list[Row] = field(default_factory=list)
    false_positives: list[Row] = field(default_factory=list)

    def report(self, name: str = DATA_PATH.name, *, items: bool = True) -> str:
        """The scores as text; ``items=False`` leaves out the missed and false items."""
        t = self.total
        lines = [
            f"Built-in rule pack on tests/data/{name}",
            f"  TP={t.tp}  FP={t.fp}  FN={t.fn}  TN={t.tn}",
            f"  recall={t.recall:.3f} (min {MIN_RECALL})  "
            f"precision={t.precision:.3f} (min {MIN_PRECISION})",
            "",
            "Per language:",
            f"  {'lang':<6}{'pos':>5}{'TP':>5}{'FN':>5}{'recall':>8}{'neg':>6}{'FP':>5}{'TN':>5}",
        ]
        for lang in sorted(self.by_language):
            x = self.by_language[lang]
            lines.append(
                f"  {lang:<6}{x.tp + x.fn:>5}{x.tp:>5}{x.fn:>5}{x.recall:>8.3f}"
                f"{x.fp + x.tn:>6}{x.fp:>5}{x.tn:>5}"
            )
        lines += ["", "Per positive event (TP/total):"]
        for event in sorted(e for e, x in self.by_event.items() if x.tp + x.fn):
            x = self.by_event[event]
            lines.append(f"  {event:<28}{x.tp:>4}/{x.tp + x.fn:<4}")
        lines += ["", "Per negative category (FP/total):"]
        for event in sorted(e for e, x in self.by_event.items() if x.fp + x.tn):
            x = self.by_event[event]
            lines.append(f"  {event:<28}{x.fp:>4}/{x.fp + x.tn:<4}")
        if not items:
            lines += [
                "",
                f"False negatives: {len(self.false_negatives)}, false positives: "
                f"{len(self.false_positives)} (held out: the items are not shown)",
            ]
            return "\n".join(lines)
        lines += ["", f"False negatives ({len(self.false_negatives)}):"]
        lines += [f"  {r['id']} [{r['language']}] {r['title']}" for r in self.false_negatives]
        lines += ["", f"False positives ({len(self.false_positives)}):"]
        lines += [f"  {r['id']} [{r['language']}] {r['title']}" for r in self.false_positives]
        return "\n".join(lines)


def score(rows: Iterable[Row], predict: Callable[[Row], bool]) -> Score:
    result = Score()
    for row in rows:
        predicted = bool(predict(row))
        label = row["label"]
        result.total.add(label, predicted)
        result.by_language.setdefault(row["language"], Tally()).add(label, predicted)
        result.by_event.setdefault(row["event"], Tally()).add(label, predicted)
        if label == "positive" and not predicted:
            result.false_negatives.append(row)
        elif label == "negative" and predicted:
            result.false_positives.append(row)
    return result


@pytest.mark.parametrize("part", PARTS)
def test_eval_set_schema(part: str) -> None:
    path = PARTS[part]
    problems = file_problems(path)
    assert not problems, f"{len(problems)} problem(s) in {path.name}:\n" + "\n".join(problems)


def assert_apart(rows: list[Row], name: str, other: list[Row], other_name: str) -> None:
    """No id, title or positive event of ``rows`` is in ``other``; a failure names the ids of
    ``rows`` that clash, never the text of ``other`` (which may be the held-out part)."""
    # Each assertion tests the list of ``rows``' ids alone: pytest prints the asserted value on
    # failure, and a set shared with ``other`` would show the held-out part's titles.
    for key in ("id", "title"):
        shared = {r[key] for r in rows} & {r[key] for r in other}
        clashing = sorted(r["id"] for r in rows if r[key] in shared)
        assert not clashing, f"{key} of these {name} rows is also in the {other_name} part"
    positive = {r["event"] for r in other if r["label"] == "positive"}
    clashing = sorted(r["id"] for r in rows if r["label"] == "positive" and r["event"] in positive)
    assert not clashing, f"the events of these {name} rows are also in the {other_name} part"


def test_eval_parts_share_no_id_title_or_event() -> None:
    assert_apart(load_rows(DATA_PATH), "dev", load_rows(HELDOUT_PATH), "held-out")


def test_eval_set_size_events_and_languages() -> None:
    rows = load_rows(DATA_PATH) + load_rows(HELDOUT_PATH)
    events = {r["event"] for r in rows if r["label"] == "positive"}
    languages = {r["language"] for r in rows}
    heldout_events = {r["event"] for r in load_rows(HELDOUT_PATH) if r["label"] == "positive"}
    summary = (
        f"rows={len(rows)} events={len(events)} languages={len(languages)} "
        f"held-out events={len(heldout_events)}"
    )
    assert len(rows) >= MIN_ROWS_ALL, summary
    assert len(events) >= MIN_EVENTS_ALL, summary
    assert len(languages) >= MIN_LANGUAGES_ALL, summary
    assert len(heldout_events) >= MIN_HELDOUT_EVENTS, summary


@pytest.mark.parametrize("part", PARTS)
def test_eval_set_minimums(part: str) -> None:
    rows = load_rows(PARTS[part])
    positives = [r for r in rows if r["label"] == "positive"]
    negatives = [r for r in rows if r["label"] == "negative"]
    events = {r["event"] for r in positives}
    languages = {r["language"] for r in positives}
    summary = (
        f"positives={len(positives)} negatives={len(negatives)} "
        f"events={len(events)} positive languages={sorted(languages)}"
    )
    assert len(positives) >= MIN_POSITIVES, summary
    assert len(negatives) >= MIN_NEGATIVES, summary
    assert len(events) >= MIN_POSITIVE_EVENTS, summary
    assert len(languages) >= MIN_POSITIVE_LANGUAGES, summary
    assert "en" in languages, summary


@pytest.mark.parametrize("part", PARTS)
def test_eval_set_negative_categories_are_spread(part: str) -> None:
    """No single near-miss category may dominate the negatives."""
    negatives = Counter(r["event"] for r in load_rows(PARTS[part]) if r["label"] == "negative")
    largest, count = negatives.most_common(1)[0]
    assert count <= sum(negatives.values()) // 4, f"{largest!r} has {count} of the negatives"


def test_score_report_counts_a_stub_predictor() -> None:
    rows: list[Row] = [
        {"id": "pos-001", "label": "positive", "language": "en", "event": "e", "title": "a"},
        {"id": "pos-002", "label": "positive", "language": "pl", "event": "e", "title": "b"},
        {"id": "neg-001", "label": "negative", "language": "en", "event": "bank", "title": "c"},
        {"id": "neg-002", "label": "negative", "language": "en", "event": "bank", "title": "d"},
    ]
    result = score(rows, lambda row: row["title"] in {"a", "c"})
    assert (result.total.tp, result.total.fp, result.total.fn, result.total.tn) == (1, 1, 1, 1)
    assert result.total.recall == result.total.precision == 0.5
    assert [r["id"] for r in result.false_negatives] == ["pos-002"]
    assert [r["id"] for r in result.false_positives] == ["neg-001"]
    report = result.report()
    assert "pos-002 [pl] b" in report
    assert "neg-001 [en] c" in report


def document(row: Row) -> rules.Document:
    """The item a row stands for: title, summary, language and, where known, its date."""
    published = row.get("published")
    return rules.Document(
        title=row["title"],
        summary=row["summary"],
        language=row["language"],
        published=datetime.fromisoformat(published).replace(tzinfo=UTC) if published else None,
    )


@dataclass
class Attribution:
    """How well the states a match reports are the states that withdraw (``states`` labels)."""

    checked: int = 0
    exact: int = 0
    missing: int = 0  # a withdrawing state not reported
    stray: int = 0  # a reported state that does not withdraw
    unresolved: set[str] = field(default_factory=set)

    def line(self) -> str:
        share = _ratio(self.exact, self.checked)
        return (
            f"State attribution on {self.checked} matched positives: exact {share:.3f}, "
            f"with a missing state {self.missing}, with a stray state {self.stray}"
            + (f" (labels naming no state: {sorted(self.unresolved)})" if self.unresolved else "")
        )


def attribute(ruleset: rules.RuleSet, rows: Iterable[Row]) -> Attribution:
    result = Attribution()
    for row in rows:
        if row["label"] != "positive" or not row.get("states"):
            continue
        matches = ruleset.match(document(row), NOW)
        if not matches:
            continue
        expected: set[str] = set()
        for name in row["states"]:
            ids = {e.id for e in ruleset.entities(rules.Document(title=name)) if e.kind == "states"}
            if len(ids) != 1:
                result.unresolved.add(name)
            expected |= ids
        found = {e.id for m in matches for e in m.entities if e.kind == "states"}
        result.checked += 1
        result.exact += found == expected
        result.missing += bool(expected - found)
        result.stray += bool(found - expected)
    return result


HELDOUT_BELOW_TARGET = pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="issue 10 is open: on the held-out part the pack scores below the targets (0.849 "
    "recall, 0.853 precision when this mark was set); strict, so it fails once the targets "
    "are met and the mark must go",
)


@pytest.mark.parametrize("part", ["dev", pytest.param("heldout", marks=HELDOUT_BELOW_TARGET)])
def test_builtin_pack_recall_and_precision(
    part: str, builtin_ruleset: rules.RuleSet, capsys: pytest.CaptureFixture[str]
) -> None:
    def predict(row: Row) -> bool:
        return bool(builtin_ruleset.match(document(row), NOW))

    path = PARTS[part]
    result = score(load_rows(path), predict)
    report = result.report(path.name, items=part != "heldout")
    attribution = attribute(builtin_ruleset, load_rows(path))
    with capsys.disabled():
        print("\n" + report + "\n" + attribution.line())
    # plain numbers, so that a failing assertion shows no rows (held-out items stay unseen)
    recall, precision = result.total.recall, result.total.precision
    assert recall >= MIN_RECALL, f"{part}: recall {recall:.3f} < {MIN_RECALL}"
    assert precision >= MIN_PRECISION, f"{part}: precision {precision:.3f} < {MIN_PRECISION}"


# A fresh round of rows written by authors who had not seen the pack, tuned on but not yet
# merged into the dev part: the pack is tuned on it by class until the dev part with it still
# clears the targets, then it joins the dev part (tests/data/README.md, "staged"). Its scores
# are printed and may not fall below each round's before-tuning figures; its rows obey the same
# schema and share nothing with the dev and held-out parts.
STAGED_PATH = DATA_PATH.with_name("rules_staged.jsonl")
STAGED_BEFORE_TUNING = {
    "round 8": (22001, 24999, 0.632, 0.924),
    "round 9": (25001, 26999, 0.558, 0.784),
    "round 10": (27001, 28999, 0.648, 0.833),
    "round 11": (29001, 30999, 0.673, 0.838),
    "round 12": (31001, 32999, 0.804, 0.897),
    "round 13": (33001, 34999, 0.774, 0.909),
    "round 14": (35001, 36999, 0.709, 0.879),
    "round 15": (37001, 39999, 0.629, 0.887),
    "round 16": (40001, 41999, 0.714, 0.847),
    "round 17": (42001, 43999, 0.843, 0.779),
}
"""Per staged round, its ids (first, last number) and the pack's recall and precision on it
before anyone tuned on it: tuning by class may only raise them."""


def _id_number(row: Row) -> int:
    return int(re.sub(r"\D", "", row["id"]))


def test_staged_rows_obey_the_schema_and_stay_apart() -> None:
    if not STAGED_PATH.exists():
        pytest.skip("no staged round")
    problems = file_problems(STAGED_PATH)
    assert not problems, f"{len(problems)} problem(s) in {STAGED_PATH.name}:\n" + "\n".join(
        problems
    )
    staged = load_rows(STAGED_PATH)
    assert_apart(staged, "staged", load_rows(DATA_PATH), "dev")
    assert_apart(staged, "staged", load_rows(HELDOUT_PATH), "held-out")


def test_staged_round_is_scored(
    builtin_ruleset: rules.RuleSet, capsys: pytest.CaptureFixture[str]
) -> None:
    if not STAGED_PATH.exists():
        pytest.skip("no staged round")
    rows = load_rows(STAGED_PATH)
    predicted = {row["id"]: bool(builtin_ruleset.match(document(row), NOW)) for row in rows}
    result = score(rows, lambda row: predicted[row["id"]])
    with capsys.disabled():
        print("\n" + result.report(STAGED_PATH.name, items=True))
    for name, (first, last, before_recall, before_precision) in STAGED_BEFORE_TUNING.items():
        part = [r for r in rows if first <= _id_number(r) <= last]
        assert part, f"staged {name}: no rows with ids {first}-{last}"
        total = score(part, lambda row: predicted[row["id"]]).total
        assert total.recall >= before_recall, f"staged {name}: recall {total.recall:.3f} fell"
        assert total.precision >= before_precision, (
            f"staged {name}: precision {total.precision:.3f} fell"
        )
    assert sum(
        first <= _id_number(r) <= last
        for r in rows
        for first, last, *_ in STAGED_BEFORE_TUNING.values()
    ) == len(rows), "a staged row belongs to no round"
