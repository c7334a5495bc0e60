"""KPIs against the targets: the arithmetic against hand-worked figures, then the queries on a
small seeded region (involvement now vs as of 31 December, age bands, erased participants,
shares only over organisations with data, targets, validation)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from db.models import KpiTarget, OrgDenominator, Pair, PairMentee, Participant, Programme, ProgrammeMember, \
    SurveyResponse, Unit
from domain import kpi
from domain.kpi import OrgInput, compute, figure, target_count
from domain.rules import Invalid
from domain.units import create_unit

TODAY = date(2026, 11, 23)


def utc(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 12, tzinfo=timezone.utc)


# =============================================================================================
# pure arithmetic
# =============================================================================================
def test_armavir_targets_in_persons():
    """The Armavir order: 10,371 students aged 11-18 and the persons for 3/10/20/35/50/70 %."""
    assert [target_count(p, 10_371) for p in (3, 10, 20, 35, 50, 70)] == [311, 1_037, 2_074, 3_630, 5_185, 7_260]


def test_halves_round_down_others_to_nearest():
    assert target_count(50, 3) == 1  # 1.5 -> 1
    assert target_count(50, 5) == 2  # 2.5 -> 2
    assert target_count(10, 16) == 2  # 1.6 -> 2
    assert target_count(10, 14) == 1  # 1.4 -> 1
    assert target_count(100, 7) == 7
    assert target_count(0, 1000) == 0
    assert target_count(12.5, 10) == 1  # 1.25 -> 1


def org(i: int, org_type: str = "school", counts=None, dens=None, running=False) -> OrgInput:
    return OrgInput(i, f"org{i}", f"1/2/{i}/", org_type, dict(counts or {}), {**dict.fromkeys(kpi.FIELDS), **(dens or {})},
                    running)


def test_shares_only_over_organisations_with_the_denominator():
    a = org(10, counts={"students_any": 30}, dens={"students_total": 200})
    b = org(11, counts={"students_any": 50}, dens={"students_total": 300})
    c = org(12, counts={"students_any": 400})  # no denominator: not in the share
    f = figure("students_any", [a, b, c], 20)
    assert (f.numerator, f.denominator, f.involved) == (80, 500, 480)
    assert f.share == pytest.approx(16.0)
    assert f.target_count == 100 and f.below is True and f.needed == 20


def test_no_denominator_means_no_share_and_no_verdict():
    f = figure("mentees_11_18", [org(1, counts={"mentees_11_18": 5})], 10)
    assert (f.numerator, f.denominator, f.share, f.target_count, f.below, f.needed) == (5, None, None, None, None, None)


def test_at_target_is_not_below():
    f = figure("students_any", [org(1, counts={"students_any": 311}, dens={"students_total": 10_371})], 3)
    assert f.share < 3 and f.target_count == 311 and f.below is False and f.needed == 0


def test_organisations_with_programme_count_only_schools_colleges_additional():
    orgs = [org(1, running=True), org(2, "college"), org(3, "additional", running=True), org(4, "employer", running=True)]
    f = figure("orgs_with_programme", orgs, 100)
    assert (f.numerator, f.denominator, f.target_count, f.below) == (2, 3, 3, True)
    assert f.share == pytest.approx(200 / 3)


def test_compute_missing_and_children_order():
    orgs = [org(1, dens={"young_teachers": 4}), org(2), org(3, "employer")]
    k = compute(9, "M", "municipality", orgs, {"students_any": 10})
    assert k.missing_denominators == 1  # org 2; employers are not asked
    ok = compute(1, "Zeta", "organisation", [org(1, counts={"students_any": 5}, dens={"students_total": 10})],
                 {"students_any": 10})
    bad = compute(2, "Beta", "organisation", [org(2, counts={"students_any": 0}, dens={"students_total": 10})],
                  {"students_any": 10})
    alpha = compute(3, "alpha", "organisation", [org(3)], {"students_any": 10})
    assert [k.name for k in kpi.ordered_children([ok, alpha, bad])] == ["Beta", "alpha", "Zeta"]


def test_latest_denominator_field_by_field():
    rows = [(1, 2024, {"students_total": 100, "young_teachers": 3}), (1, 2025, {"students_total": 120}),
            (1, 2027, {"students_total": 999}), (2, 2026, {"students_11_18": 50})]
    got = kpi.latest_denominators(rows, 2026)
    assert got[1]["students_total"] == 120 and got[1]["young_teachers"] == 3 and got[1]["students_11_18"] is None
    assert got[2]["students_11_18"] == 50
    assert kpi.latest_denominators(rows, 2023) == {}


def test_default_targets_from_the_seeds():
    assert [kpi.default_target("students_any", y) for y in range(2019, 2027)] == [3, 10, 20, 35, 50, 70, 70, 70]
    assert kpi.default_target("mentees_11_18", 2020) == 10 and kpi.default_target("mentees_11_18", 2026) == 10
    assert kpi.default_target("young_teachers", 2021) == 5 and kpi.default_target("orgs_with_programme", 2019) == 100


@pytest.mark.parametrize("raw,code", [("abc", "not-number"), ("", "not-number"), ("12.5", "not-number"),
                                      ("-3", "not-positive"), ("0", "not-positive"), ("99999999999", "too-large")])
def test_bad_counts(raw, code):
    with pytest.raises(Invalid) as exc:
        kpi.parse_count(raw)
    assert exc.value.code == code


def test_counts_and_percents_as_typed():
    assert kpi.parse_count("10 371") == 10_371 and kpi.parse_count(" 42 ") == 42
    assert kpi.parse_percent("12,5") == 12.5 and kpi.parse_percent("70 %") == 70 and kpi.parse_percent("0") == 0
    for raw, code in (("x", "not-number"), ("101", "percent-range"), ("-1", "percent-range"), ("nan", "percent-range")):
        with pytest.raises(Invalid) as exc:
            kpi.parse_percent(raw)
        assert exc.value.code == code


# =============================================================================================
# queries on a seeded region
# =============================================================================================
class World:
    region: Unit
    muni: Unit
    other_muni: Unit
    s1: Unit
    s2: Unit
    empl: Unit
    other_region: Unit
    foreign: Unit


async def seed(s) -> World:
    w = World()
    w.region = await create_unit(s, "region", "Region")
    w.muni = await create_unit(s, "municipality", "Muni", w.region)
    w.other_muni = await create_unit(s, "municipality", "Other", w.region)
    w.s1 = await create_unit(s, "organisation", "School 1", w.muni, org_type="school")
    w.s2 = await create_unit(s, "organisation", "School 2", w.muni, org_type="school")
    w.empl = await create_unit(s, "organisation", "Plant", w.other_muni, org_type="employer")
    w.other_region = await create_unit(s, "region", "Elsewhere")
    om = await create_unit(s, "municipality", "Far", w.other_region)
    w.foreign = await create_unit(s, "organisation", "Far school", om, org_type="school")
    return w


async def person(s, o: Unit, role: str, category: str, birth_year: int, status: str = "active") -> Participant:
    p = Participant(org_id=o.id, role=role, category=category, birth_year=birth_year, status=status,
                    full_name=None if status == "erased" else "P")
    s.add(p)
    await s.flush()
    return p


async def prog(s, unit: Unit, starts=date(2025, 9, 1), ends=date(2027, 5, 31), status="active") -> Programme:
    p = Programme(unit_id=unit.id, form="student_student", title="T", starts_on=starts, ends_on=ends, status=status)
    s.add(p)
    await s.flush()
    return p


async def pair(s, programme: Programme, mentor: Participant, mentees: list[Participant], status="active",
               activated=utc(2025, 10, 1), ended=None) -> Pair:
    async def member(p: Participant, side: str) -> ProgrammeMember:
        m = await s.scalar(select(ProgrammeMember).where(ProgrammeMember.programme_id == programme.id,
                                                         ProgrammeMember.participant_id == p.id))
        if m is None:
            m = ProgrammeMember(programme_id=programme.id, participant_id=p.id, side=side)
            s.add(m)
            await s.flush()
        return m

    mm = await member(mentor, "mentor")
    row = Pair(programme_id=programme.id, mentor_member_id=mm.id, status=status, activated_at=activated, ended_at=ended)
    s.add(row)
    await s.flush()
    for mentee in mentees:
        s.add(PairMentee(pair_id=row.id, mentee_member_id=(await member(mentee, "mentee")).id))
    await s.flush()
    return row


async def test_involvement_now_and_as_of_with_age_bands(sessionmaker):
    async with sessionmaker() as s:
        w = await seed(s)
        p1 = await prog(s, w.s1)
        # 2026: age = 2026 - birth year
        teacher = await person(s, w.s1, "mentor", "teacher", 1980)
        senior = await person(s, w.s1, "mentor", "school_student", 2010)  # 16: mentor 15-18
        too_young_mentor = await person(s, w.s1, "mentor", "school_student", 2012)  # 14
        m12 = await person(s, w.s1, "mentee", "school_student", 2014)  # 12
        m10 = await person(s, w.s1, "mentee", "school_student", 2016)  # 10: not 11-18
        m18 = await person(s, w.s1, "mentee", "college_student", 2008)  # 18
        m19 = await person(s, w.s1, "mentee", "college_student", 2007)  # 19
        young = await person(s, w.s1, "mentee", "young_specialist", 1999)
        erased = await person(s, w.s1, "mentee", "school_student", 2013, status="erased")  # 13, still counts
        idle = await person(s, w.s1, "mentee", "school_student", 2013)  # never in a pair
        await pair(s, p1, teacher, [m12, m10, m18, m19, erased])  # a group, active now
        await pair(s, p1, teacher, [young])  # the teacher in two pairs: counted once (not a student anyway)
        await pair(s, p1, senior, [idle], status="proposed", activated=None)  # not involved
        await pair(s, p1, too_young_mentor, [], status="active")
        # ended in March 2026: involved in 2026 (as of), not now
        senior_past = await person(s, w.s1, "mentor", "school_student", 2009)  # 17
        await pair(s, p1, senior_past, [], status="ended", activated=utc(2025, 9, 15), ended=utc(2026, 3, 1))
        # ended in 2024: neither now nor 2026, but counted in 2024
        old = await person(s, w.s1, "mentee", "school_student", 2012)
        await pair(s, p1, teacher, [old], status="ended", activated=utc(2024, 2, 1), ended=utc(2024, 12, 20))
        # another region's pair never counts here
        far = await person(s, w.foreign, "mentee", "school_student", 2013)
        far_t = await person(s, w.foreign, "mentor", "teacher", 1970)
        await pair(s, await prog(s, w.foreign), far_t, [far])
        for f, v in (("students_total", 1000), ("students_11_18", 500), ("students_15_18", 200), ("young_teachers", 10)):
            await kpi.set_denominators(s, w.s1, 2026, f, v, None)
        await s.commit()

        assert await kpi.data_years(s, w.region, TODAY) == [2025]  # the first programme started in 2025
        now, kids = await kpi.unit_kpis(s, w.region, None, TODAY)
        f = now.figures
        assert f["mentees_11_18"].numerator == 3  # m12, m18, erased
        assert f["mentors_15_18"].numerator == 0  # senior's pair is only proposed; too young mentor is 14
        assert f["young_teachers"].numerator == 1
        assert f["students_any"].numerator == 6  # m12 m10 m18 m19 erased too_young_mentor
        assert f["students_any"].share == pytest.approx(0.6)
        assert f["students_any"].target == 70 and f["students_any"].target_count == 700 and f["students_any"].below
        assert f["young_teachers"].share == pytest.approx(10.0) and f["young_teachers"].below is False

        as_of, _ = await kpi.unit_kpis(s, w.region, date(2026, 12, 31), TODAY)
        assert as_of.figures["mentors_15_18"].numerator == 1  # senior_past, 17 in 2026
        assert as_of.figures["students_any"].numerator == 7
        y2024, _ = await kpi.unit_kpis(s, w.region, date(2024, 12, 31), TODAY)
        # 2024: only the pair of "old" (12 then); no denominator up to 2024, so no share
        assert y2024.figures["mentees_11_18"].involved == 1 and y2024.figures["mentees_11_18"].share is None
        assert y2024.figures["students_any"].target == 70 and y2024.figures["mentees_11_18"].target == 10

        # children: Muni (with the school) and Other (only an employer)
        assert [k.name for k in kids] == ["Muni", "Other"]
        assert kids[0].figures["students_any"].numerator == 6
        assert kids[1].figures["students_any"].involved == 0 and kids[1].missing_denominators == 0
        orgs = await kpi.org_kpis(s, w.muni, None, TODAY)
        assert {o.name for o in orgs} == {"School 1", "School 2"}
        assert orgs[0].name == "School 1"  # below target first
        assert now.missing_denominators == 1  # School 2 (employers are not asked)


async def test_orgs_with_programme_own_or_through_members(sessionmaker):
    async with sessionmaker() as s:
        w = await seed(s)
        extra = await create_unit(s, "organisation", "College", w.other_muni, org_type="college")
        await prog(s, w.s1)  # own, running
        await prog(s, w.s2, starts=date(2027, 1, 10))  # not started yet
        regional = await prog(s, w.region, starts=date(2024, 1, 1), ends=date(2024, 12, 31), status="finished")
        st = await person(s, extra, "mentee", "college_student", 2006)
        s.add(ProgrammeMember(programme_id=regional.id, participant_id=st.id, side="mentee"))
        await s.commit()
        now, _ = await kpi.unit_kpis(s, w.region, None, TODAY)
        f = now.figures["orgs_with_programme"]
        assert (f.numerator, f.denominator, f.target_count, f.below) == (1, 3, 3, True)
        y2024, _ = await kpi.unit_kpis(s, w.region, date(2024, 12, 31), TODAY)
        assert y2024.figures["orgs_with_programme"].numerator == 1  # the college, through the regional one


async def test_orgs_reached_by_programmes_above_them(sessionmaker):
    """Programmes of units above an organisation count for it from every scope that holds it
    (the region, its municipality, itself), only through present members, and only inside the
    programme's own subtree."""
    async with sessionmaker() as s:
        w = await seed(s)
        college = await create_unit(s, "organisation", "College", w.other_muni, org_type="college")
        regional = await prog(s, w.region)
        municipal = await prog(s, w.muni)
        stray = await person(s, college, "mentee", "college_student", 2007)  # outside Muni's subtree
        gone = await person(s, w.s2, "mentee", "school_student", 2012)
        here = await person(s, w.s1, "mentee", "school_student", 2012)
        s.add_all([ProgrammeMember(programme_id=municipal.id, participant_id=stray.id, side="mentee"),
                   ProgrammeMember(programme_id=municipal.id, participant_id=gone.id, side="mentee",
                                   left_at=utc(2026, 3, 1)),
                   ProgrammeMember(programme_id=regional.id, participant_id=here.id, side="mentee")])
        await s.commit()
        for scope, expected in ((w.region, {w.s1.name}), (w.muni, {w.s1.name}), (w.s1, {w.s1.name}),
                                (w.s2, set()), (w.other_muni, set())):
            orgs = await kpi.org_kpis(s, scope, None, TODAY)
            running = {o.name for o in orgs if o.figures["orgs_with_programme"].numerator}
            assert running == expected, scope.name
        # as of a year, members who left still count (the programme ran with them)
        orgs = await kpi.org_kpis(s, w.muni, date(2026, 12, 31), TODAY)
        assert {o.name for o in orgs if o.figures["orgs_with_programme"].numerator} == {w.s1.name, w.s2.name}


