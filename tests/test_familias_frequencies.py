"""Familias frequency databases wherever a frequency table is read.

Two files: the database of a ``.fam`` file (a whole case, or a database alone as pedFamilias'
``writeFam(dbOnly = TRUE)`` writes it), and Familias' exported frequencies in the "list"
layout (marker name, then ``allele<TAB>frequency`` lines, blank line between markers). Both
must give the same table as the same numbers in the long CSV layout (same ``sha256``), and the
``search`` command must give the same LRs with either.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from click.testing import CliRunner

from forensic_match.cli import main
from forensic_match.errors import FamiliasWarning, InputError, MarkerError
from forensic_match.familias import FamiliasCase, read_fam, write_fam
from forensic_match.frequencies import load_frequencies, read_frequencies
from forensic_match.kinship import kinship_lr
from forensic_match.pedigree import trio, unrelated

TABLE = "fbi2015_sw_hispanic"


def _long_csv(db, path: Path) -> Path:  # noqa: ANN001
    lines = ["marker,allele,frequency"]
    lines += [f"{m},{a},{float(f)!r}" for m in db for a, f in zip(*db[m], strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path


def _list_file(db, path: Path) -> Path:  # noqa: ANN001
    blocks = ["\n".join([m] + [f"{a}\t{float(f)!r}" for a, f in zip(*db[m], strict=True)])
              for m in db]
    path.write_text("\n\n".join(blocks) + "\n")
    return path


def _database_fam(db, path: Path) -> Path:  # noqa: ANN001
    case = FamiliasCase(str(path), "3.3.1", {}, {}, {}, tuple(db.marker(m) for m in db),
                        database="FBI 2015 SW Hispanic")
    return write_fam(case, path)


def test_a_fam_file_is_a_frequency_table(reference_dir: Path, tmp_path: Path) -> None:
    path = reference_dir / "familias" / "paternity.fam"
    with pytest.warns(FamiliasWarning, match="the mutation models of 10 loci"):
        db = read_frequencies(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FamiliasWarning)
        case = read_fam(path)
    assert db.markers == tuple(m.name for m in case.markers)
    for m in case.markers:
        alleles, freqs = db[m.name]
        assert alleles == m.alleles and np.array_equal(freqs, m.frequencies)
    assert db.name == "unknown" and db.source == str(path)
    # The same numbers as a CSV table are the same database.
    assert read_frequencies(_long_csv(db, tmp_path / "p.csv")).sha256 == db.sha256
    assert db["TH01"][0][:3] == ("5", "6", "7")
    assert db["TH01"][1][1] == 0.2146878655  # line 160 of the file


def test_a_database_only_fam_and_a_list_file_give_the_bundled_table(tmp_path: Path) -> None:
    bundled = load_frequencies(TABLE)
    fam = read_frequencies(_database_fam(bundled, tmp_path / "db.fam"))
    listed = read_frequencies(_list_file(bundled, tmp_path / "db.txt"))
    assert fam.sha256 == listed.sha256 == bundled.sha256
    assert fam.name == "FBI 2015 SW Hispanic" and listed.name == "db"
    assert read_frequencies(tmp_path / "db.txt", layout="list").sha256 == bundled.sha256


def test_the_list_layout_pinned(tmp_path: Path) -> None:
    path = tmp_path / "freqs.txt"
    # Tabs or spaces; a marker may start right after the previous one; names may hold spaces.
    path.write_text("TH01\n6\t0.25\n9.3\t0.75\nPenta D\n9 0.4\n10 0.6\n\n\nvWA\n14\t1\n")
    db = read_frequencies(path)
    assert db.markers == ("TH01", "Penta D", "vWA")
    assert db["th01"] == (("6", "9.3"), pytest.approx([0.25, 0.75]))
    assert db["PENTA_D"][0] == ("9", "10")


@pytest.mark.parametrize(("text", "message"), [
    ("TH01\n6\t0.25\n9.3\tx\n",
     "line 3, marker 'TH01', allele '9.3': frequency 'x' is not a number"),
    ("TH01\n6\t0.25\n9.3\t-0.75\n",
     "line 3, marker 'TH01', allele '9.3': frequency '-0.75' must be positive"),
    ("TH01\n6\t0.25\n9.3\t0.7\n", "lines 2-3: marker 'TH01': frequencies sum to 0.95"),
    ("TH01\n6\t0.25\n6\t0.75\n", "duplicate alleles ['6']"),
    ("TH01\n6\t1\n\nTH01\n7\t1\n", "line 4, marker 'TH01': the marker appears twice"),
    ("TH01\n6\t1\n\nvWA\n", "marker 'vWA': the marker has no alleles"),
])
def test_a_bad_list_file_is_refused_with_file_line_marker_allele(
        tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(text)
    with pytest.raises((InputError, MarkerError)) as info:
        read_frequencies(path, layout="list")
    assert f"file '{path}'" in str(info.value)
    assert message in str(info.value)


def test_an_allele_line_before_any_marker_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.txt"
    path.write_text("6\t0.25\n")
    with pytest.raises(InputError, match=r"line 1: 'allele frequency' line '6\\t0.25' before "
                                         r"any marker name"):
        read_frequencies(path, layout="list")


def _search(folder: Path, out: Path, table: str) -> None:
    result = CliRunner().invoke(main, [
        "search", "--pedigrees", str(folder / "pedigrees.csv"), "--relatives",
        str(folder / "relatives.csv"), "--pm", str(folder / "pm.csv"), "--out", str(out),
        "--frequencies", table, "--mutation", "none"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr


def test_search_takes_familias_frequency_files(tmp_path: Path) -> None:
    """The search command with the bundled table, its .fam and its list file: same LRs."""
    bundled = load_frequencies(TABLE)
    markers = [m for m in bundled][:12]
    rng = np.random.default_rng(7)

    def draw(m: str) -> tuple[str, str]:
        alleles, freqs = bundled[m]
        a, b = rng.choice(len(alleles), size=2, p=freqs / freqs.sum())
        return alleles[a], alleles[b]

    father = {m: draw(m) for m in markers}
    mother = {m: draw(m) for m in markers}
    child = {m: (father[m][0], mother[m][1]) for m in markers}
    (tmp_path / "pedigrees.csv").write_text("family,id,father,mother,sex,missing\n"
                                            "FAM,F,,,M,0\nFAM,M,,,F,0\nFAM,MP,F,M,M,1\n")
    rows = ["sample,marker,allele1,allele2"]
    rows += [f"{who},{m},{a},{b}" for who, g in (("F", father), ("M", mother))
             for m, (a, b) in g.items()]
    (tmp_path / "relatives.csv").write_text("\n".join(rows) + "\n")
    rows = ["sample,marker,allele1,allele2"] + [f"PM-1,{m},{a},{b}" for m, (a, b) in
                                                 child.items()]
    (tmp_path / "pm.csv").write_text("\n".join(rows) + "\n")
    fam = _database_fam(bundled, tmp_path / "db.fam")
    listed = _list_file(bundled, tmp_path / "db.txt")
    runs = {}
    for name, table in (("bundled", TABLE), ("fam", str(fam)), ("list", str(listed))):
        out = tmp_path / f"out-{name}"
        _search(tmp_path, out, table)
        run = json.loads((out / "run.json").read_text())
        runs[name] = (run, pl.read_csv(out / "pairs.csv"))
    lrs = {name: pairs["log10_lr"].to_list() for name, (_, pairs) in runs.items()}
    # The exact engine on the same trio: the child's LR against an unrelated person, the PM
    # sample with the search's default dropout for a sample recorded without one.
    from forensic_match.config import DEFAULT_PM_DROPOUT
    from forensic_match.profiles import Observation

    apart = unrelated(["F", "M", "MP"], {"F": "M", "M": "F", "MP": "M"})
    exact = kinship_lr(trio("MP", "F", "M"), apart, bundled.markers_for(markers),
                       {"F": father, "M": mother, "MP": child},
                       observation={"MP": Observation(dropout=DEFAULT_PM_DROPOUT)})
    assert lrs["bundled"] == [pytest.approx(exact.log10_lr_total, rel=1e-9)]
    assert lrs["fam"] == lrs["bundled"] == lrs["list"]
    hashes = {run["frequencies_sha256"] for run, _ in runs.values()}
    assert len(hashes) == 1
