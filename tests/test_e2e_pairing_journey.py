"""Forming pairs through the running bot, as issue 9's school journey played it: replacements after
a decline, cancelled proposals that say which pair (and close the cards already sent), manual
pairing without full mentors, role models in the annex, and cards that speak to their reader.

Seeding as in tests/test_pairing.py; texts compared with the translator's output.
"""
from __future__ import annotations

import asyncio
from io import BytesIO

import pytest

from openpyxl import load_workbook
from bot.i18n import Translator
from db.models import Pair, PairMentee, Preference, Programme, User
from domain import pairing
from domain.exports import FIRST_TABLE_ROW
from domain.text import ELLIPSIS, LABEL_MAX
from handlers.callbacks import PairsCb
from handlers.pairing import PrAnswer, PrMake, PrPick, PrShow
from tests.test_e2e_pairing import E2E_MENTEES, E2E_MENTORS, card_of, open_pairs
from tests.test_pairing import CURATOR_TG, MENTEES, MENTORS, World, answer, pairs_by_names, seed

T = Translator()
ru = T.bind("ru")
en = T.bind("en")
TITLE = "Наставники 2026"


async def eventually(clock, check, tries: int = 40):
    """Wait until ``check()`` is true, moving the frozen clock past the outbox's per-chat pacing."""
    for _ in range(tries):
        value = check()
        if value:
            return value
        await asyncio.sleep(0.25)
        clock.advance(seconds=2)
    raise AssertionError("the condition never became true")


async def open_pairs_screen(curator, world: World, t):
    """Like tests/test_e2e_pairing.open_pairs, but notices arriving meanwhile are passed over."""
    await curator.send("/curator")
    menu = await curator.wait_message(contains=t("cur-title-organisation", type=t("cur-orgtype-school"),
                                                 name="Школа № 1"))
    await curator.press_data(menu, PairsCb(pid=world.programme_id).pack())
    return await curator.wait_message(contains=t("pair-title", programme=TITLE))


def current(user, message_id: int):
    """A message of the user's chat as it is now (after any edits)."""
    return next(m for m in user.messages if m.message_id == message_id)


async def add_active(sessionmaker, world: World, mentor: str, mentees: list[str], now) -> None:
    """An active pair (or group) seeded directly, as if agreed long ago."""
    async with sessionmaker() as s:
        pair = Pair(programme_id=world.programme_id, mentor_member_id=world.member[mentor], status="active",
                    manual=True, score=0.5, created_at=now, approved_at=now, activated_at=now, version=2,
                    mentor_answer="accepted")
        s.add(pair)
        await s.flush()
        for name in mentees:
            s.add(PairMentee(pair_id=pair.id, mentee_member_id=world.member[name], reasons=[], answer="accepted"))
        await s.commit()


async def manual(sessionmaker, world: World, mentor: str, mentee: str, now) -> Pair:
    async with sessionmaker() as s:
        pair = await pairing.manual_pair(s, await s.get(Programme, world.programme_id), world.member[mentor],
                                         world.member[mentee], curator_id=world.curator_id, now=now, translator=T)
        await s.commit()
        return pair


async def decline_without_reason(user, card, t) -> None:
    await user.press(card, t("pair-btn-decline"))
    ask = await user.wait_message(contains=t("pair-ask-reason"))
    await user.press(ask, t("pair-btn-skip-reason"))
    assert (await user.wait_message()).text == t("pair-you-declined")


