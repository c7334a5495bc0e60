"""The curator's and administrator's menu, driven through the running bot and the Bot API stand-in.

Texts are compared with the translator's output (never hard-coded strings); the database is
checked through the test's own sessionmaker.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select

from bot.i18n import Translator
from db.models import AuditEvent, Consent, CuratorRole, Invitation, Participant, Unit, User
from domain import invitations
from domain.people import accept_curator
from domain.units import create_unit
from handlers.curator_views import CuAw, CuCf, CuCi, CuLk, CuMk, CuNav, CuNl, CuOt, CuPc, CuPl, CuRv
from tests.conftest import ADMIN_ID

T = Translator()
ru = T.bind("ru")
en = T.bind("en")
LINK_RE = re.compile(r"https://t\.me/(?P<bot>\w+)\?start=(?P<payload>[cp]_[A-Za-z0-9_-]{32})")


# ---------------------------------------------------------------------------------------------
# seeding
# ---------------------------------------------------------------------------------------------
@dataclass
class Tree:
    r: Unit
    m1: Unit
    m2: Unit
    s1: Unit
    s2: Unit
    s3: Unit


async def seed_tree(sessionmaker) -> Tree:
    """Region R: M1 with schools S1, S2; M2 with school S3."""
    async with sessionmaker() as s:
        r = await create_unit(s, "region", "Рязанская область", timezone="Europe/Moscow")
        m1 = await create_unit(s, "municipality", "г. Рязань", r)
        m2 = await create_unit(s, "municipality", "Касимов", r)
        s1 = await create_unit(s, "organisation", "Школа № 1", m1, org_type="school")
        s2 = await create_unit(s, "organisation", "Школа № 2", m1, org_type="school")
        s3 = await create_unit(s, "organisation", "Касимовская школа", m2, org_type="school")
        await s.commit()
        return Tree(r, m1, m2, s1, s2, s3)


async def seed_curator(sessionmaker, clock, tg_id: int, unit: Unit, locale: str = "ru",
                       name: str = "Куратор Тестовый") -> int:
    async with sessionmaker() as s:
        inv = await invitations.create(s, kind="curator", unit=unit, now=clock())
        await invitations.consume(s, inv, clock())  # accepted, as in the bot: no longer pending
        role = await accept_curator(s, tg_id=tg_id, locale=locale, full_name=name, invitation=inv, now=clock())
        await s.commit()
        return role.user_id


async def seed_people(sessionmaker, clock, org: Unit, specs: list[tuple],
                      with_users_from: int | None = None) -> list[int]:
    """specs: (name, role, status[, grade]); mentees are 7th-graders (or of the grade given) born 2013,
    mentors teachers born 1980."""
    ids = []
    async with sessionmaker() as s:
        for i, (name, role, status, *grade) in enumerate(specs):
            user_id = None
            if with_users_from is not None:
                user = User(tg_id=with_users_from + i, locale="ru", full_name=name, created_at=clock())
                s.add(user)
                await s.flush()
                user_id = user.id
            p = Participant(org_id=org.id, user_id=user_id, role=role,
                            category="school_student" if role == "mentee" else "teacher",
                            grade=(grade[0] if grade else 7) if role == "mentee" else None,
                            birth_year=2013 if role == "mentee" else 1980,
                            capacity=2 if role == "mentor" else None, full_name=name, status=status,
                            registered_at=clock(), updated_at=clock())
            s.add(p)
            await s.flush()
            ids.append(p.id)
        await s.commit()
    return ids


async def count(sessionmaker, model, *where) -> int:
    async with sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def snapshot(sessionmaker) -> dict[str, object]:
    """Everything a refused action must leave as it was."""
    async with sessionmaker() as s:
        return {
            "units": [(u.id, u.parent_id, u.name, u.path) for u in (await s.scalars(select(Unit).order_by(Unit.id)))],
            "invitations": [(i.id, i.uses, i.revoked_at) for i in
                            (await s.scalars(select(Invitation).order_by(Invitation.id)))],
            "participants": [(p.id, p.status, p.parental_consent_at) for p in
                             (await s.scalars(select(Participant).order_by(Participant.id)))],
            "consents": await s.scalar(select(func.count()).select_from(Consent)),
            "audit": await s.scalar(select(func.count()).select_from(AuditEvent)),
            "roles": [(r.id, r.revoked_at) for r in (await s.scalars(select(CuratorRole).order_by(CuratorRole.id)))],
        }


async def settle(user) -> None:
    """Wait until the bot has finished (and committed) everything this user sent before.

    Replies leave during a handler and the transaction commits after it; updates of one user
    are processed one at a time, so the answer to a harmless /help comes after that commit.
    """
    await user.send("/help")
    await user.wait_message(contains="/language")


def button_data(message, text: str) -> str:
    return message.button(text).value


def pline(t, n: int, name: str, role: str, status: str = "active") -> str:
    details = t("cur-cat-school_student") + ", " + t("cur-grade", grade=7) if role == "mentee" else t("cur-cat-teacher")
    return t("cur-pline", n=n, name=name, role=t(f"cur-role-{role}"), details=details,
             status=t(f"cur-status-{status}"))


# ---------------------------------------------------------------------------------------------
# the administrator builds the hierarchy in the bot
# ---------------------------------------------------------------------------------------------
async def test_admin_creates_region_municipality_school_and_gets_a_curator_link(app, tg, sessionmaker, clock):
    t = ru
    admin = tg.user(ADMIN_ID, language_code="ru")
    await admin.send("/admin")
    menu = await admin.wait_message()
    assert menu.text.startswith(t("adm-top-title")) and t("adm-no-regions") in menu.text

    await admin.press(menu, t("adm-btn-new-region"))
    assert (await admin.wait_message()).text == t("cur-ask-name-region")
    await admin.send("Рязанская область")
    region_view = await admin.wait_message()
    assert region_view.text.startswith(t("cur-created", name="Рязанская область"))
    assert t("cur-title-region", name="Рязанская область") in region_view.text
    assert t("cur-no-children-municipality") in region_view.text

    # a duplicate name (case and spacing ignored) is refused, the dialog goes on
    await admin.press(region_view, t("cur-btn-top"))
    top = await admin.wait_message()
    assert top.message_id == region_view.message_id  # the same menu, edited in place
    assert top.text.startswith(t("adm-top-title")) and t("cur-children-region", n=1) in top.text
    await admin.press(top, t("adm-btn-new-region"))
    await admin.wait_message()
    await admin.send("рязанская   ОБЛАСТЬ")
    assert (await admin.wait_message()).text == t("cur-invalid-unit-exists")
    await admin.send("x")
    assert (await admin.wait_message()).text == t("cur-invalid-unit-name-short")
    await admin.send("/cancel")
    assert (await admin.wait_message()).text == t("cancel-done")
    await admin.send("/admin")
    top = await admin.wait_message()
    await admin.press(top, "Рязанская область")
    region_view = await admin.wait_message()

    await admin.press(region_view, t("cur-btn-new-municipality"))
    assert (await admin.wait_message()).text == t("cur-ask-name-municipality", parent="Рязанская область")
    await admin.send("г. Рязань")
    muni_view = await admin.wait_message()
    assert t("cur-title-municipality", name="г. Рязань") in muni_view.text

    await admin.press(muni_view, t("cur-btn-new-organisation"))
    assert (await admin.wait_message()).text == t("cur-ask-name-organisation", parent="г. Рязань")
    await admin.send("Школа № 1")
    type_question = await admin.wait_message()
    assert type_question.text == t("cur-ask-org-type", name="Школа № 1", parent="г. Рязань")
    await admin.send("просто текст")
    assert (await admin.wait_message()).text == t("cur-org-type-expected")
    await admin.press(type_question, t("cur-orgtype-school"))
    org_view = await admin.wait_message()
    assert t("cur-title-organisation", type=t("cur-orgtype-school"), name="Школа № 1") in org_view.text
    assert t("cur-trail", trail="Рязанская область › г. Рязань") in org_view.text
    assert t("cur-counts", mentors=0, mentees=0, awaiting=0) in org_view.text

    await settle(admin)
    async with sessionmaker() as s:
        units = {u.kind: u for u in (await s.scalars(select(Unit))).all()}
        assert set(units) == {"region", "municipality", "organisation"}
        region, muni, school = units["region"], units["municipality"], units["organisation"]
        assert muni.parent_id == region.id and school.parent_id == muni.id
        assert school.path == f"{region.id}/{muni.id}/{school.id}/" and school.org_type == "school"
        admin_user = await s.scalar(select(User).where(User.tg_id == ADMIN_ID))
        created = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "unit.created"))).all()
        assert sorted(e.object_id for e in created) == sorted([region.id, muni.id, school.id])
        assert {e.actor_user_id for e in created} == {admin_user.id}

    # a curator link for the school: asked, then created and shown, plus a message to forward
    await admin.press(org_view, t("cur-btn-invite-curator"))
    ask = await admin.wait_message()
    assert ask.text == t("cur-curator-invite-ask", unit=t("cur-title-organisation", type=t("cur-orgtype-school"),
                                                           name="Школа № 1"), days=t("cur-days", n=30))
    await admin.press(ask, t("cur-btn-create-link"))
    shown = await admin.wait_message()
    forward = await admin.wait_message()
    until = t("cur-link-until", date="23.12.2026")  # 30 days from 23.11.2026, Moscow time
    assert until in shown.text and until in forward.text
    assert forward.message_id != shown.message_id and not forward.buttons
    link = LINK_RE.search(forward.text)
    assert link and link["bot"] == await app.bot_username() and LINK_RE.search(shown.text)[0] == link[0]
    await settle(admin)
    async with sessionmaker() as s:
        inv = (await s.scalars(select(Invitation))).one()
        assert (inv.kind, inv.unit_id, inv.max_uses, inv.uses) == ("curator", school.id, 1, 0)
        assert link["payload"] == invitations.payload_of(inv)
        assert inv.expires_at == clock() + timedelta(days=30)
        assert inv.created_by_user_id == admin_user.id
        audit = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.created"))).one()
        assert (audit.object_id, audit.details["unit_id"]) == (inv.id, school.id)


async def test_curator_accepts_in_the_bot_and_sees_only_their_organisation(app, tg, sessionmaker, clock):
    tree = await seed_tree(sessionmaker)
    async with sessionmaker() as s:
        inv = await invitations.create(s, kind="curator", unit=tree.s1, now=clock())
        await s.commit()
    curator = tg.user(5101, language_code="ru")
    await curator.send(f"/start {invitations.payload_of(inv)}")
    welcome = await curator.wait_message()
    await curator.press(welcome, T.get("ru", "reg-btn-agree"))
    await curator.wait_message(contains=T.get("ru", "reg-ask-full-name-curator"))
    await curator.send("Иванова Мария Петровна")
    await curator.wait_message(contains="/curator")
    await settle(curator)
    async with sessionmaker() as s:
        role = (await s.scalars(select(CuratorRole))).one()
        assert role.unit_id == tree.s1.id and role.revoked_at is None

    await curator.send("/curator")
    view = await curator.wait_message()  # one role: straight into the school
    assert ru("cur-title-organisation", type=ru("cur-orgtype-school"), name="Школа № 1") in view.text
    assert "Касимов" not in view.text and "Школа № 2" not in view.text
    assert not any("г. Рязань" in b.text for b in view.buttons)  # no way up out of the scope


# ---------------------------------------------------------------------------------------------
# the subtree with counts
# ---------------------------------------------------------------------------------------------
async def test_municipal_curator_sees_subtree_with_counts(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_people(sessionmaker, clock, tree.s1, [("Анна", "mentor", "active"), ("Борис", "mentor", "active"),
                                                     ("Вера", "mentee", "active"), ("Глеб", "mentee", "active"),
                                                     ("Дина", "mentee", "awaiting_consent")])
    await seed_people(sessionmaker, clock, tree.s2, [("Егор", "mentee", "active"), ("Жанна", "mentee", "erased")])
    await seed_people(sessionmaker, clock, tree.s3, [("Зоя", "mentor", "active")] * 4)
    await seed_curator(sessionmaker, clock, 5201, tree.m1)

    curator = tg.user(5201, language_code="ru")
    await curator.send("/curator")
    view = await curator.wait_message()
    assert view.text.startswith(t("cur-title-municipality", name="г. Рязань"))
    assert t("cur-counts", mentors=2, mentees=4, awaiting=1) in view.text
    assert t("cur-children-organisation", n=2) in view.text
    texts = [b.text for b in view.buttons]
    assert t("cur-child-button", name="Школа № 1", mentors=2, mentees=3) in texts
    assert t("cur-child-button", name="Школа № 2", mentors=0, mentees=1) in texts
    assert not any("Касимов" in x or "Рязанская" in x for x in texts)  # nothing outside, no way up
    assert "Рязанская" not in view.text and t("cur-btn-new-organisation") in texts

    await curator.press(view, "Школа № 1")
    org = await curator.wait_message()
    assert org.message_id == view.message_id  # the same menu, edited in place
    assert t("cur-counts", mentors=2, mentees=3, awaiting=1) in org.text
    texts = [b.text for b in org.buttons]
    assert t("cur-btn-awaiting", n=1) in texts and t("cur-btn-participants", n=5) in texts
    assert t("cur-btn-up", name="г. Рязань") in texts

    # the administrator sees all of it from the top
    admin = tg.user(ADMIN_ID, language_code="ru")
    await admin.send("/curator")
    top = await admin.wait_message()
    assert top.text.startswith(t("adm-top-title")) and t("cur-counts", mentors=6, mentees=4, awaiting=1) in top.text
    assert t("cur-child-button", name="Рязанская область", mentors=6, mentees=4) in [b.text for b in top.buttons]


async def test_curator_of_several_units_chooses_first(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 5301, tree.s1)
    await seed_curator(sessionmaker, clock, 5301, tree.s3)
    curator = tg.user(5301, language_code="ru")
    await curator.send("/curator")
    top = await curator.wait_message()
    assert top.text == t("cur-top-title")
    assert [b.text for b in top.buttons] == [t("cur-child-button", name="Касимовская школа", mentors=0, mentees=0),
                                             t("cur-child-button", name="Школа № 1", mentors=0, mentees=0)]
    await curator.press(top, "Касимовская школа")
    org = await curator.wait_message()
    assert "Касимовская школа" in org.text
    await curator.press(org, t("cur-btn-top"))
    assert (await curator.wait_message()).text == t("cur-top-title")


# ---------------------------------------------------------------------------------------------
# participants: paging, filters, card
# ---------------------------------------------------------------------------------------------
async def test_participant_list_paging_filters_and_card(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    specs = []
    for i in range(1, 26):
        role = "mentor" if i % 5 in (1, 2) else "mentee"  # 10 mentors, 15 mentees
        status = "awaiting_consent" if role == "mentee" and i % 5 == 3 else "active"  # 5 awaiting
        specs.append((f"Участник {i:02d}", role, status))
    await seed_people(sessionmaker, clock, tree.s1, specs)
    await seed_people(sessionmaker, clock, tree.s2, [("Чужой Участник", "mentee", "active")])
    await seed_curator(sessionmaker, clock, 5401, tree.s1)

    curator = tg.user(5401, language_code="ru")
    await curator.send("/curator")
    view = await curator.wait_message()
    await curator.press(view, t("cur-btn-participants", n=25))
    page = await curator.wait_message()
    mark = t("cur-mark")
    assert t("cur-plist-found", n=25) in page.text
    assert t("cur-plist-filter", role=t("cur-f-role-a"), status=t("cur-f-status-a")) in page.text
    assert pline(t, 1, "Участник 01", "mentor") in page.text
    assert pline(t, 3, "Участник 03", "mentee", "awaiting_consent") in page.text
    assert "11. " not in page.text and "Чужой" not in page.text
    assert t("cur-page", page=1, pages=3) in [b.text for b in page.buttons]
    assert mark + t("cur-f-role-a") in [b.text for b in page.buttons]

    await curator.press(page, t("cur-btn-next"))
    page = await curator.wait_message()
    assert pline(t, 11, "Участник 11", "mentor") in page.text and "10. " not in page.text
    await curator.press(page, t("cur-btn-next"))
    page = await curator.wait_message()
    lines = [line for line in page.text.splitlines() if re.match(r"^\d+\. ", line)]
    assert len(lines) == 5 and lines[0].startswith("21. ") and lines[-1].startswith("25. ")
    assert t("cur-btn-next") not in [b.text for b in page.buttons]

    await curator.press(page, t("cur-f-role-m"))  # a new filter starts on page 1
    page = await curator.wait_message()
    assert t("cur-plist-found", n=10) in page.text
    assert t("cur-plist-filter", role=t("cur-f-role-m"), status=t("cur-f-status-a")) in page.text
    assert all(t("cur-role-mentor") in line for line in page.text.splitlines() if re.match(r"^\d+\. ", line))
    assert t("cur-btn-next") not in [b.text for b in page.buttons]

    await curator.press(page, t("cur-f-status-w"))
    page = await curator.wait_message()
    assert t("cur-plist-empty") in page.text
    await curator.press(page, mark + t("cur-f-role-m"))  # pressing the selected filter again changes nothing
    await curator.expect_no_message(0.3)
    await curator.press(page, t("cur-f-role-a"))
    page = await curator.wait_message()
    assert t("cur-plist-found", n=5) in page.text
    await curator.press(page, t("cur-f-role-e"))
    page = await curator.wait_message()
    assert t("cur-plist-found", n=5) in page.text
    await curator.press(page, mark + t("cur-f-status-w"))
    await curator.expect_no_message(0.3)
    await curator.press(page, t("cur-f-status-c"))
    page = await curator.wait_message()
    assert t("cur-plist-found", n=10) in page.text

    await curator.press(page, "Участник 04")
    card = await curator.wait_message()
    assert card.text.startswith("Участник 04")
    assert t("cur-status-active") in card.text and t("cur-btn-confirm-consent") not in [b.text for b in card.buttons]
    await curator.press(card, t("cur-btn-back-list"))
    back = await curator.wait_message()
    assert t("cur-plist-filter", role=t("cur-f-role-e"), status=t("cur-f-status-c")) in back.text

    # a stale page number shows the last page there is
    await curator.press_data(back, CuPl(o=tree.s1.id, r="a", s="a", p=99).pack())
    last = await curator.wait_message()
    assert "21. " in last.text and t("cur-page", page=3, pages=3) in [b.text for b in last.buttons]


# ---------------------------------------------------------------------------------------------
# parental consent
# ---------------------------------------------------------------------------------------------
async def test_confirming_a_minors_parental_consent_once(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    [minor_id, adult_id] = await seed_people(sessionmaker, clock, tree.s1, [
        ("Петров Пётр", "mentee", "awaiting_consent"), ("Сидорова Ольга", "mentor", "active")],
        with_users_from=8100)
    school_curator = await seed_curator(sessionmaker, clock, 5501, tree.s1)
    await seed_curator(sessionmaker, clock, 5502, tree.m1)
    clock.advance(hours=2)

    curator = tg.user(5501, language_code="ru")
    minor_chat = tg.user(8100, language_code="ru")
    await curator.send("/curator")
    view = await curator.wait_message()
    await curator.press(view, t("cur-btn-participants", n=2))
    listing = await curator.wait_message()
    await curator.press(listing, "Петров Пётр")
    card = await curator.wait_message()
    confirm = button_data(card, t("cur-btn-confirm-consent"))
    await curator.press(card, t("cur-btn-confirm-consent"))
    done = await curator.wait_message()
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-consent-confirmed", name="Петров Пётр")
    assert done.text.startswith(t("cur-consent-confirmed", name="Петров Пётр"))
    assert t("cur-card-consent", date="23.11.2026") in done.text
    assert t("cur-btn-confirm-consent") not in [b.text for b in done.buttons]
    assert t("cur-btn-undo-consents", n=1, time="15:10") in [b.text for b in done.buttons]
    # the young participant learns it from the bot (through the outbox), once the undo window is over
    await minor_chat.expect_no_message(0.5)
    confirmed_at = clock()
    clock.advance(minutes=10)
    assert (await minor_chat.wait_message(timeout=10)).text == t("consent-confirmed-notice")

    await settle(curator)
    async with sessionmaker() as s:
        minor = await s.get(Participant, minor_id)
        assert minor.status == "active" and minor.parental_consent_at == confirmed_at
        consent = (await s.scalars(select(Consent).where(Consent.kind == "parental"))).one()
        assert (consent.participant_id, consent.recorded_by_user_id) == (minor_id, school_curator)
        event = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "participant.parental_consent"))).one()
        assert (event.actor_user_id, event.object_id) == (school_curator, minor_id)

    # the same (now stale) button again, and a second curator: already confirmed, nothing changes
    await settle(curator)
    before = await snapshot(sessionmaker)
    await curator.press_data(done, confirm)
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-consent-already", name="Петров Пётр") and answer.get("show_alert")
    municipal = tg.user(5502, language_code="ru")
    await municipal.send("/curator")
    menu = await municipal.wait_message()
    await municipal.press_data(menu, CuCf(id=minor_id).pack())
    assert (await municipal.wait_callback_answer())["text"] == t("cur-consent-already", name="Петров Пётр")
    # an adult who never needed it: nothing to confirm, nothing recorded
    await municipal.press_data(menu, CuCf(id=adult_id).pack())
    assert (await municipal.wait_callback_answer())["text"] == t("cur-consent-not-needed", name="Сидорова Ольга")
    await settle(municipal)
    assert await snapshot(sessionmaker) == before
    await minor_chat.expect_no_message(0.5)


# ---------------------------------------------------------------------------------------------
# participant links
# ---------------------------------------------------------------------------------------------
async def test_creating_and_revoking_a_participant_link(app, tg, sessionmaker, clock):
    t = en
    tree = await seed_tree(sessionmaker)
    curator_id = await seed_curator(sessionmaker, clock, 5601, tree.s1, locale="en", name="Anna Smith")
    curator = tg.user(5601, language_code="en")
    await curator.send("/curator")
    view = await curator.wait_message()
    assert t("cur-title-organisation", type=t("cur-orgtype-school"), name="Школа № 1") in view.text
    await curator.press(view, t("cur-btn-links"))
    page = await curator.wait_message()
    assert t("cur-links-empty") in page.text

    await curator.press(page, t("cur-btn-new-link"))
    step = await curator.wait_message()
    assert step.text == t("cur-new-link-role", name="Школа № 1")
    await curator.press(step, t("cur-link-role-mentee"))
    step = await curator.wait_message()
    await curator.press(step, t("cur-days", n=7))
    step = await curator.wait_message()
    assert step.text == t("cur-new-link-uses", name="Школа № 1", role=t("cur-link-role-mentee"),
                          days=t("cur-days", n=7))
    await curator.press(step, "10")
    created = await curator.wait_message()
    summary = t("cur-link-line", role=t("cur-link-role-mentee"), until=t("cur-link-until", date="30 Nov 2026"),
                uses=t("cur-link-uses", uses=0, max=10))
    assert summary in created.text
    link = LINK_RE.search(created.text)
    await settle(curator)
    async with sessionmaker() as s:
        inv = (await s.scalars(select(Invitation).where(Invitation.kind == "participant"))).one()
        assert (inv.kind, inv.unit_id, inv.role, inv.max_uses) == ("participant", tree.s1.id, "mentee", 10)
        assert inv.expires_at == clock() + timedelta(days=7) and inv.created_by_user_id == curator_id
        assert link["payload"] == invitations.payload_of(inv)
    assert await count(sessionmaker, AuditEvent, AuditEvent.action == "invitation.created") == 1

    await curator.press(created, t("cur-btn-links"))
    page = await curator.wait_message()
    assert t("cur-links-found", n=1) in page.text and f"1. {summary}" in page.text and link[0] in page.text
    await curator.press(page, t("cur-btn-revoke", n=1))
    ask = await curator.wait_message()
    assert ask.text == t("cur-revoke-ask", name="Школа № 1", summary=summary)
    revoke_yes = button_data(ask, t("cur-btn-revoke-yes"))
    await curator.press(ask, t("cur-btn-revoke-yes"))
    page = await curator.wait_message()
    assert (await curator.wait_callback_answer())["text"] == t("cur-revoked")
    assert t("cur-links-empty") in page.text
    await settle(curator)
    async with sessionmaker() as s:
        inv = (await s.scalars(select(Invitation).where(Invitation.kind == "participant"))).one()
        assert inv.revoked_at == clock()
        event = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.revoked"))).one()
        assert (event.actor_user_id, event.object_id) == (curator_id, inv.id)

    # the confirmation pressed again: already revoked, nothing changes
    await settle(curator)
    before = await snapshot(sessionmaker)
    await curator.press_data(page, revoke_yes)
    assert (await curator.wait_callback_answer())["text"] == t("cur-revoke-already")
    await settle(curator)
    assert await snapshot(sessionmaker) == before

    # someone opening the revoked link is told so
    newcomer = tg.user(5602, language_code="ru")
    await newcomer.send(f"/start {link['payload']}")
    assert (await newcomer.wait_message()).text == ru("invite-revoked")


async def test_unlimited_link_for_any_role_in_russian(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 5651, tree.s1)
    curator = tg.user(5651, language_code="ru")
    await curator.send("/curator")
    view = await curator.wait_message()
    await curator.press(view, t("cur-btn-links"))
    await curator.press(await curator.wait_message(), t("cur-btn-new-link"))
    await curator.press(await curator.wait_message(), t("cur-link-role-any"))
    await curator.press(await curator.wait_message(), t("cur-days", n=90))
    await curator.press(await curator.wait_message(), t("cur-uses-unlimited"))
    created = await curator.wait_message()
    assert t("cur-link-line", role=t("cur-link-role-any"), until=t("cur-link-until", date="21.02.2027"),
             uses=t("cur-link-uses-unlimited", uses=0)) in created.text
    await settle(curator)
    async with sessionmaker() as s:
        inv = (await s.scalars(select(Invitation).where(Invitation.kind == "participant"))).one()
        assert (inv.role, inv.max_uses) == (None, None)


# ---------------------------------------------------------------------------------------------
# a municipal curator: creates and invites inside, cannot touch anything outside
# ---------------------------------------------------------------------------------------------
async def test_municipal_curator_creates_org_invites_curator_and_cannot_reach_outside(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    [outsider_id] = await seed_people(sessionmaker, clock, tree.s3, [("Чужой Ребёнок", "mentee", "awaiting_consent")])
    async with sessionmaker() as s:
        outside_link = await invitations.create(s, kind="participant", unit=await s.get(Unit, tree.s3.id),
                                                now=clock(), max_uses=5)
        await s.commit()
    curator_id = await seed_curator(sessionmaker, clock, 5701, tree.m1)
    curator = tg.user(5701, language_code="ru")
    await curator.send("/curator")
    view = await curator.wait_message()
    assert t("cur-btn-new-municipality") not in [b.text for b in view.buttons]

    await curator.press(view, t("cur-btn-new-organisation"))
    await curator.wait_message()
    await curator.send("Центр «Вектор»")
    question = await curator.wait_message()
    await curator.press(question, t("cur-orgtype-additional"))
    org_view = await curator.wait_message()
    assert t("cur-title-organisation", type=t("cur-orgtype-additional"), name="Центр «Вектор»") in org_view.text
    await settle(curator)
    async with sessionmaker() as s:
        org = await s.scalar(select(Unit).where(Unit.name == "Центр «Вектор»"))
        assert (org.kind, org.parent_id, org.org_type) == ("organisation", tree.m1.id, "additional")
        assert org.path == f"{tree.m1.path}{org.id}/"

    await curator.press(org_view, t("cur-btn-invite-curator"))
    await curator.press(await curator.wait_message(), t("cur-btn-create-link"))
    shown = await curator.wait_message()
    await curator.wait_message()  # the message to forward
    await settle(curator)
    async with sessionmaker() as s:
        inv = await s.scalar(select(Invitation).where(Invitation.kind == "curator", Invitation.unit_id == org.id))
        assert inv.created_by_user_id == curator_id and LINK_RE.search(shown.text)["payload"] == \
            invitations.payload_of(inv)

    # forged callback data naming things outside M1 (or nothing at all): the same refusal, no change
    await settle(curator)
    before = await snapshot(sessionmaker)
    forged = [
        CuNav(id=tree.m2.id), CuNav(id=tree.r.id), CuNav(id=tree.s3.id), CuNav(id=987654),
        CuPl(o=tree.s3.id), CuPl(o=tree.m1.id), CuPc(id=outsider_id), CuAw(o=tree.s3.id),
        CuCf(id=outsider_id), CuCf(id=987654), CuLk(o=tree.s3.id), CuNl(o=tree.s3.id, r="a", d=7, u=10),
        CuNl(o=tree.s1.id, r="a", d=5, u=10), CuNl(o=tree.s1.id, r="a", d=7, u=11),
        CuRv(id=outside_link.id, ok=1), CuRv(id=outside_link.id), CuCi(id=tree.s3.id, ok=1), CuCi(id=tree.r.id, ok=1),
        CuMk(id=tree.m2.id), CuMk(id=0), CuMk(id=tree.r.id), CuMk(id=tree.s1.id), CuOt(id=tree.m2.id, t="s"),
    ]
    for data in forged:
        await curator.press_data(org_view, data.pack())
        answer = await curator.wait_callback_answer()
        assert answer["text"] == t("cur-not-found") and answer.get("show_alert"), data
    await curator.expect_no_message(0.3)  # the menu was not edited, nothing was sent
    await settle(curator)
    assert await snapshot(sessionmaker) == before
    await curator.send("Название для чужого муниципалитета")  # no dialog was opened by CuMk
    assert (await curator.wait_message()).text == t("fallback-unknown")


# ---------------------------------------------------------------------------------------------
# participants, strangers, revoked curators, stale buttons
# ---------------------------------------------------------------------------------------------
async def test_participant_and_stranger_calling_curator_commands(app, tg, sessionmaker, clock):
    tree = await seed_tree(sessionmaker)
    await seed_people(sessionmaker, clock, tree.s1, [("Участник Обычный", "mentee", "active")], with_users_from=8300)
    before = await snapshot(sessionmaker)
    for tg_id, lang in ((8300, "ru"), (8301, "en")):
        t = T.bind(lang)
        someone = tg.user(tg_id, language_code=lang)
        await someone.send("/curator")
        msg = await someone.wait_message()
        assert msg.text == t("cur-only-curators") and not msg.buttons
        await someone.send("/admin")
        assert (await someone.wait_message()).text == t("adm-only-admins")
        for data in (CuNav(id=tree.s1.id), CuNav(id=0), CuPl(o=tree.s1.id), CuMk(id=0), CuCi(id=tree.s1.id, ok=1)):
            await someone.press_data(msg, data.pack())
            assert (await someone.wait_callback_answer())["text"] == t("cur-only-curators")
        await someone.expect_no_message(0.2)
    await settle(someone)
    assert await snapshot(sessionmaker) == before

    # a curator is not an administrator
    await seed_curator(sessionmaker, clock, 8302, tree.s1)
    curator = tg.user(8302, language_code="ru")
    await curator.send("/admin")
    assert (await curator.wait_message()).text == ru("adm-only-admins")


async def test_stale_buttons_and_a_revoked_curator(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 5801, tree.m1)
    curator = tg.user(5801, language_code="ru")
    await curator.send("/curator")
    view = await curator.wait_message()

    # malformed data: the polite fallback
    await curator.press_data(view, "cp:abc:a:a:0")
    assert (await curator.wait_callback_answer())["text"] == t("fallback-stale-button")
    # an organisation type button from a dialog that is over
    await curator.press_data(view, CuOt(id=tree.m1.id, t="s").pack())
    assert (await curator.wait_callback_answer())["text"] == t("cur-stale")
    # an unknown filter code
    await curator.press_data(view, CuPl(o=tree.s1.id, r="z").pack())
    assert (await curator.wait_callback_answer())["text"] == t("cur-not-found")
    await curator.expect_no_message(0.2)

    # the role is revoked (by the lead's tooling): the very next press is refused
    await settle(curator)
    async with sessionmaker() as s:
        role = (await s.scalars(select(CuratorRole))).one()
        role.revoked_at = clock()
        await s.commit()
    before = await snapshot(sessionmaker)
    await curator.press(view, "Школа № 1")
    assert (await curator.wait_callback_answer())["text"] == t("cur-only-curators")
    await curator.press(view, t("cur-btn-new-organisation"))
    assert (await curator.wait_callback_answer())["text"] == t("cur-only-curators")
    await curator.expect_no_message(0.2)
    await curator.send("/curator")
    assert (await curator.wait_message()).text == t("cur-only-curators")
    await settle(curator)
    assert await snapshot(sessionmaker) == before


async def test_cancelled_creation_and_an_old_menu_still_works(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 5901, tree.m1)
    curator = tg.user(5901, language_code="ru")
    await curator.send("/curator")
    first = await curator.wait_message()
    await curator.press(first, t("cur-btn-new-organisation"))
    ask = await curator.wait_message()
    await curator.press(ask, t("cur-btn-cancel"))
    back = await curator.wait_message()
    assert back.text.startswith(t("cur-create-cancelled"))
    await curator.send("Школа из ниоткуда")
    assert (await curator.wait_message()).text == t("fallback-unknown")
    await settle(curator)
    assert await count(sessionmaker, Unit) == 6

    # a second menu; the first one's buttons keep working, re-authorised on each press
    await curator.send("/curator")
    await curator.wait_message()
    await curator.press(back, "Школа № 2")
    org = await curator.wait_message()
    assert org.message_id == first.message_id and "Школа № 2" in org.text


async def test_children_are_paged_and_leaving_a_dialog_abandons_it(app, tg, sessionmaker, clock):
    t = ru
    async with sessionmaker() as s:
        region = await create_unit(s, "region", "Большая область")
        for i in range(1, 11):
            await create_unit(s, "municipality", f"Район {i:02d}", region)
        await s.commit()
    admin = tg.user(ADMIN_ID, language_code="ru")
    await admin.send("/admin")
    top = await admin.wait_message()
    await admin.press(top, "Большая область")
    view = await admin.wait_message()
    assert t("cur-children-municipality", n=10) in view.text
    children = [b.text for b in view.buttons if b.text.startswith("Район")]
    assert children == [t("cur-child-button", name=f"Район {i:02d}", mentors=0, mentees=0) for i in range(1, 9)]
    assert t("cur-page", page=1, pages=2) in [b.text for b in view.buttons]
    await admin.press(view, t("cur-btn-next"))
    view = await admin.wait_message()
    children = [b.text for b in view.buttons if b.text.startswith("Район")]
    assert children == [t("cur-child-button", name=f"Район {i:02d}", mentors=0, mentees=0) for i in (9, 10)]
    assert t("cur-btn-next") not in [b.text for b in view.buttons]

    # the dialog "name of a new municipality" is abandoned when another menu button is pressed
    await admin.press(view, t("cur-btn-new-municipality"))
    ask = await admin.wait_message()
    assert ask.text == t("cur-ask-name-municipality", parent="Большая область")
    await admin.press_data(ask, CuNav(id=region.id).pack())  # e.g. a button of an older menu
    await admin.wait_message()
    await admin.send("Район 11")
    assert (await admin.wait_message()).text == t("fallback-unknown")
    await settle(admin)
    assert await count(sessionmaker, Unit) == 11


async def test_curators_invite_curators_only_inside_their_subtree(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 5601, tree.s1)
    await seed_curator(sessionmaker, clock, 5602, tree.m1)
    school = tg.user(5601, language_code="ru")
    await school.send("/curator")
    view = await school.wait_message()
    # their own school: a co-curator (tests/test_e2e_cocurator.py); nothing above or beside it
    assert t("cur-btn-invite-cocurator") in [b.text for b in view.buttons]
    assert t("cur-btn-invite-curator") not in [b.text for b in view.buttons]
    before = await snapshot(sessionmaker)
    for forged in (CuCi(id=tree.m1.id), CuCi(id=tree.m1.id, ok=1), CuCi(id=tree.s2.id, ok=1), CuCi(id=tree.r.id)):
        await school.press_data(view, forged.pack())
        assert (await school.wait_callback_answer())["text"] == t("cur-not-found")
    await settle(school)
    assert await snapshot(sessionmaker) == before

    municipal = tg.user(5602, language_code="ru")
    await municipal.send("/curator")
    view = await municipal.wait_message()
    assert t("cur-btn-invite-cocurator") in [b.text for b in view.buttons]  # a co-curator of their own unit
    await municipal.press(view, "Школа № 1")
    school_view = await municipal.wait_message()
    assert t("cur-btn-invite-curator") in [b.text for b in school_view.buttons]
