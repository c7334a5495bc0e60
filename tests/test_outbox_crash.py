"""Exactly-once across ``kill -9``: a child process drains the outbox and is killed twice.

The Bot API stub runs in the test process; the child (``child_main`` below, started with
``python -c``) runs the real :class:`bot.outbox.OutboxSender` with a real aiogram ``Bot``
against it and the same database file (or PostgreSQL database).

1. The child drains N rows at a high pace and gets SIGKILL once about half were delivered.
2. A new child recovers the stale leases and goes on; while responses are held by the stub
   (the requests *were* delivered, the answers never arrive) it gets SIGKILL again.
3. A third child finishes the job.

Then every message was delivered at most once; every row is 'sent', or 'unknown' when it was
in flight at a kill (never re-sent); the held rows were delivered exactly once; and each row
was delivered exactly once except, possibly, a row killed in the microseconds between its
'sending' commit and its request leaving (that row is 'unknown': lost, by design, rather than
risking a duplicate).
"""
from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.engine import create_engine_and_sessionmaker
from db.models import OutboxMessage, User
from domain.outbox import enqueue
from tests.telegram_stub import FakeTelegram
from tests.test_outbox import TOKEN, write_test_locales

ROOT = Path(__file__).resolve().parent.parent
N = 150
LEASE = 1.0
RATE = 150.0
CONCURRENCY = 4
FIRST_CHAT = 10_000


# --- the child process ------------------------------------------------------------------------


def child_main() -> None:
    """Entry point of the child: import everything, wait for "go" on stdin, then tick forever.

    Importing aiogram takes seconds; the test starts children ahead of time and lets each one
    go when its turn comes, so those seconds are not spent between the kills.
    """
    import aiogram.client.session.aiohttp  # noqa: F401 - warm up
    import bot.outbox  # noqa: F401

    if sys.stdin.readline().strip() != "go":
        return
    asyncio.run(_child(os.environ["OUTBOX_CRASH_DB"], os.environ["OUTBOX_CRASH_API"],
                       Path(os.environ["OUTBOX_CRASH_LOCALES"])))


async def _child(url: str, api: str, locales: Path) -> None:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.config import Settings
    from bot.i18n import Translator
    from bot.outbox import OutboxSender

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=TOKEN,
        outbox_rate_per_second=RATE,
        outbox_lease_seconds=LEASE,
        outbox_tick_seconds=0.02,
        outbox_per_chat_interval=1.0,
        outbox_batch=200,
        quiet_hours_start=0,  # no quiet hours: the test runs at any time of day
        quiet_hours_end=0,
    )
    engine, sm = create_engine_and_sessionmaker(url)
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    sender = OutboxSender(bot, sm, settings, Translator(locales), worker_id=f"child-{os.getpid()}",
                          concurrency=CONCURRENCY)
    while True:
        await sender.tick()
        await asyncio.sleep(settings.outbox_tick_seconds)


# --- the test -----------------------------------------------------------------------------------


async def _spawn(env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """Start a child; it waits for :func:`_go` before touching the database."""
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-c", "from tests.test_outbox_crash import child_main; child_main()",
            cwd=str(ROOT), env=env, stdin=asyncio.subprocess.PIPE, stdout=out, stderr=out,
        )


async def _go(proc: asyncio.subprocess.Process) -> None:
    assert proc.stdin is not None and proc.returncode is None
    proc.stdin.write(b"go\n")
    await proc.stdin.drain()


