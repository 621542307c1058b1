"""Numba kernels of the blind search: gather and sum of compiled log10 LR tables.

Plain arrays in, plain arrays out; no Dask, no objects. ``pos[s, k]`` is the absolute position
in a compiled row of PM sample ``s``'s genotype at marker ``k``: ``>= 0`` for a complete
profile (one gather), ``-1`` untyped, ``<= -2`` for an uncertain observation (dropout,
drop-in, partial) whose genotypes and weights are in CSR entry ``-(pos + 2)``.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from forensic_match.accelerate import jit


@jit
def _insert(vals, idx, slot, value, index, used_arr, bad_arr, used, bad):
    """Insert (value, index, used, bad) into the descending list ``vals[slot]``."""
    k = vals.shape[1]
    if not value > vals[slot, k - 1]:
        return
    j = k - 1
    while j > 0 and vals[slot, j - 1] < value:
        vals[slot, j] = vals[slot, j - 1]
        idx[slot, j] = idx[slot, j - 1]
        used_arr[slot, j] = used_arr[slot, j - 1]
        bad_arr[slot, j] = bad_arr[slot, j - 1]
        j -= 1
    vals[slot, j] = value
    idx[slot, j] = index
    used_arr[slot, j] = used
    bad_arr[slot, j] = bad


@jit(parallel=True)
def score_block(table, consistent, rows, row_sex, pos, sample_sex, unc_ptr, unc_pos, unc_w,
                unc_kind, marker_off, allele_off, hw, min_markers, score, n_used, n_incons,
                row_top, row_top_idx, row_top_used, row_top_bad):
    """Scores of every PM sample against the compiled rows ``rows`` (parallel over rows).

    ``score[b, s]``: log10 LR of row ``rows[b]`` and sample ``s`` (``-inf`` for an excluded
    pair: fewer than ``min_markers`` compared, or known sexes that differ); ``n_used``: markers
    compared; ``n_incons``: markers where the pair is impossible without mutation.
    ``row_top[b]`` / ``row_top_idx[b]``: the best samples of each row, descending.

    An uncertain entry of kind 1 is a single allele ``a`` seen with dropout: its LR is
    ``c1 LR[aa] + c2 Σ_{z≠a} P(az) LR[az]``, with the sum computed once per row and allele
    (``unc_pos`` holds the position of ``aa`` and the allele's index, ``unc_w`` c1 and c2).
    """
    n_pm, n_markers = pos.shape
    has_uncertain = unc_ptr.size > 1
    for b in prange(rows.size):
        r = rows[b]
        row = table[r]
        ok = consistent[r]
        rs = row_sex[r]
        # LRs (not logs) of this row, for the exact sums of uncertain observations, and per
        # allele a the posterior mass of the heterozygotes containing a.
        lin = np.power(10.0, row) if has_uncertain else row
        mass = np.zeros(allele_off[-1])
        mass_ok = np.zeros(allele_off[-1], dtype=np.bool_)
        if has_uncertain:
            for k in range(marker_off.size - 1):
                a0 = allele_off[k]
                n = allele_off[k + 1] - a0
                for hi in range(n):
                    base = marker_off[k] + hi * (hi + 1) // 2
                    for lo in range(hi):
                        q = base + lo
                        v = lin[q] * hw[q]
                        mass[a0 + hi] += v
                        mass[a0 + lo] += v
                        if ok[q]:
                            mass_ok[a0 + hi] = True
                            mass_ok[a0 + lo] = True
        row_top[b, :] = -np.inf
        row_top_idx[b, :] = -1
        for s in range(n_pm):
            acc = 0.0
            used = 0
            bad = 0
            for k in range(n_markers):
                p = pos[s, k]
                if p >= 0:
                    acc += row[p]
                    used += 1
                    if not ok[p]:
                        bad += 1
                elif p <= -2:
                    e = -(p + 2)
                    total = 0.0
                    any_ok = False
                    j0 = unc_ptr[e]
                    if unc_kind[e] == 1:
                        aa = unc_pos[j0]
                        a = unc_pos[j0 + 1]
                        total = unc_w[j0] * lin[aa] + unc_w[j0 + 1] * mass[a]
                        any_ok = ok[aa] or mass_ok[a]
                    else:
                        for j in range(j0, unc_ptr[e + 1]):
                            total += unc_w[j] * lin[unc_pos[j]]
                            if ok[unc_pos[j]]:
                                any_ok = True
                    acc += np.log10(total) if total > 0.0 else -np.inf
                    used += 1
                    if not any_ok:
                        bad += 1
            ss = sample_sex[s]
            if used < min_markers or (rs > 0 and ss > 0 and rs != ss):
                acc = -np.inf
            score[b, s] = acc
            n_used[b, s] = used
            n_incons[b, s] = bad
            _insert(row_top, row_top_idx, b, acc, s, row_top_used, row_top_bad, used, bad)


@jit(parallel=True)
def merge_sample_best(score, n_used, n_incons, rows, best, best_row, best_used, best_bad,
                      lr_sum):
    """Merge a block's scores into each sample's running best rows, and add the block's LRs
    to ``lr_sum`` (Σ over missing persons, for posteriors), in parallel over samples."""
    n_b, n_pm = score.shape
    for s in prange(n_pm):
        total = 0.0
        for b in range(n_b):
            v = score[b, s]
            _insert_col(best, best_row, s, v, rows[b], best_used, best_bad, n_used[b, s],
                        n_incons[b, s])
            if v > -np.inf:
                total += 10.0 ** v
        lr_sum[s] += total


@jit
def _insert_col(vals, idx, col, value, index, used_arr, bad_arr, used, bad):
    k = vals.shape[0]
    if not value > vals[k - 1, col]:
        return
    j = k - 1
    while j > 0 and vals[j - 1, col] < value:
        vals[j, col] = vals[j - 1, col]
        idx[j, col] = idx[j - 1, col]
        used_arr[j, col] = used_arr[j - 1, col]
        bad_arr[j, col] = bad_arr[j - 1, col]
        j -= 1
    vals[j, col] = value
    idx[j, col] = index
    used_arr[j, col] = used
    bad_arr[j, col] = bad


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
