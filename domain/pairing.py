"""Forming pairs and groups (stage 5 of the target model): proposals, approval, consent.

The curator asks for proposals (:func:`run_matching`): the programme's active members become
the engine's ``Person``s (``domain.matching``), the engine runs off the event loop, and its
assignments are stored as ``Pair`` rows with status ``proposed``. The curator approves
(:func:`approve`, :func:`approve_all`), rejects (:func:`reject`) or pairs two people by hand
(:func:`manual_pair`). An approved pair sends a card to each side through the outbox; when
everyone in it accepts (:func:`answer`) it becomes ``active`` and the curators are told; a
decline goes back to the curators with replacements both ways (:func:`suggestions`) and
"pair by hand" buttons, and the others invited hear which pair will not happen (their
delivered cards are edited to say so). :func:`remind_and_report`
reminds the silent once and later reports them; :func:`sweep_departed` withdraws pending pairs
of people who left the programme or were erased.

Rules kept here:

* mentor–mentee combinations of rejected, declined and dissolved pairs (and a mentee's own
  decline inside a group) are never proposed again;
* approved and active pairs are fixed: a re-run keeps them and only fills what is left;
* a decision on a pair is a conditional UPDATE on its ``version`` (optimistic locking), and
  every change to a programme's pairs first locks the programme row (``FOR UPDATE`` on
  PostgreSQL; SQLite serialises writers anyway), so two curators at once cannot both win or
  over-fill a mentor.

No aiogram here. Texts are Fluent keys; the only text rendered before sending is the "what you
share" part of a card (catalogue names in the recipient's language), because the outbox
renders one key with plain arguments.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db import locks
from db.models import (
    CuratorRole,
    MatchRun,
    OutboxMessage,
    Pair,
    PairMentee,
    Participant,
    Preference,
    Programme,
    ProgrammeMember,
    Unit,
    User,
)
from domain import attention, background, catalog, programmes
from domain import matching as engine
from domain.exports import AnnexRow, label_or_code
from domain.outbox import PENDING as OUTBOX_PENDING
from domain.outbox import build_payload, enqueue, register_relevance
from domain.text import short_name, shorten
from domain.units import curators_of_subtree_roots

log = logging.getLogger(__name__)

# --- statuses -------------------------------------------------------------------------------
PROPOSED: Final = "proposed"
APPROVED: Final = "approved"
ACTIVE: Final = "active"
ENDED: Final = "ended"
REJECTED: Final = "rejected"
DECLINED: Final = "declined"
WITHDRAWN: Final = "withdrawn"
DISSOLVED: Final = "dissolved"

EXCLUDING: Final = (REJECTED, DECLINED, DISSOLVED)  # never proposed again
FIXED: Final = (APPROVED, ACTIVE)  # kept by a re-run; count against a mentor's capacity
PENDING: Final = (PROPOSED, APPROVED)  # not yet agreed by everyone

ACCEPTED_ANSWER: Final = "accepted"
DECLINED_ANSWER: Final = "declined"

# --- timing -----------------------------------------------------------------------------------
REMIND_AFTER: Final = timedelta(days=3)  # after approval, the silent get one reminder
REPORT_AFTER: Final = timedelta(days=3)  # after the reminder, the curator hears who is still silent
REMINDER_JOB_MINUTES: Final = 10  # how often bot/scheduler.py runs remind_and_report
REMINDER_BATCH: Final = 200  # most pairs a transaction of run_remind_and_report takes
RUN_STALE_AFTER: Final = timedelta(minutes=15)  # a "running" run older than this died with its process
PROGRESS_INTERVAL: Final = 1.0  # seconds between progress reports (message edits)

REASON_MAX: Final = 500
IN_CHUNK: Final = 5000  # ids per IN (...) list: PostgreSQL takes at most 32,767 bind parameters per query

# what goes into a participant's card (Fluent refuses a placeable over 2,500 characters: "{???}")
CARD_REASONS: Final = 3  # reasons shown per mentee
CARD_ITEMS: Final = 3  # items shown per reason
CARD_LINE_MAX: Final = 150  # characters of one mentee's line (mentor's card) or of "what you share"
PLACEABLE_MAX: Final = 2400  # below fluent.runtime's MAX_PART_LENGTH (2,500)
PARTICIPANT_HIDDEN: Final = frozenset({"role_model"})  # never shown to participants (stigmatising)

# --- outbox kinds -------------------------------------------------------------------------------
KIND_CARD: Final = "pair-card"
KIND_REMINDER: Final = "pair-reminder"
KIND_CANCELLED: Final = "pair-cancelled"
KIND_ACTIVE: Final = "pair-active"
KIND_GOALS_PROMPT: Final = "pair-goals-prompt"
KIND_DECLINED: Final = "pair-declined"
KIND_UNANSWERED: Final = "pair-unanswered"
KIND_WITHDRAWN: Final = "pair-withdrawn"
KIND_CARD_CLOSED: Final = "pair-card-closed"  # an edit of a delivered card: the proposal was cancelled

# callback data of buttons in outbox messages; handlers/pairing.py parses the same prefixes
CB_ANSWER: Final = "qn"  # qn:<pair id>:<y|n>
CB_OPEN: Final = "qo"  # qo:<programme id>: the pairs screen as a new message
CB_MAKE: Final = "qk"  # qk:<programme id>:<mentor member id>:<mentee member id>:<1 = answer with a new message>
CB_PICK: Final = "qm"  # qm:<programme id>:<mentor member id>:<page>:<mentee member id>:<1 = as a new message>


class PairingError(Exception):
    """A refused action; ``code`` names a locale key ``pair-err-<code>``."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


Translator = Any  # bot.i18n.Translator: ``get(locale, key, **args)``; kept loose to stay framework-free
ProgressReport = Callable[[float], Awaitable[None]]


# ---------------------------------------------------------------------------------------------
# members
# ---------------------------------------------------------------------------------------------
@dataclass
class Member:
    """A programme member with their participant (and user, for messages)."""

    member: ProgrammeMember
    participant: Participant
    user: User | None

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def side(self) -> str:
        return self.member.side

    @property
    def name(self) -> str:
        return self.participant.full_name or "—"

    @property
    def present(self) -> bool:
        """Still in the programme and not erased."""
        return self.member.left_at is None and self.participant.status != "erased"

    @property
    def consent_ok(self) -> bool:
        return self.participant.status == "active"

    @property
    def capacity(self) -> int:
        if self.side != "mentor":
            return 1
        return max(1, self.member.capacity or self.participant.capacity or 1)

    @property
    def reachable(self) -> bool:
        u = self.user
        return u is not None and u.tg_id is not None and u.erased_at is None


def chunked(ids: Iterable[int], size: int | None = None) -> list[list[int]]:
    """Distinct ids (sorted) in lists of at most ``size`` (default :data:`IN_CHUNK`), for IN (...)."""
    size = IN_CHUNK if size is None else size
    if size < 1:
        raise ValueError("chunk size must be positive")
    wanted = sorted({i for i in ids if i is not None})
    return [wanted[i:i + size] for i in range(0, len(wanted), size)]


async def _users(ids: Iterable[int | None], session: AsyncSession) -> dict[int, User]:
    out: dict[int, User] = {}
    for part in chunked(ids):
        out.update((u.id, u) for u in (await session.scalars(select(User).where(User.id.in_(part)))).all())
    return out


async def members(session: AsyncSession, programme: Programme, side: str | None = None) -> list[Member]:
    """The programme's present members (``domain.programmes.members``), by name, with their users."""
    rows = await programmes.members(session, programme, side)
    users = await _users((p.user_id for _, p in rows), session)
    return [Member(m, p, users.get(p.user_id)) for m, p in rows]


async def member(session: AsyncSession, programme: Programme, member_id: int) -> Member | None:
    """One member of this programme (any state), or None when the id is of another programme."""
    found = await programmes.member_in_programme(session, programme, member_id)
    if found is None:
        return None
    m, p = found
    return Member(m, p, (await _users([p.user_id], session)).get(p.user_id))


async def members_by_id(session: AsyncSession, ids: Iterable[int]) -> dict[int, Member]:
    rows = []
    for part in chunked(ids):
        rows.extend((await session.execute(
            select(ProgrammeMember, Participant).join(Participant, Participant.id == ProgrammeMember.participant_id)
            .where(ProgrammeMember.id.in_(part))
        )).all())
    if not rows:
        return {}
    users = await _users((p.user_id for _, p in rows), session)
    return {m.id: Member(m, p, users.get(p.user_id)) for m, p in rows}


async def _preferences(session: AsyncSession, programme_id: int) -> dict[int, tuple[int, ...]]:
    rows = await session.execute(
        select(Preference.from_member_id, Preference.to_member_id)
        .where(Preference.programme_id == programme_id)
        .order_by(Preference.from_member_id, Preference.rank, Preference.id)
    )
    out: dict[int, list[int]] = defaultdict(list)
    for src, dst in rows.all():
        out[src].append(dst)
    return {k: tuple(v) for k, v in out.items()}


def to_person(m: Member, preferences: dict[int, tuple[int, ...]]):
    """The engine's view of a member: ids are member ids; nothing personal but what matching needs."""
    p = m.participant
    goals = p.strengths if m.side == "mentor" else p.goals
    return engine.Person(
        id=m.id,
        org_id=p.org_id,
        category=p.category,
        grade=p.grade,
        course=p.course,
        birth_year=p.birth_year,
        interests=frozenset(p.interests or ()),
        tags=frozenset(t.casefold() for t in (p.tags or ())),
        goals=frozenset(goals or ()),
        days=frozenset(p.days or ()),
        times=frozenset(p.times or ()),
        format=p.format or "any",
        consent_ok=m.consent_ok,
        capacity=m.capacity,
        preferences=preferences.get(m.id, ()),
    )


def make_spec(programme: Programme, now: datetime):
    return engine.Spec(form=programme.form, today=now.date(),
                       weights=engine.Weights.from_mapping(programme.weights or {}),
                       role_models=tuple(programme.role_models or ()))


# ---------------------------------------------------------------------------------------------
# pairs
# ---------------------------------------------------------------------------------------------
async def lock_programme(session: AsyncSession, programme_id: int) -> None:
    """Serialise changes to one programme's pairs (a row lock on PostgreSQL; a no-op on SQLite,
    whose writers are serialised by BEGIN IMMEDIATE)."""
    await session.execute(select(Programme.id).where(Programme.id == programme_id).with_for_update())


async def pair_mentees(session: AsyncSession, pair_ids: Iterable[int]) -> dict[int, list[PairMentee]]:
    out: dict[int, list[PairMentee]] = defaultdict(list)
    found: list[PairMentee] = []
    for part in chunked(pair_ids):
        rows = await session.scalars(select(PairMentee).where(PairMentee.pair_id.in_(part))
                                     .execution_options(populate_existing=True))  # answers change concurrently
        found.extend(rows.all())
    for pm in sorted(found, key=lambda pm: pm.id):
        out[pm.pair_id].append(pm)
    return out


def staying(mentees: Sequence[PairMentee]) -> list[PairMentee]:
    """The mentees of a pair who have not declined it nor left it (``domain.erasure``)."""
    return [pm for pm in mentees if pm.answer != DECLINED_ANSWER and pm.left_at is None]


async def get_pair(session: AsyncSession, programme_id: int, pair_id: int) -> Pair | None:
    """A pair of this programme, fresh from the database; None for another programme's id."""
    pair = await session.scalar(
        select(Pair).where(Pair.id == pair_id).execution_options(populate_existing=True)
    )
    if pair is None or pair.programme_id != programme_id:
        return None
    return pair


