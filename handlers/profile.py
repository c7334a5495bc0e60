"""/profile (view and edit one field at a time) and /deleteme (withdraw consent, erase data).

Editing walks one group of the registration questionnaire (handlers/forms.py) with the same
keyboards and validators, then saves through domain.people.update_profile and shows the
profile again.
"""
from __future__ import annotations

import logging
from typing import Any

from aiogram import Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import publish_for_user
from bot.i18n import Translate
from db.models import Participant, Unit, User
from domain.people import erase_user, participant_of, update_profile
from domain.rules import Invalid
from domain.units import curator_scopes
from handlers import forms
from handlers.forms import Ctx, make_ctx

log = logging.getLogger(__name__)


class ProfCb(CallbackData, prefix="pf"):
    f: str  # a group of handlers.forms.GROUPS


class Erasure(StatesGroup):
    confirm = State()


class DelCb(CallbackData, prefix="dl"):
    a: str  # yes | no


def profile_keyboard(t: Translate, participant: Participant) -> InlineKeyboardMarkup:
    groups = forms.groups_for(forms.answers_of(participant), with_role=False)
    return InlineKeyboardMarkup(inline_keyboard=forms.edit_buttons(t, groups, lambda g: ProfCb(f=g).pack()))


async def profile_text(session: AsyncSession, t: Translate, participant: Participant) -> str:
    org = await session.get(Unit, participant.org_id)
    lines = [
        t("prof-title"),
        "",
        f"{t('prof-field-org')}: {org.name if org else '—'}",
        f"{t('prof-field-status')}: {forms.status_label(t, participant.status)}",
        forms.answers_text(t, forms.answers_of(participant)),
    ]
    if participant.status == "awaiting_consent":
        lines += ["", t("prof-awaiting-consent")]
    lines += ["", t("prof-edit-hint")]
    return "\n".join(lines)


async def send_profile(ctx: Ctx, participant: Participant, header: str | None = None) -> None:
    text = await profile_text(ctx.session, ctx.t, participant)
    if header:
        text = f"{header}\n\n{text}"
    await ctx.send(text, profile_keyboard(ctx.t, participant))


async def save_edit(ctx: Ctx) -> None:
    """The finisher of an edit: validate the whole profile, save, show it again."""
    participant = await participant_of(ctx.session, ctx.user)
    await ctx.state.clear()
    if participant is None:
        await ctx.send(ctx.t("prof-not-registered"))
        return
    try:
        await update_profile(ctx.session, participant, forms.build_profile(ctx.a), ctx.now)
    except Invalid as exc:
        await forms.invalid(ctx, exc)
        await send_profile(ctx, participant)
        return
    await send_profile(ctx, participant, header=ctx.t("prof-saved"))


forms.FINISHERS["edit"] = save_edit


def _is_mine(state_name: str | None) -> bool:
    return bool(state_name) and state_name.split(":", 1)[0] in (forms.Questionnaire.__name__, Erasure.__name__)


async def cmd_profile(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    ctx.locale = data["locale"]
    participant = await participant_of(ctx.session, ctx.user)
    if participant is None:
        await ctx.send(ctx.t("prof-not-registered"))
        return
    if _is_mine(await ctx.state.get_state()):  # leave an unfinished edit
        await ctx.state.clear()
    await send_profile(ctx, participant)


async def on_edit(query: CallbackQuery, callback_data: ProfCb, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    ctx.locale = data["locale"]
    participant = await participant_of(ctx.session, ctx.user)
    if participant is None:
        await query.answer(ctx.t("prof-not-registered"), show_alert=True)
        return
    answers = forms.answers_of(participant)
    if callback_data.f not in forms.groups_for(answers, with_role=False):
        await query.answer(ctx.t("reg-bad-button"), show_alert=True)
        return
    ctx.data = {"flow": "edit", "group": callback_data.f, "a": answers, "locale": ctx.locale}
    await forms.start_group(ctx, callback_data.f)
    await query.answer()


async def cmd_deleteme(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    ctx.locale = data["locale"]
    t = ctx.t
    user: User | None = ctx.user
    if user is None:
        await ctx.send(t("del-nothing"))
        return
    is_participant = await participant_of(ctx.session, user) is not None
    is_curator = bool(await curator_scopes(ctx.session, user.id))
    parts = [t("del-explain")]
    if is_participant:
        parts.append(t("del-explain-participant"))
    if is_curator:
        parts.append(t("del-explain-curator"))
    parts.append(t("del-explain-kept"))
    keyboard = InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("del-btn-confirm"), callback_data=DelCb(a="yes").pack()),
        InlineKeyboardButton(text=t("del-btn-keep"), callback_data=DelCb(a="no").pack()),
    ]])
    await ctx.state.clear()
    await ctx.state.set_state(Erasure.confirm)
    ctx.data = {"locale": ctx.locale}
    await ctx.prompt("\n\n".join(parts), keyboard)


async def on_delete(query: CallbackQuery, callback_data: DelCb, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    ctx.locale = data["locale"]
    t = ctx.t
    state: FSMContext = ctx.state
    message_id = query.message.message_id if query.message else None
    if callback_data.a not in ("yes", "no"):
        await query.answer(t("reg-bad-button"), show_alert=True)
        return
    if await state.get_state() != Erasure.confirm.state or message_id is None or message_id != ctx.data.get("mid"):
        await query.answer(t("reg-stale-button"), show_alert=True)
        return
    await state.clear()
    await ctx.close_prompt(message_id, None, None)
    if callback_data.a == "no":
        await ctx.send(t("del-kept"))
    elif ctx.user is None:
        await ctx.send(t("del-nothing"))
    else:
        await erase_user(ctx.session, ctx.user, ctx.now)
        await publish_for_user(ctx.bot, ctx.session, ctx.translator, ctx.settings, None, ctx.tg_id, ctx.locale)
        await ctx.send(t("del-done"))
    await query.answer()


def build_router() -> Router:
    router = Router(name="profile")
    router.message.register(cmd_profile, Command("profile"))
    router.message.register(cmd_deleteme, Command("deleteme"))
    router.callback_query.register(on_edit, ProfCb.filter())
    router.callback_query.register(on_delete, DelCb.filter())
    return router
