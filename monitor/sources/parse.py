"""Parsing a fetched body by source type, inline or in a bounded pool of worker processes.

feedparser costs tens of milliseconds of CPU per news feed and holds the GIL, so threads do not
help; a small process pool (one worker per CPU by default, ``http.parse_workers``) does. The
pool is bounded by the caller: the poller holds one global slot from the start of a fetch to
the end of its parse, so bodies never queue up in memory.

Besides ``parse``, ``run(work, body, job)`` runs any module-level ``work(context, body, job)``
there: ``context`` (the poller's rule set) is given to each worker once, when it starts, so
jobs stay small; the poller sends its ``monitor.intake`` jobs that way.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from monitor.config import ListingSelectors
from monitor.errors import ParseError, SourceError
from monitor.sources.feed import ParsedFeed, parse_feed

__all__ = ["ParsePool", "parse_document"]

INLINE_BELOW = 4_096  # bodies this small cost less to parse than to send to a worker
_Job = TypeVar("_Job")
_Result = TypeVar("_Result")
_CONTEXT: Any = None  # in a worker process: the pool's context, installed when it starts


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


def _install(context: Any) -> None:
    global _CONTEXT
    _CONTEXT = context


def _parse(context: Any, body: bytes, job: tuple[Any, ...]) -> ParsedFeed:
    kind, url, content_type, language, selectors = job
    return parse_document(
        kind, body, url=url, content_type=content_type, language=language, selectors=selectors
    )


def _call(work: Callable[[Any, bytes, Any], Any], body: bytes, job: Any) -> Any:
    try:
        return work(_CONTEXT, body, job)
    except ParseError as exc:
        return _Failed(str(exc), exc.kind)


def _start_forkserver() -> None:
    """Start the forkserver (if it is not running) with the working folder off its import path.

    multiprocessing starts it as ``python -c ...``, which puts the working folder first on
    ``sys.path`` (Python 3.11 does not apply the parent's path there), and the preloaded modules
    stay imported in every worker it forks. A folder named ``state`` or ``rules`` where the
    command runs (the default ``state_dir`` is one) would then stand in for our packages, or
    win over them as a namespace package under an editable install, and every worker would die
    at its first job. ``PYTHONSAFEPATH`` (Python 3.11+, ``-P``) keeps the working folder out;
    the workers take the parent's ``sys.path`` from multiprocessing when they start.
    """
    from multiprocessing import forkserver

    saved = os.environ.get("PYTHONSAFEPATH")
    os.environ["PYTHONSAFEPATH"] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            del os.environ["PYTHONSAFEPATH"]
        else:
            os.environ["PYTHONSAFEPATH"] = saved


class ParsePool:
    """Parses in ``workers`` processes (0: in the calling thread).

    ``context`` is handed to every ``run`` job, in the calling thread or, installed once per
    worker, in the workers; ``preload`` names modules the workers import before their first job.
    """

    def __init__(
        self, workers: int | None = None, *, context: Any = None, preload: Sequence[str] = ()
    ) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self.context = context
        self._preload = ["monitor.sources.parse", "monitor.sources.listing", *preload]
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(self._preload)
            _start_forkserver()
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                max_tasks_per_child=2_000,
                initializer=_install,
                initargs=(self.context,),
            )
        return self._pool

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
        """``work(context, body, job)``, in a worker unless ``body`` is small; ``work`` is a
        module-level function and ``job`` and its result can be pickled."""
        if self.workers == 0 or len(body) < INLINE_BELOW:
            return work(self.context, body, job)
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self._executor(), _call, work, body, job)
        except BrokenProcessPool as exc:
            self.close()  # a new pool is made for the next parse
            raise SourceError("the parser process died", kind="internal") from exc
        if isinstance(result, _Failed):
            raise ParseError(result.message, kind=result.kind)
        return result  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
