"""Mentoring programmes: forms of mentoring as data, creation, members, invitations, preferences.

No aiogram here. Validators raise ``domain.rules.Invalid(code, **params)``; every code is listed
in ``INVALID_CODES`` and has a message ``prog-invalid-<code>`` in locales/*/programmes.ftl.

Scope: a programme belongs to a unit (an organisation, or a municipality/region for forms whose
sides may come from different organisations); its participants come from that unit's subtree.
A curator reaches a programme exactly when they reach its unit (``programme_in_access``).

"Active member" below means: not left (``left_at`` is NULL) and the participant not erased.
Members awaiting their parents' consent are members (they may join, be listed, name
preferences) but are flagged: the matching engine does not match them, and they are not
offered to others as someone to name.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import and_, delete, exists, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from db.models import Invitation, Participant, Preference, Programme, ProgrammeMember, Unit
from domain import invitations
from domain.curation import Access, unit_in_access
from domain.dates import parse_typed_date
from domain.matching.forms import STUDENT_MENTOR_MAX_AGE, STUDENT_MENTOR_MIN_AGE
from domain.rules import CATEGORIES, Invalid, clean_text

FORMS_FILE = Path(__file__).resolve().parent / "data" / "forms.json"

SIDES = ("mentor", "mentee")
INTERVALS = (7, 14, 30)  # how often pairs should meet, days
TITLE_MIN = 3
TITLE_MAX = 200
SCHOOL_YEAR_START = (9, 1)  # the school year runs 1 September – 31 August
# a start this many days back is accepted even before the school year began (a programme that
# started in late August, entered in its first weeks)
START_GRACE_DAYS = 30
MAX_YEARS = 3  # a programme longer than this is a typing mistake
MAX_PREFERENCES = 3
# the engine's bounds (domain.matching.rules.student_mentor_age_ok): today.year - birth_year in 15..18
STUDENT_MENTOR_AGE = (STUDENT_MENTOR_MIN_AGE, STUDENT_MENTOR_MAX_AGE)
PROGRAMME_UNIT_KINDS = ("organisation", "municipality", "region")

INVALID_CODES = (
    "form", "form-needs-org", "role-models-empty", "role-model", "title-short", "title-long",
    "date-format", "start-past", "end-before-start", "end-past", "period-long", "interval", "finished",
    "erased", "outside", "category", "mentor-age", "other-side", "side", "not-member",
    "too-many", "duplicate", "target", "invite",
)


# ---------------------------------------------------------------------------------------------
# forms of mentoring (domain/data/forms.json)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Form:
    """A form of mentoring: the categories each side may have and its role models."""

    code: str
    mentor: tuple[str, ...]
    mentee: tuple[str, ...]
    same_org: bool
    role_models: tuple[str, ...]
    student_mentor: bool = False
    min_grade_gap: int = 0

    def categories(self, side: str) -> tuple[str, ...]:
        if side == "mentor":
            return self.mentor
        if side == "mentee":
            return self.mentee
        return ()


@lru_cache(maxsize=1)
def forms() -> dict[str, Form]:
    """Every form, in the order of the data file."""
    raw = json.loads(FORMS_FILE.read_text(encoding="utf-8"))["forms"]
    return {
        code: Form(
            code=code,
            mentor=tuple(spec["mentor"]),
            mentee=tuple(spec["mentee"]),
            same_org=bool(spec.get("same_org", True)),
            role_models=tuple(spec["role_models"]),
            student_mentor=bool(spec.get("student_mentor", False)),
            min_grade_gap=int(spec.get("min_grade_gap", 0)),
        )
        for code, spec in raw.items()
    }


def form(code: str | None) -> Form:
    found = forms().get(code or "")
    if found is None:
        raise Invalid("form")
    return found


def all_role_models() -> tuple[str, ...]:
    seen: list[str] = []
    for f in forms().values():
        seen.extend(rm for rm in f.role_models if rm not in seen)
    return tuple(seen)


def forms_for_unit(unit: Unit) -> tuple[Form, ...]:
    """Forms a programme of this unit may have: any in an organisation; across organisations
    (a municipality or region) only those whose sides need not share one organisation."""
    if unit.kind == "organisation":
        return tuple(forms().values())
    if unit.kind in PROGRAMME_UNIT_KINDS:
        return tuple(f for f in forms().values() if not f.same_org)
    return ()


def check_form_for_unit(unit: Unit, f: Form) -> None:
    if f not in forms_for_unit(unit):
        raise Invalid("form-needs-org")


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


def parse_date(text: str | date | None, today: date | None = None) -> date:
    """DD.MM.YYYY (also with / or -), ISO YYYY-MM-DD, or, given ``today``, a word such as
    "today" or "tomorrow" in any language of the bot (domain.dates)."""
    return parse_typed_date(text, today)


def school_year_start(today: date) -> date:
    """1 September of the school year ``today`` falls in (``today`` in the organisation's zone)."""
    month, day = SCHOOL_YEAR_START
    year = today.year if (today.month, today.day) >= SCHOOL_YEAR_START else today.year - 1
    return date(year, month, day)


def earliest_start(today: date) -> date:
    """The earliest start accepted on ``today``: 1 September of the current school year, or
    ``START_GRACE_DAYS`` back when that is earlier (on 5 September, a programme that began on
    25 August)."""
    return min(school_year_start(today), today - timedelta(days=START_GRACE_DAYS))


def check_start(starts_on: date, today: date) -> None:
    """A programme of the current school year may be entered at any time during it (a programme
    that began in September is entered in December), and one that began up to
    ``START_GRACE_DAYS`` ago at any rate; an earlier start is refused, naming the earliest date
    accepted (``Invalid.params["earliest"]``, a date)."""
    earliest = earliest_start(today)
    if starts_on < earliest:
        raise Invalid("start-past", earliest=earliest, days=START_GRACE_DAYS)
    if starts_on > today + timedelta(days=366 * MAX_YEARS):
        raise Invalid("period-long", years=MAX_YEARS)


def check_end(starts_on: date, ends_on: date, today: date | None = None) -> None:
    """After the start, within ``MAX_YEARS`` of it, and (given ``today``) not already past: a
    programme entered late still has to be running."""
    if ends_on <= starts_on:
        raise Invalid("end-before-start")
    if today is not None and ends_on < today:
        raise Invalid("end-past")
    if ends_on > starts_on + timedelta(days=366 * MAX_YEARS):
        raise Invalid("period-long", years=MAX_YEARS)


def check_role_models(f: Form, codes: list[str] | tuple[str, ...]) -> list[str]:
    """The chosen role models, in the form's order; at least one, all of this form."""
    if not codes:
        raise Invalid("role-models-empty")
    if any(c not in f.role_models for c in codes):
        raise Invalid("role-model")
    return [c for c in f.role_models if c in codes]


def check_interval(days: int) -> int:
    if days not in INTERVALS:
        raise Invalid("interval")
    return days


async def create_programme(
    session: AsyncSession,
    *,
    unit: Unit,
    form_code: str,
    role_models: list[str] | tuple[str, ...],
    title: str,
    starts_on: date | str,
    ends_on: date | str,
    interval_days: int,
    group_mode: bool,
    today: date,
    now: datetime,
    created_by: int | None = None,
) -> Programme:
    f = form(form_code)
    check_form_for_unit(unit, f)
    chosen = check_role_models(f, list(role_models))
    clean_title = parse_title(title)
    start, end = parse_date(starts_on), parse_date(ends_on)
    check_start(start, today)
    check_end(start, end, today)
    check_interval(interval_days)
    programme = Programme(
        unit_id=unit.id, form=f.code, role_models=chosen, title=clean_title, starts_on=start, ends_on=end,
        meeting_interval_days=interval_days, group_mode=bool(group_mode), weights={}, status="active",
        created_by_user_id=created_by, created_at=now,
    )
    session.add(programme)
    await session.flush()
    from domain.roadmap import add_programme_windows  # its monitoring windows on the unit's roadmap

    await add_programme_windows(session, programme, created_by)
    return programme


# ---------------------------------------------------------------------------------------------
# scoped lookups
# ---------------------------------------------------------------------------------------------
def _in_subtree(unit: Unit) -> ColumnElement[bool]:
    return Unit.path.startswith(unit.path)


async def programmes_in_scope(session: AsyncSession, unit: Unit, page: int = 0,
                              page_size: int | None = None) -> tuple[list[tuple[Programme, Unit]], int]:
    """Programmes of the unit and of everything below it, active first, newest start first."""
    cond = [_in_subtree(unit)]
    total = await session.scalar(
        select(func.count()).select_from(Programme).join(Unit, Unit.id == Programme.unit_id).where(*cond)) or 0
    stmt = (
        select(Programme, Unit).join(Unit, Unit.id == Programme.unit_id).where(*cond)
        .order_by((Programme.status != "active"), Programme.starts_on.desc(), Programme.id.desc())
    )
    if page_size:
        stmt = stmt.offset(max(page, 0) * page_size).limit(page_size)
    rows = (await session.execute(stmt)).all()
    return [(p, u) for p, u in rows], total


async def programme_in_access(session: AsyncSession, access: Access,
                              programme_id: int) -> tuple[Programme, Unit] | None:
    """A programme is reachable exactly when its unit is; else None, like a missing one."""
    programme = await session.get(Programme, programme_id)
    if programme is None:
        return None
    unit = await unit_in_access(session, access, programme.unit_id)
    if unit is None:
        return None
    return programme, unit


# ---------------------------------------------------------------------------------------------
# who may take part, on which side
# ---------------------------------------------------------------------------------------------
def side_fits(f: Form, participant: Participant, side: str, today: date) -> str | None:
    """None when the participant may be on ``side`` of a programme of form ``f``; else a code.

    The category must be one the form allows on that side. Someone whose category could have
    registered on that side must have registered on it (a senior student registered as a
    mentor is not a mentee of a teacher); a teacher, who registers as a mentor, may still be a
    mentee of teacher_teacher. A school-student mentor must be 15-18 by birth year, exactly as the
    matching engine checks it (``today.year - birth_year``), so nobody joins who can never be matched.
    """
    if side not in SIDES:
        return "side"
    if participant.category not in f.categories(side):
        return "category"
    if participant.role != side and participant.category in CATEGORIES.get(side, ()):
        return "category"
    if f.student_mentor and side == "mentor" and participant.category == "school_student":
        low, high = STUDENT_MENTOR_AGE
        age = today.year - (participant.birth_year or 0)
        if not low <= age <= high:
            return "mentor-age"
    return None


def _fits_sql(f: Form, side: str, today: date) -> ColumnElement[bool]:
    """``side_fits`` as an SQL condition (for listing the eligible base)."""
    cond = [Participant.category.in_(f.categories(side))]
    could_register = [c for c in f.categories(side) if c in CATEGORIES.get(side, ())]
    if could_register:
        cond.append(or_(Participant.role == side, Participant.category.not_in(could_register)))
    if f.student_mentor and side == "mentor":
        low, high = STUDENT_MENTOR_AGE
        cond.append(or_(Participant.category != "school_student",
                        Participant.birth_year.between(today.year - high, today.year - low)))
    return and_(*cond)


def _active_member_exists(programme: Programme) -> ColumnElement[bool]:
    return exists().where(ProgrammeMember.programme_id == programme.id,
                          ProgrammeMember.participant_id == Participant.id,
                          ProgrammeMember.left_at.is_(None))


async def eligible_base(session: AsyncSession, programme: Programme, side: str, today: date,
                        page: int = 0, page_size: int | None = None) -> tuple[list[Participant], int]:
    """Participants of the programme's subtree who may join on ``side`` and are not active members.

    Awaiting-consent participants are included (flag them when showing); erased ones never.
    """
    if side not in SIDES:
        raise Invalid("side")
    unit = await session.get(Unit, programme.unit_id)
    f = form(programme.form)
    cond = [_in_subtree(unit), Participant.status != "erased", _fits_sql(f, side, today),
            ~_active_member_exists(programme)]
    base = select(Participant).join(Unit, Unit.id == Participant.org_id).where(*cond)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    stmt = base.order_by(Participant.full_name, Participant.id)
    if page_size:
        stmt = stmt.offset(max(page, 0) * page_size).limit(page_size)
    return list((await session.scalars(stmt)).all()), total


async def _participant_unit(session: AsyncSession, participant: Participant) -> Unit | None:
    return await session.get(Unit, participant.org_id)


async def _check_can_join(session: AsyncSession, programme: Programme, participant: Participant, side: str,
                          today: date) -> None:
    if programme.status != "active":
        raise Invalid("finished")
    if participant.status == "erased":
        raise Invalid("erased")
    unit = await session.get(Unit, programme.unit_id)
    org = await _participant_unit(session, participant)
    if unit is None or org is None or not org.path.startswith(unit.path):
        raise Invalid("outside")
    problem = side_fits(form(programme.form), participant, side, today)
    if problem is not None:
        raise Invalid(problem)


async def member_of(session: AsyncSession, programme: Programme | int,
                    participant: Participant | int) -> ProgrammeMember | None:
    """The membership row (active or left) of a participant in a programme."""
    pid = programme if isinstance(programme, int) else programme.id
    partid = participant if isinstance(participant, int) else participant.id
    return await session.scalar(select(ProgrammeMember).where(ProgrammeMember.programme_id == pid,
                                                              ProgrammeMember.participant_id == partid))


async def add_member(session: AsyncSession, programme: Programme, participant: Participant, side: str,
                     now: datetime, today: date | None = None) -> tuple[ProgrammeMember, bool]:
    """Add a participant on a side; (member, True) when added (or back after leaving).

    Idempotent: an active member on the same side is returned with False. An active member on
    the other side is refused ("other-side"), as are erased participants, participants outside
    the programme's subtree and categories the form does not allow on that side.
    """
    today = today or now.date()
    await _check_can_join(session, programme, participant, side, today)
    existing = await member_of(session, programme, participant)
    if existing is not None and existing.left_at is None:
        if existing.side != side:
            raise Invalid("other-side")
        return existing, False
    if existing is not None:  # back after leaving: a fresh start, old wishes forgotten
        existing.left_at = None
        existing.side = side
        existing.joined_at = now
        await session.execute(delete(Preference).where(Preference.from_member_id == existing.id))
        await session.flush()
        return existing, True
    member = ProgrammeMember(programme_id=programme.id, participant_id=participant.id, side=side, joined_at=now)
    try:
        async with session.begin_nested():
            session.add(member)
            await session.flush()
    except IntegrityError:  # added at the same moment by someone else
        found = await member_of(session, programme, participant)
        if found is None:  # pragma: no cover - the constraint said it exists
            raise
        if found.side != side:
            raise Invalid("other-side") from None
        return found, False
    return member, True


async def remove_member(session: AsyncSession, member: ProgrammeMember, now: datetime) -> bool:
    """The member leaves (the row stays, for history); False when they had already left."""
    if member.left_at is not None:
        return False
    member.left_at = now
    await session.flush()
    return True


def _active_member_cond() -> list[ColumnElement[bool]]:
    return [ProgrammeMember.left_at.is_(None), Participant.status != "erased"]


async def members(session: AsyncSession, programme: Programme, side: str | None = None, *,
                  page: int = 0, page_size: int | None = None,
                  only_consented: bool = False) -> list[tuple[ProgrammeMember, Participant]]:
    """Active members (with their participants), by name; ``only_consented`` drops those
    awaiting parental consent (what the matching engine may use)."""
    cond = [ProgrammeMember.programme_id == programme.id, *_active_member_cond()]
    if side is not None:
        cond.append(ProgrammeMember.side == side)
    if only_consented:
        cond.append(Participant.status == "active")
    stmt = (select(ProgrammeMember, Participant).join(Participant, Participant.id == ProgrammeMember.participant_id)
            .where(*cond).order_by(Participant.full_name, Participant.id))
    if page_size:
        stmt = stmt.offset(max(page, 0) * page_size).limit(page_size)
    return [(m, p) for m, p in (await session.execute(stmt)).all()]


async def member_counts(session: AsyncSession, programme: Programme) -> dict[str, int]:
    """mentor, mentee, mentor_awaiting, mentee_awaiting (active members)."""
    counts = {"mentor": 0, "mentee": 0, "mentor_awaiting": 0, "mentee_awaiting": 0}
    rows = await session.execute(
        select(ProgrammeMember.side, Participant.status, func.count())
        .join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(ProgrammeMember.programme_id == programme.id, *_active_member_cond())
        .group_by(ProgrammeMember.side, Participant.status)
    )
    for side, status, n in rows:
        if side in SIDES:
            counts[side] += n
            if status == "awaiting_consent":
                counts[f"{side}_awaiting"] += n
    return counts


async def active_member(session: AsyncSession, programme_id: int, participant: Participant | None
                        ) -> tuple[ProgrammeMember, Programme] | None:
    """The participant's active membership in a programme (None when not a member, left, erased)."""
    if participant is None or participant.status == "erased":
        return None
    row = (await session.execute(
        select(ProgrammeMember, Programme).join(Programme, Programme.id == ProgrammeMember.programme_id)
        .where(ProgrammeMember.programme_id == programme_id, ProgrammeMember.participant_id == participant.id,
               ProgrammeMember.left_at.is_(None))
    )).first()
    return (row[0], row[1]) if row else None


async def memberships(session: AsyncSession, participant: Participant | None
                      ) -> list[tuple[ProgrammeMember, Programme]]:
    """The programmes a participant is an active member of, active programmes first."""
    if participant is None or participant.status == "erased":
        return []
    rows = await session.execute(
        select(ProgrammeMember, Programme).join(Programme, Programme.id == ProgrammeMember.programme_id)
        .where(ProgrammeMember.participant_id == participant.id, ProgrammeMember.left_at.is_(None))
        .order_by((Programme.status != "active"), Programme.starts_on.desc(), Programme.id.desc())
    )
    return [(m, p) for m, p in rows.all()]


async def member_in_programme(session: AsyncSession, programme: Programme, member_id: int
                              ) -> tuple[ProgrammeMember, Participant] | None:
    """A member row of this programme by id (any state), with its participant."""
    row = (await session.execute(
        select(ProgrammeMember, Participant).join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(ProgrammeMember.id == member_id, ProgrammeMember.programme_id == programme.id)
    )).first()
    return (row[0], row[1]) if row else None


# ---------------------------------------------------------------------------------------------
# programme invitations
# ---------------------------------------------------------------------------------------------
async def create_invitation(session: AsyncSession, programme: Programme, now: datetime,
                            created_by: int | None, days: int | None = 30,
                            max_uses: int | None = None) -> Invitation:
    if programme.status != "active":
        raise Invalid("finished")
    unit = await session.get(Unit, programme.unit_id)
    return await invitations.create(session, kind="programme", unit=unit, now=now, created_by=created_by,
                                    days=days, max_uses=max_uses, programme=programme)


async def active_invitations(session: AsyncSession, programme: Programme, now: datetime) -> list[Invitation]:
    rows = await session.scalars(
        select(Invitation)
        .where(Invitation.programme_id == programme.id, Invitation.kind == "programme",
               Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return [inv for inv in rows.all() if invitations.problem(inv, now) is None]


async def join_by_invitation(session: AsyncSession, invitation: Invitation, participant: Participant,
                             now: datetime, today: date | None = None) -> tuple[ProgrammeMember, Programme, bool]:
    """Join the invitation's programme on the side of the participant's role.

    Returns (member, programme, joined); joined is False for someone already a member (nothing
    is counted then). Refusals: Invalid("invite") for a link that is not a usable programme
    invitation, and the codes of ``add_member``.
    """
    today = today or now.date()
    if invitation.kind != "programme" or invitation.programme_id is None or \
            invitations.problem(invitation, now) is not None:
        raise Invalid("invite")
    programme = await session.get(Programme, invitation.programme_id)
    if programme is None:
        raise Invalid("invite")
    side = participant.role
    await _check_can_join(session, programme, participant, side, today)
    existing = await member_of(session, programme, participant)
    if existing is not None and existing.left_at is None:
        if existing.side != side:
            raise Invalid("other-side")
        return existing, programme, False
    if not await invitations.consume(session, invitation, now):
        raise Invalid("invite")
    member, added = await add_member(session, programme, participant, side, now, today)
    return member, programme, added


# ---------------------------------------------------------------------------------------------
# preferences: whom a member would like to work with
# ---------------------------------------------------------------------------------------------
def other_side(side: str) -> str:
    return "mentee" if side == "mentor" else "mentor"


async def choosable(session: AsyncSession, member: ProgrammeMember, page: int = 0,
                    page_size: int | None = None) -> tuple[list[tuple[ProgrammeMember, Participant]], int]:
    """Whom a member may name: active members of the other side whose consent is in place."""
    cond = [ProgrammeMember.programme_id == member.programme_id, ProgrammeMember.side == other_side(member.side),
            ProgrammeMember.left_at.is_(None), Participant.status == "active"]
    base = select(ProgrammeMember, Participant).join(Participant, Participant.id == ProgrammeMember.participant_id)
    total = await session.scalar(
        select(func.count()).select_from(ProgrammeMember)
        .join(Participant, Participant.id == ProgrammeMember.participant_id).where(*cond)) or 0
    stmt = base.where(*cond).order_by(Participant.full_name, Participant.id)
    if page_size:
        stmt = stmt.offset(max(page, 0) * page_size).limit(page_size)
    return [(m, p) for m, p in (await session.execute(stmt)).all()], total


async def _check_member_active(session: AsyncSession, member: ProgrammeMember) -> Programme:
    participant = await session.get(Participant, member.participant_id)
    programme = await session.get(Programme, member.programme_id)
    if member.left_at is not None or participant is None or participant.status == "erased" or programme is None:
        raise Invalid("not-member")
    if programme.status != "active":
        raise Invalid("finished")
    return programme


async def set_preferences(session: AsyncSession, member: ProgrammeMember, target_ids: list[int],
                          now: datetime) -> list[Preference]:
    """Replace a member's wishes: up to three member ids of the other side, best first."""
    await _check_member_active(session, member)
    if len(target_ids) > MAX_PREFERENCES:
        raise Invalid("too-many", max=MAX_PREFERENCES)
    if len(set(target_ids)) != len(target_ids):
        raise Invalid("duplicate")
    if target_ids:
        rows = (await session.execute(
            select(ProgrammeMember.id).join(Participant, Participant.id == ProgrammeMember.participant_id)
            .where(ProgrammeMember.id.in_(target_ids), ProgrammeMember.programme_id == member.programme_id,
                   ProgrammeMember.side == other_side(member.side), ProgrammeMember.left_at.is_(None),
                   Participant.status == "active")
        )).scalars().all()
        if set(rows) != set(target_ids):
            raise Invalid("target")
    await session.execute(delete(Preference).where(Preference.from_member_id == member.id))
    created = [Preference(programme_id=member.programme_id, from_member_id=member.id, to_member_id=tid,
                          rank=rank, created_at=now) for rank, tid in enumerate(target_ids, 1)]
    session.add_all(created)
    await session.flush()
    return created


async def preferences_of(session: AsyncSession, member: ProgrammeMember
                         ) -> list[tuple[int, ProgrammeMember, Participant]]:
    """(rank, member, participant) of a member's wishes that are still active members, by rank."""
    rows = await session.execute(
        select(Preference.rank, ProgrammeMember, Participant)
        .join(ProgrammeMember, ProgrammeMember.id == Preference.to_member_id)
        .join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(Preference.from_member_id == member.id, ProgrammeMember.left_at.is_(None),
               Participant.status != "erased")
        .order_by(Preference.rank)
    )
    return [(r, m, p) for r, m, p in rows.all()]


async def preference_counts(session: AsyncSession, programme: Programme) -> dict[str, int]:
    """How many active members of each side have named at least one preference."""
    counts = dict.fromkeys(SIDES, 0)
    named = select(Preference.from_member_id).where(Preference.programme_id == programme.id).distinct().subquery()
    rows = await session.execute(
        select(ProgrammeMember.side, func.count())
        .join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(ProgrammeMember.programme_id == programme.id, ProgrammeMember.id.in_(select(named.c.from_member_id)),
               *_active_member_cond())
        .group_by(ProgrammeMember.side)
    )
    for side, n in rows:
        counts[side] = n
    return counts


async def members_with_preferences(session: AsyncSession, programme: Programme, page: int = 0,
                                   page_size: int | None = None
                                   ) -> tuple[list[tuple[ProgrammeMember, Participant, list[Participant]]], int]:
    """Active members who named someone, with whom (still active), by name."""
    named = select(Preference.from_member_id).where(Preference.programme_id == programme.id)
    cond = [ProgrammeMember.programme_id == programme.id, ProgrammeMember.id.in_(named), *_active_member_cond()]
    total = await session.scalar(
        select(func.count()).select_from(ProgrammeMember)
        .join(Participant, Participant.id == ProgrammeMember.participant_id).where(*cond)) or 0
    stmt = (select(ProgrammeMember, Participant).join(Participant, Participant.id == ProgrammeMember.participant_id)
            .where(*cond).order_by(ProgrammeMember.side, Participant.full_name, Participant.id))
    if page_size:
        stmt = stmt.offset(max(page, 0) * page_size).limit(page_size)
    result = []
    for m, p in (await session.execute(stmt)).all():
        result.append((m, p, [tp for _, _, tp in await preferences_of(session, m)]))
    return result, total


__all__ = [
    "Form", "forms", "form", "forms_for_unit", "all_role_models", "parse_title", "parse_date",
    "school_year_start", "earliest_start", "START_GRACE_DAYS", "check_start", "check_end",
    "create_programme", "programmes_in_scope", "programme_in_access", "side_fits", "eligible_base",
    "add_member", "remove_member", "members", "member_counts", "member_of", "active_member",
    "memberships", "member_in_programme", "create_invitation", "active_invitations",
    "join_by_invitation", "choosable", "set_preferences", "preferences_of", "preference_counts",
    "members_with_preferences", "other_side", "INVALID_CODES", "SIDES", "INTERVALS",
]
