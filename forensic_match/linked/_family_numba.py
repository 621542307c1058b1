"""Emissions for several typed persons: the identity pattern of all their genes."""

from __future__ import annotations

import numpy as np

from forensic_match.accelerate import jit
from forensic_match.linked._pair_numba import _observation, founder_weight


@jit
def _family_pattern_emission(p: float, like: np.ndarray, pattern: np.ndarray,
                             fst: float) -> float:
    """``sum over the alleles of the pattern's distinct genes of P(alleles) prod_j
    like[j, g_j]``; like : (k, 3) each person's likelihood of 0, 1, 2 copies of allele 1."""
    k = like.shape[0]
    blocks = 0
    for g in range(2 * k):
        blocks = max(blocks, pattern[g] + 1)
    s = 0.0
    for bits in range(1 << blocks):
        w = founder_weight(p, bits, blocks, fst)
        for j in range(k):
            c = ((bits >> pattern[2 * j]) & 1) + ((bits >> pattern[2 * j + 1]) & 1)
            w *= like[j, c]
        s += w
    return s


@jit
def family_emission_rows(freq: np.ndarray, calls: np.ndarray, error: np.ndarray,
                         dropout: np.ndarray, patterns: np.ndarray, fst: float) -> np.ndarray:
    """Emission of every marker under every identity pattern, shape (n, U).

    freq : float64 (n,); calls : int64 (k, n) call codes of the k persons; error, dropout :
    float64 (k,); patterns : int64 (U, 2k) restricted growth strings of the persons' genes
    (paternal, maternal for each person in order); fst : coancestry of distinct genes
    (Balding-Nichols urn as in ``_pair_numba.emission_rows``; 0: independent alleles).
    """
    k, n = calls.shape
    n_pat = patterns.shape[0]
    rows = np.empty((n, n_pat))
    like = np.empty((k, 3))
    for i in range(n):
        p = freq[i]
        for j in range(k):
            _observation(p, calls[j, i], error[j], dropout[j], like[j])
        for u in range(n_pat):
            rows[i, u] = _family_pattern_emission(p, like, patterns[u], fst)
    return rows


@jit
def family_likelihood_rows(freq: np.ndarray, like: np.ndarray, patterns: np.ndarray,
                           fst: float) -> np.ndarray:
    """The emissions of :func:`family_emission_rows` from the persons' likelihoods
    ``like[j, i, t] = P(data of person j at marker i | t copies of allele 1)`` (k, n, 3)."""
    k, n = like.shape[0], like.shape[1]
    n_pat = patterns.shape[0]
    rows = np.empty((n, n_pat))
    here = np.empty((k, 3))
    for i in range(n):
        for j in range(k):
            here[j] = like[j, i]
        for u in range(n_pat):
            rows[i, u] = _family_pattern_emission(freq[i], here, patterns[u], fst)
    return rows
