"""The parse pool starts only when it pays, and its processes die with the command (issue 14).

A ``poll`` of one feed parses in its own process; the workers start when a second job comes
while one is being parsed, and take their context from ``load`` rather than pickled. When the
command is SIGKILLed (an OOM kill, a supervisor that kills only the main pid), the forkserver,
the workers and the resource tracker are gone within 2 s: that is the contract of the issue,
checked here on the real CLI (``poll`` and ``run``) against a local feed server.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from monitor.sources.parse import INLINE_BELOW, ParsePool
from tests.support.feeds import Entry, rss
from tests.support.servers import FeedServer, Route
from tests.support.service import free_port, wait_for

REPO = Path(__file__).resolve().parents[3]
BODY = b"x" * (2 * INLINE_BELOW)  # big enough not to be parsed in the calling thread
GRACE = 2.0  # seconds a child may outlive a SIGKILLed command (issue 14)
_HOLDING = threading.Event()
_RELEASE = threading.Event()


def _where(context: Any, body: bytes, job: str) -> tuple[int, Any]:
    """A job: the pid it runs in and the context it sees; ``hold`` waits to be released."""
    if job == "hold":
        _HOLDING.set()
        _RELEASE.wait(60)
    return os.getpid(), context


def _run(pool: ParsePool, job: str) -> tuple[int, Any]:
    return asyncio.run(pool.run(_where, BODY, job))


def test_one_job_at_a_time_is_parsed_in_this_process() -> None:
    pool = ParsePool(2, context="given", load=functools.partial(str, "loaded"))
    try:
        first = _run(pool, "one")
        second = _run(pool, "two")
        assert not pool.running
    finally:
        pool.close()
    assert first == second == (os.getpid(), "given")


def test_a_job_that_comes_while_one_is_parsed_starts_the_workers() -> None:
    """The second job goes to a worker, whose context comes from ``load()``, not pickled."""
    pool = ParsePool(1, context="given", load=functools.partial(str, "loaded"))
    _HOLDING.clear()
    _RELEASE.clear()

    async def both() -> tuple[tuple[int, Any], tuple[int, Any]]:
        held = asyncio.ensure_future(pool.run(_where, BODY, "hold"))
        while not _HOLDING.is_set():
            await asyncio.sleep(0.01)
        try:
            other = await pool.run(_where, BODY, "other")
        finally:
            _RELEASE.set()
        return await held, other

    try:
        held, other = asyncio.run(both())
        assert pool.running
        later = _run(pool, "later")  # the pool, once started, takes every job
    finally:
        _RELEASE.set()
        pool.close()
    assert held == (os.getpid(), "given")
    assert other[1] == "loaded"
    assert other[0] != os.getpid()
    assert later == other


def _fails() -> str:
    raise RuntimeError("the rule files changed since this process read them")


def test_workers_that_cannot_make_the_context_are_given_it() -> None:
    pool = ParsePool(1, context="given", load=_fails, eager=True)
    try:
        pid, context = _run(pool, "one")
    finally:
        pool.close()
    assert (pid != os.getpid(), context) == (True, "given")


def test_the_forkserver_makes_the_context_once_for_the_workers(tmp_path: Path) -> None:
    """In a fresh process (this one's forkserver may be running already), ``load`` runs in
    the forkserver, once: two workers find what it made (a file counts the calls)."""
    script = textwrap.dedent(
        """
        import asyncio, functools, sys
        from monitor.sources.parse import INLINE_BELOW, ParsePool
        from tests.monitor.sources.test_parse_orphans import counted_load, preloaded_where as work

        pool = ParsePool(2, context="given", load=functools.partial(counted_load, sys.argv[1]),
                         eager=True)
        async def jobs():
            return await asyncio.gather(*(pool.run(work, b"x" * INLINE_BELOW, n) for n in range(8)))
        try:
            print(sorted(set(asyncio.run(jobs()))))
        finally:
            pool.close()
        """
    )
    counter = tmp_path / "calls"
    done = subprocess.run(
        [sys.executable, "-c", script, str(counter)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    seen = eval(done.stdout)  # a printed list of (pid, context, preloaded) tuples
    assert {context for _, context, _ in seen} == {"loaded"}
    assert all(preloaded for _, _, preloaded in seen)
    assert counter.read_text() == "x"  # one call, in the forkserver


def preloaded_where(context: Any, body: bytes, job: int) -> tuple[int, Any, bool]:
    """A job for the test above: its pid, its context, whether the forkserver made one."""
    from monitor.sources import _forkserver

    return os.getpid(), context, _forkserver.PRELOADED_KEY is not None


def counted_load(path: str) -> str:
    """A ``load`` for the test above: appends to ``path`` each time it is called."""
    with open(path, "a") as handle:
        handle.write("x")
    return "loaded"


# --- the real CLI, SIGKILLed --------------------------------------------------------------


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _session(sid: int) -> dict[int, str]:
    """The live processes of session ``sid`` (the command's descendants: none of them starts a
    session of its own), by pid, with their start time (a reused pid is another process)."""
    found = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat(int(name))
            if fields is not None and fields[3] == str(sid) and fields[0] != "Z":
                found[int(name)] = fields[19]
    return found


def _alive(processes: dict[int, str]) -> dict[int, str]:
    left = {}
    for pid, started in processes.items():
        fields = _stat(pid)
        if fields is not None and fields[19] == started and fields[0] != "Z":
            left[pid] = started
    return left


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "(gone)"


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    """Twelve feeds big enough to take a while to parse (``run`` spreads its first polls over
    a few seconds: they overlap, so its pool starts too; with 600 entries a feed, parsing had
    grown fast enough that under make test-slow's load they once did not, and the pool never
    started), and one that answers only after a minute (so that ``poll`` is still running
    when it is killed)."""
    now = datetime.now(UTC)
    body = rss(
        [
            Entry(
                f"Report {n} on the harbour works and the city budget",
                f"https://news.test/{n}",
                summary="The council met on Tuesday and discussed the plans at length. " * 8,
                guid=f"item-{n}",
                published=now - timedelta(minutes=n),
            )
            for n in range(2400)
        ]
    )
    server = FeedServer().start()
    for n in range(12):
        server.routes[f"/feed-{n}.xml"] = Route(body)
    server.routes["/slow.xml"] = Route(body, delay=60)
    yield server
    server.stop()


def _config(folder: Path, server: FeedServer, *, slow: bool = True) -> Path:
    sources = [{"name": f"feed-{n}", "url": server.url(f"/feed-{n}.xml")} for n in range(12)]
    if slow:
        sources.append({"name": "slow", "url": server.url("/slow.xml")})
    config = {
        "state_dir": str(folder / "state"),
        "http": {"parse_workers": 2, "per_host": 16},
        "server": {"port": free_port()},
        "sources": sources,
        "channels": [{"name": "console", "type": "console"}],
    }
    path = folder / "treatywatch.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def _start(command: str, config: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
    return subprocess.Popen(
        [sys.executable, "-m", "monitor", "--log-level", "debug", command, "--config", str(config)],
        cwd=config.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _pool_runs(process: subprocess.Popen[bytes]) -> dict[int, str]:
    """Wait until the command runs its pool: the resource tracker, the forkserver and two
    workers beside it in its session."""
    children: dict[int, str] = {}

    def started() -> bool:
        nonlocal children
        children = {pid: at for pid, at in _session(process.pid).items() if pid != process.pid}
        return len(children) >= 4 or process.poll() is not None

    assert wait_for(started, timeout=120), "the parse pool did not start"
    assert process.poll() is None, process.communicate()[1].decode()[-3000:]
    return children


def _gone_after(children: dict[int, str], sid: int) -> dict[int, str]:
    """What is left of ``children`` (and of the session ``sid``) once they have had ``GRACE``
    seconds to leave; polled, so that a pass costs only as long as they take."""
    deadline = time.monotonic() + GRACE
    while True:
        left = {**_alive(children), **_session(sid)}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["poll", "run"])
def test_a_sigkilled_command_leaves_no_process_behind(
    command: str, feeds: FeedServer, tmp_path: Path
) -> None:
    process = _start(command, _config(tmp_path, feeds))
    children: dict[int, str] = {}
    try:
        children = _pool_runs(process)
        process.kill()
        process.wait()
        left = _gone_after(children, process.pid)
        assert not left, [f"{pid}: {_cmdline(pid)}" for pid in left]
    finally:
        for pid in {**_alive(children), **_session(process.pid)}:  # only ours, by pid
            os.kill(pid, signal.SIGKILL)
        process.kill()
        process.communicate()


@pytest.mark.slow
def test_ctrl_c_stops_the_pool_cleanly(feeds: FeedServer, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) stops ``run``: the
    workers leave it to their parent, which shuts the pool down, and nobody prints a
    traceback."""
    process = _start("run", _config(tmp_path, feeds))
    children: dict[int, str] = {}
    try:
        children = _pool_runs(process)
        os.killpg(process.pid, signal.SIGINT)
        _, errors = process.communicate(timeout=60)
        left = _gone_after(children, process.pid)
        assert not left, [f"{pid}: {_cmdline(pid)}" for pid in left]
    finally:
        for pid in {**_alive(children), **_session(process.pid)}:
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert "Traceback" not in errors.decode(), errors.decode()[-3000:]
    assert process.returncode in (0, 130), errors.decode()[-3000:]


@pytest.mark.slow
def test_a_poll_that_ends_leaves_no_process_behind(feeds: FeedServer, tmp_path: Path) -> None:
    process = _start("poll", _config(tmp_path, feeds, slow=False))
    try:
        _, errors = process.communicate(timeout=300)
        left = _gone_after({}, process.pid)
        assert not left, [f"{pid}: {_cmdline(pid)}" for pid in left]
    finally:
        for pid in _session(process.pid):
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, errors.decode()[-3000:]
    assert b"event=parse_workers_started workers=2" in errors, errors.decode()[-3000:]
    assert b"Traceback" not in errors, errors.decode()[-3000:]


def test_the_forkserver_gives_its_workers_sigint_ignored_from_birth() -> None:
    """The forkserver hands each worker the SIGINT handler it had before it began to serve: the
    preload ignores SIGINT, so a Ctrl-C that comes while a worker is still starting (before its
    initializer runs) cannot print a KeyboardInterrupt traceback from the worker's bootstrap."""
    import base64
    import pickle

    from monitor.sources import _forkserver

    spec = base64.b64encode(pickle.dumps((os.getpid(), [], None, [], None))).decode()
    probe = (
        "import signal, monitor.sources._forkserver; "
        "print(signal.getsignal(signal.SIGINT) is signal.SIG_IGN)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env={**os.environ, _forkserver.BOOT_ENV: spec},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "True", done.stderr
