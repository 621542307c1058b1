"""``forensic-match snp-search`` end to end on small simulated data (linked/simulate.py)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
from click.testing import CliRunner
from snp_tables import snp_lines

from forensic_match.cli import main
from forensic_match.linked import load_force_panel
from forensic_match.linked.simulate import degrade, drop_genes
from forensic_match.pedigree import Pedigree

CHROMS = "17,18,19,20,21,22"
#: family rows: (id, father, mother, sex, missing)
FAMILY = [("GF", "", "", "M", 0), ("GM", "", "", "F", 0), ("FA", "GF", "GM", "M", 0),
          ("UN", "GF", "GM", "M", 0), ("MO", "", "", "F", 0), ("MP", "FA", "MO", "M", 1),
          ("AW", "", "", "F", 0), ("CO", "UN", "AW", "F", 0)]


def write_programme(tmp_path, n_families=4, seed=3):
    panel = load_force_panel()
    wanted = CHROMS.split(",")
    panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom) if c in wanted])
    ped = Pedigree.from_records([(i, f or None, m or None, s) for i, f, m, s, _ in FAMILY])
    rng = np.random.default_rng(seed)
    peds, refs, pms = ["family,id,father,mother,sex,missing"], \
        ["family,sample,marker,allele1,allele2"], ["sample,marker,allele1,allele2"]
    for k in range(n_families):
        fam = f"FAM{k}"
        peds += [f"{fam},{i},{f},{m},{s},{x}" for i, f, m, s, x in FAMILY]
        haps = drop_genes(ped, panel, rng)
        typed = ("UN", "GM") if k % 2 else ("CO", "UN")  # several references per family
        for ident in typed:
            codes = degrade(haps[ident], panel.freq_a1, rng, error=0.01, missing=0.1)
            refs += snp_lines(codes, panel, ident, fam)
        pm_codes = degrade(haps["MP"], panel.freq_a1, rng, error=0.01, missing=0.2)
        pms += snp_lines(pm_codes, panel, f"BONE{k}")
    paths = {}
    for name, lines in (("pedigrees", peds), ("references", refs), ("pm", pms)):
        paths[name] = tmp_path / f"{name}.csv"
        paths[name].write_text("\n".join(lines) + "\n")
    return paths


def test_snp_search_ranks_the_true_relatives_first(tmp_path):
    paths = write_programme(tmp_path)
    out = tmp_path / "out"
    common = ["snp-search", "--pedigrees", str(paths["pedigrees"]), "--references",
              str(paths["references"]), "--pm", str(paths["pm"]), "--chromosomes", CHROMS,
              "--fst", "0.01", "--min-snps", "50", "--top", "2"]
    args = common + ["--out", str(out)]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    best = pl.read_csv(out / "candidates_by_sample.csv").filter(pl.col("rank") == 1)
    assert best["pm"].to_list() == [f"BONE{k}" for k in range(4)]
    assert best["family"].to_list() == [f"FAM{k}" for k in range(4)]
    assert (best["missing"] == "MP").all()
    assert (best["log10_lr"] > 4).all()
    assert set(best["method"]) == {"family (exact)"}
    refs = pl.read_csv(out / "references.csv")
    assert dict(zip(refs["reference"], refs["relationship"])) == {
        "CO": "first cousins", "UN": "avuncular", "GM": "grandparent"}
    params = json.loads((out / "parameters.json").read_text())
    assert params["fst"] == 0.01 and params["pm_error"] == 0.01
    assert len(params["panel"]["sha256"]) == 64 and params["panel"]["chromosomes"] == \
        CHROMS.split(",")
    assert "deCODE 2019" in params["map_source"]
    assert params["inputs"]["pm"]["sha256"] and params["counts"]["families"] == 4
    assert params["counts"]["pm_without_candidates"] == 0
    # the same search with the map given explicitly, as Parquet: the same candidates
    from forensic_match.linked.panel import _data

    out2 = tmp_path / "out2"
    args2 = common + ["--out", str(out2), "--map", str(_data("decode2019_map.csv")),
                      "--format", "parquet", "-q"]
    result = CliRunner().invoke(main, args2, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    again = pl.read_parquet(out2 / "candidates_by_sample.parquet").filter(pl.col("rank") == 1)
    assert again["family"].to_list() == best["family"].to_list()
    assert "interpolated from map file" in json.loads(
        (out2 / "parameters.json").read_text())["map_source"]


def test_snp_search_refuses_a_reference_of_no_family(tmp_path):
    paths = write_programme(tmp_path, n_families=1)
    text = paths["references"].read_text().replace("FAM0,UN,", "FAM9,UN,", 1)
    paths["references"].write_text(text)
    result = CliRunner().invoke(main, [
        "snp-search", "--pedigrees", str(paths["pedigrees"]), "--references",
        str(paths["references"]), "--pm", str(paths["pm"]), "--out", str(tmp_path / "o"),
        "--chromosomes", CHROMS])
    assert result.exit_code == 1
    assert "sample 'UN': family 'FAM9' is not in the pedigree table" in result.output


def test_snp_search_reads_pm_genotype_likelihoods(tmp_path):
    """Bones sequenced at 4x given as a VCF with PL (or GL): each ranks its true family
    first; the option needs a VCF and refuses a dropout probability."""
    from snp_tables import vcf_text

    from forensic_match.linked.simulate import sequence_reads

    paths = write_programme(tmp_path)
    panel = load_force_panel()
    panel = panel.subset([m.name for m, c in zip(panel.markers, panel.chrom)
                          if c in CHROMS.split(",")])
    # the bones' true genotypes again: the same seed draws the same programme
    ped = Pedigree.from_records([(i, f or None, m or None, s) for i, f, m, s, _ in FAMILY])
    rng = np.random.default_rng(3)
    truth = {}
    for k in range(4):
        haps = drop_genes(ped, panel, rng)
        for ident in (("UN", "GM") if k % 2 else ("CO", "UN")):
            degrade(haps[ident], panel.freq_a1, rng, error=0.01, missing=0.1)
        degrade(haps["MP"], panel.freq_a1, rng, error=0.01, missing=0.2)
        truth[f"BONE{k}"] = haps["MP"].sum(axis=0)
    reads = np.random.default_rng(11)
    like = {b: sequence_reads(t, reads, depth=4.0, error=0.01)[0] for b, t in truth.items()}
    # 672 SNPs at 4x: a grandmother's and an uncle's screens can both fall below 1 for a
    # true bone whose exact family LR is ~1e17, so the screen is lowered here
    common = ["snp-search", "--pedigrees", str(paths["pedigrees"]), "--references",
              str(paths["references"]), "--chromosomes", CHROMS, "--fst", "0.01",
              "--min-snps", "50", "--top", "2", "--screen-threshold", "-3", "-q"]
    for field in ("PL", "GL"):
        vcf = tmp_path / f"pm_{field}.vcf"
        vcf.write_text(vcf_text(panel, like, field))
        out = tmp_path / f"out_{field}"
        result = CliRunner().invoke(main, common + ["--pm", str(vcf), "--pm-likelihoods",
                                                    "auto", "--out", str(out)],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        best = pl.read_csv(out / "candidates_by_sample.csv").filter(pl.col("rank") == 1)
        assert best["pm"].to_list() == [f"BONE{k}" for k in range(4)]
        assert best["family"].to_list() == [f"FAM{k}" for k in range(4)]
        assert (best["log10_lr"] > 4).all()
        params = json.loads((out / "parameters.json").read_text())
        assert params["pm_likelihoods"] == "auto"
        assert params["pm_input"] == "genotype likelihoods"
    result = CliRunner().invoke(main, common + ["--pm", str(paths["pm"]), "--pm-likelihoods",
                                                "PL", "--out", str(tmp_path / "x")])
    assert result.exit_code == 1 and "reads a VCF" in result.output
    result = CliRunner().invoke(main, common + ["--pm", str(vcf), "--pm-likelihoods", "GL",
                                                "--pm-dropout", "0.1", "--out",
                                                str(tmp_path / "y")])
    assert result.exit_code == 1 and "pm_dropout" in result.output


def test_snp_search_on_some_chromosomes_reads_the_others_without_warning(tmp_path):
    """--chromosomes leaves the other chromosomes' SNPs out of the analysis: they are the
    panel's, not unknown markers, so no warning; the result is that of files holding only the
    chosen chromosomes; a marker on no chromosome of the panel is still warned about."""
    paths = write_programme(tmp_path, n_families=1)
    panel = load_force_panel()
    chosen = {m.name for m, c in zip(panel.markers, panel.chrom) if c in ("21", "22")}
    only = {}
    for name in ("references", "pm"):
        lines = paths[name].read_text().splitlines()
        marker = lines[0].split(",").index("marker")
        only[name] = tmp_path / f"{name}_21_22.csv"
        only[name].write_text("\n".join([lines[0]] + [ln for ln in lines[1:]
                                                      if ln.split(",")[marker] in chosen])
                              + "\n")
        assert len(only[name].read_text().splitlines()) < len(lines)

    def run(refs, pm, out):
        result = CliRunner().invoke(main, [
            "snp-search", "--pedigrees", str(paths["pedigrees"]), "--references", str(refs),
            "--pm", str(pm), "--chromosomes", "21,22", "--min-snps", "20", "--out",
            str(tmp_path / out)], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output, pl.read_csv(tmp_path / out / "candidates.csv")

    said, got = run(paths["references"], paths["pm"], "all")
    assert "not in the panel" not in said
    _, want = run(only["references"], only["pm"], "only")
    assert got.equals(want) and got.height > 0
    extra = paths["pm"].read_text() + "BONE0,rs_not_a_panel_snp,A,G\n"
    paths["pm"].write_text(extra)
    said, _ = run(paths["references"], paths["pm"], "extra")
    assert "rs_not_a_panel_snp" in said and "not in the panel" in said


def test_snp_search_lists_a_body_typed_at_no_panel_snp(tmp_path):
    """A PM sample whose rows name no panel SNP was in no table and not counted (an outside
    check, 2026-12-06); it is now listed among the samples not searched."""
    paths = write_programme(tmp_path, n_families=1)
    paths["pm"].write_text(paths["pm"].read_text() + "BONE9,chr1:12345,A,G\n")
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [
        "snp-search", "--pedigrees", str(paths["pedigrees"]), "--references",
        str(paths["references"]), "--pm", str(paths["pm"]), "--chromosomes", CHROMS,
        "--min-snps", "20", "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "BONE9" in pl.read_csv(out / "not_searched.csv")["pm"].to_list()
    params = json.loads((out / "parameters.json").read_text())
    assert params["counts"]["pm_samples"] == 2
