"""Kinship cases with linked markers (FORMAT.md "Linked markers", ``"linkage": "map"``): read,
written back, computed as linked SNPs (against the enumeration oracle) and independent
markers, and refused where the linked model cannot take them."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner
from linked_oracle import oracle_family_likelihood

from forensic_match.cases import case_from_dict
from forensic_match.cli import main
from forensic_match.errors import InputError
from forensic_match.kinship import kinship_lr

SNPS = [  # name, chrom, mb, cm_male, cm_female, alleles, frequency of the first
    ("rsA", "1", 1.0, 0.0, 0.0, ["A", "G"], 0.3),
    ("rsB", "1", 5.0, 12.0, 20.0, ["C", "T"], 0.6),
    ("rsC", "1", 9.0, 30.0, 41.0, ["A", "C"], 0.45),
    ("rsD", "7", 2.0, 5.0, 8.0, ["G", "T"], 0.2),
]
STRS = [("TH01", ["6", "7", "9.3"], [0.3, 0.2, 0.5]), ("D8S1179", ["12", "13"], [0.4, 0.6])]
#: Half siblings (H1: a common father) against unrelated (H2).
H1 = [{"id": "F", "father": None, "mother": None, "sex": "M"},
      {"id": "M1", "father": None, "mother": None, "sex": "F"},
      {"id": "M2", "father": None, "mother": None, "sex": "F"},
      {"id": "A", "father": "F", "mother": "M1", "sex": "M"},
      {"id": "B", "father": "F", "mother": "M2", "sex": "F"}]
H2 = [{"id": "A", "father": None, "mother": None, "sex": "M"},
      {"id": "B", "father": None, "mother": None, "sex": "F"}]
GENOTYPES = {"A": {"rsA": ["A", "G"], "rsB": ["C", "C"], "rsC": ["A", "C"], "rsD": ["G", "T"],
                   "TH01": ["6", "9.3"], "D8S1179": ["12", "13"]},
             "B": {"rsA": ["A", "A"], "rsB": ["C", "T"], "rsD": ["T", "T"],
                   "TH01": ["9.3", "9.3"], "D8S1179": ["13", "13"]}}


def _case(linkage: str | None = "map", genotype_error: dict | None = None,
          strs: bool = True) -> dict:
    """The case; without ``strs`` nobody is typed at the independent markers."""
    markers = [{"name": n, "alleles": al, "frequencies": [p, 1 - p], "chrom": c, "mb": mb,
                "cm_male": cmm, "cm_female": cmf} for n, c, mb, cmm, cmf, al, p in SNPS]
    markers += [{"name": n, "alleles": al, "frequencies": f} for n, al, f in STRS]
    out = {"kind": "kinship", "id": "halfsibs", "markers": markers,
           "hypotheses": {"H1": {"pedigree": H1}, "H2": {"pedigree": H2}},
           "genotypes": GENOTYPES if strs else
           {i: {k: g for k, g in p.items() if k.startswith("rs")} for i, p in GENOTYPES.items()}}
    if linkage is not None:
        out["linkage"] = linkage
    if genotype_error is not None:
        out["genotype_error"] = genotype_error
    return out


def _oracle_log10(pedigree: list[dict], on: list[tuple], error: dict[str, float]) -> float:
    from forensic_match.pedigree import Pedigree

    ped = Pedigree.from_records(pedigree)
    typed = ["A", "B"]
    calls = []
    for person in typed:
        row = []
        for name, *_, alleles, _ in on:
            g = GENOTYPES[person].get(name)
            row.append(-1 if g is None else sum(a == alleles[0] for a in g))
        calls.append(row)
    like = oracle_family_likelihood(ped, typed, [s[6] for s in on], [s[1] for s in on],
                                    [s[3] for s in on], [s[4] for s in on], calls,
                                    [error.get(i, 0.0) for i in typed], [0.0, 0.0])
    return math.log10(like)


@pytest.mark.parametrize("error", [{}, {"A": 0.02, "B": 0.05}])
def test_linked_case_agrees_with_the_oracle_and_the_engine(error: dict) -> None:
    case = case_from_dict(_case(genotype_error=error or None, strs=not error))
    res = case.solve()
    for chrom in ("1", "7"):
        on = [s for s in SNPS if s[1] == chrom]
        want = _oracle_log10(H1, on, error) - _oracle_log10(H2, on, error)
        assert res.log10_lr_per_chromosome[chrom] == pytest.approx(want, rel=1e-9, abs=1e-12)
    strs = [m for m in case.markers if m.name in ("TH01", "D8S1179")]
    engine = kinship_lr(case.h1, case.h2, strs, {i: {k: g for k, g in p.items()
                                                    if k in ("TH01", "D8S1179")}
                                                for i, p in case.genotypes.items()})
    assert res.lr_per_marker == engine.lr_per_marker
    assert res.log10_lr_total == pytest.approx(
        engine.log10_lr_total + sum(res.log10_lr_per_chromosome.values()), rel=1e-12)
    assert res.snps == (3, 1)
    assert res.table.height == 4  # two markers, two chromosomes
    assert res.provenance["parameters"]["linkage"] == "map"


def test_without_linkage_the_markers_are_independent() -> None:
    case = case_from_dict(_case(linkage=None))
    res = case.solve()
    assert set(res.lr_per_marker) == {s[0] for s in SNPS} | {"TH01", "D8S1179"}
    far = _case()
    for k, spec in enumerate(far["markers"][:4]):  # 1,000 cM apart: unlinked in the limit
        spec.update(chrom="1", mb=float(k), cm_male=1000.0 * k, cm_female=1000.0 * k)
    linked = case_from_dict(far).solve()
    assert linked.log10_lr_total == pytest.approx(res.log10_lr_total, rel=1e-9)


def test_round_trip_keeps_linkage_positions_and_errors() -> None:
    data = _case(genotype_error={"B": 0.01}, strs=False)
    case = case_from_dict(data)
    assert case.linkage == "map" and case.positions["rsD"]["cm_female"] == 8.0
    again = case_from_dict(json.loads(json.dumps(case.to_dict())))
    assert (again.linkage, again.positions, again.genotype_error) == \
        (case.linkage, case.positions, case.genotype_error)
    assert again.solve().log10_lr_total == case.solve().log10_lr_total
    assert "linkage" not in case.extra and "genotype_error" not in case.extra


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(linkage="yes"), "'linkage' must be"),
    (lambda d: d["markers"][0].pop("cm_female"), "cm_female missing"),
    (lambda d: d["markers"][1].update(mb="near"), "must be numbers"),
    (lambda d: d.update(genotype_error={"A": 1.5}), "must lie in"),
    (lambda d: d.update(genotype_error=[0.01]), "must map individuals"),
])
def test_bad_linkage_fields_are_refused_on_reading(change, message: str) -> None:
    data = copy.deepcopy(_case())
    change(data)
    with pytest.raises(InputError, match=message):
        case_from_dict(data)


def test_what_the_linked_model_cannot_take_is_refused() -> None:
    data = _case()
    data["markers"][4].update(chrom="2", mb=1.0, cm_male=1.0, cm_female=1.0)  # an STR
    with pytest.raises(InputError, match="marker 'TH01'.*biallelic"):
        case_from_dict(data).solve()
    data = _case()
    data["markers"][0]["mutation"] = {"model": "equal", "female": {"rate": 0.01},
                                      "male": {"rate": 0.01}}
    with pytest.raises(InputError, match="marker 'rsA'.*mutation"):
        case_from_dict(data).solve()
    with pytest.raises(InputError, match="sample 'A', marker 'D8S1179'.*genotype_error"):
        case_from_dict(_case(genotype_error={"A": 0.01})).solve()
    with pytest.raises(InputError, match="genotype_error is modelled on linked markers"):
        case_from_dict(_case(linkage=None, genotype_error={"A": 0.01})).solve()


def test_identification_datasets_refuse_linked_markers() -> None:
    snp = {"name": "rsA", "alleles": ["A", "G"], "frequencies": [0.3, 0.7], "chrom": "1",
           "mb": 1.0, "cm_male": 0.0, "cm_female": 0.0}
    base = {"kind": "dvi", "markers": [snp], "pm": [], "am": []}
    case_from_dict(base)  # positions without linkage: independent markers
    with pytest.raises(InputError, match="linked markers"):
        case_from_dict(dict(base, linkage="map"))
    with pytest.raises(InputError, match="genotype_error is modelled on linked markers"):
        case_from_dict(dict(base, genotype_error={"PM1": 0.01}))


def test_lr_command_reports_the_chromosomes(tmp_path: Path) -> None:
    path = tmp_path / "case.json"
    path.write_text(json.dumps(_case()))
    out = CliRunner().invoke(main, ["lr", str(path)])
    assert out.exit_code == 0, out.output
    record = json.loads(out.output.strip().splitlines()[-1])
    want = case_from_dict(_case()).solve()
    assert record["log10_lr_per_chromosome"] == pytest.approx(want.log10_lr_per_chromosome)
    assert record["log10_lr_total"] == pytest.approx(want.log10_lr_total)
    assert set(record["lr_per_marker"]) == {"TH01", "D8S1179"}


@pytest.mark.parametrize("relationship", ["first cousins", "half siblings"])
def test_a_force_panel_case_is_the_pairwise_linked_lr(relationship: str) -> None:
    """A simulated pair over three chromosomes of the FORCE panel, 30 % missing calls and 1 %
    error, written as a FORMAT.md case: the case's LR (family model, chromosome by chromosome)
    is the pairwise HMM's (``linked_kinship_lr``)."""
    import numpy as np

    from forensic_match.linked import RELATIONSHIPS, linked_kinship_lr, load_force_panel
    from forensic_match.linked.simulate import simulate_pair

    full = load_force_panel()
    panel = full.subset([m.name for m, c in zip(full.markers, full.chrom)
                         if str(c) in ("1", "2", "3")])
    h1 = RELATIONSHIPS[relationship].pedigree()
    a, b = simulate_pair(h1, "A", "B", panel, np.random.default_rng(5), error=0.01,
                         missing=0.3)

    def profile(codes: np.ndarray) -> dict:
        return {m.name: [m.alleles[0] if c >= 1 else m.alleles[1],
                         m.alleles[0] if c == 2 else m.alleles[1]]
                for m, c in zip(panel.markers, codes.tolist()) if c >= 0}

    markers = [{"name": m.name, "alleles": list(m.alleles),
                "frequencies": [float(x) for x in m.frequencies], "chrom": str(c),
                "mb": float(mb), "cm_male": float(cm), "cm_female": float(cf)}
               for m, c, mb, cm, cf in zip(panel.markers, panel.chrom, panel.mb,
                                           panel.cm_male, panel.cm_female)]
    h2 = [{"id": i, "father": None, "mother": None, "sex": h1.sex_of(i)} for i in "AB"]
    errors = {"A": 0.01, "B": 0.01}
    case = case_from_dict({"kind": "kinship", "id": "pair", "linkage": "map",
                           "markers": markers,
                           "hypotheses": {"H1": {"pedigree": h1.to_dicts()},
                                          "H2": {"pedigree": h2}},
                           "genotypes": {"A": profile(a), "B": profile(b)},
                           "genotype_error": errors})
    pair = linked_kinship_lr(h1, None, panel, {"A": profile(a), "B": profile(b)}, first="A",
                             second="B", genotype_error=errors)
    res = case.solve()
    assert res.log10_lr_total == pytest.approx(pair.log10_lr, rel=1e-9, abs=1e-10)
    assert len(res.chromosomes) == 3 and sum(res.snps) == len(panel)


