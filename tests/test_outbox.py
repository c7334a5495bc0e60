"""The outbox: pure rules, enqueue, and the sender against a real aiogram Bot and the Bot API stub.

Database tests run on an SQLite file and, when reachable, on PostgreSQL (a fresh database per
test). With CI=true an unreachable PostgreSQL fails the run instead of skipping.
"""
from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.i18n import Translator
from bot.outbox import JOB_ID, OutboxSender
from db.engine import create_engine_and_sessionmaker
from db.models import OutboxMessage, User
from domain.outbox import (
    CLEARED,
    PerChatPacer,
    RateLimiter,
    backoff,
    build_payload,
    enqueue,
    mark_reachable,
    mark_unreachable,
    quiet_until,
    register_relevance,
    unregister_relevance,
)
from tests.conftest import FakeClock
from tests.telegram_stub import FakeTelegram

UTC = timezone.utc
TOKEN = "123456:" + "A" * 35

# =============================================================================================
# Shared fixtures (database, Bot API stub, bot, translator, clock). Candidates for conftest.py.
# =============================================================================================

@pytest.fixture
def is_pg(db_url: str) -> bool:
    return db_url.startswith("postgresql")


@pytest.fixture
def sm(sessionmaker: async_sessionmaker[AsyncSession]) -> async_sessionmaker[AsyncSession]:
    return sessionmaker


