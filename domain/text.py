"""Shared helpers for texts people read: shortening at word boundaries, splitting long texts into
messages, and alphabetical order as Russian readers expect it. No aiogram here.

Limits, stated once:

* ``BUTTON_MAX``: characters of a text inside an inline button (a name, a title). Telegram sets no
  hard limit, but phones cut a button visually after about 30–40 characters; the screen a button
  opens always shows the full text.
* ``LABEL_MAX``: characters of a whole button label (an icon, words and a name). Labels are
  written to stay under it; the bot's session shortens a longer one at a word boundary as it
  leaves (``bot.middlewares.ShortLabels``), so that no phone cuts it inside a word.
* ``MESSAGE_MAX``: characters of one message body (Telegram's 4096, with room for a notice or a
  "page n of m" line); longer texts are split with :func:`pages`, never cut.
"""
from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable

BUTTON_MAX = 36
LABEL_MAX = 48
MESSAGE_MAX = 3900
CAPTION_MAX = 1000  # a photo's or a document's caption (Telegram: 1024)
SHEET_NAME_MAX = 31  # an XLSX sheet's name (Excel refuses longer ones)
ELLIPSIS = "…"

# a place where a text may be cut: at a space, or after an en or em dash, a slash, a comma or a
# semicolon; a hyphen is part of its word («Северо-Западный», «Римская-Корсакова») and never a break
_BREAK = re.compile(r"\s+|(?<=[–—/,;])")


def shorten(text: str | None, limit: int = BUTTON_MAX, *, hard: bool = False) -> str:
    """``text`` in at most ``limit`` characters, cut only between words, with "…" when cut.

    Never cuts inside a word: when even the first word is longer than ``limit``, the first word is
    kept whole (buttons have no hard limit) — unless ``hard`` (a limit the receiver enforces, e.g.
    Fluent's placeable size or a sheet name), where the word itself is cut as the last resort.
    """
    if len(text or "") <= limit:
        return text or ""  # as it is: a short text is never touched
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    room = max(1, limit - len(ELLIPSIS))
    cut = 0
    for m in _BREAK.finditer(text, 0, room + 1):
        if 0 < m.start() <= room:
            cut = m.start()
    if cut == 0:
        if hard:
            return text[:room] + ELLIPSIS
        first = _BREAK.search(text)
        if first is None or first.start() >= len(text):
            return text
        return text[:first.start()].rstrip(" -–—/,;") + ELLIPSIS
    kept = text[:cut].rstrip(" -–—/,;:")
    # no dangling little word (a preposition, a conjunction) before the ellipsis
    head, _, last = kept.rpartition(" ")
    if head and len(last) <= 2 and last.isalpha():
        kept = head.rstrip(" -–—/,;:")
    return kept + ELLIPSIS


def pages(lines: Iterable[str], limit: int = MESSAGE_MAX, sep: str = "\n") -> list[str]:
    """Lines joined into as few texts of at most ``limit`` characters as possible, never splitting
    a line (a line longer than ``limit`` is split at word boundaries over several texts)."""
    out: list[str] = []
    current = ""
    for line in lines:
        for part in _split_long(line, limit):
            candidate = f"{current}{sep}{part}" if current else part
            if len(candidate) <= limit:
                current = candidate
            else:
                if current:
                    out.append(current)
                current = part
    if current or not out:
        out.append(current)
    return out


def _split_long(line: str, limit: int) -> list[str]:
    if len(line) <= limit:
        return [line]
    parts, rest = [], line
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _initial(word: str) -> str:
    """"A." of "Anna", "A.-M." of "Anna-Maria"; "" when the word has no letter."""
    parts = [next((c for c in part if c.isalpha()), "") for part in word.split("-")]
    return "-".join(f"{c.upper()}." for c in parts if c)


def short_name(full_name: str | None) -> str:
    """A person's name in short: the surname whole and the other names as initials, in the order
    the name is written: a name in Cyrillic surname first, as Russian names are written ("Orlova
    Olga Nikolaevna" in Cyrillic → "Orlova O. N."), any other surname last ("Olivia Grace
    Robertson" → "O. G. Robertson"). A one-word name stays as it is. For a button whose message
    gives the full name."""
    words = (full_name or "").split()
    if len(words) < 2:
        return " ".join(words)
    if _CYRILLIC.search(full_name or ""):
        surname, others = words[0], words[1:]
        return " ".join([surname, *filter(None, map(_initial, others))])
    surname, others = words[-1], words[:-1]
    return " ".join([*filter(None, map(_initial, others)), surname])


def name_forms(full_name: str | None) -> list[str]:
    """Every form in which the code writes a person's name into a stored text, longest first: the
    name as given (spaces folded), :func:`short_name`, the name cut between words by
    :func:`shorten` ("Smirnova Elena…", "Smirnova…"), and each of them HTML-escaped. Erasure (``domain.erasure``) takes each of
    them out of the messages and items kept for others; a form shorter than two characters is
    left out (it would match inside any word)."""
    words = (full_name or "").split()
    if not words:
        return []
    forms = {" ".join(words), (full_name or "").strip(), short_name(full_name)}
    forms.update(" ".join(words[:k]) + ELLIPSIS for k in range(1, len(words)))
    # as an HTML message carries them ("O&#x27;Brien"): a pre-rendered reply keeps its text escaped
    forms.update(html.escape(f, quote=q) for f in list(forms) for q in (False, True))
    return sorted((f for f in forms if len(f) >= 2), key=lambda f: (-len(f), f))


#: What stands for an erased person's name inside a stored text kept for others (domain.erasure);
#: a text shown again (a curator's open item) shows it as ``person-erased`` in the reader's language.
ERASED_MARK = "[erased]"


class _Primary(dict):
    """What each character becomes in the first level of :func:`collation_key` (computed once per
    character, then looked up by ``str.translate``): one character whose code orders it as a
    Russian reader does — a space first, then digits by value, then Cyrillic, then every other
    letter; punctuation drops out (``None``)."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        if ch.isspace():
            out = "\x01"
        elif ch.isdigit():
            out = chr(0x10 + unicodedata.digit(ch, 0))  # 0x10..0x19
        elif "\u0400" <= ch <= "\u04ff":  # Cyrillic before Latin, as in the Russian alphabetical order
            out = chr(0x20 + code - 0x0400)  # 0x20..0x11f
        elif ch.isalpha():
            out = chr(0x120 + code)  # above every Cyrillic letter, in code order
        else:
            out = None  # punctuation is ignored at the first level
        self[code] = out
        return out


_PRIMARY = _Primary()
_KEY_SEP = "\x00"  # below every character of the first level: a shorter first level sorts first


def collation_key(text: str | None) -> str:
    """A sort key for names as a Russian reader orders them: case-insensitive, YO with YE
    (and YE before YO when that is the only difference), Cyrillic before Latin, digits first;
    punctuation matters only on a tie.

    One compact string (the first level, a separator below all its characters, then the folded
    text as the tie-break): about twice the text's length, so that sorting a whole region's
    names costs little memory."""
    folded = unicodedata.normalize("NFC", (text or "").strip()).casefold()
    return folded.replace("\u0451", "\u0435").translate(_PRIMARY) + _KEY_SEP + folded


__all__ = ["BUTTON_MAX", "LABEL_MAX", "MESSAGE_MAX", "CAPTION_MAX", "SHEET_NAME_MAX", "ELLIPSIS", "shorten", "pages", "collation_key", "short_name", "name_forms",
           "ERASED_MARK"]
