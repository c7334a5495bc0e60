"""Registration through the real running bot and the Bot API stand-in.

Texts are compared through the translator (never hard-coded), the database through the
``sessionmaker`` fixture. The helpers at the top (Chat, Answers, register, seed_*) are reused by
tests/test_e2e_profile.py.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from bot.i18n import Translator
from db.models import Consent, CuratorRole, FsmRecord, Invitation, Participant, User
from domain import catalog, invitations
from domain.people import CONSENT_VERSION, CURATOR_CONSENT_VERSION, consent_edition
from domain.units import create_unit
from handlers import forms
from tests.conftest import FakeClock
from tests.telegram_stub import SentMessage

T = Translator()
YEAR = FakeClock().now.year


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------
async def seed_org(sessionmaker, name: str = "Школа № 5", org_type: str = "school") -> int:
    async with sessionmaker() as session:
        region = await create_unit(session, "region", f"Регион {name}")
        municipality = await create_unit(session, "municipality", f"Город {name}", region)
        org = await create_unit(session, "organisation", name, municipality, org_type=org_type)
        await session.commit()
        return org.id


async def seed_invite(sessionmaker, clock, org_id: int, kind: str = "participant", role: str | None = None,
                      max_uses: int | None = None) -> str:
    from db.models import Unit

    async with sessionmaker() as session:
        unit = await session.get(Unit, org_id)
        inv = await invitations.create(session, kind=kind, unit=unit, now=clock(), role=role, max_uses=max_uses)
        await session.commit()
        return invitations.payload_of(inv)


def edition_of(chat: "Chat", curator: bool = False) -> str:
    """The consent edition as the chat's language writes it."""
    return consent_edition(CURATOR_CONSENT_VERSION if curator else CONSENT_VERSION, chat.lang)


async def count(sessionmaker, model) -> int:
    async with sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(model))


class Chat:
    """A FakeUser plus the language the bot should be answering in."""

    def __init__(self, tg, user_id: int, lang: str = "ru", telegram_lang: str | None = None) -> None:
        self.user = tg.user(user_id, language_code=telegram_lang if telegram_lang is not None else lang)
        self.id = user_id
        self.lang = lang
        self.role: str | None = None

    def t(self, key: str, **kwargs: object) -> str:
        values: dict[str, object] = {"role": self.role or "none", "example": str(YEAR - 15)}
        values.update(kwargs)
        return T.get(self.lang, key, **values)

    @property
    def bound(self):
        return T.bind(self.lang)

    async def expect(self, key: str, **kwargs: object) -> SentMessage:
        """The next message containing the translation of ``key`` (earlier events are skipped)."""
        return await self.user.wait_message(contains=self.t(key, **kwargs))

    async def settle(self) -> None:
        """Wait until the bot has committed everything before: updates of one user are handled one
        at a time (the FSM isolation lock wraps the session middleware), so once /help is answered,
        the previous update's transaction is committed."""
        self.user.skip()
        await self.user.send("/help")
        await self.user.wait_message(contains="/language")

    async def say(self, text: str) -> None:
        await self.user.send(text)

    async def click(self, message: SentMessage | int, text: str) -> dict:
        await self.user.press(message, text)
        return await self.user.wait_callback_answer()

    async def forge(self, message: SentMessage | int | None, data: str) -> dict:
        await self.user.press_data(message, data)
        return await self.user.wait_callback_answer()

    def shown(self, message: SentMessage) -> list[str]:
        """The texts of a message's buttons as the user sees them now."""
        current = next(m for m in self.user.messages if m.message_id == message.message_id)
        return [b.text for b in current.buttons]

    async def pick_many(self, step: str, codes: tuple, message: SentMessage) -> None:
        """Tick ``codes`` in a (paged) multi-select, then press Done (pages are turned as needed:
        the order of the catalogue depends on the category and on what people choose)."""
        spec = forms.STEPS[step]
        for code in codes:
            label = spec.button_label(self.bound, code)
            for _ in range(2 * 4):
                if label in self.shown(message):
                    break
                turn = self.t("reg-btn-next") if self.t("reg-btn-next") in self.shown(message) else self.t("reg-btn-prev")
                await self.click(message, turn)
            await self.click(message, label)
        await self.click(message, self.t("reg-btn-done", count=len(codes)))