def make_bot(base_url: str) -> Bot:
    return Bot(token=TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    b = make_bot(tg.base_url)
    try:
        yield b
    finally:
        await b.session.close()


OUTBOX_TEST_FTL = {
    "ru": (
        "outbox-test-hello = Привет, { $name }! Сообщение { $n }\n"
        "outbox-test-plain = Сообщение { $n }\n"
        "outbox-test-open = Открыть\n"
        "outbox-test-site = Сайт { $n }\n"
    ),
    "en": (
        "outbox-test-hello = Hello, { $name }! Message { $n }\n"
        "outbox-test-plain = Message { $n }\n"
        "outbox-test-open = Open\n"
        "outbox-test-site = Site { $n }\n"
    ),
}


def write_test_locales(root: Path) -> Path:
    """A locales directory with the keys these tests render (keeps them off the real files)."""
    for lang, text in OUTBOX_TEST_FTL.items():
        (root / lang).mkdir(parents=True, exist_ok=True)
        (root / lang / "outbox_test.ftl").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def translator(tmp_path: Path) -> Translator:
    return Translator(write_test_locales(tmp_path / "locales"))


@pytest.fixture
def clock() -> FakeClock:
    # Noon in Moscow: outside the default quiet hours.
    return FakeClock(datetime(2025, 3, 12, 9, 0, tzinfo=UTC))


def sender_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "bot_token": TOKEN,
        "timezone": "Europe/Moscow",
        "outbox_rate_per_second": 200.0,
        "outbox_per_chat_interval": 1.0,
        "outbox_max_attempts": 3,
        "outbox_lease_seconds": 60.0,
        "outbox_tick_seconds": 1.0,
        "outbox_batch": 200,
        "quiet_hours_start": 22,
        "quiet_hours_end": 8,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


# =============================================================================================
# Helpers
# =============================================================================================


async def add_users(sm: async_sessionmaker[AsyncSession], tg_ids: list[int], locale: str = "ru") -> list[int]:
    async with sm() as s, s.begin():
        users = [User(tg_id=t, locale=locale) for t in tg_ids]
        s.add_all(users)
        await s.flush()
        return [u.id for u in users]


async def put(
    sm: async_sessionmaker[AsyncSession], *, user_id: int | None, chat_id: int, n: int = 0, kind: str = "test", **kw: Any
) -> OutboxMessage | None:
    kw.setdefault("key", "outbox-test-plain")
    kw.setdefault("args", {"n": n})
    async with sm() as s, s.begin():
        return await enqueue(s, user_id=user_id, chat_id=chat_id, kind=kind, **kw)


async def rows(sm: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sm() as s:
        return list((await s.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def row(sm: async_sessionmaker[AsyncSession], row_id: int) -> OutboxMessage:
    async with sm() as s:
        return (await s.execute(select(OutboxMessage).where(OutboxMessage.id == row_id))).scalar_one()


def sent_requests(tg: FakeTelegram, chat_id: int | None = None) -> list[dict[str, Any]]:
    return [p for p in tg.calls("sendMessage") if chat_id is None or int(p["chat_id"]) == chat_id]


# =============================================================================================
# Pure rules
# =============================================================================================


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


class TestQuietUntil:
    def test_across_midnight_evening_ends_next_morning(self) -> None:
        # 23:30 in Moscow (UTC+3) → 08:00 next day local = 05:00 UTC.
        assert quiet_until(utc(2025, 3, 12, 20, 30), "Europe/Moscow", 22, 8) == utc(2025, 3, 13, 5, 0)

    def test_across_midnight_small_hours_end_same_morning(self) -> None:
        assert quiet_until(utc(2025, 3, 12, 0, 15), "Europe/Moscow", 22, 8) == utc(2025, 3, 12, 5, 0)

    def test_boundaries(self) -> None:
        assert quiet_until(utc(2025, 3, 12, 19, 0), "Europe/Moscow", 22, 8) == utc(2025, 3, 13, 5, 0)  # 22:00
        assert quiet_until(utc(2025, 3, 12, 18, 59), "Europe/Moscow", 22, 8) is None  # 21:59
        assert quiet_until(utc(2025, 3, 12, 5, 0), "Europe/Moscow", 22, 8) is None  # 08:00

    def test_daytime_window_not_crossing_midnight(self) -> None:
        assert quiet_until(utc(2025, 3, 12, 10, 30), "Europe/Moscow", 13, 15) == utc(2025, 3, 12, 12, 0)
        assert quiet_until(utc(2025, 3, 12, 9, 0), "Europe/Moscow", 13, 15) is None
        assert quiet_until(utc(2025, 3, 12, 12, 0), "Europe/Moscow", 13, 15) is None

    def test_equal_hours_mean_no_quiet_hours(self) -> None:
        for hour in range(24):
            assert quiet_until(utc(2025, 3, 12, hour, 0), "Europe/Moscow", 8, 8) is None

    def test_spring_forward_night_is_one_hour_shorter(self) -> None:
        # Berlin, 2024-03-31 02:00 CET → 03:00 CEST. 23:00 CET = 22:00 UTC; 08:00 CEST = 06:00 UTC.
        assert quiet_until(utc(2024, 3, 30, 22, 0), "Europe/Berlin", 22, 8) == utc(2024, 3, 31, 6, 0)

    def test_fall_back_night_is_one_hour_longer(self) -> None:
        # Berlin, 2024-10-27 03:00 CEST → 02:00 CET. 23:00 CEST = 21:00 UTC; 08:00 CET = 07:00 UTC.
        assert quiet_until(utc(2024, 10, 26, 21, 0), "Europe/Berlin", 22, 8) == utc(2024, 10, 27, 7, 0)

    def test_end_hour_skipped_by_dst_ends_at_the_transition(self) -> None:
        # New York, 2024-03-10 02:00 EST → 03:00 EDT; quiet 23→2 ends at the jump (07:00 UTC).
        assert quiet_until(utc(2024, 3, 10, 6, 30), "America/New_York", 23, 2) == utc(2024, 3, 10, 7, 0)

    def test_result_is_always_in_the_future(self) -> None:
        start = utc(2024, 10, 26, 0, 0)
        for minutes in range(0, 3 * 24 * 60, 17):
            now = start + timedelta(minutes=minutes)
            until = quiet_until(now, "Europe/Berlin", 22, 8)
            assert until is None or now < until <= now + timedelta(hours=11)

    def test_naive_datetime_rejected(self) -> None:
        with pytest.raises(ValueError):
            quiet_until(datetime(2025, 1, 1, 12), "Europe/Moscow", 22, 8)


def test_backoff_is_exponential_capped_and_deterministic() -> None:
    assert backoff(1) == timedelta(seconds=30)
    assert backoff(2) == timedelta(seconds=60)
    assert backoff(3) == timedelta(seconds=120)
    delays = [backoff(n) for n in range(1, 40)]
    assert delays == sorted(delays)
    assert max(delays) == timedelta(hours=1) == backoff(1000)
    assert backoff(0) == backoff(1)
    assert [backoff(n) for n in range(1, 10)] == [backoff(n) for n in range(1, 10)]


class FakeMonotonic:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    async def sleep(self, seconds: float) -> None:
        self.t += seconds


async def test_token_bucket_with_fake_clock() -> None:
    mono = FakeMonotonic()
    limiter = RateLimiter(10, burst=2, clock=mono, sleep=mono.sleep)
    assert limiter.try_acquire() == 0
    assert limiter.try_acquire() == 0
    assert limiter.try_acquire() == pytest.approx(0.1)
    mono.t += 0.05
    assert limiter.try_acquire() == pytest.approx(0.05)
    mono.t += 0.05
    assert limiter.try_acquire() == 0
    # Long idle time saves up no more than the burst.
    mono.t += 100
    assert [limiter.try_acquire() == 0 for _ in range(3)] == [True, True, False]
    # 100 acquisitions at 10/s take ~10 s of (fake) time.
    start = mono.t
    for _ in range(100):
        await limiter.acquire()
    assert mono.t - start == pytest.approx(10.0, abs=0.2)
    # A drained bucket starts empty.
    mono.t += 100
    limiter.drain()
    assert limiter.try_acquire() == pytest.approx(0.1)


def test_per_chat_pacer() -> None:
    mono = FakeMonotonic()
    pacer = PerChatPacer(1.0, clock=mono)
    assert pacer.ready_in(5) == 0
    pacer.note(5)
    assert pacer.ready_in(5) == pytest.approx(1.0)
    assert pacer.ready_in(6) == 0
    mono.t += 0.4
    assert pacer.ready_in(5) == pytest.approx(0.6)
    mono.t += 0.6
    assert pacer.ready_in(5) == 0


# =============================================================================================
# enqueue
# =============================================================================================


async def test_enqueue_writes_payload_in_callers_transaction(sm: async_sessionmaker[AsyncSession]) -> None:
    (uid,) = await add_users(sm, [501])
    buttons = [[{"text_key": "outbox-test-open", "callback_data": "open:1"}],
               [{"text_key": "outbox-test-site", "args": {"n": 2}, "url": "https://example.org"}]]
    async with sm() as s, s.begin():
        created = await enqueue(s, user_id=uid, chat_id=501, kind="digest", key="outbox-test-plain",
                                args={"n": 1}, buttons=buttons, dedupe_key="d:1", tz="Asia/Yekaterinburg")
        assert created is not None and created.id is not None
    (stored,) = await rows(sm)
    assert stored.status == "pending" and stored.attempts == 0 and stored.tz == "Asia/Yekaterinburg"
    assert stored.payload == {
        "key": "outbox-test-plain",
        "args": {"n": 1},
        "buttons": [[{"text_key": "outbox-test-open", "args": {}, "callback_data": "open:1"}],
                    [{"text_key": "outbox-test-site", "args": {"n": 2}, "url": "https://example.org"}]],
    }
    # Rolled back with the caller's transaction, also when enqueue is its first write.
    async with sm() as s:
        async with s.begin():
            assert await enqueue(s, user_id=uid, chat_id=501, kind="digest", key="k", dedupe_key="d:2") is not None
            await s.rollback()
    assert len(await rows(sm)) == 1


async def test_enqueue_rejects_bad_input(sm: async_sessionmaker[AsyncSession]) -> None:
    async with sm() as s:
        with pytest.raises(ValueError):
            await enqueue(s, user_id=None, chat_id=1, kind="x", key="k", due_at=datetime(2025, 1, 1))
        with pytest.raises(ValueError):
            await enqueue(s, user_id=None, chat_id=1, kind="x", key="k", buttons=[[{"text_key": "a"}]])
        with pytest.raises(Exception):
            await enqueue(s, user_id=None, chat_id=1, kind="x", key="k", tz="Mars/Olympus")


async def test_enqueue_dedupe(sm: async_sessionmaker[AsyncSession]) -> None:
    async with sm() as s, s.begin():
        first = await enqueue(s, user_id=None, chat_id=7, kind="x", key="k", dedupe_key="same")
        second = await enqueue(s, user_id=None, chat_id=7, kind="x", key="k", dedupe_key="same")
        other = await enqueue(s, user_id=None, chat_id=7, kind="x", key="k", dedupe_key="other")
        assert first is not None and second is None and other is not None
    async with sm() as s, s.begin():
        assert await enqueue(s, user_id=None, chat_id=7, kind="x", key="k", dedupe_key="same") is None
        # The transaction stays usable after a duplicate.
        assert await enqueue(s, user_id=None, chat_id=7, kind="x", key="k") is not None
    assert [r.dedupe_key for r in await rows(sm)] == ["same", "other", None]


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_enqueue_dedupe_race_on_postgresql(db_url: str) -> None:
    """Two transactions enqueue the same key at once: one row; the loser's transaction survives."""
    engine, sm = create_engine_and_sessionmaker(db_url)
    try:
        inserted = asyncio.Event()
        commit = asyncio.Event()

        async def first() -> OutboxMessage | None:
            async with sm() as s, s.begin():
                created = await enqueue(s, user_id=None, chat_id=1, kind="x", key="k", dedupe_key="race")
                inserted.set()
                await commit.wait()
                return created

        async def second() -> tuple[OutboxMessage | None, OutboxMessage | None]:
            await inserted.wait()
            async with sm() as s, s.begin():
                # Not visible yet: the check passes, the INSERT waits for the first transaction,
                # then fails on the unique key inside the savepoint.
                lost = await enqueue(s, user_id=None, chat_id=1, kind="x", key="k", dedupe_key="race")
                after = await enqueue(s, user_id=None, chat_id=2, kind="x", key="k", dedupe_key="after")
                return lost, after

        task_a = asyncio.create_task(first())
        task_b = asyncio.create_task(second())
        await inserted.wait()
        await asyncio.sleep(0.3)  # let the second INSERT block on the unique index
        commit.set()
        created, (lost, after) = await task_a, await task_b
        assert created is not None and lost is None and after is not None
        assert sorted(r.dedupe_key or "" for r in await rows(sm)) == ["after", "race"]
    finally:
        await engine.dispose()


# =============================================================================================
# The sender
# =============================================================================================


def make_sender(bot: Bot, sm: async_sessionmaker[AsyncSession], translator: Translator, clock: FakeClock,
                worker_id: str = "w1", **settings: Any) -> OutboxSender:
    kw = {k: settings.pop(k) for k in ("concurrency",) if k in settings}
    return OutboxSender(bot, sm, sender_settings(**settings), translator, worker_id=worker_id, clock=clock, **kw)


async def test_due_rows_sent_once_rendered_in_current_locale(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    ru, en = await add_users(sm, [1001, 1002], "ru")
    async with sm() as s, s.begin():
        await enqueue(s, user_id=ru, chat_id=1001, kind="digest", key="outbox-test-hello",
                      args={"name": "<Аня>", "n": 1}, due_at=clock.now,
                      buttons=[[{"text_key": "outbox-test-open", "callback_data": "open:1"},
                                {"text_key": "outbox-test-site", "args": {"n": 3}, "url": "https://example.org/x"}]])
        await enqueue(s, user_id=en, chat_id=1002, kind="digest", key="outbox-test-hello",
                      args={"name": "Bob", "n": 2}, due_at=clock.now - timedelta(hours=1), parse_mode="HTML")
    # The locale is read at send time, not at enqueue time.
    async with sm() as s, s.begin():
        await s.execute(update(User).where(User.id == en).values(locale="en"))

    sender = make_sender(bot, sm, translator, clock)
    assert await sender.tick() == 2
    assert await sender.tick() == 0
    assert sorted(tg.delivered) == [(1001, "Привет, <Аня>! Сообщение 1"), (1002, "Hello, Bob! Message 2")]
    (message,) = tg.messages(1001)
    assert [b.text for b in message.buttons] == ["Открыть", "Сайт 3"]
    assert [b.value for b in message.buttons] == ["open:1", "https://example.org/x"]
    for stored in await rows(sm):
        assert stored.status == "sent"
        assert stored.sent_at == clock.now
        assert stored.tg_message_id is not None
        assert stored.claimed_by == "w1" and stored.attempts == 0
    assert len(sent_requests(tg)) == 2


async def test_rows_not_yet_due_wait(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    await put(sm, user_id=None, chat_id=77, n=1, due_at=clock.now + timedelta(minutes=10))
    sender = make_sender(bot, sm, translator, clock)
    assert await sender.tick() == 0
    clock.advance(minutes=9, seconds=59)
    assert await sender.tick() == 0
    assert tg.delivered == []
    clock.advance(seconds=1)
    assert await sender.tick() == 1
    assert tg.delivered == [(77, "Сообщение 1")]


async def test_quiet_hours_hold_until_morning(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator
) -> None:
    clock = FakeClock(utc(2025, 3, 12, 20, 30))  # 23:30 in Moscow, 03:30 in Vladivostok
    normal = await put(sm, user_id=None, chat_id=1, n=1, due_at=clock.now)
    urgent = await put(sm, user_id=None, chat_id=2, n=2, due_at=clock.now, urgent=True)
    far_east = await put(sm, user_id=None, chat_id=3, n=3, due_at=clock.now, tz="Asia/Vladivostok")
    yekb = await put(sm, user_id=None, chat_id=4, n=4, due_at=clock.now - timedelta(hours=1), tz="Asia/Yekaterinburg")
    assert normal and urgent and far_east and yekb
    sender = make_sender(bot, sm, translator, clock)

    assert await sender.tick() == 1
    assert tg.delivered == [(2, "Сообщение 2")]
    held = {r.id: r for r in await rows(sm)}
    assert held[normal.id].status == "pending" and held[normal.id].due_at == utc(2025, 3, 13, 5, 0)
    assert held[far_east.id].due_at == utc(2025, 3, 12, 22, 0)  # 08:00 UTC+10
    assert held[yekb.id].due_at == utc(2025, 3, 13, 3, 0)  # 08:00 UTC+5 (it is 01:30 there)
    assert all(r.claimed_by is None and r.attempts == 0 for r in held.values() if r.status == "pending")

    clock.now = utc(2025, 3, 12, 21, 59)
    assert await sender.tick() == 0
    clock.now = utc(2025, 3, 12, 22, 0)
    assert await sender.tick() == 1
    clock.now = utc(2025, 3, 13, 2, 59)
    assert await sender.tick() == 0
    clock.now = utc(2025, 3, 13, 3, 0)
    assert await sender.tick() == 1
    clock.now = utc(2025, 3, 13, 4, 59, 59)
    assert await sender.tick() == 0
    clock.now = utc(2025, 3, 13, 5, 0)
    assert await sender.tick() == 1
    assert [chat for chat, _ in tg.delivered] == [2, 3, 4, 1]


async def test_retry_after_pauses_everything_and_retries(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    first = await put(sm, user_id=None, chat_id=11, n=1, due_at=clock.now - timedelta(seconds=2))
    second = await put(sm, user_id=None, chat_id=12, n=2, due_at=clock.now)
    assert first and second
    tg.fail_next("sendMessage", 429, retry_after=1)
    sender = make_sender(bot, sm, translator, clock, concurrency=1)

    assert await sender.tick() == 0
    assert tg.count_429 == 1 and tg.delivered == []
    assert sender.paused_for() > 0.5
    r1, r2 = await row(sm, first.id), await row(sm, second.id)
    assert (r1.status, r1.attempts, r1.due_at) == ("pending", 0, clock.now + timedelta(seconds=1))
    assert (r2.status, r2.claimed_by) == ("pending", None)  # released, not sent during the pause

    clock.advance(seconds=1)
    assert await sender.tick() == 0  # still paused (real seconds)
    assert len(sent_requests(tg)) == 1
    await asyncio.sleep(sender.paused_for() + 0.05)
    assert await sender.tick() == 2
    assert sorted(tg.delivered) == [(11, "Сообщение 1"), (12, "Сообщение 2")]
    assert {(r.status, r.attempts) for r in await rows(sm)} == {("sent", 0)}


@pytest.mark.parametrize("how", ["blocked", "chat-not-found"])
async def test_unreachable_user_is_marked_and_never_messaged_again(
    how: str, sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator,
    clock: FakeClock,
) -> None:
    gone, fine = await add_users(sm, [2001, 2002])
    a = await put(sm, user_id=gone, chat_id=2001, n=1, due_at=clock.now - timedelta(seconds=1))
    later = await put(sm, user_id=gone, chat_id=2001, n=2, due_at=clock.now + timedelta(hours=1))
    b = await put(sm, user_id=fine, chat_id=2002, n=3, due_at=clock.now)
    assert a and later and b
    if how == "blocked":
        tg.block(2001)
    else:
        tg.fail_next("sendMessage", 400, "Bad Request: chat not found")
    sender = make_sender(bot, sm, translator, clock, concurrency=1, outbox_per_chat_interval=0.1)

    assert await sender.tick() == 1
    assert tg.delivered == [(2002, "Сообщение 3")]
    assert (await row(sm, a.id)).status == "failed" and (await row(sm, a.id)).last_error == "blocked"
    assert (await row(sm, later.id)).status == "pending"  # dropped only if it comes due while they block the bot
    async with sm() as s:
        assert (await s.get(User, gone)).unreachable_at == clock.now  # type: ignore[union-attr]
        assert (await s.get(User, fine)).unreachable_at is None  # type: ignore[union-attr]

    # New messages for the user are dropped without a request.
    newer = await put(sm, user_id=gone, chat_id=2001, n=4, due_at=clock.now)
    assert newer
    clock.advance(hours=2)
    requests_before = len(sent_requests(tg, 2001))
    assert await sender.tick() == 0
    clock.advance(seconds=1)  # one row a pass per chat
    assert await sender.tick() == 0
    assert len(sent_requests(tg, 2001)) == requests_before == 1
    for dropped in (newer, later):
        assert ((await row(sm, dropped.id)).status, (await row(sm, dropped.id)).last_error) == ("dropped", "blocked")


async def test_server_errors_retried_with_backoff_then_failed(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    doomed = await put(sm, user_id=None, chat_id=31, n=1, due_at=clock.now)
    assert doomed
    tg.fail_next("sendMessage", 500, times=3)
    sender = make_sender(bot, sm, translator, clock, outbox_max_attempts=3, outbox_per_chat_interval=0.1)

    assert await sender.tick() == 0
    r = await row(sm, doomed.id)
    assert (r.status, r.attempts, r.due_at) == ("pending", 1, clock.now + backoff(1))
    assert await sender.tick() == 0 and len(sent_requests(tg)) == 1  # not due yet
    clock.advance(seconds=backoff(1).total_seconds())
    assert await sender.tick() == 0
    r = await row(sm, doomed.id)
    assert (r.status, r.attempts, r.due_at) == ("pending", 2, clock.now + backoff(2))
    clock.advance(seconds=backoff(2).total_seconds())
    assert await sender.tick() == 0
    r = await row(sm, doomed.id)
    assert (r.status, r.attempts) == ("failed", 3)
    assert r.last_error is not None and "Internal Server Error" in r.last_error and len(r.last_error) <= 500
    assert "Сообщение" not in r.last_error
    clock.advance(hours=5)
    assert await sender.tick() == 0
    assert len(sent_requests(tg)) == 3 and tg.delivered == []

    # A transient error followed by success: sent on the retry.
    flaky = await put(sm, user_id=None, chat_id=32, n=2, due_at=clock.now)
    assert flaky
    tg.fail_next("sendMessage", 502)
    assert await sender.tick() == 0
    clock.advance(seconds=backoff(1).total_seconds())
    assert await sender.tick() == 1
    r = await row(sm, flaky.id)
    assert (r.status, r.attempts) == ("sent", 1)
    assert tg.delivered == [(32, "Сообщение 2")]


async def test_network_error_is_retried(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    flaky = await put(sm, user_id=None, chat_id=33, n=1, due_at=clock.now)
    assert flaky
    tg.fail_next("sendMessage", 0)  # connection dropped without an answer
    sender = make_sender(bot, sm, translator, clock, outbox_per_chat_interval=0.1)
    assert await sender.tick() == 0
    r = await row(sm, flaky.id)
    assert (r.status, r.attempts) == ("pending", 1)
    assert r.last_error is not None and r.last_error.startswith("TelegramNetworkError")
    clock.advance(seconds=backoff(1).total_seconds())
    assert await sender.tick() == 1


async def test_unblocking_brings_back_what_came_due_meanwhile(
    sm: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    """mark_reachable queues again the rows dropped or refused as 'blocked' since the person became
    unreachable: a kind with a relevance check whatever its age (the check decides when it is
    sent), another only if it was due within a day; nothing dropped for another reason or before."""
    [who] = await add_users(sm, [4001])
    blocked_at = clock.now
    register_relevance("test-checked", lambda session, r: asyncio.sleep(0, True))
    try:
        async with sm() as s, s.begin():
            assert await mark_unreachable(s, user_id=who, now=blocked_at)
            assert not await mark_unreachable(s, user_id=who, now=blocked_at + timedelta(hours=1))  # first kept
        made = {}
        for name, kind, status, error, due, claimed in (
            ("refused", "test", "failed", "blocked", blocked_at, blocked_at),  # the 403 itself
            ("checked_old", "test-checked", "dropped", "blocked", blocked_at - timedelta(days=5),
             blocked_at + timedelta(hours=1)),
            ("plain_fresh", "test", "dropped", "blocked", blocked_at + timedelta(hours=1),
             blocked_at + timedelta(hours=1)),
            ("plain_stale", "test", "dropped", "blocked", blocked_at - timedelta(days=3),
             blocked_at + timedelta(hours=1)),
            ("earlier_block", "test-checked", "dropped", "blocked", blocked_at, blocked_at - timedelta(days=1)),
            ("irrelevant", "test-checked", "dropped", "not relevant any more", blocked_at,
             blocked_at + timedelta(hours=1)),
            ("waiting", "test", "pending", None, blocked_at + timedelta(days=2), None),
        ):
            r = await put(sm, user_id=who, chat_id=4001, kind=kind, due_at=due)
            async with sm() as s, s.begin():
                await s.execute(update(OutboxMessage).where(OutboxMessage.id == r.id)
                                .values(status=status, last_error=error, claimed_at=claimed))
            made[name] = r.id
        now = blocked_at + timedelta(hours=2)
        async with sm() as s, s.begin():
            assert await mark_reachable(s, who, now) == 3
        async with sm() as s, s.begin():
            assert await mark_reachable(s, who, now) is None  # reachable already: nothing to do
            assert (await s.get(User, who)).unreachable_at is None  # type: ignore[union-attr]
    finally:
        unregister_relevance("test-checked")
    status = {r.id: r.status for r in await rows(sm)}
    assert {name for name, rid in made.items() if status[rid] == "pending"} == {
        "refused", "checked_old", "plain_fresh", "waiting"}
    back = await row(sm, made["checked_old"])
    assert back.last_error is None and back.claimed_at is None and back.due_at == blocked_at - timedelta(days=5)


async def test_pre_rendered_rows_in_order_edits_of_placeholders_and_no_text_kept(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    """A direct reply handed over as rendered: sent as written (buttons too), urgent, its text
    cleared once sent; a row ``after`` another waits while that one is put back by a 429; an edit
    of a placeholder (-row id) edits the message that row became, and one of a row never sent is
    dropped; a markup-only edit keeps the text."""
    who, other, away = await add_users(sm, [4101, 4102, 4103])
    tg.user(4101)
    clock.set(datetime(2025, 3, 12, 21, 0, tzinfo=UTC))  # midnight in Moscow: urgent rows ignore quiet hours
    async with sm() as s, s.begin():
        first = await enqueue(s, user_id=who, chat_id=4101, kind="reply", text="<b>Готово</b>: «как было»",
                              parse_mode="HTML", urgent=True, due_at=clock.now,
                              buttons=[[{"text": "Дальше", "callback_data": "go:1"}]])
        edit = await enqueue(s, user_id=who, chat_id=4101, kind="reply-edit", text="Готово, исправлено",
                             edit_message_id=-first.id, after=first.id, urgent=True, due_at=clock.now)
        keys = await enqueue(s, user_id=who, chat_id=4101, kind="reply-edit", text="", edit_message_id=-first.id,
                             markup_only=True, after=edit.id, urgent=True, due_at=clock.now,
                             buttons=[[{"text": "Назад", "callback_data": "go:0"}]])
        ghost = await enqueue(s, user_id=other, chat_id=4102, kind="reply", text="никогда", urgent=True,
                              due_at=clock.now + timedelta(days=1))
        orphan = await enqueue(s, user_id=other, chat_id=4102, kind="reply-edit", text="правка", urgent=True,
                               edit_message_id=-ghost.id, after=ghost.id, due_at=clock.now)
        blocked = await enqueue(s, user_id=away, chat_id=4103, kind="reply", text="потом", urgent=True,
                                due_at=clock.now)
        assert await mark_unreachable(s, user_id=away, now=clock.now)
    async with sm() as s, s.begin():  # the message it would edit is dropped
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == ghost.id).values(status="dropped"))
    skipped = [0.0]  # seconds the sender's monotonic clock is ahead of the real one
    sender = OutboxSender(bot, sm, sender_settings(outbox_per_chat_interval=0.1), translator, worker_id="w1",
                          clock=clock, concurrency=1, monotonic=lambda: time.monotonic() + skipped[0])
    tg.fail_next("sendMessage", 429, retry_after=5)
    await sender.tick()
    assert tg.count_429 == 1 and tg.delivered == []
    assert (await row(sm, edit.id)).status == "pending"  # waits for the row it follows
    for _ in range(6):  # the pause, then one a pass per chat
        clock.advance(seconds=6)
        skipped[0] += 6
        await sender.tick()
    sent = await row(sm, first.id)
    assert sent.status == "sent" and dict(sent.payload) == dict(CLEARED)
    message = tg.message(4101, sent.tg_message_id)
    assert message.text == "Готово, исправлено"
    assert [b.text for b in message.buttons] == ["Назад"]
    assert tg.delivered == [(4101, "Готово: «как было»")]  # one message; the rest edits of it
    assert [(await row(sm, r.id)).status for r in (edit, keys)] == ["sent", "sent"]
    assert dict((await row(sm, edit.id)).payload) == dict(CLEARED)
    gone = await row(sm, orphan.id)
    assert (gone.status, gone.last_error) == ("dropped", "the message to edit was never sent")
    assert dict(gone.payload) == dict(CLEARED)  # settled: no text kept
    held = await row(sm, blocked.id)  # except while it may come back (they blocked the bot)
    assert (held.status, held.last_error, held.payload["text"]) == ("dropped", "blocked", "потом")
    assert not tg.calls("editMessageText") or all(int(p["chat_id"]) == 4101 for p in tg.calls("editMessageText"))


def test_a_payload_has_a_key_or_a_rendered_text() -> None:
    assert build_payload(text="Готово", buttons=[[{"text": "Да", "callback_data": "y"}]]) == {
        "text": "Готово", "buttons": [[{"text": "Да", "callback_data": "y"}]]}
    for bad in (dict(), dict(key="k", text="t"), dict(text="t", buttons=[[{"text_key": "k", "callback_data": "y"}]]),
                dict(key="k", buttons=[[{"text": "Да", "callback_data": "y"}]]), dict(text="t", markup_only=True)):
        with pytest.raises(ValueError):
            build_payload(**bad)


async def test_irrelevant_and_unreachable_rows_are_dropped(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    alive, erased, no_tg, blocked = await add_users(sm, [3001, 3002, 3003, 3004])
    async with sm() as s, s.begin():
        await s.execute(update(User).where(User.id == erased).values(erased_at=clock.now))
        await s.execute(update(User).where(User.id == no_tg).values(tg_id=None))
        await s.execute(update(User).where(User.id == blocked).values(unreachable_at=clock.now))
    seen: list[int] = []

    async def only_even(session: AsyncSession, r: OutboxMessage) -> bool:
        seen.append(r.id)
        # The checker runs in a live session: it may query.
        assert await session.scalar(select(OutboxMessage.status).where(OutboxMessage.id == r.id)) == "claimed"
        return r.payload["args"]["n"] % 2 == 0

    register_relevance("test-checked", only_even)
    try:
        odd = await put(sm, user_id=alive, chat_id=3001, n=1, kind="test-checked", due_at=clock.now)
        even = await put(sm, user_id=None, chat_id=3005, n=2, kind="test-checked", due_at=clock.now)
        to_erased = await put(sm, user_id=erased, chat_id=3002, n=3, due_at=clock.now)
        to_no_tg = await put(sm, user_id=no_tg, chat_id=3003, n=4, due_at=clock.now)
        to_blocked = await put(sm, user_id=blocked, chat_id=3004, n=5, due_at=clock.now)
        assert odd and even and to_erased and to_no_tg and to_blocked
        sender = make_sender(bot, sm, translator, clock)
        assert await sender.tick() == 1
    finally:
        unregister_relevance("test-checked")
    assert tg.delivered == [(3005, "Сообщение 2")]
    assert sorted(seen) == sorted([odd.id, even.id])
    status = {r.id: (r.status, r.last_error) for r in await rows(sm)}
    assert status[odd.id] == ("dropped", "not relevant any more")
    assert status[even.id][0] == "sent"
    for dropped in (to_erased, to_no_tg):
        assert status[dropped.id] == ("dropped", "recipient erased")
    assert status[to_blocked.id] == ("dropped", "blocked")  # brought back if they unblock the bot
    assert [int(p["chat_id"]) for p in sent_requests(tg)] == [3005]


async def test_unrenderable_row_fails_once(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    broken = await put(sm, user_id=None, chat_id=42, n=1, due_at=clock.now)
    assert broken
    async with sm() as s, s.begin():
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == broken.id).values(payload={"args": {}}))
    sender = make_sender(bot, sm, translator, clock)
    assert await sender.tick() == 0
    r = await row(sm, broken.id)
    assert (r.status, r.last_error) == ("failed", "render: KeyError")
    assert sent_requests(tg) == []


async def test_dedupe_sends_once(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    sender = make_sender(bot, sm, translator, clock)
    assert await put(sm, user_id=None, chat_id=41, n=1, due_at=clock.now, dedupe_key="digest:41:2025-03-12")
    assert await put(sm, user_id=None, chat_id=41, n=1, due_at=clock.now, dedupe_key="digest:41:2025-03-12") is None
    assert await sender.tick() == 1
    # Also after the first one was sent.
    assert await put(sm, user_id=None, chat_id=41, n=1, due_at=clock.now, dedupe_key="digest:41:2025-03-12") is None
    clock.advance(minutes=1)
    assert await sender.tick() == 0
    assert tg.delivered == [(41, "Сообщение 1")]


async def test_per_chat_pacing_defers_without_blocking_others(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    for n in range(4):
        await put(sm, user_id=None, chat_id=51, n=n, due_at=clock.now - timedelta(seconds=10 - n))
    await put(sm, user_id=None, chat_id=52, n=9, due_at=clock.now)
    interval = 0.4
    sender = make_sender(bot, sm, translator, clock, outbox_per_chat_interval=interval)

    assert await sender.tick() == 2
    assert sorted(tg.delivered) == [(51, "Сообщение 0"), (52, "Сообщение 9")]
    waiting = [r for r in await rows(sm) if r.status == "pending"]
    assert [r.due_at for r in waiting] == [clock.now + timedelta(seconds=interval * k) for k in (1, 2, 3)]
    assert all(r.claimed_by is None for r in waiting)

    # Each later pass sends the next one, never faster than one per interval (real time).
    for _ in range(3):
        clock.advance(seconds=interval)
        assert await sender.tick() == 1
    times = [rec["time"] for rec in tg.delivered_log if rec["chat_id"] == 51]
    assert len(times) == 4
    assert all(b - a >= interval - 0.02 for a, b in zip(times, times[1:], strict=False))
    assert [text for chat, text in tg.delivered if chat == 51] == [f"Сообщение {n}" for n in range(4)]


async def test_global_rate_is_respected(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    for n in range(40):
        await put(sm, user_id=None, chat_id=6000 + n, n=n, due_at=clock.now)
    sender = make_sender(bot, sm, translator, clock, outbox_rate_per_second=40.0)
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await sender.tick() == 40
    elapsed = loop.time() - started
    # One token at a time (no burst) at 40/s: 40 messages take about 1 s; at least 0.75 s.
    assert elapsed >= 0.75
    # Token bucket bound: any k consecutive deliveries span at least (k - burst) / rate seconds,
    # give or take the requests in flight (a token taken early may arrive late, with later ones).
    burst, rate, slack = sender.limiter.burst, sender.limiter.rate, sender.concurrency
    times = sorted(rec["time"] for rec in tg.delivered_log)
    for i in range(len(times)):
        for j in range(i + 1, len(times)):
            assert (j - i + 1) <= burst + rate * (times[j] - times[i]) + slack


async def test_stale_leases_recovered_and_sending_rows_marked_unknown(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    claimed = await put(sm, user_id=None, chat_id=71, n=1, due_at=clock.now)
    sending = await put(sm, user_id=None, chat_id=72, n=2, due_at=clock.now)
    fresh = await put(sm, user_id=None, chat_id=73, n=3, due_at=clock.now)
    assert claimed and sending and fresh
    old = clock.now - timedelta(seconds=61)
    async with sm() as s, s.begin():
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == claimed.id)
                        .values(status="claimed", claimed_by="dead", claimed_at=old))
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == sending.id)
                        .values(status="sending", claimed_by="dead", claimed_at=old))
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == fresh.id)
                        .values(status="claimed", claimed_by="alive", claimed_at=clock.now - timedelta(seconds=30)))
    sender = make_sender(bot, sm, translator, clock, outbox_lease_seconds=60)
    with caplog.at_level("WARNING", logger="bot.outbox"):
        assert await sender.tick() == 1
    assert tg.delivered == [(71, "Сообщение 1")]
    status = {r.id: r.status for r in await rows(sm)}
    assert status == {claimed.id: "sent", sending.id: "unknown", fresh.id: "claimed"}
    assert any(str(sending.id) in rec.getMessage() and "unknown" in rec.getMessage() for rec in caplog.records)
    assert all("Сообщение" not in rec.getMessage() for rec in caplog.records)

    # The live worker's lease also expires eventually.
    clock.advance(seconds=31)
    assert await sender.tick() == 1
    assert (await row(sm, fresh.id)).status == "sent"
    assert (await row(sm, sending.id)).status == "unknown"


async def test_rows_lost_in_flight_are_sent_again_or_reported_to_the_administrators(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Expired 'sending' rows: a harmless kind goes back to the queue once more; the others become
    'unknown' and each administrator gets one report of them all, in their language, with names
    read when it is sent; rows this worker has in flight itself are left alone."""
    from db.models import CuratorRole, Participant
    from domain.units import create_unit

    real = Translator()
    async with sm() as s, s.begin():
        region = await create_unit(s, "region", "Рязанская область")
        town = await create_unit(s, "municipality", "г. Рязань", region)
        school = await create_unit(s, "organisation", "Школа № 1", town, org_type="school")
        curator = User(tg_id=5001, locale="ru", full_name="Петров Пётр Ильич")
        pupil = User(tg_id=5002, locale="ru")  # the name lives on the participant
        gone = User(tg_id=None, locale="ru", erased_at=clock.now)
        english_admin = User(tg_id=5102, locale="en")
        s.add_all([curator, pupil, gone, english_admin])
        await s.flush()
        s.add(CuratorRole(user_id=curator.id, unit_id=town.id))
        s.add(Participant(user_id=pupil.id, org_id=school.id, role="mentee", category="school_student", grade=8,
                          birth_year=2011, full_name="Иванова Мария", status="active"))
        s.add(Participant(user_id=curator.id, org_id=school.id, role="mentor", category="teacher",
                          birth_year=1980, full_name="Петров Пётр Ильич", status="active"))
        ids = (curator.id, pupil.id, gone.id)
    digest_args = {"unit": "г. Рязань", "total": 1, "mentors": 0, "mentees": 1, "awaiting": 0}
    again = await put(sm, user_id=ids[0], chat_id=5001, kind="digest", key="digest-new-registrations",
                      args=digest_args, due_at=clock.now)
    notice = await put(sm, user_id=ids[1], chat_id=5002, kind="consent-confirmed", key="consent-confirmed-notice",
                       args={}, due_at=clock.now)
    started = await put(sm, user_id=ids[0], chat_id=5001, kind="pair-active", key="k", args={}, due_at=clock.now)
    worn = await put(sm, user_id=ids[0], chat_id=5001, kind="digest", key="k", args={}, due_at=clock.now)
    erased = await put(sm, user_id=ids[2], chat_id=5003, kind="pair-card", key="k", args={}, due_at=clock.now)
    mine = await put(sm, user_id=ids[1], chat_id=5002, kind="pair-card", key="k", args={}, due_at=clock.now)
    rows_ = [again, notice, started, worn, erased, mine]
    assert all(rows_)
    old = clock.now - timedelta(seconds=61)
    async with sm() as s, s.begin():
        for r in rows_:
            await s.execute(update(OutboxMessage).where(OutboxMessage.id == r.id)
                            .values(status="sending", claimed_by="dead", claimed_at=old))
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == worn.id).values(attempts=2))
    sender = OutboxSender(bot, sm, sender_settings(outbox_lease_seconds=60, admin_ids=[5101, 5102]), real,
                          worker_id="w1", clock=clock)
    sender._in_flight.add(mine.id)  # noqa: SLF001 - as if this worker were sending it right now
    with caplog.at_level("INFO"):
        assert await sender.tick() == 3  # the digest again, and one report to each administrator

    status = {r.id: (r.status, r.attempts) for r in await rows(sm)}
    assert status[again.id] == ("sent", 1)
    assert {status[r.id][0] for r in (notice, started, worn, erased)} == {"unknown"}
    assert status[mine.id] == ("sending", 0)
    assert (5001, real.get("ru", "digest-new-registrations", **digest_args)) in tg.delivered
    assert [chat for chat, _ in tg.delivered].count(5002) == 0  # the notice is never sent twice

    def report(lang: str) -> str:
        t = real.bind(lang)
        line = lambda kind, who: t("outbox-unconfirmed-line", what=t(f"outbox-kind-{kind}"), who=who)  # noqa: E731
        petrov = t("outbox-who", name="Петров Пётр Ильич",
                   roles="; ".join([t("outbox-role-mentor", org="Школа № 1"), t("outbox-role-curator", unit="г. Рязань")]))
        return "\n".join([t("outbox-unconfirmed", count=4), "",
                           line("consent-confirmed", t("outbox-who", name="Иванова Мария",
                                                       roles=t("outbox-role-mentee", org="Школа № 1"))),
                           line("pair-active", petrov), line("digest", petrov),
                           line("pair-card", t("outbox-who-erased"))])

    assert (5101, report("ru")) in tg.delivered and (5102, report("en")) in tg.delivered
    assert [chat for chat, _ in tg.delivered].count(5101) == 1
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert str(again.id) in messages and str(notice.id) in messages
    assert "Иванова" not in messages and "Петров" not in messages  # ids only in the logs

    # A later pass settles nothing more and reports nothing again.
    clock.advance(seconds=1)
    assert await sender.tick() == 0
    assert len(tg.delivered) == 3


async def test_a_long_report_is_cut_to_one_message(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, clock: FakeClock
) -> None:
    from domain.unconfirmed import LINE_MAX, MAX_LINES

    real = Translator()
    long_name = ("Константинопольская-Ивановская Анастасия-Мария " * 3)[:150]
    async with sm() as s, s.begin():
        users = [User(tg_id=6000 + n, locale="ru", full_name=long_name) for n in range(MAX_LINES + 5)]
        s.add_all(users)
        await s.flush()
        user_ids = [u.id for u in users]
    old = clock.now - timedelta(seconds=61)
    for n, uid in enumerate(user_ids):
        r = await put(sm, user_id=uid, chat_id=6000 + n, kind="pair-card", key="k", args={}, due_at=clock.now)
        async with sm() as s, s.begin():
            await s.execute(update(OutboxMessage).where(OutboxMessage.id == r.id)
                            .values(status="sending", claimed_by="dead", claimed_at=old))
    sender = OutboxSender(bot, sm, sender_settings(outbox_lease_seconds=60, admin_ids=[5101]), real,
                          worker_id="w1", clock=clock)
    assert await sender.tick() == 1
    [(chat, text)] = tg.delivered
    lines = text.split("\n")
    assert lines[0] == real.get("ru", "outbox-unconfirmed", count=MAX_LINES + 5)
    assert len(lines) == 2 + MAX_LINES + 1 and all(len(line) <= LINE_MAX for line in lines[2:])
    assert lines[-1] == real.get("ru", "outbox-unconfirmed-more", count=5)
    assert len(text) <= 4096


async def test_lost_lease_is_not_sent(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    """A row taken over by another worker after this one's lease expired is not sent by it."""
    r = await put(sm, user_id=None, chat_id=81, n=1, due_at=clock.now)
    assert r
    tg.hold_responses("sendMessage")
    blocker = await put(sm, user_id=None, chat_id=80, n=0, due_at=clock.now - timedelta(seconds=1))
    assert blocker
    sender = make_sender(bot, sm, translator, clock, concurrency=1)
    task = asyncio.create_task(sender.tick())
    await tg.wait_held(1)  # the first row is in flight, the second waits its turn (claimed)
    async with sm() as s, s.begin():
        await s.execute(update(OutboxMessage).where(OutboxMessage.id == r.id)
                        .values(claimed_by="thief", claimed_at=clock.now))
    tg.release()
    assert await task == 1
    assert tg.delivered == [(80, "Сообщение 0")]
    assert (await row(sm, r.id)).status == "claimed"


async def test_close_cancels_a_stuck_pass_and_hands_back_the_claims(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    """Shutdown with a pass that does not finish in time: the pass is cancelled and allowed to
    unwind before the claims are handed back (on SQLite the pool has one connection), the rows it
    had only claimed go back to pending, and close() itself never fails the shutdown."""
    held = await put(sm, user_id=None, chat_id=90, n=0, due_at=clock.now - timedelta(seconds=1))
    waiting = await put(sm, user_id=None, chat_id=91, n=1, due_at=clock.now)
    assert held and waiting
    tg.hold_responses("sendMessage")
    sender = make_sender(bot, sm, translator, clock, concurrency=1)
    task = asyncio.create_task(sender._scheduled_tick())  # noqa: SLF001 - the scheduler's entry point
    await tg.wait_held(1)
    await sender.close(timeout=0.2)
    assert task.done()
    assert (await row(sm, waiting.id)).status == "pending"  # handed back, sent by the next process
    assert (await row(sm, held.id)).status == "sending"  # its fate is unknown: never sent twice
    tg.release()
    assert [d.chat_id for d in tg.delivered] == [90]  # the request had left; the other row never did


async def test_install_adds_a_safe_interval_job(translator: Translator) -> None:
    scheduler = AsyncIOScheduler(timezone="UTC")
    bot = make_bot("http://127.0.0.1:9")
    sender = OutboxSender(bot, async_sessionmaker(), sender_settings(outbox_tick_seconds=2.5), translator)
    sender.install(scheduler)
    sender.install(scheduler)  # replaces, does not duplicate
    scheduler.start(paused=True)
    try:
        (job,) = scheduler.get_jobs()
        assert job.id == JOB_ID
        assert job.trigger.interval == timedelta(seconds=2.5)
        assert job.max_instances == 1 and job.coalesce is True and job.misfire_grace_time is None
    finally:
        scheduler.shutdown(wait=False)
        await bot.session.close()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_concurrent_senders_never_double_send(
    db_url: str, tg: FakeTelegram, translator: Translator, clock: FakeClock
) -> None:
    """Two senders (separate engines, as two processes would have) drain 300 rows together."""
    engines = [create_engine_and_sessionmaker(db_url) for _ in range(2)]
    bots = [make_bot(tg.base_url) for _ in range(2)]
    try:
        sm0 = engines[0][1]
        async with sm0() as s, s.begin():
            for n in range(300):
                await enqueue(s, user_id=None, chat_id=100_000 + n, kind="test", key="outbox-test-plain",
                              args={"n": n}, due_at=clock.now)
        senders = [
            make_sender(bots[i], engines[i][1], translator, clock, worker_id=f"w{i}",
                        outbox_rate_per_second=2000.0, outbox_batch=40, concurrency=8)
            for i in range(2)
        ]
        counts = [0, 0]

        async def drain(i: int) -> None:
            idle = 0
            while idle < 3:
                sent = await senders[i].tick()
                counts[i] += sent
                idle = idle + 1 if sent == 0 else 0

        await asyncio.wait_for(asyncio.gather(drain(0), drain(1)), timeout=60)
        assert sum(counts) == 300 and min(counts) > 0, counts
        assert tg.duplicates() == {}
        assert sorted(chat for chat, _ in tg.delivered) == [100_000 + n for n in range(300)]
        assert len(sent_requests(tg)) == 300
        final = await rows(sm0)
        assert {r.status for r in final} == {"sent"}
        assert {r.claimed_by for r in final} == {"w0", "w1"}
    finally:
        for b in bots:
            await b.session.close()
        for engine, _ in engines:
            await engine.dispose()


async def test_sliding_window_caps_any_period_and_spaces_events() -> None:
    """The guard checked as each request leaves: never more than ``limit`` events in any period,
    never two closer than ``min_gap`` — even when every caller arrives at once."""
    from domain.outbox import SlidingWindow

    now = [0.0]

    async def fake_sleep(seconds: float) -> None:
        now[0] += max(seconds, 1e-6)  # a real clock always moves; a float sum may not

    window = SlidingWindow(29, period=1.0, min_gap=0.01, clock=lambda: now[0], sleep=fake_sleep)
    times = []
    for _ in range(100):  # a bunched-up backlog: all want to leave "now"
        await window.acquire()
        times.append(now[0])
    assert all(b - a >= 0.01 - 1e-9 for a, b in zip(times, times[1:]))
    for i, start in enumerate(times):
        in_period = [t for t in times[i:] if t < start + 1.0]
        assert len(in_period) <= 29
    with pytest.raises(ValueError):
        SlidingWindow(0)


async def test_an_edit_row_replaces_an_earlier_message_and_a_gone_one_fails_at_once(
    sm: async_sessionmaker[AsyncSession], tg: FakeTelegram, bot: Bot, translator: Translator, clock: FakeClock
) -> None:
    (uid,) = await add_users(sm, [1001], "en")
    first = await put(sm, user_id=uid, chat_id=1001, n=1, due_at=clock.now,
                      buttons=[[{"text_key": "outbox-test-open", "callback_data": "open:1"}]])
    sender = make_sender(bot, sm, translator, clock)
    assert await sender.tick() == 1
    message_id = (await row(sm, first.id)).tg_message_id
    clock.advance(seconds=5)
    edit = await put(sm, user_id=uid, chat_id=1001, n=2, due_at=clock.now, edit_message_id=message_id)
    gone = await put(sm, user_id=uid, chat_id=1001, n=3, due_at=clock.now + timedelta(seconds=5),
                     edit_message_id=999_999)
    assert edit.payload["edit_message_id"] == message_id
    assert await sender.tick() == 1
    (message,) = tg.messages(1001)  # the same message, its text replaced and its buttons gone
    assert (message.message_id, message.text, message.buttons) == (message_id, "Message 2", [])
    assert (await row(sm, edit.id)).status == "sent" and (await row(sm, edit.id)).tg_message_id == message_id
    clock.advance(seconds=10)
    assert await sender.tick() == 0  # Telegram refuses an edit of a message that is not there: no retries
    failed = await row(sm, gone.id)
    assert (failed.status, failed.last_error, failed.attempts) == ("failed", "edit refused", 0)
    assert len(tg.messages(1001)) == 1
