"""Unit tests of the registration rules: validators, is_minor, categories, Profile.validate."""
from __future__ import annotations

from datetime import date

import pytest

from domain import rules
from domain.rules import Invalid, Profile

TODAY = date(2026, 11, 23)


def code_of(fn, *args) -> str:
    with pytest.raises(Invalid) as info:
        fn(*args)
    return info.value.code


# --- full name -------------------------------------------------------------------------------
@pytest.mark.parametrize("text,expected", [
    ("Иванова Мария Петровна", "Иванова Мария Петровна"),
    ("  Иванова   Мария\tПетровна \n", "Иванова Мария Петровна"),
    ("Римский-Корсаков Николай", "Римский-Корсаков Николай"),
    ("O'Brien Sean", "O'Brien Sean"),
    ("Jean-Luc Picard", "Jean-Luc Picard"),
    ("Ли Юн", "Ли Юн"),
    ("Петров П. И.", "Петров П. И."),
    ("Ёлкина\u200b Алёна", "Ёлкина Алёна"),
])
def test_full_name_accepted_and_cleaned(text, expected):
    assert rules.parse_full_name(text) == expected


@pytest.mark.parametrize("text,code", [
    ("", "name-empty"),
    ("   \n\t ", "name-empty"),
    (None, "name-empty"),
    ("А" * 151, "name-too-long"),
    ("Иванов " + "И" * 150, "name-too-long"),
    ("12345", "name-digits"),
    ("Иван 2", "name-digits"),
    ("R2D2 Droid", "name-digits"),
    ("Ив", "name-format"),
    ("!!!", "name-format"),
    ("---", "name-format"),
    ("Иван_Петров", "name-format"),
    ("Иван @petrov", "name-format"),
    ("<b>Иван</b>", "name-format"),
])
def test_full_name_refused(text, code):
    assert code_of(rules.parse_full_name, text) == code


def test_name_too_long_carries_the_limit():
    with pytest.raises(Invalid) as info:
        rules.parse_full_name("Я" * 200)
    assert info.value.params == {"max": rules.NAME_MAX}


def test_name_of_exactly_the_maximum_length_is_accepted():
    name = "Иванов " + "И" * (rules.NAME_MAX - 7)
    assert len(name) == rules.NAME_MAX
    assert rules.parse_full_name(name) == name


# --- birth year ------------------------------------------------------------------------------
@pytest.mark.parametrize("text,year", [("2010", 2010), (" 1990 ", 1990), ("1926", 1926), ("2020", 2020),
                                       ("２０１０", 2010)])  # full-width digits from some keyboards
def test_birth_year_accepted(text, year):
    assert rules.parse_birth_year(text, TODAY) == year


@pytest.mark.parametrize("text,code", [
    ("", "birth-year-format"),
    (None, "birth-year-format"),
    ("двухтысячный", "birth-year-format"),
    ("10", "birth-year-format"),
    ("20100", "birth-year-format"),
    ("2010.5", "birth-year-format"),
    ("-2010", "birth-year-format"),
    ("2027", "birth-year-range"),  # the future
    ("2021", "birth-year-range"),  # younger than 6
    ("1925", "birth-year-range"),  # older than 100
    ("0000", "birth-year-range"),
])
def test_birth_year_refused(text, code):
    assert code_of(rules.parse_birth_year, text, TODAY) == code


def test_birth_year_range_names_its_bounds():
    with pytest.raises(Invalid) as info:
        rules.parse_birth_year("2030", TODAY)
    assert info.value.params == {"min": 1926, "max": 2020}


# --- is_minor --------------------------------------------------------------------------------
@pytest.mark.parametrize("year,minor", [
    (2015, True),
    (2009, True),
    (2008, True),   # 18 this year: the birthday may not have passed, so still a minor
    (2007, False),  # 19 this year: certainly 18 already
    (1980, False),
])
def test_is_minor_is_conservative(year, minor):
    assert rules.is_minor(year, TODAY) is minor


def test_is_minor_moves_with_the_date():
    assert rules.is_minor(2008, date(2026, 1, 1)) is True
    assert rules.is_minor(2008, date(2027, 1, 1)) is False


# --- company, tags, goals text -------------------------------------------------------------------
def test_company():
    assert rules.parse_company("  ООО «Ромашка»  ") == "ООО «Ромашка»"
    assert code_of(rules.parse_company, "   ") == "company-empty"
    assert code_of(rules.parse_company, "x" * 201) == "company-too-long"


def test_tags_are_split_cleaned_lowercased_and_deduplicated():
    assert rules.parse_tags("Шахматы, 3D-печать;  #Го\nшахматы") == ["шахматы", "3d-печать", "го"]
    assert rules.parse_tags("") == []
    assert rules.parse_tags(" , ;# ") == []


def test_tags_limits():
    assert code_of(rules.parse_tags, "x" * 33) == "tag-too-long"
    assert rules.parse_tags("x" * 32) == ["x" * 32]
    assert code_of(rules.parse_tags, ",".join(f"t{i}" for i in range(11))) == "tags-too-many"
    assert len(rules.parse_tags(",".join(f"t{i}" for i in range(10)))) == 10


def test_goals_text():
    assert rules.parse_goals_text("  Хочу подготовиться к ОГЭ  ") == "Хочу подготовиться к ОГЭ"
    assert code_of(rules.parse_goals_text, "  ") == "text-empty"
    assert code_of(rules.parse_goals_text, "я" * 1001) == "text-too-long"
    assert len(rules.parse_goals_text("я" * 1000)) == 1000


