"""bot/session.py: answers' models built once per process, the quick form, keyboards not read back."""
from __future__ import annotations

import gc
import json

from aiogram import Bot
from aiogram.methods import GetUpdates, Response, SendMessage
from aiogram.types import Message, Update
from pydantic._internal import _generics

from bot.session import BotSession, response_type

TOKEN = "42:" + "A" * 35
MESSAGE = {"message_id": 5, "date": 0, "chat": {"id": 1, "type": "private"}, "text": "hi"}


def test_a_response_model_outlives_the_garbage_collector() -> None:
    first = response_type(Message)
    gc.collect()
    assert response_type(Message) is first
    assert Response[Message] is first  # what aiogram asks for is pydantic's cached one


async def test_answers_do_not_build_response_models_again(monkeypatch) -> None:
    """pydantic caches parametrised models weakly: without a reference held, a collection drops
    Response[Message] and the next answer builds it again (10–50 ms of CPU each)."""
    session = BotSession()
    bot = Bot(TOKEN, session=session)
    send = SendMessage(chat_id=1, text="hi")
    updates = GetUpdates()
    session.check_response(bot, send, 200, json.dumps({"ok": True, "result": MESSAGE}))
    session.check_response(bot, updates, 200, json.dumps({"ok": True, "result": []}))
    built: list[object] = []
    original = _generics.create_generic_submodel

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003
        built.append(args[0])
        return original(*args, **kwargs)

    monkeypatch.setattr(_generics, "create_generic_submodel", counting)
    for _ in range(3):
        gc.collect()
        answer = session.check_response(bot, send, 200, json.dumps({"ok": True, "result": MESSAGE}))
        assert answer.result.text == "hi"
        got = session.check_response(bot, updates, 200, json.dumps(
            {"ok": True, "result": [{"update_id": 3, "message": MESSAGE}]}))
        assert [u.update_id for u in got.result] == [3] and isinstance(got.result[0], Update)
    assert built == []
    await bot.session.close()


def _fields(form) -> list[tuple[str, object]]:  # noqa: ANN001
    return [(options["name"], value) for options, _headers, value in form._fields]  # noqa: SLF001


def test_the_quick_form_is_aiogram_s_form() -> None:
    """BotSession.build_form_data gives the very fields aiogram's own path gives, for plain
    calls (texts, keyboards, numbers, flags) and for the rest (defaults, files), which it hands
    to aiogram."""
    from datetime import timedelta

    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.methods import (
        AnswerCallbackQuery,
        EditMessageReplyMarkup,
        RestrictChatMember,
        SendDocument,
        SetMyCommands,
    )
    from aiogram.types import (
        BotCommand,
        BotCommandScopeChat,
        BufferedInputFile,
        ChatPermissions,
        InlineKeyboardButton,
        InlineKeyboardMarkup,
    )

    keyboard = InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text="✅ Математика", callback_data="fm:interests:t:s.math"),
         InlineKeyboardButton(text="Сайт", url="https://example.org")],
        [InlineKeyboardButton(text="Готово (выбрано: 0)", callback_data="fm:interests:ok:")],
    ])
    methods = [
        SendMessage(chat_id=5, text="Что вам интересно?", reply_markup=keyboard),
        SendMessage(chat_id=5, text="без кнопок", disable_notification=False, protect_content=True),
        EditMessageReplyMarkup(chat_id=5, message_id=7, reply_markup=None),
        AnswerCallbackQuery(callback_query_id="4000000000001", text="", show_alert=True, cache_time=0),
        SetMyCommands(commands=[BotCommand(command="help", description="Помощь")],
                      scope=BotCommandScopeChat(chat_id=5), language_code="ru"),
        SendDocument(chat_id=5, document=BufferedInputFile(b"x", filename="a.xlsx"), caption="отчёт"),
        RestrictChatMember(chat_id=-100, user_id=5, permissions=ChatPermissions(can_send_messages=False),
                           until_date=timedelta(days=1)),
    ]
    ours, theirs = BotSession(), AiohttpSession()
    bot = Bot(TOKEN, session=ours)
    for method in methods:
        mine, aiogram_s = _fields(ours.build_form_data(bot, method)), _fields(theirs.build_form_data(bot, method))
        if isinstance(method, (SendDocument, RestrictChatMember)):  # a file's random key, a relative date
            named = set(type(method).model_fields)  # not the file's own (random) field
            assert [k for k, _ in mine if k in named] == [k for k, _ in aiogram_s if k in named], method
        else:
            assert mine == aiogram_s, method


