"""Callback data shared between feature routers (entry points one feature offers another).

Keep packed values ≤ 64 bytes: ids and short ASCII codes only. Prefix families, so that no two
features collide: curator menu c*, programmes g*, pairing q*, meetings, check-ins and surveys w*
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
