"""bot/session.py: the answers' ``Response[...]`` models are built once per process."""
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
