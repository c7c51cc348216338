"""Giving the memory a process has freed back to the system."""

from __future__ import annotations

import contextlib
import ctypes
import gc
from collections.abc import Iterator

__all__ = ["collection_paused", "release_memory", "trim_heap"]


@contextlib.contextmanager
def collection_paused(*, freeze: bool = False) -> Iterator[None]:
    """No garbage collection inside (where long-lived objects are built: a collection then
    walks them and finds nothing), and with ``freeze`` what was built frozen after it
    (``gc.freeze``), so that later collections never walk it again. The collector's state is
    restored after."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()


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


def release_memory() -> None:
    """Collect garbage, then give the C heap's free pages back to the system (``trim_heap``).
    A poll cycle leaves the heap spread over pages that ``free`` keeps for reuse: at 2,000
    sources the service's first cycle (every item new) held about 10 MB that way until its
    parse workers had been idle for a minute. A few milliseconds once a cycle is over."""
    gc.collect()
    trim_heap()
