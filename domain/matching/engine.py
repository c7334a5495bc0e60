"""Matching: candidates → scores → an optimal assignment (OR-Tools min-cost flow).

Objective, lexicographic and exact on the candidate graph: (1) the number of mentees matched,
(2) the total score. It is solved as one max-flow-with-min-cost problem:

    source ─(remaining capacity, 0)→ mentor ─(1, SCALE − score units)→ mentee ─(1, 0)→ sink

``SimpleMinCostFlow.solve_max_flow_with_min_cost`` first maximises the flow (= mentees matched,
capacities included) and, among maximum flows, minimises the cost. Every unit of flow crosses
exactly one mentor→mentee arc, so minimising Σ(SCALE − score) over a flow of fixed size maximises
Σ score. Scores are integers (score·10⁴, see scoring.py), so there is no floating-point slack.

Candidate graph. The solver sees only the pairs that pass the hard rules (rules.py) and:

* every group (one organisation for forms with ``same_org``; the whole programme for the
  cross-organisation forms) with at most ``DENSE_PAIR_LIMIT`` (2,000,000) mentee × mentor pairs,
  or with at most ``max_candidates`` people on a side, gets every allowed pair: the result is
  then optimal over all allowed pairs, exactly. Same-organisation forms never pair across
  organisations, so blocking by organisation loses nothing; organisations are solved in batches.
* a larger group (a region-wide cross-organisation programme, a mis-configured giant
  organisation) is pruned without ever scoring every pair (``_Run._clustered``): mentors are
  clustered by cheap-score feature vectors (interest/tag bits, goal bits, role-model goals, day ×
  time slots, format), each mentee probes its best clusters and each cluster its best mentees;
  cheap scores are computed only inside those blocks, and the candidates are each mentee's
  ``max_candidates`` best mentors, each mentor's ``max_candidates`` best mentees and every named
  pair. A mentee with fewer than min(k, its eligible mentors) candidates is scanned against all
  mentors, so candidates exist whenever an eligible mentor does. Hard rules are exact on every
  candidate. A group with more than ``HUGE_GROUP`` (100,000) mentees keeps ``HUGE_K`` (30)
  candidates per side unless ``max_candidates`` is given. For 200,000 × 40,000 this cheap-scores
  a few % of the pairs (``stats['cheap_scored_pairs']``, centroid products included).
  Top-up (``_Run.top_up``): a maximum flow of the pruned graph (scores ignored) shows the mentors
  with places left and the mentees left unmatched; those mentors × those mentees get candidates
  of their own (the same generation, ``TOP_UP_K`` per side), added to the graph, so pruning does
  not cost matches. Then ONE min-cost-flow solve over the union: the result is exactly optimal
  (count, then score) on that final candidate graph — not over all pairs — and ``greedy_match``
  runs on the very same graph. ``stats['pruned_groups']`` counts pruned groups; pass a
  ``max_candidates`` at least the smaller side's size to force every pair.

Determinism: people are sorted by id, pairs and arcs are generated in a fixed order from that,
and the solver is deterministic, so the same input (in any order) gives the same result.
"""
from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Collection, Iterable, Sequence

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from .forms import Form, get_form
from .model import Assignment, MatchResult, Person, Spec
from .rules import mentee_rule, mentor_rule
from .scoring import SCALE, PairScorer, Side, score

DEFAULT_MAX_CANDIDATES = 50
DENSE_PAIR_LIMIT = 2_000_000   # a group with at most this many pairs: every pair is scored
PROBE_FACTOR = 4               # a mentee probes clusters until they hold ≥ PROBE_FACTOR·k mentors
MAX_PROBES = 16                # … but at most this many clusters
REVERSE_FACTOR = 2             # each cluster is also probed by its REVERSE_FACTOR·k best mentees
KMEANS_ITERS = 4
TOP_UP_K = 10                  # candidates per side of the top-up arcs (see _Run.top_up)
TOP_UP_ROUNDS = 3              # at most this many maximum flows in the top-up pre-pass
HUGE_GROUP = 100_000           # a pruned group with more mentees than this …
HUGE_K = 30                    # … keeps at most this many candidates per side (default k only)
KMEANS_SAMPLE = 20_000
BATCH_ARCS = 250_000
BLOCK_ELEMS = 1 << 22
MAX_PROGRESS_CALLS = 40

Progress = Callable[[str, float], None]

