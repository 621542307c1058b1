"""The fused search kernel (``search_block``) and the sample encoding against plain-Python
oracles (``tests/oracle.py``): scores, per-sample best rows, per-row best samples, LR sums,
listed pairs; ties, the sex filter, ``min_markers``, evidence, theta, several blocks and
chunks."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import forensic_match.dvi.search as search_module
from forensic_match.cases import PMSample
from forensic_match.dvi._search_numba import (
    LR_SUM_FLOOR,
    compact,
    merge_row_tops,
    search_block,
)
from forensic_match.dvi.compile import compile_families, marker_offsets
from forensic_match.dvi.fragments import Body
from forensic_match.dvi.search import encode_samples, search_samples
from forensic_match.markers import Marker
from tests.oracle import search_outputs, search_scores
from tests.test_search import _programme

VALUES = [-math.inf, -12.0, -8.5, -8.0, -7.9, -3.0, -1.0, 0.0, 0.5, 2.0, 4.0, 7.0]


def _close(a: float, b: float) -> bool:
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@st.composite
def _problems(draw):
    n_rows = draw(st.integers(1, 12))
    n_col = draw(st.integers(1, 12))
    n_al = draw(st.integers(1, 4))
    value = st.one_of(st.sampled_from(VALUES), st.floats(-12, 8))
    table = np.array(draw(st.lists(value, min_size=n_rows * n_col,
                                   max_size=n_rows * n_col))).reshape(n_rows, n_col)
    positive = st.floats(1e-4, 30.0)
    sums = np.array(draw(st.lists(positive, min_size=n_rows * n_al * 2,
                                  max_size=n_rows * n_al * 2))).reshape(n_rows, n_al, 2)
    theta = draw(st.booleans())
    den = den_sums = None
    if theta:
        den = np.array(draw(st.lists(positive, min_size=n_rows * n_col,
                                     max_size=n_rows * n_col))).reshape(n_rows, n_col)
        den_sums = np.array(draw(st.lists(positive, min_size=n_rows * n_al * 2,
                                          max_size=n_rows * n_al * 2))).reshape(n_rows, n_al, 2)
    samples: list[dict] = []
    for _ in range(draw(st.integers(1, 14))):
        if samples and draw(st.integers(0, 4)) == 0:
            samples.append(samples[draw(st.integers(0, len(samples) - 1))])  # a tie
            continue
        gather = draw(st.lists(st.integers(0, n_col - 1), max_size=5))
        dropout = draw(st.lists(st.tuples(st.integers(0, n_al - 1), st.floats(0.01, 3.0),
                                          st.floats(0.0, 3.0)), max_size=3))
        general = []
        for _ in range(draw(st.integers(0, 2))):
            gs = draw(st.lists(st.integers(0, n_col - 1), min_size=1, max_size=3, unique=True))
            w = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=len(gs),
                                       max_size=len(gs))))
            general.append(list(zip(gs, (w / w.sum()).tolist())))
        samples.append({"gather": gather, "dropout": dropout, "general": general})
    n_s = len(samples)
    row_sex = np.array(draw(st.lists(st.integers(0, 2), min_size=n_rows, max_size=n_rows)))
    sample_sex = np.array(draw(st.lists(st.integers(0, 2), min_size=n_s, max_size=n_s)))
    evidence = None
    if draw(st.booleans()):
        ev = st.one_of(st.sampled_from([-math.inf, 0.0, -5.0, 3.0]), st.floats(-6, 6))
        evidence = np.array(draw(st.lists(ev, min_size=n_rows * n_s,
                                          max_size=n_rows * n_s))).reshape(n_rows, n_s)
    return {
        "table": table, "sums": sums, "den": den, "den_sums": den_sums, "samples": samples,
        "row_sex": row_sex, "sample_sex": sample_sex, "evidence": evidence,
        "min_markers": draw(st.integers(0, 4)),
        "threshold": draw(st.sampled_from([-math.inf, -8.0, -2.0, 0.0, 3.0, math.inf])),
        "k_s": draw(st.integers(1, 4)), "k_m": draw(st.integers(1, 4)),
        "order": np.array(draw(st.permutations(range(n_s))), dtype=np.int64),
        "n_chunks": draw(st.integers(1, 3)), "split": draw(st.integers(0, n_rows)),
    }


def _dense(samples: list[dict], n_m: int = 6) -> tuple[np.ndarray, ...]:
    """The kernel's per-sample arrays (as ``compact`` makes them) and the CSR entries."""
    n_s = len(samples)
    n_e, n_d, n_g = (np.zeros(n_s, dtype=np.int64) for _ in range(3))
    e_pos = np.zeros((n_s, n_m), dtype=np.int64)
    d_a = np.zeros((n_s, n_m), dtype=np.int64)
    d_c = np.zeros((n_s, n_m, 2))
    g_e = np.zeros((n_s, n_m), dtype=np.int64)
    ptr, upos, uw = [0], [], []
    for s, smp in enumerate(samples):
        n_e[s] = len(smp["gather"])
        e_pos[s, :n_e[s]] = smp["gather"]
        n_d[s] = len(smp["dropout"])
        for j, (a, c1, c2) in enumerate(smp["dropout"]):
            d_a[s, j], d_c[s, j] = a, (c1, c2)
        n_g[s] = len(smp["general"])
        for j, entry in enumerate(smp["general"]):
            g_e[s, j] = len(ptr) - 1
            upos += [g for g, _ in entry]
            uw += [w for _, w in entry]
            ptr.append(len(upos))
    return (n_e, e_pos, n_d, d_a, d_c, n_g, g_e, np.array(ptr, dtype=np.int64),
            np.array(upos, dtype=np.int64), np.array(uw, dtype=np.float64))


