"""Numba kernels of the blind search: gather and sum of compiled log10 LR tables.

Plain arrays in, plain arrays out; no Dask, no objects. ``pos[s, k]`` is the absolute position
in a compiled row of PM sample ``s``'s genotype at marker ``k``: ``>= 0`` for a complete
profile (one gather), ``-1`` untyped, ``-2`` a single allele seen with dropout (constant-time
sum, parameters in dense arrays), ``<= -3`` any other uncertain observation (drop-in, partial,
several fragments) whose genotypes and weights are in CSR entry ``-(pos + 3)``.

:func:`search_block` is the search's kernel: it scores a block of rows against every sample
and keeps only what the search returns. :func:`score_block` gives every score of a block (for
callers that need the whole matrix, e.g. ``dvisolve``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import prange, types
from numba.extending import intrinsic

from forensic_match.accelerate import jit


@jit
def _insert(vals, idx, extra, slot, value, index, x):
    """Insert (value, index) into the descending list ``vals[slot]`` of fixed length, with
    ``x`` beside it in ``extra`` (the pair's evidence in the search)."""
    k = vals.shape[1]
    if not value > vals[slot, k - 1]:
        return
    j = k - 1
    while j > 0 and vals[slot, j - 1] < value:
        vals[slot, j] = vals[slot, j - 1]
        idx[slot, j] = idx[slot, j - 1]
        extra[slot, j] = extra[slot, j - 1]
        j -= 1
    vals[slot, j] = value
    idx[slot, j] = index
    extra[slot, j] = x


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
    no_extra = np.zeros(row_top.shape)  # nothing rides with a score here
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
            _insert(row_top, row_top_idx, no_extra, b, acc, s, 0.0)


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

#: Compiled rows scored together against each sample: their tables, transposed so that the
#: tile's values of one genotype are adjacent, stay in the core's cache while the samples'
#: encodings stream past once per tile instead of once per row.
TILE = 8

#: Most samples sorted against a tile's rows in one go (:func:`_sort_tile`).
BATCH = 4096

#: log10(2): ``x = m 2^e`` with ``0.5 <= m < 1`` has ``log10 x < e log10(2)``.
_LOG10_2 = 0.30102999566398120
_LOG10_E = 0.43429448190325176
#: ``10 ** v = exp(v ln 10)``: libm's exp is about 3x faster than its pow; the two differ by
#: a few units in the last place (relative error below 1e-14 for |v| < 100).
_LN10 = 2.302585092994046
#: A term 10^(v + ev) x computed without the log10 of x is within 1e-13 of 10^score: above
#: _SUM_HI the score is above LR_SUM_FLOOR, below _SUM_LO under it; between, it is computed.
_SUM_HI = 10.0 ** LR_SUM_FLOOR * (1.0 + 1e-9)
_SUM_LO = 10.0 ** LR_SUM_FLOOR * (1.0 - 1e-9)


@jit
def _log10_bound(x):
    """An upper bound of ``log10 x`` (``x > 0``): ``e log10(2)`` for ``x = m 2^e``,
    ``0.5 <= m < 1`` (within log10(2) of the value), or from 0.5 on the smaller of it and
    ``(x - 1) log10(e)`` (from ``ln x <= x - 1``, tighter near 1); ``inf`` for ``x`` not
    finite."""
    if not x < math.inf:
        return math.inf
    e = math.frexp(x)[1] * _LOG10_2
    if x >= 0.5:
        return min((x - 1.0) * _LOG10_E, e)
    return e


@jit
def _insert_tied(vals, idx, extra, slot, value, index, x):
    """Insert (value, index) into ``vals[slot]``, ordered by value descending and, among equal
    values, by index ascending (the order a scan of ascending indices with strict ``>``
    produces, whatever order the values arrive in), with ``x`` beside it in ``extra``."""
    k = vals.shape[1]
    last = vals[slot, k - 1]
    if not (value > last or (value == last and index < idx[slot, k - 1])):
        return
    j = k - 1
    while j > 0 and (vals[slot, j - 1] < value
                     or (vals[slot, j - 1] == value and idx[slot, j - 1] > index)):
        vals[slot, j] = vals[slot, j - 1]
        idx[slot, j] = idx[slot, j - 1]
        extra[slot, j] = extra[slot, j - 1]
        j -= 1
    vals[slot, j] = value
    idx[slot, j] = index
    extra[slot, j] = x


@jit(parallel=True)
def search_block(table, sums, has_den, den_table, den_sums, rows, names, row_sex, sample_sex,
                 order, chunk_ptr, n_e, e_pos, n_d, d_a, d_c, n_g, g_e, unc_ptr, unc_pos, unc_w,
                 min_markers, has_ev, evidence, threshold, best, best_row, best_ev, lr_sum,
                 row_top, row_top_idx, row_top_ev, pair_b, pair_s, pair_v, pair_e, n_pairs):
    """Score a block of compiled rows against every PM sample and fold the scores into the
    search's outputs in the same pass (no score matrix).

    Block row ``b`` is row ``rows[b]`` of ``table``, ``sums``, ``den_table``, ``den_sums``
    and ``row_sex``; the sample lists name it ``names[b]`` (the caller's row number: equal to
    ``rows[b]`` when ``table`` holds every row, the row's place in the whole table when
    ``table`` holds the block's rows alone).

    The scores are those of :func:`score_block` (same formulas, same order of operations),
    plus ``evidence[b, s]`` when ``has_ev`` (an excluded pair stays ``-inf``). The samples'
    arrays (``sample_sex``, ``n_e`` ... ``g_e``) are in processing order: position ``i``
    is sample ``order[i]`` of the caller, and ``evidence``, the row tops and the pairs name
    samples by that number. Positions are split into chunks ``chunk_ptr[c]:chunk_ptr[c + 1]``,
    one per parallel task, so that each task owns its samples' outputs (by position):

    - ``best[i]`` / ``best_row[i]``: the sample's best compiled rows so far, descending
      (rows are met in ascending order, ties keep the first);
    - ``lr_sum[i]`` += the block's sum of ``10 ** score`` over scores above
      ``LR_SUM_FLOOR``, summed in ascending row order (each power as ``exp(score ln 10)``);
    - ``row_top[c, b]`` / ``row_top_idx[c, b]``: row ``b``'s best samples within chunk ``c``
      (ties by ascending sample; :func:`merge_row_tops` merges the chunks);
    - ``pair_*[c, :n_pairs[c]]``: (block row, sample, score) of every pair scoring at least
      ``threshold``; ``n_pairs[c]`` counts them all, so a count above the buffers' length
      tells the caller to run the block again with larger buffers;
    - ``best_ev``, ``row_top_ev``, ``pair_e``: beside each listed pair its ``evidence[b, s]``
      (0 without evidence), so that the caller can split a score without computing the
      evidence again.

    A pair's ``log10`` of the product ``x`` of its uncertain markers' LRs is taken only when
    an upper bound of its score (:func:`_log10_bound`) reaches the threshold or the sample's
    or the row's last kept score, i.e. when the score may enter a list; otherwise its LR-sum
    term is ``10 ** (gathered + evidence) * x`` (the log10 is taken after all when that term
    is within 1e-9 of the floor, so that the floor decides as on the exact score).

    Per tile, :func:`_sort_tile` first sorts each row's pairs with a batch of samples
    (vectorised): the pairs that can only add an LR-sum term are settled there, the others
    (about 1 %) go to :func:`_pair` in the old order (samples ascending, rows ascending),
    which lists them. Batches grow from 8 to ``BATCH`` samples, since a row's list starts
    empty in each task.
    """
    n_rows = rows.size
    n_col = table.shape[1]
    n_al = sums.shape[1]
    k_s = best.shape[1]
    k_m = row_top.shape[2]
    cap = pair_b.shape[1]
    for c in prange(chunk_ptr.size - 1):
        lo, hi = chunk_ptr[c], chunk_ptr[c + 1]
        n = hi - lo
        tab = np.empty((n_col, TILE))
        alle = np.empty((n_al, 2, TILE))
        den = np.empty((n_col if has_den else 1, TILE))
        den_alle = np.empty((n_al if has_den else 1, 2, TILE))
        # The tile's pairs, row-major (acc[r, o]: row r of the tile, sample lo + o), so that
        # _sort_tile runs over the samples with each row's values fixed.
        acc = np.empty((TILE, n))
        lin = np.empty((TILE, n))
        ev_t = np.zeros((TILE, n))
        exact = np.zeros((TILE, n), dtype=np.bool_)
        any_exact = np.zeros(n, dtype=np.bool_)
        lane_sum = np.zeros(n)  # LR-sum terms of the pairs _sort_tile settles
        cut0 = np.empty(n)
        tile_sex = np.zeros(TILE, dtype=np.int64)
        tail = np.empty(TILE)  # each row's last kept score (its list's entry bar)
        total = np.zeros(n)  # LR-sum terms of the pairs _pair settles
        ssex = sample_sex[lo:hi].copy()  # its own (no reference count shared by tasks)
        skip = np.zeros(n, dtype=np.bool_)  # fewer than min_markers compared
        general = False  # any sample of the chunk with general uncertain markers
        for o in range(n):
            i = lo + o
            skip[o] = n_e[i] + n_d[i] + n_g[i] < min_markers
            general = general or n_g[i] > 0
        top = row_top[c]
        top_idx = row_top_idx[c]
        top_ev = row_top_ev[c]
        top[:, :] = -np.inf
        top_idx[:, :] = -1
        top_ev[:, :] = 0.0
        count = 0
        for o in range(n):
            cut0[o] = min(threshold, best[lo + o, k_s - 1])
        # The tile holds only the columns and allele sums this chunk's samples read (all of
        # them when most are read): a few samples against many rows copy a few columns.
        cols, als = _chunk_reads(lo, hi, n_col, n_al, n_e, e_pos, n_d, d_a, n_g, g_e, unc_ptr,
                                 unc_pos)
        for t0 in range(0, n_rows, TILE):
            nr = min(TILE, n_rows - t0)
            if nr < TILE:  # the last tile: its unused columns are computed, never read
                tab[:, nr:] = 0.0
                alle[:, :, nr:] = 1.0
                den[:, nr:] = 1.0
                den_alle[:, :, nr:] = 1.0
            for r in range(nr):
                rr = rows[t0 + r]
                tile_sex[r] = row_sex[rr]
                tail[r] = top[t0 + r, k_m - 1]
                if cols.size == n_col:
                    for q in range(n_col):
                        tab[q, r] = table[rr, q]
                else:
                    for q in cols:
                        tab[q, r] = table[rr, q]
                for q in als:
                    alle[q, 0, r] = sums[rr, q, 0]
                    alle[q, 1, r] = sums[rr, q, 1]
                if has_den:
                    for q in cols:
                        den[q, r] = den_table[rr, q]
                    for q in als:
                        den_alle[q, 0, r] = den_sums[rr, q, 0]
                        den_alle[q, 1, r] = den_sums[rr, q, 1]
            _gather_tile(tab, alle, den_alle, has_den, lo, hi, n_e, e_pos, n_d, d_a, d_c, acc,
                         lin)
            if has_ev:
                for i in range(lo, hi):
                    for r in range(nr):
                        ev_t[r, i - lo] = evidence[t0 + r, order[i]]
            for i in range(lo, hi if general else lo):
                o = i - lo
                if n_g[i] == 0:
                    continue  # its dropout product is flushed by _pair if need be
                for r in range(nr):
                    if lin[r, o] < 1e-200:
                        acc[r, o] += np.log10(lin[r, o]) if lin[r, o] > 0.0 else -np.inf
                        lin[r, o] = 1.0
                for j in range(n_g[i]):
                    e = g_e[i, j]
                    for r in range(nr):
                        tot = 0.0
                        if has_den:
                            norm = 0.0
                            for q in range(unc_ptr[e], unc_ptr[e + 1]):
                                wd = unc_w[q] * den[unc_pos[q], r]
                                norm += wd
                                if wd > 0.0:
                                    tot += wd * 10.0 ** tab[unc_pos[q], r]
                            tot = tot / norm if norm > 0.0 else 0.0
                        else:
                            for q in range(unc_ptr[e], unc_ptr[e + 1]):
                                tot += unc_w[q] * 10.0 ** tab[unc_pos[q], r]
                        lin[r, o] *= tot
                        if lin[r, o] < 1e-200:
                            acc[r, o] += np.log10(lin[r, o]) if lin[r, o] > 0.0 else -np.inf
                            lin[r, o] = 1.0
            # The samples in batches of doubling size: a row's list starts empty in each
            # chunk, and each batch is sorted against the lists as the last one left them.
            o0 = 0
            size = TILE
            while o0 < n:
                o1 = min(n, o0 + size)
                size = min(2 * size, BATCH)
                any_exact[o0:o1] = False
                for r in range(nr):
                    _sort_tile(acc[r], lin[r], has_ev, ev_t[r], cut0, tail[r], tile_sex[r], ssex,
                               o0, o1, exact[r], any_exact, lane_sum)
                for i in range(lo + o0, lo + o1):
                    o = i - lo
                    if not (any_exact[o] or skip[o]):
                        continue
                    s = order[i]
                    if skip[o]:
                        if threshold == -np.inf:  # excluded pairs are listed too
                            for r in range(nr):
                                ev = evidence[t0 + r, s] if has_ev else 0.0
                                _record(-np.inf, ev, t0 + r, s, c, threshold, pair_b, pair_s,
                                        pair_v, pair_e, count, cap)
                                count += 1
                        continue
                    for r in range(nr):
                        if not exact[r, o]:
                            continue
                        v = acc[r, o]
                        x = lin[r, o]
                        if x < 1e-200:  # the flush of the dropout product, as in score_block
                            v += np.log10(x) if x > 0.0 else -np.inf
                            x = 1.0
                        b = t0 + r
                        count = _pair(v, x, ev_t[r, o], tile_sex[r], sample_sex[i], b, s, o, i,
                                      c, names[b], threshold, best, best_row, best_ev, top,
                                      top_idx, top_ev, total, pair_b, pair_s, pair_v, pair_e,
                                      count, cap)
                        tail[r] = top[b, k_m - 1]
                    cut0[o] = min(threshold, best[i, k_s - 1])
                o0 = o1
        for o in range(n):
            if not skip[o]:
                lr_sum[lo + o] += lane_sum[o] + total[o]
        n_pairs[c] = count


@intrinsic
def _float_bits(typingctx, x):
    """The bits of a float64 as an int64 (a bitcast, which the vectoriser keeps in
    registers, where ``math.frexp`` is a library call)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))
    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, i):
    """The float64 whose bits are the int64 ``i``."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))
    return types.float64(types.int64), codegen


#: ``exp(a) = 2^k e^q`` with ``k = round(a / ln 2)`` and ``q = a - k ln 2`` (Cody & Waite's
#: reduction, ``ln 2`` split so that ``k ln2_hi`` is exact), ``|q| <= ln(2) / 2``.
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
#: ``1 / n!``, the Taylor coefficients of ``e^q`` to degree 12 (the remainder is below
#: ``0.347^13 / 13! < 1.8e-16`` relative).
_C = (1.0, 1.0, 1.0 / 2.0, 1.0 / 6.0, 1.0 / 24.0, 1.0 / 120.0, 1.0 / 720.0, 1.0 / 5040.0,
      1.0 / 40320.0, 1.0 / 362880.0, 1.0 / 3628800.0, 1.0 / 39916800.0, 1.0 / 479001600.0)


@jit(inline="always")
def _exp(a):
    """``exp(a)`` for ``-700 <= a <= 700`` in plain arithmetic, so that a loop of them
    vectorises (numba calls libm's ``exp`` one value at a time). Within 5e-16 of libm's
    (``tests/test_search_kernel.py``); the polynomial is evaluated by Estrin's scheme (short
    dependency chains)."""
    k = np.floor(a * _INV_LN2 + 0.5)
    q = (a - k * _LN2_HI) - k * _LN2_LO
    q2 = q * q
    q4 = q2 * q2
    p01 = _C[0] + q * _C[1]
    p23 = _C[2] + q * _C[3]
    p45 = _C[4] + q * _C[5]
    p67 = _C[6] + q * _C[7]
    p89 = _C[8] + q * _C[9]
    pab = _C[10] + q * _C[11]
    p03 = p01 + q2 * p23
    p47 = p45 + q2 * p67
    p8b = p89 + q2 * pab
    p = (p03 + q4 * p47) + (q4 * q4) * (p8b + q4 * _C[12])
    return p * _bits_float((np.int64(k) + 1023) << 52)


@jit
def _sort_tile(acc, lin, has_ev, ev, cut0, bar, rs, sample_sex, o0, o1, exact, any_exact,
               lane_sum):
    """One row of a tile against a chunk's samples ``o``: which pairs :func:`_pair` must
    decide (``exact[o]``, ``any_exact[o]`` too), and the LR-sum term of every other pair
    added to ``lane_sum[o]``.

    ``acc`` the gathered sums, ``lin`` the dropout products (not yet flushed for samples
    without general markers), ``ev`` the evidence (read if ``has_ev``); ``rs`` the row's sex;
    ``c = min(cut0[o], bar)`` is the least score that could enter the sample's or the row's
    list or reach the threshold, or a lower value: the lists only rise, so an older bar only
    sends more pairs to :func:`_pair`.

    The tests are :func:`_pair`'s, in the same floating-point operations. With a product
    (``x != 1``), ``_pair`` does nothing if ``A = ub + 1e-9 + 1e-12|ub| < min(c, -8)``, else
    if ``B = ub + (1e-9 + 1e-12|ub|) < c`` adds the term when ``B > -8`` (and it is above
    the floor's band), else lists the pair. Here the pair is settled only if ``A >= min(c,
    -8)`` and ``B < c``, or ``A < min(c, -8)``, and not when ``A < -8 < B`` (the two
    roundings apart): then a higher true bar ``C >= c`` gives ``_pair`` the same outcome
    (``B < c <= C``; ``A < min(c, -8) <= min(C, -8)``; a term only when ``A >= -8``).
    Without a product the score ``w`` is settled below ``c`` (no list) and its term counts
    when ``w > -8``. A pair left here is thus one ``_pair`` would leave out of every list,
    its LR-sum term included or not alike.
    The term is ``10^w`` (score ``w``) or ``10^u x`` (gathered sum plus evidence ``u``,
    dropout product ``x``), by :func:`_exp` instead of libm: a few units in the last place
    apart. One loop of selects, no calls: the compiler runs it on eight samples at once.
    """
    known = rs > 0
    base = np.uint64(o0)
    for k in range(o1 - o0):
        # an unsigned index: no wraparound test of a negative one, which would keep the
        # compiler from vectorising
        o = base + np.uint64(k)
        v = acc[o]
        x = lin[o]
        c = min(cut0[o], bar)
        ss = sample_sex[o]
        excl = known & (ss > 0) & (ss != rs)
        u = v + ev[o] if has_ev else v
        # _log10_bound(x): frexp's exponent of a normal x from its bits
        e2 = ((_float_bits(x) >> 52) & 2047) - 1022
        bound = e2 * _LOG10_2
        if x >= 0.5:
            bound = min((x - 1.0) * _LOG10_E, bound)
        ub = u + bound
        first = ub + 1e-9 + 1e-12 * abs(ub)
        high = ub + (1e-9 + 1e-12 * abs(ub))
        with_x = (x != 1.0) & (v > -math.inf)
        near = first >= min(c, LR_SUM_FLOOR)
        # with a product x: none, the term, or _pair; the two tests' rounding apart, x not
        # flushed, x or the term out of _exp's range: _pair
        ex_x = (near & (high >= c)) | ((first < LR_SUM_FLOOR) & (high > LR_SUM_FLOOR)) \
            | (not 1e-200 <= x < math.inf) | (not -300.0 < u < 300.0)
        want_x = near & (high > LR_SUM_FLOOR)
        w = u if v > -math.inf else v
        ex = ex_x if with_x else (w >= c) | (w >= 300.0)
        want = want_x if with_x else w > LR_SUM_FLOOR
        if excl:  # a score of -inf: listed only if every pair is
            ex = c == -math.inf
            want = False
        a = min(max((u if with_x else w) * _LN10, -700.0), 700.0)
        term = _exp(a) * (x if with_x else 1.0)
        # with x, the term decides: above the floor's band it counts, below it does not,
        # within it the score decides (in _pair)
        ex = ex | (with_x & want & (term <= _SUM_HI) & (term >= _SUM_LO))
        want = want & ((not with_x) | (term > _SUM_HI))
        exact[o] = ex
        any_exact[o] = any_exact[o] | ex
        lane_sum[o] += term if want & (not ex) else 0.0


@jit
def _pair(v, x, ev, rs, ss, b, s, o, i, c, name, threshold, best, best_row, best_ev, top,
          top_idx, top_ev, total, pair_b, pair_s, pair_v, pair_e, count, cap):
    """Fold pair (block row ``b``, sample ``s`` at position ``i``, ``o`` in its chunk ``c``)
    into the outputs from its gathered sum ``v``, dropout product ``x`` (flushed) and
    evidence ``ev``, its LR-sum term into ``total[o]``; return the new pair count.

    A pair's ``log10 x`` is taken only when an upper bound of its score
    (:func:`_log10_bound`) reaches the threshold or the sample's or the row's last kept
    score, i.e. when the score may enter a list; otherwise its LR-sum term is
    ``10 ** (v + ev) * x`` (the log10 is taken after all when that term is within 1e-9 of
    the floor, so that the floor decides as on the exact score).
    """
    k_s = best.shape[1]
    k_m = top.shape[1]
    if rs > 0 and ss > 0 and rs != ss:
        v = -np.inf
    else:
        if x != 1.0 and x > 0.0 and v > -np.inf:
            # The score is (v + log10 x) + ev. Its log10 is taken only if it may enter a
            # list; the LR sum's term is 10^(v + ev) x.
            cut = min(threshold, best[i, k_s - 1], top[b, k_m - 1])
            u = v + ev
            ub = u + _log10_bound(x)
            if ub + 1e-9 + 1e-12 * abs(ub) < min(cut, LR_SUM_FLOOR):
                return count  # no output at all
            tol = 1e-9 + 1e-12 * abs(ub) if ub > -np.inf else 0.0
            if ub + tol < cut:
                if ub + tol > LR_SUM_FLOOR:
                    term = math.exp(u * _LN10) * x if u < 300.0 else np.inf
                    if term > _SUM_HI:
                        total[o] += term
                    elif term >= _SUM_LO:  # at the floor: decide exactly
                        v = (v + np.log10(x)) + ev
                        if v > LR_SUM_FLOOR:
                            total[o] += math.exp(v * _LN10)
                return count  # below every list: no other output
            v = (v + np.log10(x)) + ev
        else:
            if x != 1.0:
                v += np.log10(x) if x > 0.0 else -np.inf
            if v != -np.inf:
                v += ev
        if v > LR_SUM_FLOOR:
            total[o] += math.exp(v * _LN10)
        _insert(best, best_row, best_ev, i, v, name, ev)
        _insert_tied(top, top_idx, top_ev, b, v, s, ev)
    if v >= threshold:
        _record(v, ev, b, s, c, threshold, pair_b, pair_s, pair_v, pair_e, count, cap)
        count += 1
    return count


@jit
def _chunk_reads(lo, hi, n_col, n_al, n_e, e_pos, n_d, d_a, n_g, g_e, unc_ptr, unc_pos):
    """The table columns and allele-sum columns that samples ``lo:hi`` read (the gathers of
    complete markers, the genotypes of uncertain ones, the alleles of single-allele dropout
    markers), ascending; every column when more than half of them are read."""
    col = np.zeros(n_col, dtype=np.bool_)
    al = np.zeros(n_al, dtype=np.bool_)
    for i in range(lo, hi):
        for j in range(n_e[i]):
            col[e_pos[i, j]] = True
        for j in range(n_d[i]):
            al[d_a[i, j]] = True
        for j in range(n_g[i]):
            e = g_e[i, j]
            for q in range(unc_ptr[e], unc_ptr[e + 1]):
                col[unc_pos[q]] = True
    cols = np.nonzero(col)[0]
    if 2 * cols.size > n_col:
        cols = np.arange(n_col)
    return cols, np.nonzero(al)[0]


@jit
def _gather_tile(tab, alle, den_alle, has_den, lo, hi, n_e, e_pos, n_d, d_a, d_c, acc, lin):
    """For samples ``lo:hi`` and the rows of a tile (columns of ``tab``): ``acc[r, i - lo]``
    the sum of the gathered log10 LRs, ``lin[r, i - lo]`` the product of the single-allele
    dropout LRs (a tight loop of its own, apart from the rarer paths).

    A sample's eight sums and products are eight local variables: the compiler keeps them
    in registers (an array would be stored and loaded again at each marker, since it cannot
    tell that it is not ``tab``), so each marker costs its loads and adds alone."""
    for i in range(lo, hi):
        o = i - lo
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = 0.0
        for j in range(n_e[i]):
            p = e_pos[i, j]
            a0 += tab[p, 0]
            a1 += tab[p, 1]
            a2 += tab[p, 2]
            a3 += tab[p, 3]
            a4 += tab[p, 4]
            a5 += tab[p, 5]
            a6 += tab[p, 6]
            a7 += tab[p, 7]
        acc[0, o] = a0
        acc[1, o] = a1
        acc[2, o] = a2
        acc[3, o] = a3
        acc[4, o] = a4
        acc[5, o] = a5
        acc[6, o] = a6
        acc[7, o] = a7
        b0 = b1 = b2 = b3 = b4 = b5 = b6 = b7 = 1.0
        for j in range(n_d[i]):
            a = d_a[i, j]
            c1 = d_c[i, j, 0]
            c2 = d_c[i, j, 1]
            b0 *= c1 * alle[a, 0, 0] + c2 * alle[a, 1, 0]
            b1 *= c1 * alle[a, 0, 1] + c2 * alle[a, 1, 1]
            b2 *= c1 * alle[a, 0, 2] + c2 * alle[a, 1, 2]
            b3 *= c1 * alle[a, 0, 3] + c2 * alle[a, 1, 3]
            b4 *= c1 * alle[a, 0, 4] + c2 * alle[a, 1, 4]
            b5 *= c1 * alle[a, 0, 5] + c2 * alle[a, 1, 5]
            b6 *= c1 * alle[a, 0, 6] + c2 * alle[a, 1, 6]
            b7 *= c1 * alle[a, 0, 7] + c2 * alle[a, 1, 7]
            if has_den:
                b0 /= c1 * den_alle[a, 0, 0] + c2 * den_alle[a, 1, 0]
                b1 /= c1 * den_alle[a, 0, 1] + c2 * den_alle[a, 1, 1]
                b2 /= c1 * den_alle[a, 0, 2] + c2 * den_alle[a, 1, 2]
                b3 /= c1 * den_alle[a, 0, 3] + c2 * den_alle[a, 1, 3]
                b4 /= c1 * den_alle[a, 0, 4] + c2 * den_alle[a, 1, 4]
                b5 /= c1 * den_alle[a, 0, 5] + c2 * den_alle[a, 1, 5]
                b6 /= c1 * den_alle[a, 0, 6] + c2 * den_alle[a, 1, 6]
                b7 /= c1 * den_alle[a, 0, 7] + c2 * den_alle[a, 1, 7]
        lin[0, o] = b0
        lin[1, o] = b1
        lin[2, o] = b2
        lin[3, o] = b3
        lin[4, o] = b4
        lin[5, o] = b5
        lin[6, o] = b6
        lin[7, o] = b7


@jit
def _record(v, ev, b, s, c, threshold, pair_b, pair_s, pair_v, pair_e, count, cap):
    """Store pair (b, s) of score ``v`` and evidence ``ev`` at ``count`` of chunk ``c``'s
    buffers if ``v`` reaches the threshold and there is room (the caller counts it)."""
    if v >= threshold and count < cap:
        pair_b[c, count] = b
        pair_s[c, count] = s
        pair_v[c, count] = v
        pair_e[c, count] = ev


@jit
def merge_row_tops(row_top, row_top_idx, row_top_ev, out, out_idx, out_ev):
    """Each row's best samples over all chunks (``row_top[c, b]``, evidence beside them in
    ``row_top_ev``) into ``out[b]`` (``out_ev[b]``), by score descending and sample ascending
    among ties."""
    n_c, n_b, k = row_top.shape
    out[:, :] = -np.inf
    out_idx[:, :] = -1
    out_ev[:, :] = 0.0
    for b in range(n_b):
        for c in range(n_c):
            for j in range(k):
                if row_top_idx[c, b, j] < 0:
                    break
                _insert_tied(out, out_idx, out_ev, b, row_top[c, b, j], row_top_idx[c, b, j],
                             row_top_ev[c, b, j])
