"""Laboratory files that an outside check (2026-12-06) found read without a word in a way that
changed what is matched: one sample's rows split into two samples, a samples table's sex
ignored, the second sheet of a workbook left out, a row shifted by an unquoted decimal comma,
a repeated header, a frequency table whose labels no profile matched (``test_frequencies.py``)
and a decimal comma before two digits (``test_alleles.py``). Each is now refused naming the
file and the line, or read as the laboratory meant it.
"""

from __future__ import annotations

import re
import warnings

import pytest
from helpers import fragment, write

from forensic_match.dvi.records import (
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
    lookalike_id,
)
from forensic_match.frequencies import load_frequencies
from forensic_match.kinship import kinship_lr
from forensic_match.lineage.data import pm_y_haplotype

PED_HEADER = "family,id,father,mother,sex,missing\n"
GENOTYPES = "sample,marker,allele1,allele2\n"


@pytest.fixture(scope="module")
def db():
    return load_frequencies("fbi2015_sw_hispanic")


@pytest.mark.parametrize("other", ["pm-001", "PM 001", "PM\u2010001", "PM--001", "PM_001",
                                   "\u0420\u041c-001"])   # Cyrillic Р and М
def test_one_samples_rows_written_two_ways_are_refused(tmp_path, db, other):
    # Before: two samples, PM-001 with TH01 and the other with D3S1358, each half a profile.
    path = write(tmp_path, "pm.csv", GENOTYPES + "PM-001,TH01,6,7\nPM-002,TH01,8,9\n"
                                                 f"{other},D3S1358,15,16\n")
    with pytest.raises(InputError, match=fragment("pm.csv", "line 4", "samples", "'PM-001'",
                                                  "line 2", "one sample written two ways")):
        read_genotypes(path, markers=db)


def test_ids_that_differ_otherwise_are_two_samples(tmp_path, db):
    path = write(tmp_path, "pm.csv", GENOTYPES + "F1-1,TH01,6,7\nF11,TH01,8,9\nF1-2,TH01,6,6\n")
    assert sorted(read_genotypes(path, markers=db).profiles) == ["F1-1", "F1-2", "F11"]


def test_the_same_relative_id_in_two_families_is_two_samples(tmp_path, db):
    path = write(tmp_path, "rel.csv", "family,sample,marker,allele1,allele2\n"
                                      "F1,mother,TH01,6,7\nF2,Mother,TH01,8,9\n")
    assert len(read_genotypes(path, markers=db).samples) == 2


def test_a_family_cell_filled_on_some_rows_of_a_sample_only_is_refused(tmp_path, db):
    path = write(tmp_path, "rel.csv", "family,sample,marker,allele1,allele2\n"
                                      "F1,F1-FA,TH01,6,7\n,F1-FA,D3S1358,15,16\n")
    with pytest.raises(InputError, match=fragment("line 3", "sample 'F1-FA'", "family cell is "
                                                  "empty", "'F1'", "line 2", "every row")):
        read_genotypes(path, markers=db)


def test_families_and_individuals_written_two_ways_are_refused(tmp_path):
    ped = write(tmp_path, "ped.csv", PED_HEADER + "F2,FA,,,M,0\nF2,MO,,,F,0\nF2,MP,FA,MO,M,1\n"
                                                  "f2,XX,,,M,1\n")
    with pytest.raises(InputError, match=fragment("ped.csv", "line 5", "families 'f2' and 'F2'",
                                                  "line 2")):
        read_pedigrees(ped)
    ped.write_text(PED_HEADER + "F1,FA,,,M,0\nF1,MO,,,F,0\nF1,MP,FA,MO,M,1\nF1,mp,,,M,1\n")
    with pytest.raises(InputError, match=fragment("line 5", "family 'F1'",
                                                  "individuals 'mp' and 'MP'")):
        read_pedigrees(ped)


def test_samples_table_ids_written_two_ways_are_refused(tmp_path, db):
    pm = write(tmp_path, "pm.csv", GENOTYPES + "PM-1,TH01,6,7\n")
    samples = write(tmp_path, "s.csv", "sample,sex\nPM-1,M\npm-1,F\n")
    with pytest.raises(InputError, match=fragment("s.csv", "line 3", "samples 'pm-1' and "
                                                  "'PM-1'")):
        read_pm_samples(pm, samples_path=samples, markers=db)


