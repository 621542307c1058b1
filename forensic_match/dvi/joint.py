"""Joint identification: pairwise LRs, undisputed identifications and joint assignments.

Three steps on a :class:`~forensic_match.cases.DviDataset`, all by the exact pedigree
likelihood (:func:`~forensic_match.likelihood.pedigree_likelihood`):

- :func:`pairwise_lr_matrix`: the LR of every PM sample ``V`` against every missing person
  ``M`` of compatible sex, ``LR = P(F's data, V typed as M) / (P(F's data) P(V))``.
- :func:`undisputed`: identifications whose LR exceeds a threshold and beats every competing LR
  of its row and column by a margin, found step by step as the peer (R's dvir) does.
- :func:`joint_solutions`: every assignment of PM samples to missing persons, ranked by its
  joint likelihood, with the LR against the null assignment, posteriors under a flat prior
  over assignments and posterior pairing probabilities.

The peer's conventions (dvir 3.4.2 ``findUndisputed`` and ``jointDVI``), which the defaults
reproduce exactly, are described with the formulas in ``docs/joint.md``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from forensic_match.cases import DviDataset, Family, check_family_records
from forensic_match.errors import ForensicMatchError, InputError
from forensic_match.likelihood import pedigree_likelihood
from forensic_match.pedigree import Pedigree

if TYPE_CHECKING:
    import polars as pl

#: Default threshold and margin of the undisputed rule (the peer's ``threshold = 1e4``).
UNDISPUTED_THRESHOLD = 1e4

#: Default limit on the number of possible assignments enumerated by :func:`joint_solutions`
#: (the peer's ``maxAssign`` is 1e5, counted before impossible assignments are pruned).
MAX_ASSIGNMENTS = 1_000_000

#: Log-likelihoods are rounded to this many decimals before ranking, so that assignments
#: equal up to rounding noise are ties, broken alphabetically (as the peer does).
RANK_DECIMALS = 10


class AssignmentLimitError(ForensicMatchError):
    """The joint enumeration would exceed its limit on the number of assignments."""


class FixedPairsImpossible(InputError):
    """The PM samples fixed in a family (by the undisputed rule) are impossible together on
    its pedigree: at least one of the fixed pairs is wrong (``docs/joint.md``)."""


def sex_compatible(pm_sex: str, mp_sex: str) -> bool:
    """Whether a PM sample of sex ``pm_sex`` may be a missing person of sex ``mp_sex``.

    Sexes are ``"M"``, ``"F"`` or ``"U"``; unknown is compatible with anything.
    """
    return pm_sex == "U" or mp_sex == "U" or pm_sex == mp_sex


# --------------------------------------------------------------------------------------------
# Likelihoods, cached per (family, placed PM samples, mutation on/off)
# --------------------------------------------------------------------------------------------

Pairs = frozenset[tuple[str, str]]  # {(missing person, PM sample)}


class _Likelihoods:
    """Per-marker likelihoods of families with PM samples placed on missing persons.

    Families listed in ``disabled`` are evaluated with every mutation model switched off. A PM
    sample with ``dropout > 0`` is evaluated with that per-allele dropout probability.
    """

    def __init__(self, dataset: DviDataset, disabled: Iterable[str] = ()) -> None:
        self.dataset = dataset
        self.markers = list(dataset.markers)
        self.nomut = [m if m.mutation is None else m.with_mutation(None) for m in self.markers]
        self.has_mutation = any(m.mutation is not None for m in self.markers)
        self.disabled = frozenset(disabled)
        self.fast = False   # LRs of conditioned families from compiled tables
        self.samples = {s.id: s for s in dataset.pm}
        self._fam: dict[tuple[str, Pairs, bool], np.ndarray] = {}
        self._fam_ll: dict[tuple[str, Pairs, bool], float] = {}
        self._pm: dict[str, np.ndarray] = {}
        self._pm_ll: dict[str, float] = {}

    def with_disabled(self, disabled: Iterable[str]) -> _Likelihoods:
        """Another view with other families' mutations switched off (shares the caches)."""
        other = _Likelihoods.__new__(_Likelihoods)
        other.__dict__.update(self.__dict__)
        other.disabled = frozenset(disabled)
        return other

    def _mutation_on(self, family: Family, mutation: bool | None) -> bool:
        if mutation is None:
            mutation = family.id not in self.disabled
        return mutation and self.has_mutation

    def family(self, family: Family, pairs: Pairs = frozenset(), *,
               mutation: bool | None = None) -> np.ndarray:
        """Per-marker ``P(family data, each (M, V) in pairs with V's profile at M)``.

        ``mutation`` None follows ``disabled``; True/False force the models on/off.
        """
        on = self._mutation_on(family, mutation)
        key = (family.id, pairs, on)
        vals = self._fam.get(key)
        if vals is None:
            profiles: dict[str, Any] = dict(family.genotypes)
            dropout: dict[str, float] = {}
            for mp, pm in pairs:
                sample = self.samples[pm]
                profiles[mp] = sample.genotypes
                if sample.dropout > 0:
                    dropout[mp] = sample.dropout
            vals = pedigree_likelihood(family.pedigree, self.markers if on else self.nomut,
                                       profiles, theta=self.dataset.theta,
                                       observation=dropout or None)
            self._fam[key] = vals
        return vals

    def family_loglik(self, family: Family, pairs: Pairs = frozenset(), *,
                      mutation: bool | None = None) -> float:
        """Natural log of the product of :meth:`family` (``-inf`` when impossible)."""
        key = (family.id, pairs, self._mutation_on(family, mutation))
        ll = self._fam_ll.get(key)
        if ll is None:
            ll = _log_total(self.family(family, pairs, mutation=mutation))
            self._fam_ll[key] = ll
        return ll

    def sample(self, pm: str) -> np.ndarray:
        """Per-marker ``P(V)`` of a PM sample on its own (an unrelated founder)."""
        vals = self._pm.get(pm)
        if vals is None:
            sample = self.samples[pm]
            single = Pedigree.from_records([(pm, None, None, "U")])
            vals = pedigree_likelihood(single, self.markers, {pm: sample.genotypes},
                                       theta=self.dataset.theta,
                                       observation={pm: sample.dropout} if sample.dropout > 0
                                       else None)
            self._pm[pm] = vals
        return vals

    def sample_loglik(self, pm: str) -> float:
        """Natural log of :meth:`sample`."""
        ll = self._pm_ll.get(pm)
        if ll is None:
            ll = _log_total(self.sample(pm))
            self._pm_ll[pm] = ll
        return ll

    def pair_ratios(self, family: Family, mp: str, pm: str, fixed: Pairs = frozenset(), *,
                    mutation: bool | None = None) -> np.ndarray:
        """Per-marker pairwise LR of ``pm`` as ``mp``, given the PM samples in ``fixed``."""
        base = self.family(family, fixed, mutation=mutation)
        if not np.all(base > 0):
            bad = [self.markers[k].name for k in np.flatnonzero(~(base > 0))]
            what = "the reference data are" if not fixed else (
                "the reference data with PM samples " + ", ".join(
                    f"{v!r} as {m!r}" for m, v in sorted(fixed)) + " are")
            error = FixedPairsImpossible if fixed else InputError
            raise error(f"family {family.id!r}: {what} impossible on the pedigree at "
                        f"markers {bad} (a Mendelian inconsistency with no mutation "
                        f"model to explain it)")
        joint = self.family(family, fixed | {(mp, pm)}, mutation=mutation)
        return joint / (base * self.sample(pm))


