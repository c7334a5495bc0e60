"""Messages a crash left unconfirmed, reported to the administrators in the bot.

When a worker dies while a row is 'sending', nobody knows whether Telegram delivered it. Kinds
whose repetition is harmless are sent again (bot/outbox.py); for the others the row becomes
'unknown' and :func:`queue_report` queues, in the same transaction, one message to each
administrator (``ADMIN_IDS``) listing every row of that recovery: what was not confirmed (the kind
in words) and to whom (name, role and organisation or unit: administrators deploy the bot and may
see them). The message is rendered when it is sent (:func:`render_report`, registered as the
kind's renderer), in the administrator's language, from the row ids in its payload: no names are
stored in the outbox, and someone who erased their data meanwhile is shown as such.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CuratorRole, OutboxMessage, Participant, Unit, User
from domain.outbox import Translate, enqueue, kind_words_key, register_renderer
from domain.pairing import chunked

log = logging.getLogger(__name__)

KIND_UNCONFIRMED: Final = "outbox-unconfirmed"
ID_CHUNK: Final = 500
MAX_LINES: Final = 20  # the rest is counted ("… and N more"): one message stays under 4,096 characters
LINE_MAX: Final = 180


async def queue_report(session: AsyncSession, row_ids: Sequence[int], admin_tg_ids: Sequence[int],
                       now: datetime) -> int:
    """Queue one report of the rows ``row_ids`` to each administrator (in the caller's
    transaction). Returns the number of messages queued."""
    if not row_ids:
        return 0
    ids = sorted(set(row_ids))
    queued = 0
    for tg_id in dict.fromkeys(admin_tg_ids):
        admin = await session.scalar(select(User).where(User.tg_id == tg_id))
        row = await enqueue(session, user_id=admin.id if admin is not None else None, chat_id=tg_id,
                            kind=KIND_UNCONFIRMED, key="outbox-unconfirmed", args={"count": len(ids)},
                            data={"rows": ids}, due_at=now)
        queued += row is not None
    if not queued:
        log.warning("outbox: rows %s unconfirmed and no administrator to tell (ADMIN_IDS is empty)", ids)
    return queued


def _cut(text: str, limit: int = LINE_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


async def _roles(session: AsyncSession, user_ids: list[int], t: Translate) -> dict[int, list[str]]:
    """Each user's roles in words: mentor/mentee of an organisation, curator of a unit."""
    out: dict[int, list[str]] = {}
    units: dict[int, str] = {}
    found: list[tuple[int, str, int]] = []  # (user id, role, unit id)
    for part in chunked(user_ids, ID_CHUNK):
        found.extend((await session.execute(
            select(Participant.user_id, Participant.role, Participant.org_id)
            .where(Participant.user_id.in_(part), Participant.status != "erased")
            .order_by(Participant.id))).all())
        found.extend((uid, "curator", unit_id) for uid, unit_id in (await session.execute(
            select(CuratorRole.user_id, CuratorRole.unit_id)
            .where(CuratorRole.user_id.in_(part), CuratorRole.revoked_at.is_(None))
            .order_by(CuratorRole.id))).all())
    for part in chunked({unit_id for _, _, unit_id in found}, ID_CHUNK):
        units.update((await session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(part)))).all())
    for user_id, role, unit_id in found:
        name = units.get(unit_id, "—")
        words = t("outbox-role-curator", unit=name) if role == "curator" else t(f"outbox-role-{role}", org=name)
        out.setdefault(user_id, []).append(words)
    return out


async def render_report(session: AsyncSession, report: OutboxMessage, t: Translate) -> str:
    """The report's text, from the rows named in its payload, read now."""
    ids = [int(i) for i in ((report.payload or {}).get("data") or {}).get("rows", [])]
    rows: dict[int, OutboxMessage] = {}
    for part in chunked(ids, ID_CHUNK):
        rows.update((r.id, r) for r in (await session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(part)))).all())
    users: dict[int, User] = {}
    for part in chunked({r.user_id for r in rows.values() if r.user_id is not None}, ID_CHUNK):
        users.update((u.id, u) for u in (await session.scalars(select(User).where(User.id.in_(part)))).all())
    names: dict[int, str] = {}  # a participant's name when the user row has none
    for part in chunked(users, ID_CHUNK):
        names.update((await session.execute(
            select(Participant.user_id, Participant.full_name)
            .where(Participant.user_id.in_(part), Participant.full_name.is_not(None)))).all())
    roles = await _roles(session, list(users), t)

    lines = []
    for row_id in sorted(ids):
        row = rows.get(row_id)
        user = users.get(row.user_id) if row is not None and row.user_id is not None else None
        if row is None or (row.user_id is not None and (user is None or user.erased_at is not None)):
            who = t("outbox-who-erased")
        elif user is None:
            who = t("outbox-who-chat", chat=str(row.chat_id))
        else:
            name = user.full_name or names.get(user.id) or t("outbox-who-unnamed", tg=str(user.tg_id))
            who = t("outbox-who", name=name, roles="; ".join(roles[user.id])) if roles.get(user.id) else name
        what = t(kind_words_key(row.kind if row is not None else ""))
        lines.append(_cut(t("outbox-unconfirmed-line", what=what, who=who)))
    shown = lines[:MAX_LINES]
    if len(lines) > MAX_LINES:
        shown.append(t("outbox-unconfirmed-more", count=len(lines) - MAX_LINES))
    return "\n".join([t("outbox-unconfirmed", count=len(ids)), "", *shown])


register_renderer(KIND_UNCONFIRMED, render_report)

__all__ = ["KIND_UNCONFIRMED", "queue_report", "render_report"]
