"""Lineage inputs that changed an LR without a word (outside check of 2026-12-06): a
homozygous DYS385 written as one call, an mtDNA record without variants, keys written another
way, a panel rate of 0, and a pair excluded by lineage markers alone."""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pytest
from helpers import write
from test_lineage_lr import DATASET

from forensic_match.cases import case_from_dict, load_case
from forensic_match.errors import InputError, LineageMarkerWarning
from forensic_match.lineage import lineage_lr
from forensic_match.lineage.data import LineageData, check_y_haplotypes
from forensic_match.lineage.scores import LineageScores
from forensic_match.lineage.ystr import read_copies

# --- (3) a lone call at a two-copy locus, equal calls at a single-copy locus --------------

HOM = {"DYS391": ["10"], "DYS576": ["18"], "DYS385": ["14", "14"]}


def _homozygous(pm=None, ref=None, database=None) -> dict:
    """DATASET with the uncle and the body carrying a haplotype homozygous at DYS385, which 30
    of the database's 34 men carry too (written as ``database`` for them when given)."""
    data = copy.deepcopy(DATASET)
    data["pm"][0]["ystr"] = pm or copy.deepcopy(HOM)
    data["am"][0]["ystr"] = {"UN": ref or copy.deepcopy(HOM)}
    data["lineage"]["ystr"]["database"]["haplotypes"] += \
        [copy.deepcopy(database or HOM) for _ in range(30)]
    return data


def _y(data: dict):
    ds = case_from_dict(data)
    return lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage).y


def test_a_lone_call_at_a_two_copy_locus_is_the_allele_twice_everywhere():
    """A capillary-electrophoresis export shows a homozygous DYS385 as one peak, "14". Read as
    ``("14",)`` it never equalled the database's ``["14", "14"]``: the checker's haplotype,
    carried by 30 of 230 men, counted 0 of 230 and the Y log10 LR went from 0.816 to 2.310
    (31 times), without a word; on one side only the locus was set aside as "a null or a
    duplication". Now a lone call at a locus the panel gives two copies is the allele twice,
    in PM samples, references and database entries alike: the LR is the two-cell one."""
    want = _y(_homozygous())
    assert (want.frequency.count, want.frequency.size) == (30, 34)
    lone = {**HOM, "DYS385": ["14"]}
    for data in (_homozygous(pm=lone, ref=lone), _homozygous(pm=lone),
                 _homozygous(ref=lone, database=lone), _homozygous(pm=lone, database=lone)):
        got = _y(data)
        assert got.lr == pytest.approx(want.lr, rel=1e-12)
        assert (got.frequency.count, got.frequency.size) == (30, 34)
        assert got.set_aside == {} and got.compared == want.compared


def test_equal_calls_at_a_single_copy_locus_are_one_call_and_different_ones_stay():
    """DYS391 written "10,10" (some tools write every locus in two cells) on both sides gave
    the same silent inflation as a lone DYS385 (the checker's 2.304 for 0.816); it is one
    call now. Two different calls at a single-copy locus are a duplication, set aside
    against one allele as before."""
    want = _y(_homozygous())
    twice = {**HOM, "DYS391": ["10", "10"]}
    got = _y(_homozygous(pm=twice, ref=twice))
    assert got.lr == pytest.approx(want.lr, rel=1e-12) and got.frequency.count == 30
    dup = _y(_homozygous(pm={**HOM, "DYS391": ["10", "11"]}))
    assert dup.set_aside == {"DYS391": "copy numbers differ (1 against 2 alleles: a null or a "
                                       "duplication)"}


def test_a_panel_without_copies_reads_calls_as_written():
    """Where the panel does not state ``copies`` (read as 1, as before), calls are not read
    by it: a DYS385 panel entry without copies keeps "14" and "14,14" apart."""
    data = _homozygous(pm={**HOM, "DYS385": ["14"]})
    for m in data["lineage"]["ystr"]["markers"]:
        m.pop("copies")
    ds = case_from_dict(data)
    assert not any(m.copies_stated for m in ds.lineage.markers)
    assert "DYS385" in _y(data).set_aside
    assert ds.lineage.to_dict()["ystr"]["markers"][2] == {"name": "DYS385", "rate": 0.0041}
    assert LineageData.from_dict(ds.lineage.to_dict()).to_dict() == ds.lineage.to_dict()


