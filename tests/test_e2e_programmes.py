"""Mentoring programmes through the running bot and the Bot API stand-in: a curator creates a
programme, fills it from the base and through a programme link; participants name whom they
would like to work with; forged and stale buttons are refused and change nothing.

Texts are compared with the translator's output; the database is checked through the test's
own sessionmaker. Participants are seeded directly in the database.
"""
from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from bot.i18n import Translator
from db.models import AuditEvent, Invitation, Participant, Preference, Programme, ProgrammeMember, Unit, User
from domain import invitations
from domain import programmes as P
from domain.units import create_unit
from handlers.callbacks import PairsCb, ProgrammeCb, ProgrammesCb
from handlers.programmes import PgAdd, PgBase, PgLink, PgMembers, PgNew, PgPrefs, PgRemove, PgStep, PrCb
from tests.test_e2e_curator import seed_curator, seed_tree, settle

T = Translator()
ru = T.bind("ru")
en = T.bind("en")
LINK_RE = re.compile(r"https://t\.me/\w+\?start=(?P<payload>g_[A-Za-z0-9_-]{32})")


# ---------------------------------------------------------------------------------------------
# seeding and helpers
# ---------------------------------------------------------------------------------------------
async def seed(sessionmaker, clock, org: Unit, name: str, role: str, category: str, *, tg_id: int | None = None,
               status: str = "active", interests: tuple[str, ...] = ("music",), fmt: str = "offline",
               grade: int | None = None, birth_year: int | None = None) -> int:
    async with sessionmaker() as s:
        user_id = None
        if tg_id is not None:
            user = User(tg_id=tg_id, locale="ru", full_name=name, created_at=clock())
            s.add(user)
            await s.flush()
            user_id = user.id
        student = category == "school_student"
        p = Participant(org_id=org.id, user_id=user_id, role=role, category=category,
                        grade=grade or (7 if student else None), birth_year=birth_year or (2013 if student else 1980),
                        company="ООО Вектор" if category == "employer_rep" else None,
                        capacity=2 if role == "mentor" else None, full_name=name, status=status,
                        interests=list(interests), format=fmt, registered_at=clock(), updated_at=clock())
        s.add(p)
        await s.commit()
        return p.id


async def make_programme(sessionmaker, clock, unit: Unit, form_code: str = "teacher_student",
                         title: str = "Программа") -> int:
    async with sessionmaker() as s:
        prog = await P.create_programme(
            s, unit=await s.get(Unit, unit.id), form_code=form_code, role_models=[P.form(form_code).role_models[0]],
            title=title, starts_on="01.12.2026", ends_on="31.05.2027", interval_days=14, group_mode=False,
            today=clock().date(), now=clock())
        await s.commit()
        return prog.id


async def add(sessionmaker, clock, pid: int, participant_id: int, side: str) -> int:
    async with sessionmaker() as s:
        member, _ = await P.add_member(s, await s.get(Programme, pid), await s.get(Participant, participant_id),
                                       side, clock())
        await s.commit()
        return member.id


async def snapshot(sessionmaker) -> dict[str, object]:
    """Everything a refused action must leave as it was."""
    async with sessionmaker() as s:
        return {
            "programmes": [(p.id, p.title, p.status) for p in (await s.scalars(select(Programme).order_by(Programme.id)))],
            "members": [(m.id, m.side, m.left_at) for m in
                        (await s.scalars(select(ProgrammeMember).order_by(ProgrammeMember.id)))],
            "prefs": [(p.from_member_id, p.to_member_id, p.rank) for p in
                      (await s.scalars(select(Preference).order_by(Preference.id)))],
            "invitations": [(i.id, i.uses, i.revoked_at) for i in
                            (await s.scalars(select(Invitation).order_by(Invitation.id)))],
            "audit": await s.scalar(select(func.count()).select_from(AuditEvent)),
        }


def texts(message) -> list[str]:
    return [b.text for b in message.buttons]


async def alert(user) -> str:
    answer = await user.wait_callback_answer()
    assert answer.get("show_alert"), answer
    return answer["text"]


async def open_programmes(user, t, unit_button: str | None = None):
    """/curator → (a unit) → its programmes."""
    await user.send("/curator")
    view = await user.wait_message()
    if unit_button is not None:
        await user.press(view, unit_button)
        view = await user.wait_message()
    await user.press(view, t("prog-btn-programmes"))
    return await user.wait_message()


