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


#: Spanish and Quechua names and ids that must be read as written (no UTF-8 read as
#: Windows-1252 in them).
ANDEAN_NAMES = ["Huamán", "Ñahui", "ÑAH-FA", "Condorí", "Túpac", "Cusihuamán", "Quispe Ñaupa",
                "Muñoz", "Güiza", "Pérez López", "ÁLVAREZ", "ÍÑIGO", "Ñuñez", "Ccori Ñusta",
                "Ayacucho–Huanta", "K’ana", "JOÃO", "Â", "Ã", "Nº 3", "Túpac Amaru Ü"]


def ansi(text: str) -> str:
    """``text`` as Excel shows a CSV UTF-8 opened as ANSI (Windows-1252), which it then saves
    as UTF-8: each byte of a non-ASCII letter becomes a character (the five bytes
    Windows-1252 leaves undefined become the C1 control of the same number, as Windows reads
    them)."""
    return "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b)
                   for b in text.encode("utf-8"))


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


#: Mitotypes of the example records for :func:`lab_tables_with_y_rows` with ``mtdna``, in
#: the dataset's JSON form (``pm[].mtdna`` / ``am[].mtdna``): the mother of F1's missing
#: person, the mother of F2 and two PM samples.
LAB_MITOTYPES = {
    "F1-MO": {"range": [[16024, 16569], [1, 576]],
              "variants": ["16189C", "16223T", "16311C", "263G", "309.1C", "315.1C", "73G"]},
    "F2-MO": {"range": [[16024, 16365], [73, 340]],
              "variants": ["16129A", "16223T", "73G", "263G", "249d"]},
    "PM-001": {"range": [[16024, 16569], [1, 576]],
               "variants": ["16189Y", "16223T", "263G", "315.1C", "73G"]},
    "PM-002": {"range": [[16024, 16400], [60, 400]],
               "variants": ["16129A", "16223T", "73G", "263G", "249d", "16311C"]},
}


def call_profiles(markers: list, calls: dict) -> dict[str, dict[str, tuple[str, str]]]:
    """Profiles for the exact engine from call-code vectors of the linked-SNP simulator
    (``{id: codes}``; a code counts copies of the first allele, -1 missing: left out)."""
    return {ident: {m.name: (m.alleles[0] if c >= 1 else m.alleles[1],
                             m.alleles[0] if c == 2 else m.alleles[1])
                    for m, c in zip(markers, codes) if c >= 0}
            for ident, codes in calls.items()}


def _mt_cells(raw: dict) -> tuple[str, str]:
    """The range and variant cells of an mtDNA row for a JSON mitotype."""
    return (";".join(f"{a}-{b}" for a, b in raw["range"]), " ".join(raw["variants"]))


