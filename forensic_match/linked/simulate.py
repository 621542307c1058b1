"""Gene dropping with crossovers on a sex-specific genetic map, and degraded SNP calls.

Crossovers of a meiosis form a Poisson process along each chromosome in genetic distance
(rate 1 per Morgan: no interference, the process behind the Haldane map function), on the male
map for a father and the female map for a mother; the transmitted haplotype starts on a random
one of the parent's two and switches at each crossover. Founder haplotypes are drawn
independently at each SNP from the panel's allele frequencies (no linkage disequilibrium).

For robustness studies the founders can break the likelihood's assumptions:
:func:`balding_nichols` draws a subpopulation's (or another population's) frequencies around
the panel's, and ``ld`` in :func:`founder_haplotypes` copies alleles of neighbouring SNPs in
blocks (a crude linkage disequilibrium that keeps every SNP's allele frequency).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from forensic_match.errors import InputError
from forensic_match.linked.panel import SnpPanel
from forensic_match.pedigree import Pedigree


def _chromosome_spans(panel: SnpPanel) -> tuple[np.ndarray, np.ndarray]:
    """Index of each marker's chromosome and its first and last marker."""
    chrom_id = np.cumsum(panel.chrom_start) - 1
    starts = np.flatnonzero(panel.chrom_start)
    ends = np.append(starts[1:], len(panel)) - 1
    return chrom_id, np.stack([starts, ends], axis=1)


def transmit(haplotypes: np.ndarray, cm: np.ndarray, chrom_id: np.ndarray, spans: np.ndarray,
             rng: np.random.Generator) -> np.ndarray:
    """One meiosis: the haplotype passed on by a parent with ``haplotypes`` (2, n markers).

    ``cm`` are the markers' positions on the parent's sex map; crossovers outside the span
    of a chromosome's markers change no marker and are not drawn.
    """
    start_bit = rng.integers(0, 2, size=spans.shape[0])
    lo, hi = cm[spans[:, 0]], cm[spans[:, 1]]
    counts = rng.poisson((hi - lo) / 100.0)
    # crossovers of chromosome k are placed at k * BIG + position so one sorted array serves
    offset = np.arange(spans.shape[0]) * (hi.max(initial=0.0) + 1.0)
    points = np.sort(np.repeat(lo + offset, counts) + rng.random(counts.sum())
                     * np.repeat(hi - lo, counts))
    before = np.searchsorted(points, cm + offset[chrom_id], side="right")
    which = (before + start_bit[chrom_id]) % 2
    return haplotypes[which, np.arange(cm.size)]


def drop_labels(pedigree: Pedigree, panel: SnpPanel, rng: np.random.Generator,
                ) -> dict[str, np.ndarray]:
    """Founder-gene labels (2, n: paternal, maternal) of everyone in ``pedigree``: founder
    ``k`` (in pedigree order) carries genes ``2k`` and ``2k + 1``; two persons share a gene
    identical by descent at a marker where a label is the same."""
    chrom_id, spans = _chromosome_spans(panel)
    n = len(panel)
    labels: dict[str, np.ndarray] = {}
    founders = 0
    for i in pedigree.topological_order:
        ident = pedigree.ids[i]
        parents = pedigree.parents(ident)
        if parents is None:
            labels[ident] = np.stack([np.full(n, 2 * founders), np.full(n, 2 * founders + 1)])
            founders += 1
        else:
            labels[ident] = np.stack([
                transmit(labels[parents[0]], panel.cm_male, chrom_id, spans, rng),
                transmit(labels[parents[1]], panel.cm_female, chrom_id, spans, rng)])
    return labels


def balding_nichols(freq_a1: np.ndarray, fst: float, rng: np.random.Generator) -> np.ndarray:
    """Allele-1 frequencies of a subpopulation drawn around ``freq_a1``: at each SNP
    independently ``Beta(p (1 - F) / F, (1 - p)(1 - F) / F)``, which has mean ``p`` and
    variance ``F p (1 - p)`` (Balding & Nichols 1995, *Genetica* 96:3; ``F`` is Wright's
    ``F_ST``, the forensic ``theta``). ``fst = 0`` returns a copy of ``freq_a1``.

    Examples
    --------
    >>> q = balding_nichols(np.array([0.2, 0.7]), 0.02, np.random.default_rng(1))
    >>> q.shape, bool(np.all((q >= 0) & (q <= 1)))
    ((2,), True)
    """
    if not 0.0 <= fst < 1.0:
        raise InputError(f"F_ST must lie in [0, 1), got {fst}")
    p = np.asarray(freq_a1, dtype=np.float64)
    if fst == 0.0:
        return p.copy()
    scale = (1.0 - fst) / fst
    return rng.beta(p * scale, (1.0 - p) * scale)


