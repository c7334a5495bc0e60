"""Direct replies Telegram will not take in time go through the outbox: late, never lost.

:class:`bot.middlewares.RetryDirectReplies` waits out a 429 or a transient failure a bounded
number of times (``REPLY_RETRY_ATTEMPTS`` tries, ``REPLY_RETRY_MAX_WAIT`` seconds in all), so that
one person's flood wait does not hold their next updates for long. When it gives up — a 429
asking for longer, or one more than the attempts, or a 5xx or a request that never left, each a
reply Telegram certainly did not carry out — :class:`DeferReplies` hands the reply to the outbox
instead of letting the handler fail:

* an urgent outbox row (kind ``reply`` for a message, ``reply-edit`` for an edit; both
  classified in ``domain.outbox.KINDS``), due when ``retry_after`` ends. The outbox already
  waits out 429s (its whole sender pauses), retries other errors with backoff, survives a
  restart, and never sends twice (a ``reply`` caught in flight by a crash is reported to the
  administrators, not sent again);
* with its text and buttons as the handler rendered them (a pre-rendered payload; the text
  stays in the row only while it may still be sent, see ``domain.outbox``), in the person's
  language of the moment;
* the handler goes on as if it had been sent: a sent message comes back as a stand-in
  ``Message`` whose ``message_id`` is a placeholder, ``-<row id>``. A dialog that keeps it as its
  current question (the FSM's ``*mid`` keys) gets the real id from :func:`resolve_placeholders`
  at its next update, and an edit of a placeholder follows its row through the outbox (or is
  made directly once the row is sent);
* **order**: once a reply of an update went to the outbox, every later message or edit of the
  same update to the same chat goes there too, without trying, each row ``after`` the previous
  one (the sender holds a row until the one it follows is settled): the person reads them in the
  order the handler wrote them, after the wait. So do the replies of the chat's next updates
  while such a row still waits (remembered by this process): nothing overtakes it.

The scope is an update's handling, its error handler included (:func:`reply_scope`, entered by
``bot.app.Dispatcher`` around every update): the apology for a failed update survives a 429
too, and queues behind what the update already queued. Background work outside an update (the
report exports) is retried but not deferred. A send that may have arrived (the connection
dropped after the request left) is never handed over: it may be there already.

Not deferred (nothing to store, or no later to speak of): callback answers, files and photos,
command menus, sends with entities, reply parameters or buttons other than callback/URL ones.
Logs carry the method, row and user ids, never a text.
"""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Final

from aiogram import Bot
from aiogram.client.default import Default
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramEntityTooLarge, TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.fsm.context import FSMContext
from aiogram.methods import EditMessageReplyMarkup, EditMessageText, SendMessage, TelegramMethod
from aiogram.types import Chat, InlineKeyboardMarkup, Message
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.middlewares import REPLYING, never_sent, replying
from db.models import OutboxMessage, User
from domain.outbox import FINAL_STATUSES, SENT, enqueue

log = logging.getLogger(__name__)

KIND_REPLY: Final = "reply"
KIND_REPLY_EDIT: Final = "reply-edit"

#: Fields of the deferred methods that are carried over; any other one set (entities, reply
#: parameters, a thread...) makes a reply not deferrable: the outbox could not send it the same.
_CARRIED = {
    SendMessage: {"chat_id", "text", "parse_mode", "reply_markup"},
    EditMessageText: {"chat_id", "message_id", "text", "parse_mode", "reply_markup"},
    EditMessageReplyMarkup: {"chat_id", "message_id", "reply_markup"},
}


@dataclass
class ReplyScope:
    """One update's handling: the last row each chat's replies were handed over as."""

    last: dict[int, int] = field(default_factory=dict)


SCOPE: ContextVar[ReplyScope | None] = ContextVar("reply_scope", default=None)


@contextmanager
def reply_scope() -> Iterator[ReplyScope]:
    """The handling of one update (its error handler included): Bot API calls are direct replies
    (:data:`bot.middlewares.REPLYING`), and those that cannot be delivered in time are deferred."""
    scope = ReplyScope()
    token = SCOPE.set(scope)
    try:
        with replying():
            yield scope
    finally:
        SCOPE.reset(token)


def placeholder_row(message_id: Any) -> int | None:
    """The outbox row a placeholder message id stands for; None for a real id."""
    if isinstance(message_id, int) and not isinstance(message_id, bool) and message_id < 0:
        return -message_id
    return None


