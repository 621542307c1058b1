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


#: Markers computed together (at most): each pattern's inner loops run over them, so that
#: the per-marker products are vector operations (the same operations per marker).
MARKER_BLOCK = 64
#: Founder weights held at once (float64 entries): fewer markers in a block for many genes.
WEIGHTS_BLOCK = 1 << 20


@jit
def _founder_weights(freq: np.ndarray, blocks: np.ndarray, fst: float,
                     out: np.ndarray) -> None:
    """``out[b, bits, m] = founder_weight(freq[m], bits, b, fst)`` for each gene count ``b``
    of ``blocks``: computed once per marker, not once per pattern."""
    done = np.zeros(out.shape[0], dtype=np.bool_)
    for b in blocks:
        if not done[b]:
            done[b] = True
            for bits in range(1 << b):
                for m in range(freq.size):
                    out[b, bits, m] = founder_weight(freq[m], bits, b, fst)


@jit
def _pattern_emissions(like: np.ndarray, patterns: np.ndarray, blocks: np.ndarray,
                       weights: np.ndarray, out: np.ndarray) -> None:
    """``out[m, u] = sum over the alleles of pattern u's distinct genes of P(alleles)
    prod_j like[j, g_j, m]`` for a block of markers; like : (k, 3, M) each person's
    likelihood of 0, 1, 2 copies of allele 1; weights : the founder weights of
    :func:`_founder_weights`. Per marker the operations are a plain loop's, in its order:
    the founder weight times each person's likelihood in person order, summed over the
    alleles in order."""
    k, n_markers = like.shape[0], like.shape[2]
    w = np.empty(n_markers)
    s = np.empty(n_markers)
    for u in range(patterns.shape[0]):
        b = blocks[u]
        s[:] = 0.0
        for bits in range(1 << b):
            w[:] = weights[b, bits, :n_markers]
            for j in range(k):
                c = ((bits >> patterns[u, 2 * j]) & 1) + ((bits >> patterns[u, 2 * j + 1]) & 1)
                for m in range(n_markers):
                    w[m] *= like[j, c, m]
            for m in range(n_markers):
                s[m] += w[m]
        out[:, u] = s


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
    like = np.empty((k, 3, n))
    here = np.empty(3)
    for i in range(n):
        for j in range(k):
            _observation(freq[i], calls[j, i], error[j], dropout[j], here)
            like[j, :, i] = here
    return _emissions(freq, like, patterns, fst)


@jit
def family_likelihood_rows(freq: np.ndarray, like: np.ndarray, patterns: np.ndarray,
                           fst: float) -> np.ndarray:
    """The emissions of :func:`family_emission_rows` from the persons' likelihoods
    ``like[j, i, t] = P(data of person j at marker i | t copies of allele 1)`` (k, n, 3)."""
    k, n = like.shape[0], like.shape[1]
    by_copies = np.empty((k, 3, n))
    for j in range(k):
        for i in range(n):
            for t in range(3):
                by_copies[j, t, i] = like[j, i, t]
    return _emissions(freq, by_copies, patterns, fst)


@jit
def _emissions(freq: np.ndarray, like: np.ndarray, patterns: np.ndarray,
               fst: float) -> np.ndarray:
    """The emissions (n, U) from the likelihoods ``like[j, t, i]`` (k, 3, n), in blocks of
    up to :data:`MARKER_BLOCK` markers (fewer when their founder weights would exceed
    :data:`WEIGHTS_BLOCK` entries)."""
    n = freq.size
    n_pat = patterns.shape[0]
    rows = np.empty((n, n_pat))
    blocks = _blocks(patterns)
    top = blocks.max() if n_pat else 0
    step = max(1, min(MARKER_BLOCK, WEIGHTS_BLOCK // ((top + 1) << top)))
    weights = np.empty((top + 1, 1 << top, step))
    part = np.empty((step, n_pat))
    for i0 in range(0, n, step):
        i1 = min(n, i0 + step)
        _founder_weights(freq[i0:i1], blocks, fst, weights)
        _pattern_emissions(np.ascontiguousarray(like[:, :, i0:i1]), patterns, blocks,
                           weights, part[:i1 - i0])
        rows[i0:i1] = part[:i1 - i0]
    return rows
