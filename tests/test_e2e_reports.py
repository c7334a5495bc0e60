"""Reports through the running bot and the Bot API stand-in: the curator asks for each report,
the document arrives and is opened with openpyxl; a second export while one runs is refused;
forged callbacks are refused; an export cut by a restart is reported to its user once; the bot
keeps answering while a large export runs."""
from __future__ import annotations

import asyncio
from datetime import timedelta
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import func, select

from bot.i18n import Translator
from bot.exports import KIND_INTERRUPTED
from db.models import AuditEvent, ExportJob, OutboxMessage, Participant
from domain import invitations, reports
from domain.people import accept_curator
from handlers.callbacks import ReportsCb
from handlers.reports import XLog, XRun
from tests.test_reports import seed_world

T = Translator()
ru = T.bind("ru")
CURATOR_TG = 5_100_000_001
OTHER_TG = 5_100_000_002


async def seed_curator(sessionmaker, clock, tg_id: int, unit_id: int, locale: str = "ru") -> int:
    from db.models import Unit

    async with sessionmaker() as s:
        unit = await s.get(Unit, unit_id)
        inv = await invitations.create(s, kind="curator", unit=unit, now=clock())
        role = await accept_curator(s, tg_id=tg_id, locale=locale, full_name="Куратор Отчётов", invitation=inv,
                                    now=clock())
        await s.commit()
        return role.user_id


async def count(sessionmaker, model, *where) -> int:
    async with sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def open_reports(user):
    """/curator → the unit's view → Reports: the reports menu message."""
    await user.send("/curator")
    menu = await user.wait_message(contains=ru("cur-title-municipality", name="г. Рязань"))
    await user.press(menu, ru("mon-btn-reports"))
    # the scheduler may send the curator other things meanwhile (pairs at risk): wait for this one
    return await user.wait_message(contains=ru("rep-menu-title", unit="г. Рязань"))


async def ask(user, menu, button: str):
    """Press a report button: the bot answers at once that it is preparing the file."""
    await user.press(menu, button)
    answer = await user.wait_callback_answer()
    return answer


async def receive(user, kind: str, unit: str = "г. Рязань"):
    prefix = ru("rep-caption", kind=kind, unit=unit, rows=0).split(".")[0]
    doc = await user.wait_message(timeout=30, contains=prefix)
    assert doc.document is not None and doc.document.file_name.endswith(".xlsx")
    return load_workbook(BytesIO(doc.document.content)), doc


