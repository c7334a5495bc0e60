"""The matching engine (domain/matching): hard rules, the score and its reasons, optimality against
brute force, fixed and excluded pairs, determinism, unmatched reasons, progress, candidates."""
from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from functools import cache

import numpy as np
import pytest

from domain.matching import (
    best_role_model,
    SCALE,
    Person,
    Reason,
    Spec,
    Weights,
    eligible,
    engine,
    forms,
    greedy_match,
    match,
    score,
)
from domain.matching.scoring import PairScorer, Side, to_units
from domain.rules import CATEGORIES, TIMES_OF_DAY

TODAY = date(2026, 9, 1)
ALL_CATEGORIES = sorted(set(CATEGORIES["mentor"]) | set(CATEGORIES["mentee"]))


def spec(form: str = "student_student", **kw: object) -> Spec:
    return Spec(form=form, today=TODAY, **kw)  # type: ignore[arg-type]


def student(pid: int, grade: int, *, org: int = 1, age: int | None = 16, **kw: object) -> Person:
    return Person(id=pid, org_id=org, category="school_student", grade=grade,
                  birth_year=None if age is None else TODAY.year - age, **kw)  # type: ignore[arg-type]


def person(pid: int, category: str, *, org: int = 1, **kw: object) -> Person:
    defaults: dict[str, object] = {"birth_year": 1990}
    if category == "school_student":
        defaults = {"grade": 11, "birth_year": TODAY.year - 17}
    if category == "college_student":
        defaults = {"course": 2, "birth_year": TODAY.year - 19}
    defaults.update(kw)
    return Person(id=pid, org_id=org, category=category, **defaults)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------- weights


def test_weights_defaults_and_from_mapping() -> None:
    w = Weights()
    assert (w.interests, w.goals, w.availability, w.format, w.preference, w.mutual_preference,
            w.role_model) == (1.0, 1.5, 1.0, 0.5, 1.0, 2.0, 0.5)
    w = Weights.from_mapping({"goals": 3, "format": -1, "interests": 99, "nonsense": 5,
                              "availability": "2.5", "preference": "x", "role_model": None,
                              "mutual_preference": float("nan")})
    assert w.goals == 3.0 and w.format == 0.0 and w.interests == 10.0 and w.availability == 2.5
    assert w.preference == 1.0 and w.role_model == 0.5 and w.mutual_preference == 2.0
    assert Weights.from_mapping(None) == Weights()
    assert Weights.from_mapping({"goals": True}) == Weights()


# ------------------------------------------------------------------------------- hard rules


@pytest.mark.parametrize("form", sorted(forms()))
def test_categories_allowed_per_form(form: str) -> None:
    f = forms()[form]
    for mc in ALL_CATEGORIES:
        for ec in ALL_CATEGORIES:
            mentor = person(1, mc, grade=11, birth_year=TODAY.year - 17)
            mentee = person(2, ec, grade=5)
            got = eligible(mentor, mentee, spec(form))
            if mc not in f.mentor:
                assert got == "mentor_category"
            elif ec not in f.mentee:
                assert got == "mentee_category"
            else:
                assert got is None, (mc, ec, got)


def test_forms_data_matches_the_target_model() -> None:
    f = forms()
    assert f["student_student"].mentor == {"school_student"} and f["student_student"].mentee == {"school_student"}
    assert f["teacher_teacher"].mentee == {"young_specialist", "teacher"}
    assert f["teacher_student"].mentee == {"school_student", "college_student"}
    assert f["employer_collegian"].mentor == {"employer_rep"} and f["employer_collegian"].mentee == {"college_student"}


@pytest.mark.parametrize("form", sorted(forms()))
def test_other_organisation_only_where_the_form_allows(form: str) -> None:
    f = forms()[form]
    mentor = person(1, min(f.mentor), org=1, grade=11, birth_year=TODAY.year - 17)
    mentee = person(2, min(f.mentee), org=2, grade=5)
    cross_allowed = {"college_school", "employer_student", "employer_collegian"}
    assert eligible(mentor, mentee, spec(form)) == (None if form in cross_allowed else "other_org")
    assert eligible(mentor, replace(mentee, org_id=1), spec(form)) is None
    # and the engine agrees
    res = match([mentor], [mentee], spec(form))
    assert len(res.assignments) == (1 if form in cross_allowed else 0)
    if form not in cross_allowed:
        assert res.unmatched == {2: "no_eligible_mentor"}


