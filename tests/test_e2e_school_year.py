"""A programme of the current school year entered late (issue 9, item 14), through the running bot.

The school year runs 1 September – 31 August in the organisation's time zone: any start date
from 1 September of the school year containing today is accepted, and in its first weeks any
start up to 30 days back (a programme that began in late August); earlier ones are refused with
the earliest accepted date; an end date already past is refused too.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from bot.i18n import Translator
from db.models import Programme, RoadmapItem
from tests.test_e2e_curator import seed_curator, seed_tree, settle
from tests.test_e2e_programmes import open_programmes

T = Translator()
ru = T.bind("ru")
en = T.bind("en")


async def to_start_step(curator, t, title: str, example: str) -> None:
    listing = await open_programmes(curator, t)
    await curator.press(listing, t("prog-btn-new"))
    await curator.press(await curator.wait_message(), t("form-teacher_student"))
    await curator.press(await curator.wait_message(), t("role-model-teacher_gifted"))
    await curator.press(await curator.wait_message(), t("prog-btn-done", n=1))
    assert (await curator.wait_message()).text == t("prog-new-ask-title", min=3, max=200)
    await curator.send(title)
    assert (await curator.wait_message()).text == t("prog-new-ask-start", example=example)


async def finish(curator, t) -> None:
    await curator.press(await curator.wait_message(), t("prog-interval-14"))
    await curator.press(await curator.wait_message(), t("prog-btn-mode-one"))
    await curator.press(await curator.wait_message(), t("prog-btn-create"))
    assert (await curator.wait_message()).text.startswith(t("prog-created"))


async def test_december_entry_of_a_programme_that_started_in_september(app, tg, sessionmaker, clock):
    t = ru  # today is 23.11.2026: the school year began on 01.09.2026, 83 days ago
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 7401, tree.s1)
    curator = tg.user(7401, language_code="ru")
    await to_start_step(curator, t, "Учитель рядом", "30.11.2026")

    await curator.send("31.08.2026")  # the last day of the previous school year, 84 days back
    assert (await curator.wait_message()).text == t("prog-invalid-start-past", earliest="01.09.2026", days=30)
    await curator.send("01.09.2026")
    assert (await curator.wait_message()).text == t("prog-new-ask-end", example="01.09.2027")
    # an end date already past would make a programme that is over before it is entered
    await curator.send("31.10.2026")
    assert (await curator.wait_message()).text == t("prog-invalid-end-past")
    await curator.send("31.05.2027")
    await finish(curator, t)
    await settle(curator)
    async with sessionmaker() as s:
        prog = await s.scalar(select(Programme).where(Programme.title == "Учитель рядом"))
        assert (prog.starts_on, prog.ends_on) == (date(2026, 9, 1), date(2027, 5, 31))
        # its start-survey window (due a month after the start, 01.10.2026) is not overdue from the
        # first second: like a roadmap opened late, it becomes a near-term task
        windows = {i.code: i.due_on for i in (await s.scalars(
            select(RoadmapItem).where(RoadmapItem.programme_id == prog.id))).all()}
        assert windows == {"survey_start": date(2026, 12, 7), "survey_end": date(2027, 5, 31)}


async def test_the_school_year_is_reckoned_in_the_organisations_time_zone(app, tg, sessionmaker, clock):
    t = en
    # 22:30 UTC on 31 August is already 1 September in Moscow (the region's zone): a new school
    # year, whose first weeks also take a start up to 30 days back (from 2 August; in UTC, still
    # 31 August, the whole previous school year would be open)
    clock.set(datetime(2026, 8, 31, 22, 30, tzinfo=timezone.utc))
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 7402, tree.s1, locale="en")
    curator = tg.user(7402, language_code="en")
    await to_start_step(curator, t, "Autumn start", "08.09.2026")

    for too_early in ("01.08.2026", "01.09.2025"):
        await curator.send(too_early)
        assert (await curator.wait_message()).text == t("prog-invalid-start-past", earliest="2 Aug 2026", days=30)
    await curator.send("31.08.2026")  # began the day before: entered on the school year's first day
    assert (await curator.wait_message()).text == t("prog-new-ask-end", example="31.08.2027")
    await curator.send("30.06.2027")
    await finish(curator, t)
    await settle(curator)
    async with sessionmaker() as s:
        prog = await s.scalar(select(Programme).where(Programme.title == "Autumn start"))
        assert prog.starts_on == date(2026, 8, 31)


async def test_a_programme_that_began_late_in_august_is_entered_in_september(app, tg, sessionmaker, clock):
    t = ru
    clock.set(datetime(2026, 9, 5, 9, 0, tzinfo=timezone.utc))  # 05.09.2026 in Moscow
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 7403, tree.s1)
    curator = tg.user(7403, language_code="ru")
    await to_start_step(curator, t, "Летний старт", "12.09.2026")

    await curator.send("05.08.2026")  # 31 days back, before the school year: too early
    assert (await curator.wait_message()).text == t("prog-invalid-start-past", earliest="06.08.2026", days=30)
    await curator.send("25.08.2026")
    assert (await curator.wait_message()).text == t("prog-new-ask-end", example="25.08.2027")
    await curator.send("31.05.2027")
    await finish(curator, t)
    await settle(curator)
    async with sessionmaker() as s:
        prog = await s.scalar(select(Programme).where(Programme.title == "Летний старт"))
        assert (prog.starts_on, prog.ends_on) == (date(2026, 8, 25), date(2027, 5, 31))
