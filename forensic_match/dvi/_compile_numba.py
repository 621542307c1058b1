"""Numba kernels of the compile step: expand a merged-allele posterior to every genotype.

Plain arrays in, plain arrays out. ``work[i]`` is the full allele index of working allele ``i``
(-1 for the merged allele, always last); ``tracers`` are the working positions of three
unseen alleles kept separate (or -1 when nothing was merged).
"""

from __future__ import annotations

import numpy as np

from forensic_match.accelerate import jit


@jit
def _lstsq(a, b):
    coef, _, _, _ = np.linalg.lstsq(a, b)
    return coef


@jit
def expand_posterior(post, work, p, tracers, rtol, full):
    """Fill ``full`` (n x n ordered posterior); False when a fit fails its mass check."""
    k = work.size
    n = p.size
    full[:, :] = 0.0
    merged = work[k - 1] < 0
    kk = k - 1 if merged else k
    for i in range(kk):
        for j in range(kk):
            full[work[i], work[j]] = post[i, j]
    if not merged:
        return True
    o = k - 1
    is_work = np.zeros(n, dtype=np.bool_)
    for i in range(kk):
        is_work[work[i]] = True
    n_rest = 0
    for u in range(n):
        if not is_work[u]:
            n_rest += 1
    rest = np.empty(n_rest, dtype=np.int64)
    c = 0
    for u in range(n):
        if not is_work[u]:
            rest[c] = u
            c += 1
    pt = np.empty(3)
    for r in range(3):
        pt[r] = p[work[tracers[r]]]
    scale = 0.0
    for i in range(k):
        for j in range(k):
            scale = max(scale, post[i, j])
    tol = rtol * max(scale, 1e-300)
    # Kept (non-tracer) allele with an unseen one: affine in the unseen allele's frequency.
    for i in range(kk):
        if i == tracers[0] or i == tracers[1] or i == tracers[2]:
            continue
        x = work[i]
        for side in range(2):
            vals = np.empty(3)
            for r in range(3):
                vals[r] = post[i, tracers[r]] if side == 0 else post[tracers[r], i]
            # Least-squares line through the three tracer points (closed form).
            xm = (pt[0] + pt[1] + pt[2]) / 3.0
            ym = (vals[0] + vals[1] + vals[2]) / 3.0
            sxy = 0.0
            sxx = 0.0
            for r in range(3):
                sxy += (pt[r] - xm) * (vals[r] - ym)
                sxx += (pt[r] - xm) * (pt[r] - xm)
            slope = sxy / sxx
            icpt = ym - slope * xm
            total = 0.0
            for u in rest:
                v = icpt + slope * p[u]
                total += v
                if side == 0:
                    full[x, u] = v
                else:
                    full[u, x] = v
            lumped = post[i, o] if side == 0 else post[o, i]
            if abs(total - lumped) > tol:
                return False
    # Two unseen alleles: bilinear off the diagonal, quadratic on it.
    design = np.empty((6, 4))
    vals6 = np.empty(6)
    row = 0
    for a in range(3):
        for b in range(3):
            if a != b:
                design[row, 0] = 1.0
                design[row, 1] = pt[a]
                design[row, 2] = pt[b]
                design[row, 3] = pt[a] * pt[b]
                vals6[row] = post[tracers[a], tracers[b]]
                row += 1
    cf = _lstsq(design, vals6)
    quad = np.ones((3, 3))
    quad[:, 1] = pt
    quad[:, 2] = pt * pt
    vals3 = np.empty(3)
    for a in range(3):
        vals3[a] = post[tracers[a], tracers[a]]
    dg = _lstsq(quad, vals3)
    total = 0.0
    for u in rest:
        for v in rest:
            if u == v:
                val = dg[0] + dg[1] * p[u] + dg[2] * p[u] * p[u]
            else:
                val = cf[0] + cf[1] * p[u] + cf[2] * p[v] + cf[3] * p[u] * p[v]
            full[u, v] = val
            total += val
    if abs(total - post[o, o]) > tol:
        return False
    for a in range(3):
        t = work[tracers[a]]
        row_total = 0.0
        col_total = 0.0
        for u in rest:
            rv = cf[0] + cf[1] * pt[a] + cf[2] * p[u] + cf[3] * pt[a] * p[u]
            cv = cf[0] + cf[1] * p[u] + cf[2] * pt[a] + cf[3] * p[u] * pt[a]
            full[t, u] = rv
            full[u, t] = cv
            row_total += rv
            col_total += cv
        if abs(row_total - post[tracers[a], o]) > tol or \
                abs(col_total - post[o, tracers[a]]) > tol:
            return False
    return True


@jit
def log10_lr_table(full, p, out):
    """Triangular log10 LR: unordered posterior over Hardy-Weinberg."""
    n = p.size
    for hi in range(n):
        for lo in range(hi + 1):
            if lo == hi:
                post = full[lo, lo]
                hw = p[lo] * p[lo]
            else:
                post = full[lo, hi] + full[hi, lo]
                hw = 2.0 * p[lo] * p[hi]
            out[hi * (hi + 1) // 2 + lo] = np.log10(post) - np.log10(hw) if post > 0.0 \
                else -np.inf


@jit
def consistent_table(post, work, n, likelihood, out):
    """Genotypes possible without mutation, from the merged no-mutation posterior."""
    if not likelihood > 0.0:
        out[:] = True
        return
    k = work.size
    to_work = np.full(n, k - 1, dtype=np.int64)
    for i in range(k):
        if work[i] >= 0:
            to_work[work[i]] = i
    for hi in range(n):
        for lo in range(hi + 1):
            a = to_work[lo]
            b = to_work[hi]
            out[hi * (hi + 1) // 2 + lo] = post[a, b] + post[b, a] > 0.0


@jit
def allele_sums(full, p, out):
    """Per allele a: the LR of the homozygote aa and ``Σ_{z≠a} P(G = {a, z} | data)``, the
    posterior mass of the heterozygotes with a (what a single allele seen with dropout needs)."""
    n = p.size
    for a in range(n):
        out[a, 0] = full[a, a] / (p[a] * p[a])
        mass = 0.0
        for z in range(n):
            if z != a:
                mass += full[a, z] + full[z, a]
        out[a, 1] = mass


@jit
def ratio_table(full, p, out):
    """Triangular ``P(g | data) / P(g)`` (unordered posterior over Hardy-Weinberg), linear."""
    n = p.size
    for hi in range(n):
        for lo in range(hi + 1):
            if lo == hi:
                out[hi * (hi + 1) // 2 + lo] = full[lo, lo] / (p[lo] * p[lo])
            else:
                out[hi * (hi + 1) // 2 + lo] = (full[lo, hi] + full[hi, lo]) / \
                    (2.0 * p[lo] * p[hi])
