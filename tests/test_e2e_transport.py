"""The bot against a misbehaving Bot API, through the running bot and the stand-in: direct replies
that meet a 429, a 5xx or a dropped connection (issue 9, item 3); an update aiogram cannot read
(item 18); people who block and unblock the bot (my_chat_member, item 19).

Texts are compared with the translator's output; the database through the test's sessionmaker.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select

from bot.i18n import Translator
from db.models import OutboxMessage, Participant, Programme, ProgrammeMember, User
from domain import checkins, pairing
from domain.outbox import enqueue
from handlers.monitoring import RiskOpen
from tests.test_e2e_monitoring import KATYA, MARIA, OLGA, PETR, TITLE, make_active, seed_work, wait_status
from tests.test_e2e_pairing import E2E_MENTEES, E2E_MENTORS, open_pairs
from tests.test_pairing import seed
from tests.test_e2e_registration import Chat, edition_of, register, seed_invite, seed_org
from tests.test_pairing import CURATOR_TG

T = Translator()
ru = T.bind("ru")


def sends_to(tg, chat_id: int) -> list[dict]:
    return [p for p in tg.calls("sendMessage") if int(p["chat_id"]) == chat_id]


def delivered_to(tg, chat_id: int, text: str) -> int:
    return sum(1 for chat, body in tg.delivered if chat == chat_id and body == text)


# ---------------------------------------------------------------------------------------------
# item 3: direct replies survive 429, 5xx and connection failures, and are never sent twice
# ---------------------------------------------------------------------------------------------
async def test_help_is_answered_through_a_429(app, tg):
    guest = tg.user(7601, language_code="ru")
    tg.fail_next("sendMessage", 429, retry_after=1)
    await guest.send("/help")
    reply = await guest.wait_message(timeout=10)
    assert T.get("ru", "help-guest") in reply.text
    assert tg.count_429 == 1
    assert len(sends_to(tg, 7601)) == 2  # the refused request and its retry
    assert delivered_to(tg, 7601, reply.text) == 1
    await guest.expect_no_message(0.3)  # and no apology


async def test_a_finished_registration_is_told_through_a_429(app, tg, sessionmaker, clock):
    org = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org)
    chat = Chat(tg, 7602, lang="en")
    summary = await register(chat, payload, confirm=False)
    tg.fail_next("sendMessage", 429, retry_after=1)
    await chat.click(summary, chat.t("reg-btn-confirm"))
    done = await chat.expect("reg-done", role="mentee")
    assert done.text.startswith(chat.t("reg-done", role="mentee"))
    assert tg.count_429 == 1
    assert delivered_to(tg, 7602, done.text) == 1
    async with sessionmaker() as s:
        user = await s.scalar(select(User).where(User.tg_id == 7602))
        assert user is not None
        assert await s.scalar(select(Participant).where(Participant.user_id == user.id)) is not None
    assert all(T.get("en", "error-apology") != m.text for m in chat.user.messages)


async def test_a_5xx_is_retried_and_a_send_that_may_have_arrived_is_not(app, tg):
    user = tg.user(7603, language_code="ru")

    tg.fail_next("sendMessage", 502)  # the gateway: Telegram did not carry it out
    await user.send("/help")
    reply = await user.wait_message(timeout=10)
    help_text = reply.text
    assert T.get("ru", "help-guest") in help_text
    assert len(sends_to(tg, 7603)) == 2 and delivered_to(tg, 7603, help_text) == 1

    tg.fail_next("sendMessage", 500, times=2)
    await user.send("/help")
    assert (await user.wait_message(timeout=10)).text == help_text
    assert len(sends_to(tg, 7603)) == 5 and delivered_to(tg, 7603, help_text) == 2

    # The connection drops after Telegram delivered the message: the answer is lost, the message
    # is not. A send is not idempotent, so it is not repeated (the error handler apologises).
    tg.fail_next("sendMessage", 0, after_delivery=True)
    await user.send("/help")
    assert (await user.wait_message(timeout=10)).text == help_text
    apology = await user.wait_message(timeout=10)
    assert apology.text == T.get("ru", "error-apology")
    assert delivered_to(tg, 7603, help_text) == 3  # once per /help, never twice
    assert len(sends_to(tg, 7603)) == 7  # the dropped send and the apology: no retry


async def test_a_reply_waiting_out_a_429_holds_no_database_connection(app, tg):
    """The update's work is committed before the first attempt: while one person's reply waits
    out retry_after, others are answered (on SQLite the pool has one connection)."""
    slow, quick = tg.user(7607, language_code="ru"), tg.user(7608, language_code="en")
    tg.fail_next("sendMessage", 429, retry_after=3)
    await slow.send("/help")
    await tg.wait_until(lambda: True if tg.count_429 else None, timeout=10)
    await quick.send("/help")
    assert T.get("en", "help-guest") in (await quick.wait_message(timeout=10)).text
    assert T.get("ru", "help-guest") in (await slow.wait_message(timeout=10)).text
    assert [chat for chat, _ in tg.delivered] == [7608, 7607]


async def test_the_outbox_keeps_its_own_429_handling(app, tg, sessionmaker, clock):
    """The retry is for replies within an update: a queued row meeting a 429 still goes back to
    the queue (due after retry_after by the sender's clock) instead of being retried in place."""
    tg.user(7604, language_code="ru")
    tg.fail_next("sendMessage", 429, retry_after=1)
    async with sessionmaker() as s:
        row = await enqueue(s, user_id=None, chat_id=7604, kind="digest", key="cancel-nothing", due_at=clock())
        await s.commit()
    await tg.wait_until(lambda: True if tg.count_429 else None, timeout=10)
    pending = await wait_status(sessionmaker, row.id, "pending")
    assert pending.due_at == clock() + timedelta(seconds=1) and pending.attempts == 0
    await asyncio.sleep(1.5)  # real seconds pass, the sender's clock does not: no retry in place
    assert len(sends_to(tg, 7604)) == 1 and tg.delivered == []
    clock.advance(seconds=2)
    await wait_status(sessionmaker, row.id, "sent")
    assert tg.delivered == [(7604, T.get("ru", "cancel-nothing"))]


# ---------------------------------------------------------------------------------------------
# item 3, after review: a reply that gives up is handed to the outbox, not lost
# ---------------------------------------------------------------------------------------------
async def nudge_until(clock, predicate, timeout: float = 20.0, step: float = 5.0):
    """Move the frozen test clock on (the outbox's due dates and per-chat pacing follow it) until
    ``predicate()`` is true; returns its value."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (result := predicate()):
        assert loop.time() < deadline, "condition not met in time"
        clock.advance(seconds=step)
        await asyncio.sleep(0.2)
    return result


def received(user, text: str):
    """The first message of the chat showing exactly ``text`` (None while there is none)."""
    return next((m for m in user.messages if m.text == text), None)


async def queued_replies(sessionmaker, chat_id: int) -> list[OutboxMessage]:
    async with sessionmaker() as s:
        return list((await s.scalars(select(OutboxMessage).where(OutboxMessage.chat_id == chat_id)
                                     .order_by(OutboxMessage.id))).all())


async def test_help_through_five_429s_arrives_later_through_the_outbox_once(app, tg, sessionmaker, clock):
    """Four tries of the reply meet a 429 (the attempts run out): the answer goes to the outbox,
    which meets the fifth, waits it out as it does for any row, and delivers it, once."""
    guest = tg.user(7621, language_code="ru")
    help_text = T.get("ru", "help-guest")
    tg.fail_next("sendMessage", 429, retry_after=1, times=5)
    await guest.send("/help")
    reply = await nudge_until(clock, lambda: next((m for m in guest.messages if help_text in m.text), None), step=1)
    assert tg.count_429 == 5
    assert len(sends_to(tg, 7621)) == 6  # four tries of the reply, the outbox's refused one, and the delivery
    assert delivered_to(tg, 7621, reply.text) == 1
    [row] = await queued_replies(sessionmaker, 7621)
    assert row.status == "sent" and row.tg_message_id == reply.message_id
    guest.skip()
    clock.advance(seconds=30)
    await guest.expect_no_message(0.5)  # no second copy, no apology
    assert delivered_to(tg, 7621, reply.text) == 1


async def test_help_waits_out_a_long_429_in_the_outbox(app, tg, sessionmaker, clock):
    """A retry_after longer than a reply may wait (20 s in all): not waited for in the update, not
    lost either: queued, due when Telegram allows, and sent then (English). The answer to the
    next command does not overtake it: it follows it, in order."""
    guest = tg.user(7622, language_code="en")
    help_text = T.get("en", "help-guest")
    tg.fail_next("sendMessage", 429, retry_after=30)
    await guest.send("/help")
    await tg.wait_until(lambda: True if tg.count_429 else None, timeout=10)
    await guest.send("/language")  # handled at once (nothing was held), its answer queued behind
    await eventually(lambda: _has_rows(sessionmaker, 7622, 2))
    help_row, language_row = await queued_replies(sessionmaker, 7622)
    assert help_row.due_at == clock() + timedelta(seconds=30) and language_row.payload["after"] == help_row.id
    await guest.expect_no_message(0.5)
    clock.advance(seconds=31)
    reply = await guest.wait_message(timeout=10)
    assert help_text in reply.text
    menu = await nudge_until(clock, lambda: next((m for m in guest.messages if m.message_id > reply.message_id), None),
                             step=1)
    assert menu.text == T.get("en", "language-choose") and menu.buttons  # with its buttons
    assert delivered_to(tg, 7622, reply.text) == 1 and tg.count_429 == 1
    assert len(sends_to(tg, 7622)) == 3  # the refused reply, then each once from the outbox


async def _has_rows(sessionmaker, chat_id: int, n: int) -> bool:
    return len(await queued_replies(sessionmaker, chat_id)) >= n


async def test_a_finished_registration_is_told_after_a_long_429(app, tg, sessionmaker, clock):
    org = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org)
    chat = Chat(tg, 7623, lang="ru")
    summary = await register(chat, payload, confirm=False)
    tg.fail_next("sendMessage", 429, retry_after=60)
    await chat.click(summary, chat.t("reg-btn-confirm"))
    async with sessionmaker() as s:  # stored at once
        user = await s.scalar(select(User).where(User.tg_id == 7623))
        assert user is not None
        assert await s.scalar(select(Participant).where(Participant.user_id == user.id)) is not None
    done_text = chat.t("reg-done", role="mentee")
    clock.advance(seconds=61)
    done = await chat.user.wait_message(timeout=10, contains=done_text)
    assert done.text.startswith(done_text)
    assert delivered_to(tg, 7623, done.text) == 1
    await chat.user.expect_no_message(0.5)
    assert all(m.text != chat.t("error-apology") for m in chat.user.messages)


async def test_the_apology_is_not_lost_to_a_429_either(app, tg, sessionmaker, clock):
    """The error handler answers as a reply does: retried, and handed to the outbox when it must
    wait longer."""
    user = tg.user(7624, language_code="ru")
    tg.fail_next("sendMessage", 0, after_delivery=True)  # the answer arrives, its confirmation does not
    tg.fail_next("sendMessage", 429, retry_after=40)  # and the apology meets flood control
    await user.send("/help")
    assert T.get("ru", "help-guest") in (await user.wait_message(timeout=10)).text
    await tg.wait_until(lambda: True if tg.count_429 else None, timeout=10)
    clock.advance(seconds=41)
    apology = await user.wait_message(timeout=10)
    assert apology.text == T.get("ru", "error-apology")
    assert delivered_to(tg, 7624, apology.text) == 1


async def test_after_a_reply_was_queued_the_rest_of_the_update_follows_it_in_order(app, tg, sessionmaker, clock):
    """The closing edit of a question meets a long 429: it is queued, and so is the next question
    (sent after it, not before); that question's buttons work once it arrives."""
    org = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org)
    chat = Chat(tg, 7625, lang="en")
    await chat.say(f"/start {payload}")
    question = await chat.expect("reg-ask-language")
    tg.fail_next("editMessageText", 429, retry_after=30)
    await chat.click(question, T.get("en", "language-name"))
    await tg.wait_until(lambda: True if tg.count_429 else None, timeout=10)
    consent_text = chat.t("reg-consent-text", edition=edition_of(chat))
    await chat.user.expect_no_message(0.5)  # neither the edit nor the next question went ahead
    clock.advance(seconds=31)
    closed = await chat.user.wait_message(timeout=10)
    assert closed.message_id == question.message_id and closed.edited  # the edit first...
    assert closed.text.endswith(T.get("en", "language-name")) and not closed.buttons
    consent = await nudge_until(clock, lambda: next((m for m in chat.user.messages if consent_text in m.text), None),
                                step=1)  # ... then the question (one message a second per chat)
    assert consent.message_id > question.message_id
    await chat.click(consent, chat.t("reg-btn-agree"))  # its buttons are the dialog's current ones
    await chat.expect("reg-ask-role")
    assert len([p for p in tg.calls("sendMessage") if int(p["chat_id"]) == 7625]) == 3  # no copy was sent twice


