"""The administrator's shell beside the running bot (issue 10, item 4: "the shell never stalls the bot").

    .venv/bin/python -m bench.shell                                  # SQLite, then PostgreSQL
    .venv/bin/python -m bench.shell --backend sqlite --participants 3000
    .venv/bin/python -m bench.shell --baseline /tmp/shell-base       # before/after in one run

A region is seeded (``bench/monitoring_seed.py``: 1 region, 50 municipalities, 1,500
organisations, ``--participants`` people with their pairs, meetings and surveys), the real bot
(``build_app``: Dispatcher, middlewares, scheduler) runs as a child process against the Bot API
stand-in (``python -m tests.telegram_stub``, a process of its own), and once it has settled
after start-up every ``python -m bot admin`` command is run as the real CLI, a subprocess each
(create-region, create-municipality, create-org, invite-curator by name and by id, tree),
``--rounds`` times, timed from spawn to exit. Meanwhile another user sends ``/help`` again and
again; each reply is timed from the update handed to the stand-in to the stand-in receiving
the answer (p50 / p95 / p99 / max). The same is measured first with no shell running ("idle"),
so what the shell adds shows beside it.

``--baseline PATH`` names another checkout of the project (e.g. ``git worktree add
/tmp/shell-base <commit>``): its CLI runs the same commands against the same bot and database,
its rounds alternating with this tree's, so before and after share the machine's load. Only this
tree's figures are judged.

Targets (exit status 1 and ``TARGET MISSED`` when one is missed or a command fails):
every admin command ≤ 2 s (the slowest of its rounds); /help during the shell p95 ≤ 300 ms.

Databases: SQLite in a file under a temporary directory; PostgreSQL in a database of its own
(``mentor_bench_shell_<pid>``) next to the one ``--pg-url`` names; both removed afterwards.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import resource
import shutil
import signal
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:" + "S" * 35
HELP_TG = 4_200_000_002  # the user sending /help while the shell works
COMMAND_S, HELP_P95_S = 2.0, 0.300


# =============================================================================================
# the bot, as a child process
# =============================================================================================


async def child_bot(url: str, api: str) -> None:
    """The bot as ``bot/cli.py`` runs it (migrations already applied), until SIGTERM."""
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
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"STARTED {os.getpid()}", flush=True)
    await stop.wait()
    await app.stop()


# =============================================================================================
# the stand-in
# =============================================================================================


class Stub:
    """``python -m tests.telegram_stub`` as a process, driven through ``/_control``."""

    def __init__(self, log: Path) -> None:
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.url = ""
        self.http: Any = None
        self.seen = 0

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

    async def help_latency(self, user: int, timeout: float) -> float | None:
        """Send /help; seconds from handing the update over to the stand-in receiving the reply."""
        self.seen += len(await self.get("requests", since=self.seen))
        t0 = time.time()
        async with self.http.post(f"{self.url}/_control/inject",
                                  json={"user_id": user, "language_code": "ru", "first_name": "Bench",
                                        "text": "/help"}) as resp:
            if not (await resp.json()).get("ok"):
                raise RuntimeError("inject failed")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            records = await self.get("requests", since=self.seen)
            for i, rec in enumerate(records):
                if rec["method"].lower() == "sendmessage" and str(rec["params"].get("chat_id")) == str(user):
                    self.seen += i + 1
                    return rec["time"] - t0
            self.seen += len(records)
            await asyncio.sleep(0.01)
        return None

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        await _terminate(self.proc)


async def _terminate(proc: asyncio.subprocess.Process | None) -> None:
    if proc is None or proc.returncode is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(proc.wait(), 20)
    except TimeoutError:
        proc.kill()
        await proc.wait()


# =============================================================================================
# databases
# =============================================================================================


@dataclass
class Database:
    backend: str
    url: str
    admin_url: str | None = None
    seed_s: float = 0.0
    region_name: str = ""


async def _pg(admin_url: str, sql: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(admin_url.replace("postgresql+asyncpg://", "postgresql://", 1))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def prepare(backend: str, a: argparse.Namespace, workdir: Path) -> Database:
    """A migrated database holding the seeded region."""
    from bench.monitoring_seed import PgSink, SqliteSink, fill, region_name
    from db.migrate import upgrade

    if backend == "sqlite":
        path = workdir / "shell.sqlite3"
        db = Database("sqlite", f"sqlite+aiosqlite:///{path}")
    else:
        base = a.pg_url.replace("postgresql://", "postgresql+asyncpg://", 1)
        root = base.rpartition("/")[0]
        name = f"mentor_bench_shell_{os.getpid()}"
        db = Database("postgresql", f"{root}/{name}", admin_url=base)
        await _pg(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _pg(base, f'CREATE DATABASE "{name}"')
    await asyncio.to_thread(upgrade, db.url)
    now = datetime.now(UTC)
    t0 = time.perf_counter()
    log = lambda msg: print(f"   seed: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    if backend == "sqlite":
        await fill(SqliteSink(db.url.split(":///", 1)[1], now), a.seed, a.participants, date.today(), log)
    else:
        import asyncpg

        conn = await asyncpg.connect(db.url.replace("postgresql+asyncpg://", "postgresql://", 1))
        try:
            sink = PgSink(conn, now)
            await sink.begin()
            await fill(sink, a.seed, a.participants, date.today(), log)
        finally:
            await conn.close()
        await _pg(db.url, "VACUUM (ANALYZE)")  # as autovacuum soon would after a bulk load
    db.seed_s = time.perf_counter() - t0
    db.region_name = region_name(a.seed, a.participants)
    return db


async def drop(db: Database, workdir: Path) -> None:
    if db.backend == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{workdir / 'shell.sqlite3'}{suffix}").unlink(missing_ok=True)
    elif db.admin_url:
        await _pg(db.admin_url, f'DROP DATABASE IF EXISTS "{db.url.rpartition("/")[2]}" WITH (FORCE)')


# =============================================================================================
# the shell
# =============================================================================================


def commands(tag: str) -> list[tuple[str, list[str]]]:
    """Every ``python -m bot admin`` action, with names unique to this round."""
    region, town, school = f"Bench region {tag}", f"Bench town {tag}", f"Bench school {tag}"
    return [
        ("create-region", ["create-region", region, "--timezone", "Europe/Moscow"]),
        ("create-municipality", ["create-municipality", "--region", region, town]),
        ("create-org", ["create-org", "--municipality", town, "--type", "school", school]),
        ("invite-curator --org NAME", ["invite-curator", "--org", school]),
        ("invite-curator --unit ID", ["invite-curator", "--unit", "2"]),  # the seeded capital
        ("tree", ["tree"]),
    ]


def cli_env(code_root: Path, db_url: str, api: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "TELEGRAM_"))}
    env.update(BOT_TOKEN=TOKEN, DATABASE_URL=db_url, TELEGRAM_API_URL=api, PYTHONPATH=str(code_root),
               LOG_LEVEL="WARNING")
    return env


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


async def run_cli(code_root: Path, cwd: Path, db_url: str, api: str,
                  argv: list[str]) -> tuple[float, float, int, str]:
    """One admin command as the administrator runs it; (wall s, CPU s, exit code, stderr tail).

    The CPU is the reaped children's rusage grown across the run: the commands run one at a
    time and no other child (the bot, the stand-in) is reaped meanwhile, so it is this command's
    own, and unlike the wall time it barely depends on how busy the shared machine is."""
    cpu0, t0 = _children_cpu(), time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "admin", *argv, cwd=str(cwd), env=cli_env(code_root, db_url, api),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _out, err = await asyncio.wait_for(proc.communicate(), 300)
    return (time.perf_counter() - t0, _children_cpu() - cpu0, proc.returncode or 0,
            err.decode(errors="replace")[-500:])


async def check_code_root(code_root: Path, cwd: Path) -> None:
    """The CLI subprocess must import this tree's ``bot``, not the editable install's."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import bot.cli; print(bot.cli.__file__)", cwd=str(cwd),
        env={**os.environ, "PYTHONPATH": str(code_root)}, stdout=asyncio.subprocess.PIPE)
    out, _ = await proc.communicate()
    if not Path(out.decode().strip()).resolve().is_relative_to(code_root.resolve()):
        raise SystemExit(f"the CLI under {code_root} imports {out.decode().strip()}")


