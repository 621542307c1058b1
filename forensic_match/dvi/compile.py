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
from forensic_match.errors import InputError, ThetaFallbackWarning, ThetaLimitError
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
    apart (``keep``: a mask over the marker's alleles, the three tracers of the merged ones,
    or every allele when nothing is merged), the tracers' full indices (``-1`` rows: none),
    the seen alleles (flat over the panel, :class:`_PanelArrays`), the inverse ``1 / c`` of
    the unseen alleles' rescaling (:func:`_factor_of`; 1.0: none) and the engine's encoding
    of the profiles (or ``None``). The same for every person compiled in one family."""

    keep: list[np.ndarray]
    tracers: np.ndarray
    seen: np.ndarray
    inverse: np.ndarray
    encoded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None


class _PanelArrays(NamedTuple):
    """A panel's frequencies as flat arrays for the compile kernels (kept per panel)."""

    markers: tuple[Marker, ...]
    freq_ptr: np.ndarray
    freqs: np.ndarray
    log_freqs: np.ndarray
    order: np.ndarray
    expandable: np.ndarray
    index: tuple[dict[str, int], ...]
    table_ptr: np.ndarray
    allele_ptr: np.ndarray


_PANELS: dict[tuple[int, ...], _PanelArrays] = {}


def _panel_arrays(markers: Sequence[Marker]) -> _PanelArrays:
    key = tuple(id(m) for m in markers)
    panel = _PANELS.get(key)
    if panel is None:
        markers = tuple(markers)
        freqs = np.concatenate([m.frequencies for m in markers]).astype(np.float64)
        panel = _PanelArrays(
            markers, allele_offsets(markers), freqs, np.log(freqs),
            np.concatenate([_frequency_order(m) for m in markers]).astype(np.int64),
            np.array([_expandable(m) for m in markers]),
            tuple(m._index for m in markers), marker_offsets(markers),
            allele_offsets(markers))
        if len(_PANELS) >= 16:
            _PANELS.pop(next(iter(_PANELS)))
        _PANELS[key] = panel  # the entry holds the markers, so their ids stay valid
    return panel


def _seen_and_tracers(profiles: Mapping[str, Any], markers: Sequence[Marker],
                      encoded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                      ) -> _Seen:
    """:class:`_Seen` of a family's ``profiles``; ``encoded``: the engine's encoding of
    them on the family's pedigree (``_encode``), when the caller has it."""
    from forensic_match.dvi._compile_numba import panel_tracers

    panel = _panel_arrays(markers)
    seen = np.zeros(panel.freqs.size, dtype=np.bool_)
    if encoded is not None:
        kind, a1, a2 = encoded
        base = panel.freq_ptr[:-1, None]
        typed = kind > 0
        seen[(base + a1)[typed]] = True
        seen[(base + a2)[typed & (a2 >= 0)]] = True
    else:
        hits: list[int] = []
        for prof in profiles.values():
            for k, marker in enumerate(panel.markers):
                g = prof.get(marker.name)
                if g is not None:
                    base = int(panel.freq_ptr[k])
                    for a in g:
                        if a is not None:
                            i = panel.index[k].get(a)
                            hits.append(base + (i if i is not None else marker.index(a)))
        seen[hits] = True
    n_m = len(panel.markers)
    tracers = np.empty((n_m, 3), dtype=np.int64)
    inverse = np.empty(n_m)
    panel_tracers(seen, panel.freq_ptr, panel.freqs, panel.log_freqs, panel.order, tracers,
                  inverse)
    tracers[~panel.expandable] = -1
    keep = []
    for k in range(n_m):
        n = int(panel.freq_ptr[k + 1] - panel.freq_ptr[k])
        if tracers[k, 0] < 0:
            keep.append(np.ones(n, dtype=np.bool_))
        else:
            mask = np.zeros(n, dtype=np.bool_)
            mask[tracers[k]] = True
            keep.append(mask)
    return _Seen(keep, tracers, seen, inverse, encoded)


def _tracers_of(seen: _Seen, k: int) -> np.ndarray | None:
    return seen.tracers[k] if seen.tracers[k, 0] >= 0 else None


#: Mutation models under which every unseen allele is alike but for its frequency, so that
#: one tracer suffices under theta (:func:`_one_tracer`); ``proportional`` mutates towards
#: an allele in proportion to its frequency, which adds an unknown: two tracers.
_ONE_TRACER_MODELS = (None, "equal")
_TWO_TRACER_MODELS = (None, "equal", "proportional")


