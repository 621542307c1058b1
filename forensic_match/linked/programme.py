"""Search of an identification programme on linked SNPs: every PM sample against every typed
reference of every family, with each reference's hypothesis taken from its family pedigree.

For a missing person M of a family and a reference R typed in it, H1 is "the PM sample is M in
the family pedigree" and H2 "the PM sample is unrelated to the family". Pairwise, the
hypothesis is the inheritance process of M and R *in the family pedigree itself*
(:func:`~forensic_match.linked.pair_process`: the meioses and the parents' sexes as recorded),
named after the built-in relationship it equals when it does. Each PM x (family, missing
person, reference) is screened with the unlinked limit of that process; a candidate (PM,
family, missing person) any of whose references passes gets the linked LR: the exact
Lander-Green computation over all its typed references (:mod:`forensic_match.linked.family`)
when within the limits set, else a stated approximation. Method, formulas and assumptions:
``docs/linked.md`` ("Programme search").
"""

from __future__ import annotations

import copy
import math
import time
import warnings
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from forensic_match.errors import ForensicMatchWarning, InputError, PedigreeError
from forensic_match.linked.family import FamilyProcess, family_log_likelihood, family_process
from forensic_match.linked.pair import (
    _PATTERN_ARRAY,
    PairProcess,
    _unrelated_process,
    check_fst,
    check_likelihoods,
    emission_table,
    informative,
    is_likelihoods,
    pair_log_likelihood,
    pair_process,
)
from forensic_match.linked.panel import SnpPanel
from forensic_match.linked.relationships import RELATIONSHIPS
from forensic_match.pedigree import Pedigree

#: How a candidate's LR over several typed references is obtained when the exact family
#: computation is outside its limits (see ``docs/linked.md``, "Programme search").
APPROXIMATIONS = ("branches", "best")
#: The ``method`` column: exact pairwise, exact family, and the two approximations.
METHODS = {"pair": "pair (exact)", "family": "family (exact)",
           "branches": "approx: product over independent branches, best reference per branch",
           "best": "approx: best single reference"}
LN10 = math.log(10.0)


class UncomputableReferenceWarning(ForensicMatchWarning):
    """A reference left out because the linked model cannot compute its relationship."""


class SubstructureWarning(ForensicMatchWarning):
    """Distant relatives scored without a subpopulation correction (``fst`` 0): their linked
    LRs are not robust to substructure or to another population's frequencies."""


#: Relationships of this degree or more distant are not robust at ``fst`` 0 (measured:
#: ``docs/validation.md``, "Linked SNPs: robustness"; ``docs/linked.md`` item 10).
FRAGILE_DEGREE = 3


@dataclass(frozen=True, eq=False)
class SnpFamily:
    """A reference family typed on SNPs.

    Attributes
    ----------
    id : str
    pedigree : Pedigree
    missing : tuple of str
        The missing persons (ids in ``pedigree``).
    references : dict
        ``{individual id: call codes}`` of the typed relatives (int8, panel order, -1
        missing).
    """

    id: str
    pedigree: Pedigree
    missing: tuple[str, ...]
    references: Mapping[str, np.ndarray] = field(default_factory=dict)


def snp_families(pedigrees: Mapping[str, tuple[Pedigree, Sequence[str]]],
                 samples: Sequence[tuple[str | None, str]], codes: np.ndarray, *,
                 file: str | None = None) -> list[SnpFamily]:
    """Attach typed references to the families of a pedigree table.

    Parameters
    ----------
    pedigrees : mapping
        ``{family: (pedigree, missing ids)}`` as :func:`~forensic_match.dvi.records.read_pedigrees`
        returns.
    samples : sequence of (family or None, id)
        One per row of ``codes``: the sample id must be an individual of the pedigree (not a
        missing person); without a family it must belong to exactly one family.
    codes : numpy.ndarray, shape (samples, markers)
        Call codes (:func:`~forensic_match.linked.read_snp_genotypes`).
    file : str, optional
        Named in error messages.

    Raises
    ------
    InputError
        A sample of no family, of several (give a family column), of an unknown family, or a
        missing person typed as a reference (direct references are not searched on SNPs).
    """
    where = f"file {file!r}, " if file else ""
    refs: dict[str, dict[str, np.ndarray]] = {fid: {} for fid in pedigrees}
    for (family, ident), row in zip(samples, np.asarray(codes)):
        if family is not None:
            if family not in pedigrees:
                raise InputError(f"{where}sample {ident!r}: family {family!r} is not in the "
                                 f"pedigree table")
            homes = [family] if ident in pedigrees[family][0] else []
        else:
            homes = [fid for fid, (ped, _) in pedigrees.items() if ident in ped]
        if not homes:
            raise InputError(f"{where}sample {ident!r}: not an individual of "
                             f"{'family ' + repr(family) if family else 'any family'} in the "
                             f"pedigree table (sample ids must equal pedigree ids)")
        if len(homes) > 1:
            raise InputError(f"{where}sample {ident!r}: an individual of families "
                             f"{', '.join(map(repr, homes))}; add a family column to say which")
        fid = homes[0]
        if ident in pedigrees[fid][1]:
            raise InputError(f"{where}sample {ident!r}: missing person of family {fid!r}; a "
                             f"direct reference is not searched on SNPs")
        if ident in refs[fid]:
            raise InputError(f"{where}sample {ident!r} of family {fid!r} appears twice")
        refs[fid][ident] = np.asarray(row, dtype=np.int8)
    return [SnpFamily(fid, ped, tuple(missing), refs[fid])
            for fid, (ped, missing) in pedigrees.items()]


