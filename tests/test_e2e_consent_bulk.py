"""Confirming parental consent in bulk, with an undo (issue 9, item 13), through the running bot.

A curator marks several people (or takes a whole class, or the whole list) and confirms them at
once; the list keeps its numbering while they work (confirmed people stay on it, marked); an undo
within CONSENT_UNDO_MINUTES restores exactly those people and drops the messages that would have
told them; every press is authorised for the person's organisation.
"""
from __future__ import annotations

from sqlalchemy import select

from bot.i18n import Translator
from db.models import AuditEvent, Consent, OutboxMessage, Participant, User
from domain.consents import CONSENT_UNDO_MINUTES, confirm_consents
from handlers.curator_views import CuAb, CuAl, CuAs, CuAu
from tests.test_e2e_curator import seed_curator, seed_people, seed_tree, settle, snapshot

T = Translator()
ru = T.bind("ru")
en = T.bind("en")

KIDS = [("Алексеев Артём", "mentee", "awaiting_consent", 7), ("Борисова Вера", "mentee", "awaiting_consent", 8),
        ("Васильев Глеб", "mentee", "awaiting_consent", 7), ("Григорьева Дина", "mentee", "awaiting_consent", 8),
        ("Дмитриев Егор", "mentee", "awaiting_consent", 7), ("Егорова Жанна", "mentee", "awaiting_consent", 8)]
KID_CHATS = 8700  # the children's Telegram ids: 8700 + their index in KIDS


def texts(message) -> list[str]:
    return [b.text for b in message.buttons]


def line(t, n: int, name: str, grade: int) -> str:
    details = t("cur-cat-school_student") + ", " + t("cur-grade", grade=grade)
    return t("cur-await-line", n=n, name=name, details=details, year="2013")


async def statuses(sessionmaker, ids: list[int]) -> list[tuple[str, object]]:
    async with sessionmaker() as s:
        return [(p.status, p.parental_consent_at) for p in
                [await s.get(Participant, i) for i in ids]]


async def open_awaiting(curator, t, n: int):
    await curator.send("/curator")
    view = await curator.wait_message()
    await curator.press(view, t("cur-btn-awaiting", n=n))
    return await curator.wait_message()


