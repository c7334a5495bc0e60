"""The catalogue of interests, subjects and goals, kept as data in domain/data/catalog.json."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

CATALOG_FILE = Path(__file__).resolve().parent / "data" / "catalog.json"
KINDS = ("interests", "subjects", "goals")


@lru_cache(maxsize=1)
def catalog() -> dict[str, tuple[str, ...]]:
    raw = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    return {kind: tuple(raw[kind]) for kind in KINDS}


def codes(kind: str) -> tuple[str, ...]:
    return catalog()[kind]


def label_key(kind: str, code: str) -> str:
    """Fluent key of a catalogue item's name, e.g. catalog-interests-sport."""
    return f"catalog-{kind}-{code}"


def interest_codes() -> tuple[str, ...]:
    """Interests and subjects together, as offered in one picker (subjects prefixed 's:')."""
    return tuple(codes("interests")) + tuple(f"s:{c}" for c in codes("subjects"))


def interest_label_key(code: str) -> str:
    if code.startswith("s:"):
        return label_key("subjects", code[2:])
    return label_key("interests", code)


def valid_interest(code: str) -> bool:
    return code in interest_codes()


def valid_goal(code: str) -> bool:
    return code in codes("goals")
