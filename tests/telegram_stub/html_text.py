"""A small re-implementation of Telegram's ``parse_mode=HTML`` parser.

Only what matters for tests is emulated:

* the visible (plain) text is extracted - tags removed, the ``&lt;``, ``&gt;``,
  ``&amp;``, ``&quot;`` and numeric entities decoded - so that assertions can
  look at what the user would actually see;
* the errors Telegram reports for malformed markup (an unescaped ``<``, an
  unsupported tag, unbalanced tags) are raised as :class:`HtmlParseError` with
  the same wording as the real server (``Unsupported start tag "foo" at byte
  offset 5`` ...), so a bot that forgets to escape user input fails in tests the
  way it would fail in production.

Like Telegram, an ``&`` that does not start a known entity is kept literally.
"""

from __future__ import annotations

import re

__all__ = ["SUPPORTED_TAGS", "HtmlParseError", "html_to_text"]

SUPPORTED_TAGS: frozenset[str] = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "code",
        "pre",
        "blockquote",
    }
)
"""Tags accepted by Telegram (plus any ``tg-*`` tag such as ``tg-spoiler``)."""

_NAMED_ENTITIES: dict[str, str] = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")


class HtmlParseError(ValueError):
    """Malformed HTML; ``str(exc)`` is Telegram's description after ``can't parse entities: ``."""


def _byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, index: int) -> tuple[str, int] | None:
    """Decode the entity starting at ``text[index] == '&'``; return (char, next index)."""
    match = _ENTITY_RE.match(text, index)
    if match is None:
        return None
    body = match.group(1)
    if body.startswith("#"):
        try:
            code = int(body[2:], 16) if body[1:2] in ("x", "X") else int(body[1:])
            char = chr(code)
        except (ValueError, OverflowError):
            return None
    else:
        found = _NAMED_ENTITIES.get(body.lower())
        if found is None:
            return None
        char = found
    return char, match.end()


def _find_tag_end(text: str, index: int) -> int:
    """Return the index of the ``>`` closing the tag that starts at ``index`` (quotes respected)."""
    quote: str | None = None
    i = index
    while i < len(text):
        ch = text[i]
        if quote is not None:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == ">":
            return i
        i += 1
    return -1


def html_to_text(text: str) -> str:
    """Validate ``text`` as Telegram HTML and return the visible plain text.

    :raises HtmlParseError: with Telegram's error description.
    """
    out: list[str] = []
    stack: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is None:
                out.append(ch)
                i += 1
            else:
                out.append(decoded[0])
                i = decoded[1]
            continue
        if ch != "<":
            out.append(ch)
            i += 1
            continue

        begin = i
        end = _find_tag_end(text, i + 1)
        closing = text[i + 1 : i + 2] == "/"
        if end < 0:
            kind = "end" if closing else "start"
            raise HtmlParseError(f"Unclosed {kind} tag at byte offset {_byte_offset(text, begin)}")
        if closing:
            name = text[i + 2 : end].strip().lower()
            if not stack:
                raise HtmlParseError(
                    f"Unexpected end tag at byte offset {_byte_offset(text, begin)}"
                )
            expected = stack.pop()
            if name != expected:
                raise HtmlParseError(
                    f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, "
                    f'expected "</{expected}>", found "</{name}>"'
                )
        else:
            body = text[i + 1 : end]
            name = re.split(r"[\s/]", body, maxsplit=1)[0].lower() if body else ""
            if name not in SUPPORTED_TAGS and not name.startswith("tg-"):
                raise HtmlParseError(
                    f'Unsupported start tag "{name}" at byte offset {_byte_offset(text, begin)}'
                )
            stack.append(name)
        i = end + 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"')
    return "".join(out)
