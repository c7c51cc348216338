"""``treatywatch demo`` as a real subprocess on a chosen dashboard port, its output collected
line by line (the demo tests and the browser test)."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
import threading
import urllib.request

from tests.support.service import REPO, free_port

__all__ = ["DemoProcess"]


class DemoProcess:
    """``python -m monitor demo ARGS`` with its output collected line by line."""

    def __init__(self, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TREATYWATCH")}
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "monitor", "demo", "--port", str(self.port), *args],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: list[str] = []
        self.err: list[str] = []
        assert self.process.stdout is not None and self.process.stderr is not None
        self._threads = [
            threading.Thread(target=self.out.extend, args=(self.process.stdout,), daemon=True),
            threading.Thread(target=self.err.extend, args=(self.process.stderr,), daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    @property
    def url(self) -> str:
        """The dashboard's address."""
        return f"http://127.0.0.1:{self.port}/"

    def page(self, path: str = "/") -> str:
        """The dashboard's text (tags dropped: matched terms are marked up), or ""."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as r:
                body = r.read().decode("utf-8")
        except OSError:
            return ""
        return html.unescape(" ".join(re.sub(r"<[^>]+>", "", body).split()))

    def wait(self, timeout: float = 90) -> int:
        try:
            return self.process.wait(timeout=timeout)
        finally:
            self.close()

    def close(self) -> None:
        """Kill the process if it still runs; collect the rest of its output."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        for thread in self._threads:
            thread.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    @property
    def log(self) -> str:
        return "".join(self.err) + "".join(self.out)
