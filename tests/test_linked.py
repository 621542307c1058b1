"""Linked SNPs: panel reading, the pairwise inheritance HMM against a plain-Python oracle and
the unlinked engine, pinned values, and gene dropping against the map."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import GenotypeError, InputError, MarkerError
from forensic_match.likelihood import pedigree_likelihood
from forensic_match.linked import (
    RELATIONSHIPS,
    SnpPanel,
    genotype_codes,
    linked_kinship_lr,
    load_decode_map,
    load_force_panel,
    pair_log_likelihood,
    pair_process,
    panel_from_markers,
    read_panel,
    relationship_pedigree,
)
from forensic_match.linked.panel import haldane
from forensic_match.linked.simulate import _chromosome_spans, simulate_pair, transmit
from forensic_match.markers import Marker
from tests.helpers import call_profiles, fragment, write
from tests.linked_oracle import oracle_likelihood

PANEL = load_force_panel()
HEADER = "chrom,marker,mb,a1,a2,freq_a1,cm_male,cm_female\n"
#: Relationships small enough for the oracle with up to 3 markers.
SMALL = ("parent-child", "full siblings", "half siblings", "grandparent", "half avuncular")


def tiny_panel(freq, cm_male, cm_female, chrom=None) -> SnpPanel:
    n = len(freq)
    return SnpPanel(tuple(Marker(f"m{i}", ("A", "B"), (f, 1 - f)) for i, f in enumerate(freq)),
                    np.array(chrom or ["1"] * n), np.asarray(cm_male, float),
                    np.asarray(cm_male, float), np.asarray(cm_female, float))


# --- panel --------------------------------------------------------------------------------

def test_force_panel_is_read_with_positions():
    assert len(PANEL) == 3930
    assert PANEL.chromosomes == tuple(str(c) for c in range(1, 23))
    m = PANEL.markers[1]
    assert (m.name, m.alleles, m.frequencies[0]) == ("rs4648727", ("C", "A"), 0.637)
    assert (PANEL.mb[1], PANEL.cm_male[1], PANEL.cm_female[1]) == (1.84483, 0.3441, 0.0166)
    assert PANEL.theta[0].tolist() == [0.5, 0.5]
    assert PANEL.theta[1, 0] == pytest.approx(0.5 * (1 - math.exp(-2 * 0.3441 / 100)))
    assert np.all(PANEL.theta[PANEL.chrom_start] == 0.5)


def test_decode_map_lengths():
    gmap = load_decode_map()
    male, female = gmap.length_cm("1")
    assert 180 < male < female < 350  # the female map of chromosome 1 is the longer
    cm_m, cm_f = gmap.positions("1", np.array([1.84483]))
    assert cm_m[0] == pytest.approx(PANEL.cm_male[1], abs=1e-3)
    assert cm_f[0] == pytest.approx(PANEL.cm_female[1], abs=1e-3)


@pytest.mark.parametrize("row, message", [
    ("1,rs1,1.0,A,G,1.2,0,0\n", ("line 2", "rs1", "freq_a1 1.2")),
    ("1,rs1,1.0,A,A,0.2,0,0\n", ("line 2", "rs1", "two different labels")),
    ("1,rs1,x,A,G,0.2,0,0\n", ("line 2", "rs1", "mb 'x' is not a number")),
    ("1,rs1,2.0,A,G,0.2,1,1\n1,rs2,3.0,A,G,0.2,0.5,2\n", ("rs2", "cm_male 0.5", "genome order")),
    ("1,rs1,2.0,A,G,0.2,1,1\n1,rs1,3.0,A,G,0.2,2,2\n", ("line 3", "rs1", "already on line 2")),
])
def test_bad_panel_rows_are_refused(tmp_path, row, message):
    path = write(tmp_path, "panel.csv", HEADER + row)
    with pytest.raises(InputError, match=fragment("panel.csv", *message)):
        read_panel(path)


def test_panel_without_a_column(tmp_path):
    path = write(tmp_path, "panel.csv", "chrom,marker,mb,a1,a2,freq_a1,cm_male\n")
    with pytest.raises(InputError, match="no 'cm_female' column"):
        read_panel(path)


def test_panel_from_format_fields_sorts_and_checks():
    m1 = Marker("s1", ("A", "G"), (0.3, 0.7))
    m2 = Marker("s2", ("C", "T"), (0.6, 0.4))
    pos = {"s1": {"chrom": "7", "mb": 20.0, "cm_male": 30.0, "cm_female": 40.0},
           "s2": {"chrom": "7", "mb": 12.34, "cm_male": 20.1, "cm_female": 31.7}}
    panel = panel_from_markers([m1, m2], pos)
    assert [m.name for m in panel.markers] == ["s2", "s1"]
    with pytest.raises(InputError, match="marker 's2': linked marker has no 'cm_female'"):
        panel_from_markers([m2], {"s2": {"chrom": "7", "mb": 1, "cm_male": 1}})
    with pytest.raises(MarkerError, match="biallelic"):
        SnpPanel((Marker("x", ("1", "2", "3"), (0.2, 0.3, 0.5)),), np.array(["1"]),
                 np.zeros(1), np.zeros(1), np.zeros(1))


def test_genotype_codes_and_bad_alleles():
    panel = PANEL.subset(["rs9442372", "rs4648727"])
    codes = genotype_codes(panel, {"rs9442372": ("G", "A"), "rs4648727": ("A", None)})
    assert codes.tolist() == [1, 0]
    assert genotype_codes(panel, {"rs9442372": ("G", "G")}).tolist() == [2, -1]
    with pytest.raises(GenotypeError, match=fragment("sample 'PM1'", "marker 'rs9442372'",
                                                     "allele 'T'", "not one of")):
        genotype_codes(panel, {"rs9442372": ("G", "T")}, sample="PM1")


# --- the process ----------------------------------------------------------------------------

@pytest.mark.parametrize("name, kappa, states", [
    ("parent-child", (0, 1, 0), 1), ("full siblings", (0.25, 0.5, 0.25), 4),
    ("half siblings", (0.5, 0.5, 0), 2), ("avuncular", (0.5, 0.5, 0), 8),
    ("first cousins", (0.75, 0.25, 0), 16), ("second cousins", (15 / 16, 1 / 16, 0), 64),
    ("first cousins twice removed", (15 / 16, 1 / 16, 0), 64),
    ("half first cousins once removed", (15 / 16, 1 / 16, 0), 16),
])
def test_process_has_the_relationship_kappa(name, kappa, states):
    rel = RELATIONSHIPS[name]
    proc = pair_process(rel.pedigree(), "A", "B")
    assert proc.kappa.tolist() == pytest.approx(kappa, abs=1e-15)
    assert proc.n_states == states
    assert 0.5 * proc.kappa[1] / 2 + proc.kappa[2] / 2 == pytest.approx(rel.kinship)


def test_relationship_builder_names_and_sexes():
    ped = relationship_pedigree(1, 2, second_line="M")
    assert ped.parents("B") == ("B_1", "B_sp")
    assert ped.parents("A") == ("CA_M", "CA_F")
    with pytest.raises(InputError, match="1 sexes"):
        relationship_pedigree(1, 2, second_line="MF")


# --- oracle agreement -------------------------------------------------------------------------

def _compare(ped, freq, cmm, cmf, chrom, ca, cb, error, dropout):
    panel = tiny_panel(freq, cmm, cmf, chrom)
    kernel = pair_log_likelihood(pair_process(ped, "A", "B"), panel, np.array(ca),
                                 np.array(cb), error=error, dropout=dropout)
    oracle = oracle_likelihood(ped, "A", "B", list(freq), chrom, list(cmm), list(cmf),
                               list(ca), list(cb), error=error, dropout=dropout)
    assert math.exp(kernel) == pytest.approx(oracle, rel=1e-9)


@settings(deadline=None, max_examples=40)
@given(name=st.sampled_from(SMALL), n=st.integers(1, 3), data=st.data())
def test_kernel_agrees_with_oracle(name, n, data):
    ped = RELATIONSHIPS[name].pedigree()
    meioses = 2 * sum(ped.parents(i) is not None for i in ped.ids)
    n = max(1, min(n, 12 // meioses))  # the oracle visits 2 ** (meioses * markers) sequences
    freq = data.draw(st.lists(st.floats(0.05, 0.95), min_size=n, max_size=n))
    steps = st.lists(st.floats(0.0, 80.0), min_size=n, max_size=n)
    cmm, cmf = np.cumsum(data.draw(steps)), np.cumsum(data.draw(steps))
    chrom = data.draw(st.lists(st.sampled_from(["1", "2"]), min_size=n, max_size=n))
    chrom = sorted(chrom)
    calls = st.lists(st.integers(-1, 2), min_size=n, max_size=n)
    error = (data.draw(st.floats(0, 0.3)), data.draw(st.floats(0, 0.3)))
    dropout = (data.draw(st.floats(0, 0.3)), data.draw(st.floats(0, 0.3)))
    _compare(ped, freq, cmm, cmf, chrom, data.draw(calls), data.draw(calls), error, dropout)


@pytest.mark.parametrize("name", ["avuncular", "first cousins", "great-grandparent"])
def test_larger_relationships_agree_with_oracle(name):
    _compare(RELATIONSHIPS[name].pedigree(), [0.3, 0.8], [0.0, 12.0], [0.0, 31.0], ["1", "1"],
             [1, 2], [1, 1], (0.02, 0.05), (0.0, 0.1))


def test_inbred_person_agrees_with_oracle():
    """B is the child of half siblings: the pattern with B's two genes identical occurs."""
    from forensic_match.pedigree import Pedigree

    ped = Pedigree.from_records([("F", None, None, "M"), ("M1", None, None, "F"),
                                 ("M2", None, None, "F"), ("A", "F", "M1", "M"),
                                 ("S", "F", "M2", "F"), ("B", "A", "S", "M")])
    _compare(ped, [0.3, 0.6], [0.0, 20.0], [0.0, 5.0], ["1", "1"], [1, 2], [2, 2],
             (0.0, 0.01), (0.0, 0.0))


