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

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from forensic_match.cases import Family
from forensic_match.errors import InputError, ThetaFallbackWarning
from forensic_match.likelihood.engine import THETA_ZERO
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree

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
    # A PM-stationary matrix no longer has the equal/proportional form the fit assumes.
    return mut.female.model in _EXPANDABLE and mut.male.model in _EXPANDABLE and \
        not mut.stationary


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


class CompiledRow(NamedTuple):
    """One missing person's compiled tables (see :func:`compile_missing`)."""

    log10_lr: np.ndarray
    consistent: np.ndarray
    log10_likelihood: float
    allele_sums: np.ndarray
    denominator: np.ndarray | None = None
    denominator_sums: np.ndarray | None = None
    theta: float = 0.0


class _Seen(NamedTuple):
    """Per marker, what the family's typed members show: the alleles the engine keeps
    apart (``keep``), the three tracers of the merged ones (or ``None``) and the mask of
    seen alleles. The same for every person compiled in one family."""

    keep: list[list[str]]
    tracers: list[np.ndarray | None]
    seen: list[np.ndarray]
    unseen_factor: list[np.ndarray | None]


def _seen_and_tracers(profiles: Mapping[str, Any], markers: Sequence[Marker]) -> _Seen:
    keep: list[list[str]] = []
    tracers: list[np.ndarray | None] = []
    masks: list[np.ndarray] = []
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
        masks.append(seen)
        keep.append([marker.alleles[i] for i in t] if t is not None else list(marker.alleles))
    return _Seen(keep, tracers, masks, [_unseen_factor(m, s) for m, s in zip(markers, masks)])


def _evaluate_by_theta(pedigree: Pedigree, markers: Sequence[Marker],
                      profiles: Mapping[str, Any], thetas: np.ndarray, target: str,
                      observation: Mapping[str, Any] | None, keep: list[list[str]],
                      ) -> tuple[np.ndarray, list[Any]]:
    """The engine's lumped posteriors of ``target``, each marker at its own theta (markers
    grouped by theta, so one engine call per distinct value)."""
    from forensic_match.likelihood.engine import _evaluate

    values = np.empty(len(markers))
    posts: list[Any] = [None] * len(markers)
    for value in np.unique(thetas):
        idx = np.flatnonzero(thetas == value)
        v, p = _evaluate(pedigree, [markers[i] for i in idx], profiles, theta=float(value),
                         observation=observation, target=target, lump=True,
                         keep_alleles=[keep[i] for i in idx])
        for j, i in enumerate(idx):
            values[i] = v[j]
            posts[i] = p[j]  # type: ignore[index]
    return values, posts


def feasible_thetas(pedigree: Pedigree, profiles: Mapping[str, Any], target: str,
                    markers: Sequence[Marker], theta: float,
                    observation: Mapping[str, Any] | None,
                    keep: list[list[str]] | None = None) -> np.ndarray:
    """Per marker, ``theta`` where the exact correction of ``target``'s posterior is within
    the engine's limits and 0 where it is not (:func:`~forensic_match.likelihood.engine.
    theta_feasible`: found from the pedigree and the alleles, without computing it).
    ``keep``: the alleles kept apart (:func:`_seen_and_tracers` of ``profiles``) when the
    caller has them."""
    from forensic_match.likelihood.engine import theta_feasible

    if keep is None:
        keep = _seen_and_tracers(profiles, markers).keep
    ok = theta_feasible(pedigree, markers, profiles, theta=theta, observation=observation,
                        target=target, lump=True, keep_alleles=keep)
    return np.where(ok, theta, 0.0)


def family_thetas(family: Family, persons: Sequence[str], markers: Sequence[Marker],
                  theta: float, observation: Mapping[str, Any] | None = None) -> np.ndarray:
    """Per marker, the theta at which a family's rows are compiled: ``theta`` where the exact
    correction is feasible for the unrelated person of the denominator and for every person
    compiled, else 0. Checked before anything is computed, so that a family never fails
    half-way (and numerator and denominator always share their theta)."""
    ped = Pedigree.from_records(family.pedigree.records() + [(UNRELATED, None, None, "U")])
    keep = _seen_and_tracers(family.genotypes, markers).keep
    out = feasible_thetas(ped, family.genotypes, UNRELATED, markers, theta, observation, keep)
    for person in persons:
        out = np.minimum(out, feasible_thetas(family.pedigree, family.genotypes, person,
                                              markers, theta, observation, keep))
    return out


