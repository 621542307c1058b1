"""Reading programme records from tables: genotypes, pedigrees, PM samples, families.

The example files in ``datasets/examples/records/`` are read as shipped; bad input is written to
``tmp_path`` and each error is checked to name the file, the line (or row), the sample or
individual and, where one applies, the marker.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import polars as pl
import pytest
from helpers import ANDEAN_NAMES, ansi, fragment, write

from forensic_match.cases import DviDataset, load_case, save_case
from forensic_match.dvi.records import (
    GenotypeTable,
    read_families,
    read_genotypes,
    read_pedigrees,
    read_pm_samples,
)
from forensic_match.errors import (
    ForensicMatchWarning,
    GenotypeError,
    InputError,
    LineageMarkerWarning,
    MarkerError,
    PedigreeError,
)
from forensic_match.frequencies import FrequencyDB, load_frequencies
from forensic_match.markers import Marker

EXAMPLES = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "records"
PEDIGREES = EXAMPLES / "pedigrees.csv"
RELATIVES = EXAMPLES / "relatives.csv"
REFERENCES = EXAMPLES / "references.csv"
PM_GENOTYPES = EXAMPLES / "pm_genotypes.csv"
PM_SAMPLES = EXAMPLES / "pm_samples.csv"
DB_NAME = "fbi2015_sw_hispanic"




@pytest.fixture(scope="module")
def db() -> FrequencyDB:
    return load_frequencies(DB_NAME)


# Genotypes: long layout --------------------------------------------------------------------------

def test_long_layout_reads_labels_as_text_and_single_allele_as_homozygous_call(tmp_path):
    path = write(tmp_path, "g.csv", "SAMPLE,Marker,Allele1,ALLELE2\n"
                                    "S1,TH01,9.3,10\n"
                                    "S1,vWA,16,\n"
                                    "S1,FGA,,\n"
                                    "\n"
                                    "S2,TH01,10,OL\n")
    table = read_genotypes(path)
    assert isinstance(table, GenotypeTable)
    assert table.layout == "long"
    assert table.profiles == {"S1": {"TH01": ("9.3", "10"), "vWA": ("16", "16")},
                              "S2": {"TH01": ("10", None)}}  # OL: an unknown allele
    assert table.markers == ("TH01", "vWA", "FGA")
    assert table.amelogenin == {}


def test_relatives_example_in_long_layout():
    table = read_genotypes(RELATIVES)
    assert table.layout == "long"
    assert [s.id for s in table.samples] == ["F1-FA", "F1-MO", "F2-MO", "F2-SIB", "F3-MO"]
    assert table.profiles["F1-MO"]["TH01"] == ("8", "8")
    assert table.profiles["F2-MO"]["D21S11"] == ("31.2", "33.2")
    assert table.amelogenin == {"F2-SIB": "M"}
    assert "AMEL" not in table.profiles["F2-SIB"]


def test_layout_must_be_known(tmp_path):
    path = write(tmp_path, "g.csv", "sample,marker,allele1,allele2\nS1,TH01,6,7\n")
    with pytest.raises(InputError, match="layout must be"):
        read_genotypes(path, layout="wide")  # type: ignore[arg-type]
    odd = write(tmp_path, "odd.csv", "who,marker,allele1,allele2\nS1,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("odd.csv", "line 1", "cannot tell the layout")):
        read_genotypes(odd)


def test_long_layout_needs_both_allele_columns(tmp_path):
    path = write(tmp_path, "g.csv", "sample,marker,allele1\nS1,TH01,6\n")
    with pytest.raises(InputError, match=fragment("g.csv", "line 1", "allele1, allele2")):
        read_genotypes(path)


def test_duplicate_sample_and_marker_names_file_line_and_sample(tmp_path):
    path = write(tmp_path, "dup.csv", "sample,marker,allele1,allele2\n"
                                      "S1,TH01,6,7\n"
                                      "S2,TH01,6,6\n"
                                      "S1,th01,7,8\n")
    with pytest.raises(InputError, match=fragment("dup.csv", "line 4", "sample 'S1'",
                                                  "marker 'th01'", "first on line 2")):
        read_genotypes(path)


def test_empty_cells_and_rows_too_long_are_refused(tmp_path):
    empty = write(tmp_path, "e.csv", "sample,marker,allele1,allele2\n,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("e.csv", "line 2", "empty sample id")):
        read_genotypes(empty)
    nomarker = write(tmp_path, "m.csv", "sample,marker,allele1,allele2\nS1,,6,7\n")
    with pytest.raises(InputError, match=fragment("m.csv", "line 2", "sample 'S1'",
                                                  "empty marker")):
        read_genotypes(nomarker)
    long = write(tmp_path, "l.csv", "sample,marker,allele1,allele2\nS1,TH01,6,7,8\n")
    with pytest.raises(InputError, match=fragment("l.csv", "line 2", "5 fields")):
        read_genotypes(long)
    header_only = write(tmp_path, "h.csv", "sample,marker,allele1,allele2\n")
    with pytest.raises(InputError, match=fragment("h.csv", "no genotype rows")):
        read_genotypes(header_only)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match=fragment("nothere.csv", "no such file")):
        read_genotypes(tmp_path / "nothere.csv")


# Genotypes: CE export layout ---------------------------------------------------------------------

def test_ce_example_reads_off_ladder_calls_as_unknown_alleles_and_reads_amelogenin():
    table = read_genotypes(PM_GENOTYPES)
    assert table.layout == "ce"
    assert [s.id for s in table.samples] == ["PM-001", "PM-002", "PM-003", "PM-004"]
    assert table.profiles["PM-003"]["FGA"] == ("25", None)
    assert table.samples[2].off_ladder == ("FGA",)
    assert table.profiles["PM-001"]["vWA"] == ("18", "18")
    assert "FGA" not in table.profiles["PM-002"]  # no allele called: untyped
    assert table.amelogenin == {"PM-001": "M", "PM-002": "F", "PM-003": "M", "PM-004": "M"}
    assert table.markers == ("D3S1358", "vWA", "TH01", "FGA", "D8S1179", "D21S11")


def test_ce_tab_delimited_text_export(tmp_path):
    header = "Sample Name\tMarker\tDye\tAllele 1\tAllele 2\tAllele 3\tHeight 1\tHeight 2"
    path = write(tmp_path, "run.txt", header + "\n"
                 "B1\tAmelogenin\tB\tX\t\t\t900\t\n"
                 "B1\tD8S1179\tB\t12\t15\t\t800\t700\n"
                 "B2\tAMEL\tB\tOL\t\t\t300\t\n"
                 "B2\tD8S1179\tB\t13\t\t\t400\t\n")
    table = read_genotypes(path)
    assert table.layout == "ce"
    assert table.profiles == {"B1": {"D8S1179": ("12", "15")}, "B2": {"D8S1179": ("13", "13")}}
    assert table.amelogenin == {"B1": "F", "B2": "U"}


def test_ce_row_with_three_alleles_is_a_mixture_error(tmp_path):
    path = write(tmp_path, "mix.csv", "Sample Name,Marker,Allele 1,Allele 2,Allele 3\n"
                                      "PM9,D3S1358,14,15,\n"
                                      "PM9,TH01,6,7,9.3\n")
    with pytest.raises(GenotypeError, match=fragment("mix.csv", "line 3", "sample 'PM9'",
                                                     "marker 'TH01'", "3 alleles",
                                                     "mixtures are not supported")):
        read_genotypes(path)


def test_ce_layout_forced_on_a_long_file_names_the_missing_column(tmp_path):
    path = write(tmp_path, "g.csv", "sample,marker,allele1,allele2\nS1,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("g.csv", "line 1", "'Sample Name'")):
        read_genotypes(path, layout="ce")


# Markers checked against the frequency database ------------------------------------------------

def test_markers_are_renamed_to_the_database_spelling(tmp_path, db):
    path = write(tmp_path, "g.csv", "sample,marker,allele1,allele2\nS1,VWA,16,17\n"
                                    "S1,penta_d,9,12\n")
    table = read_genotypes(path, markers=db)
    assert table.profiles == {"S1": {"vWA": ("16", "17"), "Penta D": ("9", "12")}}


def test_marker_missing_from_frequency_database_names_file_line_sample_marker(tmp_path, db):
    path = write(tmp_path, "pm.csv", "sample,marker,allele1,allele2\n"
                                     "S1,TH01,6,7\n"
                                     "S2,D99S999,10,11\n"
                                     "S3,D99S999,10,10\n")
    with pytest.raises(MarkerError, match=fragment("pm.csv", "line 3", "sample 'S2'",
                                                   "marker 'D99S999'", DB_NAME)):
        read_genotypes(path, markers=db)
    markers = [Marker("TH01", ["6", "7"], [0.5, 0.5])]
    with pytest.raises(MarkerError, match=fragment("pm.csv", "line 3", "marker 'D99S999'")):
        read_pm_samples(path, markers=markers)


# Parquet and Excel --------------------------------------------------------------------------------

def test_parquet_reads_like_csv_and_numeric_alleles_become_labels(tmp_path):
    csv_table = read_genotypes(RELATIVES)
    frame = pl.read_csv(RELATIVES, infer_schema=False)
    frame.write_parquet(tmp_path / "relatives.parquet")
    assert read_genotypes(tmp_path / "relatives.parquet").profiles == csv_table.profiles

    numeric = pl.DataFrame({"sample": ["S1", "S1", "S2"], "marker": ["TH01", "vWA", "TH01"],
                            "allele1": [9.3, 16.0, 6.0], "allele2": [10.0, None, 7.0]},
                           schema_overrides={"allele1": pl.Float32})
    numeric.write_parquet(tmp_path / "numeric.parquet")
    assert read_genotypes(tmp_path / "numeric.parquet").profiles == {
        "S1": {"TH01": ("9.3", "10"), "vWA": ("16", "16")}, "S2": {"TH01": ("6", "7")}}


def test_parquet_errors_name_the_data_row(tmp_path):
    pl.DataFrame({"sample": ["S1", "S1"], "marker": ["TH01", "TH01"],
                  "allele1": ["6", "7"], "allele2": ["7", "8"]}
                 ).write_parquet(tmp_path / "dup.parquet")
    with pytest.raises(InputError, match=fragment("dup.parquet", "row 2", "sample 'S1'",
                                                  "marker 'TH01'", "first on row 1")):
        read_genotypes(tmp_path / "dup.parquet")


def _write_xlsx(path: Path, rows: list[list[object]]) -> None:
    xlsxwriter = pytest.importorskip("xlsxwriter", reason="writing .xlsx needs the excel extra")
    workbook = xlsxwriter.Workbook(str(path))
    sheet = workbook.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is not None:
                sheet.write(r, c, value)
    workbook.close()


def test_excel_numeric_cells_become_labels(tmp_path):
    pytest.importorskip("fastexcel", reason="reading .xlsx needs the excel extra")
    path = tmp_path / "ce.xlsx"
    _write_xlsx(path, [["Sample Name", "Marker", "Allele 1", "Allele 2"],
                       ["PM1", "AMEL", "X", "Y"],
                       ["PM1", "TH01", 9.3, 10],
                       ["PM1", "D21S11", 30.2, 31.0],
                       ["PM1", "FGA", "OL", 22],
                       ["PM2", "TH01", "9.3", None]])
    table = read_genotypes(path)
    assert table.layout == "ce"
    assert table.profiles == {"PM1": {"TH01": ("9.3", "10"), "D21S11": ("30.2", "31"),
                                      "FGA": ("22", None)},
                              "PM2": {"TH01": ("9.3", "9.3")}}
    assert table.amelogenin == {"PM1": "M"}


def test_excel_errors_name_the_spreadsheet_row(tmp_path):
    pytest.importorskip("fastexcel", reason="reading .xlsx needs the excel extra")
    path = tmp_path / "mix.xlsx"
    _write_xlsx(path, [["Sample Name", "Marker", "Allele 1", "Allele 2", "Allele 3"],
                       ["PM1", "TH01", 6, 7, None],
                       [None, None, None, None, None],
                       ["PM1", "vWA", 14, 15, 16]])
    with pytest.raises(GenotypeError, match=fragment("mix.xlsx", "row 4", "sample 'PM1'",
                                                     "marker 'vWA'", "3 alleles")):
        read_genotypes(path)


def test_excel_pedigree_and_samples_tables(tmp_path):
    pytest.importorskip("fastexcel", reason="reading .xlsx needs the excel extra")
    ped = tmp_path / "ped.xlsx"
    _write_xlsx(ped, [["family", "id", "father", "mother", "sex", "missing"],
                      ["F1", "FA", None, None, "M", 0],
                      ["F1", "MO", None, None, "F", 0],
                      ["F1", "MP", "FA", "XX", "M", 1]])
    with pytest.raises(PedigreeError, match=fragment("ped.xlsx", "row 4", "family 'F1'",
                                                     "mother 'XX' of 'MP'")):
        read_pedigrees(ped)


def test_excel_column_named_twice_is_refused_as_in_a_csv(tmp_path):
    """polars' Excel engine renames a repeated header ("sex", "sex" -> "sex", "sex_1"), so
    the second column went to the sample's info without a word; the header is now read as
    the sheet has it. A blank header cell stays blank (not the engine's placeholder)."""
    pytest.importorskip("fastexcel", reason="reading .xlsx needs the excel extra")
    genotypes = tmp_path / "g.xlsx"
    _write_xlsx(genotypes, [["Sample Name", "Marker", "Allele 1", "Allele 2"],
                            ["S1", "TH01", 6, 7]])
    samples = tmp_path / "pm.xlsx"
    _write_xlsx(samples, [["sample", "sex", "sex"], ["S1", "M", "F"]])
    with pytest.raises(InputError, match=fragment("pm.xlsx", "columns 2, 3 ('sex', 'sex') "
                                                  "have the same name")):
        read_pm_samples(genotypes, samples_path=samples)
    blank = tmp_path / "blank.xlsx"
    _write_xlsx(blank, [["sample", None, "site"], ["S1", "x", "Grave 1"]])
    from forensic_match.tables import read_table
    table = read_table(blank)
    assert table.header == ["sample", "", "site"]
    assert table.rows == [(2, ["S1", "x", "Grave 1"])]


def test_excel_rows_are_numbered_as_the_sheet_numbers_them(tmp_path):
    """The engine skipped the blank rows above the header, so every row named in an error
    was one to three rows off the sheet's."""
    pytest.importorskip("fastexcel", reason="reading .xlsx needs the excel extra")
    path = tmp_path / "gap.xlsx"
    _write_xlsx(path, [[], [], ["Sample Name", "Marker", "Allele 1", "Allele 2", "Allele 3"],
                       ["PM1", "TH01", 6, 7, None],
                       ["PM1", "vWA", 14, 15, 16]])
    with pytest.raises(GenotypeError, match=fragment("gap.xlsx", "row 5", "sample 'PM1'",
                                                     "marker 'vWA'", "3 alleles")):
        read_genotypes(path)


# Pedigrees ---------------------------------------------------------------------------------------

def test_pedigrees_example_with_a_family_split_across_the_file():
    peds = read_pedigrees(PEDIGREES)
    assert list(peds) == ["F1", "F2", "F3"]
    ped, missing = peds["F2"]
    assert missing == ["F2-MP"]
    assert set(ped.ids) == {"F2-FA", "F2-MO", "F2-MP", "F2-SIB"}
    assert ped.parents("F2-SIB") == ("F2-FA", "F2-MO")
    assert ped.sex_of("F2-MP") == "F"
    assert peds["F3"][1] == ["F3-MP1", "F3-MP2"]


PED_HEADER = "family,id,father,mother,sex,missing\n"


def test_unknown_parent_names_the_right_line_of_a_scattered_family(tmp_path):
    path = write(tmp_path, "ped.csv", PED_HEADER +
                 "F1,FA,,,M,0\n"      # line 2
                 "F1,MO,,,F,0\n"      # line 3
                 "F2,X,,,M,1\n"       # line 4
                 "F1,MP,FA,MOM,M,1\n")  # line 5
    with pytest.raises(PedigreeError, match=fragment("ped.csv", "line 5", "family 'F1'",
                                                     "mother 'MOM' of 'MP'",
                                                     "not in the pedigree")):
        read_pedigrees(path)


def test_duplicate_id_within_a_family_names_both_lines(tmp_path):
    path = write(tmp_path, "ped.csv", PED_HEADER +
                 "F1,A,,,M,1\n"       # line 2
                 "F2,A,,,M,1\n"       # line 3: same id, other family: fine
                 "\n"                 # line 4
                 "F1,B,,,F,0\n"       # line 5
                 "F1,A,,,M,0\n")      # line 6
    with pytest.raises(PedigreeError, match=fragment("ped.csv", "line 6", "family 'F1'",
                                                     "duplicate individual id 'A'",
                                                     "line 2", "family 'F1'")):
        read_pedigrees(path)


def test_same_id_in_two_families_is_allowed(tmp_path):
    path = write(tmp_path, "ped.csv", PED_HEADER + "F1,A,,,M,1\nF2,A,,,F,1\n")
    peds = read_pedigrees(path)
    assert peds["F1"][0].sex_of("A") == "M" and peds["F2"][0].sex_of("A") == "F"


def test_family_without_missing_person_names_file_line_family(tmp_path):
    path = write(tmp_path, "ped.csv", PED_HEADER + "F1,A,,,M,1\nF2,B,,,M,0\nF2,C,,,F,no\n")
    with pytest.raises(InputError, match=fragment("ped.csv", "line 3", "family 'F2'",
                                                  "no missing person", "'B', 'C'")):
        read_pedigrees(path)


def test_bad_missing_flag_and_sex_name_the_individual(tmp_path):
    flag = write(tmp_path, "flag.csv", PED_HEADER + "F1,A,,,M,maybe\n")
    with pytest.raises(InputError, match=fragment("flag.csv", "line 2", "family 'F1'",
                                                  "individual 'A'", "'maybe'")):
        read_pedigrees(flag)
    sex = write(tmp_path, "sex.csv", PED_HEADER + "F1,A,,,M,1\nF1,B,,,Q,0\n")
    with pytest.raises(PedigreeError, match=fragment("sex.csv", "line 3", "family 'F1'",
                                                     "individual 'B'", "sex 'Q'")):
        read_pedigrees(sex)


def test_pedigree_file_needs_its_columns(tmp_path):
    path = write(tmp_path, "ped.csv", "family,id,father,mother,sex\nF1,A,,,M\n")
    with pytest.raises(InputError, match=fragment("ped.csv", "line 1", "'missing'")):
        read_pedigrees(path)


# PM samples --------------------------------------------------------------------------------------

def test_pm_samples_example(db):
    pm = read_pm_samples(PM_GENOTYPES, samples_path=PM_SAMPLES, markers=db)
    assert [s.id for s in pm] == ["PM-001", "PM-002", "PM-003", "PM-004"]
    first, second, third, fourth = pm
    assert first.sex == "M"                                  # empty in the table: amelogenin
    assert first.site == "Grave 1" and first.dropout == 0.0
    assert first.info == {"age_min": "17", "age_max": "25", "stature_cm": "168",
                          "stature_sd": "4.5", "date_recovered": "2019-05-03",
                          "amelogenin": "M"}
    assert second.sex == "F" and second.dropout == 0.2
    assert second.genotypes["vWA"] == ("16", "16")           # only 16 seen
    assert third.genotypes["FGA"] == ("25", None)            # OL, 25: one allele unknown
    assert third.info["off_ladder"] == ["FGA"]
    assert fourth.sex == "M"                                 # "U" in the table: amelogenin
    assert fourth.dropout == 0.0 and set(fourth.genotypes) == {"D3S1358", "vWA", "TH01", "FGA"}


def test_pm_samples_without_samples_table(tmp_path):
    path = write(tmp_path, "pm.csv", "sample,marker,allele1,allele2\nS1,TH01,6,7\n")
    (sample,) = read_pm_samples(path)
    assert (sample.id, sample.sex, sample.site, sample.dropout, sample.info) == (
        "S1", "U", "", 0.0, {})


def test_pm_sample_with_no_typed_markers_names_file_line_sample(tmp_path):
    path = write(tmp_path, "pm.csv", "Sample Name,Marker,Allele 1,Allele 2\n"
                                     "PM1,TH01,6,7\n"
                                     "PM2,AMEL,X,Y\n"
                                     "PM2,TH01,,\n")
    with pytest.raises(InputError, match=fragment("pm.csv", "line 3", "sample 'PM2'",
                                                  "no typed markers")):
        read_pm_samples(path)


def test_pm_sample_listed_without_genotypes_names_the_samples_file(tmp_path):
    genotypes = write(tmp_path, "pm.csv", "sample,marker,allele1,allele2\nPM1,TH01,6,7\n")
    samples = write(tmp_path, "samples.csv", "sample,site\nPM1,G1\nPM7,G2\n")
    with pytest.raises(InputError, match=fragment("samples.csv", "line 3", "sample 'PM7'",
                                                  "no typed markers", "pm.csv")):
        read_pm_samples(genotypes, samples_path=samples)


def test_duplicate_sample_ids_in_samples_table(tmp_path):
    genotypes = write(tmp_path, "pm.csv", "sample,marker,allele1,allele2\nPM1,TH01,6,7\n")
    samples = write(tmp_path, "samples.csv", "sample,site\nPM1,G1\nPM1,G2\n")
    with pytest.raises(InputError, match=fragment("samples.csv", "line 3", "sample 'PM1'",
                                                  "duplicate sample id", "first on line 2")):
        read_pm_samples(genotypes, samples_path=samples)


def test_duplicate_sample_ids_across_families_in_a_pm_table(tmp_path):
    genotypes = write(tmp_path, "pm.csv", "family,sample,marker,allele1,allele2\n"
                                          "A,PM1,TH01,6,7\nB,PM1,TH01,6,6\n")
    with pytest.raises(InputError, match=fragment("pm.csv", "line 3", "sample 'PM1'",
                                                  "duplicate sample id", "line 2")):
        read_pm_samples(genotypes)


def test_bad_dropout_and_sex_in_samples_table(tmp_path):
    genotypes = write(tmp_path, "pm.csv", "sample,marker,allele1,allele2\nPM1,TH01,6,7\n")
    dropout = write(tmp_path, "d.csv", "sample,dropout\nPM1,1.5\n")
    with pytest.raises(InputError, match=fragment("d.csv", "line 2", "sample 'PM1'",
                                                  "dropout '1.5'")):
        read_pm_samples(genotypes, samples_path=dropout)
    words = write(tmp_path, "w.csv", "sample,dropout\nPM1,high\n")
    with pytest.raises(InputError, match=fragment("w.csv", "line 2", "dropout 'high'")):
        read_pm_samples(genotypes, samples_path=words)
    sex = write(tmp_path, "s.csv", "sample,sex\nPM1,male?\n")
    with pytest.raises(InputError, match=fragment("s.csv", "line 2", "sample 'PM1'",
                                                  "sex 'male?'")):
        read_pm_samples(genotypes, samples_path=sex)


def test_a_sex_the_calls_disagree_on_is_unknown_to_the_search_with_a_warning(tmp_path):
    """The samples table against amelogenin, or amelogenin's X alone, leave the sex unknown
    (no sex filter): before, the table won, and a father written F, or whose degraded Y
    allele was lost, was proposed as his missing wife at posterior 0.9999999 where their
    children were the only references (an outside check, 2026-12-07). The table and
    amelogenin agreeing, amelogenin X and Y, or the table alone, give the sex."""
    genotypes = write(tmp_path, "pm.csv", "sample,marker,allele1,allele2\n"
                                          "PM1,AMEL,X,Y\nPM1,TH01,6,7\n"
                                          "PM2,AMEL,X,\nPM2,TH01,6,7\n"
                                          "PM3,AMEL,X,\nPM3,TH01,6,7\n"
                                          "PM4,AMEL,X,Y\nPM4,TH01,6,7\n"
                                          "PM5,TH01,6,7\n")
    samples = write(tmp_path, "samples.csv", "sample,sex\nPM1,F\nPM2,\nPM3,F\nPM4,\nPM5,F\n")
    with pytest.warns(ForensicMatchWarning, match=fragment(
            "pm.csv", "line 2", "sample 'PM1'", "the samples table says F; the amelogenin "
            "says M: the sex is left unknown to the search")) as caught:
        pm = read_pm_samples(genotypes, samples_path=samples)
    assert len(caught) == 1
    assert [s.sex for s in pm] == ["U", "U", "F", "M", "F"]
    assert pm[0].info["amelogenin"] == "M" and pm[0].info["sex_recorded"] == "F"
    assert pm[1].info["amelogenin"] == "F" and "sex_recorded" not in pm[1].info


def test_every_source_of_a_disputed_sex_is_named():
    """Table M, amelogenin X alone and Y-STR alleles: one warning naming all three (it named
    only amelogenin's F, as if the table had said nothing); Y-STR alleles alone give M."""
    from forensic_match.dvi.records import _search_sex

    with pytest.warns(ForensicMatchWarning, match="the samples table says M; the amelogenin "
                                                  "says F; the Y-STR typing says M: the sex "
                                                  "is left unknown"):
        assert _search_sex("PM1", "M", "F", ["DYS391"]) == "U"
    with pytest.warns(ForensicMatchWarning, match=r"sex F \(amelogenin\) but Y-STR alleles"):
        assert _search_sex("PM1", "U", "F", ["DYS391"]) == "U"
    assert _search_sex("PM1", "U", None, ["DYS391"]) == "M"


# Reference families ------------------------------------------------------------------------------

def test_families_example(db):
    families = read_families(PEDIGREES, RELATIVES, references_path=REFERENCES, markers=db)
    assert [f.id for f in families] == ["F1", "F2", "F3"]
    f1, f2, f3 = families
    assert f1.missing == ["F1-MP"] and set(f1.genotypes) == {"F1-FA", "F1-MO"}
    assert f1.genotypes["F1-MO"]["TH01"] == ("8", "8")
    assert f1.info == {"F1-MP": {"age_at_disappearance": "19", "date_missing": "1984-08-14",
                                 "place_missing": "Accomarca"}}
    assert set(f2.genotypes) == {"F2-MO", "F2-SIB"} and f2.references == {}
    assert f3.missing == ["F3-MP1", "F3-MP2"]
    assert set(f3.references) == {"F3-MP1"}
    assert f3.references["F3-MP1"]["D21S11"] == ("33.2", "33.2")
    assert f3.sex_of("F3-MP2") == "M"


def test_a_family_column_lets_families_reuse_ids(tmp_path):
    peds = write(tmp_path, "ped.csv", PED_HEADER +
                 "F1,father,,,M,0\nF1,mother,,,F,0\nF1,child,father,mother,M,1\n"
                 "F2,father,,,M,0\nF2,mother,,,F,0\nF2,child,father,mother,F,1\n")
    genotypes = write(tmp_path, "rel.csv", "family,sample,marker,allele1,allele2\n"
                                           "F1,father,TH01,6,7\nF2,father,TH01,8,9\n"
                                           "F2,mother,TH01,6,6\n")
    f1, f2 = read_families(peds, genotypes)
    assert f1.genotypes == {"father": {"TH01": ("6", "7")}}
    assert f2.genotypes == {"father": {"TH01": ("8", "9")}, "mother": {"TH01": ("6", "6")}}
    table = read_genotypes(genotypes)
    assert table.by_family() == {"F1": f1.genotypes, "F2": f2.genotypes}
    with pytest.raises(InputError, match=fragment("rel.csv", "line 3", "sample 'father'",
                                                  "duplicate sample id")):
        _ = table.profiles


def test_ambiguous_relative_without_family_column(tmp_path):
    peds = write(tmp_path, "ped.csv", PED_HEADER +
                 "F1,father,,,M,0\nF1,child,father,mother,M,1\nF1,mother,,,F,0\n"
                 "F2,father,,,M,0\nF2,mother,,,F,0\nF2,child,father,mother,F,1\n")
    genotypes = write(tmp_path, "rel.csv", "sample,marker,allele1,allele2\n"
                                           "father,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("rel.csv", "line 2", "sample 'father'",
                                                  "families 'F1', 'F2'", "family column")):
        read_families(peds, genotypes)


