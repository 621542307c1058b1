"""Joint posteriors of "body s is missing person m" under a one-to-one constraint.

Each body takes one hypothesis: a registered missing person m (weight ``w_sm = LR_sm``, the
prior of each missing person being the unit) or "free" (weight ``f_s``: someone outside the
register, an unregistered relative of a family, or a missing person too weak to list; see
``docs/decisions.md``). No missing person is two bodies. An assignment ``a`` has the
posterior

    P(a) ∝ Π_{s taking m} w_sm · Π_{s free} f_s,

and ``P(s = m)`` sums it over the assignments that contain the pair. A body therefore
competes in its row (other missing persons, the relatives, the open set) and in its column
(other bodies that could be m): two bodies with the same LR for one missing person share it.

How it is computed. Pairs far weaker than their body's free weight (``w_sm < c f_s``) are
*folded* into it: they stay in the body's row but leave the column constraint. The other
pairs split into connected components, each enumerated exactly; where a component has more
than ``exact_limit`` assignments, ``c`` is raised for that component (x100 at a time, up to
:data:`FOLD_MAX`) until its pieces are small enough. Folding can only overstate a pair's
posterior by the chance that a folded pair touching its component is taken, which is at most
``r_e = w_e / f_s`` for each (the free option is always open to its body); the reported
posterior subtracts that sum. A second lower bound holds exactly for every pair, from the
identity

    P(s = m) = w_sm (1 - q_m) / (w_sm (1 - q_m) + f_s + Σ_{h≠m} w_sh (1 - q_h)),

``q_h`` the chance that h is taken by another body when s is left out, with
``q_m <= Q_m``, a sum over the other bodies of a bound of their chance to take m (the same
identity applied to them, see ``_second_bound``): ``P(s = m) >= w_sm (1 - Q_m)⁺ /
(w_sm (1 - Q_m)⁺ + f_s + Σ_{h≠m} w_sh)``. The posterior reported is the larger of the two
lower bounds, so it never exceeds the exact joint posterior of the model (``exact`` tells
where it is that posterior, to rounding). Everything is in natural logarithms: LRs of 1e300
and more are safe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

#: Components with at most this many assignments are enumerated exactly.
EXACT_LIMIT = 20_000
#: First folding fraction ``c``: a pair below ``c f_s`` leaves the column constraint. Its own
#: posterior is then below ``c``, and so is its effect on any other pair.
FOLD_BELOW = 1e-6
#: Largest folding fraction tried before a component is left to the second bound alone.
FOLD_MAX = 1e-1


@dataclass
class MatchingPosteriors:
    """Output of :func:`matching_posteriors`.

    Attributes
    ----------
    p_edge : numpy.ndarray
        Per input pair: the posterior of "body takes missing person", a lower bound of the
        exact joint posterior (equal to it, to rounding, where ``exact``).
    p_free : numpy.ndarray
        P(body is free) per body: the folded model's value, or the body's row alone where it
        is in no enumerated piece (an approximation, used for the relatives and the open
        set, never for an identification).
    exact : numpy.ndarray of bool
        Per pair: enumerated exactly at :data:`FOLD_BELOW` (its posterior is then exact
        within ``FOLD_BELOW`` times the folded pairs around it).
    component : numpy.ndarray of int
        Component label of every body (at :data:`FOLD_BELOW`).
    """

    p_edge: np.ndarray
    p_free: np.ndarray
    exact: np.ndarray
    component: np.ndarray


def matching_posteriors(n_bodies: int, n_missing: int, body: np.ndarray, missing: np.ndarray,
                        log_w: np.ndarray, log_free: np.ndarray, *,
                        exact_limit: int = EXACT_LIMIT, fold_below: float = FOLD_BELOW,
                        fold_max: float = FOLD_MAX) -> MatchingPosteriors:
    """Posterior of each candidate pair under the one-to-one model (see the module doc).

    Parameters
    ----------
    n_bodies, n_missing : int
    body, missing : arrays of int
        The candidate pairs; a pair listed twice is an error.
    log_w : array of float
        Natural log of each pair's weight (its LR; ``-inf`` for an impossible pair).
    log_free : array of float
        Natural log of each body's "free" weight (finite).
    exact_limit : int
        Components with at most this many assignments are enumerated exactly.
    fold_below, fold_max : float
        First and last folding fractions (:data:`FOLD_BELOW`, :data:`FOLD_MAX`); 0 folds
        nothing (every component enumerated, however large).
    """
    body = np.asarray(body, dtype=np.int64)
    missing = np.asarray(missing, dtype=np.int64)
    log_w = np.asarray(log_w, dtype=np.float64)
    log_free = np.asarray(log_free, dtype=np.float64)
    if not np.all(np.isfinite(log_free)):
        raise ValueError("every body needs a finite free weight")
    if len(set(zip(body.tolist(), missing.tolist()))) != body.size:
        raise ValueError("a pair is listed twice")
    n_e = body.size
    possible = np.isfinite(log_w)
    ratio = np.where(possible, np.exp(np.minimum(log_w - log_free[body], 700.0)), 0.0)
    # Pairs outside every enumerated piece (folded, or in a piece too large) get the second
    # bound alone; the free probability of a body outside every piece is its row's.
    row = np.ones(n_bodies)
    np.add.at(row, body, ratio)
    p_fold = np.zeros(n_e)
    p_free = 1.0 / row
    corr = np.ones(n_e)
    exact = np.zeros(n_e, dtype=bool)
    label = _components(n_bodies, body, missing, possible & (ratio >= fold_below))
    # Pairs around each body and missing person, found once (not by a pass over every pair
    # for every piece: that grew with pieces x pairs).
    by_body = _incident_pairs(body, n_bodies)
    by_missing = _incident_pairs(missing, int(missing.max(initial=-1)) + 1)
    pending = [(np.flatnonzero(possible & (label[body] == c)), fold_below)
               for c in np.unique(label[body[possible]])]
    while pending:
        edges, c = pending.pop()
        strong = edges[ratio[edges] >= c] if c > 0 else edges
        if strong.size == 0:
            continue
        sub = _pair_components(body[strong], missing[strong])
        for piece in np.unique(sub):
            es = strong[sub == piece]
            if c > 0 and _count_limited(body[es], missing[es], exact_limit) > exact_limit:
                if c * 10 <= fold_max:
                    pending.append((es, c * 10))
                continue
            bodies = np.unique(body[es])
            mps = np.unique(missing[es])
            # The weaker pairs of the piece's bodies and missing persons, in pair order.
            of_bodies = _pairs_around(by_body, bodies)
            near = np.union1d(of_bodies, _pairs_around(by_missing, mps))
            folded = near[possible[near] & (ratio[near] < c)]
            free = log_free.copy()
            for e in of_bodies[possible[of_bodies] & (ratio[of_bodies] < c)]:
                free[body[e]] = np.logaddexp(free[body[e]], log_w[e])
            pe, pf = _enumerate(body[es], missing[es], log_w[es], free, bodies)
            p_fold[es] = pe
            # Free options hold the folded pairs of their bodies: split them by weight.
            share = np.exp(log_free[bodies] - free[bodies])
            p_free[bodies] = pf * share
            corr[es] = min(1.0, float(ratio[folded].sum()))
            exact[es] = c <= fold_below
    p_edge = np.maximum(p_fold - corr, _second_bound(body, missing, log_w, log_free, ratio))
    p_edge[~possible] = 0.0
    return MatchingPosteriors(np.clip(p_edge, 0.0, 1.0), p_free, exact & possible,
                              label[:n_bodies])


def _incident_pairs(node: np.ndarray, n_nodes: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of every node (body or missing person: ``node[e]`` is pair e's) as
    compressed rows: node k's pairs are ``order[ptr[k]:ptr[k + 1]]``, in pair order."""
    order = np.argsort(node, kind="stable").astype(np.int64)
    ptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(np.bincount(node, minlength=n_nodes), out=ptr[1:])
    return ptr, order


