"""Genotype likelihoods (VCF GL/PL) as SNP input: the reader, the emission from likelihoods
against a plain-Python oracle and against the call-code path, and the read simulator."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import GenotypeError, IgnoredMarkerWarning, InputError
from forensic_match.linked import (
    RELATIONSHIPS,
    SnpPanel,
    family_log_likelihood,
    family_process,
    linked_kinship_lr,
    load_force_panel,
    pair_log_likelihood,
    pair_process,
)
from forensic_match.linked.pair import _PATTERN_ARRAY, _unrelated_process
from forensic_match.linked.simulate import call_genotypes, sequence_reads, simulate_pair
from forensic_match.markers import Marker
from tests.helpers import call_profiles, fragment, write
from tests.linked_oracle import (
    call_probability,
    data_probability,
    oracle_family_likelihood,
)

PANEL = load_force_panel()
SUB = PANEL.subset([m.name for m in PANEL.markers[:400]])
SMALL = ("parent-child", "full siblings", "half siblings", "grandparent", "half avuncular")

HEAD = ("##fileformat=VCFv4.2\n##contig=<ID=1>\n"
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
        '##FORMAT=<ID=GL,Number=G,Type=Float,Description="log10 likelihoods">\n'
        '##FORMAT=<ID=PL,Number=G,Type=Integer,Description="Phred likelihoods">\n'
        "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\tPM1\tPM2\n")
# rs9442372: panel G/A (allele 1 G), REF G; rs4648727: panel C/A (allele 1 C), REF A
BODY = ("1\t1083324\trs9442372\tG\tA\t.\t.\t.\tGT:GL:PL\t0/1:-1,-0.1,-2:.\t./.:.:0,10,20\n"
        "1\t1844830\trs4648727\tA\tC\t.\t.\t.\tGT:PL\t0/0:0,30,30\t1/1:40,20,0\n"
        "1\t5000000\trsOTHER\tA\tG\t.\t.\t.\tGT:PL\t0/1:0,0,0\t0/1:0,0,0\n")


def tiny_panel(freq, cm, chrom=None) -> SnpPanel:
    n = len(freq)
    return SnpPanel(tuple(Marker(f"m{i}", ("A", "B"), (f, 1 - f)) for i, f in enumerate(freq)),
                    np.array(chrom or ["1"] * n), np.asarray(cm, float),
                    np.asarray(cm, float), np.asarray(cm, float))


def _read(path, field="auto"):
    pytest.importorskip("cyvcf2")
    from forensic_match.linked import read_vcf_genotype_likelihoods

    return read_vcf_genotype_likelihoods(path, PANEL, field)


def _bgzip(plain, target):
    from cyvcf2 import VCF, Writer

    out = Writer(str(target), VCF(str(plain)), mode="wz")
    for var in VCF(str(plain)):
        out.write_record(var)
    out.close()
    return target


# --- the reader -----------------------------------------------------------------------------

@pytest.mark.parametrize("packed", [False, True])
def test_gl_and_pl_are_read_onto_the_panel_alleles(tmp_path, packed):
    path = write(tmp_path, "gl.vcf", HEAD + BODY)
    if packed:
        pytest.importorskip("cyvcf2")
        path = _bgzip(path, tmp_path / "gl.vcf.gz")
    with pytest.warns(IgnoredMarkerWarning, match="1 variants are not in the panel"):
        samples, like = _read(path)
    assert samples == ("PM1", "PM2") and like.shape == (2, len(PANEL), 3)
    # PM1 rs9442372 GL (GG, GA, AA) = (-1, -0.1, -2): copies of G are 2, 1, 0
    assert like[0, 0] == pytest.approx(10 ** (np.array([-2, -0.1, -1]) + 0.1), rel=1e-6)
    # rs4648727: REF A is the panel's allele 2, so PL (AA, AC, CC) keeps its order
    assert like[0, 1].tolist() == pytest.approx([1, 1e-3, 1e-3])
    assert like[1, 1].tolist() == pytest.approx([1e-4, 1e-2, 1])
    # PM2 has no GL at rs9442372 ('.'): auto takes its PL (GG, GA, AA) = (0, 10, 20)
    assert like[1, 0].tolist() == pytest.approx([1e-2, 1e-1, 1])
    assert (like[:, 2:] == 1).all()
    with pytest.warns(IgnoredMarkerWarning):
        _, gl = _read(path, "GL")
    assert gl[1, 0].tolist() == [1, 1, 1] and gl[0, 1].tolist() == [1, 1, 1]
    with pytest.warns(IgnoredMarkerWarning):
        _, pl = _read(path, "PL")
    assert pl[0, 0].tolist() == [1, 1, 1] and pl[1, 0].tolist() == like[1, 0].tolist()


def _one(sample_field, ref="G", alt="A", fmt="GL"):
    return HEAD + (f"1\t1083324\trs9442372\t{ref}\t{alt}\t.\t.\t.\tGT:{fmt}\t"
                   f"./.:{sample_field}\t./.:.\n")


@pytest.mark.parametrize("cell, fmt, message", [
    ("-1,-0.1", "GL", "'-1,-0.1' is not one value for each of the 3 genotypes"),
    ("-1,.,-2", "GL", "'-1,.,-2' is not one value for each of the 3 genotypes"),
    ("-1,nan,-2", "GL", "values must be log10 probabilities"),
    ("-1,0.5,-2", "GL", "values must be log10 probabilities"),
    ("0,-3,20", "PL", "values must be non-negative integers"),
    ("-inf,-inf,-inf", "GL", "probability 0 for every genotype"),
])
def test_bad_values_are_refused_naming_file_sample_marker(tmp_path, cell, fmt, message):
    path = write(tmp_path, "bad.vcf", _one(cell, fmt=fmt))
    with pytest.raises(InputError, match=fragment("bad.vcf", "sample 'PM1'",
                                                  "marker 'rs9442372'", fmt, message)):
        _read(path)


def test_alleles_are_matched_as_the_gt_reader_matches_them(tmp_path):
    # best genotype G/T: T is not one of the SNP's alleles (as a T call would be refused)
    multi = _one("-1,-3,-4,-0.1,-3,-3", alt="A,T")
    path = write(tmp_path, "multi.vcf", multi)
    with pytest.raises(GenotypeError, match=fragment("multi.vcf", "sample 'PM1'",
                                                     "marker 'rs9442372'", "allele 'T'")):
        _read(path)
    # best genotype G/A: the panel genotypes are taken out of the six
    path = write(tmp_path, "ok.vcf", _one("-1,-0.1,-2,-3,-3,-3", alt="A,T"))
    _, like = _read(path)
    assert like[0, 0] == pytest.approx(10 ** (np.array([-2, -0.1, -1]) + 0.1), rel=1e-6)
    # a site without the panel's allele A: its genotypes have no likelihood
    path = write(tmp_path, "mono.vcf", _one("0", alt=".", fmt="PL"))
    with pytest.raises(GenotypeError, match=fragment("mono.vcf", "sample 'PM1'",
                                                     "not the SNP's allele 'A'")):
        _read(path)
    # ... unless an unspecified allele <*> stands for it
    path = write(tmp_path, "star.vcf", _one("0,10,30", alt="<*>", fmt="PL"))
    _, like = _read(path)
    assert like[0, 0].tolist() == pytest.approx([1e-3, 1e-1, 1])
    path = write(tmp_path, "twice.vcf", HEAD + BODY.splitlines(keepends=True)[0] * 2)
    with pytest.raises(InputError, match=fragment("twice.vcf", "rs9442372", "twice")):
        _read(path)
    path = write(tmp_path, "nofield.vcf", HEAD.replace("##FORMAT=<ID=PL", "##INFO=<ID=PL")
                 .replace("##FORMAT=<ID=GL", "##INFO=<ID=GL"))
    with pytest.raises(InputError, match=fragment("nofield.vcf", "no FORMAT GL or PL")):
        _read(path)
    with pytest.raises(InputError, match="field must be"):
        _read(path, "GP")


def test_a_variant_read_as_calls_and_as_likelihoods_agrees(tmp_path):
    """The GT reader and the likelihood reader share the matching: a sample's most likely
    genotype is its call."""
    pytest.importorskip("cyvcf2")
    from forensic_match.linked import read_vcf_genotypes

    path = write(tmp_path, "both.vcf", HEAD + BODY)
    with pytest.warns(IgnoredMarkerWarning):
        _, codes = read_vcf_genotypes(path, PANEL)
    with pytest.warns(IgnoredMarkerWarning):
        _, like = _read(path)
    assert np.argmax(like[0, :2], axis=1).tolist() == codes[0, :2].tolist() == [1, 0]


# --- the emission from likelihoods ----------------------------------------------------------

def test_call_path_is_the_likelihood_path_bit_for_bit():
    """The call-code kernel and the likelihood kernel fed P(call | g) share every operation:
    the fast path for calls is unchanged."""
    from forensic_match.linked._family_numba import family_emission_rows, family_likelihood_rows
    from forensic_match.linked._pair_numba import (
        emission_rows,
        likelihood_rows,
        observation_likelihoods,
    )

    rng = np.random.default_rng(3)
    p = SUB.freq_a1
    for fst in (0.0, 0.03):
        a, b = rng.integers(-1, 3, len(SUB)), rng.integers(-1, 3, len(SUB))
        err, drop = np.array([0.01, 0.05]), np.array([0.1, 0.0])
        calls = emission_rows(p, a, b, err, drop, _PATTERN_ARRAY, fst)
        like = likelihood_rows(p, observation_likelihoods(p, a, err[0], drop[0]),
                               observation_likelihoods(p, b, err[1], drop[1]), _PATTERN_ARRAY,
                               fst)
        assert np.array_equal(calls, like)
        proc = family_process(RELATIONSHIPS["avuncular"].pedigree(), ["A", "B", "B_1"])
        three = rng.integers(-1, 3, (3, len(SUB)))
        e3, d3 = np.array([0.01, 0.0, 0.02]), np.array([0.0, 0.2, 0.0])
        fam = family_emission_rows(p, three, e3, d3, proc.patterns, fst)
        fam_like = family_likelihood_rows(
            p, np.stack([observation_likelihoods(p, three[j], e3[j], d3[j]) for j in range(3)]),
            proc.patterns, fst)
        assert np.array_equal(fam, fam_like)


@settings(deadline=None, max_examples=30)
@given(p=st.floats(0.01, 0.99), code=st.integers(-1, 2), error=st.floats(0.0, 0.5),
       dropout=st.floats(0.0, 0.5), like=st.tuples(*[st.floats(0.0, 2.0)] * 3))
def test_observation_and_mixture_kernels_equal_the_oracle(p, code, error, dropout, like):
    from forensic_match.linked._pair_numba import mixed_likelihoods, observation_likelihoods

    freq = np.array([p])
    obs = observation_likelihoods(freq, np.array([code]), error, dropout)[0]
    assert obs.tolist() == pytest.approx([call_probability(code, g, p, error, dropout)
                                          for g in range(3)], rel=1e-12, abs=1e-15)
    mixed = mixed_likelihoods(freq, np.array([like], dtype=np.float64), error)[0]
    assert mixed.tolist() == pytest.approx([data_probability(like, g, p, error, 0.0)
                                            for g in range(3)], rel=1e-12, abs=1e-15)


def _call_likelihoods(panel, codes, error, dropout):
    """P(call | g) written with the oracle's own observation model."""
    return np.array([[call_probability(int(c), g, float(p), error, dropout) for g in range(3)]
                     for c, p in zip(codes, panel.freq_a1)])