# ---------------------------------------------------------------------------------------------
# a school: create, fill from the base and by link, wishes
# ---------------------------------------------------------------------------------------------
async def test_school_programme_from_creation_to_wishes(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    teachers = [await seed(sessionmaker, clock, tree.s1, f"Учитель {c}", "mentor", "teacher",
                           interests=("music", "sport") if c == "В" else ("art",), fmt="online")
                for c in "АБВГ"]
    waiting = await seed(sessionmaker, clock, tree.s1, "Ученик Ждущий", "mentee", "school_student",
                         status="awaiting_consent")
    await seed(sessionmaker, clock, tree.s1, "Ученик Стёртый", "mentee", "school_student", status="erased")
    await seed(sessionmaker, clock, tree.s2, "Учитель Чужой", "mentor", "teacher")
    mentee = await seed(sessionmaker, clock, tree.s1, "Ученица Мария", "mentee", "school_student", tg_id=6150,
                        interests=("music", "s:math"))
    await seed(sessionmaker, clock, tree.s2, "Ученик Соседний", "mentee", "school_student", tg_id=6160)
    await seed(sessionmaker, clock, tree.s1, "Молодой Педагог", "mentee", "young_specialist", tg_id=6170,
               birth_year=2001)
    await seed_curator(sessionmaker, clock, 6101, tree.s1)
    curator = tg.user(6101, language_code="ru")
    before = await snapshot(sessionmaker)

    listing = await open_programmes(curator, t)
    assert listing.text == "\n".join([t("prog-list-title", name="Школа № 1"), t("prog-list-empty")])

    # ---- the dialog ---------------------------------------------------------------------------
    await curator.press(listing, t("prog-btn-new"))
    ask = await curator.wait_message()
    assert ask.message_id == listing.message_id  # the menu turns into the first question
    assert ask.text.startswith(t("prog-new-ask-form", unit=t("cur-title-organisation", type=t("cur-orgtype-school"),
                                                                name="Школа № 1")))
    assert [t(f"form-{code}") for code in P.forms()] == texts(ask)[:-1]
    await curator.press(ask, t("form-teacher_student"))
    ask = await curator.wait_message()
    assert ask.text == t("prog-new-ask-role-models", form=t("form-teacher_student"))
    await curator.press(ask, t("prog-btn-done", n=0))
    assert await alert(curator) == t("prog-invalid-role-models-empty")
    await curator.press(ask, t("role-model-teacher_gifted"))
    ask = await curator.wait_message()
    await curator.press(ask, t("role-model-teacher_underachiever"))
    ask = await curator.wait_message()
    assert "✅ " + t("role-model-teacher_gifted") in texts(ask)
    await curator.press(ask, t("prog-btn-done", n=2))
    ask = await curator.wait_message()
    assert ask.text == t("prog-new-ask-title", min=3, max=200)
    await curator.send("ab")
    assert (await curator.wait_message()).text == t("prog-invalid-title-short", min=3)
    await curator.send("Я" * 201)
    assert (await curator.wait_message()).text == t("prog-invalid-title-long", max=200)
    await curator.send("  Учитель рядом  ")
    assert (await curator.wait_message()).text == t("prog-new-ask-start", example="30.11.2026")
    for bad, key in (("завтрашний", "prog-invalid-date-format"), ("31.02.2027", "prog-invalid-date-format")):
        await curator.send(bad)
        assert (await curator.wait_message()).text == t(key)
    await curator.send("31.08.2026")  # before the current school year
    assert (await curator.wait_message()).text == t("prog-invalid-start-past", earliest="01.09.2026", days=30)
    await curator.send("01.12.2026")
    assert (await curator.wait_message()).text == t("prog-new-ask-end", example="01.12.2027")
    await curator.send("30.11.2026")
    assert (await curator.wait_message()).text == t("prog-invalid-end-before-start")
    await curator.send("2027-05-31")
    first_interval = await curator.wait_message()
    assert first_interval.text == t("prog-new-ask-interval")
    await curator.send("раз в две недели")  # text where buttons are expected: asked again
    assert (await curator.wait_message()).text == t("prog-use-buttons")
    interval = await curator.wait_message()
    assert interval.text == t("prog-new-ask-interval") and interval.message_id != first_interval.message_id
    retired = await curator.wait_message()  # the older copy loses its buttons; a press on it is out of date
    assert retired.message_id == first_interval.message_id and retired.buttons == []
    await curator.press_data(first_interval, PgStep(a="i", v="14").pack())
    assert await alert(curator) == t("dialog-question-stale")
    await curator.press_data(interval, PgStep(a="i", v="10").pack())  # forged: refused
    assert await alert(curator) == t("prog-bad-button")
    await curator.press(interval, t("prog-interval-14"))
    mode = await curator.wait_message()
    assert mode.text == t("prog-new-ask-mode")
    await curator.press(mode, t("prog-btn-mode-one"))
    summary = await curator.wait_message()
    assert t("prog-field-dates", start="01.12.2026", end="31.05.2027") in summary.text
    assert t("prog-field-role-models", models=t("role-model-teacher_underachiever") + "; " +
             t("role-model-teacher_gifted")) in summary.text
    await settle(curator)
    assert await snapshot(sessionmaker) == before  # nothing is saved before the confirmation
    await curator.press(summary, t("prog-btn-create"))
    view = await curator.wait_message()
    assert view.text.startswith(t("prog-created") + "\n\n" + t("prog-view-title", title="Учитель рядом"))
    assert t("prog-warn-no-mentors") in view.text and t("prog-warn-no-mentees") in view.text
    assert t("prog-btn-pairs") in texts(view)
    await settle(curator)
    async with sessionmaker() as s:
        prog = (await s.scalars(select(Programme))).one()
        assert (prog.unit_id, prog.form, prog.title, prog.starts_on, prog.ends_on, prog.meeting_interval_days,
                prog.group_mode) == (tree.s1.id, "teacher_student", "Учитель рядом", date(2026, 12, 1),
                                     date(2027, 5, 31), 14, False)
        assert prog.role_models == ["teacher_underachiever", "teacher_gifted"]
        event = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "programme.created"))).one()
        assert event.object_id == prog.id
    pid = prog.id
    assert view.button(t("prog-btn-pairs")).value == PairsCb(pid=pid).pack()
    await curator.press_data(view, PgStep(a="ok").pack())  # the dialog is over: nothing is created twice
    assert await alert(curator) == t("prog-stale")

    # ---- add from the base ----------------------------------------------------------------------
    await curator.press(view, t("prog-btn-add"))
    base = await curator.wait_message()
    assert t("prog-base-found", n=4) in base.text and "Чужой" not in base.text
    for name in ("Учитель А", "Учитель Б", "Учитель В"):
        await curator.press(base, name)
        base = await curator.wait_message()
        assert base.text.startswith(t("prog-added", name=name, side=t("prog-side-one-mentor")))
    assert t("prog-base-found", n=1) in base.text
    await curator.press(base, t("prog-side-mentee"))
    base = await curator.wait_message()
    assert t("prog-base-found", n=2) in base.text and "Стёртый" not in base.text and "Педагог" not in base.text
    assert t("prog-base-awaiting-hint") in base.text
    await curator.press(base, "Ученик Ждущий")
    base = await curator.wait_message()
    await curator.press_data(base, PgAdd(pid=pid, id=waiting, s="e").pack())  # again: already there
    assert await alert(curator) == t("prog-add-already", name="Ученик Ждущий")
    await curator.press_data(base, PgAdd(pid=pid, id=teachers[3], s="e").pack())  # a teacher is no mentee here
    assert await alert(curator) == t("prog-invalid-category")
    await curator.wait_message()  # the list is shown again after "already there"
    await curator.press(base, "Учитель рядом")
    view = await curator.wait_message()
    assert t("prog-counts", mentors=3, mentees=1) in view.text
    assert t("prog-counts-awaiting", mentors=0, mentees=1) in view.text
    assert t("prog-warn-no-mentees") not in view.text

    # ---- the programme link -----------------------------------------------------------------
    await curator.press(view, t("prog-btn-link"))
    page = await curator.wait_message()
    assert t("prog-link-none") in page.text
    await curator.press(page, t("prog-btn-link-new"))
    page = await curator.wait_message()
    assert page.text.startswith(t("prog-link-created")) and t("prog-btn-link-revoke", n=1) in texts(page)
    payload = LINK_RE.search(page.text)["payload"]
    await settle(curator)
    async with sessionmaker() as s:
        inv = (await s.scalars(select(Invitation).where(Invitation.kind == "programme"))).one()
        assert (inv.programme_id, inv.unit_id, invitations.payload_of(inv)) == (pid, tree.s1.id, payload)

    pupil = tg.user(6150, language_code="ru")
    await pupil.send(f"/start {payload}")
    joined = await pupil.wait_message()
    assert joined.text == t("prog-join-done", title="Учитель рядом", side=t("prog-side-one-mentee"),
                            form=t("form-teacher_student"))
    await pupil.send(f"/start {payload}")
    assert (await pupil.wait_message()).text == t("prog-join-already", title="Учитель рядом",
                                                  side=t("prog-side-one-mentee"), form=t("form-teacher_student"))
    for tg_id, key in ((6160, "prog-join-outside"), (6170, "prog-join-category"), (6199, "prog-join-not-registered")):
        someone = tg.user(tg_id, language_code="ru")
        await someone.send(f"/start {payload}")
        expected = t(key, title="Учитель рядом", form=t("form-teacher_student"), side=t("prog-side-one-mentee"))
        assert (await someone.wait_message()).text == expected, tg_id
    await curator.press(page, t("prog-btn-link-revoke", n=1))
    ask = await curator.wait_message()
    assert ask.text == t("prog-link-revoke-ask", title="Учитель рядом")
    await curator.press(ask, t("cur-btn-revoke-yes"))
    page = await curator.wait_message()
    assert page.text.startswith(t("prog-link-revoked")) and t("prog-link-none") in page.text
    await curator.press_data(page, PgLink(pid=pid, a="y", i=inv.id).pack())
    assert await alert(curator) == t("prog-link-revoke-already")
    assert (await curator.wait_message()).text.startswith(t("prog-link-revoke-already"))
    late = tg.user(6198, language_code="ru")
    await late.send(f"/start {payload}")
    assert (await late.wait_message()).text == t("invite-revoked")
    await settle(pupil)
    async with sessionmaker() as s:
        inv = await s.get(Invitation, inv.id)
        assert inv.uses == 1 and inv.revoked_at == clock()
        member = await s.scalar(select(ProgrammeMember).where(ProgrammeMember.participant_id == mentee))
        assert (member.programme_id, member.side, member.left_at) == (pid, "mentee", None)

    # ---- the mentee names three mentors in order -----------------------------------------------
    await pupil.press(joined, t("prog-btn-open", title="Учитель рядом"))
    card = await pupil.wait_message()
    assert t("prog-card-no-choices") in card.text and t("prog-card-side", side=t("prog-side-one-mentee")) in card.text
    await pupil.press(card, t("prog-btn-choose"))
    pick = await pupil.wait_message()
    assert pick.text.startswith(t("prog-pick-title-mentor", max=3))
    shared = t("prog-pick-line", n=3, name="Учитель В", details=", ".join([t("cur-cat-teacher")]) + "; " +
               t("prog-pick-shared", list=ru("catalog-interests-music")) + "; " +
               t("prog-pick-format", format=t("cat-format-online").lower()))
    assert shared in pick.text
    assert t("prog-pick-no-shared") in pick.text
    for name in ("Учитель В", "Учитель А", "Учитель Б"):
        await pupil.press(pick, name)
        pick = await pupil.wait_message()
    assert t("prog-btn-picked", rank=1, name="Учитель В") in texts(pick)
    assert t("prog-btn-picked", rank=3, name="Учитель Б") in texts(pick)
    await pupil.press(pick, t("prog-btn-review", n=3, max=3))
    review = await pupil.wait_message()
    lines = review.text.splitlines()
    assert lines[0] == t("prog-review-title")
    assert [line.split(" — ")[0] for line in lines[1:]] == ["1. Учитель В", "2. Учитель А", "3. Учитель Б"]
    await pupil.press(review, t("prog-btn-save"))
    card = await pupil.wait_message()
    assert card.text.startswith(t("prog-saved"))
    assert "\n".join([t("prog-card-choices"), "1. Учитель В", "2. Учитель А", "3. Учитель Б"]) in card.text
    await pupil.press_data(card, PrCb(pid=pid, a="k").pack())  # the dialog is over
    assert await alert(pupil) == t("prog-stale")
    await settle(pupil)
    async with sessionmaker() as s:
        prefs = (await s.execute(
            select(Preference.rank, Participant.full_name)
            .join(ProgrammeMember, ProgrammeMember.id == Preference.to_member_id)
            .join(Participant, Participant.id == ProgrammeMember.participant_id).order_by(Preference.rank))).all()
        assert [tuple(r) for r in prefs] == [(1, "Учитель В"), (2, "Учитель А"), (3, "Учитель Б")]

    # /programmes lists it; the choices are shown again and the limit holds
    await pupil.send("/programmes")
    mine = await pupil.wait_message()
    assert mine.text == t("prog-my-title") and texts(mine) == [t("prog-btn-open", title="Учитель рядом")]
    await pupil.press(mine, t("prog-btn-open", title="Учитель рядом"))
    card = await pupil.wait_message()
    await pupil.press(card, t("prog-btn-choose"))
    pick = await pupil.wait_message()
    assert t("prog-pick-selected", n=3, max=3) in pick.text
    await curator.press_data(base, PgAdd(pid=pid, id=teachers[3], s="m").pack())
    await curator.wait_message()
    await pupil.send("ок")  # text while choosing: the list again, now with the fourth teacher
    assert (await pupil.wait_message()).text == t("prog-use-buttons")
    pick = await pupil.wait_message()
    await pupil.press(pick, "Учитель Г")
    assert await alert(pupil) == t("prog-pick-full", max=3)

    # the curator sees that one person has named wishes
    await curator.press(base, "Учитель рядом")
    view = await curator.wait_message()
    assert t("prog-btn-prefs", n=1) in texts(view)
    await curator.press(view, t("prog-btn-prefs", n=1))
    prefs_page = await curator.wait_message()
    assert t("prog-prefs-counts", mentees=1, mentees_total=2, mentors=0, mentors_total=4) in prefs_page.text
    assert t("prog-prefs-line", n=1, name="Ученица Мария", side=t("prog-side-one-mentee"),
             choices="1. Учитель В, 2. Учитель А, 3. Учитель Б") in prefs_page.text