def test_relative_not_in_any_pedigree(tmp_path):
    genotypes = write(tmp_path, "rel.csv", "sample,marker,allele1,allele2\n"
                                           "F1-FA,TH01,6,7\nF9-XX,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("rel.csv", "line 3", "sample 'F9-XX'",
                                                  "not an individual of any family",
                                                  "pedigrees.csv")):
        read_families(PEDIGREES, genotypes)
    named = write(tmp_path, "named.csv", "family,sample,marker,allele1,allele2\n"
                                         "F7,F1-FA,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("named.csv", "line 2", "sample 'F1-FA'",
                                                  "family 'F7' is not in the pedigree file")):
        read_families(PEDIGREES, named)
    wrong = write(tmp_path, "wrong.csv", "family,sample,marker,allele1,allele2\n"
                                         "F2,F1-FA,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("wrong.csv", "line 2", "sample 'F1-FA'",
                                                  "not an individual of family 'F2'")):
        read_families(PEDIGREES, wrong)


def test_missing_person_among_relatives_is_refused(tmp_path):
    genotypes = write(tmp_path, "rel.csv", "sample,marker,allele1,allele2\n"
                                           "F1-MP,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("rel.csv", "line 2", "sample 'F1-MP'",
                                                  "missing person of family 'F1'",
                                                  "direct reference")):
        read_families(PEDIGREES, genotypes)


