"""A synthetic region for ``bench/monitoring.py``: 300,000 participants in 1,500 organisations
with a year of pairs, meetings and surveys, written fast.

Why a module of its own: the generator is long, and the benchmark's figures must not depend on
how the data was written. Rows are generated as plain tuples with explicit ids (so that tables
can reference each other without reading anything back) and written in big batches inside one
transaction: the standard ``sqlite3`` module's ``executemany`` for SQLite, asyncpg's
``copy_records_to_table`` for PostgreSQL (then every id sequence is moved past the ids used;
the benchmark vacuums and analyses afterwards, as autovacuum would). The schema is the real
one, migrated by Alembic beforehand; columns the generator does not name get their model
defaults.

The region (deterministic for a given ``--seed``):

* 1 region, 50 municipalities; the first is the regional capital with a third of everything
  (500 organisations, 100,000 participants), which is the scope of the 100,000-row export and
  the worst case of the municipal drill-down;
* 1,500 organisations: 1,300 schools, 110 colleges, 60 institutions of additional education,
  30 employers;
* participants: schools ~68 % student mentees aged 10–18 (a few 10-year-olds fall outside the
  11–18 band), 3 % young specialists, 17 % teacher mentors, 12 % student mentors aged 14–18;
  colleges ~65 % college students as mentees, 4 % young specialists, 15 % teachers, 16 % college
  students as mentors; additional education 75 % school students, 25 % teachers; employers only
  their representatives (mentors). 3.5 % of minors await parental consent, 0.2 % are erased;
* programmes: schools run student_student, teacher_student and teacher_teacher; colleges
  teacher_student and teacher_teacher; additional education teacher_student; each municipality
  runs college_school and employer_student across its organisations (the programme's unit is the
  municipality), taking 10 % of its schools' student mentees. 10 % of programmes finished during
  the year; 30 % of teacher_student programmes work in groups (one mentor, 2–4 mentees);
* pairs and groups: ~80 % of the mentees who may be paired are, limited by mentors' capacity;
  of them 76 % active, 12 % ended and 3 % dissolved during the year, the rest approved,
  proposed, rejected or declined; pairs of finished programmes ended with their programme;
* meetings roughly every two weeks (14 ± 3 days) from activation to the end or today, 8 % of
  active pairs stopped meeting a while ago;
* survey responses from the real definitions (``domain/data/surveys``): a start survey for every
  member of a pair that started (90 % completed), an end survey in finished programmes (80 %),
  and a meeting survey after every fifth meeting, sides alternating (85 %);
* denominators (``OrgDenominator``) for this year and the last for 94 % of schools, colleges and
  institutions of additional education, never below what is registered.
"""
from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from db.base import UTCDateTime
from db.models import Base

BATCH = 50_000
SCHOOLS, COLLEGES, ADDITIONAL, EMPLOYERS = 1_300, 110, 60, 30
CAPITAL_ORGS = (430, 40, 20, 10)  # of each type, in the capital
TG_BASE = 5_000_000_000  # participants' Telegram ids: TG_BASE + user id

