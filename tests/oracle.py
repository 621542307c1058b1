"""A slow, plain-Python reference for the pedigree likelihood: the specification, executed.

Every individual gets every ordered genotype (paternal allele, maternal allele) over every
allele of the marker; the probability of each joint assignment is the product of

- the founders' prior: Hardy-Weinberg, or with ``theta > 0`` the Balding-Nichols urn over
  all founder alleles of the pedigree drawn one after the other;
- each child's transmission: the paternal allele is one of the father's two alleles (1/2
  each) passed through the male mutation matrix, the maternal allele likewise with the
  female matrix;
- each typed individual's observation probability (dropout, drop-in, partial genotypes).

The likelihood is the sum over all joint assignments. No lumping, no pruning, no elimination
order: only for tiny cases (about 5 individuals and 4 alleles).

At the end: the plain-Python definition of the decision layer's second lower bound, the
oracle of its numba kernel; and the blind search's scores and outputs (the oracle of
``dvi._search_numba.search_block``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from forensic_match.decide.posterior import SLACK as POSTERIOR_SLACK
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import Observation


def _matrices(marker: Marker) -> tuple[np.ndarray, np.ndarray]:
    """(female, male) transition matrices; the identity without mutation."""
    if marker.mutation is None:
        eye = np.eye(len(marker))
        return eye, eye
    female, male = marker.matrices  # type: ignore[misc]
    return female, male


def transmission_prob(parent: tuple[int, int], allele: int, matrix: np.ndarray) -> float:
    """P(the parent transmits ``allele``): pick one of the two alleles, then mutate it."""
    return 0.5 * matrix[parent[0], allele] + 0.5 * matrix[parent[1], allele]


def founder_prob(alleles: list[int], p: np.ndarray, theta: float) -> float:
    """Joint probability of the founder alleles, drawn in order from the Balding-Nichols urn.

    With ``theta = 0`` this is the product of the frequencies (Hardy-Weinberg).
    """
    prob = 1.0
    drawn: list[int] = []
    for a in alleles:
        n = len(drawn)
        b = drawn.count(a)
        prob *= (b * theta + (1.0 - theta) * p[a]) / (1.0 + (n - 1) * theta)
        drawn.append(a)
    return prob


def _survivor_sets(x: int, y: int, d: float) -> list[tuple[frozenset[int], float]]:
    """The sets of true alleles that survive dropout, with their probabilities."""
    if x == y:
        return [(frozenset([x]), 1.0 - d * d), (frozenset(), d * d)]
    return [(frozenset([x, y]), (1.0 - d) ** 2), (frozenset([x]), d * (1.0 - d)),
            (frozenset([y]), d * (1.0 - d)), (frozenset(), d * d)]


def observation_prob(true: tuple[int, int], seen: tuple[int, int | None],
                     obs: Observation, p: np.ndarray) -> float:
    """P(what was seen | true ordered genotype).

    ``seen = (a, None)`` is a partial genotype: a is one of the true alleles. Otherwise the
    seen set is ``{a, b}``: each true allele drops out with probability d, then with
    probability c one allele z (with probability p_z) drops in.
    """
    a, b = seen
    if b is None:
        return 1.0 if a in true else 0.0
    seen_set = frozenset([a, b])
    total = 0.0
    for survivors, p_survive in _survivor_sets(true[0], true[1], obs.dropout):
        if survivors == seen_set:
            total += p_survive * (1.0 - obs.dropin)
        for z in range(len(p)):
            if survivors | {z} == seen_set:
                total += p_survive * obs.dropin * p[z]
    return total


def _joint_terms(pedigree: Pedigree, marker: Marker,
                 profiles: Mapping[str, Mapping[str, Any]], theta: float,
                 observation: Mapping[str, Observation | float] | None):
    """Yield ``(genotypes, probability)`` for every joint ordered-genotype assignment."""
    n_alleles = len(marker)
    p = np.asarray(marker.frequencies, dtype=np.float64)
    female, male = _matrices(marker)
    genotypes = list(itertools.product(range(n_alleles), repeat=2))
    people = list(pedigree.ids)
    index = {ident: i for i, ident in enumerate(people)}
    parents = [pedigree.parents(ident) for ident in people]
    founders = [i for i, par in enumerate(parents) if par is None]

    observed: dict[int, tuple[tuple[int, int | None], Observation]] = {}
    for ident, prof in profiles.items():
        g = prof.get(marker.name)
        if g is None:
            continue
        a, b = g
        if a is None:
            a, b = b, None
        if a is None:
            continue
        seen = (marker.index(a), None if b is None else marker.index(b))
        obs = (observation or {}).get(ident, Observation())
        obs = obs if isinstance(obs, Observation) else Observation(dropout=float(obs))
        observed[index[ident]] = (seen, obs)

    # Tables of the per-individual factors, so that the loop below is only products.
    child_prob = {(gf, gm): {g: transmission_prob(gf, g[0], male)
                             * transmission_prob(gm, g[1], female) for g in genotypes}
                  for gf in genotypes for gm in genotypes}
    seen_prob = {i: {g: observation_prob(g, seen, obs, p) for g in genotypes}
                 for i, (seen, obs) in observed.items()}
    parent_index = [None if par is None else (index[par[0]], index[par[1]])
                    for par in parents]

    for assignment in itertools.product(genotypes, repeat=len(people)):
        prob = founder_prob([a for i in founders for a in assignment[i]], p, theta)
        for i, par in enumerate(parent_index):
            if par is not None:
                prob *= child_prob[(assignment[par[0]], assignment[par[1]])][assignment[i]]
        for i, table in seen_prob.items():
            prob *= table[assignment[i]]
        yield assignment, prob


def oracle_likelihood(pedigree: Pedigree, marker: Marker,
                      profiles: Mapping[str, Mapping[str, Any]], *, theta: float = 0.0,
                      observation: Mapping[str, Observation | float] | None = None) -> float:
    """P(profiles) at one marker, by summing over every joint genotype assignment."""
    return sum(prob for _, prob in _joint_terms(pedigree, marker, profiles, theta,
                                                 observation))


def oracle_posterior(pedigree: Pedigree, marker: Marker,
                     profiles: Mapping[str, Mapping[str, Any]], target: str, *,
                     theta: float = 0.0,
                     observation: Mapping[str, Observation | float] | None = None,
                     ) -> dict[tuple[str, str], float]:
    """P(target's ordered genotype = (a, b) | profiles), keyed by allele labels."""
    t = pedigree.index(target)
    mass: dict[tuple[str, str], float] = {
        (a, b): 0.0 for a in marker.alleles for b in marker.alleles}
    for assignment, prob in _joint_terms(pedigree, marker, profiles, theta, observation):
        x, y = assignment[t]
        mass[(marker.alleles[x], marker.alleles[y])] += prob
    total = sum(mass.values())
    return {g: v / total for g, v in mass.items()}


# --- the decision layer's second bound -------------------------------------------------------

def assert_posterior_is_oracle(post: Any, pedigree: Pedigree, marker: Marker,
                               profiles: Mapping[str, Any], target: str, *, theta: float,
                               observation: Any, rel: float, where: str = "") -> None:
    """An engine ``GenotypePosterior`` of one marker against the enumeration: its likelihood
    (relative ``rel``, absolute 1e-300), then, when that is above 0 (hypothesis ``assume``),
    every ordered genotype of its alleles (relative ``rel``, absolute 1e-15)."""
    from hypothesis import assume

    lik = oracle_likelihood(pedigree, marker, profiles, theta=theta, observation=observation)
    assert math.isclose(post.likelihood, lik, rel_tol=rel, abs_tol=1e-300), \
        f"{where} likelihood at {marker.name}: {post.likelihood!r} != {lik!r}"
    assume(lik > 0.0)
    want = oracle_posterior(pedigree, marker, profiles, target, theta=theta,
                            observation=observation)
    k = len(post.alleles)
    for i in range(k):
        for j in range(k):
            g = (post.alleles[i], post.alleles[j])
            assert math.isclose(float(post.matrix[i, j]), want[g], rel_tol=rel,
                                abs_tol=1e-15), f"{where} {marker.name} {g}"


def second_bound(body: np.ndarray, missing: np.ndarray, log_w: np.ndarray,
                 log_free: np.ndarray, ratio: np.ndarray) -> np.ndarray:
    """Plain-Python definition of the decision layer's second lower bound (the numba kernel
    ``forensic_match.decide._posterior_numba.second_bound`` must agree with it):
    ``w (1 - Q)⁺ / (w (1 - Q)⁺ + f + Σ_{h≠m} w_h)`` for every pair (module doc).

    ``Q_m = Σ_{s'≠s} u_s'm`` bounds the chance that another body takes m, with ``u_s'm``
    an upper bound of the chance that s' takes m when s is left out. From the same identity
    applied to s', ``u_s'm = w_s'm / (w_s'm + f_s' + Σ_{h≠m} w_s'h (1 - Q'_h)⁺)``, where
    ``Q'_h = Σ_{s''∉{s,s'}} w_s''h / f_s''`` bounds the competition s' meets elsewhere: a
    rival that is surely someone else hardly competes. Sums that leave terms out are taken
    over the other terms (never a total minus a term, which cancels next to an LR of 1e16).
    """
    by_col: dict[int, list[int]] = {}
    by_row: dict[int, list[int]] = {}
    for e in np.flatnonzero(np.isfinite(log_w)):
        by_col.setdefault(int(missing[e]), []).append(int(e))
        by_row.setdefault(int(body[e]), []).append(int(e))

    def lse(terms: list[float]) -> float:
        hi = max(terms)
        if hi == -math.inf:
            return hi
        return hi + math.log(math.fsum(math.exp(t - hi) for t in terms))

    def rival(x: int, s: int) -> tuple[float, float]:
        """Upper bound of P(body of pair x takes its missing person), body s left out, and
        the log of one minus it (computed apart: the bound is often 1 - 1e-15)."""
        s2 = int(body[x])
        rest = [log_free[s2]]
        for y in by_row[s2]:
            if y == x:
                continue
            q = math.fsum(ratio[z] for z in by_col[int(missing[y])]
                          if int(body[z]) not in (s, s2))
            if q < 1.0 - POSTERIOR_SLACK:
                rest.append(log_w[y] + math.log1p(-q - POSTERIOR_SLACK))
        total = lse([log_w[x], *rest])
        return math.exp(log_w[x] - total), lse(rest) - total

    out = np.zeros(body.size)
    for col in by_col.values():
        for e in col:
            s = int(body[e])
            rivals = sorted((rival(x, s) for x in col if x != e), reverse=True)
            if rivals:
                # 1 - Σ u = (1 - u_max) - Σ the others, less a margin for rounding.
                free_m = math.exp(rivals[0][1]) - math.fsum(u for u, _ in rivals[1:]) \
                    - POSTERIOR_SLACK
            else:
                free_m = 1.0
            if free_m <= 0.0:
                continue
            others = [log_w[x] for x in by_row[s] if x != e]
            terms = [log_w[e] + math.log(min(1.0, free_m)), log_free[s], *others]
            out[e] = math.exp(terms[0] - lse(terms))
    return out


def search_scores(table: np.ndarray, sums: np.ndarray, den_table: np.ndarray | None,
                  den_sums: np.ndarray | None, rows: np.ndarray, row_sex: np.ndarray,
                  sample_sex: np.ndarray, samples: list[dict[str, Any]], min_markers: int,
                  evidence: np.ndarray | None) -> list[list[float]]:
    """log10 LR of every (row ``rows[b]``, sample) pair, one at a time, from the definition.

    A sample is a dict: ``gather`` (positions), ``dropout`` (``(a, c1, c2)``: LR
    ``c1 S[a, 0] + c2 S[a, 1]``, over V's sums with theta), ``general`` (lists of
    ``(position, weight)``: LR ``Σ w 10^t[g]``, or with theta ``Σ w d[g] 10^t[g] / Σ w d[g]``).
    Excluded pairs (fewer than ``min_markers`` markers, known sexes that differ) are -inf;
    ``evidence[b][s]`` is added to a pair that is not -inf.
    """
    out = []
    for b, r in enumerate(rows):
        line = []
        for s, smp in enumerate(samples):
            used = len(smp["gather"]) + len(smp["dropout"]) + len(smp["general"])
            rs, ss = int(row_sex[r]), int(sample_sex[s])
            if used < min_markers or (rs > 0 and ss > 0 and rs != ss):
                line.append(-math.inf)
                continue
            acc = 0.0
            for p in smp["gather"]:
                acc += float(table[r, p])
            lin = 1.0
            for a, c1, c2 in smp["dropout"]:
                lin *= c1 * sums[r, a, 0] + c2 * sums[r, a, 1]
                if den_sums is not None:
                    lin /= c1 * den_sums[r, a, 0] + c2 * den_sums[r, a, 1]
            for entry in smp["general"]:
                if den_table is not None:
                    num = sum(w * den_table[r, g] * 10.0 ** table[r, g] for g, w in entry)
                    norm = sum(w * den_table[r, g] for g, w in entry)
                    lin *= num / norm if norm > 0 else 0.0
                else:
                    lin *= sum(w * 10.0 ** table[r, g] for g, w in entry)
            score = acc + (math.log10(lin) if lin > 0 else -math.inf) if lin != 1.0 else acc
            if evidence is not None and score != -math.inf:
                score += float(evidence[b][s])
            line.append(score)
        out.append(line)
    return out


def search_outputs(scores: list[list[float]], rows: np.ndarray, k_s: int, k_m: int,
                   threshold: float, floor: float) -> dict[str, Any]:
    """What the search keeps of a score matrix: per sample its ``k_s`` best rows (score
    descending, then row ascending), per row its ``k_m`` best samples (score descending, then
    sample ascending), per sample the sum of ``10^score`` over scores above ``floor``, and
    the pairs (block row, sample) scoring at least ``threshold``. Excluded (-inf) scores
    enter no ranking and no sum."""
    n_b, n_s = len(scores), len(scores[0]) if scores else 0
    by_sample, lr_sum = [], []
    for s in range(n_s):
        cand = sorted((-scores[b][s], int(rows[b])) for b in range(n_b)
                      if scores[b][s] > -math.inf)
        by_sample.append([(int(r), -v) for v, r in cand[:k_s]])
        lr_sum.append(sum(10.0 ** scores[b][s] for b in range(n_b) if scores[b][s] > floor))
    by_row = []
    for b in range(n_b):
        cand = sorted((-scores[b][s], s) for s in range(n_s) if scores[b][s] > -math.inf)
        by_row.append([(s, -v) for v, s in cand[:k_m]])
    pairs = sorted((b, s) for b in range(n_b) for s in range(n_s) if scores[b][s] >= threshold)
    return {"by_sample": by_sample, "lr_sum": lr_sum, "by_row": by_row, "pairs": pairs}
