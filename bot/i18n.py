"""Fluent translations from ``locales/<lang>/*.ftl``.

Russian is the default and the reference; English must be complete (a test checks both have
the same keys and variables). Plural forms come from CLDR through Fluent's selectors, e.g.
``{ $count -> [one] ... [few] ... *[many] ... }``.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED = ("ru", "en")

Translate = Callable[..., str]


class Translator:
    def __init__(self, locales_dir: Path = LOCALES_DIR, default: str = "ru") -> None:
        self.default = default
        self.bundles: dict[str, FluentBundle] = {}
        for lang in SUPPORTED:
            bundle = FluentBundle([lang], use_isolating=False)
            for path in sorted((locales_dir / lang).glob("*.ftl")):
                resource = FluentResource(path.read_text(encoding="utf-8"))
                errors = bundle.add_resource(resource)
                if errors:  # pragma: no cover - caught by the locale tests
                    raise ValueError(f"{path}: {errors}")
            self.bundles[lang] = bundle

    def normalise(self, locale: str | None) -> str:
        if locale and locale[:2].lower() in self.bundles:
            return locale[:2].lower()
        return self.default

    def get(self, locale: str | None, key: str, **kwargs: object) -> str:
        lang = self.normalise(locale)
        for candidate in (lang, self.default):
            bundle = self.bundles[candidate]
            if bundle.has_message(key):
                message = bundle.get_message(key)
                if message.value is None:
                    break
                text, errors = bundle.format_pattern(message.value, kwargs)
                if errors:
                    log.warning("locale %s key %s: %s", candidate, key, errors)
                return text
        log.error("missing translation key %s (%s)", key, lang)
        return key

    def bind(self, locale: str | None) -> Translate:
        lang = self.normalise(locale)

        def t(key: str, **kwargs: object) -> str:
            return self.get(lang, key, **kwargs)

        t.locale = lang  # type: ignore[attr-defined]
        return t

    def keys(self, lang: str) -> set[str]:
        return set(self.bundles[lang]._messages)  # noqa: SLF001 - fluent.runtime exposes no listing


def locale_from_telegram(language_code: str | None, default: str = "ru") -> str:
    """Russian by default; English when Telegram says the user's language is English."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    if language_code and language_code.lower().startswith("ru"):
        return "ru"
    return default