async def told_with_moving_clock(user, clock, text: str, seconds: float = 10.0) -> None:
    """Wait for an outbox message while the app clock moves: the outbox paces messages to one
    chat (a message sent just before pushes the next one a second later on the app clock)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not any(m.content == text for m in user.messages):
        assert loop.time() < deadline, [m.content for m in user.messages]
        clock.advance(seconds=2)
        await asyncio.sleep(0.2)


async def test_curator_gets_every_report_as_an_xlsx(app, tg, sessionmaker, clock):
    w = await seed_world(sessionmaker, clock())
    user_id = await seed_curator(sessionmaker, clock, CURATOR_TG, w.m1)
    curator = tg.user(CURATOR_TG, language_code="ru")
    menu = await open_reports(curator)

    answer = await ask(curator, menu, ru("rep-btn-participants"))
    assert answer.get("text") == ru("rep-started", report=ru("rep-kind-participants"))
    wb, doc = await receive(curator, "participants")
    assert doc.document.file_name == f"participants_{w.m1}_2026-11-23.xlsx"
    ws = wb.active
    assert [c.value for c in ws[1]] == [ru(c.key) for c in reports.PARTICIPANT_COLUMNS]
    names = {ws.cell(r, 3).value for r in range(2, ws.max_row + 1)}
    assert names == {"Мария Иванова", "Аня Смирнова", "Борис Котов", "Вера Лесная", "Олег Новый"}
    assert doc.content == ru("rep-caption", kind="participants", unit="г. Рязань", rows=5)
    await app.exports.wait_idle()

    await ask(curator, menu, ru("rep-btn-pairs"))
    wb, _ = await receive(curator, "pairs")
    ws = wb.active
    assert ws.max_row == 2 and ws.cell(2, 4).value == "Мария Иванова"
    assert ws.cell(2, 5).value == f"Аня Смирнова; Борис Котов; {ru('person-erased')}"
    await app.exports.wait_idle()

    await ask(curator, menu, ru("rep-btn-meetings"))
    wb, _ = await receive(curator, "meetings")
    ws = wb.active
    assert [ws.cell(r, 8).value for r in range(2, ws.max_row + 1)] == ["Знакомство", "План", None]
    assert ws.cell(2, 1).value.date().isoformat() == "2026-10-30"
    await app.exports.wait_idle()

    await ask(curator, menu, ru("rep-btn-surveys"))
    wb, _ = await receive(curator, "surveys")
    assert wb.sheetnames == [ru("rep-sheet-surveys-stage1"), ru("rep-sheet-surveys-stage2")]
    stage2 = wb.worksheets[1]
    motivation = next(r for r in stage2.iter_rows(min_row=2, values_only=True)
                      if r[2] == ru("sv-q-motivation-mentee"))
    assert motivation[3:] == (2, 5.0, 2, 8.5, 3.5)
    await app.exports.wait_idle()

    await ask(curator, menu, ru("rep-btn-stat-form", year="2026"))
    wb, _ = await receive(curator, "stat_form")
    ws = wb.active
    assert [ws.cell(r, 2).value for r in range(2, ws.max_row + 1)] == ["Школа № 1", "Школа № 2", ru("rep-total")]
    assert ws.cell(2, 3).value == 1  # S1's mentor
    await app.exports.wait_idle()

    # the export log: five exports, all done, each with an audit event carrying ids only
    assert await count(sessionmaker, ExportJob, ExportJob.user_id == user_id, ExportJob.status == "done") == 5
    async with sessionmaker() as s:
        events = (await s.scalars(select(AuditEvent).where(AuditEvent.action == "export"))).all()
        jobs = (await s.scalars(select(ExportJob).order_by(ExportJob.id))).all()
    assert len(events) == 5 and all(e.actor_user_id == user_id and e.details["unit_id"] == w.m1 for e in events)
    assert [j.kind for j in jobs] == ["participants", "pairs", "meetings", "surveys", "stat_form"]
    assert all(j.rows is not None and j.size_bytes and j.finished_at is not None for j in jobs)
    assert jobs[-1].params["year"] == 2026

    await curator.press(menu, ru("rep-btn-log"))
    log_view = await curator.wait_message(contains=ru("rep-log-title"))
    assert ru("rep-log-status-done", rows=5) in log_view.content
    assert log_view.content.count("г. Рязань") == 5


async def test_a_second_export_while_one_runs_is_refused(app, tg, sessionmaker, clock):
    w = await seed_world(sessionmaker, clock())
    await seed_curator(sessionmaker, clock, CURATOR_TG, w.m1)
    release = asyncio.Event()
    real = app.exports.build

    async def held(*args, **kwargs):
        await release.wait()
        return await real(*args, **kwargs)

    app.exports.build = held
    curator = tg.user(CURATOR_TG, language_code="ru")
    menu = await open_reports(curator)
    first = await ask(curator, menu, ru("rep-btn-participants"))
    assert first.get("text") == ru("rep-started", report=ru("rep-kind-participants"))
    second = await ask(curator, menu, ru("rep-btn-pairs"))
    assert second.get("text") == ru("rep-busy") and second.get("show_alert")
    assert await count(sessionmaker, ExportJob) == 1
    release.set()
    await receive(curator, "participants")
    await app.exports.wait_idle()
    # once the file has arrived, the next one may be asked
    again = await ask(curator, menu, ru("rep-btn-pairs"))
    assert again.get("text") == ru("rep-started", report=ru("rep-kind-pairs"))
    await receive(curator, "pairs")


async def test_forged_callbacks_for_another_scope_are_refused(app, tg, sessionmaker, clock):
    w = await seed_world(sessionmaker, clock())
    await seed_curator(sessionmaker, clock, CURATOR_TG, w.m1)
    curator = tg.user(CURATOR_TG, language_code="ru")
    menu = await open_reports(curator)
    for data in (ReportsCb(uid=w.s3).pack(), ReportsCb(uid=w.r).pack(), ReportsCb(uid=999_999).pack(),
                 XRun(uid=w.s3, k="p").pack(), XRun(uid=w.m2, k="f", y=2026).pack(),
                 XRun(uid=w.m1, k="z").pack(), XRun(uid=w.m1, k="f", y=1999).pack(),
                 XRun(uid=w.m1, k="p", y=2026).pack(), XLog(uid=w.s3).pack()):
        await curator.press_data(menu, data)
        answer = await curator.wait_callback_answer()
        assert answer.get("text") == ru("cur-not-found"), data
    await curator.expect_no_message(0.3)
    assert await count(sessionmaker, ExportJob) == 0
    assert await count(sessionmaker, AuditEvent, AuditEvent.action == "export") == 0


async def test_an_export_cut_by_a_restart_is_reported_once(start_app, tg, sessionmaker, clock):
    w = await seed_world(sessionmaker, clock())
    user_id = await seed_curator(sessionmaker, clock, CURATOR_TG, w.m1)
    async with sessionmaker() as s:
        s.add(ExportJob(user_id=user_id, chat_id=CURATOR_TG, unit_id=w.m1, kind="pairs", status="running",
                        started_at=clock() - timedelta(minutes=1)))
        await s.commit()
    curator = tg.user(CURATOR_TG, language_code="ru")
    app = await start_app()
    told_text = ru("rep-interrupted", kind="pairs")
    await told_with_moving_clock(curator, clock, told_text)
    assert await count(sessionmaker, ExportJob, ExportJob.status == "interrupted") == 1
    await app.stop()
    clock.advance(seconds=30)
    await start_app()
    await asyncio.sleep(1.0)  # the outbox ticks every 0.2 s: a second notice would have left by now
    assert [m.content for m in curator.messages].count(told_text) == 1
    assert await count(sessionmaker, OutboxMessage, OutboxMessage.kind == KIND_INTERRUPTED) == 1
    # and the curator may ask again at once
    menu = await open_reports(curator)
    answer = await ask(curator, menu, ru("rep-btn-pairs"))
    assert answer.get("text") == ru("rep-started", report=ru("rep-kind-pairs"))
    await receive(curator, "pairs")


async def test_the_bot_answers_while_a_large_export_runs(app, tg, sessionmaker, clock):
    w = await seed_world(sessionmaker, clock())
    await seed_curator(sessionmaker, clock, CURATOR_TG, w.m1)
    async with sessionmaker() as s:
        s.add_all(Participant(org_id=w.s2, role="mentee", category="school_student", grade=5, birth_year=2015,
                              full_name=f"Ученик {i:04d}", status="active", registered_at=clock(),
                              updated_at=clock()) for i in range(600))
        await s.commit()
    app.exports.chunk = 50  # 605 rows: thirteen reads, the connection free between them
    app.exports.progress_after_rows = 100
    app.exports.progress_every = 0
    half_way, release = asyncio.Event(), asyncio.Event()
    real = app.exports.build

    async def paused(*args, progress=None, **kwargs):
        async def hold(rows: int) -> None:
            await progress(rows)
            if rows >= 300 and not half_way.is_set():
                half_way.set()
                await release.wait()

        return await real(*args, progress=hold, **kwargs)

    app.exports.build = paused
    curator = tg.user(CURATOR_TG, language_code="ru")
    other = tg.user(OTHER_TG, language_code="ru")
    menu = await open_reports(curator)
    await ask(curator, menu, ru("rep-btn-participants"))
    await asyncio.wait_for(half_way.wait(), 30)
    # half-way through the export: another user and the curator both get their answers
    await other.send("/help")
    await other.wait_message(timeout=10, contains="/language")
    await curator.send("/help")
    await curator.wait_message(timeout=10, contains="/language")
    async with sessionmaker() as s:
        assert (await s.scalar(select(ExportJob.status))) == "running"
    release.set()
    wb, doc = await receive(curator, "participants")
    assert wb.active.max_row == 1 + 605
    assert doc.content == ru("rep-caption", kind="participants", unit="г. Рязань", rows=605)
    progress = [m for m in curator.messages if m.content.startswith(ru("rep-progress-done", rows=605))]
    assert len(progress) == 1  # the progress message, edited to its final count
    await app.exports.wait_idle()
    assert await count(sessionmaker, ExportJob, ExportJob.status == "done", ExportJob.rows == 605) == 1


async def test_a_failed_export_is_logged_and_the_user_told_politely(app, tg, sessionmaker, clock):
    w = await seed_world(sessionmaker, clock())
    await seed_curator(sessionmaker, clock, CURATOR_TG, w.m1)

    async def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    app.exports.build = broken
    curator = tg.user(CURATOR_TG, language_code="ru")
    menu = await open_reports(curator)
    await ask(curator, menu, ru("rep-btn-meetings"))
    await curator.wait_message(timeout=10, contains=ru("rep-failed"))
    await app.exports.wait_idle()
    async with sessionmaker() as s:
        job = await s.scalar(select(ExportJob))
    assert (job.status, job.error) == ("failed", "RuntimeError") and job.finished_at is not None
    assert "disk full" not in " ".join(m.content for m in curator.messages)


async def test_stopping_the_bot_interrupts_a_running_export(start_app, tg, sessionmaker, clock):
    w = await seed_world(sessionmaker, clock())
    await seed_curator(sessionmaker, clock, CURATOR_TG, w.m1)
    app = await start_app()
    started, never = asyncio.Event(), asyncio.Event()

    async def stuck(*args, **kwargs):
        started.set()
        await never.wait()
        return 0

    app.exports.build = stuck
    curator = tg.user(CURATOR_TG, language_code="ru")
    menu = await open_reports(curator)
    await ask(curator, menu, ru("rep-btn-pairs"))
    await asyncio.wait_for(started.wait(), 10)
    await app.stop()
    async with sessionmaker() as s:
        job = await s.scalar(select(ExportJob))
        notices = await s.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.kind == KIND_INTERRUPTED))
    assert job.status == "interrupted" and notices == 1
    # the next start delivers the notice (once) and the curator may ask again
    # time passes while the bot is down (the outbox paces messages to one chat a second apart)
    clock.advance(seconds=30)
    await start_app()
    await told_with_moving_clock(curator, clock, ru("rep-interrupted", kind="pairs"))


async def test_a_failure_in_the_export_process_is_reported_to_the_curator(app, tg, sessionmaker, clock):
    """The real child process fails (its unit vanished): the job is failed with the child's
    exception type, and the curator gets the polite message, not the error's text."""
    w = await seed_world(sessionmaker, clock())
    await seed_curator(sessionmaker, clock, CURATOR_TG, w.m1)
    real = app.exports.build

    async def vanished(sessionmaker_, kind, unit_id, *args, **kwargs):
        return await real(sessionmaker_, kind, 999_999, *args, **kwargs)

    app.exports.build = vanished
    curator = tg.user(CURATOR_TG, language_code="ru")
    menu = await open_reports(curator)
    await ask(curator, menu, ru("rep-btn-pairs"))
    await curator.wait_message(timeout=30, contains=ru("rep-failed"))
    await app.exports.wait_idle()
    async with sessionmaker() as s:
        job = await s.scalar(select(ExportJob))
    assert (job.status, job.error) == ("failed", "LookupError") and job.finished_at is not None
    assert "999999" not in " ".join(m.content for m in curator.messages)