# ---------------------------------------------------------------------------------------------
# item 1: a mentee who declines gets a replacement mentor; "pair by hand" either way
# ---------------------------------------------------------------------------------------------
async def test_a_mentee_who_declines_is_offered_a_mentor_with_free_places(app, tg, sessionmaker, clock):
    mentors = {"Иванова Мария": MENTORS["Иванова Мария"],
               "Орлова Ольга": dict(category="teacher", interests=["music"], strengths=["exams"], days=[0],
                                    times=["evening"], format="any", capacity=3)}
    world = await seed(sessionmaker, clock(), mentors=mentors, mentees=E2E_MENTEES)
    # Orlova already has two of her three places taken; every other mentee is taken or awaits consent,
    # so Ivanova's freed place has nobody to take it
    await add_active(sessionmaker, world, "Орлова Ольга", ["Кузнецова Катя"], clock())
    await add_active(sessionmaker, world, "Орлова Ольга", ["Волков Ваня"], clock())
    await manual(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    curator = tg.user(CURATOR_TG, language_code="ru")
    mentee = tg.user(world.tg["Сидоров Саша"])
    await decline_without_reason(mentee, await card_of(mentee, TITLE), ru)

    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    notice = await curator.wait_message(timeout=10, contains="Сидоров Саша")
    labels = [b.text for b in notice.buttons]
    suggested = ru("pair-btn-make-suggested", n=1, mentor="Орлова О.", mentee="Сидоров С.")
    assert suggested in labels
    assert ru("pair-btn-manual-mentor-for", name="Сидоров Саша") in labels  # "pair by hand", either way
    assert ru("pair-btn-manual-mentee-for", name="Иванова Мария") in labels
    assert "\n1. Сидоров Саша ← Орлова Ольга (" in notice.text

    # "pair by hand" for her: a new message listing the mentors with a free place, not the declined one
    await curator.press(notice, ru("pair-btn-manual-mentor-for", name="Сидоров Саша"))
    pick = await curator.wait_message(contains=ru("pair-pick-mentor-for", mentee="Сидоров Саша", programme=TITLE))
    assert pick.message_id != notice.message_id
    assert [b.text for b in pick.buttons][:1] == [ru("pair-pick-mentor-button", name="Орлова Ольга", used=2,
                                                     capacity=3)]
    assert not any(b.text.startswith("Иванова Мария") for b in pick.buttons)

    # the suggestion's button pairs them at once
    await curator.press(notice, suggested)
    await curator.wait_message(contains=ru("pair-made", mentor="Орлова Ольга", mentee="Сидоров Саша"))
    async with sessionmaker() as s:
        assert ("Орлова Ольга", "Сидоров Саша") in await pairs_by_names(s, world, "approved")


# three-word names: a mentor whose group is declined, another with free places, the group's mentees,
# each with the short form a button may show (surname and initials, as the name is written)
LONG_NAMES = {
    "ru": dict(declining="Иванова Мария Петровна", free="Орлова Ольга Николаевна", free_short="Орлова О. Н.",
               mentees={"Сидоров Александр Николаевич": "Сидоров А. Н.",
                        "Кузнецова Екатерина Андреевна": "Кузнецова Е. А.",
                        "Константинопольская Анастасия Сергеевна": "Константинопольская А. С."}),
    "en": dict(declining="Mary Ann Johnson", free="Olivia Grace Robertson", free_short="O. G. Robertson",
               mentees={"Alexander James Sinclair": "A. J. Sinclair",
                        "Katherine Louise Fitzgerald": "K. L. Fitzgerald",
                        "Benjamin Thomas Wainwright": "B. T. Wainwright"}),
}


@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_suggestions_after_a_declined_group_are_numbered_and_each_button_is_its_own(
        app, tg, sessionmaker, clock, lang):
    t, names = T.bind(lang), LONG_NAMES[lang]
    teacher = dict(category="teacher", interests=["music", "it"], strengths=["exams", "projects"], days=[0, 2],
                   times=["evening"], format="online", capacity=3)
    pupil = dict(category="school_student", grade=7, interests=["music", "it"], goals=["exams"], days=[0],
                 times=["evening"], format="online")
    world = await seed(sessionmaker, clock(), mentors={names["declining"]: teacher, names["free"]: teacher},
                       mentees={name: pupil for name in names["mentees"]}, group_mode=True, curator_locale=lang)
    async with sessionmaker() as s:  # the declining mentor's group, approved and awaiting answers
        group = Pair(programme_id=world.programme_id, mentor_member_id=world.member[names["declining"]],
                     status="approved", manual=True, score=0.5, created_at=clock(), approved_at=clock(), version=1)
        s.add(group)
        await s.flush()
        for name in names["mentees"]:
            s.add(PairMentee(pair_id=group.id, mentee_member_id=world.member[name], reasons=[]))
        await s.commit()
    await answer(sessionmaker, world, group.id, names["declining"], False, clock())

    clock.advance(minutes=3)  # the curator's summary gathers what its run brings
    curator = tg.user(CURATOR_TG, language_code=lang)
    notice = await curator.wait_message(timeout=10, contains=names["declining"])
    # one mentor for three children: numbered lines with the full names, a numbered button each
    numbered = {}
    for line in notice.text.splitlines():
        for mentee in names["mentees"]:
            for n in (1, 2, 3):
                if line.startswith(f"{n}. {mentee} ← {names['free']} ("):
                    numbered[n] = mentee
    assert sorted(numbered) == [1, 2, 3] and set(numbered.values()) == set(names["mentees"])
    labels = [b.text for b in notice.buttons]
    expected = {n: t("pair-btn-make-suggested", n=n, mentee=names["mentees"][mentee], mentor=names["free_short"])
                for n, mentee in numbered.items()}
    for label in expected.values():
        assert label in labels and len(label) <= LABEL_MAX and ELLIPSIS not in label
    assert len(set(expected.values())) == 3

    # the second button pairs the second child, nobody else
    second = numbered[2]
    await curator.press(notice, expected[2])
    await curator.wait_message(contains=t("pair-made", mentor=names["free"], mentee=second))
    async with sessionmaker() as s:
        made = await pairs_by_names(s, world, "approved")
        assert [pair for pair in made if pair[0] == names["free"]] == [(names["free"], second)]


async def test_a_combination_the_curator_rejected_can_still_be_made_by_hand_for_the_mentee(
        app, tg, sessionmaker, clock):
    """A rejected proposal is the curator's own call on the engine's choice: the engine and the
    replacements never offer it again, but the curator may make it by hand deliberately — from the
    general list and from the mentor list for the mentee alike. A combination a participant
    declined (or a dissolved pair) is never offered, in either list."""
    world = await seed(sessionmaker, clock(), mentors=E2E_MENTORS, mentees=E2E_MENTEES)
    async with sessionmaker() as s:
        for mentor, status in (("Иванова Мария", "rejected"), ("Петров Пётр", "declined")):
            pair = Pair(programme_id=world.programme_id, mentor_member_id=world.member[mentor], status=status,
                        manual=False, score=0.5, created_at=clock(), version=1)
            s.add(pair)
            await s.flush()
            s.add(PairMentee(pair_id=pair.id, mentee_member_id=world.member["Сидоров Саша"], reasons=[]))
        await s.commit()
    curator = tg.user(CURATOR_TG, language_code="ru")
    screen = await open_pairs_screen(curator, world, ru)
    await curator.press_data(screen, PrPick(pid=world.programme_id, e=world.member["Сидоров Саша"]).pack())
    pick = await curator.wait_message(contains=ru("pair-pick-mentor-for", mentee="Сидоров Саша", programme=TITLE))
    labels = [b.text for b in pick.buttons]
    assert ru("pair-pick-mentor-button", name="Иванова Мария", used=0, capacity=1) in labels
    assert not any(label.startswith("Петров Пётр") for label in labels)
    await curator.press(pick, ru("pair-pick-mentor-button", name="Иванова Мария", used=0, capacity=1))
    await curator.wait_message(contains=ru("pair-made", mentor="Иванова Мария", mentee="Сидоров Саша"))
    async with sessionmaker() as s:
        assert ("Иванова Мария", "Сидоров Саша") in await pairs_by_names(s, world, "approved")


# ---------------------------------------------------------------------------------------------
# item 4: a cancelled proposal names the pair, and the cards already sent say it is cancelled
# ---------------------------------------------------------------------------------------------
async def test_a_cancelled_proposal_names_the_pair_and_closes_the_card(app, tg, sessionmaker, clock):
    mentors = {"Иванова Мария": dict(MENTORS["Иванова Мария"], capacity=2)}
    mentees = {k: E2E_MENTEES[k] for k in ("Сидоров Саша", "Кузнецова Катя")}
    world = await seed(sessionmaker, clock(), mentors=mentors, mentees=mentees)
    async with sessionmaker() as s:
        (await s.get(User, world.user["Иванова Мария"])).locale = "en"
        await s.commit()
    first = await manual(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    second = await manual(sessionmaker, world, "Иванова Мария", "Кузнецова Катя", clock())
    mentor = tg.user(world.tg["Иванова Мария"])
    card1 = await card_of(mentor, "Сидоров Саша")
    await mentor.press(card1, en("pair-btn-accept"))
    assert (await mentor.wait_callback_answer())["text"] == en("pair-you-accepted")
    card2 = await eventually(clock, lambda: next((m for m in mentor.messages if "Кузнецова Катя" in m.content
                                                  and m.buttons), None))

    mentee = tg.user(world.tg["Сидоров Саша"])
    await decline_without_reason(mentee, await card_of(mentee, TITLE), ru)

    # the notice names the pair: the programme and the partner
    expected = en("pair-cancelled-notice", programme=TITLE, partner_role="mentee", partner="Сидоров Саша",
                  why="declined")
    notice = await eventually(clock, lambda: next((m for m in mentor.messages if m.content == expected), None))
    assert notice.message_id not in (card1.message_id, card2.message_id)
    # the card she accepted now says the proposal is cancelled, with no buttons; the other card is untouched
    closed = en("pair-card-cancelled", programme=TITLE, partner_role="mentee", partner="Сидоров Саша")
    await eventually(clock, lambda: current(mentor, card1.message_id).content == closed)
    assert not current(mentor, card1.message_id).buttons
    assert current(mentor, card2.message_id).content == card2.content and current(mentor, card2.message_id).buttons
    # a button of the cancelled card (an old copy) answers politely
    await mentor.press_data(card1.message_id, PrAnswer(id=first.id, a="n").pack())
    assert (await mentor.wait_callback_answer())["text"] == en("pair-err-no-longer-valid")
    async with sessionmaker() as s:
        assert (await s.get(Pair, first.id)).status == "declined"
        assert (await s.get(Pair, second.id)).status == "approved"


# ---------------------------------------------------------------------------------------------
# item 5: manual pairing leaves full mentors out; every annex row has its pair's one role model
# ---------------------------------------------------------------------------------------------
async def test_full_mentors_are_left_out_and_the_annex_names_every_role_model(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock(), mentors=E2E_MENTORS, mentees=MENTEES)  # Lena: nobody fits her
    async with sessionmaker() as s:  # a programme with all three role models of the form
        prog = await s.get(Programme, world.programme_id)
        prog.role_models = ["teacher_underachiever", "teacher_gifted", "teacher_adaptation"]
        await s.commit()
    await manual(sessionmaker, world, "Петров Пётр", "Волков Ваня", clock())  # by hand, no role model fits
    async with sessionmaker() as s:
        await pairing.run_matching(s, await s.get(Programme, world.programme_id), actor_id=None, now=clock())
        items = await pairing.proposals(s, world.programme_id)
    # Sasha's goal (exams) fits two of the role models: the proposal names one, the pair's own
    sasha = next(p for p in items if p.mentor_member_id == world.member["Иванова Мария"])
    assert sasha.role_model is not None
    labels = {code: ru(f"role-model-{code}") for code in ("teacher_underachiever", "teacher_gifted",
                                                          "teacher_adaptation")}
    curator = tg.user(CURATOR_TG, language_code="ru")
    screen = await open_pairs(curator, world)
    await curator.press_data(screen, PrShow(pid=world.programme_id, i=items.index(sasha)).pack())
    shown = await curator.wait_message()
    assert "Сидоров Саша" in shown.text
    assert [code for code, label in labels.items() if label in shown.text] == [sasha.role_model]

    async with sessionmaker() as s:
        await pairing.approve_all(s, await s.get(Programme, world.programme_id), curator_id=world.curator_id,
                                  now=clock(), translator=T)
        await s.commit()
        approved = await pairs_by_names(s, world, "approved")
    for (mentor, mentee), pair in approved.items():
        await answer(sessionmaker, world, pair.id, mentor, True, clock())
        await answer(sessionmaker, world, pair.id, mentee, True, clock())

    # every mentor is full now: the manual list offers none of them, and the domain refuses one
    screen = await open_pairs_screen(curator, world, ru)
    await curator.press(screen, ru("pair-btn-manual"))
    pick = await curator.wait_message(contains=ru("pair-pick-mentor", programme=TITLE))
    assert ru("pair-pick-full", n=3) in pick.text
    assert not any(b.text.startswith(name) for b in pick.buttons for name in E2E_MENTORS)
    await curator.press_data(pick, PrMake(pid=world.programme_id, m=world.member["Петров Пётр"],
                                          e=world.member["Лебедева Лена"]).pack())
    assert (await curator.wait_callback_answer())["text"] == ru("pair-err-over-capacity", capacity=1)

    # the annex: a role model in every row, the pair's own
    screen = await open_pairs_screen(curator, world, ru)
    await curator.press(screen, ru("pair-btn-xlsx"))
    doc = await curator.wait_message(contains=ru("pair-xlsx-caption", programme=TITLE, n=3))
    ws = load_workbook(BytesIO(doc.document.content)).active
    rows = [[ws.cell(r, c).value for c in (2, 3, 5)] for r in range(FIRST_TABLE_ROW + 1, FIRST_TABLE_ROW + 4)]
    async with sessionmaker() as s:
        active = await pairs_by_names(s, world, "active")
    assert len(active) == 3
    for mentor, mentee, role_model in rows:
        assert role_model != "—" and role_model == labels.get(active[(mentor, mentee)].role_model)


# ---------------------------------------------------------------------------------------------
# item 6: a card speaks to its reader ("you"), the mentee's and the mentor's, in either language
# ---------------------------------------------------------------------------------------------
async def test_cards_speak_to_their_reader(app, tg, sessionmaker, clock):
    mentors = {"Иванова Мария": MENTORS["Иванова Мария"]}
    # little in common but the goal and his choice, so both are among the few reasons a card shows
    mentees = {"Сидоров Саша": dict(E2E_MENTEES["Сидоров Саша"], interests=["art"], days=[3])}
    world = await seed(sessionmaker, clock(), mentors=mentors, mentees=mentees)
    async with sessionmaker() as s:  # Sasha named Ivanova after the joint meeting; Ivanova reads English
        s.add(Preference(programme_id=world.programme_id, from_member_id=world.member["Сидоров Саша"],
                         to_member_id=world.member["Иванова Мария"], rank=1))
        (await s.get(User, world.user["Иванова Мария"])).locale = "en"
        await s.commit()
    await manual(sessionmaker, world, "Иванова Мария", "Сидоров Саша", clock())
    mentee = tg.user(world.tg["Сидоров Саша"])
    card = await card_of(mentee, TITLE)
    assert ru("pair-card-chosen", who="you", reader="mentee") in card.text
    assert ru("pair-card-reason-goals", reader="mentee", items=ru("catalog-goals-exams")) in card.text
    mentor = tg.user(world.tg["Иванова Мария"])
    card = await eventually(clock, lambda: next((m for m in mentor.messages if TITLE in m.content), None))
    assert en("pair-card-chosen", who="partner", reader="mentor") in card.text
    assert en("pair-card-reason-goals", reader="mentor", items=en("catalog-goals-exams")) in card.text
