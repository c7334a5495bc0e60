"""Erasure inside pairs and groups (domain.erasure) on real databases (SQLite and PostgreSQL).

The world is tests/test_checkins.py's: M1 mentors E1 (P1) and E2 (P2); M2 mentors the group
E3 + E4 (P3); M2 and E5 were a pair that ended (P4). People are erased through
``domain.people.erase_user``; older erasures (a participant erased with their pairs left as
they were) are made by hand and put right by ``release_erased``.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from sqlalchemy import select

from db.models import AttentionItem, AuditEvent, Goal, OutboxMessage, Pair, PairFit, PairMentee, Participant, SurveyResponse, Unit, User
from domain import attention, checkins, erasure, kpi, pairing, surveys
from domain.people import erase_user
from tests.test_checkins import CURATOR_TG, World, at, member, pair, seed

NOW = at("2026-11-20", 9)  # 12:00 in Moscow; the pairs started on 2, 4 and 9 November
TITLE = "Наставники 2026"


async def erase(sessionmaker, world: World, name: str, now: datetime = NOW) -> None:
    async with sessionmaker() as s:
        await erase_user(s, await s.get(User, world.user[name]), now)
        await s.commit()


async def rows(s, kind: str) -> list[OutboxMessage]:
    return list((await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)
                                 .order_by(OutboxMessage.id))).all())


def recipients(items: list[OutboxMessage]) -> set[int]:
    return {r.chat_id for r in items}


TG = {name: 7800 + n for n, name in enumerate(("M1", "M2", "E1", "E2", "E3", "E4", "E5"))}


async def told_curators(s) -> list[AttentionItem]:
    """What the curators were told: items of their "needs your attention" lists (domain.attention)."""
    return list((await s.scalars(select(AttentionItem).where(AttentionItem.kind == erasure.ATT_CURATOR)
                                 .order_by(AttentionItem.id))).all())


async def no_row_names(s, name: str) -> None:
    """Nothing queued or sent holds the erased person's name (they were named "E1", ... "M2"), nor
    anything still on a curator's list."""
    for row in (await s.scalars(select(OutboxMessage))).all():
        assert name not in json.dumps(row.payload, ensure_ascii=False).replace(f"{name}0", ""), row.payload
    for item in (await s.scalars(select(AttentionItem))).all():
        assert name not in json.dumps([item.args, item.buttons], ensure_ascii=False).replace(f"{name}0", ""), \
            item.args


