"""A school assembly (issue 10, item 1): 300 people register through one invitation link.

    .venv/bin/python -m bench.assembly                      # SQLite, then PostgreSQL; 300 people
    .venv/bin/python -m bench.assembly --quick              # 60 people, arrivals over 20 s
    .venv/bin/python -m bench.assembly --backend postgresql --phase flood
    git archive <commit> | tar -x -C /tmp/base             # the code before a change ...
    .venv/bin/python -m bench.assembly --quick --baseline /tmp/base   # ... measured in the same run

Processes: this orchestrator (the 300 people); the Bot API stand-in (``python -m
tests.telegram_stub``), driven through its ``/_control`` endpoints; the real bot (``build_app``:
Dispatcher, middlewares, FSM storage in the database, outbox sender, scheduler) as a child
(``python -m bench.assembly _bot``); for the flood's comparison a bare aiogram bot as a child
(``_bare``: one read and one write per update on the same backend, then one reply).

Each database is fresh: a region, a municipality, a school, its curator and the curator's
participant invitation (no limit of uses). Every person opens the link (``/start p_...``) and
answers what the bot shows, like a person would: the language, the consent, a role and a category
(mostly pupils, some teachers and senior pupils as mentors), grade or course, birth year, full
name, interests, tags (typed or skipped), goals or strengths and capacity, days, times, format,
and confirms the summary. Multi-selects are ticked from the buttons shown on the first page, one
press per tick. About 18 updates a person.

Phases (``--phase open|flood|both``):

* **open** (open-loop): arrivals spread evenly at random over ``--arrivals`` seconds (120), each
  person waiting 2–5 s (``--think``) between seeing an answer and the next step. Targets: every
  registration completes; reply p95 ≤ 300 ms, p99 ≤ 1 s.
* **flood**: the same people, all at once, no think time (each still waits for the answer before
  the next step). Printed: updates/s, the bot child's CPU-ms per update (utime+stime from
  /proc), and the same for the bare bot measured in the same run against the same stand-in and
  backend (the same number of people and updates per person); the ratio of updates per
  CPU-second. Targets: every registration completes; ratio ≥ 60 %; on PostgreSQL the wait per
  step p95 ≤ 2.5 s.

Latency of a step: from just before the update is handed to the stand-in (``/_control/inject``)
to the stand-in receiving the call the person waits for: for a text, the bot's next message;
for a button press, the bot's ``answerCallbackQuery`` (the bot answers it last, after the chat
has changed, so it marks the whole update done).

Exit status 1 and ``TARGET MISSED`` lines when a target is missed.

Diagnostics for the bot child: ``BENCH_ASSEMBLY_PROFILE=<dir>`` writes a cProfile of the bot
process per phase (``<dir>/bot-<backend>-<phase>.prof``), ``BENCH_ASSEMBLY_SQL=1`` counts the
SQL statements, commits and transactions the bot runs and prints them per update with the most
frequent statement shapes.
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
import random
import signal
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "A" * 35
CURATOR_TG = 4_200_000_001
PEOPLE_TG = 4_300_000_000  # + i
PG_PREFIX = "mentor_bench_assembly"
P95_OPEN, P99_OPEN, P95_FLOOD_PG, RATIO_GOAL = 0.300, 1.0, 2.5, 0.60
STEP_TIMEOUT = 120.0

SURNAMES = ("Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов",
            "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров")
FIRST_M = ("Александр", "Дмитрий", "Максим", "Сергей", "Андрей", "Алексей", "Артём", "Илья", "Кирилл")
FIRST_F = ("Анна", "Мария", "Елена", "Дарья", "Алина", "Ирина", "Екатерина", "Арина", "Полина")
PATRONYMIC_M = ("Александрович", "Дмитриевич", "Сергеевич", "Андреевич", "Игоревич")
PATRONYMIC_F = ("Александровна", "Дмитриевна", "Сергеевна", "Андреевна", "Игоревна")
TAGS = ("шахматы", "робототехника", "футбол", "волонтёрство", "3d-печать", "театр", "олимпиады", "хор")


def load() -> str:
    return "load %.2f %.2f %.2f" % os.getloadavg()


# =============================================================================================
# children: the bot and the bare bot
# =============================================================================================


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process so far (its threads included), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """utime + stime of every PostgreSQL server process (the machine's own server, readable
    here), so far; exited backends are not counted, so take it around a phase whose
    connections stay open (the bot's pool)."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if (proc / "comm").read_text().strip() in ("postgres", "postmaster"):
                total += cpu_seconds(int(proc.name))
        except (OSError, IndexError, ValueError):
            continue
    return total


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, idle) CPU-seconds of the whole machine so far, all cores, from /proc/stat."""
    values = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK"), idle / os.sysconf("SC_CLK_TCK")


def _sql_counter(engine: Any) -> dict[str, Any]:
    """Counts of what the engine runs (diagnostics): statements by shape, commits, transactions."""
    from sqlalchemy import event

    stats: dict[str, Any] = {"statements": Counter(), "commits": 0, "begins": 0}

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _stmt(conn, cursor, statement, params, context, executemany):  # type: ignore[no-untyped-def]
        stats["statements"][" ".join(statement.split())[:160]] += 1

    @event.listens_for(engine.sync_engine, "commit")
    def _commit(conn):  # type: ignore[no-untyped-def]
        stats["commits"] += 1

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        stats["begins"] += 1

    return stats


async def child_bot(url: str, api: str, profile: str) -> None:
    """The bot as ``python -m bot`` runs it (polling), until SIGTERM. SIGUSR1 prints the SQL
    counts so far (with ``BENCH_ASSEMBLY_SQL``) and resets them."""
    import logging

    from bot.app import build_app
    from bot.config import Settings

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings(_env_file=None, bot_token=TOKEN, telegram_api_url=api,  # type: ignore[call-arg]
                        database_url=url)
    app = build_app(settings)
    sql = _sql_counter(app.engine) if os.environ.get("BENCH_ASSEMBLY_SQL") else None
    prof = None
    if profile:
        import cProfile

        # CPU time of the event loop's thread: wall-clock timings would mostly measure the waits
        # (and, on a shared machine, other processes)
        prof = cProfile.Profile(time.thread_time)
    await app.start(migrate=False)
    import bot.app

    getattr(bot.app, "settle_heap", gc.enable)()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def report_sql() -> None:
        if sql is not None:
            print("SQL " + json.dumps({"statements": sql["statements"].most_common(40),
                                       "total": sum(sql["statements"].values()),
                                       "commits": sql["commits"], "begins": sql["begins"]}), flush=True)
            sql["statements"].clear()
            sql["commits"] = sql["begins"] = 0

    def toggle_profile() -> None:
        if prof is not None:
            prof.enable()

    loop.add_signal_handler(signal.SIGUSR1, report_sql)
    loop.add_signal_handler(signal.SIGUSR2, toggle_profile)
    print(f"STARTED {os.getpid()}", flush=True)
    await stop.wait()
    if prof is not None:
        prof.disable()
        prof.dump_stats(profile)
    report_sql()
    await app.stop()


async def child_bare(url: str, api: str) -> None:
    """A bare aiogram bot on the same backend: per update one read and one write (committed
    before the reply, as the real bot does), then one reply; answers callback queries too."""
    import logging

    from aiogram import Bot, Dispatcher
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer
    from aiogram.types import CallbackQuery, Message
    from sqlalchemy import text

    from db.engine import create_engine_and_sessionmaker

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    engine, sm = create_engine_and_sessionmaker(url)
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE IF NOT EXISTS bench_bare (tg_id BIGINT PRIMARY KEY, n INTEGER NOT NULL)"))
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(api)))
    dp = Dispatcher()

    async def touch(tg_id: int) -> int:
        async with sm() as s:
            n = await s.scalar(text("SELECT n FROM bench_bare WHERE tg_id = :t"), {"t": tg_id}) or 0
            await s.execute(text("INSERT INTO bench_bare (tg_id, n) VALUES (:t, 1) "
                                 "ON CONFLICT (tg_id) DO UPDATE SET n = bench_bare.n + 1"), {"t": tg_id})
            await s.commit()
            return int(n)

    @dp.message()
    async def on_message(message: Message) -> None:
        n = await touch(message.chat.id)
        await message.answer(f"#{n + 1}")

    @dp.callback_query()
    async def on_callback(query: CallbackQuery) -> None:
        await touch(query.from_user.id)
        await query.answer()

    task = asyncio.create_task(dp.start_polling(bot, handle_signals=False, close_bot_session=False))
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"STARTED {os.getpid()}", flush=True)
    await stop.wait()
    await dp.stop_polling()
    await asyncio.wait_for(task, 10)
    await bot.session.close()
    await engine.dispose()


# =============================================================================================
# databases
# =============================================================================================


async def _pg(admin_url: str, sql: str) -> Any:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


@dataclass
class Database:
    backend: str
    url: str
    admin_url: str | None = None

    async def drop(self) -> None:
        if self.backend == "sqlite":
            path = self.url.split(":///", 1)[1]
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        else:
            assert self.admin_url is not None
            name = self.url.rpartition("/")[2]
            await _pg(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def fresh_database(backend: str, tag: str, a: argparse.Namespace, workdir: Path) -> Database:
    from db.migrate import upgrade

    if backend == "sqlite":
        db = Database("sqlite", f"sqlite+aiosqlite:///{workdir / f'assembly-{tag}.sqlite3'}")
        await db.drop()
    else:
        admin = a.pg_url.replace("postgresql://", "postgresql+asyncpg://", 1)
        name = f"{PG_PREFIX}_{os.getpid()}_{tag}"
        db = Database("postgresql", f"{admin.rpartition('/')[0]}/{name}", admin)
        await db.drop()
        await _pg(admin, f'CREATE DATABASE "{name}"')
    await asyncio.to_thread(upgrade, db.url)
    return db


async def seed(url: str) -> tuple[str, int]:
    """A school with its curator, and the curator's participant invitation: (payload, org id)."""
    from db.engine import create_engine_and_sessionmaker
    from domain import invitations
    from domain.people import accept_curator
    from domain.units import create_unit

    engine, sm = create_engine_and_sessionmaker(url)
    try:
        async with sm() as s:
            now = datetime.now(UTC)
            region = await create_unit(s, "region", "Рязанская область")
            town = await create_unit(s, "municipality", "Рязань", region)
            org = await create_unit(s, "organisation", "МБОУ «Школа № 5»", town, org_type="school")
            cur_inv = await invitations.create(s, kind="curator", unit=org, now=now)
            role = await accept_curator(s, tg_id=CURATOR_TG, locale="ru", full_name="Завуч Школы Пятой",
                                        invitation=cur_inv, now=now)
            inv = await invitations.create(s, kind="participant", unit=org, now=now, created_by=role.user_id,
                                           days=30, max_uses=None)
            await s.commit()
            return invitations.payload_of(inv), org.id
    finally:
        await engine.dispose()


