"""A curator's "needs your attention" (domain/attention.py): the list at the top of /curator, the
whole list, the buttons of a summary, and a unit's pairs at risk.

Screens and buttons:

* the block at the top of ``/curator`` (:func:`with_attention`): open items grouped by kind with
  counts and short lines, a button per item (or per group when there are many), "the whole list";
* the list (``nl:<kind | ->:<page>:<s | m>``), paged: each item opens (``na``) or is taken off (``nd``);
  "clear what was for your information" (``nx``);
* an item (``na:<id>:<s | m>``): the screen where the curator acts on it (the pair, the pairs
  awaiting answers, the programme's pairs, the awaiting-consent list, the registrations, the
  roadmap item), else its notice with its buttons; ``s`` (from a summary) answers with a new
  message, ``m`` (from the menu) in place. Informational items are done once opened;
* a group (``ng:<kind>:<s | m>``): pairs at risk and "not a good match" open the unit's pairs at
  risk, other kinds the list of that kind;
* a unit's pairs at risk (``nu:<unit>:<page>``, from the unit menu): every programme of the
  subtree, paged, each pair with its programme and why, a button to the pair.

Items are a curator's own: another id, or an item whose unit left the curator's scope, gets the
polite "not found or not yours", like any forged button.
"""
from __future__ import annotations

import logging
from typing import Any

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AttentionItem, Pair, Unit, User
from domain import attention, checkins, pairing
from domain import roadmap as R
from domain.curation import clamp_page, pages, unit_in_access
from domain.programmes import programme_in_access
from handlers.callbacks import UnitRiskCb
from handlers.curator import make_ctx, refuse, show
from handlers.curator_views import Ctx, CuNav, View, btn, kb, pager, short, with_notice

log = logging.getLogger(__name__)

LIST_PAGE = 8
RISK_PAGE = 8
HEAD_LINES = 3  # lines per group at the top of /curator
HEAD_BUDGET = 1500  # characters of that block (the menu below it must still fit)
NAME_MAX = 40
RISK_KINDS = ("risk", "fit")  # their group opens the unit's pairs at risk
SOURCES = ("s", "m")


class AtOpen(CallbackData, prefix=attention.CB_OPEN):
    """An item: s = from a summary (a new message), m = in the menu (in place)."""

    id: int
    s: str = "m"


class AtGroup(CallbackData, prefix=attention.CB_GROUP):
    """A group of items by kind."""

    k: str
    s: str = "m"


class AtList(CallbackData, prefix=attention.CB_LIST):
    """The list of open items (k: a kind, or "-" for all), paged; s as for AtOpen."""

    k: str = "-"
    p: int = 0
    s: str = "m"


class AtDismiss(CallbackData, prefix="nd"):
    """Take an item off the list; k/p bring the list back as it was."""

    id: int
    k: str = "-"
    p: int = 0


class AtReadAll(CallbackData, prefix="nx"):
    """Take every informational item off the list."""

    k: str = "-"


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------
async def items_of(session: AsyncSession, ctx: Ctx, user: User | None, kind: str | None = None
                   ) -> list[AttentionItem]:
    """The curator's open items in their current reach (live)."""
    if user is None or not ctx.access.any:
        return []
    return await attention.open_items(session, user.id, ctx.now, scope_paths=[u.path for u in ctx.access.roots],
                                      admin=ctx.access.is_admin, kind=kind)


def _kind_ok(k: str) -> bool:
    return k == "-" or (0 < len(k) <= 16 and k.replace("-", "").isalnum() and k.isascii())


# ---------------------------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------------------------
async def with_attention(session: AsyncSession, ctx: Ctx, user: User | None, view: View) -> View:
    """``/curator``'s view with the open items on top (nothing when there are none)."""
    items = await items_of(session, ctx, user)
    if not items:
        return view
    text, markup = view
    written = attention.block(ctx.t, items, per_group=HEAD_LINES, budget=HEAD_BUDGET)
    head = [ctx.t("att-title", n=len(items)), *written.lines]
    rows: list[list[InlineKeyboardButton]] = [[btn(label, AtOpen(id=item_id))] for item_id, label in written.items]
    rows.extend([btn(attention.heading_of(ctx.t, kind, n), AtGroup(k=kind))] for kind, n in written.groups)
    rows.append([btn(ctx.t("att-btn-all", n=len(items)), AtList())])
    return "\n".join(head) + "\n\n" + text, InlineKeyboardMarkup(inline_keyboard=[*rows, *markup.inline_keyboard])


