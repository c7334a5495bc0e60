"""Users, participants, curators: registration, consent, parental consent, erasure, listings."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from babel.dates import format_date

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    AuditEvent,
    Consent,
    CuratorRole,
    FsmRecord,
    Invitation,
    OutboxMessage,
    Participant,
    ProgrammeMember,
    Unit,
    User,
)
from domain.rules import Invalid, Profile, is_minor

CONSENT_VERSION = "pd-2026-11"  # locales: reg-consent-text (participants)
CURATOR_CONSENT_VERSION = "pd-curator-2026-11"  # locales: reg-consent-text-curator
# The date of each edition of a consent text: what people read instead of the internal id,
# which stays on the consent record. A new edition of a text gets a new id and its date here.
CONSENT_EDITIONS: dict[str, date] = {
    CONSENT_VERSION: date(2026, 11, 1),
    CURATOR_CONSENT_VERSION: date(2026, 11, 1),
}
PAGE_SIZE = 10


def consent_edition(version: str, locale: str) -> str:
    """A consent text's edition as people of ``locale`` read it, e.g. "1 November 2026"."""
    return format_date(CONSENT_EDITIONS[version], "d MMMM y", locale=locale)


async def audit(session: AsyncSession, action: str, actor: int | None, obj: str | None = None,
                obj_id: int | None = None, **details: object) -> None:
    session.add(AuditEvent(actor_user_id=actor, action=action, object_type=obj, object_id=obj_id, details=details))


async def user_by_tg(session: AsyncSession, tg_id: int) -> User | None:
    return await session.scalar(select(User).where(User.tg_id == tg_id))


async def get_or_create_user(session: AsyncSession, tg_id: int, locale: str | None) -> User:
    user = await user_by_tg(session, tg_id)
    if user is None:
        user = User(tg_id=tg_id, locale=locale)
        session.add(user)
        await session.flush()
    elif user.unreachable_at is not None:
        user.unreachable_at = None  # they wrote to us, so they can be reached again
    return user


async def participant_of(session: AsyncSession, user: User | None) -> Participant | None:
    if user is None:
        return None
    return await session.scalar(
        select(Participant).where(Participant.user_id == user.id, Participant.status != "erased")
    )


async def record_consent(session: AsyncSession, user: User, now: datetime, kind: str = "personal_data",
                         participant: Participant | None = None, recorded_by: int | None = None,
                         version: str = CONSENT_VERSION) -> Consent:
    consent = Consent(
        user_id=user.id,
        participant_id=participant.id if participant else None,
        kind=kind,
        version=version,
        given_at=now,
        recorded_by_user_id=recorded_by,
    )
    session.add(consent)
    await session.flush()
    return consent


async def register_participant(
    session: AsyncSession,
    *,
    tg_id: int,
    locale: str,
    invitation: Invitation,
    profile: Profile,
    consent_given_at: datetime,
    now: datetime,
) -> Participant:
    """Create the user, the participant and the consent record in the caller's transaction."""
    profile.validate(now.date())
    user = await get_or_create_user(session, tg_id, locale)
    user.locale = locale
    user.full_name = profile.full_name
    minor = is_minor(profile.birth_year, now.date())
    participant = Participant(
        user_id=user.id,
        org_id=invitation.unit_id,
        role=profile.role,
        category=profile.category,
        grade=profile.grade,
        course=profile.course,
        company=profile.company,
        birth_year=profile.birth_year,
        full_name=profile.full_name,
        interests=list(profile.interests),
        tags=list(profile.tags),
        goals=list(profile.goals) if profile.role == "mentee" else [],
        goals_text=profile.goals_text if profile.role == "mentee" else None,
        strengths=list(profile.strengths) if profile.role == "mentor" else [],
        capacity=profile.capacity if profile.role == "mentor" else None,
        days=list(profile.days),
        times=list(profile.times),
        format=profile.format,
        status="awaiting_consent" if minor else "active",
        invitation_id=invitation.id,
        registered_at=now,
        updated_at=now,
    )
    session.add(participant)
    await session.flush()
    await record_consent(session, user, consent_given_at, participant=participant)
    await audit(session, "participant.registered", user.id, "participant", participant.id,
                org_id=invitation.unit_id, minor=minor)
    return participant


async def update_profile(session: AsyncSession, participant: Participant, profile: Profile, now: datetime) -> list[str]:
    """Save an edited questionnaire (the role stays); returns the names of the changed fields.

    A change of the birth year never skips the parental consent: an active participant without
    a recorded parental consent who turns out to be a minor goes back to awaiting_consent, and
    one awaiting it stays so until their curator confirms it.
    """
    if profile.role != participant.role:
        raise Invalid("role")
    profile.validate(now.date())
    values = {
        "category": profile.category,
        "grade": profile.grade,
        "course": profile.course,
        "company": profile.company,
        "birth_year": profile.birth_year,
        "full_name": profile.full_name,
        "interests": list(profile.interests),
        "tags": list(profile.tags),
        "goals": list(profile.goals) if profile.role == "mentee" else [],
        "goals_text": profile.goals_text if profile.role == "mentee" else None,
        "strengths": list(profile.strengths) if profile.role == "mentor" else [],
        "capacity": profile.capacity if profile.role == "mentor" else None,
        "days": list(profile.days),
        "times": list(profile.times),
        "format": profile.format,
    }
    changed = [name for name, value in values.items() if getattr(participant, name) != value]
    for name in changed:
        setattr(participant, name, values[name])
    if (participant.status == "active" and participant.parental_consent_at is None
            and is_minor(profile.birth_year, now.date())):
        participant.status = "awaiting_consent"
        changed.append("status")
    if "full_name" in changed and participant.user_id is not None:
        user = await session.get(User, participant.user_id)
        if user is not None:
            user.full_name = profile.full_name
    participant.updated_at = now
    if changed:
        await audit(session, "participant.updated", participant.user_id, "participant", participant.id,
                    fields=sorted(changed))
    await session.flush()
    return changed


