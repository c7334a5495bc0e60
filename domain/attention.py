"""What needs a curator's attention: one summary instead of a burst of messages.

Whatever the bot tells a curator on its own (new registrations, pairs at risk, "not a good
match", a pair that started, a declined or unanswered proposal, a practice to review, a
roadmap deadline...) is an *item* (``AttentionItem``), not a message of its own. Producers call
one function, in the transaction of the change that caused it::

    await attention.add_item(session, curator_user_id, "risk", f"p{pair.id}",
                             {"programme": ..., "mentor": ..., "mentees": ..., "days": 30},
                             f"risk-alert:{pair.id}:no-meeting:2026w48:{curator_user_id}",
                             key="risk-no-meeting", buttons=[[...]], unit_id=programme.unit_id,
                             tz=unit.timezone, now=now)

What a new producer needs: that call (instead of ``domain.outbox.enqueue``); ``att-group-<kind>``
and ``att-line-<key>`` in both locales (without them the group reads "Other" and the line is the
whole notice, cut short); and, for a kind the curator must act on,
``register_kind(kind, order=..., check=...)`` telling when its items are resolved.

* ``kind`` groups items in the summary (``att-group-<kind>``: the group's heading and button,
  with ``$n``); a kind registers how to tell that its items are resolved with
  :func:`register_kind` (unregistered kinds are informational: open until seen, dismissed or
  ``FYI_FOR`` old).
* ``ref`` names what the item is about (``p<pair>``, ``o<organisation>``, ``y<roadmap item>``...):
  a newer open item of the same curator, kind and ref replaces the older one, so a list never
  shows one thing twice. The handlers open the screen where the curator acts from kind and ref
  (handlers/attention.py); a kind they do not know opens the item's notice.
* ``args``, ``key`` and ``buttons`` are the item's notice: what used to be its own message
  (a Fluent key, its arguments, button rows as for ``domain.outbox.enqueue``). Its line in a
  summary is ``att-line-<key>`` with the same arguments.
* ``dedupe_key`` works as the outbox's: an item whose key exists is not added again.
* ``unit_id``: the unit the item belongs to; the curator sees it only while their scope contains
  it (None: no scope check, e.g. a notice to an administrator).

**The summary.** Adding an item makes sure the curator has one pending outbox row of kind
``attention`` (due ``GATHER`` later, and at least ``MIN_GAP`` after their previous summary, so
the items of one run, and of jobs running at the same time, go together). The sender holds it
in quiet hours as any row. Right before it leaves, its relevance check (:func:`_prepare_summary`,
run by the sender in the transaction that marks it 'sending') takes every item of the curator
not yet carried by a summary that is still open, writes the message from them and marks them
carried: items that came while it was pending are merged into it, items resolved meanwhile
left out, and a summary with nothing left is dropped. One item goes out as its own notice (its
text and buttons, as before); several as "needs your attention": groups with counts, short
lines, and a button per item (``na:<id>:s``) or, when there are many, per group (``ng:<kind>:s``).

**The list** at the top of ``/curator`` (:func:`open_items`) is computed from the same rows
and is live: resolved items are closed as it is read.

No aiogram here. Texts are Fluent keys; rendering takes a translator (``t(key, **args)``).
"""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AttentionItem, OutboxMessage, Unit, User
from domain import text
from domain.outbox import CLAIMED, PENDING, SENDING, SENT, build_payload, enqueue, register_relevance
from domain.units import curator_scopes

log = logging.getLogger(__name__)

KIND_SUMMARY: Final = "attention"  # the outbox kind of summaries
GATHER: Final = timedelta(minutes=2)  # a summary waits this long for the rest of its run
MIN_GAP: Final = timedelta(minutes=30)  # at most one summary per curator in this time
FYI_FOR: Final = timedelta(days=7)  # informational items close by themselves after this
LIST_MAX: Final = 300  # open items read per curator (newest first): bounded work per screen
SUMMARY_LINES: Final = 4  # lines per group in a summary (then "and n more")
SUMMARY_BUDGET: Final = 2300  # characters of a summary's body (a Fluent placeable holds 2,500)
ITEM_BUTTONS: Final = 6  # up to this many items get a button each; more get a button per group
LINE_MAX: Final = 160  # characters of one line
LABEL_MAX: Final = text.LABEL_MAX  # characters of an item's button