async def test_an_edit_that_arrived_before_its_answer_was_lost_lets_the_handler_go_on(app, tg, sessionmaker, clock):
    """"Propose pairs" first turns the screen into a progress message; that edit is carried out but
    its answer is lost, and the retry is told "message is not modified": the edit is done, so the
    matching runs and its summary replaces the progress, with no apology."""
    world = await seed(sessionmaker, clock(), mentors=E2E_MENTORS, mentees=E2E_MENTEES)
    curator = tg.user(CURATOR_TG, language_code="ru")
    screen = await open_pairs(curator, world)
    tg.fail_next("editMessageText", 0, after_delivery=True)
    await curator.press(screen, ru("pair-btn-propose"))
    summary = await curator.wait_message(timeout=15, contains=ru("pair-summary-title", programme=TITLE))
    assert summary.message_id == screen.message_id
    assert ru("pair-summary-counts", pairs=3, groups=0, mentees=3) in summary.text
    assert len(tg.calls("editMessageText")) >= 3  # the dropped edit, its retry, the summary
    assert all(m.text != ru("error-apology") for m in curator.messages)


async def test_a_late_callback_answer_does_not_turn_a_done_action_into_an_apology(app, tg):
    """Choosing a language: the callback answer meets a 429 and, after the wait, "query is too
    old". The language is set all the same and said so, without an apology (English)."""
    guest = tg.user(7626, language_code="ru")
    await guest.send("/language")
    menu = await guest.wait_message(timeout=10)
    tg.fail_next("answerCallbackQuery", 429, retry_after=1)
    tg.fail_next("answerCallbackQuery", 400, description="Bad Request: query is too old and response timeout "
                                                         "expired or query ID is invalid")
    await guest.press(menu, T.get("en", "language-name"))
    done = await guest.wait_message(timeout=10)
    assert done.message_id == menu.message_id and done.text == T.get("en", "language-set")
    assert len(tg.calls("answerCallbackQuery")) == 2
    await guest.expect_no_message(0.5)  # no apology
    await guest.send("/help")
    assert T.get("en", "help-guest") in (await guest.wait_message(timeout=10)).text  # and English it is