def _path_lengths(pedigree: Pedigree, person: str, ancestor: str) -> set[int]:
    """Numbers of generations of every line from ``person`` up to ``ancestor``."""
    if person == ancestor:
        return {0}
    parents = pedigree.parents(person)
    if parents is None:
        return set()
    return {k + 1 for p in parents for k in _path_lengths(pedigree, p, ancestor)}


def describe_relationship(pedigree: Pedigree, missing: str, reference: str
                          ) -> tuple[str, int | None]:
    """Name and degree of the relationship of ``reference`` to ``missing`` in ``pedigree``.

    The built-in name of :data:`~forensic_match.linked.RELATIONSHIPS` when the pedigree relates
    the two by one line of descent from a common ancestor (half) or a couple (full), or one is
    the other's ancestor; otherwise ``"unrelated in the pedigree"`` (no common ancestor,
    degree None) or a description (``"full/half relatives, i and j generations below the
    common ancestor(s)"``, ``"several lines of descent"``). The name is for reporting: the
    likelihood always uses the pedigree itself.
    """
    anc_m, anc_r = pedigree.ancestors(missing), pedigree.ancestors(reference)
    if reference in anc_m or missing in anc_r:
        top, low = (reference, missing) if reference in anc_m else (missing, reference)
        lengths = _path_lengths(pedigree, low, top)
        if len(lengths) != 1:
            return "several lines of descent", None
        ups, half = (0, lengths.pop()), False
    else:
        common = anc_m & anc_r
        if not common:
            return "unrelated in the pedigree", None
        lowest = [c for c in sorted(common)
                  if not any(c in pedigree.ancestors(d) for d in common if d != c)]
        lines = {(frozenset(_path_lengths(pedigree, missing, c)),
                  frozenset(_path_lengths(pedigree, reference, c))) for c in lowest}
        below = [{k for k in pedigree.children(c) if k in anc_m or k == missing}
                 | {k for k in pedigree.children(c) if k in anc_r or k == reference}
                 for c in lowest]
        if len(lines) != 1 or len(lowest) > 2 or any(len(a) != 1 or len(b) != 1
                                                    for a, b in lines):
            return "several lines of descent", None
        if len(lowest) == 2 and below[0] != below[1]:
            return "several lines of descent", None
        (a, b), = lines
        ups, half = (min(next(iter(a)), next(iter(b))), max(next(iter(a)), next(iter(b)))), \
            len(lowest) == 1
    for rel in RELATIONSHIPS.values():
        if (rel.up_first, rel.up_second, rel.half) == (*ups, half):
            return rel.name, rel.degree
    degree = ups[0] + ups[1] - (0 if (half or ups[0] == 0) else 1)
    if ups[0] == 0:
        return f"lineal, {ups[1]} generations", degree
    return (f"{'half' if half else 'full'} relatives, {ups[0]} and {ups[1]} generations below "
            f"the common ancestor{'' if half else 's'}"), degree


@dataclass(frozen=True, eq=False)
class _Link:
    """One (family, missing person, reference) of the search plan."""

    family: str
    missing: str
    reference: str
    relationship: str
    degree: int | None
    process: PairProcess | None  # None: unrelated in the pedigree
    weights: np.ndarray | None  # stationary probability of each used pattern