@pytest.mark.parametrize("age,ok", [(14, False), (15, True), (16, True), (18, True), (19, False), (None, False)])
def test_student_mentor_age_bounds(age: int | None, ok: bool) -> None:
    mentor, mentee = student(1, 10, age=age), student(2, 7)
    assert eligible(mentor, mentee, spec()) == (None if ok else "mentor_age")
    assert len(match([mentor], [mentee], spec()).assignments) == (1 if ok else 0)


@pytest.mark.parametrize("mentor_grade,mentee_grade,ok", [
    (9, 7, True), (9, 8, False), (9, 9, False), (11, 5, True), (8, 9, False), (None, 5, False), (10, None, False),
])
def test_student_mentor_grade_gap(mentor_grade: int | None, mentee_grade: int | None, ok: bool) -> None:
    mentor = Person(1, 1, "school_student", grade=mentor_grade, birth_year=TODAY.year - 16)
    mentee = Person(2, 1, "school_student", grade=mentee_grade, birth_year=TODAY.year - 12)
    assert eligible(mentor, mentee, spec()) == (None if ok else "grade_gap")
    assert len(match([mentor], [mentee], spec()).assignments) == (1 if ok else 0)


def test_student_mentor_rule_only_for_student_mentors() -> None:
    teacher = person(1, "teacher", birth_year=None)
    assert eligible(teacher, student(2, 11), spec("teacher_student")) is None  # no age, no gap for teachers


def test_consent_on_either_side() -> None:
    mentor, mentee = student(1, 10), student(2, 7)
    assert eligible(replace(mentor, consent_ok=False), mentee, spec()) == "no_consent"
    assert eligible(mentor, replace(mentee, consent_ok=False), spec()) == "no_consent"
    res = match([mentor], [replace(mentee, consent_ok=False)], spec())
    assert res.assignments == [] and res.unmatched == {2: "no_consent"} and res.unmatched_mentors == [1]
    res = match([replace(mentor, consent_ok=False)], [mentee], spec())
    assert res.assignments == [] and res.unmatched == {2: "no_eligible_mentor"}


def test_excluded_pairs_never_proposed() -> None:
    mentors = [student(1, 10, capacity=1), student(3, 11, capacity=1)]
    mentees = [student(2, 7, preferences=(1,))]
    res = match(mentors, mentees, spec(), excluded={(1, 2)})
    assert [(a.mentor_id, a.mentee_id) for a in res.assignments] == [(3, 2)]
    res = match(mentors, mentees, spec(), excluded=[(1, 2), (3, 2)])
    assert res.assignments == [] and res.unmatched == {2: "no_eligible_mentor"}
    # unknown ids in excluded are ignored
    assert len(match(mentors, mentees, spec(), excluded=[(99, 98)]).assignments) == 1


def test_capacity_and_unmatched_reasons() -> None:
    mentors = [student(1, 11, capacity=2), student(9, 11, age=14, capacity=3)]  # 9 is too young to mentor
    mentees = [student(2, 5), student(3, 6), student(4, 7), student(5, 7, consent_ok=False),
               person(6, "college_student")]
    res = match(mentors, mentees, spec())
    assert len(res.assignments) == 2 and {a.mentor_id for a in res.assignments} == {1}
    left = {k: v for k, v in res.unmatched.items() if k in (2, 3, 4)}
    assert list(left.values()) == ["capacity"]
    assert res.unmatched[5] == "no_consent"
    assert res.unmatched[6] == "no_eligible_mentor"  # a category the form does not allow
    assert res.unmatched_mentors == [9]
    assert sorted(res.unmatched) == [k for k in res.unmatched]  # sorted by id


def test_capacity_zero_mentor_gives_capacity_reason() -> None:
    res = match([student(1, 11, capacity=0)], [student(2, 5)], spec())
    assert res.assignments == [] and res.unmatched == {2: "capacity"}


# ------------------------------------------------------------------------------- fixed pairs


def test_fixed_pairs_take_capacity_and_are_kept() -> None:
    mentors = [student(1, 11, capacity=2), student(7, 11, capacity=1)]
    mentees = [student(2, 5), student(3, 6), student(4, 7)]
    res = match(mentors, mentees, spec(), fixed=[(7, 4)])
    pairs = {(a.mentor_id, a.mentee_id): a.fixed for a in res.assignments}
    assert pairs == {(1, 2): False, (1, 3): False, (7, 4): True}
    # the fixed pair fills mentor 7, mentor 1 is full with 2 — a fourth mentee is left for capacity
    res = match(mentors, mentees + [student(5, 5)], spec(), fixed=[(7, 4)])
    assert res.unmatched == {5: "capacity"} or list(res.unmatched.values()) == ["capacity"]
    assert sum(a.fixed for a in res.assignments) == 1
    # fixed pairs are trusted even when the rules changed since (e.g. a grade gap)
    res = match([student(1, 8)], [student(2, 7)], spec(), fixed=[(1, 2)])
    assert [(a.mentor_id, a.mentee_id, a.fixed) for a in res.assignments] == [(1, 2, True)]
    assert res.total_score == pytest.approx(sum(a.score for a in res.assignments))