@pytest.mark.parametrize("header", ["sexo", "Sexo", "gender", "Género"])
def test_a_sex_column_under_a_spanish_or_english_name_is_the_sex(tmp_path, db, header):
    # Before, "sexo" went to the sample's notes and amelogenin X alone (Y dropout) made the
    # male body female, which the sex filter then kept from its family. Now the column is
    # the sex: M, and against amelogenin's X alone, unknown to the search (no filter).
    pm = write(tmp_path, "pm.csv", GENOTYPES + "PM-1,TH01,6,7\nPM-1,AMEL,X,\n"
                                              "PM-2,TH01,6,7\n")
    samples = write(tmp_path, "s.csv", f"sample,{header}\nPM-1,M\nPM-2,M\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        one, two = read_pm_samples(pm, samples_path=samples, markers=db)
    said = [str(w.message) for w in caught]
    assert (one.sex, two.sex) == ("U", "M")
    assert one.info["sex_recorded"] == "M" and one.info["amelogenin"] == "F"
    assert any("the samples table says M; the amelogenin says F: the sex is left unknown"
               in m for m in said)
    # Under a Spanish header, M alone may be mujer (H/M): said, with the way to declare it.
    spanish = [m for m in said if "with the letter M alone" in m]
    assert len(spanish) == (header.lower() in ("sexo", "género")), said
    assert all("sex_codes='HM'" in m for m in spanish)
    # A declared convention is the file's own: nothing to ask.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_pm_samples(pm, samples_path=samples, markers=db, sex_codes="MF")
    assert not [w for w in caught if "with the letter M alone" in str(w.message)]
    ped = write(tmp_path, "ped.csv", f"family,id,father,mother,{header},missing\n"
                                     "F1,FA,,,M,0\nF1,MO,,,F,0\nF1,MP,FA,MO,F,1\n")
    pedigree, _ = read_pedigrees(ped)["F1"]
    assert pedigree.sex_of("MP") == "F"


def test_two_sex_columns_are_refused(tmp_path, db):
    pm = write(tmp_path, "pm.csv", GENOTYPES + "PM-1,TH01,6,7\n")
    samples = write(tmp_path, "s.csv", "sample,sex,sexo\nPM-1,M,F\n")
    with pytest.raises(InputError, match=fragment("s.csv", "line 1", "'sex', 'sexo'",
                                                  "all name the sex")):
        read_pm_samples(pm, samples_path=samples, markers=db)


def test_one_row_longer_than_the_others_is_refused_even_with_empty_cells_past_the_header(
        tmp_path, db):
    # "0,2" unquoted in a comma-separated file: the dropout became 0 and the ages moved one
    # column to the right (age_min 2, age_max 20).
    pm = write(tmp_path, "pm.csv", GENOTYPES + "PM-1,TH01,6,7\nPM-2,TH01,6,6\n")
    samples = write(tmp_path, "s.csv", "sample,sex,dropout,age_min,age_max,notes\n"
                                       "PM-1,M,0.1,20,30,\nPM-2,F,0,2,20,30,\n")
    with pytest.raises(InputError, match=fragment("s.csv", "line 3", "7 fields, but the header "
                                                  "has 6", "line 2 has 6", "unquoted decimal "
                                                  "comma")):
        read_pm_samples(pm, samples_path=samples, markers=db)


def test_a_separator_at_the_end_of_every_line_is_still_read(tmp_path, db):
    path = write(tmp_path, "pm.csv", "sample,marker,allele1,allele2\nPM-1,TH01,6,7,\n"
                                     "PM-1,D3S1358,15,16,\n")
    assert read_genotypes(path, markers=db).profiles == {
        "PM-1": {"TH01": ("6", "7"), "D3S1358": ("15", "16")}}


def test_a_repeated_header_row_is_refused(tmp_path, db):
    path = write(tmp_path, "rel.csv", GENOTYPES + "S1,TH01,6,7\n" + GENOTYPES.upper()
                 + "S2,TH01,8,9\n")
    with pytest.raises(InputError, match=fragment("rel.csv", "line 3", "repeats the header")):
        read_genotypes(path, markers=db)


def test_a_workbook_with_two_sheets_of_cells_is_refused(tmp_path, db):
    xlsxwriter = pytest.importorskip("xlsxwriter")
    pytest.importorskip("fastexcel")
    path = tmp_path / "rel.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, rows in (("Hoja1", [["S1", "TH01", "6", "7"]]), ("Hoja2", [["S2", "TH01", "8", "9"]]),
                       ("Hoja3", [])):
        sheet = book.add_worksheet(name)
        for r, row in enumerate([["sample", "marker", "allele1", "allele2"], *rows] if rows
                                else []):
            sheet.write_row(r, 0, row)
    book.close()
    # Before, only Hoja1 was read: S2 and its family's evidence were left out.
    with pytest.raises(InputError, match=fragment("rel.xlsx", "2 visible sheets with cells",
                                                  "'Hoja1' (2 rows)", "'Hoja2' (2 rows)")):
        read_genotypes(path, markers=db)
    book = xlsxwriter.Workbook(str(path))
    book.add_worksheet("Hoja1").write_row(0, 0, ["sample", "marker", "allele1", "allele2"])
    book.get_worksheet_by_name("Hoja1").write_row(1, 0, ["S1", "TH01", "6", "7"])
    book.add_worksheet("Hoja2")   # an empty sheet, as Excel adds them
    book.close()
    assert read_genotypes(path, markers=db).profiles == {"S1": {"TH01": ("6", "7")}}


