"""A fresh deployment bootstrapped from the shell alone, then the invited curator in the bot."""
from __future__ import annotations

import asyncio
import os
import re
import sys
from pathlib import Path

from sqlalchemy import select

from db.models import CuratorRole, Unit
from domain.invitations import PAYLOAD_RE
from tests.conftest import TOKEN

ROOT = Path(__file__).resolve().parent.parent


async def run_cli(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args,
        cwd=env["HOME_FOR_TEST"], env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
    return proc.returncode, out.decode(), err.decode()


def cli_env(db_url: str, api_url: str, workdir: Path) -> dict[str, str]:
    """The CLI's environment; it runs in an empty directory so no developer's .env leaks in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "TELEGRAM_"))}
    env.update(BOT_TOKEN=TOKEN, DATABASE_URL=db_url, TELEGRAM_API_URL=api_url, ADMIN_IDS="1",
               PYTHONPATH=str(ROOT), HOME_FOR_TEST=str(workdir))
    return env


async def test_shell_bootstrap_then_curator_accepts(db_url, tg, start_app, sessionmaker, tmp_path):
    env = cli_env(db_url, tg.base_url, tmp_path)
    code, out, err = await run_cli(env, "admin", "create-region", "Рязанская область")
    assert code == 0, err
    region_id = int(re.match(r"region (\d+):", out)[1])
    code, out, err = await run_cli(env, "admin", "create-municipality", "--region", "Рязанская область", "Рязань")
    assert code == 0, err
    code, out, err = await run_cli(env, "admin", "create-org", "--municipality", "Рязань", "--type", "school",
                                   "Школа № 5")
    assert code == 0, err
    org_id = int(re.match(r"organisation (\d+):", out)[1])
    code, out, err = await run_cli(env, "admin", "invite-curator", "--org", str(org_id))
    assert code == 0, err
    link = out.strip()
    me = await (await start_app()).bot.me()
    m = re.fullmatch(rf"https://t\.me/{me.username}\?start=(\S+)", link)
    assert m, link
    payload = m[1]
    assert len(payload) <= 64 and PAYLOAD_RE.match(payload)

    code, out, err = await run_cli(env, "admin", "tree")
    assert code == 0 and "Школа № 5" in out and "Рязань" in out

    async with sessionmaker() as session:
        org = await session.get(Unit, org_id)
        assert org.kind == "organisation" and org.org_type == "school"
        assert org.path.startswith(f"{region_id}/")

    # the curator opens the link and accepts: consent, then full name
    curator = tg.user(5001, language_code="ru")
    await curator.send(f"/start {payload}")
    msg = await curator.wait_message()
    await curator.press(msg, "Согла")
    msg = await curator.wait_message()
    await curator.send("Петрова Анна Сергеевна")
    msg = await curator.wait_message(contains="/curator")
    async with sessionmaker() as session:
        roles = (await session.scalars(select(CuratorRole).where(CuratorRole.unit_id == org_id))).all()
        assert len(roles) == 1

    # the one-use link cannot make a second curator
    other = tg.user(5002, language_code="ru")
    await other.send(f"/start {payload}")
    await other.wait_message(contains="максимальное число")


async def test_cli_errors_are_clear(db_url, tg, tmp_path):
    env = cli_env(db_url, tg.base_url, tmp_path)
    code, _, err = await run_cli(env, "admin", "create-municipality", "--region", "Нет такого", "X")
    assert code == 1 and "no region" in err
    code, _, err = await run_cli(env, "admin", "create-region", "R")
    assert code == 1 and "refused" in err
    code, _, err = await run_cli(env, "admin", "create-region", "Марс", "--timezone", "Mars/Base")
    assert code == 1 and "unknown time zone" in err
    assert (await run_cli(env, "admin", "create-region", "Самарская область"))[0] == 0
    code, _, err = await run_cli(env, "admin", "create-region", "самарская область")
    assert code == 1 and "unit-exists" in err
    env_no_token = dict(env)
    del env_no_token["BOT_TOKEN"]
    code, _, err = await run_cli(env_no_token, "admin", "tree")
    assert code == 2 and "BOT_TOKEN" in err


async def test_the_bot_as_deployed_starts_with_its_heap_frozen_and_answers(db_url, tg, tmp_path):
    """``python -m bot`` as a deployment runs it: the cyclic collector is off while the bot
    starts (bot/__main__.py), and once started what exists is frozen and the collector is back
    on (bot.app.settle_heap, logged); the bot then answers and stops cleanly on SIGTERM."""
    import signal

    from bot.i18n import Translator

    env = cli_env(db_url, tg.base_url, tmp_path)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", cwd=str(tmp_path), env={**env, "LOG_LEVEL": "INFO"},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        started = None
        while started is None:
            line = (await asyncio.wait_for(proc.stderr.readline(), 60)).decode()
            assert line, "the bot exited before it started"
            started = re.search(r"started \(id \d+\); (\d+) start-up objects frozen, collector on", line)
        assert int(started[1]) > 100_000  # aiogram's types, the models, the routers: a real freeze
        guest = tg.user(7301, language_code="ru")
        await guest.send("/help")
        assert Translator().get("ru", "help-guest") in (await guest.wait_message()).text
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()[-2000:]
