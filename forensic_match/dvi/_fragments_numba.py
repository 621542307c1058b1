"""Numba kernel of the same-source comparison of PM samples. Plain arrays only."""

from __future__ import annotations

import numpy as np
from numba import prange

from forensic_match.accelerate import jit
from forensic_match.likelihood._kernels import OBS_NONE, OBS_SET, observation_prob


@jit
def _marker_lr(pos, w, a0, a1, b0, b1, hw):
    """Σ_g w1[g] w2[g] / P(g) over two sorted sparse weight lists."""
    total = 0.0
    i, j = a0, b0
    while i < a1 and j < b1:
        if pos[i] == pos[j]:
            total += w[i] * w[j] / hw[pos[i]]
            i += 1
            j += 1
        elif pos[i] < pos[j]:
            i += 1
        else:
            j += 1
    return total


def pair_scores(start, stop, pos, w, hw, threshold, min_markers):
    """(i, j, log10 LR, markers) of every pair i < j reaching the threshold.

    Scores are kept per row in ragged storage bounded by the number of samples; a
    comparison stops at the first excluding marker, so unrelated pairs cost little.
    """
    n_s = start.shape[0]
    out_i, out_j, out_s, out_u = [], [], [], []
    chunk = max(1, 2**24 // max(1, n_s))
    for lo in range(0, n_s, chunk):
        hi = min(n_s, lo + chunk)
        # Rows lo..hi-1 against all later samples.
        score = np.full((hi - lo, n_s), -np.inf)
        used = np.zeros((hi - lo, n_s), dtype=np.int64)
        _count_rows(start, stop, pos, w, hw, threshold, min_markers, lo, hi, score, used)
        r, c = np.nonzero(score > -np.inf)
        out_i.append(r + lo)
        out_j.append(c)
        out_s.append(score[r, c])
        out_u.append(used[r, c])
    cat = [np.concatenate(x) if x else np.empty(0) for x in (out_i, out_j, out_s, out_u)]
    return (cat[0].astype(np.int64), cat[1].astype(np.int64), cat[2],
            cat[3].astype(np.int64))


@jit
def _pair_score(start, stop, pos, w, hw, a, b):
    """(log10 LR, markers compared) of samples ``a`` and ``b``; -inf at the first excluding
    marker."""
    acc = 0.0
    u = 0
    for k in range(start.shape[1]):
        if stop[a, k] > start[a, k] and stop[b, k] > start[b, k]:
            lr = _marker_lr(pos, w, start[a, k], stop[a, k], start[b, k], stop[b, k], hw)
            if lr <= 0.0:
                return -np.inf, u
            acc += np.log10(lr)
            u += 1
    return acc, u


@jit(parallel=True)
def _count_rows(start, stop, pos, w, hw, threshold, min_markers, lo, hi, score, used):
    n_s = start.shape[0]
    for a in prange(lo, hi):
        for b in range(a + 1, n_s):
            acc, u = _pair_score(start, stop, pos, w, hw, a, b)
            if acc >= threshold and u >= min_markers:
                score[a - lo, b] = acc
                used[a - lo, b] = u


#: Pairs listed at once by :func:`pair_scores_with` (seven arrays of 8 bytes per pair).
PAIRS_PER_BLOCK = 2**22


def pair_scores_with(start, stop, pos, w, hw, threshold, min_markers, fresh):
    """As :func:`pair_scores`, but only the pairs ``i < j`` of which ``fresh[i]`` or
    ``fresh[j]`` holds (a pair's score is that of :func:`pair_scores`: the same arithmetic on
    the same two samples' arrays)."""
    n_s = start.shape[0]
    marked = np.flatnonzero(fresh).astype(np.int64)
    if n_s == 0 or marked.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy(), np.empty(0), empty.copy()
    others = np.arange(n_s, dtype=np.int64)
    found = []
    # Each marked sample against every sample (a pair of two marked samples once), a block
    # of marked samples at a time so that the listed pairs stay within a few hundred MB.
    step = max(1, PAIRS_PER_BLOCK // n_s)
    for first in range(0, marked.size, step):
        block = marked[first:first + step]
        ia = np.repeat(block, n_s)
        ib = np.tile(others, block.size)
        keep = (ia != ib) & (~fresh[ib] | (ia < ib))
        ia, ib = ia[keep], ib[keep]
        lo, hi = np.minimum(ia, ib), np.maximum(ia, ib)
        score = np.full(lo.size, -np.inf)
        used = np.zeros(lo.size, dtype=np.int64)
        _score_pairs(start, stop, pos, w, hw, lo, hi, score, used)
        ok = (score > -np.inf) & (score >= threshold) & (used >= min_markers)
        found.append((lo[ok], hi[ok], score[ok], used[ok]))
    lo, hi, score, used = (np.concatenate([f[k] for f in found]) for k in range(4))
    order = np.lexsort((hi, lo))
    return lo[order], hi[order], score[order], used[order]


@jit(parallel=True)
def _score_pairs(start, stop, pos, w, hw, lo, hi, score, used):
    for p in prange(lo.size):
        score[p], used[p] = _pair_score(start, stop, pos, w, hw, lo[p], hi[p])


@jit
def observation_vector(p, kind, a, b, dropout, dropin):
    """``P(g) P(x | g)`` for every unordered genotype (triangular order, ``i >= j``)."""
    n = p.size
    out = np.empty(n * (n + 1) // 2)
    for hi in range(n):
        for lo in range(hi + 1):
            hw = p[lo] * p[lo] if lo == hi else 2.0 * p[lo] * p[hi]
            out[hi * (hi + 1) // 2 + lo] = hw * observation_prob(hi, lo, kind, a, b, dropout,
                                                                  dropin, p)
    return out


def cross_pair_scores(start, stop, pos, w, hw, threshold, min_markers, rows, cols):
    """(i, j, log10 LR, markers) of every pair of a sample ``i`` of ``rows`` and a sample
    ``j`` of ``cols`` reaching the threshold (each pair's score that of :func:`pair_scores`:
    the same arithmetic on the same two samples' arrays), sorted by ``(i, j)``."""
    rows = np.asarray(rows, dtype=np.int64)
    cols = np.asarray(cols, dtype=np.int64)
    empty = np.empty(0, dtype=np.int64)
    found = [(empty, empty, np.empty(0), empty)]
    if rows.size and cols.size:
        # A block of rows at a time, so that a block's scores stay within 2**24 cells.
        step = max(1, 2**24 // cols.size)
        for lo in range(0, rows.size, step):
            block = rows[lo:lo + step]
            score = np.full((block.size, cols.size), -np.inf)
            used = np.zeros((block.size, cols.size), dtype=np.int64)
            _count_cross(start, stop, pos, w, hw, threshold, min_markers, block, cols, score,
                         used)
            r, c = np.nonzero(score > -np.inf)
            found.append((block[r], cols[c], score[r, c], used[r, c]))
    i, j, score, used = (np.concatenate([f[k] for f in found]) for k in range(4))
    order = np.lexsort((j, i))
    return (i[order].astype(np.int64), j[order].astype(np.int64), score[order],
            used[order].astype(np.int64))


@jit(parallel=True)
def _count_cross(start, stop, pos, w, hw, threshold, min_markers, rows, cols, score, used):
    for x in prange(rows.size):
        for y in range(cols.size):
            acc, u = _pair_score(start, stop, pos, w, hw, rows[x], cols[y])
            if acc >= threshold and u >= min_markers:
                score[x, y] = acc
                used[x, y] = u


@jit
def encode_kernel(kind, a, b, dropout, dropin, freqs, freq_start, offsets):
    """The same-source arrays of samples given as allele indices: per sample ``s`` and
    marker ``k`` (``kind`` an ``OBS_*`` code, ``a``, ``b`` the alleles), the span
    ``start[s, k]:stop[s, k]`` of ``pos`` (positions in a compiled row, ascending) and ``w``
    (``P(g) P(x | g)`` of the genotypes the observation allows, *unnormalised*), and whether
    the span took the general path (``general``; a complete genotype without dropout or
    drop-in is one position of weight 1)."""
    n_s, n_m = kind.shape
    start = np.zeros((n_s, n_m), dtype=np.int64)
    stop = np.zeros((n_s, n_m), dtype=np.int64)
    general = np.zeros((n_s, n_m), dtype=np.bool_)
    total = 0
    for s in range(n_s):
        for k in range(n_m):
            start[s, k] = total
            if kind[s, k] == OBS_NONE:
                stop[s, k] = total
                continue
            if kind[s, k] == OBS_SET and dropout[s] == 0.0 and dropin == 0.0:
                total += 1
            else:
                general[s, k] = True
                v = observation_vector(freqs[freq_start[k]:freq_start[k + 1]], kind[s, k],
                                       a[s, k], b[s, k], dropout[s], dropin)
                for g in range(v.size):
                    if v[g] > 0:
                        total += 1
            stop[s, k] = total
    pos = np.empty(total, dtype=np.int64)
    w = np.empty(total)
    for s in range(n_s):
        for k in range(n_m):
            c = start[s, k]
            if stop[s, k] == c:
                continue
            if not general[s, k]:
                lo, hi = min(a[s, k], b[s, k]), max(a[s, k], b[s, k])
                pos[c] = offsets[k] + hi * (hi + 1) // 2 + lo
                w[c] = 1.0
                continue
            v = observation_vector(freqs[freq_start[k]:freq_start[k + 1]], kind[s, k],
                                   a[s, k], b[s, k], dropout[s], dropin)
            for g in range(v.size):
                if v[g] > 0:
                    pos[c] = offsets[k] + g
                    w[c] = v[g]
                    c += 1
    return start, stop, pos, w, general
