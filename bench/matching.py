"""The matching engine at municipal and regional scale, against the greedy baseline.

    .venv/bin/python -m bench.matching [--scale municipality|region|crossorg|both|all] [--seed N]

``both`` = municipality and region, ``all`` adds the cross-organisation scenario. Each scale runs
in its own process (so peak memory is per scale), pinned to one core with BLAS limited to one
thread. For every form of mentoring the synthetic population is matched by ``match`` and by
``greedy_match`` (end to end: candidates, scores, solve, reasons) and the figures are printed.

Synthetic populations (seeded, realistic mixes of forms):
* municipality: 10,000 mentees and 2,000 mentors (capacity 1–5) in 60 organisations
  (52 schools, 4 colleges, 4 employers); same-organisation forms within each school/college,
  cross-organisation forms (college_school, employer_student, employer_collegian) across them;
* region: 200,000 mentees and 40,000 mentors in 1,500 organisations (1,300 schools, 100 colleges,
  100 employers), the same mix;
* region also runs one stress programme: everyone in one teacher_student call (5.3M pairs);
* crossorg: employer_student across a municipality, 5,000 mentees × 300 employer mentors, with
  the default candidate pruning and exhaustively (every pair scored) to show what pruning costs.
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import argparse
import random
import resource
import subprocess
import sys
import time
from dataclasses import dataclass, field, replace
from datetime import date

from domain.catalog import codes, interest_codes
from domain.matching import Person, Spec, Weights, forms, greedy_match, match
from domain.rules import TIMES_OF_DAY, is_minor

TODAY = date(2026, 9, 1)

# share of mentees / mentors per form (sums to 1)
MENTEE_MIX = {"student_student": 0.40, "teacher_student": 0.33, "teacher_teacher": 0.05,
              "college_school": 0.07, "employer_student": 0.10, "employer_collegian": 0.05}
MENTOR_MIX = {"student_student": 0.40, "teacher_student": 0.28, "teacher_teacher": 0.10,
              "college_school": 0.08, "employer_student": 0.09, "employer_collegian": 0.05}


@dataclass
class Population:
    orgs: dict[str, list[int]]                       # org type → ids
    mentors: dict[str, list[Person]] = field(default_factory=dict)
    mentees: dict[str, list[Person]] = field(default_factory=dict)


class Maker:
    """Draws people from pools of attribute sets (keeps the population small in memory)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        rng = self.rng
        interests = list(interest_codes())
        popular = [1.0 / (1 + i * 0.15) for i in range(len(interests))]
        rng.shuffle(popular)
        self.interest_pool = [frozenset(self._weighted_sample(interests, popular, rng.randint(1, 5)))
                              for _ in range(3000)]
        tags = [f"tag{i}" for i in range(400)]
        tag_w = [1.0 / (1 + i) for i in range(len(tags))]
        self.tag_pool = [frozenset()] * 6 + [frozenset(self._weighted_sample(tags, tag_w, rng.randint(1, 2)))
                                             for _ in range(1500)]
        goals = list(codes("goals"))
        self.goal_pool = [frozenset(rng.sample(goals, rng.randint(1, 3))) for _ in range(1500)]
        self.strength_pool = [frozenset(rng.sample(goals, rng.randint(2, 5))) for _ in range(1500)]
        self.days_pool = [frozenset(rng.sample(range(6), rng.randint(1, 4))) for _ in range(300)]
        self.times_pool = [frozenset(rng.sample(TIMES_OF_DAY, rng.randint(1, 2))) for _ in range(20)]
        self.next_id = 1

    def _weighted_sample(self, items: list[str], weights: list[float], k: int) -> list[str]:
        out: set[str] = set()
        while len(out) < k:
            out.add(self.rng.choices(items, weights)[0])
        return sorted(out)

    def person(self, org: int, category: str, *, mentor: bool, grade: int | None = None,
               age: int | None = None) -> Person:
        rng = self.rng
        pid = self.next_id
        self.next_id += 1
        if age is None:
            age = {"school_student": (grade or 8) + 7, "college_student": 18,
                   "young_specialist": 25}.get(category, rng.randint(28, 60))
            age += rng.choice((-1, 0)) if category == "school_student" else rng.randint(0, 2)
        minor = is_minor(TODAY.year - age, TODAY)
        return Person(
            id=pid, org_id=org, category=category, grade=grade,
            course=rng.randint(1, 4) if category == "college_student" else None,
            birth_year=TODAY.year - age,
            interests=rng.choice(self.interest_pool), tags=rng.choice(self.tag_pool),
            goals=rng.choice(self.strength_pool if mentor else self.goal_pool),
            days=rng.choice(self.days_pool), times=rng.choice(self.times_pool),
            format=rng.choices(("any", "offline", "online"), (0.6, 0.3, 0.1))[0],
            consent_ok=(not minor) or rng.random() < 0.95,
            capacity=rng.randint(1, 5) if mentor else 1,
        )


