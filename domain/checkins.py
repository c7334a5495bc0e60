"""The pairs' work (stage 6 of the target model): meetings, periodic check-ins, the fit question
after the first meeting, mentees' goals, and alerts to curators about pairs at risk.

**Check-ins.** Each side of an active pair is asked "Did you meet since <date>?" every
``meeting_interval_days`` of its programme, counted from the pair's last contact: its activation,
its last meeting (logged by either side) or the person's last check-in listing it
(:func:`next_due`). One check-in per person (participant, across all their programmes) lists
every pair of theirs that is due or nearly due (:func:`plan_checkin`), so a mentor of several
pairs, or a teacher in two programmes, gets one message; their pairs then fall into step. Answers: yes (the UI goes on to :func:`log_meeting` and the meeting
survey), no, or later (snoozed by ``SNOOZE``, at most ``MAX_SNOOZES`` times). A check-in still
unanswered when the next one comes is ``expired``; its buttons are refused from then on.

**Timing.** :func:`due_checkins` runs from the scheduler; a check-in due today is queued for
``CHECKIN_HOUR`` local time, or now if that has passed. The outbox holds it during quiet hours
and drops it when it is no longer relevant (answered, expired, all its pairs ended, or every
pair had a meeting logged since).

**At risk** (:func:`at_risk`, :func:`risk_alerts`): no meeting in twice the interval since
activation or the last meeting; a rating of ``LOW_SCALE`` or less in someone's latest survey
about the pair; a declined fit question; a participant who blocked the bot. Curators of the
programme's unit get one alert per pair, reason and ISO week (for events: the week the event
happened), so repeated runs never repeat an alert. A start or end survey is a pair's only when
the person had exactly one active pair; a low score in one tied to no pair (a mentor of several
pairs) gives one alert about the person, listing their pairs (:func:`person_alerts`).

Refusals raise ``domain.rules.Invalid(code, **params)``; every code is in ``INVALID_CODES`` and
the UI shows ``meet-invalid-<code>``. Texts are Fluent keys, listed in
``domain/data/surveys/TEXTS.md``. No aiogram here.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    CheckIn,
    Goal,
    Meeting,
    OutboxMessage,
    Pair,
    PairFit,
    PairMentee,
    Participant,
    Programme,
    ProgrammeMember,
    SurveyResponse,
    Unit,
    User,
)
from domain import attention, background, surveys
from domain.outbox import CLAIMED as OUTBOX_CLAIMED
from domain.outbox import PENDING as OUTBOX_PENDING
from domain.outbox import enqueue, register_relevance
from domain.dates import parse_typed_date
from domain.pairing import chunked
from domain.rules import Invalid, clean_text
from domain.text import BUTTON_MAX, shorten
from domain.units import curators_of_subtree_roots

log = logging.getLogger(__name__)

# --- rules -------------------------------------------------------------------------------------
CHECKIN_HOUR: Final = 16  # local hour a check-in is sent on its day (after lessons)
SNOOZE: Final = timedelta(days=1)
MAX_SNOOZES: Final = 3
HISTORY_DAYS: Final = 120  # how far back check-ins are read (longer than any interval × 2)
ID_CHUNK: Final = 500  # ids per IN list (SQLite takes at most 32,766 parameters a statement, PostgreSQL 32,767)
BATCH: Final = 1000  # people (check-ins), pairs or survey responses (alerts) per batch: one short transaction each
# ... the scheduler's runs size their batches by time (domain.background.Pace) between these two:
# below BATCH_MIN a batch's own reads (the window, its pairs, their history) would cost more than
# its rows, and a busy machine would shrink a round to a crawl
BATCH_MIN: Final = 50
RISK_FACTOR: Final = 2  # no meeting in RISK_FACTOR × interval puts a pair at risk
RISK_EVENT_WINDOW: Final = timedelta(days=14)  # low ratings and declined fits older than this are old news
LOW_SCALE: Final = surveys.LOW_SCALE

MEETING_FORMATS: Final = ("offline", "online")
DURATIONS: Final = (15, 30, 45, 60, 90, 120)  # minutes offered as buttons; any 1..MINUTES_MAX typed
MINUTES_MAX: Final = 600
TOPIC_MAX: Final = 200
GOAL_MAX: Final = 300
GOALS_PER_PAIR: Final = 5  # open goals of one mentee in one pair
FIT_REASON_MAX: Final = 500

ACTIVE: Final = "active"
PENDING: Final = "pending"
ANSWERED: Final = "answered"
EXPIRED: Final = "expired"
YES: Final = "yes"
NO: Final = "no"
LATER: Final = "later"
ANSWERS: Final = (YES, NO, LATER)

REASONS: Final = ("no-meeting", "low-rating", "fit-declined", "unreachable")

# --- outbox kinds, Fluent keys, callback data ----------------------------------------------------
KIND_CHECKIN: Final = "checkin"
KIND_RISK: Final = "risk-alert"  # the prefix of alerts' dedupe keys (alerts are attention items now)
# attention kinds (domain.attention): a pair (or a person) at risk, and "not a good match"; a pair's
# item has the ref p<pair> (its newest reason replaces an older one: one line per pair), a
# person's r<survey response>
ATT_RISK: Final = "risk"
ATT_FIT: Final = "fit"
KEY_ASK: Final = "checkin-ask"  # args: since (DD.MM.YYYY), partners (names), count (pairs)
KEY_BTN_YES: Final = "checkin-btn-yes"
KEY_BTN_NO: Final = "checkin-btn-no"
KEY_BTN_LATER: Final = "checkin-btn-later"
KEY_RISK: Final = {reason: f"risk-{reason}" for reason in REASONS}  # args: see TEXTS.md
KEY_RISK_OPEN: Final = "risk-btn-open"
KEY_RISK_REMATCH: Final = "risk-btn-rematch"
# a low start/end survey score from a person with several pairs (or none tied to the survey):
# args programme, who, survey (start | end), score, pairs ("mentor — mentees; ...")
KEY_RISK_PERSON: Final = "risk-low-rating-person"
KEY_RISK_OPEN_WITH: Final = "risk-btn-open-with"  # args: partners (the other side of that pair)
PERSON_ALERT_PAIRS: Final = 5  # pairs with an "open" button under a person's alert
CB_CHECKIN: Final = "wc"  # wc:<check-in id>:<y|n|l>
CB_RISK_OPEN: Final = "wr"  # wr:<pair id>: the pair's screen for the curator
CB_REMATCH: Final = "wm"  # wm:<pair id>: suggest someone else for this pair's mentee(s)
# (callback family w*: the pairs' work; domain.surveys uses ws/wa/wk, handlers may add more w*)
_ANSWER_LETTER: Final = {YES: "y", NO: "n", LATER: "l"}
_LETTER_ANSWER: Final = {v: k for k, v in _ANSWER_LETTER.items()}

#: every Fluent key this module sends (the survey keys are in ``surveys.all_text_keys()``)
MESSAGE_KEYS: Final = (KEY_ASK, KEY_BTN_YES, KEY_BTN_NO, KEY_BTN_LATER, *KEY_RISK.values(), KEY_RISK_OPEN,
                       KEY_RISK_REMATCH, KEY_RISK_PERSON, KEY_RISK_OPEN_WITH)

INVALID_CODES: Final = (
    "date-format", "date-future", "date-before-pair", "format", "minutes", "topic-too-long",
    "not-in-pair", "pair-not-active", "checkin-unknown", "checkin-expired", "checkin-answered",
    "answer", "snooze-limit", "pairs-ended", "fit-too-early", "fit-answered", "reason-too-long",
    "not-mentee", "goal-empty", "goal-too-long", "goals-too-many", "goal-unknown", "progress",
)


# =============================================================================================
# pure rules
# =============================================================================================
@dataclass(frozen=True)
class PairClock:
    """What the schedule needs to know about one pair, seen by one of its people."""

    pair_id: int
    interval_days: int
    activated_on: date
    last_meeting_on: date | None = None
    last_checkin_on: date | None = None  # this person's last check-in listing the pair
    last_answered_on: date | None = None  # ... of those, the last one answered yes/no


def last_contact(p: PairClock) -> date:
    """From when the next check-in is counted."""
    return max(d for d in (p.activated_on, p.last_meeting_on, p.last_checkin_on) if d is not None)


def next_due(p: PairClock) -> date:
    return last_contact(p) + timedelta(days=p.interval_days)


def since(p: PairClock) -> date:
    """The last *known* contact: activation, a meeting, or a check-in the person answered."""
    return max(d for d in (p.activated_on, p.last_meeting_on, p.last_answered_on) if d is not None)


def group_ahead(interval_days: int) -> int:
    """Pairs due within this many days are asked together with one due today."""
    return max(1, interval_days // 4)


@dataclass(frozen=True)
class Plan:
    due_on: date
    since: date
    pair_ids: tuple[int, ...]


def plan_checkin(pairs: Sequence[PairClock], today: date) -> Plan | None:
    """One person's check-in for ``today``, or None when none of their pairs is due. It lists
    every pair due today or within :func:`group_ahead` days (so the pairs fall into step)."""
    if not any(next_due(p) <= today for p in pairs):
        return None
    listed = [p for p in pairs if next_due(p) <= today + timedelta(days=group_ahead(p.interval_days))]
    return Plan(today, min(since(p) for p in listed), tuple(sorted(p.pair_id for p in listed)))


def snooze_until(snoozes: int, now: datetime) -> datetime:
    """When a snoozed check-in asks again; ``snooze-limit`` after ``MAX_SNOOZES``."""
    if snoozes >= MAX_SNOOZES:
        raise Invalid("snooze-limit", max=MAX_SNOOZES)
    return now + SNOOZE


def local_moment(day: date, hour: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def local_today(now: datetime, tz: str) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def fmt_date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def parse_meeting_date(raw: str | date | None, today: date, pair_start: date) -> date:
    """A meeting's date as :func:`domain.dates.parse_typed_date` reads it (words such as "yesterday"
    in any language of the bot, DD.MM.YYYY, or DD.MM of the current year). Refused: ``date-format``,
    ``date-future``, ``date-before-pair`` (with ``start``)."""
    held = parse_typed_date(raw, today, year_optional=True)
    if held > today:
        raise Invalid("date-future")
    if held < pair_start:
        raise Invalid("date-before-pair", start=fmt_date(pair_start))
    return held


def parse_minutes(raw: int | str | None) -> int:
    if isinstance(raw, bool):
        raise Invalid("minutes", max=MINUTES_MAX)
    if isinstance(raw, str) and re.fullmatch(r"\s*\d{1,4}\s*", raw):
        raw = int(raw)
    if not isinstance(raw, int) or not 1 <= raw <= MINUTES_MAX:
        raise Invalid("minutes", max=MINUTES_MAX)
    return raw


def parse_topic(raw: str | None) -> str | None:
    topic = clean_text(raw)
    if not topic:
        return None
    if len(topic) > TOPIC_MAX:
        raise Invalid("topic-too-long", max=TOPIC_MAX)
    return topic


def parse_progress(raw: int | str | None) -> int:
    """Goal progress in percent: 0..100 (also "50" or "50%")."""
    if isinstance(raw, bool):
        raise Invalid("progress")
    if isinstance(raw, str):
        m = re.fullmatch(r"\s*(\d{1,3})\s*%?\s*", raw)
        if not m:
            raise Invalid("progress")
        raw = int(m[1])
    if not isinstance(raw, int) or not 0 <= raw <= 100:
        raise Invalid("progress")
    return raw


def is_in_pair(member_id: int, mentor_member_id: int, mentee_member_ids: Iterable[int]) -> bool:
    """Authorisation: the member is this pair's mentor or one of its (staying) mentees."""
    return member_id == mentor_member_id or member_id in set(mentee_member_ids)


