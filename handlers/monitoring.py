"""Monitoring and completion of a programme (stages 6–7 of the target model), curator side.

Screens:

* a programme's monitoring screen (``MonCb``, from the programme view): pairs by state,
  meetings in the last interval, pairs at risk (each a button), the start and end surveys
  (launched?, answered n of invited) with "launch" buttons, "end the programme";
* a pair's screen (``MonPair``, from the active pairs list of handlers/pairing.py and the
  monitoring screen; ``wr:<pair>`` under a risk alert opens it as a new message): mentor,
  mentees, status, dates, meetings, goals, the latest survey ratings, fit answers, the current
  at-risk reasons; "end" (normal end: the final survey with the thank-you) or "dissolve" (early:
  the combination is never proposed again), each after a confirmation;
* re-matching (``wm:<pair>`` under a "not a good match" alert, or ``MonRematch``): dissolve the
  pair after a confirmation, then the best mentors for each mentee (the engine's ``eligible`` and
  ``score``), each a button to pair them (handlers/pairing.py's ``PrMake``), and pairing by hand.

The conventions of handlers/curator.py: the actor's reach is computed fresh on every update; a
programme is reached through its unit (``domain.programmes.programme_in_access``), a pair only
through its programme; anything else gets the same "not found or not yours" answer and changes
nothing. Every change is idempotent: a second press says what already happened.

Callback prefixes: ``wr``/``wm`` (domain.checkins, under alerts) and the family ``v*`` below.
"""
from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from aiogram import F, Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton
from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Goal,
    Meeting,
    OutboxMessage,
    Pair,
    PairFit,
    Programme,
    SurveyOccasion,
    SurveyResponse,
    Unit,
)
from domain import checkins, pairing, surveys
from domain.curation import actor_user
from domain.programmes import programme_in_access
from domain.rules import Invalid
from handlers.callbacks import ProgrammeCb
from handlers.curator import make_ctx, refuse, show
from handlers.curator_views import (
    Ctx,
    View,
    btn,
    fmt_date,
    kb,
    short,
    tz_of,
    with_notice,
)

log = logging.getLogger(__name__)

MEETINGS_SHOWN = 3
RISK_BUTTONS = 5  # pairs at risk listed as buttons on the monitoring screen
NAME_MAX = 40
GOAL_MAX_SHOWN = 80
REASON_MAX_SHOWN = 120
TEXT_LIMIT = 4000  # Telegram's 4096, with room for a notice
SURVEY_KINDS = {"s": "start", "e": "end"}
BACK_CODES = ("m", "l")  # back to the monitoring screen | to the active pairs list


# ---------------------------------------------------------------------------------------------
# callback data
# ---------------------------------------------------------------------------------------------
class MonCb(CallbackData, prefix="vm"):
    """A programme's monitoring screen."""

    pid: int


class MonPair(CallbackData, prefix="vp"):
    """A pair's screen; b: where "back" leads ('m' monitoring, 'l' the active pairs list)."""

    id: int
    b: str = "m"


class MonEnd(CallbackData, prefix="ve"):
    """End a pair: a = 'e' normally | 'd' dissolve early; ok=0 asks, ok=1 does it."""

    id: int
    a: str
    ok: int = 0
    b: str = "m"


class MonLaunch(CallbackData, prefix="vs"):
    """Launch the start (k='s') or end (k='e') survey; ok=0 asks, ok=1 launches."""

    pid: int
    k: str
    ok: int = 0


class MonFinish(CallbackData, prefix="vf"):
    """End the programme: ok=0 asks, ok=1 ends it."""

    pid: int
    ok: int = 0


class MonRematch(CallbackData, prefix="vr"):
    """Re-match a pair: ok=0 asks to dissolve it (when active), ok=1 dissolves; then candidates."""

    id: int
    ok: int = 0


class RiskOpen(CallbackData, prefix=checkins.CB_RISK_OPEN):
    """``wr:<pair>`` under a risk alert: the pair's screen as a new message."""

    id: int


class RiskRematch(CallbackData, prefix=checkins.CB_REMATCH):
    """``wm:<pair>`` under a "not a good match" alert: re-matching as a new message."""

    id: int


