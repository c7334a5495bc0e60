"""Outer middlewares: one database session per update, then who the sender is and their language."""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.methods import TelegramMethod
from aiogram.types import TelegramObject, User as TgUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.fsm_storage import CURRENT_SESSION
from bot.i18n import Translator, locale_from_telegram
from domain.people import user_by_tg

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class DbSessionMiddleware(BaseMiddleware):
    """Opens a session for the update; commits when the handler returns, rolls back when it raises."""

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            token = CURRENT_SESSION.set(session)
            data["session"] = session
            try:
                result = await handler(event, data)
                await session.commit()
                return result
            except BaseException:
                await session.rollback()
                raise
            finally:
                CURRENT_SESSION.reset(token)


class ContextMiddleware(BaseMiddleware):
    """Puts the sender's stored user (or None), language and translator into the handler data."""

    def __init__(self, settings: Settings, translator: Translator, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.translator = translator
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        if chat is not None and chat.type != "private":
            return None  # a bot of personal data: nothing is shown or done in groups and channels
        tg_user: TgUser | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        user = await user_by_tg(session, tg_user.id) if tg_user else None
        locale = user.locale if user is not None else None
        if not locale and data.get("state") is not None:
            locale = (await data["state"].get_data()).get("locale")
        if not locale:
            locale = locale_from_telegram(tg_user.language_code if tg_user else None, self.settings.default_locale)
        data["user"] = user
        data["locale"] = locale
        data["t"] = self.translator.bind(locale)
        data["translator"] = self.translator
        data["settings"] = self.settings
        data["is_admin"] = bool(tg_user and self.settings.is_admin(tg_user.id))
        data["now"] = self.clock()
        return await handler(event, data)


class CommitBeforeRequest(BaseRequestMiddleware):
    """Commit the update's work before any Bot API call made while handling it.

    Two reasons: a user is never told "saved" about something that then fails to commit, and the
    database connection is not held across a network round trip (on SQLite there is one
    connection, so holding it would serialise every update behind Telegram's latency).
    """

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        session = CURRENT_SESSION.get()
        if session is not None and session.in_transaction():
            await session.commit()
        return await make_request(bot, method)
