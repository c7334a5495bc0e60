"""bot/health.py: liveness, readiness and metrics on the bot's HTTP server; webhook mode with its
secret; JSON logs. The real app against the stand-in, on both databases."""
from __future__ import annotations

import asyncio
import json
import logging
import socket

import aiohttp
import pytest

SECRET = "s3cret-" + "x" * 20


async def _get(port: int, path: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as http, http.get(f"http://127.0.0.1:{port}{path}") as response:
        return response.status, await response.text()


async def _until(predicate, timeout: float = 10.0) -> None:  # noqa: ANN001
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await predicate():
        assert loop.time() < end, "timed out"
        await asyncio.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _metric(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        head, _, value = line.rpartition(" ")
        if head.split("{")[0] != name:
            continue
        if all(f'{k}="{v}"' in head for k, v in labels.items()):
            return float(value)
    return 0.0


async def test_health_readiness_and_metrics_in_polling_mode(make_settings, clock, tg):
    from bot.app import build_app

    app = build_app(make_settings(), clock=clock)
    await app.start(migrate=False)
    try:
        port = await app.start_http("127.0.0.1", 0)
        assert await _get(port, "/livez") == (200, '{"status": "ok"}')

        async def ready() -> bool:
            return (await _get(port, "/readyz"))[0] == 200

        await _until(ready)  # once a getUpdates came back
        status, body = await _get(port, "/readyz")
        checks = json.loads(body)["checks"]
        assert {name: c["ok"] for name, c in checks.items()} == {
            "database": True, "migrations": True, "updates": True, "outbox": True}
        assert checks["outbox"]["detail"]["depth"] == 0

        _, before = await _get(port, "/metrics")
        user = tg.user(7801, language_code="ru")
        await user.send("/help")
        await user.wait_message()
        await user.send("/help")
        await user.wait_message()

        async def counted() -> bool:
            _, now = await _get(port, "/metrics")
            return (_metric(now, "mentorbot_updates_total", type="message", outcome="handled")
                    - _metric(before, "mentorbot_updates_total", type="message", outcome="handled")) == 2

        await _until(counted)
        _, after = await _get(port, "/metrics")
        assert _metric(after, "mentorbot_update_seconds_count", type="message") >= 2
        assert "mentorbot_outbox_depth 0.0" in after
        assert "mentorbot_outbox_oldest_due_seconds 0.0" in after
        # the scheduler's start-up runs are timed by job
        assert _metric(after, "mentorbot_job_seconds_count", job="checkins") >= 1
        assert "7801" not in after  # labels name kinds and outcomes, never a person
    finally:
        await app.stop()


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_readiness_flips_when_the_database_goes_away_and_back(make_settings, clock, tg, db_url):
    from sqlalchemy.engine import make_url

    from bot.app import build_app
    from tests.dbutil import pg_exec

    name = make_url(db_url).database
    app = build_app(make_settings(), clock=clock)
    await app.start(migrate=False)
    try:
        port = await app.start_http("127.0.0.1", 0)

        async def ready() -> bool:
            return (await _get(port, "/readyz"))[0] == 200

        try:
            await _until(ready)
        except AssertionError:
            raise AssertionError((await _get(port, "/readyz"))[1]) from None
        await pg_exec(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await pg_exec(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
        status, body = await _get(port, "/readyz")
        assert status == 503
        checks = json.loads(body)["checks"]
        assert checks["database"]["ok"] is False and checks["updates"]["ok"] is True
        assert (await _get(port, "/livez"))[0] == 200  # alive: only not ready
        await pg_exec(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        try:
            await _until(ready)
        except AssertionError:
            raise AssertionError((await _get(port, "/readyz"))[1]) from None
    finally:
        await pg_exec(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await app.stop()


async def test_webhook_mode_registers_itself_and_refuses_a_wrong_secret(make_settings, clock, tg, caplog):
    from bot.app import build_app

    port = _free_port()
    settings = make_settings(bot_mode="webhook", webhook_url=f"http://127.0.0.1:{port}/webhook",
                             webhook_secret=SECRET, http_port=port, http_host="127.0.0.1")
    app = build_app(settings, clock=clock)
    await app.start(migrate=False)
    try:
        assert app._polling is None  # noqa: SLF001 - webhook mode does not poll
        assert await app.start_http() == port
        hook = tg.calls("setWebhook")[-1]
        assert hook["url"] == f"http://127.0.0.1:{port}/webhook" and hook["secret_token"] == SECRET
        assert "message" in hook["allowed_updates"] and "callback_query" in hook["allowed_updates"]

        update = {"update_id": 999001, "message": {"message_id": 1, "date": 0, "text": "/help",
                                                   "chat": {"id": 7802, "type": "private"},
                                                   "from": {"id": 7802, "is_bot": False, "first_name": "X"}}}
        async with aiohttp.ClientSession() as http:
            with caplog.at_level(logging.WARNING, logger="bot.health"):
                for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong-" + "y" * 20}):
                    async with http.post(f"http://127.0.0.1:{port}/webhook", json=update, headers=headers) as r:
                        assert r.status == 401
            refused = [r.getMessage() for r in caplog.records if "refused (401)" in r.getMessage()]
            assert len(refused) == 2 and "missing" in refused[0] and "wrong" in refused[1]
        assert tg.calls("sendMessage") == []  # nothing handled

        # Telegram's own deliveries (the stand-in posts with the secret) are handled
        user = tg.user(7803, language_code="ru")
        await user.send("/help")
        reply = await user.wait_message()
        assert reply.text

        async def acknowledged() -> bool:  # the POST is answered once the update was handled
            return any(status == 200 for _id, status in tg.webhook_deliveries)

        await _until(acknowledged)
        status, body = await _get(port, "/readyz")
        assert status == 200 and json.loads(body)["checks"]["updates"]["detail"] == "webhook set"
    finally:
        await app.stop()


def test_webhook_mode_needs_its_address_and_secret(make_settings):
    from pydantic import ValidationError

    for missing in ({"webhook_secret": SECRET}, {"webhook_url": "https://bot.example.org/webhook"}):
        with pytest.raises(ValidationError):
            make_settings(bot_mode="webhook", **missing)
    with pytest.raises(ValidationError):
        make_settings(bot_mode="webhook", webhook_url="https://bot.example.org/webhook", webhook_secret="short")


def test_json_logs_are_one_object_per_line():
    from bot.cli import JsonFormatter

    record = logging.LogRecord("bot.outbox", logging.WARNING, __file__, 1, "row %s dropped (user %s)", (5, 42), None)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "WARNING" and entry["logger"] == "bot.outbox"
    assert entry["message"] == "row 5 dropped (user 42)" and entry["ts"].endswith("+00:00")
