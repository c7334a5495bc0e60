"""Locales: Russian and English complete and consistent; every key the code names exists."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from fluent.syntax import FluentParser, Visitor, ast

from bot.i18n import LOCALES_DIR, SUPPORTED, Translator, locale_from_telegram
from domain import catalog

ROOT = Path(__file__).resolve().parent.parent
CODE_DIRS = ("bot", "handlers", "domain")
KEY_PATTERNS = [
    re.compile(r"""\bt\(\s*["']([a-z0-9-]+)["']"""),
    re.compile(r"""\.get\(\s*[\w.]+,\s*["']([a-z0-9-]+)["']"""),
    re.compile(r"""\b(?:key|text_key)\s*=\s*["']([a-z0-9-]+)["']"""),
    re.compile(r"""["']text_key["']\s*:\s*["']([a-z0-9-]+)["']"""),
]


def _messages(lang: str) -> dict[str, set[str]]:
    """key -> names of the variables it uses."""
    out: dict[str, set[str]] = {}
    for path in sorted((LOCALES_DIR / lang).glob("*.ftl")):
        resource = FluentParser().parse(path.read_text(encoding="utf-8"))
        for entry in resource.body:
            assert not isinstance(entry, ast.Junk), f"{path}: syntax error near {entry.content[:80]!r}"
            if isinstance(entry, ast.Message):
                assert entry.id.name not in out, f"{path}: duplicate key {entry.id.name}"
                out[entry.id.name] = _variables(entry)
    return out


def _variables(node: object) -> set[str]:
    found: set[str] = set()

    class Collector(Visitor):
        def visit_VariableReference(self, var):  # noqa: N802 - fluent's naming
            found.add(var.id.name)

    Collector().visit(node)
    return found


def test_every_locale_has_the_same_keys_and_variables():
    ru, en = _messages("ru"), _messages("en")
    assert sorted(set(ru) - set(en)) == [], "keys missing in English"
    assert sorted(set(en) - set(ru)) == [], "keys missing in Russian"
    mismatched = {k: (ru[k], en[k]) for k in ru if ru[k] != en[k]}
    assert mismatched == {}


def test_keys_used_in_code_exist():
    known = set(_messages("ru"))
    missing = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for pattern in KEY_PATTERNS:
                for key in pattern.findall(text):
                    if key not in known:
                        missing.append(f"{path.relative_to(ROOT)}: {key}")
    assert missing == []


def test_catalogue_has_names_in_every_language():
    t = Translator()
    for lang in SUPPORTED:
        keys = t.keys(lang)
        for kind in catalog.KINDS:
            for code in catalog.codes(kind):
                assert catalog.label_key(kind, code) in keys, (lang, kind, code)


def test_no_user_text_in_code():
    cyrillic = re.compile(r"[А-Яа-яЁё]")
    offenders = []
    for folder in CODE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if cyrillic.search(line) and not line.lstrip().startswith("#"):
                    offenders.append(f"{path.relative_to(ROOT)}:{n}")
    assert offenders == []


@pytest.mark.parametrize(
    "n,expected",
    [(1, "1 новый участник"), (3, "3 новых участника"), (5, "5 новых участников"), (11, "11 новых участников"),
     (21, "21 новый участник"), (24, "24 новых участника")],
)
def test_russian_plural_forms(n, expected):
    text = Translator().get("ru", "digest-new-registrations", unit="X", total=n, mentors=0, mentees=n, awaiting=0)
    assert expected in text


def test_language_detection_and_fallback():
    assert locale_from_telegram("en-GB") == "en"
    assert locale_from_telegram("ru") == "ru"
    assert locale_from_telegram("uk") == "ru"
    assert locale_from_telegram(None, default="en") == "en"
    t = Translator()
    assert t.get("de", "cancel-done") == t.get("ru", "cancel-done")
    assert t.get("en", "no-such-key-at-all") == "no-such-key-at-all"
