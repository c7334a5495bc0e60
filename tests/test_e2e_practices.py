"""The best-practice bank, driven through the running bot and the Bot API stand-in.

A school curator submits a practice with a PDF (an .exe and an 11 MB file are refused first,
and nothing is saved); the municipal curator is told through the outbox and approves; the
submitter is told; a participant of the region browses by form and receives the document; a
curator of another region sees nothing of it, even with forged buttons.
"""
from __future__ import annotations

from sqlalchemy import func, select

from bot.i18n import Translator
from db.models import AuditEvent, Practice
from domain.units import create_unit
from handlers.practices import BkFile, BkHome, BkList, BkNew, BkOpen, BkReview
from tests.test_e2e_curator import seed_curator, seed_people, seed_tree, settle

T = Translator()
ru = T.bind("ru")

PDF_BYTES = b"%PDF-1.4\n% a mentoring club for young teachers\n%%EOF\n"
TITLE = "Клуб молодых педагогов"
DESCRIPTION = "Молодые учителя раз в неделю разбирают с наставником уроки и трудные случаи."


async def practices(sessionmaker) -> list[Practice]:
    async with sessionmaker() as s:
        return list((await s.scalars(select(Practice).order_by(Practice.id))).all())


async def seed_other_region(sessionmaker):
    async with sessionmaker() as s:
        q = await create_unit(s, "region", "Самарская область", timezone="Europe/Samara")
        await s.commit()
        return q


async def start_submission(curator, t) -> None:
    """From /curator: the school's menu → the bank → "Submit" → title → form → description."""
    await curator.send("/curator")
    menu = await curator.wait_message()
    await curator.press(menu, t("mon-btn-practices"))
    home = await curator.wait_message()
    assert home.text.startswith(t("bk-home-title", region="Рязанская область"))
    await curator.press(home, t("bk-btn-submit"))
    ask = await curator.wait_message()
    assert ask.text == t("bk-ask-title", unit="Школа № 1", min=3, max=200)
    await curator.send("ab")
    assert (await curator.wait_message()).text == t("bk-invalid-title-short", min=3)
    await curator.send(TITLE)
    ask_form = await curator.wait_message()
    assert ask_form.text == t("bk-ask-form", title=TITLE)
    await curator.press(ask_form, t("form-teacher_teacher"))
    ask_description = await curator.wait_message()
    assert t("bk-ask-description", min=10, max=3000) in ask_description.text
    await curator.send(DESCRIPTION)
    ask_file = await curator.wait_message()
    assert ask_file.text.startswith(t("bk-ask-file", max=10, types="")[:30])
    assert ask_file.button(t("bk-btn-skip-file"))


