"""Background jobs (APScheduler). Every job's misfire grace is unlimited and runs coalesce:
APScheduler's default grace of 1 s silently drops runs that came due while the bot was down.
The jobs only move rows: what must happen survives in the database, not in the scheduler."""
from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": None}


def install_jobs(app: App) -> None:
    from bot.outbox import OutboxSender
    from domain import attention
    from domain.digest import enqueue_digests

    # what curators are told is gathered into one summary (domain.attention), written by the sender
    attention.configure(translator=app.translator, default_tz=app.settings.timezone)
    sender = OutboxSender(app.bot, app.sessionmaker, app.settings, app.translator, clock=app.clock)
    sender.install(app.scheduler)
    app.sender = sender

    async def digest_job() -> None:
        async with app.sessionmaker() as session:
            count = await enqueue_digests(session, app.clock(), app.settings)
            await session.commit()
        if count:
            log.info("added %d curator digests to their attention lists", count)

    # First run at start-up: the job store is in memory, so a bot restarted more often than the
    # interval would otherwise never send a digest. The watermark makes early runs harmless.
    app.scheduler.add_job(digest_job, "interval", minutes=app.settings.digest_interval_minutes,
                          id="curator-digest", replace_existing=True,
                          next_run_time=datetime.now(timezone.utc), **JOB_DEFAULTS)

    # --- pairing: reminders about unanswered pair proposals (domain.pairing) -------------------
    # In short committed batches (run_remind_and_report): a backlog of thousands never holds SQLite.
    from domain.pairing import REMINDER_JOB_MINUTES, run_remind_and_report

    async def pair_reminder_job() -> None:
        reminded, reported = await run_remind_and_report(app.sessionmaker, app.clock(), app.translator,
                                                         app.settings.default_locale)
        if reminded or reported:
            log.info("pair proposals: %d reminders, %d reports to curators", reminded, reported)

    app.scheduler.add_job(pair_reminder_job, "interval", minutes=REMINDER_JOB_MINUTES, id="pair-reminders",
                          replace_existing=True, next_run_time=datetime.now(timezone.utc), **JOB_DEFAULTS)

    # --- meetings: check-ins and pairs at risk (domain.checkins) -------------------------------
    # Both are safe to run as often as wanted (a person gets at most one check-in a day; an alert
    # is queued once per pair, reason and week), so the first run is at start-up too.
    # At region scale they work in batches, each in its own short committed session (run_*), so
    # SQLite's single pooled connection is free between batches and updates keep being answered.
    from domain.checkins import run_due_checkins, run_risk_alerts

    async def checkin_job() -> None:
        queued = await run_due_checkins(app.sessionmaker, app.clock(), default_tz=app.settings.timezone)
        if queued:
            log.info("check-ins: %d queued", queued)

    async def risk_job() -> None:
        queued = await run_risk_alerts(app.sessionmaker, app.clock(), default_tz=app.settings.timezone)
        if queued:
            log.info("pairs at risk: %d alerts queued", queued)

    app.scheduler.add_job(checkin_job, "interval", minutes=30, id="checkins", replace_existing=True,
                          next_run_time=datetime.now(timezone.utc), **JOB_DEFAULTS)
    app.scheduler.add_job(risk_job, "interval", minutes=60, id="risk-alerts", replace_existing=True,
                          next_run_time=datetime.now(timezone.utc), **JOB_DEFAULTS)

    # --- roadmaps: deadline reminders (domain.roadmap) -------------------------------------------
    # Safe to run as often as wanted (one outbox row per item, due date and stage, by dedupe key),
    # so the first run is at start-up too.
    from domain.roadmap import queue_reminders

    async def roadmap_job() -> None:
        async with app.sessionmaker() as session:
            queued = await queue_reminders(session, app.clock(), default_tz=app.settings.timezone)
            await session.commit()
        if queued:
            log.info("roadmap reminders: %d queued", queued)

    # On the hour and the half hour (reminders are due at 09:00 local: sent then, not up to 30
    # minutes later as an interval counted from start-up would), and once at start-up.
    app.scheduler.add_job(roadmap_job, "cron", minute="0,30", id="roadmap-reminders", replace_existing=True,
                          next_run_time=datetime.now(timezone.utc), **JOB_DEFAULTS)
