"""The participant questionnaire as data: steps, keyboards, validation, summaries.

Registration (handlers/registration.py) walks every step; /profile (handlers/profile.py) walks
one *group* of steps to edit a field; the registration summary's "Correct ..." buttons walk one
group and come back to the summary. All three share this engine, so every keyboard, validator
and label exists once.

FSM data of a questionnaire (ids and answers only, JSON-safe)::

    flow    "reg" | "edit"          who finishes the walk (see FINISHERS)
    group   "all" or a GROUPS key   which steps to walk
    a       {answer name: value}    the answers so far
    mid     message id of the current prompt: buttons of any other message are out of date
    pg      current page of a paged multi-select
    locale  the dialog's language (a guest has no users.locale yet)

Callback data: ``fm:<step>:<action>:<value>`` (ASCII codes only, well under 64 bytes).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translate, Translator
from db.models import User
from domain import catalog, rules
from domain.rules import Invalid

log = logging.getLogger(__name__)

CHECK = "✅"
DONE_MARK = "✔"
PAGE_SIZE = 16


# --------------------------------------------------------------------------------------------
# states and callback data
# --------------------------------------------------------------------------------------------
class Questionnaire(StatesGroup):
    role = State()
    category = State()
    grade = State()
    course = State()
    company = State()
    birth_year = State()
    full_name = State()
    interests = State()
    tags = State()
    goals = State()
    goals_text = State()
    strengths = State()
    capacity = State()
    days = State()
    times = State()
    format = State()


class FormCb(CallbackData, prefix="fm"):
    s: str  # step name
    a: str  # c = choose, t = toggle, p = page, ok = done, sk = skip
    v: str = ""


# --------------------------------------------------------------------------------------------
# labels
# --------------------------------------------------------------------------------------------
def role_label(t: Translate, role: str) -> str:
    return t(f"cat-role-{role}")


def category_label(t: Translate, category: str) -> str:
    return t(f"cat-{category}")


def day_label(t: Translate, day: int, short: bool = False) -> str:
    return t(f"cat-day-short-{day}" if short else f"cat-day-{day}")


def time_label(t: Translate, value: str) -> str:
    return t(f"cat-tod-{value}")


def format_label(t: Translate, value: str) -> str:
    return t(f"cat-format-{value}")


def interest_label(t: Translate, code: str) -> str:
    """Subjects are marked with a book: "history" is both an interest and a school subject."""
    name = t(catalog.interest_label_key(code))
    return f"📚 {name}" if code.startswith("s:") else name


def goal_label(t: Translate, code: str) -> str:
    return t(catalog.label_key("goals", code))


def status_label(t: Translate, status: str) -> str:
    return t(f"cat-status-{status}")


# --------------------------------------------------------------------------------------------
# steps
# --------------------------------------------------------------------------------------------
Answers = dict[str, Any]


@dataclass(frozen=True)
class Step:
    name: str
    kind: str  # choice | multi | text
    options: Callable[[Answers], Sequence[Any]] = lambda a: ()
    label: Callable[[Translate, Any], str] = lambda t, v: str(v)
    short_label: Callable[[Translate, Any], str] | None = None
    parse: Callable[[str, date], Any] | None = None
    applies: Callable[[Answers], bool] = lambda a: True
    columns: int = 1
    min_selected: int = 0
    skippable: bool = False
    empty: Any = None  # the value "Skip" stores

    @property
    def state(self) -> State:
        return getattr(Questionnaire, self.name)

    @property
    def key(self) -> str:
        return self.name.replace("_", "-")

    def button_label(self, t: Translate, value: Any) -> str:
        return (self.short_label or self.label)(t, value)


def _role_of(a: Answers) -> str | None:
    return a.get("role")


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("role", "choice", options=lambda a: rules.ROLES, label=role_label,
             applies=lambda a: not a.get("_role_fixed")),
        Step("category", "choice", options=lambda a: rules.CATEGORIES.get(_role_of(a) or "", ()),
             label=category_label),
        Step("grade", "choice", options=lambda a: rules.GRADES,
             label=lambda t, v: t("cat-grade", n=v), short_label=lambda t, v: str(v),
             applies=lambda a: rules.needs_grade(a.get("category", "")), columns=6),
        Step("course", "choice", options=lambda a: rules.COURSES,
             label=lambda t, v: t("cat-course", n=v), short_label=lambda t, v: str(v),
             applies=lambda a: rules.needs_course(a.get("category", "")), columns=6),
        Step("company", "text", parse=lambda text, today: rules.parse_company(text),
             applies=lambda a: rules.needs_company(a.get("category", ""))),
        Step("birth_year", "text", parse=rules.parse_birth_year),
        Step("full_name", "text", parse=lambda text, today: rules.parse_full_name(text)),
        Step("interests", "multi", options=lambda a: catalog.interest_codes(a.get("category")), label=interest_label,
             columns=2, min_selected=1),
        Step("tags", "text", parse=lambda text, today: rules.parse_tags(text), skippable=True, empty=[]),
        Step("goals", "multi", options=lambda a: catalog.goal_codes(a.get("category")), label=goal_label,
             applies=lambda a: _role_of(a) == "mentee", columns=2, min_selected=1),
        Step("goals_text", "text", parse=lambda text, today: rules.parse_goals_text(text),
             applies=lambda a: _role_of(a) == "mentee", skippable=True, empty=None),
        Step("strengths", "multi", options=lambda a: catalog.goal_codes(a.get("category")), label=goal_label,
             applies=lambda a: _role_of(a) == "mentor", columns=2, min_selected=1),
        Step("capacity", "choice", options=lambda a: rules.CAPACITIES,
             applies=lambda a: _role_of(a) == "mentor", columns=5),
        Step("days", "multi", options=lambda a: rules.WEEKDAYS, label=lambda t, v: day_label(t, v),
             short_label=lambda t, v: day_label(t, v, short=True), columns=4, min_selected=1),
        Step("times", "multi", options=lambda a: rules.TIMES_OF_DAY, label=time_label, min_selected=1),
        Step("format", "choice", options=lambda a: rules.FORMATS, label=format_label),
    )
}

FULL: tuple[str, ...] = tuple(STEPS)
CATALOGUE_STEPS = frozenset({"interests", "goals", "strengths"})

# What one "Correct ..." / "Edit ..." button walks through.
GROUPS: dict[str, tuple[str, ...]] = {
    "role": ("role", "category", "grade", "course", "company", "goals", "goals_text", "strengths", "capacity"),
    "category": ("category", "grade", "course", "company", "interests", "goals", "strengths"),
    "birth_year": ("birth_year",),
    "full_name": ("full_name",),
    "interests": ("interests",),
    "tags": ("tags",),
    "goals": ("goals", "goals_text"),
    "strengths": ("strengths",),
    "capacity": ("capacity",),
    "availability": ("days", "times"),
    "format": ("format",),
}


# Steps a group walks only when their answer is empty: after a change of category the catalogue
# offers other items, the ones no longer offered are dropped (refit), and an emptied answer is asked.
ONLY_IF_EMPTY: dict[str, frozenset[str]] = {"category": frozenset({"interests", "goals", "strengths"})}

# Whatever group asks the category (the category itself, the role) may empty a catalogue answer:
# each walks every catalogue step, a step it does not ask anyway only when refit emptied it.
for _group, _steps in list(GROUPS.items()):
    if "category" in _steps:
        _added = CATALOGUE_STEPS - set(_steps)
        GROUPS[_group] = tuple(name for name in FULL if name in _steps or name in _added)
        ONLY_IF_EMPTY[_group] = ONLY_IF_EMPTY.get(_group, frozenset()) | _added
del _group, _steps, _added


def refit(a: Answers) -> None:
    """Drop the catalogue choices the (new) category is not offered."""
    a["interests"], goals, strengths = catalog.keep_offered(a.get("category"), a.get("interests") or (),
                                                            a.get("goals") or (), a.get("strengths") or ())
    if "goals" in a:
        a["goals"] = goals
    if "strengths" in a:
        a["strengths"] = strengths


def walks(a: Answers, group: str, name: str) -> bool:
    """Whether a walk through ``group`` asks step ``name`` for these answers."""
    if not STEPS[name].applies(a):
        return False
    return name not in ONLY_IF_EMPTY.get(group, ()) or not a.get(name)


def groups_for(a: Answers, *, with_role: bool) -> list[str]:
    """The groups one can correct, in display order, for these answers."""
    role = _role_of(a)
    names = ["role"] if with_role else []
    names += ["category", "birth_year", "full_name", "interests", "tags"]
    names += ["goals"] if role == "mentee" else ["strengths", "capacity"]
    names += ["availability", "format"]
    return names


def encode(value: Any) -> str:
    return str(value).replace(":", ".")


def decode(step: Step, a: Answers, raw: str) -> Any:
    """The option whose encoding is ``raw``; Invalid for forged data."""
    for option in step.options(a):
        if encode(option) == raw:
            return option
    raise Invalid("button")


def steps_of(group: str) -> tuple[str, ...]:
    return FULL if group == "all" else GROUPS.get(group, ())


def first_step(a: Answers, group: str) -> str | None:
    for name in steps_of(group):
        if walks(a, group, name):
            return name
    return None


def next_step(a: Answers, group: str, current: str) -> str | None:
    names = steps_of(group)
    if current not in names:
        return None
    for name in names[names.index(current) + 1:]:
        if walks(a, group, name):
            return name
    return None


# --------------------------------------------------------------------------------------------
# keyboards
# --------------------------------------------------------------------------------------------
def rows(buttons: list[InlineKeyboardButton], columns: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i:i + columns] for i in range(0, len(buttons), columns)]


def shown_options(step: Step, a: Answers, order: Sequence[Any] | None = None) -> list[Any]:
    """The step's options in the order they are shown (``order``: the dialog's order of the
    catalogue, most chosen first, see show_step); the set is always ``step.options(a)``."""
    options = list(step.options(a))
    if not order:
        return options
    offered = set(options)
    first = [o for o in order if o in offered]
    return first + [o for o in options if o not in set(first)]


def stored_order(step: Step, a: Answers) -> list[Any]:
    """The order a multi-select's answer is stored in: the catalogue's own order, whatever the
    category and the order on screen (so a profile reads the same however it was entered)."""
    options = list(step.options(a))
    if step.name == "interests":
        canonical = catalog.interest_codes()
    elif step.name in CATALOGUE_STEPS:
        canonical = catalog.codes("goals")
    else:
        return options
    offered = set(options)
    return [c for c in canonical if c in offered]


def step_keyboard(t: Translate, step: Step, a: Answers, page: int = 0,
                  order: Sequence[Any] | None = None) -> InlineKeyboardMarkup | None:
    if step.kind == "text":
        if not step.skippable:
            return None
        return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(
            text=t(f"reg-btn-skip-{step.key}"), callback_data=FormCb(s=step.name, a="sk").pack())]])
    options = shown_options(step, a, order)
    if step.kind == "choice":
        current = a.get(step.name)
        buttons = [
            InlineKeyboardButton(
                text=(f"{CHECK} " if option == current else "") + step.button_label(t, option),
                callback_data=FormCb(s=step.name, a="c", v=encode(option)).pack(),
            )
            for option in options
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows(buttons, step.columns))
    selected = set(a.get(step.name) or ())
    pages = max(1, -(-len(options) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = options[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    buttons = [
        InlineKeyboardButton(
            text=(f"{CHECK} " if option in selected else "") + step.button_label(t, option),
            callback_data=FormCb(s=step.name, a="t", v=encode(option)).pack(),
        )
        for option in shown
    ]
    keyboard = rows(buttons, step.columns)
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton(text=t("reg-btn-prev"), callback_data=FormCb(s=step.name, a="p", v=str(page - 1)).pack()))
        nav.append(InlineKeyboardButton(text=t("reg-page", page=page + 1, pages=pages),
                                        callback_data=FormCb(s=step.name, a="p", v=str(page)).pack()))
        if page < pages - 1:
            nav.append(InlineKeyboardButton(text=t("reg-btn-next"), callback_data=FormCb(s=step.name, a="p", v=str(page + 1)).pack()))
        keyboard.append(nav)
    keyboard.append([InlineKeyboardButton(text=t("reg-btn-done", count=len(selected)),
                                          callback_data=FormCb(s=step.name, a="ok").pack())])
    return InlineKeyboardMarkup(inline_keyboard=keyboard)


# --------------------------------------------------------------------------------------------
# rendering answers
# --------------------------------------------------------------------------------------------
def value_text(t: Translate, name: str, a: Answers) -> str:
    """One answer as the user reads it ("—" when empty)."""
    value = a.get(name)
    step = STEPS.get(name)
    none = t("reg-none")
    if name == "tags":
        return ", ".join(f"#{tag}" for tag in value or ()) or none
    if name in ("company", "full_name", "goals_text"):
        return value or none
    if name == "birth_year":
        return str(value) if value else none
    if name == "capacity":
        return t("reg-capacity-value", count=value) if value else none
    if name == "days":
        return ", ".join(day_label(t, d) for d in sorted(value or ())) or none
    if name == "times":
        order = rules.TIMES_OF_DAY
        return ", ".join(time_label(t, v) for v in sorted(value or (), key=order.index)) or none
    if step is not None and step.kind == "multi":
        return ", ".join(step.label(t, v) for v in value or ()) or none
    if value is None or value == "":
        return none
    return step.label(t, value) if step is not None else str(value)


def category_text(t: Translate, a: Answers) -> str:
    category = a.get("category")
    if not category:
        return t("reg-none")
    text = category_label(t, category)
    if rules.needs_grade(category) and a.get("grade"):
        text += f", {t('cat-grade', n=a['grade'])}"
    elif rules.needs_course(category) and a.get("course"):
        text += f", {t('cat-course', n=a['course'])}"
    elif rules.needs_company(category) and a.get("company"):
        text += f", {a['company']}"
    return text


def answers_text(t: Translate, a: Answers) -> str:
    """The questionnaire as labelled lines (registration summary, /profile)."""
    role = _role_of(a)
    lines = [
        f"{t('reg-field-full-name')}: {value_text(t, 'full_name', a)}",
        f"{t('reg-field-role')}: {role_label(t, role) if role else t('reg-none')}",
        f"{t('reg-field-category')}: {category_text(t, a)}",
        f"{t('reg-field-birth-year')}: {value_text(t, 'birth_year', a)}",
        f"{t('reg-field-interests')}: {value_text(t, 'interests', a)}",
        f"{t('reg-field-tags')}: {value_text(t, 'tags', a)}",
    ]
    if role == "mentee":
        lines.append(f"{t('reg-field-goals')}: {value_text(t, 'goals', a)}")
        lines.append(f"{t('reg-field-goals-text')}: {value_text(t, 'goals_text', a)}")
    elif role == "mentor":
        lines.append(f"{t('reg-field-strengths')}: {value_text(t, 'strengths', a)}")
        lines.append(f"{t('reg-field-capacity')}: {value_text(t, 'capacity', a)}")
    lines.append(f"{t('reg-field-days')}: {value_text(t, 'days', a)}")
    lines.append(f"{t('reg-field-times')}: {value_text(t, 'times', a)}")
    lines.append(f"{t('reg-field-format')}: {value_text(t, 'format', a)}")
    return "\n".join(lines)


def group_label(t: Translate, group: str) -> str:
    return t(f"reg-field-{group.replace('_', '-')}")


def edit_buttons(t: Translate, groups: Sequence[str], pack: Callable[[str], str]) -> list[list[InlineKeyboardButton]]:
    buttons = [InlineKeyboardButton(text=f"✏️ {group_label(t, g)}", callback_data=pack(g)) for g in groups]
    return rows(buttons, 2)


# --------------------------------------------------------------------------------------------
# answers <-> domain profile
# --------------------------------------------------------------------------------------------
def build_profile(a: Answers) -> rules.Profile:
    """The validated-shape Profile from FSM answers (fields the category does not need dropped)."""
    category = a.get("category") or ""
    role = a.get("role") or ""
    return rules.Profile(
        role=role,
        category=category,
        birth_year=int(a.get("birth_year") or 0),
        full_name=a.get("full_name") or "",
        grade=a.get("grade") if rules.needs_grade(category) else None,
        course=a.get("course") if rules.needs_course(category) else None,
        company=a.get("company") if rules.needs_company(category) else None,
        interests=tuple(a.get("interests") or ()),
        tags=tuple(a.get("tags") or ()),
        goals=tuple(a.get("goals") or ()) if role == "mentee" else (),
        goals_text=a.get("goals_text") if role == "mentee" else None,
        strengths=tuple(a.get("strengths") or ()) if role == "mentor" else (),
        capacity=a.get("capacity") if role == "mentor" else None,
        days=tuple(sorted(a.get("days") or ())),
        times=tuple(v for v in rules.TIMES_OF_DAY if v in (a.get("times") or ())),
        format=a.get("format") or "any",
    )


def answers_of(participant: Any) -> Answers:
    """FSM answers from a stored participant (for /profile editing)."""
    return {
        "role": participant.role,
        "_role_fixed": True,
        "category": participant.category,
        "grade": participant.grade,
        "course": participant.course,
        "company": participant.company,
        "birth_year": participant.birth_year,
        "full_name": participant.full_name,
        "interests": list(participant.interests or ()),
        "tags": list(participant.tags or ()),
        "goals": list(participant.goals or ()),
        "goals_text": participant.goals_text,
        "strengths": list(participant.strengths or ()),
        "capacity": participant.capacity,
        "days": list(participant.days or ()),
        "times": list(participant.times or ()),
        "format": participant.format,
    }


# --------------------------------------------------------------------------------------------
# the engine
# --------------------------------------------------------------------------------------------
@dataclass
class Ctx:
    """What a form step needs, gathered from the handler data of one update."""

    session: AsyncSession
    state: FSMContext
    bot: Bot
    translator: Translator
    settings: Settings
    user: User | None
    now: datetime
    chat_id: int
    tg_id: int
    data: dict[str, Any] = field(default_factory=dict)
    locale: str = "ru"

    @property
    def t(self) -> Translate:
        return self.translator.bind(self.locale)

    @property
    def a(self) -> Answers:
        return self.data.setdefault("a", {})

    async def save(self) -> None:
        await self.state.set_data(self.data)

    async def send(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        return await self.bot.send_message(self.chat_id, text, reply_markup=markup)

    async def prompt(self, text: str, markup: InlineKeyboardMarkup | None = None) -> Message:
        """Send the question of the current step; only its buttons count from now on."""
        sent = await self.send(text, markup)
        self.data["mid"] = sent.message_id
        await self.save()
        return sent

    async def close_prompt(self, message_id: int | None, text: str | None, answer: str | None) -> None:
        """Turn an answered prompt into a record: the answer appended, the buttons removed."""
        if message_id is None:
            return
        try:
            if text is not None and answer is not None:
                body = f"{text}\n\n{DONE_MARK} {answer}"
                if len(body) > 4000:
                    body = text
                await self.bot.edit_message_text(chat_id=self.chat_id, message_id=message_id, text=body, reply_markup=None)
            else:
                await self.bot.edit_message_reply_markup(chat_id=self.chat_id, message_id=message_id, reply_markup=None)
        except TelegramAPIError as exc:  # an old message may be gone; it is only cosmetics
            log.debug("could not close prompt %s: %s", message_id, exc)


async def make_ctx(data: dict[str, Any], event: Message | CallbackQuery) -> Ctx:
    """Build a Ctx from aiogram handler data (``data`` holds the middleware's keys)."""
    state: FSMContext = data["state"]
    stored = await state.get_data()
    user: User | None = data.get("user")
    if isinstance(event, CallbackQuery):
        chat_id = event.message.chat.id if event.message else event.from_user.id
    else:
        chat_id = event.chat.id
    # A guest's dialog language lives in the FSM data; a registered user's on their row.
    locale = data["locale"] if stored.get("flow") == "edit" else stored.get("locale") or data["locale"]
    return Ctx(
        session=data["session"], state=state, bot=data["bot"], translator=data["translator"],
        settings=data["settings"], user=user, now=data["now"], chat_id=chat_id,
        tg_id=event.from_user.id, data=stored, locale=locale,
    )


Finisher = Callable[[Ctx], Awaitable[None]]
FINISHERS: dict[str, Finisher] = {}


def prompt_text(ctx: Ctx, step: Step) -> str:
    t = ctx.t
    role = ctx.a.get("role")
    text = t(f"reg-ask-{step.key}", role=role or "none", example=str(ctx.now.year - 15))
    if ctx.data.get("flow") == "edit" or ctx.data.get("group", "all") != "all":
        current = ctx.a.get(step.name)
        if step.kind == "text" and current:
            text += "\n\n" + t("reg-current", value=value_text(t, step.name, ctx.a))
    return text


async def show_step(ctx: Ctx, name: str) -> None:
    step = STEPS[name]
    await ctx.state.set_state(step.state)
    ctx.data["pg"] = 0
    ctx.data.pop("ord", None)
    if step.name in CATALOGUE_STEPS:
        # most chosen first, fixed for this question (pages do not reshuffle under the finger)
        counts = await catalog.usage(ctx.session, ctx.a.get("category"), ctx.now)
        ctx.data["ord"] = catalog.by_use(list(step.options(ctx.a)), counts, step.name)
    await ctx.prompt(prompt_text(ctx, step), keyboard_of(ctx, step))


def keyboard_of(ctx: Ctx, step: Step) -> InlineKeyboardMarkup | None:
    """The keyboard of the current question, on its current page, in the dialog's order."""
    return step_keyboard(ctx.t, step, ctx.a, ctx.data.get("pg", 0), ctx.data.get("ord"))


async def start_group(ctx: Ctx, group: str) -> None:
    ctx.data["group"] = group
    name = first_step(ctx.a, group)
    if name is None:
        await finish(ctx)
    else:
        await show_step(ctx, name)


async def finish(ctx: Ctx) -> None:
    await FINISHERS[ctx.data.get("flow", "reg")](ctx)


async def advance(ctx: Ctx, current: str) -> None:
    name = next_step(ctx.a, ctx.data.get("group", "all"), current)
    if name is None:
        await finish(ctx)
    else:
        await show_step(ctx, name)


async def invalid(ctx: Ctx, exc: Invalid) -> None:
    # Years are passed as text: Fluent would group their digits ("2 011").
    params = {k: str(v) if exc.code.startswith("birth-year") else v for k, v in exc.params.items()}
    await ctx.send(ctx.t(f"reg-invalid-{exc.code}", **params))


def current_step(state_name: str | None) -> Step | None:
    if not state_name or not state_name.startswith("Questionnaire:"):
        return None
    return STEPS.get(state_name.split(":", 1)[1])


# --------------------------------------------------------------------------------------------
# handlers
# --------------------------------------------------------------------------------------------
async def on_form_callback(query: CallbackQuery, callback_data: FormCb, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    t = ctx.t
    step = current_step(await ctx.state.get_state())
    message_id = query.message.message_id if query.message else None
    if step is None or step.name != callback_data.s or message_id is None or message_id != ctx.data.get("mid"):
        await query.answer(t("reg-stale-button"), show_alert=True)
        return
    message_text = query.message.text if isinstance(query.message, Message) else None
    action = callback_data.a
    # The callback is answered after the chat has changed, so whoever sees the answer sees the new state.
    try:
        if action == "c" and step.kind == "choice":
            value = decode(step, ctx.a, callback_data.v)
            ctx.a[step.name] = value
            if step.name == "category":
                refit(ctx.a)
            await ctx.close_prompt(message_id, message_text, step.label(t, value))
            await advance(ctx, step.name)
        elif action == "t" and step.kind == "multi":
            value = decode(step, ctx.a, callback_data.v)
            selected = list(ctx.a.get(step.name) or [])
            if value in selected:
                selected.remove(value)
            else:
                selected.append(value)
            ctx.a[step.name] = selected
            await ctx.save()
            await _refresh_keyboard(ctx, step, message_id)
        elif action == "p" and step.kind == "multi":
            pages = max(1, -(-len(step.options(ctx.a)) // PAGE_SIZE))
            if callback_data.v not in {str(n) for n in range(pages)}:
                raise Invalid("button")
            if int(callback_data.v) != ctx.data.get("pg", 0):
                ctx.data["pg"] = int(callback_data.v)
                await ctx.save()
                await _refresh_keyboard(ctx, step, message_id)
        elif action == "ok" and step.kind == "multi":
            if callback_data.v:
                raise Invalid("button")
            selected = [v for v in stored_order(step, ctx.a) if v in (ctx.a.get(step.name) or ())]
            if len(selected) < step.min_selected:
                await query.answer(t("reg-choose-at-least-one"), show_alert=True)
                return
            ctx.a[step.name] = selected
            await ctx.close_prompt(message_id, message_text, value_text(t, step.name, ctx.a))
            await advance(ctx, step.name)
        elif action == "sk" and step.kind == "text" and step.skippable:
            if callback_data.v:
                raise Invalid("button")
            ctx.a[step.name] = step.empty
            await ctx.close_prompt(message_id, message_text, t(f"reg-btn-skip-{step.key}"))
            await advance(ctx, step.name)
        else:
            raise Invalid("button")
    except Invalid:
        await query.answer(t("reg-bad-button"), show_alert=True)
        return
    await query.answer()


async def _refresh_keyboard(ctx: Ctx, step: Step, message_id: int) -> None:
    try:
        await ctx.bot.edit_message_reply_markup(
            chat_id=ctx.chat_id, message_id=message_id,
            reply_markup=keyboard_of(ctx, step),
        )
    except TelegramAPIError as exc:
        log.debug("could not refresh keyboard: %s", exc)


async def on_form_text(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    step = current_step(await ctx.state.get_state())
    if step is None:  # pragma: no cover - the state filter let it in
        return
    if step.kind != "text":
        await ctx.send(ctx.t("reg-use-buttons"))
        await ctx.prompt(prompt_text(ctx, step), keyboard_of(ctx, step))
        return
    assert step.parse is not None
    try:
        value = step.parse(message.text or "", ctx.now.date())
    except Invalid as exc:
        await invalid(ctx, exc)
        return
    ctx.a[step.name] = value
    if step.skippable:
        await ctx.close_prompt(ctx.data.get("mid"), None, None)
    await advance(ctx, step.name)


async def on_form_other(message: Message, **data: Any) -> None:
    """A sticker, photo, voice... where a text or a button is expected."""
    ctx = await make_ctx(data, message)
    step = current_step(await ctx.state.get_state())
    if step is not None and step.kind == "text":
        await ctx.send(ctx.t("reg-send-text"))
    else:
        await ctx.send(ctx.t("reg-use-buttons"))
        if step is not None:
            await ctx.prompt(prompt_text(ctx, step), keyboard_of(ctx, step))


def build_form_router() -> Router:
    router = Router(name="forms")
    router.callback_query.register(on_form_callback, FormCb.filter())
    router.message.register(on_form_text, StateFilter(Questionnaire), F.text, ~F.text.startswith("/"))
    router.message.register(on_form_other, StateFilter(Questionnaire), ~F.text)
    return router