async def test_submit_refuse_bad_files_approve_notify_browse_and_download(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    q = await seed_other_region(sessionmaker)
    await seed_curator(sessionmaker, clock, 501, tree.s1, name="Куратор Школы")
    await seed_curator(sessionmaker, clock, 502, tree.m1, name="Куратор Города")
    await seed_curator(sessionmaker, clock, 503, q, name="Куратор Самары")
    await seed_people(sessionmaker, clock, tree.s3, [("Учитель Петров", "mentor", "active")], with_users_from=504)
    school, city, stranger, teacher = (tg.user(i, language_code="ru") for i in (501, 502, 503, 504))

    await start_submission(school, t)

    # an executable, a double extension and an 11 MB PDF: refused politely, nothing saved
    await school.send_document("setup.exe", b"MZ\x90\x00" + b"\x00" * 100, mime="application/x-msdownload")
    refused = await school.wait_message()
    assert refused.text == t("bk-invalid-file-dangerous", ext="exe") + "\n\n" + t("bk-file-again")
    await school.send_document("plan.pdf.exe", b"MZ" + b"\x00" * 100, mime="application/x-msdownload")
    assert (await school.wait_message()).text.startswith(t("bk-invalid-file-double-ext", ext="exe"))
    await school.send_document("big.pdf", b"%PDF-" + b"0" * (11 * 1024 * 1024), mime="application/pdf")
    assert (await school.wait_message()).text.startswith(t("bk-invalid-file-too-large", max=10))
    await school.send_document("fake.pdf", b"MZ" + b"\x00" * 100, mime="application/x-msdownload")
    assert (await school.wait_message()).text.startswith(t("bk-invalid-file-mime", ext="pdf"))
    # a renamed program that even claims to be a PDF: its bytes give it away
    await school.send_document("report.pdf", b"MZ\x90\x00" + b"\x00" * 100, mime="application/pdf")
    assert (await school.wait_message()).text.startswith(t("bk-invalid-file-dangerous", ext="pdf"))
    await settle(school)
    assert await practices(sessionmaker) == []

    # text where a file is expected: asked again, still nothing saved
    await school.send("вот")
    assert (await school.wait_message()).text == t("bk-file-expected")

    await school.send_document("club.pdf", PDF_BYTES, mime="application/pdf")
    done = await school.wait_message()
    assert done.text.startswith(t("bk-submitted", title=TITLE))
    assert t("bk-status-pending") in done.text
    [practice] = await practices(sessionmaker)
    assert (practice.status, practice.title, practice.form, practice.unit_id, practice.region_id) == \
        ("pending", TITLE, "teacher_teacher", tree.s1.id, tree.r.id)
    assert (practice.file_name, practice.mime_type, practice.file_size) == ("club.pdf", "application/pdf", len(PDF_BYTES))

    # the school's own curator cannot approve it, even by a forged button
    await school.press_data(done, BkReview(id=practice.id, a="a").pack())
    assert (await school.wait_callback_answer())["text"] == t("bk-not-found")

    # the municipal curator is told (outbox) and approves
    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    notice = await city.wait_message(timeout=10, contains=t("bk-notice-submitted", title=TITLE, unit="Школа № 1"))
    await city.press(notice, t("bk-btn-open-notice"))
    view = await city.wait_message()
    assert view.text.startswith(t("bk-view-title", title=TITLE)) and DESCRIPTION in view.text
    await city.press(view, t("bk-btn-approve"))
    approved = await city.wait_message()
    assert approved.text.startswith(t("bk-approved", title=TITLE))
    assert approved.button(t("bk-btn-back-list", form=t("form-teacher_teacher")))
    await settle(city)
    [practice] = await practices(sessionmaker)
    assert practice.status == "approved" and practice.reviewed_at is not None

    # pressing "approve" again (an old message) changes nothing
    await city.press_data(view, BkReview(id=practice.id, a="a").pack())
    assert (await city.wait_callback_answer())["text"] == t("bk-invalid-not-pending")

    # the submitter is told
    told = await school.wait_message(timeout=10, contains=t("bk-notice-approved", title=TITLE))
    assert told.button(t("bk-btn-open-notice"))

    # a teacher of another municipality of the region browses by form and gets the document
    await teacher.send("/practices")
    home = await teacher.wait_message()
    assert home.text.startswith(t("bk-home-title", region="Рязанская область"))
    assert not any(t("bk-btn-submit") == b.text for b in home.buttons)
    await teacher.press(home, t("bk-btn-form", form=t("form-teacher_teacher"), n=1))
    listing = await teacher.wait_message()
    assert t("bk-list-found", n=1) in listing.text and TITLE in listing.text
    await teacher.press(listing, t("bk-btn-open", n=1, title=TITLE))
    card = await teacher.wait_message()
    assert DESCRIPTION in card.text and "club.pdf" in card.text
    assert not any(b.text == t("bk-btn-approve") for b in card.buttons)
    await teacher.press(card, t("bk-btn-file"))
    document = await teacher.wait_message()
    assert document.method == "sendDocument" and document.media.content == PDF_BYTES
    assert document.caption == t("bk-file-caption", title=TITLE)

    # a curator of another region: their own (empty) bank, and forged buttons find nothing
    await stranger.send("/practices")
    own = await stranger.wait_message()
    assert own.text.startswith(t("bk-home-title", region="Самарская область"))
    assert t("bk-home-empty") in own.text
    audit_before = await _audit_count(sessionmaker)
    for data in (BkOpen(id=practice.id), BkFile(id=practice.id), BkHome(r=tree.r.id),
                 BkList(r=tree.r.id, f="teacher_teacher"), BkReview(id=practice.id, a="r"),
                 BkNew(r=tree.r.id, u=tree.s1.id)):
        await stranger.press_data(own, data.pack())
        assert (await stranger.wait_callback_answer())["text"] == t("bk-not-found"), data
    await settle(stranger)
    assert await _audit_count(sessionmaker) == audit_before
    assert [p.status for p in await practices(sessionmaker)] == ["approved"]


async def _audit_count(sessionmaker) -> int:
    async with sessionmaker() as s:
        return await s.scalar(select(func.count()).select_from(AuditEvent)) or 0


async def test_reject_with_a_note_and_withdraw(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    await seed_curator(sessionmaker, clock, 601, tree.s1)
    await seed_curator(sessionmaker, clock, 602, tree.m1)
    await seed_curator(sessionmaker, clock, 603, tree.m2)
    school, city, neighbour = (tg.user(i, language_code="ru") for i in (601, 602, 603))

    await start_submission(school, t)
    await school.press(t("bk-btn-skip-file"))
    done = await school.wait_message(contains=t("bk-submitted", title=TITLE))
    [practice] = await practices(sessionmaker)
    assert practice.file_id is None

    # the curator of the other municipality: not below them, so neither visible nor reviewable
    await neighbour.send("/practices")
    their_home = await neighbour.wait_message()
    assert their_home.button(t("bk-btn-queue", n=0))
    for data in (BkOpen(id=practice.id), BkReview(id=practice.id, a="a"), BkReview(id=practice.id, a="r")):
        await neighbour.press_data(their_home, data.pack())
        assert (await neighbour.wait_callback_answer())["text"] == t("bk-not-found"), data

    clock.advance(minutes=3)  # the curator's summary gathers what its run brings (attention.GATHER)
    notice = await city.wait_message(timeout=10, contains=t("bk-notice-submitted", title=TITLE, unit="Школа № 1"))
    await city.press(notice, t("bk-btn-open-notice"))
    view = await city.wait_message()
    await city.press(view, t("bk-btn-reject"))
    ask = await city.wait_message()
    assert t("bk-ask-note", max=500) in ask.text
    await city.send("Приложите план встреч")
    rejected = await city.wait_message()
    assert rejected.text.startswith(t("bk-rejected", title=TITLE))
    told = await school.wait_message(timeout=10, contains=t("bk-notice-rejected-note", title=TITLE,
                                                              note="Приложите план встреч"))
    assert told
    [practice] = await practices(sessionmaker)
    assert (practice.status, practice.review_note) == ("rejected", "Приложите план встреч")

    # a second one, withdrawn by its author before anyone looks at it
    await start_submission(school, t)
    await school.press(t("bk-btn-skip-file"))
    done = await school.wait_message(contains=t("bk-submitted", title=TITLE))
    await school.press(done, t("bk-btn-withdraw"))
    ask = await school.wait_message()
    await school.press(ask, t("bk-btn-withdraw-yes"))
    mine = await school.wait_message()
    assert mine.text.startswith(t("bk-withdrawn", title=TITLE))
    statuses = [p.status for p in await practices(sessionmaker)]
    assert statuses == ["rejected", "withdrawn"]
    await settle(city)
    # the municipal curator's pending list is empty again
    await city.send("/practices")
    home = await city.wait_message(contains=t("bk-home-title", region="Рязанская область"))
    assert home.button(t("bk-btn-queue", n=0))


async def test_a_curator_of_two_regions_chooses_and_may_submit_a_photo(app, tg, sessionmaker, clock):
    t = ru
    tree = await seed_tree(sessionmaker)
    q = await seed_other_region(sessionmaker)
    await seed_curator(sessionmaker, clock, 701, tree.s1)
    await seed_curator(sessionmaker, clock, 701, q)
    both = tg.user(701, language_code="ru")

    await both.send("/practices")
    choose = await both.wait_message()
    assert choose.text == t("bk-choose-region")
    assert [b.text for b in choose.buttons] == ["Рязанская область", "Самарская область"]
    await both.press(choose, "Рязанская область")
    home = await both.wait_message()
    assert home.text.startswith(t("bk-home-title", region="Рязанская область"))
    # a school curator does not review: no "awaiting approval" here
    assert not any(b.text.startswith(t("bk-btn-queue", n=0)[:5]) for b in home.buttons)
    await both.press(home, t("bk-btn-regions"))
    again = await both.wait_message()
    assert again.text == t("bk-choose-region") and len(again.buttons) == 2
    await both.press(again, "Рязанская область")
    home = await both.wait_message()
    await both.press(home, t("bk-btn-submit"))
    assert (await both.wait_message()).text == t("bk-ask-title", unit="Школа № 1", min=3, max=200)
    await both.send(TITLE)
    ask_form = await both.wait_message()
    await both.send("учитель — учитель")  # typed instead of pressed: asked again
    assert (await both.wait_message()).text == t("bk-use-buttons")
    old_form, ask_form = ask_form, await both.wait_message()
    retired = await both.wait_message()  # the older copy of the question loses its buttons
    assert retired.message_id == old_form.message_id and retired.buttons == []
    await both.press(ask_form, t("form-teacher_teacher"))
    await both.wait_message()
    await both.send(DESCRIPTION)
    await both.wait_message()

    small = tg.register_file(b"\xff\xd8\xffsmall", "s.jpg", "image/jpeg", kind="photos")
    large = tg.register_file(b"\xff\xd8\xfflarge-photo", "l.jpg", "image/jpeg", kind="photos")
    both._new_message(photo=[
        {"file_id": small.file_id, "file_unique_id": small.file_unique_id, "width": 90, "height": 60, "file_size": 8},
        {"file_id": large.file_id, "file_unique_id": large.file_unique_id, "width": 1280, "height": 853,
         "file_size": 14},
    ])
    done = await both.wait_message()
    assert done.text.startswith(t("bk-submitted", title=TITLE))
    [practice] = await practices(sessionmaker)
    assert (practice.file_id, practice.file_name, practice.mime_type) == (large.file_id, None, "image/jpeg")
    await both.press(done, t("bk-btn-file"))
    photo = await both.wait_message()
    assert photo.method == "sendPhoto" and photo.media.content == b"\xff\xd8\xfflarge-photo"
