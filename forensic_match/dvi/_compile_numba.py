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
    """Least-squares solution of ``a x = b`` for a small full-rank ``a`` (rows >= columns) by
    Householder QR (Golub & Van Loan, *Matrix Computations*, 4th ed., algorithm 5.3.2):
    backward stable like LAPACK's SVD solver, and without its per-call workspace, which made
    the compile's fits cost more than the rest of a row."""
    m, n = a.shape
    r = a.copy()
    y = b.copy()
    for j in range(n):
        norm = 0.0
        for i in range(j, m):
            norm += r[i, j] * r[i, j]
        norm = np.sqrt(norm)
        if norm == 0.0:
            continue
        alpha = -norm if r[j, j] >= 0.0 else norm
        v0 = r[j, j] - alpha
        # Householder vector v = (v0, r[j+1:, j]); H = I - 2 v v' / (v' v).
        vtv = v0 * v0
        for i in range(j + 1, m):
            vtv += r[i, j] * r[i, j]
        if vtv == 0.0:
            continue
        for c in range(j + 1, n):
            dot = v0 * r[j, c]
            for i in range(j + 1, m):
                dot += r[i, j] * r[i, c]
            f = 2.0 * dot / vtv
            r[j, c] -= f * v0
            for i in range(j + 1, m):
                r[i, c] -= f * r[i, j]
        dot = v0 * y[j]
        for i in range(j + 1, m):
            dot += r[i, j] * y[i]
        f = 2.0 * dot / vtv
        y[j] -= f * v0
        for i in range(j + 1, m):
            y[i] -= f * r[i, j]
        r[j, j] = alpha
    x = np.zeros(n)
    for j in range(n - 1, -1, -1):
        acc = y[j]
        for c in range(j + 1, n):
            acc -= r[j, c] * x[c]
        x[j] = acc / r[j, j] if r[j, j] != 0.0 else 0.0
    return x


@jit
def _merged(work, kk, n):
    """The full indices of the alleles merged into the working allele ``kk`` (those that are
    none of ``work[:kk]``), ascending."""
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
    return rest


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
    rest = _merged(work, kk, n)
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
def _merged_start(post, work, p, rtol, full):
    """What :func:`expand_posterior_one` and :func:`expand_posterior_two` start from:
    ``full`` zeroed with the kept alleles' block copied in, the merged alleles' full
    indices, their frequencies' sum and the checks' tolerance (``rtol`` times the largest
    entry of ``post``)."""
    k = work.size
    full[:, :] = 0.0
    for i in range(k - 1):
        for j in range(k - 1):
            full[work[i], work[j]] = post[i, j]
    rest = _merged(work, k - 1, p.size)
    total = 0.0
    for u in rest:
        total += p[u]
    scale = 0.0
    for i in range(k):
        for j in range(k):
            scale = max(scale, post[i, j])
    return rest, total, rtol * max(scale, 1e-300)


