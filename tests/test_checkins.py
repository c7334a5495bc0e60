"""Meetings, check-ins, the fit question, goals and pairs at risk (domain.checkins).

Pure scheduling rules first, then the services on real databases (SQLite and PostgreSQL) with a
controlled clock. Pairs are seeded directly (forming them is domain.pairing's business).
"""
from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, Visitor, ast
from sqlalchemy import event, func, insert, select

from db.models import (
    AttentionItem,
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
    User,
)
from domain import attention, background, checkins, invitations, surveys
from domain.checkins import Alert, PairClock, RiskFacts
from domain.outbox import is_relevant, quiet_until
from domain.people import accept_curator
from domain.rules import Invalid
from domain.units import create_unit

UTC = timezone.utc
TZ = "Europe/Moscow"  # UTC+3, no DST
ROOT = Path(__file__).resolve().parent.parent
CURATOR_TG = 7701


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """A UTC moment: at("2026-11-16", 13) is 16:00 in Moscow."""
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, minute, tzinfo=UTC)


# =============================================================================================
# seed
# =============================================================================================
@dataclass
class World:
    programme_id: int
    curator_user_id: int
    member: dict[str, int] = field(default_factory=dict)  # name -> member id
    user: dict[str, int] = field(default_factory=dict)  # name -> user id
    participant: dict[str, int] = field(default_factory=dict)  # name -> participant id
    pair: dict[str, int] = field(default_factory=dict)  # P1.. -> pair id


PEOPLE = {  # name: side
    "M1": "mentor", "M2": "mentor",
    "E1": "mentee", "E2": "mentee", "E3": "mentee", "E4": "mentee", "E5": "mentee",
}
PAIRS = {  # name: (mentor, mentees, status, activated)
    "P1": ("M1", ["E1"], "active", at("2026-11-02")),
    "P2": ("M1", ["E2"], "active", at("2026-11-04")),
    "P3": ("M2", ["E3", "E4"], "active", at("2026-11-09")),  # a group
    "P4": ("M2", ["E5"], "ended", at("2026-11-02")),
}


async def seed(sessionmaker, now: datetime, *, form: str = "teacher_student", interval: int = 14) -> World:
    async with sessionmaker() as s:
        region = await create_unit(s, "region", "Ростовская область", timezone=TZ)
        mun = await create_unit(s, "municipality", "Шолоховский район", region)
        org = await create_unit(s, "organisation", "Школа № 1", mun, org_type="school")
        inv = await invitations.create(s, kind="curator", unit=org, now=now)
        role = await accept_curator(s, tg_id=CURATOR_TG, locale="ru", full_name="Куратор Школы", invitation=inv,
                                    now=now)
        prog = Programme(unit_id=org.id, form=form, role_models=[], title="Наставники 2026",
                         starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31), meeting_interval_days=interval,
                         weights={}, status="active", created_at=now)
        s.add(prog)
        await s.flush()
        world = World(prog.id, role.user_id)
        for n, (name, side) in enumerate(PEOPLE.items()):
            user = User(tg_id=7800 + n, locale="ru", full_name=name, created_at=now)
            s.add(user)
            await s.flush()
            category = "teacher" if side == "mentor" else ("young_specialist" if form == "teacher_teacher"
                                                            else "school_student")
            p = Participant(user_id=user.id, org_id=org.id, role=side, category=category, full_name=name,
                            status="active", birth_year=1980 if side == "mentor" else 2011, registered_at=now,
                            updated_at=now)
            s.add(p)
            await s.flush()
            m = ProgrammeMember(programme_id=prog.id, participant_id=p.id, side=side, joined_at=now)
            s.add(m)
            await s.flush()
            world.member[name], world.user[name], world.participant[name] = m.id, user.id, p.id
        for name, (mentor, mentees, status, activated) in PAIRS.items():
            pair = Pair(programme_id=prog.id, mentor_member_id=world.member[mentor], status=status,
                        created_at=activated - timedelta(days=3), approved_at=activated - timedelta(days=2),
                        activated_at=activated, ended_at=activated + timedelta(days=5) if status == "ended" else None)
            s.add(pair)
            await s.flush()
            for mentee in mentees:
                s.add(PairMentee(pair_id=pair.id, mentee_member_id=world.member[mentee], answer="accepted",
                                 answered_at=activated))
            world.pair[name] = pair.id
        await s.commit()
    return world


async def member(s, world: World, name: str) -> ProgrammeMember:
    return await s.get(ProgrammeMember, world.member[name])


async def pair(s, world: World, name: str) -> Pair:
    return await s.get(Pair, world.pair[name])


async def checkins_by_name(s, world: World) -> dict[str, list[CheckIn]]:
    names = {v: k for k, v in world.member.items()}
    out: dict[str, list[CheckIn]] = {}
    for c in (await s.scalars(select(CheckIn).order_by(CheckIn.due_on, CheckIn.id))).all():
        out.setdefault(names[c.member_id], []).append(c)
    return out


async def alerts(s) -> list[AttentionItem]:
    """Alerts about pairs at risk: items of the curators' "needs your attention" lists (domain.attention)."""
    return list((await s.scalars(select(AttentionItem).where(
        AttentionItem.kind.in_((checkins.ATT_RISK, checkins.ATT_FIT))).order_by(AttentionItem.id))).all())


async def outbox(s, kind: str | None = None) -> list[OutboxMessage]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        stmt = stmt.where(OutboxMessage.kind == kind)
    return list((await s.scalars(stmt)).all())


async def run_checkins(sessionmaker, now: datetime) -> int:
    async with sessionmaker() as s:
        n = await checkins.due_checkins(s, now, default_tz="UTC")
        await s.commit()
    return n


# =============================================================================================
# pure rules
# =============================================================================================
def test_next_due_counts_from_the_last_contact():
    p = PairClock(1, 14, date(2026, 11, 2))
    assert checkins.next_due(p) == date(2026, 11, 16)
    p = PairClock(1, 14, date(2026, 11, 2), last_meeting_on=date(2026, 11, 10))
    assert checkins.next_due(p) == date(2026, 11, 24)
    p = PairClock(1, 7, date(2026, 11, 2), last_meeting_on=date(2026, 11, 10), last_checkin_on=date(2026, 11, 12))
    assert checkins.next_due(p) == date(2026, 11, 19)
    # "since" is the last known contact: an unanswered check-in is not one
    assert checkins.since(p) == date(2026, 11, 10)
    assert checkins.since(PairClock(1, 7, date(2026, 11, 2), last_checkin_on=date(2026, 11, 12),
                                    last_answered_on=date(2026, 11, 12))) == date(2026, 11, 12)


def test_plan_groups_pairs_due_soon_and_waits_when_none_is_due():
    a = PairClock(1, 14, date(2026, 11, 2))  # due 16.11
    b = PairClock(2, 14, date(2026, 11, 4))  # due 18.11: within group_ahead(14) = 3 days
    c = PairClock(3, 14, date(2026, 11, 9))  # due 23.11: not yet
    assert checkins.group_ahead(14) == 3 and checkins.group_ahead(7) == 1 and checkins.group_ahead(30) == 7
    assert checkins.plan_checkin([a, b, c], date(2026, 11, 15)) is None
    plan = checkins.plan_checkin([a, b, c], date(2026, 11, 16))
    assert plan == checkins.Plan(date(2026, 11, 16), date(2026, 11, 2), (1, 2))
    # the pairs are in step afterwards: both counted from 16.11
    a2 = PairClock(1, 14, date(2026, 11, 2), last_checkin_on=date(2026, 11, 16))
    b2 = PairClock(2, 14, date(2026, 11, 4), last_checkin_on=date(2026, 11, 16))
    assert checkins.plan_checkin([a2, b2], date(2026, 11, 29)) is None
    assert checkins.plan_checkin([a2, b2], date(2026, 11, 30)).pair_ids == (1, 2)


def test_snooze_is_bounded():
    now = at("2026-11-16")
    assert checkins.snooze_until(0, now) == now + checkins.SNOOZE
    assert checkins.snooze_until(checkins.MAX_SNOOZES - 1, now) == now + timedelta(days=1)
    with pytest.raises(Invalid) as exc:
        checkins.snooze_until(checkins.MAX_SNOOZES, now)
    assert exc.value.code == "snooze-limit" and exc.value.params == {"max": checkins.MAX_SNOOZES}


