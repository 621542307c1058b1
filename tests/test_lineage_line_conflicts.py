"""Lineage data an outside check (2026-12-06) found read as an exclusion or two ways
(``docs/lineage.md``): references on one line that the model cannot hold together, a
heteroplasmy sharing no base under the subpopulation correction, ``73.0G``, and a female
body with Y alleles in a dataset."""

from __future__ import annotations

import math

import numpy as np
import pytest

from forensic_match.cases import case_from_dict
from forensic_match.errors import ForensicMatchWarning, InputError
from forensic_match.lineage.fast import LineageCache, RowScorer
from forensic_match.lineage.lr import lineage_lr
from forensic_match.lineage.mtdna import parse_mitotype

_AUTOSOMAL = [{"name": "D3", "alleles": ["14", "15"], "frequencies": [0.5, 0.5],
               "mutation": None}]


def _person(ident, father=None, mother=None, sex="M"):
    return {"id": ident, "father": father, "mother": mother, "sex": sex}


def _y_dataset(father: str, uncle: str) -> dict:
    """A missing man MP whose father FA and paternal uncle UN are typed for Y-STRs."""
    ped = [_person("GF"), _person("GM", sex="F"), _person("FA", "GF", "GM"),
           _person("UN", "GF", "GM"), _person("MO", sex="F"), _person("MP", "FA", "MO")]
    return {"kind": "dvi", "id": "y", "markers": _AUTOSOMAL,
            "lineage": {"ystr": {
                "markers": [{"name": "DYS458", "copies": 1, "rate": 0.008},
                            {"name": "DYS391", "copies": 1, "rate": 0.0025}],
                "database": {"name": "db", "haplotypes": [
                    {"DYS458": ["17"], "DYS391": ["10"]}, {"DYS458": ["18"], "DYS391": ["11"]}]}}},
            "pm": [{"id": "V1", "sex": "M", "genotypes": {},
                    "ystr": {"DYS458": [father], "DYS391": ["10"]}},
                   {"id": "V2", "sex": "M", "genotypes": {},
                    "ystr": {"DYS458": [uncle], "DYS391": ["10"]}}],
            "am": [{"family": "F1", "pedigree": ped, "missing": ["MP"], "genotypes": {},
                    "ystr": {"FA": {"DYS458": [father], "DYS391": ["10"]},
                             "UN": {"DYS458": [uncle], "DYS391": ["10"]}}}]}


@pytest.mark.parametrize("uncle", ["17", "23"])   # a partial-repeat digit; beyond reach
def test_y_references_the_model_cannot_hold_together_set_the_locus_aside(uncle):
    ds = case_from_dict(_y_dataset("17.2", uncle))
    fam = ds.am[0]
    results = [lineage_lr(pm, fam, "MP", ds.lineage).y for pm in ds.pm]
    for y in results:
        # was 0 (log10 -inf) for every body, the father's own haplotype included
        assert y.lr > 0 and y.compared == ("DYS391",)
        assert "cannot all be right there (FA 17.2, UN " in y.set_aside["DYS458"]
    assert results[0].lr == results[1].lr
    fast, compared = RowScorer(ds.pm, ds.lineage, LineageCache()).row(fam, "MP")
    assert compared.all()
    np.testing.assert_allclose(fast, [y.log10_lr for y in results], rtol=1e-12)
    # the nearest reference alone still compares the locus (and excludes the uncle's allele)
    near = [lineage_lr(pm, fam, "MP", ds.lineage, references="nearest").y for pm in ds.pm]
    assert near[0].lr > 0 and near[1].lr == 0


def test_y_references_that_agree_are_compared_jointly_as_before():
    ds = case_from_dict(_y_dataset("17", "17"))
    y = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage).y
    assert y.joint and y.compared == ("DYS391", "DYS458") and not y.set_aside


