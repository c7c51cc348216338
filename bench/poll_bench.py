"""Polling throughput: treatywatch beside reader, on one local server, in one run.

A server in its own process serves N copies of the real feeds in ../shared/feeds (read in place)
as N distinct URLs, spread round-robin over ``--hosts`` loopback addresses (127.0.0.1 to
127.0.0.N, default 32: all of 127/8 is on ``lo``), so that the per-host connection limit meets
what it meets in service. The server is Debian's nginx when it is installed (``make bench``
installs it with apt-get when run as root), else an aiohttp server; the output says which and
how much CPU it used. Both answer ``If-None-Match`` with 304.

Two modes, both run by default (``--mode``):

- **whole process** (what users feel: ``poll`` from cron, restarts): the real ``treatywatch
  poll`` command (a config file listing the sources, a fresh temporary ``state_dir``) beside a
  process that runs reader's ``update_feeds()`` on a fresh database (pip install -e
  '.[bench]'), one after the other: a full cycle (every feed new), then an unchanged cycle
  (every feed answers 304), then each tool's start-up (one feed, fresh state; median of 3);
- **in-process** (the work of a cycle alone, no start-up): each contender in a fresh process
  calls ``App.poll_all()`` / ``update_feeds()`` twice (``naive``, a sequential
  ``feedparser.parse(url)`` loop, can be added with ``--contenders``).

Reported per tool and cycle: wall time, feeds/s, CPU (the process and every process it
started, such as parse workers: ``wait4`` of the whole process, ``/proc`` in-process) and peak
memory (the peak of the sum of the proportional set sizes of the process tree, sampled every
50 ms); then the ratios and the issue-14 targets, each as met or MISSED: full cycle >= 10x
reader; unchanged cycle net of start-up >= 10x; unchanged cycle whole-process >= 5x; start-up
<= 0.5 s; <= 1 ms CPU per unchanged feed net of start-up; peak memory at 5,000 feeds <= 250 MB.
Last, the README's performance table in Markdown.

A third mode, ``--mode intake``, measures the parse workers' job alone, with no server, store
or start-up: ``monitor.intake.intake`` (parse, then match and key every entry) over each real
feed as the server sends it (``application/xml``), in one fresh process, CPU per pass over the
73 feeds (best and median of ``--rounds``), the parsing alone, how many feeds feedparser
still reads, and the CPU to pickle the results as the pool sends them back and to unpickle
them. ``--before REV`` measures that commit too, round by round in turn with the code measured,
and prints the ratio: the side-by-side figure for a change to parsing or matching.

Run: ``.venv/bin/python bench/poll_bench.py [--sizes 1000,5000] [--hosts 32] [--mode both]
[--code HEAD]``. ``--code REV`` measures a commit (its packages exported to a temporary folder)
instead of the working tree, for a stable result while others edit the tree.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import platform
import queue
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FEEDS = REPO.parent / "shared" / "feeds"
TICK = os.sysconf("SC_CLK_TCK")
STARTUP_RUNS = 3


def feed_files() -> list[Path]:
    return sorted(p for p in FEEDS.iterdir() if p.suffix not in (".md", ".tsv"))


def host(index: int, hosts: int) -> str:
    """The loopback address of the ``index``-th feed: round-robin over 127.0.0.1..hosts."""
    return f"127.0.0.{index % hosts + 1}"


# --- the server (its own process) -----------------------------------------------------------


class FeedServer:
    """Serves ``/f/0`` .. ``/f/{copies-1}`` (copy n is feed file n mod the number of files) on
    one port of 127.0.0.1..127.0.0.``hosts``, with ETag and 304 answers, from its own process.
    ``kind``: ``nginx`` (Debian's, when installed), ``aiohttp``, or ``auto`` (nginx if present).
    """

    def __init__(self, copies: int, hosts: int, kind: str = "auto") -> None:
        self.copies, self.hosts = copies, hosts
        nginx = shutil.which("nginx") or next(
            (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None
        )
        if kind == "nginx" and nginx is None:
            raise SystemExit("--server nginx: nginx is not installed (make bench installs it)")
        self.kind = "nginx" if kind != "aiohttp" and nginx is not None else "aiohttp"
        self._nginx = nginx
        self._folder = tempfile.TemporaryDirectory(prefix="poll-bench-server-")
        self.port = 0
        self.pid = 0
        self._process: Any = None

    def url(self, index: int) -> str:
        return f"http://{host(index, self.hosts)}:{self.port}/f/{index}"

    def urls(self, count: int | None = None) -> list[str]:
        return [self.url(i) for i in range(self.copies if count is None else count)]

    def describe(self) -> str:
        if self.kind == "nginx":
            version = subprocess.run(
                [str(self._nginx), "-v"], capture_output=True, text=True, check=False
            ).stderr.strip()
            return f"{version.replace('nginx version: ', '')} (2 workers, static files)"
        import aiohttp

        return f"aiohttp {aiohttp.__version__} (one process; nginx not installed)"

    def cpu(self) -> float:
        """CPU seconds the server's process tree has used so far."""
        return tree_cpu(self.pid)

    def __enter__(self) -> FeedServer:
        self.port = _free_port(self.hosts)
        if self.kind == "nginx":
            self._start_nginx()
        else:
            context = multiprocessing.get_context("spawn")
            self._process = context.Process(
                target=_serve_aiohttp, args=(self.port, self.copies, self.hosts), daemon=True
            )
            self._process.start()
            self.pid = self._process.pid
        _wait_listening(host(self.hosts - 1, self.hosts), self.port)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.kind == "nginx":
            self._process.terminate()
            self._process.wait(timeout=30)
        else:
            self._process.terminate()
            self._process.join(timeout=30)
        self._folder.cleanup()

    def _start_nginx(self) -> None:
        root = Path(self._folder.name)
        files = feed_files()
        (root / "www" / "f").mkdir(parents=True)
        for index in range(self.copies):  # distinct URLs, the feed files read in place
            (root / "www" / "f" / str(index)).symlink_to(files[index % len(files)])
        listen = "\n".join(
            f"    listen {host(i, self.hosts)}:{self.port} backlog=4096;" for i in range(self.hosts)
        )
        temp = "\n".join(
            f"  {name}_temp_path {root}/{name};"
            for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read /tmp/... (0700)
        (root / "nginx.conf").write_text(
            f"{user}worker_processes 2;\ndaemon off;\npid {root}/nginx.pid;\n"
            f"error_log {root}/error.log warn;\n"
            "events { worker_connections 8192; }\n"
            "http {\n  access_log off;\n  types { }\n  default_type application/xml;\n"
            "  sendfile on;\n  keepalive_requests 1000000;\n  keepalive_timeout 120s;\n"
            f"{temp}\n  server {{\n{listen}\n    root {root}/www;\n  }}\n}}\n"
        )
        self._process = subprocess.Popen(
            [str(self._nginx), "-p", str(root), "-c", str(root / "nginx.conf"), "-e",
             str(root / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )  # fmt: skip
        self.pid = self._process.pid


def _die_with_parent() -> None:
    """In the server's child, before exec: SIGTERM when the benchmark dies, however it dies."""
    import ctypes

    ctypes.CDLL(None).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG


def _free_port(hosts: int) -> int:
    """A port free on every address we will listen on (the kernel picks it on the last)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((host(hosts - 1, hosts), 0))
            port = int(probe.getsockname()[1])
        free = True
        for index in range(hosts):
            with socket.socket() as other:
                try:
                    other.bind((host(index, hosts), port))
                except OSError:
                    free = False
                    break
        if free:
            return port
    raise RuntimeError("no port free on every loopback address")


def _wait_listening(address: str, port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection((address, port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _serve_aiohttp(port: int, copies: int, hosts: int) -> None:
    from aiohttp import web

    bodies = [p.read_bytes() for p in feed_files()]
    tags = [f'"{hashlib.sha1(b).hexdigest()[:16]}"' for b in bodies]

    async def handle(request: web.Request) -> web.Response:
        index = int(request.match_info["n"]) % len(bodies)
        tag = tags[index]
        if request.headers.get("If-None-Match") == tag:
            return web.Response(status=304, headers={"ETag": tag})
        return web.Response(
            body=bodies[index], headers={"ETag": tag, "Content-Type": "application/xml"}
        )

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/f/{n}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        for index in range(hosts):
            await web.TCPSite(runner, host(index, hosts), port, backlog=4096).start()
        await asyncio.Event().wait()

    asyncio.run(main())


# --- measuring a process and its descendants ------------------------------------------------


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """utime + stime of ``pid`` (with ``reaped``: and of the children it has waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])  # cutime + cstime
    return ticks / TICK


def tree_cpu(pid: int) -> float:
    """CPU seconds of a live process, its live descendants and every child they reaped."""
    return sum(_cpu_seconds(p, reaped=True) for p in (pid, *descendants(pid)))


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree_cpu_self() -> float:
    me = os.getpid()
    own = resource.getrusage(resource.RUSAGE_SELF)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)  # children that have exited
    total = own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime
    return total + sum(_cpu_seconds(pid) for pid in descendants(me))


def pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def tree_pss_mb(pid: int) -> float:
    """The sum of the proportional set sizes of ``pid`` and its descendants (shared pages
    counted once): the honest "RSS" of a process tree."""
    return pss_mb(pid) + sum(pss_mb(child) for child in descendants(pid))


class Sampler:
    """Samples the memory of a process tree (default: this process) every 50 ms and keeps the
    peak of its PSS sum."""

    def __init__(self, pid: int | None = None, *, root: bool = True) -> None:
        self.pid = pid or os.getpid()
        self.root = root  # False: the descendants only
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            total = tree_pss_mb(self.pid) - (0.0 if self.root else pss_mb(self.pid))
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


_SAMPLER: Sampler | None = None


def _tree_peak_rss() -> float:
    """Peak memory of the process tree so far (PSS sampled; VmHWM of this process as a floor)."""
    sampled = _SAMPLER.peak if _SAMPLER is not None else 0.0
    return max(sampled, _peak_rss_mb(os.getpid()))


class _Meter:
    def __init__(self, feeds: int, server_pid: int = 0) -> None:
        self.feeds = feeds
        self.server_pid = server_pid  # the feed server, whose CPU is reported beside ours
        self.cycles: list[dict[str, Any]] = []

    def measure(self, name: str, run: Any) -> Any:
        start = self.start()
        result = run()
        self.stop(name, start)
        return result

    def start(self) -> tuple[float, float, float]:
        return _tree_cpu_self(), time.perf_counter(), self._server_cpu()

    def stop(self, name: str, start: tuple[float, float, float]) -> None:
        cpu, wall = _tree_cpu_self() - start[0], time.perf_counter() - start[1]
        server = self._server_cpu() - start[2]
        self.cycles.append(_cycle(name, wall, cpu, _tree_peak_rss(), self.feeds, server))

    def _server_cpu(self) -> float:
        return tree_cpu(self.server_pid) if self.server_pid else 0.0


def _cycle(
    name: str, wall: float, cpu: float, peak: float, feeds: int, server: float
) -> dict[str, Any]:
    return {
        "cycle": name,
        "seconds": round(wall, 2),
        "feeds_per_s": round(feeds / wall, 1),
        "cpu_s": round(cpu, 2),
        "cpu_ms_per_feed": round(cpu * 1000 / feeds, 2),
        "peak_rss_mb": round(peak, 1),
        "server_cpu_s": round(server, 2),
    }


# --- in-process contenders (each runs in its own fresh process) -----------------------------


def _treatywatch(urls: list[str], meter: _Meter) -> dict[str, Any]:
    sys.path.insert(0, os.environ.get("POLL_BENCH_CODE", str(REPO)))
    from monitor.app import make_app
    from monitor.config import parse_settings

    with tempfile.TemporaryDirectory() as state:
        settings = parse_settings(
            {
                "state_dir": state,
                "sources": [{"name": f"f{i}", "url": url} for i, url in enumerate(urls)],
                "channels": [{"name": "console", "type": "console", "enabled": False}],
            }
        )
        app = make_app(settings, channels={})

        async def cycles() -> list[Any]:
            first = await _timed(meter, "full", app.poll_all())
            second = await _timed(meter, "304", app.poll_all())
            await app.aclose()
            return [first, second]

        outcomes = asyncio.run(cycles())
    failed = [o for cycle in outcomes for o in cycle if not o.ok]
    return {
        "items": sum(o.new_items for o in outcomes[0]),
        "failed": len(failed),
        "not_modified": sum(1 for o in outcomes[1] if o.not_modified),
    }


async def _timed(meter: _Meter, name: str, coro: Any) -> Any:
    start = meter.start()
    result = await coro
    meter.stop(name, start)
    return result


def _reader(urls: list[str], meter: _Meter) -> dict[str, Any]:
    import warnings

    from reader import make_reader

    warnings.simplefilter("ignore")  # reader warns once per entry without an id

    with tempfile.TemporaryDirectory() as state:
        reader = make_reader(str(Path(state) / "reader.sqlite"))
        for url in urls:
            reader.add_feed(url)
        meter.measure("full", lambda: reader.update_feeds(scheduled=False))
        meter.measure("304", lambda: reader.update_feeds(scheduled=False))
        entries = reader.get_entry_counts().total
        reader.close()
    return {"items": entries}


def _naive(urls: list[str], meter: _Meter) -> dict[str, Any]:
    import feedparser

    etags: dict[str, str | None] = {}

    def first() -> int:
        count = 0
        for url in urls:
            parsed = feedparser.parse(url)
            etags[url] = parsed.get("etag")
            count += len(parsed.entries)
        return count

    def second() -> int:
        return sum(
            1 for url in urls if feedparser.parse(url, etag=etags.get(url)).get("status") == 304
        )

    items = meter.measure("full", first)
    not_modified = meter.measure("304", second)
    return {"items": items, "not_modified": not_modified}


CONTENDERS = {"treatywatch": _treatywatch, "reader": _reader, "naive": _naive}


def _contender(name: str, urls: list[str], server_pid: int, code: str, out: Any) -> None:
    global _SAMPLER
    os.environ["POLL_BENCH_CODE"] = code
    if code != str(REPO):  # the parse workers too
        os.environ["PYTHONPATH"] = code
    _SAMPLER = Sampler()
    meter = _Meter(len(urls), server_pid)
    try:
        extra = CONTENDERS[name](urls, meter)
        out.put({"contender": name, "cycles": meter.cycles, **extra})
    except Exception as exc:  # report, do not hang the bench
        out.put({"contender": name, "error": repr(exc)})


def in_process(server: FeedServer, urls: list[str], names: list[str]) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    by_name: dict[str, Any] = {}
    for name in names:
        out = context.Queue()
        code = CODE_ENV.get("PYTHONPATH", str(REPO))
        worker = context.Process(target=_contender, args=(name, urls, server.pid, code, out))
        worker.start()
        while True:  # until its answer, or its death without one
            try:
                by_name[name] = out.get(timeout=1)
                break
            except queue.Empty:
                if not worker.is_alive():
                    by_name[name] = {"contender": name, "error": f"exit {worker.exitcode}"}
                    break
        worker.join()
        print(f"[{len(urls)} feeds, in-process] {name}: {json.dumps(by_name[name])}", flush=True)
    return by_name


# --- whole-process contenders ---------------------------------------------------------------

# reader's side of the whole-process mode: what a user of the library runs from cron
READER_SCRIPT = """
import sys, warnings
warnings.simplefilter("ignore")  # reader warns once per entry without an id
from reader import make_reader
reader = make_reader(sys.argv[1])
if len(sys.argv) > 2:  # a fresh database: add the feeds first (part of its cycle)
    for url in open(sys.argv[2]).read().split():
        reader.add_feed(url, exist_ok=True)
reader.update_feeds(scheduled=False)
print(reader.get_entry_counts().total)
reader.close()
"""


# Runs a command as the child of a sub-reaper (prctl PR_SET_CHILD_SUBREAPER), so that every
# process of its tree is reaped here even when its parent died first (a parse pool's
# forkserver and workers): the CPU of the whole tree, and how long any of it outlived the
# command. Writes its JSON answer to the file descriptor given first.
TREE_SCRIPT = """
import ctypes, json, os, resource, signal, subprocess, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
started = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status = os.waitpid(child.pid, 0)
wall = time.perf_counter() - started
ended, lingered = time.perf_counter(), 0.0
while True:
    try:
        pid, _ = os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        break
    if pid == 0:
        lingered = time.perf_counter() - ended
        if lingered > 30:
            for entry in os.listdir("/proc"):
                if entry.isdigit() and int(entry) != os.getpid():
                    try:
                        stat = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
                        if int(stat[1]) == os.getpid():
                            os.kill(int(entry), signal.SIGKILL)
                    except OSError:
                        pass
        time.sleep(0.01)
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
os.write(int(sys.argv[1]), json.dumps({"seconds": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
    "code": os.waitstatus_to_exitcode(status), "lingered_s": lingered}).encode())
"""


def run_tree(
    argv: list[str], cwd: Path, log: Path, server: FeedServer, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run a command to its end: wall time, CPU of its whole tree (every descendant, reaped by
    a sub-reaper), peak PSS of the tree (without the sub-reaper), the server's CPU meanwhile,
    and how long any process of the tree outlived the command."""
    server_cpu = server.cpu()
    read, write = os.pipe()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-c", TREE_SCRIPT, str(write), *argv],
            cwd=cwd,
            stdout=out,
            stderr=out,
            env=_env() | (env or {}),
            pass_fds=(write,),
        )
        os.close(write)
        sampler = Sampler(process.pid, root=False)
        with os.fdopen(read, "rb") as answer:
            measured = json.loads(answer.read() or b"{}")
        process.wait()
        peak = sampler.stop()
    if measured.get("code") != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{argv[0]} exited {measured.get('code')}:\n{tail}")
    return {
        "seconds": measured["seconds"],
        "cpu_s": measured["cpu_s"],
        "peak_rss_mb": peak,
        "server_cpu_s": server.cpu() - server_cpu,
        "lingered_s": measured["lingered_s"],
    }


# PYTHONPATH of the measured processes when measuring a commit rather than the working tree
CODE_ENV: dict[str, str] = {}


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH_")}
    env.pop("PYTHONPATH", None)
    for proxy in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(proxy, None)
    return env | CODE_ENV


def use_code(revision: str | None, folder: Path) -> str:
    """Measure the working tree (``revision`` None), or the packages of a commit exported to
    ``folder`` and put first on the measured processes' path: a working tree that others
    edit during a run would be measured half old, half new (and a rules change makes every
    process compile the rule pack again). Says what is measured."""

    def git(*argv: str) -> str:
        return subprocess.run(
            ["git", *argv], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", revision or "HEAD")
    except (OSError, subprocess.CalledProcessError):
        return f"the working tree at {REPO} (not a git checkout)"
    if revision is None:
        changed = git("status", "--porcelain", "--", "monitor", "rules", "state").splitlines()
        return f"the working tree at {REPO}: commit {commit} + {len(changed)} changed files"
    _export(commit, folder)
    CODE_ENV["PYTHONPATH"] = str(folder)
    return f"commit {commit} ({git('log', '-1', '--format=%cI %s', commit)[:90]})"


def _treatywatch_command() -> str:
    here = Path(sys.executable).parent / "treatywatch"
    found = here if here.exists() else shutil.which("treatywatch")
    if found is None:
        raise SystemExit("the treatywatch command is not installed (make bench installs it)")
    return str(found)


class _Tool:
    """One whole-process contender: a fresh state in ``folder``, then ``run()`` per cycle."""

    def __init__(self, name: str, folder: Path, urls: list[str]) -> None:
        self.name, self.folder, self.urls = name, folder, urls
        folder.mkdir(parents=True)
        self.log = folder / "output.log"
        self.runs = 0
        if name == "treatywatch":
            sources = "".join(f"  - {{name: f{i}, url: '{u}'}}\n" for i, u in enumerate(urls))
            (folder / "treatywatch.yaml").write_text(
                f"state_dir: {folder / 'state'}\nsources:\n{sources}"
                "channels:\n  - {name: console, type: console}\n"
            )
        else:
            (folder / "urls.txt").write_text("\n".join(urls) + "\n")

    def argv(self) -> list[str]:
        self.runs += 1
        if self.name == "treatywatch":
            return [
                _treatywatch_command(),
                "poll",
                "--config",
                str(self.folder / "treatywatch.yaml"),
            ]
        fresh = [str(self.folder / "urls.txt")] if self.runs == 1 else []
        return [sys.executable, "-c", READER_SCRIPT, str(self.folder / "reader.sqlite"), *fresh]


def whole_process(
    server: FeedServer, size: int, folder: Path, tools: tuple[str, ...] = ("treatywatch", "reader")
) -> dict[str, Any]:
    """Each tool from a fresh state: a full cycle, an unchanged cycle, then its start-up (one
    feed, fresh state, median of 3, after one unmeasured run that warms the page cache and
    treatywatch's per-user compiled-rules cache); treatywatch's start-up is also measured once
    with that cache empty (the first run after an install or upgrade)."""
    urls = server.urls(size)
    by_name: dict[str, Any] = {}
    for name in tools:
        warm = _Tool(name, folder / f"{name}-warm-{size}", urls[:1])
        run_tree(warm.argv(), warm.folder, warm.log, server)
        tool = _Tool(name, folder / f"{name}-{size}", urls)
        cycles, lingered = [], 0.0
        for cycle in ("full", "304"):
            measured = run_tree(tool.argv(), tool.folder, tool.log, server)
            lingered = max(lingered, measured["lingered_s"])
            cycles.append(
                _cycle(
                    cycle,
                    measured["seconds"],
                    measured["cpu_s"],
                    measured["peak_rss_mb"],
                    size,
                    measured["server_cpu_s"],
                )
            )
        startups = []
        for run in range(STARTUP_RUNS):
            one = _Tool(name, folder / f"{name}-startup-{size}-{run}", urls[:1])
            startups.append(run_tree(one.argv(), one.folder, one.log, server))
        startup = {
            "seconds": round(statistics.median(s["seconds"] for s in startups), 3),
            "cpu_s": round(statistics.median(s["cpu_s"] for s in startups), 3),
            "peak_rss_mb": round(statistics.median(s["peak_rss_mb"] for s in startups), 1),
        }
        if name == "treatywatch":
            cold = _Tool(name, folder / f"{name}-cold-{size}", urls[:1])
            cache = {"XDG_CACHE_HOME": str(cold.folder / "cache")}
            startup["cold_cache_s"] = round(
                run_tree(cold.argv(), cold.folder, cold.log, server, cache)["seconds"], 3
            )
        lingered = max([lingered, *(s["lingered_s"] for s in startups)])
        by_name[name] = {
            "contender": name,
            "cycles": cycles,
            "startup": startup,
            "lingered_s": round(lingered, 2),
        }
        print(f"[{size} feeds, whole process] {name}: {json.dumps(by_name[name])}", flush=True)
    return by_name


# --- the parse workers' job alone (--mode intake) --------------------------------------------

# Runs in a fresh process whose path starts with the code measured: one round of intake (and
# of parsing alone) over every real feed, after one unmeasured round; prints JSON.
INTAKE_SCRIPT = """
import json, sys, time
from datetime import UTC, datetime
from pathlib import Path
from monitor.config import SourceConfig, rules_cache_dir
from monitor.intake import IntakeJob, intake
from monitor.rulepacks import load_rules
from monitor.sources import feed
from monitor.sources.parse import parse_document
ruleset = load_rules(None, cache_dir=rules_cache_dir())
bodies = [Path(p).read_bytes() for p in sys.argv[1:]]
now = datetime(2026, 12, 7, tzinfo=UTC)
jobs = []
for index in range(len(bodies)):
    url = f"http://127.0.0.{index % 32 + 1}:8080/f/{index}"
    source = SourceConfig(name=f"f{index}", url=url)
    jobs.append(IntakeJob(source=source, url=url, content_type="application/xml", now=now))
def parse(body, job):
    return parse_document("feed", body, url=job.url, content_type=job.content_type)
def timed(work):
    start = time.process_time()
    for body, job in zip(bodies, jobs):
        try:
            work(body, job)
        except Exception:  # a feed that is no feed fails alike each round
            pass
    return time.process_time() - start
fallback, read = [], feed._feedparser  # the feeds the fast path leaves to feedparser
feed._feedparser = lambda body, **kw: fallback.append(1) or read(body, **kw)
timed(lambda body, job: intake(ruleset, body, job))  # unmeasured, counting those
feed._feedparser = read
fallback = len(fallback)
from multiprocessing.reduction import ForkingPickler
import pickle
results = []  # what the workers send back, pickled as the pool's result queue pickles it
timed(lambda body, job: results.append(intake(ruleset, body, job)))
def dumps():
    start = time.process_time()
    dumped = [bytes(ForkingPickler.dumps(result)) for result in results]
    return time.process_time() - start, dumped
def loads(dumped):
    start = time.process_time()
    for data in dumped:
        pickle.loads(data)
    return time.process_time() - start
dump_s, dumped = min(dumps() for _ in range(5))
load_s = min(loads(dumped) for _ in range(5))
print(json.dumps({"intake_s": timed(lambda body, job: intake(ruleset, body, job)),
    "parse_s": timed(parse), "feeds": len(bodies), "feedparser": fallback,
    "dump_s": dump_s, "load_s": load_s, "pickled_bytes": sum(map(len, dumped))}))
"""


def _export(revision: str, folder: Path) -> str:
    """The packages of commit ``revision`` in ``folder``; says which commit."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", revision], cwd=REPO, capture_output=True, text=True,
        check=True,
    ).stdout.strip()  # fmt: skip
    archive = subprocess.run(
        ["git", "archive", commit, "monitor", "rules", "state"], cwd=REPO, capture_output=True,
        check=True,
    ).stdout  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return commit


def intake_rounds(rounds: int, before: str | None, folder: Path) -> dict[str, Any]:
    """CPU of the parse workers' job over the real feeds, ``rounds`` times, in fresh processes;
    with ``before``, that commit's in turn (after the code measured, round by round)."""
    contenders = {"measured": CODE_ENV.get("PYTHONPATH", str(REPO))}
    if before is not None:
        contenders[f"before ({_export(before, folder / 'before')})"] = str(folder / "before")
    files = [str(path) for path in feed_files()]
    empty = folder / "cwd"  # "" leads the path of "-c": a folder with no packages in it
    empty.mkdir(parents=True, exist_ok=True)
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, path in contenders.items():
            env = {k: v for k, v in _env().items() if k != "PYTHONPATH"} | {"PYTHONPATH": path}
            done = subprocess.run(
                [sys.executable, "-c", INTAKE_SCRIPT, *files], env=env, capture_output=True,
                text=True, check=True, cwd=empty,
            )  # fmt: skip
            runs[name].append(json.loads(done.stdout.strip().splitlines()[-1]))
    result: dict[str, Any] = {}
    for name, measured in runs.items():
        intake_ms = sorted(1000 * m["intake_s"] for m in measured)
        parse_ms = sorted(1000 * m["parse_s"] for m in measured)
        result[name] = {
            "intake_ms_best": round(intake_ms[0], 1),
            "intake_ms_median": round(statistics.median(intake_ms), 1),
            "parse_ms_best": round(parse_ms[0], 1),
            "parse_ms_median": round(statistics.median(parse_ms), 1),
            "feeds": measured[0]["feeds"],
            "feedparser": measured[0]["feedparser"],
            "dump_ms_best": round(min(1000 * m["dump_s"] for m in measured), 1),
            "dump_ms_median": round(statistics.median(1000 * m["dump_s"] for m in measured), 1),
            "load_ms_best": round(min(1000 * m["load_s"] for m in measured), 1),
            "load_ms_median": round(statistics.median(1000 * m["load_s"] for m in measured), 1),
            "pickled_mb": round(measured[0]["pickled_bytes"] / 1e6, 2),
        }
    return result


def report_intake(result: dict[str, Any], rounds: int) -> None:
    print(f"\n== the parse workers' job alone (intake over the real feeds, {rounds} rounds) ==")
    print(f"{'code':24} {'intake ms':>10} {'median':>8} {'parse ms':>9} {'median':>8} feedparser")
    for name, row in result.items():
        print(
            f"{name:24} {row['intake_ms_best']:10.1f} {row['intake_ms_median']:8.1f} "
            f"{row['parse_ms_best']:9.1f} {row['parse_ms_median']:8.1f} "
            f"{row['feedparser']} of {row['feeds']} feeds"
        )
    print("the results sent back to the poller, pickled (best of 5 in each round):")
    print(f"{'code':24} {'dump ms':>10} {'median':>8} {'load ms':>9} {'median':>8} size")
    for name, row in result.items():
        print(
            f"{name:24} {row['dump_ms_best']:10.1f} {row['dump_ms_median']:8.1f} "
            f"{row['load_ms_best']:9.1f} {row['load_ms_median']:8.1f} {row['pickled_mb']} MB"
        )
    names = list(result)
    if len(names) == 2:
        now, then = result[names[0]], result[names[1]]
        print(
            f"measured / before: intake {now['intake_ms_best'] / then['intake_ms_best']:.2f}x, "
            f"parse {now['parse_ms_best'] / then['parse_ms_best']:.2f}x, "
            f"dump {now['dump_ms_best'] / then['dump_ms_best']:.2f}x, "
            f"load {now['load_ms_best'] / then['load_ms_best']:.2f}x (best of each)"
        )


# --- reporting ------------------------------------------------------------------------------


def _cycles(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["cycle"]: c for c in result.get("cycles", [])}


def report_in_process(size: int, by_name: dict[str, Any]) -> None:
    print(f"\n== {size} feeds, in-process (the cycle's work alone, no start-up) ==")
    _table(by_name)
    ours = _cycles(by_name.get("treatywatch", {}))
    for baseline in [n for n in by_name if n != "treatywatch"]:
        theirs = _cycles(by_name[baseline])
        for cycle in ("full", "304"):
            if cycle in ours and cycle in theirs:
                ratio = theirs[cycle]["seconds"] / max(ours[cycle]["seconds"], 1e-9)
                print(f"in-process, treatywatch vs {baseline}, {cycle} cycle: {ratio:.1f}x")
    if "304" in ours:
        print(
            f"in-process, treatywatch CPU per unchanged feed: {ours['304']['cpu_ms_per_feed']} ms"
        )


def _table(by_name: dict[str, Any]) -> None:
    print(
        f"{'tool':<12} {'cycle':<7} {'wall s':>7} {'feeds/s':>8} {'CPU s':>6} "
        f"{'CPU ms/feed':>11} {'peak MB':>8} {'server CPU s':>12}"
    )
    for name, result in by_name.items():
        if "error" in result:
            print(f"{name:<12} failed: {result['error']}")
        for c in result.get("cycles", []):
            print(
                f"{name:<12} {c['cycle']:<7} {c['seconds']:>7} {c['feeds_per_s']:>8} "
                f"{c['cpu_s']:>6} {c['cpu_ms_per_feed']:>11} {c['peak_rss_mb']:>8} "
                f"{c['server_cpu_s']:>12}"
            )


def whole_process_figures(size: int, by_name: dict[str, Any]) -> dict[str, Any]:
    """The ratios and targets of issue 14, from the whole-process measurements."""
    ours, theirs = by_name["treatywatch"], by_name["reader"]
    o, t = _cycles(ours), _cycles(theirs)
    o_start, t_start = ours["startup"], theirs["startup"]
    o_net = o["304"]["seconds"] - o_start["seconds"]
    t_net = t["304"]["seconds"] - t_start["seconds"]
    cpu_net = o["304"]["cpu_s"] - o_start["cpu_s"]
    return {
        "full_ratio": t["full"]["seconds"] / o["full"]["seconds"],
        "unchanged_ratio": t["304"]["seconds"] / o["304"]["seconds"],
        "unchanged_net_ratio": t_net / max(o_net, 1e-3),
        # at a small size a cycle can take less than the start-up: no net figure then
        "net_valid": o_net > 0.05 and cpu_net > 0,
        "startup_s": o_start["seconds"],
        "reader_startup_s": t_start["seconds"],
        "cpu_ms_unchanged_net": cpu_net * 1000 / size,
        "reader_cpu_ms_unchanged_net": (t["304"]["cpu_s"] - t_start["cpu_s"]) * 1000 / size,
        "peak_rss_mb": max(c["peak_rss_mb"] for c in o.values()),
    }


def report_whole_process(size: int, by_name: dict[str, Any]) -> dict[str, Any]:
    print(f"\n== {size} feeds, whole process (what cron and restarts see) ==")
    _table(by_name)
    for name, result in by_name.items():
        s = result["startup"]
        print(
            f"{name:<12} start-up (one feed, fresh state, median of {STARTUP_RUNS}): "
            f"{s['seconds']} s, {s['cpu_s']} s CPU, {s['peak_rss_mb']} MB"
            + (f"; {s['cold_cache_s']} s with an empty rules cache" if "cold_cache_s" in s else "")
        )
        print(
            f"{name:<12} longest a process of its tree outlived the command: "
            f"{result['lingered_s']} s"
        )
    if "reader" not in by_name:
        return _report_alone(size, by_name["treatywatch"])
    f = whole_process_figures(size, by_name)
    print(
        f"full cycle: {f['full_ratio']:.1f}x reader "
        f"(target >= 10x: {_verdict(f['full_ratio'] >= 10)})"
    )
    print(
        f"unchanged cycle, net of start-up: {f['unchanged_net_ratio']:.1f}x reader "
        f"(target >= 10x: {_verdict(f['unchanged_net_ratio'] >= 10, f['net_valid'])})"
    )
    print(
        f"unchanged cycle, whole process: {f['unchanged_ratio']:.1f}x reader "
        f"(target >= 5x: {_verdict(f['unchanged_ratio'] >= 5)})"
    )
    print(
        f"poll start-up, fresh state, one feed: {f['startup_s']:.2f} s; reader "
        f"{f['reader_startup_s']:.2f} s (target <= 0.5 s: {_verdict(f['startup_s'] <= 0.5)})"
    )
    print(
        f"CPU per unchanged feed, net of start-up: {f['cpu_ms_unchanged_net']:.2f} ms; reader "
        f"{f['reader_cpu_ms_unchanged_net']:.2f} ms "
        f"(target <= 1 ms: {_verdict(f['cpu_ms_unchanged_net'] <= 1, f['net_valid'])})"
    )
    verdict = _verdict(f["peak_rss_mb"] <= 250) if size >= 5_000 else "judged at 5,000 feeds"
    print(f"peak memory (PSS of the tree): {f['peak_rss_mb']} MB (target <= 250 MB: {verdict})")
    return f


def _report_alone(size: int, ours: dict[str, Any]) -> dict[str, Any]:
    """The targets that need no baseline, when reader was not run (``--tools``)."""
    o, start = _cycles(ours), ours["startup"]
    cpu_net = (o["304"]["cpu_s"] - start["cpu_s"]) * 1000 / size
    valid = o["304"]["seconds"] - start["seconds"] > 0.05 and cpu_net > 0
    peak = max(c["peak_rss_mb"] for c in o.values())
    print("ratios to reader: not measured (reader not run: --tools)")
    print(f"poll start-up: {start['seconds']:.2f} s (target <= 0.5 s: "
          f"{_verdict(start['seconds'] <= 0.5)})")  # fmt: skip
    print(f"CPU per unchanged feed, net of start-up: {cpu_net:.2f} ms (target <= 1 ms: "
          f"{_verdict(cpu_net <= 1, valid)})")  # fmt: skip
    verdict = _verdict(peak <= 250) if size >= 5_000 else "judged at 5,000 feeds"
    print(f"peak memory (PSS of the tree): {peak} MB (target <= 250 MB: {verdict})")
    return {"startup_s": start["seconds"], "cpu_ms_unchanged_net": cpu_net, "peak_rss_mb": peak}


def readme_table(size: int, by_name: dict[str, Any], server: str) -> list[str]:
    """The README's performance table, in Markdown (printed, and returned as its lines)."""
    if "reader" not in by_name:
        return []
    lines: list[str] = []
    add = lines.append
    o, t = _cycles(by_name["treatywatch"]), _cycles(by_name["reader"])
    os_start, ts_start = by_name["treatywatch"]["startup"], by_name["reader"]["startup"]
    f = whole_process_figures(size, by_name)
    add("| measure (whole process) | treatywatch | reader | ratio | target |")
    add("| --- | --- | --- | --- | --- |")
    rows = [
        ("full cycle", o["full"], t["full"], f["full_ratio"], "≥ 10x", 10),
        ("unchanged cycle (304)", o["304"], t["304"], f["unchanged_ratio"], "≥ 5x", 5),
    ]
    for label, ours, theirs, ratio, target, goal in rows:
        add(
            f"| {label} | {ours['seconds']:.1f} s, {ours['feeds_per_s']:.0f} feeds/s, "
            f"{ours['cpu_s']:.1f} s CPU | {theirs['seconds']:.1f} s, "
            f"{theirs['feeds_per_s']:.0f} feeds/s, {theirs['cpu_s']:.1f} s CPU | "
            f"{ratio:.1f}x | {target}: {_verdict(ratio >= goal)} |"
        )
    net = f["unchanged_net_ratio"]
    add(
        f"| unchanged cycle, net of start-up | {o['304']['seconds'] - os_start['seconds']:.2f} s "
        f"| {t['304']['seconds'] - ts_start['seconds']:.2f} s | {net:.1f}x "
        f"| ≥ 10x: {_verdict(net >= 10, f['net_valid'])} |"
    )
    add(
        f"| start-up (one feed, fresh state) | {os_start['seconds']:.2f} s | "
        f"{ts_start['seconds']:.2f} s | | ≤ 0.5 s: {_verdict(f['startup_s'] <= 0.5)} |"
    )
    cpu = f["cpu_ms_unchanged_net"]
    add(
        f"| CPU per unchanged feed, net of start-up | {cpu:.2f} ms | "
        f"{f['reader_cpu_ms_unchanged_net']:.2f} ms | | "
        f"≤ 1 ms: {_verdict(cpu <= 1, f['net_valid'])} |"
    )
    peak = f["peak_rss_mb"]
    verdict = f"≤ 250 MB: {_verdict(peak <= 250)}" if size >= 5_000 else "(judged at 5,000)"
    add(
        f"| peak memory (PSS of the process tree) | {peak:.0f} MB | "
        f"{max(c['peak_rss_mb'] for c in t.values()):.0f} MB | | {verdict} |"
    )
    print(f"\nREADME table ({size} feeds; {server}):\n")
    print("\n".join(lines))
    return lines


README_START = "<!-- poll_bench.py --readme: start -->"
README_END = "<!-- poll_bench.py --readme: end -->"


def write_readme(path: Path, size: int, table: list[str], code: str, server: str) -> None:
    """Put ``table`` between the README's markers, with the run it comes from."""
    text = path.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        raise SystemExit(f"{path}: the markers {README_START!r} and {README_END!r} are missing")
    block = [
        README_START,
        f"{size} feeds over 32 loopback addresses, {server}; {code}; {machine()}.",
        "",
        *table,
        "",
    ]
    path.write_text(text[:start] + "\n".join(block) + text[end:], encoding="utf-8")
    print(f"README table written to {path}")


def _verdict(met: bool, valid: bool = True) -> str:
    if not valid:
        return "n/a (the cycle took less than the start-up; try more feeds)"
    return "met" if met else "MISSED"


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory:.0f} GiB, Linux {platform.release()}, "
        f"Python {platform.python_version()}; load average {load}"
    )