def test_fixed_pairs_naming_absent_people_or_a_mentee_twice_are_skipped() -> None:
    res = match([student(1, 11)], [student(2, 5)], spec(), fixed=[(1, 3), (7, 2)])
    assert [(a.mentor_id, a.mentee_id, a.fixed) for a in res.assignments] == [(1, 2, False)]
    assert res.stats["fixed_skipped"] == 2
    res = match([student(1, 11, capacity=2), student(3, 11)], [student(2, 5)], spec(), fixed=[(3, 2), (1, 2)])
    assert [(a.mentor_id, a.mentee_id, a.fixed) for a in res.assignments] == [(1, 2, True)]
    assert res.stats["fixed_skipped"] == 1 and res.unmatched_mentors == [3]


def test_fixed_over_capacity_leaves_no_room() -> None:
    res = match([student(1, 11, capacity=1)], [student(2, 5), student(3, 5), student(4, 5)], spec(),
                fixed=[(1, 2), (1, 3)])
    assert sum(a.fixed for a in res.assignments) == 2 and res.unmatched == {4: "capacity"}


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        match([student(1, 11)], [student(2, 5)], spec("nonexistent"))
    with pytest.raises(ValueError):
        eligible(student(1, 11), student(2, 5), spec("nonexistent"))
    with pytest.raises(ValueError):
        match([student(1, 11), student(1, 10)], [student(2, 5)], spec())
    with pytest.raises(ValueError):
        match([student(1, 11)], [student(2, 5)], spec(), max_candidates=0)
    res = match([], [], spec())
    assert res.assignments == [] and res.total_score == 0 and res.unmatched == {}


# ------------------------------------------------------------------------------- score


def test_score_components_and_reasons() -> None:
    mentor = person(1, "teacher", interests=frozenset({"it", "s:math", "music"}), tags=frozenset({"chess"}),
                    goals=frozenset({"exams", "olympiads", "projects"}), days=frozenset({0, 2, 4}),
                    times=frozenset({"evening"}), format="online", preferences=(9, 2))
    mentee = person(2, "school_student", interests=frozenset({"it", "s:math", "sport"}), tags=frozenset({"chess"}),
                    goals=frozenset({"exams", "grades"}), days=frozenset({2, 4}),
                    times=frozenset({"evening", "morning"}), format="any", preferences=(1,))
    s = spec("teacher_student", role_models=("teacher_gifted",))
    value, reasons = score(mentor, mentee, s)
    c_int = 3 / 5                      # {it, s:math, #chess} of {it, s:math, music, sport, #chess}
    c_goals = 1 / 2                    # exams of {exams, grades}
    c_av = 2 / 3                       # {2:evening, 4:evening} of min(3, 4) slots
    c_fmt = 1.0                        # any fits online
    c_mut = (1 + 2 / 3) / 2            # mentee named 1st, mentor named 2nd
    c_rm = 1.0                         # teacher_gifted addresses exams
    w = Weights()
    expect = (w.interests * c_int + w.goals * c_goals + w.availability * c_av + w.format * c_fmt
              + w.mutual_preference * c_mut + w.role_model * c_rm) / 7.5
    assert value == round(expect, 4)
    by_code = {r.code: r.items for r in reasons}
    assert by_code == {
        "shared_interests": ("it", "s:math", "#chess"),
        "goals_covered": ("exams",),
        "time_overlap": ("2:evening", "4:evening"),
        "same_format": ("online",),
        "mutual_preference": ("mentee:1", "mentor:2"),
        "role_model": ("teacher_gifted",),
    }
    contributions = [w.mutual_preference * c_mut, w.goals * c_goals, w.availability * c_av,
                     w.interests * c_int, w.format * c_fmt, w.role_model * c_rm]
    assert [r.code for r in reasons] == ["mutual_preference", "goals_covered", "time_overlap",
                                         "shared_interests", "same_format", "role_model"]
    assert contributions == sorted(contributions, reverse=True)