def _one_tracer(seen: _Seen, markers: Sequence[Marker]) -> tuple[_Seen, np.ndarray]:
    """The family's :class:`_Seen` with one tracer (the most frequent unseen allele) instead
    of three at the markers where that suffices under theta, two (the least and the most
    frequent) where the model is ``proportional``, and which markers those are.

    Under theta the engine's work grows with the alleles kept apart (the quadrature's points
    as ``(F/2 + 1)^(k - 1)``, each set partition's elimination as a power of ``k``); with no
    mutation or ``equal`` and a target not inbred, the posterior of every unseen allele
    follows from one tracer and the merged allele (:func:`~forensic_match.dvi._compile_numba.
    expand_posterior_one`), with ``proportional`` from two (``expand_posterior_two``;
    docs/matching.md, "One tracer under theta")."""
    tracers = seen.tracers.copy()
    one = np.zeros(len(markers), dtype=bool)
    keep = list(seen.keep)
    for k, marker in enumerate(markers):
        mut = marker.mutation
        models = (None, None) if mut is None else (
            (None if mut.female.rate == 0 else mut.female.model),
            (None if mut.male.rate == 0 else mut.male.model))
        if tracers[k, 0] < 0 or mut is not None and mut.stationary or \
                not all(m in _TWO_TRACER_MODELS for m in models):
            continue
        one[k] = True
        if all(m in _ONE_TRACER_MODELS for m in models):
            tracers[k] = (tracers[k, 2], -1, -1)
        else:
            tracers[k] = (tracers[k, 0], tracers[k, 2], -1)
        mask = np.zeros(len(marker), dtype=np.bool_)
        mask[tracers[k, :2][tracers[k, :2] >= 0]] = True
        keep[k] = mask
    return seen._replace(keep=keep, tracers=tracers), one


def _inbred(pedigree: Pedigree, person: str) -> bool:
    """Whether ``person``'s parents share an ancestor (or one descends from the other): only
    then can its two alleles be identical by descent."""
    parents = pedigree.parents(person)
    return parents is not None and pedigree.related(*parents)


def _factor_of(seen: _Seen, markers: Sequence[Marker], k: int) -> np.ndarray | None:
    """Per allele of marker ``k``, the factor that gives the posterior as the exact pairwise
    LR sees it when the frequencies do not sum to 1 (``None``: nothing to change); the
    posterior is multiplied by it along both allele axes (``finish_row`` does it in the
    kernel; this is for the rare marker finished in Python).

    The engine completes a marker's frequencies to 1 by rescaling the alleles nobody typed
    shows by ``c = (1 - Σ seen) / Σ unseen`` (as pedprobr does), so the compiled posterior
    carries ``c`` once per unseen allele of the missing person's genotype, while the pairwise
    LR of a sample showing that allele evaluates it unscaled (it is then seen). Dividing by
    ``c^n`` (``n`` unseen alleles in the genotype) makes the two agree; it is exact without
    mutation and for founder-origin alleles (mutation-origin paths of an unseen allele
    differ by ``rate x (c - 1)``). With frequencies that sum to 1, ``c = 1``.
    """
    inv = float(seen.inverse[k])
    if inv == 1.0:
        return None
    panel = _panel_arrays(markers)
    mask = seen.seen[panel.freq_ptr[k]:panel.freq_ptr[k + 1]]
    return np.where(mask, 1.0, inv)


def _evaluate_by_theta(pedigree: Pedigree, markers: Sequence[Marker],
                      profiles: Mapping[str, Any], thetas: np.ndarray, target: str,
                      observation: Mapping[str, Any] | None, keep: Sequence[Any],
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
                    keep: Sequence[Any] | None = None) -> np.ndarray:
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


def _unrelated_keep(seen: _Seen, markers: Sequence[Marker], closed: np.ndarray,
                    ) -> list[np.ndarray]:
    """The alleles the unrelated person of the denominator is computed with: none kept
    apart at the ``closed`` markers, whose unseen alleles follow in closed form from the
    merged one (:func:`_unrelated_posterior`), the family's tracers elsewhere."""
    return [np.zeros(len(m), dtype=np.bool_) if closed[k] else seen.keep[k]
            for k, m in enumerate(markers)]


def family_thetas(family: Family, persons: Sequence[str], markers: Sequence[Marker],
                  theta: float, observation: Mapping[str, Any] | None = None) -> np.ndarray:
    """Per marker, the theta at which a family's rows are compiled: ``theta`` where the exact
    correction is feasible for the unrelated person of the denominator and for every person
    compiled, else 0. Checked before anything is computed, so that a family never fails
    half-way (and numerator and denominator always share their theta)."""
    ped = Pedigree.from_records(family.pedigree.records() + [(UNRELATED, None, None, "U")])
    seen = _seen_and_tracers(family.genotypes, markers)
    # Each checked with the alleles it is computed with: the unrelated person's with none
    # kept apart where its unseen alleles follow in closed form (family_denominator), a
    # person not inbred with one tracer where that suffices (_compile_one).
    out = feasible_thetas(ped, family.genotypes, UNRELATED, markers, theta, observation,
                          _unrelated_keep(seen, markers, _panel_arrays(markers).expandable))
    one = _one_tracer(seen, markers)[0].keep
    for person in persons:
        keep = seen.keep if _inbred(family.pedigree, person) else one
        out = np.minimum(out, feasible_thetas(family.pedigree, family.genotypes, person,
                                              markers, theta, observation, keep))
    return out


class _Packed(NamedTuple):
    """The engine's merged posteriors of every marker of a panel, one row per marker (see
    :func:`_packed_posteriors`)."""

    values: np.ndarray
    k: np.ndarray
    work: np.ndarray
    post: np.ndarray


def _pack(n_markers: int, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
          width: int = 0) -> _Packed:
    width = max([width] + [pa.shape[1] for _, _, _, pa in parts])
    values = np.empty(n_markers)
    work = np.full((n_markers, width), -2, dtype=np.int64)
    post = np.zeros((n_markers, width * width))
    for g, vals, pst, pa in parts:
        values[g] = vals
        work[g, :pa.shape[1]] = pa
        post[g, :pst.shape[1]] = pst
    return _Packed(values, (work > -2).sum(axis=1), work, post)


