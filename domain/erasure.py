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

:func:`scrub_messages` takes their name, in every form the texts write it (full, short, cut), out of
the messages already written for others (cards, notices, check-ins listing partners, curators'
summaries, rows being sent) and out of the curators' "needs your attention" items: the outbox
keeps sent rows and the items stay, and the name must not stay in them. A pending proposal's
notices (``domain.pairing``'s cancelled notice and card edits) name the erased side by role, so
the scrub has nothing to drop there and the partners are told.

:func:`release_erased` does the same for active pairs with someone already erased (erasures made
before this existed): called at start-up, it leaves nothing dangling. Elsewhere an erased person
who still appears in a pair's history is shown as ``person-erased`` (see ``handlers.monitoring``
and ``domain.reports``). No aiogram here.
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timezone
from typing import Any, Final

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (AttentionItem, CuratorRole, OutboxMessage, Pair, PairMentee, Participant, Programme,
                       ProgrammeMember, Unit, User)
from domain import attention, checkins, pairing, text
from domain.outbox import (CLAIMED, DROPPED, FINAL_STATUSES, NAMELESS_KINDS, SCRUBBED, SENDING, enqueue,
                           register_relevance)

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
        await pairing._tell_cancelled(session, programme, pair, now, erased=gone)  # noqa: SLF001 - by role, not by name
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
#: What stands for an erased name inside a stored message that nobody will read again (an open
#: curator's item shows it as ``person-erased``: domain.attention).
ERASED_MARK: Final = text.ERASED_MARK
#: Rows (and items) read per query by :func:`scrub_messages` (keyset pages: a regional curator may
#: hold hundreds of thousands of rows, and erasure runs inside one transaction).
SCRUB_BATCH: Final = 500


def _patterns(names: Iterable[str | None]) -> list[re.Pattern[str]]:
    """Every rendered form of the names (domain.text.name_forms: as given, short, cut between
    words), longest first, each matched as a whole (not inside a longer word: "E1" is not in
    "E10")."""
    forms: set[str] = set()
    for name in names:
        forms.update(text.name_forms(name))
    ordered = sorted(forms, key=lambda f: (-len(f), f))
    return [re.compile(rf"(?<!\w){re.escape(f)}(?!\w)") for f in ordered]


def _without(value: Any, names: Sequence[re.Pattern[str]], *, lists: bool = False) -> tuple[Any, bool]:
    """``value`` (a payload or a part of it) with every occurrence of the names replaced by
    :data:`ERASED_MARK`. ``lists``: a name that is an element of a comma-separated list ("E3, E4")
    is taken out of it with its comma instead (a text still shown reads "E4")."""
    if isinstance(value, str):
        out = value
        for pattern in names:
            if lists:
                out = re.sub(rf"(?:^|(?<=[\s(:«\u201c])){pattern.pattern}, ", "", out)
                out = re.sub(rf", {pattern.pattern}(?=$|[,;)»\u201d\n]|\s—)", "", out)
            out = pattern.sub(ERASED_MARK, out)
        return out, out != value
    if isinstance(value, dict):
        changed = False
        result: dict[str, Any] = {}
        for key, item in value.items():
            result[key], hit = _without(item, names, lists=lists)
            changed |= hit
        return result, changed
    if isinstance(value, list):
        pairs = [_without(item, names, lists=lists) for item in value]
        return [item for item, _ in pairs], any(hit for _, hit in pairs)
    return value, False


def _about_them(before: Any, after: Any) -> bool:
    """Whether a scrubbed item was about the erased person themselves: one of its texts was
    nothing but their name (or a list of nothing but it)."""
    if isinstance(before, dict) and isinstance(after, dict):
        return any(_about_them(before[k], after.get(k)) for k in before)
    if isinstance(before, list) and isinstance(after, list):
        return any(_about_them(b, a) for b, a in zip(before, after))
    return isinstance(before, str) and isinstance(after, str) and before.strip() != "" \
        and after.strip() in ("", ERASED_MARK)


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


async def _registered_at(session: AsyncSession, participant: Participant) -> datetime | None:
    """Since when a message may name the participant: the earlier of their registration and their
    user's first contact (nothing written before either knew their name)."""
    user = await session.get(User, participant.user_id) if participant.user_id is not None else None
    moments = [m for m in (participant.registered_at, user.created_at if user is not None else None) if m is not None]
    return min(moments) if moments else None


