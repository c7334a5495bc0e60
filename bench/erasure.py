"""Erasure's scrub of an erased person's name from the rows kept for others: bounded vs unbounded.

    .venv/bin/python -m bench.erasure [--old 100000] [--new 2000] [--items 20000] [--database-url URL]

A regional curator has a long history: ``--old`` outbox rows (curator summaries, sent) written
before the erased participant registered, ``--new`` written since (one in ten naming them), and
``--items`` "needs your attention" items, likewise nine tenths older. The participant (a mentee in
an active pair of that region) is then scrubbed in the same process, each way in its own
transaction that is rolled back, so both see the same data:

1. **unbounded** — the scrub as it was before issue 9's review (every outbox row of every related
   user read in ONE query per chunk of users, no time bound, no kind filter, items not read);
2. **bounded** — ``domain.erasure.scrub_messages`` as it is: rows and items written since the
   registration, of kinds that can carry a name, in keyset pages of ``SCRUB_BATCH``.

Printed per way: wall time, rows the scrub fetched from the database (counted by wrapping the
result), Python's peak traced memory during the scrub (``tracemalloc``), rows changed. The
1-minute load average is printed at the start and the end: figures taken on a busy machine are
noisy, compare the two ways of one run.

With ``--database-url`` (PostgreSQL) a fresh database ``<name>_erasure_<hex>`` is created next to
the one named and dropped afterwards; without it, an SQLite file in a temporary directory.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import tracemalloc
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.engine import create_engine_and_sessionmaker
from db.migrate import upgrade_async
from db.models import (AttentionItem, CuratorRole, OutboxMessage, Pair, PairMentee, Participant, Programme,
                       ProgrammeMember, User)
from domain import erasure, pairing
from domain.outbox import CLAIMED, DROPPED, FINAL_STATUSES, SENDING
from domain.units import create_unit

NAME = "Смирнова Елена Викторовна"
OTHERS = ["Иванов Пётр Сергеевич", "Кузнецова Анна Игоревна", "Орлов Максим Андреевич", "Соколова Мария Олеговна"]
REGISTERED = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def load() -> str:
    return f"{os.getloadavg()[0]:.2f}"


async def seed(sm, n_old: int, n_new: int, n_items: int) -> int:
    """The region, the curator's history, the participant; returns the participant's id."""
    rnd = random.Random(7)
    async with sm() as s:
        region = await create_unit(s, "region", "Регион", timezone="Europe/Moscow")
        mun = await create_unit(s, "municipality", "Город", region)
        org = await create_unit(s, "organisation", "Школа", mun, org_type="school")
        curator = User(tg_id=1, locale="ru", full_name="Куратор Региона", created_at=REGISTERED - timedelta(days=400))
        s.add(curator)
        await s.flush()
        s.add(CuratorRole(user_id=curator.id, unit_id=region.id, created_at=curator.created_at,
                          last_digest_at=curator.created_at))
        prog = Programme(unit_id=org.id, form="teacher_student", role_models=[], title="Программа",
                         starts_on=REGISTERED.date(), ends_on=(REGISTERED + timedelta(days=270)).date(),
                         meeting_interval_days=14, weights={}, status="active", created_at=REGISTERED)
        s.add(prog)
        await s.flush()
        members = {}
        for n, (name, side) in enumerate(((NAME, "mentee"), (OTHERS[0], "mentor"))):
            user = User(tg_id=10 + n, locale="ru", full_name=name, created_at=REGISTERED)
            s.add(user)
            await s.flush()
            p = Participant(user_id=user.id, org_id=org.id, role=side, category="school_student" if side == "mentee"
                            else "teacher", full_name=name, status="active", birth_year=2010 if side == "mentee"
                            else 1980, registered_at=REGISTERED, updated_at=REGISTERED)
            s.add(p)
            await s.flush()
            m = ProgrammeMember(programme_id=prog.id, participant_id=p.id, side=side, joined_at=REGISTERED)
            s.add(m)
            await s.flush()
            members[side] = (p, m)
        pair = Pair(programme_id=prog.id, mentor_member_id=members["mentor"][1].id, status="active",
                    created_at=REGISTERED, approved_at=REGISTERED, activated_at=REGISTERED)
        s.add(pair)
        await s.flush()
        s.add(PairMentee(pair_id=pair.id, mentee_member_id=members["mentee"][1].id, answer="accepted",
                         answered_at=REGISTERED))
        await s.commit()
        participant_id = members["mentee"][0].id

    def body(named: bool) -> str:
        people = rnd.sample(OTHERS, 2) + ([NAME] if named else [])
        return "\n".join(f"• {a} — {b}" for a, b in zip(people, people[1:] + people[:1]))

    def outbox_rows(n: int, start: datetime, step: timedelta, named_every: int) -> list[dict[str, Any]]:
        return [{"user_id": curator.id, "chat_id": 1, "kind": "attention", "status": "sent", "attempts": 0,
                 "payload": {"key": "att-summary",
                             "args": {"n": 3, "body": body(bool(named_every) and k % named_every == 0)}},
                 "due_at": start + k * step, "sent_at": start + k * step, "created_at": start + k * step}
                for k in range(n)]

    def items(n: int, start: datetime, step: timedelta, named_every: int) -> list[dict[str, Any]]:
        return [{"user_id": curator.id, "kind": "started", "ref": f"p{1000 + k}", "unit_id": org.id,
                 "key": "pair-active-notice", "created_at": start + k * step, "closed_at": start + k * step,
                 "closed_why": "seen",
                 "args": {"programme": "Программа", "mentor": OTHERS[k % 4], "n": 1,
                          "mentees": NAME if named_every and k % named_every == 0 else OTHERS[(k + 1) % 4]}}
                for k in range(n)]

    batches = [
        (OutboxMessage, outbox_rows(n_old, REGISTERED - timedelta(days=365), timedelta(days=365) / max(n_old, 1), 0)),
        (OutboxMessage, outbox_rows(n_new, REGISTERED + timedelta(minutes=1), timedelta(minutes=30), 10)),
        (AttentionItem, items(n_items * 9 // 10, REGISTERED - timedelta(days=365),
                              timedelta(days=365) / max(n_items, 1), 0)),
        (AttentionItem, items(n_items - n_items * 9 // 10, REGISTERED + timedelta(minutes=1), timedelta(hours=1), 10)),
    ]
    async with sm() as s:
        for model, rows in batches:
            for k in range(0, len(rows), 5000):
                await s.execute(insert(model), rows[k:k + 5000])
        await s.commit()
    return participant_id


class Counting:
    """How many rows the scrub's queries fetched (AsyncSession.execute/scalars are wrapped)."""

    def __init__(self) -> None:
        self.rows = 0


