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
from forensic_match.dvi.compile import CompiledTables, table_size
from forensic_match.dvi.fragments import Body
from forensic_match.dvi.picked_tables import PickedTables
from forensic_match.errors import InputError, where
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree

#: Memory allowed for one block's listed pairs when every pair is listed (``threshold=-inf``,
#: 32 bytes a pair).
BLOCK_BYTES = 64 * 2**20
#: Memory allowed for one block's evidence (8 bytes a pair), written by the evidence and then
#: read by the kernel: blocks of 21 MiB searched Peru scale with the place prior in 5.3-5.5
#: CPU-s on one thread, of 64 MiB in 5.4-8.1, of 8 MiB in 5.5-6.1 (``docs/benchmarks.md``).
EVIDENCE_BLOCK_BYTES = 24 * 2**20
#: Rows of one block otherwise: each block ends a parallel section, few are cheaper.
BLOCK_ROWS = 4096


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
    drop_idx: np.ndarray       # (samples, markers, 2): position of aa, index of allele a
    drop_w: np.ndarray         # (samples, markers, 2): c1, c2 of a single allele + dropout
    allele_off: np.ndarray     # start of each marker's alleles in a global allele index
    hw: np.ndarray             # Hardy-Weinberg P(g) at every row position

    def take(self, idx: Sequence[int]) -> EncodedSamples:
        """The samples at positions ``idx``, in that order (the uncertain markers' lists are
        shared: each sample's entries keep their numbers)."""
        i = np.asarray(idx, dtype=np.int64)
        return EncodedSamples([self.ids[j] for j in i.tolist()], self.sex[i], self.pos[i],
                              self.unc_ptr, self.unc_pos, self.unc_w, self.n_typed[i],
                              self.drop_idx[i], self.drop_w[i] if self.drop_w.size
                              else self.drop_w, self.allele_off, self.hw)


_SEX = {"M": 1, "F": 2}


def _combine(parts: list[tuple[np.ndarray, np.ndarray]], hw: np.ndarray,
             ) -> tuple[np.ndarray, np.ndarray]:
    """Weights ``P(g) Π_i P(x_i | g)`` of a body from its fragments' ``P(g) P(x_i | g)``."""
    pos, w = parts[0]
    for p2, w2 in parts[1:]:
        common, i1, i2 = np.intersect1d(pos, p2, assume_unique=True, return_indices=True)
        pos, w = common, w[i1] * w2[i2] / hw[common]
    return pos, w