def test_reference_must_be_a_missing_person(tmp_path):
    refs = write(tmp_path, "refs.csv", "sample,marker,allele1,allele2\nF1-FA,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("refs.csv", "line 2", "sample 'F1-FA'",
                                                  "not a missing person of any family")):
        read_families(PEDIGREES, RELATIVES, references_path=refs)


def test_relative_with_no_typed_markers(tmp_path):
    genotypes = write(tmp_path, "rel.csv", "sample,marker,allele1,allele2\n"
                                           "F1-FA,AMEL,X,Y\n")
    with pytest.raises(InputError, match=fragment("rel.csv", "line 2", "sample 'F1-FA'",
                                                  "no typed markers")):
        read_families(PEDIGREES, genotypes)


def test_relative_amelogenin_against_pedigree_sex_warns(tmp_path):
    genotypes = write(tmp_path, "rel.csv", "sample,marker,allele1,allele2\n"
                                           "F1-MO,AMEL,X,Y\nF1-MO,TH01,6,7\n")
    with pytest.warns(ForensicMatchWarning, match=fragment("rel.csv", "line 2",
                                                           "sample 'F1-MO'", "family 'F1'",
                                                           "amelogenin says M")):
        read_families(PEDIGREES, genotypes)


def test_marker_missing_from_database_in_a_relatives_file(tmp_path, db):
    genotypes = write(tmp_path, "rel.csv", "sample,marker,allele1,allele2\n"
                                           "F1-FA,TH01,6,7\nF1-MO,D99S999,10,10\n")
    with pytest.raises(MarkerError, match=fragment("rel.csv", "line 3", "sample 'F1-MO'",
                                                   "marker 'D99S999'")):
        read_families(PEDIGREES, genotypes, markers=db)


