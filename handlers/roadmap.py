"""Roadmaps in the curator menu: a unit's items, one item with its actions, the
"add an item" dialog, and what is overdue in the units below (domain/roadmap.py does the work).

The conventions of handlers/curator.py: access is computed fresh on every update; an item is
reached through its unit (``domain.roadmap.item_in_access``); anything outside the actor's
subtree, missing or forged gets the same "not found or not yours" alert and changes nothing.
Every change carries the item's ``version`` the curator saw: if someone changed it meanwhile,
the curator is told and sees the item as it is now. Text dialogs keep ids only in the FSM data
(keys ``rm_*``) and are registered in ``CURATOR_DIALOGS``, so menu navigation abandons them.
"""
from __future__ import annotations

import logging
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from aiogram import BaseMiddleware, F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import RoadmapItem, Unit, User
from domain import roadmap as R
from domain.curation import actor_user, clamp_page, pages, unit_in_access
from domain.people import audit
from domain.rules import Invalid
from handlers.callbacks import ProgrammeCb, RoadmapCb
from handlers.curator import CURATOR_DIALOGS, end_dialog, end_form, make_ctx, refuse, show
from handlers.curator_views import Ctx, CuNav, View, btn, kb, pager, short, unit_title, with_notice

log = logging.getLogger(__name__)

LIST_PAGE = 8
OVERDUE_PAGE = 6
OVERDUE_ITEMS_SHOWN = 3
PICK_PAGE = 8
PREFIX = "rm_"


# ---------------------------------------------------------------------------------------------
# callback data (prefixes "y*": roadmap; RoadmapCb "ya" lives in handlers/callbacks.py)
# ---------------------------------------------------------------------------------------------
class RmItem(CallbackData, prefix=R.CB_ITEM):
    """An item's view; p is the list page to come back to. Reminders pack it as R.item_callback."""

    id: int
    p: int = 0


class RmAct(CallbackData, prefix="yc"):
    """An action on item id seen at version v: c complete, o reopen, t edit title, d edit due
    date, r choose the responsible, x ask to cancel, y cancel (confirmed)."""

    id: int
    a: str
    v: int
    p: int = 0


class RmWho(CallbackData, prefix="yw"):
    """Make user u responsible for item id (seen at version v)."""

    id: int
    u: int
    v: int
    p: int = 0


class RmNew(CallbackData, prefix="yn"):
    """Start the "add an item" dialog on unit uid."""

    uid: int


class RmPick(CallbackData, prefix="yp"):
    """The add dialog's last step: user u is responsible for the new item of unit uid."""

    uid: int
    u: int


class RmX(CallbackData, prefix="yx"):
    """Abandon a roadmap dialog; back to item id (when set) or to unit uid's roadmap."""

    uid: int
    id: int = 0


class RmBelow(CallbackData, prefix="yo"):
    """What is overdue in the units below uid, paged by unit."""

    uid: int
    p: int = 0


class RmForm(StatesGroup):
    title = State()
    due = State()
    who = State()
    edit_title = State()
    edit_due = State()


CURATOR_DIALOGS.append((RmForm, PREFIX))  # the curator menu's navigation abandons it too
ACTIONS = ("c", "o", "t", "d", "r", "x", "y")


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
def day(d: date, ctx: Ctx) -> str:
    return R.fmt_day(d, ctx.locale)


async def today_of(session: AsyncSession, ctx: Ctx, unit: Unit) -> date:
    zone = await R.unit_zone(session, unit, ctx.settings.timezone)
    return ctx.now.astimezone(ZoneInfo(zone)).date()


def mark(item: RoadmapItem, today: date) -> str:
    if item.status == "done":
        return "✅"
    if item.status == "cancelled":
        return "✖"
    return "⚠️" if R.is_overdue(item, today) else "⏳"


def invalid_text(ctx: Ctx, exc: Invalid) -> str:
    return ctx.t(f"rm-invalid-{exc.code}", **exc.params)


async def name_of(session: AsyncSession, user_id: int | None) -> str:
    user = await session.get(User, user_id) if user_id else None
    return (user.full_name or "—") if user is not None and user.erased_at is None else "—"


