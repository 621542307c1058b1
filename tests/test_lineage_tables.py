"""mtDNA rows of the laboratory's tables (``docs/records.md``, "mtDNA rows"): read into the
same mitotypes as the dataset's ``pm[].mtdna`` / ``am[].mtdna``, with errors naming file,
line and sample; ``forensic-match search --lineage`` weighs them."""

from __future__ import annotations

import dataclasses
import tempfile
import warnings
from pathlib import Path

import pytest
from helpers import LAB_MITOTYPES, fragment, lab_tables_with_y_rows, write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forensic_match.dvi.records import read_families, read_genotypes, read_pm_samples
from forensic_match.errors import InputError, LineageMarkerWarning
from forensic_match.frequencies import load_frequencies
from forensic_match.lineage.data import LineageData, parse_family_lineage, parse_pm_lineage
from forensic_match.lineage.lr import lineage_lr, mt_lr
from forensic_match.lineage.mtdna import MitotypeDatabase, parse_mitotype


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
    differently); one reading the same positions with different calls is refused, naming both
    rows and the position."""
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
                                                  "the one on line 2", "1122 positions",
                                                  "differ there (263: 263G / rCRS)")):
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


# Several mtDNA rows of one sample (one per read range) -------------------------------------

def _mt_table(tmp_path: Path, rows: list[str], name: str = "mt.csv") -> Path:
    return write(tmp_path, name, "sample,marker,allele1,allele2\nR1,D3S1358,16,17\n"
                 + "".join(f"R1,mtDNA,{r}\n" for r in rows))


def _read_mt(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LineageMarkerWarning)
        (s,) = read_genotypes(path).samples
    return s.mtdna


def test_hv1_and_hv2_rows_of_a_sample_are_merged(tmp_path: Path) -> None:
    """An HV1 row and an HV2 row give the mitotype of the one row with both ranges, in
    either order; a repeated identical row changes nothing."""
    whole = parse_mitotype({"range": [[16024, 16365], [73, 340]],
                            "variants": ["16189C", "16223T", "73G", "263G", "315.1C"]})
    hv1, hv2 = "16024-16365,16189C 16223T", "73-340,73G 263G 315.1C"
    for rows in ([hv1, hv2], [hv2, hv1], [hv1, hv2, hv1], [hv2, hv1, "73-340,263G 73G 315.1C"]):
        got = _read_mt(_mt_table(tmp_path, rows))
        assert got.ranges == ((73, 340), (16024, 16365))
        assert got.positions == whole.positions
        assert (got.substitutions, got.deletions, got.insertions) == \
            (whole.substitutions, whole.deletions, whole.insertions)
    # rows overlapping with the same calls where both read: merged (the ranges coalesced)
    got = _read_mt(_mt_table(tmp_path, ["16024-16365,16189C 16223T 16311C", "16300-16569,16311C",
                                        "16200-16400,16223T 16311C"]))
    assert got.ranges == ((16024, 16569),)
    assert got.substitutions == {16189: "C", 16223: "T", 16311: "C"}


@pytest.mark.parametrize(("rows", "message"), [
    # a variant in the other row's range only: each row's variants lie in its own ranges
    (["16024-16365,16189C 263G", "73-340,73G"],
     ["line 3", "R1", "variant '263G'", "outside the read ranges [[16024, 16365]]"]),
    # overlapping rows that disagree where both read
    (["16024-16365,16189C 16311C", "16300-16569,16519C"],
     ["line 4", "R1", "the one on line 3", "66 positions", "16311: 16311C / rCRS"]),
    (["16024-16365,16189C", "16100-16400,16189Y"],
     ["line 4", "R1", "the one on line 3", "16189: 16189C / 16189Y"]),
    (["1-576,263G 315.1C", "300-340,"],
     ["line 4", "R1", "the one on line 3", "315: 315.1C / rCRS"]),
])
def test_rows_of_a_sample_that_disagree_are_refused(tmp_path: Path, rows: list[str],
                                                    message: list[str]) -> None:
    with pytest.raises(InputError, match=fragment("mt.csv", *message)):
        _read_mt(_mt_table(tmp_path, rows))


def test_json_records_of_a_sample_are_merged_like_rows() -> None:
    """``pm[].mtdna`` and ``am[].mtdna`` may list several records of the sample; they are
    merged by the same rule, and a disagreement names the records."""
    from forensic_match.pedigree import Pedigree

    one = {"range": [[16024, 16365], [73, 340]], "variants": ["16189C", "73G", "263G"]}
    parts = [{"range": [[73, 340]], "variants": ["263G", "73G"]},
             {"range": [[16024, 16365]], "variants": ["16189C"]}]
    _, a = parse_pm_lineage({"mtdna": one}, "PM1", "dataset.json")
    _, b = parse_pm_lineage({"mtdna": parts}, "PM1", "dataset.json")
    assert a is not None and b is not None
    assert (a.positions, a.substitutions) == (b.positions, b.substitutions)
    ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                 ("MP", "FA", "MO", "M")])
    _, mts = parse_family_lineage({"mtdna": {"MO": parts}}, "F1", "dataset.json", ped)
    assert mts["MO"].positions == a.positions
    bad = [parts[0], {"range": [[250, 400]], "variants": []}]
    with pytest.raises(InputError, match=fragment("dataset.json", "PM1", "mtDNA record 1",
                                                  "mtDNA record 2", "263: 263G / rCRS")):
        parse_pm_lineage({"mtdna": bad}, "PM1", "dataset.json")
    with pytest.raises(InputError, match=fragment("dataset.json", "mtDNA record 2", "PM1",
                                                  "'16189C'", "outside the read ranges")):
        parse_pm_lineage({"mtdna": [parts[0], {"range": [[73, 100]],
                                               "variants": ["16189C"]}]},
                         "PM1", "dataset.json")


MT_POSITIONS = (16093, 16129, 16189, 16190, 16223, 16311, 16519, 73, 150, 152, 263, 310, 489)


@st.composite
def split_mitotypes(draw):
    """A whole mitotype, and rows that read pieces of its ranges (cut at random points, the
    pieces dealt to 1-4 rows, some stretched over their neighbours, one row maybe repeated),
    each row listing the whole's variants inside its own pieces, in any order."""
    ranges = draw(st.sampled_from([[[16024, 16569], [1, 576]], [[16024, 16365], [73, 340]],
                                   [[16100, 16400]]]))
    inside = [p for p in MT_POSITIONS if any(a <= p <= b for a, b in ranges)]
    variants = []
    for p in draw(st.lists(st.sampled_from(inside), unique=True)):
        kind = draw(st.sampled_from(["sub", "sub", "het", "del", "ins"]))
        if kind == "sub":
            variants.append(f"{p}{draw(st.sampled_from('ACGT'))}")
        elif kind == "het":
            variants.append(f"{p}{draw(st.sampled_from('YRM'))}")
        elif kind == "del":
            variants.append(f"{p}d")
        else:
            variants.append(f"{p}.1{draw(st.sampled_from('CT'))}")
    whole = parse_mitotype({"range": ranges, "variants": variants})
    pieces = []
    for a, b in ranges:
        cuts = sorted(draw(st.lists(st.integers(a + 1, b), max_size=3, unique=True)))
        bounds = [a, *cuts, b + 1]
        for lo, hi in zip(bounds, bounds[1:]):
            stretch = draw(st.integers(0, 6))
            pieces.append((max(a, lo - stretch), min(b, hi - 1 + stretch)))
    k = draw(st.integers(1, 4))
    rows: dict[int, list[tuple[int, int]]] = {}
    for piece in pieces:
        rows.setdefault(draw(st.integers(0, k - 1)), []).append(piece)
    texts = []
    for spans in rows.values():
        spans.sort()
        merged: list[list[int]] = []   # a row's own ranges must not overlap
        for lo, hi in spans:
            if merged and lo <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], hi)
            else:
                merged.append([lo, hi])
        calls = [v for v in whole.notation()
                 if any(lo <= int(v.split(".")[0].rstrip("ACGTRYMd")) <= hi
                        for lo, hi in merged)]
        texts.append(f"{';'.join(f'{lo}-{hi}' for lo, hi in merged)},{' '.join(calls)}")
    texts = draw(st.permutations(texts))
    if draw(st.booleans()):
        texts.append(draw(st.sampled_from(texts)))
    return whole, texts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(split_mitotypes(), st.integers(1, 4))
