"""Commands everyone has: /help (per role), /cancel, /language."""
from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import publish_for_user
from bot.config import Settings
from bot.i18n import SUPPORTED, Translate, Translator
from db.models import User
from domain.people import participant_of
from domain.units import curator_scopes


class LangCb(CallbackData, prefix="lang"):
    code: str


def language_keyboard(translator: Translator) -> InlineKeyboardMarkup:
    """Language names are shown in their own language, whatever the current locale."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=translator.get(code, "language-name"), callback_data=LangCb(code=code).pack())
             for code in SUPPORTED]
        ]
    )


async def help_text(session: AsyncSession, user: User | None, is_admin: bool, t: Translate) -> str:
    parts = []
    participant = await participant_of(session, user)
    if participant is not None:
        parts.append(t(f"help-{participant.role}"))
    if user is not None and await curator_scopes(session, user.id):
        parts.append(t("help-curator"))
    if is_admin:
        parts.append(t("help-admin"))
    if not parts:
        parts.append(t("help-guest"))
    parts.append(t("help-common"))
    return "\n\n".join(parts)


def build_router() -> Router:
    router = Router(name="common")

    @router.message(Command("help"))
    async def cmd_help(message: Message, session: AsyncSession, user: User | None, is_admin: bool, t: Translate) -> None:
        await message.answer(await help_text(session, user, is_admin, t))

    @router.message(Command("cancel"))
    async def cmd_cancel(message: Message, state: FSMContext, t: Translate) -> None:
        if await state.get_state() is None:
            await message.answer(t("cancel-nothing"))
            return
        await state.clear()
        await message.answer(t("cancel-done"))

    @router.message(Command("language"))
    async def cmd_language(message: Message, t: Translate, translator: Translator) -> None:
        await message.answer(t("language-choose"), reply_markup=language_keyboard(translator))

    @router.callback_query(LangCb.filter(F.code.in_(SUPPORTED)))
    async def set_language(
        query: CallbackQuery,
        callback_data: LangCb,
        session: AsyncSession,
        user: User | None,
        state: FSMContext,
        bot: Bot,
        translator: Translator,
        settings: Settings,
    ) -> None:
        """Store the choice (on the user, or in the dialog data of a guest) and refresh the menu."""
        code = callback_data.code
        t = translator.bind(code)
        await state.update_data(locale=code)
        if user is not None:
            user.locale = code
            await session.flush()
        await publish_for_user(bot, session, translator, settings, user, query.from_user.id, code)
        await query.answer()
        if query.message is not None:
            await query.message.edit_text(t("language-set"))

    return router
