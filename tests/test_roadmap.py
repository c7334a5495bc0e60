"""Roadmaps (domain/roadmap.py): the template, dates, validation, the version check, and the
reminders' timing through the outbox with a controlled clock.

The world: region R (Europe/Moscow) → municipality M → school S (and a second school S2).
Curators: S has one (ru), M has two (one ru, one en), R has one. Times in UTC; Moscow is UTC+3,
so 09:00 in Moscow is 06:00 UTC.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from bot.i18n import Translator
from db.models import AttentionItem, CuratorRole, OutboxMessage, Programme, RoadmapItem, SurveyOccasion, Unit, User
from domain import attention, invitations
from domain import roadmap as R
from domain.outbox import quiet_until
from domain.people import accept_curator
from domain.programmes import create_programme
from domain.rules import Invalid
from domain.units import create_unit

T = Translator()
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 23)


@dataclass
class World:
    r: int
    m: int
    s: int
    s2: int
    cur_s: int  # user ids
    cur_m: int
    cur_m2: int
    cur_r: int


async def make_curator(s, unit: Unit, tg_id: int, locale: str, name: str) -> int:
    inv = await invitations.create(s, kind="curator", unit=unit, now=NOW)
    role = await accept_curator(s, tg_id=tg_id, locale=locale, full_name=name, invitation=inv, now=NOW)
    return role.user_id


async def seed(sessionmaker) -> World:
    async with sessionmaker() as s:
        r = await create_unit(s, "region", "Ростовская область", timezone="Europe/Moscow")
        m = await create_unit(s, "municipality", "Шолоховский район", r)
        sc = await create_unit(s, "organisation", "Школа № 1", m, org_type="school")
        s2 = await create_unit(s, "organisation", "Школа № 2", m, org_type="school")
        w = World(r.id, m.id, sc.id, s2.id,
                  await make_curator(s, sc, 8301, "ru", "Анна Школьная"),
                  await make_curator(s, m, 8302, "ru", "Борис Районный"),
                  await make_curator(s, m, 8304, "en", "Vera Municipal"),
                  await make_curator(s, r, 8303, "ru", "Галина Областная"))
        await s.commit()
        return w


async def add(sessionmaker, unit_id: int, due: date, who: int, title: str = "Провести совещание") -> int:
    async with sessionmaker() as s:
        unit = await s.get(Unit, unit_id)
        item = await R.add_item(s, unit, title=title, due=due, responsible_user_id=who, actor_id=who,
                                today=TODAY, now=NOW)
        await s.commit()
        return item.id


async def run(sessionmaker, now: datetime) -> int:
    """One run of the reminder job, in its own session (as after a restart)."""
    async with sessionmaker() as s:
        n = await R.queue_reminders(s, now, default_tz="Europe/Moscow")
        await s.commit()
        return n


async def rows(sessionmaker) -> list[AttentionItem]:
    """Reminders: items of the curators' "needs your attention" lists (domain.attention)."""
    async with sessionmaker() as s:
        return list((await s.scalars(select(AttentionItem).order_by(AttentionItem.id))).all())


async def summaries(sessionmaker) -> list[OutboxMessage]:
    async with sessionmaker() as s:
        return list((await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == attention.KIND_SUMMARY)
                                     .order_by(OutboxMessage.id))).all())


