"""Dates that people type: one parser for every dialog that asks for a date.

Accepted, whatever the language of the dialog and the case of the letters:

* words for days near today (today, yesterday, the day before yesterday, tomorrow, the day after
  tomorrow) in every language of the bot: ``date-word-*`` in ``locales/*/dates.ftl``; a trailing
  full stop or exclamation mark is ignored, and the Russian letter YO reads as YE;
* DD.MM.YYYY, with "." "/" or "-" between the parts (and spaces around them);
* YYYY-MM-DD (ISO);
* DD.MM of the current year, where the caller allows it (``year_optional``).

Whether a date makes sense for the question (not in the future, not before a pair began...) is
the caller's rule; this module only reads the text. A date it cannot read is ``Invalid("date-format")``.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from functools import lru_cache

from domain.rules import Invalid, clean_text

# offset in days from today, by the key of the words in the locales
DAY_WORD_KEYS: dict[str, int] = {
    "date-word-today": 0,
    "date-word-yesterday": -1,
    "date-word-day-before-yesterday": -2,
    "date-word-tomorrow": 1,
    "date-word-day-after-tomorrow": 2,
}


@lru_cache(maxsize=1)
def day_words() -> dict[str, int]:
    """Every language's words for days near today (normalised), with their offsets."""
    from bot.i18n import SUPPORTED, Translator  # framework-free (Fluent); imported lazily like domain.exports

    translator = Translator()
    words: dict[str, int] = {}
    for lang in SUPPORTED:
        for key, offset in DAY_WORD_KEYS.items():
            for variant in translator.get(lang, key).split("|"):
                if normalise(variant):
                    words[normalise(variant)] = offset
    return words


_DMY = re.compile(r"^(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})$")
_DM = re.compile(r"^(\d{1,2})\s*[./-]\s*(\d{1,2})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")


def normalise(text: str | None) -> str:
    """Lower case, the Russian YO as YE, single spaces, no trailing full stop or exclamation mark."""
    words = clean_text(text).lower().replace("\u0451", "\u0435").rstrip(".!").split()
    return " ".join(words)


def relative_day(text: str | None, today: date) -> date | None:
    """The day a word such as "Yesterday" (in any language of the bot) names, else None."""
    offset = day_words().get(normalise(text))
    return None if offset is None else today + timedelta(days=offset)


def parse_typed_date(text: str | date | None, today: date | None, *, year_optional: bool = False) -> date:
    """A date as typed (see the module's docstring); ``Invalid("date-format")`` if unreadable.
    Without ``today`` (a caller with no clock, e.g. data from a file) only full dates are read."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    word = relative_day(text, today) if today is not None else None
    if word is not None:
        return word
    raw = clean_text(text)
    try:
        if m := _DMY.match(raw):
            return date(int(m[3]), int(m[2]), int(m[1]))
        if m := _ISO.match(raw):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if year_optional and today is not None and (m := _DM.match(raw)):
            return date(today.year, int(m[2]), int(m[1]))
    except ValueError:
        raise Invalid("date-format") from None
    raise Invalid("date-format")


__all__ = ["DAY_WORD_KEYS", "day_words", "normalise", "relative_day", "parse_typed_date"]
