"""/curator and /admin: one navigable menu over the actor's scope.

Every update recomputes the actor's reach from the database (``domain.curation.access_for``):
a revoked curator loses access at once. Every id that comes in a callback is loaded through
that reach; anything outside it, missing, or of the wrong kind gets the same "not found or not
yours" answer and changes nothing, so nothing leaks about other organisations.
"""
from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiogram import BaseMiddleware, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, TelegramObject
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translate
from db.models import Unit
from domain import consents, invitations
from domain.curation import access_for, actor_user, invitation_in_access, participant_in_access, unit_in_access
from domain.people import audit
from domain.rules import CHILD_KIND, Invalid
from domain.units import create_unit, parse_unit_name
from handlers import curator_views as v
from handlers.curator_views import (
    CuAb,
    CuAl,
    CuAs,
    CuAu,
    CuAw,
    CuCf,
    CuCi,
    CuCu,
    CuCw,
    CuLk,
    CuMk,
    CuNav,
    CuNl,
    CuOt,
    CuPc,
    CuPl,
    CuRv,
    CuX,
    Ctx,
)

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

FORM_PREFIX = "cur_"  # the unit dialog's data keys: cur_parent, cur_kind, cur_name
MARKS_KEY = "cw_marks"  # who the curator marked on an awaiting-consent list: {"o": org, "t": anchor, "ids": [...]}


class CuratorForm(StatesGroup):
    unit_name = State()
    org_type = State()


async def with_attention(session: AsyncSession, ctx: Ctx, user: Any, view: tuple[str, InlineKeyboardMarkup]
                         ) -> tuple[str, InlineKeyboardMarkup]:
    """``/curator`` with what needs the curator's attention on top (handlers/attention.py)."""
    from handlers.attention import with_attention as prepend  # it builds on this module

    return await prepend(session, ctx, user, view)


async def make_ctx(session: AsyncSession, data: dict[str, Any], *, with_username: bool = False) -> Ctx:
    access = await access_for(session, data.get("user"), bool(data.get("is_admin")))
    ctx = Ctx(t=data["t"], locale=data["t"].locale, settings=data["settings"], now=data["now"], access=access)
    if with_username:
        app: App = data["app"]
        ctx.bot_username = await app.bot_username()
    return ctx


async def show(query: CallbackQuery, view: tuple[str, InlineKeyboardMarkup]) -> None:
    """Edit the menu message in place; send a new one when it can no longer be edited."""
    text, markup = view
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as exc:
            if "not modified" in str(exc):
                return
            log.info("menu message could not be edited (%s); sending a new one", exc)
    await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def refuse(query: CallbackQuery, ctx: Ctx) -> None:
    key = "cur-not-found" if ctx.access.any else "cur-only-curators"
    await query.answer(ctx.t(key), show_alert=True)


async def end_dialog(state: FSMContext, group: type[StatesGroup], prefix: str) -> None:
    """Leave a half-done curator dialog: its state, and its data keys (all start with prefix)."""
    if (await state.get_state() or "").startswith(f"{group.__name__}:"):
        await state.set_state(None)
    data = await state.get_data()
    if any(k.startswith(prefix) for k in data):
        await state.set_data({k: val for k, val in data.items() if not k.startswith(prefix)})


# Text-taking dialogs of the curator menus; other features register theirs (handlers/programmes.py).
CURATOR_DIALOGS: list[tuple[type[StatesGroup], str]] = [(CuratorForm, FORM_PREFIX)]


async def end_form(state: FSMContext) -> None:
    """Navigating the menu abandons every half-done dialog, so text typed later creates nothing."""
    for group, prefix in CURATOR_DIALOGS:
        await end_dialog(state, group, prefix)


async def org_in_access(session: AsyncSession, ctx: Ctx, org_id: int) -> Unit | None:
    unit = await unit_in_access(session, ctx.access, org_id)
    return unit if unit is not None and unit.kind == "organisation" else None


async def load_marks(state: FSMContext, org_id: int, anchor: int) -> set[int]:
    """The people marked on the list of ``org_id`` opened at ``anchor`` (marks of another list: none)."""
    stored = (await state.get_data()).get(MARKS_KEY) or {}
    if stored.get("o") != org_id or stored.get("t") != anchor:
        return set()
    return {int(i) for i in stored.get("ids") or []}