def msk(day: date, hour: int, minute: int = 0) -> datetime:
    """``hour`` in Moscow on ``day``, as UTC."""
    return datetime(day.year, day.month, day.day, hour - 3, minute, tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------
# the template
# ---------------------------------------------------------------------------------------------
def good_template() -> dict:
    return {kind: [{"code": "x", "kind": "task", "due": {"month": 9, "day": 10}}] for kind in
            ("region", "municipality", "organisation")}


def test_the_shipped_template_is_valid_complete_and_titled_in_both_languages():
    for kind in ("region", "municipality", "organisation"):
        items = R.TEMPLATES[kind]
        assert sum(1 for i in items if i.kind == "meeting") == 4, kind  # quarterly meetings
        codes = {i.code for i in items}
        assert {"roadmap_drafted", "programmes_running", "stat_form", "base_formed"} <= codes
        stat = next(i for i in items if i.code == "stat_form")
        assert (stat.kind, stat.month, stat.day) == ("stat_form", 1, 15)
    # faithful to the seeds: the municipality agrees the schools' roadmaps and builds the base of
    # programmes and best practices in November; the regional bank of practices is due in December
    due = {kind: {i.code: (i.month, i.day) for i in R.TEMPLATES[kind]} for kind in R.TEMPLATES}
    assert "roadmaps_agreed" in due["municipality"] and due["municipality"]["practices_collected"][0] == 11
    assert due["region"]["practices_collected"][0] == 12
    assert all(d[c] == (8, 1) for d in due.values() for c in ("working_group",) if c in d)
    assert all(d["roadmap_drafted"] == (9, 10) and d["programmes_running"] == (12, 31)
               and d["base_formed"] == (5, 25) for d in due.values())
    assert all(d["monitoring_report"][0] in (11, 12) for d in due.values())
    for lang in ("ru", "en"):
        keys = T.keys(lang)
        assert {f"rm-tpl-{c}" for c in R.template_codes()} <= keys, lang
        assert {f"rm-window-{c}" for c in R.WINDOW_CODES} <= keys
        assert {f"rm-invalid-{c}" for c in R.INVALID_CODES} <= keys
        assert {f"rm-remind-{stage}" for stage, _ in R.STAGES} <= keys


@pytest.mark.parametrize("breakage", [
    lambda d: d["region"][0].update(kind="party"),                    # unknown item kind
    lambda d: d["region"][0].update(due={"month": 2, "day": 30}),     # no such day
    lambda d: d["region"][0].update(due={"month": 13, "day": 1}),
    lambda d: d["region"][0].update(due={"month": 2, "day": 29}),     # not every year
    lambda d: d["region"][0].update(due="10.09"),
    lambda d: d.update(school=[]),                                     # unknown unit kind
    lambda d: d.pop("municipality"),                                   # a kind missing
    lambda d: d["region"].append(dict(d["region"][0])),                # a repeated code
    lambda d: d["region"][0].update(code="Школа"),                     # codes are ASCII
])
def test_a_broken_template_is_refused(breakage):
    data = good_template()
    assert R.parse_templates(data)["region"][0] == R.TemplateItem("x", "task", 9, 10)
    breakage(data)
    with pytest.raises(R.TemplateError):
        R.parse_templates(data)


def test_a_broken_template_file_fails_at_load(tmp_path):
    path = tmp_path / "t.json"
    path.write_text('{"region": [', encoding="utf-8")
    with pytest.raises(R.TemplateError):
        R.load_templates(path)


def test_template_dates_fall_in_the_current_academic_year_and_a_late_start_gets_near_term_dates():
    tpl = {(i.month, i.day): i for i in R.TEMPLATES["municipality"]}
    assert R.academic_year_start(date(2026, 11, 23)) == date(2026, 8, 1)
    assert R.academic_year_start(date(2027, 7, 31)) == date(2026, 8, 1)
    assert R.academic_year_start(date(2027, 8, 1)) == date(2027, 8, 1)
    # 23 November: September's items are past → today + 14; the rest keep their dates
    assert R.template_due(tpl[(9, 10)], TODAY) == date(2026, 12, 7)
    assert R.template_due(tpl[(12, 31)], TODAY) == date(2026, 12, 31)
    assert R.template_due(tpl[(1, 15)], TODAY) == date(2027, 1, 15)
    assert R.template_due(tpl[(5, 25)], TODAY) == date(2027, 5, 25)
    # on 1 August every date is ahead, the first one today
    assert R.template_due(tpl[(8, 1)], date(2026, 8, 1)) == date(2026, 8, 1)
    assert R.template_due(tpl[(9, 10)], date(2026, 8, 1)) == date(2026, 9, 10)


def test_titles_and_due_dates_are_validated():
    assert R.parse_title("  Совещание   кураторов ") == "Совещание кураторов"
    for text, code in (("ab", "title-short"), ("x" * 201, "title-long"), ("", "title-short")):
        with pytest.raises(Invalid) as exc:
            R.parse_title(text)
        assert exc.value.code == code
    assert R.parse_due("10.12.2026", TODAY) == date(2026, 12, 10)
    assert R.parse_due("1/2/2027", TODAY) == date(2027, 2, 1)
    assert R.parse_due("23.11.2026", TODAY) == TODAY  # today is fine
    assert R.parse_due("2027-01-10", TODAY) == date(2027, 1, 10)
    assert R.parse_due("Завтра", TODAY) == R.parse_due("tomorrow", TODAY) == date(2026, 11, 24)
    assert R.parse_due("сегодня", TODAY) == TODAY
    for text, code in (("31.02.2027", "date-format"), ("завтрашний", "date-format"), ("2027.01.10", "date-format"),
                       ("22.11.2026", "date-past"), ("вчера", "date-past"), ("01.01.2035", "date-far")):
        with pytest.raises(Invalid) as exc:
            R.parse_due(text, TODAY)
        assert exc.value.code == code, text


# ---------------------------------------------------------------------------------------------
# creating, changing, who may be responsible
# ---------------------------------------------------------------------------------------------
async def test_ensure_roadmap_creates_the_template_once_in_the_actors_language(sessionmaker):
    w = await seed(sessionmaker)
    async with sessionmaker() as s:
        school = await s.get(Unit, w.s)
        actor = await s.get(User, w.cur_m2)  # the en curator one level up
        n = await R.ensure_roadmap(s, school, actor, TODAY, T.bind("en"), now=NOW)
        assert n == len(R.TEMPLATES["organisation"])
        assert await R.ensure_roadmap(s, school, actor, TODAY, T.bind("en"), now=NOW) == 0
        await s.commit()
    async with sessionmaker() as s:
        items = list((await s.scalars(select(RoadmapItem).where(RoadmapItem.unit_id == w.s))).all())
        assert len(items) == len(R.TEMPLATES["organisation"])
        stat = next(i for i in items if i.code == "stat_form")
        assert stat.title == T.get("en", "rm-tpl-stat_form") and stat.kind == "stat_form"
        assert stat.due_on == date(2027, 1, 15)
        # the school's own curator answers for it, not the municipal one who opened it
        assert {i.responsible_user_id for i in items} == {w.cur_s}
        assert all(i.status == "open" and i.due_on >= TODAY for i in items)
        assert all(i.created_by_user_id == w.cur_m2 for i in items)
        # a unit with no curator of its own: the actor answers
        s2 = await s.get(Unit, w.s2)
        await R.ensure_roadmap(s, s2, await s.get(User, w.cur_m), TODAY, T.bind("ru"), now=NOW)
        resp = set((await s.scalars(select(RoadmapItem.responsible_user_id).where(RoadmapItem.unit_id == w.s2))).all())
        assert resp == {w.cur_m}


async def test_two_curators_opening_a_new_roadmap_at_once_get_one_roadmap(sessionmaker):
    w = await seed(sessionmaker)

    async def open_it(user_id: int) -> int:
        async with sessionmaker() as s:
            created = await R.ensure_roadmap(s, await s.get(Unit, w.s), await s.get(User, user_id), TODAY,
                                             T.bind("ru"), now=NOW)
            await asyncio.sleep(0.05)  # hold the transaction a moment: the other one must wait
            await s.commit()
            return created

    results = await asyncio.gather(open_it(w.cur_s), open_it(w.cur_m))
    assert sorted(results) == [0, len(R.TEMPLATES["organisation"])]
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(RoadmapItem)
                              .where(RoadmapItem.unit_id == w.s)) == len(R.TEMPLATES["organisation"])


