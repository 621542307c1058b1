"""The decision layer: relatives as alternatives, priors, joint one-to-one posteriors.

The joint posteriors are checked against a plain enumeration written here (every way of
giving each body a missing person or nobody, no missing person twice), which is the
definition in ``docs/decisions.md``; belief propagation must equal it on components without
cycles.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.cases import Family, PMSample
from forensic_match.decide.alternatives import relation, relative_alternatives
from forensic_match.decide.posterior import FOLD_BELOW, matching_posteriors
from forensic_match.decide.priors import MAX_REGISTERED, programme_priors
from forensic_match.dvi.compile import compile_missing
from forensic_match.errors import InputError
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree, missing_person_family
from forensic_match.simulate import simulate_profiles

# --- oracle ---------------------------------------------------------------------------------


def oracle(n_s: int, edges: list[tuple[int, int, float]], log_free: list[float],
           ) -> tuple[dict[tuple[int, int], float], list[float]]:
    """P(s takes m) and P(s free) by listing every assignment (weights exp(log w))."""
    options = [[None] + [(m, w) for s2, m, w in edges if s2 == s] for s in range(n_s)]
    num: dict[tuple[int, int], float] = {(s, m): 0.0 for s, m, _ in edges}
    free = [0.0] * n_s
    total = 0.0
    for choice in itertools.product(*options):
        taken = [c[0] for c in choice if c is not None]
        if len(taken) != len(set(taken)):
            continue
        w = math.exp(sum(log_free[s] if c is None else c[1] for s, c in enumerate(choice)))
        total += w
        for s, c in enumerate(choice):
            if c is None:
                free[s] += w
            else:
                num[(s, c[0])] += w
    return {k: v / total for k, v in num.items()}, [f / total for f in free]


@st.composite
def problems(draw: st.DrawFn, tree: bool = False) -> tuple[int, int, list, list]:
    n_s = draw(st.integers(1, 5))
    n_m = draw(st.integers(1, 4))
    if tree:
        # A forest: each new body links to at most one missing person already linked.
        pairs, seen_m = [], set()
        for s in range(n_s):
            ms = draw(st.lists(st.integers(0, n_m - 1), max_size=3, unique=True))
            linked = [m for m in ms if m in seen_m]
            ms = [m for m in ms if m not in seen_m] + linked[:1]
            pairs += [(s, m) for m in ms]
            seen_m.update(ms)
    else:
        pairs = draw(st.lists(st.tuples(st.integers(0, n_s - 1), st.integers(0, n_m - 1)),
                              max_size=10, unique=True))
    logs = st.floats(-20, 60, allow_nan=False)
    edges = [(s, m, draw(logs)) for s, m in pairs]
    free = [draw(st.floats(-5, 20, allow_nan=False)) for _ in range(n_s)]
    return n_s, n_m, edges, free


def run(n_s: int, n_m: int, edges: list, free: list, **options: object) -> object:
    b = np.array([e[0] for e in edges], dtype=np.int64)
    m = np.array([e[1] for e in edges], dtype=np.int64)
    w = np.array([e[2] for e in edges], dtype=np.float64)
    return matching_posteriors(n_s, n_m, b, m, w, np.array(free), **options)


# --- joint posteriors -------------------------------------------------------------------------


@settings(deadline=None, max_examples=150)
@given(problems())
def test_exact_enumeration_equals_the_oracle(problem: tuple) -> None:
    n_s, n_m, edges, free = problem
    got = run(n_s, n_m, edges, free, fold_below=0.0)
    want, want_free = oracle(n_s, edges, free)
    for k, (s, m, _) in enumerate(edges):
        assert got.p_edge[k] == pytest.approx(want[(s, m)], abs=1e-12, rel=1e-9)
    assert np.allclose(got.p_free, want_free, atol=1e-12, rtol=1e-9)
    assert got.exact.all()


@settings(deadline=None, max_examples=150)
@given(problems(), st.sampled_from([1, 3, 10]), st.sampled_from([1e-6, 1e-3, 1e-1]))
def test_reported_posteriors_never_exceed_the_exact_ones(problem: tuple, limit: int,
                                                        fold: float) -> None:
    """Folded, split or bounded, a reported posterior is a lower bound of the model's exact
    joint posterior: the decision can lose an identification, never invent one."""
    n_s, n_m, edges, free = problem
    got = run(n_s, n_m, edges, free, exact_limit=limit, fold_below=fold, fold_max=1e-1)
    want, _ = oracle(n_s, edges, free)
    for k, (s, m, _) in enumerate(edges):
        assert got.p_edge[k] <= want[(s, m)] + 1e-9, (s, m, got.p_edge[k], want[(s, m)])
        if got.exact[k] and fold == 1e-6:
            assert got.p_edge[k] == pytest.approx(want[(s, m)], abs=n_s * 1e-5)


@settings(deadline=None, max_examples=100)
@given(problems())
def test_posteriors_are_probabilities_in_rows_and_columns(problem: tuple) -> None:
    n_s, n_m, edges, free = problem
    for options in ({"fold_below": 0.0}, {"exact_limit": 2}, {}):
        got = run(n_s, n_m, edges, free, **options)
        rows = got.p_free.copy()
        cols = np.zeros(n_m)
        for k, (s, m, _) in enumerate(edges):
            rows[s] += got.p_edge[k]
            cols[m] += got.p_edge[k]
        # Lower bounds: rows and columns of pairs sum to at most 1.
        assert (rows - got.p_free <= 1.0 + 1e-9).all() and (cols <= 1.0 + 1e-9).all()
        if options == {"fold_below": 0.0}:
            assert np.allclose(rows, 1.0, atol=1e-9)
        assert ((got.p_edge >= 0) & (got.p_edge <= 1 + 1e-12)).all()


@settings(deadline=None, max_examples=60)
@given(problems(), st.randoms(use_true_random=False))
def test_relabelling_bodies_and_missing_persons_changes_nothing(problem: tuple,
                                                                rnd: object) -> None:
    n_s, n_m, edges, free = problem
    ps = list(range(n_s))
    pm = list(range(n_m))
    rnd.shuffle(ps)  # type: ignore[attr-defined]
    rnd.shuffle(pm)  # type: ignore[attr-defined]
    a = run(n_s, n_m, edges, free)
    moved = [(ps[s], pm[m], w) for s, m, w in edges]
    free2 = [0.0] * n_s
    for s in range(n_s):
        free2[ps[s]] = free[s]
    b = run(n_s, n_m, moved, free2)
    assert np.allclose(a.p_edge, b.p_edge, atol=1e-12)


@settings(deadline=None, max_examples=200)
@given(st.lists(st.integers(0, 9), max_size=40), st.sets(st.integers(0, 12), max_size=6))
def test_pairs_around_nodes_equal_a_pass_over_every_pair(node: list[int],
                                                          nodes: set[int]) -> None:
    """The folding step's pairs of a piece's bodies (missing persons), found from the
    compressed rows, are the pairs a mask over every pair finds, in the same order."""
    from forensic_match.decide.posterior import _incident_pairs, _pairs_around

    node_array = np.array(node, dtype=np.int64)
    wanted = np.array(sorted(n for n in nodes if n < 10), dtype=np.int64)
    incident = _incident_pairs(node_array, 10)
    got = _pairs_around(incident, wanted)
    assert got.tolist() == np.flatnonzero(np.isin(node_array, wanted)).tolist()



@settings(deadline=None, max_examples=200)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=40,
                unique=True))
def test_pieces_found_among_their_own_pairs_equal_the_programme_wide_components(
        pairs: list[tuple[int, int]]) -> None:
    """A piece's components, found on a graph of its own bodies and missing persons, group
    the pairs as the programme-wide labelling does, numbered in the same order."""
    from forensic_match.decide.posterior import _components, _pair_components

    body = np.array([b for b, _ in pairs], dtype=np.int64)
    missing = np.array([m for _, m in pairs], dtype=np.int64)
    wide = _components(40, body, missing, np.ones(body.size, dtype=bool))[body]
    own = _pair_components(body, missing)
    # The same partition, and labels in the same order (a monotone map between them).
    assert len(set(zip(wide.tolist(), own.tolist()))) == len(set(wide.tolist())) \
        == len(set(own.tolist()))
    first = {}
    for w, o in zip(wide.tolist(), own.tolist()):
        first.setdefault(w, o)
    assert sorted(first) == sorted(first, key=first.get)

def test_folding_weak_pairs_changes_posteriors_by_less_than_the_bound() -> None:
    rng = np.random.default_rng(4)
    for _ in range(20):
        n_s, n_m = 6, 5
        edges = [(s, m, float(rng.normal(5, 12))) for s in range(n_s) for m in range(n_m)
                 if rng.random() < 0.5]
        free = rng.normal(3, 2, n_s).tolist()
        exact = run(n_s, n_m, edges, free, fold_below=0.0)
        folded = run(n_s, n_m, edges, free)
        assert (folded.p_edge <= exact.p_edge + 1e-12).all()
        assert np.abs(exact.p_edge - folded.p_edge).max() <= 2 * n_s * n_m * FOLD_BELOW


def test_two_bodies_with_the_same_lr_share_one_missing_person() -> None:
    """The validator's F00329: true body and unregistered brother, both with LR ~1e15."""
    got = run(2, 1, [(0, 0, 15 * math.log(10)), (1, 0, 15 * math.log(10))],
              [math.log(1700.0)] * 2)
    assert got.p_edge == pytest.approx([0.5, 0.5], rel=1e-9)


