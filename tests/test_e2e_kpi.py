"""KPIs through the running bot and the Bot API stand-in: a regional curator drills down from the
region to an organisation's programmes; an organisation's curator enters numbers (and every bad
input is refused with the minimum named); charts arrive as real PNG images; a region's curator
changes a target; forged buttons of another region are refused and change nothing.

Texts are compared with the translator's output; the database is checked through the test's
own sessionmaker.
"""
from __future__ import annotations

import io
from datetime import timedelta

from babel.numbers import format_decimal
from PIL import Image
from sqlalchemy import func, select

from bot.i18n import Translator
from db.models import AuditEvent, KpiTarget, OrgDenominator, Pair, PairMentee, Participant, Programme, \
    ProgrammeMember, Unit
from domain.units import create_unit
from handlers.callbacks import KpiCb
from handlers.kpi import KpEnter, KpTargets
from tests.test_e2e_curator import seed_curator, seed_tree, settle

T = Translator()
ru = T.bind("ru")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def pct(value: float) -> str:
    return format_decimal(value, format="#,##0.0", locale="ru")


async def seed_pairs(sessionmaker, clock, org: Unit, students: int, start_students_born: int = 2012) -> None:
    """A programme of ``org`` with one teacher mentoring ``students`` pupils in active pairs."""
    async with sessionmaker() as s:
        programme = Programme(unit_id=org.id, form="teacher_student", title="Программа", starts_on=clock().date(),
                              ends_on=clock().date() + timedelta(days=180), status="active")
        s.add(programme)
        teacher = Participant(org_id=org.id, role="mentor", category="teacher", birth_year=1980, status="active",
                              full_name="Учитель")
        s.add(teacher)
        await s.flush()
        tm = ProgrammeMember(programme_id=programme.id, participant_id=teacher.id, side="mentor")
        s.add(tm)
        await s.flush()
        for n in range(students):
            p = Participant(org_id=org.id, role="mentee", category="school_student", birth_year=start_students_born,
                            status="active", full_name=f"Ученик {n}")
            s.add(p)
            await s.flush()
            m = ProgrammeMember(programme_id=programme.id, participant_id=p.id, side="mentee")
            s.add(m)
            await s.flush()
            pair = Pair(programme_id=programme.id, mentor_member_id=tm.id, status="active",
                        activated_at=clock() - timedelta(days=10))
            s.add(pair)
            await s.flush()
            s.add(PairMentee(pair_id=pair.id, mentee_member_id=m.id))
        await s.commit()


async def set_denominator(sessionmaker, org: Unit, year: int, **values: int) -> None:
    async with sessionmaker() as s:
        s.add(OrgDenominator(unit_id=org.id, year=year, **values))
        await s.commit()


async def snapshot(sessionmaker) -> dict[str, object]:
    async with sessionmaker() as s:
        return {
            "dens": [(d.unit_id, d.year, d.students_total, d.students_11_18, d.students_15_18, d.young_teachers)
                     for d in (await s.scalars(select(OrgDenominator).order_by(OrgDenominator.id)))],
            "targets": [(k.region_id, k.year, k.indicator, k.percent)
                        for k in (await s.scalars(select(KpiTarget).order_by(KpiTarget.id)))],
            "audit": await s.scalar(select(func.count()).select_from(AuditEvent)),
        }


