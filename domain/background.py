"""Background work that shares the bot with people (issue 10, "a region's day").

The scheduler's jobs (check-ins, pairs at risk, pair reminders) go through a region in batches,
each its own short committed transaction. Two things decide how much a person waiting for a
reply feels them:

* **how long one batch holds the database**: on SQLite the bot has one pooled connection, so a
  reply waits for the batch in progress; on either backend the batch's Python work holds the
  event loop between its statements. A fixed number of rows per batch makes that time depend
  on the machine, the backend and what the rows are (a batch of pairs at risk writes an item per
  alert, one of quiet pairs only reads). :class:`Pace` sizes batches by time instead: it
  measures each batch and scales the next one towards ``target`` seconds.
* **who goes first between batches**: a job that starts its next batch at once queues for the
  connection beside the update that arrived meanwhile, and the update's handler needs the
  connection several times (session, dialog state, commit). :data:`foreground` counts the
  updates being handled (the dispatcher marks each one, ``bot/app.py``); between two batches a
  job waits until none is, for at most ``max_wait`` seconds (so a steady stream of updates slows
  the jobs down but never stops them).

* **other processes on SQLite**: SQLite has one writer at a time across processes, and the
  bot's jobs take turns on its one connection without a pause between them, so another process
  waiting for the write lock (the admin shell, a backup), whose busy handler sleeps 1–100 ms
  between tries, rarely found it free: ``admin invite-curator`` waited 5.6 s while the start-up
  jobs ran (bench/shell.py). :func:`turn` runs one background batch at a time on SQLite and
  leaves the database free for ``GAP`` seconds after each.

Nothing here knows aiogram: the dispatcher calls :meth:`Foreground.busy`.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Final

TARGET: Final = 0.1  # seconds one batch should take on SQLite (one transaction: the bot's only connection held)
# PostgreSQL: the bot has a pool, and every statement gives the event loop back, so a batch holds
# nobody's connection; what it costs is its round trips (about 90 statements for 50 people with
# check-ins due), and at 0.1 s a busy machine kept the region's round at 50 people a batch
TARGET_POOLED: Final = 0.5
MAX_WAIT = 0.5  # seconds a batch waits at most for the updates in hand to be answered
GAP: Final = 0.1  # SQLite: seconds the database is left to others after each background batch
MIN_SIZE: Final = 1


class Foreground:
    """The updates being handled right now (a counter) and an event set while there are none."""

    def __init__(self) -> None:
        self._busy = 0
        self._idle: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.waiting = 0  # background work waiting for the updates in hand (seen by tests)

    def _event(self) -> asyncio.Event:
        """The idle event of the running loop (an event belongs to one loop; tests run many)."""
        loop = asyncio.get_running_loop()
        if self._idle is None or self._loop is not loop:
            self._idle, self._loop = asyncio.Event(), loop
            if self._busy == 0:
                self._idle.set()
        return self._idle

    @property
    def busy_count(self) -> int:
        return self._busy

    @contextmanager
    def busy(self) -> Iterator[None]:
        """Mark one update as being handled for the duration of the block."""
        self._busy += 1
        self._event().clear()
        try:
            yield
        finally:
            self._busy -= 1
            if self._busy == 0:
                self._event().set()

    async def idle(self, max_wait: float = MAX_WAIT) -> bool:
        """Wait until no update is being handled, at most ``max_wait`` seconds; True if idle.
        Always yields to the event loop at least once."""
        await asyncio.sleep(0)
        if self._busy == 0:
            return True
        event = self._event()
        self.waiting += 1
        try:
            await asyncio.wait_for(event.wait(), max_wait)
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
        return True


#: the process's updates in hand (one bot per process)
foreground: Final = Foreground()


class Pace:
    """Batch sizes by time: the next size is the last one scaled by ``target / elapsed`` (grown
    at most twofold a batch; a slow batch shrinks the next one at once), kept within
    ``[low, high]``. ``fixed`` turns the adaptation off (tests; callers wanting exact batches)."""

    def __init__(self, high: int, *, fixed: int | None = None, target: float | None = None, low: int = MIN_SIZE,
                 start: int = 10, clock: Callable[[], float] = time.perf_counter) -> None:
        self.high, self.low, self.fixed = max(low, high), low, fixed
        self._default_target = target is None
        self.target = TARGET if target is None else target
        self.clock = clock
        # start small: the first batch of a run measures the rows at hand without holding long
        self.size = fixed if fixed is not None else max(low, min(self.high, start))
        self._t0: float | None = None
        self.batches = 0
        self.sqlite = False  # the backend, once suit() has seen it (turn())

    def start(self) -> None:
        self._t0 = self.clock()

    def suit(self, dialect: str) -> None:
        """Take the target of the backend (``TARGET`` for SQLite, ``TARGET_POOLED`` otherwise),
        unless one was given."""
        self.sqlite = dialect == "sqlite"
        if self._default_target:
            self.target = TARGET if dialect == "sqlite" else TARGET_POOLED

    def done(self) -> float:
        """End of a batch: adapt the next size; returns the seconds this one took."""
        assert self._t0 is not None, "done() without start()"
        elapsed = self.clock() - self._t0
        self._t0 = None
        self.batches += 1
        if self.fixed is None:
            if elapsed <= 0:
                scaled = self.size * 2
            else:
                scaled = round(self.size * min(2.0, self.target / elapsed))
            self.size = max(self.low, min(self.high, scaled))
        return elapsed


async def between_batches(max_wait: float | None = None) -> None:
    """What a job does between two batches: let the updates in hand be answered first (waiting
    at most ``max_wait``, by default :data:`MAX_WAIT`)."""
    await foreground.idle(MAX_WAIT if max_wait is None else max_wait)


class _Turns:
    """One background batch at a time on SQLite (a lock of the running loop; tests run many)."""

    def __init__(self) -> None:
        self._lock: asyncio.Lock | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self.gaps = 0  # gaps left after a batch (seen by tests)

    def lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        if self._lock is None or self._loop is not loop:
            self._lock, self._loop = asyncio.Lock(), loop
        return self._lock


turns: Final = _Turns()


@asynccontextmanager
async def turn(pace: Pace) -> AsyncIterator[None]:
    """Around one batch of a job: on SQLite (known once ``pace.suit`` has seen the backend: the
    first batch of a run goes as it is) the batches of all jobs take turns, and after each the
    database is left free for :data:`GAP` seconds before the next one may begin, time for another
    process's busy handler to find the write lock free. On PostgreSQL nothing: every batch has
    its own pooled connection and the server's row locks."""
    if not pace.sqlite:
        yield
        return
    async with turns.lock():
        try:
            yield
        finally:
            turns.gaps += 1
            await asyncio.sleep(GAP)
