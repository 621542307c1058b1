"""Numba kernel of the joint posteriors: sum-product belief propagation on a one-to-one
matching of bodies to missing persons. Plain arrays only; natural logarithms."""

from __future__ import annotations

import numpy as np

from forensic_match.accelerate import jit


@jit
def _lse_excluding(x, out):
    """out[i] = log Σ_{j≠i} exp(x[j]) (``-inf`` for a single term), without cancellation."""
    k = x.shape[0]
    pre = np.empty(k + 1)
    suf = np.empty(k + 1)
    pre[0] = -np.inf
    suf[k] = -np.inf
    for i in range(k):
        a, b = pre[i], x[i]
        hi = max(a, b)
        pre[i + 1] = hi if hi == -np.inf else hi + np.log(np.exp(a - hi) + np.exp(b - hi))
    for i in range(k - 1, -1, -1):
        a, b = suf[i + 1], x[i]
        hi = max(a, b)
        suf[i] = hi if hi == -np.inf else hi + np.log(np.exp(a - hi) + np.exp(b - hi))
    for i in range(k):
        a, b = pre[i], suf[i + 1]
        hi = max(a, b)
        out[i] = hi if hi == -np.inf else hi + np.log(np.exp(a - hi) + np.exp(b - hi))


@jit
def _lse(x):
    hi = -np.inf
    for v in x:
        hi = max(hi, v)
    if hi == -np.inf:
        return hi
    t = 0.0
    for v in x:
        t += np.exp(v - hi)
    return hi + np.log(t)


@jit
def matching_bp(s_ptr, s_edge, m_ptr, m_edge, log_w, log_free, max_iter, damping, tol,
                log_nu):
    """Sum-product messages for: each body takes one of its edges or "free" (weight
    ``exp(log_free[s])``), each missing person at most one body.

    Edges are listed twice in CSR form: ``s_edge[s_ptr[s]:s_ptr[s+1]]`` the edges of body s,
    ``m_edge[m_ptr[m]:m_ptr[m+1]]`` those of missing person m. ``log_nu[e]`` (in/out) is the
    message from m's constraint to body s, as the log of the ratio of "s takes m" to "s does
    not". Returns the number of iterations run (``max_iter + 1`` if not converged).
    """
    n_s = s_ptr.shape[0] - 1
    n_m = m_ptr.shape[0] - 1
    n_e = log_w.shape[0]
    log_r = np.empty(n_e)
    for it in range(max_iter):
        for s in range(n_s):
            a, b = s_ptr[s], s_ptr[s + 1]
            k = b - a
            if k == 0:
                continue
            terms = np.empty(k + 1)
            terms[0] = log_free[s]
            for i in range(k):
                e = s_edge[a + i]
                terms[i + 1] = log_w[e] + log_nu[e]
            rest = np.empty(k + 1)
            _lse_excluding(terms, rest)
            for i in range(k):
                e = s_edge[a + i]
                log_r[e] = log_w[e] - rest[i + 1]
        change = 0.0
        for m in range(n_m):
            a, b = m_ptr[m], m_ptr[m + 1]
            k = b - a
            terms = np.empty(k + 1)
            terms[0] = 0.0
            for i in range(k):
                terms[i + 1] = log_r[m_edge[a + i]]
            rest = np.empty(k + 1)
            _lse_excluding(terms, rest)
            for i in range(k):
                e = m_edge[a + i]
                new = -rest[i + 1]
                new = (1.0 - damping) * new + damping * log_nu[e]
                change = max(change, abs(new - log_nu[e]))
                log_nu[e] = new
        if change < tol:
            return it + 1
    return max_iter + 1


@jit
def beliefs(s_ptr, s_edge, log_w, log_free, log_nu, p_edge, p_free):
    """P(body s takes edge e) and P(body s is free) from converged messages."""
    n_s = s_ptr.shape[0] - 1
    for s in range(n_s):
        a, b = s_ptr[s], s_ptr[s + 1]
        k = b - a
        terms = np.empty(k + 1)
        terms[0] = log_free[s]
        for i in range(k):
            e = s_edge[a + i]
            terms[i + 1] = log_w[e] + log_nu[e]
        z = _lse(terms)
        p_free[s] = np.exp(terms[0] - z)
        for i in range(k):
            p_edge[s_edge[a + i]] = np.exp(terms[i + 1] - z)