async def status_counts(session: AsyncSession, programme_id: int) -> dict[str, int]:
    rows = await session.execute(
        select(Pair.status, func.count()).where(Pair.programme_id == programme_id).group_by(Pair.status)
    )
    return {status: n for status, n in rows.all()}


async def pairs_with_status(session: AsyncSession, programme_id: int, statuses: Sequence[str]) -> list[Pair]:
    """Best first for proposals; oldest first otherwise."""
    stmt = select(Pair).where(Pair.programme_id == programme_id, Pair.status.in_(statuses))
    if tuple(statuses) == (PROPOSED,):
        stmt = stmt.order_by(Pair.score.desc().nulls_last(), Pair.id)
    else:
        stmt = stmt.order_by(Pair.activated_at, Pair.approved_at, Pair.id)
    return list((await session.scalars(stmt)).all())


async def proposals(session: AsyncSession, programme_id: int) -> list[Pair]:
    return await pairs_with_status(session, programme_id, (PROPOSED,))


async def _combos(session: AsyncSession, programme_id: int, statuses: Sequence[str] | None,
                  mentee_answer: str | None = None) -> list[tuple[int, int, int]]:
    """(pair id, mentor member id, mentee member id) of the programme's pairs in ``statuses``."""
    stmt = (
        select(Pair.id, Pair.mentor_member_id, PairMentee.mentee_member_id)
        .join(PairMentee, PairMentee.pair_id == Pair.id)
        .where(Pair.programme_id == programme_id)
    )
    if statuses is not None:
        stmt = stmt.where(Pair.status.in_(statuses))
    if mentee_answer is not None:
        stmt = stmt.where(PairMentee.answer == mentee_answer)
    return [tuple(r) for r in (await session.execute(stmt)).all()]


async def excluded_combos(session: AsyncSession, programme_id: int) -> set[tuple[int, int]]:
    """Combinations never to propose again: rejected, declined, dissolved, and a mentee's own decline."""
    out = {(m, e) for _, m, e in await _combos(session, programme_id, EXCLUDING)}
    out |= {(m, e) for _, m, e in await _combos(session, programme_id, None, DECLINED_ANSWER)}
    return out


async def refused_combos(session: AsyncSession, programme_id: int) -> set[tuple[int, int]]:
    """Combinations not to be made even by hand: a pair someone declined or that was dissolved,
    and a mentee's own decline. A proposal the curator rejected is not among them: that was the
    curator's call on the engine's choice, and they may make the pair by hand deliberately (the
    engine and the replacements never offer it again: :func:`excluded_combos`)."""
    out = {(m, e) for _, m, e in await _combos(session, programme_id, (DECLINED, DISSOLVED))}
    out |= {(m, e) for _, m, e in await _combos(session, programme_id, None, DECLINED_ANSWER)}
    return out


async def fixed_combos(session: AsyncSession, programme_id: int) -> set[tuple[int, int]]:
    """Approved and active combinations (without mentees who declined or left their group)."""
    rows = await session.execute(
        select(Pair.mentor_member_id, PairMentee.mentee_member_id)
        .join(PairMentee, PairMentee.pair_id == Pair.id)
        .where(Pair.programme_id == programme_id, Pair.status.in_(FIXED), PairMentee.left_at.is_(None),
               or_(PairMentee.answer.is_(None), PairMentee.answer != DECLINED_ANSWER))
    )
    return {tuple(r) for r in rows.all()}


def load_of(fixed: set[tuple[int, int]]) -> tuple[dict[int, int], set[int]]:
    """Mentees per mentor, and the mentees taken, in a set of fixed combinations."""
    per_mentor: dict[int, int] = defaultdict(int)
    for m, _ in fixed:
        per_mentor[m] += 1
    return per_mentor, {e for _, e in fixed}


def reasons_json(reasons: Iterable[engine.Reason]) -> list[dict[str, Any]]:
    """The engine's reasons as stored in ``pair_mentees.reasons``."""
    return [{"code": r.code, "items": [str(i) for i in r.items]} for r in reasons]


def choose_role_model(programme: Programme, mentor: Member | None, mentees: Sequence[Member]) -> str | None:
    """The one role model a pair or group is fixed under (the order's annex names it), whoever
    formed it (the engine, the curator by hand, a suggestion): of the programme's role models
    (else its form's), the one most of its mentees fit (a goal of theirs the role model addresses
    and the mentor is strong in), then the one that is the best fit (``engine.best_role_model``)
    of most of them, then the one covering most of those goals, then most of the mentees' goals,
    then most of the mentor's strengths, then the programme's order. None only for a form
    without role models."""
    candidates = list(programme.role_models or ())
    if not candidates:
        form = engine.forms().get(programme.form)
        candidates = list(form.role_models) if form is not None else []
    if not candidates:
        return None
    rm_goals = engine.role_model_goals()
    strengths = frozenset((mentor.participant.strengths or ()) if mentor is not None else ())
    goals = [frozenset(m.participant.goals or ()) for m in mentees]
    best = [engine.best_role_model(candidates, g & strengths) for g in goals]

    def rank(item: tuple[int, str]) -> tuple[int, ...]:
        i, rm = item
        g = rm_goals.get(rm, frozenset())
        return (sum(1 for x in goals if g & x & strengths), sum(1 for b in best if b == (rm,)),
                sum(len(g & x & strengths) for x in goals), sum(len(g & x) for x in goals),
                len(g & strengths), -i)

    return max(enumerate(candidates), key=rank)[1]


def fits_role_model(role_model: str | None, mentor: Member | None, mentee: Member) -> bool:
    """Whether this mentee and mentor fit ``role_model`` (as the engine's role_model reason)."""
    if role_model is None or mentor is None:
        return False
    g = engine.role_model_goals().get(role_model, frozenset())
    return bool(g & frozenset(mentee.participant.goals or ()) & frozenset(mentor.participant.strengths or ()))


def reasons_for(role_model: str | None, reasons: list[dict[str, Any]], fits: bool) -> list[dict[str, Any]]:
    """A mentee's stored reasons made consistent with their pair's one role model: a role-model
    reason (where the engine gave one) names that role model when the mentee fits it, and is left
    out when they do not (a group's role model another member fits better)."""
    out: list[dict[str, Any]] = []
    for r in reasons or ():
        if r.get("code") != "role_model":
            out.append(r)
        elif fits and role_model is not None:
            out.append({**r, "items": [role_model]})
    return out


async def _withdraw(session: AsyncSession, pairs: Iterable[Pair], now: datetime,
                    statuses: Sequence[str] = PENDING) -> list[Pair]:
    """Withdraw pairs still in ``statuses`` (conditional UPDATEs, a chunk of ids at a time);
    returns those withdrawn, refreshed, in the order given."""
    pairs = list(pairs)
    changed: set[int] = set()
    for part in chunked(p.id for p in pairs):
        result = await session.execute(
            update(Pair).where(Pair.id.in_(part), Pair.status.in_(statuses))
            .values(status=WITHDRAWN, ended_at=now, version=Pair.version + 1)
            .returning(Pair.id)
            .execution_options(synchronize_session=False)
        )
        changed.update(result.scalars().all())
    if not changed:
        return []
    for part in chunked(changed):  # refresh them all at once
        await session.scalars(select(Pair).where(Pair.id.in_(part)).execution_options(populate_existing=True))
    seen: set[int] = set()
    done = []
    for pair in pairs:
        if pair.id in changed and pair.id not in seen:
            seen.add(pair.id)
            done.append(pair)
    return done


