"""Print the language table of docs/rules.md: how deep the built-in pack covers each language.

Counts, per language key of the pack's files: terms for leaving (`withdraw_actions`,
`no_longer`, `out_of`), how many of the near-miss vocabularies have terms, treaty and
organisation names (`treaties`), state names (`states`), and the rows of the evaluation set.
Run ``.venv/bin/python scripts/pack_languages.py`` and paste the output into docs/rules.md
(``--dev-only`` leaves the held-out part unread, its column "-");
tests/rules/test_docs.py checks that every language with withdrawal terms has a row.
"""

from __future__ import annotations

import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "packs" / "treaty-withdrawal"
DATA = ROOT / "tests" / "data"
ACTIONS = ("withdraw_actions", "no_longer", "out_of")
NEAR_MISSES = (
    "hedges", "retrospective", "modals", "desire", "negators", "denials", "calls", "commitment",
    "rejoin", "negotiations", "hard_non_treaty", "soft_non_treaty", "suspended_by",
    "sanctions_by_org", "conditionals",
)  # fmt: skip
NAMES = {
    "en": "English", "de": "German", "fr": "French", "es": "Spanish", "pt": "Portuguese",
    "it": "Italian", "nl": "Dutch", "pl": "Polish", "cs": "Czech", "sk": "Slovak",
    "ro": "Romanian", "bg": "Bulgarian", "sr": "Serbian", "hr": "Croatian", "bs": "Bosnian",
    "sl": "Slovenian", "mk": "Macedonian", "sq": "Albanian", "el": "Greek", "sv": "Swedish",
    "no": "Norwegian", "da": "Danish", "is": "Icelandic", "fi": "Finnish", "et": "Estonian",
    "lv": "Latvian", "lt": "Lithuanian", "hu": "Hungarian", "tr": "Turkish", "ru": "Russian",
    "uk": "Ukrainian", "be": "Belarusian", "ka": "Georgian", "hy": "Armenian",
    "az": "Azerbaijani", "kk": "Kazakh", "ar": "Arabic", "fa": "Persian", "he": "Hebrew",
    "ur": "Urdu", "hi": "Hindi", "id": "Indonesian", "ms": "Malay", "vi": "Vietnamese",
    "tl": "Filipino", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "sw": "Swahili",
    "ha": "Hausa", "am": "Amharic", "uz": "Uzbek", "ky": "Kyrgyz", "bn": "Bengali",
    "ca": "Catalan", "th": "Thai", "ta": "Tamil", "mr": "Marathi", "te": "Telugu",
    "pa": "Punjabi", "gu": "Gujarati", "ml": "Malayalam", "kn": "Kannada", "ne": "Nepali",
    "af": "Afrikaans", "so": "Somali", "km": "Khmer", "my": "Burmese", "mt": "Maltese",
}  # fmt: skip


def _terms(vocabulary: dict) -> list[tuple[str, int]]:
    """(language, number of terms) for every language list of a vocabulary."""
    out = []
    blocks = [vocabulary.get("terms") or {}]
    blocks += [entry.get("terms") or {} for entry in (vocabulary.get("entries") or {}).values()]
    for block in blocks:
        for language, terms in block.items():
            code = "no" if language is False else str(language)  # YAML 1.1 reads `no:` as false
            out.append((code, len(terms) if isinstance(terms, list) else 1))
    return out


def counts(parts: tuple[str, ...] = ("rules_eval", "rules_heldout")) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(Counter)
    near: dict[str, set[str]] = defaultdict(set)
    for path in sorted(PACK.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, vocabulary in (data.get("vocabularies") or {}).items():
            for language, number in _terms(vocabulary):
                if name in ACTIONS:
                    table[language]["actions"] += number
                elif name in NEAR_MISSES:
                    near[language].add(name)
                elif name == "treaties":
                    table[language]["treaties"] += number
                elif name == "states":
                    table[language]["states"] += number
    for language, names in near.items():
        table[language]["near"] = len(names)
    for part in parts:
        for line in (DATA / f"{part}.jsonl").read_text(encoding="utf-8").splitlines():
            table[json.loads(line)["language"]][part] += 1
    return {k: dict(v) for k, v in table.items() if k in NAMES}


def depth(row: dict[str, int]) -> str:
    """``full``: words for leaving, for most kinds of near miss, and the names of at least 50
    treaties and organisations; ``partial``: words for leaving, but few near misses or treaty
    names; ``names only``: state and treaty names."""
    actions, near = row.get("actions", 0), row.get("near", 0)
    if actions >= 12 and near >= 11 and row.get("treaties", 0) >= 50:
        return "full"
    if actions:
        return "partial"
    return "names only"


def main(argv: list[str] | None = None) -> int:
    # --dev-only: for whoever must not read the held-out part (its column then shows "-")
    dev_only = "--dev-only" in (sys.argv[1:] if argv is None else argv)
    rows = counts(("rules_eval",) if dev_only else ("rules_eval", "rules_heldout"))
    print(
        "| language | code | depth | leaving terms | near-miss vocabularies "
        f"(of {len(NEAR_MISSES)}) | treaty names | state names | dev rows | held-out rows |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|")
    order = sorted(
        rows, key=lambda k: (["full", "partial", "names only"].index(depth(rows[k])), NAMES[k])
    )
    for code in order:
        row = rows[code]
        print(
            f"| {NAMES[code]} | `{code}` | {depth(row)} | {row.get('actions', 0)} | "
            f"{row.get('near', 0)} | {row.get('treaties', 0)} | {row.get('states', 0)} | "
            f"{row.get('rules_eval', 0)} | {'-' if dev_only else row.get('rules_heldout', 0)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
