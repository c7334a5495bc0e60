"""Curators' reports as XLSX files, built in chunks so that the bot keeps answering (issue 5).

Five reports for a scope (a unit and its subtree): ``participants`` (personalised records
of participants), ``pairs`` (pairs and groups), ``meetings``, ``surveys`` (monitoring
stage 1 per form and item; stage 2 start versus end) and ``stat_form`` (the numbers of the federal
statistical form per organisation, with totals).

How it runs, and why:

* Rows are read in keyset-paged chunks (``id > last ORDER BY id LIMIT chunk``; the participants
  sheet goes organisation by organisation, reading each one's sort columns that way, then its
  rows in order by chunks of ids), each chunk in a
  session of its own that is closed before the rows are written. On SQLite the engine has ONE
  pooled connection (db/engine.py): holding it for a whole export would stop every other update.
* Rows are written by :class:`XlsxStream`, a minimal streaming XLSX writer (inline strings, one
  zip entry per sheet written as rows arrive), called through ``asyncio.to_thread`` chunk by chunk.
  openpyxl's write-only mode was measured first: without lxml (not installed) it needs ~16 s for
  100,000 rows of 12 columns on this machine, alone over the 15 s budget; the stream writes the
  same in a fraction of that. openpyxl still reads the files back in the tests.
* Memory stays bounded: one chunk of rows in Python at a time (plus, for the participants sheet,
  a key per organisation and a compact sort key per participant of one organisation), the sheet XML goes straight into
  the compressed zip entry on disk.

Personal data: erased people are never named (they are left out of the participants sheet and
show as the ``person-erased`` placeholder in pairs and meetings); free-text survey answers are
never exported.
Logs carry ids only. No aiogram here.
"""
from __future__ import annotations

import asyncio
import logging
import re
import zipfile
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from functools import lru_cache
from typing import Any, Final
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from db.models import (
    Meeting,
    Pair,
    PairMentee,
    Participant,
    Programme,
    ProgrammeMember,
    SurveyResponse,
    Unit,
)
from domain.exports import label_or_code
from domain.rules import Invalid
from domain.text import SHEET_NAME_MAX, collation_key, shorten

log = logging.getLogger(__name__)

KINDS: Final = ("participants", "pairs", "meetings", "surveys", "stat_form")
CHUNK: Final = 2000  # rows per read: one short transaction each
ORG_CHUNK: Final = 200  # organisations per read in the statistical form
# pairs that existed (were fixed by the curator); proposals and refusals are not pairs yet
PAIR_STATUSES: Final = ("approved", "active", "ended", "dissolved")
# what the participants sheet shows when a person has several pairs: the most current one
PAIR_PRIORITY: Final = {"active": 0, "approved": 1, "ended": 2, "dissolved": 3}
INVOLVED_STATUSES: Final = ("active", "ended", "dissolved")  # was active at some moment
MENTOR_CATEGORIES: Final = ("teacher", "school_student", "college_student", "employer_rep")
MENTEE_CATEGORIES: Final = ("school_student", "college_student", "young_specialist")
DATE_FORMATS: Final = {"ru": "DD.MM.YYYY", "en": "D MMM YYYY"}
SEP: Final = "; "

Progress = Callable[[int], Awaitable[None]]
Row = list[Any]


# =============================================================================================
# the streaming XLSX writer
# =============================================================================================
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
_EPOCH = date(1899, 12, 30)
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STYLE_DATE, STYLE_HEADER, STYLE_DECIMAL = 1, 2, 3


def column_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


_NEEDS_CARE = re.compile("[\x00-\x1f&<>\ufffe\uffff]")


def _text(value: str) -> str:
    if _NEEDS_CARE.search(value):
        value = escape(_BAD_XML.sub("", value))
    if value[:1].isspace() or value[-1:].isspace():
        return f'<t xml:space="preserve">{value}</t>'
    return f"<t>{value}</t>"


@dataclass
class _SheetState:
    name: str
    columns: int
    rows: int = 0  # including the header
    handle: Any = None


