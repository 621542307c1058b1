"""Pairwise kinship likelihood over linked SNPs: a hidden Markov model along each chromosome.

For two persons in a pedigree, the hidden state at a marker is the inheritance vector of the
meioses that connect them (Lander & Green 1987; Thompson 2013, Genetics 194:301); each meiosis
switches between the two grand-parental origins at the recombination fraction of the interval
(Haldane map function on the sex-specific cM distances of the parent's sex). The observation
at a marker depends on the state only through the pattern of identity by descent among the
pair's four genes. Method, formulas, reductions and assumptions: ``docs/linked.md``.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from forensic_match.errors import (
    GenotypeError,
    IgnoredMarkerWarning,
    InputError,
    PedigreeError,
    where,
)
from forensic_match.linked.panel import SnpPanel, panel_name
from forensic_match.markers import markers_digest
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import Observation

#: The 15 partitions of the pair's genes (first paternal, first maternal, second paternal,
#: second maternal) as restricted growth strings: equal numbers share a gene by descent.
PATTERNS: tuple[tuple[int, int, int, int], ...] = tuple(
    p for p in itertools.product(range(4), repeat=4)
    if p[0] == 0 and all(p[k] <= max(p[:k]) + 1 for k in range(1, 4)))
_PATTERN_INDEX = {p: k for k, p in enumerate(PATTERNS)}
_PATTERN_ARRAY = np.array(PATTERNS, dtype=np.int64)
#: Free meioses beyond which the state space (2 ** bits) is refused.
MAX_BITS = 20


def _canonical(genes: Sequence[int]) -> tuple[int, ...]:
    """Restricted growth string of gene labels: equal labels get equal numbers, in order of
    first appearance."""
    labels: dict[int, int] = {}
    return tuple(labels.setdefault(g, len(labels)) for g in genes)


@dataclass(frozen=True, eq=False)
class PairProcess:
    """The inheritance process of two persons of a pedigree, reduced for the HMM.

    Built by :func:`pair_process`. Only meioses into the two persons and their ancestors
    count; for every founder, swapping its two genes is a symmetry, so one of its meioses
    (the *pivot*) is fixed and its switches become a joint flip of the founder's other
    meioses (exact lumping, see ``docs/linked.md``).

    Attributes
    ----------
    first, second : str
    bit_sex : numpy.ndarray of int64
        Sex of the parent (0 male, 1 female) of each free meiosis (state bit).
    sym_sex, sym_mask : numpy.ndarray of int64
        Sex of each founder symmetry and the state bits it flips.
    pattern : numpy.ndarray of int64
        Index in :data:`PATTERNS` of each state's identity pattern.
    meioses : tuple of str
        Description of each free meiosis, e.g. ``"B_1 <- B_sp"``.
    """

    first: str
    second: str
    bit_sex: np.ndarray
    sym_sex: np.ndarray
    sym_mask: np.ndarray
    pattern: np.ndarray
    meioses: tuple[str, ...] = ()

    @property
    def n_states(self) -> int:
        return int(self.pattern.size)

    @cached_property
    def used(self) -> np.ndarray:
        """The patterns that occur, and each state's column among them."""
        return np.unique(self.pattern)

    @cached_property
    def column(self) -> np.ndarray:
        return np.searchsorted(self.used, self.pattern).astype(np.int64)

    @cached_property
    def pattern_weights(self) -> np.ndarray:
        """The share of the states with each pattern of :attr:`used` (the stationary
        probabilities of the patterns: the unlinked limit's weights)."""
        return np.bincount(self.column, minlength=self.used.size) / self.n_states

    @cached_property
    def kappa(self) -> np.ndarray:
        """Stationary probabilities of sharing 0, 1 and 2 genes by descent (non-inbred
        pair; patterns with a person's two genes identical count by the genes shared)."""
        out = np.zeros(3)
        for p in self.pattern:
            a, b = PATTERNS[p][:2], PATTERNS[p][2:]
            out[len(set(a) & set(b))] += 1
        return out / self.pattern.size


