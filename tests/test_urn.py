"""The Balding-Nichols urn: both exact ways the engine sums it, against the oracle.

With theta > 0 the engine conditions the urn on the founders whose genotype is known exactly
and sums the other founder alleles either over the set partitions of the draws (the Chinese
restaurant expansion) or by Gauss quadrature over ``Dirichlet(alpha)``; it picks the cheaper.
Here each way is forced in turn and compared with the oracle (tests/oracle.py, which draws
every founder allele from the urn in sequence) and with the other way.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from helpers import untyped_ancestry
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import assert_posterior_is_oracle, oracle_likelihood, oracle_posterior
from strategies import LUMPABLE_MODELS, THETAS, Case, cases

from forensic_match.cases import Family
from forensic_match.likelihood import engine, genotype_posterior, pedigree_likelihood
from forensic_match.likelihood.engine import (
    _bell,
    _set_partitions,
    dirichlet_quadrature,
    theta_quadrature,
)
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree

REL = 1e-9
METHODS = ("partitions", "quadrature")

_settings = settings(deadline=None, max_examples=40,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                            HealthCheck.data_too_large])


@pytest.fixture(params=METHODS)
def method(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setattr(engine, "_URN_METHOD", request.param)
    return request.param


def _close(a: float, b: float, what: str) -> None:
    assert math.isclose(a, b, rel_tol=REL, abs_tol=1e-300), f"{what}: {a!r} != {b!r}"


# --- the expansion itself ----------------------------------------------------------------------

@pytest.mark.parametrize("n", range(0, 8))
def test_partitions_are_all_set_partitions(n: int) -> None:
    parts = _set_partitions(n)
    assert len(parts) == _bell(n)
    canon = {tuple(sorted(tuple(sorted(b)) for b in p)) for p in parts}
    assert len(canon) == len(parts)  # no partition twice
    for p in parts:
        assert sorted(i for b in p for i in b) == list(range(n))


def test_bell_numbers() -> None:
    assert [_bell(n) for n in range(9)] == [1, 1, 2, 5, 15, 52, 203, 877, 4140]


@_settings
@given(st.integers(0, 7), st.floats(0.01, 1e4))
def test_partition_weights_sum_to_one(n: int, total: float) -> None:
    """sum over partitions of prod (|B| - 1)! A^|blocks| = A (A + 1) ... (A + n - 1): the
    unsigned Stirling numbers of the first kind, so the urn's weights sum to 1."""
    s = sum(math.prod(math.factorial(len(b) - 1) for b in p) * total ** len(p)
            for p in _set_partitions(n))
    rising = math.prod(total + j for j in range(n))
    assert math.isclose(s, rising, rel_tol=1e-12)


@_settings
@given(st.lists(st.floats(0.05, 30.0), min_size=2, max_size=5), st.integers(0, 6),
       st.data())
def test_dirichlet_quadrature_moments(alpha: list[float], degree: int,
                                      data: st.DataObject) -> None:
    """Every monomial of total degree <= ``degree`` gets its Dirichlet moment
    ``prod alpha_i^(n_i) / A^(n)`` (rising factorials)."""
    a = np.array(alpha)
    nodes, w = dirichlet_quadrature(a, degree)
    assert math.isclose(w.sum(), 1.0, rel_tol=1e-12)
    counts = data.draw(st.lists(st.integers(0, degree), min_size=a.size, max_size=a.size))
    assume(sum(counts) <= degree)
    got = float(np.sum(w * np.prod(nodes ** np.array(counts), axis=1)))
    want = math.prod(math.prod(a[i] + j for j in range(c)) for i, c in enumerate(counts))
    want /= math.prod(a.sum() + j for j in range(sum(counts)))
    assert math.isclose(got, want, rel_tol=1e-9)


def test_theta_quadrature_is_the_dirichlet_rule() -> None:
    p = np.array([0.1, 0.2, 0.3, 0.4])
    n1, w1 = theta_quadrature(p, 0.02, 4)
    n2, w2 = dirichlet_quadrature(p * 49.0, 4)
    assert np.array_equal(n1, n2) and np.array_equal(w1, w2)


# --- against the oracle, each way forced -------------------------------------------------------

