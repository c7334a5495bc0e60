"""The curator's menu: callback data, and the views (text + inline keyboard) it navigates.

Views only read; the handlers in ``handlers/curator.py`` authorise, change and then render.
Callback data carry ids and short codes only (never names), each ≤ 64 bytes.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from babel.dates import format_date
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.i18n import Translate
from db.models import Invitation, Participant, Unit
from domain import invitations
from domain import consents
from domain.curation import Access, clamp_page, pages, subtree_counts, unit_curators
from domain.people import ParticipantFilter, list_participants
from domain.rules import CHILD_KIND, ORG_TYPES
from domain.text import BUTTON_MAX, shorten
from domain.units import ancestors, children
from handlers.callbacks import KpiCb, PracticesCb, ProgrammesCb, ReportsCb, RoadmapCb, UnitRiskCb

CHILDREN_PAGE = 8
CURATORS_SHOWN = 20  # a unit's curators listed in its curators' screen (there are rarely more than a few)
PARTICIPANTS_PAGE = 10
AWAITING_PAGE = 10
LINKS_PAGE = 5
ASK_NAMES_SHOWN = 40  # names listed when asking to confirm a whole class or list
CLASS_BUTTONS_PER_ROW = 4

# Short codes used in callback data.
ROLE_CODES: dict[str, str | None] = {"a": None, "m": "mentor", "e": "mentee"}
STATUS_CODES: dict[str, str | None] = {"a": None, "c": "active", "w": "awaiting_consent"}
KIND_CODES: dict[str, str] = {"r": "region", "m": "municipality", "o": "organisation"}
CODE_OF_KIND = {v: k for k, v in KIND_CODES.items()}
ORG_TYPE_CODES: dict[str, str] = {t[0]: t for t in ORG_TYPES}  # s, c, a, e
CODE_OF_ORG_TYPE = {v: k for k, v in ORG_TYPE_CODES.items()}
UNLIMITED = 0


class CuNav(CallbackData, prefix="cu"):
    """A unit's view; id 0 is the top (all regions for admins, the roles of a curator)."""

    id: int
    p: int = 0


class CuPl(CallbackData, prefix="cp"):
    """An organisation's participants: role filter, status filter, page."""

    o: int
    r: str = "a"
    s: str = "a"
    p: int = 0


class CuPc(CallbackData, prefix="cc"):
    """A participant's card; r/s/p bring the list back as it was."""

    id: int
    r: str = "a"
    s: str = "a"
    p: int = 0


class CuAw(CallbackData, prefix="ca"):
    """Participants awaiting their parents' consent."""

    o: int
    p: int = 0


class CuCf(CallbackData, prefix="cf"):
    """Confirm a parent's consent; b: 'a' back to the awaiting list, 'c' back to the card."""

    id: int
    b: str = "a"
    r: str = "a"
    s: str = "a"
    p: int = 0


class CuAl(CallbackData, prefix="cal"):
    """The awaiting-consent list as opened at t (seconds since the epoch; 0 = now): class f, page p."""

    o: int
    f: str = "a"
    p: int = 0
    t: int = 0


class CuAs(CallbackData, prefix="cas"):
    """Mark (or unmark) a person of that list, by id: the press acts on the person shown."""

    o: int
    id: int
    f: str = "a"
    p: int = 0
    t: int = 0


class CuAb(CallbackData, prefix="cab"):
    """Act on that list: a = s confirm the marked, c clear the marks, l ask to confirm everyone
    awaiting on the list (of class f), L confirm them; n is the number the button showed."""

    o: int
    a: str
    n: int = 0
    f: str = "a"
    p: int = 0
    t: int = 0


class CuAu(CallbackData, prefix="cau"):
    """Undo a batch of confirmed consents (id), back to the list of organisation o."""

    id: int
    o: int
    f: str = "a"
    p: int = 0
    t: int = 0


class CuLk(CallbackData, prefix="cl"):
    """An organisation's active participant links."""

    o: int
    p: int = 0


class CuNl(CallbackData, prefix="cn"):
    """A new participant link, one choice per step: role (x = not yet), days (0), uses (-1; 0 = unlimited)."""

    o: int
    r: str = "x"
    d: int = 0
    u: int = -1


class CuRv(CallbackData, prefix="cr"):
    """Revoke a link: ok=0 asks, ok=1 revokes; p is the links page to come back to."""

    id: int
    ok: int = 0
    p: int = 0


