"""Benchmark: delivery throughput against a naive baseline, and delivery wake-up latency.

Run ``.venv/bin/python bench/delivery_bench.py [--part all|throughput|wakeup]``.

Throughput (``--alerts N``, ``--latency SECONDS``): N alert rows (default 1,000) are queued in
a fresh SQLite outbox; a receiver on 127.0.0.1 answers 200 after ``--latency`` (default 20 ms, a
plausible webhook). Measured in the same run:

- treatywatch: ``Deliverer.deliver_due`` with a signed webhook channel (concurrency 4) — every
  row claimed in its own committed transaction before the request, then marked sent;
- baseline "naive loop": one ``httpx`` client, for each row a POST then an UPDATE marking it sent
  (no claim, no signature, no concurrency): the shape of a simple relay that a crash between
  POST and UPDATE can make resend without knowing, or lose if the order is reversed.

Prints alerts/s, CPU ms per alert and the ratio.

Wake-up (``--sources N``, default 30): the real service (``monitor.service.Service``, HTTP off)
polls N local feeds at start-up, each giving one alert under the built-in rule pack, into a real
SQLite file, and delivers to a real local webhook receiver (``delivery.backoff: 1s``). Three
receivers: ``healthy`` (200: the latency from the commit — when ``poll_source`` returned — to the
receiver), ``retry`` (each alert's first attempt gets 503 with ``Retry-After: 1``) and ``flaky``
(every third request 503); for the last two, the latency from a retried row's stored due time
(``next_attempt``) to the receiver, and how many alerts arrived within the run's limit. Each runs
with the due-time wake-up and, side by side, with the schedule before issue 14 (a pass after a
poll with alerts, otherwise every 10 s; ``--no-compare`` skips it).

Nothing is asserted. Timings on a loaded machine are noisy: compare within one run.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import logging
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from monitor.channels import WebhookChannel  # noqa: E402
from monitor.config import DeliverySettings  # noqa: E402
from monitor.config import WebhookChannel as WebhookConfig  # noqa: E402
from monitor.delivery import Deliverer  # noqa: E402
from state import NewAlert, Store  # noqa: E402

SECRET = "whsec_" + base64.b64encode(b"benchmark-secret-of-32-bytes!!!!").decode()


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True


def _receiver(latency: float) -> tuple[_Receiver, list[int]]:
    seen: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            time.sleep(latency)
            seen.append(1)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = _Receiver(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def _payload(n: int) -> str:
    return json.dumps(
        {
            "version": 1,
            "id": f"alrt_{n:06d}",
            "type": "alert",
            "rule": "treaty-withdrawal.exit",
            "severity": "high",
            "title": f"State {n} announces withdrawal from the Ottawa Convention",
            "url": f"https://news.example/{n}",
            "source": "bench",
            "summary": "A generated summary of moderate length. " * 8,
            "matched": ["withdrawal", "Ottawa Convention"],
        },
        separators=(",", ":"),
    )


def _fill(state: Path, count: int) -> Store:
    store = Store.open(state)
    now = datetime.now(UTC)
    for n in range(count):
        store.enqueue(NewAlert(f"alrt_{n:06d}", "hook", _payload(n)), now)
    return store


def _ours(state: Path, count: int, url: str) -> tuple[float, float]:
    store = _fill(state, count)
    config = WebhookConfig(name="hook", type="webhook", url=url, secret=SECRET, concurrency=4)
    deliverer = Deliverer(
        store,
        {"hook": WebhookChannel(config)},
        lambda: datetime.now(UTC),
        settings=DeliverySettings(),
        channel_configs=[config],
    )

    async def drain() -> None:
        try:
            while True:
                report = await deliverer.deliver_due(limit=count)
                if not report.sent:
                    break
        finally:
            await deliverer.aclose()

    wall, cpu = time.perf_counter(), time.process_time()
    asyncio.run(drain())
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    sent = store.outbox_counts().get(("hook", "sent"), 0)
    store.close()
    assert sent == count, sent
    return wall, cpu


def _naive(state: Path, count: int, url: str) -> tuple[float, float]:
    _fill(state, count).close()
    db = sqlite3.connect(state / "treatywatch.db", isolation_level=None)
    db.execute("PRAGMA synchronous = FULL")
    rows = db.execute("SELECT id, payload FROM alerts WHERE status = 'pending'").fetchall()
    wall, cpu = time.perf_counter(), time.process_time()
    with httpx.Client(trust_env=False) as client:
        for alert_id, payload in rows:
            response = client.post(url, content=payload.encode(), headers={"X-Id": alert_id})
            if response.status_code == 200:
                db.execute("UPDATE alerts SET status = 'sent' WHERE id = ?", (alert_id,))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    db.close()
    return wall, cpu


# -- wake-up latency: the real service, a real poll, a real receiver ----------------------------

# Distinct (state, treaty) pairs: each headline makes its own case, story and alert under the
# built-in rule pack.
STATES = (
    *("France", "Germany", "Poland", "Hungary", "Latvia", "Estonia", "Lithuania", "Finland"),
    *("Mexico", "Brazil", "Chile", "Peru", "Kenya", "Ghana", "Japan", "Canada", "Norway"),
    *("Spain", "Italy", "Austria"),
)
TREATIES = ("Ottawa Convention", "Rome Statute", "Paris Agreement", "World Health Organization")


def _title(n: int) -> str:
    state, treaty = STATES[n % len(STATES)], TREATIES[(n // len(STATES)) % len(TREATIES)]
    return f"{state} moves to withdraw from the {treaty}"


def _feeds(count: int) -> ThreadingHTTPServer:
    published = format_datetime(datetime.now(UTC), usegmt=True)
    bodies = {
        f"/feed/{n}.xml": (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>f</title>'
            f"<link>https://news.test/</link><item><title>{_title(n)}</title>"
            f"<link>https://news.test/{n}</link><guid>g-{n}</guid>"
            f"<pubDate>{published}</pubDate></item></channel></rss>"
        ).encode()
        for n in range(count)
    }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_GET(self) -> None:
            body = bodies.get(self.path, b"")
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = _Receiver(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@dataclass
class _Hook:
    """A webhook receiver that answers per ``mode``: ``healthy`` (200), ``retry`` (each alert's
    first attempt gets 503 with ``Retry-After: 1``) or ``flaky`` (every third request 503)."""

    mode: str
    arrivals: dict[str, list[tuple[float, int]]] = field(default_factory=dict)
    requests: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, alert_id: str) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.requests += 1
            seen = self.arrivals.setdefault(alert_id, [])
            if self.mode == "retry" and not seen:
                status, headers = 503, {"Retry-After": "1"}
            elif self.mode == "flaky" and self.requests % 3 == 0:
                status, headers = 503, {}
            else:
                status, headers = 200, {}
            seen.append((time.time(), status))
        return status, headers

    def delivered(self) -> int:
        with self.lock:
            return sum(1 for seen in self.arrivals.values() if seen[-1][1] == 200)


def _hook_server(hook: _Hook) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return None

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers = hook.answer(self.headers.get("webhook-id", "?"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

    server = _Receiver(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


_RULESET: list[Any] = []  # the built-in pack, loaded once


def _service_run(
    state: Path, feeds: str, hook: _Hook, count: int, *, cap: float, fixed: bool
) -> dict[str, Any]:
    """Run the real service until the receiver accepted every alert (or ``cap`` seconds)."""
    from monitor.app import make_app
    from monitor.config import parse_settings
    from monitor.service import Service

    server = _hook_server(hook)
    settings = parse_settings(
        {
            "state_dir": str(state),
            "sources": [
                {"name": f"s{n}", "url": f"{feeds}/feed/{n}.xml", "interval": "1h"}
                for n in range(count)
            ],
            "channels": [
                {
                    "name": "hook",
                    "type": "webhook",
                    "url": f"http://127.0.0.1:{server.server_address[1]}/hook",
                }
            ],
            "delivery": {"backoff": "1s"},
            "server": {"enabled": False},
            "http": {"parse_workers": 0},
        },
        environ={},
    )
    app = make_app(settings, ruleset=_RULESET[0] if _RULESET else None)
    _RULESET[:] = [app.ruleset]
    if fixed:
        _fixed_passes(app)
    committed: dict[str, float] = {}  # source -> when its poll had committed its alert

    def observe(outcome: Any) -> None:
        if outcome.alerts:
            committed.setdefault(outcome.source, time.time())

    app.poll_observers.append(observe)

    async def go() -> float:
        stop = asyncio.Event()
        service = asyncio.ensure_future(Service(app, stop).run())
        started = time.time()
        while time.time() - started < cap:
            await asyncio.sleep(0.05)
            if len(committed) == count and hook.delivered() >= count:
                break
        took = time.time() - started
        stop.set()
        await service
        await app.aclose()
        return took

    took = asyncio.run(go())
    server.shutdown()
    store = Store.open(state)
    rows = {row.id: row for row in store.alerts(limit=10 * count)}
    store.close()
    source_of = {alert_id: json.loads(row.payload)["source"] for alert_id, row in rows.items()}
    new, retry = [], []
    for alert_id, seen in hook.arrivals.items():
        if alert_id in source_of and source_of[alert_id] in committed:
            new.append(seen[0][0] - committed[source_of[alert_id]])
        row = rows.get(alert_id)
        if row is not None and len(seen) > 1 and row.status == "sent" and row.next_attempt:
            # the row's last stored due time is that of its last (accepted) attempt
            due = datetime.fromisoformat(row.next_attempt.replace("Z", "+00:00")).timestamp()
            retry.append(seen[-1][0] - due)
    return {
        "alerts": len(rows),
        "delivered": hook.delivered(),
        "took": took,
        "new": new,
        "retry": retry,
    }


def _fixed_passes(app: Any) -> None:
    """The schedule before issue 14, for comparison: a pass when a poll commits alerts and
    otherwise every ``DELIVERY_INTERVAL`` (10 s), whatever the rows' due times."""
    app.deliverer.next_due = lambda: None


