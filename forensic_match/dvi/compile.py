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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from forensic_match.cases import Family
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


def _without_mutation(marker: Marker) -> Marker:
    cached = marker.__dict__.get("_fm_no_mutation")
    if cached is None:
        cached = marker if marker.mutation is None else marker.with_mutation(None)
        marker.__dict__["_fm_no_mutation"] = cached
    return cached


def _frequency_order(marker: Marker) -> np.ndarray:
    cached = marker.__dict__.get("_fm_freq_order")
    if cached is None:
        cached = np.argsort(marker.frequencies, kind="stable")
        marker.__dict__["_fm_freq_order"] = cached
    return cached


def _tracer_indices(marker: Marker, seen: np.ndarray) -> np.ndarray | None:
    """Full indices of three unseen alleles with distinct frequencies spanning the block
    (lowest, closest to the geometric mean, highest), or ``None`` when the block is too small
    or too uniform: then nothing is merged."""
    order = _frequency_order(marker)
    block = order[~seen[order]]
    if block.size < 5:
        return None
    p = marker.frequencies
    lo, hi = block[0], block[-1]
    inner = block[1:-1]
    mid = inner[np.argmin(np.abs(np.log(p[inner]) - 0.5 * np.log(p[lo] * p[hi])))]
    if p[lo] == p[mid] or p[mid] == p[hi]:
        return None
    return np.array([lo, mid, hi])


