"""Per-marker likelihood ratios of a stored proposal, recomputed with the exact engine.

The store keeps a proposal's total log10 LR, not its markers' LRs. A report recomputes them
from the data versions the proposal rests on (its basis: the family's pedigree version and
the profiles of its typed relatives and PM fragments) with the exact pedigree likelihood:

- one PM sample: :func:`~forensic_match.dvi.search.exact_pair_log10_lr` (H1: the sample is
  the missing person; H2: an unrelated person; theta and dropout exact);
- several fragments of one body (theta 0): the missing person's genotype posterior
  ``post[g] = P(G_M = g | family)`` from :func:`~forensic_match.likelihood.genotype_posterior`
  and, per marker,
  ``LR = Σ_g post[g] Π_f P(x_f | g) / Σ_g P(g) Π_f P(x_f | g)``
  with ``P(g)`` the Hardy-Weinberg genotype probability and ``P(x_f | g)`` each fragment's
  dropout model (``docs/reports.md``).

The sum of the recomputed log10 LRs is compared with the stored total; the report prints both.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from forensic_match.cases import Family, PMSample
from forensic_match.errors import InputError
from forensic_match.markers import Marker


@dataclass
class MarkerLRs:
    """Recomputed per-marker LRs of one body against one missing person.

    Attributes
    ----------
    markers : list of str
        The markers of the panel, in panel order.
    log10_lr : list of float or None
        log10 LR per marker (``None``: no fragment typed at the marker, LR 1, left out of
        the total); ``-inf`` where the data exclude the missing person without mutation.
    observed : list of str
        The body's alleles per marker as seen ("14/15", "14" for one allele seen; fragments
        that differ are joined with " + ").
    method : str
        ``"exact_pair"`` or ``"posterior_fragments"``.
    note : str
        Why per-marker values are absent (empty when present).
    """

    markers: list[str] = field(default_factory=list)
    log10_lr: list[float | None] = field(default_factory=list)
    observed: list[str] = field(default_factory=list)
    method: str = ""
    note: str = ""

    @property
    def log10_total(self) -> float:
        """Sum of the per-marker log10 LRs (untyped markers count 1)."""
        return float(sum(x for x in self.log10_lr if x is not None))

    @property
    def n_typed(self) -> int:
        """Markers at which the body was typed."""
        return sum(x is not None for x in self.log10_lr)


def observation_probability(true: tuple[int, int], seen: tuple[int, int | None],
                            dropout: float) -> float:
    """``P(seen | true genotype)`` under per-allele dropout ``d`` and no drop-in.

    ``seen = (a, None)`` is a partial genotype (one allele a, the other unknown); ``(a, a)``
    is "only a seen". A true a/b is seen as a/b with ``(1-d)^2`` and as a alone with
    ``d(1-d)``; a true a/a is seen as a with ``1-d^2`` (the engine's model, ``DESIGN.md``).

    Examples
    --------
    >>> observation_probability((0, 1), (0, 0), 0.1)
    0.09000000000000001
    >>> observation_probability((0, 0), (0, 0), 0.1)
    0.99
    """
    x, y = true
    a, b = seen
    if b is None:
        return 1.0 if a in (x, y) else 0.0
    s = {a, b}
    if len(s) == 2:
        return (1.0 - dropout) ** 2 if {x, y} == s else 0.0
    if x == y:
        return 1.0 - dropout * dropout if x == a else 0.0
    return dropout * (1.0 - dropout) if a in (x, y) else 0.0


def _genotype_text(g: tuple[str, str | None], dropout: float) -> str:
    if g[1] is None:
        return f"{g[0]}/?"
    if g[0] == g[1] and dropout > 0:
        return f"{g[0]}"
    return f"{g[0]}/{g[1]}"


def _observed(fragments: Sequence[PMSample], name: str) -> str:
    texts = []
    for f in fragments:
        g = f.genotypes.get(name)
        if g is not None and g[0] is not None:
            t = _genotype_text(g, f.dropout)
            if t not in texts:
                texts.append(t)
    return " + ".join(texts)


def _fragments_marker_log10(post: dict[tuple[str, str], float], marker: Marker,
                            fragments: Sequence[PMSample]) -> float | None:
    """``log10 Σ_g post[g] Π_f P(x_f|g) / Σ_g P(g) Π_f P(x_f|g)`` over unordered genotypes."""
    seen = []
    for f in fragments:
        g = f.genotypes.get(marker.name)
        if g is not None and g[0] is not None:
            seen.append(((marker.index(g[0]), None if g[1] is None else marker.index(g[1])),
                         f.dropout))
    if not seen:
        return None
    p = marker.frequencies
    num = den = 0.0
    for (a1, a2), pg in post.items():
        i, j = marker.index(a1), marker.index(a2)
        w = 1.0
        for obs, d in seen:
            w *= observation_probability((i, j), obs, d)
            if w == 0.0:
                break
        if w == 0.0:
            continue
        hw = p[i] * p[i] if i == j else 2.0 * p[i] * p[j]
        num += pg * w
        den += hw * w
    if den == 0.0:
        raise InputError(f"marker {marker.name!r}: the fragments "
                         f"{', '.join(f.id for f in fragments)} show genotypes that one "
                         f"person cannot have; they are not one body")
    return math.log10(num / den) if num > 0.0 else -math.inf


def body_marker_lrs(family: Family, missing: str, fragments: Sequence[PMSample],
                    markers: Sequence[Marker], *, theta: float = 0.0) -> MarkerLRs:
    """Per-marker log10 LR that a body (one or more PM fragments) is ``missing`` of ``family``.

    Parameters
    ----------
    family : Family
        The family as the proposal's basis stores it (pedigree and typed relatives).
    missing : str
        The missing person's id in the pedigree.
    fragments : sequence of PMSample
        The body's samples (one with the same calls at every marker as an earlier one counted
        once: :func:`~forensic_match.dvi.fragments.distinct_fragments`).
    markers : sequence of Marker
        The panel, already extended by every allele the run saw
        (:func:`~forensic_match.dvi.identify.prepare_panel`).
    theta : float
        The run's theta. Several fragments under theta > 0 are not recomputed (``note``).

    Returns
    -------
    MarkerLRs
    """
    from forensic_match.dvi.fragments import distinct_fragments

    fragments = distinct_fragments(fragments)[0]    # each extract once, as the search
    names = [m.name for m in markers]
    observed = [_observed(fragments, n) for n in names]
    if len(fragments) == 1:
        from forensic_match.dvi.search import exact_pair_log10_lr

        sample = fragments[0]
        values = exact_pair_log10_lr(family, missing, sample, markers, theta=theta)
        lrs: list[float | None] = [
            float(v) if (sample.genotypes.get(n) or (None,))[0] is not None else None
            for n, v in zip(names, values)]
        return MarkerLRs(names, lrs, observed, "exact_pair")
    if theta > 0:
        return MarkerLRs(names, [None] * len(names), observed, "",
                         note=f"several fragments under theta {theta:g}")
    from forensic_match.likelihood import genotype_posterior

    posts = genotype_posterior(family.pedigree, markers, family.genotypes, missing,
                               lump=False)
    lrs = []
    for marker, gp in zip(markers, posts):
        lrs.append(_fragments_marker_log10(gp.unordered(), marker, fragments))
    return MarkerLRs(names, lrs, observed, "posterior_fragments")


def direct_marker_lrs(reference: dict[str, tuple[str, str | None]],
                      fragments: Sequence[PMSample], markers: Sequence[Marker], *,
                      theta: float = 0.0) -> MarkerLRs:
    """Per-marker same-source log10 LR of a body against a missing person's direct reference
    (a personal item or a sample taken in life), as the engine compares them
    (``docs/matching.md``, "Commingled remains"): per marker
    ``LR = Σ_g P(g) P(x|g) P(r|g) / (Σ_g P(g) P(x|g) · Σ_g P(g) P(r|g))`` with ``P(g)`` the
    Hardy-Weinberg genotype probability, ``P(x|g)`` the fragment's dropout model and the
    reference taken as typed without dropout. That is :func:`_fragments_marker_log10` of the
    fragment with the reference's genotype posterior ``P(g) P(r|g) / Σ P(g) P(r|g)`` in place
    of the missing person's. The engine keeps the body's fragment with the largest total; so
    does this function. A marker not typed in both is left out (``None``). Under ``theta``
    the genotypes of body and reference come from one Balding-Nichols urn
    (:mod:`~forensic_match.dvi.same_source_theta`, as the engine scores them since
    2026-12-07).
    """
    names = [m.name for m in markers]
    observed = [_observed(fragments, n) for n in names]
    if theta > 0:
        from forensic_match.dvi.same_source_theta import same_source_log10

        ref = PMSample("reference", "U", dict(reference))
        scored = [same_source_log10(f, ref, markers, theta) for f in fragments]
        if not scored:
            return MarkerLRs(names, [None] * len(names), observed, "same_source")
        best_theta = max(scored, key=lambda s: s[0])[2]
        return MarkerLRs(names, best_theta, observed, "same_source_theta")
    posts: list[dict[tuple[str, str], float] | None] = []
    for marker in markers:
        r = reference.get(marker.name)
        if r is None or r[0] is None:
            posts.append(None)
            continue
        seen = (marker.index(r[0]), None if r[1] is None else marker.index(r[1]))
        p, labels = marker.frequencies, marker.alleles
        weights = {(labels[i], labels[j]): (p[i] * p[i] if i == j else 2.0 * p[i] * p[j])
                   * observation_probability((i, j), seen, 0.0)
                   for j in range(len(p)) for i in range(j + 1)}
        total = sum(weights.values())
        # every genotype, the impossible ones at 0: the formula's denominator sums over all
        posts.append({g: w / total for g, w in weights.items()})
    best: list[float | None] | None = None
    for f in fragments:
        lrs = [None if post is None else _fragments_marker_log10(post, marker, [f])
               for post, marker in zip(posts, markers)]
        if best is None or sum(v for v in lrs if v is not None) > \
                sum(v for v in best if v is not None):
            best = lrs
    return MarkerLRs(names, best or [None] * len(names), observed, "same_source")


def finite_or_none(x: float | None) -> float | None:
    """``x`` if it is a finite number, else ``None`` (for JSON and templates)."""
    return x if x is not None and np.isfinite(x) else None
