"""The pinned founder transmission and the allele working sets are exact for every mutation
model (``docs/methods.md``, "Lumping").

A founder's two allele variables are exchangeable, so the engine replaces the transmission
to one child of each founder by a transmission from the founder's first allele. These tests
compare the engine with and without that reduction (and with and without lumping) on random
pedigrees with loops, untyped founders, dropout, drop-in and theta, for every model of
``forensic_match.mutation`` (custom matrices and PM-stationary models included), and against
the enumeration oracle where it is small enough.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import assert_posterior_is_oracle, oracle_likelihood
from strategies import THETAS, Case, cases

from forensic_match.errors import MarkerError, ThetaLimitError
from forensic_match.likelihood import _plan, genotype_posterior, pedigree_likelihood
from forensic_match.likelihood.engine import _PLANS
from forensic_match.markers import Marker
from forensic_match.mutation import MODELS, Mutation, MutationModel
from forensic_match.pedigree import Pedigree

REL = 1e-12

_settings = settings(deadline=None, max_examples=25,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                            HealthCheck.data_too_large])


@contextmanager
def unpinned(*pedigrees: Pedigree) -> Iterator[None]:
    """The engine with every transmission over both parental alleles, neither pinned, split
    nor presummed (plans rebuilt)."""
    saved = _plan._pinned, _plan._split, _plan._presummed
    _plan._pinned = _plan._split = _plan._presummed = \
        lambda father, *_: np.full(father.size, -1, dtype=np.int32)
    for ped in pedigrees:
        ped.__dict__.pop("_fm_plans", None)
    _PLANS.clear()
    try:
        yield
    finally:
        _plan._pinned, _plan._split, _plan._presummed = saved
        for ped in pedigrees:
            ped.__dict__.pop("_fm_plans", None)
        _PLANS.clear()


@st.composite
def any_model(draw: st.DrawFn, marker: Marker) -> Marker:
    """``marker`` under a model drawn from every family of ``MODELS``, sometimes stationary."""
    model = draw(st.sampled_from(MODELS))
    n = len(marker)

    def one() -> MutationModel:
        rate = draw(st.floats(1e-4, 0.2))
        if model == "custom":
            rows = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=n * n,
                                          max_size=n * n))).reshape(n, n)
            rows += np.eye(n) * draw(st.floats(0.0, 50.0))
            return MutationModel("custom", matrix=rows / rows.sum(axis=1, keepdims=True))
        if model == "stepwise":
            return MutationModel("stepwise", rate=rate, range=draw(st.floats(0.1, 0.9)),
                                 rate2=draw(st.floats(0.0, 0.05)))
        if model == "proportional":
            rate = min(rate, 0.9 * float(np.sum(marker.frequencies * (1 - marker.frequencies))))
        return MutationModel(model, rate=rate)

    mutation = Mutation(female=one(), male=one(), stationary=draw(st.booleans()))
    out = marker.with_mutation(mutation)
    try:
        out.matrices  # noqa: B018 (computed here: a PM-stationary version may not exist)
    except MarkerError:
        out = marker.with_mutation(Mutation(mutation.female, mutation.male))
    return out


def _close(got: np.ndarray, want: np.ndarray, rel: float = REL) -> None:
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    assert got.shape == want.shape
    assert np.allclose(got, want, rtol=rel, atol=rel * scale), (got, want)


def _both(case: Case, markers: list[Marker], theta: float, lump: bool,
          ) -> tuple[np.ndarray, list[np.ndarray]]:
    values = pedigree_likelihood(case.pedigree, markers, case.profiles, theta=theta,
                                 observation=case.observation, lump=lump)
    posts = genotype_posterior(case.pedigree, markers, case.profiles, case.target,
                               theta=theta, observation=case.observation, lump=lump)
    return values, [p.matrix for p in posts]


@_settings
@given(cases(mutation=True, dropout=True, untyped_target=True, max_markers=2, max_alleles=7,
             sized_for_oracle=False), st.one_of(st.just(0.0), THETAS), st.data())
def test_pinned_equals_unpinned(case: Case, theta: float, data: st.DataObject) -> None:
    """Likelihood and the target's ordered posterior: pinned == unpinned, lumped == full."""
    markers = [data.draw(any_model(m)) for m in case.markers]
    runs = []
    try:
        for lump in (False, True):
            with unpinned(case.pedigree):
                runs.append((lump, *_both(case, markers, theta, lump)))
            runs.append((lump, *_both(case, markers, theta, lump)))
    except ThetaLimitError:
        assume(False)
    _, want_values, want_posts = runs[0]  # unpinned, every allele
    for lump, values, posts in runs[1:]:
        _close(values, want_values)
        if not lump:
            for got, want in zip(posts, want_posts):
                _close(got, want)
    for got, want in zip(runs[3][2], runs[2][2]):  # lumped: pinned == unpinned
        _close(got, want)


@settings(_settings, max_examples=20)
@given(cases(mutation=True, dropout=True, untyped_target=True),
       st.one_of(st.just(0.0), THETAS), st.data())