def with_preferences(maker: Maker, mentors: list[Person], mentees: list[Person], same_org: bool,
                     share: float) -> tuple[list[Person], list[Person]]:
    """Some people name up to three of the other side after the joint meeting (their org's,
    for same-organisation forms)."""
    rng = maker.rng
    by_org_m: dict[int, list[int]] = {}
    by_org_e: dict[int, list[int]] = {}
    for p in mentors:
        by_org_m.setdefault(p.org_id if same_org else 0, []).append(p.id)
    for p in mentees:
        by_org_e.setdefault(p.org_id if same_org else 0, []).append(p.id)

    def named(p: Person, pool: dict[int, list[int]]) -> tuple[int, ...]:
        ids = pool.get(p.org_id if same_org else 0, [])
        if not ids or rng.random() > share:
            return ()
        return tuple(rng.sample(ids, min(len(ids), rng.randint(1, 3))))

    mentees = [replace(p, preferences=named(p, by_org_m)) if p.consent_ok else p for p in mentees]
    mentors = [replace(p, preferences=named(p, by_org_e)) for p in mentors]
    return mentors, mentees


def build(n_mentees: int, n_mentors: int, n_schools: int, n_colleges: int, n_employers: int,
          seed: int) -> Population:
    mk = Maker(seed)
    rng = mk.rng
    org_ids = iter(range(1, 10**7))
    pop = Population(orgs={"school": [next(org_ids) for _ in range(n_schools)],
                           "college": [next(org_ids) for _ in range(n_colleges)],
                           "employer": [next(org_ids) for _ in range(n_employers)]})
    schools, colleges, employers = pop.orgs["school"], pop.orgs["college"], pop.orgs["employer"]
    # school sizes vary (small rural schools, big city ones)
    school_w = [rng.lognormvariate(0, 0.6) for _ in schools]
    college_w = [rng.lognormvariate(0, 0.4) for _ in colleges]

    def school() -> int:
        return rng.choices(schools, school_w)[0]

    def college() -> int:
        return rng.choices(colleges, college_w)[0]

    for form, share in MENTEE_MIX.items():
        n = round(n_mentees * share)
        people = []
        for _ in range(n):
            if form == "student_student":
                people.append(mk.person(school(), "school_student", mentor=False, grade=rng.randint(5, 9)))
            elif form == "teacher_student":
                if rng.random() < 0.9:
                    people.append(mk.person(school(), "school_student", mentor=False, grade=rng.randint(5, 11)))
                else:
                    people.append(mk.person(college(), "college_student", mentor=False))
            elif form == "teacher_teacher":
                org = school() if rng.random() < 0.85 else college()
                people.append(mk.person(org, "young_specialist" if rng.random() < 0.8 else "teacher", mentor=False))
            elif form in ("college_school", "employer_student"):
                people.append(mk.person(school(), "school_student", mentor=False, grade=rng.randint(8, 11)))
            else:
                people.append(mk.person(college(), "college_student", mentor=False))
        pop.mentees[form] = people
    for form, share in MENTOR_MIX.items():
        n = round(n_mentors * share)
        people = []
        for _ in range(n):
            if form == "student_student":
                people.append(mk.person(school(), "school_student", mentor=True, grade=rng.randint(9, 11)))
            elif form in ("teacher_student", "teacher_teacher"):
                org = school() if rng.random() < 0.9 else college()
                people.append(mk.person(org, "teacher", mentor=True))
            elif form == "college_school":
                people.append(mk.person(college(), "college_student", mentor=True))
            else:
                people.append(mk.person(rng.choice(employers), "employer_rep", mentor=True))
        pop.mentors[form] = people
    for form in MENTEE_MIX:
        same = forms()[form].same_org
        pop.mentors[form], pop.mentees[form] = with_preferences(
            mk, pop.mentors[form], pop.mentees[form], same, 0.4 if same else 0.1)
    return pop


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_population(title: str, pop: Population, *, max_candidates: int | None = None) -> dict[str, float]:
    print(f"== {title}: {sum(map(len, pop.mentees.values())):,} mentees, "
          f"{sum(map(len, pop.mentors.values())):,} mentors, {sum(map(len, pop.orgs.values())):,} orgs; "
          f"RSS after building the data {rss_mb():,.0f} MB")
    print(f"{'form':<20}{'mentees':>9}{'mentors':>9}{'cands':>11}"
          f"{'opt s':>8}{'opt matched':>12}{'opt score':>11}{'greedy s':>10}{'gr matched':>11}{'gr score':>10}"
          f"   phases (cand/score/solve/reasons s)")
    tot = {"bad": 0, "opt_t": 0.0, "gr_t": 0.0, "opt_n": 0, "gr_n": 0, "opt_s": 0.0, "gr_s": 0.0, "cands": 0}
    for form in MENTEE_MIX:
        mentors, mentees = pop.mentors[form], pop.mentees[form]
        spec = Spec(form, TODAY, Weights(), forms()[form].role_models)
        t = time.perf_counter()
        opt = match(mentors, mentees, spec, max_candidates=max_candidates)
        opt_t = time.perf_counter() - t
        t = time.perf_counter()
        gr = greedy_match(mentors, mentees, spec, max_candidates=max_candidates)
        gr_t = time.perf_counter() - t
        st = opt.stats
        print(f"{form:<20}{len(mentees):>9,}{len(mentors):>9,}{int(st['candidates']):>11,}"
              f"{opt_t:>8.2f}{len(opt.assignments):>12,}{opt.total_score:>11.1f}"
              f"{gr_t:>10.2f}{len(gr.assignments):>11,}{gr.total_score:>10.1f}"
              f"   {st['seconds_candidates']:.2f}/{st['seconds_scores']:.2f}/{st['seconds_solve']:.2f}"
              f"/{st['seconds_reasons']:.2f}")
        if len(opt.assignments) < len(gr.assignments) or st["score_mismatches"] or gr.stats["score_mismatches"]:
            tot["bad"] = 1
        tot["opt_t"] += opt_t
        tot["gr_t"] += gr_t
        tot["opt_n"] += len(opt.assignments)
        tot["gr_n"] += len(gr.assignments)
        tot["opt_s"] += opt.total_score
        tot["gr_s"] += gr.total_score
        tot["cands"] += int(st["candidates"])
    print(f"{'TOTAL':<20}{'':>18}{tot['cands']:>11,}{tot['opt_t']:>8.2f}{tot['opt_n']:>12,}{tot['opt_s']:>11.1f}"
          f"{tot['gr_t']:>10.2f}{tot['gr_n']:>11,}{tot['gr_s']:>10.1f}")
    print(f"optimal vs greedy: +{tot['opt_n'] - tot['gr_n']:,} mentees matched, "
          f"score +{tot['opt_s'] - tot['gr_s']:.1f} (+{100 * (tot['opt_s'] / tot['gr_s'] - 1):.2f} %); "
          f"engine time {tot['opt_t']:.2f} s; peak RSS of the process {peak_mb():,.0f} MB")
    return tot