async def unbounded_scrub(session: AsyncSession, participant: Participant, names: list[str]) -> int:
    """The scrub as it was (main before this change), for the baseline: every row of every related
    user in one query per chunk of users, names replaced with str.replace, items not read."""
    wanted = sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)

    def without(value: Any) -> tuple[Any, bool]:
        if isinstance(value, str):
            out = value
            for name in wanted:
                out = out.replace(name, erasure.ERASED_MARK)
            return out, out != value
        if isinstance(value, dict):
            pairs = {k: without(v) for k, v in value.items()}
            return {k: v for k, (v, _) in pairs.items()}, any(h for _, h in pairs.values())
        if isinstance(value, list):
            pairs = [without(v) for v in value]
            return [v for v, _ in pairs], any(h for _, h in pairs)
        return value, False

    changed = 0
    for part in pairing.chunked(await erasure._related_users(session, participant)):  # noqa: SLF001
        rows = (await session.execute(select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.payload)
                                      .where(OutboxMessage.user_id.in_(part)))).all()
        for row_id, status, payload in rows:
            clean, hit = without(payload or {})
            if not hit:
                continue
            values: dict[str, Any] = {"payload": clean}
            if status not in FINAL_STATUSES:
                values.update(status=DROPPED, last_error="names an erased person", claimed_by=None)
            result = await session.execute(update(OutboxMessage).where(
                OutboxMessage.id == row_id, OutboxMessage.status.not_in((CLAIMED, SENDING))).values(**values)
                .execution_options(synchronize_session=False))
            changed += result.rowcount or 0
    return changed


