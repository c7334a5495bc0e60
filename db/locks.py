"""Advisory locks that tell other instances "this process is working on that row" (PostgreSQL).

A process holds ``(namespace, id)`` on a connection of its own while it works on a row (a matching
run, an export); the lock goes with the process, however it ends. Another instance's recovery
then touches only the rows nobody holds (:func:`not_held`). SQLite serves one process: nothing
is held and every row counts as abandoned, as before.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import case, func, text
from sqlalchemy.ext.asyncio import AsyncEngine

#: namespaces (the first key of the two-key advisory lock)
MATCH_RUN = 0x4D52  # "MR"
EXPORT_JOB = 0x4558  # "EX"


def shared(engine: Any) -> bool:
    return engine is not None and engine.dialect.name == "postgresql"


@asynccontextmanager
async def holding(engine: AsyncEngine | None, *key: int) -> AsyncIterator[None]:
    """A session-level advisory lock on ``key`` (one bigint, or a namespace and an id), held on a
    connection of its own (committed at once: no transaction stays open) until the block ends,
    waiting for it if another process holds it. Nothing on SQLite."""
    if not shared(engine):
        yield
        return
    args = ", ".join(f":k{i}" for i in range(len(key)))
    params = {f"k{i}": k for i, k in enumerate(key)}
    async with engine.connect() as conn:  # type: ignore[union-attr]
        await conn.execute(text(f"SELECT pg_advisory_lock({args})"), params)
        await conn.commit()
        try:
            yield
        finally:
            await conn.execute(text(f"SELECT pg_advisory_unlock({args})"), params)
            await conn.commit()


def not_held(namespace: int, column: Any, status: Any) -> Any:
    """A condition true for running rows no live process holds (PostgreSQL; the try-lock it
    takes is a transaction's and goes with it), tried only on rows whose ``status`` is running,
    whatever order PostgreSQL evaluates the conditions in. Use only where :func:`shared` is true."""
    return case((status == "running", func.pg_try_advisory_xact_lock(namespace, column)), else_=False)


__all__ = ["holding", "not_held", "shared", "MATCH_RUN", "EXPORT_JOB"]
