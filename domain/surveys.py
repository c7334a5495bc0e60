"""Feedback surveys: versioned definitions as data, a pure engine, and the answers in the database.

Definitions live in ``domain/data/surveys/<code>.v<version>.json`` (format: that folder's
README.md). A definition is chosen per occasion (``meeting`` after a meeting, ``start`` and
``end`` of a programme), role (mentor, mentee) and, optionally, form of mentoring
(:func:`select_definition`); a response keeps the code and version it was started with, so a new
version never changes a survey someone is half-way through. Released versions are never edited:
a change is a new file with the next version.

The engine is pure: :func:`next_item`, :func:`validate_answer`, :func:`skip`, :func:`is_complete`.
The services (:func:`start_or_resume`, :func:`answer`, :func:`skip_item`, :func:`close_occasion`,
:func:`launch`, :func:`item_results`) keep one :class:`db.models.SurveyResponse` per person and
occasion: "each person answers each occasion once". An occasion key is ``meeting:<meeting id>``,
``start:<programme id>`` or ``end:<programme id>``. A meeting survey is open for
``MEETING_SURVEY_OPEN`` after the meeting was logged; start and end surveys are open from
:func:`launch` until :func:`close_occasion`.

Refusals and bad input raise ``domain.rules.Invalid(code, **params)``; every code is in
``INVALID_CODES`` and the UI shows the locale key ``sv-invalid-<code>``. No aiogram here.
"""
from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    Meeting,
    OutboxMessage,
    Pair,
    PairMentee,
    Participant,
    Programme,
    ProgrammeMember,
    SurveyOccasion,
    SurveyResponse,
    Unit,
    User,
)
from domain.outbox import enqueue, register_relevance
from domain.rules import Invalid

log = logging.getLogger(__name__)

SURVEYS_DIR: Final = Path(__file__).resolve().parent / "data" / "surveys"
FORMS_FILE: Final = Path(__file__).resolve().parent / "data" / "forms.json"

OCCASIONS: Final = ("meeting", "start", "end")
ROLES: Final = ("mentor", "mentee")
ANY_ROLE: Final = "any"
ITEM_TYPES: Final = ("scale", "single", "multi", "yesno", "text")
SCALE_MIN: Final = 1
SCALE_MAX: Final = 10
LOW_SCALE: Final = 4  # a rating of 4 or less puts a pair at risk (domain.checkins)
TEXT_MAX_LIMIT: Final = 2000  # no definition may allow longer free text
MEETING_SURVEY_OPEN: Final = timedelta(days=14)

ACTIVE_PAIR: Final = "active"
DECLINED_ANSWER: Final = "declined"

KIND_INVITE: Final = "survey-invite"
# Fluent keys of the invitations (the UI defines them; see domain/data/surveys/TEXTS.md)
KEY_INVITE: Final = {"meeting": "sv-invite-meeting", "start": "sv-invite-start", "end": "sv-invite-end"}
KEY_BTN_START: Final = "sv-btn-start"

# callback data (handlers parse the same prefixes)
CB_OPEN: Final = "ws"  # ws:<m|s|e>:<meeting or programme id>: start or resume that survey
CB_ANSWER: Final = "wa"  # wa:<response id>:<item id>:<value>: a button answer (scale, single, yes/no)
CB_SKIP: Final = "wk"  # wk:<response id>:<item id>: skip an optional item
_KIND_LETTER: Final = {"meeting": "m", "start": "s", "end": "e"}
_LETTER_KIND: Final = {v: k for k, v in _KIND_LETTER.items()}

INVALID_CODES: Final = (
    "scale-format", "scale-range", "option-unknown", "choice-empty", "choice-too-many", "yesno",
    "text-empty", "text-too-long", "required", "stale", "closed", "done", "not-open", "not-yours",
    "unknown", "occasion", "consent",
)

_ID = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
_CODE = re.compile(r"^[a-z][a-z0-9-]{0,47}$")
_KEY = re.compile(r"^[a-z][a-z0-9-]*$")
_FILE = re.compile(r"^(?P<code>[a-z][a-z0-9-]*)\.v(?P<version>\d+)\.json$")


# =============================================================================================
# definitions
# =============================================================================================
class DefinitionError(ValueError):
    """A survey definition file is malformed (raised at load time, caught by tests)."""


@dataclass(frozen=True)
class Option:
    code: str
    text_key: str


@dataclass(frozen=True)
class Item:
    id: str
    type: str  # scale | single | multi | yesno | text
    required: bool
    text_key: str
    options: tuple[Option, ...] = ()
    max_len: int | None = None  # text
    max_choices: int | None = None  # multi

    @property
    def option_codes(self) -> tuple[str, ...]:
        return tuple(o.code for o in self.options)


@dataclass(frozen=True)
class Definition:
    code: str
    version: int
    occasion: str  # meeting | start | end
    role: str  # mentor | mentee | any
    forms: tuple[str, ...] | None  # None: every form
    title_key: str
    items: tuple[Item, ...]

    def item(self, item_id: str) -> Item | None:
        return next((i for i in self.items if i.id == item_id), None)

    def index(self, item_id: str) -> int:
        for n, i in enumerate(self.items):
            if i.id == item_id:
                return n
        return -1

    def text_keys(self) -> set[str]:
        keys = {self.title_key}
        for item in self.items:
            keys.add(item.text_key)
            keys.update(o.text_key for o in item.options)
        return keys


