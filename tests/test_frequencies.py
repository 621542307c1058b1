"""Frequency databases: both layouts, Parquet, bundled tables, bad input, lookup, hashing."""

from __future__ import annotations

import re
import warnings

import numpy as np
import polars as pl
import pytest
from helpers import fragment

from forensic_match.errors import (
    ForensicMatchWarning,
    InputError,
    MarkerError,
    NormalisationWarning,
    UnknownAlleleWarning,
    UnknownSizeWarning,
)
from forensic_match.frequencies import (
    DEFAULT_MIN_FREQUENCY,
    FrequencyDB,
    available_frequencies,
    load_frequencies,
    read_frequencies,
)
from forensic_match.markers import SUM_TOLERANCE, Marker
from forensic_match.mutation import Mutation, MutationModel

BUNDLED = ["fbi2015_apache", "fbi2015_navajo", "fbi2015_se_hispanic", "fbi2015_sw_hispanic",
           "nist1036_afam", "nist1036_all", "nist1036_asian", "nist1036_cauc", "nist1036_hisp"]

LONG = """marker,allele,frequency
TH01,6,0.25
TH01,9.3,0.5
TH01,10,0.25
vWA,OL,0.1
vWA,16,0.9
"""

LADDER = """Allele,TH01,vWA,Penta D
6,0.25,,
9.3,0.5,NA,0.4
10,0.25,0,0.6
OL,,0.1,
16,,0.9,0
N,120,118,119
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text)
    return path


def error(path, *parts: str) -> str:
    """A regex that requires the file name and then each part, in order."""
    return ".*".join(re.escape(p) for p in (path.name, *parts))


# Long layout ------------------------------------------------------------------------------------

def test_long_layout(tmp_path):
    db = read_frequencies(write(tmp_path, "t.csv", LONG))
    assert db.markers == ("TH01", "vWA")
    assert len(db) == 2
    alleles, freqs = db["TH01"]
    assert alleles == ("6", "9.3", "10")
    assert freqs.tolist() == [0.25, 0.5, 0.25]
    assert db.name == "t"
    assert db.source == str(tmp_path / "t.csv")
    assert db.n_individuals is None


def test_long_layout_headers_any_case_any_order_extra_columns(tmp_path):
    text = "Allele,COUNT,Frequency,MARKER\n9.3,5,0.5,TH01\n6,5,0.5,TH01\n"
    db = read_frequencies(write(tmp_path, "t.csv", text), layout="long")
    assert db["TH01"][0] == ("9.3", "6")


def test_long_layout_tsv_and_sniffed_separator(tmp_path):
    tsv = read_frequencies(write(tmp_path, "t.tsv", LONG.replace(",", "\t")))
    semi = read_frequencies(write(tmp_path, "t.txt", LONG.replace(",", ";")))
    csv = read_frequencies(write(tmp_path, "t.csv", LONG))
    assert tsv.sha256 == semi.sha256 == csv.sha256


def test_labels_are_kept_as_written(tmp_path):
    text = "marker,allele,frequency\nD18S51,10,0.2\nD18S51,9.3,0.2\nD18S51,OL,0.2\n" \
           "D18S51,>27,0.2\nD18S51,9.31,0.2\n"
    with pytest.warns(ForensicMatchWarning, match="bins"):
        alleles, _ = read_frequencies(write(tmp_path, "t.csv", text))["D18S51"]
    assert alleles == ("10", "9.3", "OL", ">27", "9.31")
    assert read_frequencies(write(tmp_path, "l.csv", LADDER))["TH01"][0] == ("6", "9.3", "10")


# A ladder as R's write.csv or pandas' to_csv writes a numeric Allele column with a NaN in it.
PANDAS_LADDER = """Allele,TH01,vWA,Penta D
6.0,0.25,,
9.3,0.5,NA,0.4
10.0,0.25,0,0.6
16.0,,1.0,0
"""


@pytest.mark.parametrize("layout", ["long", "ladder", "list"])
def test_a_number_label_not_in_canonical_form_is_refused_where_it_stands(tmp_path, layout):
    # Before, '10.0' was kept as written: no profile's '10' (laboratory files are read in
    # canonical form) found its frequency, every typed allele got the minimum frequency and
    # an LR of 1.8e6 became 1.3e32, with one UnknownAlleleWarning per allele to show it.
    text = {"long": "marker,allele,frequency\nTH01,6,0.5\nTH01,10.0,0.5\n",
            "ladder": PANDAS_LADDER,
            "list": "TH01\n6\t0.5\n10.0\t0.5\n"}[layout]
    path = write(tmp_path, f"t.{'txt' if layout == 'list' else 'csv'}", text)
    line = {"long": "line 3", "ladder": "line 2", "list": "line 3"}[layout]
    label = "6.0" if layout == "ladder" else "10.0"
    with pytest.raises(MarkerError, match=fragment(
            "t.", line, "marker 'TH01'", f"allele {label!r}", "not in canonical form",
            f"write {label[:-2]!r}", "normalise_alleles=True")):
        read_frequencies(path)
    rewritten = read_frequencies(path, normalise_alleles=True)
    assert rewritten["TH01"][0] == ("6", "10") if layout != "ladder" else ("6", "9.3", "10")
    clean = text.replace("6.0,", "6,").replace("10.0", "10").replace("16.0", "16")
    assert rewritten.sha256 == read_frequencies(write(tmp_path, path.name, clean)).sha256


@pytest.mark.parametrize("labels, why", [
    (("07", "7"), ("allele labels '07' (", "line 2", "and '7' are one allele, '7'")),
    (("9,3", "6"), ("decimal comma", "write '9.3'")),
])
def test_labels_that_are_one_allele_or_have_a_decimal_comma(tmp_path, labels, why):
    text = "marker,allele,frequency\n" + "".join(f'TH01,"{a}",0.5\n' for a in labels)
    path = write(tmp_path, "t.csv", text)
    with pytest.raises(MarkerError, match=fragment("marker 'TH01'", *why)):
        read_frequencies(path, normalise_alleles=labels[0] == "07")


def test_frequencies_within_tolerance_are_rescaled_with_a_warning(tmp_path):
    """A rounded table (here summing to 0.998) is rescaled to sum to 1, naming file, lines and
    marker; a table within EXACT_SUM of 1 (published and reference tables: about 2e-10) is
    used exactly as given."""
    from forensic_match.markers import EXACT_SUM

    text = "marker,allele,frequency\nTH01,6,0.499\nTH01,7,0.499\n"
    with pytest.warns(NormalisationWarning, match=r"t.csv', lines 2-3: marker 'TH01': "
                                                  r"frequencies sum to 0.998, within the "
                                                  r"tolerance 0.005 of 1 \(a rounded table\); "
                                                  r"rescaled to sum to 1"):
        db = read_frequencies(write(tmp_path, "t.csv", text))
    assert db["TH01"][1].tolist() == [0.5, 0.5]
    near = f"marker,allele,frequency\nTH01,6,0.5\nTH01,7,{0.5 - EXACT_SUM / 2!r}\n"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        db = read_frequencies(write(tmp_path, "n.csv", near), n_individuals=100)
    assert db["TH01"][1].tolist() == [0.5, 0.5 - EXACT_SUM / 2]


# Ladder layout ----------------------------------------------------------------------------------

def test_ladder_layout(tmp_path):
    db = read_frequencies(write(tmp_path, "ladder.csv", LADDER))
    assert db.markers == ("TH01", "vWA", "Penta D")
    assert db["vWA"][0] == ("OL", "16")
    assert db["vWA"][1].tolist() == [0.1, 0.9]
    assert db["Penta D"][0] == ("9.3", "10")
    assert db.n_individuals == 118
    assert db.min_frequency == 5 / (2 * 118)


def test_ladder_without_n_row_and_explicit_layout(tmp_path):
    text = "allele\tTH01\n6\t0.5\n7\t0.5\n"
    db = read_frequencies(write(tmp_path, "ladder.tsv", text), layout="ladder")
    assert db["TH01"][0] == ("6", "7")
    assert db.n_individuals is None
    assert db.min_frequency == DEFAULT_MIN_FREQUENCY


def test_caller_n_individuals_overrides_the_n_row(tmp_path):
    db = read_frequencies(write(tmp_path, "ladder.csv", LADDER), n_individuals=500)
    assert db.n_individuals == 500


def test_ladder_and_long_give_the_same_database(tmp_path):
    ladder = read_frequencies(write(tmp_path, "ladder.csv", LADDER))
    long = read_frequencies(write(tmp_path, "long.csv",
                                  ladder.to_table().write_csv()))
    assert long.sha256 == ladder.sha256
    assert long == ladder


# Parquet ----------------------------------------------------------------------------------------

def test_parquet_round_trip(tmp_path):
    db = read_frequencies(write(tmp_path, "t.csv", LONG))
    path = tmp_path / "t.parquet"
    db.to_table().write_parquet(path)
    back = read_frequencies(path)
    assert back.sha256 == db.sha256
    assert back["TH01"][0] == ("6", "9.3", "10")
    assert back["vWA"][0] == ("OL", "16")


def test_parquet_with_numeric_allele_column(tmp_path):
    path = tmp_path / "n.parquet"
    pl.DataFrame({"marker": ["TPOX", "TPOX"], "allele": [8, 10],
                  "frequency": [0.5, 0.5]}).write_parquet(path)
    assert read_frequencies(path)["TPOX"][0] == ("8", "10")


def test_parquet_errors_name_the_row(tmp_path):
    path = tmp_path / "bad.parquet"
    pl.DataFrame({"marker": ["TPOX", "TPOX"], "allele": ["8", "8"],
                  "frequency": [0.5, 0.5]}).write_parquet(path)
    with pytest.raises(MarkerError, match=error(path, "row 2", "marker 'TPOX'", "allele '8'",
                                                "duplicate")):
        read_frequencies(path)


def test_to_table():
    db = FrequencyDB({"TH01": (["6", "9.3"], [0.4, 0.6]), "TPOX": (["8"], [1.0])})
    table = db.to_table()
    assert table.columns == ["marker", "allele", "frequency"]
    assert table.dtypes == [pl.String, pl.String, pl.Float64]
    assert table.rows() == [("TH01", "6", 0.4), ("TH01", "9.3", 0.6), ("TPOX", "8", 1.0)]


# Bundled tables ---------------------------------------------------------------------------------

def test_available_frequencies():
    assert available_frequencies() == BUNDLED


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_tables_load_and_sum_to_one(name):
    if name == "fbi2015_se_hispanic":   # D18S51 '>27'
        with pytest.warns(ForensicMatchWarning, match="D18S51 '>27'.* is not applied"):
            db = load_frequencies(name)
    else:
        db = load_frequencies(name)
    assert db.name == name
    assert len(db) in (23, 29)
    for marker in db:
        alleles, freqs = db[marker]
        assert len(set(alleles)) == len(alleles)
        assert np.all(freqs > 0)
        assert abs(freqs.sum() - 1.0) < 1e-9, marker
    assert 90 <= db.n_individuals <= 1036
    assert db.min_frequency == 5 / (2 * db.n_individuals)


def test_bundled_details():
    hisp = load_frequencies("NIST1036_hisp")
    assert hisp.n_individuals == 235  # one sample untyped at Penta D
    assert "Penta D" in hisp and "PENTA_D" in hisp and "pentad" in hisp
    assert hisp["D21S11"][0][:4] == ("24.2", "26.2", "27", "28")
    assert load_frequencies("fbi2015_apache").n_individuals == 192
    assert load_frequencies("nist1036_all", min_frequency=0.002).min_frequency == 0.002


def test_bundled_hash_is_pinned():
    # Changing a bundled table must be deliberate: it changes every stored provenance record.
    db = load_frequencies("nist1036_all")
    assert db.sha256 == "053b6e00210ce15a0d88951c11bd29337e119c99bbbdbf45572bc7b96cdc34d4"
    assert read_frequencies(db.source).sha256 == db.sha256


def test_unknown_bundled_table():
    with pytest.raises(InputError, match="no bundled frequency table 'peru'.*nist1036_all"):
        load_frequencies("peru")


# Bad input --------------------------------------------------------------------------------------

def test_duplicate_allele(tmp_path):
    path = write(tmp_path, "dup.csv", LONG + "TH01,9.3,0.1\n")
    with pytest.raises(MarkerError, match=error(path, "line 7", "marker 'TH01'", "allele '9.3'",
                                                "duplicate allele (first on line 3)")):
        read_frequencies(path)


def test_duplicate_allele_under_another_spelling_of_the_marker(tmp_path):
    path = write(tmp_path, "dup.csv", LONG + "VWA,16,0.1\n")
    with pytest.raises(MarkerError, match=error(path, "line 7", "marker 'vWA'", "allele '16'")):
        read_frequencies(path)


@pytest.mark.parametrize("value", ["abc", "0,5", ""])
def test_non_numeric_frequency(tmp_path, value):
    path = write(tmp_path, "nan.csv", LONG.replace("TH01,9.3,0.5", f'TH01,9.3,"{value}"'))
    with pytest.raises(MarkerError, match=error(path, "line 3", "marker 'TH01'", "allele '9.3'",
                                                "is not a number")):
        read_frequencies(path)


@pytest.mark.parametrize("value", ["0", "-0.5", "nan", "inf"])
def test_non_positive_frequency(tmp_path, value):
    path = write(tmp_path, "neg.csv", LONG.replace("vWA,OL,0.1", f"vWA,OL,{value}"))
    with pytest.raises(MarkerError, match=error(path, "line 5", "marker 'vWA'", "allele 'OL'",
                                                "must be positive")):
        read_frequencies(path)


def test_missing_column(tmp_path):
    path = write(tmp_path, "cols.csv", "marker,allele,freq\nTH01,6,1.0\n")
    with pytest.raises(InputError, match=error(path, "line 1", "missing column(s) ['frequency']")):
        read_frequencies(path, layout="long")


def test_unrecognised_header(tmp_path):
    path = write(tmp_path, "what.csv", "locus,allele,p\nTH01,6,1.0\n")
    with pytest.raises(InputError, match=error(path, "line 1", "cannot tell the layout")):
        read_frequencies(path)


def test_empty_labels(tmp_path):
    path = write(tmp_path, "empty.csv", LONG + ",6,0.5\n")
    with pytest.raises(InputError, match=error(path, "line 7", "empty marker name")):
        read_frequencies(path)
    path = write(tmp_path, "empty2.csv", LONG + "TPOX, ,1.0\n")
    with pytest.raises(InputError, match=error(path, "line 7", "marker 'TPOX'", "empty allele")):
        read_frequencies(path)


def test_too_many_fields(tmp_path):
    path = write(tmp_path, "wide.csv", LONG + "TPOX,8,1.0,extra\n")
    with pytest.raises(InputError, match=error(path, "line 7", "4 fields")):
        read_frequencies(path)


def test_sum_not_one(tmp_path):
    path = write(tmp_path, "sum.csv", LONG.replace("TH01,10,0.25", "TH01,10,0.15"))
    with pytest.raises(MarkerError, match=error(path, "lines 2-4", "marker 'TH01'",
                                                "frequencies sum to 0.9, not 1")):
        read_frequencies(path)


def test_missing_file_and_bad_layout(tmp_path):
    with pytest.raises(InputError, match=error(tmp_path / "none.csv", "no such file")):
        read_frequencies(tmp_path / "none.csv")
    with pytest.raises(InputError, match="layout must be"):
        read_frequencies(write(tmp_path, "t.csv", LONG), layout="wide")  # type: ignore[arg-type]


def test_empty_file(tmp_path):
    path = write(tmp_path, "empty.csv", "")
    with pytest.raises(InputError, match=error(path, "line 1", "no header")):
        read_frequencies(path)
    path = write(tmp_path, "header.csv", "marker,allele,frequency\n")
    with pytest.raises(InputError, match=error(path, "no frequencies")):
        read_frequencies(path)


def test_ladder_bad_cell(tmp_path):
    path = write(tmp_path, "ladder.csv", LADDER.replace("9.3,0.5,NA,0.4", "9.3,0.5,x,0.4"))
    with pytest.raises(MarkerError, match=error(path, "line 3", "marker 'vWA'", "allele '9.3'",
                                                "is not a number")):
        read_frequencies(path)


def test_ladder_duplicate_allele_row(tmp_path):
    path = write(tmp_path, "ladder.csv", LADDER.replace("10,0.25,0,0.6", "9.3,0.25,0,0.6"))
    with pytest.raises(MarkerError, match=error(path, "line 4", "allele '9.3'",
                                                "duplicate allele row (first on line 3)")):
        read_frequencies(path)


def test_ladder_duplicate_marker_column(tmp_path):
    path = write(tmp_path, "ladder.csv", "Allele,vWA,VWA\n16,1.0,1.0\n")
    with pytest.raises(MarkerError, match=error(path, "line 1", "marker 'VWA'", "'vWA'")):
        read_frequencies(path)


def test_ladder_bad_n_row(tmp_path):
    path = write(tmp_path, "ladder.csv", LADDER.replace("N,120,118,119", "N,120,11.5,119"))
    with pytest.raises(InputError, match=error(path, "line 7", "marker 'vWA'",
                                               "'11.5' is not a positive integer")):
        read_frequencies(path)


def test_ladder_row_after_n_row(tmp_path):
    path = write(tmp_path, "ladder.csv", LADDER + "17,0.1,,\n")
    with pytest.raises(InputError, match=error(path, "line 8", "after the 'N' row")):
        read_frequencies(path)


def test_ladder_sum_not_one(tmp_path):
    path = write(tmp_path, "ladder.csv", LADDER.replace("16,,0.9,0", "16,,0.8,0"))
    with pytest.raises(MarkerError, match=error(path, "lines 5-6", "marker 'vWA'",
                                                "sum to 0.9")):
        read_frequencies(path)


# Normalisation ----------------------------------------------------------------------------------

def test_normalise_warns_and_rescales(tmp_path):
    path = write(tmp_path, "sum.csv", LONG.replace("TH01,10,0.25", "TH01,10,0.15"))
    with pytest.warns(NormalisationWarning, match=error(path, "lines 2-4", "marker 'TH01'",
                                                        "rescaled")):
        db = read_frequencies(path, normalise=True)
    alleles, freqs = db["TH01"]
    assert freqs.sum() == pytest.approx(1.0, abs=1e-15)
    np.testing.assert_allclose(freqs, np.array([0.25, 0.5, 0.15]) / 0.9, rtol=1e-15)
    assert db["vWA"][1].tolist() == [0.1, 0.9]  # markers that sum to 1 are untouched


def test_tolerance_is_the_marker_tolerance():
    with pytest.warns(NormalisationWarning, match="rescaled to sum to 1"):
        FrequencyDB({"A": (["1", "2"], [0.5, 0.5 - SUM_TOLERANCE / 2])})
    with pytest.raises(MarkerError, match="marker 'A': frequencies sum to"):
        FrequencyDB({"A": (["1", "2"], [0.5, 0.5 - 2 * SUM_TOLERANCE])})


# Lookup -----------------------------------------------------------------------------------------

def test_marker_lookup_ignores_case_spaces_and_underscores(tmp_path):
    db = read_frequencies(write(tmp_path, "ladder.csv", LADDER))
    for name in ("vWA", "VWA", "vwa", "v WA"):
        assert name in db
        assert db.marker(name).alleles == ("OL", "16")
    for name in ("Penta D", "PentaD", "PENTA_D", "penta-d"):
        assert name in db
        assert db.canonical_name(name) == "Penta D"
    assert "Penta E" not in db and 17 not in db


def test_marker_keeps_the_callers_name_and_takes_a_mutation():
    db = FrequencyDB({"vWA": (["16", "17"], [0.4, 0.6])})
    mutation = Mutation.same(MutationModel("equal", rate=0.002))
    m = db.marker("VWA", mutation=mutation)
    assert m.name == "VWA" and m.mutation == mutation
    assert m.frequencies.tolist() == [0.4, 0.6]
    assert m.matrices is not None


def test_markers_for():
    db = FrequencyDB({"TH01": (["6", "7"], [0.5, 0.5]), "TPOX": (["8", "9"], [0.3, 0.7])})
    mutation = Mutation.same(MutationModel("equal", rate=0.002))
    ms = db.markers_for(["tpox", "TH01"], mutation=mutation)
    assert [m.name for m in ms] == ["tpox", "TH01"]
    assert all(m.mutation == mutation for m in ms)
    per_marker = db.markers_for(["TPOX", "TH01"], mutation={"th01": mutation})
    assert per_marker[0].mutation is None and per_marker[1].mutation == mutation


def test_markers_for_names_the_missing_markers():
    db = FrequencyDB({"TH01": (["6", "7"], [0.5, 0.5])}, name="tiny")
    with pytest.raises(MarkerError, match="markers 'SE33', 'D2S441' not in frequency database "
                                          "'tiny'"):
        db.markers_for(["TH01", "SE33", "D2S441"])
    with pytest.raises(MarkerError, match="marker 'SE33' not in frequency database 'tiny'"):
        db.marker("SE33")
    with pytest.raises(KeyError):
        db["SE33"]


def test_markers_for_refuses_a_mutation_for_an_unrequested_marker():
    db = FrequencyDB({"TH01": (["6", "7"], [0.5, 0.5])})
    mutation = Mutation.same(MutationModel("equal", rate=0.002))
    with pytest.raises(MarkerError, match="not requested.*'TH1'"):
        db.markers_for(["TH01"], mutation={"TH1": mutation})


def test_duplicate_marker_spelling_in_the_constructor():
    with pytest.raises(MarkerError, match="marker 'PENTA_D': the same marker as 'Penta D'"):
        FrequencyDB({"Penta D": (["9"], [1.0]), "PENTA_D": (["9"], [1.0])})


# Hash, immutability -----------------------------------------------------------------------------

def test_sha256_is_stable_and_content_only(tmp_path):
    a = read_frequencies(write(tmp_path, "a.csv", LONG), name="a")
    lines = LONG.splitlines()
    shuffled = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    b = read_frequencies(write(tmp_path, "b.csv", shuffled), name="b")
    assert a.sha256 == b.sha256 == read_frequencies(tmp_path / "a.csv").sha256
    assert len(a.sha256) == 64 and int(a.sha256, 16) >= 0
    c = read_frequencies(write(tmp_path, "c.csv", LONG.replace("0.25", "0.2500000001", 1)))
    assert c.sha256 != a.sha256
    d = read_frequencies(write(tmp_path, "d.csv", LONG.replace("TH01,10,", "TH01,11,")))
    assert d.sha256 != a.sha256


def test_immutable(tmp_path):
    db = read_frequencies(write(tmp_path, "t.csv", LONG))
    with pytest.raises(AttributeError, match="immutable"):
        db.name = "other"  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        db["TH01"][1][0] = 0.9
    assert hash(db) == hash(read_frequencies(tmp_path / "t.csv"))


# Minimum frequency and unknown alleles -----------------------------------------------------------

def test_min_frequency_rule():
    tables = {"TH01": (["6", "7"], [0.5, 0.5])}
    assert FrequencyDB(tables).min_frequency == DEFAULT_MIN_FREQUENCY == 0.001
    assert FrequencyDB(tables, n_individuals=250).min_frequency == 5 / 500
    assert FrequencyDB(tables, n_individuals=250, min_frequency=0.003).min_frequency == 0.003
    for bad in (0.0, 1.0, -0.1):
        with pytest.raises(InputError, match="min_frequency must lie in"):
            FrequencyDB(tables, min_frequency=bad)
    for bad_n in (0, 2.5, True):
        with pytest.raises(InputError, match="n_individuals must be a positive integer"):
            FrequencyDB(tables, n_individuals=bad_n)


def test_reader_min_frequency_override(tmp_path):
    db = read_frequencies(write(tmp_path, "ladder.csv", LADDER), min_frequency=0.004)
    assert db.n_individuals == 118 and db.min_frequency == 0.004


def test_unknown_allele_added_with_min_frequency_and_warning():
    db = FrequencyDB({"TH01": (["6", "7", "9.3"], [0.2, 0.3, 0.5])}, n_individuals=100)
    marker = db.marker("TH01")
    with pytest.warns(UnknownAlleleWarning,
                      match=r"sample 'PM-17', marker 'TH01', allele '13\.3': allele not in the "
                            r"frequency database; added with frequency 0\.025"):
        extended = marker.with_alleles(["9.3", "13.3"], min_frequency=db.min_frequency,
                                       sample="PM-17")
    assert extended.alleles == ("6", "7", "9.3", "13.3")
    mf = 5 / 200
    np.testing.assert_allclose(extended.frequencies, np.array([0.2, 0.3, 0.5, mf]) / (1 + mf),
                               rtol=1e-15)
    assert extended.frequencies.sum() == pytest.approx(1.0, abs=1e-15)
    assert marker.with_alleles(["6", "9.3"], min_frequency=db.min_frequency) is marker


def test_a_table_without_n_says_its_unseen_alleles_get_the_fallback(tmp_path):
    """An outside check (h_lab, finding 4) copied the bundled FBI 2015 SW Hispanic table (N =
    209) to a CSV, which has no N: a father and son sharing FGA 29, absent from the table, got
    0.001 for it instead of 5 / (2N) = 0.01196 (log10 LR 20.839 instead of 19.771), and only
    the progress line's "(unknown alleles 0.001)" told. The value is kept (existing runs keep
    their LRs) and a warning now names the file, the fallback and how to give N, once."""
    from forensic_match.frequencies import BUNDLED_DIR
    from forensic_match.kinship import kinship_lr

    path = tmp_path / "lab_fbi.csv"
    path.write_bytes((BUNDLED_DIR / "fbi2015_sw_hispanic.csv").read_bytes())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        db = read_frequencies(path)
    said = [w for w in caught if issubclass(w.category, UnknownSizeWarning)]
    assert len(said) == 1 and issubclass(UnknownSizeWarning, ForensicMatchWarning)
    text = str(said[0].message)
    assert text.startswith(f"file {str(path)!r}: the table does not give N")
    for part in ("fallback frequency 0.001", "its smallest frequency is 0.002392",
                 "'n_individuals = ...' in the [frequencies] section", "n_individuals=",
                 "a last row 'N' in a ladder table"):
        assert part in text
    assert db.min_frequency == DEFAULT_MIN_FREQUENCY  # the number is unchanged
    # the FGA 29 shared by a father and son: LR 1 / (2 f'), f' = f / (1 + f), at 0.001
    h1, h2, _, _ = _duo_with_unknown_allele(db)
    profiles = {"AF": {"FGA": ("29", "29")}, "C": {"FGA": ("29", "23")}}
    with pytest.warns(UnknownAlleleWarning, match="frequency 0.001"):
        res = kinship_lr(h1, h2, db.markers_for(["FGA"]), profiles)
    assert res.lr_total == pytest.approx(1.001 / 0.002, rel=1e-9)
    # with N given (the configuration's n_individuals) or a value, nothing to say
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownSizeWarning)
        assert read_frequencies(path, n_individuals=209).min_frequency == 5 / 418
        assert read_frequencies(path, min_frequency=0.01).min_frequency == 0.01
        assert load_frequencies("fbi2015_sw_hispanic").min_frequency == 5 / 418
        ladder = read_frequencies(write(tmp_path, "ladder.csv", LADDER))
    assert ladder.n_individuals == 118


def test_float32_parquet_labels_read_as_written(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The shared table reader turns a float32 9.3 into "9.3", not 9.300000190734863."""
    path = tmp_path / "f32.parquet"
    pl.DataFrame({"marker": ["TH01", "TH01"],
                  "allele": pl.Series([9.3, 10.0], dtype=pl.Float32),
                  "frequency": [0.25, 0.75]}).write_parquet(path)
    assert read_frequencies(path)["TH01"][0] == ("9.3", "10")