def test_lone_pair_is_the_row_posterior_and_huge_lrs_are_safe() -> None:
    priors = programme_priors(1000, 2700)
    lr = 3.0e6
    got = run(1, 2, [(0, 0, math.log(lr)), (0, 1, math.log(20.0))],
              [math.log(priors.open_weight)])
    assert got.p_edge[0] == pytest.approx(priors.posterior(lr, lr + 20.0), rel=1e-12)
    big = run(2, 1, [(0, 0, 900.0), (1, 0, 850.0)], [0.0, 0.0])
    assert big.p_edge[0] == pytest.approx(1.0) and np.isfinite(big.p_edge).all()


def test_a_component_too_large_to_enumerate_keeps_a_valid_bound() -> None:
    """Three missing brothers and their three bodies, all equal: K3,3. Enumerated, each pair
    is 1/3; with enumeration refused the second bound (0 here: every column is contested)
    is reported, never more."""
    edges = [(s, m, 10.0) for s in range(3) for m in range(3)]
    ex = run(3, 3, edges, [0.0] * 3)
    assert np.allclose(ex.p_edge, ex.p_edge[0]) and ex.exact.all()
    capped = run(3, 3, edges, [0.0] * 3, exact_limit=2)
    assert (capped.p_edge <= ex.p_edge + 1e-12).all() and not capped.exact.any()
    # A clear winner keeps its identification under the second bound alone.
    lone = run(3, 3, [(0, 0, 40.0), (1, 0, -3.0), (1, 1, 3.0), (2, 1, 3.0), (2, 2, 1.0)],
               [0.0] * 3, exact_limit=0)
    assert lone.p_edge[0] > 0.95 and not lone.exact.any()


