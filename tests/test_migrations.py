"""Alembic "stairway": every revision goes up, down and up again; the models match the head."""
from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from db.base import Base
from db.engine import create_engine
from db.migrate import alembic_config, downgrade, upgrade


@pytest.fixture
async def empty_db_url(request, templates, tmp_path):
    """A database with no tables: a new SQLite file, or a new PostgreSQL database."""
    from tests.dbutil import empty_pg_database

    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'stairway.sqlite3'}"
        return
    async with empty_pg_database("mbs") as url:
        yield url


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


async def _tables(url: str) -> set[str]:
    from sqlalchemy import inspect

    engine = create_engine(url)
    async with engine.connect() as conn:
        names = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    return names - {"alembic_version"}


async def _diff(url: str) -> list:
    engine = create_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(lambda c: compare_metadata(MigrationContext.configure(c), Base.metadata))
    await engine.dispose()
    return diff


@pytest.mark.parametrize("empty_db_url", ["sqlite", "postgres"], indirect=True)
async def test_stairway(empty_db_url):
    revisions = _revisions()
    assert revisions, "no migrations found"
    previous = "base"
    for rev in revisions:
        await asyncio.to_thread(upgrade, empty_db_url, rev)
        await asyncio.to_thread(downgrade, empty_db_url, previous)
        await asyncio.to_thread(upgrade, empty_db_url, rev)
        previous = rev
    assert set(Base.metadata.tables) <= await _tables(empty_db_url)
    assert await _diff(empty_db_url) == []
    await asyncio.to_thread(downgrade, empty_db_url, "base")
    assert await _tables(empty_db_url) == set()


def test_heads_read_from_the_files_are_alembics():
    from db.migrate import alembic_heads, script_heads

    assert script_heads() == alembic_heads() == frozenset({_revisions()[-1]})


@pytest.mark.parametrize("empty_db_url", ["sqlite", "postgres"], indirect=True)
async def test_upgrade_if_needed_runs_alembic_only_below_head(empty_db_url):
    """The shell's cheap check: a never-migrated or older database is upgraded, one at head is not."""
    from db.migrate import at_head, current_revisions, script_heads, upgrade_if_needed

    revisions = _revisions()
    engine = create_engine(empty_db_url)
    try:
        assert await current_revisions(engine) == frozenset()
        assert not await at_head(engine)
        assert await upgrade_if_needed(engine, empty_db_url) is True
        assert await current_revisions(engine) == script_heads() == frozenset({revisions[-1]})
        assert await upgrade_if_needed(engine, empty_db_url) is False
        if len(revisions) > 1:
            await asyncio.to_thread(downgrade, empty_db_url, revisions[-2])
            assert not await at_head(engine)
            assert await upgrade_if_needed(engine, empty_db_url) is True
            assert await at_head(engine)
    finally:
        await engine.dispose()


_RACE = """
import asyncio, sys
from db.engine import create_engine
from db.migrate import upgrade_if_needed

async def main(url):
    engine = create_engine(url)
    try:
        print("ran" if await upgrade_if_needed(engine, url) else "found")
    finally:
        await engine.dispose()

asyncio.run(main(sys.argv[1]))
"""


@pytest.mark.parametrize("empty_db_url", ["sqlite", "postgres"], indirect=True)
async def test_two_processes_migrating_a_fresh_database_at_once_take_turns(empty_db_url):
    """The bot and the admin shell (or two instances) started together on a new database: one
    runs the migrations, the other waits for it and finds them done; neither fails (without the
    lock the second failed on PostgreSQL with a duplicate type)."""
    import sys
    from pathlib import Path

    from db.migrate import at_head

    root = Path(__file__).resolve().parent.parent
    procs = [await asyncio.create_subprocess_exec(sys.executable, "-c", _RACE, empty_db_url, cwd=root,
                                                  stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
             for _ in range(3)]
    outs = [await p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err.decode()[-2000:] for _out, err in outs]
    said = sorted(out.decode().strip() for out, _err in outs)
    assert said == ["found", "found", "ran"]
    engine = create_engine(empty_db_url)
    try:
        assert await at_head(engine)
    finally:
        await engine.dispose()
    assert await _diff(empty_db_url) == []
