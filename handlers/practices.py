"""The best-practice bank: browse a region's approved practices by form, submit one, review.

Entry points: ``PracticesCb(uid)`` from a unit's curator menu (the bank of that unit's region)
and ``/practices`` (participants: their organisation's region; curators: their roles' regions,
asking which when several; administrators: any region). Conventions of handlers/curator.py:
views edit the menu message in place; every id in a callback is loaded through the viewer's
reach (``domain.practices.practice_for_viewer`` / ``region_for_viewer``); anything outside it,
missing or forged gets the same "not found or not yours" alert and changes nothing.

The "submit a practice" dialog (title → form → description → file or skip) and the reviewer's
"reject with a note" keep ids and codes only in the FSM data, under ``bk_*`` keys; they are
registered in ``CURATOR_DIALOGS``, so navigating any curator menu abandons them, and only the
buttons of the latest prompt (``bk_mid``) count.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import BaseMiddleware, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject
from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Practice, Unit, User
from domain import practices as D
from domain.curation import actor_user, clamp_page, pages, unit_in_access
from domain.people import audit, participant_of
from domain.programmes import forms
from domain.rules import Invalid
from domain.text import CAPTION_MAX, shorten
from handlers.callbacks import PracticesCb
from handlers.curator import CURATOR_DIALOGS, end_dialog, end_form, make_ctx, show
from handlers.curator_views import Ctx, CuNav, View, btn, fmt_date, kb, pager, with_notice

log = logging.getLogger(__name__)

LIST_PAGE = 8
QUEUE_PAGE = 8
MINE_PAGE = 8
REGIONS_PAGE = 10
PREFIX = "bk_"


# ---------------------------------------------------------------------------------------------
# callback data (prefixes "b*": practices)
# ---------------------------------------------------------------------------------------------
class BkHome(CallbackData, prefix="bh"):
    """A region's bank; u is the unit whose curator menu led here (0: none)."""

    r: int
    u: int = 0


class BkList(CallbackData, prefix="bl"):
    """Approved practices of region r in form f, paged."""

    r: int
    f: str
    p: int = 0


class BkOpen(CallbackData, prefix=D.OPEN_CB):
    """One practice (the outbox notices carry this too: "bo:<id>")."""

    id: int


class BkFile(CallbackData, prefix="bd"):
    """Send a practice's attached file."""

    id: int


class BkQueue(CallbackData, prefix="bq"):
    """Practices of region r awaiting the actor's approval."""

    r: int
    p: int = 0


class BkMine(CallbackData, prefix="bm"):
    """The actor's own submissions in region r."""

    r: int
    p: int = 0


class BkReview(CallbackData, prefix="br"):
    """a: 'a' approve, 'r' reject (asks for a note), 'n' reject without a note."""

    id: int
    a: str


class BkWithdraw(CallbackData, prefix="bw"):
    """Withdraw one's own pending practice: ok=0 asks, ok=1 withdraws."""

    id: int
    ok: int = 0


class BkNew(CallbackData, prefix="bn"):
    """Start submitting to region r as the curator of unit u (0: ask when several)."""

    r: int
    u: int = 0


class BkRegions(CallbackData, prefix="bg"):
    """The regions the viewer may open, paged (several roles, or an administrator)."""

    p: int = 0


class BkStep(CallbackData, prefix="bf"):
    """A button of a dialog: f form v, s skip the file, x cancel."""

    a: str
    v: str = ""


class PracticeForm(StatesGroup):
    title = State()
    form = State()
    description = State()
    file = State()
    note = State()


CURATOR_DIALOGS.append((PracticeForm, PREFIX))  # the curator menu's navigation abandons it too
TEXT_STATES = (PracticeForm.title.state, PracticeForm.description.state)