def _log_total(values: np.ndarray) -> float:
    if np.all(values > 0):
        return float(np.sum(np.log(values)))
    return -math.inf


def _lr_of(ratios: np.ndarray) -> tuple[float, float]:
    """(LR, log10 LR) of per-marker ratios; the product as the reference computes it."""
    with np.errstate(divide="ignore", over="ignore"):
        lr = float(np.prod(ratios))
        log10 = float(np.sum(np.log10(ratios))) if np.all(ratios > 0) else -math.inf
    return lr, log10


def _consistent_families(dataset: DviDataset, lik: _Likelihoods) -> list[str]:
    """Families whose reference data are possible with every mutation model switched off."""
    return [f.id for f in dataset.am
            if lik.family_loglik(f, frozenset(), mutation=False) > -math.inf]


# --------------------------------------------------------------------------------------------
# Pairwise LR matrix
# --------------------------------------------------------------------------------------------

def _check_dataset(dataset: DviDataset) -> None:
    if not isinstance(dataset, DviDataset):
        raise InputError(f"expected an identification dataset (DviDataset), got "
                         f"{type(dataset).__name__}")
    check_family_records(dataset.am, where=f"dataset {dataset.id!r}")
    seen: dict[str, str] = {}
    for f in dataset.am:
        for m in f.missing:
            if m in seen:
                raise InputError(f"missing person {m!r} appears in families {seen[m]!r} and "
                                 f"{f.id!r}; missing-person ids must be unique")
            seen[m] = f.id
    ids = [s.id for s in dataset.pm]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})
        raise InputError(f"duplicate PM sample ids {dup}")


def pairwise_lr_matrix(dataset: DviDataset, *, compiled: bool = False) -> pl.DataFrame:
    """Pairwise LR of every PM sample against every missing person of compatible sex.

    ``LR = P(F's data, V typed as M) / (P(F's data) P(V))`` by the exact engine, with the
    markers' mutation models as given (the peer's ``pairwiseLR``).

    Parameters
    ----------
    dataset : DviDataset
    compiled : bool
        Take LRs and inconsistency counts from the compiled tables
        (:func:`~forensic_match.dvi.dvisolve.compiled_pairs`: one table gather per marker
        and pair instead of two pedigree likelihoods; agreement with the exact engine 4e-10
        relative or better on the reference datasets). Falls back to the exact engine where
        the tables cannot serve (theta > 0).

    Returns
    -------
    polars.DataFrame
        One row per sex-compatible pair, PM samples in dataset order and, within each,
        missing persons in dataset order (families, then each family's ``missing`` list):
        ``pm``, ``missing``, ``family``, ``lr``, ``log10_lr`` (``-inf`` for an exclusion) and
        ``inconsistent_markers``, the number of markers at which the family data with ``V``
        typed as ``M`` are impossible without mutation (Mendelian inconsistencies; a marker
        at which the reference data alone are inconsistent counts too).

    Raises
    ------
    InputError
        A family whose reference data are impossible (LR undefined).

    Examples
    --------
    >>> from forensic_match import load_case
    >>> ds = load_case("../shared/reference/dvi/example2.json")  # doctest: +SKIP
    >>> pairwise_lr_matrix(ds).filter(pl.col("lr") > 1)  # doctest: +SKIP
    """
    import polars as pl

    _check_dataset(dataset)
    lik = _Likelihoods(dataset)
    rows: dict[str, list[Any]] = {k: [] for k in ("pm", "missing", "family", "lr", "log10_lr",
                                                  "inconsistent_markers")}
    fast = None
    if compiled:
        from forensic_match.dvi.dvisolve import compiled_pairs

        fast = compiled_pairs(dataset)
    if fast is not None:
        lrs, bad = fast[:2]
        wanted = [(f.id, m, f.sex_of(m)) for f in dataset.am for m in f.missing]
        for s in dataset.pm:
            for fid, m, sex in wanted:
                if not sex_compatible(s.sex, sex):
                    continue
                pair = (s.id, m)
                lr = lrs[pair]
                rows["pm"].append(s.id)
                rows["missing"].append(m)
                rows["family"].append(fid)
                rows["lr"].append(lr)
                rows["log10_lr"].append(math.log10(lr) if lr > 0 else -math.inf)
                rows["inconsistent_markers"].append(bad[pair])
        return pl.DataFrame(rows, schema={"pm": pl.Utf8, "missing": pl.Utf8,
                                          "family": pl.Utf8, "lr": pl.Float64,
                                          "log10_lr": pl.Float64,
                                          "inconsistent_markers": pl.Int64})
    for s in dataset.pm:
        for f in dataset.am:
            for m in f.missing:
                if not sex_compatible(s.sex, f.sex_of(m)):
                    continue
                lr, log10 = _lr_of(lik.pair_ratios(f, m, s.id))
                pair = frozenset({(m, s.id)})
                mendel = lik.family(f, pair, mutation=False) if lik.has_mutation else \
                    lik.family(f, pair)
                for key, val in (("pm", s.id), ("missing", m), ("family", f.id), ("lr", lr),
                                 ("log10_lr", log10),
                                 ("inconsistent_markers", int(np.sum(~(mendel > 0))))):
                    rows[key].append(val)
    return pl.DataFrame(rows, schema={"pm": pl.Utf8, "missing": pl.Utf8, "family": pl.Utf8,
                                      "lr": pl.Float64, "log10_lr": pl.Float64,
                                      "inconsistent_markers": pl.Int64})