async def test_marking_several_confirming_at_once_and_undoing_before_anyone_is_told(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    ids = await seed_people(sessionmaker, clock, tree.s1, [*KIDS, ("Сидорова Ольга", "mentor", "active")],
                            with_users_from=KID_CHATS)
    curator_id = await seed_curator(sessionmaker, clock, 7701, tree.s1)
    clock.advance(hours=1)  # 11:00 UTC, 14:00 in Moscow
    curator = tg.user(7701, language_code="ru")

    page = await open_awaiting(curator, t, 6)
    assert t("cur-await-found", n=6) in page.text and "Сидорова" not in page.text
    for i, (name, _, _, grade) in enumerate(KIDS):
        assert line(t, i + 1, name, grade) in page.text
        assert t("cur-await-btn-off", n=i + 1, name=name) in texts(page)
    assert t("cur-await-class-grade", grade=7, n=3) in texts(page)
    assert t("cur-await-class-grade", grade=8, n=3) in texts(page)
    assert t("cur-btn-confirm-all", n=6) in texts(page)

    # marking: a visible mark per person, toggled by pressing again; nothing is recorded yet
    await settle(curator)
    before = await snapshot(sessionmaker)
    await curator.press(page, t("cur-await-btn-off", n=2, name="Борисова Вера"))
    page = await curator.wait_message()
    assert t("cur-await-btn-on", n=2, name="Борисова Вера") in texts(page)
    assert t("cur-btn-confirm-marked", n=1) in texts(page)
    await curator.press(page, t("cur-await-btn-off", n=4, name="Григорьева Дина"))
    page = await curator.wait_message()
    await curator.press(page, t("cur-await-btn-on", n=4, name="Григорьева Дина"))  # unmarked again
    page = await curator.wait_message()
    assert t("cur-await-btn-off", n=4, name="Григорьева Дина") in texts(page)
    assert t("cur-btn-confirm-marked", n=1) in texts(page)
    await curator.press(page, t("cur-await-btn-off", n=4, name="Григорьева Дина"))
    page = await curator.wait_message()
    assert t("cur-await-btn-on", n=4, name="Григорьева Дина") in texts(page)
    await settle(curator)
    assert await snapshot(sessionmaker) == before

    # confirming the two at once: the list keeps its numbering, the two stay on it, marked confirmed
    await curator.press(page, t("cur-btn-confirm-marked", n=2))
    page = await curator.wait_message()
    assert (await curator.wait_callback_answer())["text"] == t("cur-consents-done", n=2, minutes=CONSENT_UNDO_MINUTES)
    assert page.text.startswith(t("cur-consents-done", n=2, minutes=CONSENT_UNDO_MINUTES))
    assert t("cur-await-line-done", n=2, name="Борисова Вера") in page.text
    assert t("cur-await-line-done", n=4, name="Григорьева Дина") in page.text
    assert line(t, 3, "Васильев Глеб", 7) in page.text and line(t, 5, "Дмитриев Егор", 7) in page.text
    assert t("cur-await-btn-done", n=2, name="Борисова Вера") in texts(page)
    assert t("cur-await-btn-off", n=3, name="Васильев Глеб") in texts(page)
    assert t("cur-await-found", n=4) in page.text and t("cur-btn-confirm-all", n=4) in texts(page)
    undo = page.button(t("cur-btn-undo-consents", n=2, time="14:10")).value
    await settle(curator)
    confirmed = [ids[1], ids[3]]
    assert await statuses(sessionmaker, confirmed) == [("active", clock())] * 2
    assert await statuses(sessionmaker, [ids[0], ids[2], ids[4], ids[5]]) == [("awaiting_consent", None)] * 4
    async with sessionmaker() as s:
        consents = (await s.scalars(select(Consent).where(Consent.kind == "parental"))).all()
        assert sorted(c.participant_id for c in consents) == confirmed
        assert {(c.recorded_by_user_id, c.given_at, c.withdrawn_at) for c in consents} == {(curator_id, clock(), None)}
        assert len({c.batch_id for c in consents}) == 1 and consents[0].batch_id is not None
        events = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "participant.parental_consent"))).all()
        assert sorted(e.object_id for e in events) == confirmed and {e.actor_user_id for e in events} == {curator_id}
        queued = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "consent-confirmed"))).all()
        assert sorted(m.chat_id for m in queued) == [KID_CHATS + 1, KID_CHATS + 3]
        assert {m.status for m in queued} == {"pending"}

    # a confirmed person's button: already confirmed, nothing changes
    before = await snapshot(sessionmaker)
    await curator.press(page, t("cur-await-btn-done", n=2, name="Борисова Вера"))
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-consent-already", name="Борисова Вера") and answer.get("show_alert")
    await settle(curator)
    assert await snapshot(sessionmaker) == before

    # undo (five minutes later): exactly those two wait again, and nobody is told anything
    clock.advance(minutes=5)
    await curator.press(page, t("cur-btn-undo-consents", n=2, time="14:10"))
    page = await curator.wait_message()
    assert (await curator.wait_callback_answer())["text"] == t("cur-consents-undone", n=2)
    assert page.text.startswith(t("cur-consents-undone", n=2))
    assert t("cur-await-btn-off", n=2, name="Борисова Вера") in texts(page)
    assert t("cur-await-btn-off", n=4, name="Григорьева Дина") in texts(page)
    assert not any(x.startswith("↩") for x in texts(page)) and t("cur-await-found", n=6) in page.text
    await settle(curator)
    assert await statuses(sessionmaker, ids[:6]) == [("awaiting_consent", None)] * 6
    async with sessionmaker() as s:
        consents = (await s.scalars(select(Consent).where(Consent.kind == "parental"))).all()
        assert {c.withdrawn_at for c in consents} == {clock()}
        undone = (await s.scalars(select(AuditEvent).where(
            AuditEvent.action == "participant.parental_consent_undone"))).all()
        assert sorted(e.object_id for e in undone) == confirmed and {e.actor_user_id for e in undone} == {curator_id}
        queued = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "consent-confirmed"))).all()
        assert {m.status for m in queued} == {"dropped"}
    clock.advance(minutes=CONSENT_UNDO_MINUTES + 1)
    for i in range(6):
        await tg.user(KID_CHATS + i).expect_no_message(0.3 if i else 1.0)

    # the undo button pressed again: already undone, nothing changes
    before = await snapshot(sessionmaker)
    await curator.press_data(page, undo)
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-consent-undo-already") and answer.get("show_alert")
    await settle(curator)
    assert await snapshot(sessionmaker) == before


