"""The schema. Changes go through Alembic (`db/migrations`), never `create_all` in production.

Personal data lives in few columns (users.full_name, participants' profile fields); erasure
nulls them and keeps the anonymous remainder (organisation, role, category, birth year) so
that the counts curators report stay right.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, UTCDateTime, utcnow


class Unit(Base):
    """A node of the hierarchy region → municipality → organisation.

    ``path`` is a materialised path of ids ("3/17/204/") so that a subtree is one indexed
    prefix query, whatever its depth.
    """

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # region | municipality | organisation
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # casefolded name: SQLite's lower() folds ASCII only, so "Школа" and "школа" need this
    name_key: Mapped[str] = mapped_column(String(200), default="", index=True)
    org_type: Mapped[str | None] = mapped_column(String(16))  # school | college | additional | employer
    timezone: Mapped[str | None] = mapped_column(String(64))
    path: Mapped[str] = mapped_column(String(255), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Unit | None] = relationship(remote_side="Unit.id", lazy="raise")


class User(Base):
    """A Telegram user the bot keeps something about (a participant, a curator)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    tg_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    full_name: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Participant(Base):
    """A mentor or a mentee registered in an organisation."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # mentor | mentee
    category: Mapped[str] = mapped_column(String(24))
    grade: Mapped[int | None] = mapped_column(Integer)
    course: Mapped[int | None] = mapped_column(Integer)
    company: Mapped[str | None] = mapped_column(String(200))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    full_name: Mapped[str | None] = mapped_column(String(150))
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    goals: Mapped[list[str]] = mapped_column(JSON, default=list)
    goals_text: Mapped[str | None] = mapped_column(Text)
    strengths: Mapped[list[str]] = mapped_column(JSON, default=list)
    capacity: Mapped[int | None] = mapped_column(Integer)
    days: Mapped[list[int]] = mapped_column(JSON, default=list)
    times: Mapped[list[str]] = mapped_column(JSON, default=list)
    format: Mapped[str | None] = mapped_column(String(8))  # online | offline | any
    status: Mapped[str] = mapped_column(String(24), index=True)  # active | awaiting_consent | erased
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    parental_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User | None] = relationship(lazy="raise")
    org: Mapped[Unit] = relationship(lazy="raise")


class Consent(Base):
    """A consent given (or declined later): who, when, which text version, who recorded it."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))  # personal_data | parental
    version: Mapped[str] = mapped_column(String(32))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # parental consents recorded together by one press of a curator (domain.consents)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("consent_batches.id", ondelete="SET NULL"), index=True)


