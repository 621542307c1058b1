"""Identification datasets with linked markers in their marker list (FORMAT.md ``"linkage":
"map"``): refused unless read with ``linked=True``, then split into the independent markers
and SNP data; ``solve`` on such a dataset gives what ``solve`` gives on the same data as
separate SNP tables."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from click.testing import CliRunner
from snp_tables import snp_lines

from forensic_match.cases import case_from_dict, load_case
from forensic_match.cli import main
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.errors import InputError
from forensic_match.linked import load_force_panel
from forensic_match.linked.simulate import simulate_programme_snps

CHROMS = ("17", "18", "19", "20", "21", "22")


def _genotype(m, c: int) -> list[str]:
    a1, a2 = m.alleles
    return [a1, a1] if c == 2 else [a1, a2] if c == 1 else [a2, a2]


@pytest.fixture(scope="module")
def files(markers, tmp_path_factory):
    """A programme of 12 families whose one reference is a first cousin: its dataset with the
    SNPs (chromosomes 17-22 of the FORCE panel) in its marker list, and the same data as a
    dataset of STRs with SNP tables beside it."""
    folder = tmp_path_factory.mktemp("linked_dataset")
    full = load_force_panel()
    panel = full.subset([m.name for m, c in zip(full.markers, full.chrom) if c in CHROMS])
    prog = simulate_programme(12, 12, markers=markers, seed=8, shapes=["cousin"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(9), pm_missing=0.1)
    prog.save(folder / "programme.json")
    refs, pms = ["family,sample,marker,allele1,allele2"], ["sample,marker,allele1,allele2"]
    data = json.loads((folder / "programme.json").read_text())
    data["linkage"] = "map"
    data["markers"] += [{"name": m.name, "alleles": list(m.alleles),
                         "frequencies": [float(x) for x in m.frequencies], "chrom": str(c),
                         "mb": float(mb), "cm_male": float(cm), "cm_female": float(cf)}
                        for m, c, mb, cm, cf in zip(panel.markers, panel.chrom, panel.mb,
                                                    panel.cm_male, panel.cm_female)]
    families = {f["family"]: f for f in data["am"]}
    for fid, members in snp.references.items():
        for ident, codes in members.items():
            refs += snp_lines(codes, panel, ident, fid)
            families[fid]["genotypes"].setdefault(ident, {}).update(
                {m.name: _genotype(m, c) for m, c in zip(panel.markers, codes) if c >= 0})
    samples = {s["id"]: s for s in data["pm"]}
    for sample, codes in snp.pm.items():
        pms += snp_lines(codes, panel, sample)
        samples[sample]["genotypes"].update(
            {m.name: _genotype(m, c) for m, c in zip(panel.markers, codes) if c >= 0})
    (folder / "linked.json").write_text(json.dumps(data))
    (folder / "refs.csv").write_text("\n".join(refs) + "\n")
    (folder / "pm.csv").write_text("\n".join(pms) + "\n")
    return folder, data, snp


def test_reading_splits_the_linked_markers(files) -> None:
    folder, data, snp = files
    with pytest.raises(InputError, match="linked markers"):
        load_case(folder / "linked.json")
    ds = load_case(folder / "linked.json", linked=True)
    plain = load_case(folder / "programme.json")
    assert [m.name for m in ds.markers] == [m.name for m in plain.markers]
    assert [s.genotypes for s in ds.pm] == [s.genotypes for s in plain.pm]
    assert [f.genotypes for f in ds.am] == [f.genotypes for f in plain.am]
    assert ds.snp.panel.chromosomes == CHROMS
    for sample, codes in snp.pm.items():
        assert np.array_equal(ds.snp.pm[sample], codes)
    for fid, members in snp.references.items():
        for ident, codes in members.items():
            assert np.array_equal(ds.snp.references[fid][ident], codes)
    assert ds.snp_options == {}
    with pytest.raises(InputError, match="not written back"):
        ds.to_dict()


def test_genotype_errors_become_the_snp_options(files) -> None:
    _, data, snp = files
    pm_ids = list(snp.pm)
    refs = [i for members in snp.references.values() for i in members]
    good = dict(copy.deepcopy(data), genotype_error={**{i: 0.02 for i in pm_ids},
                                                     **{i: 0.005 for i in refs}})
    ds = case_from_dict(good, linked=True)
    assert ds.snp_options == {"pm_error": 0.02, "reference_error": 0.005}
    uneven = dict(copy.deepcopy(data), genotype_error={pm_ids[0]: 0.02})
    with pytest.raises(InputError, match="differs among the PM samples"):
        case_from_dict(uneven, linked=True)
    stranger = dict(copy.deepcopy(data), genotype_error={"nobody": 0.02})
    with pytest.raises(InputError, match="typed at no linked marker"):
        case_from_dict(stranger, linked=True)
    alone = copy.deepcopy(data)
    alone["markers"] = [m for m in alone["markers"] if "chrom" in m]
    with pytest.raises(InputError, match="every marker is linked"):
        case_from_dict(alone, linked=True)


def _panel_csv(path):
    """The FORCE panel's SNPs of :data:`CHROMS` as a panel file ('solve --snp-panel')."""
    full = load_force_panel()
    lines = ["chrom,marker,mb,a1,a2,freq_a1,cm_male,cm_female"]
    for m, c, mb, cm, cf in zip(full.markers, full.chrom, full.mb, full.cm_male,
                                full.cm_female):
        if c in CHROMS:
            lines.append(f"{c},{m.name},{float(mb)!r},{m.alleles[0]},{m.alleles[1]},"
                         f"{float(m.frequencies[0])!r},{float(cm)!r},{float(cf)!r}")
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_solve_reads_the_linked_markers_as_snp_tables(files, tmp_path) -> None:
    folder, _, _ = files
    panel_csv = _panel_csv(tmp_path / "panel.csv")
    common = ["--closed", "--reference-kin", "0", "--snp-fst", "0.01"]
    linked = CliRunner().invoke(main, ["solve", str(folder / "linked.json"), *common])
    assert linked.exit_code == 0, linked.output
    tables = CliRunner().invoke(main, ["solve", str(folder / "programme.json"), *common,
                                       "--snp-references", str(folder / "refs.csv"),
                                       "--snp-pm", str(folder / "pm.csv"),
                                       "--snp-panel", str(panel_csv)])
    assert tables.exit_code == 0, tables.output
    got, want = json.loads(linked.stdout), json.loads(tables.stdout)
    assert got["identifications"] == want["identifications"]
    assert got["identifications"]  # through cousins: the SNPs carry them
    assert all(r["snp_log10_lr"] > 2 for r in got["identifications"])
    assert got["pairwise"] == want["pairwise"] and got["am_table"] == want["am_table"]
    assert got["snp"]["inputs"]["dataset"]["path"] == str(folder / "linked.json")
    refused = CliRunner().invoke(main, ["solve", str(folder / "linked.json"),
                                        "--snp-pm", str(folder / "pm.csv")])
    assert refused.exit_code == 1 and "carries its own linked markers" in refused.output