def test_score_only_contributing_reasons() -> None:
    mentor = person(1, "teacher", format="online", interests=frozenset({"art"}))
    mentee = person(2, "school_student", format="offline", interests=frozenset({"it"}), preferences=(5, 6, 1))
    value, reasons = score(mentor, mentee, spec("teacher_student"))
    assert reasons == (Reason("preference", ("mentee:3",)),)
    assert value == round(1.0 * (1 / 3) / 7.0, 4)  # no role models: weights sum to 7
    # a weight of 0 removes the component and its reason
    value, reasons = score(mentor, mentee, spec("teacher_student", weights=Weights(preference=0)))
    assert value == 0.0 and reasons == ()
    # nothing stated: format 'any' is the only thing that fits
    value, reasons = score(person(1, "teacher"), person(2, "school_student"), spec("teacher_student"))
    assert reasons == (Reason("same_format", ("any",)),) and value == round(0.5 / 7.0, 4)
    # all weights zero → 0
    zero = Weights(**{k: 0.0 for k in Weights().as_dict()})
    assert score(mentor, mentee, spec("teacher_student", weights=zero)) == (0.0, ())


def test_one_sided_and_mutual_preferences() -> None:
    mentor, mentee = person(1, "teacher"), person(2, "school_student")
    s = spec("teacher_student", weights=Weights(interests=0, goals=0, availability=0, format=0))
    one_e, r1 = score(mentor, replace(mentee, preferences=(1,)), s)
    one_m, r2 = score(replace(mentor, preferences=(2,)), mentee, s)
    both, r3 = score(replace(mentor, preferences=(2,)), replace(mentee, preferences=(1,)), s)
    assert one_e == one_m == round(1 / 3, 4) and both == round(2 / 3, 4)
    assert r1 == (Reason("preference", ("mentee:1",)),) and r2 == (Reason("preference", ("mentor:1",)),)
    assert r3 == (Reason("mutual_preference", ("mentee:1", "mentor:1")),)
    second, _ = score(mentor, replace(mentee, preferences=(7, 1)), s)
    assert second == round((2 / 3) / 3, 4)
    ignored, _ = score(mentor, replace(mentee, preferences=(7, 8, 9, 1)), s)
    assert ignored == 0.0


def test_role_model_weight_only_when_programme_has_role_models() -> None:
    mentor = person(1, "teacher", goals=frozenset({"adaptation"}))
    mentee = person(2, "school_student", goals=frozenset({"adaptation"}))
    v1, r1 = score(mentor, mentee, spec("teacher_student"))
    v2, r2 = score(mentor, mentee, spec("teacher_student", role_models=("teacher_adaptation",)))
    v3, r3 = score(mentor, mentee, spec("teacher_student", role_models=("teacher_gifted",)))
    assert v1 == round((1.5 + 0.5) / 7.0, 4) and "role_model" not in {r.code for r in r1}
    assert v2 == round((1.5 + 0.5 + 0.5) / 7.5, 4) and ("role_model", ("teacher_adaptation",)) in [(r.code, r.items) for r in r2]
    assert v3 == round((1.5 + 0.5) / 7.5, 4) and "role_model" not in {r.code for r in r3}


# ------------------------------------------------------------------------------- random instances

INTERESTS = ("it", "music", "sport", "s:math", "s:physics", "art")
GOALS = ("grades", "exams", "career", "projects", "adaptation", "communication")
TAGS = ("chess", "anime", "football")


def _sub(rng: random.Random, pool: tuple, k: int | None = None) -> frozenset:
    return frozenset(rng.sample(pool, rng.randint(0, len(pool)) if k is None else k))


def random_person(rng: random.Random, pid: int, cats: list[str], side: str, other_ids: list[int]) -> Person:
    cat = rng.choice(cats) if rng.random() < 0.85 else rng.choice(ALL_CATEGORIES)
    grade = rng.randint(5, 11) if cat == "school_student" and rng.random() < 0.95 else None
    birth = TODAY.year - (rng.randint(13, 20) if cat == "school_student" else rng.randint(17, 60))
    return Person(
        id=pid, org_id=rng.choice([1, 2]), category=cat, grade=grade,
        birth_year=None if rng.random() < 0.05 else birth,
        interests=_sub(rng, INTERESTS), tags=_sub(rng, TAGS, rng.randint(0, 1)), goals=_sub(rng, GOALS),
        days=_sub(rng, tuple(range(7)), rng.randint(0, 3)), times=_sub(rng, TIMES_OF_DAY, rng.randint(0, 2)),
        format=rng.choice(["any", "online", "offline"]), consent_ok=rng.random() > 0.1,
        capacity=rng.randint(1, 3) if side == "mentor" else 1,
        preferences=tuple(rng.sample(other_ids, rng.randint(0, min(3, len(other_ids))))),
    )


