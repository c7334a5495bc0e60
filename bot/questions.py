"""Stale copies of a dialog's question, handled once for every dialog.

Every dialog keeps the message id of its current question in its FSM data, under a key whose
name ends in ``mid`` (``mid`` for registration and profile edits, ``w_mid`` for meetings and
surveys, ``pg_mid`` / ``pf_mid`` for programmes, ``bk_mid`` for practices, ...). When a message
(a text where buttons were expected, a sticker...) makes a dialog ask its question again — the
state stays the same and a new message id replaces the old one — the old copy is out of date:

* its buttons are removed (unless the handler already edited that message itself), and
* its id is remembered in the FSM data (``STALE_KEY``, the last ``STALE_KEEP``), so that a press on
  any button it still shows (an old client, a race with the edit) is answered "this question is no
  longer current" and reaches no handler: nothing changes.

Dialogs need no code of their own for this; they only keep their ``*mid`` key up to date, which
they already do to refuse buttons of other messages. A question that Telegram would not take in
time went through the outbox (bot/replies.py) and was kept under a placeholder id: before each
update the real id replaces it (``bot.replies.resolve_placeholders``).
"""
from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramAPIError
from aiogram.fsm.context import FSMContext
from aiogram.methods import DeleteMessage, EditMessageReplyMarkup, EditMessageText, TelegramMethod
from aiogram.types import CallbackQuery, Message, TelegramObject

log = logging.getLogger(__name__)

STALE_KEY = "_stale_q"
STALE_KEEP = 20
PROMPT_SUFFIX = "mid"

# message ids the current update's handler edited or deleted itself (set by QuestionCopies)
_EDITED: ContextVar[set[int] | None] = ContextVar("question_copies_edited", default=None)

Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


def prompt_ids(data: dict[str, Any]) -> dict[str, int]:
    """The dialogs' current question ids in FSM data: {key: message id}."""
    return {k: v for k, v in data.items()
            if k.endswith(PROMPT_SUFFIX) and isinstance(v, int) and not isinstance(v, bool)}


class TrackEdits(BaseRequestMiddleware):
    """Notes the messages a handler edits or deletes, so that QuestionCopies does not edit them again."""

    async def __call__(self, make_request: NextRequestMiddlewareType, bot: Bot, method: TelegramMethod) -> Any:
        edited = _EDITED.get()
        if edited is not None and isinstance(method, (EditMessageReplyMarkup, EditMessageText, DeleteMessage)):
            if isinstance(method.message_id, int):
                edited.add(method.message_id)
        return await make_request(bot, method)


class QuestionCopies(BaseMiddleware):
    """Outer middleware for messages and callback queries (see the module's docstring)."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if state is None:
            return await handler(event, data)
        if data.get("session") is not None:  # a question the outbox delivered late: its real id
            from bot.replies import resolve_placeholders

            await resolve_placeholders(data["session"], state)
        if isinstance(event, CallbackQuery):
            return await self._press(handler, event, data, state)
        if not isinstance(event, Message):
            return await handler(event, data)
        state_before = await state.get_state()
        if state_before is None:
            return await handler(event, data)
        before = prompt_ids(await state.get_data())
        token = _EDITED.set(set())
        try:
            result = await handler(event, data)
            edited = _EDITED.get() or set()
        finally:
            _EDITED.reset(token)
        if not before or await state.get_state() != state_before:
            return result
        after_data = await state.get_data()
        after = prompt_ids(after_data)
        retired = [old for key, old in before.items() if after.get(key) not in (None, old)]
        if retired:
            await self._retire(data["bot"], event.chat.id, state, after_data, retired, edited)
        return result

    async def _press(self, handler: Handler, event: CallbackQuery, data: dict[str, Any], state: FSMContext) -> Any:
        message = event.message
        if message is not None and await state.get_state() is not None:
            stale = (await state.get_data()).get(STALE_KEY) or ()
            if message.message_id in stale:
                await event.answer(data["t"]("dialog-question-stale"), show_alert=True)
                return None
        return await handler(event, data)

    @staticmethod
    async def _retire(bot: Bot, chat_id: int, state: FSMContext, fsm: dict[str, Any], retired: list[int],
                      edited: set[int]) -> None:
        for message_id in retired:
            if message_id in edited:
                continue
            try:
                await bot.edit_message_reply_markup(chat_id=chat_id, message_id=message_id, reply_markup=None)
            except TelegramAPIError as exc:  # gone, or had no buttons: the press check still holds
                log.debug("could not remove the buttons of question copy %s: %s", message_id, exc)
        stale = [m for m in (fsm.get(STALE_KEY) or ()) if m not in retired] + retired
        await state.update_data({STALE_KEY: stale[-STALE_KEEP:]})


__all__ = ["STALE_KEY", "STALE_KEEP", "prompt_ids", "QuestionCopies", "TrackEdits"]
