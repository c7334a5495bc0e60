"""domain.background: batches sized by the time they take, and background work that lets the
updates in hand go first (issue 10, a region's day). Pure logic, no database."""
from __future__ import annotations

import asyncio

import pytest

from domain import background
from domain.background import Foreground, Pace


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def batch(pace: Pace, clock: Clock, seconds: float) -> int:
    """One batch of ``pace.size`` rows taking ``seconds``; returns the size it had."""
    size = pace.size
    pace.start()
    clock.t += seconds
    pace.done()
    return size


def test_pace_grows_while_batches_are_quick_and_shrinks_at_once_after_a_slow_one() -> None:
    clock = Clock()
    pace = Pace(1000, target=0.05, start=10, clock=clock)
    assert [batch(pace, clock, 0.001) for _ in range(8)] == [10, 20, 40, 80, 160, 320, 640, 1000]
    assert pace.size == 1000  # never above the ceiling
    batch(pace, clock, 0.5)  # ten times the target: the next batch is a tenth
    assert pace.size == 100
    batch(pace, clock, 0.05)  # on target: unchanged
    assert pace.size == 100
    batch(pace, clock, 100.0)
    assert pace.size == 1  # never below the floor
    assert pace.batches == 11


def test_a_fixed_pace_never_changes() -> None:
    clock = Clock()
    pace = Pace(1000, fixed=3, clock=clock)
    assert [batch(pace, clock, s) for s in (0.001, 10.0, 0.0)] == [3, 3, 3]


async def test_idle_waits_for_the_updates_in_hand_and_gives_up_after_max_wait() -> None:
    fg = Foreground()
    assert await fg.idle(0.01) is True  # nothing in hand
    with fg.busy():
        waiter = asyncio.create_task(fg.idle(60))
        while fg.waiting == 0:
            await asyncio.sleep(0)
        for _ in range(20):
            await asyncio.sleep(0)
        assert not waiter.done() and fg.busy_count == 1
        with fg.busy():  # a second update arrives; the first ends: still busy
            pass
        for _ in range(20):
            await asyncio.sleep(0)
        assert not waiter.done()
    assert await waiter is True and fg.waiting == 0
    with fg.busy():
        assert await fg.idle(0.01) is False  # bounded: a stream of updates never stops the jobs
    assert fg.busy_count == 0


def test_the_idle_event_follows_the_running_loop() -> None:
    """One process-wide tracker serves every event loop (tests run many): no event of a closed
    loop is waited on."""
    fg = Foreground()

    async def once() -> bool:
        with fg.busy():
            task = asyncio.create_task(fg.idle(60))
            await asyncio.sleep(0)
        return await task

    assert asyncio.run(once()) is True
    assert asyncio.run(once()) is True


async def test_between_batches_uses_the_module_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "MAX_WAIT", 0.01)
    with background.foreground.busy():
        await background.between_batches()  # returns (after 10 ms) although an update is in hand
    assert background.foreground.waiting == 0


def test_the_target_follows_the_backend_unless_given() -> None:
    pace = Pace(1000)
    pace.suit("sqlite")
    assert pace.target == background.TARGET
    pace.suit("postgresql")
    assert pace.target == background.TARGET_POOLED > background.TARGET
    given = Pace(1000, target=0.3)
    given.suit("postgresql")
    assert given.target == 0.3


async def test_on_sqlite_background_batches_take_turns_and_leave_a_gap():
    """domain.background.turn: on SQLite the batches of all jobs run one at a time, and the
    database is left free for GAP seconds after each (another process waiting for SQLite's
    write lock finds it free then); on PostgreSQL, or before the backend is known, batches run
    as they come."""
    import time

    spans: dict[str, list[tuple[float, float]]] = {"a": [], "b": [], "c": []}

    async def job(name: str, sqlite: bool) -> None:
        pace = Pace(100)
        pace.sqlite = sqlite
        for _ in range(3):
            async with background.turn(pace):
                start = time.monotonic()
                await asyncio.sleep(0.02)  # the batch's statements
                spans[name].append((start, time.monotonic()))
            await asyncio.sleep(0)

    gaps = background.turns.gaps
    await asyncio.gather(job("a", True), job("b", True))
    ordered = sorted(spans["a"] + spans["b"])
    assert len(ordered) == 6 and background.turns.gaps == gaps + 6
    for (_, end), (start, _) in zip(ordered, ordered[1:]):
        assert start - end >= background.GAP * 0.9  # never overlapping, a gap between any two

    spans["a"].clear()
    await asyncio.gather(job("a", False), job("c", False))  # PostgreSQL: side by side
    assert background.turns.gaps == gaps + 6
    assert spans["a"][0][0] < spans["c"][0][1] and spans["c"][0][0] < spans["a"][0][1]
    assert Pace(10).sqlite is False  # unknown until suit() saw the backend
    pace = Pace(10)
    pace.suit("sqlite")
    assert pace.sqlite and pace.target == background.TARGET