def _known_forms() -> frozenset[str]:
    return frozenset(json.loads(FORMS_FILE.read_text(encoding="utf-8"))["forms"])


def parse_definition(raw: Mapping[str, Any], source: str = "<definition>",
                     known_forms: Iterable[str] | None = None) -> Definition:
    """Validate one definition (a decoded JSON object); DefinitionError names what is wrong."""

    def fail(msg: str) -> DefinitionError:
        return DefinitionError(f"{source}: {msg}")

    if not isinstance(raw, Mapping):
        raise fail("not an object")
    allowed = {"code", "version", "occasion", "role", "forms", "title_key", "items", "_comment"}
    extra = set(raw) - allowed
    if extra:
        raise fail(f"unknown fields {sorted(extra)}")
    code = raw.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        raise fail("code must be lowercase letters, digits and dashes")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise fail("version must be a positive integer")
    occasion = raw.get("occasion")
    if occasion not in OCCASIONS:
        raise fail(f"occasion must be one of {OCCASIONS}")
    role = raw.get("role")
    if role not in (*ROLES, ANY_ROLE):
        raise fail(f"role must be one of {(*ROLES, ANY_ROLE)}")
    forms_raw = raw.get("forms")
    forms: tuple[str, ...] | None = None
    if forms_raw is not None:
        if not isinstance(forms_raw, list) or not forms_raw or not all(isinstance(f, str) for f in forms_raw):
            raise fail("forms must be null or a non-empty list of form codes")
        known = frozenset(known_forms) if known_forms is not None else _known_forms()
        unknown = [f for f in forms_raw if f not in known]
        if unknown:
            raise fail(f"unknown forms {unknown}")
        if len(set(forms_raw)) != len(forms_raw):
            raise fail("forms repeated")
        forms = tuple(forms_raw)
    title_key = raw.get("title_key")
    if not isinstance(title_key, str) or not _KEY.match(title_key):
        raise fail("title_key must be a Fluent key")
    items_raw = raw.get("items")
    if not isinstance(items_raw, list) or not items_raw:
        raise fail("items must be a non-empty list")
    items: list[Item] = []
    seen: set[str] = set()
    for n, it in enumerate(items_raw):
        where = f"item {n}"
        if not isinstance(it, Mapping):
            raise fail(f"{where}: not an object")
        extra = set(it) - {"id", "type", "required", "text_key", "options", "max_len", "max_choices"}
        if extra:
            raise fail(f"{where}: unknown fields {sorted(extra)}")
        item_id = it.get("id")
        if not isinstance(item_id, str) or not _ID.match(item_id):
            raise fail(f"{where}: id must match {_ID.pattern}")
        where = f"item {item_id!r}"
        if item_id in seen:
            raise fail(f"{where}: duplicate id")
        seen.add(item_id)
        kind = it.get("type")
        if kind not in ITEM_TYPES:
            raise fail(f"{where}: type must be one of {ITEM_TYPES}")
        required = it.get("required")
        if not isinstance(required, bool):
            raise fail(f"{where}: required must be true or false")
        text_key = it.get("text_key")
        if not isinstance(text_key, str) or not _KEY.match(text_key):
            raise fail(f"{where}: text_key must be a Fluent key")
        options: tuple[Option, ...] = ()
        if kind in ("single", "multi"):
            opts = it.get("options")
            if not isinstance(opts, list) or len(opts) < 2:
                raise fail(f"{where}: a choice needs at least two options")
            codes: set[str] = set()
            parsed = []
            for o in opts:
                if not isinstance(o, Mapping) or set(o) != {"code", "text_key"}:
                    raise fail(f"{where}: an option is {{code, text_key}}")
                if not isinstance(o["code"], str) or not _ID.match(o["code"]):
                    raise fail(f"{where}: option code must match {_ID.pattern}")
                if not isinstance(o["text_key"], str) or not _KEY.match(o["text_key"]):
                    raise fail(f"{where}: option text_key must be a Fluent key")
                if o["code"] in codes:
                    raise fail(f"{where}: duplicate option {o['code']!r}")
                codes.add(o["code"])
                parsed.append(Option(o["code"], o["text_key"]))
            options = tuple(parsed)
        elif "options" in it:
            raise fail(f"{where}: only single and multi items have options")
        max_len = it.get("max_len")
        if kind == "text":
            if not isinstance(max_len, int) or isinstance(max_len, bool) or not 1 <= max_len <= TEXT_MAX_LIMIT:
                raise fail(f"{where}: a text item needs max_len 1..{TEXT_MAX_LIMIT}")
        elif max_len is not None:
            raise fail(f"{where}: only text items have max_len")
        max_choices = it.get("max_choices")
        if max_choices is not None:
            if kind != "multi":
                raise fail(f"{where}: only multi items have max_choices")
            if not isinstance(max_choices, int) or isinstance(max_choices, bool) \
                    or not 1 <= max_choices <= len(options):
                raise fail(f"{where}: max_choices must be 1..number of options")
        items.append(Item(item_id, kind, required, text_key, options, max_len, max_choices))
    return Definition(code, version, occasion, role, forms, title_key, tuple(items))