SURNAMES = (  # written with escapes: no Cyrillic in .py files outside tests
    '\u0418\u0432\u0430\u043d\u043e\u0432', '\u0421\u043c\u0438\u0440\u043d\u043e\u0432',
    '\u041a\u0443\u0437\u043d\u0435\u0446\u043e\u0432', '\u041f\u043e\u043f\u043e\u0432',
    '\u0412\u0430\u0441\u0438\u043b\u044c\u0435\u0432', '\u041f\u0435\u0442\u0440\u043e\u0432',
    '\u0421\u043e\u043a\u043e\u043b\u043e\u0432', '\u041c\u0438\u0445\u0430\u0439\u043b\u043e\u0432',
    '\u041d\u043e\u0432\u0438\u043a\u043e\u0432', '\u0424\u0451\u0434\u043e\u0440\u043e\u0432',
    '\u041c\u043e\u0440\u043e\u0437\u043e\u0432', '\u0412\u043e\u043b\u043a\u043e\u0432',
    '\u0410\u043b\u0435\u043a\u0441\u0435\u0435\u0432', '\u041b\u0435\u0431\u0435\u0434\u0435\u0432',
    '\u0421\u0435\u043c\u0451\u043d\u043e\u0432', '\u0415\u0433\u043e\u0440\u043e\u0432',
    '\u041f\u0430\u0432\u043b\u043e\u0432', '\u041a\u043e\u0437\u043b\u043e\u0432',
    '\u0421\u0442\u0435\u043f\u0430\u043d\u043e\u0432', '\u041d\u0438\u043a\u043e\u043b\u0430\u0435\u0432',
    '\u041e\u0440\u043b\u043e\u0432', '\u0410\u043d\u0434\u0440\u0435\u0435\u0432',
    '\u041c\u0430\u043a\u0430\u0440\u043e\u0432', '\u041d\u0438\u043a\u0438\u0442\u0438\u043d',
    '\u0417\u0430\u0445\u0430\u0440\u043e\u0432',
)
FIRST_NAMES = (  # written with escapes: no Cyrillic in .py files outside tests
    '\u0410\u043b\u0435\u043a\u0441\u0430\u043d\u0434\u0440', '\u0414\u043c\u0438\u0442\u0440\u0438\u0439',
    '\u041c\u0430\u043a\u0441\u0438\u043c', '\u0421\u0435\u0440\u0433\u0435\u0439',
    '\u0410\u043d\u0434\u0440\u0435\u0439', '\u0410\u043b\u0435\u043a\u0441\u0435\u0439',
    '\u0410\u0440\u0442\u0451\u043c', '\u0418\u043b\u044c\u044f', '\u041a\u0438\u0440\u0438\u043b\u043b',
    '\u041c\u0438\u0445\u0430\u0438\u043b', '\u0418\u0432\u0430\u043d', '\u0415\u0433\u043e\u0440',
    '\u0410\u043d\u043d\u0430', '\u041c\u0430\u0440\u0438\u044f', '\u0415\u043b\u0435\u043d\u0430',
    '\u041e\u043b\u044c\u0433\u0430', '\u041d\u0430\u0442\u0430\u043b\u044c\u044f',
    '\u0415\u043a\u0430\u0442\u0435\u0440\u0438\u043d\u0430', '\u0414\u0430\u0440\u044c\u044f',
    '\u041f\u043e\u043b\u0438\u043d\u0430', '\u0421\u043e\u0444\u0438\u044f',
    '\u0412\u0438\u043a\u0442\u043e\u0440\u0438\u044f', '\u0410\u043b\u0438\u0441\u0430',
    '\u041a\u0441\u0435\u043d\u0438\u044f',
)

# composition of an organisation: (role, category, share, (min age, max age))
COMPOSITION: dict[str, list[tuple[str, str, float, tuple[int, int]]]] = {
    "school": [("mentee", "young_specialist", 0.03, (22, 28)), ("mentor", "teacher", 0.17, (28, 64)),
               ("mentor", "school_student", 0.12, (14, 18)), ("mentee", "school_student", 0.68, (10, 18))],
    "college": [("mentee", "young_specialist", 0.04, (22, 28)), ("mentor", "teacher", 0.15, (28, 64)),
                ("mentor", "college_student", 0.16, (17, 21)), ("mentee", "college_student", 0.65, (15, 20))],
    "additional": [("mentor", "teacher", 0.25, (25, 64)), ("mentee", "school_student", 0.75, (10, 17))],
    "employer": [("mentor", "employer_rep", 1.0, (24, 58))],
}
WEIGHT = {"school": (100, 300), "college": (200, 450), "additional": (40, 140), "employer": (15, 45)}


def region_name(seed: int, participants: int) -> str:
    """The region's name doubles as the seed's signature, so a reused database is recognised."""
    return f"Bench region s{seed} p{participants}"


@dataclass
class SeedInfo:
    """What the benchmark needs to know about the seeded region."""

    region_id: int
    capital_id: int
    typical_municipality_id: int
    today: str
    counts: dict[str, int] = field(default_factory=dict)
    capital_participants: int = 0  # not erased: the rows of the participants export
    seconds: float = 0.0


# =============================================================================================
# writing
# =============================================================================================


