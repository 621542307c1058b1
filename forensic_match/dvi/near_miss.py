"""Near misses: pairs that would match but for one or two markers.

A true match can fail at a marker for reasons the model does not cover: a mutation of more
steps than the model allows (or any mutation when none is modelled), a typing error, a silent
allele. Such a pair gets LR 0, or a tiny LR, and would leave every ranked table. This module
lists the pairs whose LR over the other markers reaches a threshold, so that they are looked
at rather than lost.

Method (exact): the compiled tables are searched once more with every genotype that is
impossible without mutation scored as LR 1 (the marker dropped); each pair found with 1 to
``max_markers`` such markers is then recomputed exactly, pair by pair
(:func:`~forensic_match.dvi.search.exact_pair_log10_lr`): the markers at which the pair is
impossible without mutation are named, and the LR over the remaining markers is reported.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.compile import CompiledTables
from forensic_match.markers import Marker

__all__ = ["NEAR_MISS_COLUMNS", "near_misses"]

NEAR_MISS_COLUMNS = ("pm", "family", "missing", "inconsistent_markers", "n_inconsistent",
                     "n_markers", "log10_lr", "log10_lr_without", "lr_without")


def near_misses(compiled: CompiledTables, families: Sequence[Family],
                samples: Sequence[PMSample], markers: Sequence[Marker], *,
                lr: float = 1e4, max_markers: int = 2, min_markers: int = 1,
                sex_filter: bool = True) -> Any:
    """Pairs inconsistent at 1..``max_markers`` markers whose LR over the others is >= ``lr``.

    Parameters
    ----------
    compiled : CompiledTables
        The compiled tables of the run (rows: (family, missing person)).
    families, samples : sequences of Family and PMSample
    markers : sequence of Marker
        The panel of the run (with its mutation models).
    lr : float
        LR over the consistent markers from which a pair is listed.
    max_markers : int
        Largest number of inconsistent markers a near miss may have.
    min_markers, sex_filter
        As for :func:`~forensic_match.dvi.search.search_samples`.

    Returns
    -------
    polars.DataFrame
        Columns :data:`NEAR_MISS_COLUMNS`: ``inconsistent_markers`` (comma-separated names),
        ``log10_lr`` the pair's exact LR over all markers with the run's mutation models
        (``-inf`` when a marker excludes it), ``log10_lr_without`` over the other markers;
        sorted by ``log10_lr_without``, best first.
    """
    import polars as pl

    from forensic_match.dvi.search import exact_pair_log10_lr, search_samples

    schema = {"pm": pl.Utf8, "family": pl.Utf8, "missing": pl.Utf8,
              "inconsistent_markers": pl.Utf8, "n_inconsistent": pl.Int64,
              "n_markers": pl.Int64, "log10_lr": pl.Float64, "log10_lr_without": pl.Float64,
              "lr_without": pl.Float64}
    if max_markers < 1 or not samples or not compiled.rows:
        return pl.DataFrame(schema=schema)
    dropped = dataclasses.replace(
        compiled, log10_lr=np.where(compiled.consistent, compiled.log10_lr, 0.0))
    screen = search_samples(dropped, samples, top=1, threshold=float(np.log10(lr)),
                            sex_filter=sex_filter, min_markers=min_markers).pairs
    screen = screen.filter((pl.col("n_inconsistent") >= 1) &
                           (pl.col("n_inconsistent") <= max_markers))
    fam_by_id = {f.id: f for f in families}
    sample_by_id = {s.id: s for s in samples}
    mendelian = [m.with_mutation(None) for m in markers]
    rows = []
    for r in screen.iter_rows(named=True):
        fam, sample = fam_by_id[r["family"]], sample_by_id[r["pm"]]
        with np.errstate(divide="ignore"):
            plain = exact_pair_log10_lr(fam, r["missing"], sample, mendelian)
        bad = ~np.isfinite(plain) & (plain < 0)
        if not 1 <= int(bad.sum()) <= max_markers:
            continue
        full = plain if all(m.mutation is None for m in markers) else \
            exact_pair_log10_lr(fam, r["missing"], sample, markers)
        without = float(np.sum(full[~bad]))
        if without < np.log10(lr):
            continue
        rows.append({"pm": r["pm"], "family": r["family"], "missing": r["missing"],
                     "inconsistent_markers": ",".join(m.name for m, b in zip(markers, bad)
                                                      if b),
                     "n_inconsistent": int(bad.sum()), "n_markers": r["n_markers"],
                     "log10_lr": float(np.sum(full)), "log10_lr_without": without,
                     "lr_without": float(10.0 ** min(without, 308.0))})
    return pl.DataFrame(rows, schema=schema).sort("log10_lr_without", descending=True,
                                                     maintain_order=True)
