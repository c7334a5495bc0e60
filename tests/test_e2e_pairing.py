"""Forming pairs through the running bot: the curator's screens, the participants' cards, the annex.

Texts are compared with the translator's output; the database is checked through the test's
own sessionmaker. The programme and its members are seeded directly (tests/test_pairing.py).
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import select

from bot.i18n import Translator
from db.models import Pair
from domain import pairing
from domain.exports import FIRST_TABLE_ROW
from domain.text import short_name
from handlers.callbacks import PairsCb
from handlers.pairing import PrAnswer, PrDo, PrMake, PrShow, PrWeights, PrWithdraw
from tests.test_pairing import CURATOR_TG, MENTEES, MENTORS, World, pairs_by_names, seed

T = Translator()
ru = T.bind("ru")

E2E_MENTORS = {
    **MENTORS,
    "Орлова Ольга": dict(category="teacher", interests=["art"], strengths=["creativity"], days=[5],
                         times=["morning"], format="any", capacity=1),
}
E2E_MENTEES = {k: v for k, v in MENTEES.items() if k != "Лебедева Лена"}


async def open_pairs(curator, world: World):
    """The programme view's "pairs" button (handlers/programmes.py) is PairsCb."""
    await curator.send("/curator")
    menu = await curator.wait_message()
    await curator.press_data(menu, PairsCb(pid=world.programme_id).pack())
    screen = await curator.wait_message()
    assert screen.message_id == menu.message_id  # the same menu message, edited in place
    return screen


@dataclass
class Shown:
    """A proposal as the curator should see it."""

    mentor: str
    mentee: str
    percent: int  # its score
    reasons: list[str]  # its reasons in words

    def title(self, n: int, total: int) -> str:
        return ru("pair-proposal-title", n=n, total=total, percent=self.percent)


async def shown_proposals(sessionmaker, world: World) -> list[Shown]:
    names = {v: k for k, v in world.member.items()}
    async with sessionmaker() as s:
        items = await pairing.proposals(s, world.programme_id)
        out = []
        for pair in items:
            _, [(pm, mentee)] = await pairing.people_of(s, pair)
            out.append(Shown(names[pair.mentor_member_id], mentee.name, pairing.percent(pair.score),
                             pairing.describe_reasons(ru, pm.reasons)))
        return out


async def pace(clock) -> None:
    """Let the outbox's one-message-per-second pacing of a chat pass: a row deferred for it is
    due by the (frozen) test clock, so move that clock too."""
    await asyncio.sleep(1.1)
    clock.advance(seconds=5)


async def card_of(user, contains: str):
    return await user.wait_message(timeout=10, contains=contains)