def pair_process(pedigree: Pedigree, first: str, second: str) -> PairProcess:
    """The reduced inheritance process of ``first`` and ``second`` in ``pedigree``.

    Raises
    ------
    PedigreeError
        Unknown or equal persons, or more than :data:`MAX_BITS` free meioses.

    Examples
    --------
    >>> from forensic_match.pedigree import full_siblings
    >>> proc = pair_process(full_siblings(), "S1", "S2")
    >>> proc.n_states, proc.kappa.tolist()
    (4, [0.25, 0.5, 0.25])
    """
    for ident in (first, second):
        if ident not in pedigree:
            raise PedigreeError(f"{ident!r} is not in the pedigree")
    if first == second:
        raise PedigreeError(f"a pair needs two persons, not {first!r} twice")
    bit_sex, sym_sex, sym_mask, genes, names = inheritance(pedigree, (first, second))
    pattern = np.array([_PATTERN_INDEX[_canonical(g)] for g in genes], dtype=np.int64)
    return PairProcess(first, second, bit_sex, sym_sex, sym_mask, pattern, names)


def inheritance(pedigree: Pedigree, persons: Sequence[str],
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[tuple[int, ...]],
                           tuple[str, ...]]:
    """The reduced inheritance process of ``persons`` (see :class:`PairProcess`).

    Returns the sex of each free meiosis, the sex and bit mask of each founder symmetry, for
    every state the founder genes of the persons (paternal, maternal for each, in order) and
    a description of each free meiosis.
    """
    keep = set(persons)
    for ident in persons:
        keep |= pedigree.ancestors(ident)
    order = [pedigree.ids[i] for i in pedigree.topological_order if pedigree.ids[i] in keep]
    meioses: list[tuple[str, str, int]] = []  # (child, parent, 0 paternal / 1 maternal)
    for ident in order:
        parents = pedigree.parents(ident)
        if parents is not None:
            meioses += [(ident, parents[0], 0), (ident, parents[1], 1)]
    founders = [i for i in order if pedigree.parents(i) is None]
    pivots: set[int] = set()
    groups: list[list[int]] = []
    for f in founders:
        own = [k for k, (_, parent, _) in enumerate(meioses) if parent == f]
        if own:
            pivots.add(own[0])
            groups.append(own)
    free = [k for k in range(len(meioses)) if k not in pivots]
    if len(free) > MAX_BITS:
        raise PedigreeError(f"persons {list(persons)}: {len(free)} free meioses, more than "
                            f"{MAX_BITS} (a state space of 2 ** {len(free)})")
    bit_of = {k: b for b, k in enumerate(free)}
    bit_sex = np.array([0 if meioses[k][2] == 0 else 1 for k in free], dtype=np.int64)
    sym_sex, sym_mask = [], []
    for own in groups:
        mask = sum(1 << bit_of[k] for k in own[1:])
        if mask:
            sym_sex.append(0 if meioses[own[0]][2] == 0 else 1)
            sym_mask.append(mask)
    founder_index = {f: k for k, f in enumerate(founders)}
    states: list[tuple[int, ...]] = []
    for state in range(1 << len(free)):
        genes: dict[str, tuple[int, int]] = {
            f: (2 * k, 2 * k + 1) for f, k in founder_index.items()}
        for k, (child, parent, side) in enumerate(meioses):
            pick = (state >> bit_of[k]) & 1 if k in bit_of else 0
            got = genes[parent][pick]
            have = genes.get(child, (-1, -1))
            genes[child] = (got, have[1]) if side == 0 else (have[0], got)
        states.append(tuple(g for ident in persons for g in genes[ident]))
    names = tuple(f"{meioses[k][0]} <- {meioses[k][1]}" for k in free)
    return (bit_sex, np.array(sym_sex, dtype=np.int64), np.array(sym_mask, dtype=np.int64),
            states, names)


def emission_table(process: PairProcess, panel: SnpPanel, *,
                   error: tuple[float, float] = (0.0, 0.0),
                   dropout: tuple[float, float] = (0.0, 0.0), fst: float = 0.0) -> np.ndarray:
    """Emissions of every call pair at every marker for ``process``: shape (n, 4, 4, P),
    indexed by call code + 1 of both persons. Pass it as ``table=`` to
    :func:`pair_log_likelihood` when many pairs share the panel, process, error, dropout and
    ``fst`` (a search, a simulation): each pair is then a lookup instead of a computation."""
    from forensic_match.linked._pair_numba import emission_rows

    fst = check_fst(fst)
    n = len(panel)
    patterns = _PATTERN_ARRAY[process.used]
    table = np.empty((n, 4, 4, patterns.shape[0]))
    for ca in range(-1, 3):
        for cb in range(-1, 3):
            table[:, ca + 1, cb + 1] = emission_rows(
                panel.freq_a1, np.full(n, ca, np.int64), np.full(n, cb, np.int64),
                np.array(error, dtype=np.float64), np.array(dropout, dtype=np.float64),
                patterns, fst)
    return table


