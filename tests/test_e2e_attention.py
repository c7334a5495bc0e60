"""A curator's day (issue 9, item 12): what the bot tells a curator on its own comes as one "needs
your attention" summary, not a burst; the same list tops /curator, live; a unit's pairs at risk.

The weekend is seeded directly (tests/test_pairing.py's ``seed``): new registrations (one minor
awaiting a parent's consent), pairs at risk in two programmes of the school, one "not a good
match", one pair that started; another school's programme has a pair at risk that the school's
curator must never see. The producers run as the bot's jobs run them (domain functions); texts
are compared with the translator's output.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select

from bot.i18n import Translator
from db.models import AttentionItem, Meeting, OutboxMessage, Pair, Participant, Programme, ProgrammeMember, Unit, User
from domain import attention, checkins, invitations, pairing
from domain.digest import enqueue_digests
from domain.people import accept_curator
from handlers.callbacks import UnitRiskCb
from handlers.curator_views import CuCf
from tests.test_e2e_monitoring import make_active
from tests.test_pairing import CURATOR_TG, World, answer, seed

T = Translator()
TITLE_A, TITLE_B = "Наставники 2026", "Лидеры 2026"
SCHOOL, OTHER_SCHOOL = "Школа № 1", "Школа № 2"
MARIA, PETR, OLGA = "Иванова Мария", "Петров Пётр", "Орлова Ольга"
SASHA, KATYA, VANYA = "Сидоров Саша", "Кузнецова Катя", "Волков Ваня"
MENTORS = {
    MARIA: dict(category="teacher", interests=["music"], strengths=["exams"], days=[0], times=["evening"],
                format="online", capacity=1),
    PETR: dict(category="teacher", interests=["sport"], strengths=["career"], days=[1], times=["afternoon"],
               format="offline", capacity=1),
    OLGA: dict(category="teacher", interests=["art"], strengths=["creativity"], days=[5], times=["morning"],
               format="any", capacity=1),
}
MENTEES = {
    SASHA: dict(category="school_student", grade=7, interests=["music"], goals=["exams"], days=[0],
                times=["evening"], format="online"),
    KATYA: dict(category="school_student", grade=8, interests=["sport"], goals=["career"], days=[1],
                times=["afternoon"], format="offline"),
    VANYA: dict(category="school_student", grade=6, interests=["art"], goals=["creativity"], days=[5],
                times=["morning"], format="any"),
}
OTHER_CURATOR_TG = 7002


@dataclass
class Weekend:
    world: World
    programme_b: int
    other_school: int
    risky: dict[str, int]  # "mentor — mentee" -> pair id, pairs with no meeting in 30 days
    fit_pair: int
    started_pair: int
    foreign_pair: int
    awaiting_id: int  # the participant awaiting a parent's consent
    foreign_item: int  # an item of the other school's curator


_TG = iter(range(7500, 7600))


async def add_person(s, org_id: int, programme_id: int, name: str, side: str, now: datetime, *,
                     status: str = "active") -> tuple[int, int]:
    """A registered participant (and their user) in a programme: (member id, participant id)."""
    user = User(tg_id=next(_TG), locale="ru", full_name=name, created_at=now)
    s.add(user)
    await s.flush()
    p = Participant(user_id=user.id, org_id=org_id, role=side, full_name=name, status=status,
                    category="teacher" if side == "mentor" else "school_student",
                    grade=None if side == "mentor" else 7, birth_year=1980 if side == "mentor" else 2013,
                    capacity=1 if side == "mentor" else None, registered_at=now, updated_at=now)
    s.add(p)
    await s.flush()
    m = ProgrammeMember(programme_id=programme_id, participant_id=p.id, side=side, joined_at=now)
    s.add(m)
    await s.flush()
    return m.id, p.id


async def weekend(sessionmaker, clock, settings, *, locale: str, third_risk: bool) -> Weekend:
    """Friday evening: the world; over the weekend: everything a curator used to get one message for."""
    start = clock()
    world = await seed(sessionmaker, start, mentors=MENTORS, mentees=MENTEES, curator_locale=locale)
    long_ago = start - timedelta(days=30)
    async with sessionmaker() as s:
        org = world.org_id
        b = Programme(unit_id=org, form="teacher_student", role_models=["teacher_underachiever"], title=TITLE_B,
                      starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31), weights={}, status="active",
                      created_at=start)
        s.add(b)
        await s.flush()
        risky = {f"{MARIA} — {SASHA}": (await make_active(s, world.programme_id, world.member[MARIA],
                                                             world.member[SASHA], long_ago)).id}
        boris, _ = await add_person(s, org, b.id, "Белов Борис", "mentor", start)
        zoya, _ = await add_person(s, org, b.id, "Зайцева Зоя", "mentee", start)
        risky["Белов Борис — Зайцева Зоя"] = (await make_active(s, b.id, boris, zoya, long_ago)).id
        if third_risk:
            gleb, _ = await add_person(s, org, b.id, "Гусев Глеб", "mentor", start)
            yana, _ = await add_person(s, org, b.id, "Яковлева Яна", "mentee", start)
            risky["Гусев Глеб — Яковлева Яна"] = (await make_active(s, b.id, gleb, yana, long_ago)).id
        fit = await make_active(s, world.programme_id, world.member[PETR], world.member[KATYA], long_ago)
        s.add(Meeting(pair_id=fit.id, logged_by_member_id=world.member[PETR],
                               held_on=(start - timedelta(days=3)).date(), format="offline", minutes=45,
                               created_at=start - timedelta(days=3)))
        # the other school: a pair at risk, and a curator of its own
        other_school = await s.get(Unit, (await s.get(Programme, world.other_programme_id)).unit_id)
        stranger_mentor, _ = await add_person(s, other_school.id, world.other_programme_id, "Чужой Наставник",
                                              "mentor", start)
        foreign = await make_active(s, world.other_programme_id, stranger_mentor,
                                    world.other_member["Чужой Ученик"], long_ago)
        inv = await invitations.create(s, kind="curator", unit=other_school, now=start)
        await accept_curator(s, tg_id=OTHER_CURATOR_TG, locale="ru", full_name="Куратор Второй",
                             invitation=inv, now=start)
        await s.commit()

    # The weekend, while the bot holds what it would say (the clock the outbox sees stays on Friday
    # evening until Monday, as quiet hours or a stopped bot would). Saturday: two new pupils
    # register (one a minor whose parent's consent awaits); Olga and Vanya, paired by hand on
    # Friday, both accept: the pair starts.
    saturday, sunday = start + timedelta(hours=14), start + timedelta(hours=34)
    async with sessionmaker() as s:
        _, awaiting_id = await add_person(s, world.org_id, world.programme_id, "Новиков Никита", "mentee", saturday,
                                          status="awaiting_consent")
        await add_person(s, world.org_id, world.programme_id, "Орлов Олег", "mentee", saturday)
        programme = await s.get(Programme, world.programme_id)
        started = await pairing.manual_pair(s, programme, world.member[OLGA], world.member[VANYA],
                                            curator_id=world.curator_id, now=start, translator=T)
        await s.commit()
    await answer(sessionmaker, world, started.id, OLGA, True, saturday)
    await answer(sessionmaker, world, started.id, VANYA, True, saturday)
    # Sunday: Katya says the pair is not a good match; the jobs run (pairs at risk, the digest)
    async with sessionmaker() as s:
        pair = await s.get(Pair, fit.id)
        katya = await s.get(ProgrammeMember, world.member[KATYA])
        await checkins.record_fit(s, pair, katya, False, "Нам не о чем говорить", sunday)
        await s.commit()
    async with sessionmaker() as s:
        await checkins.risk_alerts(s, sunday)
        await enqueue_digests(s, sunday, settings)
        await s.commit()
        other = await s.scalar(select(User).where(User.tg_id == OTHER_CURATOR_TG))
        foreign_item = await s.scalar(select(AttentionItem.id).where(AttentionItem.user_id == other.id))
    clock.set(sunday)  # the weekend is over, as far as the outbox is concerned
    return Weekend(world, b.id, other_school.id, risky, fit.id, started.id, foreign.id, awaiting_id, foreign_item)


async def settled(sessionmaker, chat_id: int) -> list[OutboxMessage]:
    """The curator's outbox rows once none is waiting or on its way."""
    for _ in range(200):
        async with sessionmaker() as s:
            rows = (await s.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id)
                                    .order_by(OutboxMessage.id))).all()
        if rows and all(r.status not in ("pending", "claimed", "sending") for r in rows):
            return list(rows)
        await asyncio.sleep(0.05)
    raise AssertionError(f"outbox rows of chat {chat_id} did not settle: {[(r.kind, r.status) for r in rows]}")


