"""Numba kernels of the blind search: gather and sum of compiled log10 LR tables.

Plain arrays in, plain arrays out; no Dask, no objects. ``pos[s, k]`` is the absolute position
in a compiled row of PM sample ``s``'s genotype at marker ``k``: ``>= 0`` for a complete
profile (one gather), ``-1`` untyped, ``-2`` a single allele seen with dropout (constant-time
sum, parameters in dense arrays), ``<= -3`` any other uncertain observation (drop-in, partial,
several fragments) whose genotypes and weights are in CSR entry ``-(pos + 3)``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from forensic_match.accelerate import jit


@jit
def _insert(vals, idx, slot, value, index):
    """Insert (value, index) into the descending list ``vals[slot]`` of fixed length."""
    k = vals.shape[1]
    if not value > vals[slot, k - 1]:
        return
    j = k - 1
    while j > 0 and vals[slot, j - 1] < value:
        vals[slot, j] = vals[slot, j - 1]
        idx[slot, j] = idx[slot, j - 1]
        j -= 1
    vals[slot, j] = value
    idx[slot, j] = index


@jit
def compact(pos, drop_idx, drop_w):
    """Per sample, the three kinds of marker as separate dense lists (no per-marker branch in
    the hot loop): gather positions, single-allele-dropout parameters, general CSR entries."""
    n_s, n_m = pos.shape
    n_e = np.zeros(n_s, dtype=np.int64)
    n_d = np.zeros(n_s, dtype=np.int64)
    n_g = np.zeros(n_s, dtype=np.int64)
    e_pos = np.zeros((n_s, n_m), dtype=np.int64)
    d_aa = np.zeros((n_s, n_m), dtype=np.int64)
    d_a = np.zeros((n_s, n_m), dtype=np.int64)
    d_c = np.zeros((n_s, n_m, 2))
    g_e = np.zeros((n_s, n_m), dtype=np.int64)
    for s in range(n_s):
        for k in range(n_m):
            p = pos[s, k]
            if p >= 0:
                e_pos[s, n_e[s]] = p
                n_e[s] += 1
            elif p == -2:
                d_aa[s, n_d[s]] = drop_idx[s, k, 0]
                d_a[s, n_d[s]] = drop_idx[s, k, 1]
                d_c[s, n_d[s], 0] = drop_w[s, k, 0]
                d_c[s, n_d[s], 1] = drop_w[s, k, 1]
                n_d[s] += 1
            elif p <= -3:
                g_e[s, n_g[s]] = -(p + 3)
                n_g[s] += 1
    return n_e, e_pos, n_d, d_aa, d_a, d_c, n_g, g_e


@jit(parallel=True)
def score_block(table, sums, has_den, den_table, den_sums, rows, row_sex, sample_sex, n_e,
                e_pos, n_d, d_a, d_c, n_g, g_e, unc_ptr, unc_pos, unc_w, min_markers, score,
                row_top, row_top_idx):
    """Scores of every PM sample against the compiled rows ``rows`` (parallel over rows).

    Per sample (from :func:`compact`): ``e_pos`` gather positions; single alleles seen with
    dropout, whose LR is ``c1 LR[aa] + c2 Σ_{z≠a} P(az | data)`` read from the compiled
    per-allele ``sums``; general uncertain observations as CSR entries (``unc_*``) with
    normalised weights, ``LR = Σ_g w_g LR[g]``.

    Tables compiled with theta > 0 come with ``has_den`` and ``den_table`` / ``den_sums``
    (rows first; one unused row otherwise): the unrelated person's ``P(G_V = g | data) /
    P(g)`` and per-allele sums. The table then holds ``P(G_M = g | data) / P(G_V = g |
    data)``, and an uncertain marker's LR is
    ``Σ_g w_g LR[g] d[g] / Σ_g w_g d[g]`` (``d`` = ``den_table``), the dropout sum likewise
    ``(c1 x_aa + c2 x_a) / (c1 y_aa + c2 y_a)`` with V's sums ``y``.

    ``score[b, s]``: log10 LR of row ``rows[b]`` and sample ``s`` (``-inf`` for an excluded
    pair: fewer than ``min_markers`` compared, or known sexes that differ).
    ``row_top[b]`` / ``row_top_idx[b]``: the best samples of each row, descending. Marker
    counts are left to :func:`pair_counts`, for the listed pairs only.
    """
    n_pm = n_e.size
    for b in prange(rows.size):
        r = rows[b]
        row = table[r]
        alle = sums[r]
        den = den_table[r if has_den else 0]
        den_alle = den_sums[r if has_den else 0]
        rs = row_sex[r]
        row_top[b, :] = -np.inf
        row_top_idx[b, :] = -1
        for s in range(n_pm):
            used = n_e[s] + n_d[s] + n_g[s]
            ss = sample_sex[s]
            if used < min_markers or (rs > 0 and ss > 0 and rs != ss):
                score[b, s] = -np.inf
                continue
            acc = 0.0
            for j in range(n_e[s]):
                acc += row[e_pos[s, j]]
            lin_prod = 1.0  # product of the uncertain markers' LRs: one log10 per pair
            for j in range(n_d[s]):
                a = d_a[s, j]
                lin_prod *= d_c[s, j, 0] * alle[a, 0] + d_c[s, j, 1] * alle[a, 1]
                if has_den:
                    lin_prod /= d_c[s, j, 0] * den_alle[a, 0] + d_c[s, j, 1] * den_alle[a, 1]
            if lin_prod < 1e-200:  # 23 small factors could underflow: flush to the log sum
                acc += np.log10(lin_prod) if lin_prod > 0.0 else -np.inf
                lin_prod = 1.0
            for j in range(n_g[s]):
                e = g_e[s, j]
                total = 0.0
                if has_den:
                    norm = 0.0
                    for q in range(unc_ptr[e], unc_ptr[e + 1]):
                        wd = unc_w[q] * den[unc_pos[q]]
                        norm += wd
                        if wd > 0.0:
                            total += wd * 10.0 ** row[unc_pos[q]]
                    total = total / norm if norm > 0.0 else 0.0
                else:
                    for q in range(unc_ptr[e], unc_ptr[e + 1]):
                        total += unc_w[q] * 10.0 ** row[unc_pos[q]]
                lin_prod *= total
                if lin_prod < 1e-200:
                    acc += np.log10(lin_prod) if lin_prod > 0.0 else -np.inf
                    lin_prod = 1.0
            if lin_prod != 1.0:
                acc += np.log10(lin_prod) if lin_prod > 0.0 else -np.inf
            score[b, s] = acc
            _insert(row_top, row_top_idx, b, acc, s)


@jit(parallel=True)
def pair_counts(consistent, rows, samples, n_e, e_pos, n_d, d_aa, d_a, n_g, g_e, unc_ptr,
                unc_pos, marker_off, allele_off):
    """Markers compared, and markers where the pair is impossible without mutation, for the
    listed pairs ``(rows[i], samples[i])``."""
    n = rows.size
    used = np.empty(n, dtype=np.int64)
    bad = np.empty(n, dtype=np.int64)
    for i in prange(n):
        ok = consistent[rows[i]]
        s = samples[i]
        used[i] = n_e[s] + n_d[s] + n_g[s]
        c = 0
        for j in range(n_e[s]):
            if not ok[e_pos[s, j]]:
                c += 1
        for j in range(n_d[s]):
            a = d_a[s, j]
            k = np.searchsorted(allele_off, a, side="right") - 1
            al = a - allele_off[k]
            any_ok = False
            for z in range(allele_off[k + 1] - allele_off[k]):
                lo, hi = min(al, z), max(al, z)
                if ok[marker_off[k] + hi * (hi + 1) // 2 + lo]:
                    any_ok = True
                    break
            if not any_ok:
                c += 1
        for j in range(n_g[s]):
            e = g_e[s, j]
            any_ok = False
            for q in range(unc_ptr[e], unc_ptr[e + 1]):
                if ok[unc_pos[q]]:
                    any_ok = True
                    break
            if not any_ok:
                c += 1
        bad[i] = c
    return used, bad


#: Pairs below this log10 LR are left out of the per-sample LR sums (saves a power per pair).
#: At most N pairs per sample each add less than 1e-8, while the posterior's denominator is at
#: least N * pi0 / (1 - pi0): posteriors move by less than 1e-8 * (1 - pi0) / pi0.
LR_SUM_FLOOR = -8.0


@jit(parallel=True)
def merge_sample_best(score, rows, best, best_row, lr_sum):
    """Merge a block's scores into each sample's running best rows, and add the block's LRs
    (those above ``LR_SUM_FLOOR``) to ``lr_sum``, in parallel over samples."""
    n_b, n_pm = score.shape
    for s in prange(n_pm):
        total = 0.0
        for b in range(n_b):
            v = score[b, s]
            _insert_col(best, best_row, s, v, rows[b])
            if v > LR_SUM_FLOOR:
                total += 10.0 ** v
        lr_sum[s] += total


@jit
def _insert_col(vals, idx, col, value, index):
    k = vals.shape[0]
    if not value > vals[k - 1, col]:
        return
    j = k - 1
    while j > 0 and vals[j - 1, col] < value:
        vals[j, col] = vals[j - 1, col]
        idx[j, col] = idx[j - 1, col]
        j -= 1
    vals[j, col] = value
    idx[j, col] = index


@jit
def pairs_above(score, threshold):
    """(block row, sample) of every score at or above ``threshold``."""
    n_b, n_pm = score.shape
    count = 0
    for b in range(n_b):
        for s in range(n_pm):
            if score[b, s] >= threshold:
                count += 1
    out_b = np.empty(count, dtype=np.int64)
    out_s = np.empty(count, dtype=np.int64)
    c = 0
    for b in range(n_b):
        for s in range(n_pm):
            if score[b, s] >= threshold:
                out_b[c] = b
                out_s[c] = s
                c += 1
    return out_b, out_s


@jit(parallel=True)
def add_evidence(score, evidence, row_top, row_top_idx):
    """Add a block of evidence log10 LRs to the DNA scores (an excluded pair, ``-inf``, stays
    excluded) and rank each row's samples again on the combined scores."""
    n_b, n_pm = score.shape
    for b in prange(n_b):
        row_top[b, :] = -np.inf
        row_top_idx[b, :] = -1
        for s in range(n_pm):
            v = score[b, s]
            if v == -np.inf:
                continue
            v += evidence[b, s]
            score[b, s] = v
            _insert(row_top, row_top_idx, b, v, s)