async def registered(url: str, org_id: int) -> int:
    from sqlalchemy import func, select

    from db.engine import create_engine_and_sessionmaker
    from db.models import Participant

    engine, sm = create_engine_and_sessionmaker(url)
    try:
        async with sm() as s:
            return int(await s.scalar(select(func.count()).select_from(Participant)
                                      .where(Participant.org_id == org_id)) or 0)
    finally:
        await engine.dispose()


# =============================================================================================
# the stand-in and the people
# =============================================================================================


@dataclass
class Person:
    index: int
    tg_id: int
    rng: random.Random
    sends: int = 0  # the bot's sendMessage calls to this chat so far
    last_send: float = 0.0  # when the stand-in received the latest one
    markup: dict[str, Any] | None = None  # keyboard of the question on screen
    text: str = ""
    answered: dict[str, float] = field(default_factory=dict)  # callback query id -> answered at
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    latencies: list[float] = field(default_factory=list)
    done: bool = False
    failure: str | None = None


class Stand:
    """The stand-in as a process, one poller routing its recorded calls to the people."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self.http: Any = None
        self.seen = 0
        self.people: dict[int, Person] = {}
        self.queries: dict[str, Person] = {}
        self.injected = 0
        self._poller: asyncio.Task[None] | None = None

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
        self.http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))
        self._poller = asyncio.create_task(self._poll())

    async def _poll(self) -> None:
        while True:
            async with self.http.get(f"{self.url}/_control/requests", params={"since": self.seen}) as resp:
                records = (await resp.json())["result"]
            self.seen += len(records)
            for rec in records:
                self._route(rec)
            await asyncio.sleep(0.005 if len(records) < 50 else 0)

    def _route(self, rec: dict[str, Any]) -> None:
        method, params = rec["method"], rec["params"]
        if method == "answerCallbackQuery":
            person = self.queries.pop(str(params.get("callback_query_id")), None)
            if person is not None:
                person.answered[str(params.get("callback_query_id"))] = rec["time"]
                person.changed.set()
            return
        try:
            person = self.people.get(int(params.get("chat_id")))
        except (TypeError, ValueError):
            return
        if person is None:
            return
        markup = params.get("reply_markup")
        if isinstance(markup, str):
            markup = json.loads(markup)
        if method == "sendMessage":
            person.sends += 1
            person.last_send = rec["time"]
            person.markup = markup
            person.text = str(params.get("text") or "")
            person.changed.set()
        elif method == "editMessageReplyMarkup" and markup:
            person.markup = markup  # a multi-select's ticks (removing buttons closes an old prompt)

    async def inject(self, item: dict[str, Any]) -> tuple[float, str | None]:
        t0 = time.time()
        async with self.http.post(f"{self.url}/_control/inject", json=item) as resp:
            body = await resp.json()
        if not body.get("ok"):
            raise RuntimeError(f"inject failed: {body}")
        self.injected += 1
        return t0, (body.get("callback_query_ids") or [None])[0]

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            try:
                await self._poller
            except (asyncio.CancelledError, Exception):
                pass
        if self.http is not None:
            await self.http.close()
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), 10)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def _wait(person: Person, ready: Any) -> Any:
    deadline = time.monotonic() + STEP_TIMEOUT
    while (value := ready()) is None:
        person.changed.clear()
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        try:
            await asyncio.wait_for(person.changed.wait(), left)
        except TimeoutError:
            return None
    return value


async def say(stand: Stand, person: Person, text: str) -> bool:
    before = person.sends
    t0, _ = await stand.inject({"user_id": person.tg_id, "text": text, "language_code": "ru", "first_name": "Ученик"})
    at = await _wait(person, lambda: person.last_send if person.sends > before else None)
    if at is None:
        person.failure = f"no answer to a text ({text[:20]!r}) within {STEP_TIMEOUT:g} s"
        return False
    person.latencies.append(at - t0)
    return True


async def press(stand: Stand, person: Person, data: str) -> bool:
    t0, qid = await stand.inject({"user_id": person.tg_id, "callback_data": data, "language_code": "ru",
                                  "first_name": "Ученик"})
    assert qid is not None
    stand.queries[qid] = person
    at = await _wait(person, lambda: person.answered.pop(qid, None))
    if at is None:
        person.failure = f"no answer to the button {data!r} within {STEP_TIMEOUT:g} s"
        return False
    person.latencies.append(at - t0)
    return True


def buttons(person: Person) -> list[str]:
    return [b.get("callback_data", "") for row in (person.markup or {}).get("inline_keyboard", []) for b in row]


async def register(stand: Stand, person: Person, payload: str, think: tuple[float, float]) -> None:
    """One person's registration, answering whatever the bot asks (see the module's docstring)."""
    from handlers.forms import FormCb
    from handlers.registration import RegCb

    lang, agree, confirm = RegCb(a="lang", v="ru").pack(), RegCb(a="yes").pack(), RegCb(a="ok").pack()
    rng = person.rng
    year = datetime.now(UTC).year

    async def pause() -> None:
        if think[1] > 0:
            await asyncio.sleep(rng.uniform(*think))

    female = rng.random() < 0.5
    name = " ".join((rng.choice(SURNAMES) + ("а" if female else ""), rng.choice(FIRST_F if female else FIRST_M),
                     rng.choice(PATRONYMIC_F if female else PATRONYMIC_M)))
    answers: dict[str, Any] = {}
    if not await say(stand, person, f"/start {payload}"):
        return
    for _ in range(60):  # a bound: about 18 steps are expected
        await pause()
        shown = buttons(person)
        steps = {d.split(":")[1] for d in shown if d.startswith("fm:")}
        if lang in shown:
            ok = await press(stand, person, lang)
        elif agree in shown:
            ok = await press(stand, person, agree)
        elif confirm in shown:
            ok = await press(stand, person, confirm)
            person.done = ok
            return
        elif len(steps) == 1:
            step = steps.pop()
            choices = [d for d in shown if d.startswith(f"fm:{step}:c:")]
            toggles = [d for d in shown if d.startswith(f"fm:{step}:t:")]
            if choices:
                if step == "role":
                    pick = "fm:role:c:mentee" if rng.random() < 0.85 else "fm:role:c:mentor"
                elif step == "category":
                    wanted = ("school_student" if answers.get("role") == "mentee" or rng.random() < 0.4
                              else "teacher")
                    pick = f"fm:category:c:{wanted}" if f"fm:category:c:{wanted}" in choices else rng.choice(choices)
                else:
                    pick = rng.choice(choices)
                answers[step] = pick.rsplit(":", 1)[1]
                ok = await press(stand, person, pick)
            elif toggles:
                how_many = {"interests": (1, 3), "goals": (1, 2), "strengths": (1, 2), "days": (1, 3),
                            "times": (1, 2)}.get(step, (1, 2))
                ok = True
                for pick in rng.sample(toggles, min(len(toggles), rng.randint(*how_many))):
                    ok = ok and await press(stand, person, pick)
                    await pause()
                ok = ok and await press(stand, person, FormCb(s=step, a="ok").pack())
            elif FormCb(s=step, a="sk").pack() in shown:  # tags or the goals' own words: typed or skipped
                if rng.random() < 0.5:
                    ok = await press(stand, person, FormCb(s=step, a="sk").pack())
                elif step == "tags":
                    ok = await say(stand, person, ", ".join(rng.sample(TAGS, 2)))
                else:
                    ok = await say(stand, person, "Хочу подготовиться к олимпиаде и понять, кем стать")
            else:
                person.failure = f"unexpected keyboard {shown[:4]}"
                return
        elif not shown:  # a question answered in words: company, birth year, full name (in this order)
            if answers.get("category") == "employer_rep" and "company" not in answers:
                answers["company"] = "ООО «Рязанский завод»"
                ok = await say(stand, person, answers["company"])
            elif "birth_year" not in answers:
                if answers.get("category") == "school_student":
                    age = int(answers.get("grade", "7")) + 6 + rng.randint(0, 1)
                elif answers.get("category") == "college_student":
                    age = rng.randint(16, 20)
                else:
                    age = rng.randint(24, 60)
                answers["birth_year"] = str(year - age)
                ok = await say(stand, person, answers["birth_year"])
            else:
                answers["full_name"] = name
                ok = await say(stand, person, name)
        else:
            person.failure = f"unexpected keyboard {shown[:4]}"
            return
        if not ok:
            return
    person.failure = "too many steps"


async def bare_person(stand: Stand, person: Person, steps: int) -> None:
    """The bare bot's person: the same number of updates, each answered before the next."""
    for i in range(steps):
        if not await say(stand, person, f"step {i}"):
            return
    person.done = True