# ---------------------------------------------------------------------------------------------
# proposing pairs
# ---------------------------------------------------------------------------------------------
class _Progress:
    """Written by the engine's thread (``progress(phase, fraction)``), read by the event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value: float | None = None

    def __call__(self, phase: str, fraction: float) -> None:
        with self._lock:
            self._value = min(1.0, max(0.0, float(fraction)))

    def take(self) -> float | None:
        with self._lock:
            value, self._value = self._value, None
        return value


async def _compute(mentors: list, mentees: list, spec: Any, excluded: set, fixed: set,
                   on_progress: ProgressReport | None, interval: float):
    """Run the engine in a worker thread; report progress at most once per ``interval``."""
    bridge = _Progress()
    task = asyncio.ensure_future(asyncio.to_thread(
        engine.match, mentors, mentees, spec, excluded=frozenset(excluded), fixed=sorted(fixed), progress=bridge,
    ))
    while True:
        done, _ = await asyncio.wait({task}, timeout=interval)
        if done:
            return task.result()
        value = bridge.take()
        if value is not None and on_progress is not None:
            try:
                await on_progress(value)
            except Exception:  # noqa: BLE001 - a failed progress edit must not lose the run
                log.warning("pairing: progress report failed", exc_info=True)


async def run_matching(session: AsyncSession, programme: Programme, *, actor_id: int | None, now: datetime,
                       on_progress: ProgressReport | None = None,
                       progress_interval: float = PROGRESS_INTERVAL) -> MatchRun:
    """Propose pairs for ``programme``; returns the finished run with its summary.

    Commits twice: after creating the run (so no connection or lock is held while the engine
    works in its thread) and after storing the proposals. Raises :class:`PairingError` with
    ``no-mentors``, ``no-mentees``, ``run-in-progress`` (nothing changed), or ``run-failed``
    (the run is marked failed; earlier proposals stay).
    """
    pid = programme.id
    await lock_programme(session, pid)
    await sweep_departed(session, now, programme_id=pid)
    await _expire_stale_runs(session, pid, now)
    running = await session.scalar(
        select(MatchRun.id).where(MatchRun.programme_id == pid, MatchRun.status == "running").limit(1)
    )
    if running is not None:
        raise PairingError("run-in-progress")
    mentor_members = await members(session, programme, "mentor")
    mentee_members = await members(session, programme, "mentee")
    if not mentor_members:
        raise PairingError("no-mentors")
    if not mentee_members:
        raise PairingError("no-mentees")
    prefs = await _preferences(session, pid)
    mentors = [to_person(m, prefs) for m in mentor_members]
    mentees = [to_person(m, prefs) for m in mentee_members]
    spec = make_spec(programme, now)
    excluded = await excluded_combos(session, pid)
    fixed = await fixed_combos(session, pid)
    run = MatchRun(programme_id=pid, started_by_user_id=actor_id, started_at=now, status="running", summary={})
    session.add(run)
    await session.flush()
    run_id = run.id
    async with run_held(session, run_id):  # held before the row is visible as running
        await session.commit()
        try:
            result = await _compute(mentors, mentees, spec, excluded, fixed, on_progress, progress_interval)
        except Exception:
            log.exception("pairing: the engine failed (programme %s, run %s)", pid, run_id)
            await session.rollback()
            await session.execute(update(MatchRun).where(MatchRun.id == run_id)
                                  .values(status="failed", finished_at=now)
                                  .execution_options(synchronize_session=False))
            await session.commit()
            raise PairingError("run-failed") from None

        await lock_programme(session, pid)
        run = await session.get(MatchRun, run_id, populate_existing=True)
        summary = await _store(session, programme, run, result, now,
                               n_mentors=len(mentors), n_mentees=len(mentees))
        run.summary = summary
        run.status = "done"
        run.finished_at = now
        await session.flush()
        await session.commit()
    return run


def run_held(session: AsyncSession, run_id: int) -> Any:
    """While a run works its process holds it (db/locks.py): :func:`fail_stale_runs` in another
    instance then knows it is alive."""
    return locks.holding(session.bind, locks.MATCH_RUN, run_id)


async def _expire_stale_runs(session: AsyncSession, programme_id: int, now: datetime) -> None:
    await session.execute(
        update(MatchRun)
        .where(MatchRun.programme_id == programme_id, MatchRun.status == "running",
               MatchRun.started_at < now - RUN_STALE_AFTER)
        .values(status="failed", finished_at=now)
        .execution_options(synchronize_session=False)
    )


async def fail_stale_runs(session: AsyncSession, now: datetime, programme_id: int | None = None) -> int:
    """Mark every "running" run failed (of one programme, or of all): call at start-up, before
    the bot takes updates, when no run of this process can be running yet; a run left
    "running" by a crash then no longer blocks a re-run. Returns how many were marked; the
    caller commits."""
    stmt = update(MatchRun).where(MatchRun.status == "running")
    if programme_id is not None:
        stmt = stmt.where(MatchRun.programme_id == programme_id)
    if locks.shared(session.bind):  # several instances: only the runs no live process holds
        stmt = stmt.where(locks.not_held(locks.MATCH_RUN, MatchRun.id, MatchRun.status))
    result = await session.execute(stmt.values(status="failed", finished_at=now)
                                   .execution_options(synchronize_session=False))
    if result.rowcount:
        log.warning("pairing: %d matching runs left running by a previous process marked failed", result.rowcount)
    return result.rowcount or 0


async def _store(session: AsyncSession, programme: Programme, run: MatchRun, result: Any, now: datetime,
                 *, n_mentors: int, n_mentees: int) -> dict[str, Any]:
    """Replace the programme's open proposals by the run's; re-check what changed meanwhile."""
    pid = programme.id
    old = await proposals(session, pid)
    await _withdraw(session, old, now)

    # The world may have moved while the engine worked: re-read what is fixed and who is here.
    fixed = await fixed_combos(session, pid)
    excluded = await excluded_combos(session, pid)
    present = {m.id: m for m in await members(session, programme)}
    per_mentor, taken = load_of(fixed)

    fresh: dict[int, list[Any]] = defaultdict(list)
    kept = skipped = 0
    for a in result.assignments:
        if getattr(a, "fixed", False) or (a.mentor_id, a.mentee_id) in fixed:
            kept += 1
            continue
        mentor = present.get(a.mentor_id)
        mentee = present.get(a.mentee_id)
        if (mentor is None or mentee is None or a.mentee_id in taken
                or (a.mentor_id, a.mentee_id) in excluded
                or per_mentor[a.mentor_id] >= mentor.capacity):
            skipped += 1
            continue
        per_mentor[a.mentor_id] += 1
        taken.add(a.mentee_id)
        fresh[a.mentor_id].append(a)

    groups = [[a] for items in fresh.values() for a in items] if not programme.group_mode else list(fresh.values())
    n_pairs = n_groups = 0
    scores: list[float] = []
    new_pairs = []
    for items in groups:
        mean = sum(float(a.score) for a in items) / len(items)
        new_pairs.append(Pair(programme_id=pid, mentor_member_id=items[0].mentor_id, run_id=run.id, status=PROPOSED,
                              manual=False,
                              role_model=choose_role_model(programme, present[items[0].mentor_id],
                                                           [present[a.mentee_id] for a in items]),
                              score=round(mean, 4), created_at=now, version=0))
    session.add_all(new_pairs)
    await session.flush()  # one bulk INSERT for the pairs (their ids), one for their mentees
    for pair, items in zip(new_pairs, groups):
        mentor = present[pair.mentor_member_id]
        session.add_all([PairMentee(pair_id=pair.id, mentee_member_id=a.mentee_id, score=round(float(a.score), 4),
                                    reasons=reasons_for(pair.role_model, reasons_json(a.reasons),
                                                        fits_role_model(pair.role_model, mentor, present[a.mentee_id])))
                         for a in items])
        scores.extend(float(a.score) for a in items)
        if len(items) > 1:
            n_groups += 1
        else:
            n_pairs += 1
    await session.flush()

    unmatched: dict[str, list[int]] = defaultdict(list)
    for mentee_id, why in sorted((result.unmatched or {}).items()):
        unmatched[str(why)].append(int(mentee_id))
    return {
        "mentors": n_mentors,
        "mentees": n_mentees,
        "pairs": n_pairs,
        "groups": n_groups,
        "mentees_proposed": len(scores),
        "average": round(sum(scores) / len(scores), 4) if scores else None,
        "kept": kept,
        "skipped": skipped,
        "unmatched": dict(unmatched),
        "unmatched_mentors": sorted(int(i) for i in (result.unmatched_mentors or ())),
    }


async def last_run(session: AsyncSession, programme_id: int) -> MatchRun | None:
    return await session.scalar(
        select(MatchRun).where(MatchRun.programme_id == programme_id)
        .order_by(MatchRun.started_at.desc(), MatchRun.id.desc()).limit(1)
    )


# ---------------------------------------------------------------------------------------------
# the curator's decisions
# ---------------------------------------------------------------------------------------------
async def _check_still_possible(session: AsyncSession, programme: Programme, pair: Pair, now: datetime) -> None:
    """Before approving a proposal: everyone still here, nobody taken, the mentor not over capacity."""
    mentees = staying((await pair_mentees(session, [pair.id]))[pair.id])
    ids = [pair.mentor_member_id, *(pm.mentee_member_id for pm in mentees)]
    people = await members_by_id(session, ids)
    if not mentees or any(i not in people or not people[i].present for i in ids):
        await _withdraw(session, [pair], now, (PROPOSED,))
        raise PairingError("member-left")
    per_mentor, taken = load_of(await fixed_combos(session, programme.id))
    if any(pm.mentee_member_id in taken for pm in mentees):
        await _withdraw(session, [pair], now, (PROPOSED,))
        raise PairingError("mentee-taken")
    mentor = people[pair.mentor_member_id]
    if per_mentor[mentor.id] + len(mentees) > mentor.capacity:
        raise PairingError("over-capacity", capacity=mentor.capacity)


async def _check_undecided(session: AsyncSession, pair: Pair, version: int) -> None:
    """The proposal as stored now (not as this session remembers it) is the one the curator saw."""
    row = (await session.execute(select(Pair.status, Pair.version).where(Pair.id == pair.id))).first()
    if row is None or row.status != PROPOSED or row.version != version:
        raise PairingError("already-decided")


async def approve(session: AsyncSession, programme: Programme, pair: Pair, *, curator_id: int | None,
                  now: datetime, translator: Translator, default_locale: str = "ru",
                  seen_version: int | None = None) -> Pair:
    """Approve a proposal as the curator saw it (``seen_version``, else ``pair.version`` as loaded):
    of two curators at once exactly one wins.

    Raises PairingError ``already-decided`` (someone decided first), ``member-left`` or
    ``mentee-taken`` (the proposal is withdrawn), ``over-capacity``.
    """
    if pair.programme_id != programme.id:
        raise PairingError("not-found")
    version = pair.version if seen_version is None else seen_version
    await lock_programme(session, programme.id)
    await _check_undecided(session, pair, version)
    await _check_still_possible(session, programme, pair, now)
    result = await session.execute(
        update(Pair).where(Pair.id == pair.id, Pair.version == version, Pair.status == PROPOSED)
        .values(status=APPROVED, approved_by_user_id=curator_id, approved_at=now, version=Pair.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise PairingError("already-decided")
    await session.refresh(pair)
    await send_cards(session, programme, pair, now, translator, default_locale)
    return pair


async def approve_all(session: AsyncSession, programme: Programme, *, curator_id: int | None, now: datetime,
                      translator: Translator, default_locale: str = "ru") -> tuple[int, int]:
    """Approve every open proposal that still can be, best first; returns (approved, skipped).

    The same checks as :func:`approve`, in linear time: what is fixed is read once and kept up
    to date in memory, the people of every proposal are loaded in a few chunked queries, the
    approvals are chunked conditional UPDATEs and the cards one bulk insert. Proposals with
    someone who left or a mentee taken meanwhile are withdrawn; over-capacity ones are skipped.
    """
    pid = programme.id
    await lock_programme(session, pid)
    items = await proposals(session, pid)
    if not items:
        return 0, 0
    pms = await pair_mentees(session, [p.id for p in items])
    people = await members_by_id(session, [p.mentor_member_id for p in items] +
                                 [pm.mentee_member_id for rows in pms.values() for pm in rows])
    per_mentor, taken = load_of(await fixed_combos(session, pid))
    chosen: list[Pair] = []
    gone: list[Pair] = []
    skipped = 0
    for pair in items:
        mentees = staying(pms[pair.id])
        ids = [pair.mentor_member_id, *(pm.mentee_member_id for pm in mentees)]
        if (not mentees or any(i not in people or not people[i].present for i in ids)
                or any(pm.mentee_member_id in taken for pm in mentees)):
            gone.append(pair)
            continue
        mentor = people[pair.mentor_member_id]
        if per_mentor[mentor.id] + len(mentees) > mentor.capacity:
            skipped += 1
            continue
        per_mentor[mentor.id] += len(mentees)
        taken.update(pm.mentee_member_id for pm in mentees)
        chosen.append(pair)
    skipped += len(gone)
    await _withdraw(session, gone, now, (PROPOSED,))
    approved_ids: set[int] = set()
    for part in chunked(p.id for p in chosen):
        result = await session.execute(
            update(Pair).where(Pair.id.in_(part), Pair.status == PROPOSED)
            .values(status=APPROVED, approved_by_user_id=curator_id, approved_at=now, version=Pair.version + 1)
            .returning(Pair.id)
            .execution_options(synchronize_session=False)
        )
        approved_ids.update(result.scalars().all())
        await session.scalars(select(Pair).where(Pair.id.in_(part)).execution_options(populate_existing=True))
    skipped += len(chosen) - len(approved_ids)
    unit = await _unit_of(session, programme)
    specs: list[dict[str, Any]] = []
    for pair in chosen:
        if pair.id not in approved_ids:
            continue
        mentees = [(pm, people[pm.mentee_member_id]) for pm in staying(pms[pair.id])]
        specs.extend(_card_specs(programme, pair, people[pair.mentor_member_id], mentees, unit, now,
                                 translator, default_locale, KIND_CARD))
    await _enqueue_many(session, specs)
    return len(approved_ids), skipped


async def reject(session: AsyncSession, programme: Programme, pair: Pair, *, now: datetime,
                 seen_version: int | None = None) -> Pair:
    """Reject a proposal: its combinations are never proposed again."""
    if pair.programme_id != programme.id:
        raise PairingError("not-found")
    version = pair.version if seen_version is None else seen_version
    await lock_programme(session, programme.id)
    await _check_undecided(session, pair, version)
    result = await session.execute(
        update(Pair).where(Pair.id == pair.id, Pair.version == version, Pair.status == PROPOSED)
        .values(status=REJECTED, ended_at=now, version=Pair.version + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise PairingError("already-decided")
    await session.refresh(pair)
    return pair


async def withdraw_approved(session: AsyncSession, programme: Programme, pair: Pair, *, now: datetime,
                            curator_id: int | None = None, seen_version: int | None = None) -> Pair:
    """The curator withdraws an approved pair nobody has finished answering: status ``withdrawn``
    (the combination may be proposed again), the mentor's place is free, and both sides are told
    through the outbox (their unanswered cards and reminders are dropped by their relevance check).
    Raises PairingError ``not-found`` or ``already-decided`` (not approved any more, or changed
    since the curator saw it)."""
    from domain.people import audit

    if pair.programme_id != programme.id:
        raise PairingError("not-found")
    version = pair.version if seen_version is None else seen_version
    await lock_programme(session, programme.id)
    result = await session.execute(
        update(Pair).where(Pair.id == pair.id, Pair.version == version, Pair.status == APPROVED)
        .values(status=WITHDRAWN, ended_at=now, version=Pair.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(pair)
    if result.rowcount != 1:
        raise PairingError("already-decided")
    await audit(session, "pair.withdrawn", curator_id, "pair", pair.id)
    await _tell_cancelled(session, programme, pair, now, key="pair-withdrawn-by-curator-notice")
    return pair


async def check_manual(session: AsyncSession, programme: Programme, mentor: Member | None,
                       mentee: Member | None, now: datetime) -> tuple[float, list[dict[str, Any]]]:
    """Whether the curator may pair these two by hand; returns the pair's score and reasons."""
    if mentor is None or mentee is None or mentor.side != "mentor" or mentee.side != "mentee":
        raise PairingError("not-found")
    if not mentor.present or not mentee.present:
        raise PairingError("member-left")
    if not mentee.consent_ok or not mentor.consent_ok:
        raise PairingError("no-consent", name=mentee.name if not mentee.consent_ok else mentor.name)
    pid = programme.id
    fixed = await fixed_combos(session, pid)
    per_mentor, taken = load_of(fixed)
    if mentee.id in taken:
        raise PairingError("mentee-taken")
    if per_mentor[mentor.id] >= mentor.capacity:
        raise PairingError("over-capacity", capacity=mentor.capacity)
    if (mentor.id, mentee.id) in await refused_combos(session, pid):
        raise PairingError("declined-before")
    prefs = await _preferences(session, pid)
    a, b = to_person(mentor, prefs), to_person(mentee, prefs)
    spec = make_spec(programme, now)
    rule = engine.eligible(a, b, spec)
    if rule is not None:
        raise PairingError("not-eligible", rule=rule)
    value, reasons = engine.score(a, b, spec)
    return float(value), reasons_json(reasons)


