"""A local stand-in of the Telegram Bot API for end-to-end tests of the bot.

* :class:`FakeTelegram` - the aiohttp server (in-process, or ``python -m tests.telegram_stub``);
* :class:`FakeUser` - a simulated user chatting with the bot;
* :class:`SentMessage` - a message the bot sent, with keyboard helpers.

Typical use::

    async with FakeTelegram() as tg:
        bot = tg.create_bot()          # real Bot + AiohttpSession pointed at tg.base_url
        polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
        user = tg.user(42, language_code="en")
        await user.send("/start ref")
        menu = await user.wait_message(contains="Welcome")
        await user.press("Continue")   # a button of the last message with buttons
        assert (await user.wait_callback_answer()).get("text") is None
"""

from .models import ApiError, Button, RecordedRequest, SentMessage, StoredFile, UploadedFile
from .server import FakeTelegram
from .user import FakeUser

__all__ = [
    "ApiError",
    "Button",
    "FakeTelegram",
    "FakeUser",
    "RecordedRequest",
    "SentMessage",
    "StoredFile",
    "UploadedFile",
]
