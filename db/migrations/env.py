"""Alembic environment: async engines for both SQLite (aiosqlite) and PostgreSQL (asyncpg).

The URL comes from the Alembic config's ``sqlalchemy.url`` (set by db.migrate) or, when
alembic is run by hand, from the bot's settings.
"""
from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from db.base import Base
from db import models  # noqa: F401  (registers the tables)
from db.engine import create_engine

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from bot.config import load_settings

    return load_settings().db_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(_url())
    try:
        async with engine.connect() as conn:
            await conn.run_sync(_configure)
            await conn.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(_run_async())
