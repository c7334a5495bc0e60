"""Whatever no other handler took: a polite, localised hint, never silence."""
from __future__ import annotations

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from bot.i18n import Translate


def build_router() -> Router:
    router = Router(name="fallback")

    @router.callback_query()
    async def stale_button(query: CallbackQuery, t: Translate) -> None:
        await query.answer(t("fallback-stale-button"), show_alert=True)

    @router.message()
    async def anything(message: Message, state: FSMContext, t: Translate) -> None:
        if message.chat.type != "private":
            return
        if await state.get_state() is not None:
            await message.answer(t("fallback-in-dialog"))
        elif message.text and message.text.startswith("/"):
            await message.answer(t("fallback-unknown-command"))
        else:
            await message.answer(t("fallback-unknown"))

    return router