def _stored(db) -> tuple[dict, list[dict], int]:
    """A store's proposals with their SNP part (by pm, family, missing), its runs' inputs and
    counts in order, and the number of stored SNP call versions."""
    import sqlalchemy as sa

    from forensic_match.store import CaseStore, schema

    p, s = schema.proposals, schema.proposal_snp
    with CaseStore(db) as store, store.reading() as conn:
        rows = conn.execute(sa.select(p, s.c.log10_lr.label("snp_log10_lr"))
                            .join(s, s.c.proposal_id == p.c.proposal_id, isouter=True)
                            ).mappings().all()
        runs = [dict(r) for r in conn.execute(sa.select(schema.runs.c.inputs,
                                                        schema.runs.c.counts)
                                              .order_by(schema.runs.c.started_at)).mappings()]
        calls = conn.execute(sa.select(sa.func.count()).select_from(schema.snp_calls)
                             ).scalar_one()
    proposals = {(r["pm"], r["family_id"], r["missing"]): dict(r) for r in rows}
    return proposals, [{k: json.loads(v) for k, v in r.items()} for r in runs], calls


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_run_stores_the_linked_markers_as_snp_calls(files, tmp_path) -> None:
    """``run --store`` on a dataset with linked markers stores and weighs its SNP calls as
    ``run --store`` on the STR dataset with the same calls as SNP tables: the same proposals,
    posteriors and SNP LRs; the dataset's sha256 recorded as the SNP input; the same night
    again changes nothing; SNP tables beside such a dataset refused."""
    folder, _, snp = files
    panel_csv = _panel_csv(tmp_path / "panel.csv")
    config = tmp_path / "lab.toml"
    config.write_text("[identify]\nclosed = true\n")
    common = ["--no-tables", "-q", "--config", str(config), "--snp-fst", "0.01"]
    linked_db, tables_db = tmp_path / "linked.db", tmp_path / "tables.db"
    linked = CliRunner().invoke(main, ["run", str(folder / "linked.json"), "--store",
                                       str(linked_db), *common])
    assert linked.exit_code == 0, linked.output
    tables = CliRunner().invoke(main, ["run", str(folder / "programme.json"), "--store",
                                       str(tables_db), *common,
                                       "--snp-references", str(folder / "refs.csv"),
                                       "--snp-pm", str(folder / "pm.csv"),
                                       "--snp-panel", str(panel_csv)])
    assert tables.exit_code == 0, tables.output
    got, got_runs, got_calls = _stored(linked_db)
    want, _, want_calls = _stored(tables_db)
    n_typed = len(snp.pm) + sum(len(v) for v in snp.references.values())
    assert got_calls == want_calls == n_typed
    assert got.keys() == want.keys() and len(got) > 0
    for key, row in got.items():
        assert row["snp_log10_lr"] is not None and row["snp_log10_lr"] > 2  # cousins
        for col in ("log10_lr", "posterior", "snp_log10_lr"):
            assert row[col] == pytest.approx(want[key][col], rel=1e-9, abs=1e-15)
    from forensic_match.store.runs import _sha256_file

    assert got_runs[0]["inputs"]["snp"] == {
        "dataset": {"path": str(folder / "linked.json"),
                    "sha256": _sha256_file(folder / "linked.json")}}
    again = CliRunner().invoke(main, ["run", str(folder / "linked.json"), "--store",
                                      str(linked_db), *common])
    assert again.exit_code == 0, again.output
    _, runs, calls = _stored(linked_db)
    assert calls == n_typed
    assert runs[1]["counts"]["new_proposals"] == 0 and runs[1]["counts"]["flagged"] == 0
    refused = CliRunner().invoke(main, ["run", str(folder / "linked.json"), "--store",
                                        str(tmp_path / "refused.db"), *common,
                                        "--snp-pm", str(folder / "pm.csv")])
    assert refused.exit_code == 1 and "carries its own linked markers" in refused.output