async def test_curator_proposes_reviews_decides_and_participants_answer(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock(), mentors=E2E_MENTORS, mentees=E2E_MENTEES)
    title = "Наставники 2026"
    curator = tg.user(CURATOR_TG, language_code="ru")
    screen = await open_pairs(curator, world)
    assert screen.text.startswith(ru("pair-title", programme=title))
    assert ru("pair-counts", proposed=0, approved=0, active=0, declined=0, rejected=0) in screen.text

    # propose: a progress message, then the summary in the same message
    await curator.press(screen, ru("pair-btn-propose"))
    progress = await curator.wait_message(contains=ru("pair-running", percent=0))
    summary = await curator.wait_message(contains=ru("pair-summary-title", programme=title))
    assert progress.message_id == summary.message_id == screen.message_id
    assert ru("pair-summary-counts", pairs=3, groups=0, mentees=3) in summary.text
    assert ru("pair-summary-unmatched", n=1) in summary.text
    assert ru("pair-why-no-consent", n=1, names="Смирнов Сеня") in summary.text
    order = await shown_proposals(sessionmaker, world)
    assert len(order) == 3

    # page through the proposals, one per screen, with score and reasons in words
    await curator.press(summary, ru("pair-btn-review"))
    first = await curator.wait_message()
    assert first.text.startswith(order[0].title(1, 3))
    assert ru("pair-proposal-mentor", person=ru("pair-person", name=order[0].mentor, details=ru("cat-teacher"))) \
        in first.text
    assert order[0].mentee in first.text and order[0].reasons
    for line in order[0].reasons:
        assert ru("pair-reason-line", text=line) in first.text
    await curator.press(first, ru("cur-btn-next"))
    second = await curator.wait_message()
    assert second.text.startswith(order[1].title(2, 3)) and order[1].mentor in second.text
    await curator.press(second, ru("cur-btn-prev"))
    first = await curator.wait_message()
    assert first.text.startswith(order[0].title(1, 3))

    # approve the first, reject the one that slides in, approve the rest at once
    await curator.press(first, ru("pair-btn-approve"))
    after = await curator.wait_message()
    assert after.text.startswith(ru("pair-approved"))
    assert order[1].title(1, 2) in after.text and order[1].mentor in after.text  # the next one took its place
    await curator.press(after, ru("pair-btn-reject"))
    after = await curator.wait_message()
    assert after.text.startswith(ru("pair-rejected")) and order[2].title(1, 1) in after.text
    await curator.press(after, ru("pair-btn-back"))
    screen = await curator.wait_message()
    await curator.press(screen, ru("pair-btn-approve-all"))
    ask = await curator.wait_message()
    assert ask.text == ru("pair-approve-all-ask", n=1)
    await curator.press(ask, ru("pair-btn-approve-all-yes"))
    screen = await curator.wait_message()
    assert screen.text.startswith(ru("pair-approved-all", n=1, skipped=0))
    assert ru("pair-counts", proposed=0, approved=2, active=0, declined=0, rejected=1) in screen.text

    async with sessionmaker() as s:
        approved = await pairs_by_names(s, world, "approved")
    assert set(approved) == {(order[0].mentor, order[0].mentee), (order[2].mentor, order[2].mentee)}

    # both sides of the first pair get a card through the outbox and accept
    mentor_name, mentee_name = order[0].mentor, order[0].mentee
    mentor, mentee = tg.user(world.tg[mentor_name]), tg.user(world.tg[mentee_name])
    card = await card_of(mentor, title)
    assert mentee_name in card.text
    await mentor.press(card, ru("pair-btn-accept"))
    assert (await mentor.wait_callback_answer())["text"] == ru("pair-you-accepted")
    closed = await mentor.wait_message()
    assert closed.text.endswith(ru("pair-you-accepted")) and not closed.buttons
    card = await card_of(mentee, title)
    assert mentor_name in card.text and ru("pair-btn-decline") in [b.text for b in card.buttons]
    await mentee.press(card, ru("pair-btn-accept"))
    assert (await mentee.wait_callback_answer())["text"] == ru("pair-you-accepted-active")
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    notice = await curator.wait_message(timeout=10, contains="🎉")
    assert notice.text == ru("pair-active-notice", programme=title, n=1, mentor=mentor_name, mentees=mentee_name)
    # pressing the old card again: a clear answer, nothing changes
    await mentee.press_data(card, PrAnswer(id=approved[(mentor_name, mentee_name)].id, a="n").pack())
    assert (await mentee.wait_callback_answer())["text"] == ru("pair-err-already-answered", answer="accepted")

    # the mentee of the other pair declines with a reason: the curator gets it with a suggestion
    await pace(clock)
    mentor2_name, mentee2_name = order[2].mentor, order[2].mentee
    mentee2 = tg.user(world.tg[mentee2_name])
    card = await card_of(mentee2, title)
    await mentee2.press(card, ru("pair-btn-decline"))
    ask = await mentee2.wait_message(contains=ru("pair-ask-reason"))
    await mentee2.send("Не совпадает расписание")
    assert (await mentee2.wait_message()).text == ru("pair-you-declined")
    clock.advance(minutes=31)  # the curator's next summary: attention.MIN_GAP after the last one
    declined = await curator.wait_message(timeout=10, contains=mentee2_name)
    assert "Не совпадает расписание" in declined.text
    rejected_mentee = order[1].mentee  # free again, and eligible for the freed mentor
    [n] = [int(line.split(". ", 1)[0]) for line in declined.text.splitlines()
           if line.split(". ", 1)[-1].startswith(f"{rejected_mentee} ← {mentor2_name} (")]
    expected_button = ru("pair-btn-make-suggested", n=n, mentor=short_name(mentor2_name),
                         mentee=short_name(rejected_mentee))
    assert expected_button in [b.text for b in declined.buttons]
    # the mentor of that pair, who had a card, hears which pair will not happen
    mentor2 = tg.user(world.tg[mentor2_name])
    await mentor2.wait_message(timeout=10, contains=ru("pair-cancelled-notice", programme=title, partner_role="mentee",
                                                       partner=mentee2_name, why="declined"))
    del ask

    # the suggestion's button pairs them by hand; the notice stays, the result comes as a new message
    await curator.press(declined, expected_button)
    made = await curator.wait_message(contains=ru("pair-made", mentor=mentor2_name, mentee=rejected_mentee))
    assert made.message_id != declined.message_id
    async with sessionmaker() as s:
        manual = (await pairs_by_names(s, world, "approved"))[(mentor2_name, rejected_mentee)]
        assert manual.manual

    # the annex to the order: a document, opened and checked
    await curator.press(made, ru("pair-btn-xlsx"))
    doc = await curator.wait_message(contains=ru("pair-xlsx-caption", programme=title, n=1))
    assert doc.document is not None and doc.document.file_name.endswith(".xlsx")
    ws = load_workbook(BytesIO(doc.document.content)).active
    assert ws.cell(2, 1).value == ru("pair-xlsx-organisation", name="Школа № 1")
    assert [ws.cell(FIRST_TABLE_ROW + 1, c).value for c in (1, 2, 3)] == [1, mentor_name, mentee_name]
    assert ws.cell(FIRST_TABLE_ROW + 1, 6).value.date() == clock().date()