# --- limits and pinned values -----------------------------------------------------------------

@pytest.mark.parametrize("name", ["full siblings", "avuncular", "first cousins",
                                  "second cousins"])
def test_unlinked_limit_equals_the_exact_engine(name):
    rng = np.random.default_rng(7)
    panel = PANEL.subset([m.name for m in PANEL.markers[:300]])
    ped = RELATIONSHIPS[name].pedigree()
    a, b = simulate_pair(ped, "A", "B", panel, rng, missing=0.2)
    profiles = call_profiles(panel.markers, {"A": a, "B": b})
    dropout = {"A": 0.0, "B": 0.15}
    exact = np.sum(np.log(pedigree_likelihood(ped, panel.markers, profiles,
                                              observation=dropout)))
    proc = pair_process(ped, "A", "B")
    unlinked = pair_log_likelihood(proc, panel.without_linkage(), a, b, dropout=(0.0, 0.15))
    assert unlinked == pytest.approx(exact, rel=1e-9)
    far = SnpPanel(panel.markers, panel.chrom, panel.mb, panel.cm_male * 1e6,
                   panel.cm_female * 1e6)
    assert pair_log_likelihood(proc, far, a, b, dropout=(0.0, 0.15)) == \
        pytest.approx(exact, rel=1e-9)
    linked = pair_log_likelihood(proc, panel, a, b, dropout=(0.0, 0.15))
    assert linked != pytest.approx(exact, rel=1e-6)


