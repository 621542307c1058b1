"""Elimination plans: the structure of a pedigree likelihood, worked out once per pedigree.

Every kept individual ``i`` has two allele variables, ``2i`` (paternal allele) and ``2i + 1``
(maternal allele). The likelihood of one marker is the sum over all allele variables of a
product of factors:

- founder prior ``p(v)`` for each founder allele variable (Hardy-Weinberg);
- transmission ``T(v_child | v_pat, v_mat) = (M[v_pat, v_child] + M[v_mat, v_child]) / 2`` for
  each allele of a non-founder from the corresponding parent, ``M`` that parent's sex matrix;
  for one child of each founder (not the target) the "pinned" transmission
  ``M[v_1, v_child]`` from the founder's first allele instead (exact: see ``_pinned``); for
  the only child of an untyped non-founder, the transmission split by a two-valued selector
  variable ``s`` into ``S_1(s, v_child, v_1) S_2(s, v_child, v_2)`` (see ``_split``); for
  the second child of an untyped founder with two children, ``(M[v_1, v_child] +
  (pM)[v_child]) / 2`` with the founder's second allele summed out (see ``_presummed``);
- observation ``P(seen | v_pat, v_mat)`` for each typed individual;
- with theta (``urn=True``), no prior for founders whose genotype is known exactly (the
  Balding-Nichols urn is conditioned on their alleles, see ``engine._urn_group``), and for one term
  of the urn's partition expansion, ``[v_rep = v]`` in place of the prior of a founder allele
  variable tied to the representative of its block (``ties``).

Variables are summed out one at a time (variable elimination; Zhang & Poole 1994, Koller &
Friedman 2009 ch. 9) in a greedy order on the interaction graph (the cheapest of three greedy
rules, or where that order is costly and the graph small, the cheapest order of all: see
``build_plan``'s ``optimise``), which handles loops
and inbreeding with no special case; Elston-Stewart peeling is the loop-free special case. The
plan lists, for each step, which factors are multiplied and which variable is summed out; the
numba kernel executes it for every marker with that marker's alleles. The factors and the order
are laid out by a numba kernel too (``_plan_numba.assemble``): with theta, one plan is built per
set partition of the free founder alleles, tens of thousands in a programme's night.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forensic_match.pedigree import Pedigree

PRIOR, TRANS_FATHER, TRANS_MOTHER, OBSERVE, PIN_FATHER, PIN_MOTHER = 0, 1, 2, 3, 4, 5
SPLIT_FATHER, SPLIT_MOTHER, PRESUM_FATHER, PRESUM_MOTHER = 6, 7, 8, 9
TIE = 10

#: Domain sizes assumed when choosing the elimination order: a typed allele variable has at
#: most two values, an untyped one has all the marker's (lumped) alleles.
_TYPED_DOMAIN, _UNTYPED_DOMAIN, _SELECTOR_DOMAIN = 2.0, 8.0, 2.0

#: The greedy elimination order is checked against the cheapest order
#: (``_plan_numba.best_order``, a search over the ``2^k`` subsets of the ``k`` variables to
#: sum out) when ``k`` is at most ``SEARCH_LIMIT`` and the greedy order's estimated cost
#: exceeds ``SEARCH_RATIO * k 2^k``. The search takes about ``k 2^k`` steps of 3 ns, one
#: kernel call with the plan about 33 ns per unit of estimated cost over 23 markers: so the
#: search costs at most about a third of one call (docs/benchmarks.md, "Elimination orders
#: searched, ties substituted"). Plans are cached by shape, so the search is paid once per
#: shape.
SEARCH_LIMIT = 18
SEARCH_RATIO = 0.25


@dataclass(frozen=True, eq=False)
class Plan:
    """Variable-elimination plan for one pedigree, typed set and target (numba-ready arrays)."""

    people: np.ndarray        # original pedigree index of each kept individual
    father: np.ndarray        # local index of father, -1 for a founder
    mother: np.ndarray
    typed: np.ndarray         # 1 if the kept individual is typed at these markers
    target: int               # local index of the individual whose genotype is kept, or -1
    fkind: np.ndarray         # kind of each initial factor
    fperson: np.ndarray       # individual of each initial factor (child for transmissions)
    scope_ptr: np.ndarray     # CSR scopes of all factors, initial then one per step
    scope_vars: np.ndarray
    step_var: np.ndarray      # variable summed out at each step (-1: none, final product)
    step_ptr: np.ndarray      # CSR list of factor ids multiplied at each step
    step_in: np.ndarray
    n_vars: int               # allele variables (2 per individual), then selectors
    free_alleles: tuple[int, ...] = ()  # with urn=True: the urn's free draws (see build_plan)

    @property
    def n_factors(self) -> int:
        return len(self.fkind)

    @property
    def n_steps(self) -> int:
        return len(self.step_var)

    def kernel_args(self) -> tuple[np.ndarray, ...]:
        return (self.father, self.mother, self.n_vars, self.fkind, self.fperson,
                self.scope_ptr, self.scope_vars, self.step_var, self.step_ptr, self.step_in)


def kept_individuals(ped: Pedigree, typed: np.ndarray, target: int) -> np.ndarray:
    """Indices of the individuals that matter: all but untyped ones without typed descendants.

    An untyped individual with no typed descendant (and not the target) sums out to 1, so it
    is dropped; this is exact with mutation and with theta (the Balding-Nichols urn is
    consistent under marginalisation).
    """
    n = len(ped)
    keep = typed.astype(bool).tolist()
    if target >= 0:
        keep[target] = True
    father, mother = ped.father.tolist(), ped.mother.tolist()
    # Walk children before parents: a parent is kept if any child is kept.
    for i in ped.topological_order[::-1].tolist():
        if keep[i]:
            if father[i] >= 0:
                keep[father[i]] = True
            if mother[i] >= 0:
                keep[mother[i]] = True
    # A kept individual needs both parents (kept above) or none; nothing else to add.
    return np.flatnonzero(keep[:n]).astype(np.int32)


def local_parents(ped: Pedigree, people: np.ndarray,
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each pedigree individual's place among ``people`` (-1: not kept), and the kept
    individuals' fathers and mothers as such places (-1: a founder)."""
    local = np.full(len(ped), -1, dtype=np.int32)
    local[people] = np.arange(len(people), dtype=np.int32)
    pf, pm = ped.father[people], ped.mother[people]
    return (local, np.where(pf >= 0, local[pf], -1).astype(np.int32),
            np.where(pm >= 0, local[pm], -1).astype(np.int32))