async def forget_dialogs(session: AsyncSession, tg_id: int) -> None:
    """Delete every stored dialog state of a Telegram user (keys end in ``:<user id>``)."""
    await session.execute(
        delete(FsmRecord).where(FsmRecord.key.like(f"%:{tg_id}") | FsmRecord.key.like(f"%:{tg_id}:%"))
    )


async def erase_user(session: AsyncSession, user: User, now: datetime) -> None:
    """Withdraw consent and erase personal data; keep anonymous counts (org, role, category, year).

    The Telegram id goes too, so nothing links the remaining row to the person. Their pairs and
    groups are ended or go on without them, and pending ones are withdrawn
    (``domain.erasure.leave_pairs``).
    """
    participant = await participant_of(session, user)
    if participant is not None:
        from domain.checkins import forget_participant  # built on people: import at use
        from domain.erasure import leave_pairs, scrub_messages

        # first, while their pairs can still be read whole: they leave every pair and group, the
        # others in it and the curators are told (without their name)
        await leave_pairs(session, participant, now)
        await forget_participant(session, participant.id, now)  # goals, topics, free-text answers, curators' items
        # their name in the messages already written for the others (sent ones keep no trace)
        await scrub_messages(session, participant, (participant.full_name, user.full_name), now)
        participant.full_name = None
        participant.company = None
        participant.interests = []
        participant.tags = []
        participant.goals = []
        participant.goals_text = None
        participant.strengths = []
        participant.days = []
        participant.times = []
        participant.format = None
        participant.capacity = None
        participant.status = "erased"
        participant.erased_at = now
        await session.execute(
            update(ProgrammeMember)
            .where(ProgrammeMember.participant_id == participant.id, ProgrammeMember.left_at.is_(None))
            .values(left_at=now)
        )
        participant.user_id = None
    await session.execute(
        update(Consent).where(Consent.user_id == user.id, Consent.withdrawn_at.is_(None)).values(withdrawn_at=now)
    )
    await session.execute(update(Consent).where(Consent.user_id == user.id).values(user_id=None))
    await session.execute(
        update(CuratorRole).where(CuratorRole.user_id == user.id, CuratorRole.revoked_at.is_(None)).values(revoked_at=now)
    )
    # every outbox row of theirs, sent or not: each one carries their Telegram id
    await session.execute(delete(OutboxMessage).where(OutboxMessage.user_id == user.id))
    from domain.attention import forget_user as forget_attention  # a curator's own list goes too

    await forget_attention(session, user.id)
    if user.tg_id is not None:
        await forget_dialogs(session, user.tg_id)
    user.full_name = None
    user.tg_id = None
    user.erased_at = now
    await audit(session, "user.erased", user.id, "user", user.id)
    await session.flush()
    if participant is not None:
        from domain.pairing import sweep_departed  # pairing builds on people: import at use

        await sweep_departed(session, now)  # their open proposals are withdrawn, curators told


@dataclass(frozen=True)
class ParticipantFilter:
    role: str | None = None  # mentor | mentee | None
    status: str | None = None  # active | awaiting_consent | None


async def list_participants(session: AsyncSession, org: Unit, flt: ParticipantFilter, page: int,
                            page_size: int = PAGE_SIZE) -> tuple[list[Participant], int]:
    cond = [Participant.org_id == org.id, Participant.status != "erased"]
    if flt.role:
        cond.append(Participant.role == flt.role)
    if flt.status:
        cond.append(Participant.status == flt.status)
    total = await session.scalar(select(func.count()).select_from(Participant).where(*cond)) or 0
    rows = await session.scalars(
        select(Participant).where(*cond).order_by(Participant.full_name, Participant.id)
        .offset(max(page, 0) * page_size).limit(page_size)
    )
    return list(rows.all()), total


async def participant_in_scope(session: AsyncSession, scope_path: str, participant_id: int) -> Participant | None:
    row = await session.execute(
        select(Participant, Unit).join(Unit, Unit.id == Participant.org_id).where(Participant.id == participant_id)
    )
    found = row.first()
    if found is None:
        return None
    participant, unit = found
    if not unit.path.startswith(scope_path) or participant.status == "erased":
        return None
    return participant


async def accept_curator(session: AsyncSession, *, tg_id: int, locale: str, full_name: str,
                         invitation: Invitation, now: datetime) -> CuratorRole:
    user = await get_or_create_user(session, tg_id, locale)
    user.locale = locale
    if not user.full_name:
        user.full_name = full_name
    role = await session.scalar(
        select(CuratorRole).where(CuratorRole.user_id == user.id, CuratorRole.unit_id == invitation.unit_id)
    )
    if role is None:
        role = CuratorRole(user_id=user.id, unit_id=invitation.unit_id, invitation_id=invitation.id,
                           created_at=now, last_digest_at=now)
        session.add(role)
    else:
        role.revoked_at = None
    await session.flush()
    await record_consent(session, user, now, version=CURATOR_CONSENT_VERSION)
    await audit(session, "curator.accepted", user.id, "unit", invitation.unit_id)
    return role
