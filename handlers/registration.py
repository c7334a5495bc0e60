"""Registration of a participant from an invitation link, and a curator's acceptance.

Participant: language → consent → the questionnaire (handlers/forms.py) → summary with
"Correct ..." buttons → confirm (the invitation is consumed atomically, then
domain.people.register_participant). Curator: consent → full name → domain.people.accept_curator.

handlers/start.py validates the invitation, clears the state and calls the two ``begin_*``
functions; the FSM data holds ids and answers only (never ORM objects), so a dialog survives a
restart of the bot.
"""
from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.commands import publish_for_user
from bot.fsm_storage import CURRENT_SESSION
from bot.i18n import SUPPORTED, Translate, Translator
from db.models import Invitation, Unit
from domain import invitations
from domain.people import CONSENT_VERSION, CURATOR_CONSENT_VERSION, accept_curator, consent_edition, participant_of, register_participant, user_by_tg
from domain.rules import Invalid, parse_full_name
from handlers import forms
from handlers.forms import CHECK, Ctx, make_ctx

log = logging.getLogger(__name__)


class Registration(StatesGroup):
    language = State()
    consent = State()
    summary = State()


class CuratorAcceptance(StatesGroup):
    consent = State()
    full_name = State()


class RegCb(CallbackData, prefix="rg"):
    a: str  # lang | yes | no | ok | fix
    v: str = ""


def _language_names(translator: Translator) -> dict[str, str]:
    """Each language named in itself, from the application's translator (a translator of its own
    would parse every locale file again: 1.3 s of the first registration after a start)."""
    return {code: translator.get(code, "language-name") for code in SUPPORTED}


def language_keyboard(selected: str, translator: Translator) -> InlineKeyboardMarkup:
    names = _language_names(translator)
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=(f"{CHECK} " if code == selected else "") + names[code],
                             callback_data=RegCb(a="lang", v=code).pack())
        for code in SUPPORTED
    ]])


def consent_keyboard(t: Translate) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[
        InlineKeyboardButton(text=t("reg-btn-agree"), callback_data=RegCb(a="yes").pack()),
        InlineKeyboardButton(text=t("reg-btn-decline"), callback_data=RegCb(a="no").pack()),
    ]])


def consent_text(t: Translate, curator: bool = False) -> str:
    locale = getattr(t, "locale", None) or "ru"
    if curator:
        return t("reg-consent-text-curator", edition=consent_edition(CURATOR_CONSENT_VERSION, locale))
    return t("reg-consent-text", edition=consent_edition(CONSENT_VERSION, locale))


async def _unit_name(unit_id: int) -> str | None:
    session = CURRENT_SESSION.get()
    if session is None:
        return None
    unit = await session.get(Unit, unit_id)
    return unit.name if unit else None


# --------------------------------------------------------------------------------------------
# entry points (called by handlers/start.py)
# --------------------------------------------------------------------------------------------
async def begin_participant_registration(message: Message, state: FSMContext, t: Translate,
                                         invitation: Invitation, translator: Translator) -> None:
    locale = getattr(t, "locale", None) or "ru"
    answers: dict[str, Any] = {}
    if invitation.role:
        answers["role"] = invitation.role
        answers["_role_fixed"] = True
    org = await _unit_name(invitation.unit_id)
    welcome = t("reg-welcome", org=org) if org else t("reg-welcome-generic")
    await state.set_state(Registration.language)
    sent = await message.answer(f"{welcome}\n\n{t('reg-ask-language')}",
                                reply_markup=language_keyboard(locale, translator))
    await state.set_data({"flow": "reg", "group": "all", "inv": invitation.id, "locale": locale,
                          "a": answers, "mid": sent.message_id})


async def begin_curator_acceptance(message: Message, state: FSMContext, t: Translate,
                                   invitation: Invitation) -> None:
    locale = getattr(t, "locale", None) or "ru"
    unit = await _unit_name(invitation.unit_id)
    session = CURRENT_SESSION.get()
    co = session is not None and await invitations.invites_co_curator(session, invitation)
    welcome = t("reg-cocurator-welcome" if co else "reg-curator-welcome", unit=unit or "—")
    await state.set_state(CuratorAcceptance.consent)
    sent = await message.answer(f"{welcome}\n\n{consent_text(t, curator=True)}", reply_markup=consent_keyboard(t))
    await state.set_data({"flow": "cur", "inv": invitation.id, "locale": locale, "mid": sent.message_id})


