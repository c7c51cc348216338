"""Benchmark: draining an outbox backlog to a local webhook receiver, against a naive baseline.

Run ``.venv/bin/python bench/delivery_bench.py [--alerts N] [--latency SECONDS]``. N alert rows
(default 1,000) are queued in a fresh SQLite outbox; a receiver on 127.0.0.1 answers 200 after
``--latency`` (default 20 ms, a plausible webhook). Measured in the same run:

- treatywatch: ``Deliverer.deliver_due`` with a signed webhook channel (concurrency 4) — every
  row claimed in its own committed transaction before the request, then marked sent;
- baseline "naive loop": one ``httpx`` client, for each row a POST then an UPDATE marking it sent
  (no claim, no signature, no concurrency): the shape of a simple relay that a crash between
  POST and UPDATE can make resend without knowing, or lose if the order is reversed.

Prints alerts/s, CPU ms per alert and the ratio. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import sqlite3
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
