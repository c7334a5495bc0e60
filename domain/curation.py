"""What a curator (or an administrator) may reach, computed fresh from the database.

An ``Access`` is the union of an actor's scopes: everything for an administrator
(``domain.units.ROOT``), the subtree of each live ``CuratorRole`` for a curator. Every lookup
by id goes through it (and through ``get_in_scope`` / ``participant_in_scope`` underneath),
so a forged or stale id from elsewhere is simply "not found", exactly like a missing one.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CuratorRole, Invitation, Participant, Unit, User
from domain.people import get_or_create_user, participant_in_scope
from domain.rules import CHILD_KIND
from domain.units import ROOT, Scope, curator_scopes, get_in_scope, scope_of

COUNT_KEYS = ("mentor", "mentee", "awaiting", "total")


@dataclass(frozen=True)
class Access:
    """An actor's reach: ``is_admin`` (everything) and the roots of their curator roles."""

    is_admin: bool = False
    roots: tuple[Unit, ...] = field(default_factory=tuple)

    @property
    def any(self) -> bool:
        return self.is_admin or bool(self.roots)

    @property
    def scopes(self) -> tuple[Scope, ...]:
        if self.is_admin:
            return (ROOT,)
        return tuple(scope_of(u) for u in self.roots)

    def contains(self, unit: Unit | None) -> bool:
        if unit is None:
            return False
        return any(s.contains(unit) for s in self.scopes)

    def top_for(self, unit: Unit) -> Unit | None:
        """The outermost of the actor's roots that contains ``unit`` (None for admins)."""
        found = [r for r in self.roots if unit.path.startswith(r.path)]
        return min(found, key=lambda r: len(r.path)) if found else None

    def can_create_under(self, parent: Unit | None) -> bool:
        """Administrators create anything anywhere; curators create organisations in their subtree."""
        kind = CHILD_KIND.get(parent.kind if parent else None)
        if kind is None:
            return False
        if self.is_admin:
            return True
        return kind == "organisation" and self.contains(parent)

    def can_invite_curator(self, unit: Unit) -> bool:
        """Administrators invite curators anywhere; a curator anywhere in their subtree: for the
        units below (a municipal curator for its schools) and, as a co-curator with the same
        reach, for their own unit."""
        return self.is_admin or self.contains(unit)

    def is_own_unit(self, unit: Unit) -> bool:
        """The actor is a curator of exactly this unit: whoever they invite for it is a co-curator."""
        return any(r.id == unit.id for r in self.roots)

    @property
    def menu_roots(self) -> tuple[Unit, ...]:
        """The curator's roles to choose from, outermost first, without ones nested in another."""
        ordered = sorted(self.roots, key=lambda r: (len(r.path), r.path))
        kept: list[Unit] = []
        for r in ordered:
            if not any(r.path.startswith(k.path) for k in kept):
                kept.append(r)
        return tuple(sorted(kept, key=lambda r: (r.name.casefold(), r.id)))


async def access_for(session: AsyncSession, user: User | None, is_admin: bool) -> Access:
    roots = tuple(await curator_scopes(session, user.id)) if user is not None else ()
    return Access(is_admin=is_admin, roots=roots)


async def unit_in_access(session: AsyncSession, access: Access, unit_id: int) -> Unit | None:
    for scope in access.scopes:
        unit = await get_in_scope(session, scope, unit_id)
        if unit is not None:
            return unit
    return None


async def participant_in_access(session: AsyncSession, access: Access, participant_id: int) -> Participant | None:
    for scope in access.scopes:
        participant = await participant_in_scope(session, scope.path, participant_id)
        if participant is not None:
            return participant
    return None


async def invitation_in_access(session: AsyncSession, access: Access, invitation_id: int,
                               kind: str | None = None) -> tuple[Invitation, Unit] | None:
    """An invitation is reachable when its unit is."""
    inv = await session.get(Invitation, invitation_id)
    if inv is None or (kind is not None and inv.kind != kind):
        return None
    unit = await unit_in_access(session, access, inv.unit_id)
    if unit is None:
        return None
    return inv, unit


async def subtree_counts(session: AsyncSession, units: list[Unit] | tuple[Unit, ...],
                         include_root: bool = False) -> dict[int, dict[str, int]]:
    """Per unit: live participants of its subtree by role, awaiting consent and total, in one query.

    With ``include_root`` the key 0 holds the counts of everything (the administrator's root).
    """
    result: dict[int, dict[str, int]] = {u.id: dict.fromkeys(COUNT_KEYS, 0) for u in units}
    if include_root:
        result[0] = dict.fromkeys(COUNT_KEYS, 0)
    if not units and not include_root:
        return result
    stmt = (
        select(Unit.path, Participant.role, Participant.status, func.count())
        .join(Unit, Unit.id == Participant.org_id)
        .where(Participant.status != "erased")
        .group_by(Unit.path, Participant.role, Participant.status)
    )
    if not include_root:
        stmt = stmt.where(or_(*[Unit.path.startswith(u.path) for u in units]))
    rows = (await session.execute(stmt)).all()
    for path, role, status, n in rows:
        targets = [u.id for u in units if path.startswith(u.path)]
        if include_root:
            targets.append(0)
        for key in targets:
            counts = result[key]
            if role in counts:
                counts[role] += n
            counts["total"] += n
            if status == "awaiting_consent":
                counts["awaiting"] += n
    return result


async def unit_curators(session: AsyncSession, unit: Unit) -> list[tuple[CuratorRole, User]]:
    """The unit's own serving curators (not those of the units above), longest-serving first."""
    rows = await session.execute(
        select(CuratorRole, User).join(User, User.id == CuratorRole.user_id)
        .where(CuratorRole.unit_id == unit.id, CuratorRole.revoked_at.is_(None), User.erased_at.is_(None))
        .order_by(CuratorRole.created_at, CuratorRole.id)
    )
    return [(role, user) for role, user in rows.all()]


async def actor_user(session: AsyncSession, user: User | None, tg_id: int, locale: str) -> User:
    """The acting person's row; an administrator without one gets it now (audit needs an id)."""
    if user is not None:
        return user
    return await get_or_create_user(session, tg_id, locale)


def pages(total: int, page_size: int) -> int:
    return max(1, -(-total // page_size))


def clamp_page(page: int, total: int, page_size: int) -> int:
    return min(max(page, 0), pages(total, page_size) - 1)


__all__ = [
    "Access",
    "access_for",
    "unit_in_access",
    "participant_in_access",
    "invitation_in_access",
    "subtree_counts",
    "unit_curators",
    "actor_user",
    "pages",
    "clamp_page",
]