async def run_way(sm, participant_id: int, way: str) -> dict[str, Any]:
    counter = Counting()
    async with sm() as s:
        participant = await s.get(Participant, participant_id)
        names = [participant.full_name]
        original = s.execute

        async def counting_execute(*args: Any, **kwargs: Any) -> Any:
            result = await original(*args, **kwargs)
            if args and isinstance(args[0], Select):
                rows = result.all()
                counter.rows += len(rows)
                return _Replay(result, rows)
            return result

        s.execute = counting_execute  # type: ignore[method-assign]
        s.scalars = lambda *a, **k: _scalars(counting_execute, *a, **k)  # type: ignore[method-assign]
        tracemalloc.start()
        started = time.perf_counter()
        if way == "unbounded":
            changed = await unbounded_scrub(s, participant, names)
        else:
            changed = await erasure.scrub_messages(s, participant, names, REGISTERED + timedelta(days=200))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        await s.rollback()
    return {"way": way, "seconds": elapsed, "fetched": counter.rows, "peak_mib": peak / 2**20, "changed": changed}


class _Replay:
    """A result whose rows were already fetched (to count them), answering what the scrub asks."""

    def __init__(self, result: Any, rows: list[Any]) -> None:
        self._rows = rows

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def scalars(self) -> _Replay:
        return _Replay(None, [r[0] for r in self._rows])

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    @property
    def rowcount(self) -> int:
        return len(self._rows)


async def _scalars(execute: Any, *args: Any, **kwargs: Any) -> _Replay:
    return (await execute(*args, **kwargs)).scalars()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", type=int, default=100_000, help="the curator's outbox rows before the registration")
    ap.add_argument("--new", type=int, default=2_000, help="... and since (one in ten naming the person)")
    ap.add_argument("--items", type=int, default=20_000, help="the curator's attention items (9/10 older)")
    ap.add_argument("--database-url", default=None, help="postgresql://... (a fresh database is made beside it)")
    opts = ap.parse_args()
    print(f"load average at start: {load()}")
    tmp = None
    admin_url = None
    if opts.database_url:
        base, _, dbname = opts.database_url.rpartition("/")
        dbname = f"{dbname}_erasure_{uuid.uuid4().hex[:8]}"
        admin_url = opts.database_url
        url = f"{base.replace('postgresql://', 'postgresql+asyncpg://', 1)}/{dbname}"
        import asyncpg

        conn = await asyncpg.connect(admin_url)
        await conn.execute(f'CREATE DATABASE "{dbname}"')
        await conn.close()
    else:
        tmp = tempfile.TemporaryDirectory()
        url = f"sqlite+aiosqlite:///{Path(tmp.name) / 'erasure.sqlite3'}"
    try:
        await upgrade_async(url)
        engine, sm = create_engine_and_sessionmaker(url)
        try:
            t0 = time.perf_counter()
            participant_id = await seed(sm, opts.old, opts.new, opts.items)
            print(f"seeded {opts.old + opts.new:,} outbox rows and {opts.items:,} items in "
                  f"{time.perf_counter() - t0:.1f} s ({url.split(':')[0]})")
            for way in ("unbounded", "bounded"):
                r = await run_way(sm, participant_id, way)
                print(f"{r['way']:>9}: {r['seconds']:7.2f} s, {r['fetched']:>9,} rows fetched, "
                      f"peak traced memory {r['peak_mib']:7.1f} MiB, {r['changed']:,} changed")
        finally:
            await engine.dispose()
    finally:
        if admin_url is not None:
            import asyncpg

            conn = await asyncpg.connect(admin_url)
            await conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            await conn.close()
        if tmp is not None:
            tmp.cleanup()
    print(f"load average at end: {load()}")


if __name__ == "__main__":
    asyncio.run(main())
