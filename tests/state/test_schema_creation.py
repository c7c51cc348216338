"""Creating the schema of a fresh database (issue 14, start-up): every migration in one
transaction, and processes that open the same fresh file at the same moment (a ``poll`` from
cron while the service starts) all get the database instead of "database is locked"."""

from __future__ import annotations

import multiprocessing
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path

from state import DB_FILENAME, open_database, schema_version
from state.migrations import SCHEMA_VERSION


def _open(path: Path, start: Barrier, answers: Queue[str]) -> None:
    start.wait()
    try:
        open_database(path).conn.close()
    except Exception as exc:
        answers.put(f"{type(exc).__name__}: {exc}")
    else:
        answers.put("ok")


def test_processes_creating_the_same_database_at_once_all_open_it(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    for round_ in range(6):
        path = tmp_path / str(round_) / DB_FILENAME
        path.parent.mkdir()
        start, answers = context.Barrier(6), context.Queue()
        processes = [context.Process(target=_open, args=(path, start, answers)) for _ in range(6)]
        for process in processes:
            process.start()
        got = [answers.get(timeout=60) for _ in processes]
        for process in processes:
            process.join()
        assert got == ["ok"] * 6, got
        db = open_database(path)
        assert schema_version(db) == SCHEMA_VERSION  # each migration recorded once
        db.conn.close()


def _commits_in_wal(path: Path) -> int:
    """The commit frames of the WAL beside ``path`` (a frame whose header gives the database's
    size after the commit; the other frames carry 0 there)."""
    wal = Path(f"{path}-wal").read_bytes()
    page_size = int.from_bytes(wal[8:12], "big")
    frames = range(32, len(wal), 24 + page_size)
    return sum(1 for at in frames if int.from_bytes(wal[at + 4 : at + 8], "big") != 0)


def test_a_fresh_database_is_created_in_one_commit(tmp_path: Path) -> None:
    path = tmp_path / DB_FILENAME
    db = open_database(path)
    assert schema_version(db) == SCHEMA_VERSION
    assert _commits_in_wal(path) == 1  # one per migration and two for their table before
    db.conn.close()
