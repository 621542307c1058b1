"""Allele labels from laboratory files and the Python API (issue 7, points 5, 6 and 7).

5. A label not in canonical form (``9,3``, ``7.0``, ``9.30``, ``abc``, ``-5``, a huge number)
   is an error naming file, line, sample, marker and allele, unless the caller asks for the
   documented normalisation; a number given as an allele to the API is refused as such.
6. An off-ladder call ("OL") is an unknown allele, not a definite one: ``7, OL`` is the
   partial genotype ``("7", None)``, which keeps a finite LR against the true family and
   lets two fragments of one body match.
7. ``NaN`` in Allele 1 with ``7`` in Allele 2 is the partial ``("7", None)``, not ``7/7``.

LRs are checked against the exact pedigree likelihood of the engine.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from helpers import fragment, write

from forensic_match.cases import Family, PMSample, load_case
from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.fragments import same_source_pairs
from forensic_match.dvi.records import read_families, read_genotypes, read_pm_samples
from forensic_match.dvi.search import exact_pair_log10_lr, search_samples
from forensic_match.errors import GenotypeError, MarkerError
from forensic_match.frequencies import FrequencyDB, load_frequencies
from forensic_match.likelihood import pedigree_likelihood, prepare_markers
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import Pedigree, trio
from forensic_match.profiles import allele_label, parse_genotype

CE_HEADER = "Sample File,Sample Name,Panel,Marker,Dye,Allele 1,Allele 2,Allele 3,Height 1\n"
NAMES = ["D3S1358", "TH01", "FGA"]




def ce_rows(sample: str, calls: dict[str, tuple[str, str]]) -> str:
    return "".join(f"{sample}.fsa,{sample},GF,{m},VIC,{a},{b},,1000\n"
                   for m, (a, b) in calls.items())


@pytest.fixture(scope="module")
def db() -> FrequencyDB:
    return load_frequencies("fbi2015_sw_hispanic")


@pytest.fixture(scope="module")
def panel(db: FrequencyDB) -> list[Marker]:
    return db.markers_for(NAMES)


@pytest.fixture(scope="module")
def family() -> Family:
    """Parents typed, their son missing. The son is D3S1358 15/16, TH01 7/8, FGA 22/25; he
    cannot be TH01 7/7 (his mother has no 7)."""
    ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                 ("MP", "FA", "MO", "M")])
    genotypes = {"FA": {"D3S1358": ("15", "17"), "TH01": ("7", "9.3"), "FGA": ("22", "24")},
                 "MO": {"D3S1358": ("16", "16"), "TH01": ("6", "8"), "FGA": ("21", "25")}}
    return Family("F1", ped, ["MP"], genotypes)


def scores(family: Family, sample: PMSample, markers: list[Marker]) -> tuple[np.ndarray, float]:
    """Exact per-marker log10 LR and the compiled search's total for one sample."""
    markers = prepare_markers(markers, {sample.id: sample.genotypes})
    exact = exact_pair_log10_lr(family, "MP", sample, markers)
    found = search_samples(compile_families([family], markers), [sample], threshold=-math.inf,
                           sex_filter=False).pairs
    return exact, float(found["log10_lr"][0])


# 5. Allele labels --------------------------------------------------------------------------------

@pytest.mark.parametrize(("label", "why"), [
    ("9,3", "decimal comma"), ("7.0", "canonical form (write '7')"),
    ("9.30", "canonical form (write '9.3')"), ("07", "canonical form (write '7')"),
    ("abc", "not an allele label"), ("-5", "negative"),
    ("99999999999999999999", "out of range"), ("100", "out of range"),
    ("0", "not a repeat number"), ("9.4", "microvariant"), ("X", "amelogenin")])
def test_bad_allele_label_names_file_line_sample_marker_and_allele(tmp_path, label, why):
    path = write(tmp_path, "pm.csv", CE_HEADER + ce_rows("PM1", {"D3S1358": ("15", "16")})
                 + f'PM1.fsa,PM1,GF,TH01,VIC,"{label}",8,,1000\n')
    with pytest.raises(GenotypeError, match=fragment("pm.csv", "line 3", "sample 'PM1'",
                                                     "marker 'TH01'", f"allele {label!r}",
                                                     why)):
        read_genotypes(path)