async def test_candidates_are_live_curators_of_the_unit_and_above(sessionmaker):
    w = await seed(sessionmaker)
    async with sessionmaker() as s:
        school, mun = await s.get(Unit, w.s), await s.get(Unit, w.m)
        assert [u.id for u in await R.candidates(s, school)][0] == w.cur_s  # own curators first
        assert {u.id for u in await R.candidates(s, school)} == {w.cur_s, w.cur_m, w.cur_m2, w.cur_r}
        assert {u.id for u in await R.candidates(s, mun)} == {w.cur_m, w.cur_m2, w.cur_r}  # not below
        await s.execute(update(CuratorRole).where(CuratorRole.user_id == w.cur_m2).values(revoked_at=NOW))
        assert {u.id for u in await R.candidates(s, school)} == {w.cur_s, w.cur_m, w.cur_r}
        with pytest.raises(Invalid) as exc:
            await R.add_item(s, mun, title="Совещание", due=date(2026, 12, 1), responsible_user_id=w.cur_s,
                             actor_id=w.cur_m, today=TODAY, now=NOW)
        assert exc.value.code == "responsible"
        with pytest.raises(Invalid) as exc:
            await R.add_item(s, school, title="Совещание", due=date(2026, 12, 1), responsible_user_id=w.cur_m2,
                             actor_id=w.cur_m, today=TODAY, now=NOW)
        assert exc.value.code == "responsible"


