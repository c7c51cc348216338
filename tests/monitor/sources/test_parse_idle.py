"""Parse workers that have had no job for ``idle_s`` seconds end, forkserver included, so an idle
service holds no parse process; the next job that needs them starts them again (issue 14,
memory). Time is the pool's injected clock: nothing here waits for the idle time to pass."""

from __future__ import annotations

import asyncio
import logging
import os
from multiprocessing import forkserver
from typing import Any

import pytest

from monitor.sources.parse import INLINE_BELOW, ParsePool
from tests.support.service import wait_for

BODY = b"x" * (2 * INLINE_BELOW)  # big enough not to be parsed in the calling thread


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _pid(context: Any, body: bytes, job: str) -> int:
    return os.getpid()


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has ended (a zombie counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def test_idle_workers_and_their_forkserver_end_and_start_again_when_needed() -> None:
    clock = Clock()
    pool = ParsePool(1, eager=True, idle_s=60, clock=clock)
    try:

        async def cycle() -> int:
            return await pool.run(_pid, BODY, "job")

        worker = asyncio.run(cycle())
        server = getattr(forkserver._forkserver, "_forkserver_pid", None)  # (private: tests only)
        assert worker != os.getpid() and server is not None
        clock.now += 59
        assert not pool.end_if_idle()  # not idle long enough
        assert pool.running
        clock.now += 2
        assert pool.end_if_idle()
        assert not pool.running
        assert wait_for(lambda: _gone(worker) and _gone(server))
        again = asyncio.run(cycle())  # the next job starts new workers
        assert again not in (worker, os.getpid())
        assert pool.running
    finally:
        pool.close()


def test_workers_with_a_job_in_hand_do_not_end() -> None:
    clock = Clock()
    pool = ParsePool(1, eager=True, idle_s=60, clock=clock)
    try:

        async def held() -> bool:
            await pool.run(_pid, BODY, "start")  # the workers run
            job = asyncio.ensure_future(pool.run(_pid, BODY, "job"))
            await asyncio.sleep(0)  # the job is in the workers
            assert pool.running
            clock.now += 120
            ended = pool.end_if_idle()
            await job
            return ended

        assert not asyncio.run(held())
        assert pool.running
    finally:
        pool.close()


def test_the_event_loop_ends_idle_workers_by_itself() -> None:
    """The timer armed by the last job calls the check: with ``idle_s`` small, the workers of a
    pool on a running loop end without anyone asking."""
    pool = ParsePool(1, eager=True, idle_s=0.05)
    try:

        async def run_then_idle() -> bool:
            await pool.run(_pid, BODY, "job")
            for _ in range(500):
                if not pool.running:
                    return True
                await asyncio.sleep(0.02)
            return False

        assert asyncio.run(run_then_idle())
    finally:
        pool.close()


def test_idle_parsing_gives_freed_memory_back_even_without_workers(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A quiet service parses one document at a time in its own process (no workers): once
    parsing has been idle for ``idle_s``, the heap's free pages go back to the system."""
    pool = ParsePool(2, idle_s=0.05)  # not eager: the job runs in this process's parse thread
    caplog.set_level(logging.DEBUG, logger="treatywatch.parse")
    try:

        async def run_then_idle() -> bool:
            assert await pool.run(_pid, BODY, "job") == os.getpid()
            for _ in range(500):
                if any(getattr(r, "event", None) == "memory_released" for r in caplog.records):
                    return True
                await asyncio.sleep(0.02)
            return False

        assert asyncio.run(run_then_idle())
        assert not pool.running
    finally:
        pool.close()