def line(t, key: str, **args) -> str:
    return "• " + t(f"att-line-{key}", **args)


def risk_line(t, pair: str, programme: str) -> str:
    mentor, mentee = pair.split(" — ")
    return line(t, "risk-no-meeting", mentor=mentor, mentees=mentee, programme=programme, days=31)


# ---------------------------------------------------------------------------------------------
# the weekend in Russian: seven items, one summary with a button per group
# ---------------------------------------------------------------------------------------------
async def test_a_weekend_comes_as_one_summary_and_tops_the_curator_menu(start_app, make_settings, tg, sessionmaker,
                                                                         clock):
    ru = T.bind("ru")
    curator = tg.user(CURATOR_TG, language_code="ru")
    # the world first, then the bot: its start-up jobs (pairs at risk, the digest) must see the
    # weekend as over, not run half-way through it with Friday's clock
    w = await weekend(sessionmaker, clock, make_settings(), locale="ru", third_risk=True)
    app = await start_app()
    clock.advance(minutes=3)  # the summary gathers its run (attention.GATHER), then leaves

    summary = await curator.wait_message(timeout=10)
    rows = await settled(sessionmaker, CURATOR_TG)
    assert [(r.kind, r.status) for r in rows] == [("attention", "sent")]  # one message, not seven
    assert len(curator.messages) == 1
    lines = summary.text.splitlines()
    assert lines[0] == ru("att-summary", n=7, body="").strip()
    headings = [ru("att-group-risk", n=3), ru("att-group-fit", n=1), ru("att-group-consent", n=1),
                ru("att-group-started", n=1), ru("att-group-joined", n=1)]
    assert [lines.index(h) for h in headings] == sorted(lines.index(h) for h in headings)  # by importance
    for pair, pid in w.risky.items():
        programme = TITLE_A if pair.startswith(MARIA) else TITLE_B
        assert risk_line(ru, pair, programme) in lines
    assert line(ru, "risk-fit-declined", mentor=PETR, mentees=KATYA, programme=TITLE_A, who=KATYA,
                reason="Нам не о чем говорить") in lines
    assert line(ru, "att-consent-notice", unit=SCHOOL, n=1) in lines
    assert line(ru, "pair-active-notice", mentor=OLGA, mentees=VANYA, programme=TITLE_A, n=1) in lines
    assert line(ru, "digest-new-registrations", unit=SCHOOL, total=2, mentors=0, mentees=2, awaiting=1) in lines
    assert "Чужой" not in summary.text
    # a button per group (seven items are too many for one each), and the whole list
    assert [(b.text, b.value) for b in summary.buttons] == [
        (ru("att-group-risk", n=3), "ng:risk:s"), (ru("att-group-fit", n=1), "ng:fit:s"),
        (ru("att-group-consent", n=1), "ng:consent:s"), (ru("att-group-started", n=1), "ng:started:s"),
        (ru("att-group-joined", n=1), "ng:joined:s"), (ru("att-btn-list"), "nl:-:0:s")]
    assert all(len(b.value.encode()) <= 64 for b in summary.buttons)

    # /curator: the same open items on top, live
    await curator.send("/curator")
    menu = await curator.wait_message()
    top = menu.text.splitlines()
    assert top[0] == ru("att-title", n=7)
    for h in headings:
        assert h in top
    for pair in w.risky:
        assert risk_line(ru, pair, TITLE_A if pair.startswith(MARIA) else TITLE_B) in top
    assert [b.value for b in menu.buttons][:6] == ["ng:risk:m", "ng:fit:m", "ng:consent:m", "ng:started:m",
                                                   "ng:joined:m", "nl:-:0:m"]
    assert ru("att-btn-unit-risk") in [b.text for b in menu.buttons]  # the unit's pairs at risk

    # each group's button of the summary: a new message with the screen where the curator acts
    for data, first in (("ng:risk:s", ru("att-risk-title", unit=SCHOOL)),
                        ("ng:fit:s", ru("att-risk-title", unit=SCHOOL)),
                        ("ng:consent:s", ru("att-group-consent", n=1)),
                        ("ng:started:s", ru("att-group-started", n=1)),
                        ("ng:joined:s", ru("att-group-joined", n=1)),
                        ("nl:-:0:s", ru("att-title", n=7))):
        await curator.press(summary, next(b.text for b in summary.buttons if b.value == data))
        screen = await curator.wait_message(timeout=10)
        assert screen.message_id != summary.message_id, data  # the summary stays
        assert screen.text.splitlines()[0] == first, data

    listed = screen  # the whole list, from the summary's last button

    # the unit's pairs at risk: both programmes of the school, nothing of the other school
    await curator.press_data(summary, "ng:risk:s")
    risk_screen = await curator.wait_message(timeout=10)
    text = risk_screen.text
    assert ru("att-risk-found", n=4) in text  # three without meetings, one "not a good match"
    assert TITLE_A in text and TITLE_B in text and "Чужой" not in text and "Чужая" not in text
    assert sorted(b.value for b in risk_screen.buttons if b.value.startswith("wr:")) == \
        sorted(f"wr:{p}" for p in [*w.risky.values(), w.fit_pair])
    await curator.press_data(risk_screen, f"wr:{w.risky[f'{MARIA} — {SASHA}']}")
    pair_screen = await curator.wait_message(timeout=10)
    assert pair_screen.text.splitlines()[0] == ru("mon-pair-title", programme=TITLE_A)
    assert ru("mon-pair-mentor", name=MARIA) in pair_screen.text

    # the whole list: each kind of item opens where the curator acts on it
    assert listed.text.splitlines()[0] == ru("att-title", n=7)
    async with sessionmaker() as s:
        open_now = (await s.scalars(select(AttentionItem).where(AttentionItem.user_id == w.world.curator_id,
                                                                AttentionItem.closed_at.is_(None)))).all()
    items = {i.kind: i for i in open_now if i.kind != "risk"}
    items["risk"] = next(i for i in open_now if i.ref == f"p{w.risky[f'{MARIA} — {SASHA}']}")
    expected = {
        "risk": ru("mon-pair-title", programme=TITLE_A),
        "fit": ru("mon-pair-title", programme=TITLE_A),
        "consent": ru("cur-await-title", name=SCHOOL),
        "started": ru("mon-pair-title", programme=TITLE_A),
        "joined": ru("cur-plist-title", name=SCHOOL),
    }
    for kind, first in expected.items():
        assert any(b.value == f"na:{items[kind].id}:m" for b in listed.buttons), kind
        await curator.press_data(listed, f"na:{items[kind].id}:m")
        opened = await curator.wait_message(timeout=10)
        assert opened.message_id == listed.message_id, kind  # in place, in the menu
        assert opened.text.splitlines()[0] == first, kind
        if kind in ("risk", "fit", "started"):
            mentor = {"risk": MARIA, "fit": PETR, "started": OLGA}[kind]
            assert ru("mon-pair-mentor", name=mentor) in opened.text, kind
        await curator.press_data(opened, "nl:-:0:m")  # back to the list
        listed = await curator.wait_message(timeout=10)

    # resolved items leave the list: a meeting logged, the parent's consent confirmed; the
    # informational ones (a pair started, the registrations) are done once opened
    async with sessionmaker() as s:
        pair = await s.get(Pair, w.risky[f"{MARIA} — {SASHA}"])
        maria = await s.get(ProgrammeMember, w.world.member[MARIA])
        await checkins.log_meeting(s, pair, maria, clock().date() - timedelta(days=1), "offline", 60, None, clock())
        await s.commit()
    await curator.press_data(listed, f"na:{items['consent'].id}:m")
    awaiting = await curator.wait_message(timeout=10)
    await curator.press_data(awaiting, CuCf(id=w.awaiting_id, b="a").pack())
    await curator.wait_message(timeout=10)
    await curator.send("/curator")
    menu = await curator.wait_message(timeout=10)
    top = menu.text.splitlines()
    assert top[0] == ru("att-title", n=3)  # two pairs at risk, one "not a good match"
    assert ru("att-group-risk", n=2) in top and ru("att-group-fit", n=1) in top
    assert risk_line(ru, f"{MARIA} — {SASHA}", TITLE_A) not in top
    assert not any(h in top for h in (ru("att-group-consent", n=1), ru("att-group-started", n=1),
                                      ru("att-group-joined", n=1)))

    # someone else's item, or another school's pairs at risk: refused politely, nothing shown
    before = len(curator.messages)
    for forged in (f"na:{w.foreign_item}:s", f"na:{w.foreign_item}:m", UnitRiskCb(uid=w.other_school).pack(),
                   f"nd:{w.foreign_item}:-:0"):
        await curator.press_data(menu, forged)
        answer_ = await curator.wait_callback_answer()
        assert answer_.get("text") == ru("cur-not-found") and answer_.get("show_alert"), forged
    assert len(curator.messages) == before
    async with sessionmaker() as s:
        foreign = await s.get(AttentionItem, w.foreign_item)
        assert foreign.closed_at is None  # untouched


