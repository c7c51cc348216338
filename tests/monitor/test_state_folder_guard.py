"""The state folder at start-up (RELIABILITY C6, C10): one service per folder, and a folder
that cannot be written fails ``run`` and ``poll`` at once. Real ``treatywatch run`` and
``poll`` subprocesses on real folders."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from monitor.errors import StateInUseError
from monitor.statedir import service_lock
from state import Store
from tests.conftest import REPO, run_cli
from tests.support.service import ServiceProcess, wait_for


@pytest.mark.slow  # two services and four CLI commands: about 10 s
def test_a_second_run_on_the_same_state_dir_refuses_to_start(tmp_path: Path) -> None:
    """C10: two ``treatywatch run`` on one state folder: the second exits 1 at once, naming the
    folder and the first process; commands that only read work beside the first, which keeps
    running; once it stopped, the folder is free again."""
    first = ServiceProcess(tmp_path, {"sources": []}).start()
    state = tmp_path / "state"
    other = tmp_path / "other"
    other.mkdir()
    second = ServiceProcess(other, {"sources": [], "state_dir": str(state)})
    try:
        assert wait_for(first.answers, timeout=120), "".join(first.log)
        second.start()
        assert second.process is not None
        code = second.process.wait(timeout=120)
        second.kill()
        message = "".join(second.log)
        assert code == 1, message
        assert f"the state folder {state} is in use by another treatywatch run" in message
        assert f"pid {first.process.pid if first.process else '?'} " in message
        assert "Traceback" not in message
        for command in (["hits"], ["stories"], ["export"], ["db", "info"]):
            done = run_cli(*command, "--config", str(first.config_path))
            assert done.returncode == 0, (command, done.stderr)
        assert first.answers()  # the first one carries on
    finally:
        second.kill()
        code, _ = first.stop()
    assert code == 0
    with service_lock(state):  # released with the first service
        pass


def test_the_service_lock_names_the_holder(tmp_path: Path) -> None:
    """C10, in-process: the lock is exclusive while held, free after."""
    with (
        service_lock(tmp_path),
        pytest.raises(StateInUseError) as raised,
        service_lock(tmp_path),
    ):
        pass
    assert f"pid {os.getpid()} on " in str(raised.value)
    with service_lock(tmp_path):
        pass


def _config(tmp_path: Path, state: Path) -> Path:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - id: test.x\n    title: X\n    query: 'withdraw'\n")
    config = tmp_path / "treatywatch.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "state_dir": str(state),
                "rules": [str(rules)],
                "sources": [{"name": "a", "url": "http://127.0.0.1:9/a.xml", "interval": "1h"}],
                "server": {"port": 0},
            }
        )
    )
    return config


@contextmanager
def _read_only_folder(state: Path) -> Iterator[list[str]]:
    """Make ``state`` read-only; yields the command prefix that runs the CLI so that it sees
    it read-only (as root, a read-only bind mount in a mount namespace of its own)."""
    if os.geteuid() != 0:
        for path in [state, *state.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        try:
            yield [sys.executable, "-m", "monitor"]
        finally:
            for path in [state, *state.iterdir()]:
                path.chmod(0o755 if path.is_dir() else 0o644)
        return
    if shutil.which("unshare") is None or subprocess.run(["unshare", "-m", "true"]).returncode:
        pytest.skip("running as root without mount namespaces: cannot make a read-only folder")
    script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" && shift && exec "$@"'
    yield ["unshare", "-m", "sh", "-c", script, "sh", str(state), sys.executable, "-m", "monitor"]


@contextmanager
def _read_only_database(state: Path) -> Iterator[list[str]]:
    """Make the database file (not its folder) unwritable (as root: immutable)."""
    database = state / "treatywatch.db"
    if os.geteuid() != 0:
        database.chmod(0o444)
        try:
            yield [sys.executable, "-m", "monitor"]
        finally:
            database.chmod(0o644)
        return
    if subprocess.run(["chattr", "+i", str(database)], capture_output=True).returncode:
        pytest.skip("running as root where chattr +i does not work")
    try:
        yield [sys.executable, "-m", "monitor"]
    finally:
        subprocess.run(["chattr", "-i", str(database)], check=True)


@pytest.mark.parametrize("make_read_only", [_read_only_folder, _read_only_database])
@pytest.mark.parametrize("command", ["poll", "run"])
def test_a_read_only_state_folder_fails_at_start(
    tmp_path: Path, command: str, make_read_only: object
) -> None:
    """C6: a state folder (or database file) that cannot be written: ``run`` and ``poll`` exit
    1 at once with a message naming the folder, never waiting for the first write (``run``
    used to keep running with a read-only database)."""
    state = tmp_path / "state"
    config = _config(tmp_path, state)
    Store.open(state).close()  # a database from an earlier run
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    with make_read_only(state) as prefix:  # type: ignore[operator]
        started = time.monotonic()
        done = subprocess.run(
            [*prefix, command, "--config", str(config)],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started
    assert done.returncode == 1, done.stderr
    assert f"the state folder {state} cannot be written" in done.stderr
    assert "Traceback" not in done.stderr
    assert took < 60  # it exited by itself: it did not run on until a write failed
