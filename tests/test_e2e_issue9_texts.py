"""Issue 9, texts and pictures, through the running bot and the Bot API stand-in.

7: dates typed as words in either language; 8: stale copies of a question; 9: no text cut
mid-word; 10: charts in the locale; 11: human consent versions, the participants XLSX order;
16: the catalogue by category and by use. Seeding helpers come from the other e2e modules.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from bot.i18n import Translator
from db.models import Meeting, Programme, RoadmapItem, User
from tests.test_checkins import seed as seed_pairs
from tests.test_e2e_curator import seed_curator, seed_tree, settle
from tests.test_e2e_meetings import START as MEET_START, TG as MEET_TG

T = Translator()
ru = T.bind("ru")
en = T.bind("en")


@pytest.fixture
async def meet_app(start_app, clock):
    clock.set(MEET_START)  # 23.11.2026 16:30 in Moscow
    return await start_app(outbox_per_chat_interval=0.0)


async def log_meeting_by_typing(user, t, partners: str, typed: str) -> str:
    """/meetings → log a meeting with ``partners``, the date typed; returns the "logged" text."""
    await user.send("/meetings")
    menu = await user.wait_message(contains=t("meet-list-title"))
    await user.press(menu, t("meet-btn-log", partners=partners))
    await user.wait_message(contains=t("meet-ask-date", partners=partners))
    await user.send(typed)
    fmt = await user.wait_message(contains=t("meet-ask-format"))
    await user.press(fmt, t("meet-format-offline"))
    await user.press(await user.wait_message(contains=t("meet-ask-minutes", max=600)), t("meet-minutes", n=60))
    await user.press(await user.wait_message(contains=t("meet-ask-topic", max=200)), t("meet-btn-no-topic"))
    first_line = t("meet-logged", date="", format="", minutes=0, topic="").splitlines()[0]
    return (await user.wait_message(contains=first_line)).text


# ---------------------------------------------------------------------------------------------
# 7. typed dates
# ---------------------------------------------------------------------------------------------
async def test_meeting_dates_typed_as_words_in_russian_and_english(meet_app, tg, sessionmaker, clock):
    await seed_pairs(sessionmaker, clock())
    async with sessionmaker() as s:
        await s.execute(update(User).where(User.tg_id == MEET_TG["E2"]).values(locale="en"))
        await s.commit()
    e1 = tg.user(MEET_TG["E1"], language_code="ru")
    logged = await log_meeting_by_typing(e1, ru, "M1", "Вчера")
    assert logged.startswith(ru("meet-logged", date="22.11.2026", format=ru("meet-format-offline"), minutes=60,
                                topic="—"))
    e2 = tg.user(MEET_TG["E2"], language_code="en")
    logged = await log_meeting_by_typing(e2, en, "M1", "The day before yesterday")
    assert logged.startswith(en("meet-logged", date="21.11.2026", format=en("meet-format-offline"), minutes=60,
                                topic="—"))
    m2 = tg.user(MEET_TG["M2"], language_code="ru")
    logged = await log_meeting_by_typing(m2, ru, "E3, E4", "  ПОЗАВЧЕРА ")
    assert logged.startswith(ru("meet-logged", date="21.11.2026", format=ru("meet-format-offline"), minutes=60,
                                topic="—"))
    # a word that names a day to come is a date in the future, not an unreadable one
    await e1.send("/meetings")
    menu = await e1.wait_message(contains=ru("meet-list-title"))
    await e1.press(menu, ru("meet-btn-log", partners="M1"))
    await e1.wait_message(contains=ru("meet-ask-date", partners="M1"))
    await e1.send("завтра")
    assert (await e1.wait_message()).text == ru("meet-invalid-date-future")
    await settle(e1)
    async with sessionmaker() as s:
        held = sorted((await s.scalars(select(Meeting.held_on))).all())
    assert held == [date(2026, 11, 21), date(2026, 11, 21), date(2026, 11, 22)]


async def test_programme_and_roadmap_dates_typed_as_words(app, tg, sessionmaker, clock):
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 6901, tree.s1, name="Анна Школьная")
    await seed_curator(sessionmaker, clock, 6902, tree.s2, locale="en", name="Bella School")
    curator = tg.user(6901, language_code="ru")
    # a programme that starts today, typed in Russian
    await curator.send("/curator")
    await curator.press(await curator.wait_message(), ru("prog-btn-programmes"))
    await curator.press(await curator.wait_message(), ru("prog-btn-new"))
    await curator.press(await curator.wait_message(), ru("form-teacher_teacher"))
    await curator.press(await curator.wait_message(), ru("role-model-experienced_young"))
    await curator.press(await curator.wait_message(), ru("prog-btn-done", n=1))
    await curator.wait_message(contains=ru("prog-new-ask-title", min=3, max=200))
    await curator.send("Молодой педагог")
    await curator.wait_message(contains=ru("prog-new-ask-start", example="30.11.2026").split(",")[0])
    await curator.send("Сегодня")
    assert (await curator.wait_message()).text == ru("prog-new-ask-end", example="23.11.2027")
    await curator.send("31.05.2027")
    await curator.press(await curator.wait_message(), ru("prog-interval-14"))
    await curator.press(await curator.wait_message(), ru("prog-btn-mode-one"))
    summary = await curator.wait_message()
    assert ru("prog-field-dates", start="23.11.2026", end="31.05.2027") in summary.text
    # a roadmap item due tomorrow, typed in English
    other = tg.user(6902, language_code="en")
    await other.send("/curator")
    await other.press(await other.wait_message(), en("mon-btn-roadmap"))
    roadmap = await other.wait_message(contains="📅")
    await other.press(roadmap, en("rm-btn-add"))
    await other.wait_message(contains=en("rm-ask-title", max=200).split(".")[0])
    await other.send("Meeting of the mentors")
    await other.wait_message()
    await other.send("Tomorrow")
    pick = await other.wait_message()
    assert pick.text == en("rm-ask-who", title="Meeting of the mentors", date="24 Nov 2026")
    # and in Russian, whatever the case
    await curator.send("/curator")
    await curator.press(await curator.wait_message(), ru("mon-btn-roadmap"))
    roadmap = await curator.wait_message(contains="📅")
    await curator.press(roadmap, ru("rm-btn-add"))
    await curator.wait_message(contains=ru("rm-ask-title", max=200).split(".")[0])
    await curator.send("Совещание с наставниками")
    await curator.wait_message()
    await curator.send("ПОСЛЕЗАВТРА")
    pick = await curator.wait_message()
    assert pick.text == ru("rm-ask-who", title="Совещание с наставниками", date="25.11.2026")
    await curator.press(pick, "Анна Школьная")
    await curator.wait_message(contains=ru("rm-added"))
    await settle(curator)
    async with sessionmaker() as s:
        item = await s.scalar(select(RoadmapItem).where(RoadmapItem.title == "Совещание с наставниками"))
        assert item.due_on == date(2026, 11, 25)
        assert await s.scalar(select(Programme.id)) is None  # the programme was not confirmed


# ---------------------------------------------------------------------------------------------
# 11. a human consent version; the participants XLSX in a reader's order
# ---------------------------------------------------------------------------------------------
async def test_consent_headers_show_the_edition_date_and_the_record_keeps_the_id(app, tg, sessionmaker, clock):
    from db.models import Consent
    from domain.people import CONSENT_VERSION, CURATOR_CONSENT_VERSION
    from tests.test_e2e_registration import seed_invite, seed_org

    org_id = await seed_org(sessionmaker)
    for tg_id, language, edition in ((6801, "Русский", "1 ноября 2026"), (6802, "English", "1 November 2026")):
        lang = "ru" if language == "Русский" else "en"
        payload = await seed_invite(sessionmaker, clock, org_id)
        user = tg.user(tg_id, language_code="ru")
        await user.send(f"/start {payload}")
        await user.press(await user.wait_message(contains=ru("reg-ask-language")), language)
        consent = await user.wait_message(contains=T.get(lang, "reg-consent-text", edition=edition).splitlines()[0])
        assert CONSENT_VERSION not in consent.text
        assert consent.text == T.get(lang, "reg-consent-text", edition=edition)
    payload = await seed_invite(sessionmaker, clock, org_id, kind="curator")
    curator = tg.user(6803, language_code="en")
    await curator.send(f"/start {payload}")
    consent = await curator.wait_message(contains=en("reg-consent-text-curator", edition="1 November 2026"))
    assert CURATOR_CONSENT_VERSION not in consent.text
    await curator.press(consent, en("reg-btn-agree"))
    await curator.wait_message(contains=en("reg-ask-full-name-curator"))
    await curator.send("Анна Кураторова")
    await curator.wait_message(contains=en("reg-curator-done", unit="Школа № 5").split(":")[0])
    await settle(curator)
    async with sessionmaker() as s:
        assert (await s.scalars(select(Consent.version))).all() == [CURATOR_CONSENT_VERSION]


async def test_participants_xlsx_is_ordered_by_role_grade_and_name(app, tg, sessionmaker, clock):
    from domain import reports
    from tests.test_e2e_reports import open_reports, receive, seed_curator as seed_report_curator
    from tests.test_reports import _person, seed_world

    w = await seed_world(sessionmaker, clock())
    async with sessionmaker() as s:  # registered after everybody else, in no particular order
        for name, role, category, grade in (("Абрамов Иван", "mentee", "school_student", 10),
                                            ("Ёлкина Анна", "mentee", "school_student", 9),
                                            ("Яковлева Ольга", "mentor", "teacher", None),
                                            ("Zimmer Anna", "mentee", "school_student", 9),
                                            ("ежова Дарья", "mentee", "school_student", 9),
                                            ("Егоров Борис", "mentee", "school_student", 9)):
            s.add(_person(w.s1, name, role, category, clock(), grade=grade, registered_days_ago=1))
        await s.commit()
    await seed_report_curator(sessionmaker, clock, 6804, w.m1)
    curator = tg.user(6804, language_code="ru")
    menu = await open_reports(curator)
    await curator.press(menu, ru("rep-btn-participants"))
    wb, _ = await receive(curator, "participants")
    ws = wb.active
    assert [c.value for c in ws[1]] == [ru(c.key) for c in reports.PARTICIPANT_COLUMNS]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [(r[1], r[2], r[5]) for r in rows] == [
        ("Школа № 1", "Мария Иванова", None), ("Школа № 1", "Яковлева Ольга", None),
        ("Школа № 1", "Аня Смирнова", 7), ("Школа № 1", "Борис Котов", 8),
        ("Школа № 1", "Егоров Борис", 9), ("Школа № 1", "ежова Дарья", 9), ("Школа № 1", "Ёлкина Анна", 9),
        ("Школа № 1", "Zimmer Anna", 9), ("Школа № 1", "Абрамов Иван", 10),
        ("Школа № 2", "Олег Новый", None), ("Школа № 2", "Вера Лесная", 9),
    ]
    await app.exports.wait_idle()


# ---------------------------------------------------------------------------------------------
# 10. charts in the reader's numbers; a one-point chart that looks deliberate
# ---------------------------------------------------------------------------------------------
def _texts(labels) -> list[str]:
    return [label.get_text() for label in labels if label.get_text()]


async def test_kpi_charts_follow_the_locale_and_a_single_point_stays_narrow(app, tg, sessionmaker, clock,
                                                                            monkeypatch):
    from domain import charts
    from tests.test_e2e_kpi import PNG_SIGNATURE, seed_pairs, set_denominator

    figures = []
    render = charts._png

    def keep(fig):  # the figure the bot renders, looked at before it becomes a PNG
        figures.append(fig)
        return render(fig)

    monkeypatch.setattr(charts, "_png", keep)
    tree = await seed_tree(sessionmaker)
    await seed_pairs(sessionmaker, clock, tree.s1, 3)
    await set_denominator(sessionmaker, tree.s1, 2026, students_total=500)  # 3 of 500: 0.6 %
    await seed_curator(sessionmaker, clock, 6701, tree.m1)
    await seed_curator(sessionmaker, clock, 6702, tree.m1, locale="en", name="Bella Town")
    for tg_id, t, share, decimal in ((6701, ru, "0,6", ","), (6702, en, "0.6", ".")):
        figures.clear()
        curator = tg.user(tg_id, language_code=t.locale)
        await curator.send("/curator")
        await curator.press(await curator.wait_message(contains="г. Рязань"), t("mon-btn-kpi"))
        view = await curator.wait_message(contains=t("kpi-when-now"))
        await curator.press(view, t("kpi-btn-charts"))
        menu = await curator.wait_message(contains=t("kpi-charts-title", unit=t("cur-title-municipality",
                                                                              name="г. Рязань")))
        await curator.press(menu, t("kpi-btn-chart-progress", name=t("kpi-short-students_any")))
        photo = await curator.wait_message(contains=t("kpi-ind-students_any"))
        assert photo.media.content.startswith(PNG_SIGNATURE)
        [fig] = figures
        ax = fig.axes[0]
        fig.canvas.draw()
        # the value on the bar and the tick labels in the reader's numbers
        assert share in _texts(ax.texts)
        other = "." if decimal == "," else ","
        assert ax.yaxis.get_major_formatter()(2.5, 0) == f"2{decimal}5"
        ticks = _texts(ax.get_yticklabels())
        assert not any(other in tick for tick in ticks + _texts(ax.texts)), ticks
        # one point ("now"): a narrow bar in the middle, not one bar across the width, and the target
        [bar] = ax.patches
        left, right = ax.get_xlim()
        assert bar.get_width() / (right - left) <= 0.25
        assert abs((bar.get_x() + bar.get_width() / 2) - (left + right) / 2) < 1e-9
        assert _texts(ax.get_xticklabels()) == [t("kpi-chart-now")]
        assert [line for line in ax.get_lines() if line.get_linestyle() == "--"], "the target line is drawn"
        # organisations side by side: values and ticks in the reader's numbers too
        figures.clear()
        await curator.press(menu, t("kpi-btn-chart-units", name=t("kpi-short-students_any")))
        await curator.wait_message(contains=t("kpi-ind-students_any"))
        [fig] = figures
        fig.canvas.draw()
        ax = fig.axes[0]
        assert share in _texts(ax.texts)
        assert ax.xaxis.get_major_formatter()(12.5, 0) == f"12{decimal}5"
        ticks = _texts(ax.get_xticklabels())
        assert not any(other in tick for tick in ticks), ticks


# ---------------------------------------------------------------------------------------------
# 8. a question asked again: the old copy loses its buttons, a press on it changes nothing
# ---------------------------------------------------------------------------------------------
def current(user, message):
    """The message as the user sees it now (after the bot's edits)."""
    return next(m for m in user.messages if m.message_id == message.message_id)


async def retired(user, message) -> bool:
    """Wait for the bot's edit of an old copy of a question: its buttons go."""
    edit = await user.wait_message()
    return edit.message_id == message.message_id and edit.buttons == [] and current(user, message).buttons == []


async def test_consent_asked_again_retires_the_old_copy(app, tg, sessionmaker, clock):
    from db.models import Consent
    from tests.test_e2e_registration import Chat, count, edition_of, seed_invite, seed_org

    org_id = await seed_org(sessionmaker)
    payload = await seed_invite(sessionmaker, clock, org_id)
    chat = Chat(tg, 6601, "ru")
    await chat.say(f"/start {payload}")
    await chat.click(await chat.expect("reg-ask-language"), "Русский")
    consent = await chat.expect("reg-consent-text", edition=edition_of(chat))
    assert consent.buttons
    await chat.say("да, согласна")  # free text where the buttons are the answer
    assert (await chat.user.wait_message(contains=chat.t("reg-use-buttons"))).text == chat.t("reg-use-buttons")
    again = await chat.expect("reg-consent-text", edition=edition_of(chat))
    assert again.message_id != consent.message_id and again.buttons
    assert await retired(chat.user, consent)  # the old copy has no buttons any more
    # a press on the old copy (an old client, a race) is answered and changes nothing
    for data in ("rg:yes:", "rg:no:"):
        answer = await chat.forge(consent, data)
        assert answer["text"] == chat.t("dialog-question-stale") and answer.get("show_alert")
    await chat.user.expect_no_message(0.3)
    assert await count(sessionmaker, Consent) == 0
    # asked a third time: both older copies are out of date, the newest one works
    await chat.say("согласна!")
    third = await chat.expect("reg-consent-text", edition=edition_of(chat))
    assert await retired(chat.user, again) and third.buttons
    assert (await chat.forge(again, "rg:yes:"))["text"] == chat.t("dialog-question-stale")
    await chat.click(third, chat.t("reg-btn-agree"))
    await chat.expect("reg-ask-role")


async def test_profile_edit_and_programme_questions_asked_again_in_english(app, tg, sessionmaker, clock):
    from db.models import Participant
    from handlers.programmes import PgStep
    from tests.test_e2e_profile import edit_label, open_profile, seed_participant
    from tests.test_e2e_registration import Chat, seed_org

    org_id = await seed_org(sessionmaker)
    chat = Chat(tg, 6602, "en")
    pid = await seed_participant(sessionmaker, clock, chat, org_id)
    profile = await open_profile(chat)
    await chat.click(profile, edit_label(chat, "format"))
    fmt = await chat.expect("reg-ask-format")
    await chat.say("offline please")
    fmt2 = await chat.expect("reg-ask-format")
    assert await retired(chat.user, fmt) and fmt2.buttons
    answer = await chat.forge(fmt, "fm:format:c:offline")
    assert answer["text"] == chat.t("dialog-question-stale")
    await chat.settle()
    async with sessionmaker() as s:
        assert (await s.get(Participant, pid)).format == "online"
    await chat.click(fmt2, chat.bound("cat-format-offline"))
    await chat.settle()
    async with sessionmaker() as s:
        assert (await s.get(Participant, pid)).format == "offline"

    # a curator's dialog: the meeting interval of a new programme, asked again after a text
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 6603, tree.s1, locale="en", name="Bella School")
    curator = tg.user(6603, language_code="en")
    await curator.send("/curator")
    await curator.press(await curator.wait_message(), en("prog-btn-programmes"))
    await curator.press(await curator.wait_message(), en("prog-btn-new"))
    await curator.press(await curator.wait_message(), en("form-teacher_teacher"))
    await curator.press(await curator.wait_message(), en("role-model-experienced_young"))
    await curator.press(await curator.wait_message(), en("prog-btn-done", n=1))
    await curator.wait_message(contains=en("prog-new-ask-title", min=3, max=200))
    await curator.send("Young teachers")
    await curator.wait_message()
    await curator.send("01.12.2026")
    await curator.wait_message()
    await curator.send("31.05.2027")
    first = await curator.wait_message(contains=en("prog-new-ask-interval"))
    await curator.send("every two weeks")
    await curator.wait_message(contains=en("prog-use-buttons"))
    second = await curator.wait_message(contains=en("prog-new-ask-interval"))
    assert await retired(curator, first) and second.buttons
    await curator.press_data(first, PgStep(a="i", v="14").pack())
    assert (await curator.wait_callback_answer())["text"] == en("dialog-question-stale")
    await curator.press(second, en("prog-interval-14"))
    assert (await curator.wait_message()).text == en("prog-new-ask-mode")


