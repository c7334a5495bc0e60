"""Callback data shared between feature routers (entry points one feature offers another).

Keep packed values ≤ 64 bytes: ids and short ASCII codes only. Prefix families, so that no two
features collide: curator menu c*, programmes g*, pairing q*, meetings, check-ins and surveys w*,
"needs your attention" n* (domain/attention.py, handlers/attention.py)
(domain/checkins.py, domain/surveys.py), registration and profile forms fm/rg/pf/dl, language
lang, and the entry points below.
"""
from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class ProgrammeCb(CallbackData, prefix="pg"):
    """Open a programme's curator view (handlers/programmes.py)."""

    pid: int


class PairsCb(CallbackData, prefix="pa"):
    """Open a programme's pairs and proposals (handlers/pairing.py)."""

    pid: int


class ProgrammesCb(CallbackData, prefix="pp"):
    """A unit's list of programmes, paged (handlers/programmes.py)."""

    uid: int
    p: int = 0


# Curators' monitoring (issue 5). Families: roadmap y*, KPIs k*, reports x*, practices b*.
class RoadmapCb(CallbackData, prefix="ya"):
    """A unit's roadmap, paged (handlers/roadmap.py)."""

    uid: int
    p: int = 0


class KpiCb(CallbackData, prefix="ka"):
    """A unit's KPIs against the targets; y=0 now, else as of 31 December of year y (handlers/kpi.py)."""

    uid: int
    y: int = 0


class ReportsCb(CallbackData, prefix="xa"):
    """A unit's reports menu (handlers/reports.py)."""

    uid: int


class PracticesCb(CallbackData, prefix="ba"):
    """The best-practice bank as seen from a unit (handlers/practices.py)."""

    uid: int
    p: int = 0


# What needs a curator's attention (handlers/attention.py). Family n*.
class UnitRiskCb(CallbackData, prefix="nu"):
    """A unit's pairs at risk, across the programmes of its subtree, paged."""

    uid: int
    p: int = 0