# =============================================================================================
# one phase
# =============================================================================================


@dataclass
class PhaseResult:
    backend: str
    phase: str
    people: int
    completed: int = 0
    registered: int = 0
    updates: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""
    sql: dict[str, Any] | None = None
    # where the machine's CPU went during the phase (CPU-seconds): everything busy, idle, the
    # stand-in, the PostgreSQL server, this driver (the people)
    machine: float = 0.0
    idle: float = 0.0
    stand_cpu: float = 0.0
    pg_cpu: float = 0.0
    driver_cpu: float = 0.0

    @property
    def rate(self) -> float:
        return self.updates / self.wall if self.wall else 0.0

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.updates if self.updates else 0.0


def pct(xs: list[float], q: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q * len(xs) + 0.5)) - 1))]


def lat_line(xs: list[float]) -> str:
    if not xs:
        return "no replies"
    return (f"p50 {pct(xs, .5) * 1000:.0f} ms  p95 {pct(xs, .95) * 1000:.0f} ms  "
            f"p99 {pct(xs, .99) * 1000:.0f} ms  max {max(xs) * 1000:.0f} ms  (n={len(xs)})")


async def start_child(args: list[str], log: Path, code: Path = ROOT) -> asyncio.subprocess.Process:
    """This file run as a child, importing the application from ``code`` (this checkout, or the
    code before a change: ``--baseline``)."""
    with log.open("ab") as err:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).resolve()), *args, cwd=str(code), stdout=asyncio.subprocess.PIPE,
            stderr=err, env={**os.environ, "PYTHONPATH": str(code)})
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode()
    if not line.startswith("STARTED"):
        raise RuntimeError(f"child {args[0]} did not start ({line!r}); see {log}")
    return proc


