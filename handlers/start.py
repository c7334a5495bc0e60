"""/start: plain (a greeting for whoever you are) or with an invitation payload (deep link)."""
from __future__ import annotations

from datetime import datetime

from aiogram import Bot, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands import publish_for_user
from bot.config import Settings
from bot.i18n import Translate, Translator
from db.models import CuratorRole, Unit, User
from domain import invitations
from domain.people import participant_of
from domain.units import curator_scopes
from handlers.programmes import join_programme_via_link
from handlers.registration import begin_curator_acceptance, begin_participant_registration


def build_router() -> Router:
    router = Router(name="start")

    @router.message(CommandStart(deep_link=True))
    async def start_with_payload(
        message: Message,
        command: CommandObject,
        session: AsyncSession,
        user: User | None,
        state: FSMContext,
        t: Translate,
        translator: Translator,
        now: datetime,
    ) -> None:
        inv, problem = await invitations.lookup(session, command.args, now)
        if problem is not None or inv is None:
            await message.answer(t(f"invite-{problem.value if problem else 'unknown'}"))
            return
        if inv.kind == "curator":
            if user is not None:
                existing = await session.scalar(
                    select(CuratorRole).where(CuratorRole.user_id == user.id, CuratorRole.unit_id == inv.unit_id,
                                              CuratorRole.revoked_at.is_(None))
                )
                if existing is not None:
                    unit = await session.get(Unit, inv.unit_id)
                    await message.answer(t("invite-curator-already", unit=unit.name if unit else ""))
                    return
            await state.clear()
            await begin_curator_acceptance(message, state, t, inv)
            return
        if inv.kind == "programme":
            await join_programme_via_link(message, session, user, t, inv, now)
            return
        if await participant_of(session, user) is not None:
            await message.answer(t("start-already-registered"))
            return
        await state.clear()
        await begin_participant_registration(message, state, t, inv, translator)

    @router.message(CommandStart())
    async def start_plain(message: Message, session: AsyncSession, user: User | None, is_admin: bool,
                          state: FSMContext, t: Translate, bot: Bot, translator: Translator,
                          settings: Settings) -> None:
        if await state.get_state() is not None:
            await message.answer(t("start-in-dialog"))
            return
        participant = await participant_of(session, user)
        if participant is not None:
            await message.answer(t("start-participant", name=participant.full_name or ""))
        elif user is not None and await curator_scopes(session, user.id):
            await message.answer(t("start-curator"))
        elif is_admin:
            await message.answer(t("start-admin"))
        else:
            await message.answer(t("start-guest"))
            return
        # whoever we know gets their menu refreshed (roles may have changed since it was set)
        await publish_for_user(bot, session, translator, settings, user, message.chat.id, t.locale)

    return router