# --- the unknown-allele frequency reaches the likelihood (issue 7, point 4) ----------------------


def _duo_with_unknown_allele(db):  # type: ignore[no-untyped-def]
    """A father-child duo sharing allele 99 at TH01, absent from every table: LR = 1 / (2 f')
    with f' the added allele's frequency after rescaling, f' = f / (1 + f)."""
    from forensic_match.pedigree import parent_child, unrelated

    markers = db.markers_for(["TH01"])
    profiles = {"AF": {"TH01": ("99", "99")}, "C": {"TH01": ("99", "6")}}
    return parent_child(), unrelated(["AF", "C"]), markers, profiles


@pytest.mark.parametrize(("table", "min_frequency"), [("nist1036_hisp", None),
                                                      ("nist1036_hisp", 0.02),
                                                      ("fbi2015_navajo", None)])
def test_kinship_lr_uses_the_tables_minimum_frequency(table, min_frequency):
    """5 / (2N) from the table's counts, or the caller's value given to load_frequencies; not
    the fallback 0.001 (which gave about 10x too much LR per unknown allele)."""
    from forensic_match.kinship import kinship_lr

    db = load_frequencies(table, min_frequency=min_frequency)
    want_f = min_frequency if min_frequency is not None else 5 / (2 * db.n_individuals)
    assert db.min_frequency == want_f
    h1, h2, markers, profiles = _duo_with_unknown_allele(db)
    with pytest.warns(UnknownAlleleWarning, match=f"frequency {want_f:.4g}"):
        res = kinship_lr(h1, h2, markers, profiles)
    added = want_f / (1 + want_f)
    assert res.lr_total == pytest.approx(1 / (2 * added), rel=1e-9)