async def _kill(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        os.kill(proc.pid, signal.SIGKILL)
    await proc.wait()


async def _statuses(sm: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sm() as s:
        result = await s.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
        return {status: count for status, count in result.all()}


async def _wait_db(sm: async_sessionmaker[AsyncSession], predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while True:
        statuses = await _statuses(sm)
        if predicate(statuses):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; statuses: {statuses}")
        await asyncio.sleep(0.05)


async def test_kill_9_never_sends_twice(db_url: str, tmp_path: Path) -> None:
    started = time.monotonic()
    locales = write_test_locales(tmp_path / "locales")
    engine, sm = create_engine_and_sessionmaker(db_url)
    log = tmp_path / "children.log"
    procs: list[asyncio.subprocess.Process] = []
    try:
        async with sm() as s, s.begin():
            users = [User(tg_id=FIRST_CHAT + n, locale="ru") for n in range(N)]
            s.add_all(users)
            await s.flush()
            for n, user in enumerate(users):
                await enqueue(s, user_id=user.id, chat_id=FIRST_CHAT + n, kind="crash-test",
                              key="outbox-test-plain", args={"n": n})

        async with FakeTelegram() as tg:
            env = {**os.environ, "PYTHONPATH": str(ROOT), "OUTBOX_CRASH_DB": db_url,
                   "OUTBOX_CRASH_API": tg.base_url, "OUTBOX_CRASH_LOCALES": str(locales)}

            def delivered_at_least(k: int) -> Any:
                return lambda: True if len(tg.delivered) >= k else None

            procs.extend([await _spawn(env, log) for _ in range(3)])

            # 1. Kill -9 half-way through.
            await _go(procs[0])
            await tg.wait_until(delivered_at_least(N // 2), timeout=60, describe="first child's progress")
            await _kill(procs[0])
            after_first = len(tg.delivered)
            assert after_first < N, "the first child finished before it could be killed"

            # 2. A new child recovers the leases and goes on; kill it while answers are held.
            await _go(procs[1])
            await tg.wait_until(delivered_at_least(after_first + 15), timeout=60, describe="second child's progress")
            mark = len(tg.delivered)
            tg.hold_responses("sendMessage")
            await tg.wait_held(1, timeout=10)
            await asyncio.sleep(0.3)  # every worker of the child is now stuck on a held answer
            await _kill(procs[1])
            held = {chat for chat, _ in tg.delivered[mark:]}
            assert 1 <= len(held) <= CONCURRENCY
            tg.release()

            # 3. A third child finishes.
            await _go(procs[2])
            await _wait_db(sm, lambda st: not set(st) & {"pending", "claimed", "sending"}, 20, "the outbox to drain")
            await _kill(procs[2])

            delivered = Counter(chat for chat, _ in tg.delivered)
            assert tg.duplicates() == {}
            assert max(delivered.values()) == 1, "a message was sent twice"
            assert not tg.internal_errors

        async with sm() as s:
            final = {chat: (status, sent_at) for chat, status, sent_at in (await s.execute(
                select(OutboxMessage.chat_id, OutboxMessage.status, OutboxMessage.sent_at))).all()}
        assert len(final) == N
        unknown = {chat for chat, (status, _) in final.items() if status == "unknown"}
        sent = {chat for chat, (status, _) in final.items() if status == "sent"}
        assert sent | unknown == set(final), f"unexpected statuses: {Counter(s for s, _ in final.values())}"
        # Every row recorded as sent was delivered exactly once.
        assert all(delivered[chat] == 1 for chat in sent)
        assert all(final[chat][1] is not None for chat in sent)
        # The rows in flight at the second kill were delivered once and are never retried.
        assert held <= unknown
        assert all(delivered[chat] == 1 for chat in held)
        # Only rows in flight at the first kill can be 'unknown' besides the held ones. Each was
        # delivered exactly once, unless the kill hit the instant between its 'sending' commit and
        # its request leaving: then it is lost, by design, rather than risking a duplicate (not
        # observed in practice, but possible, so not asserted away).
        assert len(unknown - held) <= CONCURRENCY
        lost = unknown - set(delivered)
        assert set(delivered) == set(final) - lost
        assert time.monotonic() - started < 30
    except BaseException:
        if log.exists():
            sys.stderr.write(log.read_text(errors="replace")[-5000:])
        raise
    finally:
        for proc in procs:
            await _kill(proc)
        await engine.dispose()