# --------------------------------------------------------------------------------------------
# A (possibly reduced) identification problem, as the peer's findUndisputed reduces it
# --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Fam:
    family: Family
    missing: tuple[str, ...]      # missing persons still to identify
    fixed: Pairs = frozenset()    # identified (missing, PM) pairs whose data are now AM data

    @property
    def id(self) -> str:
        return self.family.id


@dataclass(frozen=True)
class _Problem:
    families: tuple[_Fam, ...]
    samples: tuple[str, ...]                  # PM samples still to place
    pairings: Mapping[str, tuple[str, ...]]   # PM sample -> candidate missing persons
    dropped: tuple[_Fam, ...] = ()            # families left with no one to identify
    removed: tuple[str, ...] = ()             # PM samples left with no candidate

    @classmethod
    def initial(cls, dataset: DviDataset) -> _Problem:
        fams = tuple(_Fam(f, tuple(f.missing)) for f in dataset.am)
        sexes = [(m, f.sex_of(m)) for f in dataset.am for m in f.missing]
        pairings = {s.id: tuple(m for m, sex in sexes if sex_compatible(s.sex, sex))
                    for s in dataset.pm}
        return cls(fams, tuple(s.id for s in dataset.pm), pairings)

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(m for f in self.families for m in f.missing)

    def family_of(self) -> dict[str, _Fam]:
        return {m: f for f in self.families for m in f.missing}

    def pair_lrs(self, lik: _Likelihoods | None,
                 known: Mapping[tuple[str, str], float] | None = None,
                 ) -> dict[tuple[str, str], float]:
        """``{(pm, missing): LR}`` over the current pairings, given the fixed pairs.

        LRs in ``known`` are reused for families with no fixed pair (they are unchanged);
        the others are computed with ``lik`` (or taken from ``known`` when ``lik`` is None).
        """
        fam = self.family_of()
        out = {}
        fast: dict[str, dict[tuple[str, str], float] | None] = {}
        for pm in self.samples:
            for mp in self.pairings[pm]:
                f = fam[mp]
                if known is not None and (lik is None or not f.fixed):
                    if (pm, mp) in known:
                        out[(pm, mp)] = known[(pm, mp)]
                    continue
                assert lik is not None
                if lik.fast and f.fixed:
                    if f.id not in fast:
                        from forensic_match.dvi.dvisolve import conditioned_pairs

                        on = lik._mutation_on(f.family, None)
                        fast[f.id] = conditioned_pairs(lik.dataset, f.family, f.fixed,
                                                       f.missing,
                                                       lik.markers if on else lik.nomut)
                    table = fast[f.id]
                    if table is not None:
                        out[(pm, mp)] = table[(pm, mp)]
                        continue
                out[(pm, mp)] = _lr_of(lik.pair_ratios(f.family, mp, pm, f.fixed))[0]
        return out

    def reduce(self, found: Sequence[tuple[str, str]]) -> _Problem:
        """Remove identified pairs, as the peer's ``subsetDVI`` + ``transferMarkers``.

        Identified missing persons leave their families, whose data now include the PM
        sample's profile; a family with nobody left to identify is dropped; a PM sample with
        no candidate left (sex-compatible, not yet identified) is removed.
        """
        pm_done = {pm for pm, _ in found}
        mp_done = {mp for _, mp in found}
        fams, dropped = [], list(self.dropped)
        for f in self.families:
            new = [(mp, pm) for pm, mp in found if mp in f.missing]
            if not new:
                fams.append(f)
                continue
            g = _Fam(f.family, tuple(m for m in f.missing if m not in mp_done),
                     f.fixed | frozenset(new))
            (fams if g.missing else dropped).append(g)
        samples, removed = [], list(self.removed)
        pairings = {}
        for pm in self.samples:
            if pm in pm_done:
                continue
            cands = tuple(m for m in self.pairings[pm] if m not in mp_done)
            if cands:
                samples.append(pm)
                pairings[pm] = cands
            else:
                removed.append(pm)
        return _Problem(tuple(fams), tuple(samples), pairings, tuple(dropped), tuple(removed))


def _undisputed_once(lrs: Mapping[tuple[str, str], float], samples: Sequence[str],
                     missing: Sequence[str], threshold: float, margin: float,
                     ) -> list[tuple[str, str, float]]:
    """One step of the rule, in the peer's order (missing person, then PM sample)."""
    row: dict[str, list[float]] = {}
    col: dict[str, list[float]] = {}
    for (pm, mp), lr in lrs.items():
        row.setdefault(pm, []).append(lr)
        col.setdefault(mp, []).append(lr)
    out = []
    for mp in missing:
        for pm in samples:
            lr = lrs.get((pm, mp))
            if lr is None or not lr > threshold:
                continue
            others = row[pm] + col[mp]
            others.remove(lr)
            others.remove(lr)
            if all(x <= lr / margin for x in others):
                out.append((pm, mp, lr))
    return out


@dataclass
class _UndisputedRun:
    found: list[tuple[str, str, float, int]]     # (pm, missing, LR, step)
    problem: _Problem                           # the reduced problem
    last_lrs: dict[tuple[str, str], float]      # pairwise LRs of the last step


def _find_undisputed(problem: _Problem, lik: _Likelihoods | None,
                     lrs: Mapping[tuple[str, str], float] | None, threshold: float,
                     margin: float) -> _UndisputedRun:
    """The peer's findUndisputed: accept, reduce, recompute (when ``lik``), repeat.

    ``lrs`` are the first step's pairwise LRs (computed with ``lik`` when None).
    """
    found: list[tuple[str, str, float, int]] = []
    step = 0
    while True:
        step += 1
        current = problem.pair_lrs(lik, lrs)
        new = _undisputed_once(current, problem.samples, problem.missing, threshold, margin)
        if not new:
            break
        found.extend((pm, mp, lr, step) for pm, mp, lr in new)
        problem = problem.reduce([(pm, mp) for pm, mp, _ in new])
        if not problem.missing or not problem.samples:
            break
    return _UndisputedRun(found, problem, current)