def _percentiles(values: list[float]) -> str:
    if not values:
        return "no samples"
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return (
        f"p50 {at(0.5) * 1000:6.0f} ms  p90 {at(0.9) * 1000:6.0f} ms  "
        f"max {ordered[-1] * 1000:6.0f} ms  (n={len(ordered)})"
    )


def _wakeup(args: argparse.Namespace) -> None:
    logging.basicConfig(level=logging.ERROR)  # the failed attempts are the point here
    feeds = _feeds(args.sources)
    base = f"http://127.0.0.1:{feeds.server_address[1]}"
    schedules = [("due-time wake-up", False)]
    if args.compare:
        schedules.append(("fixed 10 s pass", True))
    print(
        f"wake-up: the real service, {args.sources} sources polled at start-up (one alert each), "
        "one webhook, delivery.backoff 1s; loaded machines are noisy: compare side by side"
    )
    with tempfile.TemporaryDirectory() as folder:
        for mode, cap in (("healthy", 30.0), ("retry", 60.0), ("flaky", args.cap)):
            for label, fixed in schedules:
                hook = _Hook(mode)
                state = Path(folder) / f"{mode}-{int(fixed)}"
                result = _service_run(state, base, hook, args.sources, cap=cap, fixed=fixed)
                head = f"  {mode:<8} {label:<17}"
                done = (
                    f"{result['delivered']}/{result['alerts']} delivered in {result['took']:.1f} s"
                )
                if mode == "healthy":
                    print(f"{head} commit -> receiver  {_percentiles(result['new'])}; {done}")
                else:
                    print(f"{head} due -> receiver     {_percentiles(result['retry'])}; {done}")
    feeds.shutdown()


