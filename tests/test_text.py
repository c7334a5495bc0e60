"""domain/text.py (shortening between words, pages, Russian alphabetical order) and domain/dates.py."""
from __future__ import annotations

import random
import unicodedata
from datetime import date

import pytest

from domain.dates import parse_typed_date
from domain.rules import Invalid
from domain.text import BUTTON_MAX, ELLIPSIS, collation_key, name_forms, pages, short_name, shorten

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("text,limit,expected", [
    ("Выбор профессии", 40, "Выбор профессии"),
    ("Выбор профессии и профориентация", 20, "Выбор профессии…"),  # no dangling "и"
    ("аналитические способности и логика", 20, "аналитические…"),
    ("кураторы программ наставничества", 12, "кураторы…"),
    ("Опытный педагог – молодой специалист", 20, "Опытный педагог…"),
    ("  many   spaces   here  ", 40, "  many   spaces   here  "),
    ("  many   spaces   here  ", 18, "many spaces here"),
    ("Сверхдлинноесловобезпробелов и ещё", 12, "Сверхдлинноесловобезпробелов…"),  # a word is never cut
])
def test_shorten_cuts_between_words(text, limit, expected):
    assert shorten(text, limit) == expected


@pytest.mark.parametrize("text,limit,expected", [
    ("Северо-Западный федеральный округ", 12, "Северо-Западный…"),  # a hyphenated word is one word
    ("Северо-Западный федеральный округ", 30, "Северо-Западный федеральный…"),
    ("Римская-Корсакова Анна", 12, "Римская-Корсакова…"),
    ("Римская-Корсакова Анна Сергеевна", 25, "Римская-Корсакова Анна…"),
    ("Кузнецова-Лебедева-Орлова Мария", 20, "Кузнецова-Лебедева-Орлова…"),
    ("школа-интернат № 3 имени героя", 15, "школа-интернат…"),
    ("педагог-новатор – консервативный педагог", 19, "педагог-новатор…"),
    ("наставник/куратор программы", 14, "наставник…"),  # after a slash, a comma, a dash: a break
    ("1990–2000 годы обучения", 8, "1990…"),
    ("ученик — ученик, учитель — ученик", 20, "ученик — ученик…"),
])
def test_shorten_breaks_at_spaces_and_dashes_never_at_a_hyphen(text, limit, expected):
    assert shorten(text, limit) == expected


def test_shorten_hard_limits_and_defaults():
    assert shorten("Сверхдлинноесловобезпробелов", 12, hard=True) == "Сверхдлинно" + ELLIPSIS
    assert len(shorten("слово " * 40, hard=True)) <= BUTTON_MAX
    assert shorten(None) == "" and shorten("") == ""
    for limit in range(11, 60):  # from the first word and "…" on
        cut = shorten("Подготовка аналитической справки по итогам мониторинга", limit)
        assert len(cut) <= limit and (cut.endswith(ELLIPSIS) or cut.startswith("Подготовка аналит"))


def test_pages_never_split_a_line():
    lines = [f"{n}. " + "слово " * 30 for n in range(40)]
    parts = pages(lines, 1000)
    assert all(len(p) <= 1000 for p in parts) and "\n".join(parts).split("\n") == lines
    assert pages([]) == [""]
    assert pages(["a" * 10 + " " + "b" * 10], 12) == ["a" * 10, "b" * 10]


def test_russian_alphabetical_order():
    names = ["Ёлкина Анна", "Егорова Вера", "ежов Пётр", "Елкин Иван", "Smith John", "Яковлев", "Абрамов",
             "Йогуртов", "Иванов", "10-й класс"]
    assert sorted(names, key=collation_key) == ["10-й класс", "Абрамов", "Егорова Вера", "ежов Пётр", "Елкин Иван",
                                                "Ёлкина Анна", "Иванов", "Йогуртов", "Яковлев", "Smith John"]
    assert collation_key("Елкин") < collation_key("Ёлкин")  # only YE / YO differ: YE first


