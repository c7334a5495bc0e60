"""Issue 9, texts and pictures, through the running bot and the Bot API stand-in.

7: dates typed as words in either language; 8: stale copies of a question; 9: no text cut
mid-word; 10: charts in the locale; 11: human consent versions, the participants XLSX order;
16: the catalogue by category and by use. Seeding helpers come from the other e2e modules.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from bot.i18n import Translator
from db.models import Meeting, Programme, RoadmapItem, User
from tests.test_checkins import seed as seed_pairs
from tests.test_e2e_curator import seed_curator, seed_tree, settle
from tests.test_e2e_meetings import START as MEET_START, TG as MEET_TG

T = Translator()
ru = T.bind("ru")
en = T.bind("en")


@pytest.fixture
async def meet_app(start_app, clock):
    clock.set(MEET_START)  # 23.11.2026 16:30 in Moscow
    return await start_app(outbox_per_chat_interval=0.0)


async def log_meeting_by_typing(user, t, partners: str, typed: str) -> str:
    """/meetings → log a meeting with ``partners``, the date typed; returns the "logged" text."""
    await user.send("/meetings")
    menu = await user.wait_message(contains=t("meet-list-title"))
    await user.press(menu, t("meet-btn-log", partners=partners))
    await user.wait_message(contains=t("meet-ask-date", partners=partners))
    await user.send(typed)
    fmt = await user.wait_message(contains=t("meet-ask-format"))
    await user.press(fmt, t("meet-format-offline"))
    await user.press(await user.wait_message(contains=t("meet-ask-minutes", max=600)), t("meet-minutes", n=60))
    await user.press(await user.wait_message(contains=t("meet-ask-topic", max=200)), t("meet-btn-no-topic"))
    first_line = t("meet-logged", date="", format="", minutes=0, topic="").splitlines()[0]
    return (await user.wait_message(contains=first_line)).text


# ---------------------------------------------------------------------------------------------
# 7. typed dates
# ---------------------------------------------------------------------------------------------
async def test_meeting_dates_typed_as_words_in_russian_and_english(meet_app, tg, sessionmaker, clock):
    await seed_pairs(sessionmaker, clock())
    async with sessionmaker() as s:
        await s.execute(update(User).where(User.tg_id == MEET_TG["E2"]).values(locale="en"))
        await s.commit()
    e1 = tg.user(MEET_TG["E1"], language_code="ru")
    logged = await log_meeting_by_typing(e1, ru, "M1", "Вчера")
    assert logged.startswith(ru("meet-logged", date="22.11.2026", format=ru("meet-format-offline"), minutes=60,
                                topic="—"))
    e2 = tg.user(MEET_TG["E2"], language_code="en")
    logged = await log_meeting_by_typing(e2, en, "M1", "The day before yesterday")
    assert logged.startswith(en("meet-logged", date="21.11.2026", format=en("meet-format-offline"), minutes=60,
                                topic="—"))
    m2 = tg.user(MEET_TG["M2"], language_code="ru")
    logged = await log_meeting_by_typing(m2, ru, "E3, E4", "  ПОЗАВЧЕРА ")
    assert logged.startswith(ru("meet-logged", date="21.11.2026", format=ru("meet-format-offline"), minutes=60,
                                topic="—"))
    # a word that names a day to come is a date in the future, not an unreadable one
    await e1.send("/meetings")
    menu = await e1.wait_message(contains=ru("meet-list-title"))
    await e1.press(menu, ru("meet-btn-log", partners="M1"))
    await e1.wait_message(contains=ru("meet-ask-date", partners="M1"))
    await e1.send("завтра")
    assert (await e1.wait_message()).text == ru("meet-invalid-date-future")
    await settle(e1)
    async with sessionmaker() as s:
        held = sorted((await s.scalars(select(Meeting.held_on))).all())
    assert held == [date(2026, 11, 21), date(2026, 11, 21), date(2026, 11, 22)]


async def test_programme_and_roadmap_dates_typed_as_words(app, tg, sessionmaker, clock):
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 6901, tree.s1, name="Анна Школьная")
    await seed_curator(sessionmaker, clock, 6902, tree.s2, locale="en", name="Bella School")
    curator = tg.user(6901, language_code="ru")
    # a programme that starts today, typed in Russian
    await curator.send("/curator")
    await curator.press(await curator.wait_message(), ru("prog-btn-programmes"))
    await curator.press(await curator.wait_message(), ru("prog-btn-new"))
    await curator.press(await curator.wait_message(), ru("form-teacher_teacher"))
    await curator.press(await curator.wait_message(), ru("role-model-experienced_young"))
    await curator.press(await curator.wait_message(), ru("prog-btn-done", n=1))
    await curator.wait_message(contains=ru("prog-new-ask-title", min=3, max=200))
    await curator.send("Молодой педагог")
    await curator.wait_message(contains=ru("prog-new-ask-start", example="30.11.2026").split(",")[0])
    await curator.send("Сегодня")
    assert (await curator.wait_message()).text == ru("prog-new-ask-end", example="23.11.2027")
    await curator.send("31.05.2027")
    await curator.press(await curator.wait_message(), ru("prog-interval-14"))
    await curator.press(await curator.wait_message(), ru("prog-btn-mode-one"))
    summary = await curator.wait_message()
    assert ru("prog-field-dates", start="23.11.2026", end="31.05.2027") in summary.text
    # a roadmap item due tomorrow, typed in English
    other = tg.user(6902, language_code="en")
    await other.send("/curator")
    await other.press(await other.wait_message(), en("mon-btn-roadmap"))
    roadmap = await other.wait_message(contains="📅")
    await other.press(roadmap, en("rm-btn-add"))
    await other.wait_message(contains=en("rm-ask-title", max=200).split(".")[0])
    await other.send("Meeting of the mentors")
    await other.wait_message()
    await other.send("Tomorrow")
    pick = await other.wait_message()
    assert pick.text == en("rm-ask-who", title="Meeting of the mentors", date="24 Nov 2026")
    # and in Russian, whatever the case
    await curator.send("/curator")
    await curator.press(await curator.wait_message(), ru("mon-btn-roadmap"))
    roadmap = await curator.wait_message(contains="📅")
    await curator.press(roadmap, ru("rm-btn-add"))
    await curator.wait_message(contains=ru("rm-ask-title", max=200).split(".")[0])
    await curator.send("Совещание с наставниками")
    await curator.wait_message()
    await curator.send("ПОСЛЕЗАВТРА")
    pick = await curator.wait_message()
    assert pick.text == ru("rm-ask-who", title="Совещание с наставниками", date="25.11.2026")
    await curator.press(pick, "Анна Школьная")
    await curator.wait_message(contains=ru("rm-added"))
    await settle(curator)
    async with sessionmaker() as s:
        item = await s.scalar(select(RoadmapItem).where(RoadmapItem.title == "Совещание с наставниками"))
        assert item.due_on == date(2026, 11, 25)
        assert await s.scalar(select(Programme.id)) is None  # the programme was not confirmed