def _throughput(args: argparse.Namespace) -> None:
    server, _seen = _receiver(args.latency)
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        results["naive loop"] = _naive(Path(folder) / "naive", args.alerts, url)
        results["treatywatch"] = _ours(Path(folder) / "ours", args.alerts, url)
    server.shutdown()
    print(f"{args.alerts} alerts, receiver latency {args.latency * 1000:.0f} ms")
    for name, (wall, cpu) in results.items():
        print(
            f"  {name:<12} {args.alerts / wall:8.1f} alerts/s   "
            f"{cpu * 1000 / args.alerts:6.2f} ms CPU per alert"
        )
    ours, naive = results["treatywatch"], results["naive loop"]
    print(f"treatywatch vs naive loop: {naive[0] / ours[0]:.2f}x alerts/s")
    print(f"treatywatch vs naive loop: {ours[1] / naive[1]:.2f}x CPU per alert")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("all", "throughput", "wakeup"), default="all")
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.02)
    parser.add_argument("--sources", type=int, default=30, help="wake-up: sources (alerts)")
    parser.add_argument("--cap", type=float, default=90.0, help="wake-up: flaky run's limit (s)")
    parser.add_argument(
        "--no-compare", dest="compare", action="store_false", help="wake-up: skip the 10 s pass"
    )
    args = parser.parse_args()
    if args.part in ("all", "throughput"):
        _throughput(args)
    if args.part in ("all", "wakeup"):
        _wakeup(args)


if __name__ == "__main__":
    main()
