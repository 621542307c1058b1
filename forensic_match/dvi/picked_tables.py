"""Compiled rows searched where they are, not copied into one table first.

A round of an identification searches the relative alternatives and the references' relatives
of the families in play: rows compiled this run, or kept from an earlier night (mapped table
pieces, ``docs/store.md``). Stacking them into one :class:`~forensic_match.dvi.compile.
CompiledTables` copied every row (about 1.3 GB at Peru scale, twice a night) although a night
whose searches reuse the last night's reads few rows or none. :class:`PickedTables` names the
rows and where each is; the search (:func:`~forensic_match.dvi.search._fold_search`) reads a
block of rows at a time into one buffer (:meth:`PickedTables.read`), and any other use of the
arrays gathers the whole table once (:meth:`PickedTables.tables`). The search's outputs are the
same, bit for bit, as on the stacked table: the same rows in the same blocks, in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from forensic_match.dvi.compile import (
    _ROW_FIELD,
    CompiledRow,
    CompiledTables,
    _run_part,
    _runs,
    marker_offsets,
)
from forensic_match.markers import Marker


class PickedTables:
    """The tables :meth:`CompiledTables.gather` would make of ``picks``, left where they are.

    Parameters
    ----------
    markers : sequence of Marker
        The panel of every picked row.
    rows : list of (family id, person id)
        One name per pick.
    picks : sequence of (tables, row) or CompiledRow
        Row ``row`` of ``tables`` (a :class:`CompiledTables` or a table kept as pieces), or a
        row compiled alone, as :meth:`CompiledTables.gather` takes them.
    sex : list of str
        One sex per pick.
    theta : float
        The theta of every picked row's tables.

    Attributes
    ----------
    markers, offsets, rows, sex, theta, keys
        As in :class:`CompiledTables` (``keys`` empty).
    log10_lr, consistent, log10_likelihood, allele_sums, denominator, denominator_sums, row_theta
        The arrays of :class:`CompiledTables`: reading one gathers the whole table once.

    Examples
    --------
    >>> picked = PickedTables(panel, names, [(tables, 3), row], sexes)  # doctest: +SKIP
    >>> picked.read("log10_lr", np.array([0, 2])).shape[0]  # doctest: +SKIP
    2
    """

    def __init__(self, markers: Sequence[Marker], rows: list[tuple[str, str]],
                 picks: Sequence[tuple[Any, int] | CompiledRow], sex: list[str],
                 theta: float = 0.0) -> None:
        if not picks:
            raise ValueError("no rows to pick")
        if not len(rows) == len(picks) == len(sex):
            raise ValueError(f"{len(rows)} names, {len(picks)} rows and {len(sex)} sexes")
        self.markers = tuple(markers)
        self.offsets = marker_offsets(self.markers)
        self.rows, self.sex, self.theta = rows, sex, theta
        self.keys: list[str] = []
        self._picks = list(picks)
        self._runs = _runs(self._picks)
        sizes = [1 if isinstance(run, CompiledRow) else run[2] - run[1] for run in self._runs]
        self._start = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self._whole: CompiledTables | None = None

    def __len__(self) -> int:
        return len(self.rows)

    def shape(self, name: str) -> tuple[int, ...]:
        """The shape of array ``name`` of the whole table (nothing gathered)."""
        return (len(self.rows), *_run_part(self._runs[0], name).shape[1:])

    def read(self, name: str, rows: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """Rows ``rows`` (positions in this table) of array ``name``, in that order, into
        ``out`` (its first ``rows.size`` entries) or a new array; consecutive rows of one
        source are copied as one slice."""
        rows = np.asarray(rows, dtype=np.int64)
        if out is None:
            first = _run_part(self._runs[0], name)
            out = np.empty((rows.size, *first.shape[1:]), dtype=first.dtype)
        if rows.size == 0:
            return out[:0]
        if rows.min() < 0 or rows.max() >= len(self.rows):
            raise IndexError(f"row positions outside 0..{len(self.rows) - 1}")
        run = np.searchsorted(self._start, rows, side="right") - 1
        cuts = np.flatnonzero((np.diff(run) != 0) | (np.diff(rows) != 1)) + 1
        bounds = np.concatenate([[0], cuts, [rows.size]]).tolist()
        run_of, local = run.tolist(), (rows - self._start[run]).tolist()
        for i, j in zip(bounds[:-1], bounds[1:]):
            source = self._runs[run_of[i]]
            if isinstance(source, CompiledRow):
                out[i] = getattr(source, _ROW_FIELD[name])
            else:
                table, a, _ = source
                out[i:j] = getattr(table, name)[a + local[i]:a + local[i] + (j - i)]
        return out[:rows.size]

    def tables(self) -> CompiledTables:
        """The whole table, gathered once (:meth:`CompiledTables.gather`)."""
        if self._whole is None:
            self._whole = CompiledTables.gather(self.markers, self.rows, self._picks, self.sex,
                                                self.theta)
        return self._whole

    def row(self, r: int) -> CompiledRow:
        """Row ``r`` as :func:`~forensic_match.dvi.compile.compile_missing` returns it."""
        den = (self.read("denominator", np.array([r]))[0],
               self.read("denominator_sums", np.array([r]))[0]) if self.theta > 0 \
            else (None, None)
        at = np.array([r])
        return CompiledRow(self.read("log10_lr", at)[0], self.read("consistent", at)[0],
                           float(self.read("log10_likelihood", at)[0]),
                           self.read("allele_sums", at)[0], *den,
                           float(self.read("row_theta", at)[0]))

    log10_lr = property(lambda self: self.tables().log10_lr)
    consistent = property(lambda self: self.tables().consistent)
    log10_likelihood = property(lambda self: self.tables().log10_likelihood)
    allele_sums = property(lambda self: self.tables().allele_sums)
    denominator = property(lambda self: self.tables().denominator)
    denominator_sums = property(lambda self: self.tables().denominator_sums)
    row_theta = property(lambda self: self.tables().row_theta)


__all__ = ["PickedTables"]
