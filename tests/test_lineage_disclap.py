"""The discrete Laplace mixture: the one-cluster MLE by hand, recovery of simulated
parameters, a proper distribution."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from forensic_match.errors import InputError
from forensic_match.lineage.disclap import disclap_pmf, fit_disclap


def _rdisclap(rng: np.random.Generator, p: np.ndarray) -> np.ndarray:
    """Discrete Laplace draws: the difference of two geometric counts of failures."""
    return (rng.geometric(1 - p) - 1) - (rng.geometric(1 - p) - 1)


def _simulate(rng, centers, p, tau, n):
    z = rng.choice(len(tau), size=n, p=tau)
    return (centers[z] + _rdisclap(rng, p[z])).astype(np.int64), z


@pytest.mark.parametrize("model", ["additive", "free"])
def test_one_cluster_is_the_closed_form_mle(model):
    rng = np.random.default_rng(3)
    x = np.column_stack([13 + _rdisclap(rng, np.full(301, 0.3)),
                         20 + _rdisclap(rng, np.full(301, 0.1)),
                         11 + _rdisclap(rng, np.full(301, 0.5))]).astype(np.int64)
    fit = fit_disclap(x, 1, model=model)
    med = np.median(x, axis=0)
    m = np.abs(x - med).mean(axis=0)
    assert fit.centers[0].tolist() == med.astype(int).tolist()
    np.testing.assert_allclose(fit.dispersion[0], (np.sqrt(1 + m**2) - 1) / m, rtol=1e-12)
    loglik = np.log(disclap_pmf(x - med, fit.dispersion[0])).sum()
    assert fit.loglik == pytest.approx(loglik, rel=1e-12)
    assert fit.tau.tolist() == [1.0]


def test_two_clusters_are_recovered_free_model():
    rng = np.random.default_rng(11)
    centers = np.array([[10, 10, 10], [13, 13, 13]])
    p = np.array([[0.3, 0.3, 0.3], [0.2, 0.2, 0.2]])
    x, _ = _simulate(rng, centers, p, np.array([0.2, 0.8]), 2000)
    fit = fit_disclap(x, 2, model="free")
    order = np.argsort(fit.centers[:, 0])
    assert fit.centers[order].tolist() == centers.tolist()
    np.testing.assert_allclose(fit.tau[order], [0.2, 0.8], atol=0.03)
    np.testing.assert_allclose(fit.dispersion[order], p, atol=0.04)


def test_two_clusters_are_recovered_additive_model():
    rng = np.random.default_rng(5)
    centers = np.array([[14, 22, 11, 16], [15, 24, 13, 14]])
    omega, beta = np.array([-1.0, -1.6]), np.array([0.0, -0.4, 0.3, -0.2])
    p = np.exp(omega[:, None] + beta[None, :])
    x, _ = _simulate(rng, centers, p, np.array([0.45, 0.55]), 3000)
    fit = fit_disclap(x, 2)
    order = np.argsort(fit.centers[:, 0])
    assert fit.centers[order].tolist() == centers.tolist()
    np.testing.assert_allclose(fit.tau[order], [0.45, 0.55], atol=0.03)
    np.testing.assert_allclose(fit.dispersion[order], p, atol=0.04)
    logp = np.log(fit.dispersion)
    # additive on the log scale: every cluster differs from another by one constant
    np.testing.assert_allclose(logp[0] - logp[1], (logp[0] - logp[1])[0], atol=1e-6)
    assert fit.loglik >= fit_disclap(x, 1).loglik


def test_mixture_probabilities_sum_to_one_and_margins_factorise():
    rng = np.random.default_rng(2)
    x, _ = _simulate(rng, np.array([[5, 9], [8, 12]]), np.array([[0.3, 0.2], [0.25, 0.35]]),
                     np.array([0.5, 0.5]), 400)
    fit = fit_disclap(x, 2, loci=("A", "B"))
    grid = np.array(list(itertools.product(range(-40, 60), range(-40, 60))))
    assert fit.probability(grid).sum() == pytest.approx(1.0, rel=1e-9)
    margin = fit.probability(np.arange(-40, 60)[:, None], ("A",))
    joint = fit.probability(grid).reshape(100, 100).sum(axis=1)
    np.testing.assert_allclose(margin, joint, rtol=1e-9)


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="2-d integer array"):
        fit_disclap(np.array([1.5, 2.0]), 1)
    with pytest.raises(InputError, match="clusters must be between 1 and 2"):
        fit_disclap(np.array([[1], [2]]), 3)