# ---------------------------------------------------------------------------------------------
# reach
# ---------------------------------------------------------------------------------------------
async def programme_reach(session: AsyncSession, data: dict[str, Any], pid: int
                          ) -> tuple[Ctx, Programme | None, Unit | None]:
    ctx = await make_ctx(session, data)
    found = await programme_in_access(session, ctx.access, pid) if ctx.access.any else None
    if found is None:
        return ctx, None, None
    return ctx, found[0], found[1]


async def pair_reach(session: AsyncSession, data: dict[str, Any], pair_id: int
                     ) -> tuple[Ctx, Pair | None, Programme | None, Unit | None]:
    """The curator's context and the pair with its programme, when the programme is theirs."""
    ctx = await make_ctx(session, data)
    if not ctx.access.any:
        return ctx, None, None, None
    pair = await session.scalar(select(Pair).where(Pair.id == pair_id).execution_options(populate_existing=True))
    if pair is None:
        return ctx, None, None, None
    found = await programme_in_access(session, ctx.access, pair.programme_id)
    if found is None:
        return ctx, None, None, None
    return ctx, pair, found[0], found[1]


def pair_button(ctx: Ctx, n: int, pair_id: int, mentor: str, mentees: str) -> InlineKeyboardButton:
    """A line of handlers/pairing.py's active pairs list: opens the pair's screen (back: that list)."""
    return btn(ctx.t("mon-btn-pair-line", n=n, mentor=short(mentor, NAME_MAX), mentees=short(mentees, NAME_MAX)),
               MonPair(id=pair_id, b="l"))


async def send_new(query: CallbackQuery, view: View) -> None:
    text, markup = view
    await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------
def day(d: date, ctx: Ctx) -> str:
    return format_date(d, "dd.MM.y" if ctx.locale == "ru" else "d MMM y", locale=ctx.locale)


def local_today(ctx: Ctx, unit: Unit | None) -> date:
    return ctx.now.astimezone(tz_of(unit, ctx.settings)).date()


def fit_text(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT - 1] + "…"


async def pair_names(session: AsyncSession, pair: Pair) -> tuple[pairing.Member | None, list[pairing.Member]]:
    mentor, mentees = await pairing.people_of(session, pair)
    return mentor, [m for _, m in mentees]


def erased(who: pairing.Member | None) -> bool:
    """Whether this person deleted their data (``domain.erasure``): no name any more."""
    return who is None or who.participant.status == "erased" or not who.participant.full_name


def name_of(ctx: Ctx, who: pairing.Member | None) -> str:
    """A person's name; one who deleted their data by the neutral placeholder, never "—"."""
    return ctx.t("person-erased") if erased(who) else who.name


def names_of(ctx: Ctx, people: list[pairing.Member]) -> str:
    return ", ".join(short(name_of(ctx, m), NAME_MAX) for m in people) or "—"


async def risks(session: AsyncSession, ctx: Ctx, pair_ids: list[int]) -> dict[int, list[checkins.Alert]]:
    """The current at-risk reasons of these (active) pairs."""
    if not pair_ids:
        return {}
    facts, todays = await checkins.risk_facts(session, ctx.now, default_tz=ctx.settings.timezone, pair_ids=pair_ids)
    out: dict[int, list[checkins.Alert]] = defaultdict(list)
    for f in facts:
        for alert in checkins.at_risk([f], todays[f.pair_id]):
            if all(a.reason != alert.reason for a in out[f.pair_id]):
                out[f.pair_id].append(alert)
    return dict(out)


def risk_words(ctx: Ctx, alerts: list[checkins.Alert]) -> str:
    return "; ".join(ctx.t(f"mon-reason-{a.reason}", n=a.value) for a in alerts)


# ---------------------------------------------------------------------------------------------
# the monitoring screen
# ---------------------------------------------------------------------------------------------
async def survey_line(session: AsyncSession, ctx: Ctx, programme: Programme, unit: Unit, kind: str) -> str:
    key = surveys.occasion_key(kind, programme.id)
    name = ctx.t(f"mon-survey-{kind}")
    occ = await session.scalar(select(SurveyOccasion).where(SurveyOccasion.key == key))
    if occ is None:
        return ctx.t("mon-survey-not-launched", survey=name)
    done = await session.scalar(select(func.count()).select_from(SurveyResponse).where(
        SurveyResponse.occasion == key, SurveyResponse.completed_at.is_not(None))) or 0
    invited = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.kind == surveys.KIND_INVITE,
        OutboxMessage.dedupe_key.like(f"{surveys.KIND_INVITE}:{key}:%"))) or 0
    state = "closed" if occ.closed_at is not None else "launched"
    return ctx.t(f"mon-survey-{state}", survey=name, date=fmt_date(occ.opened_at, ctx, unit), done=done,
                 invited=max(invited, done))


