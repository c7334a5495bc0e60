"""Reports as files: a unit's reports menu, asking for a report, and the user's export log.

Every id from a callback is loaded through the actor's access (``unit_in_access``); anything
outside it, missing or forged gets the same "not found or not yours" answer and starts nothing.
The export itself runs in the background (bot/exports.py): the handler logs it and returns.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery
from babel.dates import format_datetime
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.exports import recent_jobs
from db.models import ExportJob, Unit
from domain.curation import actor_user, clamp_page, pages, unit_in_access
from handlers.callbacks import ReportsCb
from handlers.curator import make_ctx, refuse, show
from handlers.curator_views import CuNav, Ctx, View, btn, kb, pager, tz_of, with_notice

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

LOG_PAGE = 10
# short codes of the report kinds in callback data
KIND_CODES: dict[str, str] = {"p": "participants", "r": "pairs", "m": "meetings", "s": "surveys",
                              "f": "stat_form"}
CODE_OF_KIND = {kind: code for code, kind in KIND_CODES.items()}
MENU_KINDS = ("participants", "pairs", "meetings", "surveys")
BUTTON_KEYS = {"participants": "rep-btn-participants", "pairs": "rep-btn-pairs", "meetings": "rep-btn-meetings",
               "surveys": "rep-btn-surveys"}


class XRun(CallbackData, prefix="xr"):
    """Ask for report k (a code of KIND_CODES) of unit uid; y: the statistical form's year (else 0)."""

    uid: int
    k: str
    y: int = 0


class XLog(CallbackData, prefix="xl"):
    """The actor's export log, paged; uid is the reports menu to come back to."""

    uid: int
    p: int = 0


def stat_years(ctx: Ctx, unit: Unit) -> tuple[int, int]:
    """The statistical form's years on offer: the current one (local) and the previous one."""
    year = ctx.now.astimezone(tz_of(unit, ctx.settings)).year
    return year, year - 1


def menu_view(ctx: Ctx, unit: Unit, notice: str | None = None) -> View:
    text = "\n\n".join([ctx.t("rep-menu-title", unit=unit.name), ctx.t("rep-menu-hint")])
    rows = [[btn(ctx.t(BUTTON_KEYS[kind]), XRun(uid=unit.id, k=CODE_OF_KIND[kind]))] for kind in MENU_KINDS]
    rows.append([btn(ctx.t("rep-btn-stat-form", year=str(y)), XRun(uid=unit.id, k="f", y=y))
                 for y in stat_years(ctx, unit)])
    rows.append([btn(ctx.t("rep-btn-log"), XLog(uid=unit.id))])
    rows.append([btn(ctx.t("rep-btn-back", name=unit.name), CuNav(id=unit.id))])
    return with_notice(text, notice), kb(rows)


async def log_view(session: AsyncSession, ctx: Ctx, unit: Unit, user_id: int | None, page: int) -> View:
    """The actor's own exports, newest first: report, unit (when still in reach), when, status."""
    total = await session.scalar(select(func.count()).select_from(ExportJob).where(ExportJob.user_id == user_id)) \
        if user_id is not None else 0
    total = total or 0
    page = clamp_page(page, total, LOG_PAGE)
    lines = [ctx.t("rep-log-title"), ""]
    if not total:
        lines.append(ctx.t("rep-log-empty"))
    jobs = await recent_jobs(session, user_id, page * LOG_PAGE, LOG_PAGE) if user_id is not None and total else []
    pattern = "dd.MM.y HH:mm" if ctx.locale == "ru" else "d MMM y, HH:mm"
    for n, job in enumerate(jobs, start=page * LOG_PAGE + 1):
        where = await unit_in_access(session, ctx.access, job.unit_id) if job.unit_id is not None else None
        status = ctx.t(f"rep-log-status-{job.status}", rows=job.rows or 0)
        lines.append(ctx.t(
            "rep-log-line", n=n, report=ctx.t(f"rep-kind-{job.kind}"),
            unit=where.name if where is not None else ctx.t("rep-log-unit-hidden"),
            when=format_datetime(job.started_at.astimezone(tz_of(unit, ctx.settings)), pattern, locale=ctx.locale),
            status=status))
    rows = [pager(ctx, page, pages(total, LOG_PAGE), lambda p: XLog(uid=unit.id, p=p)),
            [btn(ctx.t("rep-btn-back-menu"), ReportsCb(uid=unit.id))]]
    return "\n".join(lines), kb(rows)


def build_router() -> Router:
    router = Router(name="reports")

    @router.callback_query(ReportsCb.filter())
    async def menu(query: CallbackQuery, callback_data: ReportsCb, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid)
        if unit is None:
            return await refuse(query, ctx)
        await show(query, menu_view(ctx, unit))
        await query.answer()

    @router.callback_query(XRun.filter())
    async def run(query: CallbackQuery, callback_data: XRun, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        cb = callback_data
        unit = await unit_in_access(session, ctx.access, cb.uid)
        kind = KIND_CODES.get(cb.k)
        if unit is None or kind is None:
            return await refuse(query, ctx)
        if (kind == "stat_form") != (cb.y != 0) or (cb.y and cb.y not in stat_years(ctx, unit)):
            return await refuse(query, ctx)
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        app: App = data["app"]
        job = await app.exports.start(session, actor, query.from_user.id, unit, kind, ctx.locale,
                                      now=ctx.now, year=cb.y or None)
        if job is None:
            notice = ctx.t("rep-busy")
        else:
            notice = ctx.t("rep-started", report=ctx.t(f"rep-kind-{kind}"))
        await query.answer(notice, show_alert=job is None)
        await show(query, menu_view(ctx, unit, notice=notice))

    @router.callback_query(XLog.filter())
    async def export_log(query: CallbackQuery, callback_data: XLog, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid)
        if unit is None:
            return await refuse(query, ctx)
        user = data.get("user")
        await show(query, await log_view(session, ctx, unit, user.id if user is not None else None, callback_data.p))
        await query.answer()

    return router
