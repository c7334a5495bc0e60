"""Roadmaps through the running bot and the Bot API stand-in: a curator opens the roadmap from the
menu (the template is created), adds an item (bad titles and dates refused), completes, reopens,
reassigns, moves and cancels it; forged callbacks of another scope change nothing; a reminder
arrives through the outbox when the clock passes its point, and "missed" reaches the level above.

The tree of tests/test_e2e_curator.py: region R → M1 (schools S1, S2), M2 (school S3). Texts are
compared with the translator's output; the database is checked through the test's own sessionmaker.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from bot.i18n import Translator
from db.models import AttentionItem, OutboxMessage, RoadmapItem, Unit
from domain import roadmap as R
from tests.test_e2e_curator import count, seed_curator, seed_tree, settle

ru = Translator().bind("ru")
T_S1, T_M1, T_S3 = 7101, 7102, 7103
DUE = date(2026, 12, 10)


@pytest.fixture
async def app(start_app):
    return await start_app(outbox_per_chat_interval=0.0)


async def run_job(app, job_id: str = "roadmap-reminders") -> None:
    job = app.scheduler.get_job(job_id)
    assert job is not None and job.misfire_grace_time is None and job.coalesce and job.max_instances == 1
    await job.func()


async def world(sessionmaker, clock):
    tree = await seed_tree(sessionmaker)
    users = {
        "s1": await seed_curator(sessionmaker, clock, T_S1, tree.s1, name="Анна Школьная"),
        "m1": await seed_curator(sessionmaker, clock, T_M1, tree.m1, name="Борис Районный"),
        "s3": await seed_curator(sessionmaker, clock, T_S3, tree.s3, name="Вера Касимовская"),
    }
    return tree, users


async def item_of(sessionmaker, item_id: int) -> RoadmapItem:
    async with sessionmaker() as s:
        return await s.get(RoadmapItem, item_id)


async def open_roadmap(user, t=ru):
    await user.send("/curator")
    menu = await user.wait_message()
    await user.press(menu, t("mon-btn-roadmap"))
    return await user.wait_message(contains="📅")


async def test_curator_opens_the_roadmap_adds_completes_reassigns_moves_and_cancels(app, tg, sessionmaker, clock):
    tree, users = await world(sessionmaker, clock)
    curator = tg.user(T_S1, language_code="ru")
    roadmap = await open_roadmap(curator)
    n = len(R.TEMPLATES["organisation"])
    assert roadmap.text.startswith(ru("rm-title", unit=ru("cur-title-organisation", name="Школа № 1",
                                                          type=ru("cur-orgtype-school"))))
    assert ru("rm-count", n=n) in roadmap.text
    await settle(curator)
    assert await count(sessionmaker, RoadmapItem, RoadmapItem.unit_id == tree.s1.id) == n
    # opened again: the same roadmap, not a second copy
    await curator.press(roadmap, ru("cur-btn-next"))
    page2 = await curator.wait_message()
    await curator.press(page2, ru("cur-btn-prev"))
    roadmap = await curator.wait_message()
    assert await count(sessionmaker, RoadmapItem, RoadmapItem.unit_id == tree.s1.id) == n

    # add an item: a title too short, dates unparseable and past, then a responsible from the list
    await curator.press(roadmap, ru("rm-btn-add"))
    assert (await curator.wait_message()).text == ru("rm-ask-title", max=R.TITLE_MAX)
    await curator.send("ab")
    assert (await curator.wait_message()).text == ru("rm-invalid-title-short", min=R.TITLE_MIN)
    await curator.send("Совещание с наставниками")
    assert (await curator.wait_message()).text == ru("rm-ask-due", example="23.11.2026")
    for bad, key in (("31.02.2027", "rm-invalid-date-format"), ("завтрашний", "rm-invalid-date-format"),
                     ("01.11.2026", "rm-invalid-date-past"), ("Вчера", "rm-invalid-date-past")):
        await curator.send(bad)
        assert (await curator.wait_message()).text == ru(key), bad
    await curator.send("15.12.2026")
    pick = await curator.wait_message()
    assert pick.text == ru("rm-ask-who", title="Совещание с наставниками", date="15.12.2026")
    names = {b.text for b in pick.buttons}
    assert names >= {"Анна Школьная", "Борис Районный"} and "Вера Касимовская" not in names
    await curator.press(pick, "Борис Районный")
    view = await curator.wait_message()
    assert view.text.startswith(ru("rm-added"))
    assert ru("rm-field-who", who="Борис Районный") in view.text
    assert ru("rm-field-due", date="15.12.2026") in view.text
    await settle(curator)
    async with sessionmaker() as s:
        item = await s.scalar(select(RoadmapItem).where(RoadmapItem.title == "Совещание с наставниками"))
        assert (item.unit_id, item.responsible_user_id, item.due_on, item.status, item.created_by_user_id) == \
            (tree.s1.id, users["m1"], date(2026, 12, 15), "open", users["s1"])
        item_id = item.id

    # complete, reopen
    await curator.press(view, ru("rm-btn-complete"))
    view = await curator.wait_message()
    assert view.text.startswith(ru("rm-done")) and ru("rm-status-done") in view.text
    stale = view  # its buttons were drawn at this version
    await curator.press(view, ru("rm-btn-reopen"))
    view = await curator.wait_message()
    assert view.text.startswith(ru("rm-reopened"))
    await settle(curator)
    assert (await item_of(sessionmaker, item_id)).status == "open"

    # an old screen's button (drawn before the reopen) changes nothing
    async with sessionmaker() as s:
        before = (await s.get(RoadmapItem, item_id)).version
    await curator.press_data(stale, f"yc:{item_id}:o:{before - 1}:0")
    assert (await curator.wait_callback_answer())["text"] == ru("rm-invalid-stale")
    await curator.wait_message()
    await settle(curator)
    assert (await item_of(sessionmaker, item_id)).version == before

    # reassign to the school's own curator
    await curator.press(view, ru("rm-btn-reassign"))
    choose = await curator.wait_message()
    await curator.press(choose, "Анна Школьная")
    view = await curator.wait_message()
    assert view.text.startswith(ru("rm-reassigned", who="Анна Школьная"))
    await settle(curator)
    assert (await item_of(sessionmaker, item_id)).responsible_user_id == users["s1"]

    # move the date: a past one is refused and the dialog goes on
    await curator.press(view, ru("rm-btn-edit-due"))
    assert (await curator.wait_message()).text == ru("rm-ask-new-due", date="15.12.2026")
    await curator.send("01.01.2020")
    assert (await curator.wait_message()).text == ru("rm-invalid-date-past")
    await curator.send("20.12.2026")
    view = await curator.wait_message()
    assert view.text.startswith(ru("rm-saved")) and ru("rm-field-due", date="20.12.2026") in view.text

    # rename it: too short is refused and the dialog goes on
    await curator.press(view, ru("rm-btn-edit-title"))
    assert (await curator.wait_message()).text == ru("rm-ask-new-title", title="Совещание с наставниками")
    await curator.send("ab")
    assert (await curator.wait_message()).text == ru("rm-invalid-title-short", min=R.TITLE_MIN)
    await curator.send("Совещание наставников школы")
    view = await curator.wait_message()
    assert view.text.startswith(ru("rm-saved")) and "Совещание наставников школы" in view.text

    # cancel, with a confirmation
    await curator.press(view, ru("rm-btn-cancel-item"))
    confirm = await curator.wait_message()
    assert confirm.text == ru("rm-cancel-ask", title="Совещание наставников школы")
    await curator.press(confirm, ru("rm-btn-cancel-yes"))
    view = await curator.wait_message()
    assert view.text.startswith(ru("rm-cancelled"))
    await settle(curator)
    item = await item_of(sessionmaker, item_id)
    assert (item.status, item.due_on) == ("cancelled", date(2026, 12, 20))


async def test_forged_callbacks_of_another_scope_change_nothing(app, tg, sessionmaker, clock):
    tree, users = await world(sessionmaker, clock)
    async with sessionmaker() as s:
        s1 = await s.get(Unit, tree.s1.id)
        item = await R.add_item(s, s1, title="Чужой пункт", due=DUE, responsible_user_id=users["s1"],
                                actor_id=users["s1"], today=date(2026, 11, 23), now=clock())
        await s.commit()
        item_id = item.id
    other = tg.user(T_S3, language_code="ru")
    await open_roadmap(other)
    await settle(other)
    not_yours = ru("cur-not-found")
    for data in (f"yi:{item_id}:0", f"yc:{item_id}:c:0:0", f"yc:{item_id}:y:0:0", f"yw:{item_id}:{users['s3']}:0:0",
                 f"ya:{tree.s1.id}:0", f"yn:{tree.s1.id}", f"yo:{tree.m1.id}:0", f"yi:999999:0"):
        await other.press_data(None, data)
        answer = await other.wait_callback_answer()
        assert answer["text"] == not_yours and answer.get("show_alert"), data
    await settle(other)
    # the forged "open" did not create the other school's roadmap
    assert await count(sessionmaker, RoadmapItem, RoadmapItem.unit_id == tree.s1.id) == 1
    # a person who may not be responsible, on one's own item: refused as well
    own = tg.user(T_S1, language_code="ru")
    await open_roadmap(own)
    await own.press_data(None, f"yw:{item_id}:{users['s3']}:0:0")
    assert (await own.wait_callback_answer())["text"] == not_yours
    await settle(own)
    item = await item_of(sessionmaker, item_id)
    assert (item.status, item.responsible_user_id, item.version, item.title) == ("open", users["s1"], 0, "Чужой пункт")


async def test_reminders_arrive_through_the_outbox_and_missed_reaches_the_level_above(app, tg, sessionmaker, clock):
    tree, users = await world(sessionmaker, clock)
    async with sessionmaker() as s:
        s1 = await s.get(Unit, tree.s1.id)
        item = await R.add_item(s, s1, title="Отчёт по мониторингу", due=DUE, responsible_user_id=users["s1"],
                                actor_id=users["s1"], today=date(2026, 11, 23), now=clock())
        await s.commit()
        item_id = item.id
    school, municipal = tg.user(T_S1, language_code="ru"), tg.user(T_M1, language_code="ru")
    args = {"title": "Отчёт по мониторингу", "unit": "Школа № 1", "date": "10.12.2026"}

    clock.set(datetime(2026, 12, 3, 5, 59, tzinfo=timezone.utc))  # 08:59 in Moscow, a week before
    await run_job(app)
    await school.expect_no_message(0.6)
    clock.set(datetime(2026, 12, 3, 6, 0, tzinfo=timezone.utc))  # 09:00
    await run_job(app)
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    reminder = await school.wait_message(timeout=10)
    assert reminder.text == ru("rm-remind-d7", **args)
    await run_job(app)  # the job again (as after a restart): nothing twice
    await school.expect_no_message(0.6)
    await municipal.expect_no_message(0.1)

    # the reminder's button opens the item
    await school.press(reminder, ru("rm-btn-open-item"))
    view = await school.wait_message()
    assert ru("rm-field-due", date="10.12.2026") in view.text and "Отчёт по мониторингу" in view.text

    # the day after the date: "missed" to the responsible, and a note to the municipal curator
    clock.set(datetime(2026, 12, 11, 6, 0, tzinfo=timezone.utc))
    await run_job(app)
    clock.advance(minutes=3)
    assert (await school.wait_message(timeout=10, contains="⚠️")).text == ru("rm-remind-missed", **args)
    assert (await municipal.wait_message(timeout=10)).text == ru("rm-remind-up", **args)
    async with sessionmaker() as s:
        keys = list((await s.scalars(select(AttentionItem.dedupe_key).order_by(AttentionItem.id))).all())
        assert keys == [f"rm:{item_id}:2026-12-10:d7", f"rm:{item_id}:2026-12-10:missed",
                        f"rm:{item_id}:2026-12-10:missed:up:{users['m1']}"]

    # the municipal curator sees it overdue below and drills down to the school's roadmap
    await municipal.send("/curator")
    menu = await municipal.wait_message()
    await municipal.press(menu, ru("mon-btn-roadmap"))
    mun_roadmap = await municipal.wait_message(contains="📅")
    await municipal.press(mun_roadmap, ru("rm-btn-below"))
    below = await municipal.wait_message()
    assert ru("rm-below-unit", unit="Школа № 1", n=1) in below.text
    count_line = ru("rm-below-count", n=1, units=1, level="municipality")
    assert count_line in below.text and "организаций с просрочкой: 1" in count_line
    assert ru("rm-below-line", date="10.12.2026", title="Отчёт по мониторингу", who="Анна Школьная") in below.text
    await municipal.press(below, ru("rm-btn-below-unit", unit="Школа № 1", n=1))
    drilled = await municipal.wait_message()
    assert "⚠️" in drilled.text and "Отчёт по мониторингу" in drilled.text
    assert drilled.text.startswith(ru("rm-title", unit=ru("cur-title-organisation", name="Школа № 1",
                                                          type=ru("cur-orgtype-school"))))


async def test_a_dialog_ends_on_navigation_or_a_lost_role_and_the_done_day_is_the_units(app, tg, sessionmaker, clock):
    """Review: text typed after leaving an edit dialog, or after the curator's role was revoked
    mid-dialog, changes nothing; "done on" is the day in the unit's zone, not in UTC."""
    from sqlalchemy import update

    from db.models import CuratorRole

    tree, users = await world(sessionmaker, clock)
    async with sessionmaker() as s:
        s1 = await s.get(Unit, tree.s1.id)
        item = await R.add_item(s, s1, title="Пункт для правки", due=DUE, responsible_user_id=users["s1"],
                                actor_id=users["s1"], today=date(2026, 11, 23), now=clock())
        await s.commit()
        item_id = item.id
    curator = tg.user(T_S1, language_code="ru")
    await open_roadmap(curator)
    await curator.press_data(None, f"yi:{item_id}:0")
    view = await curator.wait_message(contains="Пункт для правки")

    # the edit dialog, left by a roadmap button: the text typed later renames nothing
    await curator.press(view, ru("rm-btn-edit-title"))
    prompt = await curator.wait_message()
    assert prompt.text == ru("rm-ask-new-title", title="Пункт для правки")
    await curator.press_data(None, f"ya:{tree.s1.id}:0")
    await curator.wait_message(contains="📅")
    await curator.send("Другое название пункта")
    await settle(curator)
    assert (await item_of(sessionmaker, item_id)).title == "Пункт для правки"

    # the edit dialog, and the role revoked meanwhile: "not found", nothing renamed
    await curator.press_data(None, f"yi:{item_id}:0")
    view = await curator.wait_message(contains="Пункт для правки")
    await curator.press(view, ru("rm-btn-edit-title"))
    await curator.wait_message()
    async with sessionmaker() as s:
        await s.execute(update(CuratorRole).where(CuratorRole.user_id == users["s1"]).values(revoked_at=clock()))
        await s.commit()
    await curator.send("Другое название пункта")
    assert (await curator.wait_message()).text == ru("cur-not-found")
    await settle(curator)
    item = await item_of(sessionmaker, item_id)
    assert (item.title, item.version) == ("Пункт для правки", 0)

    # completed at 00:30 in Moscow on 24 November (21:30 UTC on the 23rd): done on the 24th
    clock.set(datetime(2026, 11, 23, 21, 30, tzinfo=timezone.utc))
    municipal = tg.user(T_M1, language_code="ru")
    await open_roadmap(municipal)
    await municipal.press_data(None, f"yc:{item_id}:c:0:0")
    done = await municipal.wait_message(contains=ru("rm-done"))
    assert ru("rm-field-done", date="24.11.2026", who="Борис Районный") in done.text