def founder_haplotypes(freq_a1: np.ndarray, count: int, rng: np.random.Generator, *,
                       chrom_start: np.ndarray | None = None, ld: float = 0.0) -> np.ndarray:
    """``count`` founder haplotypes (count, n; 1 = allele 1) with allele-1 frequencies
    ``freq_a1``.

    With ``ld = 0`` every allele is an independent draw. With ``ld > 0`` a crude linkage
    disequilibrium: each haplotype carries a uniform number ``U`` per SNP, the allele is
    ``U < p``, and ``U`` is copied from the previous SNP of the same chromosome with
    probability ``ld`` (drawn afresh otherwise and at each ``chrom_start``). Runs of copied
    ``U`` are blocks of correlated alleles (neighbours are positively correlated, most when
    their frequencies are close); each SNP keeps its frequency exactly.
    """
    if not 0.0 <= ld < 1.0:
        raise InputError(f"ld must lie in [0, 1), got {ld}")
    p = np.asarray(freq_a1, dtype=np.float64)
    u = rng.random((count, p.size))
    if ld > 0.0:
        fresh = rng.random((count, p.size)) >= ld
        fresh[:, 0] = True
        if chrom_start is not None:
            fresh[:, np.asarray(chrom_start, dtype=bool)] = True
        last = np.maximum.accumulate(np.where(fresh, np.arange(p.size), 0), axis=1)
        u = np.take_along_axis(u, last, axis=1)
    return (u < p).astype(np.int8)


def drop_genes(pedigree: Pedigree, panel: SnpPanel, rng: np.random.Generator, *,
               labels: dict[str, np.ndarray] | None = None,
               freq_a1: np.ndarray | None = None, ld: float = 0.0) -> dict[str, np.ndarray]:
    """Haplotypes (2, n: paternal, maternal; 1 = allele 1) of everyone in ``pedigree``:
    founder genes drawn from ``freq_a1`` (the panel frequencies if not given; with linkage
    disequilibrium ``ld``, see :func:`founder_haplotypes`), passed down along ``labels``
    (from :func:`drop_labels`, drawn if not given)."""
    labels = drop_labels(pedigree, panel, rng) if labels is None else labels
    n_genes = 1 + max(int(lab.max()) for lab in labels.values())
    p = panel.freq_a1 if freq_a1 is None else np.asarray(freq_a1, dtype=np.float64)
    if ld > 0.0:
        founder_alleles = founder_haplotypes(p, n_genes, rng, chrom_start=panel.chrom_start,
                                             ld=ld)
    else:  # the original draw, so that seeded simulations stay the same
        founder_alleles = (rng.random((n_genes, p.size)) < p).astype(np.int8)
    cols = np.arange(p.size)
    return {ident: founder_alleles[lab, cols] for ident, lab in labels.items()}


def shared_ibd(labels: dict[str, np.ndarray], first: str, second: str) -> np.ndarray:
    """Number of genes (0, 1, 2) the two persons share identical by descent at each marker."""
    a, b = labels[first], labels[second]
    same = (a[0] == b[0]) | (a[0] == b[1])
    other = (a[1] == b[0]) | (a[1] == b[1])
    return same.astype(np.int64) + (other & (a[1] != a[0])).astype(np.int64)


def degrade(haplotypes: np.ndarray, freq_a1: np.ndarray, rng: np.random.Generator, *,
            error: float = 0.0, missing: float = 0.0, dropout: float = 0.0) -> np.ndarray:
    """Call codes (copies of allele 1, -1 missing) of a sample typed with errors.

    With probability ``error`` a call is replaced by a genotype drawn from the population
    (Hardy-Weinberg); then each allele copy drops out with probability ``dropout`` (a lone
    allele is called homozygous, none is a missing call); finally each call is missing with
    probability ``missing``. The same model as the likelihood's (``docs/linked.md``).
    """
    for name, v in (("error", error), ("missing", missing), ("dropout", dropout)):
        if not 0.0 <= v <= 1.0:
            raise InputError(f"{name} probability must lie in [0, 1], got {v}")
    n = freq_a1.size
    alleles = haplotypes.astype(np.int64).copy()
    swap = rng.random(n) < error
    alleles[:, swap] = (rng.random((2, int(swap.sum()))) < freq_a1[swap]).astype(np.int64)
    shown = rng.random((2, n)) >= dropout
    codes = np.full(n, -1, dtype=np.int64)
    both = shown[0] & shown[1]
    codes[both] = alleles[0, both] + alleles[1, both]
    for k in (0, 1):
        alone = shown[k] & ~shown[1 - k]
        codes[alone] = 2 * alleles[k, alone]
    codes[rng.random(n) < missing] = -1
    return codes


