"""Relationship inference and shared segments for two persons typed on linked SNPs.

:func:`relationship_lrs` scores every relationship of
:data:`~forensic_match.linked.relationships.RELATIONSHIPS` (or the caller's) against unrelated;
:func:`shared_segments` decodes, under one relationship, the posterior probability that the
pair shares at least one gene identical by descent at each marker and reports the runs above
a threshold as segments (chromosome, first and last marker, Mb, cM), as genealogists read
them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache

import numpy as np
import polars as pl

from forensic_match.errors import InputError
from forensic_match.linked.pair import (
    _PATTERN_ARRAY,
    PATTERNS,
    PairProcess,
    _unrelated_process,
    is_likelihoods,
    pair_emission_rows,
    pair_log_likelihood,
    pair_process,
)
from forensic_match.linked.panel import SnpPanel
from forensic_match.linked.relationships import RELATIONSHIPS, Relationship


@cache
def _process_of(rel: Relationship) -> PairProcess:
    return pair_process(rel.pedigree(), "A", "B")


def relationship_lrs(panel: SnpPanel, first: np.ndarray, second: np.ndarray, *,
                     error: tuple[float, float] = (0.0, 0.0),
                     dropout: tuple[float, float] = (0.0, 0.0),
                     relationships: Mapping[str, Relationship] | None = None,
                     fst: float = 0.0) -> pl.DataFrame:
    """log10 LR of each relationship against unrelated, best first.

    Parameters
    ----------
    panel : SnpPanel
    first, second : numpy.ndarray
        Call codes in panel order (:func:`~forensic_match.linked.genotype_codes`), or
        genotype likelihoods (SNPs, 3) (see :func:`~forensic_match.linked.pair_log_likelihood`).
    error, dropout : tuple of float
        Per person.
    relationships : mapping, optional
        ``{name: Relationship}``; default :data:`RELATIONSHIPS` (degrees 1-5).
    fst : float, optional
        Coancestry of founder genes (see :func:`~forensic_match.linked.pair_log_likelihood`).

    Returns
    -------
    polars.DataFrame
        ``relationship``, ``degree``, ``log10_lr``, ``posterior`` (equal prior over the
        relationships and unrelated), sorted by ``log10_lr``; a row ``unrelated`` (log10 LR 0)
        is included.

    Examples
    --------
    >>> from forensic_match.linked import load_force_panel
    >>> from forensic_match.linked.simulate import simulate_pair
    >>> panel = load_force_panel()
    >>> ped = RELATIONSHIPS["half siblings"].pedigree()
    >>> a, b = simulate_pair(ped, "A", "B", panel, np.random.default_rng(4), missing=0.3)
    >>> relationship_lrs(panel, a, b)["degree"][0]
    2
    """
    rels = RELATIONSHIPS if relationships is None else relationships
    base = pair_log_likelihood(_unrelated_process("A", "B"), panel, first, second,
                               error=error, dropout=dropout, fst=fst)
    rows = [("unrelated", 0, 0.0)]
    for name, rel in rels.items():
        ll = pair_log_likelihood(_process_of(rel), panel, first, second, error=error,
                                 dropout=dropout, fst=fst)
        rows.append((name, rel.degree, (ll - base) / math.log(10.0)))
    logs = np.array([r[2] for r in rows])
    with np.errstate(invalid="ignore"):
        post = np.exp((logs - logs.max()) * math.log(10.0))
        post = post / post.sum()
    return pl.DataFrame({"relationship": [r[0] for r in rows],
                         "degree": [r[1] for r in rows], "log10_lr": logs,
                         "posterior": post}).sort("log10_lr", descending=True,
                                                         maintain_order=True)


def ibd_posterior(process: PairProcess, panel: SnpPanel, first: np.ndarray,
                  second: np.ndarray, *, error: tuple[float, float] = (0.0, 0.0),
                  dropout: tuple[float, float] = (0.0, 0.0), fst: float = 0.0,
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Posterior probability of sharing at least one gene by descent, per informative marker.

    Returns the panel indices of the informative markers (both typed, or otherwise carrying
    information) and the posterior at each. ``first``, ``second``: call codes or genotype
    likelihoods, as for :func:`~forensic_match.linked.pair_log_likelihood`.
    """
    from forensic_match.linked._pair_numba import (
        compress,
        posterior_shared,
        prepare_emissions,
    )

    if not math.isfinite(pair_log_likelihood(process, panel, first, second, error=error,
                                              dropout=dropout, fst=fst)):
        raise InputError(f"the calls of {process.first!r} and {process.second!r} are "
                         f"impossible under this relationship (an exclusion with no genotype "
                         f"error): no segments can be decoded")
    if is_likelihoods(first) or is_likelihoods(second):
        emission, theta, _, index = compress(
            pair_emission_rows(process, panel, first, second, error=error, dropout=dropout,
                               fst=fst), np.ascontiguousarray(panel.theta))
    else:
        emission, theta, _, index = prepare_emissions(
            panel.freq_a1, np.asarray(first, dtype=np.int64),
            np.asarray(second, dtype=np.int64), np.array(error, dtype=np.float64),
            np.array(dropout, dtype=np.float64), _PATTERN_ARRAY[process.used],
            np.ascontiguousarray(panel.theta), float(fst))
    if index.size == 0:
        return index, np.zeros(0)
    weight = np.array([float(len(set(PATTERNS[p][:2]) & set(PATTERNS[p][2:])) > 0)
                       for p in process.used])
    post = posterior_shared(process.column, emission, theta, process.bit_sex, process.sym_sex,
                            process.sym_mask, weight)
    return index, post


