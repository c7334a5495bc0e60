"""The retry policy of direct replies (bot.middlewares.RetryDirectReplies) with a real aiogram Bot
against the Bot API stand-in: what is retried, after how long, how often, and what never is.
The waits go to a recording fake ``sleep``; the end-to-end behaviour is in test_e2e_transport.py."""
from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter
from aiogram.methods import GetUpdates

from bot.middlewares import CommitBeforeRequest, RetryDirectReplies, replying
from tests.telegram_stub import FakeTelegram

CHAT = 42


class Sleeps(list):
    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


def make_bot(base_url: str, sleeps: Sleeps, **kw: float) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(base_url))
    session.middleware(CommitBeforeRequest())
    session.middleware(RetryDirectReplies(sleep=sleeps, **kw))
    return Bot("1000:TEST-stub-token", session=session)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
async def bot(tg: FakeTelegram, sleeps: Sleeps) -> AsyncIterator[Bot]:
    tg.user(CHAT)
    b = make_bot(tg.base_url, sleeps, attempts=4, max_wait=20)
    yield b
    await b.session.close()


def sends(tg: FakeTelegram) -> int:
    return len(tg.calls("sendMessage"))


async def test_only_replies_are_retried(tg: FakeTelegram, bot: Bot, sleeps: Sleeps) -> None:
    tg.fail_next("sendMessage", 429, retry_after=1)
    with pytest.raises(TelegramRetryAfter):  # outside an update: the outbox's own policy applies
        await bot.send_message(CHAT, "queued")
    with replying(), pytest.raises(TelegramRetryAfter):
        with replying(False):
            tg.fail_next("sendMessage", 429, retry_after=1)
            await bot.send_message(CHAT, "the sender inside a reply's task")
    assert sends(tg) == 2 and sleeps == [] and tg.delivered == []

    tg.fail_next("getUpdates", 502)
    with replying(), pytest.raises(Exception):
        await bot(GetUpdates(timeout=0))  # the polling loop has its own backoff
    assert sleeps == []


async def test_429_waits_retry_after_within_the_bounds(tg: FakeTelegram, bot: Bot, sleeps: Sleeps) -> None:
    tg.fail_next("sendMessage", 429, retry_after=2, times=2)
    with replying():
        message = await bot.send_message(CHAT, "hello")
    assert message.text == "hello" and sleeps == [2.0, 2.0] and sends(tg) == 3
    assert tg.delivered == [(CHAT, "hello")]

    sleeps.clear()
    tg.fail_next("sendMessage", 429, retry_after=1, times=4)
    with replying(), pytest.raises(TelegramRetryAfter):
        await bot.send_message(CHAT, "never")
    assert sleeps == [1.0, 1.0, 1.0] and sends(tg) == 3 + 4  # four tries in all

    sleeps.clear()
    tg.fail_next("sendMessage", 429, retry_after=30, times=1)  # more than the 20 s allowed in all
    with replying(), pytest.raises(TelegramRetryAfter):
        await bot.send_message(CHAT, "too long to wait")
    assert sleeps == [] and sends(tg) == 8
    tg.fail_next("sendMessage", 429, retry_after=8, times=3)  # 8 + 8, then 8 more would pass 20
    with replying(), pytest.raises(TelegramRetryAfter):
        await bot.send_message(CHAT, "too long in all")
    assert sleeps == [8.0, 8.0] and sends(tg) == 11
    assert tg.delivered == [(CHAT, "hello")]


async def test_5xx_is_retried_with_backoff(tg: FakeTelegram, bot: Bot, sleeps: Sleeps) -> None:
    tg.fail_next("sendMessage", 502, times=2)
    with replying():
        await bot.send_message(CHAT, "through the gateway")
    assert sleeps == [0.5, 1.0] and tg.delivered == [(CHAT, "through the gateway")]


