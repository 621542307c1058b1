"""Programme-scale search on linked SNPs: hypotheses from the family pedigrees, the blocked
screen kernel against the plain loop, candidate LRs against the plain-Python oracle, the
approximations, invariants, and refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import InputError, PedigreeError
from forensic_match.linked import RELATIONSHIPS, load_force_panel, pair_log_likelihood, pair_process
from forensic_match.linked.programme import (
    SnpFamily,
    describe_relationship,
    free_meioses,
    search_programme,
    snp_families,
    trimmed_pedigree,
)
from forensic_match.linked.simulate import degrade, drop_genes
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree
from tests.linked_oracle import oracle_family_likelihood

# Most tests here score distant relatives at fst 0 on purpose; the warning that this is not
# robust to substructure is tested on its own (test_distant_relatives_at_fst_0_are_warned).
pytestmark = pytest.mark.filterwarnings(
    "ignore::forensic_match.linked.programme.SubstructureWarning")

PANEL = load_force_panel()
#: Chromosomes 21 and 22 of the FORCE panel: fast, still linked.
SMALL = PANEL.subset([m.name for m, c in zip(PANEL.markers, PANEL.chrom) if c in ("21", "22")])
#: Chromosomes 17-22 (672 SNPs): enough to tell an uncle from a stranger.
MID = PANEL.subset([m.name for m, c in zip(PANEL.markers, PANEL.chrom)
                    if c in ("17", "18", "19", "20", "21", "22")])


def big_family() -> Pedigree:
    """Paternal grandparents GF, GM with sons FA (the missing person's father) and UN; UN's
    wife AW and daughter CO; the mother MO with her parents MGF, MGM and sister AU; the
    missing person MP; a great-grandfather GGF above GF; double first cousins DC through a
    brother of FA (BR) married to a sister of MO (SI)."""
    return Pedigree.from_records([
        ("GGF", None, None, "M"), ("GGM", None, None, "F"), ("GF", "GGF", "GGM", "M"),
        ("GM", None, None, "F"), ("FA", "GF", "GM", "M"), ("UN", "GF", "GM", "M"),
        ("BR", "GF", "GM", "M"), ("AW", None, None, "F"), ("CO", "UN", "AW", "F"),
        ("MGF", None, None, "M"), ("MGM", None, None, "F"), ("MO", "MGF", "MGM", "F"),
        ("AU", "MGF", "MGM", "F"), ("SI", "MGF", "MGM", "F"), ("DC", "BR", "SI", "M"),
        ("MP", "FA", "MO", "M")])


def tiny_panel(freq, cm_male, cm_female):
    from forensic_match.linked import SnpPanel

    n = len(freq)
    return SnpPanel(tuple(Marker(f"m{i}", ("A", "B"), (f, 1 - f)) for i, f in enumerate(freq)),
                    np.array(["1"] * n), np.asarray(cm_male, float), np.asarray(cm_male, float),
                    np.asarray(cm_female, float))


# --- relationships from the pedigree ----------------------------------------------------------

def test_relationship_of_each_reference_is_read_from_the_pedigree():
    ped = big_family()
    expect = {"GM": ("grandparent", 2), "GGF": ("great-grandparent", 3),
              "UN": ("avuncular", 2), "AU": ("avuncular", 2), "FA": ("parent-child", 1),
              "CO": ("first cousins", 3), "AW": ("unrelated in the pedigree", None),
              "DC": ("several lines of descent", None)}
    for ref, want in expect.items():
        assert describe_relationship(ped, "MP", ref) == want, ref
    # the named relationship is the built-in one: same state count and kappa once trimmed
    for ref in ("GM", "GGF", "UN", "AU", "CO"):
        name = describe_relationship(ped, "MP", ref)[0]
        proc = pair_process(trimmed_pedigree(ped, ["MP", ref]), "MP", ref)
        built = pair_process(RELATIONSHIPS[name].pedigree(), "A", "B")
        assert proc.n_states == built.n_states, ref
        assert proc.kappa.tolist() == built.kappa.tolist(), ref
    # double first cousins: kappa (9/16, 6/16, 1/16)
    dc = pair_process(trimmed_pedigree(ped, ["MP", "DC"]), "MP", "DC")
    assert dc.kappa.tolist() == [9 / 16, 6 / 16, 1 / 16]


def test_trimming_keeps_the_likelihood_and_shrinks_the_states():
    ped = big_family()
    rng = np.random.default_rng(2)
    haps = drop_genes(ped, SMALL, rng)
    calls = {i: degrade(haps[i], SMALL.freq_a1, rng, error=0.01, missing=0.2)
             for i in ("MP", "UN", "AU")}
    for ref in ("UN", "AU"):
        full = pair_process(ped, "MP", ref)
        trim = pair_process(trimmed_pedigree(ped, ["MP", ref]), "MP", ref)
        assert trim.n_states < full.n_states
        a = pair_log_likelihood(full, SMALL, calls["MP"], calls[ref], error=(0.01, 0.01))
        b = pair_log_likelihood(trim, SMALL, calls["MP"], calls[ref], error=(0.01, 0.01))
        assert a == pytest.approx(b, rel=1e-12)
    assert free_meioses(trimmed_pedigree(ped, ["MP", "UN"]), ["MP", "UN"]) == 3


# --- the blocked screen kernel against the loop ------------------------------------------------

@settings(deadline=None, max_examples=30)
@given(seed=st.integers(0, 2 ** 31), shape=st.tuples(st.integers(1, 7), st.integers(1, 9),
                                                     st.integers(1, 30)),
       block=st.integers(1, 5), missing_row=st.booleans())
def test_blocked_screen_kernel_agrees_with_the_loop(seed, shape, block, missing_row):
    from forensic_match.linked._screen_numba import screen_scores, screen_scores_blocked

    rng = np.random.default_rng(seed)
    n_first, n_second, n = shape
    table = rng.normal(size=(n, 4, 4))
    table[:, :, 0] = 0.0  # a missing second call scores 0 (as every screen table does)
    if not missing_row:
        table[:, 0, :] = 0.0  # and a missing first call too: that column is left out
    first = rng.integers(-1, 3, size=(n_first, n)).astype(np.int8)
    second = rng.integers(-1, 3, size=(n_second, n)).astype(np.int8)
    loop = np.array([[sum(table[m, first[i, m] + 1, second[j, m] + 1] for m in range(n))
                      for j in range(n_second)] for i in range(n_first)])
    np.testing.assert_allclose(screen_scores(table, first, second), loop, rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(screen_scores_blocked(table, first, second, block=block), loop,
                               rtol=1e-12, atol=1e-12)


# --- candidate LRs against the oracle ---------------------------------------------------------

def _oracle_family() -> Pedigree:
    return Pedigree.from_records([
        ("GF", None, None, "M"), ("GM", None, None, "F"), ("F", "GF", "GM", "M"),
        ("U", "GF", "GM", "M"), ("MO", None, None, "F"), ("MP", "F", "MO", "M")])


def _oracle(ped, typed, panel, calls, error, dropout):
    return oracle_family_likelihood(ped, typed, panel.freq_a1.tolist(), ["1"] * len(panel),
                                    panel.cm_male.tolist(), panel.cm_female.tolist(), calls,
                                    error, dropout)


def test_pair_and_family_candidates_agree_with_the_oracle():
    ped = _oracle_family()
    panel = tiny_panel([0.3, 0.7], [0.0, 25.0], [0.0, 40.0])
    pm, u, gm = [1, 2], [1, 1], [0, 1]
    e_pm, e_ref, d_pm = 0.03, 0.02, 0.1
    solo = Pedigree.from_records([("X", None, None, "U")])
    p_pm = _oracle(solo, ["X"], panel, [pm], [e_pm], [d_pm])
    kw = {"pm_error": e_pm, "reference_error": e_ref, "pm_dropout": d_pm,
          "screen_threshold": -math.inf, "min_snps": 0, "segments": False}
    # one reference: the pairwise LR
    res = search_programme(panel, [SnpFamily("F1", ped, ("MP",), {"U": np.array(u)})], ["PM"],
                           np.array([pm]), **kw)
    row = res.candidates.row(0, named=True)
    want = _oracle(ped, ["MP", "U"], panel, [pm, u], [e_pm, e_ref], [d_pm, 0.0]) / (
        p_pm * _oracle(ped, ["U"], panel, [u], [e_ref], [0.0]))
    assert row["method"] == "pair (exact)"
    assert 10 ** row["log10_lr"] == pytest.approx(want, rel=1e-9)
    # two references: the exact family LR
    fam = SnpFamily("F1", ped, ("MP",), {"U": np.array(u), "GM": np.array(gm)})
    res = search_programme(panel, [fam], ["PM"], np.array([pm]), **kw)
    row = res.candidates.row(0, named=True)
    want = _oracle(ped, ["MP", "U", "GM"], panel, [pm, u, gm], [e_pm, e_ref, e_ref],
                   [d_pm, 0.0, 0.0]) / (
        p_pm * _oracle(ped, ["U", "GM"], panel, [u, gm], [e_ref] * 2, [0.0] * 2))
    assert row["method"] == "family (exact)"
    assert 10 ** row["log10_lr"] == pytest.approx(want, rel=1e-9)
    # each pairwise row is the oracle's pair LR
    for ref, calls in (("U", u), ("GM", gm)):
        pair = res.pairs.filter(res.pairs["reference"] == ref).row(0, named=True)
        want = _oracle(ped, ["MP", ref], panel, [pm, calls], [e_pm, e_ref], [d_pm, 0.0]) / (
            p_pm * _oracle(ped, [ref], panel, [calls], [e_ref], [0.0]))
        assert 10 ** pair["log10_lr"] == pytest.approx(want, rel=1e-9)


def _simulated(ped, refs, n_families, seed, panel=SMALL, error=0.01, missing=0.1):
    rng = np.random.default_rng(seed)
    families, pm = [], []
    for f in range(n_families):
        haps = drop_genes(ped, panel, rng)
        calls = {i: degrade(haps[i], panel.freq_a1, rng, error=error, missing=missing)
                 for i in ("MP", *refs)}
        families.append(SnpFamily(f"F{f}", ped, ("MP",), {r: calls[r] for r in refs}))
        pm.append(calls["MP"])
    return families, [f"PM{f}" for f in range(n_families)], np.stack(pm)


def test_approximations_when_the_exact_family_is_off_limits():
    ped = big_family()
    fams, ids, pm = _simulated(ped, ("UN", "AU", "GM"), 2, seed=5)
    kw = {"screen_threshold": -math.inf, "segments": False}
    exact = search_programme(SMALL, fams, ids, pm, **kw)
    assert set(exact.candidates["method"]) == {"family (exact)"}
    for approx in ("branches", "best"):
        res = search_programme(SMALL, fams, ids, pm, family_max_persons=1,
                               approximation=approx, **kw)
        for row in res.candidates.iter_rows(named=True):
            pairs = res.pairs.filter((res.pairs["pm"] == row["pm"])
                                     & (res.pairs["family"] == row["family"]))
            lr = dict(zip(pairs["reference"], pairs["log10_lr"]))
            # UN and GM are on the paternal branch (related), AU on the maternal one
            want = (max(lr["UN"], lr["GM"]) + lr["AU"]) if approx == "branches" \
                else max(lr.values())
            assert row["log10_lr"] == pytest.approx(want, rel=1e-12)
            assert row["method"].startswith("approx")
    # true pairs: the exact and the approximate LRs agree on who is related
    for table in (exact.candidates,):
        true = table.filter(table["pm"].str.slice(2) == table["family"].str.slice(1))
        assert (true["log10_lr"] > 4).all()


def test_independent_branches_are_exact_when_the_pm_is_homozygous_everywhere():
    # No phase to sum over: the missing person's paternal and maternal genes are known, so the
    # paternal and the maternal references are independent given them.
    ped = big_family()
    panel = SMALL.subset([m.name for m in SMALL.markers[:120]])
    fams, ids, _ = _simulated(ped, ("UN", "AU"), 1, seed=6, panel=panel)
    pm = np.random.default_rng(7).choice([0, 2], size=(1, len(panel))).astype(np.int8)
    kw = {"screen_threshold": -math.inf, "segments": False, "pm_error": 0.0, "min_snps": 0}
    exact = search_programme(panel, fams, ids, pm, **kw).candidates
    approx = search_programme(panel, fams, ids, pm, family_max_persons=1, **kw).candidates
    assert exact["method"][0] == "family (exact)"
    assert approx["log10_lr"][0] == pytest.approx(exact["log10_lr"][0], rel=1e-9, abs=1e-9)


# --- invariants -------------------------------------------------------------------------------

_FAMS = _simulated(big_family(), ("UN", "CO"), 4, seed=11)


@settings(deadline=None, max_examples=8)
@given(order=st.permutations(range(4)), fam_order=st.permutations(range(4)))
def test_result_does_not_depend_on_the_order_of_samples_or_families(order, fam_order):
    fams, ids, pm = _FAMS
    kw = {"screen_threshold": 0.0, "top": 2, "segments": False}
    base = search_programme(SMALL, fams, ids, pm, **kw)
    other = search_programme(SMALL, [fams[k] for k in fam_order], [ids[k] for k in order],
                             pm[list(order)], **kw)
    for name in ("candidates", "by_pm", "by_missing", "pairs"):
        assert getattr(base, name).equals(getattr(other, name)), name


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 1000), fst=st.sampled_from([0.0, 0.02]))
def test_lr_is_one_when_the_pm_sample_carries_no_information(seed, fst):
    # An untyped PM sample: both hypotheses give the references' own likelihood.
    fams, ids, _ = _simulated(big_family(), ("UN", "GM", "AU"), 1, seed=seed)
    pm = np.full((1, len(SMALL)), -1, dtype=np.int8)
    for limit in (4, 1):
        res = search_programme(SMALL, fams, ids, pm, screen_threshold=-math.inf, min_snps=0,
                               family_max_persons=limit, segments=False, fst=fst)
        assert res.candidates.height == 1
        assert res.candidates["log10_lr"][0] == pytest.approx(0.0, abs=1e-9)
        assert np.allclose(res.pairs["log10_lr"], 0.0, atol=1e-9)


def test_true_relatives_rank_first_with_segments():
    fams, ids, pm = _simulated(big_family(), ("UN",), 4, seed=21, panel=MID)
    res = search_programme(MID, fams, ids, pm, screen_threshold=0.0, top=1)
    assert res.by_pm["pm"].to_list() == ids
    assert [f[1:] for f in res.by_pm["family"]] == [i[2:] for i in ids]
    assert (res.by_pm["relationship"] == "avuncular").all()
    assert (res.by_pm["segments"] >= 1).all() and (res.by_pm["segments_cm"] > 20).all()
    assert res.by_missing.height == 4


# --- input and refusals -------------------------------------------------------------------------

def test_references_are_attached_to_their_families():
    ped = big_family()
    peds = {"F1": (ped, ["MP"]), "F2": (ped, ["MP"])}
    codes = np.zeros((2, 3), dtype=np.int8)
    fams = snp_families(peds, [("F1", "UN"), ("F2", "AU")], codes)
    assert [sorted(f.references) for f in fams] == [["UN"], ["AU"]]
    with pytest.raises(InputError, match="families 'F1', 'F2'; add a family column"):
        snp_families(peds, [(None, "UN")], codes[:1])
    with pytest.raises(InputError, match="missing person of family 'F1'"):
        snp_families(peds, [("F1", "MP")], codes[:1])
    with pytest.raises(InputError, match="family 'F9' is not in the pedigree table"):
        snp_families(peds, [("F9", "UN")], codes[:1])
    with pytest.raises(InputError, match="'ZZ': not an individual"):
        snp_families(peds, [("F1", "ZZ")], codes[:1])


def test_an_uncomputable_relationship_is_refused_naming_family_and_reference():
    from forensic_match.linked.relationships import relationship_pedigree

    far = relationship_pedigree(11, 11, first="MP", second="R")  # 22 free meioses
    fam = SnpFamily("F7", far, ("MP",), {"R": np.zeros(len(SMALL), dtype=np.int8)})
    with pytest.raises(PedigreeError, match="family 'F7', reference 'R'.*missing person 'MP'"):
        search_programme(SMALL, [fam], ["PM"], np.zeros((1, len(SMALL)), dtype=np.int8))
    from forensic_match.linked.programme import UncomputableReferenceWarning

    with pytest.warns(UncomputableReferenceWarning, match="family 'F7', reference 'R'"):
        res = search_programme(SMALL, [fam], ["PM"], np.zeros((1, len(SMALL)), np.int8),
                               skip_uncomputable=True)
    assert res.references["status"][0].startswith("refused: ")
    assert res.candidates.height == 0
    ok = SnpFamily("F3", RELATIONSHIPS["second cousins"].pedigree("MP", "R"), ("MP",),
                   {"R": np.zeros(len(SMALL), dtype=np.int8)})
    assert search_programme(SMALL, [ok], ["PM"], np.zeros((1, len(SMALL)), np.int8),
                            screen_threshold=-math.inf).references["relationship"][0] == \
        "second cousins"
    with pytest.raises(InputError, match="approximation must be one of"):
        search_programme(SMALL, [ok], ["PM"], np.zeros((1, len(SMALL)), np.int8),
                         approximation="product")


def test_reference_table_with_a_family_column(tmp_path):
    from forensic_match.linked.genotypes import read_snp_reference_genotypes, read_snp_samples

    path = tmp_path / "refs.csv"
    path.write_text("family,sample,marker,allele1,allele2\n"
                    "F1,UN,rs9442372,G,A\nF2,UN,rs9442372,G,G\nF2,UN,rs4648727,C,\n"
                    ",AU,rs4648727,A,C\n")
    keys, codes = read_snp_reference_genotypes(path, PANEL)
    assert keys == (("F1", "UN"), ("F2", "UN"), (None, "AU"))
    assert codes[:, :2].tolist() == [[1, -1], [2, 2], [-1, 1]]
    twice = tmp_path / "twice.csv"
    twice.write_text("family,sample,marker,allele1,allele2\n"
                     "F1,UN,rs9442372,G,A\nF1,UN,rs9442372,G,G\n")
    with pytest.raises(InputError, match="line 3.*typed again"):
        read_snp_reference_genotypes(twice, PANEL)
    # the PM reader ignores a family column: a sample id is one sample
    with pytest.raises(InputError, match="line 3, sample 'UN'.*typed again"):
        read_snp_samples(path, PANEL)
    bones = tmp_path / "pm.csv"
    bones.write_text("sample,marker,allele1,allele2\nB1,rs9442372,A,A\n")
    samples, pm = read_snp_samples(bones, PANEL)
    assert samples == ("B1",) and pm[0, 0] == 0 and (pm[0, 1:] == -1).all()


@pytest.mark.filterwarnings("error::forensic_match.linked.programme.SubstructureWarning")
def test_distant_relatives_at_fst_0_are_warned():
    """At fst 0 a third-degree (or more distant) reference gets a SubstructureWarning
    (docs/linked.md item 10: such LRs break P(LR >= t) <= 1/t under substructure); with fst
    above 0, or with close relatives only, no warning."""
    import warnings

    from forensic_match.linked.programme import SubstructureWarning

    codes = np.zeros(len(SMALL), dtype=np.int8)
    far = SnpFamily("F3", RELATIONSHIPS["second cousins"].pedigree("MP", "R"), ("MP",),
                    {"R": codes})
    near = SnpFamily("F1", RELATIONSHIPS["full siblings"].pedigree("MP", "R"), ("MP",),
                     {"R": codes})
    pm = np.zeros((1, len(SMALL)), dtype=np.int8)
    with pytest.warns(SubstructureWarning, match="fst is 0 and 1 .* degree 3 or more"):
        search_programme(SMALL, [far, near], ["PM"], pm)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        search_programme(SMALL, [far, near], ["PM"], pm, fst=0.02)
        search_programme(SMALL, [near], ["PM"], pm)