# =============================================================================================
# the run
# =============================================================================================


@dataclass
class Results:
    backend: str
    participants: int = 0
    seed_s: float = 0.0
    first_answer_s: float | None = None
    settled_s: float | None = None
    help: dict[str, list[float]] = field(default_factory=dict)  # phase -> latencies
    missing: dict[str, int] = field(default_factory=dict)  # phase -> /help never answered
    walls: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # tree -> command -> walls
    cpus: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # tree -> command -> CPU s
    failures: list[tuple[str, str]] = field(default_factory=list)  # (tree, what failed)
    load: str = ""


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q * (len(xs) - 1))))]


def fmt_latencies(xs: list[float]) -> str:
    if not xs:
        return "no samples"
    return (f"n={len(xs)} p50 {_pct(xs, .5) * 1000:.0f} / p95 {_pct(xs, .95) * 1000:.0f} / "
            f"p99 {_pct(xs, .99) * 1000:.0f} / max {max(xs) * 1000:.0f} ms")


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


async def run_backend(backend: str, a: argparse.Namespace, workdir: Path) -> Results:
    r = Results(backend, participants=a.participants)
    print(f"\n== {backend}: seeding a region of {a.participants:,} participants (load {loadavg()})", flush=True)
    db = await prepare(backend, a, workdir)
    r.seed_s = db.seed_s
    stub = Stub(workdir / f"stub-{backend}.log")
    bot: asyncio.subprocess.Process | None = None
    cwd = workdir / "cli-cwd"  # an empty directory: no developer's .env leaks into the CLI
    cwd.mkdir(exist_ok=True)
    trees = [("after", ROOT)] + ([("before", Path(a.baseline))] if a.baseline else [])
    for _label, code_root in trees:
        await check_code_root(code_root, cwd)
    try:
        await stub.start()
        with (workdir / f"bot-{backend}.log").open("ab") as out:
            bot = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bench.shell", "_bot", db.url, stub.url, cwd=str(ROOT),
                stdout=asyncio.subprocess.PIPE, stderr=out, env={**os.environ, "PYTHONPATH": str(ROOT)})
        assert bot.stdout is not None
        line = (await asyncio.wait_for(bot.stdout.readline(), 120)).decode()
        if not line.startswith("STARTED"):
            raise RuntimeError(f"the bot did not start; see {workdir / f'bot-{backend}.log'}")
        t_start = time.perf_counter()
        # settle: the start-up jobs run over the whole region; wait for prompt answers
        prompt = 0
        while time.perf_counter() - t_start < a.settle and prompt < 3:
            s = await stub.help_latency(HELP_TG, timeout=a.settle)
            if s is not None and r.first_answer_s is None:
                r.first_answer_s = time.perf_counter() - t_start
            prompt = prompt + 1 if s is not None and s < HELP_P95_S else 0
            await asyncio.sleep(0.2)
        r.settled_s = time.perf_counter() - t_start if prompt >= 3 else None
        print(f"   bot: first answer after {r.first_answer_s or float('nan'):.1f} s, "
              f"settled after {r.settled_s or float('nan'):.1f} s", flush=True)

        phase: list[str | None] = [None]
        stop = asyncio.Event()

        async def helper() -> None:
            while not stop.is_set():
                label = phase[0]
                s = await stub.help_latency(HELP_TG, timeout=30)
                if label is not None and label == phase[0]:
                    if s is None:
                        r.missing[label] = r.missing.get(label, 0) + 1
                    else:
                        r.help.setdefault(label, []).append(s)
                await asyncio.sleep(a.help_interval)

        sender = asyncio.create_task(helper())
        try:
            phase[0] = "idle"
            await asyncio.sleep(a.idle)
            phase[0] = None
            for rnd in range(a.rounds):
                for label, code_root in trees:
                    phase[0] = f"shell {label}"
                    for name, argv in commands(f"{label} {os.getpid()} {rnd}"):
                        wall, cpu, code, err = await run_cli(code_root, cwd, db.url, stub.url, argv)
                        if code != 0:
                            r.failures.append((label, f"{name}: exit {code}: {err.strip()}"))
                        r.walls.setdefault(label, {}).setdefault(name, []).append(wall)
                        r.cpus.setdefault(label, {}).setdefault(name, []).append(cpu)
                    phase[0] = None
                    print(f"   round {rnd + 1}/{a.rounds} ({label}): "
                          + ", ".join(f"{n} {w[-1]:.2f} s" for n, w in r.walls[label].items())
                          + f"; load {loadavg()}", flush=True)
                    await asyncio.sleep(a.help_interval * 2)
        finally:
            stop.set()
            await sender
        r.load = loadavg()
    finally:
        await _terminate(bot)
        await stub.stop()
        await drop(db, workdir)
    return r