def _run_kernel(pb: dict) -> dict:
    """``search_block`` over two blocks of rows, samples in ``pb['order']`` split into
    chunks, as ``search_samples`` drives it; outputs in the caller's sample numbering."""
    n_rows, n_s = pb["table"].shape[0], len(pb["samples"])
    n_e, e_pos, n_d, d_a, d_c, n_g, g_e, ptr, upos, uw = _dense(pb["samples"])
    order = pb["order"]
    n_chunks = min(pb["n_chunks"], n_s)
    cuts = np.linspace(0, n_s, n_chunks + 1).astype(np.int64)
    k_s, k_m = pb["k_s"], pb["k_m"]
    best = np.full((n_s, k_s), -np.inf)
    best_row = np.full((n_s, k_s), -1, dtype=np.int64)
    best_ev = np.full((n_s, k_s), np.nan)
    lr_sum = np.zeros(n_s)
    theta = pb["den"] is not None
    den = pb["den"] if theta else np.zeros((1, 1))
    den_sums = pb["den_sums"] if theta else np.zeros((1, 1, 2))
    by_row: dict[int, list] = {}
    pairs = []
    evidence_of: dict[tuple[int, int], float] = {}
    arrays = [np.ascontiguousarray(x[order]) for x in (n_e, e_pos, n_d, d_a, d_c, n_g, g_e,
                                                       pb["sample_sex"])]
    for rows in (np.arange(pb["split"]), np.arange(pb["split"], n_rows)):
        if rows.size == 0:
            continue
        nb = rows.size
        has_ev = pb["evidence"] is not None
        ev = pb["evidence"][rows] if has_ev else np.zeros((1, 1))
        cap = nb * n_s
        top = np.empty((n_chunks, nb, k_m))
        top_idx = np.empty((n_chunks, nb, k_m), dtype=np.int64)
        top_ev = np.empty((n_chunks, nb, k_m))
        pair_b = np.empty((n_chunks, cap), dtype=np.int64)
        pair_s = np.empty((n_chunks, cap), dtype=np.int64)
        pair_v = np.empty((n_chunks, cap))
        pair_e = np.empty((n_chunks, cap))
        n_pairs = np.zeros(n_chunks, dtype=np.int64)
        search_block(pb["table"], pb["sums"], theta, den, den_sums, rows, rows, pb["row_sex"],
                     arrays[7], order, cuts, *arrays[:7], ptr, upos, uw, pb["min_markers"],
                     has_ev, np.ascontiguousarray(ev), pb["threshold"], best, best_row,
                     best_ev, lr_sum, top, top_idx, top_ev, pair_b, pair_s, pair_v, pair_e,
                     n_pairs)
        merged, merged_idx = np.empty((nb, k_m)), np.empty((nb, k_m), dtype=np.int64)
        merged_ev = np.empty((nb, k_m))
        merge_row_tops(top, top_idx, top_ev, merged, merged_idx, merged_ev)
        for b in range(nb):
            by_row[int(rows[b])] = [(int(i), float(v)) for i, v in
                                    zip(merged_idx[b], merged[b]) if i >= 0]
            # Beside each listed pair, the evidence the kernel added to it.
            for i, e in zip(merged_idx[b], merged_ev[b]):
                if i >= 0:
                    evidence_of[(int(rows[b]), int(i))] = float(e)
        for c in range(n_chunks):
            pairs += [(int(rows[pair_b[c, j]]), int(pair_s[c, j]), float(pair_v[c, j]))
                      for j in range(n_pairs[c])]
            for j in range(n_pairs[c]):
                evidence_of[(int(rows[pair_b[c, j]]), int(pair_s[c, j]))] = float(pair_e[c, j])
    back = np.empty_like(order)
    back[order] = np.arange(n_s)
    for s in range(n_s):
        for r, e in zip(best_row[back[s]], best_ev[back[s]]):
            if r >= 0:
                evidence_of[(int(r), s)] = float(e)
    return {"by_sample": [[(int(r), float(v)) for r, v in zip(best_row[back[s]],
                                                              best[back[s]]) if r >= 0]
                          for s in range(n_s)],
            "lr_sum": lr_sum[back].tolist(), "by_row": [by_row[b] for b in range(n_rows)],
            "pairs": sorted(pairs), "evidence_of": evidence_of, "evidence": pb["evidence"]}


