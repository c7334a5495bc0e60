"""Assembling the application: bot, dispatcher, routers, middlewares, scheduler."""
from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from typing import Any

from aiogram import Bot, Router
from aiogram import Dispatcher as AiogramDispatcher
from aiogram.client.session.middlewares.base import BaseRequestMiddleware
from aiogram.types import Update
from aiogram.client.telegram import TelegramAPIServer
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.fsm.storage.base import BaseEventIsolation
from aiogram.fsm.storage.memory import SimpleEventIsolation
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.commands import publish_default, publish_for_admins
from bot.config import Settings
from bot.exports import ExportRunner, interrupt_running
from bot.fsm_storage import DbStorage
from bot.i18n import Translator
from bot.leader import Leadership
from bot.metrics import REPLY_SECONDS, UPDATES, watch_jobs
from bot.outbox import OutboxSender
from bot.session import BotSession
from bot.middlewares import (
    CommitBeforeRequest,
    ContextMiddleware,
    DbSessionMiddleware,
    RetryDirectReplies,
    ShortLabels,
    StateInSession,
)
from bot.replies import DeferReplies, reply_scope
from bot.questions import QuestionCopies, TrackEdits
from db.engine import create_engine_and_sessionmaker
from db.migrate import upgrade_if_needed
from domain.background import foreground

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]


def utc_clock() -> datetime:
    return datetime.now(timezone.utc)


def settle_heap(collect: bool = False) -> int:
    """Called once the bot has started: what exists now (modules, pydantic types, mappers,
    routers, locales) lives as long as the process, so it is frozen out of the cyclic
    collector's scans (``gc.freeze``), and the collector, off during the start
    (bot/__main__.py), runs again. Every later full collection then scans only what was made
    since: the updates', the jobs' and the caches' objects. Returns how many objects were
    frozen. Frozen garbage is never freed, so ``collect`` (the start ran the migrations, whose
    Alembic run leaves a good deal) collects first; otherwise not: a collection would hold the
    loop 0.3 s before the first answer to free some 2,000 objects of a usual start. Not for
    tests that start many apps in one process."""
    if collect:
        gc.collect()
    gc.freeze()
    gc.enable()
    return gc.get_freeze_count()


def make_bot(settings: Settings, defer: BaseRequestMiddleware | None = None) -> Bot:
    """The bot and its request middlewares, outermost first. ``defer`` (the running bot's
    :class:`bot.replies.DeferReplies`) hands the replies the retry gives up on to the outbox."""
    session = BotSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))  # skips unreadable updates
    session.middleware(CommitBeforeRequest())  # the outer one: commits once, before any attempt
    session.middleware(ShortLabels())  # no button label cut inside a word by a phone
    session.middleware(TrackEdits())  # notes the messages a handler edits (bot/questions.py)
    if defer is not None:
        session.middleware(defer)  # what the retry gives up on goes to the outbox (bot/replies.py)
    session.middleware(RetryDirectReplies(settings.reply_retry_attempts, settings.reply_retry_max_wait))
    return Bot(token=settings.bot_token, session=session)