def random_instance(seed: int):
    rng = random.Random(seed)
    form = rng.choice(sorted(forms()))
    f = forms()[form]
    mentor_ids = rng.sample(range(1, 60), rng.randint(0, 4))
    mentee_ids = rng.sample(range(100, 160), rng.randint(0, 7))
    mentors = [random_person(rng, i, sorted(f.mentor), "mentor", mentee_ids) for i in mentor_ids]
    mentees = [random_person(rng, i, sorted(f.mentee), "mentee", mentor_ids) for i in mentee_ids]
    all_pairs = [(m, e) for m in mentor_ids for e in mentee_ids]
    excluded = set(rng.sample(all_pairs, min(len(all_pairs), rng.randint(0, 3))))
    fixed = []
    if all_pairs and rng.random() < 0.3:
        fixed = [rng.choice(all_pairs)]
    weights = Weights() if rng.random() < 0.5 else Weights.from_mapping(
        {k: rng.choice([0, 0.5, 1, 2, 5]) for k in Weights().as_dict()})
    role_models = tuple(rng.sample(f.role_models, rng.randint(0, len(f.role_models))))
    return mentors, mentees, Spec(form, TODAY, weights, role_models), excluded, fixed


def brute_force(mentors, mentees, s: Spec, excluded, fixed) -> tuple[int, int]:
    """Exhaustive search (memoised on remaining capacities): the best (matched, total units)."""
    fixed_mentees = {e for _, e in fixed}
    left = {m.id: m.capacity for m in mentors}
    for m, _ in fixed:
        left[m] -= 1
    mentor_ids = [m.id for m in mentors]
    todo = [e for e in mentees if e.id not in fixed_mentees]
    options = []
    for e in todo:
        opts = []
        for i, m in enumerate(mentors):
            if (m.id, e.id) in excluded or eligible(m, e, s) is not None:
                continue
            opts.append((i, to_units(score(m, e, s)[0])))
        options.append(opts)

    @cache
    def best(k: int, caps: tuple[int, ...]) -> tuple[int, int]:
        if k == len(todo):
            return (0, 0)
        result = best(k + 1, caps)
        for i, units in options[k]:
            if caps[i] > 0:
                c = list(caps)
                c[i] -= 1
                cnt, tot = best(k + 1, tuple(c))
                result = max(result, (cnt + 1, tot + units))
        return result

    return best(0, tuple(max(0, left[i]) for i in mentor_ids))


def _key(res):
    return ([(a.mentor_id, a.mentee_id, a.score, a.reasons, a.fixed) for a in res.assignments],
            res.unmatched, res.unmatched_mentors, res.total_score)


def test_optimal_against_brute_force() -> None:
    beaten = 0
    nontrivial = 0
    for seed in range(300):
        mentors, mentees, s, excluded, fixed = random_instance(seed)
        res = match(mentors, mentees, s, excluded=excluded, fixed=fixed)
        fixed_units = sum(to_units(a.score) for a in res.assignments if a.fixed)
        new = [a for a in res.assignments if not a.fixed]
        count, units = brute_force(mentors, mentees, s, excluded, fixed)
        assert len(new) == count, seed
        assert sum(to_units(a.score) for a in new) == units, seed
        assert res.total_score == pytest.approx((units + fixed_units) / SCALE, abs=1e-9)
        assert res.stats["score_mismatches"] == 0
        nontrivial += count > 1
        # every proposal obeys the rules
        by_m = {m.id: m for m in mentors}
        by_e = {e.id: e for e in mentees}
        load: dict[int, int] = {}
        for a in res.assignments:
            load[a.mentor_id] = load.get(a.mentor_id, 0) + 1
            if not a.fixed:
                assert eligible(by_m[a.mentor_id], by_e[a.mentee_id], s) is None
                assert (a.mentor_id, a.mentee_id) not in excluded
            assert (a.score, a.reasons) == score(by_m[a.mentor_id], by_e[a.mentee_id], s)
        for mid, n in load.items():
            assert n <= max(by_m[mid].capacity, sum(1 for m, _ in fixed if m == mid))
        matched = {a.mentee_id for a in res.assignments}
        assert set(res.unmatched) | matched == set(by_e) and not (set(res.unmatched) & matched)
        assert res.unmatched_mentors == sorted(set(by_m) - {a.mentor_id for a in res.assignments})
        # greedy never does better on the lexicographic objective
        g = greedy_match(mentors, mentees, s, excluded=excluded, fixed=fixed)
        assert (len(g.assignments), round(g.total_score * SCALE)) <= (len(res.assignments), round(res.total_score * SCALE))
        beaten += (len(g.assignments), g.total_score) < (len(res.assignments), res.total_score)
    assert nontrivial > 80 and beaten > 0


