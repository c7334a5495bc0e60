"""The outbox sender: drains ``outbox`` rows to Telegram, paced, never twice unless harmless,
never lost silently.

Life cycle of a row::

    pending ──claim──▶ claimed ──(commit)──▶ sending ──HTTP──▶ sent
       ▲                  │                     │
       │   quiet hours,   │                     ├─ 429 ────────────▶ pending (due = now+retry_after)
       └── per-chat pace, ┘                     ├─ 403 / chat not found ▶ failed 'blocked' (+ user unreachable)
       └── waiting for ───┘                     ├─ other error ─────▶ pending (due = now+backoff) … failed
           the row it follows                   └─ worker died ─┬─▶ pending again (a kind that may repeat)
       └── lease expired ─┘                        (after the   └─▶ unknown + administrators told
                                                    lease)
    claimed ──▶ dropped when it comes due and the user is erased, or unreachable (they blocked the
                bot: a 403 or my_chat_member) — 'blocked', queued again if they unblock it
                (domain.outbox.mark_reachable) — or when the row's relevance check says no

Why 'sending' is committed before the request, and what a crash in flight leads to
-----------------------------------------------------------------------------------
The Bot API has no idempotency key: if a request reached Telegram, sending it again makes a
second message. A worker can be killed (``kill -9``, OOM, power loss) at any point, so the
row's status is committed at the two moments that matter:

* ``sending`` in its own transaction *immediately before* the HTTP request leaves;
* ``sent`` (+ ``sent_at``, ``tg_message_id``) right after the answer arrives.

After a crash, a row still ``claimed`` was certainly not sent: once its lease
(``outbox_lease_seconds``) expires it goes back to ``pending`` and is sent by whoever claims
it next. A row still ``sending`` is ambiguous: the window between the commit and the request
leaving is microseconds while the request itself takes 50–200 ms, so it most probably *was*
delivered, but not certainly (a busy machine's benchmark lost one of 2,000). No such row is lost
silently; what happens depends on its kind (``domain.outbox.KINDS``, every kind classified,
checked by tests/test_outbox_kinds.py):

* **a repeat is harmless** (a check-in question, a reminder, a digest, an alert of a state):
  the row goes back to ``pending`` and is sent again, once more (its relevance check still
  applies; it counts an attempt, so a row that keeps killing its worker is given up after
  ``outbox_max_attempts``, and then reported);
* **a repeat would mislead** (news of a one-off event: a pair proposed or started, a consent
  confirmed…): the row is marked ``unknown`` (logged with its id) and never sent again, and the
  administrators (``ADMIN_IDS``) are told in the bot, one message per recovery listing what was
  not confirmed and to whom (``domain.unconfirmed``; rendered when sent, from row ids).

Recovery (:meth:`OutboxSender.recover`) runs at the start of every pass, so at start-up too. A
worker never recovers the rows it has in flight itself. The lease must exceed the HTTP timeout
(aiogram's default is 60 s; the lease defaults to 120 s) so that a live worker's slow request is
not declared dead; should it happen anyway, the late answer still records an ``unknown`` row as
``sent``.

The one remaining window for a duplicate is a network error (e.g. a timeout) after the
request reached Telegram: such errors are retried with backoff, like 5xx answers, because
treating every network hiccup as lost would lose or report far more messages than it saves.
Cancelling a pass (shutdown) while a request is in flight leaves its row ``sending``, settled
as above at the next start; call :meth:`OutboxSender.release_claims` after stopping the
scheduler to hand the rows that were only claimed back at once instead of after the lease.

The sender's requests are not direct replies: it runs with ``bot.middlewares.REPLYING`` unset,
so the retry of replies (``RetryDirectReplies``) never wraps its own 429/error handling.

Concurrency: on PostgreSQL a batch is claimed by ``SELECT id … ORDER BY due_at, id LIMIT n
FOR UPDATE SKIP LOCKED`` followed by ``UPDATE … SET status='claimed' WHERE id IN (those ids)
AND status='pending'`` in one transaction, so several processes never claim the same row (see
``_claim`` for why not a single UPDATE with a sub-select). On SQLite (one writer at a time) the
single ``UPDATE … WHERE id IN (SELECT …)`` is atomic. Every later transition is a conditional
UPDATE on (status, claimed_by), so a worker that lost its lease cannot send.

Pacing: a token bucket for the global rate (``outbox_rate_per_second``) and at most one
message per ``outbox_per_chat_interval`` per chat; rows for a chat that was messaged too
recently are pushed back (staggered) and stay pending without blocking others. Per-chat pacing
is per process. A 429 pauses the whole sender for ``retry_after`` seconds.

The bucket holds one token (no burst) and hands out evenly spaced slots: the rate is meant to be
set just under Telegram's (about 30 messages in any one second), and tokens saved up while idle
would be spent on top of a second's worth at full pace and draw 429s (measured: 13 in 2,000
messages at 28/s with a burst of rate/5 against a sliding one-second window of 30). Requests
whose 'sending' commit stalled would leave together; a sliding window checked as each request
leaves keeps any second (plus half a slot) within burst + rate (29 at 28/s) and half a slot
between two requests. A pass goes on claiming batch after batch
while they come back full, so a backlog is drained at the full rate instead of one batch per
scheduler interval. Figures: ``bench/delivery.py``.

Quiet hours are applied at claim time in the recipient's zone (row.tz, else the bot's);
payloads with ``"urgent": true`` ignore them.

Logs carry row and user ids only, never names or texts.
"""
from __future__ import annotations