async def monitoring_view(session: AsyncSession, ctx: Ctx, programme: Programme, unit: Unit,
                          notice: str | None = None) -> View:
    from handlers.pairing import (
        PrActive,  # handlers.pairing links here: import late, no cycle
    )

    pid = programme.id
    counts = await pairing.status_counts(session, pid)
    active = await pairing.pairs_with_status(session, pid, (pairing.ACTIVE,))
    days = programme.meeting_interval_days
    since = local_today(ctx, unit) - timedelta(days=days)
    meetings = await session.scalar(
        select(func.count()).select_from(Meeting).join(Pair, Pair.id == Meeting.pair_id)
        .where(Pair.programme_id == pid, Meeting.held_on > since)) or 0
    at_risk = await risks(session, ctx, [p.id for p in active])
    lines = [ctx.t("mon-title", programme=programme.title)]
    if programme.status != "active":
        lines.append(ctx.t("mon-programme-finished",
                           date=fmt_date(programme.ended_at, ctx, unit) if programme.ended_at else "—"))
    lines.append(ctx.t("mon-pairs", active=counts.get(pairing.ACTIVE, 0), ended=counts.get(pairing.ENDED, 0),
                       dissolved=counts.get(pairing.DISSOLVED, 0)))
    lines.append(ctx.t("mon-meetings", n=meetings, days=days))
    lines.append(ctx.t("mon-at-risk", n=len(at_risk)) if at_risk else ctx.t("mon-at-risk-none"))
    lines.append("")
    lines.append(ctx.t("mon-surveys"))
    for kind in ("start", "end"):
        lines.append(await survey_line(session, ctx, programme, unit, kind))

    rows: list[list[InlineKeyboardButton]] = []
    shown = [p for p in active if p.id in at_risk][:RISK_BUTTONS]
    for pair in shown:
        mentor, mentees = await pair_names(session, pair)
        rows.append([btn(ctx.t("mon-btn-risk-pair", mentor=short(name_of(ctx, mentor), NAME_MAX),
                               mentees=names_of(ctx, mentees)), MonPair(id=pair.id))])
    if programme.status == "active":
        rows.append([btn(ctx.t("mon-btn-launch-start"), MonLaunch(pid=pid, k="s")),
                     btn(ctx.t("mon-btn-launch-end"), MonLaunch(pid=pid, k="e"))])
    rows.append([btn(ctx.t("mon-btn-active", n=len(active)), PrActive(pid=pid))])
    if programme.status == "active":
        rows.append([btn(ctx.t("mon-btn-finish"), MonFinish(pid=pid))])
    rows.append([btn(ctx.t("mon-btn-programme"), ProgrammeCb(pid=pid))])
    return fit_text(with_notice("\n".join(lines), notice)), kb(rows)


async def would_invite(session: AsyncSession, ctx: Ctx, programme: Programme, kind: str) -> int:
    """How many people launching this survey now would invite: a dry run, rolled back."""
    try:
        async with session.begin_nested() as dry:
            n = await surveys.launch(session, programme, kind, ctx.now, default_tz=ctx.settings.timezone)
            await dry.rollback()
    except Invalid:  # closed
        return 0
    return n