def _plan(families: Sequence[SnpFamily], skip_uncomputable: bool = False
          ) -> tuple[list[_Link], pl.DataFrame]:
    """The scored links and the table of every reference with its relationship and use."""
    links, rows = [], []
    known: dict[tuple[Any, ...], tuple[str, int | None, PairProcess | None, str | None]] = {}
    for fam in families:
        for mp in fam.missing:
            for ref in fam.references:
                ped = trimmed_pedigree(fam.pedigree, [mp, ref])
                key = _structure(ped, (mp, ref))
                if key not in known:
                    name, degree = describe_relationship(ped, mp, ref)
                    proc, refusal = None, None
                    if name != "unrelated in the pedigree":
                        try:
                            proc = pair_process(ped, mp, ref)
                        except PedigreeError as err:
                            refusal = str(err)
                    known[key] = (name, degree, proc, refusal)
                name, degree, proc, refusal = known[key]
                weights = None
                status = "used"
                if refusal is not None:
                    message = (f"family {fam.id!r}, reference {ref!r}: its relationship to "
                               f"missing person {mp!r} ({name}) cannot be computed by the "
                               f"linked model: {refusal}")
                    if not skip_uncomputable:
                        raise PedigreeError(message)
                    warnings.warn(f"{message}; the reference is not used for {mp!r}",
                                  UncomputableReferenceWarning, stacklevel=3)
                    status = f"refused: {refusal}"
                elif proc is None:
                    status = "unrelated in the pedigree: no pairwise information"
                else:
                    weights = proc.pattern_weights
                links.append(_Link(fam.id, mp, ref, name, degree, proc, weights))
                rows.append((fam.id, mp, ref, name, degree,
                             None if proc is None else proc.n_states, status))
    table = pl.DataFrame(rows, schema={"family": pl.String, "missing": pl.String,
                                       "reference": pl.String, "relationship": pl.String,
                                       "degree": pl.Int64, "states": pl.Int64,
                                       "status": pl.String}, orient="row")
    return links, table


def trimmed_pedigree(pedigree: Pedigree, persons: Sequence[str]) -> Pedigree:
    """The part of ``pedigree`` that the likelihood of ``persons`` depends on.

    Only ``persons`` and their ancestors are kept, and a non-inbred person ``v`` with no
    person of ``persons`` among his ancestors becomes a founder when every line from his
    ancestors to the others passes through him (each of his ancestors has no child kept other
    than ``v`` or another of his ancestors): his two genes
    are then two genes that no other person of the likelihood shares, as a founder's are. The
    likelihood of ``persons`` is unchanged (each removed meiosis is a pivot or a bit that
    no one's genes depend on), the state space is smaller. Sexes are kept.
    """
    keep = set(persons)
    for ident in persons:
        keep |= pedigree.ancestors(ident)
    cut: set[str] = set()
    for v in keep:
        parents = pedigree.parents(v)
        if parents is None:
            continue
        fa, mo = parents
        if ({fa} | pedigree.ancestors(fa)) & ({mo} | pedigree.ancestors(mo)):
            continue  # inbred: his two genes may be one
        above = pedigree.ancestors(v)
        if above & set(persons):
            continue
        if all(set(k for k in pedigree.children(a) if k in keep) <= above | {v}
               for a in above):
            cut.add(v)
    retained = set(persons)
    todo = [p for p in persons if p not in cut]
    while todo:
        parents = pedigree.parents(todo.pop())
        for p in parents or ():
            if p not in retained:
                retained.add(p)
                if p not in cut:
                    todo.append(p)
    records = []
    for i in pedigree.topological_order:
        ident = pedigree.ids[i]
        if ident in retained:
            parents = None if ident in cut else pedigree.parents(ident)
            records.append((ident, *(parents or (None, None)), pedigree.sex_of(ident)))
    return Pedigree.from_records(records, source=pedigree.source)


def free_meioses(pedigree: Pedigree, persons: Sequence[str]) -> int:
    """Free meioses (state bits) of the inheritance process of ``persons``: two per
    non-founder among them and their ancestors, less one pivot per founder with a child
    among them (``docs/linked.md``, "Founder symmetry")."""
    keep = set(persons)
    for ident in persons:
        keep |= pedigree.ancestors(ident)
    children = [i for i in keep if pedigree.parents(i) is not None]
    parents = {p for i in children for p in pedigree.parents(i)}  # type: ignore[union-attr]
    return 2 * len(children) - sum(pedigree.parents(p) is None for p in parents)


def _structure(pedigree: Pedigree, persons: Sequence[str]) -> tuple[Any, ...]:
    """The pedigree without its ids: parents (as positions in topological order) and sex of
    everyone, and the positions of ``persons``. Two pedigrees with the same structure have
    the same inheritance process for those persons (:func:`pair_process` reads nothing
    else)."""
    order = [pedigree.ids[i] for i in pedigree.topological_order]
    pos = {ident: k for k, ident in enumerate(order)}
    parents = tuple(None if (p := pedigree.parents(i)) is None else (pos[p[0]], pos[p[1]])
                    for i in order)
    return parents, tuple(pedigree.sex_of(i) for i in order), tuple(pos[i] for i in persons)


def _related(pedigree: Pedigree, a: str, b: str) -> bool:
    anc_a, anc_b = pedigree.ancestors(a), pedigree.ancestors(b)
    return a in anc_b or b in anc_a or bool(anc_a & anc_b)


def _branches(pedigree: Pedigree, refs: Sequence[str]) -> list[list[str]]:
    """The references grouped by relatedness among themselves (connected groups)."""
    groups: list[list[str]] = []
    for r in refs:
        joined = [g for g in groups if any(_related(pedigree, r, s) for s in g)]
        merged = [r] + [s for g in joined for s in g]
        groups = [g for g in groups if g not in joined] + [sorted(merged)]
    return sorted(groups)