async def test_a_send_that_may_have_arrived_is_never_repeated(tg: FakeTelegram, bot: Bot, sleeps: Sleeps) -> None:
    for after_delivery in (False, True):  # the client cannot tell these apart: both may have arrived
        tg.fail_next("sendMessage", 0, after_delivery=after_delivery)
        with replying(), pytest.raises(TelegramNetworkError):
            await bot.send_message(CHAT, f"dropped {after_delivery}")
    assert sends(tg) == 2 and sleeps == []
    assert tg.delivered == [(CHAT, "dropped True")]


async def test_idempotent_calls_are_retried_after_a_dropped_answer(tg: FakeTelegram, bot: Bot,
                                                                   sleeps: Sleeps) -> None:
    with replying():
        sent = await bot.send_message(CHAT, "before")
        tg.fail_next("editMessageText", 0)  # dropped before Telegram did it: the retry does it
        await bot.edit_message_text("after", chat_id=CHAT, message_id=sent.message_id)
        assert tg.message(CHAT, sent.message_id).text == "after"
        tg.fail_next("editMessageText", 0, after_delivery=True)  # done, answer lost: "not modified"
        edited = await bot.edit_message_text("again", chat_id=CHAT, message_id=sent.message_id)
        assert (edited.message_id, edited.chat.id, edited.text) == (sent.message_id, CHAT, "again")  # done
        assert tg.message(CHAT, sent.message_id).text == "again"
        assert len(tg.calls("editMessageText")) == 4
        with pytest.raises(TelegramBadRequest, match="not modified"):  # a first attempt's answer stands
            await bot.edit_message_text("again", chat_id=CHAT, message_id=sent.message_id)

        user = tg.user(CHAT)
        await user.press_data(sent.message_id, "x")
        tg.fail_next("answerCallbackQuery", 0, after_delivery=True)  # answered, answer lost
        assert await bot.answer_callback_query(user.last_callback_id, text="ok") is True
        assert len(tg.calls("answerCallbackQuery")) == 2
        assert tg.callback_answers[user.last_callback_id]["text"] == "ok"
    assert sleeps == [0.5, 0.5, 0.5]


async def test_a_request_that_never_left_is_retried_even_for_a_send(sleeps: Sleeps) -> None:
    with socket.socket() as probe:  # a port nobody listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = make_bot(f"http://127.0.0.1:{port}", sleeps, attempts=3, max_wait=20)
    try:
        with replying(), pytest.raises(TelegramNetworkError):
            await bot.send_message(CHAT, "nobody home")
    finally:
        await bot.session.close()
    assert sleeps == [0.5, 1.0]  # three tries


async def test_a_late_callback_answer_never_fails_the_action(tg: FakeTelegram, bot: Bot, sleeps: Sleeps) -> None:
    """After a wait, the query may have expired ("query is too old"): taken as answered, on any
    retry. A callback answer that runs out of attempts is given up without an error. A first
    attempt's "too old" is an answer like any other."""
    user = tg.user(CHAT)
    with replying():
        sent = await bot.send_message(CHAT, "menu")
        await user.press_data(sent.message_id, "x")
        tg.fail_next("answerCallbackQuery", 429, retry_after=1)
        tg.fail_next("answerCallbackQuery", 400, description="Bad Request: query is too old and response timeout "
                                                             "expired or query ID is invalid")
        assert await bot.answer_callback_query(user.last_callback_id) is True
        assert sleeps == [1.0]

        await user.press_data(sent.message_id, "y")
        tg.fail_next("answerCallbackQuery", 429, retry_after=60)  # longer than a reply may wait
        assert await bot.answer_callback_query(user.last_callback_id, text="done") is True
        assert sleeps == [1.0] and user.last_callback_id not in tg.callback_answers

        tg.fail_next("answerCallbackQuery", 400, description="Bad Request: query is too old and response timeout "
                                                             "expired or query ID is invalid")
        with pytest.raises(TelegramBadRequest, match="too old"):
            await bot.answer_callback_query(user.last_callback_id)