@st.composite
def bound_problems(draw: st.DrawFn) -> tuple[np.ndarray, ...]:
    """Larger, denser problems than the enumeration can take: up to 12 bodies and 8 missing
    persons, LRs from impossible (-inf) to 1e130 and free weights on both sides of them."""
    n_s = draw(st.integers(1, 12))
    n_m = draw(st.integers(1, 8))
    pairs = draw(st.lists(st.tuples(st.integers(0, n_s - 1), st.integers(0, n_m - 1)),
                          max_size=40, unique=True))
    logs = st.one_of(st.floats(-30, 300, allow_nan=False), st.just(-math.inf),
                     st.sampled_from([0.0, 15 * math.log(10)]))
    log_w = np.array([draw(logs) for _ in pairs], dtype=np.float64)
    log_free = np.array([draw(st.floats(-5, 40, allow_nan=False)) for _ in range(n_s)])
    body = np.array([p[0] for p in pairs], dtype=np.int64)
    missing = np.array([p[1] for p in pairs], dtype=np.int64)
    return body, missing, log_w, log_free


@settings(deadline=None, max_examples=200)
@given(bound_problems())
def test_second_bound_kernel_equals_its_plain_python_definition(problem: tuple) -> None:
    """The numba kernel (compensated sums) against ``tests/oracle.py`` (``math.fsum``)."""
    from oracle import second_bound as oracle_second_bound

    from forensic_match.decide.posterior import _second_bound

    body, missing, log_w, log_free = problem
    ratio = np.where(np.isfinite(log_w),
                     np.exp(np.minimum(log_w - log_free[body], 700.0)), 0.0) \
        if body.size else np.zeros(0)
    got = _second_bound(body, missing, log_w, log_free, ratio)
    want = oracle_second_bound(body, missing, log_w, log_free, ratio)
    assert got == pytest.approx(want, rel=1e-12, abs=1e-13)