@dataclass
class Answers:
    role: str = "mentee"
    category: str = "college_student"
    grade: int | None = None
    course: int | None = 2
    company: str | None = None
    birth_year: int = 2005
    full_name: str = "Иванова Мария Петровна"
    interests: tuple = ("sport", "s:math")
    tags: str | None = "шахматы, 3D-печать"
    goals: tuple = ("exams", "career")
    goals_text: str | None = "Хочу сдать ЕГЭ по математике"
    strengths: tuple = ("career",)
    capacity: int = 3
    days: tuple = (0, 2)
    times: tuple = ("evening",)
    format: str = "online"
    extra: dict = field(default_factory=dict)


async def answer_questionnaire(chat: Chat, ans: Answers, *, role_preset: bool = False) -> None:
    """From the role question (or the category one) up to the format."""
    if not role_preset:
        msg = await chat.expect("reg-ask-role")
        await chat.click(msg, chat.t(f"cat-role-{ans.role}"))
    chat.role = ans.role
    msg = await chat.expect("reg-ask-category")
    await chat.click(msg, chat.t(f"cat-{ans.category}"))
    if ans.category == "school_student":
        msg = await chat.expect("reg-ask-grade")
        await chat.click(msg, str(ans.grade))
    elif ans.category == "college_student":
        msg = await chat.expect("reg-ask-course")
        await chat.click(msg, str(ans.course))
    elif ans.category == "employer_rep":
        await chat.expect("reg-ask-company")
        await chat.say(ans.company)
    await chat.expect("reg-ask-birth-year")
    await chat.say(str(ans.birth_year))
    await chat.expect("reg-ask-full-name")
    await chat.say(ans.full_name)
    msg = await chat.expect("reg-ask-interests")
    await chat.pick_many("interests", ans.interests, msg)
    msg = await chat.expect("reg-ask-tags")
    if ans.tags:
        await chat.say(ans.tags)
    else:
        await chat.click(msg, chat.t("reg-btn-skip-tags"))
    if ans.role == "mentee":
        msg = await chat.expect("reg-ask-goals")
        await chat.pick_many("goals", ans.goals, msg)
        msg = await chat.expect("reg-ask-goals-text")
        if ans.goals_text:
            await chat.say(ans.goals_text)
        else:
            await chat.click(msg, chat.t("reg-btn-skip-goals-text"))
    else:
        msg = await chat.expect("reg-ask-strengths")
        await chat.pick_many("strengths", ans.strengths, msg)
        msg = await chat.expect("reg-ask-capacity")
        await chat.click(msg, str(ans.capacity))
    msg = await chat.expect("reg-ask-days")
    await chat.pick_many("days", ans.days, msg)
    msg = await chat.expect("reg-ask-times")
    await chat.pick_many("times", ans.times, msg)
    msg = await chat.expect("reg-ask-format")
    await chat.click(msg, chat.t(f"cat-format-{ans.format}"))


async def register(chat: Chat, payload: str, ans: Answers | None = None, *, pick_language: str | None = None,
                   role_preset: bool = False, confirm: bool = True) -> SentMessage:
    """Walk the whole registration; returns the summary message (confirmed unless told not to)."""
    ans = ans or Answers()
    await chat.say(f"/start {payload}")
    msg = await chat.expect("reg-ask-language")
    chosen = pick_language or chat.lang
    await chat.click(msg, T.get(chosen, "language-name"))
    chat.lang = chosen
    msg = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    await chat.click(msg, chat.t("reg-btn-agree"))
    await answer_questionnaire(chat, ans, role_preset=role_preset)
    summary = await chat.expect("reg-summary-title")
    if confirm:
        await chat.click(summary, chat.t("reg-btn-confirm"))
        await chat.expect("reg-done", role=ans.role)
    return summary


async def participant_by_tg(sessionmaker, chat: Chat) -> tuple[User | None, Participant | None]:
    await chat.settle()
    tg_id = chat.id
    async with sessionmaker() as session:
        user = await session.scalar(select(User).where(User.tg_id == tg_id))
        if user is None:
            return None, None
        participant = await session.scalar(select(Participant).where(Participant.user_id == user.id))
        return user, participant


def chat_commands(tg, chat_id: int) -> list[str]:
    return [c["command"] for c in tg.get_commands({"type": "chat", "chat_id": chat_id})]


