"""Roadmaps: what each unit must do by when, who answers for it, and reminders.

No aiogram here. Validators raise ``domain.rules.Invalid(code, **params)``; every code is listed
in ``INVALID_CODES`` and has a message ``rm-invalid-<code>`` in locales/*/roadmap.ftl.

**Template.** A unit's roadmap starts from ``domain/data/roadmap_templates.json`` (the target
model's stages per unit kind, dates as calendar days of an academic year 1 August → 31 July).
It is validated when this module is imported, so a broken template stops the bot at start-up
rather than at a curator's first tap. :func:`ensure_roadmap` creates the items the first time a
unit's roadmap is opened, with the dates of the *current* academic year. A template date that
has already passed then becomes today + ``LATE_START_DAYS``: a unit that starts in November
gets near-term tasks to catch up on, instead of a screen of items that are overdue from the
first second (and an instant burst of "missed" reminders to its curators and the level above).

**Monitoring windows.** Every programme brings two items (``survey_start`` due ``starts_on``
+ 30 days, or today + ``LATE_START_DAYS`` for a programme entered after that date; ``survey_end``
due ``ends_on``; kind ``monitoring``). They count as done as soon as
the survey occasion exists ("start:<programme id>" / "end:<programme id>"), and the open items
of a finished programme are cancelled: :func:`sync_windows` does both, run by the reminder job
and whenever a roadmap is shown (so nobody is reminded of a survey that was launched).

**Concurrency.** Every change names the ``version`` the curator saw; the update only applies
while the row still has it (one atomic UPDATE), else ``Invalid("stale")``: two curators at once
never overwrite each other silently.

**Reminders.** :func:`queue_reminders` (a scheduler job) adds to the curators' "needs your
attention" lists (``domain.attention``: one summary per curator, not a message per item, since
the templates give many items the same date and "missed" may come from many units below) the
latest reached stage of each open item: 7, 3 and 1 days before the due date and "missed" the day after
it, each at ``REMINDER_HOUR`` in the unit's zone. After downtime only the latest stage is sent,
not a burst of stale ones; the dedupe key names the item, its due date and the stage, so a
restart never sends twice and a moved due date gets fresh reminders. "Missed" also goes to the
curators of the unit one level up. An item leaves the list (and a queued summary) when the item is no
longer open, its due date or responsible changed, or the recipient is no longer a curator there
(the note to the level above survives a change of responsible: the item is still overdue).
An item whose responsible can no longer act on it (deleted, erased, unreachable, or no longer a
curator of the unit or above) reminds the unit's own curators instead (else the nearest level
above that has curators), one item each; those close once someone answerable is named.
Dates in reminders are written the recipient's way (:func:`fmt_day`).

A "before" stage whose moment fell before the item's last change is not sent (whoever just set
the date knows it). Known limit: the item has one ``updated_at``, so a title edit or a reassignment
made between a stage's moment and the job's next run (at most 30 minutes) skips that stage too.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date
from sqlalchemy import case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CuratorRole, OutboxMessage, Programme, RoadmapItem, SurveyOccasion, Unit, User
from domain import attention
from domain.curation import Access, unit_in_access
from domain.dates import parse_typed_date
from domain.outbox import enqueue, register_relevance
from domain.rules import UNIT_KINDS, Invalid, clean_text
from domain.text import shorten

log = logging.getLogger(__name__)

TEMPLATES_FILE = Path(__file__).resolve().parent / "data" / "roadmap_templates.json"

ITEM_KINDS = ("task", "monitoring", "stat_form", "meeting")
STATUSES = ("open", "done", "cancelled")
TITLE_MIN = 3
TITLE_MAX = 200
LATE_START_DAYS = 14  # a template date already past when the roadmap is created moves here
MAX_AHEAD_DAYS = 3 * 366  # a due date further away than this is a typing mistake
ACADEMIC_YEAR_START_MONTH = 8  # 1 August
START_WINDOW_DAYS = 30  # the start survey of a programme is due this long after it starts
WINDOW_CODES = ("survey_start", "survey_end")

REMINDER_HOUR = 9
# (stage, days before the due date); "missed" is the day after it
STAGES: tuple[tuple[str, int], ...] = (("d7", 7), ("d3", 3), ("d1", 1), ("missed", -1))
MISSED_LOOKBACK_DAYS = 14  # after a long downtime, "missed" is still sent this long after the date
KIND_REMIND = "roadmap"  # to the responsible curator
KIND_UP = "roadmap_up"  # "missed", to the curators one level up
# reminders are items of the curators' "needs your attention" lists (domain.attention): a date
# shared by several items (the templates give many the same one) or missed in many organisations
# below makes one message, not one per item; the newer stage of an item replaces the older one
ATT_DEADLINE = "deadline"
ATT_BELOW = "below"
CB_ITEM = "yi"  # handlers/roadmap.py RmItem(id, p): an item's view

INVALID_CODES = (
    "title-short", "title-long", "date-format", "date-past", "date-far", "responsible",
    "stale", "not-open", "not-done",
)

Translate = Callable[..., str]


# ---------------------------------------------------------------------------------------------
# the template (domain/data/roadmap_templates.json)
# ---------------------------------------------------------------------------------------------
class TemplateError(ValueError):
    """The template file is broken: raised at import, so the bot does not start with it."""


@dataclass(frozen=True)
class TemplateItem:
    code: str
    kind: str
    month: int
    day: int


_CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")


def parse_templates(raw: dict[str, Any]) -> dict[str, tuple[TemplateItem, ...]]:
    """Validate the template's data: every unit kind present, known item kinds, real calendar
    days (29 February is refused: it does not exist every year), unique ASCII codes per kind."""
    out: dict[str, tuple[TemplateItem, ...]] = {}
    for key in raw:
        if not key.startswith("_") and key != "version" and key not in UNIT_KINDS:
            raise TemplateError(f"unknown unit kind {key!r}")
    for unit_kind in UNIT_KINDS:
        entries = raw.get(unit_kind)
        if not isinstance(entries, list):
            raise TemplateError(f"{unit_kind}: a list of items is required")
        items: list[TemplateItem] = []
        seen: set[str] = set()
        for entry in entries:
            code = entry.get("code") if isinstance(entry, dict) else None
            if not isinstance(code, str) or not _CODE_RE.match(code) or code in seen or code in WINDOW_CODES:
                raise TemplateError(f"{unit_kind}: bad or repeated code {code!r}")
            seen.add(code)
            kind = entry.get("kind")
            if kind not in ITEM_KINDS:
                raise TemplateError(f"{unit_kind}/{code}: unknown kind {kind!r}")
            due = entry.get("due")
            if not isinstance(due, dict) or not isinstance(due.get("month"), int) \
                    or not isinstance(due.get("day"), int):
                raise TemplateError(f"{unit_kind}/{code}: due must be {{'month': m, 'day': d}}")
            try:
                date(2023, due["month"], due["day"])  # a year without 29 February
            except ValueError:
                raise TemplateError(f"{unit_kind}/{code}: no such day {due!r}") from None
            items.append(TemplateItem(code, kind, due["month"], due["day"]))
        out[unit_kind] = tuple(items)
    return out


def load_templates(path: Path = TEMPLATES_FILE) -> dict[str, tuple[TemplateItem, ...]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TemplateError(f"{path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise TemplateError(f"{path}: an object is required")
    return parse_templates(raw)


TEMPLATES = load_templates()


def template_codes() -> set[str]:
    """Every template code (each has a title ``rm-tpl-<code>`` in the locales)."""
    return {item.code for items in TEMPLATES.values() for item in items}


def academic_year_start(today: date) -> date:
    """1 August of the academic year ``today`` falls in."""
    year = today.year if today.month >= ACADEMIC_YEAR_START_MONTH else today.year - 1
    return date(year, ACADEMIC_YEAR_START_MONTH, 1)


def template_due(item: TemplateItem, today: date) -> date:
    """The item's date in the current academic year; a date already past becomes today +
    ``LATE_START_DAYS`` (see the module docstring)."""
    start = academic_year_start(today)
    year = start.year if item.month >= ACADEMIC_YEAR_START_MONTH else start.year + 1
    due = date(year, item.month, item.day)
    return due if due >= today else today + timedelta(days=LATE_START_DAYS)


# ---------------------------------------------------------------------------------------------
# validation of what a curator types
# ---------------------------------------------------------------------------------------------
def parse_title(text: str | None) -> str:
    title = clean_text(text)
    if len(title) < TITLE_MIN:
        raise Invalid("title-short", min=TITLE_MIN)
    if len(title) > TITLE_MAX:
        raise Invalid("title-long", max=TITLE_MAX)
    return title


def parse_due(text: str | date | None, today: date) -> date:
    """A due date as domain.dates reads it (DD.MM.YYYY, ISO, or a word such as "tomorrow" in any
    language of the bot); today or later, at most three years ahead."""
    due = parse_typed_date(text, today)
    if due < today:
        raise Invalid("date-past")
    if due > today + timedelta(days=MAX_AHEAD_DAYS):
        raise Invalid("date-far")
    return due


# ---------------------------------------------------------------------------------------------
# time zones and who is who
# ---------------------------------------------------------------------------------------------
def _valid_zone(name: str | None) -> bool:
    if not name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


async def unit_zone(session: AsyncSession, unit: Unit, default_tz: str) -> str:
    """The unit's zone, else the nearest ancestor's (the region's), else ``default_tz``."""
    if _valid_zone(unit.timezone):
        return unit.timezone  # type: ignore[return-value]
    ids = [int(p) for p in unit.path.strip("/").split("/") if p and int(p) != unit.id]
    if ids:
        rows = {u.id: u.timezone for u in (await session.scalars(select(Unit).where(Unit.id.in_(ids)))).all()}
        for uid in reversed(ids):
            if _valid_zone(rows.get(uid)):
                return rows[uid]  # type: ignore[return-value]
    return default_tz


def _path_ids(unit: Unit) -> list[int]:
    return [int(p) for p in unit.path.strip("/").split("/") if p]


async def candidates(session: AsyncSession, unit: Unit) -> list[User]:
    """Who may be responsible: users with a live curator role on the unit or an ancestor,
    the unit's own curators first."""
    ids = _path_ids(unit)
    rows = (await session.execute(
        select(User, CuratorRole.unit_id).join(CuratorRole, CuratorRole.user_id == User.id)
        .where(CuratorRole.unit_id.in_(ids), CuratorRole.revoked_at.is_(None), User.erased_at.is_(None))
    )).all()
    depth = {uid: i for i, uid in enumerate(ids)}
    best: dict[int, tuple[int, User]] = {}
    for user, unit_id in rows:
        d = depth.get(unit_id, -1)
        if user.id not in best or d > best[user.id][0]:
            best[user.id] = (d, user)
    ordered = sorted(best.values(), key=lambda du: (-du[0], (du[1].full_name or "").casefold(), du[1].id))
    return [user for _, user in ordered]


async def is_candidate(session: AsyncSession, unit: Unit, user_id: int | None) -> bool:
    """Whether the user may be responsible: a live curator role on the unit or above, and a
    person not erased (the same rule as :func:`candidates`, so a forged id cannot do more)."""
    if user_id is None:
        return False
    found = await session.scalar(
        select(CuratorRole.id).join(User, User.id == CuratorRole.user_id)
        .where(CuratorRole.user_id == user_id, CuratorRole.unit_id.in_(_path_ids(unit)),
               CuratorRole.revoked_at.is_(None), User.erased_at.is_(None)).limit(1))
    return found is not None


async def own_curators(session: AsyncSession, unit_id: int) -> list[User]:
    """Live curators of exactly this unit, oldest role first."""
    return list((await session.scalars(
        select(User).join(CuratorRole, CuratorRole.user_id == User.id)
        .where(CuratorRole.unit_id == unit_id, CuratorRole.revoked_at.is_(None), User.erased_at.is_(None))
        .order_by(CuratorRole.created_at, CuratorRole.id)
    )).all())


# ---------------------------------------------------------------------------------------------
# creating a roadmap, and lookups
# ---------------------------------------------------------------------------------------------
async def _lock_unit(session: AsyncSession, unit_id: int) -> None:
    """Serialise roadmap creation per unit (a row lock on PostgreSQL; SQLite's writers are
    serialised by BEGIN IMMEDIATE), so two curators opening it at once get one roadmap."""
    await session.execute(select(Unit.id).where(Unit.id == unit_id).with_for_update())


async def has_roadmap(session: AsyncSession, unit: Unit) -> bool:
    """Whether the template was applied: a template item (code set, no programme) exists."""
    found = await session.scalar(select(RoadmapItem.id).where(
        RoadmapItem.unit_id == unit.id, RoadmapItem.code.is_not(None), RoadmapItem.programme_id.is_(None)).limit(1))
    return found is not None


async def ensure_roadmap(session: AsyncSession, unit: Unit, actor_user: User | None, today: date,
                         t: Translate, now: datetime | None = None) -> int:
    """Create the unit's roadmap from the template the first time it is opened; returns how
    many items were created (0 when it existed). The responsible is the unit's own (oldest)
    curator, else the actor; titles are rendered in the actor's language (then plain text)."""
    if await has_roadmap(session, unit):
        return 0
    await _lock_unit(session, unit.id)
    if await has_roadmap(session, unit):
        return 0
    own = await own_curators(session, unit.id)
    responsible = own[0].id if own else (actor_user.id if actor_user is not None else None)
    moment = now or datetime.now(timezone.utc)
    actor_id = actor_user.id if actor_user is not None else None
    items = [
        RoadmapItem(unit_id=unit.id, code=tpl.code, kind=tpl.kind, title=shorten(t(f"rm-tpl-{tpl.code}"), TITLE_MAX, hard=True),
                    responsible_user_id=responsible, due_on=template_due(tpl, today), status="open",
                    created_by_user_id=actor_id, created_at=moment, updated_at=moment, version=0)
        for tpl in TEMPLATES[unit.kind]
    ]
    session.add_all(items)
    await session.flush()
    log.info("roadmap created: unit=%s items=%d", unit.id, len(items))
    return len(items)


async def item_in_access(session: AsyncSession, access: Access, item_id: int) -> tuple[RoadmapItem, Unit] | None:
    """An item is reachable exactly when its unit is; anything else is None, like a missing one."""
    item = await session.get(RoadmapItem, item_id, populate_existing=True)
    if item is None:
        return None
    unit = await unit_in_access(session, access, item.unit_id)
    if unit is None:
        return None
    return item, unit


_STATUS_ORDER = {"open": 0, "done": 1, "cancelled": 2}


async def list_items(session: AsyncSession, unit: Unit, page: int = 0, page_size: int = 8
                     ) -> tuple[list[RoadmapItem], int]:
    """The unit's items, one page, and the total: open ones first by due date (so the first
    page on a phone is what still needs doing, the overdue on top), then done, then cancelled."""
    total = await session.scalar(select(func.count()).select_from(RoadmapItem)
                                 .where(RoadmapItem.unit_id == unit.id)) or 0
    status_rank = case(_STATUS_ORDER, value=RoadmapItem.status, else_=len(_STATUS_ORDER))
    rows = await session.scalars(
        select(RoadmapItem).where(RoadmapItem.unit_id == unit.id)
        .order_by(status_rank, RoadmapItem.due_on, RoadmapItem.id)
        .offset(max(page, 0) * page_size).limit(page_size)
    )
    return list(rows.all()), total


def is_overdue(item: RoadmapItem, today: date) -> bool:
    return item.status == "open" and item.due_on < today


async def overdue_below(session: AsyncSession, unit: Unit, today: date, now: datetime | None = None
                        ) -> list[tuple[Unit, list[RoadmapItem]]]:
    """Open items past their date in the units strictly below ``unit``, grouped by unit (by
    name), each group by due date: what the curator one level up must chase. With ``now``, the
    subtree's monitoring windows are brought up to date first (:func:`sync_windows`), so a
    survey launched or a programme finished since the job's last run is not chased."""
    if now is not None:
        await sync_windows(session, now, unit, subtree=True)
    rows = (await session.execute(
        select(RoadmapItem, Unit).join(Unit, Unit.id == RoadmapItem.unit_id)
        .where(Unit.path.startswith(unit.path), Unit.id != unit.id, RoadmapItem.status == "open",
               RoadmapItem.due_on < today)
        .order_by(Unit.name, Unit.id, RoadmapItem.due_on, RoadmapItem.id)
    )).all()
    groups: dict[int, tuple[Unit, list[RoadmapItem]]] = {}
    for item, u in rows:
        groups.setdefault(u.id, (u, []))[1].append(item)
    return list(groups.values())


# ---------------------------------------------------------------------------------------------
# changes (optimistic version check)
# ---------------------------------------------------------------------------------------------
async def _apply(session: AsyncSession, item: RoadmapItem, version: int, now: datetime,
                 *, require: str | None = "open", **values: Any) -> RoadmapItem:
    """One atomic UPDATE guarded by the version the curator saw (and the status required)."""
    cond = [RoadmapItem.id == item.id, RoadmapItem.version == version]
    if require is not None:
        cond.append(RoadmapItem.status == require)
    result = await session.execute(
        update(RoadmapItem).where(*cond)
        .values(**values, updated_at=now, version=RoadmapItem.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(item)
    if result.rowcount != 1:
        if item.version != version:
            raise Invalid("stale")
        raise Invalid("not-done" if require == "done" else "not-open")
    return item


async def add_item(session: AsyncSession, unit: Unit, *, title: str, due: str | date, responsible_user_id: int,
                   actor_id: int | None, today: date, now: datetime) -> RoadmapItem:
    clean = parse_title(title)
    due_on = parse_due(due, today)
    if not await is_candidate(session, unit, responsible_user_id):
        raise Invalid("responsible")
    item = RoadmapItem(unit_id=unit.id, code=None, kind="task", title=clean, responsible_user_id=responsible_user_id,
                       due_on=due_on, status="open", created_by_user_id=actor_id, created_at=now, updated_at=now,
                       version=0)
    session.add(item)
    await session.flush()
    return item


async def edit_title(session: AsyncSession, item: RoadmapItem, text: str, version: int, now: datetime) -> RoadmapItem:
    return await _apply(session, item, version, now, title=parse_title(text))


async def edit_due(session: AsyncSession, item: RoadmapItem, text: str | date, version: int, today: date,
                   now: datetime) -> RoadmapItem:
    return await _apply(session, item, version, now, due_on=parse_due(text, today))


async def reassign(session: AsyncSession, item: RoadmapItem, unit: Unit, user_id: int, version: int,
                   now: datetime) -> RoadmapItem:
    if not await is_candidate(session, unit, user_id):
        raise Invalid("responsible")
    return await _apply(session, item, version, now, responsible_user_id=user_id)


async def complete(session: AsyncSession, item: RoadmapItem, version: int, actor_id: int | None,
                   now: datetime) -> RoadmapItem:
    return await _apply(session, item, version, now, status="done", done_at=now, done_by_user_id=actor_id)


async def reopen(session: AsyncSession, item: RoadmapItem, version: int, now: datetime) -> RoadmapItem:
    return await _apply(session, item, version, now, require="done", status="open", done_at=None,
                        done_by_user_id=None)


async def cancel(session: AsyncSession, item: RoadmapItem, version: int, now: datetime) -> RoadmapItem:
    return await _apply(session, item, version, now, status="cancelled")


# ---------------------------------------------------------------------------------------------
# programmes' monitoring windows
# ---------------------------------------------------------------------------------------------
def occasion_key(code: str, programme_id: int) -> str:
    return f"{'start' if code == 'survey_start' else 'end'}:{programme_id}"


async def add_programme_windows(session: AsyncSession, programme: Programme, actor: User | int | None) -> list[RoadmapItem]:
    """The programme's start and end survey windows on its unit's roadmap (titles in the
    creating curator's language). Called where a programme is created."""
    from bot.i18n import Translator  # framework-free (Fluent); imported lazily like domain.exports

    user = await session.get(User, actor) if isinstance(actor, int) else actor
    t = _translator(Translator).bind(user.locale if user is not None else None)
    responsible = user.id if user is not None and user.erased_at is None else None
    now = programme.created_at or datetime.now(timezone.utc)
    start_due = programme.starts_on + timedelta(days=START_WINDOW_DAYS)
    today = now.date()
    if start_due < today:  # a programme entered late in its school year: a near-term task, not a missed one
        start_due = min(today + timedelta(days=LATE_START_DAYS), programme.ends_on)
    dues = {"survey_start": start_due, "survey_end": programme.ends_on}
    items = [
        RoadmapItem(unit_id=programme.unit_id, code=code, kind="monitoring", programme_id=programme.id,
                    title=shorten(t(f"rm-window-{code}", programme=programme.title), TITLE_MAX, hard=True),
                    responsible_user_id=responsible, due_on=due, status="open",
                    created_by_user_id=responsible, created_at=now, updated_at=now, version=0)
        for code, due in dues.items()
    ]
    session.add_all(items)
    await session.flush()
    return items


_TRANSLATOR: list[Any] = []


def _translator(factory: Any) -> Any:
    if not _TRANSLATOR:
        _TRANSLATOR.append(factory())
    return _TRANSLATOR[0]


async def sync_windows(session: AsyncSession, now: datetime, unit: Unit | None = None, *,
                       subtree: bool = False) -> int:
    """Mark open monitoring windows done when their survey occasion exists; cancel the open
    items of finished programmes. ``unit`` limits it to one roadmap (with ``subtree``, to the
    roadmaps of the unit and everything below it). Returns rows changed."""
    cond = [RoadmapItem.status == "open", RoadmapItem.programme_id.is_not(None)]
    if unit is not None and subtree:
        cond.append(RoadmapItem.unit_id.in_(select(Unit.id).where(Unit.path.startswith(unit.path))))
    elif unit is not None:
        cond.append(RoadmapItem.unit_id == unit.id)
    rows = (await session.execute(
        select(RoadmapItem, Programme.status).join(Programme, Programme.id == RoadmapItem.programme_id).where(*cond)
    )).all()
    if not rows:
        return 0
    keys = {occasion_key(item.code, item.programme_id): item for item, _ in rows if item.code in WINDOW_CODES}
    occasions = {o.key: o for o in (await session.scalars(
        select(SurveyOccasion).where(SurveyOccasion.key.in_(list(keys))))).all()} if keys else {}
    changed = 0
    for item, programme_status in rows:
        occ = occasions.get(occasion_key(item.code, item.programme_id)) if item.code in WINDOW_CODES else None
        if occ is not None:
            values = {"status": "done", "done_at": occ.opened_at, "done_by_user_id": occ.opened_by_user_id}
        elif programme_status != "active":
            values = {"status": "cancelled"}
        else:
            continue
        result = await session.execute(
            update(RoadmapItem).where(RoadmapItem.id == item.id, RoadmapItem.status == "open")
            .values(**values, updated_at=now, version=RoadmapItem.version + 1)
            .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            changed += 1
            await session.refresh(item)  # keep the session's copy true for whoever renders it
    return changed


# ---------------------------------------------------------------------------------------------
# reminders
# ---------------------------------------------------------------------------------------------
def stage_moment(stage: str, due_on: date, zone: str) -> datetime:
    """When a stage falls: ``REMINDER_HOUR`` local on its day, as aware UTC."""
    days = dict(STAGES)[stage]
    return datetime.combine(due_on - timedelta(days=days), time(REMINDER_HOUR), tzinfo=ZoneInfo(zone)) \
        .astimezone(timezone.utc)


def latest_stage(due_on: date, zone: str, now: datetime, changed_at: datetime | None = None) -> str | None:
    """The latest stage reached by ``now`` (None before the first). A "before" stage that fell
    before the item was last changed is not sent: whoever just set the date knows it; "missed"
    always is (until ``MISSED_LOOKBACK_DAYS`` after the date)."""
    reached = None
    for stage, _days in STAGES:
        moment = stage_moment(stage, due_on, zone)
        if moment <= now:
            reached = (stage, moment)
    if reached is None:
        return None
    stage, moment = reached
    if stage == "missed":
        return stage if now - moment <= timedelta(days=MISSED_LOOKBACK_DAYS) else None
    if changed_at is not None and moment < changed_at:
        return None
    return stage


def remind_key(item: RoadmapItem, stage: str, user_id: int | None = None, up: bool = False) -> str:
    base = f"rm:{item.id}:{item.due_on.isoformat()}:{stage}"
    if up:
        return f"{base}:up:{user_id}"
    return base if user_id is None else f"{base}:u{user_id}"


def item_callback(item_id: int) -> str:
    """The packed callback of handlers/roadmap.py ``RmItem(id=item_id)`` (page 0)."""
    return f"{CB_ITEM}:{item_id}:0"


def fmt_day(d: date, locale: str | None) -> str:
    """A date as people of ``locale`` write it (babel): 10.12.2026 in Russian, 10 Dec 2026 in
    English. Reminders format it per recipient, since each outbox row has one reader."""
    lang = "en" if (locale or "").lower().startswith("en") else "ru"
    return format_date(d, "dd.MM.y" if lang == "ru" else "d MMM y", locale=lang)


def _reachable(user: User | None) -> bool:
    return user is not None and user.tg_id is not None and user.erased_at is None and user.unreachable_at is None


async def queue_reminders(session: AsyncSession, now: datetime, *, default_tz: str = "Europe/Moscow") -> int:
    """Queue the due reminders of every open item (see the module docstring); returns rows queued."""
    await sync_windows(session, now)
    today_utc = now.astimezone(timezone.utc).date()
    rows = (await session.execute(
        select(RoadmapItem, Unit).join(Unit, Unit.id == RoadmapItem.unit_id)
        .where(RoadmapItem.status == "open",
               RoadmapItem.due_on >= today_utc - timedelta(days=MISSED_LOOKBACK_DAYS + 2),
               RoadmapItem.due_on <= today_utc + timedelta(days=max(d for _, d in STAGES) + 1))
        .order_by(RoadmapItem.id)
    )).all()
    zones: dict[int, str] = {}
    due: list[tuple[RoadmapItem, Unit, str, str]] = []
    for item, unit in rows:
        if unit.id not in zones:
            zones[unit.id] = await unit_zone(session, unit, default_tz)
        zone = zones[unit.id]
        stage = latest_stage(item.due_on, zone, now, item.updated_at)
        if stage is not None:
            due.append((item, unit, stage, zone))
    done = await _existing_keys(session, [remind_key(item, stage) for item, _u, stage, _z in due])
    queued = 0
    for item, unit, stage, zone in due:
        if remind_key(item, stage) in done:  # the usual case after the first run: one query for all
            continue
        queued += await _queue_item(session, item, unit, stage, zone, now)
    return queued


async def _existing_keys(session: AsyncSession, keys: list[str], chunk: int = 500) -> set[str]:
    """Which of ``keys`` curators already have (attention items). The job runs every 30 minutes
    over every item near its date (thousands in a region); one look-up per chunk spares a round
    of queries per item once its stage was queued (the responsible's item and the notes above
    are written in one transaction, so the responsible's key stands for all of them)."""
    return await attention.existing_keys(session, keys, chunk=chunk)


async def _named_responsible(session: AsyncSession, item: RoadmapItem, unit: Unit) -> User | None:
    """The item's responsible while they can still be reminded of it: named, not erased,
    reachable, and still a curator of the unit or above. None sends the reminder to the
    unit's curators instead (see :func:`_stand_ins`), so an item whose responsible lost their
    role or left is not forgotten in silence."""
    if item.responsible_user_id is None:
        return None
    user = await session.get(User, item.responsible_user_id)
    if not _reachable(user) or not await is_candidate(session, unit, user.id):
        return None
    return user


async def _stand_ins(session: AsyncSession, unit: Unit) -> list[User]:
    """Who is reminded when nobody answerable is named: the unit's own live curators, else
    those of the nearest unit above that has any."""
    for unit_id in reversed(_path_ids(unit)):
        found = await own_curators(session, unit_id)
        if found:
            return found
    return []


async def _queue_item(session: AsyncSession, item: RoadmapItem, unit: Unit, stage: str, zone: str,
                      now: datetime) -> int:
    buttons = [[{"text_key": "rm-btn-open-item", "callback_data": item_callback(item.id)}]]

    def args(user: User) -> dict[str, Any]:
        return {"title": item.title, "unit": unit.name, "date": fmt_day(item.due_on, user.locale)}

    queued = 0
    responsible = await _named_responsible(session, item, unit)
    if responsible is not None:
        targets = [(responsible, remind_key(item, stage))]
    else:  # nobody answerable is named: the unit's curators, one row each
        targets = [(u, remind_key(item, stage, u.id)) for u in await _stand_ins(session, unit)]
    for user, key in targets:
        if not _reachable(user):
            continue
        added = await attention.add_item(session, user.id, ATT_DEADLINE, f"y{item.id}", args(user), key,
                                         key=f"rm-remind-{stage}", buttons=buttons, unit_id=unit.id, tz=zone,
                                         now=now)
        queued += added is not None
    if stage == "missed" and unit.parent_id is not None:
        skip = {u.id for u, _ in targets}
        for user in await own_curators(session, unit.parent_id):
            if user.id in skip or not _reachable(user):
                continue
            added = await attention.add_item(session, user.id, ATT_BELOW, f"y{item.id}", args(user),
                                             remind_key(item, stage, user.id, up=True), key="rm-remind-up",
                                             buttons=buttons, unit_id=unit.id, tz=zone, now=now)
            queued += added is not None
    return queued


def _parse_key(key: str | None) -> tuple[int, str, str] | None:
    parts = (key or "").split(":")
    if len(parts) < 4 or parts[0] != "rm":
        return None
    try:
        return int(parts[1]), parts[2], parts[3]
    except ValueError:
        return None


async def _live_role(session: AsyncSession, user_id: int | None, unit_ids: list[int]) -> bool:
    if user_id is None:
        return False
    found = await session.scalar(select(CuratorRole.id).where(
        CuratorRole.user_id == user_id, CuratorRole.unit_id.in_(unit_ids), CuratorRole.revoked_at.is_(None)).limit(1))
    return found is not None


async def _item_still(session: AsyncSession, row: OutboxMessage) -> tuple[RoadmapItem, Unit] | None:
    parsed = _parse_key(row.dedupe_key)
    if parsed is None:
        return None
    item_id, due, _stage = parsed
    item = await session.get(RoadmapItem, item_id, populate_existing=True)
    if item is None or item.status != "open" or item.due_on.isoformat() != due:
        return None
    unit = await session.get(Unit, item.unit_id)
    return (item, unit) if unit is not None else None


async def _remind_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    """Drop a reminder when the item is no longer open, its date or responsible changed, or
    the recipient is no longer a curator of the unit or above."""
    found = await _item_still(session, row)
    if found is None:
        return False
    item, unit = found
    if not await _live_role(session, row.user_id, _path_ids(unit)):
        return False
    named = await _named_responsible(session, item, unit)
    if (row.dedupe_key or "").split(":")[-1].startswith("u"):  # a stand-in's row: while nobody is named
        return named is None
    return named is not None and named.id == row.user_id


async def _up_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    """Drop a "missed" note to the level above when the item moved on or the recipient is no
    longer a curator of the parent unit."""
    found = await _item_still(session, row)
    if found is None:
        return False
    _item, unit = found
    return unit.parent_id is not None and await _live_role(session, row.user_id, [unit.parent_id])


register_relevance(KIND_REMIND, _remind_relevant)  # reminders queued as messages, before attention items
register_relevance(KIND_UP, _up_relevant)


def _items_check(relevant: Any) -> attention.Check:
    """An attention check from a reminder's relevance check: an item carries the reminder's
    dedupe key and recipient, which is all the check reads."""
    async def check(session: AsyncSession, items: list[Any], now: datetime) -> set[int]:
        return {i.id for i in items if await relevant(session, i)}
    return check


attention.register_kind(ATT_DEADLINE, order=80, check=_items_check(_remind_relevant))
attention.register_kind(ATT_BELOW, order=90, check=_items_check(_up_relevant))


__all__ = [
    "TemplateError", "TemplateItem", "TEMPLATES", "parse_templates", "load_templates", "template_codes",
    "academic_year_start", "template_due", "parse_title", "parse_due", "unit_zone", "candidates",
    "is_candidate", "own_curators", "ensure_roadmap", "has_roadmap", "item_in_access", "list_items",
    "is_overdue", "overdue_below", "add_item", "edit_title", "edit_due", "reassign", "complete", "reopen",
    "cancel", "add_programme_windows", "sync_windows", "stage_moment", "latest_stage", "remind_key",
    "item_callback", "fmt_day", "queue_reminders", "KIND_REMIND", "KIND_UP", "STAGES", "INVALID_CODES",
]
