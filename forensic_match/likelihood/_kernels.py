"""Numba kernels of the exact pedigree likelihood. Plain arrays in, plain arrays out.

The plan (see ``_plan.py``) is executed once per marker: lump the alleles nobody shows into
one, give each allele variable its domain, fill the initial factors, then multiply and sum out
variable by variable. Nothing here is public API.
"""

from __future__ import annotations

import numpy as np

from forensic_match.accelerate import jit

PRIOR, TRANS_FATHER, TRANS_MOTHER, OBSERVE, PIN_FATHER, PIN_MOTHER = 0, 1, 2, 3, 4, 5
SPLIT_FATHER, SPLIT_MOTHER, PRESUM_FATHER, PRESUM_MOTHER = 6, 7, 8, 9
TIE = 10
OBS_NONE, OBS_SET, OBS_PARTIAL = 0, 1, 2
LUMP_NEVER, LUMP_ALWAYS, LUMP_CHECK = 0, 1, 2


@jit
def _lumpable(mat, n, keep):
    """Strong lumpability of the alleles outside ``keep`` (rows of the block agree on kept)."""
    first = -1
    for u in range(n):
        if keep[u]:
            continue
        if first < 0:
            first = u
            continue
        for j in range(n):
            if keep[j]:
                a = mat[first * n + j]
                b = mat[u * n + j]
                if abs(a - b) > 1e-12 * max(1.0, abs(a)):
                    return False
    return True


@jit
def _complete_to_one(freq, seen):
    """Frequencies with the unseen alleles rescaled to share exactly 1 - sum(seen).

    Published tables sum to 1 only within rounding; the alleles seen in the case keep their
    table values and the others share the rest in proportion, so that the working
    frequencies sum to exactly 1 (this reproduces pedprobr, which gives a merged allele
    1 - sum(seen)). Where the seen alleles already sum to 1 or more, nothing changes.
    """
    out = freq.copy()
    kept = 0.0
    unkept = 0.0
    for u in range(freq.size):
        if seen[u]:
            kept += freq[u]
        else:
            unkept += freq[u]
    rest = 1.0 - kept
    if rest > 0.0 and unkept > 0.0:
        scale = rest / unkept
        for u in range(freq.size):
            if not seen[u]:
                out[u] = freq[u] * scale
    return out


@jit
def lump_marker(n, freq, matf, matm, has_mut, mode, keep):
    """Alleles of the working set: the kept ones in marker order, then one merged allele.

    Returns ``(k, alleles, freq, matf, matm)`` where ``alleles[i]`` is the full index of
    working allele ``i`` (-1 for the merged one) and the matrices are ``k x k`` row-major
    (empty when ``has_mut`` is false).
    """
    n_keep = 0
    for u in range(n):
        if keep[u]:
            n_keep += 1
    lump = n_keep < n - 1 and mode != LUMP_NEVER
    if lump and mode == LUMP_CHECK and has_mut:
        lump = _lumpable(matf, n, keep) and _lumpable(matm, n, keep)
    if not lump:
        alleles = np.arange(n).astype(np.int32)
        return n, alleles, freq.copy(), matf.copy(), matm.copy()
    k = n_keep + 1
    alleles = np.full(k, -1, dtype=np.int32)
    lf = np.zeros(k)
    first_out = -1
    i = 0
    for u in range(n):
        if keep[u]:
            alleles[i] = u
            lf[i] = freq[u]
            i += 1
        else:
            lf[k - 1] += freq[u]
            if first_out < 0:
                first_out = u
    if not has_mut:
        return k, alleles, lf, np.empty(0), np.empty(0)
    out_f = np.zeros(k * k)
    out_m = np.zeros(k * k)
    for src, dst in ((matf, out_f), (matm, out_m)):
        for a in range(k):
            row = alleles[a] if a < k - 1 else first_out
            for u in range(n):
                b = k - 1
                if keep[u]:
                    for c in range(k - 1):
                        if alleles[c] == u:
                            b = c
                            break
                dst[a * k + b] += src[row * n + u]
    return k, alleles, lf, out_f, out_m


@jit
def observation_prob(x, y, kind, o1, o2, d, c, p):
    """P(what was seen | true alleles x, y) with dropout d and drop-in c (working indices)."""
    if kind == OBS_PARTIAL:
        return 1.0 if (x == o1 or y == o1) else 0.0
    s1, s2 = (o1, o2) if o1 <= o2 else (o2, o1)
    s_size = 1 if s1 == s2 else 2
    if d == 0.0 and c == 0.0:
        t1, t2 = (x, y) if x <= y else (y, x)
        return 1.0 if (t1 == s1 and t2 == s2) else 0.0
    total = 0.0
    # Surviving sets T of the true alleles with their probabilities.
    if x == y:
        total += (1.0 - d * d) * _given_survivors(x, x, 1, s1, s2, s_size, c, p)
        total += d * d * _given_survivors(-1, -1, 0, s1, s2, s_size, c, p)
    else:
        total += (1.0 - d) * (1.0 - d) * _given_survivors(min(x, y), max(x, y), 2,
                                                            s1, s2, s_size, c, p)
        total += d * (1.0 - d) * _given_survivors(x, x, 1, s1, s2, s_size, c, p)
        total += d * (1.0 - d) * _given_survivors(y, y, 1, s1, s2, s_size, c, p)
        total += d * d * _given_survivors(-1, -1, 0, s1, s2, s_size, c, p)
    return total


