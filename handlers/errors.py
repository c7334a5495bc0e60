"""The global error handler: a short apology to the user, the update id and traceback to the log.

It runs inside the update's scope of direct replies (``bot.replies.reply_scope``): the apology
is retried like any reply and, when Telegram will not take it in time, handed to the outbox,
after whatever the update had already handed over."""
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
        locale = locale_from_telegram(tg_user.language_code, app.settings.default_locale)
        try:
            async with app.sessionmaker() as session:
                user = await user_by_tg(session, tg_user.id)
                if user is not None and user.locale:
                    locale = user.locale
        except Exception:  # noqa: BLE001 - the language is a nicety: the apology goes out anyway
            log.warning("update %s: the language for the apology could not be read", update.update_id)
        if update.callback_query:
            try:  # stops the button's spinner, unless the handler answered it before failing
                await bot.answer_callback_query(update.callback_query.id)
            except Exception as exc:  # noqa: BLE001 - the apology matters more than the spinner
                log.info("update %s: callback not answered (%s)", update.update_id, type(exc).__name__)
        try:
            await bot.send_message(tg_user.id, app.translator.get(locale, "error-apology"))
        except Exception:  # noqa: BLE001 - the apology itself must never crash the bot
            log.warning("could not apologise for update %s", update.update_id)
        return True

    return router
