"""The numbers curators are judged by: KPIs of a scope against the official targets.

Indicators (codes, and the denominator field of ``OrgDenominator`` each is measured against):

* ``mentees_11_18`` — students aged 11–18 involved as mentees: participant role mentee, category
  school_student or college_student, age = year(as of) − birth year in 11..18; denominator
  ``students_11_18``.
* ``mentors_15_18`` — students aged 15–18 acting as mentors: role mentor, category
  school_student or college_student, age 15..18; denominator ``students_15_18``.
* ``young_teachers`` — young teachers involved as mentees: role mentee, category
  young_specialist; denominator ``young_teachers``.
* ``students_any`` — distinct participants of category school_student or college_student, in
  any role, involved; denominator ``students_total``.
* ``orgs_with_programme`` — organisations of type school, college or additional that run at
  least one programme: the programme's unit is the organisation, or the programme belongs to a
  municipality/region above it and one of its (present) members is registered in it.
  "Running" now = status active and already started; as of 31 December of year Y = its period
  (starts_on … ends_on, cut short by ended_at) intersects year Y. Denominator = the number of
  such organisations in the scope (no data entry needed).

"Involved": *now* = member (either side) of a pair or group whose status is active; *as of
31 December of year Y* = member of a pair or group whose active period (activated_at …
ended_at, or still going) intersects year Y (annual counting, as the statistical forms do;
moments are compared in UTC). A participant in several pairs counts once. Erased participants
keep their anonymous row (role, category, birth year, organisation) and still count for the
years they took part in; erasure ends their pairs (``domain.erasure``), and a mentee who left a
group that went on (``PairMentee.left_at``) is not involved now, and in a year only if they left
during it.

Denominators are entered per organisation and year and summed upward. For a year (the current
one for "now") each organisation's figure is the latest one entered for that year or earlier,
field by field. A share is computed only over the organisations that entered that denominator,
and its numerator is restricted to the same organisations, so a share never exceeds what it
measures; ``Figure.involved`` keeps the unrestricted count, and ``missing_denominators`` counts
the organisations (employers aside) that entered nothing at all.

Targets: defaults in ``domain/data/kpi_targets.json`` (the seeds; a year after the last listed
carries the last value, a year before the first takes the first), overridden per region, year
and indicator by ``KpiTarget`` rows. Target in persons = percent × denominator rounded to the
nearest with halves down (``ROUND_HALF_DOWN``), which reproduces the Armavir order exactly.
An indicator is below target when fewer persons are involved than the target in persons.

Speed: a handful of grouped aggregate queries over the subtree (organisations, involvement per
organisation, denominators, programme coverage); the rest is the pure arithmetic of
:func:`compute`, unit-tested against figures worked by hand. Scope prefixes are inlined in the
SQL (:func:`_in_subtree`) so that PostgreSQL's cached generic plans never guess them. No aiogram
here.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_DOWN, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Float, String, and_, case, cast, event, func, inspect, literal, or_, select, text, true, union_all
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from db.models import (
    KpiTarget,
    OrgDenominator,
    Pair,
    PairMentee,
    Participant,
    Programme,
    ProgrammeMember,
    SurveyResponse,
    Unit,
    User,
)
from domain.people import audit
from domain.rules import Invalid

INDICATORS: Final = ("mentees_11_18", "mentors_15_18", "young_teachers", "students_any", "orgs_with_programme")
FIELDS: Final = ("students_total", "students_11_18", "students_15_18", "young_teachers")
DENOMINATOR_OF: Final[dict[str, str | None]] = {
    "mentees_11_18": "students_11_18",
    "mentors_15_18": "students_15_18",
    "young_teachers": "young_teachers",
    "students_any": "students_total",
    "orgs_with_programme": None,
}
STUDENT_CATEGORIES: Final = ("school_student", "college_student")
PROGRAMME_ORG_TYPES: Final = ("school", "college", "additional")
DENOMINATOR_MAX: Final = 10_000_000
YEAR_MIN: Final = 2000
YEAR_MAX: Final = 2100
TARGETS_FILE: Final = Path(__file__).resolve().parent / "data" / "kpi_targets.json"
INVALID_CODES: Final = ("not-number", "not-positive", "too-small", "too-large", "field", "percent-range", "indicator",
                        "year")


# =============================================================================================
# results
# =============================================================================================
@dataclass
class Figure:
    """One indicator of one unit. ``share`` and ``target`` are per cent."""

    indicator: str
    numerator: int
    denominator: int | None
    share: float | None
    target: float | None
    target_count: int | None
    below: bool | None
    involved: int = 0  # the numerator over every organisation, with data or not

    @property
    def needed(self) -> int | None:
        """Persons (or organisations) still missing to reach the target."""
        if self.target_count is None:
            return None
        return max(0, self.target_count - self.numerator)


@dataclass
class UnitKpis:
    unit_id: int
    name: str
    kind: str
    figures: dict[str, Figure]
    missing_denominators: int

    @property
    def any_below(self) -> bool:
        return any(f.below for f in self.figures.values())


@dataclass
class OrgInput:
    """What the queries bring about one organisation; the arithmetic needs nothing else."""

    id: int
    name: str
    path: str
    org_type: str | None
    counts: dict[str, int] = field(default_factory=dict)  # indicator -> involved persons
    denominators: dict[str, int | None] = field(default_factory=dict)  # field -> figure
    has_programme: bool = False


# =============================================================================================
# pure arithmetic
# =============================================================================================
@lru_cache(maxsize=8192)  # a view of 500 organisations asks the same few thousand pairs again and again
def target_count(percent: float | Decimal | int, denominator: int) -> int:
    """Percent of denominator in persons, nearest with halves down (35 % of 10,371 = 3,630)."""
    exact = Decimal(str(percent)) * Decimal(denominator) / Decimal(100)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_DOWN))


def share_of(numerator: int, denominator: int | None) -> float | None:
    if not denominator:
        return None
    return numerator * 100.0 / denominator


def figure(indicator: str, orgs: list[OrgInput], target: float | None) -> Figure:
    """One indicator over a set of organisations (shares only over those with the denominator)."""
    if indicator == "orgs_with_programme":
        eligible = [o for o in orgs if o.org_type in PROGRAMME_ORG_TYPES]
        numerator = sum(1 for o in eligible if o.has_programme)
        denominator: int | None = len(eligible) or None
        involved = numerator
    else:
        fld = DENOMINATOR_OF[indicator]
        involved = sum(o.counts.get(indicator, 0) for o in orgs)
        with_data = [o for o in orgs if o.denominators.get(fld)]
        if with_data:
            denominator = sum(int(o.denominators[fld]) for o in with_data)
            numerator = sum(o.counts.get(indicator, 0) for o in with_data)
        else:
            denominator, numerator = None, involved
    tc = target_count(target, denominator) if target is not None and denominator else None
    below = numerator < tc if tc is not None else None
    return Figure(indicator, numerator, denominator, share_of(numerator, denominator), target, tc, below, involved)


def compute(unit_id: int, name: str, kind: str, orgs: list[OrgInput], targets: dict[str, float]) -> UnitKpis:
    figures = {ind: figure(ind, orgs, targets.get(ind)) for ind in INDICATORS}
    missing = sum(1 for o in orgs if o.org_type != "employer" and not any(o.denominators.get(f) for f in FIELDS))
    return UnitKpis(unit_id, name, kind, figures, missing)


def ordered_children(children: list[UnitKpis]) -> list[UnitKpis]:
    """Below-target units first, then by name."""
    return sorted(children, key=lambda k: (not k.any_below, k.name.casefold(), k.unit_id))


def latest_denominators(rows: list[tuple[int, int, dict[str, int | None]]], year: int) -> dict[int, dict[str, int | None]]:
    """(org id, year, fields) rows → per organisation, per field, the latest figure of ``year`` or earlier."""
    out: dict[int, dict[str, int | None]] = {}
    for org_id, row_year, values in sorted(rows, key=lambda r: r[1]):
        if row_year > year:
            continue
        current = out.setdefault(org_id, dict.fromkeys(FIELDS))
        for f in FIELDS:
            if values.get(f) is not None:
                current[f] = values[f]
    return out


@lru_cache(maxsize=1)
def default_targets() -> dict[str, dict[int, float]]:
    raw = json.loads(TARGETS_FILE.read_text(encoding="utf-8"))
    return {ind: {int(y): float(p) for y, p in raw[ind].items()} for ind in INDICATORS if ind in raw}


def default_target(indicator: str, year: int) -> float | None:
    """The seeds' figure for a year: the latest listed year up to it, else the first listed."""
    by_year = default_targets().get(indicator)
    if not by_year:
        return None
    earlier = [y for y in by_year if y <= year]
    return by_year[max(earlier)] if earlier else by_year[min(by_year)]