# ---------------------------------------------------------------------------------------------
# a municipality: an employer programme across its schools
# ---------------------------------------------------------------------------------------------
async def test_municipal_employer_programme_spans_schools(app, tg, sessionmaker, clock):
    t = en
    tree = await seed_tree(sessionmaker)
    async with sessionmaker() as s:
        employer = await create_unit(s, "organisation", "Завод", await s.get(Unit, tree.m1.id), org_type="employer")
        await s.commit()
    rep = await seed(sessionmaker, clock, employer, "Инженер Петров", "mentor", "employer_rep")
    a = await seed(sessionmaker, clock, tree.s1, "Ученик Первый", "mentee", "school_student")
    b = await seed(sessionmaker, clock, tree.s2, "Ученик Второй", "mentee", "school_student")
    await seed(sessionmaker, clock, tree.s3, "Ученик Касимовский", "mentee", "school_student")
    await seed(sessionmaker, clock, tree.s1, "Учитель Школьный", "mentor", "teacher")
    await seed_curator(sessionmaker, clock, 6201, tree.m1, locale="en")
    curator = tg.user(6201, language_code="en")

    listing = await open_programmes(curator, t)
    assert listing.text.startswith(t("prog-list-title", name="г. Рязань"))
    await curator.press(listing, t("prog-btn-new"))
    ask = await curator.wait_message()
    assert ask.text.startswith(t("prog-new-ask-form-wide", unit=t("cur-title-municipality", name="г. Рязань")))
    assert texts(ask) == [t("form-college_school"), t("form-employer_student"), t("form-employer_collegian"),
                          t("cur-btn-cancel")]
    await curator.press_data(ask, PgStep(a="f", v="teacher_student").pack())  # a school-only form, forged
    assert await alert(curator) == t("prog-bad-button")
    await curator.press(ask, t("form-employer_student"))
    ask = await curator.wait_message()
    await curator.press(ask, t("role-model-colleague_future_colleague"))
    ask = await curator.wait_message()
    await curator.press(ask, t("prog-btn-done", n=1))
    await curator.wait_message()
    await curator.send("Profession navigator")
    await curator.wait_message()
    await curator.send("1.12.2026")
    await curator.wait_message()
    await curator.send("30.06.2027")
    ask = await curator.wait_message()
    await curator.press(ask, t("prog-interval-30"))
    ask = await curator.wait_message()
    await curator.press(ask, t("prog-btn-mode-group"))
    summary = await curator.wait_message()
    assert t("prog-field-mode", mode=t("prog-mode-group")) in summary.text
    assert t("prog-field-dates", start="1 Dec 2026", end="30 Jun 2027") in summary.text
    await curator.press(summary, t("prog-btn-create"))
    view = await curator.wait_message()
    assert t("prog-field-unit", unit=t("cur-title-municipality", name="г. Рязань")) in view.text

    await curator.press(view, t("prog-btn-add"))
    base = await curator.wait_message()
    assert t("prog-base-found", n=1) in base.text and "Инженер Петров" in base.text
    await curator.press(base, "Инженер Петров")
    base = await curator.wait_message()
    await curator.press(base, t("prog-side-mentee"))
    base = await curator.wait_message()
    assert t("prog-base-found", n=2) in base.text and "Касимовский" not in base.text
    for name in ("Ученик Первый", "Ученик Второй"):
        await curator.press(base, name)
        base = await curator.wait_message()
    await settle(curator)
    async with sessionmaker() as s:
        prog = (await s.scalars(select(Programme))).one()
        assert (prog.unit_id, prog.form, prog.group_mode, prog.meeting_interval_days) == \
            (tree.m1.id, "employer_student", True, 30)
        members = {(m.participant_id, m.side) for m in (await s.scalars(select(ProgrammeMember)))}
        assert members == {(rep, "mentor"), (a, "mentee"), (b, "mentee")}

    # the school's own curator sees the school's programmes only, not the municipal one
    await seed_curator(sessionmaker, clock, 6202, tree.s1, locale="en")
    school = tg.user(6202, language_code="en")
    listing = await open_programmes(school, t)
    assert t("prog-list-empty") in listing.text
    await school.press_data(listing, ProgrammeCb(pid=prog.id).pack())
    assert await alert(school) == t("cur-not-found")


