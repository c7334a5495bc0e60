"""Prometheus metrics of the running bot (``GET /metrics`` on the health server, bot/health.py).

Counters and histograms are filled where things happen (the dispatcher, the outbox sender, the
exports, the scheduler's job events); the outbox's depth and the age of its oldest due message
are read from the database when scraped. Labels carry kinds and outcomes only, never a person.
One registry per process (not prometheus_client's global one, so an import elsewhere adds
nothing to what the bot exposes).
"""
from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

if TYPE_CHECKING:
    from apscheduler.schedulers.base import BaseScheduler

REGISTRY = CollectorRegistry(auto_describe=True)

UPDATES = Counter("mentorbot_updates", "Updates handled, by type and outcome (handled, unhandled, error)",
                  ["type", "outcome"], registry=REGISTRY)
REPLY_SECONDS = Histogram("mentorbot_update_seconds", "Time from an update's arrival in the bot to the end of "
                          "its handling (its replies sent)", ["type"], registry=REGISTRY,
                          buckets=(0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 30))
OUTBOX_RESULTS = Counter("mentorbot_outbox_messages", "Outbox sends by result (sent, retry_after, forbidden, "
                         "error, refused, unknown)", ["result"], registry=REGISTRY)
OUTBOX_DEPTH = Gauge("mentorbot_outbox_depth", "Outbox rows waiting to be sent (pending, claimed, sending)",
                     registry=REGISTRY)
OUTBOX_OLDEST_DUE = Gauge("mentorbot_outbox_oldest_due_seconds", "Age of the oldest outbox row that is due and "
                          "not sent (0 when none)", registry=REGISTRY)
JOB_SECONDS = Histogram("mentorbot_job_seconds", "Background job runs by job", ["job"], registry=REGISTRY,
                        buckets=(0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900))
JOB_FAILURES = Counter("mentorbot_job_failures", "Background job runs that raised, by job", ["job"],
                       registry=REGISTRY)
EXPORTS = Counter("mentorbot_exports", "Report exports by outcome (done, failed)", ["outcome"], registry=REGISTRY)


def watch_jobs(scheduler: BaseScheduler) -> None:
    """Durations and failures of every scheduled job, from APScheduler's own events (the asyncio
    executor starts a job as it is submitted, so submit-to-end is its run)."""
    from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED

    started: dict[str, float] = {}  # by job id: every job runs one instance at a time

    def on_event(event: Any) -> None:
        if event.code == EVENT_JOB_SUBMITTED:
            started[event.job_id] = time.monotonic()
            return
        began = started.pop(event.job_id, None)
        if began is not None and event.code != EVENT_JOB_MISSED:
            JOB_SECONDS.labels(event.job_id).observe(time.monotonic() - began)
        if event.code == EVENT_JOB_ERROR:
            JOB_FAILURES.labels(event.job_id).inc()

    scheduler.add_listener(on_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED)


__all__ = ["REGISTRY", "UPDATES", "REPLY_SECONDS", "OUTBOX_RESULTS", "OUTBOX_DEPTH", "OUTBOX_OLDEST_DUE",
           "JOB_SECONDS", "JOB_FAILURES", "EXPORTS", "watch_jobs"]