# ------------------------------------------------------------------------------------------------
# happy paths
# ------------------------------------------------------------------------------------------------
async def test_mentee_registers_in_russian(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 10_001, "ru")

    await chat.say(f"/start {payload}")
    msg = await chat.expect("reg-ask-language")
    assert T.get("ru", "reg-welcome", org="Школа № 5") in msg.text
    assert f"{forms.CHECK} Русский" in [b.text for b in msg.buttons]  # preselected from Telegram's language
    await chat.click(msg, "Русский")
    msg = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    # a human edition, not the internal id (which stays on the consent record)
    assert CONSENT_VERSION not in msg.text and T.get("ru", "reg-consent-text", edition="1 ноября 2026") in msg.text
    await chat.click(msg, chat.t("reg-btn-agree"))
    ans = Answers()
    await answer_questionnaire(chat, ans)
    summary = await chat.expect("reg-summary-title")
    t = chat.bound
    for expected in ("Иванова Мария Петровна", t("cat-college_student"), t("cat-course", n=2), "2005",
                     t("catalog-interests-sport"), t("catalog-subjects-math"), "#шахматы", "#3d-печать",
                     t("catalog-goals-exams"), t("catalog-goals-career"), "Хочу сдать ЕГЭ по математике",
                     t("cat-day-0"), t("cat-day-2"), t("cat-tod-evening"), t("cat-format-online")):
        assert expected in summary.text, expected
    await chat.click(summary, chat.t("reg-btn-confirm"))
    done = await chat.expect("reg-done", role="mentee")
    assert chat.t("reg-done-hints") in done.text
    assert chat.t("reg-done-minor") not in done.text

    user, participant = await participant_by_tg(sessionmaker, chat)
    assert user.locale == "ru" and user.full_name == "Иванова Мария Петровна"
    assert participant.org_id == org_id and participant.role == "mentee" and participant.status == "active"
    assert (participant.category, participant.course, participant.grade) == ("college_student", 2, None)
    assert participant.birth_year == 2005
    assert participant.interests == ["sport", "s:math"] and participant.tags == ["шахматы", "3d-печать"]
    assert participant.goals == ["exams", "career"] and participant.goals_text == "Хочу сдать ЕГЭ по математике"
    assert participant.strengths == [] and participant.capacity is None
    assert participant.days == [0, 2] and participant.times == ["evening"] and participant.format == "online"
    assert participant.registered_at == clock()
    async with sessionmaker() as session:
        consents = (await session.scalars(select(Consent).where(Consent.user_id == user.id))).all()
        assert [(c.kind, c.version, c.given_at, c.participant_id) for c in consents] == [
            ("personal_data", CONSENT_VERSION, clock(), participant.id)]
        inv = await session.scalar(select(Invitation))
        assert inv.uses == 1
        assert await session.get(FsmRecord, f"{tg.bot_id}:{chat.id}:{chat.id}") is None  # dialog finished
    commands = tg.get_commands({"type": "chat", "chat_id": chat.id})
    assert [c["command"] for c in commands] == ["profile", "programmes", "meetings", "goals", "practices", "help", "language", "cancel", "deleteme"]
    assert commands[0]["description"] == T.get("ru", "cmd-profile")

    await chat.say("/help")
    assert T.get("ru", "help-mentee") in (await chat.user.wait_message()).text
    await chat.say(f"/start {payload}")  # a second /start with the link
    assert (await chat.user.wait_message()).text == T.get("ru", "start-already-registered")
    await chat.say("/start")
    assert (await chat.user.wait_message()).text == T.get("ru", "start-participant", name="Иванова Мария Петровна")
    assert await count(sessionmaker, Participant) == 1


async def test_mentor_registers_in_english(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker, "Acme School")
    payload = await seed_invite(sessionmaker, clock, org_id, role="mentor")
    chat = Chat(tg, 10_002, "en")

    await chat.say(f"/start {payload}")
    msg = await chat.expect("reg-ask-language")
    assert msg.text.startswith(T.get("en", "reg-welcome", org="Acme School"))
    assert f"{forms.CHECK} English" in [b.text for b in msg.buttons]
    await chat.click(msg, "English")
    msg = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    await chat.click(msg, chat.t("reg-btn-agree"))
    ans = Answers(role="mentor", category="employer_rep", course=None, company="Acme Ltd", birth_year=1985,
                  full_name="John Smith", interests=("it", "business"), tags=None, strengths=("career", "projects"),
                  capacity=3, days=(1, 3), times=("morning", "evening"), format="any")
    # the invitation presets the role: the first question is the category
    await answer_questionnaire(chat, ans, role_preset=True)
    summary = await chat.expect("reg-summary-title")
    assert T.get("en", "reg-capacity-value", count=3) in summary.text
    assert "up to 3 mentees" in summary.text and "Acme Ltd" in summary.text
    assert T.get("en", "reg-field-role") + ": " + T.get("en", "cat-role-mentor") in summary.text
    assert all(b.text != f"✏️ {T.get('en', 'reg-field-role')}" for b in summary.buttons)  # role fixed
    await chat.click(summary, chat.t("reg-btn-confirm"))
    await chat.expect("reg-done", role="mentor")

    user, participant = await participant_by_tg(sessionmaker, chat)
    assert user.locale == "en"
    assert (participant.role, participant.category, participant.company) == ("mentor", "employer_rep", "Acme Ltd")
    assert participant.capacity == 3 and participant.strengths == ["projects", "career"]  # catalogue order
    assert participant.goals == [] and participant.goals_text is None and participant.tags == []
    assert participant.times == ["morning", "evening"] and participant.format == "any"
    assert participant.status == "active"
    commands = tg.get_commands({"type": "chat", "chat_id": chat.id})
    assert commands[0] == {"command": "profile", "description": T.get("en", "cmd-profile")}
    await chat.say("/help")
    assert T.get("en", "help-mentor") in (await chat.user.wait_message()).text


