"""Run the built image with podman and check it (called by scripts/container-test.sh).

Checks: the image's metadata (non-root user, port, volume, healthcheck, default command) and
size; then, run with a read-only root, a state volume and ``--network host`` against a local
feed server and a local webhook receiver: an alert arrives, the process runs as a non-root
user, the root is read-only, the HEALTHCHECK command passes, health/readiness/metrics answer
(metrics only with the token), SIGTERM stops it cleanly (exit 0) within the grace period, and
a new container on the same volume finds the stored hit and sends no duplicate.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.feeds import Entry, rss  # noqa: E402
from tests.support.servers import FeedServer, Route, WebhookReceiver  # noqa: E402
from tests.support.service import free_port, wait_for  # noqa: E402

TOKEN = "container-test-token-0123456789"
UID = "10001"
GRACE = 20


def podman(
    *args: str, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["podman", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise SystemExit(f"podman {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


class Checks:
    def __init__(self) -> None:
        self.failed: list[str] = []

    def __call__(self, ok: bool, what: str, detail: str = "") -> None:
        print(
            f"container-test: {'ok  ' if ok else 'FAIL'} {what}"
            + (f": {detail}" if detail and not ok else ""),
            file=sys.stderr,
        )
        if not ok:
            self.failed.append(what)


def image_metadata(image: str, base_image: str, check: Checks) -> None:
    info: dict[str, Any] = json.loads(podman("image", "inspect", image).stdout)[0]
    config = info.get("Config", {})
    size = int(info.get("Size", 0))
    base = json.loads(podman("image", "inspect", base_image, check=False).stdout or "[{}]")[0]
    base_size = int(base.get("Size", 0))
    added = (size - base_size) / 1e6
    print(
        f"container-test: image size {size / 1e6:.1f} MB ({size} bytes); the base "
        f"{base_image} is {base_size / 1e6:.1f} MB, treatywatch adds {added:.1f} MB",
        file=sys.stderr,
    )
    check(
        config.get("User", "").split(":")[0] == UID,
        "image runs as uid 10001",
        config.get("User", ""),
    )
    check("8080/tcp" in (config.get("ExposedPorts") or {}), "image exposes 8080")
    check("/app/state" in (config.get("Volumes") or {}), "image declares the /app/state volume")
    check(
        "TREATYWATCH_STATE_DIR=/app/state" in (config.get("Env") or []),
        "the state folder is the volume (TREATYWATCH_STATE_DIR=/app/state)",
        str(config.get("Env")),
    )
    test = (config.get("Healthcheck") or info.get("Healthcheck") or {}).get("Test") or []
    check(
        test[-2:] == ["treatywatch", "healthcheck"],
        "image has a HEALTHCHECK on /healthz",
        str(test),
    )
    check(
        config.get("Entrypoint") == ["treatywatch"] and config.get("Cmd") == ["run"],
        "default command is treatywatch run",
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--image", required=True)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--base", default="")
    args = parser.parse_args()
    check = Checks()
    image_metadata(args.image, args.base, check)

    feed, receiver = FeedServer().start(), WebhookReceiver().start()
    fresh = datetime.now(UTC) - timedelta(minutes=5)
    feed.routes["/news.xml"] = Route(
        rss(
            [
                Entry(
                    "Estonia's government decides to withdraw from the Ottawa Convention",
                    "https://news.test/ee-ottawa",
                    guid="ee-1",
                    published=fresh,
                ),
                Entry("Ferry timetable changes for the winter", "https://news.test/f", guid="f-1"),
            ]
        )
    )
    state = args.work / "state"
    state.mkdir(parents=True, exist_ok=True)
    os.chown(state, int(UID), int(UID))
    config = args.work / "treatywatch.yaml"
    config.write_text(
        "sources:\n"
        f"  - name: local-news\n    url: {feed.url('/news.xml')}\n    interval: 1h\n"
        "channels:\n"
        f"  - name: hook\n    type: webhook\n    url: {receiver.url}\n"
        "server:\n  shutdown_grace: 15s\n"
    )
    config.chmod(0o644)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    run = [
        "run", "--detach", "--read-only", "--network", "host",
        "-v", f"{state}:/app/state", "-v", f"{config}:/app/treatywatch.yaml:ro",
        "-e", f"TREATYWATCH_SERVER_PORT={port}", "-e", f"TREATYWATCH_SERVER_TOKEN={TOKEN}",
    ]  # fmt: skip
    try:
        podman(*run, "--name", "tw-first", args.image)
        arrived = wait_for(lambda: len(receiver.accepted) >= 1, timeout=120)
        logs = podman("logs", "tw-first", check=False).stderr
        check(arrived, "an alert reached the local webhook receiver", logs[-3000:])
        check(
            [a.get("source") for a in receiver.accepted_json()] == ["local-news"],
            "exactly one alert, from the local feed",
        )
        uid = podman("exec", "tw-first", "id", "-u", check=False).stdout.strip()
        check(uid == UID, "runs as the non-root user 10001", uid)
        wrote = podman("exec", "tw-first", "sh", "-c", "touch /app/x /usr/x", check=False)
        check(wrote.returncode != 0, "the root filesystem is read-only")
        health = podman("healthcheck", "run", "tw-first", check=False)
        if health.returncode != 0 and "systemd" in health.stderr.lower():
            health = podman("exec", "tw-first", "treatywatch", "healthcheck", check=False)
        check(
            health.returncode == 0, "the HEALTHCHECK command passes", health.stdout + health.stderr
        )
        check(get(base + "/healthz")[0] == 200, "/healthz answers 200")
        check(wait_for(lambda: get(base + "/readyz")[0] == 200, 30), "/readyz answers 200")
        check(get(base + "/metrics")[0] == 401, "/metrics needs the token")
        status, body = get(base + "/metrics", TOKEN)
        check(
            status == 200
            and b'treatywatch_polls_total{result="ok",source="local-news"} 1.0' in body,
            "/metrics counts the poll",
        )
        check(get(base + "/", TOKEN)[0] == 200, "the dashboard answers with the token")

        started = time.monotonic()
        podman("kill", "--signal", "TERM", "tw-first")
        code = podman("wait", "tw-first", timeout=GRACE + 30).stdout.strip()
        took = time.monotonic() - started
        logs = podman("logs", "tw-first", check=False).stderr
        check(code == "0", "SIGTERM stops it with exit 0", f"exit {code}\n{logs[-2000:]}")
        check(took < GRACE, f"SIGTERM stops it within the grace period ({took:.1f}s)")
        check("event=service_stopped" in logs, "the log shows a clean stop")
        check((state / "treatywatch.db").is_file(), "the database is on the /app/state volume")

        podman(*run, "--name", "tw-second", args.image)
        check(
            wait_for(lambda: get(base + "/readyz")[0] == 200, 60),
            "a new container on the same volume starts",
        )
        hits = podman("exec", "tw-second", "treatywatch", "hits", "--json", check=False)
        stored = json.loads(hits.stdout or "[]")
        sent = [d for hit in stored for d in hit["deliveries"] if d["status"] == "sent"]
        check(
            bool(stored) and len(sent) == 1,
            "the hits and the delivery persisted in the volume",
            hits.stdout[-1500:] + hits.stderr[-1500:],
        )
        time.sleep(2)  # a chance to (wrongly) send again
        check(len(receiver.accepted) == 1, "no duplicate alert after the restart")
        podman("kill", "--signal", "TERM", "tw-second")
        code = podman("wait", "tw-second", timeout=GRACE + 30).stdout.strip()
        check(code == "0", "the second container stops with exit 0")
    finally:
        podman("rm", "--force", "tw-first", "tw-second", check=False)
        feed.stop()
        receiver.stop()
        shutil.rmtree(state, ignore_errors=True)
    if check.failed:
        print(f"container-test: FAILED: {', '.join(check.failed)}", file=sys.stderr)
        return 1
    print("container-test: all checks passed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
