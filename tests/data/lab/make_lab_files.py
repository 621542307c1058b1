"""Write the laboratory-style input files of this folder (run: python make_lab_files.py).

Small files shaped like what laboratories export, with the quirks that went wrong in issue 7:
capillary-electrophoresis (GeneMapper-like) tables with OL calls, amelogenin and Y-STR rows,
an Excel workbook with numeric and text cells, a Spanish-locale ``;`` CSV with decimal commas,
Spanish sex words and yes/no, names in decomposed Unicode (NFD), and a few bad files that
must be refused. ``tests/test_lab_files.py`` says what each file must read as.

The outputs are committed; the test checks that this script still writes the same text files.
Genotypes are made up on markers of the ``fbi2015_sw_hispanic`` table.
"""

from __future__ import annotations

import csv
import datetime
import io
import sys
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent

CE_HEADER = ["Sample File", "Sample Name", "Panel", "Marker", "Dye", "Allele 1", "Allele 2",
             "Allele 3", "Size 1", "Size 2", "Size 3", "Height 1", "Height 2", "Height 3"]
DYES = {"AMEL": "VIC", "D3S1358": "VIC", "vWA": "VIC", "TH01": "VIC", "FGA": "VIC",
        "D8S1179": "6-FAM", "D21S11": "6-FAM", "D18S51": "6-FAM", "Yindel": "NED",
        "DYS391": "NED", "D2S1338": "NED", "D16S539": "PET", "Penta D": "PET",
        "Penta E": "PET", "DYS576": "TAZ", "DYS570": "TAZ", "DXS10135": "TAZ"}


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def ce_rows(sample: str, panel: str, calls: list[tuple[str, list[str]]]) -> list[list[str]]:
    """Rows of a CE export: one per marker, alleles then made-up sizes and heights."""
    rows = []
    for k, (marker, alleles) in enumerate(calls):
        alleles = (alleles + ["", "", ""])[:3]
        sizes = [f"{100 + 10 * k + 4 * j:.2f}" if a else "" for j, a in enumerate(alleles)]
        heights = [str(1500 - 40 * k - 90 * j) if a else "" for j, a in enumerate(alleles)]
        rows.append([f"{sample}.fsa", sample, panel, marker, DYES.get(marker, "VIC"),
                     *alleles, *sizes, *heights])
    return rows


#: GlobalFiler-like export of three PM samples (comma CSV): an OL call, a lone second call
#: (NaN written by a script that passed the table through pandas), amelogenin, Yindel, DYS391.
GLOBALFILER = [CE_HEADER,
               *ce_rows("PM-101", "GlobalFiler_v2", [
                   ("AMEL", ["X", "Y"]), ("D3S1358", ["15", "16"]), ("vWA", ["17", "18"]),
                   ("TH01", ["8", "9.3"]), ("FGA", ["22", "25"]), ("D8S1179", ["13", "14"]),
                   ("D21S11", ["30", "32.2"]), ("D18S51", ["14", "17"]),
                   ("Yindel", ["2", ""]), ("DYS391", ["10", ""])]),
               *ce_rows("PM-102", "GlobalFiler_v2", [
                   ("AMEL", ["X", "Y"]), ("D3S1358", ["14", ""]), ("vWA", ["16", "17"]),
                   ("TH01", ["NaN", "7"]), ("FGA", ["OL", "24"]), ("D8S1179", ["", ""]),
                   ("D21S11", ["29", "OL"]), ("D18S51", ["OL", ""]),
                   ("Yindel", ["1", ""]), ("DYS391", ["11", ""])]),
               *ce_rows("PM-103", "GlobalFiler_v2", [
                   ("AMEL", ["X", ""]), ("D3S1358", ["16", "17"]), ("vWA", ["15", ""]),
                   ("TH01", ["6", "9.3"]), ("FGA", ["21", "23"])])]

#: PowerPlex Fusion 6C-like text export (tab-separated .txt) with Y-STRs and Penta markers.
FUSION = [["Sample Name", "Marker", "Allele 1", "Allele 2", "Allele 3", "Height 1",
           "Height 2", "Height 3"],
          ["B-7", "AMEL", "X", "Y", "", "2100", "1900", ""],
          ["B-7", "D3S1358", "15", "15", "", "2300", "", ""],
          ["B-7", "Penta E", "7", "15.4", "", "800", "760", ""],
          ["B-7", "Penta D", "2.2", "12", "", "900", "880", ""],
          ["B-7", "D16S539", "11", "13", "", "1700", "1650", ""],
          ["B-7", "DYS391", "10", "", "", "1400", "", ""],
          ["B-7", "DYS576", "18", "", "", "1300", "", ""],
          ["B-7", "DYS570", "17", "", "", "1250", "", ""],
          ["B-8", "AMEL", "X", "", "", "2500", "", ""],
          ["B-8", "D3S1358", "14", "16", "", "2200", "2100", ""],
          ["B-8", "Penta E", "12", "OL", "", "700", "300", ""],
          ["B-8", "DXS10135", "20", "23", "", "600", "580", ""]]

