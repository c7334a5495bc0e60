"""domain.programmes: forms as data, validation, scoped lookups, eligibility, members, links, wishes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from bot.i18n import SUPPORTED, Translator
from db.models import Invitation, Participant, Preference, Programme, ProgrammeMember, Unit
from domain import invitations
from domain import programmes as P
from domain.curation import Access
from domain.rules import Invalid
from domain.units import create_unit

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)
TODAY = NOW.date()


# ---------------------------------------------------------------------------------------------
# pure rules
# ---------------------------------------------------------------------------------------------
def test_forms_are_data_and_every_name_exists():
    codes = list(P.forms())
    assert codes == ["student_student", "teacher_teacher", "teacher_student", "college_school",
                     "employer_student", "employer_collegian"]
    assert P.form("teacher_student").mentee == ("school_student", "college_student")
    assert P.form("teacher_teacher").categories("mentee") == ("young_specialist", "teacher")
    assert P.form("employer_student").categories("nobody") == ()
    with pytest.raises(Invalid) as exc:
        P.form("pirate_parrot")
    assert exc.value.code == "form"
    t = Translator()
    for lang in SUPPORTED:
        keys = t.keys(lang)
        for f in P.forms().values():
            assert f"form-{f.code}" in keys, (lang, f.code)
        for rm in P.all_role_models():
            assert f"role-model-{rm}" in keys, (lang, rm)
        for code in P.INVALID_CODES:
            assert f"prog-invalid-{code}" in keys, (lang, code)
        for n in P.INTERVALS:
            assert f"prog-interval-{n}" in keys, (lang, n)
        for code in ("invite", "finished", "erased", "outside", "category", "mentor-age", "other-side"):
            assert f"prog-join-{code}" in keys, (lang, code)


def test_forms_for_a_unit():
    org = Unit(kind="organisation", name="S", path="1/2/3/")
    muni = Unit(kind="municipality", name="M", path="1/2/")
    region = Unit(kind="region", name="R", path="1/")
    assert len(P.forms_for_unit(org)) == 6
    wide = {f.code for f in P.forms_for_unit(muni)}
    assert wide == {"college_school", "employer_student", "employer_collegian"}
    assert {f.code for f in P.forms_for_unit(region)} == wide
    with pytest.raises(Invalid) as exc:
        P.check_form_for_unit(muni, P.form("teacher_student"))
    assert exc.value.code == "form-needs-org"


@pytest.mark.parametrize("text,expected", [
    ("01.12.2026", date(2026, 12, 1)), ("1.9.2027", date(2027, 9, 1)), ("2027-05-31", date(2027, 5, 31)),
    (" 31/05/2027 ", date(2027, 5, 31)), ("15-01-2027", date(2027, 1, 15)),
])
def test_dates_parse(text, expected):
    assert P.parse_date(text) == expected


@pytest.mark.parametrize("text", ["", "завтра", "31.02.2027", "2027.05.31", "1.1.27", "32.01.2027", "2027-13-01"])
def test_unparseable_dates(text):
    with pytest.raises(Invalid) as exc:
        P.parse_date(text)
    assert exc.value.code == "date-format"


def test_titles_dates_intervals_role_models():
    assert P.parse_title("  Наставник   рядом ") == "Наставник рядом"
    for bad, code in (("ab", "title-short"), ("   ", "title-short"), ("x" * 201, "title-long")):
        with pytest.raises(Invalid) as exc:
            P.parse_title(bad)
        assert exc.value.code == code
    assert P.parse_title("x" * 200) == "x" * 200

    # any start in the current school year (from 1 September), however long ago
    assert P.school_year_start(date(2026, 11, 23)) == date(2026, 9, 1)
    assert P.school_year_start(date(2026, 9, 1)) == date(2026, 9, 1)
    assert P.school_year_start(date(2026, 8, 31)) == date(2025, 9, 1)
    assert P.school_year_start(date(2027, 1, 10)) == date(2026, 9, 1)
    P.check_start(date(2026, 9, 1), date(2026, 12, 20))
    P.check_start(date(2025, 9, 1), date(2026, 8, 31))
    # ... and, early in a school year, a programme that started a few days before it (up to 30 days back)
    P.check_start(date(2026, 8, 31), date(2026, 9, 1))
    P.check_start(date(2026, 8, 2), date(2026, 9, 1))
    P.check_start(date(2026, 8, 25), date(2026, 9, 5))
    P.check_start(date(2026, 8, 30), date(2026, 9, 29))
    for start, today, earliest in ((date(2026, 8, 31), date(2026, 12, 20), date(2026, 9, 1)),
                                   (date(2026, 8, 31), date(2026, 10, 1), date(2026, 9, 1)),
                                   (date(2026, 8, 1), date(2026, 9, 1), date(2026, 8, 2)),
                                   (date(2026, 8, 5), date(2026, 9, 5), date(2026, 8, 6)),
                                   (date(2025, 8, 31), date(2026, 8, 31), date(2025, 9, 1))):
        assert P.earliest_start(today) == earliest
        with pytest.raises(Invalid) as exc:
            P.check_start(start, today)
        assert (exc.value.code, exc.value.params) == ("start-past", {"earliest": earliest,
                                                                     "days": P.START_GRACE_DAYS})
    assert P.START_GRACE_DAYS == 30
    P.check_end(date(2026, 9, 1), date(2026, 12, 20), date(2026, 12, 20))  # ends today: still running
    with pytest.raises(Invalid) as exc:
        P.check_end(date(2026, 9, 1), date(2026, 12, 19), date(2026, 12, 20))
    assert exc.value.code == "end-past"
    with pytest.raises(Invalid) as exc:
        P.check_end(date(2027, 1, 10), date(2027, 1, 10))
    assert exc.value.code == "end-before-start"
    with pytest.raises(Invalid) as exc:
        P.check_end(date(2027, 1, 10), date(2026, 12, 1))
    assert exc.value.code == "end-before-start"
    with pytest.raises(Invalid) as exc:
        P.check_end(date(2027, 1, 10), date(2031, 1, 10))
    assert exc.value.code == "period-long"

    assert P.check_interval(14) == 14
    with pytest.raises(Invalid):
        P.check_interval(10)
    f = P.form("employer_student")
    assert P.check_role_models(f, ["colleague_future_colleague", "professional_consumer"]) == \
        ["professional_consumer", "colleague_future_colleague"]  # the form's order
    for codes, code in (([], "role-models-empty"), (["peer_to_peer"], "role-model")):
        with pytest.raises(Invalid) as exc:
            P.check_role_models(f, codes)
        assert exc.value.code == code


def test_programme_invitation_payloads():
    inv = Invitation(kind="programme", token="A" * 32, unit_id=7, programme_id=5)
    assert invitations.payload_of(inv) == "g_" + "A" * 32
    assert invitations.parse_payload("g_" + "A" * 32) == ("programme", "A" * 32)
    assert invitations.parse_payload("p_" + "A" * 32) == ("participant", "A" * 32)
    assert invitations.parse_payload("x_" + "A" * 32) is None


# ---------------------------------------------------------------------------------------------
# the database
# ---------------------------------------------------------------------------------------------
class World:
    """Region R: M1 (schools S1, S2, employer E1), M2 (school S3)."""

    r: Unit
    m1: Unit
    m2: Unit
    s1: Unit
    s2: Unit
    s3: Unit
    e1: Unit


async def make_world(s) -> World:
    w = World()
    w.r = await create_unit(s, "region", "R0", timezone="Europe/Moscow")
    w.m1 = await create_unit(s, "municipality", "M1", w.r)
    w.m2 = await create_unit(s, "municipality", "M2", w.r)
    w.s1 = await create_unit(s, "organisation", "S1", w.m1, org_type="school")
    w.s2 = await create_unit(s, "organisation", "S2", w.m1, org_type="school")
    w.s3 = await create_unit(s, "organisation", "S3", w.m2, org_type="school")
    w.e1 = await create_unit(s, "organisation", "E1", w.m1, org_type="employer")
    return w


async def person(s, org: Unit, name: str, role: str, category: str, status: str = "active",
                 birth_year: int | None = None, grade: int | None = None) -> Participant:
    if birth_year is None:
        birth_year = 2013 if category == "school_student" else 1985
    p = Participant(org_id=org.id, role=role, category=category, full_name=name, status=status,
                    birth_year=birth_year, grade=grade if grade is not None else (7 if category == "school_student" else None),
                    company="ООО Ромашка" if category == "employer_rep" else None,
                    interests=["music"], registered_at=NOW, updated_at=NOW)
    s.add(p)
    await s.flush()
    return p


async def programme(s, unit: Unit, form_code: str = "teacher_student", **kw) -> Programme:
    f = P.forms().get(form_code) or P.form("teacher_student")
    values = dict(unit=unit, form_code=form_code, role_models=[f.role_models[0]], title="Программа",
                  starts_on="01.12.2026", ends_on="31.05.2027", interval_days=14, group_mode=False,
                  today=TODAY, now=NOW)
    values.update(kw)
    return await P.create_programme(s, **values)


async def test_create_programme_validates_everything(sessionmaker):
    async with sessionmaker() as s:
        w = await make_world(s)
        prog = await programme(s, w.s1, role_models=["teacher_gifted", "teacher_underachiever"],
                               title="  Учитель — ученик  ", group_mode=True, created_by=None)
        assert (prog.unit_id, prog.form, prog.title, prog.status) == (w.s1.id, "teacher_student",
                                                                      "Учитель — ученик", "active")
        assert prog.role_models == ["teacher_underachiever", "teacher_gifted"]
        assert (prog.starts_on, prog.ends_on, prog.meeting_interval_days, prog.group_mode) == \
            (date(2026, 12, 1), date(2027, 5, 31), 14, True)
        wide = await programme(s, w.m1, "employer_student", starts_on=date(2026, 12, 1), ends_on="2027-06-30")
        assert wide.unit_id == w.m1.id
        bad = [
            (dict(unit=w.m1), "form-needs-org"),  # teacher_student across organisations
            (dict(unit=w.r), "form-needs-org"),
            (dict(form_code="nope"), "form"),
            (dict(role_models=[]), "role-models-empty"),
            (dict(role_models=["peer_to_peer"]), "role-model"),
            (dict(title="ab"), "title-short"),
            (dict(title="я" * 201), "title-long"),
            (dict(starts_on="32.12.2026"), "date-format"),
            (dict(ends_on="завтра"), "date-format"),
            (dict(starts_on="01.06.2027", ends_on="31.05.2027"), "end-before-start"),
            (dict(starts_on="31.08.2026"), "start-past"),
            (dict(starts_on="01.09.2026", ends_on="20.11.2026"), "end-past"),
            (dict(interval_days=10), "interval"),
        ]
        for override, code in bad:
            unit = override.pop("unit", w.s1)
            with pytest.raises(Invalid) as exc:
                await programme(s, unit, **override)
            assert exc.value.code == code, override
        await s.commit()
        assert await s.scalar(select(func.count()).select_from(Programme)) == 2


async def test_scoped_lookups_refuse_other_subtrees(sessionmaker):
    async with sessionmaker() as s:
        w = await make_world(s)
        p1 = await programme(s, w.s1)
        p3 = await programme(s, w.s3)
        pm1 = await programme(s, w.m1, "employer_student")
        pr = await programme(s, w.r, "college_school")
        await s.commit()
        school = Access(roots=(w.s1,))
        muni = Access(roots=(w.m1,))
        admin = Access(is_admin=True)
        nobody = Access()
        for access, reachable in ((school, {p1.id}), (muni, {p1.id, pm1.id}),
                                  (admin, {p1.id, p3.id, pm1.id, pr.id}), (nobody, set())):
            for prog in (p1, p3, pm1, pr):
                found = await P.programme_in_access(s, access, prog.id)
                assert (found is not None) == (prog.id in reachable), (access, prog.id)
                if found is not None:
                    assert found[0].id == prog.id and found[1].id == prog.unit_id
        assert await P.programme_in_access(s, admin, 987654) is None

        listed, total = await P.programmes_in_scope(s, w.m1)
        assert total == 2 and {p.id for p, _ in listed} == {p1.id, pm1.id}
        listed, total = await P.programmes_in_scope(s, w.s1)
        assert [p.id for p, _ in listed] == [p1.id]
        listed, total = await P.programmes_in_scope(s, w.r, page=1, page_size=3)
        assert total == 4 and len(listed) == 1


async def test_eligibility_per_form(sessionmaker):
    async with sessionmaker() as s:
        w = await make_world(s)
        teacher = await person(s, w.s1, "Учитель Один", "mentor", "teacher")
        await person(s, w.s2, "Учитель Чужой", "mentor", "teacher")
        pupil = await person(s, w.s1, "Ученик Один", "mentee", "school_student")
        minor = await person(s, w.s1, "Ученик Ждёт", "mentee", "school_student", status="awaiting_consent")
        await person(s, w.s1, "Ученик Стёрт", "mentee", "school_student", status="erased")
        senior = await person(s, w.s1, "Старшеклассник", "mentor", "school_student", birth_year=2010, grade=10)
        await person(s, w.s1, "Юный Наставник", "mentor", "school_student", birth_year=2013, grade=7)
        young = await person(s, w.s1, "Молодой Педагог", "mentee", "young_specialist", birth_year=2001)
        rep = await person(s, w.e1, "Работодатель", "mentor", "employer_rep")
        pupil2 = await person(s, w.s2, "Ученик Два", "mentee", "school_student")
        await person(s, w.s3, "Ученик Три", "mentee", "school_student")

        async def base(prog, side):
            people, total = await P.eligible_base(s, prog, side, TODAY)
            assert total == len(people)
            return {p.full_name for p in people}

        ts = await programme(s, w.s1, "teacher_student")
        assert await base(ts, "mentor") == {"Учитель Один"}
        # awaiting consent may join (flagged); erased never; a senior registered as a mentor is no mentee
        assert await base(ts, "mentee") == {"Ученик Один", "Ученик Ждёт"}

        ss = await programme(s, w.s1, "student_student")
        assert await base(ss, "mentor") == {"Старшеклассник"}  # a 13-year-old cannot mentor
        assert await base(ss, "mentee") == {"Ученик Один", "Ученик Ждёт"}

        tt = await programme(s, w.s1, "teacher_teacher")
        assert await base(tt, "mentor") == {"Учитель Один"}
        assert await base(tt, "mentee") == {"Молодой Педагог", "Учитель Один"}  # a teacher may be mentored

        es = await programme(s, w.m1, "employer_student")
        assert await base(es, "mentor") == {"Работодатель"}
        assert await base(es, "mentee") == {"Ученик Один", "Ученик Ждёт", "Ученик Два"}  # S1 and S2, not S3

        # members are no longer offered; those who left are offered again
        await P.add_member(s, ts, pupil, "mentee", NOW)
        assert await base(ts, "mentee") == {"Ученик Ждёт"}
        await P.add_member(s, es, pupil2, "mentee", NOW)
        m, _ = await P.add_member(s, es, rep, "mentor", NOW)
        assert await base(es, "mentor") == set()
        await P.remove_member(s, m, NOW)
        assert await base(es, "mentor") == {"Работодатель"}

        # the same rules one by one
        assert P.side_fits(P.form("teacher_student"), teacher, "mentee", TODAY) == "category"
        assert P.side_fits(P.form("teacher_student"), senior, "mentee", TODAY) == "category"
        assert P.side_fits(P.form("student_student"), senior, "mentor", TODAY) is None
        assert P.side_fits(P.form("teacher_teacher"), young, "mentor", TODAY) == "category"
        assert P.side_fits(P.form("teacher_student"), minor, "nobody", TODAY) == "side"
        with pytest.raises(Invalid):
            await P.eligible_base(s, ts, "nobody", TODAY)


async def test_add_and_remove_members(sessionmaker):
    async with sessionmaker() as s:
        w = await make_world(s)
        teacher = await person(s, w.s1, "Учитель", "mentor", "teacher")
        pupil = await person(s, w.s1, "Ученик", "mentee", "school_student")
        minor = await person(s, w.s1, "Ждущий", "mentee", "school_student", status="awaiting_consent")
        gone = await person(s, w.s1, "Стёртый", "mentee", "school_student", status="erased")
        stranger = await person(s, w.s2, "Чужой", "mentee", "school_student")
        prog = await programme(s, w.s1, "teacher_student")

        m1, added = await P.add_member(s, prog, pupil, "mentee", NOW)
        assert added and (m1.side, m1.left_at) == ("mentee", None)
        again, added = await P.add_member(s, prog, pupil, "mentee", NOW)  # idempotent
        assert again.id == m1.id and not added
        await P.add_member(s, prog, minor, "mentee", NOW)
        await P.add_member(s, prog, teacher, "mentor", NOW)
        for who, side, code in ((pupil, "mentor", "category"), (teacher, "mentee", "category"),
                                (gone, "mentee", "erased"), (stranger, "mentee", "outside"),
                                (pupil, "nobody", "side")):
            with pytest.raises(Invalid) as exc:
                await P.add_member(s, prog, who, side, NOW)
            assert exc.value.code == code, (who.full_name, side)

        tt = await programme(s, w.s1, "teacher_teacher")
        await P.add_member(s, tt, teacher, "mentor", NOW)
        with pytest.raises(Invalid) as exc:  # a teacher may be on either side, not on both
            await P.add_member(s, tt, teacher, "mentee", NOW)
        assert exc.value.code == "other-side"

        assert await P.member_counts(s, prog) == {"mentor": 1, "mentee": 2, "mentor_awaiting": 0,
                                                  "mentee_awaiting": 1}
        assert [p.full_name for _, p in await P.members(s, prog, "mentee")] == ["Ждущий", "Ученик"]
        assert [p.full_name for _, p in await P.members(s, prog, "mentee", only_consented=True)] == ["Ученик"]

        later = NOW + timedelta(days=1)
        assert await P.remove_member(s, m1, later) and m1.left_at == later
        assert not await P.remove_member(s, m1, later)
        assert [p.full_name for _, p in await P.members(s, prog, "mentee")] == ["Ждущий"]
        back, added = await P.add_member(s, prog, pupil, "mentee", later)
        assert added and back.id == m1.id and back.left_at is None

        # a participant erased after joining is no longer counted
        minor.status = "erased"
        await s.flush()
        assert (await P.member_counts(s, prog))["mentee"] == 1

        prog.status = "finished"
        with pytest.raises(Invalid) as exc:
            await P.add_member(s, prog, stranger, "mentee", NOW)
        assert exc.value.code == "finished"
        await s.commit()
        assert await s.scalar(select(func.count()).select_from(ProgrammeMember)) == 4


async def test_joining_by_programme_invitation(sessionmaker):
    async with sessionmaker() as s:
        w = await make_world(s)
        teacher = await person(s, w.s1, "Учитель", "mentor", "teacher")
        pupil = await person(s, w.s1, "Ученик", "mentee", "school_student")
        young = await person(s, w.s1, "Молодой", "mentee", "young_specialist", birth_year=2001)
        stranger = await person(s, w.s3, "Чужой", "mentee", "school_student")
        prog = await programme(s, w.s1, "teacher_student")
        inv = await P.create_invitation(s, prog, NOW, None, days=30, max_uses=10)
        assert (inv.kind, inv.unit_id, inv.programme_id) == ("programme", w.s1.id, prog.id)
        found, problem = await invitations.lookup(s, invitations.payload_of(inv), NOW)
        assert found.id == inv.id and problem is None
        assert [i.id for i in await P.active_invitations(s, prog, NOW)] == [inv.id]

        member, got, joined = await P.join_by_invitation(s, inv, pupil, NOW)
        assert joined and got.id == prog.id and member.side == "mentee" and inv.uses == 1
        member, _, joined = await P.join_by_invitation(s, inv, teacher, NOW)
        assert joined and member.side == "mentor" and inv.uses == 2
        _, _, joined = await P.join_by_invitation(s, inv, pupil, NOW)  # already a member: not counted
        assert not joined and inv.uses == 2
        for who, code in ((young, "category"), (stranger, "outside")):
            with pytest.raises(Invalid) as exc:
                await P.join_by_invitation(s, inv, who, NOW)
            assert exc.value.code == code
        assert inv.uses == 2

        await invitations.revoke(s, inv, NOW)
        assert await P.active_invitations(s, prog, NOW) == []
        other = await programme(s, w.s1, "teacher_teacher")
        inv2 = await P.create_invitation(s, other, NOW, None)
        with pytest.raises(Invalid) as exc:
            await P.join_by_invitation(s, inv, young, NOW)
        assert exc.value.code == "invite"
        young.status = "erased"
        with pytest.raises(Invalid) as exc:
            await P.join_by_invitation(s, inv2, young, NOW)
        assert exc.value.code == "erased"
        org_link = await invitations.create(s, kind="participant", unit=w.s1, now=NOW)
        with pytest.raises(Invalid) as exc:
            await P.join_by_invitation(s, org_link, teacher, NOW)
        assert exc.value.code == "invite"
        used_up = await P.create_invitation(s, other, NOW, None, max_uses=1)
        await P.join_by_invitation(s, used_up, teacher, NOW)
        with pytest.raises(Invalid) as exc:
            await P.join_by_invitation(s, used_up, young, NOW)
        assert exc.value.code == "invite"

        with pytest.raises(ValueError):
            await invitations.create(s, kind="programme", unit=w.s1, now=NOW)
        with pytest.raises(ValueError):
            await invitations.create(s, kind="programme", unit=w.s2, now=NOW, programme=prog)
        with pytest.raises(ValueError):
            await invitations.create(s, kind="participant", unit=w.m1, now=NOW)


async def test_preferences_rules(sessionmaker):
    async with sessionmaker() as s:
        w = await make_world(s)
        prog = await programme(s, w.s1, "teacher_student")
        other = await programme(s, w.s1, "teacher_student", title="Другая")
        teachers = [await person(s, w.s1, f"Учитель {i}", "mentor", "teacher") for i in range(1, 6)]
        pupil = await person(s, w.s1, "Ученик", "mentee", "school_student")
        pupil2 = await person(s, w.s1, "Ученица", "mentee", "school_student")
        minor_teacher = await person(s, w.s1, "Учитель Ждёт", "mentor", "teacher", status="awaiting_consent")
        mentors = [(await P.add_member(s, prog, t, "mentor", NOW))[0] for t in teachers]
        waiting, _ = await P.add_member(s, prog, minor_teacher, "mentor", NOW)
        me, _ = await P.add_member(s, prog, pupil, "mentee", NOW)
        peer, _ = await P.add_member(s, prog, pupil2, "mentee", NOW)
        elsewhere, _ = await P.add_member(s, other, teachers[0], "mentor", NOW)

        offered, total = await P.choosable(s, me)
        assert total == 5 and [m.id for m, _ in offered] == [m.id for m in mentors]  # not the one awaiting
        page, total = await P.choosable(s, me, page=1, page_size=3)
        assert total == 5 and len(page) == 2

        wished = [mentors[2].id, mentors[0].id, mentors[4].id]
        await P.set_preferences(s, me, wished, NOW)
        assert [(r, m.id) for r, m, _ in await P.preferences_of(s, me)] == [(1, wished[0]), (2, wished[1]),
                                                                          (3, wished[2])]
        for targets, code in (
            ([m.id for m in mentors[:4]], "too-many"),
            ([mentors[0].id, mentors[0].id], "duplicate"),
            ([peer.id], "target"),  # the same side
            ([elsewhere.id], "target"),  # another programme
            ([waiting.id], "target"),  # parental consent not confirmed
            ([987654], "target"),
        ):
            with pytest.raises(Invalid) as exc:
                await P.set_preferences(s, me, targets, NOW)
            assert exc.value.code == code, targets
        assert len(await P.preferences_of(s, me)) == 3  # refusals changed nothing

        await P.set_preferences(s, me, [mentors[1].id], NOW)  # replaces
        assert [m.id for _, m, _ in await P.preferences_of(s, me)] == [mentors[1].id]
        await P.set_preferences(s, peer, [mentors[1].id, mentors[3].id], NOW)
        await P.set_preferences(s, mentors[1], [me.id], NOW)  # mentors name mentees too
        assert await P.preference_counts(s, prog) == {"mentor": 1, "mentee": 2}
        listed, total = await P.members_with_preferences(s, prog)
        assert total == 3
        assert [(p.full_name, [x.full_name for x in wished_people]) for _, p, wished_people in listed] == [
            ("Ученик", ["Учитель 2"]), ("Ученица", ["Учитель 2", "Учитель 4"]), ("Учитель 2", ["Ученик"])]

        # someone named leaves: hidden from the wishes, no longer nameable
        await P.remove_member(s, mentors[1], NOW)
        assert await P.preferences_of(s, me) == []
        assert [m.id for _, m, _ in await P.preferences_of(s, peer)] == [mentors[3].id]
        with pytest.raises(Invalid) as exc:
            await P.set_preferences(s, me, [mentors[1].id], NOW)
        assert exc.value.code == "target"
        # a member who left (or was erased) names nobody
        await P.remove_member(s, me, NOW)
        with pytest.raises(Invalid) as exc:
            await P.set_preferences(s, me, [mentors[0].id], NOW)
        assert exc.value.code == "not-member"
        pupil2.status = "erased"
        await s.flush()
        with pytest.raises(Invalid) as exc:
            await P.set_preferences(s, peer, [], NOW)
        assert exc.value.code == "not-member"
        await P.set_preferences(s, mentors[0], [], NOW)  # an empty list withdraws one's wishes
        await s.commit()
        assert await s.scalar(select(func.count()).select_from(Preference)) == 4
