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


def _count_fsm_selects(sessionmaker) -> list[str]:
    """Every SELECT of the FSM table run through ``sessionmaker``'s engine from now on."""
    from sqlalchemy import event

    seen: list[str] = []
    engine = sessionmaker.kw["bind"].sync_engine

    def before(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        if statement.lstrip().upper().startswith("SELECT") and "fsm_states" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    return seen


async def test_inside_an_update_the_row_is_read_once(sessionmaker):
    """The update's reads of state and data (middlewares, filters, handler) cost one SELECT, also
    after a commit in the middle (a reply's CommitBeforeRequest); outside an update each read is
    its own short session and reads afresh."""
    storage = DbStorage(sessionmaker)
    await storage.set_state(KEY, "A:b")
    await storage.set_data(KEY, {"a": {"role": "mentee"}})
    selects = _count_fsm_selects(sessionmaker)
    async with sessionmaker() as session:
        token = CURRENT_SESSION.set(session)
        try:
            for _ in range(5):
                assert await storage.get_state(KEY) == "A:b"
                assert await storage.get_data(KEY) == {"a": {"role": "mentee"}}
            await session.commit()
            await storage.set_state(KEY, "A:c")
            assert await storage.get_state(KEY) == "A:c"
            await session.commit()
        finally:
            CURRENT_SESSION.reset(token)
    assert len(selects) == 1
    assert await storage.get_state(KEY) == "A:c"
    assert await storage.get_state(KEY) == "A:c"
    assert len(selects) == 3


async def test_a_step_writes_state_and_data_in_one_statement_at_commit(sessionmaker):
    """set_state then set_data inside an update: one UPDATE, written when the update commits
    (inside its transaction, rolled back with it), not one statement per call."""
    from sqlalchemy import event

    storage = DbStorage(sessionmaker)
    await storage.set_state(KEY, "A:b")
    await storage.set_data(KEY, {"step": 1})
    writes: list[str] = []
    engine = sessionmaker.kw["bind"].sync_engine

    def before(conn, cursor, statement, params, context, executemany):  # noqa: ANN001
        if "fsm_states" in statement and not statement.lstrip().upper().startswith("SELECT"):
            writes.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        async with sessionmaker() as session:
            token = CURRENT_SESSION.set(session)
            try:
                await storage.get_state(KEY)
                await storage.set_state(KEY, "A:c")
                await storage.set_data(KEY, {"step": 2})
                assert writes == []
                assert (await storage.get_state(KEY), await storage.get_data(KEY)) == ("A:c", {"step": 2})
                await session.commit()
            finally:
                CURRENT_SESSION.reset(token)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("UPDATE")
    assert (await storage.get_state(KEY), await storage.get_data(KEY)) == ("A:c", {"step": 2})


async def test_data_handed_out_is_a_copy(sessionmaker):
    """A handler edits the dict it was given (nested answers included) and saves it: the change is
    written, although the session still holds the row it was read from."""
    storage = DbStorage(sessionmaker)
    await storage.set_data(KEY, {"a": {"interests": ["sport"]}})
    async with sessionmaker() as session:
        token = CURRENT_SESSION.set(session)
        try:
            data = await storage.get_data(KEY)
            data["a"]["interests"].append("s:math")
            assert await storage.get_data(KEY) == {"a": {"interests": ["sport"]}}  # not yet saved
            await storage.set_data(KEY, data)
            data["a"]["interests"].append("chess")  # after saving: not part of what was saved
            await session.commit()
        finally:
            CURRENT_SESSION.reset(token)
    assert await DbStorage(sessionmaker).get_data(KEY) == {"a": {"interests": ["sport", "s:math"]}}


async def test_a_held_row_is_read_afresh_after_a_rollback(sessionmaker):
    storage = DbStorage(sessionmaker)
    await storage.set_state(KEY, "A:before")
    async with sessionmaker() as session:
        token = CURRENT_SESSION.set(session)
        try:
            await storage.set_state(KEY, "A:after")
            await session.rollback()
            assert await storage.get_state(KEY) == "A:before"
            await storage.set_state(KEY, None)  # cleared: the row is deleted and no longer held
            assert await storage.get_state(KEY) is None
            await session.commit()
        finally:
            CURRENT_SESSION.reset(token)
    async with sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(FsmRecord)) == 0


async def test_the_state_is_read_in_the_updates_session_inside_the_lock(sessionmaker):
    """bot.middlewares.StateInSession: aiogram's state read (``raw_state``) goes through the
    update's own session (no short session of its own), and a user's next update waits for the
    previous one to commit before it reads."""
    import asyncio

    from aiogram import Bot
    from aiogram.dispatcher.middlewares.user_context import EVENT_CONTEXT_KEY, EventContext
    from aiogram.fsm.middleware import FSMContextMiddleware
    from aiogram.fsm.storage.memory import SimpleEventIsolation
    from aiogram.types import Chat, User

    from bot.fsm_storage import HELD_ROWS
    from bot.middlewares import DbSessionMiddleware, StateInSession

    bot = Bot("42:" + "A" * 35)
    key = StorageKey(bot_id=42, chat_id=7, user_id=7)
    storage = DbStorage(sessionmaker)
    await storage.set_state(key, "A:start")
    middleware = StateInSession(FSMContextMiddleware(storage=storage, events_isolation=SimpleEventIsolation()),
                                DbSessionMiddleware(sessionmaker))
    seen: list[tuple[str | None, bool]] = []

    async def first(event, data):  # noqa: ANN001
        seen.append((data["raw_state"], "fsm_storage" in data and bool(data["session"].info.get(HELD_ROWS))))
        await data["state"].set_state("A:next")
        await asyncio.sleep(0.2)  # the next update of the same user must wait for this one's commit

    async def second(event, data):  # noqa: ANN001
        seen.append((data["raw_state"], bool(data["session"].info.get(HELD_ROWS))))

    def data() -> dict:
        user = User(id=7, is_bot=False, first_name="A")
        return {"bot": bot, EVENT_CONTEXT_KEY: EventContext(chat=Chat(id=7, type="private"), user=user)}

    one = asyncio.create_task(middleware(first, object(), data()))
    await asyncio.sleep(0.05)
    await asyncio.gather(one, middleware(second, object(), data()))
    assert seen == [("A:start", True), ("A:next", True)]
    await bot.session.close()


async def test_a_held_row_deleted_by_erasure_is_gone_for_the_update(sessionmaker):
    """/deleteme forgets the dialogs with a bulk delete in the update's session: a row the update
    read (and holds) is not handed out again."""
    storage = DbStorage(sessionmaker)
    await storage.set_state(KEY, "A:b")
    await storage.set_data(KEY, {"x": 1})
    async with sessionmaker() as session:
        token = CURRENT_SESSION.set(session)
        try:
            assert await storage.get_state(KEY) == "A:b"
            await forget_dialogs(session, 42)
            assert await storage.get_state(KEY) is None
            assert await storage.get_data(KEY) == {}
            await session.commit()
        finally:
            CURRENT_SESSION.reset(token)
    assert await storage.get_state(KEY) is None