def _assert_same(got: dict, want: dict, scores: list[list[float]]) -> None:
    for name in ("by_sample", "by_row"):
        assert len(got[name]) == len(want[name])
        for g, w in zip(got[name], want[name]):
            assert [i for i, _ in g] == [i for i, _ in w], name
            assert all(_close(a, b) for (_, a), (_, b) in zip(g, w)), name
    for g, w in zip(got["lr_sum"], want["lr_sum"]):
        assert math.isclose(g, w, rel_tol=1e-12, abs_tol=1e-300)
    assert [(b, s) for b, s, _ in got["pairs"]] == want["pairs"]
    assert all(_close(v, scores[b][s]) for b, s, v in got["pairs"])
    # Every listed pair carries the evidence added to its score (0 without evidence).
    evidence = got["evidence"]
    for (b, s), e in got["evidence_of"].items():
        assert e == (0.0 if evidence is None else float(evidence[b][s])), (b, s, e)


@settings(deadline=None, max_examples=150)
@given(_problems())
def test_search_block_equals_the_oracle(pb: dict) -> None:
    rows = np.arange(pb["table"].shape[0])
    scores = search_scores(pb["table"], pb["sums"], pb["den"], pb["den_sums"], rows,
                           pb["row_sex"], pb["sample_sex"], pb["samples"], pb["min_markers"],
                           pb["evidence"])
    want = search_outputs(scores, rows, pb["k_s"], pb["k_m"], pb["threshold"], LR_SUM_FLOOR)
    _assert_same(_run_kernel(pb), want, scores)


def test_search_block_pinned_values() -> None:
    """Two rows, three samples, worked by hand: row 0 = log10 LRs (1, -2, 0.5) at positions
    0..2, per-allele sums (2, 0.5); row 1 = (-9, -1, 3), sums (0.1, 0.2)."""
    pb = {"table": np.array([[1.0, -2.0, 0.5], [-9.0, -1.0, 3.0]]),
          "sums": np.array([[[2.0, 0.5]], [[0.1, 0.2]]]), "den": None, "den_sums": None,
          "samples": [{"gather": [0, 2], "dropout": [], "general": []},
                      {"gather": [1], "dropout": [(0, 0.5, 2.0)], "general": []},
                      {"gather": [], "dropout": [], "general": [[(0, 0.25), (2, 0.75)]]}],
          "row_sex": np.array([1, 0]), "sample_sex": np.array([1, 2, 0]), "evidence": None,
          "min_markers": 1, "threshold": 1.0, "k_s": 2, "k_m": 2,
          "order": np.array([2, 0, 1]), "n_chunks": 2, "split": 1}
    got = _run_kernel(pb)
    # Sample 0: row 0 = 1 + 0.5 = 1.5; row 1 = -9 + 3 = -6.
    # Sample 1: row 0 excluded (sexes 1 and 2); row 1 = -1 + log10(0.5*0.1 + 2*0.2) = -1 +
    # log10(0.45). Sample 2: row 0 = log10(0.25*10 + 0.75*10^0.5); row 1 =
    # log10(0.25e-9 + 0.75e3).
    s2r0 = math.log10(0.25 * 10 + 0.75 * 10 ** 0.5)
    s2r1 = math.log10(0.25e-9 + 0.75e3)
    assert got["by_sample"][0] == [(0, 1.5), (1, -6.0)]
    assert got["by_sample"][1][0][0] == 1
    assert got["by_sample"][1][0][1] == pytest.approx(-1 + math.log10(0.45), rel=1e-14)
    assert [r for r, _ in got["by_sample"][2]] == [1, 0]
    assert got["lr_sum"][0] == pytest.approx(10 ** 1.5 + 1e-6, rel=1e-13)
    assert got["lr_sum"][1] == pytest.approx(0.045, rel=1e-13)
    assert got["lr_sum"][2] == pytest.approx(10 ** s2r0 + 10 ** s2r1, rel=1e-13)
    assert [s for s, _ in got["by_row"][0]] == [0, 2]
    # At threshold 1: 1.5 (row 0, sample 0) and log10(750) (row 1, sample 2); sample 2's
    # row 0 is log10(4.87...) = 0.69, below.
    assert [(b, s) for b, s, _ in got["pairs"]] == [(0, 0), (1, 2)]


