"""Pairs and groups of a programme: proposals, the curator's decisions, the participants' answers.

Curator side (entry: ``handlers.callbacks.PairsCb`` from the programme view): the pairs screen
with counts, "propose pairs" (a progress message edited while the engine runs, then the
summary), proposals one per screen (approve, reject), approve all, pairing by hand (mentor →
mentee), the active pairs and their annex as XLSX. Each update recomputes the curator's reach
(``handlers.curator.make_ctx``); a programme is reached through its unit
(``domain.programmes.programme_in_access``), pairs and members only through that programme, and
anything else gets the curator menu's "not found or not yours" answer.

Participant side: the accept / decline buttons of the cards the outbox delivers
(``domain.pairing.CB_ANSWER``); a decline asks for an optional reason. Only a member of that very
pair may answer.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import MatchRun, Programme, Unit
from domain import pairing
from domain.curation import actor_user, clamp_page, pages
from domain.exports import pairs_xlsx
from domain.pairing import PairingError
from domain.programmes import programme_in_access
from domain.text import BUTTON_MAX
from handlers.callbacks import PairsCb, ProgrammeCb
from handlers.curator import make_ctx, refuse, show
from handlers.curator_views import (
    Ctx,
    View,
    btn,
    fmt_date,
    kb,
    pager,
    short,
    with_notice,
)
from handlers.monitoring import pair_button

log = logging.getLogger(__name__)

PICK_PAGE = 8
ACTIVE_PAGE = 10
NAMES_SHOWN = 10  # unmatched people named per reason in a summary
UNMATCHED_KEYS = {  # the engine's reasons for leaving a mentee without a pair, in the summary's order
    "no_eligible_mentor": "pair-why-no-eligible-mentor",
    "capacity": "pair-why-capacity",
    "no_consent": "pair-why-no-consent",
}


# ---------------------------------------------------------------------------------------------
# callback data (prefix family "q"; the participant's answer and "pair these two" are also
# produced by domain.pairing for outbox messages: keep the field order)
# ---------------------------------------------------------------------------------------------
class PrRun(CallbackData, prefix="qr"):
    """Propose pairs for a programme."""

    pid: int


class PrShow(CallbackData, prefix="qp"):
    """Proposal number i (0-based, best first)."""

    pid: int
    i: int = 0


class PrDo(CallbackData, prefix="qd"):
    """Decide on a proposal: a = 'a' approve | 'r' reject; v = the version the curator saw."""

    pid: int
    id: int
    a: str
    v: int
    i: int = 0


class PrAll(CallbackData, prefix="qa"):
    """Approve all proposals: ok=0 asks, ok=1 approves."""

    pid: int
    ok: int = 0


class PrPick(CallbackData, prefix=pairing.CB_PICK):
    """Pair by hand: m=0 choose a mentor (page p), for mentee e when e is set; m=<member id>
    choose their mentee (page p). n=1 when pressed under a notice: the list comes as a new
    message and the notice stays (domain.pairing builds such buttons: keep the field order)."""

    pid: int
    m: int = 0
    p: int = 0
    e: int = 0
    n: int = 0


class PrMake(CallbackData, prefix=pairing.CB_MAKE):
    """Pair mentor member m with mentee member e; n=1 when pressed under a notice (a decline's
    suggestion): the result comes as a new message and the notice stays as it was."""

    pid: int
    m: int
    e: int
    n: int = 0


class PrOpen(CallbackData, prefix=pairing.CB_OPEN):
    """The pairs screen as a new message (the button under a notice)."""

    pid: int


class PrActive(CallbackData, prefix="ql"):
    """Active pairs and groups, page p."""

    pid: int
    p: int = 0


class PrXlsx(CallbackData, prefix="qx"):
    """Download the annex to the order fixing the pairs."""

    pid: int


class PrWait(CallbackData, prefix="qw"):
    """Approved pairs awaiting answers, page p."""

    pid: int
    p: int = 0


class PrWithdraw(CallbackData, prefix="qv"):
    """Withdraw an approved pair: ok=0 asks, ok=1 withdraws; v = the version the curator saw."""

    pid: int
    id: int
    v: int
    ok: int = 0


class PrWeights(CallbackData, prefix="qg"):
    """The matching weights: a = 's' show | 'u' one step up | 'd' one step down | 'r' reset; k = weight index."""

    pid: int
    a: str = "s"
    k: int = 0


class PrAnswer(CallbackData, prefix=pairing.CB_ANSWER):
    """A participant's answer to a card: a = 'y' accept | 'n' decline."""

    id: int
    a: str


