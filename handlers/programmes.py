"""Mentoring programmes: the curator's programme menu and its "new programme" dialog, the
participants' /programmes with their wishes (whom they would like to work with), and joining a
programme through its link (``join_programme_via_link``, called by handlers/start.py).

Curator side: the conventions of handlers/curator.py. Access is computed fresh on every update;
a programme is reached through its unit (``domain.programmes.programme_in_access``), members and
participants through the programme and the actor's reach; anything else gets the same
"not found or not yours" alert and changes nothing. Views edit the menu message in place.

Dialogs (new programme; a participant's wishes) keep ids and codes only in the FSM data, under
keys of their own (``pg_*``, ``pf_*``); only the buttons of the latest prompt count (``*_mid``):
an older prompt's buttons are "out of date", buttons naming something else are refused.
"""
from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiogram import BaseMiddleware, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translate
from db.models import Invitation, Participant, Programme, ProgrammeMember, Unit, User
from domain import invitations
from domain import programmes as P
from domain.curation import Access, actor_user, clamp_page, invitation_in_access, pages, participant_in_access, \
    unit_in_access
from domain.people import audit, participant_of
from domain.rules import Invalid
from handlers import forms
from handlers.callbacks import PairsCb, ProgrammeCb, ProgrammesCb
from handlers.curator import CURATOR_DIALOGS, end_dialog, end_form, make_ctx, refuse, show
from handlers.curator_views import Ctx, CuNav, View, btn, details, expiry_label, fmt_date, kb, pager, tz_of, unit_title, \
    uses_label, with_notice
from handlers.monitoring import MonCb

log = logging.getLogger(__name__)

LIST_PAGE = 8
MEMBERS_PAGE = 10
BASE_PAGE = 10
PREFS_PAGE = 10
PICK_PAGE = 5
SIDE_CODES = {"m": "mentor", "e": "mentee"}
CODE_OF_SIDE = {v: k for k, v in SIDE_CODES.items()}


# ---------------------------------------------------------------------------------------------
# callback data (prefixes "g*": programmes)
# ---------------------------------------------------------------------------------------------
class PgNew(CallbackData, prefix="gn"):
    """Start the "new programme" dialog for unit u."""

    u: int


class PgStep(CallbackData, prefix="gs"):
    """A button of the "new programme" dialog: f form, t toggle role model, d done, i interval,
    g group mode (0/1), ok create, x cancel."""

    a: str
    v: str = ""


class PgMembers(CallbackData, prefix="gm"):
    pid: int
    s: str = "m"
    p: int = 0


class PgRemove(CallbackData, prefix="gr"):
    """Remove member m: ok=0 asks, ok=1 removes; s/p bring the members list back."""

    pid: int
    m: int
    s: str = "m"
    p: int = 0
    ok: int = 0


class PgBase(CallbackData, prefix="gb"):
    """Eligible participants not yet members, per side."""

    pid: int
    s: str = "m"
    p: int = 0


class PgAdd(CallbackData, prefix="ga"):
    """Add participant id on side s; p is the base page to come back to."""

    pid: int
    id: int
    s: str = "m"
    p: int = 0


class PgLink(CallbackData, prefix="gk"):
    """The programme link: v view, n new, r revoke (asks), y revoke (confirmed) invitation i."""

    pid: int
    a: str = "v"
    i: int = 0


class PgPrefs(CallbackData, prefix="gp"):
    pid: int
    p: int = 0


class PrCb(CallbackData, prefix="gq"):
    """A participant's programme: l list, o open, s start choosing, t toggle member v,
    p page v, c clear, r review, b back to choosing, k save."""

    pid: int
    a: str
    v: int = 0


class ProgForm(StatesGroup):
    form = State()
    role_models = State()
    title = State()
    start = State()
    end = State()
    interval = State()
    mode = State()
    confirm = State()


class ProgPrefs(StatesGroup):
    choose = State()


CURATOR_DIALOGS.append((ProgForm, "pg_"))  # the curator menu's navigation abandons it too


TEXT_STEPS = (ProgForm.title.state, ProgForm.start.state, ProgForm.end.state)
STEP_ACTIONS: dict[str, tuple[str, ...]] = {
    "f": (ProgForm.form.state,),
    "t": (ProgForm.role_models.state,),
    "d": (ProgForm.role_models.state,),
    "i": (ProgForm.interval.state,),
    "g": (ProgForm.mode.state,),
    "ok": (ProgForm.confirm.state,),
    "x": tuple(s.state for s in ProgForm.__states__),
}
PICK_ACTIONS = ("t", "p", "c", "r", "b", "k")


# ---------------------------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------------------------
def day(d: date, ctx: Ctx, unit: Unit | None) -> str:
    """A calendar date in the curator menu's style (noon in the unit's zone keeps the day)."""
    return fmt_date(datetime.combine(d, time(12), tzinfo=tz_of(unit, ctx.settings)), ctx, unit)


def today_at(ctx: Ctx, unit: Unit | None) -> date:
    return ctx.now.astimezone(tz_of(unit, ctx.settings)).date()


def invalid_text(t: Translate, exc: Invalid) -> str:
    return t(f"prog-invalid-{exc.code}", **exc.params)


def dated_invalid_text(ctx: Ctx, unit: Unit | None, exc: Invalid) -> str:
    """``invalid_text`` with date parameters (e.g. the earliest start accepted) in the menu's style."""
    params = {k: day(v, ctx, unit) if isinstance(v, date) else v for k, v in exc.params.items()}
    return ctx.t(f"prog-invalid-{exc.code}", **params)


def form_name(t: Translate, code: str) -> str:
    return t(f"form-{code}")


def role_models_text(t: Translate, codes: list[str]) -> str:
    return "; ".join(t(f"role-model-{c}") for c in codes) or "—"


def side_label(t: Translate, side: str) -> str:
    return t(f"prog-side-{side}")


def side_one(t: Translate, side: str) -> str:
    return t(f"prog-side-one-{side}")


def name_of(p: Participant) -> str:
    return p.full_name or "—"


async def prompt_in_place(query: CallbackQuery, view: View) -> int:
    """Like ``show``, and returns the id of the message that now holds the prompt."""
    text, markup = view
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return message.message_id
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return message.message_id
            log.info("prompt could not be edited (%s); sending a new one", exc)
    sent = await query.bot.send_message(query.from_user.id, text, reply_markup=markup)
    return sent.message_id