def _posteriors(pedigree: Pedigree, profiles: Mapping[str, Any], target: str,
                markers: Sequence[Marker], theta: float | np.ndarray,
                observation: Mapping[str, Any] | None, what: str,
                seen: _Seen | None = None,
                ) -> tuple[np.ndarray, list[np.ndarray], list[tuple[np.ndarray, np.ndarray]]]:
    """``P(G_target = (a, b) | data)`` over every ordered pair of each marker's full allele
    list (merged alleles expanded from three tracers), the likelihood per marker, and the
    engine's merged posteriors (working alleles, posterior) they were expanded from.
    ``theta`` is one value or one per marker; ``seen``: :func:`_seen_and_tracers` of
    ``profiles`` when the caller has it."""
    from forensic_match.dvi._compile_numba import expand_posterior
    from forensic_match.likelihood.engine import _evaluate

    thetas = np.broadcast_to(np.asarray(theta, dtype=np.float64), (len(markers),))
    keep, tracers = (seen if seen is not None else _seen_and_tracers(profiles, markers))[:2]
    values, posts = _evaluate_by_theta(pedigree, markers, profiles, thetas, target,
                                       observation, keep)
    out = []
    for k, marker in enumerate(markers):
        theta = float(thetas[k])
        work, post = posts[k]  # type: ignore[index]
        full = np.empty((len(marker), len(marker)))
        t = tracers[k]
        pos = np.full(3, -1, dtype=np.int64)
        if t is not None and work[-1] < 0:
            listed = work.tolist()
            pos = np.array([listed.index(a) for a in t.tolist()], dtype=np.int64)
        if not expand_posterior(post, work.astype(np.int64), marker.frequencies, pos,
                                FIT_CHECK_RTOL, full):
            if theta > 0:
                raise InputError(f"{what}, marker {marker.name}: the theta-corrected "
                                 "posterior of alleles nobody in the family shows could not "
                                 "be recovered exactly from the merged allele; compile with "
                                 "theta 0 or report this case")
            _, again = _evaluate(pedigree, [marker], profiles, theta=theta,
                                 observation=observation, target=target, lump=False)
            w2, p2 = again[0]  # type: ignore[index]
            expand_posterior(p2, w2.astype(np.int64), marker.frequencies, pos, FIT_CHECK_RTOL,
                             full)
        out.append(full)
    return values, out, posts  # type: ignore[return-value]


#: Id of the unrelated person added to a family for the theta denominator.
UNRELATED = "\u0000unrelated"


