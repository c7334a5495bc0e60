"""Curators' monitoring at region scale (issue 5, "Speed"): KPI views, the participants export,
and the bot's answers to other users while that export runs.

    .venv/bin/python -m bench.monitoring                         # SQLite, then PostgreSQL
    .venv/bin/python -m bench.monitoring --backend sqlite --reuse  # keep / reuse the seeded data
    .venv/bin/python -m bench.monitoring --backend postgresql \
        --pg-url postgresql+asyncpg://postgres@127.0.0.1:5432/postgres

The region (``bench/monitoring_seed.py``): 300,000 participants in 1,500 organisations of 50
municipalities, ~100,000 pairs and groups, a year of fortnightly meetings, start/end/meeting
survey responses and the organisations' denominators. The capital municipality holds a third of
it (100,000 participants): the scope of the export and the worst case of the municipal view.

Targets (exit status 1 when one is missed, or when a part could not be measured):

* regional KPI view ≤ 1 s — ``domain.kpi.unit_kpis`` on the region (median of ``--repeat``
  calls, each in a fresh session as a handler has), and the real handler path: a regional
  curator presses the KPI button (``KpiCb``) in the running bot, timed from the update handed to
  the Bot API stand-in to the stand-in receiving the view;
* municipal drill-down ≤ 0.5 s — the same for the capital (the largest municipality) and,
  printed, a typical municipality;
* XLSX of the capital's participants (100,000 rows) ≤ 15 s and ≤ 500 MB —
  ``domain.reports.build_report`` in a child process of its own (fresh interpreter), wall time of
  the call and the child's peak RSS (its VmHWM, so neither the seeding's memory nor this
  orchestrator's counts);
* the bot keeps answering during the export — the same export asked in the running bot (the
  reports menu's participants button); while it runs, another user sends ``/help`` again and again
  and each reply time is recorded (update handed to the stand-in → the stand-in receiving the
  reply); every /help must be answered within ``--help-max`` seconds (default 5).

Before the bot part the bot is left to settle: its scheduler jobs (check-ins, at-risk pairs,
roadmap reminders, digests) run at start over the whole region; the time until it first answers
and until it answers promptly are printed. ``BENCH_MONITORING_SQL=1`` makes the KPI child time
every SQL statement and print the slowest of each case's last call.

Processes: this orchestrator; the seeding child; a child for the domain calls; a child for the
export; the bot (``build_app``: Dispatcher, middlewares, scheduler) as a child; the stand-in
(``python -m tests.telegram_stub``) as a process, driven through its ``/_control`` endpoints.

Databases: SQLite in a file under ``--workdir`` (deleted afterwards unless ``--reuse``);
PostgreSQL in a database of its own created next to the one ``--pg-url`` names
(``mentor_bench_monitoring_s<seed>_p<participants>``), dropped afterwards unless ``--reuse``. With ``--reuse`` a
database seeded earlier with the same ``--seed`` and ``--participants`` is kept and used again
(after ``alembic upgrade head``, so later migrations apply); seeding is printed, not targeted.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "M" * 35
CURATOR_TG = 4_100_000_001  # the regional curator (presses KPI and export buttons)
OTHER_TG = 4_100_000_002  # another user, sending /help during the export
VIEWER_TG = 4_100_000_003  # a second regional curator, pressing KPI views during the export
PG_DB = "mentor_bench_monitoring"  # + _s<seed>_p<participants>
KPI_REGION_S, KPI_MUNICIPAL_S, EXPORT_S, EXPORT_MB = 1.0, 0.5, 15.0, 500.0
BOT_MB = 400.0  # issue 10: the bot's peak memory


# =============================================================================================
# children
# =============================================================================================


def _engine(url: str) -> tuple[Any, Any]:
    from db.engine import create_engine_and_sessionmaker

    return create_engine_and_sessionmaker(url)


async def child_seed(url: str, seed: int, participants: int, today: str) -> dict[str, Any]:
    """Fill the migrated, empty database; add the curator; return the SeedInfo as a dict."""
    from bench.monitoring_seed import PgSink, SqliteSink, fill

    day = date.fromisoformat(today)
    now = datetime.now(UTC)
    log = lambda msg: print(f"   seed: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    if url.startswith("sqlite"):
        sink: Any = SqliteSink(url.split(":///", 1)[1], now)
        info = await fill(sink, seed, participants, day, log)
    else:
        import asyncpg

        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            sink = PgSink(conn, now)
            await sink.begin()
            info = await fill(sink, seed, participants, day, log)
        finally:
            await conn.close()
    await add_curator(url, info.region_id)
    from dataclasses import asdict

    return asdict(info)


async def add_curator(url: str, region_id: int, tg_id: int = CURATOR_TG) -> None:
    """A regional curator as the bot makes one (invitation accepted, consent recorded); once."""
    from sqlalchemy import select

    from db.models import Unit, User
    from domain import invitations
    from domain.people import accept_curator

    engine, sm = _engine(url)
    try:
        async with sm() as s:
            if await s.scalar(select(User.id).where(User.tg_id == tg_id)) is None:
                region = await s.get(Unit, region_id)
                now = datetime.now(UTC)
                inv = await invitations.create(s, kind="curator", unit=region, now=now)
                await accept_curator(s, tg_id=tg_id, locale="ru", full_name="Bench Curator",
                                     invitation=inv, now=now)
                await s.commit()
    finally:
        await engine.dispose()


def _sql_timer(engine: Any) -> list[tuple[float, str]]:
    """With ``BENCH_MONITORING_SQL`` set: every statement's duration and text (diagnostics)."""
    statements: list[tuple[float, str]] = []
    if os.environ.get("BENCH_MONITORING_SQL"):
        from sqlalchemy import event

        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def _before(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
            conn.info["t0"] = time.perf_counter()

        @event.listens_for(engine.sync_engine, "after_cursor_execute")
        def _after(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
            statements.append((time.perf_counter() - conn.info["t0"], " ".join(statement.split())))
    return statements


async def child_kpi(url: str, info: dict[str, Any], repeat: int) -> dict[str, Any]:
    """Times of ``unit_kpis`` for the region (now and as of 31 December last year) and two
    municipalities, each call in a fresh session, as one update of the bot has."""
    try:
        from domain.kpi import unit_kpis
    except ImportError as exc:
        return {"missing": f"domain.kpi.unit_kpis: {exc}"}
    from db.models import Unit

    today = date.fromisoformat(info["today"])
    engine, sm = _engine(url)
    statements = _sql_timer(engine)
    cases = [("region_now", info["region_id"], None), ("region_as_of", info["region_id"], date(today.year - 1, 12, 31)),
             ("capital_now", info["capital_id"], None), ("typical_now", info["typical_municipality_id"], None)]
    out: dict[str, Any] = {}
    try:
        for name, unit_id, as_of in cases:
            times = []
            for i in range(repeat):
                statements.clear()
                async with sm() as s:
                    t0 = time.perf_counter()
                    unit = await s.get(Unit, unit_id)
                    own, children = await unit_kpis(s, unit, as_of, today)
                    times.append(time.perf_counter() - t0)
            out[name] = {"times": times, "children": len(children),
                         "figures": {k: [f.numerator, f.denominator] for k, f in own.figures.items()}}
            if statements:  # the last call's statements, slowest first (diagnostics)
                out[name]["sql"] = [[round(d, 4), sql[:400]] for d, sql in sorted(statements, reverse=True)]
    finally:
        await engine.dispose()
    return out


async def child_export(url: str, info: dict[str, Any], path: str) -> dict[str, Any]:
    """The participants export of the capital, through the same pipeline the bot runs."""
    try:
        from domain.reports import build_report
    except ImportError as exc:
        return {"missing": f"domain.reports.build_report: {exc}"}
    engine, sm = _engine(url)
    statements = _sql_timer(engine)
    try:
        t0 = time.perf_counter()
        rows = await build_report(sm, "participants", info["capital_id"], "ru", path, as_of=datetime.now(UTC))
        seconds = time.perf_counter() - t0
    finally:
        await engine.dispose()
    out: dict[str, Any] = {"rows": rows, "seconds": seconds, "bytes": Path(path).stat().st_size}
    if statements:  # time in the database per statement shape, largest first (diagnostics)
        shapes: dict[str, list[float]] = {}
        for d, sql in statements:
            shapes.setdefault(sql[:300], []).append(d)
        out["sql_total"] = sum(d for d, _ in statements)
        out["sql"] = sorted(([round(sum(v), 3), len(v), k] for k, v in shapes.items()), reverse=True)[:8]
    return out


async def child_bot(url: str, api: str, export_unit: str, export_path: str) -> None:
    """The bot as ``bot/cli.py`` runs it, until SIGTERM.

    SIGUSR1 starts the participants export of ``export_unit`` as a background task of this
    process, on the bot's own event loop and sessionmaker, as ``bot/exports.py`` does; the
    fallback when the reports menu offers no button to press. It prints ``EXPORTED <rows> <s>``.
    """
    import logging

    from bot.app import build_app
    from bot.config import Settings

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("apscheduler.scheduler").setLevel(logging.ERROR)
    settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=api,  # type: ignore[call-arg]
                        database_url=url)
    app = build_app(settings)
    await app.start(migrate=False)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    tasks: set[asyncio.Task[None]] = set()

    async def export() -> None:
        from domain.reports import build_report

        t0 = time.perf_counter()
        rows = await build_report(app.sessionmaker, "participants", int(export_unit), "ru", export_path,
                                  as_of=datetime.now(UTC))
        print(f"EXPORTED {rows} {time.perf_counter() - t0:.3f}", flush=True)

    def start_export() -> None:
        task = asyncio.create_task(export())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    loop.add_signal_handler(signal.SIGUSR1, start_export)
    print(f"STARTED {os.getpid()}", flush=True)
    await stop.wait()
    await app.stop()


def child_main(argv: list[str]) -> None:
    kind, *rest = argv
    out: dict[str, Any] | None = None
    if kind == "_seed":
        url, seed, n, today = rest
        out = asyncio.run(child_seed(url, int(seed), int(n), today))
    elif kind == "_kpi":
        url, info, repeat = rest
        out = asyncio.run(child_kpi(url, json.loads(info), int(repeat)))
    elif kind == "_export":
        url, info, path = rest
        out = asyncio.run(child_export(url, json.loads(info), path))
    if out is not None:
        # This process's own peak: VmHWM belongs to the address space made by exec. ru_maxrss
        # does not do here: Linux carries the forking parent's peak over exec into it.
        out["vm_hwm_mb"] = vm_hwm_mb(os.getpid())
        print(json.dumps(out), flush=True)
    elif kind == "_bot":
        asyncio.run(child_bot(*rest))
    else:
        raise SystemExit(f"unknown child {kind}")


def run_child(args: list[str], log: Path) -> tuple[dict[str, Any], float, float]:
    """Run ``python -m bench.monitoring <args>``; returns (its JSON answer, wall s, peak RSS MB).

    The peak is the child's VmHWM, read by the child itself at its end (see ``child_main``).
    """
    t0 = time.perf_counter()
    with log.open("ab") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bench.monitoring", *args], cwd=str(ROOT),
                                stdout=subprocess.PIPE, stderr=err, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert proc.stdout is not None
        out = proc.stdout.read()
        proc.wait()
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"child {args[0]} failed ({proc.returncode}); log {log}:\n{tail}")
    lines = [ln for ln in out.decode().splitlines() if ln.strip()]
    answer = json.loads(lines[-1])
    return answer, wall, float(answer.get("vm_hwm_mb") or 0.0)