def test_kinship_lr_callers_argument_still_wins():
    from forensic_match.kinship import kinship_lr

    db = load_frequencies("nist1036_hisp")
    h1, h2, markers, profiles = _duo_with_unknown_allele(db)
    with pytest.warns(UnknownAlleleWarning, match="frequency 0.05"):
        res = kinship_lr(h1, h2, markers, profiles, min_frequency=0.05)
    assert res.lr_total == pytest.approx(1 / (2 * 0.05 / 1.05), rel=1e-9)


def test_markers_from_a_database_carry_its_minimum_frequency(tmp_path):
    db = read_frequencies(write(tmp_path, "ladder.csv", LADDER))
    assert [m.min_frequency for m in db.markers_for(db.markers)] == \
        [db.min_frequency] * len(db)
    marker = db.marker(db.markers[0])
    assert marker.with_mutation(None).min_frequency == db.min_frequency
    assert Marker("TH01", ["6", "7"], [0.5, 0.5]).min_frequency is None


def test_extend_markers_rebuilds_prepare_markers_to_the_bit() -> None:
    """The alleles prepare_markers added, replayed by extend_markers, give the same markers
    (frequencies equal to the bit, same digest)."""
    import warnings

    from forensic_match.likelihood.engine import added_alleles, extend_markers, prepare_markers
    from forensic_match.markers import markers_digest

    db = load_frequencies("fbi2015_sw_hispanic")
    base = db.markers_for(["TH01", "FGA", "SE33"])
    profiles = {"a": {"TH01": ("5.3", "9.3"), "FGA": ("17.1", "40")},
                "b": {"SE33": ("50.2", "12"), "TH01": ("4", "5.3")}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ext = prepare_markers(base, profiles)
        added = added_alleles(base, ext)
        again = extend_markers(base, added)
    assert added["TH01"] == ["5.3", "4"] and "40" in added["FGA"]
    assert markers_digest(again) == markers_digest(ext)
    assert all((a.frequencies == b.frequencies).all() for a, b in zip(again, ext))


def test_a_frequency_table_in_a_workbook_is_refused(tmp_path):
    # the workbook engine reads 0.0123456789012 as "0.012345679": every LR moved in its
    # last digits (1e-8 relative), beyond the 1e-9 the reference cases are held to
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = tmp_path / "freqs.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate([["marker", "allele", "frequency"], ["TH01", "6", 0.0123456789012],
                             ["TH01", "7", 1 - 0.0123456789012]]):
        sheet.write_row(r, 0, row)
    book.close()
    with pytest.raises(InputError, match=fragment("freqs.xlsx", "not from a workbook",
                                                  "save the sheet as CSV")):
        read_frequencies(path)