@jit
def expand_posterior_one(post, work, p, t, inv_l, rtol, full):
    """Fill ``full`` (n x n ordered posterior) from a merged posterior that keeps one unseen
    allele apart (working position ``t``), for a model under which every unseen allele is
    alike but for its frequency (no mutation or ``equal``) and a target whose two alleles
    cannot be identical by descent (``compile._one_tracer``); False when the result is not
    a posterior (an entry below ``-rtol`` times the largest).

    With ``R`` the other unseen alleles (``n'`` of them, frequencies summing to ``P``), an
    unseen allele ``u`` beside a kept allele ``x`` has the posterior ``A + B p_u`` and two
    unseen alleles ``c + d1 p_u + d2 p_v + e p_u p_v`` (``u != v``, ordered) and
    ``c + (d1 + d2) p_u + e (p_u^2 + p_u inv_l)`` (``u = v``): ``inv_l`` is ``1 / (lam c)``,
    ``lam = (1 - theta) / theta`` and ``c`` the engine's rescaling of the unseen
    frequencies (0 at theta 0). The entries at ``t`` and the merged entries' sums over ``R``
    give exactly as many equations as unknowns (docs/matching.md, "Theta"); ``p_t`` is the
    largest unseen frequency, so ``n' p_t != P`` and the systems are regular.
    """
    k = work.size
    o = k - 1
    kk = k - 1
    rest, p1, tol = _merged_start(post, work, p, rtol, full)
    pt = p[work[t]]
    n1 = float(rest.size)
    gap = p1 - n1 * pt
    for i in range(kk):
        if i == t:
            continue
        x = work[i]
        for side in range(2):
            vt = post[i, t] if side == 0 else post[t, i]
            vo = post[i, o] if side == 0 else post[o, i]
            slope = (vo - n1 * vt) / gap
            icpt = vt - slope * pt
            for u in rest:
                v = icpt + slope * p[u]
                if v < -tol:
                    return False
                if side == 0:
                    full[x, u] = max(v, 0.0)
                else:
                    full[u, x] = max(v, 0.0)
    a = np.empty((4, 4))
    b = np.empty(4)
    a[0, 0] = 1.0
    a[0, 1] = pt
    a[0, 2] = pt
    a[0, 3] = pt * pt + pt * inv_l
    b[0] = post[t, t]
    a[1, 0] = n1
    a[1, 1] = n1 * pt
    a[1, 2] = p1
    a[1, 3] = pt * p1
    b[1] = post[t, o]
    a[2, 0] = n1
    a[2, 1] = p1
    a[2, 2] = n1 * pt
    a[2, 3] = pt * p1
    b[2] = post[o, t]
    a[3, 0] = n1 * n1
    a[3, 1] = n1 * p1
    a[3, 2] = n1 * p1
    a[3, 3] = p1 * p1 + p1 * inv_l
    b[3] = post[o, o]
    cf = _lstsq(a, b)
    tw = work[t]
    for u in rest:
        for v in rest:
            if u == v:
                val = cf[0] + (cf[1] + cf[2]) * p[u] + cf[3] * (p[u] * p[u] + p[u] * inv_l)
            else:
                val = cf[0] + cf[1] * p[u] + cf[2] * p[v] + cf[3] * p[u] * p[v]
            if val < -tol:
                return False
            full[u, v] = max(val, 0.0)
        rv = cf[0] + cf[1] * pt + cf[2] * p[u] + cf[3] * pt * p[u]
        cv = cf[0] + cf[1] * p[u] + cf[2] * pt + cf[3] * p[u] * pt
        if rv < -tol or cv < -tol:
            return False
        full[tw, u] = max(rv, 0.0)
        full[u, tw] = max(cv, 0.0)
    return True