async def test_a_whole_class_at_once_told_after_the_undo_window_then_too_late_to_undo(app, tg, sessionmaker, clock):
    t = en
    tree = await seed_tree(sessionmaker)
    ids = await seed_people(sessionmaker, clock, tree.s1, KIDS, with_users_from=KID_CHATS)
    await seed_curator(sessionmaker, clock, 7711, tree.s1, locale="en", name="Anna Smith")
    curator = tg.user(7711, language_code="en")
    page = await open_awaiting(curator, t, 6)

    await curator.press(page, t("cur-await-class-grade", grade=8, n=3))
    page = await curator.wait_message()
    assert t("cur-await-filter", cls=t("cur-await-of-grade", grade=8)) in page.text
    assert t("cur-await-found", n=3) in page.text
    for n, name in ((1, "Борисова Вера"), (2, "Григорьева Дина"), (3, "Егорова Жанна")):
        assert line(t, n, name, 8) in page.text
    assert "Алексеев" not in page.text
    await curator.press(page, t("cur-btn-confirm-class", cls=t("cur-await-of-grade", grade=8), n=3))
    ask = await curator.wait_message()
    assert ask.text == t("cur-confirm-all-ask", n=3, cls=t("cur-await-of-grade", grade=8),
                         names="Борисова Вера, Григорьева Дина, Егорова Жанна", minutes=CONSENT_UNDO_MINUTES)
    await curator.press(ask, t("cur-btn-confirm-all-yes", n=3))
    page = await curator.wait_message()
    assert page.text.startswith(t("cur-consents-done", n=3, minutes=CONSENT_UNDO_MINUTES))
    for n, name in ((1, "Борисова Вера"), (2, "Григорьева Дина"), (3, "Егорова Жанна")):
        assert t("cur-await-line-done", n=n, name=name) in page.text
    await settle(curator)
    grade8 = [ids[1], ids[3], ids[5]]
    assert await statuses(sessionmaker, grade8) == [("active", clock())] * 3
    assert await statuses(sessionmaker, [ids[0], ids[2], ids[4]]) == [("awaiting_consent", None)] * 3
    confirmed_at = clock()

    # once the undo window is over, the children are told (in their own language), once
    clock.advance(minutes=CONSENT_UNDO_MINUTES)
    for i in (1, 3, 5):
        child = tg.user(KID_CHATS + i)
        assert (await child.wait_message(timeout=10)).text == ru("consent-confirmed-notice")
    for i in (0, 2, 4):
        await tg.user(KID_CHATS + i).expect_no_message(0.3)

    # and it is too late to undo: said so, nothing changes
    await settle(curator)
    before = await snapshot(sessionmaker)
    await curator.press(page, t("cur-btn-undo-consents", n=3, time="13:10"))
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-consent-undo-expired", minutes=CONSENT_UNDO_MINUTES) and answer.get("show_alert")
    await settle(curator)
    assert await snapshot(sessionmaker) == before
    assert await statuses(sessionmaker, grade8) == [("active", confirmed_at)] * 3

    # refreshing drops the confirmed ones; the rest keep waiting
    await curator.press(page, t("cur-btn-refresh"))
    page = await curator.wait_message()
    assert t("cur-await-empty") in page.text
    await curator.press(page, t("cur-await-class-all", n=3))
    page = await curator.wait_message()
    assert t("cur-await-found", n=3) in page.text
    for n, name in ((1, "Алексеев Артём"), (2, "Васильев Глеб"), (3, "Дмитриев Егор")):
        assert line(t, n, name, 7) in page.text
    assert not any(x.startswith("↩") for x in texts(page))