def iso_week(d: date) -> str:
    year, week, _ = d.isocalendar()
    return f"{year}w{week:02d}"


@dataclass(frozen=True)
class RiskFacts:
    """What the at-risk rules need about one active pair (dates are local to its organisation)."""

    pair_id: int
    interval_days: int
    activated_on: date
    last_meeting_on: date | None = None
    low_ratings: tuple[tuple[date, int], ...] = ()  # (day, lowest scale) of latest surveys with a score ≤ 4
    declined_fits: tuple[date, ...] = ()  # days "not a good match" was answered
    unreachable: int = 0  # people of the pair who blocked the bot (or are gone)


@dataclass(frozen=True)
class Alert:
    pair_id: int
    reason: str  # one of REASONS
    period: str  # ISO week: of today for states, of the event for events
    value: int = 0  # days without a meeting, the lowest score, the number of people unreachable


def at_risk(facts: Iterable[RiskFacts], today: date) -> list[Alert]:
    """Alerts, at most one per pair, reason and period."""
    out: dict[tuple[int, str, str], Alert] = {}

    def add(alert: Alert) -> None:
        key = (alert.pair_id, alert.reason, alert.period)
        if key not in out or alert.value < out[key].value and alert.reason == "low-rating":
            out[key] = alert

    for f in facts:
        contact = max(d for d in (f.activated_on, f.last_meeting_on) if d is not None)
        quiet = (today - contact).days
        if quiet >= RISK_FACTOR * f.interval_days:
            add(Alert(f.pair_id, "no-meeting", iso_week(today), quiet))
        for day, score in f.low_ratings:
            if score <= LOW_SCALE:
                add(Alert(f.pair_id, "low-rating", iso_week(day), score))
        for day in f.declined_fits:
            add(Alert(f.pair_id, "fit-declined", iso_week(day)))
        if f.unreachable:
            add(Alert(f.pair_id, "unreachable", iso_week(today), f.unreachable))
    return sorted(out.values(), key=lambda a: (a.pair_id, REASONS.index(a.reason), a.period))


# =============================================================================================
# database helpers
# =============================================================================================
def _start_of(pair: Pair) -> datetime:
    return pair.activated_at or pair.approved_at or pair.created_at


async def _zone(session: AsyncSession, programme_id: int, default_tz: str, cache: dict[int, str] | None = None) -> str:
    if cache is not None and programme_id in cache:
        return cache[programme_id]
    programme = await session.get(Programme, programme_id)
    zone = await surveys.programme_zone(session, programme, default_tz) if programme else default_tz
    if cache is not None:
        cache[programme_id] = zone
    return zone


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    """Distinct ids (sorted) in lists of at most ``ID_CHUNK``: never an unbounded IN list (the
    databases cap the parameters of one statement)."""
    return chunked(ids, ID_CHUNK)


async def _staying(session: AsyncSession, pair_ids: Iterable[int]) -> dict[int, list[int]]:
    """pair id -> staying mentee member ids (in PairMentee id order)."""
    found: list[tuple[int, int, int]] = []
    for chunk in _chunks(pair_ids):
        found.extend((await session.execute(
            select(PairMentee.id, PairMentee.pair_id, PairMentee.mentee_member_id)
            .where(PairMentee.pair_id.in_(chunk),
                   PairMentee.left_at.is_(None),
                   or_(PairMentee.answer.is_(None), PairMentee.answer != surveys.DECLINED_ANSWER))
        )).all())
    out: dict[int, list[int]] = defaultdict(list)
    for _, pair_id, member_id in sorted(found):
        out[pair_id].append(member_id)
    return out


@dataclass
class Person:
    member: ProgrammeMember
    participant: Participant
    user: User | None

    @property
    def present(self) -> bool:
        return self.member.left_at is None and self.participant.status != "erased"

    @property
    def name(self) -> str:
        return self.participant.full_name or "—"


async def _people(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, Person]:
    out: dict[int, Person] = {}
    for chunk in _chunks(member_ids):
        for m, p, u in (await session.execute(
            select(ProgrammeMember, Participant, User)
            .join(Participant, Participant.id == ProgrammeMember.participant_id)
            .outerjoin(User, User.id == Participant.user_id)
            .where(ProgrammeMember.id.in_(chunk))
        )).all():
            out[m.id] = Person(m, p, u)
    return out


async def _people_light(session: AsyncSession, member_ids: Iterable[int]) -> dict[int, Person]:
    """:func:`_people` for the batch jobs, read as plain columns: building ORM objects for every
    member, participant and user of a region was most of a run's time. The people carry only
    what the jobs read (ids, ``left_at``, status, name, the user's reachability) and are not
    in the session."""
    out: dict[int, Person] = {}
    for chunk in _chunks(member_ids):
        for row in (await session.execute(
            select(ProgrammeMember.id, ProgrammeMember.left_at, Participant.id, Participant.status,
                   Participant.full_name, Participant.user_id, User.id, User.tg_id, User.erased_at,
                   User.unreachable_at)
            .join(Participant, Participant.id == ProgrammeMember.participant_id)
            .outerjoin(User, User.id == Participant.user_id)
            .where(ProgrammeMember.id.in_(chunk))
        )).all():
            mid, left_at, pid, status, name, user_id, uid, tg_id, erased_at, unreachable_at = row
            user = None if uid is None else SimpleNamespace(id=uid, tg_id=tg_id, erased_at=erased_at,
                                                            unreachable_at=unreachable_at)
            out[mid] = Person(SimpleNamespace(id=mid, left_at=left_at, participant_id=pid),  # type: ignore[arg-type]
                              SimpleNamespace(id=pid, status=status, full_name=name, user_id=user_id),  # type: ignore[arg-type]
                              user)  # type: ignore[arg-type]
    return out


async def _last_meetings(session: AsyncSession, pair_ids: Iterable[int]) -> dict[int, date]:
    """pair id -> the day of its last meeting (aggregated in SQL: one row per pair)."""
    out: dict[int, date] = {}
    for chunk in _chunks(pair_ids):
        rows = await session.execute(
            select(Meeting.pair_id, func.max(Meeting.held_on)).where(Meeting.pair_id.in_(chunk))
            .group_by(Meeting.pair_id)
        )
        out.update({pair_id: held for pair_id, held in rows.all()})
    return out


async def member_of_user(session: AsyncSession, pair: Pair, user_id: int | None) -> ProgrammeMember | None:
    """The user's present member in this pair (the mentor or a staying mentee), else None."""
    if user_id is None:
        return None
    mentor, mentees = await surveys.pair_member_ids(session, pair)
    for person in (await _people(session, [mentor, *mentees])).values():
        if person.present and person.participant.user_id == user_id:
            return person.member
    return None


async def _check_member(session: AsyncSession, pair: Pair, member: ProgrammeMember) -> None:
    """``pair-not-active`` or ``not-in-pair`` unless the member may act for this pair now."""
    fresh = await session.get(Pair, pair.id, populate_existing=True)
    if fresh is None or fresh.status != ACTIVE:
        raise Invalid("pair-not-active")
    if await surveys.present_member(session, member.id) is None or not await surveys.in_pair(session, fresh, member.id):
        raise Invalid("not-in-pair")