def test_search_samples_equals_the_oracle_on_compiled_tables() -> None:
    """Real tables (8 markers, every mutation model, six family shapes) and samples that are
    complete, degraded, partial and several fragments of one body."""
    markers, families, samples = _programme(3)
    bodies = [*samples[:-2], Body("body", [samples[-2], samples[1]])]
    compiled = compile_families(families, markers)
    enc = encode_samples(bodies, compiled.markers, compiled.offsets)
    n_e, e_pos, n_d, d_aa, d_a, d_c, n_g, g_e = compact(enc.pos, enc.drop_idx, enc.drop_w)
    oracle_samples = []
    for s in range(len(bodies)):
        general = [[(int(enc.unc_pos[q]), float(enc.unc_w[q]))
                    for q in range(enc.unc_ptr[e], enc.unc_ptr[e + 1])]
                   for e in g_e[s, :n_g[s]]]
        oracle_samples.append({
            "gather": e_pos[s, :n_e[s]].tolist(), "general": general,
            "dropout": [(int(d_a[s, j]), float(d_c[s, j, 0]), float(d_c[s, j, 1]))
                        for j in range(n_d[s])]})
    rows = np.arange(len(compiled.rows))
    sex = {"M": 1, "F": 2}
    scores = search_scores(compiled.log10_lr, compiled.allele_sums, None, None, rows,
                           np.array([sex.get(x, 0) for x in compiled.sex]), enc.sex,
                           oracle_samples, 3, None)
    want = search_outputs(scores, rows, 3, 3, -1.0, LR_SUM_FLOOR)
    res = search_samples(compiled, bodies, top=3, threshold=-1.0, min_markers=3)
    ids = [b.id for b in bodies]
    row_of = {r: i for i, r in enumerate(compiled.rows)}
    for s, pm in enumerate(ids):
        got = res.by_sample.filter(res.by_sample["pm"] == pm).sort("rank")
        assert [row_of[(f, m)] for f, m in zip(got["family"], got["missing"])] == \
            [r for r, _ in want["by_sample"][s]]
        assert all(_close(a, b) for a, (_, b) in zip(got["log10_lr"], want["by_sample"][s]))
    lr_sum = dict(zip(res.samples["pm"], res.samples["lr_sum"]))
    assert all(math.isclose(lr_sum[pm], want["lr_sum"][s], rel_tol=1e-12)
               for s, pm in enumerate(ids))
    pairs = sorted((row_of[(f, m)], ids.index(p)) for f, m, p in
                   zip(res.pairs["family"], res.pairs["missing"], res.pairs["pm"]))
    assert pairs == want["pairs"]
    for b, (f, m) in enumerate(compiled.rows):
        got = res.by_missing.filter((res.by_missing["family"] == f)
                                    & (res.by_missing["missing"] == m)).sort("rank")
        assert [ids.index(p) for p in got["pm"]] == [s for s, _ in want["by_row"][b]]


_ALLELES = ["9", "10", "11", "12", "12.3"]