def test_second_bound_kernel_on_a_programme_sized_problem() -> None:
    """Hundreds of bodies with overlapping columns (the shape of a real round)."""
    from oracle import second_bound as oracle_second_bound

    from forensic_match.decide._posterior_numba import SLACK as KERNEL_SLACK
    from forensic_match.decide.posterior import SLACK, _second_bound

    assert SLACK == KERNEL_SLACK
    rng = np.random.default_rng(7)
    n_s, n_m = 300, 200
    pairs = sorted({(int(rng.integers(n_s)), int(rng.integers(n_m))) for _ in range(1500)})
    body = np.array([p[0] for p in pairs], dtype=np.int64)
    missing = np.array([p[1] for p in pairs], dtype=np.int64)
    log_w = rng.normal(5.0, 12.0, body.size)
    log_free = rng.normal(7.0, 2.0, n_s)
    ratio = np.exp(np.minimum(log_w - log_free[body], 700.0))
    got = _second_bound(body, missing, log_w, log_free, ratio)
    want = oracle_second_bound(body, missing, log_w, log_free, ratio)
    assert (want > 0.5).sum() >= 10 and (want > 1e-6).sum() >= 50
    assert got == pytest.approx(want, rel=1e-12, abs=1e-13)


def test_free_weights_must_be_finite() -> None:
    with pytest.raises(ValueError, match="finite free weight"):
        run(1, 1, [(0, 0, 1.0)], [-math.inf])


def test_a_pair_listed_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="listed twice"):
        run(1, 1, [(0, 0, 1.0), (0, 0, 2.0)], [0.0])


# --- priors ----------------------------------------------------------------------------------


def test_programme_priors() -> None:
    p = programme_priors(1000, 2700)
    assert p.registered == pytest.approx(1000 / 2700) and p.source == "programme"
    assert p.open_weight == pytest.approx(1000 * (1 - 1000 / 2700) / (1000 / 2700))
    peru = programme_priors(22295, 10000)
    assert peru.registered == MAX_REGISTERED and peru.open_weight == pytest.approx(22295)
    closed = programme_priors(10, 10, registered=1.0, relatives=0.0)
    assert closed.source == "user" and closed.open_weight > 0 and closed.log_open < -600
    assert "0.37" in p.describe() and "1000 registered" in p.describe()
    for bad in ({"registered": 0.0}, {"registered": 1.5}, {"relatives": -1.0}):
        with pytest.raises(InputError):
            programme_priors(10, 10, **bad)  # type: ignore[arg-type]


# --- relatives as alternatives ------------------------------------------------------------------

PANEL = [Marker(f"M{k}", [str(a) for a in range(8, 16)],
                [0.05, 0.1, 0.2, 0.15, 0.2, 0.1, 0.12, 0.08]) for k in range(6)]


def test_relation_names() -> None:
    ped = Pedigree.from_records([
        ("GF", None, None, "M"), ("GM", None, None, "F"), ("FA", "GF", "GM", "M"),
        ("UN", "GF", "GM", "M"), ("MO", None, None, "F"), ("C1", "FA", "MO", "M"),
        ("C2", "FA", "MO", "F"), ("W", None, None, "F"), ("K", "C1", "W", "M"),
        ("UW", None, None, "F"), ("CO", "UN", "UW", "M"), ("H", "FA", "UW", "M")])
    cases = {("FA", "C1"): "father", ("MO", "C1"): "mother", ("K", "C1"): "child",
             ("C2", "C1"): "full sibling", ("H", "C1"): "half sibling",
             ("GF", "C1"): "grandparent", ("K", "FA"): "grandchild",
             ("UN", "C1"): "uncle or aunt", ("C1", "UN"): "nephew or niece",
             ("CO", "C1"): "first cousin", ("W", "C1"): "partner", ("UW", "C1"): None}
    for (a, b), want in cases.items():
        assert relation(ped, a, b) == want, (a, b)


def test_parents_as_references_imply_a_sibling_and_a_child() -> None:
    ped = missing_person_family("MP", missing_sex="M", relatives={"F": "father",
                                                                  "M": "mother"})
    truth = simulate_profiles(ped, PANEL, seed=3)
    fam = Family("FAM", ped, ["MP"], {"F": truth["F"], "M": truth["M"]})
    alts = relative_alternatives(fam)
    got = {a.person: (a.relation, a.drawn) for a in alts.alternatives}
    assert got == {"MP/sibling": ("full sibling of MP", False),
                   "MP/child": ("child of MP", False)}
    assert alts.family.missing == ["MP/sibling", "MP/child"]
    # DNA cannot tell a full brother from MP when the parents are the references: their
    # tables are the same, exactly.
    own = compile_missing(fam, "MP", PANEL)
    sib = compile_missing(alts.family, "MP/sibling", PANEL)
    assert np.array_equal(own[0], sib[0]) and np.array_equal(own[3], sib[3])
    # Adding the alternatives changes nothing the family already holds.
    assert compile_missing(alts.family, "MP", PANEL)[2] == pytest.approx(own[2], rel=1e-12)