async def list_view(session: AsyncSession, ctx: Ctx, user: User | None, kind: str = "-", page: int = 0,
                    notice: str | None = None) -> View:
    found = await items_of(session, ctx, user, None if kind == "-" else kind)
    counts = {k: len(members) for k, members in attention.groups_of(found)}
    items = [i for _, members in attention.groups_of(found) for i in members]  # by group, newest first
    page = clamp_page(page, len(items), LIST_PAGE)
    shown = items[page * LIST_PAGE:(page + 1) * LIST_PAGE]
    title = ctx.t("att-title", n=len(items)) if kind == "-" else attention.heading_of(ctx.t, kind, len(items))
    lines = [title]
    rows: list[list[InlineKeyboardButton]] = []
    if not items:
        lines.append(ctx.t("att-empty"))
    else:
        lines.append(ctx.t("att-list-hint"))
        lines.append("")
        first = page * LIST_PAGE
        heading = None
        for n, item in enumerate(shown, start=first + 1):
            if kind == "-" and item.kind != heading:
                heading = item.kind
                lines.append(attention.heading_of(ctx.t, item.kind, counts[item.kind]))
            lines.append(f"{n}. {attention.line_of(ctx.t, item)}")
            rows.append([btn(f"{n}. {attention.label_of(ctx.t, item)}", AtOpen(id=item.id)),
                         btn(ctx.t("att-btn-dismiss"), AtDismiss(id=item.id, k=kind, p=page))])
    rows.append(pager(ctx, page, pages(len(items), LIST_PAGE), lambda p: AtList(k=kind, p=p)))
    if any(attention.spec_of(i.kind).fyi for i in items):
        rows.append([btn(ctx.t("att-btn-read-all"), AtReadAll(k=kind))])
    rows.append([btn(ctx.t("att-btn-back"), CuNav(id=0))])
    return with_notice("\n".join(lines), notice), kb(rows)


def notice_view(ctx: Ctx, item: AttentionItem) -> View:
    """The item as its own message said it, with its buttons."""
    rows = []
    for spec_row in ([] if attention.emptied(item) else item.buttons or []):
        row = []
        for spec in spec_row:
            label = ctx.t(spec["text_key"], **attention.shown_args(ctx.t, spec.get("args")))
            if spec.get("url") is not None:
                row.append(InlineKeyboardButton(text=label, url=spec["url"]))
            else:
                row.append(InlineKeyboardButton(text=label, callback_data=spec["callback_data"]))
        rows.append(row)
    rows.append([btn(ctx.t("att-btn-list"), AtList())])
    return attention.notice_of(ctx.t, item), kb(rows)


def _ref_id(ref: str, letter: str) -> int | None:
    head = ref.split(":", 1)[0]
    return int(head[1:]) if head[:1] == letter and head[1:].isdigit() else None


async def target_view(session: AsyncSession, ctx: Ctx, item: AttentionItem, state: FSMContext,
                      data: dict[str, Any]) -> View:
    """The screen where the curator acts on the item; its notice when there is none (or it is
    out of reach)."""
    from handlers import curator_views as v
    from handlers import monitoring, roadmap
    from handlers import pairing as pairing_views
    from handlers.curator import awaiting_list

    kind, ref = item.kind, item.ref
    pair_id = _ref_id(ref, "p")
    if pair_id is not None and kind in ("risk", "fit", "started", "silent", "withdrawn"):
        pair = await session.scalar(select(Pair).where(Pair.id == pair_id).execution_options(populate_existing=True))
        found = await programme_in_access(session, ctx.access, pair.programme_id) if pair is not None else None
        if found is not None:
            programme, unit = found
            if kind == "silent":
                return await pairing_views.waiting_view(session, ctx, programme, unit, 0)
            if kind == "withdrawn":
                return await pairing_views.pairs_view(session, ctx, programme, unit)
            return await monitoring.pair_view(session, ctx, pair, programme, unit)
    elif kind in ("consent", "joined") and item.unit_id is not None:
        unit = await unit_in_access(session, ctx.access, item.unit_id)
        if unit is not None and kind == "consent" and unit.kind == "organisation":
            return await awaiting_list(session, ctx, state, data, unit, "a", 0, int(ctx.now.timestamp()))
        if unit is not None and kind == "joined":
            if unit.kind == "organisation":
                return await v.participants_view(session, ctx, unit, "a", "a", 0)
            return await v.unit_view(session, ctx, unit)
    elif kind in ("deadline", "below") and (item_id := _ref_id(ref, "y")) is not None:
        found = await R.item_in_access(session, ctx.access, item_id)
        if found is not None:
            return await roadmap.item_view(session, ctx, *found)
    return notice_view(ctx, item)


