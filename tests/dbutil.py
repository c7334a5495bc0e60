"""Real databases for tests: an SQLite file, and PostgreSQL when reachable (always in CI).

Each backend is migrated once per test session into a template; every test gets a fresh copy
(a copied SQLite file, or ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL), so tests are
isolated and still fast.
"""
from __future__ import annotations

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg

PG_DSN = os.environ.get("TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_url(dbname: str) -> str:
    base = PG_DSN.rsplit("/", 1)[0]
    return f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{dbname}"


async def pg_available() -> bool:
    try:
        conn = await asyncio.wait_for(asyncpg.connect(PG_DSN), timeout=3)
    except (OSError, asyncpg.PostgresError, asyncio.TimeoutError):
        return False
    await conn.close()
    return True


async def pg_exec(sql: str) -> None:
    conn = await asyncpg.connect(PG_DSN)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def empty_pg_database(prefix: str) -> AsyncIterator[str]:
    """A new PostgreSQL database with no tables, dropped afterwards. Unreachable PostgreSQL fails
    the test in CI and skips it elsewhere."""
    import pytest

    if not await pg_available():
        if IN_CI:
            pytest.fail("PostgreSQL is not reachable, and CI=true must not skip it")
        pytest.skip("PostgreSQL not reachable")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    await pg_exec(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        await pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Templates:
    """Migrated template databases, built lazily once per test session."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.sqlite_template: Path | None = None
        self.pg_template: str | None = None
        self.created_pg: list[str] = []

    async def sqlite(self) -> str:
        from db.migrate import upgrade

        if self.sqlite_template is None:
            path = self.workdir / "template.sqlite3"
            await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{path}")
            self.sqlite_template = path
        target = self.workdir / f"t_{uuid.uuid4().hex[:10]}.sqlite3"
        shutil.copyfile(self.sqlite_template, target)
        return f"sqlite+aiosqlite:///{target}"

    async def postgres(self) -> str:
        from db.migrate import upgrade

        if self.pg_template is None:
            name = f"mbtpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
            await pg_exec(f'CREATE DATABASE "{name}"')
            self.created_pg.append(name)
            await asyncio.to_thread(upgrade, pg_url(name))
            self.pg_template = name
        name = f"mbt_{uuid.uuid4().hex[:12]}"
        await pg_exec(f'CREATE DATABASE "{name}" TEMPLATE "{self.pg_template}"')
        self.created_pg.append(name)
        return pg_url(name)

    async def drop_pg(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        await pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created_pg:
            self.created_pg.remove(name)

    async def cleanup(self) -> None:
        for name in list(self.created_pg):
            await pg_exec(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.created_pg.clear()