@st.composite
def _pm_samples(draw):
    out = []
    for i in range(draw(st.integers(1, 12))):
        dropout = draw(st.sampled_from([0.0, 0.0, 0.1, 0.3]))
        genotypes = {}
        for m in ("A", "B", "C"):
            kind = draw(st.integers(0, 4))
            a, b = draw(st.sampled_from(_ALLELES)), draw(st.sampled_from(_ALLELES))
            if kind == 0:
                continue
            genotypes[m] = (a, None) if kind == 1 else (a, a) if kind == 2 else (a, b)
        if not genotypes:
            genotypes["A"] = ("9", "10")
        out.append(PMSample(f"s{i}", draw(st.sampled_from("MFU")), genotypes,
                            dropout=dropout))
    return out


@settings(deadline=None, max_examples=60)
@given(_pm_samples())
def test_encoding_by_marker_equals_the_general_path(samples: list[PMSample]) -> None:
    """The vectorised encoding of single samples gives the arrays that the general path
    (one marker of one body at a time) gives for the same samples as one-fragment bodies."""
    f = np.array([0.3, 0.25, 0.2, 0.15, 0.1])
    markers = [Marker(m, _ALLELES, f) for m in ("A", "B", "C")]
    offsets = marker_offsets(markers)
    fast = encode_samples(samples, markers, offsets)
    bodies = encode_samples([Body(s.id, [s]) for s in samples], markers, offsets)
    saved = search_module.VECTOR_ENCODING
    search_module.VECTOR_ENCODING = False
    try:
        slow = encode_samples([Body(s.id, [s]) for s in samples], markers, offsets)
    finally:
        search_module.VECTOR_ENCODING = saved
    for name in ("pos", "unc_ptr", "unc_pos", "unc_w", "n_typed", "drop_idx", "drop_w"):
        assert np.array_equal(getattr(fast, name), getattr(slow, name)), name
        assert np.array_equal(getattr(bodies, name), getattr(slow, name)), name


def test_a_chunk_copies_the_columns_its_samples_read() -> None:
    """``_chunk_reads``: the union of the gathered positions, the uncertain genotypes' positions
    and the dropout alleles of the chunk's samples only; every column once more than half are
    read (the tile is then copied whole)."""
    from forensic_match.dvi._search_numba import _chunk_reads

    n_e = np.array([2, 1, 0])
    e_pos = np.array([[3, 7], [1, 0], [0, 0]])
    n_d = np.array([1, 0, 1])
    d_a = np.array([[2], [0], [1]])
    n_g = np.array([0, 1, 0])
    g_e = np.array([[0], [0], [0]])
    unc_ptr = np.array([0, 2])
    unc_pos = np.array([9, 3])
    cols, als = _chunk_reads(0, 1, 20, 4, n_e, e_pos, n_d, d_a, n_g, g_e, unc_ptr, unc_pos)
    assert cols.tolist() == [3, 7] and als.tolist() == [2]
    cols, als = _chunk_reads(1, 3, 20, 4, n_e, e_pos, n_d, d_a, n_g, g_e, unc_ptr, unc_pos)
    assert cols.tolist() == [1, 3, 9] and als.tolist() == [1]
    # Three of five columns read: the whole tile.
    cols, _ = _chunk_reads(0, 1, 5, 4, np.array([3]), np.array([[0, 2, 4]]), np.array([0]),
                           d_a[:1], np.array([0]), g_e[:1], unc_ptr, unc_pos)
    assert cols.tolist() == [0, 1, 2, 3, 4]


@settings(deadline=None, max_examples=300)
@given(x=st.one_of(st.floats(min_value=5e-324, max_value=1.7e308, allow_nan=False),
                   st.floats(min_value=0.25, max_value=4.0),
                   st.sampled_from([5e-324, 1e-200, 0.5, 1.0, 2.0, 1e300, math.inf])))
def test_the_log10_bound_is_an_upper_bound_within_log10_2(x: float) -> None:
    """``_log10_bound`` (which decides that a pair cannot enter a list without its log10)
    is never below ``log10 x`` and, for finite ``x``, at most log10(2) above it."""
    from forensic_match.dvi._search_numba import _log10_bound

    bound = _log10_bound(x)
    true = math.log10(x)
    assert bound >= true
    if math.isfinite(x):
        assert bound <= true + math.log10(2.0) + 1e-12


def test_the_vectorised_exp_is_libm_s_within_5e_16() -> None:
    """``_exp`` (the LR-sum terms of the pairs ``_sort_tile`` settles) against ``math.exp``
    over the range it is used in."""
    from forensic_match.dvi._search_numba import _exp

    rng = np.random.default_rng(3)
    for a in np.concatenate([rng.uniform(-700.0, 700.0, 2000), rng.uniform(-40.0, 5.0, 2000),
                             [-700.0, -18.42, 0.0, 1e-300, 0.3466, 690.0]]):
        want = math.exp(a)
        assert abs(_exp(a) - want) <= 5e-16 * want