# ---------------------------------------------------------------------------------------------
# item 18: an update aiogram cannot read is skipped, and everybody else is still answered
# ---------------------------------------------------------------------------------------------
async def test_an_unreadable_update_is_skipped_and_the_bot_goes_on(app, tg, caplog):
    secret = "Моя тайна"
    help_ru, help_en = T.get("ru", "help-guest"), T.get("en", "help-guest")
    with caplog.at_level(logging.INFO):
        # alone in its batch (so the last one): the offset must still move past it
        bad = tg.inject_malformed_update(7611, text=secret)
        await tg.wait_until(lambda: True if all(u["update_id"] != bad for u in tg.pending_updates) else None,
                            timeout=10, describe=lambda: f"update {bad} is fetched again and again")
        other = tg.user(7612, language_code="ru")
        await other.send("/help")
        assert help_ru in (await other.wait_message(timeout=10)).text

        # first in a batch with good updates after it: they are all handled
        anna, bob = tg.user(7613, language_code="ru"), tg.user(7614, language_code="en")
        worse = tg.inject_malformed_update(7611, shape="no-date", text=secret)
        anna.send_nowait("/help")
        bob.send_nowait("/help")
        worst = tg.inject_malformed_update(7615, text=secret)  # and one more at the end of it
        assert help_ru in (await anna.wait_message(timeout=10)).text
        assert help_en in (await bob.wait_message(timeout=10)).text
        await tg.wait_until(lambda: True if not tg.pending_updates else None, timeout=10,
                            describe=lambda: f"pending: {[u['update_id'] for u in tg.pending_updates]}")

    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    for update_id in (bad, worse, worst):
        assert any(str(update_id) in line for line in skipped), (update_id, skipped)
    assert not any(secret in r.getMessage() for r in caplog.records)
    assert not any("Failed to fetch updates" in r.getMessage() for r in caplog.records)
    assert tg.messages(7611) == [] and tg.messages(7615) == []