class PrReason(CallbackData, prefix="qs"):
    """While declining: a = 's' decline without a reason | 'c' do not decline after all."""

    id: int
    a: str


class Decline(StatesGroup):
    reason = State()


DECLINE_KEY = "pair_decline"


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
async def reach(session: AsyncSession, data: dict[str, Any], pid: int) -> tuple[Ctx, Programme | None, Unit | None]:
    """The curator's context and the programme when it is theirs."""
    ctx = await make_ctx(session, data)
    found = await programme_in_access(session, ctx.access, pid) if ctx.access.any else None
    if found is None:
        return ctx, None, None
    return ctx, found[0], found[1]


async def send_new(query: CallbackQuery, view: View) -> None:
    text, markup = view
    await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


def error_text(t, exc: PairingError) -> str:
    return t(f"pair-err-{exc.code}", **exc.params)


def names(ctx: Ctx, people: list[str]) -> str:
    shown = ", ".join(people[:NAMES_SHOWN])
    if len(people) > NAMES_SHOWN:
        shown += ctx.t("pair-and-more", n=len(people) - NAMES_SHOWN)
    return shown


def who_line(ctx: Ctx, m: pairing.Member) -> str:
    return ctx.t("pair-person", name=m.name, details=pairing.details(ctx.t, m.participant))