def test_a_workbook_or_utf16_text_without_its_mark_is_named_as_such(tmp_path, db):
    text = GENOTYPES + "S1,TH01,6,7\n"
    path = tmp_path / "rel.csv"
    path.write_bytes(text.encode("utf-16-le"))
    with pytest.raises(InputError, match=fragment("rel.csv", "UTF-16 text without its "
                                                  "byte-order mark")):
        read_genotypes(path, markers=db)
    path.write_bytes(b"PK\x03\x04" + bytes(40))
    with pytest.raises(InputError, match=fragment("rel.csv", "spreadsheet workbook",
                                                  "name it .xlsx")):
        read_genotypes(path, markers=db)


@pytest.mark.parametrize("cell", ["0.0_5", "nan", "infinity", "1_0"])
def test_a_dropout_that_is_not_a_plain_number_is_refused(tmp_path, db, cell):
    pm = write(tmp_path, "pm.csv", GENOTYPES + "PM-1,TH01,6,7\n")
    samples = write(tmp_path, "s.csv", f"sample,dropout\nPM-1,{cell}\n")
    with pytest.raises(InputError, match=fragment("s.csv", "line 2", "sample 'PM-1'",
                                                  "not a probability")):
        read_pm_samples(pm, samples_path=samples, markers=db)


def test_lookalike_ids():
    same = ["PM-001", "pm-001", "PM 001", "PM\u2010001", "PM--001", "PM_001", "\u0420\u041c-001",
            " PM - 001"]
    assert {lookalike_id(i) for i in same} == {"pm-001"}
    assert len({lookalike_id(i) for i in ["F1-1", "F11", "F1-2", "FI-1"]}) == 4


