"""Plain-Python oracle for the linked-marker pair likelihood: enumeration over the inheritance
vectors of every meiosis of the pedigree at every marker (no reduction, no symmetry), and over
the alleles of every founder gene. Only for tiny cases (2 ** (meioses * markers) sequences).
"""

from __future__ import annotations

import itertools
import math

from forensic_match.pedigree import Pedigree


def call_probability(call: int, true: int, p: float, error: float, dropout: float) -> float:
    """P(call | true genotype): with probability ``error`` the genotype is replaced by a
    Hardy-Weinberg draw, then each allele copy drops out independently; -1 (missing) is 1."""
    if call < 0:
        return 1.0

    def seen(count: int) -> float:
        alleles = [1] * count + [0] * (2 - count)
        total = 0.0
        for drops in itertools.product((False, True), repeat=2):
            prob = 1.0
            for dropped in drops:
                prob *= dropout if dropped else 1.0 - dropout
            shown = [a for a, dropped in zip(alleles, drops) if not dropped]
            if not shown:
                continue
            called = 2 * shown[0] if len(set(shown)) == 1 else 1
            if called == call:
                total += prob
        return total

    hw = {0: (1 - p) ** 2, 1: 2 * p * (1 - p), 2: p * p}
    return (1 - error) * seen(true) + error * sum(hw[g] * seen(g) for g in range(3))


def data_probability(data: int | tuple[float, float, float], true: int, p: float,
                     error: float, dropout: float) -> float:
    """P(data | true genotype) of a call code (:func:`call_probability`) or of genotype
    likelihoods ``(L0, L1, L2)``: with probability ``error`` the data came from a
    Hardy-Weinberg draw instead, ``(1 - e) L(t) + e sum_g P_HW(g) L(g)`` (no dropout)."""
    if isinstance(data, int):
        return call_probability(data, true, p, error, dropout)
    assert dropout == 0.0
    hw = [(1 - p) ** 2, 2 * p * (1 - p), p * p]
    return (1 - error) * data[true] + error * sum(h * x for h, x in zip(hw, data))


def oracle_likelihood(pedigree: Pedigree, first: str, second: str, freq: list[float],
                      chrom: list[str], cm_male: list[float], cm_female: list[float],
                      calls_first: list[int], calls_second: list[int], *,
                      error: tuple[float, float] = (0.0, 0.0),
                      dropout: tuple[float, float] = (0.0, 0.0), fst: float = 0.0) -> float:
    """P(calls of the two persons | pedigree) over linked biallelic markers."""
    return oracle_family_likelihood(pedigree, [first, second], freq, chrom, cm_male,
                                    cm_female, [calls_first, calls_second], list(error),
                                    list(dropout), fst=fst)


def founder_alleles_probability(alleles: tuple[int, ...], p: float, fst: float) -> float:
    """P(founder genes carry ``alleles``, 1 = allele 1) when they are a sample from one
    subpopulation whose frequency is Beta(a, b), a = p (1 - F) / F, b = (1 - p)(1 - F) / F:
    the Beta-binomial moment ``B(a + n1, b + n0) / B(a, b)`` as rising factorials
    ``a^(n1) b^(n0) / (a + b)^(n)`` (independent draws with probability ``p`` when F = 0)."""
    n1 = sum(alleles)
    n0 = len(alleles) - n1
    if fst == 0.0:
        return p ** n1 * (1 - p) ** n0
    a, b = p * (1 - fst) / fst, (1 - p) * (1 - fst) / fst
    out = 1.0
    for i in range(n1):
        out *= (a + i) / (a + b + i)
    for j in range(n0):
        out *= (b + j) / (a + b + n1 + j)
    return out


def oracle_family_likelihood(pedigree: Pedigree, typed: list[str], freq: list[float],
                             chrom: list[str], cm_male: list[float], cm_female: list[float],
                             calls: list[list[int]], error: list[float],
                             dropout: list[float], *, fst: float = 0.0) -> float:
    """P(data of the typed persons | pedigree) over linked biallelic markers; each person's
    data at a marker is a call code or a triple of genotype likelihoods."""
    ids = list(pedigree.ids)
    founders = [i for i in ids if pedigree.parents(i) is None]
    meioses = []  # (child, parent, side)
    for i in ids:
        parents = pedigree.parents(i)
        if parents is not None:
            meioses += [(i, parents[0], 0), (i, parents[1], 1)]
    n_meioses, n_markers = len(meioses), len(freq)

    children = [i for i in ids if pedigree.parents(i) is not None]

    def genes_of(vector: tuple[int, ...]) -> dict[str, tuple[int, int]]:
        genes = {f: (2 * k, 2 * k + 1) for k, f in enumerate(founders)}
        while len(genes) < len(ids):
            for j, child in enumerate(children):
                father, mother = pedigree.parents(child)
                if child not in genes and father in genes and mother in genes:
                    genes[child] = (genes[father][vector[2 * j]],
                                    genes[mother][vector[2 * j + 1]])
        return genes

    def emission(marker: int, vector: tuple[int, ...]) -> float:
        genes = genes_of(vector)
        p = freq[marker]
        total = 0.0
        for alleles in itertools.product((0, 1), repeat=2 * len(founders)):
            prob = founder_alleles_probability(alleles, p, fst)
            for j, person in enumerate(typed):
                count = alleles[genes[person][0]] + alleles[genes[person][1]]
                prob *= data_probability(calls[j][marker], count, p, error[j], dropout[j])
            total += prob
        return total

    def recombination(marker: int, sex: int) -> float:
        if marker == 0 or chrom[marker] != chrom[marker - 1]:
            return 0.5
        cm = cm_male if sex == 0 else cm_female
        return 0.5 * (1 - math.exp(-2 * (cm[marker] - cm[marker - 1]) / 100))

    vectors = list(itertools.product((0, 1), repeat=n_meioses))
    emis = [[emission(i, v) for v in vectors] for i in range(n_markers)]
    total = 0.0
    for seq in itertools.product(range(len(vectors)), repeat=n_markers):
        prob = 0.5 ** n_meioses * emis[0][seq[0]]
        for i in range(1, n_markers):
            before, after = vectors[seq[i - 1]], vectors[seq[i]]
            for k, (_, _, side) in enumerate(meioses):
                r = recombination(i, side)
                prob *= r if before[k] != after[k] else 1 - r
            prob *= emis[i][seq[i]]
        total += prob
    return total
