"""Report exports in the background: the handler returns at once, the file arrives when ready.

:class:`ExportRunner` belongs to the App. :meth:`ExportRunner.start` refuses a second export of a
user who already has one running ("already preparing, wait"), writes the export log row
(:class:`db.models.ExportJob`) and an ``AuditEvent`` ("export", ids only) in the caller's session,
commits them, then, in an asyncio task of its own, has :func:`domain.reports.build_report` write
the file in a child process (:mod:`bot.export_worker`, see :func:`build_in_child`: the export's
seconds of Python and its memory stay out of the bot's interpreter, so other replies do not wait
for its GIL). The task shows a progress message for large reports (edited every few seconds with
the row count the child reports), sends the document, and marks the job done, or failed with a
polite message. Cancelling the task (the bot stopping) kills the child.

A job can only stay ``running`` if the process stopped while it ran: :func:`interrupt_running`
(called at start-up, and at stop after the tasks are cancelled) marks such jobs ``interrupted``
and tells their users once, through the outbox, that they may ask again.
"""
from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from aiogram.exceptions import TelegramAPIError, TelegramBadRequest
from aiogram.types import FSInputFile
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db import locks
from bot.metrics import EXPORTS
from bot.middlewares import REPLYING
from db.models import ExportJob, Unit, User
from domain.outbox import enqueue
from domain.people import audit
from domain.reports import CHUNK, zone

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

KIND_INTERRUPTED: Final = "export-interrupted"
PROGRESS_AFTER_ROWS: Final = 10_000  # smaller reports arrive without a progress message
PROGRESS_EVERY_SECONDS: Final = 3.0


async def running_job(session: AsyncSession, user_id: int) -> ExportJob | None:
    return await session.scalar(select(ExportJob).where(ExportJob.user_id == user_id,
                                                        ExportJob.status == "running").limit(1))


async def recent_jobs(session: AsyncSession, user_id: int, offset: int = 0, limit: int = 10) -> list[ExportJob]:
    """The export log of one user, newest first."""
    stmt = (select(ExportJob).where(ExportJob.user_id == user_id)
            .order_by(ExportJob.started_at.desc(), ExportJob.id.desc()).offset(offset).limit(limit))
    return list((await session.scalars(stmt)).all())


