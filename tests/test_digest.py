"""Curators learn of new registrations in one digest (an item of their "needs your attention"
summary, domain.attention), not a message per person."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.i18n import Translator
from db.models import CuratorRole, OutboxMessage, Participant, User
from domain import invitations
from domain.digest import enqueue_digests
from domain.people import accept_curator
from domain.units import create_unit

T = Translator()


async def seed(sessionmaker, now):
    async with sessionmaker() as s:
        region = await create_unit(s, "region", "Ростовская область", timezone="Europe/Moscow")
        mun = await create_unit(s, "municipality", "Шолоховский район", parent=region)
        school = await create_unit(s, "organisation", "Школа № 1", parent=mun, org_type="school")
        other = await create_unit(s, "organisation", "Школа № 2", parent=mun, org_type="school")
        inv = await invitations.create(s, kind="curator", unit=school, now=now)
        await accept_curator(s, tg_id=8101, locale="ru", full_name="Куратор Школы", invitation=inv, now=now)
        inv = await invitations.create(s, kind="curator", unit=mun, now=now)
        await accept_curator(s, tg_id=8102, locale="en", full_name="Municipal Curator", invitation=inv, now=now)
        await s.commit()
        return school.id, other.id


async def add_participant(sessionmaker, org_id, n, role, status, at):
    async with sessionmaker() as s:
        user = User(tg_id=8200 + n, locale="ru", full_name=f"P{n}")
        s.add(user)
        await s.flush()
        s.add(Participant(user_id=user.id, org_id=org_id, role=role, category="school_student", grade=7,
                          birth_year=2013, full_name=f"P{n}", status=status, registered_at=at))
        await s.commit()


def expected_summary(t, groups) -> str:
    """A "needs your attention" summary as domain.attention writes it: groups [(kind, [(line key,
    args), ...])] in the summary's order, each with its heading and its lines."""
    lines: list[str] = []
    n = 0
    for kind, items in groups:
        if lines:
            lines.append("")
        lines.append(t(f"att-group-{kind}", n=len(items)))
        lines.extend("• " + t(f"att-line-{key}", **args) for key, args in items)
        n += len(items)
    return t("att-summary", n=n, body="\n".join(lines))


async def test_digest_counts_subtree_once_and_respects_quiet_hours(app, tg, sessionmaker, clock):
    now = clock()
    school_curator, mun_curator = tg.user(8101), tg.user(8102, language_code="en")
    school_id, other_id = await seed(sessionmaker, now)
    clock.advance(minutes=10)
    await add_participant(sessionmaker, school_id, 1, "mentee", "awaiting_consent", clock())
    await add_participant(sessionmaker, school_id, 2, "mentee", "active", clock())
    await add_participant(sessionmaker, school_id, 3, "mentor", "active", clock())
    await add_participant(sessionmaker, other_id, 4, "mentee", "active", clock())
    clock.advance(minutes=10)

    async with sessionmaker() as s:
        assert await enqueue_digests(s, clock(), app.settings) == 2
        await s.commit()
    clock.advance(minutes=3)  # a summary gathers what its run brings (attention.GATHER)

    # the school's curator confirms consents there: the digest and the consent item, one summary
    ru = T.bind("ru")
    msg = await school_curator.wait_message(timeout=10)
    assert msg.text == expected_summary(ru, [
        ("consent", [("att-consent-notice", dict(unit="Школа № 1", n=1))]),
        ("joined", [("digest-new-registrations", dict(unit="Школа № 1", total=3, mentors=1, mentees=2))]),
    ])
    assert "P1" not in msg.text  # counts only, no names
    # the municipality's curator: the digest alone comes as itself
    msg = await mun_curator.wait_message(timeout=10)
    assert msg.text == T.get("en", "digest-new-registrations", unit="Шолоховский район", total=4, mentors=1,
                             mentees=3, awaiting=1)
    assert [b.text for b in msg.buttons] == [T.get("en", "att-btn-open")]
    assert "P1" not in msg.text  # counts only, no names

    # nothing new: no digest; one new person: one message, counting only that person
    async with sessionmaker() as s:
        assert await enqueue_digests(s, clock(), app.settings) == 0
        await s.commit()
    await school_curator.expect_no_message(0.6)
    # Let the real second of per-chat pacing pass: with the test's frozen clock, a row the
    # sender defers for pacing would wait for the clock to move.
    await asyncio.sleep(1.1)
    clock.advance(minutes=5)
    await add_participant(sessionmaker, other_id, 5, "mentor", "active", clock())
    clock.advance(minutes=5)
    async with sessionmaker() as s:
        assert await enqueue_digests(s, clock(), app.settings) == 1
        await s.commit()
    clock.advance(minutes=31)  # at most one summary per curator in attention.MIN_GAP
    msg = await mun_curator.wait_message(timeout=10)
    assert "1 new participant" in msg.text
    await school_curator.expect_no_message(0.6)