# Round trips -------------------------------------------------------------------------------------

def test_records_round_trip_through_the_dataset_json(tmp_path, db):
    families = read_families(PEDIGREES, RELATIVES, references_path=REFERENCES, markers=db)
    pm = read_pm_samples(PM_GENOTYPES, samples_path=PM_SAMPLES, markers=db)
    names = sorted({m for s in pm for m in s.genotypes}
                   | {m for f in families for p in f.genotypes.values() for m in p})
    dataset = DviDataset("records", db.markers_for(names), pm, families)
    save_case(dataset, tmp_path / "records.json")
    again = load_case(tmp_path / "records.json")
    assert isinstance(again, DviDataset)
    assert [(s.id, s.sex, s.genotypes) for s in again.pm] == [
        (s.id, s.sex, s.genotypes) for s in pm]
    assert [(f.id, f.pedigree, f.missing, f.genotypes) for f in again.am] == [
        (f.id, f.pedigree, f.missing, f.genotypes) for f in families]


@pytest.mark.reference
def test_reference_datasets_survive_save_and_load(reference_dir, tmp_path):
    paths = sorted((reference_dir / "dvi").glob("*.json"))
    assert paths, f"no datasets in {reference_dir / 'dvi'}"
    for path in paths:
        first = load_case(path)
        assert isinstance(first, DviDataset), path.name
        save_case(first, tmp_path / path.name)
        second = load_case(tmp_path / path.name)
        assert second.to_dict() == first.to_dict(), path.name
        original = json.loads(path.read_text(encoding="utf-8"))
        written = json.loads((tmp_path / path.name).read_text(encoding="utf-8"))
        for key in ("pm", "am", "expected", "theta"):
            assert written.get(key) == original.get(key), (path.name, key)
        assert [(m["name"], m["alleles"], m["frequencies"]) for m in written["markers"]] == [
            (m["name"], m["alleles"], m["frequencies"]) for m in original["markers"]], path.name


