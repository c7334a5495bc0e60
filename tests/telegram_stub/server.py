"""An in-process stand-in for the Telegram Bot API, served over real HTTP by aiohttp.

The bot under test talks to it with its real aiogram ``Bot``/``AiohttpSession``::

    async with FakeTelegram() as tg:
        bot = Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.base_url)))
        # or simply: bot = tg.create_bot()
        user = tg.user(42)
        await user.send("/start")
        reply = await user.wait_message()

Everything is single-threaded and lives in the test's event loop, so the test can
inspect and mutate the server state (``tg.requests``, ``tg.delivered``,
``tg.fail_next(...)`` ...) directly.  See ``__main__.py`` for the stand-alone
process mode and the ``/_control/*`` endpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import itertools
import json
import logging
import math
import mimetypes
import os
import re
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web
from aiohttp.web_request import FileField

from .html_text import HtmlParseError, html_to_text
from .models import (
    WAIT_DEFAULT,
    ApiError,
    DeliveredRecord,
    ErrorRecord,
    RecordedRequest,
    SentMessage,
    StoredFile,
    UploadedFile,
)
from .user import FakeUser

if TYPE_CHECKING:
    from aiogram import Bot

__all__ = ["FakeTelegram"]

log = logging.getLogger("tests.telegram_stub")

T = TypeVar("T")

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64
MAX_UPLOAD_BYTES = 50 * 1024 * 1024

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
BLOCKED = "Forbidden: bot was blocked by the user"
CHAT_NOT_FOUND = "Bad Request: chat not found"
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"

# Update types Telegram does not deliver unless explicitly listed in allowed_updates.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

# Parameters that are always kept as strings (never turned into bool/int/JSON).
_TEXT_KEYS = frozenset(
    """
    text caption callback_query_id inline_message_id inline_query_id shipping_query_id
    pre_checkout_query_id file_id description short_description name title query question
    emoji first_name last_name custom_title url payload start_parameter message_effect_id
    business_connection_id language_code parse_mode action secret_token address phone_number
    vcard currency provider_token gift_id
    """.split()  # noqa: SIM905
)
# Numeric parameters (besides everything ending with chat_id / message_id / user_id).
_INT_KEYS = frozenset(
    """
    offset limit timeout cache_time duration width height length message_thread_id until_date
    expire_date member_limit max_connections direct_messages_topic_id star_count
    """.split()  # noqa: SIM905
)
_INT_SUFFIXES = ("chat_id", "message_id", "user_id")
_INT_RE = re.compile(r"-?\d+")

_INLINE_BUTTON_ACTIONS = tuple(
    """
    callback_data url web_app login_url switch_inline_query switch_inline_query_current_chat
    switch_inline_query_chosen_chat copy_text callback_game pay
    """.split()  # noqa: SIM905
)

# Generic send* methods: method (lower case) -> name of the media parameter.
_GENERIC_MEDIA_PARAM = {
    "sendvideo": "video",
    "sendaudio": "audio",
    "sendvoice": "voice",
    "sendanimation": "animation",
    "sendsticker": "sticker",
    "sendvideonote": "video_note",
}


def _coerce(key: str, value: Any) -> Any:
    """Turn a form field string into the value the Bot API would understand."""
    if not isinstance(value, str) or key in _TEXT_KEYS:
        return value
    if value in ("true", "false"):
        return value == "true"
    if (key in _INT_KEYS or key.endswith(_INT_SUFFIXES)) and _INT_RE.fullmatch(value):
        return int(value)
    if value.startswith(("{", "[")):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _as_int(value: Any, default: int) -> int:
    """Lenient int conversion for numeric parameters."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if isinstance(value, (float, str)):
        try:
            return int(float(value))
        except ValueError:
            return default
    return default


def _json_default(value: Any) -> Any:
    """``json.dumps`` fallback for objects stored in recorded params."""
    if isinstance(value, UploadedFile):
        return {"filename": value.filename, "size": len(value.content)}
    if isinstance(value, StoredFile):
        return {"file_id": value.file_id, "file_name": value.file_name, "size": value.size}
    if isinstance(value, SentMessage):
        return value.to_json()
    return repr(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default)


def _inline_rows(markup: dict[str, Any] | None) -> list[Any] | None:
    """The inline keyboard rows of a markup (what Telegram echoes back in Message)."""
    if isinstance(markup, dict):
        rows = markup.get("inline_keyboard")
        if isinstance(rows, list) and rows:
            return rows
    return None


@dataclass
class _ChatState:
    """Everything the server knows about one chat."""

    chat: dict[str, Any]
    seen: bool = False
    next_message_id: int = 1
    messages: dict[int, SentMessage] = field(default_factory=dict)
    user_messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    events: list[SentMessage] = field(default_factory=list)

    @property
    def id(self) -> int:
        return int(self.chat["id"])


@dataclass
class _Failure:
    """A pending ``fail_next`` entry."""

    method: str
    error: ApiError | None  # None = drop the connection without an answer
    remaining: int
    after_delivery: bool


