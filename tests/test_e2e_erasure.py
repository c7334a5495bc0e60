"""A participant in a pair or group deletes their data (/deleteme) through the running bot (issue 9,
item 2): their pair ends (a group goes on without a mentee), the others in it and the curator are
told in plain words without the erased name, and no screen, list, count or file shows "—" for them.

The world is tests/test_checkins.py's: M1 mentors E1 (pair P1) and E2 (P2); M2 mentors the group
E3 + E4 (P3); M2 and E5 were a pair that ended (P4). The clock stands at 10.11.2026, before any
pair is due a check-in or at risk, so only what the erasure sends arrives. Texts are compared
with the translator's output.
"""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from io import BytesIO

import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, update

from bot.i18n import Translator
from db.models import Pair, PairMentee, Participant, Programme, User
from domain.exports import FIRST_TABLE_ROW
from handlers.callbacks import ReportsCb
from handlers.monitoring import MonPair, RiskOpen
from handlers.reports import XRun
from tests.test_checkins import CURATOR_TG, PEOPLE, World, seed
from tests.test_e2e_pairing import open_pairs

T = Translator()
ru, en = T.bind("ru"), T.bind("en")
START = datetime(2026, 11, 10, 8, 0, tzinfo=timezone.utc)  # 11:00 in Moscow
TG = {name: 7800 + n for n, name in enumerate(PEOPLE)}  # as tests/test_checkins.seed numbers them
TITLE = "Наставники 2026"
# a dash standing where a name should be ("Смирнова Елена — — (с 19.11.2026)", "Отметить встречу: —");
# a dash between two names ("M1 — E2") is the texts' own separator
DANGLING = re.compile(r"(?:^|[:,(]\s*|—\s*)—|—(?=\s*(?:$|[,)(]|—))", re.MULTILINE)


def dangling(text: str | None) -> list[str]:
    return [m.group(0) for m in DANGLING.finditer(text or "")]


@pytest.fixture
async def app(start_app, clock):
    clock.set(START)
    return await start_app(outbox_per_chat_interval=0.0)


def person(tg, name: str, lang: str = "ru"):
    return tg.user(TG[name], language_code=lang)


async def delete_me(user, t) -> None:
    await user.send("/deleteme")
    ask = await user.wait_message(contains=t("del-explain"))
    await user.press(ask, t("del-btn-confirm"))
    await user.wait_message(contains=t("del-done"))


async def org_of(sessionmaker, world: World) -> int:
    async with sessionmaker() as s:
        return (await s.get(Programme, world.programme_id)).unit_id


async def statuses(sessionmaker, world: World) -> dict[str, str]:
    async with sessionmaker() as s:
        return {name: (await s.get(Pair, pid)).status for name, pid in world.pair.items()}


def table(doc, first_row: int = 2) -> list[list]:
    ws = load_workbook(BytesIO(doc.document.content)).active
    return [[c.value for c in row] for row in ws.iter_rows(min_row=first_row)]


