"""``python -m bot db copy`` (SQLite to PostgreSQL: every table, parents first, sequences moved,
counts checked, a non-empty target refused) and ``db backup`` (SQLite's online backup)."""
from __future__ import annotations

import asyncio
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "A" * 35


async def _counts(url: str) -> dict[str, int]:
    from db.base import Base
    from db.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return {t.name: int(await conn.scalar(select(func.count()).select_from(t)))
                    for t in Base.metadata.sorted_tables}
    finally:
        await engine.dispose()


async def _cli(*args: str, database_url: str) -> tuple[int, str, str]:
    env = dict(os.environ, BOT_TOKEN=TOKEN, DATABASE_URL=database_url)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", *args, cwd=ROOT, env=env,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await proc.communicate()
    return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def region_sqlite(templates) -> str:  # noqa: ANN001
    """A migrated SQLite file holding a small region (the monitoring bench's generator: units under
    their parents, people, programmes, pairs, meetings, surveys, denominators), plus a dialog and a
    queued message."""
    from bench.monitoring_seed import SqliteSink, fill
    from bot.fsm_storage import DbStorage
    from db.engine import create_engine_and_sessionmaker
    from db.models import OutboxMessage

    url = await templates.sqlite()
    path = url.split("///", 1)[1]
    sink = SqliteSink(path, datetime(2026, 11, 1, tzinfo=timezone.utc))
    await fill(sink, 3, 4000, date(2026, 11, 1), lambda _line: None)
    engine, sessionmaker = create_engine_and_sessionmaker(url)
    from aiogram.fsm.storage.base import StorageKey

    await DbStorage(sessionmaker).set_state(StorageKey(bot_id=42, chat_id=5, user_id=5), "Reg:name")
    async with sessionmaker() as session:
        session.add(OutboxMessage(chat_id=5, payload={"text": "привет"}, kind="test", dedupe_key="copy-test"))
        await session.commit()
    await engine.dispose()
    return url


@pytest.fixture
async def empty_pg() -> str:
    from tests.dbutil import empty_pg_database

    async with empty_pg_database("mbcopy") as url:
        yield url


async def test_copy_from_sqlite_to_postgresql_then_the_bot_runs_on_the_copy(region_sqlite, empty_pg, tg, clock):
    source = await _counts(region_sqlite)
    assert source["units"] > 50 and source["participants"] >= 4000 and source["pairs"] > 0
    assert source["fsm_states"] == 1 and source["outbox"] == 1

    code, out, err = await _cli("db", "copy", "--to", empty_pg.replace("+asyncpg", ""), database_url=region_sqlite)
    assert code == 0, err[-3000:]
    assert "row counts match" in out
    assert await _counts(empty_pg) == source

    # a second copy into the now populated database is refused, and changes nothing
    code, _out, err = await _cli("db", "copy", "--to", empty_pg, database_url=region_sqlite)
    assert code == 1 and "not empty" in err
    assert await _counts(empty_pg) == source

    # the bot runs on the copy; new rows get ids past the copied ones (sequences moved)
    from bot.app import build_app
    from bot.config import Settings
    from db.models import Unit

    app = build_app(Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=tg.base_url,
                             database_url=empty_pg), clock=clock)
    await app.start()
    try:
        user = tg.user(7901, language_code="ru")
        await user.send("/help")
        assert (await user.wait_message()).text
        async with app.sessionmaker() as session:
            top = await session.scalar(select(func.max(Unit.id)))
            unit = Unit(kind="region", name="Новая область", name_key="новая область", path="/")
            session.add(unit)
            await session.commit()
            assert unit.id > top
    finally:
        await app.stop()


async def test_copy_refuses_the_source_itself(region_sqlite):
    code, _out, err = await _cli("db", "copy", "--to", region_sqlite, database_url=region_sqlite)
    assert code == 1 and "the target is the source" in err


async def test_backup_of_a_live_sqlite_database(region_sqlite, tmp_path):
    from db.engine import create_engine_and_sessionmaker
    from db.models import OutboxMessage

    source = await _counts(region_sqlite)
    engine, sessionmaker = create_engine_and_sessionmaker(region_sqlite)
    try:
        async with sessionmaker() as session:  # the bot holds the database open meanwhile
            session.add(OutboxMessage(chat_id=6, payload={"text": "ещё"}, kind="test", dedupe_key="copy-test-2"))
            await session.commit()
            target = tmp_path / "backups" / "mentorbot.sqlite3"
            code, out, err = await _cli("db", "backup", str(target), database_url=region_sqlite)
            assert code == 0, err[-3000:]
            assert "backup written" in out
        assert await _counts(f"sqlite+aiosqlite:///{target}") == dict(source, outbox=2)
        code, _out, err = await _cli("db", "backup", str(target), database_url=region_sqlite)
        assert code == 1 and "exists" in err
    finally:
        await engine.dispose()
    code, _out, err = await _cli("db", "backup", str(tmp_path / "x.sqlite3"),
                                 database_url="postgresql://postgres@127.0.0.1:5432/test")
    assert code == 1 and "pg_dump" in err
