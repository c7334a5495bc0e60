"""/profile and /deleteme through the real running bot and the Bot API stand-in."""
from __future__ import annotations

from sqlalchemy import select

from db.models import Consent, CuratorRole, FsmRecord, OutboxMessage, Participant, Unit, User
from domain import invitations
from domain.people import accept_curator, register_participant
from domain.rules import Profile
from handlers import forms
from tests.test_e2e_registration import T, YEAR, Answers, Chat, chat_commands, register, seed_invite, seed_org

GUEST_MENU = ["start", "help", "language", "cancel"]


async def seed_participant(sessionmaker, clock, chat: Chat, org_id: int, **changes) -> int:
    """A participant registered directly through the domain (the dialog itself is tested elsewhere)."""
    values = {"role": "mentee", "category": "school_student", "grade": 9, "birth_year": 2000, "full_name": "Иванова Мария",
                  "interests": ("sport", "s:physics"), "tags": ("шахматы",), "goals": ("exams",), "goals_text": "Сдать ЕГЭ",
                  "days": (0, 2), "times": ("evening",), "format": "online"}
    values.update(changes)
    async with sessionmaker() as session:
        org = await session.get(Unit, org_id)
        inv = await invitations.create(session, kind="participant", unit=org, now=clock())
        participant = await register_participant(
            session, tg_id=chat.id, locale=chat.lang, invitation=inv, profile=Profile(**values),
            consent_given_at=clock(), now=clock(),
        )
        await session.commit()
        chat.role = values["role"]
        return participant.id


async def load(sessionmaker, chat: Chat, participant_id: int) -> tuple[Participant, User | None]:
    await chat.settle()
    async with sessionmaker() as session:
        participant = await session.get(Participant, participant_id)
        user = await session.get(User, participant.user_id) if participant.user_id else None
        return participant, user


async def open_profile(chat: Chat):
    await chat.say("/profile")
    return await chat.expect("prof-title")


def edit_label(chat: Chat, group: str) -> str:
    return f"✏️ {forms.group_label(chat.bound, group)}"


async def test_profile_needs_a_registration(app, tg, sessionmaker, clock):
    guest = Chat(tg, 20_001, "ru")
    await guest.say("/profile")
    assert (await guest.user.wait_message()).text == guest.t("prof-not-registered")
    guest_en = Chat(tg, 20_002, "en")
    await guest_en.say("/profile")
    assert (await guest_en.user.wait_message()).text == guest_en.t("prof-not-registered")
    # a forged edit button from someone who is not registered
    await guest_en.say("/language")
    msg = await guest_en.user.wait_message()
    assert (await guest_en.forge(msg, "pf:full_name"))["text"] == guest_en.t("prof-not-registered")


async def test_profile_shows_everything_and_edits_the_name(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker, "Гимназия № 2")
    chat = Chat(tg, 20_003, "ru")
    pid = await seed_participant(sessionmaker, clock, chat, org_id)
    registered_at = clock()
    profile = await open_profile(chat)
    t = chat.bound
    for expected in ("Гимназия № 2", t("cat-status-active"), "Иванова Мария", t("cat-role-mentee"),
                     t("cat-school_student"), t("cat-grade", n=9), "2000", t("catalog-interests-sport"),
                     t("catalog-subjects-physics"), "#шахматы", t("catalog-goals-exams"), "Сдать ЕГЭ",
                     t("cat-day-0"), t("cat-day-2"), t("cat-tod-evening"), t("cat-format-online")):
        assert expected in profile.text, expected
    labels = [b.text for b in profile.buttons]
    assert edit_label(chat, "full_name") in labels and edit_label(chat, "goals") in labels
    assert edit_label(chat, "role") not in labels and edit_label(chat, "capacity") not in labels
    assert (await chat.forge(profile, "pf:role"))["text"] == chat.t("reg-bad-button")
    assert (await chat.forge(profile, "pf:capacity"))["text"] == chat.t("reg-bad-button")  # a mentee's has none

    clock.advance(hours=2)
    await chat.click(profile, edit_label(chat, "full_name"))
    prompt = await chat.expect("reg-ask-full-name")
    assert chat.t("reg-current", value="Иванова Мария") in prompt.text
    await chat.say("12345")
    assert (await chat.user.wait_message()).text == chat.t("reg-invalid-name-digits")
    await chat.say("Я" * 200)
    assert (await chat.user.wait_message()).text == chat.t("reg-invalid-name-too-long", max=150)
    await chat.say("Петрова  Анна ")
    saved = await chat.expect("prof-saved")
    assert saved.text.startswith(chat.t("prof-saved")) and "Петрова Анна" in saved.text and saved.buttons

    participant, user = await load(sessionmaker, chat, pid)
    assert participant.full_name == "Петрова Анна" and user.full_name == "Петрова Анна"
    assert participant.updated_at == clock() and participant.registered_at == registered_at
    assert participant.grade == 9 and participant.goals == ["exams"] and participant.status == "active"
    await chat.say("/start")
    assert (await chat.user.wait_message()).text == chat.t("start-participant", name="Петрова Анна")


