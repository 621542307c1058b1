"""The exact likelihood of DNA profiles on a pedigree, and genotype posteriors.

Public entry points: :func:`pedigree_likelihood` and :func:`genotype_posterior`. The work is
split in two: the plan (per pedigree and set of typed individuals, Python, cached on the
pedigree) and the evaluation (per marker, one numba call for all markers that share a plan).
Formulas and references are in ``docs/methods.md``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.errors import GenotypeError, InputError, ThetaLimitError, where
from forensic_match.frequencies import DEFAULT_MIN_FREQUENCY
from forensic_match.likelihood._plan import Plan, build_plan, kept_individuals, local_parents
from forensic_match.markers import Marker
from forensic_match.mutation import is_lumpable
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import EXACT, Observation

OBS_NONE, OBS_SET, OBS_PARTIAL = 0, 1, 2
LUMP_NEVER, LUMP_ALWAYS, LUMP_CHECK = 0, 1, 2
_ALWAYS_LUMPABLE = ("equal", "proportional")

#: Theta below this is treated as 0: it moves a likelihood by less than about 1e-10 relative,
#: and the quadrature's Dirichlet parameters (1 - theta) / theta would overflow.
THETA_ZERO = 1e-12

#: Upper bound on the frequency vectors of the theta quadrature for one marker.
MAX_THETA_NODES = 200_000

ObservationSpec = Mapping[str, "Observation | float"] | None


@dataclass(frozen=True)
class _MarkerArrays:
    freq: np.ndarray
    mats: np.ndarray          # female then male, flattened; empty without mutation
    has_mut: bool
    lump_mode: int


def _marker_arrays(marker: Marker) -> _MarkerArrays:
    cached = marker.__dict__.get("_fm_arrays")
    if cached is not None:
        return cached
    mats = marker.matrices
    if mats is None:
        arrays = _MarkerArrays(np.ascontiguousarray(marker.frequencies), np.empty(0), False,
                               LUMP_ALWAYS)
    else:
        mutation = marker.mutation
        models = (mutation.female.model, mutation.male.model)  # type: ignore[union-attr]
        # The PM-stationary version of an equal or proportional matrix is not lumpable in
        # general: it is checked like any other matrix.
        always = all(m in _ALWAYS_LUMPABLE for m in models) and \
            not mutation.stationary  # type: ignore[union-attr]
        mode = LUMP_ALWAYS if always else LUMP_CHECK
        arrays = _MarkerArrays(np.ascontiguousarray(marker.frequencies),
                               np.concatenate([mats[0].ravel(), mats[1].ravel()]), True, mode)
    marker.__dict__["_fm_arrays"] = arrays
    return arrays


def _observations(pedigree: Pedigree, observation: ObservationSpec) -> list[Observation]:
    out = [EXACT] * len(pedigree)
    for ident, obs in (observation or {}).items():
        if ident not in pedigree:
            raise InputError(f"dropout given for {ident!r}, who is not in the pedigree")
        try:
            out[pedigree.index(ident)] = obs if isinstance(obs, Observation) else \
                Observation(dropout=float(obs))
        except GenotypeError as exc:
            raise GenotypeError(f"{where(sample=ident)}: {exc}") from None
    return out


def unknown_allele_frequency(marker: Marker, min_frequency: float | None = None) -> float:
    """Frequency given to an allele that ``marker``'s table lacks.

    In order: the caller's ``min_frequency``; the marker's own (set by the frequency
    database it came from: 5 / (2N), or the value given to the database); else
    :data:`~forensic_match.frequencies.DEFAULT_MIN_FREQUENCY`.
    """
    if min_frequency is not None:
        return float(min_frequency)
    if marker.min_frequency is not None:
        return float(marker.min_frequency)
    return DEFAULT_MIN_FREQUENCY


def prepare_markers(markers: Sequence[Marker], profiles: Mapping[str, Mapping[str, Any]], *,
                    min_frequency: float | None = None) -> list[Marker]:
    """The markers, each extended by alleles the profiles show but its table lacks.

    Each added allele gets the frequency of :func:`unknown_allele_frequency` (``min_frequency``
    if given, else the marker's own) and an :class:`UnknownAlleleWarning` naming the sample,
    marker and allele; the marker's table is rescaled to sum to 1.
    """
    out = []
    for marker in markers:
        value = unknown_allele_frequency(marker, min_frequency)
        unknown: dict[str, str] = {}
        for sample, prof in profiles.items():
            g = prof.get(marker.name)
            if g is None:
                continue
            for a in g:
                if a is not None and not marker.has(a) and a not in unknown:
                    unknown[a] = sample
        for a, sample in unknown.items():
            marker = marker.with_alleles([a], min_frequency=value, sample=sample)
        out.append(marker)
    return out


def added_alleles(base: Sequence[Marker], extended: Sequence[Marker]) -> dict[str, list[str]]:
    """The alleles :func:`prepare_markers` added to each marker, in the order it added them
    (``{marker: [allele, ...]}``, markers with none left out)."""
    by_name = {m.name: m for m in base}
    out = {}
    for m in extended:
        old = by_name[m.name]
        if m.alleles[:len(old.alleles)] != old.alleles:
            raise ValueError(f"marker {m.name!r}: not an extension of the base marker")
        if len(m.alleles) > len(old.alleles):
            out[m.name] = list(m.alleles[len(old.alleles):])
    return out


def extend_markers(markers: Sequence[Marker], added: Mapping[str, Sequence[str]], *,
                   min_frequency: float | None = None) -> list[Marker]:
    """``markers`` extended by the alleles of :func:`added_alleles`, one after the other at
    the unknown-allele frequency, as :func:`prepare_markers` extends them (the same
    frequencies to the bit)."""
    out = []
    for marker in markers:
        value = unknown_allele_frequency(marker, min_frequency)
        for a in added.get(marker.name, ()):
            marker = marker.with_alleles([a], min_frequency=value)
        out.append(marker)
    return out


@dataclass(frozen=True, eq=False)
class _Pack:
    """The markers of a case as packed arrays for the kernel (cached per list of markers)."""

    markers: tuple[Marker, ...]
    n_alleles: np.ndarray
    freq_ptr: np.ndarray
    freqs: np.ndarray
    mat_ptr: np.ndarray
    mats: np.ndarray
    has_mut: np.ndarray
    lump_mode: np.ndarray


_PACKS: dict[tuple[int, ...], _Pack] = {}
_MAX_PACKS = 64


def _pack(markers: Sequence[Marker]) -> _Pack:
    key = tuple(map(id, markers))
    pack = _PACKS.get(key)
    if pack is not None:
        return pack
    arrays = [_marker_arrays(m) for m in markers]
    n_al = np.array([a.freq.size for a in arrays], dtype=np.int64)
    freq_ptr = np.zeros(len(arrays), dtype=np.int64)
    freq_ptr[1:] = np.cumsum(n_al)[:-1]
    mat_sizes = np.array([a.mats.size for a in arrays], dtype=np.int64)
    mat_ptr = np.zeros(len(arrays), dtype=np.int64)
    mat_ptr[1:] = np.cumsum(mat_sizes)[:-1]
    pack = _Pack(tuple(markers), n_al, freq_ptr, np.concatenate([a.freq for a in arrays]),
                 mat_ptr, np.concatenate([a.mats for a in arrays]) if mat_sizes.sum()
                 else np.empty(0), np.array([a.has_mut for a in arrays], dtype=np.bool_),
                 np.array([a.lump_mode for a in arrays], dtype=np.int64))
    if len(_PACKS) >= _MAX_PACKS:
        _PACKS.pop(next(iter(_PACKS)))
    _PACKS[key] = pack  # the pack holds the markers, so their ids stay valid
    return pack


class _UnknownAllele(Exception):
    """Internal: a profile shows an allele absent from a marker's table."""


def _encode(pedigree: Pedigree, markers: Sequence[Marker],
            profiles: Mapping[str, Mapping[str, Any]]) -> tuple[np.ndarray, ...]:
    """(kind, allele1, allele2) arrays of shape (markers, individuals), full allele indices.

    Raises ``_UnknownAllele`` when an allele is not in its marker's table.
    """
    n_m, n_p = len(markers), len(pedigree)
    lookup = [(m.name, m._index) for m in markers]
    rows: list[int] = []
    cols: list[int] = []
    kinds: list[int] = []
    first: list[int] = []
    second: list[int] = []
    index = pedigree._index
    for ident, prof in profiles.items():
        i = index.get(ident)
        if i is None:
            raise InputError(f"genotypes given for {ident!r}, who is not in the pedigree")
        for m, (name, alleles) in enumerate(lookup):
            g = prof.get(name)
            if g is None:
                continue
            if len(g) != 2:
                raise GenotypeError(f"{where(sample=ident, marker=name)}: genotype {g!r} "
                                    f"does not have two alleles")
            x, y = g
            if x is None:
                x, y = y, None
                if x is None:
                    continue
            try:
                rows.append(m)
                cols.append(i)
                first.append(alleles[x])
                if y is None:
                    kinds.append(OBS_PARTIAL)
                    second.append(-1)
                else:
                    kinds.append(OBS_SET)
                    second.append(alleles[y])
            except KeyError:
                raise _UnknownAllele from None
    kind = np.zeros((n_m, n_p), dtype=np.int32)
    a1 = np.full((n_m, n_p), -1, dtype=np.int32)
    a2 = np.full((n_m, n_p), -1, dtype=np.int32)
    kind[rows, cols] = kinds
    a1[rows, cols] = first
    a2[rows, cols] = second
    return kind, a1, a2


def _marker_groups(kind: np.ndarray, exact_person: np.ndarray) -> list[np.ndarray]:
    """Markers that share the same typed individuals (and the same exact observations)."""
    typed = kind > 0
    exact = (kind == OBS_SET) & exact_person
    if kind.shape[1] <= 62:
        weights = np.left_shift(np.int64(1), np.arange(kind.shape[1], dtype=np.int64))
        combined: list[Any] = list(zip((typed @ weights).tolist(), (exact @ weights).tolist()))
    else:
        combined = [(typed[m].tobytes(), exact[m].tobytes()) for m in range(kind.shape[0])]
    groups: dict[Any, list[int]] = {}
    for m, key in enumerate(combined):
        groups.setdefault(key, []).append(m)
    return [np.array(ms, dtype=np.int64) for ms in groups.values()]


#: Plans by the shape of the individuals that matter (``kept_individuals``: their local
#: ``father`` and ``mother`` index arrays, typed and exact flags and target), urn mode and
#: ties: a plan depends on nothing else but the pedigree indices of those individuals
#: (``Plan.people``, replaced per pedigree), so pedigrees of one shape (the families of a
#: programme, a family extended by each of its relative alternatives in turn) share it, and
#: the likelihoods are the same to the last bit.
_PLANS: dict[tuple[Any, ...], Plan] = {}
_MAX_PLANS = 8192


def _plan_for(pedigree: Pedigree, typed: np.ndarray, exact: np.ndarray, target: int, *,
              urn: bool = False, ties: tuple[tuple[int, ...], ...] = (),
              split: bool | None = None) -> Plan:
    cache = pedigree.__dict__.setdefault("_fm_plans", {})
    sets = (typed.tobytes(), exact.tobytes(), target)
    key = (*sets, urn, ties)
    plan = cache.get(key)
    if plan is None:
        # The kept individuals and their shape do not depend on urn and ties: worked out once
        # for all the partitions of the urn's expansion.
        shapes = pedigree.__dict__.setdefault("_fm_plan_shapes", {})
        found = shapes.get(sets)
        if found is None:
            people = kept_individuals(pedigree, typed, target)
            local, father, mother = local_parents(pedigree, people)
            found = shapes[sets] = (people, (
                father.tobytes(), mother.tobytes(), typed[people].tobytes(),
                exact[people].tobytes(), int(local[target]) if target >= 0 else -1))
        people, shape_of_people = found
        shape = (*shape_of_people, urn, ties)
        plan = _PLANS.get(shape)
        if plan is None:
            plan = build_plan(pedigree, typed, target, exact_domains=exact, urn=urn,
                              ties=ties, split=split)
            if len(_PLANS) >= _MAX_PLANS:
                _PLANS.pop(next(iter(_PLANS)))
            _PLANS[shape] = plan
        if not np.array_equal(plan.people, people):
            plan = dataclasses.replace(plan, people=people)
        cache[key] = plan
    return plan


def _working_frequencies(marker: Marker, seen: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Population frequencies of the working alleles, exactly as the kernel makes them."""
    arrays = _marker_arrays(marker)
    freq = arrays.freq.copy()
    rest = 1.0 - float(freq[seen].sum())
    unseen = float(freq[~seen].sum())
    if rest > 0.0 and unseen > 0.0:
        freq[~seen] *= rest / unseen
    n = len(marker)
    lump = int(keep.sum()) < n - 1
    if lump and arrays.lump_mode == LUMP_CHECK:
        f, m = marker.matrices  # type: ignore[misc]
        kept = np.flatnonzero(keep)
        lump = is_lumpable(f, kept) and is_lumpable(m, kept)
    if not lump:
        return freq
    return np.append(freq[keep], freq[~keep].sum())


def gauss_beta(n: int, alpha: float, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """Gauss quadrature nodes on [0, 1] and weights (summing to 1) for the Beta(alpha, beta)
    density: exact for polynomials of degree up to ``2n - 1``.

    Golub & Welsch (1969): the nodes are the eigenvalues of the Jacobi matrix of the monic
    Jacobi polynomials with parameters ``a = beta - 1``, ``b = alpha - 1`` on [-1, 1] (mapped
    by ``v = (1 + x) / 2``), the weights the squared first components of its eigenvectors.
    No gamma functions are evaluated, so large ``alpha + beta`` (small theta) cannot overflow.
    """
    from scipy.linalg import eigh_tridiagonal

    a, b = beta - 1.0, alpha - 1.0
    k = np.arange(n, dtype=np.float64)
    s = 2.0 * k + a + b
    diag = np.empty(n)
    diag[0] = (b - a) / (a + b + 2.0)
    if n > 1:
        diag[1:] = (b * b - a * a) / (s[1:] * (s[1:] + 2.0))
    if n == 1:
        return np.array([(1.0 + diag[0]) / 2.0]), np.ones(1)
    j = np.arange(1, n, dtype=np.float64)
    sj = 2.0 * j + a + b
    ratio = np.where(j == 1, 1.0, (j + a + b) / np.where(j == 1, 1.0, sj - 1.0))
    off2 = 4.0 * j * (j + a) * (j + b) * ratio / (sj * sj * (sj + 1.0))
    x, vec = eigh_tridiagonal(diag, np.sqrt(off2))
    w = vec[0, :] ** 2
    return (1.0 + x) / 2.0, w / w.sum()


def theta_quadrature(p: np.ndarray, theta: float, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Frequency vectors and weights that integrate the Balding-Nichols founder prior.

    Under the Balding-Nichols model the founder alleles of a case are draws from a Polya urn,
    i.e. independent given population frequencies ``q ~ Dirichlet(p (1 - theta) / theta)``.
    The Hardy-Weinberg likelihood is a polynomial of degree ``degree`` (the number of founder
    alleles) in ``q``, so its expectation is computed exactly by Gauss-Jacobi quadrature on
    the stick-breaking representation of the Dirichlet (one Beta variable per allele but the
    last, ``degree // 2 + 1`` nodes each): :func:`dirichlet_quadrature`.
    """
    return dirichlet_quadrature(p * ((1.0 - theta) / theta), degree)


def dirichlet_quadrature(alpha: np.ndarray, degree: int) -> tuple[np.ndarray, np.ndarray]:
    """Points and weights (summing to 1) that integrate every polynomial of degree up to
    ``degree`` in each coordinate exactly against ``Dirichlet(alpha)``.

    Stick-breaking (Connor & Mosimann 1969): ``q_i = v_i prod_{j<i} (1 - v_j)`` with
    independent ``v_i ~ Beta(alpha_i, sum_{j>i} alpha_j)``; a Gauss rule with
    ``degree // 2 + 1`` nodes per ``v_i`` (:func:`gauss_beta`).
    """
    k = alpha.size
    n_nodes = degree // 2 + 1
    if n_nodes ** (k - 1) > MAX_THETA_NODES:
        raise ThetaLimitError(f"theta correction: {k} alleles and {degree} founder alleles "
                              f"need {n_nodes ** (k - 1):,} quadrature points (limit "
                              f"{MAX_THETA_NODES:,}); reduce the pedigree to its typed part")
    nodes = np.zeros((1, k))
    stick = np.ones(1)
    weights = np.ones(1)
    for i in range(k - 1):
        v, w = gauss_beta(n_nodes, float(alpha[i]), float(alpha[i + 1:].sum()))
        nodes = np.repeat(nodes, n_nodes, axis=0)
        stick = np.repeat(stick, n_nodes)
        vv = np.tile(v, weights.size)
        nodes[:, i] = stick * vv
        stick = stick * (1.0 - vv)
        weights = np.repeat(weights, n_nodes) * np.tile(w, weights.size)
    nodes[:, k - 1] = stick
    return nodes, weights


def _groups(pedigree: Pedigree, markers: Sequence[Marker],
            profiles: Mapping[str, Mapping[str, Any]], observation: ObservationSpec,
            t: int, lump: bool, keep_alleles: Sequence[Sequence[str]] | None,
            encoded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None):
    """Per group of markers that share a plan: the typed and exactly typed individuals and
    the kernel call (:class:`_GroupRun`). ``encoded``: :func:`_encode` of the same
    arguments, when the caller has it."""
    obs = _observations(pedigree, observation)
    dropout = np.array([o.dropout for o in obs])
    dropin = np.array([o.dropin for o in obs])
    kind, a1, a2 = encoded if encoded is not None else _encode(pedigree, markers, profiles)
    pack = _pack(markers)
    exact_person = (dropout == 0) & (dropin == 0)
    for ms in _marker_groups(kind, exact_person):
        typed = kind[ms[0]] > 0
        exact = typed & (kind[ms[0]] == OBS_SET) & exact_person
        nmax = int(pack.n_alleles[ms].max())
        keep_extra = np.zeros((len(ms), nmax), dtype=np.bool_)
        if not lump:
            keep_extra[:] = True
        elif keep_alleles is not None:
            for r, m in enumerate(ms):
                keep = keep_alleles[m]
                if isinstance(keep, np.ndarray):  # a mask over the marker's alleles
                    keep_extra[r, :keep.size] = keep
                    continue
                for a in keep:
                    keep_extra[r, markers[m].index(a)] = True
        yield typed, exact, _GroupRun(ms, nmax, t, pack, keep_extra, kind, a1, a2, dropout,
                                      dropin)


def theta_feasible(pedigree: Pedigree, markers: Sequence[Marker],
                   profiles: Mapping[str, Mapping[str, Any]], *, theta: float,
                   observation: ObservationSpec = None, target: str | None = None,
                   lump: bool = True, keep_alleles: Sequence[Sequence[str]] | None = None,
                   ) -> np.ndarray:
    """Per marker, whether the exact theta correction is within the engine's limits
    (:data:`MAX_THETA_PARTITIONS`, :data:`MAX_THETA_NODES`), found without computing it:
    callers check before they start the work, never fail after it. Arguments as
    :func:`genotype_posterior`; ``True`` everywhere at theta 0."""
    out = np.ones(len(markers), dtype=bool)
    if theta < THETA_ZERO:
        return out
    t = pedigree.index(target) if target is not None else -1
    for typed, exact, run in _groups(pedigree, markers, profiles, observation, t, lump,
                                     keep_alleles):
        # Within the partition limit every marker is feasible whatever its alleles: the urn's
        # parameters (a loop over the markers) are needed only beyond it.
        free = _plan_for(pedigree, typed, exact, run.target, urn=True).free_alleles
        if _bell(len(free)) <= MAX_THETA_PARTITIONS:
            continue
        out[run.ms] = _urn_setup(pedigree, markers, typed, exact, theta, run).feasible()
    return out


def _evaluate(pedigree: Pedigree, markers: Sequence[Marker],
              profiles: Mapping[str, Mapping[str, Any]], *, theta: float,
              observation: ObservationSpec, target: str | None, lump: bool,
              keep_alleles: Sequence[Sequence[str]] | None = None,
              ) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]] | None]:
    if not 0.0 <= theta < 1.0:
        raise InputError(f"theta must lie in [0, 1), got {theta}")
    if theta < THETA_ZERO:
        theta = 0.0
    t = pedigree.index(target) if target is not None else -1
    n_m = len(markers)
    result = np.empty(n_m)
    posts: list[tuple[np.ndarray, np.ndarray]] = []
    post_slots: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for ms, vals, post, post_alleles in _evaluate_groups(
            pedigree, markers, profiles, theta=theta, observation=observation, t=t, lump=lump,
            keep_alleles=keep_alleles):
        result[ms] = vals
        if t >= 0:
            for r, (m, k) in enumerate(zip(ms.tolist(), (post_alleles > -2).sum(axis=1).tolist())):
                post_slots[m] = (post_alleles[r, :k].copy(), post[r, :k * k].reshape(k, k))
    if t < 0:
        return result, None
    posts.extend(post_slots[m] for m in range(n_m))
    return result, posts