async def scrub_messages(session: AsyncSession, participant: Participant, names: Iterable[str | None],
                         now: datetime | None = None) -> int:
    """The participant's name goes from the outbox rows written for others (cards, notices,
    check-ins listing partners, curators' summaries) and from the curators' "needs your
    attention" items; returns how many rows and items changed. Call after :func:`leave_pairs`
    (whose notices name nobody erased) and before the name is wiped.

    Every form of the name is taken (``domain.text.name_forms``: full, short, cut). Outbox rows:
    in a row already settled it is replaced by :data:`ERASED_MARK`; a row not yet sent that
    still names them is dropped (the pair it speaks of has ended or gone on without them, and
    those concerned were told anew); a row being sent right now (claimed, 'sending') keeps its
    status, so the sender records its answer by id as usual, but its payload is scrubbed and
    marked :data:`domain.outbox.SCRUBBED`: the sender drops it rather than send it (again).
    Items: an item that was about them (a text of it was nothing but their name) is closed and
    emptied, as ``domain.attention.forget_refs`` does; any other keeps its state, their name
    taken out of its lists.

    Bounded: only rows and items of the people related to them (:func:`_related_users`), written
    since they registered, of kinds that can carry a name (not ``domain.outbox.NAMELESS_KINDS``),
    read in keyset pages of :data:`SCRUB_BATCH`."""
    wanted = _patterns(names)
    if not wanted:
        return 0
    since = await _registered_at(session, participant)
    users = await _related_users(session, participant)
    changed = 0
    for part in pairing.chunked(users):
        last = 0
        while True:
            stmt = (select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.payload)
                    .where(OutboxMessage.user_id.in_(part), OutboxMessage.id > last,
                           OutboxMessage.kind.not_in(sorted(NAMELESS_KINDS)))
                    .order_by(OutboxMessage.id).limit(SCRUB_BATCH))
            if since is not None:
                stmt = stmt.where(OutboxMessage.created_at >= since)
            batch = (await session.execute(stmt)).all()
            if not batch:
                break
            last = batch[-1][0]
            for row_id, status, payload in batch:
                changed += await _scrub_row(session, row_id, status, payload, wanted)
        changed += await _scrub_items(session, part, since, wanted, now or datetime.now(timezone.utc))
    if changed:
        log.info("erasure: participant %s: their name removed from %d stored messages and items",
                 participant.id, changed)
    return changed


async def _scrub_row(session: AsyncSession, row_id: int, status: str, payload: Any,
                     wanted: Sequence[re.Pattern[str]]) -> int:
    """Scrub one outbox row as it is now (1 when it changed). The update is conditional on the
    status read; when the sender moved the row meanwhile (PostgreSQL), it is read again."""
    for _ in range(3):
        clean, hit = _without(payload or {}, wanted)
        if not hit:
            return 0
        if status in FINAL_STATUSES:
            values: dict[str, Any] = {"payload": clean}
            where = OutboxMessage.status.in_(sorted(FINAL_STATUSES))
        elif status in (CLAIMED, SENDING):  # in flight: the sender settles it by id, then it is dropped
            values = {"payload": {**clean, SCRUBBED: True}}
            where = OutboxMessage.status.in_((CLAIMED, SENDING))
        else:
            values = {"payload": clean, "status": DROPPED, "last_error": "names an erased person",
                      "claimed_by": None}
            where = OutboxMessage.status == status
        result = await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id, where)
                                       .values(**values).execution_options(synchronize_session=False))
        if result.rowcount:
            return 1
        found = (await session.execute(select(OutboxMessage.status, OutboxMessage.payload)
                                       .where(OutboxMessage.id == row_id))).first()
        if found is None:
            return 0
        status, payload = found
    log.warning("erasure: outbox row %s kept changing while scrubbed; left as it is", row_id)
    return 0


async def _scrub_items(session: AsyncSession, user_ids: Sequence[int], since: datetime | None,
                       wanted: Sequence[re.Pattern[str]], now: datetime) -> int:
    """The curators' attention items (open or closed) of these users that name them."""
    changed = 0
    last = 0
    while True:
        stmt = (select(AttentionItem).where(AttentionItem.user_id.in_(user_ids), AttentionItem.id > last)
                .order_by(AttentionItem.id).limit(SCRUB_BATCH))
        if since is not None:
            stmt = stmt.where(AttentionItem.created_at >= since)
        batch = list((await session.scalars(stmt)).all())
        if not batch:
            break
        last = batch[-1].id
        for item in batch:
            args, hit_args = _without(item.args or {}, wanted, lists=True)
            buttons, hit_buttons = _without(item.buttons, wanted, lists=True)
            if not (hit_args or hit_buttons):
                continue
            if _about_them(item.args or {}, args):  # its buttons only lead to it: scrubbed, not judged
                item.args, item.buttons = {}, None
                if item.closed_at is None:
                    item.closed_at, item.closed_why = now, attention.RESOLVED
            else:
                item.args, item.buttons = args, buttons
            changed += 1
        await session.flush()
    return changed