def test_clean_text():
    assert rules.clean_text(None) == ""
    assert rules.clean_text(" a\u200b  b\n\tc ") == "a b c"


# --- categories --------------------------------------------------------------------------------
def test_categories_per_role():
    rules.check_category("mentee", "school_student")
    rules.check_category("mentor", "employer_rep")
    assert code_of(rules.check_category, "mentee", "teacher") == "category"
    assert code_of(rules.check_category, "mentee", "employer_rep") == "category"
    assert code_of(rules.check_category, "curator", "teacher") == "category"
    assert rules.needs_grade("school_student") and not rules.needs_grade("teacher")
    assert rules.needs_course("college_student") and not rules.needs_course("school_student")
    assert rules.needs_company("employer_rep") and not rules.needs_company("teacher")


# --- Profile.validate ----------------------------------------------------------------------------
def mentee(**changes) -> Profile:
    values = {"role": "mentee", "category": "school_student", "grade": 8, "birth_year": 2012, "full_name": "Иванова Мария",
                  "interests": ("sport",), "goals": ("exams",), "days": (0, 2), "times": ("evening",), "format": "online"}
    values.update(changes)
    return Profile(**values)


def mentor(**changes) -> Profile:
    values = {"role": "mentor", "category": "teacher", "birth_year": 1980, "full_name": "Петров Пётр Петрович",
                  "strengths": ("exams",), "capacity": 3, "days": (1,), "times": ("morning",), "format": "any"}
    values.update(changes)
    return Profile(**values)


def test_valid_profiles_pass():
    mentee().validate(TODAY)
    mentor().validate(TODAY)
    mentor(category="employer_rep", company="ООО «Ромашка»").validate(TODAY)
    mentee(category="college_student", grade=None, course=2, birth_year=2007).validate(TODAY)


@pytest.mark.parametrize("profile,code", [
    (mentee(category="teacher"), "category"),
    (mentee(grade=None), "grade"),
    (mentee(grade=12), "grade"),
    (mentee(category="college_student", grade=None, course=7), "course"),
    (mentor(category="employer_rep"), "company-empty"),
    (mentee(full_name="12345"), "name-digits"),
    (mentee(birth_year=2030), "birth-year-range"),
    (mentor(capacity=None), "capacity"),
    (mentor(capacity=11), "capacity"),
    (mentee(format="telepathy"), "format"),
    (mentee(days=(7,)), "availability"),
    (mentee(times=("night",)), "availability"),
])
def test_invalid_profiles_fail(profile, code):
    assert code_of(profile.validate, TODAY) == code


# --- the questionnaire engine's pure parts (handlers/forms.py) -------------------------------------
def test_questionnaire_steps_follow_role_and_category():
    from handlers import forms

    a = {"role": "mentee", "_role_fixed": True, "category": "school_student"}
    walked, step = [], forms.first_step(a, "all")
    while step:
        walked.append(step)
        step = forms.next_step(a, "all", step)
    assert walked == ["category", "grade", "birth_year", "full_name", "interests", "tags", "goals", "goals_text",
                      "days", "times", "format"]
    a = {"role": "mentor", "category": "employer_rep"}
    walked, step = [], forms.first_step(a, "all")
    while step:
        walked.append(step)
        step = forms.next_step(a, "all", step)
    assert walked == ["role", "category", "company", "birth_year", "full_name", "interests", "tags", "strengths",
                      "capacity", "days", "times", "format"]
    assert forms.first_step(a, "availability") == "days"
    assert forms.next_step(a, "availability", "times") is None


def test_forged_values_are_not_decoded():
    from handlers import forms

    a = {"role": "mentor"}
    assert forms.decode(forms.STEPS["capacity"], a, "3") == 3
    assert forms.decode(forms.STEPS["interests"], a, "s.math") == "s:math"
    for step, raw in [("capacity", "11"), ("capacity", "0"), ("grade", "-1"), ("interests", "s:math"),
                      ("interests", "hacking"), ("category", "young_specialist"), ("format", "")]:
        assert code_of(forms.decode, forms.STEPS[step], a, raw) == "button"


def test_build_profile_drops_what_the_category_or_role_does_not_use():
    from handlers import forms

    profile = forms.build_profile({
        "role": "mentee", "category": "young_specialist", "grade": 5, "course": 2, "company": "X",
        "birth_year": 1999, "full_name": "Иванова Мария", "goals": ["documents"], "strengths": ["exams"],
        "capacity": 4, "days": [4, 1], "times": ["evening", "morning"], "format": "offline",
    })
    assert (profile.grade, profile.course, profile.company) == (None, None, None)
    assert profile.strengths == () and profile.capacity is None
    assert profile.days == (1, 4) and profile.times == ("morning", "evening")
    profile.validate(TODAY)


def test_every_invalid_code_has_an_explanation_in_every_language():
    import inspect
    import re

    from bot.i18n import SUPPORTED, Translator

    codes = set(re.findall(r'Invalid\("([a-z-]+)"', inspect.getsource(rules)))
    assert {"name-digits", "birth-year-range", "availability"} <= codes
    translator = Translator()
    for lang in SUPPORTED:
        missing = sorted(c for c in codes | {"role", "button"} if f"reg-invalid-{c}" not in translator.keys(lang))
        assert missing == [], lang