def lab_tables_with_y_rows(tmp_path: Path, *, as_dataset_key: bool = False,
                           mtdna: bool = False) -> dict[str, Path]:
    """The example laboratory tables (``datasets/examples/records``) copied to ``tmp_path``
    with Y-STR rows for the father of family F1 and for PM-001 (the rows a lab export
    carries), and a lineage file with a three-locus panel and a toy database ("ytoy"),
    bare or, with ``as_dataset_key``, as the ``"lineage"`` key of a dataset. With ``mtdna``,
    ``mtDNA`` rows of :data:`LAB_MITOTYPES` too (relatives in the long layout, PM samples in
    the CE layout with the variants over two allele cells) and a toy mtDNA database
    ("mttoy") in the lineage file. Returns the paths by name (pedigrees, relatives,
    pm_genotypes, pm_samples, lineage)."""
    records = Path(__file__).resolve().parents[1] / "datasets" / "examples" / "records"
    for name in ("pedigrees.csv", "pm_samples.csv"):
        shutil.copy(records / name, tmp_path / name)
    y = {"DYS391": "10", "DYS576": "18", "DYS389II": "29"}
    rel = (records / "relatives.csv").read_text(encoding="utf-8")
    rel += "".join(f"F1-FA,{k},{v},\n" for k, v in y.items())
    if mtdna:
        rel += "".join(f"{i},mtDNA,{','.join(_mt_cells(LAB_MITOTYPES[i]))}\n"
                       for i in ("F1-MO", "F2-MO"))
    (tmp_path / "relatives.csv").write_text(rel, encoding="utf-8")
    pm = (records / "pm_genotypes.csv").read_text(encoding="utf-8")
    pm += "".join(f"A01_PM-001.fsa,PM-001,Yfiler,{k},VIC,{v},,,100,,,1500,,\n"
                  for k, v in y.items())
    if mtdna:
        for i in ("PM-001", "PM-002"):
            ranges, variants = _mt_cells(LAB_MITOTYPES[i])
            half = variants.split()
            pm += (f"mt_{i}.ab1,{i},mtDNA CR,mtDNA,,{ranges},{' '.join(half[:3])},"
                   f"{'; '.join(half[3:])},,,,,,\n")
    (tmp_path / "pm_genotypes.csv").write_text(pm, encoding="utf-8")
    lineage = {"ystr": {
        "markers": [{"name": "DYS391", "copies": 1, "rate": 0.0025},
                    {"name": "DYS576", "copies": 1, "rate": 0.0143},
                    {"name": "DYS389II", "copies": 1, "rate": 0.0040}],
        "database": {"name": "ytoy", "haplotypes": [
            {"DYS391": [str(a)], "DYS576": [str(b)], "DYS389II": ["29"]}
            for a in (9, 10, 11, 12) for b in (16, 17, 19)]}}}
    if mtdna:
        base = ["16223T", "73G", "263G"]
        lineage["mtdna"] = {"database": {"name": "mttoy", "mitotypes": [
            {"range": [[16024, 16569], [1, 576]], "variants": base + extra}
            for extra in ([], ["16189C"], ["16129A"], ["16129A", "249d"], ["16311C"],
                          ["16189C", "315.1C"], ["16129A", "16311C", "249d"], ["152C"])]}}
    text = json.dumps({"lineage": lineage} if as_dataset_key else lineage)
    (tmp_path / "lineage.json").write_text(text, encoding="utf-8")
    return {name: tmp_path / f"{name}.{'json' if name == 'lineage' else 'csv'}"
            for name in ("pedigrees", "relatives", "pm_genotypes", "pm_samples", "lineage")}


def damaged_npz(path: Path, member: str) -> list[bytes]:
    """Two damaged copies of the (uncompressed) ``.npz`` at ``path``: the last data byte of
    array ``member`` flipped (not a header byte the reader never checks), and the file cut in
    half."""
    import zipfile

    whole = path.read_bytes()
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    at = info.header_offset + 30 + len(info.filename) + info.file_size - 1
    return [whole[:at] + bytes([whole[at] ^ 0x01]) + whole[at + 1:], whole[: len(whole) // 2]]



def theta_programme(model: str, n_markers: int):
    """A small simulated programme for theta compile tests: 12 families with the simulator's
    shapes (aunt and cousin, nephew among them), 4 bodies, the first ``n_markers`` markers of
    ``fbi2015_sw_hispanic`` with ``model`` (female 0.0005, male 0.002 per meiosis). Returns
    the dataset and its prepared panel."""
    from forensic_match.dvi.identify import prepare_panel
    from forensic_match.dvi.simulate import simulate_programme
    from forensic_match.frequencies import load_frequencies
    from forensic_match.mutation import Mutation, MutationModel

    db = load_frequencies("fbi2015_sw_hispanic")
    mutation = Mutation(female=MutationModel(model, rate=0.0005),
                        male=MutationModel(model, rate=0.002))
    markers = db.markers_for(db.markers[:n_markers], mutation=mutation)
    ds = simulate_programme(12, 4, markers=markers, seed=3).dataset
    return ds, prepare_panel(ds.markers, ds.am, ds.pm)