def check_population(scale: str, tot: dict[str, float], limit_s: float, limit_mb: float | None) -> list[str]:
    misses = []
    if tot["opt_t"] > limit_s:
        misses.append(f"{scale}: engine {tot['opt_t']:.2f} s > {limit_s:g} s")
    if limit_mb is not None and peak_mb() > limit_mb:
        misses.append(f"{scale}: peak RSS {peak_mb():,.0f} MB > {limit_mb:,.0f} MB")
    if tot["bad"] or not (tot["opt_s"] > tot["gr_s"] and tot["opt_n"] >= tot["gr_n"]):
        misses.append(f"{scale}: optimal not better than greedy (or a score mismatch)")
    return misses


def one_programme(pop: Population) -> None:
    """Stress: every mentee and mentor of the population in one teacher_student programme
    (organisations kept), i.e. one engine call over the whole region."""
    schools_colleges = pop.orgs["school"] + pop.orgs["college"]
    mentors = [replace(p, category="teacher", org_id=schools_colleges[i % len(schools_colleges)])
               for i, p in enumerate(p for people in pop.mentors.values() for p in people)]
    mentees = [replace(p, category="school_student", org_id=schools_colleges[i % len(schools_colleges)],
                       consent_ok=True)
               for i, p in enumerate(p for people in pop.mentees.values() for p in people)]
    spec = Spec("teacher_student", TODAY, Weights(), forms()["teacher_student"].role_models)
    print(f"== one programme over everyone (stress): teacher_student, {len(mentees):,} mentees × "
          f"{len(mentors):,} mentors in {len(schools_colleges):,} organisations")
    for label, fn in (("match", match), ("greedy", greedy_match)):
        t = time.perf_counter()
        res = fn(mentors, mentees, spec)
        el = time.perf_counter() - t
        st = res.stats
        print(f"{label:<7} {el:6.2f} s  candidates {int(st['candidates']):>10,}  matched {len(res.assignments):>7,}  "
              f"score {res.total_score:10.1f}   (prepare {st['seconds_prepare']:.2f} / cand "
              f"{st['seconds_candidates']:.2f} / score {st['seconds_scores']:.2f} / solve {st['seconds_solve']:.2f}"
              f" / reasons {st['seconds_reasons']:.2f} s)")
    print(f"peak RSS of the process {peak_mb():,.0f} MB")