async def test_changes_check_the_version_and_the_status(sessionmaker):
    w = await seed(sessionmaker)
    item_id = await add(sessionmaker, w.s, date(2026, 12, 10), w.cur_s)
    async with sessionmaker() as s:
        item = await s.get(RoadmapItem, item_id)
        school = await s.get(Unit, w.s)
        assert item.version == 0
        await R.edit_title(s, item, "Совещание наставников", 0, NOW)
        assert item.title == "Совещание наставников" and item.version == 1
        with pytest.raises(Invalid) as exc:  # a second curator, still looking at version 0
            await R.edit_due(s, item, "20.12.2026", 0, TODAY, NOW)
        assert exc.value.code == "stale" and item.due_on == date(2026, 12, 10)
        with pytest.raises(Invalid) as exc:
            await R.edit_due(s, item, "20.11.2026", 1, TODAY, NOW)
        assert exc.value.code == "date-past"
        await R.edit_due(s, item, "20.12.2026", 1, TODAY, NOW)
        await R.reassign(s, item, school, w.cur_r, 2, NOW)
        assert (item.due_on, item.responsible_user_id, item.version) == (date(2026, 12, 20), w.cur_r, 3)
        with pytest.raises(Invalid) as exc:
            await R.reopen(s, item, 3, NOW)
        assert exc.value.code == "not-done"
        await R.complete(s, item, 3, w.cur_s, NOW)
        assert (item.status, item.done_by_user_id, item.done_at) == ("done", w.cur_s, NOW)
        with pytest.raises(Invalid) as exc:
            await R.complete(s, item, 4, w.cur_s, NOW)
        assert exc.value.code == "not-open"
        await R.reopen(s, item, 4, NOW)
        assert (item.status, item.done_at) == ("open", None)
        await R.cancel(s, item, 5, NOW)
        with pytest.raises(Invalid) as exc:
            await R.edit_title(s, item, "Другое название", 6, NOW)
        assert exc.value.code == "not-open" and item.status == "cancelled"


async def test_overdue_below_lists_open_past_items_of_lower_units_only(sessionmaker):
    w = await seed(sessionmaker)
    late = await add(sessionmaker, w.s, date(2026, 11, 25), w.cur_s, "Просроченный пункт")
    await add(sessionmaker, w.s, date(2026, 12, 25), w.cur_s, "Будущий пункт")
    done = await add(sessionmaker, w.s2, date(2026, 11, 24), w.cur_m, "Сделанный пункт")
    await add(sessionmaker, w.m, date(2026, 11, 24), w.cur_m, "Районный пункт")
    async with sessionmaker() as s:
        await R.complete(s, await s.get(RoadmapItem, done), 0, w.cur_m, NOW)
        await s.commit()
    later = date(2026, 12, 1)
    async with sessionmaker() as s:
        mun, region, school = await s.get(Unit, w.m), await s.get(Unit, w.r), await s.get(Unit, w.s)
        below = await R.overdue_below(s, mun, later)
        assert [(u.id, [i.id for i in items]) for u, items in below] == [(w.s, [late])]
        from_region = await R.overdue_below(s, region, later)
        assert sorted(u.id for u, _ in from_region) == sorted([w.m, w.s])
        assert await R.overdue_below(s, school, later) == []
        assert await R.overdue_below(s, mun, TODAY) == []


# ---------------------------------------------------------------------------------------------
# reminders
# ---------------------------------------------------------------------------------------------
DUE = date(2026, 12, 10)