def load_definitions(directory: Path = SURVEYS_DIR) -> dict[tuple[str, int], Definition]:
    """Every definition in ``directory`` by (code, version), validated one by one and together:
    file names match contents, a code keeps its occasion and role across versions, and every
    occasion × role × form has exactly one definition to use."""
    known = _known_forms()
    out: dict[tuple[str, int], Definition] = {}
    for path in sorted(directory.glob("*.json")):
        m = _FILE.match(path.name)
        if not m:
            raise DefinitionError(f"{path.name}: file names are <code>.v<version>.json")
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise DefinitionError(f"{path.name}: {exc}") from None
        d = parse_definition(raw, path.name, known)
        if (d.code, d.version) != (m["code"], int(m["version"])):
            raise DefinitionError(f"{path.name}: code/version differ from the file name")
        out[(d.code, d.version)] = d
    check_catalogue(out, known)
    return out


def check_catalogue(defs: Mapping[tuple[str, int], Definition], known_forms: Iterable[str]) -> None:
    """Cross-definition rules (see :func:`load_definitions`)."""
    by_code: dict[str, list[Definition]] = defaultdict(list)
    for d in defs.values():
        by_code[d.code].append(d)
    for code, versions in by_code.items():
        if len({(d.occasion, d.role) for d in versions}) != 1:
            raise DefinitionError(f"{code}: every version must keep its occasion and role")
    current = [max(v, key=lambda d: d.version) for v in by_code.values()]
    for occasion in OCCASIONS:
        for role in ROLES:
            for form in sorted(known_forms):
                best = _best(current, occasion, role, form)
                if not best:
                    raise DefinitionError(f"no {occasion} survey for a {role} in form {form}")
                if len(best) > 1:
                    raise DefinitionError(
                        f"ambiguous {occasion} survey for a {role} in form {form}: {sorted(d.code for d in best)}")


def _best(current: Sequence[Definition], occasion: str, role: str, form: str | None) -> list[Definition]:
    """The definitions (latest versions) that fit best: an exact role beats "any", then a
    definition for this form beats one for every form."""
    scored: list[tuple[tuple[int, int], Definition]] = []
    for d in current:
        if d.occasion != occasion:
            continue
        role_score = 2 if d.role == role else 1 if d.role == ANY_ROLE else 0
        form_score = 1 if d.forms is None else 2 if form is not None and form in d.forms else 0
        if role_score and form_score:
            scored.append(((role_score, form_score), d))
    if not scored:
        return []
    top = max(s for s, _ in scored)
    return [d for s, d in scored if s == top]


@lru_cache(maxsize=1)
def definitions() -> dict[tuple[str, int], Definition]:
    """All definitions of the repository (loaded and validated once)."""
    return load_definitions()


def get_definition(code: str, version: int) -> Definition:
    found = definitions().get((code, version))
    if found is None:
        raise Invalid("unknown")
    return found


def select_definition(occasion: str, role: str, form: str | None) -> Definition:
    """The latest version of the definition for this occasion, role and form (with fallbacks
    to a role-neutral or form-neutral one)."""
    latest: dict[str, Definition] = {}
    for d in definitions().values():
        if d.code not in latest or d.version > latest[d.code].version:
            latest[d.code] = d
    best = _best(list(latest.values()), occasion, role, form)
    if not best:
        raise Invalid("unknown")
    return min(best, key=lambda d: d.code)


def all_text_keys() -> set[str]:
    """Every Fluent key the definitions name (titles, questions, options)."""
    keys: set[str] = set()
    for d in definitions().values():
        keys |= d.text_keys()
    return keys


# =============================================================================================
# the engine (pure)
# =============================================================================================
def next_item(definition: Definition, answers: Mapping[str, Any]) -> Item | None:
    """The first item not yet answered or skipped; None when the survey is complete."""
    return next((i for i in definition.items if i.id not in answers), None)


def position(definition: Definition, answers: Mapping[str, Any]) -> int:
    """Index of the next item (== number of items when complete)."""
    item = next_item(definition, answers)
    return len(definition.items) if item is None else definition.index(item.id)


def is_complete(definition: Definition, answers: Mapping[str, Any]) -> bool:
    return next_item(definition, answers) is None


_YES: Final = frozenset({"y", "yes", "1", "true"})
_NO: Final = frozenset({"n", "no", "0", "false"})
_SCALE_TEXT = re.compile(r"^\d{1,3}$", re.ASCII)


