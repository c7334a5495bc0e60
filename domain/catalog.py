"""The catalogue of interests, subjects and goals, kept as data in domain/data/catalog.json.

What a person is offered depends on their category (``by_category`` in the data): a pupil is not
offered a teacher's goals (classroom management, documents) nor teachers' subjects, and a category may want
school subjects before hobbies (``subjects_first``). Registration and /profile use these same
functions (through handlers/forms.py), so both follow one set of rules.

The order on the screen: the items people of the same category chose most often first, counted
over the latest ``USAGE_SAMPLE`` participants of that category (one bounded query, cached for
``USAGE_TTL``); with fewer than ``USAGE_MIN`` of them the curated order of the data file stands.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

CATALOG_FILE = Path(__file__).resolve().parent / "data" / "catalog.json"
KINDS = ("interests", "subjects", "goals")
USAGE_SAMPLE = 1000  # latest participants of a category whose choices order the catalogue
USAGE_MIN = 20  # fewer than this: the curated order
USAGE_TTL = timedelta(hours=1)


@lru_cache(maxsize=1)
def _raw() -> dict[str, Any]:
    return json.loads(CATALOG_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def catalog() -> dict[str, tuple[str, ...]]:
    raw = _raw()
    return {kind: tuple(raw[kind]) for kind in KINDS}


def codes(kind: str) -> tuple[str, ...]:
    """Every code of a kind (whatever the category), in the data file's order."""
    return catalog()[kind]


def _for_category(category: str | None) -> dict[str, Any]:
    return _raw().get("by_category", {}).get(category or "", {})


def goal_codes(category: str | None = None) -> tuple[str, ...]:
    """The goals (a mentee's) or strengths (a mentor's) offered to this category, curated order."""
    listed = _for_category(category).get("goals")
    return tuple(c for c in listed if c in codes("goals")) if listed else codes("goals")


def subject_codes(category: str | None = None) -> tuple[str, ...]:
    listed = _for_category(category).get("subjects")
    return tuple(c for c in listed if c in codes("subjects")) if listed else codes("subjects")


def label_key(kind: str, code: str) -> str:
    """Fluent key of a catalogue item's name, e.g. catalog-interests-sport."""
    return f"catalog-{kind}-{code}"


def interest_codes(category: str | None = None) -> tuple[str, ...]:
    """Interests and subjects together, as offered in one picker (subjects prefixed 's:'); for a
    category that wants them, school subjects come first."""
    interests = tuple(codes("interests"))
    subjects = tuple(f"s:{c}" for c in subject_codes(category))
    return subjects + interests if _for_category(category).get("subjects_first") else interests + subjects


def interest_label_key(code: str) -> str:
    if code.startswith("s:"):
        return label_key("subjects", code[2:])
    return label_key("interests", code)


def valid_interest(code: str, category: str | None = None) -> bool:
    return code in interest_codes(category)


def valid_goal(code: str, category: str | None = None) -> bool:
    return code in goal_codes(category)


def keep_offered(category: str | None, interests: Iterable[str] = (), goals: Iterable[str] = (),
                 strengths: Iterable[str] = ()) -> tuple[list[str], list[str], list[str]]:
    """Choices still offered after a change of category (the others are dropped)."""
    offered_i, offered_g = set(interest_codes(category)), set(goal_codes(category))
    return ([c for c in interests if c in offered_i], [c for c in goals if c in offered_g],
            [c for c in strengths if c in offered_g])


# ---------------------------------------------------------------------------------------------
# the order on screen: most chosen first
# ---------------------------------------------------------------------------------------------
_usage: dict[tuple[str, str], tuple[datetime, Counter]] = {}


async def usage(session: AsyncSession, category: str | None, now: datetime) -> Counter:
    """How often people of ``category`` chose each item: keys (field, code) for the fields
    interests, goals and strengths. Empty (the curated order) below ``USAGE_MIN`` people."""
    from db.models import Participant  # late: db.models is heavy and the catalogue is imported everywhere

    if not category:
        return Counter()
    key = (str(session.bind.url) if session.bind is not None else "", category)
    cached = _usage.get(key)
    if cached is not None and now - cached[0] < USAGE_TTL:
        return cached[1]
    rows = (await session.execute(
        select(Participant.interests, Participant.goals, Participant.strengths)
        .where(Participant.category == category, Participant.status != "erased")
        .order_by(Participant.id.desc()).limit(USAGE_SAMPLE))).all()
    counts: Counter = Counter()
    if len(rows) >= USAGE_MIN:
        for interests, goals, strengths in rows:
            counts.update(("interests", c) for c in set(interests or ()))
            counts.update(("goals", c) for c in set(goals or ()))
            counts.update(("strengths", c) for c in set(strengths or ()))
    _usage[key] = (now, counts)
    return counts


def by_use(options: Sequence[str], counts: Counter, field: str) -> list[str]:
    """``options`` with the most chosen first; ties (and unused items) keep the curated order."""
    return sorted(options, key=lambda code: -counts.get((field, code), 0))


__all__ = ["KINDS", "USAGE_SAMPLE", "USAGE_MIN", "catalog", "codes", "goal_codes", "subject_codes", "label_key",
           "interest_codes", "interest_label_key", "valid_interest", "valid_goal", "keep_offered", "usage",
           "by_use"]