class EndDialogOnNavigation(BaseMiddleware):
    """Another programme-menu button abandons a half-done "new programme" dialog."""

    async def __call__(self, handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if state is not None and isinstance(event, CallbackQuery) and \
                (event.data or "").split(":", 1)[0] not in (PgStep.__prefix__, PrCb.__prefix__):
            await end_form(state)  # every curator dialog, this one included
        return await handler(event, data)


# ---------------------------------------------------------------------------------------------
# curator views
# ---------------------------------------------------------------------------------------------
async def list_view(session: AsyncSession, ctx: Ctx, unit: Unit, page: int = 0, notice: str | None = None) -> View:
    shown, total = await P.programmes_in_scope(session, unit, max(page, 0), LIST_PAGE)
    total_pages = pages(total, LIST_PAGE)
    if page >= total_pages or page < 0:  # a stale page number: the last page there is
        page = clamp_page(page, total, LIST_PAGE)
        shown, total = await P.programmes_in_scope(session, unit, page, LIST_PAGE)
    lines = [ctx.t("prog-list-title", name=unit.name),
             ctx.t("prog-list-found", n=total) if total else ctx.t("prog-list-empty")]
    rows = []
    for programme, owner in shown:
        label = ctx.t("prog-list-item", title=programme.title, form=form_name(ctx.t, programme.form)) \
            if owner.id == unit.id else ctx.t("prog-list-item-unit", title=programme.title, unit=owner.name)
        rows.append([btn(label, ProgrammeCb(pid=programme.id))])
    rows.append(pager(ctx, page, total_pages, lambda p: ProgrammesCb(uid=unit.id, p=p)))
    rows.append([btn(ctx.t("prog-btn-new"), PgNew(u=unit.id))])
    rows.append([btn(ctx.t("cur-btn-back-unit", name=unit.name), CuNav(id=unit.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


def programme_lines(ctx: Ctx, programme: Programme, unit: Unit) -> list[str]:
    t = ctx.t
    lines = [
        t("prog-view-title", title=programme.title),
        t("prog-field-unit", unit=unit_title(ctx, unit)),
        t("prog-field-form", form=form_name(t, programme.form)),
        t("prog-field-role-models", models=role_models_text(t, programme.role_models)),
        t("prog-field-dates", start=day(programme.starts_on, ctx, unit), end=day(programme.ends_on, ctx, unit)),
        t("prog-field-interval", interval=t(f"prog-interval-{programme.meeting_interval_days}")),
        t("prog-field-mode", mode=t("prog-mode-group" if programme.group_mode else "prog-mode-one")),
    ]
    if programme.status != "active":
        lines.append(t("prog-status-finished"))
    return lines


async def programme_view(session: AsyncSession, ctx: Ctx, programme: Programme, unit: Unit,
                         notice: str | None = None) -> View:
    t = ctx.t
    counts = await P.member_counts(session, programme)
    named = await P.preference_counts(session, programme)
    lines = programme_lines(ctx, programme, unit)
    lines.append("")
    lines.append(t("prog-counts", mentors=counts["mentor"], mentees=counts["mentee"]))
    if counts["mentor_awaiting"] or counts["mentee_awaiting"]:
        lines.append(t("prog-counts-awaiting", mentors=counts["mentor_awaiting"], mentees=counts["mentee_awaiting"]))
    if not counts["mentor"]:
        lines.append(t("prog-warn-no-mentors"))
    if not counts["mentee"]:
        lines.append(t("prog-warn-no-mentees"))
    total_members = counts["mentor"] + counts["mentee"]
    named_total = named["mentor"] + named["mentee"]
    if total_members:
        lines.append(t("prog-prefs-short", n=named_total, total=total_members))
    rows = [
        [btn(t("prog-btn-members", n=total_members), PgMembers(pid=programme.id))],
        [btn(t("prog-btn-add"), PgBase(pid=programme.id))] if programme.status == "active" else [],
        [btn(t("prog-btn-link"), PgLink(pid=programme.id))] if programme.status == "active" else [],
        [btn(t("prog-btn-prefs", n=named_total), PgPrefs(pid=programme.id))],
        [btn(t("prog-btn-pairs"), PairsCb(pid=programme.id))],
        [btn(t("mon-btn-monitoring"), MonCb(pid=programme.id))],  # handlers/monitoring.py
        [btn(t("prog-btn-back-list"), ProgrammesCb(uid=unit.id)),
         btn(t("cur-btn-back-unit", name=unit.name), CuNav(id=unit.id))],
    ]
    return with_notice("\n".join(lines), notice), kb(rows)


def side_row(ctx: Ctx, current: str, make) -> list[InlineKeyboardButton]:
    mark = ctx.t("cur-mark")
    return [btn((mark if code == current else "") + side_label(ctx.t, side), make(code))
            for code, side in SIDE_CODES.items()]


def member_line(ctx: Ctx, n: int, p: Participant) -> str:
    key = "prog-member-line-awaiting" if p.status == "awaiting_consent" else "prog-member-line"
    return ctx.t(key, n=n, name=name_of(p), details=details(ctx, p))


async def members_view(session: AsyncSession, ctx: Ctx, programme: Programme, s: str, page: int,
                       notice: str | None = None) -> View:
    side = SIDE_CODES[s]
    total = (await P.member_counts(session, programme))[side]
    total_pages = pages(total, MEMBERS_PAGE)
    page = clamp_page(page, total, MEMBERS_PAGE)
    first = page * MEMBERS_PAGE
    shown = await P.members(session, programme, side, page=page, page_size=MEMBERS_PAGE)
    lines = [ctx.t("prog-members-title", title=programme.title),
             ctx.t("prog-members-showing", side=side_label(ctx.t, side)),
             ctx.t("prog-members-found", n=total) if total else ctx.t(f"prog-members-empty-{side}")]
    if shown:
        lines.append("")
        lines.extend(member_line(ctx, first + i + 1, p) for i, (_, p) in enumerate(shown))
    rows = [side_row(ctx, s, lambda code: PgMembers(pid=programme.id, s=code))]
    if programme.status == "active":
        remove = [btn(ctx.t("prog-btn-remove", n=first + i + 1), PgRemove(pid=programme.id, m=m.id, s=s, p=page))
                  for i, (m, _) in enumerate(shown)]
        rows.extend(remove[i:i + 5] for i in range(0, len(remove), 5))
    rows.append(pager(ctx, page, total_pages, lambda pg: PgMembers(pid=programme.id, s=s, p=pg)))
    rows.append([btn(ctx.t("prog-btn-add"), PgBase(pid=programme.id, s=s))] if programme.status == "active" else [])
    rows.append(back_to_programme(ctx, programme))
    return with_notice("\n".join(lines), notice), kb(rows)


def back_to_programme(ctx: Ctx, programme: Programme) -> list[InlineKeyboardButton]:
    return [btn(ctx.t("cur-btn-back-unit", name=programme.title), ProgrammeCb(pid=programme.id))]


async def base_view(session: AsyncSession, ctx: Ctx, programme: Programme, unit: Unit, s: str, page: int,
                    notice: str | None = None) -> View:
    side = SIDE_CODES[s]
    today = today_at(ctx, unit)
    people, total = await P.eligible_base(session, programme, side, today, max(page, 0), BASE_PAGE)
    total_pages = pages(total, BASE_PAGE)
    if page >= total_pages or page < 0:
        page = clamp_page(page, total, BASE_PAGE)
        people, total = await P.eligible_base(session, programme, side, today, page, BASE_PAGE)
    lines = [ctx.t("prog-base-title", title=programme.title, side=side_label(ctx.t, side))]
    if total:
        lines.append(ctx.t("prog-base-found", n=total))
    else:
        categories = ", ".join(ctx.t(f"cur-cat-{c}") for c in P.form(programme.form).categories(side))
        lines.append(ctx.t("prog-base-empty", categories=categories))
    first = page * BASE_PAGE
    if people:
        lines.append("")
        lines.extend(member_line(ctx, first + i + 1, p) for i, p in enumerate(people))
        if any(p.status == "awaiting_consent" for p in people):
            lines.append("")
            lines.append(ctx.t("prog-base-awaiting-hint"))
    rows = [side_row(ctx, s, lambda code: PgBase(pid=programme.id, s=code))]
    rows.extend([btn(ctx.t("prog-btn-add-one", n=first + i + 1, name=name_of(p)),
                     PgAdd(pid=programme.id, id=p.id, s=s, p=page))] for i, p in enumerate(people))
    rows.append(pager(ctx, page, total_pages, lambda pg: PgBase(pid=programme.id, s=s, p=pg)))
    rows.append([btn(ctx.t("prog-btn-members", n=await _member_total(session, programme)),
                     PgMembers(pid=programme.id, s=s))])
    rows.append(back_to_programme(ctx, programme))
    return with_notice("\n".join(lines), notice), kb(rows)


async def _member_total(session: AsyncSession, programme: Programme) -> int:
    counts = await P.member_counts(session, programme)
    return counts["mentor"] + counts["mentee"]


async def link_view(session: AsyncSession, ctx: Ctx, programme: Programme, unit: Unit,
                    notice: str | None = None) -> View:
    active = await P.active_invitations(session, programme, ctx.now)
    lines = [ctx.t("prog-link-title", title=programme.title),
             ctx.t("prog-link-explain", unit=unit_title(ctx, unit)), ""]
    if not active:
        lines.append(ctx.t("prog-link-none"))
    for i, inv in enumerate(active, 1):
        lines.append(ctx.t("prog-link-line", n=i, until=expiry_label(ctx, inv, unit), uses=uses_label(ctx, inv)))
        lines.append(invitations.link(ctx.bot_username, inv))
    revoke = [btn(ctx.t("prog-btn-link-revoke", n=i), PgLink(pid=programme.id, a="r", i=inv.id))
              for i, inv in enumerate(active, 1)]
    rows = [revoke[i:i + 3] for i in range(0, len(revoke), 3)]
    if programme.status == "active":
        rows.append([btn(ctx.t("prog-btn-link-new"), PgLink(pid=programme.id, a="n"))])
    rows.append(back_to_programme(ctx, programme))
    return with_notice("\n".join(lines), notice), kb(rows)


async def prefs_view(session: AsyncSession, ctx: Ctx, programme: Programme, page: int) -> View:
    t = ctx.t
    counts = await P.member_counts(session, programme)
    named = await P.preference_counts(session, programme)
    rows_data, total = await P.members_with_preferences(session, programme, max(page, 0), PREFS_PAGE)
    total_pages = pages(total, PREFS_PAGE)
    if page >= total_pages or page < 0:
        page = clamp_page(page, total, PREFS_PAGE)
        rows_data, total = await P.members_with_preferences(session, programme, page, PREFS_PAGE)
    lines = [t("prog-prefs-title", title=programme.title),
             t("prog-prefs-counts", mentees=named["mentee"], mentees_total=counts["mentee"],
               mentors=named["mentor"], mentors_total=counts["mentor"]),
             t("prog-prefs-hint"), ""]
    if not rows_data:
        lines.append(t("prog-prefs-none"))
    first = page * PREFS_PAGE
    for i, (member, person, wished) in enumerate(rows_data):
        lines.append(t("prog-prefs-line", n=first + i + 1, name=name_of(person), side=side_one(t, member.side),
                       choices=", ".join(f"{r}. {name_of(w)}" for r, w in enumerate(wished, 1)) or "—"))
    rows = [pager(ctx, page, total_pages, lambda pg: PgPrefs(pid=programme.id, p=pg)), back_to_programme(ctx, programme)]
    return "\n".join(lines), kb(rows)


# ---------------------------------------------------------------------------------------------
# the "new programme" dialog: one function renders the prompt of the current step
# ---------------------------------------------------------------------------------------------
def example_date(ctx: Ctx, unit: Unit | None, days_ahead: int) -> str:
    d = today_at(ctx, unit) + timedelta(days=days_ahead)
    return f"{d.day:02d}.{d.month:02d}.{d.year}"


def summary_lines(ctx: Ctx, unit: Unit, data: dict[str, Any]) -> list[str]:
    t = ctx.t
    start, end = date.fromisoformat(data["pg_start"]), date.fromisoformat(data["pg_end"])
    return [
        t("prog-view-title", title=data["pg_title"]),
        t("prog-field-unit", unit=unit_title(ctx, unit)),
        t("prog-field-form", form=form_name(t, data["pg_form"])),
        t("prog-field-role-models", models=role_models_text(t, data.get("pg_rm") or [])),
        t("prog-field-dates", start=day(start, ctx, unit), end=day(end, ctx, unit)),
        t("prog-field-interval", interval=t(f"prog-interval-{data['pg_int']}")),
        t("prog-field-mode", mode=t("prog-mode-group" if data["pg_group"] else "prog-mode-one")),
    ]


def step_view(ctx: Ctx, unit: Unit, state_name: str | None, data: dict[str, Any]) -> View:
    t = ctx.t
    cancel = [btn(t("cur-btn-cancel"), PgStep(a="x"))]
    if state_name == ProgForm.form.state:
        key = "prog-new-ask-form" if unit.kind == "organisation" else "prog-new-ask-form-wide"
        rows = [[btn(form_name(t, f.code), PgStep(a="f", v=f.code))] for f in P.forms_for_unit(unit)]
        return t(key, unit=unit_title(ctx, unit)), kb([*rows, cancel])
    if state_name == ProgForm.role_models.state:
        f = P.form(data.get("pg_form"))
        chosen = data.get("pg_rm") or []
        rows = [[btn((f"{forms.CHECK} " if code in chosen else "") + t(f"role-model-{code}"), PgStep(a="t", v=code))]
                for code in f.role_models]
        rows.append([btn(t("prog-btn-done", n=len(chosen)), PgStep(a="d"))])
        return t("prog-new-ask-role-models", form=form_name(t, f.code)), kb([*rows, cancel])
    if state_name == ProgForm.title.state:
        return t("prog-new-ask-title", min=P.TITLE_MIN, max=P.TITLE_MAX), kb([cancel])
    if state_name == ProgForm.start.state:
        return t("prog-new-ask-start", example=example_date(ctx, unit, 7)), kb([cancel])
    if state_name == ProgForm.end.state:
        start = date.fromisoformat(data["pg_start"])
        example = start.replace(year=start.year + 1) if not (start.month == 2 and start.day == 29) else start
        return t("prog-new-ask-end", example=f"{example.day:02d}.{example.month:02d}.{example.year}"), kb([cancel])
    if state_name == ProgForm.interval.state:
        rows = [[btn(t(f"prog-interval-{n}"), PgStep(a="i", v=str(n))) for n in P.INTERVALS]]
        return t("prog-new-ask-interval"), kb([*rows, cancel])
    if state_name == ProgForm.mode.state:
        rows = [[btn(t("prog-btn-mode-one"), PgStep(a="g", v="0")), btn(t("prog-btn-mode-group"), PgStep(a="g", v="1"))]]
        return t("prog-new-ask-mode"), kb([*rows, cancel])
    # confirm
    text = "\n".join([t("prog-new-summary"), "", *summary_lines(ctx, unit, data)])
    return text, kb([[btn(t("prog-btn-create"), PgStep(a="ok"))], cancel])


async def dialog_unit(session: AsyncSession, ctx: Ctx, data: dict[str, Any]) -> Unit | None:
    uid = data.get("pg_u")
    if not isinstance(uid, int):
        return None
    return await unit_in_access(session, ctx.access, uid)


# ---------------------------------------------------------------------------------------------
# participant views
# ---------------------------------------------------------------------------------------------
def participant_ctx(data: dict[str, Any]) -> Ctx:
    t = data["t"]
    return Ctx(t=t, locale=t.locale, settings=data["settings"], now=data["now"], access=Access())


async def my_list_view(session: AsyncSession, ctx: Ctx, participant: Participant) -> View:
    rows_data = await P.memberships(session, participant)
    if not rows_data:
        return ctx.t("prog-my-none"), kb([])
    rows = [[btn(ctx.t("prog-btn-open", title=programme.title), PrCb(pid=programme.id, a="o"))]
            for _, programme in rows_data]
    return ctx.t("prog-my-title"), kb(rows)


async def card_view(session: AsyncSession, ctx: Ctx, programme: Programme, member: ProgrammeMember,
                    participant: Participant, notice: str | None = None) -> View:
    t = ctx.t
    unit = await session.get(Unit, programme.unit_id)
    lines = programme_lines(ctx, programme, unit)
    lines.append("")
    lines.append(t("prog-card-side", side=side_one(t, member.side)))
    if participant.status == "awaiting_consent":
        lines.append(t("prog-card-awaiting"))
    lines.append("")
    chosen = await P.preferences_of(session, member)
    if chosen:
        lines.append(t("prog-card-choices"))
        lines.extend(t("prog-choice-line", rank=i, name=name_of(p)) for i, (_, _, p) in enumerate(chosen, 1))
    else:
        lines.append(t("prog-card-no-choices"))
    rows = []
    if programme.status == "active":
        rows.append([btn(t("prog-btn-choose"), PrCb(pid=programme.id, a="s"))])
    rows.append([btn(t("prog-btn-my-list"), PrCb(pid=0, a="l"))])
    return with_notice("\n".join(lines), notice), kb(rows)


def short_profile(ctx: Ctx, me: Participant, other: Participant) -> str:
    t = ctx.t
    parts = [details(ctx, other)]
    shared = [code for code in other.interests or () if code in (me.interests or ())]
    if shared:
        parts.append(t("prog-pick-shared", list=", ".join(forms.interest_label(t, c) for c in shared[:4])))
    else:
        parts.append(t("prog-pick-no-shared"))
    if other.format:
        parts.append(t("prog-pick-format", format=forms.format_label(t, other.format).lower()))
    return "; ".join(parts)


async def pick_view(session: AsyncSession, ctx: Ctx, programme: Programme, member: ProgrammeMember,
                    me: Participant, selected: list[int], page: int) -> tuple[View, int]:
    t = ctx.t
    other = P.other_side(member.side)
    people, total = await P.choosable(session, member, max(page, 0), PICK_PAGE)
    total_pages = pages(total, PICK_PAGE)
    if page >= total_pages or page < 0:
        page = clamp_page(page, total, PICK_PAGE)
        people, total = await P.choosable(session, member, page, PICK_PAGE)
    back = [btn(t("prog-btn-back"), PrCb(pid=programme.id, a="o"))]
    if not total:
        return (t(f"prog-pick-empty-{other}"), kb([back])), page
    lines = [t(f"prog-pick-title-{other}", max=P.MAX_PREFERENCES),
             t("prog-pick-selected", n=len(selected), max=P.MAX_PREFERENCES), ""]
    first = page * PICK_PAGE
    lines.extend(t("prog-pick-line", n=first + i + 1, name=name_of(p), details=short_profile(ctx, me, p))
                 for i, (_, p) in enumerate(people))
    rows = []
    for i, (m, p) in enumerate(people):
        if m.id in selected:
            label = t("prog-btn-picked", rank=selected.index(m.id) + 1, name=name_of(p))
        else:
            label = t("prog-btn-pick", n=first + i + 1, name=name_of(p))
        rows.append([btn(label, PrCb(pid=programme.id, a="t", v=m.id))])
    nav = []
    if total_pages > 1:
        if page > 0:
            nav.append(btn(t("cur-btn-prev"), PrCb(pid=programme.id, a="p", v=page - 1)))
        nav.append(btn(t("cur-page", page=page + 1, pages=total_pages), PrCb(pid=programme.id, a="p", v=page)))
        if page < total_pages - 1:
            nav.append(btn(t("cur-btn-next"), PrCb(pid=programme.id, a="p", v=page + 1)))
    rows.append(nav)
    rows.append([btn(t("prog-btn-review", n=len(selected), max=P.MAX_PREFERENCES), PrCb(pid=programme.id, a="r"))])
    rows.append([btn(t("prog-btn-clear"), PrCb(pid=programme.id, a="c"))] if selected else [])
    rows.append(back)
    return ("\n".join(lines), kb(rows)), page


async def review_view(session: AsyncSession, ctx: Ctx, programme: Programme, me: Participant,
                      selected: list[int]) -> View:
    t = ctx.t
    lines = [t("prog-review-title") if selected else t("prog-review-empty")]
    for rank, mid in enumerate(selected, 1):
        found = await P.member_in_programme(session, programme, mid)
        if found is not None:
            lines.append(t("prog-pick-line", n=rank, name=name_of(found[1]), details=short_profile(ctx, me, found[1])))
    rows = [[btn(t("prog-btn-save"), PrCb(pid=programme.id, a="k")),
             btn(t("prog-btn-change"), PrCb(pid=programme.id, a="b"))]]
    return "\n".join(lines), kb(rows)


# ---------------------------------------------------------------------------------------------
# joining through a programme link (handlers/start.py)
# ---------------------------------------------------------------------------------------------
async def join_programme_via_link(message: Message, session: AsyncSession, user: User | None, t: Translate,
                                  invitation: Invitation, now: datetime) -> None:
    participant = await participant_of(session, user)
    if participant is None:
        await message.answer(t("prog-join-not-registered"))
        return
    programme = await session.get(Programme, invitation.programme_id) if invitation.programme_id else None
    if programme is None:
        await message.answer(t("prog-join-invite"))
        return
    today = local_today(await session.get(Unit, programme.unit_id), now)
    side = participant.role
    params = {"title": programme.title, "form": form_name(t, programme.form), "side": side_one(t, side)}
    try:
        member, programme, joined = await P.join_by_invitation(session, invitation, participant, now, today)
    except Invalid as exc:
        await message.answer(t(f"prog-join-{exc.code}", **params))
        return
    if not joined:
        await message.answer(t("prog-join-already", **params))
        return
    await audit(session, "programme.joined", user.id if user else None, "programme", programme.id,
                member_id=member.id, invitation_id=invitation.id, side=side)
    parts = [t("prog-join-done", **params)]
    if participant.status == "awaiting_consent":
        parts.append(t("prog-join-done-awaiting"))
    await message.answer("\n\n".join(parts),
                         reply_markup=kb([[btn(t("prog-btn-open", title=programme.title),
                                               PrCb(pid=programme.id, a="o"))]]))


def local_today(unit: Unit | None, now: datetime) -> date:
    """Today in the unit's time zone (UTC when it has none): no settings at hand here."""
    try:
        return now.astimezone(ZoneInfo(unit.timezone)).date() if unit is not None and unit.timezone else now.date()
    except (ZoneInfoNotFoundError, ValueError):
        return now.date()


# ---------------------------------------------------------------------------------------------
# the router
# ---------------------------------------------------------------------------------------------
def build_router() -> Router:
    router = Router(name="programmes")
    router.callback_query.middleware(EndDialogOnNavigation())

    async def load(query: CallbackQuery, session: AsyncSession, data: dict[str, Any], pid: int,
                   with_username: bool = False) -> tuple[Ctx, Programme, Unit] | None:
        ctx = await make_ctx(session, data, with_username=with_username)
        found = await P.programme_in_access(session, ctx.access, pid) if ctx.access.any else None
        if found is None:
            await refuse(query, ctx)
            return None
        return ctx, found[0], found[1]

    # -----------------------------------------------------------------------------------------
    # the curator's list and programme view
    # -----------------------------------------------------------------------------------------
    @router.callback_query(ProgrammesCb.filter())
    async def programme_list(query: CallbackQuery, callback_data: ProgrammesCb, session: AsyncSession,
                             **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.uid) if ctx.access.any else None
        if unit is None:
            return await refuse(query, ctx)
        await show(query, await list_view(session, ctx, unit, callback_data.p))
        await query.answer()

    @router.callback_query(ProgrammeCb.filter())
    async def programme(query: CallbackQuery, callback_data: ProgrammeCb, session: AsyncSession,
                        **data: Any) -> None:
        loaded = await load(query, session, data, callback_data.pid)
        if loaded is None:
            return
        ctx, prog, unit = loaded
        await show(query, await programme_view(session, ctx, prog, unit))
        await query.answer()

    # -----------------------------------------------------------------------------------------
    # members
    # -----------------------------------------------------------------------------------------
    @router.callback_query(PgMembers.filter())
    async def members(query: CallbackQuery, callback_data: PgMembers, session: AsyncSession, **data: Any) -> None:
        loaded = await load(query, session, data, callback_data.pid)
        if loaded is None:
            return
        ctx, prog, _ = loaded
        if callback_data.s not in SIDE_CODES:
            return await refuse(query, ctx)
        await show(query, await members_view(session, ctx, prog, callback_data.s, callback_data.p))
        await query.answer()

    @router.callback_query(PgRemove.filter())
    async def remove(query: CallbackQuery, callback_data: PgRemove, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        loaded = await load(query, session, data, cb.pid)
        if loaded is None:
            return
        ctx, prog, _ = loaded
        found = await P.member_in_programme(session, prog, cb.m)
        if found is None or cb.s not in SIDE_CODES or cb.ok not in (0, 1):
            return await refuse(query, ctx)
        member, person = found
        if member.left_at is not None or person.status == "erased":
            notice = ctx.t("prog-remove-already", name=name_of(person))
            await show(query, await members_view(session, ctx, prog, cb.s, cb.p, notice=notice))
            return await query.answer(notice, show_alert=True)
        if cb.ok == 0:
            text = ctx.t("prog-remove-ask", title=prog.title, name=name_of(person))
            rows = [[btn(ctx.t("prog-btn-remove-yes"), PgRemove(pid=prog.id, m=member.id, s=cb.s, p=cb.p, ok=1)),
                     btn(ctx.t("cur-btn-no"), PgMembers(pid=prog.id, s=cb.s, p=cb.p))]]
            await show(query, (text, kb(rows)))
            return await query.answer()
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        await P.remove_member(session, member, ctx.now)
        await audit(session, "programme.member_removed", actor.id, "programme", prog.id, member_id=member.id,
                    participant_id=person.id)
        notice = ctx.t("prog-removed", name=name_of(person))
        await show(query, await members_view(session, ctx, prog, cb.s, cb.p, notice=notice))
        await query.answer(notice)

    # -----------------------------------------------------------------------------------------
    # adding from the base
    # -----------------------------------------------------------------------------------------
    @router.callback_query(PgBase.filter())
    async def base(query: CallbackQuery, callback_data: PgBase, session: AsyncSession, **data: Any) -> None:
        loaded = await load(query, session, data, callback_data.pid)
        if loaded is None:
            return
        ctx, prog, unit = loaded
        if callback_data.s not in SIDE_CODES:
            return await refuse(query, ctx)
        if prog.status != "active":
            return await query.answer(ctx.t("prog-invalid-finished"), show_alert=True)
        await show(query, await base_view(session, ctx, prog, unit, callback_data.s, callback_data.p))
        await query.answer()

    @router.callback_query(PgAdd.filter())
    async def add(query: CallbackQuery, callback_data: PgAdd, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        loaded = await load(query, session, data, cb.pid)
        if loaded is None:
            return
        ctx, prog, unit = loaded
        person = await participant_in_access(session, ctx.access, cb.id)
        if person is None or cb.s not in SIDE_CODES:
            return await refuse(query, ctx)
        side = SIDE_CODES[cb.s]
        try:
            member, added = await P.add_member(session, prog, person, side, ctx.now, today_at(ctx, unit))
        except Invalid as exc:
            return await query.answer(invalid_text(ctx.t, exc), show_alert=True)
        if added:
            actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
            await audit(session, "programme.member_added", actor.id, "programme", prog.id, member_id=member.id,
                        participant_id=person.id, side=side)
            notice = ctx.t("prog-added", name=name_of(person), side=side_one(ctx.t, side))
        else:
            notice = ctx.t("prog-add-already", name=name_of(person))
        await show(query, await base_view(session, ctx, prog, unit, cb.s, cb.p, notice=notice))
        await query.answer(notice, show_alert=not added)

    # -----------------------------------------------------------------------------------------
    # the programme link
    # -----------------------------------------------------------------------------------------
    @router.callback_query(PgLink.filter())
    async def link(query: CallbackQuery, callback_data: PgLink, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        loaded = await load(query, session, data, cb.pid, with_username=True)
        if loaded is None:
            return
        ctx, prog, unit = loaded
        if cb.a not in ("v", "n", "r", "y"):
            return await refuse(query, ctx)
        if cb.a == "v":
            await show(query, await link_view(session, ctx, prog, unit))
            return await query.answer()
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        if cb.a == "n":
            if cb.i:
                return await refuse(query, ctx)
            try:
                inv = await P.create_invitation(session, prog, ctx.now, actor.id,
                                                days=ctx.settings.invitation_default_days)
            except Invalid as exc:
                return await query.answer(invalid_text(ctx.t, exc), show_alert=True)
            await audit(session, "invitation.created", actor.id, "invitation", inv.id, unit_id=unit.id,
                        kind="programme", programme_id=prog.id, days=ctx.settings.invitation_default_days)
            notice = ctx.t("prog-link-created")
            await show(query, await link_view(session, ctx, prog, unit, notice=notice))
            return await query.answer(notice)
        found = await invitation_in_access(session, ctx.access, cb.i, kind="programme")
        if found is None or found[0].programme_id != prog.id:
            return await refuse(query, ctx)
        inv = found[0]
        if inv.revoked_at is not None:
            notice = ctx.t("prog-link-revoke-already")
            await show(query, await link_view(session, ctx, prog, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        if cb.a == "r":
            text = ctx.t("prog-link-revoke-ask", title=prog.title)
            rows = [[btn(ctx.t("cur-btn-revoke-yes"), PgLink(pid=prog.id, a="y", i=inv.id)),
                     btn(ctx.t("cur-btn-no"), PgLink(pid=prog.id))]]
            await show(query, (text, kb(rows)))
            return await query.answer()
        await invitations.revoke(session, inv, ctx.now)
        await audit(session, "invitation.revoked", actor.id, "invitation", inv.id, unit_id=unit.id,
                    kind="programme", programme_id=prog.id)
        notice = ctx.t("prog-link-revoked")
        await show(query, await link_view(session, ctx, prog, unit, notice=notice))
        await query.answer(notice)

    # -----------------------------------------------------------------------------------------
    # preferences (the curator's summary)
    # -----------------------------------------------------------------------------------------
    @router.callback_query(PgPrefs.filter())
    async def prefs(query: CallbackQuery, callback_data: PgPrefs, session: AsyncSession, **data: Any) -> None:
        loaded = await load(query, session, data, callback_data.pid)
        if loaded is None:
            return
        ctx, prog, _ = loaded
        await show(query, await prefs_view(session, ctx, prog, callback_data.p))
        await query.answer()

    # -----------------------------------------------------------------------------------------
    # the "new programme" dialog
    # -----------------------------------------------------------------------------------------
    @router.callback_query(PgNew.filter())
    async def new(query: CallbackQuery, callback_data: PgNew, session: AsyncSession, state: FSMContext,
                  **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.u) if ctx.access.any else None
        if unit is None or not P.forms_for_unit(unit):
            return await refuse(query, ctx)
        await end_dialog(state, ProgForm, "pg_")
        await state.set_state(ProgForm.form)
        fsm = {"pg_u": unit.id}
        mid = await prompt_in_place(query, step_view(ctx, unit, ProgForm.form.state, fsm))
        await state.update_data(pg_u=unit.id, pg_mid=mid)
        await query.answer()

    @router.callback_query(PgStep.filter())
    async def step(query: CallbackQuery, callback_data: PgStep, session: AsyncSession, state: FSMContext,
                   **data: Any) -> None:
        ctx = await make_ctx(session, data)
        if not ctx.access.any:
            await end_dialog(state, ProgForm, "pg_")
            return await refuse(query, ctx)
        cb = callback_data
        state_name = await state.get_state()
        fsm = await state.get_data()
        message_id = query.message.message_id if query.message else None
        if cb.a not in STEP_ACTIONS:
            return await query.answer(ctx.t("prog-bad-button"), show_alert=True)
        if state_name not in STEP_ACTIONS[cb.a] or message_id is None or message_id != fsm.get("pg_mid"):
            return await query.answer(ctx.t("prog-stale"), show_alert=True)
        unit = await dialog_unit(session, ctx, fsm)
        if unit is None:
            await end_dialog(state, ProgForm, "pg_")
            return await refuse(query, ctx)
        if cb.a == "x":
            await end_dialog(state, ProgForm, "pg_")
            await show(query, await list_view(session, ctx, unit, notice=ctx.t("prog-new-cancelled")))
            return await query.answer()
        try:
            if cb.a == "f":
                f = P.form(cb.v)
                P.check_form_for_unit(unit, f)
                fsm.update(pg_form=f.code, pg_rm=[])
                next_state = ProgForm.role_models.state
            elif cb.a == "t":
                f = P.form(fsm.get("pg_form"))
                if cb.v not in f.role_models:
                    raise Invalid("role-model")
                chosen = list(fsm.get("pg_rm") or [])
                if cb.v in chosen:
                    chosen.remove(cb.v)
                else:
                    chosen.append(cb.v)
                fsm["pg_rm"] = P.check_role_models(f, chosen) if chosen else []
                next_state = state_name
            elif cb.a == "d":
                if cb.v:
                    raise Invalid("button")
                chosen = fsm.get("pg_rm") or []
                if not chosen:
                    return await query.answer(ctx.t("prog-invalid-role-models-empty"), show_alert=True)
                next_state = ProgForm.title.state
            elif cb.a == "i":
                if not cb.v.isdigit():
                    raise Invalid("interval")
                fsm["pg_int"] = P.check_interval(int(cb.v))
                next_state = ProgForm.mode.state
            elif cb.a == "g":
                if cb.v not in ("0", "1"):
                    raise Invalid("button")
                fsm["pg_group"] = cb.v == "1"
                next_state = ProgForm.confirm.state
            else:  # ok
                if cb.v:
                    raise Invalid("button")
                return await create(query, session, state, ctx, unit, fsm, data)
        except Invalid:
            return await query.answer(ctx.t("prog-bad-button"), show_alert=True)
        await state.set_state(next_state)
        fsm["pg_mid"] = await prompt_in_place(query, step_view(ctx, unit, next_state, fsm))
        await state.set_data(fsm)
        await query.answer()

    async def create(query: CallbackQuery, session: AsyncSession, state: FSMContext, ctx: Ctx, unit: Unit,
                     fsm: dict[str, Any], data: dict[str, Any]) -> None:
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        try:
            prog = await P.create_programme(
                session, unit=unit, form_code=fsm.get("pg_form"), role_models=fsm.get("pg_rm") or [],
                title=fsm.get("pg_title") or "", starts_on=fsm.get("pg_start") or "", ends_on=fsm.get("pg_end") or "",
                interval_days=int(fsm.get("pg_int") or 0), group_mode=bool(fsm.get("pg_group")),
                today=today_at(ctx, unit), now=ctx.now, created_by=actor.id,
            )
        except Invalid as exc:  # e.g. the school year has turned meanwhile
            problem = dated_invalid_text(ctx, unit, exc)
            back_to = ProgForm.title.state if exc.code.startswith("title") else ProgForm.start.state
            await state.set_state(back_to)
            text, markup = step_view(ctx, unit, back_to, fsm)
            fsm["pg_mid"] = await prompt_in_place(query, (with_notice(text, problem), markup))
            await state.set_data(fsm)
            return await query.answer(problem, show_alert=True)
        await audit(session, "programme.created", actor.id, "programme", prog.id, unit_id=unit.id, form=prog.form)
        await end_dialog(state, ProgForm, "pg_")
        await show(query, await programme_view(session, ctx, prog, unit, notice=ctx.t("prog-created")))
        await query.answer()

    @router.message(StateFilter(*TEXT_STEPS), F.text)
    async def text_step(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        fsm = await state.get_data()
        unit = await dialog_unit(session, ctx, fsm) if ctx.access.any else None
        if unit is None:
            await end_dialog(state, ProgForm, "pg_")
            await message.answer(ctx.t("cur-not-found"))
            return
        if message.text.startswith("/"):
            await message.answer(ctx.t("prog-text-expected"))
            return
        state_name = await state.get_state()
        try:
            if state_name == ProgForm.title.state:
                fsm["pg_title"] = P.parse_title(message.text)
                next_state = ProgForm.start.state
            elif state_name == ProgForm.start.state:
                start = P.parse_date(message.text)
                P.check_start(start, today_at(ctx, unit))
                fsm["pg_start"] = start.isoformat()
                next_state = ProgForm.end.state
            else:
                end = P.parse_date(message.text)
                P.check_end(date.fromisoformat(fsm["pg_start"]), end, today_at(ctx, unit))
                fsm["pg_end"] = end.isoformat()
                next_state = ProgForm.interval.state
        except Invalid as exc:
            await message.answer(dated_invalid_text(ctx, unit, exc))
            return
        await state.set_state(next_state)
        text, markup = step_view(ctx, unit, next_state, fsm)
        sent = await message.answer(text, reply_markup=markup)
        fsm["pg_mid"] = sent.message_id
        await state.set_data(fsm)

    @router.message(StateFilter(*TEXT_STEPS))
    async def text_step_other(message: Message, t: Translate) -> None:
        await message.answer(t("prog-text-expected"))

    @router.message(StateFilter(ProgForm))
    async def button_step_text(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        """Text where the buttons of the question above are expected: say so, ask again."""
        ctx = await make_ctx(session, data)
        fsm = await state.get_data()
        unit = await dialog_unit(session, ctx, fsm) if ctx.access.any else None
        if unit is None:
            await end_dialog(state, ProgForm, "pg_")
            await message.answer(ctx.t("cur-not-found"))
            return
        await message.answer(ctx.t("prog-use-buttons"))
        text, markup = step_view(ctx, unit, await state.get_state(), fsm)
        sent = await message.answer(text, reply_markup=markup)
        await state.update_data(pg_mid=sent.message_id)

    # -----------------------------------------------------------------------------------------
    # participants: /programmes and their wishes
    # -----------------------------------------------------------------------------------------
    @router.message(Command("programmes"))
    async def cmd_programmes(message: Message, session: AsyncSession, state: FSMContext, user: User | None,
                             **data: Any) -> None:
        ctx = participant_ctx(data)
        participant = await participant_of(session, user)
        if participant is None:
            await message.answer(ctx.t("prog-my-not-participant"))
            return
        await end_dialog(state, ProgPrefs, "pf_")
        text, markup = await my_list_view(session, ctx, participant)
        await message.answer(text, reply_markup=markup)

    @router.callback_query(PrCb.filter())
    async def participant_action(query: CallbackQuery, callback_data: PrCb, session: AsyncSession,
                                 state: FSMContext, user: User | None, **data: Any) -> None:
        ctx = participant_ctx(data)
        cb = callback_data
        participant = await participant_of(session, user)
        if participant is None:
            await end_dialog(state, ProgPrefs, "pf_")
            return await query.answer(ctx.t("prog-my-not-participant"), show_alert=True)
        if cb.a == "l":
            if cb.pid or cb.v:
                return await query.answer(ctx.t("prog-bad-button"), show_alert=True)
            await end_dialog(state, ProgPrefs, "pf_")
            await show(query, await my_list_view(session, ctx, participant))
            return await query.answer()
        if cb.a not in ("o", "s", *PICK_ACTIONS):
            return await query.answer(ctx.t("prog-bad-button"), show_alert=True)
        found = await P.active_member(session, cb.pid, participant)
        if found is None:
            fsm = await state.get_data()
            if fsm.get("pf_pid") == cb.pid:
                await end_dialog(state, ProgPrefs, "pf_")
            return await query.answer(ctx.t("prog-invalid-not-member"), show_alert=True)
        member, prog = found
        if cb.a == "o":
            await end_dialog(state, ProgPrefs, "pf_")
            await show(query, await card_view(session, ctx, prog, member, participant))
            return await query.answer()
        if prog.status != "active":
            await end_dialog(state, ProgPrefs, "pf_")
            return await query.answer(ctx.t("prog-invalid-finished"), show_alert=True)
        if cb.a == "s":
            selected = [m.id for _, m, _ in await P.preferences_of(session, member)]
            (view, page) = await pick_view(session, ctx, prog, member, participant, selected, 0)
            await state.set_state(ProgPrefs.choose)
            mid = await prompt_in_place(query, view)
            await state.update_data(pf_pid=prog.id, pf_sel=selected, pf_pg=page, pf_mid=mid)
            return await query.answer()
        # a step of the choosing dialog: only the latest prompt's buttons count
        fsm = await state.get_data()
        message_id = query.message.message_id if query.message else None
        if await state.get_state() != ProgPrefs.choose.state or fsm.get("pf_pid") != prog.id \
                or message_id is None or message_id != fsm.get("pf_mid"):
            return await query.answer(ctx.t("prog-stale"), show_alert=True)
        selected = [int(x) for x in fsm.get("pf_sel") or []]
        page = int(fsm.get("pf_pg") or 0)
        if cb.a == "t":
            target = await P.member_in_programme(session, prog, cb.v)
            allowed = target is not None and target[0].side == P.other_side(member.side) \
                and target[0].left_at is None and target[1].status == "active"
            if cb.v in selected:
                selected.remove(cb.v)
            elif not allowed:
                return await query.answer(ctx.t("prog-bad-button"), show_alert=True)
            elif len(selected) >= P.MAX_PREFERENCES:
                return await query.answer(ctx.t("prog-pick-full", max=P.MAX_PREFERENCES), show_alert=True)
            else:
                selected.append(cb.v)
        elif cb.a == "p":
            page = cb.v
        elif cb.a == "c":
            if cb.v:
                return await query.answer(ctx.t("prog-bad-button"), show_alert=True)
            selected = []
        elif cb.a == "r":
            if cb.v:
                return await query.answer(ctx.t("prog-bad-button"), show_alert=True)
            await state.update_data(pf_sel=selected)
            await show(query, await review_view(session, ctx, prog, participant, selected))
            return await query.answer()
        elif cb.a == "k":
            if cb.v:
                return await query.answer(ctx.t("prog-bad-button"), show_alert=True)
            try:
                await P.set_preferences(session, member, selected, ctx.now)
            except Invalid as exc:  # someone chosen left meanwhile: choose again
                (view, page) = await pick_view(session, ctx, prog, member, participant, [], 0)
                await state.update_data(pf_sel=[], pf_pg=page)
                await show(query, (with_notice(view[0], invalid_text(ctx.t, exc)), view[1]))
                return await query.answer(invalid_text(ctx.t, exc), show_alert=True)
            await audit(session, "programme.preferences", user.id if user else None, "programme", prog.id,
                        member_id=member.id, count=len(selected))
            await end_dialog(state, ProgPrefs, "pf_")
            notice = ctx.t("prog-saved")
            await show(query, await card_view(session, ctx, prog, member, participant, notice=notice))
            return await query.answer(notice)
        # t, p, c, b: the list again
        (view, page) = await pick_view(session, ctx, prog, member, participant, selected, page)
        await state.update_data(pf_sel=selected, pf_pg=page)
        await show(query, view)
        await query.answer()

    @router.message(StateFilter(ProgPrefs.choose))
    async def pick_text(message: Message, session: AsyncSession, state: FSMContext, user: User | None,
                        **data: Any) -> None:
        """Text while choosing: the buttons are the answer; show the list again below."""
        ctx = participant_ctx(data)
        if message.text and message.text.startswith("/"):
            await message.answer(ctx.t("fallback-unknown-command"))
            return
        fsm = await state.get_data()
        participant = await participant_of(session, user)
        found = await P.active_member(session, int(fsm.get("pf_pid") or 0), participant)
        if found is None:
            await end_dialog(state, ProgPrefs, "pf_")
            await message.answer(ctx.t("prog-invalid-not-member"))
            return
        member, prog = found
        selected = [int(x) for x in fsm.get("pf_sel") or []]
        await message.answer(ctx.t("prog-use-buttons"))
        (view, page) = await pick_view(session, ctx, prog, member, participant, selected,
                                       int(fsm.get("pf_pg") or 0))
        sent = await message.answer(view[0], reply_markup=view[1])
        await state.update_data(pf_mid=sent.message_id, pf_pg=page)

    return router