def test_one_marker_values_by_hand():
    panel = PANEL.subset(["rs9442372"])
    p = 0.611
    prof = {"A": {"rs9442372": ("G", "G")}, "B": {"rs9442372": ("G", "A")}}
    pc = linked_kinship_lr(RELATIONSHIPS["parent-child"].pedigree(), None, panel, prof,
                           first="A", second="B")
    assert pc.lr == pytest.approx(1 / (2 * p), rel=1e-12)
    err = 0.01
    res = linked_kinship_lr(RELATIONSHIPS["parent-child"].pedigree(), None, panel, prof,
                            first="A", second="B", genotype_error={"A": err})
    # P(A calls GG | true t) = (1 - e)[t = GG] + e p^2; B exact; parent-child P(B=GA | A=t)
    hw = {"GG": p * p, "GA": 2 * p * (1 - p), "AA": (1 - p) ** 2}
    b_given = {"GG": 1 - p, "GA": 0.5, "AA": p}
    num = sum(hw[t] * ((1 - err) * (t == "GG") + err * p * p) * b_given[t] for t in hw)
    den = p * p * hw["GA"]
    assert res.lr == pytest.approx(num / den, rel=1e-12)


def test_two_linked_markers_half_siblings_by_hand():
    """Paternal half siblings both G/G at two markers d cM apart on the male map: the IBD
    indicator flips when exactly one of the father's two meioses recombines."""
    p1, p2, d = 0.611, 0.637, 0.3441
    panel = PANEL.subset(["rs9442372", "rs4648727"])
    prof = {k: {"rs9442372": ("G", "G"), "rs4648727": ("C", "C")} for k in ("A", "B")}
    res = linked_kinship_lr(RELATIONSHIPS["half siblings"].pedigree(), None, panel, prof,
                            first="A", second="B")
    theta = 0.5 * (1 - math.exp(-2 * d / 100))
    r = 2 * theta * (1 - theta)
    e1, e0 = (p1 ** 3, p2 ** 3), (p1 ** 4, p2 ** 4)
    lik = 0.5 * ((1 - r) * (e1[0] * e1[1] + e0[0] * e0[1]) + r * (e1[0] * e0[1]
                                                                   + e0[0] * e1[1]))
    assert res.lr == pytest.approx(lik / (e0[0] * e0[1]), rel=1e-12)


