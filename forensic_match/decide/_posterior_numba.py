"""Numba kernel of the second lower bound of :mod:`forensic_match.decide.posterior`.

The bound's nested sums (for each pair, each rival in its column, each other pair of the
rival's body, each body in that pair's column) are a few hundred million additions at
programme scale: plain Python spent most of an identification there. The kernel does the same
sums, term for term, with compensated (Neumaier) summation in place of ``math.fsum``; the
plain-Python definition is the oracle in ``tests/oracle.py``.

Pairs are given as compressed rows and columns: ``col_ptr``/``col_edges`` list each missing
person's pairs, ``row_ptr``/``row_edges`` each body's, both in increasing pair order.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: Margin for rounding (``posterior.SLACK``, repeated here so the kernel takes no globals
#: from the caller's module).
SLACK = 1e-13


@njit(cache=True, inline="always")
def _add(total: float, comp: float, v: float) -> tuple[float, float]:  # pragma: no cover
    """One step of Neumaier's compensated sum: ``(total, compensation)`` after adding v
    (the sum is ``total + compensation``)."""
    t = total + v
    if abs(total) >= abs(v):
        comp += (total - t) + v
    else:
        comp += (v - t) + total
    return t, comp


@njit(cache=True)
def _lse(buf: np.ndarray, n: int) -> float:  # pragma: no cover - compiled
    """log Σ exp(buf[:n]) (``-inf`` when every term is)."""
    hi = -np.inf
    for k in range(n):
        if buf[k] > hi:
            hi = buf[k]
    if hi == -np.inf:
        return hi
    total = 0.0
    comp = 0.0
    for k in range(n):
        total, comp = _add(total, comp, math.exp(buf[k] - hi))
    return hi + math.log(total + comp)


@njit(cache=True)
def _rival(x: int, s: int, body: np.ndarray, missing: np.ndarray, log_w: np.ndarray,
           log_free: np.ndarray, ratio: np.ndarray, col_ptr: np.ndarray,
           col_edges: np.ndarray, row_ptr: np.ndarray, row_edges: np.ndarray,
           buf: np.ndarray) -> tuple[float, float]:  # pragma: no cover - compiled
    """Upper bound of P(the body of pair x takes its missing person) with body s left out,
    and the log of one minus it."""
    s2 = body[x]
    n = 0
    buf[n] = log_free[s2]
    n += 1
    for k in range(row_ptr[s2], row_ptr[s2 + 1]):
        y = row_edges[k]
        if y == x:
            continue
        m = missing[y]
        q = 0.0
        comp = 0.0
        for j in range(col_ptr[m], col_ptr[m + 1]):
            z = col_edges[j]
            b = body[z]
            if b == s or b == s2:
                continue
            q, comp = _add(q, comp, ratio[z])
        q += comp
        if q < 1.0 - SLACK:
            buf[n] = log_w[y] + math.log1p(-q - SLACK)
            n += 1
    rest = _lse(buf, n)
    buf[n] = log_w[x]
    total = _lse(buf, n + 1)
    return math.exp(log_w[x] - total), rest - total


@njit(cache=True)
def second_bound(body: np.ndarray, missing: np.ndarray, log_w: np.ndarray,
                 log_free: np.ndarray, ratio: np.ndarray, col_ptr: np.ndarray,
                 col_edges: np.ndarray, row_ptr: np.ndarray,
                 row_edges: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """The second lower bound of every pair listed in the columns (others stay 0)."""
    out = np.zeros(body.size)
    max_row = 0
    for s in range(row_ptr.size - 1):
        max_row = max(max_row, row_ptr[s + 1] - row_ptr[s])
    max_col = 0
    for m in range(col_ptr.size - 1):
        max_col = max(max_col, col_ptr[m + 1] - col_ptr[m])
    buf = np.empty(max_row + 2)
    us = np.empty(max_col)
    ls = np.empty(max_col)
    for m in range(col_ptr.size - 1):
        for ie in range(col_ptr[m], col_ptr[m + 1]):
            e = col_edges[ie]
            s = body[e]
            n_r = 0
            best = -1
            for ix in range(col_ptr[m], col_ptr[m + 1]):
                x = col_edges[ix]
                if x == e:
                    continue
                u, lu = _rival(x, s, body, missing, log_w, log_free, ratio, col_ptr,
                               col_edges, row_ptr, row_edges, buf)
                us[n_r] = u
                ls[n_r] = lu
                if best < 0 or u > us[best] or (u == us[best] and lu > ls[best]):
                    best = n_r
                n_r += 1
            if n_r > 0:
                others = 0.0
                comp = 0.0
                for k in range(n_r):
                    if k == best:
                        continue
                    others, comp = _add(others, comp, us[k])
                free_m = (math.exp(ls[best]) - (others + comp)) - SLACK
            else:
                free_m = 1.0
            if free_m <= 0.0:
                continue
            n = 0
            buf[n] = log_w[e] + math.log(min(1.0, free_m))
            buf[n + 1] = log_free[s]
            n = 2
            for k in range(row_ptr[s], row_ptr[s + 1]):
                x = row_edges[k]
                if x != e:
                    buf[n] = log_w[x]
                    n += 1
            out[e] = math.exp(buf[0] - _lse(buf, n))
    return out
