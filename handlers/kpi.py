"""KPIs against the targets: a unit's figures, drill-down, charts, denominators and targets.

Conventions of handlers/curator.py: the actor's reach is computed fresh on every update and
every id from a callback (or kept in the FSM data of a dialog) is loaded through it; anything
outside, missing or forged gets the same "not found or not yours" answer and changes nothing.
Views edit the menu message in place; charts arrive as photos, rendered in a worker thread
(``asyncio.to_thread``) so the bot keeps answering meanwhile. The views read the organisations'
inputs through ``kpi.VIEWS_CACHE`` (a short-lived cache, emptied by any committed write they
depend on), so moving between units or pages does not recount a region for each press.

Drill-down: region → municipality → organisation (children below target first) → the
organisation's programmes (``ProgrammesCb``). Dialogs: "enter numbers" on an organisation
(field → number, for the current year) and "targets" on a region (indicator → year →
percent), for the region's curators and administrators. Callback prefixes: k*.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardButton, Message
from babel.numbers import format_decimal
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Unit
from domain import charts, kpi
from domain.curation import Access, actor_user, unit_in_access
from domain.rules import Invalid
from handlers.callbacks import KpiCb, ProgrammesCb
from handlers.curator import CURATOR_DIALOGS, end_dialog, end_form, make_ctx, refuse, show
from handlers.curator_views import Ctx, CuNav, View, btn, kb, pager, tz_of, unit_title, with_notice

log = logging.getLogger(__name__)

CHILDREN_PAGE = 10
CHART_TOP = 25
FIELD_CODES: dict[str, str] = {"t": "students_total", "a": "students_11_18", "b": "students_15_18", "y": "young_teachers"}
CODE_OF_FIELD = {v: k for k, v in FIELD_CODES.items()}
TARGET_YEARS_BACK = 3
TARGET_YEARS_AHEAD = 3
PREFIX = "kp_"


# ---------------------------------------------------------------------------------------------
# callback data (prefixes "k*")
# ---------------------------------------------------------------------------------------------
class KpView(CallbackData, prefix="kv"):
    """A page of a unit's children in the KPI view (KpiCb is page 0)."""

    uid: int
    y: int = 0
    p: int = 0


class KpCharts(CallbackData, prefix="kg"):
    """The chart menu of a unit."""

    uid: int
    y: int = 0


class KpChart(CallbackData, prefix="kc"):
    """Send a chart: c "p" progress by year, "u" children side by side; i an indicator index."""

    uid: int
    y: int = 0
    c: str = "p"
    i: int = 3


class KpSurvey(CallbackData, prefix="ks"):
    """Send the survey results chart of a unit."""

    uid: int


class KpEnter(CallbackData, prefix="ke"):
    """Enter an organisation's numbers: f "" chooses the field, else a FIELD_CODES code."""

    uid: int
    f: str = ""


class KpTargets(CallbackData, prefix="kt"):
    """A region's targets: i -1 chooses the indicator, y 0 the year, else ask the percent."""

    uid: int
    i: int = -1
    y: int = 0


class KpX(CallbackData, prefix="kx"):
    """Leave a KPI dialog, back to the unit's KPIs."""

    uid: int


class KpiForm(StatesGroup):
    count = State()
    percent = State()


CURATOR_DIALOGS.append((KpiForm, PREFIX))  # the curator menu's navigation abandons it too


# ---------------------------------------------------------------------------------------------
# formatting
# ---------------------------------------------------------------------------------------------
def num(ctx: Ctx, value: int | float) -> str:
    return format_decimal(value, locale=ctx.locale)


def pct(ctx: Ctx, value: float | None) -> str:
    return "—" if value is None else format_decimal(value, format="#,##0.0", locale=ctx.locale)


def today_of(ctx: Ctx, unit: Unit | None) -> date:
    return ctx.now.astimezone(tz_of(unit, ctx.settings)).date()


def as_of_date(year: int) -> date | None:
    return date(year, 12, 31) if year else None