def _tuple_key(text: str | None) -> tuple:
    """The order collation_key has always given, as the tuple of (rank, character) pairs it once
    returned: the reference its compact string must agree with."""
    def rank(ch: str) -> tuple[int, str]:
        if ch.isspace():
            return 0, " "
        if ch.isdigit():
            return 1, ch
        if "\u0400" <= ch <= "\u04ff":
            return 2, ch
        if ch.isalpha():
            return 3, ch
        return 0, ""
    folded = unicodedata.normalize("NFC", (text or "").strip()).casefold()
    return tuple(r for r in (rank(c) for c in folded.replace("\u0451", "\u0435")) if r[1]), folded


def test_collation_key_is_one_compact_string_in_the_same_order():
    rnd = random.Random(7)
    alphabet = "аАбеЕёЁжяЯйЙ" + "azAZéß" + "0129" + " -.,«»'" + "ҐӘ"
    texts = ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 9))) for _ in range(3000)]
    texts += ["Елкин", "Ёлкин", "елкин", "Римская-Корсакова Анна", "Римская Корсакова Анна", "", None]
    for text in texts:
        key = collation_key(text)
        assert isinstance(key, str) and len(key) <= 2 * len((text or "").casefold()) + 1
    assert sorted(texts, key=collation_key) == sorted(texts, key=_tuple_key)
    for a, b in zip(texts, texts[1:]):
        assert (collation_key(a) < collation_key(b)) == (_tuple_key(a) < _tuple_key(b))


@pytest.mark.parametrize("text,expected", [
    ("сегодня", TODAY), ("СЕГОДНЯ!", TODAY), ("Вчера.", date(2026, 11, 22)), ("позавчера", date(2026, 11, 21)),
    ("завтра", date(2026, 11, 24)), ("Послезавтра", date(2026, 11, 25)), ("today", TODAY),
    ("The day before yesterday", date(2026, 11, 21)), ("day after tomorrow", date(2026, 11, 25)),
    ("05.10.2026", date(2026, 10, 5)), ("5 / 10 / 2026", date(2026, 10, 5)), ("2026-10-05", date(2026, 10, 5)),
])
def test_typed_dates(text, expected):
    assert parse_typed_date(text, TODAY) == expected


def test_typed_dates_refused_and_options():
    for text in ("", "вчерашний", "yesterday evening", "31.02.2026", "2026.10.05", None):
        with pytest.raises(Invalid) as exc:
            parse_typed_date(text, TODAY)
        assert exc.value.code == "date-format"
    with pytest.raises(Invalid):
        parse_typed_date("05.10", TODAY)  # a year is needed unless the caller says otherwise
    assert parse_typed_date("05.10", TODAY, year_optional=True) == date(2026, 10, 5)
    with pytest.raises(Invalid):
        parse_typed_date("сегодня", None)  # without a clock only full dates are read
    assert parse_typed_date("2026-10-05", None) == date(2026, 10, 5)


@pytest.mark.parametrize("full,short", [
    ("Орлова Ольга Николаевна", "Орлова О. Н."),
    ("Римская-Корсакова Анна-Мария Ивановна", "Римская-Корсакова А.-М. И."),
    ("Иванова Мария", "Иванова М."),
    ("  Сидоров   Саша ", "Сидоров С."),
    ("Olivia Grace Robertson", "O. G. Robertson"),
    ("mary ann johnson", "M. A. johnson"),
    ("Zimmer", "Zimmer"),
    ("", ""),
    (None, ""),
])
def test_short_name_keeps_the_surname_and_gives_initials(full, short):
    assert short_name(full) == short


@pytest.mark.parametrize("full", ["Смирнова Елена Викторовна", "Римская-Корсакова Анна-Мария Петровна",
                                  "Olivia Grace O'Brien", "Zimmer"])
def test_name_forms_hold_every_form_the_texts_write_a_name_in(full):
    """Erasure takes these forms out of stored texts: the name, its short form and whatever
    shorten() makes of it at any limit must all be among them (longest first)."""
    forms = name_forms(full)
    assert forms == sorted(forms, key=len, reverse=True) and full in forms and short_name(full) in forms
    for limit in range(1, len(full) + 1):
        assert shorten(full, limit) in forms, limit
    if "'" in full:
        assert full.replace("'", "&#x27;") in forms  # as an HTML text carries it
    assert name_forms(None) == name_forms("  ") == []