# ---------------------------------------------------------------------------------------------
# the pair's screen
# ---------------------------------------------------------------------------------------------
async def survey_lines(session: AsyncSession, ctx: Ctx, pair: Pair, unit: Unit,
                       people: dict[int, pairing.Member]) -> list[str]:
    """Each person's latest completed survey about this pair: the mean and the lowest rating."""
    latest: dict[int, SurveyResponse] = {}
    for r in (await session.scalars(
        select(SurveyResponse).where(SurveyResponse.pair_id == pair.id, SurveyResponse.completed_at.is_not(None))
        .order_by(SurveyResponse.completed_at, SurveyResponse.id)
    )).all():
        latest[r.member_id] = r
    lines = []
    for member_id, r in latest.items():
        try:
            definition = surveys.definition_of(r)
        except Invalid:
            continue
        scores = [v for i in definition.items if i.type == "scale"
                  and isinstance(v := (r.answers or {}).get(i.id), int) and not isinstance(v, bool)]
        if not scores:
            continue
        who = people.get(member_id)
        mean = round(sum(scores) / len(scores), 1)
        low = min(scores)
        lines.append(ctx.t("mon-survey-score", who=short(name_of(ctx, who), NAME_MAX),
                           role=ctx.t(f"mon-role-{r.role}"), date=fmt_date(r.completed_at, ctx, unit),
                           mean=mean, low=low, warn="yes" if low <= surveys.LOW_SCALE else "no"))
    return lines


async def pair_view(session: AsyncSession, ctx: Ctx, pair: Pair, programme: Programme, unit: Unit, b: str = "m",
                    notice: str | None = None) -> View:
    from handlers.pairing import PrActive  # late: handlers.pairing imports this module

    mentor, mentees = await pair_names(session, pair)
    people = {m.id: m for m in (mentor, *mentees) if m is not None}
    lines = [ctx.t("mon-pair-title", programme=programme.title),
             ctx.t("mon-pair-mentor", name=name_of(ctx, mentor)),
             ctx.t("mon-pair-mentees", n=len(mentees), names=", ".join(name_of(ctx, m) for m in mentees) or "—")]
    start = pair.activated_at or pair.approved_at or pair.created_at
    if pair.status in (pairing.ENDED, pairing.DISSOLVED, pairing.WITHDRAWN, pairing.REJECTED, pairing.DECLINED) \
            and pair.ended_at is not None:
        lines.append(ctx.t("mon-pair-status-closed", status=ctx.t(f"mon-status-{pair.status}"),
                           date=fmt_date(pair.ended_at, ctx, unit)))
    else:
        lines.append(ctx.t("mon-pair-status", status=ctx.t(f"mon-status-{pair.status}")))
    if pair.activated_at is not None:
        lines.append(ctx.t("mon-pair-since", date=fmt_date(start, ctx, unit)))
    if pair.status == pairing.ACTIVE:
        alerts = (await risks(session, ctx, [pair.id])).get(pair.id)
        if alerts:
            lines.append(ctx.t("mon-pair-risk", reasons=risk_words(ctx, alerts)))

    meetings = await checkins.meetings_of(session, pair)
    lines.append("")
    lines.append(ctx.t("mon-pair-meetings", n=len(meetings)))
    for m in reversed(meetings[-MEETINGS_SHOWN:]):
        fmt = ctx.t(f"mon-format-{m.format}")
        if m.minutes:
            lines.append(ctx.t("mon-meeting-line", date=day(m.held_on, ctx), format=fmt, minutes=m.minutes))
        else:
            lines.append(ctx.t("mon-meeting-line-short", date=day(m.held_on, ctx), format=fmt))

    # goals of the people in the pair; one who deleted their data took their goals along
    goals = [g for g in (await session.scalars(select(Goal).where(Goal.pair_id == pair.id)
                                               .order_by(Goal.member_id, Goal.id))).all()
             if not erased(people.get(g.member_id))]
    lines.append("")
    lines.append(ctx.t("mon-pair-goals", n=len(goals)))
    for g in goals:
        who = people.get(g.member_id)
        lines.append(ctx.t("mon-goal-line", who=short(name_of(ctx, who), NAME_MAX),
                           text=short(g.text or "—", GOAL_MAX_SHOWN), progress=g.progress,
                           done="yes" if g.done_at is not None else "no"))

    scores = await survey_lines(session, ctx, pair, unit, people)
    lines.append("")
    lines.append(ctx.t("mon-pair-surveys") if scores else ctx.t("mon-pair-no-surveys"))
    lines.extend(scores)

    fits = (await session.scalars(select(PairFit).where(PairFit.pair_id == pair.id)
                                  .order_by(PairFit.answered_at, PairFit.id))).all()
    if fits:
        lines.append("")
        lines.append(ctx.t("mon-pair-fits"))
        extra = await pairing.members_by_id(session, [f.member_id for f in fits if f.member_id not in people])
        for f in fits:
            who = people.get(f.member_id) or extra.get(f.member_id)
            name = short(name_of(ctx, who), NAME_MAX)
            if f.fits:
                lines.append(ctx.t("mon-fit-yes", who=name))
            else:
                lines.append(ctx.t("mon-fit-no", who=name, reason=short(f.reason or "—", REASON_MAX_SHOWN)))

    rows: list[list[InlineKeyboardButton]] = []
    if pair.status == pairing.ACTIVE:
        rows.append([btn(ctx.t("mon-btn-end-pair"), MonEnd(id=pair.id, a="e", b=b)),
                     btn(ctx.t("mon-btn-dissolve"), MonEnd(id=pair.id, a="d", b=b))])
        rows.append([btn(ctx.t("mon-btn-rematch"), MonRematch(id=pair.id))])
    elif pair.status == pairing.DISSOLVED:
        rows.append([btn(ctx.t("mon-btn-rematch"), MonRematch(id=pair.id))])
    if b == "l":
        rows.append([btn(ctx.t("mon-btn-back-active"), PrActive(pid=programme.id))])
    else:
        rows.append([btn(ctx.t("mon-btn-back"), MonCb(pid=programme.id))])
    return fit_text(with_notice("\n".join(lines), notice)), kb(rows)


