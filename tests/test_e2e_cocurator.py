"""A curator invites a co-curator of their own unit (issue 9, item 15), through the running bot.

The co-curator gets exactly the inviter's reach over that unit (its subtree) and nothing above
it; a unit's curators and its pending curator invitations are shown in the unit's menu, pending
invitations are limited and can be revoked there.
"""
from __future__ import annotations

from sqlalchemy import select

from bot.i18n import Translator
from db.models import AuditEvent, CuratorRole, Invitation
from domain import invitations
from handlers.curator_views import CuAw, CuCi, CuCu, CuCw, CuMk, CuNav, CuPl
from tests.test_e2e_curator import LINK_RE, seed_curator, seed_people, seed_tree, settle, snapshot

T = Translator()
ru = T.bind("ru")
en = T.bind("en")


def texts(message) -> list[str]:
    return [b.text for b in message.buttons]


async def test_school_curator_invites_a_co_curator_who_gets_the_same_reach(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_people(sessionmaker, clock, tree.s1, [("Петров Пётр", "mentee", "awaiting_consent")])
    await seed_people(sessionmaker, clock, tree.s2, [("Чужой Ребёнок", "mentee", "awaiting_consent")])
    first_id = await seed_curator(sessionmaker, clock, 7501, tree.s1, name="Иванова Мария Петровна")
    school = t("cur-title-organisation", type=t("cur-orgtype-school"), name="Школа № 1")

    curator = tg.user(7501, language_code="ru")
    await curator.send("/curator")
    view = await curator.wait_message()
    assert t("cur-curators-line", names="Иванова Мария Петровна") in view.text
    assert t("cur-btn-invite-curator") not in texts(view)  # not "a curator": a co-curator of their own school
    await curator.press(view, t("cur-btn-invite-cocurator"))
    ask = await curator.wait_message()
    assert ask.text == t("cur-cocurator-invite-ask", unit=school, days=t("cur-days", n=30))
    await curator.press(ask, t("cur-btn-create-link"))
    shown = await curator.wait_message()
    forward = await curator.wait_message()
    until = t("cur-link-until", date="23.12.2026")
    link = LINK_RE.search(forward.text)
    assert shown.text == t("cur-cocurator-invite-created", unit=school, until=until, link=link[0])
    assert forward.text == t("cur-cocurator-invite-forward", unit=school, until=until, link=link[0])
    await settle(curator)
    async with sessionmaker() as s:
        inv = await s.scalar(select(Invitation).where(Invitation.kind == "curator", Invitation.unit_id == tree.s1.id,
                                                      Invitation.created_by_user_id == first_id))
        assert invitations.payload_of(inv) == link["payload"] and inv.max_uses == 1

    # the invited person is welcomed as a co-curator of the school, and becomes one
    second = tg.user(7502, language_code="ru")
    await second.send(f"/start {link['payload']}")
    welcome = await second.wait_message()
    assert welcome.text.startswith(t("reg-cocurator-welcome", unit="Школа № 1"))
    await second.press(welcome, t("reg-btn-agree"))
    await second.wait_message(contains=t("reg-ask-full-name-curator"))
    await second.send("Смирнов Олег Иванович")
    assert (await second.wait_message(contains="/curator")).text == t("reg-cocurator-done", unit="Школа № 1")
    await settle(second)
    async with sessionmaker() as s:
        roles = (await s.scalars(select(CuratorRole).where(CuratorRole.unit_id == tree.s1.id)
                                 .order_by(CuratorRole.id))).all()
        assert [r.user_id for r in roles][0] == first_id and len(roles) == 2 and roles[1].revoked_at is None

    # the same reach: the school's participants and consents; nothing above it, nothing beside it
    await second.send("/curator")
    view = await second.wait_message()
    assert view.text.startswith(school)
    assert t("cur-curators-line", names="Иванова Мария Петровна, Смирнов Олег Иванович") in view.text
    assert t("cur-btn-awaiting", n=1) in texts(view) and t("cur-btn-invite-cocurator") in texts(view)
    assert not any("г. Рязань" in x for x in texts(view))
    await settle(second)
    before = await snapshot(sessionmaker)
    for forged in (CuNav(id=tree.m1.id), CuNav(id=tree.s2.id), CuAw(o=tree.s2.id), CuPl(o=tree.s2.id),
                   CuCi(id=tree.m1.id, ok=1), CuCi(id=tree.s2.id, ok=1), CuMk(id=tree.m1.id), CuCu(id=tree.m1.id)):
        await second.press_data(view, forged.pack())
        answer = await second.wait_callback_answer()
        assert answer["text"] == t("cur-not-found") and answer.get("show_alert"), forged
    await settle(second)
    assert await snapshot(sessionmaker) == before

    # the unit's curators and pending invitations; pending ones are limited, and revocable
    await curator.send("/curator")
    view = await curator.wait_message()
    await curator.press(view, t("cur-btn-curators", n=2))
    people = await curator.wait_message()
    assert t("cur-curator-line", n=1, name="Иванова Мария Петровна", since="23.11.2026") in people.text
    assert t("cur-curator-line", n=2, name="Смирнов Олег Иванович", since="23.11.2026") in people.text
    assert t("cur-curator-invites-none") in people.text
    for _ in range(invitations.MAX_PENDING_CURATOR_INVITATIONS):
        await curator.press(people, t("cur-btn-invite-cocurator"))
        await curator.press(await curator.wait_message(), t("cur-btn-create-link"))
        created = await curator.wait_message()
        await curator.wait_message()  # the message to forward
        await curator.press(created, t("cur-btn-curators-of", name="Школа № 1"))
        people = await curator.wait_message()
    await settle(curator)
    before = await snapshot(sessionmaker)
    await curator.press(people, t("cur-btn-invite-cocurator"))
    limit = t("cur-curator-invites-limit", max=invitations.MAX_PENDING_CURATOR_INVITATIONS)
    refused = await curator.wait_message()
    assert refused.text.startswith(limit)
    assert (await curator.wait_callback_answer())["text"] == limit
    await settle(curator)
    assert await snapshot(sessionmaker) == before

    assert t("cur-curator-invites", n=5) in refused.text
    revoke = texts(refused)
    assert t("cur-btn-revoke-invite", n=1) in revoke and t("cur-btn-revoke-invite", n=6) not in revoke
    async with sessionmaker() as s:
        newest = await s.scalar(select(Invitation).where(Invitation.kind == "curator", Invitation.revoked_at.is_(None),
                                                         Invitation.uses == 0).order_by(Invitation.id.desc()))
    await curator.press(refused, t("cur-btn-revoke-invite", n=1))  # the newest first
    after = await curator.wait_message()
    assert after.text.startswith(t("cur-curator-invite-revoked"))
    assert t("cur-curator-invites", n=4) in after.text
    await settle(curator)
    async with sessionmaker() as s:
        assert (await s.get(Invitation, newest.id)).revoked_at == clock()
        event = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "invitation.revoked"))).one()
        assert (event.actor_user_id, event.object_id) == (first_id, newest.id)
    stranger = tg.user(7503, language_code="ru")
    await stranger.send(f"/start {invitations.payload_of(newest)}")
    assert (await stranger.wait_message()).text == t("invite-revoked")
    # the revoke button pressed again: already revoked, nothing changes
    await settle(curator)
    before = await snapshot(sessionmaker)
    await curator.press_data(after, CuCw(id=newest.id).pack())
    assert (await curator.wait_callback_answer())["text"] == t("cur-revoke-already")
    await settle(curator)
    assert await snapshot(sessionmaker) == before


