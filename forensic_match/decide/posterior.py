"""Joint posteriors of "body s is missing person m" under a one-to-one constraint.

Each body takes one hypothesis: a registered missing person m (weight ``LR_sm``, the prior
of each missing person being the unit) or "free" (weight ``f_s``: someone outside the
register, an unregistered relative of a family, or a missing person too weak to list; see
``docs/decisions.md``). No missing person is two bodies. An assignment ``a`` has the
posterior

    P(a) ∝ Π_{s taking m} LR_sm · Π_{s free} f_s,

and ``P(s = m)`` sums it over the assignments that contain the pair. A body therefore
competes in its row (other missing persons, the relatives, the open set) and in its column
(other bodies that could be m): two bodies with the same LR for one missing person share it.

Computed per connected component of the candidate graph: exactly by enumeration when the
component has at most ``exact_limit`` assignments, otherwise by sum-product belief
propagation on the matching (exact on components without cycles; on others the Bethe
approximation, which Huang & Jebara 2009 and Vontobel 2013 show close to the permanent the
exact sum is). Everything is in natural logarithms so that LRs of 1e300 and more are safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Components with at most this many assignments are enumerated exactly.
EXACT_LIMIT = 20_000
#: A pair whose posterior within its body's row alone (no column competition) is below this
#: is folded into the body's free weight: it takes part in its row but not in the column
#: constraint. A body of one column then loses at most this much per folded competitor;
#: this keeps the components small (a family's bodies and missing persons) and exact.
FOLD_BELOW = 1e-6
#: Belief propagation: iterations, damping of the messages (log domain), tolerance.
BP_MAX_ITER = 500
BP_DAMPING = 0.3
BP_TOL = 1e-10


@dataclass
class MatchingPosteriors:
    """Output of :func:`matching_posteriors`.

    Attributes
    ----------
    p_edge : numpy.ndarray
        P(body takes missing person) per input edge.
    p_free : numpy.ndarray
        P(body is free) per body.
    exact : numpy.ndarray of bool
        Per body: whether its component was enumerated exactly (else belief propagation).
    component : numpy.ndarray of int
        Component label of every body.
    """

    p_edge: np.ndarray
    p_free: np.ndarray
    exact: np.ndarray
    component: np.ndarray


def matching_posteriors(n_bodies: int, n_missing: int, body: np.ndarray, missing: np.ndarray,
                        log_w: np.ndarray, log_free: np.ndarray, *,
                        exact_limit: int = EXACT_LIMIT, fold_below: float = FOLD_BELOW,
                        ) -> MatchingPosteriors:
    """Posterior of each candidate pair under the one-to-one model (see the module doc).

    Parameters
    ----------
    n_bodies, n_missing : int
    body, missing : arrays of int
        The candidate pairs (edges); a pair listed twice is an error.
    log_w : array of float
        Natural log of each pair's weight (its LR; ``-inf`` for an impossible pair).
    log_free : array of float
        Natural log of each body's "free" weight (finite).
    exact_limit : int
        Components with at most this many assignments are enumerated exactly.
    fold_below : float
        Pairs whose row-only posterior is below this are folded into the free weight
        (:data:`FOLD_BELOW`); 0 keeps every pair in the column constraint.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    body = np.asarray(body, dtype=np.int64)
    missing = np.asarray(missing, dtype=np.int64)
    log_w = np.asarray(log_w, dtype=np.float64)
    log_free = np.asarray(log_free, dtype=np.float64)
    if not np.all(np.isfinite(log_free)):
        raise ValueError("every body needs a finite free weight")
    n_e = body.size
    # Row-only posterior of each pair: weight over its body's free weight plus its whole row.
    row = log_free.copy()
    for e in np.flatnonzero(np.isfinite(log_w)):
        row[body[e]] = np.logaddexp(row[body[e]], log_w[e])
    weak = np.isfinite(log_w) & (log_w - row[body] < math.log(fold_below)) \
        if fold_below > 0 else np.zeros(n_e, dtype=bool)
    keep = np.isfinite(log_w) & ~weak
    free = log_free.copy()
    for e in np.flatnonzero(weak):
        free[body[e]] = np.logaddexp(free[body[e]], log_w[e])
    graph = coo_matrix((np.ones(int(keep.sum())), (body[keep], n_bodies + missing[keep])),
                       shape=(n_bodies + n_missing,) * 2)
    _, label = connected_components(graph, directed=False)
    p_edge = np.zeros(n_e)
    p_free = np.ones(n_bodies)
    exact = np.ones(n_bodies, dtype=bool)
    by_comp: dict[int, list[int]] = {}
    for e in np.flatnonzero(keep):
        by_comp.setdefault(int(label[body[e]]), []).append(int(e))
    for edges in by_comp.values():
        es = np.array(edges, dtype=np.int64)
        bodies = np.unique(body[es])
        if _count_limited(body[es], missing[es], exact_limit) <= exact_limit:
            pe, pf = _enumerate(body[es], missing[es], log_w[es], free, bodies)
        else:
            pe, pf = _propagate(body[es], missing[es], log_w[es], free, bodies)
            exact[bodies] = False
        p_edge[es] = pe
        p_free[bodies] = pf
    # The free option of a body holds its folded pairs: split it by weight.
    for e in np.flatnonzero(weak):
        s = body[e]
        p_edge[e] = p_free[s] * math.exp(log_w[e] - free[s])
    folded = np.isfinite(free) & (free > log_free)
    p_free[folded] *= np.exp(log_free[folded] - free[folded])
    return MatchingPosteriors(p_edge, p_free, exact, label[:n_bodies])


