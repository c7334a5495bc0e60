"""No button label longer than domain.text.LABEL_MAX leaves the bot: the running bot's own session
shortens it at a word boundary (bot.middlewares.ShortLabels), for any message it sends or edits."""
from __future__ import annotations

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from domain.text import ELLIPSIS, LABEL_MAX

LONG = "📝 Отметить встречу: Константинопольская Александра-Виктория Владимировна"
FITS = "📝 Отметить встречу: Иванова Мария"


def markup(*labels: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[InlineKeyboardButton(text=label, callback_data=f"x:{n}")]
                                                 for n, label in enumerate(labels)])


async def test_a_long_label_is_shortened_between_words_and_a_short_one_is_kept(app, tg):
    user = tg.user(5150)
    sent = await app.bot.send_message(user.id, "—", reply_markup=markup(LONG, FITS))
    shown = [b["text"] for row in tg.message(user.id, sent.message_id).inline_keyboard for b in row]
    first, second = shown
    assert second == FITS
    assert len(first) <= LABEL_MAX and first.endswith(ELLIPSIS)
    kept = first.removesuffix(ELLIPSIS)
    assert LONG.startswith(kept) and LONG[len(kept)] in " -"  # cut where a word ends
    # an edit too
    await app.bot.edit_message_reply_markup(chat_id=user.id, message_id=sent.message_id,
                                            reply_markup=markup(FITS, LONG + " и другие"))
    shown = [b["text"] for row in tg.message(user.id, sent.message_id).inline_keyboard for b in row]
    assert shown[0] == FITS and len(shown[1]) <= LABEL_MAX and shown[1].endswith(ELLIPSIS)