# =============================================================================================
# check-ins
# =============================================================================================
def _checkin_key(participant_id: int, due_on: date, snoozes: int = 0) -> str:
    """The outbox dedupe key of a person's check-in of a day (``p`` marks a person: older rows
    named a programme member, ``checkin:<member id>:<day>``, and are still understood)."""
    base = f"{KIND_CHECKIN}:p{participant_id}:{due_on.strftime('%Y%m%d')}"
    return base if snoozes == 0 else f"{base}:{snoozes}"


def checkin_callback(checkin_id: int, answer: str) -> str:
    return f"{CB_CHECKIN}:{checkin_id}:{_ANSWER_LETTER[answer]}"


def parse_checkin_callback(data: str) -> tuple[int, str]:
    """(check-in id, answer) of a ``wc:`` button; ``checkin-unknown`` for forged data."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != CB_CHECKIN or not parts[1].isdigit() or parts[2] not in _LETTER_ANSWER:
        raise Invalid("checkin-unknown")
    return int(parts[1]), _LETTER_ANSWER[parts[2]]


def _checkin_buttons(checkin_id: int, snoozes: int) -> list[list[dict[str, Any]]]:
    row = [{"text_key": KEY_BTN_YES, "callback_data": checkin_callback(checkin_id, YES)},
           {"text_key": KEY_BTN_NO, "callback_data": checkin_callback(checkin_id, NO)}]
    if snoozes < MAX_SNOOZES:
        row.append({"text_key": KEY_BTN_LATER, "callback_data": checkin_callback(checkin_id, LATER)})
    return [row]


async def _person_of(session: AsyncSession, checkin: CheckIn) -> int | None:
    """The participant a check-in asks (rows older than the column: their member's participant)."""
    if checkin.participant_id is not None:
        return checkin.participant_id
    return await session.scalar(select(ProgrammeMember.participant_id).where(ProgrammeMember.id == checkin.member_id))


@dataclass(frozen=True)
class Listed:
    """One pair of a check-in, with the person's own member in it (pairs of several programmes
    give one person several members)."""

    pair: Pair
    member: ProgrammeMember
    programme: Programme


async def listed_pairs(session: AsyncSession, checkin: CheckIn) -> list[Listed]:
    """The check-in's pairs that are still active and that the person is still in (not erased,
    not left that programme), in pair id order: what the UI lists and a "yes" chooses from."""
    ids = list(checkin.pair_ids or ())
    participant_id = await _person_of(session, checkin)
    if not ids or participant_id is None:
        return []
    participant = await session.get(Participant, participant_id, populate_existing=True)
    if participant is None or participant.status == "erased":
        return []
    mine = {m.id: m for m in (await session.scalars(
        select(ProgrammeMember).where(ProgrammeMember.participant_id == participant_id,
                                      ProgrammeMember.left_at.is_(None))
        .execution_options(populate_existing=True)
    )).all()}
    rows = (await session.execute(
        select(Pair, Programme).join(Programme, Programme.id == Pair.programme_id)
        .where(Pair.id.in_(ids), Pair.status == ACTIVE).order_by(Pair.id)
        .execution_options(populate_existing=True)
    )).all()
    staying = await _staying(session, [p.id for p, _ in rows])
    out: list[Listed] = []
    for pair, programme in rows:
        member_id = next((m for m in (pair.mentor_member_id, *staying[pair.id]) if m in mine), None)
        if member_id is not None:
            out.append(Listed(pair, mine[member_id], programme))
    return out


async def checkin_pairs(session: AsyncSession, checkin: CheckIn) -> list[Pair]:
    """The check-in's pairs that are still active and still the person's."""
    return [entry.pair for entry in await listed_pairs(session, checkin)]


async def _partners(session: AsyncSession, participant_id: int, pair_ids: Sequence[int]) -> str:
    """The names of the other side of these pairs, for the question. When the pairs belong to
    several programmes, each programme's names are followed by its title in brackets."""
    rows: list[tuple[Pair, Programme]] = []
    for chunk in _chunks(pair_ids):
        rows.extend((await session.execute(
            select(Pair, Programme).join(Programme, Programme.id == Pair.programme_id).where(Pair.id.in_(chunk))
        )).all())
    rows.sort(key=lambda row: row[0].id)
    staying = await _staying(session, [p.id for p, _ in rows])
    people = await _people(session, {m for p, _ in rows for m in (p.mentor_member_id, *staying[p.id])})
    return _partners_text(participant_id, rows, staying, people)


def _partners_text(participant_id: int, rows: Sequence[tuple[Pair, Programme]], staying: dict[int, list[int]],
                   people: dict[int, Person]) -> str:
    """:func:`_partners` from rows already read (pairs in id order): the batch job has them."""
    by_programme: dict[int, list[str]] = {}
    titles: dict[int, str] = {}
    for pair, programme in rows:
        mentor = people.get(pair.mentor_member_id)
        if mentor is not None and mentor.participant.id == participant_id:
            wanted = staying[pair.id]
        else:
            wanted = [pair.mentor_member_id]
        names = by_programme.setdefault(programme.id, [])
        titles[programme.id] = programme.title
        for mid in wanted:
            if mid in people and people[mid].name not in names:
                names.append(people[mid].name)
    if len(by_programme) <= 1:
        return ", ".join(n for names in by_programme.values() for n in names) or "—"
    return "; ".join(f"{', '.join(names) or '—'} ({titles[pid]})" for pid, names in by_programme.items())


async def _enqueue_checkin(session: AsyncSession, checkin: CheckIn, participant_id: int, user: User, tz: str,
                           due_at: datetime, partners: str | None = None) -> bool:
    if partners is None:
        partners = await _partners(session, participant_id, checkin.pair_ids)
    row = await enqueue(
        session, user_id=user.id, chat_id=user.tg_id, kind=KIND_CHECKIN, key=KEY_ASK,
        args={"since": fmt_date(checkin.since), "partners": partners, "count": len(checkin.pair_ids)},
        buttons=_checkin_buttons(checkin.id, checkin.snoozes), due_at=due_at, tz=tz,
        dedupe_key=_checkin_key(participant_id, checkin.due_on, checkin.snoozes),
    )
    return row is not None


async def _history(session: AsyncSession, person_ids: Iterable[int], member_ids: Iterable[int],
                   from_day: date) -> list[CheckIn]:
    """These people's check-ins from ``from_day`` on, oldest first: by person, and by member for
    rows older than the person column that never got one. Id lists go in chunks (PostgreSQL
    takes at most 32,767 parameters a statement)."""
    found: dict[int, CheckIn] = {}
    for column, ids in ((CheckIn.participant_id, person_ids), (CheckIn.member_id, member_ids)):
        for chunk in _chunks(ids):
            stmt = select(CheckIn).where(column.in_(chunk), CheckIn.due_on >= from_day)
            if column is CheckIn.member_id:
                stmt = stmt.where(CheckIn.participant_id.is_(None))
            for c in (await session.scalars(stmt)).all():
                found[c.id] = c
    return sorted(found.values(), key=lambda c: (c.due_on, c.id))


def _zone_named(name: str | None, default_tz: str) -> str:
    """:func:`surveys.zone_name` of a unit with this zone column."""
    return surveys.zone_name(Unit(timezone=name), default_tz)


async def _earliest_today(session: AsyncSession, now: datetime, default_tz: str) -> date | None:
    """The earliest local today among the zones of active pairs (None: no active pair): the
    check-in history is read from ``HISTORY_DAYS`` before it, the same day for every batch."""
    zones = (await session.scalars(
        select(Unit.timezone).distinct().select_from(Pair)
        .join(Programme, Programme.id == Pair.programme_id).join(Unit, Unit.id == Programme.unit_id)
        .where(Pair.status == ACTIVE, Programme.status == ACTIVE)
    )).all()
    return min((local_today(now, _zone_named(z, default_tz)) for z in zones), default=None)


async def _next_window(session: AsyncSession, after: int, size: int) -> int | None:
    """The last participant id of the next window of ``size`` participants after ``after``."""
    ids = (await session.scalars(
        select(Participant.id).where(Participant.id > after).order_by(Participant.id).limit(size))).all()
    return ids[-1] if ids else None


async def _pairs_of_window(session: AsyncSession, lo: int, hi: int) -> list[tuple[Pair, Programme, Unit]]:
    """Active pairs of active programmes with someone of participants ``lo < id <= hi`` in them
    (as mentor or staying mentee), in pair id order. Joins on ranges: no id lists."""
    window = (ProgrammeMember.participant_id > lo, ProgrammeMember.participant_id <= hi)
    as_mentor = (select(Pair.id).join(ProgrammeMember, ProgrammeMember.id == Pair.mentor_member_id)
                 .where(*window, Pair.status == ACTIVE))
    as_mentee = (select(PairMentee.pair_id).join(ProgrammeMember, ProgrammeMember.id == PairMentee.mentee_member_id)
                 .join(Pair, Pair.id == PairMentee.pair_id)
                 .where(*window, Pair.status == ACTIVE,
                        PairMentee.left_at.is_(None),
                        or_(PairMentee.answer.is_(None), PairMentee.answer != surveys.DECLINED_ANSWER)))
    ids = set((await session.scalars(as_mentor)).all()) | set((await session.scalars(as_mentee)).all())
    rows: list[tuple[Pair, Programme, Unit]] = []
    for chunk in _chunks(ids):
        rows.extend((await session.execute(
            select(Pair, Programme, Unit)
            .join(Programme, Programme.id == Pair.programme_id).join(Unit, Unit.id == Programme.unit_id)
            .where(Pair.id.in_(chunk), Pair.status == ACTIVE, Programme.status == ACTIVE)
        )).all())
    rows.sort(key=lambda row: row[0].id)
    return rows


async def _checkin_batch(session: AsyncSession, now: datetime, lo: int, hi: int, earliest: date, *,
                         default_tz: str, send_hour: int) -> int:
    """Today's check-ins of participants ``lo < id <= hi`` (see :func:`due_checkins`): every pair
    of theirs is read with them, so a person's check-in is decided within one batch."""
    rows = await _pairs_of_window(session, lo, hi)
    if not rows:
        return 0
    pair_ids = [pair.id for pair, _, _ in rows]
    staying = await _staying(session, pair_ids)
    last_meeting = await _last_meetings(session, pair_ids)
    member_ids = {pair.mentor_member_id for pair, _, _ in rows} | {m for ms in staying.values() for m in ms}
    people = await _people_light(session, member_ids)  # the window's people and their partners (names)
    person_of = {mid: p.participant.id for mid, p in people.items() if lo < p.participant.id <= hi}

    history = await _history(session, set(person_of.values()), person_of.keys(), earliest - timedelta(days=HISTORY_DAYS))
    last_checkin: dict[tuple[int, int], date] = {}
    last_answered: dict[tuple[int, int], date] = {}
    asked_on: dict[int, set[date]] = defaultdict(set)
    open_ones: dict[int, list[CheckIn]] = defaultdict(list)
    for c in history:
        pid = c.participant_id if c.participant_id is not None else person_of.get(c.member_id)
        if pid is None:
            continue
        asked_on[pid].add(c.due_on)
        if c.status == PENDING:
            open_ones[pid].append(c)
        for pair_id in c.pair_ids or ():
            last_checkin[(pid, pair_id)] = c.due_on
            if c.status == ANSWERED and c.answer in (YES, NO):
                last_answered[(pid, pair_id)] = c.due_on

    per_person: dict[int, list[PairClock]] = defaultdict(list)
    member_in: dict[tuple[int, int], int] = {}  # (person, pair) -> their member in it
    zone_of: dict[int, str] = {}
    for pair, programme, unit in rows:
        tz = surveys.zone_name(unit, default_tz)
        today = local_today(now, tz)
        if today > programme.ends_on:
            continue
        activated = _start_of(pair).astimezone(ZoneInfo(tz)).date()
        for mid in (pair.mentor_member_id, *staying[pair.id]):
            person = people.get(mid)
            if mid not in person_of or person is None or not person.present or not surveys.reachable(person.user):
                continue
            if person.participant.status != "active":  # a minor awaiting a parent's consent
                continue
            pid = person.participant.id
            zone_of.setdefault(pid, tz)
            member_in[(pid, pair.id)] = mid
            per_person[pid].append(PairClock(
                pair.id, programme.meeting_interval_days, activated, last_meeting.get(pair.id),
                last_checkin.get((pid, pair.id)), last_answered.get((pid, pair.id)),
            ))

    by_id = {pair.id: (pair, programme) for pair, programme, _ in rows}
    queued = 0
    for pid in sorted(per_person):
        tz = zone_of[pid]
        today = local_today(now, tz)
        if today in asked_on[pid]:
            continue
        plan = plan_checkin(per_person[pid], today)
        if plan is None:
            continue
        first_member = member_in[(pid, plan.pair_ids[0])]
        due_at = max(now, local_moment(plan.due_on, send_hour, tz))
        checkin = CheckIn(member_id=first_member, participant_id=pid, due_on=plan.due_on, due_at=due_at,
                          since=plan.since, pair_ids=list(plan.pair_ids), status=PENDING, snoozes=0, created_at=now)
        try:
            async with session.begin_nested():
                session.add(checkin)
                await session.flush()
        except IntegrityError:  # a concurrent run created it
            continue
        for old in open_ones[pid]:
            old.status = EXPIRED
        partners = _partners_text(pid, [by_id[i] for i in plan.pair_ids], staying, people)
        queued += await _enqueue_checkin(session, checkin, pid, people[first_member].user, tz, due_at, partners)
    await session.flush()
    return queued


async def _batches(open_session: OpenSession, step: Callable[[AsyncSession, int, int], Any],
                   pace: background.Pace) -> int:
    """Run ``step(session, after, size) -> (count, next after | None)`` until it says there is no
    more. ``open_session`` gives an async context manager per batch: either the caller's session
    (one transaction, the caller commits) or a fresh committed session per batch (the scheduler).
    ``pace`` sizes the batches by the time they take (``domain.background``); between two, the
    updates people are waiting on go first."""
    total, after = 0, 0
    commits = getattr(open_session, "commits", False)
    while True:
        async with background.turn(pace) if commits else contextlib.nullcontext():
            pace.start()
            async with open_session() as session:
                pace.suit(session.bind.dialect.name)
                count, after_next = await step(session, after, pace.size)
            pace.done()
        total += count
        if after_next is None:
            return total
        after = after_next
        if commits:  # the connection is free: the updates' first
            await background.between_batches()
        else:  # the caller's one transaction: nothing to hand over
            await asyncio.sleep(0)


OpenSession = Callable[[], AbstractAsyncContextManager[AsyncSession]]


def _pace(batch: int | None) -> background.Pace:
    """Exactly ``batch`` rows a batch when given (tests); else sized by time within
    ``BATCH_MIN``..``BATCH``."""
    return background.Pace(BATCH, fixed=batch, low=BATCH_MIN, start=BATCH_MIN)


def _shared(session: AsyncSession) -> OpenSession:
    """The caller's session for every batch: one transaction, the caller commits."""
    @asynccontextmanager
    async def open_session() -> AsyncIterator[AsyncSession]:
        yield session
        await session.flush()
    return open_session


def _committed(sessionmaker: Callable[[], Any]) -> OpenSession:
    """A fresh session per batch, committed at its end (rolled back on error): the database
    connection (SQLite's only one) is free between batches."""
    @asynccontextmanager
    async def open_session() -> AsyncIterator[AsyncSession]:
        async with sessionmaker() as session:
            yield session
            await session.commit()
    open_session.commits = True  # type: ignore[attr-defined]
    return open_session


async def _due_checkins(open_session: OpenSession, now: datetime, default_tz: str, send_hour: int,
                        batch: int | None) -> int:
    async with open_session() as session:
        earliest = await _earliest_today(session, now, default_tz)
    if earliest is None:
        return 0

    async def step(session: AsyncSession, after: int, size: int) -> tuple[int, int | None]:
        upto = await _next_window(session, after, size)
        if upto is None:
            return 0, None
        return await _checkin_batch(session, now, after, upto, earliest, default_tz=default_tz,
                                    send_hour=send_hour), upto

    queued = await _batches(open_session, step, _pace(batch))
    if queued:
        log.info("check-ins: queued %d", queued)
    return queued


async def due_checkins(session: AsyncSession, now: datetime, *, default_tz: str = "Europe/Moscow",
                       send_hour: int = CHECKIN_HOUR, batch: int | None = None) -> int:
    """Create today's check-ins (one per person across all their programmes, listing their due
    pairs), expire the ones they supersede and queue one message each. Safe to run as often as
    wanted: a person gets at most one check-in a day, and none while nothing is due. A person's
    day is counted in the zone of their first pair (by id). Returns the number queued.

    People are taken ``batch`` participants (by id) at a time with all their pairs, so memory
    and statements stay bounded at region scale; here all in the caller's transaction (the
    caller commits). The scheduler uses :func:`run_due_checkins`: one transaction per batch."""
    return await _due_checkins(_shared(session), now, default_tz, send_hour, batch)


async def run_due_checkins(sessionmaker: Callable[[], Any], now: datetime, *, default_tz: str = "Europe/Moscow",
                           send_hour: int = CHECKIN_HOUR, batch: int | None = None) -> int:
    """:func:`due_checkins` with each batch in its own session, committed: a run at region scale
    never holds the database (SQLite's single pooled connection) for more than one batch."""
    return await _due_checkins(_committed(sessionmaker), now, default_tz, send_hour, batch)


@dataclass
class CheckinAnswer:
    checkin: CheckIn
    participant: Participant
    listed: list[Listed]  # active pairs of the check-in: a "yes" asks which one met (when several)
    repeated: bool = False  # "yes" pressed again: carry on with the meeting log

    @property
    def pairs(self) -> list[Pair]:
        return [entry.pair for entry in self.listed]

    @property
    def member(self) -> ProgrammeMember:
        """The person's member in the first listed pair."""
        return self.listed[0].member


async def checkin_of_user(session: AsyncSession, checkin_id: int, user_id: int | None) -> tuple[CheckIn, Participant]:
    """A check-in by id, only for the person it was for (``checkin-unknown`` otherwise: someone
    else's, forged, or the person's data were erased)."""
    checkin = await session.get(CheckIn, checkin_id, populate_existing=True)
    if checkin is None or user_id is None:
        raise Invalid("checkin-unknown")
    participant_id = await _person_of(session, checkin)
    participant = await session.get(Participant, participant_id) if participant_id is not None else None
    if participant is None or participant.status == "erased" or participant.user_id != user_id:
        raise Invalid("checkin-unknown")
    return checkin, participant


async def answer_checkin(session: AsyncSession, checkin_id: int, user_id: int | None, answer: str, now: datetime, *,
                         default_tz: str = "Europe/Moscow") -> CheckinAnswer:
    """Record yes, no or later. Refused: ``checkin-unknown`` (not theirs), ``checkin-expired``,
    ``checkin-answered``, ``pairs-ended``, ``snooze-limit``, ``answer``."""
    if answer not in ANSWERS:
        raise Invalid("answer")
    checkin, participant = await checkin_of_user(session, checkin_id, user_id)
    if checkin.status == EXPIRED:
        raise Invalid("checkin-expired")
    listed = await listed_pairs(session, checkin)
    if checkin.status == ANSWERED:
        if answer == YES and checkin.answer == YES and listed:
            return CheckinAnswer(checkin, participant, listed, repeated=True)
        raise Invalid("checkin-answered")
    if not listed:
        raise Invalid("pairs-ended")
    values: dict[str, Any]
    if answer == LATER:
        until = snooze_until(checkin.snoozes, now)
        values = {"answer": LATER, "snooze_until": until, "snoozes": checkin.snoozes + 1}
    else:
        values = {"answer": answer, "status": ANSWERED, "answered_at": now}
    result = await session.execute(
        update(CheckIn).where(CheckIn.id == checkin.id, CheckIn.status == PENDING, CheckIn.snoozes == checkin.snoozes)
        .values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # answered at the same moment from another message
        raise Invalid("checkin-answered")
    await session.refresh(checkin)
    if answer == LATER:
        user = await session.get(User, participant.user_id) if participant.user_id else None
        if surveys.reachable(user):
            tz = await _zone(session, listed[0].programme.id, default_tz)
            await _enqueue_checkin(session, checkin, participant.id, user, tz, checkin.snooze_until)
    return CheckinAnswer(checkin, participant, listed)


async def _checkin_of_row(session: AsyncSession, dedupe_key: str | None) -> tuple[bool, CheckIn | None, int]:
    """(understood, check-in, snoozes) named by an outbox row's dedupe key: ``checkin:p<person>:
    <day>[:n]`` or, from before check-ins were per person, ``checkin:<member>:<day>[:n]``."""
    parts = (dedupe_key or "").split(":")
    if len(parts) not in (3, 4) or not re.fullmatch(r"p?\d+", parts[1]) or not re.fullmatch(r"\d{8}", parts[2]):
        return False, None, 0
    if len(parts) == 4 and not parts[3].isdigit():
        return False, None, 0
    due_on = datetime.strptime(parts[2], "%Y%m%d").date()
    snoozes = int(parts[3]) if len(parts) == 4 else 0
    column = CheckIn.participant_id if parts[1].startswith("p") else CheckIn.member_id
    checkin = await session.scalar(
        select(CheckIn).where(column == int(parts[1].lstrip("p")), CheckIn.due_on == due_on)
        .order_by(CheckIn.id).limit(1).execution_options(populate_existing=True)
    )
    return True, checkin, snoozes


async def _checkin_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    """Drop a check-in that was answered or expired, superseded by a snooze, whose person is
    gone or awaits a parent's consent, whose pairs all ended (or the person left them), or whose every pair had a meeting
    logged since it was created."""
    understood, checkin, snoozes = await _checkin_of_row(session, row.dedupe_key)
    if not understood:
        return True
    if checkin is None or checkin.status != PENDING or checkin.snoozes != snoozes:
        return False
    person = await session.get(Participant, await _person_of(session, checkin), populate_existing=True)
    if person is None or person.status != "active":  # erased, or a minor now awaiting a parent's consent
        return False
    pairs = await checkin_pairs(session, checkin)
    if not pairs:
        return False
    met = set((await session.scalars(
        select(Meeting.pair_id).where(Meeting.pair_id.in_([p.id for p in pairs]),
                                      Meeting.created_at >= checkin.created_at)
    )).all())
    return any(p.id not in met for p in pairs)


register_relevance(KIND_CHECKIN, _checkin_relevant)


# =============================================================================================
# meetings
# =============================================================================================
@dataclass
class Logged:
    meeting: Meeting
    created: bool  # False: this meeting (same pair, same day) was already logged, maybe by the other side
    first: bool  # the pair's first meeting: ask the fit question after the survey
    occasion: str  # the survey occasion for this meeting ("meeting:<id>")


async def pair_start_on(session: AsyncSession, pair: Pair, default_tz: str = "Europe/Moscow") -> date:
    """The local day the pair began (its activation)."""
    tz = await _zone(session, pair.programme_id, default_tz)
    return _start_of(pair).astimezone(ZoneInfo(tz)).date()


async def log_meeting(session: AsyncSession, pair: Pair, member: ProgrammeMember, held_on: date | str,
                      format: str, minutes: int | str | None, topic: str | None, now: datetime, *,
                      default_tz: str = "Europe/Moscow") -> Logged:
    """Log a meeting of an active pair by one of its people (after a "yes" or unprompted).

    One row per pair and day: logging a day already logged returns that meeting. A new meeting
    invites the pair's other people to its survey and settles the logger's open check-ins that
    had no other pair left to ask about. Refused: ``pair-not-active``, ``not-in-pair``, the
    date codes of :func:`parse_meeting_date`, ``format``, ``minutes``, ``topic-too-long``.
    """
    await _check_member(session, pair, member)
    tz = await _zone(session, pair.programme_id, default_tz)
    today = local_today(now, tz)
    held = parse_meeting_date(held_on, today, _start_of(pair).astimezone(ZoneInfo(tz)).date())
    if format not in MEETING_FORMATS:
        raise Invalid("format")
    mins = parse_minutes(minutes)
    text = parse_topic(topic)

    existing = await session.scalar(select(Meeting).where(Meeting.pair_id == pair.id, Meeting.held_on == held))
    created = False
    if existing is None:
        meeting = Meeting(pair_id=pair.id, logged_by_member_id=member.id, held_on=held, format=format,
                          minutes=mins, topic=text, created_at=now)
        try:
            async with session.begin_nested():
                session.add(meeting)
                await session.flush()
            created = True
        except IntegrityError:  # the other side logged the same day at the same moment
            meeting = await session.scalar(select(Meeting).where(Meeting.pair_id == pair.id, Meeting.held_on == held))
            assert meeting is not None
    else:
        meeting = existing
    count = await session.scalar(select(func.count()).select_from(Meeting).where(Meeting.pair_id == pair.id)) or 0
    occasion = surveys.occasion_key("meeting", meeting.id)
    if created:
        mentor, mentees = await surveys.pair_member_ids(session, pair)
        people = await _people(session, [member.id])
        who = people[member.id].name if member.id in people else "—"
        for other in [mentor, *mentees]:
            if other != member.id:
                await surveys.invite(session, other, occasion, now, tz=tz,
                                     args={"who": who, "date": fmt_date(held)})
        await _settle_checkins(session, member, now)
    await session.flush()
    return Logged(meeting, created, first=created and count == 1, occasion=occasion)


async def _settle_checkins(session: AsyncSession, member: ProgrammeMember, now: datetime) -> None:
    """A person who logs meetings for every pair of their open check-in has answered it (their
    check-ins are per person: pairs of their other programmes count too)."""
    for checkin in (await session.scalars(
        select(CheckIn).where(or_(CheckIn.participant_id == member.participant_id, CheckIn.member_id == member.id),
                              CheckIn.status == PENDING)
    )).all():
        pairs = await checkin_pairs(session, checkin)
        met = set((await session.scalars(
            select(Meeting.pair_id).where(Meeting.pair_id.in_([p.id for p in pairs]),
                                          Meeting.created_at >= checkin.created_at)
        )).all()) if pairs else set()
        if pairs and all(p.id in met for p in pairs):
            checkin.status, checkin.answer, checkin.answered_at = ANSWERED, YES, now


async def is_first_meeting(session: AsyncSession, pair: Pair, meeting_id: int) -> bool:
    """Whether this is the first meeting logged for the pair: the fit question follows that one
    only (later meetings do not ask again; /meetings keeps a button while it is unanswered)."""
    first = await session.scalar(select(func.min(Meeting.id)).where(Meeting.pair_id == pair.id))
    return first is not None and first == meeting_id


async def meetings_of(session: AsyncSession, pair: Pair) -> list[Meeting]:
    return list((await session.scalars(
        select(Meeting).where(Meeting.pair_id == pair.id).order_by(Meeting.held_on, Meeting.id)
    )).all())


# =============================================================================================
# the fit question
# =============================================================================================
async def needs_fit(session: AsyncSession, pair: Pair, member: ProgrammeMember) -> bool:
    """Whether to ask this person "is this a good match?": the pair is active, has met, and
    they have not answered yet."""
    try:
        await _check_member(session, pair, member)
    except Invalid:
        return False
    met = await session.scalar(select(Meeting.id).where(Meeting.pair_id == pair.id).limit(1))
    answered = await session.scalar(
        select(PairFit.id).where(PairFit.pair_id == pair.id, PairFit.member_id == member.id))
    return met is not None and answered is None


async def record_fit(session: AsyncSession, pair: Pair, member: ProgrammeMember, fits: bool, reason: str | None,
                     now: datetime, *, default_tz: str = "Europe/Moscow") -> PairFit:
    """Record the answer to the fit question (once per person and pair). A "no" goes to the
    curators at once with a re-matching suggestion. Refused: ``pair-not-active``,
    ``not-in-pair``, ``fit-too-early`` (no meeting yet), ``fit-answered``, ``reason-too-long``."""
    await _check_member(session, pair, member)
    if await session.scalar(select(Meeting.id).where(Meeting.pair_id == pair.id).limit(1)) is None:
        raise Invalid("fit-too-early")
    text = clean_text(reason) or None
    if text is not None and len(text) > FIT_REASON_MAX:
        raise Invalid("reason-too-long", max=FIT_REASON_MAX)
    fit = PairFit(pair_id=pair.id, member_id=member.id, fits=bool(fits), reason=text, answered_at=now)
    try:
        async with session.begin_nested():
            session.add(fit)
            await session.flush()
    except IntegrityError:
        raise Invalid("fit-answered") from None
    if not fits:
        tz = await _zone(session, pair.programme_id, default_tz)
        alert = Alert(pair.id, "fit-declined", iso_week(local_today(now, tz)))
        await _send_alerts(session, [alert], now, default_tz, details={pair.id: {"fit": (member.id, text)}})
    return fit


# =============================================================================================
# goals
# =============================================================================================
async def add_goal(session: AsyncSession, pair: Pair, member: ProgrammeMember, text: str | None,
                   now: datetime) -> Goal:
    """A mentee states a goal in their pair. Refused: ``pair-not-active``, ``not-in-pair``,
    ``not-mentee``, ``goal-empty``, ``goal-too-long``, ``goals-too-many``."""
    await _check_member(session, pair, member)
    if member.id == pair.mentor_member_id:
        raise Invalid("not-mentee")
    value = clean_text(text)
    if not value:
        raise Invalid("goal-empty")
    if len(value) > GOAL_MAX:
        raise Invalid("goal-too-long", max=GOAL_MAX)
    open_goals = await session.scalar(
        select(func.count()).select_from(Goal)
        .where(Goal.pair_id == pair.id, Goal.member_id == member.id, Goal.done_at.is_(None))
    ) or 0
    if open_goals >= GOALS_PER_PAIR:
        raise Invalid("goals-too-many", max=GOALS_PER_PAIR)
    goal = Goal(pair_id=pair.id, member_id=member.id, text=value, progress=0, history=[], created_at=now,
                updated_at=now)
    session.add(goal)
    await session.flush()
    return goal


async def set_goal_progress(session: AsyncSession, goal_id: int, member: ProgrammeMember, progress: int | str,
                            now: datetime) -> Goal:
    """The mentee marks progress (0–100 %) on their goal; 100 marks it done. Each change is
    kept in ``history`` (the intermediate results). Refused: ``goal-unknown``,
    ``pair-not-active``, ``progress``."""
    goal = await session.get(Goal, goal_id, populate_existing=True)
    if goal is None or goal.member_id != member.id:
        raise Invalid("goal-unknown")
    pair = await session.get(Pair, goal.pair_id)
    await _check_member(session, pair, member)
    value = parse_progress(progress)
    goal.progress = value
    goal.history = [*(goal.history or []), [now.isoformat(timespec="seconds"), value]]
    goal.updated_at = now
    goal.done_at = (goal.done_at or now) if value == 100 else None
    await session.flush()
    return goal


async def goals_of(session: AsyncSession, pair: Pair, viewer: ProgrammeMember) -> list[Goal]:
    """Goals the viewer may see in this pair: the mentor sees those of every mentee still in it
    (not of one who left the group), a mentee their own."""
    if await surveys.present_member(session, viewer.id) is None or not await surveys.in_pair(session, pair, viewer.id):
        raise Invalid("not-in-pair")
    stmt = select(Goal).where(Goal.pair_id == pair.id)
    if viewer.id != pair.mentor_member_id:
        stmt = stmt.where(Goal.member_id == viewer.id)
    else:
        _, mentees = await surveys.pair_member_ids(session, pair)
        stmt = stmt.where(Goal.member_id.in_(mentees))
    return list((await session.scalars(stmt.order_by(Goal.member_id, Goal.id))).all())


# =============================================================================================
# pairs at risk
# =============================================================================================
async def curators_for(session: AsyncSession, programme: Programme) -> list[User]:
    """The reachable curators of the nearest level above the programme that has any."""
    unit = await session.get(Unit, programme.unit_id)
    if unit is None:
        return []
    roles = await curators_of_subtree_roots(session, unit)
    if not roles:
        return []
    depth = {int(p): i for i, p in enumerate(unit.path.strip("/").split("/")) if p}
    nearest = max(depth.get(r.unit_id, -1) for r in roles)
    ids = sorted({r.user_id for r in roles if depth.get(r.unit_id, -1) == nearest})
    users = (await session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))).all()
    return [u for u in users if surveys.reachable(u)]


