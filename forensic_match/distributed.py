"""Compile and blind search on a Dask cluster (a LocalCluster by default).

Dask appears only here, in the dispatcher that splits the work: families for compiling, and
blocks of compiled rows for searching; the numba kernels never import it. On one machine the
plain functions (:func:`~forensic_match.dvi.compile.compile_families` with ``workers=``,
:func:`~forensic_match.dvi.search.search_samples` with numba threads) are as fast; a cluster
is for programmes that outgrow one machine's memory or cores.

Install with ``pip install forensic_match[dask]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.compile import CompiledTables, compile_families, marker_offsets
from forensic_match.dvi.search import SearchResult, search_samples
from forensic_match.group_sums import sum_by
from forensic_match.markers import Marker


def _client(client: Any) -> tuple[Any, Any]:
    """(client, cluster to close or None)."""
    if client is not None:
        return client, None
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("forensic_match.distributed needs Dask: pip install "
                          "'forensic_match[dask]'") from exc
    cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
    return Client(cluster), cluster


def compile_on_cluster(families: Sequence[Family], markers: Sequence[Marker], *,
                       client: Any = None, chunk: int = 200) -> CompiledTables:
    """:func:`compile_families` with chunks of families compiled on Dask workers.

    Parameters
    ----------
    client : dask.distributed.Client, optional
        Default: a LocalCluster with one process per core, closed afterwards.
    chunk : int
        Families per task.
    """
    client, cluster = _client(client)
    try:
        markers = tuple(markers)
        remote_markers = client.scatter(markers, broadcast=True)
        parts = [families[i:i + chunk] for i in range(0, len(families), chunk)]
        futures = [client.submit(compile_families, part, remote_markers, pure=False)
                   for part in parts]
        tables = client.gather(futures)
    finally:
        if cluster is not None:
            client.close()
            cluster.close()
    return _concat(tables, markers)


def _concat(tables: Sequence[CompiledTables], markers: tuple[Marker, ...]) -> CompiledTables:
    return CompiledTables(
        markers, marker_offsets(markers), [r for t in tables for r in t.rows],
        np.concatenate([t.log10_lr for t in tables]),
        np.concatenate([t.consistent for t in tables]),
        np.concatenate([t.log10_likelihood for t in tables]),
        [s for t in tables for s in t.sex], [k for t in tables for k in t.keys],
        np.concatenate([t.allele_sums for t in tables]))


def _rows(compiled: CompiledTables, lo: int, hi: int) -> CompiledTables:
    return CompiledTables(compiled.markers, compiled.offsets, compiled.rows[lo:hi],
                          compiled.log10_lr[lo:hi], compiled.consistent[lo:hi],
                          compiled.log10_likelihood[lo:hi], compiled.sex[lo:hi],
                          compiled.keys[lo:hi], compiled.allele_sums[lo:hi])


def search_on_cluster(compiled: CompiledTables, samples: Sequence[PMSample], *,
                      client: Any = None, rows_per_task: int = 5000,
                      **options: Any) -> SearchResult:
    """:func:`search_samples` with blocks of compiled rows searched on Dask workers.

    Each task searches every sample against its block of missing persons; the partial
    results merge exactly: per-sample best lists are re-ranked across blocks, per-missing-
    person lists and threshold pairs are concatenated, LR sums add.
    """
    import polars as pl

    client, cluster = _client(client)
    top = int(options.get("top", 5))
    try:
        remote_samples = client.scatter(list(samples), broadcast=True)
        futures = [client.submit(search_samples, _rows(compiled, lo, lo + rows_per_task),
                                 remote_samples, pure=False, **options)
                   for lo in range(0, len(compiled.rows), rows_per_task)]
        parts: list[SearchResult] = client.gather(futures)
    finally:
        if cluster is not None:
            client.close()
            cluster.close()
    by_sample = (pl.concat([p.by_sample for p in parts])
                 .sort(["pm", "log10_lr"], descending=[False, True], maintain_order=True)
                 .with_columns(pl.col("log10_lr").rank("ordinal", descending=True)
                               .over("pm").cast(pl.Int64).alias("rank"))
                 .filter(pl.col("rank") <= top).sort(["pm", "rank"]))
    # each sample's LR sum over the blocks, the same to the last bit on every run (sum_by)
    stacked = pl.concat([p.samples for p in parts])
    sums = sum_by(stacked, ["pm"], "lr_sum").with_columns(
        stacked.group_by("pm", maintain_order=True).agg(pl.col("n_typed").first())["n_typed"])
    return SearchResult(by_sample, pl.concat([p.by_missing for p in parts]),
                        pl.concat([p.pairs for p in parts]).sort("log10_lr", descending=True,
                                                                  maintain_order=True),
                        sums, {**parts[0].parameters, "tasks": len(parts),
                               "rows": sum(p.parameters.get("rows", 0) for p in parts)})