@pytest.mark.parametrize(("text", "hint"), [
    ('"Laboratorio X, export 2026"\nsample,marker,allele1,allele2\nPM1,TH01,6,7\n',
     "the header read is line 1, 'Laboratorio X, export 2026': a title line above the header"),
    ("sample,marker,allele1,allele2\nPM1,TH01,15/16,\n",
     "the cell seems to hold two alleles ('15' and '16'): write each in its own column"),
    ("sample,marker,allele1,allele2\nPM1,TH01,2026-03-09 00:00:00,6\n",
     "a date: a spreadsheet may have turned an allele such as 9.3 into a date"),
    ("sample,marker,allele1,allele2\nPM1,TH01,03/09/2024,6\n", "a date: a spreadsheet"),
    ("sample,marker,allele1,allele2\nPM1,TH01,9-Mar,6\n", "a date: a spreadsheet"),
    # a mixture written in one cell (an outside check of commingled remains, 2026-12-07:
    # "15/16/18" was called a date, "15,16,18" got no hint, "8,9" a decimal comma)
    ("sample,marker,allele1,allele2\nPM1,TH01,15/16/18,\n",
     "the cell seems to hold 3 alleles ('15', '16', '18'): write each in its own column; "
     "more than two alleles at a marker is a mixture"),
    ("sample,marker,allele1,allele2\nPM1,TH01,\"15,16,18\",\n",
     "the cell seems to hold 3 alleles ('15', '16', '18')"),
    ("sample,marker,allele1,allele2\nPM1,TH01,\"8,9\",\n",
     "the cell seems to hold two alleles ('8' and '9'): write each in its own column"),
    ("sample,marker,allele1,allele2\nPM1,TH01,\"9,3\",\n",
     "pass decimal_comma=True to read it as '9.3' (or, if it holds two alleles '9' and '3', "
     "write each in its own column)"),
])
def test_refusals_say_what_the_file_most_likely_holds(tmp_path, text, hint):
    """An outside check (2026-12-07) found these refused with the rule alone: a title line
    above the header ("line 2: 4 fields, but the header has 1"), two alleles in one cell, an
    allele a spreadsheet turned into a date."""
    path = tmp_path / "pm.csv"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(hint)):
        read_genotypes(path)


def test_every_mixture_of_a_file_is_named_at_once(tmp_path):
    """A file of several mixtures was refused one mixture at a time, naming only the first (an
    outside check, 2026-12-07); the refusal now counts and names them all, and says what to
    do."""
    path = tmp_path / "pm.csv"
    path.write_text("Sample Name,Marker,Allele 1,Allele 2,Allele 3\n"
                    "MX1,TH01,6,7,9\nMX1,vWA,14,16,17\nPM1,TH01,6,7,\nMX2,TH01,6,8,9.3\n")
    with pytest.raises(GenotypeError) as got:
        read_genotypes(path)
    text = str(got.value)
    assert "line 2" in text and "3 alleles ['6', '7', '9']; mixtures are not supported" in text
    assert "3 rows of 2 samples in this file hold more than two: MX1 (2 markers), MX2 (1 " \
           "markers)" in text
    assert "leave such samples out" in text


# An outside check of GeneMapper-style exports (2026-12-07) -------------------------------------

# The father FA is FGA 23/25 and his son MP inherited the 23: the laboratory writes the
# father's 23 as not read.
FATHER_AND_SON = PED_HEADER + "F1,FA,,,M,0\nF1,MO,,,F,0\nF1,MP,FA,MO,M,1\n"


@pytest.mark.parametrize("cells", ["25,?", "25,-", "?,25", "-,25", "25,,?"])
def test_a_question_mark_or_dash_beside_a_call_is_an_unknown_allele(tmp_path, db, cells):
    """'25,?' and '25,-' were the homozygote 25/25 (the marks were dropped as no call
    before the rule for a lone first call), while '?,25' and '25,OL' were (25, None): a
    true son's log10 LR went from 18.70 to 14.96, and without a mutation model he was
    excluded. Now every spelling is the partial genotype, with a warning naming the row."""
    ped = write(tmp_path, "ped.csv", FATHER_AND_SON)
    header = "sample,marker,allele1,allele2" + (",allele3" if cells.count(",") == 2 else "")
    rel = write(tmp_path, "rel.csv", f"{header}\nFA,FGA,{cells}\nFA,TH01,6,9.3\n")
    with pytest.warns(ForensicMatchWarning, match=fragment(
            "rel.csv", "1 rows hold '?' or '-' beside one called allele", "line 2, sample "
            "'FA', marker 'FGA'", "read as an unknown allele, as 'OL' is", "(a, None)")):
        (family,) = read_families(ped, rel, markers=db)
    assert family.genotypes["FA"] == {"FGA": ("25", None), "TH01": ("6", "9.3")}
    ol = write(tmp_path, "ol.csv", "sample,marker,allele1,allele2\nFA,FGA,25,OL\n"
                                   "FA,TH01,6,9.3\n")
    assert read_families(ped, ol, markers=db)[0].genotypes == family.genotypes
    son = {"MP": {"FGA": ("23", "24"), "TH01": ("6", "7")}}
    markers = db.markers_for(["FGA", "TH01"])
    lr = kinship_lr(family.pedigree, family.pedigree.with_unrelated("MP"), markers,
                    {**family.genotypes, **son}).lr_total
    homozygote = dict(family.genotypes["FA"], FGA=("25", "25"))
    assert lr > 0 and kinship_lr(family.pedigree, family.pedigree.with_unrelated("MP"),
                                 markers, {"FA": homozygote, **son}).lr_total == 0


