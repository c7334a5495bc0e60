"""Exactly-once across ``kill -9``: a child process drains the outbox and is killed twice.

The Bot API stub runs in the test process; the child (``child_main`` below, started with
``python -c``) runs the real :class:`bot.outbox.OutboxSender` with a real aiogram ``Bot``
against it and the same database file (or PostgreSQL database).

1. The child drains N rows at a high pace and gets SIGKILL once about half were delivered.
2. A new child recovers the stale leases and goes on; while responses are held by the stub
   (the requests *were* delivered, the answers never arrive) it gets SIGKILL again.
3. A third child finishes the job.

The rows are of a kind whose repetition would mislead (a one-off notice, ``consent-confirmed``):
every message was delivered at most once; every row is 'sent', or 'unknown' when it was in flight
at a kill (never re-sent); the held rows were delivered exactly once; and each row was delivered
exactly once except, possibly, a row killed in the microseconds between its 'sending' commit and
its request leaving (that row is 'unknown', and reported to the administrators when there are
any, rather than risking a duplicate).

``test_rows_in_flight_at_a_kill_are_sent_again_or_reported``: a child is killed while a digest (a
kind whose repetition is harmless) and a one-off notice are in flight; the real bot started
afterwards sends the digest once more and tells the administrator, in the bot, about the notice.
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
    locales = os.environ.get("OUTBOX_CRASH_LOCALES")
    asyncio.run(_child(os.environ["OUTBOX_CRASH_DB"], os.environ["OUTBOX_CRASH_API"],
                       Path(locales) if locales else None))


async def _child(url: str, api: str, locales: Path | None) -> None:
    """``locales`` None: the bot's own texts (bot/i18n.py's LOCALES_DIR)."""
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
    translator = Translator(locales) if locales is not None else Translator()
    sender = OutboxSender(bot, sm, settings, translator, worker_id=f"child-{os.getpid()}",
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
                await enqueue(s, user_id=user.id, chat_id=FIRST_CHAT + n, kind="consent-confirmed",
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
    except BaseException:
        if log.exists():
            sys.stderr.write(log.read_text(errors="replace")[-5000:])
        raise
    finally:
        for proc in procs:
            await _kill(proc)
        await engine.dispose()


async def test_rows_in_flight_at_a_kill_are_sent_again_or_reported(db_url: str, tg: FakeTelegram, start_app: Any,
                                                                  clock: Any, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from bot.i18n import Translator
    from db.models import CuratorRole, Participant
    from domain.units import create_unit
    from tests.conftest import ADMIN_ID

    en = Translator().bind("en")
    ru = Translator().bind("ru")
    curator_tg, mentee_tg = 7701, 7702
    engine, sm = create_engine_and_sessionmaker(db_url)
    log = tmp_path / "children.log"
    proc: asyncio.subprocess.Process | None = None
    try:
        now = datetime.now(timezone.utc)
        async with sm() as s, s.begin():
            region = await create_unit(s, "region", "Рязанская область")
            town = await create_unit(s, "municipality", "г. Рязань", region)
            org = await create_unit(s, "organisation", "Школа № 7", town, org_type="school")
            curator = User(tg_id=curator_tg, locale="ru", full_name="Петрова Анна Сергеевна")
            mentee = User(tg_id=mentee_tg, locale="ru", full_name="Соколов Илья Петрович")
            admin = User(tg_id=ADMIN_ID, locale="en")  # the administrator reads English
            s.add_all([curator, mentee, admin])
            await s.flush()
            role = CuratorRole(user_id=curator.id, unit_id=region.id, created_at=now,
                               last_digest_at=now + timedelta(days=1))  # no new digest at start-up
            s.add(role)
            s.add(Participant(user_id=mentee.id, org_id=org.id, role="mentee", category="school_student", grade=9,
                              birth_year=2010, full_name="Соколов Илья Петрович", status="active",
                              registered_at=now - timedelta(days=2), updated_at=now))
            await s.flush()
            digest_args = {"unit": "Рязанская область", "total": 3, "mentors": 1, "mentees": 2, "awaiting": 0}
            digest = await enqueue(s, user_id=curator.id, chat_id=curator_tg, kind="digest",
                                   key="digest-new-registrations", args=digest_args,
                                   dedupe_key=f"digest:{role.id}:crash")
            notice = await enqueue(s, user_id=mentee.id, chat_id=mentee_tg, kind="consent-confirmed",
                                   key="consent-confirmed-notice", dedupe_key="consent-confirmed:crash")
            assert digest is not None and notice is not None
            digest_id, notice_id = digest.id, notice.id
        digest_text = ru("digest-new-registrations", **digest_args)
        notice_text = ru("consent-confirmed-notice")

        env = {**os.environ, "PYTHONPATH": str(ROOT), "OUTBOX_CRASH_DB": db_url,
               "OUTBOX_CRASH_API": tg.base_url, "OUTBOX_CRASH_LOCALES": ""}
        proc = await _spawn(env, log)
        tg.hold_responses("sendMessage")  # both requests reach "Telegram"; their answers never come
        await _go(proc)
        await tg.wait_held(2, timeout=30)
        await asyncio.sleep(0.2)
        await _kill(proc)
        tg.release()
        assert sorted(tg.delivered) == sorted([(curator_tg, digest_text), (mentee_tg, notice_text)])
        assert await _statuses(sm) == {"sending": 2}

        # The bot starts again once the child's lease has expired.
        clock.set(datetime.now(timezone.utc) + timedelta(seconds=5))
        await start_app()
        administrator = tg.user(ADMIN_ID, language_code="en")
        report = await administrator.wait_message(timeout=20, contains=en("outbox-unconfirmed", count=1))
        who = en("outbox-who", name="Соколов Илья Петрович", roles=en("outbox-role-mentee", org="Школа № 7"))
        assert report.text == "\n".join([en("outbox-unconfirmed", count=1), "",
                                          en("outbox-unconfirmed-line", what=en("outbox-kind-consent-confirmed"),
                                             who=who)])
        await _wait_db(sm, lambda st: st.get("sent") == 2, 20, "the digest sent again and the report sent")

        async with sm() as s:
            rows = {r.id: r for r in (await s.execute(select(OutboxMessage))).scalars()}
        assert (rows[digest_id].status, rows[notice_id].status) == ("sent", "unknown")
        assert Counter(tg.delivered)[(curator_tg, digest_text)] == 2  # sent again, exactly once
        assert Counter(tg.delivered)[(mentee_tg, notice_text)] == 1  # never twice
        await administrator.expect_no_message(0.5)  # one report per recovery, not one per row
        assert Counter(chat for chat, _ in tg.delivered)[ADMIN_ID] == 1
        assert not tg.internal_errors
    except BaseException:
        if log.exists():
            sys.stderr.write(log.read_text(errors="replace")[-5000:])
        raise
    finally:
        if proc is not None:
            await _kill(proc)
        await engine.dispose()