@jit
def _given_survivors(t1, t2, t_size, s1, s2, s_size, c, p):
    """P(seen set S | surviving set T): no drop-in (1 - c), or one allele z with c * p_z."""
    if t_size == s_size and t1 == s1 and t2 == s2:
        extra = p[s1] if s_size == 1 else p[s1] + p[s2]
        return (1.0 - c) + c * extra
    if t_size == 0 and s_size == 1:
        return c * p[s1]
    if t_size == 1 and s_size == 2:
        if t1 == s1:
            return c * p[s2]
        if t1 == s2:
            return c * p[s1]
    return 0.0


@jit
def _run_plan(father, fkind, fperson, scope_ptr, scope_vars, step_var, step_ptr, step_in,
              k, q, matf, matm, has_mut, dom_size, dom_vals, obs_kind, obs1, obs2,
              dropout, dropin, pop):
    """Fill the factors for one marker and eliminate; returns the final factor's values."""
    n_fac = scope_ptr.size - 1
    size = np.ones(n_fac, dtype=np.int64)
    for f in range(n_fac):
        for j in range(scope_ptr[f], scope_ptr[f + 1]):
            size[f] *= dom_size[scope_vars[j]]
    offset = np.zeros(n_fac + 1, dtype=np.int64)
    for f in range(n_fac):
        offset[f + 1] = offset[f] + size[f]
    buf = np.zeros(offset[n_fac])
    n_init = fkind.size
    for f in range(n_init):
        o = offset[f]
        base = scope_ptr[f]
        kind = fkind[f]
        if kind == PRIOR:
            v = scope_vars[base]
            for i in range(dom_size[v]):
                buf[o + i] = q[dom_vals[v, i]]
        elif kind == TIE:
            # [rep = v]: a founder allele tied to its block's representative
            rv = scope_vars[base]
            tv = scope_vars[base + 1]
            dt = dom_size[tv]
            for i in range(dom_size[rv]):
                for j in range(dt):
                    buf[o + i * dt + j] = 1.0 if dom_vals[rv, i] == dom_vals[tv, j] else 0.0
        elif kind == OBSERVE:
            pv = scope_vars[base]
            mv = scope_vars[base + 1]
            person = fperson[f]
            for i in range(dom_size[pv]):
                for j in range(dom_size[mv]):
                    buf[o + i * dom_size[mv] + j] = observation_prob(
                        dom_vals[pv, i], dom_vals[mv, j], obs_kind[person], obs1[person],
                        obs2[person], dropout[person], dropin[person], pop)
        elif kind == PIN_FATHER or kind == PIN_MOTHER:
            cv = scope_vars[base]
            av = scope_vars[base + 1]
            mat = matm if kind == PIN_FATHER else matf
            da = dom_size[av]
            for ic in range(dom_size[cv]):
                x = dom_vals[cv, ic]
                for ia in range(da):
                    u = dom_vals[av, ia]
                    if has_mut:
                        buf[o + ic * da + ia] = mat[u * k + x]
                    else:
                        buf[o + ic * da + ia] = 1.0 if u == x else 0.0
        elif kind == PRESUM_FATHER or kind == PRESUM_MOTHER:
            cv = scope_vars[base]
            av = scope_vars[base + 1]
            mat = matm if kind == PRESUM_FATHER else matf
            da = dom_size[av]
            for ic in range(dom_size[cv]):
                x = dom_vals[cv, ic]
                # (qM)[x]: the founder's other allele, drawn from q, passed on.
                other = 0.0
                if has_mut:
                    for a in range(k):
                        other += q[a] * mat[a * k + x]
                else:
                    other = q[x]
                for ia in range(da):
                    u = dom_vals[av, ia]
                    own = mat[u * k + x] if has_mut else (1.0 if u == x else 0.0)
                    buf[o + ic * da + ia] = 0.5 * (own + other)
        elif kind == SPLIT_FATHER or kind == SPLIT_MOTHER:
            # scope (selector, child allele, parental allele); the selector is outermost
            cv = scope_vars[base + 1]
            av = scope_vars[base + 2]
            side = av % 2  # the selector value under which this parental allele is passed
            mat = matm if kind == SPLIT_FATHER else matf
            dc = dom_size[cv]
            da = dom_size[av]
            for chosen in range(2):
                for ic in range(dc):
                    x = dom_vals[cv, ic]
                    for ia in range(da):
                        if chosen != side:
                            val = 1.0
                        elif has_mut:
                            val = 0.5 * mat[dom_vals[av, ia] * k + x]
                        else:
                            val = 0.5 if dom_vals[av, ia] == x else 0.0
                        buf[o + (chosen * dc + ic) * da + ia] = val
        else:
            cv = scope_vars[base]
            av = scope_vars[base + 1]
            bv = scope_vars[base + 2]
            mat = matm if kind == TRANS_FATHER else matf
            da = dom_size[av]
            db = dom_size[bv]
            for ic in range(dom_size[cv]):
                x = dom_vals[cv, ic]
                for ia in range(da):
                    u = dom_vals[av, ia]
                    for ib in range(db):
                        w = dom_vals[bv, ib]
                        if has_mut:
                            val = 0.5 * (mat[u * k + x] + mat[w * k + x])
                        else:
                            val = 0.5 * ((1.0 if u == x else 0.0) + (1.0 if w == x else 0.0))
                        buf[o + (ic * da + ia) * db + ib] = val

    max_scope = 0
    for f in range(n_fac):
        max_scope = max(max_scope, scope_ptr[f + 1] - scope_ptr[f])
    max_in = 0
    for s in range(step_var.size):
        max_in = max(max_in, step_ptr[s + 1] - step_ptr[s])
    union = np.empty(max_scope + 1, dtype=np.int32)
    dims = np.empty(max_scope + 1, dtype=np.int64)
    cnt = np.empty(max_scope + 1, dtype=np.int64)
    st = np.zeros((max_in, max_scope + 1), dtype=np.int64)
    so = np.zeros(max_scope + 1, dtype=np.int64)
    idx = np.empty(max_in, dtype=np.int64)
    offs = np.empty(max_in, dtype=np.int64)

    for s in range(step_var.size):
        out = n_init + s
        v = step_var[s]
        nu = 0
        for j in range(scope_ptr[out], scope_ptr[out + 1]):
            union[nu] = scope_vars[j]
            nu += 1
        n_out = nu
        if v >= 0:
            union[nu] = v
            nu += 1
        total = 1
        for j in range(nu):
            dims[j] = dom_size[union[j]]
            total *= dims[j]
        stride = 1
        for j in range(nu - 1, -1, -1):
            so[j] = 0 if j >= n_out else stride
            if j < n_out:
                stride *= dims[j]
        n_in = step_ptr[s + 1] - step_ptr[s]
        for t in range(n_in):
            f = step_in[step_ptr[s] + t]
            offs[t] = offset[f]
            idx[t] = 0
            for j in range(nu):
                st[t, j] = 0
            fstride = 1
            for jj in range(scope_ptr[f + 1] - 1, scope_ptr[f] - 1, -1):
                var = scope_vars[jj]
                for j in range(nu):
                    if union[j] == var:
                        st[t, j] = fstride
                        break
                fstride *= dom_size[var]
        o = offset[out]
        idx_out = 0
        if nu == 0:
            prod = 1.0
            for t in range(n_in):
                prod *= buf[offs[t]]
            buf[o] = prod
            continue
        # The innermost position runs in a tight loop; it is the summed-out variable (output
        # stride 0) except in the final product.
        inner = nu - 1
        d_in = dims[inner]
        so_in = so[inner]
        for j in range(nu):
            cnt[j] = 0
        for _ in range(total // d_in):
            acc = 0.0
            for c in range(d_in):
                prod = 1.0
                for t in range(n_in):
                    prod *= buf[offs[t] + idx[t] + c * st[t, inner]]
                    if prod == 0.0:
                        break
                if so_in == 0:
                    acc += prod
                else:
                    buf[o + idx_out + c * so_in] += prod
            if so_in == 0:
                buf[o + idx_out] += acc
            j = inner - 1
            while j >= 0:
                cnt[j] += 1
                for t in range(n_in):
                    idx[t] += st[t, j]
                idx_out += so[j]
                if cnt[j] < dims[j]:
                    break
                for t in range(n_in):
                    idx[t] -= st[t, j] * dims[j]
                idx_out -= so[j] * dims[j]
                cnt[j] = 0
                j -= 1
    last = n_fac - 1
    return buf[offset[last]:offset[last + 1]].copy()


@jit
def evaluate_markers(father, mother, n_vars, fkind, fperson, scope_ptr, scope_vars, step_var,
                     step_ptr, step_in, target, people, sel, n_alleles, freq_ptr, freqs,
                     mat_ptr, mats, has_mut, lump_mode, keep_extra, obs_kind, obs1, obs2,
                     dropout, dropin, q_ptr, w_ptr, q_count, q_nodes, q_weights, post,
                     post_alleles):
    """Likelihood of the markers ``sel`` (and the target's genotype posterior if ``target >= 0``).

    Marker arrays are packed for all markers of the case; ``obs_kind/obs1/obs2`` are
    ``(markers, pedigree individuals)`` with full allele indices and ``people`` maps the plan's
    individuals to pedigree individuals. With ``q_count[r] > 0`` the likelihood of the r-th
    selected marker is the weighted sum over the frequency vectors ``q_nodes`` (the theta
    quadrature). ``post[r]`` receives the ``k x k`` ordered-genotype posterior and
    ``post_alleles[r]`` the full index of each working allele (-1 merged, -2 past ``k``).
    """
    n_people = father.size
    nvar = n_vars
    result = np.empty(sel.size)
    for r in range(sel.size):
        m = sel[r]
        n = n_alleles[m]
        freq = freqs[freq_ptr[m]:freq_ptr[m] + n]
        nn = n * n if has_mut[m] else 0
        matf = mats[mat_ptr[m]:mat_ptr[m] + nn]
        matm = mats[mat_ptr[m] + nn:mat_ptr[m] + 2 * nn]
        seen = np.zeros(n, dtype=np.bool_)
        for i in range(n_people):
            g = people[i]
            if obs_kind[m, g] != OBS_NONE:
                seen[obs1[m, g]] = True
                if obs2[m, g] >= 0:
                    seen[obs2[m, g]] = True
        keep = seen | keep_extra[r, :n]
        k, alleles, lf, lmf, lmm = lump_marker(n, _complete_to_one(freq, seen), matf, matm,
                                               has_mut[m], lump_mode[m], keep)
        to_work = np.full(n, k - 1, dtype=np.int32)
        for i in range(k):
            if alleles[i] >= 0:
                to_work[alleles[i]] = i
        o1 = np.full(n_people, -1, dtype=np.int32)
        o2 = np.full(n_people, -1, dtype=np.int32)
        okind = np.zeros(n_people, dtype=np.int32)
        drop = np.zeros(n_people)
        din = np.zeros(n_people)
        dom_size = np.full(nvar, k, dtype=np.int64)
        dom_vals = np.empty((nvar, max(k, 2)), dtype=np.int32)
        for v in range(nvar):
            for a in range(max(k, 2)):
                dom_vals[v, a] = a
        for v in range(2 * n_people, nvar):  # selectors: which parental allele was passed
            dom_size[v] = 2
        for i in range(n_people):
            g = people[i]
            kind = obs_kind[m, g]
            drop[i] = dropout[g]
            din[i] = dropin[g]
            okind[i] = kind
            if kind == OBS_NONE:
                continue
            o1[i] = to_work[obs1[m, g]]
            o2[i] = to_work[obs2[m, g]] if obs2[m, g] >= 0 else -1
            if kind == OBS_SET and drop[i] == 0.0 and din[i] == 0.0:
                a, b = min(o1[i], o2[i]), max(o1[i], o2[i])
                for v in (2 * i, 2 * i + 1):
                    dom_vals[v, 0] = a
                    dom_vals[v, 1] = b
                    dom_size[v] = 1 if a == b else 2
        nq = q_count[r]
        if nq == 0:
            vals = _run_plan(father, fkind, fperson, scope_ptr, scope_vars, step_var, step_ptr,
                             step_in, k, lf, lmf, lmm, has_mut[m], dom_size, dom_vals,
                             okind, o1, o2, drop, din, lf)
        else:
            vals = np.zeros(1)
            for j in range(nq):
                q = q_nodes[q_ptr[r] + j * k:q_ptr[r] + (j + 1) * k]
                part = _run_plan(father, fkind, fperson, scope_ptr, scope_vars, step_var,
                                 step_ptr, step_in, k, q, lmf, lmm, has_mut[m], dom_size,
                                 dom_vals, okind, o1, o2, drop, din, lf)
                if j == 0:
                    vals = part * q_weights[w_ptr[r] + j]
                else:
                    vals += part * q_weights[w_ptr[r] + j]
        if target < 0:
            result[r] = vals[0]
        else:
            pv = 2 * target
            mv = pv + 1
            total = 0.0
            for i in range(dom_size[pv]):
                for j in range(dom_size[mv]):
                    total += vals[i * dom_size[mv] + j]
            result[r] = total
            for a in range(post.shape[1]):
                post[r, a] = 0.0
            for i in range(dom_size[pv]):
                for j in range(dom_size[mv]):
                    post[r, dom_vals[pv, i] * k + dom_vals[mv, j]] = (
                        vals[i * dom_size[mv] + j] / total if total > 0 else 0.0)
            for a in range(post_alleles.shape[1]):
                post_alleles[r, a] = alleles[a] if a < k else -2
    return result