async def manual_pair(session: AsyncSession, programme: Programme, mentor_id: int, mentee_id: int, *,
                      curator_id: int | None, now: datetime, translator: Translator,
                      default_locale: str = "ru") -> Pair:
    """Pair two members by hand: an approved pair (cards sent). Open proposals of the mentee
    are withdrawn. Refuses what breaks the hard rules (the engine's ``eligible``), a mentee
    already paired, a mentor at capacity, a combination someone declined."""
    await lock_programme(session, programme.id)
    mentor = await member(session, programme, mentor_id)
    mentee = await member(session, programme, mentee_id)
    value, reasons = await check_manual(session, programme, mentor, mentee, now)
    open_ids = {pid for pid, _, e in await _combos(session, programme.id, (PROPOSED,)) if e == mentee_id}
    if open_ids:
        await _withdraw(session, (await session.scalars(select(Pair).where(Pair.id.in_(open_ids)))).all(), now)
    role_model = choose_role_model(programme, mentor, [mentee])
    pair = Pair(programme_id=programme.id, mentor_member_id=mentor_id, status=APPROVED, manual=True,
                role_model=role_model, score=round(value, 4), created_at=now,
                approved_by_user_id=curator_id, approved_at=now, version=1)
    session.add(pair)
    await session.flush()
    session.add(PairMentee(pair_id=pair.id, mentee_member_id=mentee_id, score=round(value, 4),
                           reasons=reasons_for(role_model, reasons, fits_role_model(role_model, mentor, mentee))))
    await session.flush()
    await send_cards(session, programme, pair, now, translator, default_locale)
    return pair


async def unanswered_count(session: AsyncSession, programme_id: int) -> int:
    """Approved pairs still waiting for answers after the curators were told (reported)."""
    return int(await session.scalar(
        select(func.count()).select_from(Pair)
        .where(Pair.programme_id == programme_id, Pair.status == APPROVED, Pair.reported_at.is_not(None))
    ) or 0)


# ---------------------------------------------------------------------------------------------
# the programme's matching weights (Programme.weights; the engine reads them through make_spec)
# ---------------------------------------------------------------------------------------------
WEIGHT_NAMES: Final = tuple(engine.Weights().as_dict())  # interests, goals, ..., role_model
WEIGHT_STEP: Final = 0.5
WEIGHT_MIN: Final = 0.0
WEIGHT_MAX: Final = 10.0


def weights_of(programme: Programme) -> dict[str, float]:
    """Every weight as the engine will use it (the programme's overrides over the defaults)."""
    return engine.Weights.from_mapping(programme.weights or {}).as_dict()


async def adjust_weight(session: AsyncSession, programme: Programme, name: str, steps: int) -> dict[str, float]:
    """Move one weight by ``steps`` of WEIGHT_STEP, kept within [WEIGHT_MIN, WEIGHT_MAX]; only
    values that differ from the defaults are stored. PairingError ``not-found`` for an unknown name."""
    if name not in WEIGHT_NAMES:
        raise PairingError("not-found")
    await lock_programme(session, programme.id)
    await session.refresh(programme)
    values = weights_of(programme)
    value = round((values[name] + steps * WEIGHT_STEP) / WEIGHT_STEP) * WEIGHT_STEP
    values[name] = min(WEIGHT_MAX, max(WEIGHT_MIN, value))
    defaults = engine.Weights().as_dict()
    programme.weights = {k: v for k, v in values.items() if v != defaults[k]}  # a new dict: the change is seen
    await session.flush()
    return weights_of(programme)


async def reset_weights(session: AsyncSession, programme: Programme) -> dict[str, float]:
    """Back to the engine's defaults."""
    await lock_programme(session, programme.id)
    programme.weights = {}
    await session.flush()
    return weights_of(programme)


# ---------------------------------------------------------------------------------------------
# describing a match in words
# ---------------------------------------------------------------------------------------------
def item_label(t: Callable[..., str], code: str, item: str) -> str:
    """One item of an engine's reason in words (see ``domain.matching.model.Reason``), as the
    curator reads it."""
    if code == "shared_interests":
        return item if item.startswith("#") else t(catalog.interest_label_key(item))
    if code == "goals_covered":
        return t(catalog.label_key("goals", item))
    if code == "time_overlap":
        day, _, tod = item.partition(":")
        return t("pair-slot", day=t(f"cat-day-short-{day}"), time=t(f"cat-tod-{tod}"))
    if code == "same_format":
        return t(f"cat-format-{item}")
    if code in ("preference", "mutual_preference"):
        side, _, rank = item.partition(":")
        return t("pair-named-by", side=side, rank=int(rank) if rank.isdigit() else 0)
    if code == "role_model":
        return label_or_code(t, f"role-model-{item}", item)
    return item


REASON_KEYS: Final = {
    "shared_interests": "pair-reason-interests",
    "goals_covered": "pair-reason-goals",
    "time_overlap": "pair-reason-times",
    "same_format": "pair-reason-format",
    "preference": "pair-reason-preference",
    "mutual_preference": "pair-reason-mutual",
    "role_model": "pair-reason-role-model",
}


def _reader_line(t: Callable[..., str], code: str, raw: list[str], reader: str) -> str | None:
    """A reason said to the participant who reads the card (in the second person), or None when
    it reads the same for everyone: whose choice it was (never its rank), what the mentor is
    strong in."""
    if code == "preference":
        sides = {i.partition(":")[0] for i in raw}
        return t("pair-card-chosen", who="you" if reader in sides else "partner", reader=reader)
    if code == "mutual_preference":
        return t("pair-card-chosen-both")
    return None


def describe_reasons(t: Callable[..., str], reasons: Iterable[dict[str, Any]], *, participant: bool = False,
                     reader: str = "mentee", max_reasons: int | None = None,
                     max_items: int | None = None) -> list[str]:
    """One line per reason in plain words, e.g. "shared interests: music, IT"; unknown codes are
    skipped (an engine newer than the locales).

    ``participant``: for a participant's card, spoken to its ``reader`` (mentor | mentee) in the
    second person: no role-model reason (it labels people, e.g. "an achiever and an
    underachiever") and no ranks of anybody's choice; ``max_reasons`` and ``max_items`` keep a
    card short (the rest of a reason's items become "…")."""
    lines = []
    for r in reasons or ():
        code = str(r.get("code", ""))
        key = REASON_KEYS.get(code)
        if key is None or (participant and code in PARTICIPANT_HIDDEN):
            continue
        raw = [str(i) for i in (r.get("items") or ())]
        line = _reader_line(t, code, raw, reader) if participant else None
        if line is None:
            items = [item_label(t, code, i) for i in raw[:max_items]]
            text = ", ".join(items) + ("…" if max_items is not None and len(raw) > max_items else "")
            if participant and code == "goals_covered":
                line = t("pair-card-reason-goals", items=text, reader=reader)
            else:
                line = t(key, items=text, n=len(items))
        lines.append(line)
        if max_reasons is not None and len(lines) >= max_reasons:
            break
    return lines


def _cut(text: str, limit: int) -> str:
    """``text`` at most ``limit`` characters long, cut between words with "…" (domain.text.shorten;
    hard: a Fluent placeable has a hard limit)."""
    return shorten(text, limit, hard=True)


def card_shared(t: Callable[..., str], reasons: Iterable[dict[str, Any]], reader: str = "mentee") -> str:
    """The "what you share" part of a participant's card, spoken to its ``reader`` (mentor |
    mentee): a few short reasons, nothing stigmatising."""
    lines = describe_reasons(t, reasons, participant=True, reader=reader, max_reasons=CARD_REASONS,
                             max_items=CARD_ITEMS)
    return _cut("; ".join(lines), CARD_LINE_MAX) if lines else t("pair-shared-none")


def percent(score: float | None) -> int:
    """A score (0..1) as a whole percentage."""
    if score is None:
        return 0
    return max(0, min(100, round(float(score) * 100)))


# ---------------------------------------------------------------------------------------------
# cards, answers, notices
# ---------------------------------------------------------------------------------------------
async def _unit_of(session: AsyncSession, programme: Programme) -> Unit | None:
    return await session.get(Unit, programme.unit_id)


def _tz(unit: Unit | None) -> str | None:
    return unit.timezone if unit is not None and unit.timezone else None


def _answer_buttons(pair_id: int) -> list[list[dict[str, Any]]]:
    return [[{"text_key": "pair-btn-accept", "callback_data": f"{CB_ANSWER}:{pair_id}:y"},
             {"text_key": "pair-btn-decline", "callback_data": f"{CB_ANSWER}:{pair_id}:n"}]]


def _card_args(t: Callable[..., str], programme: Programme, who: Member, mentor: Member,
               mentees: list[tuple[PairMentee, Member]]) -> tuple[str, dict[str, Any]]:
    """(key, args) of a person's card, with the shared part rendered in their language."""
    if who.side == "mentor":
        # a line per mentee, each cut short; a group of 10 stays far below Fluent's 2,500 characters
        lines = [_cut(t("pair-card-mentee-line", name=_cut(m.name, 60), details=_cut(details(t, m.participant), 60),
                        shared=card_shared(t, pm.reasons, "mentor")), CARD_LINE_MAX) for pm, m in mentees]
        return "pair-card-for-mentor", {"programme": programme.title, "n": len(mentees),
                                        "mentees": _cut("\n".join(lines), PLACEABLE_MAX)}
    pm = next(pm for pm, m in mentees if m.id == who.id)
    others = [m.name for _, m in mentees if m.id != who.id]
    return "pair-card-for-mentee", {
        "programme": programme.title, "name": mentor.name, "details": _cut(details(t, mentor.participant), 200),
        "shared": card_shared(t, pm.reasons, "mentee"), "group": len(others),
        "others": _cut(", ".join(others), 800) or "—",
    }


def details(t: Callable[..., str], p: Participant) -> str:
    """Category, grade or course, company: how a person is introduced in a card."""
    parts = [t(f"cat-{p.category}")] if p.category else []
    if p.grade:
        parts.append(t("cat-grade", n=p.grade))
    if p.course:
        parts.append(t("cat-course", n=p.course))
    if p.company:
        parts.append(p.company)
    return ", ".join(parts) or "—"


