"""bot.i18n keeps the parsed Fluent files in ``locales/__pycache__`` (as Python keeps ``.pyc``):
a second start reads them without parsing and shows the same texts; an edited file makes a new
entry and shows the new text; a torn entry, one others may change, or a directory that cannot be
written, only means parsing as before."""
from __future__ import annotations

import shutil

import pytest

from bot import i18n
from bot.i18n import LOCALES_DIR, Translator


@pytest.fixture
def locales(tmp_path):
    copy = tmp_path / "locales"
    shutil.copytree(LOCALES_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


VARIABLES = {"count": 3, "name": "N", "title": "T", "org": "O", "unit": "U", "date": "D"}


def entries(locales):
    return sorted((locales / "__pycache__").glob("ftl-*.pickle"))


def texts(t: Translator) -> dict[str, dict[str, str]]:
    """Every message of every language, formatted (variables given as their own names)."""
    return {lang: {k: t.get(lang, k, **VARIABLES) for k in sorted(t.keys(lang))} for lang in i18n.SUPPORTED}


def no_parsing(monkeypatch):
    def refuse(_text):
        raise AssertionError("parsed although the cache holds these files")

    monkeypatch.setattr(i18n, "FluentResource", refuse)


def test_a_second_start_reads_the_cache_and_shows_the_same_texts(locales, monkeypatch):
    first = Translator(locales)
    assert len(entries(locales)) == 1
    no_parsing(monkeypatch)
    second = Translator(locales)
    assert texts(second) == texts(first)
    assert second.get("ru", "help-guest") == first.get("ru", "help-guest") != "help-guest"
    assert second.keys("en") == first.keys("en") == Translator().keys("en")


def test_an_edited_file_makes_a_new_entry_with_the_new_text(locales, monkeypatch):
    Translator(locales)
    old = entries(locales)
    common = locales / "en" / "common.ftl"
    common.write_text(common.read_text(encoding="utf-8") + "\ncache-probe = Edited after the first start\n",
                      encoding="utf-8")
    edited = Translator(locales)
    assert edited.get("en", "cache-probe") == "Edited after the first start"
    assert len(entries(locales)) == 1 and entries(locales) != old  # the old entry is gone
    no_parsing(monkeypatch)
    assert Translator(locales).get("en", "cache-probe") == "Edited after the first start"


def test_a_torn_entry_is_parsed_again_and_rewritten(locales):
    expected = texts(Translator(locales))
    [entry] = entries(locales)
    entry.write_bytes(entry.read_bytes()[:100])  # a crash in the middle of someone else's write
    assert texts(Translator(locales)) == expected
    assert entries(locales) == [entry] and len(entry.read_bytes()) > 100


def test_a_directory_that_cannot_be_written_only_means_parsing(locales):
    (locales / "__pycache__").write_text("not a directory")  # mkdir and every write fail
    assert texts(Translator(locales)) == texts(Translator())


def test_an_entry_others_may_change_is_not_read(locales, monkeypatch):
    """Loading a pickle runs code: an entry writable by its group or by anyone is parsed afresh
    (and replaced by one written as 0o644), never loaded."""
    import os

    expected = texts(Translator(locales))
    [entry] = entries(locales)
    assert entry.stat().st_mode & 0o777 == 0o644
    os.chmod(entry, 0o666)
    parsed = []
    real = i18n.FluentResource

    def counting(text):
        parsed.append(1)
        return real(text)

    monkeypatch.setattr(i18n, "FluentResource", counting)
    assert texts(Translator(locales)) == expected
    assert parsed and entries(locales)[0].stat().st_mode & 0o777 == 0o644