@pytest.mark.parametrize("chrom", ["X", "Y", "MT", "23", "XY"])
def test_markers_off_the_autosomes_are_refused(chrom: str) -> None:
    """The linked model is autosomal: an X (or Y, mitochondrial) SNP in a linked case is
    refused, naming the marker, never computed as if it were on an autosome."""
    data = _case()
    data["markers"][3]["chrom"] = chrom
    with pytest.raises(InputError, match=f"marker 'rsD': chromosome '{chrom}'.*autosomal"):
        case_from_dict(data).solve()


def test_autosome_labels() -> None:
    from forensic_match.linked.panel import is_autosome

    assert all(is_autosome(c) for c in ("1", "22", "chr7", "CHR7", "07", 7))
    assert not any(is_autosome(c) for c in ("0", "23", "X", "chrX", "Y", "MT", "1p", ""))


def test_a_panel_file_with_an_x_marker_is_refused(tmp_path: Path) -> None:
    from forensic_match.linked.panel import read_panel

    path = tmp_path / "panel.csv"
    path.write_text("chrom,marker,mb,a1,a2,freq_a1,cm_male,cm_female\n"
                    "1,rs1,1.0,A,G,0.3,0.0,0.0\nX,rsX,2.0,C,T,0.4,1.0,2.0\n")
    with pytest.raises(InputError, match="marker 'rsX': chromosome 'X'"):
        read_panel(path)