# ---------------------------------------------------------------------------------------------
# forged, stale, and someone else's buttons
# ---------------------------------------------------------------------------------------------
async def test_forged_callbacks_for_another_programme_change_nothing(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    mine = await make_programme(sessionmaker, clock, tree.s1, title="Наша")
    theirs = await make_programme(sessionmaker, clock, tree.s3, title="Чужая")
    teacher = await seed(sessionmaker, clock, tree.s1, "Учитель Наш", "mentor", "teacher")
    pupil = await seed(sessionmaker, clock, tree.s1, "Ученик Наш", "mentee", "school_student", tg_id=6350)
    outsider_t = await seed(sessionmaker, clock, tree.s3, "Учитель Чужой", "mentor", "teacher")
    outsider_p = await seed(sessionmaker, clock, tree.s3, "Ученик Чужой", "mentee", "school_student", tg_id=6351)
    t_member = await add(sessionmaker, clock, mine, teacher, "mentor")
    await add(sessionmaker, clock, mine, pupil, "mentee")
    their_t = await add(sessionmaker, clock, theirs, outsider_t, "mentor")
    await add(sessionmaker, clock, theirs, outsider_p, "mentee")
    async with sessionmaker() as s:
        their_link = await P.create_invitation(s, await s.get(Programme, theirs), clock(), None)
        await s.commit()
    await seed_curator(sessionmaker, clock, 6301, tree.s1)
    curator = tg.user(6301, language_code="ru")
    listing = await open_programmes(curator, t)
    await curator.press(listing, "Наша")
    view = await curator.wait_message()

    await settle(curator)
    before = await snapshot(sessionmaker)
    forged = [
        ProgrammesCb(uid=tree.s3.id), ProgrammesCb(uid=tree.m1.id), ProgrammeCb(pid=theirs), ProgrammeCb(pid=987654),
        PgMembers(pid=theirs), PgMembers(pid=mine, s="z"), PgBase(pid=theirs), PgBase(pid=mine, s="z"),
        PgAdd(pid=theirs, id=outsider_t, s="m"), PgAdd(pid=mine, id=outsider_t, s="m"),
        PgAdd(pid=mine, id=teacher, s="x"), PgRemove(pid=theirs, m=their_t, ok=1), PgRemove(pid=mine, m=their_t, ok=1),
        PgLink(pid=theirs, a="n"), PgLink(pid=mine, a="y", i=their_link.id), PgLink(pid=theirs, a="y", i=their_link.id),
        PgLink(pid=mine, a="q"), PgPrefs(pid=theirs), PgNew(u=tree.s3.id), PgNew(u=tree.r.id),
    ]
    for data in forged:
        await curator.press_data(view, data.pack())
        assert await alert(curator) == t("cur-not-found"), data
    await curator.press_data(view, PgStep(a="ok").pack())  # no dialog is open
    assert await alert(curator) == t("prog-stale")
    await curator.expect_no_message(0.2)
    await settle(curator)
    assert await snapshot(sessionmaker) == before

    # removing asks first, then the member leaves; the person sees it at once
    await curator.press(view, t("prog-btn-members", n=2))
    members = await curator.wait_message()
    assert t("prog-member-line", n=1, name="Учитель Наш", details=t("cur-cat-teacher")) in members.text
    await curator.press(members, t("prog-btn-remove", n=1))
    ask = await curator.wait_message()
    assert ask.text == t("prog-remove-ask", title="Наша", name="Учитель Наш")
    await curator.press(ask, t("prog-btn-remove-yes"))
    members = await curator.wait_message()
    assert members.text.startswith(t("prog-removed", name="Учитель Наш"))
    assert t("prog-members-empty-mentor") in members.text
    await curator.press_data(members, PgRemove(pid=mine, m=t_member, ok=1).pack())
    assert await alert(curator) == t("prog-remove-already", name="Учитель Наш")

    # a participant: programmes they are not in, members of other programmes, stale lists
    person = tg.user(6350, language_code="ru")
    await person.send("/programmes")
    older = await person.wait_message()
    await person.send("/programmes")
    lst = await person.wait_message()
    assert texts(lst) == [t("prog-btn-open", title="Наша")]
    await person.press(lst, t("prog-btn-open", title="Наша"))
    card = await person.wait_message()
    await person.press(card, t("prog-btn-choose"))
    empty = await person.wait_message()
    assert empty.text == t("prog-pick-empty-mentor")  # the only mentor was removed
    await add(sessionmaker, clock, mine, teacher, "mentor")  # back again
    await person.press(empty, t("prog-btn-back"))
    card = await person.wait_message()
    await person.press(card, t("prog-btn-choose"))
    pick = await person.wait_message()
    await settle(person)
    before = await snapshot(sessionmaker)
    for data, key in ((PrCb(pid=theirs, a="o"), "prog-invalid-not-member"),
                      (PrCb(pid=theirs, a="s"), "prog-invalid-not-member"),
                      (PrCb(pid=theirs, a="k"), "prog-invalid-not-member"),
                      (PrCb(pid=mine, a="t", v=their_t), "prog-bad-button"),
                      (PrCb(pid=mine, a="zz"), "prog-bad-button"),
                      (PrCb(pid=mine, a="t", v=t_member), None)):
        await person.press_data(pick, data.pack())
        if key is None:  # a mentor of this programme: chosen
            await person.wait_message()
            continue
        assert await alert(person) == t(key), data
    assert pick.message_id == card.message_id == lst.message_id  # one message, edited in place
    await person.press_data(older, PrCb(pid=mine, a="k").pack())  # another message: out of date
    assert await alert(person) == t("prog-stale")
    await settle(person)
    assert await snapshot(sessionmaker) == before

    # the pupil is removed while choosing: the next press is refused, nothing saved
    async with sessionmaker() as s:
        member = await s.scalar(select(ProgrammeMember).where(ProgrammeMember.participant_id == pupil))
        await P.remove_member(s, member, clock())
        await s.commit()
    await person.press(pick, t("prog-btn-review", n=1, max=3))
    assert await alert(person) == t("prog-invalid-not-member")
    await settle(person)
    assert await snapshot(sessionmaker) != before  # only the removal itself
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Preference)) == 0


