"""Emissions for several typed persons: the identity pattern of all their genes."""

from __future__ import annotations

import numpy as np

from forensic_match.accelerate import jit
from forensic_match.linked._pair_numba import _observation, founder_weight


@jit
def _blocks(patterns: np.ndarray) -> np.ndarray:
    """Each pattern's number of distinct genes."""
    out = np.zeros(patterns.shape[0], dtype=np.int64)
    for u in range(patterns.shape[0]):
        for g in range(patterns.shape[1]):
            out[u] = max(out[u], patterns[u, g] + 1)
    return out


@jit
def _founder_weights(p: float, blocks: np.ndarray, fst: float, out: np.ndarray) -> None:
    """``out[b, bits] = founder_weight(p, bits, b, fst)`` for each gene count ``b`` of
    ``blocks``: computed once per marker, not once per pattern."""
    done = np.zeros(out.shape[0], dtype=np.bool_)
    for b in blocks:
        if not done[b]:
            done[b] = True
            for bits in range(1 << b):
                out[b, bits] = founder_weight(p, bits, b, fst)


@jit
def _pattern_emissions(like: np.ndarray, patterns: np.ndarray, blocks: np.ndarray,
                       weights: np.ndarray, out: np.ndarray) -> None:
    """``out[u] = sum over the alleles of pattern u's distinct genes of P(alleles) prod_j
    like[j, g_j]``; like : (k, 3) each person's likelihood of 0, 1, 2 copies of allele 1;
    weights : the founder weights of :func:`_founder_weights` (the product taken in person
    order after the founder weight, as a plain loop does)."""
    k = like.shape[0]
    for u in range(patterns.shape[0]):
        b = blocks[u]
        s = 0.0
        for bits in range(1 << b):
            w = weights[b, bits]
            for j in range(k):
                c = ((bits >> patterns[u, 2 * j]) & 1) + ((bits >> patterns[u, 2 * j + 1]) & 1)
                w *= like[j, c]
            s += w
        out[u] = s


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
    blocks = _blocks(patterns)
    top = blocks.max() if n_pat else 0
    weights = np.empty((top + 1, 1 << top))
    for i in range(n):
        p = freq[i]
        for j in range(k):
            _observation(p, calls[j, i], error[j], dropout[j], like[j])
        _founder_weights(p, blocks, fst, weights)
        _pattern_emissions(like, patterns, blocks, weights, rows[i])
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
    blocks = _blocks(patterns)
    top = blocks.max() if n_pat else 0
    weights = np.empty((top + 1, 1 << top))
    for i in range(n):
        for j in range(k):
            here[j] = like[j, i]
        _founder_weights(freq[i], blocks, fst, weights)
        _pattern_emissions(here, patterns, blocks, weights, rows[i])
    return rows