# Rounded tables: one distribution for every path ------------------------------------------------

ROUNDED = {"low": [0.1589, 0.20201, 0.12861, 0.19826, 0.31221],    # sums to 0.99999
           "0.996": [0.1589, 0.20201, 0.12861, 0.19826, 0.30822],
           "1.004": [0.1589, 0.20201, 0.12861, 0.19826, 0.31622]}


@pytest.mark.parametrize("freqs", list(ROUNDED.values()), ids=list(ROUNDED))
def test_a_rounded_table_gives_one_lr_on_every_path(freqs):
    """Found by an outside oracle (2026-12-06): a table within the tolerance but not summing to
    1 gave an LR of 0.996^2 where nothing relates the person to anyone typed (the lumped
    rewritings assume a distribution); the search's LR of a degraded sample differed from
    kinship_lr by up to 1.6 % (raw table against working frequencies); the proportional model
    refused every likelihood ("mutation matrix rows do not sum to 1"). Rescaled, the paths
    agree with one another and with the plain-Python oracle of the tests."""
    from forensic_match import Observation, Pedigree, kinship_lr
    from forensic_match.cases import Family, PMSample
    from forensic_match.dvi.compile import compile_families
    from forensic_match.dvi.search import search_samples
    from forensic_match.markers import Marker
    from forensic_match.mutation import Mutation, MutationModel

    alleles = ["10", "11", "12", "13", "14"]
    with pytest.warns(NormalisationWarning, match="rescaled to sum to 1"):
        m = Marker("X", alleles, freqs)
    assert m.frequencies.sum() == pytest.approx(1.0, abs=1e-15)
    trio = [("F", None, None, "M"), ("M", None, None, "F"), ("MP", "F", "M", "M")]
    alone = Pedigree.from_records(trio[:2] + [("MP", None, None, "M")])
    with pytest.warns(NormalisationWarning, match="rescaled to sum to 1"):
        both = Marker("Y", ["14", "20"], [0.598, 0.398])      # 0.996, both alleles seen
    for theta in (0.0, 0.05):
        lr = kinship_lr(Pedigree.from_records(trio), alone, [m, both],
                        {"MP": {"X": ("12", "14"), "Y": ("14", "20")}}, theta=theta).lr_total
        assert lr == pytest.approx(1.0, rel=1e-12)
    fam = Family("FAM", Pedigree.from_records(trio), ["MP"], {"M": {"X": ("14", "11")}})
    samples = [PMSample("complete", "U", {"X": ("12", "14")}),
               PMSample("partial", "U", {"X": ("12", None)}),
               PMSample("dropout", "U", {"X": ("12", "12")}, dropout=0.3)]
    found = search_samples(compile_families([fam], [m]), samples, threshold=-1e300,
                           sex_filter=False, min_markers=1)
    got = dict(zip(found.by_sample["pm"].to_list(), found.by_sample["log10_lr"].to_list()))
    for s in samples:
        h1 = Pedigree.from_records([(s.id if i == "MP" else i, f, mo, sx)
                                    for i, f, mo, sx in trio])
        h2 = Pedigree.from_records(trio + [(s.id, None, None, "M")])
        obs = {s.id: Observation(dropout=s.dropout)} if s.dropout else None
        want = kinship_lr(h1, h2, [m], {"M": {"X": ("14", "11")}, s.id: s.genotypes},
                          observation=obs).log10_lr_total
        assert got[s.id] == pytest.approx(want, abs=1e-12), s.id
    prop = m.with_mutation(Mutation.same(MutationModel("proportional", rate=0.002)))
    child = Pedigree.from_records(trio)
    assert kinship_lr(child, alone, [prop], {"M": {"X": ("14", "11")},
                                             "MP": {"X": ("12", "14")}}).lr_total > 0



