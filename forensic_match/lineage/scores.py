"""Lineage LRs as scores for the search: the ``evidence`` hook of
:func:`forensic_match.dvi.search.search_samples`.

``search_samples(compiled, samples, evidence=LineageScores(compiled.rows, families, samples,
data))`` ranks and lists pairs by ``log10 LR_DNA + log10 LR_lineage`` (the combination of
:func:`~forensic_match.lineage.lr.combine_log10_lr`: lineage and autosomal markers independent
given the hypotheses). AM/PM evidence scores can ride along (``also``): their log10 LRs are
added too. A pair with no lineage data on either side scores 0; a Y or mtDNA LR of 0 (more
repeat steps than the meioses allow) is ``-inf``, which the search treats as an impossible pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from forensic_match.errors import InputError
from forensic_match.lineage.data import LineageData, pm_mitotype, pm_y_haplotype
from forensic_match.lineage.lr import LineageResult, lineage_lr


class LineageScores:
    """Lineage log10 LRs of compiled rows (missing persons) against PM samples.

    Parameters
    ----------
    rows : sequence of (family id, missing id)
        The compiled rows, in order (``CompiledTables.rows``).
    families : sequence of Family
        The families of those rows.
    samples : sequence of PMSample
        The samples searched, in the order given to the search.
    data : LineageData
        Panel and databases (``DviDataset.lineage``).
    also : object, optional
        Another evidence object (``block(rows)``), e.g. AM/PM evidence scores, added in.
    cache : dict, optional
        ``{(family id, missing id, sample id): LineageResult}`` shared between score objects
        (the rounds of an identification), so that no pair is computed twice.
    **options
        Passed to :func:`~forensic_match.lineage.lr.lineage_lr` (``y_method``, ...).

    Examples
    --------
    >>> scores = LineageScores(compiled.rows, ds.am, ds.pm, ds.lineage)  # doctest: +SKIP
    >>> search_samples(compiled, ds.pm, evidence=scores).pairs  # doctest: +SKIP
    """

    def __init__(self, rows: Sequence[tuple[str, str]], families: Sequence[Any],
                 samples: Sequence[Any], data: LineageData, *, also: Any = None,
                 cache: dict[tuple[str, str, str], LineageResult] | None = None,
                 **options: Any) -> None:
        self.rows = list(rows)
        self.families = {f.id: f for f in families}
        missing = sorted({fid for fid, _ in self.rows} - set(self.families))
        if missing:
            raise InputError(f"lineage scores: families {missing} of the compiled rows were not "
                             f"given")
        self.samples = list(samples)
        self.data = data
        self.also = also
        self.options = options
        self._typed = [j for j, s in enumerate(self.samples)
                       if pm_y_haplotype(s) is not None or pm_mitotype(s) is not None]
        self.results: dict[tuple[str, str, str], LineageResult] = {} if cache is None \
            else cache

    def result(self, row: int, sample: int) -> LineageResult:
        """The :class:`LineageResult` of one pair (computed once, then kept)."""
        fid, mid = self.rows[row]
        key = (fid, mid, self.samples[sample].id)
        if key not in self.results:
            self.results[key] = lineage_lr(self.samples[sample], self.families[fid], mid,
                                           self.data, **self.options)
        return self.results[key]

    def block(self, rows: np.ndarray) -> np.ndarray:
        """log10 lineage LR (plus ``also``'s) of ``rows`` against every sample."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((rows.size, len(self.samples)))
        for i, r in enumerate(rows.tolist()):
            for j in self._typed:
                out[i, j] = self.result(r, j).log10_lr
        if self.also is not None:
            out += np.asarray(self.also.block(rows), dtype=np.float64)
        return out