@settings(_settings, max_examples=25)
@given(cases(mutation=True, dropout=True), THETAS)
def test_likelihood(case: Case, theta: float) -> None:
    for forced in METHODS:
        engine._URN_METHOD = forced
        try:
            got = pedigree_likelihood(case.pedigree, case.markers, case.profiles, theta=theta,
                                      observation=case.observation)
        finally:
            engine._URN_METHOD = None
        for value, marker in zip(got, case.markers):
            want = oracle_likelihood(case.pedigree, marker, case.profiles, theta=theta,
                                     observation=case.observation)
            _close(float(value), want, f"{forced}, marker {marker.name}")


@settings(_settings, max_examples=25)
@given(cases(mutation=st.sampled_from([False, LUMPABLE_MODELS, True]), dropout=True,
             untyped_target=True), THETAS)
def test_posterior(case: Case, theta: float) -> None:
    """The target's genotype posterior over all alleles, each way."""
    for forced in METHODS:
        engine._URN_METHOD = forced
        try:
            got = genotype_posterior(case.pedigree, case.markers, case.profiles, case.target,
                                     theta=theta, observation=case.observation, lump=False)
        finally:
            engine._URN_METHOD = None
        for post, marker in zip(got, case.markers):
            assert_posterior_is_oracle(post, case.pedigree, marker, case.profiles, case.target,
                                       theta=theta, observation=case.observation, rel=REL,
                                       where=forced)


def _siblings_case(target: str) -> tuple[Pedigree, Marker, dict[str, dict[str, tuple]]]:
    """Two typed siblings, untyped parents, and ``target``: a third sibling or an unrelated
    founder (five individuals and three alleles, so the oracle enumerates 3^10 states)."""
    records = [("FA", None, None, "M"), ("MO", None, None, "F"), ("S1", "FA", "MO", "M"),
               ("S2", "FA", "MO", "F")]
    records.append(("MP", "FA", "MO", "M") if target == "MP" else ("U", None, None, "M"))
    marker = Marker("M1", ("9", "10", "11"), np.array([0.2, 0.3, 0.5]))
    profiles = {"S1": {"M1": ("9", "10")}, "S2": {"M1": ("10", "11")}}
    return Pedigree.from_records(records), marker, profiles


@pytest.mark.parametrize("target", ["MP", "U"])
def test_untyped_parents_and_an_unrelated_target(method: str, target: str) -> None:
    """Siblings typed, both parents untyped (four free draws), and an unrelated founder as
    the target (two more): the shape of a compiled family's numerator and theta
    denominator."""
    ped, marker, profiles = _siblings_case(target)
    got = genotype_posterior(ped, [marker], profiles, target, theta=0.03, lump=False)[0]
    want = oracle_posterior(ped, marker, profiles, target, theta=0.03)
    _close(got.likelihood, oracle_likelihood(ped, marker, profiles, theta=0.03), "likelihood")
    for i, a in enumerate(got.alleles):
        for j, b in enumerate(got.alleles):
            assert math.isclose(float(got.matrix[i, j]), want[(a, b)], rel_tol=REL,
                                abs_tol=1e-15)


def test_known_founders_condition_the_urn(method: str) -> None:
    """Both parents typed: the child's posterior is Mendelian whatever theta, and the
    likelihood is the urn's probability of the parents' four alleles (NRC II 4.10) times
    the transmissions."""
    ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                 ("MP", "FA", "MO", "M")])
    marker = Marker("M1", ("9", "10", "11"), np.array([0.2, 0.3, 0.5]))
    profiles = {"FA": {"M1": ("9", "10")}, "MO": {"M1": ("9", "9")}}
    theta = 0.05
    got = genotype_posterior(ped, [marker], profiles, "MP", theta=theta, lump=False)[0]
    p9, p10 = 0.2, 0.3
    # draws 9, 10, 9, 9 from the urn (any order gives the same product): after m draws of
    # which n were a, the next is a with (n theta + (1 - theta) p_a) / (1 + (m - 1) theta)
    urn = (p9 * (1 - theta) * p10
           * (theta + (1 - theta) * p9) / (1 + theta)
           * (2 * theta + (1 - theta) * p9) / (1 + 2 * theta))
    _close(got.likelihood, 2 * urn, "likelihood (two orders of the heterozygous father)")
    idx = {a: i for i, a in enumerate(got.alleles)}
    assert math.isclose(float(got.matrix[idx["9"], idx["9"]]), 0.5, rel_tol=1e-12)
    assert math.isclose(float(got.matrix[idx["10"], idx["9"]]), 0.5, rel_tol=1e-12)