def parse_count(raw: Any) -> int:
    """A denominator as typed: digits, spaces and thin spaces allowed ("10 371"); positive."""
    text = re.sub(r"[\s\u00a0\u202f_]", "", str(raw if raw is not None else ""))
    if not re.fullmatch(r"[+-]?\d+", text):
        raise Invalid("not-number")
    value = int(text)
    if value <= 0:
        raise Invalid("not-positive")
    if value > DENOMINATOR_MAX:
        raise Invalid("too-large", max=DENOMINATOR_MAX)
    return value


def parse_percent(raw: Any) -> float:
    """A target in per cent, 0–100; "12,5" and "12.5 %" accepted."""
    text = str(raw if raw is not None else "").strip().rstrip("%").strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise Invalid("not-number") from None
    if not 0 <= value <= 100 or value != value:  # NaN check
        raise Invalid("percent-range")
    return round(value, 2)


# =============================================================================================
# queries
# =============================================================================================
def _year_bounds(year: int) -> tuple[datetime, datetime]:
    return datetime(year, 1, 1, tzinfo=timezone.utc), datetime(year + 1, 1, 1, tzinfo=timezone.utc)


def _pair_condition(as_of: date | None) -> Any:
    if as_of is None:
        return Pair.status == "active"
    start, end = _year_bounds(as_of.year)
    return and_(Pair.activated_at.is_not(None), Pair.activated_at < end,
                or_(Pair.ended_at.is_(None), Pair.ended_at >= start))