def test_calls_read_by_copies_are_counted_in_one_warning_and_the_fast_path_agrees():
    """identify's start (``check_y_haplotypes``) names, per locus, the PM samples,
    references and database entries whose calls were read by the panel's copies, once; the
    vectorised score (``LineageScores``, used by identify) equals the oracle on them."""
    lone = {**HOM, "DYS385": ["14"]}
    ds = case_from_dict(_homozygous(pm=lone, ref={**lone, "DYS391": ["10", "10"]},
                                    database=lone))
    assert ds.lineage.database_read == {("DYS385", "lone"): 30}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_y_haplotypes(ds.lineage, ds.am, ds.pm)
    told = [str(w.message) for w in caught if issubclass(w.category, LineageMarkerWarning)]
    assert len(told) == 1
    assert ("DYS385: a lone call read as the allele on each of its 2 copies in 1 PM samples, "
            "1 references, 30 database entries") in told[0]
    assert ("DYS391: equal calls read as one call (a single-copy locus) in 0 PM samples, 1 "
            "references, 0 database entries") in told[0]
    scores = LineageScores([("F1", "MP")], ds.am, ds.pm, ds.lineage)
    oracle = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    assert scores.block(np.array([0]))[0, 0] == pytest.approx(oracle.log10_lr, abs=1e-9)
    assert oracle.y.log10_lr == pytest.approx(_y(_homozygous()).log10_lr, abs=1e-12)


def test_read_copies_leaves_nulls_and_other_copy_numbers():
    hap = {"DYS385": (), "DYS19": ("13", "14"), "DYF387S1": ("35", "37"), "DYS391": ("10",)}
    assert read_copies(hap, {"DYS385": 2, "DYS19": 1, "DYF387S1": 2, "DYS391": 1}) == (hap, {})


# --- (4) an mtDNA record without variants ---------------------------------------------------

@pytest.mark.parametrize("change", ["absent", "null", "misspelt"])
def test_an_mtdna_record_without_variants_is_refused(tmp_path, change):
    """A record without ``variants`` (absent, null, or written 'variant') was read as rCRS:
    in the checker's case the true body's mtDNA log10 LR went from 2.11 to -32.3 (8
    "differences"), a reference without variants made every body differ, a database entry
    counted as rCRS. Each is refused, naming the sample; an explicit [] stays rCRS."""
    for where in ("pm", "ref", "database"):
        data = copy.deepcopy(DATASET)
        record = {"pm": data["pm"][0]["mtdna"], "ref": data["am"][0]["mtdna"]["AU"],
                  "database": data["lineage"]["mtdna"]["database"]["mitotypes"][1]}[where]
        variants = record.pop("variants")
        if change == "null":
            record["variants"] = None
        elif change == "misspelt":
            record["variant"] = variants
        path = write(tmp_path, f"{where}.json", json.dumps(data))
        named = {"pm": "sample 'PM1'", "ref": "family 'F1', sample 'AU'",
                 "database": "lineage.mtdna.database, sample 'entry 2'"}[where]
        said = "key 'variant' is not read; did you mean 'variants'?" if change == "misspelt" \
            else "an mtDNA record needs 'variants'"
        with pytest.raises(InputError, match=f"{named}.*{said}".replace("?", r"\?")):
            load_case(path)
    data = copy.deepcopy(DATASET)
    data["pm"][0]["mtdna"]["variants"] = []
    res = lineage_lr(*_pair(data))
    assert len(res.mtdna.differences) == 3    # 73G, 263G, 16189C of the aunt against rCRS


def _pair(data: dict):
    ds = case_from_dict(data)
    return ds.pm[0], ds.am[0], "MP", ds.lineage


def test_a_fractional_read_range_bound_is_refused():
    """16024.9 was cut to 16024 without a word."""
    data = copy.deepcopy(DATASET)
    data["pm"][0]["mtdna"]["range"] = [[16024.9, 16569], [1, 576]]
    with pytest.raises(InputError, match=r"sample 'PM1': 'range' must be a list of \[start, "
                                         r"end\] pairs of whole positions"):
        case_from_dict(data)
    data["pm"][0]["mtdna"]["range"] = [[16024.0, 16569], [1, 576]]
    assert case_from_dict(data).pm[0].mtdna.ranges[0] == (16024, 16569)


# --- (5) keys written another way -----------------------------------------------------------

@pytest.mark.parametrize(("where", "key", "meant"), [
    ("pm", "mtDNA", "mtdna"), ("pm", "YSTR", "ystr"), ("pm", "Y-STR", "ystr"),
    ("am", "mtDNA", "mtdna"), ("am", "YSTR", "ystr"), ("am", "Y-STR", "ystr")])
def test_lineage_keys_of_samples_and_families_written_another_way_are_refused(where, key,
                                                                              meant):
    """"mtDNA" (the docs' spelling for table rows), "YSTR" and "Y-STR" on a PM sample or a
    family were ignored: the result said only "no mtDNA data" or "no relative typed". The
    typo guard is case-sensitive and one edit only; these are refused now, naming the entry
    and the key meant. Other keys a dataset carries ("bone") are kept as before."""
    data = copy.deepcopy(DATASET)
    entry = data["pm"][0] if where == "pm" else data["am"][0]
    entry[key] = entry.pop(meant)
    named = "pm sample 'PM1'" if where == "pm" else "family 'F1'"
    with pytest.raises(InputError, match=f"{named}: key '{key}' is not read; did you mean "
                                         f"'{meant}'"):
        case_from_dict(data)
    assert case_from_dict(DATASET).pm[0].ystr     # DATASET's pm[0] has "bone": kept


