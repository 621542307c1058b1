"""Numba kernels of the evidence scores: plain arrays in, plain arrays out.

:func:`age_bin_likelihoods` gives, per body, the PM age likelihood averaged over the bins of an
age grid (the relatives' numerators are then a matrix product); :func:`score_rows` sums the
per-row and per-body tables of :class:`~forensic_match.evidence.scoring.EvidenceScores` into a
block of log10 LRs.
"""

from __future__ import annotations

import math

from numba import prange

from forensic_match.accelerate import jit

#: Kinds of PM age finding (``age_kind``).
AGE_NONE, AGE_ESTIMATE, AGE_INTERVAL = 0, 1, 2
#: Kinds of compiled row (``row_kind``).
ROW_EMPTY, ROW_REGISTERED, ROW_RELATIVE = 0, 1, 2

_LOG10E = 1.0 / math.log(10.0)
_LN10 = math.log(10.0)
_SQRT1_2 = 1.0 / math.sqrt(2.0)


@jit(parallel=True)
def age_bin_likelihoods(kind, x, s, lo, hi, inside, outside, step, out):
    """``out[j, k]``: the mean over age bin ``[k step, (k + 1) step]`` of body j's PM age
    likelihood as a function of the true age at death T: ``N(x; T, s)`` for an estimate,
    ``inside`` within ``[lo, hi]`` and ``outside`` elsewhere for an interval; 0 for a body
    without an age finding."""
    n, n_bins = out.shape
    for j in prange(n):
        if kind[j] == AGE_ESTIMATE:
            # Normal masses from the nearer tail: one erfc per edge.
            xj, sj = x[j], s[j]
            prev_z = (0.0 - xj) / sj
            prev_t = 0.5 * math.erfc(abs(prev_z) * _SQRT1_2)
            for k in range(n_bins):
                z = ((k + 1) * step - xj) / sj
                t = 0.5 * math.erfc(abs(z) * _SQRT1_2)
                if prev_z > 0.0:
                    mass = prev_t - t
                elif z <= 0.0:
                    mass = t - prev_t
                else:
                    mass = (1.0 - t) - prev_t
                out[j, k] = max(mass, 0.0) / step
                prev_z, prev_t = z, t
        elif kind[j] == AGE_INTERVAL:
            a, b = lo[j], hi[j]
            for k in range(n_bins):
                overlap = min((k + 1) * step, b) - max(k * step, a)
                share = min(max(overlap / step, 0.0), 1.0)
                out[j, k] = outside[j] + (inside[j] - outside[j]) * share
        else:
            for k in range(n_bins):
                out[j, k] = 0.0


@jit
def stature_log10(z, const, gross_error):
    """log10 of ``(1 - eps) LR + eps`` for the stature LR ``LR = 10**(const - z**2 / 2 /
    ln 10)`` (a normal density over the H2 density) and ``eps = gross_error``."""
    v = const - 0.5 * z * z * _LOG10E
    if gross_error <= 0.0:
        return v
    # One exp and one log10 a pair (the search calls this for every pair with a stature);
    # 10**v would overflow above 308, so there the LR is factored out.
    if v > 300.0:
        return v + math.log10((1.0 - gross_error) + gross_error * math.exp(-v * _LN10))
    return math.log10((1.0 - gross_error) * math.exp(v * _LN10) + gross_error)


@jit(parallel=True)
def stature_table(means, y, inv, const, gross_error, out):
    """``out[k, j]``: :func:`stature_log10` of mean ``means[k]`` against the j-th body with a
    stature (``y``, ``inv``, ``const`` of those bodies), computed as :func:`score_rows`
    computes it pair by pair (the same operations, so the same bits)."""
    for k in prange(means.size):
        mean = means[k]
        for j in range(y.size):
            z = (y[j] - mean) * inv[j]
            out[k, j] = stature_log10(z, const[j], gross_error)