@dataclass(frozen=True)
class ProgrammeSearch:
    """Outcome of :func:`search_programme`.

    Attributes
    ----------
    candidates : polars.DataFrame
        One row per (PM sample, family, missing person) that passed the screen: ``pm``,
        ``family``, ``missing``, ``log10_lr``, ``method``, ``n_references``,
        ``best_reference``, ``relationship``, ``best_reference_log10_lr``,
        ``screen_log10_lr``, ``references`` (each used reference with its relationship and
        pairwise log10 LR); best first.
    by_pm, by_missing : polars.DataFrame
        The ``top`` best candidates of each PM sample and of each missing person, with the
        rank and the shared segments of the best reference (``segments``, ``segments_cm``:
        count and total cM decoded under its relationship).
    pairs : polars.DataFrame
        Every pairwise score computed: ``pm``, ``family``, ``missing``, ``reference``,
        ``relationship``, ``screen_log10_lr``, ``log10_lr``.
    references : polars.DataFrame
        Every (family, missing person, reference) with the relationship taken from the
        pedigree, its state count and whether it is used.
    not_searched : polars.DataFrame
        PM samples typed at fewer than ``min_snps`` SNPs, with the reason.
    parameters : dict
        The search's parameters, and ``cpu_seconds`` of its steps (plan, screen, linked,
        segments).
    """

    candidates: pl.DataFrame
    by_pm: pl.DataFrame
    by_missing: pl.DataFrame
    pairs: pl.DataFrame
    references: pl.DataFrame
    not_searched: pl.DataFrame
    parameters: dict[str, Any]


def _check_probability(value: float, name: str) -> float:
    value = float(value)
    if not 0.0 <= value < 1.0:
        raise InputError(f"{name} must lie in [0, 1), got {value}")
    return value


def warn_substructure(links: Sequence[_Link], fst: float, *, stacklevel: int = 2) -> int:
    """Warn (:class:`SubstructureWarning`) when ``fst`` is 0 and some scored (missing person,
    reference) pairs are relatives of :data:`FRAGILE_DEGREE` or more distant; return their
    number."""
    distant = sum(1 for link in links if link.process is not None and
                  (link.degree is None or link.degree >= FRAGILE_DEGREE))
    if fst == 0.0 and distant:
        warnings.warn(f"fst is 0 and {distant} (missing person, reference) pairs are "
                      f"relatives of degree {FRAGILE_DEGREE} or more distant: their linked LRs "
                      f"are not robust to population substructure or to frequencies of another "
                      f"population (at F_ST 0.02 an unrelated pair reaches LR >= 1e3 about 5 "
                      f"times as often as 1/1e3; docs/linked.md, item 10); set fst to the "
                      f"population's F_ST", SubstructureWarning, stacklevel=stacklevel)
    return distant