async def test_municipal_curator_co_curator_of_the_municipality_and_curators_of_schools(app, tg, sessionmaker,
                                                                                        clock):
    t = en
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 7601, tree.m1, locale="en", name="Anna Smith")
    await seed_curator(sessionmaker, clock, 7602, tree.s1, locale="en", name="Boris Petrov")
    curator = tg.user(7601, language_code="en")
    await curator.send("/curator")
    view = await curator.wait_message()
    assert t("cur-curators-line", names="Anna Smith") in view.text
    assert t("cur-btn-invite-cocurator") in texts(view) and t("cur-btn-invite-curator") not in texts(view)
    await curator.press(view, t("cur-btn-invite-cocurator"))
    ask = await curator.wait_message()
    muni = t("cur-title-municipality", name="г. Рязань")
    assert ask.text == t("cur-cocurator-invite-ask", unit=muni, days=t("cur-days", n=30))

    # a school below: its own curators, and "invite a curator" (not a co-curator of the school)
    await curator.press_data(ask, CuNav(id=tree.s1.id).pack())
    school_view = await curator.wait_message()
    assert t("cur-curators-line", names="Boris Petrov") in school_view.text
    assert t("cur-btn-invite-curator") in texts(school_view)
    assert t("cur-btn-invite-cocurator") not in texts(school_view)
    await curator.press(school_view, t("cur-btn-invite-curator"))
    ask = await curator.wait_message()
    school = t("cur-title-organisation", type=t("cur-orgtype-school"), name="Школа № 1")
    assert ask.text == t("cur-curator-invite-ask", unit=school, days=t("cur-days", n=30))
    await curator.press(ask, t("cur-btn-create-link"))
    await curator.wait_message()
    forward = await curator.wait_message()
    link = LINK_RE.search(forward.text)
    newcomer = tg.user(7603, language_code="en")
    await newcomer.send(f"/start {link['payload']}")
    assert (await newcomer.wait_message()).text.startswith(t("reg-curator-welcome", unit="Школа № 1"))

    # a school without curators says so
    await curator.press_data(forward, CuNav(id=tree.s2.id).pack())
    other = await curator.wait_message()
    assert t("cur-curators-none") in other.text
    await curator.press(other, t("cur-btn-curators", n=0))
    listing = await curator.wait_message()
    assert t("cur-curators-title", unit=t("cur-title-organisation", type=t("cur-orgtype-school"),
                                          name="Школа № 2")) in listing.text
