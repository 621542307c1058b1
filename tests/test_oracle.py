"""The engine against the plain-Python oracle (tests/oracle.py) on random small pedigrees.

Exact to 1e-12 relative at theta = 0; to 1e-9 with theta > 0 (the engine integrates the
Balding-Nichols prior by Gauss-Jacobi quadrature, the oracle draws from the urn).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from oracle import oracle_likelihood, oracle_posterior
from strategies import LUMPABLE_MODELS, MUTATION_MODELS, THETAS, Case, cases

from forensic_match.likelihood import OTHER, genotype_posterior, pedigree_likelihood
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree

EXACT_REL = 1e-12
THETA_REL = 1e-9

_settings = settings(deadline=None, max_examples=60,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                            HealthCheck.data_too_large])


def assert_close(engine: float, oracle: float, rel: float, what: str = "") -> None:
    """Equal to ``rel`` relative (both exactly 0 counts as equal)."""
    assert math.isclose(engine, oracle, rel_tol=rel, abs_tol=1e-300), \
        f"{what}: engine {engine!r} != oracle {oracle!r} (rel {rel})"


def check_likelihood(case: Case, *, theta: float = 0.0, rel: float = EXACT_REL,
                     lump: bool = True) -> None:
    got = pedigree_likelihood(case.pedigree, case.markers, case.profiles, theta=theta,
                              observation=case.observation, lump=lump)
    assert got.shape == (len(case.markers),)
    for value, marker in zip(got, case.markers):
        want = oracle_likelihood(case.pedigree, marker, case.profiles, theta=theta,
                                 observation=case.observation)
        assert_close(float(value), want, rel, f"marker {marker}")


# --- likelihood --------------------------------------------------------------------------------

@_settings
@given(cases(mutation=False))
def test_likelihood_mendelian(case: Case) -> None:
    """No mutation: complete, homozygous and partial genotypes, loops and inbreeding."""
    check_likelihood(case)


@_settings
@given(cases(mutation=MUTATION_MODELS), st.booleans())
def test_likelihood_with_mutation(case: Case, lump: bool) -> None:
    """Every mutation model, with different female and male rates; lumped or not."""
    check_likelihood(case, lump=lump)


@_settings
@given(cases(mutation=True, dropout=True))
def test_likelihood_with_dropout_and_dropin(case: Case) -> None:
    check_likelihood(case)


@settings(_settings, max_examples=30)
@given(cases(mutation=True, dropout=True, templates_only=True))
def test_likelihood_looped_pedigrees(case: Case) -> None:
    """Only the inbred templates: child of full siblings, of father and daughter, of half
    siblings."""
    check_likelihood(case)


@settings(_settings, max_examples=40)
@given(cases(mutation=True, dropout=True), THETAS)
def test_likelihood_theta(case: Case, theta: float) -> None:
    """Balding-Nichols: all founder alleles of the pedigree share one urn."""
    check_likelihood(case, theta=theta, rel=THETA_REL)


@pytest.mark.parametrize("theta", [1e-3, 5e-4, 1e-4, 1e-6, 1e-8])
def test_likelihood_small_theta(theta: float) -> None:
    """Regression: below theta ~ 1e-3 the Gauss-Jacobi weights from scipy's roots_jacobi
    overflowed (alpha + beta > 1000) and the likelihood was NaN."""
    ped = Pedigree.from_records([("A", None, None, "M"), ("B", None, None, "F"),
                                 ("C", "A", "B", "M")])
    marker = Marker("M1", ("9", "10", "11", "12"), np.array([0.05, 0.15, 0.3, 0.5]))
    profiles = {"A": {"M1": ("9", "9")}, "B": {"M1": ("9", "10")},
                "C": {"M1": ("9", "10")}}
    got = pedigree_likelihood(ped, [marker], profiles, theta=theta)[0]
    assert_close(float(got), oracle_likelihood(ped, marker, profiles, theta=theta),
                 THETA_REL, f"theta {theta}")


# --- genotype posterior ------------------------------------------------------------------------

def _as_dict(post) -> dict[tuple[str, str], float]:  # noqa: ANN001
    k = len(post.alleles)
    return {(post.alleles[i], post.alleles[j]): float(post.matrix[i, j])
            for i in range(k) for j in range(k)}


@settings(_settings, max_examples=40)
@given(cases(mutation=True, dropout=True, untyped_target=True),
       st.one_of(st.just(0.0), THETAS))
def test_posterior_unlumped(case: Case, theta: float) -> None:
    """lump=False: the engine's ordered-genotype posterior over all alleles is the oracle's."""
    rel = EXACT_REL if theta == 0.0 else THETA_REL
    got = genotype_posterior(case.pedigree, case.markers, case.profiles, case.target,
                             theta=theta, observation=case.observation, lump=False)
    assert len(got) == len(case.markers)
    for post, marker in zip(got, case.markers):
        lik = oracle_likelihood(case.pedigree, marker, case.profiles, theta=theta,
                                observation=case.observation)
        assert_close(post.likelihood, lik, rel, f"likelihood at {marker.name}")
        assume(lik > 0.0)
        assert post.alleles == marker.alleles
        want = oracle_posterior(case.pedigree, marker, case.profiles, case.target,
                                theta=theta, observation=case.observation)
        have = _as_dict(post)
        assert set(have) == set(want)
        for g, p in want.items():
            assert math.isclose(have[g], p, rel_tol=rel, abs_tol=1e-15), \
                f"{marker.name} genotype {g}: engine {have[g]!r} != oracle {p!r}"


@settings(_settings, max_examples=40)
@given(cases(mutation=st.sampled_from([False, LUMPABLE_MODELS]), dropout=True,
             untyped_target=True), st.one_of(st.just(0.0), THETAS), st.data())
def test_posterior_lumped(case: Case, theta: float, data: st.DataObject) -> None:
    """lump=True: kept alleles as the oracle; "*other*" entries are sums over unseen alleles
    (``keep_alleles`` keeps one more allele apart now and then)."""
    rel = EXACT_REL if theta == 0.0 else THETA_REL
    keep = [data.draw(st.lists(st.sampled_from(m.alleles), unique=True, max_size=1))
            for m in case.markers]
    got = genotype_posterior(case.pedigree, case.markers, case.profiles, case.target,
                             theta=theta, observation=case.observation, lump=True,
                             keep_alleles=keep)
    for post, marker, extra in zip(got, case.markers, keep):
        lik = oracle_likelihood(case.pedigree, marker, case.profiles, theta=theta,
                                observation=case.observation)
        assert_close(post.likelihood, lik, rel, f"likelihood at {marker.name}")
        assume(lik > 0.0)
        seen = {a for prof in case.profiles.values() for a in prof.get(marker.name, ())
                if a is not None} | set(extra)
        unseen = [a for a in marker.alleles if a not in seen]
        if len(unseen) >= 2:
            assert post.alleles == tuple(a for a in marker.alleles if a in seen) + (OTHER,)
            assert set(post.other) == set(unseen)
        else:
            assert post.alleles == marker.alleles
        want = oracle_posterior(case.pedigree, marker, case.profiles, case.target,
                                theta=theta, observation=case.observation)
        members = {label: (unseen if label == OTHER else [label]) for label in post.alleles}
        for (a, b), p in _as_dict(post).items():
            total = sum(want[(x, y)] for x in members[a] for y in members[b])
            assert math.isclose(p, total, rel_tol=rel, abs_tol=1e-15), \
                f"{marker.name} genotype {(a, b)}: engine {p!r} != oracle {total!r}"
        assert np.isclose(post.matrix.sum(), 1.0, rtol=0, atol=1e-12)
