"""The participants' side of the pairs' work (stage 6): check-ins, meetings, surveys, the fit
question after a pair's first meeting, and the mentees' goals.

Entry points:

* the check-in the outbox delivers (``wc:<id>:<y|n|l>``, domain.checkins; one per person across
  all their programmes): yes → the meeting log (the pair is chosen first when the check-in lists
  several, with the programme's title when they belong to several), no → thanks, later → snoozed;
* /meetings: the person's active pairs and their last meetings, "Log a meeting", the surveys
  they can still answer and an unanswered fit question;
* survey invitations (``ws:<m|s|e>:<id>``, domain.surveys): start or resume that survey;
* /goals: a mentee's goals in each pair with progress buttons; a mentor sees their mentees'
  goals read-only.

The meeting log is a dialog: date (today / yesterday / another date typed as DD.MM.YYYY, which
the first question also takes) → format → duration (buttons, or minutes typed) → topic (text or
"no topic") → ``checkins.log_meeting``; then straight into the logger's meeting survey and, once
it is answered, after the pair's first meeting only, "is this a good match?" while the person has
not answered it for that pair (later it stays a button in /meetings; a "no" reaches the curators
through ``checkins.record_fit``). Only the buttons of the dialog's
latest question count (``w_mid``); others are "out of date".

Survey buttons carry the response and item ids (``wa``/``wk`` of domain.surveys; ``wv`` here for
a multiple choice, its selection kept in the button as a bit mask), so they work without dialog
state and after a restart; the domain refuses a button of any item but the current one
(``stale``). Typed answers (a number for a scale, free text) go to the survey whose question was
sent last (state ``SurveyInput.answering``). A survey is resumed by its invitation's button or
from /meetings; each person answers each occasion once.

The FSM data holds ids only, under ``w_`` keys. Callback data (family w*; the domain uses wc, ws,
wa, wk, wr, wm)::

    wn:p:<pair id>                       log a meeting of this pair (from a check-in, /meetings)
    wn:d:<t|y|o>  wn:f:<format>  wn:m:<minutes>  wn:s     date, format, duration, no topic
    wf:<pair id>:<a|y|n|s>               fit question: ask, yes, no, no without a reason
    wv:<response id>:<item id>:<mask>:<t<i>|d>           multiple choice: toggle option i, done
    wg:l:0  wg:a:<pair id>  wg:g:<goal id>  wg:p:<goal id>:<percent>    goals
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translate
from db.models import (
    Goal,
    Meeting,
    Pair,
    PairFit,
    PairMentee,
    Participant,
    Programme,
    ProgrammeMember,
    SurveyOccasion,
    SurveyResponse,
    User,
)
from domain import checkins, surveys
from domain.people import participant_of
from domain.rules import Invalid

log = logging.getLogger(__name__)

DONE_MARK = "✔"
CHECK = "✅"
CB_LOG = "wn"
CB_FIT = "wf"
CB_MULTI = "wv"
CB_GOAL = "wg"
PROGRESS_STEPS = (0, 25, 50, 75, 100)
MEETINGS_SHOWN = 3  # last meetings listed per pair in /meetings
HISTORY_SHOWN = 5  # last progress marks shown on a goal's screen
LABEL_MAX = 40  # characters of a goal's text on its button
ECHO_MAX = 200  # characters of a typed free-text answer repeated under its question
_ANSWER_KEYS = {checkins.YES: "checkin-btn-yes", checkins.NO: "checkin-btn-no", checkins.LATER: "checkin-btn-later"}
_DATE_CODES = {"date-format", "date-future", "date-before-pair"}


class MeetLog(StatesGroup):
    date = State()  # buttons today / yesterday / another date (a typed date is taken too)
    date_text = State()  # DD.MM.YYYY
    format = State()
    minutes = State()
    topic = State()


class SurveyInput(StatesGroup):
    answering = State()


class FitReason(StatesGroup):
    reason = State()


class GoalInput(StatesGroup):
    text = State()


# ---------------------------------------------------------------------------------------------
# context
# ---------------------------------------------------------------------------------------------
@dataclass
class Ctx:
    session: AsyncSession
    state: FSMContext
    bot: Bot
    t: Translate
    user: User | None
    now: datetime
    settings: Settings
    chat_id: int
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def uid(self) -> int | None:
        return self.user.id if self.user is not None else None

    @property
    def tz(self) -> str:
        return self.settings.timezone

    async def send(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        return await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def prompt(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        """Send the dialog's current question; only its buttons count from now on."""
        sent = await self.send(text, markup)
        self.data["w_mid"] = sent.message_id
        await self.state.set_data(self.data)
        return sent

    async def begin(self, state: State, **values: Any) -> None:
        """Enter one of this module's dialogs: whatever dialog of ours was going on ends, and the
        buttons of its open question go."""
        await self.close(self.data.get("w_mid"), None, None)
        self.data = {k: v for k, v in self.data.items() if not k.startswith("w_")}
        self.data.update({f"w_{k}": v for k, v in values.items()})
        await self.state.set_state(state)
        await self.state.set_data(self.data)

    async def end(self) -> None:
        self.data = {k: v for k, v in self.data.items() if not k.startswith("w_")}
        await self.state.set_state(None)
        await self.state.set_data(self.data)

    async def close(self, message_id: int | None, text: str | None, answer: str | None) -> None:
        """Turn an answered question into a record: the answer appended, the buttons removed."""
        if message_id is None:
            return
        if message_id == self.data.get("w_mid"):
            del self.data["w_mid"]  # closed: nothing to close again when the dialog moves on
        try:
            if text and answer is not None:
                body = f"{text}\n\n{DONE_MARK} {answer}"
                await self.bot.edit_message_text(chat_id=self.chat_id, message_id=message_id,
                                                 text=body if len(body) <= 4000 else text, reply_markup=None)
            else:
                await self.bot.edit_message_reply_markup(chat_id=self.chat_id, message_id=message_id,
                                                         reply_markup=None)
        except TelegramAPIError as exc:  # an old message may be gone or unchanged: cosmetics only
            log.debug("could not close message %s: %s", message_id, exc)