def test_vectorised_score_equals_scalar() -> None:
    rng = random.Random(7)
    for form in sorted(forms()):
        f = forms()[form]
        mentors = [random_person(rng, i, sorted(f.mentor), "mentor", list(range(100, 140))) for i in range(30)]
        mentees = [random_person(rng, 100 + i, sorted(f.mentee), "mentee", list(range(30))) for i in range(40)]
        for weights in (Weights(), Weights(goals=0.3, format=7, role_model=3)):
            s = Spec(form, TODAY, weights, f.role_models[:2])
            E, M = Side(mentees), Side(mentors)
            scorer = PairScorer(E, M, s)
            ie = np.repeat(np.arange(len(mentees)), len(mentors))
            im = np.tile(np.arange(len(mentors)), len(mentees))
            units = scorer.units(ie, im)
            expect = [to_units(score(mentors[j], mentees[i], s)[0]) for i, j in zip(ie.tolist(), im.tolist())]
            assert units.tolist() == expect
            assert 0 <= units.min() and units.max() <= SCALE


def test_deterministic_and_order_independent() -> None:
    rng = random.Random(3)
    f = forms()["teacher_student"]
    mentors = [replace(random_person(rng, i, ["teacher"], "mentor", []), consent_ok=True) for i in range(1, 40)]
    mentees = [replace(random_person(rng, i, ["school_student"], "mentee", list(range(1, 40))), consent_ok=True)
               for i in range(100, 260)]
    s = Spec("teacher_student", TODAY, Weights(), f.role_models)
    first = match(mentors, mentees, s)
    assert _key(first) == _key(match(mentors, mentees, s))
    for seed in range(3):
        ms, es = mentors[:], mentees[:]
        random.Random(seed).shuffle(ms)
        random.Random(seed + 10).shuffle(es)
        assert _key(match(ms, es, s)) == _key(first)
    assert [(a.mentor_id, a.mentee_id) for a in first.assignments] == sorted(
        (a.mentor_id, a.mentee_id) for a in first.assignments)
    # identical people: ties are still broken the same way
    twins = [Person(i, 1, "teacher", capacity=1) for i in (5, 3, 9)]
    kids = [Person(i, 1, "school_student", grade=7) for i in (40, 20, 30)]
    a = match(twins, kids, spec("teacher_student"))
    b = match(twins[::-1], kids[::-1], spec("teacher_student"))
    assert _key(a) == _key(b)


def _big_same_org(n_orgs: int, seed: int = 1):
    rng = random.Random(seed)
    mentors, mentees = [], []
    pid = 1
    for org in range(n_orgs):
        for _ in range(rng.randint(1, 4)):
            mentors.append(replace(random_person(rng, pid, ["teacher"], "mentor", []), org_id=org, consent_ok=True))
            pid += 1
        for _ in range(rng.randint(2, 9)):
            mentees.append(replace(random_person(rng, pid, ["school_student"], "mentee", []), org_id=org))
            pid += 1
    return mentors, mentees


def test_progress_calls_are_bounded_and_monotonic(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "BATCH_ARCS", 1)  # one solver batch per organisation
    mentors, mentees = _big_same_org(300)
    calls: list[tuple[str, float]] = []
    res = match(mentors, mentees, spec("teacher_student"), progress=lambda p, x: calls.append((p, x)))
    assert res.stats["solver_batches"] > 100
    assert 3 <= len(calls) <= 50
    fractions = [x for _, x in calls]
    assert fractions == sorted(fractions) and 0.0 <= fractions[0] and calls[-1] == ("done", 1.0)
    calls.clear()
    greedy_match(mentors, mentees, spec("teacher_student"), progress=lambda p, x: calls.append((p, x)))
    assert 3 <= len(calls) <= 50


def test_batches_of_organisations_do_not_change_the_optimum(monkeypatch: pytest.MonkeyPatch) -> None:
    mentors, mentees = _big_same_org(60, seed=5)
    s = spec("teacher_student")
    one = match(mentors, mentees, s)
    monkeypatch.setattr(engine, "BATCH_ARCS", 1)
    many = match(mentors, mentees, s)
    assert many.stats["solver_batches"] > one.stats["solver_batches"]
    assert (len(one.assignments), one.total_score) == (len(many.assignments), many.total_score)
    for a in one.assignments:
        assert next(m for m in mentors if m.id == a.mentor_id).org_id == next(
            e for e in mentees if e.id == a.mentee_id).org_id