async def people_of(session: AsyncSession, pair: Pair) -> tuple[Member | None, list[tuple[PairMentee, Member]]]:
    """The mentor and the (staying) mentees of a pair, with their members."""
    pms = staying((await pair_mentees(session, [pair.id]))[pair.id])
    people = await members_by_id(session, [pair.mentor_member_id, *(pm.mentee_member_id for pm in pms)])
    return people.get(pair.mentor_member_id), [(pm, people[pm.mentee_member_id]) for pm in pms
                                               if pm.mentee_member_id in people]


def _card_specs(programme: Programme, pair: Pair, mentor: Member, mentees: list[tuple[PairMentee, Member]],
                unit: Unit | None, now: datetime, translator: Translator, default_locale: str,
                kind: str) -> list[dict[str, Any]]:
    """The ``enqueue`` arguments of the cards (or reminders) of a pair's sides still to answer."""
    targets: list[Member] = []
    if pair.mentor_answer is None:
        targets.append(mentor)
    targets.extend(m for pm, m in mentees if pm.answer is None)
    specs = []
    for who in targets:
        if not who.reachable or not who.present:
            continue
        t = translator.bind(who.user.locale or default_locale)
        key, args = _card_args(t, programme, who, mentor, mentees)
        if kind == KIND_REMINDER:
            card = t(key, **args)  # in two placeables: each must stay under Fluent's limit
            args = {"card": card[:PLACEABLE_MAX], "card_rest": _cut(card[PLACEABLE_MAX:], PLACEABLE_MAX)}
            key = "pair-reminder"
        specs.append(dict(user_id=who.user.id, chat_id=who.user.tg_id, kind=kind, key=key, args=args,
                          buttons=_answer_buttons(pair.id), due_at=now, tz=_tz(unit),
                          dedupe_key=f"{kind}:{pair.id}:{who.id}"))
    return specs


async def _enqueue_many(session: AsyncSession, specs: list[dict[str, Any]]) -> int:
    """``enqueue`` for many rows with fresh dedupe keys: one look-up of the keys taken (chunked),
    one bulk insert. Should a key be taken concurrently, falls back to ``enqueue`` row by row."""
    if not specs:
        return 0
    keys = [s["dedupe_key"] for s in specs]
    taken: set[str] = set()
    for i in range(0, len(keys), IN_CHUNK):
        taken.update((await session.scalars(
            select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(keys[i:i + IN_CHUNK]))
        )).all())
    fresh = [s for s in specs if s["dedupe_key"] not in taken]
    rows = [OutboxMessage(user_id=s["user_id"], chat_id=s["chat_id"], kind=s["kind"],
                          payload=build_payload(s["key"], s["args"], s["buttons"]), dedupe_key=s["dedupe_key"],
                          tz=s["tz"], due_at=s["due_at"], status=OUTBOX_PENDING, attempts=0) for s in fresh]
    try:
        async with session.begin_nested():
            session.add_all(rows)
            await session.flush()
    except IntegrityError:
        log.debug("pairing: a card's dedupe key was taken concurrently; queuing one by one")
        sent = 0
        for s in fresh:
            sent += await enqueue(session, **s) is not None
        return sent
    return len(rows)


async def send_cards(session: AsyncSession, programme: Programme, pair: Pair, now: datetime,
                     translator: Translator, default_locale: str = "ru", *, kind: str = KIND_CARD) -> int:
    """Queue a card (or a reminder: ``kind``) to each side of an approved pair still to answer."""
    mentor, mentees = await people_of(session, pair)
    if mentor is None:
        return 0
    unit = await _unit_of(session, programme)
    sent = 0
    for spec in _card_specs(programme, pair, mentor, mentees, unit, now, translator, default_locale, kind):
        sent += await enqueue(session, **spec) is not None
    return sent


async def curators_to_tell(session: AsyncSession, programme: Programme, pair: Pair | None = None) -> list[User]:
    """The curators of the programme's unit (the nearest level that has any), else the approver."""
    unit = await _unit_of(session, programme)
    roles = await curators_of_subtree_roots(session, unit) if unit is not None else []
    depth = {int(p): i for i, p in enumerate(unit.path.strip("/").split("/"))} if unit is not None else {}
    if roles:
        nearest = max(depth.get(r.unit_id, -1) for r in roles)
        ids = sorted({r.user_id for r in roles if depth.get(r.unit_id, -1) == nearest})
    elif pair is not None and pair.approved_by_user_id is not None:
        ids = [pair.approved_by_user_id]
    else:
        ids = []
    if not ids:
        return []
    users = (await session.scalars(select(User).where(User.id.in_(ids)).order_by(User.id))).all()
    return [u for u in users if u.tg_id is not None and u.erased_at is None]


async def tell_curators(session: AsyncSession, programme: Programme, pair: Pair | None, *, kind: str, key: str,
                        args: dict[str, Any], now: datetime, tag: str,
                        buttons: list[list[dict[str, Any]]] | None = None, attention_kind: str | None = None,
                        ref: str | None = None) -> int:
    """Tell the programme's curators (:func:`curators_to_tell`): an item of their "needs your
    attention" list (domain.attention), gathered into their next summary. ``kind`` names the
    notice (the dedupe key's prefix: "<kind>:<programme>:<tag>:<curator>") and, through
    ``ATTENTION_KIND``, the item's kind unless ``attention_kind`` is given; ``tag`` is
    "<pair id>" or "<pair id>:<member id>", and the item's ref "p<tag>" unless ``ref`` is given.
    Returns how many curators got a new item."""
    unit = await _unit_of(session, programme)
    open_button = [{"text_key": "pair-btn-open", "callback_data": f"{CB_OPEN}:{programme.id}"}]
    sent = 0
    for user in await curators_to_tell(session, programme, pair):
        item = await attention.add_item(session, user.id, attention_kind or ATTENTION_KIND[kind], ref or f"p{tag}",
                                        {"programme": programme.title, **args},
                                        f"{kind}:{programme.id}:{tag}:{user.id}", key=key,
                                        buttons=[*(buttons or []), open_button], unit_id=programme.unit_id,
                                        tz=_tz(unit), now=now)
        sent += item is not None
    return sent


# what curators are told becomes these attention kinds (domain.attention; checks below)
ATTENTION_KIND: Final = {KIND_ACTIVE: "started", KIND_DECLINED: "declined", KIND_UNANSWERED: "silent",
                         KIND_WITHDRAWN: "withdrawn"}


def _ref_ids(ref: str) -> tuple[int | None, int | None]:
    """("p12:34") -> (12, 34); ("p12") -> (12, None); anything else (None, None)."""
    head, _, tail = ref.partition(":")
    if head[:1] != "p" or not head[1:].isdigit():
        return None, None
    return int(head[1:]), int(tail) if tail.isdigit() else None


async def _pairs_of_items(session: AsyncSession, items: list[Any]) -> dict[int, Pair]:
    ids = {pid for pid, _ in (_ref_ids(i.ref) for i in items) if pid is not None}
    found: dict[int, Pair] = {}
    for part in chunked(ids):
        found.update({p.id: p for p in (await session.scalars(
            select(Pair).where(Pair.id.in_(part)).execution_options(populate_existing=True))).all()})
    return found


async def _started_open(session: AsyncSession, items: list[Any], now: datetime) -> set[int]:
    """"A pair started" stays on the list while the pair is active (and nobody saw it)."""
    pairs = await _pairs_of_items(session, items)
    return {i.id for i in items if (p := pairs.get(_ref_ids(i.ref)[0])) is not None and p.status == ACTIVE}


async def _silent_open(session: AsyncSession, items: list[Any], now: datetime) -> set[int]:
    """"Still unanswered" stays while the pair waits for answers."""
    pairs = await _pairs_of_items(session, items)
    return {i.id for i in items if (p := pairs.get(_ref_ids(i.ref)[0])) is not None and p.status == APPROVED}


async def _stranded_open(session: AsyncSession, items: list[Any], now: datetime) -> set[int]:
    """A decline (ref p<pair>:<who declined>) or a withdrawn pair (ref p<pair>) stays open while
    someone it left without a pair is still without one in the (active) programme: the mentees of
    a mentor who declined or of a withdrawn pair, or the mentee who declined."""
    pairs = await _pairs_of_items(session, items)
    pms = await pair_mentees(session, list(pairs))
    wanted: dict[int, list[int]] = {}
    for item in items:
        pid, who = _ref_ids(item.ref)
        pair = pairs.get(pid)
        if pair is None:
            continue
        if who is not None and who != pair.mentor_member_id:
            wanted[item.id] = [who]
        else:
            wanted[item.id] = [pm.mentee_member_id for pm in pms.get(pair.id, [])]
    people = await members_by_id(session, [m for ids in wanted.values() for m in ids])
    present = {m for m, who in people.items() if who.present}
    fixed: set[int] = set()
    for part in chunked(present):
        fixed.update((await session.scalars(
            select(PairMentee.mentee_member_id).join(Pair, Pair.id == PairMentee.pair_id)
            .where(PairMentee.mentee_member_id.in_(part), Pair.status.in_(FIXED),
                   or_(PairMentee.answer.is_(None), PairMentee.answer != DECLINED_ANSWER)))).all())
    live_programmes: dict[int, bool] = {}
    still: set[int] = set()
    for item in items:
        pair = pairs.get(_ref_ids(item.ref)[0])
        if pair is None or item.id not in wanted:
            continue
        if pair.programme_id not in live_programmes:
            programme = await session.get(Programme, pair.programme_id)
            live_programmes[pair.programme_id] = programme is not None and programme.status == ACTIVE
        if live_programmes[pair.programme_id] and any(m in present and m not in fixed for m in wanted[item.id]):
            still.add(item.id)
    return still


attention.register_kind("declined", order=30, check=_stranded_open)
attention.register_kind("silent", order=40, check=_silent_open)
attention.register_kind("withdrawn", order=50, check=_stranded_open)
attention.register_kind("started", order=100, fyi=True, check=_started_open)


@dataclass
class Answered:
    """What :func:`answer` did: ``outcome`` is waiting | active | declined."""

    pair: Pair
    programme: Programme
    outcome: str


async def pair_of_user(session: AsyncSession, pair_id: int, user: User | None) -> tuple[Pair, Programme, Member]:
    """The pair and the user's member in it; PairingError ``not-yours`` otherwise."""
    pair = await session.scalar(select(Pair).where(Pair.id == pair_id).execution_options(populate_existing=True))
    if pair is None or user is None:
        raise PairingError("not-yours")
    pms = (await pair_mentees(session, [pair.id]))[pair.id]
    people = await members_by_id(session, [pair.mentor_member_id, *(pm.mentee_member_id for pm in pms)])
    mine = [m for m in people.values() if m.participant.user_id == user.id]
    if not mine:
        raise PairingError("not-yours")
    programme = await session.get(Programme, pair.programme_id)
    return pair, programme, mine[0]


async def check_can_answer(session: AsyncSession, pair: Pair, me: Member
                           ) -> tuple[PairMentee | None, list[PairMentee]]:
    """Whether ``me`` may answer ``pair`` now; returns (their mentee row or None for the mentor,
    all mentee rows). Raises ``not-yours``, ``already-answered`` or ``no-longer-valid``."""
    if not me.present:
        raise PairingError("not-yours")
    mentees = (await pair_mentees(session, [pair.id]))[pair.id]
    mine = None
    if me.id != pair.mentor_member_id:
        mine = next((pm for pm in mentees if pm.mentee_member_id == me.id), None)
        if mine is None:
            raise PairingError("not-yours")
    own = pair.mentor_answer if mine is None else mine.answer
    # an answer given to a pair that then happened (or that this person declined) is "already
    # answered"; any other pair no longer approved (cancelled, declined by someone else, withdrawn)
    # is "no longer valid", whatever this person had answered
    if own is not None and (pair.status in (APPROVED, ACTIVE, ENDED, DISSOLVED) or own == DECLINED_ANSWER):
        raise PairingError("already-answered", answer=own)
    if pair.status != APPROVED:
        raise PairingError("no-longer-valid")
    return mine, mentees