async def save_marks(state: FSMContext, org_id: int, anchor: int, ids: set[int]) -> None:
    await state.update_data({MARKS_KEY: {"o": org_id, "t": anchor, "ids": sorted(ids)}})


async def awaiting_list(session: AsyncSession, ctx: Ctx, state: FSMContext, data: dict[str, Any], org: Unit,
                        f: str, page: int, anchor: int, notice: str | None = None,
                        actor_id: int | None = None) -> tuple[str, InlineKeyboardMarkup]:
    user = data.get("user")
    marks = await load_marks(state, org.id, anchor)
    return await v.awaiting_list_view(session, ctx, org, f, page, anchor, marks,
                                      actor_id if actor_id is not None else (user.id if user else None), notice)


def names_of(people: list) -> str:
    return ", ".join(p.full_name or "—" for p in people)


def confirmed_notice(ctx: Ctx, outcome: consents.Confirmed) -> str:
    lines = []
    if outcome.confirmed:
        lines.append(ctx.t("cur-consents-done", n=len(outcome.confirmed), minutes=consents.CONSENT_UNDO_MINUTES))
    if outcome.already:
        lines.append(ctx.t("cur-consents-already", n=len(outcome.already)))
    skipped = len(outcome.not_needed) + len(outcome.missing)
    if skipped:
        lines.append(ctx.t("cur-consents-skipped", n=skipped))
    return "\n".join(lines)


def undone_notice(ctx: Ctx, outcome: consents.Undone) -> str:
    lines = []
    if outcome.restored:
        lines.append(ctx.t("cur-consents-undone", n=len(outcome.restored)))
    if outcome.told:
        lines.append(ctx.t("cur-consents-undone-told", names=names_of(outcome.told)))
    if outcome.paired:
        lines.append(ctx.t("cur-consents-undone-paired", names=names_of(outcome.paired)))
    if not lines:
        lines.append(ctx.t("cur-consents-undone-nothing"))
    return "\n".join(lines)


