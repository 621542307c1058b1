"""Blind search: every PM sample against every compiled missing person.

The score of a pair is ``log10 LR = Σ_markers log10 LR_k(x_k)``, one table gather per marker
for a complete profile; a sample with dropout, drop-in or a partial genotype uses the exact
sum over the genotypes its observation allows,
``LR = Σ_g post[g] P(x|g) / Σ_g P(g) P(x|g) = Σ_g w_g LR[g]`` with ``w_g ∝ P(g) P(x|g)``.
The output is sparse and ranked (polars tables): each sample's best candidates, each missing
person's best samples, and every pair above a threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.compile import CompiledTables, genotype_index, table_size
from forensic_match.errors import InputError, where
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree

#: Memory allowed for one block of scores (rows x samples x 12 bytes).
BLOCK_BYTES = 64 * 2**20


@dataclass
class EncodedSamples:
    """PM samples as kernel arrays (see ``_search_numba``)."""

    ids: list[str]
    sex: np.ndarray            # 0 unknown, 1 male, 2 female
    pos: np.ndarray            # (samples, markers) int64
    unc_ptr: np.ndarray
    unc_pos: np.ndarray
    unc_w: np.ndarray
    n_typed: np.ndarray


_SEX = {"M": 1, "F": 2}


def _uncertain(marker: Marker, offset: int, g: tuple[str, str | None], dropout: float,
               dropin: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions and normalised weights ``P(g) P(x | g)`` of the genotypes an uncertain
    observation allows."""
    from forensic_match.likelihood._kernels import OBS_PARTIAL, OBS_SET, observation_prob

    p = marker.frequencies
    n = len(marker)
    a = marker.index(g[0])
    if g[1] is None:
        kind, b = OBS_PARTIAL, -1
    else:
        kind, b = OBS_SET, marker.index(g[1])
    i, j = np.tril_indices(n)
    w = np.array([observation_prob(x, y, kind, a, b, dropout, dropin, p)
                  for x, y in zip(i.tolist(), j.tolist())])
    w *= np.where(i == j, p[i] * p[i], 2.0 * p[i] * p[j])
    keep = w > 0
    gi = genotype_index(i[keep], j[keep]) + offset
    return gi.astype(np.int64), w[keep] / w[keep].sum()


def encode_samples(samples: Sequence[PMSample], markers: Sequence[Marker],
                   offsets: np.ndarray, *, dropin: float = 0.0) -> EncodedSamples:
    """Encode PM samples for the search kernel.

    Raises
    ------
    InputError
        A sample with no typed marker of the panel, or duplicate sample ids.
    """
    n_s, n_m = len(samples), len(markers)
    pos = np.full((n_s, n_m), -1, dtype=np.int64)
    ptr, upos, uw = [0], [], []
    seen_ids: set[str] = set()
    n_typed = np.zeros(n_s, dtype=np.int64)
    for s, sample in enumerate(samples):
        if sample.id in seen_ids:
            raise InputError(f"{where(sample=sample.id)}: duplicate PM sample id")
        seen_ids.add(sample.id)
        for k, marker in enumerate(markers):
            g = sample.genotypes.get(marker.name)
            if g is None or g[0] is None:
                continue
            n_typed[s] += 1
            exact = g[1] is not None and (sample.dropout == 0.0 and dropin == 0.0
                                          or g[0] != g[1] and dropin == 0.0)
            if exact:
                pos[s, k] = offsets[k] + genotype_index(marker.index(g[0]),
                                                        marker.index(g[1]))  # type: ignore[arg-type]
            else:
                gi, w = _uncertain(marker, int(offsets[k]), g, sample.dropout, dropin)
                pos[s, k] = -(len(ptr) - 1) - 2
                upos.append(gi)
                uw.append(w)
                ptr.append(ptr[-1] + gi.size)
        if n_typed[s] == 0:
            raise InputError(f"{where(sample=sample.id)}: PM sample has no typed marker of the "
                             f"panel ({', '.join(m.name for m in markers[:5])}, ...)")
    return EncodedSamples(
        [x.id for x in samples], np.array([_SEX.get(x.sex, 0) for x in samples]), pos,
        np.array(ptr, dtype=np.int64),
        np.concatenate(upos) if upos else np.empty(0, dtype=np.int64),
        np.concatenate(uw) if uw else np.empty(0), n_typed)