def test_one_error_lists_every_bad_label_of_a_file(tmp_path):
    path = write(tmp_path, "es.csv", "sample;marker;allele1;allele2\n"
                                     "S1;TH01;6;9,3\nS1;FGA;22;7.0\nS2;TH01;9,3;\n")
    with pytest.raises(GenotypeError, match=fragment(
            "es.csv", "line 2", "sample 'S1'", "marker 'TH01'", "allele '9,3'", "decimal comma",
            "and 2 more allele labels refused in this file", "line 3, sample 'S1', marker 'FGA', "
            "allele '7.0'", "line 4, sample 'S2', marker 'TH01', allele '9,3'")):
        read_genotypes(path)


def test_decimal_comma_and_normalisation_are_options_that_change_nothing_else(
        tmp_path, db, panel, family):
    good = write(tmp_path, "good.csv", CE_HEADER + ce_rows("PM1", {
        "D3S1358": ("15", "16"), "TH01": ("7", "9.3"), "FGA": ("22", "25")}))
    comma = write(tmp_path, "comma.csv", CE_HEADER + ce_rows("PM1", {
        "D3S1358": ("15", "16"), "TH01": ("7", '"9,3"'), "FGA": ("22", "25")}))
    zeros = write(tmp_path, "zeros.csv", CE_HEADER + ce_rows("PM1", {
        "D3S1358": ("15.0", "16"), "TH01": ("07", "9.30"), "FGA": ("22", "25.0")}))
    (want,) = read_pm_samples(good, markers=db)
    with pytest.raises(GenotypeError, match=fragment("comma.csv", "line 3", "decimal_comma")):
        read_pm_samples(comma, markers=db)
    with pytest.raises(GenotypeError, match=fragment("zeros.csv", "line 2", "normalise_alleles")):
        read_pm_samples(zeros, markers=db)
    (from_comma,) = read_pm_samples(comma, markers=db, decimal_comma=True)
    (from_zeros,) = read_pm_samples(zeros, markers=db, normalise_alleles=True)
    assert from_comma.genotypes == from_zeros.genotypes == want.genotypes
    assert want.genotypes["TH01"] == ("7", "9.3")
    lr = exact_pair_log10_lr(family, "MP", want, panel)
    assert np.array_equal(exact_pair_log10_lr(family, "MP", from_comma, panel), lr)


def test_labels_of_the_frequency_table_are_accepted_as_written(tmp_path):
    table = [Marker("D18S51", ["12", ">27"], [0.9, 0.1]),
             Marker("Penta E", ["7", "15.4"], [0.9, 0.1])]
    path = write(tmp_path, "pm.csv", CE_HEADER + ce_rows("PM1", {"D18S51": (">27", "12"),
                                                                 "Penta E": ("15.4", "7")}))
    with pytest.raises(GenotypeError, match=fragment("marker 'D18S51'", "allele '>27'")):
        read_genotypes(path)
    assert read_genotypes(path, markers=table).profiles == {
        "PM1": {"D18S51": (">27", "12"), "Penta E": ("15.4", "7")}}


def test_allele_label_rule():
    assert [allele_label(a, marker="TH01") for a in ("6", "9.3", "10", "99")] == \
        ["6", "9.3", "10", "99"]
    assert allele_label("x", marker="AMEL") == "X"
    assert allele_label("15.4", marker="Penta E") == "15.4"
    assert allele_label("9,3", marker="TH01", decimal_comma=True, normalise=True) == "9.3"
    assert allele_label("7,0", marker="TH01", decimal_comma=True, normalise=True) == "7"


@pytest.mark.parametrize("cell", ["30,30", "9,30", "15,20", "10,10"])
def test_a_decimal_comma_with_two_digits_after_it_is_refused_even_when_normalising(cell):
    # "30,30" may be the alleles 30 and 30 in one cell; read as 30.30 and normalised it
    # became 30.3, a microvariant that excluded the true son (LR 1.8e6 -> 0.14).
    whole, fraction = cell.split(",")
    with pytest.raises(GenotypeError, match=fragment(
            "2 digits after the decimal comma", f"two alleles ({whole} and {fraction})")):
        allele_label(cell, marker="D21S11", decimal_comma=True, normalise=True)