# Spanish-locale exports (issue 7, point 9) -------------------------------------------------------

ES_PEDIGREE = ("familia;family;id;father;mother;sex;missing;edad\n"
               "Ayacucho;F1;FA;;;Masculino;no;\n"
               "Ayacucho;F1;MO;;;Femenino;No;\n"
               "Ayacucho;F1;MP;FA;MO;varón;sí;19\n"
               "Ayacucho;F1;SIS;FA;MO;mujer;0;\n")


def test_semicolon_csv_with_spanish_words_is_read(tmp_path):
    path = write(tmp_path, "ped.csv", ES_PEDIGREE)
    ped, missing = read_pedigrees(path)["F1"]
    assert missing == ["MP"]
    assert [ped.sex_of(i) for i in ("FA", "MO", "MP", "SIS")] == ["M", "F", "M", "F"]
    (family,) = read_families(path)
    assert family.info == {"MP": {"familia": "Ayacucho", "edad": "19"}}


def test_a_header_with_semicolons_read_with_commas_hints_at_the_separator(tmp_path):
    path = write(tmp_path, "ped.csv", "family;id;father;mother;sex;missing, notes\n"
                                      "F1;A;;;M;1, none\n")
    with pytest.raises(InputError, match=fragment("ped.csv", "line 1", "no 'family' column",
                                                  "looks ';'-separated")):
        read_pedigrees(path)