def crossorg(seed: int) -> None:
    mk = Maker(seed)
    rng = mk.rng
    schools = list(range(1, 53))
    employers = list(range(100, 160))
    mentees = [mk.person(rng.choice(schools), "school_student", mentor=False, grade=rng.randint(8, 11))
               for _ in range(5000)]
    mentors = [mk.person(rng.choice(employers), "employer_rep", mentor=True) for _ in range(300)]
    mentors, mentees = with_preferences(mk, mentors, mentees, False, 0.1)
    spec = Spec("employer_student", TODAY, Weights(), forms()["employer_student"].role_models)
    print(f"== crossorg: employer_student across a municipality, {len(mentees):,} mentees × "
          f"{len(mentors):,} employer mentors (capacity 1–5, {sum(m.capacity for m in mentors):,} places)")
    for label, fn, k in (("match, default candidates", match, None),
                         ("greedy, default candidates", greedy_match, None),
                         ("match, every pair scored", match, 10**6)):
        t = time.perf_counter()
        res = fn(mentors, mentees, spec, max_candidates=k)
        el = time.perf_counter() - t
        st = res.stats
        print(f"{label:<28} {el:6.2f} s  candidates {int(st['candidates']):>9,}  matched {len(res.assignments):>5,}  "
              f"score {res.total_score:9.1f}   (cand {st['seconds_candidates']:.2f} / score "
              f"{st['seconds_scores']:.2f} / solve {st['seconds_solve']:.2f} / reasons {st['seconds_reasons']:.2f} s)")
    print(f"peak RSS of the process {peak_mb():,.0f} MB")