# --------------------------------------------------------------------------------------------
# steps around the questionnaire
# --------------------------------------------------------------------------------------------
async def show_consent(ctx: Ctx) -> None:
    await ctx.state.set_state(Registration.consent)
    await ctx.prompt(consent_text(ctx.t), consent_keyboard(ctx.t))


def summary_keyboard(ctx: Ctx) -> InlineKeyboardMarkup:
    t = ctx.t
    groups = forms.groups_for(ctx.a, with_role=not ctx.a.get("_role_fixed"))
    keyboard = [[InlineKeyboardButton(text=t("reg-btn-confirm"), callback_data=RegCb(a="ok").pack())]]
    keyboard += forms.edit_buttons(t, groups, lambda g: RegCb(a="fix", v=g).pack())
    return InlineKeyboardMarkup(inline_keyboard=keyboard)


async def show_summary(ctx: Ctx) -> None:
    """The finisher of the registration questionnaire (and of each correction)."""
    ctx.data["group"] = "all"
    await ctx.state.set_state(Registration.summary)
    text = f"{ctx.t('reg-summary-title')}\n\n{forms.answers_text(ctx.t, ctx.a)}\n\n{ctx.t('reg-summary-hint')}"
    await ctx.prompt(text, summary_keyboard(ctx))


forms.FINISHERS["reg"] = show_summary


async def _reshow(ctx: Ctx, state_name: str | None) -> None:
    """Show the question of a button-only step again (after text where a button was expected)."""
    if state_name == Registration.language.state:
        await ctx.prompt(ctx.t("reg-ask-language"), language_keyboard(ctx.locale, ctx.translator))
    elif state_name in (Registration.consent.state, CuratorAcceptance.consent.state):
        curator = state_name == CuratorAcceptance.consent.state
        await ctx.prompt(consent_text(ctx.t, curator=curator), consent_keyboard(ctx.t))
    elif state_name == Registration.summary.state:
        await show_summary(ctx)


async def _load_invitation(ctx: Ctx, kind: str) -> Invitation | None:
    """The dialog's invitation if it is still usable, else None."""
    inv_id = ctx.data.get("inv")
    inv = await ctx.session.get(Invitation, inv_id) if isinstance(inv_id, int) else None
    if inv is None or inv.kind != kind or invitations.problem(inv, ctx.now) is not None:
        return None
    return inv


async def _invitation_gone(ctx: Ctx) -> None:
    await ctx.state.clear()
    await ctx.send(ctx.t("reg-invite-gone"))


async def confirm_registration(ctx: Ctx) -> None:
    t = ctx.t
    profile = forms.build_profile(ctx.a)
    try:
        profile.validate(ctx.now.date())
    except Invalid as exc:
        await forms.invalid(ctx, exc)
        await show_summary(ctx)
        return
    existing = await user_by_tg(ctx.session, ctx.tg_id)
    if await participant_of(ctx.session, existing) is not None:
        await ctx.state.clear()
        await ctx.send(t("start-already-registered"))
        return
    inv = await _load_invitation(ctx, "participant")
    if inv is None or (inv.role and inv.role != profile.role) or not await invitations.consume(ctx.session, inv, ctx.now):
        await _invitation_gone(ctx)
        return
    consent_raw = ctx.data.get("consent_at")
    consent_at = datetime.fromisoformat(consent_raw) if isinstance(consent_raw, str) else ctx.now
    participant = await register_participant(
        ctx.session, tg_id=ctx.tg_id, locale=ctx.locale, invitation=inv, profile=profile,
        consent_given_at=consent_at, now=ctx.now,
    )
    await ctx.state.clear()
    user = await user_by_tg(ctx.session, ctx.tg_id)
    await publish_for_user(ctx.bot, ctx.session, ctx.translator, ctx.settings, user, ctx.tg_id, ctx.locale)
    parts = [t("reg-done", role=participant.role)]
    if participant.status == "awaiting_consent":
        parts.append(t("reg-done-minor"))
    parts.append(t("reg-done-hints"))
    await ctx.send("\n\n".join(parts))


async def accept_as_curator(ctx: Ctx, full_name: str) -> None:
    inv = await _load_invitation(ctx, "curator")
    if inv is None or not await invitations.consume(ctx.session, inv, ctx.now):
        await _invitation_gone(ctx)
        return
    co = await invitations.invites_co_curator(ctx.session, inv)
    await accept_curator(ctx.session, tg_id=ctx.tg_id, locale=ctx.locale, full_name=full_name,
                         invitation=inv, now=ctx.now)
    await ctx.state.clear()
    user = await user_by_tg(ctx.session, ctx.tg_id)
    await publish_for_user(ctx.bot, ctx.session, ctx.translator, ctx.settings, user, ctx.tg_id, ctx.locale)
    unit = await ctx.session.get(Unit, inv.unit_id)
    await ctx.send(ctx.t("reg-cocurator-done" if co else "reg-curator-done", unit=unit.name if unit else "—"))