def check_fst(fst: float) -> float:
    """``fst`` as a float in [0, 1), or an :class:`InputError`."""
    value = float(fst)
    if not 0.0 <= value < 1.0:
        raise InputError(f"fst (the coancestry of founder genes, the forensic theta) must lie "
                         f"in [0, 1), got {fst}")
    return value


def is_likelihoods(data: Any) -> bool:
    """True for genotype likelihoods (an array of shape (markers, 3)), False for call codes
    (shape (markers,))."""
    return np.ndim(data) == 2


def check_likelihoods(panel: SnpPanel, like: Any, *, sample: str = "",
                      file: str | None = None) -> np.ndarray:
    """Genotype likelihoods ``L[i, g] = P(data at SNP i | g copies of allele 1)`` as float64
    of shape (markers, 3), checked.

    Any positive scale per SNP is allowed (it cancels in every LR); all ones is an untyped
    SNP.

    Raises
    ------
    InputError
        Another shape, a negative, infinite or NaN value, or a SNP whose three likelihoods
        are all 0 (data impossible under every genotype), naming sample and marker.
    """
    arr = np.asarray(like)
    if arr.shape != (len(panel), 3) or not (np.issubdtype(arr.dtype, np.floating)
                                            or np.issubdtype(arr.dtype, np.integer)):
        raise InputError(f"{where(file=file, sample=sample)}: genotype likelihoods of shape "
                         f"({len(panel)}, 3) (SNPs in panel order; 0, 1, 2 copies of allele 1) "
                         f"expected, got {arr.dtype} of shape {arr.shape}")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr).all(axis=1) | (arr < 0).any(axis=1) | ~(arr > 0).any(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"{where(file=file, sample=sample, marker=panel.markers[i].name)}: "
                         f"genotype likelihoods must be finite, non-negative and not all 0, "
                         f"got {arr[i].tolist()} ({int(bad.sum())} such SNPs)")
    return arr


def person_likelihoods(panel: SnpPanel, data: Any, *, error: float = 0.0,
                       dropout: float = 0.0, sample: str = "") -> np.ndarray:
    """``P(data at SNP i | g copies of allele 1)`` (markers, 3) of one person's data in the
    model: call codes through the observation model (genotype error ``error``, dropout
    ``dropout``), or genotype likelihoods mixed with the genotype error,
    ``(1 - e) L(g) + e sum_h P_HW(h) L(h)`` (``docs/linked.md``, "Genotype likelihoods").

    Raises
    ------
    InputError
        Bad codes or likelihoods, or a dropout probability with likelihoods (allele dropout
        is part of the read model behind them).
    """
    from forensic_match.linked._pair_numba import mixed_likelihoods, observation_likelihoods

    if is_likelihoods(data):
        if dropout:
            raise InputError(f"sample {sample!r}: a dropout probability ({dropout}) with "
                             f"genotype likelihoods; the likelihoods already contain the read "
                             f"model (set dropout to 0)")
        return mixed_likelihoods(panel.freq_a1, check_likelihoods(panel, data, sample=sample),
                                 float(error))
    codes = _check_codes(panel, data, sample or "calls")
    return observation_likelihoods(panel.freq_a1, codes, float(error), float(dropout))


def _check_codes(panel: SnpPanel, data: Any, name: str) -> np.ndarray:
    codes = np.asarray(data, dtype=np.int64)
    if codes.shape != (len(panel),) or codes.min(initial=0) < -1 or codes.max(initial=0) > 2:
        raise InputError(f"{name}: call codes (-1, 0, 1, 2) for the {len(panel)} panel "
                         f"markers expected, got shape {codes.shape}")
    return codes