def _alert_key(alert: Alert, user_id: int) -> str:
    return f"{KIND_RISK}:{alert.pair_id}:{alert.reason}:{alert.period}:{user_id}"


@dataclass(frozen=True)
class _Curator:
    """What sending needs of a curator (kept across a run's batches, so no ORM object)."""

    id: int
    tg_id: int


async def _curators_of(session: AsyncSession, programme: Programme, cache: dict[int, list[_Curator]]) -> list[_Curator]:
    if programme.id not in cache:
        cache[programme.id] = [_Curator(u.id, u.tg_id) for u in await curators_for(session, programme)]
    return cache[programme.id]


async def _existing_keys(session: AsyncSession, keys: Iterable[str]) -> set[str]:
    """Which of these alerts' dedupe keys exist (attention items; read in chunks)."""
    return await attention.existing_keys(session, keys, chunk=ID_CHUNK)


async def _send_alerts(session: AsyncSession, alerts: Sequence[Alert], now: datetime, default_tz: str,
                       details: dict[int, dict[str, Any]] | None = None,
                       curators: dict[int, list[_Curator]] | None = None) -> int:
    """Queue each alert to its programme's curators. Alerts every curator already has (their
    dedupe keys exist: a repeated run) are skipped before anything is read for them."""
    sent = 0
    curators = {} if curators is None else curators
    zones: dict[int, str] = {}
    todo: list[tuple[Alert, Pair, Programme]] = []
    pairs: dict[int, Pair] = {}
    for chunk in _chunks(a.pair_id for a in alerts):
        pairs.update({p.id: p for p in (await session.scalars(select(Pair).where(Pair.id.in_(chunk)))).all()})
    for alert in alerts:
        pair = pairs.get(alert.pair_id)
        if pair is None:
            continue
        programme = await session.get(Programme, pair.programme_id)
        if await _curators_of(session, programme, curators):
            todo.append((alert, pair, programme))
    existing = await _existing_keys(session, (_alert_key(a, u.id) for a, _, prog in todo for u in curators[prog.id]))
    for alert, pair, programme in todo:
        if all(_alert_key(alert, u.id) in existing for u in curators[programme.id]):
            continue
        tz = await _zone(session, programme.id, default_tz, zones)
        mentor_id, mentee_ids = await surveys.pair_member_ids(session, pair)
        people = await _people(session, [mentor_id, *mentee_ids])
        args: dict[str, Any] = {
            "programme": programme.title,
            "mentor": people[mentor_id].name if mentor_id in people else "—",
            "mentees": ", ".join(people[m].name for m in mentee_ids if m in people) or "—",
        }
        extra = (details or {}).get(pair.id, {})
        if alert.reason == "no-meeting":
            args["days"] = alert.value
        elif alert.reason == "low-rating":
            args["score"] = alert.value
        elif alert.reason == "fit-declined":
            who_id, text = extra.get("fit", (None, None))
            if who_id is None:
                fit = await session.scalar(select(PairFit).where(PairFit.pair_id == pair.id, PairFit.fits.is_(False),
                                                                 PairFit.member_id.in_([mentor_id, *mentee_ids]))
                                           .order_by(PairFit.answered_at.desc()).limit(1))
                who_id, text = (fit.member_id, fit.reason) if fit else (None, None)
            who = people.get(who_id) if who_id is not None else None
            if who is None and who_id is not None:
                who = (await _people(session, [who_id])).get(who_id)
            args["who"] = who.name if who else "—"
            args["reason"] = text or "—"
        elif alert.reason == "unreachable":
            gone = [p.name for p in people.values() if p.present and not surveys.reachable(p.user)]
            args["who"] = ", ".join(gone) or "—"
        buttons: list[list[dict[str, Any]]] = []
        if alert.reason == "fit-declined":
            buttons.append([{"text_key": KEY_RISK_REMATCH, "callback_data": f"{CB_REMATCH}:{pair.id}"}])
        buttons.append([{"text_key": KEY_RISK_OPEN, "callback_data": f"{CB_RISK_OPEN}:{pair.id}"}])
        kind = ATT_FIT if alert.reason == "fit-declined" else ATT_RISK
        for user in curators[programme.id]:
            item = await attention.add_item(session, user.id, kind, f"p{pair.id}", args,
                                            _alert_key(alert, user.id), key=KEY_RISK[alert.reason],
                                            buttons=buttons, unit_id=programme.unit_id, tz=tz, now=now)
            sent += item is not None
    return sent


