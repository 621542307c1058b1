"""Laboratory-style input files (``tests/data/lab/``): each is read right or refused.

The files are written by ``tests/data/lab/make_lab_files.py``: capillary-electrophoresis
exports with OL calls, amelogenin and Y-STR rows, an Excel workbook, a Spanish-locale ``;``
CSV with decimal commas, Spanish words and decomposed (NFD) names, and files with one typical
mistake each. A file is either read with exactly the genotypes below, or refused with an
error that names the file, the row, the sample and the marker, and nothing is returned.
"""

from __future__ import annotations

import math
import re
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.records import read_families, read_genotypes, read_pm_samples
from forensic_match.dvi.search import exact_pair_log10_lr, search_samples
from forensic_match.errors import GenotypeError, InputError, LineageMarkerWarning
from forensic_match.frequencies import FrequencyDB, load_frequencies
from forensic_match.likelihood import prepare_markers

LAB = Path(__file__).resolve().parent / "data" / "lab"


def fragment(*parts: str) -> str:
    return ".*".join(re.escape(p) for p in parts)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def db() -> FrequencyDB:
    return load_frequencies("fbi2015_sw_hispanic")


# Files read right -------------------------------------------------------------------------------

GLOBALFILER = {
    "PM-101": {"D3S1358": ("15", "16"), "vWA": ("17", "18"), "TH01": ("8", "9.3"),
               "FGA": ("22", "25"), "D8S1179": ("13", "14"), "D21S11": ("30", "32.2"),
               "D18S51": ("14", "17")},
    # D3S1358 14 alone: a CE homozygote; TH01 NaN, 7: one allele known; FGA OL, 24 and
    # D21S11 29, OL: one allele off the ladder; D18S51 OL alone and D8S1179 empty: untyped.
    "PM-102": {"D3S1358": ("14", "14"), "vWA": ("16", "17"), "TH01": ("7", None),
               "FGA": ("24", None), "D21S11": ("29", None)},
    "PM-103": {"D3S1358": ("16", "17"), "vWA": ("15", "15"), "TH01": ("6", "9.3"),
               "FGA": ("21", "23")},
}


def test_globalfiler_export_with_ol_nan_amelogenin_and_y_rows(db):
    with pytest.warns(LineageMarkerWarning, match=fragment("globalfiler_pm.csv", "Yindel, DYS391",
                                                           "set aside")):
        pm = read_pm_samples(LAB / "globalfiler_pm.csv", markers=db)
    assert {s.id: s.genotypes for s in pm} == GLOBALFILER
    # PM-103's amelogenin is X alone with no samples table: a man may have lost his Y, so
    # the search is not given a sex ("A sure sex for the sex filter").
    assert [s.sex for s in pm] == ["M", "M", "U"]
    assert pm[2].info["amelogenin"] == "F"
    assert [s.info.get("lineage") for s in pm] == [
        {"Yindel": ["2"], "DYS391": ["10"]}, {"Yindel": ["1"], "DYS391": ["11"]}, None]
    assert pm[1].info["off_ladder"] == ["FGA", "D21S11", "D18S51"]


def test_fusion_text_export_with_penta_microvariants_and_y_and_x_strs(db):
    with pytest.warns(LineageMarkerWarning, match="DYS391, DYS576, DYS570, DXS10135"):
        table = read_genotypes(LAB / "fusion6c_pm.txt", markers=db)
    assert table.layout == "ce"
    assert table.profiles == {
        "B-7": {"D3S1358": ("15", "15"), "Penta E": ("7", "15.4"), "Penta D": ("2.2", "12"),
                "D16S539": ("11", "13")},
        "B-8": {"D3S1358": ("14", "16"), "Penta E": ("12", None)}}
    assert table.amelogenin == {"B-7": "M", "B-8": "F"}
    assert [s.lineage for s in table.samples] == [
        {"DYS391": ("10",), "DYS576": ("18",), "DYS570": ("17",)}, {"DXS10135": ("20", "23")}]
    assert table.lineage_markers == ("DYS391", "DYS576", "DYS570", "DXS10135")