def _pinned(father: np.ndarray, mother: np.ndarray, typed: np.ndarray, small: np.ndarray,
            target: int) -> np.ndarray:
    """Per kept individual, the child whose transmission from it is pinned (-1: none).

    A founder's two allele variables are exchangeable: their prior ``p(a) p(b)`` (or the
    Balding-Nichols urn), their observation and every transmission
    ``(M[a, x] + M[b, x]) / 2`` to a child are symmetric in ``(a, b)``. So for any one child
    the transmission may be replaced by ``M[a, x]`` (the child received the first allele):
    for every value of the other variables, ``sum_ab h(a, b) (M[a, x] + M[b, x]) / 2 =
    sum_ab h(a, b) M[a, x]`` when ``h`` is symmetric. The factor over three allele variables
    becomes one over two, so the founder's second allele no longer meets that child: with
    ``n`` alleles the elimination costs ``n^2`` where it cost ``n^3``. A founder who is the
    target is not pinned (its ordered posterior would lose its symmetry).

    The child pinned is the target if it is a child of the founder, else the child with the
    largest domain (untyped, then typed with dropout, then typed), the first in order.
    """
    n = father.size
    fa, mo, ty, sm = father.tolist(), mother.tolist(), typed.tolist(), small.tolist()
    best = [-1] * n
    rank = [-1] * n
    for c in range(n):
        score = 3 if c == target else (2 if not ty[c] else (1 if not sm[c] else 0))
        for p in (fa[c], mo[c]):
            if p >= 0 and fa[p] < 0 and p != target and score > rank[p]:
                best[p], rank[p] = c, score
    return np.array(best, dtype=np.int32)


