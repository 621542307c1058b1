"""mtDNA rows of the laboratory's tables (``docs/records.md``, "mtDNA rows"): read into the
same mitotypes as the dataset's ``pm[].mtdna`` / ``am[].mtdna``, with errors naming file,
line and sample; ``forensic-match search --lineage`` weighs them."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest
from helpers import LAB_MITOTYPES, fragment, lab_tables_with_y_rows, write

from forensic_match.dvi.records import read_families, read_genotypes, read_pm_samples
from forensic_match.errors import InputError, LineageMarkerWarning
from forensic_match.frequencies import load_frequencies
from forensic_match.lineage.data import LineageData, parse_family_lineage, parse_pm_lineage
from forensic_match.lineage.lr import lineage_lr
from forensic_match.lineage.mtdna import parse_mitotype


def _records(paths: dict[str, Path]) -> tuple[list, list]:
    db = load_frequencies("fbi2015_sw_hispanic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageMarkerWarning)
        families = read_families(paths["pedigrees"], paths["relatives"], markers=db)
        pm = read_pm_samples(paths["pm_genotypes"], markers=db)
    return families, pm


def _as_json(families: list, pm: list) -> tuple[list, list]:
    """The same records with their mitotypes replaced by those the dataset's JSON keys give
    (``parse_pm_lineage``, ``parse_family_lineage``: the readers of ``load_case``)."""
    fams = []
    for f in families:
        block = {i: LAB_MITOTYPES[i] for i in f.mtdna}
        _, mts = parse_family_lineage({"mtdna": block}, f.id, "dataset.json", f.pedigree)
        fams.append(dataclasses.replace(f, mtdna=mts))
    samples = []
    for s in pm:
        raw = {"mtdna": LAB_MITOTYPES[s.id]} if s.id in LAB_MITOTYPES else {}
        samples.append(dataclasses.replace(s, mtdna=parse_pm_lineage(raw, s.id,
                                                                     "dataset.json")[1]))
    return fams, samples


def test_mtdna_rows_give_the_mitotypes_and_lrs_of_the_json_keys(tmp_path: Path) -> None:
    """Relatives (long layout) and PM samples (CE layout, variants over two allele cells,
    ranges and variants separated by ';' and spaces): the mitotypes equal those of the JSON
    keys, and every pair's lineage LR is identical (Y and mtDNA)."""
    paths = lab_tables_with_y_rows(tmp_path, mtdna=True)
    families, pm = _records(paths)
    by_id = {f.id: f for f in families}
    assert set(by_id["F1"].mtdna) == {"F1-MO"} and set(by_id["F2"].mtdna) == {"F2-MO"}
    assert {s.id for s in pm if s.mtdna is not None} == {"PM-001", "PM-002"}
    jfams, jpm = _as_json(families, pm)
    for f, g in zip(families, jfams):
        assert f.mtdna == g.mtdna
    data = LineageData.from_file(paths["lineage"])
    compared = 0
    for s, t in zip(pm, jpm):
        for f, g in zip(families, jfams):
            for m in f.missing:
                a, b = lineage_lr(s, f, m, data), lineage_lr(t, g, m, data)
                assert a == b
                if a.mtdna is not None:
                    compared += 1
                    assert a.mtdna.lr == b.mtdna.lr > 0
    # PM-001 and PM-002 against F1's and F2's missing persons (each a child of a typed mother)
    assert compared == 4
    f1 = lineage_lr(pm[0], by_id["F1"], "F1-MP", data).mtdna
    assert (f1.reference, f1.meioses, f1.differences) == ("F1-MO", 1, ("16311: C/rCRS",))
    assert "309.1C" in f1.set_aside   # a C-tract length variant (HV2), ignored


def test_range_and_variants_columns(tmp_path: Path) -> None:
    """A table with ``range`` and ``variants`` columns (an EMPOP-style export with a marker
    column): the mtDNA row reads them; a relative typed on mtDNA only is kept for lineage
    matching and not among the typed relatives."""
    paths = lab_tables_with_y_rows(tmp_path)
    rel = write(tmp_path, "rel.tsv",
                "sample\tmarker\tallele1\tallele2\trange\tvariants\n"
                "F1-FA\tD3S1358\t16\t17\t\t\n"
                "F1-MO\tmtDNA\t\t\t16024-16569 1-576\t16189C;16223T 263G, 315.1C\n")
    with pytest.warns(LineageMarkerWarning, match="mtDNA rows of 1 samples set aside"):
        (fam, *_) = read_families(paths["pedigrees"], rel)
    assert fam.mtdna["F1-MO"] == parse_mitotype(
        {"range": [[16024, 16569], [1, 576]], "variants": ["16189C", "16223T", "263G",
                                                          "315.1C"]})
    assert "F1-MO" not in fam.genotypes and "F1-FA" in fam.genotypes
    bad = write(tmp_path, "bad.tsv",
                "sample\tmarker\tallele1\tallele2\trange\tvariants\n"
                "F1-MO\tmtDNA\t16024-16569\t\t16024-16569\t16189C\n")
    with pytest.raises(InputError, match=fragment("bad.tsv", "line 2", "F1-MO",
                                                  "allele columns empty")):
        read_genotypes(bad)


