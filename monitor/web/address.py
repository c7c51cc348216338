"""Where the running service's HTTP server listens, recorded in the state folder.

With ``server.port: 0`` the operating system chooses the port when the service starts, so the
config alone cannot say where ``/healthz`` answers. The server writes ``server.json`` beside the
database once it listens (``{"pid", "bind", "port", "url"}``) and removes it when it stops;
``treatywatch healthcheck`` reads it. A file left by a killed service only points at a port
nobody answers on, which the health check reports as unreachable.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

__all__ = [
    "ADDRESS_FILENAME",
    "address_file",
    "forget_address",
    "local_url",
    "read_address",
    "record_address",
]

ADDRESS_FILENAME = "server.json"
log = logging.getLogger("treatywatch.web")


def address_file(state_dir: str | Path) -> Path:
    return Path(state_dir) / ADDRESS_FILENAME


def local_url(bind: str, port: int) -> str:
    """The base URL a client on this machine uses (loopback for an all-addresses bind)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(bind, bind)
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port}/"


def record_address(path: Path, *, bind: str, port: int) -> None:
    """Write the address atomically; a state folder we cannot write only costs the record."""
    record = {"pid": os.getpid(), "bind": bind, "port": port, "url": local_url(bind, port)}
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(record) + "\n", encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        log.warning("event=address_unrecorded path=%s error=%r", path, exc)


def forget_address(path: Path) -> None:
    """Remove the record if it is still ours (a newer service may have replaced it)."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(record, dict) and record.get("pid") == os.getpid():
            path.unlink()
    except (OSError, ValueError):
        pass


def read_address(path: Path) -> str | None:
    """The base URL recorded at ``path`` (``http://127.0.0.1:PORT/``), or None when there is
    no usable record."""
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict):
        return None
    port, bind = record.get("port"), record.get("bind")
    if not isinstance(port, int) or not 0 < port < 65536 or not isinstance(bind, str):
        return None
    return local_url(bind, port)
