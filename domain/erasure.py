"""What a person's erasure (``/deleteme``) does to the pairs and groups they are in.

:func:`leave_pairs` runs inside ``domain.people.erase_user``, in the same transaction, before the
person's data is wiped:

* an active one-to-one pair, a group whose mentor is erased, or a group left with no mentee is
  dissolved early (``dissolved``: its history stays, nobody is asked a final survey);
* an active group with other mentees goes on without an erased mentee
  (``PairMentee.left_at``): from then on they are not in it anywhere (views, check-ins, goals,
  surveys, the mentor's capacity, KPIs "now"), while the group's history and the year's counts
  keep them;
* a pending pair (proposed or approved) with them is withdrawn; those who got its card are told
  (``domain.pairing``'s cancelled notice);
* the others' queued check-ins are worded anew from the pairs they still have.

Those still in the pair or group (through the outbox) and the programme's curators (an item of
their "needs your attention" list) are told in plain words and without the erased person's name: the notices are rows that stay after they are
sent, and the name must not outlive the erasure. The erased side is named by its role
("your mentee"), the others by name.

:func:`scrub_messages` takes their name out of the messages already written for others (cards,
notices, check-ins listing partners, curators' summaries): the outbox keeps sent rows, and the
name must not stay in them.

:func:`release_erased` does the same for active pairs with someone already erased (erasures made
before this existed): called at start-up, it leaves nothing dangling. Elsewhere an erased person
who still appears in a pair's history is shown as ``person-erased`` (see ``handlers.monitoring``
and ``domain.reports``). No aiogram here.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, Final

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import CuratorRole, OutboxMessage, Pair, PairMentee, Participant, Programme, ProgrammeMember, Unit
from domain import attention, checkins, pairing
from domain.outbox import CLAIMED, DROPPED, FINAL_STATUSES, SENDING, enqueue, register_relevance

log = logging.getLogger(__name__)

KIND_PARTNER: Final = "pair-erased"  # to those still in the pair or group
KIND_CURATOR: Final = "pair-erased-curator"  # to the programme's curators (the prefix of their dedupe keys)
# ... as items of their "needs your attention" list (domain.attention), ref "e<pair>:<who left>": not
# "p<pair>", whose items the erasure closes and empties (domain.attention.forget_refs)
ATT_CURATOR: Final = "erased"
KEY_PARTNER_ENDED: Final = "pair-erased-partner-ended"
KEY_PARTNER_LEFT: Final = "pair-erased-partner-left"
KEY_CURATOR_ENDED: Final = "pair-erased-curator-ended"
KEY_CURATOR_LEFT: Final = "pair-erased-curator-left"
KEY_OPEN_PAIR: Final = "risk-btn-open"  # "open the pair": the curator's pair screen (wr:<pair id>)
CB_OPEN_PAIR: Final = "wr"  # domain.checkins.CB_RISK_OPEN, handled by handlers/monitoring.py

NOT_DECLINED = or_(PairMentee.answer.is_(None), PairMentee.answer != pairing.DECLINED_ANSWER)


async def _member_ids(session: AsyncSession, participant_id: int) -> set[int]:
    return set((await session.scalars(
        select(ProgrammeMember.id).where(ProgrammeMember.participant_id == participant_id))).all())


async def _pairs_with(session: AsyncSession, member_ids: Iterable[int], statuses: tuple[str, ...]) -> list[Pair]:
    """Pairs in ``statuses`` with one of these members as the mentor or as a mentee still in it."""
    ids: set[int] = set()
    for part in pairing.chunked(member_ids):
        ids.update((await session.scalars(
            select(Pair.id).where(Pair.status.in_(statuses), Pair.mentor_member_id.in_(part)))).all())
        ids.update((await session.scalars(
            select(PairMentee.pair_id).join(Pair, Pair.id == PairMentee.pair_id)
            .where(Pair.status.in_(statuses), PairMentee.mentee_member_id.in_(part), NOT_DECLINED,
                   PairMentee.left_at.is_(None)))).all())
    pairs: list[Pair] = []
    for part in pairing.chunked(ids):
        pairs.extend((await session.scalars(
            select(Pair).where(Pair.id.in_(part)).execution_options(populate_existing=True))).all())
    return sorted(pairs, key=lambda p: p.id)


async def leave_pairs(session: AsyncSession, participant: Participant, now: datetime) -> int:
    """The participant, about to be erased, leaves every pair and group they are in (see the
    module's docstring); call before their data is wiped. Returns how many pairs changed."""
    gone = await _member_ids(session, participant.id)
    if not gone:
        return 0
    changed = 0
    for pair in await _pairs_with(session, gone, pairing.PENDING):
        changed += await _cancel_pending(session, pair, gone, now)
    for pair in await _pairs_with(session, gone, (pairing.ACTIVE,)):
        changed += await _leave_active(session, pair, gone, now)
    return changed


async def release_erased(session: AsyncSession, now: datetime) -> int:
    """Active pairs and groups with someone already erased in them (as the mentor, or as a mentee
    still in it) are put right as :func:`leave_pairs` would have; returns how many. The caller
    commits."""
    erased = (select(ProgrammeMember.id).join(Participant, Participant.id == ProgrammeMember.participant_id)
              .where(Participant.status == "erased"))
    gone = set((await session.scalars(
        select(Pair.mentor_member_id).where(Pair.status == pairing.ACTIVE, Pair.mentor_member_id.in_(erased))
    )).all())
    gone |= set((await session.scalars(
        select(PairMentee.mentee_member_id).join(Pair, Pair.id == PairMentee.pair_id)
        .where(Pair.status == pairing.ACTIVE, PairMentee.mentee_member_id.in_(erased), NOT_DECLINED,
               PairMentee.left_at.is_(None))
    )).all())
    changed = 0
    for pair in await _pairs_with(session, gone, (pairing.ACTIVE,)):
        changed += await _leave_active(session, pair, gone, now)
    if changed:
        log.warning("erasure: %d active pairs still had an erased participant; put right", changed)
    return changed


# ---------------------------------------------------------------------------------------------
# one pair
# ---------------------------------------------------------------------------------------------
def _names(people: Iterable[pairing.Member]) -> str:
    return ", ".join(m.name for m in people)


async def _cancel_pending(session: AsyncSession, pair: Pair, gone: set[int], now: datetime) -> int:
    """A proposed or approved pair with someone leaving is withdrawn; for an approved one (its
    cards were sent) the others and the curators are told."""
    await pairing.lock_programme(session, pair.programme_id)
    was = pair.status
    mentor, mentees = await pairing.people_of(session, pair)
    gone = gone & {pair.mentor_member_id, *(m.id for _, m in mentees)}  # who of them is in this pair
    if not gone:
        return 0
    if not await pairing._withdraw(session, [pair], now):  # noqa: SLF001 - pairing's own conditional update
        return 0
    if was == pairing.APPROVED:
        programme = await session.get(Programme, pair.programme_id)
        await pairing._tell_cancelled(session, programme, pair, now, skip=gone)  # noqa: SLF001
        await _tell_curators_ended(session, programme, pair, gone, mentor, [m for _, m in mentees], now,
                                   pending=True)
    return 1


async def _leave_active(session: AsyncSession, pair: Pair, gone: set[int], now: datetime) -> int:
    from domain.people import audit  # people builds on this module: import at use

    await pairing.lock_programme(session, pair.programme_id)
    await session.refresh(pair)
    if pair.status != pairing.ACTIVE:
        return 0
    mentor, mentees = await pairing.people_of(session, pair)
    gone = gone & {pair.mentor_member_id, *(m.id for _, m in mentees)}  # who of them is in this pair
    leaving = [pm for pm, m in mentees if m.id in gone]
    if not gone:
        return 0
    staying = [m for pm, m in mentees if m.id not in gone]
    programme = await session.get(Programme, pair.programme_id)
    if pair.mentor_member_id in gone or not staying:
        result = await session.execute(
            update(Pair).where(Pair.id == pair.id, Pair.status == pairing.ACTIVE)
            .values(status=pairing.DISSOLVED, ended_at=now, version=Pair.version + 1)
            .execution_options(synchronize_session=False)
        )
        await session.refresh(pair)
        if result.rowcount != 1:
            return 0
        await audit(session, f"pair.{pairing.DISSOLVED}", None, "pair", pair.id, reason="erased")
        await _tell_partners_ended(session, programme, pair, gone, mentor, mentees, now)
        await _tell_curators_ended(session, programme, pair, gone, mentor, [m for _, m in mentees], now,
                                   pending=False)
    else:
        for pm in leaving:
            pm.left_at = now
        pair.version += 1
        await audit(session, "pair.mentee_left", None, "pair", pair.id, reason="erased",
                    members=sorted(pm.mentee_member_id for pm in leaving))
        await _tell_group_goes_on(session, programme, pair, gone, mentor, staying, now)
    await session.flush()
    # their queued check-ins ask about the pairs they still have, and name nobody who left
    others = [m.participant.id for m in (mentor, *(m for _, m in mentees)) if m is not None and m.id not in gone]
    await checkins.reword_checkins(session, others)
    return 1


def _tag(pair: Pair, gone: set[int]) -> str:
    """What a notice is about, for its dedupe key: the pair and who left it (ids only)."""
    return f"{pair.id}:{min(gone)}"


async def _tell(session: AsyncSession, programme: Programme, pair: Pair, gone: set[int], who: pairing.Member,
                key: str, args: dict[str, Any], now: datetime) -> None:
    if who.id in gone or not who.present or not who.reachable:
        return
    unit = await session.get(Unit, programme.unit_id)
    await enqueue(session, user_id=who.user.id, chat_id=who.user.tg_id, kind=KIND_PARTNER, key=key,
                  args={"programme": programme.title, **args}, due_at=now,
                  tz=unit.timezone if unit is not None and unit.timezone else None,
                  dedupe_key=f"{KIND_PARTNER}:{_tag(pair, gone)}:{who.id}")


async def _tell_partners_ended(session: AsyncSession, programme: Programme, pair: Pair, gone: set[int],
                               mentor: pairing.Member | None, mentees: list[tuple[PairMentee, pairing.Member]],
                               now: datetime) -> None:
    who = "mentor" if pair.mentor_member_id in gone else "mentee"
    args = {"who": who, "group": "yes" if len(mentees) > 1 else "no"}
    for person in [mentor, *(m for _, m in mentees)]:
        if person is not None:
            await _tell(session, programme, pair, gone, person, KEY_PARTNER_ENDED, args, now)


async def _tell_group_goes_on(session: AsyncSession, programme: Programme, pair: Pair, gone: set[int],
                              mentor: pairing.Member | None, staying: list[pairing.Member], now: datetime) -> None:
    args = {"mentor": mentor.name if mentor is not None else "", "mentees": _names(staying), "n": len(staying)}
    for person in [mentor, *staying]:
        if person is not None:
            await _tell(session, programme, pair, gone, person, KEY_PARTNER_LEFT, args, now)
    await pairing.tell_curators(session, programme, pair, kind=KIND_CURATOR, key=KEY_CURATOR_LEFT, args=args,
                                now=now, tag=_tag(pair, gone), buttons=_open_pair(pair), attention_kind=ATT_CURATOR,
                                ref=f"e{_tag(pair, gone)}")


async def _tell_curators_ended(session: AsyncSession, programme: Programme, pair: Pair, gone: set[int],
                               mentor: pairing.Member | None, mentees: list[pairing.Member], now: datetime, *,
                               pending: bool) -> None:
    mentor_stays = mentor is not None and mentor.id not in gone and mentor.present
    rest = [m for m in mentees if m.id not in gone and m.present]
    args = {"who": "mentor" if pair.mentor_member_id in gone else "mentee", "pending": "yes" if pending else "no",
            "group": "yes" if len(mentees) > 1 else "no", "has_mentor": "yes" if mentor_stays else "no",
            "mentor": mentor.name if mentor_stays else "", "mentees": _names(rest), "n": len(rest)}
    await pairing.tell_curators(session, programme, pair, kind=KIND_CURATOR, key=KEY_CURATOR_ENDED, args=args,
                                now=now, tag=_tag(pair, gone), buttons=None if pending else _open_pair(pair),
                                attention_kind=ATT_CURATOR, ref=f"e{_tag(pair, gone)}")


def _open_pair(pair: Pair) -> list[list[dict[str, Any]]]:
    return [[{"text_key": KEY_OPEN_PAIR, "callback_data": f"{CB_OPEN_PAIR}:{pair.id}"}]]


register_relevance(KIND_CURATOR, pairing._curator_relevant)  # noqa: SLF001 - rows queued before attention items
attention.register_kind(ATT_CURATOR, order=55, fyi=True)  # news: done once seen, dismissed or a week old

__all__ = ["KIND_PARTNER", "KIND_CURATOR", "ATT_CURATOR", "leave_pairs", "release_erased"]


# ---------------------------------------------------------------------------------------------
# their name in messages already written for others
# ---------------------------------------------------------------------------------------------
#: What stands for an erased name inside a stored message that nobody will read again.
ERASED_MARK: Final = "[erased]"


def _without(value: Any, names: Sequence[str]) -> tuple[Any, bool]:
    """``value`` (a payload or a part of it) with every occurrence of the names replaced."""
    if isinstance(value, str):
        out = value
        for name in names:
            out = out.replace(name, ERASED_MARK)
        return out, out != value
    if isinstance(value, dict):
        changed = False
        result: dict[str, Any] = {}
        for key, item in value.items():
            result[key], hit = _without(item, names)
            changed |= hit
        return result, changed
    if isinstance(value, list):
        pairs = [_without(item, names) for item in value]
        return [item for item, _ in pairs], any(hit for _, hit in pairs)
    return value, False


async def _related_users(session: AsyncSession, participant: Participant) -> set[int]:
    """Who may hold a message naming the participant: everyone who shared a pair or a group or a
    proposal with them, and the curators of their organisation and of the units above it (revoked
    roles too: their old messages stay)."""
    members = await _member_ids(session, participant.id)
    pair_ids: set[int] = set()
    for part in pairing.chunked(members):
        pair_ids.update((await session.scalars(select(Pair.id).where(Pair.mentor_member_id.in_(part)))).all())
        pair_ids.update((await session.scalars(
            select(PairMentee.pair_id).where(PairMentee.mentee_member_id.in_(part)))).all())
    other_members: set[int] = set()
    for part in pairing.chunked(pair_ids):
        other_members.update((await session.scalars(select(Pair.mentor_member_id).where(Pair.id.in_(part)))).all())
        other_members.update((await session.scalars(
            select(PairMentee.mentee_member_id).where(PairMentee.pair_id.in_(part)))).all())
    users: set[int] = set()
    for part in pairing.chunked(other_members - members):
        users.update(u for u in (await session.scalars(
            select(Participant.user_id).join(ProgrammeMember, ProgrammeMember.participant_id == Participant.id)
            .where(ProgrammeMember.id.in_(part)))).all() if u is not None)
    org = await session.get(Unit, participant.org_id)
    above = {int(x) for x in (org.path if org is not None else "").split("/") if x.isdigit()} | {participant.org_id}
    users.update((await session.scalars(select(CuratorRole.user_id).where(CuratorRole.unit_id.in_(sorted(above))))).all())
    users.discard(participant.user_id)
    return users


async def scrub_messages(session: AsyncSession, participant: Participant, names: Iterable[str | None]) -> int:
    """The participant's name goes from the outbox rows written for others (cards, notices,
    check-ins listing partners, curators' summaries): in rows already sent it is replaced by
    :data:`ERASED_MARK`; a row not yet sent that still names them is dropped (the pair it speaks
    of has ended: :func:`leave_pairs` has told those concerned anew, without the name). Call
    after :func:`leave_pairs` and before the name is wiped; returns how many rows changed."""
    wanted = sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len, reverse=True)
    if not wanted:
        return 0
    changed = 0
    for part in pairing.chunked(await _related_users(session, participant)):
        rows = (await session.execute(
            select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.payload)
            .where(OutboxMessage.user_id.in_(part)))).all()
        for row_id, status, payload in rows:
            clean, hit = _without(payload or {}, wanted)
            if not hit:
                continue
            values: dict[str, Any] = {"payload": clean}
            if status not in FINAL_STATUSES:
                values.update(status=DROPPED, last_error="names an erased person", claimed_by=None)
            # a row being sent right now keeps its status: its answer must still be recorded
            where = [OutboxMessage.id == row_id, OutboxMessage.status.not_in((CLAIMED, SENDING))]
            result = await session.execute(update(OutboxMessage).where(*where).values(**values)
                                           .execution_options(synchronize_session=False))
            changed += result.rowcount or 0
    if changed:
        log.info("erasure: participant %s: their name removed from %d stored messages", participant.id, changed)
    return changed