@pytest.mark.parametrize("raw,expected", [
    ("today", date(2026, 11, 23)), ("Yesterday", date(2026, 11, 22)), ("05.11.2026", date(2026, 11, 5)),
    ("5/11/2026", date(2026, 11, 5)), ("05.11", date(2026, 11, 5)), (date(2026, 11, 2), date(2026, 11, 2)),
    (datetime(2026, 11, 20, 12, tzinfo=UTC), date(2026, 11, 20)),
    ("сегодня", date(2026, 11, 23)), ("Вчера", date(2026, 11, 22)), (" ПОЗАВЧЕРА. ", date(2026, 11, 21)),
    ("the day before yesterday", date(2026, 11, 21)), ("2026-11-05", date(2026, 11, 5)),
])
def test_meeting_date_parsing(raw, expected):
    assert checkins.parse_meeting_date(raw, date(2026, 11, 23), date(2026, 11, 2)) == expected


@pytest.mark.parametrize("raw,code", [
    ("tomorrow", "date-future"), ("завтра", "date-future"), ("завтрашний", "date-format"), ("31.02.2026", "date-format"), ("2026", "date-format"), ("", "date-format"),
    (None, "date-format"), ("24.11.2026", "date-future"), (date(2027, 1, 1), "date-future"),
    ("01.11.2026", "date-before-pair"), ("01.01.2020", "date-before-pair"),
])
def test_meeting_date_refused(raw, code):
    with pytest.raises(Invalid) as exc:
        checkins.parse_meeting_date(raw, date(2026, 11, 23), date(2026, 11, 2))
    assert exc.value.code == code
    if code == "date-before-pair":
        assert exc.value.params == {"start": "02.11.2026"}


def test_minutes_topic_progress_parsing():
    assert checkins.parse_minutes(45) == 45 and checkins.parse_minutes(" 90 ") == 90
    for bad in (0, -5, 601, "an hour", None, True, 1.5):
        with pytest.raises(Invalid):
            checkins.parse_minutes(bad)
    assert checkins.parse_topic("  ") is None and checkins.parse_topic(" Проект \n по физике ") == "Проект по физике"
    with pytest.raises(Invalid) as exc:
        checkins.parse_topic("x" * 201)
    assert exc.value.code == "topic-too-long" and exc.value.params == {"max": 200}
    assert checkins.parse_progress("50%") == 50 and checkins.parse_progress(100) == 100
    for bad in (101, -1, "half", True):
        with pytest.raises(Invalid):
            checkins.parse_progress(bad)


def test_is_in_pair():
    assert checkins.is_in_pair(1, 1, [2, 3]) and checkins.is_in_pair(3, 1, [2, 3])
    assert not checkins.is_in_pair(4, 1, [2, 3])


def test_at_risk_rules_each_reason_and_dedupe():
    today = date(2026, 11, 30)  # Monday, ISO week 49
    week = checkins.iso_week(today)
    # no meeting in twice the interval, since activation or since the last meeting
    assert checkins.at_risk([RiskFacts(1, 14, date(2026, 11, 3))], today) == []  # 27 days
    assert checkins.at_risk([RiskFacts(1, 14, date(2026, 11, 2))], today) == [Alert(1, "no-meeting", week, 28)]
    assert checkins.at_risk([RiskFacts(1, 14, date(2026, 10, 1), last_meeting_on=date(2026, 11, 20))], today) == []
    assert checkins.at_risk([RiskFacts(1, 7, date(2026, 10, 1), last_meeting_on=date(2026, 11, 16))],
                            today) == [Alert(1, "no-meeting", week, 14)]
    # a low rating: one alert per pair and week of the survey, with the lowest score
    facts = RiskFacts(2, 14, date(2026, 11, 25), low_ratings=((date(2026, 11, 27), 4), (date(2026, 11, 28), 2),
                                                               (date(2026, 11, 30), 5)))
    assert checkins.at_risk([facts], today) == [Alert(2, "low-rating", "2026w48", 2)]
    # a declined fit and an unreachable person
    facts = RiskFacts(3, 14, date(2026, 11, 25), declined_fits=(date(2026, 11, 29), date(2026, 11, 30)), unreachable=1)
    assert checkins.at_risk([facts], today) == [
        Alert(3, "fit-declined", "2026w48"), Alert(3, "fit-declined", "2026w49"), Alert(3, "unreachable", week, 1)]
    # everything fine
    assert checkins.at_risk([RiskFacts(4, 14, date(2026, 11, 25))], today) == []


def test_callback_data_round_trip():
    assert checkins.checkin_callback(12, "later") == "wc:12:l"
    assert checkins.parse_checkin_callback("wc:12:y") == (12, "yes")
    for bad in ("wc:12:x", "wc:abc:y", "qn:12:y", "wc:12", ""):
        with pytest.raises(Invalid):
            checkins.parse_checkin_callback(bad)


# =============================================================================================
# check-ins on a real database
# =============================================================================================
async def test_checkins_at_the_interval_one_per_person_no_duplicates(sessionmaker, clock):
    world = await seed(sessionmaker, at("2026-11-01"))
    assert await run_checkins(sessionmaker, at("2026-11-15", 20)) == 0  # nothing due yet

    now = at("2026-11-16", 6)  # 09:00 in Moscow: sent at CHECKIN_HOUR local
    assert await run_checkins(sessionmaker, now) == 2
    assert await run_checkins(sessionmaker, now) == 0
    assert await run_checkins(sessionmaker, now + timedelta(hours=10)) == 0  # no second one the same day
    async with sessionmaker() as s:
        got = await checkins_by_name(s, world)
        assert set(got) == {"M1", "E1"}
        # the mentor of two pairs gets one check-in listing both (P2 is due in two days)
        m1 = got["M1"][0]
        assert m1.pair_ids == [world.pair["P1"], world.pair["P2"]]
        assert m1.since == date(2026, 11, 2) and m1.due_on == date(2026, 11, 16) and m1.status == "pending"
        assert got["E1"][0].pair_ids == [world.pair["P1"]]
        rows = await outbox(s, "checkin")
        assert len(rows) == 2
        row = next(r for r in rows if r.user_id == world.user["M1"])
        assert row.payload["key"] == "checkin-ask"
        assert row.payload["args"] == {"since": "02.11.2026", "partners": "E1, E2", "count": 2}
        assert row.tz == TZ and row.due_at == at("2026-11-16", 13)  # 16:00 local
        assert row.dedupe_key == f"checkin:p{world.participant['M1']}:20261116"
        assert [b["callback_data"] for b in row.payload["buttons"][0]] == [
            f"wc:{m1.id}:y", f"wc:{m1.id}:n", f"wc:{m1.id}:l"]
        assert await is_relevant(s, row)

    # E2's pair falls due on its own day; the mentor is not asked again about it
    assert await run_checkins(sessionmaker, at("2026-11-18")) == 1
    # the group: its mentor gets one check-in listing the group, each mentee their own
    assert await run_checkins(sessionmaker, at("2026-11-23")) == 3
    async with sessionmaker() as s:
        got = await checkins_by_name(s, world)
        assert got["E2"][0].pair_ids == [world.pair["P2"]] and got["E2"][0].since == date(2026, 11, 4)
        assert got["M2"][0].pair_ids == [world.pair["P3"]]
        assert len(got["E3"]) == len(got["E4"]) == 1
        assert "E5" not in got  # the ended pair gets no check-ins
        row = next(r for r in await outbox(s, "checkin") if r.user_id == world.user["M2"])
        assert row.payload["args"]["partners"] == "E3, E4"

    # the next cycle: the unanswered check-in is superseded (expired), its pairs asked again together
    assert await run_checkins(sessionmaker, at("2026-11-29")) == 0
    assert await run_checkins(sessionmaker, at("2026-11-30")) == 2  # M1 and E1 (E2's is due on 2.12)
    async with sessionmaker() as s:
        got = await checkins_by_name(s, world)
        assert [c.status for c in got["M1"]] == ["expired", "pending"]
        assert got["M1"][1].pair_ids == [world.pair["P1"], world.pair["P2"]]
        assert got["M1"][1].since == date(2026, 11, 2)  # nothing answered: the last known contact is the start
        with pytest.raises(Invalid) as exc:
            await checkins.answer_checkin(s, got["M1"][0].id, world.user["M1"], "yes", at("2026-11-30"))
        assert exc.value.code == "checkin-expired"


