"""Routers, one per feature. Built in a function: a router can be attached to one parent only."""
from __future__ import annotations

from aiogram import Router


def get_routers() -> list[Router]:
    from handlers import (
        attention,
        common,
        curator,
        errors,
        fallback,
        kpi,
        meetings,
        membership,
        monitoring,
        pairing,
        practices,
        profile,
        programmes,
        registration,
        reports,
        roadmap,
        start,
    )

    return [
        errors.build_router(),
        common.build_router(),
        membership.build_router(),
        start.build_router(),
        registration.build_router(),
        profile.build_router(),
        curator.build_router(),
        programmes.build_router(),
        pairing.build_router(),
        meetings.build_router(),
        monitoring.build_router(),
        roadmap.build_router(),
        kpi.build_router(),
        reports.build_router(),
        practices.build_router(),
        attention.build_router(),
        fallback.build_router(),  # last: whatever nobody else took
    ]
