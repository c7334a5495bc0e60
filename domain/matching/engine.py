"""Matching: candidates → scores → an optimal assignment (OR-Tools min-cost flow).

Objective, lexicographic and exact on the candidate graph: (1) the number of mentees matched,
(2) the total score. It is solved as one max-flow-with-min-cost problem:

    source ─(remaining capacity, 0)→ mentor ─(1, SCALE − score units)→ mentee ─(1, 0)→ sink

``SimpleMinCostFlow.solve_max_flow_with_min_cost`` first maximises the flow (= mentees matched,
capacities included) and, among maximum flows, minimises the cost. Every unit of flow crosses
exactly one mentor→mentee arc, so minimising Σ(SCALE − score) over a flow of fixed size maximises
Σ score. Scores are integers (score·10⁴, see scoring.py), so there is no floating-point slack.

Candidate graph. The solver sees only the pairs that pass the hard rules (rules.py) and:

* forms with ``same_org``: every mentee–mentor pair within each organisation (organisations are
  small). Pairs across organisations are forbidden by the form anyway, so this blocking loses
  nothing: the result is optimal over all allowed pairs. The organisations are independent
  sub-problems and are solved in batches of whole organisations (still exact). Only an
  organisation with more than ``ORG_DENSE_LIMIT`` pairs (a mis-configured giant) is pruned like a
  cross-organisation form, and ``stats['pruned_groups']`` says so.
* cross-organisation forms: when both sides have more than ``max_candidates`` eligible people,
  a cheap score (a dot product of small per-person feature vectors: folded interest/tag bits
  normalised like a cosine, goal bits, availability slots, format, role-model goals) is computed
  in blocks with numpy, and the union of each mentee's ``max_candidates`` best mentors, each
  mentor's ``max_candidates`` best mentees and every pair where someone named the other is
  scored exactly. The cheap stage is O(n·m·F) flops but O(n·K) memory; only candidates get the
  full score. (An inverted index over codes would not prune: the catalogue has ~45 interest and
  goal codes, so nearly every mentor shares one with every mentee.) Optimality is exact on this
  candidate graph; the mentor-side lists keep every eligible mentor with capacity reachable, so
  pruning rarely costs a match (bench/matching.py compares pruned and exhaustive runs). Pass a
  large ``max_candidates`` to make a cross-organisation run exhaustive.

Determinism: people are sorted by id, pairs and arcs are generated in a fixed order from that,
and the solver is deterministic, so the same input (in any order) gives the same result.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Collection, Iterable, Sequence

import numpy as np
from ortools.graph.python import min_cost_flow

from .forms import Form, get_form
from .model import Assignment, MatchResult, Person, Spec
from .rules import mentee_rule, mentor_rule
from .scoring import SCALE, PairScorer, Side, score

DEFAULT_MAX_CANDIDATES = 50
ORG_DENSE_LIMIT = 2_000_000
BATCH_ARCS = 250_000
BLOCK_ELEMS = 1 << 22
MAX_PROGRESS_CALLS = 40

Progress = Callable[[str, float], None]

# overall fraction at which each phase starts
_PHASES = {"prepare": 0.0, "candidates": 0.1, "scores": 0.35, "solve": 0.5, "reasons": 0.9, "done": 1.0}


class _Reporter:
    """Calls ``progress(phase, fraction)`` with fraction ∈ [0, 1] non-decreasing over the run,
    on phase changes and at most every 5 % — never more than MAX_PROGRESS_CALLS times."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.calls = 0
        self.phase = ""
        self.last = -1.0

    def __call__(self, phase: str, within: float = 0.0) -> None:
        if self.progress is None:
            return
        names = list(_PHASES)
        start = _PHASES[phase]
        end = _PHASES[names[min(names.index(phase) + 1, len(names) - 1)]]
        frac = min(1.0, max(self.last, start + (end - start) * min(1.0, max(0.0, within))))
        if phase == self.phase and frac - self.last < 0.05:
            return
        if self.calls >= MAX_PROGRESS_CALLS:
            return
        self.calls += 1
        self.phase, self.last = phase, frac
        self.progress(phase, frac)