def encode_samples(samples: Sequence[PMSample | Body], markers: Sequence[Marker],
                   offsets: np.ndarray, *, dropin: float = 0.0) -> EncodedSamples:
    """Encode PM samples (or bodies of several fragments) for the search kernel.

    A complete profile without dropout is one position per marker (the gather path); any
    other observation, and a body of several fragments, becomes the normalised weights
    ``w_g ∝ P(g) Π_i P(x_i | g)`` of the genotypes it allows (the exact sum path).

    Raises
    ------
    InputError
        A sample with no typed marker of the panel, or duplicate sample ids.
    """
    from forensic_match.dvi.compile import hardy_weinberg

    n_s, n_m = len(samples), len(markers)
    seen_ids: set[str] = set()
    for item in samples:
        if item.id in seen_ids:
            raise InputError(f"{where(sample=item.id)}: duplicate PM sample id")
        seen_ids.add(item.id)
    pos = np.full((n_s, n_m), -1, dtype=np.int64)
    drop_idx = np.zeros((n_s, n_m, 2), dtype=np.int64)
    drop_w = np.zeros((n_s, n_m, 2))
    hw = np.concatenate([hardy_weinberg(m.frequencies) for m in markers])
    allele_off = np.concatenate([[0], np.cumsum([len(m) for m in markers])]).astype(np.int64)
    single = [_single(x) for x in samples] if dropin == 0.0 and VECTOR_ENCODING \
        else [None] * n_s
    plain = [s for s, x in enumerate(single) if x is not None]
    rest = _encode_plain([single[s] for s in plain], np.array(plain, dtype=np.int64), markers,
                         offsets, allele_off, pos, drop_idx, drop_w)
    is_plain = np.zeros(n_s, dtype=bool)
    is_plain[plain] = True
    rest += [(s, k) for s in np.flatnonzero(~is_plain).tolist() for k in range(n_m)]
    rest.sort()
    ptr, upos, uw = [0], [], []
    for s, k in rest:
        item = samples[s]
        fragments = item.scored if isinstance(item, Body) else [item]
        _encode_marker(s, k, fragments, markers[k], offsets, allele_off, hw, dropin, pos,
                       drop_idx, drop_w, ptr, upos, uw)
    n_typed = (pos != -1).sum(axis=1).astype(np.int64)
    for s in np.flatnonzero(n_typed == 0)[:1].tolist():
        raise InputError(f"{where(sample=samples[s].id)}: PM sample has no typed marker of the "
                         f"panel ({', '.join(m.name for m in markers[:5])}, ...)")
    return EncodedSamples(
        [x.id for x in samples], np.array([_SEX.get(x.sex, 0) for x in samples]), pos,
        np.array(ptr, dtype=np.int64),
        np.concatenate(upos) if upos else np.empty(0, dtype=np.int64),
        np.concatenate(uw) if uw else np.empty(0), n_typed, drop_idx,
        drop_w if (pos == -2).any() else np.zeros((0, 0, 2)), allele_off, hw)


#: Encode single samples and one-fragment bodies marker by marker (:func:`_encode_plain`);
#: ``False`` sends every sample through the per-marker path (the reference the vectorised
#: one is tested against).
VECTOR_ENCODING = True


def _single(item: PMSample | Body) -> PMSample | None:
    """The one sample of ``item`` (a sample, or a body of one scored fragment), else
    ``None``."""
    if not isinstance(item, Body):
        return item
    return item.scored[0] if len(item.scored) == 1 else None


def _encode_plain(samples: Sequence[PMSample], where_s: np.ndarray, markers: Sequence[Marker],
                  offsets: np.ndarray, allele_off: np.ndarray, pos: np.ndarray,
                  drop_idx: np.ndarray, drop_w: np.ndarray) -> list[tuple[int, int]]:
    """Fill, marker by marker, the complete genotypes and the single alleles seen with
    dropout of single-fragment samples without drop-in (rows ``where_s`` of the outputs);
    return the (sample, marker) pairs left to :func:`_encode_marker` (partial genotypes)."""
    n = len(samples)
    rest: list[tuple[int, int]] = []
    if n == 0:
        return rest
    dropout = np.array([x.dropout for x in samples], dtype=np.float64)
    genotypes = [x.genotypes for x in samples]
    for k, marker in enumerate(markers):
        lookup = {allele: i for i, allele in enumerate(marker.alleles)}
        name = marker.name
        gs = [g.get(name) for g in genotypes]
        typed = np.array([i for i, g in enumerate(gs) if g is not None and g[0] is not None],
                         dtype=np.int64)
        first = [gs[i][0] for i in typed]  # type: ignore[index]
        second = [gs[i][1] for i in typed]  # type: ignore[index]
        ia = np.array([lookup.get(x, -1) for x in first], dtype=np.int64)
        ib = np.array([-2 if x is None else lookup.get(x, -1) for x in second], dtype=np.int64)
        for i in np.flatnonzero(ia == -1)[:1].tolist() + np.flatnonzero(ib == -1)[:1].tolist():
            marker.index(first[i] if ia[i] == -1 else second[i])  # the marker's error
        rest += [(int(where_s[i]), k) for i in typed[ib == -2]]
        a = np.full(n, -1, dtype=np.int64)
        b = np.full(n, -1, dtype=np.int64)
        a[typed] = ia
        b[typed] = np.where(ib == -2, -1, ib)
        full = (b >= 0) & ((dropout == 0.0) | (a != b))
        lo, hi = np.minimum(a, b)[full], np.maximum(a, b)[full]
        pos[where_s[full], k] = offsets[k] + hi * (hi + 1) // 2 + lo
        single = (b >= 0) & (dropout > 0.0) & (a == b)
        if single.any():
            al, d = a[single], dropout[single]
            p = marker.frequencies
            pa = p[al]
            hom = (1.0 - d * d) * pa * pa
            denom = hom + d * (1.0 - d) * 2.0 * pa * (float(p.sum()) - pa)
            rows = where_s[single]
            pos[rows, k] = -2
            drop_idx[rows, k, 0] = offsets[k] + al * (al + 1) // 2 + al
            drop_idx[rows, k, 1] = allele_off[k] + al
            drop_w[rows, k, 0] = hom / denom
            drop_w[rows, k, 1] = d * (1.0 - d) / denom
    return rest