def _packed_posteriors(pedigree: Pedigree, markers: Sequence[Marker],
                       profiles: Mapping[str, Any], thetas: np.ndarray, target: str,
                       observation: Mapping[str, Any] | None, keep: Sequence[Any] | None,
                       encoded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
                       ) -> _Packed:
    """:func:`_evaluate_by_theta` (or, with ``keep=None``, every marker merged as far as
    exact) as the kernel returns it: no per-marker Python. ``encoded``: the engine's
    encoding of ``profiles`` on ``pedigree`` for ``markers``, when the caller has it."""
    from forensic_match.likelihood.engine import _evaluate_groups

    t = pedigree.index(target)
    parts = []
    for value in np.unique(thetas):
        idx = np.flatnonzero(thetas == value)
        every = idx.size == len(markers)
        sub = markers if every else [markers[i] for i in idx]
        sub_keep = None if keep is None else (keep if every else [keep[i] for i in idx])
        sub_enc = None if encoded is None else \
            (encoded if every else tuple(x[idx] for x in encoded))
        for ms, vals, post, pa in _evaluate_groups(
                pedigree, sub, profiles, theta=float(value) if value >= THETA_ZERO else 0.0,
                observation=observation, t=t, lump=True, keep_alleles=sub_keep,
                encoded=sub_enc):  # type: ignore[arg-type]
            parts.append((idx[ms], vals, post, pa))
    return _pack(len(markers), parts)


