"""The global error handler: a short apology to the user, the update id and traceback to the log."""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from aiogram import Bot, Router
from aiogram.types import ErrorEvent

from bot.i18n import locale_from_telegram
from domain.people import user_by_tg

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


def build_router() -> Router:
    router = Router(name="errors")

    @router.errors()
    async def on_error(event: ErrorEvent, bot: Bot, app: App) -> bool:
        update = event.update
        log.error("update %s failed", update.update_id, exc_info=event.exception)
        tg_user = None
        if update.message and update.message.chat.type == "private":
            tg_user = update.message.from_user
        elif update.callback_query:
            tg_user = update.callback_query.from_user
        if tg_user is None:
            return True
        try:
            locale = locale_from_telegram(tg_user.language_code, app.settings.default_locale)
            async with app.sessionmaker() as session:
                user = await user_by_tg(session, tg_user.id)
                if user is not None and user.locale:
                    locale = user.locale
            if update.callback_query:
                await bot.answer_callback_query(update.callback_query.id)
            await bot.send_message(tg_user.id, app.translator.get(locale, "error-apology"))
        except Exception:  # noqa: BLE001 - the apology itself must never crash the bot
            log.warning("could not apologise for update %s", update.update_id)
        return True

    return router
