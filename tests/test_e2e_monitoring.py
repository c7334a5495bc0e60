"""Monitoring and completion through the running bot (handlers/monitoring.py): risk alerts open the
pair's screen, ending and dissolving pairs, re-matching, launching the surveys, finishing the
programme; forged and foreign buttons refused.

The programme, its members, active pairs, meetings, goals and survey answers are seeded directly
(tests/test_pairing.py's ``seed``); alerts come from ``domain.checkins``. Texts are compared with
the translator's output; alerts and invitations (whose texts are another feature's) are found by
their buttons' callback data.
"""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from bot.i18n import Translator
from db.models import (
    AttentionItem,
    CheckIn,
    Goal,
    Meeting,
    OutboxMessage,
    Pair,
    PairMentee,
    Participant,
    Programme,
    ProgrammeMember,
    SurveyOccasion,
    SurveyResponse,
    User,
)
from domain import checkins, pairing
from domain.outbox import enqueue
from handlers.callbacks import ProgrammeCb, ProgrammesCb
from handlers.monitoring import (
    MonCb,
    MonEnd,
    MonFinish,
    MonLaunch,
    MonPair,
    MonRematch,
    RiskOpen,
    RiskRematch,
)
from tests.test_e2e_pairing import E2E_MENTEES, E2E_MENTORS, pace
from tests.test_pairing import CURATOR_TG, World, seed

T = Translator()
ru = T.bind("ru")
TITLE = "Наставники 2026"
MARIA, PETR, OLGA = "Иванова Мария", "Петров Пётр", "Орлова Ольга"
SASHA, KATYA = "Сидоров Саша", "Кузнецова Катя"


# ---------------------------------------------------------------------------------------------
# seeding
# ---------------------------------------------------------------------------------------------
async def make_active(s, programme_id: int, mentor_id: int, mentee_id: int, activated: datetime) -> Pair:
    pair = Pair(programme_id=programme_id, mentor_member_id=mentor_id, status="active", manual=True,
                mentor_answer="accepted", mentor_answered_at=activated, created_at=activated,
                approved_at=activated, activated_at=activated, version=2)
    s.add(pair)
    await s.flush()
    s.add(PairMentee(pair_id=pair.id, mentee_member_id=mentee_id, answer="accepted", answered_at=activated,
                     reasons=[]))
    await s.flush()
    return pair


async def seed_work(sessionmaker, now: datetime) -> tuple[World, int, int]:
    """Two active pairs, 30 days old (interval 14): Maria–Sasha met twice, has a goal and a low
    rating; Petr–Katya never met. Returns (world, Maria–Sasha pair id, Petr–Katya pair id)."""
    world = await seed(sessionmaker, now, mentors=E2E_MENTORS, mentees=E2E_MENTEES)
    start = now - timedelta(days=30)
    async with sessionmaker() as s:
        p1 = await make_active(s, world.programme_id, world.member[MARIA], world.member[SASHA], start)
        p2 = await make_active(s, world.programme_id, world.member[PETR], world.member[KATYA], start)
        today = now.date()
        m1 = Meeting(pair_id=p1.id, logged_by_member_id=world.member[MARIA], held_on=today - timedelta(days=20),
                     format="offline", minutes=45, topic="Знакомство", created_at=now - timedelta(days=20))
        m2 = Meeting(pair_id=p1.id, logged_by_member_id=world.member[SASHA], held_on=today - timedelta(days=10),
                     format="online", minutes=None, created_at=now - timedelta(days=10))
        s.add_all([m1, m2])
        await s.flush()
        s.add(Goal(pair_id=p1.id, member_id=world.member[SASHA], text="Сдать ОГЭ по математике на 5", progress=40,
                   history=[], created_at=start, updated_at=now))
        s.add(SurveyResponse(survey_code="meeting-mentee", survey_version=1, occasion=f"meeting:{m2.id}",
                             kind="meeting", programme_id=world.programme_id, member_id=world.member[SASHA],
                             pair_id=p1.id, role="mentee",
                             answers={"useful": 8, "comfort": 3, "clarity": 7, "next_planned": True, "comment": None},
                             position=5, started_at=now - timedelta(days=9), updated_at=now - timedelta(days=9),
                             completed_at=now - timedelta(days=9)))
        await s.commit()
        return world, p1.id, p2.id