def _cross_org(n_mentees: int, n_mentors: int, seed: int = 11):
    rng = random.Random(seed)
    mentors = [replace(random_person(rng, i, ["employer_rep"], "mentor", []), org_id=1000 + i % 37,
                       consent_ok=True, category="employer_rep") for i in range(1, n_mentors + 1)]
    mentees = [replace(random_person(rng, 10_000 + i, ["school_student"], "mentee",
                                     list(range(1, n_mentors + 1))), org_id=i % 23, category="school_student",
                       consent_ok=True)
               for i in range(n_mentees)]
    return mentors, mentees


def test_cross_org_candidates_are_pruned_but_nearly_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "DENSE_PAIR_LIMIT", 1000)
    mentors, mentees = _cross_org(400, 80)
    s = Spec("employer_student", TODAY, Weights(), forms()["employer_student"].role_models)
    full = match(mentors, mentees, s, max_candidates=10_000)
    pruned = match(mentors, mentees, s, max_candidates=10)
    assert full.stats["candidates"] == 400 * 80
    assert pruned.stats["candidates"] < 400 * 80 / 3
    assert len(pruned.assignments) == len(full.assignments)
    assert full.total_score >= pruned.total_score >= 0.97 * full.total_score
    g = greedy_match(mentors, mentees, s, max_candidates=10)
    assert (len(g.assignments), g.total_score) <= (len(pruned.assignments), pruned.total_score)


def test_cross_org_named_pairs_always_candidates(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "DENSE_PAIR_LIMIT", 1000)
    mentors, mentees = _cross_org(200, 60, seed=4)
    # the last mentee names the mentor that would otherwise be its worst fit
    s = Spec("employer_student", TODAY, Weights(preference=0, mutual_preference=10))
    target = mentors[-1]
    mentors[-1] = replace(target, interests=frozenset(), goals=frozenset(), days=frozenset(), format="online",
                          preferences=(mentees[-1].id,), capacity=1)
    mentees[-1] = replace(mentees[-1], format="offline", preferences=(target.id,))
    res = match(mentors, mentees, s, max_candidates=3)
    assert (target.id, mentees[-1].id) in {(a.mentor_id, a.mentee_id) for a in res.assignments}


def test_cross_org_rules_hold_in_pruned_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "DENSE_PAIR_LIMIT", 1000)
    mentors, mentees = _cross_org(300, 70, seed=9)
    mentees[0] = replace(mentees[0], consent_ok=False)
    mentors[0] = replace(mentors[0], consent_ok=False)
    excluded = {(m.id, mentees[1].id) for m in mentors}
    res = match(mentors, mentees, Spec("employer_student", TODAY), excluded=excluded, max_candidates=5)
    assert res.unmatched[mentees[0].id] == "no_consent"
    assert res.unmatched[mentees[1].id] == "no_eligible_mentor"
    assert mentors[0].id in res.unmatched_mentors
    assert not any((a.mentor_id, a.mentee_id) in excluded for a in res.assignments)


def test_giant_organisation_is_pruned_and_still_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "DENSE_PAIR_LIMIT", 100)
    rng = random.Random(2)
    mentors = [student(i, rng.randint(8, 11), age=rng.randint(15, 18), capacity=rng.randint(1, 3),
                       interests=_sub(rng, INTERESTS), goals=_sub(rng, GOALS)) for i in range(1, 60)]
    mentees = [student(i, rng.randint(5, 9), interests=_sub(rng, INTERESTS), goals=_sub(rng, GOALS))
               for i in range(100, 260)]
    exact = match(mentors, mentees, spec(), max_candidates=1000)  # k ≥ group size: every pair
    pruned = match(mentors, mentees, spec(), max_candidates=8)
    assert pruned.stats["pruned_groups"] == 1
    by_m = {m.id: m for m in mentors}
    by_e = {e.id: e for e in mentees}
    for a in pruned.assignments:
        assert eligible(by_m[a.mentor_id], by_e[a.mentee_id], spec()) is None
    assert len(pruned.assignments) == len(exact.assignments)
    assert pruned.total_score >= 0.95 * exact.total_score