async def test_erasing_a_mentee_of_a_pair_and_of_a_group_through_the_bot(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    org_id = await org_of(sessionmaker, world)
    curator = tg.user(CURATOR_TG, language_code="ru")

    # E1 (one-to-one with M1) deletes their data: the pair is dissolved, M1 and the curator told
    await delete_me(person(tg, "E1"), ru)
    told = await person(tg, "M1").wait_message(contains=TITLE)
    assert told.text == ru("pair-erased-partner-ended", who="mentee", group="no", programme=TITLE)
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    notice = await curator.wait_message(contains=TITLE)
    assert notice.text == ru("pair-erased-curator-ended", programme=TITLE, who="mentee", pending="no", group="no",
                             has_mentor="yes", mentor="M1", mentees="", n=0)
    assert RiskOpen(id=world.pair["P1"]).pack() in [b.value for b in notice.buttons]  # the pair's screen

    # E3 (in the group of M2 with E4) deletes their data: the group goes on with E4
    await delete_me(person(tg, "E3"), ru)
    e3_left = clock()
    left = ru("pair-erased-partner-left", programme=TITLE, mentor="M2", mentees="E4", n=1)
    assert (await person(tg, "M2").wait_message(contains=TITLE)).text == left
    assert (await person(tg, "E4").wait_message(contains=TITLE)).text == left
    clock.advance(minutes=31)  # the curator's next summary: attention.MIN_GAP after the last one
    notice = await curator.wait_message(contains=TITLE)
    assert notice.text == ru("pair-erased-curator-left", programme=TITLE, mentor="M2", mentees="E4", n=1)

    # E5, whose pair with M2 had ended, deletes their data: nobody is told about a pair long over
    await delete_me(person(tg, "E5"), ru)
    assert await statuses(sessionmaker, world) == {"P1": "dissolved", "P2": "active", "P3": "active", "P4": "ended"}
    async with sessionmaker() as s:
        assert (await s.scalar(select(PairMentee.left_at).where(
            PairMentee.pair_id == world.pair["P3"], PairMentee.mentee_member_id == world.member["E3"]))) == e3_left

    # the curator's active pairs: two, the group without E3, no dash
    screen = await open_pairs(curator, world)
    await curator.press(screen, ru("pair-btn-active", n=2))
    active = await curator.wait_message()
    assert active.text.splitlines() == [
        ru("pair-active-title", programme=TITLE, n=2),
        ru("pair-active-line", n=1, mentor="M1", mentees="E2", date="04.11.2026"),
        ru("pair-active-line", n=2, mentor="M2", mentees="E4", date="09.11.2026"),
    ]
    assert not dangling(active.text) and not any(dangling(b.text) for b in active.buttons)
    # the order's annex: the same two rows
    await curator.press(active, ru("pair-btn-xlsx"))
    annex = await curator.wait_message(contains=ru("pair-xlsx-caption", programme=TITLE, n=2))
    rows = table(annex, FIRST_TABLE_ROW + 1)
    assert [(r[1], r[2]) for r in rows] == [("M1", "E2"), ("M2", "E4")]

    # the dissolved pair's screen names the mentee who left by the neutral placeholder
    await curator.press_data(annex, MonPair(id=world.pair["P1"]).pack())
    view = await curator.wait_message(contains=ru("mon-pair-title", programme=TITLE))
    assert ru("mon-pair-mentor", name="M1") in view.text
    assert ru("mon-pair-mentees", n=1, names=ru("person-erased")) in view.text
    assert ru("mon-pair-status-closed", status=ru("mon-status-dissolved"), date="10.11.2026") in view.text
    assert not dangling(view.text)

    # the pairs report: P1 and P4 show the placeholder, the group only those still in it
    await curator.press_data(view, ReportsCb(uid=org_id).pack())
    menu = await curator.wait_message(contains=ru("rep-menu-title", unit="Школа № 1"))
    await curator.press_data(menu, XRun(uid=org_id, k="r").pack())
    report = await curator.wait_message(timeout=30, contains=ru("rep-caption", kind="pairs", unit="Школа № 1",
                                                                rows=0).split(".")[0])
    pairs = {(r[3], r[4], r[6]) for r in table(report)}
    assert pairs == {("M1", ru("person-erased"), ru("rep-pair-dissolved")), ("M1", "E2", ru("rep-pair-active")),
                     ("M2", "E4", ru("rep-pair-active")), ("M2", ru("person-erased"), ru("rep-pair-ended"))}
    assert not any(dangling(str(v)) for r in table(report) for v in r if v is not None)

    # the mentors' /meetings: only the pairs they still have, nobody shown as "—"
    for mentor, partners in (("M1", "E2"), ("M2", "E4")):
        user = person(tg, mentor)
        await user.send("/meetings")
        view = await user.wait_message(contains=ru("meet-list-title"))
        assert not dangling(view.text) and not any(dangling(b.text) for b in view.buttons)
        logs = [b.text for b in view.buttons if b.value.startswith("wn:p:")]
        assert logs == [ru("meet-btn-log", partners=partners)]


async def test_erasing_a_group_s_mentor_in_english(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        await s.execute(update(User).where(User.tg_id.is_not(None)).values(locale="en"))
        await s.commit()
    curator = tg.user(CURATOR_TG, language_code="en")

    # M2 mentors the group E3 + E4 (and had the pair P4 that ended): the group is dissolved
    await delete_me(person(tg, "M2", "en"), en)
    for mentee in ("E3", "E4"):
        told = await person(tg, mentee, "en").wait_message(contains="Наставники 2026")
        assert told.text == en("pair-erased-partner-ended", who="mentor", group="yes", programme=TITLE)
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    notice = await curator.wait_message(contains=TITLE)
    assert notice.text == en("pair-erased-curator-ended", programme=TITLE, who="mentor", pending="no", group="yes",
                             has_mentor="no", mentor="", mentees="E3, E4", n=2)
    assert await statuses(sessionmaker, world) == {"P1": "active", "P2": "active", "P3": "dissolved", "P4": "ended"}

    screen = await open_pairs(curator, world)
    await curator.press(screen, en("pair-btn-active", n=2))
    active = await curator.wait_message()
    assert active.text.splitlines()[0] == en("pair-active-title", programme=TITLE, n=2)
    assert not dangling(active.text)
    # the dissolved group's screen: the mentor who left by the placeholder, the rematch on offer
    await curator.press_data(notice, RiskOpen(id=world.pair["P3"]).pack())
    view = await curator.wait_message(contains=en("mon-pair-title", programme=TITLE))
    assert en("mon-pair-mentor", name=en("person-erased")) in view.text
    assert en("mon-pair-mentees", n=2, names="E3, E4") in view.text
    assert not dangling(view.text)

    # the mentees' /meetings: no pair left, nothing dangling
    user = person(tg, "E3", "en")
    await user.send("/meetings")
    assert (await user.wait_message()).text == en("meet-no-pairs")


async def test_a_pair_left_dangling_by_an_older_erasure_is_put_right_when_the_bot_starts(start_app, tg,
                                                                                        sessionmaker, clock):
    clock.set(START)
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:  # E1 erased by an older version: data gone, pair still "active"
        p = await s.get(Participant, world.participant["E1"])
        p.status, p.full_name, p.user_id, p.erased_at = "erased", None, None, clock()
        await s.commit()
    await start_app(outbox_per_chat_interval=0.0)
    told = await person(tg, "M1").wait_message(contains=TITLE)
    assert told.text == ru("pair-erased-partner-ended", who="mentee", group="no", programme=TITLE)
    assert (await statuses(sessionmaker, world))["P1"] == "dissolved"


# ---------------------------------------------------------------------------------------------
# review fixes (issue 9, item 2)
# ---------------------------------------------------------------------------------------------
async def edited(user, message, timeout: float = 5.0):
    """The current state of ``message`` once the bot has edited it (its text changed)."""
    for _ in range(int(timeout / 0.05)):
        now = next(m for m in user.messages if m.message_id == message.message_id)
        if now.text != message.text:
            return now
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message.message_id} was not edited within {timeout}s")


async def test_the_partner_of_an_approved_proposal_is_told_and_the_card_closed(app, tg, sessionmaker, clock):
    """E5 (free: their pair ended) had a proposal with M1 approved, both cards delivered. E5 deletes
    their data: M1 is told the pair will not happen, by role ("your mentee"), and M1's card is
    edited to say the invitation no longer holds; neither names E5 (before: both rows named E5 and
    the erasure dropped them, so M1 never heard of it)."""
    from domain import pairing

    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        programme = await s.get(Programme, world.programme_id)
        (await s.get(Participant, world.participant["M1"])).capacity = 3  # room for E5 beside E1 and E2
        proposal = Pair(programme_id=programme.id, mentor_member_id=world.member["M1"], status="proposed",
                        created_at=clock(), version=0)
        s.add(proposal)
        await s.flush()
        s.add(PairMentee(pair_id=proposal.id, mentee_member_id=world.member["E5"], reasons=[]))
        await s.flush()
        await pairing.approve(s, programme, proposal, curator_id=world.curator_user_id, now=clock(), translator=T)
        await s.commit()
    m1, e5 = person(tg, "M1"), person(tg, "E5")
    card = await m1.wait_message(contains=TITLE)
    await e5.wait_message(contains=TITLE)
    assert "E5" in card.text

    await delete_me(e5, ru)

    told = await m1.wait_message(contains=ru("pair-cancelled-notice", programme=TITLE, partner_role="none",
                                             partner="", why="erased", erased_role="mentee"))
    assert "E5" not in told.text
    closed = await edited(m1, card)  # the card itself (the edit may arrive before or after the notice)
    assert closed.text == ru("pair-card-cancelled-erased", programme=TITLE, partner_role="none", partner="",
                             erased_role="mentee")
    assert closed.buttons == [] and "E5" not in closed.text
    assert (await statuses(sessionmaker, world))["P4"] == "ended"


async def test_the_curator_s_items_after_an_erasure_in_english(app, tg, sessionmaker, clock):
    """The curator had two items naming people: E5 (free: their pair ended) declined a proposal
    with M1 (an item about E5 alone), and the group of M2 with E3 and E4 started. E5 and E3 delete
    their data. The old summary's button of E5's item opens a short "no longer needs your attention", not the notice with its
    names gone ("{ $who }"); the group's item is still on the list, without E3."""
    from domain import attention

    world = await seed(sessionmaker, clock())
    org_id = await org_of(sessionmaker, world)
    async with sessionmaker() as s:
        await s.execute(update(User).where(User.tg_id.is_not(None)).values(locale="en"))
        declined = Pair(programme_id=world.programme_id, mentor_member_id=world.member["M1"], status="declined",
                        created_at=clock(), approved_at=clock(), version=1)
        s.add(declined)
        await s.flush()
        s.add(PairMentee(pair_id=declined.id, mentee_member_id=world.member["E5"], reasons=[], answer="declined",
                         answered_at=clock()))
        await attention.add_item(s, world.curator_user_id, "declined", f"p{declined.id}:{world.member['E5']}",
                                 {"programme": TITLE, "who": "E5", "role": "mentee", "others": "M1"},
                                 f"pair-declined:{declined.id}", key="pair-declined-notice", unit_id=org_id,
                                 now=clock())
        await attention.add_item(s, world.curator_user_id, "started", f"p{world.pair['P3']}",
                                 {"programme": TITLE, "mentor": "M2", "n": 2, "mentees": "E3, E4"},
                                 f"pair-active:{world.pair['P3']}", key="pair-active-notice", unit_id=org_id,
                                 now=clock())
        await s.commit()
    curator = tg.user(CURATOR_TG, language_code="en")
    clock.advance(minutes=3)
    summary = await curator.wait_message(contains=en("att-summary", n=2, body="").split("\n")[0])
    declined_line = en("att-line-pair-declined-notice", who="E5", others="M1", programme=TITLE)
    assert declined_line in summary.text

    await delete_me(person(tg, "E5", "en"), en)
    await delete_me(person(tg, "E3", "en"), en)

    # the old summary's button of E5's item: a short line, no placeholders, no name
    button = next(b.text for b in summary.buttons if "E5" in b.text)
    await curator.press(summary, button)
    opened = await curator.wait_message(contains=en("att-resolved"))
    assert opened.text == en("att-resolved")
    assert "{" not in opened.text and "E5" not in opened.text

    # the list at the top of /curator: the group's item stays, without E3; nothing raw, no dash
    await curator.send("/curator")
    menu = await curator.wait_message(contains=en("att-title", n=1).split(":")[0])
    lines = menu.text.splitlines()
    assert "• " + en("att-line-pair-active-notice", mentor="M2", mentees="E4", programme=TITLE) in lines
    assert not any(n in menu.text for n in ("E5", "E3")) and "{" not in menu.text and "$" not in menu.text
    assert not dangling(menu.text) and not any(dangling(b.text) for b in menu.buttons)