@settings(deadline=None, max_examples=20)
@given(name=st.sampled_from(sorted(RELATIONSHIPS)), seed=st.integers(0, 2 ** 32 - 1))
def test_lr_is_one_for_the_same_hypothesis(name, seed):
    rng = np.random.default_rng(seed)
    panel = PANEL.subset([m.name for m in PANEL.markers[:200]])
    a, b = simulate_pair(RELATIONSHIPS["first cousins"].pedigree(), "A", "B", panel, rng,
                         error=0.01, missing=0.3)
    ped = RELATIONSHIPS[name].pedigree()
    prof = {k: {m.name: (m.alleles[0] if c >= 1 else m.alleles[1],
                         m.alleles[0] if c == 2 else m.alleles[1])
                for m, c in zip(panel.markers, codes) if c >= 0}
            for k, codes in (("A", a), ("B", b))}
    res = linked_kinship_lr(ped, ped, panel, prof, first="A", second="B",
                            genotype_error={"A": 0.01, "B": 0.05})
    assert res.log10_lr == 0.0
    relabelled = ped.relabel({"A": "X", "B": "Y"})
    res2 = linked_kinship_lr(relabelled, None, panel, {"X": prof["A"], "Y": prof["B"]},
                             first="X", second="Y", genotype_error={"X": 0.01, "Y": 0.05})
    res3 = linked_kinship_lr(ped, None, panel, prof, first="A", second="B",
                             genotype_error={"A": 0.01, "B": 0.05})
    assert res2.log10_lr == pytest.approx(res3.log10_lr, rel=1e-12, abs=1e-12)


def test_bad_input_to_the_lr():
    ped = RELATIONSHIPS["full siblings"].pedigree()
    panel = PANEL.subset(["rs9442372"])
    with pytest.raises(InputError, match="profile of 'C'"):
        linked_kinship_lr(ped, None, panel, {"C": {}}, first="A", second="B")
    with pytest.raises(InputError, match="genotype_error of sample 'A'"):
        linked_kinship_lr(ped, None, panel, {}, first="A", second="B",
                          genotype_error={"A": 1.5})
    with pytest.raises(InputError, match="'Z' is not in the pedigree"):
        linked_kinship_lr(ped, None, panel, {}, first="A", second="Z")


# --- simulation -------------------------------------------------------------------------------

@pytest.mark.parametrize("sex", ["male", "female"])
def test_meioses_switch_at_the_map_rate(sex):
    """Between adjacent FORCE markers, the fraction of meioses whose transmitted haplotype
    switches is the Haldane recombination fraction; summed over the panel, the number of
    switches per meiosis has mean sum(theta) (Halldorsson et al. 2019 map)."""
    rng = np.random.default_rng(11)
    cm = PANEL.cm_male if sex == "male" else PANEL.cm_female
    chrom_id, spans = _chromosome_spans(PANEL)
    haps = np.stack([np.zeros(len(PANEL), np.int8), np.ones(len(PANEL), np.int8)])
    n = 1000
    switches = np.empty(n)
    for k in range(n):
        got = transmit(haps, cm, chrom_id, spans, rng)
        change = (got[1:] != got[:-1]) & ~PANEL.chrom_start[1:]
        switches[k] = change.sum()
    theta = np.where(PANEL.chrom_start[1:], 0.0, haldane(np.diff(cm)))
    expected = theta.sum()
    sd = math.sqrt(np.sum(theta * (1 - theta)) / n)
    assert abs(switches.mean() - expected) < 5 * sd
    assert expected > 15