def _mentee_condition(as_of: date | None) -> Any:
    """A mentee still in the pair: one who left a group that went on (erasure) is involved no
    longer now, and in a year only if they left during it."""
    if as_of is None:
        return PairMentee.left_at.is_(None)
    start, _ = _year_bounds(as_of.year)
    return or_(PairMentee.left_at.is_(None), PairMentee.left_at >= start)


def _programme_condition(as_of: date | None, today: date) -> Any:
    if as_of is None:
        return and_(Programme.status == "active", Programme.starts_on <= today)
    start, _ = _year_bounds(as_of.year)
    return and_(Programme.starts_on <= date(as_of.year, 12, 31), Programme.ends_on >= date(as_of.year, 1, 1),
                or_(Programme.ended_at.is_(None), Programme.ended_at >= start))


async def _organisations(session: AsyncSession, root: Unit) -> dict[int, OrgInput]:
    rows = await session.execute(
        select(Unit.id, Unit.name, Unit.path, Unit.org_type)
        .where(Unit.kind == "organisation", _in_subtree(Unit.path, root.path)))
    return {i: OrgInput(i, n, p, t) for i, n, p, t in rows}


def _in_subtree(path: Any, prefix: str) -> Any:
    """``path`` starts with ``prefix``, the prefix written into the SQL text (not a parameter).

    Why: asyncpg prepares every statement and PostgreSQL switches a prepared statement to a
    generic plan after five runs when that looks no dearer; a generic plan cannot see a
    parameter's prefix, so it guesses how many rows it matches. For the capital (a third of the
    region) such a guess turned the programme-coverage join from 0.04 s into 13-25 s. With the
    prefix inline each scope is its own statement, planned with its real selectivity.
    Paths are digits and slashes; the literal is quoted by SQLAlchemy anyway.
    """
    return path.startswith(literal(prefix, String(), literal_execute=True))


def _ancestor_ids(root: Unit) -> list[int]:
    return [int(x) for x in root.path.strip("/").split("/") if x]


def _programmes_touching(root: Unit) -> Any:
    """Ids of the programmes whose pairs may hold participants of the scope: programmes of a
    unit inside it or above it (a programme's participants come from its unit's subtree)."""
    return (select(Programme.id).join(Unit, Unit.id == Programme.unit_id)
            .where(or_(_in_subtree(Unit.path, root.path), Unit.id.in_(_ancestor_ids(root)))))


def _involved_filter(dialect: str, root: Unit, as_of: date | None) -> Any:
    """"This participant is involved", in the form each database runs fastest (measured on the
    300,000-participant region of bench/monitoring.py).

    Sets: one set of the member ids of qualifying pairs (mentor side ∪ mentee side, only
    programmes of units in or above the scope: a programme's participants come from its unit's
    subtree), turned into participant ids, built once (an uncorrelated ``IN``); best on SQLite,
    and on PostgreSQL below the region, where the programmes prune most pairs. A region on
    PostgreSQL prunes nothing: there a semi-join per participant of the scope (``EXISTS``,
    over the covering indexes of migration 0005) costs about half as much.
    """
    cond = _pair_condition(as_of)
    if dialect == "postgresql" and root.kind == "region":
        as_mentor = select(Pair.id).where(Pair.mentor_member_id == ProgrammeMember.id, cond)
        as_mentee = (select(PairMentee.id).join(Pair, Pair.id == PairMentee.pair_id)
                     .where(PairMentee.mentee_member_id == ProgrammeMember.id, cond, _mentee_condition(as_of)))
        return (select(ProgrammeMember.id)
                .where(ProgrammeMember.participant_id == Participant.id,
                       or_(as_mentor.exists(), as_mentee.exists()))
                .exists())
    touching = Pair.programme_id.in_(_programmes_touching(root))
    member_ids = union_all(
        select(Pair.mentor_member_id).where(cond, touching),
        select(PairMentee.mentee_member_id).join(Pair, Pair.id == PairMentee.pair_id)
        .where(cond, touching, _mentee_condition(as_of)))
    return Participant.id.in_(select(ProgrammeMember.participant_id).where(ProgrammeMember.id.in_(member_ids)))


