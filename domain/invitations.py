"""Invitations as deep links: ``https://t.me/<bot>?start=<payload>``.

Payloads are ``c_<token>`` (curator of a unit), ``p_<token>`` (participant of an
organisation) or ``g_<token>`` (registered participants joining a programme); tokens carry
192 random bits in 32 URL-safe characters, so a payload fits Telegram's 64-character start
parameter and cannot be guessed.
"""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from enum import Enum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CuratorRole, Invitation, Programme, Unit
from domain.rules import Invalid

TOKEN_BYTES = 24  # 192 bits
PAYLOAD_RE = re.compile(r"^(?P<kind>[cpg])_(?P<token>[A-Za-z0-9_-]{32})$")
KIND_PREFIX = {"curator": "c", "participant": "p", "programme": "g"}
PREFIX_KIND = {v: k for k, v in KIND_PREFIX.items()}
EXPIRY_CHOICES_DAYS = (1, 7, 30, 90)
USES_CHOICES = (1, 10, 50, 200)
MAX_PENDING_CURATOR_INVITATIONS = 5  # per unit: links for curators not yet accepted, revoked or expired


class Problem(str, Enum):
    malformed = "malformed"
    unknown = "unknown"
    expired = "expired"
    used_up = "used-up"
    revoked = "revoked"


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def payload_of(inv: Invitation) -> str:
    return f"{KIND_PREFIX[inv.kind]}_{inv.token}"


def link(bot_username: str, inv: Invitation) -> str:
    return f"https://t.me/{bot_username}?start={payload_of(inv)}"


def parse_payload(payload: str | None) -> tuple[str, str] | None:
    m = PAYLOAD_RE.match((payload or "").strip())
    if not m:
        return None
    return PREFIX_KIND[m["kind"]], m["token"]


def problem(inv: Invitation | None, now: datetime) -> Problem | None:
    if inv is None:
        return Problem.unknown
    if inv.revoked_at is not None:
        return Problem.revoked
    if inv.expires_at is not None and inv.expires_at <= now:
        return Problem.expired
    if inv.max_uses is not None and inv.uses >= inv.max_uses:
        return Problem.used_up
    return None


async def create(
    session: AsyncSession,
    *,
    kind: str,
    unit: Unit,
    now: datetime,
    created_by: int | None = None,
    role: str | None = None,
    days: int | None = 30,
    max_uses: int | None = None,
    programme: Programme | None = None,
) -> Invitation:
    if kind == "participant" and unit.kind != "organisation":
        raise ValueError("participant invitations belong to an organisation")
    if (kind == "programme") != (programme is not None):
        raise ValueError("a programme invitation, and only it, names its programme")
    if programme is not None and programme.unit_id != unit.id:
        raise ValueError("a programme invitation belongs to the programme's unit")
    if role not in (None, "mentor", "mentee"):
        raise ValueError("role")
    if kind == "curator" and max_uses is None:
        max_uses = 1
    inv = Invitation(
        token=new_token(),
        kind=kind,
        unit_id=unit.id,
        role=role,
        created_by_user_id=created_by,
        created_at=now,
        expires_at=now + timedelta(days=days) if days else None,
        max_uses=max_uses,
        uses=0,
        programme_id=programme.id if programme is not None else None,
    )
    session.add(inv)
    await session.flush()
    return inv


async def lookup(session: AsyncSession, payload: str | None, now: datetime) -> tuple[Invitation | None, Problem | None]:
    parsed = parse_payload(payload)
    if parsed is None:
        return None, Problem.malformed
    kind, token = parsed
    inv = await session.scalar(select(Invitation).where(Invitation.token == token, Invitation.kind == kind))
    return inv, problem(inv, now)


async def consume(session: AsyncSession, inv: Invitation, now: datetime) -> bool:
    """Count one use, atomically: False when it was used up, revoked or expired meanwhile."""
    stmt = (
        update(Invitation)
        .where(Invitation.id == inv.id, Invitation.revoked_at.is_(None))
        .where((Invitation.max_uses.is_(None)) | (Invitation.uses < Invitation.max_uses))
        .where((Invitation.expires_at.is_(None)) | (Invitation.expires_at > now))
        .values(uses=Invitation.uses + 1)
        .execution_options(synchronize_session=False)
    )
    result = await session.execute(stmt)
    if result.rowcount == 1:
        await session.refresh(inv)
        return True
    return False


async def revoke(session: AsyncSession, inv: Invitation, now: datetime) -> None:
    if inv.revoked_at is None:
        inv.revoked_at = now
        await session.flush()


async def active_for_unit(session: AsyncSession, unit: Unit, kind: str, now: datetime) -> list[Invitation]:
    rows = await session.scalars(
        select(Invitation)
        .where(Invitation.unit_id == unit.id, Invitation.kind == kind, Invitation.revoked_at.is_(None))
        .order_by(Invitation.created_at.desc(), Invitation.id.desc())
    )
    return [inv for inv in rows.all() if problem(inv, now) is None]


async def create_curator_invitation(session: AsyncSession, *, unit: Unit, now: datetime, created_by: int | None,
                                    days: int | None) -> Invitation:
    """A one-use link for a curator (or a co-curator) of ``unit``; refused with
    ``Invalid("curator-invites-limit", max=...)`` while the unit already has
    ``MAX_PENDING_CURATOR_INVITATIONS`` usable ones (revoke one, or let it expire, first)."""
    if len(await active_for_unit(session, unit, "curator", now)) >= MAX_PENDING_CURATOR_INVITATIONS:
        raise Invalid("curator-invites-limit", max=MAX_PENDING_CURATOR_INVITATIONS)
    return await create(session, kind="curator", unit=unit, now=now, created_by=created_by, days=days, max_uses=1)


async def invites_co_curator(session: AsyncSession, inv: Invitation) -> bool:
    """Whether a curator invitation comes from a (still serving) curator of the very same unit:
    the invited person joins them as a co-curator."""
    if inv.kind != "curator" or inv.created_by_user_id is None:
        return False
    found = await session.scalar(
        select(CuratorRole.id).where(CuratorRole.user_id == inv.created_by_user_id,
                                     CuratorRole.unit_id == inv.unit_id, CuratorRole.revoked_at.is_(None)).limit(1)
    )
    return found is not None
