"""Parsing a fetched body by source type, inline or in a bounded pool of worker processes.

feedparser costs tens of milliseconds of CPU per news feed and holds the GIL, so threads do not
help; a small process pool (one worker per CPU by default, ``http.parse_workers``) does. The
pool is bounded by the caller: the poller holds one global slot from the start of a fetch to
the end of its parse, so bodies never queue up in memory.

Besides ``parse``, ``run(work, body, job)`` runs any module-level ``work(context, body, job)``
there: ``context`` (the poller's rule set) is given to each worker once, when it starts, so
jobs stay small; the poller sends its ``monitor.intake`` jobs that way.

The workers start only when they pay: while the pool is not running, one job at a time is
parsed in a thread of the calling process, and the pool starts when a second job comes while
one is being parsed (a ``poll`` of one feed never starts it). With ``load`` (a picklable
callable that makes the context again, such as ``monitor.rulepacks.load_rules`` with the
caller's arguments, which reads its on-disk cache) the context is made once in the forkserver
before it forks the workers, which share its memory, instead of being pickled to each worker.

Workers that have had no job for ``IDLE_S`` seconds end, and their forkserver with them, so
that an idle service holds no parse process; the next job that needs them starts them again.
At that moment (parsing idle, pool or not) the process also gives the memory that parsing freed
back to the system (``release_memory``).

The workers die with the calling process, even when it is SIGKILLed (docs/operations.md):
each holds the read end of a pipe whose write end only the calling process holds, and a thread
in the worker ends it when that pipe reaches its end; the forkserver is killed with its parent
while it starts (``PR_SET_PDEATHSIG``) and leaves when its last client is gone; the resource
tracker leaves when nobody holds its pipe.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import multiprocessing
import os
import pickle
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any, TypeVar

from monitor import memory
from monitor.config import ListingSelectors
from monitor.errors import ParseError, SourceError
from monitor.logs import log_event
from monitor.sources import _forkserver
from monitor.sources.feed import ParsedFeed, parse_feed

if TYPE_CHECKING:
    import asyncio  # the calling process's; a worker, which imports this module, needs none

__all__ = ["ParsePool", "parse_document"]

log = logging.getLogger("treatywatch.parse")
INLINE_BELOW = 4_096  # bodies this small cost less to parse than to send to a worker
IDLE_S = 60.0  # workers with no job for this long end (they start again when needed)
_Job = TypeVar("_Job")
_Result = TypeVar("_Result")
_CONTEXT: Any = None  # in a worker process: the pool's context, installed when it starts
_MISSING = object()  # in a worker process: the context, which ``load()`` failed to make


def parse_document(
    kind: str,
    body: bytes,
    *,
    url: str,
    content_type: str | None = None,
    language: str | None = None,
    selectors: ListingSelectors | None = None,
) -> ParsedFeed:
    """Parse ``body`` as a source of type ``kind`` (``feed``, ``html`` or ``sitemap``)."""
    if kind == "html":
        from monitor.sources.listing import parse_listing

        if selectors is None:
            raise ParseError("html source without selectors", kind="config")
        return parse_listing(body, url=url, selectors=selectors, language=language)
    if kind == "sitemap":
        from monitor.sources.sitemap import parse_sitemap

        return parse_sitemap(body, url=url, language=language)
    return parse_feed(body, url=url, content_type=content_type, language=language)


@dataclass(frozen=True, slots=True)
class _Failed:
    """A ``ParseError`` on its way back from a worker (exceptions with keyword arguments do not
    survive pickling whole: its parts do)."""

    message: str
    kind: str


def _install(watch: Connection, key: str | None, load: Any, context: Any) -> None:
    """Start a worker: tie its life to the calling process's, then find its context (made in
    the forkserver when ``key`` is the one it made, else by ``load()``, else as given)."""
    global _CONTEXT
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    threading.Thread(target=_die_with_parent, args=(watch,), daemon=True).start()
    try:
        if key is not None and key == _forkserver.PRELOADED_KEY:
            _CONTEXT = _forkserver.PRELOADED
        elif load is not None:
            _CONTEXT = load()
        else:
            _CONTEXT = context
    except Exception:  # _ready() says so, and the pool hands its own context to new workers
        _CONTEXT = _MISSING


def _die_with_parent(watch: Connection) -> None:
    """In a worker: wait for the end of the pipe only the calling process writes to, which
    comes when that process is gone (the pool's own shutdown ends the worker before)."""
    with contextlib.suppress(OSError):
        watch.poll(None)
    os._exit(0)


def _ready() -> bool:
    """In a worker: whether it has its context."""
    return _CONTEXT is not _MISSING


def _parse(context: Any, body: bytes, job: tuple[Any, ...]) -> ParsedFeed:
    kind, url, content_type, language, selectors = job
    return parse_document(
        kind, body, url=url, content_type=content_type, language=language, selectors=selectors
    )


def _call(work: Callable[[Any, bytes, Any], Any], body: bytes, job: Any) -> Any:
    if _CONTEXT is _MISSING:
        raise RuntimeError("this parse worker could not make its context")
    try:
        return work(_CONTEXT, body, job)
    except ParseError as exc:
        return _Failed(str(exc), exc.kind)


def _start_forkserver(boot: str) -> None:
    """Start the forkserver (if it is not running) with the working folder off its import path,
    and ``boot`` (for ``monitor.sources._forkserver``) in its environment.

    multiprocessing starts it as ``python -c ...``, which puts the working folder first on
    ``sys.path`` (Python 3.11 does not apply the parent's path there), and the preloaded modules
    stay imported in every worker it forks. A folder named ``state`` or ``rules`` where the
    command runs (the default ``state_dir`` is one) would then stand in for our packages, or
    win over them as a namespace package under an editable install, and every worker would die
    at its first job. ``PYTHONSAFEPATH`` (Python 3.11+, ``-P``) keeps the working folder out;
    the workers take the parent's ``sys.path`` from multiprocessing when they start.
    """
    from multiprocessing import forkserver

    changes = {"PYTHONSAFEPATH": "1", _forkserver.BOOT_ENV: boot}
    saved = {name: os.environ.get(name) for name in changes}
    os.environ.update(changes)
    try:
        forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value


_POOLS: weakref.WeakSet[ParsePool] = weakref.WeakSet()


def release_memory() -> None:
    """:func:`monitor.memory.release_memory`, logged: parsing and matching a cycle of documents
    leaves the heap spread over pages that ``free`` keeps for reuse (about 11 MB at 2,000
    sources, idle, until the next cycle)."""
    memory.release_memory()
    log_event(log, logging.DEBUG, "memory_released")


def _stop_forkserver() -> None:
    """Stop the forkserver, whose workers have all ended (it would otherwise stay, holding the
    modules and the context it preloaded, until this process ends); the next pool starts a new
    one. ``_stop`` is the standard library's own (Python 3.8 to 3.13 at least)."""
    from multiprocessing import forkserver

    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


class ParsePool:
    """Parses in up to ``workers`` processes (0: in the calling thread).

    ``context`` is handed to every ``run`` job, in the calling process or, installed once per
    worker, in the workers; ``load``, a picklable callable that gives the same context, lets the
    forkserver make it once for all the workers instead of each receiving it pickled.
    ``preload`` names modules the workers import before their first job. The processes start
    at the first job that comes while another one is being parsed (``eager``: at the first),
    and end, forkserver included, after ``idle_s`` seconds without a job (``clock`` measures
    them; ``end_if_idle`` is the check, which the event loop's timer calls).
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        context: Any = None,
        load: Callable[[], Any] | None = None,
        preload: Sequence[str] = (),
        eager: bool = False,
        idle_s: float = IDLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.idle_s = idle_s
        self._clock = clock
        self._jobs = 0  # jobs in the workers now
        self._last_job = clock()  # when the last one ended
        self._idle_timer: asyncio.TimerHandle | None = None
        self._idle_loop: asyncio.AbstractEventLoop | None = None
        self._lifecycle = threading.Lock()  # a pool starts only once the last one has ended
        self.context = context
        self._load = load
        self._preload = ["monitor.sources.parse", "monitor.sources.listing", *preload]
        self._eager = self._eager_given = eager
        self._pool: ProcessPoolExecutor | None = None
        self._starting: Future[ProcessPoolExecutor] | None = None
        self._watch: tuple[Connection, int] | None = None  # read end (for workers), write end
        self._inline: ThreadPoolExecutor | None = None
        self._inline_busy = False
        _POOLS.add(self)

    def expect(self, jobs: int) -> None:
        """Say that about ``jobs`` jobs come at once now (a ``poll`` of that many sources; 0
        once they are done): with more than one, the first job that needs the workers starts
        them, as ``eager`` does, instead of being parsed in this process. This process then
        matches nothing while the workers run, and need not read the sections of a rule set
        read from its cache (``rules.RuleSet.unread_sections``), which their forkserver holds
        already: about 45 MB of the built-in pack."""
        self._eager = self._eager_given or jobs > 1

    def _held_here(self) -> bool:
        """Whether a small body is parsed in this process: while the workers do not run, or
        when the context is wholly read here already."""
        return not self.running or not getattr(self.context, "unread_sections", None)

    @property
    def running(self) -> bool:
        """Whether the worker processes are running (or starting)."""
        return self._pool is not None or self._starting is not None

    def _start(self) -> Future[ProcessPoolExecutor]:
        """Start the workers in a thread of its own, once: the first worker's start waits for
        the forkserver to import the modules and make the context."""
        if self._starting is None:
            starting: Future[ProcessPoolExecutor] = Future()

            def start() -> None:
                began = time.monotonic()
                try:
                    with self._lifecycle:  # an idle pool ending: its forkserver stops first
                        self._pool = self._executor()
                except BaseException as exc:
                    self._starting = None  # the next job tries again
                    starting.set_exception(exc)
                else:
                    starting.set_result(self._pool)
                    log_event(
                        log,
                        logging.DEBUG,
                        "parse_workers_started",
                        workers=self.workers,
                        duration_ms=round((time.monotonic() - began) * 1000),
                    )

            self._starting = starting
            threading.Thread(target=start, name="parse-pool-start", daemon=True).start()
        return self._starting

    def _executor(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["monitor.sources._forkserver", *self._preload])
        load = None if self._load is None else pickle.dumps(self._load)
        key = None if load is None else hashlib.sha256(load).hexdigest()[:16]
        boot = pickle.dumps((os.getpid(), sys.path, key, self._preload, load))
        _start_forkserver(base64.b64encode(boot).decode("ascii"))
        if self._watch is None:
            read, write = os.pipe()  # not inheritable: only this process writes to it
            self._watch = (Connection(read, writable=False), write)
        pool, ready = self._spawn(context, key, self._load, None if self._load else self.context)
        if ready:
            return pool
        # the workers could not make the context themselves (a rule file changed since this
        # process read it): hand them the one this process holds
        pool.shutdown(wait=True)
        return self._spawn(context, None, None, self.context)[0]

    def _spawn(
        self, context: multiprocessing.context.BaseContext, key: str | None, load: Any, given: Any
    ) -> tuple[ProcessPoolExecutor, bool]:
        """A pool whose workers all run; and whether each has its context."""
        assert self._watch is not None
        pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            max_tasks_per_child=2_000,
            initializer=_install,
            initargs=(self._watch[0], key, load, given),
        )
        try:
            ready = [
                started.result() for started in [pool.submit(_ready) for _ in range(self.workers)]
            ]
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        return pool, all(ready)

    async def parse(
        self,
        kind: str,
        body: bytes,
        *,
        url: str,
        content_type: str | None = None,
        language: str | None = None,
        selectors: ListingSelectors | None = None,
    ) -> ParsedFeed:
        return await self.run(_parse, body, (kind, url, content_type, language, selectors))

    async def run(
        self, work: Callable[[Any, bytes, _Job], _Result], body: bytes, job: _Job
    ) -> _Result:
        """``work(context, body, job)``: in the calling thread if ``body`` is small, in a
        worker if the pool runs, else in a thread of this process if no other job is being
        parsed there, else in a worker of the pool it starts. ``work`` is a module-level
        function and ``job`` and its result can be pickled."""
        if self.workers == 0 or (len(body) < INLINE_BELOW and self._held_here()):
            return work(self.context, body, job)
        import asyncio

        loop = asyncio.get_running_loop()
        if not self.running and not self._eager and not self._inline_busy:
            self._inline_busy = True
            self._jobs += 1
            try:
                if self._inline is None:
                    self._inline = ThreadPoolExecutor(1, thread_name_prefix="parse")
                return await loop.run_in_executor(self._inline, work, self.context, body, job)
            finally:
                self._inline_busy = False
                self._job_done(loop)
        pool = self._pool
        try:
            if pool is None:
                pool = await asyncio.wrap_future(self._start())
        except (OSError, BrokenProcessPool) as exc:  # the next job tries again
            raise SourceError(
                f"the parser processes did not start: {exc}", kind="internal"
            ) from exc
        self._jobs += 1
        try:
            result = await loop.run_in_executor(pool, _call, work, body, job)
        except BrokenProcessPool as exc:
            self._close_pool()  # a new pool is made for the next parse
            raise SourceError("the parser process died", kind="internal") from exc
        finally:
            self._job_done(loop)
        if isinstance(result, _Failed):
            raise ParseError(result.message, kind=result.kind)
        return result  # type: ignore[no-any-return]

    def _job_done(self, loop: asyncio.AbstractEventLoop) -> None:
        """A job ended: arm the idle timer, unless it is armed on this loop already."""
        self._jobs -= 1
        self._last_job = self._clock()
        if self._idle_timer is None or self._idle_loop is not loop:
            self._idle_loop = loop
            self._idle_timer = loop.call_later(self.idle_s, self._idle_check)

    def _idle_check(self) -> None:
        """The event loop's timer: once no job has come for ``idle_s`` seconds, end the workers
        and give the memory that parsing freed back to the system; until then, look again when
        that may be the case."""
        self._idle_timer = None
        left = self.idle_s - (self._clock() - self._last_job)
        if self._jobs or left > 0:
            import asyncio

            loop = asyncio.get_running_loop()
            self._idle_timer = loop.call_later(max(left, 0.1), self._idle_check)
            return
        self.end_if_idle()
        release_memory()

    def end_if_idle(self) -> bool:
        """End the workers and their forkserver if they have had no job for ``idle_s`` seconds
        (a thread waits for them, the caller does not); whether they were ended. The next job
        that needs workers starts them again, once these are gone."""
        pool = self._pool
        if pool is None or self._jobs or self._clock() - self._last_job < self.idle_s:
            return False
        self._pool = None
        self._starting = None

        def end() -> None:
            with self._lifecycle:
                pool.shutdown(wait=True)
                if not any(other.running for other in _POOLS if other is not self):
                    _stop_forkserver()  # (the processes' one: no other pool uses it)

        threading.Thread(target=end, name="parse-pool-end", daemon=True).start()
        log_event(log, logging.DEBUG, "parse_workers_ended", idle_s=self.idle_s)
        return True

    def _close_pool(self) -> None:
        starting, self._starting = self._starting, None
        pool = None
        if starting is not None:
            with contextlib.suppress(BaseException):
                pool = starting.result()  # a start under way ends first
        self._pool = None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def close(self) -> None:
        """Stop the workers (they finish the job in hand) and the parse thread."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._close_pool()
        with self._lifecycle:  # an idle pool's end under way finishes first
            pass
        if self._watch is not None:
            read, write = self._watch
            self._watch = None
            read.close()
            os.close(write)
        if self._inline is not None:
            self._inline.shutdown(wait=True)
            self._inline = None