def test_excel_workbook_with_number_and_text_cells(db):
    pytest.importorskip("fastexcel", reason="reading .xlsx needs the excel extra")
    with pytest.warns(LineageMarkerWarning, match="DYS391"):
        table = read_genotypes(LAB / "pm_export.xlsx", markers=db)
    assert table.profiles == {
        "PM-201": {"TH01": ("9.3", "6"), "D21S11": ("30.2", "31"), "FGA": ("22", None),
                   "vWA": ("16", "16")},
        "PM-202": {"TH01": ("9.3", "10"), "D21S11": ("29", None)}}
    assert table.amelogenin == {"PM-201": "F"}
    assert table.samples[0].lineage == {"DYS391": ("11",)}


def test_spanish_programme_read_with_its_declared_conventions(db):
    with pytest.warns(LineageMarkerWarning, match=fragment("es_relatives.csv", "DYS391")):
        (family,) = read_families(LAB / "es_pedigrees.csv", LAB / "es_relatives.csv",
                                  markers=db, decimal_comma=True)
    jose, maria, angel = nfc("José Quispe"), nfc("María Huamán"), nfc("Ángel Quispe")
    assert family.id == "F-Q1" and family.missing == [angel]
    assert family.pedigree.parents(angel) == (jose, maria)
    assert [family.sex_of(i) for i in (jose, maria, angel, "Rosa Quispe")] == ["M", "F", "M", "F"]
    assert family.genotypes == {
        jose: {"D3S1358": ("15", "17"), "TH01": ("7", "9.3"), "FGA": ("22", "24")},
        maria: {"D3S1358": ("16", "16"), "TH01": ("6", "8"), "FGA": ("21", "25")}}
    assert family.lineage == {jose: {"DYS391": ["10"]}}
    assert family.info == {angel: {"lugar": "Accomarca", "edad": "19"}}
    with pytest.warns(LineageMarkerWarning):
        pm = read_pm_samples(LAB / "globalfiler_pm.csv", samples_path=LAB / "es_pm_samples.csv",
                             markers=db, sex_codes="HM")
    assert [(s.sex, s.dropout, s.info.get("fosa")) for s in pm] == [
        ("M", 0.0, "Fosa 3"), ("M", 0.15, "Fosa 3"), ("F", 0.3, "Fosa 4")]

    # The son's bone is found; the sample with OL calls and a lone second call is excluded
    # by its D3S1358 14/14 only; the search agrees with the exact likelihood on every pair.
    names = sorted({m for s in pm for m in s.genotypes})
    markers = prepare_markers(db.markers_for(names), {s.id: s.genotypes for s in pm})
    found = search_samples(compile_families([family], markers), pm, threshold=-math.inf,
                           sex_filter=False).pairs
    got = dict(zip(found["pm"].to_list(), found["log10_lr"].to_list()))
    for sample in pm:
        exact = exact_pair_log10_lr(family, angel, sample, markers)
        if sample.id == "PM-102":
            assert exact[names.index("D3S1358")] == -math.inf
            assert np.isfinite(np.delete(exact, names.index("D3S1358"))).all()
            assert got[sample.id] == -math.inf
        else:
            assert math.isclose(got[sample.id], float(exact.sum()), rel_tol=1e-9)
    assert got["PM-101"] > 1.0


# Files refused ----------------------------------------------------------------------------------

REFUSED: list[tuple[str, dict[str, Any], type[Exception], tuple[str, ...]]] = [
    ("es_relatives.csv", {}, GenotypeError,
     ("es_relatives.csv", "line 3", f"sample {nfc('José Quispe')!r}", "marker 'TH01'",
      "allele '9,3'", "decimal_comma=True")),
    ("bad_trailing_zero.csv", {}, GenotypeError,
     ("bad_trailing_zero.csv", "line 3", "sample 'PM-301'", "marker 'TH01'", "allele '7.0'",
      "normalise_alleles=True")),
    ("bad_text_allele.csv", {}, GenotypeError,
     ("bad_text_allele.csv", "line 3", "sample 'PM-302'", "marker 'vWA'", "allele 'abc'")),
    ("bad_shifted_amelogenin.csv", {}, GenotypeError,
     ("bad_shifted_amelogenin.csv", "line 3", "sample 'PM-303'", "marker 'TH01'",
      "allele 'X'", "amelogenin")),
    ("bad_mixture.csv", {}, GenotypeError,
     ("bad_mixture.csv", "line 2", "sample 'PM-304'", "marker 'D3S1358'", "3 alleles")),
]


