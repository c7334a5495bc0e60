"""Forming pairs (domain.pairing) on real databases: proposals, decisions, answers, reminders, the annex.

Programmes, members and preferences are seeded directly (the programme screens are another
feature); the matching engine is the real one.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import date, timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, func, select

from bot.i18n import Translator
from db.models import AttentionItem, MatchRun, OutboxMessage, Pair, PairMentee, Participant, Programme, ProgrammeMember, User
from domain import attention, erasure, invitations, pairing
from domain.exports import FIRST_TABLE_ROW, pairs_xlsx
from domain.pairing import PairingError
from domain.people import accept_curator, erase_user
from domain.units import create_unit

T = Translator()

# name: (category, grade, interests, goals or strengths, days, times, format, status)
MENTORS = {
    "Иванова Мария": dict(category="teacher", interests=["music", "it"], strengths=["exams", "projects"],
                          days=[0, 2], times=["evening"], format="online", capacity=1),
    "Петров Пётр": dict(category="teacher", interests=["sport"], strengths=["career"],
                        days=[1], times=["afternoon"], format="offline", capacity=1),
}
MENTEES = {
    "Сидоров Саша": dict(category="school_student", grade=7, interests=["music", "it"], goals=["exams"],
                         days=[0], times=["evening"], format="online"),
    "Кузнецова Катя": dict(category="school_student", grade=8, interests=["sport"], goals=["career"],
                           days=[1], times=["afternoon"], format="offline"),
    "Волков Ваня": dict(category="school_student", grade=6, interests=["art"], goals=["creativity"],
                        days=[5], times=["morning"], format="any"),
    "Смирнов Сеня": dict(category="school_student", grade=7, interests=["music"], goals=["exams"],
                         days=[0], times=["evening"], format="online", status="awaiting_consent"),
    "Лебедева Лена": dict(category="young_specialist", interests=["music"], goals=["exams"],
                          days=[0], times=["evening"], format="online"),
}
CURATOR_TG = 7001


@dataclass
class World:
    org_id: int
    programme_id: int
    other_programme_id: int
    curator_id: int
    member: dict[str, int] = field(default_factory=dict)  # name -> member id
    user: dict[str, int] = field(default_factory=dict)  # name -> user id
    tg: dict[str, int] = field(default_factory=dict)  # name -> Telegram id
    other_member: dict[str, int] = field(default_factory=dict)


async def seed(sessionmaker, now, *, mentors=MENTORS, mentees=MENTEES, group_mode=False, tg_from=7100,
               curator_locale="ru", curator_tg=CURATOR_TG, region="Рязанская область") -> World:
    async with sessionmaker() as s:
        region = await create_unit(s, "region", region, timezone="Europe/Moscow")
        mun = await create_unit(s, "municipality", "г. Рязань", region)
        org = await create_unit(s, "organisation", "Школа № 1", mun, org_type="school")
        other = await create_unit(s, "organisation", "Школа № 2", mun, org_type="school")
        inv = await invitations.create(s, kind="curator", unit=org, now=now)
        role = await accept_curator(s, tg_id=curator_tg, locale=curator_locale, full_name="Куратор Школы",
                                    invitation=inv, now=now)
        prog = Programme(unit_id=org.id, form="teacher_student", role_models=["teacher_underachiever"],
                         title="Наставники 2026", starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31),
                         group_mode=group_mode, weights={}, status="active", created_at=now)
        other_prog = Programme(unit_id=other.id, form="teacher_student", role_models=["teacher_underachiever"],
                               title="Чужая программа", starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31),
                               weights={}, status="active", created_at=now)
        s.add_all([prog, other_prog])
        await s.flush()
        world = World(org.id, prog.id, other_prog.id, role.user_id)
        n = 0
        for side, people in (("mentor", mentors), ("mentee", mentees)):
            for name, spec in people.items():
                spec = dict(spec)
                status = spec.pop("status", "active")
                tg_id = tg_from + n
                n += 1
                user = User(tg_id=tg_id, locale="ru", full_name=name, created_at=now)
                s.add(user)
                await s.flush()
                p = Participant(user_id=user.id, org_id=org.id, role=side, full_name=name, status=status,
                                birth_year=1980 if side == "mentor" else 2013, registered_at=now, updated_at=now,
                                **spec)
                s.add(p)
                await s.flush()
                m = ProgrammeMember(programme_id=prog.id, participant_id=p.id, side=side, joined_at=now)
                s.add(m)
                await s.flush()
                world.member[name], world.user[name], world.tg[name] = m.id, user.id, tg_id
        # one member of the other programme, for forged ids
        p = Participant(org_id=other.id, role="mentee", category="school_student", grade=7, full_name="Чужой Ученик",
                        status="active", birth_year=2013, registered_at=now, updated_at=now)
        s.add(p)
        await s.flush()
        m = ProgrammeMember(programme_id=other_prog.id, participant_id=p.id, side="mentee", joined_at=now)
        s.add(m)
        await s.flush()
        world.other_member["Чужой Ученик"] = m.id
        await s.commit()
    return world


async def programme(s, world: World) -> Programme:
    return await s.get(Programme, world.programme_id)


async def pairs_by_names(s, world: World, status: str | None = None) -> dict[tuple[str, str], Pair]:
    names = {v: k for k, v in world.member.items()}
    stmt = select(Pair, PairMentee).join(PairMentee, PairMentee.pair_id == Pair.id) \
        .where(Pair.programme_id == world.programme_id)
    if status:
        stmt = stmt.where(Pair.status == status)
    out = {}
    for pair, pm in (await s.execute(stmt.order_by(Pair.id))).all():
        out[(names[pair.mentor_member_id], names[pm.mentee_member_id])] = pair
    return out


async def run(sessionmaker, world: World, now, **kw) -> MatchRun:
    async with sessionmaker() as s:
        return await pairing.run_matching(s, await programme(s, world), actor_id=world.curator_id, now=now, **kw)


async def approve(sessionmaker, world: World, mentor: str, mentee: str, now) -> Pair:
    async with sessionmaker() as s:
        pair = (await pairs_by_names(s, world, "proposed"))[(mentor, mentee)]
        await pairing.approve(s, await programme(s, world), pair, curator_id=world.curator_id, now=now,
                              translator=T)
        await s.commit()
        return pair


async def propose_and_approve_the_group(sessionmaker, world: World, now) -> Pair:
    await run(sessionmaker, world, now)
    async with sessionmaker() as s:
        [pair] = {p.id: p for p in (await pairs_by_names(s, world, "proposed")).values()}.values()
        await pairing.approve(s, await programme(s, world), pair, curator_id=world.curator_id, now=now, translator=T)
        await s.commit()
    return pair


async def outbox(sessionmaker, kind: str | None = None) -> list[OutboxMessage]:
    async with sessionmaker() as s:
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind:
            stmt = stmt.where(OutboxMessage.kind == kind)
        return list((await s.scalars(stmt)).all())


async def told(sessionmaker, kind: str) -> list[AttentionItem]:
    """What curators were told (outbox ``kind`` of old): items of their "needs your attention" lists."""
    kinds = {**pairing.ATTENTION_KIND, erasure.KIND_CURATOR: erasure.ATT_CURATOR}
    async with sessionmaker() as s:
        return list((await s.scalars(select(AttentionItem).where(
            AttentionItem.kind == kinds[kind]).order_by(AttentionItem.id))).all())


async def answer(sessionmaker, world: World, pair_id: int, name: str, accepted: bool, now, reason=None):
    async with sessionmaker() as s:
        user = await s.get(User, world.user[name])
        try:
            return await pairing.answer(s, pair_id, user, accepted=accepted, reason=reason, now=now)
        finally:  # like the handler: a refusal's side effects (a withdrawal) are kept
            await s.commit()


# ---------------------------------------------------------------------------------------------
# proposing
# ---------------------------------------------------------------------------------------------
async def test_run_stores_proposals_and_summary(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    done = await run(sessionmaker, world, clock())
    assert done.status == "done" and done.finished_at == clock()
    s_ = done.summary
    assert (s_["pairs"], s_["groups"], s_["mentees_proposed"], s_["kept"]) == (2, 0, 2, 0)
    assert s_["mentors"] == 2 and s_["mentees"] == 5
    assert s_["unmatched"] == {
        "capacity": [world.member["Волков Ваня"]],
        "no_consent": [world.member["Смирнов Сеня"]],
        "no_eligible_mentor": [world.member["Лебедева Лена"]],
    }
    assert 0 < s_["average"] <= 1
    async with sessionmaker() as s:
        pairs = await pairs_by_names(s, world, "proposed")
        assert set(pairs) == {("Иванова Мария", "Сидоров Саша"), ("Петров Пётр", "Кузнецова Катя")}
        pair = pairs[("Иванова Мария", "Сидоров Саша")]
        assert pair.run_id == done.id and pair.role_model == "teacher_underachiever" and not pair.manual
        pm = await s.scalar(select(PairMentee).where(PairMentee.pair_id == pair.id))
        codes = {r["code"] for r in pm.reasons}
        assert {"shared_interests", "goals_covered", "time_overlap", "same_format"} <= codes
        lines = pairing.describe_reasons(T.bind("ru"), pm.reasons)
        music, it = T.get("ru", "catalog-interests-music"), T.get("ru", "catalog-interests-it")
        assert T.get("ru", "pair-reason-interests", items=f"{it}, {music}", n=2) in lines
        assert T.get("ru", "pair-reason-goals", items=T.get("ru", "catalog-goals-exams"), n=1) in lines
        slot = T.get("ru", "pair-slot", day=T.get("ru", "cat-day-short-0"), time=T.get("ru", "cat-tod-evening"))
        assert T.get("ru", "pair-reason-times", items=slot, n=1) in lines
        assert pair.score == pytest.approx(pm.score)


async def test_progress_is_reported_from_the_engine_thread(sessionmaker, clock, monkeypatch):
    world = await seed(sessionmaker, clock())
    real = pairing.engine.match

    def slow(*args, progress=None, **kwargs):
        import threading
        import time

        assert threading.current_thread() is not threading.main_thread()  # off the event loop
        progress("solve", 0.5)
        time.sleep(0.3)
        return real(*args, progress=progress, **kwargs)

    monkeypatch.setattr(pairing.engine, "match", slow)
    seen: list[float] = []

    async def on_progress(fraction: float) -> None:
        seen.append(fraction)

    ticker_ran = []

    async def ticker():  # the loop stays free while the engine works
        await asyncio.sleep(0.1)
        ticker_ran.append(True)

    done, _ = await asyncio.gather(run(sessionmaker, world, clock(), on_progress=on_progress,
                                       progress_interval=0.05), ticker())
    assert done.status == "done" and ticker_ran
    assert seen and seen[0] == 0.5 and len(seen) <= 3


async def test_no_mentors_or_no_mentees_is_refused_and_nothing_changes(sessionmaker, clock):
    world = await seed(sessionmaker, clock(), mentors={})
    with pytest.raises(PairingError) as exc:
        await run(sessionmaker, world, clock())
    assert exc.value.code == "no-mentors"
    world2 = await seed(sessionmaker, clock(), mentees={}, tg_from=7300, curator_tg=7002, region="Самарская область")
    with pytest.raises(PairingError) as exc:
        await run(sessionmaker, world2, clock())
    assert exc.value.code == "no-mentees"
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(MatchRun)) == 0
        assert await s.scalar(select(func.count()).select_from(Pair)) == 0


async def test_a_failing_engine_marks_the_run_failed_and_keeps_old_proposals(sessionmaker, clock, monkeypatch):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pairing.engine, "match", broken)
    with pytest.raises(PairingError) as exc:
        await run(sessionmaker, world, clock())
    assert exc.value.code == "run-failed"
    async with sessionmaker() as s:
        runs = (await s.scalars(select(MatchRun).order_by(MatchRun.id))).all()
        assert [r.status for r in runs] == ["done", "failed"]
        assert len(await pairs_by_names(s, world, "proposed")) == 2


async def test_rerun_keeps_approved_and_never_reproposes_rejected(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    first = await run(sessionmaker, world, clock())
    await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    async with sessionmaker() as s:
        pair = (await pairs_by_names(s, world, "proposed"))[("Петров Пётр", "Кузнецова Катя")]
        await pairing.reject(s, await programme(s, world), pair, now=clock())
        await s.commit()
        rejected_id = pair.id
    clock.advance(hours=1)
    second = await run(sessionmaker, world, clock())
    assert second.id != first.id and second.summary["kept"] == 1
    async with sessionmaker() as s:
        assert set(await pairs_by_names(s, world, "approved")) == {("Иванова Мария", "Сидоров Саша")}
        assert (await s.get(Pair, rejected_id)).status == "rejected"
        proposed = await pairs_by_names(s, world, "proposed")
        assert ("Петров Пётр", "Кузнецова Катя") not in proposed
        # Petrov is free again and takes the next best mentee; Katya is left out
        assert set(proposed) == {("Петров Пётр", "Волков Ваня")}
        assert world.member["Кузнецова Катя"] in second.summary["unmatched"].get("no_eligible_mentor", []) + \
            second.summary["unmatched"].get("capacity", [])
    # a third run withdraws the open proposals of the second and proposes them afresh
    third = await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        statuses = dict((await s.execute(select(Pair.run_id, Pair.status).where(Pair.run_id == second.id))).all())
        assert statuses == {second.id: "withdrawn"}
        assert {p.run_id for p in (await pairs_by_names(s, world, "proposed")).values()} == {third.id}


async def test_group_programme_proposes_one_pair_per_mentor_with_its_mentees(sessionmaker, clock):
    mentors = {"Иванова Мария": dict(MENTORS["Иванова Мария"], capacity=3)}
    world = await seed(sessionmaker, clock(), mentors=mentors, group_mode=True)
    done = await run(sessionmaker, world, clock())
    assert (done.summary["pairs"], done.summary["groups"], done.summary["mentees_proposed"]) == (0, 1, 3)
    async with sessionmaker() as s:
        pairs = await pairs_by_names(s, world, "proposed")
        assert {p.id for p in pairs.values()} and len({p.id for p in pairs.values()}) == 1
        assert {e for _, e in pairs} == {"Сидоров Саша", "Кузнецова Катя", "Волков Ваня"}


# ---------------------------------------------------------------------------------------------
# the curator's decisions
# ---------------------------------------------------------------------------------------------
async def test_two_curators_approving_at_once_exactly_one_wins(sessionmaker, clock, db_url):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    key = ("Иванова Мария", "Сидоров Саша")
    async with sessionmaker() as a, sessionmaker() as b:
        pair_a = (await pairs_by_names(a, world, "proposed"))[key]
        prog_a = await programme(a, world)
        await a.commit()
        pair_b = (await pairs_by_names(b, world, "proposed"))[key]
        prog_b = await programme(b, world)
        await b.commit()
        assert pair_a.version == pair_b.version == 0

        async def attempt(s, prog, pair):
            try:
                await pairing.approve(s, prog, pair, curator_id=world.curator_id, now=clock(), translator=T)
                await s.commit()
                return "won"
            except PairingError as exc:
                await s.rollback()
                return exc.code

        if db_url.startswith("postgresql"):
            results = await asyncio.gather(attempt(a, prog_a, pair_a), attempt(b, prog_b, pair_b))
        else:  # one connection: the second curator decides afterwards, from the stale screen
            results = [await attempt(a, prog_a, pair_a), await attempt(b, prog_b, pair_b)]
    assert sorted(results) == ["already-decided", "won"]
    async with sessionmaker() as s:
        pair = (await pairs_by_names(s, world))[key]
        assert pair.status == "approved" and pair.version == 1
    assert len(await outbox(sessionmaker, pairing.KIND_CARD)) == 2  # one card per side, not two


async def test_approve_all_and_rejecting_a_decided_proposal(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        stale = (await pairs_by_names(s, world, "proposed"))[("Петров Пётр", "Кузнецова Катя")]
        approved, skipped = await pairing.approve_all(s, await programme(s, world), curator_id=world.curator_id,
                                                      now=clock(), translator=T)
        await s.commit()
        assert (approved, skipped) == (2, 0)
        with pytest.raises(PairingError) as exc:
            await pairing.reject(s, await programme(s, world), stale, now=clock(), seen_version=0)
        assert exc.value.code == "already-decided"
    assert len(await outbox(sessionmaker, pairing.KIND_CARD)) == 4


async def test_approving_a_proposal_whose_mentee_was_paired_by_hand_meanwhile(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        prog = await programme(s, world)
        stale = (await pairs_by_names(s, world, "proposed"))[("Петров Пётр", "Кузнецова Катя")]
        await s.commit()
        # meanwhile Katya is paired by hand with Ivanova (whose own proposal is rejected first)
        ivanova = (await pairs_by_names(s, world, "proposed"))[("Иванова Мария", "Сидоров Саша")]
        await pairing.reject(s, prog, ivanova, now=clock())
        manual = await pairing.manual_pair(s, prog, world.member["Иванова Мария"], world.member["Кузнецова Катя"],
                                           curator_id=world.curator_id, now=clock(), translator=T)
        await s.commit()
        assert manual.status == "approved" and manual.manual
        # Katya's open proposal was withdrawn by the manual pairing
        await s.refresh(stale)
        assert stale.status == "withdrawn"
        with pytest.raises(PairingError) as exc:
            await pairing.approve(s, prog, stale, curator_id=world.curator_id, now=clock(), translator=T,
                                  seen_version=0)
        assert exc.value.code == "already-decided"


async def test_manual_pairing_refuses_what_breaks_the_rules(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    m = world.member
    async with sessionmaker() as s:
        prog = await programme(s, world)

        async def refused(mentor, mentee):
            with pytest.raises(PairingError) as exc:
                await pairing.manual_pair(s, prog, mentor, mentee, curator_id=world.curator_id, now=clock(),
                                          translator=T)
            return exc.value

        assert (await refused(m["Иванова Мария"], m["Лебедева Лена"])).params == {"rule": "mentee_category"}
        assert (await refused(m["Иванова Мария"], m["Смирнов Сеня"])).code == "no-consent"
        assert (await refused(m["Иванова Мария"], world.other_member["Чужой Ученик"])).code == "not-found"
        assert (await refused(m["Сидоров Саша"], m["Иванова Мария"])).code == "not-found"  # sides swapped
        pair = await pairing.manual_pair(s, prog, m["Иванова Мария"], m["Сидоров Саша"],
                                         curator_id=world.curator_id, now=clock(), translator=T)
        assert pair.status == "approved" and pair.score > 0
        assert (await refused(m["Петров Пётр"], m["Сидоров Саша"])).code == "mentee-taken"
        err = await refused(m["Иванова Мария"], m["Кузнецова Катя"])
        assert (err.code, err.params) == ("over-capacity", {"capacity": 1})
        await s.commit()
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Pair)) == 1


# ---------------------------------------------------------------------------------------------
# cards and answers
# ---------------------------------------------------------------------------------------------
async def test_cards_then_both_accept_and_the_curator_is_told(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    pair = await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    cards = await outbox(sessionmaker, pairing.KIND_CARD)
    assert sorted(c.chat_id for c in cards) == sorted([world.tg["Иванова Мария"], world.tg["Сидоров Саша"]])
    for_mentee = next(c for c in cards if c.chat_id == world.tg["Сидоров Саша"])
    assert for_mentee.payload["key"] == "pair-card-for-mentee"
    assert for_mentee.payload["args"]["name"] == "Иванова Мария"
    assert T.get("ru", "catalog-interests-music") in for_mentee.payload["args"]["shared"]
    assert [b["callback_data"] for b in for_mentee.payload["buttons"][0]] == [f"qn:{pair.id}:y", f"qn:{pair.id}:n"]
    for_mentor = next(c for c in cards if c.chat_id == world.tg["Иванова Мария"])
    assert for_mentor.payload["key"] == "pair-card-for-mentor"
    assert "Сидоров Саша" in for_mentor.payload["args"]["mentees"]

    # somebody else cannot answer; the mentor accepts, then the mentee
    with pytest.raises(PairingError) as exc:
        await answer(sessionmaker, world, pair.id, "Кузнецова Катя", True, clock())
    assert exc.value.code == "not-yours"
    assert (await answer(sessionmaker, world, pair.id, "Иванова Мария", True, clock())).outcome == "waiting"
    with pytest.raises(PairingError) as exc:
        await answer(sessionmaker, world, pair.id, "Иванова Мария", False, clock())
    assert (exc.value.code, exc.value.params) == ("already-answered", {"answer": "accepted"})
    clock.advance(hours=2)
    assert (await answer(sessionmaker, world, pair.id, "Сидоров Саша", True, clock())).outcome == "active"
    async with sessionmaker() as s:
        fresh = await s.get(Pair, pair.id)
        assert fresh.status == "active" and fresh.activated_at == clock()
    notices = await told(sessionmaker, pairing.KIND_ACTIVE)
    assert [(n.user_id, n.key, n.ref) for n in notices] == [(world.curator_id, "pair-active-notice", f"p{pair.id}")]
    assert notices[0].args["mentees"] == "Сидоров Саша"
    # the mentee (only) is asked to record their goals now that the pair works
    prompts = await outbox(sessionmaker, pairing.KIND_GOALS_PROMPT)
    assert [(p.chat_id, p.payload["key"]) for p in prompts] == [(world.tg["Сидоров Саша"], "pair-goals-prompt")]
    # the notice stays on the curator's list while the pair works and their role lives
    async with sessionmaker() as s:
        from domain.outbox import is_relevant

        assert [i.id for i in await attention.open_items(s, world.curator_id, clock())] == [notices[0].id]
        assert not await is_relevant(s, cards[0])  # the card was answered: no longer worth sending


async def test_a_card_speaks_its_reader_s_language(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        (await s.get(User, world.user["Сидоров Саша"])).locale = "en"
        await s.commit()
    await run(sessionmaker, world, clock())
    await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    cards = {c.chat_id: c for c in await outbox(sessionmaker, pairing.KIND_CARD)}
    assert T.get("en", "catalog-interests-music") in cards[world.tg["Сидоров Саша"]].payload["args"]["shared"]
    assert T.get("ru", "catalog-interests-music") in cards[world.tg["Иванова Мария"]].payload["args"]["mentees"]


async def test_decline_goes_to_the_curator_with_a_replacement(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    pair = await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    done = await answer(sessionmaker, world, pair.id, "Сидоров Саша", False, clock(), reason="  Неудобное время  ")
    assert done.outcome == "declined"
    async with sessionmaker() as s:
        fresh = await s.get(Pair, pair.id)
        pm = await s.scalar(select(PairMentee).where(PairMentee.pair_id == pair.id))
        assert fresh.status == "declined" and pm.answer == "declined" and pm.reason == "Неудобное время"
    [notice] = await told(sessionmaker, pairing.KIND_DECLINED)
    args = notice.args
    assert notice.user_id == world.curator_id and notice.key == "pair-declined-notice"
    assert (args["who"], args["role"], args["others"], args["reason"], args["has_reason"]) == \
        ("Сидоров Саша", "mentee", "Иванова Мария", "Неудобное время", "yes")
    # both ways, a button each: another mentor with a free place for Sasha (Petrov's place is free:
    # his pair is only proposed), and the best eligible mentee nobody has for Ivanova's freed place
    m, pid = world.member, world.programme_id
    assert args["mode"] == "pairs"
    buttons = [row[0] for row in notice.buttons]
    made = [b["callback_data"] for b in buttons if b["text_key"] == "pair-btn-make-suggested"]
    assert made[0] == f"qk:{pid}:{m['Петров Пётр']}:{m['Сидоров Саша']}:1"
    assert made[1] in {f"qk:{pid}:{m['Иванова Мария']}:{m[name]}:1" for name in ("Кузнецова Катя", "Волков Ваня")}
    assert len(made) == 2 == len(args["suggested"].splitlines())
    # and "pair by hand" either way: a mentor for Sasha, a mentee for Ivanova (as new messages)
    by_hand = [(b["text_key"], b["args"], b["callback_data"]) for b in buttons
               if b["text_key"] != "pair-btn-make-suggested"]
    assert by_hand[:2] == [
        ("pair-btn-manual-mentor-for", {"name": "Сидоров Саша"}, f"qm:{pid}:0:0:{m['Сидоров Саша']}:1"),
        ("pair-btn-manual-mentee-for", {"name": "Иванова Мария"}, f"qm:{pid}:{m['Иванова Мария']}:0:0:1"),
    ]
    # the mentor, who got a card, hears that the pair will not happen
    cancelled = await outbox(sessionmaker, pairing.KIND_CANCELLED)
    assert [c.chat_id for c in cancelled] == [world.tg["Иванова Мария"]]
    # the declined combination is never proposed again
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        assert ("Иванова Мария", "Сидоров Саша") not in await pairs_by_names(s, world, "proposed")
        with pytest.raises(PairingError) as exc:
            await pairing.manual_pair(s, await programme(s, world), world.member["Иванова Мария"],
                                      world.member["Сидоров Саша"], curator_id=world.curator_id, now=clock(),
                                      translator=T)
        assert exc.value.code == "declined-before"


async def test_a_mentor_declining_gets_the_mentee_another_mentor(sessionmaker, clock):
    mentors = dict(MENTORS)
    mentors["Орлова Ольга"] = dict(category="teacher", interests=["music"], strengths=["exams"], days=[0],
                                   times=["evening"], format="any", capacity=2)
    world = await seed(sessionmaker, clock(), mentors=mentors)
    async with sessionmaker() as s:
        pair = await pairing.manual_pair(s, await programme(s, world), world.member["Иванова Мария"],
                                         world.member["Сидоров Саша"], curator_id=world.curator_id, now=clock(),
                                         translator=T)
        await s.commit()
    await answer(sessionmaker, world, pair.id, "Иванова Мария", False, clock())
    [notice] = await told(sessionmaker, pairing.KIND_DECLINED)
    args = notice.args
    assert (args["role"], args["has_reason"], args["mode"]) == ("mentor", "no", "pairs")
    # a new mentor for the mentee first, then a mentee for the place the mentor's decline freed
    # (never the one she declined)
    made = [row[0]["args"] for row in notice.buttons if row[0]["text_key"] == "pair-btn-make-suggested"]
    assert made[0] == {"n": 1, "mentor": "Орлова О.", "mentee": "Сидоров С."}
    assert made[1]["n"] == 2 and made[1]["mentor"] == "Иванова М." and made[1]["mentee"] in ("Кузнецова К.",
                                                                                             "Волков В.")
    lines = args["suggested"].splitlines()
    assert lines[0].startswith("1. Сидоров Саша ← Орлова Ольга (") and len(lines) == 2
    assert lines[1].startswith("2. ") and made[1]["mentee"].split()[0] in lines[1]


async def test_suggestions_read_the_programme_once_however_many_are_stranded(sessionmaker, clock):
    """The replacements after a decline are worked out inside the participant's press, under the
    programme's lock: the programme (pairs, exclusions, preferences, members) is read once, not
    once per mentee left without a mentor."""
    mentors = {"Иванова Мария": dict(MENTORS["Иванова Мария"], capacity=3), "Петров Пётр": MENTORS["Петров Пётр"],
               "Орлова Ольга": dict(category="teacher", interests=["music"], strengths=["exams"], days=[0],
                                    times=["evening"], format="any", capacity=2)}
    world = await seed(sessionmaker, clock(), mentors=mentors, group_mode=True)
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = sessionmaker.kw["bind"].sync_engine
    found = {}
    async with sessionmaker() as s:
        prog = await programme(s, world)
        mentor = await pairing.member(s, prog, world.member["Иванова Мария"])
        stranded = [await pairing.member(s, prog, world.member[name])
                    for name in ("Сидоров Саша", "Кузнецова Катя", "Волков Ваня")]
        event.listen(engine, "before_cursor_execute", count)
        try:
            for n in (1, 3):
                statements.clear()
                found[n] = (await pairing.suggestions(s, prog, clock(), stranded[:n], mentor), len(statements))
        finally:
            event.remove(engine, "before_cursor_execute", count)
    (one, one_reads), (three, three_reads) = found[1], found[3]
    assert len(three) > len(one) >= 1  # more suggestions for more stranded mentees...
    assert three_reads == one_reads  # ...from the same reads
    names = [(a.name, b.name) for a, b, _ in three]
    assert len({b for _, b in names}) == len(names)  # never a mentee twice


async def test_group_answers_a_mentee_declining_leaves_the_rest(sessionmaker, clock):
    mentors = {"Иванова Мария": dict(MENTORS["Иванова Мария"], capacity=3)}
    world = await seed(sessionmaker, clock(), mentors=mentors, group_mode=True)
    pair = await propose_and_approve_the_group(sessionmaker, world, clock())
    assert len(await outbox(sessionmaker, pairing.KIND_CARD)) == 4
    assert (await answer(sessionmaker, world, pair.id, "Иванова Мария", True, clock())).outcome == "waiting"
    assert (await answer(sessionmaker, world, pair.id, "Сидоров Саша", True, clock())).outcome == "waiting"
    assert (await answer(sessionmaker, world, pair.id, "Волков Ваня", False, clock())).outcome == "declined"
    async with sessionmaker() as s:
        assert (await s.get(Pair, pair.id)).status == "approved"
    assert (await answer(sessionmaker, world, pair.id, "Кузнецова Катя", True, clock())).outcome == "active"
    async with sessionmaker() as s:
        rows = await pairing.annex_rows(s, await programme(s, world))
        assert [r.mentee for r in rows] == ["Кузнецова Катя", "Сидоров Саша"]
        assert world.member["Волков Ваня"] not in {m for _, m in await pairing.fixed_combos(s, world.programme_id)}


async def test_answers_to_withdrawn_or_rejected_pairs_are_refused(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    pair = await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    async with sessionmaker() as s:
        fresh = await s.get(Pair, pair.id)
        fresh.status = "withdrawn"
        await s.commit()
    with pytest.raises(PairingError) as exc:
        await answer(sessionmaker, world, pair.id, "Сидоров Саша", True, clock())
    assert exc.value.code == "no-longer-valid"
    with pytest.raises(PairingError) as exc:
        await answer(sessionmaker, world, 999_999, "Сидоров Саша", True, clock())
    assert exc.value.code == "not-yours"
    async with sessionmaker() as s:
        assert (await s.get(Pair, pair.id)).status == "withdrawn"
    cards = await outbox(sessionmaker, pairing.KIND_CARD)
    async with sessionmaker() as s:
        from domain.outbox import is_relevant

        assert not any([await is_relevant(s, c) for c in cards])


async def test_an_erased_participant_s_pairs_are_withdrawn_and_the_curator_told(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    pair = await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    clock.advance(hours=1)
    async with sessionmaker() as s:
        await erase_user(s, await s.get(User, world.user["Сидоров Саша"]), clock())
        await s.commit()
    async with sessionmaker() as s:  # at once, not at the next sweep
        assert (await s.get(Pair, pair.id)).status == "withdrawn"
    # the mentor answers afterwards: the proposal is gone
    with pytest.raises(PairingError) as exc:
        await answer(sessionmaker, world, pair.id, "Иванова Мария", True, clock())
    assert exc.value.code == "no-longer-valid"
    async with sessionmaker() as s:
        assert (await s.get(Pair, pair.id)).status == "withdrawn"
    # the curator hears it from domain.erasure, without the erased name (pairing's own notice
    # would name the pair "Иванова Мария — —"): an item of their "needs your attention" list
    assert await told(sessionmaker, pairing.KIND_WITHDRAWN) == []
    [notice] = await told(sessionmaker, erasure.KIND_CURATOR)
    assert notice.user_id == world.curator_id and notice.key == "pair-erased-curator-ended"
    assert notice.args == {"programme": "Наставники 2026", "who": "mentee", "pending": "yes",
                           "group": "no", "has_mentor": "yes", "mentor": "Иванова Мария",
                           "mentees": "", "n": 0}
    cancelled = await outbox(sessionmaker, pairing.KIND_CANCELLED)
    assert [c.chat_id for c in cancelled] == [world.tg["Иванова Мария"]]


async def test_a_member_who_left_is_swept_with_their_open_proposals(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        member = await s.get(ProgrammeMember, world.member["Петров Пётр"])
        member.left_at = clock()
        await s.commit()
        assert await pairing.sweep_departed(s, clock()) == 1
        await s.commit()
        assert ("Петров Пётр", "Кузнецова Катя") in await pairs_by_names(s, world, "withdrawn")
    assert await told(sessionmaker, pairing.KIND_WITHDRAWN) == []  # proposals only: nobody was invited
    # approving a proposal whose mentee left meanwhile withdraws it
    async with sessionmaker() as s:
        pair = (await pairs_by_names(s, world, "proposed"))[("Иванова Мария", "Сидоров Саша")]
        (await s.get(ProgrammeMember, world.member["Сидоров Саша"])).left_at = clock()
        await s.flush()
        with pytest.raises(PairingError) as exc:
            await pairing.approve(s, await programme(s, world), pair, curator_id=world.curator_id, now=clock(),
                                  translator=T)
        assert exc.value.code == "member-left"
        await s.commit()
        assert (await s.get(Pair, pair.id)).status == "withdrawn"


# ---------------------------------------------------------------------------------------------
# reminders
# ---------------------------------------------------------------------------------------------
async def test_unanswered_sides_are_reminded_once_then_reported(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    pair = await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    await answer(sessionmaker, world, pair.id, "Иванова Мария", True, clock())
    start = clock()

    async def tick(**delta):
        clock.set(start + timedelta(**delta))
        async with sessionmaker() as s:
            result = await pairing.remind_and_report(s, clock(), T)
            await s.commit()
            return result

    assert await tick(days=2, hours=23) == (0, 0)
    assert await tick(days=3) == (1, 0)  # only the silent mentee
    [reminder] = await outbox(sessionmaker, pairing.KIND_REMINDER)
    assert reminder.chat_id == world.tg["Сидоров Саша"] and reminder.payload["key"] == "pair-reminder"
    assert "Иванова Мария" in reminder.payload["args"]["card"]
    assert await tick(days=4) == (0, 0)  # once
    assert await tick(days=5, hours=23) == (0, 0)
    assert await tick(days=6) == (0, 1)
    [report] = await told(sessionmaker, pairing.KIND_UNANSWERED)
    assert report.user_id == world.curator_id and report.key == "pair-unanswered-notice"
    assert report.args["silent"] == "Сидоров Саша" and report.args["days"] == 6
    assert await tick(days=9) == (0, 0)
    async with sessionmaker() as s:
        fresh = await s.get(Pair, pair.id)
        assert fresh.reminded_at == start + timedelta(days=3) and fresh.reported_at == start + timedelta(days=6)


async def test_scheduler_reminders_commit_batch_by_batch_and_resume_after_a_crash(sessionmaker, clock, monkeypatch):
    """The scheduler's run (run_remind_and_report) marks each pair and queues its reminders in the
    same short transaction: a crash in the middle keeps what was committed and loses the rest
    whole, and the next run reminds exactly the others, each silent side once."""
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        proposed = list(await pairs_by_names(s, world, "proposed"))
    assert len(proposed) >= 2
    for mentor, mentee in proposed:
        await approve(sessionmaker, world, mentor, mentee, clock())
    clock.advance(days=3)
    real, calls = pairing.send_cards, []

    async def crashing(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the process died")
        return await real(*args, **kwargs)

    monkeypatch.setattr(pairing, "send_cards", crashing)
    with pytest.raises(RuntimeError):
        await pairing.run_remind_and_report(sessionmaker, clock(), T, batch=1)
    first = await outbox(sessionmaker, pairing.KIND_REMINDER)
    async with sessionmaker() as s:
        marked = (await s.scalars(select(Pair).where(Pair.reminded_at.is_not(None)))).all()
    assert len(marked) == 1 and len(first) == 2  # the first pair, both sides; the second rolled back
    monkeypatch.setattr(pairing, "send_cards", real)
    reminded, reported = await pairing.run_remind_and_report(sessionmaker, clock(), T, batch=1)
    rows = await outbox(sessionmaker, pairing.KIND_REMINDER)
    assert (reminded, reported) == (len(rows) - len(first), 0)
    assert sorted(r.chat_id for r in rows) == sorted(world.tg[n] for pair in proposed for n in pair)
    assert len({r.dedupe_key for r in rows}) == len(rows)
    async with sessionmaker() as s:
        assert all(p.reminded_at == clock() for p in (await pairs_by_names(s, world, "approved")).values())
    assert await pairing.run_remind_and_report(sessionmaker, clock(), T, batch=1) == (0, 0)
    clock.advance(days=3)  # then the curators hear of the pairs still silent, in batches too
    assert await pairing.run_remind_and_report(sessionmaker, clock(), T, batch=1) == (0, len(proposed))
    assert len(await told(sessionmaker, pairing.KIND_UNANSWERED)) == len(proposed)


# ---------------------------------------------------------------------------------------------
# the annex
# ---------------------------------------------------------------------------------------------
async def activate(sessionmaker, world, mentor, mentee, now) -> Pair:
    pair = await approve(sessionmaker, world, mentor, mentee, now)
    await answer(sessionmaker, world, pair.id, mentor, True, now)
    await answer(sessionmaker, world, pair.id, mentee, True, now)
    return pair


async def test_annex_xlsx_has_the_order_s_columns_and_rows(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    await activate(sessionmaker, world, "Петров Пётр", "Кузнецова Катя", clock())
    clock.advance(days=1, hours=20)  # 23:59 UTC → already the next day in Moscow
    await activate(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    async with sessionmaker() as s:
        rows = await pairing.annex_rows(s, await programme(s, world))
    assert [(r.mentor, r.mentee) for r in rows] == [("Иванова Мария", "Сидоров Саша"),
                                                   ("Петров Пётр", "Кузнецова Катя")]
    assert rows[0].fixed_on == date(2026, 11, 25) and rows[1].fixed_on == date(2026, 11, 23)

    for locale in ("ru", "en"):
        content = pairs_xlsx(rows, locale, organisation="Школа № 1", programme="Наставники 2026", translator=T)
        ws = load_workbook(BytesIO(content)).active
        t = T.bind(locale)
        assert ws.cell(1, 1).value == t("pair-xlsx-title")
        assert ws.cell(2, 1).value == t("pair-xlsx-organisation", name="Школа № 1")
        assert ws.cell(3, 1).value == t("pair-xlsx-programme", name="Наставники 2026")
        header = [ws.cell(FIRST_TABLE_ROW, c).value for c in range(1, 7)]
        assert header == [t(k) for k in ("pair-xlsx-col-n", "pair-xlsx-col-mentor", "pair-xlsx-col-mentee",
                                         "pair-xlsx-col-form", "pair-xlsx-col-role-model", "pair-xlsx-col-date")]
        first = [ws.cell(FIRST_TABLE_ROW + 1, c).value for c in range(1, 7)]
        assert first[:3] == [1, "Иванова Мария", "Сидоров Саша"]
        assert first[5].date() == date(2026, 11, 25)
        assert ws.cell(FIRST_TABLE_ROW + 2, 1).value == 2 and ws.cell(FIRST_TABLE_ROW + 3, 1).value is None
        assert ws.column_dimensions["B"].width >= 30
    ru_header = [load_workbook(BytesIO(pairs_xlsx(rows, "ru", organisation="x", programme="y", translator=T)))
                 .active.cell(FIRST_TABLE_ROW, c).value for c in (2, 3)]
    assert ru_header == ["ФИО наставника", "ФИО наставляемого"]


async def test_the_last_two_answers_arriving_together_still_activate_the_group(sessionmaker, clock, db_url):
    mentors = {"Иванова Мария": dict(MENTORS["Иванова Мария"], capacity=2)}
    mentees = {k: MENTEES[k] for k in ("Сидоров Саша", "Кузнецова Катя")}
    world = await seed(sessionmaker, clock(), mentors=mentors, mentees=mentees, group_mode=True)
    pair = await propose_and_approve_the_group(sessionmaker, world, clock())
    await answer(sessionmaker, world, pair.id, "Иванова Мария", True, clock())
    both = [answer(sessionmaker, world, pair.id, name, True, clock()) for name in mentees]
    if db_url.startswith("postgresql"):
        outcomes = await asyncio.gather(*both)
    else:
        outcomes = [await both[0], await both[1]]
    assert sorted(o.outcome for o in outcomes) == ["active", "waiting"]
    async with sessionmaker() as s:
        assert (await s.get(Pair, pair.id)).status == "active"
    assert len(await told(sessionmaker, pairing.KIND_ACTIVE)) == 1


async def test_a_revoked_curator_s_notices_are_dropped(sessionmaker, clock):
    from db.models import CuratorRole

    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        pair = await pairing.manual_pair(s, await programme(s, world), world.member["Иванова Мария"],
                                         world.member["Сидоров Саша"], curator_id=world.curator_id, now=clock(),
                                         translator=T)
        await s.commit()
    await answer(sessionmaker, world, pair.id, "Иванова Мария", True, clock())
    await answer(sessionmaker, world, pair.id, "Сидоров Саша", True, clock())
    [notice] = await told(sessionmaker, pairing.KIND_ACTIVE)
    async with sessionmaker() as s:
        assert [i.id for i in await attention.open_items(s, world.curator_id, clock())] == [notice.id]
        role = await s.scalar(select(CuratorRole).where(CuratorRole.user_id == world.curator_id))
        role.revoked_at = clock()
        await s.flush()
        assert await attention.open_items(s, world.curator_id, clock()) == []  # out of their reach


# ---------------------------------------------------------------------------------------------
# review fixes: card size, big id lists, bulk approval, stale runs, withdrawing, weights
# ---------------------------------------------------------------------------------------------
def _big_group(n: int = 10):
    """A mentor with room for n and n mentees who share a lot with her (long cards)."""
    many = ["music", "it", "sport", "art"]
    mentor = {"Иванова Мария": dict(MENTORS["Иванова Мария"], capacity=n, interests=many,
                                    strengths=["exams", "projects", "career", "creativity"],
                                    days=[0, 1, 2, 3, 4], times=["morning", "afternoon", "evening"],
                                    company="Очень длинное название организации " * 4)}
    mentees = {f"Ученица Номер {i:02d} С Очень Длинной Фамилией": dict(
        category="school_student", grade=7, interests=many, goals=["exams", "projects", "career", "creativity"],
        days=[0, 1, 2, 3, 4], times=["morning", "afternoon", "evening"], format="online") for i in range(n)}
    return mentor, mentees


async def test_a_group_of_ten_gets_whole_cards_and_reminders(sessionmaker, clock):
    mentor, mentees = _big_group(10)
    world = await seed(sessionmaker, clock(), mentors=mentor, mentees=mentees, group_mode=True)
    pair = await propose_and_approve_the_group(sessionmaker, world, clock())
    async with sessionmaker() as s:
        pms = (await s.scalars(select(PairMentee).where(PairMentee.pair_id == pair.id))).all()
        assert len(pms) == 10
        for pm in pms:  # the worst case: every reason with many items, choices both ways
            pm.reasons = [*pm.reasons, {"code": "preference", "items": ["mentee:2"]},
                          {"code": "mutual_preference", "items": ["mentor:1", "mentee:3"]},
                          {"code": "role_model", "items": ["teacher_underachiever"]}]
        await s.commit()
    async with sessionmaker() as s:
        prog = await programme(s, world)
        fresh = await s.get(Pair, pair.id)
        mentor_m, people = await pairing.people_of(s, fresh)
        for who in (mentor_m, people[0][1]):
            for lang in ("ru", "en"):
                t = T.bind(lang)
                key, args = pairing._card_args(t, prog, who, mentor_m, people)
                card = t(key, **args)
                assert "{???}" not in card and len(card) < 4096
                reminder = t("pair-reminder", card=card[:pairing.PLACEABLE_MAX],
                             card_rest=card[pairing.PLACEABLE_MAX:])
                assert "{???}" not in reminder and len(reminder) < 4096
    for row in await outbox(sessionmaker, pairing.KIND_CARD):  # the queued cards render whole too
        text = T.get("ru", row.payload["key"], **row.payload["args"])
        assert "{???}" not in text and len(text) < 4096
    clock.advance(days=4)
    async with sessionmaker() as s:
        reminded, _ = await pairing.remind_and_report(s, clock(), T)
        await s.commit()
    assert reminded == 11
    for row in await outbox(sessionmaker, pairing.KIND_REMINDER):
        text = T.get("ru", row.payload["key"], **row.payload["args"])
        assert "{???}" not in text and len(text) < 4096 and "Напоминание" in text


async def test_participant_cards_leave_out_role_models_and_ranks(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    pair = await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    reasons = [{"code": "shared_interests", "items": ["music"]},
               {"code": "preference", "items": ["mentee:2"]},
               {"code": "role_model", "items": ["teacher_underachiever"]}]
    ru = T.bind("ru")
    shared = pairing.card_shared(ru, reasons)
    role_label = pairing.item_label(ru, "role_model", "teacher_underachiever")
    assert role_label not in shared and "2-й" not in shared
    assert T.get("ru", "pair-card-chosen", who="you", reader="mentee") in shared  # the mentee reads it
    for_mentor = pairing.card_shared(ru, reasons, "mentor")
    assert T.get("ru", "pair-card-chosen", who="partner", reader="mentor") in for_mentor
    # the curator's proposal view keeps both
    curator = "; ".join(pairing.describe_reasons(ru, reasons))
    assert role_label in curator and "2-й выбор" in curator
    for row in await outbox(sessionmaker, pairing.KIND_CARD):
        text = T.get("ru", row.payload["key"], **row.payload["args"])
        assert T.get("ru", "pair-reason-role-model", items=role_label, n=1) not in text
    assert pair.id


def test_chunked_splits_distinct_ids():
    assert pairing.chunked([3, 1, 2, 3, None, 5], 2) == [[1, 2], [3, 5]]
    assert pairing.chunked([], 2) == []
    assert [len(c) for c in pairing.chunked(range(12_001))] == [5000, 5000, 2001]
    with pytest.raises(ValueError):
        pairing.chunked([1], 0)


async def test_lookups_take_more_ids_than_a_query_may_bind(sessionmaker, clock, monkeypatch):
    world = await seed(sessionmaker, clock())
    ids = list(world.member.values())
    async with sessionmaker() as s:
        # far over PostgreSQL's 32,767 bind parameters: chunked
        found = await pairing.members_by_id(s, [*range(10**6, 10**6 + 40_000), *ids])
        assert set(found) == set(ids)
        assert await pairing.pair_mentees(s, range(10**6, 10**6 + 40_000)) == {}
        monkeypatch.setattr(pairing, "IN_CHUNK", 2)  # and the chunked path gives the same answer
        assert set(await pairing.members_by_id(s, ids)) == set(ids)
        assert {m.name for m in (await pairing.members_by_id(s, ids)).values()} == set(MENTORS) | set(MENTEES)
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        items = await pairing.proposals(s, world.programme_id)
        pms = await pairing.pair_mentees(s, [p.id for p in items])
        assert sorted(len(v) for v in pms.values()) == [1, 1]


async def test_approve_all_checks_like_approve_and_queues_every_card(sessionmaker, clock):
    mentors = dict(MENTORS)
    mentors["Орлова Ольга"] = dict(category="teacher", interests=["art"], strengths=["creativity"], days=[5],
                                   times=["morning"], format="any", capacity=1)
    world = await seed(sessionmaker, clock(), mentors=mentors)
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:  # one proposal's mentee is paired by hand meanwhile
        proposed = await pairs_by_names(s, world, "proposed")
        taken_pair = proposed[("Петров Пётр", "Кузнецова Катя")]
        s.add(Pair(programme_id=world.programme_id, mentor_member_id=world.member["Орлова Ольга"],
                   status="approved", manual=True, score=0.1, created_at=clock(), version=1))
        await s.flush()
        extra = await s.scalar(select(Pair).where(Pair.mentor_member_id == world.member["Орлова Ольга"],
                                                  Pair.status == "approved"))
        s.add(PairMentee(pair_id=extra.id, mentee_member_id=world.member["Кузнецова Катя"], reasons=[]))
        await s.commit()
    async with sessionmaker() as s:
        approved, skipped = await pairing.approve_all(s, await programme(s, world), curator_id=world.curator_id,
                                                      now=clock(), translator=T)
        await s.commit()
    assert (approved, skipped) == (1, 2)  # one mentee taken (withdrawn), one mentor full now (skipped)
    async with sessionmaker() as s:
        assert (await s.get(Pair, taken_pair.id)).status == "withdrawn"
        statuses = {k: p.status for k, p in (await pairs_by_names(s, world)).items()}
        assert statuses[("Иванова Мария", "Сидоров Саша")] == "approved"
        assert statuses[("Орлова Ольга", "Волков Ваня")] == "proposed"  # over capacity: left as it was
    cards = await outbox(sessionmaker, pairing.KIND_CARD)
    assert sorted(c.chat_id for c in cards) == sorted([world.tg["Иванова Мария"], world.tg["Сидоров Саша"]])
    async with sessionmaker() as s:  # a second press: the full mentor's proposal is skipped again
        assert await pairing.approve_all(s, await programme(s, world), curator_id=world.curator_id, now=clock(),
                                         translator=T) == (0, 1)


async def test_a_run_left_running_by_a_crash_is_failed_at_start_up(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        s.add(MatchRun(programme_id=world.programme_id, started_at=clock(), status="running", summary={}))
        await s.commit()
    with pytest.raises(PairingError) as exc:
        await run(sessionmaker, world, clock())
    assert exc.value.code == "run-in-progress"
    async with sessionmaker() as s:
        assert await pairing.fail_stale_runs(s, clock()) == 1
        await s.commit()
    assert (await run(sessionmaker, world, clock())).status == "done"
    async with sessionmaker() as s:
        assert await pairing.fail_stale_runs(s, clock()) == 0


async def test_a_run_another_instance_is_still_working_on_is_not_failed(sessionmaker, clock):
    """Several instances on PostgreSQL: one starting (or taking over the lead) fails only the
    runs no live process holds (pairing.run_held); on SQLite, one process, every running one."""
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        live = MatchRun(programme_id=world.programme_id, started_at=clock(), status="running", summary={})
        dead = MatchRun(programme_id=world.programme_id, started_at=clock(), status="running", summary={})
        s.add_all([live, dead])
        await s.commit()
    postgres = sessionmaker.kw["bind"].dialect.name == "postgresql"
    async with sessionmaker() as worker:  # the instance working on ``live``
        async with pairing.run_held(worker, live.id):
            async with sessionmaker() as s:
                assert await pairing.fail_stale_runs(s, clock()) == (1 if postgres else 2)
                await s.commit()
            async with sessionmaker() as s:
                assert (await s.get(MatchRun, dead.id)).status == "failed"
                assert (await s.get(MatchRun, live.id)).status == ("running" if postgres else "failed")
    async with sessionmaker() as s:  # its process gone: failed at the next recovery
        assert await pairing.fail_stale_runs(s, clock()) == (1 if postgres else 0)
        await s.commit()
        assert (await s.get(MatchRun, live.id, populate_existing=True)).status == "failed"


async def test_the_curator_withdraws_an_unanswered_approved_pair(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    pair = await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    for _ in range(2):  # reminded, then reported
        clock.advance(days=4)
        async with sessionmaker() as s:
            await pairing.remind_and_report(s, clock(), T)
            await s.commit()
    async with sessionmaker() as s:
        assert await pairing.unanswered_count(s, world.programme_id) == 1
        fresh = await s.get(Pair, pair.id)
        with pytest.raises(PairingError) as exc:  # a stale screen
            await pairing.withdraw_approved(s, await programme(s, world), fresh, now=clock(), seen_version=0)
        assert exc.value.code == "already-decided"
        await pairing.withdraw_approved(s, await programme(s, world), fresh, now=clock(),
                                        curator_id=world.curator_id)
        await s.commit()
        assert fresh.status == "withdrawn"
        assert await pairing.unanswered_count(s, world.programme_id) == 0
    told = await outbox(sessionmaker, pairing.KIND_CANCELLED)
    assert {r.chat_id for r in told} == {world.tg["Иванова Мария"], world.tg["Сидоров Саша"]}
    assert {r.payload["key"] for r in told} == {"pair-withdrawn-by-curator-notice"}
    cards = await outbox(sessionmaker, pairing.KIND_CARD)
    async with sessionmaker() as s:  # the queued cards are no longer worth sending; answers are refused
        from domain.outbox import is_relevant

        for row in cards:
            assert not await is_relevant(s, row)
    with pytest.raises(PairingError):
        await answer(sessionmaker, world, pair.id, "Сидоров Саша", True, clock())
    # the mentor's place is free and the combination may be proposed again
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        assert ("Иванова Мария", "Сидоров Саша") in await pairs_by_names(s, world, "proposed")


async def test_matching_weights_are_adjusted_within_bounds_and_used(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        prog = await programme(s, world)
        assert pairing.weights_of(prog)["interests"] == 1.0
        for _ in range(25):
            values = await pairing.adjust_weight(s, prog, "interests", 1)
        assert values["interests"] == 10.0
        for _ in range(3):
            values = await pairing.adjust_weight(s, prog, "format", -1)
        assert values["format"] == 0.0
        await pairing.adjust_weight(s, prog, "goals", 1)
        await s.commit()
    async with sessionmaker() as s:
        prog = await programme(s, world)
        assert prog.weights == {"interests": 10.0, "format": 0.0, "goals": 2.0}
        assert pairing.make_spec(prog, clock()).weights.interests == 10.0
        with pytest.raises(PairingError):
            await pairing.adjust_weight(s, prog, "nonsense", 1)
        assert (await pairing.reset_weights(s, prog))["interests"] == 1.0
        await s.commit()
    async with sessionmaker() as s:
        assert (await programme(s, world)).weights == {}


async def test_a_group_mentor_declining_suggests_a_mentor_for_each_mentee(sessionmaker, clock):
    mentors = {"Иванова Мария": dict(MENTORS["Иванова Мария"], capacity=3),
               "Орлова Ольга": dict(category="teacher", interests=["music"], strengths=["exams"], days=[0],
                                    times=["evening"], format="any", capacity=2),
               "Зайцев Захар": dict(category="teacher", interests=["sport"], strengths=["career"], days=[1],
                                    times=["afternoon"], format="any", capacity=1)}
    world = await seed(sessionmaker, clock(), mentors=mentors, group_mode=True)
    async with sessionmaker() as s:
        prog = await programme(s, world)
        pair = Pair(programme_id=prog.id, mentor_member_id=world.member["Иванова Мария"], status="approved",
                    manual=True, score=0.5, created_at=clock(), approved_at=clock(), version=1)
        s.add(pair)
        await s.flush()
        for name in ("Сидоров Саша", "Кузнецова Катя", "Волков Ваня"):
            s.add(PairMentee(pair_id=pair.id, mentee_member_id=world.member[name], reasons=[]))
        await s.commit()
    await answer(sessionmaker, world, pair.id, "Иванова Мария", False, clock())
    [notice] = await told(sessionmaker, pairing.KIND_DECLINED)
    args = notice.args
    assert args["mode"] == "pairs"
    lines = args["suggested"].splitlines()
    assert 2 <= len(lines) <= pairing.GROUP_SUGGESTIONS
    rows = [row[0] for row in notice.buttons]
    buttons = [b for b in rows if b["text_key"] == "pair-btn-make-suggested"]
    assert len(buttons) == len(lines)
    # three mentees left without a mentor: one "pair by hand" list, and one for the mentor's freed places
    assert [b["text_key"] for b in rows[len(buttons):]] == ["pair-btn-manual", "pair-btn-manual-mentee-for",
                                                            "pair-btn-open"]
    used: dict[str, int] = {}
    for b in buttons:
        used[b["args"]["mentor"]] = used.get(b["args"]["mentor"], 0) + 1
    assert used.get("Орлова О.", 0) <= 2 and used.get("Зайцев З.", 0) <= 1  # no place promised twice
    assert len({b["args"]["mentee"] for b in buttons}) == len(buttons)
    assert [b["args"]["n"] for b in buttons] == list(range(1, len(buttons) + 1))
    text = T.get("ru", notice.key, **args)
    assert "{???}" not in text and lines[0] in text


def test_a_student_mentor_must_be_15_to_18_like_the_engine():
    from db.models import Participant as P_
    from domain import programmes as progs

    f = progs.form("student_student")
    today = date(2026, 11, 23)
    for age, ok in ((14, False), (15, True), (18, True), (19, False)):
        p = P_(role="mentor", category="school_student", birth_year=today.year - age, grade=10)
        assert (progs.side_fits(f, p, "mentor", today) is None) is ok, age


# ---------------------------------------------------------------------------------------------
# issue 9: one role model per pair, named cancellations, closed cards
# ---------------------------------------------------------------------------------------------
async def test_a_group_has_one_role_model_and_its_mentees_reasons_name_only_it(sessionmaker, clock):
    mentors = {"Иванова Мария": dict(MENTORS["Иванова Мария"], capacity=3,
                                     strengths=["exams", "projects", "adaptation"])}
    base = dict(category="school_student", grade=7, interests=["music"], days=[0], times=["evening"], format="online")
    mentees = {"Сидоров Саша": dict(base, goals=["exams"]),  # fits "underachiever" and "gifted"
               "Кузнецова Катя": dict(base, goals=["projects"]),  # fits "gifted" only
               "Волков Ваня": dict(base, goals=["adaptation"])}  # fits "adaptation" only
    world = await seed(sessionmaker, clock(), mentors=mentors, mentees=mentees, group_mode=True)
    async with sessionmaker() as s:
        (await programme(s, world)).role_models = ["teacher_underachiever", "teacher_gifted", "teacher_adaptation"]
        await s.commit()
    await run(sessionmaker, world, clock())
    async with sessionmaker() as s:
        [pair] = {p.id: p for p in (await pairs_by_names(s, world, "proposed")).values()}.values()
        assert pair.role_model == "teacher_gifted"  # the one most of the group fits
        names = {v: k for k, v in world.member.items()}
        named = {names[pm.mentee_member_id]: [r["items"] for r in pm.reasons if r["code"] == "role_model"]
                 for pm in (await s.scalars(select(PairMentee).where(PairMentee.pair_id == pair.id))).all()}
    assert named == {"Сидоров Саша": [["teacher_gifted"]], "Кузнецова Катя": [["teacher_gifted"]], "Волков Ваня": []}


async def test_a_pair_by_hand_gets_a_role_model_even_when_none_fits(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        prog = await programme(s, world)
        prog.role_models = ["teacher_gifted", "teacher_adaptation"]
        await s.flush()
        # Petrov is strong in careers, Katya wants one: no role model of the programme addresses it
        pair = await pairing.manual_pair(s, prog, world.member["Петров Пётр"], world.member["Кузнецова Катя"],
                                         curator_id=world.curator_id, now=clock(), translator=T)
        assert pair.role_model == "teacher_gifted"  # the programme's first
        # a pair stored without one (before this rule) still gets one in the annex
        pair.role_model = None
        pair.status = "active"
        await s.flush()
        [row] = await pairing.annex_rows(s, prog)
        assert row.role_model == "teacher_gifted"


async def test_a_cancelled_pair_is_named_its_delivered_cards_closed_and_old_buttons_refused(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    pair = await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    async with sessionmaker() as s:  # the mentor's card was delivered (message 77), the mentee's too (78)
        for card in (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == pairing.KIND_CARD))).all():
            card.status, card.tg_message_id = "sent", 77 if card.chat_id == world.tg["Иванова Мария"] else 78
        await s.commit()
    await answer(sessionmaker, world, pair.id, "Иванова Мария", True, clock())
    await answer(sessionmaker, world, pair.id, "Сидоров Саша", False, clock())
    [notice] = await outbox(sessionmaker, pairing.KIND_CANCELLED)
    assert notice.chat_id == world.tg["Иванова Мария"] and notice.payload["key"] == "pair-cancelled-notice"
    assert notice.payload["args"] == {"programme": "Наставники 2026", "partner_role": "mentee",
                                      "partner": "Сидоров Саша", "why": "declined"}
    # only her card is closed (he closed his own by declining), by an edit of the message she has
    [edit] = await outbox(sessionmaker, pairing.KIND_CARD_CLOSED)
    assert (edit.chat_id, edit.payload["edit_message_id"], edit.payload["key"]) == \
        (world.tg["Иванова Мария"], 77, "pair-card-cancelled")
    assert "buttons" not in edit.payload
    # her accepted card's buttons (an old copy) say the proposal is no longer valid; his say what he answered
    with pytest.raises(PairingError) as exc:
        await answer(sessionmaker, world, pair.id, "Иванова Мария", False, clock())
    assert exc.value.code == "no-longer-valid"
    with pytest.raises(PairingError) as exc:
        await answer(sessionmaker, world, pair.id, "Сидоров Саша", True, clock())
    assert (exc.value.code, exc.value.params) == ("already-answered", {"answer": "declined"})
    async with sessionmaker() as s:  # telling again queues nothing twice
        await pairing._tell_cancelled(s, await programme(s, world), await s.get(Pair, pair.id), clock())
        await s.commit()
    assert len(await outbox(sessionmaker, pairing.KIND_CARD_CLOSED)) == 1


async def test_finishing_a_programme_tells_the_invited_which_pair_and_why(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    await run(sessionmaker, world, clock())
    await approve(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    async with sessionmaker() as s:
        await pairing.end_programme(s, await programme(s, world), clock(), world.curator_id)
        await s.commit()
    told = {r.chat_id: r.payload["args"] for r in await outbox(sessionmaker, pairing.KIND_CANCELLED)}
    assert told == {
        world.tg["Иванова Мария"]: {"programme": "Наставники 2026", "partner_role": "mentee",
                                    "partner": "Сидоров Саша", "why": "finished"},
        world.tg["Сидоров Саша"]: {"programme": "Наставники 2026", "partner_role": "mentor",
                                   "partner": "Иванова Мария", "why": "finished"},
    }
    assert await outbox(sessionmaker, pairing.KIND_CARD_CLOSED) == []  # no card was delivered yet