# why an item closed
RESOLVED: Final = "resolved"
DISMISSED: Final = "dismissed"
SEEN: Final = "seen"
REPLACED: Final = "replaced"
EXPIRED: Final = "expired"

# callback data of the buttons (handlers/attention.py parses the same prefixes)
CB_OPEN: Final = "na"  # na:<item id>:<s = from a summary, a new message | m = in the menu>
CB_GROUP: Final = "ng"  # ng:<kind>:<s | m>
CB_LIST: Final = "nl"  # nl:<kind | ->:<page>:<s | m>

Check = Callable[[AsyncSession, list[AttentionItem], datetime], Awaitable[set[int]]]


@dataclass(frozen=True)
class KindSpec:
    """How a kind of item behaves: ``order`` in a summary, ``fyi`` (informational: closed when
    opened or after ``FYI_FOR``), ``check(session, items, now)`` -> ids of the items still open
    (it may refresh an item's ``args``, e.g. a live count; None: nothing resolves them)."""

    kind: str
    order: int = 1000
    fyi: bool = True
    check: Check | None = None


_KINDS: dict[str, KindSpec] = {}


def register_kind(kind: str, *, order: int, fyi: bool = False, check: Check | None = None) -> None:
    """Register (or replace) a kind; producers do it at import, like ``register_relevance``."""
    if not kind or len(kind) > 16 or not kind.replace("-", "").isalnum() or not kind.isascii():
        raise ValueError("a kind is 1-16 ASCII letters, digits or dashes (it goes into callback data)")
    _KINDS[kind] = KindSpec(kind, order, fyi, check)


def spec_of(kind: str) -> KindSpec:
    return _KINDS.get(kind) or KindSpec(kind)


@dataclass
class _Config:
    translator: Any = None  # bot.i18n.Translator: ``bind(locale)``; set by the app (configure)
    default_tz: str = "Europe/Moscow"


_CONFIG = _Config()


def configure(*, translator: Any, default_tz: str) -> None:
    """Called by the app (bot/scheduler.py): the translator that writes summaries, the default zone."""
    _CONFIG.translator = translator
    _CONFIG.default_tz = default_tz


def default_tz() -> str:
    return _CONFIG.default_tz


# ---------------------------------------------------------------------------------------------
# adding items
# ---------------------------------------------------------------------------------------------
async def add_item(
    session: AsyncSession,
    curator_user_id: int,
    kind: str,
    ref: str,
    args: Mapping[str, Any],
    dedupe_key: str | None,
    *,
    key: str,
    now: datetime,
    buttons: Sequence[Sequence[Mapping[str, Any]]] | None = None,
    unit_id: int | None = None,
    tz: str | None = None,
) -> AttentionItem | None:
    """Add an item for a curator (see the module docstring) in the caller's transaction.

    Returns the new item, or None when ``dedupe_key`` was taken (nothing written) or the user is
    gone (erased). An open item of the same user, kind and ref is replaced. A summary is
    scheduled unless one is already pending. ``buttons`` are validated as outbox buttons.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    spec_of(kind)  # unknown kinds are fine (informational)
    user = await session.get(User, curator_user_id)
    if user is None or user.erased_at is not None:
        return None
    payload = build_payload(key, args, buttons)  # the same checks as a message (callback ≤ 64 bytes)
    if dedupe_key is not None and await session.scalar(
            select(AttentionItem.id).where(AttentionItem.dedupe_key == dedupe_key).limit(1)) is not None:
        return None
    item = AttentionItem(user_id=user.id, kind=kind, ref=ref[:64], unit_id=unit_id, key=key,
                         args=payload["args"], buttons=payload.get("buttons"), tz=tz, dedupe_key=dedupe_key,
                         created_at=now)
    try:
        async with session.begin_nested():
            session.add(item)
            await session.flush()
    except IntegrityError:
        log.debug("attention: dedupe key taken concurrently (kind=%s)", kind)
        return None
    await session.execute(
        update(AttentionItem)
        .where(AttentionItem.user_id == user.id, AttentionItem.kind == kind, AttentionItem.ref == item.ref,
               AttentionItem.closed_at.is_(None), AttentionItem.id != item.id)
        .values(closed_at=now, closed_why=REPLACED)
        .execution_options(synchronize_session=False)
    )
    if user.tg_id is not None and user.unreachable_at is None:  # else it waits on their list
        await _schedule_summary(session, user, now, tz)
    return item


async def existing_keys(session: AsyncSession, keys: Iterable[str], *, chunk: int = 500) -> set[str]:
    """Which of these dedupe keys items already have (read in chunks): a job skips what it added before."""
    ordered = sorted(set(keys))
    found: set[str] = set()
    for k in range(0, len(ordered), chunk):
        found.update((await session.scalars(
            select(AttentionItem.dedupe_key).where(AttentionItem.dedupe_key.in_(ordered[k:k + chunk])))).all())
    return found


async def open_item_of(session: AsyncSession, curator_user_id: int, kind: str, ref: str) -> AttentionItem | None:
    """The curator's open item of this kind and ref, if any (a producer merging into it)."""
    return await session.scalar(
        select(AttentionItem).where(AttentionItem.user_id == curator_user_id, AttentionItem.kind == kind,
                                    AttentionItem.ref == ref, AttentionItem.closed_at.is_(None))
        .order_by(AttentionItem.id.desc()).limit(1))


