"""Shared fixtures for the rules tests: the built-in pack, loaded from the installed package."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files

import pytest

from rules import RuleSet, load_ruleset

PACK = "treaty-withdrawal"
NOW = datetime(2025, 3, 20, 12, 0, tzinfo=UTC)


def builtin_pack_files() -> dict[str, str]:
    """Every ``*.yaml`` of the built-in pack, keyed by a readable path."""
    folder = files("rules").joinpath("packs", PACK)
    return {
        f"rules/packs/{PACK}/{entry.name}": entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


@pytest.fixture(scope="session")
def builtin_ruleset() -> RuleSet:
    """The built-in treaty-withdrawal pack, compiled."""
    return load_ruleset(builtin_pack_files())


@pytest.fixture
def now() -> datetime:
    """A fixed "now" for matching."""
    return NOW