async def answer(session: AsyncSession, pair_id: int, user: User | None, *, accepted: bool, reason: str | None,
                 now: datetime) -> Answered:
    """A participant accepts or declines an approved pair.

    In a group a mentee's decline takes only them out; the mentor's decline (or the last
    mentee's) declines the whole pair. Raises PairingError: ``not-yours`` (not a member of that
    pair), ``no-longer-valid`` (withdrawn, rejected, declined by someone else, or someone
    left), ``already-answered``.
    """
    pair, programme, me = await pair_of_user(session, pair_id, user)
    await lock_programme(session, programme.id)
    await session.refresh(pair)
    if pair.status == APPROVED and me.present:
        await sweep_departed(session, now, programme_id=programme.id, pair_ids=[pair.id])
        await session.refresh(pair)
    mine, mentees = await check_can_answer(session, pair, me)
    is_mentor = mine is None
    reason = (reason or "").strip()[:REASON_MAX] or None
    verdict = ACCEPTED_ANSWER if accepted else DECLINED_ANSWER
    if is_mentor:
        pair.mentor_answer, pair.mentor_answered_at, pair.mentor_reason = verdict, now, reason
    else:
        mine.answer, mine.answered_at, mine.reason = verdict, now, reason
    pair.version += 1
    left = staying(mentees)
    if (not accepted and is_mentor) or not left:
        pair.status, pair.ended_at = DECLINED, now
    elif pair.mentor_answer == ACCEPTED_ANSWER and all(pm.answer == ACCEPTED_ANSWER for pm in left):
        pair.status, pair.activated_at = ACTIVE, now
    await session.flush()

    mentor, people = await people_of(session, pair)
    if not accepted:
        await _tell_decline(session, programme, pair, me, mentor, people, reason, now)
        if pair.status == DECLINED:
            await _tell_cancelled(session, programme, pair, now, skip={me.id})
    if pair.status == ACTIVE:
        await tell_curators(session, programme, pair, kind=KIND_ACTIVE, key="pair-active-notice",
                            args={"mentor": mentor.name if mentor else "—", "n": len(people),
                                  "mentees": ", ".join(m.name for _, m in people) or "—"},
                            now=now, tag=f"{pair.id}")
        await _prompt_goals(session, programme, pair, people, now)
    outcome = DECLINED if not accepted else (ACTIVE if pair.status == ACTIVE else "waiting")
    return Answered(pair, programme, outcome)


async def _tell_decline(session: AsyncSession, programme: Programme, pair: Pair, me: Member, mentor: Member | None,
                        people: list[tuple[PairMentee, Member]], reason: str | None, now: datetime) -> None:
    """The curators hear who declined, why, and whom to pair instead, both ways: a mentor for
    each mentee the decline leaves without one (the mentee who declined, or the mentees of a
    mentor who did) and a mentee for the place it frees at the mentor. A button pairs each
    suggestion, and "pair by hand" buttons open the manual lists for those left without a pair
    (always, so the curator is never stuck when nothing is suggested)."""
    if me.id == pair.mentor_member_id:
        stranded = [m for _, m in people]
        others = ", ".join(m.name for m in stranded) or "—"
    else:
        stranded = [me]
        others = mentor.name if mentor else "—"
    found = await suggestions(session, programme, now, stranded, mentor)
    # numbered, with the full names; each button carries the same number and short names (one
    # mentor may be offered to several mentees: the number tells their buttons apart)
    lines = [f"{n}. {s_mentee.name} ← {s_mentor.name} ({percent(value)} %)"
             for n, (s_mentor, s_mentee, value) in enumerate(found, 1)]
    args: dict[str, Any] = {
        "who": me.name, "role": me.side, "others": others,
        "reason": reason or "", "has_reason": "yes" if reason else "no",
        "mode": "pairs" if found else "none", "suggested": "\n".join(lines),
    }
    buttons = [[{"text_key": "pair-btn-make-suggested",
                 "args": {"n": n, "mentor": short_name(s_mentor.name), "mentee": short_name(s_mentee.name)},
                 "callback_data": f"{CB_MAKE}:{programme.id}:{s_mentor.id}:{s_mentee.id}:1"}]
               for n, (s_mentor, s_mentee, _) in enumerate(found, 1)]
    buttons.extend(_manual_buttons(programme, stranded, mentor))
    await tell_curators(session, programme, pair, kind=KIND_DECLINED, key="pair-declined-notice", args=args,
                        now=now, tag=f"{pair.id}:{me.id}", buttons=buttons or None)


GROUP_SUGGESTIONS: Final = 5  # mentors suggested for the mentees a declined pair or group leaves without one
MANUAL_BUTTONS: Final = 3  # a decline leaving this many mentees or more gets the general "pair by hand" list


def _manual_buttons(programme: Programme, stranded: Sequence[Member], mentor: Member | None
                    ) -> list[list[dict[str, Any]]]:
    """Buttons opening the manual lists as a new message: a mentor for each mentee left without
    one (mentee first), a mentee for the freed mentor; the general list when a group leaves more."""
    rows = []
    left = [who for who in stranded if who.present]
    if len(left) < MANUAL_BUTTONS:
        rows.extend([{"text_key": "pair-btn-manual-mentor-for", "args": {"name": who.name},
                      "callback_data": f"{CB_PICK}:{programme.id}:0:0:{who.id}:1"}] for who in left)
    else:
        rows.append([{"text_key": "pair-btn-manual", "callback_data": f"{CB_PICK}:{programme.id}:0:0:0:1"}])
    if mentor is not None and mentor.present:
        rows.append([{"text_key": "pair-btn-manual-mentee-for", "args": {"name": mentor.name},
                      "callback_data": f"{CB_PICK}:{programme.id}:{mentor.id}:0:0:1"}])
    return rows


@dataclass
class _Pool:
    """What the replacements after a decline need of a programme, read once for all of them."""

    per_mentor: dict[int, int]  # places taken (and promised to earlier suggestions) per mentor
    taken: set[int]  # mentees in a fixed pair
    excluded: set[tuple[int, int]]
    prefs: dict[int, tuple[int, ...]]
    spec: Any
    mentors: list[Member]
    mentees: list[Member]


async def _pool(session: AsyncSession, programme: Programme, now: datetime) -> _Pool:
    pid = programme.id
    per_mentor, taken = load_of(await fixed_combos(session, pid))
    everyone = await members(session, programme)
    return _Pool(per_mentor, taken, await excluded_combos(session, pid), await _preferences(session, pid),
                 make_spec(programme, now), [m for m in everyone if m.side == "mentor"],
                 [m for m in everyone if m.side == "mentee"])


async def suggestions(session: AsyncSession, programme: Programme, now: datetime, stranded: Sequence[Member],
                      mentor: Member | None) -> list[tuple[Member, Member, float]]:
    """Replacements after a decline, as (mentor, mentee, score): the best mentor with a free place
    for each mentee left without a pair (up to GROUP_SUGGESTIONS), then the best mentee nobody
    has for the mentor's freed place; never one mentor's free place promised twice, never a
    mentee suggested twice, never an excluded combination (the engine's hard rules and the
    never-again list are :func:`suggest`'s). The programme is read once for all of them."""
    pool = await _pool(session, programme, now)
    found: list[tuple[Member, Member, float]] = []
    for mentee in stranded:
        if len(found) >= GROUP_SUGGESTIONS:
            break
        if not mentee.present:
            continue
        suggestion = suggest(pool, mentee=mentee)
        if suggestion is not None:
            pool.per_mentor[suggestion[0].id] += 1  # that place is promised now
            found.append(suggestion)
    if mentor is not None:
        suggestion = suggest(pool, mentor=mentor, skip={m.id for _, m, _ in found})
        if suggestion is not None:
            found.append(suggestion)
    return found


def suggest(pool: _Pool, *, mentor: Member | None = None, mentee: Member | None = None,
            skip: Iterable[int] = ()) -> tuple[Member, Member, float] | None:
    """The best replacement, by the engine's ``eligible`` and ``score``: for a mentee, a mentor
    with free capacity; for a mentor, a mentee nobody has. Excluded combinations are skipped.
    ``pool.per_mentor`` counts the places already promised to other suggestions; ``skip``:
    mentees already suggested elsewhere."""
    skipped = set(skip)
    per_mentor, prefs, spec = pool.per_mentor, pool.prefs, pool.spec
    if mentee is not None:
        fixed_side, side = to_person(mentee, prefs), "mentor"
    elif mentor is not None and mentor.present and per_mentor[mentor.id] < mentor.capacity:
        fixed_side, side = to_person(mentor, prefs), "mentee"
    else:
        return None
    best: tuple[Member, Member, float] | None = None
    for cand in pool.mentors if side == "mentor" else pool.mentees:
        if not cand.consent_ok:
            continue
        if side == "mentor":
            pair_ids = (cand.id, mentee.id)
            if per_mentor[cand.id] >= cand.capacity:
                continue
            a, b, who = to_person(cand, prefs), fixed_side, (cand, mentee)
        else:
            pair_ids = (mentor.id, cand.id)
            if cand.id in pool.taken or cand.id in skipped:
                continue
            a, b, who = fixed_side, to_person(cand, prefs), (mentor, cand)
        if pair_ids in pool.excluded or engine.eligible(a, b, spec) is not None:
            continue
        value = float(engine.score(a, b, spec)[0])
        if best is None or value > best[2]:
            best = (who[0], who[1], value)
    return best


async def _prompt_goals(session: AsyncSession, programme: Programme, pair: Pair,
                        mentees: list[tuple[PairMentee, Member]], now: datetime) -> None:
    """A pair has just started: each mentee is asked to record their goals (intermediate results
    are marked against them later, and the mentor sees them)."""
    unit = await _unit_of(session, programme)
    for _, who in mentees:
        if not who.reachable or not who.present:
            continue
        await enqueue(session, user_id=who.user.id, chat_id=who.user.tg_id, kind=KIND_GOALS_PROMPT,
                      key="pair-goals-prompt", args={"programme": programme.title}, due_at=now,
                      tz=_tz(unit), dedupe_key=f"{KIND_GOALS_PROMPT}:{pair.id}:{who.id}")


def _partners(who: Member, mentor: Member | None, mentees: Sequence[Member],
              hide: Collection[int] = frozenset()) -> tuple[str, str]:
    """(partner_role, partner names) of a pair as ``who`` knew it from their card: the mentor's
    mentees, or a mentee's mentor; names of people who left or were erased are not shown, nor
    those of ``hide`` (being erased right now) (role "none" when nobody is left to name)."""
    def shown(m: Member) -> bool:
        return m.present and bool(m.participant.full_name) and m.id not in hide

    if mentor is not None and who.id == mentor.id:
        names = [m.name for m in mentees if shown(m)]
        role = "mentee" if len(names) == 1 else "mentees"
    else:
        names = [mentor.name] if mentor is not None and shown(mentor) else []
        role = "mentor"
    return (role, ", ".join(names)) if names else ("none", "")


def _erased_role(who: Member, mentor: Member | None, erased: Collection[int]) -> str:
    """Who of ``who``'s pair is being erased, as ``who`` sees them: "mentor" (their mentor),
    "mentee" (the mentor's mentee) or "co-mentee" (another mentee of their group)."""
    if mentor is not None and mentor.id in erased:
        return "mentor"
    return "mentee" if mentor is not None and who.id == mentor.id else "co-mentee"