def _adjacency(body: np.ndarray, missing: np.ndarray) -> dict[int, list[tuple[int, int]]]:
    adj: dict[int, list[tuple[int, int]]] = {}
    for e, (s, m) in enumerate(zip(body.tolist(), missing.tolist())):
        adj.setdefault(s, []).append((m, e))
    return adj


def _count_limited(body: np.ndarray, missing: np.ndarray, limit: int) -> int:
    """Number of assignments of a component, counted up to ``limit + 1``."""
    adj = _adjacency(body, missing)
    order = sorted(adj)
    count = 0
    used: set[int] = set()

    def visit(i: int) -> None:
        nonlocal count
        if count > limit:
            return
        if i == len(order):
            count += 1
            return
        visit(i + 1)
        for m, _ in adj[order[i]]:
            if m not in used:
                used.add(m)
                visit(i + 1)
                used.discard(m)

    visit(0)
    return count


def _enumerate(body: np.ndarray, missing: np.ndarray, log_w: np.ndarray,
               log_free: np.ndarray, bodies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exact posteriors by listing every assignment of one component."""
    adj = _adjacency(body, missing)
    order = [int(s) for s in bodies]
    # Scale: every assignment's log weight is at most the sum of the bodies' best options.
    shift = sum(max(log_free[s], max(log_w[e] for _, e in adj[s])) for s in order)
    num_e = np.zeros(body.size)
    num_f = np.zeros(len(order))
    total = 0.0
    used: set[int] = set()
    chosen: list[int] = []

    def visit(i: int, acc: float) -> None:
        nonlocal total
        if i == len(order):
            w = math.exp(acc - shift)
            total += w
            for k, e in enumerate(chosen):
                if e < 0:
                    num_f[k] += w
                else:
                    num_e[e] += w
            return
        s = order[i]
        chosen.append(-1)
        visit(i + 1, acc + log_free[s])
        chosen.pop()
        for m, e in adj[s]:
            if m not in used:
                used.add(m)
                chosen.append(e)
                visit(i + 1, acc + log_w[e])
                chosen.pop()
                used.discard(m)

    visit(0, 0.0)
    return num_e / total, num_f / total


def _propagate(body: np.ndarray, missing: np.ndarray, log_w: np.ndarray,
               log_free: np.ndarray, bodies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Belief-propagation posteriors of one component (``_posterior_numba``)."""
    from forensic_match.decide._posterior_numba import beliefs, matching_bp

    s_local = np.searchsorted(bodies, body)
    m_ids, m_local = np.unique(missing, return_inverse=True)
    n_s, n_m = bodies.size, m_ids.size
    s_edge = np.argsort(s_local, kind="stable").astype(np.int64)
    m_edge = np.argsort(m_local, kind="stable").astype(np.int64)
    s_ptr = np.concatenate([[0], np.cumsum(np.bincount(s_local, minlength=n_s))]).astype(
        np.int64)
    m_ptr = np.concatenate([[0], np.cumsum(np.bincount(m_local, minlength=n_m))]).astype(
        np.int64)
    lf = log_free[bodies].astype(np.float64)
    log_nu = np.zeros(body.size)
    matching_bp(s_ptr, s_edge, m_ptr, m_edge, log_w, lf, BP_MAX_ITER, BP_DAMPING, BP_TOL,
                log_nu)
    p_edge = np.zeros(body.size)
    p_free = np.zeros(n_s)
    beliefs(s_ptr, s_edge, log_w, lf, log_nu, p_edge, p_free)
    return p_edge, p_free


__all__ = ["EXACT_LIMIT", "MatchingPosteriors", "matching_posteriors"]
