"""Placeholder router (issue 5); the feature replaces it."""
from __future__ import annotations

from aiogram import Router


def build_router() -> Router:
    return Router(name="reports")