class ConsentBatch(Base):
    """Parental consents a curator confirmed with one press; undoable for a few minutes
    (``domain.consents.CONSENT_UNDO_MINUTES``). Its consents point at it (``Consent.batch_id``)."""

    __tablename__ = "consent_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CuratorRole(Base):
    __tablename__ = "curator_roles"
    __table_args__ = (UniqueConstraint("user_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    unit: Mapped[Unit] = relationship(lazy="raise")


class Invitation(Base):
    """A deep-link invitation: for a curator of a unit, or for participants of an organisation."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # curator | participant
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    role: Mapped[str | None] = mapped_column(String(8))  # None = any; mentor | mentee
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_uses: Mapped[int | None] = mapped_column(Integer)
    uses: Mapped[int] = mapped_column(Integer, default=0)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # kind "programme": joining a mentoring programme (registered participants)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)

    unit: Mapped[Unit] = relationship(lazy="raise")


class Programme(Base):
    """A mentoring programme of an organisation, or across a municipality/region (employer forms)."""

    __tablename__ = "programmes"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="RESTRICT"), index=True)
    form: Mapped[str] = mapped_column(String(32))  # a code of domain/data/forms.json
    role_models: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    meeting_interval_days: Mapped[int] = mapped_column(Integer, default=14)
    group_mode: Mapped[bool] = mapped_column(Boolean, default=False)  # one mentor, several mentees
    weights: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # matching weights overrides
    status: Mapped[str] = mapped_column(String(16), default="active")  # active | finished
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProgrammeMember(Base):
    """A participant taking part in a programme on one side (mentor or mentee)."""

    __tablename__ = "programme_members"
    __table_args__ = (UniqueConstraint("programme_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(8))  # mentor | mentee
    capacity: Mapped[int | None] = mapped_column(Integer)  # mentors: overrides the profile's capacity
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Preference(Base):
    """Whom a member would like to work with (up to three, after the joint meeting)."""

    __tablename__ = "preferences"
    __table_args__ = (UniqueConstraint("from_member_id", "to_member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    from_member_id: Mapped[int] = mapped_column(ForeignKey("programme_members.id", ondelete="CASCADE"), index=True)
    to_member_id: Mapped[int] = mapped_column(ForeignKey("programme_members.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)  # 1..3
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MatchRun(Base):
    """One "propose pairs" run: who started it, when, and its summary (counts, unmatched reasons)."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    started_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | done | failed
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Pair(Base):
    """A mentor with one mentee (a pair) or several (a group), from proposal to the end.

    status: proposed (by the engine) → approved (by the curator; cards sent) → active (everyone
    accepted) → ended; or rejected (curator), declined (a participant), withdrawn (superseded
    or a person left), dissolved (ended early). Mentor–mentee combinations of rejected, declined
    and dissolved pairs are never proposed again.
    """

    __tablename__ = "pairs"
    __table_args__ = (
        Index("ix_pairs_programme_status", "programme_id", "status"),
        # KPIs (migration 0005): "is this member the mentor of a qualifying pair?" from the index
        Index("ix_pairs_mentor_period", "mentor_member_id", "status", "activated_at", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    mentor_member_id: Mapped[int] = mapped_column(ForeignKey("programme_members.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("match_runs.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    role_model: Mapped[str | None] = mapped_column(String(48))
    score: Mapped[float | None] = mapped_column(Float)
    mentor_answer: Mapped[str | None] = mapped_column(String(12))  # accepted | declined
    mentor_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    mentor_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    approved_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)  # optimistic lock: two curators at once


class PairMentee(Base):
    """A mentee of a pair or group, with their own answer to the proposal and the match's reasons.

    ``left_at``: the mentee left a group that went on without them (they erased their data);
    from then on they are not in it (views, check-ins, capacity, KPIs "now"), but the group's
    history and the year's counts keep them."""

    __tablename__ = "pair_mentees"
    __table_args__ = (
        UniqueConstraint("pair_id", "mentee_member_id"),
        # KPIs (migrations 0005, 0007): "is this member a mentee of a qualifying pair?" from the index
        Index("ix_pair_mentees_member_pair", "mentee_member_id", "pair_id", "left_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    mentee_member_id: Mapped[int] = mapped_column(ForeignKey("programme_members.id", ondelete="CASCADE"), index=True)
    score: Mapped[float | None] = mapped_column(Float)
    reasons: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{"code": ..., "items": [...]}]
    answer: Mapped[str | None] = mapped_column(String(12))  # accepted | declined
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(500))
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class FsmRecord(Base):
    """aiogram FSM state and data, so a dialog survives a restart."""

    __tablename__ = "fsm_states"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(255))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class OutboxMessage(Base):
    """A message the bot sends on its own initiative. Rows, not timers: nothing is lost in a crash.

    Life cycle: pending → claimed (a worker leased it) → sending (the HTTP request is about to
    leave) → sent | failed | dropped. A row found in ``sending`` after a crash is never sent again
    (see bot/outbox.py for the reasoning).
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    tz: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    tg_message_id: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AttentionItem(Base):
    """Something the bot tells a curator on their own that needs their attention (domain/attention.py).

    Producers add items instead of sending a message each; one summary per curator (an outbox row
    of kind ``attention``) lists the new ones. ``key``/``args``/``buttons`` are the item's full
    notice (what used to be its own message); ``ref`` names what it is about (a pair, a programme,
    an organisation...), so a newer item about the same thing replaces the older one. An item is
    open until it is resolved, dismissed, seen (informational ones), replaced or expired.
    """

    __tablename__ = "attention_items"
    __table_args__ = (Index("ix_attention_user_open", "user_id", "closed_at"),
                      Index("ix_attention_user_ref", "user_id", "kind", "ref"))

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(64))
    # the unit the item belongs to: seen only while the curator's scope contains it (None: no scope)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    args: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    buttons: Mapped[list[Any] | None] = mapped_column(JSON)
    tz: Mapped[str | None] = mapped_column(String(64))
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # the summary (outbox row) that carried it; None while no summary has been sent with it
    summary_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id", ondelete="SET NULL"), index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_why: Mapped[str | None] = mapped_column(String(12))  # resolved | dismissed | seen | replaced | expired


class AuditEvent(Base):
    """Who did what to whom (ids only, never names): erasures, consents, exports, invitations."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(48))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


__all__ = [
    "Unit",
    "User",
    "Participant",
    "Consent",
    "CuratorRole",
    "Invitation",
    "FsmRecord",
    "OutboxMessage",
    "AuditEvent",
    "Programme",
    "ProgrammeMember",
    "Preference",
    "MatchRun",
    "Pair",
    "PairMentee",
]


# --- Meetings, check-ins, surveys, goals (domain/checkins.py, domain/surveys.py) -----------------
# Survey *definitions* are data files (domain/data/surveys/*.json), not tables.


class Meeting(Base):
    """A meeting of a pair or group: one row per meeting, whichever side logged it first."""

    __tablename__ = "meetings"
    __table_args__ = (UniqueConstraint("pair_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    logged_by_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_members.id", ondelete="SET NULL"), index=True)
    held_on: Mapped[date] = mapped_column(Date)
    format: Mapped[str] = mapped_column(String(8))  # offline | online
    minutes: Mapped[int | None] = mapped_column(Integer)
    topic: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CheckIn(Base):
    """"Did you meet since <date>?": one per person (programme member) and day asked, listing
    every pair of theirs that was due. status: pending → answered | expired (superseded by the
    next one); "later" keeps it pending with ``snooze_until``."""

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("member_id", "due_on"), UniqueConstraint("participant_id", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("programme_members.id", ondelete="CASCADE"))
    # the person asked: one check-in per person and day across all their programmes
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)  # local day it was asked
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())  # the moment it was queued for
    since: Mapped[date] = mapped_column(Date)  # "since <date>": the listed pairs' earliest last contact
    pair_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    answer: Mapped[str | None] = mapped_column(String(8))  # yes | no | later
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snooze_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snoozes: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SurveyOccasion(Base):
    """A programme-wide survey occasion a curator launched ("start:<programme id>",
    "end:<programme id>"), or any occasion that was closed early (then ``closed_at`` is set)."""

    __tablename__ = "survey_occasions"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(12))  # meeting | start | end
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    opened_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class SurveyResponse(Base):
    """One person's answers to one survey occasion (answered once; resumable half-way)."""

    __tablename__ = "survey_responses"
    __table_args__ = (
        UniqueConstraint("member_id", "occasion"),
        Index("ix_survey_responses_pair_completed", "pair_id", "completed_at"),
        Index("ix_survey_responses_programme_kind", "programme_id", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_code: Mapped[str] = mapped_column(String(48))
    survey_version: Mapped[int] = mapped_column(Integer)
    occasion: Mapped[str] = mapped_column(String(64), index=True)  # meeting:<id> | start:<id> | end:<id>
    kind: Mapped[str] = mapped_column(String(12))  # meeting | start | end
    programme_id: Mapped[int] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("programme_members.id", ondelete="CASCADE"))
    pair_id: Mapped[int | None] = mapped_column(ForeignKey("pairs.id", ondelete="SET NULL"))
    role: Mapped[str] = mapped_column(String(8))  # mentor | mentee
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # item id -> value (None = skipped)
    position: Mapped[int] = mapped_column(Integer, default=0)  # index of the next item to ask
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Goal(Base):
    """A mentee's goal in a pair, with its progress over time (intermediate results)."""

    __tablename__ = "goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("programme_members.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    progress: Mapped[int] = mapped_column(Integer, default=0)  # 0..100
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [[iso date, progress], ...]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PairFit(Base):
    """A side's answer to "is this a good match?" after the pair's first meeting."""

    __tablename__ = "pair_fits"
    __table_args__ = (UniqueConstraint("pair_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairs.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("programme_members.id", ondelete="CASCADE"), index=True)
    fits: Mapped[bool] = mapped_column(Boolean)
    reason: Mapped[str | None] = mapped_column(String(500))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


__all__ += ["Meeting", "CheckIn", "SurveyOccasion", "SurveyResponse", "Goal", "PairFit"]


# --- Curators' monitoring: roadmaps, KPI denominators and targets, exports, practices ---------


class RoadmapItem(Base):
    """An item of a unit's roadmap: what is due, by whom, by when.

    ``code`` names the template item it was created from (None for items a curator added);
    ``programme_id`` ties a monitoring window to its programme. status: open → done | cancelled.
    """

    __tablename__ = "roadmap_items"
    __table_args__ = (
        Index("ix_roadmap_items_unit_status", "unit_id", "status"),
        Index("ix_roadmap_items_status_due", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    code: Mapped[str | None] = mapped_column(String(48))
    kind: Mapped[str] = mapped_column(String(16), default="task")  # task | monitoring | stat_form | meeting
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    responsible_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=0)  # optimistic lock: two curators at once


class OrgDenominator(Base):
    """What an organisation's curator entered for a year: the denominators of the KPIs."""

    __tablename__ = "org_denominators"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    students_total: Mapped[int | None] = mapped_column(Integer)
    students_11_18: Mapped[int | None] = mapped_column(Integer)
    students_15_18: Mapped[int | None] = mapped_column(Integer)
    young_teachers: Mapped[int | None] = mapped_column(Integer)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class KpiTarget(Base):
    """A region's target for one indicator and year, in per cent (overrides the built-in defaults)."""

    __tablename__ = "kpi_targets"
    __table_args__ = (UniqueConstraint("region_id", "year", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    indicator: Mapped[str] = mapped_column(String(32))
    percent: Mapped[float] = mapped_column(Float)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExportJob(Base):
    """A report file someone asked for: the export log (who, what, when) and its progress.

    status: running → done | failed | interrupted (the bot stopped while it ran).
    """

    __tablename__ = "export_jobs"
    __table_args__ = (Index("ix_export_jobs_user_status", "user_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="running")
    rows: Mapped[int | None] = mapped_column(Integer)
    size_bytes: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Practice(Base):
    """A best practice a curator submitted; a curator one level up approves it.

    status: pending → approved | rejected. The file stays on Telegram (``file_id``).
    """

    __tablename__ = "practices"
    __table_args__ = (Index("ix_practices_region_status", "region_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    form: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    file_id: Mapped[str | None] = mapped_column(String(255))
    file_name: Mapped[str | None] = mapped_column(String(255))
    file_size: Mapped[int | None] = mapped_column(Integer)
    mime_type: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    submitted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reviewed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(String(500))


__all__ += ["RoadmapItem", "OrgDenominator", "KpiTarget", "ExportJob", "Practice"]
