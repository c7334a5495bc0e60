"""Programmatic Alembic: `upgrade(url)` / `downgrade(url, rev)`, safe to call from async code.

`at_head(engine)` is the cheap check a short-lived process (the admin shell) makes before
deciding to run Alembic at all: one small read instead of Alembic's whole environment (env.py,
every model, a second engine), which on SQLite also held the write lock while it looked around.
"""
from __future__ import annotations

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "db" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(url), revision)


async def upgrade_async(url: str, revision: str = "head") -> None:
    """Runs in a worker thread: env.py drives its own event loop."""
    await asyncio.to_thread(upgrade, url, revision)


@lru_cache(maxsize=1)
def script_heads() -> frozenset[str]:
    """The head revision(s) of db/migrations, read by Alembic itself from the version files (so a
    new migration needs no constant updated anywhere)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads())


async def current_revisions(engine: AsyncEngine) -> frozenset[str]:
    """The revision(s) stamped in the database; empty when it was never migrated."""
    from sqlalchemy import inspect, text

    async with engine.connect() as conn:
        if not await conn.run_sync(lambda c: inspect(c).has_table("alembic_version")):
            return frozenset()
        rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        return frozenset(r[0] for r in rows)


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database is exactly at the migrations' head: nothing for `upgrade` to do."""
    return await current_revisions(engine) == script_heads()


async def upgrade_if_needed(engine: AsyncEngine, url: str) -> bool:
    """Apply the migrations unless the database is already at head; True when it ran them.

    The check is a read on ``engine`` (ms); Alembic runs in a worker thread only when needed."""
    if await at_head(engine):
        return False
    await upgrade_async(url)
    return True