def family_denominator(family: Family, markers: Sequence[Marker], theta: float, *,
                       observation: Mapping[str, Any] | None = None,
                       thetas: np.ndarray | None = None,
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The theta denominator of a family: ``P(G_V = g | data) / P(g)`` for an unrelated
    person V of the family's subpopulation (an untyped founder sharing the family's urn of
    founder alleles), over every genotype (concatenated triangular tables), per allele
    ``a`` the same ratio for ``aa`` and ``Σ_{z≠a} P(G_V = {a, z} | data)``, and the theta
    used at each marker.

    Under theta the chance that an unrelated body shows a genotype depends on the alleles the
    family shows (Balding & Nichols 1994); with theta 0 it is ``P(g)`` and the ratio is 1.
    ``thetas`` (per marker) is the theta of each marker, by default ``theta`` where the exact
    correction is feasible (:func:`feasible_thetas`) and 0 where not; the rows compiled with
    this denominator use the same per-marker theta, so numerator and denominator always
    agree.
    """
    from forensic_match.dvi._compile_numba import allele_sums, ratio_table

    ped = Pedigree.from_records(family.pedigree.records() + [(UNRELATED, None, None, "U")])
    what = f"family {family.id!r} (theta denominator)"
    if thetas is None:
        thetas = feasible_thetas(ped, family.genotypes, UNRELATED, markers, theta,
                                 observation)
    _, posts, _ = _posteriors(ped, family.genotypes, UNRELATED, markers, thetas, observation,
                              what)
    offsets = marker_offsets(markers)
    a_off = allele_offsets(markers)
    table = np.empty(offsets[-1])
    sums = np.empty((a_off[-1], 2))
    for k, marker in enumerate(markers):
        ratio_table(posts[k], marker.frequencies, table[offsets[k]:offsets[k + 1]])
        allele_sums(posts[k], marker.frequencies, sums[a_off[k]:a_off[k + 1]])
    return table, sums, thetas


def _unseen_factor(marker: Marker, seen: np.ndarray) -> np.ndarray | None:
    """Per allele, the factor that gives the posterior as the exact pairwise LR sees it when
    the frequencies do not sum to 1 (``None``: nothing to change); the posterior is
    multiplied by it along both allele axes.

    The engine completes a marker's frequencies to 1 by rescaling the alleles nobody typed
    shows by ``c = (1 - Σ seen) / Σ unseen`` (as pedprobr does), so the compiled posterior
    carries ``c`` once per unseen allele of the missing person's genotype, while the pairwise
    LR of a sample showing that allele evaluates it unscaled (it is then seen). Dividing by
    ``c^n`` (``n`` unseen alleles in the genotype) makes the two agree; it is exact without
    mutation and for founder-origin alleles (mutation-origin paths of an unseen allele
    differ by ``rate x (c - 1)``). With frequencies that sum to 1, ``c = 1``. ``seen``:
    the alleles the family's typed members show.
    """
    p = marker.frequencies
    rest = 1.0 - float(p[seen].sum())
    unseen = float(p[~seen].sum())
    if not (rest > 0.0 and unseen > 0.0) or rest == unseen:
        return None
    inv = unseen / rest
    return np.where(seen, 1.0, inv)


def compile_missing(family: Family, missing: str, markers: Sequence[Marker], *,
                    observation: Mapping[str, Any] | None = None, theta: float = 0.0,
                    denominator: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                    ) -> CompiledRow:
    """LR table of one missing person.

    ``observation`` (``{individual: Observation}``) gives the observation model of typed
    individuals that are degraded samples (e.g. a relative identified from remains and
    added to the family when conditioning).

    With ``theta > 0`` the table is the LR exact under the Balding-Nichols model,
    ``LR[g] = P(G_M = g | data) / P(G_V = g | data)`` with V an unrelated person of the
    same subpopulation (:func:`family_denominator`, computed here unless given), and the row
    carries the denominator for the search's sums over uncertain genotypes. Each marker is
    computed at the denominator's theta for it (0 where the exact correction exceeds the
    engine's limits); the row's ``theta`` is ``theta`` only when every marker is exact.

    Returns
    -------
    CompiledRow
        ``log10_lr``: concatenated per-marker triangular tables of log10 LR (``-inf`` where
        impossible); ``consistent``: whether each genotype is possible for the missing person
        without mutation; ``log10_likelihood``: log10 of the family's likelihood (all
        markers); ``allele_sums``: ``(alleles of the panel, 2)``, per allele a the
        ``P(G_M = aa | data) / P(aa)`` and the posterior mass of the heterozygotes with a (the
        search's constant-time sum for dropout); with theta, ``denominator`` and
        ``denominator_sums``: :func:`family_denominator`.
    """
    if theta > 0 and denominator is None:
        denominator = family_denominator(
            family, markers, theta, observation=observation,
            thetas=family_thetas(family, [missing], markers, theta, observation))
    return _compile_one(family, missing, markers, observation, theta, denominator,
                        _seen_and_tracers(family.genotypes, markers))


def _compile_one(family: Family, missing: str, markers: Sequence[Marker],
                 observation: Mapping[str, Any] | None, theta: float,
                 denominator: tuple[np.ndarray, np.ndarray, np.ndarray] | None, seen: _Seen,
                 ) -> CompiledRow:
    """:func:`compile_missing` with the family's :func:`_seen_and_tracers` given (computed
    once for all the persons :func:`compile_rows` compiles in one family)."""
    from forensic_match.dvi._compile_numba import (
        allele_sums,
        consistent_table,
        log10_lr_table,
    )
    from forensic_match.likelihood.engine import _evaluate

    offsets = marker_offsets(markers)
    profiles = family.genotypes
    thetas = np.zeros(len(markers)) if denominator is None else denominator[2]
    values, posts, merged = _posteriors(family.pedigree, profiles, missing, markers, thetas,
                                        observation,
                                        f"family {family.id!r}, missing {missing!r}", seen)
    # Which genotypes are possible without mutation: only their posterior being positive
    # matters, so a marker without mutation computed at theta 0 reads it from the posterior
    # above (merging alleles nobody shows, or keeping three of them apart, changes no
    # positivity); the others are computed again with their mutation models switched off.
    cvalues = values.copy()
    cposts = list(merged)
    again = [k for k, m in enumerate(markers) if m.mutation is not None or thetas[k] != 0]
    if again:
        v, p = _evaluate(family.pedigree, [_without_mutation(markers[k]) for k in again],
                         profiles, theta=0.0, observation=observation, target=missing,
                         lump=True)
        for j, k in enumerate(again):
            cvalues[k] = v[j]
            cposts[k] = p[j]  # type: ignore[index]
    lr = np.empty(offsets[-1])
    ok = np.empty(offsets[-1], dtype=bool)
    a_off = allele_offsets(markers)
    sums = np.empty((a_off[-1], 2))
    for k, marker in enumerate(markers):
        full = posts[k]
        factor = seen.unseen_factor[k]
        if denominator is None and factor is not None:
            full = full * factor[:, None] * factor[None, :]
        log10_lr_table(full, marker.frequencies, lr[offsets[k]:offsets[k + 1]])
        allele_sums(full, marker.frequencies, sums[a_off[k]:a_off[k + 1]])
        cw, cp = cposts[k]  # type: ignore[index]
        consistent_table(cp, cw.astype(np.int64), len(marker), float(cvalues[k]),
                         ok[offsets[k]:offsets[k + 1]])
    with np.errstate(divide="ignore"):
        loglik = float(np.sum(np.log10(values)))
        if denominator is not None:
            lr -= np.log10(denominator[0])
            exact = theta if bool(np.all(denominator[2] == theta)) else 0.0
            return CompiledRow(lr, ok, loglik, sums, denominator[0], denominator[1], exact)
    return CompiledRow(lr, ok, loglik, sums)


def compile_rows(family: Family, persons: Sequence[str], markers: Sequence[Marker], *,
                 theta: float = 0.0, observation: Mapping[str, Any] | None = None,
                 ) -> list[CompiledRow]:
    """:func:`compile_missing` for several persons of one family (one theta denominator).

    Markers where the family's exact theta correction would exceed the engine's limits
    (:func:`family_thetas`, checked before any work: more than eight founder alleles of
    unknown genotype and many distinct alleles) are compiled with theta 0, with a
    :class:`~forensic_match.errors.ThetaFallbackWarning` naming them; the rows then say
    ``theta`` 0 (``CompiledRow.theta`` and :attr:`CompiledTables.row_theta`): a documented
    fallback, never silent.
    """
    seen = _seen_and_tracers(family.genotypes, markers)
    if theta <= 0:
        return [_compile_one(family, m, markers, observation, 0.0, None, seen)
                for m in persons]
    thetas = family_thetas(family, persons, markers, theta, observation)
    den = family_denominator(family, markers, theta, observation=observation, thetas=thetas)
    fallen = [marker.name for marker, t in zip(markers, den[2]) if t != theta]
    if fallen:
        warnings.warn(f"family {family.id!r}: the exact theta correction at "
                      f"{', '.join(fallen)} would exceed the engine's limits; those markers "
                      f"are compiled with theta 0", ThetaFallbackWarning, stacklevel=2)
    return [_compile_one(family, m, markers, observation, theta, den, seen) for m in persons]


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
    theta : float
        Subpopulation correction the tables were compiled with (0: none).
    row_theta : numpy.ndarray
        The theta each row carries: ``theta``, or 0 for the families whose exact correction
        exceeded the engine's limits (:func:`compile_rows`).
    denominator : numpy.ndarray
        With theta > 0, ``(rows, offsets[-1])``: ``P(G_V = g | data) / P(g)`` of an unrelated
        person V of the row's family (:func:`family_denominator`); empty with theta 0.
    denominator_sums : numpy.ndarray
        With theta > 0, ``(rows, alleles of the panel, 2)``: V's per-allele sums; empty with
        theta 0.
    compiled_families : tuple of str
        Ids of the families whose rows :func:`compile_families` compiled in the call that
        made these tables (the others were copied from ``reuse``); not saved.
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
    theta: float = 0.0
    denominator: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    denominator_sums: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 2)))
    row_theta: np.ndarray = field(default_factory=lambda: np.zeros(0))
    compiled_families: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.row_theta.shape != (len(self.rows),):
            self.row_theta = np.full(len(self.rows), self.theta)

    @property
    def nbytes_per_row(self) -> int:
        """Bytes of one missing person's tables."""
        n = len(self.rows)
        extra = (self.denominator.nbytes + self.denominator_sums.nbytes) // n if n and \
            self.theta > 0 else 0
        sums = self.allele_sums[0].nbytes if len(self.allele_sums) else 0
        return int(self.log10_lr.shape[1] * (self.log10_lr.itemsize + 1) + sums + extra)

    def set_row(self, r: int, compiled: CompiledRow) -> None:
        """Replace row ``r`` by the output of :func:`compile_missing` (compiled with this
        table's theta)."""
        (self.log10_lr[r], self.consistent[r], self.log10_likelihood[r],
         self.allele_sums[r]) = compiled[:4]
        if self.theta > 0:
            if compiled.denominator is None:
                raise ValueError("a theta-free row cannot replace a row of theta tables")
            self.denominator[r], self.denominator_sums[r] = \
                compiled.denominator, compiled.denominator_sums
            self.row_theta[r] = compiled.theta

    @classmethod
    def stack(cls, markers: Sequence[Marker], rows: list[tuple[str, str]],
              compiled: Sequence[CompiledRow], sex: list[str], theta: float = 0.0,
              ) -> CompiledTables:
        """Tables from single rows (:func:`compile_missing`), all of one theta."""
        markers = tuple(markers)
        den = np.stack([c.denominator for c in compiled]) if theta > 0 else np.zeros((0, 0))
        den_sums = np.stack([c.denominator_sums for c in compiled]) if theta > 0 \
            else np.zeros((0, 0, 2))
        return cls(markers, marker_offsets(markers), rows,
                   np.stack([c.log10_lr for c in compiled]),
                   np.stack([c.consistent for c in compiled]),
                   np.array([c.log10_likelihood for c in compiled]), sex, [],
                   np.stack([c.allele_sums for c in compiled]), theta, den, den_sums,
                   np.array([c.theta for c in compiled], dtype=np.float64))

    def row(self, r: int) -> CompiledRow:
        """Row ``r`` as :func:`compile_missing` returns it."""
        den = (self.denominator[r], self.denominator_sums[r]) if self.theta > 0 \
            else (None, None)
        return CompiledRow(self.log10_lr[r], self.consistent[r],
                           float(self.log10_likelihood[r]), self.allele_sums[r], *den,
                           float(self.row_theta[r]))

    def save(self, path: str | Path) -> None:
        """Write the tables to ``path`` (numpy ``.npz``; written to a temporary file, then
        renamed, so a crash never leaves a half-written cache)."""
        import json
        import os

        from forensic_match.cases import _marker_to_dict

        path = Path(path)
        # One temporary name per process: two runs saving at once each rename a whole file.
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp.npz")
        meta = {"markers": [_marker_to_dict(m) for m in self.markers], "rows": self.rows,
                "sex": self.sex, "keys": self.keys, "theta": self.theta}
        np.savez(tmp, log10_lr=self.log10_lr, consistent=self.consistent,
                 log10_likelihood=self.log10_likelihood, offsets=self.offsets,
                 allele_sums=self.allele_sums, denominator=self.denominator,
                 denominator_sums=self.denominator_sums, row_theta=self.row_theta,
                 meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> CompiledTables:
        """Read tables written by :meth:`save`."""
        import json

        from forensic_match.cases import _markers

        # The file handle is ours: numpy leaves its own open when the archive is damaged.
        with open(path, "rb") as handle, np.load(handle) as data:
            meta = json.loads(data["meta"].tobytes().decode())
            markers = tuple(_markers(meta["markers"], f"file {str(path)!r}"))
            theta = float(meta.get("theta", 0.0))
            den = (data["denominator"], data["denominator_sums"]) if theta > 0 \
                else (np.zeros((0, 0)), np.zeros((0, 0, 2)))
            row_theta = data["row_theta"] if "row_theta" in data else np.zeros(0)
            return cls(markers, data["offsets"], [tuple(r) for r in meta["rows"]],
                       data["log10_lr"], data["consistent"], data["log10_likelihood"],
                       meta["sex"], meta["keys"], data["allele_sums"], theta, *den, row_theta)


def row_key(family: Family, missing: str, markers: Sequence[Marker] | str,
            theta: float = 0.0) -> str:
    """Hash of everything a compiled row depends on: the family's pedigree and profiles, the
    missing person, the markers (alleles, frequencies, mutation models; or their
    :func:`~forensic_match.markers.markers_digest`) and theta."""
    import hashlib
    import json

    from forensic_match.markers import markers_digest

    canon = {"family": family.id, "missing": missing,
             "pedigree": sorted(family.pedigree.records()),
             "genotypes": {i: {m: list(g) for m, g in sorted(p.items())}
                           for i, p in sorted(family.genotypes.items())},
             "markers": markers if isinstance(markers, str) else markers_digest(markers)}
    if theta > 0:
        canon["theta"] = repr(float(theta))
    return hashlib.sha256(json.dumps(canon, sort_keys=True, default=str).encode()).hexdigest()


def allele_offsets(markers: Sequence[Marker]) -> np.ndarray:
    """Start of each marker's alleles in a panel-wide allele index."""
    return np.concatenate([[0], np.cumsum([len(m) for m in markers])]).astype(np.int64)


def marker_offsets(markers: Sequence[Marker]) -> np.ndarray:
    """Start of each marker's triangular table in a compiled row."""
    sizes = [table_size(len(m)) for m in markers]
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _compile_chunk(families: Sequence[Family], markers: Sequence[Marker], theta: float = 0.0,
                   ) -> CompiledTables:
    rows, compiled, sexes = [], [], []
    for fam in families:
        for m in fam.missing:
            rows.append((fam.id, m))
            sexes.append(fam.sex_of(m))
        compiled.extend(compile_rows(fam, fam.missing, markers, theta=theta))
    if not compiled:
        return _empty(markers, theta)
    return CompiledTables.stack(markers, rows, compiled, sexes, theta)


def _empty(markers: Sequence[Marker], theta: float) -> CompiledTables:
    markers = tuple(markers)
    offsets = marker_offsets(markers)
    n_alleles = int(allele_offsets(markers)[-1])
    width = int(offsets[-1])
    return CompiledTables(markers, offsets, [], np.empty((0, width)),
                          np.empty((0, width), dtype=bool), np.empty(0), [], [],
                          np.empty((0, n_alleles, 2)), theta,
                          np.empty((0, width)) if theta > 0 else np.zeros((0, 0)),
                          np.empty((0, n_alleles, 2)) if theta > 0 else np.zeros((0, 0, 2)))


def _concatenate(markers: Sequence[Marker], parts: Sequence[CompiledTables],
                 theta: float) -> CompiledTables:
    parts = [p for p in parts if p.rows] or [_empty(markers, theta)]
    first = parts[0]
    return CompiledTables(
        first.markers, first.offsets, [r for p in parts for r in p.rows],
        np.concatenate([p.log10_lr for p in parts]),
        np.concatenate([p.consistent for p in parts]),
        np.concatenate([p.log10_likelihood for p in parts]),
        [x for p in parts for x in p.sex], [], np.concatenate([p.allele_sums for p in parts]),
        theta,
        np.concatenate([p.denominator for p in parts]) if theta > 0 else first.denominator,
        np.concatenate([p.denominator_sums for p in parts]) if theta > 0
        else first.denominator_sums, np.concatenate([p.row_theta for p in parts]))


def compile_families(families: Sequence[Family], markers: Sequence[Marker], *,
                     workers: int = 1, progress: bool = False,
                     reuse: CompiledTables | None = None, theta: float = 0.0,
                     ) -> CompiledTables:
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
        whose family data, markers and theta are unchanged (same :func:`row_key`) is copied,
        not recompiled.
    theta : float
        Subpopulation correction (Balding-Nichols); tables exact under it (see
        :func:`compile_missing`). Costs far more than theta 0 (``docs/benchmarks.md``).

    Returns
    -------
    CompiledTables
        One row per missing person, in family order.
    """
    from forensic_match.markers import markers_digest

    markers = tuple(markers)
    theta = float(theta) if theta >= THETA_ZERO else 0.0
    panel_digest = markers_digest(markers)
    family_keys = [[row_key(f, m, panel_digest, theta) for m in f.missing] for f in families]
    keys = [k for ks in family_keys for k in ks]
    old = {k: r for r, k in enumerate(reuse.keys)} if reuse is not None else {}
    compatible = reuse is not None and reuse.theta == theta and \
        reuse.log10_lr.shape[1] == marker_offsets(markers)[-1] and \
        reuse.allele_sums.shape[1:] == (int(allele_offsets(markers)[-1]), 2)
    if old and compatible and reuse is not None:
        todo = [f for f, ks in zip(families, family_keys) if any(k not in old for k in ks)]
        fresh = compile_families(todo, markers, workers=workers, progress=progress,
                                 theta=theta) if todo else _empty(markers, theta)
        new_rows = {k: r for r, k in enumerate(fresh.keys)}
        rows = [fresh.row(new_rows[k]) if k in new_rows else reuse.row(old[k]) for k in keys]
        out = CompiledTables.stack(markers, [(f.id, m) for f in families for m in f.missing],
                                   rows, [f.sex_of(m) for f in families for m in f.missing],
                                   theta) if rows else _empty(markers, theta)
        out.keys = keys
        out.compiled_families = tuple(f.id for f in todo)
        return out
    n_chunks = max(1, min(len(families), workers * 16))
    bounds = np.linspace(0, len(families), n_chunks + 1).astype(int)
    chunks = [families[bounds[c]:bounds[c + 1]] for c in range(n_chunks)]
    parts: list[CompiledTables | None] = [None] * len(chunks)
    bar = None
    if progress:
        from forensic_match.progress import progress_bar

        bar = progress_bar(None, desc="compile", unit="family", total=len(families))

    def store(c: int, part: CompiledTables) -> None:
        parts[c] = part
        if bar is not None:
            bar.update(len(chunks[c]))  # type: ignore[attr-defined]

    if workers <= 1:
        for c, chunk in enumerate(chunks):
            store(c, _compile_chunk(chunk, markers, theta))
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: numba's thread pools are not fork-safe.
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(_compile_chunk, chunk, markers, theta): c
                       for c, chunk in enumerate(chunks)}
            for fut, c in futures.items():
                store(c, fut.result())
    if bar is not None:
        bar.close()  # type: ignore[attr-defined]
    out = _concatenate(markers, [p for p in parts if p is not None], theta)
    out.keys = keys
    out.compiled_families = tuple(f.id for f in families)
    return out