def _check_rule(threshold: float, margin: float) -> None:
    if not threshold >= 0:
        raise InputError(f"undisputed threshold must be >= 0, got {threshold}")
    if not margin > 1:
        # at 1, two equal LRs (two fragments of one body, two brothers) would both be
        # undisputed: one missing person given two bodies
        raise InputError(f"undisputed margin must be greater than 1, got {margin}")


def _check_count(value: Any, name: str, alternative: str = "") -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise InputError(f"{name} must be a whole number, 1 or more{alternative}, got "
                         f"{value!r}")


def undisputed(pairwise: pl.DataFrame, *, threshold: float = UNDISPUTED_THRESHOLD,
               margin: float = UNDISPUTED_THRESHOLD,
               dataset: DviDataset | None = None, compiled: bool = False) -> pl.DataFrame:
    """Undisputed identifications, found step by step as the peer's ``findUndisputed``.

    A pair ``V = M`` is undisputed when ``LR > threshold`` and ``LR >= margin · LR'`` for every
    competing LR' of its row (``V`` against other missing persons) and column (other PM
    samples against ``M``); pairs of incompatible sex do not compete. All undisputed pairs of
    a step are accepted together, removed from the problem, and the rule is applied again to
    what is left until no pair qualifies.

    Parameters
    ----------
    pairwise : polars.DataFrame
        Output of :func:`pairwise_lr_matrix` (columns ``pm``, ``missing``, ``lr``; ``family``
        is used when present).
    threshold, margin : float
        The peer uses one number, 1e4, for both. ``margin`` must exceed 1: at 1 two equal
        LRs would both be undisputed.
    dataset : DviDataset, optional
        With the dataset, each later step recomputes the LRs of the remaining pairs with the
        accepted PM profiles placed on their missing persons (the peer's convention: it
        matters only in families with several missing persons). Without it, later steps reuse
        ``pairwise`` unchanged.
    compiled : bool
        Those recomputed LRs come from tables compiled on the family with the accepted
        profiles added (:func:`~forensic_match.dvi.dvisolve.conditioned_pairs`), not from
        one exact pedigree likelihood per pair.

    Returns
    -------
    polars.DataFrame
        ``pm``, ``missing``, ``family``, ``lr`` (of the step that accepted it), ``log10_lr``
        and ``step`` (1 for the first pass), in the peer's order: by step, then missing
        person, then PM sample.
    """

    _check_rule(threshold, margin)
    lrs = {(pm, mp): float(lr) for pm, mp, lr in
           zip(pairwise["pm"].to_list(), pairwise["missing"].to_list(),
               pairwise["lr"].to_list())}
    if dataset is not None:
        _check_dataset(dataset)
        problem = _Problem.initial(dataset)
        unknown = [(pm, mp) for pm in problem.samples for mp in problem.pairings[pm]
                   if (pm, mp) not in lrs]
        if unknown:
            raise InputError(f"pairwise table lacks {len(unknown)} sex-compatible pairs of the "
                             f"dataset, e.g. {unknown[0]}; compute it with pairwise_lr_matrix")
        lik = _Likelihoods(dataset)
        lik.fast = compiled
        run = _find_undisputed(problem, lik, lrs, threshold, margin)
        fam = {m: f.id for f in dataset.am for m in f.missing}
    else:
        samples = tuple(dict.fromkeys(pairwise["pm"].to_list()))
        missing = _merge_orders([[mp for p, mp in lrs if p == pm] for pm in samples])
        pairings = {pm: tuple(mp for mp in missing if (pm, mp) in lrs) for pm in samples}
        fam = (dict(zip(pairwise["missing"].to_list(), pairwise["family"].to_list()))
               if "family" in pairwise.columns else {})
        fams = tuple(_Fam(Family(f"#{mp}", Pedigree.from_records([(mp, None, None, "U")]),
                                 [mp], {}), (mp,)) for mp in missing)
        run = _find_undisputed(_Problem(fams, samples, pairings), None, lrs, threshold, margin)
    return _undisputed_table(run.found, fam)


def _merge_orders(rows: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """One order of the missing persons consistent with every row's order.

    Each PM sample's row lists its candidates in dataset order; merging the rows recovers
    that order where the rows determine it (missing persons that no common PM sample links,
    e.g. of different sexes, are taken in natural order of their ids: "M2" before "M10").
    """
    first: dict[str, tuple[Any, ...]] = {}
    after: dict[str, set[str]] = {}
    indegree: dict[str, int] = {}
    for row in rows:
        for m in row:
            first.setdefault(m, _natural_key(m))
            after.setdefault(m, set())
            indegree.setdefault(m, 0)
        for a, b in zip(row, row[1:]):
            if b not in after[a]:
                after[a].add(b)
                indegree[b] += 1
    ready = sorted((first[m], m) for m in first if indegree[m] == 0)
    out: list[str] = []
    while ready:
        _, m = ready.pop(0)
        out.append(m)
        for b in after[m]:
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append((first[b], b))
        ready.sort()
    if len(out) < len(first):   # contradictory row orders: first appearance
        return tuple(first)
    return tuple(out)


def _natural_key(text: str) -> tuple[Any, ...]:
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p), p) if p.isdigit() else (1, 0, p) for p in parts)


def _undisputed_table(found: Sequence[tuple[str, str, float, int]],
                      family: Mapping[str, str]) -> pl.DataFrame:
    import polars as pl

    return pl.DataFrame(
        {"pm": [x[0] for x in found], "missing": [x[1] for x in found],
         "family": [family.get(x[1]) for x in found], "lr": [x[2] for x in found],
         "log10_lr": [math.log10(x[2]) for x in found], "step": [x[3] for x in found]},
        schema={"pm": pl.Utf8, "missing": pl.Utf8, "family": pl.Utf8, "lr": pl.Float64,
                "log10_lr": pl.Float64, "step": pl.Int64})


# --------------------------------------------------------------------------------------------
# Joint assignments
# --------------------------------------------------------------------------------------------