async def test_a_pair_ends_and_a_group_goes_on_without_the_erased_mentee(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:  # E3's own words, a low rating and a "not a good match" in the group
        p3 = await pair(s, world, "P3")
        e3, e4, m2 = await member(s, world, "E3"), await member(s, world, "E4"), await member(s, world, "M2")
        await checkins.add_goal(s, p3, e3, "Физика", NOW - timedelta(days=3))
        kept = await checkins.add_goal(s, p3, e4, "Проект", NOW - timedelta(days=3))
        s.add(PairFit(pair_id=p3.id, member_id=e3.id, fits=False, reason="не то", answered_at=NOW - timedelta(days=2)))
        s.add(SurveyResponse(survey_code="meeting-mentee", survey_version=1, occasion="meeting:1", kind="meeting",
                             programme_id=world.programme_id, member_id=e3.id, pair_id=p3.id, role="mentee",
                             answers={"useful": 2, "comfort": 2, "clarity": 2, "next_planned": False, "comment": None},
                             position=5, started_at=NOW - timedelta(days=2), updated_at=NOW - timedelta(days=2),
                             completed_at=NOW - timedelta(days=2)))
        await s.commit()
        facts, _ = await checkins.risk_facts(s, NOW, pair_ids=[p3.id])
        assert facts[0].low_ratings and facts[0].declined_fits  # at risk while E3 is in it

    await erase(sessionmaker, world, "E1")
    await erase(sessionmaker, world, "E3")

    async with sessionmaker() as s:
        p1, p3 = await pair(s, world, "P1"), await pair(s, world, "P3")
        assert (p1.status, p1.ended_at) == ("dissolved", NOW)
        assert p3.status == "active" and p3.ended_at is None
        left = {pm.mentee_member_id: pm.left_at for pm in (await s.scalars(
            select(PairMentee).where(PairMentee.pair_id == p3.id))).all()}
        assert left == {world.member["E3"]: NOW, world.member["E4"]: None}
        events = {(e.action, e.object_id) for e in (await s.scalars(select(AuditEvent))).all()}
        assert {("pair.dissolved", p1.id), ("pair.mentee_left", p3.id)} <= events

        # the others and the curator were told, by role, not by the erased name
        partners = await rows(s, erasure.KIND_PARTNER)
        assert [(r.chat_id, r.payload["key"], r.payload["args"]) for r in partners] == [
            (TG["M1"], "pair-erased-partner-ended", {"programme": TITLE, "who": "mentee", "group": "no"}),
            (TG["M2"], "pair-erased-partner-left", {"programme": TITLE, "mentor": "M2", "mentees": "E4", "n": 1}),
            (TG["E4"], "pair-erased-partner-left", {"programme": TITLE, "mentor": "M2", "mentees": "E4", "n": 1}),
        ]
        curators = await told_curators(s)
        assert [(r.user_id, r.key, r.ref) for r in curators] == [
            (world.curator_user_id, "pair-erased-curator-ended", f"e{p1.id}:{world.member['E1']}"),
            (world.curator_user_id, "pair-erased-curator-left", f"e{p3.id}:{world.member['E3']}")]
        assert all(r.closed_at is None for r in curators)  # on the curator's list, for the next summary
        assert curators[0].args == {"programme": TITLE, "who": "mentee", "pending": "no", "group": "no",
                                    "has_mentor": "yes", "mentor": "M1", "mentees": "", "n": 0}
        assert curators[0].buttons[0][0]["callback_data"] == f"wr:{p1.id}"
        await no_row_names(s, "E1")
        await no_row_names(s, "E3")

        # the group without E3: M2's place is free, the group's people, goals and risk are E4's
        per_mentor, taken = pairing.load_of(await pairing.fixed_combos(s, world.programme_id))
        assert per_mentor[world.member["M2"]] == 1 and world.member["E3"] not in taken
        assert await surveys.pair_member_ids(s, p3) == (world.member["M2"], [world.member["E4"]])
        mentor, mentees = await pairing.people_of(s, p3)
        assert [m.name for _, m in mentees] == ["E4"]
        assert [g.id for g in await checkins.goals_of(s, p3, await member(s, world, "M2"))] == [kept.id]
        facts, _ = await checkins.risk_facts(s, NOW, pair_ids=[p3.id])
        assert facts[0].low_ratings == () and facts[0].declined_fits == () and facts[0].unreachable == 0
        rows_of_annex = await pairing.annex_rows(s, await s.get(pairing.Programme, world.programme_id))
        assert [(r.mentor, r.mentee) for r in rows_of_annex] == [("M1", "E2"), ("M2", "E4")]

    # the next check-ins ask about the pairs that are left, naming only those still in them
    async with sessionmaker() as s:
        await checkins.due_checkins(s, at("2026-11-23", 14), default_tz="UTC")
        await s.commit()
        asked = {r.chat_id: r.payload["args"] for r in await rows(s, checkins.KIND_CHECKIN)}
    assert asked == {TG["M1"]: {"since": "04.11.2026", "partners": "E2", "count": 1},
                     TG["E2"]: {"since": "04.11.2026", "partners": "M1", "count": 1},
                     TG["M2"]: {"since": "09.11.2026", "partners": "E4", "count": 1},
                     TG["E4"]: {"since": "09.11.2026", "partners": "M2", "count": 1}}


async def test_kpis_keep_the_year_s_counts_and_drop_the_erased_from_now(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:
        org = await s.get(Unit, (await s.get(pairing.Programme, world.programme_id)).unit_id)

    async def involved(as_of: date | None) -> int:
        async with sessionmaker() as s:
            figures = (await kpi.unit_kpis_total(s, org, as_of, NOW.date())).figures
            return figures["mentees_11_18"].involved

    assert (await involved(None), await involved(date(2026, 12, 31))) == (4, 5)  # E5's pair ended in November
    await erase(sessionmaker, world, "E1")  # their pair ends
    await erase(sessionmaker, world, "E3")  # they leave the group
    # now: E2 and E4 are the mentees still in a pair; the year: everyone who was (the anonymous rows count)
    assert (await involved(None), await involved(date(2026, 12, 31))) == (2, 5)
    assert await involved(date(2025, 12, 31)) == 0


async def test_erasing_a_group_s_mentor_dissolves_it_and_tells_each_mentee(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    await erase(sessionmaker, world, "M2")
    async with sessionmaker() as s:
        statuses = {name: (await s.get(Pair, pid)).status for name, pid in world.pair.items()}
        assert statuses == {"P1": "active", "P2": "active", "P3": "dissolved", "P4": "ended"}
        partners = await rows(s, erasure.KIND_PARTNER)
        assert [(r.chat_id, r.payload["args"]) for r in partners] == [
            (TG[name], {"programme": TITLE, "who": "mentor", "group": "yes"}) for name in ("E3", "E4")]
        [notice] = await told_curators(s)  # nothing about the pair that had ended
        assert notice.args == {"programme": TITLE, "who": "mentor", "pending": "no", "group": "yes",
                                          "has_mentor": "no", "mentor": "", "mentees": "E3, E4", "n": 2}
        await no_row_names(s, "M2")
        # the mentees are free to be paired again
        _, taken = pairing.load_of(await pairing.fixed_combos(s, world.programme_id))
        assert not {world.member["E3"], world.member["E4"]} & taken


async def test_a_proposal_with_the_erased_person_is_withdrawn_quietly(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:  # a proposal for E5 with M1, not yet approved: no card was sent
        proposal = Pair(programme_id=world.programme_id, mentor_member_id=world.member["M1"], status="proposed",
                        created_at=NOW - timedelta(days=1), version=0)
        s.add(proposal)
        await s.flush()
        s.add(PairMentee(pair_id=proposal.id, mentee_member_id=world.member["E5"], reasons=[]))
        await s.commit()
    await erase(sessionmaker, world, "E5")
    async with sessionmaker() as s:
        assert (await s.get(Pair, proposal.id)).status == "withdrawn"
        assert await told_curators(s) == [] and await rows(s, erasure.KIND_PARTNER) == []
        assert await rows(s, pairing.KIND_CANCELLED) == [] and await rows(s, pairing.KIND_WITHDRAWN) == []


async def test_pairs_left_dangling_by_an_older_erasure_are_put_right(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:  # erased the old way: the data is gone, the pairs untouched
        for name in ("E1", "E3"):
            p = await s.get(Participant, world.participant[name])
            p.status, p.full_name, p.user_id, p.erased_at = "erased", None, None, NOW - timedelta(days=1)
        await s.commit()
    async with sessionmaker() as s:
        assert await erasure.release_erased(s, NOW) == 2
        await s.commit()
    async with sessionmaker() as s:
        assert await erasure.release_erased(s, NOW + timedelta(hours=1)) == 0  # nothing left to put right
        await s.commit()
        assert (await pair(s, world, "P1")).status == "dissolved"
        assert (await pair(s, world, "P3")).status == "active"
        assert await surveys.pair_member_ids(s, await pair(s, world, "P3")) == (world.member["M2"],
                                                                               [world.member["E4"]])
        assert recipients(await rows(s, erasure.KIND_PARTNER)) == {TG["M1"], TG["M2"], TG["E4"]}
        assert [r.key for r in await told_curators(s)] == ["pair-erased-curator-ended", "pair-erased-curator-left"]


async def test_queued_checkins_of_the_others_no_longer_name_the_erased(sessionmaker):
    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:  # 09:00 in Moscow: every pair is due today, asked at 16:00
        await checkins.due_checkins(s, at("2026-11-23", 6), default_tz="UTC")
        await s.commit()
        before = {r.chat_id: r.payload["args"] for r in await rows(s, checkins.KIND_CHECKIN)}
    assert before[TG["M1"]] == {"since": "02.11.2026", "partners": "E1, E2", "count": 2}
    assert before[TG["M2"]] == {"since": "09.11.2026", "partners": "E3, E4", "count": 1}
    await erase(sessionmaker, world, "E1", at("2026-11-23", 7))
    await erase(sessionmaker, world, "E3", at("2026-11-23", 7))
    async with sessionmaker() as s:
        after = {r.chat_id: r.payload["args"] for r in await rows(s, checkins.KIND_CHECKIN)}
        assert after == {TG["M1"]: {"since": "02.11.2026", "partners": "E2", "count": 1},
                         TG["E2"]: before[TG["E2"]],
                         TG["M2"]: {"since": "09.11.2026", "partners": "E4", "count": 1},
                         TG["E4"]: before[TG["E4"]]}
        await no_row_names(s, "E1")
        await no_row_names(s, "E3")


async def test_the_erased_name_leaves_messages_already_written_for_others(sessionmaker):
    """Cards and summaries sent before the erasure named the person: the name goes from the stored
    rows (sent ones keep the rest, unsent ones that still name them are dropped); a row to someone
    unrelated is not touched."""
    from domain.outbox import enqueue

    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:
        m1 = await s.get(User, world.user["M1"])
        e2 = await s.get(User, world.user["E2"])
        stranger = User(tg_id=7899, locale="ru")
        s.add(stranger)
        await s.flush()
        sent_card = await enqueue(s, user_id=m1.id, chat_id=TG["M1"], kind="pair-card", key="pair-card-mentor",
                                  args={"mentees": "E1", "programme": TITLE})
        summary = await enqueue(s, user_id=world.curator_user_id, chat_id=CURATOR_TG, kind="attention",
                                key="att-summary", args={"n": 2, "body": "• E1 — M1\n• E2 — M1"})
        queued = await enqueue(s, user_id=m1.id, chat_id=TG["M1"], kind="pair-reminder", key="pair-reminder",
                               args={"mentees": "E1"})
        unrelated_partner = await enqueue(s, user_id=e2.id, chat_id=TG["E2"], kind="pair-card",
                                          key="pair-card-mentee", args={"mentor": "M1"})
        other = await enqueue(s, user_id=stranger.id, chat_id=7899, kind="digest", key="digest", args={"names": "E1"})
        for row in (sent_card, summary):
            row.status = "sent"
        await s.commit()
        ids = {"card": sent_card.id, "summary": summary.id, "queued": queued.id,
               "partner": unrelated_partner.id, "other": other.id}

    await erase(sessionmaker, world, "E1")

    async with sessionmaker() as s:
        got = {k: await s.get(OutboxMessage, v) for k, v in ids.items()}
        assert (got["card"].status, got["card"].payload["args"]) == (
            "sent", {"mentees": erasure.ERASED_MARK, "programme": TITLE})
        assert got["summary"].payload["args"]["body"] == f"• {erasure.ERASED_MARK} — M1\n• E2 — M1"
        assert (got["queued"].status, got["queued"].payload["args"]) == ("dropped", {"mentees": erasure.ERASED_MARK})
        assert (got["partner"].status, got["partner"].payload["args"]) == ("pending", {"mentor": "M1"})
        assert got["other"].payload["args"] == {"names": "E1"}  # not someone who had to do with them


# ---------------------------------------------------------------------------------------------
# review fixes (issue 9, item 2): the notices of an approved proposal, names in curators' items,
# short forms, rows in flight, a bounded scrub, items of a group that goes on
# ---------------------------------------------------------------------------------------------
FULL = "Смирнова Елена Викторовна"  # E3 in these tests: a name with a short form and cut forms


async def approved_with_cards(sessionmaker, world: World, mentee: str = "E5") -> tuple[int, dict[str, int]]:
    """An approved proposal M1 + ``mentee`` whose cards were delivered (rows sent, with their
    message ids); returns the pair's id and the cards' row ids by person."""
    from domain.outbox import enqueue

    async with sessionmaker() as s:
        proposal = Pair(programme_id=world.programme_id, mentor_member_id=world.member["M1"], status="approved",
                        created_at=NOW - timedelta(days=2), approved_at=NOW - timedelta(days=1), version=0)
        s.add(proposal)
        await s.flush()
        s.add(PairMentee(pair_id=proposal.id, mentee_member_id=world.member[mentee], reasons=[]))
        cards = {}
        for name, key, args in (("M1", "pair-card-mentor", {"mentees": mentee}),
                                (mentee, "pair-card-mentee", {"mentor": "M1"})):
            row = await enqueue(s, user_id=world.user[name], chat_id=TG[name], kind=pairing.KIND_CARD, key=key,
                                args={"programme": TITLE, **args},
                                dedupe_key=f"{pairing.KIND_CARD}:{proposal.id}:{world.member[name]}")
            row.status, row.tg_message_id, row.sent_at = "sent", 500 + len(cards), NOW - timedelta(days=1)
            cards[name] = row.id
        await s.commit()
    return proposal.id, cards


async def test_an_approved_proposal_s_partner_is_told_by_role_and_the_card_closed(sessionmaker):
    """Item 1: the notice and the card's edit name the erased side by its role, so nothing needs
    dropping and the partner is told (before: both named E5 and the scrub dropped them)."""
    world = await seed(sessionmaker, at("2026-11-01"))
    proposal_id, cards = await approved_with_cards(sessionmaker, world)

    await erase(sessionmaker, world, "E5")

    async with sessionmaker() as s:
        assert (await s.get(Pair, proposal_id)).status == "withdrawn"
        [notice] = await rows(s, pairing.KIND_CANCELLED)
        assert (notice.chat_id, notice.status, notice.payload["key"]) == (TG["M1"], "pending", "pair-cancelled-notice")
        assert notice.payload["args"] == {"programme": TITLE, "partner_role": "none", "partner": "",
                                          "why": "erased", "erased_role": "mentee"}
        [edit] = await rows(s, pairing.KIND_CARD_CLOSED)
        assert (edit.chat_id, edit.status, edit.payload["key"], edit.payload["edit_message_id"]) == (
            TG["M1"], "pending", "pair-card-cancelled-erased", 500)
        assert edit.payload["args"] == {"programme": TITLE, "partner_role": "none", "partner": "",
                                        "erased_role": "mentee"}
        card = await s.get(OutboxMessage, cards["M1"])  # the card itself: sent, the name taken out
        assert (card.status, card.payload["args"]["mentees"]) == ("sent", erasure.ERASED_MARK)
        assert await s.get(OutboxMessage, cards["E5"]) is None  # the erased person's own rows go
        [told] = await told_curators(s)
        assert told.args["pending"] == "yes" and told.args["who"] == "mentee"
        await no_row_names(s, "E5")


async def test_a_group_proposal_names_the_others_and_the_erased_by_role(sessionmaker):
    """Item 1, a group: the mentor's notice names the mentee who stays, not the erased one."""
    world = await seed(sessionmaker, at("2026-11-01"))
    proposal_id, _ = await approved_with_cards(sessionmaker, world, "E5")
    async with sessionmaker() as s:  # E1 is in the proposal too (a group of two)
        s.add(PairMentee(pair_id=proposal_id, mentee_member_id=world.member["E1"], reasons=[]))
        await s.commit()

    await erase(sessionmaker, world, "E5")

    async with sessionmaker() as s:
        told = {r.chat_id: r.payload["args"] for r in await rows(s, pairing.KIND_CANCELLED)}
        assert told == {
            TG["M1"]: {"programme": TITLE, "partner_role": "mentee", "partner": "E1", "why": "erased",
                       "erased_role": "mentee"},
            TG["E1"]: {"programme": TITLE, "partner_role": "mentor", "partner": "M1", "why": "erased",
                       "erased_role": "co-mentee"},
        }
        assert all(r.status == "pending" for r in await rows(s, pairing.KIND_CANCELLED))
        await no_row_names(s, "E5")


async def name_e3(sessionmaker, world: World) -> None:
    async with sessionmaker() as s:
        (await s.get(Participant, world.participant["E3"])).full_name = FULL
        (await s.get(User, world.user["E3"])).full_name = FULL
        await s.commit()


def item(world: World, kind: str, ref: str, key: str, args: dict, *, buttons=None, created_at=NOW) -> AttentionItem:
    return AttentionItem(user_id=world.curator_user_id, kind=kind, ref=ref, key=key, args=args, buttons=buttons,
                         created_at=created_at)


async def test_curators_items_lose_the_name_in_every_form_and_valid_ones_stay_open(sessionmaker):
    """Items 2, 3 and 7: E3 leaves the group P3, which goes on. The group's risk item stays open
    with E3 taken out of its list; the items about E3 alone (their "not a good match" in it, with
    their words; a decline by E3, by its ref) are closed and emptied; items elsewhere naming E3 in
    full, short or cut form are scrubbed; an item about the other pair P2 is not touched."""
    world = await seed(sessionmaker, at("2026-11-01"))
    await name_e3(sessionmaker, world)
    p2, p3 = world.pair["P2"], world.pair["P3"]
    async with sessionmaker() as s:
        items = {
            "risk": item(world, "risk", f"p{p3}", "risk-no-meeting",
                         {"programme": TITLE, "mentor": "M2", "mentees": f"{FULL}, E4", "days": 30}),
            "fit": item(world, "fit", f"p{p3}", "risk-fit-declined",  # E3's own "not a good match", their words
                        {"programme": TITLE, "mentor": "M2", "mentees": f"{FULL}, E4", "who": FULL,
                         "reason": "не то"}),
            "declined": item(world, "declined", f"p{p3}:{world.member['E3']}", "pair-declined-notice",
                             {"programme": TITLE, "who": "E3?", "role": "mentee", "others": "M2"}),
            "p2": item(world, "risk", f"p{p2}", "risk-no-meeting",
                       {"programme": TITLE, "mentor": "M1", "mentees": "E2", "days": 30}),
            "consent": item(world, "consent", "o1", "cons-item", {"n": 3, "names": "E1, Смирнова Е. В., E2"},
                            buttons=[[{"text_key": "att-btn-item", "args": {"label": "Смирнова Елена…"},
                                       "callback_data": "na:1:s"}]]),
            "joined": item(world, "joined", "o2", "reg-item", {"who": "Смирнова Е. В."}),
        }
        s.add_all(items.values())
        await s.commit()
        ids = {k: v.id for k, v in items.items()}

    await erase(sessionmaker, world, "E3")

    async with sessionmaker() as s:
        got = {k: await s.get(AttentionItem, v) for k, v in ids.items()}
        assert got["risk"].closed_at is None  # still valid: the group goes on
        assert got["risk"].args == {"programme": TITLE, "mentor": "M2", "mentees": "E4", "days": 30}
        assert (got["fit"].closed_at, got["fit"].args, got["fit"].buttons) == (NOW, {}, None)
        assert (got["declined"].closed_at, got["declined"].args) == (NOW, {})  # about them: by its ref
        assert got["p2"].closed_at is None and got["p2"].args["mentees"] == "E2"
        assert got["consent"].closed_at is None and got["consent"].args == {"n": 3, "names": "E1, E2"}
        assert got["consent"].buttons[0][0]["args"] == {"label": erasure.ERASED_MARK}
        assert got["joined"].closed_at == NOW and got["joined"].args == {}  # it was about E3 alone
        for part in ("Смирнова", "Елена", "Е. В."):
            await no_row_names(s, part)


def test_an_emptied_item_reads_as_no_longer_needing_attention():
    """Item 6: an item emptied by the erasure has nothing to fill its text: it reads as the short
    "no longer needs your attention" line, in a list and as a notice, never as raw placeholders;
    a name taken out of an open item reads as ``person-erased``."""
    from bot.i18n import Translator

    t = Translator().bind("ru")
    emptied = AttentionItem(user_id=1, kind="declined", ref="p1:2", key="pair-declined-notice", args={},
                            buttons=None, created_at=NOW, closed_at=NOW, closed_why="resolved")
    assert attention.notice_of(t, emptied) == attention.line_of(t, emptied) == t("att-resolved")
    scrubbed = AttentionItem(user_id=1, kind="risk", ref="p1", key="risk-no-meeting", created_at=NOW,
                             args={"programme": TITLE, "mentor": erasure.ERASED_MARK, "mentees": "E2", "days": 30})
    assert t("person-erased") in attention.notice_of(t, scrubbed)
    assert erasure.ERASED_MARK not in attention.notice_of(t, scrubbed) + attention.line_of(t, scrubbed)
    # alone in a summary it goes as its own notice, buttons included: written for the reader too
    scrubbed.id, scrubbed.buttons = 5, [[{"text_key": "att-btn-item", "args": {"label": erasure.ERASED_MARK},
                                          "callback_data": "na:5:s"}]]
    payload = attention._summary_payload(t, [scrubbed])  # noqa: SLF001
    assert erasure.ERASED_MARK not in json.dumps(payload, ensure_ascii=False)
    assert payload["buttons"][0][0]["args"] == {"label": t("person-erased")}


async def test_rows_in_flight_are_scrubbed_and_never_sent_with_or_without_the_name(sessionmaker, tg, clock):
    """Item 4: a row being sent (claimed, 'sending') keeps its status, so the sender records its
    answer by id, but its payload loses the name at once and is marked: the sender drops it
    rather than send it (again), e.g. when it comes back after a 429."""
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.i18n import Translator
    from bot.outbox import OutboxSender, _Job, _Prepared
    from domain.outbox import SCRUBBED, enqueue
    from tests.test_outbox import TOKEN, sender_settings

    world = await seed(sessionmaker, at("2026-11-01"))
    clock.set(NOW)
    async with sessionmaker() as s:
        made = {}
        for status in ("claimed", "sending", "sending-ok"):
            row = await enqueue(s, user_id=world.user["M2"], chat_id=TG["M2"], kind=checkins.KIND_CHECKIN,
                                key="checkin-ask", args={"since": "09.11.2026", "partners": "E3, E4", "count": 1},
                                due_at=NOW)
            row.status, row.claimed_by, row.claimed_at = status.removesuffix("-ok"), "w1", NOW
            made[status] = row.id
        await s.commit()

    await erase(sessionmaker, world, "E3")

    async with sessionmaker() as s:
        for status, row_id in made.items():
            row = await s.get(OutboxMessage, row_id)
            assert row.status == status.removesuffix("-ok") and row.claimed_by == "w1"
            assert row.payload["args"]["partners"] == f"{erasure.ERASED_MARK}, E4" and row.payload[SCRUBBED]
        await no_row_names(s, "E3")

    bot = Bot(token=TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
    try:
        sender = OutboxSender(bot, sessionmaker, sender_settings(outbox_per_chat_interval=0.0), Translator(),
                              worker_id="w1", clock=clock)
        # the claimed one: the sender's next step drops it instead of sending it
        assert await sender._send(_Job(made["claimed"], TG["M2"], world.user["M2"])) is False  # noqa: SLF001
        # one 'sending' is answered by Telegram: recorded as sent by id, the payload stays clean
        await sender._on_sent(_Prepared(made["sending-ok"], TG["M2"], world.user["M2"], "x", None, None),  # noqa: SLF001
                              message_id=77)
        # the other meets a 429: back to pending, and then dropped rather than sent again
        await sender._on_retry_after(_Prepared(made["sending"], TG["M2"], world.user["M2"], "x", None, None), 0)  # noqa: SLF001
        await sender.tick()
    finally:
        await bot.session.close()
    assert tg.messages(TG["M2"]) == []
    async with sessionmaker() as s:
        got = {k: await s.get(OutboxMessage, v) for k, v in made.items()}
        assert (got["claimed"].status, got["claimed"].last_error) == ("dropped", "names an erased person")
        assert (got["sending"].status, got["sending"].last_error) == ("dropped", "names an erased person")
        assert (got["sending-ok"].status, got["sending-ok"].tg_message_id) == ("sent", 77)
        await no_row_names(s, "E3")


async def test_the_scrub_reads_only_rows_written_since_registration_of_kinds_that_name(sessionmaker, monkeypatch):
    """Item 5: rows from before the person registered and rows of kinds that carry no name
    (domain.outbox.NAMELESS_KINDS) are not read; the rest is read in keyset pages (a page of 2
    here) and every row is scrubbed."""
    from domain.outbox import enqueue

    monkeypatch.setattr(erasure, "SCRUB_BATCH", 2, raising=False)
    world = await seed(sessionmaker, at("2026-11-01"))
    async with sessionmaker() as s:
        before_them = at("2026-10-01")
        old = await enqueue(s, user_id=world.curator_user_id, chat_id=CURATOR_TG, kind="attention", key="att-summary",
                            args={"n": 1, "body": "• E3"})
        old.created_at, old.status = before_them, "sent"
        old_item = item(world, "joined", "o9", "reg-item", {"who": "E3"}, created_at=before_them)
        s.add(old_item)
        nameless = await enqueue(s, user_id=world.curator_user_id, chat_id=CURATOR_TG, kind="digest", key="digest",
                                 args={"names": "E3"})
        nameless.status = "sent"
        named = []
        for n in range(5):
            row = await enqueue(s, user_id=world.user["M2"] if n % 2 else world.curator_user_id,
                                chat_id=TG["M2"] if n % 2 else CURATOR_TG, kind="attention", key="att-summary",
                                args={"n": n, "body": f"• E3 — M2 ({n})"})
            row.status = "sent"
            named.append(row.id)
        await s.commit()
        kept = (old.id, nameless.id, old_item.id)

    await erase(sessionmaker, world, "E3")

    async with sessionmaker() as s:
        assert (await s.get(OutboxMessage, kept[0])).payload["args"]["body"] == "• E3"
        assert (await s.get(OutboxMessage, kept[1])).payload["args"] == {"names": "E3"}
        assert (await s.get(AttentionItem, kept[2])).args == {"who": "E3"}
        for n, row_id in enumerate(named):
            assert (await s.get(OutboxMessage, row_id)).payload["args"]["body"] == \
                f"• {erasure.ERASED_MARK} — M2 ({n})"