# ---------------------------------------------------------------------------------------------
# 9. no word cut in half: buttons shortened between words, bodies in full, the full text one tap away
# ---------------------------------------------------------------------------------------------
def cut_between_words(short: str, full: str) -> bool:
    """``short`` is ``full`` itself, or a start of it that ends where a word ends, plus "…"."""
    if short == full:
        return True
    if not short.endswith("…"):
        return False
    kept = short[:-1].rstrip()
    return full.startswith(kept) and (len(full) == len(kept) or not full[len(kept)].isalnum())


async def test_roadmap_titles_and_goal_buttons_are_never_cut_mid_word(meet_app, tg, sessionmaker, clock):
    from db.models import Goal
    from domain.text import BUTTON_MAX

    # a roadmap item with a long title (Russian)
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 6501, tree.s1, name="Анна Школьная")
    curator = tg.user(6501, language_code="ru")
    title = "Подготовка аналитической справки по итогам мониторинга программ наставничества кураторами"
    await curator.send("/curator")
    await curator.press(await curator.wait_message(), ru("mon-btn-roadmap"))
    roadmap = await curator.wait_message(contains="📅")
    await curator.press(roadmap, ru("rm-btn-add"))
    await curator.wait_message(contains=ru("rm-ask-title", max=200).split(".")[0])
    await curator.send(title)
    await curator.wait_message()
    await curator.send("15.12.2026")
    await curator.press(await curator.wait_message(), "Анна Школьная")
    await curator.wait_message(contains=ru("rm-added"))
    await curator.send("/curator")
    await curator.press(await curator.wait_message(), ru("mon-btn-roadmap"))
    roadmap = await curator.wait_message(contains="📅")
    # the list (a message body) has the whole title; its button a start of it, cut between words
    assert ru("rm-line", mark="⬜", date="15.12.2026", title=title, who="Анна Школьная").split(" ", 1)[1] \
        in roadmap.text
    prefix = ru("rm-btn-item", mark="⬜", date="15.12.2026", title="").split(" ", 1)[1]
    [button] = [b for b in roadmap.buttons if prefix.strip() in b.text and "Подготовка" in b.text]
    shown = button.text.split(prefix.strip(), 1)[1].strip()
    assert shown != title and len(shown) <= BUTTON_MAX and cut_between_words(shown, title), shown
    await curator.press(roadmap, button.text)
    item = await curator.wait_message()
    assert title in item.text  # the screen the button opens shows the whole title

    # a mentee's long goal (English): the button keeps whole words, the list and the card the full text
    world = await seed_pairs(sessionmaker, clock())
    goal_text = "Prepare a portfolio of analytical projects for the regional olympiad in economics"
    async with sessionmaker() as s:
        s.add(Goal(pair_id=world.pair["P1"], member_id=world.member["E1"], text=goal_text, progress=0))
        await s.execute(update(User).where(User.tg_id == MEET_TG["E1"]).values(locale="en"))
        await s.commit()
    e1 = tg.user(MEET_TG["E1"], language_code="en")
    await e1.send("/goals")
    listing = await e1.wait_message(contains=en("goal-title"))
    assert en("goal-line", n=1, mark="▫️", text=goal_text, progress=0) in listing.text
    head = en("goal-btn-open", n=1, text="")
    [button] = [b for b in listing.buttons if b.text.startswith(head)]
    shown = button.text[len(head):]
    assert shown != goal_text and len(shown) <= BUTTON_MAX and cut_between_words(shown, goal_text), shown
    await e1.press(listing, button.text)
    card = await e1.wait_message(contains=en("goal-card", text=goal_text, progress=0))
    assert card is not None