def _full_posterior(pedigree: Pedigree, profiles: Mapping[str, Any], target: str,
                    marker: Marker, theta: float, observation: Mapping[str, Any] | None,
                    what: str, work: np.ndarray, post: np.ndarray,
                    tracers: np.ndarray | None) -> np.ndarray:
    """``target``'s ordered posterior over the marker's full allele list from the engine's
    merged one (``work``, ``post``), expanded from the tracers; where the fit fails its mass
    check, computed again over every allele (theta 0) or refused (theta > 0)."""
    from forensic_match.dvi._compile_numba import expand_posterior
    from forensic_match.likelihood.engine import _evaluate

    full = np.empty((len(marker), len(marker)))
    pos = np.full(3, -1, dtype=np.int64)
    if tracers is not None and work[-1] < 0:
        listed = work.tolist()
        pos = np.array([listed.index(a) for a in tracers.tolist()], dtype=np.int64)
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
    return full


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
    correction is feasible for it (:func:`family_thetas`) and 0 where not; the rows compiled with
    this denominator use the same per-marker theta, so numerator and denominator always
    agree.
    """
    from forensic_match.dvi._compile_numba import allele_sums, ratio_table

    ped = Pedigree.from_records(family.pedigree.records() + [(UNRELATED, None, None, "U")])
    what = f"family {family.id!r} (theta denominator)"
    if thetas is None:
        thetas = family_thetas(family, (), markers, theta, observation)
    seen = _seen_and_tracers(family.genotypes, markers)
    panel = _panel_arrays(markers)
    closed = panel.expandable & (thetas > 0)
    _, merged = _evaluate_by_theta(ped, markers, family.genotypes, thetas, UNRELATED,
                                   observation, _unrelated_keep(seen, markers, closed))
    offsets = marker_offsets(markers)
    a_off = allele_offsets(markers)
    table = np.empty(offsets[-1])
    sums = np.empty((a_off[-1], 2))
    for k, marker in enumerate(markers):
        work, post = merged[k]
        if closed[k]:
            mask = seen.seen[panel.freq_ptr[k]:panel.freq_ptr[k + 1]]
            full = _unrelated_posterior(marker, mask, work, post, float(thetas[k]))
        else:
            full = _full_posterior(ped, family.genotypes, UNRELATED, marker, float(thetas[k]),
                                   observation, what, work, post, _tracers_of(seen, k))
        ratio_table(full, marker.frequencies, table[offsets[k]:offsets[k + 1]])
        allele_sums(full, marker.frequencies, sums[a_off[k]:a_off[k + 1]])
    return table, sums, thetas


def _unrelated_posterior(marker: Marker, seen: np.ndarray, work: np.ndarray, post: np.ndarray,
                         theta: float) -> np.ndarray:
    """The unrelated person's ordered posterior over the marker's full allele list from the
    engine's posterior over the seen alleles and one merged allele (``work``, ``post``), in
    closed form (``docs/matching.md``, "Theta"; no tracers, no fit).

    With a lumpable model (no mutation, ``equal``, ``proportional``) the family's likelihood
    depends on its founders' unseen alleles only through their being unseen, so given which
    founder draws are unseen, which unseen alleles they are follows the urn restricted to the
    unseen alleles (the Dirichlet's aggregation and neutrality), whatever the data. The
    unrelated person's draws come after the family's in the urn; averaged over those
    identities (exchangeability), an unseen allele ``a`` of the person takes the share
    ``r_a = p_a / Σ_unseen p`` of the merged allele's posterior mass, and two unseen alleles
    ``a != b`` the share ``r_a r_b α / (α + 1)``, ``a = b`` the share
    ``r_a (α r_a + 1) / (α + 1)``, with ``α = (1 - θ) / θ · p_merged`` the urn parameter of
    the merged allele (``p_merged`` as the engine completes it). The shares sum to one.
    """
    from forensic_match.likelihood.engine import _working_frequencies

    n = len(marker)
    work = np.asarray(work, dtype=np.int64)
    k = work.size
    full = np.zeros((n, n))
    if work[-1] >= 0:  # nothing was merged
        full[np.ix_(work, work)] = post
        return full
    kept = work[:-1]
    unseen = np.ones(n, dtype=bool)
    unseen[kept] = False
    out = np.flatnonzero(unseen)
    p = marker.frequencies
    r = p[out] / p[out].sum()
    alpha = (1.0 - theta) / theta * float(_working_frequencies(marker, seen, seen)[-1])
    o = k - 1
    full[np.ix_(kept, kept)] = post[:o, :o]
    full[np.ix_(kept, out)] = post[:o, o][:, None] * r[None, :]
    full[np.ix_(out, kept)] = r[:, None] * post[o, :o][None, :]
    both = post[o, o] * (alpha / (alpha + 1.0)) * np.outer(r, r)
    both[np.diag_indices(out.size)] = post[o, o] * r * (alpha * r + 1.0) / (alpha + 1.0)
    full[np.ix_(out, out)] = both
    return full


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
    seen = _family_seen(family, markers)
    return _compile_one(family, missing, markers, observation, theta, denominator, seen,
                        _one_tracer(seen, markers))


def _family_seen(family: Family, markers: Sequence[Marker]) -> _Seen:
    """:func:`_seen_and_tracers` of a family, with the engine's encoding of its profiles
    (shared by every engine call on the family's own pedigree)."""
    from forensic_match.likelihood.engine import _encode, _UnknownAllele

    try:
        encoded = _encode(family.pedigree, markers, family.genotypes)
    except _UnknownAllele:  # not in the panel: the profile path names marker and allele
        return _seen_and_tracers(family.genotypes, markers)
    return _seen_and_tracers(family.genotypes, markers, encoded)


def _compile_one(family: Family, missing: str, markers: Sequence[Marker],
                 observation: Mapping[str, Any] | None, theta: float,
                 denominator: tuple[np.ndarray, np.ndarray, np.ndarray] | None, seen: _Seen,
                 one: tuple[_Seen, np.ndarray] | None = None) -> CompiledRow:
    """:func:`compile_missing` with the family's :func:`_seen_and_tracers` given (computed
    once for all the persons :func:`compile_rows` compiles in one family); ``one``: its
    :func:`_one_tracer` view, used under theta for a person not inbred."""
    from forensic_match.dvi._compile_numba import (
        allele_sums,
        consistent_table,
        finish_row,
        log10_lr_table,
    )

    panel = _panel_arrays(markers)
    profiles = family.genotypes
    thetas = np.zeros(len(markers)) if denominator is None else denominator[2]
    inv_l = np.full(len(markers), np.nan)
    three = seen
    if one is not None and denominator is not None and not _inbred(family.pedigree, missing):
        seen, where = one
        lam = np.where(thetas > 0, (1.0 - thetas) / np.where(thetas > 0, thetas, 1.0), np.inf)
        inv_l[where] = seen.inverse[where] / lam[where]
    main = _packed_posteriors(family.pedigree, markers, profiles, thetas, missing,
                              observation, seen.keep, seen.encoded)
    # Which genotypes are possible without mutation: only their posterior being positive
    # matters, so a marker without mutation computed at theta 0 reads it from the posterior
    # above (merging alleles nobody shows, or keeping three of them apart, changes no
    # positivity); the others are computed again with their mutation models switched off.
    again = [k for k, m in enumerate(markers) if m.mutation is not None or thetas[k] != 0]
    cons = main
    if again:
        sub = _packed_posteriors(family.pedigree,
                                 [_without_mutation(markers[k]) for k in again], profiles,
                                 np.zeros(len(again)), missing, observation, None,
                                 None if seen.encoded is None else
                                 tuple(x[again] for x in seen.encoded))
        cons = _pack(len(markers), [(np.arange(len(markers)), main.values, main.post,
                                     main.work),
                                    (np.array(again), sub.values, sub.post, sub.work)])
    lr = np.empty(panel.table_ptr[-1])
    ok = np.empty(panel.table_ptr[-1], dtype=bool)
    sums = np.empty((panel.allele_ptr[-1], 2))
    failed = np.zeros(len(markers), dtype=np.bool_)
    n_max = int(np.diff(panel.freq_ptr).max())
    finish_row(panel.freq_ptr, panel.freqs, seen.seen, panel.table_ptr, panel.allele_ptr,
               main.k, main.work, main.post, seen.tracers, seen.inverse, denominator is None,
               cons.k, cons.work, cons.post, cons.values, FIT_CHECK_RTOL,
               np.empty(n_max * n_max), lr, ok, sums, failed, inv_l)
    what = f"family {family.id!r}, missing {missing!r}"
    for k in np.flatnonzero(failed).tolist():  # a fit failed: every allele kept (rare)
        marker = markers[k]
        kk, kc = int(main.k[k]), int(cons.k[k])
        work_k, post_k = main.work[k, :kk], main.post[k, :kk * kk].reshape(kk, kk)
        if not np.isnan(inv_l[k]):  # one tracer did not do: the three
            try:
                again = _packed_posteriors(family.pedigree, [marker], profiles,
                                           thetas[k:k + 1], missing, observation,
                                           [three.keep[k]])
            except ThetaLimitError:  # feasible with one tracer only
                raise InputError(
                    f"{what}, marker {marker.name}: the theta-corrected posterior of "
                    "alleles nobody in the family shows could not be recovered exactly "
                    "from one tracer, and three exceed the engine's limits; compile with "
                    "theta 0 or report this case") from None
            kk = int(again.k[0])
            work_k, post_k = again.work[0, :kk], again.post[0, :kk * kk].reshape(kk, kk)
        full = _full_posterior(family.pedigree, profiles, missing, marker, float(thetas[k]),
                               observation, what, work_k, post_k, _tracers_of(three, k))
        factor = _factor_of(seen, markers, k)
        if denominator is None and factor is not None:
            full = full * factor[:, None] * factor[None, :]
        t0, t1 = panel.table_ptr[k], panel.table_ptr[k + 1]
        log10_lr_table(full, marker.frequencies, lr[t0:t1])
        allele_sums(full, marker.frequencies, sums[panel.allele_ptr[k]:panel.allele_ptr[k + 1]])
        consistent_table(cons.post[k, :kc * kc].reshape(kc, kc), cons.work[k, :kc],
                         len(marker), float(cons.values[k]), ok[t0:t1])
    values = main.values
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
    seen = _family_seen(family, markers)
    if theta <= 0:
        return [_compile_one(family, m, markers, observation, 0.0, None, seen)
                for m in persons]
    thetas = family_thetas(family, persons, markers, theta, observation)
    den = family_denominator(family, markers, theta, observation=observation, thetas=thetas)
    _warn_fallback(family, markers, den[2], theta)
    one = _one_tracer(seen, markers)
    return [_compile_one(family, m, markers, observation, theta, den, seen, one)
            for m in persons]


def _warn_fallback(family: Family, markers: Sequence[Marker], thetas: np.ndarray,
                   theta: float) -> None:
    fallen = [marker.name for marker, t in zip(markers, thetas) if t != theta]
    if fallen:
        warnings.warn(f"family {family.id!r}: the exact theta correction at "
                      f"{', '.join(fallen)} would exceed the engine's limits; those markers "
                      f"are compiled with theta 0", ThetaFallbackWarning, stacklevel=3)


def warn_kept_fallback(family: Family, persons: Sequence[str], markers: Sequence[Marker],
                       rows: Sequence[CompiledRow], *, theta: float,
                       observation: Mapping[str, Any] | None = None) -> None:
    """The :class:`~forensic_match.errors.ThetaFallbackWarning` that :func:`compile_rows`
    gives for ``family`` and ``persons``, for their ``rows`` taken from an earlier run
    instead of compiled: given when some row says a theta below ``theta``, naming the
    markers :func:`family_thetas` finds beyond the limits (the check that chose them; nothing
    is computed)."""
    if theta <= 0 or all(row.theta >= theta for row in rows):
        return
    _warn_fallback(family, markers, family_thetas(family, persons, markers, theta,
                                                  observation), theta)


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
    reused_from : numpy.ndarray
        Set by :func:`compile_families` with ``reuse``: for each row, the row of ``reuse``
        it was copied from, -1 for a row compiled in that call (empty: every row compiled);
        :func:`~forensic_match.dvi.table_parts.save_compiled` writes only the compiled
        rows beside ``reuse``'s pieces. Not saved.
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
    reused_from: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

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

    @classmethod
    def gather(cls, markers: Sequence[Marker], rows: list[tuple[str, str]],
               picks: Sequence[tuple[CompiledTables, int] | CompiledRow], sex: list[str],
               theta: float = 0.0) -> CompiledTables:
        """The tables :meth:`stack` makes of the rows ``picks``, each row ``r`` of tables
        ``t`` given as ``(t, r)`` (or a :class:`CompiledRow`; all of one theta and panel):
        runs of consecutive rows of one table are copied as slices, not row by row."""
        if not picks:
            raise ValueError("no rows to gather")
        runs = _runs(picks)
        markers = tuple(markers)

        def fill(name: str, dtype: Any = None) -> np.ndarray:
            first = _run_part(runs[0], name)
            out = np.empty((len(picks), *first.shape[1:]), dtype=dtype or first.dtype)
            at = 0
            for run in runs:
                part = _run_part(run, name)
                out[at:at + len(part)] = part
                at += len(part)
            return out

        den = (fill("denominator"), fill("denominator_sums")) if theta > 0 else \
            (np.zeros((0, 0)), np.zeros((0, 0, 2)))
        return cls(markers, marker_offsets(markers), rows, fill("log10_lr"),
                   fill("consistent"), fill("log10_likelihood", np.float64), sex, [],
                   fill("allele_sums"), theta, *den, fill("row_theta", np.float64))

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
        from forensic_match.dvi.npz_file import save_npz

        save_npz(path, {"log10_lr": self.log10_lr, "consistent": self.consistent,
                        "log10_likelihood": self.log10_likelihood, "offsets": self.offsets,
                        "allele_sums": self.allele_sums, "denominator": self.denominator,
                        "denominator_sums": self.denominator_sums,
                        "row_theta": self.row_theta},
                 _tables_meta(self.markers, self.rows, self.sex, self.keys, self.theta))

    @staticmethod
    def save_rows(path: str | Path, markers: Sequence[Marker],
                  picks: Sequence[tuple[CompiledTables, int] | CompiledRow],
                  rows: list[tuple[str, str]],
                  sex: list[str], keys: list[str], theta: float = 0.0) -> None:
        """Write, as :meth:`save` writes them, the tables whose row ``i`` is row
        ``picks[i][1]`` of the tables ``picks[i][0]`` (each of theta ``theta`` and the panel
        ``markers``), named ``rows[i]``, of sex ``sex[i]`` and key ``keys[i]``.

        The rows are streamed into the file (runs of consecutive rows of one table as
        slices of it), never assembled in memory: the same file as ``stack`` of the rows
        followed by :meth:`save`, without the copy.
        """
        from forensic_match.dvi.npz_file import Blocks, save_npz

        if not picks:
            raise ValueError("no rows to write")
        runs = _runs(picks)

        def gather(name: str) -> Blocks:
            first = _run_part(runs[0], name)
            return Blocks(first.dtype, (len(picks), *first.shape[1:]),
                          [_run_part(run, name) for run in runs])

        def small(name: str) -> np.ndarray:
            return np.concatenate([_run_part(run, name) for run in runs]).astype(np.float64)

        markers = tuple(markers)
        arrays: dict[str, Any] = {
            "log10_lr": gather("log10_lr"), "consistent": gather("consistent"),
            "log10_likelihood": small("log10_likelihood"), "offsets": marker_offsets(markers),
            "allele_sums": gather("allele_sums"),
            "denominator": gather("denominator") if theta > 0 else np.zeros((0, 0)),
            "denominator_sums": gather("denominator_sums") if theta > 0
            else np.zeros((0, 0, 2)),
            "row_theta": small("row_theta")}
        save_npz(path, arrays, _tables_meta(markers, rows, sex, keys, theta))

    @classmethod
    def load(cls, path: str | Path) -> CompiledTables:
        """Read tables written by :meth:`save`, or the whole table an index of pieces
        names (:func:`~forensic_match.dvi.table_parts.save_parted`: a store's or identify's
        cache after its first night), gathered into one table."""
        from forensic_match.cases import _markers
        from forensic_match.dvi.npz_file import load_npz

        data, meta = load_npz(path)
        if "markers" not in meta:
            from forensic_match.dvi.table_parts import INDEX_FORMAT, _load_index

            if meta.get("format") == INDEX_FORMAT:
                return _load_index(Path(path)).tables()
            raise ValueError(f"file {str(path)!r}: not a tables file")
        markers = tuple(_markers(meta["markers"], f"file {str(path)!r}"))
        theta = float(meta.get("theta", 0.0))
        den = (data["denominator"], data["denominator_sums"]) if theta > 0 \
            else (np.zeros((0, 0)), np.zeros((0, 0, 2)))
        row_theta = data["row_theta"] if "row_theta" in data else np.zeros(0)
        return cls(markers, data["offsets"], [tuple(r) for r in meta["rows"]],
                   data["log10_lr"], data["consistent"], data["log10_likelihood"],
                   meta["sex"], meta["keys"], data["allele_sums"], theta, *den, row_theta)


#: The fields of a :class:`CompiledRow` by the names of the :class:`CompiledTables` arrays.
_ROW_FIELD = {"log10_lr": "log10_lr", "consistent": "consistent",
              "log10_likelihood": "log10_likelihood", "allele_sums": "allele_sums",
              "denominator": "denominator", "denominator_sums": "denominator_sums",
              "row_theta": "theta"}


def _runs(picks: Sequence[tuple[CompiledTables, int] | CompiledRow],
          ) -> list[tuple[CompiledTables, int, int] | CompiledRow]:
    """``picks`` as runs ``(tables, first row, end)`` of consecutive rows of one table
    (a :class:`CompiledRow` stays a run of its own)."""
    runs: list[Any] = []
    for pick in picks:
        if isinstance(pick, CompiledRow):
            runs.append(pick)
            continue
        table, r = pick
        if not isinstance(table, CompiledTables):  # a table kept as pieces (PartedTables)
            table, r = table.locate(r)
        last = runs[-1] if runs else None
        if isinstance(last, list) and last[0] is table and last[2] == r:
            last[2] = r + 1
        else:
            runs.append([table, r, r + 1])
    return runs


def _run_part(run: Any, name: str) -> np.ndarray:
    """The rows of array ``name`` a run of :func:`_runs` stands for."""
    if isinstance(run, CompiledRow):
        return np.asarray(getattr(run, _ROW_FIELD[name]))[None]
    table, a, b = run
    return getattr(table, name)[a:b]


def _tables_meta(markers: Sequence[Marker], rows: list[tuple[str, str]], sex: list[str],
                 keys: list[str], theta: float) -> dict[str, Any]:
    """The JSON metadata of a tables file."""
    from forensic_match.cases import _marker_to_dict

    return {"markers": [_marker_to_dict(m) for m in markers], "rows": rows, "sex": sex,
            "keys": keys, "theta": theta}


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


def observation_models(observation: Mapping[str, Any] | None) -> str:
    """The observation models of a family's degraded typed members as
    :func:`observed_row_keys` hashes them (a canonical text)."""
    return repr(sorted((k, repr(v)) for k, v in (observation or {}).items()))


def observed_row_keys(family: Family, persons: Sequence[str], markers: Sequence[Marker] | str,
                      theta: float = 0.0, observation: dict[str, Any] | None = None,
                      ) -> list[str]:
    """Ids of rows compiled by :func:`compile_rows` with ``observation`` (the observation
    models of the family's degraded typed members): per person, the hash of its
    :func:`row_key` and the models."""
    import hashlib

    from forensic_match.markers import markers_digest

    digest = markers if isinstance(markers, str) else markers_digest(markers)
    models = observation_models(observation)
    return [hashlib.sha256((row_key(family, p, digest, theta) + models).encode()).hexdigest()
            for p in persons]


def allele_offsets(markers: Sequence[Marker]) -> np.ndarray:
    """Start of each marker's alleles in a panel-wide allele index."""
    return np.concatenate([[0], np.cumsum([len(m) for m in markers])]).astype(np.int64)


def marker_offsets(markers: Sequence[Marker]) -> np.ndarray:
    """Start of each marker's triangular table in a compiled row."""
    sizes = [table_size(len(m)) for m in markers]
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _compile_chunk(families: Sequence[Family], markers: Sequence[Marker], theta: float = 0.0,
                   ) -> CompiledTables:
    return _stacked(markers, theta, *_chunk_rows(families, markers, theta))


def _chunk_rows(families: Sequence[Family], markers: Sequence[Marker], theta: float,
                ) -> tuple[list[tuple[str, str]], list[CompiledRow], list[str]]:
    """The rows of ``families``' missing persons: names, compiled rows, sexes."""
    rows, compiled, sexes = [], [], []
    for fam in families:
        for m in fam.missing:
            rows.append((fam.id, m))
            sexes.append(fam.sex_of(m))
        compiled.extend(compile_rows(fam, fam.missing, markers, theta=theta))
    return rows, compiled, sexes


def _stacked(markers: Sequence[Marker], theta: float, rows: list[tuple[str, str]],
             compiled: list[CompiledRow], sexes: list[str]) -> CompiledTables:
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


def _allocated(markers: Sequence[Marker], theta: float, rows: list[tuple[str, str]],
               sex: list[str]) -> CompiledTables:
    """Tables of ``rows`` with their arrays allocated, to be filled by :func:`_place`."""
    markers = tuple(markers)
    offsets = marker_offsets(markers)
    width = int(offsets[-1])
    n_alleles = int(allele_offsets(markers)[-1])
    n = len(rows)
    return CompiledTables(markers, offsets, rows, np.empty((n, width)),
                          np.empty((n, width), dtype=bool), np.empty(n), sex, [],
                          np.empty((n, n_alleles, 2)), theta,
                          np.empty((n, width)) if theta > 0 else np.zeros((0, 0)),
                          np.empty((n, n_alleles, 2)) if theta > 0 else np.zeros((0, 0, 2)),
                          np.full(n, theta))


def _place(whole: CompiledTables, at: int, part: CompiledTables) -> None:
    """Copy ``part``'s rows into ``whole`` from row ``at`` (the same rows, in order)."""
    n = len(part.rows)
    if list(part.rows) != list(whole.rows[at:at + n]):
        raise RuntimeError("a compiled chunk's rows are not the rows expected at its place")
    names = ["log10_lr", "consistent", "log10_likelihood", "allele_sums", "row_theta"]
    if whole.theta > 0:
        names += ["denominator", "denominator_sums"]
    for name in names:
        getattr(whole, name)[at:at + n] = getattr(part, name)


def _concatenate(markers: Sequence[Marker], parts: Sequence[CompiledTables],
                 theta: float) -> CompiledTables:
    parts = [p for p in parts if p.rows] or [_empty(markers, theta)]
    first = parts[0]
    if len(parts) == 1:
        return first                    # np.concatenate would copy it all
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


def _row_shape(tables: Any, name: str) -> tuple[int, ...]:
    """Shape of one row of array ``name`` of ``tables`` (compiled, or kept as pieces)."""
    if isinstance(tables, CompiledTables):
        return tuple(getattr(tables, name).shape[1:])
    return tables.row_shape(name)


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
    reuse : CompiledTables or PartedTables, optional
        Tables from an earlier run (e.g. last night's, :meth:`CompiledTables.load` or
        :func:`~forensic_match.dvi.table_parts.load_tables`): a row
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
        _row_shape(reuse, "log10_lr") == (marker_offsets(markers)[-1],) and \
        _row_shape(reuse, "allele_sums") == (int(allele_offsets(markers)[-1]), 2)
    if old and compatible and reuse is not None:
        todo = [f for f, ks in zip(families, family_keys) if any(k not in old for k in ks)]
        fresh = compile_families(todo, markers, workers=workers, progress=progress,
                                 theta=theta) if todo else _empty(markers, theta)
        new_rows = {k: r for r, k in enumerate(fresh.keys)}
        picks = [(fresh, new_rows[k]) if k in new_rows else (reuse, old[k]) for k in keys]
        out = CompiledTables.gather(markers, [(f.id, m) for f in families for m in f.missing],
                                    picks, [f.sex_of(m) for f in families for m in f.missing],
                                    theta) if picks else _empty(markers, theta)
        out.keys = keys
        out.compiled_families = tuple(f.id for f in todo)
        out.reused_from = np.array([-1 if k in new_rows else old[k] for k in keys],
                                   dtype=np.int64)
        return out
    n_chunks = max(1, min(len(families), workers * 16))
    bounds = np.linspace(0, len(families), n_chunks + 1).astype(int)
    chunks = [families[bounds[c]:bounds[c + 1]] for c in range(n_chunks)]
    bar = None
    if progress:
        from forensic_match.progress import progress_bar

        bar = progress_bar(None, desc="compile", unit="family", total=len(families))

    # The whole table is allocated once and each chunk's rows copied into it as they come,
    # so that it is never held twice (as rows or chunks, and stacked).
    whole = _allocated(markers, theta, [(f.id, m) for f in families for m in f.missing],
                       [f.sex_of(m) for f in families for m in f.missing])
    starts = np.concatenate([[0], np.cumsum([sum(len(f.missing) for f in chunk)
                                             for chunk in chunks])]).astype(int)
    if workers <= 1:
        for c, chunk in enumerate(chunks):
            names, rows, _ = _chunk_rows(chunk, markers, theta)
            if names != whole.rows[starts[c]:starts[c + 1]]:
                raise RuntimeError("a compiled chunk's rows are not the rows expected")
            for r, row in enumerate(rows, start=int(starts[c])):
                whole.set_row(r, row)
            if bar is not None:
                bar.update(len(chunk))  # type: ignore[attr-defined]
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor, as_completed

        # spawn, not fork: numba's thread pools are not fork-safe.
        with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
            futures = {pool.submit(_compile_chunk, chunk, markers, theta): c
                       for c, chunk in enumerate(chunks)}
            for fut in as_completed(list(futures)):
                c = futures.pop(fut)
                _place(whole, int(starts[c]), fut.result())
                del fut
                if bar is not None:
                    bar.update(len(chunks[c]))  # type: ignore[attr-defined]
    if bar is not None:
        bar.close()  # type: ignore[attr-defined]
    out = whole if whole.rows else _empty(markers, theta)
    out.keys = keys
    out.compiled_families = tuple(f.id for f in families)
    return out


#: Fewest families :func:`compile_row_sets` sends to worker processes: below it they are
#: compiled in this process. Starting two spawned workers costs about 2 CPU-s and 1-3 s
#: wall (importing the package, loading the cached kernels), what compiling some 400-500
#: families of references' relatives costs in this process (about 5 ms each;
#: ``benchmarks/row_sets_pool.py``, ``docs/benchmarks.md``).
POOL_MIN_FAMILIES = 500


def _row_sets_chunk(jobs: Sequence[tuple[Family, Sequence[str], Mapping[str, Any] | None]],
                    markers: Sequence[Marker], theta: float,
                    ) -> tuple[list[list[CompiledRow]], list[tuple[str, type[Warning]]]]:
    """:func:`compile_rows` of each job in a worker, with the warnings it gave (a worker's
    warnings would otherwise not reach the caller)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        rows = [compile_rows(f, persons, markers, theta=theta, observation=obs)
                for f, persons, obs in jobs]
    return rows, [(str(w.message), w.category) for w in caught]


def compile_row_sets(jobs: Sequence[tuple[Family, Sequence[str], Mapping[str, Any] | None]],
                     markers: Sequence[Marker], *, theta: float = 0.0, workers: int = 1,
                     ) -> list[list[CompiledRow]]:
    """:func:`compile_rows` of many families, over worker processes.

    Parameters
    ----------
    jobs : sequence of (Family, persons, observation)
        Each family, the persons whose rows are compiled and the observation models of its
        degraded typed members (or ``None``), as :func:`compile_rows` takes them.
    markers : sequence of Marker
    theta : float
        As :func:`compile_rows`.
    workers : int
        Processes to compile in; 1, or fewer than :data:`POOL_MIN_FAMILIES` jobs, compiles
        in this process. The workers' warnings (e.g.
        :class:`~forensic_match.errors.ThetaFallbackWarning`) are given again here.

    Returns
    -------
    list of list of CompiledRow
        Each job's rows, in the order of ``jobs``: the rows :func:`compile_rows` gives, bit
        for bit.

    Examples
    --------
    >>> from forensic_match import Marker
    >>> from forensic_match.cases import Family
    >>> from forensic_match.pedigree import Pedigree
    >>> m = Marker("TH01", ["6", "7", "9.3"], [0.2, 0.3, 0.5])
    >>> ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
    ...                              ("MP", "FA", "MO", "M"), ("SIB", "FA", "MO", "F")])
    >>> fam = Family("F1", ped, ["MP"], {"FA": {"TH01": ("6", "7")}})
    >>> rows = compile_row_sets([(fam, ["MP", "SIB"], None)], [m])
    >>> [len(r) for r in rows]
    [2]
    >>> bool(np.array_equal(rows[0][0].log10_lr, compile_rows(fam, ["MP"], [m])[0].log10_lr))
    True
    """
    jobs = list(jobs)
    markers = tuple(markers)
    if workers <= 1 or len(jobs) < POOL_MIN_FAMILIES:
        return [compile_rows(f, persons, markers, theta=theta, observation=obs)
                for f, persons, obs in jobs]
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    n_chunks = min(len(jobs), workers * 16)
    bounds = np.linspace(0, len(jobs), n_chunks + 1).astype(int)
    out: list[list[CompiledRow]] = []
    # spawn, not fork: numba's thread pools are not fork-safe (as compile_families).
    with ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(_row_sets_chunk, jobs[bounds[c]:bounds[c + 1]], markers, theta)
                   for c in range(n_chunks)]
        for fut in futures:
            rows, caught = fut.result()
            out.extend(rows)
            for message, category in caught:
                warnings.warn(message, category, stacklevel=2)
    return out