async def risk_facts(session: AsyncSession, now: datetime, *, default_tz: str = "Europe/Moscow",
                     pair_ids: Iterable[int] | None = None) -> tuple[list[RiskFacts], dict[int, date]]:
    """The at-risk facts of active pairs of active programmes, and each pair's local today."""
    stmt = (select(Pair, Programme, Unit).join(Programme, Programme.id == Pair.programme_id)
            .join(Unit, Unit.id == Programme.unit_id)
            .where(Pair.status == ACTIVE, Programme.status == ACTIVE).order_by(Pair.id))
    if pair_ids is None:
        rows = list((await session.execute(stmt)).all())
    else:
        rows = []
        for chunk in _chunks(pair_ids):
            rows.extend((await session.execute(stmt.where(Pair.id.in_(chunk)))).all())
        rows.sort(key=lambda row: row[0].id)
    ids = [pair.id for pair, _, _ in rows]
    if not ids:
        return [], {}
    staying = await _staying(session, ids)
    last_meeting = await _last_meetings(session, ids)
    people = await _people_light(session, {p.mentor_member_id for p, _, _ in rows}
                                 | {m for ms in staying.values() for m in ms})
    since_moment = now - RISK_EVENT_WINDOW
    responses: list[SurveyResponse] = []
    for chunk in _chunks(ids):
        responses.extend((await session.scalars(
            select(SurveyResponse).where(SurveyResponse.pair_id.in_(chunk), SurveyResponse.completed_at >= since_moment)
        )).all())
    # only what people still in the pair said: a mentee who left a group took their answers along
    current = {(pair.id, m) for pair, _, _ in rows for m in (pair.mentor_member_id, *staying[pair.id])}
    latest: dict[tuple[int, int], SurveyResponse] = {}
    for r in sorted(responses, key=lambda r: (r.completed_at, r.id)):
        if (r.pair_id, r.member_id) in current:
            latest[(r.pair_id, r.member_id)] = r
    low: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for (pid, _), r in latest.items():
        scores = [v for _, v in surveys.low_scale_items(r)]
        if scores:
            low[pid].append((r.completed_at, min(scores)))
    fits: dict[int, list[datetime]] = defaultdict(list)
    for chunk in _chunks(ids):
        for fit in (await session.scalars(
            select(PairFit).where(PairFit.pair_id.in_(chunk), PairFit.fits.is_(False),
                                  PairFit.answered_at >= since_moment).order_by(PairFit.id)
        )).all():
            if (fit.pair_id, fit.member_id) in current:
                fits[fit.pair_id].append(fit.answered_at)

    out: list[RiskFacts] = []
    todays: dict[int, date] = {}
    for pair, programme, unit in rows:
        tz = ZoneInfo(surveys.zone_name(unit, default_tz))
        today = now.astimezone(tz).date()
        if today > programme.ends_on:
            continue
        todays[pair.id] = today
        members = [pair.mentor_member_id, *staying[pair.id]]
        unreachable = sum(1 for m in members
                          if m in people and people[m].present and not surveys.reachable(people[m].user))
        out.append(RiskFacts(
            pair.id, programme.meeting_interval_days, _start_of(pair).astimezone(tz).date(), last_meeting.get(pair.id),
            tuple((at.astimezone(tz).date(), score) for at, score in low[pair.id]),
            tuple(at.astimezone(tz).date() for at in fits[pair.id]), unreachable,
        ))
    return out, todays