async def end_ask_view(session: AsyncSession, ctx: Ctx, pair: Pair, a: str, b: str) -> View:
    mentor, mentees = await pair_names(session, pair)
    key = "mon-end-ask" if a == "e" else "mon-dissolve-ask"
    text = ctx.t(key, mentor=name_of(ctx, mentor), mentees=names_of(ctx, mentees))
    yes = "mon-btn-end-yes" if a == "e" else "mon-btn-dissolve-yes"
    return text, kb([[btn(ctx.t(yes), MonEnd(id=pair.id, a=a, ok=1, b=b)),
                      btn(ctx.t("mon-btn-cancel"), MonPair(id=pair.id, b=b))]])


# ---------------------------------------------------------------------------------------------
# re-matching
# ---------------------------------------------------------------------------------------------
async def rematch_ask_view(session: AsyncSession, ctx: Ctx, pair: Pair) -> View:
    mentor, mentees = await pair_names(session, pair)
    lines = [ctx.t("mon-rematch-ask", mentor=name_of(ctx, mentor), mentees=names_of(ctx, mentees))]
    declined = (await session.scalars(select(PairFit).where(PairFit.pair_id == pair.id, PairFit.fits.is_(False))
                                      .order_by(PairFit.answered_at, PairFit.id))).all()
    people = await pairing.members_by_id(session, [f.member_id for f in declined])
    for f in declined:
        who = people.get(f.member_id)
        lines.append(ctx.t("mon-fit-no", who=short(name_of(ctx, who), NAME_MAX),
                           reason=short(f.reason or "—", REASON_MAX_SHOWN)))
    return "\n".join(lines), kb([[btn(ctx.t("mon-btn-rematch-yes"), MonRematch(id=pair.id, ok=1))],
                                 [btn(ctx.t("mon-btn-open-pair"), MonPair(id=pair.id))]])


async def candidates_view(session: AsyncSession, ctx: Ctx, pair: Pair, programme: Programme,
                          notice: str | None = None) -> View:
    from handlers.pairing import (  # late: handlers.pairing imports this module
        PrMake,
        PrPick,
    )

    mentor, mentees = await pair_names(session, pair)
    _, taken = pairing.load_of(await pairing.fixed_combos(session, programme.id))
    lines = [ctx.t("mon-rematch-title", mentor=name_of(ctx, mentor), mentees=names_of(ctx, mentees))]
    rows: list[list[InlineKeyboardButton]] = []
    for mentee in mentees:
        lines.append("")
        name = short(name_of(ctx, mentee), NAME_MAX)
        if not mentee.present:
            lines.append(ctx.t("mon-rematch-left", mentee=name))
            continue
        if mentee.id in taken:
            lines.append(ctx.t("mon-rematch-taken", mentee=name))
            continue
        found = await pairing.replacements(session, programme, ctx.now, mentee)
        lines.append(ctx.t("mon-rematch-for", mentee=name, n=len(found)))
        for cand, value in found:
            percent = pairing.percent(value)
            lines.append(ctx.t("mon-rematch-line", mentor=short(cand.name, NAME_MAX), percent=percent))
            rows.append([btn(ctx.t("mon-btn-pair-with", mentor=short(cand.name, NAME_MAX), mentee=name,
                                   percent=percent), PrMake(pid=programme.id, m=cand.id, e=mentee.id))])
    if programme.status == "active":
        rows.append([btn(ctx.t("mon-btn-manual"), PrPick(pid=programme.id))])
    rows.append([btn(ctx.t("mon-btn-back"), MonCb(pid=programme.id))])
    return fit_text(with_notice("\n".join(lines), notice)), kb(rows)