async def test_russian_telegram_user_picks_english(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 10_003, "ru")
    await chat.say(f"/start {payload}")
    msg = await chat.expect("reg-ask-language")  # asked in Russian, Russian preselected
    assert f"{forms.CHECK} Русский" in [b.text for b in msg.buttons]
    await chat.click(msg, "English")
    chat.lang = "en"
    msg = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))  # from now on in English
    await chat.click(msg, chat.t("reg-btn-agree"))
    await chat.expect("reg-ask-role")
    # text where a button is expected: the polite hint comes in English too (the middleware reads the dialog)
    await chat.say("mentee please")
    assert (await chat.user.wait_message()).text == T.get("en", "reg-use-buttons")
    await answer_questionnaire(chat, Answers(full_name="Мария Иванова"))
    summary = await chat.expect("reg-summary-title")
    await chat.click(summary, chat.t("reg-btn-confirm"))
    await chat.expect("reg-done", role="mentee")
    user, participant = await participant_by_tg(sessionmaker, chat)
    assert user.locale == "en" and participant is not None
    assert tg.get_commands({"type": "chat", "chat_id": chat.id})[0]["description"] == T.get("en", "cmd-profile")
    await chat.say("/start")
    assert (await chat.user.wait_message()).text == T.get("en", "start-participant", name="Мария Иванова")


async def test_decline_of_consent_stores_nothing(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 10_004, "ru")
    await chat.say(f"/start {payload}")
    msg = await chat.expect("reg-ask-language")
    await chat.click(msg, "Русский")
    consent = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    await chat.click(consent, chat.t("reg-btn-decline"))
    assert (await chat.expect("reg-declined")).text == chat.t("reg-declined")
    await chat.settle()
    for model in (User, Participant, Consent, FsmRecord, CuratorRole):
        assert await count(sessionmaker, model) == 0, model
    async with sessionmaker() as session:
        assert (await session.scalar(select(Invitation))).uses == 0
    # the consent buttons are dead now
    answer = await chat.forge(consent, "rg:yes:")
    assert answer["text"] == chat.t("reg-stale-button")
    await chat.settle()
    assert await count(sessionmaker, User) == 0
    assert chat_commands(tg, chat.id) == []


async def test_minor_is_registered_awaiting_parental_consent(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id, role="mentee")
    chat = Chat(tg, 10_005, "ru")
    ans = Answers(category="school_student", grade=8, course=None, birth_year=2012, goals_text=None, tags=None)
    await chat.say(f"/start {payload}")
    msg = await chat.expect("reg-ask-language")
    await chat.click(msg, "Русский")
    msg = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    await chat.click(msg, chat.t("reg-btn-agree"))
    await answer_questionnaire(chat, ans, role_preset=True)
    summary = await chat.expect("reg-summary-title")
    assert chat.bound("cat-grade", n=8) in summary.text
    await chat.click(summary, chat.t("reg-btn-confirm"))
    done = await chat.expect("reg-done", role="mentee")
    assert chat.t("reg-done-minor") in done.text
    _, participant = await participant_by_tg(sessionmaker, chat)
    assert participant.status == "awaiting_consent" and participant.parental_consent_at is None
    assert participant.grade == 8 and participant.goals_text is None and participant.tags == []
    # 18 this year is still treated as a minor (only the year is known)
    chat2 = Chat(tg, 10_006, "ru")
    await register(chat2, payload, Answers(birth_year=YEAR - 18), role_preset=True)
    _, p2 = await participant_by_tg(sessionmaker, chat2)
    assert p2.status == "awaiting_consent"