async def test_participants_and_strangers_pressing_curator_buttons(app, tg, sessionmaker, clock):
    tree = await seed_tree(sessionmaker)
    pid = await make_programme(sessionmaker, clock, tree.s1)
    pupil = await seed(sessionmaker, clock, tree.s1, "Ученик Обычный", "mentee", "school_student", tg_id=6450)
    await add(sessionmaker, clock, pid, pupil, "mentee")
    for i in range(1, 7):
        teacher = await seed(sessionmaker, clock, tree.s1, f"Учитель {i}", "mentor", "teacher")
        await add(sessionmaker, clock, pid, teacher, "mentor")
    before = await snapshot(sessionmaker)
    for tg_id, lang in ((6450, "ru"), (6451, "en")):
        t = T.bind(lang)
        someone = tg.user(tg_id, language_code=lang)
        await someone.send("/programmes")
        msg = await someone.wait_message()
        if tg_id == 6450:
            assert texts(msg) == [t("prog-btn-open", title="Программа")]
            await someone.press(msg, t("prog-btn-open", title="Программа"))
            card = await someone.wait_message()
            assert t("prog-card-no-choices") in card.text
            assert t("prog-warn-no-mentors") not in card.text  # curator-only lines are not shown
        else:
            assert msg.text == t("prog-my-not-participant")
        for data in (ProgrammesCb(uid=tree.s1.id), ProgrammeCb(pid=pid), PgNew(u=tree.s1.id),
                     PgAdd(pid=pid, id=pupil, s="e"), PgRemove(pid=pid, m=1, ok=1), PgLink(pid=pid, a="n"),
                     PgStep(a="f", v="teacher_student")):
            await someone.press_data(msg, data.pack())
            assert (await someone.wait_callback_answer())["text"] == t("cur-only-curators"), data
        await someone.expect_no_message(0.2)
    await settle(someone)
    assert await snapshot(sessionmaker) == before

    # choosing over two pages, clearing, changing one's mind, withdrawing
    t = ru
    person = tg.user(6450, language_code="ru")
    await person.press(card, t("prog-btn-choose"))
    pick = await person.wait_message()
    assert "Учитель 5" in pick.text and "Учитель 6" not in pick.text
    assert t("cur-page", page=1, pages=2) in texts(pick)
    await person.press(pick, "Учитель 2")
    pick = await person.wait_message()
    await person.press(pick, t("cur-btn-next"))
    pick = await person.wait_message()
    assert "6. Учитель 6" in pick.text and "Учитель 5" not in pick.text
    await person.press(pick, "Учитель 6")
    pick = await person.wait_message()
    await person.press(pick, t("prog-btn-review", n=2, max=3))
    review = await person.wait_message()
    assert [line.split(" — ")[0] for line in review.text.splitlines()[1:]] == ["1. Учитель 2", "2. Учитель 6"]
    await person.press(review, t("prog-btn-change"))
    pick = await person.wait_message()
    assert t("prog-btn-picked", rank=2, name="Учитель 6") in texts(pick)  # back on the page it was on
    await person.press(pick, t("prog-btn-clear"))
    pick = await person.wait_message()
    assert t("prog-pick-selected", n=0, max=3) in pick.text
    await person.press(pick, t("prog-btn-review", n=0, max=3))
    review = await person.wait_message()
    assert review.text == t("prog-review-empty")
    await person.press(review, t("prog-btn-save"))
    card = await person.wait_message()
    assert t("prog-card-no-choices") in card.text
    await settle(person)
    assert await snapshot(sessionmaker) == {**before, "audit": before["audit"] + 1}  # "preferences saved"

    # a curator who is not a participant has no programmes of their own
    await seed_curator(sessionmaker, clock, 6452, tree.s1)
    before = await snapshot(sessionmaker)
    curator = tg.user(6452, language_code="ru")
    await curator.send("/programmes")
    assert (await curator.wait_message()).text == ru("prog-my-not-participant")
    # the cancel button and /cancel leave nothing behind
    listing = await open_programmes(curator, ru)
    await curator.press(listing, ru("prog-btn-new"))
    ask = await curator.wait_message()
    await curator.press(ask, ru("cur-btn-cancel"))
    back = await curator.wait_message()
    assert back.text.startswith(ru("prog-new-cancelled"))
    await curator.send("Программа из ниоткуда")
    assert (await curator.wait_message()).text == ru("fallback-unknown")

    # another menu button abandons the dialog: a title typed later creates nothing
    async def to_title(message):
        await curator.press(message, ru("prog-btn-new"))
        await curator.press(await curator.wait_message(), ru("form-teacher_teacher"))
        await curator.press(await curator.wait_message(), ru("role-model-experienced_young"))
        await curator.press(await curator.wait_message(), ru("prog-btn-done", n=1))
        return await curator.wait_message()

    ask = await to_title(back)
    assert ask.text == ru("prog-new-ask-title", min=3, max=200)
    await curator.press_data(ask, ProgrammeCb(pid=pid).pack())  # e.g. a button of an older menu
    view = await curator.wait_message()
    await curator.send("Программа из ниоткуда")
    assert (await curator.wait_message()).text == ru("fallback-unknown")
    await settle(curator)
    assert await snapshot(sessionmaker) == before

    # a dialog left open for weeks: the start date has slipped into the past, asked again
    await curator.press(view, ru("prog-btn-back-list"))
    ask = await to_title(await curator.wait_message())
    await curator.send("Молодой педагог")
    await curator.wait_message()
    await curator.send("01.12.2026")
    await curator.wait_message()
    await curator.send("01.06.2027")
    await curator.press(await curator.wait_message(), ru("prog-interval-7"))
    await curator.press(await curator.wait_message(), ru("prog-btn-mode-one"))
    summary = await curator.wait_message()
    clock.advance(days=300)  # 19.09.2027: a new school year has begun (and 30 days back is 20.08.2027)
    await curator.press(summary, ru("prog-btn-create"))
    assert await alert(curator) == ru("prog-invalid-start-past", earliest="20.08.2027", days=30)
    again = await curator.wait_message()
    assert again.text == ru("prog-invalid-start-past", earliest="20.08.2027", days=30) + "\n\n" + \
        ru("prog-new-ask-start", example="26.09.2027")
    await curator.send("10.09.2027")
    await curator.wait_message()
    await curator.send("01.06.2028")
    await curator.press(await curator.wait_message(), ru("prog-interval-7"))
    await curator.press(await curator.wait_message(), ru("prog-btn-mode-one"))
    await curator.press(await curator.wait_message(), ru("prog-btn-create"))
    assert (await curator.wait_message()).text.startswith(ru("prog-created"))
    await settle(curator)
    async with sessionmaker() as s:
        created = await s.scalar(select(Programme).where(Programme.title == "Молодой педагог"))
        assert (created.form, created.starts_on, created.meeting_interval_days) == \
            ("teacher_teacher", date(2027, 9, 10), 7)
