"""The best-practice bank's rules (domain/practices.py): every bad file, who reviews, who sees what.

Database tests run on SQLite and PostgreSQL (the ``sessionmaker`` fixture).
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from db.models import AttentionItem, OutboxMessage, Practice, User
from domain import attention
from domain import practices as D
from domain.curation import access_for
from domain.outbox import is_relevant
from domain.rules import Invalid
from tests.test_e2e_curator import seed_curator, seed_tree

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MB = 1024 * 1024


def code_of(fn, *args) -> str:
    with pytest.raises(Invalid) as info:
        fn(*args)
    return info.value.code


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,mime", [
    ("plan.pdf", PDF),
    ("PLAN.PDF", PDF),
    ("Programme v2.1 final.docx", DOCX),
    ("kpi.xlsx", XLSX),
    ("notes.txt", "text/plain"),
    ("old.doc", "application/msword"),
    ("slides.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("letter.rtf", "application/rtf"),
    ("table.ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("photo.JPG", "image/jpeg"),
    ("scheme.png", "image/png"),
])
def test_allowed_documents_pass(name, mime):
    info = D.check_file("fid", name, mime, 1234)
    assert (info.file_name, info.mime_type, info.size, info.is_photo) == (name, mime, 1234, False)


@pytest.mark.parametrize("name,mime,code", [
    ("setup.exe", "application/x-msdownload", "file-dangerous"),
    ("setup.exe", PDF, "file-dangerous"),  # a reassuring MIME type does not save an executable
    ("run.bat", "application/x-bat", "file-dangerous"),
    ("install.msi", "application/x-msi", "file-dangerous"),
    ("script.js", "text/javascript", "file-dangerous"),
    ("deploy.sh", "application/x-sh", "file-dangerous"),
    ("tool.ps1", "text/plain", "file-dangerous"),
    ("macro.vbs", "text/vbscript", "file-dangerous"),
    ("app.jar", "application/java-archive", "file-dangerous"),
    ("materials.zip", "application/zip", "file-dangerous"),
    ("materials.rar", "application/vnd.rar", "file-dangerous"),
    ("materials.7z", "application/x-7z-compressed", "file-dangerous"),
    ("page.html", "text/html", "file-dangerous"),
    ("page.htm", "text/html", "file-dangerous"),
    ("logo.svg", "image/svg+xml", "file-dangerous"),
    ("report.docm", "application/vnd.ms-word.document.macroEnabled.12", "file-dangerous"),
    ("kpi.xlsm", "application/vnd.ms-excel.sheet.macroEnabled.12", "file-dangerous"),
    ("slides.pptm", "application/vnd.ms-powerpoint.presentation.macroEnabled.12", "file-dangerous"),
    ("plan.pdf.exe", "application/x-msdownload", "file-double-ext"),
    ("plan.docx.zip", "application/zip", "file-double-ext"),
    ("plan.exe.pdf", PDF, "file-double-ext"),
    ("plan.pdf", "application/x-msdownload", "file-mime"),
    ("plan.pdf", "text/html", "file-mime"),
    ("plan.docx", PDF, "file-mime"),
    ("plan.pdf", "application/octet-stream", "file-mime"),
    ("plan.pdf", None, "file-mime"),
    ("plan.xyz", "application/xyz", "file-type"),
    ("README", "text/plain", "file-type"),
    ("plan.pdf.", PDF, "file-type"),
    ("cover.gif", "image/gif", "file-type"),
    ("plan\u202efdp.exe", "application/x-msdownload", "file-name"),  # shows as "planexe.pdf"
    ("plan\u202egpj.pdf", PDF, "file-name"),
    ("../../etc/passwd.txt", "text/plain", "file-name"),
    ("", PDF, "file-no-name"),
    (None, PDF, "file-no-name"),
])
def test_dangerous_or_unknown_files_are_refused(name, mime, code):
    assert code_of(D.check_file, "fid", name, mime, 1000) == code


def test_size_limits():
    assert D.check_file("fid", "big.pdf", PDF, 10 * MB).size == 10 * MB  # exactly the limit: fine
    with pytest.raises(Invalid) as info:
        D.check_file("fid", "big.pdf", PDF, 10 * MB + 1)
    assert info.value.code == "file-too-large" and info.value.params == {"max": 10}
    assert code_of(D.check_file, "fid", "big.pdf", PDF, 11 * MB) == "file-too-large"
    assert code_of(D.check_file, "fid", "huge.pdf", PDF, 25 * MB) == "file-too-large"  # over Telegram's 20 MB too
    assert code_of(D.check_file, "fid", "empty.pdf", PDF, 0) == "file-empty"
    assert code_of(D.check_file, "fid", "what.pdf", PDF, None) == "file-size-unknown"
    assert D.MAX_FILE_BYTES < D.TELEGRAM_DOWNLOAD_LIMIT


def test_size_is_checked_before_the_type():
    """An 11 MB executable is refused for its size first: either answer keeps it out."""
    assert code_of(D.check_file, "fid", "x.exe", "application/x-msdownload", 11 * MB) == "file-too-large"


def zipped(*names: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


OLE_HEAD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100


@pytest.mark.parametrize("name,content", [
    ("plan.pdf", b"%PDF-1.7\n..."),
    ("plan.pdf", b"\xef\xbb\xbf junk %PDF-1.4\n"),  # a few bytes before the header are allowed
    ("plan.docx", zipped("[Content_Types].xml", "word/document.xml")),
    ("kpi.xlsx", zipped("[Content_Types].xml", "xl/workbook.xml")),
    ("plan.odt", zipped("mimetype", "content.xml")),
    ("old.doc", OLE_HEAD + "WordDocument".encode("utf-16-le")),
    ("letter.rtf", b"{\\rtf1\\ansi hello}"),
    ("notes.txt", "#!Заметки куратора".encode()),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
    ("scheme.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
])
def test_contents_matching_the_extension_pass(name, content):
    D.check_content(D.FileInfo("fid", name, "x", len(content)), content)


@pytest.mark.parametrize("name,content,code", [
    ("plan.pdf", b"MZ\x90\x00" + b"\x00" * 60, "file-dangerous"),      # a renamed Windows program
    ("plan.docx", b"\x7fELF\x02\x01" + b"\x00" * 60, "file-dangerous"),  # a renamed Linux program
    ("plan.pdf", b"<html><script>alert(1)</script>", "file-content"),
    ("plan.docx", zipped("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "file-macros"),
    ("kpi.xlsx", zipped("[Content_Types].xml", "xl/vbaProject.bin"), "file-macros"),
    ("plan.odt", zipped("mimetype", "content.xml", "Basic/Standard/Module1.xml"), "file-macros"),
    ("plan.docx", zipped("payload.exe"), "file-content"),               # a ZIP that is no document
    ("plan.docx", b"not a zip at all", "file-content"),
    ("old.doc", OLE_HEAD + "_VBA_PROJECT".encode("utf-16-le"), "file-macros"),
    ("old.xls", b"plain text pretending", "file-content"),
    ("photo.jpg", b"\x89PNG\r\n\x1a\n", "file-content"),
    ("scheme.png", b"GIF89a", "file-content"),
    ("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00", "file-content"),
])
def test_contents_contradicting_the_extension_are_refused(name, content, code):
    assert code_of(D.check_content, D.FileInfo("fid", name, "x", len(content)), content) == code


def test_photos():
    photo = D.check_photo("pid", 200_000)
    assert photo.is_photo and photo.mime_type == "image/jpeg" and photo.file_name is None
    assert code_of(D.check_photo, "pid", 10 * MB + 1) == "file-too-large"
    D.check_content(photo, b"anything: Telegram re-encodes photos")


def test_every_code_has_a_message():
    from bot.i18n import Translator

    t = Translator()
    for lang in ("ru", "en"):
        keys = t.keys(lang)
        for code in D.INVALID_CODES:
            assert f"bk-invalid-{code}" in keys, (lang, code)


# ---------------------------------------------------------------------------------------------
# texts
# ---------------------------------------------------------------------------------------------
def test_title_bounds():
    assert D.parse_title("  Клуб   наставников ") == "Клуб наставников"
    assert D.parse_title("abc") == "abc"
    assert code_of(D.parse_title, "ab") == "title-short"
    assert code_of(D.parse_title, "   ") == "title-short"
    assert D.parse_title("x" * 200) == "x" * 200
    assert code_of(D.parse_title, "x" * 201) == "title-long"


def test_description_bounds_and_paragraphs():
    assert D.parse_description("First  line\n\n\n\nSecond line") == "First line\n\nSecond line"
    assert code_of(D.parse_description, "too short") == "description-short"
    assert D.parse_description("x" * 10) == "x" * 10
    assert D.parse_description("x" * 3000) == "x" * 3000
    assert code_of(D.parse_description, "x" * 3001) == "description-long"


def test_form_codes():
    assert D.check_form("teacher_teacher") == "teacher_teacher"
    for bad in ("", None, "nonsense", "TEACHER_TEACHER"):
        assert code_of(D.check_form, bad) == "form"


def test_note():
    assert D.parse_note("  ") is None
    assert D.parse_note(" fix  the file ") == "fix the file"
    assert code_of(D.parse_note, "x" * 501) == "note-long"


# ---------------------------------------------------------------------------------------------
# the database: a region R with municipalities M1 (schools S1, S2) and M2 (school S3); region Q
# ---------------------------------------------------------------------------------------------
ADMIN_TG = 9_000_001


async def seed(sessionmaker, clock):
    from domain.units import create_unit

    tree = await seed_tree(sessionmaker)
    async with sessionmaker() as s:
        q = await create_unit(s, "region", "Другая область")
        qm = await create_unit(s, "municipality", "Город Q", q)
        qs = await create_unit(s, "organisation", "Школа Q", qm, org_type="school")
        await s.commit()
    users = {
        "s1": await seed_curator(sessionmaker, clock, 101, tree.s1),
        "s2": await seed_curator(sessionmaker, clock, 102, tree.s2),
        "m1": await seed_curator(sessionmaker, clock, 103, tree.m1),
        "m2": await seed_curator(sessionmaker, clock, 104, tree.m2),
        "r": await seed_curator(sessionmaker, clock, 105, tree.r),
        "q": await seed_curator(sessionmaker, clock, 106, q),
    }
    return tree, (q, qm, qs), users


async def access_of(s, user_id: int | None, admin: bool = False):
    user = await s.get(User, user_id) if user_id else None
    return await access_for(s, user, admin), user


async def add(s, unit, user_id, *, title="Клуб наставников", form="teacher_teacher", status="pending", at=None):
    p = Practice(unit_id=unit.id, region_id=D.region_id_of(unit), form=form, title=title,
                 description="Описание практики", status=status, submitted_by_user_id=user_id, created_at=at)
    s.add(p)
    await s.flush()
    return p


async def test_who_may_review(sessionmaker, clock):
    tree, (q, _, _), users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        at = {k: (await access_of(s, uid))[0] for k, uid in users.items()}
        admin = (await access_of(s, None, admin=True))[0]
        # a school's practice: the municipality above it, the region, administrators
        assert [k for k in at if D.can_review(at[k], tree.s1)] == ["m1", "r"]
        assert D.can_review(admin, tree.s1)
        # a municipality's practice: the region and administrators only
        assert [k for k in at if D.can_review(at[k], tree.m1)] == ["r"]
        # a region's practice: administrators only
        assert [k for k in at if D.can_review(at[k], tree.r)] == []
        assert D.can_review(admin, tree.r)
        # never one's own submission (unless an administrator)
        own = await add(s, tree.m1, users["r"])
        assert not D.can_review(at["r"], tree.m1, own, users["r"])
        assert D.can_review(at["r"], tree.m1, own, users["m2"])


async def test_submission_unit_is_the_actors_own(sessionmaker, clock):
    tree, _, users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        r_access, _ = await access_of(s, users["r"])
        s1_access, _ = await access_of(s, users["s1"])
        admin = (await access_of(s, None, admin=True))[0]
        assert D.submission_unit(r_access, tree.s1).id == tree.r.id  # a regional curator browsing a school
        assert D.submission_unit(s1_access, tree.s1).id == tree.s1.id
        assert D.submission_unit(s1_access, tree.s2) is None
        assert D.submission_unit(admin, tree.m2).id == tree.m2.id


async def test_submit_tells_the_nearest_level_above(sessionmaker, clock):
    tree, _, users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        user = await s.get(User, users["s1"])
        p = await D.submit(s, unit=tree.s1, user=user, title="  Клуб  наставников ", form="teacher_teacher",
                           description="Молодые учителя встречаются раз в неделю.", file=None, now=clock(),
                           admin_tg_ids=[ADMIN_TG])
        await s.commit()
        assert (p.status, p.region_id, p.title, p.unit_id) == ("pending", tree.r.id, "Клуб наставников", tree.s1.id)
        # an item of the municipal curator's "needs your attention" list; the region is one more level up
        rows = (await s.scalars(select(AttentionItem).where(AttentionItem.kind == D.ATT_REVIEW))).all()
        assert [(r.user_id, r.key, r.ref) for r in rows] == [(users["m1"], "bk-notice-submitted", f"b{p.id}")]
        assert rows[0].buttons[0][0]["callback_data"] == f"bo:{p.id}"
        assert rows[0].args == {"title": "Клуб наставников", "unit": tree.s1.name}
        # submitting the same practice's notice again writes nothing (dedupe)
        assert await D.notify_reviewers(s, p, tree.s1, clock(), [ADMIN_TG]) == 0


async def test_submit_without_a_curator_above_tells_the_administrators(sessionmaker, clock):
    tree, _, users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        user = await s.get(User, users["r"])
        await D.submit(s, unit=tree.r, user=user, title="Региональный форум", form="student_student",
                       description="Форум наставников региона, дважды в год.", file=None, now=clock(),
                       admin_tg_ids=[ADMIN_TG])
        await s.commit()
        rows = (await s.scalars(select(OutboxMessage).where(OutboxMessage.kind == D.KIND_SUBMITTED))).all()
        assert [(r.chat_id, r.user_id) for r in rows] == [(ADMIN_TG, None)]


async def test_submit_revalidates_everything(sessionmaker, clock):
    tree, _, users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        user = await s.get(User, users["s1"])
        for kwargs, code in [
            (dict(title="ab", form="teacher_teacher", description="x" * 20), "title-short"),
            (dict(title="abc", form="bogus", description="x" * 20), "form"),
            (dict(title="abc", form="teacher_teacher", description="short"), "description-short"),
        ]:
            with pytest.raises(Invalid) as info:
                await D.submit(s, unit=tree.s1, user=user, file=None, now=clock(), **kwargs)
            assert info.value.code == code
        assert await s.scalar(select(func.count()).select_from(Practice)) == 0
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_review_rules_and_notices(sessionmaker, clock):
    tree, _, users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        submitter = await s.get(User, users["s1"])
        p = await D.submit(s, unit=tree.s1, user=submitter, title="Клуб наставников", form="teacher_teacher",
                           description="Молодые учителя встречаются раз в неделю.", file=None, now=clock())
        await s.commit()
        notice = await s.scalar(select(AttentionItem).where(AttentionItem.kind == D.ATT_REVIEW))
        assert await attention.is_open(s, notice, clock())

        # not below them: the school's own curator, a neighbour school, the other municipality
        for who in ("s1", "s2", "m2"):
            access, user = await access_of(s, users[who])
            with pytest.raises(Invalid) as info:
                await D.review(s, p, tree.s1, access, user, True, None, clock())
            assert info.value.code == "not-reviewer"
        assert p.status == "pending" and p.reviewed_at is None

        access, reviewer = await access_of(s, users["m1"])
        await D.review(s, p, tree.s1, access, reviewer, False, "  Приложите план ", clock())
        await s.commit()
        assert (p.status, p.review_note, p.reviewed_by_user_id) == ("rejected", "Приложите план", users["m1"])
        told = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == D.KIND_REJECTED))
        assert told.chat_id == 101 and told.payload["key"] == "bk-notice-rejected-note"
        assert told.payload["args"] == {"title": "Клуб наставников", "note": "Приложите план"}
        assert await is_relevant(s, told)
        assert not await attention.is_open(s, notice, clock())  # reviewed: "please review" leaves the list

        access, reviewer = await access_of(s, users["r"])
        with pytest.raises(Invalid) as info:
            await D.review(s, p, tree.s1, access, reviewer, True, None, clock())
        assert info.value.code == "not-pending"


async def test_approved_notice_without_note(sessionmaker, clock):
    tree, _, users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        p = await add(s, tree.m1, users["m1"])
        access, reviewer = await access_of(s, users["r"])
        await D.review(s, p, tree.m1, access, reviewer, True, "", clock())
        await s.commit()
        told = await s.scalar(select(OutboxMessage).where(OutboxMessage.kind == D.KIND_APPROVED))
        assert told.chat_id == 103 and told.payload["key"] == "bk-notice-approved" and p.review_note is None


async def test_withdraw(sessionmaker, clock):
    tree, _, users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        submitter = await s.get(User, users["s1"])
        p = await D.submit(s, unit=tree.s1, user=submitter, title="Клуб наставников", form="teacher_teacher",
                           description="Молодые учителя встречаются раз в неделю.", file=None, now=clock())
        await s.commit()
        notice = await s.scalar(select(AttentionItem).where(AttentionItem.kind == D.ATT_REVIEW))
        other = await s.get(User, users["m1"])
        with pytest.raises(Invalid) as info:
            await D.withdraw(s, p, other, clock())
        assert info.value.code == "not-submitter"
        await D.withdraw(s, p, submitter, clock())
        await s.commit()
        assert p.status == "withdrawn"
        assert not await attention.is_open(s, notice, clock())
        with pytest.raises(Invalid) as info:
            await D.withdraw(s, p, submitter, clock())
        assert info.value.code == "not-pending"
        viewer = D.Viewer(access=(await access_of(s, users["m1"]))[0], user_id=users["m1"])
        assert await D.practice_for_viewer(s, viewer, p.id) is None  # gone for everyone


async def test_who_sees_what(sessionmaker, clock):
    tree, (q, _, qs), users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        approved = await add(s, tree.s1, users["s1"], status="approved")
        pending = await add(s, tree.s1, users["s1"], title="Ещё на проверке")
        rejected = await add(s, tree.s1, users["s1"], title="Отклонённая", status="rejected")
        other_region = await add(s, qs, None, status="approved")
        await s.commit()

        async def sees(viewer: D.Viewer) -> list[int]:
            ids = [approved.id, pending.id, rejected.id, other_region.id]
            return [i for i in ids if await D.practice_for_viewer(s, viewer, i) is not None]

        def v(key: str, **kw) -> D.Viewer:
            return D.Viewer(access=at[key], user_id=users[key], **kw)

        at = {k: (await access_of(s, uid))[0] for k, uid in users.items()}
        participant = D.Viewer(access=(await access_of(s, None))[0], participant_region_id=D.region_id_of(tree.s3))
        outsider = D.Viewer(access=(await access_of(s, None))[0])
        admin = D.Viewer(access=(await access_of(s, None, admin=True))[0])
        assert await sees(participant) == [approved.id]
        assert await sees(outsider) == []
        assert await sees(v("s2")) == [approved.id]                    # a neighbour school: approved only
        assert await sees(v("s1")) == [approved.id, pending.id, rejected.id]  # the submitter
        assert await sees(v("m1")) == [approved.id, pending.id, rejected.id]  # a reviewer
        assert await sees(v("m2")) == [approved.id]
        assert await sees(v("q")) == [other_region.id]                 # another region: nothing of R
        assert await sees(admin) == [approved.id, pending.id, rejected.id, other_region.id]
        assert [r.id for r in await D.regions_of(s, v("q"))] == [q.id]
        assert await D.region_for_viewer(s, v("q"), tree.r.id) is None
        assert await D.region_for_viewer(s, participant, tree.r.id) is not None
        assert await D.region_for_viewer(s, participant, q.id) is None


async def test_pending_lists_only_what_is_below(sessionmaker, clock):
    tree, (_, _, qs), users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        t0 = clock()
        p_s1 = await add(s, tree.s1, users["s1"], title="S1", at=t0)
        p_s2 = await add(s, tree.s2, users["s2"], title="S2", at=t0 + timedelta(minutes=1))
        p_s3 = await add(s, tree.s3, None, title="S3", at=t0 + timedelta(minutes=2))
        p_m1 = await add(s, tree.m1, users["m1"], title="M1", at=t0 + timedelta(minutes=3))
        p_r = await add(s, tree.r, users["r"], title="R", at=t0 + timedelta(minutes=4))
        await add(s, tree.s1, users["s1"], title="done", status="approved")
        await add(s, qs, None, title="Q")
        await s.commit()

        async def queue(key: str | None, admin: bool = False) -> list[int]:
            access, user = await access_of(s, users[key] if key else None, admin)
            rows, total = await D.pending_for(s, access, tree.r.id, 0, 50, user.id if user else None)
            assert total == len(rows)
            return [p.id for p, _ in rows]

        assert await queue("m1") == [p_s1.id, p_s2.id]
        assert await queue("m2") == [p_s3.id]
        assert await queue("r") == [p_s1.id, p_s2.id, p_s3.id, p_m1.id]
        assert await queue("s1") == []
        assert await queue(None, admin=True) == [p_s1.id, p_s2.id, p_s3.id, p_m1.id, p_r.id]
        access, _ = await access_of(s, users["r"])
        page, total = await D.pending_for(s, access, tree.r.id, 1, 3, users["r"])
        assert total == 4 and [p.id for p, _ in page] == [p_m1.id]


async def test_browse_by_form_newest_first(sessionmaker, clock):
    tree, (_, _, qs), users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        t0 = clock()
        made = [await add(s, tree.s1, users["s1"], title=f"P{i}", status="approved", at=t0 + timedelta(days=i))
                for i in range(5)]
        await add(s, tree.s1, users["s1"], title="pending", at=t0 + timedelta(days=9))
        await add(s, tree.s1, users["s1"], title="rejected", status="rejected", at=t0 + timedelta(days=9))
        await add(s, tree.s1, users["s1"], title="other form", form="student_student", status="approved")
        await add(s, qs, None, title="other region", status="approved")
        await s.commit()
        first, total = await D.browse(s, tree.r.id, "teacher_teacher", 0, 3)
        second, _ = await D.browse(s, tree.r.id, "teacher_teacher", 1, 3)
        assert total == 5
        assert [p.title for p in first + second] == ["P4", "P3", "P2", "P1", "P0"]
        counts = await D.form_counts(s, tree.r.id)
        assert counts["teacher_teacher"] == 5 and counts["student_student"] == 1 and counts["college_school"] == 0
        assert made[0].id in {p.id for p in second}


async def test_two_reviewers_at_once_cannot_both_win(sessionmaker, clock):
    """A reviewer whose copy still says "pending" loses to one who already decided."""
    from sqlalchemy import update

    tree, _, users = await seed(sessionmaker, clock)
    async with sessionmaker() as s:
        p = await add(s, tree.s1, users["s1"])
        await s.commit()
        # another reviewer's decision lands in the database; this session's copy is stale
        await s.execute(update(Practice).where(Practice.id == p.id)
                        .values(status="approved", reviewed_by_user_id=users["m1"])
                        .execution_options(synchronize_session=False))
        assert p.status == "pending"
        access, reviewer = await access_of(s, users["r"])
        with pytest.raises(Invalid) as info:
            await D.review(s, p, tree.s1, access, reviewer, False, "late", clock())
        assert info.value.code == "not-pending"
        assert (p.status, p.reviewed_by_user_id, p.review_note) == ("approved", users["m1"], None)
        with pytest.raises(Invalid) as info:
            await D.withdraw(s, p, await s.get(User, users["s1"]), clock())
        assert info.value.code == "not-pending"
        await s.commit()
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # nobody told twice