def compile_missing(family: Family, missing: str, markers: Sequence[Marker], *,
                    observation: Mapping[str, Any] | None = None,
                    ) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """LR table of one missing person.

    ``observation`` (``{individual: Observation}``) gives the observation model of typed
    individuals that are degraded samples (e.g. a relative identified from remains and
    added to the family when conditioning).

    Returns
    -------
    log10_lr : numpy.ndarray
        Concatenated per-marker triangular tables of log10 LR (``-inf`` where impossible).
    consistent : numpy.ndarray of bool
        Whether each genotype is possible for the missing person without mutation.
    log10_likelihood : float
        log10 of the family's likelihood (all markers).
    allele_sums : numpy.ndarray
        ``(alleles of the panel, 2)``: per allele a, the LR of aa and the posterior mass of
        the heterozygotes with a (the search's constant-time sum for dropout).
    """
    from forensic_match.dvi._compile_numba import (
        allele_sums,
        consistent_table,
        expand_posterior,
        log10_lr_table,
    )
    from forensic_match.likelihood.engine import _evaluate

    offsets = marker_offsets(markers)
    profiles = family.genotypes
    keep: list[list[str]] = []
    tracers: list[np.ndarray | None] = []
    for marker in markers:
        seen = np.zeros(len(marker), dtype=bool)
        for prof in profiles.values():
            g = prof.get(marker.name)
            if g is not None:
                for a in g:
                    if a is not None:
                        seen[marker.index(a)] = True
        t = _tracer_indices(marker, seen) if _expandable(marker) else None
        tracers.append(t)
        keep.append([marker.alleles[i] for i in t] if t is not None else list(marker.alleles))
    values, posts = _evaluate(family.pedigree, markers, profiles, theta=0.0,
                              observation=observation, target=missing, lump=True,
                              keep_alleles=keep)
    plain = [_without_mutation(m) for m in markers]
    cvalues, cposts = _evaluate(family.pedigree, plain, profiles, theta=0.0,
                                observation=observation, target=missing, lump=True)
    lr = np.empty(offsets[-1])
    ok = np.empty(offsets[-1], dtype=bool)
    a_off = allele_offsets(markers)
    sums = np.empty((a_off[-1], 2))
    for k, marker in enumerate(markers):
        work, post = posts[k]  # type: ignore[index]
        full = np.empty((len(marker), len(marker)))
        t = tracers[k]
        pos = np.full(3, -1, dtype=np.int64)
        if t is not None and work[-1] < 0:
            where_ = {int(a): i for i, a in enumerate(work)}
            pos = np.array([where_[int(a)] for a in t], dtype=np.int64)
        if not expand_posterior(post, work.astype(np.int64), marker.frequencies, pos,
                                FIT_CHECK_RTOL, full):
            _, again = _evaluate(family.pedigree, [marker], profiles, theta=0.0,
                                 observation=observation, target=missing, lump=False)
            w2, p2 = again[0]  # type: ignore[index]
            expand_posterior(p2, w2.astype(np.int64), marker.frequencies, pos, FIT_CHECK_RTOL,
                             full)
        log10_lr_table(full, marker.frequencies, lr[offsets[k]:offsets[k + 1]])
        allele_sums(full, marker.frequencies, sums[a_off[k]:a_off[k + 1]])
        cw, cp = cposts[k]  # type: ignore[index]
        consistent_table(cp, cw.astype(np.int64), len(marker), float(cvalues[k]),
                         ok[offsets[k]:offsets[k + 1]])
    with np.errstate(divide="ignore"):
        loglik = float(np.sum(np.log10(values)))
    return lr, ok, loglik, sums


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
    allele_sums : numpy.ndarray
        ``(rows, alleles of the panel, 2)``: see :func:`compile_missing`.
    """

    markers: tuple[Marker, ...]
    offsets: np.ndarray
    rows: list[tuple[str, str]]
    log10_lr: np.ndarray
    consistent: np.ndarray
    log10_likelihood: np.ndarray
    sex: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    allele_sums: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 2)))

    @property
    def nbytes_per_row(self) -> int:
        """Bytes of one missing person's tables."""
        sums = self.allele_sums[0].nbytes if len(self.allele_sums) else 0
        return int(self.log10_lr.shape[1] * (self.log10_lr.itemsize + 1) + sums)

    def set_row(self, r: int, compiled: tuple[np.ndarray, np.ndarray, float, np.ndarray],
                ) -> None:
        """Replace row ``r`` by the output of :func:`compile_missing`."""
        (self.log10_lr[r], self.consistent[r], self.log10_likelihood[r],
         self.allele_sums[r]) = compiled

    def save(self, path: str | Path) -> None:
        """Write the tables to ``path`` (numpy ``.npz``; written to a temporary file, then
        renamed, so a crash never leaves a half-written cache)."""
        import json

        from forensic_match.cases import _marker_to_dict

        path = Path(path)
        tmp = path.with_name(path.name + ".tmp.npz")
        meta = {"markers": [_marker_to_dict(m) for m in self.markers], "rows": self.rows,
                "sex": self.sex, "keys": self.keys}
        np.savez(tmp, log10_lr=self.log10_lr, consistent=self.consistent,
                 log10_likelihood=self.log10_likelihood, offsets=self.offsets,
                 allele_sums=self.allele_sums,
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> CompiledTables:
        """Read tables written by :meth:`save`."""
        import json

        from forensic_match.cases import _markers

        with np.load(Path(path)) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            markers = tuple(_markers(meta["markers"], f"file {str(path)!r}"))
            return cls(markers, data["offsets"], [tuple(r) for r in meta["rows"]],
                       data["log10_lr"], data["consistent"], data["log10_likelihood"],
                       meta["sex"], meta["keys"], data["allele_sums"])


def row_key(family: Family, missing: str, markers: Sequence[Marker] | str) -> str:
    """Hash of everything a compiled row depends on: the family's pedigree and profiles, the
    missing person, and the markers (alleles, frequencies, mutation models; or their
    :func:`~forensic_match.markers.markers_digest`)."""
    import hashlib
    import json

    from forensic_match.markers import markers_digest

    canon = {"family": family.id, "missing": missing,
             "pedigree": sorted(family.pedigree.records()),
             "genotypes": {i: {m: list(g) for m, g in sorted(p.items())}
                           for i, p in sorted(family.genotypes.items())},
             "markers": markers if isinstance(markers, str) else markers_digest(markers)}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, default=str).encode()).hexdigest()


def allele_offsets(markers: Sequence[Marker]) -> np.ndarray:
    """Start of each marker's alleles in a panel-wide allele index."""
    return np.concatenate([[0], np.cumsum([len(m) for m in markers])]).astype(np.int64)