def test_a_mitotype_split_into_rows_gives_the_lr_of_the_whole(case, meioses: int) -> None:
    """Rows of one sample read from a table merge into the whole mitotype (same positions,
    substitutions, heteroplasmies, deletions and insertions), and its mtDNA LR, as PM sample
    and as reference, is that of the whole, exactly."""
    whole, texts = case
    with tempfile.TemporaryDirectory() as tmp:
        got = _read_mt(_mt_table(Path(tmp), texts))
    assert got.positions == whole.positions
    assert (got.substitutions, got.deletions, got.insertions) == \
        (whole.substitutions, whole.deletions, whole.insertions)
    ref = parse_mitotype({"range": [[16024, 16569], [1, 576]],
                          "variants": ["16189C", "16223T", "263G", "315.1C", "73G"]})
    entries = [{"range": [[16024, 16569], [1, 576]], "variants": v}
               for v in (["263G"], ["16189C", "263G", "73G"], ["16223T", "263G", "315.1C"])]
    data = LineageData(mt_database=MitotypeDatabase.from_dict({"name": "toy",
                                                               "mitotypes": entries}))
    for a, b in ((got, ref), (ref, got)):
        wa, wb = (whole, ref) if a is got else (ref, whole)
        mine, want = mt_lr(a, b, meioses, data), mt_lr(wa, wb, meioses, data)
        assert (mine is None) == (want is None)
        if want is not None:
            assert mine.lr == want.lr and mine.differences == want.differences