# overall fraction at which each phase starts
_PHASES = {"prepare": 0.0, "candidates": 0.1, "scores": 0.35, "solve": 0.5, "reasons": 0.9, "done": 1.0}


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """np.unique for big int arrays by sort + mask (np.unique's hash path is ~5× slower here)."""
    keys = np.sort(keys)
    if len(keys) > 1:
        keep = np.empty(len(keys), dtype=bool)
        keep[0] = True
        np.not_equal(keys[1:], keys[:-1], out=keep[1:])
        keys = keys[keep]
    return keys


def _nearest(X: np.ndarray, cent: np.ndarray, t: int) -> np.ndarray:
    """Indices of the t nearest centroids (Euclidean) of each row of X, nearest first."""
    half = 0.5 * np.einsum("ij,ij->i", cent, cent)
    ct = np.ascontiguousarray(cent.T)
    out = np.empty((len(X), t), dtype=np.int64)
    block = max(1, BLOCK_ELEMS // max(len(cent), 1))
    for s in range(0, len(X), block):
        sc = X[s:s + block] @ ct - half
        if t < len(cent):
            top = np.argpartition(-sc, t - 1, axis=1)[:, :t]
        else:
            top = np.broadcast_to(np.arange(len(cent)), sc.shape).copy()
        order = np.argsort(-np.take_along_axis(sc, top, axis=1), axis=1, kind="stable")
        out[s:s + block] = np.take_along_axis(top, order, axis=1)
    return out


def _means(X: np.ndarray, lab: np.ndarray, cent: np.ndarray) -> np.ndarray:
    """Centroids as the means of their members (a cluster without members keeps its centroid)."""
    order = np.argsort(lab, kind="stable")
    counts = np.bincount(lab, minlength=len(cent))
    nz = np.flatnonzero(counts)
    starts = np.concatenate([[0], np.cumsum(counts)])[nz]
    out = cent.astype(np.float32, copy=True)
    sums = np.add.reduceat(X[order].astype(np.float64), starts, axis=0)
    out[nz] = (sums / counts[nz][:, None]).astype(np.float32)
    return out


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
        self.auto_k = max_candidates is None
        self.flow_value: int | None = None  # the maximum flow of the whole graph, when known
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
        self.mentor_rules = [mentor_rule(self.form, p, year) for p in mentor_list]
        ok_m = np.fromiter((r is None for r in self.mentor_rules), dtype=bool, count=nm)
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
        big = pc > DENSE_PAIR_LIMIT
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
        return np.concatenate(parts_e), np.concatenate(parts_m), segments

    def group_candidates(self, e_rows: np.ndarray, m_rows: np.ndarray, k: int, *, report: bool
                         ) -> tuple[np.ndarray, np.ndarray]:
        """Candidate pairs of one group (one organisation, or a whole cross-organisation
        programme), sorted by (mentee, mentor).

        Small groups (≤ DENSE_PAIR_LIMIT pairs, or one side ≤ k people): every allowed pair.
        Larger ones: the clustered search below — never a mentees × mentors matrix."""
        n, m = len(e_rows), len(m_rows)
        nm = self.M.n
        if self.auto_k and n > HUGE_GROUP:
            k = min(k, HUGE_K)
        if n * m <= DENSE_PAIR_LIMIT or n <= k or m <= k:
            ie = np.repeat(e_rows, m)
            im = np.tile(m_rows, n)
            ok = self.pair_ok(ie, im)
            return ie[ok], im[ok]
        self.stats["pruned_groups"] += 1
        fe, fm = self.features(e_rows, m_rows)
        keys_parts = [self._clustered(e_rows, m_rows, fe, fm, k, report)]
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
        keys = _sorted_unique(np.concatenate(keys_parts))
        return keys // nm, keys % nm

    def _clustered(self, e_rows: np.ndarray, m_rows: np.ndarray, fe: np.ndarray, fm: np.ndarray,
                   k: int, report: bool) -> np.ndarray:
        """Keys (mentee row · n_mentors + mentor row) of the pruned candidate graph.

        1. Mentors are clustered by their cheap-score feature vectors (k-means, seeded, on a
           sample; clusters of ~2k mentors, balanced so none exceeds twice the mean size). A
           centroid is the mean of its members, so mentee · centroid is the mean cheap score of
           the mentee against the cluster.
        2. Each mentee probes its best clusters (by that mean) until they hold ≥ PROBE_FACTOR·k
           mentors; each cluster is also probed by its REVERSE_FACTOR·k best mentees, so no
           cluster's mentors are starved.
        3. Per probed (cluster, mentees) block the cheap score is computed exactly (with the
           pair rules); each mentee keeps its k best mentors over its probed clusters and each
           mentor its k best mentees of its cluster's block.
        4. A mentee left with fewer than min(k, its number of eligible mentors) candidates (pair
           rules — grade gaps, excluded pairs — can empty its clusters) is scanned against all
           mentors of the group, so it keeps k eligible candidates whenever they exist.
        Work: O((n + m)·C·F) for the centroids plus O(n·PROBE_FACTOR·k·F) for the blocks, with
        C ≈ m / 2k clusters — for 200,000 × 40,000 about 1/100 of the dense product.
        """
        n, m = len(e_rows), len(m_rows)
        nm = self.M.n
        assign, cent = self._cluster_mentors(fm, k)
        C = len(cent)
        sizes = np.bincount(assign, minlength=C)
        m_order = np.argsort(assign, kind="stable")
        m_start = np.concatenate([[0], np.cumsum(sizes)])
        cheap = n * C + m * C * (KMEANS_ITERS + 1)
        # 2. probes: mentee → best clusters; cluster → best mentees (running column top-r)
        probes = min(C, MAX_PROBES)
        need = PROBE_FACTOR * k
        r = min(n, REVERSE_FACTOR * k)
        col_v = np.full((C, r), -np.inf, dtype=np.float32)  # per cluster: its r best mentees so far
        col_i = np.full((C, r), -1, dtype=np.int64)
        pe_parts, pc_parts = [], []
        ct = np.ascontiguousarray(cent.T)
        block = max(1, BLOCK_ELEMS // max(C, 1))
        for s in range(0, n, block):
            sc = fe[s:s + block] @ ct
            if probes < C:
                top = np.argpartition(-sc, probes - 1, axis=1)[:, :probes]
            else:
                top = np.broadcast_to(np.arange(C), sc.shape).copy()
            tv = np.take_along_axis(sc, top, axis=1)
            order = np.argsort(-tv, axis=1, kind="stable")
            top = np.take_along_axis(top, order, axis=1)
            covered = np.cumsum(sizes[top], axis=1)
            before = covered - sizes[top]
            take = before < need
            rr, cc = np.nonzero(take)
            pe_parts.append(rr + s)
            pc_parts.append(top[rr, cc])
            stacked = np.hstack([col_v, sc.T])  # C × (r + block), rows contiguous
            sel = np.argpartition(-stacked, r - 1, axis=1)[:, :r]
            from_old = sel < r
            col_i = np.where(from_old, np.take_along_axis(col_i, np.where(from_old, sel, 0), axis=1), sel - r + s)
            col_v = np.take_along_axis(stacked, sel, axis=1)
        rc = np.broadcast_to(np.arange(C)[:, None], col_i.shape)
        fin = col_i >= 0
        pe_parts.append(col_i[fin])
        pc_parts.append(rc[fin])
        pkeys = _sorted_unique(np.concatenate(pc_parts).astype(np.int64) * n + np.concatenate(pe_parts))
        p_cl, p_e = pkeys // n, pkeys % n
        p_bounds = np.searchsorted(p_cl, np.arange(C + 1))
        # 3. blocks
        best_v = np.full((n, k), -np.inf, dtype=np.float32)
        best_j = np.full((n, k), -1, dtype=np.int64)
        keys_parts = []
        for c in range(C):
            ec = p_e[p_bounds[c]:p_bounds[c + 1]]
            mc = np.sort(m_order[m_start[c]:m_start[c + 1]])
            if len(ec) == 0 or len(mc) == 0:
                continue
            cheap += len(ec) * len(mc)
            keys_parts.append(self._block_top(e_rows, m_rows, fe, fm, ec, mc, k, best_v, best_j))
            if report:
                self.report("candidates", 0.2 + 0.7 * (c + 1) / C)
        # 4. mentees short of eligible candidates
        have = (np.isfinite(best_v) & (best_j >= 0)).sum(axis=1)
        short = np.flatnonzero(have < np.minimum(k, self.eligible_counts(e_rows, m_rows)))
        if len(short):
            cheap += len(short) * m
            all_m = np.arange(m)
            chunk = max(1, BLOCK_ELEMS // m)
            for s in range(0, len(short), chunk):
                rows = short[s:s + chunk]
                best_v[rows] = -np.inf
                best_j[rows] = -1
                self._rows_top(e_rows, m_rows, fe, fm, rows, all_m, k, best_v, best_j)
        self.stats["short_mentees"] = self.stats.get("short_mentees", 0) + len(short)
        fin = np.isfinite(best_v) & (best_j >= 0)
        rr, cc = np.nonzero(fin)
        keys_parts.append(e_rows[rr] * nm + m_rows[best_j[rr, cc]])
        self.stats["cheap_scored_pairs"] = self.stats.get("cheap_scored_pairs", 0) + cheap
        self.stats["clusters"] = self.stats.get("clusters", 0) + C
        return np.concatenate(keys_parts)

    def _rows_top(self, e_rows, m_rows, fe, fm, rows, mc, k, best_v, best_j) -> np.ndarray:
        """Cheap scores of mentee-locals ``rows`` × mentor-locals ``mc`` (both ascending); merge
        each row's k best into (best_v, best_j); return the block (rules applied: -inf)."""
        blk = fe[rows] @ fm[mc].T
        ok = self.block_ok(e_rows[rows], m_rows[mc])
        if ok is not None:
            blk[~ok] = -np.inf
        if len(mc) > k:
            top = np.argpartition(-blk, k - 1, axis=1)[:, :k]
            tv = np.take_along_axis(blk, top, axis=1)
            tj = mc[top]
        else:
            tv = blk
            tj = np.broadcast_to(mc, blk.shape)
        sv = np.hstack([best_v[rows], tv])
        sj = np.hstack([best_j[rows], tj])
        sel = np.argpartition(-sv, k - 1, axis=1)[:, :k]
        best_v[rows] = np.take_along_axis(sv, sel, axis=1)
        best_j[rows] = np.take_along_axis(sj, sel, axis=1)
        return blk

    def _block_top(self, e_rows, m_rows, fe, fm, ec, mc, k, best_v, best_j) -> np.ndarray:
        """One cluster's block: mentee-side merge into best_*, mentor-side keys returned."""
        nm = self.M.n
        kk = min(k, len(ec))
        col_v = np.full((kk, len(mc)), -np.inf, dtype=np.float32)
        col_i = np.full((kk, len(mc)), -1, dtype=np.int64)
        chunk = max(1, BLOCK_ELEMS // len(mc))
        for s in range(0, len(ec), chunk):
            rows = ec[s:s + chunk]
            blk = self._rows_top(e_rows, m_rows, fe, fm, rows, mc, k, best_v, best_j)
            stacked = np.vstack([col_v, blk])
            sel = np.argpartition(-stacked, kk - 1, axis=0)[:kk]
            from_old = sel < kk
            col_i = np.where(from_old, np.take_along_axis(col_i, np.where(from_old, sel, 0), axis=0),
                             rows[np.where(from_old, 0, sel - kk)])
            col_v = np.take_along_axis(stacked, sel, axis=0)
        fin = np.isfinite(col_v) & (col_i >= 0)
        rr, cc = np.nonzero(fin)
        return e_rows[col_i[rr, cc]] * nm + m_rows[mc[cc]]

    def _cluster_mentors(self, fm: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(cluster of each mentor, centroids = member means); deterministic (seeded)."""
        m = len(fm)
        size = max(2 * k, 32)
        C = max(1, -(-m // size))
        rng = np.random.default_rng(20261123)
        sample = np.sort(rng.choice(m, min(m, KMEANS_SAMPLE), replace=False))
        X = fm[sample]
        cent = X[np.sort(rng.choice(len(X), C, replace=False))].copy()
        for _ in range(KMEANS_ITERS):
            lab = _nearest(X, cent, 1)[:, 0]
            cent = _means(X, lab, cent)
        # final, balanced assignment of every mentor: best of its 3 nearest clusters with room
        choices = _nearest(fm, cent, min(3, C))
        cap = max(1, -(-2 * m // C))
        load = [0] * C
        assign = np.empty(m, dtype=np.int64)
        for i, row in enumerate(choices.tolist()):
            c = next((x for x in row if load[x] < cap), row[0])
            load[c] += 1
            assign[i] = c
        used = np.flatnonzero(np.bincount(assign, minlength=C))
        remap = np.full(C, -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        assign = remap[assign]
        cent = _means(fm, assign, np.zeros((len(used), fm.shape[1]), dtype=np.float32))
        return assign, cent

    def eligible_counts(self, e_rows: np.ndarray, m_rows: np.ndarray) -> np.ndarray:
        """For each mentee row, how many of ``m_rows`` pass the pair rules with it (grade gap of
        student mentors, excluded pairs; same organisation for same-organisation forms) — exact,
        in O((n + m) log m), without looking at pairs. Both inputs ascending."""
        E, M, f = self.E, self.M, self.form
        out = np.zeros(len(e_rows), dtype=np.int64)
        if len(e_rows) == 0 or len(m_rows) == 0:
            return out
        scope_e = E.org[e_rows] if f.same_org else np.zeros(len(e_rows), dtype=np.int64)
        scope_m = M.org[m_rows] if f.same_org else np.zeros(len(m_rows), dtype=np.int64)
        st = self.student_m[m_rows] if f.student_mentor else np.zeros(len(m_rows), dtype=bool)
        # plain mentors per scope
        su, inv = np.unique(scope_m, return_inverse=True)
        plain = np.bincount(inv, weights=~st, minlength=len(su)).astype(np.int64)
        pos = np.searchsorted(su, scope_e)
        pos_ok = pos < len(su)
        pos_ok[pos_ok] &= su[pos[pos_ok]] == scope_e[pos_ok]
        out[pos_ok] = plain[pos[pos_ok]]
        # student mentors with a grade high enough: sort by (scope, grade), search per mentee
        sm = st & self.grade_known_m[m_rows]
        if sm.any():
            g_off = 1 << 20
            keys_m = np.sort(scope_m[sm] * g_off + (M.grade[m_rows][sm] + g_off // 2))
            ge = self.grade_known_e[e_rows]
            lo = scope_e * g_off + (E.grade[e_rows] + f.min_grade_gap + g_off // 2)
            hi = scope_e * g_off + g_off
            cnt = np.searchsorted(keys_m, hi) - np.searchsorted(keys_m, lo)
            out += np.where(ge, cnt, 0)
        # excluded pairs that would otherwise pass
        if len(self.excluded_keys):
            nm = M.n
            ex_e, ex_m = self.excluded_keys // nm, self.excluded_keys % nm
            r = np.searchsorted(e_rows, ex_e)
            c = np.searchsorted(m_rows, ex_m)
            hit = (r < len(e_rows)) & (c < len(m_rows))
            hit[hit] &= (e_rows[r[hit]] == ex_e[hit]) & (m_rows[c[hit]] == ex_m[hit])
            r, c, ex_e, ex_m = r[hit], c[hit], ex_e[hit], ex_m[hit]
            keep = scope_e[r] == scope_m[c]
            if f.student_mentor:
                stc = st[c]
                keep &= ~stc | (self.grade_known_e[ex_e] & self.grade_known_m[ex_m]
                                & (M.grade[ex_m] - E.grade[ex_e] >= f.min_grade_gap))
            np.subtract.at(out, r[keep], 1)
        return out

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
        whole = self.flow_value if len(batches) == 1 else None
        for i, (a, b) in enumerate(batches):
            chosen[a:b] = self._flow(ie[a:b], im[a:b], units[a:b], whole)
            self.report("solve", (i + 1) / len(batches))
        return chosen

    def _nodes(self, ie: np.ndarray, im: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Flow-network node numbering without sorting the arcs: (mentor rows used, their local
        index per arc, mentee rows used, their local index per arc); rows ascending."""
        m_used = np.flatnonzero(np.bincount(im, minlength=self.M.n))
        e_used = np.flatnonzero(np.bincount(ie, minlength=self.E.n))
        m_map = np.zeros(self.M.n, dtype=np.int32)
        m_map[m_used] = np.arange(len(m_used), dtype=np.int32)
        e_map = np.zeros(self.E.n, dtype=np.int32)
        e_map[e_used] = np.arange(len(e_used), dtype=np.int32)
        return m_used, m_map[im], e_used, e_map[ie]

    def _network(self, ie: np.ndarray, im: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, int, np.ndarray, np.ndarray]:
        """source(0) → mentors → mentees → sink(1): (tails, heads, capacities, #mentors,
        #mentees, mentor rows, mentee rows); mentor→mentee arcs are numbered a … a + len(ie) − 1."""
        mu, m_loc, eu, e_loc = self._nodes(ie, im)
        a, b, p = len(mu), len(eu), len(ie)
        tails = np.empty(a + p + b, dtype=np.int32)
        heads = np.empty(a + p + b, dtype=np.int32)
        tails[:a] = 0
        heads[:a] = 2 + np.arange(a, dtype=np.int32)
        tails[a:a + p] = 2 + m_loc
        heads[a:a + p] = 2 + a + e_loc
        del m_loc, e_loc
        tails[a + p:] = 2 + a + np.arange(b, dtype=np.int32)
        heads[a + p:] = 1
        caps = np.ones(a + p + b, dtype=np.int64)
        caps[:a] = self.remaining[mu]
        return tails, heads, caps, a, b, mu, eu

    def _flow(self, ie: np.ndarray, im: np.ndarray, units: np.ndarray, value: int | None = None) -> np.ndarray:
        """Max flow with min cost; ``value``, when given, is the known maximum flow (from the
        top-up pre-pass), so the solver skips its own max-flow phase: a min-cost flow of exactly
        that value is a min-cost maximum flow."""
        tails, heads, caps, a, b, _, _ = self._network(ie, im)
        p = len(ie)
        costs = np.zeros(len(tails), dtype=np.int64)
        np.subtract(SCALE, units, out=costs[a:a + p])
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(tails, heads, caps, costs)
        del tails, heads, caps, costs
        if value is not None:
            flow.set_nodes_supplies(np.array([0, 1], dtype=np.int32), np.array([value, -value], dtype=np.int64))
            status = flow.solve()
        else:
            flow.set_nodes_supplies(np.array([0, 1], dtype=np.int32), np.array([b, -b], dtype=np.int64))
            status = flow.solve_max_flow_with_min_cost()
        if status != flow.OPTIMAL:
            raise RuntimeError(f"min-cost flow failed: {status}")
        return flow.flows(np.arange(a, a + p, dtype=np.int32)) > 0

    def _max_flow(self, ie: np.ndarray, im: np.ndarray) -> np.ndarray:
        """A maximum matching (capacities included) of the candidate graph, ignoring scores:
        which arcs carry flow. Only used to find where the pruned graph runs short."""
        tails, heads, caps, a, _, _, _ = self._network(ie, im)
        flow = max_flow.SimpleMaxFlow()
        flow.add_arcs_with_capacity(tails, heads, caps)
        del tails, heads, caps
        status = flow.solve(0, 1)
        if status != flow.OPTIMAL:
            raise RuntimeError(f"max flow failed: {status}")
        return flow.flows(np.arange(a, a + len(ie), dtype=np.int32)) > 0

    def solve_greedy(self, ie: np.ndarray, im: np.ndarray, units: np.ndarray) -> np.ndarray:
        """Baseline: best-scoring pair first (ties by mentee id, then mentor id)."""
        order = np.lexsort((self.M.ids[im], self.E.ids[ie], -units))
        left = self.remaining.copy().tolist()
        taken = [False] * self.E.n
        chosen = np.zeros(len(ie), dtype=bool)
        todo = int(np.count_nonzero(np.bincount(ie, minlength=self.E.n)))
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

    def top_up(self, ie: np.ndarray, im: np.ndarray) -> tuple[np.ndarray, np.ndarray, int | None]:
        """After pruned candidate generation: top-up arcs so that pruning does not cost matches.

        A maximum flow of the pruned graph (scores ignored; ``_max_flow``) shows which mentors
        keep places and which mentees stay unmatched (the best mentees of an unpopular mentor may
        all be placed elsewhere). Those mentors × those mentees get their own candidates (the same
        generation, TOP_UP_K per side); repeated (at most TOP_UP_ROUNDS maximum flows) while the
        flow is below min(mentees, places) and new arcs appear. The caller adds the arcs to the
        graph and solves ONCE, so the result is exactly optimal on the union. No top-up pair is
        already a candidate: an unmatched mentee adjacent to a mentor with a place left would
        contradict maximality. Returns (mentee rows, mentor rows, the maximum flow of the final
        graph when known, else None)."""
        E, M = self.E, self.M
        bound = min(int(self.active_e.sum()), int(self.remaining[self.active_m].sum()))
        pruned = self.stats["pruned_groups"]
        parts_e: list[np.ndarray] = []
        parts_m: list[np.ndarray] = []
        value: int | None = None
        t_flow = 0.0
        for rnd in range(TOP_UP_ROUNDS):
            t = time.perf_counter()
            if parts_e:
                carried = self._max_flow(np.concatenate([ie, *parts_e]), np.concatenate([im, *parts_m]))
            else:
                carried = self._max_flow(ie, im)
            t_flow += time.perf_counter() - t
            n_ie = len(ie)
            all_e = ie[carried[:n_ie]]
            all_m = im[carried[:n_ie]]
            if parts_e:
                tail = carried[n_ie:]
                all_e = np.concatenate([all_e, np.concatenate(parts_e)[tail]])
                all_m = np.concatenate([all_m, np.concatenate(parts_m)[tail]])
            del carried
            value = len(all_e)
            self.stats[f"top_up_flow_{rnd}"] = value
            if value >= bound or rnd == TOP_UP_ROUNDS - 1:
                break
            left = self.remaining - np.bincount(all_m, minlength=M.n)
            matched_e = np.zeros(E.n, dtype=bool)
            matched_e[all_e] = True
            spare = np.flatnonzero(self.active_m & (left > 0))
            waiting = np.flatnonzero(self.active_e & ~matched_e)
            if len(spare) == 0 or len(waiting) == 0:
                break
            ie2, im2, _ = self.candidates(waiting, spare, min(self.k, TOP_UP_K), report=False)
            self.stats["pruned_groups"] = pruned
            if len(ie2) == 0:
                break
            parts_e.append(ie2)
            parts_m.append(im2)
            value = None  # the graph grew: its maximum flow is not known (unless the loop goes on)
        self.stats["seconds_prepass"] = t_flow
        empty = np.zeros(0, dtype=np.int64)
        ie2 = np.concatenate(parts_e) if parts_e else empty
        im2 = np.concatenate(parts_m) if parts_m else empty
        self.stats["top_up_candidates"] = len(ie2)
        return ie2, im2, value

    # ------------------------------------------------------------------ the run

    def run(self, greedy: bool) -> MatchResult:
        t = time.perf_counter()
        self.report("candidates")
        e_rows = np.flatnonzero(self.active_e)
        m_rows = np.flatnonzero(self.active_m)
        ie, im, segments = self.candidates(e_rows, m_rows, self.k)
        self.stats["seconds_candidates"] = time.perf_counter() - t

        if self.stats["pruned_groups"]:
            t = time.perf_counter()
            ie2, im2, flow_value = self.top_up(ie, im)
            if len(ie2):
                ie, im = np.concatenate([ie, ie2]), np.concatenate([im, im2])
                segments = [(0, len(ie))]  # one solve over the union (groups stay independent)
            self.flow_value = flow_value
            del ie2, im2
            self.stats["seconds_top_up"] = time.perf_counter() - t
            self.stats["seconds_candidates"] += self.stats["seconds_top_up"]
        self.stats["candidates"] = len(ie)

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
        # capacity: some mentor passes every hard rule with the mentee (their own rules included),
        # but all such places went to others; otherwise no_eligible_mentor (see MatchResult)
        left_rows = np.flatnonzero(left_out & ~has_cand)
        ok_rows = np.flatnonzero(self.active_m | self.full_m)
        some = np.zeros(E.n, dtype=bool)
        some[left_rows] = self.eligible_counts(left_rows, ok_rows) > 0
        for er in np.flatnonzero(left_out).tolist():
            unmatched[E.persons[er].id] = "capacity" if has_cand[er] or some[er] else "no_eligible_mentor"
        busy = {a.mentor_id for a in assignments}
        unmatched_mentors = [pid for pid in M.ids.tolist() if pid not in busy]
        m_cand = np.zeros(M.n, dtype=bool)
        m_cand[im] = True
        mentor_reasons: dict[int, str] = {}
        for mr, pid in enumerate(M.ids.tolist()):
            if pid in busy:
                continue
            own = self.mentor_rules[mr]
            if own is not None:
                mentor_reasons[pid] = own
            elif self.remaining[mr] <= 0:
                mentor_reasons[pid] = "no_capacity"
            else:
                mentor_reasons[pid] = "not_needed" if m_cand[mr] else "no_candidates"
        self.stats["seconds_reasons"] = time.perf_counter() - t
        self.stats["matched"] = len(assignments)
        self.stats["seconds_total"] = time.perf_counter() - self.t0
        self.report("done", 1.0)
        return MatchResult(
            assignments=assignments,
            unmatched=dict(sorted(unmatched.items())),
            unmatched_mentors=unmatched_mentors,
            mentor_reasons=mentor_reasons,
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