async def outbox_rows(sessionmaker, kind: str, like: str | None = None) -> list[OutboxMessage]:
    async with sessionmaker() as s:
        stmt = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        if like:
            stmt = stmt.where(OutboxMessage.dedupe_key.like(like))
        return list((await s.scalars(stmt)).all())


async def wait_button(user, data: str, timeout: float = 10, clock=None):
    """The next message (in the user's chat) with a button whose callback data is ``data``. With
    ``clock``, the frozen test clock is nudged while nothing comes: the outbox's per-chat pacing
    defers a second message to the same chat by the clock's time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        left = deadline - loop.time()
        try:
            msg = await user.wait_message(timeout=max(0.1, min(left, 0.5) if clock else left))
        except AssertionError:
            if clock is None or loop.time() >= deadline:
                raise
            clock.advance(seconds=2)
            continue
        if any(b.value == data for b in msg.buttons):
            return msg


async def wait_status(sessionmaker, row_id: int, status: str, timeout: float = 10) -> OutboxMessage:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with sessionmaker() as s:
            row = await s.get(OutboxMessage, row_id)
        if row.status == status:
            return row
        assert loop.time() < deadline, f"outbox row {row_id} is {row.status}, not {status}"
        await asyncio.sleep(0.1)


def dmy(d: date | datetime) -> str:
    return (d.date() if isinstance(d, datetime) else d).strftime("%d.%m.%Y")


# ---------------------------------------------------------------------------------------------
# a risk alert → the pair's screen → end the pair
# ---------------------------------------------------------------------------------------------
async def test_alert_opens_the_pair_and_ending_it_drops_what_was_queued(app, tg, sessionmaker, clock):
    now = clock()
    world, p1, p2 = await seed_work(sessionmaker, now)
    async with sessionmaker() as s:
        # Maria–Sasha: a low rating; Petr–Katya: no meetings (the bot's own job may have queued them first)
        await checkins.risk_alerts(s, now)
        await s.commit()
        # queued for later today: Sasha's check-in, Maria's invitation to rate the last meeting
        sasha = await s.get(User, world.user[SASHA])
        maria = await s.get(User, world.user[MARIA])
        later = now + timedelta(hours=2)
        sasha_member = await s.get(ProgrammeMember, world.member[SASHA])
        s.add(CheckIn(member_id=sasha_member.id, participant_id=sasha_member.participant_id, due_on=now.date(),
                      due_at=later, since=now.date(), pair_ids=[p1], status="pending", snoozes=0, created_at=now))
        checkin_row = await enqueue(s, user_id=sasha.id, chat_id=sasha.tg_id, kind=checkins.KIND_CHECKIN,
                                    key="checkin-ask", args={"since": "x", "partners": MARIA, "count": 1},
                                    due_at=later, dedupe_key=f"checkin:p{sasha_member.participant_id}:{now:%Y%m%d}")
        meeting_id = await s.scalar(select(func.max(Meeting.id)).where(Meeting.pair_id == p1))
        invite_row = await enqueue(s, user_id=maria.id, chat_id=maria.tg_id, kind="survey-invite",
                                   key="sv-invite-meeting", args={"who": SASHA, "date": "x"}, due_at=later,
                                   dedupe_key=f"survey-invite:meeting:{meeting_id}:{world.member[MARIA]}")
        await s.commit()

    curator = tg.user(CURATOR_TG, language_code="ru")
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    async with sessionmaker() as s:  # two pairs at risk: one summary, a button per pair
        item_id = await s.scalar(select(AttentionItem.id).where(AttentionItem.kind == "risk",
                                                                AttentionItem.ref == f"p{p1}"))
    alert = await wait_button(curator, f"na:{item_id}:s")
    await curator.press_data(alert, f"na:{item_id}:s")
    view = await curator.wait_message(contains=ru("mon-pair-title", programme=TITLE))
    assert view.message_id != alert.message_id  # the summary stays; the pair comes as a new message
    text = view.text
    assert ru("mon-pair-mentor", name=MARIA) in text
    assert ru("mon-pair-mentees", n=1, names=SASHA) in text
    assert ru("mon-pair-status", status=ru("mon-status-active")) in text
    assert ru("mon-pair-since", date=dmy(now - timedelta(days=30))) in text
    assert ru("mon-pair-risk", reasons=ru("mon-reason-low-rating", n=3)) in text
    assert ru("mon-pair-meetings", n=2) in text
    assert text.index(ru("mon-meeting-line-short", date=dmy(now - timedelta(days=10)), format="онлайн")) < \
        text.index(ru("mon-meeting-line", date=dmy(now - timedelta(days=20)), format="очно", minutes=45))
    assert ru("mon-goal-line", who=SASHA, text="Сдать ОГЭ по математике на 5", progress=40, done="no") in text
    assert ru("mon-survey-score", who=SASHA, role=ru("mon-role-mentee"), date=dmy(now - timedelta(days=9)),
              mean=6.0, low=3, warn="yes") in text

    # end the pair: asked first, then ended; its people get the final survey with the thanks
    await curator.press(view, ru("mon-btn-end-pair"))
    ask = await curator.wait_message()
    assert ask.message_id == view.message_id
    assert ask.text == ru("mon-end-ask", mentor=MARIA, mentees=SASHA)
    await curator.press(ask, ru("mon-btn-end-yes"))
    assert (await curator.wait_callback_answer())["text"] == ru("mon-ended", n=2)
    done = await curator.wait_message()
    assert done.text.startswith(ru("mon-ended", n=2))
    assert ru("mon-pair-status-closed", status=ru("mon-status-ended"), date=dmy(now)) in done.text
    assert ru("mon-btn-end-pair") not in [b.text for b in done.buttons]
    async with sessionmaker() as s:
        pair = await s.get(Pair, p1)
        assert (pair.status, pair.ended_at) == ("ended", clock())
        assert (await s.get(Pair, p2)).status == "active"
    invites = await outbox_rows(sessionmaker, "survey-invite", f"survey-invite:end:{world.programme_id}:%")
    assert sorted(r.user_id for r in invites) == sorted([world.user[MARIA], world.user[SASHA]])
    assert {r.payload["key"] for r in invites} == {"sv-invite-end"}
    await wait_button(tg.user(world.tg[SASHA]), f"ws:e:{world.programme_id}")

    # the same confirmation again: nothing changes
    await curator.press_data(done, MonEnd(id=p1, a="e", ok=1).pack())
    answer = await curator.wait_callback_answer()
    assert answer["text"] == ru("mon-pair-not-active") and answer["show_alert"]
    assert len(await outbox_rows(sessionmaker, "survey-invite", "survey-invite:end:%")) == 2

    # when their time comes, the check-in and the meeting-survey invitation of the ended pair are dropped
    await pace(clock)
    clock.advance(hours=3)
    await wait_status(sessionmaker, checkin_row.id, "dropped")
    await wait_status(sessionmaker, invite_row.id, "dropped")
    await tg.user(world.tg[SASHA]).expect_no_message(0.3)

    # the final survey is open now (for that pair's people): launching it invites only the others
    pid = world.programme_id
    await curator.press_data(done, MonCb(pid=pid).pack())
    screen = await curator.wait_message(contains=ru("mon-title", programme=TITLE))
    assert ru("mon-survey-launched", survey=ru("mon-survey-end"), date=dmy(now), done=0, invited=2) in screen.text
    await curator.press(screen, ru("mon-btn-launch-end"))
    ask = await curator.wait_message()
    assert ask.text == ru("mon-launch-ask-more", survey=ru("mon-survey-end"), programme=TITLE, n=2)
    assert len(await outbox_rows(sessionmaker, "survey-invite", f"survey-invite:end:{pid}:%")) == 2  # a dry run
    await curator.press(ask, ru("mon-btn-launch-yes"))
    assert (await curator.wait_callback_answer())["text"] == ru("mon-launched-more", survey=ru("mon-survey-end"), n=2)
    screen = await curator.wait_message()
    invites = await outbox_rows(sessionmaker, "survey-invite", f"survey-invite:end:{pid}:%")
    assert sorted(r.user_id for r in invites) == sorted(world.user[n] for n in (MARIA, SASHA, PETR, KATYA))
    await curator.press(screen, ru("mon-btn-launch-end"))
    assert (await curator.wait_callback_answer())["text"] == ru("mon-launch-already", survey=ru("mon-survey-end"))


# ---------------------------------------------------------------------------------------------
# "not a good match" → re-matching
# ---------------------------------------------------------------------------------------------
async def test_declined_fit_rematch_dissolves_and_pairs_the_replacement(app, tg, sessionmaker, clock):
    now = clock()
    world, _, p2 = await seed_work(sessionmaker, now)
    async with sessionmaker() as s:
        s.add(Meeting(pair_id=p2, logged_by_member_id=world.member[PETR], held_on=now.date() - timedelta(days=2),
                      format="offline", minutes=30, created_at=now - timedelta(days=2)))
        await s.flush()
        pair = await s.get(Pair, p2)
        katya = await s.get(ProgrammeMember, world.member[KATYA])
        await checkins.record_fit(s, pair, katya, False, "Не совпадаем по расписанию", now)
        await s.commit()

    curator = tg.user(CURATOR_TG, language_code="ru")
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    alert = await curator.wait_message(timeout=10)
    if RiskRematch(id=p2).pack() in [b.value for b in alert.buttons]:  # the alert alone comes as itself
        assert RiskOpen(id=p2).pack() in [b.value for b in alert.buttons]
        await curator.press_data(alert, RiskRematch(id=p2).pack())
    else:  # with what the bot's own start-up run found (the low rating): a summary; the pair's screen re-matches
        async with sessionmaker() as s:
            item_id = await s.scalar(select(AttentionItem.id).where(AttentionItem.kind == "fit"))
        await curator.press_data(alert, f"na:{item_id}:s")
        view = await curator.wait_message(contains=ru("mon-pair-mentor", name=PETR))
        await curator.press_data(view, MonRematch(id=p2).pack())
    ask = await curator.wait_message(contains=ru("mon-rematch-ask", mentor=PETR, mentees=KATYA))
    assert ask.message_id != alert.message_id
    assert ru("mon-fit-no", who=KATYA, reason="Не совпадаем по расписанию") in ask.text
    async with sessionmaker() as s:
        assert (await s.get(Pair, p2)).status == "active"  # nothing happens before the confirmation

    await curator.press(ask, ru("mon-btn-rematch-yes"))
    assert (await curator.wait_callback_answer())["text"] == ru("mon-dissolved")
    shown = await curator.wait_message()
    assert shown.message_id == ask.message_id
    assert ru("mon-rematch-title", mentor=PETR, mentees=KATYA) in shown.text
    assert ru("mon-rematch-for", mentee=KATYA, n=1) in shown.text
    async with sessionmaker() as s:
        programme = await s.get(Programme, world.programme_id)
        [(olga, value)] = await pairing.replacements(s, programme, now, await pairing.member(s, programme,
                                                                                              world.member[KATYA]))
        assert olga.name == OLGA  # Maria is full, Petr's combination is excluded now
        assert (await s.get(Pair, p2)).status == "dissolved"
        assert (world.member[PETR], world.member[KATYA]) in await pairing.excluded_combos(s, world.programme_id)
    percent = pairing.percent(value)
    assert ru("mon-rematch-line", mentor=OLGA, percent=percent) in shown.text
    # both people of the dissolved pair are told
    for name in (PETR, KATYA):
        await tg.user(world.tg[name]).wait_message(timeout=10, contains=ru("mon-dissolved-notice", programme=TITLE))

    # pressing the re-match again: already dissolved, straight to the candidates, nothing else changes
    await curator.press_data(shown, MonRematch(id=p2, ok=1).pack())
    again = await curator.wait_message()
    assert ru("mon-rematch-title", mentor=PETR, mentees=KATYA) in again.text
    assert len(await outbox_rows(sessionmaker, pairing.KIND_DISSOLVED)) == 2

    await curator.press(again, ru("mon-btn-pair-with", mentor=OLGA, mentee=KATYA, percent=percent))
    made = await curator.wait_message(contains=ru("pair-made", mentor=OLGA, mentee=KATYA))
    assert made.message_id == again.message_id
    async with sessionmaker() as s:
        new = (await s.scalars(select(Pair).where(Pair.programme_id == world.programme_id, Pair.status == "approved")
                               )).all()
        assert [(p.mentor_member_id, p.manual) for p in new] == [(world.member[OLGA], True)]
    await pace(clock)
    await tg.user(world.tg[KATYA]).wait_message(timeout=10, contains=OLGA)  # her card for the new pair


# ---------------------------------------------------------------------------------------------
# the monitoring screen: surveys, finishing the programme
# ---------------------------------------------------------------------------------------------
async def test_launch_surveys_once_and_finish_the_programme(app, tg, sessionmaker, clock):
    now = clock()
    world, p1, p2 = await seed_work(sessionmaker, now)
    pid = world.programme_id
    curator = tg.user(CURATOR_TG, language_code="ru")
    await curator.send("/curator")
    menu = await wait_button(curator, ProgrammesCb(uid=world.org_id).pack())  # (a digest may come first)
    await curator.press_data(menu, ProgrammeCb(pid=pid).pack())
    programme_view = await wait_button(curator, MonCb(pid=pid).pack())
    await curator.press(programme_view, ru("mon-btn-monitoring"))
    screen = await curator.wait_message()
    assert screen.message_id == menu.message_id == programme_view.message_id
    lines = screen.text.splitlines()
    assert lines[0] == ru("mon-title", programme=TITLE)
    assert ru("mon-pairs", active=2, ended=0, dissolved=0) in lines
    assert ru("mon-meetings", n=1, days=14) in lines  # the meeting 10 days ago; not the one 20 days ago
    assert ru("mon-at-risk", n=2) in lines
    assert ru("mon-survey-not-launched", survey=ru("mon-survey-start")) in lines
    assert ru("mon-survey-not-launched", survey=ru("mon-survey-end")) in lines
    risk_buttons = [b.value for b in screen.buttons if b.text.startswith("⚠️")]
    assert sorted(risk_buttons) == sorted([MonPair(id=p1).pack(), MonPair(id=p2).pack()])

    # the active pairs list (handlers/pairing.py) opens each pair's screen, and leads back
    await curator.press(screen, ru("mon-btn-active", n=2))
    listed = await curator.wait_message()
    assert [b.value for b in listed.buttons][:2] == [MonPair(id=p1, b="l").pack(), MonPair(id=p2, b="l").pack()]
    await curator.press(listed, ru("mon-btn-pair-line", n=2, mentor=PETR, mentees=KATYA))
    view = await curator.wait_message()
    assert ru("mon-pair-mentor", name=PETR) in view.text and ru("mon-pair-meetings", n=0) in view.text
    assert ru("mon-pair-risk", reasons=ru("mon-reason-no-meeting", n=30)) in view.text
    await curator.press(view, ru("mon-btn-back-active"))
    listed = await curator.wait_message()
    assert listed.text.startswith(ru("pair-active-title", programme=TITLE, n=2))
    await curator.press_data(listed, MonCb(pid=pid).pack())
    screen = await curator.wait_message()
    assert screen.message_id == menu.message_id

    # the start survey: asked, launched, every member invited once
    await curator.press(screen, ru("mon-btn-launch-start"))
    ask = await curator.wait_message()
    assert ask.text == ru("mon-launch-ask-start", programme=TITLE)
    await curator.press(ask, ru("mon-btn-launch-yes"))
    async with sessionmaker() as s:  # members whose data may be processed (parental consent, if minor)
        members = await s.scalar(select(func.count()).select_from(ProgrammeMember)
                                 .join(Participant, Participant.id == ProgrammeMember.participant_id)
                                 .where(ProgrammeMember.programme_id == pid, Participant.status == "active"))
    assert 0 < members < len(world.member)  # the seeded minor without parental consent is left out
    notice = ru("mon-launched", survey=ru("mon-survey-start"), n=members)
    assert (await curator.wait_callback_answer())["text"] == notice
    screen = await curator.wait_message()
    assert screen.text.startswith(notice)
    assert ru("mon-survey-launched", survey=ru("mon-survey-start"), date=dmy(now), done=0, invited=members) \
        in screen.text
    start_invites = await outbox_rows(sessionmaker, "survey-invite", f"survey-invite:start:{pid}:%")
    assert len(start_invites) == members and {r.payload["key"] for r in start_invites} == {"sv-invite-start"}
    await wait_button(tg.user(world.tg[SASHA]), f"ws:s:{pid}")
    # a second press, and the old confirmation again: already launched, nobody invited twice
    await curator.press(screen, ru("mon-btn-launch-start"))
    already = ru("mon-launch-already", survey=ru("mon-survey-start"))
    assert (await curator.wait_callback_answer())["text"] == already
    await curator.press_data(screen, MonLaunch(pid=pid, k="s", ok=1).pack())
    assert (await curator.wait_callback_answer())["text"] == already
    assert len(await outbox_rows(sessionmaker, "survey-invite", f"survey-invite:start:{pid}:%")) == members
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(SurveyOccasion)) == 1

    # finishing the programme: asked, then every active pair ended and the final survey sent with thanks
    screen = await curator.wait_message()
    await curator.press(screen, ru("mon-btn-finish"))
    ask = await curator.wait_message()
    assert ask.text == ru("mon-finish-ask", programme=TITLE, n=2)
    await curator.press(ask, ru("mon-btn-finish-yes"))
    notice = ru("mon-finished", pairs=2, n=4)
    assert (await curator.wait_callback_answer())["text"] == notice
    screen = await curator.wait_message()
    assert screen.text.startswith(notice)
    assert ru("mon-programme-finished", date=dmy(now)) in screen.text
    assert ru("mon-pairs", active=0, ended=2, dissolved=0) in screen.text
    assert ru("mon-btn-finish") not in [b.text for b in screen.buttons]
    async with sessionmaker() as s:
        programme = await s.get(Programme, pid)
        assert (programme.status, programme.ended_at) == ("finished", now)
        assert {p.status for p in (await s.scalars(select(Pair).where(Pair.programme_id == pid))).all()} == {"ended"}
    end_invites = await outbox_rows(sessionmaker, "survey-invite", f"survey-invite:end:{pid}:%")
    assert sorted(r.user_id for r in end_invites) == sorted(world.user[n] for n in (MARIA, SASHA, PETR, KATYA))
    await pace(clock)
    await wait_button(tg.user(world.tg[KATYA]), f"ws:e:{pid}")

    # again: nothing changes
    await curator.press_data(screen, MonFinish(pid=pid, ok=1).pack())
    answer = await curator.wait_callback_answer()
    assert answer["text"] == ru("mon-programme-finished-already") and answer["show_alert"]
    assert len(await outbox_rows(sessionmaker, "survey-invite", f"survey-invite:end:{pid}:%")) == 4
    await curator.press_data(screen, MonLaunch(pid=pid, k="e", ok=1).pack())
    assert (await curator.wait_callback_answer())["text"] == ru("mon-programme-finished-already")


# ---------------------------------------------------------------------------------------------
# forged ids and the wrong people
# ---------------------------------------------------------------------------------------------
async def snapshot(sessionmaker) -> tuple:
    async with sessionmaker() as s:
        pairs = tuple((p.id, p.status, p.version) for p in (await s.scalars(select(Pair).order_by(Pair.id))).all())
        programmes = tuple((p.id, p.status) for p in (await s.scalars(select(Programme).order_by(Programme.id))).all())
        occasions = await s.scalar(select(func.count()).select_from(SurveyOccasion))
        outbox = await s.scalar(select(func.count()).select_from(OutboxMessage).where(  # what these buttons queue
            OutboxMessage.kind.in_(("survey-invite", pairing.KIND_DISSOLVED, pairing.KIND_CANCELLED))))
        return pairs, programmes, occasions, outbox


async def test_forged_and_foreign_buttons_are_refused(app, tg, sessionmaker, clock):
    now = clock()
    world, p1, _ = await seed_work(sessionmaker, now)
    async with sessionmaker() as s:  # an active pair of the other school's programme
        other_org = (await s.get(Programme, world.other_programme_id)).unit_id
        mentor = Participant(org_id=other_org, role="mentor", category="teacher", full_name="Чужой Учитель",
                             status="active", birth_year=1980, registered_at=now, updated_at=now)
        s.add(mentor)
        await s.flush()
        member = ProgrammeMember(programme_id=world.other_programme_id, participant_id=mentor.id, side="mentor",
                                 joined_at=now)
        s.add(member)
        await s.flush()
        foreign = (await make_active(s, world.other_programme_id, member.id, world.other_member["Чужой Ученик"],
                                     now - timedelta(days=30))).id
        await s.commit()
    before = await snapshot(sessionmaker)

    curator = tg.user(CURATOR_TG, language_code="ru")
    await curator.send("/curator")
    menu = await curator.wait_message()
    other = world.other_programme_id
    forged = [
        RiskOpen(id=foreign), RiskRematch(id=foreign), MonPair(id=foreign), MonEnd(id=foreign, a="e", ok=1),
        MonEnd(id=foreign, a="d", ok=1), MonRematch(id=foreign, ok=1), MonCb(pid=other),
        MonLaunch(pid=other, k="s", ok=1), MonLaunch(pid=other, k="e", ok=1), MonFinish(pid=other, ok=1),
        MonPair(id=999_999), MonEnd(id=999_999, a="e", ok=1), MonFinish(pid=999_999, ok=1),
    ]
    for data in forged:
        await curator.press_data(menu, data.pack())
        answer = await curator.wait_callback_answer()
        assert answer["text"] == ru("cur-not-found") and answer["show_alert"], data
    assert await snapshot(sessionmaker) == before

    # a participant pressing the curator's buttons of their own pair and programme
    sasha = tg.user(world.tg[SASHA])
    await sasha.send("/help")
    msg = await sasha.wait_message()
    pid = world.programme_id
    for data in (RiskOpen(id=p1), RiskRematch(id=p1), MonEnd(id=p1, a="e", ok=1), MonEnd(id=p1, a="d", ok=1),
                 MonRematch(id=p1, ok=1), MonCb(pid=pid), MonLaunch(pid=pid, k="s", ok=1), MonFinish(pid=pid, ok=1)):
        await sasha.press_data(msg, data.pack())
        assert (await sasha.wait_callback_answer())["text"] == ru("cur-only-curators"), data
    assert await snapshot(sessionmaker) == before
    await sasha.expect_no_message(0.2)