def test_stats_report_phases() -> None:
    res = match([student(1, 11)], [student(2, 5)], spec())
    for key in ("candidates", "seconds_candidates", "seconds_scores", "seconds_solve", "seconds_total",
                "mentors", "mentees", "matched"):
        assert key in res.stats
    assert res.stats["candidates"] == 1 and res.stats["matched"] == 1


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_pruned_path_keeps_the_exhaustive_count(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    mentors, mentees = _cross_org(300, 80, seed=seed)
    s = Spec("employer_student", TODAY, Weights(), forms()["employer_student"].role_models)
    full = match(mentors, mentees, s)  # 24,000 pairs ≤ DENSE_PAIR_LIMIT: every pair
    assert full.stats["candidates"] == 300 * 80 and full.stats["pruned_groups"] == 0
    monkeypatch.setattr(engine, "DENSE_PAIR_LIMIT", 0)
    pruned = match(mentors, mentees, s, max_candidates=10)
    assert pruned.stats["pruned_groups"] >= 1 and pruned.stats["candidates"] < 300 * 80 / 2
    assert len(pruned.assignments) == len(full.assignments)
    assert full.total_score >= pruned.total_score >= 0.95 * full.total_score


def test_large_cross_org_never_scores_every_pair() -> None:
    mentors, mentees = _cross_org(6000, 1000, seed=3)  # 6 M pairs > DENSE_PAIR_LIMIT
    res = match(mentors, mentees, Spec("employer_student", TODAY))
    pairs = len(mentors) * len(mentees)
    assert res.stats["pruned_groups"] == 1
    assert res.stats["candidates"] < pairs / 10
    assert res.stats["cheap_scored_pairs"] < pairs / 3  # centroid products included
    assert len(res.assignments) == min(len(mentees), sum(m.capacity for m in mentors))


def test_mentor_without_consent_does_not_make_mentee_reason_no_consent() -> None:
    mentee = person(2, "school_student", org=5)
    res = match([person(1, "employer_rep", org=9, consent_ok=False)], [mentee], Spec("employer_student", TODAY))
    assert res.unmatched == {2: "no_eligible_mentor"} and res.mentor_reasons == {1: "no_consent"}
    young = student(3, 11, age=14)
    res = match([young], [student(4, 7)], spec())
    assert res.unmatched == {4: "no_eligible_mentor"} and res.mentor_reasons == {3: "mentor_age"}
    res = match([student(1, 11, capacity=0), student(5, 11, consent_ok=False)], [student(2, 5)], spec())
    assert res.unmatched == {2: "capacity"} and res.mentor_reasons == {1: "no_capacity", 5: "no_consent"}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_pruned_top_up_is_one_solve_on_the_graph_greedy_sees(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    mentors, mentees = _cross_org(300, 80, seed=seed)
    s = Spec("employer_student", TODAY, Weights(), forms()["employer_student"].role_models)
    full = match(mentors, mentees, s)
    monkeypatch.setattr(engine, "DENSE_PAIR_LIMIT", 0)
    opt = match(mentors, mentees, s, max_candidates=3)
    g = greedy_match(mentors, mentees, s, max_candidates=3)
    assert opt.stats["candidates"] == g.stats["candidates"]  # the same final candidate graph
    assert "top_up_flow_0" in opt.stats and opt.stats["solver_batches"] == 1
    assert len(opt.assignments) == len(full.assignments) >= len(g.assignments)
    assert (len(opt.assignments), opt.total_score) >= (len(g.assignments), g.total_score)


def test_a_pair_s_role_model_reason_names_the_one_it_fits_best() -> None:
    # the mentor covers two of the mentee's goals; "teacher_underachiever" (grades, exams, motivation)
    # addresses both, "teacher_gifted" (olympiads, projects, exams) one: one role model, the better one,
    # whatever the programme's order
    mentor = person(1, "teacher", goals=frozenset({"exams", "motivation", "projects"}))
    mentee = person(2, "school_student", grade=7, goals=frozenset({"exams", "motivation"}))
    _, reasons = score(mentor, mentee, spec("teacher_student", role_models=("teacher_gifted", "teacher_underachiever")))
    assert [r.items for r in reasons if r.code == "role_model"] == [("teacher_underachiever",)]
    # a tie goes to the programme's first
    one = person(3, "school_student", grade=7, goals=frozenset({"exams"}))
    _, reasons = score(mentor, one, spec("teacher_student", role_models=("teacher_gifted", "teacher_underachiever")))
    assert [r.items for r in reasons if r.code == "role_model"] == [("teacher_gifted",)]
    assert best_role_model(("teacher_gifted", "teacher_underachiever"), frozenset()) == ()
