"""The user simulator: a Telegram user chatting with the bot in a private chat."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from .models import WAIT_DEFAULT, SentMessage

if TYPE_CHECKING:
    from .server import FakeTelegram

__all__ = ["FakeUser"]


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class FakeUser:
    """A simulated user; create it with :meth:`FakeTelegram.user`.

    The user's private chat id equals the user id.  Each user has a *cursor* over the
    bot's sends/edits in that chat: :meth:`wait_message` returns the next one after
    the cursor and advances it, so a test reads the conversation in order.
    """

    def __init__(
        self,
        tg: FakeTelegram,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "ru",
        username: str | None = None,
        last_name: str | None = None,
    ) -> None:
        self.tg = tg
        self.id = user_id
        self.first_name = first_name
        self.language_code = language_code
        self.username = username
        self.last_name = last_name
        self.sent: list[dict[str, Any]] = []
        """Messages this user sent (``Message`` dicts as put into updates)."""
        self.last_callback_id: str | None = None
        """Id of the last callback query produced by :meth:`press` / :meth:`press_data`."""
        self.last_update_id: int | None = None
        """Id of the last update this user produced."""
        self._cursor = 0

    def __repr__(self) -> str:
        return f"FakeUser(id={self.id}, first_name={self.first_name!r})"

    # -- Telegram objects -------------------------------------------------------------------
    @property
    def chat_id(self) -> int:
        """Id of the private chat with the bot (same as the user id)."""
        return self.id

    def to_api(self) -> dict[str, Any]:
        """This user as a ``User`` object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            user["last_name"] = self.last_name
        if self.username:
            user["username"] = self.username
        if self.language_code:
            user["language_code"] = self.language_code
        return user

    def chat_api(self) -> dict[str, Any]:
        """The private chat as a ``Chat`` object."""
        chat: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        if self.last_name:
            chat["last_name"] = self.last_name
        if self.username:
            chat["username"] = self.username
        return chat

    def _new_message(self, **content: Any) -> dict[str, Any]:
        if self.tg.is_blocked(self.id):
            raise AssertionError(
                f"User {self.id} has blocked the bot; call unblock() before writing to it"
            )
        message: dict[str, Any] = {
            "message_id": self.tg.allocate_message_id(self.id),
            "date": int(time.time()),
            "chat": self.chat_api(),
            "from": self.to_api(),
            **content,
        }
        self.tg.record_user_message(self.id, message)
        self.sent.append(message)
        self.last_update_id = self.tg.inject_update({"message": message})
        return message

    # -- acting --------------------------------------------------------------------------------
    async def send(self, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        """Send a text message; ``/command args`` gets a ``bot_command`` entity.

        Returns the injected ``Message`` dict.
        """
        message = self.send_nowait(text, reply_to=reply_to)
        await asyncio.sleep(0)
        return message

    def send_nowait(self, text: str, *, reply_to: int | None = None) -> dict[str, Any]:
        """Like :meth:`send`, without yielding to the event loop: updates queued one after the
        other this way reach the bot in the same ``getUpdates`` batch."""
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0] if text.strip() else text
            content["entities"] = [
                {"type": "bot_command", "offset": 0, "length": _utf16_len(command)}
            ]
        if reply_to is not None:
            replied = self._find_any_message(reply_to)
            if replied is not None:
                content["reply_to_message"] = replied
        return self._new_message(**content)

    async def send_document(
        self,
        file_name: str,
        content: bytes,
        mime: str = "application/octet-stream",
        caption: str | None = None,
    ) -> dict[str, Any]:
        """Send a document; the bot can fetch it with ``getFile`` + ``bot.download``."""
        stored = self.tg.register_file(content, file_name, mime, kind="documents")
        document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": file_name,
            "mime_type": stored.mime_type,
            "file_size": len(content),
        }
        extra: dict[str, Any] = {"caption": caption} if caption else {}
        message = self._new_message(document=document, **extra)
        await asyncio.sleep(0)
        return message

    def _find_any_message(self, message_id: int) -> dict[str, Any] | None:
        bot_message = self.tg.message(self.id, message_id)
        if bot_message is not None:
            return self.tg.message_api(bot_message)
        for message in self.sent:
            if message["message_id"] == message_id:
                return {k: v for k, v in message.items() if k != "reply_to_message"}
        return None

    def _resolve_message(self, message: SentMessage | int | None) -> SentMessage:
        if message is None:
            candidates = [m for m in self.messages if not m.deleted and m.buttons]
            if not candidates:
                raise AssertionError(
                    f"User {self.id}: the bot sent no message with inline buttons. "
                    f"Messages: {[m.describe() for m in self.messages]}"
                )
            return candidates[-1]
        message_id = message.message_id if isinstance(message, SentMessage) else int(message)
        current = self.tg.message(self.id, message_id)
        if current is None:
            raise AssertionError(f"User {self.id}: no bot message #{message_id} in the chat")
        if current.deleted:
            raise AssertionError(f"User {self.id}: message #{message_id} was deleted by the bot")
        return current

    def _inject_callback(self, message: SentMessage, data: str) -> str:
        if self.tg.is_blocked(self.id):
            raise AssertionError(f"User {self.id} has blocked the bot; call unblock() first")
        query_id = str(4_000_000_000_000 + self.tg.new_id())
        self.tg.register_callback(query_id, self.id)
        self.last_callback_id = query_id
        self.last_update_id = self.tg.inject_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": self.to_api(),
                    "chat_instance": f"ci{self.id}",
                    "message": self.tg.message_api(message),
                    "data": data,
                }
            }
        )
        return query_id

    async def press(
        self,
        message_or_button_text: SentMessage | int | str,
        button_text_substring: str | None = None,
    ) -> str:
        """Press an inline button; returns the callback query id.

        * ``press("Yes")`` - a button of the *last* bot message that has inline buttons;
        * ``press(message, "Yes")`` - a button of the given message (``SentMessage`` or id).

        The *current* keyboard of the message is used (as the user sees it); the button
        is matched by :meth:`SentMessage.button` (exact text, else unique substring).

        :raises AssertionError: listing the available buttons if none matches, or if the
            button is not a callback button.
        """
        if button_text_substring is None:
            if not isinstance(message_or_button_text, str):
                raise TypeError("press(message, button_text) needs the button text")
            message = self._resolve_message(None)
            wanted = message_or_button_text
        else:
            if isinstance(message_or_button_text, str):
                raise TypeError("press(message, text): message must be a SentMessage or an id")
            message = self._resolve_message(message_or_button_text)
            wanted = button_text_substring
        button = message.button(wanted)
        raw = next(
            (b for row in message.inline_keyboard for b in row if b.get("text") == button.text),
            {},
        )
        data = raw.get("callback_data")
        if not isinstance(data, str):
            raise AssertionError(
                f"Button {button.text!r} of message #{message.message_id} is not a callback "
                f"button: {raw}"
            )
        query_id = self._inject_callback(message, data)
        await asyncio.sleep(0)
        return query_id

    async def press_data(self, message: SentMessage | int | None, data: str) -> str:
        """Send a callback query with arbitrary (possibly forged) ``data`` for a message.

        ``message=None`` uses the last bot message that has inline buttons (or, if
        there is none, the last bot message).
        """
        if message is None and not any(m.buttons for m in self.messages if not m.deleted):
            alive = [m for m in self.messages if not m.deleted]
            if not alive:
                raise AssertionError(f"User {self.id}: the bot sent no message to press on")
            target = alive[-1]
        else:
            target = self._resolve_message(message)
        query_id = self._inject_callback(target, data)
        await asyncio.sleep(0)
        return query_id

    def block(self, notify: bool = False) -> None:
        """Block the bot: every send/edit to this chat answers 403 until :meth:`unblock`.

        With ``notify=True`` a ``my_chat_member`` update (member -> kicked) is queued,
        as real Telegram does.
        """
        self.tg.block(self.id)
        if notify:
            self._chat_member_update("member", "kicked")

    def unblock(self, notify: bool = False) -> None:
        """Unblock the bot (optionally queuing the ``my_chat_member`` kicked -> member update)."""
        self.tg.unblock(self.id)
        if notify:
            self._chat_member_update("kicked", "member")

    @property
    def blocked(self) -> bool:
        """Whether the user currently blocks the bot."""
        return self.tg.is_blocked(self.id)

    def _chat_member_update(self, old: str, new: str) -> None:
        now = int(time.time())
        member: dict[str, Any] = {"user": self.tg.bot_user}
        new_member = {**member, "status": new}
        if new == "kicked":
            new_member["until_date"] = 0
        old_member = {**member, "status": old}
        if old == "kicked":
            old_member["until_date"] = 0
        self.tg.inject_update(
            {
                "my_chat_member": {
                    "chat": self.chat_api(),
                    "from": self.to_api(),
                    "date": now,
                    "old_chat_member": old_member,
                    "new_chat_member": new_member,
                }
            }
        )

    # -- observing -----------------------------------------------------------------------------
    @property
    def messages(self) -> list[SentMessage]:
        """All bot messages in this chat (current state, deleted ones flagged)."""
        return self.tg.messages(self.id)

    @property
    def last(self) -> SentMessage | None:
        """The most recent bot message that is not deleted."""
        alive = [m for m in self.messages if not m.deleted]
        return alive[-1] if alive else None

    @property
    def pending(self) -> list[SentMessage]:
        """Sends/edits after the cursor, not yet consumed by :meth:`wait_message`."""
        return list(self.tg.events_view(self.id)[self._cursor :])

    def skip(self) -> None:
        """Move the cursor past everything received so far."""
        self._cursor = len(self.tg.events_view(self.id))

    async def wait_message(self, timeout: float = WAIT_DEFAULT, contains: str | None = None) -> SentMessage:
        """Return the next bot send/edit in this chat after the cursor (and advance it).

        The result is a snapshot of the message at that moment (later edits arrive
        as further events).  With ``contains``, events whose text/caption does not
        contain the substring are skipped (consumed).

        :raises AssertionError: on timeout, describing everything received so far.
        """
        start = self._cursor

        def pick() -> SentMessage | None:
            events = self.tg.events_view(self.id)
            while self._cursor < len(events):
                event = events[self._cursor]
                self._cursor += 1
                if contains is None or contains in event.content:
                    return event
            return None

        what = "a message" + (f" containing {contains!r}" if contains else "")
        return await self.tg.wait_until(pick, timeout, lambda: self._describe_failure(what, start))

    async def expect_no_message(self, seconds: float = 0.5) -> None:
        """Assert that the bot sends/edits nothing in this chat for ``seconds``.

        Already received but unconsumed events count too.  The cursor is not moved.
        """
        await asyncio.sleep(seconds)
        pending = self.pending
        if pending:
            raise AssertionError(
                f"User {self.id}: expected no message, got: {[m.describe() for m in pending]}"
            )

    async def wait_callback_answer(self, timeout: float = WAIT_DEFAULT) -> dict[str, Any]:
        """Wait for the bot's ``answerCallbackQuery`` to this user's last press.

        Returns the call params (``text``, ``show_alert``, ...).
        """
        query_id = self.last_callback_id
        if query_id is None:
            raise AssertionError(f"User {self.id} has not pressed any button")
        return await self.tg.wait_until(
            lambda: self.tg.callback_answers.get(query_id),
            timeout,
            lambda: f"user {self.id}: callback query {query_id} was not answered",
        )

    def _describe_failure(self, what: str, start: int) -> str:
        events = self.tg.events_view(self.id)
        lines = [f"user {self.id} did not receive {what}."]
        skipped = events[start:]
        lines.append(
            "Received during the wait: "
            + (", ".join(m.describe() for m in skipped) if skipped else "nothing")
        )
        lines.append(
            "All bot messages in the chat: "
            + (", ".join(m.describe() for m in self.messages) or "none")
        )
        pending = self.tg.pending_updates
        if pending:
            lines.append(f"{len(pending)} update(s) not yet confirmed by the bot (is it polling?)")
        if self.tg.filtered_updates:
            kinds = sorted({k for u in self.tg.filtered_updates for k in u if k != "update_id"})
            lines.append(f"updates dropped by allowed_updates: {kinds}")
        errors = [
            f"{e.method}: {e.error_code} {e.description}"
            for e in self.tg.errors
            if str(e.params.get("chat_id")) == str(self.id)
        ]
        if errors:
            lines.append("API errors in this chat: " + "; ".join(errors[-10:]))
        if self.tg.internal_errors:
            lines.append("stub internal errors: " + "; ".join(self.tg.internal_errors))
        return "\n  ".join(lines)