def _sqlite_converter(col: Any) -> Callable[[Any], Any] | None:
    """How SQLAlchemy stores a value of this column in SQLite (so queries compare like with like)."""
    from sqlalchemy import JSON, Boolean, Date

    if isinstance(col.type, UTCDateTime):
        return lambda v: None if v is None else (
            f"{v.year:04d}-{v.month:02d}-{v.day:02d} {v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}")
    if isinstance(col.type, JSON):
        return lambda v: v if v is None or isinstance(v, str) else json.dumps(v)
    if isinstance(col.type, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(col.type, Boolean):
        return lambda v: None if v is None else int(v)
    return None


def _pg_converter(col: Any) -> Callable[[Any], Any] | None:
    from sqlalchemy import JSON

    if isinstance(col.type, JSON):
        return lambda v: v if v is None or isinstance(v, str) else json.dumps(v)
    return None


def _defaults(table: Any, given: Sequence[str], now: datetime) -> dict[str, Any]:
    """Model defaults of the columns the generator leaves out (they are Python-side defaults)."""
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name in given or col.default is None:
            continue
        d = col.default
        if d.is_scalar:
            out[col.name] = d.arg
        elif d.is_callable:
            value = d.arg(None)
            out[col.name] = now if isinstance(value, datetime) else value
    return out


class Sink:
    """Writes batches of tuples into a table, filling left-out columns with model defaults."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.counts: dict[str, int] = {}

    def _plan(self, name: str, columns: Sequence[str],
              conv: Callable[[Any], Any]) -> tuple[list[str], tuple[Any, ...], list[Any]]:
        table = Base.metadata.tables[name]
        extra = _defaults(table, columns, self.now)
        all_cols = list(columns) + list(extra)
        convs = [conv(table.c[c]) for c in all_cols]
        return all_cols, tuple(extra.values()), convs

    async def write(self, name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        raise NotImplementedError

    async def finish(self) -> None:
        raise NotImplementedError


class SqliteSink(Sink):
    def __init__(self, path: str, now: datetime) -> None:
        super().__init__(now)
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA foreign_keys=OFF")  # ids are consistent by construction
        self.conn.execute("PRAGMA synchronous=OFF")
        self.conn.execute("PRAGMA cache_size=-200000")
        self.conn.execute("BEGIN")

    async def write(self, name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        cols, extra, convs = self._plan(name, columns, _sqlite_converter)
        todo = [(i, f) for i, f in enumerate(convs) if f is not None]
        sql = f'INSERT INTO "{name}" ({", ".join(cols)}) VALUES ({", ".join("?" * len(cols))})'
        batch: list[Sequence[Any]] = []
        n = 0
        for row in rows:
            full = list(row + extra)
            for i, f in todo:
                full[i] = f(full[i])
            batch.append(full)
            if len(batch) >= BATCH:
                self.conn.executemany(sql, batch)
                n += len(batch)
                batch.clear()
        if batch:
            self.conn.executemany(sql, batch)
            n += len(batch)
        self.counts[name] = self.counts.get(name, 0) + n

    async def finish(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.conn.close()


class PgSink(Sink):
    def __init__(self, conn: Any, now: datetime) -> None:
        super().__init__(now)
        self.conn = conn
        self.tx: Any = None

    async def begin(self) -> None:
        self.tx = self.conn.transaction()
        await self.tx.start()

    async def write(self, name: str, columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> None:
        cols, extra, convs = self._plan(name, columns, _pg_converter)
        todo = [(i, f) for i, f in enumerate(convs) if f is not None]
        batch: list[tuple[Any, ...]] = []
        n = 0
        for row in rows:
            full = row + extra
            if todo:
                lst = list(full)
                for i, f in todo:
                    lst[i] = f(lst[i])
                full = tuple(lst)
            batch.append(full)
            if len(batch) >= BATCH:
                await self.conn.copy_records_to_table(name, records=batch, columns=cols)
                n += len(batch)
                batch.clear()
        if batch:
            await self.conn.copy_records_to_table(name, records=batch, columns=cols)
            n += len(batch)
        self.counts[name] = self.counts.get(name, 0) + n

    async def finish(self) -> None:
        await self.tx.commit()
        for name in self.counts:
            if "id" in Base.metadata.tables[name].c:
                await self.conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM \"{name}\"))")


# =============================================================================================
# generating
# =============================================================================================


@dataclass
class Person:
    id: int
    org: int
    role: str
    category: str
    birth_year: int
    status: str


@dataclass
class Prog:
    id: int
    unit: int
    form: str
    finished: bool
    group: bool
    starts: date
    ends: date
    mentors: list[tuple[int, int, str]] = field(default_factory=list)  # (member id, capacity, category)
    mentees: list[int] = field(default_factory=list)  # member ids of mentees who may be paired


class Generator:
    """Deterministic rows of the synthetic region (see the module docstring)."""

    def __init__(self, seed: int, participants: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.n = participants
        self.today = today
        self.now = datetime(today.year, today.month, today.day, 6, 0, tzinfo=UTC)
        self.orgs: list[tuple[int, int, str]] = []  # (id, municipality id, org type)
        self.municipalities: list[int] = []
        self.people: list[Person] = []
        self.by_org: dict[int, list[Person]] = {}
        self.progs: list[Prog] = []
        self.member_of: dict[int, tuple[int, int]] = {}  # member id → (participant id, programme id)
        self.pairs: list[tuple[int, Prog, int, list[int], str, date | None, date | None]] = []

    # --- helpers ------------------------------------------------------------------------------
    def dt(self, d: date, hour: int = 10) -> datetime:
        return datetime(d.year, d.month, d.day, hour, self.rng.randrange(60), tzinfo=UTC)

    def name(self) -> str:
        r = self.rng
        return f"{r.choice(SURNAMES)} {r.choice(FIRST_NAMES)}"

    # --- units ----------------------------------------------------------------------------------
    def units(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        rname = region_name(self.seed, self.n)
        rows.append((1, "region", None, rname, rname.casefold(), None, "Europe/Moscow", "1/", self.now))
        self.municipalities = list(range(2, 52))
        for mid in self.municipalities:
            nm = "Capital city" if mid == 2 else f"Municipality {mid - 1:02d}"
            rows.append((mid, "municipality", 1, nm, nm.casefold(), None, "Europe/Moscow", f"1/{mid}/", self.now))
        types: list[tuple[int, str]] = []
        totals = (SCHOOLS, COLLEGES, ADDITIONAL, EMPLOYERS)
        for kind, total, capital in zip(("school", "college", "additional", "employer"), totals, CAPITAL_ORGS,
                                        strict=True):
            types += [(2, kind)] * capital
            others = self.municipalities[1:]
            types += [(others[self.rng.randrange(len(others))], kind) for _ in range(total - capital)]
        uid = 52
        label = {"school": "School", "college": "College", "additional": "Centre", "employer": "Company"}
        for mid, kind in sorted(types):
            nm = f"{label[kind]} {uid - 51:04d}"
            rows.append((uid, "organisation", mid, nm, nm.casefold(), kind, "Europe/Moscow", f"1/{mid}/{uid}/",
                         self.now))
            self.orgs.append((uid, mid, kind))
            uid += 1
        return rows

    # --- participants and users --------------------------------------------------------------------
    def _sizes(self) -> dict[int, int]:
        """Participants per organisation: a third in the capital, in proportion to random weights."""
        weights = {oid: self.rng.uniform(*WEIGHT[kind]) for oid, _mid, kind in self.orgs}
        capital = [o for o, mid, _k in self.orgs if mid == 2]
        rest = [o for o, mid, _k in self.orgs if mid != 2]
        sizes: dict[int, int] = {}
        for group, total in ((capital, self.n // 3), (rest, self.n - self.n // 3)):
            w = sum(weights[o] for o in group)
            exact = {o: weights[o] * total / w for o in group}
            base = {o: int(v) for o, v in exact.items()}
            left = total - sum(base.values())
            for o in sorted(group, key=lambda o: exact[o] - base[o], reverse=True)[:left]:
                base[o] += 1
            sizes.update(base)
        return sizes

    def participants(self) -> Iterator[tuple[Any, ...]]:
        r = self.rng
        sizes = self._sizes()
        pid = 1
        year = self.today.year
        for oid, _mid, kind in self.orgs:
            n = sizes[oid]
            comp = COMPOSITION[kind]
            counts = [round(n * share) for _role, _cat, share, _ages in comp[:-1]]
            counts.append(n - sum(counts))
            people: list[Person] = []
            for (role, cat, _share, (lo, hi)), k in zip(comp, counts, strict=True):
                for _ in range(k):
                    age = r.randint(lo, hi)
                    by = year - age
                    minor = age < 18
                    x = r.random()
                    status = "erased" if x < 0.002 else ("awaiting_consent" if minor and x < 0.037 else "active")
                    p = Person(pid, oid, role, cat, by, status)
                    people.append(p)
                    reg = self.dt(self.today - timedelta(days=r.randint(400, 480)))
                    grade = max(1, min(11, age - 6)) if cat == "school_student" else None
                    course = max(1, min(4, age - 15)) if cat == "college_student" else None
                    cap = None if role != "mentor" else (
                        1 if cat == "school_student" else r.randint(1, 2) if cat == "college_student"
                        else r.randint(2, 5) if cat == "employer_rep" else r.randint(1, 4))
                    erased = status == "erased"
                    yield (pid, None if erased else pid, oid, role, cat, grade, course,
                           f"Company {oid}" if cat == "employer_rep" else None, by,
                           None if erased else self.name(), cap, "any", status, reg, reg,
                           reg + timedelta(days=2) if minor and status == "active" else None,
                           self.now - timedelta(days=r.randint(1, 90)) if erased else None)
                    pid += 1
            self.by_org[oid] = people
            self.people += people

    def users(self) -> Iterator[tuple[Any, ...]]:
        for p in self.people:
            if p.status != "erased":
                yield (p.id, TG_BASE + p.id, "ru", None, self.now - timedelta(days=400))

    # --- programmes and members -----------------------------------------------------------------------
    def _prog(self, unit: int, form: str, group: bool = False) -> Prog:
        r = self.rng
        finished = r.random() < 0.10
        starts = self.today - timedelta(days=r.randint(200, 400))
        ends = (self.today - timedelta(days=r.randint(20, 150)) if finished
                else self.today + timedelta(days=r.randint(60, 220)))
        prog = Prog(len(self.progs) + 1, unit, form, finished, group, starts, ends)
        self.progs.append(prog)
        return prog

    def programmes_and_members(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        r = self.rng
        members: list[tuple[Any, ...]] = []
        municipal: dict[int, dict[str, Prog]] = {}
        for mid in self.municipalities:
            kinds = {k for _o, m, k in self.orgs if m == mid}
            municipal[mid] = {}
            if "college" in kinds:
                municipal[mid]["college_school"] = self._prog(mid, "college_school")
            if "employer" in kinds:
                municipal[mid]["employer_student"] = self._prog(mid, "employer_student", r.random() < 0.5)

        def join(prog: Prog, p: Person, side: str, cap: int = 1) -> None:
            mem_id = len(members) + 1
            members.append((mem_id, prog.id, p.id, side, None, self.dt(prog.starts), None))
            self.member_of[mem_id] = (p.id, prog.id)
            if p.status != "active":
                return
            if side == "mentor":
                prog.mentors.append((mem_id, cap, p.category))
            else:
                prog.mentees.append(mem_id)

        for oid, mid, kind in self.orgs:
            people = [p for p in self.by_org[oid] if p.status != "erased"]
            mun = municipal[mid]
            if kind == "employer":
                for p in people:
                    if "employer_student" in mun:
                        join(mun["employer_student"], p, "mentor", r.randint(2, 5))
                continue
            ts = self._prog(oid, "teacher_student", r.random() < 0.3)
            tt = self._prog(oid, "teacher_teacher") if kind != "additional" else None
            ss = self._prog(oid, "student_student") if kind == "school" else None
            external = list(mun.values())
            for p in people:
                if p.role == "mentor" and p.category == "teacher":
                    join(tt if tt is not None and r.random() < 0.2 else ts, p, "mentor", r.randint(1, 4))
                elif p.role == "mentor" and p.category == "school_student":
                    join(ss or ts, p, "mentor")
                elif p.role == "mentor" and p.category == "college_student":
                    if "college_school" in mun:
                        join(mun["college_school"], p, "mentor", r.randint(1, 2))
                elif p.category == "young_specialist":
                    if tt is not None:
                        join(tt, p, "mentee")
                elif p.category == "school_student" and kind == "school" and external and r.random() < 0.10:
                    join(external[r.randrange(len(external))], p, "mentee")
                elif p.category == "school_student":
                    join(ss if ss is not None and r.random() < 0.5 else ts, p, "mentee")
                else:
                    join(ts, p, "mentee")
        programmes = [
            (p.id, p.unit, p.form, [], f"{p.form} {_school_year(p.starts)}", p.starts, p.ends, 14, p.group,
             "finished" if p.finished else "active", self.dt(p.starts - timedelta(days=10)),
             self.dt(p.ends) if p.finished else None)
            for p in self.progs
        ]
        return programmes, members

    # --- pairs ------------------------------------------------------------------------------------------
    def pairs_rows(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        r = self.rng
        pairs: list[tuple[Any, ...]] = []
        pair_mentees: list[tuple[Any, ...]] = []
        last_day = self.today - timedelta(days=1)
        for prog in self.progs:
            mentees = prog.mentees[:]
            r.shuffle(mentees)
            mentors = prog.mentors[:]
            r.shuffle(mentors)
            want = round(len(mentees) * 0.8)
            for mem_id, cap, _cat in mentors:
                if want <= 0:
                    break
                take = min(cap, want)
                groups = [mentees[:take]] if prog.group else [[m] for m in mentees[:take]]
                del mentees[:take]
                want -= take
                for group in groups:
                    x = r.random()
                    status = ("active" if x < 0.76 else "ended" if x < 0.88 else "dissolved" if x < 0.91
                              else "approved" if x < 0.95 else "proposed" if x < 0.98
                              else "rejected" if x < 0.99 else "declined")
                    latest = min(last_day, prog.ends) - timedelta(days=14)
                    start = prog.starts + timedelta(days=r.randint(14, 120))
                    activated = min(start, latest) if status in ("active", "ended", "dissolved") else None
                    ended = None
                    if prog.finished and status in ("active", "ended"):
                        status, ended = "ended", prog.ends
                    elif status in ("ended", "dissolved") and activated is not None:
                        span = (min(last_day, prog.ends) - activated).days
                        ended = activated + timedelta(days=max(7, int(span * r.uniform(0.3, 0.95))))
                    if status == "dissolved" and prog.finished:
                        ended = min(ended or prog.ends, prog.ends)
                    pair_id = len(pairs) + 1
                    created = self.dt(start - timedelta(days=7))
                    approved = status not in ("proposed", "rejected")
                    pairs.append((
                        pair_id, prog.id, mem_id, status, False, None, round(r.uniform(0.3, 0.95), 3),
                        "accepted" if activated else ("declined" if status == "declined" else None),
                        self.dt(start) if activated else None, created,
                        created + timedelta(days=2) if approved else None,
                        self.dt(activated) if activated else None,
                        self.dt(ended) if ended else None, 0,
                    ))
                    for m in group:
                        pair_mentees.append((len(pair_mentees) + 1, pair_id, m, None,
                                             "accepted" if activated else None,
                                             self.dt(activated) if activated else None))
                    self.pairs.append((pair_id, prog, mem_id, group, status, activated, ended))
        return pairs, pair_mentees

    # --- meetings and surveys ---------------------------------------------------------------------------
    def _answer_pools(self) -> dict[tuple[str, str, str], list[tuple[str, int, str, bool, int]]]:
        """Per (occasion, role, form): 200 complete and 50 partial answer sets of the right definition."""
        from domain.surveys import select_definition

        r = self.rng
        pools: dict[tuple[str, str, str], list[tuple[str, int, str, bool, int]]] = {}
        forms = {p.form for p in self.progs}
        for occasion in ("start", "end", "meeting"):
            for role in ("mentor", "mentee"):
                for form in forms:
                    d = select_definition(occasion, role, form)
                    pool = []
                    for i in range(250):
                        answers: dict[str, Any] = {}
                        for item in d.items:
                            if item.type == "scale":
                                answers[item.id] = min(10, max(1, round(r.gauss(7.6, 1.8))))
                            elif item.type == "single":
                                answers[item.id] = r.choice(item.option_codes)
                            elif item.type == "multi":
                                k = min(len(item.option_codes), r.randint(1, 2), item.max_choices or 9)
                                chosen = set(r.sample(item.option_codes, k))
                                answers[item.id] = [c for c in item.option_codes if c in chosen]
                            elif item.type == "yesno":
                                answers[item.id] = r.random() < 0.8
                            else:
                                answers[item.id] = None if not item.required or r.random() < 0.5 else "-"
                        complete = i < 200
                        if not complete:
                            cut = r.randint(1, max(1, len(d.items) - 1))
                            answers = dict(list(answers.items())[:cut])
                        pool.append((d.code, d.version, json.dumps(answers), complete, len(answers)))
                    pools[(occasion, role, form)] = pool
        return pools

    def meetings_and_surveys(self) -> tuple[Iterator[tuple[Any, ...]], Callable[[], Iterator[tuple[Any, ...]]]]:
        """Meetings stream; survey responses stream after it (they need the meeting ids)."""
        r = self.rng
        pools = self._answer_pools()
        surveys_of_meetings: list[tuple[int, int, date, int]] = []  # (meeting id, pair index, date, side)

        def meetings() -> Iterator[tuple[Any, ...]]:
            mid = 1
            for idx, (pair_id, _prog, mentor, group, status, activated, ended) in enumerate(self.pairs):
                if activated is None:
                    continue
                stop = ended or (self.today - timedelta(days=1))
                if status == "active" and r.random() < 0.08:
                    stop = max(activated, stop - timedelta(days=r.randint(30, 90)))
                day = activated + timedelta(days=r.randint(0, 6))
                n = 0
                while day <= stop:
                    logger = mentor if r.random() < 0.6 else group[0]
                    yield (mid, pair_id, logger, day, "offline" if r.random() < 0.7 else "online",
                           None if r.random() < 0.1 else 5 * r.randint(6, 18), None, self.dt(day, 17))
                    if n % 5 == 2:
                        surveys_of_meetings.append((mid, idx, day, n % 2))
                    mid += 1
                    n += 1
                    day += timedelta(days=14 + r.randint(-3, 3))

        def surveys() -> Iterator[tuple[Any, ...]]:
            sid = 1

            def row(occasion: str, kind: str, prog: Any, member: int, pair_id: int | None, role: str,
                    when: date, rate: float) -> tuple[Any, ...]:
                nonlocal sid
                pool = pools[(kind, role, prog.form)]
                code, version, answers, full, position = pool[
                    r.randrange(200) if r.random() < rate else 200 + r.randrange(50)]
                started = self.dt(when, 18)
                done = started + timedelta(minutes=r.randint(1, 20))
                out = (sid, code, version, occasion, kind, prog.id, member, pair_id, role, answers,
                       position, started, done, done if full else None, None)
                sid += 1
                return out

            # (member, occasion) is unique: a mentor of several pairs answers a programme's survey once
            seen: set[int] = set()
            for pair_id, prog, mentor, group, _status, activated, _ended in self.pairs:
                if activated is None:
                    continue
                for member, role in [(mentor, "mentor")] + [(m, "mentee") for m in group]:
                    if member in seen:
                        continue
                    seen.add(member)
                    yield row(f"start:{prog.id}", "start", prog, member, pair_id, role, activated, 0.9)
            ended_seen: set[int] = set()
            for pair_id, prog, mentor, group, status, _activated, ended in self.pairs:
                if not prog.finished or status != "ended" or ended is None:
                    continue
                for member, role in [(mentor, "mentor")] + [(m, "mentee") for m in group]:
                    if member in ended_seen:
                        continue
                    ended_seen.add(member)
                    yield row(f"end:{prog.id}", "end", prog, member, pair_id, role, ended, 0.8)
            for meeting_id, idx, day, side in surveys_of_meetings:
                pair_id, prog, mentor, group, _s, _a, _e = self.pairs[idx]
                member, role = (mentor, "mentor") if side else (group[0], "mentee")
                yield row(f"meeting:{meeting_id}", "meeting", prog, member, pair_id, role, day, 0.85)

        return meetings(), surveys

    # --- denominators ----------------------------------------------------------------------------------
    def denominators(self) -> list[tuple[Any, ...]]:
        r = self.rng
        rows = []
        did = 1
        for oid, _mid, kind in self.orgs:
            if kind == "employer" or r.random() < 0.06:
                continue
            people = [p for p in self.by_org[oid] if p.category in ("school_student", "college_student")]
            young = sum(1 for p in self.by_org[oid] if p.category == "young_specialist")
            for year in (self.today.year - 1, self.today.year):
                ages = [year - p.birth_year for p in people]
                reg_11_18 = sum(1 for a in ages if 11 <= a <= 18)
                reg_15_18 = sum(1 for a in ages if 15 <= a <= 18)
                total = max(len(people), round(len(people) * r.uniform(1.1, 2.6)))
                # never zero (the bot refuses zero) and never below what is registered
                rows.append((did, oid, year, max(1, total), max(1, reg_11_18, round(total * r.uniform(0.55, 0.7))),
                             max(1, reg_15_18, round(total * r.uniform(0.25, 0.35))), max(1, young + r.randint(0, 3)),
                             None,
                             self.now - timedelta(days=r.randint(1, 300))))
                did += 1
        return rows


def _school_year(d: date) -> str:
    y = d.year if d.month >= 8 else d.year - 1
    return f"{y}/{y + 1}"


# =============================================================================================
# the whole seed
# =============================================================================================

UNIT_COLS = ("id", "kind", "parent_id", "name", "name_key", "org_type", "timezone", "path", "created_at")
PARTICIPANT_COLS = ("id", "user_id", "org_id", "role", "category", "grade", "course", "company", "birth_year",
                    "full_name", "capacity", "format", "status", "registered_at", "updated_at",
                    "parental_consent_at", "erased_at")
USER_COLS = ("id", "tg_id", "locale", "full_name", "created_at")
PROGRAMME_COLS = ("id", "unit_id", "form", "role_models", "title", "starts_on", "ends_on", "meeting_interval_days",
                  "group_mode", "status", "created_at", "ended_at")
MEMBER_COLS = ("id", "programme_id", "participant_id", "side", "capacity", "joined_at", "left_at")
PAIR_COLS = ("id", "programme_id", "mentor_member_id", "status", "manual", "role_model", "score", "mentor_answer",
             "mentor_answered_at", "created_at", "approved_at", "activated_at", "ended_at", "version")
PAIR_MENTEE_COLS = ("id", "pair_id", "mentee_member_id", "score", "answer", "answered_at")
MEETING_COLS = ("id", "pair_id", "logged_by_member_id", "held_on", "format", "minutes", "topic", "created_at")
SURVEY_COLS = ("id", "survey_code", "survey_version", "occasion", "kind", "programme_id", "member_id", "pair_id",
               "role", "answers", "position", "started_at", "updated_at", "completed_at", "closed_at")
DENOM_COLS = ("id", "unit_id", "year", "students_total", "students_11_18", "students_15_18", "young_teachers",
              "updated_by_user_id", "updated_at")


async def fill(sink: Sink, seed: int, participants: int, today: date, log: Callable[[str], None]) -> SeedInfo:
    """Generate and write everything; returns what the benchmark needs."""
    t0 = time.perf_counter()
    g = Generator(seed, participants, today)
    await sink.write("units", UNIT_COLS, g.units())
    participants_rows = list(g.participants())  # users first: participants refer to them
    await sink.write("users", USER_COLS, g.users())
    await sink.write("participants", PARTICIPANT_COLS, participants_rows)
    del participants_rows
    log(f"units, participants, users: {time.perf_counter() - t0:.1f} s")
    programmes, members = g.programmes_and_members()
    await sink.write("programmes", PROGRAMME_COLS, programmes)
    await sink.write("programme_members", MEMBER_COLS, members)
    pairs, pair_mentees = g.pairs_rows()
    await sink.write("pairs", PAIR_COLS, pairs)
    await sink.write("pair_mentees", PAIR_MENTEE_COLS, pair_mentees)
    del programmes, members, pairs, pair_mentees
    log(f"programmes, members, pairs: {time.perf_counter() - t0:.1f} s")
    meetings, surveys = g.meetings_and_surveys()
    await sink.write("meetings", MEETING_COLS, meetings)
    log(f"meetings: {time.perf_counter() - t0:.1f} s")
    await sink.write("survey_responses", SURVEY_COLS, surveys())
    await sink.write("org_denominators", DENOM_COLS, g.denominators())
    log(f"surveys, denominators: {time.perf_counter() - t0:.1f} s")
    await sink.finish()
    mun = {oid: mid for oid, mid, _k in g.orgs}
    capital = sum(1 for p in g.people if p.status != "erased" and mun[p.org] == 2)
    sizes: dict[int, int] = {}
    for p in g.people:
        sizes[mun[p.org]] = sizes.get(mun[p.org], 0) + 1
    typical = sorted((n, m) for m, n in sizes.items() if m != 2)[len(sizes) // 2][1]
    return SeedInfo(region_id=1, capital_id=2, typical_municipality_id=typical, today=today.isoformat(),
                    counts=dict(sink.counts), capital_participants=capital, seconds=time.perf_counter() - t0)
