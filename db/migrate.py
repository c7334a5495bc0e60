"""Programmatic Alembic: `upgrade(url)` / `downgrade(url, rev)`, safe to call from async code.

`at_head(engine)` is the cheap check a short-lived process (the admin shell) makes before
deciding to run Alembic at all: one small read instead of Alembic's whole environment (env.py,
every model, a second engine), which on SQLite also held the write lock while it looked around.
"""
from __future__ import annotations

import ast
import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from alembic.config import Config
    from sqlalchemy.ext.asyncio import AsyncEngine

from sqlalchemy import text
from sqlalchemy.engine import make_url

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
    """The head revision(s) of db/migrations: revisions no other one revises.

    Read from the version files' ``revision`` / ``down_revision`` literals with ``ast``, not
    through Alembic: importing Alembic (its runtime and every dialect's DDL) was a fifth of the
    admin shell's CPU. A file whose ids are not plain literals makes it ask Alembic after all;
    tests/test_migrations.py checks both readings agree."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in sorted((ROOT / "db" / "migrations" / "versions").glob("*.py")):
        ids: dict[str, object] = {}
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target, value = node.targets[0], node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                target, value = node.target, node.value
            else:
                continue
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                try:
                    ids[target.id] = ast.literal_eval(value)
                except ValueError:
                    return alembic_heads()
        if "revision" not in ids:
            continue  # not a migration (a helper module)
        if not isinstance(ids["revision"], str):
            return alembic_heads()
        revisions.add(ids["revision"])
        down = ids.get("down_revision")
        revised.update([down] if isinstance(down, str) else list(down or ()))
    return frozenset(revisions - revised)


def alembic_heads() -> frozenset[str]:
    """The head revision(s) as Alembic itself reads them."""
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


#: PostgreSQL advisory lock key held while one process migrates (any fixed 64-bit number; this
#: one is "mentorbt" in ASCII), so that instances and the admin shell starting at once on a fresh
#: database take turns: the second finds the first one's work done instead of failing on a
#: duplicate type or table.
MIGRATION_LOCK_KEY = 0x6D656E746F726274


@asynccontextmanager
async def migration_lock(engine: AsyncEngine, url: str) -> AsyncIterator[None]:
    """Held by one process at a time for the same database: a PostgreSQL session-level advisory
    lock on a connection of its own (committed at once, so no transaction stays open while
    Alembic works), or an exclusive file lock beside an SQLite file. An in-memory SQLite database
    belongs to one process and needs none."""
    if engine.dialect.name == "postgresql":
        from db.locks import holding

        async with holding(engine, MIGRATION_LOCK_KEY):
            yield
        return
    path = make_url(url).database
    if engine.dialect.name != "sqlite" or not path or path == ":memory:":
        yield
        return
    import fcntl

    with open(f"{path}.migrate-lock", "a+b") as handle:
        await asyncio.to_thread(fcntl.flock, handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


async def upgrade_if_needed(engine: AsyncEngine, url: str) -> bool:
    """Apply the migrations unless the database is already at head; True when it ran them.

    The check is a read on ``engine`` (ms); Alembic runs in a worker thread only when needed,
    under :func:`migration_lock`, and only if the database is still behind once the lock is held
    (another process may have migrated it meanwhile)."""
    if await at_head(engine):
        return False
    async with migration_lock(engine, url):
        if await at_head(engine):
            return False
        await upgrade_async(url)
    return True


async def upgrade_locked(url: str, revision: str = "head") -> None:
    """``upgrade`` under :func:`migration_lock` (``python -m bot migrate``)."""
    from db.engine import create_engine

    engine = create_engine(url)
    try:
        async with migration_lock(engine, url):
            await upgrade_async(url, revision)
    finally:
        await engine.dispose()
