"""The soft score of a (mentor, mentee) pair: a weighted average of seven components in [0, 1].

Components (each 0 when a side stated nothing for it):

* ``interests`` — Jaccard overlap |A∩B| / |A∪B| of the two sides' interest codes (subjects as
  's:<code>') together with their free tags (as '#<tag>').
* ``goals`` — the share of the mentee's goals that the mentor lists among their strengths.
* ``availability`` — slots are (weekday, time of day) pairs, days × times of each side; the
  component is |shared slots| / (the smaller side's number of slots): 1 when the busier person's
  whole availability fits into the other's.
* ``format`` — 1 when formats are compatible (equal, or either side says ``any``), else 0.
* ``preference`` — exactly one side named the other: 1 for a first choice, 2/3 second, 1/3 third
  (later names are ignored).
* ``mutual_preference`` — both named each other: the mean of those two values. The two preference
  components are exclusive, so a pair earns one or the other; with the default weights (1 and 2)
  a mutual first choice is worth twice a one-sided one.
* ``role_model`` — 1 when the pair fits one of the programme's role models: the mentee states a
  goal the role model addresses (domain/matching/role_models.json) and the mentor lists it among
  their strengths (the reason names the one it fits best: :func:`best_role_model`). Programmes
  without role models leave this weight out of the average.

score = Σ weight·component / Σ weight, rounded to 4 decimals (``SCALE`` units: the solver works
on the integers round(score·10⁴)). Reasons list the components that contributed (component > 0
and weight > 0), largest contribution first.

The same arithmetic exists twice: :func:`score` for one pair (with reasons) and
:class:`PairScorer` vectorised over arrays of pairs for the solver; both perform the same
float64 operations in the same order, so they agree to the last unit (tests check it).
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from domain.rules import TIMES_OF_DAY

from .forms import role_model_goals
from .model import Person, Reason, Spec, Weights

SCALE = 10_000
PREF_RANKS = 3
FORMAT_CODE = {"online": 1, "offline": 2}  # anything else counts as "any" (0)
_TIME_INDEX = {t: i for i, t in enumerate(TIMES_OF_DAY)}
_ORDER = ("shared_interests", "goals_covered", "time_overlap", "same_format", "preference",
          "mutual_preference", "role_model")


def tokens(person: Person) -> frozenset[str]:
    """Interest codes and free tags ('#tag') of a person: what the interests component compares."""
    if not person.tags:
        return person.interests
    return person.interests | frozenset("#" + t for t in person.tags)


def slots(person: Person) -> frozenset[int]:
    """Availability as slot numbers day*3 + time index (valid days 0..6 and times only)."""
    return frozenset(d * 3 + _TIME_INDEX[t] for d in person.days if 0 <= d <= 6
                     for t in person.times if t in _TIME_INDEX)


def slot_label(slot: int) -> str:
    return f"{slot // 3}:{TIMES_OF_DAY[slot % 3]}"


def format_code(value: str) -> int:
    return FORMAT_CODE.get(value, 0)


def pref_value(rank0: int) -> float:
    """Value of being named at 0-based position ``rank0`` (1, 2/3, 1/3; 0 beyond the third)."""
    return (PREF_RANKS - rank0) / PREF_RANKS if 0 <= rank0 < PREF_RANKS else 0.0


def pref_rank(preferences: Sequence[int], other: int) -> int:
    """0-based position of ``other`` among the first three names, or -1."""
    for rank0, named in enumerate(preferences[:PREF_RANKS]):
        if named == other:
            return rank0
    return -1


def denominator(weights: Weights, with_role_model: bool) -> float:
    total = weights.interests
    total = total + weights.goals
    total = total + weights.availability
    total = total + weights.format
    total = total + weights.preference
    total = total + weights.mutual_preference
    if with_role_model:
        total = total + weights.role_model
    return total


def to_units(value: float) -> int:
    """Score → integer units of 1/SCALE (round half up; identical to the vectorised form)."""
    return math.floor(value * SCALE + 0.5)


def best_role_model(role_models: Sequence[str], covered: frozenset[str]) -> tuple[str, ...]:
    """The one role model a pair fits best, as a 0- or 1-tuple: of the programme's role models
    whose goals the pair covers (the mentee's goals the mentor is strong in), the one covering
    most of them, the programme's first on a tie. A pair has one role model: naming every one it
    could fit ("an achiever and an underachiever" and "a leader and a passive one") contradicts."""
    rm_goals = role_model_goals()
    best, best_n = None, 0
    for rm in role_models:
        n = len(rm_goals.get(rm, frozenset()) & covered)
        if n > best_n:
            best, best_n = rm, n
    return (best,) if best is not None else ()


def score(mentor: Person, mentee: Person, spec: Spec) -> tuple[float, tuple[Reason, ...]]:
    """The pair's soft score in [0, 1] and the reasons that contributed (see the module doc).

    Hard rules are not checked here (see :func:`domain.matching.eligible`)."""
    w = spec.weights
    with_rm = bool(spec.role_models)
    total_w = denominator(w, with_rm)

    ta, tb = tokens(mentee), tokens(mentor)
    shared = ta & tb
    union = len(ta) + len(tb) - len(shared)
    c_int = len(shared) / union if union else 0.0

    covered = mentee.goals & mentor.goals
    c_goals = len(covered) / len(mentee.goals) if mentee.goals else 0.0

    sa, sb = slots(mentee), slots(mentor)
    common = sa & sb
    smaller = min(len(sa), len(sb))
    c_av = len(common) / smaller if smaller else 0.0

    fa, fb = format_code(mentee.format), format_code(mentor.format)
    c_fmt = 0.0 if fa and fb and fa != fb else 1.0

    r_e = pref_rank(mentee.preferences, mentor.id)  # the mentee named the mentor
    r_m = pref_rank(mentor.preferences, mentee.id)  # the mentor named the mentee
    p_e, p_m = pref_value(r_e), pref_value(r_m)
    if p_e > 0 and p_m > 0:
        c_pref, c_mut = 0.0, (p_e + p_m) / 2
    else:
        c_pref, c_mut = p_e + p_m, 0.0

    fits: tuple[str, ...] = ()
    if with_rm and covered:
        fits = best_role_model(spec.role_models, covered)
    c_rm = 1.0 if fits else 0.0

    if total_w <= 0:
        return 0.0, ()
    t = w.interests * c_int
    t = t + w.goals * c_goals
    t = t + w.availability * c_av
    t = t + w.format * c_fmt
    t = t + w.preference * c_pref
    t = t + w.mutual_preference * c_mut
    if with_rm:
        t = t + w.role_model * c_rm
    value = to_units(t / total_w) / SCALE

    named = []
    if r_e >= 0:
        named.append(f"mentee:{r_e + 1}")
    if r_m >= 0:
        named.append(f"mentor:{r_m + 1}")
    if fa or fb:
        agreed = "online" if 1 in (fa, fb) else "offline"
    else:
        agreed = "any"
    parts = (
        (w.interests * c_int, "shared_interests",
         tuple(sorted(x for x in shared if not x.startswith("#")))
         + tuple(sorted(x for x in shared if x.startswith("#")))),
        (w.goals * c_goals, "goals_covered", tuple(sorted(covered))),
        (w.availability * c_av, "time_overlap", tuple(slot_label(s) for s in sorted(common))),
        (w.format * c_fmt, "same_format", (agreed,)),
        (w.preference * c_pref, "preference", tuple(named)),
        (w.mutual_preference * c_mut, "mutual_preference", tuple(named)),
        ((w.role_model if with_rm else 0.0) * c_rm, "role_model", fits),
    )
    contributing = [(c, code, items) for c, code, items in parts if c > 0]
    contributing.sort(key=lambda x: (-x[0], _ORDER.index(x[1])))
    return value, tuple(Reason(code, items) for _, code, items in contributing)


# --------------------------------------------------------------------------- vectorised


def _encode_sets(sets: Sequence[frozenset[str]], index: dict[str, int]) -> np.ndarray:
    """Bitsets over a vocabulary, as an (N, words) uint64 array."""
    words = max(1, (len(index) + 63) // 64)
    masks = []
    for s in sets:
        m = 0
        for x in s:
            b = index.get(x)
            if b is not None:
                m |= 1 << b
        masks.append(m)
    if words == 1:
        return np.array(masks, dtype=np.uint64).reshape(-1, 1)
    out = np.empty((len(masks), words), dtype=np.uint64)
    full = (1 << 64) - 1
    for k in range(words):
        out[:, k] = np.array([(m >> (64 * k)) & full for m in masks], dtype=np.uint64)
    return out


def _popcount_and(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise popcount(a & b) of two (N, words) uint64 arrays."""
    if a.shape[1] == 1:
        return np.bitwise_count(a[:, 0] & b[:, 0]).astype(np.int64)
    return np.bitwise_count(a & b).sum(axis=1, dtype=np.int64)


class Side:
    """Arrays for one side (rows in the order given: the engine passes them sorted by id)."""

    def __init__(self, persons: Sequence[Person]) -> None:
        self.persons = persons
        n = len(persons)
        self.n = n
        self.ids = np.fromiter((p.id for p in persons), dtype=np.int64, count=n)
        self.org = np.fromiter((p.org_id for p in persons), dtype=np.int64, count=n)
        self.grade = np.fromiter((-10_000 if p.grade is None else p.grade for p in persons), dtype=np.int64, count=n)
        self.fmt = np.fromiter((format_code(p.format) for p in persons), dtype=np.int8, count=n)
        self.tokens = [tokens(p) for p in persons]
        self.ntok = np.fromiter((len(t) for t in self.tokens), dtype=np.int64, count=n)
        self.ngoals = np.fromiter((len(p.goals) for p in persons), dtype=np.int64, count=n)
        slot_sets = [slots(p) for p in persons]
        self.slots = np.fromiter((sum(1 << s for s in ss) for ss in slot_sets), dtype=np.uint32, count=n)
        self.nslots = np.bitwise_count(self.slots).astype(np.int64)
        self.row_of = {pid: i for i, pid in enumerate(self.ids.tolist())}
        # filled by PairScorer (vocabularies shared by both sides)
        self.tokbits: np.ndarray | None = None
        self.goalbits: np.ndarray | None = None


class PairScorer:
    """Scores arrays of pairs (mentee rows, mentor rows) in integer units of 1/SCALE."""

    def __init__(self, mentees: Side, mentors: Side, spec: Spec) -> None:
        self.e, self.m, self.spec = mentees, mentors, spec
        self.w = spec.weights
        self.with_rm = bool(spec.role_models)
        self.total_w = denominator(self.w, self.with_rm)
        tok_vocab = sorted(set().union(*mentees.tokens) & set().union(*mentors.tokens)) if mentees.n and mentors.n else []
        tok_index = {x: i for i, x in enumerate(tok_vocab)}
        mentees.tokbits = _encode_sets(mentees.tokens, tok_index)
        mentors.tokbits = _encode_sets(mentors.tokens, tok_index)
        goal_vocab = sorted(set().union(*(p.goals for p in mentees.persons))
                            & set().union(*(p.goals for p in mentors.persons))) if mentees.n and mentors.n else []
        goal_index = {x: i for i, x in enumerate(goal_vocab)}
        self.goal_index = goal_index
        mentees.goalbits = _encode_sets([p.goals for p in mentees.persons], goal_index)
        mentors.goalbits = _encode_sets([p.goals for p in mentors.persons], goal_index)
        rm_goals = role_model_goals()
        rm_union = frozenset().union(*(rm_goals.get(rm, frozenset()) for rm in spec.role_models)) \
            if self.with_rm else frozenset()
        self.rm_mask = _encode_sets([rm_union], goal_index)[0]
        # preferences as sorted keys mentee_row * n_mentors + mentor_row → 0-based rank
        self.e_pref = self._pref_table(mentees, mentors, by_mentee=True)
        self.m_pref = self._pref_table(mentors, mentees, by_mentee=False)

    def _pref_table(self, side: Side, other: Side, *, by_mentee: bool) -> tuple[np.ndarray, np.ndarray]:
        keys: list[int] = []
        ranks: list[int] = []
        nm = self.m.n
        for row, p in enumerate(side.persons):
            seen = set()
            for rank0, named in enumerate(p.preferences[:PREF_RANKS]):
                orow = other.row_of.get(named)
                if orow is None or orow in seen:
                    continue
                seen.add(orow)
                keys.append(row * nm + orow if by_mentee else orow * nm + row)
                ranks.append(rank0)
        k = np.array(keys, dtype=np.int64)
        r = np.array(ranks, dtype=np.int64)
        order = np.argsort(k, kind="stable")
        return k[order], r[order]

    def named_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """(mentee rows, mentor rows) of every pair where either side named the other."""
        keys = np.unique(np.concatenate([self.e_pref[0], self.m_pref[0]]))
        nm = max(self.m.n, 1)
        return keys // nm, keys % nm

    @staticmethod
    def _lookup(table: tuple[np.ndarray, np.ndarray], keys: np.ndarray) -> np.ndarray:
        tk, tr = table
        out = np.zeros(len(keys), dtype=np.float64)
        if len(tk) == 0:
            return out
        pos = np.searchsorted(tk, keys)
        pos[pos >= len(tk)] = len(tk) - 1
        hit = tk[pos] == keys
        out[hit] = (PREF_RANKS - tr[pos[hit]]) / PREF_RANKS
        return out

    def units(self, ie: np.ndarray, im: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
        out = np.empty(len(ie), dtype=np.int64)
        for s in range(0, len(ie), chunk):
            out[s:s + chunk] = self._units(ie[s:s + chunk], im[s:s + chunk])
        return out

    def _units(self, ie: np.ndarray, im: np.ndarray) -> np.ndarray:
        e, m, w = self.e, self.m, self.w
        if self.total_w <= 0:
            return np.zeros(len(ie), dtype=np.int64)
        shared = _popcount_and(e.tokbits[ie], m.tokbits[im])
        union = e.ntok[ie] + m.ntok[im] - shared
        c_int = np.divide(shared, union, out=np.zeros(len(ie)), where=union > 0)

        eg = e.goalbits[ie]
        covered_bits = eg & m.goalbits[im]
        covered = np.bitwise_count(covered_bits).sum(axis=1, dtype=np.int64)
        ng = e.ngoals[ie]
        c_goals = np.divide(covered, ng, out=np.zeros(len(ie)), where=ng > 0)

        common = np.bitwise_count(e.slots[ie] & m.slots[im]).astype(np.int64)
        smaller = np.minimum(e.nslots[ie], m.nslots[im])
        c_av = np.divide(common, smaller, out=np.zeros(len(ie)), where=smaller > 0)

        fa, fb = e.fmt[ie], m.fmt[im]
        c_fmt = np.where((fa > 0) & (fb > 0) & (fa != fb), 0.0, 1.0)

        keys = ie.astype(np.int64) * m.n + im
        p_e = self._lookup(self.e_pref, keys)
        p_m = self._lookup(self.m_pref, keys)
        both = (p_e > 0) & (p_m > 0)
        c_pref = np.where(both, 0.0, p_e + p_m)
        c_mut = np.where(both, (p_e + p_m) / 2, 0.0)

        t = w.interests * c_int
        t = t + w.goals * c_goals
        t = t + w.availability * c_av
        t = t + w.format * c_fmt
        t = t + w.preference * c_pref
        t = t + w.mutual_preference * c_mut
        if self.with_rm:
            c_rm = np.where((covered_bits & self.rm_mask).any(axis=1), 1.0, 0.0)
            t = t + w.role_model * c_rm
        return np.floor((t / self.total_w) * SCALE + 0.5).astype(np.int64)