async def test_undo_after_a_child_was_already_told_sends_a_correction(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    ids = await seed_people(sessionmaker, clock, tree.s1, KIDS[:2], with_users_from=KID_CHATS)
    await seed_curator(sessionmaker, clock, 7721, tree.s1)
    curator = tg.user(7721, language_code="ru")
    page = await open_awaiting(curator, t, 2)
    await curator.press(page, t("cur-btn-confirm-all", n=2))
    await curator.press(await curator.wait_message(), t("cur-btn-confirm-all-yes", n=2))
    page = await curator.wait_message()
    await settle(curator)
    # the notice to the first child has just left (as if the sender had caught it at the very end)
    async with sessionmaker() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == KID_CHATS))
        row.status, row.sent_at = "sent", clock()
        await s.commit()
    clock.advance(minutes=1)
    await curator.press(page, t("cur-btn-undo-consents", n=2, time="13:10"))
    page = await curator.wait_message()
    assert page.text.startswith("\n".join([t("cur-consents-undone", n=2),
                                           t("cur-consents-undone-told", names="Алексеев Артём")]))
    assert await statuses(sessionmaker, ids) == [("awaiting_consent", None)] * 2
    first = tg.user(KID_CHATS)
    assert (await first.wait_message(timeout=10)).text == t("consent-undone-notice")
    clock.advance(minutes=CONSENT_UNDO_MINUTES)
    await tg.user(KID_CHATS + 1).expect_no_message(1.0)
    await first.expect_no_message(0.3)


async def test_forged_and_stale_presses_change_nothing(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    [own] = await seed_people(sessionmaker, clock, tree.s1, KIDS[:1], with_users_from=KID_CHATS)
    [other] = await seed_people(sessionmaker, clock, tree.s3, [("Чужой Ребёнок", "mentee", "awaiting_consent")],
                                with_users_from=KID_CHATS + 50)
    await seed_curator(sessionmaker, clock, 7731, tree.s1)
    other_curator = await seed_curator(sessionmaker, clock, 7732, tree.s3)
    async with sessionmaker() as s:  # the other school's curator confirmed their child a minute ago
        outcome = await confirm_consents(s, await s.get(User, other_curator), [other], clock())
        other_batch = outcome.batch_id
        await s.commit()
    curator = tg.user(7731, language_code="ru")
    page = await open_awaiting(curator, t, 1)
    await curator.press(page, t("cur-await-btn-off", n=1, name="Алексеев Артём"))
    page = await curator.wait_message()
    marked = CuAb.unpack(page.button(t("cur-btn-confirm-marked", n=1)).value)
    await settle(curator)
    before = await snapshot(sessionmaker)
    o, ts = tree.s1.id, marked.t
    forged = [
        CuAs(o=o, id=other, t=ts), CuAs(o=tree.s3.id, id=other, t=ts), CuAs(o=o, id=987654, t=ts),
        CuAl(o=tree.s3.id), CuAl(o=o, f="q7"), CuAb(o=tree.s3.id, a="L", n=1, t=ts), CuAb(o=o, a="z", t=ts),
        CuAu(id=other_batch, o=o), CuAu(id=other_batch, o=tree.s3.id), CuAu(id=987654, o=o),
    ]
    for data in forged:
        await curator.press_data(page, data.pack())
        answer = await curator.wait_callback_answer()
        assert answer["text"] == t("cur-not-found") and answer.get("show_alert"), data
    await curator.expect_no_message(0.3)
    # a "confirm the marked" press that does not match the marks as they are: nothing is confirmed
    await curator.press_data(page, marked.model_copy(update={"n": 2}).pack())
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-consents-marks-changed") and answer.get("show_alert")
    # a whole-list press whose count no longer matches the list: asked to check again
    await curator.press_data(page, CuAb(o=o, a="L", n=5, t=ts).pack())
    answer = await curator.wait_callback_answer()
    assert answer["text"] == t("cur-consents-list-changed") and answer.get("show_alert")
    await settle(curator)
    assert await snapshot(sessionmaker) == before
    await tg.user(KID_CHATS + 50).expect_no_message(0.3)
    async with sessionmaker() as s:
        assert (await s.get(Participant, other)).status == "active"
        assert (await s.get(Participant, own)).status == "awaiting_consent"