def test_a_lone_call_with_empty_cells_is_still_a_homozygote_and_marks_alone_no_call(tmp_path,
                                                                                    db):
    path = write(tmp_path, "pm.csv", "sample,marker,allele1,allele2\nPM1,FGA,25,\n"
                                     "PM1,TH01,?,?\nPM1,vWA,-,\nPM1,D3S1358,15,16\n"
                                     "PM1,CSF1PO,OL,?\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_genotypes(path, markers=db)
    assert table.profiles == {"PM1": {"FGA": ("25", "25"), "D3S1358": ("15", "16")}}


# A second outside check (2026-12-07): exports that write '-' in an empty cell lost every
# single-copy Y locus ('14, -' was '14, OL', left out of the haplotype) and the sex
# ('Y, -' was "U"). In amelogenin and Y-/X-STR rows '?' and '-' are no call, beside a call too.
Y_PLAIN = ("PM1,FGA,23,25,\nPM1,DYS19,14,,\nPM1,DYS391,10,,\nPM1,DYS385,11,14,\n"
           "PM1,DXS10135,21,,\n")


@pytest.mark.parametrize("mark", ["-", "?"])
def test_a_mark_beside_a_y_or_x_str_call_is_no_call(tmp_path, db, mark):
    header = "Sample Name,Marker,Allele 1,Allele 2,Allele 3\n"
    plain = write(tmp_path, "plain.csv", header + Y_PLAIN)
    marked = write(tmp_path, "marked.csv", header + Y_PLAIN.replace(",,", f",{mark},")
                   .replace("11,14,", f"11,14,{mark}"))
    assert f"DYS19,14,{mark}," in marked.read_text()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ForensicMatchWarning)
        warnings.simplefilter("ignore", LineageMarkerWarning)
        (sample,) = read_pm_samples(marked, markers=db)
        (expected,) = read_pm_samples(plain, markers=db)
    assert sample.info["lineage"] == expected.info["lineage"] == {
        "DYS19": ["14"], "DYS391": ["10"], "DYS385": ["11", "14"], "DXS10135": ["21"]}
    assert pm_y_haplotype(sample) == pm_y_haplotype(expected) is not None
    assert pm_y_haplotype(sample).keys() >= {"DYS19", "DYS391", "DYS385"}


@pytest.mark.parametrize("cells, sex", [("Y,-,", "M"), ("X,-,", "F"), ("XY,-,", "M"),
                                        ("X,Y,-", "M"), ("Y,?,", "M"), ("?,X,", "F"),
                                        ("-,?,", None)])