def test_single_letter_sex_codes_of_the_h_m_convention_need_declaring(tmp_path):
    path = write(tmp_path, "ped.csv", PED_HEADER + "F1,FA,,,H,0\nF1,MO,,,M,0\n"
                                                   "F1,MP,FA,MO,H,1\n")
    with pytest.raises(PedigreeError, match=fragment("ped.csv", "line 2", "family 'F1'",
                                                     "individual 'FA'", "sex 'H'", "hombre",
                                                     "M means mujer (female)", "sex_codes='HM'")):
        read_pedigrees(path)
    ped, _ = read_pedigrees(path, sex_codes="HM")["F1"]
    assert [ped.sex_of(i) for i in ("FA", "MO", "MP")] == ["M", "F", "M"]
    mixed = write(tmp_path, "mixed.csv", PED_HEADER + "F1,FA,,,H,0\nF1,MO,,,F,0\n"
                                                      "F1,MP,FA,MO,H,1\n")
    with pytest.raises(PedigreeError, match=fragment("mixed.csv", "line 3", "sex 'F'",
                                                     "H/M (hombre/mujer)")):
        read_pedigrees(mixed, sex_codes="HM")


def test_spanish_samples_table_with_decimal_comma_dropout(tmp_path):
    genotypes = write(tmp_path, "pm.csv", "sample;marker;allele1;allele2\n"
                                          "PM1;TH01;6;7\nPM2;TH01;7;\nPM3;TH01;9,3;6\n")
    samples = write(tmp_path, "samples.csv", "sample;sex;dropout;fosa\n"
                                             "PM1;Femenino;0,2;Fosa 1\nPM2;H;;\nPM3;M;0,05;\n")
    with pytest.raises(GenotypeError, match=fragment("pm.csv", "line 4", "sample 'PM3'",
                                                     "marker 'TH01'", "allele '9,3'",
                                                     "decimal_comma=True")):
        read_pm_samples(genotypes, samples_path=samples)
    with pytest.raises(InputError, match=fragment("samples.csv", "line 3", "sample 'PM2'",
                                                  "sex 'H'", "sex_codes='HM'")):
        read_pm_samples(genotypes, samples_path=samples, decimal_comma=True)
    pm1, pm2, pm3 = read_pm_samples(genotypes, samples_path=samples, decimal_comma=True,
                                    sex_codes="HM")
    assert (pm1.sex, pm1.dropout, pm1.info) == ("F", 0.2, {"fosa": "Fosa 1"})
    assert (pm2.sex, pm3.sex, pm3.dropout) == ("M", "F", 0.05)
    assert pm3.genotypes == {"TH01": ("9.3", "6")}