def test_pinned_posterior_matches_oracle(case: Case, theta: float,
                                         data: st.DataObject) -> None:
    """Custom and PM-stationary models too: the pinned engine is the enumeration."""
    rel = REL if theta == 0.0 else 1e-9
    markers = [data.draw(any_model(m)) for m in case.markers]
    posts = genotype_posterior(case.pedigree, markers, case.profiles, case.target,
                               theta=theta, observation=case.observation, lump=False)
    for post, marker in zip(posts, markers):
        assert_posterior_is_oracle(post, case.pedigree, marker, case.profiles, case.target,
                                   theta=theta, observation=case.observation, rel=rel)


def test_pinning_on_benchmark_families() -> None:
    """Real panels (23 markers, up to 50 alleles), stepwise and equal: the three-generation
    family's missing person and the cousin loop (grandparents with two children: pinned and
    presummed), reduced == unreduced to 1e-12."""
    from benchmarks.cases import case

    for shape, target in (("family12", "MP"), ("cousin_loop", "C")):
        for model in ("stepwise", "equal"):
            ped, markers, profiles = case(shape, model)
            profiles = {k: v for k, v in profiles.items() if k != target}
            got = genotype_posterior(ped, markers, profiles, target)
            plans = list(ped.__dict__["_fm_plans"].values())
            for kinds in ((_plan.PIN_FATHER, _plan.PIN_MOTHER),
                          (_plan.PRESUM_FATHER, _plan.PRESUM_MOTHER)):
                assert all(np.isin(p.fkind, kinds).any() for p in plans)
            with unpinned(ped):
                want = genotype_posterior(ped, markers, profiles, target)
                plans = list(ped.__dict__["_fm_plans"].values())
                assert not any(np.isin(p.fkind, (_plan.PIN_FATHER, _plan.PIN_MOTHER)).any()
                               for p in plans)
            for g, w in zip(got, want):
                assert g.alleles == w.alleles
                assert math.isclose(g.likelihood, w.likelihood, rel_tol=REL)
                _close(g.matrix, w.matrix)


@pytest.mark.parametrize("shape", ["siblings", "parent_siblings", "nephew", "cousin_aunt",
                                   "half_siblings", "spouse_children"])
def test_compiled_tables_unchanged(shape: str) -> None:
    """Compiled LR tables of simulated families under a stepwise model: pinned == unpinned."""
    from forensic_match.dvi.compile import compile_missing
    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.frequencies import load_frequencies

    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel("stepwise", rate=0.0005, range=0.1, rate2=1e-6),
                        male=MutationModel("stepwise", rate=0.002, range=0.1, rate2=1e-6))
    markers = db.markers_for(db.markers[:6], mutation=mutation)
    prog = simulate_programme(4, 2, markers=markers, seed=3, shapes={shape: 1.0})
    for family in prog.dataset.am:
        for missing in family.missing:
            got = compile_missing(family, missing, markers)
            with unpinned(family.pedigree):
                want = compile_missing(family, missing, markers)
            assert np.array_equal(np.isfinite(got.log10_lr), np.isfinite(want.log10_lr))
            ok = np.isfinite(want.log10_lr)
            assert np.max(np.abs(got.log10_lr[ok] - want.log10_lr[ok])) < 1e-12 / math.log(10)
            assert math.isclose(got.log10_likelihood, want.log10_likelihood, rel_tol=REL)


def test_stationary_equal_model_is_checked_before_lumping() -> None:
    """The PM-stationary version of an ``equal`` matrix is not lumpable in general; it used
    to be merged by model name (found by ``test_pinned_equals_unpinned``)."""
    ped = Pedigree.from_records([("i0", None, None, "M"), ("i1", None, None, "F"),
                                 ("i2", "i0", "i1", "M")])
    model = MutationModel("equal", rate=0.125)
    marker = Marker("M1", ("9", "10", "11"), np.array([0.25, 0.25, 0.5]),
                    Mutation(model, model, stationary=True))
    profiles = {"i1": {"M1": ("9", "9")}, "i2": {"M1": ("9", "9")}}
    want = oracle_likelihood(ped, marker, profiles)
    for lump in (True, False):
        got = pedigree_likelihood(ped, [marker], profiles, lump=lump)[0]
        assert math.isclose(got, want, rel_tol=REL)


def test_split_transmission_of_an_untyped_parent() -> None:
    """Typed grandparents and mother, untyped father: his transmission to the missing
    grandchild is split by a selector; posterior and likelihood as without it."""
    from benchmarks.cases import markers as panel
    from forensic_match.simulate import simulate_profiles

    ped = Pedigree.from_records([("GF", None, None, "M"), ("GM", None, None, "F"),
                                 ("FA", "GF", "GM", "M"), ("MO", None, None, "F"),
                                 ("MP", "FA", "MO", "M")])
    for model in ("stepwise", "equal"):
        markers = panel(model)
        profiles = simulate_profiles(ped, markers, seed=5, typed=["GF", "GM", "MO"])
        got = genotype_posterior(ped, markers, profiles, "MP")
        plans = list(ped.__dict__["_fm_plans"].values())
        assert all(np.isin(p.fkind, (_plan.SPLIT_FATHER,)).any() for p in plans)
        with unpinned(ped):
            want = genotype_posterior(ped, markers, profiles, "MP")
        for g, w in zip(got, want):
            assert math.isclose(g.likelihood, w.likelihood, rel_tol=REL)
            _close(g.matrix, w.matrix)
