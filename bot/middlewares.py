"""Outer middlewares: one database session per update, then who the sender is and their language.
Request middlewares (around every Bot API call): commit the update's work first, and let direct
replies survive flood control and transient failures (retried here; handed to the outbox when
they cannot be delivered in time: bot/replies.py)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.fsm.middleware import FSMContextMiddleware
from aiogram.methods import GetUpdates, TelegramMethod
from aiogram.types import Chat, InlineKeyboardMarkup, Message, TelegramObject, Update, User as TgUser
from aiohttp import ClientConnectorError, ConnectionTimeoutError
from aiohttp.client_exceptions import UploadAbortedError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.fsm_storage import CURRENT_SESSION
from bot.i18n import Translator, locale_from_telegram
from domain.outbox import mark_reachable
from domain.people import user_by_tg
from domain.text import LABEL_MAX, shorten

log = logging.getLogger(__name__)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]

#: True while Bot API calls are direct replies: set for the whole handling of an update, its error
#: handler included (``bot.replies.reply_scope``, entered by ``bot.app.Dispatcher``), and by
#: background work that answers someone (the report exports); see RetryDirectReplies. Tasks copy
#: their creator's context: the outbox sender sets it to False.
REPLYING: ContextVar[bool] = ContextVar("replying", default=False)


@contextmanager
def replying(enabled: bool = True) -> Iterator[None]:
    """Mark the Bot API calls made inside (in this task and the tasks it starts) as direct
    replies (``True``) or as not (``False``: the outbox sender, which has its own policy)."""
    token = REPLYING.set(enabled)
    try:
        yield
    finally:
        REPLYING.reset(token)


class DbSessionMiddleware(BaseMiddleware):
    """Opens a session for the update; commits when the handler returns, rolls back when it raises.

    (The scope of direct replies, :data:`REPLYING`, is wider: the whole update, the error handler
    included, which aiogram runs outside this middleware: ``bot.replies.reply_scope``.)
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self.sessionmaker = sessionmaker

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        async with self.sessionmaker() as session:
            token = CURRENT_SESSION.set(session)
            data["session"] = session
            try:
                result = await handler(event, data)
                await session.commit()
                return result
            except BaseException:
                await session.rollback()
                raise
            finally:
                CURRENT_SESSION.reset(token)


