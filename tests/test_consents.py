"""domain.consents on real databases: who a batch takes, what an undo restores, and what it keeps."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from sqlalchemy import func, select

from db.models import (
    Consent,
    ConsentBatch,
    OutboxMessage,
    Pair,
    PairMentee,
    Participant,
    Programme,
    ProgrammeMember,
    Unit,
    User,
)
from domain import consents, invitations
from domain.consents import UNDO_WINDOW, confirm_consents, undo_consents
from domain.people import accept_curator, erase_user
from domain.units import ROOT, create_unit

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=timezone.utc)


async def world(s):
    r = await create_unit(s, "region", "Область", timezone="Europe/Moscow")
    m = await create_unit(s, "municipality", "Город", r)
    s1 = await create_unit(s, "organisation", "Школа 1", m, org_type="school")
    s2 = await create_unit(s, "organisation", "Школа 2", m, org_type="school")
    inv = await invitations.create(s, kind="curator", unit=s1, now=NOW)
    role = await accept_curator(s, tg_id=1, locale="ru", full_name="Куратор", invitation=inv, now=NOW)
    curator = await s.get(User, role.user_id)
    return s1, s2, curator


async def person(s, org, name: str, status: str = "awaiting_consent", tg_id: int | None = None,
                 role: str = "mentee") -> Participant:
    user_id = None
    if tg_id is not None:
        user = User(tg_id=tg_id, locale="ru", full_name=name, created_at=NOW)
        s.add(user)
        await s.flush()
        user_id = user.id
    p = Participant(org_id=org.id, user_id=user_id, role=role, category="school_student" if role == "mentee" else "teacher",
                    grade=7 if role == "mentee" else None, birth_year=2013 if role == "mentee" else 1980,
                    full_name=name, status=status, registered_at=NOW, updated_at=NOW)
    s.add(p)
    await s.flush()
    return p


async def test_confirm_sorts_people_out_and_stays_inside_the_curators_subtree(sessionmaker):
    async with sessionmaker() as s:
        s1, s2, curator = await world(s)
        a = await person(s, s1, "Анна", tg_id=101)
        b = await person(s, s1, "Борис")  # no Telegram account: nobody to tell
        adult = await person(s, s1, "Взрослая", status="active", role="mentor")
        outsider = await person(s, s2, "Чужой")
        gone = await person(s, s1, "Стёртый", status="erased")
        first = await confirm_consents(s, curator, [a.id, a.id, b.id, adult.id, outsider.id, gone.id, 99999], NOW)
        assert [p.id for p in first.confirmed] == [a.id, b.id]
        assert [p.id for p in first.not_needed] == [adult.id] and first.already == []
        assert first.missing == [outsider.id, gone.id, 99999]
        assert (await s.get(Participant, outsider.id)).status == "awaiting_consent"
        queued = (await s.scalars(select(OutboxMessage))).all()
        assert [(m.chat_id, m.kind, m.due_at) for m in queued] == [(101, "consent-confirmed", NOW + UNDO_WINDOW)]
        again = await confirm_consents(s, curator, [a.id], NOW + timedelta(minutes=1))
        assert again.batch_id is None and [p.id for p in again.already] == [a.id]
        # an administrator's scopes reach everywhere
        wide = await confirm_consents(s, curator, [outsider.id], NOW, scopes=[ROOT])
        assert [p.id for p in wide.confirmed] == [outsider.id]
        assert await s.scalar(select(func.count()).select_from(ConsentBatch)) == 2


async def test_undo_keeps_the_paired_erased_and_out_of_time_and_refuses_others_batches(sessionmaker):
    async with sessionmaker() as s:
        s1, s2, curator = await world(s)
        kids = [await person(s, s1, f"Ребёнок {i}", tg_id=200 + i) for i in range(3)]
        teacher = await person(s, s1, "Учитель", status="active", role="mentor")
        done = await confirm_consents(s, curator, [k.id for k in kids], NOW)
        # since then: the first is proposed a pair, the second erased their data
        prog = Programme(unit_id=s1.id, form="teacher_student", role_models=[], title="П", starts_on=date(2026, 9, 1),
                         ends_on=date(2027, 5, 31), created_at=NOW)
        s.add(prog)
        await s.flush()
        mentor = ProgrammeMember(programme_id=prog.id, participant_id=teacher.id, side="mentor", joined_at=NOW)
        mentee = ProgrammeMember(programme_id=prog.id, participant_id=kids[0].id, side="mentee", joined_at=NOW)
        s.add_all([mentor, mentee])
        await s.flush()
        pair = Pair(programme_id=prog.id, mentor_member_id=mentor.id, status="proposed", created_at=NOW)
        s.add(pair)
        await s.flush()
        s.add(PairMentee(pair_id=pair.id, mentee_member_id=mentee.id))
        await erase_user(s, await s.get(User, kids[1].user_id), NOW)

        other = User(tg_id=2, locale="ru", created_at=NOW)
        s.add(other)
        await s.flush()
        assert (await undo_consents(s, other, done.batch_id, NOW)).problem == "unknown"
        assert (await undo_consents(s, curator, done.batch_id, NOW + UNDO_WINDOW)).problem == "expired"

        later = NOW + timedelta(minutes=3)
        undone = await undo_consents(s, curator, done.batch_id, later)
        assert undone.problem is None and [p.id for p in undone.restored] == [kids[2].id]
        # (the erased child's consent was withdrawn with their data: not in the batch any more)
        assert [p.id for p in undone.paired] == [kids[0].id] and undone.gone == 0 and undone.told == []
        assert (await s.get(Participant, kids[0].id)).status == "active"
        assert (await s.get(Participant, kids[2].id)).status == "awaiting_consent"
        assert (await s.get(ConsentBatch, done.batch_id)).undone_at is None  # the paired one can follow
        rows = {m.chat_id: m.status for m in (await s.scalars(select(OutboxMessage))).all()}
        assert rows == {200: "pending", 202: "dropped"}  # the erased child's rows went with their data

        # the pair is withdrawn; undone again within the window, the first one follows
        pair.status = "withdrawn"
        await s.flush()
        org = await s.get(Unit, s1.id)
        assert (await consents.latest_undoable(s, curator.id, org, later))[1] == 1  # what is left to take back
        second = await undo_consents(s, curator, done.batch_id, later + timedelta(minutes=1))
        assert [p.id for p in second.restored] == [kids[0].id] and second.paired == []
        assert (await s.get(ConsentBatch, done.batch_id)).undone_at == later + timedelta(minutes=1)
        assert (await undo_consents(s, curator, done.batch_id, later)).problem == "undone"
        assert await consents.latest_undoable(s, curator.id, org, later) is None
        withdrawn = (await s.scalars(select(Consent).where(Consent.kind == "parental"))).all()
        assert all(c.withdrawn_at is not None for c in withdrawn) and len(withdrawn) == 3


async def test_a_whole_school_at_once_in_chunks(sessionmaker):
    """More people than one IN (...) list takes: every statement stays bounded, nobody is lost."""
    async with sessionmaker() as s:
        s1, _, curator = await world(s)
        s.add_all([Participant(org_id=s1.id, role="mentee", category="school_student", grade=5 + i % 6,
                               birth_year=2013, full_name=f"Ученик {i:04d}", status="awaiting_consent",
                               registered_at=NOW, updated_at=NOW) for i in range(1100)])
        await s.flush()
        ids = [i for i, _ in await consents.awaiting_on_list(s, s1, NOW, "a")]
        assert len(ids) == 1100
        done = await confirm_consents(s, curator, ids, NOW)
        assert len(done.confirmed) == 1100
        assert await s.scalar(select(func.count()).select_from(Consent).where(Consent.batch_id == done.batch_id)) == 1100
        undone = await undo_consents(s, curator, done.batch_id, NOW + timedelta(minutes=1))
        assert len(undone.restored) == 1100
        assert await s.scalar(select(func.count()).select_from(Participant)
                              .where(Participant.status == "awaiting_consent")) == 1100
