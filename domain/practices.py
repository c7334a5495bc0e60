"""The best-practice bank: curators submit a practice, a curator one level up approves it, and
everyone in the region (curators and participants) browses the approved ones by form.

No aiogram here. Validators raise ``domain.rules.Invalid(code, **params)``; every code is listed
in ``INVALID_CODES`` and has a message ``bk-invalid-<code>`` in locales/*/practices.ftl.

Files stay on Telegram (``file_id``); the bot never stores their bytes. What a curator may attach
is checked from what Telegram tells about the file (name, MIME type, size) against an allowlist
of document and image types. Anything else (executables, scripts, archives, web pages and SVG,
macro-enabled office files, a name hiding a second extension or bidirectional-text tricks, a MIME
type that contradicts the extension, a file over 10 MB) is refused with a code of its own, so the
curator is told exactly what to change.

Who may review: a curator of any unit strictly above the practice's unit (the municipality or the
region for a school's practice; the region for a municipality's), or an administrator (the only
reviewers of a region-level practice). Nobody but an administrator reviews their own submission.
Who may look: an approved practice, anyone who may browse its region (an administrator, a curator
with a role in the region, a participant of an organisation of the region); a pending or rejected
one, its submitter and its reviewers only. Everything else is "not found", like a missing id.

Notices go through the outbox: the reviewers are told of a new submission (kind
``practice_submitted``, dropped at send time once the practice has been reviewed or withdrawn),
the submitter of the decision (``practice_approved`` / ``practice_rejected``, dropped when the
practice's status no longer matches).
"""
from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CuratorRole, OutboxMessage, Practice, Unit, User
from domain import attention
from domain.curation import Access
from domain.outbox import enqueue, register_relevance
from domain.programmes import forms
from domain.rules import Invalid, clean_text

PENDING = "pending"
APPROVED = "approved"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"

TITLE_MIN = 3
TITLE_MAX = 200
DESCRIPTION_MIN = 10
DESCRIPTION_MAX = 3000
NOTE_MAX = 500
MB = 1024 * 1024
MAX_FILE_BYTES = 10 * MB
TELEGRAM_DOWNLOAD_LIMIT = 20 * MB  # what a bot may download through getFile; our limit is below it
FILE_NAME_MAX = 255

KIND_SUBMITTED = "practice_submitted"  # to administrators; curators get an attention item (ATT_REVIEW)
ATT_REVIEW = "practice"
KIND_APPROVED = "practice_approved"
KIND_REJECTED = "practice_rejected"
OPEN_CB = "bo"  # the callback prefix of "open a practice" (handlers/practices.py BkOpen)

# extension -> the MIME types Telegram may report for it
ALLOWED_TYPES: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "doc": frozenset({"application/msword"}),
    "docx": frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}),
    "odt": frozenset({"application/vnd.oasis.opendocument.text"}),
    "rtf": frozenset({"application/rtf", "text/rtf", "application/x-rtf"}),
    "txt": frozenset({"text/plain"}),
    "ppt": frozenset({"application/vnd.ms-powerpoint"}),
    "pptx": frozenset({"application/vnd.openxmlformats-officedocument.presentationml.presentation"}),
    "odp": frozenset({"application/vnd.oasis.opendocument.presentation"}),
    "xls": frozenset({"application/vnd.ms-excel"}),
    "xlsx": frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    "ods": frozenset({"application/vnd.oasis.opendocument.spreadsheet"}),
    "jpg": frozenset({"image/jpeg", "image/pjpeg"}),
    "jpeg": frozenset({"image/jpeg", "image/pjpeg"}),
    "png": frozenset({"image/png"}),
}
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png"})

# Named so that the answer can say "this is a dangerous type" rather than "not supported".
DANGEROUS_EXTENSIONS = frozenset({
    # executables and installers
    "exe", "com", "scr", "pif", "msi", "msp", "dll", "cpl", "bin", "run", "apk", "app", "dmg", "deb", "rpm",
    "jar", "appimage", "elf", "sys", "drv", "ocx",
    # scripts
    "bat", "cmd", "ps1", "psm1", "vbs", "vbe", "js", "jse", "wsf", "wsh", "hta", "sh", "bash", "zsh", "py",
    "pyw", "pl", "rb", "php", "lnk", "reg", "inf", "scf", "url", "msc", "gadget",
    # archives and disk images (may carry anything)
    "zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "cab", "iso", "img", "vhd", "arj", "lzh", "ace",
    # web pages and SVG (scripts inside), compiled help
    "html", "htm", "xhtml", "shtml", "mht", "mhtml", "svg", "svgz", "xml", "chm",
    # macro-enabled office files
    "docm", "dotm", "xlsm", "xltm", "xlam", "xlsb", "pptm", "potm", "ppam", "ppsm", "sldm",
})
KNOWN_EXTENSIONS = frozenset(ALLOWED_TYPES) | DANGEROUS_EXTENSIONS
GENERIC_MIMES = frozenset({"", "application/octet-stream", "binary/octet-stream"})

