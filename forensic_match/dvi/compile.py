"""Compile: each missing person's LR table over every genotype a PM sample could show.

For a missing person M of a reference family with data R, one pass of the exact pedigree
likelihood per marker gives ``post[g] = P(G_M = g | R)``; the compiled table is
``LR[g] = post[g] / P(g)`` over every unordered genotype of the marker's full allele list
(``P(g)`` Hardy-Weinberg). Searching a PM sample is then one gather per marker.

Alleles nobody in the family shows are merged by the engine where that is exact. To recover
the posterior of each unseen allele exactly (it is *not* proportional to its frequency once
mutation is modelled), three "tracer" alleles of the merged block are kept separate and the
known polynomial form in the allele frequency is fitted to them; a check against the merged
mass guards every fit (see docs/matching.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forensic_match.cases import Family
from forensic_match.likelihood.engine import OTHER, GenotypePosterior, genotype_posterior
from forensic_match.markers import Marker

#: Relative disagreement between a fitted expansion and the merged mass that makes the
#: compiler fall back to the full allele list for that marker.
FIT_CHECK_RTOL = 1e-10
_EXPANDABLE = (None, "equal", "proportional")


def genotype_index(i: np.ndarray | int, j: np.ndarray | int) -> Any:
    """Index of the unordered genotype {i, j} in a triangular table (``i, j`` allele indices)."""
    lo = np.minimum(i, j)
    hi = np.maximum(i, j)
    return hi * (hi + 1) // 2 + lo


def table_size(n_alleles: int) -> int:
    """Number of unordered genotypes over ``n_alleles`` alleles."""
    return n_alleles * (n_alleles + 1) // 2


def hardy_weinberg(p: np.ndarray) -> np.ndarray:
    """``P(g)`` for every unordered genotype (triangular order)."""
    n = p.size
    i, j = np.tril_indices(n)  # i >= j
    out = np.empty(table_size(n))
    out[genotype_index(i, j)] = np.where(i == j, p[i] * p[i], 2.0 * p[i] * p[j])
    return out


def _expandable(marker: Marker) -> bool:
    mut = marker.mutation
    if mut is None:
        return True
    return mut.female.model in _EXPANDABLE and mut.male.model in _EXPANDABLE


def _tracers(marker: Marker, seen: set[str]) -> list[str] | None:
    """Three unseen alleles with distinct frequencies spanning the block, or ``None`` when the
    block is too small or too uniform to fit (then no allele is merged)."""
    block = [(float(f), a) for a, f in zip(marker.alleles, marker.frequencies) if a not in seen]
    if len(block) < 5:
        return None
    block.sort()
    lo, hi = block[0], block[-1]
    mid_target = np.sqrt(lo[0] * hi[0])
    mid = min(block[1:-1], key=lambda fa: abs(np.log(fa[0]) - np.log(mid_target)))
    if len({lo[0], mid[0], hi[0]}) < 3:
        return None
    return [lo[1], mid[1], hi[1]]


def _fit(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    coef, *_ = np.linalg.lstsq(xs, ys, rcond=None)
    return coef


def _expand(post: GenotypePosterior, marker: Marker, tracers: list[str]) -> np.ndarray | None:
    """Full ordered posterior ``n x n`` from a posterior with tracers kept; ``None`` if a fit
    fails its check."""
    n = len(marker)
    p = marker.frequencies
    labels = post.alleles
    full = np.zeros((n, n))
    work = [marker.index(a) if a != OTHER else -1 for a in labels]
    kept = [w for w in work if w >= 0]
    w_idx = np.array(kept)
    sub = post.matrix[:len(kept), :len(kept)]
    full[np.ix_(w_idx, w_idx)] = sub
    if OTHER not in labels:
        return full
    o = len(labels) - 1
    rest = np.array([marker.index(a) for a in post.other])
    pr = p[rest]
    pos = {a: k for k, a in enumerate(labels)}
    t = [pos[a] for a in tracers]
    pt = np.array([p[marker.index(a)] for a in tracers])
    ones = np.ones(3)
    affine = np.column_stack([ones, pt])
    scale = max(float(post.matrix.max()), 1e-300)

    def check(pred_sum: float, lumped: float) -> bool:
        return abs(pred_sum - lumped) <= FIT_CHECK_RTOL * scale

    non_tracer = [k for k in range(len(kept)) if labels[k] not in tracers]
    for k in non_tracer:
        x = work[k]
        for row in (True, False):
            vals = post.matrix[k, t] if row else post.matrix[t, k]
            a, b = _fit(affine, vals)
            pred = a + b * pr
            lumped = post.matrix[k, o] if row else post.matrix[o, k]
            if not check(float(pred.sum()), float(lumped)):
                return None
            if row:
                full[x, rest] = pred
            else:
                full[rest, x] = pred
    # Pairs of unseen alleles: off-diagonal bilinear, diagonal quadratic in the frequencies.
    pairs = [(r, c) for r in range(3) for c in range(3) if r != c]
    design = np.array([[1.0, pt[r], pt[c], pt[r] * pt[c]] for r, c in pairs])
    coef = _fit(design, np.array([post.matrix[t[r], t[c]] for r, c in pairs]))
    diag = _fit(np.column_stack([ones, pt, pt * pt]),
                np.array([post.matrix[t[r], t[r]] for r in range(3)]))
    # Tracer against a merged allele, and merged against merged.
    pu, pv = np.meshgrid(pr, pr, indexing="ij")
    block_rr = coef[0] + coef[1] * pu + coef[2] * pv + coef[3] * pu * pv
    np.fill_diagonal(block_rr, diag[0] + diag[1] * pr + diag[2] * pr * pr)
    if not check(float(block_rr.sum()), float(post.matrix[o, o])):
        return None
    full[np.ix_(rest, rest)] = block_rr
    for r in range(3):
        tr = marker.index(tracers[r])
        row_vals = coef[0] + coef[1] * pt[r] + coef[2] * pr + coef[3] * pt[r] * pr
        col_vals = coef[0] + coef[1] * pr + coef[2] * pt[r] + coef[3] * pr * pt[r]
        if not (check(float(row_vals.sum()), float(post.matrix[t[r], o]))
                and check(float(col_vals.sum()), float(post.matrix[o, t[r]]))):
            return None
        full[tr, rest] = row_vals
        full[rest, tr] = col_vals
    return full


def _without_mutation(marker: Marker) -> Marker:
    cached = marker.__dict__.get("_fm_no_mutation")
    if cached is None:
        cached = marker if marker.mutation is None else marker.with_mutation(None)
        marker.__dict__["_fm_no_mutation"] = cached
    return cached


def _seen(family: Family, marker: Marker) -> set[str]:
    out: set[str] = set()
    for prof in family.genotypes.values():
        g = prof.get(marker.name)
        if g is not None:
            out.update(a for a in g if a is not None)
    return out


def compile_missing(family: Family, missing: str, markers: Sequence[Marker],
                    ) -> tuple[np.ndarray, np.ndarray, float]:
    """LR table of one missing person.

    Returns
    -------
    log10_lr : numpy.ndarray
        Concatenated per-marker triangular tables of log10 LR (``-inf`` where impossible).
    consistent : numpy.ndarray of bool
        Whether each genotype is possible for the missing person without mutation.
    log10_likelihood : float
        log10 of the family's likelihood (all markers).
    """
    profiles = family.genotypes
    seen = [_seen(family, m) for m in markers]
    keep: list[list[str]] = []
    tracer_sets: list[list[str] | None] = []
    for marker, s in zip(markers, seen):
        tracers = _tracers(marker, s) if _expandable(marker) else None
        tracer_sets.append(tracers)
        keep.append(list(tracers) if tracers is not None else list(marker.alleles))
    posts = genotype_posterior(family.pedigree, markers, profiles, missing,
                               keep_alleles=keep)
    plain = [_without_mutation(m) for m in markers]
    consistent_posts = genotype_posterior(family.pedigree, plain, profiles, missing)
    tables, flags = [], []
    loglik = 0.0
    for marker, post, tracers, cpost in zip(markers, posts, tracer_sets, consistent_posts):
        loglik += np.log10(post.likelihood) if post.likelihood > 0 else -np.inf
        full = _expand(post, marker, tracers or [])
        if full is None:
            again = genotype_posterior(family.pedigree, [marker], profiles, missing,
                                       lump=False)[0]
            full = _expand(again, marker, [])
        tables.append(_log10_lr(full, marker.frequencies))
        flags.append(_consistent(cpost, marker))
    return np.concatenate(tables), np.concatenate(flags), float(loglik)


def _log10_lr(full: np.ndarray, p: np.ndarray) -> np.ndarray:
    n = p.size
    i, j = np.tril_indices(n)
    post = np.where(i == j, full[i, j], full[i, j] + full[j, i])
    out = np.empty(table_size(n))
    with np.errstate(divide="ignore"):
        out[genotype_index(i, j)] = np.log10(post) - np.log10(
            np.where(i == j, p[i] * p[i], 2.0 * p[i] * p[j]))
    return out


def _consistent(post: GenotypePosterior, marker: Marker) -> np.ndarray:
    """Genotypes possible without mutation (all ``True`` if the family itself needs mutation)."""
    n = len(marker)
    out = np.ones(table_size(n), dtype=bool)
    if not post.likelihood > 0:
        return out
    work = np.array([marker.index(a) if a != OTHER else -1 for a in post.alleles])
    sym = post.matrix + post.matrix.T
    k = len(work)
    lab = np.where(work >= 0, work, -1)
    rest = np.array([marker.index(a) for a in post.other], dtype=np.int64)
    out[:] = False
    for r in range(k):
        for c in range(r, k):
            if sym[r, c] <= 0:
                continue
            rows = [lab[r]] if lab[r] >= 0 else rest
            cols = [lab[c]] if lab[c] >= 0 else rest
            rr, cc = np.meshgrid(rows, cols, indexing="ij")
            out[genotype_index(rr.ravel(), cc.ravel())] = True
    return out


@dataclass
class CompiledTables:
    """Compiled LR tables of many missing persons over a fixed marker panel.

    Attributes
    ----------
    markers : tuple of Marker
    offsets : numpy.ndarray
        Start of each marker's triangular table in a row; ``offsets[-1]`` is the row length.
    rows : list of (family id, missing id)
    log10_lr : numpy.ndarray
        ``(rows, offsets[-1])`` float64.
    consistent : numpy.ndarray
        ``(rows, offsets[-1])`` bool: genotype possible without mutation.
    log10_likelihood : numpy.ndarray
        Family likelihood per row (for reuse checks and reports).
    """

    markers: tuple[Marker, ...]
    offsets: np.ndarray
    rows: list[tuple[str, str]]
    log10_lr: np.ndarray
    consistent: np.ndarray
    log10_likelihood: np.ndarray
    sex: list[str] = field(default_factory=list)

    @property
    def nbytes_per_row(self) -> int:
        """Bytes of one missing person's tables."""
        return int(self.log10_lr.shape[1] * (self.log10_lr.itemsize + 1))