async def _involvement(session: AsyncSession, root: Unit, as_of: date | None, today: date) -> dict[int, dict[str, int]]:
    """Involved persons per organisation and indicator: one grouped query over the subtree's
    participants, each counted once however many pairs they are in."""
    year = (as_of or today).year
    student = Participant.category.in_(STUDENT_CATEGORIES)

    def aged(low: int, high: int) -> Any:
        return Participant.birth_year.between(year - high, year - low)

    conditions = {
        "mentees_11_18": and_(Participant.role == "mentee", student, aged(11, 18)),
        "mentors_15_18": and_(Participant.role == "mentor", student, aged(15, 18)),
        "young_teachers": and_(Participant.role == "mentee", Participant.category == "young_specialist"),
        "students_any": student,
    }
    involved = _involved_filter(session.get_bind().dialect.name, root, as_of)
    stmt = (select(Participant.org_id, *[func.sum(case((c, 1), else_=0)) for c in conditions.values()])
            .join(Unit, Unit.id == Participant.org_id)
            .where(_in_subtree(Unit.path, root.path), involved)
            .group_by(Participant.org_id))
    out: dict[int, dict[str, int]] = {}
    for org_id, *sums in await session.execute(stmt):
        out[org_id] = {ind: int(n or 0) for ind, n in zip(conditions, sums)}
    return out


async def _denominators(session: AsyncSession, root: Unit, year: int) -> dict[int, dict[str, int | None]]:
    rows = await session.execute(
        select(OrgDenominator.unit_id, OrgDenominator.year, *[getattr(OrgDenominator, f) for f in FIELDS])
        .join(Unit, Unit.id == OrgDenominator.unit_id)
        .where(_in_subtree(Unit.path, root.path), OrgDenominator.year <= year))
    return latest_denominators([(u, y, dict(zip(FIELDS, vals))) for u, y, *vals in rows], year)


async def _orgs_with_programme(session: AsyncSession, root: Unit, orgs: dict[int, OrgInput],
                               as_of: date | None, today: date) -> set[int]:
    """Ids of the scope's organisations that run a programme: their own, or one of a unit
    above them (municipality or region) with a present member registered in them.

    Why in steps: the programmes of non-organisation units that can reach the scope (units
    above it, or municipalities inside it) are few, so their ids and paths are fetched first,
    then only their members are looked up (by the programme index) and matched to the scope's
    organisations here. The former single join of programmes, members, participants and units
    (scope prefix and ``LIKE programme unit's path || '%'``) depended on the planner's guess of
    the prefix's rows; for the capital (a third of the region) a generic plan of it took 13-25 s
    instead of 0.05 s. Each step here has an indexed, well-estimated plan whatever the scope.
    """
    cond = _programme_condition(as_of, today)
    own = await session.scalars(
        select(Programme.unit_id).distinct().join(Unit, Unit.id == Programme.unit_id)
        .where(cond, Unit.kind == "organisation", _in_subtree(Unit.path, root.path)))
    running = set(own)
    programme_paths = dict((await session.execute(
        select(Programme.id, Unit.path).join(Unit, Unit.id == Programme.unit_id)
        .where(cond, Unit.kind != "organisation",
               or_(_in_subtree(Unit.path, root.path), Unit.id.in_(_ancestor_ids(root)))))).all())
    if not programme_paths:
        return running
    member_cond = ProgrammeMember.left_at.is_(None) if as_of is None else true()
    reached = await session.execute(
        select(ProgrammeMember.programme_id, Participant.org_id).distinct()
        .join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(ProgrammeMember.programme_id.in_(list(programme_paths)), member_cond))
    for programme_id, org_id in reached:
        org = orgs.get(org_id)
        # a programme reaches only its own unit's subtree
        if org is not None and org.path.startswith(programme_paths[programme_id]):
            running.add(org_id)
    return running


async def targets_for(session: AsyncSession, region_id: int, year: int) -> dict[str, float]:
    """Each indicator's target in per cent for a region and year: its override, else the seeds'."""
    out = {ind: t for ind in INDICATORS if (t := default_target(ind, year)) is not None}
    rows = await session.execute(select(KpiTarget.indicator, KpiTarget.percent)
                                 .where(KpiTarget.region_id == region_id, KpiTarget.year == year))
    for indicator, percent in rows:
        if indicator in INDICATORS:
            out[indicator] = float(percent)
    return out


def region_id_of(unit: Unit) -> int:
    return int(unit.path.split("/", 1)[0])


PG_TUNING: Final = (
    # JIT compilation costs more than it saves on these sub-second aggregates, and parallel
    # workers fight the bot for a small server's cores; enough memory keeps the sorts in RAM.
    "SET LOCAL jit = off",
    "SET LOCAL max_parallel_workers_per_gather = 0",
    "SET LOCAL work_mem = '32MB'",
)