def valid_year(year: int) -> bool:
    """0 (now) or a plausible calendar year: a forged one must not reach the date arithmetic."""
    return year == 0 or kpi.YEAR_MIN <= year <= kpi.YEAR_MAX


def mark(f: kpi.Figure) -> str:
    if f.below is None:
        return "▫️"
    return "⚠️" if f.below else "✅"


def figure_lines(ctx: Ctx, f: kpi.Figure) -> list[str]:
    t = ctx.t
    name = t(f"kpi-ind-{f.indicator}")
    if f.denominator is None:
        return [t("kpi-line-no-data", mark=mark(f), name=name, num=num(ctx, f.involved))]
    line = t("kpi-line", mark=mark(f), name=name, share=pct(ctx, f.share), num=num(ctx, f.numerator),
             den=num(ctx, f.denominator))
    if f.target is None:
        return [line]
    tail = t("kpi-target-line", target=pct(ctx, f.target), count=num(ctx, f.target_count or 0),
             needed=num(ctx, f.needed or 0))
    return [line, tail]


def child_button_text(ctx: Ctx, k: kpi.UnitKpis) -> str:
    main = k.figures["students_any"]
    return ctx.t("kpi-child-button", mark="⚠️" if k.any_below else ("✅" if main.below is False else "▫️"),
                 name=k.name, share=pct(ctx, main.share))


def may_edit_targets(access: Access, unit: Unit) -> bool:
    return unit.kind == "region" and (access.is_admin or any(r.id == unit.id for r in access.roots))


async def up_row(session: AsyncSession, ctx: Ctx, unit: Unit, year: int) -> list[InlineKeyboardButton]:
    row = []
    if unit.parent_id is not None:
        parent = await session.get(Unit, unit.parent_id)
        if ctx.access.contains(parent):
            row.append(btn(ctx.t("kpi-btn-up", name=parent.name), KpiCb(uid=parent.id, y=year)))
    row.append(btn(ctx.t("kpi-btn-menu"), CuNav(id=unit.id)))
    return row