class EndDialogOnNavigation(BaseMiddleware):
    """Any other bank button abandons a half-done dialog (its own step buttons excepted)."""

    async def __call__(self, handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if state is not None and isinstance(event, CallbackQuery) and \
                (event.data or "").split(":", 1)[0] != BkStep.__prefix__:
            await end_form(state)
        return await handler(event, data)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
async def viewer_of(session: AsyncSession, ctx: Ctx, user: User | None) -> D.Viewer:
    participant = await participant_of(session, user)
    region_id = None
    if participant is not None:
        org = await session.get(Unit, participant.org_id)
        region_id = D.region_id_of(org) if org is not None else None
    return D.Viewer(access=ctx.access, user_id=user.id if user is not None else None,
                    participant_region_id=region_id)


async def refuse(query: CallbackQuery, ctx: Ctx) -> None:
    await query.answer(ctx.t("bk-not-found"), show_alert=True)


def invalid_text(ctx: Ctx, exc: Invalid) -> str:
    return ctx.t(f"bk-invalid-{exc.code}", **exc.params)


def form_name(ctx: Ctx, code: str) -> str:
    return ctx.t(f"form-{code}")


def size_text(ctx: Ctx, size: int | None) -> str:
    if not size:
        return "—"
    if size < 1024 * 1024:
        return ctx.t("bk-size-kb", n=format_decimal(max(1, round(size / 1024)), locale=ctx.locale))
    return ctx.t("bk-size-mb", n=format_decimal(round(size / (1024 * 1024), 1), locale=ctx.locale))


def roots_in_region(ctx: Ctx, region_id: int) -> list[Unit]:
    return [r for r in ctx.access.menu_roots if D.region_id_of(r) == region_id]


def may_submit(ctx: Ctx, region_id: int) -> bool:
    return ctx.access.is_admin or bool(roots_in_region(ctx, region_id))


def may_review_in(ctx: Ctx, region_id: int) -> bool:
    """An administrator, or a curator of a region or a municipality of this region."""
    return ctx.access.is_admin or any(r.kind != "organisation" for r in roots_in_region(ctx, region_id))


# ---------------------------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------------------------
async def home_view(session: AsyncSession, ctx: Ctx, viewer: D.Viewer, region: Unit, u: int = 0,
                    notice: str | None = None) -> View:
    t = ctx.t
    counts = await D.form_counts(session, region.id)
    total = sum(counts.values())
    lines = [t("bk-home-title", region=region.name),
             t("bk-home-found", n=total) if total else t("bk-home-empty"), "", t("bk-home-choose")]
    rows = [[btn(t("bk-btn-form", form=form_name(ctx, code), n=n), BkList(r=region.id, f=code))]
            for code, n in counts.items()]
    if may_review_in(ctx, region.id):
        _, waiting = await D.pending_for(session, ctx.access, region.id, 0, 1, viewer.user_id)
        rows.append([btn(t("bk-btn-queue", n=waiting), BkQueue(r=region.id))])
    if may_submit(ctx, region.id):
        rows.append([btn(t("bk-btn-submit"), BkNew(r=region.id, u=u))])
    if viewer.user_id is not None:
        _, own = await D.mine(session, viewer.user_id, region.id, 0, 1)
        if own:
            rows.append([btn(t("bk-btn-mine", n=own), BkMine(r=region.id))])
    if len(await D.regions_of(session, viewer)) > 1:
        rows.append([btn(t("bk-btn-regions"), BkRegions())])
    if u:
        unit = await unit_in_access(session, ctx.access, u)
        if unit is not None:
            rows.append([btn(t("cur-btn-back-unit", name=unit.name), CuNav(id=unit.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


def practice_line(ctx: Ctx, n: int, practice: Practice, unit: Unit | None) -> str:
    return ctx.t("bk-line", n=n, title=practice.title, unit=unit.name if unit else "—",
                 date=fmt_date(practice.created_at, ctx, unit))


async def list_view(session: AsyncSession, ctx: Ctx, region: Unit, form: str, page: int) -> View:
    t = ctx.t
    shown, total = await D.browse(session, region.id, form, page, LIST_PAGE)
    if page and not shown:
        page = clamp_page(page, total, LIST_PAGE)
        shown, total = await D.browse(session, region.id, form, page, LIST_PAGE)
    units = {u.id: u for u in [await session.get(Unit, p.unit_id) for p in shown] if u is not None}
    lines = [t("bk-list-title", form=form_name(ctx, form), region=region.name),
             t("bk-list-found", n=total) if total else t("bk-list-empty")]
    first = page * LIST_PAGE
    if shown:
        lines.append("")
        lines.extend(practice_line(ctx, first + i + 1, p, units.get(p.unit_id)) for i, p in enumerate(shown))
    rows = [[btn(t("bk-btn-open", n=first + i + 1, title=p.title), BkOpen(id=p.id))] for i, p in enumerate(shown)]
    rows.append(pager(ctx, page, pages(total, LIST_PAGE), lambda pg: BkList(r=region.id, f=form, p=pg)))
    rows.append([btn(t("bk-btn-home"), BkHome(r=region.id))])
    return "\n".join(lines), kb(rows)


async def queue_view(session: AsyncSession, ctx: Ctx, viewer: D.Viewer, region: Unit, page: int,
                     notice: str | None = None) -> View:
    t = ctx.t
    shown, total = await D.pending_for(session, ctx.access, region.id, page, QUEUE_PAGE, viewer.user_id)
    if page and not shown:
        page = clamp_page(page, total, QUEUE_PAGE)
        shown, total = await D.pending_for(session, ctx.access, region.id, page, QUEUE_PAGE, viewer.user_id)
    lines = [t("bk-queue-title", region=region.name), t("bk-queue-found", n=total) if total else t("bk-queue-empty")]
    first = page * QUEUE_PAGE
    if shown:
        lines.append("")
        lines.extend(practice_line(ctx, first + i + 1, p, u) for i, (p, u) in enumerate(shown))
    rows = [[btn(t("bk-btn-open", n=first + i + 1, title=p.title), BkOpen(id=p.id))] for i, (p, _) in enumerate(shown)]
    rows.append(pager(ctx, page, pages(total, QUEUE_PAGE), lambda pg: BkQueue(r=region.id, p=pg)))
    rows.append([btn(t("bk-btn-home"), BkHome(r=region.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


async def mine_view(session: AsyncSession, ctx: Ctx, viewer: D.Viewer, region: Unit, page: int,
                    notice: str | None = None) -> View:
    t = ctx.t
    shown, total = ([], 0) if viewer.user_id is None else await D.mine(session, viewer.user_id, region.id, page,
                                                                        MINE_PAGE)
    if page and not shown and viewer.user_id is not None:
        page = clamp_page(page, total, MINE_PAGE)
        shown, total = await D.mine(session, viewer.user_id, region.id, page, MINE_PAGE)
    lines = [t("bk-mine-title", region=region.name), t("bk-mine-found", n=total) if total else t("bk-mine-empty")]
    first = page * MINE_PAGE
    if shown:
        lines.append("")
        lines.extend(t("bk-mine-line", n=first + i + 1, title=p.title, status=t(f"bk-status-{p.status}"))
                     for i, p in enumerate(shown))
    rows = [[btn(t("bk-btn-open", n=first + i + 1, title=p.title), BkOpen(id=p.id))] for i, p in enumerate(shown)]
    rows.append(pager(ctx, page, pages(total, MINE_PAGE), lambda pg: BkMine(r=region.id, p=pg)))
    rows.append([btn(t("bk-btn-home"), BkHome(r=region.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


def practice_view(ctx: Ctx, viewer: D.Viewer, practice: Practice, unit: Unit, notice: str | None = None) -> View:
    t = ctx.t
    lines = [t("bk-view-title", title=practice.title),
             t("bk-view-form", form=form_name(ctx, practice.form)),
             t("bk-view-unit", unit=unit.name),
             t("bk-view-date", date=fmt_date(practice.created_at, ctx, unit))]
    if practice.status != D.APPROVED:
        lines.append(t("bk-view-status", status=t(f"bk-status-{practice.status}")))
    if practice.review_note and (practice.submitted_by_user_id == viewer.user_id or D.can_review(ctx.access, unit)):
        lines.append(t("bk-view-note", note=practice.review_note))
    if practice.file_id:
        lines.append(t("bk-view-file", name=practice.file_name or t("bk-photo"), size=size_text(ctx, practice.file_size)))
    lines.extend(["", practice.description])
    rows = []
    if practice.file_id:
        rows.append([btn(t("bk-btn-file"), BkFile(id=practice.id))])
    is_reviewer = D.can_review(ctx.access, unit, practice, viewer.user_id)
    if practice.status == D.PENDING and is_reviewer:
        rows.append([btn(t("bk-btn-approve"), BkReview(id=practice.id, a="a")),
                     btn(t("bk-btn-reject"), BkReview(id=practice.id, a="r"))])
    if practice.status == D.PENDING and viewer.user_id is not None and practice.submitted_by_user_id == viewer.user_id:
        rows.append([btn(t("bk-btn-withdraw"), BkWithdraw(id=practice.id))])
    if practice.status == D.APPROVED:
        rows.append([btn(t("bk-btn-back-list", form=form_name(ctx, practice.form)),
                         BkList(r=practice.region_id, f=practice.form))])
    elif practice.status == D.PENDING and is_reviewer:
        rows.append([btn(t("bk-btn-queue-back"), BkQueue(r=practice.region_id))])
    elif viewer.user_id is not None and practice.submitted_by_user_id == viewer.user_id:
        rows.append([btn(t("bk-btn-mine-back"), BkMine(r=practice.region_id))])
    rows.append([btn(t("bk-btn-home"), BkHome(r=practice.region_id))])
    return with_notice("\n".join(lines), notice), kb(rows)


def regions_view(ctx: Ctx, regions: list[Unit], page: int = 0) -> View:
    page = clamp_page(page, len(regions), REGIONS_PAGE)
    shown = regions[page * REGIONS_PAGE:(page + 1) * REGIONS_PAGE]
    rows = [[btn(r.name, BkHome(r=r.id))] for r in shown]
    rows.append(pager(ctx, page, pages(len(regions), REGIONS_PAGE), lambda pg: BkRegions(p=pg)))
    return ctx.t("bk-choose-region"), kb(rows)


# ---------------------------------------------------------------------------------------------
# the dialog's prompts
# ---------------------------------------------------------------------------------------------
def step_view(ctx: Ctx, state_name: str | None, data: dict[str, Any], unit_name: str) -> View:
    t = ctx.t
    cancel = [btn(t("cur-btn-cancel"), BkStep(a="x"))]
    if state_name == PracticeForm.title.state:
        return t("bk-ask-title", unit=unit_name, min=D.TITLE_MIN, max=D.TITLE_MAX), kb([cancel])
    if state_name == PracticeForm.form.state:
        rows = [[btn(form_name(ctx, code), BkStep(a="f", v=code))] for code in forms()]
        return t("bk-ask-form", title=data.get("bk_title") or ""), kb([*rows, cancel])
    if state_name == PracticeForm.description.state:
        return t("bk-ask-description", min=D.DESCRIPTION_MIN, max=D.DESCRIPTION_MAX), kb([cancel])
    if state_name == PracticeForm.file.state:
        return (t("bk-ask-file", max=D.MAX_FILE_BYTES // D.MB, types=", ".join(sorted(D.ALLOWED_TYPES))),
                kb([[btn(t("bk-btn-skip-file"), BkStep(a="s"))], cancel]))
    # note
    return t("bk-ask-note", max=D.NOTE_MAX), kb([[btn(t("bk-btn-reject-no-note"), BkStep(a="n"))], cancel])


# ---------------------------------------------------------------------------------------------
# the router
# ---------------------------------------------------------------------------------------------
async def fetch(message: Message, file: D.FileInfo) -> bytes:
    """The document's bytes, to check that they are what the name says (≤ 10 MB, well under the
    20 MB a bot may download). Kept in memory only for the check; the bank keeps the file_id."""
    try:
        buffer = await message.bot.download(file.file_id)
    except (TelegramAPIError, OSError, asyncio.TimeoutError) as exc:
        log.warning("practice file could not be downloaded for checking: %s", type(exc).__name__)
        raise Invalid("file-unreadable") from exc
    if buffer is None:
        raise Invalid("file-unreadable")
    return buffer.getvalue()


def build_router() -> Router:  # noqa: C901 - one closure per handler, as in the other routers
    router = Router(name="practices")
    router.callback_query.middleware(EndDialogOnNavigation())

    async def context(session: AsyncSession, data: dict[str, Any]) -> tuple[Ctx, D.Viewer]:
        ctx = await make_ctx(session, data)
        return ctx, await viewer_of(session, ctx, data.get("user"))

    async def load_practice(query: CallbackQuery, session: AsyncSession, data: dict[str, Any],
                            pid: int) -> tuple[Ctx, D.Viewer, Practice, Unit] | None:
        ctx, viewer = await context(session, data)
        found = await D.practice_for_viewer(session, viewer, pid)
        if found is None:
            await refuse(query, ctx)
            return None
        return ctx, viewer, found[0], found[1]

    async def load_region(query: CallbackQuery, session: AsyncSession, data: dict[str, Any],
                          region_id: int) -> tuple[Ctx, D.Viewer, Unit] | None:
        ctx, viewer = await context(session, data)
        region = await D.region_for_viewer(session, viewer, region_id)
        if region is None:
            await refuse(query, ctx)
            return None
        return ctx, viewer, region

    # -----------------------------------------------------------------------------------------
    # entry points
    # -----------------------------------------------------------------------------------------
    @router.callback_query(PracticesCb.filter())
    async def from_unit(query: CallbackQuery, callback_data: PracticesCb, session: AsyncSession,
                        **data: Any) -> None:
        ctx, viewer = await context(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid) if ctx.access.any else None
        region = await session.get(Unit, D.region_id_of(unit)) if unit is not None else None
        if region is None:
            return await refuse(query, ctx)
        await show(query, await home_view(session, ctx, viewer, region, u=unit.id))
        await query.answer()

    @router.message(Command("practices"))
    async def cmd_practices(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx, viewer = await context(session, data)
        await end_form(state)
        regions = await D.regions_of(session, viewer)
        if not regions:
            await message.answer(ctx.t("bk-no-region"))
            return
        if len(regions) == 1:
            text, markup = await home_view(session, ctx, viewer, regions[0])
        else:
            text, markup = regions_view(ctx, regions)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(BkRegions.filter())
    async def choose_region(query: CallbackQuery, callback_data: BkRegions, session: AsyncSession,
                            **data: Any) -> None:
        ctx, viewer = await context(session, data)
        regions = await D.regions_of(session, viewer)
        if not regions:
            return await refuse(query, ctx)
        await show(query, regions_view(ctx, regions, callback_data.p))
        await query.answer()

    @router.callback_query(BkHome.filter())
    async def home(query: CallbackQuery, callback_data: BkHome, session: AsyncSession, **data: Any) -> None:
        loaded = await load_region(query, session, data, callback_data.r)
        if loaded is None:
            return
        ctx, viewer, region = loaded
        await show(query, await home_view(session, ctx, viewer, region, u=callback_data.u))
        await query.answer()

    # -----------------------------------------------------------------------------------------
    # browsing
    # -----------------------------------------------------------------------------------------
    @router.callback_query(BkList.filter())
    async def by_form(query: CallbackQuery, callback_data: BkList, session: AsyncSession, **data: Any) -> None:
        loaded = await load_region(query, session, data, callback_data.r)
        if loaded is None:
            return
        ctx, _, region = loaded
        if callback_data.f not in forms():
            return await refuse(query, ctx)
        await show(query, await list_view(session, ctx, region, callback_data.f, max(callback_data.p, 0)))
        await query.answer()

    @router.callback_query(BkOpen.filter())
    async def open_practice(query: CallbackQuery, callback_data: BkOpen, session: AsyncSession,
                            **data: Any) -> None:
        loaded = await load_practice(query, session, data, callback_data.id)
        if loaded is None:
            return
        ctx, viewer, practice, unit = loaded
        await show(query, practice_view(ctx, viewer, practice, unit))
        await query.answer()

    @router.callback_query(BkFile.filter())
    async def send_file(query: CallbackQuery, callback_data: BkFile, session: AsyncSession, **data: Any) -> None:
        loaded = await load_practice(query, session, data, callback_data.id)
        if loaded is None:
            return
        ctx, _, practice, _ = loaded
        if not practice.file_id:
            return await query.answer(ctx.t("bk-no-file"), show_alert=True)
        caption = shorten(ctx.t("bk-file-caption", title=practice.title), CAPTION_MAX, hard=True)
        if practice.file_name is None:  # a Telegram photo: its file_id only works with sendPhoto
            await query.bot.send_photo(query.from_user.id, practice.file_id, caption=caption)
        else:
            await query.bot.send_document(query.from_user.id, practice.file_id, caption=caption)
        log.info("practice %s: file sent to user %s", practice.id, data.get("user").id if data.get("user") else None)
        await query.answer()

    @router.callback_query(BkMine.filter())
    async def my_submissions(query: CallbackQuery, callback_data: BkMine, session: AsyncSession,
                             **data: Any) -> None:
        loaded = await load_region(query, session, data, callback_data.r)
        if loaded is None:
            return
        ctx, viewer, region = loaded
        await show(query, await mine_view(session, ctx, viewer, region, max(callback_data.p, 0)))
        await query.answer()

    @router.callback_query(BkWithdraw.filter())
    async def withdraw(query: CallbackQuery, callback_data: BkWithdraw, session: AsyncSession,
                       **data: Any) -> None:
        loaded = await load_practice(query, session, data, callback_data.id)
        if loaded is None:
            return
        ctx, viewer, practice, unit = loaded
        user = data.get("user")
        if user is None or practice.submitted_by_user_id != user.id or callback_data.ok not in (0, 1):
            return await refuse(query, ctx)
        if practice.status != D.PENDING:
            notice = invalid_text(ctx, Invalid("not-pending"))
            await show(query, practice_view(ctx, viewer, practice, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        if callback_data.ok == 0:
            rows = [[btn(ctx.t("bk-btn-withdraw-yes"), BkWithdraw(id=practice.id, ok=1)),
                     btn(ctx.t("cur-btn-no"), BkOpen(id=practice.id))]]
            await show(query, (ctx.t("bk-withdraw-ask", title=practice.title), kb(rows)))
            return await query.answer()
        await D.withdraw(session, practice, user, ctx.now)
        await audit(session, "practice.withdrawn", user.id, "practice", practice.id, unit_id=unit.id)
        region = await session.get(Unit, practice.region_id)
        notice = ctx.t("bk-withdrawn", title=practice.title)
        await show(query, await mine_view(session, ctx, viewer, region, 0, notice=notice))
        await query.answer(notice)

    # -----------------------------------------------------------------------------------------
    # reviewing
    # -----------------------------------------------------------------------------------------
    @router.callback_query(BkQueue.filter())
    async def queue(query: CallbackQuery, callback_data: BkQueue, session: AsyncSession, **data: Any) -> None:
        loaded = await load_region(query, session, data, callback_data.r)
        if loaded is None:
            return
        ctx, viewer, region = loaded
        if not may_review_in(ctx, region.id):
            return await refuse(query, ctx)
        await show(query, await queue_view(session, ctx, viewer, region, max(callback_data.p, 0)))
        await query.answer()

    async def decide(query: CallbackQuery | None, message: Message | None, session: AsyncSession,
                     ctx: Ctx, viewer: D.Viewer, practice: Practice, unit: Unit, approve: bool,
                     note: str | None, data: dict[str, Any]) -> str:
        """Approve or reject; returns the notice shown to the reviewer (raises Invalid)."""
        tg_id = (query or message).from_user.id
        actor = await actor_user(session, data.get("user"), tg_id, ctx.locale)
        await D.review(session, practice, unit, ctx.access, actor, approve, note, ctx.now)
        await audit(session, "practice.approved" if approve else "practice.rejected", actor.id, "practice",
                    practice.id, unit_id=unit.id, with_note=bool(practice.review_note))
        return ctx.t("bk-approved" if approve else "bk-rejected", title=practice.title)

    @router.callback_query(BkReview.filter())
    async def review(query: CallbackQuery, callback_data: BkReview, session: AsyncSession, state: FSMContext,
                     **data: Any) -> None:
        loaded = await load_practice(query, session, data, callback_data.id)
        if loaded is None:
            return
        ctx, viewer, practice, unit = loaded
        if callback_data.a not in ("a", "r") or not D.can_review(ctx.access, unit, practice, viewer.user_id):
            return await refuse(query, ctx)
        if practice.status != D.PENDING:
            notice = invalid_text(ctx, Invalid("not-pending"))
            await show(query, practice_view(ctx, viewer, practice, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        if callback_data.a == "r":
            await state.set_state(PracticeForm.note)
            text, markup = step_view(ctx, PracticeForm.note.state, {}, unit.name)
            await show(query, (ctx.t("bk-reject-for", title=practice.title) + "\n\n" + text, markup))
            await state.update_data(bk_pid=practice.id, bk_mid=query.message.message_id if query.message else None)
            return await query.answer()
        notice = await decide(query, None, session, ctx, viewer, practice, unit, True, None, data)
        await show(query, practice_view(ctx, viewer, practice, unit, notice=notice))
        await query.answer(notice)

    # -----------------------------------------------------------------------------------------
    # submitting
    # -----------------------------------------------------------------------------------------
    @router.callback_query(BkNew.filter())
    async def new(query: CallbackQuery, callback_data: BkNew, session: AsyncSession, state: FSMContext,
                  **data: Any) -> None:
        loaded = await load_region(query, session, data, callback_data.r)
        if loaded is None:
            return
        ctx, _, region = loaded
        if not may_submit(ctx, region.id):
            return await refuse(query, ctx)
        if callback_data.u:
            seen = await unit_in_access(session, ctx.access, callback_data.u)
            unit = D.submission_unit(ctx.access, seen) if seen is not None else None
        else:
            candidates = [region] if ctx.access.is_admin else roots_in_region(ctx, region.id)
            if len(candidates) > 1:
                rows = [[btn(u.name, BkNew(r=region.id, u=u.id))] for u in candidates]
                rows.append([btn(ctx.t("bk-btn-home"), BkHome(r=region.id))])
                await show(query, (ctx.t("bk-ask-unit"), kb(rows)))
                return await query.answer()
            unit = candidates[0] if candidates else None
        if unit is None or D.region_id_of(unit) != region.id:
            return await refuse(query, ctx)
        await state.set_state(PracticeForm.title)
        text, markup = step_view(ctx, PracticeForm.title.state, {}, unit.name)
        await show(query, (text, markup))
        await state.update_data(bk_u=unit.id, bk_r=region.id, bk_title=None, bk_form=None, bk_desc=None,
                                bk_mid=query.message.message_id if query.message else None)
        await query.answer()

    async def dialog_unit(session: AsyncSession, ctx: Ctx, fsm: dict[str, Any]) -> Unit | None:
        """The submission's unit, while the actor still curates it (or is an administrator)."""
        uid = fsm.get("bk_u")
        if not isinstance(uid, int) or not ctx.access.any:
            return None
        unit = await unit_in_access(session, ctx.access, uid)
        if unit is None or D.submission_unit(ctx.access, unit) is None:
            return None
        return unit

    async def next_prompt(message: Message, state: FSMContext, ctx: Ctx, fsm: dict[str, Any], unit: Unit,
                          next_state: str) -> None:
        await state.set_state(next_state)
        text, markup = step_view(ctx, next_state, fsm, unit.name)
        sent = await message.answer(text, reply_markup=markup)
        fsm["bk_mid"] = sent.message_id
        await state.set_data(fsm)

    async def finish(message: Message, session: AsyncSession, state: FSMContext, ctx: Ctx, unit: Unit,
                     fsm: dict[str, Any], file: D.FileInfo | None, data: dict[str, Any], tg_id: int) -> None:
        actor = await actor_user(session, data.get("user"), tg_id, ctx.locale)
        try:
            practice = await D.submit(session, unit=unit, user=actor, title=fsm.get("bk_title") or "",
                                      form=fsm.get("bk_form") or "", description=fsm.get("bk_desc") or "",
                                      file=file, now=ctx.now, admin_tg_ids=list(ctx.settings.admin_ids))
        except Invalid as exc:  # the dialog's data went stale: start again
            await end_dialog(state, PracticeForm, PREFIX)
            await message.answer(invalid_text(ctx, exc))
            return
        await audit(session, "practice.submitted", actor.id, "practice", practice.id, unit_id=unit.id,
                    form=practice.form, with_file=file is not None)
        await end_dialog(state, PracticeForm, PREFIX)
        viewer = D.Viewer(access=ctx.access, user_id=actor.id)
        notice = ctx.t("bk-submitted", title=practice.title)
        text, markup = practice_view(ctx, viewer, practice, unit, notice=notice)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(BkStep.filter())
    async def step(query: CallbackQuery, callback_data: BkStep, session: AsyncSession, state: FSMContext,
                   **data: Any) -> None:
        ctx, viewer = await context(session, data)
        cb = callback_data
        state_name = await state.get_state()
        fsm = await state.get_data()
        message_id = query.message.message_id if query.message else None
        if not (state_name or "").startswith(f"{PracticeForm.__name__}:") or message_id != fsm.get("bk_mid"):
            return await query.answer(ctx.t("bk-stale"), show_alert=True)
        if state_name == PracticeForm.note.state:
            return await note_step(query, cb, session, state, ctx, viewer, fsm, data)
        unit = await dialog_unit(session, ctx, fsm)
        if unit is None:
            await end_dialog(state, PracticeForm, PREFIX)
            return await refuse(query, ctx)
        if cb.a == "x":
            await end_dialog(state, PracticeForm, PREFIX)
            region = await session.get(Unit, D.region_id_of(unit))
            await show(query, await home_view(session, ctx, viewer, region, notice=ctx.t("bk-cancelled")))
            return await query.answer()
        if cb.a == "f" and state_name == PracticeForm.form.state:
            try:
                fsm["bk_form"] = D.check_form(cb.v)
            except Invalid:
                return await query.answer(ctx.t("bk-bad-button"), show_alert=True)
            await state.set_state(PracticeForm.description)
            text, markup = step_view(ctx, PracticeForm.description.state, fsm, unit.name)
            await show(query, (ctx.t("bk-chosen-form", form=form_name(ctx, fsm["bk_form"])) + "\n\n" + text, markup))
            await state.set_data(fsm)
            return await query.answer()
        if cb.a == "s" and state_name == PracticeForm.file.state and isinstance(query.message, Message):
            await show(query, (ctx.t("bk-file-skipped"), kb([])))
            await finish(query.message, session, state, ctx, unit, fsm, None, data, query.from_user.id)
            return await query.answer()
        await query.answer(ctx.t("bk-stale"), show_alert=True)

    async def note_step(query: CallbackQuery, cb: BkStep, session: AsyncSession, state: FSMContext, ctx: Ctx,
                        viewer: D.Viewer, fsm: dict[str, Any], data: dict[str, Any]) -> None:
        found = await D.practice_for_viewer(session, viewer, int(fsm.get("bk_pid") or 0))
        if found is None or cb.a not in ("x", "n"):
            await end_dialog(state, PracticeForm, PREFIX)
            return await refuse(query, ctx)
        practice, unit = found
        await end_dialog(state, PracticeForm, PREFIX)
        if cb.a == "x":
            await show(query, practice_view(ctx, viewer, practice, unit))
            return await query.answer()
        try:
            notice = await decide(query, None, session, ctx, viewer, practice, unit, False, None, data)
        except Invalid as exc:
            notice = invalid_text(ctx, exc)
        await show(query, practice_view(ctx, viewer, practice, unit, notice=notice))
        await query.answer(notice)

    @router.message(StateFilter(PracticeForm.note), F.text)
    async def note_text(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx, viewer = await context(session, data)
        if message.text.startswith("/"):
            await message.answer(ctx.t("bk-text-expected"))
            return
        fsm = await state.get_data()
        found = await D.practice_for_viewer(session, viewer, int(fsm.get("bk_pid") or 0))
        if found is None:
            await end_dialog(state, PracticeForm, PREFIX)
            await message.answer(ctx.t("bk-not-found"))
            return
        practice, unit = found
        try:
            D.parse_note(message.text)
            notice = await decide(None, message, session, ctx, viewer, practice, unit, False, message.text, data)
        except Invalid as exc:
            if exc.code == "note-long":
                await message.answer(invalid_text(ctx, exc))
                return
            notice = invalid_text(ctx, exc)
        await end_dialog(state, PracticeForm, PREFIX)
        text, markup = practice_view(ctx, viewer, practice, unit, notice=notice)
        await message.answer(text, reply_markup=markup)

    @router.message(StateFilter(*TEXT_STATES), F.text)
    async def text_step(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        fsm = await state.get_data()
        unit = await dialog_unit(session, ctx, fsm)
        if unit is None:
            await end_dialog(state, PracticeForm, PREFIX)
            await message.answer(ctx.t("bk-not-found"))
            return
        if message.text.startswith("/"):
            await message.answer(ctx.t("bk-text-expected"))
            return
        try:
            if await state.get_state() == PracticeForm.title.state:
                fsm["bk_title"] = D.parse_title(message.text)
                next_state = PracticeForm.form.state
            else:
                fsm["bk_desc"] = D.parse_description(message.text)
                next_state = PracticeForm.file.state
        except Invalid as exc:
            await message.answer(invalid_text(ctx, exc))
            return
        await next_prompt(message, state, ctx, fsm, unit, next_state)

    @router.message(StateFilter(PracticeForm.file), F.document | F.photo)
    async def file_step(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        fsm = await state.get_data()
        unit = await dialog_unit(session, ctx, fsm)
        if unit is None:
            await end_dialog(state, PracticeForm, PREFIX)
            await message.answer(ctx.t("bk-not-found"))
            return
        try:
            if message.document is not None:
                doc = message.document
                file = D.check_file(doc.file_id, doc.file_name, doc.mime_type, doc.file_size)
                D.check_content(file, await fetch(message, file))
            else:
                largest = max(message.photo, key=lambda ph: (ph.width * ph.height, ph.file_size or 0))
                file = D.check_photo(largest.file_id, largest.file_size)
        except Invalid as exc:
            log.info("practice file refused (%s) for user %s", exc.code, message.from_user.id)
            await message.answer(invalid_text(ctx, exc) + "\n\n" + ctx.t("bk-file-again"))
            return
        await finish(message, session, state, ctx, unit, fsm, file, data, message.from_user.id)

    @router.message(StateFilter(PracticeForm.file))
    async def file_expected(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        await message.answer(ctx.t("bk-file-expected"))

    @router.message(StateFilter(PracticeForm.form))
    async def form_expected(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        fsm = await state.get_data()
        unit = await dialog_unit(session, ctx, fsm)
        if unit is None:
            await end_dialog(state, PracticeForm, PREFIX)
            await message.answer(ctx.t("bk-not-found"))
            return
        await message.answer(ctx.t("bk-use-buttons"))
        await next_prompt(message, state, ctx, fsm, unit, PracticeForm.form.state)

    @router.message(StateFilter(PracticeForm))
    async def text_expected(message: Message, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        await message.answer(ctx.t("bk-text-expected"))

    return router