def test_a_mark_beside_an_amelogenin_call_is_no_call(tmp_path, db, cells, sex):
    path = write(tmp_path, "pm.csv", "Sample Name,Marker,Allele 1,Allele 2,Allele 3\n"
                                     f"PM1,TH01,6,7,\nPM1,AMEL,{cells}\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = read_genotypes(path, markers=db)
    assert table.amelogenin == ({"PM1": sex} if sex else {})


def test_the_warning_names_only_the_autosomal_rows_with_a_mark(tmp_path, db):
    path = write(tmp_path, "pm.csv", "Sample Name,Marker,Allele 1,Allele 2,Allele 3\n"
                                     "PM1,AMEL,Y,-,\nPM1,DYS19,14,-,\nPM1,FGA,25,-,\n"
                                     "PM1,TH01,6,7,-\n")
    with pytest.warns(ForensicMatchWarning) as caught, pytest.warns(LineageMarkerWarning):
        (sample,) = read_genotypes(path, markers=db).samples
    (text,) = [str(w.message) for w in caught if w.category is ForensicMatchWarning]
    assert re.search(fragment("1 rows hold '?' or '-' beside one called allele (line 4, "
                              "sample 'PM1', marker 'FGA' ['25', '-']):"), text)
    assert "amelogenin and Y- or X-STR rows read '?' and '-' as no call" in text
    assert (sample.amelogenin, sample.lineage, sample.genotypes) == (
        "M", {"DYS19": ("14",)}, {"FGA": ("25", None), "TH01": ("6", "7")})


@pytest.mark.parametrize("cell, sex", [("XY", "M"), ('"X,Y"', "M"), ("X/Y", "M"), ("X Y", "M"),
                                       ("yx", "M"), ("XX", "F"), ('"X,X"', "F")])
def test_two_amelogenin_calls_in_one_cell_are_read_as_two_cells(tmp_path, db, cell, sex):
    """A run written 'XY' in one cell gave every male sex 'U' without a word (so no sex
    filter for him); an outside check, 2026-12-07."""
    path = write(tmp_path, "pm.csv", "Sample Name,Marker,Allele 1,Allele 2\nPM1,TH01,6,7\n"
                                     f"PM1,AMEL,{cell},\n")
    assert read_genotypes(path, markers=db).amelogenin == {"PM1": sex}


@pytest.mark.parametrize("cell", ["XYY", "Z", "1", '"X,Y,Y"', "X-Y?"])
def test_another_amelogenin_cell_is_refused(tmp_path, db, cell):
    path = write(tmp_path, "pm.csv", "Sample Name,Marker,Allele 1,Allele 2\nPM1,TH01,6,7\n"
                                     f"PM1,AMEL,{cell},\n")
    with pytest.raises(GenotypeError, match=fragment("pm.csv", "line 3", "sample 'PM1'",
                                                     "marker 'AMEL'", "amelogenin call",
                                                     "is not X, Y or OL")):
        read_genotypes(path, markers=db)


def pm_export(tmp_path, names):
    rows = "".join(f"{s},{m},{a},{b}\n" for s in names
                   for m, a, b in (("TH01", "6", "9.3"), ("FGA", "23", "24")))
    return write(tmp_path, "pm.csv", "Sample Name,Marker,Allele 1,Allele 2\n" + rows)


@pytest.mark.parametrize("name", ["Positive Control", "Control Positivo", "PosCtrl",
                                  "Pos Ctrl 1", "Ctrl-Pos", "POSITIVE_CONTROL_2",
                                  "Control positivo fosa 3", "Contról Pósitivo",
                                  "CONTROL POSITIVO", "Control +", "Ctrl+", "CTRL (+)",
                                  "+ Control 2", "Control+ 9947A"])
def test_a_sample_named_a_positive_control_is_refused(tmp_path, db, name):
    """A whole run's export holds its controls: the negative control was refused (no typed
    markers), the ladder too (a mixture), but the positive control became a body (an
    outside check, 2026-12-07). The sign '+' says 'positive' too: 'Control +' and 'Ctrl+'
    were searched as remains without a word (f_lab3, 2026-12-07)."""
    path = pm_export(tmp_path, ["PM-001", name, "PM-007"])
    with pytest.raises(InputError, match=fragment("pm.csv", "line 4", f"sample {name!r}",
                                                  "a positive control of the run (the name "
                                                  "says so")):
        read_pm_samples(path, markers=db)


def test_a_sample_named_like_a_control_dna_or_pc_is_searched_with_a_warning(tmp_path, db):
    """The first rule refused these too, though '007' (while '006' passed), '007-1',
    '7-007', 'DNA-007', 'Pos. 007', 'PC-1-1' are realistic names of remains or lab numbers,
    and one of them stopped a whole search or night (a second outside check, 2026-12-07).
    Only a name saying 'positive control' is refused; these are named in one warning."""
    alike = ["9947A", "2800M", "007", "PC", "DNA Control 007", "PC_2800M", "007-1", "7-007",
             "DNA-007", "Pos. 007", "PC-1-1", "PC01"]
    path = pm_export(tmp_path, ["006", *alike, "008"])
    with pytest.warns(ForensicMatchWarning) as caught:
        samples = read_pm_samples(path, markers=db)
    (text,) = [str(w.message) for w in caught
               if "named like a run's positive control" in str(w.message)]
    assert re.search(fragment("pm.csv", "12 samples are named like a run's positive control",
                              "'9947A' (line 4); '2800M' (line 6); '007' (line 8)",
                              "'Pos. 007' (line 22); ...; they are searched as remains"), text)
    assert [s.id for s in samples] == ["006", *alike, "008"]


def test_cp_and_c_plus_are_named_like_a_positive_control(tmp_path, db):
    """'CP' (control positivo) and 'C+', the laboratories' shortest names of a positive
    control, were searched as remains without a word while 'Control +' and 'Ctrl+' were
    refused (f_lab4, 2026-12-07). They are warned about and searched, as 'PC' is: the rule
    refuses only a name that says 'positive control' in words, and 'CP' is also a centro
    poblado's or a person's initials ('CP-01' may be remains)."""
    alike = ["CP", "C+", "CP-01", "C+1", "C (+)", "CP 007", "C.P."]
    path = pm_export(tmp_path, ["PM-001", *alike, "PM-002"])
    with pytest.warns(ForensicMatchWarning) as caught:
        samples = read_pm_samples(path, markers=db)
    (text,) = [str(w.message) for w in caught
               if "named like a run's positive control" in str(w.message)]
    assert re.search(fragment("pm.csv", "7 samples are named like a run's positive control",
                              "or PC, CP or C+): 'CP' (line 4); 'C+' (line 6); 'CP-01' (line 8)",
                              "'C.P.' (line 16); they are searched as remains"), text)
    assert [s.id for s in samples] == ["PM-001", *alike, "PM-002"]


@pytest.mark.parametrize("name", ["PM-007", "Muestra 007", "PC-2019-044", "AYA-07-001",
                                  "Putis PC-01", "Pos 1", "Positivo 1", "Control Negativo",
                                  "2019-007", "PC-A", "Control -", "Ctrl-", "AYA-07+08",
                                  "CP-2019-044", "Putis CP-01", "CP-A", "C-007", "C1"])
def test_samples_named_like_a_control_number_are_remains(tmp_path, db, name):
    path = pm_export(tmp_path, ["PM-001", name])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [s.id for s in read_pm_samples(path, markers=db)] == ["PM-001", name]


def test_two_exports_joined_with_their_byte_order_marks_are_named(tmp_path, db):
    """'copy /b a.csv+b.csv': the second header kept its byte-order mark in its first cell
    and was read as a sample 'Sample Name' with 3 alleles, a mixture."""
    one = "Sample Name,Marker,Allele 1,Allele 2,Allele 3\nPM1,TH01,6,7,\n"
    path = tmp_path / "joined.csv"
    path.write_bytes(("\ufeff" + one + "\ufeff" + one.replace("PM1", "PM2")).encode())
    with pytest.raises(InputError, match=fragment(
            "joined.csv", "line 3", "repeats the header row with a byte-order mark",
            "two files joined (copy /b, cat)?")):
        read_genotypes(path, markers=db)


def test_excels_separator_line_is_read_as_the_separator(tmp_path, db):
    """Excel's 'sep=;' above the header was the header: "14 fields, but the header has 2"."""
    text = "Sample Name;Marker;Allele 1;Allele 2\nPM1;TH01;6;9,3\nPM1;FGA;23;24\n"
    path = write(tmp_path, "pm.csv", "sep=;\n" + text)
    assert read_genotypes(path, markers=db, decimal_comma=True).profiles == \
        read_genotypes(write(tmp_path, "plain.csv", text), markers=db,
                       decimal_comma=True).profiles == {
            "PM1": {"TH01": ("6", "9.3"), "FGA": ("23", "24")}}
    # errors name the lines as an editor shows them
    with pytest.raises(GenotypeError, match=fragment("pm.csv", "line 3", "decimal comma")):
        read_genotypes(path, markers=db)
    path.write_text("\ufeff\"sep=;\"\r\nSample;Marker;Allele 1\r\nPM1;TH01;6\r\n")
    with pytest.raises(InputError, match=fragment("pm.csv", "line 2", "no allele columns")):
        read_genotypes(path, markers=db)


@pytest.mark.parametrize("declared, sep", [("sep=\t", "\t"), ("sep=;;;;", ";"),
                                           ('"sep=;";;;', ";"), ("sep=\t\t\t\t", "\t"),
                                           ("SEP=|", "|"), ("sep=,,,", ",")])
def test_a_tab_or_padded_separator_line_is_read_as_the_separator(tmp_path, db, declared, sep):
    """'sep=<TAB>' (listed as read) was refused with "line 2: 5 fields, but the header has
    2": the tab was stripped before the match. 'sep=;;;;', a LibreOffice re-save of a
    'sep=;' file padding the line to the header's width, was refused as a header that names
    no layout. An outside check, 2026-12-07."""
    text = "Sample Name,Marker,Allele 1,Allele 2,Allele 3\nPM1,TH01,6,9.3,\nPM1,FGA,23,24,\n"
    path = tmp_path / "pm.csv"
    path.write_bytes((declared + "\r\n" + text.replace(",", sep).replace("\n", "\r\n"))
                     .encode())
    assert read_genotypes(path, markers=db).profiles == {
        "PM1": {"TH01": ("6", "9.3"), "FGA": ("23", "24")}}
    path.write_text(declared + "\n" + text.replace(",", sep) + f"PM1{sep}vWA{sep}17.0\n")
    with pytest.raises(GenotypeError, match=fragment("pm.csv", "line 5", "'17.0'")):
        read_genotypes(path, markers=db)


def test_controls_and_ladders_of_a_sample_type_column_are_not_read_and_familia_is_family(
        tmp_path):
    """An outside check (h_lab2, 2026-12-08): a GeneMapper export's positive control, named
    CTRL_GF_A12 and marked "Positive Control" in its Sample Type column, was searched as a
    body without a word; and a Spanish 'Familia' column was not taken for the family
    column (ids reused across families were refused as second rows)."""
    text = ("Sample Name,Sample Type,Marker,Allele 1,Allele 2\n"
            "PM-001,Sample,TH01,6,7\n"
            "CTRL_GF_A12,Positive Control,TH01,8,9.3\n"
            "NEG_A01,Negative Control,TH01,,\n"
            "LADDER_1,Allelic Ladder,TH01,4,13.3\n")
    path = tmp_path / "export.csv"
    path.write_text(text)
    with pytest.warns(ForensicMatchWarning, match=r"3 samples the 'Sample Type' column marks "
                                                  r"as controls or ladders not read: "
                                                  r"CTRL_GF_A12 \(Positive Control\)"):
        table = read_genotypes(path)
    assert table.profiles == {"PM-001": {"TH01": ("6", "7")}}
    rel = tmp_path / "rel.csv"
    rel.write_text("Familia,sample,marker,allele1,allele2\nF1,padre,TH01,6,7\n"
                   "F2,padre,TH01,8,9\n")
    both = read_genotypes(rel)
    assert {(s.family, s.id) for s in both.samples} == {("F1", "padre"), ("F2", "padre")}


def test_a_wide_genotype_table_is_refused_saying_so(tmp_path):
    """h_lab2 (2026-12-08): six wide shapes (a column or two per marker) were refused with
    "no 'marker' column" alone."""
    path = tmp_path / "wide.csv"
    path.write_text("sample,D8S1179_1,D8S1179_2,TH01_1,TH01_2,FGA_1,FGA_2\n"
                    "PM-1,12,14,6,7,22,24\n")
    with pytest.raises(InputError, match=r"header names markers as columns \(D8S1179_1, "
                                         r"D8S1179_2, TH01_1, TH01_2, \.\.\.\): a table with a "
                                         r"column \(or two\) per marker is not read"):
        read_genotypes(path)