async def stop_child(proc: asyncio.subprocess.Process) -> list[str]:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    try:
        out = await asyncio.wait_for(proc.stdout.read(), 60)  # type: ignore[union-attr]
        await asyncio.wait_for(proc.wait(), 30)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        return []
    return out.decode().splitlines()


async def run_phase(a: argparse.Namespace, backend: str, phase: str, bare: bool, workdir: Path,
                    code: Path = ROOT, label: str = "") -> PhaseResult:
    kind = "bare" if bare else ("base" if code != ROOT else "bot")
    r = PhaseResult(backend, f"{phase}{' (bare bot)' if bare else label}", a.people)
    db = await fresh_database(backend, f"{phase}_{kind}", a, workdir)
    stand = Stand(workdir / f"stub-{backend}-{phase}-{kind}.log")
    proc = None
    try:
        payload, org_id = await seed(db.url)
        await stand.start()
        log = workdir / f"{kind}-{backend}-{phase}.log"
        if bare:
            proc = await start_child(["_bare", db.url, stand.url], log)
        else:
            profile = ""
            if os.environ.get("BENCH_ASSEMBLY_PROFILE"):
                pdir = Path(os.environ["BENCH_ASSEMBLY_PROFILE"])
                pdir.mkdir(parents=True, exist_ok=True)
                profile = str(pdir / f"{kind}-{backend}-{phase}.prof")
            proc = await start_child(["_bot", db.url, stand.url, profile], log, code)
        await asyncio.sleep(1.0)  # the bot's start-up calls (commands, first jobs) out of the way
        if not bare:
            proc.send_signal(signal.SIGUSR1)  # SQL counts from here on (with BENCH_ASSEMBLY_SQL)
            proc.send_signal(signal.SIGUSR2)  # profile from here on (with BENCH_ASSEMBLY_PROFILE)
        seeds = random.Random(a.seed)
        people = [Person(i, PEOPLE_TG + i, random.Random(seeds.getrandbits(64))) for i in range(a.people)]
        for p in people:
            stand.people[p.tg_id] = p
        think = (0.0, 0.0) if phase == "flood" else tuple(a.think)
        arrivals = sorted(seeds.uniform(0, a.arrivals) for _ in people) if phase == "open" else [0.0] * len(people)
        r.load_before = load()
        cpu0 = cpu_seconds(proc.pid)
        stand0, pg0, (busy0, idle0) = cpu_seconds(stand.proc.pid), postgres_cpu_seconds(), machine_cpu_seconds()
        driver0 = sum(os.times()[:2])
        t0 = time.monotonic()

        async def one(p: Person, at: float) -> None:
            await asyncio.sleep(at)
            if bare:
                await bare_person(stand, p, a.bare_steps)
            else:
                await register(stand, p, payload, think)  # type: ignore[arg-type]

        await asyncio.gather(*(one(p, at) for p, at in zip(people, arrivals, strict=True)))
        r.wall = time.monotonic() - t0
        r.cpu = cpu_seconds(proc.pid) - cpu0
        busy1, idle1 = machine_cpu_seconds()
        r.machine, r.idle = busy1 - busy0, idle1 - idle0
        r.stand_cpu = cpu_seconds(stand.proc.pid) - stand0  # type: ignore[union-attr]
        r.pg_cpu, r.driver_cpu = postgres_cpu_seconds() - pg0, sum(os.times()[:2]) - driver0
        r.load_after = load()
        r.updates = stand.injected
        r.completed = sum(p.done for p in people)
        r.latencies = [x for p in people for x in p.latencies]
        r.failures = [f"person {p.index}: {p.failure}" for p in people if p.failure]
        if not bare:
            await asyncio.sleep(0.5)
            r.registered = await registered(db.url, org_id)
        else:
            r.registered = r.completed
    finally:
        if proc is not None:
            for line in await stop_child(proc):
                if line.startswith("SQL "):
                    r.sql = json.loads(line[4:])
        await stand.stop()
        await db.drop()
    return r


