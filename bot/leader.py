"""Which instance runs the scheduled jobs (check-ins, risk alerts, roadmap reminders, digests, pair
reminders, the outbox sender) and the start-up recovery: one at a time.

On PostgreSQL every instance tries for a session-level advisory lock on a connection of its own
(``pg_try_advisory_lock``), at start and then every ``LEADER_RETRY_SECONDS``. The one that holds it
leads: it recovers what a dead leader left half-done, and its scheduler runs. The others keep
their scheduler paused and try again. The lock lives exactly as long as the leader's database
session: a leader that stops releases it at once, and one killed outright (SIGKILL, a lost
machine) loses it when PostgreSQL sees its connection close (at once for a killed process; for a
lost machine, when TCP keepalive gives up), and another instance leads at its next try (every
15 s by default). A leader whose connection fails (its periodic check does)
pauses its jobs at once. The jobs themselves stay safe to overlap (dedupe keys, the outbox's
leases), so a moment of two leaders during a network partition duplicates nothing.

Why the outbox sender runs on the leader only: Telegram's limits (about 30 messages/s for the
bot, 1/s per chat) are the bot's as a whole, and one sender paces them exactly; any instance can
send at that rate, so more senders would add coordination, not throughput. Direct replies are
sent by whichever instance handles the update.

SQLite serves one process (the embedded default): that process always leads.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

log = logging.getLogger(__name__)

#: advisory lock key of the leadership ("mentorld" in ASCII); the migrations use another
LEADER_LOCK_KEY = 0x6D656E746F726C64


class Leadership:
    def __init__(self, engine: AsyncEngine, retry_seconds: float,
                 on_gain: Callable[[], Awaitable[None]], on_loss: Callable[[], Awaitable[None]]) -> None:
        self.engine = engine
        self.retry_seconds = retry_seconds
        self.on_gain = on_gain
        self.on_loss = on_loss
        self.leading = False
        self._conn: AsyncConnection | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def shared(self) -> bool:
        """Whether other instances may share the database (PostgreSQL)."""
        return self.engine.dialect.name == "postgresql"

    async def start(self) -> None:
        """Try once now (a single instance leads before it takes updates), then keep trying."""
        if not self.shared:
            self.leading = True
            await self.on_gain()
            return
        await self._attempt()
        self._task = asyncio.create_task(self._watch(), name="leadership")

    async def _attempt(self) -> None:
        try:
            if self._conn is None:
                conn = await self.engine.connect()
                try:
                    got = await conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY})
                    await conn.commit()
                except BaseException:
                    await conn.invalidate()  # never back to the pool: it might hold the lock
                    raise
                if not got:
                    await conn.close()
                    return
                self._conn = conn
                self.leading = True
                log.info("leading: this instance runs the scheduled jobs")
                await self.on_gain()
            else:
                # the session, and so the lock, still ours; a check that hangs (a partition) is a loss
                await asyncio.wait_for(self._ping(self._conn), self.retry_seconds)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a database failure: lead no more, try again later
            log.warning("leadership check failed", exc_info=True)
            await self._lose()

    @staticmethod
    async def _ping(conn: AsyncConnection) -> None:
        await conn.execute(text("SELECT 1"))
        await conn.commit()

    async def _lose(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                # discarded, not returned to the pool: a pooled connection would keep the lock
                await conn.invalidate()
        if self.leading:
            self.leading = False
            log.warning("no longer leading: scheduled jobs paused on this instance")
            await self.on_loss()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.retry_seconds)
            await self._attempt()

    async def stop(self) -> None:
        """Give the lead up at once (another instance takes it at its next try)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK_KEY})
                await conn.commit()
            with contextlib.suppress(Exception):
                await conn.close()
        self.leading = False


__all__ = ["Leadership", "LEADER_LOCK_KEY"]
