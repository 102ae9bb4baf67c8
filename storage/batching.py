"""Group commit, for reads and writes alike: calls that arrive while one is in the database go together.

aiosqlite runs every statement on its own thread, and each trip there and back costs the event loop a thread
hand-off, far more than the SQL on a busy bot (the burst benchmark measured it: two trips per press cost as much as
all the rest of the bot's own work).  :class:`Batched` runs the first call at once; calls made while it is in the
database thread wait, and then go in as ONE call for all of them.  Under a burst, the presses being handled share
one read and one write; a lone press waits for nothing.

Batches can be spaced (``spacing``): one that would follow the previous one sooner waits for the rest of that time,
gathering the calls made meanwhile, so a burst's writes share fewer commits.  A write's caller still hears back only
once the batch is committed (durably, ``synchronous=FULL``): nothing is acknowledged before it is on disk.  When a
batch fails, each of its calls is run again on its own, so only the call at fault fails (and when the disk is full,
every one of them hears so).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

K = TypeVar("K")
R = TypeVar("R")

MAX_BATCH = 200  # keeps one statement well inside SQLite's limit on bound parameters
COMMIT_SPACING = 0.01
"""Seconds between two commits of answers: a lone press is written at once, but under a burst the presses of the
next 10 ms share one commit, and each commit's flush to disk (``synchronous = FULL``) costs the bot more CPU than
all the rest of a press's storage (measured: docs/benchmarks.md).  At most 10 ms more before the next screen."""


class Batched(Generic[K, R]):
    def __init__(
        self,
        run_batch: Callable[[Sequence[K]], Awaitable[list[R]]],
        run_one: Callable[[K], Awaitable[R]],
        *,
        spacing: float = 0.0,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ):
        """``spacing``: seconds a batch waits after the one before it (``clock``, default the event loop's time)."""
        self._run_batch = run_batch
        self._run_one = run_one
        self._pending: list[tuple[K, asyncio.Future[R]]] = []
        self._draining = False
        self._spacing, self._clock, self._sleep = spacing, clock, sleep
        self._last = float("-inf")  # when the last batch was settled

    async def __call__(self, key: K) -> R:
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((key, future))
        if not self._draining:
            self._draining = True
            asyncio.get_running_loop().create_task(self._drain())  # starts next turn: this turn's calls join it
        return await future

    async def _drain(self) -> None:
        batch: list[tuple[K, asyncio.Future[R]]] = []
        try:
            clock = self._clock or asyncio.get_running_loop().time
            while self._pending:
                if (wait := self._last + self._spacing - clock()) > 0:
                    await self._sleep(wait)  # calls made meanwhile join this batch
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                await self._settle(batch)
                self._last = clock()
        except BaseException:  # cancelled (shutting down): nobody is left waiting for ever
            for _, future in [*batch, *self._pending]:
                future.cancel()
            self._pending = []
            raise
        finally:
            self._draining = False

    async def _settle(self, batch: list[tuple[K, asyncio.Future[R]]]) -> None:
        if len(batch) == 1:
            await self._settle_one(*batch[0])
            return
        try:
            results = await self._run_batch([key for key, _ in batch])
        except Exception:  # one of them is at fault: each on its own, so only its caller hears of it
            for key, future in batch:
                await self._settle_one(key, future)
            return
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    async def _settle_one(self, key: K, future: asyncio.Future[R]) -> None:
        try:
            result = await self._run_one(key)
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
        else:
            if not future.done():
                future.set_result(result)