def report(r: PhaseResult) -> None:
    print(f"== {r.backend} {r.phase}: {r.people} people, {r.updates} updates in {r.wall:.1f} s "
          f"= {r.rate:.0f} updates/s; bot CPU {r.cpu:.1f} s = {r.cpu_ms:.2f} ms/update "
          f"({r.updates / r.cpu if r.cpu else 0:.0f} updates per CPU-second); "
          f"{r.completed}/{r.people} completed, {r.registered} registered in the database; "
          f"{r.load_before} → {r.load_after}", flush=True)
    print(f"   reply latency: {lat_line(r.latencies)}", flush=True)
    if r.machine:
        rest = r.machine - r.cpu - r.stand_cpu - r.pg_cpu - r.driver_cpu
        print(f"   machine CPU {r.machine:.1f} s busy, {r.idle:.1f} s idle ({os.cpu_count()} cores × "
              f"{r.wall:.1f} s): the bot {r.cpu:.1f}, the stand-in {r.stand_cpu:.1f}, PostgreSQL "
              f"{r.pg_cpu:.1f}, the people (this driver) {r.driver_cpu:.1f}, the rest {rest:.1f}", flush=True)
    for f in r.failures[:5]:
        print(f"   failure: {f}", flush=True)
    if r.sql:
        n = r.updates or 1
        print(f"   SQL per update: {r.sql['total'] / n:.1f} statements, {r.sql['begins'] / n:.2f} transactions, "
              f"{r.sql['commits'] / n:.2f} commits", flush=True)
        for stmt, count in r.sql["statements"][:15]:
            print(f"      {count / n:6.2f}/update  {stmt}", flush=True)