class Dispatcher(AiogramDispatcher):
    """aiogram's dispatcher, with each update handled as one scope of direct replies, its error
    handler included (aiogram runs that outside every middleware we register): retried, and
    handed to the outbox in order when they cannot be delivered in time (bot/replies.py).
    While an update is handled the scheduler's jobs wait between their batches
    (``domain.background.foreground``): people's replies go first."""

    async def feed_update(self, bot: Bot, update: Update, **kwargs: Any) -> Any:
        kind = update.event_type
        began = time.monotonic()
        outcome = "error"
        try:
            with reply_scope(), foreground.busy():
                result = await super().feed_update(bot, update, **kwargs)
            outcome = "unhandled" if result is UNHANDLED else "handled"
            return result
        finally:
            UPDATES.labels(kind, outcome).inc()
            REPLY_SECONDS.labels(kind).observe(time.monotonic() - began)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    bot: Bot
    dp: Dispatcher
    translator: Translator
    scheduler: AsyncIOScheduler
    clock: Clock = utc_clock
    sender: OutboxSender | None = None
    exports: ExportRunner | None = None  # report files in the background (bot/exports.py)
    migrated: bool = False  # the last start ran the migrations
    webhook_set: bool = False  # webhook mode: Telegram was given our address
    http: Any = None  # bot.health.HttpServer once start_http ran
    leadership: Leadership | None = None  # bot/leader.py, once started
    _polling: asyncio.Task | None = field(default=None, repr=False)
    _stopped: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    async def bot_username(self) -> str:
        me = await self.bot.me()
        return me.username or ""

    async def start(self, migrate: bool = True, polling: bool = True) -> None:
        if migrate:
            # a read when already at head (the usual restart); Alembic only when behind
            self.migrated = await upgrade_if_needed(self.engine, self.settings.db_url)
        await publish_default(self.bot, self.translator, self.settings.default_locale)
        await publish_for_admins(self.bot, self.sessionmaker, self.translator, self.settings)
        # the jobs and the recovery run on the leading instance only (bot/leader.py); a single
        # instance, and any on SQLite, leads from here on, before it takes updates
        self.scheduler.start(paused=True)
        self.leadership = Leadership(self.engine, self.settings.leader_retry_seconds,
                                     on_gain=self._lead, on_loss=self._follow)
        await self.leadership.start()
        if self.settings.bot_mode == "webhook":
            polling = False
        if polling:
            self._polling = asyncio.create_task(
                self.dp.start_polling(self.bot, handle_signals=False, close_bot_session=False,
                                      allowed_updates=self.dp.resolve_used_update_types()),
                name="polling",
            )

    async def _lead(self) -> None:
        try:
            await self._recover()
        except Exception:  # noqa: BLE001 - the jobs must run anyway; the next leader start retries
            log.exception("start-up recovery failed; the scheduled jobs run nonetheless")
        self.scheduler.resume()

    async def _follow(self) -> None:
        self.scheduler.pause()

    async def _recover(self) -> None:
        """What a crash can leave half-done: a matching run marked running (one bot process); and
        what older versions left: active pairs with an erased participant (``domain.erasure``)."""
        from domain.pairing import fail_stale_runs

        async with self.sessionmaker() as session:
            failed = await fail_stale_runs(session, self.clock())
            await session.commit()
        if failed:
            log.warning("marked %d interrupted matching runs as failed", failed)
        # report exports left running by a stopped process: interrupted, their users told once
        await interrupt_running(self.sessionmaker, self.clock())
        # active pairs still holding someone erased before erasure ended them: put right, told
        from domain.erasure import release_erased

        async with self.sessionmaker() as session:
            await release_erased(session, self.clock())
            await session.commit()

    async def start_http(self, host: str | None = None, port: int | None = None) -> int | None:
        """The HTTP server (bot/health.py): health, metrics and, in webhook mode, the webhook,
        which is then registered with Telegram (with the update types the routers use). Returns
        the port it listens on; None when HTTP_PORT is 0 in polling mode."""
        from bot.health import HttpServer

        port = self.settings.http_port if port is None else port
        if port == 0 and self.settings.bot_mode == "polling" and host is None:
            return None
        self.http = HttpServer(self)
        bound = await self.http.start(host or self.settings.http_host, port)
        log.info("HTTP server on port %s (health, metrics%s)", bound,
                 ", webhook" if self.settings.bot_mode == "webhook" else "")
        if self.settings.bot_mode == "webhook":
            await self.bot.set_webhook(self.settings.webhook_url, secret_token=self.settings.webhook_secret,
                                       allowed_updates=self.dp.resolve_used_update_types(),
                                       drop_pending_updates=False)
            self.webhook_set = True
            log.info("webhook registered")
        return bound

    def request_stop(self) -> None:
        """SIGTERM: stop polling, or in webhook mode end :meth:`wait`."""
        self._stopped.set()
        if self._polling is not None and not self._polling.done():
            asyncio.ensure_future(self.dp.stop_polling())

    async def wait(self) -> None:
        if self._polling is not None:
            await self._polling
        elif self.settings.bot_mode == "webhook":
            await self._stopped.wait()

    async def stop(self) -> None:
        if self.http is not None:
            # the webhook stays registered: another instance (or this one, restarted) serves it,
            # and Telegram keeps the updates meanwhile
            await self.http.stop()
            self.http = None
        if self._polling is not None and not self._polling.done():
            try:
                await self.dp.stop_polling()
            except RuntimeError:
                pass
            try:
                await asyncio.wait_for(self._polling, timeout=10)
            except (asyncio.TimeoutError, asyncio.CancelledError):
                self._polling.cancel()
        if self.leadership is not None:
            await self.leadership.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self.sender is not None:
            await self.sender.close()
        if self.exports is not None:
            # after the sender: the "interrupted" notice it enqueues must wait for the next start,
            # not be caught half-sent by a sender that is being stopped
            await self.exports.stop()
        await self.dp.fsm.events_isolation.close()
        await self.bot.session.close()
        await self.engine.dispose()


def build_app(
    settings: Settings,
    clock: Clock = utc_clock,
    events_isolation: BaseEventIsolation | None = None,
    extra_routers: Sequence[Router] = (),
) -> App:
    from bot.scheduler import install_jobs
    from handlers import get_routers

    engine, sessionmaker = create_engine_and_sessionmaker(settings.db_url, echo=settings.db_echo)
    translator = Translator(default=settings.default_locale)
    bot = make_bot(settings, DeferReplies(sessionmaker, clock))
    if events_isolation is None and settings.redis_url:
        # several instances: a person's updates are handled one at a time across all of them (a
        # lock in Redis per person, aiogram's own), so their dialog state cannot race
        from aiogram.fsm.storage.redis import RedisEventIsolation

        events_isolation = RedisEventIsolation.from_url(settings.redis_url)
    dp = Dispatcher(storage=DbStorage(sessionmaker), events_isolation=events_isolation or SimpleEventIsolation())
    # the update's session is opened inside aiogram's FSM middleware (its lock, then the session,
    # then the state read), which takes that middleware's place among the outer ones
    dp.update.outer_middleware.unregister(dp.fsm)
    dp.fsm = StateInSession(dp.fsm, DbSessionMiddleware(sessionmaker), settings.updates_concurrency)
    dp.update.outer_middleware(dp.fsm)
    dp.update.outer_middleware(ContextMiddleware(settings, translator, clock))
    dp.message.outer_middleware(QuestionCopies())  # stale copies of a dialog's question (bot/questions.py)
    dp.callback_query.outer_middleware(QuestionCopies())
    dp.include_routers(*extra_routers, *get_routers())
    dp["sessionmaker"] = sessionmaker
    dp["clock"] = clock
    scheduler = AsyncIOScheduler(timezone=timezone.utc)
    app = App(settings, engine, sessionmaker, bot, dp, translator, scheduler, clock)
    dp["app"] = app
    app.exports = ExportRunner(app)
    install_jobs(app)
    watch_jobs(scheduler)
    return app