def test_simulated_degradation_rates():
    rng = np.random.default_rng(3)
    ped = RELATIONSHIPS["full siblings"].pedigree()
    a, b = simulate_pair(ped, "A", "B", PANEL, rng, error=0.01, missing=0.3)
    assert abs(np.mean(a < 0) - 0.3) < 0.03
    assert set(np.unique(a)) <= {-1, 0, 1, 2}


# --- inference and segments ---------------------------------------------------------------------

def test_posterior_of_sharing_agrees_with_forward_ratios():
    """P(IBD > 0 at marker i | data) = L(data, IBD > 0 at i) / L(data): the second is the
    forward pass (checked against the oracle) with marker i's emission masked."""
    from forensic_match.linked._pair_numba import forward_log_likelihood, prepare_emissions
    from forensic_match.linked.infer import ibd_posterior
    from forensic_match.linked.pair import _PATTERN_ARRAY, PATTERNS

    rng = np.random.default_rng(2)
    panel = PANEL.subset([m.name for m in PANEL.markers[:60]])
    ped = RELATIONSHIPS["avuncular"].pedigree()
    a, b = simulate_pair(ped, "A", "B", panel, rng, error=0.01, missing=0.3)
    proc = pair_process(ped, "A", "B")
    index, post = ibd_posterior(proc, panel, a, b, error=(0.01, 0.02))
    emis, theta, _, kept = prepare_emissions(panel.freq_a1, a, b, np.array([0.01, 0.02]),
                                             np.zeros(2), _PATTERN_ARRAY[proc.used],
                                             panel.theta, 0.0)
    assert index.tolist() == kept.tolist() and index.size > 10
    shared = np.array([len(set(PATTERNS[p][:2]) & set(PATTERNS[p][2:])) > 0
                       for p in proc.used])
    args = (proc.bit_sex, proc.sym_sex, proc.sym_mask)
    total = forward_log_likelihood(proc.column, emis, theta, *args)
    for i in range(index.size):
        masked = emis.copy()
        masked[i] *= shared
        part = forward_log_likelihood(proc.column, masked, theta, *args)
        assert post[i] == pytest.approx(math.exp(part - total), rel=1e-9, abs=1e-12)


def test_segments_and_relationship_ranking():
    from forensic_match.linked import relationship_lrs, shared_segments

    rng = np.random.default_rng(5)
    ped = RELATIONSHIPS["half siblings"].pedigree()
    a, b = simulate_pair(ped, "A", "B", PANEL, rng, error=0.01, missing=0.3)
    table = relationship_lrs(PANEL, a, b, error=(0.01, 0.01))
    assert table["degree"][0] == 2
    assert table["posterior"].sum() == pytest.approx(1.0)
    assert table.filter(table["relationship"] == "unrelated")["log10_lr"][0] == 0.0
    seg = shared_segments(pair_process(ped, "A", "B"), PANEL, a, b, error=(0.01, 0.01))
    assert seg.columns == ["chrom", "first_marker", "last_marker", "start_mb", "end_mb", "cm",
                           "markers", "mean_posterior"]
    # half siblings share one gene over half the genome on average (~3,500 cM averaged map)
    assert 800 < seg["cm"].sum() < 2800
    assert (seg["mean_posterior"] >= 0.5).all()
    x = simulate_pair(ped, "A", "B", PANEL, rng, error=0.01, missing=0.3)[0]
    y = simulate_pair(ped, "A", "B", PANEL, rng, error=0.01, missing=0.3)[0]
    apart = shared_segments(pair_process(ped, "A", "B"), PANEL, x, y, error=(0.01, 0.01))
    assert apart["cm"].sum() < 400


# --- screen and search ----------------------------------------------------------------------------