class StateInSession(FSMContextMiddleware):
    """aiogram's FSM middleware, with the update's database session (:class:`DbSessionMiddleware`)
    opened inside the per-user isolation lock and before the dialog state is read.

    aiogram reads the state (``raw_state``, for the state filters) just inside its lock and ahead
    of every other middleware: with the session opened later, that read took a short session of
    its own — a connection, a transaction (on SQLite a write lock) and a commit per update for one
    SELECT. Here it goes through the update's session like every other read. The order that
    matters is kept: the lock is taken first and released only after the session has committed,
    so a user's next update sees everything the previous one did.

    It also bounds how many updates are handled at once (``concurrency``, the setting
    ``UPDATES_CONCURRENCY``; 0: no bound). aiogram starts a task for every update it is given: a
    class registering at once had some 300 updates sharing the event loop, each slowed by all
    the others, so one that makes three Bot API calls waited about three times as long as one
    that makes one, and the wait per step had p95 3.3 s for a mean of 1.8 s (bench/assembly.py,
    flood on PostgreSQL). With a bound the updates are served in arrival order (the slots are a
    FIFO semaphore): p95 1.6 s, CPU per update 4.8 ms instead of 5.4. A slot is taken after the user's own lock, so one person's next
    updates, waiting for their first, take none: pressing fast cannot hold up anyone else (which
    is why aiogram's own ``tasks_concurrency_limit`` is not used: it counts the updates waiting
    on a person's lock too, and a few hundred taps of one person would stop polling for all).
    And before the session, so no one waiting holds a connection.
    """

    def __init__(self, fsm: FSMContextMiddleware, sessions: DbSessionMiddleware, concurrency: int = 0) -> None:
        super().__init__(storage=fsm.storage, events_isolation=fsm.events_isolation, strategy=fsm.strategy)
        self.sessions = sessions
        self.slots = asyncio.Semaphore(concurrency) if concurrency > 0 else None
        self.handling = 0  # updates in a slot now (tests, diagnostics)

    async def _admitted(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        if self.slots is None:
            return await self.sessions(handler, event, data)
        async with self.slots:
            self.handling += 1
            try:
                return await self.sessions(handler, event, data)
            finally:
                self.handling -= 1

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        context = self.resolve_event_context(data["bot"], data)
        data["fsm_storage"] = self.storage
        if context is None:
            return await self._admitted(handler, event, data)

        async def with_state(event: TelegramObject, data: dict[str, Any]) -> Any:
            data.update({"state": context, "raw_state": await context.get_state()})
            return await handler(event, data)

        async with self.events_isolation.lock(key=context.key):
            return await self._admitted(with_state, event, data)


class ContextMiddleware(BaseMiddleware):
    """Puts the sender's stored user (or None), language and translator into the handler data."""

    def __init__(self, settings: Settings, translator: Translator, clock: Callable[[], datetime] | None = None) -> None:
        self.settings = settings
        self.translator = translator
        self.clock = clock or (lambda: datetime.now(timezone.utc))

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        chat = data.get("event_chat")
        if chat is not None and chat.type != "private":
            return None  # a bot of personal data: nothing is shown or done in groups and channels
        tg_user: TgUser | None = data.get("event_from_user")
        session: AsyncSession = data["session"]
        user = await user_by_tg(session, tg_user.id) if tg_user else None
        locale = user.locale if user is not None else None
        if not locale and data.get("state") is not None:
            locale = (await data["state"].get_data()).get("locale")
        if not locale:
            locale = locale_from_telegram(tg_user.language_code if tg_user else None, self.settings.default_locale)
        if user is not None and user.unreachable_at is not None and isinstance(event, Update) and event.message:
            # they wrote to us (so they unblocked the bot): reachable again, what was dropped meanwhile back
            restored = await mark_reachable(session, user.id, self.clock())
            user.unreachable_at = None
            log.info("user %s wrote to the bot again: reachable; %s queued messages brought back", user.id, restored)
        data["user"] = user
        data["locale"] = locale
        data["t"] = self.translator.bind(locale)
        data["translator"] = self.translator
        data["settings"] = self.settings
        data["is_admin"] = bool(tg_user and self.settings.is_admin(tg_user.id))
        data["now"] = self.clock()
        return await handler(event, data)


class CommitBeforeRequest(BaseRequestMiddleware):
    """Commit the update's work before any Bot API call made while handling it.

    Two reasons: a user is never told "saved" about something that then fails to commit, and the
    database connection is not held across a network round trip (on SQLite there is one
    connection, so holding it would serialise every update behind Telegram's latency).
    """

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        session = CURRENT_SESSION.get()
        if session is not None and session.in_transaction():
            await session.commit()
        return await make_request(bot, method)


#: Methods that may be repeated when it is unknown whether Telegram carried out the first attempt:
#: reading, editing, setting and deleting leave the same state when done twice. Sending, forwarding
#: and copying (a second message) are not among them.
IDEMPOTENT_PREFIXES = ("get", "edit", "set", "delete")
IDEMPOTENT_METHODS = frozenset({"answerCallbackQuery", "sendChatAction"})
BACKOFF_FIRST = 0.5  # seconds before the first retry after a 5xx or a connection failure; doubles


def is_idempotent(method: TelegramMethod[Any]) -> bool:
    name = method.__api_method__
    return name in IDEMPOTENT_METHODS or name.startswith(IDEMPOTENT_PREFIXES)


def never_sent(exc: TelegramNetworkError) -> bool:
    """Whether a network failure happened before the request could reach Telegram: the
    connection was never made (refused, DNS, TLS, connect timeout) or the body never fully sent."""
    return isinstance(exc.__cause__, (ClientConnectorError, ConnectionTimeoutError, UploadAbortedError))


class RetryDirectReplies(BaseRequestMiddleware):
    """Direct replies survive flood control (429) and transient failures, never sent twice.

    Scope: only calls made while :data:`REPLYING` is set, i.e. while an update is handled, its
    error handler included (and by the report exports, which answer a curator from a task of their
    own). The outbox sender
    (bot/outbox.py) runs with it unset: a 429 there pauses the whole sender and puts the row back
    in the queue, other errors go back to the queue with backoff, and its 'sending' mark must
    stay the only attempt in flight. ``getUpdates`` is never retried here (aiogram's polling loop
    has its own backoff).

    Registered after :class:`CommitBeforeRequest`, so it runs inside it: the update's transaction
    is committed before the first attempt and no database connection is held while waiting (the
    user's next updates wait behind this one, as they always do; other people's do not).

    The policy follows what Telegram may already have done with the request:

    * **429 Too Many Requests**: refused, certainly not carried out. Retried after ``retry_after``.
    * **5xx** (Bad Gateway, "restarting", …): the front end answers for a back end that did not;
      in practice not carried out. Retried after a short backoff (0.5 s, 1 s, 2 s …).
    * **The request never left**: connection refused, DNS or TLS failure, connect timeout, body
      not fully sent. Retried after the same backoff.
    * **The request may have arrived**: a read timeout, a connection reset or dropped after the
      request was sent. Only idempotent methods are retried (``get*``, ``edit*``, ``set*``,
      ``delete*``, ``answerCallbackQuery``, ``sendChatAction``); ``send*``, ``forward*`` and
      ``copy*`` are not (a second message cannot be taken back): the error goes to the handler.
      If the first attempt did arrive, the retry of an edit answers "message is not modified":
      that is the edit done, and the call returns as a successful edit does (the message as
      edited, or True for an inline one), so no handler has to know about it.
    * **Anything else** (400, 403, 404, 409, 413 …) is an answer: raised at once.

    ``answerCallbackQuery`` never turns a successful action into an error: on a retry, "query is
    too old" (answered by an earlier attempt, or expired during the waits) counts as answered, and
    a callback answer that runs out of attempts is given up quietly (True; the spinner stops by
    itself).

    Bounds: at most ``attempts`` tries in all and ``max_wait`` seconds of waiting in all
    (``REPLY_RETRY_ATTEMPTS``, ``REPLY_RETRY_MAX_WAIT``). A ``retry_after`` longer than what is
    left is not waited for: the 429 is raised at once, to :class:`bot.replies.DeferReplies` (just
    outside this one), which hands a message or an edit of an update to the outbox — sent when
    Telegram allows, once, in order — instead of letting the handler fail. What cannot be handed
    over (a file, a send that may have arrived, background work) reaches the handler, whose error
    handler apologises (itself a reply of the same kind). Logs name the method and the error
    class, never the text.
    """

    def __init__(self, attempts: int = 4, max_wait: float = 20.0, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.attempts = max(1, attempts)
        self.max_wait = max(0.0, max_wait)
        self.sleep = sleep

    def _delay(self, exc: Exception, method: TelegramMethod[Any], attempt: int) -> float | None:
        """Seconds to wait before retrying after ``exc``; None when it must not be retried."""
        backoff = BACKOFF_FIRST * 2 ** (attempt - 1)
        if isinstance(exc, TelegramRetryAfter):
            return max(0.0, float(exc.retry_after))
        if isinstance(exc, TelegramServerError):
            return backoff
        if isinstance(exc, TelegramNetworkError) and not isinstance(exc, TelegramEntityTooLarge):
            if never_sent(exc) or is_idempotent(method):
                return backoff
        return None

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        if not REPLYING.get() or isinstance(method, GetUpdates):
            return await make_request(bot, method)
        name = method.__api_method__
        waited = 0.0
        attempt = 1
        maybe_arrived = False  # an earlier attempt of this (idempotent) call may have been carried out
        while True:
            try:
                return await make_request(bot, method)
            except TelegramBadRequest as exc:
                reason = exc.message.lower()
                if attempt > 1 and name == "answerCallbackQuery" and "query is too old" in reason:
                    # answered by an earlier attempt, or too late after the waits: either way the
                    # action itself went through, and a late answer must not turn it into an error
                    log.info("%s: query answered or expired during the retries; taken as answered", name)
                    return True
                if maybe_arrived and name.startswith("edit") and "not modified" in reason:
                    log.info("%s: carried out by an earlier attempt", name)
                    return edited(bot, method)
                raise
            except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as exc:
                delay = self._delay(exc, method, attempt)
                if delay is None:  # a send that may have arrived, or a 413
                    log.warning("%s failed (%s): not repeated", name, type(exc).__name__)
                    raise
                if attempt >= self.attempts or waited + delay > self.max_wait:
                    log.warning("%s failed (%s) after %d attempt(s), %.1f s of waiting: giving up", name,
                                type(exc).__name__, attempt, waited)
                    if name == "answerCallbackQuery":
                        return True  # the spinner stops by itself; the action is not undone for it
                    raise
                log.info("%s failed (%s): attempt %d of %d in %.1f s", name, type(exc).__name__, attempt + 1,
                         self.attempts, delay)
                if isinstance(exc, TelegramNetworkError) and not never_sent(exc):
                    maybe_arrived = True
            await self.sleep(delay)
            waited += delay
            attempt += 1


def edited(bot: Bot, method: TelegramMethod[Any]) -> Message | bool:
    """What a successful ``edit*`` call returns, for an edit an earlier attempt carried out (its
    answer was lost): True for an inline message, else the message as the edit left it."""
    chat_id = getattr(method, "chat_id", None)
    message_id = getattr(method, "message_id", None)
    if getattr(method, "inline_message_id", None) or not isinstance(chat_id, int) or not isinstance(message_id, int):
        return True
    return Message(message_id=message_id, date=datetime.now(timezone.utc),
                   chat=Chat(id=chat_id, type="private" if chat_id > 0 else "group"),
                   text=getattr(method, "text", None), caption=getattr(method, "caption", None),
                   reply_markup=getattr(method, "reply_markup", None)).as_(bot)


class ShortLabels(BaseRequestMiddleware):
    """No button label longer than ``domain.text.LABEL_MAX`` leaves the bot: a longer one (a long
    name in a button) is shortened at a word boundary with "…", for replies and queued messages
    alike. Phones would otherwise cut it wherever the width ends, inside a word; the screen the
    button opens shows the full text."""

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        markup = getattr(method, "reply_markup", None)
        if isinstance(markup, InlineKeyboardMarkup) and any(
                len(b.text) > LABEL_MAX for row in markup.inline_keyboard for b in row):
            method.reply_markup = InlineKeyboardMarkup(inline_keyboard=[
                [b if len(b.text) <= LABEL_MAX else b.model_copy(update={"text": shorten(b.text, LABEL_MAX)})
                 for b in row] for row in markup.inline_keyboard])
        return await make_request(bot, method)