import asyncio
import html
import logging
import math
import os
import secrets
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    DetailedAiogramError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Settings
from bot.i18n import Translator
from bot.metrics import OUTBOX_RESULTS
from bot.middlewares import replying
from db.base import utcnow
from db.models import OutboxMessage, User
from domain.outbox import (
    BLOCKED,
    CLAIMED,
    CLEARED,
    DROPPED,
    ERASED,
    FAILED,
    FINAL_STATUSES,
    PENDING,
    SCRUBBED,
    SENDING,
    SENT,
    UNKNOWN,
    PerChatPacer,
    RateLimiter,
    SlidingWindow,
    backoff,
    is_relevant,
    mark_unreachable,
    quiet_until,
    render_text,
    repeatable_kinds,
)
from domain.unconfirmed import queue_report

log = logging.getLogger(__name__)

O = OutboxMessage  # noqa: E741 - short alias for the many statements below
_NO_SYNC = {"synchronize_session": False}
_LAST_ERROR_MAX = 500
JOB_ID = "outbox-sender"


@dataclass(slots=True)
class _Job:
    """A claimed row this worker intends to send in the current pass."""

    row_id: int
    chat_id: int
    user_id: int | None
    rendered: bool = False  # a pre-rendered payload (a direct reply): its text goes once it is settled


@dataclass(slots=True)
class _Prepared:
    """A row marked 'sending', with its text rendered for the recipient."""

    row_id: int
    chat_id: int
    user_id: int | None
    text: str
    markup: InlineKeyboardMarkup | None
    parse_mode: str | None
    edit_message_id: int | None = None  # an edit of this earlier message instead of a new one
    markup_only: bool = False  # the edit replaces the buttons only
    rendered: bool = False  # a pre-rendered payload: its text is cleared once sent
    sending_at: datetime | None = None  # when it was marked 'sending'


def _default_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


def _error_text(exc: BaseException) -> str:
    """A short description of an error for ``last_error``: never the message text.

    aiogram's messages are Telegram's descriptions or the HTTP client's; ClientDecodeError's
    ``str`` would include the response body (which echoes the text), so only its message is used.
    """
    if isinstance(exc, (DetailedAiogramError, ClientDecodeError)):
        detail = exc.message
    else:
        detail = str(exc)[:200]
    text = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
    return text[:_LAST_ERROR_MAX]


def _chat_unreachable(exc: BaseException) -> bool:
    """403 (blocked, kicked, deactivated) or "chat not found": the chat will not take messages."""
    if isinstance(exc, TelegramForbiddenError):
        return True
    if isinstance(exc, (TelegramBadRequest, TelegramNotFound)):
        return "chat not found" in exc.message.lower()
    return False