KEYBOARD = {"inline_keyboard": [[{"text": f"Вариант {i}", "callback_data": f"f:t:{i}"}] for i in range(20)]}


async def test_keyboards_coming_back_are_not_read() -> None:
    """A returned message and the message a button was pressed on are read without their
    keyboard (the bot renders keyboards from its own state; reading twenty buttons back cost
    0.4 ms an answer); everything else in them is read as before, and answers that are not
    messages, or not successful, are read by aiogram as they are."""
    from aiogram.exceptions import TelegramBadRequest, TelegramRetryAfter
    from aiogram.methods import AnswerCallbackQuery, EditMessageReplyMarkup

    session = BotSession()
    bot = Bot(TOKEN, session=session)
    send = SendMessage(chat_id=1, text="hi")
    sent = dict(MESSAGE, reply_markup=KEYBOARD, entities=[{"type": "bold", "offset": 0, "length": 2}])
    answer = session.check_response(bot, send, 200, json.dumps({"ok": True, "result": sent}))
    assert isinstance(answer.result, Message)
    assert (answer.result.message_id, answer.result.chat.id, answer.result.text) == (5, 1, "hi")
    assert answer.result.entities[0].type == "bold" and answer.result.reply_markup is None

    edit = EditMessageReplyMarkup(chat_id=1, message_id=5)
    assert session.check_response(bot, edit, 200, json.dumps({"ok": True, "result": True})).result is True
    edited = session.check_response(bot, edit, 200, json.dumps({"ok": True, "result": sent})).result
    assert isinstance(edited, Message) and edited.message_id == 5

    answered = AnswerCallbackQuery(callback_query_id="q")
    assert session.check_response(bot, answered, 200, json.dumps({"ok": True, "result": True})).result is True
    try:
        session.check_response(bot, send, 429, json.dumps(
            {"ok": False, "error_code": 429, "description": "Too Many Requests", "parameters": {"retry_after": 3}}))
    except TelegramRetryAfter as exc:
        assert exc.retry_after == 3
    else:
        raise AssertionError("a 429 must still raise TelegramRetryAfter")
    try:
        session.check_response(bot, send, 400, json.dumps(
            {"ok": False, "error_code": 400, "description": "Bad Request: chat not found"}))
    except TelegramBadRequest as exc:
        assert "chat not found" in exc.message
    else:
        raise AssertionError("a 400 must still raise TelegramBadRequest")

    pressed = {"update_id": 9, "callback_query": {
        "id": "q", "chat_instance": "c", "data": "f:t:3", "from": {"id": 1, "is_bot": False, "first_name": "A"},
        "message": sent}}
    got = session.check_response(bot, GetUpdates(), 200, json.dumps({"ok": True, "result": [pressed]})).result
    query = got[0].callback_query
    assert (query.data, query.message.message_id, query.message.text) == ("f:t:3", 5, "hi")
    assert query.message.reply_markup is None
    await bot.session.close()


async def test_a_message_that_does_not_validate_is_still_aiogram_s_error() -> None:
    from aiogram.exceptions import ClientDecodeError

    session = BotSession()
    bot = Bot(TOKEN, session=session)
    broken = {"message_id": "not a number", "date": 0, "chat": {"id": 1, "type": "private"}, "reply_markup": KEYBOARD}
    try:
        session.check_response(bot, SendMessage(chat_id=1, text="hi"), 200, json.dumps({"ok": True, "result": broken}))
    except ClientDecodeError as exc:
        assert "reply_markup" in json.dumps(exc.data)  # aiogram saw the answer as it came
    else:
        raise AssertionError("an unreadable answer must raise ClientDecodeError")
    await bot.session.close()
