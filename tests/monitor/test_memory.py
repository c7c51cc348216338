"""``monitor.memory.trim_heap`` gives freed heap pages back to the system (issue 14, memory:
``poll`` calls it once start-up is done, the parse pool's forkserver before its first fork)."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO

# 40 MB of 1 kB buffers (glibc's heap, not Python's small-object arenas) freed under a buffer
# still in use at the top of the heap, which keeps free() from giving the pages back itself.
_PROBE = """
import sys
from monitor.memory import trim_heap

def rss_mb():
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024

buffers = [bytes(1024) + bytes([n % 256]) for n in range(40_000)]
top = bytes(100_000)  # larger than any hole the loop left: it goes on top of the buffers
del buffers
held = rss_mb()
if sys.argv[1] == "trim":
    trim_heap()
print(held - rss_mb())
"""


def _released_mb(mode: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, mode], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return float(result.stdout.strip())


def test_trimming_gives_the_freed_heap_back() -> None:
    assert _released_mb("trim") > 30


def test_without_trimming_the_freed_heap_stays() -> None:
    """The probe can tell: the same buffers freed without a trim stay in the process."""
    assert _released_mb("keep") < 5
