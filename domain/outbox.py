"""The outbox: every message the bot sends on its own initiative, as rows, not timers.

This module is framework-free (no aiogram): it writes rows (:func:`enqueue`), holds the pure
rules the sender applies (:func:`quiet_until`, :func:`backoff`, :class:`RateLimiter`,
:class:`PerChatPacer`) and the relevance registry (:func:`register_relevance`). The sender
itself lives in ``bot/outbox.py``.

Payload format (JSON; texts are rendered at send time in the recipient's *current* locale, so
nothing personal is frozen here — the one exception, a direct reply handed over already
rendered, is described below)::

    {
        "key": "<fluent-key>",                   # Fluent message id
        "args": {"count": 3},                     # Fluent arguments (str/int/float)
        "buttons": [                              # rows of inline buttons, optional
            [{"text_key": "<fluent-key>", "args": {}, "callback_data": "digest:open"}],
            [{"text_key": "<fluent-key>", "url": "https://example.org/help"}],
        ],
        "urgent": true,                           # optional: ignores quiet hours
        "parse_mode": "HTML",                     # optional: string args are HTML-escaped
        "edit_message_id": 123,                   # optional: edit this earlier message of the chat
                                                  # (text and buttons replaced) instead of sending one
        "markup_only": true,                      # optional, with edit_message_id: replace the
                                                  # buttons only (the text stays)
        "after": 41,                              # optional: not sent before row 41 is settled
        "data": {"rows": [17, 18]}                # optional: ids for a kind's renderer (no text)
    }

An edit is a row like any other (paced, held in quiet hours, sent once); it is how the bot
updates something it said before, e.g. a card whose proposal was cancelled. Its producer takes
the message id from the earlier row's ``tg_message_id``; a negative ``edit_message_id`` ``-N``
stands for "the message row N becomes" and is resolved when the edit is sent (the edit is dropped
if row N was never sent).

**Pre-rendered rows.** A direct reply Telegram would not take in time (``bot/replies.py``) is
handed over as it was rendered for the person: ``"text"`` instead of ``"key"``/``"args"``, and
buttons with ``"text"`` instead of ``"text_key"``/``"args"``. Storing that text is accepted: it
is what the handler had just rendered from this same database for this recipient, it stays in the
row only while the row may still be sent (once it is sent, failed or dropped the payload becomes
:data:`CLEARED`; a row dropped because the person blocked the bot keeps it, as it comes back if
they unblock it), it is never logged (no payload is), and erasure treats it as any payload (the
person's own rows are deleted, their name is scrubbed from the rows of others).

Most kinds are rendered from ``key`` and ``args``; a kind can register a renderer
(:func:`register_renderer`) that builds its text at send time from the database (e.g. the names
in the administrators' report of rows lost by a crash, read when it is sent, never stored here).

Every kind is classified in :data:`KINDS`: whether a row caught in flight by a crash may be sent
again (``REPEAT``) or the administrators are told instead (``REPORT``); see bot/outbox.py.
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from datetime import time as dtime
from types import MappingProxyType
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.base import utcnow
from db.models import OutboxMessage, User

log = logging.getLogger(__name__)

# --- Statuses ------------------------------------------------------------------------------

PENDING: Final = "pending"
CLAIMED: Final = "claimed"
SENDING: Final = "sending"
SENT: Final = "sent"
FAILED: Final = "failed"
DROPPED: Final = "dropped"
UNKNOWN: Final = "unknown"  # was 'sending' when its worker died, of a kind not sent again (reported)

#: Statuses after which a row is never touched again by the sender.
FINAL_STATUSES: Final = frozenset({SENT, FAILED, DROPPED, UNKNOWN})

# --- Kinds: may a row caught in flight by a crash be sent again? ------------------------------

REPEAT: Final = "repeat"  # a second copy is harmless: sent again after a crash
REPORT: Final = "report"  # a second copy would mislead: the administrators are told instead

#: Every kind of row the code produces (tests/test_outbox_kinds.py finds them in the source and
#: fails on one missing here). A row that was 'sending' when its worker died may or may not have
#: reached Telegram. Sent again when a copy is harmless: a question answered once whichever copy
#: is used, a reminder, a summary or an alert of a state that still holds (their relevance checks
#: drop them if it no longer does). Reported when a copy would read as a second event. A kind
#: missing here counts as REPORT (never a duplicate, never silent).
KINDS: Final[Mapping[str, str]] = MappingProxyType({
    # questions and reminders
    "checkin": REPEAT,  # domain/checkins.py: "did you meet since …?", one answer per check-in
    "survey-invite": REPEAT,  # domain/surveys.py: a survey answered once per occasion
    "pair-reminder": REPEAT,  # domain/pairing.py: a proposal still unanswered
    "roadmap": REPEAT,  # domain/roadmap.py: a deadline approaching (to the responsible curator)
    # summaries and alerts of a current state
    "digest": REPEAT,  # domain/digest.py: new registrations since the last digest
    "risk-alert": REPEAT,  # domain/checkins.py: a pair at risk
    "roadmap_up": REPEAT,  # domain/roadmap.py: a deadline missed below
    "outbox-unconfirmed": REPEAT,  # domain/unconfirmed.py: this very report, to the administrators
    "attention": REPEAT,  # domain/attention.py: a curator's "needs your attention", rewritten from the same items
    # news of a one-off event
    "pair-card": REPORT,  # domain/pairing.py: a proposed pair (a copy: "a second proposal?")
    "pair-active": REPORT,  # "the pair started", to the curators
    "pair-goals-prompt": REPORT,  # "your pair started: record your goals"
    "pair-declined": REPORT,  # a decline, to the curators
    "pair-unanswered": REPORT,  # a proposal nobody answered, to the curators
    "pair-withdrawn": REPORT,  # a participant left, to the curators
    "pair-cancelled": REPORT,  # "the pair will not happen"
    "pair-dissolved": REPORT,  # "the pair was ended early"
    "practice_submitted": REPORT,  # domain/practices.py: a practice to approve
    "practice_approved": REPORT,
    "practice_rejected": REPORT,
    "pair-card-closed": REPEAT,  # domain/pairing.py: an edit of a card whose proposal ended (same result twice)
    "pair-erased": REPORT,  # domain/erasure.py: "your partner deleted their data, the pair ended"
    "pair-erased-curator": REPORT,  # ... and the same to the programme's curators
    "consent-confirmed": REPORT,  # domain/consents.py: parental consent recorded
    "consent-undone": REPORT,  # ... and a correction after the curator's undo
    "export-interrupted": REPORT,  # bot/exports.py: a report was interrupted by a restart
    # direct replies Telegram would not take in time (bot/replies.py), sent by the outbox instead
    "reply": REPORT,  # an answer to what the person just did (a copy would read as a second answer)
    "reply-edit": REPEAT,  # an edit of such an answer or of an earlier message (same result twice)
})


#: Kinds whose rows never carry a person's name (counts only, ids for a renderer that reads names
#: when it sends, or news about the recipient themselves): erasure (``domain.erasure``) does not
#: read them when it takes an erased person's name out of the rows kept for others. A kind not
#: listed here is read (a new kind is safe by default).
NAMELESS_KINDS: Final = frozenset({
    "digest",  # new registrations: counts only
    "outbox-unconfirmed",  # ids in "data"; the renderer reads what it names when it sends
    "export-interrupted",  # the kind of report only
    "consent-confirmed",  # to the child: their own parents' consent, no args
    "consent-undone",
})

#: Set in the payload of a row that named an erased person while it was being sent (claimed or
#: 'sending'): erasure replaced the name but could not drop the row under the sender's feet. The
#: sender drops such a row instead of sending it (again), e.g. when it comes back after a 429.
SCRUBBED: Final = "scrubbed"


def may_repeat(kind: str) -> bool:
    """Whether a row of ``kind`` caught in flight by a crash is sent again (else reported)."""
    return KINDS.get(kind) == REPEAT


def repeatable_kinds() -> list[str]:
    return sorted(kind for kind, policy in KINDS.items() if policy == REPEAT)


def kind_words_key(kind: str) -> str:
    """The Fluent key naming a kind in words (for the administrators' report)."""
    return f"outbox-kind-{kind}" if kind in KINDS else "outbox-kind-other"


ButtonSpec = dict[str, Any]
ButtonRows = Sequence[Sequence[Mapping[str, Any]]]


# --- Writing rows ---------------------------------------------------------------------------


#: The payload of a pre-rendered row once it is settled: its text is not kept.
CLEARED: Final[Mapping[str, Any]] = MappingProxyType({"cleared": True})


def build_payload(
    key: str | None = None,
    args: Mapping[str, Any] | None = None,
    buttons: ButtonRows | None = None,
    *,
    text: str | None = None,
    urgent: bool = False,
    parse_mode: str | None = None,
    edit_message_id: int | None = None,
    markup_only: bool = False,
    after: int | None = None,
    data: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Validate and normalise a payload (see the module docstring for the format): a Fluent
    ``key`` with ``args``, or an already rendered ``text`` (buttons then carry ``text`` too)."""
    if bool(key) == (text is not None):
        raise ValueError("an outbox message needs a Fluent key or a rendered text, not both")
    if markup_only and edit_message_id is None:
        raise ValueError("markup_only is for edits")
    payload: dict[str, Any] = {"key": key, "args": dict(args or {})} if key else {"text": str(text)}
    if buttons:
        rows: list[list[ButtonSpec]] = []
        for row in buttons:
            out_row: list[ButtonSpec] = []
            for button in row:
                rendered = text is not None
                if not button.get("text" if rendered else "text_key"):
                    raise ValueError("a button needs a text" if rendered else "a button needs a text_key")
                has_cb = button.get("callback_data") is not None
                has_url = button.get("url") is not None
                if has_cb == has_url:
                    raise ValueError("a button needs exactly one of callback_data and url")
                if has_cb and len(str(button["callback_data"]).encode()) > 64:
                    raise ValueError("callback_data is limited to 64 bytes by Telegram")
                spec: ButtonSpec = ({"text": str(button["text"])} if rendered else
                                    {"text_key": button["text_key"], "args": dict(button.get("args") or {})})
                if has_cb:
                    spec["callback_data"] = str(button["callback_data"])
                else:
                    spec["url"] = str(button["url"])
                out_row.append(spec)
            if out_row:
                rows.append(out_row)
        if rows:
            payload["buttons"] = rows
    if urgent:
        payload["urgent"] = True
    if parse_mode:
        payload["parse_mode"] = parse_mode
    if edit_message_id is not None:
        payload["edit_message_id"] = int(edit_message_id)
    if markup_only:
        payload["markup_only"] = True
    if after is not None:
        payload["after"] = int(after)
    if data:
        payload["data"] = dict(data)
    return payload


async def enqueue(
    session: AsyncSession,
    *,
    user_id: int | None,
    chat_id: int,
    kind: str,
    key: str | None = None,
    args: Mapping[str, Any] | None = None,
    buttons: ButtonRows | None = None,
    due_at: datetime | None = None,
    dedupe_key: str | None = None,
    tz: str | None = None,
    urgent: bool = False,
    parse_mode: str | None = None,
    edit_message_id: int | None = None,
    data: Mapping[str, Any] | None = None,
    text: str | None = None,
    markup_only: bool = False,
    after: int | None = None,
) -> OutboxMessage | None:
    """Write a pending outbox row in the caller's transaction (the caller commits).

    ``due_at`` (aware) defaults to now. ``tz`` is the recipient's IANA zone for quiet hours
    (the bot's zone when None). ``edit_message_id``: edit that message of the chat instead of
    sending a new one. ``text``: a pre-rendered row instead of ``key``/``args`` (see the module
    docstring). ``after``: sent only once that row is settled (sent, failed, dropped).
    With a ``dedupe_key`` that already exists nothing is written
    and None is returned; the check is race-free on SQLite and PostgreSQL.
    """
    if due_at is not None and due_at.tzinfo is None:
        raise ValueError("due_at must be timezone-aware")
    if tz is not None:
        ZoneInfo(tz)  # raises on an unknown zone: fail at the producer, not in the sender
    row = OutboxMessage(
        user_id=user_id,
        chat_id=chat_id,
        kind=kind,
        payload=build_payload(key, args, buttons, text=text, urgent=urgent, parse_mode=parse_mode,
                              edit_message_id=edit_message_id, markup_only=markup_only, after=after, data=data),
        dedupe_key=dedupe_key,
        tz=tz,
        due_at=due_at or utcnow(),
        status=PENDING,
        attempts=0,
    )
    if dedupe_key is None:
        session.add(row)
        await session.flush()
        return row

    # Check, then insert inside a SAVEPOINT so that losing a race to a concurrent
    # transaction (IntegrityError on the unique key) leaves the caller's transaction usable.
    if await _dedupe_exists(session, dedupe_key):
        return None
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        log.debug("outbox: dedupe key taken concurrently (kind=%s)", kind)
        return None
    return row


async def _dedupe_exists(session: AsyncSession, dedupe_key: str) -> bool:
    found = await session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key).limit(1)
    )
    return found is not None


# --- Relevance ----------------------------------------------------------------------------

RelevanceCheck = Callable[[AsyncSession, OutboxMessage], Awaitable[bool]]
_RELEVANCE: dict[str, RelevanceCheck] = {}


def register_relevance(kind: str, check: RelevanceCheck) -> None:
    """Register ``async check(session, row) -> bool`` for rows of ``kind``.

    The sender calls it right before sending (in the transaction that marks the row
    'sending'); False drops the row. Kinds without a checker are always relevant.
    Registering a kind again replaces its checker. The row is rendered after the check, from
    the same object: a checker may rewrite ``row.payload`` (the curators' summary,
    ``domain.attention``, is written this way, from what is still open when it leaves).
    """
    _RELEVANCE[kind] = check


def unregister_relevance(kind: str) -> None:
    """Remove the checker of ``kind`` (tests use it to clean up)."""
    _RELEVANCE.pop(kind, None)


async def is_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    """Whether ``row`` should still be sent according to its kind's checker."""
    check = _RELEVANCE.get(row.kind)
    if check is None:
        return True
    return bool(await check(session, row))


Translate = Callable[..., str]
Renderer = Callable[[AsyncSession, OutboxMessage, Translate], Awaitable[str]]
_RENDERERS: dict[str, Renderer] = {}


def register_renderer(kind: str, render: Renderer) -> None:
    """Register ``async render(session, row, t) -> text`` for rows of ``kind``: the sender calls it
    (in the transaction that marks the row 'sending') instead of rendering ``key`` with ``args``;
    ``t`` translates into the recipient's current language. Buttons still come from the payload."""
    _RENDERERS[kind] = render


async def render_text(session: AsyncSession, row: OutboxMessage, t: Translate) -> str | None:
    """The text of ``row`` from its kind's renderer; None when the kind has none."""
    render = _RENDERERS.get(row.kind)
    return None if render is None else await render(session, row, t)


def recipient_reachable(user: User | None) -> bool:
    """False for users who blocked the bot or were erased: they never get a message.

    Rows without a user (a plain chat id) count as reachable.
    """
    if user is None:
        return True
    return user.unreachable_at is None and user.erased_at is None and user.tg_id is not None


BLOCKED: Final = "blocked"  # last_error of the rows failed or dropped because the person blocked the bot
ERASED: Final = "recipient erased"  # last_error of the rows dropped because the person was erased

#: How far back :func:`mark_reachable` brings back a row of a kind without a relevance check (a
#: plain notice, a reply): one due longer ago would arrive stale. Kinds with a check decide for
#: themselves when they are sent.
RESTORE_FRESH: Final = timedelta(days=1)


async def mark_unreachable(session: AsyncSession, *, user_id: int, now: datetime) -> bool:
    """The person cannot be messaged (they blocked the bot: a 403, or a ``my_chat_member``
    "kicked"): the user is marked unreachable (once; the first moment is kept). In the caller's
    transaction; True when it changed anything.

    Nothing queued for them is dropped here: a row waiting for later (a check-in due in the
    morning, a card held by quiet hours) may well find them back by then. The sender drops each
    row that comes due while they are unreachable (``last_error`` :data:`BLOCKED`), and
    :func:`mark_reachable` brings those back when they unblock the bot.
    """
    changed = await session.execute(
        update(User).where(User.id == user_id, User.unreachable_at.is_(None)).values(unreachable_at=now)
    )
    return bool(changed.rowcount)


async def mark_reachable(session: AsyncSession, user_id: int, now: datetime) -> int | None:
    """The person can be messaged again (they unblocked the bot, or wrote to it): new rows are sent
    to them, and the rows that came due while they were unreachable — dropped or failed as
    :data:`BLOCKED` since then — are queued again, as they were (their relevance checks still
    run when they are sent, so a card whose proposal was cancelled meanwhile stays unsent; a row
    of a kind without a check comes back only if it was due within :data:`RESTORE_FRESH`).

    In the caller's transaction. None when the person was not unreachable; else the number of
    rows queued again."""
    since = await session.scalar(select(User.unreachable_at).where(User.id == user_id))
    if since is None:
        return None
    await session.execute(
        update(User).where(User.id == user_id).values(unreachable_at=None)
    )
    fresh = now - RESTORE_FRESH
    restored = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.user_id == user_id,
            OutboxMessage.status.in_((DROPPED, FAILED)),
            OutboxMessage.last_error == BLOCKED,
            OutboxMessage.claimed_at >= since,  # dropped or refused since they became unreachable
            or_(OutboxMessage.kind.in_(sorted(_RELEVANCE)), OutboxMessage.due_at >= fresh),
        )
        .values(status=PENDING, last_error=None, claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return restored.rowcount or 0


# --- Pure rules ----------------------------------------------------------------------------


def _zone(tz: str | tzinfo) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def _local_moment(day: date, hour: int, zone: tzinfo) -> datetime:
    """``day`` at ``hour``:00 in ``zone``, as aware UTC.

    zoneinfo resolves DST edge cases with fold=0: a wall time skipped by a spring-forward
    maps to the instant of the transition (e.g. 02:00 → 03:00 DST), an ambiguous one
    (autumn) to its first occurrence.
    """
    return datetime.combine(day, dtime(hour), tzinfo=zone).astimezone(timezone.utc)


def quiet_until(now_utc: datetime, tz_name: str | tzinfo, start_hour: int, end_hour: int) -> datetime | None:
    """The UTC moment quiet hours end if ``now_utc`` is inside them, else None.

    Quiet hours are ``[start_hour, end_hour)`` in local wall time of ``tz_name``; a window
    with start > end crosses midnight (22 → 8), start == end means no quiet hours.
    """
    if now_utc.tzinfo is None:
        raise ValueError("now_utc must be timezone-aware")
    if start_hour == end_hour:
        return None
    zone = _zone(tz_name)
    local = now_utc.astimezone(zone)
    hour = local.hour
    if start_hour < end_hour:
        if not start_hour <= hour < end_hour:
            return None
        end_day = local.date()
    else:
        if hour >= start_hour:
            end_day = local.date() + timedelta(days=1)
        elif hour < end_hour:
            end_day = local.date()
        else:
            return None
    end = _local_moment(end_day, end_hour, zone)
    # Defensive: a DST fold can put the computed end at or before now; never return the past.
    return end if end > now_utc else None


BACKOFF_BASE_SECONDS: Final = 30.0
BACKOFF_CAP_SECONDS: Final = 3600.0


def backoff(attempt: int, base: float = BACKOFF_BASE_SECONDS, cap: float = BACKOFF_CAP_SECONDS) -> timedelta:
    """Delay before retry number ``attempt`` (1-based): base·2^(attempt-1), capped; no jitter."""
    if attempt < 1:
        attempt = 1
    exponent = min(attempt - 1, 62)  # avoid float overflow for absurd attempt counts
    return timedelta(seconds=min(cap, base * math.pow(2, exponent)))


Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """A token bucket: ``rate`` tokens per second, at most ``burst`` saved up.

    :meth:`acquire` reserves its token before waiting, so waiters are served first come, first
    served on evenly spaced slots and a late wake-up does not delay the ones after it: the pace
    is ``rate`` exactly. Any one-second window holds at most ``burst + rate`` acquisitions.

    ``clock`` (monotonic seconds) and ``sleep`` are injectable so tests need no real time.
    """

    def __init__(
        self,
        rate: float,
        burst: float | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.burst = float(burst) if burst is not None else max(1.0, self.rate / 5)
        if self.burst < 1:
            raise ValueError("burst must be at least 1")
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.burst
        self._stamp = clock()

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._stamp)
        self._stamp = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)

    def try_acquire(self) -> float:
        """Take a token if one is available and return 0, else return the seconds to wait."""
        self._refill()
        if self._tokens >= 1.0 - 1e-9:  # tolerate float rounding of elapsed × rate
            self._tokens = max(0.0, self._tokens - 1.0)
            return 0.0
        return (1.0 - self._tokens) / self.rate

    async def acquire(self) -> None:
        """Take a token, waiting for it if none is left.

        The token is taken at once and the bucket may go below zero: the caller then sleeps
        until its slot. (Polling instead lets every waiter wake at the same moment, one wins,
        and each timer's lateness is lost for good: the pace drifts below ``rate``.) A waiter
        cancelled while asleep forfeits its slot, which only slows the others down.
        """
        self._refill()
        self._tokens -= 1.0
        if self._tokens > -1e-9:  # tolerate float rounding of elapsed × rate
            return
        await self._sleep(-self._tokens / self.rate)

    def drain(self) -> None:
        """Forget saved-up tokens (after a flood-control pause, restart gently)."""
        self._refill()
        self._tokens = min(self._tokens, 0.0)


class SlidingWindow:
    """At most ``limit`` events in any ``period`` seconds (counted the way Telegram counts), and
    at least ``min_gap`` seconds between two events.

    The sender passes it right before each request. The token bucket spaces requests evenly
    when it hands out tokens, but a stall between the token and the request (a slow commit, a
    busy event loop) makes the waiting requests leave together; this keeps any second within
    what the bucket promises (``burst + rate``) and lets a backlog catch up at a bounded pace
    instead of all at once, so that jitter on the way cannot squeeze it into Telegram's count.
    """

    def __init__(
        self,
        limit: int,
        period: float = 1.0,
        *,
        min_gap: float = 0.0,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if limit < 1 or period <= 0 or not 0 <= min_gap < period:
            raise ValueError("limit must be at least 1, period positive and min_gap in [0, period)")
        self.limit = int(limit)
        self.period = float(period)
        self.min_gap = float(min_gap)
        self._clock = clock
        self._sleep = sleep
        self._times: deque[float] = deque()

    def ready_in(self) -> float:
        """Seconds until one more event is allowed (0 when it is allowed now)."""
        now = self._clock()
        horizon = now - self.period
        while self._times and self._times[0] <= horizon:
            self._times.popleft()
        wait = self._times[-1] + self.min_gap - now if self._times else 0.0
        if len(self._times) >= self.limit:
            wait = max(wait, self._times[0] - horizon)
        return max(0.0, wait)

    async def acquire(self) -> None:
        """Wait until one more event fits, then count it."""
        while (wait := self.ready_in()) > 0:
            await self._sleep(wait)
        self._times.append(self._clock())


class PerChatPacer:
    """At most one message per ``interval`` seconds per chat (monotonic, injectable clock)."""

    def __init__(self, interval: float, *, clock: Clock = time.monotonic) -> None:
        self.interval = max(0.0, float(interval))
        self._clock = clock
        self._last: dict[int, float] = {}

    def ready_in(self, chat_id: int) -> float:
        """Seconds until ``chat_id`` may receive a message (0 when it may now)."""
        last = self._last.get(chat_id)
        if last is None:
            return 0.0
        return max(0.0, last + self.interval - self._clock())

    def note(self, chat_id: int) -> None:
        """Record a message to ``chat_id`` now."""
        self._last[chat_id] = self._clock()
        self._forget_old()

    def _forget_old(self) -> None:
        if len(self._last) < 10_000:
            return
        horizon = self._clock() - self.interval
        self._last = {chat: t for chat, t in self._last.items() if t > horizon}


__all__ = [
    "PENDING",
    "CLAIMED",
    "SENDING",
    "SENT",
    "FAILED",
    "DROPPED",
    "UNKNOWN",
    "FINAL_STATUSES",
    "NAMELESS_KINDS",
    "SCRUBBED",
    "REPEAT",
    "REPORT",
    "KINDS",
    "may_repeat",
    "repeatable_kinds",
    "kind_words_key",
    "register_renderer",
    "render_text",
    "build_payload",
    "enqueue",
    "register_relevance",
    "unregister_relevance",
    "is_relevant",
    "recipient_reachable",
    "BLOCKED",
    "ERASED",
    "CLEARED",
    "RESTORE_FRESH",
    "mark_unreachable",
    "mark_reachable",
    "quiet_until",
    "backoff",
    "RateLimiter",
    "SlidingWindow",
    "PerChatPacer",
]
