"""Giving the memory a process has freed back to the system."""

from __future__ import annotations

import ctypes

__all__ = ["trim_heap"]


def trim_heap() -> None:
    """Return the C heap's free pages to the system (glibc's ``malloc_trim``; nothing where the
    C library has none). Start-up frees megabytes that ``free`` keeps for reuse (the rule files
    read to find the compiled rules' cache entry, the config's YAML): about 5 MB of a ``poll``'s
    main process and 6 MB of the parse pool's forkserver, whose workers would share them. Takes
    under a millisecond."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)