class EndDialogOnNavigation(BaseMiddleware):
    """Any roadmap button but the dialog's own abandons a half-done roadmap dialog."""

    KEEP = (RmPick.__prefix__,)

    async def __call__(self, handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if state is not None and isinstance(event, CallbackQuery) and \
                (event.data or "").split(":", 1)[0] not in self.KEEP:
            await end_form(state)
        return await handler(event, data)


# ---------------------------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------------------------
async def list_view(session: AsyncSession, ctx: Ctx, unit: Unit, page: int = 0, notice: str | None = None) -> View:
    today = await today_of(session, ctx, unit)
    items, total = await R.list_items(session, unit, max(page, 0), LIST_PAGE)
    total_pages = pages(total, LIST_PAGE)
    if page >= total_pages or page < 0:
        page = clamp_page(page, total, LIST_PAGE)
        items, total = await R.list_items(session, unit, page, LIST_PAGE)
    lines = [ctx.t("rm-title", unit=unit_title(ctx, unit))]
    lines.append(ctx.t("rm-count", n=total) if total else ctx.t("rm-empty"))
    lines.append("")
    rows = []
    for item in items:
        who = await name_of(session, item.responsible_user_id)
        lines.append(ctx.t("rm-line", mark=mark(item, today), date=day(item.due_on, ctx),
                           title=item.title, who=who))
        rows.append([btn(ctx.t("rm-btn-item", mark=mark(item, today), date=day(item.due_on, ctx),
                               title=short(item.title)), RmItem(id=item.id, p=page))])
    lines.append("")
    lines.append(ctx.t("rm-legend"))
    rows.append(pager(ctx, page, total_pages, lambda p: RoadmapCb(uid=unit.id, p=p)))
    rows.append([btn(ctx.t("rm-btn-add"), RmNew(uid=unit.id))])
    if unit.kind != "organisation":
        rows.append([btn(ctx.t("rm-btn-below"), RmBelow(uid=unit.id))])
    rows.append([btn(ctx.t("cur-btn-back-unit", name=unit.name), CuNav(id=unit.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


async def item_view(session: AsyncSession, ctx: Ctx, item: RoadmapItem, unit: Unit, page: int = 0,
                    notice: str | None = None) -> View:
    t = ctx.t
    today = await today_of(session, ctx, unit)
    status = "overdue" if R.is_overdue(item, today) else item.status
    lines = [
        t("rm-item-title", mark=mark(item, today), title=item.title),
        t("rm-field-unit", unit=unit_title(ctx, unit)),
        t("rm-field-due", date=day(item.due_on, ctx)),
        t("rm-field-status", status=t(f"rm-status-{status}")),
        t("rm-field-who", who=await name_of(session, item.responsible_user_id)),
        t("rm-field-kind", kind=t(f"rm-kind-{item.kind}")),
    ]
    if item.status == "done" and item.done_at is not None:  # the day it was done where the unit is
        zone = ZoneInfo(await R.unit_zone(session, unit, ctx.settings.timezone))
        lines.append(t("rm-field-done", date=day(item.done_at.astimezone(zone).date(), ctx),
                       who=await name_of(session, item.done_by_user_id)))
    v = item.version
    rows = []
    if item.status == "open":
        rows.append([btn(t("rm-btn-complete"), RmAct(id=item.id, a="c", v=v, p=page))])
        rows.append([btn(t("rm-btn-edit-title"), RmAct(id=item.id, a="t", v=v, p=page)),
                     btn(t("rm-btn-edit-due"), RmAct(id=item.id, a="d", v=v, p=page))])
        rows.append([btn(t("rm-btn-reassign"), RmAct(id=item.id, a="r", v=v, p=page)),
                     btn(t("rm-btn-cancel-item"), RmAct(id=item.id, a="x", v=v, p=page))])
    elif item.status == "done":
        rows.append([btn(t("rm-btn-reopen"), RmAct(id=item.id, a="o", v=v, p=page))])
    if item.programme_id is not None:  # a monitoring window: its programme is one tap away
        rows.append([btn(t("rm-btn-programme"), ProgrammeCb(pid=item.programme_id))])
    rows.append([btn(t("rm-btn-back-list"), RoadmapCb(uid=unit.id, p=page))])
    return with_notice("\n".join(lines), notice), kb(rows)


def cancel_confirm_view(ctx: Ctx, item: RoadmapItem, page: int) -> View:
    return ctx.t("rm-cancel-ask", title=item.title), kb([
        [btn(ctx.t("rm-btn-cancel-yes"), RmAct(id=item.id, a="y", v=item.version, p=page))],
        [btn(ctx.t("cur-btn-no"), RmItem(id=item.id, p=page))],
    ])


async def reassign_view(session: AsyncSession, ctx: Ctx, item: RoadmapItem, unit: Unit, page: int) -> View:
    people = (await R.candidates(session, unit))[:PICK_PAGE * 2]
    rows = [[btn(ctx.t("rm-btn-person", name=short(u.full_name or "—"),
                       mark=ctx.t("cur-mark") if u.id == item.responsible_user_id else ""),
                 RmWho(id=item.id, u=u.id, v=item.version, p=page))] for u in people]
    rows.append([btn(ctx.t("cur-btn-cancel"), RmItem(id=item.id, p=page))])
    return ctx.t("rm-reassign-ask", title=item.title), kb(rows)


def prompt_view(ctx: Ctx, key: str, unit: Unit, item_id: int = 0, **args: Any) -> View:
    return ctx.t(key, **args), kb([[btn(ctx.t("cur-btn-cancel"), RmX(uid=unit.id, id=item_id))]])


async def pick_view(session: AsyncSession, ctx: Ctx, unit: Unit, title: str, due: date) -> View:
    people = (await R.candidates(session, unit))[:PICK_PAGE * 2]
    rows = [[btn(ctx.t("rm-btn-person", name=short(u.full_name or "—"), mark=""), RmPick(uid=unit.id, u=u.id))]
            for u in people]
    rows.append([btn(ctx.t("cur-btn-cancel"), RmX(uid=unit.id))])
    return ctx.t("rm-ask-who", title=title, date=day(due, ctx)), kb(rows)


async def below_view(session: AsyncSession, ctx: Ctx, unit: Unit, page: int = 0) -> View:
    today = await today_of(session, ctx, unit)
    groups = await R.overdue_below(session, unit, today, now=ctx.now)
    total_pages = pages(len(groups), OVERDUE_PAGE)
    page = clamp_page(page, len(groups), OVERDUE_PAGE)
    shown = groups[page * OVERDUE_PAGE:(page + 1) * OVERDUE_PAGE]
    lines = [ctx.t("rm-below-title", unit=unit_title(ctx, unit))]
    count = sum(len(items) for _u, items in groups)
    lines.append(ctx.t("rm-below-count", units=len(groups), n=count, level=unit.kind)
                 if groups else ctx.t("rm-below-none"))
    rows = []
    for below, items in shown:
        lines.append("")
        lines.append(ctx.t("rm-below-unit", unit=below.name, n=len(items)))
        for item in items[:OVERDUE_ITEMS_SHOWN]:
            lines.append(ctx.t("rm-below-line", date=day(item.due_on, ctx), title=short(item.title, 60),
                               who=short(await name_of(session, item.responsible_user_id), 40)))
        if len(items) > OVERDUE_ITEMS_SHOWN:
            lines.append(ctx.t("rm-below-more", n=len(items) - OVERDUE_ITEMS_SHOWN))
        rows.append([btn(ctx.t("rm-btn-below-unit", unit=short(below.name), n=len(items)),
                         RoadmapCb(uid=below.id))])
    rows.append(pager(ctx, page, total_pages, lambda p: RmBelow(uid=unit.id, p=p)))
    rows.append([btn(ctx.t("rm-btn-back-list"), RoadmapCb(uid=unit.id))])
    return "\n".join(lines), kb(rows)


# ---------------------------------------------------------------------------------------------
# the router
# ---------------------------------------------------------------------------------------------
def build_router() -> Router:
    router = Router(name="roadmap")
    router.callback_query.middleware(EndDialogOnNavigation())

    async def opened(session: AsyncSession, ctx: Ctx, unit: Unit, data: dict[str, Any], tg_id: int) -> None:
        """Apply the template the first time, and bring the programmes' windows up to date."""
        if not await R.has_roadmap(session, unit):
            actor = await actor_user(session, data.get("user"), tg_id, ctx.locale)
            created = await R.ensure_roadmap(session, unit, actor, await today_of(session, ctx, unit), ctx.t,
                                             now=ctx.now)
            if created:
                await audit(session, "roadmap.created", actor.id, "unit", unit.id, items=created)
        await R.sync_windows(session, ctx.now, unit)

    @router.callback_query(RoadmapCb.filter())
    async def roadmap(query: CallbackQuery, callback_data: RoadmapCb, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid)
        if unit is None:
            return await refuse(query, ctx)
        await opened(session, ctx, unit, data, query.from_user.id)
        await show(query, await list_view(session, ctx, unit, callback_data.p))
        await query.answer()

    @router.callback_query(RmItem.filter())
    async def item(query: CallbackQuery, callback_data: RmItem, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        found = await R.item_in_access(session, ctx.access, callback_data.id)
        if found is None:
            return await refuse(query, ctx)
        it, unit = found
        await R.sync_windows(session, ctx.now, unit)
        await show(query, await item_view(session, ctx, it, unit, callback_data.p))
        await query.answer()

    @router.callback_query(RmBelow.filter())
    async def below(query: CallbackQuery, callback_data: RmBelow, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid)
        if unit is None or unit.kind == "organisation":
            return await refuse(query, ctx)
        await show(query, await below_view(session, ctx, unit, callback_data.p))
        await query.answer()

    # -----------------------------------------------------------------------------------------
    # actions on an item
    # -----------------------------------------------------------------------------------------
    @router.callback_query(RmAct.filter())
    async def act(query: CallbackQuery, callback_data: RmAct, session: AsyncSession, state: FSMContext,
                  **data: Any) -> None:
        ctx = await make_ctx(session, data)
        cb = callback_data
        found = await R.item_in_access(session, ctx.access, cb.id)
        if found is None or cb.a not in ACTIONS:
            return await refuse(query, ctx)
        it, unit = found
        if it.version != cb.v:  # someone changed it since this screen was drawn
            notice = ctx.t("rm-invalid-stale")
            await show(query, await item_view(session, ctx, it, unit, cb.p, notice=notice))
            return await query.answer(notice, show_alert=True)
        if cb.a == "x":
            if it.status != "open":
                return await query.answer(ctx.t("rm-invalid-not-open"), show_alert=True)
            await show(query, cancel_confirm_view(ctx, it, cb.p))
            return await query.answer()
        if cb.a == "r":
            if it.status != "open":
                return await query.answer(ctx.t("rm-invalid-not-open"), show_alert=True)
            await show(query, await reassign_view(session, ctx, it, unit, cb.p))
            return await query.answer()
        if cb.a in ("t", "d"):
            if it.status != "open":
                return await query.answer(ctx.t("rm-invalid-not-open"), show_alert=True)
            await state.set_state(RmForm.edit_title if cb.a == "t" else RmForm.edit_due)
            await state.update_data(rm_uid=unit.id, rm_item=it.id, rm_ver=it.version, rm_p=cb.p)
            key = "rm-ask-new-title" if cb.a == "t" else "rm-ask-new-due"
            await show(query, prompt_view(ctx, key, unit, it.id, title=it.title, date=day(it.due_on, ctx)))
            return await query.answer()
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        try:
            if cb.a == "c":
                await R.complete(session, it, cb.v, actor.id, ctx.now)
                action, notice = "roadmap.completed", ctx.t("rm-done")
            elif cb.a == "o":
                await R.reopen(session, it, cb.v, ctx.now)
                action, notice = "roadmap.reopened", ctx.t("rm-reopened")
            else:  # "y": cancel, confirmed
                await R.cancel(session, it, cb.v, ctx.now)
                action, notice = "roadmap.cancelled", ctx.t("rm-cancelled")
        except Invalid as exc:
            notice = invalid_text(ctx, exc)
            await show(query, await item_view(session, ctx, it, unit, cb.p, notice=notice))
            return await query.answer(notice, show_alert=True)
        await audit(session, action, actor.id, "roadmap_item", it.id, unit_id=unit.id)
        await show(query, await item_view(session, ctx, it, unit, cb.p, notice=notice))
        await query.answer(notice)

    @router.callback_query(RmWho.filter())
    async def who(query: CallbackQuery, callback_data: RmWho, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        cb = callback_data
        found = await R.item_in_access(session, ctx.access, cb.id)
        if found is None:
            return await refuse(query, ctx)
        it, unit = found
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        try:
            await R.reassign(session, it, unit, cb.u, cb.v, ctx.now)
        except Invalid as exc:
            if exc.code == "responsible":  # a forged or revoked person: nothing changes
                return await refuse(query, ctx)
            notice = invalid_text(ctx, exc)
            await show(query, await item_view(session, ctx, it, unit, cb.p, notice=notice))
            return await query.answer(notice, show_alert=True)
        await audit(session, "roadmap.reassigned", actor.id, "roadmap_item", it.id, unit_id=unit.id, to=cb.u)
        notice = ctx.t("rm-reassigned", who=await name_of(session, cb.u))
        await show(query, await item_view(session, ctx, it, unit, cb.p, notice=notice))
        await query.answer(notice)

    # -----------------------------------------------------------------------------------------
    # dialogs: add an item; edit the title or the due date
    # -----------------------------------------------------------------------------------------
    @router.callback_query(RmNew.filter())
    async def new(query: CallbackQuery, callback_data: RmNew, session: AsyncSession, state: FSMContext,
                  **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid)
        if unit is None:
            return await refuse(query, ctx)
        await state.set_state(RmForm.title)
        await state.update_data(rm_uid=unit.id, rm_item=0, rm_title=None, rm_due=None)
        await show(query, prompt_view(ctx, "rm-ask-title", unit, max=R.TITLE_MAX))
        await query.answer()

    @router.callback_query(RmX.filter())
    async def abandon(query: CallbackQuery, callback_data: RmX, session: AsyncSession, state: FSMContext,
                      **data: Any) -> None:
        ctx = await make_ctx(session, data)
        await end_dialog(state, RmForm, PREFIX)
        if callback_data.id:
            found = await R.item_in_access(session, ctx.access, callback_data.id)
            if found is None:
                return await refuse(query, ctx)
            await show(query, await item_view(session, ctx, *found, notice=ctx.t("rm-dialog-cancelled")))
            return await query.answer()
        unit = await unit_in_access(session, ctx.access, callback_data.uid)
        if unit is None:
            return await refuse(query, ctx)
        await show(query, await list_view(session, ctx, unit, notice=ctx.t("rm-dialog-cancelled")))
        await query.answer()

    async def dialog_unit(session: AsyncSession, ctx: Ctx, state: FSMContext) -> tuple[Unit | None, dict[str, Any]]:
        form = await state.get_data()
        unit = await unit_in_access(session, ctx.access, int(form.get("rm_uid") or 0))
        return unit, form

    async def lost(message: Message, ctx: Ctx, state: FSMContext) -> None:
        await end_dialog(state, RmForm, PREFIX)
        await message.answer(ctx.t("cur-not-found"))

    @router.message(RmForm.title, F.text)
    async def got_title(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit, _form = await dialog_unit(session, ctx, state)
        if unit is None:
            return await lost(message, ctx, state)
        if message.text.startswith("/"):
            return await message.answer(ctx.t("rm-text-expected"))
        try:
            title = R.parse_title(message.text)
        except Invalid as exc:
            return await message.answer(invalid_text(ctx, exc))
        await state.set_state(RmForm.due)
        await state.update_data(rm_title=title)
        text, markup = prompt_view(ctx, "rm-ask-due", unit, example=day(await today_of(session, ctx, unit), ctx))
        await message.answer(text, reply_markup=markup)

    @router.message(RmForm.due, F.text)
    async def got_due(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit, form = await dialog_unit(session, ctx, state)
        if unit is None or not form.get("rm_title"):
            return await lost(message, ctx, state)
        try:
            due = R.parse_due(message.text, await today_of(session, ctx, unit))
        except Invalid as exc:
            return await message.answer(invalid_text(ctx, exc))
        await state.set_state(RmForm.who)
        await state.update_data(rm_due=due.isoformat())
        text, markup = await pick_view(session, ctx, unit, form["rm_title"], due)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(RmPick.filter())
    async def picked(query: CallbackQuery, callback_data: RmPick, session: AsyncSession, state: FSMContext,
                     **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid)
        if unit is None:
            if (await state.get_data()).get("rm_uid") == callback_data.uid:  # own dialog, role gone
                await end_dialog(state, RmForm, PREFIX)
            return await refuse(query, ctx)
        form = await state.get_data()
        if await state.get_state() != RmForm.who.state or form.get("rm_uid") != unit.id \
                or not form.get("rm_title") or not form.get("rm_due"):  # an abandoned dialog's button
            return await query.answer(ctx.t("cur-stale"), show_alert=True)
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        today = await today_of(session, ctx, unit)
        try:
            it = await R.add_item(session, unit, title=form["rm_title"], due=date.fromisoformat(form["rm_due"]),
                                  responsible_user_id=callback_data.u, actor_id=actor.id, today=today, now=ctx.now)
        except Invalid as exc:
            if exc.code == "responsible":
                return await refuse(query, ctx)
            # e.g. the date slipped into the past while the dialog waited: ask for it again
            notice = invalid_text(ctx, exc)
            await state.set_state(RmForm.due)
            text, markup = prompt_view(ctx, "rm-ask-due", unit, example=day(today, ctx))
            await show(query, (with_notice(text, notice), markup))
            return await query.answer(notice, show_alert=True)
        await audit(session, "roadmap.added", actor.id, "roadmap_item", it.id, unit_id=unit.id)
        await end_dialog(state, RmForm, PREFIX)
        await show(query, await item_view(session, ctx, it, unit, notice=ctx.t("rm-added")))
        await query.answer()

    async def dialog_item(session: AsyncSession, ctx: Ctx, state: FSMContext
                          ) -> tuple[RoadmapItem | None, Unit | None, dict[str, Any]]:
        form = await state.get_data()
        found = await R.item_in_access(session, ctx.access, int(form.get("rm_item") or 0))
        if found is None:
            return None, None, form
        return found[0], found[1], form

    async def edited(message: Message, session: AsyncSession, state: FSMContext, data: dict[str, Any],
                     change) -> None:
        ctx = await make_ctx(session, data)
        it, unit, form = await dialog_item(session, ctx, state)
        if it is None or unit is None:
            return await lost(message, ctx, state)
        if message.text.startswith("/"):
            return await message.answer(ctx.t("rm-text-expected"))
        try:
            await change(ctx, it, unit, int(form.get("rm_ver") or 0))
        except Invalid as exc:
            if exc.code in ("stale", "not-open"):
                await end_dialog(state, RmForm, PREFIX)
                text, markup = await item_view(session, ctx, it, unit, int(form.get("rm_p") or 0),
                                               notice=invalid_text(ctx, exc))
                return await message.answer(text, reply_markup=markup)
            return await message.answer(invalid_text(ctx, exc))  # the dialog goes on
        actor = await actor_user(session, data.get("user"), message.from_user.id, ctx.locale)
        await audit(session, "roadmap.edited", actor.id, "roadmap_item", it.id, unit_id=unit.id)
        await end_dialog(state, RmForm, PREFIX)
        text, markup = await item_view(session, ctx, it, unit, int(form.get("rm_p") or 0), notice=ctx.t("rm-saved"))
        await message.answer(text, reply_markup=markup)

    @router.message(RmForm.edit_title, F.text)
    async def got_new_title(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        async def change(ctx: Ctx, it: RoadmapItem, unit: Unit, version: int) -> None:
            await R.edit_title(session, it, message.text, version, ctx.now)

        await edited(message, session, state, data, change)

    @router.message(RmForm.edit_due, F.text)
    async def got_new_due(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        async def change(ctx: Ctx, it: RoadmapItem, unit: Unit, version: int) -> None:
            await R.edit_due(session, it, message.text, version, await today_of(session, ctx, unit), ctx.now)

        await edited(message, session, state, data, change)

    @router.message(RmForm.who)
    async def who_expected(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit, _form = await dialog_unit(session, ctx, state)
        if unit is None:  # the role was revoked meanwhile: the dialog is over, not stuck
            return await lost(message, ctx, state)
        await message.answer(ctx.t("rm-who-expected"))

    @router.message(RmForm.title)
    @router.message(RmForm.due)
    @router.message(RmForm.edit_title)
    @router.message(RmForm.edit_due)
    async def text_expected(message: Message, **data: Any) -> None:
        await message.answer(data["t"]("rm-text-expected"))

    return router
