"""Linked-SNP evidence in the search and the identification (``linked/scores.py``,
``identify(snp=...)``): scores equal the stand-alone programme search, relative alternatives
get their own SNP LR, no SNP data changes nothing, and SNPs place bodies that STR alone
cannot, with no false identification."""

from __future__ import annotations

import warnings

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_match.cases import Family
from forensic_match.decide.alternatives import relative_alternatives
from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.identify import identify, prepare_panel
from forensic_match.dvi.search import search_samples
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.errors import InputError
from forensic_match.linked import load_force_panel, search_programme
from forensic_match.linked.programme import METHODS, SnpFamily, SubstructureWarning
from forensic_match.linked.scores import NOT_SCORED, SCREENED, SnpData, SnpScores
from forensic_match.linked.simulate import degrade, drop_genes, simulate_programme_snps
from forensic_match.pedigree import Pedigree


@pytest.fixture(scope="module")
def small_panel():
    """Chromosomes 21 and 22 of the FORCE panel (153 SNPs): fast, still linked."""
    panel = load_force_panel()
    return panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in ("21", "22")])


def _cousin_family(fid: str = "F1") -> Family:
    """A missing man MP, his untyped parents and grandparents, his paternal uncle UN, aunt
    AU, and the uncle's child CO (the MP's first cousin)."""
    ped = Pedigree.from_records([
        ("GF", None, None, "M"), ("GM", None, None, "F"), ("FA", "GF", "GM", "M"),
        ("MO", None, None, "F"), ("UN", "GF", "GM", "M"), ("AU", "GF", "GM", "F"),
        ("UW", None, None, "F"), ("MP", "FA", "MO", "M"), ("CO", "UN", "UW", "F"),
        ("S2", "FA", "MO", "F")])
    return Family(fid, ped, ["MP"], {"CO": {}})


def _codes(ped: Pedigree, panel, rng, persons, *, missing=0.3, error=0.01):
    haps = drop_genes(ped, panel, rng)
    return {p: degrade(haps[p], panel.freq_a1, rng, error=error, missing=missing)
            .astype(np.int8) for p in persons}


def _bodies(ids):
    class _S:
        def __init__(self, ident):
            self.id = ident
    return [_S(i) for i in ids]


def test_a_pair_adds_the_stand_alone_linked_lr(small_panel):
    """SnpScores with the screen off (``screen_threshold=-inf``) gives each (missing person,
    PM sample) the log10 LR of the stand-alone programme search (screen off), with its
    method: one reference (pair), two (exact family), four (beyond the exact limits:
    branches) - to 1e-9."""
    rng = np.random.default_rng(7)
    fam = _cousin_family()
    ped = fam.pedigree
    truth = _codes(ped, small_panel, rng, ["MP", "CO", "UN", "AU", "GM", "S2"])
    other = _codes(Pedigree.from_records([("X", None, None, "M")]), small_panel, rng, ["X"])
    variants = {"F1": ["CO"], "F2": ["UN", "GM"], "F3": ["CO", "UN", "AU", "S2"]}
    families = [Family(fid, ped, ["MP"], {}) for fid in variants]
    refs = {fid: {r: truth[r] for r in rs} for fid, rs in variants.items()}
    pm = {"B1": truth["MP"], "B2": other["X"]}
    data = SnpData(small_panel, pm, refs)
    rows = [(fid, "MP") for fid in variants]
    with pytest.warns(SubstructureWarning):
        scores = SnpScores(rows, families, _bodies(["B1", "B2"]), data, min_snps=10,
                           screen_threshold=-np.inf)
    block = scores.block(np.arange(3))
    snp_fams = [SnpFamily(fid, ped, ("MP",), refs[fid]) for fid in variants]
    with pytest.warns(SubstructureWarning):
        alone = search_programme(small_panel, snp_fams, ["B1", "B2"],
                                 np.stack([pm["B1"], pm["B2"]]), screen_threshold=-np.inf,
                                 min_snps=10, segments=False)
    want = {(r["family"], r["pm"]): (r["log10_lr"], r["method"])
            for r in alone.candidates.iter_rows(named=True)}
    assert len(want) == 6
    for i, fid in enumerate(variants):
        for j, b in enumerate(["B1", "B2"]):
            lr, method = want[(fid, b)]
            assert block[i, j] == pytest.approx(lr, rel=1e-9, abs=1e-9)
            assert scores.result(i, j).method == method
    assert [scores.result(i, 0).method for i in range(3)] == \
        [METHODS["pair"], METHODS["family"], METHODS["branches"]]
    assert (block[:, 0] > block[:, 1]).all()  # the true MP above the unrelated X


