"""Gene dropping with crossovers on a sex-specific genetic map, and degraded SNP calls.

Crossovers of a meiosis form a Poisson process along each chromosome in genetic distance
(rate 1 per Morgan: no interference, the process behind the Haldane map function), on the male
map for a father and the female map for a mother; the transmitted haplotype starts on a random
one of the parent's two and switches at each crossover. Founder haplotypes are drawn
independently at each SNP from the panel's allele frequencies (no linkage disequilibrium).
"""

from __future__ import annotations

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


def drop_genes(pedigree: Pedigree, panel: SnpPanel, rng: np.random.Generator,
               ) -> dict[str, np.ndarray]:
    """Haplotypes (2, n: paternal, maternal; 1 = allele 1) of everyone in ``pedigree``."""
    chrom_id, spans = _chromosome_spans(panel)
    p = panel.freq_a1
    haps: dict[str, np.ndarray] = {}
    for i in pedigree.topological_order:
        ident = pedigree.ids[i]
        parents = pedigree.parents(ident)
        if parents is None:
            haps[ident] = (rng.random((2, p.size)) < p).astype(np.int8)
        else:
            haps[ident] = np.stack([
                transmit(haps[parents[0]], panel.cm_male, chrom_id, spans, rng),
                transmit(haps[parents[1]], panel.cm_female, chrom_id, spans, rng)])
    return haps


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
                  dropout: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Call codes of two persons of ``pedigree`` after gene dropping and degradation.

    Examples
    --------
    >>> from forensic_match.linked import RELATIONSHIPS, load_force_panel
    >>> a, b = simulate_pair(RELATIONSHIPS["first cousins"].pedigree(), "A", "B",
    ...                      load_force_panel(), np.random.default_rng(1), missing=0.3)
    >>> a.shape
    (3930,)
    """
    haps = drop_genes(pedigree, panel, rng)
    return (degrade(haps[first], panel.freq_a1, rng, error=error, missing=missing,
                    dropout=dropout),
            degrade(haps[second], panel.freq_a1, rng, error=error, missing=missing,
                    dropout=dropout))
