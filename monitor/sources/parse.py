"""Parsing a fetched body by source type, inline or in a bounded pool of worker processes.

feedparser costs tens of milliseconds of CPU per news feed and holds the GIL, so threads do not
help; a small process pool (one worker per CPU by default, ``http.parse_workers``) does. The
pool is bounded by the caller: the poller holds one global slot from the start of a fetch to
the end of its parse, so bodies never queue up in memory.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from monitor.config import ListingSelectors
from monitor.errors import ParseError, SourceError
from monitor.sources.feed import ParsedFeed, parse_feed

__all__ = ["ParsePool", "parse_document"]

INLINE_BELOW = 4_096  # bodies this small cost less to parse than to send to a worker


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


def _work(
    kind: str,
    body: bytes,
    url: str,
    content_type: str | None,
    language: str | None,
    selectors: ListingSelectors | None,
) -> ParsedFeed | tuple[str, str]:
    # Exceptions with keyword arguments do not survive pickling whole: send the parts.
    try:
        return parse_document(
            kind,
            body,
            url=url,
            content_type=content_type,
            language=language,
            selectors=selectors,
        )
    except ParseError as exc:
        return (str(exc), exc.kind)


class ParsePool:
    """Parses in ``workers`` processes (0: in the calling thread)."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = (os.cpu_count() or 1) if workers is None else workers
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(["monitor.sources.parse", "monitor.sources.listing"])
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, mp_context=context, max_tasks_per_child=2_000
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
        if self.workers == 0 or len(body) < INLINE_BELOW:
            return parse_document(
                kind,
                body,
                url=url,
                content_type=content_type,
                language=language,
                selectors=selectors,
            )
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(
                self._executor(), _work, kind, body, url, content_type, language, selectors
            )
        except BrokenProcessPool as exc:
            self.close()  # a new pool is made for the next parse
            raise SourceError("the parser process died", kind="internal") from exc
        if isinstance(result, tuple):
            raise ParseError(result[0], kind=result[1])
        return result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