INVALID_CODES = (
    "title-short", "title-long", "form", "description-short", "description-long", "note-long",
    "file-empty", "file-too-large", "file-size-unknown", "file-no-name", "file-name", "file-double-ext",
    "file-dangerous", "file-type", "file-mime", "file-content", "file-macros", "file-unreadable",
    "not-pending", "not-reviewer", "not-submitter", "no-unit",
)


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileInfo:
    """A checked attachment: ``is_photo`` (a Telegram photo, sent back with sendPhoto) has no name."""

    file_id: str
    file_name: str | None
    mime_type: str
    size: int

    @property
    def is_photo(self) -> bool:
        return self.file_name is None


def parse_title(text: str | None) -> str:
    title = clean_text(text)
    if len(title) < TITLE_MIN:
        raise Invalid("title-short", min=TITLE_MIN)
    if len(title) > TITLE_MAX:
        raise Invalid("title-long", max=TITLE_MAX)
    return title


def parse_description(text: str | None) -> str:
    """Paragraphs are kept (curators write several); spaces inside each line are tidied."""
    lines = [clean_text(line) for line in (text or "").replace("\r\n", "\n").split("\n")]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    if len(body) < DESCRIPTION_MIN:
        raise Invalid("description-short", min=DESCRIPTION_MIN)
    if len(body) > DESCRIPTION_MAX:
        raise Invalid("description-long", max=DESCRIPTION_MAX)
    return body


def parse_note(text: str | None) -> str | None:
    note = clean_text(text)
    if len(note) > NOTE_MAX:
        raise Invalid("note-long", max=NOTE_MAX)
    return note or None


def check_form(code: str | None) -> str:
    if not code or code not in forms():
        raise Invalid("form")
    return code


def _suspicious_characters(name: str) -> bool:
    """Control and bidirectional-formatting characters: "plan<U+202E>fdp.exe" shows as "planexe.pdf"."""
    return any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name)