async def test_the_add_dialog_ends_when_the_role_is_revoked_at_the_last_step(app, tg, sessionmaker, clock):
    """Review: a curator whose role was revoked while choosing the responsible is told "not
    found" (not asked again and again to choose), the button adds nothing, and forged pick and
    cancel buttons of another scope are refused."""
    from sqlalchemy import update

    from db.models import CuratorRole

    tree, users = await world(sessionmaker, clock)
    other = tg.user(T_S3, language_code="ru")
    await open_roadmap(other)
    await settle(other)
    for data in (f"yp:{tree.s1.id}:{users['s3']}", f"yx:{tree.s1.id}:0"):
        await other.press_data(None, data)
        answer = await other.wait_callback_answer()
        assert answer["text"] == ru("cur-not-found") and answer.get("show_alert"), data

    curator = tg.user(T_S1, language_code="ru")
    roadmap = await open_roadmap(curator)
    await settle(curator)
    n = await count(sessionmaker, RoadmapItem, RoadmapItem.unit_id == tree.s1.id)
    await curator.press(roadmap, ru("rm-btn-add"))
    await curator.wait_message()
    await curator.send("Совещание с родителями")
    await curator.wait_message()
    await curator.send("15.12.2026")
    pick = await curator.wait_message()
    assert pick.text == ru("rm-ask-who", title="Совещание с родителями", date="15.12.2026")
    async with sessionmaker() as s:
        await s.execute(update(CuratorRole).where(CuratorRole.user_id == users["s1"]).values(revoked_at=clock()))
        await s.commit()
    await curator.send("Анна Школьная")
    assert (await curator.wait_message()).text == ru("cur-not-found")
    await curator.press(pick, "Анна Школьная")
    assert (await curator.wait_callback_answer())["show_alert"]
    await settle(curator)
    assert await count(sessionmaker, RoadmapItem, RoadmapItem.unit_id == tree.s1.id) == n
