"""Numba kernels of the elimination plans: the factors of a pedigree and their elimination
order (greedy, or the cheapest by a search over subsets where the greedy one costs). Plain
arrays in, plain arrays out; ``_plan.build_plan`` decides pinning, splits and ties and wraps
the result in a ``Plan``.

The pure-Python statement of the same plans with the min-weight greedy order, kept as the
oracle, is ``tests/test_plan_kernel.py::reference_build_plan``; the search is checked against
every permutation in ``tests/test_plan_order.py``. Nothing here is public API.
"""

from __future__ import annotations

import numpy as np

from forensic_match.accelerate import jit

PRIOR, TRANS_FATHER, OBSERVE, PIN_FATHER, SPLIT_FATHER, PRESUM_FATHER = 0, 1, 3, 4, 6, 8
TIE = 10  # the *_MOTHER kinds are the *_FATHER ones plus 1, as in ``_plan``


@jit
def assemble(father, mother, typed, target, small, pin, presum, split, flat, tied, urn,
             typed_domain, untyped_domain, selector_domain, search_limit, search_ratio):
    """The factors of one pedigree likelihood and their elimination (``_plan._assemble``).

    Parameters
    ----------
    father, mother : int32[n]
        Local parent indices of the kept individuals (-1 for a founder).
    typed : int8[n]
    target : int
        Local index of the individual whose alleles are kept, or -1.
    small : bool[n]
        Individuals whose allele variables have at most two values.
    pin, presum, split : int32[n]
        Per individual, the child pinned to its first allele, the child with its second
        allele summed out, the child whose transmission is split (-1: none).
    flat : bool[n]
        Founders without a prior factor (urn mode, genotype known exactly).
    tied : int32[2 n]
        Per allele variable, the first of its tie block if it is tied to it, else -1.
    urn : bool
        Leave out the founder allele variables that meet nothing but their prior, and list
        the urn's free draws.
    typed_domain, untyped_domain, selector_domain : float
        Domain sizes assumed for the order (powers of two).
    search_limit, search_ratio : int, float
        0: the reference plan (tie factors, the min-weight greedy order). Else tied founder
        alleles substituted (:func:`_substitute_ties`), the cheapest (at the assumed sizes)
        of three greedy orders (:func:`eliminate`'s two rules, and min-weight with the
        untyped variables' size doubled), and, when there are at most ``search_limit``
        variables to sum out and that order's estimated cost exceeds
        ``search_ratio * k 2^k``, the order of least estimated cost (:func:`best_order`)
        if cheaper still.

    Returns
    -------
    kinds, persons : int32 arrays
        Kind and individual of each initial factor.
    scope_ptr, scope_vars, step_var, step_ptr, step_in : int32 arrays
        As :func:`eliminate`.
    n_vars : int
    free : int32 array
        With ``urn``, the founder allele variables left to the urn (else empty).
    total : float
        The plan's estimated cost.
    """
    n = father.size
    cap = 5 * n + 1  # a non-founder has at most four transmission factors and an observation
    kinds = np.empty(cap, dtype=np.int32)
    persons = np.empty(cap, dtype=np.int32)
    sptr = np.zeros(cap + 1, dtype=np.int32)
    svars = np.empty(3 * cap, dtype=np.int32)
    nf = 0
    pos = 0
    n_sel = 0
    for i in range(n):
        pv = 2 * i
        if father[i] < 0:
            if not flat[i]:
                for v in (pv, pv + 1):
                    persons[nf] = i
                    if tied[v] >= 0:
                        kinds[nf] = TIE
                        svars[pos] = tied[v]
                        svars[pos + 1] = v
                        pos += 2
                    else:
                        kinds[nf] = PRIOR
                        svars[pos] = v
                        pos += 1
                    nf += 1
                    sptr[nf] = pos
        else:
            for side in range(2):
                v = pv + side
                parent = father[i] if side == 0 else mother[i]
                if split[parent] == i:
                    sel = 2 * n + n_sel
                    n_sel += 1
                    for a in (2 * parent, 2 * parent + 1):
                        kinds[nf] = SPLIT_FATHER + side
                        persons[nf] = i
                        svars[pos] = sel
                        svars[pos + 1] = v
                        svars[pos + 2] = a
                        pos += 3
                        nf += 1
                        sptr[nf] = pos
                    continue
                persons[nf] = i
                svars[pos] = v
                svars[pos + 1] = 2 * parent
                pos += 2
                if pin[parent] == i:
                    kinds[nf] = PIN_FATHER + side
                elif presum[parent] == i:
                    kinds[nf] = PRESUM_FATHER + side
                else:
                    kinds[nf] = TRANS_FATHER + side
                    svars[pos] = 2 * parent + 1
                    pos += 1
                nf += 1
                sptr[nf] = pos
        if typed[i]:
            kinds[nf] = OBSERVE
            persons[nf] = i
            svars[pos] = pv
            svars[pos + 1] = pv + 1
            pos += 2
            nf += 1
            sptr[nf] = pos

    n_vars = 2 * n + n_sel
    eliminable = np.ones(n_vars, dtype=np.uint8)
    if target >= 0:
        eliminable[2 * target] = 0
        eliminable[2 * target + 1] = 0
    free = np.empty(2 * n, dtype=np.int32)
    n_free = 0
    if urn:
        uses = np.zeros(n_vars, dtype=np.int32)
        for j in range(pos):
            uses[svars[j]] += 1
        unused = np.zeros(n_vars, dtype=np.uint8)
        keep_f = 0
        keep_pos = 0
        for f in range(nf):
            v = svars[sptr[f]]
            if (kinds[f] == PRIOR and uses[v] == 1 and eliminable[v]
                    and not (v % 2 == 1 and presum[v // 2] >= 0)):
                unused[v] = 1
                eliminable[v] = 0
                continue
            start = sptr[f]
            stop = sptr[f + 1]
            kinds[keep_f] = kinds[f]
            persons[keep_f] = persons[f]
            for j in range(start, stop):
                svars[keep_pos] = svars[j]
                keep_pos += 1
            keep_f += 1
            sptr[keep_f] = keep_pos
        nf = keep_f
        pos = keep_pos
        for i in range(n):
            if father[i] < 0 and not flat[i]:
                for v in (2 * i, 2 * i + 1):
                    if not unused[v]:
                        free[n_free] = v
                        n_free += 1
    if search_limit > 0:
        nf, pos = _substitute_ties(kinds, persons, sptr, svars, nf, tied, typed, target,
                                   eliminable)
    weight = np.empty(n_vars)
    for i in range(n):
        w = typed_domain if small[i] else untyped_domain
        weight[2 * i] = w
        weight[2 * i + 1] = w
    for v in range(2 * n, n_vars):
        weight[v] = selector_domain
    final_scope = np.empty(2 if target >= 0 else 0, dtype=np.int32)
    if target >= 0:
        final_scope[0] = 2 * target
        final_scope[1] = 2 * target + 1
    scopes = (sptr[:nf + 1], svars[:pos])
    no_order = np.empty(0, dtype=np.int32)
    best = eliminate(weight, *scopes, eliminable, final_scope, no_order, 0)
    n_elim = best[2].size - 1
    if search_limit > 0:
        # Two more greedy orders, each kept if cheaper at the assumed sizes: weighted
        # min-fill, and min-weight with untyped variables taken twice as large.
        other = eliminate(weight, *scopes, eliminable, final_scope, no_order, 1)
        if other[5] < best[5]:
            best = other
        larger = weight.copy()
        for v in range(n_vars):
            if larger[v] == untyped_domain:
                larger[v] = 2.0 * untyped_domain
        order = eliminate(larger, *scopes, eliminable, final_scope, no_order, 0)[2][:n_elim]
        other = eliminate(weight, *scopes, eliminable, final_scope, order, 0)
        if other[5] < best[5]:
            best = other
        if (n_elim <= search_limit and n_vars <= 64
                and best[5] > search_ratio * n_elim * 2.0 ** n_elim):
            order = best_order(weight, *scopes, eliminable, best[6])
            if order.size:
                other = eliminate(weight, *scopes, eliminable, final_scope, order, 0)
                if other[5] < best[5]:
                    best = other
    scope_ptr, scope_vars, step_var, step_ptr, step_in, total = best[:6]
    return (kinds[:nf].copy(), persons[:nf].copy(), scope_ptr, scope_vars, step_var,
            step_ptr, step_in, n_vars, free[:n_free].copy(), total)


@jit
def _substitute_ties(kinds, persons, sptr, svars, nf, tied, typed, target, eliminable):
    """Put each tied founder allele variable's representative in its place, in place of a
    factor ``[v_rep = v]``; returns the new factor count and scope length.

    Exact: the tie factor is 1 where the two take the same allele and 0 elsewhere, so summing
    ``v`` out against it puts ``v_rep`` in ``v``'s place in every other factor. It saves the
    elimination step of ``v`` (``n`` times the size of its neighbours' product). A
    transmission from a founder whose two alleles are tied, ``(M[a, x] + M[a, x]) / 2``,
    becomes the pinned factor ``M[a, x]``. Left as ties: the target's variables (kept to the
    end) and those of typed founders (an observation over one variable twice is not a
    factor kind).
    """
    n2 = tied.size
    rep = np.arange(n2)
    for v in range(n2):
        r = tied[v]
        if r >= 0 and not typed[v // 2] and v // 2 != target and r // 2 != target:
            rep[v] = r
            eliminable[v] = 0
    scope = np.empty(3, dtype=np.int32)  # a factor's scope, read before it is rewritten
    keep_f = 0
    keep_pos = 0
    start = 0
    for f in range(nf):
        stop = sptr[f + 1]
        kind = kinds[f]
        width = stop - start
        for j in range(width):
            v = svars[start + j]
            scope[j] = rep[v] if v < n2 else v
        start = stop
        if kind == TIE and rep[svars[stop - 1]] != svars[stop - 1]:
            continue  # the tied variable is replaced: its tie factor goes
        if ((kind == TRANS_FATHER or kind == TRANS_FATHER + 1) and width == 3
                and scope[1] == scope[2]):
            kind = PIN_FATHER + (kind - TRANS_FATHER)
            width = 2
        for j in range(width):
            svars[keep_pos + j] = scope[j]
        kinds[keep_f] = kind
        persons[keep_f] = persons[f]
        keep_pos += width
        keep_f += 1
        sptr[keep_f] = keep_pos
    return keep_f, keep_pos


@jit
def eliminate(weight, scope_ptr, scope_vars, eliminable, final_scope, order, rule):
    """Sum out the ``eliminable`` variables in a greedy order, or in ``order``.

    At each step the variable summed out is, of those left, with ``rule`` 0 (min-weight) the
    one whose cost (its domain size times those of its neighbours in the interaction graph)
    is least, then the one that adds the fewest fill edges (pairs of its neighbours not yet
    neighbours), then the lowest index; with ``rule`` 1 (weighted min-fill; Kjaerulff 1990,
    *Triangulation of graphs*, Aalborg University report R-90-09) the one whose fill edges'
    products of domain sizes add up to least, then of least cost, then the lowest index.
    The factors that hold it are multiplied into one over the union of their scopes
    without it. A last step (variable -1) multiplies the factors left, with scope
    ``final_scope``.

    Parameters
    ----------
    weight : float64[n_vars]
        Domain size assumed for each variable. Powers of two, so that every product of them
        is exact whatever the order of multiplication.
    scope_ptr, scope_vars : int32 arrays
        CSR scopes of the initial factors.
    eliminable : uint8[n_vars]
        1 for the variables to sum out.
    final_scope : int32 array
        Scope of the last step's product (sorted).
    order : int32 array
        The eliminable variables in the order to sum them out, or empty for the greedy
        order.
    rule : int
        The greedy rule (0 or 1, above).

    Returns
    -------
    scope_ptr, scope_vars : int32 arrays
        CSR scopes of all factors: the initial ones, then one per step.
    step_var, step_ptr, step_in : int32 arrays
        Variable summed out at each step (-1 for the last), and the CSR lists of the factor
        ids multiplied at each step (ascending).
    total : float
        Estimated cost of the plan: the sum over steps of the step's cost times the number of
        factors it multiplies.
    size : float
        The sum over steps of the step's cost alone (what :func:`best_order` minimises).
    """
    n = weight.size
    n_init = scope_ptr.size - 1
    n_elim = 0
    for v in range(n):
        if eliminable[v]:
            n_elim += 1
    n_all = n_init + n_elim + 1
    # Scopes of all factors; a new one is at most n wide.
    out_ptr = np.zeros(n_all + 1, dtype=np.int32)
    out_vars = np.empty(scope_vars.size + (n_elim + 1) * n, dtype=np.int32)
    out_vars[:scope_vars.size] = scope_vars
    out_ptr[:n_init + 1] = scope_ptr
    alive = np.zeros(n_all, dtype=np.uint8)
    alive[:n_init] = 1
    adj = np.zeros((n, n), dtype=np.uint8)
    for f in range(n_init):
        for i in range(scope_ptr[f], scope_ptr[f + 1]):
            for j in range(scope_ptr[f], scope_ptr[f + 1]):
                adj[scope_vars[i], scope_vars[j]] = 1
    for v in range(n):
        adj[v, v] = 0
    left = eliminable.copy()
    nb = np.empty(n, dtype=np.int32)
    mark = np.zeros(n, dtype=np.uint8)
    step_var = np.empty(n_elim + 1, dtype=np.int32)
    step_ptr = np.zeros(n_elim + 2, dtype=np.int32)
    step_in = np.empty(n_all, dtype=np.int32)  # each factor is multiplied once
    n_in = 0
    total = 0.0
    size = 0.0
    n_f = n_init
    for step in range(n_elim):
        if order.size:
            best = order[step]
            best_cost = weight[best]
            for a in range(n):
                if adj[best, a]:
                    best_cost *= weight[a]
        else:
            best, best_cost = _greedy_pick(weight, adj, left, nb, rule)
        v = best
        left[v] = 0
        n_ids = 0
        for f in range(n_f):
            if not alive[f]:
                continue
            for i in range(out_ptr[f], out_ptr[f + 1]):
                if out_vars[i] == v:
                    alive[f] = 0
                    step_in[n_in] = f
                    n_in += 1
                    n_ids += 1
                    for j in range(out_ptr[f], out_ptr[f + 1]):
                        mark[out_vars[j]] = 1
                    break
        mark[v] = 0
        pos = out_ptr[n_f]
        for a in range(n):
            if mark[a]:
                out_vars[pos] = a
                pos += 1
                mark[a] = 0
        out_ptr[n_f + 1] = pos
        alive[n_f] = 1
        n_f += 1
        step_var[step] = v
        step_ptr[step + 1] = n_in
        total += best_cost * n_ids
        size += best_cost
        k = 0
        for a in range(n):
            if adj[v, a]:
                nb[k] = a
                k += 1
        for i in range(k):
            adj[nb[i], v] = 0
            for j in range(k):
                if i != j:
                    adj[nb[i], nb[j]] = 1
        for a in range(n):
            adj[v, a] = 0
    for f in range(n_f):
        if alive[f]:
            step_in[n_in] = f
            n_in += 1
    step_var[n_elim] = -1
    step_ptr[n_elim + 1] = n_in
    pos = out_ptr[n_f]
    for a in final_scope:
        out_vars[pos] = a
        pos += 1
    out_ptr[n_f + 1] = pos
    return (out_ptr, out_vars[:pos].copy(), step_var, step_ptr, step_in[:n_in].copy(), total,
            size)


@jit
def _greedy_pick(weight, adj, left, nb, rule):
    """The variable :func:`eliminate`'s greedy ``rule`` sums out next, of those ``left``,
    and its cost (``nb``: room for a variable's neighbours)."""
    n = weight.size
    best = -1
    best_cost = np.inf
    best_fill = 0.0
    for v in range(n):
        if not left[v]:
            continue
        cost = 1.0
        k = 0
        for a in range(n):
            if adj[v, a]:
                cost *= weight[a]
                nb[k] = a
                k += 1
        cost *= weight[v]
        if rule == 0 and cost > best_cost:
            continue
        fill = 0.0
        for i in range(k):
            for j in range(i + 1, k):
                if not adj[nb[i], nb[j]]:
                    fill += 1.0 if rule == 0 else weight[nb[i]] * weight[nb[j]]
        if rule == 0:
            better = cost < best_cost or (cost == best_cost and fill < best_fill)
        else:
            better = fill < best_fill or (fill == best_fill and cost < best_cost)
        if best < 0 or better:
            best, best_cost, best_fill = v, cost, fill
    return best, best_cost


@jit
def _popcount(x):
    """Number of set bits of a uint64."""
    x = x - ((x >> np.uint64(1)) & np.uint64(0x5555555555555555))
    x = (x & np.uint64(0x3333333333333333)) + ((x >> np.uint64(2))
                                               & np.uint64(0x3333333333333333))
    x = (x + (x >> np.uint64(4))) & np.uint64(0x0F0F0F0F0F0F0F0F)
    return int((x * np.uint64(0x0101010101010101)) >> np.uint64(56))


@jit
def best_order(weight, scope_ptr, scope_vars, eliminable, bound):
    """The elimination order of least estimated cost, by dynamic programming over subsets.

    The factors left after summing out a set ``S`` of variables do not depend on the order
    within ``S``: one factor per connected part of ``S``, over its neighbours outside ``S``.
    So summing out ``v`` next costs the product of the domain sizes of ``v`` and of every
    variable reachable from ``v`` through ``S`` (but not in ``S``), and the cheapest order of
    all is found over the ``2^k`` subsets of the ``k`` variables to sum out (Bertele &
    Brioschi 1972, *Nonserial Dynamic Programming*; the same recursion as the exact
    treewidth algorithms of Bodlaender et al. 2012, *ACM Trans. Algorithms* 8:12, with the
    sum of the steps' sizes in place of the largest). Subsets already costing ``bound`` or
    more are not extended.

    Parameters
    ----------
    weight : float64[n_vars]
        Domain size assumed for each variable (``n_vars`` at most 64).
    scope_ptr, scope_vars : int32 arrays
        CSR scopes of the initial factors.
    eliminable : uint8[n_vars]
        1 for the variables to sum out.
    bound : float
        Cost of an order already known (the greedy one's).

    Returns
    -------
    int32 array
        The variables to sum out, in order; empty when no order costs less than ``bound``.
    """
    n = weight.size
    one = np.uint64(1)
    adj = np.zeros(n, dtype=np.uint64)
    for f in range(scope_ptr.size - 1):
        m = np.uint64(0)
        for i in range(scope_ptr[f], scope_ptr[f + 1]):
            m |= one << np.uint64(scope_vars[i])
        for i in range(scope_ptr[f], scope_ptr[f + 1]):
            adj[scope_vars[i]] |= m
    for v in range(n):
        adj[v] &= ~(one << np.uint64(v))
    # Domain sizes by class (few distinct values): a scope's size is the product over the
    # classes of the class's size to the number of its variables in the scope.
    sizes = np.empty(n)
    masks = np.zeros(n, dtype=np.uint64)
    n_cls = 0
    for v in range(n):
        c = 0
        while c < n_cls and sizes[c] != weight[v]:
            c += 1
        if c == n_cls:
            sizes[c] = weight[v]
            n_cls += 1
        masks[c] |= one << np.uint64(v)
    elim = np.empty(n, dtype=np.int64)
    k = 0
    for v in range(n):
        if eliminable[v]:
            elim[k] = v
            k += 1
    n_sets = 1 << k
    vmask = np.zeros(n_sets, dtype=np.uint64)
    for s in range(1, n_sets):
        low = s & -s
        vmask[s] = vmask[s ^ low] | (one << np.uint64(elim[_popcount(np.uint64(low - 1))]))
    best = np.full(n_sets, np.inf)
    arg = np.full(n_sets, -1, dtype=np.int8)
    best[0] = 0.0
    for s in range(n_sets):
        done = best[s]
        if done >= bound:
            continue
        gone = vmask[s]
        for i in range(k):
            if (s >> i) & 1:
                continue
            v = elim[i]
            reach = adj[v]
            seen = np.uint64(0)
            new = reach & gone
            while new:
                seen |= new
                while new:
                    low = new & (~new + one)
                    reach |= adj[_popcount(low - one)]
                    new ^= low
                new = reach & gone & ~seen
            scope = (reach & ~gone) | (one << np.uint64(v))
            cost = 1.0
            for c in range(n_cls):
                cnt = _popcount(scope & masks[c])
                for _ in range(cnt):
                    cost *= sizes[c]
            t = done + cost
            nxt = s | (1 << i)
            if t < best[nxt] and t < bound:
                best[nxt] = t
                arg[nxt] = i
    full = n_sets - 1
    if best[full] == np.inf:
        return np.empty(0, dtype=np.int32)
    order = np.empty(k, dtype=np.int32)
    s = full
    for j in range(k - 1, -1, -1):
        i = arg[s]
        order[j] = elim[i]
        s ^= 1 << i
    return order
