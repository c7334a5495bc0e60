"""The hierarchy, scopes and invitations, on real databases (SQLite file and PostgreSQL)."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from db.models import CuratorRole, Invitation, Participant, Unit
from domain import invitations
from domain.curation import (
    Access,
    access_for,
    invitation_in_access,
    participant_in_access,
    subtree_counts,
    unit_in_access,
)
from domain.invitations import Problem
from domain.people import accept_curator
from domain.rules import Invalid
from domain.units import (
    ROOT,
    Scope,
    children,
    create_unit,
    curator_scopes,
    get_in_scope,
    participant_counts,
    scope_of,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


async def build_tree(session):
    """Region R: municipalities M1 (schools S1, S2) and M2 (college C3); region R2 with M3."""
    r = await create_unit(session, "region", "Рязанская область", timezone="Europe/Moscow")
    m1 = await create_unit(session, "municipality", "г. Рязань", r)
    m2 = await create_unit(session, "municipality", "Касимов", r)
    s1 = await create_unit(session, "organisation", "Школа № 1", m1, org_type="school")
    s2 = await create_unit(session, "organisation", "Школа № 2", m1, org_type="school")
    c3 = await create_unit(session, "organisation", "Касимовский колледж", m2, org_type="college")
    r2 = await create_unit(session, "region", "Самарская область")
    m3 = await create_unit(session, "municipality", "Тольятти", r2)
    return {"r": r, "m1": m1, "m2": m2, "s1": s1, "s2": s2, "c3": c3, "r2": r2, "m3": m3}


def person(org: Unit, role: str = "mentee", status: str = "active", name: str = "Иванов Иван") -> Participant:
    return Participant(org_id=org.id, role=role, category="school_student" if role == "mentee" else "teacher",
                       grade=7 if role == "mentee" else None, birth_year=2013 if role == "mentee" else 1980,
                       full_name=name, status=status, registered_at=NOW, updated_at=NOW)


# ---------------------------------------------------------------------------------------------
# units
# ---------------------------------------------------------------------------------------------
async def test_create_unit_kinds_paths_and_time_zone(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        await s.commit()
    r, m1, s1 = u["r"], u["m1"], u["s1"]
    assert r.kind == "region" and r.parent_id is None and r.path == f"{r.id}/"
    assert m1.path == f"{r.id}/{m1.id}/" and m1.parent_id == r.id
    assert s1.path == f"{r.id}/{m1.id}/{s1.id}/" and s1.org_type == "school"
    assert m1.org_type is None
    assert s1.timezone == "Europe/Moscow"  # inherited from the region
    assert u["m3"].timezone is None
    async with sessionmaker() as s:
        stored = await s.get(Unit, s1.id)
        assert stored.path == s1.path
        assert [c.name for c in await children(s, await s.get(Unit, m1.id))] == ["Школа № 1", "Школа № 2"]
        assert [c.name for c in await children(s, None)] == ["Рязанская область", "Самарская область"]


async def test_create_unit_refuses_wrong_kinds_types_names_and_duplicates(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        cases = [
            (("municipality", "Нигде"), {}, "unit-kind"),
            (("organisation", "Школа", u["r"]), {"org_type": "school"}, "unit-kind"),
            (("region", "Регион", u["r"]), {}, "unit-kind"),
            (("organisation", "Школа", u["s1"]), {"org_type": "school"}, "unit-kind"),
            (("organisation", "Школа № 3", u["m1"]), {}, "org-type"),
            (("organisation", "Школа № 3", u["m1"]), {"org_type": "university"}, "org-type"),
            (("region", " a "), {}, "unit-name-short"),
            (("region", "Я" * 201), {}, "unit-name-long"),
            (("region", "РЯЗАНСКАЯ   область"), {}, "unit-exists"),  # case and spaces ignored
            (("organisation", "школа № 1", u["m1"]), {"org_type": "college"}, "unit-exists"),
        ]
        for args, kwargs, code in cases:
            with pytest.raises(Invalid) as err:
                await create_unit(s, *args, **kwargs)
            assert err.value.code == code, args
        # the same name under another parent is another school
        other = await create_unit(s, "organisation", "Школа № 1", u["m2"], org_type="school")
        assert other.parent_id == u["m2"].id
        await s.commit()
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Unit)) == 9


def test_scope_contains_is_a_path_prefix_not_a_number_prefix():
    assert Scope(path="1/").contains(Unit(path="1/12/"))
    assert not Scope(path="1/").contains(Unit(path="11/"))
    assert not Scope(path="1/2/").contains(Unit(path="1/"))
    assert ROOT.contains(Unit(path="5/6/7/")) and ROOT.is_root


async def test_get_in_scope_refuses_other_subtrees_and_missing_ids(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        m1 = scope_of(u["m1"])
        assert (await get_in_scope(s, m1, u["s1"].id)).id == u["s1"].id
        assert (await get_in_scope(s, m1, u["m1"].id)).id == u["m1"].id
        for outside in ("r", "m2", "c3", "r2", "m3"):
            assert await get_in_scope(s, m1, u[outside].id) is None, outside
        assert await get_in_scope(s, m1, 999_999) is None
        assert await get_in_scope(s, scope_of(u["s1"]), u["s2"].id) is None
        assert (await get_in_scope(s, ROOT, u["m3"].id)).id == u["m3"].id


async def test_curator_scopes_access_and_revocation(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        inv_m1 = await invitations.create(s, kind="curator", unit=u["m1"], now=NOW)
        inv_c3 = await invitations.create(s, kind="curator", unit=u["c3"], now=NOW)
        inv_s1 = await invitations.create(s, kind="curator", unit=u["s1"], now=NOW)
        role = await accept_curator(s, tg_id=501, locale="ru", full_name="Петрова Анна", invitation=inv_m1, now=NOW)
        await accept_curator(s, tg_id=501, locale="ru", full_name="Петрова Анна", invitation=inv_c3, now=NOW)
        await accept_curator(s, tg_id=501, locale="ru", full_name="Петрова Анна", invitation=inv_s1, now=NOW)
        await s.commit()
        user_id = role.user_id

    async with sessionmaker() as s:
        scopes = await curator_scopes(s, user_id)
        assert {x.id for x in scopes} == {u["m1"].id, u["c3"].id, u["s1"].id}
        from db.models import User

        user = await s.get(User, user_id)
        access = await access_for(s, user, is_admin=False)
        # S1 lies inside M1: the menu offers M1 and C3 only
        assert [x.id for x in access.menu_roots] == [u["m1"].id, u["c3"].id]  # by name: «г. Рязань», «Касимовский…»
        assert access.top_for(await s.get(Unit, u["s1"].id)).id == u["m1"].id
        for inside in ("m1", "s1", "s2", "c3"):
            assert await unit_in_access(s, access, u[inside].id) is not None, inside
        for outside in ("r", "m2", "r2", "m3"):
            assert await unit_in_access(s, access, u[outside].id) is None, outside
        # a curator creates organisations inside a municipality of theirs, nothing else
        assert access.can_create_under(await s.get(Unit, u["m1"].id))
        assert not access.can_create_under(await s.get(Unit, u["m2"].id))
        assert not access.can_create_under(None)
        assert not access.can_create_under(await s.get(Unit, u["c3"].id))
        admin = Access(is_admin=True)
        assert admin.can_create_under(None) and admin.can_create_under(await s.get(Unit, u["r2"].id))
        assert not admin.can_create_under(await s.get(Unit, u["s1"].id))  # nothing below an organisation

        (await s.scalars(select(CuratorRole).where(CuratorRole.unit_id == u["m1"].id))).one().revoked_at = NOW
        await s.commit()

    async with sessionmaker() as s:
        user = await s.get(User, user_id)
        access = await access_for(s, user, is_admin=False)
        assert {x.id for x in access.roots} == {u["c3"].id, u["s1"].id}
        assert await unit_in_access(s, access, u["s2"].id) is None
        assert await unit_in_access(s, access, u["s1"].id) is not None
        nobody = await access_for(s, None, is_admin=False)
        assert not nobody.any and await unit_in_access(s, nobody, u["s1"].id) is None


async def test_participants_and_invitations_are_reached_through_their_unit(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        mine, theirs, erased = person(u["s1"]), person(u["c3"]), person(u["s1"], status="erased")
        s.add_all([mine, theirs, erased])
        inv_mine = await invitations.create(s, kind="participant", unit=u["s1"], now=NOW)
        inv_theirs = await invitations.create(s, kind="participant", unit=u["c3"], now=NOW)
        await s.commit()
        access = Access(roots=(u["m1"],))
        assert (await participant_in_access(s, access, mine.id)).id == mine.id
        assert await participant_in_access(s, access, theirs.id) is None
        assert await participant_in_access(s, access, erased.id) is None
        assert await participant_in_access(s, access, 10**9) is None
        assert (await invitation_in_access(s, access, inv_mine.id))[0].id == inv_mine.id
        assert await invitation_in_access(s, access, inv_mine.id, kind="curator") is None
        assert await invitation_in_access(s, access, inv_theirs.id) is None
        assert await invitation_in_access(s, access, 10**9) is None


async def test_subtree_counts_match_participant_counts(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        s.add_all([
            person(u["s1"], "mentee"), person(u["s1"], "mentee", "awaiting_consent"), person(u["s1"], "mentor"),
            person(u["s2"], "mentor"), person(u["c3"], "mentee"), person(u["c3"], "mentee", "erased"),
        ])
        await s.commit()
        units = [u[k] for k in ("r", "m1", "m2", "s1", "s2", "c3", "r2")]
        fast = await subtree_counts(s, units, include_root=True)
        slow = await participant_counts(s, units)
        for unit in units:
            assert fast[unit.id] == slow[unit.id], unit.name
        assert fast[u["r"].id] == {"mentor": 2, "mentee": 3, "awaiting": 1, "total": 5}
        assert fast[u["m1"].id] == {"mentor": 2, "mentee": 2, "awaiting": 1, "total": 4}
        assert fast[u["r2"].id] == {"mentor": 0, "mentee": 0, "awaiting": 0, "total": 0}
        assert fast[0] == fast[u["r"].id]


# ---------------------------------------------------------------------------------------------
# invitations
# ---------------------------------------------------------------------------------------------
async def test_invitation_payloads_and_links(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        inv = await invitations.create(s, kind="participant", unit=u["s1"], now=NOW, role="mentor", days=7,
                                       max_uses=10)
        cur = await invitations.create(s, kind="curator", unit=u["m1"], now=NOW)
        await s.commit()
    assert len(inv.token) == 32 and inv.expires_at == NOW + timedelta(days=7) and inv.max_uses == 10
    assert cur.max_uses == 1 and cur.role is None  # curator links are one-use by default
    payload = invitations.payload_of(inv)
    assert payload == f"p_{inv.token}" and len(payload) <= 64
    assert invitations.link("mentor_bot", inv) == f"https://t.me/mentor_bot?start={payload}"
    assert invitations.parse_payload(payload) == ("participant", inv.token)
    assert invitations.parse_payload(invitations.payload_of(cur)) == ("curator", cur.token)
    async with sessionmaker() as s:
        with pytest.raises(ValueError):
            await invitations.create(s, kind="participant", unit=u["m1"], now=NOW)
        with pytest.raises(ValueError):
            await invitations.create(s, kind="participant", unit=u["s1"], now=NOW, role="admin")


@pytest.mark.parametrize("payload", [None, "", "p_", "p_short", "x_" + "A" * 32, "p_" + "A" * 31,
                                     "p_" + "A" * 33, "p_" + "A" * 31 + "!", "P_" + "A" * 32, "c " + "A" * 32])
async def test_malformed_payloads(sessionmaker, payload):
    async with sessionmaker() as s:
        inv, problem = await invitations.lookup(s, payload, NOW)
    assert inv is None and problem is Problem.malformed


async def test_invitation_lifecycle_unknown_expired_used_up_revoked(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        ok = await invitations.create(s, kind="participant", unit=u["s1"], now=NOW, days=1, max_uses=2)
        forever = await invitations.create(s, kind="participant", unit=u["s1"], now=NOW, days=None)
        await s.commit()

    async with sessionmaker() as s:
        # unknown token; and a participant token presented as a curator one is unknown too
        assert (await invitations.lookup(s, "p_" + "B" * 32, NOW))[1] is Problem.unknown
        assert (await invitations.lookup(s, f"c_{ok.token}", NOW))[1] is Problem.unknown
        found, problem = await invitations.lookup(s, invitations.payload_of(ok), NOW)
        assert found.id == ok.id and problem is None
        assert await invitations.consume(s, found, NOW)
        assert await invitations.consume(s, found, NOW)
        assert found.uses == 2
        assert (await invitations.lookup(s, invitations.payload_of(ok), NOW))[1] is Problem.used_up
        assert not await invitations.consume(s, found, NOW)
        await s.commit()

    async with sessionmaker() as s:
        inv = await s.get(Invitation, ok.id)
        assert inv.uses == 2
        # expiry: valid a second before, expired at the moment itself
        fresh = await invitations.create(s, kind="participant", unit=u["s1"], now=NOW, days=1)
        await s.commit()
        assert invitations.problem(fresh, NOW + timedelta(days=1, seconds=-1)) is None
        assert invitations.problem(fresh, NOW + timedelta(days=1)) is Problem.expired
        assert not await invitations.consume(s, fresh, NOW + timedelta(days=2))
        assert (await invitations.lookup(s, invitations.payload_of(fresh), NOW + timedelta(days=2)))[1] \
            is Problem.expired
        assert invitations.problem(await s.get(Invitation, forever.id), NOW + timedelta(days=3650)) is None

        await invitations.revoke(s, fresh, NOW)
        await invitations.revoke(s, fresh, NOW + timedelta(hours=1))  # idempotent: the first moment stays
        await s.commit()
        assert fresh.revoked_at == NOW
        assert (await invitations.lookup(s, invitations.payload_of(fresh), NOW))[1] is Problem.revoked
        assert not await invitations.consume(s, fresh, NOW)
        active = await invitations.active_for_unit(s, await s.get(Unit, u["s1"].id), "participant", NOW)
        assert [i.id for i in active] == [forever.id]


async def test_consume_is_atomic_across_sessions(sessionmaker):
    async with sessionmaker() as s:
        u = await build_tree(s)
        inv = await invitations.create(s, kind="curator", unit=u["s1"], now=NOW)  # one use
        await s.commit()

    async def use() -> bool:
        async with sessionmaker() as s:
            loaded = await s.get(Invitation, inv.id)
            done = await invitations.consume(s, loaded, NOW)
            await s.commit()
            return done

    # stale objects: both loaded while uses == 0; the database refuses the second use.
    # (One session at a time: SQLite runs a one-connection pool.)
    async with sessionmaker() as a:
        ia = await a.get(Invitation, inv.id)
        await a.commit()
    async with sessionmaker() as b:
        ib = await b.get(Invitation, inv.id)
        await b.commit()
        assert ia.uses == ib.uses == 0
        async with sessionmaker() as a:
            assert await invitations.consume(a, await a.merge(ia, load=False), NOW)
            await a.commit()
        assert ib.uses == 0
        assert not await invitations.consume(b, ib, NOW)
        await b.commit()

    async with sessionmaker() as s:
        more = await invitations.create(s, kind="participant", unit=u["s1"], now=NOW, max_uses=3)
        await s.commit()
    inv = more

    results = await asyncio.gather(*[use() for _ in range(6)])
    async with sessionmaker() as s:
        assert (await s.get(Invitation, more.id)).uses == 3
    assert sum(1 for r in results if r is True) == 3