# =============================================================================================
# databases
# =============================================================================================


@dataclass
class Database:
    backend: str
    url: str
    sidecar: Path
    pg_admin_url: str | None = None
    reused: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    seed_wall: float = 0.0
    seed_rss: float = 0.0

    @property
    def pg_name(self) -> str:
        return self.url.rpartition("/")[2]


async def _pg(admin_url: str, sql: str) -> Any:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


async def prepare(a: argparse.Namespace, backend: str, workdir: Path, log: Path) -> Database:
    """A migrated, seeded database: reused when asked and it matches, else created and seeded."""
    from db.migrate import upgrade

    stem = f"monitoring-s{a.seed}-p{a.participants}"
    if backend == "sqlite":
        path = workdir / f"{stem}.sqlite3"
        db = Database("sqlite", f"sqlite+aiosqlite:///{path}", workdir / f"{stem}.sqlite.json")
        exists = path.exists()
    else:
        base = a.pg_url.replace("postgresql://", "postgresql+asyncpg://", 1)
        root, _, _name = base.rpartition("/")
        name = f"{PG_DB}_s{a.seed}_p{a.participants}"
        db = Database("postgresql", f"{root}/{name}", workdir / f"{stem}.pg.json", pg_admin_url=base)
        exists = bool(await _pg(base, f"SELECT 1 FROM pg_database WHERE datname = '{name}'"))
    if a.reuse and exists and db.sidecar.exists():
        db.info = json.loads(db.sidecar.read_text())
        db.reused = True
        await asyncio.to_thread(upgrade, db.url)
        await settle_database(db)
        return db
    if backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        assert db.pg_admin_url is not None
        await _pg(db.pg_admin_url, f'DROP DATABASE IF EXISTS "{db.pg_name}" WITH (FORCE)')
        await _pg(db.pg_admin_url, f'CREATE DATABASE "{db.pg_name}"')
    db.sidecar.unlink(missing_ok=True)
    await asyncio.to_thread(upgrade, db.url)
    today = datetime.now(UTC).date().isoformat()
    db.info, db.seed_wall, db.seed_rss = await asyncio.to_thread(
        run_child, ["_seed", db.url, str(a.seed), str(a.participants), today], log)
    await settle_database(db)
    db.sidecar.write_text(json.dumps(db.info))
    return db