# ---------------------------------------------------------------------------------------------
# item 19: blocking and unblocking the bot is known at once
# ---------------------------------------------------------------------------------------------
async def pair_screen(curator, pair_id: int):
    """The pair's monitoring screen, opened as from a risk alert (a new message)."""
    await curator.send("/help")
    anchor = await curator.wait_message(timeout=10)
    await curator.press_data(anchor, RiskOpen(id=pair_id).pack())
    return await curator.wait_message(timeout=10, contains=ru("mon-pair-title", programme=TITLE))


async def reachable(sessionmaker, user_id: int) -> bool:
    async with sessionmaker() as s:
        return (await s.get(User, user_id)).unreachable_at is None


async def eventually(predicate, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_blocking_and_unblocking_the_bot_is_known_at_once(app, tg, sessionmaker, clock):
    assert "my_chat_member" in app.dp.resolve_used_update_types()
    now = clock()
    world, _, p2 = await seed_work(sessionmaker, now)
    katya = tg.user(world.tg[KATYA], language_code="ru")
    curator = tg.user(CURATOR_TG, language_code="ru")
    unreachable_words = ru("mon-reason-unreachable", n=1)
    assert unreachable_words not in (await pair_screen(curator, p2)).text
    async with sessionmaker() as s:
        later = await enqueue(s, user_id=world.user[KATYA], chat_id=world.tg[KATYA], kind="survey-invite",
                              key="cancel-nothing", due_at=now + timedelta(hours=2))
        other = await enqueue(s, user_id=world.user[PETR], chat_id=world.tg[PETR], kind="survey-invite",
                              key="cancel-nothing", due_at=now + timedelta(hours=2))
        await s.commit()

    katya.block(notify=True)
    await eventually(lambda: _not(reachable(sessionmaker, world.user[KATYA])))
    # what waits for later stays queued (dropped only if it comes due while she is unreachable)
    assert (await wait_status(sessionmaker, later.id, "pending")).status == "pending"
    assert (await wait_status(sessionmaker, other.id, "pending")).status == "pending"
    screen = await pair_screen(curator, p2)
    assert unreachable_words in screen.text
    assert tg.calls("sendMessage") and not sends_to(tg, world.tg[KATYA])  # learnt without a failed send

    katya.unblock(notify=True)
    await eventually(lambda: reachable(sessionmaker, world.user[KATYA]))
    assert unreachable_words not in (await pair_screen(curator, p2)).text
    # the outbox sends to her again
    async with sessionmaker() as s:
        again = await enqueue(s, user_id=world.user[KATYA], chat_id=world.tg[KATYA], kind="survey-invite",
                              key="cancel-nothing", due_at=clock())
        await s.commit()
    await wait_status(sessionmaker, again.id, "sent")
    assert (await katya.wait_message(timeout=10, contains=ru("cancel-nothing"))).text == ru("cancel-nothing")


async def _not(awaitable) -> bool:
    return not await awaitable


async def test_writing_to_the_bot_again_makes_a_person_reachable(app, tg, sessionmaker, clock):
    """Someone the outbox found unreachable (a 403) who writes to the bot can be reached again."""
    now = clock()
    world, _, _ = await seed_work(sessionmaker, now)
    katya = tg.user(world.tg[KATYA], language_code="ru")
    katya.block()  # no my_chat_member: learnt from the outbox's 403
    async with sessionmaker() as s:
        row = await enqueue(s, user_id=world.user[KATYA], chat_id=world.tg[KATYA], kind="survey-invite",
                            key="cancel-nothing", due_at=now)
        await s.commit()
    assert (await wait_status(sessionmaker, row.id, "failed")).last_error == "blocked"
    assert not await reachable(sessionmaker, world.user[KATYA])
    katya.unblock()
    await katya.send("/help")
    await katya.wait_message(timeout=10)
    assert await reachable(sessionmaker, world.user[KATYA])
    # and the message the block refused is queued again, and arrives (the frozen clock is moved
    # on: the per-chat pacing the row met before the block set it a little later)
    back = await nudge_until(clock, lambda: received(katya, ru("cancel-nothing")), step=1)
    assert back.text == ru("cancel-nothing")
    assert (await wait_status(sessionmaker, row.id, "sent")).attempts == 0


async def programme_of(s, world, title: str, mentor: str, mentee: str, now) -> tuple[Programme, int, int]:
    """One more programme of the school with two people of the seeded one: (it, mentor's member id,
    mentee's member id)."""
    prog = Programme(unit_id=world.org_id, form="teacher_student", role_models=["teacher_underachiever"], title=title,
                     starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31), weights={}, status="active", created_at=now)
    s.add(prog)
    await s.flush()
    ids = []
    for name, side in ((mentor, "mentor"), (mentee, "mentee")):
        participant_id = (await s.get(ProgrammeMember, world.member[name])).participant_id
        member = ProgrammeMember(programme_id=prog.id, participant_id=participant_id, side=side, joined_at=now)
        s.add(member)
        await s.flush()
        ids.append(member.id)
    return prog, ids[0], ids[1]