def validate_answer(item: Item, raw: Any) -> Any:
    """The stored value of ``raw`` for ``item``, or ``Invalid(code)``:

    * scale: an int 1..10 (also "7" as text) — ``scale-format`` for text, ``scale-range``;
    * single: an option code — ``option-unknown``;
    * multi: option codes (a list, or "a,b" text) in definition order — ``option-unknown``,
      ``choice-empty``, ``choice-too-many``;
    * yesno: True/False (also "y"/"n", "yes"/"no", "1"/"0") — ``yesno``;
    * text: stripped text — ``text-empty``, ``text-too-long`` (with ``max``).
    """
    kind = item.type
    if kind == "scale":
        if isinstance(raw, bool):
            raise Invalid("scale-format", min=SCALE_MIN, max=SCALE_MAX)
        if isinstance(raw, int):
            value = raw
        elif isinstance(raw, str) and _SCALE_TEXT.match(raw.strip()):
            value = int(raw.strip())
        else:
            raise Invalid("scale-format", min=SCALE_MIN, max=SCALE_MAX)
        if not SCALE_MIN <= value <= SCALE_MAX:
            raise Invalid("scale-range", min=SCALE_MIN, max=SCALE_MAX)
        return value
    if kind == "single":
        code = raw.strip() if isinstance(raw, str) else None
        if code not in item.option_codes:
            raise Invalid("option-unknown")
        return code
    if kind == "multi":
        if isinstance(raw, str):
            parts = [p for p in re.split(r"[,\s]+", raw) if p]
        elif isinstance(raw, (list, tuple, set, frozenset)):
            parts = list(raw)
        else:
            raise Invalid("option-unknown")
        if any(not isinstance(p, str) or p not in item.option_codes for p in parts):
            raise Invalid("option-unknown")
        chosen = [c for c in item.option_codes if c in set(parts)]
        if not chosen:
            raise Invalid("choice-empty")
        if item.max_choices is not None and len(chosen) > item.max_choices:
            raise Invalid("choice-too-many", max=item.max_choices)
        return chosen
    if kind == "yesno":
        if isinstance(raw, bool):
            return raw
        text = raw.strip().lower() if isinstance(raw, str) else None
        if text in _YES:
            return True
        if text in _NO:
            return False
        raise Invalid("yesno")
    if kind == "text":
        if not isinstance(raw, str):
            raise Invalid("text-empty")
        text = raw.replace("\u200b", "").strip()
        if not text:
            raise Invalid("text-empty")
        limit = item.max_len or TEXT_MAX_LIMIT
        if len(text) > limit:
            raise Invalid("text-too-long", max=limit)
        return text
    raise Invalid("unknown")  # pragma: no cover - definitions are validated


def skip(item: Item) -> None:
    """The stored value of a skipped item (None); ``Invalid("required")`` for a required one."""
    if item.required:
        raise Invalid("required")
    return None


def apply_answer(definition: Definition, answers: Mapping[str, Any], item_id: str, raw: Any, *,
                 skipping: bool = False) -> dict[str, Any]:
    """New answers with ``item_id`` answered (or skipped). Only the next item may be answered:
    anything else (a button from an old message) is ``stale``; a complete survey is ``done``."""
    current = next_item(definition, answers)
    if current is None:
        raise Invalid("done")
    if item_id != current.id:
        raise Invalid("stale")
    value = skip(current) if skipping else validate_answer(current, raw)
    return {**answers, current.id: value}


# =============================================================================================
# occasions and callback data
# =============================================================================================
def occasion_key(kind: str, object_id: int) -> str:
    if kind not in OCCASIONS:
        raise Invalid("occasion")
    return f"{kind}:{int(object_id)}"


def parse_occasion(key: str) -> tuple[str, int]:
    kind, _, rest = (key or "").partition(":")
    if kind not in OCCASIONS or not rest.isdigit():
        raise Invalid("occasion")
    return kind, int(rest)


def open_callback(occasion: str) -> str:
    kind, object_id = parse_occasion(occasion)
    return f"{CB_OPEN}:{_KIND_LETTER[kind]}:{object_id}"


def parse_open_callback(data: str) -> str:
    """The occasion key of a ``ws:`` button; ``Invalid("occasion")`` for forged data."""
    parts = (data or "").split(":")
    if len(parts) != 3 or parts[0] != CB_OPEN or parts[1] not in _LETTER_KIND or not parts[2].isdigit():
        raise Invalid("occasion")
    return occasion_key(_LETTER_KIND[parts[1]], int(parts[2]))


def answer_callback(response_id: int, item_id: str, value: Any) -> str:
    """Callback data of a button answering ``item_id`` (scale number, option code, y/n)."""
    if isinstance(value, bool):
        value = "y" if value else "n"
    data = f"{CB_ANSWER}:{response_id}:{item_id}:{value}"
    if len(data.encode()) > 64:  # pragma: no cover - ids and codes are short by validation
        raise ValueError("callback data over 64 bytes")
    return data


def skip_callback(response_id: int, item_id: str) -> str:
    return f"{CB_SKIP}:{response_id}:{item_id}"


def parse_answer_callback(data: str) -> tuple[int, str, str | None]:
    """(response id, item id, raw value; None for a skip) of a ``wa:``/``wk:`` button."""
    parts = (data or "").split(":")
    if len(parts) == 4 and parts[0] == CB_ANSWER and parts[1].isdigit():
        return int(parts[1]), parts[2], parts[3]
    if len(parts) == 3 and parts[0] == CB_SKIP and parts[1].isdigit():
        return int(parts[1]), parts[2], None
    raise Invalid("stale")