class EndFormOnNavigation(BaseMiddleware):
    """Pressing any other menu button abandons a half-done "create a unit" dialog.

    Otherwise a name typed much later would still create a unit under the old parent.
    """

    KEEP = (CuMk.__prefix__, CuOt.__prefix__, CuX.__prefix__)

    async def __call__(self, handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        state: FSMContext | None = data.get("state")
        if state is not None and isinstance(event, CallbackQuery) and \
                (event.data or "").split(":", 1)[0] not in self.KEEP:
            await end_form(state)
        return await handler(event, data)


def build_router() -> Router:
    router = Router(name="curator")
    router.callback_query.middleware(EndFormOnNavigation())

    # -----------------------------------------------------------------------------------------
    # commands
    # -----------------------------------------------------------------------------------------
    @router.message(Command("curator"))
    async def cmd_curator(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        if not ctx.access.any:
            await message.answer(ctx.t("cur-only-curators"))
            return
        await end_form(state)
        text, markup = await with_attention(session, ctx, data.get("user"), await v.top_view(session, ctx))
        await message.answer(text, reply_markup=markup)

    @router.message(Command("admin"))
    async def cmd_admin(message: Message, session: AsyncSession, state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        if not ctx.access.is_admin:
            await message.answer(ctx.t("adm-only-admins"))
            return
        await end_form(state)
        text, markup = await v.top_view(session, ctx)
        await message.answer(text, reply_markup=markup)

    # -----------------------------------------------------------------------------------------
    # navigation
    # -----------------------------------------------------------------------------------------
    @router.callback_query(CuNav.filter())
    async def nav(query: CallbackQuery, callback_data: CuNav, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        if not ctx.access.any:
            return await refuse(query, ctx)
        if callback_data.id == 0:
            view = await v.top_view(session, ctx, callback_data.p)
            await show(query, await with_attention(session, ctx, data.get("user"), view))
            return await query.answer()
        unit = await unit_in_access(session, ctx.access, callback_data.id)
        if unit is None:
            return await refuse(query, ctx)
        view = await v.unit_view(session, ctx, unit, callback_data.p)
        if not ctx.access.is_admin and [r.id for r in ctx.access.menu_roots] == [unit.id]:  # their /curator screen
            view = await with_attention(session, ctx, data.get("user"), view)
        await show(query, view)
        await query.answer()

    # -----------------------------------------------------------------------------------------
    # participants
    # -----------------------------------------------------------------------------------------
    @router.callback_query(CuPl.filter())
    async def participants(query: CallbackQuery, callback_data: CuPl, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        org = await org_in_access(session, ctx, callback_data.o)
        if org is None or callback_data.r not in v.ROLE_CODES or callback_data.s not in v.STATUS_CODES:
            return await refuse(query, ctx)
        await show(query, await v.participants_view(session, ctx, org, callback_data.r, callback_data.s,
                                                    callback_data.p))
        await query.answer()

    @router.callback_query(CuPc.filter())
    async def card(query: CallbackQuery, callback_data: CuPc, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        person = await participant_in_access(session, ctx.access, callback_data.id)
        if person is None or callback_data.r not in v.ROLE_CODES or callback_data.s not in v.STATUS_CODES:
            return await refuse(query, ctx)
        org = await session.get(Unit, person.org_id)
        await show(query, await v.card_view(session, ctx, person, org, callback_data.r, callback_data.s,
                                            callback_data.p))
        await query.answer()

    @router.callback_query(CuAw.filter())
    async def awaiting(query: CallbackQuery, callback_data: CuAw, session: AsyncSession, state: FSMContext,
                       **data: Any) -> None:
        ctx = await make_ctx(session, data)
        org = await org_in_access(session, ctx, callback_data.o)
        if org is None:
            return await refuse(query, ctx)
        anchor = int(ctx.now.timestamp())
        await show(query, await awaiting_list(session, ctx, state, data, org, "a", callback_data.p, anchor))
        await query.answer()

    @router.callback_query(CuAl.filter())
    async def awaiting_list_page(query: CallbackQuery, callback_data: CuAl, session: AsyncSession,
                                 state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        cb = callback_data
        org = await org_in_access(session, ctx, cb.o)
        if org is None or consents.parse_class(cb.f) is None or cb.t < 0:
            return await refuse(query, ctx)
        anchor = cb.t or int(ctx.now.timestamp())  # 0: refreshed, as it is now
        await show(query, await awaiting_list(session, ctx, state, data, org, cb.f, cb.p, anchor))
        await query.answer()

    @router.callback_query(CuAs.filter())
    async def mark(query: CallbackQuery, callback_data: CuAs, session: AsyncSession, state: FSMContext,
                   **data: Any) -> None:
        ctx = await make_ctx(session, data)
        cb = callback_data
        org = await org_in_access(session, ctx, cb.o)
        person = await participant_in_access(session, ctx.access, cb.id)
        if org is None or person is None or person.org_id != org.id or consents.parse_class(cb.f) is None:
            return await refuse(query, ctx)
        if cb.t <= 0:
            return await refuse(query, ctx)
        if person.status != "awaiting_consent":
            key = "cur-consent-already" if person.parental_consent_at is not None else "cur-consent-not-needed"
            return await query.answer(ctx.t(key, name=person.full_name or "—"), show_alert=True)
        marks = await load_marks(state, org.id, cb.t)
        marks ^= {person.id}
        await save_marks(state, org.id, cb.t, marks)
        await show(query, await awaiting_list(session, ctx, state, data, org, cb.f, cb.p, cb.t))
        await query.answer()

    @router.callback_query(CuAb.filter())
    async def act_on_list(query: CallbackQuery, callback_data: CuAb, session: AsyncSession, state: FSMContext,
                          **data: Any) -> None:
        ctx = await make_ctx(session, data)
        cb = callback_data
        org = await org_in_access(session, ctx, cb.o)
        if org is None or cb.a not in ("s", "c", "l", "L") or consents.parse_class(cb.f) is None or cb.t <= 0:
            return await refuse(query, ctx)

        async def relist(notice: str | None = None) -> None:
            await show(query, await awaiting_list(session, ctx, state, data, org, cb.f, cb.p, cb.t, notice))

        if cb.a == "c":
            await save_marks(state, org.id, cb.t, set())
            await relist()
            return await query.answer()
        if cb.a == "s":
            marked = await consents.awaiting_among(session, org, await load_marks(state, org.id, cb.t))
            if not marked:
                await relist()
                return await query.answer(ctx.t("cur-consents-none-marked"), show_alert=True)
            if len(marked) != cb.n:  # not what the button said: let the curator look again
                await relist()
                return await query.answer(ctx.t("cur-consents-marks-changed"), show_alert=True)
            chosen = marked
        else:
            waiting = await consents.awaiting_on_list(session, org, consents.since_of(cb.t), cb.f)
            if not waiting:
                await relist()
                return await query.answer(ctx.t("cur-consents-none-waiting"), show_alert=True)
            if len(waiting) != cb.n:
                await relist()
                return await query.answer(ctx.t("cur-consents-list-changed"), show_alert=True)
            if cb.a == "l":
                await show(query, v.confirm_all_view(ctx, org, cb.f, cb.p, cb.t, waiting))
                return await query.answer()
            chosen = [pid for pid, _ in waiting]
        actor = await actor_user(session, data["user"], query.from_user.id, ctx.locale)
        outcome = await consents.confirm_consents(session, actor, chosen, ctx.now, scopes=ctx.access.scopes)
        await save_marks(state, org.id, cb.t, set())
        notice = confirmed_notice(ctx, outcome)
        await show(query, await awaiting_list(session, ctx, state, data, org, cb.f, cb.p, cb.t, notice, actor.id))
        await query.answer(notice.split("\n", 1)[0], show_alert=not outcome.confirmed)

    @router.callback_query(CuAu.filter())
    async def undo(query: CallbackQuery, callback_data: CuAu, session: AsyncSession, state: FSMContext,
                   **data: Any) -> None:
        ctx = await make_ctx(session, data)
        cb = callback_data
        org = await org_in_access(session, ctx, cb.o)
        if org is None or consents.parse_class(cb.f) is None or cb.t < 0:
            return await refuse(query, ctx)
        actor = await actor_user(session, data["user"], query.from_user.id, ctx.locale)
        outcome = await consents.undo_consents(session, actor, cb.id, ctx.now, scopes=ctx.access.scopes)
        if outcome.problem == "unknown":
            return await refuse(query, ctx)
        anchor = cb.t or int(ctx.now.timestamp())
        if outcome.problem is not None:
            notice = ctx.t("cur-consent-undo-expired", minutes=consents.CONSENT_UNDO_MINUTES) \
                if outcome.problem == "expired" else ctx.t("cur-consent-undo-already")
            await show(query, await awaiting_list(session, ctx, state, data, org, cb.f, cb.p, anchor, notice))
            return await query.answer(notice, show_alert=True)
        notice = undone_notice(ctx, outcome)
        await show(query, await awaiting_list(session, ctx, state, data, org, cb.f, cb.p, anchor, notice, actor.id))
        await query.answer(notice.split("\n", 1)[0], show_alert=not outcome.restored)

    @router.callback_query(CuCf.filter())
    async def confirm_consent(query: CallbackQuery, callback_data: CuCf, session: AsyncSession, state: FSMContext,
                              **data: Any) -> None:
        """One person's consent, from their card (or a button of an older list)."""
        ctx = await make_ctx(session, data)
        cb = callback_data
        person = await participant_in_access(session, ctx.access, cb.id)
        if person is None or cb.b not in ("a", "c") or cb.r not in v.ROLE_CODES or cb.s not in v.STATUS_CODES:
            return await refuse(query, ctx)
        actor = await actor_user(session, data["user"], query.from_user.id, ctx.locale)
        outcome = await consents.confirm_consents(session, actor, [person.id], ctx.now, scopes=ctx.access.scopes)
        done = bool(outcome.confirmed)
        if done:
            key = "cur-consent-confirmed"
        elif outcome.already:
            key = "cur-consent-already"
        else:  # an adult, or anyone never awaiting it: nothing to confirm
            key = "cur-consent-not-needed"
        notice = ctx.t(key, name=person.full_name or "—")
        org = await session.get(Unit, person.org_id)
        if cb.b == "c":
            view = await v.card_view(session, ctx, person, org, cb.r, cb.s, cb.p, notice=notice,
                                     undo_batch=outcome.batch_id)
        else:
            view = await awaiting_list(session, ctx, state, data, org, "a", 0, int(ctx.now.timestamp()), notice,
                                       actor.id)
        await show(query, view)
        await query.answer(notice, show_alert=not done)

    # -----------------------------------------------------------------------------------------
    # invitation links for participants
    # -----------------------------------------------------------------------------------------
    @router.callback_query(CuLk.filter())
    async def links(query: CallbackQuery, callback_data: CuLk, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data, with_username=True)
        org = await org_in_access(session, ctx, callback_data.o)
        if org is None:
            return await refuse(query, ctx)
        await show(query, await v.links_view(session, ctx, org, callback_data.p))
        await query.answer()

    @router.callback_query(CuNl.filter())
    async def new_link(query: CallbackQuery, callback_data: CuNl, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data, with_username=True)
        user, now = data["user"], data["now"]
        cb = callback_data
        org = await org_in_access(session, ctx, cb.o)
        valid = (
            (cb.r == "x" and cb.d == 0 and cb.u == -1)
            or (cb.r in v.ROLE_CODES and cb.d == 0 and cb.u == -1)
            or (cb.r in v.ROLE_CODES and cb.d in invitations.EXPIRY_CHOICES_DAYS
                and (cb.u == -1 or cb.u == v.UNLIMITED or cb.u in invitations.USES_CHOICES))
        )
        if org is None or not valid:
            return await refuse(query, ctx)
        if cb.u == -1:
            await show(query, v.new_link_view(ctx, org, cb))
            return await query.answer()
        actor = await actor_user(session, user, query.from_user.id, ctx.locale)
        max_uses = None if cb.u == v.UNLIMITED else cb.u
        inv = await invitations.create(session, kind="participant", unit=org, now=now, created_by=actor.id,
                                       role=v.ROLE_CODES[cb.r], days=cb.d, max_uses=max_uses)
        await audit(session, "invitation.created", actor.id, "invitation", inv.id, unit_id=org.id,
                    kind="participant", role=inv.role, days=cb.d, max_uses=max_uses)
        await show(query, v.link_created_view(ctx, org, inv))
        await query.answer()

    @router.callback_query(CuRv.filter())
    async def revoke(query: CallbackQuery, callback_data: CuRv, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data, with_username=True)
        user, now = data["user"], data["now"]
        found = await invitation_in_access(session, ctx.access, callback_data.id)
        if found is None or callback_data.ok not in (0, 1):
            return await refuse(query, ctx)
        inv, unit = found
        back_to_list = unit.kind == "organisation" and inv.kind == "participant"
        if inv.revoked_at is not None:
            notice = ctx.t("cur-revoke-already")
            view = await v.links_view(session, ctx, unit, callback_data.p, notice=notice) if back_to_list \
                else await v.unit_view(session, ctx, unit, notice=notice)
            await show(query, view)
            return await query.answer(notice, show_alert=True)
        if callback_data.ok == 0:
            await show(query, v.revoke_confirm_view(ctx, unit, inv, callback_data.p))
            return await query.answer()
        actor = await actor_user(session, user, query.from_user.id, ctx.locale)
        await invitations.revoke(session, inv, now)
        await audit(session, "invitation.revoked", actor.id, "invitation", inv.id, unit_id=unit.id, kind=inv.kind)
        notice = ctx.t("cur-revoked")
        view = await v.links_view(session, ctx, unit, callback_data.p, notice=notice) if back_to_list \
            else await v.unit_view(session, ctx, unit, notice=notice)
        await show(query, view)
        await query.answer(notice)

    # -----------------------------------------------------------------------------------------
    # inviting a curator
    # -----------------------------------------------------------------------------------------
    @router.callback_query(CuCi.filter())
    async def invite_curator(query: CallbackQuery, callback_data: CuCi, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data, with_username=True)
        user, now, settings = data["user"], data["now"], ctx.settings
        unit = await unit_in_access(session, ctx.access, callback_data.id)
        if unit is None or callback_data.ok not in (0, 1) or not ctx.access.can_invite_curator(unit):
            return await refuse(query, ctx)
        pending = await invitations.active_for_unit(session, unit, "curator", now)
        if len(pending) >= invitations.MAX_PENDING_CURATOR_INVITATIONS:  # asked before, and checked again below
            notice = ctx.t("cur-curator-invites-limit", max=invitations.MAX_PENDING_CURATOR_INVITATIONS)
            await show(query, await v.curators_view(session, ctx, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        if callback_data.ok == 0:
            await show(query, v.curator_invite_ask_view(ctx, unit))
            return await query.answer()
        actor = await actor_user(session, user, query.from_user.id, ctx.locale)
        try:
            inv = await invitations.create_curator_invitation(session, unit=unit, now=now, created_by=actor.id,
                                                              days=settings.invitation_default_days)
        except Invalid as exc:
            notice = ctx.t(f"cur-{exc.code}", **exc.params)
            await show(query, await v.curators_view(session, ctx, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        await audit(session, "invitation.created", actor.id, "invitation", inv.id, unit_id=unit.id,
                    kind="curator", days=settings.invitation_default_days, max_uses=1,
                    co_curator=ctx.access.is_own_unit(unit))
        await show(query, v.curator_invite_created_view(ctx, unit, inv))
        # A message of its own, with no buttons, for the curator to forward as it is.
        await query.bot.send_message(query.from_user.id, v.curator_invite_forward_text(ctx, unit, inv))
        await query.answer()

    @router.callback_query(CuCu.filter())
    async def curators(query: CallbackQuery, callback_data: CuCu, session: AsyncSession, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        unit = await unit_in_access(session, ctx.access, callback_data.id)
        if unit is None:
            return await refuse(query, ctx)
        await show(query, await v.curators_view(session, ctx, unit))
        await query.answer()

    @router.callback_query(CuCw.filter())
    async def revoke_curator_invitation(query: CallbackQuery, callback_data: CuCw, session: AsyncSession,
                                        **data: Any) -> None:
        """Whoever may invite a unit's curators may revoke its pending curator invitations."""
        ctx = await make_ctx(session, data)
        found = await invitation_in_access(session, ctx.access, callback_data.id, kind="curator")
        if found is None or not ctx.access.can_invite_curator(found[1]):
            return await refuse(query, ctx)
        inv, unit = found
        if invitations.problem(inv, data["now"]) is not None:  # revoked, accepted or expired meanwhile
            notice = ctx.t("cur-revoke-already" if inv.revoked_at is not None else "cur-curator-invite-gone")
            await show(query, await v.curators_view(session, ctx, unit, notice=notice))
            return await query.answer(notice, show_alert=True)
        actor = await actor_user(session, data["user"], query.from_user.id, ctx.locale)
        await invitations.revoke(session, inv, data["now"])
        await audit(session, "invitation.revoked", actor.id, "invitation", inv.id, unit_id=unit.id, kind=inv.kind)
        notice = ctx.t("cur-curator-invite-revoked")
        await show(query, await v.curators_view(session, ctx, unit, notice=notice))
        await query.answer(notice)

    # -----------------------------------------------------------------------------------------
    # creating regions, municipalities, organisations
    # -----------------------------------------------------------------------------------------
    async def creation_parent(session: AsyncSession, ctx: Ctx, parent_id: int) -> tuple[bool, Unit | None]:
        """(allowed, parent): 0 means the top (a region), which only administrators may create."""
        if parent_id == 0:
            return ctx.access.can_create_under(None), None
        parent = await unit_in_access(session, ctx.access, parent_id)
        if parent is None:
            return False, None
        return ctx.access.can_create_under(parent), parent

    @router.callback_query(CuMk.filter())
    async def make_unit(query: CallbackQuery, callback_data: CuMk, session: AsyncSession,
                        state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        allowed, parent = await creation_parent(session, ctx, callback_data.id)
        if not allowed:
            return await refuse(query, ctx)
        kind = CHILD_KIND[parent.kind if parent else None]
        await state.set_state(CuratorForm.unit_name)
        await state.update_data(cur_parent=callback_data.id, cur_kind=kind, cur_name=None)
        await show(query, v.ask_name_view(ctx, parent, kind))
        await query.answer()

    @router.callback_query(CuX.filter())
    async def cancel_make(query: CallbackQuery, callback_data: CuX, session: AsyncSession,
                          state: FSMContext, **data: Any) -> None:
        ctx = await make_ctx(session, data)
        await end_form(state)
        if not ctx.access.any:
            return await refuse(query, ctx)
        unit = await unit_in_access(session, ctx.access, callback_data.id) if callback_data.id else None
        notice = ctx.t("cur-create-cancelled")
        view = await v.unit_view(session, ctx, unit, notice=notice) if unit is not None \
            else await v.top_view(session, ctx, notice=notice)
        await show(query, view)
        await query.answer()

    @router.message(CuratorForm.unit_name, F.text)
    async def unit_name(message: Message, session: AsyncSession, state: FSMContext,
                        **data: Any) -> None:
        ctx = await make_ctx(session, data)
        user = data["user"]
        form = await state.get_data()
        allowed, parent = await creation_parent(session, ctx, int(form.get("cur_parent") or 0))
        kind = form.get("cur_kind")
        if not allowed or kind != CHILD_KIND[parent.kind if parent else None]:
            await end_form(state)
            await message.answer(ctx.t("cur-not-found"))
            return
        if message.text.startswith("/"):
            await message.answer(ctx.t("cur-name-expected"))
            return
        try:
            name = parse_unit_name(message.text)
        except Invalid as exc:
            await message.answer(ctx.t(f"cur-invalid-{exc.code}", **exc.params))
            return
        if kind == "organisation":
            await state.set_state(CuratorForm.org_type)
            await state.update_data(cur_name=name)
            text, markup = v.ask_org_type_view(ctx, parent, name)
            await message.answer(text, reply_markup=markup)
            return
        try:
            unit = await create_unit(session, kind, name, parent)
            unit.created_at = data["now"]
        except Invalid as exc:
            await message.answer(ctx.t(f"cur-invalid-{exc.code}", **exc.params))
            return
        actor = await actor_user(session, user, message.from_user.id, ctx.locale)
        await audit(session, "unit.created", actor.id, "unit", unit.id, kind=kind, parent_id=unit.parent_id)
        await end_form(state)
        text, markup = await v.unit_view(session, ctx, unit, notice=ctx.t("cur-created", name=unit.name))
        await message.answer(text, reply_markup=markup)

    @router.message(CuratorForm.unit_name)
    async def unit_name_not_text(message: Message, t: Translate) -> None:
        await message.answer(t("cur-name-expected"))

    @router.callback_query(CuOt.filter())
    async def org_type(query: CallbackQuery, callback_data: CuOt, session: AsyncSession, state: FSMContext,
                       **data: Any) -> None:
        ctx = await make_ctx(session, data)
        user = data["user"]
        form = await state.get_data()
        allowed, parent = await creation_parent(session, ctx, callback_data.id)
        org_type_code = v.ORG_TYPE_CODES.get(callback_data.t)
        if not allowed or parent is None or org_type_code is None:
            return await refuse(query, ctx)
        if (await state.get_state() != CuratorForm.org_type.state or form.get("cur_parent") != callback_data.id
                or not form.get("cur_name")):
            return await query.answer(ctx.t("cur-stale"), show_alert=True)
        try:
            org = await create_unit(session, "organisation", form["cur_name"], parent, org_type=org_type_code)
            org.created_at = data["now"]
        except Invalid as exc:  # e.g. the same name created meanwhile: ask for the name again
            problem = ctx.t(f"cur-invalid-{exc.code}", **exc.params)
            await state.set_state(CuratorForm.unit_name)
            await state.update_data(cur_name=None)
            text, markup = v.ask_name_view(ctx, parent, "organisation")
            await show(query, (v.with_notice(text, problem), markup))
            return await query.answer(problem, show_alert=True)
        actor = await actor_user(session, user, query.from_user.id, ctx.locale)
        await audit(session, "unit.created", actor.id, "unit", org.id, kind="organisation", parent_id=parent.id,
                    org_type=org_type_code)
        await end_form(state)
        await show(query, await v.unit_view(session, ctx, org, notice=ctx.t("cur-created", name=org.name)))
        await query.answer()

    @router.message(CuratorForm.org_type)
    async def org_type_expected(message: Message, t: Translate) -> None:
        await message.answer(t("cur-org-type-expected"))

    return router
