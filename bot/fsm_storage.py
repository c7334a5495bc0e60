"""aiogram FSM storage on the application's own database sessions.

A dialog interrupted by a restart continues where it stopped. Inside an update, the storage
writes through that update's session (``CURRENT_SESSION``), so the dialog state commits or
rolls back together with what the handler changed; and SQLite's one-connection pool is never
asked for a second connection by the same task. Outside an update it uses a short session.

Inside an update the rows read are held by the session (``session.info``) until it closes. The
session's identity map holds objects only weakly: without this, each of the ten or so reads of
the state and data an update makes (middlewares, filters, the handler) found the row collected
and ran its SELECT again (measured in bench/assembly.py: 8.8 of 15.7 statements per update). The
reads still go through ``session.get``, so a row expired by a rollback is read afresh and one
deleted in the session is gone. Data goes in and out as deep copies: a held row's dict must
not change when a handler edits what it was given (the change would then be invisible to the
session and never written).
"""
from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import FsmRecord

CURRENT_SESSION: ContextVar[AsyncSession | None] = ContextVar("current_session", default=None)

#: ``session.info`` key: {storage key: FsmRecord} read or written through the update's session
HELD_ROWS = "fsm_rows"


def storage_key(key: StorageKey) -> str:
    parts = [str(key.bot_id), str(key.chat_id), str(key.user_id)]
    if key.thread_id:
        parts.append(f"t{key.thread_id}")
    if key.business_connection_id:
        parts.append(f"b{key.business_connection_id}")
    if key.destiny != "default":
        parts.append(f"d{key.destiny}")
    return ":".join(parts)


def _copy(value: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, scalars): several times quicker than
    ``copy.deepcopy``, which the storage would otherwise run on every read and write."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return copy.deepcopy(value)


class DbStorage(BaseStorage):
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    @asynccontextmanager
    async def _session(self) -> AsyncIterator[AsyncSession]:
        current = CURRENT_SESSION.get()
        if current is not None:
            yield current
            return
        async with self.sessionmaker() as session:
            yield session
            await session.commit()

    @staticmethod
    async def _row(session: AsyncSession, k: str) -> FsmRecord | None:
        if session is not CURRENT_SESSION.get():
            return await session.get(FsmRecord, k)
        held: dict[str, FsmRecord] = session.info.setdefault(HELD_ROWS, {})
        row = held.get(k)
        if row is not None:
            state = inspect(row)
            if (state.persistent or state.pending) and not state.expired_attributes:
                return row  # still the session's, and loaded: no round trip through session.get
        row = await session.get(FsmRecord, k)  # expired by a rollback, deleted, or not read yet
        if row is None:
            held.pop(k, None)
        else:
            held[k] = row  # kept alive for the update's next reads
        return row

    async def _save(self, key: StorageKey, **values: Any) -> None:
        k = storage_key(key)
        async with self._session() as session:
            row = await self._row(session, k)
            if row is None:
                row = FsmRecord(key=k, state=None, data={})
                session.add(row)
            for name, value in values.items():
                setattr(row, name, value)
            if row.state is None and not row.data:
                session.info.get(HELD_ROWS, {}).pop(k, None)
                if inspect(row).persistent:
                    await session.delete(row)
                else:
                    session.expunge(row)
            elif session is CURRENT_SESSION.get():
                session.info.setdefault(HELD_ROWS, {})[k] = row
            # Not flushed here: the update's commit (or the autoflush of its next query) writes it,
            # in the update's transaction, so a step that sets both the state and the data writes
            # one UPDATE instead of two, and on SQLite takes the write lock as late as it can.

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self._save(key, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        async with self._session() as session:
            row = await self._row(session, storage_key(key))
            return row.state if row else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self._save(key, data=_copy(dict(data)))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        async with self._session() as session:
            row = await self._row(session, storage_key(key))
            return _copy(dict(row.data or {})) if row else {}

    async def close(self) -> None:
        return None


__all__ = ["DbStorage", "CURRENT_SESSION"]