def _unset(value: Any, bot: Bot) -> bool:
    if isinstance(value, Default):
        value = bot.default[value.name]
    return value is None or value is False


def _buttons(markup: Any) -> list[list[dict[str, Any]]] | None:
    """The inline keyboard as outbox button specs; None when it has a kind of button the outbox
    does not send (only callback and URL buttons)."""
    if markup is None:
        return []
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    rows: list[list[dict[str, Any]]] = []
    for row in markup.inline_keyboard:
        out: list[dict[str, Any]] = []
        for b in row:
            extra = b.model_dump(exclude_none=True, exclude={"text", "callback_data", "url"})
            if extra or (b.callback_data is None) == (b.url is None):
                return None
            out.append({"text": b.text, "callback_data": b.callback_data} if b.callback_data is not None
                       else {"text": b.text, "url": b.url})
        rows.append(out)
    return rows


class DeferReplies(BaseRequestMiddleware):
    """Hands a direct reply that cannot be delivered in time to the outbox (module docstring).

    Registered outside :class:`bot.middlewares.RetryDirectReplies` (it sees what that one gives
    up on) and inside :class:`bot.middlewares.CommitBeforeRequest` (the update's transaction is
    committed, so the row is written in a short session of its own, whatever the handler does
    next)."""

    #: chats remembered with a row still waiting (beyond that, the oldest are forgotten)
    WAITING_MAX: Final = 10_000

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession],
                 clock: Callable[[], datetime] | None = None) -> None:
        self.sessionmaker = sessionmaker
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        # chat → the last row handed over for it, by any update (this process): a later update's
        # replies to that chat follow it while it waits, instead of overtaking it
        self._waiting: dict[int, int] = {}

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        scope = SCOPE.get()
        if scope is None or not REPLYING.get() or type(method) not in _CARRIED:
            return await make_request(bot, method)
        chat_id = method.chat_id
        if not isinstance(chat_id, int) or isinstance(chat_id, bool) or chat_id <= 0:
            return await make_request(bot, method)  # only private chats, named by id
        follows = placeholder_row(getattr(method, "message_id", None))
        if follows is not None:  # an edit of a reply the outbox held
            status, message_id = await self._row_state(follows)
            if status == SENT and message_id is not None:
                method.message_id = message_id  # delivered meanwhile: edit the real message
                follows = None
            elif status is None or status in FINAL_STATUSES:
                log.info("%s of outbox row %s, which was never sent: nothing to edit", method.__api_method__, follows)
                return self._stand_in(bot, method, chat_id, None)
        spec = _spec(bot, method)
        if spec is None:  # the outbox could not send it the same: as any reply (retried, then raised)
            return await make_request(bot, method)
        if chat_id not in scope.last and (earlier := self._waiting.get(chat_id)) is not None:
            status, _ = await self._row_state(earlier)
            if status is not None and status not in FINAL_STATUSES:
                scope.last[chat_id] = earlier  # an earlier update's reply still waits: after it
            elif self._waiting.get(chat_id) == earlier:
                del self._waiting[chat_id]
        if follows is not None or chat_id in scope.last:
            return await self._defer(bot, method, chat_id, spec, scope, 0.0, follows, None)
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as exc:
            return await self._defer(bot, method, chat_id, spec, scope, float(exc.retry_after), None, exc)
        except TelegramServerError as exc:
            return await self._defer(bot, method, chat_id, spec, scope, 0.0, None, exc)
        except TelegramNetworkError as exc:
            # a send that may have arrived is not handed over (it may be there); an edit may be
            if isinstance(exc, TelegramEntityTooLarge) or (isinstance(method, SendMessage) and not never_sent(exc)):
                raise
            return await self._defer(bot, method, chat_id, spec, scope, 0.0, None, exc)

    async def _row_state(self, row_id: int) -> tuple[str | None, int | None]:
        async with self.sessionmaker() as session:
            found = (await session.execute(select(OutboxMessage.status, OutboxMessage.tg_message_id)
                                           .where(OutboxMessage.id == row_id))).first()
        return (found[0], found[1]) if found is not None else (None, None)

    async def _defer(self, bot: Bot, method: TelegramMethod[Any], chat_id: int, spec: dict[str, Any],
                     scope: ReplyScope, delay: float, follows: int | None, error: Exception | None) -> Any:
        name = method.__api_method__
        is_send = isinstance(method, SendMessage)
        after = max((r for r in (scope.last.get(chat_id), follows) if r is not None), default=None)
        due = self.clock() + timedelta(seconds=max(0.0, delay))
        try:
            async with self.sessionmaker() as session:
                user_id = await session.scalar(select(User.id).where(User.tg_id == chat_id))
                if after is not None:
                    ahead = await session.scalar(select(OutboxMessage.due_at).where(OutboxMessage.id == after))
                    if ahead is not None and ahead > due:
                        due = ahead
                row = await enqueue(session, user_id=user_id, chat_id=chat_id,
                                    kind=KIND_REPLY if is_send else KIND_REPLY_EDIT, urgent=True, after=after,
                                    due_at=due, **spec)
                await session.commit()
        except Exception:
            log.exception("%s could not be handed to the outbox", name)
            if error is not None:
                raise error from None
            raise
        assert row is not None  # no dedupe key: always written
        scope.last[chat_id] = row.id
        self._waiting.pop(chat_id, None)
        self._waiting[chat_id] = row.id
        while len(self._waiting) > self.WAITING_MAX:
            del self._waiting[next(iter(self._waiting))]
        log.warning("%s%s: handed to the outbox as row %s (user %s, due in %.0f s%s)", name,
                    f" failed ({type(error).__name__})" if error is not None else "", row.id, user_id,
                    (due - self.clock()).total_seconds(), f", after row {after}" if after is not None else "")
        return self._stand_in(bot, method, chat_id, row.id if is_send else None)

    @staticmethod
    def _stand_in(bot: Bot, method: TelegramMethod[Any], chat_id: int, row_id: int | None) -> Message:
        """What the handler gets back: the message as it will be (a placeholder id for a send)."""
        message_id = -row_id if row_id is not None else method.message_id
        return Message(message_id=message_id, date=datetime.now(timezone.utc), chat=Chat(id=chat_id, type="private"),
                       text=getattr(method, "text", None), reply_markup=method.reply_markup).as_(bot)


