"""What the parse pool's forkserver does before it forks its first worker (imported there only).

``monitor.sources.parse`` starts the forkserver with this module first among the modules it
preloads, and puts in its environment (``BOOT_ENV``) the pid of the process that starts it, its
``sys.path`` (searched after the forkserver's own), the modules to import and a picklable
``load`` that makes the workers' context. Here the forkserver imports those modules and calls
``load()`` once (and ``thaw()`` on what it made, if it has one: a rule set read from the
rules cache reads its sections when first needed, which in a worker would be once per
worker), so the workers it forks share that memory (``gc.freeze()`` keeps the collector
from writing to it, which would copy it page by page into every worker; what the preload freed
goes back to the system first, ``monitor.memory.trim_heap``). Meanwhile a thread
ends it as soon as its parent is gone; the thread is joined before the first fork, and
afterwards the forkserver leaves by itself when its last client (the parent and the workers,
each of which dies with the parent) is gone.
"""

from __future__ import annotations

import base64
import gc
import importlib
import os
import pickle
import signal
import sys
import threading
from typing import Any

__all__ = ["BOOT_ENV", "PRELOADED", "PRELOADED_KEY"]

BOOT_ENV = "_TREATYWATCH_FORKSERVER_BOOT"
PRELOADED: Any = None
"""The context ``load()`` made here, for the workers whose pool has ``PRELOADED_KEY``."""
PRELOADED_KEY: str | None = None


def _boot(spec: str) -> None:
    global PRELOADED, PRELOADED_KEY
    # Ctrl-C is the parent's to handle. The forkserver gives each worker it forks the SIGINT
    # handler it found before it began to serve, so ignoring SIGINT here, before that, covers
    # a worker from its first instruction; the worker's initializer alone left a window in
    # which a Ctrl-C printed a KeyboardInterrupt traceback from the worker's bootstrap.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _, path, key, modules, load = pickle.loads(base64.b64decode(spec))
    # the parent's path after ours (which keeps the working folder out, see
    # ``monitor.sources.parse._start_forkserver``): ``load`` may live where only it looks
    sys.path.extend(entry for entry in path if entry not in sys.path)
    done = threading.Event()
    watcher = threading.Thread(target=_watch, args=(os.getppid(), done), daemon=True)
    watcher.start()
    try:
        for name in modules:
            importlib.import_module(name)
        if load is not None:  # unpickled here: it may import much
            PRELOADED = pickle.loads(load)()
            thaw = getattr(PRELOADED, "thaw", None)
            if callable(thaw):  # a rule set read from its cache: all of it, before the forks
                thaw()
            PRELOADED_KEY = key
    except Exception as exc:  # the workers try again, each for itself, and report it
        print(f"treatywatch: parse workers: preloading failed: {exc!r}", file=sys.stderr)
    finally:
        done.set()
        watcher.join()
    gc.collect()
    gc.freeze()
    from monitor.memory import trim_heap

    trim_heap()  # before the first fork: what the preload freed is not copied into a worker


def _watch(parent: int, done: threading.Event) -> None:
    while not done.wait(0.1):
        if os.getppid() != parent:
            os._exit(0)


def _parent(spec: str) -> int:
    pid: int = pickle.loads(base64.b64decode(spec))[0]
    return pid


_SPEC = os.environ.pop(BOOT_ENV, None)
if _SPEC:
    if os.getppid() != _parent(_SPEC):
        os._exit(0)  # the process that started this one is gone already
    _boot(_SPEC)