async def test_targets_default_and_override(sessionmaker):
    async with sessionmaker() as s:
        w = await seed(s)
        assert (await kpi.targets_for(s, w.region.id, 2022))["students_any"] == 35
        await kpi.set_target(s, w.region, 2022, "students_any", "40", None)
        await kpi.set_target(s, w.region, 2022, "students_any", "42,5", None)  # the same row, changed
        await s.commit()
        assert (await kpi.targets_for(s, w.region.id, 2022))["students_any"] == 42.5
        assert (await kpi.targets_for(s, w.region.id, 2023))["students_any"] == 50
        assert (await kpi.targets_for(s, w.other_region.id, 2022))["students_any"] == 35
        assert await s.scalar(select(func.count()).select_from(KpiTarget)) == 1
        for args, code in (((w.region, 2022, "nope", "5"), "indicator"), ((w.region, 2022, "students_any", "120"),
                                                                           "percent-range"),
                           ((w.muni, 2022, "students_any", "5"), "field")):
            with pytest.raises(Invalid) as exc:
                await kpi.set_target(s, *args, None)
            assert exc.value.code == code


async def test_denominator_validation_names_the_minimum(sessionmaker):
    async with sessionmaker() as s:
        w = await seed(s)
        for by in (2010, 2012, 2014):  # 16, 14, 12 in 2026
            await person(s, w.s1, "mentee", "school_student", by)
        await person(s, w.s1, "mentor", "school_student", 2009, status="erased")  # 17, still registered
        await person(s, w.s1, "mentee", "young_specialist", 2000)
        await s.commit()
        assert await kpi.registered_minimum(s, w.s1, 2026, "students_11_18") == 4
        assert await kpi.registered_minimum(s, w.s1, 2026, "students_15_18") == 2
        assert await kpi.registered_minimum(s, w.s1, 2026, "students_total") == 4
        assert await kpi.registered_minimum(s, w.s1, 2026, "young_teachers") == 1
        for value, code, params in (("3", "too-small", {"min": 4}), ("abc", "not-number", {}), ("-5", "not-positive", {}),
                                    ("0", "not-positive", {})):
            with pytest.raises(Invalid) as exc:
                await kpi.set_denominators(s, w.s1, 2026, "students_11_18", value, None)
            assert (exc.value.code, exc.value.params) == (code, params)
        assert await s.scalar(select(func.count()).select_from(OrgDenominator)) == 0
        await kpi.set_denominators(s, w.s1, 2026, "students_11_18", "4", None)
        await s.commit()
        row = (await s.scalars(select(OrgDenominator))).one()
        assert (row.unit_id, row.year, row.students_11_18, row.students_total) == (w.s1.id, 2026, 4, None)
        with pytest.raises(Invalid):
            await kpi.set_denominators(s, w.muni, 2026, "students_total", "10", None)