def test_screen_is_the_unlinked_limit_and_its_kernel_agrees_with_a_loop():
    from forensic_match.linked.pair import _unrelated_process
    from forensic_match.linked.search import screen, screen_table

    rng = np.random.default_rng(8)
    panel = PANEL.subset([m.name for m in PANEL.markers[:400]])
    ped = RELATIONSHIPS["avuncular"].pedigree()
    proc = pair_process(ped, "A", "B")
    pairs = [simulate_pair(ped, "A", "B", panel, rng, error=0.02, missing=0.3)
             for _ in range(3)]
    first = np.stack([p[0] for p in pairs])
    second = np.stack([p[1] for p in pairs])
    scores = screen(panel, first, second, proc.kappa, error=0.02)
    table = screen_table(panel, proc.kappa, error=0.02)
    free = panel.without_linkage()
    for i in range(3):
        for j in range(3):
            loop = sum(table[m, first[i, m] + 1, second[j, m] + 1] for m in range(len(panel)))
            assert scores[i, j] == pytest.approx(loop, rel=1e-9, abs=1e-12)
            hmm = (pair_log_likelihood(proc, free, first[i], second[j], error=(0.02, 0.02))
                   - pair_log_likelihood(_unrelated_process("A", "B"), free, first[i],
                                         second[j], error=(0.02, 0.02))) / math.log(10)
            assert scores[i, j] == pytest.approx(hmm, rel=1e-9, abs=1e-9)


def test_search_returns_the_related_pairs_that_pass_the_screen():
    from forensic_match.linked.search import screen, search_linked

    rng = np.random.default_rng(9)
    ped = RELATIONSHIPS["half siblings"].pedigree()
    pairs = [simulate_pair(ped, "A", "B", PANEL, rng, error=0.01, missing=0.3)
             for _ in range(4)]
    pm = np.stack([p[0] for p in pairs])
    refs = np.stack([p[1] for p in pairs])
    found = search_linked(PANEL, pm, refs, pair_process(ped, "A", "B"), screen_threshold=3.0,
                          error=0.01, pm_ids=["P0", "P1", "P2", "P3"],
                          reference_ids=["R0", "R1", "R2", "R3"])
    assert sorted(zip(found["pm"], found["reference"])) == [("P0", "R0"), ("P1", "R1"),
                                                            ("P2", "R2"), ("P3", "R3")]
    assert (found["log10_lr"] > 4).all()
    with pytest.raises(InputError, match="kappa must be three probabilities"):
        screen(PANEL, pm, refs, (0.5, 0.6, 0.0))
    with pytest.raises(InputError, match="call codes"):
        screen(PANEL, pm[:, :10], refs, (0.5, 0.5, 0.0))


def test_emission_table_gives_the_same_likelihood():
    from forensic_match.linked.pair import emission_table

    rng = np.random.default_rng(12)
    ped = RELATIONSHIPS["first cousins"].pedigree()
    proc = pair_process(ped, "A", "B")
    table = emission_table(proc, PANEL, error=(0.01, 0.03), dropout=(0.05, 0.0))
    for _ in range(3):
        a, b = simulate_pair(ped, "A", "B", PANEL, rng, error=0.01, missing=0.3)
        direct = pair_log_likelihood(proc, PANEL, a, b, error=(0.01, 0.03),
                                     dropout=(0.05, 0.0))
        assert pair_log_likelihood(proc, PANEL, a, b, table=table) == \
            pytest.approx(direct, rel=1e-12)
    with pytest.raises(InputError, match="does not fit"):
        pair_log_likelihood(proc, PANEL, a, b, table=table[:10])


# --- genotype tables ------------------------------------------------------------------------------