# ---------------------------------------------------------------------------------------------
# the weekend in English: six items, a button each
# ---------------------------------------------------------------------------------------------
async def test_a_short_weekend_in_english_has_a_button_per_item(start_app, make_settings, tg, sessionmaker, clock):
    en = T.bind("en")
    curator = tg.user(CURATOR_TG, language_code="en")
    # the world first, then the bot: its start-up jobs (pairs at risk, the digest) must see the
    # weekend as over, not run half-way through it with Friday's clock
    w = await weekend(sessionmaker, clock, make_settings(), locale="en", third_risk=False)
    app = await start_app()
    clock.advance(minutes=3)

    summary = await curator.wait_message(timeout=10)
    rows = await settled(sessionmaker, CURATOR_TG)
    assert [(r.kind, r.status) for r in rows] == [("attention", "sent")]
    lines = summary.text.splitlines()
    assert lines[0] == en("att-summary", n=6, body="").strip()
    for h in (en("att-group-risk", n=2), en("att-group-fit", n=1), en("att-group-consent", n=1),
              en("att-group-started", n=1), en("att-group-joined", n=1)):
        assert h in lines
    assert risk_line(en, f"{MARIA} — {SASHA}", TITLE_A) in lines
    assert risk_line(en, "Белов Борис — Зайцева Зоя", TITLE_B) in lines
    async with sessionmaker() as s:
        items = (await s.scalars(select(AttentionItem).where(AttentionItem.user_id == w.world.curator_id)
                                 .order_by(AttentionItem.id))).all()
    assert len(items) == 6 and all(i.summary_id == rows[0].id for i in items)
    by_id = {i.id: i for i in items}
    item_buttons = [b for b in summary.buttons if b.value.startswith("na:")]
    assert sorted(int(b.value.split(":")[1]) for b in item_buttons) == sorted(by_id)
    assert summary.buttons[-1].value == "nl:-:0:s"
    for b in item_buttons:
        item = by_id[int(b.value.split(":")[1])]
        assert b.text == attention.label_of(en, item)
        assert len(b.value.encode()) <= 64

    def title(item) -> str:
        if item.kind in ("risk", "fit", "started"):
            pair_id = int(item.ref[1:].split(":")[0])
            return en("mon-pair-title", programme=TITLE_B if pair_id == w.risky["Белов Борис — Зайцева Зоя"]
                      else TITLE_A)
        return {"consent": en("cur-await-title", name=SCHOOL), "joined": en("cur-plist-title", name=SCHOOL)}[item.kind]

    for b in item_buttons:  # each opens its screen as a new message; the summary stays
        item = by_id[int(b.value.split(":")[1])]
        await curator.press(summary, b.text)
        screen = await curator.wait_message(timeout=10)
        assert screen.message_id != summary.message_id
        assert screen.text.splitlines()[0] == title(item), item.kind
        if item.kind == "consent":
            assert "Новиков Никита" in screen.text
        if item.kind == "started":
            assert en("mon-pair-mentor", name=OLGA) in screen.text

    # the list in /curator is live: the informational items were opened, so they are done
    await curator.send("/curator")
    menu = await curator.wait_message(timeout=10)
    top = menu.text.splitlines()
    assert top[0] == en("att-title", n=4)
    assert en("att-group-started", n=1) not in top and en("att-group-joined", n=1) not in top
    # taking an item off the list by hand
    await curator.press_data(menu, "nl:-:0:m")
    listed = await curator.wait_message(timeout=10)
    fit = next(i for i in items if i.kind == "fit")
    await curator.press_data(listed, f"nd:{fit.id}:-:0")
    listed = await curator.wait_message(timeout=10)
    assert listed.text.splitlines()[0] == en("att-dismissed")
    assert en("att-title", n=3) in listed.text.splitlines()
    assert not any(b.value == f"na:{fit.id}:m" for b in listed.buttons)