def judge(results: list[PhaseResult]) -> list[str]:
    missed: list[str] = []
    by = {(r.backend, r.phase): r for r in results}
    for r in results:
        if r.completed < r.people or (r.registered < r.people and "bare" not in r.phase):
            missed.append(f"{r.backend} {r.phase}: {r.completed}/{r.people} completed, "
                          f"{r.registered} registered")
        if r.phase == "open":
            if pct(r.latencies, .95) > P95_OPEN:
                missed.append(f"{r.backend} open: reply p95 {pct(r.latencies, .95) * 1000:.0f} ms > "
                              f"{P95_OPEN * 1000:.0f} ms")
            if pct(r.latencies, .99) > P99_OPEN:
                missed.append(f"{r.backend} open: reply p99 {pct(r.latencies, .99) * 1000:.0f} ms > "
                              f"{P99_OPEN * 1000:.0f} ms")
        if r.phase == "flood":
            bare = by.get((r.backend, "flood (bare bot)"))
            if bare is not None and r.cpu and bare.cpu:
                ratio = (r.updates / r.cpu) / (bare.updates / bare.cpu)
                print(f"== {r.backend} flood: the bot {r.updates / r.cpu:.0f} updates per CPU-second, the bare "
                      f"bot {bare.updates / bare.cpu:.0f}: {ratio:.0%} (goal ≥ {RATIO_GOAL:.0%}); updates/s "
                      f"{r.rate:.0f} vs {bare.rate:.0f}", flush=True)
                if ratio < RATIO_GOAL:
                    missed.append(f"{r.backend} flood: {ratio:.0%} of the bare bot's updates per CPU-second "
                                  f"< {RATIO_GOAL:.0%}")
            if r.backend == "postgresql" and pct(r.latencies, .95) > P95_FLOOD_PG:
                missed.append(f"postgresql flood: wait per step p95 {pct(r.latencies, .95):.2f} s > "
                              f"{P95_FLOOD_PG} s")
    return missed