# --- compile: feasibility first ----------------------------------------------------------------

def _deep_family() -> tuple[Family, Marker]:
    """A typed father and the missing person, whose mother's untyped ancestry is drawn four
    generations back (16 founders, one free draw each), with a stepwise marker of 12
    alleles (nothing merged): the missing person's correction exceeds both the partition
    and the quadrature limits, the unrelated person's (the father conditions the urn, two
    free draws) does not."""
    records: list[tuple[str, str | None, str | None, str]] = []

    untyped_ancestry(records, "MO", "F", 4)
    records += [("FA", None, None, "M"), ("MP", "FA", "MO", "M")]
    alleles = tuple(str(a) for a in range(8, 20))
    p = np.linspace(1.0, 2.0, len(alleles))
    mutation = Mutation(female=MutationModel("stepwise", rate=0.001, range=0.5),
                        male=MutationModel("stepwise", rate=0.002, range=0.5))
    marker = Marker("M1", alleles, p / p.sum(), mutation=mutation)
    return Family("DEEP", Pedigree.from_records(records), ["MP"],
                  {"FA": {"M1": ("8", "9")}}), marker


def test_infeasible_theta_falls_back_before_the_work() -> None:
    """The numerator's correction exceeds every limit while the denominator's does not:
    the family's rows are compiled at theta 0 at that marker (numerator and denominator
    alike), with a warning, and nothing fails half-way (this raised in the middle of the
    compile before the check came first)."""
    from forensic_match.dvi.compile import compile_families, family_thetas
    from forensic_match.errors import ThetaFallbackWarning, ThetaLimitError

    fam, marker = _deep_family()
    with pytest.raises(ThetaLimitError):
        genotype_posterior(fam.pedigree, [marker], fam.genotypes, "MP", theta=0.02)
    assert family_thetas(fam, [], [marker], 0.02)[0] == 0.02  # the denominator alone
    assert family_thetas(fam, ["MP"], [marker], 0.02)[0] == 0.0
    with pytest.warns(ThetaFallbackWarning, match="DEEP"):
        tables = compile_families([fam], [marker], theta=0.02)
    assert tables.row_theta[0] == 0.0
    plain = compile_families([fam], [marker], theta=0.0)
    np.testing.assert_allclose(tables.log10_lr, plain.log10_lr, rtol=1e-12)


def test_rows_kept_from_an_earlier_run_warn_as_when_compiled() -> None:
    """Rows a night takes from the last run's files instead of compiling them (conditioned
    families, the references' relatives) give the ThetaFallbackWarning their compiling
    gave, with the same text; rows at the full theta give none."""
    from forensic_match.dvi.compile import compile_rows, warn_kept_fallback
    from forensic_match.errors import ThetaFallbackWarning

    fam, marker = _deep_family()
    with pytest.warns(ThetaFallbackWarning) as when_compiled:
        rows = compile_rows(fam, ["MP"], [marker], theta=0.02)
    assert rows[0].theta == 0.0
    with pytest.warns(ThetaFallbackWarning) as when_kept:
        warn_kept_fallback(fam, ["MP"], [marker], rows, theta=0.02)
    assert [str(w.message) for w in when_kept] == [str(w.message) for w in when_compiled]
    shallow = Family("TRIO", Pedigree.from_records([("FA", None, None, "M"),
                                                    ("MO", None, None, "F"),
                                                    ("MP", "FA", "MO", "M")]),
                     ["MP"], {"FA": {"M1": ("8", "9")}})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows = compile_rows(shallow, ["MP"], [marker], theta=0.02)
        assert rows[0].theta == 0.02
        warn_kept_fallback(shallow, ["MP"], [marker], rows, theta=0.02)
