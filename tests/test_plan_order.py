"""Optimised elimination plans (``build_plan(optimise=True)``: tied founder alleles
substituted, the cheapest of three greedy orders, the searched order of
``_plan_numba.best_order``): the cheapest order, and the same likelihoods as the reference
plans.

``best_order`` is checked against every permutation of the variables on small random factor
graphs; optimised plans (every one searched) are checked against the enumeration oracle and
against the reference plans (``optimise=False``) on random pedigrees with theta (whose
set-partition expansion ties founder alleles), and a simulated programme's theta tables are
compiled both ways.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from helpers import theta_programme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle import assert_posterior_is_oracle
from strategies import THETAS, Case, cases

from forensic_match.likelihood import _plan, engine, genotype_posterior
from forensic_match.likelihood._plan_numba import best_order, eliminate

_settings = settings(deadline=None, max_examples=60,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                            HealthCheck.filter_too_much])


@st.composite
def factor_graphs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Weights, CSR scopes and the variables to sum out of a random factor graph of up to
    nine variables (every variable in some scope; up to six to sum out)."""
    n = draw(st.integers(1, 9))
    weight = np.array(draw(st.lists(st.sampled_from([2.0, 8.0]), min_size=n, max_size=n)))
    scopes = [[v] for v in range(n)]
    for _ in range(draw(st.integers(0, 8))):
        scopes.append(sorted(set(draw(st.lists(st.integers(0, n - 1), min_size=1,
                                               max_size=4)))))
    ptr = np.zeros(len(scopes) + 1, dtype=np.int32)
    ptr[1:] = np.cumsum([len(s) for s in scopes])
    svars = np.array([v for s in scopes for v in s], dtype=np.int32)
    chosen = draw(st.lists(st.integers(0, n - 1), max_size=6, unique=True))
    eliminable = np.zeros(n, dtype=np.uint8)
    eliminable[chosen] = 1
    return weight, ptr, svars, eliminable


def _size(weight, ptr, svars, eliminable, order) -> float:
    """The sum of the steps' sizes of eliminating in ``order`` (``eliminate``'s own count)."""
    kept = np.flatnonzero(eliminable == 0).astype(np.int32)
    return eliminate(weight, ptr, svars, eliminable, kept, np.asarray(order, dtype=np.int32),
                     0)[6]


@_settings
@given(factor_graphs())
def test_best_order_is_the_cheapest_of_all_orders(graph) -> None:
    weight, ptr, svars, eliminable = graph
    elim = np.flatnonzero(eliminable).tolist()
    sizes = [_size(*graph, order) for order in itertools.permutations(elim)]
    cheapest = min(sizes)
    order = best_order(weight, ptr, svars, eliminable, np.inf)
    assert sorted(order.tolist()) == elim
    assert _size(*graph, order) == cheapest
    # A bound no order beats gives no order; a bound just above the cheapest gives one.
    assert best_order(weight, ptr, svars, eliminable, cheapest).size == 0
    assert _size(*graph, best_order(weight, ptr, svars, eliminable, cheapest * 1.001)) \
        == cheapest


def _fresh(case: Case) -> None:
    """Forget the plans cached on the case's pedigree."""
    for key in ("_fm_plans", "_fm_plan_shapes"):
        case.pedigree.__dict__.pop(key, None)


@settings(_settings, max_examples=40)
@given(cases(mutation=True, dropout=True, untyped_target=True), THETAS)
def test_searched_plans_give_the_oracle_posterior(case: Case, theta: float) -> None:
    """Every plan searched (the threshold set to 0), with theta: the target's posterior is
    the oracle's, and the greedy plans' to 1e-12."""
    saved = (_plan.SEARCH_RATIO, _plan.SEARCH_LIMIT, engine._PLANS)
    try:
        got = {}
        for label, ratio, limit in (("searched", 0.0, 18), ("greedy", 0.0, 0)):
            _plan.SEARCH_RATIO, _plan.SEARCH_LIMIT, engine._PLANS = ratio, limit, {}
            _fresh(case)
            got[label] = genotype_posterior(case.pedigree, case.markers, case.profiles,
                                            case.target, theta=theta,
                                            observation=case.observation, lump=False)
    finally:
        _plan.SEARCH_RATIO, _plan.SEARCH_LIMIT, engine._PLANS = saved
        _fresh(case)
    for post, greedy, marker in zip(got["searched"], got["greedy"], case.markers):
        assert_posterior_is_oracle(post, case.pedigree, marker, case.profiles, case.target,
                                   theta=theta, observation=case.observation, rel=1e-9,
                                   where="searched order")
        a, b = np.asarray(post.matrix), np.asarray(greedy.matrix)
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("model", ["equal", "stepwise"])
def test_theta_tables_are_the_same_with_searched_orders(model: str,
                                                        monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """A simulated programme's theta-0.02 tables (aunt-and-cousin and nephew shapes among
    them), compiled with the greedy orders and with the searched ones (every plan that may be
    searched is), agree to 1e-11 in log10."""
    from forensic_match.dvi.compile import compile_families

    ds, panel = theta_programme(model, 3)
    searched: list[int] = []
    build = _plan.build_plan

    def counted(*args, **kwargs):
        plan = build(*args, **kwargs)
        greedy = build(*args, **{**kwargs, "optimise": False})
        searched.append(not np.array_equal(plan.step_var, greedy.step_var))
        return plan

    tables = {}
    for label, limit in (("greedy", 0), ("searched", 18)):
        monkeypatch.setattr(engine, "_PLANS", {})
        monkeypatch.setattr(_plan, "SEARCH_LIMIT", limit)
        monkeypatch.setattr(_plan, "SEARCH_RATIO", 0.0)
        monkeypatch.setattr(engine, "build_plan", counted if limit else build)
        for fam in ds.am:
            for key in ("_fm_plans", "_fm_plan_shapes"):
                fam.pedigree.__dict__.pop(key, None)
        tables[label] = compile_families(ds.am, panel, theta=0.02)
    assert sum(searched) > 20  # orders other than the greedy one were used
    a, b = tables["greedy"], tables["searched"]
    assert a.rows == b.rows
    finite = np.isfinite(a.log10_lr)
    np.testing.assert_array_equal(np.isfinite(b.log10_lr), finite)
    np.testing.assert_allclose(b.log10_lr[finite], a.log10_lr[finite], rtol=0, atol=1e-11)
    np.testing.assert_allclose(b.denominator, a.denominator, rtol=1e-11, atol=0)
    np.testing.assert_array_equal(b.consistent, a.consistent)
