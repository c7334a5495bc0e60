"""The pairs' work through the running bot: check-ins, the meeting log, surveys, the fit question,
goals, and alerts to the curator (handlers/meetings.py on domain.checkins and domain.surveys).

The world is tests/test_checkins.py's: M1 mentors E1 (pair P1, active since 02.11.2026) and E2
(P2, since 04.11); M2 mentors the group E3 + E4 (P3, since 09.11); interval 14 days. The clock
stands at 23.11.2026 16:30 in Moscow, so every active pair is due a check-in and it goes out at
once. Texts are compared with the translator's output; the database through the test's own
sessionmaker (kept open only briefly: SQLite has one writer).
"""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import func, select

from bot.i18n import Translator
from db.models import CheckIn, Goal, Meeting, OutboxMessage, PairFit, Programme, SurveyResponse, User
from domain import surveys
from tests.test_checkins import CURATOR_TG, PEOPLE, World, checkins_by_name, seed

ru = Translator().bind("ru")
START = datetime(2026, 11, 23, 13, 30, tzinfo=timezone.utc)  # 16:30 in Moscow, after CHECKIN_HOUR
TG = {name: 7800 + n for n, name in enumerate(PEOPLE)}  # as tests/test_checkins.seed numbers them
TITLE = "Наставники 2026"


@pytest.fixture
async def app(start_app, clock):
    clock.set(START)
    return await start_app(outbox_per_chat_interval=0.0)


def person(tg, name: str):
    return tg.user(TG[name], language_code="ru")


async def run_job(app, job_id: str) -> None:
    job = app.scheduler.get_job(job_id)
    assert job is not None and job.misfire_grace_time is None and job.coalesce and job.max_instances == 1
    await job.func()


