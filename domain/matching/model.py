"""The engine's input and output types (plain frozen dataclasses, no DB, no aiogram)."""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import date

WEIGHT_MIN = 0.0
WEIGHT_MAX = 10.0


@dataclass(frozen=True)
class Person:
    """One programme member on one side, as the engine sees them.

    ``id`` is the programme member id (``programme_members.id``); ids must be unique within a
    side. ``goals`` holds a mentee's goals, or a mentor's strengths (the same goal codes).
    ``preferences`` names ids of the *other* side, best first; only the first three count.
    ``consent_ok`` is False for a minor whose parental consent is not recorded.
    """

    id: int
    org_id: int
    category: str
    grade: int | None = None
    course: int | None = None
    birth_year: int | None = None
    interests: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    goals: frozenset[str] = frozenset()
    days: frozenset[int] = frozenset()
    times: frozenset[str] = frozenset()
    format: str = "any"
    consent_ok: bool = True
    capacity: int = 1
    preferences: tuple[int, ...] = ()


@dataclass(frozen=True)
class Weights:
    """Weights of the soft score's components; each in [0, 10].

    Defaults: interests 1.0, goals 1.5, availability 1.0, format 0.5, preference 1.0,
    mutual_preference 2.0, role_model 0.5. The score is the weighted average of the components,
    so only the ratios matter; a weight of 0 switches a component off.
    """

    interests: float = 1.0
    goals: float = 1.5
    availability: float = 1.0
    format: float = 0.5
    preference: float = 1.0
    mutual_preference: float = 2.0
    role_model: float = 0.5

    @classmethod
    def from_mapping(cls, raw: Mapping[str, object] | None) -> Weights:
        """Programme overrides (``programmes.weights``): unknown keys and non-numbers are
        ignored, values are clamped to [0, 10]."""
        known = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for key, value in (raw or {}).items():
            if key not in known or isinstance(value, bool):
                continue
            try:
                number = float(value)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                continue
            if math.isnan(number):
                continue
            values[key] = min(WEIGHT_MAX, max(WEIGHT_MIN, number))
        return cls(**values)

    def as_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True)
class Spec:
    """What a run needs besides the people: the form (a code of domain/data/forms.json), the
    date (ages are ``today.year - birth_year``), the weights and the programme's role models."""

    form: str
    today: date
    weights: Weights = field(default_factory=Weights)
    role_models: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """Why a pair scored: ``code`` is one of REASON_CODES, ``items`` what it rests on.

    shared_interests: shared interest codes ('s:<subject>' for subjects), then shared free tags
        as '#<tag>'; goals_covered: the mentee's goal codes the mentor lists as strengths;
    time_overlap: shared slots '<day>:<time>' (day 0=Mon..6); same_format: the agreed format
        (online | offline | any); preference: 'mentee:<rank>' or 'mentor:<rank>' — who named whom,
        rank 1..3; mutual_preference: both of those; role_model: the one programme role model
        the pair fits best (``scoring.best_role_model``).
    """

    code: str
    items: tuple[str, ...] = ()


REASON_CODES = (
    "shared_interests",
    "goals_covered",
    "time_overlap",
    "same_format",
    "preference",
    "mutual_preference",
    "role_model",
)


@dataclass(frozen=True)
class Assignment:
    mentor_id: int
    mentee_id: int
    score: float
    reasons: tuple[Reason, ...]
    fixed: bool = False


UNMATCHED_CODES = ("no_consent", "no_eligible_mentor", "capacity")
MENTOR_UNMATCHED_CODES = ("no_consent", "mentor_category", "mentor_age", "no_capacity", "no_candidates",
                          "not_needed")


@dataclass
class MatchResult:
    """``unmatched``: mentee id → the most specific true reason, one of UNMATCHED_CODES:

    * ``no_consent`` — the mentee's *own* parental consent is missing (a mentor's missing consent
      never makes a mentee's reason no_consent);
    * ``no_eligible_mentor`` — no mentor of the run passes every hard rule with this mentee: the
      form does not take the mentee's category, or every mentor is ruled out — by the mentor's own
      rules (consent, category, age), by the pair rules (organisation, grade gap) or as an
      excluded pair;
    * ``capacity`` — at least one mentor passes every hard rule with the mentee, but all their
      places went to other mentees (or to fixed pairs).

    ``unmatched_mentors``: ids of mentors without a mentee; ``mentor_reasons`` says why, one of
    MENTOR_UNMATCHED_CODES: the mentor's own rule (``no_consent``, ``mentor_category``,
    ``mentor_age``), ``no_capacity`` (capacity 0), ``no_candidates`` (no mentee reached them in the
    candidate graph — in an exhaustive group, no mentee passes the rules with them) or
    ``not_needed`` (they had candidates, but the optimum placed those mentees elsewhere).
    """

    assignments: list[Assignment]
    unmatched: dict[int, str]
    unmatched_mentors: list[int]
    total_score: float
    stats: dict[str, float]
    mentor_reasons: dict[int, str] = field(default_factory=dict)

    @property
    def matched(self) -> int:
        return len(self.assignments)