_SCORES = st.one_of(st.floats(-40.0, 12.0), st.sampled_from([-math.inf, -8.0, 0.0, 4.0, 300.0]))
_PRODUCTS = st.one_of(st.floats(1e-210, 1e12), st.floats(0.9, 1.1),
                      st.sampled_from([0.0, 1e-201, 1e-200, 0.5, 1.0, 1.0 + 1e-15, math.inf]))


@settings(deadline=None, max_examples=150)
@given(lanes=st.lists(st.tuples(_SCORES, _PRODUCTS,
                                st.one_of(st.just(0.0), st.floats(-6.0, 6.0),
                                          st.just(-math.inf)),
                                st.one_of(_SCORES, st.just(math.inf)), st.integers(0, 2)),
                      min_size=1, max_size=40),
       bar=_SCORES, rs=st.integers(0, 2), has_ev=st.booleans())
def test_a_pair_sort_tile_settles_is_one_pair_leaves_out_of_every_list(
        lanes: list, bar: float, rs: int, has_ev: bool) -> None:
    """``_sort_tile`` settles a pair (not ``exact``) only if ``_pair``, given the same bars,
    would put it in no list and no pair buffer, and adds the same LR-sum term (``_exp``
    for libm's ``exp``: 1e-14 relative) or none alike. Many lanes, so that the vectorised
    loop and its remainder both run."""
    _check_settled(lanes, bar, rs, has_ev)


def test_pairs_at_the_lr_sum_floor_are_settled_as_pair_would() -> None:
    """Scores just around the LR-sum floor (-8), with dropout products whose bound puts the
    pair above the floor while its score is below it (their term is left out)."""
    lanes = [(v, x, 0.0, 5.0, 1) for v in np.linspace(-9.0, -7.0, 81)
             for x in (1.0, 0.9, 1.5, 3.0, 1e-3, 1.0 + 1e-12)]
    _check_settled(lanes, 5.0, 1, False)
    _check_settled(lanes, -7.5, 0, True)


def _check_settled(lanes: list, bar: float, rs: int, has_ev: bool) -> None:
    from forensic_match.dvi._search_numba import _pair, _sort_tile

    n = len(lanes)
    acc = np.array([x[0] for x in lanes])
    lin = np.array([x[1] for x in lanes])
    ev = np.array([x[2] if has_ev else 0.0 for x in lanes])
    cut0 = np.array([x[3] for x in lanes])
    sex = np.array([x[4] for x in lanes], dtype=np.int64)
    exact = np.zeros(n, dtype=np.bool_)
    any_exact = np.zeros(n, dtype=np.bool_)
    lane_sum = np.zeros(n)
    _sort_tile(acc, lin, has_ev, ev, cut0, bar, rs, sex, 0, n, exact, any_exact, lane_sum)
    assert (any_exact == exact).all()
    for o in range(n):
        if exact[o]:
            continue
        v, x = acc[o], lin[o]
        if x < 1e-200:  # the kernel's flush
            v += math.log10(x) if x > 0.0 else -math.inf
            x = 1.0
        # the bars: the threshold and the sample's last kept score at cut0, the row's at bar
        best, best_row, best_ev = np.full((1, 1), cut0[o]), np.zeros((1, 1), np.int64), \
            np.zeros((1, 1))
        top, top_idx, top_ev = np.full((1, 1), bar), np.zeros((1, 1), np.int64), \
            np.zeros((1, 1))
        total = np.zeros(1)
        pairs = [np.zeros((1, 1), np.int64), np.zeros((1, 1), np.int64), np.zeros((1, 1)),
                 np.zeros((1, 1))]
        count = _pair(v, x, ev[o], rs, sex[o], 0, 0, 0, 0, 0, 0, cut0[o], best, best_row,
                      best_ev, top, top_idx, top_ev, total, *pairs, 0, 1)
        assert count == 0
        assert best[0, 0] == cut0[o] or (math.isnan(best[0, 0]) and math.isnan(cut0[o]))
        assert top[0, 0] == bar
        assert (total[0] == 0.0) == (lane_sum[o] == 0.0)
        assert abs(total[0] - lane_sum[o]) <= 1e-14 * total[0]