async def test_forged_and_stale_callbacks_are_refused(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock(), mentors=E2E_MENTORS, mentees=E2E_MENTEES)
    async with sessionmaker() as s:
        await pairing.run_matching(s, await s.get(pairing.Programme, world.programme_id), actor_id=None, now=clock())
        proposals = await pairing.proposals(s, world.programme_id)
    pair = proposals[0]
    curator = tg.user(CURATOR_TG, language_code="ru")
    screen = await open_pairs(curator, world)
    other = world.other_programme_id
    refusals = [
        PairsCb(pid=other),  # another school's programme
        PrShow(pid=other),
        PrDo(pid=other, id=pair.id, a="a", v=0),  # a real pair under another programme's id
        PrDo(pid=world.programme_id, id=999_999, a="a", v=0),
        PrMake(pid=world.programme_id, m=world.member["Иванова Мария"], e=world.other_member["Чужой Ученик"]),
        PrMake(pid=other, m=world.member["Иванова Мария"], e=world.member["Сидоров Саша"]),
    ]
    for data in refusals:
        await curator.press_data(screen, data.pack())
        assert (await curator.wait_callback_answer())["text"] == ru("cur-not-found"), data
    # a stale screen: the pair was decided by someone else (another version)
    await curator.press_data(screen, PrDo(pid=world.programme_id, id=pair.id, a="a", v=5).pack())
    answer = await curator.wait_callback_answer()
    assert answer["text"] == ru("pair-err-already-decided") and answer["show_alert"]
    async with sessionmaker() as s:
        assert (await s.get(Pair, pair.id)).status == "proposed"
        assert await s.scalar(select(Pair.id).where(Pair.status != "proposed")) is None

    # a participant pressing an answer to a pair that is not theirs, or only proposed
    stranger = tg.user(world.tg["Смирнов Сеня"])
    await stranger.send("/help")
    msg = await stranger.wait_message()
    await stranger.press_data(msg, PrAnswer(id=pair.id, a="y").pack())
    assert (await stranger.wait_callback_answer())["text"] == ru("pair-err-not-yours")
    await stranger.expect_no_message(0.3)  # a message that is not their card is left alone
    # a member of the pair, before approval: not valid yet
    names = {v: k for k, v in world.member.items()}
    member = tg.user(world.tg[names[pair.mentor_member_id]])
    await member.send("/help")
    msg = await member.wait_message()
    await member.press_data(msg, PrAnswer(id=pair.id, a="y").pack())
    assert (await member.wait_callback_answer())["text"] == ru("pair-err-no-longer-valid")
    # someone who is not a curator at all
    await stranger.press_data(stranger.last, PairsCb(pid=world.programme_id).pack())
    assert (await stranger.wait_callback_answer())["text"] == ru("cur-only-curators")


