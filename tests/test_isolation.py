"""REDIS_URL: two instances never handle one person's updates at once (aiogram's
RedisEventIsolation under bot.middlewares.StateInSession); without it they would."""
from __future__ import annotations

import asyncio
import os

import pytest
from aiogram import F, Router
from aiogram.types import Message, Update

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


async def _redis_up() -> bool:
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        return bool(await asyncio.wait_for(client.ping(), 3))
    except Exception:  # noqa: BLE001
        return False
    finally:
        await client.aclose()


def _probe(name: str, log: list[tuple[str, str]]) -> Router:
    router = Router(name=f"isolation-probe-{name}")

    @router.message(F.text == "slow")
    async def slow(message: Message, session) -> None:  # noqa: ANN001
        await session.commit()
        log.append((name, "in"))
        await asyncio.sleep(0.4)
        log.append((name, "out"))

    return router


def _update(update_id: int, user_id: int) -> Update:
    return Update.model_validate({"update_id": update_id, "message": {
        "message_id": update_id, "date": 0, "text": "slow", "chat": {"id": user_id, "type": "private"},
        "from": {"id": user_id, "is_bot": False, "first_name": "A", "language_code": "ru"}}})


async def _two_instances(make_settings, clock, **overrides) -> list[tuple[str, str]]:  # noqa: ANN001
    from bot.app import build_app

    log: list[tuple[str, str]] = []
    apps = [build_app(make_settings(**overrides), clock=clock, extra_routers=[_probe(name, log)])
            for name in ("a", "b")]
    try:
        user_id = 7950
        await asyncio.gather(apps[0].dp.feed_update(apps[0].bot, _update(1, user_id)),
                             apps[1].dp.feed_update(apps[1].bot, _update(2, user_id)))
    finally:
        for app in apps:
            await app.dp.fsm.events_isolation.close()
            await app.bot.session.close()
            await app.engine.dispose()
    return log


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_one_person_s_updates_take_turns_across_instances(make_settings, clock, tg):
    from tests.dbutil import IN_CI

    if not await _redis_up():
        if IN_CI:
            pytest.fail("Redis is not reachable, and CI=true must not skip it")
        pytest.skip("Redis not reachable")
    log = await _two_instances(make_settings, clock, redis_url=REDIS_URL)
    assert [step for _name, step in log] == ["in", "out", "in", "out"]
    assert {name for name, _step in log} == {"a", "b"}


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_without_a_shared_lock_two_instances_overlap(make_settings, clock, tg):
    """The control: each instance's in-process lock alone lets them overlap."""
    log = await _two_instances(make_settings, clock)
    assert [step for _name, step in log] == ["in", "in", "out", "out"]
