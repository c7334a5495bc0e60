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