def test_long_form_genotype_table(tmp_path):
    from forensic_match.errors import IgnoredMarkerWarning
    from forensic_match.linked import read_snp_genotypes

    path = write(tmp_path, "calls.csv", "sample,marker,allele1,allele2\n"
                 "PM1,rs9442372,G,A\nPM1,rs4648727,A,\nREF7,rs9442372,,\n"
                 "REF7,rs4648727,C,C\nREF7,rsNOTHERE,A,G\n")
    with pytest.warns(IgnoredMarkerWarning, match="rsNOTHERE"):
        samples, codes = read_snp_genotypes(path, PANEL)
    assert samples == ("PM1", "REF7")
    assert codes[:, :2].tolist() == [[1, 0], [-1, 2]]
    assert (codes[:, 2:] == -1).all()
    bad = write(tmp_path, "bad.csv", "sample,marker,allele1,allele2\nPM1,rs9442372,G,T\n")
    with pytest.raises(GenotypeError, match=fragment("bad.csv", "line 2", "sample 'PM1'",
                                                     "marker 'rs9442372'", "'T'")):
        read_snp_genotypes(bad, PANEL)
    twice = write(tmp_path, "twice.csv", "sample,marker,allele1,allele2\n"
                  "PM1,rs9442372,G,A\nPM1,rs9442372,G,G\n")
    with pytest.raises(InputError, match=fragment("line 3", "typed again", "line 2")):
        read_snp_genotypes(twice, PANEL)


@pytest.mark.parametrize("module", ["panel", "pair", "relationships", "infer", "simulate",
                                    "family"])