# ---------------------------------------------------------------------------------------------
# 16. the catalogue by category (registration and /profile alike), most chosen first
# ---------------------------------------------------------------------------------------------
TEACHERS_GOALS = ("teaching_methods", "classroom_management", "documents")


async def walk_to_interests(chat, payload: str, category: str, level: str | None) -> object:
    """/start → language → consent → (role preset) category, grade or course, year, name."""
    from tests.test_e2e_registration import edition_of

    await chat.say(f"/start {payload}")
    await chat.click(await chat.expect("reg-ask-language"), T.get(chat.lang, "language-name"))
    await chat.click(await chat.expect("reg-consent-text", edition=edition_of(chat)), chat.t("reg-btn-agree"))
    chat.role = "mentee"
    await chat.click(await chat.expect("reg-ask-category"), chat.t(f"cat-{category}"))
    if level is not None:
        await chat.click(await chat.user.wait_message(contains=chat.t("reg-ask-grade" if category == "school_student"
                                                                     else "reg-ask-course")), level)
    await chat.expect("reg-ask-birth-year")
    await chat.say("2011" if category == "school_student" else "2003")
    await chat.expect("reg-ask-full-name")
    await chat.say("Петрова Анна")
    return await chat.expect("reg-ask-interests")


def labels(chat, step: str, codes) -> list[str]:
    from handlers import forms

    return [forms.STEPS[step].button_label(chat.bound, c) for c in codes]


