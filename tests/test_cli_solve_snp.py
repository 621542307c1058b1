"""``forensic-match solve`` with SNP tables (``--snp-references``, ``--snp-pm``): the
identifications the command prints are ``identify(snp=...)``'s on the same files, the JSON
names the SNP model and inputs, and half-given SNP options are refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from snp_tables import snp_lines

from forensic_match.cases import load_case
from forensic_match.cli import main
from forensic_match.dvi.identify import identify
from forensic_match.dvi.simulate import simulate_programme
from forensic_match.linked import load_force_panel
from forensic_match.linked.genotypes import read_snp_reference_genotypes, read_snp_samples
from forensic_match.linked.scores import SnpData
from forensic_match.linked.simulate import simulate_programme_snps

CHROMS = "17,18,19,20,21,22"


@pytest.fixture(scope="module")
def files(markers, tmp_path_factory):
    """A programme of 16 families whose one reference is a first cousin, its dataset JSON and
    its SNP tables (chromosomes 17-22 of the FORCE panel, 10% missing PM calls)."""
    folder = tmp_path_factory.mktemp("solve_snp")
    panel = load_force_panel()
    wanted = CHROMS.split(",")
    panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in wanted])
    prog = simulate_programme(16, 16, markers=markers, seed=5, shapes=["cousin"],
                              missing_per_family=(1, 1), fragments=0.0, unrelated=0.2)
    snp = simulate_programme_snps(prog, panel, np.random.default_rng(6), pm_missing=0.1)
    prog.save(folder / "programme.json")
    refs = ["family,sample,marker,allele1,allele2"]
    for fid, members in snp.references.items():
        for ident, codes in members.items():
            refs += snp_lines(codes, panel, ident, fid)
    pms = ["sample,marker,allele1,allele2"]
    for sample, codes in snp.pm.items():
        pms += snp_lines(codes, panel, sample)
    (folder / "refs.csv").write_text("\n".join(refs) + "\n")
    (folder / "pm.csv").write_text("\n".join(pms) + "\n")
    return folder, panel


def _solve(folder, *options):
    res = CliRunner().invoke(main, ["solve", str(folder / "programme.json"),
                                    "--snp-references", str(folder / "refs.csv"),
                                    "--snp-pm", str(folder / "pm.csv"),
                                    "--snp-chromosomes", CHROMS, "--snp-fst", "0.01",
                                    *options])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


def _direct(folder, panel, **options):
    ds = load_case(str(folder / "programme.json"))
    keys, codes = read_snp_reference_genotypes(folder / "refs.csv", panel)
    ids, pm_codes = read_snp_samples(folder / "pm.csv", panel)
    snp = SnpData.from_codes(panel, ids, pm_codes, keys, codes)
    return identify(ds.am, ds.pm, ds.markers, min_markers=1, theta=ds.theta, snp=snp,
                    snp_options={"fst": 0.01}, **options)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_solve_adds_the_snp_lr_as_identify_does(files):
    folder, panel = files
    out = _solve(folder, "--closed", "--reference-kin", "0")
    direct = _direct(folder, panel, closed=True, reference_kin=0.0)
    got = {(r["pm"], r["missing"]): r for r in out["identifications"]}
    want = {(r["pm"], r["missing"]): r for r in direct.identifications.iter_rows(named=True)}
    assert got.keys() == want.keys() and len(got) >= 4      # SNPs identify through cousins
    for key, r in want.items():
        assert got[key]["snp_log10_lr"] == pytest.approx(r["snp_log10_lr"], rel=1e-9)
        assert got[key]["snp_log10_lr"] > 0
        assert got[key]["posterior"] == pytest.approx(r["posterior"], rel=1e-9)
        assert got[key]["snp_method"] == r["snp_method"]
    assert out["snp"]["fst"] == 0.01 and out["snp"]["panel"]["snps"] == len(panel)
    assert set(out["snp"]["inputs"]) == {"references", "pm"}
    assert all(len(v["sha256"]) == 64 for v in out["snp"]["inputs"].values())
    assert any(n.startswith("snp: ") for n in out["notes"])
    # by default the references' own relatives are hypotheses too: solve as identify
    out = _solve(folder)
    direct = _direct(folder, panel)
    assert [(r["pm"], r["missing"]) for r in out["identifications"]] == \
        direct.identifications.select("pm", "missing").rows()
    assert [(r["pm"], r["family"]) for r in out["family_level"]] == \
        direct.family_level.select("pm", "family").rows()
    assert out["priors"]["reference_kin"] == 1.0


def test_solve_refuses_half_given_snp_input(files):
    folder, _ = files
    data = str(folder / "programme.json")
    res = CliRunner().invoke(main, ["solve", data, "--snp-pm", str(folder / "pm.csv")])
    assert res.exit_code == 1 and "given together" in res.stderr
    res = CliRunner().invoke(main, ["solve", data, "--snp-fst", "0.02"])
    assert res.exit_code == 1 and "--snp-fst: need --snp-references and --snp-pm" in res.stderr
