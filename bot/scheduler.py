"""Background jobs (APScheduler). Every job's misfire grace is unlimited and runs coalesce:
APScheduler's default grace of 1 s silently drops runs that came due while the bot was down.
The jobs only move rows: what must happen survives in the database, not in the scheduler."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


def install_jobs(app: App) -> None:
    from bot.outbox import OutboxSender
    from domain.digest import enqueue_digests

    sender = OutboxSender(app.bot, app.sessionmaker, app.settings, app.translator, clock=app.clock)
    sender.install(app.scheduler)
    app.sender = sender

    async def digest_job() -> None:
        async with app.sessionmaker() as session:
            count = await enqueue_digests(session, app.clock(), app.settings)
            await session.commit()
        if count:
            log.info("queued %d curator digests", count)

    app.scheduler.add_job(digest_job, "interval", minutes=app.settings.digest_interval_minutes,
                          id="curator-digest", replace_existing=True, **JOB_DEFAULTS)