class CandidateScorer:
    """The linked log10 LR of one PM sample being a missing person of a family, against
    unrelated: the computation of :func:`search_programme` for one candidate (used by it and
    by :class:`~forensic_match.linked.scores.SnpScores`).

    One reference: the exact pairwise HMM (``"pair"``). Several: the exact Lander-Green
    family computation over every typed reference when within ``family_max_persons`` and
    ``family_max_bits`` (``"family"``), else ``approximation`` over the scored references.
    Emission tables, the PM samples' and references' own log likelihoods and family
    processes are kept between calls; ``pm_key`` names a PM sample's call codes in them.
    """

    def __init__(self, panel: SnpPanel, *, pm_error: float, reference_error: float,
                 pm_dropout: float, fst: float, approximation: str,
                 family_max_persons: int, family_max_bits: int) -> None:
        self.panel = panel
        self.pm_error, self.reference_error, self.pm_dropout = pm_error, reference_error, \
            pm_dropout
        self.fst, self.approximation = fst, approximation
        self.family_max_persons, self.family_max_bits = family_max_persons, family_max_bits
        self.tables: dict[tuple[int, ...], np.ndarray] = {}
        self.screen_tables: dict[tuple[Any, ...], np.ndarray] = {}
        self.unrelated = _unrelated_process("M", "R")
        self.loglik_unrelated: dict[tuple[Any, str, str], float] = {}
        self.family_cache: dict[tuple[str, str], tuple[FamilyProcess, float] | None] = {}
        self.single_ll: dict[Any, float] = {}
        self.solo = family_process(Pedigree.from_records([("X", None, None, "U")]), ["X"])

    def without(self, pm_keys: Collection[Any]) -> CandidateScorer:
        """A scorer sharing this one's emission tables, screen tables and family processes
        (which depend on no PM sample) but not the own likelihoods of the PM samples named
        ``pm_keys`` (for other calls under those names); this one is left as it is."""
        drop = set(pm_keys)
        out = copy.copy(self)
        out.loglik_unrelated = {k: v for k, v in self.loglik_unrelated.items()
                                if k[0] not in drop}
        out.single_ll = {k: v for k, v in self.single_ll.items() if k not in drop}
        return out

    def table_of(self, proc: PairProcess) -> np.ndarray:
        """The emission table of a process's identity patterns (built once per set)."""
        key = tuple(proc.used.tolist())
        if key not in self.tables:
            self.tables[key] = emission_table(
                proc, self.panel, error=(self.pm_error, self.reference_error),
                dropout=(self.pm_dropout, 0.0), fst=self.fst)
        return self.tables[key]

    def screen_table(self, link: _Link) -> np.ndarray:
        """The screen's per-marker table of a link, float64 (n, 4, 4): ``[m, a + 1, b + 1]``
        the unlinked log10 LR of its process (``sum_u w_u E_u / E_unrelated``, ``w_u`` the
        share of states with pattern ``u``) for PM call ``a`` and reference call ``b`` (-1
        missing); kept per pattern set and weights."""
        assert link.process is not None and link.weights is not None
        proc = link.process
        key = (tuple(proc.used.tolist()), tuple(np.round(link.weights, 15).tolist()))
        if key not in self.screen_tables:
            base = self.table_of(self.unrelated)[..., 0]
            with np.errstate(divide="ignore"):
                scr_table = np.log10(self.table_of(proc) @ link.weights / base)
            if not any(p[0] == p[1] or p[2] == p[3] for p in _PATTERN_ARRAY[proc.used]):
                # neither person inbred: a missing call leaves the other's Hardy-Weinberg (or
                # urn) marginal under every pattern, LR exactly 1; the sums give 1 +- 1e-16
                scr_table[:, 0, :] = 0.0
                scr_table[:, :, 0] = 0.0
            self.screen_tables[key] = scr_table
        return self.screen_tables[key]

    def method(self, fam: SnpFamily, mp: str) -> str:
        """The key of :data:`METHODS` by which :meth:`candidate` scores ``mp`` of ``fam``."""
        if len(fam.references) == 1:
            return "pair"
        if self.exact_family(fam, mp) is not None:
            return "family"
        return self.approximation

    def pair_lr(self, pm_key: Any, pm: np.ndarray, link: _Link, ref: np.ndarray) -> float:
        """log10 pairwise LR of the PM sample (call codes, or genotype likelihoods (SNPs,
        3): then the emissions are computed, not looked up) against one reference under its
        link."""
        assert link.process is not None
        key = (pm_key, link.family, link.reference)
        if is_likelihoods(pm):
            def loglik(proc: PairProcess) -> float:
                return pair_log_likelihood(proc, self.panel, pm, ref,
                                           error=(self.pm_error, self.reference_error),
                                           fst=self.fst)
        else:
            def loglik(proc: PairProcess) -> float:
                return pair_log_likelihood(proc, self.panel, pm, ref, table=self.table_of(proc))
        if key not in self.loglik_unrelated:
            self.loglik_unrelated[key] = loglik(self.unrelated)
        return (loglik(link.process) - self.loglik_unrelated[key]) / LN10

    def exact_family(self, fam: SnpFamily, mp: str) -> tuple[FamilyProcess, float] | None:
        """The family process of the missing person and every typed reference, and the log
        likelihood of the references alone; None outside the limits."""
        if (fam.id, mp) not in self.family_cache:
            refs = sorted(fam.references)
            out = None
            ped = trimmed_pedigree(fam.pedigree, [mp, *refs])
            if 2 <= len(refs) and len(refs) + 1 <= self.family_max_persons \
                    and free_meioses(ped, [mp, *refs]) <= self.family_max_bits:
                try:
                    proc = family_process(ped, [mp, *refs])
                    alone = family_process(trimmed_pedigree(fam.pedigree, refs), refs)
                    calls = np.stack([fam.references[r] for r in refs])
                    out = (proc, family_log_likelihood(
                        alone, self.panel, calls, error=[self.reference_error] * len(refs),
                        fst=self.fst))
                except PedigreeError:
                    out = None
            self.family_cache[(fam.id, mp)] = out
        return self.family_cache[(fam.id, mp)]

    def candidate(self, pm_key: Any, pm: np.ndarray, fam: SnpFamily, mp: str,
                  members: Sequence[_Link]) -> tuple[str, float, dict[str, float]]:
        """``(method, log10 LR, {reference: pairwise log10 LR})`` of the PM sample (call
        codes or genotype likelihoods ``pm``) being ``mp`` of ``fam``; ``members`` are the
        scored links of (``fam``, ``mp``), at least one."""
        scores = {link.reference: self.pair_lr(pm_key, pm, link,
                                                fam.references[link.reference])
                  for link in members}
        best = max(scores, key=lambda r: (scores[r], r))
        refs = sorted(fam.references)
        method = self.method(fam, mp)
        if method == "pair":
            return "pair", scores[best], scores
        if method == "family":
            proc, ll_refs = self.exact_family(fam, mp)  # type: ignore[misc]
            if is_likelihoods(pm):
                alone: Any = [pm]
                calls: Any = [pm] + [fam.references[r] for r in refs]
            else:
                alone = pm[None].astype(np.int64)
                calls = np.stack([pm] + [fam.references[r] for r in refs])
            if pm_key not in self.single_ll:
                self.single_ll[pm_key] = family_log_likelihood(
                    self.solo, self.panel, alone, error=[self.pm_error],
                    dropout=[self.pm_dropout], fst=self.fst)
            ll = family_log_likelihood(proc, self.panel, calls,
                                       error=[self.pm_error] + [self.reference_error] * len(refs),
                                       dropout=[self.pm_dropout] + [0.0] * len(refs),
                                       fst=self.fst)
            return "family", (ll - ll_refs - self.single_ll[pm_key]) / LN10, scores
        if self.approximation == "best":
            return "best", scores[best], scores
        used = [link.reference for link in members]
        return "branches", sum(max(scores[r] for r in g)
                               for g in _branches(fam.pedigree, used)), scores