async def eventually(sessionmaker, check, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        async with sessionmaker() as s:
            if await check(s):
                return
        assert loop.time() < deadline, "condition not met in time"
        await asyncio.sleep(0.1)


async def test_checkin_yes_log_survey_fit_no_reaches_the_curator(app, tg, sessionmaker, clock):
    world: World = await seed(sessionmaker, clock())
    await run_job(app, "checkins")
    e1, m1 = person(tg, "E1"), person(tg, "M1")
    ask = await e1.wait_message(timeout=10, contains=ru("checkin-ask", since="02.11.2026", partners="M1", count=1))
    # the mentor of two pairs gets one check-in listing both
    m1_ask = await m1.wait_message(timeout=10, contains=ru("checkin-ask", since="02.11.2026", partners="E1, E2",
                                                           count=2))
    async with sessionmaker() as s:
        [m1_checkin] = (await checkins_by_name(s, world))["M1"]
        assert m1_checkin.pair_ids == [world.pair["P1"], world.pair["P2"]]
    first_line = m1_ask.text.splitlines()[0]
    assert len([m for m in m1.messages if (m.text or "").startswith(first_line)]) == 1

    # yes → the meeting log of the one pair
    await e1.press(ask, ru("checkin-btn-yes"))
    closed = await e1.wait_message()
    assert closed.message_id == ask.message_id and closed.text.endswith(ru("checkin-btn-yes")) and not closed.buttons
    date_q = await e1.wait_message()
    assert date_q.text == ru("meet-ask-date", partners="M1")
    await e1.press(date_q, ru("meet-btn-other-date"))
    await e1.wait_message(contains=ru("meet-ask-date-text"))
    for typed, expected in (("завтрашний", ru("meet-invalid-date-format")), ("Завтра", ru("meet-invalid-date-future")),
                            ("24.11.2026", ru("meet-invalid-date-future")),
                            ("01.11.2026", ru("meet-invalid-date-before-pair", start="02.11.2026"))):
        await e1.send(typed)
        assert (await e1.wait_message()).text == expected
    await e1.press_data(date_q, "wn:d:t")  # a button of an earlier question
    assert (await e1.wait_callback_answer())["text"] == ru("meet-stale")
    await e1.send("20.11.2026")
    await e1.wait_message(contains=ru("meet-ask-format"))
    await e1.send("онлайн")  # text where a button is expected: asked again
    assert (await e1.wait_message(contains=ru("meet-use-buttons"))).text == ru("meet-use-buttons")
    fmt_q = await e1.wait_message(contains=ru("meet-ask-format"))
    await e1.press(fmt_q, ru("meet-format-online"))
    min_q = await e1.wait_message(contains=ru("meet-ask-minutes", max=600))
    await e1.send("0")
    assert (await e1.wait_message()).text == ru("meet-invalid-minutes", max=600)
    await e1.press(min_q, ru("meet-minutes", n=45))
    await e1.wait_message(contains=ru("meet-ask-topic", max=200))
    await e1.send("т" * 201)
    assert (await e1.wait_message()).text == ru("meet-invalid-topic-too-long", max=200)
    await e1.send("Подготовка к олимпиаде")
    logged = await e1.wait_message(contains="✅")
    assert logged.text == "\n\n".join([ru("meet-logged", date="20.11.2026", format=ru("meet-format-online"),
                                          minutes=45, topic="Подготовка к олимпиаде"), ru("meet-goals-hint-mentee")])

    # straight into the survey: scale (typed and pressed), yes/no, optional text skipped
    q1 = await e1.wait_message(contains=ru("sv-q-meeting-useful"))
    assert q1.text.startswith(ru("sv-title-meeting")) and ru("sv-progress", n=1, total=5) in q1.text
    assert [[b["text"] for b in row] for row in q1.inline_keyboard] == [["1", "2", "3", "4", "5"],
                                                                        ["6", "7", "8", "9", "10"]]
    await e1.send("отлично")
    assert (await e1.wait_message()).text == ru("sv-invalid-scale-format", min=1, max=10)
    await e1.send("11")
    assert (await e1.wait_message()).text == ru("sv-invalid-scale-range", min=1, max=10)
    await e1.press(q1, "8")
    q2 = await e1.wait_message(contains=ru("sv-q-comfort-mentee"))
    await e1.press_data(q1, q1.buttons[4].value)  # "5" of the first question, pressed late
    assert (await e1.wait_callback_answer())["text"] == ru("sv-invalid-stale")
    await e1.press(q2, "9")
    q3 = await e1.wait_message(contains=ru("sv-q-clarity"))
    await e1.send("7")
    # a typed number is recorded on its question like a pressed button
    echoed = await e1.wait_message()
    assert echoed.message_id == q3.message_id and echoed.text == f"{q3.text}\n\n✔ 7" and not echoed.buttons
    await e1.wait_message(contains=ru("sv-q-next-planned"))
    await e1.send("да")
    assert (await e1.wait_message(contains=ru("sv-use-buttons"))).text == ru("sv-use-buttons")
    q4 = await e1.wait_message(contains=ru("sv-q-next-planned"))
    await e1.press(q4, ru("sv-yes"))
    q5 = await e1.wait_message(contains=ru("sv-q-comment"))
    assert ru("sv-text-hint", max=500) in q5.text
    await e1.send("с" * 501)
    assert (await e1.wait_message()).text == ru("sv-invalid-text-too-long", max=500)
    await e1.press(q5, ru("sv-skip"))
    await e1.wait_message(contains=ru("sv-thanks"))

    # the pair's first meeting: the fit question; "no" with a reason goes to the curator
    fit = await e1.wait_message(contains=ru("meet-fit-ask", partners="M1"))
    await e1.press(fit, ru("meet-fit-btn-no"))
    await e1.wait_message(contains=ru("meet-fit-ask-reason", max=500))
    await e1.send("Не совпадаем по времени")
    await e1.wait_message(contains=ru("meet-fit-thanks-no"))
    answered = clock()
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    curator = tg.user(CURATOR_TG, language_code="ru")
    alert = await curator.wait_message(timeout=10, contains="Не совпадаем по времени")
    assert alert.text == ru("risk-fit-declined", programme=TITLE, mentor="M1", mentees="E1", who="E1",
                            reason="Не совпадаем по времени")
    assert [b.text for b in alert.buttons] == [ru("risk-btn-rematch"), ru("risk-btn-open")]
    await e1.press_data(fit, f"wf:{world.pair['P1']}:y")  # the old question again
    assert (await e1.wait_callback_answer())["text"] == ru("meet-invalid-fit-answered")

    async with sessionmaker() as s:
        meeting = await s.scalar(select(Meeting))
        assert (meeting.pair_id, meeting.held_on, meeting.format, meeting.minutes, meeting.topic) == (
            world.pair["P1"], date(2026, 11, 20), "online", 45, "Подготовка к олимпиаде")
        response = await s.scalar(select(SurveyResponse).where(SurveyResponse.member_id == world.member["E1"]))
        assert response.answers == {"useful": 8, "comfort": 9, "clarity": 7, "next_planned": True, "comment": None}
        assert response.completed_at == answered and response.pair_id == world.pair["P1"]
        fit_row = await s.scalar(select(PairFit))
        assert (fit_row.member_id, fit_row.fits, fit_row.reason) == (world.member["E1"], False, "Не совпадаем по времени")
        e1_checkin = await s.scalar(select(CheckIn).where(CheckIn.member_id == world.member["E1"]))
        assert (e1_checkin.status, e1_checkin.answer) == ("answered", "yes")

    # the mentor: invited to rate the meeting; the survey closed meanwhile is refused clearly
    invite = await m1.wait_message(timeout=10, contains=ru("sv-invite-meeting", who="E1", date="20.11.2026"))
    await m1.press(invite, ru("sv-btn-start"))
    mq1 = await m1.wait_message(contains=ru("sv-q-meeting-useful-mentor"))
    async with sessionmaker() as s:
        await surveys.close_occasion(s, surveys.occasion_key("meeting", meeting.id), clock())
        await s.commit()
    await m1.press(mq1, "7")
    assert (await m1.wait_callback_answer())["text"] == ru("sv-invalid-closed")
    await m1.press(invite, ru("sv-btn-start"))
    assert (await m1.wait_callback_answer())["text"] == ru("sv-invalid-closed")

    # the mentor's check-in lists both pairs: "yes" asks which; a pair not theirs is refused
    await m1.press(m1_ask, ru("checkin-btn-yes"))
    pick = await m1.wait_message(contains=ru("meet-pick-pair"))
    assert [b.text for b in pick.buttons] == ["E1", "E2"]
    await m1.press_data(pick, f"wn:p:{world.pair['P3']}")
    assert (await m1.wait_callback_answer())["text"] == ru("meet-invalid-not-in-pair")
    await m1.press(pick, "E2")
    await m1.wait_message(contains=ru("meet-ask-date", partners="E2"))


async def test_later_no_and_a_participant_who_blocked_the_bot(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    e3 = person(tg, "E3")
    e3.block()
    await run_job(app, "checkins")
    m2, e4 = person(tg, "M2"), person(tg, "E4")
    ask = await m2.wait_message(timeout=10, contains=ru("checkin-ask", since="09.11.2026", partners="E3, E4", count=1))
    await m2.press(ask, ru("checkin-btn-later"))
    await m2.wait_message(contains=ru("meet-checkin-later"))
    assert not m2.messages[-2].buttons  # the question's buttons are gone

    ask_e4 = await e4.wait_message(timeout=10, contains=ru("checkin-ask", since="09.11.2026", partners="M2", count=1))
    await e4.press(ask_e4, ru("checkin-btn-no"))
    assert (await e4.wait_message(contains=ru("meet-checkin-no"))).text == ru("meet-checkin-no")
    await e4.press_data(ask_e4, ask_e4.buttons[0].value)  # "yes" on the answered question
    assert (await e4.wait_callback_answer())["text"] == ru("meet-invalid-checkin-answered")

    # the outbox meets the block: E3 is unreachable, and the curator hears it from the risk job
    async def e3_unreachable(s) -> bool:
        return (await s.get(User, world.user["E3"], populate_existing=True)).unreachable_at is not None

    await eventually(sessionmaker, e3_unreachable)
    async with sessionmaker() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.user_id == world.user["E3"],
                                                         OutboxMessage.kind == "checkin"))
        assert (row.status, row.last_error) == ("failed", "blocked")
    await run_job(app, "risk-alerts")
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    curator = tg.user(CURATOR_TG, language_code="ru")
    expected = ru("risk-unreachable", programme=TITLE, who="E3", mentor="M2", mentees="E3, E4")
    alert = await curator.wait_message(timeout=10, contains=expected)
    assert alert.text == expected
    await run_job(app, "risk-alerts")  # the same alert is not repeated
    await curator.expect_no_message(0.5)

    # "later": a day on, the same question comes again, and "yes" opens the meeting log
    clock.advance(days=1, minutes=1)
    again = await m2.wait_message(timeout=10, contains=ru("checkin-ask", since="09.11.2026", partners="E3, E4",
                                                          count=1))
    assert again.message_id != ask.message_id
    async with sessionmaker() as s:
        [checkin] = (await checkins_by_name(s, world))["M2"]
        assert (checkin.status, checkin.answer, checkin.snoozes) == ("pending", "later", 1)
    await m2.press(again, ru("checkin-btn-yes"))
    await m2.wait_message(contains=ru("meet-ask-date", partners="E3, E4"))