def _evaluate_groups(pedigree: Pedigree, markers: Sequence[Marker],
                     profiles: Mapping[str, Mapping[str, Any]], *, theta: float,
                     observation: ObservationSpec, t: int, lump: bool,
                     keep_alleles: Sequence[Any] | None = None,
                     encoded: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None):
    """The kernel's output per group of markers that share a plan: the group's marker
    indices, likelihoods, target posteriors (row ``r``: the ``k x k`` ordered matrix in its
    first ``k^2`` entries) and working alleles (full indices, -1 the merged allele, -2 after
    the ``k`` used). ``theta`` already checked by the caller (0 below ``THETA_ZERO``);
    ``encoded`` as for :func:`_groups`."""
    for typed, exact, run in _groups(pedigree, markers, profiles, observation, t, lump,
                                     keep_alleles, encoded):
        if theta > 0:
            vals, post, post_alleles = _urn_group(pedigree, markers, typed, exact, theta, run)
        else:
            plan = _plan_for(pedigree, typed, exact, t)
            vals, post, post_alleles = run(plan, np.zeros(len(run.ms), dtype=np.int64),
                                           np.empty(0), np.empty(0))
        yield run.ms, vals, post, post_alleles


@dataclass
class _GroupRun:
    """One kernel call over a group of markers that share a plan (typed and exact sets)."""

    ms: np.ndarray
    nmax: int
    target: int
    pack: Any
    keep_extra: np.ndarray
    kind: np.ndarray
    a1: np.ndarray
    a2: np.ndarray
    dropout: np.ndarray
    dropin: np.ndarray

    def __call__(self, plan: Plan, q_count: np.ndarray, q_nodes: np.ndarray,
                 q_weights: np.ndarray, sizes: np.ndarray | None = None,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Likelihoods, normalised posteriors and working alleles (see ``evaluate_markers``);
        ``q_count[r]`` frequency vectors of marker ``r`` (0: the population's), each of
        ``sizes[r]`` working alleles, stored one after the other in ``q_nodes`` with their
        weights in ``q_weights``."""
        from forensic_match.likelihood._kernels import evaluate_markers

        n = len(self.ms)
        q_ptr = np.zeros(n, dtype=np.int64)
        w_ptr = np.zeros(n, dtype=np.int64)
        if n > 1 and sizes is not None:
            w_ptr[1:] = np.cumsum(q_count[:-1])
            q_ptr[1:] = np.cumsum((q_count * sizes)[:-1])
        post = np.zeros((n, self.nmax * self.nmax if self.target >= 0 else 1))
        post_alleles = np.zeros((n, self.nmax if self.target >= 0 else 1), dtype=np.int32)
        pack = self.pack
        vals = evaluate_markers(
            *plan.kernel_args(), plan.target, plan.people, self.ms, pack.n_alleles,
            pack.freq_ptr, pack.freqs, pack.mat_ptr, pack.mats, pack.has_mut, pack.lump_mode,
            self.keep_extra, self.kind, self.a1, self.a2, self.dropout, self.dropin, q_ptr,
            w_ptr, q_count, q_nodes, q_weights, post, post_alleles)
        return vals, post, post_alleles


#: Largest number of set partitions of the urn's free founder alleles evaluated one by one
#: (Bell(8) = 4,140); beyond it the quadrature is used if it is within its own limit.
MAX_THETA_PARTITIONS = 4140

#: Tests only: force "partitions" or "quadrature" in :func:`_urn_group` (None: the cheaper).
_URN_METHOD: str | None = None


def _set_partitions(n: int) -> list[list[list[int]]]:
    """All partitions of ``range(n)`` into blocks (restricted growth strings)."""
    out: list[list[list[int]]] = []

    def grow(i: int, blocks: list[list[int]]) -> None:
        if i == n:
            out.append([list(b) for b in blocks])
            return
        for b in blocks:
            b.append(i)
            grow(i + 1, blocks)
            b.pop()
        blocks.append([i])
        grow(i + 1, blocks)
        blocks.pop()

    grow(0, [])
    return out


def _bell(n: int) -> int:
    row = [1]
    for _ in range(n):
        nxt = [row[-1]]
        for v in row:
            nxt.append(nxt[-1] + v)
        row = nxt
    return row[0]


@dataclass
class _Urn:
    """The urn of one marker group, conditioned on the exactly typed founders (see
    :func:`_urn_group`)."""

    base: Plan
    free: list[int]
    alphas: list[np.ndarray]
    consts: list[float]
    sizes: np.ndarray

    def method(self) -> str | None:
        """"partitions" or "quadrature" (the one with fewer likelihood evaluations), or
        ``None`` when both exceed their limits."""
        n_free = len(self.free)
        n_parts = _bell(n_free)
        nodes = self.nodes()
        cheaper = n_parts * len(nodes) <= sum(nodes) if _URN_METHOD is None else \
            _URN_METHOD == "partitions"
        if n_parts <= MAX_THETA_PARTITIONS and (cheaper or max(nodes) > MAX_THETA_NODES):
            return "partitions"
        return "quadrature" if max(nodes) <= MAX_THETA_NODES else None

    def nodes(self) -> list[int]:
        """Quadrature points per marker."""
        return [(len(self.free) // 2 + 1) ** (int(k) - 1) for k in self.sizes]

    def feasible(self) -> np.ndarray:
        """Per marker of the group, whether it can be computed exactly (partitions for the
        whole group, or quadrature within its limit for that marker)."""
        if _bell(len(self.free)) <= MAX_THETA_PARTITIONS:
            return np.ones(len(self.sizes), dtype=bool)
        return np.array(self.nodes()) <= MAX_THETA_NODES


def _urn_setup(pedigree: Pedigree, markers: Sequence[Marker], typed: np.ndarray,
               exact: np.ndarray, theta: float, run: _GroupRun) -> _Urn:
    """The plan, free draws, urn parameters and constants of :func:`_urn_group`."""
    ms = run.ms
    base = _plan_for(pedigree, typed, exact, run.target, urn=True)
    known = [int(base.people[i]) for i in range(base.people.size)
             if base.father[i] < 0 and exact[base.people[i]]]
    lam = (1.0 - theta) / theta
    alphas, consts, sizes = [], [], []
    for r, m in enumerate(ms):
        marker = markers[m]
        n = len(marker)
        seen = np.zeros(n, dtype=bool)
        for g in base.people:
            if run.kind[m, g]:
                seen[run.a1[m, g]] = True
                if run.a2[m, g] >= 0:
                    seen[run.a2[m, g]] = True
        p, to_work = _working(marker, seen, seen | run.keep_extra[r, :n])
        alpha = lam * p
        log_u = 0.0
        drawn = 0
        for g in known:
            for a in (run.a1[m, g], run.a2[m, g]):
                w = to_work[a]
                log_u += np.log(alpha[w] / (lam + drawn))
                alpha[w] += 1.0
                drawn += 1
        alphas.append(alpha)
        consts.append(float(np.exp(log_u)))
        sizes.append(p.size)
    return _Urn(base, list(base.free_alleles), alphas, consts, np.array(sizes, dtype=np.int64))


def _urn_group(pedigree: Pedigree, markers: Sequence[Marker], typed: np.ndarray,
               exact: np.ndarray, theta: float, run: _GroupRun,
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Likelihoods and target posteriors of a marker group under the Balding-Nichols urn.

    The founder alleles of the kept pedigree are exchangeable draws from a Polya urn with
    parameters ``lam p`` (``lam = (1 - theta) / theta``). Drawing first the alleles of the
    founders whose genotype is known exactly, with probability ``U`` (same for every order),
    leaves the others as draws from the urn ``alpha = lam p + c`` (``c``: those known
    alleles' counts). The ``F`` free draws are then summed either over the set partitions of
    the ``F`` draws (the Chinese restaurant expansion of the urn: a partition with blocks
    ``B`` weighs ``prod (|B| - 1)! A^|blocks| / A (A + 1) ... (A + F - 1)``, ``A = sum
    alpha``, each block one allele drawn from ``alpha / A``), or by Gauss quadrature over
    ``q ~ Dirichlet(alpha)`` of degree ``F``, whichever needs fewer likelihood evaluations.
    Both are exact; docs/methods.md, section 3.
    """
    urn = _urn_setup(pedigree, markers, typed, exact, theta, run)
    method = urn.method()
    if method == "partitions":
        return _urn_partitions(pedigree, typed, exact, run, urn)
    if method is None:
        nodes = urn.nodes()
        worst = int(np.argmax(nodes))
        raise ThetaLimitError(
            f"theta correction: {urn.sizes[worst]} alleles and {len(urn.free)} founder "
            f"alleles of unknown genotype need {nodes[worst]:,} quadrature points (limit "
            f"{MAX_THETA_NODES:,}) or {_bell(len(urn.free)):,} partitions (limit "
            f"{MAX_THETA_PARTITIONS:,}); reduce the pedigree to its typed part")
    q_parts, w_parts = [], []
    for alpha, const in zip(urn.alphas, urn.consts):
        nodes_q, w = dirichlet_quadrature(alpha, len(urn.free))
        q_parts.append(nodes_q.ravel())
        w_parts.append(w * const)
    q_count = np.array([w.size for w in w_parts], dtype=np.int64)
    return run(urn.base, q_count, np.concatenate(q_parts), np.concatenate(w_parts),
               urn.sizes)


def _urn_partitions(pedigree: Pedigree, typed: np.ndarray, exact: np.ndarray, run: _GroupRun,
                    urn: _Urn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_urn_group` by the partition expansion: one plan per partition of the free
    founder alleles (the alleles of a block tied to its first), each evaluated at the urn's
    mean ``alpha / A``."""
    base, free = urn.base, urn.free
    total = float(urn.alphas[0].sum())  # A: the same for every marker of the group
    n_free = len(free)
    log_rising = float(np.sum(np.log(total + np.arange(n_free))))
    mean = np.concatenate([a / a.sum() for a in urn.alphas])
    q_count = np.ones(len(run.ms), dtype=np.int64)
    consts = np.asarray(urn.consts)
    vals_sum = np.zeros(len(run.ms))
    joint = None
    post_alleles = None
    # A target founder's two draws are exchangeable and it is never pinned: the partition
    # with them swapped gives the same likelihood and the transposed posterior, so one of
    # each such pair is evaluated and counted twice.
    swap: dict[int, int] = {}
    if base.target >= 0 and {2 * base.target, 2 * base.target + 1} <= set(free):
        i, j = free.index(2 * base.target), free.index(2 * base.target + 1)
        swap = {i: j, j: i}
    for blocks in _set_partitions(n_free):
        twice = False
        if swap:
            own = sorted(tuple(sorted(b)) for b in blocks)
            other = sorted(tuple(sorted(swap.get(i, i) for i in b)) for b in blocks)
            if other < own:
                continue
            twice = other != own
        log_w = len(blocks) * np.log(total) - log_rising
        for b in blocks:
            log_w += float(np.sum(np.log(np.arange(1, len(b)))))
        ties = tuple(tuple(free[i] for i in b) for b in blocks if len(b) > 1)
        plan = _plan_for(pedigree, typed, exact, run.target, urn=True, ties=ties,
                         split=base.n_vars > 2 * base.people.size)
        vals, post, post_alleles = run(plan, q_count, mean, consts * np.exp(log_w),
                                       urn.sizes)
        part = post * vals[:, None]
        if twice:  # the swapped partition: same likelihood, posterior transposed
            part = part + _transposed(part, urn.sizes)
            vals = 2.0 * vals
        vals_sum += vals
        joint = part if joint is None else joint + part
    assert joint is not None and post_alleles is not None
    with np.errstate(invalid="ignore", divide="ignore"):
        post = np.where(vals_sum[:, None] > 0, joint / vals_sum[:, None], 0.0)
    return vals_sum, post, post_alleles


def _transposed(post: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Each marker's ``k x k`` ordered posterior (row ``r``'s first ``k^2`` entries,
    ``k = sizes[r]``) transposed."""
    out = np.zeros_like(post)
    for r, k in enumerate(sizes.tolist()):
        out[r, :k * k] = post[r, :k * k].reshape(k, k).T.ravel()
    return out


def _working(marker: Marker, seen: np.ndarray, keep: np.ndarray,
             ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_working_frequencies` and, per full allele index, its working index."""
    p = _working_frequencies(marker, seen, keep)
    n = len(marker)
    if p.size == n:
        return p, np.arange(n)
    to_work = np.full(n, p.size - 1)
    to_work[np.flatnonzero(keep)] = np.arange(p.size - 1)
    return p, to_work


def evaluate_with_unknown_alleles(
        pedigree: Pedigree, markers: Sequence[Marker],
        profiles: Mapping[str, Mapping[str, Any]], *, min_frequency: float | None,
        **options: Any,
) -> tuple[np.ndarray, Any, Sequence[Marker]]:
    """:func:`_evaluate`, extending the markers by unknown alleles when a profile shows any.

    Returns the values, the posteriors and the markers actually used.
    """
    try:
        values, posts = _evaluate(pedigree, markers, profiles, **options)
    except _UnknownAllele:
        markers = prepare_markers(markers, profiles, min_frequency=min_frequency)
        values, posts = _evaluate(pedigree, markers, profiles, **options)
    return values, posts, markers


def pedigree_likelihood(pedigree: Pedigree, markers: Sequence[Marker],
                        profiles: Mapping[str, Mapping[str, Any]], *, theta: float = 0.0,
                        observation: ObservationSpec = None, lump: bool = True,
                        min_frequency: float | None = None) -> np.ndarray:
    """Probability of the observed profiles on a pedigree, per marker.

    Parameters
    ----------
    pedigree : Pedigree
        Any pedigree; loops, inbreeding and several unconnected families are allowed.
    markers : sequence of Marker
        Frequencies and mutation models; markers are independent (unlinked).
    profiles : mapping
        ``{individual: {marker: (a, b)}}``; ``(a, None)`` is a partial genotype; an untyped
        marker is absent.
    theta : float
        Balding-Nichols subpopulation correction, applied jointly to all founder alleles.
    observation : mapping, optional
        ``{individual: Observation or dropout probability}`` for degraded samples.
    lump : bool
        Merge alleles nobody shows into one where the mutation model makes that exact
        (the result is the same; it is faster). ``False`` uses every allele.
    min_frequency : float, optional
        Frequency of an allele absent from a marker's table (with a warning); by default the
        marker's own (its frequency database's 5 / (2N)), see
        :func:`unknown_allele_frequency`.

    Returns
    -------
    numpy.ndarray
        The likelihood of each marker.

    Examples
    --------
    >>> from forensic_match import Marker, Pedigree
    >>> ped = Pedigree.from_records([("F", None, None, "M"), ("M", None, None, "F"),
    ...                              ("C", "F", "M", "M")])
    >>> th01 = Marker("TH01", ["6", "7", "9.3"], [0.2, 0.3, 0.5])
    >>> pedigree_likelihood(ped, [th01], {"F": {"TH01": ("6", "6")},
    ...                                   "C": {"TH01": ("6", "7")}})
    array([0.012])
    """
    values, _, _ = evaluate_with_unknown_alleles(
        pedigree, markers, profiles, theta=theta, observation=observation, target=None,
        lump=lump, min_frequency=min_frequency)
    return values


@dataclass(frozen=True)
class GenotypePosterior:
    """The distribution of one individual's genotype at one marker given the family data.

    Attributes
    ----------
    marker : str
    alleles : tuple of str
        Working alleles; the last is ``"*other*"`` when unseen alleles were merged.
    matrix : numpy.ndarray
        ``P(paternal = alleles[i], maternal = alleles[j] | data)``; sums to 1.
    likelihood : float
        Probability of the family data (the normalising constant).
    """

    marker: str
    alleles: tuple[str, ...]
    matrix: np.ndarray
    likelihood: float
    other: tuple[str, ...] = ()

    def unordered(self) -> dict[tuple[str, str], float]:
        """Probabilities of unordered genotypes ``(a, b)`` in allele order."""
        out: dict[tuple[str, str], float] = {}
        k = len(self.alleles)
        for i in range(k):
            for j in range(i, k):
                p = self.matrix[i, j] + (self.matrix[j, i] if i != j else 0.0)
                out[(self.alleles[i], self.alleles[j])] = float(p)
        return out


OTHER = "*other*"


def genotype_posterior(pedigree: Pedigree, markers: Sequence[Marker],
                       profiles: Mapping[str, Mapping[str, Any]], target: str, *,
                       theta: float = 0.0, observation: ObservationSpec = None,
                       lump: bool = True, keep_alleles: Sequence[Sequence[str]] | None = None,
                       min_frequency: float | None = None,
                       ) -> list[GenotypePosterior]:
    """Posterior distribution of ``target``'s genotype at each marker, given the profiles.

    This is what the matching engine compiles for a missing person: one pass of the
    pedigree likelihood per marker yields ``P(G_target = g | data)`` for every genotype.

    Parameters
    ----------
    keep_alleles : sequence of sequences of str, optional
        Per marker, alleles to keep separate from the merged "other" allele (e.g. the
        alleles of the samples to be scored against this table).
    Other parameters as for :func:`pedigree_likelihood`.

    Returns
    -------
    list of GenotypePosterior
        One per marker, in marker order.
    """
    values, posts, markers = evaluate_with_unknown_alleles(
        pedigree, markers, profiles, theta=theta, observation=observation, target=target,
        lump=lump, keep_alleles=keep_alleles, min_frequency=min_frequency)
    out = []
    for marker, value, (idx, mat) in zip(markers, values, posts or []):
        labels = tuple(marker.alleles[i] if i >= 0 else OTHER for i in idx)
        other = tuple(a for i, a in enumerate(marker.alleles) if i not in set(idx.tolist())) \
            if (idx < 0).any() else ()
        out.append(GenotypePosterior(marker.name, labels, mat, float(value), other))
    return out


def log10_likelihood(values: np.ndarray) -> float:
    """Sum of log10 of per-marker likelihoods (``-inf`` if any is 0)."""
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log10(values)))


__all__ = ["pedigree_likelihood", "genotype_posterior", "GenotypePosterior", "OTHER",
           "prepare_markers", "theta_quadrature", "dirichlet_quadrature", "theta_feasible",
           "log10_likelihood"]
