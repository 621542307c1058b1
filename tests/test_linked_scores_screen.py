"""The screen of ``SnpScores`` (``linked/scores.py``): the score vectors' product against a
plain loop, the stand-in of a screened pair against the linked computation on a panel
without linkage, the pairs computed exactly untouched, ``screen_threshold=-inf`` the linked
LR everywhere, and identify's decisions the same with and without the screen."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_match.cases import Family
from forensic_match.decide.alternatives import relative_alternatives
from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.errors import InputError
from forensic_match.linked import load_force_panel
from forensic_match.linked.pair import pair_process
from forensic_match.linked.programme import METHODS, SubstructureWarning, _Link
from forensic_match.linked.relationships import RELATIONSHIPS
from forensic_match.linked.scores import KIN_SCREEN, SCREENED, SnpData, SnpScores
from forensic_match.linked.simulate import degrade, drop_genes, simulate_programme_snps
from forensic_match.pedigree import Pedigree


@pytest.fixture(scope="module")
def small_panel():
    """Chromosomes 21 and 22 of the FORCE panel (153 SNPs)."""
    panel = load_force_panel()
    return panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in ("21", "22")])


def _family_pedigree() -> Pedigree:
    """The missing man MP, his parents FA, MO (untyped) and sister S2, grandparents GF, GM,
    paternal uncle UN and aunt AU, the uncle's wife UW and child CO (MP's first cousin)."""
    return Pedigree.from_records([
        ("GF", None, None, "M"), ("GM", None, None, "F"), ("FA", "GF", "GM", "M"),
        ("MO", None, None, "F"), ("UN", "GF", "GM", "M"), ("AU", "GF", "GM", "F"),
        ("UW", None, None, "F"), ("MP", "FA", "MO", "M"), ("CO", "UN", "UW", "F"),
        ("S2", "FA", "MO", "F")])


#: References typed per family: one (pair), two (exact family), four (branches).
VARIANTS = {"F1": ["CO"], "F2": ["UN", "GM"], "F3": ["CO", "UN", "AU", "S2"]}


def _setting(panel, seed):
    """Rows (each family's MP and relative alternatives), the extended families, bodies
    (MP, UN, FA, S2 and two unrelated persons) and the SNP data."""
    rng = np.random.default_rng(seed)
    ped = _family_pedigree()
    haps = drop_genes(ped, panel, rng)
    calls = {p: degrade(h, panel.freq_a1, rng, error=0.01, missing=0.3).astype(np.int8)
             for p, h in haps.items()}
    lone = Pedigree.from_records([("X", None, None, "M")])
    for name in ("X1", "X2"):
        calls[name] = degrade(drop_genes(lone, panel, rng)["X"], panel.freq_a1, rng,
                              error=0.01, missing=0.3).astype(np.int8)
    families, rows = [], []
    for fid in VARIANTS:
        ext = relative_alternatives(Family(fid, ped, ["MP"], {}))
        families.append(ext.family)
        rows += [(fid, "MP")] + [(fid, a.person) for a in ext.alternatives]
    bodies = ["MP", "UN", "FA", "S2", "X1", "X2"]
    data = SnpData(panel, {b: calls[b] for b in bodies},
                   {fid: {r: calls[r] for r in refs} for fid, refs in VARIANTS.items()})
    return rows, families, _bodies(bodies), data


def _bodies(ids):
    class _S:
        def __init__(self, ident):
            self.id = ident
    return [_S(i) for i in ids]


def _scores(rows, families, bodies, data, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SubstructureWarning)
        return SnpScores(rows, families, bodies, data, min_snps=10, fst=0.01, **options)


@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 2 ** 31), shape=st.tuples(st.integers(1, 9), st.integers(1, 6),
                                                     st.integers(1, 25)),
       block=st.integers(1, 5), shift=st.sampled_from([0, 1]))
def test_vector_scores_agree_with_a_loop(seed, shape, block, shift):
    """``vector_scores_blocked``: each sample's calls looked up in each score vector and
    summed, as a plain loop does (missing calls score 0 without the missing column)."""
    from forensic_match.linked._screen_numba import vector_scores_blocked

    rng = np.random.default_rng(seed)
    n_samples, n_vectors, n = shape
    vectors = rng.normal(size=(n_vectors, (3 + shift) * n))
    codes = rng.integers(-1, 3, size=(n_samples, n)).astype(np.int8)
    loop = np.array([[sum(vectors[v, (codes[i, m] + shift) * n + m] for m in range(n)
                          if codes[i, m] + shift >= 0) for v in range(n_vectors)]
                     for i in range(n_samples)])
    np.testing.assert_allclose(vector_scores_blocked(vectors, codes, shift, block=block), loop,
                               rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("seed", [3, 4])
def test_a_screened_pair_keeps_its_methods_unlinked_limit(small_panel, seed):
    """With every pair screened out, each pair's log10 LR is what the linked computation
    gives on the same panel without linkage (every marker its own chromosome): the pairwise
    HMM for one reference, the exact family likelihood for two, the branches combination
    for four - to 1e-9; the method says it was screened, the best reference is the one of
    highest unlinked LR."""
    rows, families, bodies, data = _setting(small_panel, seed)
    screened = _scores(rows, families, bodies, data, screen_threshold=1e9)
    unlinked = SnpData(small_panel.without_linkage(), data.pm, data.references)
    oracle = _scores(rows, families, bodies, unlinked, screen_threshold=-np.inf)
    got = screened.block(np.arange(len(rows)))
    want = oracle.block(np.arange(len(rows)))
    assert np.isfinite(want).all() and (want != 0).any()
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    methods = set()
    for i in range(len(rows)):
        for j in range(len(bodies)):
            res, ref = screened.result(i, j), oracle.result(i, j)
            if ref.method in (METHODS["pair"], METHODS["family"], METHODS["branches"]):
                methods.add(ref.method)
                assert res.method == SCREENED
                assert res.log10_lr == pytest.approx(ref.log10_lr, rel=1e-9, abs=1e-9)
                assert res.n_references == ref.n_references
                if ref.method != METHODS["family"]:  # the best pairwise unlinked LR
                    assert res.best_reference == ref.best_reference
            else:
                assert res == ref  # not scored, for the same reason
    assert methods == {METHODS["pair"], METHODS["family"], METHODS["branches"]}
    assert screened.cache.pairs_by_method() == {SCREENED: int(np.isin(
        [oracle.result(i, 0).method for i in range(len(rows))], list(METHODS.values())).sum())
        * len(bodies)}


@settings(deadline=None, max_examples=6, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), threshold=st.floats(-6.0, 6.0))
def test_the_screen_changes_only_the_pairs_it_screens_out(small_panel, seed, threshold):
    """For any threshold, a pair is either computed exactly (its linked LR, bit for bit as
    without the screen) or screened out; screened out exactly when neither a reference's
    unlinked LR under its relationship to the row's person, nor the method's unlinked limit,
    nor the body's unlinked LR against a reference of the family as parent, full sibling,
    half sibling or first cousin, reaches the threshold (each computed by the HMM on the
    panel without linkage), and then its value is that unlinked limit (below the
    threshold). ``-inf`` screens nothing."""
    rows, families, bodies, data = _setting(small_panel, seed)
    every = np.arange(len(rows))
    exact = _scores(rows, families, bodies, data, screen_threshold=-np.inf)
    full = exact.block(every)
    stand = _scores(rows, families, bodies, data, screen_threshold=1e9).block(every)
    unlinked = SnpData(small_panel.without_linkage(), data.pm, data.references)
    per_link = _scores(rows, families, bodies, unlinked, screen_threshold=-np.inf)
    got = _scores(rows, families, bodies, data, screen_threshold=threshold)
    block = got.block(every)
    kin = {}
    for name in KIN_SCREEN:
        proc = pair_process(RELATIONSHIPS[name].pedigree(), "A", "B")
        weights = np.bincount(proc.column, minlength=proc.used.size) / proc.n_states
        for fid, refs in VARIANTS.items():
            for ref in refs:
                kin[(fid, ref, name)] = _Link(fid, "A", f"{ref} as {name}", name, None, proc,
                                              weights)
    for i in range(len(rows)):
        for j in range(len(bodies)):
            method = exact.result(i, j).method
            if method not in METHODS.values():
                assert block[i, j] == full[i, j] == 0.0
                continue
            fam, links, _ = per_link._plan[i]
            scorer = per_link.cache.scorer
            pm = data.pm[bodies[j].id]
            top = max(scorer.pair_lr(bodies[j].id, pm, link, fam.references[link.reference])
                      for link in links)
            related = max(scorer.pair_lr(bodies[j].id, pm, kin[(fam.id, ref, name)],
                                         fam.references[ref])
                          for ref in fam.references for name in KIN_SCREEN)
            best = max(top, stand[i, j], related)
            passes = best >= threshold
            if abs(best - threshold) < 1e-9:
                continue  # on the threshold: rounding decides
            assert (got.result(i, j).method != SCREENED) == passes
            if passes:
                assert block[i, j] == full[i, j]
                assert got.result(i, j) == exact.result(i, j)
            else:
                assert block[i, j] == pytest.approx(stand[i, j], rel=1e-12, abs=1e-12)
                assert block[i, j] < threshold
    assert all(exact.result(i, j).method != SCREENED
               for i in range(len(rows)) for j in range(len(bodies)))


def test_a_bad_screen_threshold_is_refused(small_panel):
    with pytest.raises(InputError, match="screen_threshold"):
        SnpScores([], [], [], SnpData(small_panel), screen_threshold=np.nan)
    with pytest.raises(InputError, match="screen_threshold"):
        SnpScores([], [], [], SnpData(small_panel), screen_threshold=np.inf)


def _decisions(res) -> tuple[pl.DataFrame, ...]:
    keep = ["pm", "family", "missing"]
    return (res.identifications.select(keep).sort(keep),
            res.family_level.select("pm", "family").sort("pm", "family"),
            res.held_back.select(res.held_back.columns[:1]).sort(res.held_back.columns[0]))


def test_identify_decides_the_same_with_and_without_the_screen(markers):
    """A simulated programme of 12 families of the default shapes (several references each:
    pairs, exact families), 12 bodies, SNPs on chromosomes 20-22 (1% error, 30% missing PM
    calls): identify with the screen (threshold 1) makes the same identifications,
    family-level proposals and held-back list as without it (threshold -inf), and the
    posteriors of the identifications move by less than 1e-6."""
    panel = load_force_panel()
    panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom)
                          if c in ("20", "21", "22")])
    prog = simulate_programme(12, 12, markers=markers, seed=21, missing_per_family=(1, 2),
                              fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(22), pm_missing=0.3)
    ds = prog.dataset
    out = {}
    for t in (-np.inf, 1.0):
        out[t] = identify(ds.am, ds.pm, ds.markers, snp=snp,
                          snp_options={"fst": 0.01, "screen_threshold": t})
    for a, b in zip(_decisions(out[-np.inf]), _decisions(out[1.0])):
        assert a.equals(b)
    assert out[-np.inf].identifications.height > 0
    np.testing.assert_allclose(out[1.0].identifications["posterior"].to_numpy(),
                               out[-np.inf].identifications["posterior"].to_numpy(),
                               atol=1e-6)
    by_method = out[1.0].parameters["snp"]["pairs_by_method"]
    assert by_method[SCREENED] > 0
    assert SCREENED not in out[-np.inf].parameters["snp"]["pairs_by_method"]
    assert out[-np.inf].parameters["snp"]["screen_threshold"] == -np.inf