async def test_no_checkins_for_ended_pairs_unreachable_people_or_after_the_programme(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:
        (await pair(s, world, "P1")).status = "dissolved"
        (await s.get(User, world.user["M1"])).unreachable_at = at("2026-11-10")
        await s.commit()
    assert await run_checkins(sessionmaker, at("2026-11-16")) == 0  # E1's pair ended; M1 blocked the bot
    async with sessionmaker() as s:
        prog = await s.get(Programme, world.programme_id)
        prog.ends_on = date(2026, 11, 20)
        await s.commit()
    assert await run_checkins(sessionmaker, at("2026-11-21")) == 0  # P2 and P3 would be due, the programme is over
    async with sessionmaker() as s:
        assert await checkins_by_name(s, world) == {}


async def test_answers_yes_no_later_and_the_snooze_limit(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-16", 13)
    await run_checkins(sessionmaker, now)
    async with sessionmaker() as s:
        got = await checkins_by_name(s, world)
        e1, m1 = got["E1"][0], got["M1"][0]
        # someone else's button
        with pytest.raises(Invalid) as exc:
            await checkins.answer_checkin(s, e1.id, world.user["E2"], "yes", now)
        assert exc.value.code == "checkin-unknown"
        with pytest.raises(Invalid) as exc:
            await checkins.answer_checkin(s, e1.id, world.user["E1"], "maybe", now)
        assert exc.value.code == "answer"
        # later, three times, each a new message a day later; the last one has no "later" button
        for n in range(1, checkins.MAX_SNOOZES + 1):
            moment = now + timedelta(days=n - 1)
            res = await checkins.answer_checkin(s, e1.id, world.user["E1"], "later", moment)
            assert res.checkin.snoozes == n and res.checkin.status == "pending"
            assert res.checkin.snooze_until == moment + timedelta(days=1)
            row = (await outbox(s, "checkin"))[-1]
            assert row.dedupe_key == f"checkin:p{world.participant['E1']}:20261116:{n}"
            assert row.due_at == moment + timedelta(days=1)
            has_later = any(b["callback_data"].endswith(":l") for b in row.payload["buttons"][0])
            assert has_later == (n < checkins.MAX_SNOOZES)
        with pytest.raises(Invalid) as exc:
            await checkins.answer_checkin(s, e1.id, world.user["E1"], "later", now + timedelta(days=3))
        assert exc.value.code == "snooze-limit"
        # older messages of a snoozed check-in are no longer relevant; the latest is
        rows = [r for r in await outbox(s, "checkin") if r.user_id == world.user["E1"]]
        assert [await is_relevant(s, r) for r in rows] == [False, False, False, True]
        # yes: answered; yes again carries on; no after yes is refused; the message is dropped
        res = await checkins.answer_checkin(s, e1.id, world.user["E1"], "yes", now + timedelta(days=3))
        assert res.checkin.status == "answered" and res.checkin.answer == "yes" and not res.repeated
        assert [p.id for p in res.pairs] == [world.pair["P1"]]
        res = await checkins.answer_checkin(s, e1.id, world.user["E1"], "yes", now + timedelta(days=3))
        assert res.repeated
        with pytest.raises(Invalid) as exc:
            await checkins.answer_checkin(s, e1.id, world.user["E1"], "no", now + timedelta(days=3))
        assert exc.value.code == "checkin-answered"
        assert not await is_relevant(s, rows[-1])
        # no
        res = await checkins.answer_checkin(s, m1.id, world.user["M1"], "no", now)
        assert res.checkin.answer == "no" and len(res.pairs) == 2
        await s.commit()
    # an answered check-in is the last known contact of the next one
    await run_checkins(sessionmaker, at("2026-11-30"))
    async with sessionmaker() as s:
        got = await checkins_by_name(s, world)
        assert got["M1"][-1].since == date(2026, 11, 16) and got["M1"][-1].due_on == date(2026, 11, 30)


async def test_relevance_drops_checkins_of_ended_pairs_and_already_met_pairs(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-16", 6)
    await run_checkins(sessionmaker, now)
    async with sessionmaker() as s:
        rows = {r.user_id: r for r in await outbox(s, "checkin")}
        # the mentor logs a meeting with E1 before the 16:00 messages go: E1's question is moot,
        # M1's still asks about P2
        await checkins.log_meeting(s, await pair(s, world, "P1"), await member(s, world, "M1"), "today", "offline",
                                   45, None, now + timedelta(hours=1))
        assert not await is_relevant(s, rows[world.user["E1"]])
        assert await is_relevant(s, rows[world.user["M1"]])
        # P2 ends: nothing left to ask the mentor about
        (await pair(s, world, "P2")).status = "ended"
        await s.flush()
        assert not await is_relevant(s, rows[world.user["M1"]])
    async with sessionmaker() as s:  # (nothing above was committed)
        row = next(r for r in await outbox(s, "checkin") if r.user_id == world.user["M1"])
        assert await is_relevant(s, row)
        # the person left the programme
        (await member(s, world, "M1")).left_at = now
        await s.flush()
        assert not await is_relevant(s, row)


async def add_second_programme(sessionmaker, world: World, now: datetime, *, activated: datetime,
                               title: str = "Профориентация") -> tuple[int, int, int]:
    """M1 also mentors X1 in a second programme of the same school (the same person, a second
    programme member). Returns (programme id, M1's member in it, the pair id)."""
    async with sessionmaker() as s:
        first = await s.get(Programme, world.programme_id)
        prog = Programme(unit_id=first.unit_id, form=first.form, role_models=[], title=title,
                         starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31), meeting_interval_days=14,
                         weights={}, status="active", created_at=now)
        s.add(prog)
        user = User(tg_id=7899, locale="ru", full_name="X1", created_at=now)
        s.add(user)
        await s.flush()
        m1 = await s.get(Participant, world.participant["M1"])
        x1 = Participant(user_id=user.id, org_id=m1.org_id, role="mentee", category="school_student", full_name="X1",
                         status="active", birth_year=2011, registered_at=now, updated_at=now)
        s.add(x1)
        await s.flush()
        mentor = ProgrammeMember(programme_id=prog.id, participant_id=m1.id, side="mentor", joined_at=now)
        mentee = ProgrammeMember(programme_id=prog.id, participant_id=x1.id, side="mentee", joined_at=now)
        s.add_all([mentor, mentee])
        await s.flush()
        pair_b = Pair(programme_id=prog.id, mentor_member_id=mentor.id, status="active",
                      created_at=activated - timedelta(days=3), approved_at=activated - timedelta(days=2),
                      activated_at=activated)
        s.add(pair_b)
        await s.flush()
        s.add(PairMentee(pair_id=pair_b.id, mentee_member_id=mentee.id, answer="accepted", answered_at=activated))
        world.user["X1"], world.participant["X1"], world.member["X1"] = user.id, x1.id, mentee.id
        await s.commit()
        return prog.id, mentor.id, pair_b.id


async def test_one_checkin_per_person_across_programmes(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    _, m1_b, pair_b = await add_second_programme(sessionmaker, world, at("2026-11-01"), activated=at("2026-11-03"))
    now = at("2026-11-16", 6)
    assert await run_checkins(sessionmaker, now) == 2  # M1 (P1, P2 and the second programme's pair), E1
    assert await run_checkins(sessionmaker, now + timedelta(hours=3)) == 0
    async with sessionmaker() as s:
        mine = (await s.scalars(select(CheckIn).where(CheckIn.participant_id == world.participant["M1"]))).all()
        assert len(mine) == 1
        [checkin] = mine
        assert checkin.pair_ids == [world.pair["P1"], world.pair["P2"], pair_b]
        assert checkin.member_id == world.member["M1"]  # the member of the first listed pair
        rows = [r for r in await outbox(s, "checkin") if r.user_id == world.user["M1"]]
        assert len(rows) == 1
        assert rows[0].payload["args"] == {"since": "02.11.2026", "count": 3,
                                           "partners": "E1, E2 (Наставники 2026); X1 (Профориентация)"}
        assert rows[0].dedupe_key == f"checkin:p{world.participant['M1']}:20261116"
        # "yes": every listed pair comes with the person's own member in its programme
        res = await checkins.answer_checkin(s, checkin.id, world.user["M1"], "yes", now)
        assert [(e.pair.id, e.member.id) for e in res.listed] == [
            (world.pair["P1"], world.member["M1"]), (world.pair["P2"], world.member["M1"]), (pair_b, m1_b)]
        assert res.member.id == world.member["M1"] and res.participant.id == world.participant["M1"]
        await s.rollback()
    async with sessionmaker() as s:
        [row] = [r for r in await outbox(s, "checkin") if r.user_id == world.user["M1"]]
        # meetings logged in both programmes settle the one check-in only when every pair has met
        b_member = await s.get(ProgrammeMember, m1_b)
        await checkins.log_meeting(s, await s.get(Pair, pair_b), b_member, "today", "online", 30, None, now)
        await checkins.log_meeting(s, await pair(s, world, "P1"), await member(s, world, "M1"), "today", "online",
                                   30, None, now)
        assert await is_relevant(s, row)  # P2 has not met
        checkin = await s.scalar(select(CheckIn).where(CheckIn.participant_id == world.participant["M1"]))
        assert checkin.status == "pending"
        await checkins.log_meeting(s, await pair(s, world, "P2"), await member(s, world, "M1"), "today", "online",
                                   30, None, now)
        assert (checkin.status, checkin.answer) == ("answered", "yes")
        assert not await is_relevant(s, row)
        await s.rollback()
    async with sessionmaker() as s:
        # leaving the second programme takes its pair off the check-in, not the others
        (await s.get(ProgrammeMember, m1_b)).left_at = now
        await s.flush()
        checkin = await s.scalar(select(CheckIn).where(CheckIn.participant_id == world.participant["M1"]))
        assert [p.id for p in await checkins.checkin_pairs(s, checkin)] == [world.pair["P1"], world.pair["P2"]]
        # "later" re-asks the person once, under the same per-person key with the snooze count
        res = await checkins.answer_checkin(s, checkin.id, world.user["M1"], "later", now)
        assert res.checkin.snoozes == 1
        later = [r for r in await outbox(s, "checkin") if r.user_id == world.user["M1"]][-1]
        assert later.dedupe_key == f"checkin:p{world.participant['M1']}:20261116:1"
        assert later.payload["args"]["count"] == 3 and await is_relevant(s, later)


async def test_history_read_in_chunks_of_ids(sessionmaker, monkeypatch):
    """The check-in history is read in chunks of ids (PostgreSQL's parameter limit): with one id a
    chunk, a person is still asked once a day and their old check-in expires on the next one."""
    monkeypatch.setattr(checkins, "ID_CHUNK", 1)
    world = await seed(sessionmaker, at("2026-11-01"))
    assert await run_checkins(sessionmaker, at("2026-11-16", 6)) == 2
    assert await run_checkins(sessionmaker, at("2026-11-16", 12)) == 0
    assert await run_checkins(sessionmaker, at("2026-11-30")) == 6  # M1 and E1 again; E2, M2, E3, E4 first
    async with sessionmaker() as s:
        got = await checkins_by_name(s, world)
        assert [c.status for c in got["M1"]] == ["expired", "pending"]


async def test_checkin_rows_from_before_the_person_column_still_count(sessionmaker):
    """Rows written when check-ins were per programme member (no participant, the old outbox
    key) still block a second check-in that day and are judged by the old key."""
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-16", 6)
    async with sessionmaker() as s:
        old = CheckIn(member_id=world.member["E1"], participant_id=None, due_on=date(2026, 11, 16), due_at=now,
                      since=date(2026, 11, 2), pair_ids=[world.pair["P1"]], status="pending", snoozes=0,
                      created_at=now)
        s.add(old)
        await s.flush()
        from domain.outbox import enqueue

        row = await enqueue(s, user_id=world.user["E1"], chat_id=7802, kind="checkin", key="checkin-ask",
                            args={"since": "02.11.2026", "partners": "M1", "count": 1}, due_at=now,
                            dedupe_key=f"checkin:{world.member['E1']}:20261116")
        await s.commit()
    assert await run_checkins(sessionmaker, now) == 1  # M1 only: E1 was asked today
    async with sessionmaker() as s:
        assert await is_relevant(s, row)
        res = await checkins.answer_checkin(s, old.id, world.user["E1"], "no", now)
        assert res.listed[0].member.id == world.member["E1"]
        assert not await is_relevant(s, row)
        # an outbox key that names no check-in is left alone (the delivery benchmark writes such rows)
        assert await is_relevant(s, OutboxMessage(kind="checkin", dedupe_key=None, payload={}))


async def test_erasure_expires_the_persons_checkins(sessionmaker):
    from domain.people import erase_user

    world = await seed(sessionmaker, at("2026-11-01"))
    await add_second_programme(sessionmaker, world, at("2026-11-01"), activated=at("2026-11-03"))
    now = at("2026-11-16", 6)
    await run_checkins(sessionmaker, now)
    async with sessionmaker() as s:
        checkin = await s.scalar(select(CheckIn).where(CheckIn.participant_id == world.participant["M1"]))
        user = await s.get(User, world.user["M1"])
        await erase_user(s, user, now)
        await s.commit()
    async with sessionmaker() as s:
        checkin = await s.get(CheckIn, checkin.id)
        assert checkin.status == "expired"
        assert await checkins.checkin_pairs(s, checkin) == []
        with pytest.raises(Invalid) as exc:  # nobody answers an erased person's question
            await checkins.answer_checkin(s, checkin.id, world.user["M1"], "yes", now)
        assert exc.value.code == "checkin-unknown"
    await run_checkins(sessionmaker, at("2026-11-30"))  # E1's next one; none for the erased person
    async with sessionmaker() as s:
        mine = (await s.scalars(select(CheckIn).where(CheckIn.participant_id == world.participant["M1"]))).all()
        assert [c.id for c in mine] == [checkin.id]


async def test_quiet_hours_hold_a_checkin_due_late_in_the_evening(sessionmaker):
    await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-16", 20)  # 23:00 in Moscow: the job ran late (the bot was down all day)
    assert await run_checkins(sessionmaker, now) == 2
    async with sessionmaker() as s:
        for row in await outbox(s, "checkin"):
            assert row.tz == TZ and row.due_at == now
            assert quiet_until(row.due_at, row.tz, 22, 8) == at("2026-11-17", 5)  # 08:00 local
    # a check-in queued for 16:00 local is outside quiet hours
    assert quiet_until(at("2026-11-30", 13), TZ, 22, 8) is None


# =============================================================================================
# meetings, fit, goals
# =============================================================================================
async def test_log_meeting_validates_and_keeps_one_row_per_meeting(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-20", 12)
    async with sessionmaker() as s:
        p1, e1, m1 = await pair(s, world, "P1"), await member(s, world, "E1"), await member(s, world, "M1")
        bad = [
            (dict(held_on="21.11.2026"), "date-future"),
            (dict(held_on="01.11.2026"), "date-before-pair"),
            (dict(held_on="someday"), "date-format"),
            (dict(format="phone"), "format"),
            (dict(minutes=0), "minutes"),
            (dict(minutes="long"), "minutes"),
            (dict(topic="x" * 201), "topic-too-long"),
        ]
        for override, code in bad:
            args = dict(held_on="yesterday", format="online", minutes=30, topic=None) | override
            with pytest.raises(Invalid) as exc:
                await checkins.log_meeting(s, p1, e1, args["held_on"], args["format"], args["minutes"], args["topic"],
                                           now)
            assert exc.value.code == code
        # someone outside the pair; a pair that ended
        with pytest.raises(Invalid) as exc:
            await checkins.log_meeting(s, p1, await member(s, world, "E3"), "today", "online", 30, None, now)
        assert exc.value.code == "not-in-pair"
        with pytest.raises(Invalid) as exc:
            await checkins.log_meeting(s, await pair(s, world, "P4"), await member(s, world, "E5"), "today", "online",
                                       30, None, now)
        assert exc.value.code == "pair-not-active"

        logged = await checkins.log_meeting(s, p1, e1, "yesterday", "online", "45", " Проект ", now)
        assert logged.created and logged.first and logged.occasion == f"meeting:{logged.meeting.id}"
        assert (logged.meeting.held_on, logged.meeting.format, logged.meeting.minutes, logged.meeting.topic) == \
            (date(2026, 11, 19), "online", 45, "Проект")
        # the other side is invited to rate it
        invites = await outbox(s, surveys.KIND_INVITE)
        assert [(r.user_id, r.payload["key"], r.payload["args"]) for r in invites] == [
            (world.user["M1"], "sv-invite-meeting", {"who": "E1", "date": "19.11.2026"})]
        assert invites[0].payload["buttons"][0][0]["callback_data"] == f"ws:m:{logged.meeting.id}"
        assert invites[0].tz == TZ
        # the mentor logs the same meeting: the same row, no second invitation
        again = await checkins.log_meeting(s, p1, m1, date(2026, 11, 19), "offline", 60, None, now)
        assert not again.created and not again.first and again.meeting.id == logged.meeting.id
        second = await checkins.log_meeting(s, p1, m1, "today", "offline", 60, None, now)
        assert second.created and not second.first
        assert [m.held_on for m in await checkins.meetings_of(s, p1)] == [date(2026, 11, 19), date(2026, 11, 20)]
        await s.commit()
    # a meeting moves the next check-in: P1 met on 20.11, so it is due on 4.12, not 16.11
    assert await run_checkins(sessionmaker, at("2026-11-30")) == 5  # M1 and E2 (P2), M2, E3, E4 (P3)
    async with sessionmaker() as s:
        got = await checkins_by_name(s, world)
        assert "E1" not in got
        assert got["M1"][0].pair_ids == [world.pair["P2"]]  # P1 is 4 days away: more than group_ahead(14)


async def test_unprompted_meeting_settles_the_loggers_open_checkin(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    await run_checkins(sessionmaker, at("2026-11-16", 6))
    async with sessionmaker() as s:
        await checkins.log_meeting(s, await pair(s, world, "P1"), await member(s, world, "E1"), "today", "offline",
                                   30, None, at("2026-11-16", 8))
        got = await checkins_by_name(s, world)
        assert (got["E1"][0].status, got["E1"][0].answer) == ("answered", "yes")
        assert got["M1"][0].status == "pending"  # M1's lists P2 too, and M1 did not answer


async def test_fit_question_after_the_first_meeting(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-20", 12)
    async with sessionmaker() as s:
        p1, e1, m1 = await pair(s, world, "P1"), await member(s, world, "E1"), await member(s, world, "M1")
        assert not await checkins.needs_fit(s, p1, e1)
        with pytest.raises(Invalid) as exc:
            await checkins.record_fit(s, p1, e1, True, None, now)
        assert exc.value.code == "fit-too-early"
        await checkins.log_meeting(s, p1, e1, "today", "offline", 30, None, now)
        assert await checkins.needs_fit(s, p1, e1) and await checkins.needs_fit(s, p1, m1)
        assert not await checkins.needs_fit(s, p1, await member(s, world, "E2"))  # not in this pair
        with pytest.raises(Invalid) as exc:
            await checkins.record_fit(s, p1, await member(s, world, "E2"), True, None, now)
        assert exc.value.code == "not-in-pair"
        with pytest.raises(Invalid) as exc:
            await checkins.record_fit(s, p1, m1, False, "x" * 501, now)
        assert exc.value.code == "reason-too-long"
        fit = await checkins.record_fit(s, p1, m1, True, None, now)
        assert fit.fits and not await checkins.needs_fit(s, p1, m1)
        with pytest.raises(Invalid) as exc:
            await checkins.record_fit(s, p1, m1, False, None, now)
        assert exc.value.code == "fit-answered"
        assert await alerts(s) == []

        # "no" goes to the curator at once, with a re-matching suggestion
        fit = await checkins.record_fit(s, p1, e1, False, "  Нам  не о чем говорить ", now)
        assert not fit.fits and fit.reason == "Нам не о чем говорить"
        [alert] = await alerts(s)
        assert alert.user_id == world.curator_user_id and alert.key == "risk-fit-declined"
        assert alert.kind == "fit" and alert.ref == f"p{p1.id}"
        assert alert.args == {"programme": "Наставники 2026", "mentor": "M1", "mentees": "E1", "who": "E1",
                                         "reason": "Нам не о чем говорить"}
        assert [[b["callback_data"] for b in row] for row in alert.buttons] == [
            [f"wm:{p1.id}"], [f"wr:{p1.id}"]]
        assert await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.kind == attention.KIND_SUMMARY, OutboxMessage.user_id == world.curator_user_id)) == 1
        await s.commit()
    # the periodic run does not repeat it
    async with sessionmaker() as s:
        assert await checkins.risk_alerts(s, now + timedelta(hours=1)) == 0


async def test_goals_of_mentees_and_their_progress(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-05")
    async with sessionmaker() as s:
        p3 = await pair(s, world, "P3")
        e3, e4, m2 = await member(s, world, "E3"), await member(s, world, "E4"), await member(s, world, "M2")
        g1 = await checkins.add_goal(s, p3, e3, "  Подготовиться к ОГЭ по физике ", now)
        g2 = await checkins.add_goal(s, p3, e4, "Сделать проект", now)
        assert g1.text == "Подготовиться к ОГЭ по физике" and g1.progress == 0
        for who, text, code in [(m2, "goal", "not-mentee"), (e3, "   ", "goal-empty"), (e3, "x" * 301, "goal-too-long"),
                                (await member(s, world, "E1"), "goal", "not-in-pair")]:
            with pytest.raises(Invalid) as exc:
                await checkins.add_goal(s, p3, who, text, now)
            assert exc.value.code == code
        for n in range(checkins.GOALS_PER_PAIR - 1):
            await checkins.add_goal(s, p3, e3, f"goal {n}", now)
        with pytest.raises(Invalid) as exc:
            await checkins.add_goal(s, p3, e3, "one too many", now)
        assert exc.value.code == "goals-too-many"

        g1 = await checkins.set_goal_progress(s, g1.id, e3, "40%", now + timedelta(days=7))
        g1 = await checkins.set_goal_progress(s, g1.id, e3, 100, now + timedelta(days=14))
        assert g1.progress == 100 and g1.done_at == now + timedelta(days=14)
        assert [v for _, v in g1.history] == [40, 100]
        # a done goal frees a place
        await checkins.add_goal(s, p3, e3, "another", now)
        for goal_id, who, value, code in [(g1.id, e4, 50, "goal-unknown"), (g1.id, m2, 50, "goal-unknown"),
                                          (g1.id, e3, 120, "progress"), (10_000, e3, 5, "goal-unknown")]:
            with pytest.raises(Invalid) as exc:
                await checkins.set_goal_progress(s, goal_id, who, value, now)
            assert exc.value.code == code
        # the mentor sees every mentee's goals; a mentee their own; outsiders nothing
        assert len(await checkins.goals_of(s, p3, m2)) == 7
        assert [g.id for g in await checkins.goals_of(s, p3, e4)] == [g2.id]
        with pytest.raises(Invalid):
            await checkins.goals_of(s, p3, await member(s, world, "M1"))


# =============================================================================================
# pairs at risk
# =============================================================================================
async def test_risk_alerts_each_reason_once_per_period(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:
        assert await checkins.risk_alerts(s, at("2026-11-20")) == 0
        # P1 (from 2.11) has not met in 28 days; P2 (from 4.11) only 26
        now = at("2026-11-30")
        assert await checkins.risk_alerts(s, now) == 1
        [row] = await alerts(s)
        assert row.key == "risk-no-meeting" and row.user_id == world.curator_user_id and row.kind == "risk"
        assert row.args == {"programme": "Наставники 2026", "mentor": "M1", "mentees": "E1", "days": 28}
        assert row.dedupe_key == f"risk-alert:{world.pair['P1']}:no-meeting:2026w49:{world.curator_user_id}"
        assert row.tz == TZ and await attention.is_open(s, row, now)
        assert await checkins.risk_alerts(s, now + timedelta(days=1)) == 0  # P1 not again this week
        assert await checkins.risk_alerts(s, now + timedelta(days=2)) == 1  # P2: 28 days since 4.11
        assert await checkins.risk_alerts(s, now + timedelta(days=7)) == 3  # a new week: P1, P2, and P3 (from 9.11)

        # a blocked bot
        (await s.get(User, world.user["E4"])).unreachable_at = now
        await s.flush()
        assert await checkins.risk_alerts(s, now + timedelta(days=7, hours=1)) == 1
        row = (await alerts(s))[-1]
        assert row.key == "risk-unreachable" and row.args["who"] == "E4"
        assert row.args["mentees"] == "E3, E4"
        # one line per pair: its newest reason replaces the older one on the list
        older = (await alerts(s))[-2]
        assert older.ref == row.ref == f"p{world.pair['P3']}" and older.closed_why == attention.REPLACED

        # the pair ends: its alert leaves the list (resolved)
        (await pair(s, world, "P3")).status = "ended"
        await s.flush()
        assert not await attention.is_open(s, row, now + timedelta(days=7, hours=2))
        assert row.closed_why == attention.RESOLVED


async def test_risk_alert_for_a_low_rating_in_the_latest_survey(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        p2, e2, m1 = await pair(s, world, "P2"), await member(s, world, "E2"), await member(s, world, "M1")
        first = await checkins.log_meeting(s, p2, e2, "09.11.2026", "offline", 45, None, now)
        response = await surveys.start_or_resume(s, e2, first.occasion, now)
        for item_id, value in [("useful", 9), ("comfort", 3), ("clarity", 8), ("next_planned", "y")]:
            await surveys.answer(s, response, item_id, value, now)
        await surveys.skip_item(s, response, "comment", now)
        assert response.completed_at == now
        # the mentor's survey is fine
        response = await surveys.start_or_resume(s, m1, first.occasion, now)
        for item_id, value in [("useful", 8), ("comfort", 8), ("engagement", 7), ("next_planned", True)]:
            await surveys.answer(s, response, item_id, value, now)
        await surveys.answer(s, response, "comment", "Хорошая встреча", now)
        assert await checkins.risk_alerts(s, now + timedelta(hours=1)) == 1
        [row] = await alerts(s)
        assert row.key == "risk-low-rating" and row.args["score"] == 3
        assert await checkins.risk_alerts(s, now + timedelta(days=1)) == 0  # the same survey, no repeat
        # a later, good survey by the same person is their latest: no new alert
        second = await checkins.log_meeting(s, p2, e2, "20.11.2026", "online", 30, None, at("2026-11-20", 12))
        response = await surveys.start_or_resume(s, e2, second.occasion, at("2026-11-20", 12))
        for item_id, value in [("useful", 7), ("comfort", 7), ("clarity", 7), ("next_planned", "n")]:
            await surveys.answer(s, response, item_id, value, at("2026-11-20", 12))
        await surveys.skip_item(s, response, "comment", at("2026-11-20", 12))
        assert await checkins.risk_alerts(s, at("2026-11-20", 13)) == 0


async def answer_start_survey(s, member_row: ProgrammeMember, now: datetime, scores: dict[str, int]):
    """Answer the start survey of the member's programme (launched first) with these scale scores."""
    response = await surveys.start_or_resume(s, member_row, surveys.occasion_key("start", member_row.programme_id), now)
    definition = surveys.definition_of(response)
    for item in definition.items:
        if item.type == "scale":
            await surveys.answer(s, response, item.id, scores.get(item.id, 8), now)
        elif item.type == "multi":
            await surveys.answer(s, response, item.id, [item.options[0].code], now)
        elif item.type == "single":
            await surveys.answer(s, response, item.id, item.options[0].code, now)
        elif item.type == "yesno":
            await surveys.answer(s, response, item.id, True, now)
        else:
            await surveys.skip_item(s, response, item.id, now)
    assert response.completed_at == now
    return response


async def test_low_start_survey_score_of_a_person_with_several_pairs_alerts_the_curator_once(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)  # no pair is quiet for long yet: only the survey counts
    async with sessionmaker() as s:
        await surveys.launch(s, await s.get(Programme, world.programme_id), "start", now)
        # M1 has two active pairs: the survey is tied to none of them
        response = await answer_start_survey(s, await member(s, world, "M1"), now, {"readiness": 3})
        assert response.pair_id is None
        # E2 has one: that pair's low rating (the pair mechanism), not a person's alert
        single = await answer_start_survey(s, await member(s, world, "E2"), now, {"motivation": 2})
        assert single.pair_id == world.pair["P2"]
        # a fine score from a person with several pairs raises nothing
        await s.commit()
    async with sessionmaker() as s:
        assert await checkins.risk_alerts(s, now + timedelta(hours=1)) == 2
        rows = await alerts(s)
        person = next(r for r in rows if r.key == "risk-low-rating-person")
        assert person.user_id == world.curator_user_id and person.tz == TZ and person.ref == f"r{response.id}"
        assert person.args == {"programme": "Наставники 2026", "who": "M1", "survey": "start", "score": 3,
                                          "pairs": "M1 — E1; M1 — E2"}
        assert [[(b["callback_data"], b["args"]) for b in row] for row in person.buttons] == [
            [(f"wr:{world.pair['P1']}", {"partners": "E1"})], [(f"wr:{world.pair['P2']}", {"partners": "E2"})]]
        assert person.dedupe_key == f"risk-alert:r{response.id}:low-rating:{world.curator_user_id}"
        pair_alert = next(r for r in rows if r.key == "risk-low-rating")
        assert pair_alert.args["score"] == 2 and pair_alert.args["mentees"] == "E2"
        assert await attention.is_open(s, person, now + timedelta(hours=1))
        await s.commit()
    async with sessionmaker() as s:
        person = next(r for r in await alerts(s) if r.key == "risk-low-rating-person")
        # once: later runs do not repeat it
        assert await checkins.risk_alerts(s, now + timedelta(days=1)) == 0
        # both pairs end: nothing left to act on, the alert leaves the list
        for name in ("P1", "P2"):
            (await pair(s, world, name)).status = "ended"
        await s.flush()
        assert not await attention.is_open(s, person, now + timedelta(days=1))
        await s.rollback()
    async with sessionmaker() as s:
        # the person leaves the programme: dropped too
        row = next(r for r in await alerts(s) if r.key == "risk-low-rating-person")
        (await member(s, world, "M1")).left_at = now
        await s.flush()
        assert not await attention.is_open(s, row, now + timedelta(days=1))


async def test_person_alert_needs_a_low_score_a_recent_survey_and_an_active_programme(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        await surveys.launch(s, await s.get(Programme, world.programme_id), "start", now)
        await answer_start_survey(s, await member(s, world, "M1"), now, {"readiness": 5, "motivation": 10})
        await s.commit()
    async with sessionmaker() as s:
        assert await checkins.person_alerts(s, now + timedelta(hours=1)) == 0  # 5 is not low
    async with sessionmaker() as s:
        await answer_start_survey(s, await member(s, world, "M2"), now, {"motivation": 4})
        await s.commit()
    async with sessionmaker() as s:
        # M2 has one active pair (P3; P4 ended): the survey belongs to P3, not to a person alert
        assert await checkins.person_alerts(s, now + timedelta(hours=1)) == 0
        response = await s.scalar(select(SurveyResponse).where(SurveyResponse.member_id == world.member["M2"]))
        assert response.pair_id == world.pair["P3"]
        # a low score from a person with several pairs, but two weeks old, or in a finished programme
        m1 = await s.scalar(select(SurveyResponse).where(SurveyResponse.member_id == world.member["M1"]))
        m1.answers = {**m1.answers, "readiness": 1}
        await s.flush()
        assert await checkins.person_alerts(s, now + checkins.RISK_EVENT_WINDOW + timedelta(hours=1)) == 0
        (await s.get(Programme, world.programme_id)).status = "finished"
        await s.flush()
        assert await checkins.person_alerts(s, now + timedelta(hours=1)) == 0
        (await s.get(Programme, world.programme_id)).status = "active"
        await s.flush()
        assert await checkins.person_alerts(s, now + timedelta(hours=1)) == 1


async def test_risk_alerts_go_to_the_nearest_curators_and_are_dropped_when_revoked(sessionmaker):
    from db.models import CuratorRole

    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:
        assert await checkins.risk_alerts(s, at("2026-11-30")) == 1
        [row] = await alerts(s)
        assert [i.id for i in await attention.open_items(s, world.curator_user_id, at("2026-11-30", 11))] == [row.id]
        role = await s.scalar(select(CuratorRole).where(CuratorRole.user_id == world.curator_user_id))
        role.revoked_at = at("2026-11-30", 11)
        await s.flush()
        assert await attention.open_items(s, world.curator_user_id, at("2026-11-30", 11)) == []  # out of reach
        assert await checkins.risk_alerts(s, at("2026-12-07")) == 0  # nobody to tell


# =============================================================================================
# erasure
# =============================================================================================
async def test_forget_participant_erases_own_words_keeps_numbers(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    now = at("2026-11-10", 12)
    async with sessionmaker() as s:
        p1, e1 = await pair(s, world, "P1"), await member(s, world, "E1")
        goal = await checkins.add_goal(s, p1, e1, "Моя личная цель", now)
        await checkins.set_goal_progress(s, goal.id, e1, 30, now)
        logged = await checkins.log_meeting(s, p1, e1, "today", "offline", 30, "Личная тема", now)
        await checkins.record_fit(s, p1, e1, False, "Личная причина", now)
        response = await surveys.start_or_resume(s, e1, logged.occasion, now)
        for item_id, value in [("useful", 5), ("comfort", 5), ("clarity", 5), ("next_planned", "y"),
                               ("comment", "Личный комментарий")]:
            await surveys.answer(s, response, item_id, value, now)
        participant_id = e1.participant_id
        [fit_item] = await alerts(s)  # the curator's "not a good match" names E1 and quotes them
        assert fit_item.args["who"] == "E1" and fit_item.args["reason"] == "Личная причина"
        await s.commit()
    async with sessionmaker() as s:
        await checkins.forget_participant(s, participant_id, now)
        await s.commit()
    async with sessionmaker() as s:
        goal = await s.scalar(select(Goal))
        assert goal.text == "" and goal.progress == 30
        assert (await s.scalar(select(Meeting))).topic is None
        assert (await s.scalar(select(PairFit))).reason is None
        answers = (await s.scalar(select(SurveyResponse))).answers
        assert answers["comment"] is None and answers["useful"] == 5
        [fit_item] = await alerts(s)  # off the list, and without their name or words
        assert fit_item.closed_at == now and fit_item.args == {} and fit_item.buttons is None


# =============================================================================================
# texts: TEXTS.md has every key the code and the definitions name, in both languages
# =============================================================================================
TEXTS = ROOT / "domain" / "data" / "surveys" / "TEXTS.md"
_BLOCK = re.compile(r"^## locales/(ru|en)/([\w-]+\.ftl)\n+```ftl\n(.*?)^```", re.S | re.M)


def _ftl_blocks() -> dict[str, dict[str, set[str]]]:
    """lang -> key -> variables, from the ```ftl blocks of TEXTS.md."""
    out: dict[str, dict[str, set[str]]] = {"ru": {}, "en": {}}
    for lang, _, body in _BLOCK.findall(TEXTS.read_text(encoding="utf-8")):
        for entry in FluentParser().parse(body).body:
            assert not isinstance(entry, ast.Junk), f"{lang}: syntax error near {entry.content[:80]!r}"
            if isinstance(entry, ast.Message):
                assert entry.id.name not in out[lang], f"duplicate {entry.id.name}"
                out[lang][entry.id.name] = _variables(entry)
    return out


def _variables(node: object) -> set[str]:
    found: set[str] = set()

    class Collector(Visitor):
        def visit_VariableReference(self, var):  # noqa: N802 - fluent's naming
            found.add(var.id.name)

    Collector().visit(node)
    return found


def required_keys() -> set[str]:
    return (surveys.all_text_keys() | set(checkins.MESSAGE_KEYS) | set(surveys.KEY_INVITE.values())
            | {surveys.KEY_BTN_START} | {f"sv-invalid-{c}" for c in surveys.INVALID_CODES}
            | {f"meet-invalid-{c}" for c in checkins.INVALID_CODES})


def test_texts_md_lists_every_key_in_both_languages():
    blocks = _ftl_blocks()
    assert set(blocks["ru"]) == set(blocks["en"])
    assert {k: (blocks["ru"][k], blocks["en"][k]) for k in blocks["ru"] if blocks["ru"][k] != blocks["en"][k]} == {}
    assert sorted(required_keys() - set(blocks["ru"])) == []
    # outbox messages use exactly the arguments the code gives them
    assert blocks["ru"]["checkin-ask"] == {"since", "partners", "count"}
    assert blocks["ru"]["sv-invite-meeting"] == {"who", "date"}
    base = {"programme", "mentor", "mentees"}
    assert blocks["ru"]["risk-no-meeting"] == base | {"days"}
    assert blocks["ru"]["risk-low-rating"] == base | {"score"}
    assert blocks["ru"]["risk-fit-declined"] == base | {"who", "reason"}
    assert blocks["ru"]["risk-unreachable"] == base | {"who"}
    assert blocks["ru"]["risk-low-rating-person"] == {"programme", "who", "survey", "score", "pairs"}
    assert blocks["ru"]["risk-btn-open-with"] == {"partners"}


def test_texts_render():
    from fluent.runtime import FluentBundle, FluentResource

    for lang, _, body in _BLOCK.findall(TEXTS.read_text(encoding="utf-8")):
        bundle = FluentBundle([lang], use_isolating=False)
        bundle.add_resource(FluentResource(body))
        for count in (1, 2):
            msg = bundle.get_message("checkin-ask") if bundle.has_message("checkin-ask") else None
            if msg is None:
                continue
            text, errors = bundle.format_pattern(msg.value, {"since": "02.11.2026", "partners": "E1, E2",
                                                             "count": count})
            assert errors == [] and "02.11.2026" in text and ("E1, E2" in text)
            assert (count == 1) == ("(" not in text)
        if bundle.has_message("risk-low-rating-person"):
            msg = bundle.get_message("risk-low-rating-person")
            texts = set()
            for kind in ("start", "end"):
                text, errors = bundle.format_pattern(msg.value, {"programme": "P", "who": "W", "survey": kind,
                                                                 "score": 3, "pairs": "W — A; W — B"})
                assert errors == [] and "W — A; W — B" in text and " 3 " in text
                texts.add(text)
            assert len(texts) == 2  # the start and the end survey are named differently
        if bundle.has_message("risk-no-meeting"):
            msg = bundle.get_message("risk-no-meeting")
            text, errors = bundle.format_pattern(msg.value, {"programme": "P", "mentor": "M", "mentees": "E",
                                                             "days": 28})
            assert errors == [] and "28" in text


def test_locales_have_all_or_none_of_the_keys():
    """The UI adds the texts to locales/; from the first one on, all must be there (both languages)."""
    from tests.test_locales import _messages

    required = required_keys()
    for lang in ("ru", "en"):
        present = required & set(_messages(lang))
        if not present:
            pytest.skip("texts of surveys and check-ins are not in locales/ yet (see TEXTS.md)")
        assert sorted(required - present) == [], lang


async def test_a_queued_checkin_is_dropped_when_its_minor_goes_back_to_awaiting_consent(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    await run_checkins(sessionmaker, at("2026-11-16", 6))
    async with sessionmaker() as s:
        rows = {r.user_id: r for r in await outbox(s, "checkin")}
        row = rows[world.user["E1"]]
        assert await is_relevant(s, row)
        (await s.get(Participant, world.participant["E1"])).status = "awaiting_consent"
        await s.flush()
        assert not await is_relevant(s, row)
        assert await is_relevant(s, rows[world.user["M1"]])


# =============================================================================================
# region scale: bounded statements and batches
# =============================================================================================
# 2,100 due pairs: more ids than any one statement may carry (MAX_PARAMS below), so a job that
# put every id in one IN list (and so failed over SQLite's 32,766 and PostgreSQL's 32,767
# parameters on a real region) fails here too, at a fraction of the cost.
BIG_MENTORS, BIG_PER_MENTOR, BIG_AT_RISK = 3, 700, 40
MAX_PARAMS = 1000


async def seed_many(sessionmaker, now: datetime) -> tuple[int, list[int]]:
    """A school with ``BIG_MENTORS`` teachers of ``BIG_PER_MENTOR`` pairs each, written with Core
    bulk inserts. Mentees await a parent's consent (reachable, but never asked), so each mentor
    gets one check-in listing all their pairs. The first ``BIG_AT_RISK`` pairs began 32 days
    ago (no meeting: at risk), the others 15 days ago (due, not at risk). Returns the curator's
    user id and the mentors' participant ids."""
    async with sessionmaker() as s:
        region = await create_unit(s, "region", "Ростовская область", timezone=TZ)
        mun = await create_unit(s, "municipality", "Шолоховский район", region)
        org = await create_unit(s, "organisation", "Школа № 2", mun, org_type="school")
        inv = await invitations.create(s, kind="curator", unit=org, now=now)
        role = await accept_curator(s, tg_id=CURATOR_TG, locale="ru", full_name="Куратор", invitation=inv, now=now)
        prog = Programme(unit_id=org.id, form="teacher_student", role_models=[], title="Большая программа",
                         starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31), meeting_interval_days=14,
                         weights={}, status="active", created_at=now)
        s.add(prog)
        await s.flush()
        base = 100_000  # explicit ids, clear of the rows written above
        n_mentees = BIG_MENTORS * BIG_PER_MENTOR
        people = [(base + i, "mentor" if i < BIG_MENTORS else "mentee") for i in range(BIG_MENTORS + n_mentees)]
        await s.execute(insert(User), [{"id": i, "tg_id": 10_000_000 + i, "locale": "ru", "full_name": f"U{i}",
                                        "created_at": now} for i, _ in people])
        await s.execute(insert(Participant), [
            {"id": i, "user_id": i, "org_id": org.id, "role": side, "full_name": f"U{i}", "registered_at": now,
             "updated_at": now, "category": "teacher" if side == "mentor" else "school_student",
             "status": "active" if side == "mentor" else "awaiting_consent",
             "birth_year": 1980 if side == "mentor" else 2013} for i, side in people])
        await s.execute(insert(ProgrammeMember), [
            {"id": i, "programme_id": prog.id, "participant_id": i, "side": side, "joined_at": now}
            for i, side in people])
        pairs, mentees = [], []
        for k in range(n_mentees):
            activated = now - timedelta(days=32 if k < BIG_AT_RISK else 15)
            pairs.append({"id": base + k, "programme_id": prog.id, "mentor_member_id": base + k % BIG_MENTORS,
                          "status": "active", "created_at": activated, "approved_at": activated,
                          "activated_at": activated})
            mentees.append({"pair_id": base + k, "mentee_member_id": base + BIG_MENTORS + k, "answer": "accepted",
                            "answered_at": activated})
        await s.execute(insert(Pair), pairs)
        await s.execute(insert(PairMentee), mentees)
        await s.commit()
    return role.user_id, [base + i for i in range(BIG_MENTORS)]


async def test_checkins_and_alerts_at_region_scale(sessionmaker):
    """Over 2,100 due pairs no statement carries more than MAX_PARAMS parameters, every mentor
    gets one check-in listing all their pairs and every quiet pair one alert; a second run adds
    nothing. Id lists go in chunks, people in batches."""
    now = at("2026-11-16", 6)
    curator, mentors = await seed_many(sessionmaker, now)
    widest: list[int] = [0]

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        rows = parameters if executemany else [parameters]
        widest[0] = max([widest[0], *(len(r) for r in rows if r is not None)])

    engine = sessionmaker.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        async with sessionmaker() as s:
            assert await checkins.due_checkins(s, now) == BIG_MENTORS
            assert await checkins.risk_alerts(s, now) == BIG_AT_RISK
            await s.commit()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 0 < widest[0] <= MAX_PARAMS
    async with sessionmaker() as s:
        rows = (await s.scalars(select(CheckIn).order_by(CheckIn.participant_id))).all()
        assert [c.participant_id for c in rows] == mentors
        assert sum(len(c.pair_ids) for c in rows) == BIG_MENTORS * BIG_PER_MENTOR
        assert all(len(c.pair_ids) == BIG_PER_MENTOR for c in rows)
        assert len(await outbox(s, checkins.KIND_CHECKIN)) == BIG_MENTORS
        found = await alerts(s)
        assert {r.key for r in found} == {"risk-no-meeting"} and {r.user_id for r in found} == {curator}
        assert len({r.dedupe_key for r in found}) == BIG_AT_RISK
        assert await checkins.due_checkins(s, now + timedelta(hours=1)) == 0
        assert await checkins.risk_alerts(s, now + timedelta(hours=1)) == 0


class CountingSessions:
    """A sessionmaker that counts the sessions opened and commits made (one per batch)."""

    def __init__(self, sessionmaker) -> None:
        self.sessionmaker, self.opened, self.commits = sessionmaker, 0, 0

    def __call__(self):
        self.opened += 1
        session = self.sessionmaker()
        commit = session.commit

        async def counted() -> None:
            self.commits += 1
            await commit()

        session.commit = counted
        return session


async def test_scheduler_runs_commit_batch_by_batch(sessionmaker):
    """The scheduler's runs take one short committed session per batch (one person or pair a
    batch here) and decide exactly as a single run does."""
    world = await seed(sessionmaker, at("2026-11-01"))
    counting = CountingSessions(sessionmaker)
    assert await checkins.run_due_checkins(counting, at("2026-11-16", 6), default_tz="UTC", batch=1) == 2
    assert counting.commits == counting.opened >= len(PEOPLE) + 1  # every participant window, committed
    assert await checkins.run_due_checkins(counting, at("2026-11-16", 12), default_tz="UTC", batch=1) == 0
    assert await checkins.run_due_checkins(counting, at("2026-11-30"), default_tz="UTC", batch=2) == 6
    async with sessionmaker() as s:
        got = await checkins_by_name(s, world)
        assert [c.status for c in got["M1"]] == ["expired", "pending"]
        assert got["M1"][-1].pair_ids == [world.pair["P1"], world.pair["P2"]]
        asked = [r for r in await outbox(s, checkins.KIND_CHECKIN) if r.user_id == world.user["M1"]][-1]
        assert asked.payload["args"] == {"since": "02.11.2026", "partners": "E1, E2", "count": 2}

    opened = counting.opened
    assert await checkins.run_risk_alerts(counting, at("2026-11-30"), batch=1) == 1
    assert counting.opened - opened >= 3  # the three active pairs, one a batch
    assert await checkins.run_risk_alerts(counting, at("2026-11-30", 12), batch=1) == 0
    assert await checkins.run_risk_alerts(counting, at("2026-12-07"), batch=2) == 3
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(AttentionItem)
                              .where(AttentionItem.kind == checkins.ATT_RISK)) == 4


async def test_scheduler_runs_wait_between_batches_while_an_update_is_handled(sessionmaker, monkeypatch):
    """Between two committed batches a job lets the updates in hand go first: while one is being
    handled it opens no new session (the connection stays free for it), and it goes on once the
    update is done; the outcome is the same."""
    await seed(sessionmaker, at("2026-11-01"))
    monkeypatch.setattr(background, "MAX_WAIT", 60.0)  # here it must be the update's end that frees it
    counting = CountingSessions(sessionmaker)
    fg = background.foreground
    with fg.busy():
        task = asyncio.create_task(checkins.run_due_checkins(counting, at("2026-11-16", 6), default_tz="UTC",
                                                             batch=1))
        while fg.waiting == 0:  # the first batch is committed, the job waits
            assert not task.done()
            await asyncio.sleep(0.01)
        opened, commits = counting.opened, counting.commits
        assert commits == opened >= 2  # the zones' session and one batch, both committed
        for _ in range(50):
            await asyncio.sleep(0)
        assert (counting.opened, fg.waiting) == (opened, 1) and not task.done()
    assert await task == 2
    assert counting.opened > opened and counting.commits == counting.opened