@jit(parallel=True)
def score_rows(rows, row_kind, sex_class, age_code, stature_mean, relative_code, sex_table,
               age_table, stature_y, stature_inv, stature_const, stature_gross_error,
               stature_code, stature_col, stature_tab, relative_table, out):
    """``out[r, b]``: log10 LR of sex, age and stature for compiled row ``rows[r]`` and body b.

    A registered row sums its sex class's row of ``sex_table`` (``sex_class`` -1: none), its
    recorded age's row of ``age_table`` (``age_code`` -1: none) and the stature LR, a normal
    density of mean ``stature_mean`` (nan: not compared) with per-body ``stature_y``,
    ``stature_inv`` (1 / scale, 0 without a stature) and ``stature_const`` (-log10 of the
    scale and of the H2 density), taken as ``(1 - eps) LR + eps`` with ``eps =
    stature_gross_error`` (:func:`stature_log10`). Where ``stature_code[r] >= 0`` the stature
    LR is read from row ``stature_code[r]`` of ``stature_tab`` (:func:`stature_table` of the
    row's mean), column ``stature_col[b]`` (the body's place among the bodies with a
    stature). A relative's row is row ``relative_code`` of ``relative_table``, all three
    pieces summed in advance (relatives share a few models).
    """
    n = rows.size
    n_bodies = out.shape[1]
    for r in prange(n):
        i = rows[r]
        kind = row_kind[i]
        if kind == ROW_RELATIVE:
            code = relative_code[i]
            for b in range(n_bodies):
                out[r, b] = relative_table[code, b]
            continue
        for b in range(n_bodies):
            out[r, b] = 0.0
        if kind == ROW_EMPTY:
            continue
        sc, ac = sex_class[i], age_code[i]
        if sc >= 0:
            for b in range(n_bodies):
                out[r, b] += sex_table[sc, b]
        if ac >= 0:
            for b in range(n_bodies):
                out[r, b] += age_table[ac, b]
        mean = stature_mean[i]
        code = stature_code[r]
        if code >= 0:
            for b in range(n_bodies):
                if stature_inv[b] > 0.0:
                    out[r, b] += stature_tab[code, stature_col[b]]
        elif mean == mean:
            for b in range(n_bodies):
                if stature_inv[b] > 0.0:
                    z = (stature_y[b] - mean) * stature_inv[b]
                    out[r, b] += stature_log10(z, stature_const[b], stature_gross_error)


@jit(parallel=True)
def add_relative_stature(rows, sex_class, adult, shift, vclass, stature_y, inv, weight,
                         sex_stature, gross_error, out):
    """Add to ``out[r, b]`` the log10 stature LR of relative row ``rows[r]`` whose missing
    person reported a stature (``vclass[i] >= 0``; other rows are left as they are).

    The relative's standard stature is ``N(shift[i], variances[vclass[i]])``; for sex t the
    estimate of body b has density ``inv[v, t, b] exp(-z^2 / 2)``, ``z = (y_b - mu_t - sigma_t
    shift) inv[v, t, b]`` (``sex_stature[t] = (mu_t, sigma_t)``), mixed by ``weight[c, t, b]``
    (the relative's sex given the body's readings, over the population density; 0 and 0: no
    stature compared). The ratio ``R`` is taken as ``(1 - eps) R + eps`` (a gross error of the
    estimate) and mixed with LR 1 for a child: ``log10(adult R + 1 - adult)``.
    """
    n = rows.size
    n_bodies = out.shape[1]
    for r in prange(n):
        i = rows[r]
        v = vclass[i]
        if v < 0:
            continue
        pa = adult[i]
        if pa <= 0.0:
            continue
        c = sex_class[i]
        a = shift[i]
        mean_m = sex_stature[0, 0] + sex_stature[0, 1] * a
        mean_f = sex_stature[1, 0] + sex_stature[1, 1] * a
        for b in range(n_bodies):
            wm = weight[c, 0, b]
            wf = weight[c, 1, b]
            if wm == 0.0 and wf == 0.0:
                continue
            ratio = 0.0
            if wm > 0.0:
                z = (stature_y[b] - mean_m) * inv[v, 0, b]
                ratio += wm * inv[v, 0, b] * math.exp(-0.5 * z * z)
            if wf > 0.0:
                z = (stature_y[b] - mean_f) * inv[v, 1, b]
                ratio += wf * inv[v, 1, b] * math.exp(-0.5 * z * z)
            ratio = (1.0 - gross_error) * ratio + gross_error
            if pa < 1.0:
                ratio = pa * ratio + (1.0 - pa)
            out[r, b] += math.log10(ratio)
