"""The BLAS thread limit of forensic_match.accelerate: one thread inside, as before outside."""

from __future__ import annotations

import numpy as np
import scipy.linalg  # noqa: F401  (its BLAS library loaded before the first count)
from threadpoolctl import threadpool_info

from forensic_match.accelerate import one_blas_thread
from forensic_match.evidence.dental import transition_matrices


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_one_blas_thread_limits_and_restores():
    before = _blas_threads()
    assert before, "numpy and scipy load a BLAS library"
    with one_blas_thread():
        assert set(_blas_threads()) == {1}
    assert _blas_threads() == before


def test_transition_matrices_are_stochastic_under_the_limit():
    # The limit changes threads, not results: rows of exp(Q t) sum to one, t = 0 is I.
    p = transition_matrices(np.linspace(0.0, 40.0, 50))
    assert p.shape == (50, 4, 4)
    np.testing.assert_allclose(p.sum(axis=2), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(p[0], np.eye(4))
    assert np.all(p >= -1e-15)
