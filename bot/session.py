"""The bot's HTTP session: aiogram's, except that one update it cannot read does not stall polling.

aiogram validates a ``getUpdates`` answer as a whole: a single update whose shape its models reject
(a field a newer Bot API added, a proxy's bug) makes the whole call fail with ClientDecodeError.
``Dispatcher._listen_updates`` then logs "Failed to fetch updates", backs off and asks again with
the same offset, for the same answer, for ever: nobody is answered any more.

:class:`BotSession` validates a ``getUpdates`` answer update by update instead. An update that does
not validate is logged with its id (never its content) and left out; the others are handled as
usual. The offset moves past a skipped update too: aiogram advances it after each update it hands
out, so a skipped update followed by a good one is confirmed by the good one's offset, and one at
the end of a batch (or a batch of nothing else) is confirmed by raising the offset of the next
``getUpdates`` of the same polling loop, once every update handed out before it has been taken
(aiogram has then set the offset to just past the last of them).

Keyboards coming back are not read. Telegram echoes the inline keyboard of every message it
returns (the answer to ``sendMessage`` and the edits) and of the message a pressed button sits on
(``callback_query.message``); aiogram turns each button into a model bound to the bot, some 18 µs
a button, so a question with twenty options cost 0.46 ms to read back against 0.09 ms without its
keyboard (bench/assembly.py: 7.6 % of the bot's CPU in a registration flood). The bot never reads
a keyboard back: it renders every keyboard from its own state, so :data:`KEYBOARD_UNREAD` is left
out of those messages before they are validated (``reply_markup`` is None there). Everything else
in them (ids, chat, text, entities) is read as before.
"""
from __future__ import annotations

import logging
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from aiohttp import FormData

from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import GetUpdates, Response, TelegramMethod
from aiogram.methods.base import TelegramType
from aiogram.types import Update
from pydantic import ValidationError

if TYPE_CHECKING:
    from aiogram import Bot

log = logging.getLogger(__name__)

MAX_FIELDS_LOGGED = 5

#: The field of a returned or pressed-on message that the bot does not read back (see above).
KEYBOARD_UNREAD = "reply_markup"

#: ``Response[X]`` for every X answered so far. pydantic keeps parametrised generic models in a
#: weak cache: once nothing refers to ``Response[Message]`` the garbage collector drops it, and the
#: next call builds the model again (10–50 ms of CPU each; bench/assembly.py counted some 700 such
#: rebuilds in a 60-person registration, a sixth of the bot's CPU). aiogram parametrises on every
#: call, so holding each one here keeps pydantic's cache warm. Bounded by the number of result types.
_RESPONSE_TYPES: dict[Any, Any] = {}


def response_type(returning: Any) -> Any:
    """``Response[returning]``, built once per process."""
    try:
        found = _RESPONSE_TYPES.get(returning)
    except TypeError:  # not hashable: nothing to hold (pydantic could not cache it either)
        return Response[returning]  # type: ignore[valid-type]
    if found is None:
        found = _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[valid-type]
    return found


class _NotPlain(Exception):
    """A value the fast path of :meth:`BotSession.build_form_data` leaves to aiogram."""