def shared_segments(process: PairProcess, panel: SnpPanel, first: np.ndarray,
                    second: np.ndarray, *, error: tuple[float, float] = (0.0, 0.0),
                    dropout: tuple[float, float] = (0.0, 0.0), threshold: float = 0.5,
                    fst: float = 0.0) -> pl.DataFrame:
    """Segments where the posterior of sharing a gene by descent is at least ``threshold``.

    Decoded under ``process`` (a relationship's prior on IBD; choose the most likely
    relationship or the one under test). Lengths are in cM on the sex-averaged map (the mean
    of the male and female positions) between the first and last informative marker of the
    run, so a segment seen at one marker has length 0. ``fst``: the founder coancestry of
    the likelihood (see :func:`ibd_posterior`).

    Returns
    -------
    polars.DataFrame
        ``chrom``, ``first_marker``, ``last_marker``, ``start_mb``, ``end_mb``, ``cm``,
        ``markers`` (informative markers in the run), ``mean_posterior``.
    """
    index, post = ibd_posterior(process, panel, first, second, error=error, dropout=dropout,
                                fst=fst)
    cm = 0.5 * (panel.cm_male + panel.cm_female)
    rows: list[tuple[str, str, str, float, float, float, int, float]] = []
    run: list[int] = []

    def close() -> None:
        if run:
            i0, i1 = index[run[0]], index[run[-1]]
            rows.append((str(panel.chrom[i0]), panel.markers[i0].name, panel.markers[i1].name,
                         float(panel.mb[i0]), float(panel.mb[i1]), float(cm[i1] - cm[i0]),
                         len(run), float(np.mean(post[run]))))
            run.clear()

    for k in range(index.size):
        if run and panel.chrom[index[k]] != panel.chrom[index[run[-1]]]:
            close()
        if post[k] >= threshold:
            run.append(k)
        else:
            close()
    close()
    names = ("chrom", "first_marker", "last_marker", "start_mb", "end_mb", "cm", "markers",
             "mean_posterior")
    return pl.DataFrame([list(c) for c in zip(*rows)] if rows else [[] for _ in names],
                        schema=dict(zip(names, (pl.String, pl.String, pl.String, pl.Float64,
                                                pl.Float64, pl.Float64, pl.Int64,
                                                pl.Float64))), orient="col")