async def test_meetings_menu_unprompted_log_survey_resume_and_goals(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    e1, m1 = person(tg, "E1"), person(tg, "M1")
    await e1.send("/meetings")
    menu = await e1.wait_message(contains=ru("meet-list-title"))
    assert ru("meet-list-pair", partners="M1", start="02.11.2026", count=0) in menu.text
    assert ru("meet-list-hint-mentee") in menu.text
    await e1.press(menu, ru("meet-btn-log", partners="M1"))
    date_q = await e1.wait_message(contains=ru("meet-ask-date", partners="M1"))
    await e1.press(date_q, ru("meet-btn-today"))
    fmt_q = await e1.wait_message(contains=ru("meet-ask-format"))
    await e1.press(fmt_q, ru("meet-format-offline"))
    min_q = await e1.wait_message(contains=ru("meet-ask-minutes", max=600))
    await e1.press(min_q, ru("meet-minutes", n=60))
    topic_q = await e1.wait_message(contains=ru("meet-ask-topic", max=200))
    await e1.press(topic_q, ru("meet-btn-no-topic"))
    await e1.wait_message(contains=ru("meet-logged", date="23.11.2026", format=ru("meet-format-offline"), minutes=60,
                                      topic="—"))
    q1 = await e1.wait_message(contains=ru("sv-q-meeting-useful"))
    await e1.press(q1, "6")
    await e1.wait_message(contains=ru("sv-q-comfort-mentee"))

    # interrupted: the menu shows the meeting and offers to continue the survey, which resumes
    await e1.send("/meetings")
    menu = await e1.wait_message(contains=ru("meet-list-title"))
    assert ru("meet-list-pair", partners="M1", start="02.11.2026", count=1) in menu.text
    assert ru("meet-list-meeting", date="23.11.2026", format=ru("meet-format-offline"), minutes=60) in menu.text
    await e1.press(menu, ru("meet-btn-survey", date="23.11.2026"))
    assert (await e1.wait_message()).text == ru("sv-resume")
    q2 = await e1.wait_message()
    assert ru("sv-q-comfort-mentee") in q2.text and ru("sv-progress", n=2, total=5) in q2.text

    # goals: a mentee adds one and marks progress; the mentor sees it, read-only
    await e1.send("/goals")
    listing = await e1.wait_message(contains=ru("goal-title"))
    assert ru("goal-none-mentee") in listing.text
    await e1.press(listing, ru("goal-btn-add"))
    await e1.wait_message(contains=ru("goal-ask-text", max=300))
    await e1.send("ц" * 301)
    assert (await e1.wait_message()).text == ru("meet-invalid-goal-too-long", max=300)
    goal_text = "Написать ВПР по математике на 5"
    await e1.send(goal_text)
    listing = await e1.wait_message(contains=ru("goal-added"))
    assert ru("goal-line", n=1, mark="▫️", text=goal_text, progress=0) in listing.text
    await e1.press(listing, ru("goal-btn-open", n=1, text=goal_text))
    card = await e1.wait_message(contains=ru("goal-card", text=goal_text, progress=0))
    await e1.press(card, ru("goal-percent", n=50))
    listing = await e1.wait_message(contains=ru("goal-saved", progress=50))
    assert ru("goal-line", n=1, mark="▫️", text=goal_text, progress=50) in listing.text

    await m1.send("/goals")
    view = await m1.wait_message(contains=ru("goal-title"))
    assert ru("goal-line-of", n=1, mark="▫️", name="E1", text=goal_text, progress=50) in view.text
    assert ru("goal-none-mentor") in view.text  # E2 has none yet
    assert view.buttons == []
    async with sessionmaker() as s:
        goal = await s.scalar(select(Goal))
        assert (goal.member_id, goal.progress, goal.history) == (
            world.member["E1"], 50, [[clock().isoformat(timespec="seconds"), 50]])
    await m1.press_data(view, f"wg:p:{goal.id}:100")  # the mentor cannot mark a mentee's goal
    assert (await m1.wait_callback_answer())["text"] == ru("meet-invalid-goal-unknown")
    await m1.press_data(view, f"wg:a:{world.pair['P1']}")
    assert (await m1.wait_callback_answer())["text"] == ru("meet-invalid-not-mentee")
    await e1.press_data(listing, f"wg:a:{world.pair['P3']}")  # someone else's pair
    assert (await e1.wait_callback_answer())["text"] == ru("meet-invalid-not-in-pair")


async def test_start_survey_choices_resume_after_a_restart_once_and_closed(app, start_app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        await surveys.launch(s, await s.get(Programme, world.programme_id), "start", clock())
        await s.commit()
    e1, e2 = person(tg, "E1"), person(tg, "E2")
    invite = await e1.wait_message(timeout=10, contains=ru("sv-invite-start", programme=TITLE))
    await e1.press(invite, ru("sv-btn-start"))
    q1 = await e1.wait_message(contains=ru("sv-q-expectations-mentee"))
    assert ru("sv-multi-hint", max=3) in q1.text
    await e1.press(q1, ru("sv-done"))
    assert (await e1.wait_callback_answer())["text"] == ru("sv-invalid-choice-empty")
    for key in ("sv-opt-exp-studies", "sv-opt-exp-exams", "sv-opt-exp-career"):
        await e1.press(q1, ru(key))
        q1 = await e1.wait_message(contains=ru("sv-q-expectations-mentee"))
    assert [b.text for b in q1.buttons][:3] == [f"✅ {ru(k)}" for k in ("sv-opt-exp-studies", "sv-opt-exp-exams",
                                                                        "sv-opt-exp-career")]
    await e1.press(q1, ru("sv-opt-exp-project"))
    assert (await e1.wait_callback_answer())["text"] == ru("sv-invalid-choice-too-many", max=3)
    await e1.press(q1, f"✅ {ru('sv-opt-exp-career')}")  # untick one, tick another
    q1 = await e1.wait_message(contains=ru("sv-q-expectations-mentee"))
    await e1.press(q1, ru("sv-opt-exp-project"))
    q1 = await e1.wait_message(contains=ru("sv-q-expectations-mentee"))
    await e1.press(q1, ru("sv-done"))
    q2 = await e1.wait_message(contains=ru("sv-q-motivation-mentee"))
    await e1.press(q2, "8")
    await e1.wait_message(contains=ru("sv-q-confidence"))

    await app.stop()  # the bot restarts half-way through the survey
    await start_app(outbox_per_chat_interval=0.0)
    await e1.press(invite, ru("sv-btn-start"))
    await e1.wait_message(contains=ru("sv-resume"))
    q3 = await e1.wait_message(contains=ru("sv-q-confidence"))
    while not q3.buttons:  # the question asked before the restart loses its buttons first
        q3 = await e1.wait_message(contains=ru("sv-q-confidence"))
    assert ru("sv-progress", n=3, total=5) in q3.text
    await e1.send(" 5 ")
    echoed = await e1.wait_message(contains=ru("sv-q-confidence"))  # (a check-in may come in between)
    assert echoed.message_id == q3.message_id and echoed.text == f"{q3.text}\n\n✔ 5" and not echoed.buttons
    q4 = await e1.wait_message(contains=ru("sv-q-frequency-wish"))
    await e1.press(q4, ru("sv-opt-freq-weekly"))
    q5 = await e1.wait_message(contains=ru("sv-q-worries"))
    await e1.press(q5, ru("sv-skip"))
    await e1.wait_message(contains=ru("sv-thanks"))
    await e1.press(invite, ru("sv-btn-start"))  # each person answers each occasion once
    assert (await e1.wait_callback_answer())["text"] == ru("sv-invalid-done")
    async with sessionmaker() as s:
        response = await s.scalar(select(SurveyResponse).where(SurveyResponse.member_id == world.member["E1"]))
        assert response.answers == {"expectations": ["studies", "exams", "project"], "motivation": 8,
                                    "confidence": 5, "frequency_wish": "weekly", "worries": None}
        assert response.completed_at is not None

    # the curator closes the survey while E2 is answering it
    invite2 = await e2.wait_message(timeout=10, contains=ru("sv-invite-start", programme=TITLE))
    await e2.press(invite2, ru("sv-btn-start"))
    q1 = await e2.wait_message(contains=ru("sv-q-expectations-mentee"))
    async with sessionmaker() as s:
        await surveys.close_occasion(s, surveys.occasion_key("start", world.programme_id), clock())
        await s.commit()
    await e2.press(q1, ru("sv-opt-exp-career"))
    assert (await e2.wait_callback_answer())["text"] == ru("sv-invalid-closed")
    closed = await e2.wait_message(contains=ru("sv-q-expectations-mentee"))
    assert closed.message_id == q1.message_id and not closed.buttons
    await e2.press(invite2, ru("sv-btn-start"))
    assert (await e2.wait_callback_answer())["text"] == ru("sv-invalid-closed")


async def test_one_checkin_for_a_person_in_two_programmes_and_bad_buttons(app, tg, sessionmaker, clock):
    """A mentor in two programmes gets one check-in; "yes" names the programmes. Forged, foreign,
    stale and expired check-in buttons are refused politely and change nothing."""
    from tests.test_checkins import add_second_programme

    world = await seed(sessionmaker, clock())
    _, m1_b, pair_b = await add_second_programme(sessionmaker, world, clock(), activated=datetime(
        2026, 11, 9, 10, tzinfo=timezone.utc))
    await run_job(app, "checkins")
    m1, e1, e2 = person(tg, "M1"), person(tg, "E1"), person(tg, "E2")
    partners = f"E1, E2 ({TITLE}); X1 (Профориентация)"
    ask = await m1.wait_message(timeout=10, contains=ru("checkin-ask", since="02.11.2026", partners=partners,
                                                        count=3))
    first_line = ask.text.splitlines()[0]
    assert len([m for m in m1.messages if (m.text or "").startswith(first_line)]) == 1
    async with sessionmaker() as s:
        [m1_checkin] = (await s.scalars(select(CheckIn).where(CheckIn.participant_id == world.participant["M1"]))).all()
        e1_checkin = await s.scalar(select(CheckIn).where(CheckIn.participant_id == world.participant["E1"]))

    # someone else's check-in, a missing one, forged data: "not found", nothing recorded
    e1_ask = await e1.wait_message(timeout=10, contains=ru("checkin-ask", since="02.11.2026", partners="M1", count=1))
    for data in (f"wc:{m1_checkin.id}:y", "wc:999999:n", f"wc:{e1_checkin.id}:z", "wc:x:y"):
        await e1.press_data(e1_ask, data)
        assert (await e1.wait_callback_answer())["text"] == ru("meet-invalid-checkin-unknown")
    # an expired check-in (superseded by the next one): refused, its buttons go
    async with sessionmaker() as s:
        (await s.get(CheckIn, e1_checkin.id)).status = "expired"
        await s.commit()
    await e1.press(e1_ask, ru("checkin-btn-yes"))
    assert (await e1.wait_callback_answer())["text"] == ru("meet-invalid-checkin-expired")
    closed = await e1.wait_message()
    assert closed.message_id == e1_ask.message_id and not closed.buttons
    async with sessionmaker() as s:
        for c in (await s.scalars(select(CheckIn))).all():
            assert c.answer is None, c.id
        assert await s.scalar(select(func.count()).select_from(Meeting)) == 0

    # "yes": which pair, in which programme
    await m1.press(ask, ru("checkin-btn-yes"))
    pick = await m1.wait_message(contains=ru("meet-pick-pair"))
    assert [b.text for b in pick.buttons] == [ru("meet-pick-pair-in", partners="E1", programme=TITLE),
                                              ru("meet-pick-pair-in", partners="E2", programme=TITLE),
                                              ru("meet-pick-pair-in", partners="X1", programme="Профориентация")]
    await m1.press(pick, ru("meet-pick-pair-in", partners="X1", programme="Профориентация"))
    await m1.wait_message(contains=ru("meet-ask-date", partners="X1"))
    # E2 cannot log a meeting of a pair that is not theirs (a forged button)
    await e2.send("/meetings")
    menu = await e2.wait_message(contains=ru("meet-list-title"))
    await e2.press_data(menu, f"wn:p:{pair_b}")
    assert (await e2.wait_callback_answer())["text"] == ru("meet-invalid-not-in-pair")
    async with sessionmaker() as s:
        checkin = await s.get(CheckIn, m1_checkin.id)
        assert (checkin.status, checkin.answer) == ("answered", "yes")


async def test_bad_survey_input_forged_buttons_and_a_closed_survey(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        await surveys.launch(s, await s.get(Programme, world.programme_id), "start", clock())
        await s.commit()
    e1, e2 = person(tg, "E1"), person(tg, "E2")
    invite = await e1.wait_message(timeout=10, contains=ru("sv-invite-start", programme=TITLE))
    await e1.press(invite, ru("sv-btn-start"))
    q1 = await e1.wait_message(contains=ru("sv-q-expectations-mentee"))
    async with sessionmaker() as s:
        response = await s.scalar(select(SurveyResponse).where(SurveyResponse.member_id == world.member["E1"]))
    # a multiple choice or free text cannot be typed in through forged answer buttons
    await e1.press_data(q1, f"wa:{response.id}:expectations:studies")
    assert (await e1.wait_callback_answer())["text"] == ru("sv-invalid-stale")
    await e1.press(q1, ru("sv-opt-exp-studies"))
    q1 = await e1.wait_message(contains=ru("sv-q-expectations-mentee"))
    await e1.press(q1, ru("sv-done"))
    q2 = await e1.wait_message(contains=ru("sv-q-motivation-mentee"))
    # a scale outside 1..10 from a forged button; someone else's survey; text where a scale is expected
    for value in ("11", "0", "-1"):
        await e1.press_data(q2, f"wa:{response.id}:motivation:{value}")
        answer = (await e1.wait_callback_answer())["text"]
        assert answer in (ru("sv-invalid-scale-range", min=1, max=10), ru("sv-invalid-scale-format", min=1, max=10))
    e2_invite = await e2.wait_message(timeout=10, contains=ru("sv-invite-start", programme=TITLE))
    await e2.press_data(e2_invite, f"wa:{response.id}:motivation:5")
    assert (await e2.wait_callback_answer())["text"] == ru("sv-invalid-not-yours")
    await e1.send("восемь")  # (a check-in may arrive meanwhile: messages are picked by their text)
    text = ru("sv-invalid-scale-format", min=1, max=10)
    assert (await e1.wait_message(contains=text)).text == text
    await e1.send("100")
    text = ru("sv-invalid-scale-range", min=1, max=10)
    assert (await e1.wait_message(contains=text)).text == text
    # the curator closes the survey: a typed answer is refused, and so is the question's button
    async with sessionmaker() as s:
        await surveys.close_occasion(s, surveys.occasion_key("start", world.programme_id), clock())
        await s.commit()
    await e1.send("8")
    assert (await e1.wait_message(contains=ru("sv-invalid-closed"))).text == ru("sv-invalid-closed")
    assert not next(m for m in e1.messages if m.message_id == q2.message_id).buttons  # the question's went
    await e1.press_data(q2, f"wa:{response.id}:motivation:8")  # the old button, pressed anyway
    assert (await e1.wait_callback_answer())["text"] == ru("sv-invalid-closed")
    async with sessionmaker() as s:
        response = await s.get(SurveyResponse, response.id)
        assert response.answers == {"expectations": ["studies"]} and response.completed_at is None
        assert response.closed_at is not None


async def test_low_start_survey_of_a_mentor_of_two_pairs_alerts_the_curator(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    async with sessionmaker() as s:
        await surveys.launch(s, await s.get(Programme, world.programme_id), "start", clock())
        await s.commit()
    m1 = person(tg, "M1")
    invite = await m1.wait_message(timeout=10, contains=ru("sv-invite-start", programme=TITLE))
    await m1.press(invite, ru("sv-btn-start"))
    q = await m1.wait_message(contains=ru("sv-q-expectations-mentor"))
    await m1.press(q, q.buttons[0].text)
    q = await m1.wait_message(contains=ru("sv-q-expectations-mentor"))
    await m1.press(q, ru("sv-done"))
    q = await m1.wait_message(contains=ru("sv-q-motivation-mentor"))
    await m1.press(q, "9")
    q = await m1.wait_message(contains=ru("sv-q-readiness"))
    await m1.send("3")  # typed: low
    q = await m1.wait_message(contains=ru("sv-q-frequency-wish"))
    await m1.press(q, q.buttons[0].text)
    q = await m1.wait_message(contains=ru("sv-q-support-needed"))
    await m1.press(q, ru("sv-skip"))
    await m1.wait_message(contains=ru("sv-thanks"))

    await run_job(app, "risk-alerts")
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    curator = tg.user(CURATOR_TG, language_code="ru")
    expected = ru("risk-low-rating-person", programme=TITLE, who="M1", survey="start", score=3,
                  pairs="M1 — E1; M1 — E2")
    alert = await curator.wait_message(timeout=10, contains=expected)
    assert alert.text == expected
    assert [b.text for b in alert.buttons] == [ru("risk-btn-open-with", partners="E1"),
                                               ru("risk-btn-open-with", partners="E2")]
    await run_job(app, "risk-alerts")  # once
    await curator.expect_no_message(0.5)
    await curator.press(alert, ru("risk-btn-open-with", partners="E2"))
    screen = await curator.wait_message(contains=ru("mon-pair-title", programme=TITLE))
    assert ru("mon-pair-mentees", n=1, names="E2") in screen.text
    # a participant pressing the curator's button gets nothing of the pair
    e1 = person(tg, "E1")
    e1_invite = await e1.wait_message(timeout=10, contains=ru("sv-invite-start", programme=TITLE))
    await e1.press_data(e1_invite, f"wr:{world.pair['P2']}")
    assert (await e1.wait_callback_answer())["text"] == ru("cur-only-curators")
    assert not any(ru("mon-pair-title", programme=TITLE) in (m.text or "") for m in e1.messages)


async def test_fit_question_after_the_first_meeting_only(app, tg, sessionmaker, clock):
    world = await seed(sessionmaker, clock())
    e1 = person(tg, "E1")
    definition = surveys.select_definition("meeting", "mentee", "teacher_student")
    keys = {i.id: i.text_key for i in definition.items}

    async def log_and_answer(day_button: str) -> None:
        await e1.send("/meetings")
        menu = await e1.wait_message(contains=ru("meet-list-title"))
        await e1.press(menu, ru("meet-btn-log", partners="M1"))
        await e1.press(await e1.wait_message(contains=ru("meet-ask-date", partners="M1")), day_button)
        await e1.press(await e1.wait_message(contains=ru("meet-ask-format")), ru("meet-format-online"))
        await e1.press(await e1.wait_message(contains=ru("meet-ask-minutes", max=600)), ru("meet-minutes", n=30))
        await e1.press(await e1.wait_message(contains=ru("meet-ask-topic", max=200)), ru("meet-btn-no-topic"))
        for item in definition.items:
            q = await e1.wait_message(contains=ru(item.text_key))
            if item.type == "scale":
                await e1.press(q, "8")
            elif item.type == "yesno":
                await e1.press(q, ru("sv-yes"))
            else:
                await e1.press(q, ru("sv-skip"))
        await e1.wait_message(contains=ru("sv-thanks"))

    assert set(keys) == {"useful", "comfort", "clarity", "next_planned", "comment"}
    await log_and_answer(ru("meet-btn-yesterday"))
    await e1.wait_message(contains=ru("meet-fit-ask", partners="M1"))  # the first meeting: asked (left unanswered)
    await log_and_answer(ru("meet-btn-today"))
    await e1.expect_no_message(1.0)  # the second meeting: not asked again
    await e1.send("/meetings")  # ... but the question stays one tap away
    menu = await e1.wait_message(contains=ru("meet-list-title"))
    assert ru("meet-btn-fit", partners="M1") in [b.text for b in menu.buttons]
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(Meeting)) == 2
        assert await s.scalar(select(PairFit.id)) is None


async def test_meetings_menu_offers_no_survey_to_a_minor_awaiting_consent(app, tg, sessionmaker, clock):
    from db.models import Participant

    world = await seed(sessionmaker, clock())
    e1, m1 = person(tg, "E1"), person(tg, "M1")
    await m1.send("/meetings")
    menu = await m1.wait_message(contains=ru("meet-list-title"))
    await m1.press(menu, ru("meet-btn-log", partners="E1"))
    await m1.press(await m1.wait_message(contains=ru("meet-ask-date", partners="E1")), ru("meet-btn-today"))
    await m1.press(await m1.wait_message(contains=ru("meet-ask-format")), ru("meet-format-offline"))
    await m1.press(await m1.wait_message(contains=ru("meet-ask-minutes", max=600)), ru("meet-minutes", n=45))
    await m1.press(await m1.wait_message(contains=ru("meet-ask-topic", max=200)), ru("meet-btn-no-topic"))
    await m1.wait_message(contains=ru("sv-q-meeting-useful-mentor"))
    await e1.send("/meetings")
    menu = await e1.wait_message(contains=ru("meet-list-title"))
    survey_button = ru("meet-btn-survey", date="23.11.2026")
    assert survey_button in [b.text for b in menu.buttons]
    async with sessionmaker() as s:
        (await s.get(Participant, world.participant["E1"])).status = "awaiting_consent"
        await s.commit()
    await e1.send("/meetings")
    menu = await e1.wait_message(contains=ru("meet-list-title"))
    assert survey_button not in [b.text for b in menu.buttons]
    assert ru("meet-btn-log", partners="M1") in [b.text for b in menu.buttons]