async def test_pupils_get_their_own_goals_and_subjects_first_in_registration_and_profile(app, tg, sessionmaker,
                                                                                          clock):
    from db.models import Participant
    from tests.test_e2e_profile import edit_label, open_profile
    from tests.test_e2e_registration import Chat, seed_invite, seed_org

    org_id = await seed_org(sessionmaker)
    # a pupil (Russian): school subjects on the first page of interests, no teachers' goals
    chat = Chat(tg, 6401, "ru")
    interests = await walk_to_interests(chat, await seed_invite(sessionmaker, clock, org_id, role="mentee"),
                                        "school_student", "8")
    first_page = chat.shown(interests)
    assert set(labels(chat, "interests", ("s:math", "s:russian", "s:physics"))) <= set(first_page), first_page
    assert chat.bound("catalog-subjects-pedagogy") not in " ".join(first_page)
    await chat.pick_many("interests", ("s:math", "sport"), interests)
    await chat.click(await chat.expect("reg-ask-tags"), chat.t("reg-btn-skip-tags"))
    goals = await chat.expect("reg-ask-goals")
    offered = chat.shown(goals)
    assert not set(labels(chat, "goals", TEACHERS_GOALS)) & set(offered), offered
    assert set(labels(chat, "goals", ("exams", "olympiads", "career"))) <= set(offered)
    assert (await chat.forge(goals, "fm:goals:t:classroom_management"))["text"] == chat.t("reg-bad-button")
    await chat.pick_many("goals", ("exams",), goals)
    await chat.click(await chat.expect("reg-ask-goals-text"), chat.t("reg-btn-skip-goals-text"))
    await chat.click(await chat.expect("reg-ask-days"), chat.bound("cat-day-short-0"))
    # ... the rest of the questionnaire is not what this test is about: the profile edit is
    await chat.say("/cancel")
    await chat.user.wait_message(contains=T.get("ru", "cancel-done"))

    # a young teacher (English) is offered the teachers' goals; after a change of category to
    # college student, the goals no longer offered are dropped and the emptied question is asked
    teacher = Chat(tg, 6402, "en")
    from tests.test_e2e_profile import seed_participant

    pid = await seed_participant(sessionmaker, clock, teacher, org_id, category="young_specialist", grade=None,
                                 birth_year=2000, goals=("classroom_management", "documents"),
                                 interests=("s:pedagogy", "sport"))
    profile = await open_profile(teacher)
    await teacher.click(profile, edit_label(teacher, "goals"))
    goals = await teacher.expect("reg-ask-goals")
    assert set(labels(teacher, "goals", TEACHERS_GOALS)) <= {b.removeprefix("✅ ") for b in teacher.shown(goals)}
    await teacher.say("/cancel")
    await teacher.user.wait_message(contains=T.get("en", "cancel-done"))
    profile = await open_profile(teacher)
    await teacher.click(profile, edit_label(teacher, "category"))
    await teacher.click(await teacher.expect("reg-ask-category"), teacher.t("cat-college_student"))
    await teacher.click(await teacher.expect("reg-ask-course"), "2")
    goals = await teacher.expect("reg-ask-goals")  # emptied by the change: asked again, from the new list
    offered = teacher.shown(goals)
    assert not set(labels(teacher, "goals", TEACHERS_GOALS)) & set(offered), offered
    await teacher.pick_many("goals", ("career",), goals)
    await teacher.expect("prof-saved")
    await teacher.settle()
    async with sessionmaker() as s:
        p = await s.get(Participant, pid)
        assert (p.category, p.course, p.goals, p.interests) == ("college_student", 2, ["career"], ["sport"])