async def _tune(session: AsyncSession) -> None:
    """PostgreSQL settings for the rest of this transaction (``SET LOCAL``: reset at its end)."""
    if session.get_bind().dialect.name == "postgresql":
        for statement in PG_TUNING:
            await session.execute(text(statement))


# =============================================================================================
# a short-lived cache of the organisations' inputs, for the views pressed in the bot
# =============================================================================================
# What the inputs are read from, and which columns of each the figures depend on (None: all).
# A committed write to one of these columns, by a session of this process, makes every cached
# input stale; a write to any other column does not. Why columns and not tables: the region's
# background rounds write to pairs all day (the silent-pair reminder and report marks, the
# optimistic-lock version), and when every such write emptied the cache a region's KPI view was
# recounted on almost every press (issue 10, measured on bench.region_day). A new participant is
# in no pair yet and changes no figure (registrations go on all day in a region); a new pair,
# member or programme, a deleted row of any of these, or a bulk statement whose columns cannot
# be told, counts as a change.
KPI_COLUMNS: Final[dict[type, frozenset[str] | None]] = {
    Unit: None,
    Participant: frozenset({"org_id", "role", "category", "birth_year"}),
    Programme: frozenset({"unit_id", "status", "starts_on", "ends_on", "ended_at"}),
    ProgrammeMember: frozenset({"programme_id", "participant_id", "left_at"}),
    Pair: frozenset({"programme_id", "mentor_member_id", "status", "activated_at", "ended_at"}),
    PairMentee: frozenset({"pair_id", "mentee_member_id", "left_at"}),
    OrgDenominator: None,
}
KPI_MODELS: Final = tuple(KPI_COLUMNS)
KPI_TABLES: Final = frozenset(m.__table__.name for m in KPI_MODELS)
_COLUMNS_BY_TABLE: Final = {m.__table__.name: cols for m, cols in KPI_COLUMNS.items()}
CACHE_TTL_SECONDS: Final = 120.0
CACHE_ENTRIES: Final = 64
_DIRTY = "kpi_inputs_dirty"


class _Generation:
    """Bumped when a session of this process commits a write the KPI inputs depend on."""

    value = 0


def _touches_inputs(session: Session) -> bool:
    for obj in session.deleted:
        if isinstance(obj, KPI_MODELS):
            return True
    for obj in session.dirty:
        if type(obj) not in KPI_COLUMNS:
            continue
        columns = KPI_COLUMNS[type(obj)]
        if columns is None:
            if session.is_modified(obj):
                return True
        else:
            state = inspect(obj)
            if any(state.attrs[a].history.has_changes() for a in columns):
                return True
    return any(isinstance(obj, KPI_MODELS) and not isinstance(obj, Participant) for obj in session.new)


@event.listens_for(Session, "before_flush")
def _mark_flush(session: Session, _context: Any, _instances: Any) -> None:
    if not session.info.get(_DIRTY) and _touches_inputs(session):
        session.info[_DIRTY] = True


def _set_columns(state: Any) -> set[str] | None:
    """The column names an ORM ``update()`` sets, or None when they cannot be told."""
    statement = state.statement
    if not hasattr(statement, "_values"):  # SQLAlchemy's (private) home of .values() moved
        return None
    keys: list[Any] = list(statement._values or ())  # noqa: SLF001 - ordered values live there too in 2.x
    parameters = state.parameters
    if isinstance(parameters, dict):
        parameters = [parameters]
    for row in parameters or ():  # update(Model) with rows of values (bulk by primary key)
        keys += list(row)
    names = set()
    for key in keys:
        name = key if isinstance(key, str) else getattr(key, "key", None)
        if not isinstance(name, str):
            return None
        names.add(name)
    return names or None


@event.listens_for(Session, "do_orm_execute")
def _mark_bulk(state: Any) -> None:
    """ORM ``update()``/``delete()``/``insert()`` statements bypass the flush (domain/pairing.py
    moves pairs between statuses that way, and marks silent pairs reminded)."""
    if (state.is_update or state.is_delete or state.is_insert) and not state.session.info.get(_DIRTY):
        table = getattr(state.statement, "table", None)
        name = getattr(table, "name", None)
        if name not in KPI_TABLES:
            return
        columns = _COLUMNS_BY_TABLE[name]
        if state.is_update and columns is not None:
            names = _set_columns(state)
            if names is not None and not names & columns:
                return
        state.session.info[_DIRTY] = True


@event.listens_for(Session, "after_commit")
def _bump(session: Session) -> None:
    if session.info.pop(_DIRTY, False):
        _Generation.value += 1