@pytest.mark.parametrize(("key", "meant"), [("rates", "rate"), ("mutation_rate", "rate"),
                                            ("copy", "copies"), ("Rate", "rate"),
                                            ("COPIES", "copies")])
def test_a_panel_key_written_for_name_copies_or_rate_is_refused(key, meant):
    """'rates' or 'mutation_rate' fell back to the Ballantyne default (DYS19 0.0023 ->
    0.00437), 'copy': 2 to one copy, silently."""
    data = copy.deepcopy(DATASET)
    marker = data["lineage"]["ystr"]["markers"][2]
    marker[key] = marker.pop(meant)
    with pytest.raises(InputError, match=f"lineage.ystr.markers: marker 3 \\('DYS385'\\): "
                                         f"key '{key}' is not read; did you mean '{meant}'"):
        case_from_dict(data)


def _lr(data: dict) -> float:
    ds = case_from_dict(data)
    return lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage).log10_lr


def test_notes_in_lineage_objects_are_kept_with_one_warning(tmp_path):
    """Outside check h_fix, finding 6: the key check refused a laboratory's notes with a
    misleading hint ('n_haplotypes' -> "did you mean 'haplotypes'?", 'n_mitotypes',
    'names'), and a Y marker's 'kit' or 'source' outright, though main read them all. Only a
    key written for a key read is refused now; these are left alone, the LR unchanged, and
    named in one warning for the whole file."""
    want = _lr(DATASET)
    data = copy.deepcopy(DATASET)
    lineage = data["lineage"]
    for k, marker in enumerate(lineage["ystr"]["markers"]):
        marker.update(kit="Yfiler Plus", source="Ballantyne 2010", alias=f"Y{k}",
                      rate_source="YHRD", copies_note="as typed")
    lineage["ystr"]["database"].update(n_haplotypes=4, names="YHRD Peru", source="YHRD")
    lineage["mtdna"]["database"].update(n_mitotypes=3, names="EMPOP")
    data["pm"][0]["mtdna"]["haplogroup"] = "A2"
    path = write(tmp_path, "notes.json", json.dumps(data))
    with pytest.warns(LineageMarkerWarning) as caught:
        ds = load_case(path)
    said = [str(w.message) for w in caught if "not read" in str(w.message)]
    assert said == [
        f"file {str(path)!r}: keys not read (kept, not used in any LR): 'alias', "
        f"'copies_note', 'kit', 'rate_source', 'source' in "
        f"{len(lineage['ystr']['markers'])} entries of lineage.ystr.markers; 'n_haplotypes', "
        f"'names', 'source' in lineage.ystr.database; 'n_mitotypes', 'names' in "
        f"lineage.mtdna.database; 'haplogroup' in mtDNA records"]
    assert lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage).log10_lr == want
    assert ds.lineage == case_from_dict(DATASET).lineage
    bare = write(tmp_path, "lineage.json", json.dumps({"lineage": lineage}))
    with pytest.warns(LineageMarkerWarning, match="'n_haplotypes', 'names', 'source' in "
                                                  "lineage.ystr.database"):
        assert LineageData.from_file(bare) == ds.lineage
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        case_from_dict(DATASET)                 # nothing to name: no warning


@pytest.mark.parametrize(("where", "key", "meant"), [
    ("ydb", "haplotype", "haplotypes"), ("ydb", "Haplotypes", "haplotypes"),
    ("mtdb", "mitotype", "mitotypes"), ("ystr", "marker", "markers"),
    ("record", "ranges", "range"), ("lineage", "mtDNA", "mtdna")])
def test_a_key_written_for_a_lineage_key_is_still_refused(where, key, meant):
    """The keys of finding 6 are notes; a key written for a key read is not: its data was
    absent from every LR without a word."""
    data = copy.deepcopy(DATASET)
    obj = {"ydb": data["lineage"]["ystr"]["database"],
           "mtdb": data["lineage"]["mtdna"]["database"], "ystr": data["lineage"]["ystr"],
           "record": data["pm"][0]["mtdna"], "lineage": data["lineage"]}[where]
    obj[key] = obj.pop(meant)
    with pytest.raises(InputError, match=f"key '{key}' is not read; did you mean '{meant}'"):
        case_from_dict(data)


# --- (6) and (7): panel rates, a female reference --------------------------------------------