# =============================================================================================
# database helpers shared with domain.checkins
# =============================================================================================
async def pair_member_ids(session: AsyncSession, pair: Pair) -> tuple[int, list[int]]:
    """(mentor member id, staying mentee member ids) of a pair: mentees who declined or left it are out."""
    rows = await session.scalars(
        select(PairMentee.mentee_member_id).where(
            PairMentee.pair_id == pair.id,
            PairMentee.left_at.is_(None),
            or_(PairMentee.answer.is_(None), PairMentee.answer != DECLINED_ANSWER),
        ).order_by(PairMentee.id)
    )
    return pair.mentor_member_id, list(rows.all())


async def in_pair(session: AsyncSession, pair: Pair, member_id: int) -> bool:
    """Whether the member is the pair's mentor or one of its staying mentees."""
    mentor, mentees = await pair_member_ids(session, pair)
    return member_id == mentor or member_id in mentees


async def present_member(session: AsyncSession, member_id: int) -> tuple[ProgrammeMember, Participant] | None:
    """A member still in their programme and not erased, with their participant."""
    row = (await session.execute(
        select(ProgrammeMember, Participant).join(Participant, Participant.id == ProgrammeMember.participant_id)
        .where(ProgrammeMember.id == member_id)
    )).first()
    if row is None:
        return None
    m, p = row
    if m.left_at is not None or p.status == "erased":
        return None
    return m, p


def zone_name(unit: Unit | None, default_tz: str) -> str:
    """The unit's IANA zone when it has a valid one, else ``default_tz``."""
    if unit is not None and unit.timezone:
        try:
            ZoneInfo(unit.timezone)
            return unit.timezone
        except (KeyError, ValueError):
            pass
    return default_tz


async def programme_zone(session: AsyncSession, programme: Programme, default_tz: str) -> str:
    return zone_name(await session.get(Unit, programme.unit_id), default_tz)


def reachable(user: User | None) -> bool:
    return user is not None and user.tg_id is not None and user.erased_at is None and user.unreachable_at is None


# =============================================================================================
# occasions in the database
# =============================================================================================
async def _occasion_row(session: AsyncSession, key: str) -> SurveyOccasion | None:
    return await session.scalar(select(SurveyOccasion).where(SurveyOccasion.key == key)
                                .execution_options(populate_existing=True))


async def occasion_state(session: AsyncSession, key: str, now: datetime) -> str:
    """``open``, ``closed`` or ``not-open`` (a start/end survey not launched; a meeting unknown)."""
    kind, object_id = parse_occasion(key)
    row = await _occasion_row(session, key)
    if row is not None and row.closed_at is not None:
        return "closed"
    if kind == "meeting":
        meeting = await session.get(Meeting, object_id)
        if meeting is None:
            return "not-open"
        return "open" if now < meeting.created_at + MEETING_SURVEY_OPEN else "closed"
    return "open" if row is not None else "not-open"


async def open_occasion(session: AsyncSession, programme: Programme, kind: str, now: datetime, *,
                        by_user_id: int | None = None) -> SurveyOccasion:
    """Open the start or end survey of a programme (idempotent); a closed one stays closed."""
    if kind not in ("start", "end"):
        raise Invalid("occasion")
    key = occasion_key(kind, programme.id)
    row = await _occasion_row(session, key)
    if row is None:
        row = SurveyOccasion(key=key, kind=kind, programme_id=programme.id, opened_by_user_id=by_user_id,
                             opened_at=now)
        try:
            async with session.begin_nested():
                session.add(row)
                await session.flush()
        except IntegrityError:  # opened concurrently
            row = await _occasion_row(session, key)
            assert row is not None
    if row.closed_at is not None:
        raise Invalid("closed")
    return row


async def close_occasion(session: AsyncSession, key: str, now: datetime) -> int:
    """Close an occasion: nobody may answer it any more. Unfinished responses are marked closed
    (their answers so far are kept). Returns the number of responses closed."""
    kind, object_id = parse_occasion(key)
    row = await _occasion_row(session, key)
    if row is None:
        programme_id = object_id if kind != "meeting" else None
        row = SurveyOccasion(key=key, kind=kind, programme_id=programme_id, opened_at=now, closed_at=now)
        session.add(row)
    elif row.closed_at is None:
        row.closed_at = now
    result = await session.execute(
        update(SurveyResponse).where(SurveyResponse.occasion == key, SurveyResponse.completed_at.is_(None),
                                     SurveyResponse.closed_at.is_(None))
        .values(closed_at=now).execution_options(synchronize_session=False)
    )
    await session.flush()
    return result.rowcount or 0


# =============================================================================================
# responses
# =============================================================================================
async def _active_pairs_of(session: AsyncSession, member: ProgrammeMember) -> list[int]:
    as_mentor = select(Pair.id).where(Pair.mentor_member_id == member.id, Pair.status == ACTIVE_PAIR)
    as_mentee = (select(Pair.id).join(PairMentee, PairMentee.pair_id == Pair.id)
                 .where(PairMentee.mentee_member_id == member.id, Pair.status == ACTIVE_PAIR,
                        PairMentee.left_at.is_(None),
                        or_(PairMentee.answer.is_(None), PairMentee.answer != DECLINED_ANSWER)))
    ids = set((await session.scalars(as_mentor)).all()) | set((await session.scalars(as_mentee)).all())
    return sorted(ids)