def simulate_pair(pedigree: Pedigree, first: str, second: str, panel: SnpPanel,
                  rng: np.random.Generator, *, error: float = 0.0, missing: float = 0.0,
                  dropout: float = 0.0, labels: dict[str, np.ndarray] | None = None,
                  freq_a1: np.ndarray | None = None, ld: float = 0.0,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Call codes of two persons of ``pedigree`` after gene dropping and degradation
    (``labels``: a given :func:`drop_labels` outcome, to know the true IBD; ``freq_a1``: the
    founders' population frequencies, the panel's if not given, also used for the error
    draws; ``ld``: see :func:`founder_haplotypes`).

    Examples
    --------
    >>> from forensic_match.linked import RELATIONSHIPS, load_force_panel
    >>> a, b = simulate_pair(RELATIONSHIPS["first cousins"].pedigree(), "A", "B",
    ...                      load_force_panel(), np.random.default_rng(1), missing=0.3)
    >>> a.shape
    (3930,)
    """
    haps = drop_genes(pedigree, panel, rng, labels=labels, freq_a1=freq_a1, ld=ld)
    p = panel.freq_a1 if freq_a1 is None else np.asarray(freq_a1, dtype=np.float64)
    return (degrade(haps[first], p, rng, error=error, missing=missing, dropout=dropout),
            degrade(haps[second], p, rng, error=error, missing=missing, dropout=dropout))


def simulate_programme_snps(programme: Any, panel: SnpPanel, rng: np.random.Generator, *,
                            pm_error: float = 0.01, reference_error: float = 0.01,
                            pm_missing: float = 0.3, reference_missing: float = 0.0,
                            pm_typed: float = 1.0, map_source: str = "") -> Any:
    """SNP calls for a simulated identification programme
    (:class:`~forensic_match.dvi.simulate.SimulatedProgramme`), as
    :class:`~forensic_match.linked.scores.SnpData`.

    Genes are dropped down each family's pedigree (:func:`drop_genes`, independently of the
    programme's STR gene drop: the two marker sets unlinked, as the combination assumes);
    the family's typed relatives are SNP-typed, and each PM sample of a missing person takes
    his haplotypes, of an unrelated body fresh founder haplotypes (one draw per body, shared
    by its fragments). Each sample is then degraded independently (:func:`degrade`: error,
    then missing calls); a PM sample is SNP-typed with probability ``pm_typed``.
    """
    from forensic_match.linked.scores import SnpData

    p = panel.freq_a1
    haps: dict[tuple[str, str], np.ndarray] = {}
    refs: dict[str, dict[str, np.ndarray]] = {}
    for fam in programme.dataset.am:
        dropped = drop_genes(fam.pedigree, panel, rng)
        for ident, h in dropped.items():
            haps[(fam.id, ident)] = h
        refs[fam.id] = {ident: degrade(dropped[ident], p, rng, error=reference_error,
                                       missing=reference_missing).astype(np.int8)
                        for ident in sorted(fam.genotypes)}
    body_haps: dict[str, np.ndarray] = {}
    pm: dict[str, np.ndarray] = {}
    for rec in programme.truth.iter_rows(named=True):
        body = rec["body"]
        if body not in body_haps:
            body_haps[body] = haps[(rec["family"], rec["missing"])] \
                if rec["family"] is not None else founder_haplotypes(p, 2, rng)
        if rng.random() < pm_typed:
            pm[rec["pm"]] = degrade(body_haps[body], p, rng, error=pm_error,
                                    missing=pm_missing).astype(np.int8)
    return SnpData(panel, pm, refs, map_source)


def sequence_reads(codes: np.ndarray, rng: np.random.Generator, *, depth: float,
                   error: float) -> tuple[np.ndarray, np.ndarray]:
    """Genotype likelihoods of low-coverage sequencing of a person with true genotypes
    ``codes`` (copies of allele 1, no missing): at each SNP a Poisson(``depth``) number of
    reads, each from one of the two gene copies at random and showing the other allele with
    probability ``error``; the likelihood of genotype g is the binomial
    ``q_g^k (1 - q_g)^(r - k)`` of the k allele-1 reads among r, ``q_g = (g/2)(1 - error) +
    (1 - g/2) error`` (the binomial coefficient, the same for every g, left out).

    Returns the likelihoods (n, 3) (all ones where no read) and the read counts (n, 2:
    allele 1, allele 2).
    """
    codes = np.asarray(codes)
    if codes.min(initial=0) < 0:
        raise ValueError("true genotypes are needed (no missing calls)")
    q = np.array([0.0, 0.5, 1.0]) * (1.0 - error) + np.array([1.0, 0.5, 0.0]) * error
    reads = rng.poisson(depth, codes.size)
    ones = rng.binomial(reads, q[codes])
    like = q[None, :] ** ones[:, None] * (1.0 - q[None, :]) ** (reads - ones)[:, None]
    return like, np.stack([ones, reads - ones], axis=1)


def call_genotypes(like: np.ndarray, *, min_quality: float = 0.0) -> np.ndarray:
    """Hard calls from genotype likelihoods: the most likely genotype, missing (-1) when its
    quality ``10 log10(best / second best)`` (as a VCF GQ from PL) is below ``min_quality``
    or when two genotypes tie."""
    like = np.asarray(like, dtype=np.float64)
    order = np.sort(like, axis=1)
    with np.errstate(divide="ignore"):
        quality = 10.0 * np.log10(order[:, 2] / order[:, 1])
    calls = np.argmax(like, axis=1).astype(np.int8)
    calls[(quality < min_quality) | (order[:, 2] == order[:, 1])] = -1
    return calls