async def test_reminders_at_7_3_1_days_and_missed_at_nine_local_once_each(sessionmaker):
    w = await seed(sessionmaker)
    item_id = await add(sessionmaker, w.s, DUE, w.cur_s)
    points = [("d7", date(2026, 12, 3)), ("d3", date(2026, 12, 7)), ("d1", date(2026, 12, 9)),
              ("missed", date(2026, 12, 11))]
    sent: list[str] = []
    for stage, day in points:
        assert await run(sessionmaker, msk(day, 8, 59)) == 0, stage  # not before 09:00 local
        expected = 1 if stage != "missed" else 3  # missed: the two municipal curators too
        assert await run(sessionmaker, msk(day, 9)) == expected, stage
        assert await run(sessionmaker, msk(day, 9, 30)) == 0, stage  # the next run: nothing again
        sent.append(stage)
    got = await rows(sessionmaker)
    mine = [r for r in got if r.kind == R.ATT_DEADLINE]
    assert [r.dedupe_key for r in mine] == [f"rm:{item_id}:{DUE.isoformat()}:{st}" for st in sent]
    assert all(r.user_id == w.cur_s and r.tz == "Europe/Moscow" and r.ref == f"y{item_id}" for r in mine)
    assert [r.key for r in mine] == ["rm-remind-d7", "rm-remind-d3", "rm-remind-d1", "rm-remind-missed"]
    assert [r.closed_why for r in mine] == ["replaced"] * 3 + [None]  # one line per item: the latest stage
    assert mine[0].args == {"title": "Провести совещание", "unit": "Школа № 1", "date": "10.12.2026"}
    assert mine[0].buttons[0][0]["callback_data"] == f"yi:{item_id}:0"
    assert mine[0].created_at == msk(date(2026, 12, 3), 9)
    # the summary that carries it leaves at 09:00 and the few minutes a summary gathers its run
    first = (await summaries(sessionmaker))[0]
    assert (first.user_id, first.chat_id, first.due_at) == (w.cur_s, 8301, msk(date(2026, 12, 3), 9) + attention.GATHER)
    # one level up: each curator of the municipality, one row each; not the region
    up = [r for r in got if r.kind == R.ATT_BELOW]
    assert sorted(r.user_id for r in up) == sorted([w.cur_m, w.cur_m2])
    assert all(r.key == "rm-remind-up" for r in up)
    # nothing more after that, ever
    assert await run(sessionmaker, msk(date(2026, 12, 20), 9)) == 0


async def test_after_downtime_only_the_latest_stage_is_sent_and_quiet_hours_hold_it(sessionmaker):
    w = await seed(sessionmaker)
    item_id = await add(sessionmaker, w.s, DUE, w.cur_s)
    # the bot was down from creation until 00:00 in Moscow on 8 December: d7 and d3 passed
    back = datetime(2026, 12, 7, 21, 0, tzinfo=timezone.utc)  # 00:00 on 8 December in Moscow
    assert await run(sessionmaker, back) == 1
    (row,) = await rows(sessionmaker)
    assert row.dedupe_key == f"rm:{item_id}:2026-12-10:d3"
    # it is night in Moscow: the sender holds its summary until 08:00 there
    (summary,) = await summaries(sessionmaker)
    assert summary.tz == row.tz and quiet_until(summary.due_at, summary.tz, 22, 8) == msk(date(2026, 12, 8), 8)
    # a reminder at its normal time is outside quiet hours
    assert await run(sessionmaker, msk(date(2026, 12, 9), 9)) == 1
    last = (await rows(sessionmaker))[-1]
    assert last.dedupe_key.endswith(":d1") and quiet_until(last.created_at + attention.GATHER, last.tz, 22, 8) is None


async def test_a_stage_before_the_item_was_set_is_skipped_but_missed_is_not(sessionmaker):
    w = await seed(sessionmaker)
    # created on 23 November 13:00 MSK, due on 26 November: the d3 point (23rd 09:00) already passed
    item_id = await add(sessionmaker, w.s, date(2026, 11, 26), w.cur_s)
    assert await run(sessionmaker, NOW) == 0
    assert await run(sessionmaker, msk(date(2026, 11, 25), 9)) == 1  # d1
    assert await run(sessionmaker, msk(date(2026, 11, 27), 9)) == 3  # missed, and two up
    keys = [r.dedupe_key for r in await rows(sessionmaker)]
    assert keys[0] == f"rm:{item_id}:2026-11-26:d1"


async def test_the_zone_is_the_units_else_the_regions(sessionmaker):
    w = await seed(sessionmaker)
    async with sessionmaker() as s:
        await s.execute(update(Unit).where(Unit.id == w.r).values(timezone="Asia/Yekaterinburg"))
        await s.execute(update(Unit).where(Unit.id.in_([w.m, w.s])).values(timezone=None))
        await s.commit()
    await add(sessionmaker, w.s, DUE, w.cur_s)
    d7 = datetime(2026, 12, 3, 4, 0, tzinfo=timezone.utc)  # 09:00 in Yekaterinburg (UTC+5)
    assert await run(sessionmaker, d7 - timedelta(minutes=1)) == 0
    assert await run(sessionmaker, d7) == 1
    assert (await rows(sessionmaker))[0].tz == "Asia/Yekaterinburg"