def _presummed(father: np.ndarray, mother: np.ndarray, typed: np.ndarray, pin: np.ndarray,
               target: int) -> np.ndarray:
    """Per kept individual, the child whose transmission has the founder's second allele
    summed out in closed form (-1: none).

    For an untyped founder (not the target) with exactly two children, one pinned to its
    first allele ``a`` (:func:`_pinned`), the second allele ``b`` meets only its prior and
    the other child's transmission: ``sum_b p(b) (M[a, x] + M[b, x]) / 2 =
    (M[a, x] + (pM)[x]) / 2``, a factor over two allele variables instead of three (with
    theta, ``p`` is each quadrature node's frequency vector: founders are independent given
    it).
    """
    n = father.size
    fa, mo, ty, pn = father.tolist(), mother.tolist(), typed.tolist(), pin.tolist()
    children: list[list[int]] = [[] for _ in range(n)]
    for c in range(n):
        for p in (fa[c], mo[c]):
            if p >= 0:
                children[p].append(c)
    out = [-1] * n
    for p in range(n):
        if fa[p] < 0 and not ty[p] and p != target and len(children[p]) == 2:
            out[p] = children[p][1] if children[p][0] == pn[p] else children[p][0]
    return np.array(out, dtype=np.int32)


def _split(father: np.ndarray, mother: np.ndarray, typed: np.ndarray,
           target: int) -> np.ndarray:
    """Per kept individual, the child whose transmission from it is split (-1: none).

    ``T(x | a, b) = (M[a, x] + M[b, x]) / 2 = sum_s S_1(s, x, a) S_2(s, x, b)`` with a
    selector ``s`` in {0, 1}, ``S_1 = M[a, x] / 2`` if ``s = 0`` else 1 and
    ``S_2 = M[b, x] / 2`` if ``s = 1`` else 1: an identity, so exact for any model. The two
    parental alleles then meet only through ``s`` (two values) instead of in a factor over
    three allele variables. Candidates are the untyped non-founders (whose alleles come from
    two different parents, so pinning does not apply) with exactly one child: on a chain
    grandparents -> untyped parent -> child this costs ``n^2`` instead of ``n^3``. Where
    the two alleles are coupled elsewhere (e.g. through a typed aunt) the selector only
    doubles the work, so :func:`build_plan` keeps the split only when its estimated cost is
    lower; with several children the selectors would multiply, so they are not candidates.
    """
    n = father.size
    fa, mo, ty = father.tolist(), mother.tolist(), typed.tolist()
    children = [0] * n
    only = [-1] * n
    for c in range(n):
        for p in (fa[c], mo[c]):
            if p >= 0:
                children[p] += 1
                only[p] = c
    return np.array([only[p] if children[p] == 1 and fa[p] >= 0 and not ty[p] and p != target
                     else -1 for p in range(n)], dtype=np.int32)