@pytest.mark.parametrize(("cells", "message"), [
    ("16024-16569,16189X", ["variant '16189X'", "not in the usual notation"]),
    ("16024-16365,16400C", ["variant '16400C'", "outside the read ranges"]),
    ("16024-16569;16500-16569;1-576,16189C", ["[16024, 16569] and [16500, 16569] overlap"]),
    ("16024-16569;576-1,16189C", ["read range [576, 1]"]),
    ("HV1,16189C", ["read range 'HV1' is not start-end"]),
    (",16189C", ["needs its read ranges"]),
    ("16024-16569,16189D", ["249DEL", "IUPAC"]),
])
def test_bad_mtdna_rows_name_file_line_and_sample(tmp_path: Path, cells: str,
                                                  message: list[str]) -> None:
    path = write(tmp_path, "mt.csv", "sample,marker,allele1,allele2\n"
                                     "R1,D3S1358,16,17\n"
                                     f"R1,mtDNA,{cells}\n")
    with pytest.raises(InputError, match=fragment("mt.csv", "line 3", "R1", *message)):
        read_genotypes(path)


def test_repeated_mtdna_rows(tmp_path: Path) -> None:
    """A repeated mtDNA row of a sample is accepted when it says the same (written
    differently); a different one is refused, naming both rows."""
    same = write(tmp_path, "same.csv", "sample,marker,allele1,allele2\n"
                                       "R1,mtDNA,16024-16569;1-576,16189C 263G\n"
                                       "R1,D3S1358,16,17\n"
                                       "R1,MT-DNA,16024-16569 1-576,263G;T16189C\n")
    with pytest.warns(LineageMarkerWarning, match="compared only with a lineage file"):
        (s,) = read_genotypes(same).samples
    assert s.mtdna is not None and s.mtdna.substitutions == {16189: "C", 263: "G"}
    other = write(tmp_path, "other.csv", "sample,marker,allele1,allele2\n"
                                         "R1,mtDNA,16024-16569;1-576,16189C 263G\n"
                                         "R1,mtDNA,16024-16569;1-576,16189C\n")
    with pytest.raises(InputError, match=fragment("other.csv", "line 3", "R1",
                                                  "second mtDNA row", "different",
                                                  "first on line 2")):
        read_genotypes(other)


def test_search_weighs_mtdna_rows_with_a_lineage_file(tmp_path: Path) -> None:
    """``forensic-match search --lineage``: each pair's score is the autosomal log10 LR plus
    the lineage LR (Y and mtDNA) computed by the API on the same records given as JSON."""
    import polars as pl
    from click.testing import CliRunner

    from forensic_match.cli import main

    paths = lab_tables_with_y_rows(tmp_path, mtdna=True)
    args = ["search", "--pedigrees", str(paths["pedigrees"]),
            "--relatives", str(paths["relatives"]), "--pm", str(paths["pm_genotypes"]),
            "--samples", str(paths["pm_samples"]), "--min-markers", "3", "-q"]
    plain = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "plain")])
    lin = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "lin"),
                                    "--lineage", str(paths["lineage"])])
    assert plain.exit_code == 0 and lin.exit_code == 0, plain.output + lin.output
    families, pm = _as_json(*_records(paths))
    data = LineageData.from_file(paths["lineage"])
    fams = {f.id: f for f in families}

    def score(out: str, sample: str, missing: str) -> float:
        table = pl.read_csv(tmp_path / out / "candidates_by_sample.csv")
        row = table.filter((pl.col("pm") == sample) & (pl.col("missing") == missing))
        assert row.height == 1
        return row["log10_lr"][0]

    samples = {s.id: s for s in pm}
    # the pairs the sex filter lets through: PM-001 (male) with F1-MP, PM-002 (F) with F2-MP
    for sid, fid, m in (("PM-001", "F1", "F1-MP"), ("PM-002", "F2", "F2-MP")):
        expected = lineage_lr(samples[sid], fams[fid], m, data)
        assert expected.mtdna is not None and expected.mtdna.frequency.database == "mttoy"
        assert score("lin", sid, m) == pytest.approx(
            score("plain", sid, m) + expected.log10_lr, rel=1e-9, abs=1e-9)
