"""Helpers shared by the commands: settings, exit codes.

A command module loads only the standard library and other command modules at import time
(building the parser must stay cheap); what a handler needs, it imports inside the handler.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from monitor.config import Settings

__all__ = ["EXIT_FAILURE", "EXIT_FETCH", "EXIT_OK", "EXIT_USAGE", "settings_from"]

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2
EXIT_FETCH = 3  # test-rule --url: the feed could not be fetched or read (not a config error)


def settings_from(args: argparse.Namespace) -> Settings:
    """The settings named by ``--config`` (or found by default)."""
    from monitor.config import default_config_path, load_settings

    path = args.config if args.config is not None else default_config_path()
    return load_settings(path)