@settings(deadline=None, max_examples=25)
@given(name=st.sampled_from(["parent-child", "full siblings", "half siblings", "avuncular",
                             "first cousins", "second cousins"]),
       seed=st.integers(0, 2 ** 16), error=st.floats(0.0, 0.05), dropout=st.floats(0.0, 0.3),
       fst=st.sampled_from([0.0, 0.02]))
def test_likelihoods_of_calls_give_the_call_lr(name, seed, error, dropout, fst):
    """L(g) = P(call | g) from the observation model gives the call path's log10 LR
    (1e-9), whether e and d are inside L or e is mixed in by the engine."""
    ped = RELATIONSHIPS[name].pedigree()
    a, b = simulate_pair(ped, "A", "B", SUB, np.random.default_rng(seed), error=0.01,
                         missing=0.3)
    proc, unrel = pair_process(ped, "A", "B"), _unrelated_process("A", "B")

    def lr(first, err):
        return (pair_log_likelihood(proc, SUB, first, b, error=(err, 0.01), fst=fst,
                                    dropout=(0.0 if first.ndim == 2 else dropout, 0.0))
                - pair_log_likelihood(unrel, SUB, first, b, error=(err, 0.01), fst=fst,
                                      dropout=(0.0 if first.ndim == 2 else dropout, 0.0)))

    calls = lr(a, error)
    assert lr(_call_likelihoods(SUB, a, error, dropout), 0.0) == pytest.approx(calls, rel=1e-9,
                                                                               abs=1e-9)
    assert lr(_call_likelihoods(SUB, a, 0.0, dropout), error) == pytest.approx(calls, rel=1e-9,
                                                                               abs=1e-9)