async def test_restart_does_not_resend_and_a_moved_date_gets_fresh_reminders(sessionmaker):
    w = await seed(sessionmaker)
    item_id = await add(sessionmaker, w.s, DUE, w.cur_s)
    at = msk(date(2026, 12, 3), 9)
    assert await run(sessionmaker, at) == 1
    assert await run(sessionmaker, at) == 0  # a restart runs the job again at once
    async with sessionmaker() as s:
        item = await s.get(RoadmapItem, item_id)
        await R.edit_due(s, item, "20.12.2026", 0, date(2026, 12, 3), at)
        await s.commit()
    # the new date's d7 point is 13 December
    assert await run(sessionmaker, msk(date(2026, 12, 13), 8)) == 0
    assert await run(sessionmaker, msk(date(2026, 12, 13), 9)) == 1
    keys = [r.dedupe_key for r in await rows(sessionmaker)]
    assert keys == [f"rm:{item_id}:2026-12-10:d7", f"rm:{item_id}:2026-12-20:d7"]


async def relevant(sessionmaker, row_id: int) -> bool:
    """Whether the reminder is still on its curator's list (checked live; nothing is written)."""
    async with sessionmaker() as s:
        return await attention.is_open(s, await s.get(AttentionItem, row_id), NOW)


async def test_a_queued_reminder_is_dropped_when_it_is_no_longer_relevant(sessionmaker):
    w = await seed(sessionmaker)
    ids = [await add(sessionmaker, w.s, DUE, w.cur_s, f"Пункт {n}") for n in range(4)]
    assert await run(sessionmaker, msk(date(2026, 12, 11), 9)) == 4 * 3  # missed: each + two up
    by_item = {}
    for r in await rows(sessionmaker):
        by_item.setdefault(int(r.dedupe_key.split(":")[1]), []).append(r)
    assert [await relevant(sessionmaker, r.id) for r in await rows(sessionmaker)] == [True] * 12
    today = date(2026, 12, 11)
    async with sessionmaker() as s:
        school = await s.get(Unit, w.s)
        await R.complete(s, await s.get(RoadmapItem, ids[0]), 0, w.cur_s, NOW)          # done
        await R.edit_due(s, await s.get(RoadmapItem, ids[1]), "25.12.2026", 0, today, NOW)  # moved
        await R.reassign(s, await s.get(RoadmapItem, ids[2]), school, w.cur_r, 0, NOW)     # someone else
        await s.execute(update(CuratorRole).where(CuratorRole.user_id == w.cur_m2).values(revoked_at=NOW))
        await s.commit()
    for item_id in ids[:2]:  # done, or moved: every row of it goes
        assert [await relevant(sessionmaker, r.id) for r in by_item[item_id]] == [False, False, False], item_id
    # reassigned: the old responsible's reminder goes; the level above still hears that it is overdue
    reassigned = {r.user_id: await relevant(sessionmaker, r.id) for r in by_item[ids[2]]}
    assert reassigned == {w.cur_s: False, w.cur_m: True, w.cur_m2: False}
    untouched = {r.user_id: await relevant(sessionmaker, r.id) for r in by_item[ids[3]]}
    assert untouched == {w.cur_s: True, w.cur_m: True, w.cur_m2: False}  # no longer a curator there
    # the responsible losing their role drops their own reminder too
    async with sessionmaker() as s:
        await s.execute(update(CuratorRole).where(CuratorRole.user_id == w.cur_s).values(revoked_at=NOW))
        await s.commit()
    own = next(r for r in by_item[ids[3]] if r.kind == R.ATT_DEADLINE)
    assert not await relevant(sessionmaker, own.id)


