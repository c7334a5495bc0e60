"""The admin shell beside the live bot (issue 10, item 4): it holds no transaction while it waits
for Telegram, gives up on a silent Telegram with a clear error, imports only what it needs, and
prints the tree from one query."""
from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select, text

from bot.cli import CliError, _admin, _parser
from db.models import Invitation, Unit
from domain.units import create_unit
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent


async def _school(sessionmaker) -> int:
    async with sessionmaker() as s:
        region = await create_unit(s, "region", "Рязанская область", timezone="Europe/Moscow")
        mun = await create_unit(s, "municipality", "Рязань", parent=region)
        org = await create_unit(s, "organisation", "Школа № 5", parent=mun, org_type="school")
        await s.commit()
        return org.id


async def _shell(make_settings, *argv: str) -> str:
    return await _admin(make_settings(), _parser().parse_args(["admin", *argv]))


async def _open_transactions(db_url: str) -> int:
    """Other connections' open transactions on this PostgreSQL database (the shell's, here)."""
    import asyncpg

    conn = await asyncpg.connect(db_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL")
    finally:
        await conn.close()


def _write_now(db_url: str) -> None:
    """A write on SQLite that refuses to wait: fails at once if anyone holds the write lock."""
    conn = sqlite3.connect(db_url.split(":///", 1)[1], timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE units SET name = name")
        conn.execute("COMMIT")
    finally:
        conn.close()


async def test_invite_curator_holds_no_transaction_while_telegram_answers_getme(db_url, tg, make_settings,
                                                                               sessionmaker):
    org_id = await _school(sessionmaker)
    tg.hold_responses("getMe")
    shell = asyncio.create_task(_shell(make_settings, "invite-curator", "--org", str(org_id)))
    await tg.wait_held(1, timeout=30)
    # getMe is in flight and unanswered: the database is free for the bot meanwhile
    if db_url.startswith("sqlite"):
        await asyncio.to_thread(_write_now, db_url)
    else:
        assert await _open_transactions(db_url) == 0
    assert not shell.done()
    tg.release("getMe")
    link = await asyncio.wait_for(shell, 30)
    assert link.startswith(f"https://t.me/{tg.bot_username}?start=c_")
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Invitation).where(Invitation.unit_id == org_id)) == 1


async def test_invite_curator_gives_up_on_a_silent_telegram_and_creates_nothing(tg, make_settings, sessionmaker):
    org_id = await _school(sessionmaker)
    tg.hold_responses("getMe")
    try:
        shell = asyncio.create_task(_shell(make_settings, "invite-curator", "--org", str(org_id), "--timeout", "0.3"))
        try:
            await asyncio.wait_for(shell, 30)
        except CliError as exc:
            message = str(exc)
        else:
            raise AssertionError("the shell printed a link without the bot's username")
    finally:
        tg.release("getMe")
    assert "did not answer getMe within 0.3 s" in message
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Invitation)) == 0


async def test_telegram_refusing_getme_is_named_without_the_token(tg, make_settings, sessionmaker):
    org_id = await _school(sessionmaker)
    tg.fail_next("getMe", 401, "Unauthorized")
    try:
        await _shell(make_settings, "invite-curator", "--org", str(org_id))
    except CliError as exc:
        message = str(exc)
    else:
        raise AssertionError("a refused getMe still gave a link")
    assert "getMe" in message and "401" in message and "Unauthorized" in message
    assert TOKEN.split(":")[1] not in message


async def test_tree_lists_children_by_name_under_their_parents(make_settings, sessionmaker):
    async with sessionmaker() as s:
        samara = await create_unit(s, "region", "Самарская область")
        ryazan = await create_unit(s, "region", "Рязанская область")
        town = await create_unit(s, "municipality", "Рязань", parent=ryazan)
        village = await create_unit(s, "municipality", "Касимов", parent=ryazan)
        b = await create_unit(s, "organisation", "Школа Б", parent=town, org_type="school")
        a = await create_unit(s, "organisation", "Колледж А", parent=town, org_type="college")
        await s.commit()
    out = await _shell(make_settings, "tree")
    assert out.splitlines() == [
        f"{ryazan.id} region: Рязанская область",
        f"  {village.id} municipality: Касимов",
        f"  {town.id} municipality: Рязань",
        f"    {a.id} organisation, college: Колледж А",
        f"    {b.id} organisation, school: Школа Б",
        f"{samara.id} region: Самарская область",
    ]


async def test_tree_of_an_empty_deployment(make_settings):
    assert await _shell(make_settings, "tree") == "(empty)"


PROBE = """
import json, sys
import db.migrate
from bot.cli import main
migrated = []
_upgrade = db.migrate.upgrade
db.migrate.upgrade = lambda *a, **k: (migrated.append(a), _upgrade(*a, **k))[1]
code = main(sys.argv[1:])
heavy = ("aiogram", "handlers", "openpyxl", "ortools", "numpy", "matplotlib", "bot.app")
print(json.dumps({"code": code, "loaded": [m for m in heavy if m in sys.modules], "migrated": bool(migrated)}))
"""


def _probe(db_url: str, api_url: str, *argv: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "TELEGRAM_"))}
    env.update(BOT_TOKEN=TOKEN, DATABASE_URL=db_url, TELEGRAM_API_URL=api_url, PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], env=env, capture_output=True, text=True,
                          timeout=120, cwd=str(ROOT))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


async def test_shell_commands_import_neither_aiogram_nor_alembic_at_head(db_url, tg, sessionmaker):
    org_id = await _school(sessionmaker)
    for argv in (["admin", "tree"], ["admin", "invite-curator", "--org", str(org_id)],
                 ["admin", "create-org", "--municipality", "Рязань", "--type", "college", "Колледж"]):
        got = await asyncio.to_thread(_probe, db_url, tg.base_url, *argv)
        assert got == {"code": 0, "loaded": [], "migrated": False}, argv


async def test_shell_on_a_never_migrated_database_migrates_it_first(tmp_path, tg):
    url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
    got = await asyncio.to_thread(_probe, url, tg.base_url, "admin", "create-region", "Тверская область")
    assert got == {"code": 0, "loaded": [], "migrated": True}
    from db.engine import create_engine

    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            assert await conn.scalar(select(Unit.name)) == "Тверская область"
            assert await conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    finally:
        await engine.dispose()
