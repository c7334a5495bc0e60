"""Curators learn of new registrations in a digest, not one message per person.

Each run counts, per curator, the participants registered in their subtree since their last
digest and queues one outbox message (counts only, no names). Moving ``last_digest_at`` and
queueing happen in one transaction, so a crash can neither lose nor repeat a digest.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CuratorRole, OutboxMessage, Participant, Unit, User
from domain.outbox import enqueue, register_relevance
from domain.units import valid_timezone

KIND = "digest"


class _Settings(Protocol):
    timezone: str


# A registration is dated when its update started but commits a moment later; counting only
# what is at least this old means a digest never moves its watermark past an uncommitted row.
SETTLE = timedelta(minutes=5)


async def enqueue_digests(session: AsyncSession, now: datetime, settings: _Settings) -> int:
    rows = await session.execute(
        select(CuratorRole, Unit, User)
        .join(Unit, Unit.id == CuratorRole.unit_id)
        .join(User, User.id == CuratorRole.user_id)
        .where(CuratorRole.revoked_at.is_(None), User.tg_id.is_not(None), User.unreachable_at.is_(None))
    )
    queued = 0
    upto = now - SETTLE
    for role, unit, user in rows.all():
        since = role.last_digest_at or role.created_at
        if since >= upto:
            continue
        counts = dict(
            (await session.execute(
                select(Participant.role, func.count())
                .join(Unit, Unit.id == Participant.org_id)
                .where(Unit.path.startswith(unit.path), Participant.registered_at > since,
                       Participant.registered_at <= upto, Participant.status != "erased")
                .group_by(Participant.role)
            )).all()
        )
        total = sum(counts.values())
        if total == 0:
            continue
        awaiting = await session.scalar(
            select(func.count()).select_from(Participant).join(Unit, Unit.id == Participant.org_id)
            .where(Unit.path.startswith(unit.path), Participant.status == "awaiting_consent")
        ) or 0
        row = await enqueue(
            session,
            user_id=user.id,
            chat_id=user.tg_id,
            kind=KIND,
            key="digest-new-registrations",
            args={"unit": unit.name, "total": total, "mentors": counts.get("mentor", 0),
                  "mentees": counts.get("mentee", 0), "awaiting": awaiting},
            due_at=now,
            dedupe_key=f"{KIND}:{role.id}:{now.strftime('%Y%m%d%H%M%S')}",
            tz=unit.timezone if unit.timezone and valid_timezone(unit.timezone) else settings.timezone,
        )
        role.last_digest_at = upto
        if row is not None:
            queued += 1
    await session.flush()
    return queued


async def _still_curator(session: AsyncSession, row: OutboxMessage) -> bool:
    """A digest held by quiet hours is dropped if its curator role was revoked meanwhile."""
    try:
        role_id = int((row.dedupe_key or "").split(":")[1])
    except (IndexError, ValueError):
        return True
    role = await session.get(CuratorRole, role_id)
    return role is not None and role.revoked_at is None


register_relevance(KIND, _still_curator)