def report(r: Results, baseline: bool) -> bool:
    """Print the figures; True when every target is met."""
    ok = True

    def check(what: str, figure: str, met: bool) -> None:
        nonlocal ok
        ok = ok and met
        print(f"   {'ok           ' if met else 'TARGET MISSED'} {what}: {figure}")

    print(f"\n== {r.backend}, {r.participants:,} participants (seeded in {r.seed_s:.0f} s); "
          f"load average {r.load} (shared machine: figures are noisy)")
    print(f"   /help idle:          {fmt_latencies(r.help.get('idle', []))}")
    for label in (["before"] if baseline else []) + ["after"]:
        print(f"   /help during shell ({label}): {fmt_latencies(r.help.get(f'shell {label}', []))}"
              + (f", {r.missing[f'shell {label}']} never answered" if r.missing.get(f"shell {label}") else ""))
    names = list(r.walls.get("after", {}))
    trees = ["after"] + (["before"] if baseline else [])
    print(f"   {'command':28}" + "".join(f" {t + ': wall max / median, CPU median s':>42}" for t in trees))
    for name in names:
        line = f"   {name:28}"
        for t in trees:
            walls, cpus = r.walls.get(t, {}).get(name), r.cpus.get(t, {}).get(name)
            line += (f" {max(walls):>20.2f} / {statistics.median(walls):5.2f}, {statistics.median(cpus):5.2f}"
                     if walls and cpus else f" {'-':>42}")
        print(line)
    for label, failure in r.failures:
        if label == "after":
            check("command ran", failure, False)
        else:  # the baseline's failures are shown, not judged
            print(f"   (before: {failure})")
    for name in names:
        check(f"admin {name} ≤ {COMMAND_S:g} s", f"{max(r.walls['after'][name]):.2f} s", max(r.walls["after"][name]) <= COMMAND_S)
    during = r.help.get("shell after", [])
    check(f"/help p95 during the shell ≤ {HELP_P95_S * 1000:.0f} ms",
          f"{_pct(during, .95) * 1000:.0f} ms" if during else "no samples",
          bool(during) and _pct(during, .95) <= HELP_P95_S and not r.missing.get("shell after"))
    return ok