async def _get_response(session: AsyncSession, member_id: int, key: str) -> SurveyResponse | None:
    return await session.scalar(
        select(SurveyResponse).where(SurveyResponse.member_id == member_id, SurveyResponse.occasion == key)
        .execution_options(populate_existing=True)
    )


async def start_or_resume(session: AsyncSession, member: ProgrammeMember, occasion: str, now: datetime, *,
                          pair: Pair | None = None, definition: Definition | None = None) -> SurveyResponse:
    """The member's response to ``occasion``: the one in progress, or a new one.

    Refused (``Invalid``): ``not-yours`` (not a present member of the occasion's programme or,
    for a meeting, of its pair), ``not-open``/``closed`` (the occasion), ``done`` (already
    answered: each person answers each occasion once). Without ``definition`` the one for the
    occasion, the member's side and the programme's form is used; a response in progress keeps
    its own definition and version.
    """
    kind, object_id = parse_occasion(occasion)
    found = await present_member(session, member.id)
    if found is None:
        raise Invalid("not-yours")
    if found[1].status != "active":  # a minor awaiting a parent's consent: no surveys until it is given
        raise Invalid("consent")
    if kind == "meeting":
        meeting = await session.get(Meeting, object_id)
        if meeting is None:
            raise Invalid("not-open")
        meeting_pair = await session.get(Pair, meeting.pair_id)
        if meeting_pair is None or (pair is not None and pair.id != meeting_pair.id):
            raise Invalid("not-yours")
        pair = meeting_pair
        if not await in_pair(session, pair, member.id):
            raise Invalid("not-yours")
        programme_id = pair.programme_id
    else:
        programme_id = object_id
        if pair is not None and (pair.programme_id != programme_id or not await in_pair(session, pair, member.id)):
            raise Invalid("not-yours")
    if member.programme_id != programme_id:
        raise Invalid("not-yours")

    existing = await _get_response(session, member.id, occasion)
    if existing is not None:
        if existing.completed_at is not None:
            raise Invalid("done")
        if existing.closed_at is not None:
            raise Invalid("closed")
    state = await occasion_state(session, occasion, now)
    if state != "open":
        raise Invalid(state)
    if existing is not None:
        return existing

    programme = await session.get(Programme, programme_id)
    if definition is None:
        definition = select_definition(kind, member.side, programme.form if programme else None)
    elif definition.occasion != kind or definition.role not in (member.side, ANY_ROLE):
        raise Invalid("unknown")
    if pair is None:
        mine = await _active_pairs_of(session, member)
        pair_id = mine[0] if len(mine) == 1 else None
    else:
        pair_id = pair.id
    response = SurveyResponse(
        survey_code=definition.code, survey_version=definition.version, occasion=occasion, kind=kind,
        programme_id=programme_id, member_id=member.id, pair_id=pair_id, role=member.side, answers={},
        position=0, started_at=now, updated_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(response)
            await session.flush()
    except IntegrityError:  # the same person started it concurrently (a double tap)
        found = await _get_response(session, member.id, occasion)
        if found is None:  # pragma: no cover - the conflicting row must exist
            raise
        return found
    return response


def definition_of(response: SurveyResponse) -> Definition:
    return get_definition(response.survey_code, response.survey_version)


def current_item(response: SurveyResponse) -> Item | None:
    """The item to ask next (None when complete)."""
    return next_item(definition_of(response), response.answers or {})


async def _store(session: AsyncSession, response: SurveyResponse, item_id: str, raw: Any, now: datetime,
                 skipping: bool) -> Item | None:
    await session.refresh(response)
    if response.completed_at is not None:
        raise Invalid("done")
    if response.closed_at is not None:
        raise Invalid("closed")
    if await occasion_state(session, response.occasion, now) != "open":
        raise Invalid("closed")
    definition = definition_of(response)
    answers = dict(response.answers or {})
    new = apply_answer(definition, answers, item_id, raw, skipping=skipping)
    nxt = next_item(definition, new)
    values: dict[str, Any] = {"answers": new, "position": position(definition, new), "updated_at": now}
    if nxt is None:
        values["completed_at"] = now
    # conditional on the position read: of two taps at once, the second is stale
    result = await session.execute(
        update(SurveyResponse)
        .where(SurveyResponse.id == response.id, SurveyResponse.position == response.position,
               SurveyResponse.completed_at.is_(None), SurveyResponse.closed_at.is_(None))
        .values(**values).execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Invalid("stale")
    await session.refresh(response)
    return nxt


async def answer(session: AsyncSession, response: SurveyResponse, item_id: str, raw: Any,
                 now: datetime) -> Item | None:
    """Answer the current item; returns the next item, None when the survey is now complete.
    Refused: ``stale`` (not the current item), ``done``, ``closed``, and the input codes of
    :func:`validate_answer`."""
    return await _store(session, response, item_id, raw, now, skipping=False)


async def skip_item(session: AsyncSession, response: SurveyResponse, item_id: str, now: datetime) -> Item | None:
    """Skip the current item if it is optional (else ``required``); returns the next item."""
    return await _store(session, response, item_id, None, now, skipping=True)


async def response_of_user(session: AsyncSession, response_id: int, user_id: int | None) -> SurveyResponse:
    """A response by id, only for the user whose it is (buttons carry ids): else ``not-yours``."""
    response = await session.get(SurveyResponse, response_id, populate_existing=True)
    if response is None or user_id is None:
        raise Invalid("not-yours")
    owner = await session.scalar(
        select(Participant.user_id).join(ProgrammeMember, ProgrammeMember.participant_id == Participant.id)
        .where(ProgrammeMember.id == response.member_id)
    )
    if owner != user_id:
        raise Invalid("not-yours")
    return response


# =============================================================================================
# invitations
# =============================================================================================
async def invite(session: AsyncSession, member_id: int, occasion: str, now: datetime, *, tz: str,
                 args: Mapping[str, Any] | None = None) -> bool:
    """Queue an invitation to answer ``occasion`` (once per member and occasion); False when
    the member is gone or unreachable, or was already invited."""
    found = await present_member(session, member_id)
    if found is None:
        return False
    _, participant = found
    if participant.status != "active":  # a minor awaiting a parent's consent is not surveyed
        return False
    user = await session.get(User, participant.user_id) if participant.user_id else None
    if not reachable(user):
        return False
    kind, _ = parse_occasion(occasion)
    row = await enqueue(
        session, user_id=user.id, chat_id=user.tg_id, kind=KIND_INVITE, key=KEY_INVITE[kind],
        args=dict(args or {}), buttons=[[{"text_key": KEY_BTN_START, "callback_data": open_callback(occasion)}]],
        due_at=now, tz=tz, dedupe_key=f"{KIND_INVITE}:{occasion}:{member_id}",
    )
    return row is not None


async def launch(session: AsyncSession, programme: Programme, kind: str, now: datetime, *,
                 by_user_id: int | None = None, member_ids: Iterable[int] | None = None,
                 default_tz: str = "Europe/Moscow") -> int:
    """Open the programme's start or end survey and invite its members; returns how many were
    invited. The start survey goes to every present member; the end survey (which thanks them)
    to present members who have been in an active or ended pair. ``member_ids`` narrows it
    (a pair ending early: its people get the final survey now)."""
    await open_occasion(session, programme, kind, now, by_user_id=by_user_id)
    key = occasion_key(kind, programme.id)
    stmt = select(ProgrammeMember.id).join(Participant, Participant.id == ProgrammeMember.participant_id).where(
        ProgrammeMember.programme_id == programme.id, ProgrammeMember.left_at.is_(None),
        # only people whose data we may process: not erased, and minors only once a parent consented
        Participant.status == "active",
    )
    ids = set((await session.scalars(stmt)).all())
    if kind == "end":
        worked = select(Pair.id).where(Pair.programme_id == programme.id, Pair.status.in_((ACTIVE_PAIR, "ended")))
        mentors = set((await session.scalars(select(Pair.mentor_member_id).where(Pair.id.in_(worked)))).all())
        mentees = set((await session.scalars(
            select(PairMentee.mentee_member_id).where(
                PairMentee.pair_id.in_(worked),
                PairMentee.left_at.is_(None),
                or_(PairMentee.answer.is_(None), PairMentee.answer != DECLINED_ANSWER))
        )).all())
        ids &= mentors | mentees
    if member_ids is not None:
        ids &= set(member_ids)
    done = set((await session.scalars(
        select(SurveyResponse.member_id).where(SurveyResponse.occasion == key, SurveyResponse.completed_at.is_not(None))
    )).all())
    tz = await programme_zone(session, programme, default_tz)
    invited = 0
    for member_id in sorted(ids - done):
        invited += await invite(session, member_id, key, now, tz=tz, args={"programme": programme.title})
    return invited


async def _invite_relevant(session: AsyncSession, row: OutboxMessage) -> bool:
    """Drop an invitation whose survey was answered or closed, whose person left, or (after a
    meeting) whose pair is no longer active."""
    parts = (row.dedupe_key or "").split(":")
    if len(parts) != 4 or not parts[3].isdigit():
        return True
    try:
        key = occasion_key(parts[1], int(parts[2])) if parts[2].isdigit() else None
    except Invalid:
        return True
    if key is None:
        return True
    member_id = int(parts[3])
    found = await present_member(session, member_id)
    if found is None or found[1].status != "active":
        return False
    occ = await _occasion_row(session, key)
    if occ is not None and occ.closed_at is not None:
        return False
    response = await _get_response(session, member_id, key)
    if response is not None and (response.completed_at is not None or response.closed_at is not None):
        return False
    kind, object_id = parse_occasion(key)
    if kind == "meeting":
        meeting = await session.get(Meeting, object_id)
        pair = await session.get(Pair, meeting.pair_id, populate_existing=True) if meeting else None
        return pair is not None and pair.status == ACTIVE_PAIR
    return occ is not None  # a start/end survey is answerable only once launched


register_relevance(KIND_INVITE, _invite_relevant)


# =============================================================================================
# results (for monitoring)
# =============================================================================================
@dataclass
class ItemResult:
    """Aggregated answers to one item: scale mean, yes count, option counts. Text is never
    aggregated (it is personal)."""

    form: str
    kind: str  # meeting | start | end
    role: str
    item_id: str
    type: str
    count: int = 0
    total: float = 0.0
    yes: int = 0
    options: dict[str, int] = field(default_factory=dict)

    @property
    def mean(self) -> float | None:
        return round(self.total / self.count, 2) if self.type == "scale" and self.count else None

    @property
    def yes_share(self) -> float | None:
        return round(self.yes / self.count, 3) if self.type == "yesno" and self.count else None


async def item_results(session: AsyncSession, *, programme_ids: Iterable[int] | None = None,
                       kind: str | None = None, role: str | None = None) -> list[ItemResult]:
    """Results of completed responses per (form, occasion kind, role, item): the average of each
    scale item by form, yes counts, option counts. Skipped items do not count."""
    stmt = (select(SurveyResponse, Programme.form).join(Programme, Programme.id == SurveyResponse.programme_id)
            .where(SurveyResponse.completed_at.is_not(None)))
    if programme_ids is not None:
        stmt = stmt.where(SurveyResponse.programme_id.in_(list(programme_ids)))
    if kind is not None:
        stmt = stmt.where(SurveyResponse.kind == kind)
    if role is not None:
        stmt = stmt.where(SurveyResponse.role == role)
    out: dict[tuple[str, str, str, str], ItemResult] = {}
    for response, form in (await session.execute(stmt)).all():
        try:
            definition = definition_of(response)
        except Invalid:
            log.warning("surveys: response %s has an unknown definition", response.id)
            continue
        for item in definition.items:
            if item.type == "text":
                continue
            value = (response.answers or {}).get(item.id)
            if value is None:
                continue
            k = (form, response.kind, response.role, item.id)
            res = out.get(k)
            if res is None:
                res = out[k] = ItemResult(form, response.kind, response.role, item.id, item.type)
            res.count += 1
            if item.type == "scale":
                res.total += float(value)
            elif item.type == "yesno":
                res.yes += bool(value)
            elif item.type == "single":
                res.options[value] = res.options.get(value, 0) + 1
            elif item.type == "multi":
                for code in value:
                    res.options[code] = res.options.get(code, 0) + 1
    return sorted(out.values(), key=lambda r: (r.form, r.kind, r.role, r.item_id))


async def scale_averages(session: AsyncSession, **filters: Any) -> dict[tuple[str, str], float]:
    """(form, item id) → the average of that scale item over every occasion kind and role."""
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0])
    for r in await item_results(session, **filters):
        if r.type == "scale" and r.count:
            acc = sums[(r.form, r.item_id)]
            acc[0] += r.total
            acc[1] += r.count
    return {k: round(total / n, 2) for k, (total, n) in sums.items()}