async def _active_pairs_of_member(session: AsyncSession, member_id: int) -> list[Pair]:
    as_mentor = select(Pair.id).where(Pair.mentor_member_id == member_id, Pair.status == ACTIVE)
    as_mentee = (select(PairMentee.pair_id).join(Pair, Pair.id == PairMentee.pair_id)
                 .where(PairMentee.mentee_member_id == member_id, Pair.status == ACTIVE,
                        PairMentee.left_at.is_(None),
                        or_(PairMentee.answer.is_(None), PairMentee.answer != surveys.DECLINED_ANSWER)))
    ids = set((await session.scalars(as_mentor)).all()) | set((await session.scalars(as_mentee)).all())
    if not ids:
        return []
    return list((await session.scalars(select(Pair).where(Pair.id.in_(ids)).order_by(Pair.id))).all())


def _person_alert_key(response_id: int, user_id: int) -> str:
    return f"{KIND_RISK}:r{response_id}:low-rating:{user_id}"


async def _person_alert_batch(session: AsyncSession, now: datetime, after: int, size: int, default_tz: str,
                             curators_cache: dict[int, list[_Curator]]) -> tuple[int, int | None]:
    """:func:`person_alerts` for the next ``size`` candidate responses with ids after ``after``:
    (alerts queued, the last response id read, or None when there were none)."""
    rows = (await session.execute(
        select(SurveyResponse, Programme).join(Programme, Programme.id == SurveyResponse.programme_id)
        .where(SurveyResponse.kind.in_(("start", "end")), SurveyResponse.pair_id.is_(None),
               SurveyResponse.completed_at >= now - RISK_EVENT_WINDOW, Programme.status == ACTIVE,
               SurveyResponse.id > after)
        .order_by(SurveyResponse.id).limit(size)
    )).all()
    if not rows:
        return 0, None
    sent = 0
    for response, programme in rows:
        scores = [v for _, v in surveys.low_scale_items(response)]
        if not scores:
            continue
        who = (await _people(session, [response.member_id])).get(response.member_id)
        if who is None or not who.present:
            continue
        pairs = await _active_pairs_of_member(session, response.member_id)
        curators = await _curators_of(session, programme, curators_cache) if pairs else []
        if not curators:
            continue
        keys = {_person_alert_key(response.id, u.id) for u in curators}
        if not keys - await _existing_keys(session, keys):
            continue  # sent before: a repeated run
        staying = await _staying(session, [p.id for p in pairs])
        people = await _people(session, {m for p in pairs for m in (p.mentor_member_id, *staying[p.id])})

        def names(ids: Iterable[int]) -> str:
            return ", ".join(people[m].name for m in ids if m in people) or "—"

        lines = [f"{names([p.mentor_member_id])} — {names(staying[p.id])}" for p in pairs]
        buttons = [[{"text_key": KEY_RISK_OPEN_WITH, "callback_data": f"{CB_RISK_OPEN}:{p.id}",
                     "args": {"partners": shorten(names(staying[p.id]) if p.mentor_member_id == response.member_id
                                           else names([p.mentor_member_id]), BUTTON_MAX)}}]
                   for p in pairs[:PERSON_ALERT_PAIRS]]
        args = {"programme": programme.title, "who": who.name, "survey": response.kind, "score": min(scores),
                "pairs": "; ".join(lines)}
        tz = await _zone(session, programme.id, default_tz)
        for user in curators:
            item = await attention.add_item(session, user.id, ATT_RISK, f"r{response.id}", args,
                                            _person_alert_key(response.id, user.id), key=KEY_RISK_PERSON,
                                            buttons=buttons, unit_id=programme.unit_id, tz=tz, now=now)
            sent += item is not None
    return sent, rows[-1][0].id