def test_a_case_saved_as_json_keeps_the_tables_minimum_frequency(tmp_path):
    """A kinship case written by save_case and read back gives an allele the table lacks the
    table's 5 / (2N), as the markers it was written from did: it gave 0.001, an LR about 11.7
    times higher per such allele than 'search' on the same data (an outside check,
    2026-12-07). A marker without the key keeps 0.001; a bad value is refused."""
    import json

    from forensic_match.cases import KinshipCase, load_case, save_case
    from forensic_match.errors import InputError
    from forensic_match.kinship import kinship_lr

    db = load_frequencies("fbi2015_sw_hispanic")
    h1, h2, markers, profiles = _duo_with_unknown_allele(db)
    with pytest.warns(UnknownAlleleWarning):
        want = kinship_lr(h1, h2, markers, profiles).lr_total
    case = KinshipCase("rare", markers, h1, h2, profiles)
    save_case(case, tmp_path / "rare.json")
    data = json.loads((tmp_path / "rare.json").read_text())
    assert data["markers"][0]["min_frequency"] == db.min_frequency
    back = load_case(tmp_path / "rare.json")
    with pytest.warns(UnknownAlleleWarning, match=f"frequency {db.min_frequency:.4g}"):
        got = kinship_lr(back.h1, back.h2, back.markers, back.genotypes).lr_total
    assert got == pytest.approx(want, rel=1e-12)
    del data["markers"][0]["min_frequency"]
    (tmp_path / "plain.json").write_text(json.dumps(data))
    assert load_case(tmp_path / "plain.json").markers[0].min_frequency is None
    for bad in (0, 1e-300, 1.5, "0.01", True):
        data["markers"][0]["min_frequency"] = bad
        (tmp_path / "bad.json").write_text(json.dumps(data))
        with pytest.raises(InputError, match="marker 'TH01': min_frequency .* must be a "
                                             "number in \\[1e-9, 1\\)"):
            load_case(tmp_path / "bad.json")


