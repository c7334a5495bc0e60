"""Registration rules: roles, categories, validation of what people type.

Validators return a value or raise ``Invalid(code)``; the code names a locale key
(``invalid-<code>``) so the handler can answer in the user's language.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

ROLES = ("mentor", "mentee")
ORG_TYPES = ("school", "college", "additional", "employer")
UNIT_KINDS = ("region", "municipality", "organisation")
CHILD_KIND = {None: "region", "region": "municipality", "municipality": "organisation"}
FORMATS = ("online", "offline", "any")
TIMES_OF_DAY = ("morning", "afternoon", "evening")
WEEKDAYS = tuple(range(7))

# Which categories a role may choose (target model: mentees are students 11-18, college
# students, young teachers; mentors are teachers, senior students, college students,
# employers' representatives).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "mentee": ("school_student", "college_student", "young_specialist"),
    "mentor": ("teacher", "school_student", "college_student", "employer_rep"),
}
GRADES = tuple(range(1, 12))
COURSES = tuple(range(1, 7))
CAPACITIES = tuple(range(1, 11))

NAME_MAX = 150
NAME_MIN = 3
COMPANY_MAX = 200
GOALS_TEXT_MAX = 1000
TAG_MAX = 32
TAGS_MAX = 10
MIN_AGE = 6
MAX_AGE = 100
ADULT_AGE = 18


class Invalid(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


_NAME_OK = re.compile(r"^[^\W\d_][^\W\d_\s'’.\-]*(?:[\s'’.\-]+[^\W\d_][^\W\d_\s'’.\-]*)*\.?$", re.UNICODE)


def clean_text(text: str | None) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("\u200b", "")).strip()


def parse_full_name(text: str | None) -> str:
    name = clean_text(text)
    if not name:
        raise Invalid("name-empty")
    if len(name) > NAME_MAX:
        raise Invalid("name-too-long", max=NAME_MAX)
    if any(ch.isdigit() for ch in name):
        raise Invalid("name-digits")
    if len(name) < NAME_MIN or not _NAME_OK.match(name):
        raise Invalid("name-format")
    return name


def parse_birth_year(text: str | None, today: date) -> int:
    raw = clean_text(text)
    if not re.fullmatch(r"\d{4}", raw):
        raise Invalid("birth-year-format")
    year = int(raw)
    if not today.year - MAX_AGE <= year <= today.year - MIN_AGE:
        raise Invalid("birth-year-range", min=today.year - MAX_AGE, max=today.year - MIN_AGE)
    return year


def is_minor(birth_year: int, today: date) -> bool:
    """Conservative: anyone whose 18th birthday may not have passed yet is a minor.

    Only the year of birth is collected (data minimisation), so a person born in
    ``today.year - 18`` is treated as a minor until their curator records the parental consent.
    """
    return today.year - birth_year <= ADULT_AGE


def parse_company(text: str | None) -> str:
    company = clean_text(text)
    if not company:
        raise Invalid("company-empty")
    if len(company) > COMPANY_MAX:
        raise Invalid("company-too-long", max=COMPANY_MAX)
    return company


def parse_tags(text: str | None) -> list[str]:
    tags: list[str] = []
    for part in re.split(r"[,;\n#]+", text or ""):
        tag = clean_text(part).lower()
        if not tag:
            continue
        if len(tag) > TAG_MAX:
            raise Invalid("tag-too-long", max=TAG_MAX)
        if tag not in tags:
            tags.append(tag)
    if len(tags) > TAGS_MAX:
        raise Invalid("tags-too-many", max=TAGS_MAX)
    return tags


def parse_goals_text(text: str | None) -> str:
    value = (text or "").strip()
    if not value:
        raise Invalid("text-empty")
    if len(value) > GOALS_TEXT_MAX:
        raise Invalid("text-too-long", max=GOALS_TEXT_MAX)
    return value


def check_category(role: str, category: str) -> None:
    if role not in ROLES or category not in CATEGORIES[role]:
        raise Invalid("category")


def needs_grade(category: str) -> bool:
    return category == "school_student"


def needs_course(category: str) -> bool:
    return category == "college_student"


def needs_company(category: str) -> bool:
    return category == "employer_rep"


@dataclass(frozen=True)
class Profile:
    """Everything a participant states at registration (validated)."""

    role: str
    category: str
    birth_year: int
    full_name: str
    grade: int | None = None
    course: int | None = None
    company: str | None = None
    interests: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    goals: tuple[str, ...] = ()
    goals_text: str | None = None
    strengths: tuple[str, ...] = ()
    capacity: int | None = None
    days: tuple[int, ...] = ()
    times: tuple[str, ...] = ()
    format: str = "any"

    def validate(self, today: date) -> None:
        check_category(self.role, self.category)
        if needs_grade(self.category) and self.grade not in GRADES:
            raise Invalid("grade")
        if needs_course(self.category) and self.course not in COURSES:
            raise Invalid("course")
        if needs_company(self.category):
            parse_company(self.company)
        parse_full_name(self.full_name)
        parse_birth_year(str(self.birth_year), today)
        if self.role == "mentor" and self.capacity not in CAPACITIES:
            raise Invalid("capacity")
        if self.format not in FORMATS:
            raise Invalid("format")
        if any(d not in WEEKDAYS for d in self.days) or any(t not in TIMES_OF_DAY for t in self.times):
            raise Invalid("availability")
