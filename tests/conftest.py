"""Shared fixtures: real databases, the local Bot API stand-in, and the running bot."""
from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.dbutil import IN_CI, Templates, pg_available

os.environ.setdefault("TZ", "UTC")

TOKEN = "123456789:" + "A" * 35
ADMIN_ID = 9_000_001


class FakeClock:
    """A controllable clock: starts at a fixed moment, moves only when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


_PG_STATE: dict[str, bool] = {}


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Templates:
    tpl = Templates(tmp_path_factory.mktemp("db"))
    yield tpl
    if tpl.created_pg:
        asyncio.run(tpl.cleanup())


@pytest.fixture(params=["sqlite", "postgres"])
async def db_url(request: pytest.FixtureRequest, templates: Templates) -> AsyncIterator[str]:
    if request.param == "postgres":
        if "ok" not in _PG_STATE:
            _PG_STATE["ok"] = await pg_available()
        if not _PG_STATE["ok"]:
            if IN_CI:
                pytest.fail("PostgreSQL is not reachable, and CI=true must not skip it")
            pytest.skip("PostgreSQL not reachable on this machine")
        url = await templates.postgres()
        yield url
        await templates.drop_pg(url)
    else:
        yield await templates.sqlite()


@pytest.fixture
async def sessionmaker(db_url: str):
    from db.engine import create_engine_and_sessionmaker

    engine, maker = create_engine_and_sessionmaker(db_url)
    yield maker
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def tg() -> AsyncIterator[object]:
    from tests.telegram_stub import FakeTelegram

    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def make_settings(db_url: str, tg) -> Callable[..., object]:
    from bot.config import Settings

    def factory(**overrides: object):
        values: dict[str, object] = {
            "bot_token": TOKEN,
            "telegram_api_url": tg.base_url,
            "database_url": db_url,
            "admin_ids": [ADMIN_ID],
            "outbox_tick_seconds": 0.2,
            "outbox_lease_seconds": 2,
            "quiet_hours_start": 0,
            "quiet_hours_end": 0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return factory


@pytest.fixture
async def start_app(make_settings, clock: FakeClock) -> AsyncIterator[Callable[..., object]]:
    """Start the real bot (Dispatcher, HTTP session, scheduler) against the stand-in."""
    from bot.app import build_app

    apps = []

    async def factory(**overrides: object):
        app = build_app(make_settings(**overrides), clock=clock)
        await app.start(migrate=False)
        apps.append(app)
        return app

    yield factory
    for app in apps:
        await app.stop()


@pytest.fixture
async def app(start_app):
    return await start_app()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).parent
    for item in items:
        if "e2e" in Path(str(item.fspath)).name:
            item.add_marker(pytest.mark.e2e)