# ---------------------------------------------------------------------------------------------
# views
# ---------------------------------------------------------------------------------------------
async def pairs_view(session: AsyncSession, ctx: Ctx, programme: Programme, unit: Unit,
                     notice: str | None = None) -> View:
    counts = await pairing.status_counts(session, programme.id)
    n = {s: counts.get(s, 0) for s in (pairing.PROPOSED, pairing.APPROVED, pairing.ACTIVE, pairing.DECLINED,
                                       pairing.REJECTED)}
    lines = [ctx.t("pair-title", programme=programme.title),
             ctx.t("pair-counts", proposed=n["proposed"], approved=n["approved"], active=n["active"],
                   declined=n["declined"], rejected=n["rejected"])]
    unanswered = await pairing.unanswered_count(session, programme.id)
    if unanswered:
        lines.append(ctx.t("pair-counts-unanswered", n=unanswered))
    run = await pairing.last_run(session, programme.id)
    if run is not None and run.status == "done":
        s = run.summary or {}
        lines.append(ctx.t("pair-last-run", date=fmt_date(run.finished_at or run.started_at, ctx, unit),
                           pairs=s.get("pairs", 0), groups=s.get("groups", 0)))
    elif run is not None and run.status == "running":
        lines.append(ctx.t("pair-run-running-now"))
    rows = [[btn(ctx.t("pair-btn-propose"), PrRun(pid=programme.id))]]
    if n["proposed"]:
        rows.append([btn(ctx.t("pair-btn-proposals", n=n["proposed"]), PrShow(pid=programme.id)),
                     btn(ctx.t("pair-btn-approve-all"), PrAll(pid=programme.id))])
    rows.append([btn(ctx.t("pair-btn-manual"), PrPick(pid=programme.id))])
    if n["approved"]:
        rows.append([btn(ctx.t("pair-btn-waiting", n=n["approved"]), PrWait(pid=programme.id))])
    rows.append([btn(ctx.t("pair-btn-weights"), PrWeights(pid=programme.id))])
    rows.append([btn(ctx.t("pair-btn-active", n=n["active"]), PrActive(pid=programme.id)),
                 btn(ctx.t("pair-btn-xlsx"), PrXlsx(pid=programme.id))])
    rows.append([btn(ctx.t("pair-btn-programme"), ProgrammeCb(pid=programme.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


async def summary_view(session: AsyncSession, ctx: Ctx, programme: Programme, run: MatchRun,
                       ) -> View:
    s = run.summary or {}
    lines = [ctx.t("pair-summary-title", programme=programme.title),
             ctx.t("pair-summary-counts", pairs=s.get("pairs", 0), groups=s.get("groups", 0),
                   mentees=s.get("mentees_proposed", 0))]
    if s.get("average") is not None:
        lines.append(ctx.t("pair-summary-average", percent=pairing.percent(s["average"])))
    if s.get("kept"):
        lines.append(ctx.t("pair-summary-kept", n=s["kept"]))
    unmatched: dict[str, list[int]] = s.get("unmatched") or {}
    ids = [i for group in unmatched.values() for i in group] + list(s.get("unmatched_mentors") or [])
    people = await pairing.members_by_id(session, ids)
    total = sum(len(v) for v in unmatched.values())
    if total:
        lines.append("")
        lines.append(ctx.t("pair-summary-unmatched", n=total))
        other = [i for why, group in unmatched.items() if why not in UNMATCHED_KEYS for i in group]
        for key, group in [*((UNMATCHED_KEYS[why], unmatched.get(why)) for why in UNMATCHED_KEYS),
                           ("pair-why-other", other)]:
            if group:
                lines.append(ctx.t(key, n=len(group), names=names(ctx, [people[i].name for i in group
                                                                        if i in people])))
    elif not s.get("mentees_proposed"):
        lines.append(ctx.t("pair-summary-nothing"))
    free_mentors = s.get("unmatched_mentors") or []
    if free_mentors:
        lines.append(ctx.t("pair-summary-free-mentors", n=len(free_mentors),
                           names=names(ctx, [people[i].name for i in free_mentors if i in people])))
    if s.get("skipped"):
        lines.append(ctx.t("pair-summary-skipped", n=s["skipped"]))
    rows = []
    if s.get("mentees_proposed"):
        rows.append([btn(ctx.t("pair-btn-review"), PrShow(pid=programme.id))])
    rows.append([btn(ctx.t("pair-btn-back"), PairsCb(pid=programme.id))])
    return "\n".join(lines), kb(rows)


def reasons_block(ctx: Ctx, reasons: list[dict[str, Any]]) -> list[str]:
    lines = pairing.describe_reasons(ctx.t, reasons)
    return [ctx.t("pair-reason-line", text=line) for line in lines] or [ctx.t("pair-reasons-none")]


async def proposal_view(session: AsyncSession, ctx: Ctx, programme: Programme, index: int,
                        notice: str | None = None) -> View:
    items = await pairing.proposals(session, programme.id)
    if not items:  # all decided: back to the pairs screen
        unit = await session.get(Unit, programme.unit_id)
        return await pairs_view(session, ctx, programme, unit, notice=notice or ctx.t("pair-no-proposals"))
    index = clamp_page(index, len(items), 1)
    pair = items[index]
    mentor, mentees = await pairing.people_of(session, pair)
    lines = [ctx.t("pair-proposal-title", n=index + 1, total=len(items), percent=pairing.percent(pair.score))]
    lines.append(ctx.t("pair-proposal-mentor", person=who_line(ctx, mentor) if mentor else "—"))
    for pm, m in mentees:
        lines.append("")
        lines.append(ctx.t("pair-proposal-mentee", person=who_line(ctx, m), percent=pairing.percent(pm.score)))
        lines.extend(reasons_block(ctx, pm.reasons))
    pid = programme.id
    rows = [
        [btn(ctx.t("pair-btn-approve"), PrDo(pid=pid, id=pair.id, a="a", v=pair.version, i=index)),
         btn(ctx.t("pair-btn-reject"), PrDo(pid=pid, id=pair.id, a="r", v=pair.version, i=index))],
        pager(ctx, index, len(items), lambda i: PrShow(pid=pid, i=i)),
        [btn(ctx.t("pair-btn-back"), PairsCb(pid=pid))],
    ]
    return with_notice("\n".join(lines), notice), kb(rows)


async def pick_view(session: AsyncSession, ctx: Ctx, programme: Programme, mentor_id: int, page: int,
                    notice: str | None = None, mentee_id: int = 0) -> View | None:
    """Choose a mentor (only those with a free place: in brackets, places taken of all), for one
    mentee when ``mentee_id`` is set (not those she may never be paired with by hand: a pair one
    of them declined or that was dissolved; a proposal the curator rejected may be made
    deliberately, as from the general list); then a mentee nobody has yet."""
    pid = programme.id
    per_mentor, taken = pairing.load_of(await pairing.fixed_combos(session, pid))
    lines: list[str] = []
    if mentor_id == 0:
        mentors = await pairing.members(session, programme, "mentor")
        people = [m for m in mentors if per_mentor[m.id] < m.capacity]
        full = len(mentors) - len(people)
        if mentee_id:
            mentee = await pairing.member(session, programme, mentee_id)
            if mentee is None or mentee.side != "mentee" or not mentee.present:
                return None
            if mentee.id in taken:
                notice = notice or error_text(ctx.t, PairingError("mentee-taken"))
                people = []
            refused = await pairing.refused_combos(session, pid)  # what check_manual refuses, no more
            people = [m for m in people if (m.id, mentee.id) not in refused]
            lines.append(ctx.t("pair-pick-mentor-for", programme=programme.title, mentee=mentee.name))
            make = lambda m: PrMake(pid=pid, m=m.id, e=mentee_id)
        else:
            lines.append(ctx.t("pair-pick-mentor", programme=programme.title))
            make = lambda m: PrPick(pid=pid, m=m.id)
        if full:
            lines.append(ctx.t("pair-pick-full", n=full))
        label = lambda m: ctx.t("pair-pick-mentor-button", name=m.name, used=per_mentor[m.id], capacity=m.capacity)
        back = PairsCb(pid=pid)
    else:
        mentor = await pairing.member(session, programme, mentor_id)
        if mentor is None or mentor.side != "mentor" or not mentor.present:
            return None
        people = [m for m in await pairing.members(session, programme, "mentee") if m.id not in taken]
        lines.append(ctx.t("pair-pick-mentee", mentor=mentor.name, used=per_mentor[mentor.id],
                           capacity=mentor.capacity))
        if per_mentor[mentor.id] >= mentor.capacity:  # full meanwhile: nobody can be chosen for her
            notice = notice or error_text(ctx.t, PairingError("over-capacity", capacity=mentor.capacity))
            people = []
        label = lambda m: m.name if m.consent_ok else ctx.t("pair-pick-no-consent", name=m.name)
        make = lambda m: PrMake(pid=pid, m=mentor_id, e=m.id)
        back = PrPick(pid=pid)
    page = clamp_page(page, len(people), PICK_PAGE)
    shown = people[page * PICK_PAGE:(page + 1) * PICK_PAGE]
    if not people:
        lines.append(ctx.t("pair-pick-empty"))
    rows = [[btn(label(m), make(m))] for m in shown]
    rows.append(pager(ctx, page, pages(len(people), PICK_PAGE),
                      lambda p: PrPick(pid=pid, m=mentor_id, p=p, e=mentee_id)))
    rows.append([btn(ctx.t("pair-btn-back"), back)])
    return with_notice("\n".join(lines), notice), kb(rows)


async def active_view(session: AsyncSession, ctx: Ctx, programme: Programme, unit: Unit, page: int
                      ) -> View:
    pid = programme.id
    items = await pairing.pairs_with_status(session, pid, (pairing.ACTIVE,))
    page = clamp_page(page, len(items), ACTIVE_PAGE)
    shown = items[page * ACTIVE_PAGE:(page + 1) * ACTIVE_PAGE]
    lines = [ctx.t("pair-active-title", programme=programme.title, n=len(items))]
    opened = []
    for n, pair in enumerate(shown, start=page * ACTIVE_PAGE + 1):
        mentor, mentees = await pairing.people_of(session, pair)
        opened.append((n, pair.id, mentor.name if mentor else "—", ", ".join(m.name for _, m in mentees) or "—"))
        lines.append(ctx.t("pair-active-line", n=n, mentor=mentor.name if mentor else "—",
                           mentees=", ".join(m.name for _, m in mentees) or "—",
                           date=fmt_date(pair.activated_at or pair.approved_at or pair.created_at, ctx, unit)))
    rows = [[pair_button(ctx, *item)] for item in opened]  # each pair's screen: handlers/monitoring.py
    rows.append(pager(ctx, page, pages(len(items), ACTIVE_PAGE), lambda p: PrActive(pid=pid, p=p)))
    if items:
        rows.append([btn(ctx.t("pair-btn-xlsx"), PrXlsx(pid=pid))])
    rows.append([btn(ctx.t("pair-btn-back"), PairsCb(pid=pid))])
    return "\n".join(lines), kb(rows)


async def waiting_view(session: AsyncSession, ctx: Ctx, programme: Programme, unit: Unit, page: int,
                       notice: str | None = None) -> View:
    """Approved pairs awaiting answers, oldest first, each with a "withdraw" button."""
    pid = programme.id
    items = await pairing.pairs_with_status(session, pid, (pairing.APPROVED,))
    page = clamp_page(page, len(items), ACTIVE_PAGE)
    shown = items[page * ACTIVE_PAGE:(page + 1) * ACTIVE_PAGE]
    lines = [ctx.t("pair-waiting-title", programme=programme.title, n=len(items))]
    rows = []
    for n, pair in enumerate(shown, start=page * ACTIVE_PAGE + 1):
        mentor, mentees = await pairing.people_of(session, pair)
        m_name, e_names = mentor.name if mentor else "—", ", ".join(m.name for _, m in mentees) or "—"
        lines.append(ctx.t("pair-waiting-line", n=n, mentor=m_name, mentees=e_names,
                           date=fmt_date(pair.approved_at or pair.created_at, ctx, unit),
                           silent="yes" if pair.reported_at is not None else "no"))
        rows.append([btn(ctx.t("pair-btn-withdraw", n=n, mentor=short(m_name, BUTTON_MAX // 2), mentees=short(e_names, BUTTON_MAX // 2)),
                         PrWithdraw(pid=pid, id=pair.id, v=pair.version))])
    rows.append(pager(ctx, page, pages(len(items), ACTIVE_PAGE), lambda p: PrWait(pid=pid, p=p)))
    rows.append([btn(ctx.t("pair-btn-back"), PairsCb(pid=pid))])
    return with_notice("\n".join(lines), notice), kb(rows)


def fmt_weight(ctx: Ctx, value: float) -> str:
    text = f"{value:g}"
    return text.replace(".", ",") if ctx.locale == "ru" else text


def weights_view(ctx: Ctx, programme: Programme, notice: str | None = None) -> View:
    """Each weight with − / + (steps of 0.5 within [0, 10]) and a reset."""
    pid = programme.id
    values = pairing.weights_of(programme)
    lines = [ctx.t("pair-weights-title", programme=programme.title), ctx.t("pair-weights-hint"), ""]
    rows = []
    for k, name in enumerate(pairing.WEIGHT_NAMES):
        label = ctx.t(f"pair-weight-{name}")
        lines.append(ctx.t("pair-weight-line", name=label, value=fmt_weight(ctx, values[name])))
        rows.append([btn(f"− {short(label, 30)}", PrWeights(pid=pid, a="d", k=k)),
                     btn(fmt_weight(ctx, values[name]), PrWeights(pid=pid, a="s")),
                     btn(f"+ {short(label, 30)}", PrWeights(pid=pid, a="u", k=k))])
    rows.append([btn(ctx.t("pair-btn-weights-reset"), PrWeights(pid=pid, a="r"))])
    rows.append([btn(ctx.t("pair-btn-back"), PairsCb(pid=pid))])
    return with_notice("\n".join(lines), notice), kb(rows)


# ---------------------------------------------------------------------------------------------
# the router
# ---------------------------------------------------------------------------------------------
def build_router() -> Router:
    router = Router(name="pairing")

    @router.callback_query(PairsCb.filter())
    @router.callback_query(PrOpen.filter())
    async def open_pairs(query: CallbackQuery, callback_data: PairsCb | PrOpen, session: AsyncSession,
                         **data: Any) -> None:
        ctx, programme, unit = await reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        await pairing.sweep_departed(session, ctx.now, programme_id=programme.id)  # people who left meanwhile
        view = await pairs_view(session, ctx, programme, unit)
        if isinstance(callback_data, PrOpen):
            await send_new(query, view)
        else:
            await show(query, view)
        await query.answer()

    # -- proposing --------------------------------------------------------------------------
    @router.callback_query(PrRun.filter())
    async def run(query: CallbackQuery, callback_data: PrRun, session: AsyncSession, **data: Any) -> None:
        ctx, programme, unit = await reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        message = query.message
        await query.answer(ctx.t("pair-running-alert"))
        status = None
        if isinstance(message, Message):
            try:
                status = await message.edit_text(ctx.t("pair-running", percent=0))
            except TelegramBadRequest:
                status = None
        if not isinstance(status, Message):
            status = await query.bot.send_message(query.from_user.id, ctx.t("pair-running", percent=0))

        last = {"percent": 0}

        async def on_progress(fraction: float) -> None:
            value = min(99, int(fraction * 100))
            if value != last["percent"]:
                last["percent"] = value
                await status.edit_text(ctx.t("pair-running", percent=value))

        try:
            finished = await pairing.run_matching(session, programme, actor_id=actor.id, now=ctx.now,
                                                  on_progress=on_progress)
        except PairingError as exc:
            text, markup = await pairs_view(session, ctx, programme, unit, notice=error_text(ctx.t, exc))
            await status.edit_text(text, reply_markup=markup)
            return
        text, markup = await summary_view(session, ctx, programme, finished)
        await status.edit_text(text, reply_markup=markup)

    # -- proposals --------------------------------------------------------------------------
    @router.callback_query(PrShow.filter())
    async def show_proposal(query: CallbackQuery, callback_data: PrShow, session: AsyncSession, **data: Any) -> None:
        ctx, programme, _ = await reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        await show(query, await proposal_view(session, ctx, programme, callback_data.i))
        await query.answer()

    @router.callback_query(PrDo.filter(F.a.in_({"a", "r"})))
    async def decide(query: CallbackQuery, callback_data: PrDo, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        ctx, programme, _ = await reach(session, data, cb.pid)
        pair = await pairing.get_pair(session, cb.pid, cb.id) if programme is not None else None
        if pair is None:
            return await refuse(query, ctx)
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        try:
            if cb.a == "a":
                await pairing.approve(session, programme, pair, curator_id=actor.id, now=ctx.now,
                                      translator=data["translator"], default_locale=ctx.settings.default_locale,
                                      seen_version=cb.v)
                notice = ctx.t("pair-approved")
            else:
                await pairing.reject(session, programme, pair, now=ctx.now, seen_version=cb.v)
                notice = ctx.t("pair-rejected")
            alert = False
        except PairingError as exc:
            notice, alert = error_text(ctx.t, exc), True
        await show(query, await proposal_view(session, ctx, programme, cb.i, notice=notice))
        await query.answer(notice, show_alert=alert)

    @router.callback_query(PrAll.filter(F.ok.in_({0, 1})))
    async def approve_all(query: CallbackQuery, callback_data: PrAll, session: AsyncSession, **data: Any) -> None:
        ctx, programme, unit = await reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        pid = programme.id
        if callback_data.ok == 0:
            n = len(await pairing.proposals(session, pid))
            if not n:
                await show(query, await pairs_view(session, ctx, programme, unit, notice=ctx.t("pair-no-proposals")))
                return await query.answer()
            await show(query, (ctx.t("pair-approve-all-ask", n=n),
                               kb([[btn(ctx.t("pair-btn-approve-all-yes"), PrAll(pid=pid, ok=1)),
                                    btn(ctx.t("pair-btn-no"), PairsCb(pid=pid))]])))
            return await query.answer()
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        approved, skipped = await pairing.approve_all(session, programme, curator_id=actor.id, now=ctx.now,
                                                      translator=data["translator"],
                                                      default_locale=ctx.settings.default_locale)
        notice = ctx.t("pair-approved-all", n=approved, skipped=skipped)
        await show(query, await pairs_view(session, ctx, programme, unit, notice=notice))
        await query.answer(notice)

    # -- pairing by hand -------------------------------------------------------------------------
    @router.callback_query(PrPick.filter())
    async def pick(query: CallbackQuery, callback_data: PrPick, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        ctx, programme, _ = await reach(session, data, cb.pid)
        view = await pick_view(session, ctx, programme, cb.m, cb.p, mentee_id=cb.e) if programme else None
        if view is None:
            return await refuse(query, ctx)
        await (send_new(query, view) if cb.n else show(query, view))
        await query.answer()

    @router.callback_query(PrMake.filter())
    async def make(query: CallbackQuery, callback_data: PrMake, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        ctx, programme, unit = await reach(session, data, cb.pid)
        if programme is None:
            return await refuse(query, ctx)
        mentor = await pairing.member(session, programme, cb.m)
        mentee = await pairing.member(session, programme, cb.e)
        if mentor is None or mentee is None:
            return await refuse(query, ctx)
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        try:
            await pairing.manual_pair(session, programme, cb.m, cb.e, curator_id=actor.id, now=ctx.now,
                                      translator=data["translator"], default_locale=ctx.settings.default_locale)
        except PairingError as exc:
            notice = error_text(ctx.t, exc)
            if cb.n:
                return await query.answer(notice, show_alert=True)
            view = await pick_view(session, ctx, programme, cb.m if mentor.present else 0, 0, notice=notice)
            await show(query, view or await pairs_view(session, ctx, programme, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        notice = ctx.t("pair-made", mentor=mentor.name, mentee=mentee.name)
        view = await pairs_view(session, ctx, programme, unit, notice=notice)
        await (send_new(query, view) if cb.n else show(query, view))
        await query.answer(notice)

    # -- active pairs and the annex ------------------------------------------------------------
    @router.callback_query(PrActive.filter())
    async def active(query: CallbackQuery, callback_data: PrActive, session: AsyncSession, **data: Any) -> None:
        ctx, programme, unit = await reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        await show(query, await active_view(session, ctx, programme, unit, callback_data.p))
        await query.answer()

    @router.callback_query(PrXlsx.filter())
    async def xlsx(query: CallbackQuery, callback_data: PrXlsx, session: AsyncSession, **data: Any) -> None:
        ctx, programme, unit = await reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        rows = await pairing.annex_rows(session, programme, ctx.settings.timezone)
        if not rows:
            return await query.answer(ctx.t("pair-xlsx-empty"), show_alert=True)
        org = unit.name
        content = await asyncio.to_thread(pairs_xlsx, rows, ctx.locale, organisation=org, programme=programme.title,
                                          translator=data["translator"])
        await query.answer()
        await query.bot.send_document(
            query.from_user.id,
            BufferedInputFile(content, filename=f"pairs-{programme.id}-{ctx.now:%Y%m%d}.xlsx"),
            caption=ctx.t("pair-xlsx-caption", programme=programme.title, n=len(rows)),
        )

    # -- approved pairs awaiting answers: withdrawing ------------------------------------------------
    @router.callback_query(PrWait.filter())
    async def waiting(query: CallbackQuery, callback_data: PrWait, session: AsyncSession, **data: Any) -> None:
        ctx, programme, unit = await reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        await pairing.sweep_departed(session, ctx.now, programme_id=programme.id)
        await show(query, await waiting_view(session, ctx, programme, unit, callback_data.p))
        await query.answer()

    @router.callback_query(PrWithdraw.filter(F.ok.in_({0, 1})))
    async def withdraw(query: CallbackQuery, callback_data: PrWithdraw, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        ctx, programme, unit = await reach(session, data, cb.pid)
        pair = await pairing.get_pair(session, cb.pid, cb.id) if programme is not None else None
        if pair is None:
            return await refuse(query, ctx)
        if cb.ok == 0:
            if pair.status != pairing.APPROVED or pair.version != cb.v:
                notice = error_text(ctx.t, PairingError("already-decided"))
                await show(query, await waiting_view(session, ctx, programme, unit, 0, notice=notice))
                return await query.answer(notice, show_alert=True)
            mentor, mentees = await pairing.people_of(session, pair)
            text = ctx.t("pair-withdraw-ask", mentor=mentor.name if mentor else "—",
                         mentees=", ".join(m.name for _, m in mentees) or "—")
            await show(query, (text, kb([[btn(ctx.t("pair-btn-withdraw-yes"),
                                              PrWithdraw(pid=cb.pid, id=pair.id, v=cb.v, ok=1)),
                                          btn(ctx.t("pair-btn-waiting-back"), PrWait(pid=cb.pid))]])))
            return await query.answer()
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        try:
            await pairing.withdraw_approved(session, programme, pair, now=ctx.now, curator_id=actor.id,
                                            seen_version=cb.v)
            notice, alert = ctx.t("pair-withdrawn-done"), False
        except PairingError as exc:
            notice, alert = error_text(ctx.t, exc), True
        await show(query, await waiting_view(session, ctx, programme, unit, 0, notice=notice))
        await query.answer(notice, show_alert=alert)

    # -- matching weights ----------------------------------------------------------------------------
    @router.callback_query(PrWeights.filter(F.a.in_({"s", "u", "d", "r"})))
    async def weights(query: CallbackQuery, callback_data: PrWeights, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        ctx, programme, _ = await reach(session, data, cb.pid)
        if programme is None or not 0 <= cb.k < len(pairing.WEIGHT_NAMES):
            return await refuse(query, ctx)
        notice = None
        if cb.a in ("u", "d"):
            name = pairing.WEIGHT_NAMES[cb.k]
            values = await pairing.adjust_weight(session, programme, name, 1 if cb.a == "u" else -1)
            notice = ctx.t("pair-weights-saved", name=ctx.t(f"pair-weight-{name}"), value=fmt_weight(ctx, values[name]))
        elif cb.a == "r":
            await pairing.reset_weights(session, programme)
            notice = ctx.t("pair-weights-reset-done")
        try:
            await show(query, weights_view(ctx, programme))
        except TelegramBadRequest:  # "message is not modified": a bound was already reached
            pass
        await query.answer(notice)

    # -- the participants' answers ---------------------------------------------------------------
    async def finish(t, session: AsyncSession, pair_id: int, accepted: bool, reason: str | None,
                     data: dict[str, Any]) -> tuple[str, bool]:
        """Record the answer; (what to tell the person, whether the card they pressed was theirs)."""
        try:
            done = await pairing.answer(session, pair_id, data.get("user"), accepted=accepted, reason=reason,
                                        now=data["now"])
        except PairingError as exc:
            return error_text(t, exc), exc.code != "not-yours"
        if not accepted:
            return t("pair-you-declined"), True
        return t("pair-you-accepted-active" if done.outcome == pairing.ACTIVE else "pair-you-accepted"), True

    async def close_card(query: CallbackQuery, note: str, theirs: bool) -> None:
        """Replace the buttons of the person's own card by what happened (the card's text stays)."""
        message = query.message
        if theirs and isinstance(message, Message) and message.text:
            try:
                await message.edit_text(f"{message.text}\n\n{note}", reply_markup=None)
            except TelegramBadRequest:
                pass

    @router.callback_query(PrAnswer.filter(F.a.in_({"y", "n"})))
    async def card_answer(query: CallbackQuery, callback_data: PrAnswer, session: AsyncSession,
                          state: FSMContext, **data: Any) -> None:
        t = data["t"]
        cb = callback_data
        if cb.a == "y":
            note, theirs = await finish(t, session, cb.id, True, None, data)
            if await state.get_state() == Decline.reason.state and (await state.get_data()).get(DECLINE_KEY) == cb.id:
                await end_decline(state)
            await close_card(query, note, theirs)
            return await query.answer(note, show_alert=True)
        try:
            pair, _, me = await pairing.pair_of_user(session, cb.id, data.get("user"))
            await pairing.check_can_answer(session, pair, me)
        except PairingError as exc:
            note = error_text(t, exc)
            await close_card(query, note, exc.code != "not-yours")
            return await query.answer(note, show_alert=True)
        await state.set_state(Decline.reason)
        await state.update_data({DECLINE_KEY: cb.id})
        await query.answer()
        await query.bot.send_message(query.from_user.id, t("pair-ask-reason"), reply_markup=kb([
            [btn(t("pair-btn-skip-reason"), PrReason(id=cb.id, a="s"))],
            [btn(t("pair-btn-keep"), PrReason(id=cb.id, a="c"))],
        ]))

    async def end_decline(state: FSMContext) -> None:
        await state.set_state(None)
        rest = {k: v for k, v in (await state.get_data()).items() if k != DECLINE_KEY}
        await state.set_data(rest)

    @router.callback_query(PrReason.filter(F.a.in_({"s", "c"})))
    async def reason_button(query: CallbackQuery, callback_data: PrReason, session: AsyncSession,
                            state: FSMContext, **data: Any) -> None:
        t = data["t"]
        waiting = (await state.get_data()).get(DECLINE_KEY) if await state.get_state() == Decline.reason.state else None
        if waiting != callback_data.id:
            return await query.answer(t("pair-err-stale"), show_alert=True)
        await end_decline(state)
        if callback_data.a == "c":
            note = t("pair-decline-cancelled")
        else:
            note, _ = await finish(t, session, callback_data.id, False, None, data)
        if isinstance(query.message, Message):
            try:
                await query.message.edit_text(note, reply_markup=None)
            except TelegramBadRequest:
                pass
        await query.answer()

    @router.message(Decline.reason, F.text, ~F.text.startswith("/"))
    async def reason_text(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        t = data["t"]
        pair_id = (await state.get_data()).get(DECLINE_KEY)
        await end_decline(state)
        if not isinstance(pair_id, int):
            await message.answer(t("pair-err-stale"))
            return
        note, _ = await finish(t, session, pair_id, False, message.text, data)
        await message.answer(note)

    @router.message(Decline.reason, ~F.text)
    async def reason_not_text(message: Message, **data: Any) -> None:
        await message.answer(data["t"]("pair-reason-expected"))

    return router
