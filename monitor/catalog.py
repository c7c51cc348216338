"""The default catalog of sources, used when the config names none (package data)."""

from __future__ import annotations

from importlib import resources

import yaml

from monitor.config import SourceConfig, parse_settings
from monitor.errors import ConfigError

__all__ = ["CATALOG_KEYS", "default_sources"]

CATALOG_KEYS = frozenset({"kind", "checked"})


def default_sources() -> tuple[SourceConfig, ...]:
    """The sources in ``monitor/defaults/sources.yaml``, validated like a user's config."""
    text = resources.files("monitor").joinpath("defaults/sources.yaml").read_text("utf-8")
    data = yaml.safe_load(text) or {}
    entries = [
        {k: v for k, v in entry.items() if k not in CATALOG_KEYS}
        for entry in data.get("sources", [])
    ]
    settings = parse_settings(
        {"sources": entries}, environ={}, origin="monitor/defaults/sources.yaml"
    )
    if settings.sources is None:
        raise ConfigError(["sources: the default catalog is empty"])
    return settings.sources