async def test_dialog_survives_a_restart(start_app, tg, sessionmaker, clock):
    first = await start_app()
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 10_007, "ru", telegram_lang="ru")
    await chat.say(f"/start {payload}")
    msg = await chat.expect("reg-ask-language")
    await chat.click(msg, "English")
    chat.lang = "en"
    msg = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    await chat.click(msg, chat.t("reg-btn-agree"))
    msg = await chat.expect("reg-ask-role")
    await chat.click(msg, chat.t("cat-role-mentee"))
    chat.role = "mentee"
    msg = await chat.expect("reg-ask-category")
    await chat.click(msg, chat.t("cat-young_specialist"))
    await chat.expect("reg-ask-birth-year")

    await first.stop()
    second = await start_app()
    assert second is not first

    await chat.say("1999")  # answered to the new process, still in English
    await chat.expect("reg-ask-full-name")
    await chat.say("Anna Petrova")
    msg = await chat.expect("reg-ask-interests")
    await chat.click(msg, f"📚 {chat.bound('catalog-subjects-pedagogy')}")  # a young teacher: subjects first

    await second.stop()
    third = await start_app()  # a restart in the middle of a multi-select keeps the ticks
    await chat.click(msg, chat.t("reg-btn-done", count=1))
    msg = await chat.expect("reg-ask-tags")
    await chat.click(msg, chat.t("reg-btn-skip-tags"))
    msg = await chat.expect("reg-ask-goals")
    await chat.pick_many("goals", ("teaching_methods", "classroom_management"), msg)
    msg = await chat.expect("reg-ask-goals-text")
    await chat.click(msg, chat.t("reg-btn-skip-goals-text"))
    msg = await chat.expect("reg-ask-days")
    await chat.pick_many("days", (4,), msg)
    msg = await chat.expect("reg-ask-times")
    await chat.pick_many("times", ("afternoon",), msg)
    msg = await chat.expect("reg-ask-format")
    await chat.click(msg, chat.t("cat-format-offline"))
    summary = await chat.expect("reg-summary-title")
    await chat.click(summary, chat.t("reg-btn-confirm"))
    await chat.expect("reg-done", role="mentee")
    user, participant = await participant_by_tg(sessionmaker, chat)
    assert user.locale == "en"
    assert (participant.category, participant.birth_year, participant.full_name) == ("young_specialist", 1999, "Anna Petrova")
    assert participant.interests == ["s:pedagogy"] and participant.goals == ["teaching_methods", "classroom_management"]
    assert participant.status == "active"
    await third.stop()