def _plain(value: Any) -> Any:
    """``value`` (from ``model_dump``) without the None entries of its dicts and lists, as
    aiogram's ``prepare_value`` leaves it; _NotPlain for anything but dicts, lists and JSON scalars
    (a default, a file, a date, an enum: aiogram's own path handles those)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_plain(v) for v in value if v is not None]
    if type(value) in (str, int, float, bool):
        return value
    raise _NotPlain


def _fields(exc: ValidationError) -> str:
    """Where the shape is wrong (field paths only: the values are never logged)."""
    paths = []
    for error in exc.errors(include_url=False, include_input=False, include_context=False):
        path = ".".join(str(part) for part in error.get("loc", ()))
        if path not in paths:
            paths.append(path)
    more = len(paths) - MAX_FIELDS_LOGGED
    return ", ".join(paths[:MAX_FIELDS_LOGGED]) + (f" and {more} more" if more > 0 else "")


class BotSession(AiohttpSession):
    """AiohttpSession that skips (and logs) updates aiogram cannot read instead of stalling."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # (id of the GetUpdates object, the offset aiogram will have set once it took every
        # update handed out, the offset past the skipped ones) after a batch ending in skipped ones
        self._skip: tuple[int, int | None, int] | None = None
        # readiness (bot/health.py), time.monotonic(): the last getUpdates asked and answered,
        # and whether the last one failed
        self.poll_started: float | None = None
        self.last_polled: float | None = None
        self.poll_failing = False

    async def make_request(self, bot: Bot, method: TelegramMethod[TelegramType],
                           timeout: int | None = None) -> TelegramType:
        if isinstance(method, GetUpdates) and self._skip is not None:
            owner, expected, past = self._skip
            self._skip = None
            # Only the same polling loop, and only once it took all it was given: a new loop (a
            # restart) starts from Telegram's own offset and simply meets, and skips, them again.
            if owner == id(method) and method.offset == expected:
                method.offset = past
        if not isinstance(method, GetUpdates):
            return await super().make_request(bot, method, timeout)
        self.poll_started = time.monotonic()
        try:
            result = await super().make_request(bot, method, timeout)
        except Exception:
            self.poll_failing = True
            raise
        self.last_polled = time.monotonic()
        self.poll_failing = False
        return result

    def build_form_data(self, bot: Bot, method: TelegramMethod[TelegramType]) -> FormData:
        """aiogram's form, built quicker when every field is plain data (the usual case: texts,
        ids, keyboards). aiogram walks each value through ``prepare_value``, which for a keyboard
        of twenty buttons costs about 0.2 ms per call (bench/assembly.py: 9 % of the bot's CPU in a
        registration flood). The result is the same form: None dropped, dicts and lists as JSON,
        empty top-level values left out. Anything else (a default, a file, a date, an enum) takes
        aiogram's own path."""
        try:
            fields = []
            for key, value in method.model_dump(warnings=False).items():
                if value is None or isinstance(value, str):
                    prepared = value
                elif isinstance(value, (dict, list)):
                    prepared = self.json_dumps(_plain(value))
                elif type(value) in (int, float, bool):
                    prepared = self.json_dumps(value)
                else:
                    raise _NotPlain
                if prepared:
                    fields.append((key, prepared))
        except _NotPlain:
            return super().build_form_data(bot, method)
        form = FormData(quote_fields=False)
        for key, prepared in fields:
            form.add_field(key, prepared)
        return form

    def check_response(self, bot: Bot, method: TelegramMethod[TelegramType], status_code: int,
                       content: str) -> Response[TelegramType]:
        if HTTPStatus.OK <= status_code <= HTTPStatus.IM_USED:
            try:
                data = self.json_loads(content)  # once: what aiogram would parse again is handed on
            except Exception:  # noqa: BLE001 - aiogram raises the proper ClientDecodeError below
                data = None
            if isinstance(data, dict) and data.get("ok") is True:
                if isinstance(method, GetUpdates):
                    checked = self._check_updates(bot, method, data)
                else:
                    checked = self._check_result(bot, method, data)
                if checked is not None:
                    return checked  # type: ignore[return-value]
        response_type(method.__returning__)  # aiogram's Response[...] below then comes from the cache
        return super().check_response(bot, method, status_code, content)

    def _check_result(self, bot: Bot, method: TelegramMethod[TelegramType],
                      data: dict[str, Any]) -> Response[TelegramType] | None:
        """A successful answer, a returned message read without its keyboard; None to let aiogram
        read the untouched answer (it then raises its own ClientDecodeError)."""
        result = data.get("result")
        if isinstance(result, dict):
            result.pop(KEYBOARD_UNREAD, None)
        try:
            return response_type(method.__returning__).model_validate(data, context={"bot": bot})
        except ValidationError:
            return None

    def _check_updates(self, bot: Bot, method: GetUpdates, data: dict[str, Any]) -> Response[list[Update]] | None:
        """The answer with the unreadable updates left out; None to let aiogram handle it as it is
        (not a successful list: its own errors are the right ones)."""
        if not isinstance(data.get("result"), list):
            return None
        good: list[Update] = []
        skipped: list[int] = []
        for raw in data["result"]:
            pressed = raw.get("callback_query") if isinstance(raw, dict) else None
            if isinstance(pressed, dict) and isinstance(pressed.get("message"), dict):
                pressed["message"].pop(KEYBOARD_UNREAD, None)
            try:
                good.append(Update.model_validate(raw, context={"bot": bot}))
            except ValidationError as exc:
                update_id = raw.get("update_id") if isinstance(raw, dict) else None
                if isinstance(update_id, int) and not isinstance(update_id, bool):
                    skipped.append(update_id)
                log.error("update %s skipped: its shape cannot be read (%s)",
                          update_id if isinstance(update_id, int) else "without an id", _fields(exc))
        if skipped:
            expected = good[-1].update_id + 1 if good else method.offset
            past = max(skipped) + 1
            if expected is None or past > expected:
                self._skip = (id(method), expected, past)
        return response_type(list[Update])(ok=True, result=good)


__all__ = ["BotSession"]