async def _schedule_summary(session: AsyncSession, user: User, now: datetime, tz: str | None) -> None:
    """Make sure a summary is pending for ``user``: one still pending takes the new item (it is
    written when it leaves); else a new row, due GATHER from now and MIN_GAP after the last one."""
    # PostgreSQL: locked until this commits, so the sender (SKIP LOCKED) cannot take it before this
    # item is there to be read; one locked by another producer is skipped rather than waited for (a
    # second row then, which is dropped if the first one carried everything)
    pending = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.kind == KIND_SUMMARY, OutboxMessage.user_id == user.id,
                                       OutboxMessage.status == PENDING)
        .limit(1).with_for_update(skip_locked=True))
    if pending is not None:
        return
    due = now + GATHER
    last = await session.scalar(
        select(func.max(OutboxMessage.sent_at)).where(OutboxMessage.kind == KIND_SUMMARY,
                                                      OutboxMessage.user_id == user.id,
                                                      OutboxMessage.status == SENT))
    if last is not None:
        due = max(due, last + MIN_GAP)
    leaving = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.kind == KIND_SUMMARY, OutboxMessage.user_id == user.id,
                                       OutboxMessage.status.in_((CLAIMED, SENDING))).limit(1))
    if leaving is not None:  # one is on its way: this item may miss it, the next one follows the gap
        due = max(due, now + MIN_GAP)
    await enqueue(session, user_id=user.id, chat_id=user.tg_id, kind=KIND_SUMMARY, key="att-summary-generic",
                  args={"n": 1}, buttons=[[{"text_key": "att-btn-list", "callback_data": f"{CB_LIST}:-:0:s"}]],
                  due_at=due, tz=tz)


# ---------------------------------------------------------------------------------------------
# reading, resolving, closing
# ---------------------------------------------------------------------------------------------
def _close(item: AttentionItem, why: str, now: datetime) -> None:
    item.closed_at, item.closed_why = now, why


async def refresh(session: AsyncSession, items: Sequence[AttentionItem], now: datetime) -> list[AttentionItem]:
    """Close the items that are resolved or expired; return the others (still open), in order."""
    keep: dict[str, list[AttentionItem]] = defaultdict(list)
    for item in items:
        if item.closed_at is not None:
            continue
        spec = spec_of(item.kind)
        if spec.fyi and item.created_at <= now - FYI_FOR:
            _close(item, EXPIRED, now)
            continue
        keep[item.kind].append(item)
    alive: set[int] = set()
    for kind, group in keep.items():
        spec = spec_of(kind)
        if spec.check is None:
            alive.update(i.id for i in group)
            continue
        try:
            still = await spec.check(session, group, now)
        except Exception:  # noqa: BLE001 - one kind's check must not hide the others
            log.exception("attention: the check of kind %s failed; its items are kept", kind)
            still = {i.id for i in group}
        for item in group:
            if item.id in still:
                alive.add(item.id)
            else:
                _close(item, RESOLVED, now)
    await session.flush()
    return [i for i in items if i.id in alive]


