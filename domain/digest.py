"""Curators learn of new registrations in a digest, not one message per person.

Each run counts, per curator, the participants registered in their subtree since their last
digest and adds one item to the curator's "needs your attention" list (``domain.attention``;
counts only, no names), which the curator's next summary carries. A digest still waiting for
its summary (held by quiet hours, say) is merged into the new one (the counts add up); a delivered
one is replaced on the list by the new one. Organisations where a newly
registered minor awaits their parent's consent become an item of their own for the curators who
confirm it (the nearest level above the organisation that has curators), open until nobody there
awaits it. Moving ``last_digest_at`` and adding the items happen in one transaction, so a crash
can neither lose nor repeat a digest.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AttentionItem, CuratorRole, OutboxMessage, Participant, Unit, User
from domain import attention
from domain.outbox import register_relevance
from domain.units import curators_of_subtree_roots, valid_timezone

KIND = "digest"  # the prefix of digests' dedupe keys (and the outbox kind digests had)
ATT_JOINED = "joined"  # attention kinds: new registrations ...
ATT_CONSENT = "consent"  # ... and minors awaiting their parents' consent in an organisation
KEY = "digest-new-registrations"
KEY_CONSENT = "att-consent-notice"


class _Settings(Protocol):
    timezone: str


# A registration is dated when its update started but commits a moment later; counting only
# what is at least this old means a digest never moves its watermark past an uncommitted row.
SETTLE = timedelta(minutes=5)


def _zone(unit: Unit, settings: _Settings) -> str:
    return unit.timezone if unit.timezone and valid_timezone(unit.timezone) else settings.timezone


async def _confirmers(session: AsyncSession, org: Unit, cache: dict[int, set[int]]) -> set[int]:
    """User ids of the curators who confirm consents in ``org``: its nearest level with curators."""
    if org.id not in cache:
        roles = await curators_of_subtree_roots(session, org)
        depth = {int(p): i for i, p in enumerate(org.path.strip("/").split("/")) if p}
        nearest = max((depth.get(r.unit_id, -1) for r in roles), default=-1)
        cache[org.id] = {r.user_id for r in roles if depth.get(r.unit_id, -1) == nearest}
    return cache[org.id]


async def enqueue_digests(session: AsyncSession, now: datetime, settings: _Settings) -> int:
    """Add the due digests (and consent items) to curators' lists; returns the digests added."""
    rows = await session.execute(
        select(CuratorRole, Unit, User)
        .join(Unit, Unit.id == CuratorRole.unit_id)
        .join(User, User.id == CuratorRole.user_id)
        .where(CuratorRole.revoked_at.is_(None), User.tg_id.is_not(None), User.unreachable_at.is_(None))
    )
    queued = 0
    upto = now - SETTLE
    stamp = now.strftime('%Y%m%d%H%M%S')
    confirmers: dict[int, set[int]] = {}
    for role, unit, user in rows.all():
        since = role.last_digest_at or role.created_at
        if since >= upto:
            continue
        new = (Unit.path.startswith(unit.path), Participant.registered_at > since,
               Participant.registered_at <= upto, Participant.status != "erased")
        counts = dict(
            (await session.execute(
                select(Participant.role, func.count()).join(Unit, Unit.id == Participant.org_id)
                .where(*new).group_by(Participant.role)
            )).all()
        )
        total = sum(counts.values())
        if total == 0:
            continue
        awaiting = await session.scalar(
            select(func.count()).select_from(Participant).join(Unit, Unit.id == Participant.org_id)
            .where(Unit.path.startswith(unit.path), Participant.status == "awaiting_consent")
        ) or 0
        args: dict[str, Any] = {"unit": unit.name, "total": total, "mentors": counts.get("mentor", 0),
                                "mentees": counts.get("mentee", 0), "awaiting": awaiting}
        ref = f"u{unit.id}"
        unsent = await attention.open_item_of(session, user.id, ATT_JOINED, ref)
        if unsent is not None and unsent.summary_id is None:  # the last one is still waiting: one says it all
            for name in ("total", "mentors", "mentees"):
                args[name] += int((unsent.args or {}).get(name, 0))
        item = await attention.add_item(session, user.id, ATT_JOINED, ref, args, f"{KIND}:{role.id}:{stamp}",
                                        key=KEY, unit_id=unit.id, tz=_zone(unit, settings), now=now)
        role.last_digest_at = upto
        if item is not None:
            queued += 1
        # organisations where someone new awaits a parent's consent that this curator confirms
        for org in (await session.scalars(
            select(Unit).join(Participant, Participant.org_id == Unit.id)
            .where(*new, Participant.status == "awaiting_consent").distinct().order_by(Unit.id)
        )).all():
            if user.id not in await _confirmers(session, org, confirmers):
                continue
            n = await _awaiting_in(session, org.id)
            if n:
                await attention.add_item(session, user.id, ATT_CONSENT, f"o{org.id}", {"unit": org.name, "n": n},
                                         f"consent:{org.id}:{user.id}:{stamp}", key=KEY_CONSENT, unit_id=org.id,
                                         tz=_zone(org, settings), now=now)
    await session.flush()
    return queued


async def _awaiting_in(session: AsyncSession, org_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(Participant)
        .where(Participant.org_id == org_id, Participant.status == "awaiting_consent")) or 0


async def _consent_open(session: AsyncSession, items: list[AttentionItem], now: datetime) -> set[int]:
    """A consent item is open while someone in its organisation awaits a parent's consent; its
    count is brought up to date."""
    counts: dict[int, int] = defaultdict(int)
    orgs = {i.unit_id for i in items if i.unit_id is not None}
    for org_id in orgs:
        counts[org_id] = await _awaiting_in(session, org_id)
    still = set()
    for item in items:
        n = counts.get(item.unit_id or 0, 0)
        if n:
            if (item.args or {}).get("n") != n:
                item.args = {**(item.args or {}), "n": n}
            still.add(item.id)
    return still


attention.register_kind(ATT_CONSENT, order=60, check=_consent_open)
attention.register_kind(ATT_JOINED, order=110, fyi=True)


async def _still_curator(session: AsyncSession, row: OutboxMessage) -> bool:
    """A digest held by quiet hours is dropped if its curator role was revoked meanwhile
    (digests queued as messages, before they became attention items)."""
    try:
        role_id = int((row.dedupe_key or "").split(":")[1])
    except (IndexError, ValueError):
        return True
    role = await session.get(CuratorRole, role_id)
    return role is not None and role.revoked_at is None


register_relevance(KIND, _still_curator)