def _mt_dataset(relatives: dict[str, list[str]], body: list[str], theta_ranges=None) -> dict:
    ranges = theta_ranges or [[16024, 16569]]
    ped = [_person("MGM", sex="F"), _person("MGF"), _person("MO", "MGF", "MGM", "F"),
           _person("MAU", "MGF", "MGM", "F"), _person("MUN", "MGF", "MGM"),
           _person("MAU2", "MGF", "MGM", "F"), _person("FA"), _person("MP", "FA", "MO")]
    return {"kind": "dvi", "id": "mt", "markers": _AUTOSOMAL,
            "lineage": {"mtdna": {"database": {"name": "mdb", "mitotypes": [
                {"range": ranges, "variants": v} for v in ([], ["16093G"], ["16189C"])]}}},
            "pm": [{"id": "V1", "sex": "M", "genotypes": {},
                    "mtdna": {"range": ranges, "variants": body}}],
            "am": [{"family": "F1", "pedigree": ped, "missing": ["MP"], "genotypes": {},
                    "mtdna": {k: {"range": ranges, "variants": v}
                              for k, v in relatives.items()}}]}


def test_maternal_relatives_showing_five_states_are_refused_naming_the_position():
    ds = case_from_dict(_mt_dataset({"MO": [], "MAU": ["16093A"], "MUN": ["16093G"],
                                     "MAU2": ["16093C"], "MGM": ["16093d"]}, []))
    # was an mtDNA LR of 0 for every body, the mother's own mitotype included
    with pytest.raises(InputError, match=r"family 'F1', missing person 'MP', PM sample 'V1', "
                                         r"mtDNA: mtDNA position 16093: the relatives show "
                                         r"more different states"):
        lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage)
    with pytest.raises(InputError, match="mtDNA position 16093"):
        RowScorer(ds.pm, ds.lineage, LineageCache()).row(ds.am[0], "MP")
    # the nearest reference alone: an ordinary comparison
    near = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage, references="nearest").mtdna
    assert near.lr > 0


@pytest.mark.parametrize("reference, body, differs", [
    (["73G"], ["73Y"], True), (["73Y"], ["73G"], True), (["73R"], ["73Y"], True),
    (["73d"], ["73Y"], True), (["73R"], ["73G"], False), (["73G"], ["73G"], False)])
def test_mt_theta_counts_a_heteroplasmy_sharing_no_base_as_a_difference_on_both_paths(
        reference, body, differs):
    ranges = [[16024, 16569], [1, 576]]
    data = _mt_dataset({"MO": reference}, body, ranges)
    data["am"][0]["pedigree"] = [_person("MO", sex="F"), _person("FA"),
                                 _person("MP", "FA", "MO")]
    ds = case_from_dict(data)
    theta = 0.1
    mt = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage, mt_theta=theta).mtdna
    assert bool(mt.differences) is differs
    fast = RowScorer(ds.pm, ds.lineage, LineageCache(), mt_theta=theta).row(ds.am[0], "MP")[0]
    assert math.isclose(float(fast[0]), mt.log10_lr, rel_tol=1e-9)


def test_an_insertion_slot_zero_is_refused():
    with pytest.raises(InputError, match=r"insertion slots count from 1.*\(73G\)"):
        parse_mitotype({"range": [[1, 576]], "variants": ["73.0G"]})
    assert parse_mitotype({"range": [[1, 576]], "variants": ["315.1C"]}).insertions


def test_a_female_body_with_y_alleles_in_a_dataset_file_is_warned(tmp_path):
    import json

    from forensic_match.cases import load_case

    data = _y_dataset("17", "17")
    data["pm"][0]["sex"] = "F"
    path = tmp_path / "ds.json"
    path.write_text(json.dumps(data))
    with pytest.warns(ForensicMatchWarning, match=r"pm sample 'V1'.*sex F \(the dataset\) but "
                                                  r"Y-STR alleles at 2 loci"):
        load_case(path)