# ------------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------------
async def test_bad_input_at_every_kind_of_step(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 10_008, "ru")
    await chat.say(f"/start {payload}")
    old_language = await chat.expect("reg-ask-language")

    # text instead of a button: a polite hint and the question again, with its keyboard
    await chat.say("русский")
    assert (await chat.user.wait_message()).text == chat.t("reg-use-buttons")
    language = await chat.expect("reg-ask-language")
    assert language.message_id != old_language.message_id and language.buttons
    # the older copy of the question loses its buttons; a press on it (an old client) is out of date
    retired = await chat.user.wait_message()
    assert retired.message_id == old_language.message_id and retired.buttons == []
    answer = await chat.forge(old_language, "rg:lang:ru")
    assert answer["text"] == chat.t("dialog-question-stale")
    # forged language code
    answer = await chat.forge(language, "rg:lang:de")
    assert answer["text"] == chat.t("reg-bad-button")
    answer = await chat.forge(language, "rg:hack:")
    assert answer["text"] == chat.t("reg-bad-button")
    await chat.click(language, "Русский")
    consent = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    # a sticker-like message (a document) where a button is expected
    await chat.user.send_document("me.jpg", b"\xff\xd8\xff", "image/jpeg")
    assert (await chat.user.wait_message()).text == chat.t("reg-use-buttons")
    consent = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    await chat.click(consent, chat.t("reg-btn-agree"))
    role = await chat.expect("reg-ask-role")

    # forged codes and buttons of another step are refused, nothing changes
    assert (await chat.forge(role, "fm:role:c:curator"))["text"] == chat.t("reg-bad-button")
    assert (await chat.forge(role, "fm:role:c:"))["text"] == chat.t("reg-bad-button")
    assert (await chat.forge(role, "fm:role:zz:mentor"))["text"] == chat.t("reg-bad-button")
    assert (await chat.forge(role, "fm:format:c:online"))["text"] == chat.t("reg-stale-button")
    assert (await chat.forge(role, "rg:ok:"))["text"] == chat.t("reg-stale-button")
    await chat.user.expect_no_message(0.2)
    await chat.click(role, chat.t("cat-role-mentee"))
    chat.role = "mentee"
    category = await chat.expect("reg-ask-category")
    assert (await chat.forge(category, "fm:category:c:teacher"))["text"] == chat.t("reg-bad-button")  # not a mentee's
    await chat.click(category, chat.t("cat-school_student"))
    grade = await chat.expect("reg-ask-grade")
    for forged in ("fm:grade:c:12", "fm:grade:c:0", "fm:grade:c:-1", "fm:grade:c:1e1", "fm:grade:c:ⅷ"):
        assert (await chat.forge(grade, forged))["text"] == chat.t("reg-bad-button"), forged
    # a callback on the role question (now answered) is out of date
    assert (await chat.forge(role, "fm:role:c:mentor"))["text"] == chat.t("reg-stale-button")
    await chat.click(grade, "9")

    await chat.expect("reg-ask-birth-year")
    for text, key, params in [
        ("две тысячи десятый", "reg-invalid-birth-year-format", {}),
        ("10", "reg-invalid-birth-year-format", {}),
        (str(YEAR + 1), "reg-invalid-birth-year-range", {"min": str(YEAR - 100), "max": str(YEAR - 6)}),
        ("1900", "reg-invalid-birth-year-range", {"min": str(YEAR - 100), "max": str(YEAR - 6)}),
    ]:
        await chat.say(text)
        assert (await chat.user.wait_message()).text == chat.t(key, **params), text
    await chat.user.send_document("year.txt", b"2011", "text/plain")
    assert (await chat.user.wait_message()).text == chat.t("reg-send-text")
    await chat.say("2011")
    await chat.expect("reg-ask-full-name")
    for text, key, params in [
        ("Я" * 151, "reg-invalid-name-too-long", {"max": 150}),
        ("1234567", "reg-invalid-name-digits", {}),
        ("Иван 4-й", "reg-invalid-name-digits", {}),
        ("!!!", "reg-invalid-name-format", {}),
    ]:
        await chat.say(text)
        assert (await chat.user.wait_message()).text == chat.t(key, **params), text
    assert "150" in chat.t("reg-invalid-name-too-long", max=150)
    await chat.say("Сидоров Пётр")
    interests = await chat.expect("reg-ask-interests")
    # Done with nothing ticked; forged codes and pages
    assert (await chat.click(interests, chat.t("reg-btn-done", count=0)))["text"] == chat.t("reg-choose-at-least-one")
    for forged in ("fm:interests:t:hacking", "fm:interests:t:s.nope", "fm:interests:p:9", "fm:interests:p:-1",
                   "fm:interests:ok:x", "fm:interests:c:sport"):
        assert (await chat.forge(interests, forged))["text"] == chat.t("reg-bad-button"), forged
    await chat.say("спорт")  # text instead of ticking
    assert (await chat.user.wait_message()).text == chat.t("reg-use-buttons")
    fresh = await chat.expect("reg-ask-interests")
    assert (await chat.forge(interests, "fm:interests:t:sport"))["text"] == chat.t("dialog-question-stale")
    await chat.click(fresh, chat.bound("catalog-interests-sport"))
    await chat.click(fresh, chat.t("reg-btn-done", count=1))
    await chat.expect("reg-ask-tags")
    await chat.say(", ".join(f"тег{i}" for i in range(11)))
    assert (await chat.user.wait_message()).text == chat.t("reg-invalid-tags-too-many", max=10)
    await chat.say("x" * 40)
    assert (await chat.user.wait_message()).text == chat.t("reg-invalid-tag-too-long", max=32)

    # /cancel in the middle: nothing stored, the old buttons are dead
    await chat.say("/cancel")
    assert (await chat.user.wait_message()).text == T.get("ru", "cancel-done")
    assert (await chat.forge(fresh, "fm:interests:t:music"))["text"] == chat.t("reg-stale-button")
    assert (await chat.forge(grade, "fm:grade:c:9"))["text"] == chat.t("reg-stale-button")
    await chat.settle()
    for model in (User, Participant, Consent, FsmRecord):
        assert await count(sessionmaker, model) == 0, model
    await chat.say("2011")  # no dialog any more
    assert (await chat.user.wait_message()).text == T.get("ru", "fallback-unknown")