@dataclass
class _Entry:
    generation: int
    at: float
    orgs: dict[int, OrgInput]
    # unit_kpis' results over these inputs, by (targets, children): both are read fresh on every
    # press; when they are as before, so is the arithmetic (0.05 s for the capital's 500 children)
    computed: dict[tuple, tuple[UnitKpis, list[UnitKpis]]] = field(default_factory=dict)


class InputsCache:
    """The organisations' inputs of recent KPI views, so that a curator moving between the
    region, a municipality and back, or paging the children, does not recount 300,000 people
    for each press (issue 10: ≤ 1 s for a region, ≤ 0.5 s for a municipality, while the bot's
    background work competes for the same cores and database).

    An entry is (database, unit and its path, as of, today) → inputs. It is used only while no
    session of this process has committed a write to what the inputs are read from (see
    ``KPI_TABLES``; a generation counter bumped by SQLAlchemy session events) and for at most
    ``ttl`` seconds: the bound on how late a write made by another process (the admin shell,
    a second bot) shows. An entry computed while such a write commits keeps the generation it
    started with, so it is never served as newer than it is. Targets and children's names are
    read fresh on every press (cheap). ``clock`` is replaceable in tests.
    """

    def __init__(self, ttl: float = CACHE_TTL_SECONDS, entries: int = CACHE_ENTRIES,
                 clock: Any = None) -> None:
        import time

        self.ttl, self.entries = ttl, entries
        self.clock = clock or time.monotonic
        self._data: dict[tuple, _Entry] = {}
        self.hits = self.misses = 0

    @staticmethod
    def key(session: AsyncSession, root: Unit, as_of: date | None, today: date) -> tuple:
        bind = session.get_bind()
        return (id(bind), str(bind.url), root.id, root.path, as_of.year if as_of else None, today)

    async def inputs(self, session: AsyncSession, root: Unit, as_of: date | None, today: date
                     ) -> dict[int, OrgInput]:
        return (await self.entry(session, root, as_of, today)).orgs

    async def entry(self, session: AsyncSession, root: Unit, as_of: date | None, today: date) -> _Entry:
        key = self.key(session, root, as_of, today)
        found = self._data.get(key)
        now = self.clock()
        if found is not None and found.generation == _Generation.value and now - found.at < self.ttl:
            self.hits += 1
            self._data[key] = self._data.pop(key)  # most recently used last
            return found
        self.misses += 1
        generation = _Generation.value
        entry = _Entry(generation, now, await _inputs(session, root, as_of, today))
        self._data.pop(key, None)
        self._data[key] = entry
        while len(self._data) > self.entries:
            self._data.pop(next(iter(self._data)))
        return entry

    def clear(self) -> None:
        self._data.clear()


VIEWS_CACHE: Final = InputsCache()  # the bot's KPI views (handlers/kpi.py); the bench's domain figures use none


async def _inputs_via(cache: InputsCache | None, session: AsyncSession, root: Unit, as_of: date | None,
                      today: date) -> dict[int, OrgInput]:
    if cache is None:
        return await _inputs(session, root, as_of, today)
    return await cache.inputs(session, root, as_of, today)


async def _inputs(session: AsyncSession, root: Unit, as_of: date | None, today: date) -> dict[int, OrgInput]:
    year = (as_of or today).year
    await _tune(session)
    orgs = await _organisations(session, root)
    counts = await _involvement(session, root, as_of, today)
    dens = await _denominators(session, root, year)
    running = await _orgs_with_programme(session, root, orgs, as_of, today)
    for org in orgs.values():
        org.counts = counts.get(org.id, {})
        org.denominators = dens.get(org.id, dict.fromkeys(FIELDS))
        org.has_programme = org.id in running
    return orgs


def _child_id(root: Unit, org: OrgInput) -> int | None:
    rest = org.path[len(root.path):]
    return int(rest.split("/", 1)[0]) if rest else None


async def unit_kpis(session: AsyncSession, root: Unit, as_of: date | None, today: date,
                    cache: InputsCache | None = None) -> tuple[UnitKpis, list[UnitKpis]]:
    """The root's totals and its direct children (below-target first, then by name).

    ``as_of`` None = now; else as of 31 December of ``as_of.year``. ``cache``: see
    :class:`InputsCache` (the bot's views pass ``VIEWS_CACHE``).
    """
    entry = await cache.entry(session, root, as_of, today) if cache is not None else None
    orgs = entry.orgs if entry is not None else await _inputs(session, root, as_of, today)
    targets = await targets_for(session, region_id_of(root), (as_of or today).year)
    kids = [] if root.kind == "organisation" else \
        (await session.execute(select(Unit.id, Unit.name, Unit.kind).where(Unit.parent_id == root.id))).all()
    memo = (root.name, root.kind, tuple(sorted(targets.items())), tuple(tuple(k) for k in kids))
    if entry is not None and memo in entry.computed:
        return entry.computed[memo]
    result = _unit_kpis(root, orgs, targets, kids)
    if entry is not None:
        entry.computed[memo] = result
    return result