async def make_ctx(data: dict[str, Any], event: Message | CallbackQuery) -> Ctx:
    state: FSMContext = data["state"]
    if isinstance(event, CallbackQuery):
        chat_id = event.message.chat.id if event.message else event.from_user.id
    else:
        chat_id = event.chat.id
    return Ctx(session=data["session"], state=state, bot=data["bot"], t=data["t"], user=data.get("user"),
               now=data["now"], settings=data["settings"], chat_id=chat_id, data=await state.get_data())


def button(text: str, data: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data)


def keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup | None:
    rows = [row for row in rows if row]
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


def meet_invalid(t: Translate, exc: Invalid) -> str:
    return t(f"meet-invalid-{exc.code}", **exc.params)


def sv_invalid(t: Translate, exc: Invalid) -> str:
    return t(f"sv-invalid-{exc.code}", **exc.params)


def query_message(query: CallbackQuery) -> Message | None:
    return query.message if isinstance(query.message, Message) else None


def short(text: str, limit: int = LABEL_MAX) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# ---------------------------------------------------------------------------------------------
# who is who
# ---------------------------------------------------------------------------------------------
async def my_members(session: AsyncSession, user: User | None) -> list[ProgrammeMember]:
    participant = await participant_of(session, user)
    if participant is None:
        return []
    return list((await session.scalars(
        select(ProgrammeMember).where(ProgrammeMember.participant_id == participant.id,
                                      ProgrammeMember.left_at.is_(None)).order_by(ProgrammeMember.id)
    )).all())


async def my_pairs(session: AsyncSession, user: User | None) -> list[tuple[Pair, ProgrammeMember]]:
    """The user's active pairs and groups, each with the user's member in it."""
    out: list[tuple[Pair, ProgrammeMember]] = []
    for member in await my_members(session, user):
        as_mentor = select(Pair.id).where(Pair.mentor_member_id == member.id, Pair.status == checkins.ACTIVE)
        as_mentee = (select(Pair.id).join(PairMentee, PairMentee.pair_id == Pair.id)
                     .where(PairMentee.mentee_member_id == member.id, Pair.status == checkins.ACTIVE,
                            PairMentee.left_at.is_(None),
                            or_(PairMentee.answer.is_(None), PairMentee.answer != surveys.DECLINED_ANSWER)))
        ids = set((await session.scalars(as_mentor)).all()) | set((await session.scalars(as_mentee)).all())
        for pair in (await session.scalars(select(Pair).where(Pair.id.in_(ids)).order_by(Pair.id))).all():
            out.append((pair, member))
    return out


async def names_of(session: AsyncSession, member_ids: list[int]) -> dict[int, str]:
    if not member_ids:
        return {}
    rows = await session.execute(
        select(ProgrammeMember.id, Participant.full_name)
        .join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(ProgrammeMember.id.in_(member_ids)))
    return {mid: name or "—" for mid, name in rows.all()}


async def partners_of(session: AsyncSession, pair: Pair, member_id: int) -> str:
    """The other side of the pair as the member sees it: their mentees, or their mentor."""
    mentor, mentees = await surveys.pair_member_ids(session, pair)
    ids = mentees if member_id == mentor else [mentor]
    names = await names_of(session, ids)
    return ", ".join(names[i] for i in ids if i in names) or "—"


async def pair_and_member(ctx: Ctx, pair_id: Any) -> tuple[Pair | None, ProgrammeMember | None]:
    pair = await ctx.session.get(Pair, pair_id) if isinstance(pair_id, int) else None
    member = await checkins.member_of_user(ctx.session, pair, ctx.uid) if pair is not None else None
    return pair, member


def is_mentor(pair: Pair, member: ProgrammeMember) -> bool:
    return member.id == pair.mentor_member_id


def goals_hint(ctx: Ctx, pair: Pair, member: ProgrammeMember) -> str:
    return ctx.t("meet-goals-hint-mentor" if is_mentor(pair, member) else "meet-goals-hint-mentee")


def format_label(t: Translate, code: str) -> str:
    return t(f"meet-format-{code}")


