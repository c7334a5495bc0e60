"""The hierarchy region → municipality → organisation, and who may see what.

A *scope* is what a person may see: an administrator sees everything (path ""), a curator
sees the subtree of their unit. Every lookup by id goes through ``get_in_scope`` so that a
forged id from another organisation is simply "not found".
"""
from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CuratorRole, Participant, Unit
from domain.rules import CHILD_KIND, ORG_TYPES, Invalid, clean_text

UNIT_NAME_MAX = 200


@dataclass(frozen=True)
class Scope:
    """What an actor may see: the subtree under ``path`` ("" = everything, for admins)."""

    path: str
    unit_id: int | None = None

    @property
    def is_root(self) -> bool:
        return self.path == ""

    def contains(self, unit: Unit) -> bool:
        return unit.path.startswith(self.path)


ROOT = Scope(path="")


def scope_of(unit: Unit) -> Scope:
    return Scope(path=unit.path, unit_id=unit.id)


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def name_key(name: str) -> str:
    """What two names must share to count as the same: case and spacing ignored."""
    return clean_text(name).casefold()


def parse_unit_name(text: str | None) -> str:
    name = clean_text(text)
    if len(name) < 2:
        raise Invalid("unit-name-short")
    if len(name) > UNIT_NAME_MAX:
        raise Invalid("unit-name-long", max=UNIT_NAME_MAX)
    return name


async def create_unit(
    session: AsyncSession,
    kind: str,
    name: str,
    parent: Unit | None = None,
    org_type: str | None = None,
    timezone: str | None = None,
) -> Unit:
    expected = CHILD_KIND.get(parent.kind if parent else None)  # nothing below an organisation
    if kind != expected:
        raise Invalid("unit-kind")
    if kind == "organisation" and org_type not in ORG_TYPES:
        raise Invalid("org-type")
    if timezone is not None and not valid_timezone(timezone):
        raise Invalid("timezone")
    name = parse_unit_name(name)
    clash = await session.scalar(
        select(Unit.id).where(
            Unit.kind == kind,
            Unit.parent_id == parent.id if parent else Unit.parent_id.is_(None),
            Unit.name_key == name_key(name),
        )
    )
    if clash:
        raise Invalid("unit-exists")
    unit = Unit(
        kind=kind,
        name=name,
        name_key=name_key(name),
        parent_id=parent.id if parent else None,
        org_type=org_type if kind == "organisation" else None,
        timezone=timezone or (parent.timezone if parent else None),
    )
    session.add(unit)
    await session.flush()
    unit.path = f"{parent.path if parent else ''}{unit.id}/"
    await session.flush()
    return unit


async def get_in_scope(session: AsyncSession, scope: Scope, unit_id: int) -> Unit | None:
    unit = await session.get(Unit, unit_id)
    if unit is None or not scope.contains(unit):
        return None
    return unit


async def children(session: AsyncSession, parent: Unit | None) -> list[Unit]:
    cond = Unit.parent_id == parent.id if parent else Unit.parent_id.is_(None)
    return list((await session.scalars(select(Unit).where(cond).order_by(Unit.name, Unit.id))).all())


async def participant_counts(session: AsyncSession, units: list[Unit]) -> dict[int, dict[str, int]]:
    """Per unit: counts of its subtree's live participants by role and awaiting consent."""
    result: dict[int, dict[str, int]] = {}
    for unit in units:
        rows = await session.execute(
            select(Participant.role, Participant.status, func.count())
            .join(Unit, Unit.id == Participant.org_id)
            .where(Unit.path.startswith(unit.path), Participant.status != "erased")
            .group_by(Participant.role, Participant.status)
        )
        counts = {"mentor": 0, "mentee": 0, "awaiting": 0, "total": 0}
        for role, status, n in rows:
            counts[role] += n
            counts["total"] += n
            if status == "awaiting_consent":
                counts["awaiting"] += n
        result[unit.id] = counts
    return result


async def find_by_name(session: AsyncSession, kind: str, name: str, parent: Unit | None = None) -> list[Unit]:
    stmt = select(Unit).where(Unit.kind == kind, Unit.name_key == name_key(name))
    if parent is not None:
        stmt = stmt.where(Unit.parent_id == parent.id)
    return list((await session.scalars(stmt)).all())


async def ancestors(session: AsyncSession, unit: Unit) -> list[Unit]:
    """From the region down to the unit itself."""
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    rows = {u.id: u for u in (await session.scalars(select(Unit).where(Unit.id.in_(ids)))).all()}
    return [rows[i] for i in ids if i in rows]


async def curator_scopes(session: AsyncSession, user_id: int) -> list[Unit]:
    stmt = (
        select(Unit)
        .join(CuratorRole, CuratorRole.unit_id == Unit.id)
        .where(and_(CuratorRole.user_id == user_id, CuratorRole.revoked_at.is_(None)))
        .order_by(Unit.path)
    )
    return list((await session.scalars(stmt)).all())


async def curators_of_subtree_roots(session: AsyncSession, unit: Unit) -> list[CuratorRole]:
    """Curator roles whose scope contains ``unit`` (the unit itself and its ancestors)."""
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    stmt = select(CuratorRole).where(CuratorRole.unit_id.in_(ids), CuratorRole.revoked_at.is_(None))
    return list((await session.scalars(stmt)).all())


__all__ = [
    "Scope",
    "ROOT",
    "scope_of",
    "create_unit",
    "get_in_scope",
    "children",
    "participant_counts",
    "find_by_name",
    "ancestors",
    "curator_scopes",
    "curators_of_subtree_roots",
    "parse_unit_name",
]