async def _person_alerts(open_session: OpenSession, now: datetime, default_tz: str, batch: int | None,
                         curators: dict[int, list[_Curator]] | None = None) -> int:
    cache = {} if curators is None else curators

    async def step(session: AsyncSession, after: int, size: int) -> tuple[int, int | None]:
        return await _person_alert_batch(session, now, after, size, default_tz, cache)

    return await _batches(open_session, step, _pace(batch))


async def person_alerts(session: AsyncSession, now: datetime, *, default_tz: str = "Europe/Moscow",
                        batch: int | None = None) -> int:
    """Alerts about people rather than pairs: a start or end survey with a score of
    ``LOW_SCALE`` or less that is tied to no pair (the person had several active pairs, or none,
    when they began it) tells the programme's curators about the person, listing their active
    pairs with a button each. Once per response (its dedupe key); only while the programme is
    active, the person present and in at least one active pair; surveys completed within
    ``RISK_EVENT_WINDOW``. A survey tied to one pair is that pair's low rating (:func:`risk_facts`).
    Responses are read ``batch`` at a time (by id)."""
    return await _person_alerts(_shared(session), now, default_tz, batch)


async def _next_pairs(session: AsyncSession, after: int, size: int) -> list[int]:
    """The next ``size`` active pairs of active programmes by id after ``after``."""
    return list((await session.scalars(
        select(Pair.id).join(Programme, Programme.id == Pair.programme_id)
        .where(Pair.status == ACTIVE, Programme.status == ACTIVE, Pair.id > after).order_by(Pair.id).limit(size)
    )).all())


async def _risk_alerts(open_session: OpenSession, now: datetime, default_tz: str, batch: int | None) -> int:
    curators: dict[int, list[_Curator]] = {}

    async def step(session: AsyncSession, after: int, size: int) -> tuple[int, int | None]:
        ids = await _next_pairs(session, after, size)
        if not ids:
            return 0, None
        facts, todays = await risk_facts(session, now, default_tz=default_tz, pair_ids=ids)
        alerts: list[Alert] = []
        for f in facts:
            alerts.extend(at_risk([f], todays[f.pair_id]))
        return await _send_alerts(session, alerts, now, default_tz, curators=curators), ids[-1]

    sent = await _batches(open_session, step, _pace(batch))
    sent += await _person_alerts(open_session, now, default_tz, batch, curators)
    if sent:
        log.info("risk alerts: queued %d", sent)
    return sent


async def risk_alerts(session: AsyncSession, now: datetime, *, default_tz: str = "Europe/Moscow",
                      batch: int | None = None) -> int:
    """Queue alerts about pairs at risk (and about people: :func:`person_alerts`) to their
    curators; returns how many were queued (an alert already sent for its pair, reason and
    period, or for its survey response, is not queued again). Pairs are judged ``batch`` at a
    time (by id), all in the caller's transaction; the scheduler uses :func:`run_risk_alerts`."""
    return await _risk_alerts(_shared(session), now, default_tz, batch)


async def run_risk_alerts(sessionmaker: Callable[[], Any], now: datetime, *, default_tz: str = "Europe/Moscow",
                          batch: int | None = None) -> int:
    """:func:`risk_alerts` with each batch in its own session, committed (see :func:`run_due_checkins`)."""
    return await _risk_alerts(_committed(sessionmaker), now, default_tz, batch)


async def _risk_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    """An alert about a pair that is no longer active, about a person who is gone or has no
    active pair left, or to someone no longer the programme's curator, is dropped."""
    parts = (row.dedupe_key or "").split(":")
    if len(parts) < 2 or not re.fullmatch(r"r?\d+", parts[1]):
        return True
    if parts[1].startswith("r"):  # about a person: their survey response
        response = await session.get(SurveyResponse, int(parts[1][1:]))
        if response is None or await surveys.present_member(session, response.member_id) is None:
            return False
        programme = await session.get(Programme, response.programme_id, populate_existing=True)
        if programme is None or programme.status != ACTIVE \
                or not await _active_pairs_of_member(session, response.member_id):
            return False
    else:
        pair = await session.get(Pair, int(parts[1]), populate_existing=True)
        if pair is None or pair.status != ACTIVE:
            return False
        programme = await session.get(Programme, pair.programme_id)
    return row.user_id is None or any(u.id == row.user_id for u in await curators_for(session, programme))


