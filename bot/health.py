"""The bot's own HTTP server: liveness, readiness, Prometheus metrics, and in webhook mode the
webhook itself (aiogram's ``SimpleRequestHandler``), all on ``HTTP_HOST:HTTP_PORT``.

* ``GET /livez``: 200 while the event loop answers (the Dockerfile's HEALTHCHECK).
* ``GET /readyz``: 200 when this instance can serve, 503 otherwise, with each check in JSON:
  the database answers, its migrations are at head, updates arrive (polling: a ``getUpdates``
  asked or answered within ``READY_POLL_SECONDS`` and the last one did not fail; webhook: the webhook was registered), and the outbox's
  oldest due message waits less than ``READY_OUTBOX_LAG_SECONDS`` (0: not judged).
* ``GET /metrics``: bot/metrics.py's registry, the outbox's depth and oldest due age read first.
* ``POST WEBHOOK_PATH`` (webhook mode): updates, only with Telegram's secret-token header equal to
  ``WEBHOOK_SECRET``; anything else gets 401 and a log line (the peer's address, nothing more).
"""
from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select, text

from domain.outbox import CLAIMED, PENDING, SENDING
from bot.metrics import OUTBOX_DEPTH, OUTBOX_OLDEST_DUE, REGISTRY

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 3.0  # seconds a readiness check may take before it counts as failed
WAITING = (PENDING, CLAIMED, SENDING)


class CheckedWebhook(SimpleRequestHandler):
    """aiogram's webhook handler; a request without the right secret is logged as it is refused."""

    def verify_secret(self, telegram_secret_token: str, bot: Bot) -> bool:
        ok = super().verify_secret(telegram_secret_token, bot)
        if not ok:
            log.warning("webhook: a request with a %s secret token refused (401)",
                        "missing" if not telegram_secret_token else "wrong")
        return ok

    async def close(self) -> None:
        return None  # the bot's session is the app's: App.stop closes it


async def outbox_lag(app: App) -> tuple[int, float]:
    """(rows waiting to be sent, age in seconds of the oldest one that is due)."""
    from db.models import OutboxMessage as O

    now = app.clock()
    async with app.sessionmaker() as session:
        depth = await session.scalar(select(func.count()).select_from(O).where(O.status.in_(WAITING))) or 0
        oldest = await session.scalar(select(func.min(O.due_at)).where(O.status.in_(WAITING), O.due_at <= now))
    if oldest is None:
        return int(depth), 0.0
    if oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=timezone.utc)
    return int(depth), max(0.0, (now - oldest).total_seconds())


class HttpServer:
    def __init__(self, app: App) -> None:
        self.app = app
        self.web = web.Application()
        self.web.router.add_get("/livez", self.livez)
        self.web.router.add_get("/readyz", self.readyz)
        self.web.router.add_get("/metrics", self.metrics)
        if app.settings.bot_mode == "webhook":
            CheckedWebhook(app.dp, app.bot, handle_in_background=False,
                           secret_token=app.settings.webhook_secret).register(self.web, path=app.settings.webhook_path)
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    async def start(self, host: str, port: int) -> int:
        self._runner = web.AppRunner(self.web, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server  # noqa: SLF001 - the port actually bound (0 asks the system for one)
        self.port = server.sockets[0].getsockname()[1] if server and server.sockets else port
        return self.port

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def livez(self, _request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def _check(self, name: str, coro: Any) -> tuple[str, bool, Any]:
        try:
            ok, detail = await asyncio.wait_for(coro, CHECK_TIMEOUT)
        except Exception as exc:  # noqa: BLE001 - any failure is a failed check, named by type
            return name, False, type(exc).__name__
        return name, ok, detail

    async def _database(self) -> tuple[bool, Any]:
        async with self.app.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
        return True, "reachable"

    async def _migrations(self) -> tuple[bool, Any]:
        from db.migrate import at_head

        ok = await at_head(self.app.engine)
        return ok, "at head" if ok else "behind the code"

    async def _updates(self) -> tuple[bool, Any]:
        settings = self.app.settings
        if settings.bot_mode == "webhook":
            return self.app.webhook_set, "webhook set" if self.app.webhook_set else "webhook not set"
        session = self.app.bot.session
        if getattr(session, "poll_failing", False):
            return False, "getUpdates failing"
        now = time.monotonic()
        for moment, what in ((getattr(session, "last_polled", None), "answered"),
                             (getattr(session, "poll_started", None), "asked")):
            if moment is not None and now - moment <= settings.ready_poll_seconds:
                return True, f"getUpdates {what} {now - moment:.0f} s ago"
        return False, "no getUpdates asked or answered lately"

    async def _outbox(self) -> tuple[bool, Any]:
        depth, lag = await outbox_lag(self.app)
        limit = self.app.settings.ready_outbox_lag_seconds
        return (not limit or lag <= limit), {"depth": depth, "oldest_due_seconds": round(lag, 1)}

    async def readyz(self, _request: web.Request) -> web.Response:
        checks = await asyncio.gather(
            self._check("database", self._database()),
            self._check("migrations", self._migrations()),
            self._check("updates", self._updates()),
            self._check("outbox", self._outbox()),
        )
        ready = all(ok for _name, ok, _detail in checks)
        body = {"status": "ready" if ready else "not ready",
                "checks": {name: {"ok": ok, "detail": detail} for name, ok, detail in checks},
                "at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(self, _request: web.Request) -> web.Response:
        try:
            depth, lag = await asyncio.wait_for(outbox_lag(self.app), CHECK_TIMEOUT)
            OUTBOX_DEPTH.set(depth)
            OUTBOX_OLDEST_DUE.set(lag)
        except Exception as exc:  # noqa: BLE001 - the rest of the metrics are still worth serving
            log.warning("metrics: outbox depth not read (%s)", type(exc).__name__)
        return web.Response(body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST})


__all__ = ["HttpServer", "CheckedWebhook", "outbox_lag"]
