"""Small helpers shared by the record-reading tests."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path


def fragment(*parts: str) -> str:
    """A ``match`` pattern requiring each literal part, in order."""
    return ".*".join(re.escape(p) for p in parts)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def untyped_ancestry(records: list, ident: str, sex: str, depth: int) -> None:
    """Append to ``records`` the pedigree records of ``ident`` and its full ancestry
    ``depth`` generations back (``ident + "f"``, ``ident + "m"``, ...), parents first: a
    binary tree whose ``2^depth`` founders each pass one allele down."""
    if depth == 0:
        records.append((ident, None, None, sex))
        return
    untyped_ancestry(records, ident + "f", "M", depth - 1)
    untyped_ancestry(records, ident + "m", "F", depth - 1)
    records.append((ident, ident + "f", ident + "m", sex))


def lab_tables_with_y_rows(tmp_path: Path, *, as_dataset_key: bool = False,
                           ) -> dict[str, Path]:
    """The example laboratory tables (``datasets/examples/records``) copied to ``tmp_path``
    with Y-STR rows for the father of family F1 and for PM-001 (the rows a lab export
    carries), and a lineage file with a three-locus panel and a toy database ("ytoy"),
    bare or, with ``as_dataset_key``, as the ``"lineage"`` key of a dataset. Returns the
    paths by name (pedigrees, relatives, pm_genotypes, pm_samples, lineage)."""
    records = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "records"
    for name in ("pedigrees.csv", "pm_samples.csv"):
        shutil.copy(records / name, tmp_path / name)
    y = {"DYS391": "10", "DYS576": "18", "DYS389II": "29"}
    rel = (records / "relatives.csv").read_text(encoding="utf-8")
    rel += "".join(f"F1-FA,{k},{v},\n" for k, v in y.items())
    (tmp_path / "relatives.csv").write_text(rel, encoding="utf-8")
    pm = (records / "pm_genotypes.csv").read_text(encoding="utf-8")
    pm += "".join(f"A01_PM-001.fsa,PM-001,Yfiler,{k},VIC,{v},,,100,,,1500,,\n"
                  for k, v in y.items())
    (tmp_path / "pm_genotypes.csv").write_text(pm, encoding="utf-8")
    lineage = {"ystr": {
        "markers": [{"name": "DYS391", "copies": 1, "rate": 0.0025},
                    {"name": "DYS576", "copies": 1, "rate": 0.0143},
                    {"name": "DYS389II", "copies": 1, "rate": 0.0040}],
        "database": {"name": "ytoy", "haplotypes": [
            {"DYS391": [str(a)], "DYS576": [str(b)], "DYS389II": ["29"]}
            for a in (9, 10, 11, 12) for b in (16, 17, 19)]}}}
    text = json.dumps({"lineage": lineage} if as_dataset_key else lineage)
    (tmp_path / "lineage.json").write_text(text, encoding="utf-8")
    return {name: tmp_path / f"{name}.{'json' if name == 'lineage' else 'csv'}"
            for name in ("pedigrees", "relatives", "pm_genotypes", "pm_samples", "lineage")}
