"""Forms of mentoring as the engine reads them (domain/data/forms.json) and the goals each role
model addresses (domain/matching/role_models.json)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

FORMS_FILE = Path(__file__).resolve().parent.parent / "data" / "forms.json"
ROLE_MODELS_FILE = Path(__file__).resolve().parent / "role_models.json"

STUDENT_MENTOR_CATEGORY = "school_student"
STUDENT_MENTOR_MIN_AGE = 15
STUDENT_MENTOR_MAX_AGE = 18


@dataclass(frozen=True)
class Form:
    code: str
    mentor: frozenset[str]
    mentee: frozenset[str]
    same_org: bool
    student_mentor: bool
    min_grade_gap: int
    role_models: tuple[str, ...]

    def is_student_mentor(self, category: str) -> bool:
        """A school student on the mentor side of a form with the student-mentor rule."""
        return self.student_mentor and category == STUDENT_MENTOR_CATEGORY


@lru_cache(maxsize=1)
def forms() -> dict[str, Form]:
    raw = json.loads(FORMS_FILE.read_text(encoding="utf-8"))["forms"]
    return {
        code: Form(
            code=code,
            mentor=frozenset(item["mentor"]),
            mentee=frozenset(item["mentee"]),
            same_org=bool(item.get("same_org", True)),
            student_mentor=bool(item.get("student_mentor", False)),
            min_grade_gap=int(item.get("min_grade_gap", 0)),
            role_models=tuple(item.get("role_models", ())),
        )
        for code, item in raw.items()
    }


def get_form(code: str) -> Form:
    try:
        return forms()[code]
    except KeyError:
        raise ValueError(f"unknown form of mentoring: {code!r}") from None


@lru_cache(maxsize=1)
def role_model_goals() -> dict[str, frozenset[str]]:
    raw = json.loads(ROLE_MODELS_FILE.read_text(encoding="utf-8"))["role_models"]
    return {code: frozenset(goals) for code, goals in raw.items()}