async def _tell_cancelled(session: AsyncSession, programme: Programme, pair: Pair, now: datetime,
                          skip: set[int] = frozenset(), key: str = "pair-cancelled-notice",
                          why: str | None = None, erased: Collection[int] = frozenset()) -> None:
    """Tell the others in a pair that was approved (cards sent) that it will not happen, naming
    the pair (the programme and their partners), and close the cards they got: each card or
    reminder already delivered is edited, through the outbox, to say the proposal is cancelled,
    without its buttons (a press on a copy still open is answered by :func:`check_can_answer`).
    ``why``: declined | left | finished | erased (default: erased when ``erased`` is given,
    declined for a declined pair, else left).

    ``erased``: members being erased right now (``domain.erasure``). They are named by their role
    ("your mentee deleted their data"), never by name: these rows stay after they are sent, and
    erasure takes the name out of every stored row (a row still naming them would be dropped and
    the partner never told)."""
    pms = (await pair_mentees(session, [pair.id]))[pair.id]
    people = await members_by_id(session, [pair.mentor_member_id, *(pm.mentee_member_id for pm in pms)])
    mentor = people.get(pair.mentor_member_id)
    everyone = [people[pm.mentee_member_id] for pm in pms if pm.mentee_member_id in people]
    answered = {pm.mentee_member_id for pm in pms if pm.answer == DECLINED_ANSWER}
    why = why or ("erased" if erased else "declined" if pair.status == DECLINED else "left")
    unit = await _unit_of(session, programme)
    for who in [mentor, *(m for m in everyone if m.id not in answered)]:
        if who is None or who.id in skip or who.id in erased or not who.reachable or not who.present:
            continue
        role, partner = _partners(who, mentor, everyone, hide=erased)
        args = {"programme": programme.title, "partner_role": role, "partner": partner}
        extra = {"erased_role": _erased_role(who, mentor, erased)} if why == "erased" else {}
        await enqueue(session, user_id=who.user.id, chat_id=who.user.tg_id, kind=KIND_CANCELLED,
                      key=key, args={**args, "why": why, **extra}, due_at=now, tz=_tz(unit),
                      dedupe_key=f"{KIND_CANCELLED}:{pair.id}:{who.id}")
        if extra:  # the card says why too, by role
            await _close_cards(session, pair, who, {**args, **extra}, now, _tz(unit), key="pair-card-cancelled-erased")
        else:
            await _close_cards(session, pair, who, args, now, _tz(unit))


async def _close_cards(session: AsyncSession, pair: Pair, who: Member, args: dict[str, Any], now: datetime,
                       tz: str | None, key: str = "pair-card-cancelled") -> int:
    """Queue an edit of each card and reminder of ``pair`` delivered to ``who`` (the outbox row
    holds the message id once sent): "cancelled", no buttons. Cards not sent yet are dropped by
    their relevance check instead."""
    keys = [f"{kind}:{pair.id}:{who.id}" for kind in (KIND_CARD, KIND_REMINDER)]
    rows = (await session.execute(
        select(OutboxMessage.id, OutboxMessage.chat_id, OutboxMessage.tg_message_id)
        .where(OutboxMessage.dedupe_key.in_(keys), OutboxMessage.user_id == who.user.id,
               OutboxMessage.tg_message_id.is_not(None))
        .order_by(OutboxMessage.id)
    )).all()
    queued = 0
    for row_id, chat_id, message_id in rows:
        queued += await enqueue(session, user_id=who.user.id, chat_id=chat_id, kind=KIND_CARD_CLOSED,
                                key=key, args=args, due_at=now, tz=tz,
                                dedupe_key=f"{KIND_CARD_CLOSED}:{row_id}", edit_message_id=message_id) is not None
    return queued


# ---------------------------------------------------------------------------------------------
# people who left; reminders
# ---------------------------------------------------------------------------------------------
async def sweep_departed(session: AsyncSession, now: datetime, *, programme_id: int | None = None,
                         pair_ids: Sequence[int] | None = None) -> int:
    """Withdraw pending pairs with someone who left the programme or was erased; tell the
    curators (for approved pairs) and the others who got a card. Returns the number withdrawn."""
    gone = or_(ProgrammeMember.left_at.is_not(None), Participant.status == "erased")
    mentor_gone = (
        select(Pair.id).join(ProgrammeMember, ProgrammeMember.id == Pair.mentor_member_id)
        .join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(Pair.status.in_(PENDING), gone)
    )
    mentee_gone = (
        select(Pair.id).join(PairMentee, PairMentee.pair_id == Pair.id)
        .join(ProgrammeMember, ProgrammeMember.id == PairMentee.mentee_member_id)
        .join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(Pair.status.in_(PENDING), gone,
               or_(PairMentee.answer.is_(None), PairMentee.answer != DECLINED_ANSWER))
    )
    if programme_id is not None:
        mentor_gone = mentor_gone.where(Pair.programme_id == programme_id)
        mentee_gone = mentee_gone.where(Pair.programme_id == programme_id)
    if pair_ids is not None:
        mentor_gone = mentor_gone.where(Pair.id.in_(pair_ids))
        mentee_gone = mentee_gone.where(Pair.id.in_(pair_ids))
    ids = set((await session.scalars(mentor_gone)).all()) | set((await session.scalars(mentee_gone)).all())
    if not ids:
        return 0
    pairs = []
    for part in chunked(ids):
        pairs.extend((await session.scalars(select(Pair).where(Pair.id.in_(part)))).all())
    pairs.sort(key=lambda p: p.id)
    was = {p.id: p.status for p in pairs}
    withdrawn = await _withdraw(session, pairs, now)
    for pair in withdrawn:
        if was[pair.id] != APPROVED:
            continue
        programme = await session.get(Programme, pair.programme_id)
        pms = (await pair_mentees(session, [pair.id]))[pair.id]
        people = await members_by_id(session, [pair.mentor_member_id, *(pm.mentee_member_id for pm in pms)])
        mentor = people.get(pair.mentor_member_id)
        names = ", ".join(people[pm.mentee_member_id].name for pm in staying(pms) if pm.mentee_member_id in people)
        await tell_curators(session, programme, pair, kind=KIND_WITHDRAWN, key="pair-withdrawn-notice",
                            args={"mentor": mentor.name if mentor else "—", "mentees": names or "—"},
                            now=now, tag=f"{pair.id}")
        await _tell_cancelled(session, programme, pair, now)
    log.info("pairing: withdrew %d pairs of people who left", len(withdrawn))
    return len(withdrawn)