async def unit_risk_view(session: AsyncSession, ctx: Ctx, unit: Unit, page: int = 0) -> View:
    """Every pair at risk in the programmes of the unit's subtree, paged."""
    from handlers.monitoring import RiskOpen, risk_words

    found = await checkins.subtree_at_risk(session, unit.path, ctx.now, default_tz=ctx.settings.timezone)
    page = clamp_page(page, len(found), RISK_PAGE)
    shown = found[page * RISK_PAGE:(page + 1) * RISK_PAGE]
    lines = [ctx.t("att-risk-title", unit=unit.name),
             ctx.t("att-risk-found", n=len(found)) if found else ctx.t("att-risk-none")]
    rows: list[list[InlineKeyboardButton]] = []
    if shown:
        lines.append("")
    for n, (pair, programme, alerts) in enumerate(shown, start=page * RISK_PAGE + 1):
        mentor, mentees = await pairing.people_of(session, pair)
        m_name = short(mentor.name, NAME_MAX) if mentor else "—"
        e_names = short(", ".join(m.name for _, m in mentees), NAME_MAX) or "—"
        lines.append(ctx.t("att-risk-line", n=n, mentor=m_name, mentees=e_names,
                           programme=short(programme.title, 60), reasons=risk_words(ctx, alerts)))
        rows.append([btn(ctx.t("att-risk-btn-pair", n=n, mentor=m_name, mentees=e_names), RiskOpen(id=pair.id))])
    rows.append(pager(ctx, page, pages(len(found), RISK_PAGE), lambda p: UnitRiskCb(uid=unit.id, p=p)))
    rows.append([btn(ctx.t("cur-btn-back-unit", name=short(unit.name, NAME_MAX)), CuNav(id=unit.id))])
    return "\n".join(lines), kb(rows)


async def _send_new(query: CallbackQuery, view: View) -> None:
    text, markup = view
    await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


# ---------------------------------------------------------------------------------------------
# the router
# ---------------------------------------------------------------------------------------------
def build_router() -> Router:
    router = Router(name="attention")

    @router.callback_query(AtOpen.filter(F.s.in_(set(SOURCES))))
    async def open_item(query: CallbackQuery, callback_data: AtOpen, session: AsyncSession, state: FSMContext,
                        **data: Any) -> None:
        ctx = await make_ctx(session, data)
        user: User | None = data.get("user")
        item = await attention.item_of(session, user.id, callback_data.id) \
            if user is not None and ctx.access.any else None
        if item is not None and item.unit_id is not None and not ctx.access.is_admin \
                and await unit_in_access(session, ctx.access, item.unit_id) is None:
            item = None  # the curator's scope no longer holds it
        if item is None:
            return await refuse(query, ctx)
        still = await attention.is_open(session, item, ctx.now)
        view = await target_view(session, ctx, item, state, data)
        if still:
            await attention.mark_seen(session, item, ctx.now)
        notice = None if still else ctx.t("att-resolved")
        if callback_data.s == "s":
            await _send_new(query, view)
        else:
            await show(query, view)
        await query.answer(notice)

    @router.callback_query(AtGroup.filter(F.s.in_(set(SOURCES))))
    async def open_group(query: CallbackQuery, callback_data: AtGroup, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        if not ctx.access.any or not _kind_ok(callback_data.k) or callback_data.k == "-":
            return await refuse(query, ctx)
        view: View | None = None
        if callback_data.k in RISK_KINDS and not ctx.access.is_admin:
            roots = ctx.access.menu_roots
            if len(roots) == 1:
                view = await unit_risk_view(session, ctx, roots[0])
        if view is None:
            view = await list_view(session, ctx, data.get("user"), callback_data.k)
        if callback_data.s == "s":
            await _send_new(query, view)
        else:
            await show(query, view)
        await query.answer()

    @router.callback_query(AtList.filter(F.s.in_(set(SOURCES))))
    async def open_list(query: CallbackQuery, callback_data: AtList, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        if not ctx.access.any or not _kind_ok(callback_data.k):
            return await refuse(query, ctx)
        view = await list_view(session, ctx, data.get("user"), callback_data.k, callback_data.p)
        if callback_data.s == "s":
            await _send_new(query, view)  # under a summary: the summary stays
        else:
            await show(query, view)
        await query.answer()

    @router.callback_query(AtDismiss.filter())
    async def dismiss(query: CallbackQuery, callback_data: AtDismiss, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        user: User | None = data.get("user")
        item = await attention.item_of(session, user.id, callback_data.id) \
            if user is not None and ctx.access.any and _kind_ok(callback_data.k) else None
        if item is None:
            return await refuse(query, ctx)
        done = await attention.dismiss(session, item, ctx.now)
        notice = ctx.t("att-dismissed") if done else ctx.t("att-resolved")
        await show(query, await list_view(session, ctx, user, callback_data.k, callback_data.p, notice=notice))
        await query.answer(notice)

    @router.callback_query(AtReadAll.filter())
    async def read_all(query: CallbackQuery, callback_data: AtReadAll, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        user: User | None = data.get("user")
        if user is None or not ctx.access.any or not _kind_ok(callback_data.k):
            return await refuse(query, ctx)
        n = await attention.dismiss_informational(session, user.id, ctx.now)
        notice = ctx.t("att-read-all-done", n=n)
        await show(query, await list_view(session, ctx, user, callback_data.k, notice=notice))
        await query.answer(notice)

    @router.callback_query(UnitRiskCb.filter())
    async def unit_risk(query: CallbackQuery, callback_data: UnitRiskCb, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid) if ctx.access.any else None
        if unit is None:
            return await refuse(query, ctx)
        await show(query, await unit_risk_view(session, ctx, unit, callback_data.p))
        await query.answer()

    return router