@pytest.mark.parametrize(("name", "options", "error", "parts"), REFUSED,
                         ids=[r[0] for r in REFUSED])
def test_bad_file_is_refused_naming_file_row_sample_and_marker(tmp_path, db, name, options,
                                                               error, parts):
    out = tmp_path / "out"
    with pytest.raises(error, match=fragment(*parts)):
        table = read_genotypes(LAB / name, markers=db, **options)
        out.write_text(repr(table.profiles))  # never reached: nothing half-read is kept
    assert not out.exists()


def test_spanish_samples_table_refused_until_its_sex_codes_are_declared(db):
    with pytest.warns(LineageMarkerWarning), pytest.raises(InputError, match=fragment(
            "es_pm_samples.csv", "line 2", "sample 'PM-101'", "sex 'H'", "hombre",
            "sex_codes='HM'")):
        read_pm_samples(LAB / "globalfiler_pm.csv", samples_path=LAB / "es_pm_samples.csv",
                        markers=db)


# The corpus is what its generator writes ---------------------------------------------------------

def test_generator_writes_the_committed_text_files():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_lab_files", LAB / "make_lab_files.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name, text in module.text_files().items():
        assert (LAB / name).read_text(encoding="utf-8") == text, name
    assert (LAB / "pm_export.xlsx").is_file()


def test_search_command_reads_the_spanish_programme_with_its_flags(tmp_path):
    """The reader options are `forensic-match search` flags: without them the Spanish files
    are refused with a hint; with them the run completes and records how it read them."""
    import json

    from click.testing import CliRunner

    from forensic_match.cli import main

    def run(out, *flags):
        return CliRunner().invoke(main, [
            "search", "--pedigrees", str(LAB / "es_pedigrees.csv"), "--relatives",
            str(LAB / "es_relatives.csv"), "--pm", str(LAB / "globalfiler_pm.csv"),
            "--samples", str(LAB / "es_pm_samples.csv"), "--out", str(out), "--min-markers",
            "2", "-q", *flags])

    refused = run(tmp_path / "refused")
    assert refused.exit_code == 1 and "error:" in refused.stderr
    assert not (tmp_path / "refused").exists()
    done = run(tmp_path / "out", "--decimal-comma", "--sex-codes", "HM")
    assert done.exit_code == 0, done.stderr
    reading = json.loads((tmp_path / "out" / "run.json").read_text())["reading"]
    assert reading == {"decimal_comma": True, "normalise_alleles": False,
                       "single_allele": "homozygote", "sex_codes": "HM"}


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_excel_unicode_text_is_read_as_utf8(tmp_path: Path, encoding: str) -> None:
    """Excel's "Unicode text" export is UTF-16 with a byte-order mark, tab-separated, CRLF:
    read as the same table written in UTF-8."""
    import codecs

    text = "Sample Name\tMarker\tAllele 1\tAllele 2\r\nJosé-1\tTH01\t6\t9.3\r\n" \
           "José-1\tvWA\t16\t17\r\n"
    bom = codecs.BOM_UTF16_LE if encoding == "utf-16-le" else codecs.BOM_UTF16_BE
    (tmp_path / "u16.txt").write_bytes(bom + text.encode(encoding))
    (tmp_path / "u8.txt").write_text(text, encoding="utf-8", newline="")
    got = read_genotypes(tmp_path / "u16.txt")
    want = read_genotypes(tmp_path / "u8.txt")
    assert [(s.id, s.genotypes) for s in got.samples] == \
        [(s.id, s.genotypes) for s in want.samples] == \
        [("José-1", {"TH01": ("6", "9.3"), "vWA": ("16", "17")})]


def test_a_windows_1252_file_is_refused_naming_line_and_bytes(tmp_path: Path) -> None:
    """A table saved by a Spanish Windows program (Windows-1252) is not guessed at: the error
    names the line and shows the bytes that are not UTF-8."""
    path = tmp_path / "cp.csv"
    path.write_bytes("sample,marker,allele1,allele2\nS1,TH01,6,7\nJosé,TH01,6,7\n"
                     .encode("cp1252"))
    with pytest.raises(InputError, match=fragment("cp.csv', line 3: not UTF-8 text",
                                                  r"b'\xe9' in b'Jos\xe9,TH01,6,7'",
                                                  "Windows-1252", "CSV UTF-8")):
        read_genotypes(path)
