"""Polling throughput: treatywatch beside two baselines, on one local server, in one run.

A server process serves N copies of the real feeds in ../shared/feeds (read in place) with
ETag support. Each contender runs in its own fresh process (so its CPU time and memory are its
own) against that server, twice: a full cycle (every feed new) and a cycle where every feed
answers 304. Reported per contender and cycle: feeds/s, CPU ms per feed (the process and every
process it started, such as parse workers) and peak memory (the sum of the proportional set
sizes of the process and its children, sampled every 50 ms), then the ratios against the
baselines:

- ``reader``: the reader library's ``update_feeds()`` (pip install -e '.[bench]');
- ``naive``: a sequential ``feedparser.parse(url)`` loop (with ``etag=`` on the second cycle).

Run: ``.venv/bin/python bench/poll_bench.py [--sizes 500,2000] [--contenders ...]``.
Targets (issue 4): full cycle >= 5x reader's feeds/s; 304 cycle >= 5x reader's; <= 3 ms CPU per
unchanged feed; peak RSS < 250 MB at 2,000 feeds.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import multiprocessing
import os
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FEEDS = REPO.parent / "shared" / "feeds"
TICK = os.sysconf("SC_CLK_TCK")


# --- the server -----------------------------------------------------------------------------


def _serve(port_queue: Any, copies: int) -> None:
    from aiohttp import web

    files = sorted(p for p in FEEDS.iterdir() if p.suffix not in (".md", ".tsv"))
    bodies = [p.read_bytes() for p in files]
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
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=4096)
        await site.start()
        port_queue.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(main())


# --- measuring a process and its descendants ------------------------------------------------


def _descendants(pid: int) -> list[int]:
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


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _peak_rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _tree_cpu() -> float:
    me = os.getpid()
    own = resource.getrusage(resource.RUSAGE_SELF)
    done = resource.getrusage(resource.RUSAGE_CHILDREN)  # children that have exited
    total = own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime
    return total + sum(_cpu_seconds(pid) for pid in _descendants(me))


def _pss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


class _Sampler:
    """Samples the memory of this process and its descendants every 50 ms: the peak of the sum
    of their proportional set sizes (shared pages counted once), the honest "peak RSS" of a
    process tree."""

    def __init__(self) -> None:
        import threading

        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            me = os.getpid()
            total = _pss_mb(me) + sum(_pss_mb(pid) for pid in _descendants(me))
            self.peak = max(self.peak, total)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


_SAMPLER: _Sampler | None = None


def _tree_peak_rss() -> float:
    """Peak memory of the process tree so far (PSS sampled; VmHWM of this process as a floor)."""
    sampled = _SAMPLER.peak if _SAMPLER is not None else 0.0
    return max(sampled, _peak_rss_mb(os.getpid()))


class _Meter:
    def __init__(self, feeds: int) -> None:
        self.feeds = feeds
        self.cycles: list[dict[str, float]] = []

    def measure(self, name: str, run: Any) -> Any:
        start = self.start()
        result = run()
        self.stop(name, start)
        return result

    @staticmethod
    def start() -> tuple[float, float]:
        return _tree_cpu(), time.perf_counter()

    def stop(self, name: str, start: tuple[float, float]) -> None:
        cpu, wall = _tree_cpu() - start[0], time.perf_counter() - start[1]
        self.cycles.append(
            {
                "cycle": name,
                "seconds": round(wall, 2),
                "feeds_per_s": round(self.feeds / wall, 1),
                "cpu_ms_per_feed": round(cpu * 1000 / self.feeds, 2),
                "peak_rss_mb": round(_tree_peak_rss(), 1),
            }
        )


# --- the contenders (each runs in its own process) ------------------------------------------


def _treatywatch(urls: list[str], meter: _Meter) -> dict[str, Any]:
    sys.path.insert(0, str(REPO))
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


def _contender(name: str, urls: list[str], out: Any) -> None:
    global _SAMPLER
    _SAMPLER = _Sampler()
    meter = _Meter(len(urls))
    try:
        extra = CONTENDERS[name](urls, meter)
        out.put({"contender": name, "cycles": meter.cycles, **extra})
    except Exception as exc:  # report, do not hang the bench
        out.put({"contender": name, "error": repr(exc)})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="500,2000", help="feed counts (default 500,2000)")
    parser.add_argument("--contenders", default="treatywatch,reader,naive")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if not FEEDS.is_dir():
        print(f"skipped: real feeds not found at {FEEDS}")
        return 0
    context = multiprocessing.get_context("spawn")
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        ports = context.Queue()
        server = context.Process(target=_serve, args=(ports, size), daemon=True)
        server.start()
        port = ports.get(timeout=30)
        urls = [f"http://127.0.0.1:{port}/f/{i}" for i in range(size)]
        by_name: dict[str, dict[str, Any]] = {}
        for name in args.contenders.split(","):
            out = context.Queue()
            worker = context.Process(target=_contender, args=(name, urls, out))
            worker.start()
            result = out.get(timeout=3600)
            worker.join()
            by_name[name] = result
            print(f"[{size} feeds] {name}: {json.dumps(result)}", flush=True)
        server.terminate()
        results.append({"feeds": size, "results": by_name})
        _report(size, by_name)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


def _report(size: int, by_name: dict[str, dict[str, Any]]) -> None:
    print(f"\n== {size} feeds ==")
    print(f"{'contender':<12} {'cycle':<5} {'feeds/s':>9} {'CPU ms/feed':>12} {'peak RSS MB':>12}")
    for name, result in by_name.items():
        for cycle in result.get("cycles", []):
            print(
                f"{name:<12} {cycle['cycle']:<5} {cycle['feeds_per_s']:>9} "
                f"{cycle['cpu_ms_per_feed']:>12} {cycle['peak_rss_mb']:>12}"
            )
    ours = {c["cycle"]: c for c in by_name.get("treatywatch", {}).get("cycles", [])}
    for baseline in ("reader", "naive"):
        theirs = {c["cycle"]: c for c in by_name.get(baseline, {}).get("cycles", [])}
        for cycle in ("full", "304"):
            if cycle in ours and cycle in theirs:
                ratio = ours[cycle]["feeds_per_s"] / max(theirs[cycle]["feeds_per_s"], 1e-9)
                target = f" (target >= 5x: {_verdict(ratio >= 5)})" if baseline == "reader" else ""
                print(f"treatywatch vs {baseline}, {cycle} cycle: {ratio:.1f}x feeds/s{target}")
    if "full" in ours:
        cpu, cores = ours["full"]["cpu_ms_per_feed"], os.cpu_count() or 1
        print(
            f"treatywatch full cycle: {cpu} ms CPU per feed; {cores} cores allow at most "
            f"{cores * 1000 / max(cpu, 1e-9):.0f} feeds/s"
        )
    if "304" in ours:
        cpu = ours["304"]["cpu_ms_per_feed"]
        print(f"treatywatch CPU per unchanged feed: {cpu} ms (target <= 3: {_verdict(cpu <= 3)})")
    if ours:
        peak = max(c["peak_rss_mb"] for c in ours.values())
        verdict = f": {_verdict(peak < 250)}" if size >= 2_000 else ""
        print(f"treatywatch peak RSS: {peak} MB (target < 250 at 2,000 feeds{verdict})")


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