async def amain(a: argparse.Namespace) -> int:
    backends = ["sqlite", "postgresql"] if a.backend == "both" else [a.backend]
    workdir = Path(tempfile.mkdtemp(prefix="bench-shell-"))
    ok = True
    try:
        for b in backends:
            ok = report(await run_backend(b, a, workdir), bool(a.baseline)) and ok
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\nall targets met" if ok else "\nTARGET MISSED (see above)")
    return 0 if ok else 1


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "_bot":
        asyncio.run(child_bot(*sys.argv[2:]))
        return
    p = argparse.ArgumentParser(prog="python -m bench.shell", description=__doc__.split("\n\n")[0])
    p.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    p.add_argument("--participants", type=int, default=30_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rounds", type=int, default=3, help="times each command runs (per tree)")
    p.add_argument("--idle", type=float, default=10.0, help="seconds of /help with no shell running")
    p.add_argument("--help-interval", type=float, default=0.1, help="pause between two /help (s)")
    p.add_argument("--settle", type=float, default=300.0, help="longest wait for the bot to settle (s)")
    p.add_argument("--baseline", default=None, help="another checkout whose CLI runs the same commands")
    p.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"))
    raise SystemExit(asyncio.run(amain(p.parse_args())))


if __name__ == "__main__":
    main()
