"""Plain data objects shared by the fake Telegram server and the user simulator."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, NamedTuple

__all__ = [
    "ApiError",
    "Button",
    "DeliveredRecord",
    "ErrorRecord",
    "RecordedRequest",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
]


class ApiError(Exception):
    """A Bot API error answered as ``{"ok": false, ...}`` with HTTP status ``error_code``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def to_payload(self) -> dict[str, Any]:
        """The JSON body Telegram would answer with."""
        payload: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            payload["parameters"] = {"retry_after": self.retry_after}
        return payload


#: How long a test waits for the bot by default. Not a speed requirement (speed is measured in
#: bench/): only the point where a wait gives up. 5 s was too short on a 2-core machine with a
#: load average above 5 (a callback answer took longer while other work ran).
WAIT_DEFAULT = 10.0

@dataclass(frozen=True)
class UploadedFile:
    """A file part received in a multipart request."""

    filename: str
    content: bytes
    content_type: str | None = None

    def __repr__(self) -> str:  # keep request dumps readable
        return f"UploadedFile(filename={self.filename!r}, size={len(self.content)})"


@dataclass
class StoredFile:
    """A file known to the server (sent by the bot or by a :class:`FakeUser`).

    ``content`` is ``None`` when the bot referenced a URL we cannot fetch.
    """

    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes | None
    file_name: str | None = None
    mime_type: str | None = None
    url: str | None = None

    @property
    def size(self) -> int:
        """Size in bytes (0 when the content is unknown)."""
        return len(self.content) if self.content is not None else 0

    def __repr__(self) -> str:
        return (
            f"StoredFile(file_id={self.file_id!r}, file_name={self.file_name!r}, "
            f"size={self.size}, url={self.url!r})"
        )


class Button(NamedTuple):
    """An inline button as ``(text, callback_data or url)``; ``value`` is None for other kinds."""

    text: str
    value: str | None


class RecordedRequest(NamedTuple):
    """One API call: method name as sent, decoded params, wall-clock time (``time.time()``)."""

    method: str
    params: dict[str, Any]
    time: float


class DeliveredRecord(NamedTuple):
    """A successfully delivered bot message (what :attr:`FakeTelegram.delivered` counts)."""

    chat_id: int
    text: str


def _button_value(button: dict[str, Any]) -> str | None:
    for key in ("callback_data", "url", "login_url", "web_app", "copy_text"):
        value = button.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, dict):
            inner = value.get("url") or value.get("text")
            if isinstance(inner, str):
                return inner
    return None


@dataclass
class SentMessage:
    """A message the bot sent to a chat, in its current (or snapshot) state.

    ``text`` is the *visible* text: for ``parse_mode=HTML`` the tags are stripped
    and entities decoded (``raw_text`` keeps what the bot sent).  Media messages
    have ``text=None`` and an optional ``caption``; use :attr:`content` to get
    "text or caption".
    """

    chat_id: int
    message_id: int
    method: str
    date: int
    text: str | None = None
    raw_text: str | None = None
    caption: str | None = None
    parse_mode: str | None = None
    reply_markup: dict[str, Any] | None = None
    document: StoredFile | None = None
    photo: StoredFile | None = None
    params: dict[str, Any] = field(default_factory=dict)
    edit_date: int | None = None
    history: list[SentMessage] = field(default_factory=list)
    deleted: bool = False

    # -- content helpers -------------------------------------------------------------------
    @property
    def content(self) -> str:
        """``text`` or ``caption`` (empty string for media without caption)."""
        return self.text if self.text is not None else (self.caption or "")

    @property
    def edited(self) -> bool:
        """True when this state is the result of an edit."""
        return self.edit_date is not None

    @property
    def media(self) -> StoredFile | None:
        """The attached document or photo, if any."""
        return self.document or self.photo

    # -- keyboards ---------------------------------------------------------------------------
    @property
    def inline_keyboard(self) -> list[list[dict[str, Any]]]:
        """Rows of raw inline button dicts (empty when there is no inline keyboard)."""
        markup = self.reply_markup or {}
        rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list):
            return []
        return [[b for b in row if isinstance(b, dict)] for row in rows if isinstance(row, list)]

    @property
    def buttons(self) -> list[Button]:
        """Flat list of inline buttons as ``(text, callback_data | url)``."""
        return [
            Button(str(b.get("text", "")), _button_value(b))
            for row in self.inline_keyboard
            for b in row
        ]

    @property
    def keyboard(self) -> list[str]:
        """Texts of a *reply* keyboard (``ReplyKeyboardMarkup``) if the bot sent one."""
        markup = self.reply_markup or {}
        rows = markup.get("keyboard") if isinstance(markup, dict) else None
        if not isinstance(rows, list):
            return []
        texts: list[str] = []
        for row in rows:
            for b in row if isinstance(row, list) else []:
                texts.append(b if isinstance(b, str) else str(b.get("text", "")))
        return texts

    def button(self, text_substring: str) -> Button:
        """Return the inline button whose text equals or contains ``text_substring``.

        An exact match wins; otherwise exactly one button must contain the substring
        (case-sensitive first, then case-insensitive).

        :raises AssertionError: listing the available buttons when nothing (or more
            than one button) matches.
        """
        buttons = self.buttons
        for b in buttons:
            if b.text == text_substring:
                return b
        for matches in (
            [b for b in buttons if text_substring in b.text],
            [b for b in buttons if text_substring.lower() in b.text.lower()],
        ):
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise AssertionError(
                    f"Button text {text_substring!r} is ambiguous in message "
                    f"#{self.message_id}: matches {[b.text for b in matches]}"
                )
        raise AssertionError(
            f"No button containing {text_substring!r} in message #{self.message_id} "
            f"({self.content[:80]!r}). Available buttons: {[tuple(b) for b in buttons]}"
        )

    # -- misc --------------------------------------------------------------------------------
    def snapshot(self) -> SentMessage:
        """A copy that will not change when the stored message is edited later."""
        return dataclasses.replace(self, history=list(self.history), params=dict(self.params))

    def describe(self) -> str:
        """One-line human readable description (used in assertion messages)."""
        flags = []
        if self.edited:
            flags.append("edited")
        if self.deleted:
            flags.append("deleted")
        media = ""
        if self.media is not None:
            media = f" [{'document' if self.document else 'photo'} {self.media.file_name!r}]"
        buttons = f" buttons={[tuple(b) for b in self.buttons]}" if self.buttons else ""
        flag_text = f" ({', '.join(flags)})" if flags else ""
        return f"#{self.message_id}{flag_text}{media}: {self.content!r}{buttons}"

    def to_json(self) -> dict[str, Any]:
        """JSON-friendly dict (used by the control endpoints)."""
        return {
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "method": self.method,
            "date": self.date,
            "text": self.text,
            "raw_text": self.raw_text,
            "caption": self.caption,
            "parse_mode": self.parse_mode,
            "reply_markup": self.reply_markup,
            "buttons": [list(b) for b in self.buttons],
            "document": self.document.file_name if self.document else None,
            "photo": self.photo.file_name if self.photo else None,
            "edit_date": self.edit_date,
            "edits": len(self.history),
            "deleted": self.deleted,
        }


class ErrorRecord(NamedTuple):
    """An API call answered with ``ok: false``."""

    method: str
    params: dict[str, Any]
    error_code: int
    description: str
