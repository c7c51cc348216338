"""The state folder at start-up: one service per folder, and a folder that can be written.

``treatywatch run`` holds ``service.lock`` in the state folder for as long as it runs (an
exclusive ``flock``, released by the kernel however the process ends): a second ``run`` on the
same folder would poll and write beside the first, so it refuses to start. Commands that only
read (``hits``, ``stories``, ``export``, ``db info``) take no lock. ``run`` and ``poll`` first
check that the folder and the database files in it can be written, so a read-only folder fails
at once with a clear message rather than at the first write.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import socket
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from monitor.errors import StateInUseError, StoreError
from state import DB_FILENAME

__all__ = ["SERVICE_LOCK", "service_lock", "writable_state_dir"]

SERVICE_LOCK = "service.lock"


def writable_state_dir(state_dir: Path) -> None:
    """Create ``state_dir`` if needed and check that a file can be made there and that the
    database files in it (and the service lock) can be opened for writing; raise
    ``StoreError`` naming the folder otherwise."""
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=state_dir, prefix=".write-check-"):
            pass
        for name in (DB_FILENAME, f"{DB_FILENAME}-wal", f"{DB_FILENAME}-shm", SERVICE_LOCK):
            with contextlib.suppress(FileNotFoundError), open(state_dir / name, "r+b"):
                pass
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        raise StoreError(
            f"the state folder {state_dir} cannot be written: {exc.strerror or exc}{where}; "
            "treatywatch keeps its database there: make it writable or set another state_dir"
        ) from exc


@contextlib.contextmanager
def service_lock(state_dir: Path) -> Iterator[None]:
    """Hold ``state_dir`` for this service while the block runs: an exclusive ``flock`` on
    ``service.lock``, with this process's pid, host and start time written in it. Raises
    ``StateInUseError`` naming the folder and the process holding it when another service
    does."""
    path = state_dir / SERVICE_LOCK
    try:
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held while the block runs
    except OSError as exc:
        raise StoreError(f"cannot open {path}: {exc.strerror or exc}") from exc
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "a process that is starting"
        handle.close()
        raise StateInUseError(
            f"the state folder {state_dir} is in use by another treatywatch run ({holder}): "
            "stop it first, or give this one another state_dir"
        ) from None
    except OSError as exc:
        handle.close()
        raise StoreError(f"cannot lock {path}: {exc.strerror or exc}") from exc
    try:
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, started {started}\n")
        handle.flush()
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        handle.close()
