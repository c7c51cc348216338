"""The public surface of ``state``: every name of ``__all__`` is there, each imported from its
own module on first use (issue 14: a parse worker builds records without loading SQLite)."""

from __future__ import annotations

import subprocess
import sys

import pytest

import state
from tests.conftest import REPO


@pytest.mark.parametrize("name", state.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(state, name) is not None
    assert name in dir(state)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        _ = state.Nothing


def test_the_records_load_without_sqlite_utils() -> None:
    """Only the store and the database opener need sqlite-utils."""
    probe = (
        "import sys\n"
        "from state import NewHit, NewItem, StoryRow, iso, StoreError\n"
        "assert 'sqlite_utils' not in sys.modules, 'loaded'\n"
        "from state import Store\n"
        "assert 'sqlite_utils' in sys.modules, 'the probe cannot tell'\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