@dataclass
class JointResult:
    """Ranked joint assignments of PM samples to missing persons.

    Attributes
    ----------
    solutions : polars.DataFrame
        The best assignments, best first: ``rank``; ``assignment``, a struct with one field
        per PM sample (dataset order) holding its missing person or null; ``n_identified``;
        ``loglik`` (natural log, of the problem actually enumerated, see below); ``lr``
        (against the null assignment, times the undisputed LRs); ``log10_lr``; ``posterior``
        (flat prior over the enumerated assignments); ``loglik_full`` and ``log10_lr_full``
        (the joint log-likelihood of the whole dataset and its exact LR against nobody
        identified).
    pairing : polars.DataFrame
        ``pm``, ``missing`` (null: the sample is nobody among the missing), ``family``,
        ``probability``: the sum of the posteriors of the assignments that contain the pair
        (1 for a fixed undisputed pair). Pairs of probability 0 are left out, except the
        null row of each sample that is not undisputed.
    undisputed : polars.DataFrame
        Identifications fixed before the enumeration (empty unless ``fix_undisputed``), with
        their LRs under the joint's mutation setting (see :func:`undisputed`).
    assignments : list of dict
        The assignments of ``solutions`` as ``{pm: missing or None}``.
    mutation_disabled : list of str
        Families evaluated with mutation models switched off.
    n_assignments : int
        Possible assignments (impossible ones, likelihood 0, are pruned): the product of the
        enumerated components' counts, listed in full or not (see ``max_assignments`` of
        :func:`joint_solutions`).
    loglik_null : float
        Log-likelihood of the null assignment of the enumerated problem.
    """

    solutions: pl.DataFrame
    pairing: pl.DataFrame
    undisputed: pl.DataFrame
    assignments: list[dict[str, str | None]]
    mutation_disabled: list[str]
    n_assignments: int
    loglik_null: float
    options: dict[str, Any] = field(default_factory=dict)

    def best(self) -> dict[str, str | None]:
        """The top assignment ``{pm: missing or None}``."""
        return dict(self.assignments[0])