async def test_digest_waits_for_morning_in_quiet_hours(start_app, tg, sessionmaker, clock):
    # 20:30 UTC is 23:30 in Moscow: inside the default quiet hours 22-08
    clock.set(datetime(2026, 11, 23, 20, 30, tzinfo=timezone.utc))
    app = await start_app(quiet_hours_start=22, quiet_hours_end=8)
    curator = tg.user(8101)
    school_id, _ = await seed(sessionmaker, clock())
    clock.advance(minutes=1)
    await add_participant(sessionmaker, school_id, 1, "mentee", "active", clock())
    clock.advance(minutes=10)  # digests count registrations settled for 5 minutes
    async with sessionmaker() as s:
        assert await enqueue_digests(s, clock(), app.settings) == 2  # the school's and the municipality's
        await s.commit()
    clock.advance(minutes=3)  # the summary is due: quiet hours hold it
    for _ in range(100):
        async with sessionmaker() as s:
            row = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "attention",
                                                             OutboxMessage.chat_id == 8101))
        if row.due_at != clock() - timedelta(minutes=1):
            break
        await asyncio.sleep(0.1)
    await curator.expect_no_message(0.5)
    assert row.status == "pending"
    assert row.due_at == datetime(2026, 11, 24, 5, 0, tzinfo=timezone.utc)  # 08:00 Moscow
    clock.set(datetime(2026, 11, 24, 5, 0, 1, tzinfo=timezone.utc))
    msg = await curator.wait_message(timeout=10)
    assert "Школа № 1" in msg.text


async def test_digest_of_a_revoked_curator_is_dropped(start_app, tg, sessionmaker, clock):
    clock.set(datetime(2026, 11, 23, 20, 30, tzinfo=timezone.utc))  # quiet hours in Moscow
    app = await start_app(quiet_hours_start=22, quiet_hours_end=8)
    curator = tg.user(8101)
    school_id, _ = await seed(sessionmaker, clock())
    clock.advance(minutes=1)
    await add_participant(sessionmaker, school_id, 1, "mentee", "active", clock())
    clock.advance(minutes=10)  # digests count registrations settled for 5 minutes
    async with sessionmaker() as s:
        await enqueue_digests(s, clock(), app.settings)
        role = await s.scalar(select(CuratorRole).join(User).where(User.tg_id == 8101))
        role.revoked_at = clock()
        await s.commit()
    clock.set(datetime(2026, 11, 24, 5, 0, 1, tzinfo=timezone.utc))
    status = "pending"
    for _ in range(100):
        async with sessionmaker() as s:
            status = await s.scalar(select(OutboxMessage.status).where(OutboxMessage.chat_id == 8101))
        if status not in ("pending", "claimed", "sending"):  # wait for a final state
            break
        await asyncio.sleep(0.1)
    assert status == "dropped"
    await curator.expect_no_message(0.3)
