"""Tests of the fake Telegram Bot API (tests/telegram_stub) with a real aiogram Bot."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
import pytest_asyncio
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MenuButtonCommands,
    Message,
)

from tests.telegram_stub import FakeTelegram, FakeUser, SentMessage

pytestmark = pytest.mark.asyncio

ROOT = Path(__file__).resolve().parent.parent


def keyboard(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    """One button per row; values starting with http are URL buttons."""
    rows = []
    for text, value in buttons:
        if value.startswith("http"):
            rows.append([InlineKeyboardButton(text=text, url=value)])
        else:
            rows.append([InlineKeyboardButton(text=text, callback_data=value)])
    return InlineKeyboardMarkup(inline_keyboard=rows)


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:
        yield server
    assert server.internal_errors == []


@pytest_asyncio.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    bot = Bot(
        "1000:TEST-token",
        session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)),
    )
    yield bot
    await bot.session.close()


# --------------------------------------------------------------------------------------------
# basic methods
# --------------------------------------------------------------------------------------------
async def test_get_me_and_lifecycle_methods(tg: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (1000, "mentor_test_bot", True)
    assert await bot.delete_webhook(drop_pending_updates=True) is True
    assert await bot.set_chat_menu_button(menu_button=MenuButtonCommands()) is True
    assert tg.menu_buttons[None] == {"type": "commands"}
    assert await bot.log_out() is True
    assert [r.method for r in tg.requests] == [
        "getMe",
        "deleteWebhook",
        "setChatMenuButton",
        "logOut",
    ]
    assert tg.requests[1].params == {"drop_pending_updates": True}


async def test_bot_id_follows_token_unless_given() -> None:
    async with FakeTelegram() as tg:
        bot = tg.create_bot("123456789:" + "A" * 35)
        try:
            assert (await bot.get_me()).id == 123456789 == bot.id
            assert (await bot.send_message(1, "x")).from_user.id == bot.id
        finally:
            await bot.session.close()
    async with FakeTelegram(bot_id=555, bot_username="other_bot") as tg:
        bot = tg.create_bot("123456789:" + "A" * 35)
        try:
            assert (await bot.get_me()).id == 555 and tg.bot_user["username"] == "other_bot"
        finally:
            await bot.session.close()


async def test_send_message_with_inline_keyboard(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    sent = await bot.send_message(
        42, "Pick one", reply_markup=keyboard(("Yes ✅", "yes"), ("Site", "https://example.com"))
    )
    assert isinstance(sent, Message)
    assert sent.message_id == 1 and sent.chat.id == 42 and sent.from_user.id == 1000
    assert sent.reply_markup.inline_keyboard[0][0].callback_data == "yes"

    msg = await user.wait_message()
    assert isinstance(msg, SentMessage)
    assert msg.text == "Pick one"
    assert msg.buttons == [("Yes ✅", "yes"), ("Site", "https://example.com")]
    assert msg.button("Yes").value == "yes"
    with pytest.raises(AssertionError, match="Available buttons"):
        msg.button("Nope")
    assert user.last is not None and user.last.message_id == 1
    assert tg.delivered == [(42, "Pick one")]
    params = tg.calls("sendMessage")[0]
    assert params["chat_id"] == 42
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "yes"

    # message ids increase per chat, shared with the user's own messages
    await user.send("hello")
    second = await bot.send_message(42, "again")
    assert second.message_id == 3
    other = await bot.send_message(7, "other chat")
    assert other.message_id == 1


async def test_html_parse_mode_and_validation(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(5)
    await bot.send_message(5, "<b>Bold</b> &amp; <i>it</i>", parse_mode="HTML")
    msg = await user.wait_message()
    assert msg.text == "Bold & it"
    assert msg.raw_text == "<b>Bold</b> &amp; <i>it</i>"

    with pytest.raises(TelegramBadRequest, match="can't parse entities: Unsupported start tag"):
        await bot.send_message(5, "1 < 2 <oops>", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="Can't find end tag"):
        await bot.send_message(5, "<b>open", parse_mode="HTML")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(5, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(5, "kb", reply_markup=keyboard(("Long", "d" * 65)))
    assert len(tg.delivered) == 1
    assert [e.error_code for e in tg.errors] == [400, 400, 400, 400]


async def test_edit_message_text_and_markup(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    sent = await bot.send_message(42, "Question?", reply_markup=keyboard(("A", "a"), ("B", "b")))
    first = await user.wait_message()

    edited = await bot.edit_message_text(
        "Answered",
        chat_id=42,
        message_id=sent.message_id,
        reply_markup=keyboard(("Again", "again")),
    )
    assert isinstance(edited, Message) and edited.text == "Answered"
    snapshot = await user.wait_message()
    assert snapshot.edited and snapshot.text == "Answered"
    assert snapshot.buttons == [("Again", "again")]
    assert first.text == "Question?"  # snapshots do not change

    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text(
            "Answered",
            chat_id=42,
            message_id=sent.message_id,
            reply_markup=keyboard(("Again", "again")),
        )

    await bot.edit_message_reply_markup(chat_id=42, message_id=sent.message_id, reply_markup=None)
    current = user.messages[0]
    assert current.buttons == [] and current.text == "Answered"
    assert [h.text for h in current.history] == ["Question?", "Answered"]
    assert tg.delivered == [(42, "Question?")]  # edits are not deliveries

    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("x", chat_id=42, message_id=999)
    assert await bot.delete_message(42, sent.message_id) is True
    assert user.messages[0].deleted and user.last is None
    with pytest.raises(TelegramBadRequest, match="message to delete not found"):
        await bot.delete_message(42, sent.message_id)


async def test_press_button_and_answer_callback_query(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42, username="alice")
    await bot.send_message(
        42, "Menu", reply_markup=keyboard(("Lesson 1", "l1"), ("Lesson 10", "l10"))
    )
    query_id = await user.press("Lesson 1")
    updates = await bot.get_updates(timeout=0)
    assert len(updates) == 1
    query = updates[0].callback_query
    assert isinstance(query, CallbackQuery)
    assert query.id == query_id and query.data == "l1" and query.from_user.username == "alice"
    assert query.message.message_id == 1 and query.message.text == "Menu"

    assert await bot.answer_callback_query(query.id, text="Done", show_alert=True) is True
    answer = await user.wait_callback_answer()
    assert answer["text"] == "Done" and answer["show_alert"] is True
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query(query.id)  # answering twice

    with pytest.raises(AssertionError, match="Available buttons"):
        await user.press("Lesson 2")
    with pytest.raises(AssertionError, match="ambiguous"):
        await user.press("Lesson")
    await user.press(user.last, "Lesson 10")
    await user.press_data(user.last, "forged:data")
    updates = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert [u.callback_query.data for u in updates] == ["l10", "forged:data"]


async def test_get_updates_long_polling(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await tg.wait_requests("getUpdates")
    await asyncio.sleep(0.1)
    assert not poll.done()
    await user.send("/start payload")
    updates = await asyncio.wait_for(poll, 2)
    assert time.monotonic() - started < 2
    assert len(updates) == 1
    message = updates[0].message
    assert message.text == "/start payload" and message.from_user.language_code == "ru"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == 6

    # not confirmed yet -> delivered again; confirmed with offset -> forgotten
    again = await bot.get_updates(timeout=0)
    assert [u.update_id for u in again] == [updates[0].update_id]
    empty = await bot.get_updates(offset=updates[0].update_id + 1, timeout=1)
    assert empty == [] and tg.pending_updates == []

    # allowed_updates filters update types, like Telegram
    await user.send("hi")
    await bot.send_message(42, "kb", reply_markup=keyboard(("b", "b")))
    await user.press("b")
    updates = await bot.get_updates(timeout=0, allowed_updates=["callback_query"])
    assert [u.callback_query is not None for u in updates] == [True]


async def test_malformed_updates_are_served_as_given(tg: FakeTelegram, bot: Bot) -> None:
    """inject_malformed_update queues a message aiogram cannot read; send_nowait batches."""
    from aiogram.exceptions import ClientDecodeError
    from aiogram.types import Update
    from pydantic import ValidationError

    user = tg.user(42)
    bad_chat = tg.inject_malformed_update(42, text="secret")
    bad_date = tg.inject_malformed_update(43, shape="no-date")
    user.send_nowait("/help")
    user.send_nowait("/start")
    with pytest.raises(ValueError):
        tg.inject_malformed_update(42, shape="nonsense")

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{tg.base_url}/bot{tg.token}/getUpdates", json={"timeout": 0}) as resp:
            raw = (await resp.json())["result"]
    assert [u["update_id"] for u in raw] == [bad_chat, bad_date, bad_date + 1, bad_date + 2]
    assert raw[0]["message"]["chat"] == "private chat 42" and raw[0]["message"]["text"] == "secret"
    assert "date" not in raw[1]["message"] and raw[1]["message"]["chat"]["id"] == 43
    for item in raw[:2]:
        with pytest.raises(ValidationError):
            Update.model_validate(item)
    assert [Update.model_validate(item).message.text for item in raw[2:]] == ["/help", "/start"]
    # aiogram's own getUpdates fails on the whole batch: what stalls a polling bot
    with pytest.raises(ClientDecodeError):
        await bot.get_updates(timeout=0)


async def test_rate_limit_per_chat_raises_retry_after() -> None:
    async with FakeTelegram(rate_limits=True, global_per_second=30, per_chat_per_second=1) as tg:
        bot = tg.create_bot()
        try:
            await bot.send_message(1, "first")
            with pytest.raises(TelegramRetryAfter) as info:
                await bot.send_message(1, "second")
            assert info.value.retry_after == 1
            assert tg.count_429 == 1
            assert tg.delivered == [(1, "first")]
            await bot.send_message(2, "other chat is fine")
            await asyncio.sleep(1.05)
            await bot.send_message(1, "second")
            assert [t for _, t in tg.delivered] == ["first", "other chat is fine", "second"]
        finally:
            await bot.session.close()


async def test_rate_limit_global_window() -> None:
    async with FakeTelegram(rate_limits=True, global_per_second=3, per_chat_per_second=10) as tg:
        bot = tg.create_bot()
        try:
            for chat_id in (1, 2, 3):
                await bot.send_message(chat_id, "x")
            with pytest.raises(TelegramRetryAfter) as info:
                await bot.send_message(4, "x")
            assert info.value.retry_after >= 1
            assert len(tg.delivered) == 3 and tg.count_429 == 1
        finally:
            await bot.session.close()


async def test_blocked_user_gets_forbidden(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    await bot.send_message(42, "before")
    user.block()
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(42, "while blocked")
    with pytest.raises(TelegramForbiddenError):
        await bot.edit_message_text("edit", chat_id=42, message_id=1)
    with pytest.raises(AssertionError, match="blocked"):
        await user.send("hi")
    user.unblock(notify=True)
    await bot.send_message(42, "after")
    assert [t for _, t in tg.delivered] == ["before", "after"]
    assert "my_chat_member" in tg.pending_updates[-1]


async def test_strict_chats_mode() -> None:
    async with FakeTelegram(strict_chats=True) as tg:
        bot = tg.create_bot()
        try:
            with pytest.raises(TelegramBadRequest, match="chat not found"):
                await bot.send_message(77, "hello?")
            tg.user(77)
            await bot.send_message(77, "hello")
        finally:
            await bot.session.close()


async def test_send_document_and_photo(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    content = b"%PDF-1.4 fake pdf \x00\x01"
    sent = await bot.send_document(
        42, BufferedInputFile(content, filename="report.pdf"), caption="Your report"
    )
    assert sent.document.file_name == "report.pdf"
    assert sent.document.mime_type == "application/pdf"
    msg = await user.wait_message()
    assert msg.document is not None and msg.document.content == content
    assert msg.document.file_name == "report.pdf"
    assert msg.caption == "Your report" and msg.text is None and msg.content == "Your report"

    # re-send by file_id, and download through getFile + file URL
    again = await bot.send_document(42, sent.document.file_id)
    assert again.document.file_id == sent.document.file_id
    downloaded = await bot.download(sent.document.file_id)
    assert downloaded.read() == content

    photo = await bot.send_photo(42, BufferedInputFile(b"\x89PNG...", filename="chart.png"))
    assert photo.photo[0].file_id
    assert user.last.photo.content == b"\x89PNG..." and user.last.photo.file_name == "chart.png"
    assert [t for _, t in tg.delivered] == [
        "Your report",
        "[sendDocument] report.pdf",
        "[sendPhoto] chart.png",
    ]


async def test_user_sends_document_bot_downloads(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    await user.send_document("notes.txt", b"hello file", "text/plain", caption="see")
    updates = await bot.get_updates(timeout=0)
    document = updates[0].message.document
    assert (document.file_name, document.mime_type, document.file_size) == (
        "notes.txt",
        "text/plain",
        10,
    )
    file = await bot.get_file(document.file_id)
    data = await bot.download_file(file.file_path)
    assert data.read() == b"hello file"


async def test_my_commands_per_scope_and_language(tg: FakeTelegram, bot: Bot) -> None:
    commands = [BotCommand(command="start", description="Start")]
    await bot.set_my_commands(commands)
    await bot.set_my_commands(
        [BotCommand(command="admin", description="Admin")],
        scope=BotCommandScopeChat(chat_id=42),
        language_code="en",
    )
    assert [c.command for c in await bot.get_my_commands()] == ["start"]
    scoped = await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=42), language_code="en")
    assert [c.command for c in scoped] == ["admin"]
    assert await bot.get_my_commands(scope=BotCommandScopeChat(chat_id=42)) == []
    assert tg.get_commands({"type": "chat", "chat_id": 42}, "en") == [
        {"command": "admin", "description": "Admin"}
    ]
    await bot.delete_my_commands()
    assert await bot.get_my_commands() == []
    with pytest.raises(TelegramBadRequest, match="BOT_COMMAND_INVALID"):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])


async def test_unknown_method_and_chat_action(tg: FakeTelegram, bot: Bot) -> None:
    await bot.send_chat_action(42, "typing")
    assert tg.chat_actions == [(42, "typing")]
    assert await bot.set_my_description("hello") is True
    assert tg.calls("setMyDescription") == [{"description": "hello"}]


async def test_fault_injection(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    tg.fail_next("sendMessage", 500, times=2)
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(42, "x")
    tg.fail_next("sendmessage", 429, retry_after=7)
    with pytest.raises(TelegramRetryAfter) as info:
        await bot.send_message(42, "x")
    assert info.value.retry_after == 7 and tg.count_429 == 1
    assert tg.delivered == []

    tg.fail_next("sendMessage", 502, after_delivery=True)
    with pytest.raises(TelegramServerError):
        await bot.send_message(42, "lost answer")
    assert tg.delivered == [(42, "lost answer")]

    tg.fail_next("sendMessage", 0)  # connection dropped
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(42, "dropped")
    await bot.send_message(42, "ok")
    assert [t for _, t in tg.delivered] == ["lost answer", "ok"]


async def test_hold_responses(tg: FakeTelegram, bot: Bot) -> None:
    tg.user(42)
    tg.hold_responses("sendMessage")
    task = asyncio.create_task(bot.send_message(42, "held"))
    await tg.wait_held(1)
    assert tg.delivered == [(42, "held")]  # delivered although not answered
    assert not task.done()
    task.cancel()  # "crash" of the bot mid-request
    with pytest.raises(asyncio.CancelledError):
        await task
    tg.release()
    await tg.wait_until(lambda: True if tg.held == 0 else None, 2)
    await bot.send_message(42, "after release")
    assert tg.duplicates() == {}
    assert tg.stats()["delivered"] == 2


async def test_wait_message_timeout_and_expect_no_message(tg: FakeTelegram, bot: Bot) -> None:
    user = tg.user(42)
    await bot.send_message(42, "one")
    await bot.send_message(42, "two")
    assert (await user.wait_message(contains="two")).text == "two"  # skips "one"
    await user.expect_no_message(0.1)
    with pytest.raises(AssertionError, match="did not receive") as info:
        await user.wait_message(timeout=0.2)
    assert "'one'" in str(info.value)  # lists the chat history
    await bot.send_message(42, "three")
    with pytest.raises(AssertionError, match="three"):
        await user.expect_no_message(0.05)


async def test_malformed_requests_get_400_json(tg: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as session:
        url = f"{tg.base_url}/bot1000:T/sendMessage"
        async with session.post(
            url, data=b"\x00garbage", headers={"Content-Type": "text/weird"}
        ) as r:
            assert r.status == 400
            body = await r.json()
            assert body["ok"] is False and body["error_code"] == 400
        async with session.post(
            url, data=b"{not json", headers={"Content-Type": "application/json"}
        ) as r:
            assert r.status == 400
        async with session.post(url, data={"chat_id": "abc", "text": "x"}) as r:
            assert r.status == 400 and "chat not found" in (await r.json())["description"]
        async with session.post(url, data={"chat_id": "1"}) as r:
            assert (await r.json())["description"] == "Bad Request: message text is empty"
        async with session.post(
            url, data={"chat_id": "1", "text": "x", "reply_markup": "{broken"}
        ) as r:
            assert r.status == 400
        async with session.post(url, json={"chat_id": 1, "text": "json body"}) as r:
            assert (await r.json())["result"]["text"] == "json body"


# --------------------------------------------------------------------------------------------
# a real Dispatcher polling the stub
# --------------------------------------------------------------------------------------------
async def test_dispatcher_conversation(tg: FakeTelegram, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message(CommandStart())
    async def start(message: Message, command: CommandObject) -> None:
        await message.answer(
            f"Hello {message.from_user.first_name}, payload={command.args}",
            reply_markup=keyboard(("Continue ▶", "go")),
        )

    @dp.callback_query(F.data == "go")
    async def go(query: CallbackQuery) -> None:
        await query.message.edit_text("Let's go!")
        await query.answer("Started")

    @dp.message(F.document)
    async def got_file(message: Message, bot: Bot) -> None:
        data = await bot.download(message.document.file_id)
        await message.answer(f"got {message.document.file_name}: {data.read().decode()}")

    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False, polling_timeout=2))
    try:
        user: FakeUser = tg.user(123, first_name="Ann")
        await user.send("/start ref42")
        greeting = await user.wait_message()
        assert greeting.text == "Hello Ann, payload=ref42"
        await user.press("Continue")
        edited = await user.wait_message()
        assert edited.edited and edited.text == "Let's go!" and edited.buttons == []
        assert (await user.wait_callback_answer())["text"] == "Started"
        await user.send_document("a.txt", b"abc", "text/plain")
        assert (await user.wait_message()).text == "got a.txt: abc"
        await user.expect_no_message(0.2)
    finally:
        await dp.stop_polling()
        await asyncio.wait_for(polling, 5)


# --------------------------------------------------------------------------------------------
# separate process mode
# --------------------------------------------------------------------------------------------
async def test_standalone_process_with_control_endpoints(tmp_path: Path) -> None:
    state_file = tmp_path / "delivered.jsonl"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.telegram_stub",
            "--port",
            "0",
            "--rate-limits",
            "--state-file",
            str(state_file),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 15)
        assert line.startswith("READY "), line
        base = line.split()[1]
        async with aiohttp.ClientSession() as session:
            async with session.post(
                f"{base}/_control/inject", json={"user_id": 9, "text": "/start"}
            ) as r:
                assert (await r.json())["update_ids"] == [1]
            async with session.post(f"{base}/bot1000:T/getUpdates", data={"timeout": "0"}) as r:
                result = (await r.json())["result"]
                assert result[0]["message"]["text"] == "/start"
            answers = []
            for text in ("a", "b"):  # second one is rate limited (1 msg/s per chat)
                async with session.post(
                    f"{base}/bot1000:T/sendMessage", data={"chat_id": "9", "text": text}
                ) as r:
                    answers.append((r.status, await r.json()))
            assert answers[0][0] == 200 and answers[0][1]["result"]["text"] == "a"
            assert answers[1][0] == 429 and answers[1][1]["parameters"]["retry_after"] == 1
            async with session.get(f"{base}/_control/stats") as r:
                stats = (await r.json())["result"]
                assert stats["count_429"] == 1 and stats["delivered"] == 1
                assert stats["duplicates"] == []
            async with session.get(f"{base}/_control/delivered") as r:
                assert [d["text"] for d in (await r.json())["result"]] == ["a"]
        await asyncio.sleep(0.5)  # periodic dump
        assert [json.loads(x)["text"] for x in state_file.read_text().splitlines()] == ["a"]
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.to_thread(proc.wait, 10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0
    assert state_file.exists() and not os.path.exists(str(state_file) + ".tmp")


async def test_control_endpoints_in_process(tg: FakeTelegram, bot: Bot) -> None:
    base = tg.base_url
    async with aiohttp.ClientSession() as session:

        async def post(path: str, body: object) -> dict[str, object]:
            async with session.post(f"{base}/_control/{path}", json=body) as r:
                assert r.status == 200, await r.text()
                result: dict[str, object] = await r.json()
                return result

        async def get(path: str) -> object:
            async with session.get(f"{base}/_control/{path}") as r:
                assert r.status == 200, await r.text()
                return (await r.json())["result"]

        injected = await post(
            "inject",
            [
                {
                    "message": {
                        "message_id": 1,
                        "date": 0,
                        "chat": {"id": 5, "type": "private"},
                        "text": "raw",
                    }
                },
                {"user_id": 6, "text": "/help"},
            ],
        )
        assert injected["update_ids"] == [1, 2]
        updates = await bot.get_updates(timeout=0)
        assert [u.message.text for u in updates if u.message] == ["raw", "/help"]

        await bot.send_message(6, "menu", reply_markup=keyboard(("Go", "go")))
        pressed = await post("inject", {"user_id": 6, "callback_data": "go"})
        assert tg.pending_updates[-1]["callback_query"]["data"] == "go"
        # the query's id, as the bot's answerCallbackQuery will name it
        assert pressed["callback_query_ids"] == [tg.pending_updates[-1]["callback_query"]["id"]]
        assert injected["callback_query_ids"] == [None, None]
        messages = await get("messages?chat_id=6")
        assert isinstance(messages, list) and messages[0]["buttons"] == [["Go", "go"]]

        await post("block", {"user_id": 6})
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(6, "x")
        await post("unblock", {"user_id": 6})
        await post("fail_next", {"method": "sendMessage", "error_code": 429, "retry_after": 3})
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(6, "x")
        await post("hold", {"method": "sendMessage"})
        task = asyncio.create_task(bot.send_message(6, "held"))
        await tg.wait_held()
        await post("release", {})
        assert (await asyncio.wait_for(task, 2)).text == "held"

        requests = await get("requests?method=sendMessage")
        assert isinstance(requests, list) and len(requests) == 4
        stats = await get("stats")
        assert isinstance(stats, dict) and stats["delivered"] == 2 and stats["count_429"] == 1
        async with session.post(f"{base}/_control/inject", data=b"{nope") as r:
            assert r.status == 400


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("a &lt;b&gt; &amp; &quot;c&quot; &#65;&#x42; Q&A &nbsp;", 'a <b> & "c" AB Q&A &nbsp;'),
        ('<a href="https://x.y/?a=1&b=2">link</a> <tg-spoiler>s</tg-spoiler>', "link s"),
        ('<span class="tg-spoiler">x</span><pre><code class="language-py">y</code></pre>', "xy"),
        ("<B>caps</B>", "caps"),
    ],
)
async def test_html_to_text(html: str, expected: str) -> None:
    from tests.telegram_stub.html_text import html_to_text

    assert html_to_text(html) == expected


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("<b>x</i>", 'Unmatched end tag at byte offset 4, expected "</b>", found "</i>"'),
        ("x</b>", "Unexpected end tag at byte offset 1"),
        ("<br>", 'Unsupported start tag "br" at byte offset 0'),
        ("<b", "Unclosed start tag at byte offset 0"),
    ],
)
async def test_html_to_text_errors(html: str, error: str) -> None:
    from tests.telegram_stub.html_text import HtmlParseError, html_to_text

    with pytest.raises(HtmlParseError) as info:
        html_to_text(html)
    assert str(info.value) == error
