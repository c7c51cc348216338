"""Helpers shared by the commands: settings, exit codes."""

from __future__ import annotations

import argparse

from monitor.config import Settings, default_config_path, load_settings

__all__ = ["EXIT_FAILURE", "EXIT_FETCH", "EXIT_OK", "EXIT_USAGE", "settings_from"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_FETCH = 3  # test-rule --url: the feed could not be fetched or read (not a config error)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings named by ``--config`` (or found by default)."""
    path = args.config if args.config is not None else default_config_path()
    return load_settings(path)
