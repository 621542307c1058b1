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
from forensic_match.lineage.fast import LineageCache, RowScorer
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
    cache : LineageCache, optional
        The scores computed so far (per row and sample id) and the full results asked for,
        shared between score objects (the rounds of an identification), so that no pair is
        computed twice.
    **options
        Passed to :func:`~forensic_match.lineage.lr.lineage_lr` (``y_method``, ...).

    Examples
    --------
    >>> scores = LineageScores(compiled.rows, ds.am, ds.pm, ds.lineage)  # doctest: +SKIP
    >>> search_samples(compiled, ds.pm, evidence=scores).pairs  # doctest: +SKIP
    """

    def __init__(self, rows: Sequence[tuple[str, str]], families: Sequence[Any],
                 samples: Sequence[Any], data: LineageData, *, also: Any = None,
                 cache: LineageCache | None = None,
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
        self.cache = LineageCache() if cache is None else cache
        self._columns = self.cache.column_of([s.id for s in self.samples])
        self._typed = np.array([pm_y_haplotype(s) is not None or pm_mitotype(s) is not None
                                for s in self.samples], dtype=bool)
        self._scorer: RowScorer | None = None

    @property
    def results(self) -> dict[tuple[str, str, str], LineageResult]:
        """The full results computed so far (:meth:`result`)."""
        return self.cache.results

    def result(self, row: int, sample: int) -> LineageResult:
        """The :class:`LineageResult` of one pair, by
        :func:`~forensic_match.lineage.lr.lineage_lr` (computed once, then kept): its log10
        LR is the one :meth:`block` gives (to 1e-9), with references, meioses and texts."""
        fid, mid = self.rows[row]
        key = (fid, mid, self.samples[sample].id)
        if key not in self.results:
            self.results[key] = lineage_lr(self.samples[sample], self.families[fid], mid,
                                           self.data, **self.options)
        return self.results[key]

    def block(self, rows: np.ndarray) -> np.ndarray:
        """log10 lineage LR (plus ``also``'s) of ``rows`` against every sample.

        Each row is scored against all samples at once by
        :class:`~forensic_match.lineage.fast.RowScorer` (equal to
        :func:`~forensic_match.lineage.lr.lineage_lr` to 1e-9 in log10,
        ``tests/test_lineage_fast.py``) the first time it is asked for, then read from the
        cache."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((rows.size, len(self.samples)))
        typed = self._typed
        cols = self._columns
        for i, r in enumerate(rows.tolist()):
            key = self.rows[r]
            vals, comp = self.cache.row(key)
            if np.isnan(vals[cols[typed]]).any():
                if self._scorer is None:
                    self._scorer = RowScorer(self.samples, self.data, self.cache,
                                             **self.options)
                log10, seen = self._scorer.row(self.families[key[0]], key[1])
                vals, comp = self.cache.row(key)
                vals[cols[typed]] = log10[typed]
                comp[cols[typed]] = seen[typed]
            out[i] = np.where(typed, vals[cols], 0.0)
        if self.also is not None:
            out += np.asarray(self.also.block(rows), dtype=np.float64)
        return out