async def test_a_new_link_mid_dialog_restarts_cleanly(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    first = await seed_invite(sessionmaker, clock, org_id, role="mentee")
    second = await seed_invite(sessionmaker, clock, org_id, role="mentor")
    chat = Chat(tg, 10_009, "ru")
    await chat.say(f"/start {first}")
    language = await chat.expect("reg-ask-language")
    await chat.click(language, "Русский")
    consent = await chat.expect("reg-consent-text", edition=consent_edition(CONSENT_VERSION, chat.lang))
    await chat.click(consent, chat.t("reg-btn-agree"))
    category = await chat.expect("reg-ask-category")
    await chat.say("/start")  # a plain /start does not break the dialog
    assert (await chat.user.wait_message()).text == T.get("ru", "start-in-dialog")

    await register(chat, second, Answers(role="mentor", category="teacher", course=None, birth_year=1970),
                   role_preset=True)
    assert (await chat.forge(category, "fm:category:c:school_student"))["text"] == chat.t("reg-stale-button")
    _, participant = await participant_by_tg(sessionmaker, chat)
    assert participant.role == "mentor" and participant.category == "teacher"
    async with sessionmaker() as session:
        uses = {inv.role: inv.uses for inv in (await session.scalars(select(Invitation))).all()}
    assert uses == {"mentee": 0, "mentor": 1}


async def test_summary_corrections_come_back_to_the_summary(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 10_010, "ru")
    summary = await register(chat, payload, Answers(), confirm=False)
    t = chat.bound

    await chat.click(summary, forms.group_label(t, "full_name"))
    prompt = await chat.expect("reg-ask-full-name")
    assert chat.t("reg-current", value="Иванова Мария Петровна") in prompt.text
    await chat.say("Иванова Мария")
    summary = await chat.expect("reg-summary-title")
    assert "Иванова Мария\n" in summary.text

    await chat.click(summary, forms.group_label(t, "availability"))
    days = await chat.expect("reg-ask-days")
    await chat.click(days, t("cat-day-short-6"))  # add Sunday to Mon, Wed
    await chat.click(days, chat.t("reg-btn-done", count=3))
    times = await chat.expect("reg-ask-times")
    await chat.click(times, chat.t("reg-btn-done", count=1))
    summary = await chat.expect("reg-summary-title")
    assert t("cat-day-6") in summary.text

    # changing the role walks the role-dependent questions, then back to the summary
    await chat.click(summary, forms.group_label(t, "role"))
    role = await chat.expect("reg-ask-role")
    await chat.click(role, t("cat-role-mentor"))
    chat.role = "mentor"
    category = await chat.expect("reg-ask-category")
    await chat.click(category, t("cat-teacher"))
    strengths = await chat.expect("reg-ask-strengths")
    await chat.pick_many("strengths", ("exams",), strengths)
    capacity = await chat.expect("reg-ask-capacity")
    await chat.click(capacity, "5")
    summary = await chat.expect("reg-summary-title")
    assert t("reg-capacity-value", count=5) in summary.text and t("reg-field-goals") + ":" not in summary.text
    assert (await chat.forge(summary, "rg:fix:goals"))["text"] == chat.t("reg-bad-button")  # not for a mentor
    assert (await chat.forge(capacity, "fm:capacity:c:4"))["text"] == chat.t("reg-stale-button")
    await chat.click(summary, chat.t("reg-btn-confirm"))
    await chat.expect("reg-done", role="mentor")
    _, participant = await participant_by_tg(sessionmaker, chat)
    assert (participant.role, participant.category, participant.capacity) == ("mentor", "teacher", 5)
    assert participant.full_name == "Иванова Мария" and participant.days == [0, 2, 6]
    assert participant.goals == [] and participant.goals_text is None and participant.course is None


async def test_a_category_changed_with_the_role_asks_again_for_interests_it_emptied(app, tg, sessionmaker, clock):
    """A teacher who chose only teachers' subjects corrects the role and becomes an employer's
    representative: those subjects are not offered to her new category, so the interests are
    asked again before the summary (never saved empty)."""
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)  # the role is not fixed by the invitation
    chat = Chat(tg, 10_011, "en")
    ans = Answers(role="mentor", category="teacher", course=None, birth_year=1980, full_name="Anna Smith",
                  interests=("s:pedagogy", "s:methodology"), strengths=("career",))
    summary = await register(chat, payload, ans, confirm=False)
    t = chat.bound
    await chat.click(summary, forms.group_label(t, "role"))
    role = await chat.expect("reg-ask-role")
    await chat.click(role, t("cat-role-mentor"))
    category = await chat.expect("reg-ask-category")
    await chat.click(category, t("cat-employer_rep"))
    await chat.expect("reg-ask-company")
    await chat.say("Acme Ltd")
    interests = await chat.expect("reg-ask-interests")
    assert forms.STEPS["interests"].button_label(t, "s:pedagogy") not in chat.shown(interests)
    assert (await chat.click(interests, chat.t("reg-btn-done", count=0)))["text"] == chat.t("reg-choose-at-least-one")
    await chat.pick_many("interests", ("s:informatics",), interests)
    strengths = await chat.expect("reg-ask-strengths")
    await chat.click(strengths, chat.t("reg-btn-done", count=1))  # "career" is offered to employers too
    capacity = await chat.expect("reg-ask-capacity")
    await chat.click(capacity, "2")
    summary = await chat.expect("reg-summary-title")
    await chat.click(summary, chat.t("reg-btn-confirm"))
    await chat.expect("reg-done", role="mentor")
    _, participant = await participant_by_tg(sessionmaker, chat)
    assert (participant.category, participant.company, participant.capacity) == ("employer_rep", "Acme Ltd", 2)
    assert participant.interests == ["s:informatics"] and participant.strengths == ["career"]