def test_y_and_x_str_rows_are_set_aside_as_lineage_data(tmp_path, db):
    path = write(tmp_path, "fusion.txt",
                 "Sample Name\tMarker\tAllele 1\tAllele 2\tAllele 3\n"
                 "PM1\tAMEL\tX\tY\t\n"
                 "PM1\tTH01\t6\t9.3\t\n"
                 "PM1\tDYS391\t10\t\t\n"
                 "PM1\tDYS576\t18\t\t\n"
                 "PM1\tDYS385a/b\t11\t14\t\n"
                 "PM1\tDYF387S1\t35\t37\t38\n"
                 "PM2\tTH01\t7\t8\t\n"
                 "PM2\tDXS10135\t20\t\t\n")
    with pytest.warns(LineageMarkerWarning, match=fragment(
            "fusion.txt", "DYS391, DYS576, DYS385a/b, DYF387S1, DXS10135", "set aside")):
        pm1, pm2 = read_pm_samples(path, markers=db)
    assert pm1.genotypes == {"TH01": ("6", "9.3")}
    assert pm1.info["lineage"] == {"DYS391": ["10"], "DYS576": ["18"],
                                   "DYS385a/b": ["11", "14"], "DYF387S1": ["35", "37", "38"]}
    assert pm1.sex == "M" and pm2.info["lineage"] == {"DXS10135": ["20"]}


def test_relatives_lineage_data_go_to_the_family(tmp_path):
    relatives = write(tmp_path, "rel.csv", "sample,marker,allele1,allele2\n"
                                           "F1-FA,TH01,6,7\nF1-FA,DYS391,10,\n"
                                           "F1-MO,TH01,8,9.3\n")
    with pytest.warns(LineageMarkerWarning, match="DYS391"):
        families = read_families(PEDIGREES, relatives)
    assert families[0].lineage == {"F1-FA": {"DYS391": ["10"]}}
    assert families[0].genotypes["F1-FA"] == {"TH01": ("6", "7")}


def test_nfc_and_nfd_forms_of_an_id_are_one_id(tmp_path):
    nfc, nfd = unicodedata.normalize("NFC", "José"), unicodedata.normalize("NFD", "José")
    assert nfc != nfd
    ped = write(tmp_path, "ped.csv", PED_HEADER + f"F1,{nfc},,,M,0\nF1,MO,,,F,0\n"
                                                  f"F1,MP,{nfd},MO,M,1\n")
    relatives = write(tmp_path, "rel.csv", f"sample,marker,allele1,allele2\n{nfd},TH01,6,7\n")
    (family,) = read_families(ped, relatives)
    assert family.pedigree.parents("MP") == (nfc, "MO")
    assert family.genotypes == {nfc: {"TH01": ("6", "7")}}


def test_ids_that_still_differ_are_shown_with_their_code_points(tmp_path):
    cyrillic = "Jos\u0435"  # a Cyrillic e: prints like "Jose"
    ped = write(tmp_path, "ped.csv", PED_HEADER + "F1,Jose,,,M,0\nF1,MO,,,F,0\n"
                                                  "F1,MP,Jose,MO,M,1\n")
    relatives = write(tmp_path, "rel.csv", f"sample,marker,allele1,allele2\n{cyrillic},TH01,6,7\n"
                      "MO,TH01,6,7\n")
    with pytest.raises(InputError, match=fragment("rel.csv", "line 2", "sample 'Jos\u0435' "
                                                  "('Jos\\u0435')", "not an individual of")):
        read_families(ped, relatives)
    relatives.write_text("sample,marker,allele1,allele2\nJosé,TH01,6,7\n", encoding="utf-8")
    with pytest.raises(InputError, match=fragment("sample 'José'", "not an individual",
                                                  "similar: 'Jose'")):
        read_families(ped, relatives)