def test_docstring_examples_run(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"forensic_match.linked.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_segments_recover_the_true_ibd_of_the_gene_drop():
    """Half siblings gene-dropped with their founder-gene labels: the posterior of sharing is
    calibrated against the drop's true IBD (in each posterior band the true shared fraction
    is near the mean posterior), and calling sharing at posterior >= 0.5 agrees with the
    truth at most informative markers."""
    from forensic_match.linked import ibd_posterior
    from forensic_match.linked.simulate import drop_labels, shared_ibd

    rng = np.random.default_rng(21)
    ped = RELATIONSHIPS["half siblings"].pedigree()
    proc = pair_process(ped, "A", "B")
    posts, truths = [], []
    for _ in range(4):
        labels = drop_labels(ped, PANEL, rng)
        truth = shared_ibd(labels, "A", "B")
        assert truth.max() <= 1  # half siblings never share two genes
        a, b = simulate_pair(ped, "A", "B", PANEL, rng, error=0.01, missing=0.3, labels=labels)
        index, post = ibd_posterior(proc, PANEL, a, b, error=(0.01, 0.01))
        posts.append(post)
        truths.append(truth[index] > 0)
    post, truth = np.concatenate(posts), np.concatenate(truths)
    assert np.mean((post >= 0.5) == truth) > 0.8
    band = np.digitize(post, [0.2, 0.4, 0.6, 0.8])
    for k in range(5):
        assert abs(truth[band == k].mean() - post[band == k].mean()) < 0.08


def test_true_ibd_of_full_siblings_reaches_two():
    from forensic_match.linked.simulate import drop_labels, shared_ibd

    labels = drop_labels(RELATIONSHIPS["full siblings"].pedigree(), PANEL,
                         np.random.default_rng(3))
    counts = np.bincount(shared_ibd(labels, "A", "B"), minlength=3) / len(PANEL)
    assert counts == pytest.approx([0.25, 0.5, 0.25], abs=0.12)


# --- several typed persons ------------------------------------------------------------------------

def _family():
    """A missing person MP, the father's brother U, and the paternal grandmother GM."""
    from forensic_match.pedigree import Pedigree

    return Pedigree.from_records([
        ("GF", None, None, "M"), ("GM", None, None, "F"), ("F", "GF", "GM", "M"),
        ("U", "GF", "GM", "M"), ("MO", None, None, "F"), ("MP", "F", "MO", "M")])


@pytest.mark.parametrize("fst", [0.0, 0.04])
def test_family_kernel_agrees_with_oracle(fst):
    from forensic_match.linked.family import family_log_likelihood, family_process
    from tests.linked_oracle import oracle_family_likelihood

    ped = _family()
    typed = ["U", "MP", "GM"]
    panel = tiny_panel([0.3, 0.7], [0.0, 25.0], [0.0, 40.0])
    calls = [[1, 2], [1, -1], [0, 1]]
    error, dropout = [0.02, 0.05, 0.0], [0.0, 0.1, 0.0]
    kernel = family_log_likelihood(family_process(ped, typed), panel, np.array(calls),
                                   error=error, dropout=dropout, fst=fst)
    oracle = oracle_family_likelihood(ped, typed, [0.3, 0.7], ["1", "1"], [0.0, 25.0],
                                      [0.0, 40.0], calls, error, dropout, fst=fst)
    assert math.exp(kernel) == pytest.approx(oracle, rel=1e-9)


def test_family_of_two_is_the_pair_model_and_unlinked_limit_is_the_engine():
    from forensic_match.linked.family import (
        family_log_likelihood,
        family_process,
        linked_pedigree_lr,
    )
    from forensic_match.linked.simulate import degrade, drop_genes

    rng = np.random.default_rng(13)
    panel = PANEL.subset([m.name for m in PANEL.markers[:250]])
    ped = _family()
    haps = drop_genes(ped, panel, rng)
    typed = ["U", "MP", "GM"]
    calls = np.stack([degrade(haps[i], panel.freq_a1, rng, missing=0.2) for i in typed])
    pair = pair_log_likelihood(pair_process(ped, "U", "MP"), panel, calls[0], calls[1],
                               error=(0.01, 0.02))
    fam = family_log_likelihood(family_process(ped, ["U", "MP"]), panel, calls[:2],
                                error=[0.01, 0.02])
    assert fam == pytest.approx(pair, rel=1e-12)
    profiles = {i: {m.name: (m.alleles[0] if c >= 1 else m.alleles[1],
                             m.alleles[0] if c == 2 else m.alleles[1])
                    for m, c in zip(panel.markers, codes) if c >= 0}
                for i, codes in zip(typed, calls)}
    exact = np.sum(np.log(pedigree_likelihood(ped, panel.markers, profiles,
                                              observation={"MP": 0.1})))
    unlinked = family_log_likelihood(family_process(ped, typed), panel.without_linkage(),
                                     calls, dropout=[0.0, 0.1, 0.0])
    assert unlinked == pytest.approx(exact, rel=1e-9)
    assert linked_pedigree_lr(ped, ped, panel, profiles) == 0.0
    assert linked_pedigree_lr(ped, None, panel, profiles) > 3


VCF = ("##fileformat=VCFv4.2\n##contig=<ID=1>\n"
       '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
       "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPM1\tREF7\n"
       "1\t1083324\trs9442372\tG\tA\t.\t.\t.\tGT\t0/1\t./.\n"
       "1\t1844830\trs4648727\tA\tC\t.\t.\t.\tGT\t1|1\t0/.\n"
       "1\t5000000\trsOTHER\tA\tG\t.\t.\t.\tGT\t0/1\t0/1\n")


def test_vcf_genotypes(tmp_path):
    pytest.importorskip("cyvcf2")
    from forensic_match.errors import IgnoredMarkerWarning
    from forensic_match.linked import read_vcf_genotypes

    path = write(tmp_path, "calls.vcf", VCF)
    with pytest.warns(IgnoredMarkerWarning, match="1 variants are not in the panel"):
        samples, codes = read_vcf_genotypes(path, PANEL)
    assert samples == ("PM1", "REF7")
    # rs4648727: panel allele 1 is C, the VCF's REF is A
    assert codes[:, :2].tolist() == [[1, 2], [-1, 0]]
    bad = write(tmp_path, "bad.vcf", VCF.replace("rs9442372\tG\tA", "rs9442372\tG\tT"))
    with pytest.raises(GenotypeError, match=fragment("bad.vcf", "sample 'PM1'",
                                                     "marker 'rs9442372'", "allele 'T'")):
        read_vcf_genotypes(bad, PANEL)


def test_exclusions_without_genotype_error():
    panel = PANEL.subset(["rs9442372"])
    prof = {"A": {"rs9442372": ("G", "G")}, "B": {"rs9442372": ("A", "A")}}
    pc = RELATIONSHIPS["parent-child"].pedigree()
    assert linked_kinship_lr(pc, None, panel, prof, first="A", second="B").log10_lr == -math.inf
    with pytest.raises(InputError, match="impossible under both hypotheses"):
        linked_kinship_lr(pc, pc, panel, prof, first="A", second="B")
    eased = linked_kinship_lr(pc, None, panel, prof, first="A", second="B",
                              genotype_error={"A": 0.01})
    assert math.isfinite(eased.log10_lr) and eased.log10_lr < -1
    with pytest.raises(InputError, match="call codes"):
        pair_log_likelihood(pair_process(pc, "A", "B"), panel, np.array([3]), np.array([0]))