@jit
def expand_posterior_two(post, work, p, t1, t2, rtol, full):
    """Fill ``full`` (n x n ordered posterior) from a merged posterior that keeps two unseen
    alleles apart (working positions ``t1``, ``t2``), for ``proportional`` mutation (or any
    model :func:`expand_posterior_one` takes) and a target not inbred; False when a fit
    fails its check.

    As :func:`expand_posterior_one`, but a mutation lands on an unseen allele ``u`` in
    proportion to ``p_u``, so the homozygote's linear term has a part of its own:
    ``c + (d1 + d2 + f) p_u + e p_u^2`` beside ``c + d1 p_u + d2 p_v + e p_u p_v``. The two
    tracers' entries and the merged sums give 9 equations for the 5 unknowns, and 3 for the
    2 of each kept allele and side; every fit must reproduce each of its equations to
    ``rtol`` times the largest entry (docs/matching.md, "One tracer under theta").
    """
    k = work.size
    o = k - 1
    kk = k - 1
    rest, p1, tol = _merged_start(post, work, p, rtol, full)
    n1 = float(rest.size)
    ts = np.empty(2, dtype=np.int64)
    ts[0] = t1
    ts[1] = t2
    pt = np.empty(2)
    pt[0] = p[work[t1]]
    pt[1] = p[work[t2]]
    line = np.empty((3, 2))
    vals3 = np.empty(3)
    for i in range(kk):
        if i == t1 or i == t2:
            continue
        x = work[i]
        for side in range(2):
            for r in range(2):
                line[r, 0] = 1.0
                line[r, 1] = pt[r]
                vals3[r] = post[i, ts[r]] if side == 0 else post[ts[r], i]
            line[2, 0] = n1
            line[2, 1] = p1
            vals3[2] = post[i, o] if side == 0 else post[o, i]
            ab = _lstsq(line, vals3)
            for r in range(3):
                if abs(line[r, 0] * ab[0] + line[r, 1] * ab[1] - vals3[r]) > tol:
                    return False
            for u in rest:
                v = ab[0] + ab[1] * p[u]
                if side == 0:
                    full[x, u] = v
                else:
                    full[u, x] = v
    a = np.zeros((9, 5))
    b = np.empty(9)
    row = 0
    for r in range(2):  # (t_r, t_r)
        a[row, 0] = 1.0
        a[row, 1] = pt[r]
        a[row, 2] = pt[r]
        a[row, 3] = pt[r] * pt[r]
        a[row, 4] = pt[r]
        b[row] = post[ts[r], ts[r]]
        row += 1
    for r in range(2):  # (t_r, t_other)
        q = 1 - r
        a[row, 0] = 1.0
        a[row, 1] = pt[r]
        a[row, 2] = pt[q]
        a[row, 3] = pt[r] * pt[q]
        b[row] = post[ts[r], ts[q]]
        row += 1
    for r in range(2):  # (t_r, merged) and (merged, t_r)
        a[row, 0] = n1
        a[row, 1] = n1 * pt[r]
        a[row, 2] = p1
        a[row, 3] = pt[r] * p1
        b[row] = post[ts[r], o]
        row += 1
        a[row, 0] = n1
        a[row, 1] = p1
        a[row, 2] = n1 * pt[r]
        a[row, 3] = pt[r] * p1
        b[row] = post[o, ts[r]]
        row += 1
    a[row, 0] = n1 * n1  # (merged, merged)
    a[row, 1] = n1 * p1
    a[row, 2] = n1 * p1
    a[row, 3] = p1 * p1
    a[row, 4] = p1
    b[row] = post[o, o]
    cf = _lstsq(a, b)
    for r in range(9):
        fit = 0.0
        for c in range(5):
            fit += a[r, c] * cf[c]
        if abs(fit - b[r]) > tol:
            return False
    for u in rest:
        for v in rest:
            if u == v:
                full[u, v] = cf[0] + (cf[1] + cf[2] + cf[4]) * p[u] + cf[3] * p[u] * p[u]
            else:
                full[u, v] = cf[0] + cf[1] * p[u] + cf[2] * p[v] + cf[3] * p[u] * p[v]
        for r in range(2):
            tw = work[ts[r]]
            full[tw, u] = cf[0] + cf[1] * pt[r] + cf[2] * p[u] + cf[3] * pt[r] * p[u]
            full[u, tw] = cf[0] + cf[1] * p[u] + cf[2] * pt[r] + cf[3] * p[u] * pt[r]
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


@jit
def _pairwise_sum(a, lo, n):
    """``a[lo:lo + n].sum()`` added in numpy's order for ``n <= 128`` (eight running sums),
    so that the result is numpy's to the bit; longer runs (no marker has that many alleles)
    are added in order, which may differ from numpy's in the last bit. Not recursive: numba
    cannot reliably cache recursive functions."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    if n > 128:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r = np.empty(8)
    for j in range(8):
        r[j] = a[lo + j]
    i = 8
    while i < n - (n % 8):
        for j in range(8):
            r[j] += a[lo + i + j]
        i += 8
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@jit
def panel_tracers(seen, freq_ptr, freqs, log_freqs, order, tracers, inverse):
    """For every marker of a panel at once: ``tracers[m]`` the full indices of three unseen
    alleles (lowest frequency, closest to the geometric mean of the two ends in log scale,
    highest; -1 when the unseen block has fewer than 5 alleles or the three frequencies are
    not distinct), and
    ``inverse[m]`` the unseen factor ``Σ unseen / (1 - Σ seen)`` (1.0 when none applies;
    ``compile._factor_of``); the sums are numpy's to the bit.
    ``seen``, ``freqs``, ``log_freqs``: flat over the panel's alleles (``freq_ptr``);
    ``order``: each marker's stable frequency order (local indices), flat likewise."""
    for m in range(freq_ptr.size - 1):
        lo_ptr = freq_ptr[m]
        n = freq_ptr[m + 1] - lo_ptr
        tracers[m, :] = -1
        inverse[m] = 1.0
        # The two sums as numpy adds the selected frequencies (bit for bit).
        picked = np.empty(n)
        n_unseen = 0
        for u in range(n):
            if not seen[lo_ptr + u]:
                picked[n_unseen] = freqs[lo_ptr + u]
                n_unseen += 1
        sum_unseen = _pairwise_sum(picked, 0, n_unseen)
        n_seen = 0
        for u in range(n):
            if seen[lo_ptr + u]:
                picked[n_seen] = freqs[lo_ptr + u]
                n_seen += 1
        sum_seen = _pairwise_sum(picked, 0, n_seen)
        rest = 1.0 - sum_seen
        if rest > 0.0 and sum_unseen > 0.0 and rest != sum_unseen:
            inverse[m] = sum_unseen / rest
        if n_unseen < 5:
            continue
        first = -1
        last = -1
        for r in range(n):
            u = order[lo_ptr + r]
            if not seen[lo_ptr + u]:
                if first < 0:
                    first = u
                last = u
        centre = 0.5 * np.log(freqs[lo_ptr + first] * freqs[lo_ptr + last])
        mid = -1
        best = np.inf
        for r in range(n):
            u = order[lo_ptr + r]
            if seen[lo_ptr + u] or u == first or u == last:
                continue
            d = abs(log_freqs[lo_ptr + u] - centre)
            if d < best:
                best = d
                mid = u
        p_lo = freqs[lo_ptr + first]
        p_mid = freqs[lo_ptr + mid]
        p_hi = freqs[lo_ptr + last]
        if p_lo == p_mid or p_mid == p_hi:
            continue
        tracers[m, 0] = first
        tracers[m, 1] = mid
        tracers[m, 2] = last


