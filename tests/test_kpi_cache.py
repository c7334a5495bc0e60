"""The KPI views' inputs cache (domain.kpi.InputsCache), on both databases: a repeated view is
served from it with the same figures; every committed write the figures depend on empties it
(a pair activated or ended, a bulk status change, a mentee leaving, a denominator, a changed
participant, a new organisation); what cannot change a figure (a new participant, a meeting, the
background rounds' marks on pairs, a
rolled-back change) leaves it; an entry older than its time-to-live is read again."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import select, update

from db.models import Meeting, Pair, PairMentee, Participant
from domain import kpi
from domain.units import create_unit
from tests.test_kpi import TODAY, pair, person, prog, seed


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def figures(k: kpi.UnitKpis) -> dict[str, tuple]:
    return {i: (f.numerator, f.denominator, f.involved) for i, f in k.figures.items()}


async def world(sessionmaker):
    async with sessionmaker() as s:
        w = await seed(s)
        p1 = await prog(s, w.s1)
        teacher = await person(s, w.s1, "mentor", "teacher", 1980)
        m1 = await person(s, w.s1, "mentee", "school_student", 2012)
        m2 = await person(s, w.s2, "mentee", "school_student", 2011)
        active = await pair(s, p1, teacher, [m1])
        proposed = await pair(s, p1, teacher, [m2], status="proposed", activated=None)
        await kpi.set_denominators(s, w.s1, 2026, "students_total", 100, None)
        await s.commit()
        return w, active.id, proposed.id


async def view(sessionmaker, cache, unit) -> kpi.UnitKpis:
    async with sessionmaker() as s:
        total, _ = await kpi.unit_kpis(s, unit, None, TODAY, cache)
        return total


async def fresh(sessionmaker, unit) -> kpi.UnitKpis:
    async with sessionmaker() as s:
        total, _ = await kpi.unit_kpis(s, unit, None, TODAY)
        return total


async def test_a_repeated_view_is_served_from_the_cache(sessionmaker):
    w, _, _ = await world(sessionmaker)
    cache = kpi.InputsCache(clock=Clock())
    first = await view(sessionmaker, cache, w.region)
    again = await view(sessionmaker, cache, w.region)
    assert (cache.misses, cache.hits) == (1, 1)
    assert figures(again) == figures(first) == figures(await fresh(sessionmaker, w.region))
    assert first.figures["students_any"].numerator == 1
    await view(sessionmaker, cache, w.muni)  # another unit is its own entry
    assert (cache.misses, cache.hits) == (2, 1)


async def test_activating_a_pair_empties_the_cache(sessionmaker):
    w, _, proposed = await world(sessionmaker)
    cache = kpi.InputsCache(clock=Clock())
    assert (await view(sessionmaker, cache, w.region)).figures["students_any"].numerator == 1
    async with sessionmaker() as s:  # through the unit of work
        row = await s.get(Pair, proposed)
        row.status, row.activated_at = "active", datetime(2026, 11, 1, tzinfo=timezone.utc)
        await s.commit()
    after = await view(sessionmaker, cache, w.region)
    assert cache.hits == 0 and after.figures["students_any"].involved == 2
    assert figures(after) == figures(await fresh(sessionmaker, w.region))


async def test_a_bulk_status_change_empties_the_cache(sessionmaker):
    """domain/pairing.py ends pairs with ORM update() statements, which bypass the flush."""
    w, active, _ = await world(sessionmaker)
    cache = kpi.InputsCache(clock=Clock())
    assert (await view(sessionmaker, cache, w.region)).figures["students_any"].numerator == 1
    async with sessionmaker() as s:
        await s.execute(update(Pair).where(Pair.id == active).values(status="ended"))
        await s.commit()
    assert (await view(sessionmaker, cache, w.region)).figures["students_any"].numerator == 0
    assert cache.hits == 0


async def test_a_mentee_leaving_a_denominator_or_a_new_organisation_empty_it(sessionmaker):
    w, active, _ = await world(sessionmaker)
    cache = kpi.InputsCache(clock=Clock())
    await view(sessionmaker, cache, w.region)
    async with sessionmaker() as s:
        mentee = await s.scalar(select(PairMentee).where(PairMentee.pair_id == active))
        mentee.left_at = datetime(2026, 11, 2, tzinfo=timezone.utc)
        await s.commit()
    assert (await view(sessionmaker, cache, w.region)).figures["students_any"].numerator == 0
    async with sessionmaker() as s:
        await kpi.set_denominators(s, w.s1, 2026, "students_total", 400, None)
        await s.commit()
    assert (await view(sessionmaker, cache, w.region)).figures["students_any"].denominator == 400
    async with sessionmaker() as s:
        await create_unit(s, "organisation", "School 3", w.muni, org_type="school")
        await s.commit()
    assert (await view(sessionmaker, cache, w.region)).figures["orgs_with_programme"].denominator == 3
    assert cache.hits == 0 and cache.misses == 4


async def test_a_changed_participant_empties_it_a_new_one_does_not(sessionmaker):
    w, _, _ = await world(sessionmaker)
    cache = kpi.InputsCache(clock=Clock())
    before = await view(sessionmaker, cache, w.region)
    async with sessionmaker() as s:  # registering: in no pair yet, so no figure can change
        await person(s, w.s1, "mentee", "school_student", 2012)
        s.add(Meeting(pair_id=(await s.scalar(select(Pair.id).where(Pair.status == "active"))),
                      held_on=TODAY, format="offline", created_at=datetime(2026, 11, 20, tzinfo=timezone.utc)))
        await s.commit()
    same = await view(sessionmaker, cache, w.region)
    assert cache.hits == 1 and figures(same) == figures(before) == figures(await fresh(sessionmaker, w.region))
    async with sessionmaker() as s:  # the involved mentee turns out to be a young specialist
        p = await s.scalar(select(Participant).where(Participant.birth_year == 2012, Participant.role == "mentee")
                           .order_by(Participant.id).limit(1))
        p.category = "young_specialist"
        await s.commit()
    after = await view(sessionmaker, cache, w.region)
    assert cache.hits == 1 and after.figures["students_any"].numerator == 0
    assert after.figures["young_teachers"].involved == 1


async def test_a_rolled_back_change_keeps_it_and_an_old_entry_is_read_again(sessionmaker):
    w, active, _ = await world(sessionmaker)
    clock = Clock()
    cache = kpi.InputsCache(ttl=60, clock=clock)
    await view(sessionmaker, cache, w.region)
    async with sessionmaker() as s:
        row = await s.get(Pair, active)
        row.status = "ended"
        await s.flush()
        await s.rollback()
    await view(sessionmaker, cache, w.region)
    assert cache.hits == 1
    clock.now += 61  # a write by another process would show by now
    await view(sessionmaker, cache, w.region)
    assert (cache.hits, cache.misses) == (1, 2)


async def test_a_new_target_shows_at_once_over_cached_inputs(sessionmaker):
    """Targets are read on every press (the cached inputs stay); the arithmetic is redone for them."""
    w, _, _ = await world(sessionmaker)
    cache = kpi.InputsCache(clock=Clock())
    first = await view(sessionmaker, cache, w.region)
    assert first is await view(sessionmaker, cache, w.region)  # same inputs, same targets: same result
    async with sessionmaker() as s:
        await kpi.set_target(s, w.region, TODAY.year, "students_any", "1", None)
        await s.commit()
    after = await view(sessionmaker, cache, w.region)
    assert cache.misses == 1  # the inputs were not read again
    assert after.figures["students_any"].target == 1.0 and first.figures["students_any"].target == 70.0
    assert after.figures["students_any"].below is False
    assert figures(after) == figures(await fresh(sessionmaker, w.region))


async def test_background_marks_on_pairs_keep_it(sessionmaker):
    """The region's background rounds write to pairs all day without changing a figure: the
    silent-pair reminder and report marks (ORM update() statements, through the scheduler's own
    run), a score, the optimistic-lock version. None of them may empty the cache, or a region's
    view is recounted on every press while the rounds run; a status change in the same
    statement still does."""
    from bot.i18n import Translator
    from domain import pairing

    w, active, proposed = await world(sessionmaker)
    async with sessionmaker() as s:  # an approved pair that has been silent for a week
        row = await s.get(Pair, proposed)
        row.status, row.approved_at = "approved", datetime(2026, 11, 1, tzinfo=timezone.utc)
        await s.commit()
    cache = kpi.InputsCache(clock=Clock())
    before = await view(sessionmaker, cache, w.region)
    await pairing.run_remind_and_report(sessionmaker, datetime(2026, 11, 10, tzinfo=timezone.utc), Translator())
    async with sessionmaker() as s:
        assert (await s.get(Pair, proposed)).reminded_at is not None  # the round did mark it
        await s.execute(update(Pair).where(Pair.id == active).values({Pair.reported_at: datetime.now(timezone.utc)}))
        row = await s.get(Pair, active)
        row.score, row.version = 0.5, row.version + 1
        await s.commit()
    same = await view(sessionmaker, cache, w.region)
    assert (cache.hits, cache.misses) == (1, 1) and figures(same) == figures(before)
    async with sessionmaker() as s:  # a mark and a status in one statement is a change
        await s.execute(update(Pair).where(Pair.id == active)
                        .values(reminded_at=datetime.now(timezone.utc), status="ended"))
        await s.commit()
    after = await view(sessionmaker, cache, w.region)
    assert (cache.hits, cache.misses) == (1, 2) and after.figures["students_any"].numerator == 0