async def held_until(sessionmaker, row_id: int, moment: datetime) -> bool:
    async with sessionmaker() as s:
        row = await s.get(OutboxMessage, row_id)
        return row.status == "pending" and row.due_at == moment


async def rows_of(sessionmaker, user_id: int) -> dict[int, OutboxMessage]:
    async with sessionmaker() as s:
        rows = (await s.scalars(select(OutboxMessage).where(OutboxMessage.user_id == user_id))).all()
        return {r.id: r for r in rows}


async def test_a_night_block_loses_nothing_that_still_holds(start_app, tg, sessionmaker, clock):
    """Katya blocks the bot at night and unblocks it in the morning, after her messages held by the
    quiet hours came due: the morning's check-in and a proposal card arrive; the card of a proposal
    the curator withdrew in the night does not."""
    clock.set(datetime(2026, 11, 23, 20, 30, tzinfo=timezone.utc))  # 23:30 in Ryazan
    now = clock()
    morning = datetime(2026, 11, 24, 5, 0, tzinfo=timezone.utc)  # 08:00 there: the quiet hours end
    world = await seed(sessionmaker, now, mentors=E2E_MENTORS, mentees=E2E_MENTEES)
    async with sessionmaker() as s:
        await make_active(s, world.programme_id, world.member[PETR], world.member[KATYA], now - timedelta(days=30))
        kept_prog, olga, katya_x = await programme_of(s, world, "Профориентация", OLGA, KATYA, now)
        gone_prog, maria, katya_y = await programme_of(s, world, "Проектная смена", MARIA, KATYA, now)
        kept = await pairing.manual_pair(s, kept_prog, olga, katya_x, curator_id=world.curator_id, now=now,
                                         translator=T)
        gone = await pairing.manual_pair(s, gone_prog, maria, katya_y, curator_id=world.curator_id, now=now,
                                         translator=T)
        await s.commit()
    assert await checkins.run_due_checkins(sessionmaker, now, default_tz="Europe/Moscow")
    await start_app(quiet_hours_start=22, quiet_hours_end=8)
    katya = tg.user(world.tg[KATYA], language_code="ru")
    mine = await rows_of(sessionmaker, world.user[KATYA])
    checkin_row = next(r.id for r in mine.values() if r.kind == "checkin")
    card_row = next(r.id for r in mine.values() if r.kind == "pair-card" and r.dedupe_key.startswith(f"pair-card:{kept.id}:"))
    gone_row = next(r.id for r in mine.values() if r.kind == "pair-card" and r.dedupe_key.startswith(f"pair-card:{gone.id}:"))
    for row_id in (checkin_row, card_row, gone_row):  # held by the quiet hours
        await eventually(lambda: held_until(sessionmaker, row_id, morning))

    katya.block(notify=True)
    await eventually(lambda: _not(reachable(sessionmaker, world.user[KATYA])))
    for row_id in (checkin_row, card_row, gone_row):
        assert (await wait_status(sessionmaker, row_id, "pending")).status == "pending"  # nothing dropped for it
    async with sessionmaker() as s:  # in the night the curator withdraws one of the proposals
        await pairing.withdraw_approved(s, gone_prog, await s.get(type(gone), gone.id), now=clock(),
                                        curator_id=world.curator_id)
        await s.commit()

    clock.set(morning + timedelta(minutes=10))  # they come due while she still blocks the bot

    async def all_dropped() -> bool:  # (one a second per chat: the frozen clock is moved on)
        rows = await rows_of(sessionmaker, world.user[KATYA])
        if all(rows[i].status == "dropped" for i in (checkin_row, card_row, gone_row)):
            return True
        clock.advance(seconds=2)
        return False

    await eventually(all_dropped)
    rows = await rows_of(sessionmaker, world.user[KATYA])
    assert {rows[i].last_error for i in (checkin_row, card_row, gone_row)} == {"blocked"}
    assert katya.messages == []

    katya.unblock(notify=True)

    async def both_sent() -> bool:
        rows = await rows_of(sessionmaker, world.user[KATYA])
        if all(rows[i].status == "sent" for i in (checkin_row, card_row)):
            return True
        clock.advance(seconds=2)
        return False

    await eventually(both_sent)
    rows = await rows_of(sessionmaker, world.user[KATYA])
    delivered = {m.message_id: m for m in katya.messages}
    for row_id in (checkin_row, card_row):
        row = rows[row_id]
        assert row.tg_message_id in delivered
        assert delivered[row.tg_message_id].text == ru(row.payload["key"], **row.payload["args"])
    assert "Профориентация" in delivered[rows[card_row].tg_message_id].text
    assert (await wait_status(sessionmaker, gone_row, "dropped")).last_error == "not relevant any more"
    clock.advance(minutes=5)
    await asyncio.sleep(0.5)
    gone_card = ru(rows[gone_row].payload["key"], **rows[gone_row].payload["args"])
    answers_gone = f"{pairing.CB_ANSWER}:{gone.id}:"
    assert all(m.text != gone_card and not any(b.value.startswith(answers_gone) for b in m.buttons)
               for m in katya.messages)
    assert sum(1 for m in katya.messages if m.message_id in {rows[checkin_row].tg_message_id,
                                                             rows[card_row].tg_message_id}) == 2