def _spec(bot: Bot, method: TelegramMethod[Any]) -> dict[str, Any] | None:
    """The outbox row's payload arguments for ``method``; None when the outbox could not send it
    the same (a field it does not carry, a kind of button it does not send)."""
    carried = _CARRIED[type(method)]
    if any(not _unset(getattr(method, f), bot) for f in type(method).model_fields if f not in carried):
        return None
    buttons = _buttons(method.reply_markup)
    if buttons is None:
        return None
    parse_mode = getattr(method, "parse_mode", None)
    if isinstance(parse_mode, Default):
        parse_mode = bot.default[parse_mode.name]
    text = getattr(method, "text", None)
    is_send = isinstance(method, SendMessage)
    return {"text": text if text is not None else "", "buttons": buttons, "parse_mode": parse_mode or None,
            "edit_message_id": None if is_send else method.message_id,
            "markup_only": isinstance(method, EditMessageReplyMarkup)}


async def resolve_placeholders(session: AsyncSession, state: FSMContext) -> None:
    """The dialog's question ids (``*mid`` keys) and its stale copies that are still placeholders
    of replies the outbox held: the real message ids, once those were sent (a question the person
    can press now is one the outbox delivered). Called before each update of the chat is handled
    (``bot.questions.QuestionCopies``), so the handler compares real ids."""
    from bot.questions import STALE_KEY, prompt_ids

    data = await state.get_data()
    prompts = {k: v for k, v in prompt_ids(data).items() if placeholder_row(v) is not None}
    stale = [m for m in (data.get(STALE_KEY) or ()) if placeholder_row(m) is not None]
    if not prompts and not stale:
        return
    rows = {placeholder_row(v) for v in (*prompts.values(), *stale)}
    sent = dict((await session.execute(
        select(OutboxMessage.id, OutboxMessage.tg_message_id)
        .where(OutboxMessage.id.in_(sorted(rows)), OutboxMessage.status == SENT))).all())
    changes: dict[str, Any] = {}
    for key, value in prompts.items():
        real = sent.get(placeholder_row(value))
        if real is not None:
            changes[key] = real
    if stale and any(placeholder_row(m) in sent for m in stale):
        changes[STALE_KEY] = [sent.get(placeholder_row(m), m) for m in data.get(STALE_KEY) or ()]
    if changes:
        await state.update_data(changes)


__all__ = ["DeferReplies", "KIND_REPLY", "KIND_REPLY_EDIT", "ReplyScope", "SCOPE", "placeholder_row",
           "reply_scope", "resolve_placeholders"]