def region_crossorg(seed: int) -> list[str]:
    """ONE employer_student programme over the whole region: every mentee a school student of
    grades 8–11 in one of 1,300 schools, every mentor an employer representative (100 employers),
    engine and greedy in the same process."""
    misses: list[str] = []
    t = time.perf_counter()
    mk = Maker(seed)
    rng = mk.rng
    schools = list(range(1, 1301))
    school_w = [rng.lognormvariate(0, 0.6) for _ in schools]
    employers = list(range(2001, 2101))
    mentees = [mk.person(rng.choices(schools, school_w)[0], "school_student", mentor=False,
                         grade=rng.randint(8, 11)) for _ in range(200_000)]
    mentors = [mk.person(rng.choice(employers), "employer_rep", mentor=True) for _ in range(40_000)]
    mentors, mentees = with_preferences(mk, mentors, mentees, False, 0.1)
    spec = Spec("employer_student", TODAY, Weights(), forms()["employer_student"].role_models)
    print(f"built in {time.perf_counter() - t:.1f} s; RSS after building the data {rss_mb():,.0f} MB")
    print(f"== region-crossorg: ONE employer_student programme, {len(mentees):,} mentees × {len(mentors):,} "
          f"employer mentors (capacity 1–5, {sum(m.capacity for m in mentors):,} places), "
          f"{len(mentees) * len(mentors):,} possible pairs")
    out = {}
    for label, fn in (("match", match), ("greedy", greedy_match)):
        t = time.perf_counter()
        res = fn(mentors, mentees, spec)
        el = time.perf_counter() - t
        st = res.stats
        out[label] = (el, len(res.assignments), res.total_score)
        print(f"{label:<7} {el:6.2f} s  candidates {int(st['candidates']):>10,}  cheap-scored pairs "
              f"{int(st.get('cheap_scored_pairs', 0)):>11,}  matched {len(res.assignments):>7,}  "
              f"score {res.total_score:10.1f}   (prepare {st['seconds_prepare']:.2f} / cand "
              f"{st['seconds_candidates']:.2f} / score {st['seconds_scores']:.2f} / solve {st['seconds_solve']:.2f}"
              f" / reasons {st['seconds_reasons']:.2f} s)  peak RSS so far {peak_mb():,.0f} MB")
        flows = [int(st[f"top_up_flow_{i}"]) for i in range(10) if f"top_up_flow_{i}" in st]
        print(f"        top-up: maximum flows {' → '.join(f'{x:,}' for x in flows)}, "
              f"+{int(st.get('top_up_candidates', 0)):,} arcs, {st.get('seconds_top_up', 0):.2f} s "
              f"(max flows {st.get('seconds_prepass', 0):.2f} s); "
              f"{'ONE min-cost flow' if label == 'match' else 'greedy'} over the union")
        if st["score_mismatches"]:
            misses.append(f"region-crossorg {label}: {st['score_mismatches']} score mismatches")
    peak = peak_mb()
    print(f"peak RSS of the process {peak:,.0f} MB")
    (et, en, es), (_, gn, gs) = out["match"], out["greedy"]
    if et > 60:
        misses.append(f"region-crossorg: engine {et:.1f} s > 60 s")
    if peak > 2048:
        misses.append(f"region-crossorg: peak RSS {peak:,.0f} MB > 2 GB")
    if not (es > gs and en >= gn):
        misses.append(f"region-crossorg: optimal ({en}, {es:.1f}) not better than greedy ({gn}, {gs:.1f})")
    return misses


def child(scale: str, seed: int) -> None:
    try:
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    print(f"-- scale={scale} seed={seed} cores={cores} python={sys.version.split()[0]}")
    misses: list[str] = []
    if scale == "municipality":
        t = time.perf_counter()
        pop = build(10_000, 2_000, 52, 4, 4, seed)
        print(f"built in {time.perf_counter() - t:.1f} s")
        misses = check_population(scale, run_population("municipality", pop), 2.0, None)
    elif scale == "region":
        t = time.perf_counter()
        pop = build(200_000, 40_000, 1_300, 100, 100, seed)
        print(f"built in {time.perf_counter() - t:.1f} s")
        misses = check_population(scale, run_population("region", pop), 60.0, 2048)
        one_programme(pop)
        if peak_mb() > 2048:
            misses.append(f"region (one programme): peak RSS {peak_mb():,.0f} MB > 2 GB")
    elif scale == "crossorg":
        crossorg(seed)
    elif scale == "region-crossorg":
        misses = region_crossorg(seed)
    else:
        raise SystemExit(f"unknown scale {scale}")
    for miss in misses:
        print(f"TARGET MISSED: {miss}")
    if misses:
        raise SystemExit(1)
    print(f"targets met ({scale})")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--scale", default="both",
                   choices=["municipality", "region", "crossorg", "region-crossorg", "both", "all"])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child:
        child(a.scale, a.seed)
        return
    scales = {"both": ["municipality", "region"],
              "all": ["municipality", "crossorg", "region", "region-crossorg"]}.get(a.scale, [a.scale])
    failed = []
    for scale in scales:
        rc = subprocess.run([sys.executable, "-m", "bench.matching", "--child", "--scale", scale,
                             "--seed", str(a.seed)], check=False).returncode
        if rc:
            failed.append(scale)
    if failed:
        print(f"targets missed or errors in: {', '.join(failed)}")
        raise SystemExit(1)


if __name__ == "__main__":
    main()
