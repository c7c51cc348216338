"""A poll of many sources leaves matching to the parse workers (issue 14, memory): this process
then need not read the sections of a rule set read from the rules cache, which the workers'
forkserver holds already. A poll of one source still parses in this process (start-up)."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from monitor.sources.parse import INLINE_BELOW, ParsePool

BIG = b"x" * (2 * INLINE_BELOW)  # big enough not to be parsed in the calling thread
SMALL = b"x" * (INLINE_BELOW // 2)


class Sections:
    """A context like a rule set read from its cache: the sections it has not read yet."""

    def __init__(self, *unread: str) -> None:
        self.unread_sections = set(unread)


def _pid(context: Any, body: bytes, job: str) -> int:
    return os.getpid()


def _run(pool: ParsePool, body: bytes) -> int:
    async def job() -> int:
        return await pool.run(_pid, body, "job")

    return asyncio.run(job())


def test_many_jobs_expected_the_first_goes_to_the_workers() -> None:
    pool = ParsePool(1, context=Sections("matcher"))
    try:
        pool.expect(2)
        assert _run(pool, BIG) != os.getpid()
        assert pool.running
    finally:
        pool.close()


def test_one_job_expected_it_is_parsed_here() -> None:
    pool = ParsePool(1, context=Sections("matcher"))
    try:
        pool.expect(1)
        assert _run(pool, BIG) == os.getpid()
        assert not pool.running
        pool.expect(2)
        pool.expect(0)  # the poll of many is over: back to parsing the first job here
        assert _run(pool, BIG) == os.getpid()
    finally:
        pool.close()


def test_small_bodies_go_to_running_workers_unless_the_context_is_read_here() -> None:
    context = Sections("prefilter", "matcher")
    pool = ParsePool(1, context=context, eager=True)
    try:
        assert _run(pool, BIG) != os.getpid()  # the workers run
        assert _run(pool, SMALL) != os.getpid()  # matching here would read the sections
        context.unread_sections.clear()
        assert _run(pool, SMALL) == os.getpid()  # read here already: cheaper than sending
    finally:
        pool.close()
    idle = ParsePool(1, context=Sections("matcher"))
    try:
        assert _run(idle, SMALL) == os.getpid()  # no workers: not started for a small body
        assert not idle.running
    finally:
        idle.close()