class FakeTelegram:
    """A fake Telegram Bot API server (see the module docstring).

    :param host: interface to bind.
    :param port: TCP port; 0 picks a free one (see :attr:`base_url`).
    :param bot_id: id of the bot user (``getMe``, ``from`` of bot messages).  ``None``
        (default) = 1000 until the first API call, then the numeric prefix of the token
        the bot uses (as in Telegram, where the token starts with the bot id).
    :param bot_username: its username.
    :param bot_first_name: its first name.
    :param rate_limits: enable 429 emulation for ``send*``/``edit*`` methods.
    :param global_per_second: accepted send/edit calls per sliding second, all chats.
    :param per_chat_per_second: accepted send/edit calls per sliding second, per chat.
    :param strict_chats: answer ``chat not found`` for chats never seen before.
    :param max_long_poll: cap (seconds) for the ``getUpdates`` ``timeout``.
    :param state_file: if set, delivered messages are dumped there as JSON lines
        every ``dump_interval`` seconds and on :meth:`stop`.
    :param dump_interval: period of the state-file dump.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        bot_id: int | None = None,
        bot_username: str = "mentor_test_bot",
        bot_first_name: str = "Mentor Test Bot",
        rate_limits: bool = False,
        global_per_second: int = 30,
        per_chat_per_second: int = 1,
        strict_chats: bool = False,
        max_long_poll: float = 10.0,
        state_file: str | os.PathLike[str] | None = None,
        dump_interval: float = 0.2,
    ) -> None:
        self.host = host
        self.port = port
        self.bot_id = bot_id if bot_id is not None else 1000
        self._auto_bot_id = bot_id is None
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.rate_limits = rate_limits
        self.global_per_second = global_per_second
        self.per_chat_per_second = per_chat_per_second
        self.strict_chats = strict_chats
        self.max_long_poll = max_long_poll
        self.state_file = Path(state_file) if state_file is not None else None
        self.dump_interval = dump_interval
        self.token = f"{self.bot_id}:TEST-stub-token"
        """A syntactically valid token you can use for the bot under test."""

        # --- observable state ------------------------------------------------------------
        self.requests: list[RecordedRequest] = []
        """Every API call, in arrival order (also the failed ones)."""
        self.errors: list[ErrorRecord] = []
        """Every call answered with ``ok: false``."""
        self.delivered: list[DeliveredRecord] = []
        """``(chat_id, text)`` for every successfully delivered bot message."""
        self.delivered_log: list[dict[str, Any]] = []
        """Richer records of the deliveries (chat_id, message_id, text, method, time)."""
        self.count_429 = 0
        """Number of 429 answers (rate-limit mode or injected)."""
        self.callback_answers: dict[str, dict[str, Any]] = {}
        """``answerCallbackQuery`` params by callback query id."""
        self.my_commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        """Commands set with ``setMyCommands`` by ``(scope JSON, language_code)``."""
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        """``setChatMenuButton`` values by chat id (None = default)."""
        self.chat_actions: list[tuple[int, str]] = []
        """``sendChatAction`` calls as ``(chat_id, action)``."""
        self.files: dict[str, StoredFile] = {}
        """Known files by file_id."""
        self.internal_errors: list[str] = []
        """Tracebacks of bugs in the stub itself (should stay empty)."""
        self.filtered_updates: list[dict[str, Any]] = []
        """Updates dropped because their type was not in ``allowed_updates``."""

        # --- internal state -------------------------------------------------------------
        self._chats: dict[int, _ChatState] = {}
        self._users: dict[int, FakeUser] = {}
        self._blocked: set[int] = set()
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._allowed_updates: set[str] | None = None
        self._poll_generation = 0
        self._webhook_url = ""
        self._webhook_secret = ""
        self._webhook_max_connections = 40
        self._webhook_task: asyncio.Task[None] | None = None
        self.webhook_deliveries: list[tuple[int, int]] = []
        """(update_id, HTTP status) of every webhook POST made, in order (failures included)."""
        self._callbacks: dict[str, int] = {}  # callback query id -> user id
        self._custom_results: dict[str, Any] = {}
        self._failures: list[_Failure] = []
        self._holds: dict[str, asyncio.Event] = {}
        self._held = 0
        self._ids = itertools.count(1)
        self._global_window: deque[float] = deque()
        self._chat_windows: dict[int, deque[float]] = {}
        self._changed = asyncio.Event()
        self._closing = False
        self._runner: web.AppRunner | None = None
        self._dump_task: asyncio.Task[None] | None = None
        self._dumped_count = -1
        self._handlers: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "getme": self._m_get_me,
            "getupdates": self._m_get_updates,
            "deletewebhook": self._m_delete_webhook,
            "setwebhook": self._m_set_webhook,
            "getwebhookinfo": self._m_get_webhook_info,
            "logout": self._m_true,
            "close": self._m_true,
            "setmycommands": self._m_set_my_commands,
            "getmycommands": self._m_get_my_commands,
            "deletemycommands": self._m_delete_my_commands,
            "sendmessage": self._m_send_message,
            "editmessagetext": self._m_edit_message_text,
            "editmessagereplymarkup": self._m_edit_message_reply_markup,
            "editmessagecaption": self._m_edit_message_caption,
            "deletemessage": self._m_delete_message,
            "deletemessages": self._m_delete_messages,
            "answercallbackquery": self._m_answer_callback_query,
            "senddocument": self._m_send_document,
            "sendphoto": self._m_send_photo,
            "sendmediagroup": self._m_send_media_group,
            "forwardmessage": self._m_forward_message,
            "copymessage": self._m_copy_message,
            "sendchataction": self._m_send_chat_action,
            "setchatmenubutton": self._m_set_chat_menu_button,
            "getchatmenubutton": self._m_get_chat_menu_button,
            "getfile": self._m_get_file,
            "getchat": self._m_get_chat,
            "getchatmember": self._m_get_chat_member,
        }

    # =====================================================================================
    # lifecycle
    # =====================================================================================
    @property
    def base_url(self) -> str:
        """``http://host:port`` - pass it to ``TelegramAPIServer.from_base``."""
        if self._runner is None:
            raise RuntimeError("FakeTelegram is not started")
        return f"http://{self.host}:{self.port}"

    def build_app(self) -> web.Application:
        """The aiohttp application (API, file download and ``/_control`` routes)."""
        app = web.Application(client_max_size=MAX_UPLOAD_BYTES + 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        from .control import add_control_routes  # local import: control depends on us

        add_control_routes(app, self)
        return app

    async def start(self) -> FakeTelegram:
        """Start serving on ``host:port`` (port 0 = a free port). Returns ``self``."""
        if self._runner is not None:
            return self
        self._closing = False
        runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        addresses = runner.addresses
        if addresses:
            self.port = int(addresses[0][1])
        if self.state_file is not None:
            self._dumped_count = -1
            self.dump_state()
            self._dump_task = asyncio.create_task(self._dump_loop())
        log.info("FakeTelegram listening on %s", self.base_url)
        return self

    async def stop(self) -> None:
        """Stop the server: wake long polls, release held responses, dump state."""
        if self._runner is None:
            return
        self._closing = True
        self.release()
        self._notify()
        if self._webhook_task is not None:
            self._webhook_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._webhook_task
            self._webhook_task = None
        if self._dump_task is not None:
            self._dump_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._dump_task
            self._dump_task = None
        self.dump_state()
        runner, self._runner = self._runner, None
        await runner.cleanup()

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def create_bot(self, token: str | None = None, **bot_kwargs: Any) -> Bot:
        """A real aiogram ``Bot`` with an ``AiohttpSession`` pointed at this server."""
        from aiogram import Bot
        from aiogram.client.session.aiohttp import AiohttpSession
        from aiogram.client.telegram import TelegramAPIServer

        session = AiohttpSession(api=TelegramAPIServer.from_base(self.base_url))
        return Bot(token or self.token, session=session, **bot_kwargs)

    # =====================================================================================
    # users, chats, updates
    # =====================================================================================
    @property
    def bot_user(self) -> dict[str, Any]:
        """The bot as a ``User`` object."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "ru",
        username: str | None = None,
        last_name: str | None = None,
    ) -> FakeUser:
        """Create the simulated user ``user_id`` (private chat id == user id).

        Calling it again for an existing id returns that user unchanged (the profile
        arguments are ignored; set the attributes to change them).
        """
        existing = self._users.get(user_id)
        if existing is not None:
            return existing
        fake = FakeUser(self, user_id, first_name, language_code, username, last_name)
        self._users[user_id] = fake
        self.ensure_chat(fake.chat_api(), seen=True)
        return fake

    @property
    def users(self) -> dict[int, FakeUser]:
        """Simulated users by id."""
        return dict(self._users)

    def ensure_chat(self, chat: dict[str, Any], *, seen: bool = True) -> None:
        """Register a chat (``Chat`` object); ``seen`` chats pass ``strict_chats``."""
        chat_id = int(chat["id"])
        state = self._chats.get(chat_id)
        if state is None:
            self._chats[chat_id] = _ChatState(chat=dict(chat), seen=seen)
        else:
            state.chat.update(chat)
            state.seen = state.seen or seen

    def _chat_state(self, chat_id: int) -> _ChatState:
        state = self._chats.get(chat_id)
        if state is None:
            if chat_id > 0:
                chat: dict[str, Any] = {"id": chat_id, "type": "private", "first_name": "User"}
            elif str(chat_id).startswith("-100"):
                chat = {"id": chat_id, "type": "supergroup", "title": f"Chat {chat_id}"}
            else:
                chat = {"id": chat_id, "type": "group", "title": f"Chat {chat_id}"}
            state = _ChatState(chat=chat, seen=False)
            self._chats[chat_id] = state
        return state

    def messages(self, chat_id: int) -> list[SentMessage]:
        """All bot messages in a chat (current state, including deleted ones), by id."""
        state = self._chats.get(chat_id)
        if state is None:
            return []
        return [state.messages[mid] for mid in sorted(state.messages)]

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """The current state of one bot message, if it exists."""
        state = self._chats.get(chat_id)
        return state.messages.get(message_id) if state is not None else None

    def chat_events(self, chat_id: int) -> list[SentMessage]:
        """Snapshots of every send/edit in a chat, in order (what user cursors walk)."""
        return list(self.events_view(chat_id))

    def events_view(self, chat_id: int) -> Sequence[SentMessage]:
        """Like :meth:`chat_events` but without copying (do not modify)."""
        state = self._chats.get(chat_id)
        return state.events if state is not None else ()

    def allocate_message_id(self, chat_id: int) -> int:
        """Next message id of a chat (shared by the bot and the user, as in Telegram)."""
        state = self._chat_state(chat_id)
        message_id = state.next_message_id
        state.next_message_id += 1
        return message_id

    def record_user_message(self, chat_id: int, message: dict[str, Any]) -> None:
        """Remember a message sent *by a user* (so the bot may reply to / delete it)."""
        self._chat_state(chat_id).user_messages[int(message["message_id"])] = message

    def inject_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update for ``getUpdates``; ``update_id`` is assigned if missing.

        Chats found in the update are registered as seen.  Returns the update id.
        """
        update = dict(update)
        update_id = update.get("update_id")
        if isinstance(update_id, int) and not isinstance(update_id, bool):
            self._next_update_id = max(self._next_update_id, update_id + 1)
        else:
            update_id = self._next_update_id
            self._next_update_id += 1
            update["update_id"] = update_id
        for value in update.values():
            if not isinstance(value, dict):
                continue
            for holder in (value, value.get("message")):
                chat = holder.get("chat") if isinstance(holder, dict) else None
                if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                    self.ensure_chat(chat, seen=True)
        self._updates.append(update)
        self._notify()
        return update_id

    def inject_malformed_update(
        self, user_id: int, *, shape: str = "chat-is-a-string", text: str = "/help"
    ) -> int:
        """Queue a ``message`` update from ``user_id`` whose shape aiogram's ``Update`` rejects.

        Telegram itself keeps to its schema, but a bot must survive an update its library
        cannot read (a field added by a newer Bot API, a proxy in between): with
        ``shape="chat-is-a-string"`` the message's ``chat`` is a string instead of an
        object; with ``shape="no-date"`` the required ``date`` is missing. The update is
        served by ``getUpdates`` exactly as given. Returns its update id.
        """
        fake = self._users.get(user_id)
        sender = fake.to_api() if fake else {"id": user_id, "is_bot": False, "first_name": "User"}
        message: dict[str, Any] = {
            "message_id": self.allocate_message_id(user_id),
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": sender["first_name"]},
            "from": sender,
            "text": text,
        }
        if shape == "chat-is-a-string":
            message["chat"] = f"private chat {user_id}"
        elif shape == "no-date":
            del message["date"]
        else:
            raise ValueError(f"unknown malformed shape {shape!r}")
        return self.inject_update({"message": message})

    @property
    def pending_updates(self) -> list[dict[str, Any]]:
        """Updates queued and not yet confirmed by the bot (via ``offset``)."""
        return list(self._updates)

    def register_file(
        self,
        content: bytes | None,
        file_name: str | None,
        mime_type: str | None = None,
        *,
        kind: str = "documents",
        url: str | None = None,
    ) -> StoredFile:
        """Store a file so it can be fetched by ``getFile`` + download URL."""
        n = next(self._ids)
        suffix = Path(file_name).suffix if file_name else ""
        if not mime_type or mime_type == "application/octet-stream":
            guessed = mimetypes.guess_type(file_name or "")[0]
            mime_type = guessed or mime_type or "application/octet-stream"
        stored = StoredFile(
            file_id=f"BQACAgIAAxkBAAI{n:08d}stub",
            file_unique_id=f"AgAD{n:06d}",
            file_path=f"{kind}/file_{n}{suffix}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
            url=url,
        )
        self.files[stored.file_id] = stored
        return stored

    def register_callback(self, query_id: str, user_id: int) -> None:
        """Make ``answerCallbackQuery`` accept ``query_id``."""
        self._callbacks[query_id] = user_id

    def new_id(self) -> int:
        """A process-unique increasing number (ids of callback queries etc.)."""
        return next(self._ids)

    def block(self, chat_id: int) -> None:
        """Make every send/edit to ``chat_id`` fail with 403 (see :meth:`FakeUser.block`)."""
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        """Undo :meth:`block`."""
        self._blocked.discard(chat_id)

    def is_blocked(self, chat_id: int) -> bool:
        """Whether sends to ``chat_id`` currently answer 403."""
        return chat_id in self._blocked

    # =====================================================================================
    # fault injection and inspection helpers
    # =====================================================================================
    def fail_next(
        self,
        method: str,
        error_code: int = 500,
        description: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        *,
        after_delivery: bool = False,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``"*"`` = any) with an error.

        ``error_code=0`` drops the connection without an answer (aiogram raises
        ``TelegramNetworkError``).  With ``after_delivery=True`` the call is processed
        normally (the message *is* delivered) and only the answer is replaced by the
        error - the classic "did my message go out?" situation.
        """
        error: ApiError | None = None
        if error_code:
            if description is None:
                description = {
                    400: "Bad Request: injected failure",
                    403: BLOCKED,
                    429: f"Too Many Requests: retry after {retry_after or 1}",
                    502: "Bad Gateway",
                }.get(error_code, "Internal Server Error")
            if error_code == 429 and retry_after is None:
                retry_after = 1
            error = ApiError(error_code, description, retry_after)
        self._failures.append(_Failure(method.lower(), error, max(1, times), after_delivery))

    def set_response(self, method: str, result: Any) -> None:
        """Override the result of ``method``: a JSON value or ``callable(params) -> value``.

        The callable may raise :class:`ApiError`.  Pass ``None`` to remove the override.
        """
        if result is None:
            self._custom_results.pop(method.lower(), None)
        else:
            self._custom_results[method.lower()] = result

    def hold_responses(self, method: str) -> None:
        """Process calls of ``method`` (``"*"`` = any) but hold their answers.

        The call takes effect (a message counts as delivered) but the HTTP answer is
        delayed until :meth:`release` - e.g. to simulate the bot crashing mid-request.
        """
        self._holds.setdefault(method.lower(), asyncio.Event())

    def release(self, method: str | None = None) -> None:
        """Answer held calls (of ``method`` or all) and stop holding."""
        keys = list(self._holds) if method is None else [method.lower()]
        for key in keys:
            event = self._holds.pop(key, None)
            if event is not None:
                event.set()

    @property
    def held(self) -> int:
        """Number of responses currently held back."""
        return self._held

    async def wait_held(self, count: int = 1, timeout: float = WAIT_DEFAULT) -> None:
        """Wait until at least ``count`` responses are being held."""
        await self.wait_until(
            lambda: True if self._held >= count else None,
            timeout,
            lambda: f"expected {count} held responses, have {self._held}",
        )

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Params of every recorded call of ``method`` (case-insensitive)."""
        key = method.lower()
        return [r.params for r in self.requests if r.method.lower() == key]

    async def wait_requests(
        self, method: str, count: int = 1, timeout: float = WAIT_DEFAULT
    ) -> list[dict[str, Any]]:
        """Wait until ``method`` has been called at least ``count`` times; return the params."""
        return await self.wait_until(
            lambda: calls if len(calls := self.calls(method)) >= count else None,
            timeout,
            lambda: f"expected {count} {method} calls, got {len(self.calls(method))}",
        )

    def get_commands(
        self, scope: dict[str, Any] | None = None, language_code: str | None = None
    ) -> list[dict[str, Any]]:
        """Commands stored by ``setMyCommands`` for a scope/language (``[]`` if none)."""
        return list(self.my_commands.get((self._scope_key(scope), language_code or ""), []))

    def duplicates(self) -> dict[tuple[int, str], int]:
        """``(chat_id, text) -> count`` for texts delivered more than once."""
        counts: dict[tuple[int, str], int] = {}
        for record in self.delivered:
            key = (record.chat_id, record.text)
            counts[key] = counts.get(key, 0) + 1
        return {key: n for key, n in counts.items() if n > 1}

    def stats(self) -> dict[str, Any]:
        """Counters (also served by ``GET /_control/stats``)."""
        return {
            "count_429": self.count_429,
            "delivered": len(self.delivered),
            "requests": len(self.requests),
            "errors": len(self.errors),
            "pending_updates": len(self._updates),
            "held": self._held,
            "duplicates": [
                {"chat_id": chat_id, "text": text, "count": n}
                for (chat_id, text), n in self.duplicates().items()
            ],
            "internal_errors": len(self.internal_errors),
        }

    async def wait_until(
        self,
        predicate: Callable[[], T | None],
        timeout: float = WAIT_DEFAULT,
        describe: str | Callable[[], str] = "condition not met",
    ) -> T:
        """Re-evaluate ``predicate`` on every server state change until it returns non-None.

        :raises AssertionError: with ``describe`` after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            result = predicate()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                text = describe() if callable(describe) else describe
                raise AssertionError(f"Timed out after {timeout}s: {text}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _notify(self) -> None:
        """Wake everything waiting for a state change."""
        event, self._changed = self._changed, asyncio.Event()
        event.set()

    # =====================================================================================
    # state file
    # =====================================================================================
    def dump_state(self) -> None:
        """Append the not yet written ``delivered_log`` records to ``state_file`` (JSON lines).

        The first call truncates the file.  Each record is one line; a reader racing
        with a write may see an incomplete last line (ignore lines without ``\n``).
        """
        if self.state_file is None:
            return
        truncate = self._dumped_count < 0
        start = 0 if truncate else self._dumped_count
        records = self.delivered_log[start:]
        if not records and not truncate:
            return
        try:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            with self.state_file.open("w" if truncate else "a", encoding="utf-8") as fh:
                fh.write("".join(_dumps(record) + "\n" for record in records))
            self._dumped_count = start + len(records)
        except OSError:
            log.exception("Cannot write state file %s", self.state_file)

    async def _dump_loop(self) -> None:
        while True:
            await asyncio.sleep(self.dump_interval)
            self.dump_state()

    # =====================================================================================
    # HTTP layer
    # =====================================================================================
    async def _read_params(self, request: web.Request) -> dict[str, Any]:
        """Decode query string + urlencoded / multipart / JSON body into API params."""
        raw: dict[str, Any] = dict(request.query)
        files: dict[str, UploadedFile] = {}
        if request.body_exists:
            content_type = request.content_type
            if content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise ApiError(400, "Bad Request: can't parse JSON body") from exc
                if not isinstance(body, dict):
                    raise ApiError(400, "Bad Request: JSON body must be an object")
                raw.update(body)
            elif content_type in ("multipart/form-data", "application/x-www-form-urlencoded", ""):
                try:
                    form = await request.post()
                except web.HTTPRequestEntityTooLarge as exc:
                    raise ApiError(413, "Request Entity Too Large") from exc
                except ValueError as exc:
                    raise ApiError(400, f"Bad Request: malformed form data: {exc}") from exc
                for key, value in form.items():
                    if isinstance(value, FileField):
                        files[key] = UploadedFile(
                            filename=value.filename or key,
                            content=value.file.read(),
                            content_type=value.content_type,
                        )
                    elif isinstance(value, (bytes, bytearray)):
                        raw[key] = bytes(value).decode("utf-8", "replace")
                    else:
                        raw[key] = value
            else:
                raise ApiError(400, f"Bad Request: unsupported content type {content_type!r}")

        used: set[str] = set()

        def resolve(value: Any) -> Any:
            if isinstance(value, str) and value.startswith("attach://"):
                name = value[len("attach://") :]
                if name in files:
                    used.add(name)
                    return files[name]
                return value
            if isinstance(value, list):
                return [resolve(v) for v in value]
            if isinstance(value, dict):
                return {k: resolve(v) for k, v in value.items()}
            return value

        params = {key: resolve(_coerce(key, value)) for key, value in raw.items()}
        for name, uploaded in files.items():
            if name not in used and name not in params:
                params[name] = uploaded
        return params

    def _error_response(self, method: str, params: dict[str, Any], error: ApiError) -> web.Response:
        self.errors.append(ErrorRecord(method, params, error.error_code, error.description))
        if error.error_code == 429:
            self.count_429 += 1
        self._notify()
        return web.Response(
            status=error.error_code,
            text=_dumps(error.to_payload()),
            content_type="application/json",
        )

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        key = method.lower()
        if self._auto_bot_id:
            prefix = request.match_info["token"].split(":", 1)[0]
            if prefix.isdigit():
                self.bot_id = int(prefix)
                self._auto_bot_id = False
        try:
            params = await self._read_params(request)
        except ApiError as error:
            log.warning("Malformed %s request: %s", method, error.description)
            return self._error_response(method, {}, error)
        except Exception as exc:
            log.warning("Malformed %s request: %r", method, exc)
            return self._error_response(
                method, {}, ApiError(400, f"Bad Request: malformed request: {exc}")
            )

        self.requests.append(RecordedRequest(method, params, time.time()))
        self._notify()
        failure = self._take_failure(key)
        try:
            if failure is not None and not failure.after_delivery:
                return await self._fail(request, method, params, failure)
            result = await self._dispatch(key, method, params)
            await self._maybe_hold(key)
            if failure is not None:
                return await self._fail(request, method, params, failure)
        except ApiError as error:
            await self._maybe_hold(key)
            return self._error_response(method, params, error)
        except Exception as exc:
            log.exception("FakeTelegram failed handling %s", method)
            self.internal_errors.append(f"{method}: {exc!r}")
            return self._error_response(
                method, params, ApiError(500, f"Internal Server Error: stub bug: {exc!r}")
            )
        return web.Response(
            text=_dumps({"ok": True, "result": result}), content_type="application/json"
        )

    async def _fail(
        self, request: web.Request, method: str, params: dict[str, Any], failure: _Failure
    ) -> web.StreamResponse:
        if failure.error is not None:
            return self._error_response(method, params, failure.error)
        # Simulated network failure: close the socket without an answer.
        if request.transport is not None:
            request.transport.abort()
        raise asyncio.CancelledError

    def _take_failure(self, key: str) -> _Failure | None:
        for failure in self._failures:
            if failure.method in (key, "*"):
                failure.remaining -= 1
                if failure.remaining <= 0:
                    self._failures.remove(failure)
                return failure
        return None

    async def _maybe_hold(self, key: str) -> None:
        event = self._holds.get(key) or self._holds.get("*")
        if event is None or self._closing:
            return
        self._held += 1
        self._notify()
        try:
            await event.wait()
        finally:
            self._held -= 1
            self._notify()

    async def _dispatch(self, key: str, method: str, params: dict[str, Any]) -> Any:
        custom = self._custom_results.get(key)
        if custom is not None:
            result = custom(params) if callable(custom) else custom
        else:
            handler = self._handlers.get(key)
            if handler is None:
                if key.startswith("send") or key.startswith("forward"):
                    handler = self._m_send_generic
                else:
                    return True
            result = handler(method, params)
        if inspect.isawaitable(result):
            result = await result
        self._notify()
        return result

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for stored in self.files.values():
            if stored.file_path == path and stored.content is not None:
                return web.Response(
                    body=stored.content,
                    content_type=stored.mime_type or "application/octet-stream",
                )
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    # =====================================================================================
    # helpers for method handlers
    # =====================================================================================
    def _target_chat(self, params: dict[str, Any], key: str = "chat_id") -> _ChatState:
        """Resolve the chat of a send/edit call, applying strict_chats and blocking."""
        state = self._find_chat(params.get(key))
        if state.id in self._blocked:
            raise ApiError(403, BLOCKED)
        return state

    def _find_chat(self, raw: Any) -> _ChatState:
        if raw is None or raw == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(raw, str) and raw.startswith("@"):
            wanted = raw[1:].lower()
            for state in self._chats.values():
                if str(state.chat.get("username", "")).lower() == wanted:
                    return state
            raise ApiError(400, CHAT_NOT_FOUND)
        if isinstance(raw, bool) or not isinstance(raw, (int, str)):
            raise ApiError(400, CHAT_NOT_FOUND)
        try:
            chat_id = int(raw)
        except ValueError as exc:
            raise ApiError(400, CHAT_NOT_FOUND) from exc
        known = self._chats.get(chat_id)
        if (known is None or not known.seen) and self.strict_chats:
            raise ApiError(400, CHAT_NOT_FOUND)
        return self._chat_state(chat_id)

    def _find_message(self, state: _ChatState, raw_id: Any, missing: str) -> SentMessage:
        message = state.messages.get(_as_int(raw_id, -1))
        if message is None or message.deleted:
            raise ApiError(400, f"Bad Request: {missing}")
        return message

    def _render(self, text: Any, params: dict[str, Any], *, caption: bool) -> tuple[str, str]:
        """Validate text/caption; return ``(visible text, raw text)``."""
        raw = "" if text is None else str(text)
        plain = raw
        parse_mode = params.get("parse_mode")
        entities_key = "caption_entities" if caption else "entities"
        if (
            isinstance(parse_mode, str)
            and parse_mode.lower() == "html"
            and not params.get(entities_key)
        ):
            try:
                plain = html_to_text(raw)
            except HtmlParseError as exc:
                raise ApiError(400, f"Bad Request: can't parse entities: {exc}") from exc
        limit = MAX_CAPTION_LENGTH if caption else MAX_TEXT_LENGTH
        if len(plain) > limit:
            what = "message caption" if caption else "message"
            raise ApiError(400, f"Bad Request: {what} is too long")
        if not caption and not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        return plain, raw

    def _caption(self, params: dict[str, Any]) -> tuple[str | None, str | None]:
        caption = params.get("caption")
        if caption is None or caption == "":
            return None, None
        return self._render(caption, params, caption=True)

    @staticmethod
    def _validate_markup(markup: Any) -> dict[str, Any] | None:
        """Check a reply_markup the way Telegram does (for the parts that matter)."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise ApiError(
                    400, 'Bad Request: field "inline_keyboard" must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                        raise ApiError(
                            400,
                            "Bad Request: can't parse inline keyboard button: "
                            "Text must be a String",
                        )
                    if not any(k in button for k in _INLINE_BUTTON_ACTIONS):
                        raise ApiError(
                            400,
                            "Bad Request: can't parse inline keyboard button: "
                            "Text buttons are unallowed in the inline keyboard",
                        )
                    data = button.get("callback_data")
                    if "callback_data" in button and (
                        not isinstance(data, str)
                        or not 1 <= len(data.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES
                    ):
                        raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
                    if "url" in button and not button.get("url"):
                        raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        return markup

    def _rate_gate(self, chat_id: int) -> None:
        """Enforce the sliding one-second windows; count the call if it passes."""
        if not self.rate_limits:
            return
        now = time.monotonic()
        window = self._global_window
        while window and window[0] <= now - 1.0:
            window.popleft()
        chat_window = self._chat_windows.setdefault(chat_id, deque())
        while chat_window and chat_window[0] <= now - 1.0:
            chat_window.popleft()
        waits: list[float] = []
        if self.global_per_second and len(window) >= self.global_per_second:
            waits.append(window[0] + 1.0 - now)
        if self.per_chat_per_second and len(chat_window) >= self.per_chat_per_second:
            waits.append(chat_window[0] + 1.0 - now)
        if waits:
            retry_after = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after)
        window.append(now)
        chat_window.append(now)

    def _input_file(self, value: Any, kind: str, *, required: bool = True) -> StoredFile | None:
        """Turn an uploaded file / file_id / URL parameter into a :class:`StoredFile`."""
        if isinstance(value, UploadedFile):
            if not value.content:
                raise ApiError(400, "Bad Request: file must be non-empty")
            return self.register_file(
                value.content, value.filename, value.content_type, kind=f"{kind}s"
            )
        if isinstance(value, str) and value:
            if value in self.files:
                return self.files[value]
            if value.startswith(("http://", "https://")):
                name = value.rstrip("/").rsplit("/", 1)[-1] or None
                return self.register_file(None, name, None, kind=f"{kind}s", url=value)
            raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        if required:
            raise ApiError(400, f"Bad Request: there is no {kind} in the request")
        return None

    def _store_message(self, state: _ChatState, message: SentMessage) -> SentMessage:
        """Persist a freshly delivered bot message and count the delivery."""
        state.messages[message.message_id] = message
        state.events.append(message.snapshot())
        text = message.content
        if not text and message.media is not None:
            text = f"[{message.method}] {message.media.file_name or ''}".rstrip()
        elif not text:
            text = f"[{message.method}]"
        self.delivered.append(DeliveredRecord(state.id, text))
        self.delivered_log.append(
            {
                "chat_id": state.id,
                "message_id": message.message_id,
                "text": text,
                "method": message.method,
                "time": time.time(),
            }
        )
        self._notify()
        return message

    def _new_message(
        self, state: _ChatState, method: str, params: dict[str, Any], **fields: Any
    ) -> SentMessage:
        message = SentMessage(
            chat_id=state.id,
            message_id=self.allocate_message_id(state.id),
            method=method,
            date=int(time.time()),
            parse_mode=params.get("parse_mode")
            if isinstance(params.get("parse_mode"), str)
            else None,
            params=params,
            **fields,
        )
        return self._store_message(state, message)

    def _apply_edit(self, state: _ChatState, message: SentMessage, **changes: Any) -> None:
        previous = message.snapshot()
        previous.history = []
        message.history.append(previous)
        for name, value in changes.items():
            setattr(message, name, value)
        message.edit_date = int(time.time())
        state.events.append(message.snapshot())
        self._notify()

    def _check_reply(self, state: _ChatState, params: dict[str, Any]) -> None:
        reply = params.get("reply_parameters")
        reply_id: Any = params.get("reply_to_message_id")
        allow = bool(params.get("allow_sending_without_reply"))
        if isinstance(reply, dict):
            reply_id = reply.get("message_id", reply_id)
            allow = allow or bool(reply.get("allow_sending_without_reply"))
            if reply.get("chat_id") not in (None, state.id):
                return
        if reply_id is None or allow:
            return
        reply_int = _as_int(reply_id, -1)
        if reply_int not in state.messages and reply_int not in state.user_messages:
            raise ApiError(400, "Bad Request: message to be replied not found")

    def message_api(self, message: SentMessage) -> dict[str, Any]:
        """The ``Message`` object Telegram would return for a bot message."""
        state = self._chat_state(message.chat_id)
        result: dict[str, Any] = {
            "message_id": message.message_id,
            "date": message.date,
            "chat": dict(state.chat),
            "from": self.bot_user,
        }
        if message.text is not None:
            result["text"] = message.text
        if message.caption:
            result["caption"] = message.caption
        if message.document is not None:
            result["document"] = self._document_api(message.document)
        if message.photo is not None:
            result["photo"] = [
                {
                    "file_id": message.photo.file_id,
                    "file_unique_id": message.photo.file_unique_id,
                    "width": 800,
                    "height": 600,
                    "file_size": message.photo.size,
                }
            ]
        if message.edit_date is not None:
            result["edit_date"] = message.edit_date
        rows = _inline_rows(message.reply_markup)
        if rows is not None:
            result["reply_markup"] = {"inline_keyboard": rows}
        return result

    @staticmethod
    def _document_api(stored: StoredFile) -> dict[str, Any]:
        result: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
        }
        if stored.file_name:
            result["file_name"] = stored.file_name
        if stored.mime_type:
            result["mime_type"] = stored.mime_type
        return result

    @staticmethod
    def _scope_key(scope: Any) -> str:
        if not isinstance(scope, dict) or not scope:
            scope = {"type": "default"}
        return json.dumps(scope, sort_keys=True, separators=(",", ":"))

    # =====================================================================================
    # API methods
    # =====================================================================================
    def _m_true(self, method: str, p: dict[str, Any]) -> Any:
        return True

    def _m_get_me(self, method: str, p: dict[str, Any]) -> Any:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    def _allowed(self, update: dict[str, Any]) -> bool:
        kinds = [k for k in update if k != "update_id"]
        kind = kinds[0] if kinds else ""
        if self._allowed_updates is None:
            return kind not in _OPT_IN_UPDATE_TYPES
        return kind in self._allowed_updates

    async def _m_get_updates(self, method: str, p: dict[str, Any]) -> Any:
        if self._webhook_url:
            raise ApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        self._poll_generation += 1
        generation = self._poll_generation
        offset = _as_int(p.get("offset"), 0)
        limit = min(100, max(1, _as_int(p.get("limit"), 100)))
        timeout = min(float(self.max_long_poll), max(0.0, float(_as_int(p.get("timeout"), 0))))
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = {str(a) for a in allowed} if allowed else None

        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        kept: list[dict[str, Any]] = []
        for update in self._updates:
            if self._allowed(update):
                kept.append(update)
            else:
                self.filtered_updates.append(update)
        self._updates = kept

        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = self._changed
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = [u for u in self._updates if self._allowed(u)][:limit]
            remaining = deadline - loop.time()
            if batch or self._closing or remaining <= 0:
                return batch
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    def _m_delete_webhook(self, method: str, p: dict[str, Any]) -> Any:
        self._webhook_url = ""
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _m_set_webhook(self, method: str, p: dict[str, Any]) -> Any:
        self._webhook_url = str(p.get("url") or "")
        self._webhook_secret = str(p.get("secret_token") or "")
        self._webhook_max_connections = max(1, min(100, _as_int(p.get("max_connections"), 40)))
        allowed = p.get("allowed_updates")
        if isinstance(allowed, list):
            self._allowed_updates = {str(a) for a in allowed} if allowed else None
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if self._webhook_url and (self._webhook_task is None or self._webhook_task.done()):
            self._webhook_task = asyncio.get_running_loop().create_task(self._deliver_webhook())
        self._notify()
        return True

    async def _deliver_webhook(self) -> None:
        """Telegram's side of a webhook: every pending update is POSTed as JSON to the webhook
        URL with the secret-token header, up to ``max_connections`` at once but one at a time per
        chat (in order), and removed once answered with a 2xx; a failure (refused, 5xx, timeout)
        is retried after a short pause, as Telegram does."""
        import aiohttp

        in_flight: dict[int, asyncio.Task[None]] = {}  # update_id -> its POST
        busy_chats: set[Any] = set()

        def chat_of(update: dict[str, Any]) -> Any:
            for value in update.values():
                if isinstance(value, dict):
                    who = value.get("from") or value.get("chat") or value.get("user") or {}
                    if isinstance(who, dict) and "id" in who:
                        return who["id"]
            return None

        async def post(session: aiohttp.ClientSession, url: str, update: dict[str, Any], chat: Any) -> None:
            status = 0
            try:
                headers = {"X-Telegram-Bot-Api-Secret-Token": self._webhook_secret} if self._webhook_secret else {}
                async with session.post(url, json=update, headers=headers,
                                        timeout=aiohttp.ClientTimeout(total=60)) as response:
                    status = response.status
                    await response.read()
            except Exception:  # noqa: BLE001 - refused, reset, timed out, unreadable: a failed delivery
                status = 0
            self.webhook_deliveries.append((update["update_id"], status))
            if 200 <= status < 300:
                self._updates = [u for u in self._updates if u["update_id"] != update["update_id"]]
            else:
                await asyncio.sleep(0.2)  # the chat stays busy meanwhile: its next update waits, in order
            busy_chats.discard(chat)
            in_flight.pop(update["update_id"], None)
            self._notify()

        async with aiohttp.ClientSession() as session:
            while self._webhook_url and not self._closing:
                event = self._changed
                url = self._webhook_url
                for update in list(self._updates):
                    if len(in_flight) >= self._webhook_max_connections:
                        break
                    if update["update_id"] in in_flight:
                        continue
                    if not self._allowed(update):
                        self._updates.remove(update)
                        self.filtered_updates.append(update)
                        continue
                    chat = chat_of(update)
                    if chat is not None and chat in busy_chats:
                        continue
                    if chat is not None:
                        busy_chats.add(chat)
                    in_flight[update["update_id"]] = asyncio.ensure_future(post(session, url, update, chat))
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(event.wait(), 1.0)
            for task in list(in_flight.values()):
                task.cancel()

    def _m_get_webhook_info(self, method: str, p: dict[str, Any]) -> Any:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    def _m_set_my_commands(self, method: str, p: dict[str, Any]) -> Any:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict):
                raise ApiError(400, "Bad Request: can't parse BotCommand JSON object")
            name = command.get("command")
            description = command.get("description")
            if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not isinstance(description, str) or not 1 <= len(description) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(p.get("scope")), str(p.get("language_code") or ""))
        self.my_commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    def _m_get_my_commands(self, method: str, p: dict[str, Any]) -> Any:
        return self.get_commands(p.get("scope"), p.get("language_code"))

    def _m_delete_my_commands(self, method: str, p: dict[str, Any]) -> Any:
        key = (self._scope_key(p.get("scope")), str(p.get("language_code") or ""))
        self.my_commands.pop(key, None)
        return True

    def _m_send_message(self, method: str, p: dict[str, Any]) -> Any:
        state = self._target_chat(p)
        plain, raw = self._render(p.get("text"), p, caption=False)
        markup = self._validate_markup(p.get("reply_markup"))
        self._check_reply(state, p)
        self._rate_gate(state.id)
        message = self._new_message(state, method, p, text=plain, raw_text=raw, reply_markup=markup)
        return self.message_api(message)

    def _m_edit_message_text(self, method: str, p: dict[str, Any]) -> Any:
        if p.get("inline_message_id"):
            return True
        state = self._target_chat(p)
        message = self._find_message(state, p.get("message_id"), "message to edit not found")
        if message.text is None:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        plain, raw = self._render(p.get("text"), p, caption=False)
        markup = self._validate_markup(p.get("reply_markup"))
        parse_mode = p.get("parse_mode") if isinstance(p.get("parse_mode"), str) else None
        if (
            plain == message.text
            and raw == message.raw_text
            and _inline_rows(markup) == _inline_rows(message.reply_markup)
        ):
            raise ApiError(400, NOT_MODIFIED)
        self._rate_gate(state.id)
        self._apply_edit(
            state, message, text=plain, raw_text=raw, parse_mode=parse_mode, reply_markup=markup
        )
        return self.message_api(message)

    def _m_edit_message_reply_markup(self, method: str, p: dict[str, Any]) -> Any:
        if p.get("inline_message_id"):
            return True
        state = self._target_chat(p)
        message = self._find_message(state, p.get("message_id"), "message to edit not found")
        markup = self._validate_markup(p.get("reply_markup"))
        if _inline_rows(markup) == _inline_rows(message.reply_markup):
            raise ApiError(400, NOT_MODIFIED)
        self._rate_gate(state.id)
        self._apply_edit(state, message, reply_markup=markup)
        return self.message_api(message)

    def _m_edit_message_caption(self, method: str, p: dict[str, Any]) -> Any:
        if p.get("inline_message_id"):
            return True
        state = self._target_chat(p)
        message = self._find_message(state, p.get("message_id"), "message to edit not found")
        if message.text is not None:
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption, _raw = self._caption(p)
        markup = self._validate_markup(p.get("reply_markup"))
        if caption == message.caption and _inline_rows(markup) == _inline_rows(
            message.reply_markup
        ):
            raise ApiError(400, NOT_MODIFIED)
        self._rate_gate(state.id)
        self._apply_edit(state, message, caption=caption, reply_markup=markup)
        return self.message_api(message)

    def _delete_one(self, state: _ChatState, message_id: int) -> bool:
        message = state.messages.get(message_id)
        if message is not None and not message.deleted:
            message.deleted = True
            return True
        if message_id in state.user_messages:
            del state.user_messages[message_id]
            return True
        return False

    def _m_delete_message(self, method: str, p: dict[str, Any]) -> Any:
        state = self._find_chat(p.get("chat_id"))
        if not self._delete_one(state, _as_int(p.get("message_id"), -1)):
            raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _m_delete_messages(self, method: str, p: dict[str, Any]) -> Any:
        state = self._find_chat(p.get("chat_id"))
        ids = p.get("message_ids")
        if not isinstance(ids, list) or not ids:
            raise ApiError(400, "Bad Request: message identifiers are not specified")
        for message_id in ids:
            self._delete_one(state, _as_int(message_id, -1))
        return True

    def _m_answer_callback_query(self, method: str, p: dict[str, Any]) -> Any:
        query_id = str(p.get("callback_query_id") or "")
        if query_id not in self._callbacks or query_id in self.callback_answers:
            raise ApiError(400, QUERY_INVALID)
        text = p.get("text")
        if isinstance(text, str) and len(text) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        self.callback_answers[query_id] = p
        return True

    def _send_media(self, method: str, p: dict[str, Any], kind: str) -> Any:
        state = self._target_chat(p)
        stored = self._input_file(p.get(kind), kind)
        caption, raw = self._caption(p)
        markup = self._validate_markup(p.get("reply_markup"))
        self._check_reply(state, p)
        self._rate_gate(state.id)
        message = self._new_message(
            state, method, p, caption=caption, raw_text=raw, reply_markup=markup, **{kind: stored}
        )
        return self.message_api(message)

    def _m_send_document(self, method: str, p: dict[str, Any]) -> Any:
        return self._send_media(method, p, "document")

    def _m_send_photo(self, method: str, p: dict[str, Any]) -> Any:
        return self._send_media(method, p, "photo")

    def _m_send_generic(self, method: str, p: dict[str, Any]) -> Any:
        """Any other ``send*`` / ``forward*``: stored as a message with an optional caption."""
        state = self._target_chat(p)
        media_key = _GENERIC_MEDIA_PARAM.get(method.lower())
        stored = (
            self._input_file(p.get(media_key), media_key, required=False) if media_key else None
        )
        caption, raw = self._caption(p)
        markup = self._validate_markup(p.get("reply_markup"))
        self._rate_gate(state.id)
        message = self._new_message(
            state, method, p, caption=caption, raw_text=raw, reply_markup=markup, document=stored
        )
        result = self.message_api(message)
        result.pop("document", None)  # the real object type (video, audio...) is unknown
        return result

    def _m_send_media_group(self, method: str, p: dict[str, Any]) -> Any:
        state = self._target_chat(p)
        media = p.get("media")
        if not isinstance(media, list) or not 2 <= len(media) <= 10:
            raise ApiError(400, "Bad Request: wrong number of messages in the media group")
        prepared = []
        for item in media:
            if not isinstance(item, dict):
                raise ApiError(400, "Bad Request: can't parse InputMedia JSON object")
            kind = "photo" if item.get("type") == "photo" else "document"
            stored = self._input_file(item.get("media"), kind)
            caption, raw = self._caption(item)
            prepared.append((kind, stored, caption, raw))
        self._rate_gate(state.id)
        results = []
        for kind, stored, caption, raw in prepared:
            message = self._new_message(
                state, method, p, caption=caption, raw_text=raw, **{kind: stored}
            )
            results.append(self.message_api(message))
        return results

    def _copy_source(self, p: dict[str, Any]) -> SentMessage:
        source_state = self._find_chat(p.get("from_chat_id"))
        source_id = _as_int(p.get("message_id"), -1)
        source = source_state.messages.get(source_id)
        if source is not None and not source.deleted:
            return source
        user_message = source_state.user_messages.get(source_id)
        if user_message is None:
            raise ApiError(400, "Bad Request: message to copy not found")
        return SentMessage(
            chat_id=source_state.id,
            message_id=source_id,
            method="userMessage",
            date=int(time.time()),
            text=user_message.get("text"),
            caption=user_message.get("caption"),
        )

    def _m_forward_message(self, method: str, p: dict[str, Any]) -> Any:
        state = self._target_chat(p)
        source = self._copy_source(p)
        self._rate_gate(state.id)
        message = self._new_message(
            state,
            method,
            p,
            text=source.text,
            raw_text=source.raw_text,
            caption=source.caption,
            document=source.document,
            photo=source.photo,
        )
        return self.message_api(message)

    def _m_copy_message(self, method: str, p: dict[str, Any]) -> Any:
        state = self._target_chat(p)
        source = self._copy_source(p)
        caption, raw = self._caption(p) if "caption" in p else (source.caption, source.raw_text)
        markup = self._validate_markup(p.get("reply_markup"))
        self._rate_gate(state.id)
        message = self._new_message(
            state,
            method,
            p,
            text=source.text,
            raw_text=raw,
            caption=caption,
            document=source.document,
            photo=source.photo,
            reply_markup=markup,
        )
        return {"message_id": message.message_id}

    def _m_send_chat_action(self, method: str, p: dict[str, Any]) -> Any:
        state = self._target_chat(p)
        action = p.get("action")
        if not isinstance(action, str) or not action:
            raise ApiError(400, "Bad Request: wrong parameter action in request")
        self.chat_actions.append((state.id, action))
        return True

    def _m_set_chat_menu_button(self, method: str, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        key = self._find_chat(chat_id).id if chat_id not in (None, "") else None
        button = p.get("menu_button")
        if button is None:
            button = {"type": "default"}
        if not isinstance(button, dict) or "type" not in button:
            raise ApiError(400, "Bad Request: can't parse menu button JSON object")
        self.menu_buttons[key] = button
        return True

    def _m_get_chat_menu_button(self, method: str, p: dict[str, Any]) -> Any:
        chat_id = p.get("chat_id")
        key = self._find_chat(chat_id).id if chat_id not in (None, "") else None
        return self.menu_buttons.get(key) or self.menu_buttons.get(None) or {"type": "commands"}

    def _m_get_file(self, method: str, p: dict[str, Any]) -> Any:
        stored = self.files.get(str(p.get("file_id") or ""))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _m_get_chat(self, method: str, p: dict[str, Any]) -> Any:
        state = self._find_chat(p.get("chat_id"))
        return {
            **state.chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    def _m_get_chat_member(self, method: str, p: dict[str, Any]) -> Any:
        self._find_chat(p.get("chat_id"))
        user_id = _as_int(p.get("user_id"), 0)
        if user_id == self.bot_id:
            return {"status": "member", "user": self.bot_user}
        fake = self._users.get(user_id)
        user = fake.to_api() if fake else {"id": user_id, "is_bot": False, "first_name": "User"}
        return {"status": "member", "user": user}