@pytest.mark.parametrize("reference", ["CO", "FA"])
def test_an_unregistered_brother_gets_the_missing_persons_snp_lr(small_panel, reference):
    """The unregistered full brother that the decisions draw as an alternative stands to the
    MP's cousin (and to his father) as the MP does: his own SNP LR, computed on the family
    extended by him, equals the MP's for every body; the uncle's does not."""
    rng = np.random.default_rng(11)
    fam = _cousin_family()
    ext = relative_alternatives(fam)
    brother = next(a.person for a in ext.alternatives if a.relation.startswith("full sibling"))
    calls = _codes(fam.pedigree, small_panel, rng, ["MP", reference, "UN"])
    data = SnpData(small_panel, {"B1": calls["MP"], "B2": calls["UN"]},
                   {"F1": {reference: calls[reference]}})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SubstructureWarning)
        scores = SnpScores([("F1", "MP"), ("F1", brother), ("F1", "UN")],
                           [ext.family], _bodies(["B1", "B2"]), data, min_snps=10)
    block = scores.block(np.arange(3))
    np.testing.assert_allclose(block[1], block[0], rtol=1e-12, atol=1e-12)
    assert block[0, 0] != 0
    assert scores.result(1, 0).relationship == scores.result(0, 0).relationship == \
        {"CO": "first cousins", "FA": "parent-child"}[reference]
    assert not np.allclose(block[2], block[0])  # the uncle is another hypothesis


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 10_000), data=st.data(), threshold=st.sampled_from([-np.inf, 1.0]))
def test_scores_do_not_depend_on_the_order_of_rows_or_samples(small_panel, seed, data,
                                                             threshold):
    """Permuting the rows and the samples permutes the block, nothing else: exactly without
    the screen; with it to 1e-12 (the screen's matrix product may sum in another order when
    the samples sit elsewhere in the block)."""
    rng = np.random.default_rng(seed)
    fam = _cousin_family()
    ext = relative_alternatives(fam)
    calls = _codes(fam.pedigree, small_panel, rng, ["MP", "CO", "UN", "FA"])
    snp = SnpData(small_panel, {"B1": calls["MP"], "B2": calls["UN"], "B3": calls["FA"]},
                  {"F1": {"CO": calls["CO"]}})
    rows = [("F1", "MP")] + [("F1", a.person) for a in ext.alternatives]
    bodies = ["B1", "B2", "B3", "B4"]
    pr = data.draw(st.permutations(range(len(rows))))
    ps = data.draw(st.permutations(range(len(bodies))))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SubstructureWarning)
        a = SnpScores(rows, [ext.family], _bodies(bodies), snp, min_snps=10,
                      screen_threshold=threshold)
        b = SnpScores([rows[i] for i in pr], [ext.family], _bodies([bodies[j] for j in ps]),
                      snp, min_snps=10, screen_threshold=threshold)
    block_a = a.block(np.arange(len(rows)))
    block_b = b.block(np.arange(len(rows)))
    if threshold == -np.inf:
        np.testing.assert_array_equal(block_b, block_a[np.ix_(pr, ps)])
    else:
        np.testing.assert_allclose(block_b, block_a[np.ix_(pr, ps)], rtol=1e-12, atol=1e-12)
        assert [[b.result(i, j).method for j in range(len(bodies))]
                for i in range(len(rows))] == \
            [[a.result(pr[i], ps[j]).method for j in range(len(bodies))]
             for i in range(len(rows))]


def test_pairs_without_snp_data_score_zero_and_say_why(small_panel):
    rng = np.random.default_rng(3)
    fam = _cousin_family()
    calls = _codes(fam.pedigree, small_panel, rng, ["MP", "CO"])
    none_typed = np.full(len(small_panel), -1, dtype=np.int8)
    data = SnpData(small_panel, {"B1": calls["MP"], "B3": none_typed},
                   {"F1": {"CO": calls["CO"], "UW": calls["CO"]}})
    other = Family("F2", fam.pedigree, ["MP"], {})
    with pytest.warns(SubstructureWarning):
        scores = SnpScores([("F1", "MP"), ("F2", "MP"), ("F1", "CO")], [fam, other],
                           _bodies(["B1", "B2", "B3"]), data, min_snps=10)
    block = scores.block(np.arange(3))
    assert block[0, 0] != 0 and (block[0, 1:] == 0).all() and (block[1:] == 0).all()
    assert scores.result(0, 1).method == NOT_SCORED["pm"]      # B2 has no SNP calls
    assert scores.result(0, 2).method == NOT_SCORED["pm"]      # B3 typed at 0 SNPs
    assert scores.result(1, 0).method == NOT_SCORED["family"]
    assert scores.result(2, 0).method == NOT_SCORED["typed"]