# ---------------------------------------------------------------------------------------------
# the router
# ---------------------------------------------------------------------------------------------
def build_router() -> Router:
    router = Router(name="monitoring")

    # -- the monitoring screen --------------------------------------------------------------
    @router.callback_query(MonCb.filter())
    async def monitoring(query: CallbackQuery, callback_data: MonCb, session: AsyncSession, **data: Any) -> None:
        ctx, programme, unit = await programme_reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        await show(query, await monitoring_view(session, ctx, programme, unit))
        await query.answer()

    @router.callback_query(MonLaunch.filter(F.k.in_(set(SURVEY_KINDS)) & F.ok.in_({0, 1})))
    async def launch(query: CallbackQuery, callback_data: MonLaunch, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        ctx, programme, unit = await programme_reach(session, data, cb.pid)
        if programme is None:
            return await refuse(query, ctx)
        kind = SURVEY_KINDS[cb.k]
        if programme.status != "active":
            notice = ctx.t("mon-programme-finished-already")
            await show(query, await monitoring_view(session, ctx, programme, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        key = surveys.occasion_key(kind, programme.id)
        existed = await session.scalar(select(SurveyOccasion).where(SurveyOccasion.key == key))
        survey = ctx.t(f"mon-survey-{kind}")
        if cb.ok == 0:
            text = ctx.t(f"mon-launch-ask-{kind}", programme=programme.title)
            if existed is not None:  # launched before (or, the end survey, by a pair that ended): who is left?
                left = await would_invite(session, ctx, programme, kind)
                if not left:
                    notice = ctx.t("mon-launch-already", survey=survey)
                    await show(query, await monitoring_view(session, ctx, programme, unit, notice=notice))
                    return await query.answer(notice)
                text = ctx.t("mon-launch-ask-more", survey=survey, programme=programme.title, n=left)
            await show(query, (text, kb([[btn(ctx.t("mon-btn-launch-yes"), MonLaunch(pid=programme.id, k=cb.k, ok=1)),
                                          btn(ctx.t("mon-btn-cancel"), MonCb(pid=programme.id))]])))
            return await query.answer()
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        try:
            invited = await surveys.launch(session, programme, kind, ctx.now, by_user_id=actor.id,
                                           default_tz=ctx.settings.timezone)
        except Invalid:
            notice = ctx.t("mon-launch-closed", survey=survey)
        else:
            if existed is None:
                notice = ctx.t("mon-launched", survey=survey, n=invited)
            elif invited:
                notice = ctx.t("mon-launched-more", survey=survey, n=invited)
            else:
                notice = ctx.t("mon-launch-already", survey=survey)
        await show(query, await monitoring_view(session, ctx, programme, unit, notice=notice))
        await query.answer(notice)

    @router.callback_query(MonFinish.filter(F.ok.in_({0, 1})))
    async def finish(query: CallbackQuery, callback_data: MonFinish, session: AsyncSession, **data: Any) -> None:
        ctx, programme, unit = await programme_reach(session, data, callback_data.pid)
        if programme is None:
            return await refuse(query, ctx)
        if callback_data.ok == 0 and programme.status == "active":
            n = (await pairing.status_counts(session, programme.id)).get(pairing.ACTIVE, 0)
            text = ctx.t("mon-finish-ask", programme=programme.title, n=n)
            await show(query, (text, kb([[btn(ctx.t("mon-btn-finish-yes"), MonFinish(pid=programme.id, ok=1)),
                                          btn(ctx.t("mon-btn-cancel"), MonCb(pid=programme.id))]])))
            return await query.answer()
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        if programme.status == "active":
            done = await pairing.end_programme(session, programme, ctx.now, actor.id,
                                               default_tz=ctx.settings.timezone)
        else:
            done = pairing.Finished(False)
        if done.changed:
            notice = ctx.t("mon-finished", pairs=done.pairs_ended, n=done.invited)
        else:
            notice = ctx.t("mon-programme-finished-already")
        await show(query, await monitoring_view(session, ctx, programme, unit, notice=notice))
        await query.answer(notice, show_alert=not done.changed)

    # -- the pair's screen --------------------------------------------------------------------
    @router.callback_query(MonPair.filter(F.b.in_(set(BACK_CODES))))
    @router.callback_query(RiskOpen.filter())
    async def open_pair(query: CallbackQuery, callback_data: MonPair | RiskOpen, session: AsyncSession,
                        **data: Any) -> None:
        ctx, pair, programme, unit = await pair_reach(session, data, callback_data.id)
        if pair is None:
            return await refuse(query, ctx)
        if isinstance(callback_data, RiskOpen):  # under an alert: the alert stays, the screen comes anew
            await send_new(query, await pair_view(session, ctx, pair, programme, unit))
        else:
            await show(query, await pair_view(session, ctx, pair, programme, unit, callback_data.b))
        await query.answer()

    @router.callback_query(MonEnd.filter(F.a.in_({"e", "d"}) & F.ok.in_({0, 1}) & F.b.in_(set(BACK_CODES))))
    async def end(query: CallbackQuery, callback_data: MonEnd, session: AsyncSession, **data: Any) -> None:
        cb = callback_data
        ctx, pair, programme, unit = await pair_reach(session, data, cb.id)
        if pair is None:
            return await refuse(query, ctx)
        if pair.status != pairing.ACTIVE:
            notice = ctx.t("mon-pair-not-active")
            await show(query, await pair_view(session, ctx, pair, programme, unit, cb.b, notice=notice))
            return await query.answer(notice, show_alert=True)
        if cb.ok == 0:
            await show(query, await end_ask_view(session, ctx, pair, cb.a, cb.b))
            return await query.answer()
        actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
        done = await pairing.end_pair(session, pair, ctx.now, actor.id, dissolve=cb.a == "d",
                                      default_tz=ctx.settings.timezone)
        if not done.changed:
            notice = ctx.t("mon-pair-not-active")
        elif cb.a == "d":
            notice = ctx.t("mon-dissolved")
        else:
            notice = ctx.t("mon-ended", n=done.invited)
        await show(query, await pair_view(session, ctx, pair, programme, unit, cb.b, notice=notice))
        await query.answer(notice, show_alert=not done.changed)

    # -- re-matching ----------------------------------------------------------------------------
    @router.callback_query(MonRematch.filter(F.ok.in_({0, 1})))
    @router.callback_query(RiskRematch.filter())
    async def rematch(query: CallbackQuery, callback_data: MonRematch | RiskRematch, session: AsyncSession,
                      **data: Any) -> None:
        ctx, pair, programme, unit = await pair_reach(session, data, callback_data.id)
        if pair is None:
            return await refuse(query, ctx)
        reply = send_new if isinstance(callback_data, RiskRematch) else show
        confirmed = isinstance(callback_data, MonRematch) and callback_data.ok == 1
        notice = None
        if pair.status == pairing.ACTIVE:
            if not confirmed:
                await reply(query, await rematch_ask_view(session, ctx, pair))
                return await query.answer()
            actor = await actor_user(session, data.get("user"), query.from_user.id, ctx.locale)
            done = await pairing.end_pair(session, pair, ctx.now, actor.id, dissolve=True,
                                          default_tz=ctx.settings.timezone)
            notice = ctx.t("mon-dissolved") if done.changed else None
        elif pair.status not in (pairing.DISSOLVED, pairing.ENDED):
            notice = ctx.t("mon-pair-not-active")
            await reply(query, await pair_view(session, ctx, pair, programme, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        await reply(query, await candidates_view(session, ctx, pair, programme, notice=notice))
        await query.answer(notice)

    return router
