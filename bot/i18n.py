"""Fluent translations from ``locales/<lang>/*.ftl``.

Russian is the default and the reference; English must be complete (a test checks both have
the same keys and variables). Plural forms come from CLDR through Fluent's selectors, e.g.
``{ $count -> [one] ... [few] ... *[many] ... }``.
"""
from __future__ import annotations

import hashlib
import logging
import os
import pickle
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax import ast as FTL

log = logging.getLogger(__name__)

LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
SUPPORTED = ("ru", "en")

Translate = Callable[..., str]


class Translator:
    def __init__(self, locales_dir: Path = LOCALES_DIR, default: str = "ru") -> None:
        self.default = default
        self.bundles: dict[str, FluentBundle] = {}
        for lang, resources in parsed_locales(locales_dir).items():
            bundle = FluentBundle([lang], use_isolating=False)
            for name, resource in resources:
                errors = bundle.add_resource(resource)
                if errors:  # pragma: no cover - caught by the locale tests
                    raise ValueError(f"{lang}/{name}: {errors}")
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


CACHE_DIR = "__pycache__"
CACHE_PREFIX = "ftl-"


def parsed_locales(locales_dir: Path = LOCALES_DIR) -> dict[str, list[tuple[str, FTL.Resource]]]:
    """Every supported language's ``.ftl`` files, parsed: ``{lang: [(file name, resource)]}``.

    Why a cache: fluent.syntax parses in pure Python, about 0.5 s of CPU for these files, paid by
    every start of the bot (before its first answer), of the shell and of each export's worker.
    The parsed trees are kept, as Python keeps ``.pyc`` files, in ``locales/__pycache__`` under
    a digest of every file's name and text and of fluent.syntax's version: any edit, added or
    removed file, or another parser makes a new entry (older ones are removed). A directory
    that cannot be written (a read-only image; the Dockerfile fills the cache when it builds),
    an unreadable entry, or one that someone else could have written, only means parsing as
    before.
    """
    sources = {lang: [(p.name, p.read_text(encoding="utf-8")) for p in sorted((locales_dir / lang).glob("*.ftl"))]
               for lang in SUPPORTED}
    try:
        parser = version("fluent.syntax")
    except Exception:  # noqa: BLE001 - no package metadata (a frozen build): the module's own file
        import fluent.syntax

        parser = str(Path(fluent.syntax.__file__).stat().st_mtime_ns)
    digest = hashlib.sha256(parser.encode())
    for lang, files in sources.items():
        for name, text in files:
            for part in (lang, name, text):
                digest.update(part.encode())
                digest.update(b"\0")
    cache = locales_dir / CACHE_DIR / f"{CACHE_PREFIX}{digest.hexdigest()[:24]}.pickle"
    try:
        with cache.open("rb") as f:
            st = os.fstat(f.fileno())
            # Loading a pickle runs code, as importing a .pyc does: only an entry this user (or
            # root) wrote and nobody else may change is read; anything else is parsed afresh.
            if st.st_uid in (0, os.getuid()) and not st.st_mode & 0o022:
                cached = pickle.load(f)  # noqa: S301 - see above
                if isinstance(cached, dict) and set(cached) == set(SUPPORTED):
                    return cached
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - a torn or foreign entry: parse and write it again
        log.warning("locale cache %s unreadable (%s): parsing", cache.name, type(exc).__name__)
    parsed = {lang: [(name, FluentResource(text)) for name, text in files] for lang, files in sources.items()}
    try:
        cache.parent.mkdir(exist_ok=True)
        partial = cache.with_suffix(f".{os.getpid()}.tmp")
        # 0o644 whatever the umask allows more: an entry others may change would never be read
        with os.fdopen(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644), "wb") as f:
            pickle.dump(parsed, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cache)  # whole or not at all, also with two processes starting at once
        for old in [*cache.parent.glob(f"{CACHE_PREFIX}*.pickle"), *cache.parent.glob(f"{CACHE_PREFIX}*.tmp")]:
            if old != cache and (old.suffix == ".pickle" or time.time() - old.stat().st_mtime > 60):
                old.unlink(missing_ok=True)  # older entries; a crashed writer's leftovers
    except OSError as exc:  # a read-only directory; or a file gone under another process's cleanup
        log.debug("locale cache not written (%s)", exc)
    return parsed


def locale_from_telegram(language_code: str | None, default: str = "ru") -> str:
    """Russian by default; English when Telegram says the user's language is English."""
    if language_code and language_code.lower().startswith("en"):
        return "en"
    if language_code and language_code.lower().startswith("ru"):
        return "ru"
    return default
