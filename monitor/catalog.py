"""The default catalog of sources, used when the config names none (package data).

Each entry is an ordinary source config plus two descriptive keys: ``kind`` (``ministry``,
``depositary``, ``agency`` or ``news``) and ``checked`` (the date a person last confirmed the
URL answered with a feed, or ``never``). ``treatywatch sources check`` reports which respond.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from monitor.config import SourceConfig, parse_settings
from monitor.errors import ConfigError

__all__ = ["CATALOG_KEYS", "KINDS", "CatalogEntry", "catalog", "default_sources"]

CATALOG_KEYS = frozenset({"kind", "checked"})
KINDS = ("ministry", "depositary", "agency", "news")


@dataclass(frozen=True, slots=True)
class CatalogEntry:
    """A source of the default catalog with what kind it is and when it was last checked."""

    source: SourceConfig
    kind: str
    checked: str


def _load() -> list[dict[str, Any]]:
    text = resources.files("monitor").joinpath("defaults/sources.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    return list(data.get("sources", []))


def catalog() -> tuple[CatalogEntry, ...]:
    """Every catalog entry, validated like a user's config."""
    raw = _load()
    problems = [
        f"sources[{index}].kind: one of {', '.join(KINDS)}"
        for index, entry in enumerate(raw)
        if entry.get("kind") not in KINDS
    ]
    problems += [
        f"sources[{index}].checked: a date (YYYY-MM-DD) or never"
        for index, entry in enumerate(raw)
        if not (entry.get("checked") == "never" or hasattr(entry.get("checked"), "isoformat"))
    ]
    if problems:
        raise ConfigError(problems, origin="monitor/defaults/sources.yaml")
    entries = [{k: v for k, v in entry.items() if k not in CATALOG_KEYS} for entry in raw]
    settings = parse_settings(
        {"sources": entries}, environ={}, origin="monitor/defaults/sources.yaml"
    )
    if not settings.sources:
        raise ConfigError(["sources: the default catalog is empty"])
    return tuple(
        CatalogEntry(source, str(entry.get("kind")), str(entry.get("checked") or "never"))
        for source, entry in zip(settings.sources, raw, strict=True)
    )


def default_sources() -> tuple[SourceConfig, ...]:
    """The sources in ``monitor/defaults/sources.yaml``."""
    return tuple(entry.source for entry in catalog())