def pair_emission_rows(process: PairProcess, panel: SnpPanel, first: Any, second: Any, *,
                       error: tuple[float, float] = (0.0, 0.0),
                       dropout: tuple[float, float] = (0.0, 0.0), fst: float = 0.0
                       ) -> np.ndarray:
    """Emission (markers, patterns used by ``process``) of two persons' data, each call
    codes or genotype likelihoods (see :func:`pair_log_likelihood`)."""
    from forensic_match.linked._pair_numba import emission_rows, likelihood_rows

    patterns = _PATTERN_ARRAY[process.used]
    if is_likelihoods(first) or is_likelihoods(second):
        la = person_likelihoods(panel, first, error=error[0], dropout=dropout[0],
                                sample="first")
        lb = person_likelihoods(panel, second, error=error[1], dropout=dropout[1],
                                sample="second")
        return likelihood_rows(panel.freq_a1, la, lb, patterns, check_fst(fst))
    return emission_rows(panel.freq_a1, _check_codes(panel, first, "first"),
                         _check_codes(panel, second, "second"),
                         np.array(error, dtype=np.float64), np.array(dropout, dtype=np.float64),
                         patterns, check_fst(fst))


def pair_log_likelihood(process: PairProcess, panel: SnpPanel, first: np.ndarray,
                        second: np.ndarray, *, error: tuple[float, float] = (0.0, 0.0),
                        dropout: tuple[float, float] = (0.0, 0.0),
                        theta: np.ndarray | None = None,
                        table: np.ndarray | None = None, fst: float = 0.0) -> float:
    """Natural log of ``P(data of both persons | the process)`` over the panel.

    ``first`` and ``second`` are each call codes (copies of allele 1: 0, 1, 2; -1 missing)
    in panel order (see :func:`genotype_codes`), or genotype likelihoods of shape (markers,
    3), ``P(data | 0, 1, 2 copies of allele 1)`` (e.g. from
    :func:`~forensic_match.linked.read_vcf_genotype_likelihoods`), which replace that
    person's observation model: the emission is ``sum_g1,g2 L1(g1) L2(g2) P(g1, g2 | IBD
    pattern)``, with the genotype error mixed in as for calls and no dropout
    (``docs/linked.md``, "Genotype likelihoods"). ``error`` and ``dropout`` per person.
    ``theta`` overrides the map (from :func:`~forensic_match.linked.panel.interval_theta`);
    ``table`` is :func:`emission_table` of the same process, panel, error, dropout and
    ``fst`` (then ``error``, ``dropout`` and ``fst`` are not used; call codes only). ``fst``
    is the coancestry of the founders' genes (Balding-Nichols; the forensic ``theta``, named
    ``fst`` here as ``theta`` is the recombination fraction): distinct genes of the pair are
    drawn from one subpopulation's urn instead of independently (``docs/linked.md``,
    "Subpopulation").
    """
    from forensic_match.linked._pair_numba import compress, forward_log_likelihood, gather_rows

    theta = panel.theta if theta is None else theta
    if table is None:
        rows = pair_emission_rows(process, panel, first, second, error=error, dropout=dropout,
                                  fst=fst)
    else:
        if is_likelihoods(first) or is_likelihoods(second):
            raise InputError("an emission table is indexed by call codes; genotype "
                             "likelihoods need table=None")
        first = _check_codes(panel, first, "first")
        second = _check_codes(panel, second, "second")
        if table.shape != (len(panel), 4, 4, process.used.size):
            raise InputError(f"emission table of shape {table.shape} does not fit "
                             f"{len(panel)} markers and {process.used.size} patterns")
        rows = gather_rows(table, first, second)
    emission, theta, constant, _ = compress(rows, np.ascontiguousarray(theta,
                                                                       dtype=np.float64))
    if emission.shape[0] == 0:
        return float(constant)
    return float(constant) + forward_log_likelihood(process.column, emission, theta,
                                                    process.bit_sex, process.sym_sex,
                                                    process.sym_mask)


