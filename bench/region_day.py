"""A region's day (issue 10 items 2 and 3): the bot starts on the seeded region with a check-in
round due, and while that round drains, the at-risk job runs and a 100,000-row export is built,
people keep using the bot.

    .venv/bin/python -m bench.region_day --backend postgresql --reuse            # the region (300,000)
    .venv/bin/python -m bench.region_day --backend sqlite --participants 30000 --reuse  # a municipality

The data is ``bench/monitoring_seed.py``'s (the region of ``bench.monitoring``; with
``--participants 30000`` a tenth of it, whose capital holds 10,000 people). It is seeded once
into a database of this bench's own (``--reuse`` keeps it) and never touched by a run: each run
works on a fresh copy (SQLite: a copy of the file; PostgreSQL: ``CREATE DATABASE … TEMPLATE``),
dropped afterwards, so every run starts with the same check-in round due (the seed has no
check-ins: every person of an active pair whose interval has passed is asked).

The bot (``bot.app.build_app`` in a child process, against the Bot API stand-in
``tests.telegram_stub`` in another) runs with a clock shifted to 16:00:30 local time of the
region, the hour check-ins are sent, so the round is due at once and drains at the outbox's pace
while the figures are taken (a shift of 0 when the real local time is already 16:00–21:00).

Measured, each reply from the update handed to the stand-in to the stand-in receiving it:

* **first answer**: a ``/help`` is handed to the stand-in as the bot process is spawned; the
  time from the spawn to its answer (imports, start-up work, the jobs starting) ≤ 5 s;
* **during the day** (from the first answer until the export document arrived, the check-in
  and at-risk jobs finished and at least ``--window`` seconds passed): another user sends
  ``/help`` every ``--help-interval`` s (waiting for each answer) → p50 / p95 / p99 / max,
  p95 ≤ 200 ms; the regional curator asks for the participants export of the capital (the reports
  menu's button: built in the bot as a curator gets it) and, while it is built, presses the KPI
  view of the region (≤ 1 s) and of the capital (≤ 0.5 s) in turn (medians; the first press of
  each is a warm-up, printed but not counted);
* the scheduler's jobs: when each started and finished (APScheduler events, in the bot), how
  many check-ins the stand-in received during the window and how many outbox rows still wait
  at the end (the round was draining throughout);
* **memory**: the bot's peak RSS (VmHWM) at the end ≤ 400 MB.

Exit status 1 when a target is missed or could not be measured. The machine's load average is
printed at the start and the end: figures taken on a busy machine are not comparable.
"""
from __future__ import annotations

import gc
import sys

if __name__ == "__main__" and sys.argv[1:2] == ["_bot"]:
    gc.disable()  # the bot child starts as bot/__main__.py starts it: no collection until started
# (then bot.app.settle_heap, as bot/cli.py; a --baseline checkout without it: the collector back on)

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

if __package__ in (None, ""):  # run as a script (the bot of --baseline): bench/ is not a package root
    sys.path[:1] = []
from bench import monitoring as mon  # noqa: E402

ROOT = mon.ROOT
CURATOR_TG, OTHER_TG = mon.CURATOR_TG, mon.OTHER_TG
PG_DB = "mentor_bench_region"  # seeded: _s<seed>_p<participants>; a run's copy: _run<pid>
HELP_P95_S, KPI_REGION_S, KPI_CAPITAL_S, FIRST_ANSWER_S, BOT_RSS_MB = 0.2, 1.0, 0.5, 5.0, 400.0
CHECKIN_HOUR = 16


# =============================================================================================
# the bot (child process)
# =============================================================================================