def low_scale_items(response: SurveyResponse) -> list[tuple[str, int]]:
    """(item id, value) of scale answers at or below ``LOW_SCALE`` in a response."""
    try:
        definition = definition_of(response)
    except Invalid:
        return []
    out = []
    for item in definition.items:
        value = (response.answers or {}).get(item.id)
        if item.type == "scale" and isinstance(value, int) and value <= LOW_SCALE:
            out.append((item.id, value))
    return out


async def forget_free_text(session: AsyncSession, member_ids: Iterable[int]) -> None:
    """Erasure: drop the free-text answers of these members (scales and choices stay, anonymous)."""
    ids = list(member_ids)
    if not ids:
        return
    for response in (await session.scalars(select(SurveyResponse).where(SurveyResponse.member_id.in_(ids)))).all():
        try:
            definition = definition_of(response)
        except Invalid:
            continue
        text_ids = {i.id for i in definition.items if i.type == "text"}
        answers = dict(response.answers or {})
        if any(answers.get(i) is not None for i in text_ids):
            response.answers = {k: (None if k in text_ids else v) for k, v in answers.items()}
    await session.flush()


__all__ = [
    "OCCASIONS", "ROLES", "ITEM_TYPES", "SCALE_MIN", "SCALE_MAX", "LOW_SCALE", "INVALID_CODES",
    "MEETING_SURVEY_OPEN", "KIND_INVITE", "DefinitionError", "Option", "Item", "Definition",
    "parse_definition", "load_definitions", "definitions", "get_definition", "select_definition",
    "all_text_keys", "next_item", "position", "is_complete", "validate_answer", "skip", "apply_answer",
    "occasion_key", "parse_occasion", "open_callback", "parse_open_callback", "answer_callback",
    "skip_callback", "parse_answer_callback", "occasion_state", "open_occasion", "close_occasion",
    "start_or_resume", "definition_of", "current_item", "answer", "skip_item", "response_of_user",
    "invite", "launch", "ItemResult", "item_results", "scale_averages", "low_scale_items",
    "forget_free_text", "pair_member_ids", "in_pair", "present_member", "zone_name", "programme_zone",
    "reachable",
]
