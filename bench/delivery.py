"""Outbox delivery against Telegram's limits: rate, 429s, and exactly once across ``kill -9``.

    .venv/bin/python -m bench.delivery [--messages 10000] [--rate 28] [--database-url URL]
                                       [--lease SECONDS] [--min-rate 27] [--stub-nice -10]
                                       [--keep] [--trace]

The local Bot API stand-in (``tests/telegram_stub``) runs as its own process with Telegram's
limits switched on (30 messages per sliding second overall, 1 per second per chat, 429
otherwise). The sender runs in a child process exactly as in the bot: the real
:class:`bot.outbox.OutboxSender`, the real aiogram ``Bot`` from ``bot.app.make_bot`` (its
``AiohttpSession``), driven by its APScheduler job (``OutboxSender.install``), with the default
settings except ``outbox_rate_per_second`` (``--rate``), a per-chat interval of 1 s and no quiet
hours (and ``outbox_lease_seconds`` with ``--lease``).

Each run seeds a fresh database with ``--messages`` due check-ins (``domain.outbox.enqueue``,
kind ``checkin``, one per user, every user a chat of their own):

1. clean — one child drains the outbox;
2. crash — one child is SIGKILLed when about half were delivered, a new child (a fresh
   process: imports, scheduler start-up and lease recovery included) finishes the job.

Rates are deliveries as the stand-in timed them: (n − 1) / (last − first). A row caught in
'sending' at the kill is marked 'unknown' after the lease and never re-sent (see
``bot/outbox.py``); the stand-in tells whether it was in fact delivered. Exit status 1 unless
run 1 reaches ``--min-rate`` with no 429, and both runs have no duplicate and no missing message.

The stand-in is given a higher scheduling priority (``--stub-nice``, when permitted): it plays
Telegram, whose clock does not stall when this machine is busy; a stand-in waiting for a CPU
while requests queue up would count them as one burst. The 1-minute load average at the start
and the end of each run is printed. ``--trace`` makes the children log when each request left
and how long rows waited at the send-time window (``childN.trace*``, kept with ``--keep``).

With ``--database-url`` (PostgreSQL) each run creates a fresh database next to the one named
(``<name>_delivery_<run>_<hex>``) and drops it afterwards; the named database is not touched.
With an SQLite URL the files ``<stem>-clean.sqlite3`` and ``<stem>-crash.sqlite3`` are
(re)created beside it. Without it, SQLite files in a temporary directory.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "C" * 35
FIRST_CHAT = 700_000_000
CHECKIN_KEY = "bench-checkin"
CHECKIN_FTL = {
    "ru": f"{CHECKIN_KEY} = Как прошла встреча с наставником на этой неделе? Ответьте кнопкой ниже. (№ {{ $n }})\n",
    "en": f"{CHECKIN_KEY} = How did this week's meeting with your mentor go? Answer with a button below. (#{{ $n }})\n",
}
ACTIVE = ("pending", "claimed", "sending")


# =============================================================================================
# The child: the sender as the bot runs it
# =============================================================================================


def child_main(argv: list[str]) -> None:
    url, api, locales, rate, lease = argv
    asyncio.run(_child(url, api, Path(locales), float(rate), float(lease)))


async def _child(url: str, api: str, locales: Path, rate: float, lease: float) -> None:
    import logging

    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    from bot.app import make_bot
    from bot.config import Settings
    from bot.i18n import Translator
    from bot.outbox import OutboxSender
    from db.engine import create_engine_and_sessionmaker

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # As bot/cli.py: a long pass makes APScheduler warn every second that a run was skipped.
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    overrides: dict[str, Any] = {"outbox_lease_seconds": lease} if lease > 0 else {}
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        bot_token=TOKEN,
        telegram_api_url=api,
        database_url=url,
        outbox_rate_per_second=rate,
        outbox_per_chat_interval=1.0,
        quiet_hours_start=0,  # start == end: no quiet hours (the bench runs at any time of day)
        quiet_hours_end=0,
        **overrides,
    )
    _engine, sm = create_engine_and_sessionmaker(settings.db_url)  # lives until the SIGKILL
    bot = make_bot(settings)
    trace = os.environ.get("BENCH_DELIVERY_TRACE")
    if trace:  # diagnostics: when each sendMessage left this process, and when its answer came
        import time as _time

        out = open(trace, "a", buffering=1)  # noqa: SIM115, ASYNC230 - line-buffered for SIGKILL

        async def _trace(make_request, bot_, method):  # type: ignore[no-untyped-def]
            t0 = _time.time()
            try:
                return await make_request(bot_, method)
            finally:
                out.write(f"{getattr(method, 'chat_id', '')} {t0:.6f} {_time.time():.6f}\n")

        bot.session.middleware(_trace)
    sender = OutboxSender(bot, sm, settings, Translator(locales))
    if trace:  # … and how long each row, already 'sending', waited for the send-time window
        waits = open(trace + ".window", "a", buffering=1)  # noqa: SIM115, ASYNC230
        window_acquire = sender.window.acquire

        async def _timed_acquire() -> None:
            t0 = _time.time()
            await window_acquire()
            waits.write(f"{t0:.6f} {_time.time() - t0:.6f}\n")

        sender.window.acquire = _timed_acquire  # type: ignore[method-assign]
    scheduler = AsyncIOScheduler(timezone=UTC)
    sender.install(scheduler)
    scheduler.start()
    print(f"STARTED {os.getpid()} lease={settings.outbox_lease_seconds} tick={settings.outbox_tick_seconds} "
          f"batch={settings.outbox_batch} concurrency={sender.concurrency} burst={sender.limiter.burst}",
          file=sys.stderr, flush=True)
    await asyncio.Event().wait()


# =============================================================================================
# The parent: stand-in, databases, children, figures
# =============================================================================================


class Stub:
    """``python -m tests.telegram_stub --rate-limits`` as a process, followed via its state file."""

    def __init__(self, workdir: Path, nice: int) -> None:
        self.nice = nice
        self.niced = False
        self.state_file = workdir / "delivered.jsonl"
        self.log = workdir / "stub.log"
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self._offset = 0
        self.records: list[dict[str, Any]] = []  # delivered records read so far from the state file

    async def start(self) -> None:
        with self.log.open("ab") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.telegram_stub", "--port", "0", "--rate-limits",
                "--global-per-second", "30", "--per-chat-per-second", "1",
                "--state-file", str(self.state_file),
                cwd=str(ROOT), stdout=asyncio.subprocess.PIPE, stderr=err,
            )
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 30)).decode().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"the stand-in did not start: {line!r}; see {self.log}")
        self.url = line.split(" ", 1)[1]
        if self.nice:
            # The stand-in plays Telegram, whose clock is not disturbed by this machine's load: a
            # stand-in waiting for a CPU while requests queue up would count them as a burst.
            try:
                os.setpriority(os.PRIO_PROCESS, self.proc.pid, self.nice)
                self.niced = True
            except OSError:
                self.niced = False

    def poll(self) -> int:
        """Read the deliveries dumped since the last call (every 0.2 s by the stand-in)."""
        if not self.state_file.exists():
            return len(self.records)
        with self.state_file.open("rb") as fh:
            fh.seek(self._offset)
            chunk = fh.read()
        end = chunk.rfind(b"\n")
        if end >= 0:
            for line in chunk[: end + 1].splitlines():
                if line.strip():
                    self.records.append(json.loads(line))
            self._offset += end + 1
        return len(self.records)

    async def control(self, path: str) -> Any:
        import aiohttp

        async with aiohttp.ClientSession() as http, http.get(f"{self.url}/_control/{path}") as resp:
            body = await resp.json()
        return body["result"]

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class Child:
    """The sender in a child process (``python -m bench.delivery _child …``)."""

    def __init__(self, url: str, api: str, locales: Path, rate: float, lease: float, log: Path,
                 trace: bool = False) -> None:
        self.args = [url, api, str(locales), str(rate), str(lease)]
        self.log = log
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if trace:
            self.env["BENCH_DELIVERY_TRACE"] = str(log.with_suffix(".trace"))
        self.proc: asyncio.subprocess.Process | None = None
        self.started_at = 0.0

    async def start(self) -> None:
        self.started_at = time.time()
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.delivery", "_child", *self.args,
                cwd=str(ROOT), env=self.env, stdout=out, stderr=out,
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None

    async def kill(self) -> float:
        """SIGKILL; returns the wall time of the kill."""
        at = time.time()
        if self.alive():
            assert self.proc is not None
            os.kill(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            await self.proc.wait()
        return at


# --- databases ------------------------------------------------------------------------------


class Database:
    """A fresh, migrated database per run (see the module docstring)."""

    def __init__(self, base_url: str | None, workdir: Path, run: str) -> None:
        self.base_url = base_url
        self.workdir = workdir
        self.run = run
        self.url = ""
        self._pg_name: str | None = None

    async def create(self) -> str:
        from bot.config import Settings
        from db.migrate import upgrade

        if self.base_url is None:
            self.url = f"sqlite+aiosqlite:///{self.workdir / f'{self.run}.sqlite3'}"
        else:
            url = Settings(_env_file=None, bot_token=TOKEN, database_url=self.base_url).db_url  # type: ignore[call-arg]
            if url.startswith("postgresql"):
                base, _, _name = url.rpartition("/")
                name = f"{_name.split('?')[0]}_delivery_{self.run}_{uuid.uuid4().hex[:6]}"
                await _pg_admin(url, f'CREATE DATABASE "{name}"')
                self._pg_name = name
                self.url = f"{base}/{name}"
            elif url.startswith("sqlite"):
                path = Path(url.split(":///", 1)[1])
                target = path.with_name(f"{path.stem}-{self.run}{path.suffix or '.sqlite3'}")
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{target}{suffix}").unlink(missing_ok=True)
                self.url = f"sqlite+aiosqlite:///{target}"
            else:
                raise SystemExit(f"unsupported database URL: {self.base_url}")
        await asyncio.to_thread(upgrade, self.url)
        return self.url

    async def drop(self) -> None:
        if self._pg_name is not None and self.base_url is not None:
            from bot.config import Settings

            url = Settings(_env_file=None, bot_token=TOKEN, database_url=self.base_url).db_url  # type: ignore[call-arg]
            await _pg_admin(url, f'DROP DATABASE IF EXISTS "{self._pg_name}" WITH (FORCE)')


async def _pg_admin(sa_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(sa_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def seed(url: str, n: int) -> None:
    """``n`` users, each with one due check-in in the outbox (one transaction)."""
    from db.engine import create_engine_and_sessionmaker
    from db.models import User
    from domain.outbox import enqueue

    engine, sm = create_engine_and_sessionmaker(url)
    try:
        async with sm() as s, s.begin():
            users = [User(tg_id=FIRST_CHAT + i, locale="ru") for i in range(n)]
            s.add_all(users)
            await s.flush()
            for i, user in enumerate(users):
                await enqueue(s, user_id=user.id, chat_id=FIRST_CHAT + i, kind="checkin", key=CHECKIN_KEY,
                              args={"n": i + 1})
    finally:
        await engine.dispose()


async def db_rows(url: str) -> dict[int, str]:
    """chat_id → status of every outbox row."""
    from sqlalchemy import select

    from db.engine import create_engine_and_sessionmaker
    from db.models import OutboxMessage as O

    engine, sm = create_engine_and_sessionmaker(url)
    try:
        async with sm() as s:
            return {chat: status for chat, status in (await s.execute(select(O.chat_id, O.status))).all()}
    finally:
        await engine.dispose()


# --- one run --------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    n: int
    records: list[dict[str, Any]] = field(default_factory=list)
    count_429: int = 0
    stub_duplicates: int = 0
    statuses: Counter[str] = field(default_factory=Counter)
    final: dict[int, str] = field(default_factory=dict)
    at_kill: dict[str, Any] = field(default_factory=dict)
    seed_s: float = 0.0
    load: tuple[float, float] = (0.0, 0.0)  # 1-minute load average at the start and the end
    stub_niced: bool = False

    @property
    def times(self) -> list[float]:
        return sorted(r["time"] for r in self.records)

    @property
    def per_chat(self) -> Counter[int]:
        return Counter(r["chat_id"] for r in self.records)

    @property
    def duplicates(self) -> int:
        """Chats that got their check-in more than once (extra deliveries)."""
        return sum(k - 1 for k in self.per_chat.values() if k > 1)

    @property
    def missing(self) -> int:
        chats = set(self.per_chat)
        return sum(1 for i in range(self.n) if FIRST_CHAT + i not in chats)

    @staticmethod
    def rate(times: list[float]) -> float:
        return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0

    @property
    def peak_window(self) -> int:
        """Most deliveries the stand-in accepted within any one second."""
        times, best, lo = self.times, 0, 0
        for hi, t in enumerate(times):
            while t - times[lo] >= 1.0:
                lo += 1
            best = max(best, hi - lo + 1)
        return best


async def wait_done(stub: Stub, url: str, n: int, timeout: float, child: Child) -> None:
    """Until every row is delivered, or no row is left to send (pending/claimed/sending)."""
    deadline = time.monotonic() + timeout
    last_count, last_change = -1, time.monotonic()
    while True:
        count = stub.poll()
        if count >= n:
            return
        now = time.monotonic()
        if count != last_count:
            last_count, last_change = count, now
        elif now - last_change > 3.0:
            # No progress for a while: anything left to send? (rare reads, not to disturb the child)
            rows = await db_rows(url)
            if not any(status in ACTIVE for status in rows.values()):
                return
            last_change = now
        if not child.alive():
            raise RuntimeError(f"the sender child exited ({child.proc.returncode if child.proc else None}); "
                               f"see {child.log}")
        if now > deadline:
            raise RuntimeError(f"timed out with {count} of {n} delivered; see {child.log}")
        await asyncio.sleep(0.2)


async def run_once(args: argparse.Namespace, workdir: Path, locales: Path, crash: bool) -> Result:
    name = "crash" if crash else "clean"
    run_dir = workdir / name
    run_dir.mkdir()
    db = Database(args.database_url, run_dir, name)
    url = await db.create()
    result = Result(name, args.messages)
    t0 = time.perf_counter()
    await seed(url, args.messages)
    result.seed_s = time.perf_counter() - t0
    stub = Stub(run_dir, args.stub_nice)
    children: list[Child] = []
    load_start = os.getloadavg()[0]
    budget = args.messages / args.rate * 3 + max(args.lease, 120.0) + 60
    try:
        await stub.start()
        result.stub_niced = stub.niced

        def new_child() -> Child:
            child = Child(url, stub.url, locales, args.rate, args.lease, run_dir / f"child{len(children) + 1}.log",
                          trace=args.trace)
            children.append(child)
            return child

        first = new_child()
        await first.start()
        if crash:
            half = args.messages // 2
            deadline = time.monotonic() + budget
            while stub.poll() < half:
                if not first.alive():
                    raise RuntimeError(f"the first child exited; see {first.log}")
                if time.monotonic() > deadline:
                    raise RuntimeError("timed out before half-way")
                await asyncio.sleep(0.05)
            killed_at = await first.kill()
            rows = await db_rows(url)  # the child is dead: nothing else writes now
            in_flight = sorted(chat for chat, status in rows.items() if status == "sending")
            result.at_kill = {
                "killed_at": killed_at,
                "statuses": Counter(rows.values()),
                "sending": in_flight,
            }
            second = new_child()
            await second.start()
            await wait_done(stub, url, args.messages, budget, second)
        else:
            await wait_done(stub, url, args.messages, budget, first)
        for child in children:
            await child.kill()
        stats = await stub.control("stats")
        result.records = await stub.control("delivered")
        result.count_429 = int(stats["count_429"])
        if result.count_429:  # keep the stand-in's view of every call for a post-mortem
            calls = await stub.control("requests?method=sendMessage")
            (run_dir / "requests.json").write_text(json.dumps(
                [{"time": c["time"], "chat_id": c["params"].get("chat_id")} for c in calls]))
        result.stub_duplicates = len(stats["duplicates"])
        if stats.get("internal_errors"):
            print(f"warning: the stand-in had {stats['internal_errors']} internal errors", flush=True)
    finally:
        for child in children:
            await child.kill()
        await stub.stop()
    result.load = (load_start, os.getloadavg()[0])
    result.final = await db_rows(url)
    result.statuses = Counter(result.final.values())
    await db.drop()
    return result


# --- report ---------------------------------------------------------------------------------


def report(r: Result, args: argparse.Namespace) -> list[str]:
    """Print the figures of one run; return the failed checks."""
    times = r.times
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    print(f"== run {'2 (crash: SIGKILL half-way, restart)' if r.at_kill else '1 (clean)'}: "
          f"{r.n:,} due check-ins, seeded in {r.seed_s:.1f} s; load average {r.load[0]:.1f} → {r.load[1]:.1f}; "
          f"stand-in {'at nice ' + str(args.stub_nice) if r.stub_niced else 'at normal priority'}")
    print(f"delivered {len(r.records):,} to {len(r.per_chat):,} chats in {span:.1f} s (first to last)")
    failures: list[str] = []
    if r.at_kill:
        kill = r.at_kill["killed_at"]
        before = [t for t in times if t <= kill]
        after = [t for t in times if t > kill]
        gap = (after[0] - before[-1]) if before and after else float("nan")
        st = r.at_kill["statuses"]
        sending = r.at_kill["sending"]
        delivered_chats = set(r.per_chat)
        in_flight_delivered = sum(1 for chat in sending if chat in delivered_chats)
        print(f"first child: {len(before):,} delivered, {Result.rate(before):.2f} msg/s; SIGKILL; rows then: "
              + ", ".join(f"{k} {v:,}" for k, v in sorted(st.items())))
        print(f"second child (new process): {len(after):,} delivered, {Result.rate(after):.2f} msg/s; "
              f"gap from the last delivery before the kill to the first after it {gap:.2f} s")
        print(f"rows 'sending' at the kill: {len(sending)} (marked 'unknown', never re-sent); "
              f"delivered by the stand-in: {in_flight_delivered} of {len(sending)}")
        unknown = [chat for chat, status in r.final.items() if status == "unknown"]
        print(f"rows 'unknown' at the end: {len(unknown)}; of them delivered: "
              f"{sum(1 for chat in unknown if chat in delivered_chats)}")
        print(f"overall rate including the restart: {Result.rate(times):.2f} msg/s")
    print(f"messages/s {Result.rate(times):.2f} | 429 answered {r.count_429} | duplicates {r.duplicates} "
          f"(stand-in: {r.stub_duplicates}) | missing {r.missing} | peak in any 1 s window {r.peak_window}")
    print("outbox rows: " + ", ".join(f"{k} {v:,}" for k, v in sorted(r.statuses.items())))
    if r.duplicates or r.stub_duplicates:
        failures.append(f"{r.name}: {r.duplicates} duplicates")
    if r.missing:
        failures.append(f"{r.name}: {r.missing} missing")
    if not r.at_kill:
        if r.count_429:
            failures.append(f"{r.name}: {r.count_429} × 429")
        if Result.rate(times) < args.min_rate:
            failures.append(f"{r.name}: {Result.rate(times):.2f} msg/s < {args.min_rate}")
    return failures


async def main_async(args: argparse.Namespace) -> int:
    import platform

    workdir = Path(tempfile.mkdtemp(prefix="bench-delivery-"))
    locales = workdir / "locales"
    for lang, text in CHECKIN_FTL.items():
        (locales / lang).mkdir(parents=True)
        (locales / lang / "bench.ftl").write_text(text, encoding="utf-8")
    backend = (args.database_url or "sqlite").split(":", 1)[0].split("+", 1)[0]
    print(f"-- bench.delivery messages={args.messages} rate={args.rate} backend={backend} "
          f"lease={'default' if args.lease <= 0 else args.lease} cores={os.cpu_count()} "
          f"python={platform.python_version()}", flush=True)
    failures: list[str] = []
    try:
        for crash in (False, True):
            result = await run_once(args, workdir, locales, crash)
            failures += report(result, args)
            sys.stdout.flush()
    except BaseException:
        print(f"logs kept in {workdir}", file=sys.stderr)
        raise
    if failures:
        print("FAIL: " + "; ".join(failures))
        print(f"logs kept in {workdir}")
        return 1
    print("PASS: run 1 at or above the target with no 429; no duplicate and no missing message in either run")
    if args.keep:
        print(f"logs kept in {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_child":
        child_main(sys.argv[2:])
        return
    p = argparse.ArgumentParser(prog="python -m bench.delivery", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--messages", type=int, default=10_000)
    p.add_argument("--rate", type=float, default=28.0, help="outbox_rate_per_second of the sender")
    p.add_argument("--database-url", help="PostgreSQL (a fresh database per run is created beside it) or SQLite")
    p.add_argument("--lease", type=float, default=0.0,
                   help="outbox_lease_seconds (default: the setting's default, 120 s)")
    p.add_argument("--min-rate", type=float, default=27.0, help="target of run 1, messages per second")
    p.add_argument("--stub-nice", type=int, default=-10,
                   help="scheduling priority of the stand-in process if permitted (0: leave it)")
    p.add_argument("--keep", action="store_true", help="keep the databases and logs (printed at the end)")
    p.add_argument("--trace", action="store_true",
                   help="diagnostics: children write when each request left and its answer came (childN.trace)")
    args = p.parse_args()
    if args.messages < 2:
        p.error("--messages must be at least 2")
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