async def test_no_mentors_gives_a_clear_answer(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock(), mentors={})
    curator = tg.user(CURATOR_TG, language_code="ru")
    screen = await open_pairs(curator, world)
    await curator.press(screen, ru("pair-btn-propose"))
    await curator.wait_message(contains=ru("pair-running", percent=0))
    after = await curator.wait_message(contains=ru("pair-err-no-mentors"))
    assert after.text.startswith(ru("pair-err-no-mentors"))
    assert ru("pair-title", programme="Наставники 2026") in after.text


async def test_pair_by_hand_from_the_lists_and_the_active_list(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock(), mentors=E2E_MENTORS, mentees=E2E_MENTEES, curator_locale="en")
    en = T.bind("en")
    curator = tg.user(CURATOR_TG, language_code="en")
    screen = await open_pairs(curator, world)
    await curator.press(screen, en("pair-btn-manual"))
    mentors = await curator.wait_message()
    assert mentors.text == en("pair-pick-mentor", programme="Наставники 2026")
    await curator.press(mentors, en("pair-pick-mentor-button", name="Иванова Мария", used=0, capacity=1))
    mentees = await curator.wait_message()
    assert mentees.text == en("pair-pick-mentee", mentor="Иванова Мария", used=0, capacity=1)
    # someone still awaiting parental consent is listed, marked, and refused
    await curator.press(mentees, en("pair-pick-no-consent", name="Смирнов Сеня"))
    refused = await curator.wait_callback_answer()
    assert refused["text"] == en("pair-err-no-consent", name="Смирнов Сеня") and refused["show_alert"]
    after = await curator.wait_message()
    await curator.press(after, "Сидоров Саша")
    done = await curator.wait_message()
    assert done.text.startswith(en("pair-made", mentor="Иванова Мария", mentee="Сидоров Саша"))
    # the mentor is full now: the list leaves her out and says so, and pairing her again is refused
    await curator.press(done, en("pair-btn-manual"))
    mentors = await curator.wait_message()
    assert not any(b.text.startswith("Иванова Мария") for b in mentors.buttons)
    assert en("pair-pick-full", n=1) in mentors.text
    await curator.press_data(mentors, PrMake(pid=world.programme_id, m=world.member["Иванова Мария"],
                                             e=world.member["Кузнецова Катя"]).pack())
    assert (await curator.wait_callback_answer())["text"] == en("pair-err-over-capacity", capacity=1)

    # both accept; the active list shows the pair
    for name in ("Иванова Мария", "Сидоров Саша"):
        user = tg.user(world.tg[name])
        card = await card_of(user, "Наставники 2026")
        await user.press(card, ru("pair-btn-accept"))
        await user.wait_callback_answer()
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    await curator.wait_message(timeout=10, contains="🎉")
    await curator.send("/curator")
    menu = await curator.wait_message()
    await curator.press_data(menu, PairsCb(pid=world.programme_id).pack())
    screen = await curator.wait_message()
    await curator.press(screen, en("pair-btn-active", n=1))
    active = await curator.wait_message()
    assert active.text.splitlines()[0] == en("pair-active-title", programme="Наставники 2026", n=1)
    assert active.text.splitlines()[1] == en("pair-active-line", n=1, mentor="Иванова Мария", mentees="Сидоров Саша",
                                             date="23 Nov 2026")
    await curator.press(active, en("pair-btn-xlsx"))
    doc = await curator.wait_message(contains=en("pair-xlsx-caption", programme="Наставники 2026", n=1))
    ws = load_workbook(BytesIO(doc.document.content)).active
    assert ws.cell(FIRST_TABLE_ROW, 2).value == en("pair-xlsx-col-mentor")