def _encode_marker(s: int, k: int, fragments: list[PMSample], marker: Marker,
                   offsets: np.ndarray, allele_off: np.ndarray, hw: np.ndarray, dropin: float,
                   pos: np.ndarray, drop_idx: np.ndarray, drop_w: np.ndarray, ptr: list[int],
                   upos: list[np.ndarray], uw: list[np.ndarray]) -> None:
    """Encode marker ``k`` of sample (or body) ``s``, one fragment at a time: the general
    path, for bodies, drop-in and partial genotypes."""
    from forensic_match.dvi.fragments import observation_weights

    typed = [f for f in fragments if (f.genotypes.get(marker.name) or (None,))[0]
             is not None]
    if not typed:
        return
    if len(typed) == 1:
        f = typed[0]
        g = f.genotypes[marker.name]
        if g[1] is not None and dropin == 0.0 and (f.dropout == 0.0 or g[0] != g[1]):
            a, b = marker.index(g[0]), marker.index(g[1])
            lo, hi = (a, b) if a <= b else (b, a)
            pos[s, k] = offsets[k] + hi * (hi + 1) // 2 + lo
            return
    single = _single_allele(typed, marker, dropin)
    if single is not None:
        a, d = single
        p = marker.frequencies
        hom = (1.0 - d * d) * p[a] * p[a]
        denom = hom + d * (1.0 - d) * 2.0 * p[a] * (float(p.sum()) - p[a])
        pos[s, k] = -2
        drop_idx[s, k] = (offsets[k] + a * (a + 1) // 2 + a, allele_off[k] + a)
        drop_w[s, k] = (hom / denom, d * (1.0 - d) / denom)
        return
    parts = [observation_weights(f, [marker], offsets[k:k + 1], dropin=dropin)[0]
             for f in typed]
    gi, w = _combine(parts, hw)  # type: ignore[arg-type]
    if gi.size == 1 and len(parts) == 1:
        pos[s, k] = gi[0]
    elif w.sum() <= 0:
        pos[s, k] = -(len(ptr) - 1) - 3  # fragments disagree: an empty list, LR 0
        ptr.append(ptr[-1])
    else:
        pos[s, k] = -(len(ptr) - 1) - 3
        upos.append(gi.astype(np.int64))
        uw.append(w / w.sum())
        ptr.append(ptr[-1] + gi.size)


def _single_allele(fragments: list[PMSample], marker: Marker, dropin: float,
                   ) -> tuple[int, float] | None:
    """(allele index, dropout) when one fragment alone shows a single allele with dropout and
    no drop-in: the case the kernel sums in constant time."""
    typed = [f for f in fragments if marker.name in f.genotypes]
    if len(typed) != 1 or dropin != 0.0:
        return None
    f = typed[0]
    g = f.genotypes[marker.name]
    if f.dropout > 0.0 and g[1] is not None and g[0] == g[1]:
        return marker.index(g[0]), f.dropout
    return None


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
    samples : DataFrame
        Per PM sample: ``lr_sum``, the sum of its LRs over every compiled missing person
        (after the sex filter), for posterior probabilities; ``n_typed`` markers.

    With ``evidence`` (:func:`search_samples`) ``log10_lr`` and ``lr`` are DNA and evidence
    combined, and the three tables also hold ``dna_log10_lr`` and ``evidence_log10_lr``.
    """

    by_sample: Any
    by_missing: Any
    pairs: Any
    samples: Any
    parameters: dict[str, Any] = field(default_factory=dict)


def search_samples(compiled: CompiledTables, samples: Sequence[PMSample | Body], *,
                   top: int = 5,
                   threshold: float = 4.0, sex_filter: bool = True, min_markers: int = 1,
                   dropin: float = 0.0, active: np.ndarray | None = None,
                   evidence: Any = None, progress: bool = False) -> SearchResult:
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
    active : array of int, optional
        Compiled rows to search (default all), e.g. the missing persons not yet identified.
    evidence : object, optional
        Non-DNA evidence of the pairs: an object whose ``block(rows)`` gives the log10
        evidence LR of compiled rows ``rows`` (array of int) against every sample, shape
        ``(len(rows), len(samples))``, samples in the order of ``samples``; e.g.
        :class:`~forensic_match.evidence.scoring.EvidenceScores` built on
        ``compiled.rows`` and the samples' findings. Each pair's score is then
        ``log10 LR_DNA + log10 LR_evidence`` (DNA and non-DNA evidence independent given
        who the body is) for ranking, listing, the threshold and ``lr_sum``; an excluded
        pair (sex filter, ``min_markers``) stays excluded. The tables gain
        ``dna_log10_lr`` and ``evidence_log10_lr`` (``dna_log10_lr`` is NaN for a pair the
        evidence makes impossible, listed only with ``threshold=-inf``).
    progress : bool
        Show a progress bar.

    Examples
    --------
    >>> res = search_samples(compiled, samples, evidence=scores)  # doctest: +SKIP
    >>> res.pairs.select("pm", "log10_lr", "dna_log10_lr", "evidence_log10_lr")  # doctest: +SKIP
    """
    enc = encode_samples(samples, compiled.markers, compiled.offsets, dropin=dropin)
    return _search_encoded(compiled, enc, top=top, threshold=threshold, sex_filter=sex_filter,
                           min_markers=min_markers, dropin=dropin, active=active,
                           evidence=evidence, progress=progress)


def _search_encoded(compiled: CompiledTables, enc: EncodedSamples, *, top: int,
                    threshold: float, sex_filter: bool, min_markers: int, dropin: float,
                    active: np.ndarray | None, evidence: Any, progress: bool) -> SearchResult:
    """:func:`search_samples` of samples already encoded for ``compiled``'s panel (with
    ``dropin``)."""
    import polars as pl

    from forensic_match.dvi._search_numba import compact, pair_counts

    n_e, e_pos, n_d, d_aa, d_a, d_c, n_g, g_e = compact(
        enc.pos, enc.drop_idx, enc.drop_w if enc.drop_w.size else np.zeros(enc.pos.shape + (2,)))
    n_rows, n_s = len(compiled.rows), len(enc.ids)
    active_rows = np.arange(n_rows, dtype=np.int64) if active is None \
        else np.asarray(active, dtype=np.int64)
    k_s, k_m = max(1, min(top, n_rows)), max(1, min(top, n_s))
    folded = _fold_search(compiled, enc, (n_e, e_pos, n_d, d_a, d_c, n_g, g_e), active_rows,
                          k_s=k_s, k_m=k_m, threshold=threshold, sex_filter=sex_filter,
                          min_markers=min_markers, evidence=evidence, progress=progress)
    best, best_row, best_ev, lr_sum, m_rows, m_samples, m_scores, m_ev, pair_parts = folded

    def frame(r: np.ndarray, s: np.ndarray, sc: np.ndarray, ev: np.ndarray) -> Any:
        r = r.astype(np.int64)
        if isinstance(compiled, PickedTables):  # only the listed rows are read
            listed, at = np.unique(r, return_inverse=True)
            consistent = compiled.read("consistent", listed)
        else:
            consistent, at = compiled.consistent, r
        used, bad = pair_counts(consistent, at.astype(np.int64), s.astype(np.int64),
                                n_e, e_pos, n_d, d_aa, d_a, n_g, g_e, enc.unc_ptr,
                                enc.unc_pos, compiled.offsets, enc.allele_off)
        out = _frame(compiled, enc, r, s, sc, used, bad)
        if evidence is None:
            return out
        # ev: the pair's evidence as the kernel added it. A pair the evidence makes
        # impossible (-inf) has lost its DNA score: NaN.
        with np.errstate(invalid="ignore"):
            dna = sc.astype(np.float64) - ev
        return out.with_columns(pl.Series("dna_log10_lr", dna),
                                pl.Series("evidence_log10_lr", ev))

    # (rank, sample): the order the tables are built in
    best, best_row, best_ev = best.T, best_row.T, best_ev.T
    valid = np.isfinite(best)
    ranks = np.broadcast_to(np.arange(1, k_s + 1)[:, None], best.shape)
    by_s = frame(best_row[valid], np.broadcast_to(np.arange(n_s), best.shape)[valid],
                 best[valid], best_ev[valid]).with_columns(
        pl.Series("rank", ranks[valid], dtype=pl.Int64))
    by_s = by_s.sort(["pm", "rank"])
    empty_i = np.empty(0, dtype=np.int64)
    if m_rows:
        by_m = frame(*(np.concatenate(x) for x in (m_rows, m_samples, m_scores, m_ev)))
    else:
        by_m = frame(empty_i, empty_i, np.empty(0), np.empty(0))
    by_m = by_m.sort(["family", "missing", "log10_lr"], descending=[False, False, True],
                      maintain_order=True) \
        .with_columns(pl.col("log10_lr").rank("ordinal", descending=True)
                      .over(["family", "missing"]).cast(pl.Int64).alias("rank"))
    if pair_parts:
        cat = [np.concatenate(x) for x in zip(*pair_parts)]
        pr = frame(*cat).sort("log10_lr", descending=True, maintain_order=True)
    else:
        pr = frame(empty_i, empty_i, np.empty(0), np.empty(0))
    sums = pl.DataFrame({"pm": enc.ids, "lr_sum": lr_sum, "n_typed": enc.n_typed})
    parameters = {"top": top, "threshold": threshold, "sex_filter": sex_filter,
                  "min_markers": min_markers, "dropin": dropin, "rows": int(active_rows.size)}
    if evidence is not None:
        parameters["evidence"] = type(evidence).__name__
    return SearchResult(by_s, by_m, pr, sums, parameters)


#: Fewest samples a parallel task of the search kernel takes (fewer samples run as fewer
#: tasks): 100 samples against 22,295 rows took 0.32 CPU-s as one task against 0.49 as
#: four, in the same wall time (``docs/benchmarks.md``, 2026-12-06).
MIN_TASK_SAMPLES = 64

#: Room for listed pairs per parallel task and block (at least; or 1/256 of the task's pairs)
#: before a block is run again with more.
PAIR_BUFFER = 4096


def _fold_search(compiled: CompiledTables, enc: EncodedSamples, dense: tuple[np.ndarray, ...],
                 active_rows: np.ndarray, *, k_s: int, k_m: int, threshold: float,
                 sex_filter: bool, min_markers: int, evidence: Any, progress: bool,
                 ) -> tuple[Any, ...]:
    """Run :func:`~forensic_match.dvi._search_numba.search_block` over the active rows, block
    by block: each sample's best rows and LR sum, each row's best samples, the pairs at or
    above ``threshold``, each listed pair with the evidence the kernel added to it."""
    import numba

    from forensic_match.dvi._search_numba import merge_row_tops, search_block

    n_e, e_pos, n_d, d_a, d_c, n_g, g_e = dense
    n_rows, n_s = len(compiled.rows), len(enc.ids)
    read = _BlockRows(compiled, enc.allele_off[-1], n_d.max(initial=0) > 0)
    row_sex = np.array([_SEX.get(s, 0) for s in compiled.sex] if compiled.sex and sex_filter
                       else [0] * n_rows, dtype=np.int64)
    # Samples of one kind (as many gathers, dropout and general markers) side by side keep the
    # kernel's loop lengths predictable; the tasks take every n-th sample so that each gets
    # a like share of the costly kinds.
    # At least MIN_TASK_SAMPLES samples a task: a few samples against many rows would
    # otherwise read every row once per task, and the reads, not the pairs, cost there.
    n_chunks = max(1, min(2 * numba.get_num_threads(), n_s // MIN_TASK_SAMPLES))
    by_kind = np.lexsort((n_e, n_d, n_g)).astype(np.int64)
    order = np.concatenate([by_kind[c::n_chunks] for c in range(n_chunks)])
    chunk_ptr = np.concatenate([[0], np.cumsum([by_kind[c::n_chunks].size
                                                for c in range(n_chunks)])]).astype(np.int64)
    # The kernel reads the samples in that order: lay their arrays out so.
    n_e, e_pos, n_d, d_a, d_c, n_g, g_e, sample_sex = (
        np.ascontiguousarray(x[order]) for x in (n_e, e_pos, n_d, d_a, d_c, n_g, g_e, enc.sex))
    block = max(1, min(max(n_rows, 1), BLOCK_ROWS))
    if evidence is not None:
        block = max(1, min(block, EVIDENCE_BLOCK_BYTES // max(1, 8 * n_s)))
    if threshold == -np.inf:
        block = max(1, min(block, BLOCK_BYTES // max(1, 32 * n_s)))
    best = np.full((n_s, k_s), -np.inf)
    best_row = np.full((n_s, k_s), -1, dtype=np.int64)
    best_ev = np.zeros((n_s, k_s))
    lr_sum = np.zeros(n_s)
    m_rows, m_samples, m_scores, m_ev = [], [], [], []
    pair_parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    starts: Any = range(0, active_rows.size, block)
    if progress:
        from forensic_match.progress import progress_bar

        starts = progress_bar(starts, desc="search", unit="block")
    chunk_max = int(np.diff(chunk_ptr).max())
    cap = block * chunk_max if threshold == -np.inf else \
        min(max(PAIR_BUFFER, block * chunk_max // 256), block * chunk_max)
    row_top = np.empty((n_chunks, block, k_m))
    row_top_idx = np.empty((n_chunks, block, k_m), dtype=np.int64)
    row_top_ev = np.empty((n_chunks, block, k_m))
    top, top_idx = np.empty((block, k_m)), np.empty((block, k_m), dtype=np.int64)
    top_ev = np.empty((block, k_m))
    no_ev = np.zeros((1, 1))
    for start in starts:
        rows = active_rows[start:start + block]
        nb = rows.size
        ev = no_ev if evidence is None else _evidence_block(evidence, rows, n_s)
        table, sums, den_table, den_sums, at = read(rows)
        block_sex = row_sex[rows] if read.picked else row_sex  # read at ``at``, as the table
        while True:
            pair_b = np.empty((n_chunks, cap), dtype=np.int64)
            pair_s = np.empty((n_chunks, cap), dtype=np.int64)
            pair_v = np.empty((n_chunks, cap))
            pair_e = np.empty((n_chunks, cap))
            n_pairs = np.zeros(n_chunks, dtype=np.int64)
            kept = (best.copy(), best_row.copy(), best_ev.copy(), lr_sum.copy())
            search_block(table, sums, compiled.theta > 0, den_table, den_sums, at, rows,
                         block_sex, sample_sex, order, chunk_ptr, n_e, e_pos, n_d, d_a, d_c,
                         n_g, g_e, enc.unc_ptr, enc.unc_pos, enc.unc_w, min_markers,
                         evidence is not None, ev, threshold, best, best_row, best_ev, lr_sum,
                         row_top[:, :nb], row_top_idx[:, :nb], row_top_ev[:, :nb], pair_b,
                         pair_s, pair_v, pair_e, n_pairs)
            if n_pairs.max() <= cap:
                break
            cap = int(n_pairs.max())  # rare: more pairs than room; run the block again
            best, best_row, best_ev, lr_sum = kept
        merge_row_tops(row_top[:, :nb], row_top_idx[:, :nb], row_top_ev[:, :nb], top[:nb],
                       top_idx[:nb], top_ev[:nb])
        ok = np.isfinite(top[:nb])
        bi, ri = np.nonzero(ok)
        m_rows.append(rows[bi])
        m_samples.append(top_idx[:nb][bi, ri])
        m_scores.append(top[:nb][bi, ri])
        m_ev.append(top_ev[:nb][bi, ri])
        if n_pairs.sum():
            hb, hs, hv, he = (np.concatenate([x[c, :n_pairs[c]] for c in range(n_chunks)])
                              for x in (pair_b, pair_s, pair_v, pair_e))
            o = np.lexsort((hs, hb))  # block row, then sample: the order of a row-major scan
            pair_parts.append((rows[hb[o]], hs[o], hv[o], he[o]))
    back = np.empty_like(order)
    back[order] = np.arange(n_s)
    return (best[back], best_row[back], best_ev[back], lr_sum[back], m_rows, m_samples,
            m_scores, m_ev, pair_parts)


class _BlockRows:
    """The arrays the search kernel reads for a block of rows, and where in them each row
    is: the whole arrays of a :class:`CompiledTables` (rows read where they are), or for
    :class:`~forensic_match.dvi.picked_tables.PickedTables` the block's rows copied into
    buffers reused from block to block (``picked``)."""

    def __init__(self, compiled: Any, n_alleles: int, has_dropout: bool) -> None:
        self.compiled = compiled
        self.picked = isinstance(compiled, PickedTables)
        shape = compiled.shape if self.picked else (lambda name: getattr(compiled, name).shape)
        n_rows = len(compiled.rows)
        self.sums_read = tuple(shape("allele_sums")[:2]) == (n_rows, n_alleles)
        if not self.sums_read and has_dropout:
            raise InputError("compiled tables lack the per-allele sums (compiled by an older "
                             "version?): compile them again")
        self.theta = compiled.theta > 0
        if self.theta and shape("denominator") != shape("log10_lr"):
            raise InputError("tables compiled with theta lack their denominator: compile "
                             "them again")
        self._buffers: dict[str, np.ndarray] = {}
        if not self.picked:
            sums = compiled.allele_sums if self.sums_read else np.zeros((n_rows, 1, 2))
            den = (compiled.denominator, compiled.denominator_sums) if self.theta else \
                (np.zeros((1, 1)), np.zeros((1, 1, 2)))
            self._whole = (compiled.log10_lr, sums, *den)

    def _read(self, name: str, rows: np.ndarray) -> np.ndarray:
        out = self._buffers.get(name)
        if out is None or out.shape[0] < rows.size:  # the first (largest) block's array
            out = self._buffers[name] = self.compiled.read(name, rows)
            return out
        return self.compiled.read(name, rows, out)

    def __call__(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """(table, sums, denominator, denominator sums, the rows' places in them)."""
        if not self.picked:
            return (*self._whole, rows)
        sums = self._read("allele_sums", rows) if self.sums_read else \
            np.zeros((rows.size, 1, 2))  # never read: no dropout entries
        den = (self._read("denominator", rows), self._read("denominator_sums", rows)) \
            if self.theta else (np.zeros((1, 1)), np.zeros((1, 1, 2)))
        return (self._read("log10_lr", rows), sums, *den,
                np.arange(rows.size, dtype=np.int64))


def _evidence_block(evidence: Any, rows: np.ndarray, n_s: int) -> np.ndarray:
    """The evidence's log10 LRs of ``rows`` against every sample, checked."""
    ev = np.ascontiguousarray(evidence.block(rows), dtype=np.float64)
    if ev.shape != (rows.size, n_s):
        raise InputError(f"evidence block of shape {ev.shape} for {rows.size} rows and {n_s} "
                         f"samples: build the evidence on the compiled rows and the samples "
                         f"searched, in their order")
    return ev


def _frame(compiled: CompiledTables, enc: EncodedSamples, r: np.ndarray, s: np.ndarray,
           sc: np.ndarray, used: np.ndarray, bad: np.ndarray) -> Any:
    """Candidate table for pairs (compiled row, sample) with their kernel counts."""
    import polars as pl

    fam = np.array([x[0] for x in compiled.rows], dtype=object)
    mis = np.array([x[1] for x in compiled.rows], dtype=object)
    ids = np.array(enc.ids, dtype=object)
    return pl.DataFrame({
        "pm": ids[s].tolist(), "family": fam[r].tolist(), "missing": mis[r].tolist(),
        "log10_lr": sc.astype(np.float64),
        "lr": np.power(10.0, np.minimum(sc, 308.0)),
        "n_markers": used.astype(np.int64), "n_inconsistent": bad.astype(np.int64),
        "exact": np.zeros(len(sc), dtype=bool)},
        schema={"pm": pl.Utf8, "family": pl.Utf8, "missing": pl.Utf8, "log10_lr": pl.Float64,
                "lr": pl.Float64, "n_markers": pl.Int64, "n_inconsistent": pl.Int64,
                "exact": pl.Boolean})


def exact_pair_log10_lr(family: Family, missing: str, sample: PMSample,
                        markers: Sequence[Marker], *, theta: float = 0.0,
                        dropin: float = 0.0,
                        observation: dict[str, Any] | None = None) -> np.ndarray:
    """Exact per-marker log10 LR of one PM sample being ``missing`` of ``family``.

    H1: the family pedigree with the sample's profile on the missing person. H2: the same
    pedigree with the missing person untyped, and the sample as an unrelated founder; with
    theta > 0 both share one urn of founder alleles (so the LR is exact under theta).
    ``observation`` gives the observation models of other typed family members (e.g. remains
    identified earlier and added to the family).
    """
    from forensic_match.likelihood import pedigree_likelihood
    from forensic_match.profiles import Observation

    obs = Observation(dropout=sample.dropout, dropin=dropin)
    node = f"{sample.id}\u0000pm"
    h1 = family.pedigree
    h2 = Pedigree.from_records(family.pedigree.records() + [(node, None, None, "U")])
    p1 = {**family.genotypes, missing: sample.genotypes}
    p2 = {**family.genotypes, node: sample.genotypes}
    others = {k: v for k, v in (observation or {}).items() if k != missing}
    l1 = pedigree_likelihood(h1, markers, p1, theta=theta,
                             observation={**others, missing: obs})
    l2 = pedigree_likelihood(h2, markers, p2, theta=theta, observation={**others, node: obs})
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(l1) - np.log10(l2)


__all__ = ["EncodedSamples", "SearchResult", "encode_samples", "exact_pair_log10_lr",
           "search_samples", "table_size"]