@pytest.mark.parametrize("row", ["Ho,0.8,0.8,0.8", "PIC,0.7,0.7,0.7", "Total,1.000,1.000,1.000",
                                 "2N,240,236,238", "PD,0.9,0.9,0.9"])
def test_a_row_of_summary_statistics_is_refused_naming_it(tmp_path, row):
    """A published table's rows below the alleles (Ho, He, PIC, PD, Total, 2N) were refused
    only by the frequencies' sum, with the advice to rescale; rescaled (normalise=True) they
    were read as alleles and divided every frequency by 2-4 (an LR of 2.0e16 became 5.5e38:
    an outside check, 2026-12-07). Refused now, with normalise too, naming line and label;
    OL, bins and microvariants are still read."""
    lines = LADDER.splitlines()
    text = "\n".join(lines[:-1] + [row, lines[-1]]) + "\n"
    label = row.split(",")[0]
    for normalise in (False, True):
        with pytest.raises(MarkerError, match=f"line 7, marker 'TH01', allele '{label}': "
                                              f"'{label}' is not an allele label"):
            read_frequencies(write(tmp_path, "stats.csv", text), normalise=normalise)
    with pytest.warns(ForensicMatchWarning, match="vWA '>15'"):
        db = read_frequencies(write(tmp_path, "ladder.csv", LADDER.replace("16,", ">15,")))
    assert "OL" in db.marker("vWA").alleles and ">15" in db.marker("vWA").alleles
    # Bins and words tables use for them are read as written (an outside check found them
    # refused by the first version of the rule), with the warning that they are not applied.
    for label in ("≥15", ">= 15", "< 8", "Rare", "otros", "ol"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            db = read_frequencies(write(tmp_path, "bins.csv",
                                        LADDER.replace("16,", f"{label},")))
        assert label in db.marker("vWA").alleles
        assert [str(w.message).count(f"vWA {label!r}") for w in caught] == \
            ([] if label == "ol" else [1])


def test_a_minimum_frequency_below_1e9_is_refused_wherever_it_is_given():
    """1e-300 made a shared unseen allele's LR inf with only the allele's warning (an outside
    review, 2026-12-07); the JSON key, the table and the run configuration take one range."""
    from forensic_match.config import RunConfig
    from forensic_match.frequencies import FrequencyDB

    for bad in (1e-300, 1e-10):
        with pytest.raises(InputError, match=r"min_frequency must lie in \[1e-9, 1\)"):
            FrequencyDB({"TH01": (["6", "7"], [0.5, 0.5])}, min_frequency=bad)
        with pytest.raises(InputError, match=r"frequencies.min_frequency must be a number in "
                                             r"\[1e-09, 1\]"):
            RunConfig(min_frequency=bad)
    assert FrequencyDB({"TH01": (["6", "7"], [0.5, 0.5])}, min_frequency=1e-9).min_frequency \
        == 1e-9


def test_a_bin_is_named_with_the_frequency_its_alleles_get_instead(tmp_path):
    """A table folding FGA 27 and up into '>26' (0.0359) gave a father and son sharing FGA 29
    the minimum frequency for the 29 (log10 LR 19.77; 19.28 at the bin's frequency), the
    bin's frequency staying on a label nobody carries, and no word that 29 lies in the bin
    (an outside check, 2026-12-07). The bin is still not applied (an allele inside it is no
    allele of the table: two alleles of one bin are not one allele), and the table says so."""
    text = "Allele,FGA,TH01\n<20,0.02,\n20,0.1,\n21,0.2,\n22,0.3,\n23,0.2,\n24,0.13,\n" \
           ">24,0.05,\n6,,0.4\n9.3,,0.6\nN,209,209\n"
    with pytest.warns(ForensicMatchWarning, match=fragment(
            "bins.csv", "2 labels are bins of several alleles (FGA '<20' (0.02), FGA '>24' "
            "(0.05))", "a profile's allele inside it (FGA 19 for '<20') is not given the "
            "bin's frequency", "the minimum frequency (0.01196)")):
        db = read_frequencies(write(tmp_path, "bins.csv", text))
    with pytest.warns(UnknownAlleleWarning, match="allele '29'"):
        fga = db.marker("FGA").with_alleles(["29"], min_frequency=db.min_frequency)
    assert fga.frequencies[fga.alleles.index("29")] == pytest.approx(
        5 / 418 / (1 + 5 / 418))