def test_drawn_untyped_members_are_alternatives() -> None:
    """An uncle as the only reference: the father drawn to connect him is an alternative
    (the body may be the father), and he matches the uncle better than MP does."""
    ped = missing_person_family("MP", missing_sex="M", relatives={"U": "paternal_uncle"})
    truth = simulate_profiles(ped, PANEL, seed=5)
    fam = Family("FAM", ped, ["MP"], {"U": truth["U"]})
    alts = relative_alternatives(fam)
    by_rel = {a.relation: a for a in alts.alternatives}
    father = next(a for a in alts.alternatives if a.relation == "father of MP")
    assert father.drawn and father.person in ped
    assert "full sibling of MP" in by_rel and "child of MP" in by_rel
    # Typed and missing people are never alternatives.
    assert not {a.person for a in alts.alternatives} & {"U", "MP"}


def test_missing_person_without_parents_gets_both() -> None:
    ped = Pedigree.from_records([("MP", None, None, "F"), ("H", None, None, "M"),
                                 ("K", "H", "MP", "M")])
    fam = Family("FAM", ped, ["MP"], {"K": {}, "H": {}})
    rels = sorted(a.relation for a in relative_alternatives(fam).alternatives)
    assert rels == ["child of MP", "father of MP", "full sibling of MP", "mother of MP"]


def test_decide_names_the_brother_at_family_level() -> None:
    """identify on one family with parents typed and the body its missing son: family level,
    the son and an unregistered brother at 0.5 each."""
    from forensic_match.dvi.identify import identify

    ped = missing_person_family("MP", missing_sex="M", relatives={"F": "father",
                                                                  "M": "mother"})
    truth = simulate_profiles(ped, PANEL, seed=8)
    fam = Family("FAM", ped, ["MP"], {"F": truth["F"], "M": truth["M"]})
    res = identify([fam], [PMSample("bone", "M", dict(truth["MP"]))], PANEL, min_markers=4)
    assert res.identifications.height == 0
    pairs = res.decision.pairs  # type: ignore[union-attr]
    alts = res.decision.alternatives  # type: ignore[union-attr]
    assert pairs["posterior"][0] == pytest.approx(0.5, abs=1e-3)
    sib = alts.filter(alts["person"] == "MP/sibling")
    assert sib["posterior"][0] == pytest.approx(0.5, abs=1e-3)
    assert sib["lr"][0] == pytest.approx(pairs["lr"][0], rel=1e-9)
    assert res.family_level["posterior"][0] >= 0.9995


def test_a_drawn_brother_does_not_replace_the_implied_sibling() -> None:
    """The harness's false proposal: a family drew an untyped son (father of a missing
    grandchild); an unregistered *sister* in the grave was taken for the missing daughter,
    since the only sibling alternative was the drawn son, whom the sex filter removed."""
    ped = Pedigree.from_records([
        ("FA", None, None, "M"), ("MO", None, None, "F"), ("C1", "FA", "MO", "M"),
        ("C3", "FA", "MO", "F"), ("CS", None, None, "F"), ("G3", "C1", "CS", "F")])
    fam = Family("F", ped, ["C3", "G3"], {"FA": {}, "MO": {}})
    alts = {a.person: a.relation for a in relative_alternatives(fam).alternatives}
    assert alts["C1"] == "father of G3"  # and C3's brother: the nearest relation is named
    assert alts["C3/sibling"] == "full sibling of C3"
    assert relative_alternatives(fam).family.pedigree.sex_of("C3/sibling") == "U"


def test_a_posterior_short_of_one_is_never_written_as_one() -> None:
    """An outside check of the reports (2026-12-07): a reason said "joint posterior 1.000000"
    beside the report's 99.999972 %."""
    from forensic_match.decide.posterior import posterior_text

    assert posterior_text(0.9995) == "0.999500"
    assert posterior_text(0.99999972) == "1 - 2.8e-07"
    assert posterior_text(0.9999994) == "0.999999"
    assert posterior_text(1.0) == "1.000000"
    assert posterior_text(0.0) == "0.000000"