async def run(a: argparse.Namespace) -> int:
    # SIGTERM as Ctrl-C: the phases' cleanup (children stopped, databases dropped) still runs
    task = asyncio.current_task()
    assert task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
    workdir = Path(a.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    backends = ("sqlite", "postgresql") if a.backend == "both" else (a.backend,)
    phases = ("open", "flood") if a.phase == "both" else (a.phase,)
    print(f"-- bench.assembly people={a.people} arrivals={a.arrivals:g}s think={a.think[0]:g}-{a.think[1]:g}s "
          f"seed={a.seed} cores={os.cpu_count()} python={sys.version.split()[0]} {load()}", flush=True)
    results = []
    baseline = Path(a.baseline).resolve() if a.baseline else None
    for backend in backends:
        for phase in phases:
            if baseline is not None:  # the code before, in the same run (not judged)
                r = await run_phase(a, backend, phase, False, workdir, baseline, f" BEFORE ({baseline})")
                report(r)
            r = await run_phase(a, backend, phase, False, workdir)
            report(r)
            results.append(r)
            if phase == "flood" and not a.no_bare:
                # the bare bot gets as many updates per person as the registrations took
                a.bare_steps = max(1, round(r.updates / r.people)) if r.updates else a.bare_steps
                r = await run_phase(a, backend, phase, True, workdir)
                report(r)
                results.append(r)
    missed = judge(results)
    for m in missed:
        print(f"TARGET MISSED: {m}", flush=True)
    if not missed:
        print("targets met", flush=True)
    return 1 if missed else 0


def main() -> None:
    if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
        sys.path.pop(0)  # run as a file (a child): the application comes from PYTHONPATH only
    if len(sys.argv) > 1 and sys.argv[1] == "_bot":
        asyncio.run(child_bot(*sys.argv[2:5]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "_bare":
        asyncio.run(child_bare(*sys.argv[2:4]))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--phase", choices=("open", "flood", "both"), default="both")
    p.add_argument("--people", type=int, default=300)
    p.add_argument("--arrivals", type=float, default=120.0, help="open phase: arrivals spread over this many s")
    p.add_argument("--think", type=float, nargs=2, default=(2.0, 5.0), metavar=("MIN", "MAX"),
                   help="open phase: seconds between seeing an answer and the next step")
    p.add_argument("--quick", action="store_true", help="60 people arriving over 20 s (development)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bare-steps", type=int, default=18, help="updates per person for the bare bot")
    p.add_argument("--no-bare", action="store_true", help="skip the bare bot in the flood")
    p.add_argument("--baseline", metavar="DIR",
                   help="also run each phase with the application code in DIR (the code before a change, "
                        "e.g. `git archive <commit> | tar -x -C DIR`), printed beside, not judged")
    p.add_argument("--pg-url", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
                   help="a database to connect to for creating and dropping the benchmark's own")
    p.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "mentor-bench-assembly"))
    a = p.parse_args()
    if a.quick:
        a.people, a.arrivals = 60, 20.0
    sys.exit(asyncio.run(run(a)))


if __name__ == "__main__":
    main()