# UTF-8 read as Windows-1252 and saved again (h_lab, finding 8) --------------------------------

def test_a_name_read_as_windows_1252_is_recognised_and_a_real_one_is_not():
    from forensic_match.profiles import wrongly_encoded

    assert [n for n in ANDEAN_NAMES if wrongly_encoded(n) is not None] == []
    for name in ANDEAN_NAMES:
        if not name.isascii() and name not in ("JOÃO", "Â", "Ã"):
            assert wrongly_encoded(ansi(name)) == name, name
    assert ansi("Huamán") == "HuamÃ¡n" and ansi("ÑAH-FA") == "Ã‘AH-FA"
    assert ansi("Condorí") == "CondorÃ\u00ad"
    assert wrongly_encoded(ansi(ansi("Huamán"))) == "Huamán"  # re-saved twice


MOJIBAKE_PEDIGREES = ("family,id,father,mother,sex,missing\n"
                      "Quispe,QUI-FA,,,M,0\nQuispe,QUI-MO,,,F,0\nQuispe,QUI-MP,QUI-FA,QUI-MO,M,1\n"
                      "Huamán,HUA-FA,,,M,0\nHuamán,HUA-MO,,,F,0\n"
                      "Huamán,HUA-MP,HUA-FA,HUA-MO,F,1\n"
                      "Ñahui,ÑAH-FA,,,M,0\nÑahui,ÑAH-MO,,,F,0\nÑahui,ÑAH-MP1,ÑAH-FA,ÑAH-MO,M,1\n"
                      "Condorí,CON-FA,,,M,0\nCondorí,CON-MO,,,F,0\n"
                      "Condorí,CON-MP,CON-FA,CON-MO,M,1\n")
MOJIBAKE_RELATIVES = ("sample,marker,allele1,allele2\nQUI-FA,TH01,6,9.3\nHUA-FA,TH01,7,8\n"
                      "ÑAH-FA,TH01,6,7\nCON-FA,TH01,8,9\n")


def test_a_file_re_saved_with_the_wrong_encoding_is_refused_naming_the_original(tmp_path):
    """A CSV UTF-8 opened as ANSI in Excel and saved again as UTF-8: "Huamán" became
    "HuamÃ¡n" and "ÑAH-FA" "Ã‘AH-FA"; the files were read, and a store's next night added 4
    duplicate families beside the originals. "Condorí" became "CondorÃ" and a soft hyphen,
    refused as an invisible character with the advice to remove it (leaving "CondorÃ").
    Now each is refused naming the file, the line, the id, its likely original and the
    cause; the same names written correctly are read."""
    families = read_families(write(tmp_path, "ped.csv", MOJIBAKE_PEDIGREES),
                             write(tmp_path, "rel.csv", MOJIBAKE_RELATIVES))
    assert [f.id for f in families] == ["Quispe", "Huamán", "Ñahui", "Condorí"]

    peds = write(tmp_path, "ped_ansi.csv", ansi(MOJIBAKE_PEDIGREES))
    with pytest.raises(InputError, match=fragment(
            "ped_ansi.csv', line 5: id 'HuamÃ¡n' looks like UTF-8 text read as Windows-1252",
            "probably 'Huamán'", "opened with the wrong encoding", "saved again")):
        read_families(peds, write(tmp_path, "rel.csv", MOJIBAKE_RELATIVES))
    rel = write(tmp_path, "rel_ansi.csv", ansi(MOJIBAKE_RELATIVES))
    with pytest.raises(InputError, match=fragment("rel_ansi.csv', line 4: id 'Ã‘AH-FA'",
                                                  "probably 'ÑAH-FA'")):
        read_families(write(tmp_path, "ped.csv", MOJIBAKE_PEDIGREES), rel)
    only_i = MOJIBAKE_PEDIGREES.replace("Condorí", ansi("Condorí"))
    with pytest.raises(InputError, match=fragment("ped_i.csv', line 11: id 'CondorÃ\\xad'",
                                                  "probably 'Condorí'")) as refused:
        read_pedigrees(write(tmp_path, "ped_i.csv", only_i))
    assert "invisible" not in str(refused.value)
    pm = write(tmp_path, "pm_ansi.csv", "family,sample,marker,allele1,allele2\n"
                                        + ansi("Ñahui,PM-007,TH01,6,7\n"))
    with pytest.raises(InputError, match=fragment("pm_ansi.csv', line 2: id 'Ã‘ahui'",
                                                  "probably 'Ñahui'")):
        read_pm_samples(pm)


def test_the_pedigree_reader_reads_each_cell_once(tmp_path, monkeypatch):
    """Each id of a pedigree row went through file_id up to three times (the individual's id
    to check its spelling, to build the pedigree and to read the missing flag: 7 calls per
    row for its 5 id cells, 84 for the 12 rows of MOJIBAKE_PEDIGREES). Now each cell is read
    once: family, id, father, mother and sex, 60 calls; the families read are the same."""
    import forensic_match.dvi.records as records
    from forensic_match.profiles import file_id

    calls: list[tuple[str, str]] = []

    def counted(text: str, where: str) -> str:
        calls.append((text, where))
        return file_id(text, where)

    monkeypatch.setattr(records, "file_id", counted)
    read = read_pedigrees(write(tmp_path, "ped.csv", MOJIBAKE_PEDIGREES))
    assert len(calls) == 5 * 12
    assert [(f, p.ids, m) for f, (p, m) in read.items()][1] == (
        "Huamán", ("HUA-FA", "HUA-MO", "HUA-MP"), ["HUA-MP"])
    assert [t for t, w in calls if w.endswith("line 4")] == ["Quispe", "QUI-MP", "QUI-FA",
                                                              "QUI-MO", "M"]