async def test_the_most_chosen_items_come_first(app, tg, sessionmaker, clock):
    from tests.test_e2e_registration import Chat, seed_invite, seed_org
    from tests.test_reports import _person

    org_id = await seed_org(sessionmaker)
    # an empty base: the curated order (a college student: hobbies first)
    chat = Chat(tg, 6403, "en")
    interests = await walk_to_interests(chat, await seed_invite(sessionmaker, clock, org_id, role="mentee"),
                                        "college_student", "1")
    assert chat.shown(interests)[:2] == labels(chat, "interests", ("sport", "music"))
    await chat.say("/cancel")
    await chat.user.wait_message(contains=T.get("en", "cancel-done"))
    # twenty-five college students chose robotics and physics, and the goal "projects"
    async with sessionmaker() as s:
        for n in range(25):
            p = _person(org_id, f"Студент {n}", "mentee", "college_student", clock())
            p.interests, p.goals = ["robotics", "s:physics"] + (["music"] if n % 2 else []), ["projects"]
            s.add(p)
        await s.commit()
    clock.advance(hours=2)  # the counts are cached for an hour (domain.catalog.USAGE_TTL)
    chat = Chat(tg, 6404, "ru")
    interests = await walk_to_interests(chat, await seed_invite(sessionmaker, clock, org_id, role="mentee"),
                                        "college_student", "1")
    assert chat.shown(interests)[:3] == labels(chat, "interests", ("robotics", "s:physics", "music"))
    await chat.pick_many("interests", ("robotics",), interests)
    await chat.click(await chat.expect("reg-ask-tags"), chat.t("reg-btn-skip-tags"))
    goals = await chat.expect("reg-ask-goals")
    assert chat.shown(goals)[0] == labels(chat, "goals", ("projects",))[0]