async def test_regional_curator_drills_down_to_programmes(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_pairs(sessionmaker, clock, tree.s1, 3)  # 3 pupils of 14: students_any 3 of 100
    await set_denominator(sessionmaker, tree.s1, 2026, students_total=100, students_11_18=60)
    await set_denominator(sessionmaker, tree.s3, 2026, students_total=50)
    await seed_curator(sessionmaker, clock, 6101, tree.r)

    curator = tg.user(6101, language_code="ru")
    await curator.send("/curator")
    menu = await curator.wait_message(contains="Рязанская область")  # not an alert about the pairs
    await curator.press(menu, t("mon-btn-kpi"))
    view = await curator.wait_message(contains=t("kpi-when-now"))
    assert view.message_id == menu.message_id  # edited in place
    assert view.text.startswith(t("kpi-title", unit=t("cur-title-region", name="Рязанская область")))
    assert t("kpi-when-now") in view.text
    assert t("kpi-line", mark="⚠️", name=t("kpi-ind-students_any"), share=pct(2.0), num="3", den="150") in view.text
    assert t("kpi-target-line", target=pct(70), count="105", needed="102") in view.text
    assert t("kpi-line", mark="⚠️", name=t("kpi-ind-mentees_11_18"), share=pct(5.0), num="3", den="60") in view.text
    assert t("kpi-line-no-data", mark="▫️", name=t("kpi-ind-young_teachers"), num="0") in view.text
    # S2 entered nothing
    assert t("kpi-missing", n=1, year="2026") in view.text
    # the municipality below target comes first
    names = [b.text for b in view.buttons]
    assert names.index(t("kpi-child-button", mark="⚠️", name="г. Рязань", share=pct(3.0))) < \
        names.index(t("kpi-child-button", mark="⚠️", name="Касимов", share=pct(0.0)))
    assert t("kpi-btn-targets") in names  # a region's curator edits targets

    await curator.press(view, "г. Рязань")
    muni = await curator.wait_message(contains=t("kpi-title", unit=t("cur-title-municipality", name="г. Рязань")))
    assert muni.text.startswith(t("kpi-title", unit=t("cur-title-municipality", name="г. Рязань")))
    assert t("kpi-btn-targets") not in [b.text for b in muni.buttons]
    await curator.press(muni, "Школа № 1")
    org = await curator.wait_message(contains=t("kpi-when-now"))
    assert org.text.startswith(t("kpi-title", unit=t("cur-title-organisation", name="Школа № 1",
                                                     type=t("cur-orgtype-school"))))
    assert t("kpi-line", mark="⚠️", name=t("kpi-ind-students_any"), share=pct(3.0), num="3", den="100") in org.text
    await curator.press(org, t("kpi-btn-programmes"))
    programmes = await curator.wait_message(contains=t("prog-list-title", name="Школа № 1"))
    assert programmes.text.startswith(t("prog-list-title", name="Школа № 1"))
    assert any("Программа" in b.text for b in programmes.buttons)

    # a past year appears once there is data for it; its view counts the pairs of that year
    await set_denominator(sessionmaker, tree.s3, 2025, students_total=40)
    await curator.send("/curator")
    menu = await curator.wait_message(contains="Рязанская область")  # not an alert about the pairs
    await curator.press(menu, t("mon-btn-kpi"))
    view = await curator.wait_message(contains=t("kpi-when-now"))
    await curator.press(view, "2025")
    past = await curator.wait_message(contains=t("kpi-when-year", year="2025"))
    assert t("kpi-when-year", year="2025") in past.text
    assert t("kpi-line", mark="⚠️", name=t("kpi-ind-students_any"), share=pct(0.0), num="0", den="40") in past.text
    assert t("kpi-target-line", target=pct(70), count="28", needed="28") in past.text
    assert "• 2025" in [b.text for b in past.buttons]


async def test_organisation_curator_enters_numbers_and_bad_input_is_refused(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_pairs(sessionmaker, clock, tree.s1, 2)  # two pupils aged 14 registered
    await seed_curator(sessionmaker, clock, 6201, tree.s1)
    curator = tg.user(6201, language_code="ru")
    await curator.send("/curator")
    menu = await curator.wait_message(contains="Школа № 1")  # not a risk alert about the pairs
    await curator.press(menu, t("mon-btn-kpi"))
    view = await curator.wait_message(contains=t("kpi-when-now"))
    assert t("kpi-btn-targets") not in [b.text for b in view.buttons]
    await curator.press(view, t("kpi-btn-enter"))
    enter = await curator.wait_message(contains=t("kpi-enter-title", org="Школа № 1", year="2026"))
    assert enter.text.startswith(t("kpi-enter-title", org="Школа № 1", year="2026"))
    await curator.press(enter, t("kpi-field-students_11_18"))
    ask = await curator.wait_message(contains="2026")
    assert ask.text == t("kpi-ask-count", name=t("kpi-field-students_11_18"), year="2026", min="2")

    before = await snapshot(sessionmaker)
    for typed, key, params in (("много", "kpi-invalid-not-number", {}), ("-5", "kpi-invalid-not-positive", {}),
                               ("0", "kpi-invalid-not-positive", {}), ("1", "kpi-invalid-too-small", {"min": "2"}),
                               ("12.5", "kpi-invalid-not-number", {})):
        await curator.send(typed)
        assert (await curator.wait_message(contains=t(key, **params))).text == t(key, **params)
    await settle(curator)
    assert await snapshot(sessionmaker) == before  # nothing saved

    await curator.send("1 250")
    saved = await curator.wait_message(contains="✅")
    assert saved.text.startswith(t("kpi-saved", name=t("kpi-field-students_11_18"), year="2026",
                                   value=format_decimal(1250, locale="ru")))
    await settle(curator)
    async with sessionmaker() as s:
        row = (await s.scalars(select(OrgDenominator))).one()
        assert (row.unit_id, row.year, row.students_11_18, row.students_total) == (tree.s1.id, 2026, 1250, None)
        assert row.updated_by_user_id is not None
        assert await s.scalar(select(func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "kpi.denominator")) == 1
    # the dialog is over: a number typed now changes nothing
    await curator.send("999")
    await settle(curator)
    async with sessionmaker() as s:
        assert (await s.scalars(select(OrgDenominator))).one().students_11_18 == 1250

    # a forged "enter numbers" of another school is refused
    before = await snapshot(sessionmaker)
    await curator.press_data(saved, KpEnter(uid=tree.s2.id, f="t").pack())
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-not-found") and answer.get("show_alert")
    await curator.send("500")
    await settle(curator)
    assert await snapshot(sessionmaker) == before


async def test_charts_arrive_as_png(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_pairs(sessionmaker, clock, tree.s1, 3)
    await set_denominator(sessionmaker, tree.s1, 2026, students_total=100)
    await seed_curator(sessionmaker, clock, 6301, tree.m1)
    curator = tg.user(6301, language_code="ru")
    await curator.send("/curator")
    menu = await curator.wait_message(contains="г. Рязань")
    await curator.press(menu, t("mon-btn-kpi"))
    view = await curator.wait_message(contains=t("kpi-when-now"))
    await curator.press(view, t("kpi-btn-charts"))
    charts = await curator.wait_message(contains=t("kpi-charts-title", unit=t("cur-title-municipality",
                                                                                name="г. Рязань")))
    for label in (t("kpi-btn-chart-progress", name=t("kpi-short-students_any")),
                  t("kpi-btn-chart-units", name=t("kpi-short-students_any"))):
        await curator.press(charts, label)
        photo = await curator.wait_message(contains=t("kpi-ind-students_any"))
        assert photo.photo is not None, photo.describe()
        content = photo.media.content
        assert content.startswith(PNG_SIGNATURE)
        image = Image.open(io.BytesIO(content))
        image.load()
        assert image.format == "PNG" and image.size[0] > 100
        assert photo.caption == t("kpi-chart-caption", name=t("kpi-ind-students_any"), unit="г. Рязань")
    # no completed surveys: a clear answer, no picture
    await curator.press(charts, t("kpi-btn-back"))
    view = await curator.wait_message(contains=t("kpi-when-now"))
    await curator.press(view, t("kpi-btn-survey-chart"))
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("kpi-survey-empty")


async def test_region_curator_changes_a_target_and_forged_buttons_are_refused(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    async with sessionmaker() as s:
        other = await create_unit(s, "region", "Ростовская область")
        om = await create_unit(s, "municipality", "Армавир", other)
        await create_unit(s, "organisation", "Школа № 5", om, org_type="school")
        await s.commit()
    await seed_curator(sessionmaker, clock, 6401, tree.r)
    await seed_curator(sessionmaker, clock, 6402, tree.m1)
    curator = tg.user(6401, language_code="ru")
    await curator.send("/curator")
    menu = await curator.wait_message()
    await curator.press(menu, t("mon-btn-kpi"))
    view = await curator.wait_message()
    await curator.press(view, t("kpi-btn-targets"))
    targets = await curator.wait_message()
    assert targets.text.startswith(t("kpi-targets-title", region="Рязанская область", year="2026"))
    await curator.press(targets, t("kpi-ind-students_any"))
    years = await curator.wait_message()
    await curator.press(years, t("kpi-target-year-button", year="2026", percent=pct(70)))
    ask = await curator.wait_message()
    assert ask.text == t("kpi-ask-percent", name=t("kpi-ind-students_any"), year="2026")
    await curator.send("150")
    assert (await curator.wait_message()).text == t("kpi-invalid-percent-range")
    await curator.send("сорок")
    assert (await curator.wait_message()).text == t("kpi-invalid-not-number")
    await curator.send("42,5")
    saved = await curator.wait_message()
    assert saved.text.startswith(t("kpi-target-saved", name=t("kpi-ind-students_any"), year="2026", percent=pct(42.5)))
    await settle(curator)
    async with sessionmaker() as s:
        row = (await s.scalars(select(KpiTarget))).one()
        assert (row.region_id, row.year, row.indicator, row.percent) == (tree.r.id, 2026, "students_any", 42.5)

    # forged: the KPIs of another region, its targets; a municipal curator's targets of its region
    before = await snapshot(sessionmaker)
    await curator.press_data(saved, KpiCb(uid=other.id).pack())
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-not-found") and answer.get("show_alert")
    await curator.press_data(saved, KpTargets(uid=other.id, i=3, y=2026).pack())
    assert (await curator.wait_callback_answer())["text"] == t("cur-not-found")
    await curator.press_data(saved, KpiCb(uid=tree.r.id, y=99999).pack())  # a forged year
    assert (await curator.wait_callback_answer())["text"] == t("cur-not-found")
    municipal = tg.user(6402, language_code="ru")
    await municipal.send("/curator")
    mmenu = await municipal.wait_message()
    await municipal.press_data(mmenu, KpTargets(uid=tree.r.id, i=3, y=2026).pack())
    assert (await municipal.wait_callback_answer())["text"] == t("cur-not-found")
    await municipal.press_data(mmenu, KpTargets(uid=tree.m1.id, i=3, y=2026).pack())
    assert (await municipal.wait_callback_answer())["text"] == t("cur-not-found")
    await municipal.send("10")
    await settle(municipal)
    assert await snapshot(sessionmaker) == before
