"""domain.attention on real databases: items, the one pending summary per curator, what the sender
writes into it right before it leaves, and how items leave the list (resolved, replaced, seen,
dismissed, expired, erased)."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from bot.i18n import Translator
from db.models import AttentionItem, OutboxMessage, Participant, User
from domain import attention, pairing
from domain.digest import enqueue_digests
from domain.outbox import CLAIMED, SENT, is_relevant
from domain.consents import confirm_consents
from domain.people import erase_user
from tests.test_pairing import World, answer, programme, seed

T = Translator()
ru, en = T.bind("ru"), T.bind("en")


@pytest.fixture(autouse=True)
def translator_and_kinds():
    """The app configures the translator; "test-act" is an actionable kind nothing resolves
    (unregistered kinds, like "test", are informational)."""
    attention.configure(translator=T, default_tz="Europe/Moscow")
    attention.register_kind("test-act", order=5)
    yield
    attention._KINDS.pop("test-act", None)


async def summaries(s, user_id: int) -> list[OutboxMessage]:
    return list((await s.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == attention.KIND_SUMMARY, OutboxMessage.user_id == user_id)
        .order_by(OutboxMessage.id))).all())


async def add(s, world: World, n: int, now, *, kind: str = "test", ref: str | None = None, key="pair-withdrawn-notice"):
    args = {"programme": "Наставники 2026", "mentor": f"M{n}", "mentees": f"E{n}"}
    return await attention.add_item(s, world.curator_id, kind, ref or f"x{n}", args, f"test:{n}", key=key, now=now,
                                    unit_id=world.org_id, tz="Europe/Moscow")


async def leave(s, row: OutboxMessage, now) -> bool:
    """What the sender does right before sending: claim the row, then ask its relevance check."""
    row.status, row.claimed_at = CLAIMED, now
    await s.flush()
    return await is_relevant(s, row)


async def test_one_pending_summary_takes_every_item_and_is_written_as_it_leaves(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    t0 = clock()
    async with sessionmaker() as s:
        first = await add(s, world, 1, t0, kind="test-act")
        await add(s, world, 2, t0 + timedelta(seconds=30), kind="test-act")
        assert await add(s, world, 1, t0) is None  # the same dedupe key: nothing
        [row] = await summaries(s, world.curator_id)
        assert (row.status, row.due_at, row.tz, row.chat_id) == ("pending", t0 + attention.GATHER, "Europe/Moscow",
                                                                 7001)
        # one more while it waits: merged into it, no second message
        await add(s, world, 3, t0 + timedelta(minutes=1), kind="test")
        assert len(await summaries(s, world.curator_id)) == 1

        assert await leave(s, row, t0 + attention.GATHER)
        assert row.payload["key"] == "att-summary" and row.payload["args"]["n"] == 3
        text = ru("att-summary", **row.payload["args"])
        assert text.splitlines()[0] == ru("att-title", n=3)
        # groups by kind, in their order (registered kinds first), each with its count
        assert text.index(ru("att-group-other", n=2)) < text.index(ru("att-group-other", n=1))
        assert "• " + ru("att-line-pair-withdrawn-notice", programme="Наставники 2026", mentor="M1",
                         mentees="E1") in text.splitlines()
        buttons = [b["callback_data"] for r in row.payload["buttons"] for b in r]
        items = (await s.scalars(select(AttentionItem).order_by(AttentionItem.id))).all()
        assert sorted(buttons[:-1]) == sorted(f"na:{i.id}:s" for i in items) and buttons[-1] == "nl:-:0:s"
        assert all(i.summary_id == row.id for i in items)
        # a retry (after a network error) writes the same items again
        row.status = "pending"
        assert await leave(s, row, t0 + attention.GATHER + timedelta(minutes=1))
        assert row.payload["args"]["n"] == 3
        # the curator's English: rendered in their language at the moment it leaves
        (await s.get(User, world.curator_id)).locale = "en"
        row.status = "pending"
        assert await leave(s, row, t0 + attention.GATHER + timedelta(minutes=2))
        assert en("att-summary", **row.payload["args"]).splitlines()[0] == en("att-title", n=3)
        assert first.summary_id == row.id


async def test_a_lone_item_comes_as_itself_and_the_next_summary_keeps_the_gap(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    t0 = clock()
    async with sessionmaker() as s:
        item = await add(s, world, 1, t0, kind="test-act")
        [row] = await summaries(s, world.curator_id)
        assert await leave(s, row, t0 + attention.GATHER)
        assert row.payload["key"] == "pair-withdrawn-notice" and row.payload["args"] == item.args
        assert row.payload["buttons"] == [[{"text_key": "att-btn-open", "args": {},
                                            "callback_data": f"na:{item.id}:s"}]]
        row.status, row.sent_at = SENT, t0 + attention.GATHER
        # a new item after it was sent: a new summary, no sooner than MIN_GAP after the last one
        t1 = t0 + timedelta(minutes=5)
        await add(s, world, 2, t1, kind="test-act")
        rows = await summaries(s, world.curator_id)
        assert len(rows) == 2 and rows[1].due_at == row.sent_at + attention.MIN_GAP
        assert await leave(s, rows[1], rows[1].due_at)
        assert rows[1].payload["args"]["mentor"] == "M2"  # only what is new; the first is still on the list
        assert len(await attention.open_items(s, world.curator_id, rows[1].due_at)) == 2


async def test_an_item_added_while_the_summary_is_on_its_way_gets_the_next_one(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    t0 = clock()
    async with sessionmaker() as s:
        await add(s, world, 1, t0)
        [row] = await summaries(s, world.curator_id)
        row.status = CLAIMED
        await s.flush()
        await add(s, world, 2, t0 + timedelta(minutes=1))
        rows = await summaries(s, world.curator_id)
        assert [r.status for r in rows] == [CLAIMED, "pending"]
        assert rows[1].due_at == t0 + timedelta(minutes=1) + attention.MIN_GAP
        # the claimed one took both (the second had committed before it left): the next has nothing, dropped
        assert await leave(s, row, t0 + timedelta(minutes=2))
        assert row.payload["args"]["n"] == 2
        assert not await leave(s, rows[1], rows[1].due_at)


async def test_a_summary_whose_items_were_resolved_meanwhile_is_dropped(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    t0 = clock()
    async with sessionmaker() as s:
        pair = await pairing.manual_pair(s, await programme(s, world), world.member["Иванова Мария"],
                                         world.member["Сидоров Саша"], curator_id=world.curator_id, now=t0,
                                         translator=T)
        await s.commit()
    # the mentee does not answer: after the reminder, the curator hears it (an item)
    async with sessionmaker() as s:
        await pairing.remind_and_report(s, t0 + pairing.REMIND_AFTER, T)
        await pairing.remind_and_report(s, t0 + pairing.REMIND_AFTER + pairing.REPORT_AFTER, T)
        await s.commit()
        [item] = (await s.scalars(select(AttentionItem))).all()
        assert (item.kind, item.key, item.ref) == ("silent", "pair-unanswered-notice", f"p{pair.id}")
    # ... and both answer before the summary (held by quiet hours, say) leaves
    later = t0 + pairing.REMIND_AFTER + pairing.REPORT_AFTER + timedelta(hours=1)
    await answer(sessionmaker, world, pair.id, "Иванова Мария", True, later)
    await answer(sessionmaker, world, pair.id, "Сидоров Саша", True, later)
    async with sessionmaker() as s:
        rows = await summaries(s, world.curator_id)
        # the unanswered report's summary now carries only "the pair started"
        assert await leave(s, rows[0], later)
        assert rows[0].payload["key"] == "pair-active-notice"
        silent = await s.get(AttentionItem, item.id)
        assert (silent.closed_why, silent.summary_id) == (attention.RESOLVED, None)
        # nothing open at all: dropped
        started = await s.scalar(select(AttentionItem).where(AttentionItem.kind == "started"))
        await attention.dismiss(s, started, later)
        rows[0].status = "pending"
        assert not await leave(s, rows[0], later)


async def test_a_decline_stays_until_the_mentee_has_a_pair_again(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    now = clock()
    async with sessionmaker() as s:
        pair = await pairing.manual_pair(s, await programme(s, world), world.member["Иванова Мария"],
                                         world.member["Сидоров Саша"], curator_id=world.curator_id, now=now,
                                         translator=T)
        await s.commit()
    await answer(sessionmaker, world, pair.id, "Сидоров Саша", False, now, reason="Не подходит время")
    async with sessionmaker() as s:
        [item] = (await s.scalars(select(AttentionItem))).all()
        assert (item.kind, item.ref) == ("declined", f"p{pair.id}:{world.member['Сидоров Саша']}")
        assert await attention.is_open(s, item, now)
        # paired with another mentor: done
        await pairing.manual_pair(s, await programme(s, world), world.member["Петров Пётр"],
                                  world.member["Сидоров Саша"], curator_id=world.curator_id, now=now, translator=T)
        assert not await attention.is_open(s, item, now) and item.closed_why == attention.RESOLVED


async def test_parental_consent_items_count_live_and_close_when_confirmed(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    settings = SimpleNamespace(timezone="Europe/Moscow")
    clock.advance(minutes=1)
    async with sessionmaker() as s:
        for n in (1, 2):
            user = User(tg_id=7900 + n, locale="ru", full_name=f"Минор {n}")
            s.add(user)
            await s.flush()
            s.add(Participant(user_id=user.id, org_id=world.org_id, role="mentee", category="school_student",
                              grade=7, birth_year=2013, full_name=f"Минор {n}", status="awaiting_consent",
                              registered_at=clock(), updated_at=clock()))
        await s.commit()
    clock.advance(minutes=10)
    async with sessionmaker() as s:
        assert await enqueue_digests(s, clock(), settings) == 1
        await s.commit()
        consent = await s.scalar(select(AttentionItem).where(AttentionItem.kind == "consent"))
        # the seed's Смирнов Сеня awaits too (registered before the curator's last digest)
        assert (consent.ref, consent.key, consent.args) == (f"o{world.org_id}", "att-consent-notice",
                                                            {"unit": "Школа № 1", "n": 3})
        curator = await s.get(User, world.curator_id)
        waiting = (await s.scalars(select(Participant).where(Participant.status == "awaiting_consent")
                                   .order_by(Participant.id))).all()
        await confirm_consents(s, curator, [waiting[0].id], clock())
        [open_now] = [i for i in await attention.open_items(s, world.curator_id, clock()) if i.kind == "consent"]
        assert open_now.args["n"] == 2  # live
        await confirm_consents(s, curator, [p.id for p in waiting[1:]], clock())  # the rest at once
        assert not [i for i in await attention.open_items(s, world.curator_id, clock()) if i.kind == "consent"]
        assert (await s.get(AttentionItem, consent.id)).closed_why == attention.RESOLVED


async def test_seen_dismissed_expired_and_out_of_reach(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    now = clock()
    async with sessionmaker() as s:
        digest = await attention.add_item(s, world.curator_id, "joined", f"u{world.org_id}",
                                          {"unit": "Школа № 1", "total": 1, "mentors": 0, "mentees": 1,
                                           "awaiting": 0}, "digest:test", key="digest-new-registrations", now=now,
                                          unit_id=world.org_id)
        other = await attention.add_item(s, world.curator_id, "test-act", "x9", {"programme": "P", "mentor": "M",
                                                                                  "mentees": "E"},
                                         "test:9", key="pair-withdrawn-notice", now=now, unit_id=world.org_id)
        foreign_unit = (await s.get(pairing.Programme, world.other_programme_id)).unit_id
        outside = await attention.add_item(s, world.curator_id, "test-act", "x10", {"programme": "P", "mentor": "M",
                                                                                     "mentees": "E"},
                                           "test:10", key="pair-withdrawn-notice", now=now, unit_id=foreign_unit)
        listed = await attention.open_items(s, world.curator_id, now)
        assert {i.id for i in listed} == {digest.id, other.id}  # not what lies outside their scope
        await attention.mark_seen(s, other, now)  # actionable: opening it does not close it
        await attention.mark_seen(s, digest, now)  # informational: done once seen
        assert (other.closed_at, digest.closed_why) == (None, attention.SEEN)
        assert await attention.dismiss(s, other, now) and not await attention.dismiss(s, other, now)
        # informational items older than FYI_FOR leave by themselves
        fresh = await attention.add_item(s, world.curator_id, "test", "x11", {"programme": "P", "mentor": "M",
                                                                              "mentees": "E"},
                                         "test:11", key="pair-withdrawn-notice", now=now, unit_id=world.org_id)
        assert [i.id for i in await attention.open_items(s, world.curator_id, now)] == [fresh.id]
        assert await attention.open_items(s, world.curator_id, now + attention.FYI_FOR) == []
        assert fresh.closed_why == attention.EXPIRED
        assert outside.closed_at is None  # hidden, not closed: a curator given that unit would see it


async def test_lines_of_a_producer_without_line_keys_fall_back_to_its_notice():
    item = AttentionItem(id=1, kind="erased-new", key="pair-withdrawn-notice",
                         args={"programme": "P", "mentor": "M", "mentees": "E"})
    item.key = "pair-withdrawn-notice"
    assert attention.line_of(ru, item) == ru("att-line-pair-withdrawn-notice", programme="P", mentor="M", mentees="E")
    item.key = "pair-cancelled-notice"  # no att-line-pair-cancelled-notice: the whole notice, cut short
    assert attention.line_of(ru, item) == attention.cut(ru("pair-cancelled-notice", programme="P"), attention.LINE_MAX)
    assert attention.heading_of(ru, "erased-new", 2) == ru("att-group-other", n=2)
    assert attention.cut("один два три четыре", 12) == "один два…"
    with pytest.raises(ValueError):
        attention.register_kind("no:colons", order=1)


async def test_an_erased_curator_s_list_goes(sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        await add(s, world, 1, clock())
        await erase_user(s, await s.get(User, world.curator_id), clock())
        await s.commit()
        assert await s.scalar(select(func.count()).select_from(AttentionItem)) == 0
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)
                              .where(OutboxMessage.kind == attention.KIND_SUMMARY)) == 0
        assert await add(s, world, 2, clock()) is None  # nothing is added for them any more