def marker_offsets(markers: Sequence[Marker]) -> np.ndarray:
    """Start of each marker's triangular table in a compiled row."""
    sizes = [table_size(len(m)) for m in markers]
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _compile_chunk(families: Sequence[Family], markers: Sequence[Marker],
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    offsets = marker_offsets(markers)
    n = sum(len(f.missing) for f in families)
    lr = np.empty((n, offsets[-1]))
    ok = np.empty((n, offsets[-1]), dtype=bool)
    loglik = np.empty(n)
    sums = np.empty((n, allele_offsets(markers)[-1], 2))
    r = 0
    for fam in families:
        for m in fam.missing:
            lr[r], ok[r], loglik[r], sums[r] = compile_missing(fam, m, markers)
            r += 1
    return lr, ok, loglik, sums


def compile_families(families: Sequence[Family], markers: Sequence[Marker], *,
                     workers: int = 1, progress: bool = False,
                     reuse: CompiledTables | None = None) -> CompiledTables:
    """Compile every missing person of every family (see :func:`compile_missing`).

    Parameters
    ----------
    families : sequence of Family
    markers : sequence of Marker
        The panel, with every allele any PM sample shows (extend it first with
        :func:`forensic_match.likelihood.prepare_markers`).
    workers : int
        Processes to compile in (families are independent); 1 compiles in this process.
    progress : bool
        Show a progress bar on standard error.
    reuse : CompiledTables, optional
        Tables from an earlier run (e.g. last night's, :meth:`CompiledTables.load`): a row
        whose family data and markers are unchanged (same :func:`row_key`) is copied, not
        recompiled.

    Returns
    -------
    CompiledTables
        One row per missing person, in family order.
    """
    markers = tuple(markers)
    offsets = marker_offsets(markers)
    rows = [(f.id, m) for f in families for m in f.missing]
    sexes = [f.sex_of(m) for f in families for m in f.missing]
    from forensic_match.markers import markers_digest

    panel_digest = markers_digest(markers)
    keys = [row_key(f, m, panel_digest) for f in families for m in f.missing]
    old = {k: r for r, k in enumerate(reuse.keys)} if reuse is not None else {}
    n_alleles = int(allele_offsets(markers)[-1])
    if old and reuse is not None and reuse.log10_lr.shape[1] == offsets[-1] and \
            reuse.allele_sums.shape[1:] == (n_alleles, 2):
        todo = [f for f in families
                if any(row_key(f, m, panel_digest) not in old for m in f.missing)]
        fresh = compile_families(todo, markers, workers=workers, progress=progress) \
            if todo else None
        new_rows = {k: r for r, k in enumerate(fresh.keys)} if fresh is not None else {}
        n, width = len(rows), int(offsets[-1])
        lr = np.empty((n, width))
        ok = np.empty((n, width), dtype=bool)
        loglik = np.empty(n)
        sums = np.empty((n, n_alleles, 2))
        for r, k in enumerate(keys):
            src, i = (fresh, new_rows[k]) if k in new_rows else (reuse, old[k])
            lr[r], ok[r], loglik[r], sums[r] = (  # type: ignore[union-attr]
                src.log10_lr[i], src.consistent[i], src.log10_likelihood[i],
                src.allele_sums[i])
        return CompiledTables(markers, offsets, rows, lr, ok, loglik, sexes, keys, sums)
    lr = np.empty((len(rows), offsets[-1]))
    ok = np.empty((len(rows), offsets[-1]), dtype=bool)
    loglik = np.empty(len(rows))
    sums = np.empty((len(rows), n_alleles, 2))
    n_chunks = max(1, min(len(families), workers * 16))
    bounds = np.linspace(0, len(families), n_chunks + 1).astype(int)
    chunks = [families[bounds[c]:bounds[c + 1]] for c in range(n_chunks)]
    starts = np.cumsum([0] + [sum(len(f.missing) for f in ch) for ch in chunks])
    bar = None
    if progress:
        from forensic_match.progress import progress_bar

        bar = progress_bar(None, desc="compile", unit="family", total=len(families))

    def store(c: int, part: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> None:
        lo, hi = starts[c], starts[c + 1]
        lr[lo:hi], ok[lo:hi], loglik[lo:hi], sums[lo:hi] = part
        if bar is not None:
            bar.update(len(chunks[c]))  # type: ignore[attr-defined]

    if workers <= 1:
        for c, chunk in enumerate(chunks):
            store(c, _compile_chunk(chunk, markers))
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: numba's thread pools are not fork-safe.
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(_compile_chunk, chunk, markers): c
                       for c, chunk in enumerate(chunks)}
            for fut, c in futures.items():
                store(c, fut.result())
    if bar is not None:
        bar.close()  # type: ignore[attr-defined]
    return CompiledTables(markers, offsets, rows, lr, ok, loglik, sexes, keys, sums)