def build_plan(ped: Pedigree, typed: np.ndarray, target: int = -1, *,
               exact_domains: np.ndarray | None = None, urn: bool = False,
               ties: tuple[tuple[int, ...], ...] = (), split: bool | None = None,
               optimise: bool = True) -> Plan:
    """Plan the likelihood of ``ped`` with ``typed`` individuals (bool per individual).

    Parameters
    ----------
    ped : Pedigree
    typed : array of bool
        Which individuals carry an observation at the markers this plan will serve.
    target : int
        Pedigree index of an individual whose two allele variables are kept to the end (for
        genotype posteriors), or -1.
    exact_domains : array of bool, optional
        Typed individuals whose allele variables have at most two values (complete genotype
        without dropout); used to choose a good elimination order and, with ``urn``, to
        know whose genotype is known exactly.
    urn : bool
        Theta mode: founders in ``exact_domains`` get no prior factor (the caller conditions
        the urn on their alleles), and a founder allele variable that meets nothing but its
        prior (the second allele of an untyped founder whose only child is pinned to the
        first) is left out: its prior sums to 1, and a draw nobody sees leaves the urn's
        other draws as they were (the urn is consistent under marginalisation).
        ``Plan.free_alleles`` lists the founder allele variables left to the urn: those of
        founders whose genotype is not known exactly, but the ones left out.
    ties : tuple of tuple of int
        Blocks of founder allele variables (local ids ``2i``, ``2i + 1`` of the kept
        individuals, from ``Plan.free_alleles``) that take the same allele: the first of a
        block keeps the prior, each other one gets a factor ``[v_first = v]`` instead.
    split : bool, optional
        Whether to split transmissions (``_split``) where possible; by default the plan is
        built both ways and the cheaper kept (the plans of one pedigree with different
        ``ties`` take the choice of the plan without them, to build once).
    optimise : bool
        Whether to improve on the reference plan: each tied founder allele replaced by its
        block's representative instead of a tie factor (``_plan_numba._substitute_ties``),
        the cheapest (at the assumed domain sizes) of three greedy orders (min-weight,
        weighted min-fill, min-weight with the untyped variables' size doubled) and, where
        that order's cost is worth a search (``SEARCH_LIMIT``, ``SEARCH_RATIO``), the order of
        least estimated cost (``_plan_numba.best_order``) if cheaper still. ``False`` builds
        the reference plan (tie factors, the min-weight greedy order), as the reference
        builder of the tests does; both give the same likelihoods to rounding.
    """
    if urn and exact_domains is None:
        raise ValueError("build_plan(urn=True) needs exact_domains")
    people = kept_individuals(ped, typed, target)
    local, father, mother = local_parents(ped, people)
    ltyped = typed[people].astype(np.int8)
    ltarget = int(local[target]) if target >= 0 else -1
    small = (exact_domains[people] if exact_domains is not None else ltyped).astype(bool)

    flat = (father < 0) & small if urn else np.zeros(len(people), dtype=bool)
    tied_to = [-1] * (2 * len(people))
    for block in ties:
        for v in block[1:]:
            tied_to[v] = block[0]
    tied = np.array(tied_to, dtype=np.int32)
    pin = _pinned(father, mother, ltyped, small, ltarget)
    presum = _presummed(father, mother, ltyped, pin, ltarget)
    odd = [v // 2 for block in ties for v in block if v % 2 == 1]
    presum[odd] = -1  # a tied second allele meets more than its prior: not presummed
    splits = _split(father, mother, ltyped, ltarget)
    if split is not None:
        if not split:
            splits = np.full_like(splits, -1)
        return _assemble(people, father, mother, ltyped, ltarget, small, pin, presum, splits,
                         flat, tied, urn, optimise)[0]
    plan, cost = _assemble(people, father, mother, ltyped, ltarget, small, pin, presum, splits,
                           flat, tied, urn, optimise)
    if (splits >= 0).any():
        whole, whole_cost = _assemble(people, father, mother, ltyped, ltarget, small, pin,
                                      presum, np.full_like(splits, -1), flat, tied, urn,
                                      optimise)
        if whole_cost <= cost:
            return whole
    return plan


def _assemble(people: np.ndarray, father: np.ndarray, mother: np.ndarray, ltyped: np.ndarray,
              ltarget: int, small: np.ndarray, pin: np.ndarray, presum: np.ndarray,
              split: np.ndarray, flat: np.ndarray, tied: np.ndarray, urn: bool,
              optimise: bool = True) -> tuple[Plan, float]:
    """The factors and the elimination order (``_plan_numba.assemble``), with the plan's
    estimated cost."""
    from forensic_match.likelihood._plan_numba import assemble

    (kinds, persons, scope_ptr, scope_vars, step_var, step_ptr, step_in, n_vars, free,
     total) = assemble(father, mother, ltyped, ltarget, small, pin, presum, split, flat, tied,
                       urn, _TYPED_DOMAIN, _UNTYPED_DOMAIN, _SELECTOR_DOMAIN,
                       SEARCH_LIMIT if optimise else 0, SEARCH_RATIO)
    return Plan(
        people=people, father=father, mother=mother, typed=ltyped, target=ltarget,
        fkind=kinds, fperson=persons, scope_ptr=scope_ptr, scope_vars=scope_vars,
        step_var=step_var, step_ptr=step_ptr, step_in=step_in, n_vars=n_vars,
        free_alleles=tuple(free.tolist()),
    ), total
