"""Search of PM samples against typed references on linked SNPs: a fast unlinked screen, then
the pairwise HMM on the pairs that pass.

The screen scores every pair with the LR of a kinship class (its kappa = probabilities of
sharing 0, 1, 2 genes by descent) against unrelated, treating the markers as unlinked: a
per-marker table lookup by the two calls. It is not the linked LR (linkage makes shared
segments, which the screen ignores) but it ranks related pairs high; pairs at or above
``screen_threshold`` go to :func:`~forensic_match.linked.relationship_lrs`-style HMM scoring.
The screen's loss (true relatives with HMM LR >= 1e4 that it drops) is measured in
``docs/validation.md``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from forensic_match.errors import InputError
from forensic_match.linked.pair import (
    _PATTERN_ARRAY,
    _PATTERN_INDEX,
    PairProcess,
    _unrelated_process,
    check_fst,
    emission_table,
    pair_log_likelihood,
)
from forensic_match.linked.panel import SnpPanel

#: Identity patterns of a non-inbred pair sharing 0, 1 and 2 genes by descent.
_IBD_PATTERNS = [_PATTERN_INDEX[(0, 1, 2, 3)], _PATTERN_INDEX[(0, 1, 0, 2)],
                 _PATTERN_INDEX[(0, 1, 0, 1)]]


def screen_table(panel: SnpPanel, kappa: Sequence[float], *, error: float = 0.0,
                 fst: float = 0.0) -> np.ndarray:
    """Per-marker log10 LR of the kinship class ``kappa`` against unrelated, by the two calls.

    ``LR = sum_k kappa_k P(calls | IBD k) / P(calls | IBD 0)`` with the genotype-error model
    of the HMM (same ``error`` for both samples) and its founder coancestry ``fst``; a
    missing call gives LR 1.

    Returns
    -------
    numpy.ndarray, shape (n markers, 4, 4)
        Indexed by call code + 1 (-1 missing, 0, 1, 2) of the first and the second sample.
    """
    from forensic_match.linked._pair_numba import prepare_emissions

    kappa = np.asarray(kappa, dtype=np.float64)
    if kappa.shape != (3,) or np.any(kappa < 0) or abs(kappa.sum() - 1) > 1e-12:
        raise InputError(f"kappa must be three probabilities summing to 1, got {kappa}")
    n = len(panel)
    table = np.zeros((n, 4, 4))
    no_link = np.full((n, 2), 0.5)
    for ca in range(3):
        for cb in range(3):
            emis, _, _, index = prepare_emissions(
                panel.freq_a1, np.full(n, ca, np.int64), np.full(n, cb, np.int64),
                np.array([error, error]), np.zeros(2), _PATTERN_ARRAY[_IBD_PATTERNS], no_link,
                check_fst(fst))
            table[index, ca + 1, cb + 1] = np.log10(emis @ kappa / emis[:, 0])
    return table


def screen(panel: SnpPanel, first: np.ndarray, second: np.ndarray, kappa: Sequence[float], *,
           error: float = 0.0, fst: float = 0.0) -> np.ndarray:
    """Screen scores (log10 unlinked LR of ``kappa`` against unrelated) of every pair.

    ``first`` (P, n) and ``second`` (R, n) are call codes in panel order; returns (P, R).
    Computed as blocked matrix products (``_screen_numba.screen_scores_blocked``); the plain
    loop ``_screen_numba.screen_scores`` is its oracle in the tests.
    """
    from forensic_match.linked._screen_numba import screen_scores_blocked

    first, second = np.atleast_2d(first), np.atleast_2d(second)
    for name, arr in (("first", first), ("second", second)):
        if arr.shape[1] != len(panel) or arr.min(initial=0) < -1 or arr.max(initial=0) > 2:
            raise InputError(f"{name}: call codes (-1, 0, 1, 2) for the {len(panel)} panel "
                             f"markers expected, got shape {arr.shape}")
    return screen_scores_blocked(screen_table(panel, kappa, error=error, fst=fst),
                                 first.astype(np.int8), second.astype(np.int8))


def search_linked(panel: SnpPanel, pm: np.ndarray, references: np.ndarray,
                  process: PairProcess, *, kappa: Sequence[float] | None = None,
                  screen_threshold: float = 0.0, error: float = 0.0, fst: float = 0.0,
                  pm_ids: Sequence[str] | None = None,
                  reference_ids: Sequence[str] | None = None) -> pl.DataFrame:
    """Every PM sample against every reference: screen, then the linked LR of ``process``
    (a relationship) against unrelated for the pairs with screen score >= threshold; the
    screen and the HMM use the same genotype ``error`` and founder coancestry ``fst``.

    Returns
    -------
    polars.DataFrame
        ``pm``, ``reference``, ``screen_log10_lr``, ``log10_lr`` for the pairs that passed,
        best first.
    """
    kappa = process.kappa if kappa is None else kappa
    scores = screen(panel, pm, references, kappa, error=error, fst=fst)
    pm_ids = [str(i) for i in range(scores.shape[0])] if pm_ids is None else list(pm_ids)
    reference_ids = [str(j) for j in range(scores.shape[1])] if reference_ids is None \
        else list(reference_ids)
    unrelated = _unrelated_process(process.first, process.second)
    tables = [emission_table(p, panel, error=(error, error), fst=fst)
              for p in (process, unrelated)]
    rows = []
    for i, j in zip(*np.nonzero(scores >= screen_threshold)):
        a, b = pm[i], references[j]
        ll = (pair_log_likelihood(process, panel, a, b, table=tables[0])
              - pair_log_likelihood(unrelated, panel, a, b, table=tables[1]))
        rows.append((pm_ids[i], reference_ids[j], float(scores[i, j]), ll / np.log(10.0)))
    return pl.DataFrame(rows, schema={"pm": pl.String, "reference": pl.String,
                                      "screen_log10_lr": pl.Float64, "log10_lr": pl.Float64},
                        orient="row").sort("log10_lr", descending=True, maintain_order=True)
