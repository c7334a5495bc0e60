"""Parental consent: recorded by a curator for one person or many at once, and undone for a while.

Under Federal Law 152-FZ a minor's personal data is processed with the consent of a parent or legal
guardian; minors register as ``awaiting_consent`` and become ``active`` (matchable, counted)
once their curator records the parent's written consent.

``confirm_consents`` records it for a list of people with one call (one press of the curator:
one person, the marked ones, a whole class or list) as a ``ConsentBatch``: per person a
``Consent`` row (who recorded it, when, ``batch_id``), an audit event, and a message to the child
through the outbox. ``undo_consents`` takes a batch back within ``CONSENT_UNDO_MINUTES``:
exactly its people wait for consent again.

What confirming triggers, and what the undo does with it:

* the child is told through the outbox, *after* the undo window (``due_at = now + window``):
  an undo in time drops those rows before anything is said. Should one have left anyway (a race
  with the sender at the very end of the window), the child gets a short correction instead and
  the curator is told who got one.
* the person becomes matchable at once. A person who has been put in a pair or a pair proposal
  since (by the engine or by hand) keeps the consent: the undo leaves them as they are and names
  them, so the curator can withdraw the pair and undo again while the window lasts.

Nothing here knows about aiogram; every person is reached through the recorder's scopes
(their curator roles' subtrees unless ``scopes`` are given, e.g. ``(ROOT,)`` for an
administrator), so a forged id is simply "missing". Id lists are queried in chunks.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Final

from sqlalchemy import and_, func, or_, select, union, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from db.models import (
    Consent,
    ConsentBatch,
    OutboxMessage,
    Pair,
    PairMentee,
    Participant,
    ProgrammeMember,
    Unit,
    User,
)
from domain import outbox
from domain.people import CONSENT_VERSION, audit
from domain.units import Scope, curator_scopes, scope_of

log = logging.getLogger(__name__)

CONSENT_UNDO_MINUTES: Final = 10  # how long a confirmation of parental consent can be taken back
UNDO_WINDOW: Final = timedelta(minutes=CONSENT_UNDO_MINUTES)

KIND_CONFIRMED: Final = "consent-confirmed"  # the child is told their parents' consent is recorded
KIND_UNDONE: Final = "consent-undone"  # ... and, should that have left before an undo, corrected
KEY_CONFIRMED: Final = "consent-confirmed-notice"
KEY_UNDONE: Final = "consent-undone-notice"

# pair statuses in which a person is taken (the matching engine and pairing by hand need consent)
_LIVE_PAIR: Final = ("proposed", "approved", "active")
_TOLD: Final = (outbox.SENDING, outbox.SENT, outbox.UNKNOWN)  # the notice has (most probably) left


@dataclass
class Confirmed:
    """What ``confirm_consents`` did, person by person."""

    batch_id: int | None = None  # None when nobody was confirmed
    confirmed: list[Participant] = field(default_factory=list)
    already: list[Participant] = field(default_factory=list)  # had it recorded before
    not_needed: list[Participant] = field(default_factory=list)  # adults: nothing to record
    missing: list[int] = field(default_factory=list)  # unknown, erased, or outside the scopes


@dataclass
class Undone:
    """What ``undo_consents`` did; ``problem`` is set (and nothing changed) when it could not."""

    problem: str | None = None  # "unknown" | "expired" | "undone"
    restored: list[Participant] = field(default_factory=list)  # wait for consent again
    told: list[Participant] = field(default_factory=list)  # of restored: were told; a correction is queued
    paired: list[Participant] = field(default_factory=list)  # kept: in a pair (proposal) since
    gone: int = 0  # erased or out of reach meanwhile: left as they are


def _chunked(ids: Iterable[int]) -> list[list[int]]:
    from domain.pairing import chunked  # pairing builds on people: import at use

    return chunked(ids)


def confirmed_key(participant_id: int, consent_id: int) -> str:
    return f"{KIND_CONFIRMED}:{participant_id}:{consent_id}"


def undone_key(participant_id: int, consent_id: int) -> str:
    return f"{KIND_UNDONE}:{participant_id}:{consent_id}"


def _ids_of_key(key: str | None) -> tuple[int, int] | None:
    parts = (key or "").split(":")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2])


async def _scopes(session: AsyncSession, curator: User, scopes: Sequence[Scope] | None) -> list[Scope]:
    if scopes is not None:
        return list(scopes)
    return [scope_of(u) for u in await curator_scopes(session, curator.id)]


async def _reachable(session: AsyncSession, ids: Iterable[int], scopes: Sequence[Scope]) -> dict[int, Participant]:
    """The live participants among ``ids`` whose organisation lies in one of ``scopes``."""
    found: dict[int, Participant] = {}
    if not scopes:
        return found
    for part in _chunked(ids):
        rows = await session.execute(
            select(Participant, Unit.path).join(Unit, Unit.id == Participant.org_id)
            .where(Participant.id.in_(part), Participant.status != "erased")
        )
        for person, path in rows.all():
            if any(path.startswith(s.path) for s in scopes):
                found[person.id] = person
    return found


async def _reload(session: AsyncSession, ids: list[int]) -> list[Participant]:
    people: list[Participant] = []
    for part in _chunked(ids):
        people.extend((await session.scalars(
            select(Participant).where(Participant.id.in_(part)).execution_options(populate_existing=True)
        )).all())
    return sorted(people, key=lambda p: (p.full_name or "", p.id))


async def confirm_consents(session: AsyncSession, curator: User, person_ids: Iterable[int], now: datetime, *,
                           scopes: Sequence[Scope] | None = None) -> Confirmed:
    """Record the parents' consent of everyone among ``person_ids`` who awaits it, as one batch.

    ``curator`` is who recorded it (``Consent.recorded_by_user_id``, the audit's actor); people
    outside ``scopes`` (default: the curator's own subtrees) are "missing" and left untouched.
    Race-free: a person confirmed by someone else at the same moment is "already".
    """
    wanted = list(dict.fromkeys(int(i) for i in person_ids))
    reach = await _reachable(session, wanted, await _scopes(session, curator, scopes))
    result = Confirmed(missing=[i for i in wanted if i not in reach])
    waiting = [p.id for p in reach.values() if p.status == "awaiting_consent"]
    done: list[int] = []
    for part in _chunked(waiting):
        done.extend((await session.execute(
            update(Participant)
            .where(Participant.id.in_(part), Participant.status == "awaiting_consent")
            .values(status="active", parental_consent_at=now, updated_at=now)
            .returning(Participant.id)
            .execution_options(synchronize_session=False)
        )).scalars().all())
    people = {p.id: p for p in await _reload(session, list(reach))}
    for pid in wanted:
        person = people.get(pid)
        if person is None or pid in done:
            continue
        if person.parental_consent_at is not None:
            result.already.append(person)
        else:
            result.not_needed.append(person)
    if not done:
        return result
    batch = ConsentBatch(recorded_by_user_id=curator.id, created_at=now)
    session.add(batch)
    await session.flush()
    result.batch_id = batch.id
    result.confirmed = sorted((people[i] for i in done), key=lambda p: (p.full_name or "", p.id))
    consents = [Consent(user_id=p.user_id, participant_id=p.id, kind="parental", version=CONSENT_VERSION,
                        given_at=now, recorded_by_user_id=curator.id, batch_id=batch.id) for p in result.confirmed]
    session.add_all(consents)
    await session.flush()
    users = await _users(session, [p.user_id for p in result.confirmed])
    zones = await _zones(session, [p.org_id for p in result.confirmed])
    for person, consent in zip(result.confirmed, consents, strict=True):
        await audit(session, "participant.parental_consent", curator.id, "participant", person.id, batch_id=batch.id)
        user = users.get(person.user_id)
        if user is not None and user.tg_id is not None:  # told once the undo window is over
            await outbox.enqueue(session, user_id=user.id, chat_id=user.tg_id, kind=KIND_CONFIRMED, key=KEY_CONFIRMED,
                                 due_at=now + UNDO_WINDOW, tz=zones.get(person.org_id),
                                 dedupe_key=confirmed_key(person.id, consent.id))
    return result


async def _users(session: AsyncSession, ids: Iterable[int | None]) -> dict[int, User]:
    out: dict[int, User] = {}
    for part in _chunked(i for i in ids if i is not None):
        out.update({u.id: u for u in (await session.scalars(select(User).where(User.id.in_(part)))).all()})
    return out


async def _zones(session: AsyncSession, org_ids: Iterable[int]) -> dict[int, str | None]:
    out: dict[int, str | None] = {}
    for part in _chunked(org_ids):
        out.update({i: tz for i, tz in (await session.execute(
            select(Unit.id, Unit.timezone).where(Unit.id.in_(part)))).all()})
    return out


async def latest_undoable(session: AsyncSession, curator_id: int, org: Unit, now: datetime
                          ) -> tuple[ConsentBatch, int] | None:
    """The curator's latest batch that touches ``org`` and can still be undone, with the number of
    its consents still standing (what an undo button would take back)."""
    row = (await session.execute(
        select(ConsentBatch).join(Consent, Consent.batch_id == ConsentBatch.id)
        .join(Participant, Participant.id == Consent.participant_id)
        .where(ConsentBatch.recorded_by_user_id == curator_id, ConsentBatch.undone_at.is_(None),
               ConsentBatch.created_at > now - UNDO_WINDOW, Participant.org_id == org.id,
               Consent.withdrawn_at.is_(None))
        .order_by(ConsentBatch.created_at.desc(), ConsentBatch.id.desc()).limit(1)
    )).scalars().first()
    if row is None:
        return None
    standing = (await session.scalars(
        select(Consent.id).where(Consent.batch_id == row.id, Consent.withdrawn_at.is_(None)))).all()
    return row, len(standing)


async def _paired(session: AsyncSession, ids: list[int]) -> set[int]:
    """Which of these participants are in a pair or a pair proposal that is not over."""
    found: set[int] = set()
    for part in _chunked(ids):
        as_mentor = (select(ProgrammeMember.participant_id)
                     .join(Pair, Pair.mentor_member_id == ProgrammeMember.id)
                     .where(ProgrammeMember.participant_id.in_(part), Pair.status.in_(_LIVE_PAIR)))
        as_mentee = (select(ProgrammeMember.participant_id)
                     .join(PairMentee, PairMentee.mentee_member_id == ProgrammeMember.id)
                     .join(Pair, Pair.id == PairMentee.pair_id)
                     .where(ProgrammeMember.participant_id.in_(part), Pair.status.in_(_LIVE_PAIR)))
        found.update((await session.execute(union(as_mentor, as_mentee))).scalars().all())
    return found


async def undo_consents(session: AsyncSession, curator: User, batch_id: int, now: datetime, *,
                        scopes: Sequence[Scope] | None = None) -> Undone:
    """Take back a batch of ``curator``'s within ``CONSENT_UNDO_MINUTES``: its people wait for
    their parents' consent again (status, ``parental_consent_at``), their consent records are
    withdrawn (kept, for the record), the notices not yet sent are dropped (a correction follows
    those that left), and each step is audited. Someone else's batch is "unknown", like a
    missing one."""
    batch = await session.get(ConsentBatch, batch_id)
    if batch is None or batch.recorded_by_user_id != curator.id:
        return Undone(problem="unknown")
    if batch.undone_at is not None:
        return Undone(problem="undone")
    if now >= batch.created_at + UNDO_WINDOW:
        return Undone(problem="expired")
    consents = list((await session.scalars(
        select(Consent).where(Consent.batch_id == batch.id, Consent.withdrawn_at.is_(None)).order_by(Consent.id)
    )).all())
    by_person = {c.participant_id: c for c in consents if c.participant_id is not None}
    reach = await _reachable(session, by_person, await _scopes(session, curator, scopes))
    result = Undone()
    standing = [pid for pid, p in reach.items() if p.status == "active"]
    paired = await _paired(session, standing)
    result.gone = len(by_person) - len(standing)
    candidates = [pid for pid in standing if pid not in paired]
    restored: list[int] = []
    for part in _chunked(candidates):
        restored.extend((await session.execute(
            update(Participant)
            .where(Participant.id.in_(part), Participant.status == "active")
            .values(status="awaiting_consent", parental_consent_at=None, updated_at=now)
            .returning(Participant.id)
            .execution_options(synchronize_session=False)
        )).scalars().all())
    people = {p.id: p for p in await _reload(session, standing)}
    result.paired = [people[i] for i in sorted(paired, key=lambda i: (people[i].full_name or "", i))]
    result.restored = sorted((people[i] for i in restored), key=lambda p: (p.full_name or "", p.id))
    for person in result.restored:
        consent = by_person[person.id]
        consent.withdrawn_at = now
        await audit(session, "participant.parental_consent_undone", curator.id, "participant", person.id,
                    batch_id=batch.id)
    keys = {confirmed_key(p.id, by_person[p.id].id): p for p in result.restored}
    for part in [list(keys)[i:i + 500] for i in range(0, len(keys), 500)]:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.dedupe_key.in_(part), OutboxMessage.status.in_((outbox.PENDING, outbox.CLAIMED)))
            .values(status=outbox.DROPPED, last_error="parental consent undone", claimed_by=None)
            .execution_options(synchronize_session=False)
        )
        left = (await session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.user_id, OutboxMessage.chat_id, OutboxMessage.tz)
            .where(OutboxMessage.dedupe_key.in_(part), OutboxMessage.status.in_(_TOLD))
        )).all()
        for key, user_id, chat_id, tz in left:
            person = keys[key]
            result.told.append(person)
            await outbox.enqueue(session, user_id=user_id, chat_id=chat_id, kind=KIND_UNDONE, key=KEY_UNDONE,
                                 due_at=now, tz=tz, dedupe_key=undone_key(person.id, by_person[person.id].id))
    result.told.sort(key=lambda p: (p.full_name or "", p.id))
    if not result.paired:  # those kept can still be taken back (within the window) once unpaired
        batch.undone_at = now
    await session.flush()
    log.info("consent batch %s undone by user %s: %d restored, %d kept paired, %d told before",
             batch.id, curator.id, len(result.restored), len(result.paired), len(result.told))
    return result


# ---------------------------------------------------------------------------------------------
# the curator's working list: who awaits consent, as the list was when it was opened
# ---------------------------------------------------------------------------------------------
# A list is anchored at the moment it was opened (``since``): it holds the people of the
# organisation who await consent and had registered by then, plus those whose consent has been
# recorded since (shown as confirmed). So confirming, or undoing, never moves anyone on it, and a
# newcomer appears only when the curator refreshes it. Classes: "a" all, "g<grade>", "c<course>",
# "x" neither.
MAX_GRADE: Final = 11
MAX_COURSE: Final = 6


def parse_class(code: str) -> tuple[str, int | None] | None:
    """("a"|"g"|"c"|"x", number) for a valid class code, else None."""
    if code in ("a", "x"):
        return code, None
    if len(code) >= 2 and code[0] in "gc" and code[1:].isdigit() and not code[1:].startswith("0"):
        n = int(code[1:])
        if 1 <= n <= (MAX_GRADE if code[0] == "g" else MAX_COURSE):
            return code[0], n
    return None


def class_of(person: Participant) -> str:
    if person.grade:
        return f"g{person.grade}"
    if person.course:
        return f"c{person.course}"
    return "x"


def since_of(anchor: int) -> datetime:
    """The moment a list was opened, from its anchor (whole seconds since the epoch, in callbacks)."""
    return datetime.fromtimestamp(anchor, tz=timezone.utc)


def _in_list(org: Unit, since: datetime) -> ColumnElement[bool]:
    return and_(Participant.org_id == org.id, or_(
        and_(Participant.status == "awaiting_consent", Participant.registered_at < since + timedelta(seconds=1)),
        and_(Participant.status == "active", Participant.parental_consent_at >= since),
    ))


def _class_cond(code: str) -> ColumnElement[bool] | None:
    kind, n = parse_class(code) or ("a", None)
    if kind == "g":
        return Participant.grade == n
    if kind == "c":
        return and_(or_(Participant.grade.is_(None), Participant.grade == 0), Participant.course == n)
    if kind == "x":
        return and_(or_(Participant.grade.is_(None), Participant.grade == 0),
                    or_(Participant.course.is_(None), Participant.course == 0))
    return None


def _list_cond(org: Unit, since: datetime, code: str) -> list[ColumnElement[bool]]:
    cond = [_in_list(org, since)]
    extra = _class_cond(code)
    if extra is not None:
        cond.append(extra)
    return cond


async def consent_list(session: AsyncSession, org: Unit, since: datetime, code: str, page: int,
                       page_size: int) -> tuple[list[Participant], int, int]:
    """One page of the list (by name), its length, and how many on it still await consent."""
    cond = _list_cond(org, since, code)
    total = await session.scalar(select(func.count()).select_from(Participant).where(*cond)) or 0
    waiting = await session.scalar(select(func.count()).select_from(Participant)
                                   .where(*cond, Participant.status == "awaiting_consent")) or 0
    rows = await session.scalars(select(Participant).where(*cond).order_by(Participant.full_name, Participant.id)
                                 .offset(max(page, 0) * page_size).limit(page_size))
    return list(rows.all()), total, waiting


async def consent_list_classes(session: AsyncSession, org: Unit, since: datetime) -> list[tuple[str, int]]:
    """The classes on the list with how many of each still await consent: grades, courses, the rest."""
    rows = await session.execute(
        select(Participant.grade, Participant.course, Participant.status, func.count())
        .where(_in_list(org, since)).group_by(Participant.grade, Participant.course, Participant.status)
    )
    counts: dict[str, int] = {}
    for grade, course, status, n in rows.all():
        code = f"g{grade}" if grade else f"c{course}" if course else "x"
        counts[code] = counts.get(code, 0) + (n if status == "awaiting_consent" else 0)
    order = {"g": 0, "c": 1, "x": 2}
    return sorted(counts.items(), key=lambda kv: (order[kv[0][0]], int(kv[0][1:] or 0)))


async def awaiting_on_list(session: AsyncSession, org: Unit, since: datetime, code: str
                           ) -> list[tuple[int, str | None]]:
    """(id, name) of everyone on the list (of a class) who still awaits consent, by name."""
    rows = await session.execute(
        select(Participant.id, Participant.full_name)
        .where(*_list_cond(org, since, code), Participant.status == "awaiting_consent")
        .order_by(Participant.full_name, Participant.id)
    )
    return [(i, name) for i, name in rows.all()]


async def awaiting_among(session: AsyncSession, org: Unit, ids: Iterable[int]) -> list[int]:
    """Which of ``ids`` are people of ``org`` who still await consent."""
    found: list[int] = []
    for part in _chunked(ids):
        found.extend((await session.scalars(
            select(Participant.id).where(Participant.id.in_(part), Participant.org_id == org.id,
                                         Participant.status == "awaiting_consent"))).all())
    return sorted(found)


# ---------------------------------------------------------------------------------------------
# relevance of the queued messages: a notice of a consent taken back is never sent, nor a
# correction once the consent is recorded again
# ---------------------------------------------------------------------------------------------
async def _confirmed_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    ids = _ids_of_key(row.dedupe_key)
    if ids is None:  # rows queued before batches existed: nothing can have taken them back
        return True
    consent = await session.get(Consent, ids[1])
    return consent is not None and consent.withdrawn_at is None


async def _undone_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    ids = _ids_of_key(row.dedupe_key)
    if ids is None:
        return False
    person = await session.get(Participant, ids[0])
    return person is not None and person.status == "awaiting_consent"


outbox.register_relevance(KIND_CONFIRMED, _confirmed_relevant)
outbox.register_relevance(KIND_UNDONE, _undone_relevant)


__all__ = [
    "CONSENT_UNDO_MINUTES",
    "UNDO_WINDOW",
    "Confirmed",
    "Undone",
    "confirm_consents",
    "undo_consents",
    "latest_undoable",
    "parse_class",
    "class_of",
    "since_of",
    "consent_list",
    "consent_list_classes",
    "awaiting_on_list",
    "awaiting_among",
]