# ---------------------------------------------------------------------------------------------
# programmes' monitoring windows
# ---------------------------------------------------------------------------------------------
async def test_programme_windows_are_added_done_by_their_occasion_and_cancelled_when_it_finishes(sessionmaker):
    w = await seed(sessionmaker)
    async with sessionmaker() as s:
        school = await s.get(Unit, w.s)
        prog = await create_programme(
            s, unit=school, form_code="teacher_teacher", role_models=["experienced_young"], title="Молодые педагоги",
            starts_on=date(2026, 12, 1), ends_on=date(2027, 5, 31), interval_days=14, group_mode=False,
            today=TODAY, now=NOW, created_by=w.cur_s)
        await s.commit()
        pid = prog.id
    async with sessionmaker() as s:
        items = {i.code: i for i in (await s.scalars(select(RoadmapItem).where(RoadmapItem.programme_id == pid)))}
        assert set(items) == {"survey_start", "survey_end"}
        assert items["survey_start"].due_on == date(2026, 12, 31) and items["survey_end"].due_on == date(2027, 5, 31)
        assert items["survey_start"].title == T.get("ru", "rm-window-survey_start", programme="Молодые педагоги")
        assert all(i.kind == "monitoring" and i.unit_id == w.s and i.responsible_user_id == w.cur_s
                   for i in items.values())
        opened = NOW + timedelta(days=20)
        s.add(SurveyOccasion(key=f"start:{pid}", kind="start", programme_id=pid, opened_by_user_id=w.cur_s,
                             opened_at=opened))
        await s.commit()
    # the job marks it done: no reminder about a survey that was launched
    assert await run(sessionmaker, msk(date(2026, 12, 30), 9)) == 0
    async with sessionmaker() as s:
        start = await s.scalar(select(RoadmapItem).where(RoadmapItem.programme_id == pid,
                                                         RoadmapItem.code == "survey_start"))
        assert (start.status, start.done_at, start.done_by_user_id) == ("done", NOW + timedelta(days=20), w.cur_s)
        await s.execute(update(Programme).where(Programme.id == pid).values(status="finished"))
        await s.commit()
    assert await run(sessionmaker, msk(date(2027, 5, 30), 9)) == 0  # would be d1 of the end survey
    async with sessionmaker() as s:
        statuses = dict((await s.execute(select(RoadmapItem.code, RoadmapItem.status)
                                         .where(RoadmapItem.programme_id == pid))).all())
        assert statuses == {"survey_start": "done", "survey_end": "cancelled"}
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await s.scalar(select(func.count()).select_from(AttentionItem)) == 0


# ---------------------------------------------------------------------------------------------
# review fixes: who is reminded when the responsible can no longer act; dates per recipient
# ---------------------------------------------------------------------------------------------
async def test_a_responsible_who_lost_the_role_is_replaced_by_the_units_curators(sessionmaker):
    w = await seed(sessionmaker)
    mun_item = await add(sessionmaker, w.m, DUE, w.cur_m, "Совещание района")
    school_item = await add(sessionmaker, w.s, DUE, w.cur_s, "Отчёт школы")
    async with sessionmaker() as s:
        await s.execute(update(CuratorRole).where(CuratorRole.user_id.in_([w.cur_m, w.cur_s]))
                        .values(revoked_at=NOW))
        await s.commit()
    assert await run(sessionmaker, msk(date(2026, 12, 3), 9)) == 2
    got = {int(r.dedupe_key.split(":")[1]): r for r in await rows(sessionmaker)}
    # the municipality's remaining curator (English: the date written her way) ...
    assert (got[mun_item].user_id, got[mun_item].dedupe_key) == (w.cur_m2, f"rm:{mun_item}:2026-12-10:d7:u{w.cur_m2}")
    assert got[mun_item].args["date"] == "10 Dec 2026"
    # ... and a school left without a curator: the nearest level above that has one
    assert got[school_item].user_id == w.cur_m2
    assert await relevant(sessionmaker, got[mun_item].id)
    # once someone answerable is named again, the stand-in's reminder is dropped
    async with sessionmaker() as s:
        mun = await s.get(Unit, w.m)
        await R.reassign(s, await s.get(RoadmapItem, mun_item), mun, w.cur_r, 0, NOW)
        await s.commit()
    assert not await relevant(sessionmaker, got[mun_item].id)
    assert await relevant(sessionmaker, got[school_item].id)
    assert await run(sessionmaker, msk(date(2026, 12, 7), 9)) == 2  # d3: to the region's curator now
    d3 = [r for r in await rows(sessionmaker) if r.dedupe_key.startswith(f"rm:{mun_item}:2026-12-10:d3")]
    assert [(r.user_id, r.dedupe_key) for r in d3] == [(w.cur_r, f"rm:{mun_item}:2026-12-10:d3")]


async def test_dates_in_reminders_are_written_the_recipients_way(sessionmaker):
    w = await seed(sessionmaker)
    await add(sessionmaker, w.s, DUE, w.cur_s)
    assert await run(sessionmaker, msk(date(2026, 12, 11), 9)) == 3
    dates = {r.user_id: r.args["date"] for r in await rows(sessionmaker)}
    assert dates == {w.cur_s: "10.12.2026", w.cur_m: "10.12.2026", w.cur_m2: "10 Dec 2026"}