def test_numbers_given_as_alleles_to_the_api_are_refused_as_such():
    with pytest.raises(MarkerError, match=fragment("marker 'TH01'", "alleles are strings",
                                                   "int 7")):
        Marker("TH01", ["6", 7], [0.5, 0.5])  # type: ignore[list-item]
    th01 = Marker("TH01", ["6", "7"], [0.4, 0.6])
    with pytest.raises(MarkerError, match=fragment("sample 'AF'", "marker 'TH01'",
                                                   "alleles are strings")):
        pedigree_likelihood(trio(), [th01], {"AF": {"TH01": (7, "6")}})
    with pytest.raises(GenotypeError, match=fragment("alleles are strings", "'9.3'")):
        parse_genotype([9.3, "10"])
    with pytest.raises(GenotypeError, match="alleles are strings"):
        parse_genotype(7)
    with pytest.raises(MarkerError, match=fragment("marker 'TH01'", "alleles are strings")):
        th01.index(7)  # type: ignore[arg-type]


def test_numbers_as_alleles_in_a_json_case_name_the_file_sample_and_marker(tmp_path):
    case = {"kind": "dvi", "id": "x", "markers": [
        {"name": "TH01", "alleles": ["6", "7"], "frequencies": [0.4, 0.6], "mutation": None}],
        "pm": [{"id": "PM1", "sex": "M", "genotypes": {"TH01": [6, 7]}}], "am": []}
    path = write(tmp_path, "case.json", json.dumps(case))
    with pytest.raises(GenotypeError, match=fragment("case.json", "sample 'PM1'",
                                                     "marker 'TH01'", "alleles are strings")):
        load_case(path)


def test_json_case_alleles_are_table_labels_or_canonical(tmp_path):
    def case(genotype: list[str]) -> dict:
        return {"kind": "dvi", "id": "x", "markers": [
            {"name": "D18S51", "alleles": ["12", ">27"], "frequencies": [0.9, 0.1],
             "mutation": None}],
            "pm": [{"id": "PM1", "sex": "M", "genotypes": {"D18S51": genotype}}], "am": []}

    good = load_case(write(tmp_path, "good.json", json.dumps(case([">27", "12"]))))
    assert good.pm[0].genotypes == {"D18S51": (">27", "12")}  # type: ignore[union-attr]
    for bad, why in (("9,3", "write '9.3'"), ("12.0", "write '12'"), ("OL?", "not an allele")):
        path = write(tmp_path, "bad.json", json.dumps(case(["12", bad])))
        with pytest.raises(GenotypeError, match=fragment("bad.json", "sample 'PM1'",
                                                         "marker 'D18S51'", f"allele {bad!r}",
                                                         why)):
            load_case(path)


# 6. Off-ladder calls -----------------------------------------------------------------------------

def test_off_ladder_call_is_an_unknown_allele_with_a_finite_lr(tmp_path, db, panel, family):
    path = write(tmp_path, "pm.csv", CE_HEADER + ce_rows("PM1", {
        "D3S1358": ("15", "16"), "TH01": ("7", "OL"), "FGA": ("OL", "25")})
        + ce_rows("PM2", {"D3S1358": ("15", "16"), "TH01": ("OL", ""), "FGA": ("22", "25")}))
    pm1, pm2 = read_pm_samples(path, markers=db)
    assert pm1.genotypes == {"D3S1358": ("15", "16"), "TH01": ("7", None), "FGA": ("25", None)}
    assert pm1.info["off_ladder"] == ["TH01", "FGA"]
    assert "TH01" not in pm2.genotypes and pm2.info["off_ladder"] == ["TH01"]
    exact, searched = scores(family, pm1, panel)
    assert np.all(np.isfinite(exact))
    assert math.isclose(searched, float(exact.sum()), rel_tol=1e-9)
    # One allele known: LR = P(son has a 7 | parents) / P(a random person has a 7).
    p7 = float(panel[1].frequencies[panel[1].index("7")])
    assert 10 ** exact[1] == pytest.approx(0.5 / (2 * p7 - p7 * p7), rel=1e-12)