async def interrupt_running(sessionmaker: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Jobs left ``running`` by a stopped process become ``interrupted``; each user is told once
    (the outbox's dedupe key makes a second call write nothing)."""
    async with sessionmaker() as session:
        running = select(ExportJob).where(ExportJob.status == "running")
        if locks.shared(session.bind):  # several instances: not the exports another one is building
            running = running.where(locks.not_held(locks.EXPORT_JOB, ExportJob.id, ExportJob.status))
        jobs = (await session.scalars(running)).all()
        for job in jobs:
            job.status, job.finished_at, job.error = "interrupted", now, "interrupted"
            if job.user_id is not None and job.chat_id is not None:
                user = await session.get(User, job.user_id)
                if user is not None and user.erased_at is None:
                    await enqueue(session, user_id=job.user_id, chat_id=job.chat_id, kind=KIND_INTERRUPTED,
                                  key="rep-interrupted", args={"kind": job.kind}, due_at=now,
                                  dedupe_key=f"export-interrupted:{job.id}")
        await session.commit()
    for job in jobs:
        log.warning("export %s (user %s, unit %s) was interrupted", job.id, job.user_id, job.unit_id)
    return len(jobs)


class ProgressMessage:
    """A message with the row count, sent once a report turns out large, edited every few seconds."""

    def __init__(self, bot: Any, chat_id: int, t: Callable[..., str], *, after_rows: int, every: float,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.bot, self.chat_id, self.t = bot, chat_id, t
        self.after_rows, self.every, self.monotonic = after_rows, every, monotonic
        self.message_id: int | None = None
        self._last = 0.0

    async def __call__(self, rows: int) -> None:
        try:
            if self.message_id is None:
                if rows >= self.after_rows:
                    sent = await self.bot.send_message(self.chat_id, self.t("rep-progress", rows=rows))
                    self.message_id, self._last = sent.message_id, self.monotonic()
            elif self.monotonic() - self._last >= self.every:
                self._last = self.monotonic()
                await self.bot.edit_message_text(self.t("rep-progress", rows=rows), chat_id=self.chat_id,
                                                 message_id=self.message_id)
        except TelegramAPIError as exc:  # progress is a courtesy: never fail the export for it
            log.info("export progress message not updated: %s", type(exc).__name__)

    async def finish(self, text: str) -> None:
        if self.message_id is None:
            return
        try:
            await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.message_id)
        except TelegramBadRequest:
            pass
        except TelegramAPIError as exc:
            log.info("export progress message not finished: %s", type(exc).__name__)


Builder = Callable[..., Awaitable[int]]
CHILD_STOP_WAIT: Final = 5.0  # seconds a cancelled child gets to exit on SIGTERM before SIGKILL


class ExportFailed(RuntimeError):
    """The export child process failed; ``str()`` is the child's exception type (no message)."""


async def build_in_child(database_url: str, kind: str, unit_id: int, locale: str, path: str, *,
                         as_of: datetime, year: int | None = None, tz: str | None = None,
                         progress: Callable[[int], Awaitable[None]] | None = None, chunk: int = CHUNK,
                         job_id: int | None = None) -> int:
    """Run :func:`domain.reports.build_report` in ``python -m bot.export_worker``; the row count.

    Why a child process and not a thread: the export is mostly Python (rows, labels, XML), and a
    thread holds the GIL for it just as the loop would (measured in bench/monitoring.py: 28 s in
    the bot against 8.7 s alone, other replies stalled). The parameters (with the database URL)
    go on stdin, never on the command line (``ps`` shows that). Raises :class:`ExportFailed`
    when the child fails or dies; on cancellation the child is terminated (then killed) before
    the ``CancelledError`` goes on.
    """
    params = {"database_url": database_url, "kind": kind, "unit_id": unit_id, "locale": locale, "path": path,
              "as_of": as_of.isoformat(), "year": year, "tz": tz, "chunk": chunk, "job_id": job_id}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.export_worker", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=None)  # the child's log lines (ids only) go to the bot's own stderr
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(json.dumps(params).encode())
        await proc.stdin.drain()
        proc.stdin.close()
        rows: int | None = None
        failure = "ExportWorkerDied"
        async for raw in proc.stdout:
            word, _, value = raw.decode(errors="replace").strip().partition(" ")
            if word == "progress" and progress is not None:
                await progress(int(value))
            elif word == "done":
                rows = int(value)
            elif word == "failed":
                failure = value or failure
        code = await proc.wait()
        if code != 0 or rows is None:
            raise ExportFailed(failure)
        return rows
    finally:
        if proc.returncode is None:  # cancelled (or the pipe broke): the child must not outlive us
            proc.terminate()
            try:
                await asyncio.wait_for(asyncio.shield(proc.wait()), CHILD_STOP_WAIT)
            except (TimeoutError, asyncio.CancelledError):
                proc.kill()
                await asyncio.shield(proc.wait())


class ExportRunner:
    """Runs exports as background tasks, at most one per user at a time."""

    def __init__(self, app: App) -> None:
        self.app = app
        # the builder: the child process by default; tests may wrap it or put build_report itself
        self.build: Builder = self._build_in_child
        self.chunk = CHUNK
        self.progress_after_rows = PROGRESS_AFTER_ROWS
        self.progress_every = PROGRESS_EVERY_SECONDS
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._busy: set[int] = set()

    def busy(self, user_id: int) -> bool:
        return user_id in self._busy

    async def _build_in_child(self, _sessionmaker: Any, kind: str, unit_id: int, locale: str, path: str, *,
                              as_of: datetime, year: int | None = None, tz: str | None = None,
                              translator: Any = None, progress: Callable[[int], Awaitable[None]] | None = None,
                              chunk: int = CHUNK) -> int:
        """The :data:`Builder` signature of ``build_report``, run by :func:`build_in_child` on the
        app's database (the child reads it through an engine of its own; the translator is the
        child's own, loaded from the same locale files)."""
        return await build_in_child(self.app.settings.db_url, kind, unit_id, locale, path, as_of=as_of, year=year,
                                    tz=tz, progress=progress, chunk=chunk)

    async def start(self, session: AsyncSession, user: User, chat_id: int, unit: Unit, kind: str, locale: str, *,
                    now: datetime, year: int | None = None) -> ExportJob | None:
        """Log the export and start it; None when this user already has one running.

        Commits the caller's session (the job must exist before the task reads it, and the task
        needs the connection on SQLite). ``unit`` must come through the actor's access.
        """
        if user.id in self._busy or await running_job(session, user.id) is not None:
            return None
        self._busy.add(user.id)  # no await between the check and this: two clicks cannot both pass
        try:
            job = ExportJob(user_id=user.id, chat_id=chat_id, unit_id=unit.id, kind=kind,
                            params={"year": year, "locale": locale}, status="running", started_at=now)
            session.add(job)
            await session.flush()
            await audit(session, "export", user.id, "export_job", job.id, unit_id=unit.id, kind=kind, year=year)
            await session.commit()
        except BaseException:
            self._busy.discard(user.id)
            raise
        log.info("export %s started: user %s, unit %s, %s", job.id, user.id, unit.id, kind)
        coro = self._run(job.id, user.id, chat_id, unit.id, unit.name, kind, locale, year, now)
        # a fresh context: the handler's session (CURRENT_SESSION) must not follow the task; the
        # file and the progress message are still replies the curator waits for (REPLYING, set in
        # _run), retried on a 429 like any answer (bot.middlewares.RetryDirectReplies)
        task = asyncio.create_task(coro, name=f"export-{job.id}", context=contextvars.Context())
        self._tasks[job.id] = task

        def done(_task: asyncio.Task[None], job_id: int = job.id, user_id: int = user.id) -> None:
            self._tasks.pop(job_id, None)
            self._busy.discard(user_id)

        task.add_done_callback(done)
        return job

    async def _run(self, job_id: int, user_id: int, chat_id: int, unit_id: int, unit_name: str, kind: str,
                   locale: str, year: int | None, now: datetime) -> None:
        REPLYING.set(True)  # this task's own context (see start)
        app = self.app
        t = app.translator.bind(locale)
        fd, path = tempfile.mkstemp(prefix=f"export-{job_id}-", suffix=".xlsx")
        os.close(fd)
        progress = ProgressMessage(app.bot, chat_id, t, after_rows=self.progress_after_rows, every=self.progress_every)
        try:
            async with locks.holding(app.engine, locks.EXPORT_JOB, job_id):  # alive for other instances
                rows = await self.build(app.sessionmaker, kind, unit_id, locale, path, as_of=now, year=year,
                                        tz=app.settings.timezone, translator=app.translator, progress=progress,
                                        chunk=self.chunk)
                size = os.path.getsize(path)
                day = now.astimezone(zone(app.settings.timezone)).date()
                name = f"{kind}_{unit_id}_{day:%Y-%m-%d}.xlsx"
                await progress.finish(t("rep-progress-done", rows=rows))
                await app.bot.send_document(chat_id, FSInputFile(path, filename=name),
                                            caption=t("rep-caption", kind=kind, unit=unit_name, rows=rows))
                await self._finish(job_id, "done", rows=rows, size=size)
                EXPORTS.labels("done").inc()
                log.info("export %s done: %d rows, %d bytes", job_id, rows, size)
        except asyncio.CancelledError:
            raise  # the app is stopping: stop() marks the job interrupted
        except Exception as exc:  # noqa: BLE001 - any failure: log with ids, tell the user politely
            EXPORTS.labels("failed").inc()
            log.exception("export %s failed (user %s, unit %s, %s)", job_id, user_id, unit_id, kind)
            error = str(exc) if isinstance(exc, ExportFailed) else type(exc).__name__  # the child's type
            await self._finish(job_id, "failed", error=error)
            await progress.finish(t("rep-failed"))
            try:
                await app.bot.send_message(chat_id, t("rep-failed"))
            except TelegramAPIError as send_exc:
                log.warning("export %s: could not tell user %s (%s)", job_id, user_id, type(send_exc).__name__)
        finally:
            try:
                os.unlink(path)
            except OSError:
                pass

    async def _finish(self, job_id: int, status: str, *, rows: int | None = None, size: int | None = None,
                      error: str | None = None) -> None:
        try:
            async with self.app.sessionmaker() as session:
                job = await session.get(ExportJob, job_id)
                if job is None:
                    return
                job.status, job.rows, job.size_bytes = status, rows, size
                job.error = error[:200] if error else None
                job.finished_at = self.app.clock()
                await session.commit()
        except Exception:  # noqa: BLE001 - the log row must not hide what happened to the export
            log.exception("export %s: could not record status %s", job_id, status)

    async def wait_idle(self) -> None:
        """Wait for every running export (tests, an orderly shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def stop(self) -> None:
        """Cancel running exports; their jobs become interrupted and their users are told."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
            try:
                await interrupt_running(self.app.sessionmaker, self.app.clock())
            except Exception:  # noqa: BLE001 - start-up recovery will do it then
                log.exception("exports: could not mark interrupted jobs at stop")


__all__ = ["ExportRunner", "ExportFailed", "build_in_child", "ProgressMessage", "interrupt_running", "running_job", "recent_jobs", "KIND_INTERRUPTED"]