async def settle_database(db: Database) -> None:
    """PostgreSQL: vacuum and analyse now, as autovacuum would soon after a bulk load; measured
    while autovacuum works through two million new rows, the KPI calls took up to 24 s.
    SQLite is left as the bot leaves it (no ANALYZE: nothing runs it in production)."""
    if db.backend == "postgresql":
        await _pg(db.url, "VACUUM (ANALYZE)")


async def drop(db: Database) -> None:
    if db.backend == "sqlite":
        path = Path(db.url.split(":///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif db.pg_admin_url:
        await _pg(db.pg_admin_url, f'DROP DATABASE IF EXISTS "{db.pg_name}" WITH (FORCE)')
    db.sidecar.unlink(missing_ok=True)


# =============================================================================================
# the running bot, driven through the stand-in
# =============================================================================================


class Stub:
    """``python -m tests.telegram_stub`` as a process, driven through ``/_control``."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self.http: Any = None
        self.seen = 0  # requests already looked at

    async def start(self) -> None:
        import aiohttp

        with self.log.open("ab") as err:
            self.proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tests.telegram_stub", "--port", "0", "--max-long-poll", "10",
                cwd=str(ROOT), stdout=asyncio.subprocess.PIPE, stderr=err)
        assert self.proc.stdout is not None
        line = (await asyncio.wait_for(self.proc.stdout.readline(), 30)).decode().strip()
        if not line.startswith("READY "):
            raise RuntimeError(f"the stand-in did not start: {line!r}; see {self.log}")
        self.url = line.split(" ", 1)[1]
        self.http = aiohttp.ClientSession()

    async def get(self, path: str, **params: Any) -> Any:
        async with self.http.get(f"{self.url}/_control/{path}", params=params) as resp:
            return (await resp.json())["result"]

    async def inject(self, item: dict[str, Any]) -> float:
        """Hand an update to the stand-in; returns the wall time just before."""
        t0 = time.time()
        async with self.http.post(f"{self.url}/_control/inject", json=item) as resp:
            body = await resp.json()
        if not body.get("ok"):
            raise RuntimeError(f"inject failed: {body}")
        return t0

    async def wait_request(self, chat_id: int, methods: tuple[str, ...], timeout: float) -> dict[str, Any] | None:
        """The next recorded Bot API call to ``chat_id`` by one of ``methods`` (its ``time`` is when
        the stand-in received it), or None after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        wanted = {m.lower() for m in methods}
        while time.monotonic() < deadline:
            records = await self.get("requests", since=self.seen)
            for i, rec in enumerate(records):
                if rec["method"].lower() in wanted and str(rec["params"].get("chat_id")) == str(chat_id):
                    self.seen += i + 1
                    return rec
            self.seen += len(records)
            await asyncio.sleep(0.01)
        return None

    async def skip(self) -> None:
        """Look only at calls recorded from now on."""
        self.seen += len(await self.get("requests", since=self.seen))

    async def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return await self.get("messages", chat_id=chat_id)

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


VIEW_METHODS = ("editMessageText", "sendMessage", "sendPhoto", "editMessageMedia", "editMessageCaption")


async def ask(stub: Stub, user: int, text: str | None = None, data: str | None = None,
              message_id: int | None = None, methods: tuple[str, ...] = VIEW_METHODS,
              timeout: float = 30) -> tuple[float | None, dict[str, Any] | None]:
    """Send a text or press a button; seconds until the bot's first view-bearing call to the chat."""
    await stub.skip()
    item: dict[str, Any] = {"user_id": user, "language_code": "ru", "first_name": "Bench"}
    if data is not None:
        item["callback_data"] = data
        if message_id is not None:
            item["message_id"] = message_id
    else:
        item["text"] = text
    t0 = await stub.inject(item)
    rec = await stub.wait_request(user, methods, timeout)
    return (None, None) if rec is None else (rec["time"] - t0, rec)


def vm_hwm_mb(pid: int) -> float | None:
    """Peak RSS of a running process so far (VmHWM)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def find_export_button(message: dict[str, Any]) -> str | None:
    """The participants-report button of the reports menu: its text is the locale's label."""
    from bot.i18n import Translator

    t = Translator().bind("ru")
    labels = set()
    ftl = ROOT / "locales" / "ru" / "reports.ftl"
    if ftl.exists():
        for line in ftl.read_text().splitlines():
            key = line.split("=", 1)[0].strip()
            if "=" in line and not line.startswith((" ", "#")) and "participants" in key and "btn" in key:
                labels.add(t(key))
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if b.get("text") in labels and isinstance(b.get("callback_data"), str):
                return b["callback_data"]
    return None


async def bot_part(db: Database, a: argparse.Namespace, workdir: Path, r: Results) -> None:
    """KPI views through the handler path, the export in the bot, /help while it runs."""
    from handlers.callbacks import KpiCb, ReportsCb

    info = db.info
    stub = Stub(workdir / f"stub-{db.backend}.log")
    await stub.start()
    bot_log = workdir / f"bot-{db.backend}.log"
    with bot_log.open("ab") as out:
        bot = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bench.monitoring", "_bot", db.url, stub.url, str(info["capital_id"]),
            str(workdir / f"bot-export-{db.backend}.xlsx"), cwd=str(ROOT),
            stdout=asyncio.subprocess.PIPE, stderr=out, env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        assert bot.stdout is not None
        line = (await asyncio.wait_for(bot.stdout.readline(), 120)).decode()
        if not line.startswith("STARTED"):
            raise RuntimeError(f"the bot did not start; see {bot_log}")
        # Start-up: the scheduler's jobs (check-ins, at-risk pairs, roadmap, digests) run at once
        # over the whole region. Measured here, then waited out, so that the figures below are
        # those of a bot in its steady state: settled = three /help in a row answered within 1 s.
        started = time.monotonic()
        streak = 0
        while streak < 3 and time.monotonic() - started < a.startup_wait:
            s, _rec = await ask(stub, OTHER_TG, "/help", methods=("sendMessage",), timeout=150)
            if s is not None and r.first_reply_s is None:
                r.first_reply_s = time.monotonic() - started
            streak = streak + 1 if s is not None and s <= 1.0 else 0
        r.settled_s = time.monotonic() - started
        if streak < 3:
            r.notes.append(f"the bot did not settle within {a.startup_wait:g} s of its start; see {bot_log}")
            return
        for _ in range(a.repeat):
            s, _rec = await ask(stub, OTHER_TG, "/help", methods=("sendMessage",))
            r.help_idle.append(s if s is not None else float("inf"))
            await asyncio.sleep(0.1)
        # the curator's menu, then the KPI views (region and capital alternately, so the text changes)
        s, rec = await ask(stub, CURATOR_TG, "/curator", methods=("sendMessage",))
        if rec is None:
            r.notes.append("handler path: /curator got no answer")
            return
        menu = max((m for m in await stub.messages(CURATOR_TG) if m["buttons"]), key=lambda m: m["message_id"],
                   default=None)
        if menu is None:
            r.notes.append("handler path: the curator menu has no buttons")
            return
        mid = menu["message_id"]
        last_year = date.fromisoformat(info["today"]).year - 1
        # Round 0 and the last-year round are the first presses of their views: the bot computes
        # them (its KPI views cache, domain.kpi.VIEWS_CACHE, is empty), recorded as "cold". The
        # other rounds repeat a view already shown: "warm" (served from that cache while nothing
        # the figures depend on was written).
        for i in range(a.repeat + 2):
            year = last_year if i == 1 else 0
            for unit, warm, cold in ((info["region_id"], r.kpi_handler_region, r.kpi_cold_region),
                                     (info["capital_id"], r.kpi_handler_capital, r.kpi_cold_capital)):
                s, rec = await ask(stub, CURATOR_TG, data=KpiCb(uid=unit, y=year).pack(), message_id=mid,
                                   timeout=60)
                if rec is None:
                    r.notes.append(f"handler path: no KPI view for unit {unit} within 60 s")
                    return
                (cold if i <= 1 else warm).append(s)
                if rec["method"].lower() != "editmessagetext":  # a new message: follow it
                    mid = (await stub.messages(CURATOR_TG))[-1]["message_id"]
        # the second curator's menu, for KPI presses while the export runs
        _s, rec = await ask(stub, VIEWER_TG, "/curator", methods=("sendMessage",))
        viewer = max((m for m in await stub.messages(VIEWER_TG) if m["buttons"]), key=lambda m: m["message_id"],
                     default=None)
        # the export in the running bot
        s, rec = await ask(stub, CURATOR_TG, data=ReportsCb(uid=info["capital_id"]).pack(), message_id=mid)
        msgs = await stub.messages(CURATOR_TG)
        target = next((m for m in reversed(msgs) if find_export_button(m)), None)
        hwm_before = vm_hwm_mb(bot.pid)
        await stub.skip()
        exported: asyncio.Task[bytes] | None = None
        if target is not None and not a.export_by_signal:
            data = find_export_button(target)
            assert data is not None
            t0 = await stub.inject({"user_id": CURATOR_TG, "callback_data": data, "message_id": target["message_id"]})
        else:
            r.export_in_bot_by = "signal"
            r.notes.append("export in the bot: started inside the bot process by SIGUSR1 "
                           + ("(asked)" if a.export_by_signal else "(the reports menu has no participants button)"))
            t0 = time.time()
            exported = asyncio.create_task(bot.stdout.readline())
            bot.send_signal(signal.SIGUSR1)
        doc_seen = stub.seen
        done_at: float | None = None
        deadline = time.monotonic() + 300
        presses = 0
        while done_at is None and time.monotonic() < deadline:
            s, _rec = await ask(stub, OTHER_TG, "/help", methods=("sendMessage",), timeout=a.help_max * 4)
            r.help_busy.append(s if s is not None else float("inf"))
            if viewer is not None:  # a KPI view pressed meanwhile: two years back first (cold), then now
                unit = info["region_id"] if presses % 2 == 0 else info["capital_id"]
                year = last_year - 1 if presses < 2 else 0
                s, _rec = await ask(stub, VIEWER_TG, data=KpiCb(uid=unit, y=year).pack(),
                                    message_id=viewer["message_id"], methods=("editMessageText",), timeout=60)
                bucket = (r.kpi_busy_region if unit == info["region_id"] else r.kpi_busy_capital)
                bucket.append(s if s is not None else float("inf"))
                presses += 1
            if exported is not None:
                if exported.done():
                    line = exported.result().decode()
                    if not line.startswith("EXPORTED"):
                        r.notes.append(f"export in the bot failed: {line!r}; see {bot_log}")
                        break
                    done_at = time.time()
                    r.bot_export_rows = int(line.split()[1])
            else:
                docs = [x for x in await stub.get("requests", method="sendDocument", since=doc_seen)
                        if str(x["params"].get("chat_id")) == str(CURATOR_TG)]
                if docs:
                    done_at = docs[0]["time"]
            if done_at is None:
                await asyncio.sleep(a.help_interval)
        if done_at is None:
            r.notes.append("export in the bot: not finished within 300 s")
        else:
            r.bot_export_s = done_at - t0
        hwm_after = vm_hwm_mb(bot.pid)
        r.bot_rss = (hwm_before, hwm_after)
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(bot.wait(), 30)
            except TimeoutError:
                bot.kill()
                await bot.wait()
        await stub.stop()


# =============================================================================================
# figures
# =============================================================================================


@dataclass
class Results:
    backend: str
    kpi: dict[str, Any] = field(default_factory=dict)
    export: dict[str, Any] = field(default_factory=dict)
    export_wall: float = 0.0
    export_rss: float = 0.0
    kpi_handler_region: list[float] = field(default_factory=list)  # warm presses (see bot_part)
    kpi_handler_capital: list[float] = field(default_factory=list)
    kpi_cold_region: list[float] = field(default_factory=list)  # first presses of a view
    kpi_cold_capital: list[float] = field(default_factory=list)
    kpi_busy_region: list[float] = field(default_factory=list)  # pressed during the export (first 2 cold)
    kpi_busy_capital: list[float] = field(default_factory=list)
    help_idle: list[float] = field(default_factory=list)
    help_busy: list[float] = field(default_factory=list)
    bot_export_s: float | None = None
    bot_export_rows: int | None = None
    first_reply_s: float | None = None  # from the bot's start to its first answer to /help
    settled_s: float | None = None
    export_in_bot_by: str = "button"  # or "signal" (see child_bot)
    bot_rss: tuple[float | None, float | None] = (None, None)
    notes: list[str] = field(default_factory=list)
    checks: list[tuple[str, str, bool | None]] = field(default_factory=list)  # (what, figure, met)


def _med(xs: list[float]) -> float:
    return statistics.median(xs)


def _fmt(xs: list[float]) -> str:
    return f"median {_med(xs):.3f} s (min {min(xs):.3f}, max {max(xs):.3f}, n={len(xs)})"


def judge(r: Results, a: argparse.Namespace, capital_rows: int) -> None:
    def check(what: str, figure: str, met: bool | None) -> None:
        r.checks.append((what, figure, met))

    if "missing" in r.kpi or not r.kpi:
        check("regional KPI view (domain) <= 1 s", r.kpi.get("missing", "not run"), None)
        check("municipal drill-down (domain) <= 0.5 s", "not measured", None)
    else:
        k = r.kpi
        check("regional KPI view, now (domain) <= 1 s", _fmt(k["region_now"]["times"]),
              _med(k["region_now"]["times"]) <= KPI_REGION_S)
        check("regional KPI view, as of 31 Dec (domain) <= 1 s", _fmt(k["region_as_of"]["times"]),
              _med(k["region_as_of"]["times"]) <= KPI_REGION_S)
        check("municipal view, capital (domain) <= 0.5 s", _fmt(k["capital_now"]["times"]),
              _med(k["capital_now"]["times"]) <= KPI_MUNICIPAL_S)
        check("municipal view, typical (domain) <= 0.5 s", _fmt(k["typical_now"]["times"]),
              _med(k["typical_now"]["times"]) <= KPI_MUNICIPAL_S)
    if not a.no_bot:
        if r.kpi_handler_region and r.kpi_cold_region:
            check("regional KPI view, pressed in the bot <= 1 s", _fmt(r.kpi_handler_region),
                  _med(r.kpi_handler_region) <= KPI_REGION_S)
            check("municipal view (capital), pressed in the bot <= 0.5 s", _fmt(r.kpi_handler_capital),
                  _med(r.kpi_handler_capital) <= KPI_MUNICIPAL_S)
            check("regional KPI view, first press (cold), every one <= 1 s", _fmt(r.kpi_cold_region),
                  max(r.kpi_cold_region) <= KPI_REGION_S)
            check("municipal view (capital), first press (cold), every one <= 0.5 s", _fmt(r.kpi_cold_capital),
                  max(r.kpi_cold_capital) <= KPI_MUNICIPAL_S)
        else:
            check("KPI views pressed in the bot", "not measured", None)
        if r.kpi_busy_region and r.kpi_busy_capital:
            check("regional KPI view pressed during the export, every one <= 1 s", _fmt(r.kpi_busy_region),
                  max(r.kpi_busy_region) <= KPI_REGION_S)
            check("capital's view pressed during the export, every one <= 0.5 s", _fmt(r.kpi_busy_capital),
                  max(r.kpi_busy_capital) <= KPI_MUNICIPAL_S)
        else:
            check("KPI views pressed during the export", "not measured", None)
    if "missing" in r.export or not r.export:
        check("XLSX of 100,000 participants <= 15 s, <= 500 MB", r.export.get("missing", "not run"), None)
    else:
        e = r.export
        check(f"XLSX of {e['rows']:,} participants <= 15 s",
              f"{e['seconds']:.2f} s in build_report ({r.export_wall:.2f} s for the whole child process), "
              f"{e['bytes'] / 1e6:.1f} MB file", e["seconds"] <= EXPORT_S)
        check("... peak RSS of the export process <= 500 MB", f"{r.export_rss:.0f} MB", r.export_rss <= EXPORT_MB)
        check("... every participant of the scope exported", f"{e['rows']:,} of {capital_rows:,}",
              e["rows"] == capital_rows)
    if not a.no_bot:
        peak = max((x for x in r.bot_rss if x is not None), default=None)
        check(f"bot's peak RSS (VmHWM, after start-up and the export) <= {BOT_MB:g} MB",
              "not measured" if peak is None else f"{peak:.0f} MB", None if peak is None else peak <= BOT_MB)
        if r.help_busy:
            answered = all(x <= a.help_max for x in r.help_busy)
            check(f"/help during the export in the bot, every reply <= {a.help_max:g} s", _fmt(r.help_busy), answered)
        else:
            check("/help during the export in the bot", "not measured", None)


def report(r: Results, db: Database) -> None:
    seeded = "reused" if db.reused else f"seeded in {db.seed_wall:.1f} s (peak RSS {db.seed_rss:.0f} MB)"
    print(f"== {r.backend}: {seeded}; "
          f"rows {', '.join(f'{k} {v:,}' for k, v in db.info.get('counts', {}).items())}")
    if r.kpi and "missing" not in r.kpi:
        for name, v in r.kpi.items():
            if not isinstance(v, dict):
                continue
            print(f"   unit_kpis {name:13s} {_fmt(v['times'])}; children {v['children']}; "
                  f"figures {json.dumps(v['figures'])}")
            for d, sql in v.get("sql", [])[:8]:
                print(f"      {d:7.3f} s  {sql}")
    if r.export.get("sql"):
        print(f"   export: {r.export['sql_total']:.2f} s of {r.export['seconds']:.2f} s in SQL statements")
        for total, n, sql in r.export["sql"]:
            print(f"      {total:7.2f} s  ×{n:<5d} {sql}")
    if r.settled_s is not None:
        first = "none" if r.first_reply_s is None else f"{r.first_reply_s:.1f} s"
        print(f"   bot start-up (scheduler jobs over the region): first /help answered after {first}, "
              f"settled after {r.settled_s:.1f} s")
    if r.help_idle:
        print(f"   /help with the bot idle: {_fmt(r.help_idle)}")
    if r.kpi_busy_region:
        print(f"   KPI presses during the export (first of each cold): region {[round(x, 3) for x in r.kpi_busy_region]}, "
              f"capital {[round(x, 3) for x in r.kpi_busy_capital]}")
    if r.bot_export_s is not None:
        before, after = r.bot_rss
        how = ("button pressed → document received by the stand-in" if r.export_in_bot_by == "button"
               else f"SIGUSR1 → build_report done ({r.bot_export_rows} rows)")
        print(f"   export in the bot: {how} {r.bot_export_s:.2f} s; "
              f"bot peak RSS {before or 0:.0f} MB before, {after or 0:.0f} MB after")
    for n in r.notes:
        print(f"   note: {n}")
    width = max(len(c[0]) for c in r.checks) if r.checks else 10
    for what, figure, met in r.checks:
        mark = "ok  " if met else ("MISS" if met is False else "N/A ")
        print(f"   {mark} {what:{width}s}  {figure}")


def lock_database(a: argparse.Namespace, backend: str, workdir: Path) -> Any:
    """One run at a time per database: a second run would delete and re-seed it under the first."""
    import fcntl

    fh = (workdir / f"monitoring-s{a.seed}-p{a.participants}.{backend}.lock").open("w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"-- {backend}: another run is using this database; waiting for it", flush=True)
        fcntl.flock(fh, fcntl.LOCK_EX)
    return fh


async def run_backend(a: argparse.Namespace, backend: str, workdir: Path) -> Results:
    lock = await asyncio.to_thread(lock_database, a, backend, workdir)
    try:
        return await _run_backend(a, backend, workdir)
    finally:
        lock.close()


async def _run_backend(a: argparse.Namespace, backend: str, workdir: Path) -> Results:
    r = Results(backend)
    log = workdir / f"children-{backend}-{os.getpid()}.log"
    load0 = os.getloadavg()[0]
    db = await prepare(a, backend, workdir, log)
    print(f"-- {backend}: database ready ({'reused' if db.reused else f'seeded in {db.seed_wall:.1f} s'}); "
          f"load {load0:.1f} → {os.getloadavg()[0]:.1f}", flush=True)
    try:
        await add_curator(db.url, db.info["region_id"], VIEWER_TG)
        info_json = json.dumps(db.info)
        r.kpi, _w, _rss = await asyncio.to_thread(run_child, ["_kpi", db.url, info_json, str(a.repeat)], log)
        print(f"-- {backend}: KPI calls done; load {os.getloadavg()[0]:.1f}", flush=True)
        xlsx = workdir / f"participants-{backend}.xlsx"
        r.export, r.export_wall, r.export_rss = await asyncio.to_thread(
            run_child, ["_export", db.url, info_json, str(xlsx)], log)
        xlsx.unlink(missing_ok=True)
        print(f"-- {backend}: export child done; load {os.getloadavg()[0]:.1f}", flush=True)
        if not a.no_bot:
            await bot_part(db, a, workdir, r)
            print(f"-- {backend}: bot part done; load {os.getloadavg()[0]:.1f}", flush=True)
        judge(r, a, db.info.get("capital_participants", 0))
        report(r, db)
    finally:
        if not a.reuse:
            await drop(db)
    return r


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1].startswith("_"):
        child_main(sys.argv[1:])
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                   help="a database to connect to for creating and dropping the benchmark's own")
    p.add_argument("--participants", type=int, default=300_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--repeat", type=int, default=5, help="calls per KPI figure")
    p.add_argument("--reuse", action="store_true", help="keep the seeded database and reuse a matching one")
    p.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "mentor-bench-monitoring"))
    p.add_argument("--no-bot", action="store_true", help="skip the running-bot part")
    p.add_argument("--help-max", type=float, default=5.0, help="every /help during the export within this")
    p.add_argument("--help-interval", type=float, default=0.25, help="pause between two /help")
    p.add_argument("--startup-wait", type=float, default=900,
                   help="wait this long at most for the bot to settle after its start")
    p.add_argument("--export-by-signal", action="store_true",
                   help="start the export inside the bot process by SIGUSR1 instead of pressing the button")
    a = p.parse_args()
    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"-- bench.monitoring participants={a.participants:,} seed={a.seed} cores={os.cpu_count()} "
          f"python={sys.version.split()[0]} load {os.getloadavg()[0]:.1f} workdir={workdir}", flush=True)
    backends = ("sqlite", "postgresql") if a.backend == "both" else (a.backend,)
    results = [asyncio.run(run_backend(a, b, workdir)) for b in backends]
    missed = [(r.backend, c[0]) for r in results for c in r.checks if c[2] is False]
    unmeasured = [(r.backend, c[0]) for r in results for c in r.checks if c[2] is None]
    if missed or unmeasured:
        for b, what in missed:
            print(f"MISSED ({b}): {what}")
        for b, what in unmeasured:
            print(f"NOT MEASURED ({b}): {what}")
        if not a.reuse and workdir.exists() and not any(workdir.iterdir()):
            shutil.rmtree(workdir, ignore_errors=True)
        sys.exit(1)
    print("targets met")


if __name__ == "__main__":
    main()
