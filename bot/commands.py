"""Command menus published with setMyCommands: per language by default, per user by role."""
from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import SUPPORTED, Translator
from db.models import User
from domain.people import participant_of
from domain.units import curator_scopes

log = logging.getLogger(__name__)

GUEST = ("start", "help", "language", "cancel")
PARTICIPANT = ("profile", "programmes", "meetings", "goals", "practices", "help", "language", "cancel", "deleteme")
CURATOR = ("curator", "practices", "help", "language", "cancel", "deleteme")
ADMIN = ("admin", "curator", "practices", "help", "language", "cancel")


def command_set(is_participant: bool, is_curator: bool, is_admin: bool) -> tuple[str, ...]:
    names: list[str] = []
    groups = [ADMIN if is_admin else (), CURATOR if is_curator else (), PARTICIPANT if is_participant else ()]
    for group in groups:
        for name in group:
            if name not in names:
                names.append(name)
    return tuple(names) or GUEST


def _commands(translator: Translator, locale: str, names: tuple[str, ...]) -> list[BotCommand]:
    return [BotCommand(command=n, description=translator.get(locale, f"cmd-{n}")) for n in names]


async def publish_default(bot: Bot, translator: Translator, default_locale: str) -> None:
    for lang in SUPPORTED:
        await bot.set_my_commands(_commands(translator, lang, GUEST), scope=BotCommandScopeDefault(), language_code=lang)
    await bot.set_my_commands(_commands(translator, default_locale, GUEST), scope=BotCommandScopeDefault())


async def publish_for_user(bot: Bot, session: AsyncSession, translator: Translator, settings: Settings,
                           user: User | None, tg_id: int, locale: str) -> None:
    """The chat-scoped menu for one person, in their language, for what they are."""
    is_participant = await participant_of(session, user) is not None if user else False
    is_curator = bool(await curator_scopes(session, user.id)) if user else False
    names = command_set(is_participant, is_curator, settings.is_admin(tg_id))
    try:
        await bot.set_my_commands(_commands(translator, locale, names), scope=BotCommandScopeChat(chat_id=tg_id))
    except TelegramAPIError as exc:  # a menu is a nicety; never fail the dialog for it
        log.warning("setMyCommands for user %s failed: %s", user.id if user else None, exc)


async def publish_for_admins(bot: Bot, sessionmaker, translator: Translator, settings: Settings) -> None:
    """Administrators get their menu at start-up, before they have done anything in the bot."""
    from domain.people import user_by_tg

    for tg_id in settings.admin_ids:
        async with sessionmaker() as session:
            user = await user_by_tg(session, tg_id)
            locale = (user.locale if user and user.locale else None) or settings.default_locale
            await publish_for_user(bot, session, translator, settings, user, tg_id, locale)