@jit
def finish_row(freq_ptr, freqs, seen, table_ptr, allele_ptr, k_all, work_all, post_all,
               tracers, inverse, use_factor, ck_all, cwork_all, cpost_all, cvalues, rtol,
               full_buf, lr, ok, sums, failed, inv_l):
    """One compiled row from the engine's merged posteriors of every marker: each marker's
    full ordered posterior (:func:`expand_posterior`, or where ``inv_l[m]`` is not NaN
    :func:`expand_posterior_one` from ``tracers[m, 0]``, or :func:`expand_posterior_two` from
    ``tracers[m, :2]`` when ``tracers[m, 1]`` is one), times the unseen factor on both
    axes when ``use_factor``, then its :func:`log10_lr_table`, :func:`allele_sums` and, from
    the no-mutation posterior (``ck_all`` ...), its :func:`consistent_table`. A marker whose
    fit fails its check is marked in ``failed`` and left for the caller."""
    pos = np.empty(3, dtype=np.int64)
    for m in range(freq_ptr.size - 1):
        lo_ptr = freq_ptr[m]
        n = freq_ptr[m + 1] - lo_ptr
        p = freqs[lo_ptr:freq_ptr[m + 1]]
        k = k_all[m]
        work = work_all[m, :k]
        post = post_all[m, :k * k].reshape((k, k))
        full = full_buf[:n * n].reshape((n, n))
        pos[:] = -1  # each tracer's working position (-1: none, or not kept apart)
        merged = tracers[m, 0] >= 0 and work[k - 1] < 0
        if merged:
            for r in range(3):
                for i in range(k):
                    if tracers[m, r] >= 0 and work[i] == tracers[m, r]:
                        pos[r] = i
        if merged and not np.isnan(inv_l[m]):
            if tracers[m, 1] >= 0:  # two tracers: proportional
                done = pos[0] >= 0 and pos[1] >= 0 and \
                    expand_posterior_two(post, work, p, pos[0], pos[1], rtol, full)
            else:
                done = pos[0] >= 0 and \
                    expand_posterior_one(post, work, p, pos[0], inv_l[m], rtol, full)
        else:
            done = expand_posterior(post, work, p, pos, rtol, full)
        if not done:
            failed[m] = True
            continue
        if use_factor and inverse[m] != 1.0:
            for u in range(n):
                fu = 1.0 if seen[lo_ptr + u] else inverse[m]
                for v in range(n):
                    fv = 1.0 if seen[lo_ptr + v] else inverse[m]
                    full[u, v] = full[u, v] * fu * fv
        log10_lr_table(full, p, lr[table_ptr[m]:table_ptr[m + 1]])
        allele_sums(full, p, sums[allele_ptr[m]:allele_ptr[m + 1]])
        ck = ck_all[m]
        consistent_table(cpost_all[m, :ck * ck].reshape((ck, ck)), cwork_all[m, :ck], n,
                         cvalues[m], ok[table_ptr[m]:table_ptr[m + 1]])
