"""Linked-SNP likelihood for several typed persons of a small pedigree (Lander-Green).

The hidden state is the inheritance vector of the meioses into the typed persons and their
ancestors, reduced by the founder symmetries as for a pair (:mod:`forensic_match.linked.pair`,
``docs/linked.md``); the emission at a marker depends on the state through the identity
pattern of all the typed persons' genes (a partition of their 2k genes), summed over the
alleles of the distinct genes. The pairwise model is the case k = 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.errors import InputError, PedigreeError
from forensic_match.linked.pair import (
    _canonical,
    _sample_options,
    check_fst,
    genotype_codes,
    inheritance,
    is_likelihoods,
    person_likelihoods,
    sample_dropouts,
)
from forensic_match.linked.panel import SnpPanel
from forensic_match.pedigree import Pedigree
from forensic_match.profiles import Observation


@dataclass(frozen=True, eq=False)
class FamilyProcess:
    """The reduced inheritance process of several typed persons (see :func:`family_process`).

    Attributes
    ----------
    persons : tuple of str
    bit_sex, sym_sex, sym_mask : numpy.ndarray of int64
        As in :class:`~forensic_match.linked.pair.PairProcess`.
    column : numpy.ndarray of int64
        Each state's row in ``patterns``.
    patterns : numpy.ndarray of int64, shape (U, 2k)
        The identity patterns that occur (restricted growth strings of the persons' genes).
    """

    persons: tuple[str, ...]
    bit_sex: np.ndarray
    sym_sex: np.ndarray
    sym_mask: np.ndarray
    column: np.ndarray
    patterns: np.ndarray

    @property
    def n_states(self) -> int:
        return int(self.column.size)


def family_process(pedigree: Pedigree, persons: Sequence[str]) -> FamilyProcess:
    """The reduced inheritance process of ``persons`` in ``pedigree``.

    Examples
    --------
    >>> from forensic_match.pedigree import trio
    >>> family_process(trio(), ["AF", "MO", "C"]).n_states  # parents' meioses are pivots
    1
    """
    persons = tuple(persons)
    if len(set(persons)) != len(persons) or not persons:
        raise PedigreeError(f"typed persons must be distinct and at least one, not {persons}")
    for ident in persons:
        if ident not in pedigree:
            raise PedigreeError(f"{ident!r} is not in the pedigree")
    bit_sex, sym_sex, sym_mask, genes, _ = inheritance(pedigree, persons)
    canon = [_canonical(g) for g in genes]
    used = sorted(set(canon))
    index = {p: u for u, p in enumerate(used)}
    return FamilyProcess(persons, bit_sex, sym_sex, sym_mask,
                         np.array([index[p] for p in canon], dtype=np.int64),
                         np.array(used, dtype=np.int64))


def family_log_likelihood(process: FamilyProcess, panel: SnpPanel, calls: Any, *,
                          error: Sequence[float] | None = None,
                          dropout: Sequence[float] | None = None, fst: float = 0.0) -> float:
    """Natural log of ``P(data of all persons | the process)`` over the panel.

    ``calls`` is (k, n): call codes of ``process.persons`` in panel order, or a sequence of
    k arrays, each call codes (n,) or genotype likelihoods (n, 3) of one person (see
    :func:`~forensic_match.linked.pair_log_likelihood`); ``fst`` the coancestry of founder
    genes.
    """
    from forensic_match.linked._family_numba import (
        family_emission_rows,
        family_likelihood_rows,
    )
    from forensic_match.linked._pair_numba import compress, forward_log_likelihood

    k = len(process.persons)
    error = np.zeros(k) if error is None else np.asarray(error, dtype=np.float64)
    dropout = np.zeros(k) if dropout is None else np.asarray(dropout, dtype=np.float64)
    if not isinstance(calls, np.ndarray) and any(is_likelihoods(c) for c in calls):
        if len(calls) != k:
            raise InputError(f"data of {len(calls)} persons, expected {k}")
        like = np.stack([person_likelihoods(panel, c, error=error[j], dropout=dropout[j],
                                            sample=process.persons[j])
                         for j, c in enumerate(calls)])
        rows = family_likelihood_rows(panel.freq_a1, like, process.patterns, check_fst(fst))
    else:
        calls = np.asarray(calls, dtype=np.int64)
        if calls.shape != (k, len(panel)):
            raise InputError(f"calls of shape {calls.shape}, expected ({k}, {len(panel)})")
        rows = family_emission_rows(panel.freq_a1, calls, error, dropout, process.patterns,
                                    check_fst(fst))
    emission, theta, constant, _ = compress(rows, np.ascontiguousarray(panel.theta))
    if emission.shape[0] == 0:
        return float(constant)
    return float(constant) + forward_log_likelihood(process.column, emission, theta,
                                                    process.bit_sex, process.sym_sex,
                                                    process.sym_mask)


def linked_pedigree_lr(h1: Pedigree, h2: Pedigree | None, panel: SnpPanel,
                       profiles: Mapping[str, Mapping[str, Any]], *,
                       genotype_error: Mapping[str, float] | None = None,
                       observation: Mapping[str, Observation | float] | None = None,
                       fst: float = 0.0) -> float:
    """log10 LR of two pedigrees for all persons typed in ``profiles`` over linked SNPs.

    ``h2=None`` means every typed person unrelated; ``fst`` is the coancestry of founder
    genes under both hypotheses (see :func:`~forensic_match.linked.linked_kinship_lr`).
    Typed persons and their ancestors may leave at most
    :data:`~forensic_match.linked.pair.MAX_BITS` free meioses.

    Examples
    --------
    >>> from forensic_match.linked import load_force_panel
    >>> from forensic_match.pedigree import trio
    >>> panel = load_force_panel().subset(["rs9442372"])
    >>> prof = {"AF": {"rs9442372": ("G", "G")}, "C": {"rs9442372": ("G", "A")}}
    >>> round(10 ** linked_pedigree_lr(trio(), None, panel, prof), 6) == round(1 / (2 * 0.611), 6)
    True
    """
    persons = tuple(profiles)
    calls = np.stack([genotype_codes(panel, profiles[i], sample=i, warn_unknown=True)
                      for i in persons])
    error = [_sample_options(genotype_error, i, "genotype_error") for i in persons]
    drops = sample_dropouts(observation, persons)
    logs = []
    for ped in (h1, h2):
        if ped is None:
            ped = Pedigree.from_records([(i, None, None, "U") for i in persons])
        proc = family_process(ped, persons)
        logs.append(family_log_likelihood(proc, panel, calls, error=error, dropout=drops,
                                          fst=fst))
    return (logs[0] - logs[1]) / math.log(10.0)