register_relevance(KIND_RISK, _risk_relevant)  # alerts queued as messages before they became attention items


async def current_risks(session: AsyncSession, pair_ids: Iterable[int], now: datetime, *,
                        default_tz: str = "Europe/Moscow") -> dict[int, list[Alert]]:
    """The at-risk reasons of these pairs now (one alert per reason, in ``REASONS`` order); pairs
    not active, of a programme not active, or not at risk are absent. Read ``BATCH`` pairs at a time."""
    ids = sorted(set(pair_ids))
    out: dict[int, list[Alert]] = {}
    for k in range(0, len(ids), BATCH):
        facts, todays = await risk_facts(session, now, default_tz=default_tz, pair_ids=ids[k:k + BATCH])
        for f in facts:
            found: list[Alert] = []
            for alert in at_risk([f], todays[f.pair_id]):
                if all(a.reason != alert.reason for a in found):
                    found.append(alert)
            if found:
                out[f.pair_id] = found
    return out


async def subtree_at_risk(session: AsyncSession, unit_path: str, now: datetime, *,
                          default_tz: str = "Europe/Moscow") -> list[tuple[Pair, Programme, list[Alert]]]:
    """Every pair at risk now in the programmes of a unit's subtree (``unit_path`` prefix), by
    programme title and pair id, with its reasons: the curator's "pairs at risk" of a unit."""
    rows = (await session.execute(
        select(Pair.id).join(Programme, Programme.id == Pair.programme_id).join(Unit, Unit.id == Programme.unit_id)
        .where(Unit.path.startswith(unit_path), Pair.status == ACTIVE, Programme.status == ACTIVE)
        .order_by(Pair.id)
    )).scalars().all()
    risks = await current_risks(session, rows, now, default_tz=default_tz)
    found: list[tuple[Pair, Programme, list[Alert]]] = []
    programmes: dict[int, Programme] = {}
    for chunk in _chunks(risks):
        for pair in (await session.scalars(select(Pair).where(Pair.id.in_(chunk)))).all():
            if pair.programme_id not in programmes:
                programmes[pair.programme_id] = await session.get(Programme, pair.programme_id)
            found.append((pair, programmes[pair.programme_id], risks[pair.id]))
    found.sort(key=lambda f: (f[1].title.casefold(), f[1].id, f[0].id))
    return found


async def _risk_items_open(session: AsyncSession, items: list[Any], now: datetime) -> set[int]:
    """Which risk and "not a good match" attention items are still open: the pair is still at risk
    for that reason (a meeting logged, a pair ended, an old event: resolved), or, for an alert
    about a person's low score, they are still present with an active pair of an active programme
    and the survey is recent."""
    tz = attention.default_tz()
    still: set[int] = set()
    about_pairs: list[tuple[Any, int, str]] = []
    for item in items:
        head = item.ref.partition(":")[0]
        if head[:1] == "p" and head[1:].isdigit():  # its reason is in its key: risk-<reason>
            about_pairs.append((item, int(head[1:]), item.key.removeprefix("risk-")))
        elif head[:1] == "r" and head[1:].isdigit():
            response = await session.get(SurveyResponse, int(head[1:]))
            if response is None or response.completed_at is None \
                    or response.completed_at < now - RISK_EVENT_WINDOW \
                    or await surveys.present_member(session, response.member_id) is None:
                continue
            programme = await session.get(Programme, response.programme_id)
            if programme is not None and programme.status == ACTIVE \
                    and await _active_pairs_of_member(session, response.member_id):
                still.add(item.id)
        else:
            still.add(item.id)
    risks = await current_risks(session, {pid for _, pid, _ in about_pairs}, now, default_tz=tz)
    for item, pid, reason in about_pairs:
        if any(a.reason == reason for a in risks.get(pid, ())):
            still.add(item.id)
    return still


attention.register_kind(ATT_RISK, order=10, check=_risk_items_open)
attention.register_kind(ATT_FIT, order=20, check=_risk_items_open)


# =============================================================================================
# erasure
# =============================================================================================
async def forget_participant(session: AsyncSession, participant_id: int, now: datetime | None = None) -> None:
    """Erase what this module keeps in a person's own words: goal texts, meeting topics they
    typed, their reasons for a declined fit, their free-text survey answers. Numbers stay (they
    are anonymous once the person is). Their open check-ins (one per person) expire, so no
    button of one works again. Call from ``domain.people.erase_user``."""
    member_ids = list((await session.scalars(
        select(ProgrammeMember.id).where(ProgrammeMember.participant_id == participant_id))).all())
    await session.execute(
        update(CheckIn).where(or_(CheckIn.participant_id == participant_id, CheckIn.member_id.in_(member_ids)),
                              CheckIn.status == PENDING)
        .values(status=EXPIRED).execution_options(synchronize_session=False))
    if not member_ids:
        return
    # curators' attention items about them are closed and emptied: every item about a pair or group
    # they were in ("p<pair>"), except for a group that goes on without them (domain.erasure.leave_pairs
    # ran first): there only what is about them ("p<pair>:<their member id>"); the group's other
    # items stay open, erasure's scrub_messages takes their name out (and empties an item that was
    # about them alone, e.g. their "not a good match"), and each item's own check closes it once it
    # no longer holds. Items about their survey answers ("r<response>") go too.
    refs = [f"p{i}" for i in (await session.scalars(
        select(Pair.id).where(Pair.mentor_member_id.in_(member_ids)))).all()]
    for pair_id, member_id, status, left_at in (await session.execute(
            select(PairMentee.pair_id, PairMentee.mentee_member_id, Pair.status, PairMentee.left_at)
            .join(Pair, Pair.id == PairMentee.pair_id).where(PairMentee.mentee_member_id.in_(member_ids)))).all():
        goes_on = status == ACTIVE and left_at is not None
        refs.append(f"p{pair_id}:{member_id}" if goes_on else f"p{pair_id}")
    response_ids = (await session.scalars(
        select(SurveyResponse.id).where(SurveyResponse.member_id.in_(member_ids)))).all()
    await attention.forget_refs(session, refs + [f"r{i}" for i in response_ids], now or datetime.now(timezone.utc))
    await session.execute(update(Goal).where(Goal.member_id.in_(member_ids)).values(text="")
                          .execution_options(synchronize_session=False))
    await session.execute(update(Meeting).where(Meeting.logged_by_member_id.in_(member_ids)).values(topic=None)
                          .execution_options(synchronize_session=False))
    await session.execute(update(PairFit).where(PairFit.member_id.in_(member_ids)).values(reason=None)
                          .execution_options(synchronize_session=False))
    await surveys.forget_free_text(session, member_ids)


async def reword_checkins(session: AsyncSession, participant_ids: Iterable[int]) -> int:
    """Erasure: the queued check-ins of these people (the others in a pair or group that someone
    just left) are worded anew from the pairs they still have, so none asks about the person who
    left, by name or at all; returns how many were reworded. A check-in left with no pair is
    dropped by its relevance check; its row keeps no name either."""
    changed = 0
    for chunk in _chunks(participant_ids):
        for checkin in (await session.scalars(
            select(CheckIn).where(CheckIn.participant_id.in_(chunk), CheckIn.status == PENDING)
        )).all():
            row = await session.scalar(select(OutboxMessage).where(
                OutboxMessage.dedupe_key == _checkin_key(checkin.participant_id, checkin.due_on, checkin.snoozes),
                OutboxMessage.status.in_((OUTBOX_PENDING, OUTBOX_CLAIMED))))
            if row is None:
                continue
            pairs = [p.id for p in await checkin_pairs(session, checkin)]
            partners = await _partners(session, checkin.participant_id, pairs) if pairs else ""
            args = dict((row.payload or {}).get("args") or {})
            if args.get("partners") != partners or args.get("count") != len(pairs):
                args.update(partners=partners, count=len(pairs))
                row.payload = {**(row.payload or {}), "args": args}
                changed += 1
    return changed


__all__ = [
    "CHECKIN_HOUR", "SNOOZE", "MAX_SNOOZES", "RISK_FACTOR", "MEETING_FORMATS", "DURATIONS", "INVALID_CODES",
    "MESSAGE_KEYS", "REASONS", "KIND_CHECKIN", "KIND_RISK", "PairClock", "Plan", "last_contact", "next_due",
    "since", "group_ahead", "plan_checkin", "snooze_until", "parse_meeting_date", "parse_minutes",
    "parse_topic", "parse_progress", "is_in_pair", "iso_week", "RiskFacts", "Alert", "at_risk",
    "member_of_user", "checkin_callback", "parse_checkin_callback", "due_checkins", "checkin_pairs", "Listed",
    "listed_pairs",
    "CheckinAnswer", "checkin_of_user", "answer_checkin", "Logged", "pair_start_on", "log_meeting",
    "meetings_of", "is_first_meeting",
    "needs_fit", "record_fit", "add_goal", "set_goal_progress", "goals_of", "curators_for",
    "risk_facts", "risk_alerts", "person_alerts", "forget_participant", "run_due_checkins", "run_risk_alerts",
    "BATCH", "ATT_RISK", "ATT_FIT", "current_risks", "subtree_at_risk",
]