def _pairs_around(incident: tuple[np.ndarray, np.ndarray], nodes: np.ndarray) -> np.ndarray:
    """The pairs of ``nodes`` (distinct), ascending: ``np.flatnonzero(np.isin(node,
    nodes))`` without a pass over every pair."""
    ptr, order = incident
    parts = [order[ptr[k]:ptr[k + 1]] for k in nodes.tolist()]
    return np.sort(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.int64)


def _components(n_bodies: int, body: np.ndarray, missing: np.ndarray,
                keep: np.ndarray) -> np.ndarray:
    """Component label of every body and missing person (missing persons after bodies)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n_m = int(missing.max(initial=-1)) + 1
    graph = coo_matrix((np.ones(int(keep.sum())), (body[keep], n_bodies + missing[keep])),
                       shape=(n_bodies + n_m,) * 2)
    return connected_components(graph, directed=False)[1]


def _pair_components(body: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Component label of each pair in the graph of these pairs alone (nodes renumbered to
    the pieces' own bodies and missing persons, so the cost follows the pairs, not the
    programme), numbered in order of each component's lowest body, as :func:`_components`
    numbers them."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    bodies, b = np.unique(body, return_inverse=True)
    persons, m = np.unique(missing, return_inverse=True)
    n = bodies.size + persons.size
    graph = coo_matrix((np.ones(body.size), (b, bodies.size + m)), shape=(n, n))
    return connected_components(graph, directed=False)[1][b]


def _second_bound(body: np.ndarray, missing: np.ndarray, log_w: np.ndarray,
                  log_free: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """``w (1 - Q)⁺ / (w (1 - Q)⁺ + f + Σ_{h≠m} w_h)`` for every pair (module doc).

    ``Q_m = Σ_{s'≠s} u_s'm`` bounds the chance that another body takes m, with ``u_s'm``
    an upper bound of the chance that s' takes m when s is left out. From the same identity
    applied to s', ``u_s'm = w_s'm / (w_s'm + f_s' + Σ_{h≠m} w_s'h (1 - Q'_h)⁺)``, where
    ``Q'_h = Σ_{s''∉{s,s'}} w_s''h / f_s''`` bounds the competition s' meets elsewhere: a
    rival that is surely someone else hardly competes. Sums that leave terms out are taken
    over the other terms (never a total minus a term, which cancels next to an LR of 1e16).
    Computed by :func:`~forensic_match.decide._posterior_numba.second_bound` (compensated
    sums; the plain-Python definition is ``tests/oracle.py``'s ``second_bound``).
    """
    from forensic_match.decide._posterior_numba import second_bound

    finite = np.flatnonzero(np.isfinite(log_w))
    if finite.size == 0:
        return np.zeros(body.size)

    def compressed(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        order = finite[np.argsort(index[finite], kind="stable")]
        ptr = np.zeros(int(index.max()) + 2, dtype=np.int64)
        np.cumsum(np.bincount(index[finite], minlength=ptr.size - 1), out=ptr[1:])
        return ptr, order.astype(np.int64)

    col_ptr, col_edges = compressed(missing)
    row_ptr, row_edges = compressed(body)
    return second_bound(body, missing, log_w, log_free, ratio, col_ptr, col_edges,
                        row_ptr, row_edges)


#: Margin for rounding in the second bound: chances of a missing person being free that are
#: within this of 0 count as 0 (the bound must never exceed the exact value).
SLACK = 1e-13


def _adjacency(body: np.ndarray, missing: np.ndarray) -> dict[int, list[tuple[int, int]]]:
    adj: dict[int, list[tuple[int, int]]] = {}
    for e, (s, m) in enumerate(zip(body.tolist(), missing.tolist())):
        adj.setdefault(s, []).append((m, e))
    return adj


def _count_limited(body: np.ndarray, missing: np.ndarray, limit: int) -> int:
    """Number of assignments of a component, counted up to ``limit + 1``."""
    adj = _adjacency(body, missing)
    if 2 ** min(len(adj), 64) > limit:  # each body can at least be free or take one pair
        return limit + 1
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
    """Exact posteriors by listing every assignment of one component: per pair, and per body
    (in ``bodies`` order) of being free."""
    adj = _adjacency(body, missing)
    order = [int(s) for s in bodies]
    leaves: list[tuple[float, tuple[int, ...]]] = []
    used: set[int] = set()
    chosen: list[int] = []

    def visit(i: int, acc: float) -> None:
        if i == len(order):
            leaves.append((acc, tuple(chosen)))
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
    shift = max(acc for acc, _ in leaves)
    num_e = np.zeros(body.size)
    num_f = np.zeros(len(order))
    for acc, picks in leaves:
        w = math.exp(acc - shift)
        for k, e in enumerate(picks):
            if e < 0:
                num_f[k] += w
            else:
                num_e[e] += w
    total = math.fsum(math.exp(acc - shift) for acc, _ in leaves)
    return num_e / total, num_f / total


def posterior_text(p: float) -> str:
    """A posterior as text with six decimals, never rounded up to certainty: one within
    5e-7 of 1 (which ``f"{p:.6f}"`` shows as ``1.000000``) is written ``1 - 2.8e-07``, so a
    reason or listing never says 1 where the report says 99.999972 % (an outside check,
    2026-12-07).

    Examples
    --------
    >>> posterior_text(0.9995), posterior_text(0.99999972), posterior_text(1.0)
    ('0.999500', '1 - 2.8e-07', '1.000000')
    """
    text = f"{p:.6f}"
    if text == "1.000000" and p < 1.0:
        return f"1 - {1.0 - p:.2g}"
    return text


__all__ = ["EXACT_LIMIT", "FOLD_BELOW", "FOLD_MAX", "MatchingPosteriors", "posterior_text",
           "matching_posteriors"]