def _enumerate(problem: _Problem, lik: _Likelihoods, max_assignments: int,
               ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """All possible assignments of ``problem`` by depth-first search.

    Returns the sample order, the chosen missing person index per sample (``-1`` none;
    indices into ``problem.missing``) and the log-likelihood of each assignment. A branch
    that makes a family's data impossible is cut: adding data cannot make them possible.
    """
    samples = list(problem.samples)
    missing = problem.missing
    index = {m: k for k, m in enumerate(missing)}
    fam_of = problem.family_of()
    fams = list(problem.families)
    fam_pos = {f.id: k for k, f in enumerate(fams)}
    pm_ll = [lik.sample_loglik(pm) for pm in samples]
    state: list[Pairs] = [f.fixed for f in fams]
    fam_ll = [lik.family_loglik(f.family, f.fixed) for f in fams]
    if any(x == -math.inf for x in fam_ll):
        bad = [f.id for f, x in zip(fams, fam_ll) if x == -math.inf]
        raise InputError(f"families {bad}: the reference data are impossible on their "
                         f"pedigrees (a Mendelian inconsistency with no mutation model)")
    cands = [[(index[m], fam_pos[fam_of[m].id], m) for m in problem.pairings[pm]]
             for pm in samples]
    choice = [-1] * len(samples)
    used = [False] * len(missing)
    out_choice: list[tuple[int, ...]] = []
    out_ll: list[float] = []

    def leaf() -> None:
        if len(out_ll) >= max_assignments:
            raise AssignmentLimitError(
                f"more than {max_assignments:,} possible assignments of {len(samples)} PM "
                f"samples to {len(missing)} missing persons; fix undisputed identifications "
                f"first, split the problem, or raise max_assignments")
        parts = list(fam_ll)
        parts.extend(pm_ll[i] for i, c in enumerate(choice) if c < 0)
        out_choice.append(tuple(choice))
        out_ll.append(math.fsum(parts))

    def visit(i: int) -> None:
        if i == len(samples):
            leaf()
            return
        pm = samples[i]
        for k, fpos, m in cands[i]:
            if used[k]:
                continue
            f = fams[fpos]
            old_state, old_ll = state[fpos], fam_ll[fpos]
            new_state = old_state | {(m, pm)}
            new_ll = lik.family_loglik(f.family, new_state)
            if new_ll == -math.inf:
                continue
            state[fpos], fam_ll[fpos] = new_state, new_ll
            used[k], choice[i] = True, k
            visit(i + 1)
            state[fpos], fam_ll[fpos] = old_state, old_ll
            used[k], choice[i] = False, -1
        visit(i + 1)

    visit(0)
    return samples, np.array(out_choice, dtype=np.int64).reshape(len(out_ll), len(samples)), \
        np.array(out_ll, dtype=np.float64)


def joint_solutions(dataset: DviDataset, *, max_solutions: int | None = 100,
                    mutation_off_if_consistent: bool = True, fix_undisputed: bool = True,
                    threshold: float = UNDISPUTED_THRESHOLD,
                    margin: float = UNDISPUTED_THRESHOLD,
                    max_assignments: int = MAX_ASSIGNMENTS,
                    compiled: bool = False) -> JointResult:
    """Exact joint identification: every assignment of PM samples to missing persons, ranked.

    An assignment places each PM sample on at most one missing person of compatible sex and
    each missing person receives at most one sample. Its log-likelihood is
    ``Σ_families log P(family data, assigned profiles on their missing persons)
    + Σ_unassigned log P(V)``; the LR is against the null assignment (nobody identified) and
    the posterior assumes a flat prior over all possible assignments.

    With the defaults the result is the peer's (dvir 3.4.2 ``jointDVI``):

    1. Families whose reference data are consistent without mutation are evaluated with
       mutation switched off (``mutation_off_if_consistent``); the others keep their models.
    2. Undisputed identifications are found on that data (:func:`undisputed`, with the
       dataset) and fixed: their PM profiles become reference data of their families,
       families with nobody left to identify and PM samples with no candidate left leave the
       problem (``fix_undisputed``).
    3. The remaining problem is enumerated; pairs whose LR is 0 are never tried and any branch
       that makes a family impossible is cut, so only possible assignments are listed.
       ``loglik`` is that of the remaining problem, ``lr = exp(loglik - loglik_null) ·
       Π LR_undisputed`` and ``posterior`` is conditional on the undisputed identifications.
       When every PM sample or every missing person is undisputed, the single assignment is
       returned with the full log-likelihood, its plain LR and posterior 1.

    With ``fix_undisputed=False`` the whole dataset is enumerated: ``loglik`` is the full
    joint log-likelihood, ``lr`` the exact LR against nobody identified, and posteriors and
    pairing probabilities are over all assignments.

    Parameters
    ----------
    dataset : DviDataset
    max_solutions : int or None
        Rows of ``solutions`` (None: all). Posteriors and pairing probabilities always use
        every assignment.
    mutation_off_if_consistent : bool
        Switch mutation models off in families whose reference data are Mendelian-consistent
        (judged on the reference data alone, before any PM sample is placed).
    fix_undisputed : bool
        Fix undisputed identifications before enumerating (see above).
    threshold, margin : float
        The undisputed rule.
    max_assignments : int
        The problem is split into connected components (PM samples joined to the families
        of their candidate missing persons; components are independent). Each component is
        enumerated on its own; a component with more possible assignments than this is not
        enumerated: its samples are listed in ``options["not_enumerated"]``, unassigned in
        every solution, and its likelihood is held at its null assignment. When the product
        of the components' counts exceeds this, the best ``max_solutions`` combinations are
        found by a best-first search over the components' sorted lists instead of being
        listed in full (same order and values; pairing probabilities per component).
    compiled : bool
        Take the first undisputed step's pairwise LRs from the compiled tables, with the
        mutation models off in the families where the joint switches them off
        (:func:`~forensic_match.dvi.dvisolve.compiled_pairs`), instead of the exact engine.

    Returns
    -------
    JointResult

    Raises
    ------
    InputError
        Impossible reference data, duplicate ids, a bad rule.

    Notes
    -----
    Ties (equal log-likelihoods after rounding to :data:`RANK_DECIMALS` decimals) are ordered
    by the assignment, PM samples in dataset order, missing persons compared as strings with
    unassigned last: the peer's order (it compares strings in the locale's collation; this
    compares code points, which agrees for the usual ids).
    """
    import polars as pl

    _check_dataset(dataset)
    _check_rule(threshold, margin)
    if max_solutions is not None:
        _check_count(max_solutions, "max_solutions", " (or None)")
    _check_count(max_assignments, "max_assignments")
    options = {"mutation_off_if_consistent": mutation_off_if_consistent,
               "fix_undisputed": fix_undisputed, "threshold": threshold, "margin": margin,
               "max_assignments": max_assignments}
    lik0 = _Likelihoods(dataset)
    disabled = _consistent_families(dataset, lik0) if mutation_off_if_consistent and \
        lik0.has_mutation else []
    lik = lik0.with_disabled(disabled)
    origin = _Problem.initial(dataset)
    all_samples = [s.id for s in dataset.pm]
    all_missing = origin.missing
    fam_id = {m: f.id for f in dataset.am for m in f.missing}

    found: list[tuple[str, str, float, int]] = []
    problem = origin
    first: dict[tuple[str, str], float] | None = None
    if compiled:
        from forensic_match.dvi.dvisolve import compiled_pairs

        lik.fast = True
        fast = compiled_pairs(dataset, no_mutation=disabled)
        if fast is not None:
            first = {(pm, mp): fast[0][(pm, mp)] for pm in origin.samples
                     for mp in origin.pairings[pm]}
    if fix_undisputed:
        run = _find_undisputed(origin, lik, first, threshold, margin)
        found = run.found
        if found and len(found) in (len(all_samples), len(all_missing)):
            return _single_solution(dataset, lik, found, disabled, fam_id, options)
        problem = replace(run.problem, pairings={
            pm: tuple(mp for mp in run.problem.pairings[pm] if run.last_lrs[(pm, mp)] > 0)
            for pm in run.problem.samples})
    else:
        lrs = first if first is not None else origin.pair_lrs(lik)
        problem = replace(origin, pairings={pm: tuple(mp for mp in origin.pairings[pm]
                                                      if lrs[(pm, mp)] > 0)
                                            for pm in origin.samples})

    samples = list(problem.samples)
    missing = problem.missing
    parts = _enumerate_components(problem, lik, max_assignments)
    skipped = [p for p in parts if p.choice is None]
    ll_skipped = math.fsum([lik.family_loglik(f.family, f.fixed) for c in skipped
                            for f in c.problem.families]
                           + [lik.sample_loglik(pm) for c in skipped
                              for pm in c.problem.samples])
    ll_null = math.fsum([lik.family_loglik(f.family, f.fixed) for f in problem.families]
                        + [lik.sample_loglik(pm) for pm in samples])
    log_undisp = math.fsum(math.log(x[2]) for x in found)
    done = [p for p in parts if p.choice is not None]
    n_assign = math.prod(p.ll.size for p in done)
    mp_index = {m: k for k, m in enumerate(missing)}
    s_index = {pm: k for k, pm in enumerate(samples)}
    if not skipped and n_assign <= max(max_assignments, 1):
        choice, ll = _product(done, samples, mp_index, s_index)
        top = float(ll.max())
        weights = np.exp(ll - top)
        posterior = weights / weights.sum()
        blocks = [(samples, missing, choice, posterior)]
    else:
        choice, ll, posterior = _k_best(done, samples, mp_index, s_index,
                                        max_solutions or 100)
        ll = ll + ll_skipped
        blocks = [(list(p.problem.samples), p.problem.missing, p.choice, p.posterior)
                  for p in done]
    not_enumerated = [pm for c in skipped for pm in c.problem.samples]

    # Constant that turns the problem's loglik into the full dataset's.
    full_shift = math.fsum([lik.family_loglik(f.family, f.fixed) for f in problem.dropped]
                           + [lik.sample_loglik(pm) for pm in problem.removed])
    ll0_full = math.fsum([lik.family_loglik(f.family) for f in origin.families]
                         + [lik.sample_loglik(pm) for pm in all_samples])

    # Codes per original PM sample: rank of the missing person's id, unassigned last.
    names = sorted(all_missing)
    code_of = {m: k for k, m in enumerate(names)}
    none_code = len(names)
    codes = np.full((ll.size, len(all_samples)), none_code, dtype=np.int64)
    col = {pm: k for k, pm in enumerate(all_samples)}
    for pm, mp, _, _ in found:
        codes[:, col[pm]] = code_of[mp]
    mp_codes = np.array([code_of[m] for m in missing] + [none_code], dtype=np.int64)
    for j, pm in enumerate(samples):
        codes[:, col[pm]] = mp_codes[choice[:, j]]  # -1 picks none_code
    rounded = np.round(ll, RANK_DECIMALS)
    order = np.lexsort(tuple(codes[:, k] for k in reversed(range(codes.shape[1])))
                       + (-rounded,))
    keep = order if max_solutions is None else order[:max_solutions]

    label = names + [None]
    assignments = [{pm: label[codes[r, col[pm]]] for pm in all_samples} for r in keep]
    sol_ll = ll[keep]
    log_lr = sol_ll - ll_null + log_undisp
    with np.errstate(over="ignore"):
        lr = np.exp(log_lr)
    full = sol_ll + full_shift
    solutions = pl.DataFrame({
        "rank": np.arange(1, keep.size + 1),
        "assignment": assignments,
        "n_identified": [sum(v is not None for v in a.values()) for a in assignments],
        "loglik": sol_ll, "lr": lr, "log10_lr": log_lr / math.log(10),
        "posterior": posterior[keep], "loglik_full": full,
        "log10_lr_full": (full - ll0_full) / math.log(10)},
        schema_overrides={"assignment": pl.Struct({pm: pl.Utf8 for pm in all_samples})})

    pairing = _pairing_table(dataset, blocks, found, fam_id, not_enumerated)
    options = {**options, "components": len(parts), "largest_component": max(
        (len(p.problem.samples) for p in parts), default=0),
        "not_enumerated": not_enumerated}
    return JointResult(solutions, pairing, _undisputed_table(found, fam_id), assignments,
                       list(disabled), int(n_assign), ll_null,
                       options)


@dataclass
class _Part:
    """One connected component of the problem and its enumerated assignments (``choice``
    None: more than ``max_assignments``, not enumerated)."""

    problem: _Problem
    choice: np.ndarray | None = None
    ll: np.ndarray = field(default_factory=lambda: np.zeros(0))
    posterior: np.ndarray = field(default_factory=lambda: np.zeros(0))


def _components(problem: _Problem) -> list[_Problem]:
    """Connected components of the problem: PM samples joined to the families of their
    candidate missing persons. Assignments of different components are independent (the
    joint likelihood is a product over families and unassigned samples), so each is
    enumerated on its own."""
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    fam_of = problem.family_of()
    for f in problem.families:
        find(("f", f.id))
    for pm in problem.samples:
        find(("s", pm))
        for mp in problem.pairings[pm]:
            a, b = find(("s", pm)), find(("f", fam_of[mp].id))
            if a != b:
                parent[a] = b
    groups: dict[Any, list[Any]] = {}
    for f in problem.families:
        groups.setdefault(find(("f", f.id)), []).append(f)
    samples: dict[Any, list[str]] = {}
    for pm in problem.samples:
        samples.setdefault(find(("s", pm)), []).append(pm)
    out = []
    for root in list(groups) + [r for r in samples if r not in groups]:
        sm = samples.get(root, [])
        out.append(_Problem(tuple(groups.get(root, [])), tuple(sm),
                            {pm: problem.pairings[pm] for pm in sm}))
    return out


def _enumerate_components(problem: _Problem, lik: _Likelihoods, max_assignments: int,
                          ) -> list[_Part]:
    parts = []
    for comp in _components(problem):
        if count_assignments([comp.pairings[pm] for pm in comp.samples],
                             max_assignments) > max_assignments:
            parts.append(_Part(comp))   # decided on the count alone, before any likelihood
            continue
        try:
            _, choice, ll = _enumerate(comp, lik, max_assignments)
        except AssignmentLimitError:
            parts.append(_Part(comp))
            continue
        top = float(ll.max())
        w = np.exp(ll - top)
        parts.append(_Part(comp, choice, ll, w / w.sum()))
    return parts


def count_assignments(candidates: Sequence[Sequence[str]], cap: int) -> int:
    """Number of assignments of samples to distinct candidates (or nobody), counted up to
    ``cap + 1`` (dvir's ``dviGridSize``, without likelihoods).

    Parameters
    ----------
    candidates : sequence of sequences of str
        Each sample's candidate missing persons.
    cap : int

    Returns
    -------
    int
        The count, or ``cap + 1`` when it is larger.
    """
    from collections import Counter

    candidates = [c for c in candidates if c]   # nobody only: a factor 1
    if 1 + sum(len(c) for c in candidates) > cap:
        return cap + 1   # the null assignment and every single pair are distinct
    taken: set[str] = set()
    for c in candidates:   # a matching of t pairs gives 2^t assignments
        m = next((x for x in c if x not in taken), None)
        if m is not None:
            taken.add(m)
    if len(taken) >= 63 or 2 ** len(taken) > cap:
        return cap + 1
    seen = Counter(m for c in candidates for m in set(c))
    shared = {m for m, n in seen.items() if n > 1}
    free = [sum(m not in shared for m in c) + 1 for c in candidates]  # private ones + nobody
    memo: dict[tuple[int, frozenset[str]], int] = {}

    def count(i: int, used: frozenset[str]) -> int:
        if i == len(candidates):
            return 1
        key = (i, used)
        if key in memo:
            return memo[key]
        total = free[i] * count(i + 1, used)
        for m in candidates[i]:
            if total > cap:
                break
            if m in shared and m not in used:
                total += count(i + 1, used | {m})
        total = min(total, cap + 1)
        memo[key] = total
        return total

    import sys

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, len(candidates) + 100))
    try:
        return count(0, frozenset())
    finally:
        sys.setrecursionlimit(limit)