async def test_the_scheduled_job_reminds_the_silent_through_the_outbox(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock(), mentors=E2E_MENTORS, mentees=E2E_MENTEES)
    job = app.scheduler.get_job("pair-reminders")
    assert job is not None and job.misfire_grace_time is None and job.coalesce
    async with sessionmaker() as s:
        pair = await pairing.manual_pair(s, await s.get(pairing.Programme, world.programme_id),
                                         world.member["Иванова Мария"], world.member["Сидоров Саша"],
                                         curator_id=world.curator_id, now=clock(), translator=T)
        await s.commit()
    mentee = tg.user(world.tg["Сидоров Саша"])
    await card_of(mentee, "Наставники 2026")
    await pace(clock)
    clock.advance(days=3)
    await job.func()
    reminder = await card_of(mentee, ru("pair-reminder", card="", card_rest="").strip())
    await mentee.press(reminder, ru("pair-btn-accept"))
    assert (await mentee.wait_callback_answer())["text"] == ru("pair-you-accepted")
    async with sessionmaker() as s:
        fresh = await s.get(Pair, pair.id)
        assert fresh.reminded_at == clock() and fresh.status == "approved"


async def test_the_curator_withdraws_a_waiting_pair_and_adjusts_the_weights(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock(), mentors=E2E_MENTORS, mentees=E2E_MENTEES)
    async with sessionmaker() as s:
        pair = await pairing.manual_pair(s, await s.get(pairing.Programme, world.programme_id),
                                         world.member["Иванова Мария"], world.member["Сидоров Саша"],
                                         curator_id=world.curator_id, now=clock(), translator=T)
        await s.commit()
    mentee = tg.user(world.tg["Сидоров Саша"])
    await card_of(mentee, "Наставники 2026")
    curator = tg.user(CURATOR_TG)
    screen = await open_pairs(curator, world)
    await curator.press(screen, ru("pair-btn-waiting", n=1))
    waiting = await curator.wait_message()
    assert waiting.text.splitlines()[0] == ru("pair-waiting-title", programme="Наставники 2026", n=1)
    await curator.press(waiting, ru("pair-btn-withdraw", n=1, mentor="Иванова Мария", mentees="Сидоров Саша"))
    ask = await curator.wait_message()
    assert ask.text == ru("pair-withdraw-ask", mentor="Иванова Мария", mentees="Сидоров Саша")
    await curator.press(ask, ru("pair-btn-withdraw-yes"))
    assert (await curator.wait_callback_answer())["text"] == ru("pair-withdrawn-done")
    assert (await curator.wait_message()).text.startswith(ru("pair-withdrawn-done"))
    async with sessionmaker() as s:
        assert (await s.get(Pair, pair.id)).status == "withdrawn"
    await pace(clock)
    await card_of(mentee, ru("pair-withdrawn-by-curator-notice", programme="Наставники 2026", partner_role="mentor",
                             partner="Иванова Мария"))
    # a second press of the stale confirmation changes nothing
    await curator.press_data(None, PrWithdraw(pid=world.programme_id, id=pair.id, v=1, ok=1).pack())
    assert (await curator.wait_callback_answer())["text"] == ru("pair-err-already-decided")
    assert (await curator.wait_message()).text.startswith(ru("pair-err-already-decided"))

    screen = await open_pairs(curator, world)
    await curator.press(screen, ru("pair-btn-weights"))
    weights = await curator.wait_message()
    assert weights.text.splitlines()[0] == ru("pair-weights-title", programme="Наставники 2026")
    assert ru("pair-weight-line", name=ru("pair-weight-interests"), value="1") in weights.text
    await curator.press_data(weights, PrWeights(pid=world.programme_id, a="u", k=0).pack())
    answered = await curator.wait_callback_answer()
    assert answered["text"] == ru("pair-weights-saved", name=ru("pair-weight-interests"), value="1,5")
    async with sessionmaker() as s:
        assert (await s.get(pairing.Programme, world.programme_id)).weights == {"interests": 1.5}
    # another programme's weights are not reachable
    await curator.press_data(None, PrWeights(pid=world.other_programme_id, a="u", k=0).pack())
    await curator.wait_callback_answer()
    async with sessionmaker() as s:
        assert (await s.get(pairing.Programme, world.other_programme_id)).weights == {}