# --------------------------------------------------------------------------------------------
# handlers
# --------------------------------------------------------------------------------------------
EXPECTED_STATES: dict[str, tuple[str, ...]] = {
    "lang": (Registration.language.state,),
    "yes": (Registration.consent.state, CuratorAcceptance.consent.state),
    "no": (Registration.consent.state, CuratorAcceptance.consent.state),
    "ok": (Registration.summary.state,),
    "fix": (Registration.summary.state,),
}


async def on_reg_callback(query: CallbackQuery, callback_data: RegCb, **data: Any) -> None:
    ctx = await make_ctx(data, query)
    state_name = await ctx.state.get_state()
    action = callback_data.a
    message_id = query.message.message_id if query.message else None
    message_text = query.message.text if isinstance(query.message, Message) else None
    if action not in EXPECTED_STATES:
        await query.answer(ctx.t("reg-bad-button"), show_alert=True)
        return
    if state_name not in EXPECTED_STATES[action] or message_id is None or message_id != ctx.data.get("mid"):
        await query.answer(ctx.t("reg-stale-button"), show_alert=True)
        return

    if action == "lang":
        if callback_data.v not in SUPPORTED:
            await query.answer(ctx.t("reg-bad-button"), show_alert=True)
            return
        ctx.locale = ctx.data["locale"] = callback_data.v
        await ctx.close_prompt(message_id, message_text, _language_names(ctx.translator)[callback_data.v])
        await show_consent(ctx)
    elif action in ("yes", "no"):
        if callback_data.v:
            await query.answer(ctx.t("reg-bad-button"), show_alert=True)
            return
        if action == "no":
            await ctx.close_prompt(message_id, message_text, ctx.t("reg-btn-decline"))
            await ctx.state.clear()
            await ctx.send(ctx.t("reg-declined"))
        else:
            await ctx.close_prompt(message_id, message_text, ctx.t("reg-btn-agree"))
            if state_name == CuratorAcceptance.consent.state:
                await ctx.state.set_state(CuratorAcceptance.full_name)
                await ctx.prompt(ctx.t("reg-ask-full-name-curator"))
            else:
                ctx.data["consent_at"] = ctx.now.isoformat()
                await forms.start_group(ctx, "all")
    elif action == "ok":
        if callback_data.v:
            await query.answer(ctx.t("reg-bad-button"), show_alert=True)
            return
        await ctx.close_prompt(message_id, None, None)
        await confirm_registration(ctx)
    elif action == "fix":
        allowed = forms.groups_for(ctx.a, with_role=not ctx.a.get("_role_fixed"))
        if callback_data.v not in allowed:
            await query.answer(ctx.t("reg-bad-button"), show_alert=True)
            return
        await ctx.close_prompt(message_id, None, None)
        await forms.start_group(ctx, callback_data.v)
    # Answered after the chat has changed, so whoever sees the answer sees the new state.
    await query.answer()


async def on_button_step_text(message: Message, **data: Any) -> None:
    """Text (or a sticker...) where only the buttons of the question above are accepted."""
    ctx = await make_ctx(data, message)
    await ctx.send(ctx.t("reg-use-buttons"))
    await _reshow(ctx, await ctx.state.get_state())


async def on_curator_name(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    try:
        full_name = parse_full_name(message.text)
    except Invalid as exc:
        await forms.invalid(ctx, exc)
        return
    await accept_as_curator(ctx, full_name)


async def on_curator_name_other(message: Message, **data: Any) -> None:
    ctx = await make_ctx(data, message)
    await ctx.send(ctx.t("reg-send-text"))


def build_router() -> Router:
    router = Router(name="registration")
    router.callback_query.register(on_reg_callback, RegCb.filter())
    not_command = ~F.text.startswith("/")
    router.message.register(on_curator_name, StateFilter(CuratorAcceptance.full_name), F.text, not_command)
    router.message.register(on_curator_name_other, StateFilter(CuratorAcceptance.full_name), ~F.text)
    router.message.register(on_button_step_text, StateFilter(Registration, CuratorAcceptance.consent), F.text, not_command)
    router.message.register(on_button_step_text, StateFilter(Registration, CuratorAcceptance.consent), ~F.text)
    router.include_router(forms.build_form_router())
    return router