def genotype_codes(panel: SnpPanel, profile: Mapping[str, Any], *, sample: str = "",
                   file: str | None = None, warn_unknown: bool = False) -> np.ndarray:
    """Call codes (copies of allele 1, -1 missing) of a profile ``{marker: (a, b)}``.

    A call of ``None`` or ``(None, None)`` is missing; a lone allele ``(a, None)`` is read
    as ``a/a`` (dropout), as elsewhere in forensic_match. Markers not on the panel are
    skipped; with ``warn_unknown`` (the public functions, whose profiles hold SNPs only) one
    :class:`~forensic_match.errors.IgnoredMarkerWarning` names them, as the table readers'
    does: a profile written with other names (``RS123``) would otherwise be compared on
    nothing, LR 1. An rs number is read in any case
    (:func:`~forensic_match.linked.panel.panel_name`).

    Raises
    ------
    GenotypeError
        An allele that is not one of the marker's two, naming sample and marker.
    """
    codes = np.full(len(panel), -1, dtype=np.int64)
    profile = {panel_name(name): call for name, call in profile.items()}
    unknown = [name for name in profile if name not in panel.index]
    if unknown and warn_unknown:
        warnings.warn(f"{where(file=file, sample=sample)}: markers {unknown[:5]}"
                      f"{' ...' if len(unknown) > 5 else ''} ({len(unknown)}) are not in the "
                      f"panel and are ignored", IgnoredMarkerWarning, stacklevel=3)
    for name, call in profile.items():
        if name not in panel.index:
            continue
        if call is None:
            continue
        m = panel.markers[panel.index[name]]
        alleles = [a for a in call if a is not None]
        if not alleles:
            continue
        if len(alleles) == 1:
            alleles = alleles * 2
        if len(call) != 2:
            raise GenotypeError(f"{where(file=file, sample=sample, marker=name)}: a genotype "
                                f"has two alleles, got {call!r}")
        count = 0
        for a in alleles:
            if a not in m.alleles:
                raise GenotypeError(f"{where(file=file, sample=sample, marker=name, allele=a)}"
                                    f": not one of the SNP's alleles {m.alleles}")
            count += a == m.alleles[0]
        codes[panel.index[name]] = count
    return codes


@dataclass(frozen=True)
class LinkedResult:
    """The outcome of :func:`linked_kinship_lr`: log10 likelihoods per hypothesis."""

    log10_likelihood_h1: float
    log10_likelihood_h2: float
    markers_typed: int
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def log10_lr(self) -> float:
        return self.log10_likelihood_h1 - self.log10_likelihood_h2

    @property
    def lr(self) -> float:
        return float(10.0 ** self.log10_lr) if self.log10_lr < 308.25 else math.inf

    def __repr__(self) -> str:
        return f"LinkedResult(log10 LR={self.log10_lr:.4f}, {self.markers_typed} markers typed)"


def _sample_options(spec: Mapping[str, Any] | None, ident: str, name: str) -> float:
    value = float((spec or {}).get(ident, 0.0))
    if not 0.0 <= value < 1.0:
        raise InputError(f"{name} of sample {ident!r} must lie in [0, 1), got {value}")
    return value


def sample_dropouts(observation: Mapping[str, Observation | float] | None,
                    persons: Sequence[str]) -> list[float]:
    """Each person's dropout probability from ``observation`` (an :class:`Observation` or a
    number; 0 when absent); drop-in is refused, as the linked model does not have it."""
    drops = []
    for ident in persons:
        obs = (observation or {}).get(ident, 0.0)
        if isinstance(obs, Observation):
            if obs.dropin:
                raise InputError(f"sample {ident!r}: drop-in is not modelled for linked SNPs")
            obs = obs.dropout
        drops.append(_sample_options({ident: obs}, ident, "dropout"))
    return drops