def _unit_kpis(root: Unit, orgs: dict[int, OrgInput], targets: dict[str, float], kids: list[Any]
               ) -> tuple[UnitKpis, list[UnitKpis]]:
    total = compute(root.id, root.name, root.kind, list(orgs.values()), targets)
    if root.kind == "organisation":
        return total, []
    grouped: dict[int, list[OrgInput]] = {k.id: [] for k in kids}
    for org in orgs.values():
        cid = _child_id(root, org)
        if cid in grouped:
            grouped[cid].append(org)
    children = [compute(k.id, k.name, k.kind, grouped[k.id], targets) for k in kids]
    return total, ordered_children(children)


async def org_kpis(session: AsyncSession, root: Unit, as_of: date | None, today: date,
                   cache: InputsCache | None = None) -> list[UnitKpis]:
    """Every organisation of the subtree (below-target first, then by name)."""
    orgs = await _inputs_via(cache, session, root, as_of, today)
    targets = await targets_for(session, region_id_of(root), (as_of or today).year)
    return ordered_children([compute(o.id, o.name, "organisation", [o], targets) for o in orgs.values()])


async def data_years(session: AsyncSession, root: Unit, today: date, limit: int = 6) -> list[int]:
    """Past years worth a view "as of 31 December": from the first programme or denominator of
    the scope's region (or the scope) to last year, the latest ``limit`` of them."""
    region_path = f"{region_id_of(root)}/"
    first_programme = await session.scalar(
        select(func.min(Programme.starts_on)).join(Unit, Unit.id == Programme.unit_id)
        .where(_in_subtree(Unit.path, region_path)))
    first_den = await session.scalar(
        select(func.min(OrgDenominator.year)).join(Unit, Unit.id == OrgDenominator.unit_id)
        .where(_in_subtree(Unit.path, root.path)))
    candidates = [y for y in (first_programme.year if first_programme else None, first_den) if y is not None]
    if not candidates:
        return []
    first = min(candidates)
    return list(range(max(first, today.year - limit), today.year))


async def progress_series(session: AsyncSession, root: Unit, today: date, cache: InputsCache | None = None
                          ) -> list[tuple[int | None, UnitKpis]]:
    """The root's KPIs as of 31 December of each year with data, then now (year None)."""
    out: list[tuple[int | None, UnitKpis]] = []
    for year in await data_years(session, root, today):
        out.append((year, await unit_kpis_total(session, root, date(year, 12, 31), today, cache)))
    out.append((None, await unit_kpis_total(session, root, None, today, cache)))
    return out


async def unit_kpis_total(session: AsyncSession, root: Unit, as_of: date | None, today: date,
                          cache: InputsCache | None = None) -> UnitKpis:
    orgs = await _inputs_via(cache, session, root, as_of, today)
    targets = await targets_for(session, region_id_of(root), (as_of or today).year)
    return compute(root.id, root.name, root.kind, list(orgs.values()), targets)


# =============================================================================================
# changes: denominators and targets
# =============================================================================================
async def registered_minimum(session: AsyncSession, org: Unit, year: int, fld: str) -> int:
    """Participants already registered in the organisation for that measure (erased rows
    included: they still count): a denominator may not be smaller."""
    student = Participant.category.in_(STUDENT_CATEGORIES)
    conditions = {
        "students_total": student,
        "students_11_18": and_(student, Participant.birth_year.between(year - 18, year - 11)),
        "students_15_18": and_(student, Participant.birth_year.between(year - 18, year - 15)),
        "young_teachers": Participant.category == "young_specialist",
    }
    if fld not in conditions:
        raise Invalid("field")
    n = await session.scalar(select(func.count()).select_from(Participant)
                             .where(Participant.org_id == org.id, conditions[fld]))
    return int(n or 0)


async def set_denominators(session: AsyncSession, org: Unit, year: int, fld: str, value: Any,
                           actor: User | None, now: datetime | None = None) -> OrgDenominator:
    """Store one denominator of an organisation for a year, after validation.

    Raises ``Invalid`` (codes in INVALID_CODES, shown as ``kpi-invalid-<code>``); nothing is
    saved then.
    """
    if fld not in FIELDS or org.kind != "organisation":
        raise Invalid("field")
    number = parse_count(value)
    minimum = await registered_minimum(session, org, year, fld)
    if number < minimum:
        raise Invalid("too-small", min=minimum)
    row = await session.scalar(select(OrgDenominator).where(OrgDenominator.unit_id == org.id,
                                                            OrgDenominator.year == year))
    if row is None:
        row = OrgDenominator(unit_id=org.id, year=year)
        session.add(row)
    setattr(row, fld, number)
    row.updated_by_user_id = actor.id if actor is not None else None
    if now is not None:
        row.updated_at = now
    await session.flush()
    await audit(session, "kpi.denominator", actor.id if actor else None, "unit", org.id, year=year, field=fld,
                value=number)
    return row


