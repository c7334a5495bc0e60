"""The matching engine: pure domain code (no DB, no aiogram).

Input: a programme's mentors and mentees as :class:`Person` values and a :class:`Spec` (form,
date, weights, role models). Output: a :class:`MatchResult` with the proposed pairs and their
reasons. Hard rules: rules.py; the soft score: scoring.py; candidates and the solver: engine.py.
"""
from .engine import DEFAULT_MAX_CANDIDATES, greedy_match, match
from .forms import Form, forms, get_form, role_model_goals
from .model import (
    MENTOR_UNMATCHED_CODES,
    REASON_CODES,
    UNMATCHED_CODES,
    Assignment,
    MatchResult,
    Person,
    Reason,
    Spec,
    Weights,
)
from .rules import RULE_CODES, eligible
from .scoring import SCALE, best_role_model, score

__all__ = [
    "DEFAULT_MAX_CANDIDATES",
    "MENTOR_UNMATCHED_CODES",
    "REASON_CODES",
    "RULE_CODES",
    "SCALE",
    "UNMATCHED_CODES",
    "best_role_model",
    "Assignment",
    "Form",
    "MatchResult",
    "Person",
    "Reason",
    "Spec",
    "Weights",
    "eligible",
    "forms",
    "get_form",
    "greedy_match",
    "match",
    "role_model_goals",
    "score",
]