def linked_kinship_lr(h1: Pedigree, h2: Pedigree | None, panel: SnpPanel,
                      profiles: Mapping[str, Mapping[str, Any]], *, first: str, second: str,
                      genotype_error: Mapping[str, float] | None = None,
                      observation: Mapping[str, Observation | float] | None = None,
                      fst: float = 0.0,
                      likelihoods: Mapping[str, np.ndarray] | None = None) -> LinkedResult:
    """LR of two pedigree hypotheses for two typed persons over linked SNPs.

    Parameters
    ----------
    h1, h2 : Pedigree
        Hypotheses containing both persons; ``h2=None`` means unrelated.
    panel : SnpPanel
        Markers with their genetic positions (:func:`~forensic_match.linked.load_force_panel`).
    profiles : mapping
        ``{person: {marker: (a, b)}}``; markers absent from a profile are missing calls.
    first, second : str
        The two typed persons.
    genotype_error : mapping, optional
        ``{person: probability}`` that a call is replaced by a genotype drawn from the
        population (FORMAT.md ``genotype_error``).
    observation : mapping, optional
        ``{person: Observation or dropout probability}`` (drop-in is not modelled here).
    fst : float, optional
        Coancestry of the founders' genes within the population (Balding-Nichols, the
        forensic ``theta``; 0: independent founder genes). The same value enters both
        hypotheses; a positive value guards the LR of distant relationships against
        substructure (``docs/validation.md``, "Robustness").
    likelihoods : mapping, optional
        ``{person: array (SNPs, 3)}`` genotype likelihoods ``P(data | 0, 1, 2 copies of
        allele 1)`` in panel order (:func:`~forensic_match.linked.read_vcf_genotype_likelihoods`)
        for a person typed by sequencing instead of calls; they replace that person's
        observation model (``genotype_error`` is mixed in, dropout is refused;
        ``docs/linked.md``, "Genotype likelihoods"). A person is in ``profiles`` or here,
        not both.

    Returns
    -------
    LinkedResult

    Examples
    --------
    >>> from forensic_match.linked import RELATIONSHIPS, load_force_panel
    >>> panel = load_force_panel().subset(["rs9442372", "rs4648727"])
    >>> sibs = RELATIONSHIPS["full siblings"].pedigree()
    >>> res = linked_kinship_lr(sibs, None, panel, {"A": {"rs9442372": ("G", "G")},
    ...                         "B": {"rs9442372": ("G", "G")}}, first="A", second="B")
    >>> round(res.lr, 6) == round((1 + 0.611) ** 2 / (4 * 0.611 ** 2), 6)
    True
    """
    likelihoods = likelihoods or {}
    for ident in [*profiles, *likelihoods]:
        if ident not in (first, second):
            raise InputError(f"profile of {ident!r}: only the pair {first!r}, {second!r} is "
                             f"analysed by the pairwise linked model")
        if ident in profiles and ident in likelihoods:
            raise InputError(f"sample {ident!r}: give calls (profiles) or genotype "
                             f"likelihoods, not both")
    data: list[np.ndarray] = [
        check_likelihoods(panel, likelihoods[i], sample=i) if i in likelihoods
        else genotype_codes(panel, profiles.get(i, {}), sample=i, warn_unknown=True)
        for i in (first, second)]
    error = tuple(_sample_options(genotype_error, i, "genotype_error") for i in (first, second))
    drops = sample_dropouts(observation, (first, second))
    logs = []
    for ped in (h1, h2):
        proc = _unrelated_process(first, second) if ped is None else \
            pair_process(ped, first, second)
        ll = pair_log_likelihood(proc, panel, data[0], data[1], error=error,  # type: ignore
                                 dropout=tuple(drops), fst=fst)  # type: ignore[arg-type]
        logs.append(ll / math.log(10.0))
    if logs[0] == -math.inf and logs[1] == -math.inf:
        raise InputError(f"the calls of {first!r} and {second!r} are impossible under both "
                         f"hypotheses (an exclusion with no genotype error: set "
                         f"genotype_error)")
    from forensic_match import __version__

    prov = {"package": "forensic_match", "version": __version__,
            "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "model": "pairwise inheritance HMM, Haldane map, no interference",
            "panel": panel.source, "markers_sha256": markers_digest(panel.markers),
            "genotype_error": dict(zip((first, second), error)),
            "dropout": dict(zip((first, second), drops)), "fst": check_fst(fst),
            "input": {i: "genotype likelihoods" if i in likelihoods else "calls"
                      for i in (first, second)}}
    typed = int(np.sum(informative(data[0]) & informative(data[1])))
    return LinkedResult(logs[0], logs[1], typed, prov)


def informative(data: np.ndarray) -> np.ndarray:
    """Per SNP, whether call codes are not missing or genotype likelihoods not all equal."""
    if is_likelihoods(data):
        return ~((data[:, 0] == data[:, 1]) & (data[:, 1] == data[:, 2]))
    return np.asarray(data) >= 0


def _unrelated_process(first: str, second: str) -> PairProcess:
    return PairProcess(first, second, np.zeros(0, np.int64), np.zeros(0, np.int64),
                       np.zeros(0, np.int64), np.array([_PATTERN_INDEX[(0, 1, 2, 3)]]))
