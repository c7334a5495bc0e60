"""The FSM storage keeps dialogs in the database: across instances, and atomically with the update."""
from __future__ import annotations

from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import StorageKey
from sqlalchemy import func, select

from bot.fsm_storage import CURRENT_SESSION, DbStorage
from db.models import FsmRecord
from domain.people import forget_dialogs


class Form(StatesGroup):
    name = State()


KEY = StorageKey(bot_id=1, chat_id=42, user_id=42)
OTHER = StorageKey(bot_id=1, chat_id=420, user_id=420)


async def test_state_and_data_survive_a_new_storage(sessionmaker):
    first = DbStorage(sessionmaker)
    await first.set_state(KEY, Form.name)
    await first.set_data(KEY, {"invitation": 7, "answers": {"role": "mentee"}})
    second = DbStorage(sessionmaker)  # as after a restart
    assert await second.get_state(KEY) == "Form:name"
    assert await second.get_data(KEY) == {"invitation": 7, "answers": {"role": "mentee"}}
    assert await second.get_state(OTHER) is None
    assert await second.get_data(OTHER) == {}


async def test_clearing_removes_the_row(sessionmaker):
    storage = DbStorage(sessionmaker)
    await storage.set_state(KEY, "A:b")
    await storage.set_data(KEY, {"x": 1})
    await storage.set_state(KEY, None)
    await storage.set_data(KEY, {})
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0


async def test_inside_an_update_state_follows_the_transaction(sessionmaker):
    storage = DbStorage(sessionmaker)
    await storage.set_state(KEY, "A:before")
    async with sessionmaker() as session:
        token = CURRENT_SESSION.set(session)
        try:
            await storage.set_state(KEY, "A:after")
            assert await storage.get_state(KEY) == "A:after"
            await session.rollback()  # the handler failed
        finally:
            CURRENT_SESSION.reset(token)
    assert await storage.get_state(KEY) == "A:before"


async def test_forget_user_only_touches_that_user(sessionmaker):
    storage = DbStorage(sessionmaker)
    await storage.set_state(KEY, "A:b")
    await storage.set_state(StorageKey(bot_id=1, chat_id=4200, user_id=4200), "A:b")
    async with sessionmaker() as session:
        await forget_dialogs(session, 42)
        await session.commit()
    assert await storage.get_state(KEY) is None
    assert await storage.get_state(StorageKey(bot_id=1, chat_id=4200, user_id=4200)) == "A:b"
