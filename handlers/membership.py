"""``my_chat_member``: a person blocks the bot (kicked) or unblocks it (member again).

Known at once rather than from the next failed message: a blocked person is marked unreachable
(as the outbox does on a 403), so the curator's view of pairs at risk shows "blocked the bot".
What is queued for them is not dropped now: a row that comes due while they are unreachable is
dropped then, and unblocking makes them reachable again and queues those rows again (their
relevance checks still run), so a quick unblock loses nothing and nothing stale is sent
(``domain.outbox.mark_unreachable``, ``mark_reachable``). Only private chats reach here
(ContextMiddleware); people the bot does not know are ignored. Logs carry ids only.
"""
from __future__ import annotations

import logging
from datetime import datetime

from aiogram import Router
from aiogram.enums import ChatMemberStatus
from aiogram.types import ChatMemberUpdated
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import User
from domain.outbox import mark_reachable, mark_unreachable

log = logging.getLogger(__name__)

GONE = frozenset({ChatMemberStatus.KICKED, ChatMemberStatus.LEFT})


def build_router() -> Router:
    router = Router(name="membership")

    @router.my_chat_member()
    async def on_my_chat_member(event: ChatMemberUpdated, session: AsyncSession, user: User | None,
                                now: datetime) -> None:
        if user is None or user.erased_at is not None:
            return
        if event.new_chat_member.status in GONE:
            if await mark_unreachable(session, user_id=user.id, now=now):
                log.info("user %s blocked the bot", user.id)
        elif (restored := await mark_reachable(session, user.id, now)) is not None:
            log.info("user %s unblocked the bot; %d queued messages brought back", user.id, restored)

    return router