async def test_edit_multi_select_fields_and_category(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    chat = Chat(tg, 20_004, "en")
    pid = await seed_participant(sessionmaker, clock, chat, org_id, role="mentor", category="school_student",
                                 grade=10, birth_year=2009, goals=(), goals_text=None, strengths=("exams",),
                                 capacity=2)
    profile = await open_profile(chat)
    assert chat.t("prof-awaiting-consent") in profile.text  # a minor: still may view and edit
    await chat.click(profile, edit_label(chat, "availability"))
    days = await chat.expect("reg-ask-days")
    assert [b.text for b in days.buttons][:3] == [f"{forms.CHECK} Mon", "Tue", f"{forms.CHECK} Wed"]
    await chat.click(days, "Mon")  # untick
    await chat.click(days, "Sat")
    await chat.click(days, chat.t("reg-btn-done", count=2))
    times = await chat.expect("reg-ask-times")
    await chat.click(times, chat.bound("cat-tod-morning"))
    await chat.click(times, chat.t("reg-btn-done", count=2))
    await chat.expect("prof-saved")

    profile = await open_profile(chat)
    await chat.click(profile, edit_label(chat, "category"))
    category = await chat.expect("reg-ask-category")
    await chat.click(category, chat.bound("cat-college_student"))
    course = await chat.expect("reg-ask-course")
    await chat.click(course, "1")
    await chat.expect("prof-saved")

    profile = await open_profile(chat)
    await chat.click(profile, edit_label(chat, "capacity"))
    capacity = await chat.expect("reg-ask-capacity")
    assert f"{forms.CHECK} 2" in [b.text for b in capacity.buttons]
    assert (await chat.forge(capacity, "fm:capacity:c:11"))["text"] == chat.t("reg-bad-button")
    await chat.click(capacity, "4")
    saved = await chat.expect("prof-saved")
    assert T.get("en", "reg-capacity-value", count=4) in saved.text

    participant, _ = await load(sessionmaker, chat, pid)
    assert participant.days == [2, 5] and participant.times == ["morning", "evening"]
    assert (participant.category, participant.grade, participant.course) == ("college_student", None, 1)
    assert participant.capacity == 4 and participant.strengths == ["exams"]
    assert participant.status == "awaiting_consent"


async def test_birth_year_edit_never_skips_parental_consent(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    chat = Chat(tg, 20_005, "ru")
    pid = await seed_participant(sessionmaker, clock, chat, org_id, birth_year=2000)
    profile = await open_profile(chat)
    await chat.click(profile, edit_label(chat, "birth_year"))
    await chat.expect("reg-ask-birth-year")
    await chat.say(str(YEAR + 3))
    assert (await chat.user.wait_message()).text == chat.t(
        "reg-invalid-birth-year-range", min=str(YEAR - 100), max=str(YEAR - 6))
    await chat.say("2012")
    saved = await chat.expect("prof-saved")
    assert chat.bound("cat-status-awaiting_consent") in saved.text
    participant, _ = await load(sessionmaker, chat, pid)
    assert participant.status == "awaiting_consent"

    await chat.click(saved, edit_label(chat, "birth_year"))  # the buttons of the shown profile work
    await chat.expect("reg-ask-birth-year")
    await chat.say("2000")
    await chat.expect("prof-saved")
    participant, _ = await load(sessionmaker, chat, pid)
    assert participant.birth_year == 2000 and participant.status == "awaiting_consent"  # the curator decides


async def test_edit_can_be_cancelled_and_its_buttons_go_stale(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    chat = Chat(tg, 20_006, "ru")
    pid = await seed_participant(sessionmaker, clock, chat, org_id)
    profile = await open_profile(chat)
    await chat.click(profile, edit_label(chat, "format"))
    fmt = await chat.expect("reg-ask-format")
    await chat.say("онлайн")
    assert (await chat.user.wait_message()).text == chat.t("reg-use-buttons")
    fmt2 = await chat.expect("reg-ask-format")
    retired = await chat.user.wait_message()  # the older copy loses its buttons
    assert retired.message_id == fmt.message_id and retired.buttons == []
    assert (await chat.forge(fmt, "fm:format:c:offline"))["text"] == chat.t("dialog-question-stale")
    await chat.say("/cancel")
    assert (await chat.user.wait_message()).text == T.get("ru", "cancel-done")
    assert (await chat.click(fmt2, chat.bound("cat-format-offline")))["text"] == chat.t("reg-stale-button")
    participant, _ = await load(sessionmaker, chat, pid)
    assert participant.format == "online"

    # /profile in the middle of an edit leaves the edit
    await chat.click(profile, edit_label(chat, "tags"))
    tags = await chat.expect("reg-ask-tags")
    await open_profile(chat)
    assert (await chat.click(tags, chat.t("reg-btn-skip-tags")))["text"] == chat.t("reg-stale-button")
    participant, _ = await load(sessionmaker, chat, pid)
    assert participant.tags == ["шахматы"]


async def test_deleteme_erases_personal_data_and_keeps_the_anonymous_row(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 20_007, "ru")
    await register(chat, payload, Answers(role="mentee", category="college_student", course=3, birth_year=2004))
    await chat.settle()
    async with sessionmaker() as session:
        user_id = await session.scalar(select(User.id).where(User.tg_id == chat.id))
        pid = await session.scalar(select(Participant.id).where(Participant.user_id == user_id))
        # messages the bot sent them earlier and one still waiting: each row carries their id
        session.add_all([OutboxMessage(user_id=user_id, chat_id=chat.id, kind="digest", status=status,
                                       payload={"key": "cancel-done"}, due_at=clock())
                         for status in ("sent", "failed")])
        await session.commit()
    profile = await open_profile(chat)

    await chat.say("/deleteme")
    ask = await chat.expect("del-explain")
    for key in ("del-explain-participant", "del-explain-kept"):
        assert chat.t(key) in ask.text
    assert chat.t("del-explain-curator") not in ask.text
    await chat.click(ask, chat.t("del-btn-keep"))
    await chat.expect("del-kept")
    participant, user = await load(sessionmaker, chat, pid)
    assert participant.status == "active" and user.tg_id == chat.id
    assert (await chat.forge(ask, "dl:yes"))["text"] == chat.t("reg-stale-button")  # an old button

    clock.advance(days=1)
    await chat.say("/deleteme")
    ask = await chat.expect("del-explain")
    await chat.click(ask, chat.t("del-btn-confirm"))
    assert (await chat.expect("del-done")).text == chat.t("del-done")

    await chat.settle()
    async with sessionmaker() as session:
        participant = await session.get(Participant, pid)
        assert participant.status == "erased" and participant.erased_at == clock()
        assert participant.full_name is None and participant.user_id is None and participant.goals_text is None
        assert participant.interests == [] and participant.tags == [] and participant.goals == []
        assert (participant.org_id, participant.role, participant.category, participant.birth_year) == (
            org_id, "mentee", "college_student", 2004)  # the anonymous remainder for the counts
        user = await session.get(User, user_id)
        assert user.tg_id is None and user.full_name is None and user.erased_at == clock()
        consent = await session.scalar(select(Consent).where(Consent.participant_id == pid))
        assert consent.withdrawn_at == clock() and consent.user_id is None
        assert (await session.scalars(select(FsmRecord).where(FsmRecord.key.like(f"%:{chat.id}")))).all() == []
        assert (await session.scalars(select(OutboxMessage).where(
            (OutboxMessage.chat_id == chat.id) | (OutboxMessage.user_id == user_id)))).all() == []
    assert chat_commands(tg, chat.id) == GUEST_MENU
    assert tg.get_commands({"type": "chat", "chat_id": chat.id})[1]["description"] == T.get("ru", "cmd-help")

    await chat.say("/profile")
    assert (await chat.user.wait_message()).text == chat.t("prof-not-registered")
    assert (await chat.click(profile, edit_label(chat, "full_name")))["text"] == chat.t("prof-not-registered")
    assert (await chat.forge(ask, "dl:yes"))["text"] == chat.t("reg-stale-button")  # an old button
    await chat.say("/deleteme")
    assert (await chat.user.wait_message()).text == chat.t("del-nothing")
    await chat.say("/start")
    assert (await chat.user.wait_message()).text == T.get("ru", "start-guest")

    # the same person may join again with a new invitation: a new, unrelated row
    again = await seed_invite(sessionmaker, clock, org_id)
    await register(chat, again, Answers(full_name="Иванова Мария"))
    await chat.settle()
    async with sessionmaker() as session:
        rows = (await session.scalars(select(Participant).order_by(Participant.id))).all()
        assert [(p.status, p.full_name) for p in rows] == [("erased", None), ("active", "Иванова Мария")]
        assert rows[1].user_id != user_id


async def test_deleteme_for_a_curator_revokes_the_roles(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    chat = Chat(tg, 20_008, "en")
    async with sessionmaker() as session:
        org = await session.get(Unit, org_id)
        inv = await invitations.create(session, kind="curator", unit=org, now=clock())
        await accept_curator(session, tg_id=chat.id, locale="en", full_name="Anna Petrova", invitation=inv, now=clock())
        await session.commit()
    await chat.say("/deleteme")
    ask = await chat.expect("del-explain")
    assert chat.t("del-explain-curator") in ask.text and chat.t("del-explain-participant") not in ask.text
    await chat.click(ask, chat.t("del-btn-confirm"))
    await chat.expect("del-done")
    await chat.settle()
    async with sessionmaker() as session:
        role = await session.scalar(select(CuratorRole))
        assert role.revoked_at == clock()
        assert await session.scalar(select(User).where(User.tg_id == chat.id)) is None
    assert chat_commands(tg, chat.id) == GUEST_MENU


async def test_deleteme_for_a_stranger(app, tg):
    chat = Chat(tg, 20_009, "en")
    await chat.say("/deleteme")
    assert (await chat.user.wait_message()).text == chat.t("del-nothing")