def marker_offsets(markers: Sequence[Marker]) -> np.ndarray:
    """Start of each marker's triangular table in a compiled row."""
    sizes = [table_size(len(m)) for m in markers]
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def compile_families(families: Sequence[Family], markers: Sequence[Marker], *,
                     progress: bool = False) -> CompiledTables:
    """Compile every missing person of every family (see :func:`compile_missing`).

    Parameters
    ----------
    families : sequence of Family
    markers : sequence of Marker
        The panel, with every allele any PM sample shows (extend it first with
        :func:`forensic_match.likelihood.prepare_markers`).
    progress : bool
        Show a progress bar on standard error.
    """
    markers = tuple(markers)
    offsets = marker_offsets(markers)
    rows = [(f.id, m) for f in families for m in f.missing]
    lr = np.empty((len(rows), offsets[-1]))
    ok = np.empty((len(rows), offsets[-1]), dtype=bool)
    loglik = np.empty(len(rows))
    sexes = []
    r = 0
    iterator: Any = families
    if progress:
        from forensic_match.progress import progress_bar

        iterator = progress_bar(families, desc="compile", unit="family")
    for fam in iterator:
        for m in fam.missing:
            lr[r], ok[r], loglik[r] = compile_missing(fam, m, markers)
            sexes.append(fam.sex_of(m))
            r += 1
    return CompiledTables(markers, offsets, rows, lr, ok, loglik, sexes)