async def _mark_due(session: AsyncSession, mark: Any, due: Any, now: datetime,
                    limit: int | None = None) -> tuple[list[Pair], int]:
    """Approved pairs that are ``due`` and whose ``mark`` column is empty (the first ``limit`` by
    id), each marked ``now`` by a conditional UPDATE (so two processes never act on one pair
    twice); returns them and how many candidates were read."""
    stmt = select(Pair).where(Pair.status == APPROVED, mark.is_(None), due).order_by(Pair.id)
    candidates = (await session.scalars(stmt if limit is None else stmt.limit(limit))).all()
    marked = []
    for pair in candidates:
        result = await session.execute(
            update(Pair).where(Pair.id == pair.id, Pair.status == APPROVED, mark.is_(None))
            .values({mark: now}).execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            await session.refresh(pair)
            marked.append(pair)
    return marked, len(candidates)


async def _remind_due(session: AsyncSession, now: datetime, translator: Translator, default_locale: str,
                      limit: int | None = None) -> tuple[int, int]:
    """Reminders for (at most ``limit``) silent approved pairs: (cards queued, candidates read)."""
    pairs, seen = await _mark_due(session, Pair.reminded_at, Pair.approved_at <= now - REMIND_AFTER, now, limit)
    reminded = 0
    for pair in pairs:
        programme = await session.get(Programme, pair.programme_id)
        reminded += await send_cards(session, programme, pair, now, translator, default_locale, kind=KIND_REMINDER)
    return reminded, seen


async def _report_due(session: AsyncSession, now: datetime, limit: int | None = None) -> tuple[int, int]:
    """Reports to the curators of (at most ``limit``) pairs still silent after the reminder:
    (notices queued, candidates read)."""
    pairs, seen = await _mark_due(session, Pair.reported_at, Pair.reminded_at <= now - REPORT_AFTER, now, limit)
    reported = 0
    for pair in pairs:
        programme = await session.get(Programme, pair.programme_id)
        mentor, mentees = await people_of(session, pair)
        silent = ([mentor.name] if mentor and pair.mentor_answer is None else []) + \
                 [m.name for pm, m in mentees if pm.answer is None]
        if not silent:
            continue
        reported += await tell_curators(
            session, programme, pair, kind=KIND_UNANSWERED, key="pair-unanswered-notice",
            args={"mentor": mentor.name if mentor else "—", "mentees": ", ".join(m.name for _, m in mentees) or "—",
                  "silent": ", ".join(silent), "days": (now - pair.approved_at).days},
            now=now, tag=f"{pair.id}")
    return reported, seen


async def remind_and_report(session: AsyncSession, now: datetime, translator: Translator,
                            default_locale: str = "ru") -> tuple[int, int]:
    """Remind the silent sides of approved pairs once (REMIND_AFTER after approval), then
    report the still silent to the curators (REPORT_AFTER after the reminder). All in the
    caller's transaction; the scheduler uses :func:`run_remind_and_report`."""
    await sweep_departed(session, now)
    reminded, _ = await _remind_due(session, now, translator, default_locale)
    reported, _ = await _report_due(session, now)
    return reminded, reported


async def run_remind_and_report(sessionmaker: Callable[[], Any], now: datetime, translator: Translator,
                                default_locale: str = "ru", *, batch: int | None = None) -> tuple[int, int]:
    """:func:`remind_and_report` in short committed transactions: the sweep, then the pairs
    ``batch`` at a time (by default sized by time, ``domain.background.Pace``), each pair marked
    and its messages queued in the same transaction; between two batches the updates people are
    waiting on go first. A region's backlog of silent pairs (thousands after a bot was down, or
    at its first start) never holds the database (SQLite: the bot's only connection) for long."""
    async with sessionmaker() as session:
        await sweep_departed(session, now)
        await session.commit()
    totals = [0, 0]
    for k, run in enumerate((lambda s, n: _remind_due(s, now, translator, default_locale, n),
                             lambda s, n: _report_due(s, now, n))):
        pace = background.Pace(REMINDER_BATCH, fixed=batch, low=5, start=5)
        while True:
            async with background.turn(pace):
                pace.start()
                async with sessionmaker() as session:
                    pace.suit(session.bind.dialect.name)
                    count, seen = await run(session, pace.size)
                    await session.commit()
                size = pace.size
                pace.done()
            totals[k] += count
            if seen < size:
                break
            await background.between_batches()
    return totals[0], totals[1]


# ---------------------------------------------------------------------------------------------
# the annex to the order fixing the pairs
# ---------------------------------------------------------------------------------------------
async def annex_rows(session: AsyncSession, programme: Programme, default_tz: str = "UTC") -> list[AnnexRow]:
    """Active pairs and groups, one row per mentee, by mentor and mentee name; codes, not labels.
    The date a pair was fixed is its activation day in the unit's time zone (else ``default_tz``)."""
    unit = await _unit_of(session, programme)
    tz = ZoneInfo(_tz(unit) or default_tz)
    pairs = await pairs_with_status(session, programme.id, (ACTIVE,))
    pms = await pair_mentees(session, [p.id for p in pairs])
    people = await members_by_id(session, [p.mentor_member_id for p in pairs] +
                                 [pm.mentee_member_id for items in pms.values() for pm in items])
    rows = []
    for pair in pairs:
        mentor = people.get(pair.mentor_member_id)
        moment = pair.activated_at or pair.approved_at or pair.created_at
        day = moment.astimezone(tz).date()
        mentees = [people[pm.mentee_member_id] for pm in staying(pms[pair.id]) if pm.mentee_member_id in people]
        # a pair stored without one (formed before every pair got its role model) gets it as it would now
        role_model = pair.role_model or choose_role_model(programme, mentor, mentees)
        for pm in staying(pms[pair.id]):
            mentee = people.get(pm.mentee_member_id)
            rows.append(AnnexRow(mentor.name if mentor else "—", mentee.name if mentee else "—",
                                 programme.form, role_model, day))
    rows.sort(key=lambda r: (r.mentor.casefold(), r.mentee.casefold()))
    return rows


# ---------------------------------------------------------------------------------------------
# relevance of queued messages
# ---------------------------------------------------------------------------------------------
def _key_ids(row: OutboxMessage) -> list[int]:
    """The ids in a row's dedupe key ("<kind>:<id>:<id>...")."""
    return [int(x) for x in (row.dedupe_key or "").split(":")[1:] if x.isdigit()]


async def _card_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    """A card or reminder: the pair is still approved, the person still in it and still silent."""
    ids = _key_ids(row)
    if len(ids) < 2:
        return True
    pair_id, member_id = ids[0], ids[1]
    pair = await session.get(Pair, pair_id, populate_existing=True)
    if pair is None or pair.status != APPROVED:
        return False
    people = await members_by_id(session, [member_id])
    who = people.get(member_id)
    if who is None or not who.present or who.participant.user_id != row.user_id:
        return False
    if member_id == pair.mentor_member_id:
        return pair.mentor_answer is None
    pm = await session.scalar(select(PairMentee).where(PairMentee.pair_id == pair_id,
                                                       PairMentee.mentee_member_id == member_id))
    return pm is not None and pm.answer is None


async def _curator_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    """A notice to a curator: they still curate the programme's unit (or above it)."""
    ids = _key_ids(row)
    if not ids or row.user_id is None:
        return True
    programme = await session.get(Programme, ids[0])
    if programme is None:
        return False
    unit = await session.get(Unit, programme.unit_id)
    if unit is None:
        return False
    roles = await curators_of_subtree_roots(session, unit)
    if any(r.user_id == row.user_id for r in roles):
        return True
    if roles:
        return False
    # nobody curates the unit: the fallback recipient (the approving administrator) still gets it,
    # unless they were a curator here whose role has been revoked
    unit_ids = [int(i) for i in unit.path.strip("/").split("/") if i]
    revoked = await session.scalar(select(CuratorRole.id).where(CuratorRole.user_id == row.user_id,
                                                                CuratorRole.unit_id.in_(unit_ids)).limit(1))
    return revoked is None


async def _cancel_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    ids = _key_ids(row)
    if len(ids) < 2:
        return True
    people = await members_by_id(session, [ids[1]])
    who = people.get(ids[1])
    return who is not None and who.present


register_relevance(KIND_CARD, _card_relevant)
register_relevance(KIND_REMINDER, _card_relevant)
register_relevance(KIND_CANCELLED, _cancel_relevant)
for _kind in (KIND_ACTIVE, KIND_DECLINED, KIND_UNANSWERED, KIND_WITHDRAWN):
    register_relevance(_kind, _curator_relevant)


__all__ = [
    "PROPOSED", "APPROVED", "ACTIVE", "ENDED", "REJECTED", "DECLINED", "WITHDRAWN", "DISSOLVED",
    "REMIND_AFTER", "REPORT_AFTER", "PairingError", "Member", "members", "member", "run_matching",
    "approve", "approve_all", "reject", "manual_pair", "check_manual", "answer", "suggest", "suggestions",
    "sweep_departed", "remind_and_report", "run_remind_and_report", "annex_rows", "AnnexRow", "describe_reasons", "percent",
    "proposals", "status_counts", "last_run", "people_of", "get_pair", "pair_of_user",
    "chunked", "fail_stale_runs", "withdraw_approved", "unanswered_count", "weights_of", "adjust_weight",
    "reset_weights", "card_shared", "excluded_combos", "refused_combos", "fixed_combos", "load_of",
]


# ---------------------------------------------------------------------------------------------
# ending pairs and programmes (stage 7; the curator's screens are handlers/monitoring.py)
# ---------------------------------------------------------------------------------------------
KIND_DISSOLVED: Final = "pair-dissolved"
REPLACEMENTS_SHOWN: Final = 3


@dataclass
class Ended:
    """What :func:`end_pair` did: ``changed`` is False when the pair was not active any more."""

    pair: Pair
    changed: bool
    invited: int = 0  # end-survey invitations queued


@dataclass
class Finished:
    """What :func:`end_programme` did: ``changed`` is False when it was finished already."""

    changed: bool
    pairs_ended: int = 0
    withdrawn: int = 0
    invited: int = 0


async def _busy_members(session: AsyncSession, programme_id: int, member_ids: Iterable[int]) -> set[int]:
    """Of these members, those still in an active pair of the programme."""
    ids = list(member_ids)
    if not ids:
        return set()
    as_mentor = select(Pair.mentor_member_id).where(Pair.programme_id == programme_id, Pair.status == ACTIVE,
                                                    Pair.mentor_member_id.in_(ids))
    as_mentee = (select(PairMentee.mentee_member_id).join(Pair, Pair.id == PairMentee.pair_id)
                 .where(Pair.programme_id == programme_id, Pair.status == ACTIVE, PairMentee.mentee_member_id.in_(ids),
                        PairMentee.left_at.is_(None),
                        or_(PairMentee.answer.is_(None), PairMentee.answer != DECLINED_ANSWER)))
    return set((await session.scalars(as_mentor)).all()) | set((await session.scalars(as_mentee)).all())


async def _launch_end(session: AsyncSession, programme: Programme, now: datetime, by_user_id: int | None,
                      member_ids: Iterable[int], default_tz: str) -> int:
    """The final survey (its invitation thanks them) for these members; 0 when it was closed."""
    from domain import surveys
    from domain.rules import Invalid

    ids = list(member_ids)
    if not ids:
        return 0
    try:
        return await surveys.launch(session, programme, "end", now, by_user_id=by_user_id, member_ids=ids,
                                    default_tz=default_tz)
    except Invalid:  # the end survey was closed: nothing to invite to
        return 0


async def end_pair(session: AsyncSession, pair: Pair, now: datetime, by_user_id: int | None, *,
                   dissolve: bool = False, default_tz: str = "Europe/Moscow") -> Ended:
    """End an active pair: normally (``ended``: its people who have no other active pair get the
    final survey with the thank-you) or early (``dissolved``: the combination is never proposed
    again and its people are told). Queued check-ins, meeting-survey invitations and risk alerts
    about it are dropped by their relevance checks. Idempotent: a pair no longer active is left
    as it is (``changed`` False)."""
    from domain.people import audit

    await lock_programme(session, pair.programme_id)
    status = DISSOLVED if dissolve else ENDED
    result = await session.execute(
        update(Pair).where(Pair.id == pair.id, Pair.status == ACTIVE)
        .values(status=status, ended_at=now, version=Pair.version + 1)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(pair)
    if result.rowcount != 1:
        return Ended(pair, False)
    programme = await session.get(Programme, pair.programme_id)
    mentor, mentees = await people_of(session, pair)
    people = [m for m in (mentor, *(m for _, m in mentees)) if m is not None]
    await audit(session, f"pair.{status}", by_user_id, "pair", pair.id)
    invited = 0
    if dissolve:
        unit = await _unit_of(session, programme)
        for who in people:
            if not who.reachable or not who.present:
                continue
            await enqueue(session, user_id=who.user.id, chat_id=who.user.tg_id, kind=KIND_DISSOLVED,
                          key="mon-dissolved-notice", args={"programme": programme.title}, due_at=now,
                          tz=_tz(unit), dedupe_key=f"{KIND_DISSOLVED}:{pair.id}:{who.id}")
    else:
        busy = await _busy_members(session, programme.id, [m.id for m in people])
        invited = await _launch_end(session, programme, now, by_user_id,
                                    [m.id for m in people if m.id not in busy], default_tz)
    await session.flush()
    return Ended(pair, True, invited)


async def end_programme(session: AsyncSession, programme: Programme, now: datetime, by_user_id: int | None, *,
                        default_tz: str = "Europe/Moscow") -> Finished:
    """Finish a programme: every active pair ends normally, pending proposals and approved pairs
    are withdrawn (those who got a card are told), and the people of the pairs that were active
    get the final survey with the thank-you. Idempotent (``changed`` False when finished already)."""
    from domain.people import audit

    await lock_programme(session, programme.id)
    result = await session.execute(
        update(Programme).where(Programme.id == programme.id, Programme.status == "active")
        .values(status="finished", ended_at=now).execution_options(synchronize_session=False)
    )
    await session.refresh(programme)
    if result.rowcount != 1:
        return Finished(False)
    ended: list[Pair] = []
    for pair in await pairs_with_status(session, programme.id, (ACTIVE,)):
        done = await session.execute(
            update(Pair).where(Pair.id == pair.id, Pair.status == ACTIVE)
            .values(status=ENDED, ended_at=now, version=Pair.version + 1)
            .execution_options(synchronize_session=False)
        )
        if done.rowcount == 1:
            ended.append(pair)
    pending = await pairs_with_status(session, programme.id, PENDING)
    was = {p.id: p.status for p in pending}
    withdrawn = await _withdraw(session, pending, now)
    for pair in withdrawn:
        if was[pair.id] == APPROVED:
            await _tell_cancelled(session, programme, pair, now, why="finished")
    member_ids: set[int] = {p.mentor_member_id for p in ended}
    for items in (await pair_mentees(session, [p.id for p in ended])).values():
        member_ids.update(pm.mentee_member_id for pm in staying(items))
    invited = await _launch_end(session, programme, now, by_user_id, sorted(member_ids), default_tz)
    await audit(session, "programme.finished", by_user_id, "programme", programme.id, pairs=len(ended),
                withdrawn=len(withdrawn))
    await session.flush()
    return Finished(True, len(ended), len(withdrawn), invited)


async def replacements(session: AsyncSession, programme: Programme, now: datetime, mentee: Member,
                       limit: int = REPLACEMENTS_SHOWN) -> list[tuple[Member, float]]:
    """The best mentors for this mentee, best first (what :func:`suggest` picks, and the runners-up):
    eligible by the engine, with a free place, never a combination that is excluded."""
    pid = programme.id
    per_mentor, taken = load_of(await fixed_combos(session, pid))
    if mentee.id in taken or not mentee.present:
        return []
    excluded = await excluded_combos(session, pid)
    prefs = await _preferences(session, pid)
    spec = make_spec(programme, now)
    b = to_person(mentee, prefs)
    found: list[tuple[Member, float]] = []
    for cand in await members(session, programme, "mentor"):
        if not cand.consent_ok or per_mentor[cand.id] >= cand.capacity or (cand.id, mentee.id) in excluded:
            continue
        a = to_person(cand, prefs)
        if engine.eligible(a, b, spec) is not None:
            continue
        found.append((cand, float(engine.score(a, b, spec)[0])))
    found.sort(key=lambda item: (-item[1], item[0].name.casefold(), item[0].id))
    return found[:limit]


register_relevance(KIND_DISSOLVED, _cancel_relevant)

__all__ += ["ENDED", "KIND_DISSOLVED", "Ended", "Finished", "end_pair", "end_programme", "replacements"]