async def test_an_erased_person_cannot_be_made_responsible(sessionmaker):
    w = await seed(sessionmaker)
    item_id = await add(sessionmaker, w.s, DUE, w.cur_s)
    async with sessionmaker() as s:
        await s.execute(update(User).where(User.id == w.cur_r).values(erased_at=NOW))
        await s.commit()
    async with sessionmaker() as s:
        school = await s.get(Unit, w.s)
        assert not await R.is_candidate(s, school, w.cur_r)
        with pytest.raises(Invalid) as exc:
            await R.reassign(s, await s.get(RoadmapItem, item_id), school, w.cur_r, 0, NOW)
        assert exc.value.code == "responsible"
        with pytest.raises(Invalid):
            await R.add_item(s, school, title="Ещё пункт", due=DUE, responsible_user_id=w.cur_r, actor_id=w.cur_s,
                             today=TODAY, now=NOW)


async def test_the_list_shows_open_items_first_then_done_then_cancelled(sessionmaker):
    w = await seed(sessionmaker)
    early_done = await add(sessionmaker, w.s, date(2026, 11, 25), w.cur_s, "Сделано раньше")
    early_cancelled = await add(sessionmaker, w.s, date(2026, 11, 24), w.cur_s, "Отменено раньше")
    late_open = await add(sessionmaker, w.s, date(2027, 3, 1), w.cur_s, "Открыто позже")
    soon_open = await add(sessionmaker, w.s, date(2026, 12, 1), w.cur_s, "Открыто скоро")
    async with sessionmaker() as s:
        await R.complete(s, await s.get(RoadmapItem, early_done), 0, w.cur_s, NOW)
        await R.cancel(s, await s.get(RoadmapItem, early_cancelled), 0, NOW)
        await s.commit()
    async with sessionmaker() as s:
        school = await s.get(Unit, w.s)
        items, total = await R.list_items(s, school, 0, 3)
        assert total == 4 and [i.id for i in items] == [soon_open, late_open, early_done]
        items, _ = await R.list_items(s, school, 1, 3)
        assert [i.id for i in items] == [early_cancelled]


async def test_a_run_after_the_stage_was_queued_does_not_look_up_each_item_again(sessionmaker):
    """The job runs every 30 minutes over every item near its date: once a stage is queued,
    a run costs a fixed number of statements, not a round of queries per item."""
    from sqlalchemy import event

    w = await seed(sessionmaker)
    for n in range(12):  # spread over three units whose zone is the region's
        unit_id, who = ((w.s, w.cur_s), (w.s2, w.cur_m), (w.m, w.cur_m))[n % 3]
        await add(sessionmaker, unit_id, DUE, who, f"Пункт {n}")
    at = msk(date(2026, 12, 3), 9)
    assert await run(sessionmaker, at) == 12
    engine = sessionmaker.kw["bind"].sync_engine
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # noqa: ANN001 - SQLAlchemy's event signature
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert await run(sessionmaker, at + timedelta(minutes=30)) == 0
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert 0 < len(statements) <= 6, statements


async def test_overdue_below_does_not_chase_a_window_of_a_finished_programme_before_the_job_runs(sessionmaker):
    w = await seed(sessionmaker)
    async with sessionmaker() as s:
        prog = await create_programme(
            s, unit=await s.get(Unit, w.s), form_code="teacher_teacher", role_models=["experienced_young"],
            title="Молодые педагоги", starts_on=date(2026, 12, 1), ends_on=date(2027, 5, 31), interval_days=14,
            group_mode=False, today=TODAY, now=NOW, created_by=w.cur_s)
        await s.commit()
        pid = prog.id
    later = date(2027, 1, 10)  # the start survey (due 31 December) is overdue by now
    async with sessionmaker() as s:
        mun = await s.get(Unit, w.m)
        below = await R.overdue_below(s, mun, later, now=NOW)
        assert [[i.code for i in items] for _u, items in below] == [["survey_start"]]
        await s.execute(update(Programme).where(Programme.id == pid).values(status="finished"))
        await s.commit()
    async with sessionmaker() as s:  # finished, and the reminder job has not run since
        assert await R.overdue_below(s, await s.get(Unit, w.m), later, now=NOW) == []
        await s.commit()
    async with sessionmaker() as s:
        statuses = set((await s.scalars(select(RoadmapItem.status).where(RoadmapItem.programme_id == pid))).all())
        assert statuses == {"cancelled"}