def check_file(file_id: str, file_name: str | None, mime_type: str | None, size: int | None) -> FileInfo:
    """A document's name, MIME type and size against the allowlist; raises Invalid(code)."""
    if size is None:
        raise Invalid("file-size-unknown")
    if size <= 0:
        raise Invalid("file-empty")
    if size > MAX_FILE_BYTES:
        raise Invalid("file-too-large", max=MAX_FILE_BYTES // MB)
    name = (file_name or "").strip()
    if not name:
        raise Invalid("file-no-name")
    if len(name) > FILE_NAME_MAX or _suspicious_characters(name) or "/" in name or "\\" in name:
        raise Invalid("file-name")
    parts = PurePosixPath(name.rstrip(". ")).name.split(".")
    ext = parts[-1].lower() if len(parts) > 1 else ""
    inner = [p.strip().lower() for p in parts[1:-1]]
    if ext in DANGEROUS_EXTENSIONS:
        code = "file-double-ext" if any(p in KNOWN_EXTENSIONS for p in inner) else "file-dangerous"
        raise Invalid(code, ext=ext)
    if ext not in ALLOWED_TYPES or name.endswith((".", " ")):
        raise Invalid("file-type", ext=ext or "-")
    if any(p in KNOWN_EXTENSIONS for p in inner):
        raise Invalid("file-double-ext", ext=ext)
    mime = (mime_type or "").strip().lower()
    if mime not in ALLOWED_TYPES[ext]:
        raise Invalid("file-mime", ext=ext)
    return FileInfo(file_id=file_id, file_name=name, mime_type=mime, size=size)


OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # doc, xls, ppt
ZIP_MAGIC = b"PK\x03\x04"  # docx, xlsx, pptx, odt, ods, odp
EXECUTABLE_MAGICS = (b"MZ", b"\x7fELF", b"#!", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe")
OOXML = frozenset({"docx", "xlsx", "pptx"})
ODF = frozenset({"odt", "ods", "odp"})
OLE = frozenset({"doc", "xls", "ppt"})
VBA_MARKERS = ("_VBA_PROJECT".encode("utf-16-le"), "VBA".encode("utf-16-le") + b"\x00\x00", b"Attribute VB_Name")


def _zip_names(content: bytes) -> list[str] | None:
    """The member names of a ZIP container (nothing is extracted), None when it is not one."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def check_content(file: FileInfo, content: bytes) -> None:
    """The file's bytes must be what its extension says (Telegram's MIME type comes from the
    sender's device and only repeats the extension): a renamed executable, a ZIP that is not an
    office document, an office document carrying macros (``vbaProject.bin``, ODF ``Basic/``,
    a VBA storage in a legacy document) are refused. Photos are re-encoded by Telegram: not checked.
    """
    if file.is_photo:
        return
    ext = (file.file_name or "").rsplit(".", 1)[-1].lower()
    if ext != "txt" and content.startswith(EXECUTABLE_MAGICS):  # a renamed program (a text may start "#!")
        raise Invalid("file-dangerous", ext=ext)
    if ext in OOXML or ext in ODF:
        names = _zip_names(content) if content.startswith(ZIP_MAGIC) else None
        if names is None:
            raise Invalid("file-content", ext=ext)
        lowered = [n.lower() for n in names]
        if any(n.endswith("vbaproject.bin") or n.endswith("vbadata.xml") or n.startswith("basic/") for n in lowered):
            raise Invalid("file-macros", ext=ext)
        if ext in OOXML and "[content_types].xml" not in lowered:
            raise Invalid("file-content", ext=ext)
        if ext in ODF and "mimetype" not in lowered:
            raise Invalid("file-content", ext=ext)
        return
    if ext in OLE:
        if not content.startswith(OLE_MAGIC):
            raise Invalid("file-content", ext=ext)
        if any(marker in content for marker in VBA_MARKERS):
            raise Invalid("file-macros", ext=ext)
        return
    expected = {"pdf": (b"%PDF-",), "rtf": (b"{\\rtf",), "png": (b"\x89PNG\r\n\x1a\n",),
                "jpg": (b"\xff\xd8\xff",), "jpeg": (b"\xff\xd8\xff",)}.get(ext)
    if expected is not None:
        # a PDF may carry a few bytes of junk before its header (the spec allows 1024)
        found = content[:1024].find(expected[0]) if ext == "pdf" else (0 if content.startswith(expected) else -1)
        if found < 0:
            raise Invalid("file-content", ext=ext)
        return
    if ext == "txt":
        if b"\x00" in content[:8192]:
            raise Invalid("file-content", ext=ext)
        return


def check_photo(file_id: str, size: int | None) -> FileInfo:
    """A Telegram photo (always re-encoded by Telegram as JPEG): only its size needs checking."""
    if size is not None and size > MAX_FILE_BYTES:
        raise Invalid("file-too-large", max=MAX_FILE_BYTES // MB)
    return FileInfo(file_id=file_id, file_name=None, mime_type="image/jpeg", size=size or 0)


# ---------------------------------------------------------------------------------------------
# the hierarchy: regions, who submits where, who reviews
# ---------------------------------------------------------------------------------------------
def path_ids(unit: Unit) -> list[int]:
    return [int(p) for p in unit.path.strip("/").split("/") if p]


def region_id_of(unit: Unit) -> int:
    return path_ids(unit)[0]


def is_strictly_above(root: Unit, unit: Unit) -> bool:
    return unit.path.startswith(root.path) and root.id != unit.id


def submission_unit(access: Access, unit: Unit) -> Unit | None:
    """Where a practice submitted from ``unit``'s menu belongs: the actor's own unit.

    A curator submits as the curator of their innermost role containing ``unit`` (a regional
    curator browsing a school still submits the region's practice); an administrator, as ``unit``.
    """
    if access.is_admin:
        return unit
    found = [r for r in access.roots if unit.path.startswith(r.path)]
    return max(found, key=lambda r: len(r.path)) if found else None


def can_review(access: Access, unit: Unit, practice: Practice | None = None, user_id: int | None = None) -> bool:
    """Administrators review anything; a curator, practices strictly below one of their roles,
    never their own submission."""
    if access.is_admin:
        return True
    if practice is not None and user_id is not None and practice.submitted_by_user_id == user_id:
        return False
    return any(is_strictly_above(r, unit) for r in access.roots)


@dataclass(frozen=True)
class Viewer:
    """Who is looking at a bank: their curator reach, their user id, their organisation's region."""

    access: Access
    user_id: int | None = None
    participant_region_id: int | None = None

    def curator_region_ids(self) -> set[int]:
        return {region_id_of(r) for r in self.access.roots}

    def can_browse(self, region_id: int) -> bool:
        return (self.access.is_admin or region_id in self.curator_region_ids()
                or region_id == self.participant_region_id)


async def regions_of(session: AsyncSession, viewer: Viewer) -> list[Unit]:
    """The regions whose bank the viewer may open, by name (all of them for administrators)."""
    stmt = select(Unit).where(Unit.kind == "region")
    if not viewer.access.is_admin:
        ids = viewer.curator_region_ids() | ({viewer.participant_region_id} - {None})
        if not ids:
            return []
        stmt = stmt.where(Unit.id.in_(ids))
    return list((await session.scalars(stmt.order_by(Unit.name, Unit.id))).all())


async def region_for_viewer(session: AsyncSession, viewer: Viewer, region_id: int) -> Unit | None:
    if not viewer.can_browse(region_id):
        return None
    region = await session.get(Unit, region_id)
    return region if region is not None and region.kind == "region" else None


async def practice_for_viewer(session: AsyncSession, viewer: Viewer,
                              practice_id: int) -> tuple[Practice, Unit] | None:
    """A practice with its unit, when the viewer may see it; None otherwise (as if missing)."""
    practice = await session.get(Practice, practice_id)
    if practice is None or practice.status == WITHDRAWN:
        return None
    unit = await session.get(Unit, practice.unit_id)
    if unit is None:
        return None
    if practice.status == APPROVED and viewer.can_browse(practice.region_id):
        return practice, unit
    if viewer.user_id is not None and practice.submitted_by_user_id == viewer.user_id:
        return practice, unit
    if can_review(viewer.access, unit):
        return practice, unit
    return None


# ---------------------------------------------------------------------------------------------
# reading the bank
# ---------------------------------------------------------------------------------------------
async def form_counts(session: AsyncSession, region_id: int) -> dict[str, int]:
    """Approved practices of a region per form, every form present (zero when none)."""
    rows = await session.execute(
        select(Practice.form, func.count()).where(Practice.region_id == region_id, Practice.status == APPROVED)
        .group_by(Practice.form)
    )
    found = dict(rows.all())
    return {code: int(found.get(code, 0)) for code in forms()}


async def browse(session: AsyncSession, region_id: int, form: str, page: int, page_size: int
                 ) -> tuple[list[Practice], int]:
    """Approved practices of a region in one form, newest first, one page."""
    where = and_(Practice.region_id == region_id, Practice.status == APPROVED, Practice.form == form)
    total = await session.scalar(select(func.count()).select_from(Practice).where(where)) or 0
    rows = await session.scalars(select(Practice).where(where)
                                 .order_by(Practice.created_at.desc(), Practice.id.desc())
                                 .offset(max(page, 0) * page_size).limit(page_size))
    return list(rows.all()), total


def _below_roots(access: Access):
    """SQL: the practice's unit lies strictly below one of the actor's roles (all for admins)."""
    if access.is_admin:
        return None
    if not access.roots:
        return Unit.id.is_(None)
    return or_(*[and_(Unit.path.startswith(r.path), Unit.id != r.id) for r in access.roots])


async def pending_for(session: AsyncSession, access: Access, region_id: int, page: int, page_size: int,
                      user_id: int | None = None) -> tuple[list[tuple[Practice, Unit]], int]:
    """Pending practices of a region the actor may review (not their own, unless an admin), oldest first."""
    conds = [Practice.region_id == region_id, Practice.status == PENDING]
    below = _below_roots(access)
    if below is not None:
        conds.append(below)
        if user_id is not None:
            conds.append(or_(Practice.submitted_by_user_id.is_(None), Practice.submitted_by_user_id != user_id))
    base = select(Practice, Unit).join(Unit, Unit.id == Practice.unit_id).where(*conds)
    total = await session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = await session.execute(base.order_by(Practice.created_at, Practice.id)
                                 .offset(max(page, 0) * page_size).limit(page_size))
    return [(p, u) for p, u in rows.all()], total


async def mine(session: AsyncSession, user_id: int, region_id: int, page: int, page_size: int
               ) -> tuple[list[Practice], int]:
    """The user's own submissions in a region (withdrawn ones hidden), newest first."""
    where = and_(Practice.region_id == region_id, Practice.submitted_by_user_id == user_id,
                 Practice.status != WITHDRAWN)
    total = await session.scalar(select(func.count()).select_from(Practice).where(where)) or 0
    rows = await session.scalars(select(Practice).where(where)
                                 .order_by(Practice.created_at.desc(), Practice.id.desc())
                                 .offset(max(page, 0) * page_size).limit(page_size))
    return list(rows.all()), total


# ---------------------------------------------------------------------------------------------
# changing the bank
# ---------------------------------------------------------------------------------------------
async def submit(session: AsyncSession, *, unit: Unit, user: User | None, title: str, form: str,
                 description: str, file: FileInfo | None, now: datetime,
                 admin_tg_ids: tuple[int, ...] | list[int] = ()) -> Practice:
    """Validate everything again (the dialog's data may be stale), save, tell the reviewers."""
    practice = Practice(
        unit_id=unit.id, region_id=region_id_of(unit), form=check_form(form), title=parse_title(title),
        description=parse_description(description), status=PENDING,
        submitted_by_user_id=user.id if user is not None else None, created_at=now,
        file_id=file.file_id if file else None, file_name=file.file_name if file else None,
        file_size=file.size if file else None, mime_type=file.mime_type if file else None,
    )
    session.add(practice)
    await session.flush()
    await notify_reviewers(session, practice, unit, now, admin_tg_ids)
    return practice


async def review(session: AsyncSession, practice: Practice, unit: Unit, access: Access, user: User | None,
                 approve: bool, note: str | None, now: datetime) -> Practice:
    """Approve or reject a pending practice; the submitter is told through the outbox."""
    if practice.status != PENDING:
        raise Invalid("not-pending")
    if not can_review(access, unit, practice, user.id if user is not None else None):
        raise Invalid("not-reviewer")
    await _leave_pending(session, practice, status=APPROVED if approve else REJECTED, review_note=parse_note(note),
                         reviewed_at=now, reviewed_by_user_id=user.id if user is not None else None)
    await notify_submitter(session, practice, unit, now)
    return practice


async def _leave_pending(session: AsyncSession, practice: Practice, **values: object) -> None:
    """Change a pending practice only if it is still pending in the database: two reviewers
    pressing at once (or a review racing a withdrawal) cannot both win; the loser gets
    "not-pending" (PostgreSQL re-checks the condition after the winner commits)."""
    result = await session.execute(
        update(Practice).where(Practice.id == practice.id, Practice.status == PENDING).values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        await session.refresh(practice)
        raise Invalid("not-pending")
    await session.refresh(practice)


async def withdraw(session: AsyncSession, practice: Practice, user: User | None, now: datetime) -> Practice:
    """The submitter takes back a practice nobody has reviewed yet; notices about it are dropped."""
    if user is None or practice.submitted_by_user_id != user.id:
        raise Invalid("not-submitter")
    if practice.status != PENDING:
        raise Invalid("not-pending")
    await _leave_pending(session, practice, status=WITHDRAWN, reviewed_at=now)
    return practice


# ---------------------------------------------------------------------------------------------
# notices (outbox)
# ---------------------------------------------------------------------------------------------
async def reviewers_to_tell(session: AsyncSession, unit: Unit, exclude_user_id: int | None = None) -> list[User]:
    """Curators of the nearest level above ``unit`` that has any (the submitter left out)."""
    above = path_ids(unit)[:-1]
    if not above:
        return []
    roles = (await session.scalars(select(CuratorRole).where(CuratorRole.unit_id.in_(above),
                                                             CuratorRole.revoked_at.is_(None)))).all()
    depth = {uid: i for i, uid in enumerate(above)}
    by_level: dict[int, set[int]] = {}
    for role in roles:
        if role.user_id != exclude_user_id:
            by_level.setdefault(depth[role.unit_id], set()).add(role.user_id)
    if not by_level:
        return []
    ids = by_level[max(by_level)]
    users = (await session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))).all()
    return [u for u in users if u.tg_id is not None and u.erased_at is None]


async def notify_reviewers(session: AsyncSession, practice: Practice, unit: Unit, now: datetime,
                           admin_tg_ids: tuple[int, ...] | list[int] = ()) -> int:
    """Queue "a practice awaits your approval" to the reviewers; administrators when nobody above."""
    users = await reviewers_to_tell(session, unit, practice.submitted_by_user_id)
    if users:  # curators: an item of their "needs your attention" list (domain.attention)
        added = 0
        for user in users:
            item = await attention.add_item(
                session, user.id, ATT_REVIEW, f"b{practice.id}", {"title": practice.title, "unit": unit.name},
                f"{KIND_SUBMITTED}:{practice.id}:{user.tg_id}", key="bk-notice-submitted",
                buttons=[[{"text_key": "bk-btn-open-notice", "callback_data": f"{OPEN_CB}:{practice.id}"}]],
                unit_id=unit.id, tz=unit.timezone, now=now)
            added += item is not None
        return added
    # nobody above curates: the administrators are told directly
    known = {u.tg_id: u for u in (await session.scalars(select(User).where(User.tg_id.in_(list(admin_tg_ids))))).all()} \
        if admin_tg_ids else {}
    targets: list[tuple[int | None, int]] = [(known[tg].id if tg in known else None, tg) for tg in admin_tg_ids
                                             if not (tg in known and known[tg].id == practice.submitted_by_user_id)]
    sent = 0
    for user_id, chat_id in targets:
        row = await enqueue(session, user_id=user_id, chat_id=chat_id, kind=KIND_SUBMITTED, key="bk-notice-submitted",
                            args={"title": practice.title, "unit": unit.name},
                            buttons=[[{"text_key": "bk-btn-open-notice", "callback_data": f"{OPEN_CB}:{practice.id}"}]],
                            due_at=now, tz=unit.timezone, dedupe_key=f"{KIND_SUBMITTED}:{practice.id}:{chat_id}")
        sent += row is not None
    return sent


async def notify_submitter(session: AsyncSession, practice: Practice, unit: Unit, now: datetime) -> bool:
    if practice.submitted_by_user_id is None or practice.submitted_by_user_id == practice.reviewed_by_user_id:
        return False
    user = await session.get(User, practice.submitted_by_user_id)
    if user is None or user.tg_id is None or user.erased_at is not None:
        return False
    approved = practice.status == APPROVED
    kind = KIND_APPROVED if approved else KIND_REJECTED
    key = ("bk-notice-approved" if approved else "bk-notice-rejected") + ("-note" if practice.review_note else "")
    args: dict[str, str] = {"title": practice.title}
    if practice.review_note:
        args["note"] = practice.review_note
    row = await enqueue(session, user_id=user.id, chat_id=user.tg_id, kind=kind, key=key, args=args,
                        buttons=[[{"text_key": "bk-btn-open-notice", "callback_data": f"{OPEN_CB}:{practice.id}"}]],
                        due_at=now, tz=unit.timezone, dedupe_key=f"{kind}:{practice.id}")
    return row is not None


def _practice_id(row: OutboxMessage) -> int | None:
    parts = (row.dedupe_key or "").split(":")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None


async def _still_pending(session: AsyncSession, row: OutboxMessage) -> bool:
    """A "please review" notice is pointless once someone reviewed it or it was withdrawn."""
    pid = _practice_id(row)
    if pid is None:
        return True
    practice = await session.get(Practice, pid, populate_existing=True)
    return practice is not None and practice.status == PENDING


def _status_is(status: str):
    async def check(session: AsyncSession, row: OutboxMessage) -> bool:
        pid = _practice_id(row)
        if pid is None:
            return True
        practice = await session.get(Practice, pid, populate_existing=True)
        return practice is not None and practice.status == status
    return check


async def _review_open(session: AsyncSession, items: list[Any], now: datetime) -> set[int]:
    """"A practice awaits your approval" stays open while nobody reviewed or withdrew it."""
    still = set()
    for item in items:
        ref = item.ref
        if ref[:1] == "b" and ref[1:].isdigit():
            practice = await session.get(Practice, int(ref[1:]), populate_existing=True)
            if practice is not None and practice.status == PENDING:
                still.add(item.id)
    return still


attention.register_kind(ATT_REVIEW, order=70, check=_review_open)
register_relevance(KIND_SUBMITTED, _still_pending)
register_relevance(KIND_APPROVED, _status_is(APPROVED))
register_relevance(KIND_REJECTED, _status_is(REJECTED))


__all__ = [
    "PENDING", "APPROVED", "REJECTED", "WITHDRAWN", "MAX_FILE_BYTES", "ALLOWED_TYPES", "DANGEROUS_EXTENSIONS",
    "INVALID_CODES", "FileInfo", "Viewer", "parse_title", "parse_description", "parse_note", "check_form",
    "check_file", "check_content", "check_photo", "region_id_of", "submission_unit", "can_review", "regions_of",
    "region_for_viewer", "practice_for_viewer", "form_counts", "browse", "pending_for", "mine", "submit",
    "review", "withdraw", "reviewers_to_tell", "notify_reviewers", "notify_submitter",
]