class CuCi(CallbackData, prefix="ck"):
    """Invite a curator of a unit: ok=0 asks, ok=1 creates the one-use link."""

    id: int
    ok: int = 0


class CuCu(CallbackData, prefix="cuv"):
    """A unit's curators and its pending curator invitations."""

    id: int


class CuCw(CallbackData, prefix="cuw"):
    """Revoke a pending curator invitation (back to its unit's curators)."""

    id: int


class CuMk(CallbackData, prefix="cm"):
    """Create a child unit under id (0 = a region at the top)."""

    id: int


class CuOt(CallbackData, prefix="co"):
    """The type of the organisation being created under municipality id."""

    id: int
    t: str


class CuX(CallbackData, prefix="cx"):
    """Cancel creating a unit; back to the view of id."""

    id: int


View = tuple[str, InlineKeyboardMarkup]


@dataclass
class Ctx:
    """What every view needs about the request."""

    t: Translate
    locale: str
    settings: Settings
    now: datetime
    access: Access
    bot_username: str = ""


def btn(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def kb(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[row for row in rows if row])


def tz_of(unit: Unit | None, settings: Settings) -> ZoneInfo:
    for name in ((unit.timezone if unit is not None else None), settings.timezone):
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def fmt_date(moment: datetime, ctx: Ctx, unit: Unit | None = None) -> str:
    local = moment.astimezone(tz_of(unit, ctx.settings)).date()
    pattern = "dd.MM.y" if ctx.locale == "ru" else "d MMM y"
    return format_date(local, pattern, locale=ctx.locale)


def pager(ctx: Ctx, page: int, total_pages: int, make: Callable[[int], CallbackData]) -> list[InlineKeyboardButton]:
    if total_pages <= 1:
        return []
    row = []
    if page > 0:
        row.append(btn(ctx.t("cur-btn-prev"), make(page - 1)))
    row.append(btn(ctx.t("cur-page", page=page + 1, pages=total_pages), make(page)))
    if page < total_pages - 1:
        row.append(btn(ctx.t("cur-btn-next"), make(page + 1)))
    return row


def counts_line(ctx: Ctx, counts: dict[str, int]) -> str:
    return ctx.t("cur-counts", mentors=counts["mentor"], mentees=counts["mentee"], awaiting=counts["awaiting"])


def unit_title(ctx: Ctx, unit: Unit) -> str:
    if unit.kind == "organisation" and unit.org_type:
        return ctx.t("cur-title-organisation", name=unit.name, type=ctx.t(f"cur-orgtype-{unit.org_type}"))
    return ctx.t(f"cur-title-{unit.kind}", name=unit.name)


def with_notice(text: str, notice: str | None) -> str:
    return f"{notice}\n\n{text}" if notice else text


async def up_button(session: AsyncSession, ctx: Ctx, unit: Unit) -> InlineKeyboardButton | None:
    """Up to the parent while it is in the actor's scope; then to the top list, if there is one."""
    if unit.parent_id is not None:
        parent = await session.get(Unit, unit.parent_id)
        if ctx.access.contains(parent):
            return btn(ctx.t("cur-btn-up", name=parent.name), CuNav(id=parent.id))
    if ctx.access.is_admin or len(ctx.access.menu_roots) > 1:
        return btn(ctx.t("cur-btn-top"), CuNav(id=0))
    return None


# ---------------------------------------------------------------------------------------------
# the top and unit views
# ---------------------------------------------------------------------------------------------
def monitoring_rows(ctx: Ctx, unit: Unit) -> list[list[InlineKeyboardButton]]:
    """The monitoring entry points of a unit: pairs at risk, roadmap, KPIs, reports, best practices."""
    return [
        [btn(ctx.t("att-btn-unit-risk"), UnitRiskCb(uid=unit.id))],
        [btn(ctx.t("mon-btn-roadmap"), RoadmapCb(uid=unit.id)), btn(ctx.t("mon-btn-kpi"), KpiCb(uid=unit.id))],
        [btn(ctx.t("mon-btn-reports"), ReportsCb(uid=unit.id)), btn(ctx.t("mon-btn-practices"), PracticesCb(uid=unit.id))],
    ]


async def top_view(session: AsyncSession, ctx: Ctx, page: int = 0, notice: str | None = None) -> View:
    access = ctx.access
    if not access.is_admin:
        roots = access.menu_roots
        if len(roots) == 1:
            return await unit_view(session, ctx, roots[0], page, notice)
        counts = await subtree_counts(session, roots)
        lines = [ctx.t("cur-top-title")]
        rows = [[btn(ctx.t("cur-child-button", name=u.name, mentors=counts[u.id]["mentor"],
                           mentees=counts[u.id]["mentee"]), CuNav(id=u.id))] for u in roots]
        return with_notice("\n".join(lines), notice), kb(rows)
    regions = await children(session, None)
    total_pages = pages(len(regions), CHILDREN_PAGE)
    page = clamp_page(page, len(regions), CHILDREN_PAGE)
    shown = regions[page * CHILDREN_PAGE:(page + 1) * CHILDREN_PAGE]
    counts = await subtree_counts(session, shown, include_root=True)
    lines = [ctx.t("adm-top-title"), counts_line(ctx, counts[0]), ""]
    lines.append(ctx.t("cur-children-region", n=len(regions)) if regions else ctx.t("adm-no-regions"))
    rows = [[btn(ctx.t("cur-child-button", name=u.name, mentors=counts[u.id]["mentor"],
                       mentees=counts[u.id]["mentee"]), CuNav(id=u.id))] for u in shown]
    rows.append(pager(ctx, page, total_pages, lambda p: CuNav(id=0, p=p)))
    rows.append([btn(ctx.t("adm-btn-new-region"), CuMk(id=0))])
    return with_notice("\n".join(lines), notice), kb(rows)


async def unit_view(session: AsyncSession, ctx: Ctx, unit: Unit, page: int = 0, notice: str | None = None) -> View:
    if unit.kind == "organisation":
        return await org_view(session, ctx, unit, notice)
    kids = await children(session, unit)
    total_pages = pages(len(kids), CHILDREN_PAGE)
    page = clamp_page(page, len(kids), CHILDREN_PAGE)
    shown = kids[page * CHILDREN_PAGE:(page + 1) * CHILDREN_PAGE]
    counts = await subtree_counts(session, [unit, *shown])
    lines = [unit_title(ctx, unit)]
    trail = [u.name for u in await ancestors(session, unit) if u.id != unit.id and ctx.access.contains(u)]
    if trail:
        lines.append(ctx.t("cur-trail", trail=" › ".join(trail)))
    lines.append(counts_line(ctx, counts[unit.id]))
    curators_line, curators_row = await curators_summary(session, ctx, unit)
    lines.append(curators_line)
    lines.append("")
    child_kind = CHILD_KIND[unit.kind]
    lines.append(ctx.t(f"cur-children-{child_kind}", n=len(kids)) if kids else ctx.t(f"cur-no-children-{child_kind}"))
    rows = [[btn(ctx.t("cur-child-button", name=u.name, mentors=counts[u.id]["mentor"],
                       mentees=counts[u.id]["mentee"]), CuNav(id=u.id))] for u in shown]
    rows.append(pager(ctx, page, total_pages, lambda p: CuNav(id=unit.id, p=p)))
    if ctx.access.can_create_under(unit):
        rows.append([btn(ctx.t(f"cur-btn-new-{child_kind}"), CuMk(id=unit.id))])
    rows.append(curators_row)
    rows.append([btn(ctx.t("prog-btn-programmes"), ProgrammesCb(uid=unit.id))])
    rows.extend(monitoring_rows(ctx, unit))
    up = await up_button(session, ctx, unit)
    rows.append([up] if up else [])
    return with_notice("\n".join(lines), notice), kb(rows)


async def org_view(session: AsyncSession, ctx: Ctx, org: Unit, notice: str | None = None) -> View:
    counts = (await subtree_counts(session, [org]))[org.id]
    lines = [unit_title(ctx, org)]
    trail = [u.name for u in await ancestors(session, org) if u.id != org.id and ctx.access.contains(u)]
    if trail:
        lines.append(ctx.t("cur-trail", trail=" › ".join(trail)))
    lines.append(counts_line(ctx, counts))
    curators_line, curators_row = await curators_summary(session, ctx, org)
    lines.append(curators_line)
    rows = [
        [btn(ctx.t("cur-btn-participants", n=counts["total"]), CuPl(o=org.id))],
        [btn(ctx.t("cur-btn-awaiting", n=counts["awaiting"]), CuAw(o=org.id))],
        [btn(ctx.t("cur-btn-links"), CuLk(o=org.id))],
        [btn(ctx.t("prog-btn-programmes"), ProgrammesCb(uid=org.id))],
        *monitoring_rows(ctx, org),
        curators_row,
    ]
    up = await up_button(session, ctx, org)
    rows.append([up] if up else [])
    return with_notice("\n".join(lines), notice), kb(rows)


# ---------------------------------------------------------------------------------------------
# participants
# ---------------------------------------------------------------------------------------------
def details(ctx: Ctx, p: Participant) -> str:
    parts = [ctx.t(f"cur-cat-{p.category}")]
    if p.grade:
        parts.append(ctx.t("cur-grade", grade=p.grade))
    if p.course:
        parts.append(ctx.t("cur-course", course=p.course))
    if p.company:
        parts.append(short(p.company, 60))
    return ", ".join(parts)


def short(text: str, limit: int = BUTTON_MAX) -> str:
    """A long text for a button or a summary line, cut between words with "…" (domain.text.shorten);
    the screen it leads to shows it in full."""
    return shorten(text, limit)


def participant_line(ctx: Ctx, n: int, p: Participant) -> str:
    return ctx.t("cur-pline", n=n, name=p.full_name or "—", role=ctx.t(f"cur-role-{p.role}"),
                 details=details(ctx, p), status=ctx.t(f"cur-status-{p.status}"))


async def participants_view(session: AsyncSession, ctx: Ctx, org: Unit, r: str, s: str, page: int,
                            notice: str | None = None) -> View:
    flt = ParticipantFilter(role=ROLE_CODES[r], status=STATUS_CODES[s])
    people, total = await list_participants(session, org, flt, max(page, 0), PARTICIPANTS_PAGE)
    total_pages = pages(total, PARTICIPANTS_PAGE)
    if page >= total_pages or page < 0:  # a stale page number: show the last one there is
        page = clamp_page(page, total, PARTICIPANTS_PAGE)
        people, total = await list_participants(session, org, flt, page, PARTICIPANTS_PAGE)
    lines = [ctx.t("cur-plist-title", name=org.name),
             ctx.t("cur-plist-filter", role=ctx.t(f"cur-f-role-{r}"), status=ctx.t(f"cur-f-status-{s}")),
             ctx.t("cur-plist-found", n=total) if total else ctx.t("cur-plist-empty")]
    if people:
        lines.append("")
        first = page * PARTICIPANTS_PAGE
        lines.extend(participant_line(ctx, first + i + 1, p) for i, p in enumerate(people))
    mark = ctx.t("cur-mark")
    role_row = [btn((mark if code == r else "") + ctx.t(f"cur-f-role-{code}"), CuPl(o=org.id, r=code, s=s))
                for code in ROLE_CODES]
    status_row = [btn((mark if code == s else "") + ctx.t(f"cur-f-status-{code}"), CuPl(o=org.id, r=r, s=code))
                  for code in STATUS_CODES]
    rows = [role_row, status_row]
    first = page * PARTICIPANTS_PAGE
    person_buttons = [btn(f"{first + i + 1}. {p.full_name or '—'}", CuPc(id=p.id, r=r, s=s, p=page))
                      for i, p in enumerate(people)]
    rows.extend(person_buttons[i:i + 2] for i in range(0, len(person_buttons), 2))
    rows.append(pager(ctx, page, total_pages, lambda pg: CuPl(o=org.id, r=r, s=s, p=pg)))
    rows.append([btn(ctx.t("cur-btn-back-org", name=org.name), CuNav(id=org.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


async def card_view(session: AsyncSession, ctx: Ctx, p: Participant, org: Unit, r: str, s: str, page: int,
                    notice: str | None = None, undo_batch: int | None = None) -> View:
    lines = [
        ctx.t("cur-card", name=p.full_name or "—", role=ctx.t(f"cur-role-{p.role}"), details=details(ctx, p),
              year=str(p.birth_year or "—"), status=ctx.t(f"cur-status-{p.status}"), org=org.name,
              registered=fmt_date(p.registered_at, ctx, org)),
    ]
    if p.parental_consent_at is not None:
        lines.append(ctx.t("cur-card-consent", date=fmt_date(p.parental_consent_at, ctx, org)))
    if p.role == "mentor" and p.capacity:
        lines.append(ctx.t("cur-card-capacity", n=p.capacity))
    rows = []
    if p.status == "awaiting_consent":
        rows.append([btn(ctx.t("cur-btn-confirm-consent"), CuCf(id=p.id, b="c", r=r, s=s, p=page))])
    if undo_batch is not None:
        until = local_time(ctx.now + consents.UNDO_WINDOW, ctx, org)
        rows.append([btn(ctx.t("cur-btn-undo-consents", n=1, time=until), CuAu(id=undo_batch, o=org.id))])
    rows.append([btn(ctx.t("cur-btn-back-list"), CuPl(o=org.id, r=r, s=s, p=page))])
    return with_notice("\n".join(lines), notice), kb(rows)


def class_label(ctx: Ctx, code: str) -> str:
    """A class of the awaiting list in words: "7th grade", "2nd year", "the whole list"."""
    kind, n = consents.parse_class(code) or ("a", None)
    if kind == "g":
        return ctx.t("cur-await-of-grade", grade=n)
    if kind == "c":
        return ctx.t("cur-await-of-course", course=n)
    return ctx.t("cur-await-of-other" if kind == "x" else "cur-await-of-all")


def class_button_text(ctx: Ctx, code: str, n: int) -> str:
    kind, number = consents.parse_class(code) or ("a", None)
    if kind == "g":
        return ctx.t("cur-await-class-grade", grade=number, n=n)
    if kind == "c":
        return ctx.t("cur-await-class-course", course=number, n=n)
    return ctx.t("cur-await-class-other" if kind == "x" else "cur-await-class-all", n=n)


def local_time(moment: datetime, ctx: Ctx, unit: Unit | None) -> str:
    return moment.astimezone(tz_of(unit, ctx.settings)).strftime("%H:%M")


async def awaiting_list_view(session: AsyncSession, ctx: Ctx, org: Unit, f: str, page: int, anchor: int,
                             marks: set[int], actor_id: int | None, notice: str | None = None) -> View:
    """People awaiting their parents' consent, as the list was at ``anchor``: each with a button
    to mark them (keyed by id), confirmed ones kept in place with a tick; class filters; confirm
    the marked, or a whole class or list; undo the curator's latest confirmation while it can be."""
    since = consents.since_of(anchor)
    people, total, waiting = await consents.consent_list(session, org, since, f, max(page, 0), AWAITING_PAGE)
    total_pages = pages(total, AWAITING_PAGE)
    if page >= total_pages or page < 0:
        page = clamp_page(page, total, AWAITING_PAGE)
        people, total, waiting = await consents.consent_list(session, org, since, f, page, AWAITING_PAGE)
    classes = await consents.consent_list_classes(session, org, since)
    lines = [ctx.t("cur-await-title", name=org.name)]
    if f != "a":
        lines.append(ctx.t("cur-await-filter", cls=class_label(ctx, f)))
    if not total:
        lines.append(ctx.t("cur-await-empty"))
    else:
        lines.append(ctx.t("cur-await-found", n=waiting) if waiting else ctx.t("cur-await-none-left"))
        lines.append("")
    first = page * AWAITING_PAGE
    rows: list[list[InlineKeyboardButton]] = []
    for i, p in enumerate(people):
        n, name = first + i + 1, short(p.full_name or "—", 60)
        if p.status == "awaiting_consent":
            lines.append(ctx.t("cur-await-line", n=n, name=name, details=details(ctx, p), year=str(p.birth_year or "—")))
            key = "cur-await-btn-on" if p.id in marks else "cur-await-btn-off"
        else:
            lines.append(ctx.t("cur-await-line-done", n=n, name=name))
            key = "cur-await-btn-done"
        rows.append([btn(ctx.t(key, n=n, name=name), CuAs(o=org.id, id=p.id, f=f, p=page, t=anchor))])
    if waiting:
        lines.append("")
        lines.append(ctx.t("cur-await-hint"))
    rows.append(pager(ctx, page, total_pages, lambda pg: CuAl(o=org.id, f=f, p=pg, t=anchor)))
    live_marks = await consents.awaiting_among(session, org, marks) if marks else []
    if live_marks:
        rows.append([btn(ctx.t("cur-btn-confirm-marked", n=len(live_marks)),
                         CuAb(o=org.id, a="s", n=len(live_marks), f=f, p=page, t=anchor)),
                     btn(ctx.t("cur-btn-clear-marks"), CuAb(o=org.id, a="c", f=f, p=page, t=anchor))])
    if waiting:
        text = ctx.t("cur-btn-confirm-all", n=waiting) if f == "a" else \
            ctx.t("cur-btn-confirm-class", cls=class_label(ctx, f), n=waiting)
        rows.append([btn(text, CuAb(o=org.id, a="l", n=waiting, f=f, p=page, t=anchor))])
    if len(classes) > 1 or f != "a":
        all_waiting = sum(n for _, n in classes)
        mark = ctx.t("cur-mark")
        filters = [btn((mark if f == "a" else "") + class_button_text(ctx, "a", all_waiting), CuAl(o=org.id, t=anchor))]
        filters += [btn((mark if f == code else "") + class_button_text(ctx, code, n), CuAl(o=org.id, f=code, t=anchor))
                    for code, n in classes]
        rows.extend(filters[i:i + CLASS_BUTTONS_PER_ROW] for i in range(0, len(filters), CLASS_BUTTONS_PER_ROW))
    if actor_id is not None:
        undoable = await consents.latest_undoable(session, actor_id, org, ctx.now)
        if undoable is not None:
            batch, n = undoable
            until = local_time(batch.created_at + consents.UNDO_WINDOW, ctx, org)
            rows.append([btn(ctx.t("cur-btn-undo-consents", n=n, time=until),
                             CuAu(id=batch.id, o=org.id, f=f, p=page, t=anchor))])
    rows.append([btn(ctx.t("cur-btn-refresh"), CuAl(o=org.id, f=f))])
    rows.append([btn(ctx.t("cur-btn-back-org", name=org.name), CuNav(id=org.id))])
    return with_notice("\n".join(lines).rstrip("\n"), notice), kb(rows)


def confirm_all_view(ctx: Ctx, org: Unit, f: str, page: int, anchor: int, waiting: list[tuple[int, str | None]]
                     ) -> View:
    """Ask before confirming a whole class or list at once, naming whom it takes."""
    names = [short(name or "—", 60) for _, name in waiting[:ASK_NAMES_SHOWN]]
    if len(waiting) > ASK_NAMES_SHOWN:
        names.append("…")
    text = ctx.t("cur-confirm-all-ask", n=len(waiting), cls=class_label(ctx, f), names=", ".join(names),
                 minutes=consents.CONSENT_UNDO_MINUTES)
    rows = [[btn(ctx.t("cur-btn-confirm-all-yes", n=len(waiting)),
                 CuAb(o=org.id, a="L", n=len(waiting), f=f, p=page, t=anchor)),
             btn(ctx.t("cur-btn-no"), CuAl(o=org.id, f=f, p=page, t=anchor))]]
    return text, kb(rows)


# ---------------------------------------------------------------------------------------------
# invitation links
# ---------------------------------------------------------------------------------------------
def role_label(ctx: Ctx, role: str | None) -> str:
    return ctx.t(f"cur-link-role-{role or 'any'}")


def uses_label(ctx: Ctx, inv: Invitation) -> str:
    if inv.max_uses is None:
        return ctx.t("cur-link-uses-unlimited", uses=inv.uses)
    return ctx.t("cur-link-uses", uses=inv.uses, max=inv.max_uses)


def expiry_label(ctx: Ctx, inv: Invitation, unit: Unit) -> str:
    if inv.expires_at is None:
        return ctx.t("cur-link-no-expiry")
    return ctx.t("cur-link-until", date=fmt_date(inv.expires_at, ctx, unit))


def link_summary(ctx: Ctx, inv: Invitation, unit: Unit) -> str:
    return ctx.t("cur-link-line", role=role_label(ctx, inv.role), until=expiry_label(ctx, inv, unit),
                 uses=uses_label(ctx, inv))


async def links_view(session: AsyncSession, ctx: Ctx, org: Unit, page: int, notice: str | None = None) -> View:
    active = await invitations.active_for_unit(session, org, "participant", ctx.now)
    total_pages = pages(len(active), LINKS_PAGE)
    page = clamp_page(page, len(active), LINKS_PAGE)
    shown = active[page * LINKS_PAGE:(page + 1) * LINKS_PAGE]
    lines = [ctx.t("cur-links-title", name=org.name)]
    if not active:
        lines.append(ctx.t("cur-links-empty"))
    else:
        lines.append(ctx.t("cur-links-found", n=len(active)))
    first = page * LINKS_PAGE
    for i, inv in enumerate(shown):
        lines.append("")
        lines.append(f"{first + i + 1}. {link_summary(ctx, inv, org)}")
        lines.append(invitations.link(ctx.bot_username, inv))
    revoke = [btn(ctx.t("cur-btn-revoke", n=first + i + 1), CuRv(id=inv.id, p=page)) for i, inv in enumerate(shown)]
    rows = [revoke[i:i + 3] for i in range(0, len(revoke), 3)]
    rows.append(pager(ctx, page, total_pages, lambda pg: CuLk(o=org.id, p=pg)))
    rows.append([btn(ctx.t("cur-btn-new-link"), CuNl(o=org.id))])
    rows.append([btn(ctx.t("cur-btn-back-org", name=org.name), CuNav(id=org.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


def new_link_view(ctx: Ctx, org: Unit, data: CuNl) -> View:
    """One step of the new-link dialog; the caller creates the link once all three are chosen."""
    back = [btn(ctx.t("cur-btn-cancel"), CuLk(o=org.id))]
    if data.r == "x":
        text = ctx.t("cur-new-link-role", name=org.name)
        rows = [[btn(ctx.t(f"cur-link-role-{ROLE_CODES[c] or 'any'}"), CuNl(o=org.id, r=c))] for c in ROLE_CODES]
    elif data.d == 0:
        text = ctx.t("cur-new-link-days", name=org.name, role=role_label(ctx, ROLE_CODES[data.r]))
        rows = [[btn(ctx.t("cur-days", n=d), CuNl(o=org.id, r=data.r, d=d)) for d in invitations.EXPIRY_CHOICES_DAYS]]
    else:
        text = ctx.t("cur-new-link-uses", name=org.name, role=role_label(ctx, ROLE_CODES[data.r]),
                     days=ctx.t("cur-days", n=data.d))
        rows = [[btn(str(u), CuNl(o=org.id, r=data.r, d=data.d, u=u)) for u in invitations.USES_CHOICES],
                [btn(ctx.t("cur-uses-unlimited"), CuNl(o=org.id, r=data.r, d=data.d, u=UNLIMITED))]]
    rows.append(back)
    return text, kb(rows)


def link_created_view(ctx: Ctx, org: Unit, inv: Invitation) -> View:
    text = ctx.t("cur-link-created", name=org.name, summary=link_summary(ctx, inv, org),
                 link=invitations.link(ctx.bot_username, inv))
    rows = [[btn(ctx.t("cur-btn-links"), CuLk(o=org.id))],
            [btn(ctx.t("cur-btn-back-org", name=org.name), CuNav(id=org.id))]]
    return text, kb(rows)


def revoke_confirm_view(ctx: Ctx, unit: Unit, inv: Invitation, page: int) -> View:
    text = ctx.t("cur-revoke-ask", name=unit.name, summary=link_summary(ctx, inv, unit))
    rows = [[btn(ctx.t("cur-btn-revoke-yes"), CuRv(id=inv.id, ok=1, p=page)),
             btn(ctx.t("cur-btn-no"), CuLk(o=unit.id, p=page))]]
    return text, kb(rows)


# ---------------------------------------------------------------------------------------------
# a unit's curators and inviting one
# ---------------------------------------------------------------------------------------------
def invite_kind(ctx: Ctx, unit: Unit) -> str:
    """'cocurator' when the actor is a curator of this very unit (the invited person joins them),
    'curator' for a unit below (or for an administrator)."""
    return "cocurator" if ctx.access.is_own_unit(unit) else "curator"


def invite_button(ctx: Ctx, unit: Unit) -> InlineKeyboardButton | None:
    if not ctx.access.can_invite_curator(unit):
        return None
    return btn(ctx.t(f"cur-btn-invite-{invite_kind(ctx, unit)}"), CuCi(id=unit.id))


async def curators_summary(session: AsyncSession, ctx: Ctx, unit: Unit) -> tuple[str, list[InlineKeyboardButton]]:
    """The unit view's line naming the unit's curators, and its row: their screen, invite one."""
    found = await unit_curators(session, unit)
    names = [short(user.full_name or "—", 60) for _, user in found[:CURATORS_SHOWN]]
    if len(found) > CURATORS_SHOWN:
        names.append("…")
    line = ctx.t("cur-curators-line", names=", ".join(names)) if found else ctx.t("cur-curators-none")
    row = [btn(ctx.t("cur-btn-curators", n=len(found)), CuCu(id=unit.id))]
    invite = invite_button(ctx, unit)
    if invite is not None:
        row.append(invite)
    return line, row


async def curators_view(session: AsyncSession, ctx: Ctx, unit: Unit, notice: str | None = None) -> View:
    """Who curates the unit (since when), and the curator invitations not yet accepted (newest
    first, revocable by whoever may invite here)."""
    found = await unit_curators(session, unit)
    lines = [ctx.t("cur-curators-title", unit=unit_title(ctx, unit))]
    if not found:
        lines.append(ctx.t("cur-curators-none"))
    for i, (role, user) in enumerate(found[:CURATORS_SHOWN]):
        lines.append(ctx.t("cur-curator-line", n=i + 1, name=short(user.full_name or "—", 60),
                           since=fmt_date(role.created_at, ctx, unit)))
    rows: list[list[InlineKeyboardButton]] = []
    if ctx.access.can_invite_curator(unit):
        pending = await invitations.active_for_unit(session, unit, "curator", ctx.now)
        lines.append("")
        lines.append(ctx.t("cur-curator-invites", n=len(pending)) if pending else ctx.t("cur-curator-invites-none"))
        for i, inv in enumerate(pending):
            lines.append(ctx.t("cur-curator-invite-line", n=i + 1, until=expiry_label(ctx, inv, unit)))
        revoke = [btn(ctx.t("cur-btn-revoke-invite", n=i + 1), CuCw(id=inv.id)) for i, inv in enumerate(pending)]
        rows.extend(revoke[i:i + 3] for i in range(0, len(revoke), 3))
        rows.append([invite_button(ctx, unit)])
    rows.append([btn(ctx.t("cur-btn-back-unit", name=unit.name), CuNav(id=unit.id))])
    return with_notice("\n".join(lines), notice), kb(rows)


def curator_invite_ask_view(ctx: Ctx, unit: Unit) -> View:
    text = ctx.t(f"cur-{invite_kind(ctx, unit)}-invite-ask", unit=unit_title(ctx, unit),
                 days=ctx.t("cur-days", n=ctx.settings.invitation_default_days))
    rows = [[btn(ctx.t("cur-btn-create-link"), CuCi(id=unit.id, ok=1)),
             btn(ctx.t("cur-btn-cancel"), CuNav(id=unit.id))]]
    return text, kb(rows)


def curator_invite_created_view(ctx: Ctx, unit: Unit, inv: Invitation) -> View:
    text = ctx.t(f"cur-{invite_kind(ctx, unit)}-invite-created", unit=unit_title(ctx, unit),
                 until=expiry_label(ctx, inv, unit), link=invitations.link(ctx.bot_username, inv))
    rows = [[btn(ctx.t("cur-btn-curators-of", name=unit.name), CuCu(id=unit.id))],
            [btn(ctx.t("cur-btn-back-unit", name=unit.name), CuNav(id=unit.id))]]
    return text, kb(rows)


def curator_invite_forward_text(ctx: Ctx, unit: Unit, inv: Invitation) -> str:
    return ctx.t(f"cur-{invite_kind(ctx, unit)}-invite-forward", unit=unit_title(ctx, unit),
                 until=expiry_label(ctx, inv, unit), link=invitations.link(ctx.bot_username, inv))


# ---------------------------------------------------------------------------------------------
# creating units
# ---------------------------------------------------------------------------------------------
def ask_name_view(ctx: Ctx, parent: Unit | None, kind: str) -> View:
    text = ctx.t(f"cur-ask-name-{kind}", parent=parent.name if parent else "")
    return text, kb([[btn(ctx.t("cur-btn-cancel"), CuX(id=parent.id if parent else 0))]])


def ask_org_type_view(ctx: Ctx, parent: Unit, name: str) -> View:
    text = ctx.t("cur-ask-org-type", name=name, parent=parent.name)
    rows = [[btn(ctx.t(f"cur-orgtype-{t}"), CuOt(id=parent.id, t=CODE_OF_ORG_TYPE[t]))] for t in ORG_TYPES]
    rows.append([btn(ctx.t("cur-btn-cancel"), CuX(id=parent.id))])
    return text, kb(rows)