async def test_survey_averages_by_form(sessionmaker):
    async with sessionmaker() as s:
        w = await seed(s)
        p1 = await prog(s, w.s1)
        far = await prog(s, w.foreign)
        t = await person(s, w.s1, "mentor", "teacher", 1980)
        st = await person(s, w.s1, "mentee", "school_student", 2012)
        pr = await pair(s, p1, t, [st])
        members = (await s.scalars(select(ProgrammeMember).where(ProgrammeMember.programme_id == p1.id)
                                   .order_by(ProgrammeMember.id))).all()
        done = datetime(2026, 11, 1, tzinfo=timezone.utc)
        s.add(SurveyResponse(survey_code="meeting-mentee", survey_version=1, occasion="meeting:1", kind="meeting",
                             programme_id=p1.id, member_id=members[1].id, pair_id=pr.id, role="mentee",
                             answers={"useful": 8, "comfort": 6, "clarity": None, "next_planned": True},
                             completed_at=done))
        s.add(SurveyResponse(survey_code="meeting-mentor", survey_version=1, occasion="meeting:1", kind="meeting",
                             programme_id=p1.id, member_id=members[0].id, pair_id=pr.id, role="mentor",
                             answers={"useful": 5}, completed_at=done))
        s.add(SurveyResponse(survey_code="meeting-mentee", survey_version=1, occasion="meeting:2", kind="meeting",
                             programme_id=p1.id, member_id=members[1].id, pair_id=pr.id, role="mentee",
                             answers={"useful": 1}, completed_at=None))  # not completed
        fm = ProgrammeMember(programme_id=far.id, participant_id=st.id, side="mentee")
        s.add(fm)
        await s.flush()
        s.add(SurveyResponse(survey_code="meeting-mentee", survey_version=1, occasion="meeting:9", kind="meeting",
                             programme_id=far.id, member_id=fm.id, role="mentee", answers={"useful": 10},
                             completed_at=done))
        await s.commit()
        got = await kpi.survey_averages(s, w.region, None)
        assert got == {"student_student": {"useful": (6.5, 2), "comfort": (6.0, 1)}}
        assert await kpi.survey_averages(s, w.region, "end") == {}