class _Run:
    def __init__(self, mentors: Iterable[Person], mentees: Iterable[Person], spec: Spec,
                 excluded: Collection[tuple[int, int]], fixed: Sequence[tuple[int, int]],
                 progress: Progress | None, max_candidates: int | None) -> None:
        self.t0 = time.perf_counter()
        self.report = _Reporter(progress)
        self.report("prepare")
        self.spec = spec
        self.form: Form = get_form(spec.form)
        k = DEFAULT_MAX_CANDIDATES if max_candidates is None else int(max_candidates)
        if k < 1:
            raise ValueError("max_candidates must be at least 1")
        self.k = k
        mentor_list = sorted(mentors, key=lambda p: p.id)
        mentee_list = sorted(mentees, key=lambda p: p.id)
        for side, people in (("mentor", mentor_list), ("mentee", mentee_list)):
            for a, b in itertools.pairwise(people):
                if a.id == b.id:
                    raise ValueError(f"duplicate {side} id {a.id}")
        self.M = Side(mentor_list)
        self.E = Side(mentee_list)
        self.scorer = PairScorer(self.E, self.M, spec)
        nm, ne = self.M.n, self.E.n
        year = spec.today.year

        # approved pairs kept from an earlier run
        used = np.zeros(nm, dtype=np.int64)
        self.fixed_pairs: list[tuple[int, int]] = []  # (mentor row, mentee row)
        fixed_mentees: set[int] = set()
        fixed_skipped = 0
        for mentor_id, mentee_id in sorted(set(fixed)):
            mr, er = self.M.row_of.get(mentor_id), self.E.row_of.get(mentee_id)
            if mr is None or er is None or er in fixed_mentees:
                fixed_skipped += 1  # someone not in the input, or a mentee fixed twice
                continue
            fixed_mentees.add(er)
            used[mr] += 1
            self.fixed_pairs.append((mr, er))
        cap = np.fromiter((p.capacity for p in mentor_list), dtype=np.int64, count=nm)
        self.remaining = np.maximum(cap - used, 0)

        self.unmatched: dict[int, str] = {}
        active_e = np.zeros(ne, dtype=bool)
        for row, p in enumerate(mentee_list):
            if row in fixed_mentees:
                continue
            rule = mentee_rule(self.form, p)
            if rule is None:
                active_e[row] = True
            else:
                self.unmatched[p.id] = "no_consent" if rule == "no_consent" else "no_eligible_mentor"
        ok_m = np.fromiter((mentor_rule(self.form, p, year) is None for p in mentor_list), dtype=bool, count=nm)
        self.active_e = active_e
        self.active_m = ok_m & (self.remaining > 0)
        self.full_m = ok_m & (self.remaining == 0)
        self.fixed_mentees = fixed_mentees

        # pair-level rule inputs
        self.student_m = np.fromiter((self.form.is_student_mentor(p.category) for p in mentor_list),
                                     dtype=bool, count=nm)
        self.grade_known_e = np.fromiter((p.grade is not None for p in mentee_list), dtype=bool, count=ne)
        self.grade_known_m = np.fromiter((p.grade is not None for p in mentor_list), dtype=bool, count=nm)
        ex_keys = []
        for mentor_id, mentee_id in excluded:
            mr, er = self.M.row_of.get(mentor_id), self.E.row_of.get(mentee_id)
            if mr is not None and er is not None:
                ex_keys.append(er * nm + mr)
        self.excluded_keys = np.unique(np.array(ex_keys, dtype=np.int64))
        self.stats: dict[str, float] = {
            "mentors": nm, "mentees": ne, "fixed": len(self.fixed_pairs), "fixed_skipped": fixed_skipped,
            "max_candidates": k, "pruned_groups": 0,
        }
        self.stats["seconds_prepare"] = time.perf_counter() - self.t0

    # ------------------------------------------------------------------ rules on pairs

    def pair_ok(self, ie: np.ndarray, im: np.ndarray) -> np.ndarray:
        """Pair-level hard rules (grade gap of student mentors, excluded pairs); the one-sided
        rules are applied by choosing the active rows, same organisation by the grouping."""
        ok = np.ones(len(ie), dtype=bool)
        if self.form.student_mentor and self.student_m.any():
            st = self.student_m[im]
            gap_ok = (self.grade_known_e[ie] & self.grade_known_m[im]
                      & (self.M.grade[im] - self.E.grade[ie] >= self.form.min_grade_gap))
            ok &= ~st | gap_ok
        if len(self.excluded_keys):
            keys = ie.astype(np.int64) * self.M.n + im
            pos = np.searchsorted(self.excluded_keys, keys)
            pos[pos >= len(self.excluded_keys)] = 0
            ok &= self.excluded_keys[pos] != keys
        return ok

    def block_ok(self, e_rows: np.ndarray, m_rows: np.ndarray) -> np.ndarray | None:
        """The same rules over a grid (len(e_rows) × len(m_rows)); None when all pass."""
        ok = None
        if self.form.student_mentor and self.student_m[m_rows].any():
            st = self.student_m[m_rows][None, :]
            gap_ok = (self.grade_known_e[e_rows][:, None] & self.grade_known_m[m_rows][None, :]
                      & (self.M.grade[m_rows][None, :] - self.E.grade[e_rows][:, None] >= self.form.min_grade_gap))
            ok = ~st | gap_ok
        if len(self.excluded_keys):
            # e_rows and m_rows are ascending (callers pass them so)
            nm = self.M.n
            ex_e, ex_m = self.excluded_keys // nm, self.excluded_keys % nm
            r = np.searchsorted(e_rows, ex_e)
            c = np.searchsorted(m_rows, ex_m)
            hit = (r < len(e_rows)) & (c < len(m_rows))
            hit[hit] &= (e_rows[r[hit]] == ex_e[hit]) & (m_rows[c[hit]] == ex_m[hit])
            if hit.any():
                if ok is None:
                    ok = np.ones((len(e_rows), len(m_rows)), dtype=bool)
                ok[r[hit], c[hit]] = False
        return ok

    # ------------------------------------------------------------------ candidates

    def candidates(self, e_rows: np.ndarray, m_rows: np.ndarray, k: int, *, report: bool = True
                   ) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
        """Candidate pairs (mentee rows, mentor rows) and segments of independent groups."""
        empty = np.zeros(0, dtype=np.int64)
        if len(e_rows) == 0 or len(m_rows) == 0:
            return empty, empty, []
        if not self.form.same_org:
            ie, im = self.group_candidates(e_rows, m_rows, k, report=report)
            return ie, im, [(0, len(ie))] if len(ie) else []
        E, M = self.E, self.M
        e_sorted = e_rows[np.argsort(E.org[e_rows], kind="stable")]
        m_sorted = m_rows[np.argsort(M.org[m_rows], kind="stable")]
        orgs_e, e_start, e_cnt = np.unique(E.org[e_sorted], return_index=True, return_counts=True)
        orgs_m, m_start, m_cnt = np.unique(M.org[m_sorted], return_index=True, return_counts=True)
        _, ie_i, im_i = np.intersect1d(orgs_e, orgs_m, assume_unique=True, return_indices=True)
        ce, cm = e_cnt[ie_i].astype(np.int64), m_cnt[im_i].astype(np.int64)
        es, ms = e_start[ie_i].astype(np.int64), m_start[im_i].astype(np.int64)
        pc = ce * cm
        big = pc > ORG_DENSE_LIMIT
        d = ~big
        pcd = pc[d]
        total = int(pcd.sum())
        group = np.repeat(np.arange(len(pcd)), pcd)
        k_in = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(pcd) - pcd, pcd)
        cmd = np.repeat(cm[d], pcd)
        ie = e_sorted[np.repeat(es[d], pcd) + k_in // cmd]
        im = m_sorted[np.repeat(ms[d], pcd) + k_in % cmd]
        del k_in, cmd
        ok = self.pair_ok(ie, im)
        ie, im, group = ie[ok], im[ok], group[ok]
        counts = np.bincount(group, minlength=len(pcd))
        ends = np.cumsum(counts)
        segments = [(int(a), int(b)) for a, b in zip(ends - counts, ends) if b > a]
        if report:
            self.report("candidates", 0.5)
        parts_e, parts_m = [ie], [im]
        offset = len(ie)
        big_idx = np.flatnonzero(big)
        for n_done, g in enumerate(big_idx):
            ge = e_sorted[es[g]:es[g] + ce[g]]
            gm = m_sorted[ms[g]:ms[g] + cm[g]]
            pe, pm = self.group_candidates(ge, gm, k, report=False)
            if len(pe):
                parts_e.append(pe)
                parts_m.append(pm)
                segments.append((offset, offset + len(pe)))
                offset += len(pe)
            if report:
                self.report("candidates", 0.5 + 0.5 * (n_done + 1) / len(big_idx))
        if report:
            self.stats["pruned_groups"] += len(big_idx)
        return np.concatenate(parts_e), np.concatenate(parts_m), segments

    def group_candidates(self, e_rows: np.ndarray, m_rows: np.ndarray, k: int, *, report: bool
                         ) -> tuple[np.ndarray, np.ndarray]:
        """All allowed pairs of one group when small; else the union of top-k lists by the
        cheap score plus every pair where someone named the other. Sorted by (mentee, mentor)."""
        n, m = len(e_rows), len(m_rows)
        nm = self.M.n
        if n <= k or m <= k:
            ie = np.repeat(e_rows, m)
            im = np.tile(m_rows, n)
            ok = self.pair_ok(ie, im)
            return ie[ok], im[ok]
        fe, fm = self.features(e_rows, m_rows)
        fmt = np.ascontiguousarray(fm.T)
        block = max(1, BLOCK_ELEMS // m)
        keys_parts = []
        best_v = np.full((k, m), -np.inf, dtype=np.float32)
        best_r = np.full((k, m), -1, dtype=np.int64)
        cols = np.arange(m)
        n_blocks = (n + block - 1) // block
        for b, s in enumerate(range(0, n, block)):
            rows = e_rows[s:s + block]
            c = fe[s:s + block] @ fmt
            ok = self.block_ok(rows, m_rows)
            if ok is not None:
                c[~ok] = -np.inf
            # each mentee's k best mentors
            top = np.argpartition(-c, k - 1, axis=1)[:, :k]
            vals = np.take_along_axis(c, top, axis=1)
            r_loc, c_loc = np.nonzero(np.isfinite(vals))
            keys_parts.append(rows[r_loc] * nm + m_rows[top[r_loc, c_loc]])
            # each mentor's k best mentees so far
            stacked = np.vstack([best_v, c])
            sel = np.argpartition(-stacked, k - 1, axis=0)[:k]
            best_v = np.take_along_axis(stacked, sel, axis=0)
            from_old = sel < k
            new_r = np.where(from_old, 0, sel - k + s)
            old_r = np.take_along_axis(best_r, np.where(from_old, sel, 0), axis=0)
            best_r = np.where(from_old, old_r, new_r)
            if report:
                self.report("candidates", (b + 1) / n_blocks)
        fin = np.isfinite(best_v) & (best_r >= 0)
        rr, cc = np.nonzero(fin)
        keys_parts.append(e_rows[best_r[rr, cc]] * nm + m_rows[cols[cc]])
        # named pairs inside this group
        ne_, nm_ = self.scorer.named_pairs()
        if len(ne_):
            in_e = np.zeros(self.E.n, dtype=bool)
            in_e[e_rows] = True
            in_m = np.zeros(nm, dtype=bool)
            in_m[m_rows] = True
            sel_named = in_e[ne_] & in_m[nm_]
            ne_, nm_ = ne_[sel_named], nm_[sel_named]
            ok = self.pair_ok(ne_, nm_)
            keys_parts.append(ne_[ok] * nm + nm_[ok])
        keys = np.unique(np.concatenate(keys_parts))
        return keys // nm, keys % nm

    def features(self, e_rows: np.ndarray, m_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cheap-score feature vectors: fe[i] · fm[j] approximates the pair's score."""
        E, M, w = self.E, self.M, self.spec.weights
        fe_parts: list[np.ndarray] = []
        fm_parts: list[np.ndarray] = []

        def bits(arr: np.ndarray) -> np.ndarray:
            nrow, words = arr.shape
            b = np.unpackbits(np.ascontiguousarray(arr).view(np.uint8).reshape(nrow, words * 8),
                              axis=1, bitorder="little")
            if words > 1:
                b = b.reshape(nrow, words, 64).sum(axis=1)
            return b.astype(np.float32)

        def norm(x: np.ndarray) -> np.ndarray:
            x = x.astype(np.float32)
            return np.divide(1.0, x, out=np.zeros_like(x), where=x > 0)

        # interests + tags: cosine of the bit vectors
        be, bm = bits(E.tokbits[e_rows]), bits(M.tokbits[m_rows])
        fe_parts.append(be * (w.interests * np.sqrt(norm(E.ntok[e_rows])))[:, None])
        fm_parts.append(bm * np.sqrt(norm(M.ntok[m_rows]))[:, None])
        # goals: share of the mentee's goals covered (exact)
        ge, gm = bits(E.goalbits[e_rows]), bits(M.goalbits[m_rows])
        fe_parts.append(ge * (w.goals * norm(E.ngoals[e_rows]))[:, None])
        fm_parts.append(gm)
        # role model goals
        if self.spec.role_models:
            rme = bits(E.goalbits[e_rows] & self.scorer.rm_mask[None, :])
            cnt = rme.sum(axis=1)
            fe_parts.append(rme * (w.role_model * norm(cnt))[:, None])
            fm_parts.append(gm)
        # availability: cosine of slot vectors
        se = ((E.slots[e_rows][:, None] >> np.arange(21, dtype=np.uint32)) & 1).astype(np.float32)
        sm = ((M.slots[m_rows][:, None] >> np.arange(21, dtype=np.uint32)) & 1).astype(np.float32)
        fe_parts.append(se * (w.availability * np.sqrt(norm(E.nslots[e_rows])))[:, None])
        fm_parts.append(sm * np.sqrt(norm(M.nslots[m_rows]))[:, None])
        # format: 1 − on_e·off_m − off_e·on_m
        fe_f, fm_f = E.fmt[e_rows], M.fmt[m_rows]
        fe_parts.append(np.stack([np.full(len(e_rows), w.format), -w.format * (fe_f == 1),
                                  -w.format * (fe_f == 2)], axis=1).astype(np.float32))
        fm_parts.append(np.stack([np.ones(len(m_rows)), (fm_f == 2), (fm_f == 1)], axis=1).astype(np.float32))
        return (np.ascontiguousarray(np.hstack(fe_parts), dtype=np.float32),
                np.ascontiguousarray(np.hstack(fm_parts), dtype=np.float32))

    # ------------------------------------------------------------------ solving

    def solve_optimal(self, ie: np.ndarray, im: np.ndarray, units: np.ndarray,
                      segments: list[tuple[int, int]]) -> np.ndarray:
        chosen = np.zeros(len(ie), dtype=bool)
        batches: list[tuple[int, int]] = []
        for a, b in segments:  # consecutive segments → batches of whole groups
            if batches and batches[-1][1] == a and batches[-1][1] - batches[-1][0] < BATCH_ARCS:
                batches[-1] = (batches[-1][0], b)
            else:
                batches.append((a, b))
        self.stats["solver_batches"] = len(batches)
        for i, (a, b) in enumerate(batches):
            chosen[a:b] = self._flow(ie[a:b], im[a:b], units[a:b])
            self.report("solve", (i + 1) / len(batches))
        return chosen

    def _flow(self, ie: np.ndarray, im: np.ndarray, units: np.ndarray) -> np.ndarray:
        mu, m_loc = np.unique(im, return_inverse=True)
        eu, e_loc = np.unique(ie, return_inverse=True)
        a, b, p = len(mu), len(eu), len(ie)
        tails = np.concatenate([np.zeros(a), 2 + m_loc, 2 + a + np.arange(b)]).astype(np.int32)
        heads = np.concatenate([2 + np.arange(a), 2 + a + e_loc, np.ones(b)]).astype(np.int32)
        caps = np.concatenate([self.remaining[mu], np.ones(p), np.ones(b)]).astype(np.int64)
        costs = np.concatenate([np.zeros(a), SCALE - units, np.zeros(b)]).astype(np.int64)
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        flow.set_nodes_supplies(np.array([0, 1], dtype=np.int32), np.array([b, -b], dtype=np.int64))
        status = flow.solve_max_flow_with_min_cost()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
        return flow.flows(np.arange(a, a + p, dtype=np.int32)) > 0

    def solve_greedy(self, ie: np.ndarray, im: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Baseline: best-scoring pair first (ties by mentee id, then mentor id)."""
        order = np.lexsort((self.M.ids[im], self.E.ids[ie], -units))
        left = self.remaining.copy().tolist()
        taken = [False] * self.E.n
        chosen = np.zeros(len(ie), dtype=bool)
        todo = len(np.unique(ie))
        step = 1 << 16
        for start in range(0, len(order), step):  # in chunks: no Python list of every pair
            idx = order[start:start + step]
            for i, e, m in zip(idx.tolist(), ie[idx].tolist(), im[idx].tolist()):
                if taken[e] or left[m] <= 0:
                    continue
                taken[e] = True
                left[m] -= 1
                chosen[i] = True
                todo -= 1
            if todo == 0:
                break
        self.report("solve", 1.0)
        return chosen

    # ------------------------------------------------------------------ the run

    def run(self, greedy: bool) -> MatchResult:
        t = time.perf_counter()
        self.report("candidates")
        e_rows = np.flatnonzero(self.active_e)
        m_rows = np.flatnonzero(self.active_m)
        ie, im, segments = self.candidates(e_rows, m_rows, self.k)
        self.stats["candidates"] = len(ie)
        self.stats["seconds_candidates"] = time.perf_counter() - t

        t = time.perf_counter()
        self.report("scores")
        units = self.scorer.units(ie, im)
        self.stats["seconds_scores"] = time.perf_counter() - t

        t = time.perf_counter()
        self.report("solve")
        chosen = self.solve_greedy(ie, im, units) if greedy else self.solve_optimal(ie, im, units, segments)
        self.stats["seconds_solve"] = time.perf_counter() - t

        t = time.perf_counter()
        self.report("reasons")
        E, M = self.E, self.M
        pairs: list[tuple[int, int, bool, int]] = [(mr, er, True, -1) for mr, er in self.fixed_pairs]
        pairs += [(mr, er, False, u) for mr, er, u in zip(im[chosen].tolist(), ie[chosen].tolist(),
                                                          units[chosen].tolist())]
        assignments = []
        total_units = 0
        mismatches = 0
        for mr, er, is_fixed, solver_units in pairs:
            value, reasons = score(M.persons[mr], E.persons[er], self.spec)
            value_units = round(value * SCALE)
            total_units += value_units
            mismatches += not is_fixed and value_units != solver_units
            assignments.append(Assignment(M.persons[mr].id, E.persons[er].id, value, reasons, is_fixed))
        self.stats["score_mismatches"] = mismatches  # scalar vs vectorised score; 0 (tests check)
        assignments.sort(key=lambda x: (x.mentor_id, x.mentee_id))

        # why the others were left out
        matched_e = np.zeros(E.n, dtype=bool)
        matched_e[ie[chosen]] = True
        has_cand = np.zeros(E.n, dtype=bool)
        has_cand[ie] = True
        left_out = self.active_e & ~matched_e
        unmatched = dict(self.unmatched)
        no_cand = np.flatnonzero(left_out & ~has_cand)
        full_rows = np.flatnonzero(self.full_m)
        blocked_by_capacity = np.zeros(E.n, dtype=bool)
        if len(no_cand) and len(full_rows):
            fe, _, _ = self.candidates(no_cand, full_rows, 1, report=False)
            blocked_by_capacity[fe] = True
        for er in np.flatnonzero(left_out).tolist():
            unmatched[E.persons[er].id] = ("capacity" if has_cand[er] or blocked_by_capacity[er]
                                           else "no_eligible_mentor")
        busy = {a.mentor_id for a in assignments}
        unmatched_mentors = [pid for pid in M.ids.tolist() if pid not in busy]
        self.stats["seconds_reasons"] = time.perf_counter() - t
        self.stats["matched"] = len(assignments)
        self.stats["seconds_total"] = time.perf_counter() - self.t0
        self.report("done", 1.0)
        return MatchResult(
            assignments=assignments,
            unmatched=dict(sorted(unmatched.items())),
            unmatched_mentors=unmatched_mentors,
            total_score=total_units / SCALE,
            stats=self.stats,
        )


def match(mentors: Iterable[Person], mentees: Iterable[Person], spec: Spec, *,
          excluded: Collection[tuple[int, int]] = (), fixed: Sequence[tuple[int, int]] = (),
          progress: Progress | None = None, max_candidates: int | None = None) -> MatchResult:
    """Propose pairs: as many mentees matched as possible, then the largest total score.

    ``fixed``: approved (mentor_id, mentee_id) pairs kept from an earlier run — they take
    capacity, come back with ``fixed=True`` and their mentees are not matched again (they are
    trusted: hard rules are not re-checked; a fixed pair naming someone not in the input, or a
    second fixed pair of the same mentee — the larger (mentor_id, mentee_id) — is skipped and
    counted in ``stats['fixed_skipped']``). ``excluded``: (mentor_id, mentee_id) pairs never to
    propose (declined, rejected or dissolved before). ``progress(phase, fraction)`` is called at
    most 40 times, from the calling thread; phase is prepare | candidates | scores | solve |
    reasons | done, fraction the share of the whole run done so far (non-decreasing, ends 1.0). ``max_candidates``: per mentee and per mentor in
    cross-organisation forms (default 50). See the module docstring for exactness.
    """
    return _Run(mentors, mentees, spec, excluded, fixed, progress, max_candidates).run(greedy=False)


def greedy_match(mentors: Iterable[Person], mentees: Iterable[Person], spec: Spec, *,
                 excluded: Collection[tuple[int, int]] = (), fixed: Sequence[tuple[int, int]] = (),
                 progress: Progress | None = None, max_candidates: int | None = None) -> MatchResult:
    """The baseline: same candidates and scores, then the best remaining pair first."""
    return _Run(mentors, mentees, spec, excluded, fixed, progress, max_candidates).run(greedy=True)
