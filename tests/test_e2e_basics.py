"""The running bot's common behaviour: greetings, help, cancel, language, fallbacks, errors, menus."""
from __future__ import annotations

from aiogram import Router
from aiogram.filters import Command

from bot.i18n import Translator

T = Translator()


async def test_guest_gets_greeting_help_and_polite_fallbacks(app, tg):
    guest = tg.user(7001, language_code="ru")
    await guest.send("/start")
    assert (await guest.wait_message()).text == T.get("ru", "start-guest")
    await guest.send("/help")
    assert T.get("ru", "help-guest") in (await guest.wait_message()).text
    await guest.send("привет")
    assert (await guest.wait_message()).text == T.get("ru", "fallback-unknown")
    await guest.send("/nonsense")
    assert (await guest.wait_message()).text == T.get("ru", "fallback-unknown-command")
    await guest.send("/cancel")
    assert (await guest.wait_message()).text == T.get("ru", "cancel-nothing")
    await guest.send_document("virus.exe", b"MZ\x90\x00", "application/octet-stream")
    assert (await guest.wait_message()).text == T.get("ru", "fallback-unknown")


async def test_english_telegram_gets_english_and_language_can_be_changed(app, tg):
    guest = tg.user(7002, language_code="en-GB")
    await guest.send("/start")
    assert (await guest.wait_message()).text == T.get("en", "start-guest")
    await guest.send("/language")
    msg = await guest.wait_message()
    await guest.press(msg, "Русский")
    assert (await guest.wait_message()).text == T.get("ru", "language-set")
    await guest.send("/start")
    assert (await guest.wait_message()).text == T.get("ru", "start-guest")


async def test_bad_invitation_payloads(app, tg):
    guest = tg.user(7003, language_code="ru")
    await guest.send("/start not-a-valid-payload!")
    assert (await guest.wait_message()).text == T.get("ru", "invite-malformed")
    await guest.send("/start p_" + "A" * 32)
    assert (await guest.wait_message()).text == T.get("ru", "invite-unknown")
    await guest.send("/start " + "x" * 300)
    assert (await guest.wait_message()).text == T.get("ru", "invite-malformed")


async def test_forged_callback_is_answered_not_crashed(app, tg):
    guest = tg.user(7004, language_code="en")
    await guest.send("/language")
    msg = await guest.wait_message()
    await guest.press_data(msg, "lang:xx")
    answer = await guest.wait_callback_answer()
    assert answer.get("text") == T.get("en", "fallback-stale-button")
    await guest.press_data(msg, "\x00garbage:" + "9" * 50)
    answer = await guest.wait_callback_answer()
    assert answer.get("text") == T.get("en", "fallback-stale-button")


async def test_default_commands_published_per_language(app, tg):
    ru = tg.get_commands(language_code="ru")
    en = tg.get_commands(language_code="en")
    assert [c["command"] for c in ru] == ["start", "help", "language", "cancel"]
    assert ru[1]["description"] == T.get("ru", "cmd-help")
    assert en[1]["description"] == T.get("en", "cmd-help")


async def test_a_failing_handler_gets_an_apology_and_the_bot_keeps_running(make_settings, clock, tg, caplog):
    from bot.app import build_app

    boom = Router(name="boom")

    @boom.message(Command("boom"))
    async def explode(message):  # noqa: ARG001
        raise RuntimeError("kaboom")

    app = build_app(make_settings(), clock=clock, extra_routers=[boom])
    await app.start(migrate=False)
    try:
        user = tg.user(7005, language_code="ru")
        await user.send("/boom")
        assert (await user.wait_message()).text == T.get("ru", "error-apology")
        assert any("failed" in r.getMessage() and r.exc_info for r in caplog.records)
        await user.send("/help")
        assert T.get("ru", "help-guest") in (await user.wait_message()).text
    finally:
        await app.stop()


async def test_administrators_get_their_menu_at_start_up(app, tg):
    from tests.conftest import ADMIN_ID

    menu = tg.get_commands({"type": "chat", "chat_id": ADMIN_ID})
    assert [c["command"] for c in menu][:2] == ["admin", "curator"]
    assert menu[0]["description"] == T.get("ru", "cmd-admin")


async def test_group_chats_are_ignored(app, tg):
    tg.inject_update({"message": {"message_id": 1, "date": 0, "text": "/curator",
                                  "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
                                  "chat": {"id": -100123, "type": "supergroup", "title": "Учительская"},
                                  "from": {"id": 7010, "is_bot": False, "first_name": "T"}}})
    tg.inject_update({"message": {"message_id": 2, "date": 0, "text": "/help",
                                  "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
                                  "chat": {"id": -100123, "type": "supergroup", "title": "Учительская"},
                                  "from": {"id": 7010, "is_bot": False, "first_name": "T"}}})
    somebody = tg.user(7011, language_code="ru")
    await somebody.send("/help")  # answered, so the group's updates before it were handled too
    await somebody.wait_message()
    assert tg.messages(-100123) == []


async def test_a_matching_run_interrupted_by_a_crash_is_failed_at_start_up(start_app, sessionmaker, clock):
    from datetime import date

    from db.models import MatchRun, Programme
    from domain.units import create_unit

    async with sessionmaker() as s:
        region = await create_unit(s, "region", "Регион")
        mun = await create_unit(s, "municipality", "Город", parent=region)
        org = await create_unit(s, "organisation", "Школа", parent=mun, org_type="school")
        programme = Programme(unit_id=org.id, form="teacher_student", title="Программа",
                              starts_on=date(2026, 11, 1), ends_on=date(2027, 5, 31))
        s.add(programme)
        await s.flush()
        run = MatchRun(programme_id=programme.id, started_at=clock(), status="running")
        s.add(run)
        await s.commit()
        run_id = run.id
    await start_app()
    async with sessionmaker() as s:
        assert (await s.get(MatchRun, run_id)).status == "failed"