@contextmanager
def _work_folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="poll-bench-") as folder:
        yield Path(folder)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000", help="feed counts (default 1000; 1000,5000)")
    parser.add_argument("--hosts", type=int, default=32, help="loopback addresses (default 32)")
    parser.add_argument(
        "--mode", choices=("both", "process", "inprocess", "intake"), default="both"
    )
    parser.add_argument("--server", choices=("auto", "nginx", "aiohttp"), default="auto")
    parser.add_argument(
        "--contenders", default="treatywatch,reader", help="in-process mode (also: naive)"
    )
    parser.add_argument(
        "--tools", default="treatywatch,reader", help="whole-process mode (default both)"
    )
    parser.add_argument(
        "--code", metavar="REV", help="measure this commit, not the working tree (e.g. HEAD)"
    )
    parser.add_argument(
        "--before", metavar="REV", help="intake mode: measure this commit too, side by side"
    )
    parser.add_argument("--rounds", type=int, default=5, help="intake mode: rounds (default 5)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--readme", type=Path, help="write the first size's table into this README's markers"
    )
    args = parser.parse_args()
    if not FEEDS.is_dir():
        print(f"skipped: real feeds not found at {FEEDS}")
        return 0
    if not 1 <= args.hosts <= 254:
        parser.error("--hosts: 1 to 254")
    code = tempfile.TemporaryDirectory(prefix="poll-bench-code-")
    print(f"machine: {machine()}")
    measured = use_code(args.code, Path(code.name))
    print(f"code: {measured}")
    if args.mode == "intake":
        found = intake_rounds(max(args.rounds, 1), args.before, Path(code.name))
        report_intake(found, max(args.rounds, 1))
        if args.json:
            args.json.write_text(json.dumps(found, indent=2))
        return 0
    results = []
    readme: list[str] = []
    for size in (int(s) for s in args.sizes.split(",")):
        with FeedServer(size, args.hosts, args.server) as server, _work_folder() as folder:
            served = server.describe()
            print(
                f"\n[{size} feeds] server: {served}, {len(feed_files())} real feeds served as "
                f"{size} URLs over {args.hosts} loopback addresses, port {server.port}",
                flush=True,
            )
            entry: dict[str, Any] = {"feeds": size, "hosts": args.hosts, "server": served}
            if args.mode in ("both", "process"):
                tools = tuple(args.tools.split(","))
                entry["whole_process"] = whole_process(server, size, folder, tools)
            if args.mode in ("both", "inprocess"):
                urls = server.urls(size)
                entry["in_process"] = in_process(server, urls, args.contenders.split(","))
        if "in_process" in entry:
            report_in_process(size, entry["in_process"])
        if "whole_process" in entry:
            entry["figures"] = report_whole_process(size, entry["whole_process"])
            table = readme_table(size, entry["whole_process"], served)
            if args.readme and table and not readme:
                readme = table
                write_readme(args.readme, size, table, measured, served)
        results.append(entry)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