def clock_shift(zone: str, now: datetime | None = None) -> timedelta:
    """How far to move the bot's clock so that it is 16:00:30 local (check-ins go out), unless
    the real local time is already between 16:00 and 21:00 (before quiet hours)."""
    now = now or datetime.now(UTC)
    local = now.astimezone(ZoneInfo(zone))
    if CHECKIN_HOUR <= local.hour < 21:
        return timedelta(0)
    day = local.date() if local.hour < CHECKIN_HOUR else local.date() + timedelta(days=1)
    target = datetime(day.year, day.month, day.day, CHECKIN_HOUR, 0, 30, tzinfo=ZoneInfo(zone))
    return target - now


async def child_bot(url: str, api: str, shift_s: str) -> None:
    """The bot as ``bot/cli.py`` runs it, with a shifted clock, until SIGTERM. Prints ``STARTED``
    after ``App.start`` and ``JOB <submitted|executed|error> <job id> <unix time>`` for every
    scheduler job run (the orchestrator times the jobs from them)."""
    import logging

    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED

    from bot.app import build_app
    from bot.config import Settings

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    logging.getLogger("bot.scheduler").setLevel(logging.INFO)
    shift = timedelta(seconds=float(shift_s))
    settings = Settings(_env_file=None, bot_token=mon.TOKEN, telegram_api_url=api,  # type: ignore[call-arg]
                        database_url=url)
    app = build_app(settings, clock=lambda: datetime.now(UTC) + shift)

    def on_job(event: Any) -> None:
        kind = {EVENT_JOB_SUBMITTED: "submitted", EVENT_JOB_EXECUTED: "executed"}.get(event.code, "error")
        print(f"JOB {kind} {event.job_id} {time.time():.3f}", flush=True)

    app.scheduler.add_listener(on_job, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    await app.start(migrate=False)
    import bot.app

    getattr(bot.app, "settle_heap", gc.enable)()
    print(f"STARTED {time.time():.3f}", flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()
    await app.stop()


# =============================================================================================
# the stand-in, watched by one poller (several people wait for answers at once)
# =============================================================================================


class Watch:
    """Polls the stand-in's recorded calls (one cursor for everyone) and keeps those that are
    not ``getUpdates``; askers wait on their own chat's calls after their own injection."""

    def __init__(self, stub: mon.Stub, ours: set[int]) -> None:
        self.stub = stub
        self.ours = {str(x) for x in ours}
        self.records: list[dict[str, Any]] = []
        self.others = 0  # messages the bot sent on its own to other chats (check-ins, mostly)
        self.others_checkins = 0
        self._cursor = 0
        self._task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._poll())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass

    async def _poll(self) -> None:
        while True:
            try:
                got = await self.stub.get("requests", since=self._cursor)
            except Exception:  # the stand-in busy or stopping: try again
                await asyncio.sleep(0.05)
                continue
            self._cursor += len(got)
            for rec in got:
                if rec["method"].lower() == "getupdates":
                    continue
                self.records.append(rec)
                chat = str(rec["params"].get("chat_id"))
                if chat not in self.ours and rec["method"].lower() == "sendmessage":
                    self.others += 1
                    if "wc:" in json.dumps(rec["params"].get("reply_markup") or ""):
                        self.others_checkins += 1
            if got:
                self._changed.set()
                self._changed = asyncio.Event()
            await asyncio.sleep(0.005)

    def mark(self) -> int:
        return len(self.records)

    async def wait(self, chat: int, methods: tuple[str, ...], since: int, timeout: float) -> dict[str, Any] | None:
        wanted = {m.lower() for m in methods}
        deadline = time.monotonic() + timeout
        i = since
        while True:
            while i < len(self.records):
                rec = self.records[i]
                i += 1
                if rec["method"].lower() in wanted and str(rec["params"].get("chat_id")) == str(chat):
                    return rec
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                pass

    async def ask(self, user: int, text: str | None = None, data: str | None = None,
                  message_id: int | None = None, methods: tuple[str, ...] = mon.VIEW_METHODS,
                  timeout: float = 60) -> tuple[float | None, dict[str, Any] | None]:
        item: dict[str, Any] = {"user_id": user, "language_code": "ru", "first_name": "Bench"}
        if data is not None:
            item["callback_data"] = data
            if message_id is not None:
                item["message_id"] = message_id
        else:
            item["text"] = text
        since = self.mark()
        t0 = await self.stub.inject(item)
        rec = await self.wait(user, methods, since, timeout)
        return (None, None) if rec is None else (rec["time"] - t0, rec)


# =============================================================================================
# one run
# =============================================================================================


@dataclass
class Day:
    backend: str
    participants: int
    code: str = str(ROOT)  # the checkout whose bot runs
    label: str = "this branch"
    load_start: float = 0.0
    load_end: float = 0.0
    shift_s: float = 0.0
    copy_s: float = 0.0
    first_answer_s: float | None = None  # spawn → first /help answered
    first_after_started_s: float | None = None  # "STARTED" (App.start returned) → that answer
    started_s: float | None = None  # spawn → App.start returned
    help: list[float] = field(default_factory=list)
    help_at: list[float] = field(default_factory=list)  # when each /help was handed over (unix time)
    export_at: float | None = None  # when the export button was pressed (unix time)
    help_lost: int = 0
    kpi_region: list[float] = field(default_factory=list)
    kpi_capital: list[float] = field(default_factory=list)
    kpi_warmup: tuple[float | None, float | None] = (None, None)
    export_s: float | None = None
    window_s: float = 0.0
    jobs: dict[str, list[tuple[str, float]]] = field(default_factory=dict)  # id -> [(event, t - spawn)]
    checkins_received: int = 0
    others_received: int = 0
    outbox_left: int | None = None
    checkins_created: int | None = None
    rss_mb: float | None = None
    notes: list[str] = field(default_factory=list)
    checks: list[tuple[str, str, bool | None]] = field(default_factory=list)


def _pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, int(round(q * len(s) + 0.5)) - 1))]