async def _scope_paths(session: AsyncSession, user_id: int) -> list[str]:
    return [u.path for u in await curator_scopes(session, user_id)]


async def _in_scope(session: AsyncSession, items: Sequence[AttentionItem], paths: list[str] | None
                    ) -> list[AttentionItem]:
    """The items whose unit lies in one of ``paths`` (None: every item; items with no unit always)."""
    if paths is None:
        return list(items)
    unit_ids = sorted({i.unit_id for i in items if i.unit_id is not None})
    where: dict[int, str] = {}
    for k in range(0, len(unit_ids), 500):
        where.update((await session.execute(
            select(Unit.id, Unit.path).where(Unit.id.in_(unit_ids[k:k + 500])))).all())
    return [i for i in items if i.unit_id is None
            or any(where.get(i.unit_id, "\0").startswith(p) for p in paths)]


async def open_items(session: AsyncSession, user_id: int, now: datetime, *, scope_paths: list[str] | None = None,
                     admin: bool = False, kind: str | None = None, fresh_for: int | None = None
                     ) -> list[AttentionItem]:
    """The curator's open items, live (resolved ones are closed on the way), newest first.

    Only items in the curator's scope count: ``scope_paths`` (default: their live curator roles)
    unless ``admin``. ``kind`` keeps one kind; ``fresh_for`` (an outbox row id) keeps the items
    no summary has carried yet, or carried by that row."""
    stmt = (select(AttentionItem).where(AttentionItem.user_id == user_id, AttentionItem.closed_at.is_(None))
            .order_by(AttentionItem.created_at.desc(), AttentionItem.id.desc()).limit(LIST_MAX))
    if kind is not None:
        stmt = stmt.where(AttentionItem.kind == kind)
    if fresh_for is not None:
        stmt = stmt.where(or_(AttentionItem.summary_id.is_(None), AttentionItem.summary_id == fresh_for))
    items = list((await session.scalars(stmt)).all())
    if not admin:
        items = await _in_scope(session, items, scope_paths if scope_paths is not None
                                else await _scope_paths(session, user_id))
    return await refresh(session, items, now)


async def item_of(session: AsyncSession, user_id: int, item_id: int) -> AttentionItem | None:
    """The item when it is this user's (any other id is None, like a missing one)."""
    item = await session.get(AttentionItem, item_id, populate_existing=True)
    return item if item is not None and item.user_id == user_id else None


async def is_open(session: AsyncSession, item: AttentionItem, now: datetime) -> bool:
    """Whether the item is still open (checked live: resolving it closes it)."""
    return bool(await refresh(session, [item], now)) if item.closed_at is None else False


async def mark_seen(session: AsyncSession, item: AttentionItem, now: datetime) -> None:
    """An informational item the curator opened is done."""
    if item.closed_at is None and spec_of(item.kind).fyi:
        _close(item, SEEN, now)
        await session.flush()


async def dismiss(session: AsyncSession, item: AttentionItem, now: datetime) -> bool:
    """The curator takes the item off their list; False when it was closed already."""
    if item.closed_at is not None:
        return False
    _close(item, DISMISSED, now)
    await session.flush()
    return True


async def dismiss_informational(session: AsyncSession, user_id: int, now: datetime) -> int:
    """Close every open informational item of the curator ("mark all as read")."""
    kinds = [k for k, s in _KINDS.items() if not s.fyi]  # everything not registered as actionable
    result = await session.execute(
        update(AttentionItem).where(AttentionItem.user_id == user_id, AttentionItem.closed_at.is_(None),
                                    AttentionItem.kind.not_in(kinds))
        .values(closed_at=now, closed_why=DISMISSED).execution_options(synchronize_session=False))
    return result.rowcount or 0