def test_bad_snp_input_is_refused_with_names(small_panel):
    fam = _cousin_family()
    with pytest.raises(InputError, match="PM sample 'B1'.*153 SNPs"):
        SnpData(small_panel, {"B1": np.zeros(5, dtype=np.int8)})
    with pytest.raises(InputError, match="family 'F1', reference 'CO'.*-1 .missing., 0, 1"):
        SnpData(small_panel, {}, {"F1": {"CO": np.full(len(small_panel), 3)}})
    ok = np.zeros(len(small_panel), dtype=np.int8)
    with pytest.raises(InputError, match="family 'F9'"):
        SnpData(small_panel, {}, {"F9": {"CO": ok}}).check([fam])
    with pytest.raises(InputError, match="family 'F1', SNP reference 'ZZ': not an individual"):
        SnpData(small_panel, {}, {"F1": {"ZZ": ok}}).check([fam])
    with pytest.raises(InputError, match="'MP': a missing person"):
        SnpData(small_panel, {}, {"F1": {"MP": ok}}).check([fam])
    with pytest.raises(InputError, match="fst"):
        SnpScores([], [], [], SnpData(small_panel), fst=1.0)


def _frame(res) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    ids = res.identifications.drop([c for c in ("snp_log10_lr", "snp_method")
                                    if c in res.identifications.columns])
    return ids, res.family_level, res.held_back


@settings(deadline=None, max_examples=4, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), typed=st.sampled_from(["pm", "references"]))
def test_no_snp_data_leaves_identify_unchanged(markers, small_panel, seed, typed):
    """SNP calls on one side only (PM samples without SNP-typed references, or the other way
    round) add nothing: identify's identifications, family-level proposals and held-back
    list are those without ``snp``, to 1e-9."""
    prog = simulate_programme(8, 8, markers=markers, seed=seed,
                              shapes=["parents", "siblings", "cousin"],
                              missing_per_family=(1, 2), fragments=0.2)
    snp = simulate_programme_snps(prog, small_panel, np.random.default_rng(seed),
                                  pm_missing=0.3)
    one_side = SnpData(small_panel, snp.pm if typed == "pm" else {},
                       {} if typed == "pm" else snp.references)
    ds = prog.dataset
    plain = identify(ds.am, ds.pm, ds.markers)
    with_snp = identify(ds.am, ds.pm, ds.markers, snp=one_side, snp_options={"fst": 0.01})
    assert (with_snp.identifications["snp_log10_lr"] == 0).all()
    for a, b in zip(_frame(plain), _frame(with_snp)):
        assert a.columns == b.columns and a.height == b.height
        for col in a.columns:
            if a[col].dtype == pl.Float64:
                np.testing.assert_allclose(a[col].to_numpy(), b[col].to_numpy(), rtol=1e-9)
            else:
                assert a[col].to_list() == b[col].to_list(), col