def test_relative_with_an_off_ladder_call_compiles_to_the_exact_lr(tmp_path, db):
    pedigrees = write(tmp_path, "ped.csv", "family,id,father,mother,sex,missing\n"
                                           "F1,FA,,,M,0\nF1,MO,,,F,0\nF1,MP,FA,MO,M,1\n")
    relatives = write(tmp_path, "rel.csv", CE_HEADER + ce_rows("FA", {
        "D3S1358": ("15", "17"), "TH01": ("OL", "7"), "FGA": ("22", "24")})
        + ce_rows("MO", {"D3S1358": ("16", "16"), "TH01": ("6", "8"), "FGA": ("", "25")}))
    (family,) = read_families(pedigrees, relatives, markers=db)
    assert family.genotypes["FA"]["TH01"] == ("7", None)
    assert family.genotypes["MO"]["FGA"] == ("25", None)
    mutation = Mutation.same(MutationModel("equal", rate=0.005))
    markers = db.markers_for(NAMES, mutation=mutation)
    sample = PMSample("PM1", "M", {"D3S1358": ("15", "16"), "TH01": ("7", "8"),
                                   "FGA": ("22", "25")})
    exact = exact_pair_log10_lr(family, "MP", sample, markers)
    found = search_samples(compile_families([family], markers), [sample], threshold=-math.inf,
                           sex_filter=False).pairs
    assert np.all(np.isfinite(exact)) and exact.sum() > 0
    assert math.isclose(10 ** (float(found["log10_lr"][0]) - float(exact.sum())), 1.0,
                        rel_tol=1e-9)


def test_fragment_with_an_off_ladder_call_joins_its_body(tmp_path, db, panel):
    path = write(tmp_path, "pm.csv", CE_HEADER + ce_rows("B1a", {
        "D3S1358": ("15", "16"), "TH01": ("7", "8"), "FGA": ("22", "25")})
        + ce_rows("B1b", {"D3S1358": ("15", "16"), "TH01": ("7", "OL"), "FGA": ("22", "25")}))
    samples = read_pm_samples(path, markers=db)
    pairs = same_source_pairs(samples, prepare_markers(panel, {}), threshold=0.0,
                              min_markers=1)
    assert pairs["pm1"].to_list() == ["B1a"] and pairs["pm2"].to_list() == ["B1b"]
    assert 0 < pairs["log10_lr"][0] < math.inf


# 7. A lone call after an empty first allele ------------------------------------------------------

def test_nan_then_allele_is_a_partial_genotype_not_a_homozygote(tmp_path, db, panel, family):
    path = write(tmp_path, "pm.csv", CE_HEADER + ce_rows("PM1", {
        "D3S1358": ("15", "16"), "TH01": ("NaN", "7"), "FGA": ("22", "25")})
        + ce_rows("PM2", {"TH01": ("7", ""), "FGA": ("", "25")}))
    pm1, pm2 = read_pm_samples(path, markers=db)
    assert pm1.genotypes["TH01"] == ("7", None)
    assert pm2.genotypes == {"TH01": ("7", "7"), "FGA": ("25", None)}  # CE homozygote: 7 once
    exact, searched = scores(family, pm1, panel)
    assert math.isfinite(exact[1])  # read as 7/7 it would be impossible: LR 0
    assert math.isclose(searched, float(exact.sum()), rel_tol=1e-9)


def test_single_allele_option_reads_every_lone_call_as_partial(tmp_path):
    path = write(tmp_path, "pm.csv", CE_HEADER + ce_rows("PM1", {"TH01": ("7", ""),
                                                                 "FGA": ("22", "25")}))
    table = read_genotypes(path, single_allele="partial")
    assert table.profiles == {"PM1": {"TH01": ("7", None), "FGA": ("22", "25")}}