class XlsxStream:
    """A write-only XLSX file: sheets one after another, rows appended in chunks.

    Each sheet has a bold header row, frozen, with an autofilter over the data and the given
    column widths; ``date`` values become real dates (Excel serial numbers with a date format),
    floats get two decimals. Not thread-safe: call it from one thread at a time (the export
    calls it through ``asyncio.to_thread``, one chunk after another).
    """

    def __init__(self, path: str, locale: str = "ru") -> None:
        self.path = path
        self.date_format = DATE_FORMATS.get(locale, DATE_FORMATS["ru"])
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5)
        self.sheets: list[_SheetState] = []
        self._current: _SheetState | None = None

    def start_sheet(self, name: str, headers: Sequence[str], widths: Sequence[float]) -> None:
        self._end_sheet()
        name = shorten(_SHEET_BAD.sub(" ", name), SHEET_NAME_MAX, hard=True) or f"Sheet{len(self.sheets) + 1}"
        taken = {s.name.casefold() for s in self.sheets}
        base, n = name, 2
        while name.casefold() in taken:
            name = f"{shorten(base, SHEET_NAME_MAX - 3, hard=True)} {n}"
            n += 1
        sheet = _SheetState(name=name, columns=len(headers))
        index = len(self.sheets) + 1
        sheet.handle = self.zip.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True)
        cols = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1"/>' for i, w in enumerate(widths, 1))
        head = (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}" xmlns:r="{_NS_R}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )
        sheet.handle.write(head.encode("utf-8"))
        self.sheets.append(sheet)
        self._current = sheet
        self._write([list(headers)], style=STYLE_HEADER)

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        self._write(rows)

    def _write(self, rows: Iterable[Sequence[Any]], style: int | None = None) -> None:
        """Rows as XML. Cells carry no reference (they follow each other; an empty ``<c/>`` keeps
        a blank's place): half the string work of writing ``r="B7"`` on every cell."""
        sheet = self._current
        if sheet is None:
            raise RuntimeError("start_sheet() first")
        width = sheet.columns
        text_open = f'<c t="inlineStr" s="{style}"><is>' if style else '<c t="inlineStr"><is>'
        parts: list[str] = []
        add = parts.append
        for row in rows:
            sheet.rows += 1
            add(f'<row r="{sheet.rows}">')
            for value in row[:width]:
                kind = type(value)
                if kind is str:
                    if value:
                        add(text_open + _text(value) + "</is></c>")
                    else:
                        add("<c/>")
                elif value is None:
                    add("<c/>")
                elif kind is int:
                    add(f"<c><v>{value}</v></c>")
                elif kind is bool:
                    add(f'<c t="b"><v>{int(value)}</v></c>')
                elif kind is float:
                    add(f'<c s="{STYLE_DECIMAL}"><v>{value!r}</v></c>')
                elif kind is date:
                    add(f'<c s="{STYLE_DATE}"><v>{(value - _EPOCH).days}</v></c>')
                elif isinstance(value, datetime):
                    add(f'<c s="{STYLE_DATE}"><v>{(value.date() - _EPOCH).days}</v></c>')
                elif isinstance(value, date):
                    add(f'<c s="{STYLE_DATE}"><v>{(value - _EPOCH).days}</v></c>')
                elif isinstance(value, int):
                    add(f"<c><v>{int(value)}</v></c>")
                else:
                    add(text_open + _text(str(value)) + "</is></c>")
            add("</row>")
        sheet.handle.write("".join(parts).encode("utf-8"))

    def _end_sheet(self) -> None:
        sheet = self._current
        if sheet is None:
            return
        last = column_letter(max(sheet.columns, 1))
        sheet.handle.write(f'</sheetData><autoFilter ref="A1:{last}{max(sheet.rows, 1)}"/></worksheet>'.encode())
        sheet.handle.close()
        self._current = None

    def close(self) -> None:
        """Finish the last sheet and write the workbook's parts; the file is complete after this."""
        self._end_sheet()
        if not self.sheets:
            self.start_sheet("Sheet1", [""], [10])
            self._end_sheet()
        n = len(self.sheets)
        sheets = "".join(f'<sheet name="{escape(s.name, {chr(34): "&quot;"})}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, s in enumerate(self.sheets, 1))
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{escape(_quote_sheet(s.name))}!$A$1:${column_letter(max(s.columns, 1))}${max(s.rows, 1)}</definedName>"
            for i, s in enumerate(self.sheets))
        self.zip.writestr("[Content_Types].xml", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
                      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                      for i in range(1, n + 1))
            + "</Types>"))
        self.zip.writestr("_rels/.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        self.zip.writestr("xl/workbook.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{_NS}" xmlns:r="{_NS_R}">'
            f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
            f'<definedNames>{names}</definedNames></workbook>'))
        self.zip.writestr("xl/_rels/workbook.xml.rels", (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                      f'relationships/worksheet" Target="worksheets/sheet{i}.xml"/>' for i in range(1, n + 1))
            + f'<Relationship Id="rId{n + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
              'relationships/styles" Target="styles.xml"/></Relationships>'))
        self.zip.writestr("xl/styles.xml", (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{_NS}">'
            f'<numFmts count="1"><numFmt numFmtId="164" formatCode="{escape(self.date_format)}"/></numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
            '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
            '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"))
        self.zip.close()

    def abort(self) -> None:
        """Close whatever is open after a failure (the file is then deleted by the caller)."""
        try:
            if self._current is not None and self._current.handle is not None:
                self._current.handle.close()
        finally:
            self.zip.close()


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# =============================================================================================
# what a report is: sheets of columns, each with its rows
# =============================================================================================
@dataclass(frozen=True)
class Column:
    key: str  # Fluent key of the header
    width: float


@dataclass
class SheetPlan:
    title_key: str
    columns: tuple[Column, ...]
    rows: Callable[[], AsyncIterator[list[Row]]]


@dataclass
class Scope:
    """What every producer needs: the scope's root, its units, the reader and the labels."""

    sessionmaker: async_sessionmaker[AsyncSession]
    root: Unit
    units: dict[int, Unit]  # the subtree and the root's ancestors, by id
    t: Callable[..., str]
    tz: ZoneInfo
    as_of: datetime
    year: int
    chunk: int = CHUNK
    _labels: dict[str, str] = field(default_factory=dict)
    _municipalities: dict[int | None, str] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return self.root.path

    def label(self, key: str, fallback: str | None = None) -> str:
        """A cached locale text; ``fallback`` (a code) when no locale has the key."""
        text = self._labels.get(key)
        if text is None:
            text = self.t(key)
            if text == key and fallback is not None:
                text = fallback
            self._labels[key] = text
        return text

    def form(self, code: str | None) -> str:
        return self.label(f"form-{code}", code or "") if code else ""

    def role_model(self, code: str | None) -> str:
        return self.label(f"role-model-{code}", code) if code else ""

    def local_date(self, moment: datetime | None) -> date | None:
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        return moment.astimezone(self.tz).date()

    def unit_name(self, unit_id: int | None) -> str:
        unit = self.units.get(unit_id) if unit_id is not None else None
        return unit.name if unit is not None else ""

    def municipality_of(self, unit_id: int | None) -> str:
        """The municipality an organisation belongs to (its own name for a municipality)."""
        cached = self._municipalities.get(unit_id)
        if cached is None:
            cached = self._municipalities[unit_id] = self._find_municipality(unit_id)
        return cached

    def _find_municipality(self, unit_id: int | None) -> str:
        unit = self.units.get(unit_id) if unit_id is not None else None
        while unit is not None and unit.kind not in ("municipality", "region"):
            unit = self.units.get(unit.parent_id) if unit.parent_id is not None else None
        return unit.name if unit is not None and unit.kind == "municipality" else ""

    def person(self, name: str | None, status: str | None) -> str:
        """A name, or the placeholder for an erased person (never the old name)."""
        if status == "erased" or not name:
            return self.label("person-erased")
        return name


async def _core(session: AsyncSession, stmt: Any) -> Any:
    """Run a column select on the session's connection, bypassing the ORM's row processing
    (measured: most of an export's time went there; these selects load no entities)."""
    connection = await session.connection()
    return await connection.execute(stmt)


def in_scope(path: str):
    """Programmes and organisations of the subtree: one indexed prefix condition on units.path."""
    return Unit.path.startswith(path, autoescape=True)


async def _load_units(session: AsyncSession, root: Unit) -> dict[int, Unit]:
    ancestor_ids = [int(p) for p in root.path.strip("/").split("/") if p]
    stmt = select(Unit).where(or_(in_scope(root.path), Unit.id.in_(ancestor_ids)))
    return {u.id: u for u in (await session.scalars(stmt)).all()}


# =============================================================================================
# shared lookups (one chunk at a time)
# =============================================================================================
async def _pair_people(session: AsyncSession, s: Scope, pair_ids: list[int],
                       mentor_member_ids: Iterable[int]) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Mentor names by member id, mentee names by pair id (erased ones by a placeholder); a
    pair's mentees are those in it: not those who declined it or left the group."""
    mentors: dict[int, str] = {}
    mids = sorted(set(mentor_member_ids))
    if mids:
        rows = await _core(session, 
            select(ProgrammeMember.id, Participant.full_name, Participant.status)
            .join(Participant, Participant.id == ProgrammeMember.participant_id)
            .where(ProgrammeMember.id.in_(mids)))
        mentors = {mid: s.person(name, status) for mid, name, status in rows.all()}
    mentees: dict[int, list[str]] = defaultdict(list)
    if pair_ids:
        rows = await _core(session, 
            select(PairMentee.pair_id, Participant.full_name, Participant.status)
            .join(ProgrammeMember, ProgrammeMember.id == PairMentee.mentee_member_id)
            .join(Participant, Participant.id == ProgrammeMember.participant_id)
            .where(PairMentee.pair_id.in_(pair_ids), PairMentee.left_at.is_(None),
                   or_(PairMentee.answer.is_(None), PairMentee.answer != "declined"))
            .order_by(PairMentee.pair_id, PairMentee.id))
        for pair_id, name, status in rows.all():
            mentees[pair_id].append(s.person(name, status))
    return mentors, mentees


# =============================================================================================
# 1. participants: personalised records
# =============================================================================================
PARTICIPANT_COLUMNS: Final = (
    Column("rep-col-municipality", 24), Column("rep-col-organisation", 30), Column("rep-col-name", 30),
    Column("rep-col-role", 14), Column("rep-col-category", 22), Column("rep-col-grade", 10),
    Column("rep-col-birth-year", 10), Column("rep-col-status", 22), Column("rep-col-registered", 13),
    Column("rep-col-programmes", 36), Column("rep-col-pair-status", 16), Column("rep-col-meetings", 10),
)


ROLE_ORDER: Final = {"mentor": 0, "mentee": 1}  # the participants sheet: mentors first, then mentees
ORDER_READ_CHUNK: Final = 500  # participants read per statement once their order is known


def organisation_order(s: Scope, org_id: int) -> tuple:
    """Where an organisation's participants go: by municipality, then organisation, alphabetically."""
    return collation_key(s.municipality_of(org_id)), collation_key(s.unit_name(org_id)), org_id


def participant_order(role: str, grade: int | None, course: int | None, full_name: str | None, pid: int) -> tuple:
    """Where a participant's row goes inside their organisation: role, grade or course
    (numerically, none last), then the name in Russian alphabetical order."""
    level = grade if grade is not None else course
    return ROLE_ORDER.get(role, len(ROLE_ORDER)), level is None, level or 0, collation_key(full_name), pid


async def participant_rows(s: Scope) -> AsyncIterator[list[Row]]:
    """One row per participant of the scope who is not erased: organisations in
    :func:`organisation_order`, people inside each in :func:`participant_order`.

    The organisations that have participants are sorted once (a key each); then, one
    organisation at a time, the sort columns of its people (keyset-paged by id) are sorted in
    Python (locale-aware names: neither SQLite nor every PostgreSQL collation sorts Russian as
    people do) and their rows read in that order, a chunk of ids at a time. Every read is a
    short session of its own; memory holds one organisation's compact keys and one chunk of
    rows, whatever the size of the scope."""
    async with s.sessionmaker() as session:
        org_ids = (await _core(session,
            select(Participant.org_id).distinct()
            .join(Unit, Unit.id == Participant.org_id)
            .where(in_scope(s.path), Participant.status != "erased"))).scalars().all()
    org_ids = sorted(org_ids, key=lambda org_id: organisation_order(s, org_id))
    step = max(1, min(s.chunk, ORDER_READ_CHUNK))
    rows: list[Row] = []
    for org_id in org_ids:
        keys: list[tuple] = []
        last = 0
        while True:
            async with s.sessionmaker() as session:
                batch = (await _core(session,
                    select(Participant.id, Participant.role, Participant.grade, Participant.course,
                           Participant.full_name)
                    .where(Participant.org_id == org_id, Participant.status != "erased", Participant.id > last)
                    .order_by(Participant.id).limit(s.chunk))).all()
            keys.extend(participant_order(p.role, p.grade, p.course, p.full_name, p.id) for p in batch)
            if len(batch) < s.chunk:
                break
            last = batch[-1].id
        keys.sort()
        ordered = [k[-1] for k in keys]
        del keys
        for at in range(0, len(ordered), step):
            ids = ordered[at:at + step]
            async with s.sessionmaker() as session:
                found = {p.id: p for p in (await _core(session,
                    select(Participant.id, Participant.org_id, Participant.full_name, Participant.role,
                           Participant.category, Participant.grade, Participant.course, Participant.birth_year,
                           Participant.status, Participant.registered_at)
                    .where(Participant.id.in_(ids), Participant.status != "erased"))).all()}
                extras = await _participant_extras(session, list(found))
            for pid in ids:
                p = found.get(pid)
                if p is None:  # erased between the two passes
                    continue
                titles, pair_status, meetings = extras.get(p.id, ((), None, 0))
                rows.append([
                    s.municipality_of(p.org_id), s.unit_name(p.org_id), p.full_name or "",
                    s.label(f"rep-role-{p.role}", p.role), s.label(f"rep-cat-{p.category}", p.category),
                    p.grade if p.grade is not None else p.course, p.birth_year,
                    s.label(f"rep-status-{p.status}", p.status), s.local_date(p.registered_at),
                    SEP.join(titles), s.label(f"rep-pair-{pair_status or 'none'}"), meetings,
                ])
                if len(rows) >= step:  # chunks of the same size across organisations
                    yield rows
                    rows = []
    if rows:
        yield rows


async def _participant_extras(session: AsyncSession, ids: list[int]
                              ) -> dict[int, tuple[tuple[str, ...], str | None, int]]:
    """Per participant: titles of the programmes they are in, their most current pair's status
    and the number of meetings of their pairs."""
    members = (await _core(session, 
        select(ProgrammeMember.id, ProgrammeMember.participant_id, Programme.title)
        .join(Programme, Programme.id == ProgrammeMember.programme_id)
        .where(ProgrammeMember.participant_id.in_(ids), ProgrammeMember.left_at.is_(None)))).all()
    titles: dict[int, set[str]] = defaultdict(set)
    owner: dict[int, int] = {}
    for member_id, participant_id, title in members:
        titles[participant_id].add(title)
        owner[member_id] = participant_id
    pairs_of: dict[int, dict[int, str]] = defaultdict(dict)  # participant -> {pair id: status}
    if owner:
        member_ids = list(owner)
        as_mentor = await _core(session, 
            select(Pair.mentor_member_id, Pair.id, Pair.status)
            .where(Pair.mentor_member_id.in_(member_ids), Pair.status.in_(PAIR_STATUSES)))
        as_mentee = await _core(session, 
            select(PairMentee.mentee_member_id, Pair.id, Pair.status)
            .join(Pair, Pair.id == PairMentee.pair_id)
            .where(PairMentee.mentee_member_id.in_(member_ids), Pair.status.in_(PAIR_STATUSES)))
        for member_id, pair_id, status in [*as_mentor.all(), *as_mentee.all()]:
            pairs_of[owner[member_id]][pair_id] = status
    all_pairs = sorted({pid for pairs in pairs_of.values() for pid in pairs})
    meetings: dict[int, int] = {}
    if all_pairs:
        counted = await _core(session, 
            select(Meeting.pair_id, func.count()).where(Meeting.pair_id.in_(all_pairs)).group_by(Meeting.pair_id))
        meetings = dict(counted.all())
    out = {}
    for pid in set(titles) | set(pairs_of):
        pairs = pairs_of.get(pid, {})
        status = min(pairs.values(), key=PAIR_PRIORITY.__getitem__) if pairs else None
        out[pid] = (tuple(sorted(titles.get(pid, ()))), status, sum(meetings.get(p, 0) for p in pairs))
    return out


# =============================================================================================
# 2. pairs and groups
# =============================================================================================
PAIR_COLUMNS: Final = (
    Column("rep-col-programme", 30), Column("rep-col-form", 28), Column("rep-col-organisation", 30),
    Column("rep-col-mentor", 30), Column("rep-col-mentees", 44), Column("rep-col-role-model", 30),
    Column("rep-col-pair-status", 16), Column("rep-col-approved", 13), Column("rep-col-activated", 13),
    Column("rep-col-ended", 13), Column("rep-col-meetings", 10), Column("rep-col-last-meeting", 13),
)


async def pair_rows(s: Scope) -> AsyncIterator[list[Row]]:
    """Pairs and groups that were fixed (approved and later) in programmes of the scope."""
    last = 0
    while True:
        async with s.sessionmaker() as session:
            pairs = (await _core(session, 
                select(Pair.id, Pair.mentor_member_id, Pair.role_model, Pair.status, Pair.approved_at,
                       Pair.activated_at, Pair.ended_at, Programme.title, Programme.form, Programme.unit_id)
                .join(Programme, Programme.id == Pair.programme_id)
                .join(Unit, Unit.id == Programme.unit_id)
                .where(in_scope(s.path), Pair.status.in_(PAIR_STATUSES), Pair.id > last)
                .order_by(Pair.id).limit(s.chunk))).all()
            if not pairs:
                return
            ids = [p.id for p in pairs]
            mentors, mentees = await _pair_people(session, s, ids, (p.mentor_member_id for p in pairs))
            stats = {pid: (n, lastd) for pid, n, lastd in (await _core(session, 
                select(Meeting.pair_id, func.count(), func.max(Meeting.held_on))
                .where(Meeting.pair_id.in_(ids)).group_by(Meeting.pair_id))).all()}
        rows: list[Row] = []
        for p in pairs:
            n, last_meeting = stats.get(p.id, (0, None))
            rows.append([
                p.title, s.form(p.form), s.unit_name(p.unit_id), mentors.get(p.mentor_member_id, ""),
                SEP.join(mentees.get(p.id, ())), s.role_model(p.role_model),
                s.label(f"rep-pair-{p.status}", p.status), s.local_date(p.approved_at),
                s.local_date(p.activated_at), s.local_date(p.ended_at), n, _as_date(last_meeting),
            ])
        yield rows
        last = pairs[-1].id
        if len(pairs) < s.chunk:
            return


def _as_date(value: Any) -> date | None:
    """SQLite returns max() of a date column as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


# =============================================================================================
# 3. meetings
# =============================================================================================
MEETING_COLUMNS: Final = (
    Column("rep-col-date", 13), Column("rep-col-programme", 30), Column("rep-col-organisation", 30),
    Column("rep-col-mentor", 30), Column("rep-col-mentees", 44), Column("rep-col-format", 12),
    Column("rep-col-minutes", 10), Column("rep-col-topic", 40),
)


async def meeting_rows(s: Scope) -> AsyncIterator[list[Row]]:
    """One row per meeting of a pair of a programme of the scope, ordered by id."""
    last = 0
    while True:
        async with s.sessionmaker() as session:
            meetings = (await _core(session, 
                select(Meeting.id, Meeting.pair_id, Meeting.held_on, Meeting.format, Meeting.minutes,
                       Meeting.topic, Pair.mentor_member_id, Programme.title, Programme.unit_id)
                .join(Pair, Pair.id == Meeting.pair_id)
                .join(Programme, Programme.id == Pair.programme_id)
                .join(Unit, Unit.id == Programme.unit_id)
                .where(in_scope(s.path), Meeting.id > last)
                .order_by(Meeting.id).limit(s.chunk))).all()
            if not meetings:
                return
            pair_ids = sorted({m.pair_id for m in meetings})
            mentors, mentees = await _pair_people(session, s, pair_ids, (m.mentor_member_id for m in meetings))
        rows: list[Row] = [[
            m.held_on, m.title, s.unit_name(m.unit_id), mentors.get(m.mentor_member_id, ""),
            SEP.join(mentees.get(m.pair_id, ())), s.label(f"rep-format-{m.format}", m.format), m.minutes,
            m.topic or "",
        ] for m in meetings]
        yield rows
        last = meetings[-1].id
        if len(meetings) < s.chunk:
            return


# =============================================================================================
# 4. surveys: stage 1 per form and item, stage 2 start versus end
# =============================================================================================
STAGE1_COLUMNS: Final = (
    Column("rep-col-form", 28), Column("rep-col-occasion", 16), Column("rep-col-role", 14),
    Column("rep-col-question", 50), Column("rep-col-answers", 10), Column("rep-col-average", 10),
    Column("rep-col-yes-share", 10), Column("rep-col-distribution", 60),
)
STAGE2_COLUMNS: Final = (
    Column("rep-col-form", 28), Column("rep-col-role", 14), Column("rep-col-question", 50),
    Column("rep-col-answers-start", 12), Column("rep-col-average-start", 12), Column("rep-col-answers-end", 12),
    Column("rep-col-average-end", 12), Column("rep-col-change", 10),
)
OCCASION_ORDER: Final = {"meeting": 0, "start": 1, "end": 2}


@dataclass
class ItemAggregate:
    """Answers to one item for one (form, occasion kind, role): count, sum, yes, option counts."""

    type: str
    text_key: str
    options: dict[str, str]  # code -> text key, in the definition's order
    count: int = 0
    total: float = 0.0
    yes: int = 0
    chosen: dict[str, int] = field(default_factory=dict)

    @property
    def average(self) -> float | None:
        return round(self.total / self.count, 2) if self.type == "scale" and self.count else None

    @property
    def yes_share(self) -> float | None:
        return round(100 * self.yes / self.count, 1) if self.type == "yesno" and self.count else None


SurveyKey = tuple[str, str, str, str]  # form, occasion kind, role, item id


async def aggregate_surveys(s: Scope) -> dict[SurveyKey, ItemAggregate]:
    """Completed responses of programmes of the scope, read in chunks, aggregated per
    (form, occasion kind, role, item). Free text is skipped: it is personal."""
    from domain.surveys import get_definition

    out: dict[SurveyKey, ItemAggregate] = {}
    last = 0
    while True:
        async with s.sessionmaker() as session:
            batch = (await _core(session, 
                select(SurveyResponse.id, SurveyResponse.survey_code, SurveyResponse.survey_version,
                       SurveyResponse.kind, SurveyResponse.role, SurveyResponse.answers, Programme.form)
                .join(Programme, Programme.id == SurveyResponse.programme_id)
                .join(Unit, Unit.id == Programme.unit_id)
                .where(in_scope(s.path), SurveyResponse.completed_at.is_not(None), SurveyResponse.id > last)
                .order_by(SurveyResponse.id).limit(s.chunk))).all()
        if not batch:
            return out
        for r in batch:
            try:
                definition = get_definition(r.survey_code, r.survey_version)
            except Invalid:
                log.warning("reports: response %s has an unknown survey definition", r.id)
                continue
            answers = r.answers or {}
            for item in definition.items:
                value = answers.get(item.id)
                if item.type == "text" or value is None:
                    continue
                key = (r.form, r.kind, r.role, item.id)
                agg = out.get(key)
                if agg is None:
                    agg = out[key] = ItemAggregate(item.type, item.text_key,
                                                   {o.code: o.text_key for o in item.options})
                agg.count += 1
                if item.type == "scale":
                    agg.total += float(value)
                elif item.type == "yesno":
                    agg.yes += bool(value)
                elif item.type == "single":
                    agg.chosen[value] = agg.chosen.get(value, 0) + 1
                elif item.type == "multi":
                    for code in value:
                        agg.chosen[code] = agg.chosen.get(code, 0) + 1
        last = batch[-1].id
        if len(batch) < s.chunk:
            return out
        await asyncio.sleep(0)


def _survey_order(key: SurveyKey) -> tuple[str, int, str]:
    return key[0], OCCASION_ORDER.get(key[1], 9), key[2]


def stage1_rows(s: Scope, agg: dict[SurveyKey, ItemAggregate]) -> list[Row]:
    rows = []
    # items in the definition order within each (form, occasion, role): insertion order per key
    for key in sorted(agg, key=_survey_order):
        form, kind, role, _item = key
        a = agg[key]
        distribution = ""
        if a.type in ("single", "multi"):
            ordered = [c for c in a.options if c in a.chosen] + sorted(c for c in a.chosen if c not in a.options)
            distribution = SEP.join(
                f"{s.label(a.options[c], c) if c in a.options else c}: {a.chosen[c]}" for c in ordered)
        elif a.type == "yesno":
            distribution = f"{s.label('rep-yes')}: {a.yes}{SEP}{s.label('rep-no')}: {a.count - a.yes}"
        rows.append([s.form(form), s.label(f"rep-occasion-{kind}", kind), s.label(f"rep-role-{role}", role),
                     s.label(a.text_key), a.count, a.average, a.yes_share, distribution])
    return rows


def stage2_rows(s: Scope, agg: dict[SurveyKey, ItemAggregate]) -> list[Row]:
    """Scale items asked at the start and/or the end of programmes, side by side per form and role."""
    pairs: dict[tuple[str, str, str], dict[str, ItemAggregate]] = defaultdict(dict)
    for (form, kind, role, item), a in agg.items():
        if kind in ("start", "end") and a.type == "scale":
            pairs[(form, role, item)][kind] = a
    rows = []
    for (form, role, _item), sides in sorted(pairs.items(), key=lambda kv: kv[0]):
        start, end = sides.get("start"), sides.get("end")
        text_key = (start or end).text_key  # type: ignore[union-attr]
        avg_start = start.average if start else None
        avg_end = end.average if end else None
        change = round(avg_end - avg_start, 2) if avg_start is not None and avg_end is not None else None
        rows.append([s.form(form), s.label(f"rep-role-{role}", role), s.label(text_key),
                     start.count if start else 0, avg_start, end.count if end else 0, avg_end, change])
    return rows


# =============================================================================================
# 5. the federal statistical form
# =============================================================================================
STAT_COLUMNS: Final = (
    Column("rep-col-municipality", 24), Column("rep-col-organisation", 30),
    Column("rep-col-stat-mentors", 12),
    *(Column(f"rep-col-mentors-{c}", 12) for c in MENTOR_CATEGORIES),
    Column("rep-col-stat-mentees", 12),
    *(Column(f"rep-col-mentees-{c}", 12) for c in MENTEE_CATEGORIES),
    Column("rep-col-involved-mentors", 12), Column("rep-col-involved-mentees", 12),
    Column("rep-col-programmes-running", 12), Column("rep-col-pairs-active", 12),
    Column("rep-col-meetings-year", 12),
)
STAT_FIELDS: Final = (
    "mentors", *(f"mentor:{c}" for c in MENTOR_CATEGORIES), "mentees", *(f"mentee:{c}" for c in MENTEE_CATEGORIES),
    "involved:mentor", "involved:mentee", "programmes", "pairs", "meetings",
)


def _active_as_of(as_of: datetime):
    """A pair that was working at that moment."""
    return and_(Pair.status.in_(INVOLVED_STATUSES), Pair.activated_at.is_not(None), Pair.activated_at <= as_of,
                or_(Pair.ended_at.is_(None), Pair.ended_at > as_of))


async def stat_numbers(session: AsyncSession, unit_ids: list[int], as_of: datetime, year: int
                       ) -> dict[int, dict[str, int]]:
    """The form's numbers for these units (organisations, or units running programmes themselves).

    Participants count as of ``as_of``: registered by then and not erased before then (erasure
    keeps the anonymous remainder so that these counts stay right). Involved: in a pair working
    at that moment. Programmes running: started, not yet over. Meetings: held in ``year`` up to
    ``as_of``.
    """
    numbers: dict[int, dict[str, int]] = {u: dict.fromkeys(STAT_FIELDS, 0) for u in unit_ids}
    counted = and_(Participant.org_id.in_(unit_ids), Participant.registered_at <= as_of,
                   or_(Participant.erased_at.is_(None), Participant.erased_at > as_of))
    for org_id, role, category, n in (await _core(session, 
            select(Participant.org_id, Participant.role, Participant.category, func.count())
            .where(counted).group_by(Participant.org_id, Participant.role, Participant.category))).all():
        row = numbers[org_id]
        row[f"{role}s"] = row.get(f"{role}s", 0) + n
        if f"{role}:{category}" in row:
            row[f"{role}:{category}"] += n
    involved: set[tuple[int, str, int]] = set()
    mentor_side = (select(Participant.org_id, Participant.role, Participant.id)
                   .join(ProgrammeMember, ProgrammeMember.participant_id == Participant.id)
                   .join(Pair, Pair.mentor_member_id == ProgrammeMember.id)
                   .where(counted, _active_as_of(as_of)))
    mentee_side = (select(Participant.org_id, Participant.role, Participant.id)
                   .join(ProgrammeMember, ProgrammeMember.participant_id == Participant.id)
                   .join(PairMentee, PairMentee.mentee_member_id == ProgrammeMember.id)
                   .join(Pair, Pair.id == PairMentee.pair_id)
                   .where(counted, _active_as_of(as_of)))
    for stmt in (mentor_side, mentee_side):
        involved.update(tuple(r) for r in (await _core(session, stmt.distinct())).all())
    for org_id, role, _pid in involved:
        key = f"involved:{role}"
        if key in numbers[org_id]:
            numbers[org_id][key] += 1
    day = as_of.date()
    for unit_id, n in (await _core(session, 
            select(Programme.unit_id, func.count())
            .where(Programme.unit_id.in_(unit_ids), Programme.starts_on <= day, Programme.ends_on >= day,
                   or_(Programme.ended_at.is_(None), Programme.ended_at > as_of))
            .group_by(Programme.unit_id))).all():
        numbers[unit_id]["programmes"] = n
    for unit_id, n in (await _core(session, 
            select(Programme.unit_id, func.count()).join(Pair, Pair.programme_id == Programme.id)
            .where(Programme.unit_id.in_(unit_ids), _active_as_of(as_of))
            .group_by(Programme.unit_id))).all():
        numbers[unit_id]["pairs"] = n
    first, last_day = date(year, 1, 1), min(date(year, 12, 31), day)
    for unit_id, n in (await _core(session, 
            select(Programme.unit_id, func.count())
            .join(Pair, Pair.programme_id == Programme.id).join(Meeting, Meeting.pair_id == Pair.id)
            .where(Programme.unit_id.in_(unit_ids), Meeting.held_on >= first, Meeting.held_on <= last_day)
            .group_by(Programme.unit_id))).all():
        numbers[unit_id]["meetings"] = n
    return numbers


async def stat_rows(s: Scope) -> AsyncIterator[list[Row]]:
    """A row per organisation of the scope (and per other unit running programmes itself), by
    municipality and name, then the totals."""
    subtree = [u for u in s.units.values() if u.path.startswith(s.path)]
    subtree.sort(key=lambda u: (s.municipality_of(u.id).casefold(), u.kind != "organisation",
                                u.name.casefold(), u.id))
    totals = dict.fromkeys(STAT_FIELDS, 0)
    for start in range(0, len(subtree), ORG_CHUNK):
        part = subtree[start:start + ORG_CHUNK]
        async with s.sessionmaker() as session:
            numbers = await stat_numbers(session, [u.id for u in part], s.as_of, s.year)
        rows: list[Row] = []
        for unit in part:
            row = numbers[unit.id]
            if unit.kind != "organisation" and not any(row.values()):
                continue
            for k, val in row.items():
                totals[k] += val
            rows.append([s.municipality_of(unit.id), unit.name, *(row[k] for k in STAT_FIELDS)])
        if rows:
            yield rows
    yield [["", s.label("rep-total"), *(totals[k] for k in STAT_FIELDS)]]


# =============================================================================================
# the pipeline
# =============================================================================================
def plan(kind: str, s: Scope) -> list[SheetPlan]:
    """The sheets of a report, each with its row producer."""
    if kind == "participants":
        return [SheetPlan("rep-sheet-participants", PARTICIPANT_COLUMNS, lambda: participant_rows(s))]
    if kind == "pairs":
        return [SheetPlan("rep-sheet-pairs", PAIR_COLUMNS, lambda: pair_rows(s))]
    if kind == "meetings":
        return [SheetPlan("rep-sheet-meetings", MEETING_COLUMNS, lambda: meeting_rows(s))]
    if kind == "stat_form":
        return [SheetPlan("rep-sheet-stat-form", STAT_COLUMNS, lambda: stat_rows(s))]
    if kind == "surveys":
        cache: dict[str, dict[SurveyKey, ItemAggregate]] = {}

        async def aggregated() -> dict[SurveyKey, ItemAggregate]:
            if "agg" not in cache:
                cache["agg"] = await aggregate_surveys(s)
            return cache["agg"]

        async def stage1() -> AsyncIterator[list[Row]]:
            yield stage1_rows(s, await aggregated())

        async def stage2() -> AsyncIterator[list[Row]]:
            yield stage2_rows(s, await aggregated())

        return [SheetPlan("rep-sheet-surveys-stage1", STAGE1_COLUMNS, stage1),
                SheetPlan("rep-sheet-surveys-stage2", STAGE2_COLUMNS, stage2)]
    raise ValueError(f"unknown report kind {kind!r}")


@lru_cache(maxsize=1)
def _default_translator() -> Any:
    from bot.i18n import Translator

    return Translator()


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def stat_moment(year: int, now: datetime, tz: ZoneInfo) -> datetime:
    """The statistical form's moment: the end of 31 December of ``year`` (local), or now if earlier."""
    end = datetime.combine(date(year, 12, 31), time(23, 59, 59), tzinfo=tz).astimezone(timezone.utc)
    return min(end, now)


async def build_report(sessionmaker: async_sessionmaker[AsyncSession], kind: str, unit_id: int, locale: str,
                       path: str, *, as_of: datetime, year: int | None = None, tz: str | None = None,
                       translator: Any = None, progress: Progress | None = None, chunk: int = CHUNK) -> int:
    """Write report ``kind`` for the subtree of ``unit_id`` to ``path`` (XLSX); the number of data rows.

    The whole pipeline without Telegram (the bot's ExportRunner and the benchmark call it). Reads
    in chunks with a short session each, writes each chunk in a worker thread, calls
    ``progress(rows so far)`` between chunks. ``as_of`` is the report's moment (aware UTC);
    ``year`` the statistical form's year (default: that of ``as_of``). Access is the caller's
    business: the unit must already have been loaded through the actor's access.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown report kind {kind!r}")
    zone_info = zone(tz)
    async with sessionmaker() as session:
        root = await session.get(Unit, unit_id)
        if root is None:
            raise LookupError(f"unit {unit_id} not found")
        units = await _load_units(session, root)
    t = (translator or _default_translator()).bind(locale)
    year = year or as_of.astimezone(zone_info).year
    moment = stat_moment(year, as_of, zone_info) if kind == "stat_form" else as_of
    scope = Scope(sessionmaker, root, units, t, zone_info, moment, year, chunk=max(1, chunk))
    writer = XlsxStream(path, t.locale if hasattr(t, "locale") else locale)
    written = 0
    try:
        for sheet in plan(kind, scope):
            headers = [t(c.key) for c in sheet.columns]
            await asyncio.to_thread(writer.start_sheet, t(sheet.title_key), headers, [c.width for c in sheet.columns])
            async for rows in sheet.rows():
                await asyncio.to_thread(writer.append, rows)
                written += len(rows)
                if progress is not None:
                    await progress(written)
                await asyncio.sleep(0)
        await asyncio.to_thread(writer.close)
    except BaseException:
        try:
            writer.abort()
        except Exception:  # noqa: BLE001 - a worker thread may still hold the file; the caller deletes it
            log.info("report %s of unit %s: writer not closed cleanly", kind, unit_id)
        raise
    log.info("report %s of unit %s: %d rows", kind, unit_id, written)
    return written


__all__ = [
    "KINDS", "CHUNK", "XlsxStream", "Column", "SheetPlan", "Scope", "plan", "build_report",
    "participant_rows", "pair_rows", "meeting_rows", "aggregate_surveys", "stage1_rows", "stage2_rows",
    "stat_numbers", "stat_rows", "stat_moment", "ItemAggregate", "column_letter", "zone",
    "PARTICIPANT_COLUMNS", "PAIR_COLUMNS", "MEETING_COLUMNS", "STAGE1_COLUMNS", "STAGE2_COLUMNS", "STAT_COLUMNS",
]