@dataclass
class SearchResult:
    """Ranked, sparse output of :func:`search_samples` (polars DataFrames).

    Attributes
    ----------
    by_sample : DataFrame
        For each PM sample its best candidates: pm, rank, family, missing, log10_lr, lr,
        n_markers, n_inconsistent, exact.
    by_missing : DataFrame
        For each missing person its best samples (same columns).
    pairs : DataFrame
        Every pair with log10 LR at or above the threshold.
    """

    by_sample: Any
    by_missing: Any
    pairs: Any
    parameters: dict[str, Any] = field(default_factory=dict)


def search_samples(compiled: CompiledTables, samples: Sequence[PMSample], *, top: int = 5,
                   threshold: float = 4.0, sex_filter: bool = True, min_markers: int = 1,
                   dropin: float = 0.0, progress: bool = False) -> SearchResult:
    """Score every PM sample against every compiled missing person.

    Parameters
    ----------
    compiled : CompiledTables
        From :func:`forensic_match.dvi.compile.compile_families`.
    samples : sequence of PMSample
        Alleles must be in the compiled markers' allele lists.
    top : int
        Candidates kept per sample and per missing person.
    threshold : float
        log10 LR from which a pair is listed in ``pairs`` (default 4: LR 10,000).
    sex_filter : bool
        Drop pairs whose recorded sexes (both known) differ.
    min_markers : int
        Pairs compared on fewer markers are dropped.
    dropin : float
        Drop-in probability applied to degraded samples.
    progress : bool
        Show a progress bar.
    """
    import polars as pl

    from forensic_match.dvi._search_numba import score_block

    enc = encode_samples(samples, compiled.markers, compiled.offsets, dropin=dropin)
    n_rows, n_s = len(compiled.rows), len(samples)
    row_sex = np.array([_SEX.get(s, 0) for s in compiled.sex] if compiled.sex
                       else [0] * n_rows)
    block = max(1, min(n_rows, BLOCK_BYTES // max(1, 12 * n_s)))
    k_s, k_m = min(top, n_rows), min(top, n_s)
    best_s = np.full((k_s, n_s), -np.inf)
    best_r = np.full((k_s, n_s), -1, dtype=np.int64)
    best_u = np.zeros((k_s, n_s), dtype=np.int64)
    best_i = np.zeros((k_s, n_s), dtype=np.int64)
    by_missing: list[tuple[int, int, float, int, int]] = []
    pairs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    starts = range(0, n_rows, block)
    if progress:
        from forensic_match.progress import progress_bar

        starts = progress_bar(starts, desc="search", unit="block")
    for start in starts:
        rows = np.arange(start, min(n_rows, start + block), dtype=np.int64)
        score = np.empty((rows.size, n_s))
        used = np.empty((rows.size, n_s), dtype=np.int64)
        bad = np.empty((rows.size, n_s), dtype=np.int64)
        score_block(compiled.log10_lr, compiled.consistent, rows, enc.pos, enc.unc_ptr,
                    enc.unc_pos, enc.unc_w, score, used, bad)
        mask = used < min_markers
        if sex_filter:
            rs = row_sex[rows][:, None]
            mask |= (rs > 0) & (enc.sex[None, :] > 0) & (rs != enc.sex[None, :])
        score[mask] = -np.inf
        # Best rows for each sample: merge this block's best with the running best.
        cand_s = np.concatenate([best_s, score])
        cand_r = np.concatenate([best_r, np.broadcast_to(rows[:, None], score.shape)])
        cand_u = np.concatenate([best_u, used])
        cand_i = np.concatenate([best_i, bad])
        keep = np.argpartition(-cand_s, k_s - 1, axis=0)[:k_s]
        best_s = np.take_along_axis(cand_s, keep, 0)
        best_r = np.take_along_axis(cand_r, keep, 0)
        best_u = np.take_along_axis(cand_u, keep, 0)
        best_i = np.take_along_axis(cand_i, keep, 0)
        # Best samples for each row.
        top_cols = np.argpartition(-score, k_m - 1, axis=1)[:, :k_m]
        for b, r in enumerate(rows):
            for s in top_cols[b]:
                if np.isfinite(score[b, s]):
                    by_missing.append((int(r), int(s), float(score[b, s]), int(used[b, s]),
                                       int(bad[b, s])))
        hit_b, hit_s = np.nonzero(score >= threshold)
        if hit_b.size:
            pairs.append((rows[hit_b], hit_s, score[hit_b, hit_s], used[hit_b, hit_s],
                          bad[hit_b, hit_s]))

    fam = [r[0] for r in compiled.rows]
    mis = [r[1] for r in compiled.rows]

    def frame(r: np.ndarray, s: np.ndarray, sc: np.ndarray, u: np.ndarray,
              b: np.ndarray) -> Any:
        return pl.DataFrame({
            "pm": [enc.ids[i] for i in s], "family": [fam[i] for i in r],
            "missing": [mis[i] for i in r], "log10_lr": sc,
            "lr": np.power(10.0, np.minimum(sc, 308.0)),
            "n_markers": u, "n_inconsistent": b,
            "exact": np.zeros(len(sc), dtype=bool)},
            schema_overrides={"log10_lr": pl.Float64, "lr": pl.Float64,
                              "n_markers": pl.Int64, "n_inconsistent": pl.Int64})

    valid = np.isfinite(best_s) & (best_r >= 0)
    order_rank = np.argsort(-np.where(valid, best_s, -np.inf), axis=0, kind="stable")
    rs, ss = [], []
    for rank in range(k_s):
        idx = order_rank[rank]
        ok = valid[idx, np.arange(n_s)]
        rs.append((np.flatnonzero(ok), idx[ok], rank + 1))
    cols: dict[str, list[Any]] = {"s": [], "slot": [], "rank": []}
    for sample_idx, slot, rank in rs:
        cols["s"].extend(sample_idx.tolist())
        cols["slot"].extend(slot.tolist())
        cols["rank"].extend([rank] * sample_idx.size)
    s_arr = np.array(cols["s"], dtype=np.int64)
    slot_arr = np.array(cols["slot"], dtype=np.int64)
    by_s = frame(best_r[slot_arr, s_arr], s_arr, best_s[slot_arr, s_arr],
                 best_u[slot_arr, s_arr], best_i[slot_arr, s_arr])
    by_s = by_s.with_columns(pl.Series("rank", cols["rank"], dtype=pl.Int64)) \
        .sort(["pm", "rank"])
    if by_missing:
        bm = np.array(by_missing, dtype=object)
        by_m = frame(bm[:, 0].astype(np.int64), bm[:, 1].astype(np.int64),
                     bm[:, 2].astype(np.float64), bm[:, 3].astype(np.int64),
                     bm[:, 4].astype(np.int64))
    else:
        by_m = frame(*(np.empty(0, dtype=t) for t in (np.int64, np.int64, np.float64,
                                                       np.int64, np.int64)))
    by_m = by_m.sort(["family", "missing", "log10_lr"], descending=[False, False, True]) \
        .with_columns(pl.col("log10_lr").rank("ordinal", descending=True)
                      .over(["family", "missing"]).cast(pl.Int64).alias("rank"))
    if pairs:
        cat = [np.concatenate(x) for x in zip(*pairs)]
        pr = frame(*cat).sort("log10_lr", descending=True)
    else:
        pr = frame(*(np.empty(0, dtype=t) for t in (np.int64, np.int64, np.float64,
                                                     np.int64, np.int64)))
    return SearchResult(by_s, by_m, pr, {"top": top, "threshold": threshold,
                                         "sex_filter": sex_filter, "min_markers": min_markers,
                                         "dropin": dropin})


def exact_pair_log10_lr(family: Family, missing: str, sample: PMSample,
                        markers: Sequence[Marker], *, theta: float = 0.0,
                        dropin: float = 0.0) -> np.ndarray:
    """Exact per-marker log10 LR of one PM sample being ``missing`` of ``family``.

    H1: the family pedigree with the sample's profile on the missing person. H2: the same
    pedigree with the missing person untyped, and the sample as an unrelated founder; with
    theta > 0 both share one urn of founder alleles (so the LR is exact under theta).
    """
    from forensic_match.likelihood import pedigree_likelihood
    from forensic_match.profiles import Observation

    obs = Observation(dropout=sample.dropout, dropin=dropin)
    node = f"{sample.id}\u0000pm"
    h1 = family.pedigree
    h2 = Pedigree.from_records(family.pedigree.records() + [(node, None, None, "U")])
    p1 = {**family.genotypes, missing: sample.genotypes}
    p2 = {**family.genotypes, node: sample.genotypes}
    l1 = pedigree_likelihood(h1, markers, p1, theta=theta, observation={missing: obs})
    l2 = pedigree_likelihood(h2, markers, p2, theta=theta, observation={node: obs})
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(l1) - np.log10(l2)


__all__ = ["EncodedSamples", "SearchResult", "encode_samples", "exact_pair_log10_lr",
           "search_samples", "table_size"]
