"""How many updates per second the real bot answers (Dispatcher, middlewares, DB session per
update, FSM storage, HTTP session) against the local Bot API stand-in.

    .venv/bin/python -m bench.updates [--updates 3000] [--users 300] [--database-url URL]

Prints updates/s for a mix of /help (reads the user, the FSM state and a participant) and
/language (same plus a write of the dialog data on the button press).
"""
from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from bot.app import build_app
from bot.config import Settings
from db.migrate import upgrade
from tests.telegram_stub import FakeTelegram

TOKEN = "123456789:" + "B" * 35


async def run(updates: int, users: int, db_url: str | None) -> None:
    tmp = Path(tempfile.mkdtemp())
    url = db_url or f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
    await asyncio.to_thread(upgrade, url)
    async with FakeTelegram(max_long_poll=1.0) as tg:
        settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=tg.base_url, database_url=url)
        app = build_app(settings)
        await app.start(migrate=False)
        try:
            people = [tg.user(100_000 + i, language_code="ru") for i in range(users)]
            start_requests = len(tg.calls("sendMessage"))
            t0 = time.perf_counter()
            for i in range(updates):
                await people[i % users].send("/help" if i % 2 else "/language")
            await tg.wait_until(
                lambda: True if len(tg.calls("sendMessage")) - start_requests >= updates else None,
                timeout=600, describe="all answers",
            )
            elapsed = time.perf_counter() - t0
        finally:
            await app.stop()
    backend = url.split(":", 1)[0]
    print(f"backend={backend} updates={updates} users={users} elapsed={elapsed:.2f}s "
          f"rate={updates / elapsed:.0f} updates/s")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--updates", type=int, default=3000)
    p.add_argument("--users", type=int, default=300)
    p.add_argument("--database-url")
    a = p.parse_args()
    asyncio.run(run(a.updates, a.users, a.database_url))


if __name__ == "__main__":
    main()