# ---------------------------------------------------------------------------------------------
# check-ins
# ---------------------------------------------------------------------------------------------
async def on_checkin(query: CallbackQuery, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    message = query_message(query)
    try:
        checkin_id, answer = checkins.parse_checkin_callback(query.data or "")
        result = await checkins.answer_checkin(ctx.session, checkin_id, ctx.uid, answer, ctx.now, default_tz=ctx.tz)
    except Invalid as exc:
        if exc.code in ("checkin-expired", "checkin-answered", "pairs-ended") and message is not None:
            await ctx.close(message.message_id, None, None)  # their own question, no longer open
        await query.answer(meet_invalid(ctx.t, exc), show_alert=True)
        return
    if message is not None:
        await ctx.close(message.message_id, message.text, ctx.t(_ANSWER_KEYS[answer]))
    if answer == checkins.NO:
        await ctx.send(ctx.t("meet-checkin-no"))
    elif answer == checkins.LATER:
        await ctx.send(ctx.t("meet-checkin-later"))
    elif len(result.listed) == 1:
        await begin_log(ctx, result.listed[0].pair, result.listed[0].member)
    else:
        await ctx.send(ctx.t("meet-pick-pair"), keyboard(await pick_pair_rows(ctx, result.listed)))
    await query.answer()


async def pick_pair_rows(ctx: Ctx, listed: list[checkins.Listed]) -> list[list[InlineKeyboardButton]]:
    """One button per pair of a check-in (each with the person's own member in it); the
    programme's title is added when the pairs belong to several programmes."""
    several = len({entry.programme.id for entry in listed}) > 1
    rows = []
    for entry in listed:
        partners = await partners_of(ctx.session, entry.pair, entry.member.id)
        label = (ctx.t("meet-pick-pair-in", partners=short(partners), programme=short(entry.programme.title))
                 if several else short(partners, 60))
        rows.append([button(label, f"{CB_LOG}:p:{entry.pair.id}")])
    return rows


# ---------------------------------------------------------------------------------------------
# the meeting log
# ---------------------------------------------------------------------------------------------
async def begin_log(ctx: Ctx, pair: Pair, member: ProgrammeMember) -> None:
    await ctx.begin(MeetLog.date, pair=pair.id)
    await ask_date(ctx, pair, member)


async def ask_date(ctx: Ctx, pair: Pair, member: ProgrammeMember) -> None:
    await ctx.state.set_state(MeetLog.date)
    partners = await partners_of(ctx.session, pair, member.id)
    await ctx.prompt(ctx.t("meet-ask-date", partners=partners), keyboard([
        [button(ctx.t("meet-btn-today"), f"{CB_LOG}:d:t"), button(ctx.t("meet-btn-yesterday"), f"{CB_LOG}:d:y")],
        [button(ctx.t("meet-btn-other-date"), f"{CB_LOG}:d:o")],
    ]))


async def ask_format(ctx: Ctx) -> None:
    await ctx.state.set_state(MeetLog.format)
    await ctx.prompt(ctx.t("meet-ask-format"), keyboard([
        [button(format_label(ctx.t, code), f"{CB_LOG}:f:{code}") for code in checkins.MEETING_FORMATS]]))


async def ask_minutes(ctx: Ctx) -> None:
    await ctx.state.set_state(MeetLog.minutes)
    buttons = [button(ctx.t("meet-minutes", n=n), f"{CB_LOG}:m:{n}") for n in checkins.DURATIONS]
    await ctx.prompt(ctx.t("meet-ask-minutes", max=checkins.MINUTES_MAX),
                     keyboard([buttons[i:i + 3] for i in range(0, len(buttons), 3)]))


async def ask_topic(ctx: Ctx) -> None:
    await ctx.state.set_state(MeetLog.topic)
    await ctx.prompt(ctx.t("meet-ask-topic", max=checkins.TOPIC_MAX),
                     keyboard([[button(ctx.t("meet-btn-no-topic"), f"{CB_LOG}:s")]]))


async def dialog_pair(ctx: Ctx) -> tuple[Pair, ProgrammeMember] | None:
    """The pair of the meeting log going on, while the person may still log for it."""
    pair, member = await pair_and_member(ctx, ctx.data.get("w_pair"))
    if pair is None or member is None:
        await ctx.end()
        await ctx.send(ctx.t("meet-invalid-not-in-pair"))
        return None
    if pair.status != checkins.ACTIVE:
        await ctx.end()
        await ctx.send(ctx.t("meet-invalid-pair-not-active"))
        return None
    return pair, member


async def take_date(ctx: Ctx, pair: Pair, raw: str) -> bool:
    """Check a date early (the log checks it again); False after telling what is wrong."""
    programme = await ctx.session.get(Programme, pair.programme_id)
    zone = await surveys.programme_zone(ctx.session, programme, ctx.tz)
    today = checkins.local_today(ctx.now, zone)
    start = await checkins.pair_start_on(ctx.session, pair, ctx.tz)
    try:
        held = checkins.parse_meeting_date(raw, today, start)
    except Invalid as exc:
        await ctx.send(meet_invalid(ctx.t, exc))
        return False
    ctx.data["w_held"] = held.isoformat()
    return True


LOG_STEPS: dict[str, State] = {"d": MeetLog.date, "f": MeetLog.format, "m": MeetLog.minutes, "s": MeetLog.topic}


async def on_log_button(query: CallbackQuery, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    t = ctx.t
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    message = query_message(query)

    if action == "p":  # an entry point: valid from any message
        pair_id = int(parts[2]) if len(parts) == 3 and parts[2].isdigit() else None
        pair, member = await pair_and_member(ctx, pair_id)
        if pair is None or member is None:
            await query.answer(t("meet-invalid-not-in-pair"), show_alert=True)
            return
        if pair.status != checkins.ACTIVE:
            await query.answer(t("meet-invalid-pair-not-active"), show_alert=True)
            return
        await begin_log(ctx, pair, member)
        await query.answer()
        return

    if action not in LOG_STEPS:
        await query.answer(t("meet-bad-button"), show_alert=True)
        return
    state_name = await ctx.state.get_state()
    if (state_name != LOG_STEPS[action].state or message is None
            or message.message_id != ctx.data.get("w_mid")):
        await query.answer(t("meet-stale"), show_alert=True)
        return
    value = parts[2] if len(parts) == 3 else None
    found = await dialog_pair(ctx)
    if found is None:
        await query.answer()
        return
    pair, member = found
    if action == "d" and value in ("t", "y", "o"):
        label = t({"t": "meet-btn-today", "y": "meet-btn-yesterday", "o": "meet-btn-other-date"}[value])
        if value == "o":
            await ctx.close(message.message_id, message.text, label)
            await ctx.state.set_state(MeetLog.date_text)
            await ctx.prompt(t("meet-ask-date-text"))
        elif await take_date(ctx, pair, "today" if value == "t" else "yesterday"):
            await ctx.close(message.message_id, message.text,
                            f"{label}, {checkins.fmt_date(date.fromisoformat(ctx.data['w_held']))}")
            await ask_format(ctx)
    elif action == "f" and value in checkins.MEETING_FORMATS:
        ctx.data["w_format"] = value
        await ctx.close(message.message_id, message.text, format_label(t, value))
        await ask_minutes(ctx)
    elif action == "m" and value in {str(n) for n in checkins.DURATIONS}:
        ctx.data["w_minutes"] = int(value)
        await ctx.close(message.message_id, message.text, t("meet-minutes", n=int(value)))
        await ask_topic(ctx)
    elif action == "s" and value is None:
        await ctx.close(message.message_id, message.text, t("meet-btn-no-topic"))
        await finish_log(ctx, pair, member, None)
    else:
        await query.answer(t("meet-bad-button"), show_alert=True)
        return
    await query.answer()


async def on_log_text(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    t = ctx.t
    state_name = await ctx.state.get_state()
    found = await dialog_pair(ctx)
    if found is None:
        return
    pair, member = found
    text = message.text or ""
    if state_name in (MeetLog.date.state, MeetLog.date_text.state):
        if await take_date(ctx, pair, text):
            await ctx.close(ctx.data.get("w_mid"), None, None)
            await ask_format(ctx)
    elif state_name == MeetLog.format.state:
        await ctx.close(ctx.data.get("w_mid"), None, None)
        await ctx.send(t("meet-use-buttons"))
        await ask_format(ctx)
    elif state_name == MeetLog.minutes.state:
        try:
            ctx.data["w_minutes"] = checkins.parse_minutes(text)
        except Invalid as exc:
            await ctx.send(meet_invalid(t, exc))
            return
        await ctx.close(ctx.data.get("w_mid"), None, None)
        await ask_topic(ctx)
    elif state_name == MeetLog.topic.state:
        try:
            topic = checkins.parse_topic(text)
        except Invalid as exc:
            await ctx.send(meet_invalid(t, exc))
            return
        await ctx.close(ctx.data.get("w_mid"), None, None)
        await finish_log(ctx, pair, member, topic)


async def on_log_other(message: Message, **data: Any) -> None:
    """A sticker, photo... in the meeting log."""
    ctx = await make_ctx(data, message)
    state_name = await ctx.state.get_state()
    if state_name == MeetLog.format.state:
        await ctx.close(ctx.data.get("w_mid"), None, None)
        await ctx.send(ctx.t("meet-use-buttons"))
        await ask_format(ctx)
    else:
        await ctx.send(ctx.t("meet-send-text"))


async def finish_log(ctx: Ctx, pair: Pair, member: ProgrammeMember, topic: str | None) -> None:
    t = ctx.t
    held_raw, fmt, minutes = ctx.data.get("w_held"), ctx.data.get("w_format"), ctx.data.get("w_minutes")
    try:
        held = date.fromisoformat(held_raw) if isinstance(held_raw, str) else None
    except ValueError:
        held = None
    if held is None or fmt is None or minutes is None:  # pragma: no cover - the steps fill them in order
        await ask_date(ctx, pair, member)
        return
    try:
        logged = await checkins.log_meeting(ctx.session, pair, member, held, fmt, minutes, topic, ctx.now,
                                           default_tz=ctx.tz)
    except Invalid as exc:
        await ctx.send(meet_invalid(t, exc))
        if exc.code in _DATE_CODES:  # e.g. the day changed while the dialog went on
            await ask_date(ctx, pair, member)
        else:
            await ctx.end()
        return
    await ctx.end()
    meeting = logged.meeting
    if logged.created:
        text = t("meet-logged", date=checkins.fmt_date(meeting.held_on), format=format_label(t, meeting.format),
                 minutes=meeting.minutes or 0, topic=meeting.topic or "—")
    else:
        text = t("meet-logged-already", date=checkins.fmt_date(meeting.held_on))
    await ctx.send(f"{text}\n\n{goals_hint(ctx, pair, member)}")
    try:
        response = await surveys.start_or_resume(ctx.session, member, logged.occasion, ctx.now, pair=pair)
    except Invalid:  # already answered (the other side logged this day) or closed: nothing to ask
        if await checkins.is_first_meeting(ctx.session, pair, meeting.id):
            await offer_fit(ctx, pair, member)
        return
    await ask_item(ctx, response, resumed=bool(response.answers))


# ---------------------------------------------------------------------------------------------
# surveys
# ---------------------------------------------------------------------------------------------
def option_rows(item: surveys.Item, t: Translate, response_id: int, mask: int) -> list[list[InlineKeyboardButton]]:
    if item.type == "scale":
        nums = range(surveys.SCALE_MIN, surveys.SCALE_MAX + 1)
        buttons = [button(str(n), surveys.answer_callback(response_id, item.id, n)) for n in nums]
        return [buttons[:5], buttons[5:]]
    if item.type == "single":
        return [[button(t(o.text_key), surveys.answer_callback(response_id, item.id, o.code))] for o in item.options]
    if item.type == "multi":
        rows = [[button((f"{CHECK} " if mask >> i & 1 else "") + t(o.text_key),
                        f"{CB_MULTI}:{response_id}:{item.id}:{mask}:t{i}")] for i, o in enumerate(item.options)]
        rows.append([button(t("sv-done"), f"{CB_MULTI}:{response_id}:{item.id}:{mask}:d")])
        return rows
    if item.type == "yesno":
        return [[button(t("sv-yes"), surveys.answer_callback(response_id, item.id, True)),
                 button(t("sv-no"), surveys.answer_callback(response_id, item.id, False))]]
    return []


def question_view(t: Translate, response: SurveyResponse, item: surveys.Item,
                  mask: int = 0) -> tuple[str, InlineKeyboardMarkup | None]:
    definition = surveys.definition_of(response)
    lines = [t(definition.title_key),
             t("sv-progress", n=definition.index(item.id) + 1, total=len(definition.items)), "", t(item.text_key)]
    if item.type == "scale":
        lines.append(t("sv-scale-hint"))
    elif item.type == "multi":
        lines.append(t("sv-multi-hint", max=item.max_choices or len(item.options)))
    elif item.type == "text":
        lines.append(t("sv-text-hint", max=item.max_len or surveys.TEXT_MAX_LIMIT))
    rows = option_rows(item, t, response.id, mask)
    if not item.required:
        rows.append([button(t("sv-skip"), surveys.skip_callback(response.id, item.id))])
    return "\n".join(lines), keyboard(rows)


def answer_label(t: Translate, item: surveys.Item, value: Any) -> str:
    if value is None:
        return t("sv-skip")
    if item.type == "yesno":
        return t("sv-yes" if value else "sv-no")
    if item.type in ("single", "multi"):
        codes = value if isinstance(value, list) else [value]
        keys = {o.code: o.text_key for o in item.options}
        return ", ".join(t(keys[c]) for c in codes if c in keys)
    return short(str(value), ECHO_MAX)


async def ask_item(ctx: Ctx, response: SurveyResponse, *, resumed: bool = False) -> None:
    """Send the survey's current question (or finish it) and take typed answers for it."""
    item = surveys.current_item(response)
    if item is None:
        await finish_survey(ctx, response)
        return
    if resumed:
        await ctx.send(ctx.t("sv-resume"))
    await ctx.begin(SurveyInput.answering, sv=response.id)
    text, markup = question_view(ctx.t, response, item)
    await ctx.prompt(text, markup)


async def finish_survey(ctx: Ctx, response: SurveyResponse) -> None:
    if await ctx.state.get_state() == SurveyInput.answering.state and ctx.data.get("w_sv") == response.id:
        await ctx.end()
    await ctx.send(ctx.t("sv-thanks"))
    if response.kind == "meeting" and response.pair_id is not None:
        pair = await ctx.session.get(Pair, response.pair_id)
        member = await ctx.session.get(ProgrammeMember, response.member_id)
        _, meeting_id = surveys.parse_occasion(response.occasion)
        if pair is not None and member is not None \
                and await checkins.is_first_meeting(ctx.session, pair, meeting_id):
            await offer_fit(ctx, pair, member)


async def after_answer(ctx: Ctx, response: SurveyResponse, nxt: surveys.Item | None) -> None:
    if nxt is None:
        await finish_survey(ctx, response)
    else:
        await ask_item(ctx, response)


async def drop_survey_focus(ctx: Ctx, response_id: int | None) -> None:
    """The survey being typed into can no longer be answered: leave its dialog."""
    if await ctx.state.get_state() == SurveyInput.answering.state and ctx.data.get("w_sv") == response_id:
        await ctx.close(ctx.data.get("w_mid"), None, None)
        await ctx.end()


async def member_for_occasion(ctx: Ctx, occasion: str) -> ProgrammeMember:
    kind, object_id = surveys.parse_occasion(occasion)
    if kind == "meeting":
        meeting = await ctx.session.get(Meeting, object_id)
        if meeting is None:
            raise Invalid("not-open")
        pair = await ctx.session.get(Pair, meeting.pair_id)
        member = await checkins.member_of_user(ctx.session, pair, ctx.uid) if pair is not None else None
    else:
        member = next((m for m in await my_members(ctx.session, ctx.user) if m.programme_id == object_id), None)
    if member is None:
        raise Invalid("not-yours")
    return member


async def on_open_survey(query: CallbackQuery, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    try:
        occasion = surveys.parse_open_callback(query.data or "")
        member = await member_for_occasion(ctx, occasion)
        response = await surveys.start_or_resume(ctx.session, member, occasion, ctx.now)
    except Invalid as exc:
        await query.answer(sv_invalid(ctx.t, exc), show_alert=True)
        return
    await ask_item(ctx, response, resumed=bool(response.answers))
    await query.answer()


async def on_survey_button(query: CallbackQuery, **data: Any) -> None:
    """A scale, single choice or yes/no button (``wa``), or "skip" (``wk``)."""
    ctx = await make_ctx(data, query)
    message = query_message(query)
    response_id: int | None = None
    try:
        response_id, item_id, raw = surveys.parse_answer_callback(query.data or "")
        response = await surveys.response_of_user(ctx.session, response_id, ctx.uid)
        item = surveys.definition_of(response).item(item_id)
        # a ``wa`` button answers only what buttons offer: a scale, a single choice, yes/no
        # (forged data must not type free text or a multiple choice into the survey)
        if item is None or (raw is not None and item.type not in ("scale", "single", "yesno")):
            raise Invalid("stale")
        if raw is None:
            nxt = await surveys.skip_item(ctx.session, response, item_id, ctx.now)
        else:
            nxt = await surveys.answer(ctx.session, response, item_id, raw, ctx.now)
    except Invalid as exc:
        if exc.code in ("closed", "done"):
            if message is not None:
                await ctx.close(message.message_id, None, None)
            await drop_survey_focus(ctx, response_id)
        await query.answer(sv_invalid(ctx.t, exc), show_alert=True)
        return
    if message is not None:
        await ctx.close(message.message_id, message.text, answer_label(ctx.t, item, (response.answers or {})[item_id]))
    await after_answer(ctx, response, nxt)
    await query.answer()


async def on_multi_button(query: CallbackQuery, **data: Any) -> None:
    """Toggle an option of a multiple choice, or submit the selection."""
    ctx = await make_ctx(data, query)
    t = ctx.t
    message = query_message(query)
    parts = (query.data or "").split(":")
    response_id: int | None = None
    try:
        if len(parts) != 5 or not parts[1].isdigit() or not parts[3].isdigit():
            raise Invalid("stale")
        response_id, item_id, mask, op = int(parts[1]), parts[2], int(parts[3]), parts[4]
        response = await surveys.response_of_user(ctx.session, response_id, ctx.uid)
        if response.completed_at is not None:
            raise Invalid("done")
        if response.closed_at is not None:
            raise Invalid("closed")
        item = surveys.current_item(response)
        if item is None or item.id != item_id or item.type != "multi" or mask >= 1 << len(item.options):
            raise Invalid("stale")
        if op == "d":
            chosen = [o.code for i, o in enumerate(item.options) if mask >> i & 1]
            nxt = await surveys.answer(ctx.session, response, item_id, chosen, ctx.now)
        elif op[:1] == "t" and op[1:].isdigit() and int(op[1:]) < len(item.options):
            new = mask ^ (1 << int(op[1:]))
            limit = item.max_choices or len(item.options)
            if bin(new).count("1") > limit:
                raise Invalid("choice-too-many", max=limit)
            if message is not None:
                try:
                    await message.edit_reply_markup(reply_markup=question_view(t, response, item, new)[1])
                except TelegramAPIError as exc:
                    log.debug("could not refresh a choice: %s", exc)
            await query.answer()
            return
        else:
            raise Invalid("stale")
    except Invalid as exc:
        if exc.code in ("closed", "done"):
            if message is not None:
                await ctx.close(message.message_id, None, None)
            await drop_survey_focus(ctx, response_id)
        await query.answer(sv_invalid(t, exc), show_alert=True)
        return
    if message is not None:
        await ctx.close(message.message_id, message.text, answer_label(t, item, response.answers[item_id]))
    await after_answer(ctx, response, nxt)
    await query.answer()


async def on_survey_text(message: Message, **data: Any) -> None:
    """A typed answer: a number for a scale, or free text; buttons are asked for otherwise."""
    ctx = await make_ctx(data, message)
    t = ctx.t
    response_id = ctx.data.get("w_sv")
    try:
        response = await surveys.response_of_user(ctx.session, response_id if isinstance(response_id, int) else 0,
                                                  ctx.uid)
    except Invalid as exc:
        await ctx.end()
        await ctx.send(sv_invalid(t, exc))
        return
    item = surveys.current_item(response)
    if item is None or response.closed_at is not None:
        await drop_survey_focus(ctx, response.id)
        await ctx.send(t("sv-invalid-done" if item is None else "sv-invalid-closed"))
        return
    if item.type not in ("scale", "text") or not message.text:
        if item.type == "text":
            await ctx.send(t("sv-send-text"))
            return
        await ctx.close(ctx.data.get("w_mid"), None, None)  # asked again below
        await ctx.send(t("sv-use-buttons"))
        await ask_item(ctx, response)
        return
    try:
        nxt = await surveys.answer(ctx.session, response, item.id, message.text, ctx.now)
    except Invalid as exc:
        if exc.code in ("closed", "done"):
            await drop_survey_focus(ctx, response.id)
        await ctx.send(sv_invalid(t, exc))
        return
    # the question becomes a record of the answer, as when a button is pressed
    await ctx.close(ctx.data.get("w_mid"), question_view(t, response, item)[0],
                    answer_label(t, item, (response.answers or {}).get(item.id)))
    await after_answer(ctx, response, nxt)


# ---------------------------------------------------------------------------------------------
# the fit question
# ---------------------------------------------------------------------------------------------
async def fit_problem(session: AsyncSession, pair: Pair, member: ProgrammeMember) -> str | None:
    """Why the fit question cannot be answered now (an Invalid code of record_fit), or None."""
    if pair.status != checkins.ACTIVE:
        return "pair-not-active"
    if await session.scalar(select(PairFit.id).where(PairFit.pair_id == pair.id, PairFit.member_id == member.id)):
        return "fit-answered"
    if await session.scalar(select(Meeting.id).where(Meeting.pair_id == pair.id).limit(1)) is None:
        return "fit-too-early"
    return None


async def offer_fit(ctx: Ctx, pair: Pair, member: ProgrammeMember) -> None:
    if await checkins.needs_fit(ctx.session, pair, member):
        await send_fit_question(ctx, pair, member)


async def send_fit_question(ctx: Ctx, pair: Pair, member: ProgrammeMember) -> None:
    partners = await partners_of(ctx.session, pair, member.id)
    await ctx.send(ctx.t("meet-fit-ask", partners=partners), keyboard([[
        button(ctx.t("meet-fit-btn-yes"), f"{CB_FIT}:{pair.id}:y"),
        button(ctx.t("meet-fit-btn-no"), f"{CB_FIT}:{pair.id}:n"),
    ]]))


async def on_fit_button(query: CallbackQuery, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    t = ctx.t
    message = query_message(query)
    parts = (query.data or "").split(":")
    if len(parts) != 3 or not parts[1].isdigit() or parts[2] not in ("a", "y", "n", "s"):
        await query.answer(t("meet-bad-button"), show_alert=True)
        return
    pair, member = await pair_and_member(ctx, int(parts[1]))
    if pair is None or member is None:
        await query.answer(t("meet-invalid-not-in-pair"), show_alert=True)
        return
    op = parts[2]
    if op == "s":
        waiting = await ctx.state.get_state() == FitReason.reason.state and ctx.data.get("w_fit") == pair.id
        if not waiting or message is None or message.message_id != ctx.data.get("w_mid"):
            await query.answer(t("meet-stale"), show_alert=True)
            return
        await ctx.close(message.message_id, message.text, t("meet-fit-btn-no-reason"))
        await ctx.end()
        await record_no(ctx, pair, member, None)
        await query.answer()
        return
    problem = await fit_problem(ctx.session, pair, member)
    if problem is not None:
        if message is not None and op != "a":
            await ctx.close(message.message_id, None, None)
        await query.answer(t(f"meet-invalid-{problem}"), show_alert=True)
        return
    if op == "a":
        await send_fit_question(ctx, pair, member)
    elif op == "y":
        try:
            await checkins.record_fit(ctx.session, pair, member, True, None, ctx.now, default_tz=ctx.tz)
        except Invalid as exc:
            await query.answer(meet_invalid(t, exc), show_alert=True)
            return
        if message is not None:
            await ctx.close(message.message_id, message.text, t("meet-fit-btn-yes"))
        await ctx.send(t("meet-fit-thanks-yes"))
    else:
        if message is not None:
            await ctx.close(message.message_id, message.text, t("meet-fit-btn-no"))
        await ctx.begin(FitReason.reason, fit=pair.id)
        await ctx.prompt(t("meet-fit-ask-reason", max=checkins.FIT_REASON_MAX),
                         keyboard([[button(t("meet-fit-btn-no-reason"), f"{CB_FIT}:{pair.id}:s")]]))
    await query.answer()


async def record_no(ctx: Ctx, pair: Pair, member: ProgrammeMember, reason: str | None) -> bool:
    try:
        await checkins.record_fit(ctx.session, pair, member, False, reason, ctx.now, default_tz=ctx.tz)
    except Invalid as exc:
        await ctx.send(meet_invalid(ctx.t, exc))
        return exc.code != "reason-too-long"
    await ctx.send(ctx.t("meet-fit-thanks-no"))
    return True


async def on_fit_text(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    pair, member = await pair_and_member(ctx, ctx.data.get("w_fit"))
    if pair is None or member is None:
        await ctx.end()
        await ctx.send(ctx.t("meet-invalid-not-in-pair"))
        return
    if await record_no(ctx, pair, member, message.text):
        await ctx.close(ctx.data.get("w_mid"), None, None)
        await ctx.end()


# ---------------------------------------------------------------------------------------------
# /meetings
# ---------------------------------------------------------------------------------------------
async def open_response(session: AsyncSession, member_id: int, occasion: str) -> SurveyResponse | None:
    return await session.scalar(select(SurveyResponse).where(SurveyResponse.member_id == member_id,
                                                             SurveyResponse.occasion == occasion))


async def can_answer(session: AsyncSession, member_id: int, occasion: str, now: datetime) -> bool:
    response = await open_response(session, member_id, occasion)
    if response is not None and (response.completed_at is not None or response.closed_at is not None):
        return False
    return await surveys.occasion_state(session, occasion, now) == "open"


async def meetings_view(ctx: Ctx) -> tuple[str, InlineKeyboardMarkup | None]:
    t, session = ctx.t, ctx.session
    pairs = await my_pairs(session, ctx.user)
    participant = await participant_of(session, ctx.user)
    surveyed = participant is not None and participant.status == "active"  # not a minor awaiting consent
    lines: list[str] = []
    rows: list[list[InlineKeyboardButton]] = []
    if pairs:
        lines.append(t("meet-list-title"))
    else:
        lines.append(t("meet-no-pairs"))
    mentee = False
    for pair, member in pairs:
        mentee = mentee or not is_mentor(pair, member)
        partners = await partners_of(session, pair, member.id)
        start = await checkins.pair_start_on(session, pair, ctx.tz)
        meetings = await checkins.meetings_of(session, pair)
        lines += ["", t("meet-list-pair", partners=partners, start=checkins.fmt_date(start), count=len(meetings))]
        recent = list(reversed(meetings[-MEETINGS_SHOWN:]))
        for m in recent:
            lines.append(t("meet-list-meeting", date=checkins.fmt_date(m.held_on), format=format_label(t, m.format),
                           minutes=m.minutes or 0))
        rows.append([button(t("meet-btn-log", partners=short(partners)), f"{CB_LOG}:p:{pair.id}")])
        for m in recent:
            occasion = surveys.occasion_key("meeting", m.id)
            if surveyed and await can_answer(session, member.id, occasion, ctx.now):
                rows.append([button(t("meet-btn-survey", date=checkins.fmt_date(m.held_on)),
                                    surveys.open_callback(occasion))])
        if await checkins.needs_fit(session, pair, member):
            rows.append([button(t("meet-btn-fit", partners=short(partners)), f"{CB_FIT}:{pair.id}:a")])
    # programme-wide surveys (start, end) the person has not answered yet
    for member in await my_members(session, ctx.user):
        occasions = (await session.scalars(
            select(SurveyOccasion.key).where(SurveyOccasion.programme_id == member.programme_id,
                                             SurveyOccasion.kind.in_(("start", "end")),
                                             SurveyOccasion.closed_at.is_(None)).order_by(SurveyOccasion.id)
        )).all()
        for key in occasions:
            if surveyed and await can_answer(session, member.id, key, ctx.now):
                kind, _ = surveys.parse_occasion(key)
                rows.append([button(t(f"sv-title-{kind}"), surveys.open_callback(key))])
    if pairs:
        lines += ["", t("meet-list-hint-mentee" if mentee else "meet-list-hint-mentor")]
    return "\n".join(lines), keyboard(rows)


async def cmd_meetings(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    text, markup = await meetings_view(ctx)
    await ctx.send(text, markup)


# ---------------------------------------------------------------------------------------------
# /goals
# ---------------------------------------------------------------------------------------------
def progress_mark(goal: Goal) -> str:
    return CHECK if goal.progress >= 100 else "▫️"


async def goals_view(ctx: Ctx, notice: str | None = None) -> tuple[str, InlineKeyboardMarkup | None]:
    t, session = ctx.t, ctx.session
    pairs = await my_pairs(session, ctx.user)
    lines = [notice, ""] if notice else []
    rows: list[list[InlineKeyboardButton]] = []
    if not pairs:
        lines.append(t("goal-no-pairs"))
        return "\n".join(lines), None
    lines.append(t("goal-title"))
    for pair, member in pairs:
        partners = await partners_of(session, pair, member.id)
        goals = await checkins.goals_of(session, pair, member)
        mentor_view = is_mentor(pair, member)
        lines += ["", t("goal-pair-mentor" if mentor_view else "goal-pair-mentee", partners=partners)]
        if not goals:
            lines.append(t("goal-none-mentor" if mentor_view else "goal-none-mentee"))
        names = await names_of(session, sorted({g.member_id for g in goals})) if mentor_view else {}
        for n, goal in enumerate(goals, 1):
            if mentor_view:
                lines.append(t("goal-line-of", n=n, mark=progress_mark(goal), name=names.get(goal.member_id, "—"),
                               text=goal.text, progress=goal.progress))
            else:
                lines.append(t("goal-line", n=n, mark=progress_mark(goal), text=goal.text, progress=goal.progress))
                rows.append([button(t("goal-btn-open", n=n, text=short(goal.text)), f"{CB_GOAL}:g:{goal.id}")])
        if not mentor_view:
            label = t("goal-btn-add-with", partners=short(partners)) if len(pairs) > 1 else t("goal-btn-add")
            rows.append([button(label, f"{CB_GOAL}:a:{pair.id}")])
    return "\n".join(lines), keyboard(rows)


def goal_view(t: Translate, goal: Goal) -> tuple[str, InlineKeyboardMarkup | None]:
    lines = [t("goal-card", text=goal.text, progress=goal.progress)]
    history = list(goal.history or [])[-HISTORY_SHOWN:]
    if history:
        lines += ["", t("goal-history")]
        for moment, value in history:
            try:
                day = checkins.fmt_date(datetime.fromisoformat(moment).date())
            except (TypeError, ValueError):
                day = "—"
            lines.append(t("goal-history-line", date=day, progress=value))
    steps = [button((f"{DONE_MARK} " if goal.progress == p else "") + t("goal-percent", n=p),
                    f"{CB_GOAL}:p:{goal.id}:{p}") for p in PROGRESS_STEPS if p < 100]
    rows = [steps, [button(t("goal-btn-done"), f"{CB_GOAL}:p:{goal.id}:100")],
            [button(t("goal-btn-back"), f"{CB_GOAL}:l:0")]]
    return "\n".join(lines), keyboard(rows)


async def own_goal(ctx: Ctx, goal_id: int) -> tuple[Goal, ProgrammeMember]:
    goal = await ctx.session.get(Goal, goal_id, populate_existing=True)
    pair = await ctx.session.get(Pair, goal.pair_id) if goal is not None else None
    member = await checkins.member_of_user(ctx.session, pair, ctx.uid) if pair is not None else None
    if goal is None or member is None or goal.member_id != member.id:
        raise Invalid("goal-unknown")
    return goal, member


async def show_in_place(ctx: Ctx, query: CallbackQuery, view: tuple[str, InlineKeyboardMarkup | None]) -> None:
    message = query_message(query)
    text, markup = view
    if message is not None:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramAPIError as exc:
            log.debug("could not edit the goals message: %s", exc)
    await ctx.send(text, markup)


async def on_goal_button(query: CallbackQuery, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    t = ctx.t
    parts = (query.data or "").split(":")
    action = parts[1] if len(parts) > 1 else ""
    ids = [p for p in parts[2:]]
    if not ids or not all(p.isdigit() for p in ids) or len(ids) != (2 if action == "p" else 1) \
            or action not in ("l", "a", "g", "p"):
        await query.answer(t("meet-bad-button"), show_alert=True)
        return
    object_id = int(ids[0])
    try:
        if action == "l":
            await show_in_place(ctx, query, await goals_view(ctx))
        elif action == "g":
            goal, _ = await own_goal(ctx, object_id)
            await show_in_place(ctx, query, goal_view(t, goal))
        elif action == "p":
            value = int(ids[1])
            if value not in PROGRESS_STEPS:
                raise Invalid("progress")
            goal, member = await own_goal(ctx, object_id)
            goal = await checkins.set_goal_progress(ctx.session, goal.id, member, value, ctx.now)
            notice = t("goal-achieved" if goal.progress == 100 else "goal-saved", progress=goal.progress)
            await show_in_place(ctx, query, await goals_view(ctx, notice))
        else:  # add a goal to this pair
            pair, member = await pair_and_member(ctx, object_id)
            if pair is None or member is None:
                raise Invalid("not-in-pair")
            if pair.status != checkins.ACTIVE:
                raise Invalid("pair-not-active")
            if is_mentor(pair, member):
                raise Invalid("not-mentee")
            open_goals = await ctx.session.scalar(
                select(func.count()).select_from(Goal)
                .where(Goal.pair_id == pair.id, Goal.member_id == member.id, Goal.done_at.is_(None))) or 0
            if open_goals >= checkins.GOALS_PER_PAIR:
                raise Invalid("goals-too-many", max=checkins.GOALS_PER_PAIR)
            await ctx.begin(GoalInput.text, pair=pair.id)
            await ctx.prompt(t("goal-ask-text", max=checkins.GOAL_MAX))
    except Invalid as exc:
        await query.answer(meet_invalid(t, exc), show_alert=True)
        return
    await query.answer()


async def on_goal_text(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    pair, member = await pair_and_member(ctx, ctx.data.get("w_pair"))
    if pair is None or member is None:
        await ctx.end()
        await ctx.send(ctx.t("meet-invalid-not-in-pair"))
        return
    try:
        await checkins.add_goal(ctx.session, pair, member, message.text, ctx.now)
    except Invalid as exc:
        await ctx.send(meet_invalid(ctx.t, exc))
        if exc.code not in ("goal-empty", "goal-too-long"):
            await ctx.end()
        return
    await ctx.end()
    text, markup = await goals_view(ctx, ctx.t("goal-added"))
    await ctx.send(text, markup)


async def cmd_goals(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    text, markup = await goals_view(ctx)
    await ctx.send(text, markup)


async def on_send_text(message: Message, **data: Any) -> None:
    """Not text where text is expected (a reason, a goal)."""
    await message.answer(data["t"]("meet-send-text"))


# ---------------------------------------------------------------------------------------------
# the router
# ---------------------------------------------------------------------------------------------
def build_router() -> Router:
    router = Router(name="meetings")
    cb = router.callback_query
    cb.register(on_checkin, F.data.startswith(f"{checkins.CB_CHECKIN}:"))
    cb.register(on_log_button, F.data.startswith(f"{CB_LOG}:"))
    cb.register(on_open_survey, F.data.startswith(f"{surveys.CB_OPEN}:"))
    cb.register(on_survey_button, F.data.startswith(f"{surveys.CB_ANSWER}:") | F.data.startswith(f"{surveys.CB_SKIP}:"))
    cb.register(on_multi_button, F.data.startswith(f"{CB_MULTI}:"))
    cb.register(on_fit_button, F.data.startswith(f"{CB_FIT}:"))
    cb.register(on_goal_button, F.data.startswith(f"{CB_GOAL}:"))

    msg = router.message
    not_command = ~F.text.startswith("/")
    msg.register(cmd_meetings, Command("meetings"))
    msg.register(cmd_goals, Command("goals"))
    msg.register(on_log_text, StateFilter(MeetLog), F.text, not_command)
    msg.register(on_log_other, StateFilter(MeetLog), ~F.text)
    msg.register(on_survey_text, StateFilter(SurveyInput.answering), F.text, not_command)
    msg.register(on_survey_text, StateFilter(SurveyInput.answering), ~F.text)
    msg.register(on_fit_text, StateFilter(FitReason.reason), F.text, not_command)
    msg.register(on_goal_text, StateFilter(GoalInput.text), F.text, not_command)
    msg.register(on_send_text, StateFilter(FitReason.reason, GoalInput.text), ~F.text)
    return router
