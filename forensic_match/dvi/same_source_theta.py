"""The same-source LR of a body against a direct reference under theta.

A direct reference (a personal item, a sample taken in life) is compared with a body as the
same source: per marker

``LR = Σ_g P(g) P(x|g) P(r|g) / Σ_{g1, g2} P(g1, g2) P(x|g1) P(r|g2)``

with ``P(x|g)`` the body's observation model (dropout, drop-in) and ``P(r|g)`` the
reference's. Without theta ``P(g1, g2) = P(g1) P(g2)`` (Hardy-Weinberg), the denominator is
a product, and that is what :func:`~forensic_match.dvi.fragments.same_source_pairs` computes
for every pair of samples at once. Under theta the two genotypes' four alleles are drawn from
one Balding-Nichols urn (the same subpopulation), each allele ``a`` with probability
``((1 - θ) p_a + θ n_a) / ((1 - θ) + θ n)`` after ``n`` draws of which ``n_a`` were ``a``
(Balding & Nichols 1994), ``P(g)`` of one person from two draws. For two complete matching
genotypes this is the conditional match probability of NRC II (1996) formulas 4.10a-b:
``LR = (1 + θ)(1 + 2θ) / [2 (θ + (1 - θ) p_a)(θ + (1 - θ) p_b)]`` for a heterozygote,
``(1 + θ)(1 + 2θ) / [(2θ + (1 - θ) p_a)(3θ + (1 - θ) p_a)]`` for a homozygote.

Only the pairs of a body and a direct reference that reached the same-source threshold
without theta are computed here (a few per programme), in plain numpy; identify then uses
these LRs for its direct-reference identifications (``docs/matching.md``, "Theta").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from forensic_match.cases import PMSample
from forensic_match.markers import Marker


def _observation(sample: PMSample, marker: Marker, dropin: float, hw: np.ndarray
                 ) -> np.ndarray | None:
    """``P(x | g)`` of the sample's observation at ``marker`` for every unordered genotype
    (triangular order ``hi (hi + 1) / 2 + lo``; ``hw`` their Hardy-Weinberg probabilities),
    or ``None`` when it is untyped there."""
    from forensic_match.dvi._fragments_numba import observation_vector
    from forensic_match.likelihood._kernels import OBS_PARTIAL, OBS_SET

    g = sample.genotypes.get(marker.name)
    if g is None or g[0] is None:
        return None
    a = marker.index(g[0])
    kind, b = (OBS_PARTIAL, -1) if g[1] is None else (OBS_SET, marker.index(g[1]))
    return observation_vector(marker.frequencies, kind, a, b, sample.dropout, dropin) / hw


def _triangle(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The low and high allele of each unordered genotype in triangular order."""
    hi = np.repeat(np.arange(n), np.arange(1, n + 1))
    lo = np.concatenate([np.arange(k + 1) for k in range(n)]) if n else np.empty(0, int)
    return lo.astype(np.int64), hi.astype(np.int64)


def _urn(seq: np.ndarray, p: np.ndarray, theta: float) -> np.ndarray:
    """Probability of each row of allele draws ``seq`` (rows of equal length) from one
    Balding-Nichols urn, in the row's order (exchangeable: any order gives the same)."""
    out = np.ones(seq.shape[0])
    for n in range(seq.shape[1]):
        a = seq[:, n]
        before = (seq[:, :n] == a[:, None]).sum(axis=1)
        out *= ((1.0 - theta) * p[a] + theta * before) / ((1.0 - theta) + theta * n)
    return out


def marker_log10(x: PMSample, r: PMSample, marker: Marker, theta: float, *,
                 dropin: float = 0.0) -> float | None:
    """log10 of the same-source LR of ``x`` and ``r`` at one marker under ``theta``
    (module doc), or ``None`` when one of them is untyped there."""
    p = marker.frequencies
    lo, hi = _triangle(p.size)
    hw = np.where(lo == hi, p[lo] * p[lo], 2.0 * p[lo] * p[hi])
    wx, wr = _observation(x, marker, dropin, hw), _observation(r, marker, dropin, hw)
    if wx is None or wr is None:
        return None
    sx, sr = np.flatnonzero(wx > 0), np.flatnonzero(wr > 0)
    both = np.intersect1d(sx, sr)
    twice = np.where(lo == hi, 1.0, 2.0)  # ordered arrangements of an unordered genotype
    num = float(np.sum(twice[both] * _urn(np.stack([lo[both], hi[both]], 1), p, theta)
                       * wx[both] * wr[both]))
    gx, gr = np.repeat(sx, sr.size), np.tile(sr, sx.size)
    seq = np.stack([lo[gx], hi[gx], lo[gr], hi[gr]], 1)
    den = float(np.sum(twice[gx] * twice[gr] * _urn(seq, p, theta) * wx[gx] * wr[gr]))
    if num <= 0.0:
        return -np.inf
    return float(np.log10(num) - np.log10(den))


def same_source_log10(x: PMSample, r: PMSample, markers: Sequence[Marker], theta: float, *,
                      dropin: float = 0.0) -> tuple[float, int, list[float | None]]:
    """The same-source log10 LR of two samples under ``theta``: the total, the number of
    markers typed in both, and each marker's (``None`` where one is untyped)."""
    per = [marker_log10(x, r, m, theta, dropin=dropin) for m in markers]
    used = [v for v in per if v is not None]
    return float(np.sum(used)) if used else 0.0, len(used), per


__all__ = ["marker_log10", "same_source_log10"]
