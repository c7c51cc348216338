"""Start-up of the ``treatywatch`` command, as whole processes, beside what Python needs anyway.

Times, as the median of ``--runs`` runs (default 5) after one warm-up run each, the wall time
and the CPU (the process and every process it started, such as parse workers: this script is
a sub-reaper, so orphans are reaped and counted here) of:

- the baselines, measured in the same run: ``python -c pass`` and a Python that imports just
  the libraries a poll needs (aiohttp, feedparser, sqlite_utils);
- ``treatywatch --version``, ``treatywatch poll --help`` and ``treatywatch check``;
- ``treatywatch poll`` of one local feed (a real feed from ../shared/feeds, else a small
  generated one, served on 127.0.0.1 by a thread of this script) from a fresh ``state_dir``
  each run.

The commands run with their bytecode cached, as an installed package's are
(``PYTHONDONTWRITEBYTECODE`` is dropped from their environment). The compiled rule set is
cached per user (``$XDG_CACHE_HOME``): the script keeps its own cache
in its temporary folder, and the warm-up run fills it, as any first run does for a user. Then
it prints the issue-14 target (``poll`` start-up, fresh state, one feed: at most 0.5 s) as met
or MISSED. Timings on a loaded machine are noisy: compare the lines of one run, not runs.

``--code REV`` measures a commit's packages (exported, first on the commands' path) instead of
the working tree, which others may edit during a run; ``--before REV`` measures a second commit
in the same run, its runs taken in turn with the measured code's, and prints both with the
ratio.

    .venv/bin/python bench/startup_bench.py [--runs 5] [--feed FILE] [--code HEAD] [--before REV]
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FEEDS = REPO.parent / "shared" / "feeds"
TARGET_S = 0.5
POLL_LIBRARIES = "import aiohttp, feedparser, sqlite_utils"
_PR_SET_CHILD_SUBREAPER = 36


def _feed_body(path: Path | None) -> tuple[bytes, str]:
    if path is None:
        found = sorted(FEEDS.glob("*.rss")) if FEEDS.is_dir() else []
        path = found[0] if found else None
    if path is not None:
        return path.read_bytes(), path.name
    items = "".join(
        f"<item><title>Report {n}</title><link>https://example.org/{n}</link>"
        f"<guid>https://example.org/{n}</guid><description>Text {n}.</description></item>"
        for n in range(30)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}'
    return (body + "</channel></rss>").encode(), "a generated feed of 30 items"


class _FeedServer:
    """One feed body at ``/feed.xml`` on a free port of 127.0.0.1, served by a thread."""

    def __init__(self, body: bytes) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/feed.xml"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _reap_all(deadline_s: float = 30.0) -> None:
    """Reap every process left in our tree (orphans come to us as the sub-reaper); past the
    deadline, kill what is still there (it would be a bug in the command)."""
    ended = time.monotonic()
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid:
            continue
        if time.monotonic() - ended > deadline_s:
            for pid in _our_children():
                os.kill(pid, 9)
        time.sleep(0.005)


def _our_children() -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(stat[1]) == os.getpid():
                found.append(int(entry))
    return found


def run(argv: list[str], env: dict[str, str], check: str | None = None) -> tuple[float, float]:
    """One whole process to its end: wall seconds (until the command exits) and CPU seconds of
    its whole tree (every descendant reaped)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate()
    wall = time.perf_counter() - started
    _reap_all()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    text = (out + err).decode(errors="replace")
    if process.returncode != 0 or (check is not None and check not in text):
        raise SystemExit(f"{' '.join(argv)} exited {process.returncode}:\n{text[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def export(revision: str, folder: Path) -> str:
    """The packages of commit ``revision`` exported to ``folder``; says which commit."""

    def git(*argv: str) -> bytes:
        return subprocess.run(["git", *argv], cwd=REPO, capture_output=True, check=True).stdout

    commit = git("rev-parse", "--short", revision).decode().strip()
    folder.mkdir(parents=True)
    archive = git("archive", commit, "monitor", "rules", "state")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return f"commit {commit} ({git('log', '-1', '--format=%s', commit).decode().strip()[:70]})"


def _treatywatch() -> str:
    here = Path(sys.executable).parent / "treatywatch"
    found = str(here) if here.exists() else shutil.which("treatywatch")
    if found is None:
        raise SystemExit("the treatywatch command is not installed (pip install -e .)")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (5)")
    parser.add_argument("--feed", type=Path, help="the feed file to poll (a shared feed)")
    parser.add_argument("--code", metavar="REV", help="measure this commit, not the working tree")
    parser.add_argument("--before", metavar="REV", help="also measure this commit, side by side")
    options = parser.parse_args()
    # Orphans of a command (a parse pool outliving its parent) are reaped here and counted.
    ctypes.CDLL(None).prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    body, described = _feed_body(options.feed)
    server = _FeedServer(body)
    folder = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    # PYTHONDONTWRITEBYTECODE (set in some shells and containers) would make every run compile
    # our ~90 modules from source again (0.1-0.2 s): an installed package has its bytecode, and
    # the warm-up run writes it here as a user's first run does.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TREATYWATCH_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    env["XDG_CACHE_HOME"] = str(folder / "cache")
    for proxy in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        env.pop(proxy, None)
    measured = "the working tree"
    if options.code:
        measured = export(options.code, folder / "code")
        env["PYTHONPATH"] = str(folder / "code")
    variants = {"": env}
    if options.before:
        before = export(options.before, folder / "before")
        variants["before"] = env | {"PYTHONPATH": str(folder / "before")}
        measured += f", beside {before} as 'before'"
    command = _treatywatch()
    fresh = iter(range(1_000_000))

    def poll_argv() -> list[str]:
        run_folder = folder / f"poll-{next(fresh)}"
        run_folder.mkdir()
        config = run_folder / "treatywatch.yaml"
        config.write_text(
            f"state_dir: {run_folder / 'state'}\n"
            f"sources:\n  - {{name: one, url: '{server.url}'}}\n"
            "channels:\n  - {name: console, type: console}\n"
        )
        return [command, "--config", str(config), "poll"]

    check_config = folder / "check.yaml"
    check_config.write_text(
        f"state_dir: {folder / 'check-state'}\nsources:\n  - {{name: one, url: '{server.url}'}}\n"
    )
    # (name, argv, text the output must hold, whether the measured code matters)
    cases: list[tuple[str, Any, str | None, bool]] = [
        ("python -c pass (baseline)", lambda: [sys.executable, "-c", "pass"], None, False),
        (
            f"python -c '{POLL_LIBRARIES}'",
            lambda: [sys.executable, "-c", POLL_LIBRARIES],
            None,
            False,
        ),
        ("treatywatch --version", lambda: [command, "--version"], "treatywatch", True),
        ("treatywatch poll --help", lambda: [command, "poll", "--help"], "usage:", True),
        (
            "treatywatch check",
            lambda: [command, "--config", str(check_config), "check"],
            "valid",
            True,
        ),
        ("treatywatch poll (one feed, fresh state)", poll_argv, "polled 1 source (0 failed", True),
    ]
    print(
        f"start-up as whole processes, median of {options.runs} runs after one warm-up "
        f"(wall, CPU of the process tree); {os.cpu_count()} cores, load "
        f"{os.getloadavg()[0]:.1f}; poll fetches {described}; code: {measured}"
    )
    medians: dict[str, tuple[float, float]] = {}
    try:
        for name, argv, check, by_code in cases:
            kinds = list(variants) if by_code else [""]
            for kind in kinds:  # warm-up: page cache, the compiled-rules cache
                run(argv(), variants[kind], check)
            samples: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
            for _ in range(options.runs):
                for kind in kinds:  # in turn, so that a change of load hits both alike
                    samples[kind].append(run(argv(), variants[kind], check))
            for kind in kinds:
                wall = statistics.median(s[0] for s in samples[kind])
                cpu = statistics.median(s[1] for s in samples[kind])
                label = f"{name} [{kind}]" if kind else name
                medians[label] = (wall, cpu)
                line = f"  {label:<56} {wall:6.3f} s wall  {cpu:6.3f} s CPU"
                if kind:
                    now_wall, now_cpu = medians[name]
                    line += f"  (now {now_wall / wall:.2f}x the wall, {now_cpu / cpu:.2f}x the CPU)"
                print(line, flush=True)
    finally:
        server.close()
        shutil.rmtree(folder, ignore_errors=True)
    poll_wall, _ = medians["treatywatch poll (one feed, fresh state)"]
    libraries_wall, _ = medians[f"python -c '{POLL_LIBRARIES}'"]
    verdict = "met" if poll_wall <= TARGET_S else "MISSED"
    print(
        f"target: poll start-up (fresh state, one feed) at most {TARGET_S} s: {verdict} "
        f"({poll_wall:.3f} s, {poll_wall / libraries_wall:.1f}x the import of the libraries "
        "it needs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