# ---------------------------------------------------------------------------------------------
# writing a list or a summary
# ---------------------------------------------------------------------------------------------
def cut(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, cut at a word boundary with "…"."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = text[:limit - 1]
    space = head.rfind(" ")
    if space >= limit // 2:
        head = head[:space]
    return head.rstrip(" ,;:—-") + "…"


def emptied(item: AttentionItem) -> bool:
    """An item closed and emptied because it named someone who was erased (:func:`forget_refs`,
    domain.erasure): it has nothing left to show but that it no longer needs attention."""
    return item.closed_at is not None and not item.args


def shown_args(t: Callable[..., str], args: Mapping[str, Any] | None) -> dict[str, Any]:
    """An item's arguments as they are shown: where erasure took a name out
    (``domain.text.ERASED_MARK``) the reader sees ``person-erased`` in their language."""
    out = dict(args or {})
    for key, value in out.items():
        if isinstance(value, str) and text.ERASED_MARK in value:
            out[key] = value.replace(text.ERASED_MARK, t("person-erased"))
    return out


def notice_of(t: Callable[..., str], item: AttentionItem) -> str:
    """The item's own notice (its key with its arguments); for an emptied item, the short
    "no longer needs your attention" line instead of a text with nothing to fill it."""
    if emptied(item):
        return t("att-resolved")
    return t(item.key, **shown_args(t, item.args))


def _line_text(t: Callable[..., str], item: AttentionItem) -> str:
    """``att-line-<key>`` with the item's arguments; the whole notice when a producer has no line
    key yet (the translator answers a missing key with the key itself)."""
    if emptied(item):
        return t("att-resolved")
    args = shown_args(t, item.args)
    key = f"att-line-{item.key}"
    text = t(key, **args)
    return t(item.key, **args) if text == key else text


def line_of(t: Callable[..., str], item: AttentionItem) -> str:
    """The item's line in a list or a summary."""
    return cut(_line_text(t, item), LINE_MAX)


def label_of(t: Callable[..., str], item: AttentionItem) -> str:
    """The item's button: its line, shorter."""
    return cut(_line_text(t, item), LABEL_MAX)


def group_key(t: Callable[..., str], kind: str) -> str:
    """The Fluent key of a group's heading (``att-group-<kind>``, else ``att-group-other``)."""
    key = f"att-group-{kind}"
    return key if t(key, n=0) != key else "att-group-other"


def heading_of(t: Callable[..., str], kind: str, n: int) -> str:
    return t(group_key(t, kind), n=n)


def groups_of(items: Iterable[AttentionItem]) -> list[tuple[str, list[AttentionItem]]]:
    """Items by kind, kinds in their registered order, each newest first."""
    by_kind: dict[str, list[AttentionItem]] = defaultdict(list)
    for item in items:
        by_kind[item.kind].append(item)
    ordered = sorted(by_kind, key=lambda k: (spec_of(k).order, k))
    return [(k, sorted(by_kind[k], key=lambda i: (i.created_at, i.id), reverse=True)) for k in ordered]


@dataclass
class Block:
    """A list of items written out: ``lines`` (group headings with counts, then short lines),
    and its buttons: ``items`` [(item id, label)] when there are few, else ``groups`` [(kind, n)]."""

    lines: list[str]
    items: list[tuple[int, str]]
    groups: list[tuple[str, int]]
    total: int


def block(t: Callable[..., str], items: Sequence[AttentionItem], *, per_group: int = SUMMARY_LINES,
          budget: int = SUMMARY_BUDGET) -> Block:
    """Write ``items`` grouped by kind: every group's heading and count always, lines while they fit."""
    groups = groups_of(items)
    headings = [heading_of(t, kind, len(members)) for kind, members in groups]
    used = sum(len(h) + 2 for h in headings)
    lines: list[str] = []
    for (kind, members), heading in zip(groups, headings):
        if lines:
            lines.append("")
        lines.append(heading)
        shown = 0
        for item in members[:per_group]:
            line = "• " + line_of(t, item)
            if used + len(line) + 1 > budget:
                break
            lines.append(line)
            used += len(line) + 1
            shown += 1
        if shown < len(members):
            more = t("att-more", n=len(members) - shown)
            lines.append(more)
            used += len(more) + 1
    if len(items) <= ITEM_BUTTONS:
        ordered = [i for _, members in groups for i in members]
        return Block(lines, [(i.id, label_of(t, i)) for i in ordered], [], len(items))
    return Block(lines, [], [(kind, len(members)) for kind, members in groups], len(items))


def _summary_payload(t: Callable[..., str], items: Sequence[AttentionItem]) -> dict[str, Any]:
    if len(items) == 1:  # one thing: it comes as itself, with its own buttons (else one to open it)
        only = items[0]
        shown = [[{**b, "args": shown_args(t, b["args"])} if b.get("args") else b for b in row]
                 for row in only.buttons or []]
        return build_payload(only.key, shown_args(t, only.args), shown or [[
            {"text_key": "att-btn-open", "callback_data": f"{CB_OPEN}:{only.id}:s"}]])
    written = block(t, items)
    buttons: list[list[dict[str, Any]]] = []
    for item_id, label in written.items:
        buttons.append([{"text_key": "att-btn-item", "args": {"label": label},
                         "callback_data": f"{CB_OPEN}:{item_id}:s"}])
    for kind, n in written.groups:
        buttons.append([{"text_key": group_key(t, kind), "args": {"n": n},
                         "callback_data": f"{CB_GROUP}:{kind}:s"}])
    buttons.append([{"text_key": "att-btn-list", "callback_data": f"{CB_LIST}:-:0:s"}])
    return build_payload("att-summary", {"n": written.total, "body": "\n".join(written.lines)}, buttons)


async def _prepare_summary(session: AsyncSession, row: OutboxMessage) -> bool:
    """The relevance check of a summary, run by the sender right before it leaves: take the
    curator's open items no summary has carried (or this one, on a retry), write the message
    from them and mark them carried; nothing left: drop it."""
    if row.user_id is None:
        return False
    now = row.claimed_at or row.due_at
    items = await open_items(session, row.user_id, now, fresh_for=row.id)
    if not items:
        return False
    for item in items:
        item.summary_id = row.id
    translator = _CONFIG.translator
    if translator is not None:
        user = await session.get(User, row.user_id)
        row.payload = _summary_payload(translator.bind(user.locale if user else None), items)
    else:  # no translator in this process: the short form, still right about the count
        row.payload = build_payload("att-summary-generic", {"n": len(items)},
                                    [[{"text_key": "att-btn-list", "callback_data": f"{CB_LIST}:-:0:s"}]])
    await session.flush()
    return True


register_relevance(KIND_SUMMARY, _prepare_summary)


# ---------------------------------------------------------------------------------------------
# personal data
# ---------------------------------------------------------------------------------------------
async def forget_user(session: AsyncSession, user_id: int) -> None:
    """An erased curator's items go (their summaries go with their outbox rows)."""
    await session.execute(delete(AttentionItem).where(AttentionItem.user_id == user_id))


async def forget_refs(session: AsyncSession, refs: Iterable[str], now: datetime) -> int:
    """Items about these refs (``p<pair>``, ``r<response>``, with or without a ``:<detail>``)
    close and lose their arguments: they name a person who was erased."""
    wanted = sorted(set(refs))
    changed = 0
    for k in range(0, len(wanted), 200):
        part = wanted[k:k + 200]
        conds = [AttentionItem.ref.in_(part)] + [AttentionItem.ref.like(f"{r}:%") for r in part]
        result = await session.execute(
            update(AttentionItem).where(or_(*conds))
            .values(closed_at=func.coalesce(AttentionItem.closed_at, now),
                    closed_why=func.coalesce(AttentionItem.closed_why, RESOLVED), args={}, buttons=None)
            .execution_options(synchronize_session=False))
        changed += result.rowcount or 0
    return changed


__all__ = [
    "KIND_SUMMARY", "GATHER", "MIN_GAP", "FYI_FOR", "CB_OPEN", "CB_GROUP", "CB_LIST", "RESOLVED", "DISMISSED",
    "SEEN", "REPLACED", "EXPIRED", "KindSpec", "register_kind", "spec_of", "configure", "default_tz", "add_item",
    "existing_keys", "open_item_of", "refresh", "open_items", "item_of", "is_open", "mark_seen", "dismiss", "dismiss_informational",
    "cut", "emptied", "shown_args", "notice_of", "line_of", "label_of", "group_key", "heading_of", "groups_of",
    "Block", "block", "forget_user", "forget_refs",
]