def search_programme(panel: SnpPanel, families: Sequence[SnpFamily], pm_ids: Sequence[str],
                     pm_codes: np.ndarray, *, pm_error: float = 0.01,
                     reference_error: float = 0.01, pm_dropout: float = 0.0,
                     fst: float = 0.0, screen_threshold: float = 1.0, top: int = 5,
                     min_snps: int = 100, approximation: str = "branches",
                     family_max_persons: int = 4, family_max_bits: int = 12,
                     segments: bool = True, skip_uncomputable: bool = False
                     ) -> ProgrammeSearch:
    """Every PM sample against every typed reference of every family, on linked SNPs.

    Parameters
    ----------
    panel : SnpPanel
    families : sequence of SnpFamily
        From :func:`snp_families`.
    pm_ids : sequence of str
    pm_codes : numpy.ndarray, shape (PM samples, markers) or (PM samples, markers, 3)
        Call codes in panel order, or genotype likelihoods ``P(data | 0, 1, 2 copies of
        allele 1)`` (:func:`~forensic_match.linked.read_vcf_genotype_likelihoods`), which
        replace the PM samples' observation model (``pm_error`` is mixed in, ``pm_dropout``
        must be 0) and are screened exactly (``docs/linked.md``, "Genotype likelihoods").
    pm_error, reference_error : float
        Genotype error probability of the PM samples and of the references (FORMAT.md
        ``genotype_error``).
    pm_dropout : float
        Allele dropout probability of the PM samples (degraded bone).
    fst : float
        Coancestry of founder genes under both hypotheses (Balding-Nichols; ``docs/linked.md``).
    screen_threshold : float
        A candidate is scored by the HMM when the screen (unlinked log10 LR) of one of its
        references reaches this.
    top : int
        Candidates kept per PM sample and per missing person.
    min_snps : int
        PM samples typed at fewer SNPs are not searched (listed in ``not_searched``).
    approximation : {"branches", "best"}
        For a candidate with several typed references outside the exact computation's
        limits: the product over groups of mutually related references ("branches") of the
        best pairwise LR in each group, or the best single pairwise LR.
    family_max_persons, family_max_bits : int
        Limits of the exact family computation: typed persons (PM included) and free meioses.
    segments : bool
        Decode shared segments for the kept candidates.
    skip_uncomputable : bool
        A reference whose relationship to a missing person the model cannot compute is
        refused (``PedigreeError``); with this, it is left out for that missing person with an
        :class:`UncomputableReferenceWarning` and marked ``refused`` in ``references``.

    Returns
    -------
    ProgrammeSearch

    Raises
    ------
    PedigreeError
        A reference whose relationship to a missing person cannot be computed (more free
        meioses than the model takes), naming family, reference and missing person (unless
        ``skip_uncomputable``).
    """
    from forensic_match.linked._pair_numba import mixed_likelihoods
    from forensic_match.linked._screen_numba import (
        screen_scores_blocked,
        screen_scores_likelihoods,
    )

    if approximation not in APPROXIMATIONS:
        raise InputError(f"approximation must be one of {APPROXIMATIONS}, not "
                         f"{approximation!r}")
    fst = check_fst(fst)
    pm_error = _check_probability(pm_error, "pm_error")
    reference_error = _check_probability(reference_error, "reference_error")
    pm_dropout = _check_probability(pm_dropout, "pm_dropout")
    if top < 1:
        raise InputError(f"top must be at least 1, got {top}")
    pm_codes = np.asarray(pm_codes)
    pm_likelihoods = pm_codes.ndim == 3
    if pm_likelihoods:
        if pm_codes.shape[:1] != (len(pm_ids),):
            raise InputError(f"PM genotype likelihoods of shape {pm_codes.shape}, expected "
                             f"({len(pm_ids)}, {len(panel)}, 3)")
        pm_codes = np.stack([check_likelihoods(panel, row, sample=ident)
                             for ident, row in zip(pm_ids, pm_codes)]).reshape(
            len(pm_ids), len(panel), 3)
        if pm_dropout:
            raise InputError(f"pm_dropout ({pm_dropout}) with PM genotype likelihoods: the "
                             f"likelihoods already contain the read model (set it to 0)")
    elif pm_codes.ndim != 2 or pm_codes.shape != (len(pm_ids), len(panel)):
        raise InputError(f"PM call codes of shape {pm_codes.shape}, expected "
                         f"({len(pm_ids)}, {len(panel)})")
    if len(set(pm_ids)) != len(pm_ids):
        dup = sorted({i for i in pm_ids if list(pm_ids).count(i) > 1})[:5]
        raise InputError(f"PM samples {dup} appear more than once")
    for fam in families:
        for ref, codes in fam.references.items():
            if np.shape(codes) != (len(panel),):
                raise InputError(f"family {fam.id!r}, reference {ref!r}: call codes for the "
                                 f"{len(panel)} panel markers expected, got {np.shape(codes)}")
    codes_arrays = [] if pm_likelihoods else [pm_codes]
    for arr in codes_arrays + [np.asarray(c) for f in families for c in f.references.values()]:
        if arr.size and (not np.issubdtype(arr.dtype, np.integer) or arr.min() < -1
                         or arr.max() > 2):
            raise InputError(f"call codes must be integers -1 (missing), 0, 1 or 2, got "
                             f"{arr.dtype} from {arr.min()} to {arr.max()}")
    typed = np.array([informative(row).sum() for row in pm_codes], dtype=np.int64)
    keep = np.flatnonzero(typed >= min_snps)
    not_searched = pl.DataFrame(
        [(pm_ids[i], int(typed[i]), f"typed at {typed[i]} SNPs of the panel, fewer than "
          f"min_snps = {min_snps}") for i in range(len(pm_ids)) if typed[i] < min_snps],
        schema={"pm": pl.String, "n_snps": pl.Int64, "reason": pl.String}, orient="row")
    pm_ids = [pm_ids[i] for i in keep]
    pm = pm_codes[keep] if pm_likelihoods else pm_codes[keep].astype(np.int8)
    fam_of = {f.id: f for f in families}
    if len(fam_of) != len(families):
        dup = sorted({f.id for f in families if sum(g.id == f.id for g in families) > 1})[:5]
        raise InputError(f"families {dup} appear more than once")
    clock = [time.process_time()]
    seconds: dict[str, float] = {}

    def lap(name: str) -> None:
        clock.append(time.process_time())
        seconds[name] = round(clock[-1] - clock[-2], 3)

    links, ref_table = _plan(families, skip_uncomputable)
    warn_substructure(links, fst, stacklevel=3)
    lap("plan")
    scored = [k for k, link in enumerate(links) if link.process is not None]
    err = (pm_error, reference_error)
    drop = (pm_dropout, 0.0)
    scorer = CandidateScorer(panel, pm_error=pm_error, reference_error=reference_error,
                             pm_dropout=pm_dropout, fst=fst, approximation=approximation,
                             family_max_persons=family_max_persons,
                             family_max_bits=family_max_bits)

    # screen: links grouped by (patterns, weights); the unlinked log10 LR of each
    screen = np.full((len(pm_ids), len(links)), -np.inf)
    groups: dict[tuple[Any, ...], list[int]] = {}
    for k in scored:
        link = links[k]
        key = (tuple(link.process.used.tolist()), tuple(np.round(link.weights, 15).tolist()))
        groups.setdefault(key, []).append(k)
    if pm_likelihoods:
        # the PM side exact (true genotype g, error mixed into the likelihoods): the screen
        # is the unlinked LR itself, not a surrogate of it
        mixed = np.stack([mixed_likelihoods(panel.freq_a1, row, pm_error) for row in pm]
                         ).reshape(pm.shape)
        exact_tables: dict[tuple[int, ...], np.ndarray] = {}

        def exact(proc: PairProcess) -> np.ndarray:
            key = tuple(proc.used.tolist())
            if key not in exact_tables:
                exact_tables[key] = emission_table(proc, panel, error=(0.0, reference_error),
                                                   fst=fst)
            return exact_tables[key]

        den = np.ascontiguousarray(exact(scorer.unrelated)[:, 1:, :, 0])
    for members in groups.values():
        proc, weights = links[members[0]].process, links[members[0]].weights
        if pm_likelihoods:
            refs = np.stack([fam_of[links[k].family].references[links[k].reference]
                             for k in members]).astype(np.int8)
            num = np.ascontiguousarray((exact(proc) @ weights)[:, 1:, :])
            if len(pm_ids):
                screen[:, members] = screen_scores_likelihoods(num, den, mixed, refs)
            continue
        scr_table = scorer.screen_table(links[members[0]])
        refs = np.stack([fam_of[links[k].family].references[links[k].reference]
                         for k in members]).astype(np.int8)
        if len(pm_ids):
            screen[:, members] = screen_scores_blocked(scr_table, pm, refs)

    lap("screen")

    # candidates: (pm, family, missing) with any reference at or above the threshold
    by_candidate: dict[tuple[str, str], list[int]] = {}
    for k in scored:
        by_candidate.setdefault((links[k].family, links[k].missing), []).append(k)
    pair_rows, cand_rows = [], []

    for (fid, mp), members in sorted(by_candidate.items()):
        fam = fam_of[fid]
        for i in np.flatnonzero((screen[:, members] >= screen_threshold).any(axis=1)):
            method, value, scores = scorer.candidate(int(i), pm[i], fam, mp,
                                                     [links[k] for k in members])
            for k in members:
                pair_rows.append((pm_ids[i], fid, mp, links[k].reference,
                                  links[k].relationship, float(screen[i, k]),
                                  scores[links[k].reference]))
            best_k = max(members, key=lambda k: (scores[links[k].reference],
                                                 links[k].reference))
            best = links[best_k].reference
            cand_rows.append((pm_ids[i], fid, mp, float(value), METHODS[method],
                              len(members), best, links[best_k].relationship,
                              scores[best], float(screen[i, members].max()),
                              "; ".join(f"{links[k].reference} ({links[k].relationship}) "
                                        f"{scores[links[k].reference]:.3f}"
                                        for k in sorted(members,
                                                        key=lambda k: links[k].reference)),
                              int(i), best_k))
    lap("linked")
    cand_schema = {"pm": pl.String, "family": pl.String, "missing": pl.String,
                   "log10_lr": pl.Float64, "method": pl.String, "n_references": pl.Int64,
                   "best_reference": pl.String, "relationship": pl.String,
                   "best_reference_log10_lr": pl.Float64, "screen_log10_lr": pl.Float64,
                   "references": pl.String, "_pm_index": pl.Int64, "_link": pl.Int64}
    order = [pl.col("log10_lr"), pl.col("pm"), pl.col("family"), pl.col("missing")]
    cands = pl.DataFrame(cand_rows, schema=cand_schema, orient="row").sort(
        order, descending=[True, False, False, False])
    by_pm = _top(cands, "pm", top)
    by_missing = _top(cands, ["family", "missing"], top)
    seg_cache: dict[tuple[int, int], tuple[int | None, float | None]] = {}

    def segs(frame: pl.DataFrame) -> pl.DataFrame:
        from forensic_match.linked.infer import shared_segments

        counts, lengths = [], []
        for i, k in zip(frame["_pm_index"], frame["_link"]):
            if segments and (i, k) not in seg_cache:
                link = links[k]
                try:
                    seg = shared_segments(link.process, panel, pm[i],
                                          fam_of[link.family].references[link.reference],
                                          error=err, dropout=drop, fst=fst)
                    seg_cache[(i, k)] = (seg.height, float(seg["cm"].sum()))
                except InputError:
                    seg_cache[(i, k)] = (None, None)
            c, cm = seg_cache.get((i, k), (None, None))
            counts.append(c)
            lengths.append(cm)
        return frame.with_columns(pl.Series("segments", counts, dtype=pl.Int64),
                                  pl.Series("segments_cm", lengths, dtype=pl.Float64)
                                  ).drop("_pm_index", "_link")

    pairs = pl.DataFrame(pair_rows, schema={
        "pm": pl.String, "family": pl.String, "missing": pl.String, "reference": pl.String,
        "relationship": pl.String, "screen_log10_lr": pl.Float64, "log10_lr": pl.Float64},
        orient="row").sort(["pm", "family", "missing", "reference"])
    params = {"pm_error": pm_error, "reference_error": reference_error,
              "pm_dropout": pm_dropout, "fst": fst, "screen_threshold": screen_threshold,
              "top": top, "min_snps": min_snps, "approximation": approximation,
              "approximation_method": METHODS[approximation],
              "family_max_persons": family_max_persons, "family_max_bits": family_max_bits,
              "skip_uncomputable": skip_uncomputable,
              "model": "inheritance HMM per family pedigree, Haldane map, no interference",
              "screen": "unlinked log10 LR of each reference's pedigree relationship",
              "pm_input": "genotype likelihoods" if pm_likelihoods else "calls"}
    by_pm, by_missing = segs(by_pm), segs(by_missing)
    lap("segments")
    params["cpu_seconds"] = seconds
    return ProgrammeSearch(cands.drop("_pm_index", "_link"), by_pm, by_missing, pairs,
                           ref_table, not_searched, params)


def _top(frame: pl.DataFrame, by: str | list[str], top: int) -> pl.DataFrame:
    """The ``top`` best rows of each group (``frame`` sorted best first), with their rank."""
    keys = [by] if isinstance(by, str) else by
    return (frame.with_columns(pl.int_range(pl.len()).over(keys).alias("rank") + 1)
            .filter(pl.col("rank") <= top)
            .sort([*keys, "rank"]))