async def test_pairs_of_a_programme_above_the_scope_count_in_it(sessionmaker):
    """A municipal programme's pair counts for the school its members come from, seen from the
    school, the municipality and the region (the queries prune by programme: this must not)."""
    async with sessionmaker() as s:
        w = await seed(s)
        municipal = await prog(s, w.muni)
        mentor = await person(s, w.s2, "mentor", "college_student", 2009)  # 17
        mentee = await person(s, w.s1, "mentee", "school_student", 2013)  # 13
        await pair(s, municipal, mentor, [mentee])
        other = await prog(s, w.other_muni)  # another municipality's programme, same region
        await pair(s, other, await person(s, w.empl, "mentor", "employer_rep", 1970),
                   [await person(s, w.empl, "mentee", "college_student", 2007)])
        await s.commit()
        for root, expected in ((w.s1, (1, 0, 1)), (w.s2, (0, 1, 1)), (w.muni, (1, 1, 2)), (w.region, (1, 1, 3))):
            for as_of in (None, date(2026, 12, 31)):
                total, _ = await kpi.unit_kpis(s, root, as_of, TODAY)
                got = tuple(total.figures[i].involved for i in ("mentees_11_18", "mentors_15_18", "students_any"))
                assert got == expected, (root.name, as_of, got)
