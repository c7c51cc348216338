"""``treatywatch run`` as a real subprocess on a free port, for end-to-end service tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

__all__ = ["ServiceProcess", "free_port", "wait_for"]

REPO = Path(__file__).resolve().parents[2]
TEST_RULES = """\
rules:
  - id: test.exit
    title: A state leaves the Ottawa Convention
    severity: high
    query: '(withdraw OR exit) AND "Ottawa Convention"'
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], Any], timeout: float = 30.0) -> bool:
    """Poll ``condition`` until it is true (for an outside process; in-process code uses the
    injected clock instead)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


class ServiceProcess:
    """Writes a config under ``folder`` and runs ``python -m monitor run`` with it.

    ``config`` is merged over a default with ``state_dir``, the test rule set and a server on a
    free loopback port. Standard error is collected line by line in ``log``.
    """

    def __init__(
        self, folder: Path, config: dict[str, Any], env: dict[str, str] | None = None
    ) -> None:
        self.folder = folder
        self.port = free_port()
        rules = folder / "test-rules.yaml"
        rules.write_text(TEST_RULES)
        base: dict[str, Any] = {
            "state_dir": str(folder / "state"),
            "rules": [str(rules)],
            "server": {"port": self.port, "shutdown_grace": "5s"},
        }
        server = {**base["server"], **config.get("server", {})}
        self.config = {**base, **config, "server": server}
        self.config_path = folder / "treatywatch.yaml"
        self.config_path.write_text(yaml.safe_dump(self.config))
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
        self.env.update(env or {})
        self.log: list[str] = []
        self.process: subprocess.Popen[str] | None = None
        self._reader = threading.Thread()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        self.log = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "run", "--config", str(self.config_path)],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        stream = self.process.stderr
        assert stream is not None
        self._reader = threading.Thread(target=lambda: self.log.extend(stream), daemon=True)
        self._reader.start()
        return self

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.url + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read()

    def get_json(self, path: str) -> tuple[int, Any]:
        status, body = self.get(path)
        return status, json.loads(body)

    def answers(self, path: str = "/readyz", status: int = 200) -> bool:
        try:
            return self.get(path)[0] == status
        except OSError:
            return False

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 30) -> tuple[int, float]:
        """Send ``sig`` and wait; returns the exit code and the seconds it took."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(sig)
        try:
            code = self.process.wait(timeout=timeout)
        finally:
            self.kill()
        return code, time.monotonic() - started

    def kill(self) -> None:
        """Kill the process if it still runs, and release its pipe."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self._reader.join(timeout=10)
        if self.process.stderr is not None:
            self.process.stderr.close()

    def events(self, name: str) -> list[str]:
        return [line for line in self.log if f"event={name}" in line]