#: A workbook typed by hand: numbers in number cells, OL and 9.3 in text cells.
EXCEL = [["Sample Name", "Marker", "Allele 1", "Allele 2"],
         ["PM-201", "AMEL", "X", "X"],
         ["PM-201", "TH01", 9.3, 6],
         ["PM-201", "D21S11", 30.2, 31.0],
         ["PM-201", "FGA", "OL", 22],
         ["PM-201", "vWA", "16", None],
         ["PM-201", "DYS391", 11, None],
         [None, None, None, None],
         ["PM-202", "TH01", "9.3", "10"],
         ["PM-202", "D21S11", None, 29]]

#: A Spanish-locale programme: ';' separator, decimal commas, Spanish words, NFD names.
ES_PEDIGREE_HEADER = ["family", "id", "father", "mother", "sex", "missing", "lugar", "edad"]
ES_PEDIGREE_ROWS = [["F-Q1", nfd("José Quispe"), "", "", "Masculino", "no", "", ""],
                    ["F-Q1", nfd("María Huamán"), "", "", "Femenino", "no", "", ""],
                    ["F-Q1", nfd("Ángel Quispe"), nfd("José Quispe"), nfd("María Huamán"),
                     "varón", "sí", nfd("Accomarca"), "19"],
                    ["F-Q1", "Rosa Quispe", nfd("José Quispe"), nfd("María Huamán"), "mujer",
                     "No", "", ""]]
ES_RELATIVES = [["sample", "marker", "allele1", "allele2"],
                [nfd("José Quispe"), "D3S1358", "15", "17"],
                [nfd("José Quispe"), "TH01", "7", "9,3"],
                [nfd("José Quispe"), "FGA", "22", "24"],
                [nfd("José Quispe"), "DYS391", "10", ""],
                [nfd("María Huamán"), "D3S1358", "16", "16"],
                [nfd("María Huamán"), "TH01", "6", "8"],
                [nfd("María Huamán"), "FGA", "21", "25"]]
ES_PM_SAMPLES = [["sample", "sex", "fosa", "dropout", "edad_min"],
                 ["PM-101", "H", "Fosa 3", "0", "17"],
                 ["PM-102", "H", "Fosa 3", "0,15", "20"],
                 ["PM-103", "M", "Fosa 4", "0,3", ""]]

#: Files that must be refused, each with one typical mistake.
BAD = {
    "bad_trailing_zero.csv": [["Sample Name", "Marker", "Allele 1", "Allele 2"],
                              ["PM-301", "D3S1358", "15", "16"],
                              ["PM-301", "TH01", "7.0", "9.3"]],
    "bad_text_allele.csv": [["Sample Name", "Marker", "Allele 1", "Allele 2"],
                            ["PM-302", "D3S1358", "15", "16"],
                            ["PM-302", "vWA", "16", "abc"]],
    "bad_shifted_amelogenin.csv": [["Sample Name", "Marker", "Allele 1", "Allele 2"],
                                   ["PM-303", "AMEL", "X", "Y"],
                                   ["PM-303", "TH01", "X", "Y"]],
    "bad_mixture.csv": [["Sample Name", "Marker", "Allele 1", "Allele 2", "Allele 3"],
                        ["PM-304", "D3S1358", "14", "15", "17"]],
}


def _text(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerows(rows)
    return out.getvalue()


def text_files() -> dict[str, str]:
    """Name and content of every text file of the corpus."""
    files = {"globalfiler_pm.csv": _text(GLOBALFILER, ","),
             "fusion6c_pm.txt": _text(FUSION, "\t"),
             # A byte-order mark, as spreadsheet programs write it.
             "es_pedigrees.csv": "\ufeff" + _text([ES_PEDIGREE_HEADER, *ES_PEDIGREE_ROWS], ";"),
             "es_relatives.csv": _text(ES_RELATIVES, ";"),
             "es_pm_samples.csv": _text(ES_PM_SAMPLES, ";")}
    files.update({name: _text(rows, ",") for name, rows in BAD.items()})
    return files


def write_excel(path: Path) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"created": datetime.datetime(2024, 1, 1)})
    sheet = workbook.add_worksheet("Export")
    for r, row in enumerate(EXCEL):
        for c, value in enumerate(row):
            if isinstance(value, str):
                sheet.write_string(r, c, value)
            elif value is not None:
                sheet.write_number(r, c, value)
    workbook.close()


def main(folder: Path = HERE) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in text_files().items():
        (folder / name).write_text(text, encoding="utf-8")
    write_excel(folder / "pm_export.xlsx")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