@pytest.fixture(scope="module")
def cousin_programme(markers):
    """30 families, each with one missing person and a single first cousin as reference;
    30 bodies (20% unrelated); SNPs on the whole FORCE panel, 1% error, 30% missing calls."""
    prog = simulate_programme(30, 30, markers=markers, seed=5, shapes=["cousin"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, load_force_panel(), np.random.default_rng(6),
                                  pm_error=0.01, reference_error=0.01, pm_missing=0.3)
    return prog, snp


def _outcome(prog, res) -> tuple[int, int, int, int]:
    truth = {p: (f, m) for p, f, m in prog.truth.select("pm", "family", "missing").iter_rows()}
    ids, fl = res.identifications, res.family_level
    true_ids = sum(truth[p] == (f, m) for p, f, m in ids.select("pm", "family", "missing")
                   .iter_rows())
    true_fl = sum(truth[p][0] == f for p, f in fl.select("pm", "family").iter_rows())
    return true_ids, ids.height - true_ids, true_fl, fl.height - true_fl


def test_snps_place_bodies_that_a_cousin_on_str_cannot(cousin_programme):
    """With a single first cousin per family, STR alone places no body; STR + SNP (fst 0.01)
    without the references' relatives as alternatives (``reference_kin=0``) places most
    bodies of missing persons in their family, and none falsely (these programmes draw no
    body related to a reference but not to the missing person). With the unregistered
    relatives as alternatives (the default) the placements are family-level: the missing
    man's unregistered brother has the same SNP LR against the cousin, and his posterior
    stays; with a closed list (no relatives) they are individual identifications. With the
    references' relatives (the default) none is placed: the cousin's own cousin through his
    in-law parent has the missing man's LR (``test_reference_kin.py``)."""
    prog, snp = cousin_programme
    ds = prog.dataset
    n_found = prog.truth["family"].is_not_null().sum()
    opts = {"fst": 0.01}
    plain = identify(ds.am, ds.pm, ds.markers)
    with_kin = identify(ds.am, ds.pm, ds.markers, snp=snp, snp_options=opts)
    print("with the references' relatives:", _outcome(prog, with_kin))
    assert _outcome(prog, with_kin) == (0, 0, 0, 0)
    assert (with_kin.decision.bodies["p_reference_kin"] > 0).any()
    combined = identify(ds.am, ds.pm, ds.markers, snp=snp, snp_options=opts,
                        reference_kin=0.0)
    assert _outcome(prog, plain) == (0, 0, 0, 0)
    true_ids, false_ids, true_fl, false_fl = _outcome(prog, combined)
    assert false_ids == 0 and false_fl == 0
    # measured (seeds 5, 6): 24 of the 24 found missing persons at family level
    assert true_ids == 0 and true_fl >= 0.8 * n_found
    assert (combined.family_level["relatives_posterior"] > 0.05).all()
    params = combined.parameters["snp"]
    assert params["fst"] == 0.01 and params["panel"]["snps"] == 3930
    assert params["pm_error"] == 0.01 and "Hardy-Weinberg" in params["error_model"]
    assert "force_panel.csv" in params["map_source"] and len(params["panel"]["sha256"]) == 64
    # one cousin each: the pairs that passed the screen by the pairwise HMM
    assert set(params["pairs_by_method"]) == {METHODS["pair"], SCREENED}
    assert params["pairs_by_method"][METHODS["pair"]] >= 24
    assert sum(params["pairs_by_method"].values()) >= 24 * 24
    assert params["screen_threshold"] == 1.0 and "unlinked" in params["screen"]
    closed_plain = identify(ds.am, ds.pm, ds.markers, relatives=0.0)
    closed = identify(ds.am, ds.pm, ds.markers, relatives=0.0, snp=snp, snp_options=opts,
                      reference_kin=0.0)
    assert _outcome(prog, closed_plain)[:2] == (0, 0)
    true_ids, false_ids, _, false_fl = _outcome(prog, closed)
    assert false_ids == 0 and false_fl == 0 and true_ids >= 0.8 * n_found  # measured 24/24
    ids = closed.identifications
    assert (ids["snp_log10_lr"] > 0).all()
    assert set(ids["snp_method"].to_list()) == {METHODS["pair"]}
    # the LR the decision used is the STR LR times the SNP LR
    compiled = compile_families(ds.am, prepare_panel(ds.markers, ds.am, ds.pm))
    pairs = search_samples(compiled, ds.pm, threshold=-np.inf, sex_filter=False).pairs
    dna = {(p, f, m): v for p, f, m, v in pairs.select("pm", "family", "missing", "log10_lr")
           .iter_rows()}
    for p, f, m, lr, snp_lr in ids.select("pm", "family", "missing", "log10_lr",
                                          "snp_log10_lr").iter_rows():
        assert lr == pytest.approx(dna[(p, f, m)] + snp_lr, rel=1e-9)


def test_identify_warns_once_about_substructure_at_fst_zero(cousin_programme):
    prog, snp = cousin_programme
    ds = prog.dataset
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        identify(ds.am, ds.pm, ds.markers, snp=snp)
    found = [w for w in caught if issubclass(w.category, SubstructureWarning)]
    assert len(found) == 1 and "fst is 0" in str(found[0].message)