def test_a_panel_rate_of_zero_is_refused_and_an_implausible_one_warned():
    """A rate is never assumed zero (docs): at 0 a one-step difference excluded the pair,
    which then vanished from every output. 0.23 (a percent written as a fraction) is read
    with a warning."""
    data = copy.deepcopy(DATASET)
    data["lineage"]["ystr"]["markers"][0]["rate"] = 0
    with pytest.raises(InputError, match="marker 'DYS391': rate must be above 0 and below 1, "
                                         "got 0.0"):
        case_from_dict(data)
    data["lineage"]["ystr"]["markers"][0]["rate"] = 0.23
    with pytest.warns(LineageMarkerWarning, match="Y-STR mutation rates above 0.05 per "
                                                  "meiosis: DYS391 0.23"):
        case_from_dict(data)


def test_y_data_of_a_female_reference_is_warned_about():
    """A woman is never a Y reference; her Y data was ignored without a word (a female PM
    sample with Y alleles was warned about)."""
    data = copy.deepcopy(DATASET)
    data["am"][0]["ystr"] = {"AU": copy.deepcopy(HOM)}
    ds = case_from_dict(data)
    with pytest.warns(LineageMarkerWarning, match=r"Y-STR data of 1 relatives recorded "
                                                  r"female, not used .*AU of family 'F1' "
                                                  r"\(3 loci\)"):
        check_y_haplotypes(ds.lineage, ds.am, ds.pm)


# --- (6) a pair excluded by lineage markers alone -------------------------------------------

def test_a_true_pair_excluded_by_one_partial_repeat_is_named(markers):
    """The missing man's own body, typed 25.2 at DYS458 against his uncle's 25 (a sizing
    miscall in a degraded bone sample), has Y LR 0 under the step model: the pair, whose
    autosomal LR with the uncle and Y and mtDNA LRs made 1.3e7 in the checker's case,
    disappeared from the pairs, the family level and the held-back list without a word. The
    rule stands; identify now warns, naming body, family, missing person, locus, the
    autosomal LR and the LR without that locus."""
    from forensic_match.cases import Family, PMSample
    from forensic_match.dvi.identify import identify
    from forensic_match.lineage.data import YDatabase
    from forensic_match.lineage.scores import excluded_by_lineage
    from forensic_match.lineage.ystr import YMarker
    from forensic_match.pedigree import missing_person_family
    from forensic_match.simulate import simulate_profiles

    rng = np.random.default_rng(3)
    loci = ["DYS458", *(f"DYS{400 + k}" for k in range(14))]
    panel = tuple(YMarker(name, 1, 0.004) for name in loci)
    uncle = {name: ("15",) for name in loci} | {"DYS458": ("25",)}
    database = tuple({name: (str(int(v)),) for name, v in zip(loci, rng.integers(8, 23, 15))}
                     for _ in range(20_000))
    data = LineageData(panel, YDatabase("toy", database))
    ped = missing_person_family("MP", missing_sex="M", relatives={"U": "paternal_uncle"})
    truth = simulate_profiles(ped, markers, seed=11)
    fam = Family("FAM", ped, ["MP"], {"U": truth["U"]})
    fam.ystr = {"U": uncle}
    body = PMSample("B1", "M", dict(truth["MP"]))
    body.ystr = {**uncle, "DYS458": ("25.2",)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = identify([fam], [body], markers, lineage=data)
    told = [str(w.message) for w in caught if issubclass(w.category, LineageMarkerWarning)
            and "exclude" in str(w.message)]
    assert len(told) == 1
    assert res.decision.pairs.filter(res.decision.pairs["pm"] == "B1").height == 0
    scores = LineageScores([("FAM", "MP")], [fam], [body], data)
    both = identify([fam], [body], markers)       # DNA alone: the pair's autosomal LR
    dna = float(both.search.by_sample["log10_lr"][0])
    import polars as pl

    cands = pl.DataFrame({"pm": ["B1"], "family": ["FAM"], "missing": ["MP"],
                          "log10_lr": [dna]})
    [found] = excluded_by_lineage(cands, scores, threshold=4.0, warn=False)
    kept = {k: v for k, v in body.ystr.items() if k != "DYS458"}
    without = lineage_lr(PMSample("B1", "M", {}, ystr=kept), fam, "MP", data).log10_lr
    assert found["without_log10_lr"] == pytest.approx(dna + without, abs=1e-9)
    assert found["lineage"] == "Y against U, 3 meioses: DYS458 25 -> 25.2"
    assert (f"body B1 ~ 'MP' of family 'FAM': autosomal LR {10 ** dna:.3g}, with the "
            f"lineage markers except these loci {10 ** (dna + without):.3g} (Y against U, 3 "
            f"meioses: DYS458 25 -> 25.2)") in told[0]
    assert dna < 4 <= dna + without       # the autosomal LR alone is below the threshold