def _dist(xs: list[float]) -> str:
    if not xs:
        return "none"
    return (f"p50 {_pct(xs, .5) * 1000:.0f} ms, p95 {_pct(xs, .95) * 1000:.0f} ms, p99 {_pct(xs, .99) * 1000:.0f} ms, "
            f"max {max(xs) * 1000:.0f} ms (n={len(xs)})")


async def copy_database(db: mon.Database, workdir: Path) -> tuple[str, Any]:
    """A fresh copy of the seeded database for one run; returns its URL and how to drop it."""
    if db.backend == "sqlite":
        src = Path(db.url.split(":///", 1)[1])
        dst = workdir / f"run-{os.getpid()}.sqlite3"
        for suffix in ("-wal", "-shm"):
            Path(f"{dst}{suffix}").unlink(missing_ok=True)
        await asyncio.to_thread(shutil.copyfile, src, dst)

        async def drop() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{dst}{suffix}").unlink(missing_ok=True)
        return f"sqlite+aiosqlite:///{dst}", drop
    assert db.pg_admin_url is not None
    name = f"{PG_DB}_run{os.getpid()}"
    admin = db.pg_admin_url
    await mon._pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await mon._pg(admin, f'CREATE DATABASE "{name}" TEMPLATE "{db.pg_name}" STRATEGY FILE_COPY')

    async def drop_pg() -> None:
        await mon._pg(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return f"{db.url.rpartition('/')[0]}/{name}", drop_pg


async def db_counts(url: str) -> tuple[int, int]:
    """(outbox rows still to send, check-ins created) in the run's database."""
    from sqlalchemy import text

    engine, sm = mon._engine(url)
    try:
        async with sm() as s:
            left = await s.scalar(text("SELECT count(*) FROM outbox WHERE status IN ('pending', 'claimed', 'sending')"))
            made = await s.scalar(text("SELECT count(*) FROM checkins"))
        return int(left or 0), int(made or 0)
    finally:
        await engine.dispose()


async def run_day(db: mon.Database, a: argparse.Namespace, workdir: Path, r: Day) -> None:
    from handlers.callbacks import KpiCb, ReportsCb

    info = db.info
    t_copy = time.perf_counter()
    url, drop = await copy_database(db, workdir)
    r.copy_s = time.perf_counter() - t_copy
    r.shift_s = clock_shift("Europe/Moscow").total_seconds()
    stub = mon.Stub(workdir / f"stub-{db.backend}.log")
    await stub.start()
    watch = Watch(stub, {CURATOR_TG, OTHER_TG})
    watch.start()
    bot_log = workdir / f"bot-{db.backend}.log"
    jobs: dict[str, list[tuple[str, float]]] = {}
    started_at: list[float] = []
    bot: asyncio.subprocess.Process | None = None
    reader: asyncio.Task[None] | None = None
    try:
        r.load_start = os.getloadavg()[0]
        # the first /help waits in the stand-in for the bot's first getUpdates
        first_since = watch.mark()
        t_spawn = time.time()
        first_t0 = await stub.inject({"user_id": OTHER_TG, "language_code": "ru", "first_name": "Bench",
                                      "text": "/help"})
        code = Path(r.code).resolve()  # whose bot: this checkout, or --baseline's
        with bot_log.open("ab") as out:
            bot = await asyncio.create_subprocess_exec(
                sys.executable, str(Path(__file__).resolve()), "_bot", url, stub.url, str(r.shift_s), cwd=str(code),
                stdout=asyncio.subprocess.PIPE, stderr=out, env={**os.environ, "PYTHONPATH": str(code)})

        async def read_bot() -> None:
            assert bot is not None and bot.stdout is not None
            while line := (await bot.stdout.readline()).decode():
                parts = line.split()
                if parts[:1] == ["STARTED"]:
                    started_at.append(float(parts[1]))
                elif parts[:1] == ["JOB"] and len(parts) == 4:
                    jobs.setdefault(parts[2], []).append((parts[1], float(parts[3]) - t_spawn))
        reader = asyncio.create_task(read_bot())
        rec = await watch.wait(OTHER_TG, ("sendMessage",), first_since, a.startup_wait)
        if rec is None:
            r.notes.append(f"no answer to the first /help within {a.startup_wait:g} s; see {bot_log}")
            return
        r.first_answer_s = rec["time"] - t_spawn
        assert first_t0 >= t_spawn
        if started_at:
            r.started_s = started_at[0] - t_spawn
            r.first_after_started_s = rec["time"] - started_at[0]
        # ------------------------------------------------------------------------------------
        # the day: /help on and on; the curator asks for the export, then presses KPI views
        day_start = time.monotonic()
        seen_before = watch.others
        checkins_before = watch.others_checkins
        export_done = asyncio.Event()
        curator_done = asyncio.Event()

        def jobs_done() -> bool:
            return all(any(ev == "executed" or ev == "error" for ev, _ in jobs.get(j, ()))
                       for j in ("checkins", "risk-alerts"))

        async def helper_user() -> None:
            while True:
                s, rec = await watch.ask(OTHER_TG, "/help", methods=("sendMessage",), timeout=60)
                if s is None or rec is None:
                    r.help_lost += 1
                else:
                    r.help.append(s)
                    r.help_at.append(rec["time"] - s)
                enough = time.monotonic() - day_start >= a.window
                if (enough and export_done.is_set() and curator_done.is_set() and jobs_done()) \
                        or time.monotonic() - day_start >= a.max_window:
                    return
                await asyncio.sleep(a.help_interval)

        async def curator() -> None:
            try:
                await curator_work()
            finally:
                curator_done.set()

        async def curator_work() -> None:
            s, rec = await watch.ask(CURATOR_TG, "/curator", methods=("sendMessage",))
            if rec is None:
                r.notes.append("/curator got no answer")
                export_done.set()
                return
            menu = max((m for m in await stub.messages(CURATOR_TG) if m["buttons"]),
                       key=lambda m: m["message_id"], default=None)
            if menu is None:
                r.notes.append("the curator menu has no buttons")
                export_done.set()
                return
            mid = menu["message_id"]
            # the export: reports menu, participants button (the capital)
            s, rec = await watch.ask(CURATOR_TG, data=ReportsCb(uid=info["capital_id"]).pack(), message_id=mid)
            msgs = await stub.messages(CURATOR_TG)
            target = next((m for m in reversed(msgs) if mon.find_export_button(m)), None)
            if target is None:
                r.notes.append("the reports menu has no participants button: export not asked")
                export_done.set()
            else:
                data = mon.find_export_button(target)
                assert data is not None
                since = watch.mark()
                t0 = await stub.inject({"user_id": CURATOR_TG, "callback_data": data,
                                        "message_id": target["message_id"]})
                r.export_at = t0

                async def wait_doc() -> None:
                    doc = await watch.wait(CURATOR_TG, ("sendDocument",), since, a.max_window)
                    if doc is None:
                        r.notes.append(f"export: no document within {a.max_window:g} s")
                    else:
                        r.export_s = doc["time"] - t0
                    export_done.set()
                waiter = asyncio.create_task(wait_doc())
            # KPI views while the export is built (region and capital in turn; round 0 warms up)
            await asyncio.sleep(0.5)
            view = max((m for m in await stub.messages(CURATOR_TG) if m["buttons"]),
                       key=lambda m: m["message_id"])["message_id"]
            for i in range(a.presses + 1):
                for unit, bucket, k in ((info["region_id"], r.kpi_region, 0), (info["capital_id"], r.kpi_capital, 1)):
                    s, rec = await watch.ask(CURATOR_TG, data=KpiCb(uid=unit, y=0).pack(), message_id=view,
                                             timeout=60)
                    if rec is None:
                        r.notes.append(f"no KPI view of unit {unit} within 60 s")
                        return
                    if i == 0:
                        w = list(r.kpi_warmup)
                        w[k] = s
                        r.kpi_warmup = (w[0], w[1])
                    else:
                        bucket.append(s)
                    if rec["method"].lower() != "editmessagetext":
                        view = (await stub.messages(CURATOR_TG))[-1]["message_id"]
                await asyncio.sleep(a.press_interval)
            if target is not None:
                await waiter

        await asyncio.gather(helper_user(), curator())
        r.window_s = time.monotonic() - day_start
        r.checkins_received = watch.others_checkins - checkins_before
        r.others_received = watch.others - seen_before
        r.rss_mb = mon.vm_hwm_mb(bot.pid)
        r.jobs = jobs
    finally:
        r.load_end = os.getloadavg()[0]
        if bot is not None and bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except TimeoutError:
                bot.kill()
                await bot.wait()
        if reader is not None:
            reader.cancel()
        await watch.stop()
        await stub.stop()
        try:
            r.outbox_left, r.checkins_created = await db_counts(url)
        except Exception as exc:  # noqa: BLE001 - a figure, not the run
            r.notes.append(f"could not count the outbox: {exc}")
        if not a.keep_copy:
            await drop()
        else:
            r.notes.append(f"the run's database kept: {url}")


def judge(r: Day) -> None:
    def check(what: str, figure: str, met: bool | None) -> None:
        r.checks.append((what, figure, met))

    check(f"first answer after start-up <= {FIRST_ANSWER_S:g} s",
          "none" if r.first_answer_s is None else f"{r.first_answer_s:.2f} s from the spawn",
          None if r.first_answer_s is None else r.first_answer_s <= FIRST_ANSWER_S)
    if r.help:
        check(f"/help during the day, p95 <= {HELP_P95_S * 1000:.0f} ms", _dist(r.help)
              + (f", {r.help_lost} unanswered within 60 s" if r.help_lost else ""),
              _pct(r.help, .95) <= HELP_P95_S and not r.help_lost)
    else:
        check("/help during the day", "not measured", None)
    for what, xs, limit in (("regional KPI view pressed", r.kpi_region, KPI_REGION_S),
                            ("capital's KPI view pressed", r.kpi_capital, KPI_CAPITAL_S)):
        if xs:
            check(f"{what} <= {limit:g} s (median)",
                  f"median {statistics.median(xs):.3f} s (max {max(xs):.3f}, n={len(xs)})",
                  statistics.median(xs) <= limit)
        else:
            check(what, "not measured", None)
    check("the export was built during the day", "not built" if r.export_s is None else f"{r.export_s:.1f} s",
          None if r.export_s is None else True)
    check("the check-in round drained during the day",
          f"{r.checkins_received:,} check-ins received by the stand-in in {r.window_s:.0f} s",
          None if r.checkins_received == 0 else True)
    check(f"bot peak RSS <= {BOT_RSS_MB:g} MB", "not measured" if r.rss_mb is None else f"{r.rss_mb:.0f} MB",
          None if r.rss_mb is None else r.rss_mb <= BOT_RSS_MB)


def report(r: Day, db: mon.Database) -> None:
    seeded = "reused" if db.reused else f"seeded in {db.seed_wall:.1f} s"
    print(f"== {r.backend}, {r.participants:,} participants, {r.label} ({seeded}; the run's copy made in {r.copy_s:.1f} s); "
          f"load average {r.load_start:.2f} at the start, {r.load_end:.2f} at the end")
    print(f"   bot clock shifted by {r.shift_s / 3600:+.2f} h (16:00 local: check-ins due)")
    if r.first_answer_s is not None:
        started = "" if r.started_s is None else (f"; App.start returned after {r.started_s:.2f} s, "
                                                   f"answer {r.first_after_started_s:.2f} s later")
        print(f"   first /help answered {r.first_answer_s:.2f} s after the bot was spawned{started}")
    for job, evs in sorted(r.jobs.items()):
        runs = []
        start = None
        for ev, t in evs:
            if ev == "submitted":
                start = t
            else:
                runs.append(f"{start if start is not None else float('nan'):.1f}→{t:.1f} s"
                            + ("" if ev == "executed" else " (error, or cut by the stop)"))
                start = None
        if start is not None:
            runs.append(f"{start:.1f}→(running at the end)")
        if len(runs) > 4:  # the sender's pass every second: how many, and the longest
            spans = [(t1 - t0) for (e0, t0), (e1, t1) in zip(evs, evs[1:]) if e0 == "submitted" and e1 != "submitted"]
            runs = [f"{len(runs)} runs from {evs[0][1]:.1f} s, the longest {max(spans, default=0):.1f} s"]
        print(f"   job {job:18s} {', '.join(runs)}")
    print(f"   day window {r.window_s:.1f} s: stand-in received {r.checkins_received:,} check-ins "
          f"({r.others_received:,} messages to other chats); outbox rows left {r.outbox_left}, "
          f"check-ins created {r.checkins_created}")
    print(f"   /help {_dist(r.help)}; unanswered {r.help_lost}")
    if r.export_at is not None and r.export_s is not None:
        end = r.export_at + r.export_s
        during = [x for x, t in zip(r.help, r.help_at) if r.export_at <= t <= end]
        other = [x for x, t in zip(r.help, r.help_at) if not r.export_at <= t <= end]
        print(f"   /help while the export was built: {_dist(during)}")
        print(f"   /help the rest of the day:         {_dist(other)}")
    w = ", ".join("-" if x is None else f"{x:.3f} s" for x in r.kpi_warmup)
    print(f"   KPI region {[round(x, 3) for x in r.kpi_region]}, capital {[round(x, 3) for x in r.kpi_capital]} "
          f"(warm-up presses: {w})")
    print(f"   export in the bot: button → document {('%.1f s' % r.export_s) if r.export_s else 'none'}; "
          f"bot peak RSS {r.rss_mb or 0:.0f} MB")
    for n in r.notes:
        print(f"   note: {n}")
    width = max(len(c[0]) for c in r.checks)
    for what, figure, met in r.checks:
        mark = "ok  " if met else ("TARGET MISSED" if met is False else "N/A ")
        print(f"   {mark:4s} {what:{width}s}  {figure}")


async def run_backend(a: argparse.Namespace, backend: str, workdir: Path) -> list[Day]:
    mon.PG_DB = PG_DB  # the seeded database is this bench's own (runs alter only their copies)
    lock = await asyncio.to_thread(mon.lock_database, a, backend, workdir)
    try:
        log = workdir / f"children-{backend}-{os.getpid()}.log"
        db = await mon.prepare(a, backend, workdir, log)
        print(f"-- {backend}: database ready ({'reused' if db.reused else f'seeded in {db.seed_wall:.1f} s'}); "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
        days = ([Day(backend, a.participants, code=a.baseline, label=f"baseline {a.baseline}")] if a.baseline else []) \
            + [Day(backend, a.participants)]
        try:
            if not a.seed_only:
                for r in days:  # the baseline first, then this branch, on copies of the same data
                    await run_day(db, a, workdir, r)
                    judge(r)
                    report(r, db)
        finally:
            if not a.reuse:
                await mon.drop(db)
        return days
    finally:
        lock.close()


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_bot":
        asyncio.run(child_bot(*sys.argv[2:]))
        return
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):  # the seeding child of bench.monitoring
        mon.child_main(sys.argv[1:])
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="postgresql")
    p.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                   help="a database to connect to for creating and dropping the benchmark's own")
    p.add_argument("--participants", type=int, default=300_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--reuse", action="store_true", help="keep the seeded database and reuse a matching one")
    p.add_argument("--seed-only", action="store_true", help="prepare (seed) the database and stop")
    p.add_argument("--keep-copy", action="store_true", help="keep the run's copy of the database (diagnostics)")
    p.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "mentor-bench-region"))
    p.add_argument("--window", type=float, default=60.0, help="the day lasts at least this long (s)")
    p.add_argument("--max-window", type=float, default=300.0, help="... and at most this long (s)")
    p.add_argument("--baseline", help="another checkout (e.g. a worktree of main): its bot runs the same day "
                                      "first, on a copy of the same data, printed beside this one's (not judged)")
    p.add_argument("--startup-wait", type=float, default=600.0, help="wait this long for the first answer")
    p.add_argument("--help-interval", type=float, default=0.25, help="pause between two /help")
    p.add_argument("--presses", type=int, default=5, help="KPI presses of each view counted")
    p.add_argument("--press-interval", type=float, default=1.0, help="pause between two rounds of presses")
    a = p.parse_args()
    a.repeat = 1  # bench.monitoring's prepare() reads only the seed's options
    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"-- bench.region_day participants={a.participants:,} seed={a.seed} cores={os.cpu_count()} "
          f"python={sys.version.split()[0]} load {os.getloadavg()[0]:.2f} workdir={workdir}", flush=True)
    backends = ("sqlite", "postgresql") if a.backend == "both" else (a.backend,)
    results = [r for b in backends for r in asyncio.run(run_backend(a, b, workdir))]
    if a.seed_only:
        return
    judged = [r for r in results if r.code == str(ROOT)]  # the baseline is printed, not judged
    missed = [(r.backend, c[0]) for r in judged for c in r.checks if c[2] is False]
    unmeasured = [(r.backend, c[0]) for r in judged for c in r.checks if c[2] is None]
    for b, what in missed:
        print(f"TARGET MISSED ({b}): {what}")
    for b, what in unmeasured:
        print(f"NOT MEASURED ({b}): {what}")
    if missed or unmeasured:
        sys.exit(1)
    print("targets met")


if __name__ == "__main__":
    main()