class OutboxSender:
    """Sends due outbox rows. One instance per process; run :meth:`tick` periodically.

    ``clock`` returns the aware UTC "now" used for due dates, leases and quiet hours (tests
    control it); pacing uses ``monotonic`` (real seconds by default).
    """

    def __init__(
        self,
        bot: Bot,
        sessionmaker: async_sessionmaker[AsyncSession],
        settings: Settings,
        translator: Translator,
        worker_id: str | None = None,
        clock: Callable[[], datetime] | None = None,
        *,
        concurrency: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        rate_limiter: RateLimiter | None = None,
        pacer: PerChatPacer | None = None,
    ) -> None:
        self.bot = bot
        self.sessionmaker = sessionmaker
        self.settings = settings
        self.translator = translator
        self.worker_id = (worker_id or _default_worker_id())[:64]
        self._clock = clock or utcnow
        self._monotonic = monotonic
        rate = settings.outbox_rate_per_second
        self.limiter = rate_limiter or RateLimiter(rate, burst=1.0, clock=monotonic)
        # Enforced again as each request leaves: what the bucket allows in any one second (burst +
        # rate: 29 at 28/s) over a second stretched by half a slot, and half a slot between two
        # requests. Evenly paced requests never wait; requests that bunched up behind a stall leave
        # at twice the rate instead of at once, and may drift by half a slot on the way.
        rate, slot = self.limiter.rate, 1.0 / self.limiter.rate
        limit = max(1, math.floor(self.limiter.burst + rate + 1e-9))
        self.window = SlidingWindow(limit, period=max(1.0, (limit - 0.5) * slot),
                                    min_gap=min(0.5 * slot, 0.5), clock=monotonic)
        self.pacer = pacer or PerChatPacer(settings.outbox_per_chat_interval, clock=monotonic)
        self._current: asyncio.Task[None] | None = None  # the scheduled pass in flight
        # Enough requests in flight to reach the rate with ~250 ms of Telegram latency.
        self.concurrency = concurrency or max(1, min(64, math.ceil(rate * 0.25) + 1))
        self._lease = timedelta(seconds=settings.outbox_lease_seconds)
        self._resume_at = 0.0
        self._lock = asyncio.Lock()
        self._closing = False  # set by close(): a pass in flight stops after its current batch
        self._in_flight: set[int] = set()  # rows this worker marked 'sending' and has not settled

    # --- public API -----------------------------------------------------------------------

    def now(self) -> datetime:
        """The sender's current UTC time (the injected clock)."""
        return self._clock()

    def paused_for(self) -> float:
        """Seconds left of a flood-control (429) pause; 0 when sending is allowed."""
        return max(0.0, self._resume_at - self._monotonic())

    async def tick(self) -> int:
        """One pass: recover stale leases, claim due rows, send them paced, mark them.

        While a claim comes back full (a backlog), the pass claims the next batch at once
        rather than waiting for the next scheduled run. Returns the number of messages sent.
        """
        # Not direct replies, whatever context this pass was started from: the sender's own
        # policy (429 pauses everything, the row goes back) must not be wrapped in another retry.
        with replying(False):
            return await self._tick()

    async def _tick(self) -> int:
        sent = 0
        async with self._lock:
            while True:
                await self.recover()
                if self.paused_for() > 0:
                    return sent
                jobs, full = await self._claim()
                if jobs:
                    sent += sum(await self._run_jobs(jobs))
                if not full or self._closing:
                    return sent

    async def recover(self) -> tuple[int, list[int]]:
        """Return expired 'claimed' rows to 'pending'; settle expired 'sending' rows.

        An expired 'sending' row was in flight when its worker died: if its kind may be repeated
        (domain.outbox.KINDS) it goes back to 'pending' and is sent again (counting an attempt:
        after ``outbox_max_attempts`` it is given up like the others); otherwise it is marked
        'unknown' and the administrators are told, one message for all the rows of this call
        (domain.unconfirmed), in the same transaction. Rows this worker has in flight itself are
        never touched (its clock may jump; it is alive).

        Returns (number of released rows, ids of rows marked unknown).
        """
        now = self.now()
        cutoff = now - self._lease
        expired = (O.status == SENDING, O.claimed_at < cutoff)
        if self._in_flight:
            expired = (*expired, O.id.not_in(sorted(self._in_flight)))
        async with self.sessionmaker() as session, session.begin():
            released = await session.execute(
                update(O)
                .where(O.status == CLAIMED, O.claimed_at < cutoff)
                .values(status=PENDING, claimed_by=None, claimed_at=None)
                .execution_options(**_NO_SYNC)
            )
            # Usually there is nothing to settle: look before writing (recover runs every pass).
            if (await session.execute(select(O.id).where(*expired).limit(1))).first() is None:
                again: Sequence[int] = ()
                unknown: Sequence[int] = ()
                reports = 0
            else:
                again, unknown, reports = await self._settle_lost(session, expired, now)
        n_released = released.rowcount or 0
        if n_released:
            log.info("outbox: %d expired claims returned to pending", n_released)
        if again:
            log.warning("outbox: rows %s were being sent by a lost worker; sent again", sorted(again))
        if unknown:
            OUTBOX_RESULTS.labels("unknown").inc(len(unknown))
            log.warning("outbox: rows %s were being sent by a lost worker; marked unknown, %d administrator(s) told",
                        sorted(unknown), reports)
        return n_released, list(unknown)

    async def _settle_lost(self, session: AsyncSession, expired: tuple[Any, ...],
                           now: datetime) -> tuple[Sequence[int], Sequence[int], int]:
        """Expired 'sending' rows: sent again (a kind that may repeat) or 'unknown' and reported.
        Returns (ids sent again, ids marked unknown, reports queued)."""
        again = (
            await session.execute(
                update(O)
                .where(*expired, O.kind.in_(repeatable_kinds()), O.attempts + 1 < self.settings.outbox_max_attempts)
                .values(status=PENDING, claimed_by=None, claimed_at=None, attempts=O.attempts + 1,
                        last_error="worker lost during send; sent again (a repeat is harmless)")
                .returning(O.id)
                .execution_options(**_NO_SYNC)
            )
        ).scalars().all()
        unknown = (
            await session.execute(
                update(O)
                .where(*expired)
                .values(status=UNKNOWN, last_error="worker lost during send; not sent again, reported")
                .returning(O.id)
                .execution_options(**_NO_SYNC)
            )
        ).scalars().all()
        reports = await queue_report(session, unknown, self.settings.admin_ids, now) if unknown else 0
        return again, unknown, reports

    async def release_claims(self) -> int:
        """Return this worker's claimed (not yet sending) rows to pending, e.g. at shutdown."""
        async with self.sessionmaker() as session, session.begin():
            result = await session.execute(
                update(O)
                .where(O.status == CLAIMED, O.claimed_by == self.worker_id)
                .values(status=PENDING, claimed_by=None, claimed_at=None)
                .execution_options(**_NO_SYNC)
            )
        return result.rowcount or 0

    def install(self, scheduler: AsyncIOScheduler) -> None:
        """Add the periodic job (first run immediately, so start-up recovers stale leases)."""
        scheduler.add_job(
            self._scheduled_tick,
            "interval",
            seconds=self.settings.outbox_tick_seconds,
            id=JOB_ID,
            name="outbox sender",
            replace_existing=True,
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,  # the default (1 s) silently drops late runs
            next_run_time=datetime.now(scheduler.timezone),
        )

    # --- claiming -------------------------------------------------------------------------

    def _claim_limit(self) -> int:
        """Rows per pass: the batch, but no more than can be sent well within the lease."""
        within_lease = int(self.settings.outbox_rate_per_second * self.settings.outbox_lease_seconds / 2)
        return max(1, min(self.settings.outbox_batch, max(self.concurrency, within_lease)))

    async def _claim(self) -> tuple[list[_Job], bool]:
        """Claim due rows; returns the jobs to send now and whether the batch was full."""
        now = self.now()
        async with self.sessionmaker() as session, session.begin():
            due = (
                select(O.id)
                .where(O.status == PENDING, O.due_at <= now)
                .order_by(O.due_at, O.id)
                .limit(self._claim_limit())
            )
            if session.get_bind().dialect.name == "postgresql":
                # Lock the batch first, then update exactly those rows. A single
                # "UPDATE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)" is not
                # safe: when it meets a row updated concurrently, PostgreSQL's recheck
                # (EvalPlanQual) re-runs the sub-select and can claim far more than n rows
                # (298 of 300 with n=40 in a test), starving the other workers and the lease.
                locked = (await session.execute(due.with_for_update(skip_locked=True))).scalars().all()
                if not locked:
                    return [], False
                target = O.id.in_(locked)
            else:
                # SQLite has one writer at a time: the statement is atomic as it is.
                target = O.id.in_(due.scalar_subquery())
            ids = (
                await session.execute(
                    update(O)
                    .where(target, O.status == PENDING)
                    .values(status=CLAIMED, claimed_by=self.worker_id, claimed_at=now)
                    .returning(O.id)
                    .execution_options(**_NO_SYNC)
                )
            ).scalars().all()
            if not ids:
                return [], False
            rows = (
                await session.execute(select(O).where(O.id.in_(ids)).order_by(O.due_at, O.id))
            ).scalars().all()
            rows = await self._hold_followers(session, rows, now)
            return self._plan(rows, now), len(ids) >= self._claim_limit()

    async def _hold_followers(self, session: AsyncSession, rows: Sequence[OutboxMessage],
                              now: datetime) -> list[OutboxMessage]:
        """Rows to be sent ``after`` another (a direct reply's next steps, bot/replies.py) wait
        while that row is not settled: it may have been put back by a 429, and the person must
        see the steps in their order. Runs inside the claim transaction."""
        wanted = sorted({int(a) for r in rows if (a := (r.payload or {}).get("after")) is not None})
        if not wanted:
            return list(rows)
        ahead = {rid: (status, due) for rid, status, due in (await session.execute(
            select(O.id, O.status, O.due_at).where(O.id.in_(wanted)))).all()}
        step = timedelta(seconds=max(self.pacer.interval, 1.0))
        kept: list[OutboxMessage] = []
        for row in rows:
            after = (row.payload or {}).get("after")
            first = ahead.get(int(after)) if after is not None else None
            if first is not None and first[0] not in FINAL_STATUSES:
                self._unclaim(row, max(row.due_at, first[1], now + step))
                log.debug("outbox: row %s waits for row %s", row.id, after)
                continue
            kept.append(row)
        return kept

    def _plan(self, rows: Sequence[OutboxMessage], now: datetime) -> list[_Job]:
        """Keep the rows to send in this pass; push back the others (they stay pending).

        Runs inside the claim transaction, on ORM rows that the commit then writes.
        """
        s = self.settings
        interval = self.pacer.interval
        budget = min(max(s.outbox_tick_seconds, 0.0), s.outbox_lease_seconds / 4)
        planned: dict[int, float] = {}  # chat → wait before its one message of this pass
        deferred: dict[int, int] = {}  # chat → rows already pushed back in this pass
        jobs: list[_Job] = []
        for row in rows:
            if not (row.payload or {}).get("urgent"):
                until = self._quiet_until(row, now)
                if until is not None:
                    self._unclaim(row, until)
                    log.debug("outbox: row %s held by quiet hours", row.id)
                    continue
            wait = self.pacer.ready_in(row.chat_id)
            if row.chat_id not in planned and wait <= budget:
                planned[row.chat_id] = wait
                jobs.append(_Job(row.id, row.chat_id, row.user_id, (row.payload or {}).get("text") is not None))
                continue
            k = deferred.get(row.chat_id, 0)
            deferred[row.chat_id] = k + 1
            first = planned[row.chat_id] + interval if row.chat_id in planned else wait
            self._unclaim(row, max(row.due_at, now + timedelta(seconds=first + k * interval)))
        return jobs

    def _quiet_until(self, row: OutboxMessage, now: datetime) -> datetime | None:
        s = self.settings
        zone = row.tz or s.timezone
        try:
            return quiet_until(now, zone, s.quiet_hours_start, s.quiet_hours_end)
        except (ValueError, KeyError):  # unknown zone stored in the row
            log.warning("outbox: row %s has an unknown time zone; using the bot's", row.id)
            return quiet_until(now, s.timezone, s.quiet_hours_start, s.quiet_hours_end)

    @staticmethod
    def _unclaim(row: OutboxMessage, due_at: datetime) -> None:
        row.status = PENDING
        row.due_at = due_at
        row.claimed_by = None
        row.claimed_at = None

    # --- sending --------------------------------------------------------------------------

    async def _run_jobs(self, jobs: list[_Job]) -> list[bool]:
        queue: asyncio.Queue[_Job] = asyncio.Queue()
        for job in jobs:
            queue.put_nowait(job)
        results: list[bool] = []

        async def worker() -> None:
            while True:
                try:
                    job = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    results.append(await self._process(job))
                except Exception:  # noqa: BLE001 - one row must not stop the pass
                    log.exception("outbox: row %s: unexpected error", job.row_id)
                    results.append(False)

        await asyncio.gather(*(worker() for _ in range(min(self.concurrency, len(jobs)))))
        return results

    async def _process(self, job: _Job) -> bool:
        """Send one claimed row; True when Telegram accepted it."""
        delay = self.pacer.ready_in(job.chat_id)
        if delay > 0:
            await asyncio.sleep(delay)
        await self.limiter.acquire()
        wait = self.window.ready_in()  # a bunch behind a stall waits here, before 'sending'…
        if wait > 0:
            await asyncio.sleep(wait)
        if self.paused_for() > 0:
            await self._release(job.row_id)
            return False
        self._in_flight.add(job.row_id)  # before 'sending' is committed: recover() leaves it alone
        try:
            return await self._send(job)
        finally:
            self._in_flight.discard(job.row_id)
            if job.rendered:
                try:
                    await self._forget_text(job.row_id)
                except Exception:  # noqa: BLE001 - the row is settled either way; only its text stays
                    log.warning("outbox: row %s: its text could not be cleared", job.row_id)

    async def _forget_text(self, row_id: int) -> None:
        """A pre-rendered row keeps its text only while it may still be sent: once it is settled
        (sent, failed, dropped) the payload is cleared — unless the person blocked the bot, since
        such a row comes back if they unblock it (domain.outbox.mark_reachable)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(O).where(O.id == row_id, O.status.in_((SENT, FAILED, DROPPED)),
                                or_(O.last_error.is_(None), O.last_error != BLOCKED))
                .values(payload=dict(CLEARED)).execution_options(**_NO_SYNC)
            )

    async def _send(self, job: _Job) -> bool:
        prepared = await self._prepare(job)
        if prepared is None:
            return False
        await self.window.acquire()  # … and here only when the commit itself stalled
        self.pacer.note(job.chat_id)
        kwargs: dict[str, Any] = {}
        if prepared.markup is not None:
            kwargs["reply_markup"] = prepared.markup
        if prepared.parse_mode:
            kwargs["parse_mode"] = prepared.parse_mode
        try:
            if prepared.edit_message_id is not None:
                message_id = await self._edit(prepared, kwargs)
            else:
                message_id = (await self.bot.send_message(prepared.chat_id, prepared.text, **kwargs)).message_id
        except TelegramRetryAfter as exc:
            OUTBOX_RESULTS.labels("retry_after").inc()
            await self._on_retry_after(prepared, exc.retry_after)
            return False
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
            if _chat_unreachable(exc):
                OUTBOX_RESULTS.labels("forbidden").inc()
                await self._on_unreachable(prepared, exc)
            else:
                OUTBOX_RESULTS.labels("error").inc()
                await self._on_error(prepared, exc)
            return False
        if message_id is None:  # an edit Telegram refuses for good (the message is gone)
            OUTBOX_RESULTS.labels("refused").inc()
            await self._on_refused(prepared, "edit refused")
            return False
        OUTBOX_RESULTS.labels("sent").inc()
        await self._on_sent(prepared, message_id)
        return True

    async def _edit(self, prepared: _Prepared, kwargs: dict[str, Any]) -> int | None:
        """Edit an earlier message; its id, or None when it cannot be edited any more (deleted by
        the person, too old): retrying would not help. "Not modified" counts as done."""
        try:
            if prepared.markup_only:
                await self.bot.edit_message_reply_markup(chat_id=prepared.chat_id, message_id=prepared.edit_message_id,
                                                         reply_markup=kwargs.get("reply_markup"))
            else:
                await self.bot.edit_message_text(text=prepared.text, chat_id=prepared.chat_id,
                                                 message_id=prepared.edit_message_id, **kwargs)
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return prepared.edit_message_id
            if _chat_unreachable(exc):
                raise
            log.info("outbox: row %s: message to edit refused (%s)", prepared.row_id, type(exc).__name__)
            return None
        return prepared.edit_message_id

    async def _prepare(self, job: _Job) -> _Prepared | None:
        """Check the row is still ours and worth sending, render it and commit 'sending'.

        Returns None when the row must not be sent now (lost lease, dropped).
        """
        now = self.now()
        owned = (O.id == job.row_id, O.status == CLAIMED, O.claimed_by == self.worker_id)
        async with self.sessionmaker() as session, session.begin():
            row = (await session.execute(select(O).where(*owned))).scalar_one_or_none()
            if row is None:
                log.info("outbox: row %s no longer leased by this worker; skipped", job.row_id)
                return None
            user = await session.get(User, row.user_id) if row.user_id is not None else None
            edit = (row.payload or {}).get("edit_message_id")
            reason: str | None = None
            if user is not None and (user.erased_at is not None or user.tg_id is None):
                reason = ERASED
            elif user is not None and user.unreachable_at is not None:
                reason = BLOCKED  # brought back if they unblock the bot (domain.outbox.mark_reachable)
            elif edit is not None and int(edit) < 0 and (edit := await self._sent_as(session, -int(edit))) is None:
                reason = "the message to edit was never sent"
            elif (row.payload or {}).get(SCRUBBED):
                reason = "names an erased person"  # domain.erasure scrubbed it in flight: not sent (again)
            elif not await is_relevant(session, row):
                reason = "not relevant any more"
            if reason is not None:
                await session.execute(
                    update(O).where(*owned).values(status=DROPPED, last_error=reason, claimed_by=None)
                    .execution_options(**_NO_SYNC)
                )
                log.info("outbox: row %s (user %s) dropped: %s", row.id, row.user_id, reason)
                return None
            try:
                locale = user.locale if user is not None else None
                custom = await render_text(session, row, self.translator.bind(locale))
                text, markup, parse_mode = self._render(row, user)
                if custom is not None:
                    text = custom
            except Exception as exc:  # noqa: BLE001 - a malformed payload must not loop forever
                await session.execute(
                    update(O).where(*owned)
                    .values(status=FAILED, last_error=f"render: {type(exc).__name__}", claimed_by=None)
                    .execution_options(**_NO_SYNC)
                )
                log.error("outbox: row %s (kind %s) cannot be rendered: %s", row.id, row.kind, type(exc).__name__)
                return None
            marked = await session.execute(
                update(O).where(*owned).values(status=SENDING, claimed_at=now).execution_options(**_NO_SYNC)
            )
            if marked.rowcount != 1:
                return None
        payload = row.payload or {}
        return _Prepared(row.id, row.chat_id, row.user_id, text, markup, parse_mode,
                         int(edit) if edit is not None else None, bool(payload.get("markup_only")),
                         payload.get("text") is not None, now)

    @staticmethod
    async def _sent_as(session: AsyncSession, row_id: int) -> int | None:
        """The message row ``row_id`` became (for an edit that names it by ``-row_id``); None when
        it was never sent (the edit follows it, so it is settled by now: failed or dropped)."""
        found = (await session.execute(select(O.status, O.tg_message_id).where(O.id == row_id))).first()
        return found[1] if found is not None and found[0] == SENT else None

    def _render(
        self, row: OutboxMessage, user: User | None
    ) -> tuple[str, InlineKeyboardMarkup | None, str | None]:
        """Render the payload in the recipient's current locale."""
        payload = row.payload or {}
        locale = user.locale if user is not None else None
        parse_mode = payload.get("parse_mode")
        if payload.get("text") is not None:  # pre-rendered (a direct reply): as it was written
            text = payload["text"]
        else:
            args = dict(payload.get("args") or {})
            if parse_mode and parse_mode.upper() == "HTML":
                args = {k: html.escape(v, quote=False) if isinstance(v, str) else v for k, v in args.items()}
            text = self.translator.get(locale, payload["key"], **args)
        markup = None
        if payload.get("buttons"):
            keyboard: list[list[InlineKeyboardButton]] = []
            for spec_row in payload["buttons"]:
                buttons = []
                for spec in spec_row:
                    label = spec["text"] if spec.get("text") is not None else \
                        self.translator.get(locale, spec["text_key"], **(spec.get("args") or {}))
                    if spec.get("url") is not None:
                        buttons.append(InlineKeyboardButton(text=label, url=spec["url"]))
                    else:
                        buttons.append(InlineKeyboardButton(text=label, callback_data=spec["callback_data"]))
                keyboard.append(buttons)
            markup = InlineKeyboardMarkup(inline_keyboard=keyboard)
        return text, markup, parse_mode

    # --- outcomes ---------------------------------------------------------------------------

    async def _release(self, row_id: int) -> None:
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(O)
                .where(O.id == row_id, O.status == CLAIMED, O.claimed_by == self.worker_id)
                .values(status=PENDING, claimed_by=None, claimed_at=None)
                .execution_options(**_NO_SYNC)
            )

    async def _on_sent(self, p: _Prepared, message_id: int) -> None:
        values: dict[str, Any] = {"status": SENT, "sent_at": self.now(), "tg_message_id": message_id,
                                  "last_error": None}
        if p.rendered:
            values["payload"] = dict(CLEARED)  # a rendered text is not kept once it is delivered
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(O)
                .where(O.id == p.row_id, O.status.in_((SENDING, UNKNOWN)))
                .values(**values)
                .execution_options(**_NO_SYNC)
            )
        log.debug("outbox: row %s sent (user %s)", p.row_id, p.user_id)

    async def _on_retry_after(self, p: _Prepared, retry_after: float) -> None:
        """429: pause everything, put the row back without counting an attempt."""
        retry_after = max(float(retry_after), 0.0)
        self._resume_at = max(self._resume_at, self._monotonic() + retry_after)
        self.limiter.drain()
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(O)
                .where(O.id == p.row_id, O.status == SENDING)
                .values(
                    status=PENDING,
                    due_at=self.now() + timedelta(seconds=retry_after),
                    claimed_by=None,
                    claimed_at=None,
                )
                .execution_options(**_NO_SYNC)
            )
        log.warning("outbox: flood control on row %s; pausing %.1f s", p.row_id, retry_after)

    async def _on_unreachable(self, p: _Prepared, exc: BaseException) -> None:
        """403 / chat not found: this row fails and the user is unreachable (since this attempt),
        so their other rows are dropped as they come due, and come back if they unblock the bot
        (domain.outbox.mark_unreachable, mark_reachable)."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(O)
                .where(O.id == p.row_id, O.status.in_((SENDING, UNKNOWN)))
                .values(status=FAILED, last_error=BLOCKED)
                .execution_options(**_NO_SYNC)
            )
            if p.user_id is not None:
                await mark_unreachable(session, user_id=p.user_id, now=p.sending_at or self.now())
        log.info("outbox: row %s: user %s unreachable (%s)", p.row_id, p.user_id, type(exc).__name__)

    async def _on_refused(self, p: _Prepared, reason: str) -> None:
        """A request Telegram will never accept (retrying cannot help): failed at once."""
        async with self.sessionmaker() as session, session.begin():
            await session.execute(
                update(O).where(O.id == p.row_id, O.status == SENDING)
                .values(status=FAILED, last_error=reason, claimed_by=None, claimed_at=None)
                .execution_options(**_NO_SYNC)
            )

    async def _on_error(self, p: _Prepared, exc: BaseException) -> None:
        """Any other failure: retry with backoff, then give up after outbox_max_attempts."""
        now = self.now()
        error = _error_text(exc)
        async with self.sessionmaker() as session, session.begin():
            attempts = await session.scalar(select(O.attempts).where(O.id == p.row_id))
            attempts = (attempts or 0) + 1
            values: dict[str, Any] = {"attempts": attempts, "last_error": error, "claimed_by": None, "claimed_at": None}
            if attempts >= self.settings.outbox_max_attempts:
                values["status"] = FAILED
            else:
                values["status"] = PENDING
                values["due_at"] = now + backoff(attempts)
            await session.execute(
                update(O).where(O.id == p.row_id, O.status == SENDING).values(**values).execution_options(**_NO_SYNC)
            )
        log.warning(
            "outbox: row %s (user %s) attempt %d failed: %s%s",
            p.row_id, p.user_id, attempts, type(exc).__name__,
            "; giving up" if attempts >= self.settings.outbox_max_attempts else "",
        )

    async def _scheduled_tick(self) -> None:
        self._current = asyncio.current_task()
        try:
            await self.tick()
        except Exception:  # noqa: BLE001 - keep the schedule alive; the next pass retries
            log.exception("outbox: pass failed")
        finally:
            self._current = None

    async def close(self, timeout: float = 10.0) -> None:
        """At shutdown, after the scheduler stopped: let the pass in flight finish its batch (its
        requests are already out), then hand back the claims nobody will send."""
        self._closing = True
        current = self._current
        if current is not None and not current.done():
            done, _ = await asyncio.wait({current}, timeout=timeout)
            if not done:
                current.cancel()
                # let the cancelled pass unwind (its session rolls back and gives the connection
                # back) before another session asks for one: on SQLite the pool has one
                await asyncio.wait({current}, timeout=timeout)
        try:
            await self.release_claims()
        except SQLAlchemyError:
            # nothing is lost: claims not handed back wait out their lease and are claimed again
            log.warning("outbox: claims not handed back at shutdown; they return when their lease ends")


__all__ = ["OutboxSender", "JOB_ID"]