# ---------------------------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------------------------
async def kpi_view(session: AsyncSession, ctx: Ctx, unit: Unit, year: int = 0, page: int = 0,
                   notice: str | None = None) -> View:
    t = ctx.t
    today = today_of(ctx, unit)
    total, kids = await kpi.unit_kpis(session, unit, as_of_date(year), today, kpi.VIEWS_CACHE)
    when = t("kpi-when-year", year=str(year)) if year else t("kpi-when-now")
    lines = [t("kpi-title", unit=unit_title(ctx, unit)), when, ""]
    for ind in kpi.INDICATORS:
        lines.extend(figure_lines(ctx, total.figures[ind]))
    if total.missing_denominators:
        lines += ["", t("kpi-missing", n=total.missing_denominators, year=str((as_of_date(year) or today).year))]
    rows: list[list[InlineKeyboardButton]] = []
    if kids:
        pages = max(1, -(-len(kids) // CHILDREN_PAGE))
        page = min(max(page, 0), pages - 1)
        lines += ["", t("kpi-children", n=len(kids))]
        rows += [[btn(child_button_text(ctx, k), KpiCb(uid=k.unit_id, y=year))]
                 for k in kids[page * CHILDREN_PAGE:(page + 1) * CHILDREN_PAGE]]
        rows.append(pager(ctx, page, pages, lambda p: KpView(uid=unit.id, y=year, p=p)))
    years = await kpi.data_years(session, unit, today)
    choice = [btn(("• " if year == 0 else "") + t("kpi-btn-now"), KpiCb(uid=unit.id))]
    choice += [btn(("• " if y == year else "") + str(y), KpiCb(uid=unit.id, y=y)) for y in years[-4:]]
    rows.append(choice)
    rows.append([btn(t("kpi-btn-charts"), KpCharts(uid=unit.id, y=year)),
                 btn(t("kpi-btn-survey-chart"), KpSurvey(uid=unit.id))])
    if unit.kind == "organisation":
        rows.append([btn(t("kpi-btn-enter"), KpEnter(uid=unit.id)),
                     btn(t("kpi-btn-programmes"), ProgrammesCb(uid=unit.id))])
    if may_edit_targets(ctx.access, unit):
        rows.append([btn(t("kpi-btn-targets"), KpTargets(uid=unit.id))])
    rows.append(await up_row(session, ctx, unit, year))
    return with_notice("\n".join(lines), notice), kb(rows)


def charts_view(ctx: Ctx, unit: Unit, year: int) -> View:
    t = ctx.t
    rows = []
    for i, ind in enumerate(kpi.INDICATORS):
        row = [btn(t("kpi-btn-chart-progress", name=t(f"kpi-short-{ind}")), KpChart(uid=unit.id, y=year, c="p", i=i))]
        if unit.kind != "organisation":
            row.append(btn(t("kpi-btn-chart-units", name=t(f"kpi-short-{ind}")), KpChart(uid=unit.id, y=year, c="u", i=i)))
        rows.append(row)
    rows.append([btn(t("kpi-btn-back"), KpiCb(uid=unit.id, y=year))])
    return t("kpi-charts-title", unit=unit_title(ctx, unit)), kb(rows)


async def enter_view(session: AsyncSession, ctx: Ctx, org: Unit, notice: str | None = None) -> View:
    t = ctx.t
    year = today_of(ctx, org).year
    current = await kpi.entered_denominators(session, org, year)
    lines = [t("kpi-enter-title", org=org.name, year=str(year))]
    for fld in kpi.FIELDS:
        value = current.get(fld)
        lines.append(t("kpi-field-line", name=t(f"kpi-field-{fld}"),
                       value=num(ctx, value) if value is not None else t("kpi-not-entered")))
    rows = [[btn(t(f"kpi-field-{fld}"), KpEnter(uid=org.id, f=CODE_OF_FIELD[fld]))] for fld in kpi.FIELDS]
    rows.append([btn(t("kpi-btn-back"), KpiCb(uid=org.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


def target_years(today: date) -> list[int]:
    return list(range(today.year - TARGET_YEARS_BACK, today.year + TARGET_YEARS_AHEAD + 1))


async def targets_view(session: AsyncSession, ctx: Ctx, region: Unit, i: int, notice: str | None = None) -> View:
    t = ctx.t
    today = today_of(ctx, region)
    if not 0 <= i < len(kpi.INDICATORS):
        now = await kpi.targets_for(session, region.id, today.year)
        lines = [t("kpi-targets-title", region=region.name, year=str(today.year))]
        lines += [t("kpi-field-line", name=t(f"kpi-ind-{ind}"), value=pct(ctx, now.get(ind)) + " %")
                  for ind in kpi.INDICATORS]
        rows = [[btn(t(f"kpi-ind-{ind}"), KpTargets(uid=region.id, i=n))] for n, ind in enumerate(kpi.INDICATORS)]
        rows.append([btn(t("kpi-btn-back"), KpiCb(uid=region.id))])
        return with_notice("\n".join(lines), notice), kb(rows)
    ind = kpi.INDICATORS[i]
    buttons = []
    for y in target_years(today):
        percent = (await kpi.targets_for(session, region.id, y)).get(ind)
        buttons.append(btn(t("kpi-target-year-button", year=str(y), percent=pct(ctx, percent)),
                           KpTargets(uid=region.id, i=i, y=y)))
    rows = [buttons[n:n + 2] for n in range(0, len(buttons), 2)]
    rows.append([btn(t("kpi-btn-back"), KpTargets(uid=region.id))])
    return with_notice(t("kpi-targets-indicator", name=t(f"kpi-ind-{ind}")), notice), kb(rows)


# ---------------------------------------------------------------------------------------------
# charts
# ---------------------------------------------------------------------------------------------
async def progress_png(session: AsyncSession, ctx: Ctx, unit: Unit, indicator: str) -> bytes:
    t = ctx.t
    series = await kpi.progress_series(session, unit, today_of(ctx, unit), kpi.VIEWS_CACHE)
    points = [charts.ProgressPoint(str(y) if y else t("kpi-chart-now"), k.figures[indicator].share,
                                   k.figures[indicator].target) for y, k in series]
    return await asyncio.to_thread(
        charts.progress_chart, points, title=t("kpi-chart-progress-title", name=t(f"kpi-ind-{indicator}"),
                                                unit=unit.name),
        y_label=t("kpi-chart-y"), share_label=t("kpi-chart-share"), target_label=t("kpi-chart-target"),
        locale=ctx.locale)


async def units_png(session: AsyncSession, ctx: Ctx, unit: Unit, year: int, indicator: str) -> bytes:
    t = ctx.t
    today = today_of(ctx, unit)
    if unit.kind == "municipality":
        parts = await kpi.org_kpis(session, unit, as_of_date(year), today, kpi.VIEWS_CACHE)
    else:
        _, parts = await kpi.unit_kpis(session, unit, as_of_date(year), today, kpi.VIEWS_CACHE)
    parts = sorted(parts, key=lambda k: (k.figures[indicator].share is None, k.figures[indicator].share or 0.0,
                                         k.name.casefold()))
    shown = parts[:CHART_TOP]
    note = t("kpi-chart-note", shown=len(shown), total=len(parts)) if len(parts) > len(shown) else None
    target = shown[0].figures[indicator].target if shown else None
    return await asyncio.to_thread(
        charts.units_chart, [k.name for k in shown], [k.figures[indicator].share for k in shown], target,
        title=t("kpi-chart-units-title", name=t(f"kpi-ind-{indicator}"), unit=unit.name), y_label=t("kpi-chart-y"),
        target_label=t("kpi-chart-target"), note=note, locale=ctx.locale)


async def survey_png(session: AsyncSession, ctx: Ctx, unit: Unit) -> bytes | None:
    t = ctx.t
    results = await kpi.survey_averages(session, unit, None)
    if not results:
        return None
    forms = [(t(f"form-{form}"), [(t(f"kpi-item-{item}"), avg) for item, (avg, _) in sorted(items.items())])
             for form, items in sorted(results.items())]
    return await asyncio.to_thread(charts.survey_chart, forms, title=t("kpi-survey-title", unit=unit.name),
                                   x_label=t("kpi-survey-x"), locale=ctx.locale)


async def send_png(query: CallbackQuery, png: bytes, name: str, caption: str) -> None:
    await query.bot.send_photo(query.from_user.id, BufferedInputFile(png, filename=name), caption=caption)


# ---------------------------------------------------------------------------------------------
# the router
# ---------------------------------------------------------------------------------------------
def build_router() -> Router:
    router = Router(name="kpi")

    async def reach(session: AsyncSession, data: dict[str, Any], uid: int) -> tuple[Ctx, Unit | None]:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, uid) if ctx.access.any else None
        return ctx, unit

    @router.callback_query(KpiCb.filter())
    async def view(query: CallbackQuery, callback_data: KpiCb, session: AsyncSession, state: FSMContext,
                   **data: Any) -> None:
        ctx, unit = await reach(session, data, callback_data.uid)
        if unit is None or not valid_year(callback_data.y):
            return await refuse(query, ctx)
        await end_form(state)
        await show(query, await kpi_view(session, ctx, unit, callback_data.y))
        await query.answer()

    @router.callback_query(KpView.filter())
    async def view_page(query: CallbackQuery, callback_data: KpView, session: AsyncSession, state: FSMContext,
                        **data: Any) -> None:
        ctx, unit = await reach(session, data, callback_data.uid)
        if unit is None or not valid_year(callback_data.y):
            return await refuse(query, ctx)
        await end_form(state)
        await show(query, await kpi_view(session, ctx, unit, callback_data.y, callback_data.p))
        await query.answer()

    @router.callback_query(KpCharts.filter())
    async def chart_menu(query: CallbackQuery, callback_data: KpCharts, session: AsyncSession, state: FSMContext,
                         **data: Any) -> None:
        ctx, unit = await reach(session, data, callback_data.uid)
        if unit is None or not valid_year(callback_data.y):
            return await refuse(query, ctx)
        await end_form(state)
        await show(query, charts_view(ctx, unit, callback_data.y))
        await query.answer()

    @router.callback_query(KpChart.filter())
    async def chart(query: CallbackQuery, callback_data: KpChart, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        ctx, unit = await reach(session, data, cb.uid)
        if unit is None or cb.c not in ("p", "u") or not 0 <= cb.i < len(kpi.INDICATORS) or not valid_year(cb.y) \
                or (cb.c == "u" and unit.kind == "organisation"):
            return await refuse(query, ctx)
        await query.answer(ctx.t("kpi-chart-wait"))
        indicator = kpi.INDICATORS[cb.i]
        if cb.c == "p":
            png = await progress_png(session, ctx, unit, indicator)
        else:
            png = await units_png(session, ctx, unit, cb.y, indicator)
        log.info("kpi chart %s unit %s indicator %s", cb.c, unit.id, indicator)
        await send_png(query, png, f"kpi-{unit.id}-{indicator}.png",
                       ctx.t("kpi-chart-caption", name=ctx.t(f"kpi-ind-{indicator}"), unit=unit.name))

    @router.callback_query(KpSurvey.filter())
    async def survey(query: CallbackQuery, callback_data: KpSurvey, session: AsyncSession, **data: Any) -> None:
        ctx, unit = await reach(session, data, callback_data.uid)
        if unit is None:
            return await refuse(query, ctx)
        png = await survey_png(session, ctx, unit)
        if png is None:
            return await query.answer(ctx.t("kpi-survey-empty"), show_alert=True)
        await query.answer()
        await send_png(query, png, f"surveys-{unit.id}.png", ctx.t("kpi-survey-title", unit=unit.name))

    # -----------------------------------------------------------------------------------------
    # entering an organisation's numbers
    # -----------------------------------------------------------------------------------------
    @router.callback_query(KpEnter.filter())
    async def enter(query: CallbackQuery, callback_data: KpEnter, session: AsyncSession, state: FSMContext,
                    **data: Any) -> None:
        ctx, org = await reach(session, data, callback_data.uid)
        if org is None or org.kind != "organisation" or (callback_data.f and callback_data.f not in FIELD_CODES):
            return await refuse(query, ctx)
        await end_form(state)
        if not callback_data.f:
            await show(query, await enter_view(session, ctx, org))
            return await query.answer()
        fld = FIELD_CODES[callback_data.f]
        year = today_of(ctx, org).year
        minimum = max(1, await kpi.registered_minimum(session, org, year, fld))
        await state.set_state(KpiForm.count)
        await state.update_data(kp_uid=org.id, kp_field=fld, kp_year=year)
        await show(query, (ctx.t("kpi-ask-count", name=ctx.t(f"kpi-field-{fld}"), year=str(year), min=num(ctx, minimum)),
                           kb([[btn(ctx.t("kpi-btn-cancel"), KpX(uid=org.id))]])))
        await query.answer()

    @router.message(KpiForm.count, F.text)
    async def count_typed(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        form = await state.get_data()
        ctx, org = await reach(session, data, int(form.get("kp_uid") or 0))
        fld, year = form.get("kp_field"), int(form.get("kp_year") or 0)
        if org is None or org.kind != "organisation" or fld not in kpi.FIELDS:
            await end_dialog(state, KpiForm, PREFIX)
            await message.answer(ctx.t("cur-not-found"))
            return
        actor = await actor_user(session, data.get("user"), message.from_user.id, ctx.locale)
        try:
            await kpi.set_denominators(session, org, year, fld, message.text, actor, data["now"])
        except Invalid as exc:
            params = {k: num(ctx, v) if isinstance(v, int) else v for k, v in exc.params.items()}
            await message.answer(ctx.t(f"kpi-invalid-{exc.code}", **params))
            return
        await end_dialog(state, KpiForm, PREFIX)
        notice = ctx.t("kpi-saved", name=ctx.t(f"kpi-field-{fld}"), value=num(ctx, kpi.parse_count(message.text)),
                       year=str(year))
        text, markup = await enter_view(session, ctx, org, notice=notice)
        await message.answer(text, reply_markup=markup)

    # -----------------------------------------------------------------------------------------
    # a region's targets
    # -----------------------------------------------------------------------------------------
    @router.callback_query(KpTargets.filter())
    async def targets(query: CallbackQuery, callback_data: KpTargets, session: AsyncSession, state: FSMContext,
                      **data: Any) -> None:
        cb = callback_data
        ctx, region = await reach(session, data, cb.uid)
        if region is None or not may_edit_targets(ctx.access, region) or not -1 <= cb.i < len(kpi.INDICATORS) \
                or (cb.y and cb.y not in target_years(today_of(ctx, region))):
            return await refuse(query, ctx)
        await end_form(state)
        if cb.i < 0 or not cb.y:
            await show(query, await targets_view(session, ctx, region, cb.i))
            return await query.answer()
        ind = kpi.INDICATORS[cb.i]
        await state.set_state(KpiForm.percent)
        await state.update_data(kp_uid=region.id, kp_ind=ind, kp_year=cb.y)
        await show(query, (ctx.t("kpi-ask-percent", name=ctx.t(f"kpi-ind-{ind}"), year=str(cb.y)),
                           kb([[btn(ctx.t("kpi-btn-cancel"), KpTargets(uid=region.id, i=cb.i))]])))
        await query.answer()

    @router.message(KpiForm.percent, F.text)
    async def percent_typed(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        form = await state.get_data()
        ctx, region = await reach(session, data, int(form.get("kp_uid") or 0))
        ind, year = form.get("kp_ind"), int(form.get("kp_year") or 0)
        if region is None or not may_edit_targets(ctx.access, region) or ind not in kpi.INDICATORS:
            await end_dialog(state, KpiForm, PREFIX)
            await message.answer(ctx.t("cur-not-found"))
            return
        actor = await actor_user(session, data.get("user"), message.from_user.id, ctx.locale)
        try:
            row = await kpi.set_target(session, region, year, ind, message.text, actor, data["now"])
        except Invalid as exc:
            await message.answer(ctx.t(f"kpi-invalid-{exc.code}", **exc.params))
            return
        await end_dialog(state, KpiForm, PREFIX)
        notice = ctx.t("kpi-target-saved", name=ctx.t(f"kpi-ind-{ind}"), year=str(year), percent=pct(ctx, row.percent))
        text, markup = await targets_view(session, ctx, region, kpi.INDICATORS.index(ind), notice=notice)
        await message.answer(text, reply_markup=markup)

    @router.message(StateFilter(KpiForm.count, KpiForm.percent))
    async def not_text(message: Message, **data: Any) -> None:
        await message.answer(data["t"]("kpi-text-expected"))

    @router.callback_query(KpX.filter())
    async def cancel(query: CallbackQuery, callback_data: KpX, session: AsyncSession, state: FSMContext,
                     **data: Any) -> None:
        await end_dialog(state, KpiForm, PREFIX)
        ctx, unit = await reach(session, data, callback_data.uid)
        if unit is None:
            return await refuse(query, ctx)
        if unit.kind == "organisation":
            await show(query, await enter_view(session, ctx, unit, notice=ctx.t("kpi-cancelled")))
        else:
            await show(query, await kpi_view(session, ctx, unit, notice=ctx.t("kpi-cancelled")))
        await query.answer()

    return router