async def test_invitation_used_up_before_confirm(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id, max_uses=1)
    early, late = Chat(tg, 10_011, "ru"), Chat(tg, 10_012, "ru")
    late_summary = await register(late, payload, Answers(full_name="Поздний Пётр"), confirm=False)
    await register(early, payload, Answers(full_name="Ранняя Анна"))
    await late.click(late_summary, late.t("reg-btn-confirm"))
    assert (await late.expect("reg-invite-gone")).text == late.t("reg-invite-gone")
    await late.settle()
    assert await count(sessionmaker, Participant) == 1
    assert (await participant_by_tg(sessionmaker, late)) == (None, None)
    async with sessionmaker() as session:
        assert (await session.scalar(select(Invitation))).uses == 1

    # a link revoked while someone is registering
    other = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 10_013, "en")
    summary = await register(chat, other, Answers(full_name="Mary Ivanova"), confirm=False)
    async with sessionmaker() as session:
        inv = await session.scalar(select(Invitation).where(Invitation.token == other[2:]))
        await invitations.revoke(session, inv, clock())
        await session.commit()
    await chat.click(summary, chat.t("reg-btn-confirm"))
    await chat.expect("reg-invite-gone")
    assert (await participant_by_tg(sessionmaker, chat)) == (None, None)


# ------------------------------------------------------------------------------------------------
# curators
# ------------------------------------------------------------------------------------------------
async def test_curator_accepts_an_invitation(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker, "Лицей № 1")
    payload = await seed_invite(sessionmaker, clock, org_id, kind="curator")
    chat = Chat(tg, 10_014, "ru")
    await chat.say(f"/start {payload}")
    consent = await chat.expect("reg-consent-text-curator", edition=consent_edition(CURATOR_CONSENT_VERSION, chat.lang))
    assert T.get("ru", "reg-curator-welcome", unit="Лицей № 1") in consent.text
    await chat.say("да")
    assert (await chat.user.wait_message()).text == chat.t("reg-use-buttons")
    consent = await chat.expect("reg-consent-text-curator", edition=consent_edition(CURATOR_CONSENT_VERSION, chat.lang))
    await chat.click(consent, chat.t("reg-btn-agree"))
    await chat.expect("reg-ask-full-name-curator")
    await chat.say("12345")
    assert (await chat.user.wait_message()).text == chat.t("reg-invalid-name-digits")
    await chat.say("Петрова Анна Сергеевна")
    done = await chat.expect("reg-curator-done", unit="Лицей № 1")
    assert "/curator" in done.text
    await chat.settle()
    async with sessionmaker() as session:
        user = await session.scalar(select(User).where(User.tg_id == chat.id))
        assert user.full_name == "Петрова Анна Сергеевна" and user.locale == "ru"
        role = await session.scalar(select(CuratorRole).where(CuratorRole.user_id == user.id))
        assert role.unit_id == org_id and role.revoked_at is None
        consent_row = await session.scalar(select(Consent).where(Consent.user_id == user.id))
        assert consent_row.version == CURATOR_CONSENT_VERSION
    assert "curator" in chat_commands(tg, chat.id)


async def test_curator_declines_and_nothing_is_stored(app, tg, sessionmaker, clock):
    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id, kind="curator")
    chat = Chat(tg, 10_015, "en")
    await chat.say(f"/start {payload}")
    consent = await chat.expect("reg-consent-text-curator", edition=consent_edition(CURATOR_CONSENT_VERSION, chat.lang))
    await chat.click(consent, chat.t("reg-btn-decline"))
    await chat.expect("reg-declined")
    await chat.settle()
    for model in (User, CuratorRole, Consent, FsmRecord):
        assert await count(sessionmaker, model) == 0, model


def test_every_catalogue_code_fits_in_callback_data():
    for step in ("interests", "goals", "strengths"):
        for code in forms.STEPS[step].options({}):
            data = forms.FormCb(s=step, a="t", v=forms.encode(code)).pack()
            assert len(data.encode()) <= 64 and data.isascii()
    assert all(catalog.valid_interest(c) for c in catalog.interest_codes())
