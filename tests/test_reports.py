"""Reports (domain/reports.py): each producer's rows against seeded data, keyset paging over
several chunks, scope limits, erased people, survey aggregation and the XLSX files themselves."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.i18n import Translator
from db.models import (
    Meeting,
    Pair,
    PairMentee,
    Participant,
    Programme,
    ProgrammeMember,
    SurveyResponse,
    Unit,
)
from domain import reports
from domain.reports import XlsxStream, build_report
from domain.units import create_unit

T = Translator()
ru = T.bind("ru")
en = T.bind("en")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------
# the world: region R; municipality M1 with schools S1, S2; municipality M2 with school S3
# ---------------------------------------------------------------------------------------------
@dataclass
class World:
    r: int
    m1: int
    m2: int
    s1: int
    s2: int
    s3: int
    people: dict[str, int] = field(default_factory=dict)  # name -> participant id
    programmes: dict[str, int] = field(default_factory=dict)
    pairs: dict[str, int] = field(default_factory=dict)


def _person(org: int, name: str | None, role: str, category: str, now: datetime, *, status: str = "active",
            grade: int | None = None, birth_year: int = 2012, registered_days_ago: int = 60,
            user_id: int | None = None) -> Participant:
    registered = now - timedelta(days=registered_days_ago)
    return Participant(org_id=org, user_id=user_id, role=role, category=category, grade=grade,
                       birth_year=birth_year, full_name=name, status=status, registered_at=registered,
                       updated_at=registered, erased_at=now - timedelta(days=1) if status == "erased" else None,
                       capacity=3 if role == "mentor" else None)


async def seed_world(sessionmaker, now: datetime = NOW) -> World:
    """Two municipalities; in S1 a group (mentor + three mentees, one erased) with meetings and
    start/end surveys; in S3 ("elsewhere") a pair with a meeting and a survey of its own."""
    async with sessionmaker() as s:
        r = await create_unit(s, "region", "Рязанская область", timezone="Europe/Moscow")
        m1 = await create_unit(s, "municipality", "г. Рязань", r)
        m2 = await create_unit(s, "municipality", "Касимов", r)
        s1 = await create_unit(s, "organisation", "Школа № 1", m1, org_type="school")
        s2 = await create_unit(s, "organisation", "Школа № 2", m1, org_type="school")
        s3 = await create_unit(s, "organisation", "Касимовская школа", m2, org_type="school")
        await s.flush()
        w = World(r.id, m1.id, m2.id, s1.id, s2.id, s3.id)
        specs = [
            ("Мария Иванова", s1.id, "mentor", "teacher", {"birth_year": 1980}),
            ("Аня Смирнова", s1.id, "mentee", "school_student", {"grade": 7}),
            ("Борис Котов", s1.id, "mentee", "school_student", {"grade": 8, "status": "awaiting_consent"}),
            ("Стёртый Ученик", s1.id, "mentee", "school_student", {"grade": 7, "status": "erased"}),
            ("Вера Лесная", s2.id, "mentee", "school_student", {"grade": 9}),
            ("Олег Новый", s2.id, "mentor", "teacher", {"birth_year": 1999, "registered_days_ago": -5}),
            ("Чужой Наставник", s3.id, "mentor", "teacher", {"birth_year": 1975}),
            ("Чужая Ученица", s3.id, "mentee", "school_student", {"grade": 6}),
        ]
        objs = {}
        for name, org, role, cat, extra in specs:
            p = _person(org, name, role, cat, now, **extra)
            s.add(p)
            objs[name] = p
        await s.flush()
        objs["Стёртый Ученик"].full_name = None  # erasure nulls the name, keeps the remainder
        w.people = {n: p.id for n, p in objs.items()}

        async def programme(unit: Unit, title: str) -> Programme:
            prog = Programme(unit_id=unit.id, form="teacher_student", role_models=["teacher_underachiever"],
                             title=title, starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31),
                             group_mode=True, status="active", created_at=now - timedelta(days=90))
            s.add(prog)
            await s.flush()
            w.programmes[title] = prog.id
            return prog

        async def member(prog: Programme, name: str, side: str) -> ProgrammeMember:
            m = ProgrammeMember(programme_id=prog.id, participant_id=objs[name].id, side=side,
                                joined_at=now - timedelta(days=80))
            s.add(m)
            await s.flush()
            return m

        async def pair(prog: Programme, mentor: str, mentees: list[str], label: str, *, status: str = "active",
                       activated_days_ago: int = 30, ended_days_ago: int | None = None) -> Pair:
            mm = await member(prog, mentor, "mentor")
            p = Pair(programme_id=prog.id, mentor_member_id=mm.id, status=status, role_model="teacher_underachiever",
                     approved_at=now - timedelta(days=activated_days_ago + 2),
                     activated_at=now - timedelta(days=activated_days_ago),
                     ended_at=now - timedelta(days=ended_days_ago) if ended_days_ago is not None else None)
            s.add(p)
            await s.flush()
            for name in mentees:
                me = await member(prog, name, "mentee")
                s.add(PairMentee(pair_id=p.id, mentee_member_id=me.id, answer="accepted"))
            await s.flush()
            w.pairs[label] = p.id
            return p

        p1 = await programme(s1, "Программа Школы 1")
        group = await pair(p1, "Мария Иванова", ["Аня Смирнова", "Борис Котов", "Стёртый Ученик"], "group")
        for day, fmt, minutes, topic in ((date(2026, 10, 30), "offline", 45, "Знакомство"),
                                         (date(2026, 11, 6), "online", 30, "План"),
                                         (date(2026, 11, 13), "offline", 60, None)):
            s.add(Meeting(pair_id=group.id, held_on=day, format=fmt, minutes=minutes, topic=topic))
        p3 = await programme(s3, "Касимовская программа")
        other = await pair(p3, "Чужой Наставник", ["Чужая Ученица"], "other")
        s.add(Meeting(pair_id=other.id, held_on=date(2026, 11, 10), format="online", minutes=20, topic="Чужая тема"))
        await s.flush()

        members = {(m.programme_id, m.participant_id): m.id for m in
                   (await s.execute(ProgrammeMember.__table__.select())).all()}

        def response(prog: Programme, name: str, code: str, kind: str, role: str, answers: dict, pair_id: int):
            s.add(SurveyResponse(survey_code=code, survey_version=1, occasion=f"{kind}:{prog.id}", kind=kind,
                                 programme_id=prog.id, member_id=members[(prog.id, objs[name].id)],
                                 pair_id=pair_id, role=role, answers=answers, completed_at=now - timedelta(days=1)))

        start = {"expectations": ["studies", "exams"], "confidence": 5, "frequency_wish": "weekly",
                 "worries": "секретный текст"}
        response(p1, "Аня Смирнова", "start-mentee", "start", "mentee", {**start, "motivation": 4}, group.id)
        response(p1, "Борис Котов", "start-mentee", "start", "mentee",
                 {**start, "motivation": 6, "expectations": ["exams"]}, group.id)
        end = {"satisfaction": 9, "expectations_met": 8, "comfort": 9, "useful": 9, "clarity": 8, "support": 9,
               "growth": 8, "frequency_actual": "weekly", "frequency_fit": "right", "would_continue": True,
               "would_mentor": False, "best": "личное мнение", "improve": None}
        response(p1, "Аня Смирнова", "end-mentee", "end", "mentee", {**end, "motivation": 8}, group.id)
        response(p1, "Борис Котов", "end-mentee", "end", "mentee",
                 {**end, "motivation": 9, "would_continue": False}, group.id)
        # elsewhere: must never count in M1's figures
        response(p3, "Чужая Ученица", "start-mentee", "start", "mentee", {**start, "motivation": 1}, other.id)
        await s.commit()
    return w


async def collect(gen) -> list[list]:
    rows = []
    async for chunk in gen:
        rows.extend(chunk)
    return rows


async def scope(sessionmaker, unit_id: int, *, locale: str = "ru", chunk: int = reports.CHUNK,
                as_of: datetime = NOW, year: int | None = None) -> reports.Scope:
    async with sessionmaker() as s:
        root = await s.get(Unit, unit_id)
        units = await reports._load_units(s, root)
    tz = reports.zone("Europe/Moscow")
    year = year or as_of.year
    moment = reports.stat_moment(year, as_of, tz)
    return reports.Scope(sessionmaker, root, units, T.bind(locale), tz, moment, year, chunk=chunk)


# ---------------------------------------------------------------------------------------------
# participants
# ---------------------------------------------------------------------------------------------
async def test_participants_rows_of_a_municipality(sessionmaker):
    w = await seed_world(sessionmaker)
    rows = await collect(reports.participant_rows(await scope(sessionmaker, w.m1)))
    by_name = {r[2]: r for r in rows}
    # S1 and S2 of M1; nobody of M2; the erased mentee is not there, neither by name nor anonymously
    assert set(by_name) == {"Мария Иванова", "Аня Смирнова", "Борис Котов", "Вера Лесная", "Олег Новый"}
    assert len(rows) == 5
    anya = by_name["Аня Смирнова"]
    assert anya == ["г. Рязань", "Школа № 1", "Аня Смирнова", ru("rep-role-mentee"), ru("rep-cat-school_student"),
                    7, 2012, ru("rep-status-active"), (NOW - timedelta(days=60)).date(), "Программа Школы 1",
                    ru("rep-pair-active"), 3]
    assert by_name["Борис Котов"][7] == ru("rep-status-awaiting_consent")
    assert by_name["Мария Иванова"][10:] == [ru("rep-pair-active"), 3]
    assert by_name["Вера Лесная"][9:] == ["", ru("rep-pair-none"), 0]


async def test_participants_keyset_paging_gives_the_same_rows_in_small_chunks(sessionmaker):
    w = await seed_world(sessionmaker)
    whole = await collect(reports.participant_rows(await scope(sessionmaker, w.r)))
    chunks = [c async for c in reports.participant_rows(await scope(sessionmaker, w.r, chunk=2))]
    assert [len(c) for c in chunks] == [2, 2, 2, 1]  # 7 people not erased, read two at a time
    assert [r for c in chunks for r in c] == whole
    assert len(whole) == 7


async def test_participants_sort_each_organisation_once_and_its_people_alone(sessionmaker, monkeypatch):
    """The sort keys do not grow with the region: an organisation's (and its municipality's) name
    is keyed once, not once per participant, and people are ordered inside one organisation at a
    time, never all of the scope at once."""
    w = await seed_world(sessionmaker)
    async with sessionmaker() as s:  # many people in one school
        for n in range(12):
            s.add(_person(w.s1, f"Ученик {n:02d}", "mentee", "school_student", NOW, grade=5 + n % 3))
        await s.commit()
    keyed: list[str | None] = []
    sorted_at_once: list[int] = []
    real_key, real_order = reports.collation_key, reports.participant_order

    def counting_key(text):
        keyed.append(text)
        return real_key(text)

    def order(*args):
        sorted_at_once.append(args[-1])
        return real_order(*args)

    monkeypatch.setattr(reports, "collation_key", counting_key)
    monkeypatch.setattr(reports, "participant_order", order)
    sc = await scope(sessionmaker, w.r, chunk=4)
    produced = reports.participant_rows(sc)
    rows = await anext(produced)
    ordered_before_the_first_rows = len(sorted_at_once)
    async for chunk in produced:
        rows.extend(chunk)
    assert len(rows) == 19 and len(sorted_at_once) == 19
    first_school = [r for r in rows if r[1] == "Школа № 1"]
    assert rows[:len(first_school)] == first_school  # the first organisation, alone, was sorted first
    assert ordered_before_the_first_rows == len(first_school) == 15
    for unit in (w.s1, w.s2, w.s3):
        assert keyed.count(sc.unit_name(unit)) == 1
    assert keyed.count("г. Рязань") == 2 and keyed.count("Касимов") == 1  # once per organisation
    assert [r[2] for r in rows if r[2].startswith("Ученик")] == sorted(
        (f"Ученик {n:02d}" for n in range(12)), key=lambda name: (int(name[-2:]) % 3, name))


async def test_an_organisation_sees_only_itself(sessionmaker):
    w = await seed_world(sessionmaker)
    rows = await collect(reports.participant_rows(await scope(sessionmaker, w.s3)))
    assert {r[2] for r in rows} == {"Чужой Наставник", "Чужая Ученица"}
    assert {r[0] for r in rows} == {"Касимов"}


# ---------------------------------------------------------------------------------------------
# pairs and meetings
# ---------------------------------------------------------------------------------------------
async def test_pairs_rows_name_nobody_erased_and_stay_in_scope(sessionmaker):
    w = await seed_world(sessionmaker)
    rows = await collect(reports.pair_rows(await scope(sessionmaker, w.m1)))
    assert len(rows) == 1
    row = rows[0]
    assert row[:4] == ["Программа Школы 1", ru("form-teacher_student"), "Школа № 1", "Мария Иванова"]
    assert row[4] == "; ".join(["Аня Смирнова", "Борис Котов", ru("person-erased")])
    assert "Стёртый" not in " ".join(str(v) for v in row)
    assert row[5] == ru("role-model-teacher_underachiever")
    assert row[6] == ru("rep-pair-active")
    assert row[8] == (NOW - timedelta(days=30)).date() and row[9] is None
    assert row[10:] == [3, date(2026, 11, 13)]
    region = await collect(reports.pair_rows(await scope(sessionmaker, w.r)))
    assert len(region) == 2


async def test_meetings_rows_one_per_meeting_in_scope_over_chunks(sessionmaker):
    w = await seed_world(sessionmaker)
    rows = await collect(reports.meeting_rows(await scope(sessionmaker, w.m1, chunk=2)))
    assert [r[0] for r in rows] == [date(2026, 10, 30), date(2026, 11, 6), date(2026, 11, 13)]
    assert rows[0][1:] == ["Программа Школы 1", "Школа № 1", "Мария Иванова",
                           f"Аня Смирнова; Борис Котов; {ru('person-erased')}", ru("rep-format-offline"), 45,
                           "Знакомство"]
    assert rows[2][7] == ""
    assert all("Чужая тема" not in r for r in rows)
    assert len(await collect(reports.meeting_rows(await scope(sessionmaker, w.m2)))) == 1


# ---------------------------------------------------------------------------------------------
# surveys
# ---------------------------------------------------------------------------------------------
async def test_survey_aggregation_stage1_and_start_versus_end(sessionmaker):
    w = await seed_world(sessionmaker)
    s = await scope(sessionmaker, w.m1, chunk=1)  # one response per read: the aggregation spans chunks
    agg = await reports.aggregate_surveys(s)
    motivation_start = agg[("teacher_student", "start", "mentee", "motivation")]
    assert (motivation_start.count, motivation_start.average) == (2, 5.0)  # 4 and 6; Kasimov's 1 is out
    assert agg[("teacher_student", "end", "mentee", "motivation")].average == 8.5
    assert agg[("teacher_student", "start", "mentee", "expectations")].chosen == {"studies": 1, "exams": 2}
    assert agg[("teacher_student", "end", "mentee", "would_continue")].yes_share == 50.0
    # free text never aggregated
    assert not any(k[3] in ("worries", "best", "improve") for k in agg)

    stage1 = reports.stage1_rows(s, agg)
    exp = next(r for r in stage1 if r[3] == ru("sv-q-expectations-mentee"))
    assert exp[:3] == [ru("form-teacher_student"), ru("rep-occasion-start"), ru("rep-role-mentee")]
    assert exp[4] == 2 and exp[5] is None
    assert exp[7] == f"{ru('sv-opt-exp-studies')}: 1; {ru('sv-opt-exp-exams')}: 2"
    texts = " ".join(str(v) for r in stage1 for v in r)
    assert "секретный" not in texts and "личное" not in texts

    stage2 = reports.stage2_rows(s, agg)
    mot = next(r for r in stage2 if r[2] == ru("sv-q-motivation-mentee"))
    assert mot == [ru("form-teacher_student"), ru("rep-role-mentee"), ru("sv-q-motivation-mentee"), 2, 5.0, 2, 8.5, 3.5]
    satisfaction = next(r for r in stage2 if r[2] == ru(_text_key("end-mentee", "satisfaction")))
    assert satisfaction[3:] == [0, None, 2, 9.0, None]  # asked at the end only: no change to show


def _text_key(code: str, item_id: str) -> str:
    from domain.surveys import get_definition

    return get_definition(code, 1).item(item_id).text_key


# ---------------------------------------------------------------------------------------------
# the statistical form
# ---------------------------------------------------------------------------------------------
def _stat(row: list) -> dict:
    return dict(zip(reports.STAT_FIELDS, row[2:]))


async def test_stat_form_per_organisation_and_totals(sessionmaker):
    w = await seed_world(sessionmaker)
    rows = await collect(reports.stat_rows(await scope(sessionmaker, w.m1)))
    assert [r[1] for r in rows] == ["Школа № 1", "Школа № 2", ru("rep-total")]
    s1, s2, total = (_stat(r) for r in rows)
    # S1: the mentor and two mentees (the third was erased the day before: no longer counted)
    assert s1["mentors"] == 1 and s1["mentor:teacher"] == 1
    assert s1["mentees"] == 2 and s1["mentee:school_student"] == 2
    assert (s1["involved:mentor"], s1["involved:mentee"]) == (1, 2)
    assert (s1["programmes"], s1["pairs"], s1["meetings"]) == (1, 1, 3)
    # S2: Vera; Oleg registers in five days, so not yet
    assert (s2["mentors"], s2["mentees"], s2["involved:mentee"], s2["programmes"]) == (0, 1, 0, 0)
    assert total == {k: s1[k] + s2[k] for k in reports.STAT_FIELDS}
    assert rows[0][0] == "г. Рязань"


async def test_stat_form_as_of_the_end_of_a_past_year(sessionmaker):
    w = await seed_world(sessionmaker)
    rows = await collect(reports.stat_rows(await scope(sessionmaker, w.m1, year=2025)))
    s1 = _stat(rows[0])
    # on 31 December 2025 nobody had registered yet, no pair worked, no programme ran
    assert s1 == dict.fromkeys(reports.STAT_FIELDS, 0)


async def test_stat_form_counts_the_erased_while_they_were_there(sessionmaker):
    w = await seed_world(sessionmaker)
    earlier = NOW - timedelta(days=2)  # before the erasure (a day before NOW), after the group started
    rows = await collect(reports.stat_rows(await scope(sessionmaker, w.s1, as_of=earlier)))
    s1 = _stat(rows[0])
    assert (s1["mentees"], s1["involved:mentee"]) == (3, 3)


# ---------------------------------------------------------------------------------------------
# the files
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("locale", ["ru", "en"])
async def test_build_report_writes_an_xlsx_with_locale_headers(sessionmaker, tmp_path: Path, locale: str):
    w = await seed_world(sessionmaker)
    t = T.bind(locale)
    path = tmp_path / "participants.xlsx"
    seen: list[int] = []

    async def progress(rows: int) -> None:
        seen.append(rows)

    n = await build_report(sessionmaker, "participants", w.m1, locale, str(path), as_of=NOW, tz="Europe/Moscow",
                           progress=progress, chunk=2)
    assert n == 5 and seen == [2, 4, 5]
    wb = load_workbook(path)
    ws = wb.active
    assert ws.title == t("rep-sheet-participants")
    assert [c.value for c in ws[1]] == [t(c.key) for c in reports.PARTICIPANT_COLUMNS]
    assert ws[1][0].font.b
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:L6"
    assert ws.max_row == 6
    names = [ws.cell(r, 3).value for r in range(2, 7)]
    assert "Аня Смирнова" in names and "Чужая Ученица" not in names
    registered = ws.cell(2, 9).value
    assert isinstance(registered, datetime) and registered.date() == (NOW - timedelta(days=60)).date()


async def test_every_report_kind_builds_and_reads_back(sessionmaker, tmp_path: Path):
    w = await seed_world(sessionmaker)
    expected_sheets = {"participants": 1, "pairs": 1, "meetings": 1, "surveys": 2, "stat_form": 1}
    for kind in reports.KINDS:
        path = tmp_path / f"{kind}.xlsx"
        n = await build_report(sessionmaker, kind, w.r, "en", str(path), as_of=NOW, tz="Europe/Moscow")
        wb = load_workbook(path)
        assert len(wb.sheetnames) == expected_sheets[kind]
        assert sum(ws.max_row - 1 for ws in wb.worksheets) == n
        for ws in wb.worksheets:
            assert all(isinstance(c.value, str) and not c.value.startswith("rep-") for c in ws[1])


async def test_every_label_the_reports_use_is_translated():
    """Dynamic keys (rep-role-<role>, rep-cat-<category>, ...) exist in both languages."""
    from domain.rules import CATEGORIES

    keys = {c.key for cols in (reports.PARTICIPANT_COLUMNS, reports.PAIR_COLUMNS, reports.MEETING_COLUMNS,
                               reports.STAGE1_COLUMNS, reports.STAGE2_COLUMNS, reports.STAT_COLUMNS) for c in cols}
    keys |= {f"rep-role-{r}" for r in ("mentor", "mentee")}
    keys |= {f"rep-cat-{c}" for cats in CATEGORIES.values() for c in cats}
    keys |= {f"rep-status-{s}" for s in ("active", "awaiting_consent")}
    keys |= {f"rep-pair-{s}" for s in (*reports.PAIR_STATUSES, "none")}
    keys |= {f"rep-format-{f}" for f in ("online", "offline")}
    keys |= {f"rep-occasion-{o}" for o in ("meeting", "start", "end")}
    keys |= {f"rep-kind-{k}" for k in reports.KINDS}
    for lang in ("ru", "en"):
        missing = sorted(k for k in keys if k not in T.keys(lang))
        assert missing == [], lang


def test_stream_writer_escapes_and_types(tmp_path: Path):
    buf_path = tmp_path / "stream-test.xlsx"
    w = XlsxStream(str(buf_path), "ru")
    w.start_sheet("A: [b]/c", ["x", "y", "z", "d"], [5, 5, 5, 5])
    w.append([["<&> \x01bad", 3, 2.5, date(2026, 1, 2)], [" lead", None, True, None]])
    w.close()
    wb = load_workbook(BytesIO(buf_path.read_bytes()))
    ws = wb.active
    assert ws.title == "A   b  c"
    assert [c.value for c in ws[2]] == ["<&> bad", 3, 2.5, datetime(2026, 1, 2)]
    assert ws[2][3].number_format == "DD.MM.YYYY"
    assert [c.value for c in ws[3]] == [" lead", None, True, None]