async def set_target(session: AsyncSession, region: Unit, year: int, indicator: str, value: Any,
                     actor: User | None, now: datetime | None = None) -> KpiTarget:
    """Override a region's target for one indicator and year (per cent, 0–100)."""
    if indicator not in INDICATORS:
        raise Invalid("indicator")
    if region.kind != "region":
        raise Invalid("field")
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise Invalid("year")
    percent = parse_percent(value)
    row = await session.scalar(select(KpiTarget).where(KpiTarget.region_id == region.id, KpiTarget.year == year,
                                                       KpiTarget.indicator == indicator))
    if row is None:
        row = KpiTarget(region_id=region.id, year=year, indicator=indicator, percent=percent)
        session.add(row)
    row.percent = percent
    row.updated_by_user_id = actor.id if actor is not None else None
    if now is not None:
        row.updated_at = now
    await session.flush()
    await audit(session, "kpi.target", actor.id if actor else None, "unit", region.id, year=year,
                indicator=indicator, percent=percent)
    return row


async def entered_denominators(session: AsyncSession, org: Unit, year: int) -> dict[str, int | None]:
    """What the organisation's figures are for a year (latest entered up to it), field by field."""
    return (await _denominators(session, org, year)).get(org.id, dict.fromkeys(FIELDS))


# =============================================================================================
# survey results (monitoring stage 1)
# =============================================================================================
def scale_item_ids() -> tuple[str, ...]:
    """Item ids that are 1–10 scales in every definition using them."""
    from domain.surveys import definitions

    scale, other = set(), set()
    for d in definitions().values():
        for item in d.items:
            (scale if item.type == "scale" else other).add(item.id)
    return tuple(sorted(scale - other))


async def survey_averages(session: AsyncSession, root: Unit, kind: str | None
                          ) -> dict[str, dict[str, tuple[float, int]]]:
    """form → item id → (average, answers) of completed responses of the scope's programmes.

    One grouped query; the database reads the JSON, and parses each document once: on
    PostgreSQL it is cast to jsonb once in a materialised CTE; on SQLite each item is extracted
    once in a materialised CTE (not once for the average and again for the count).
    """
    items = scale_item_ids()
    if not items:
        return {}
    scope = [SurveyResponse.completed_at.is_not(None), _in_subtree(Unit.path, root.path)]
    if kind is not None:
        scope.append(SurveyResponse.kind == kind)
    out: dict[str, dict[str, tuple[float, int]]] = defaultdict(dict)
    if session.get_bind().dialect.name == "postgresql":
        docs = (select(Programme.form.label("form"), cast(SurveyResponse.answers, JSONB).label("doc"))
                .join(Programme, Programme.id == SurveyResponse.programme_id)
                .join(Unit, Unit.id == Programme.unit_id).where(*scope)
                .cte("docs").prefix_with("MATERIALIZED"))
        values = [docs.c.doc[i].astext.cast(Float) for i in items]
        stmt = select(docs.c.form, *[func.avg(v) for v in values], *[func.count(v) for v in values]) \
            .group_by(docs.c.form)
        for form, *aggs in await session.execute(stmt):
            for i, a, n in zip(items, aggs[:len(items)], aggs[len(items):]):
                if n:
                    out[form][i] = (round(float(a), 2), int(n))
        return dict(out)
    rows = (select(Programme.form.label("form"),
                   *[SurveyResponse.answers[i].as_float().label(f"v{n}") for n, i in enumerate(items)])
            .join(Programme, Programme.id == SurveyResponse.programme_id)
            .join(Unit, Unit.id == Programme.unit_id).where(*scope)
            .cte("scale_values").prefix_with("MATERIALIZED"))
    cols = [rows.c[f"v{n}"] for n in range(len(items))]
    stmt = select(rows.c.form, *[func.avg(c) for c in cols], *[func.count(c) for c in cols]).group_by(rows.c.form)
    for form, *aggs in await session.execute(stmt):
        for i, a, n in zip(items, aggs[:len(items)], aggs[len(items):]):
            if n:
                out[form][i] = (round(float(a), 2), int(n))
    return dict(out)


__all__ = [
    "INDICATORS",
    "FIELDS",
    "DENOMINATOR_OF",
    "Figure",
    "UnitKpis",
    "OrgInput",
    "target_count",
    "compute",
    "figure",
    "unit_kpis",
    "unit_kpis_total",
    "InputsCache",
    "VIEWS_CACHE",
    "org_kpis",
    "targets_for",
    "default_target",
    "data_years",
    "progress_series",
    "set_denominators",
    "set_target",
    "registered_minimum",
    "entered_denominators",
    "survey_averages",
    "parse_count",
    "parse_percent",
]