@settings(deadline=None, max_examples=30)
@given(name=st.sampled_from(SMALL), n=st.integers(1, 3), data=st.data())
def test_likelihood_kernel_agrees_with_oracle(name, n, data):
    """Random likelihoods for both persons (or likelihoods and calls), genotype error and
    fst: the kernel equals enumeration over every meiosis and founder allele."""
    ped = RELATIONSHIPS[name].pedigree()
    meioses = 2 * sum(ped.parents(i) is not None for i in ped.ids)
    n = max(1, min(n, 12 // meioses))
    freq = data.draw(st.lists(st.floats(0.05, 0.95), min_size=n, max_size=n))
    cm = np.cumsum(data.draw(st.lists(st.floats(0.0, 60.0), min_size=n, max_size=n)))
    chrom = sorted(data.draw(st.lists(st.sampled_from(["1", "2"]), min_size=n, max_size=n)))
    triple = st.tuples(*[st.floats(0.0, 1.0)] * 3).filter(lambda t: max(t) > 1e-3)
    la = data.draw(st.lists(triple, min_size=n, max_size=n))
    second_calls = data.draw(st.booleans())
    lb = (data.draw(st.lists(st.integers(-1, 2), min_size=n, max_size=n)) if second_calls
          else data.draw(st.lists(triple, min_size=n, max_size=n)))
    error = (data.draw(st.floats(0, 0.2)), data.draw(st.floats(0, 0.2)))
    fst = data.draw(st.sampled_from([0.0, 0.1]))
    panel = tiny_panel(freq, cm, chrom)
    kernel = pair_log_likelihood(pair_process(ped, "A", "B"), panel, np.array(la),
                                 np.array(lb), error=error, fst=fst)
    oracle = oracle_family_likelihood(ped, ["A", "B"], list(freq), chrom, list(cm), list(cm),
                                      [la, lb], list(error), [0.0, 0.0], fst=fst)
    assert math.exp(kernel) == pytest.approx(oracle, rel=1e-9)


def test_family_likelihoods_agree_with_oracle_and_the_pair():
    ped = RELATIONSHIPS["avuncular"].pedigree()
    panel = tiny_panel([0.3, 0.7], [0.0, 15.0])
    la = np.array([[0.2, 1.0, 0.05], [1.0, 0.3, 0.0]])
    calls = [la, np.array([1, 2]), np.array([2, -1])]
    proc = family_process(ped, ["A", "B", "B_1"])
    kernel = family_log_likelihood(proc, panel, calls, error=[0.02, 0.01, 0.0], fst=0.05)
    oracle = oracle_family_likelihood(ped, ["A", "B", "B_1"], [0.3, 0.7], ["1", "1"],
                                      [0.0, 15.0], [0.0, 15.0],
                                      [[tuple(r) for r in la], [1, 2], [2, -1]],
                                      [0.02, 0.01, 0.0], [0.0, 0.0, 0.0], fst=0.05)
    assert math.exp(kernel) == pytest.approx(oracle, rel=1e-9)
    pair = pair_log_likelihood(pair_process(ped, "A", "B"), panel, la, np.array([1, 2]),
                               error=(0.02, 0.01))
    two = family_log_likelihood(family_process(ped, ["A", "B"]), panel,
                                [la, np.array([1, 2])], error=[0.02, 0.01])
    assert two == pytest.approx(pair, rel=1e-12)


@pytest.mark.parametrize("name", ["parent-child", "full siblings", "first cousins"])
@pytest.mark.parametrize("error, fst", [(0.0, 0.0), (0.02, 0.03)])
def test_all_ones_likelihoods_give_lr_one(name, error, fst):
    ped = RELATIONSHIPS[name].pedigree()
    _, b = simulate_pair(ped, "A", "B", SUB, np.random.default_rng(2), missing=0.1)
    ones = np.ones((len(SUB), 3))
    proc, unrel = pair_process(ped, "A", "B"), _unrelated_process("A", "B")
    h1 = pair_log_likelihood(proc, SUB, ones, b, error=(error, 0.01), fst=fst)
    h2 = pair_log_likelihood(unrel, SUB, ones, b, error=(error, 0.01), fst=fst)
    assert (h1 - h2) / math.log(10) == pytest.approx(0.0, abs=1e-12)
    # an uninformative person's likelihoods at any scale per SNP also give LR 1
    scaled = ones * np.random.default_rng(1).uniform(0.1, 5.0, (len(SUB), 1))
    assert pair_log_likelihood(proc, SUB, scaled, b) - pair_log_likelihood(unrel, SUB, scaled,
                                                                           b) \
        == pytest.approx(0.0, abs=1e-9)


def test_linked_kinship_lr_takes_likelihoods():
    ped = RELATIONSHIPS["half siblings"].pedigree()
    a, b = simulate_pair(ped, "A", "B", SUB, np.random.default_rng(9), missing=0.2)
    profiles = call_profiles(SUB.markers, {"A": a, "B": b})
    calls = linked_kinship_lr(ped, None, SUB, profiles, first="A", second="B",
                              genotype_error={"A": 0.01, "B": 0.01}, observation={"A": 0.1})
    like = linked_kinship_lr(ped, None, SUB, {"B": profiles["B"]}, first="A", second="B",
                             likelihoods={"A": _call_likelihoods(SUB, a, 0.0, 0.1)},
                             genotype_error={"A": 0.01, "B": 0.01})
    assert like.log10_lr == pytest.approx(calls.log10_lr, rel=1e-9)
    assert like.markers_typed == calls.markers_typed
    assert like.provenance["input"] == {"A": "genotype likelihoods", "B": "calls"}
    with pytest.raises(InputError, match="dropout probability"):
        linked_kinship_lr(ped, None, SUB, {"B": profiles["B"]}, first="A", second="B",
                          likelihoods={"A": np.ones((len(SUB), 3))}, observation={"A": 0.1})
    with pytest.raises(InputError, match="not both"):
        linked_kinship_lr(ped, None, SUB, profiles, first="A", second="B",
                          likelihoods={"A": np.ones((len(SUB), 3))})
    bad = np.ones((len(SUB), 3))
    bad[5] = (0.5, -0.1, 1.0)
    with pytest.raises(InputError, match=fragment("sample 'A'", f"marker '{SUB.markers[5].name}'",
                                                  "non-negative")):
        linked_kinship_lr(ped, None, SUB, {}, first="A", second="B", likelihoods={"A": bad})
    bad[5] = (0.0, 0.0, 0.0)
    with pytest.raises(InputError, match="not all 0"):
        linked_kinship_lr(ped, None, SUB, {}, first="A", second="B", likelihoods={"A": bad})
    with pytest.raises(InputError, match=r"shape \(400, 3\)"):
        linked_kinship_lr(ped, None, SUB, {}, first="A", second="B",
                          likelihoods={"A": np.ones((10, 3))})


def test_shared_segments_from_likelihoods_match_calls():
    from forensic_match.linked import ibd_posterior

    ped = RELATIONSHIPS["half siblings"].pedigree()
    a, b = simulate_pair(ped, "A", "B", SUB, np.random.default_rng(4), missing=0.2)
    proc = pair_process(ped, "A", "B")
    i1, p1 = ibd_posterior(proc, SUB, a, b, error=(0.01, 0.01))
    i2, p2 = ibd_posterior(proc, SUB, _call_likelihoods(SUB, a, 0.0, 0.0), b,
                           error=(0.01, 0.01))
    assert i1.tolist() == i2.tolist()
    assert p2 == pytest.approx(p1, rel=1e-9, abs=1e-12)


# --- reads ----------------------------------------------------------------------------------

def test_sequence_reads_likelihoods_and_calls():
    rng = np.random.default_rng(5)
    truth = rng.integers(0, 3, 20000)
    like, reads = sequence_reads(truth, rng, depth=2.0, error=0.01)
    depth = reads.sum(axis=1)
    assert depth.mean() == pytest.approx(2.0, abs=0.05)
    assert (like[depth == 0] == 1).all()
    # a homozygote for allele 1 shows allele 1 in 99% of its reads
    hom = truth == 2
    assert reads[hom, 0].sum() / depth[hom].sum() == pytest.approx(0.99, abs=0.005)
    k, r = reads[7]
    q = np.array([0.01, 0.5, 0.99])
    assert like[7].tolist() == pytest.approx((q ** k * (1 - q) ** (r - k)).tolist())
    calls = call_genotypes(like, min_quality=10)
    made = calls >= 0
    assert 0 < made.mean() < 1 and (calls[made] == truth[made]).mean() > 0.9
    assert (call_genotypes(like)[depth == 0] == -1).all()


# --- the programme search -------------------------------------------------------------------

FAMILY = [("GF", None, None, "M"), ("GM", None, None, "F"), ("FA", "GF", "GM", "M"),
          ("UN", "GF", "GM", "M"), ("MO", None, None, "F"), ("MP", "FA", "MO", "M"),
          ("AW", None, None, "F"), ("CO", "UN", "AW", "F")]
CHROMS = ("19", "20", "21", "22")


def _programme(seed=3, n=4, single="CO", chroms=CHROMS):
    from forensic_match.linked.programme import snp_families
    from forensic_match.linked.simulate import degrade, drop_genes
    from forensic_match.pedigree import Pedigree

    panel = PANEL.subset([m.name for m, c in zip(PANEL.markers, PANEL.chrom) if c in chroms])
    ped = Pedigree.from_records(FAMILY)
    rng = np.random.default_rng(seed)
    keys, codes, truth = [], [], []
    for k in range(n):
        haps = drop_genes(ped, panel, rng)
        for ident in (("UN", "GM") if k % 2 else (single,)):
            keys.append((f"F{k}", ident))
            codes.append(degrade(haps[ident], panel.freq_a1, rng, error=0.01, missing=0.1))
        truth.append(haps["MP"].sum(axis=0))
    fams = snp_families({f"F{k}": (ped, ["MP"]) for k in range(n)}, keys, np.stack(codes))
    return panel, fams, [f"B{k}" for k in range(n)], np.stack(truth), rng


def test_programme_search_with_likelihoods_of_calls_equals_the_call_search():
    from forensic_match.linked.programme import search_programme
    from forensic_match.linked.simulate import degrade

    panel, fams, ids, truth, rng = _programme()
    pm = np.stack([degrade(_haps(t), panel.freq_a1, rng, error=0.01, missing=0.2)
                   for t in truth])
    like = np.stack([_call_likelihoods(panel, row, 0.0, 0.0) for row in pm])
    opts = {"pm_error": 0.01, "screen_threshold": -50.0, "min_snps": 10, "fst": 0.01}
    calls = search_programme(panel, fams, ids, pm, **opts)
    liked = search_programme(panel, fams, ids, like, **opts)
    assert liked.parameters["pm_input"] == "genotype likelihoods"
    for table, keys in ((calls.pairs, ["pm", "family", "missing", "reference"]),
                        (calls.candidates, ["pm", "family", "missing"])):
        other = liked.pairs if table is calls.pairs else liked.candidates
        joined = table.join(other, on=keys)
        assert joined.height == table.height == other.height
        for col in ("log10_lr", "screen_log10_lr"):
            assert joined[f"{col}_right"].to_numpy() == pytest.approx(
                joined[col].to_numpy(), rel=1e-9, abs=1e-9)
    assert set(calls.candidates["method"]) == {"pair (exact)", "family (exact)"}
    assert liked.by_pm["segments_cm"].to_list() == pytest.approx(
        calls.by_pm["segments_cm"].to_list(), rel=1e-9)
    with pytest.raises(InputError, match="pm_dropout"):
        search_programme(panel, fams, ids, like, pm_dropout=0.1)
    with pytest.raises(InputError, match="not all 0"):
        search_programme(panel, fams, ids, like * 0)


def _haps(total):
    """Two haplotypes carrying ``total`` copies of allele 1 (the phase does not matter to
    :func:`degrade`)."""
    return np.stack([(total >= 1).astype(np.int8), (total == 2).astype(np.int8)])


def test_likelihood_screen_is_the_unlinked_lr():
    """The screen kernel equals a plain loop and the HMM's unlinked limit with likelihoods."""
    from forensic_match.linked._pair_numba import mixed_likelihoods
    from forensic_match.linked._screen_numba import screen_scores_likelihoods
    from forensic_match.linked.pair import emission_table

    ped = RELATIONSHIPS["avuncular"].pedigree()
    proc, unrel = pair_process(ped, "A", "B"), _unrelated_process("A", "B")
    panel = SUB.subset([m.name for m in SUB.markers[:60]])
    rng = np.random.default_rng(8)
    like = np.stack([sequence_reads(rng.integers(0, 3, len(panel)), rng, depth=1.5,
                                    error=0.01)[0] for _ in range(3)])
    refs = rng.integers(-1, 3, (4, len(panel))).astype(np.int8)
    weights = np.bincount(proc.column, minlength=proc.used.size) / proc.n_states
    num = np.ascontiguousarray((emission_table(proc, panel, error=(0.0, 0.02), fst=0.01)
                                @ weights)[:, 1:, :])
    den = np.ascontiguousarray(emission_table(unrel, panel, error=(0.0, 0.02),
                                              fst=0.01)[:, 1:, :, 0])
    mixed = np.stack([mixed_likelihoods(panel.freq_a1, row, 0.03) for row in like])
    fast = screen_scores_likelihoods(num, den, mixed, refs, block=2)
    free = panel.without_linkage()
    for i in range(3):
        for j in range(4):
            loop = sum(math.log10(mixed[i, m] @ num[m, :, refs[j, m] + 1]
                                  / (mixed[i, m] @ den[m, :, refs[j, m] + 1]))
                       for m in range(len(panel)))
            assert fast[i, j] == pytest.approx(loop, rel=1e-12, abs=1e-12)
            hmm = (pair_log_likelihood(proc, free, like[i], refs[j], error=(0.03, 0.02),
                                       fst=0.01)
                   - pair_log_likelihood(unrel, free, like[i], refs[j], error=(0.03, 0.02),
                                         fst=0.01)) / math.log(10)
            assert fast[i, j] == pytest.approx(hmm, rel=1e-9, abs=1e-9)


def test_low_coverage_bones_find_their_families():
    from forensic_match.linked.programme import search_programme

    panel, fams, ids, truth, rng = _programme(seed=5, single="UN", chroms=PANEL.chromosomes)
    like = np.stack([sequence_reads(t, rng, depth=2.0, error=0.01)[0] for t in truth])
    res = search_programme(panel, fams, ids, like, pm_error=0.01, min_snps=10, fst=0.01)
    best = res.by_pm.filter(pl.col("rank") == 1)
    assert best["pm"].to_list() == ids
    assert best["family"].to_list() == [f"F{k}" for k in range(len(ids))]
    assert (best["log10_lr"] > 10).all()
