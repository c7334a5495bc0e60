"""bot/leader.py: on PostgreSQL one instance at a time runs the scheduled jobs and the recovery;
another takes over when the leader stops or is killed outright. On SQLite the one process leads."""
from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest
from apscheduler.schedulers.base import STATE_PAUSED, STATE_RUNNING

ROOT = Path(__file__).resolve().parent.parent

_HOLDER = """
import asyncio, sys
from db.engine import create_engine
from bot.leader import Leadership

async def main(url):
    engine = create_engine(url)
    async def gained():
        print("leading", flush=True)
    async def lost():
        pass
    leadership = Leadership(engine, 0.2, gained, lost)
    await leadership.start()
    if not leadership.leading:
        print("following", flush=True)
    await asyncio.sleep(3600)

asyncio.run(main(sys.argv[1]))
"""


async def _until(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_one_instance_runs_the_jobs_and_another_takes_over(make_settings, clock, tg, db_url):
    from bot.app import build_app

    first = build_app(make_settings(leader_retry_seconds=0.2), clock=clock)
    second = build_app(make_settings(leader_retry_seconds=0.2), clock=clock)
    await first.start(migrate=False)
    await second.start(migrate=False)
    try:
        assert first.leadership.leading and first.scheduler.state == STATE_RUNNING
        await asyncio.sleep(0.6)  # a few of the follower's tries
        assert not second.leadership.leading and second.scheduler.state == STATE_PAUSED
        await first.stop()
        await _until(lambda: second.leadership.leading)
        assert second.scheduler.state == STATE_RUNNING
    finally:
        await second.stop()
        if first.leadership.leading:
            await first.stop()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_a_killed_leader_is_replaced_within_a_retry(db_url):
    from bot.leader import Leadership
    from db.engine import create_engine

    proc = await asyncio.create_subprocess_exec(sys.executable, "-c", _HOLDER, db_url, cwd=ROOT,
                                                stdout=asyncio.subprocess.PIPE)
    engine = create_engine(db_url)
    gained: list[str] = []

    async def gain() -> None:
        gained.append("lead")

    async def lose() -> None:
        gained.append("lost")

    leadership = Leadership(engine, 0.2, gain, lose)
    try:
        assert (await asyncio.wait_for(proc.stdout.readline(), 30)).decode().strip() == "leading"
        await leadership.start()
        await asyncio.sleep(0.6)
        assert not leadership.leading and gained == []
        proc.send_signal(signal.SIGKILL)  # no chance to let go: PostgreSQL ends its session
        await proc.wait()
        await _until(lambda: leadership.leading)
        assert gained == ["lead"]
    finally:
        await leadership.stop()
        await engine.dispose()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_on_sqlite_the_one_process_leads(make_settings, clock, tg):
    from bot.app import build_app

    app = build_app(make_settings(), clock=clock)
    await app.start(migrate=False)
    try:
        assert app.leadership.leading and app.scheduler.state == STATE_RUNNING
    finally:
        await app.stop()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_recovery_leaves_another_instance_s_export_alone(sessionmaker, clock):
    """An instance's start-up recovery marks interrupted only the exports no live process is
    building (db/locks.py); the one still held elsewhere keeps running until its holder lets go."""
    from bot.exports import interrupt_running
    from db import locks
    from db.models import ExportJob

    async with sessionmaker() as s:
        live, dead = ExportJob(kind="participants", status="running"), ExportJob(kind="pairs", status="running")
        s.add_all([live, dead])
        await s.commit()
    engine = sessionmaker.kw["bind"]
    async with locks.holding(engine, locks.EXPORT_JOB, live.id):
        assert await interrupt_running(sessionmaker, clock()) == 1
        async with sessionmaker() as s:
            assert (await s.get(ExportJob, live.id)).status == "running"
            assert (await s.get(ExportJob, dead.id)).status == "interrupted"
    assert await interrupt_running(sessionmaker, clock()) == 1
    async with sessionmaker() as s:
        assert (await s.get(ExportJob, live.id)).status == "interrupted"