def _product(parts: Sequence[_Part], samples: Sequence[str], mp_index: Mapping[str, int],
             s_index: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Every combination of the components' assignments: choices over ``samples`` (indices
    into the problem's missing persons) and summed log-likelihoods."""
    choice = np.full((1, len(samples)), -1, dtype=np.int64)
    ll = np.zeros(1)
    for p in parts:
        assert p.choice is not None
        local = _to_problem_index(p, mp_index)
        cols = [s_index[pm] for pm in p.problem.samples]
        n, m = ll.size, p.ll.size
        choice = np.repeat(choice, m, axis=0)
        if cols:
            choice[:, cols] = np.tile(local, (n, 1))
        ll = (ll[:, None] + p.ll[None, :]).ravel()
    return choice, ll


def _to_problem_index(p: _Part, mp_index: Mapping[str, int]) -> np.ndarray:
    assert p.choice is not None
    remap = np.array([mp_index[m] for m in p.problem.missing] + [-1], dtype=np.int64)
    return remap[p.choice]  # -1 picks the last entry


def _k_best(parts: Sequence[_Part], samples: Sequence[str], mp_index: Mapping[str, int],
            s_index: Mapping[str, int], k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The best combinations of the components' assignments without listing them all: a
    best-first search over one sorted list per component (each combination generated once,
    by raising the index of one component at or after the last one raised). Stops after
    ``k`` combinations and every further one tied with the ``k``-th after rounding (ties are
    then ordered like the full enumeration's)."""
    import heapq

    orders = [np.argsort(-p.ll, kind="stable") for p in parts]
    sorted_ll = [p.ll[o] for p, o in zip(parts, orders)]
    log_z = [float(p.ll.max() + np.log(np.sum(np.exp(p.ll - p.ll.max())))) for p in parts]
    start = tuple(0 for _ in parts)

    def total(idx: tuple[int, ...]) -> float:
        return math.fsum(float(sl[i]) for sl, i in zip(sorted_ll, idx))

    # Only components with a choice can move; the others stay at their single assignment.
    movable = [c for c in range(len(parts)) if sorted_ll[c].size > 1]
    heap = [(-total(start), start, 0)]
    picked: list[tuple[int, ...]] = []
    kth = None
    while heap and len(picked) < k + 10_000:
        neg, idx, last = heapq.heappop(heap)
        if kth is not None and round(-neg, RANK_DECIMALS) < kth:
            break
        picked.append(idx)
        if len(picked) == k:
            kth = round(-neg, RANK_DECIMALS)
        for pos in range(last, len(movable)):
            c = movable[pos]
            if idx[c] + 1 < sorted_ll[c].size:
                nxt = idx[:c] + (idx[c] + 1,) + idx[c + 1:]
                step = float(sorted_ll[c][idx[c] + 1] - sorted_ll[c][idx[c]])
                heapq.heappush(heap, (neg - step, nxt, pos))
    choice = np.full((len(picked), len(samples)), -1, dtype=np.int64)
    ll = np.empty(len(picked))
    log_post = np.empty(len(picked))
    local = [_to_problem_index(p, mp_index) for p in parts]
    cols = [[s_index[pm] for pm in p.problem.samples] for p in parts]
    for r, idx in enumerate(picked):
        rows = [int(o[i]) for o, i in zip(orders, idx)]
        for c, row in enumerate(rows):
            if cols[c]:
                choice[r, cols[c]] = local[c][row]
        ll[r] = math.fsum(float(p.ll[row]) for p, row in zip(parts, rows))
        log_post[r] = math.fsum(float(p.ll[row]) - z for p, row, z in zip(parts, rows, log_z))
    return choice, ll, np.exp(log_post)


def _single_solution(dataset: DviDataset, lik: _Likelihoods,
                     found: list[tuple[str, str, float, int]], disabled: list[str],
                     fam_id: Mapping[str, str], options: dict[str, Any]) -> JointResult:
    """The peer's early return: everything undisputed, one assignment, plain LR."""
    import polars as pl

    all_samples = [s.id for s in dataset.pm]
    assignment: dict[str, str | None] = dict.fromkeys(all_samples)
    for pm, mp, _, _ in found:
        assignment[pm] = mp
    placed = {mp: pm for pm, mp, _, _ in found}
    ll = math.fsum([lik.family_loglik(f, frozenset((m, placed[m]) for m in f.missing
                                                  if m in placed)) for f in dataset.am]
                   + [lik.sample_loglik(pm) for pm in all_samples if assignment[pm] is None])
    ll0 = math.fsum([lik.family_loglik(f) for f in dataset.am]
                    + [lik.sample_loglik(pm) for pm in all_samples])
    log_lr = ll - ll0
    solutions = pl.DataFrame({
        "rank": [1], "assignment": [assignment], "n_identified": [len(found)],
        "loglik": [ll], "lr": [math.exp(log_lr) if log_lr < 709.0 else math.inf],
        "log10_lr": [log_lr / math.log(10)], "posterior": [1.0], "loglik_full": [ll],
        "log10_lr_full": [log_lr / math.log(10)]},
        schema_overrides={"assignment": pl.Struct({pm: pl.Utf8 for pm in all_samples}),
                          "rank": pl.Int64, "n_identified": pl.Int64})
    pairing = _pairing_table(dataset, [], found, fam_id)
    return JointResult(solutions, pairing, _undisputed_table(found, fam_id), [assignment],
                       list(disabled), 1, ll0,
                       options)


def _pairing_table(dataset: DviDataset,
                   blocks: Sequence[tuple[Sequence[str], Sequence[str], np.ndarray,
                                          np.ndarray]],
                   found: Sequence[tuple[str, str, float, int]],
                   fam_id: Mapping[str, str],
                   not_enumerated: Sequence[str] = ()) -> pl.DataFrame:
    """Posterior pairing probabilities, dataset order.

    ``blocks``: (samples, missing, choice, posterior) of independent parts of the problem
    (one block for the whole enumeration, or one per connected component). Rows: every pair
    with probability > 0, and one row per PM sample not undisputed with ``missing`` null
    (the probability that it is none of the missing persons). Samples of components not
    enumerated have no row.
    """
    import polars as pl

    prob: dict[tuple[str, str | None], float] = {}
    for pm, mp, _, _ in found:
        prob[(pm, mp)] = 1.0
    for samples, missing, choice, posterior in blocks:
        for j, pm in enumerate(samples):
            sums = np.bincount(choice[:, j] + 1, weights=posterior,
                               minlength=len(missing) + 1)
            prob[(pm, None)] = float(sums[0])
            for k, mp in enumerate(missing):
                if sums[k + 1] > 0:
                    prob[(pm, mp)] = float(sums[k + 1])
    mp_order = {m: k for k, m in enumerate(m for f in dataset.am for m in f.missing)}
    pm_order = {s.id: k for k, s in enumerate(dataset.pm)}
    skip = set(not_enumerated) | {key[0] for key in prob}
    for s in dataset.pm:   # samples outside the enumeration and not identified
        if s.id not in skip:
            prob[(s.id, None)] = 1.0
    keys = sorted(prob, key=lambda x: (pm_order[x[0]], mp_order.get(x[1], len(mp_order))
                                       if x[1] is not None else len(mp_order)))
    return pl.DataFrame({"pm": [k[0] for k in keys], "missing": [k[1] for k in keys],
                         "family": [fam_id.get(k[1]) if k[1] else None for k in keys],
                         "probability": [prob[k] for k in keys]},
                        schema={"pm": pl.Utf8, "missing": pl.Utf8, "family": pl.Utf8,
                                "probability": pl.Float64})
