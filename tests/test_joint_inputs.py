"""Inputs that the joint analysis, identify and the case store read in two ways before an
outside check (2026-12-06, ``docs/joint.md``, "Inputs refused"): each is refused, naming the
family and person, or read as documented."""

from __future__ import annotations

import copy
import dataclasses

import pytest

from forensic_match.cases import PMSample, case_from_dict
from forensic_match.dvi.identify import identify
from forensic_match.dvi.joint import joint_solutions, pairwise_lr_matrix, undisputed
from forensic_match.errors import InputError, PedigreeError
from forensic_match.store import CaseStore

_MARKERS = [{"name": f"L{k}", "alleles": ["10", "11", "12", "13"],
             "frequencies": [0.1, 0.2, 0.3, 0.4], "mutation": None} for k in range(1, 9)]
_TRIO = [{"id": "FA", "father": None, "mother": None, "sex": "M"},
         {"id": "MO", "father": None, "mother": None, "sex": "F"},
         {"id": "SON", "father": "FA", "mother": "MO", "sex": "M"}]


def _family(fid: str, father: str, mother: str) -> dict:
    return {"family": fid, "pedigree": copy.deepcopy(_TRIO), "missing": ["SON"],
            "genotypes": {"FA": {f"L{k}": [father, father] for k in range(1, 9)},
                          "MO": {f"L{k}": [mother, mother] for k in range(1, 9)}}}


def _dataset(am: list[dict], pm: list[dict] | None = None) -> dict:
    son = {f"L{k}": ["10", "11"] for k in range(1, 9)}
    return {"kind": "dvi", "id": "t", "markers": _MARKERS,
            "pm": pm if pm is not None else [{"id": "V1", "sex": "M", "genotypes": son}],
            "am": am}


def test_two_families_with_one_id_are_refused_everywhere(tmp_path):
    data = _dataset([_family("F1", "10", "11"), _family("F1", "12", "13")])
    with pytest.raises(InputError, match=r"families 1 and 2 both have the id 'F1'"):
        case_from_dict(data)
    # built through the API, past the reader: identify, the joint and the store refuse too
    ds = case_from_dict(_dataset([_family("F1", "10", "11"), _family("F2", "12", "13")]))
    twice = [ds.am[0], dataclasses.replace(ds.am[1], id="F1")]
    with pytest.raises(InputError, match="both have the id 'F1'"):
        identify(twice, ds.pm, ds.markers)
    with pytest.raises(InputError, match="both have the id 'F1'"):
        pairwise_lr_matrix(dataclasses.replace(ds, am=twice))
    store = CaseStore(tmp_path / "cases.db")
    with pytest.raises(InputError, match="both have the id 'F1'"):
        store.ingest(dataclasses.replace(ds, am=twice), actor="lab")
    assert store.ingest(ds, actor="lab") is not None     # nothing half-written before


def test_a_typed_missing_person_is_refused_with_the_way_to_a_direct_reference():
    fam = _family("F1", "10", "11")
    fam["genotypes"]["SON"] = {"L1": ["10", "12"]}
    with pytest.raises(InputError, match=r"family 'F1': missing person 'SON' has a profile "
                                         r"among the typed relatives.*'references'"):
        case_from_dict(_dataset([fam]))
    ds = case_from_dict(_dataset([_family("F1", "10", "11")]))
    typed = dataclasses.replace(ds.am[0], genotypes={**ds.am[0].genotypes,
                                                     "SON": {"L1": ("10", "12")}})
    with pytest.raises(InputError, match="missing person 'SON' has a profile"):
        identify([typed], ds.pm, ds.markers)
    with pytest.raises(InputError, match="missing person 'SON' has a profile"):
        joint_solutions(dataclasses.replace(ds, am=[typed]))
    # the same profile as a direct reference is read
    fam = _family("F1", "10", "11")
    fam["references"] = {"SON": {f"L{k}": ["10", "11"] for k in range(1, 9)}}
    assert case_from_dict(_dataset([fam])).am[0].references


def test_a_missing_person_listed_twice_is_refused():
    fam = _family("F1", "10", "11")
    fam["missing"] = ["SON", "SON"]
    with pytest.raises(InputError, match="missing person 'SON' is listed twice"):
        case_from_dict(_dataset([fam]))


def test_a_margin_of_one_would_give_one_missing_person_two_bodies_and_is_refused():
    son = {f"L{k}": ["10", "11"] for k in range(1, 9)}
    ds = case_from_dict(_dataset([_family("F1", "10", "11")],
                                 [{"id": "V1", "sex": "M", "genotypes": son},
                                  {"id": "V2", "sex": "M", "genotypes": dict(son)}]))
    pw = pairwise_lr_matrix(ds)
    for call in (lambda: undisputed(pw, dataset=ds, margin=1),
                 lambda: joint_solutions(ds, margin=1)):
        with pytest.raises(InputError, match="margin must be greater than 1"):
            call()
    # just above 1: the two fragments tie, neither is undisputed, each solution has one
    res = joint_solutions(ds, margin=1.0000001)
    assert res.undisputed.height == 0
    top = res.solutions.head(2)
    assert top["posterior"].to_list() == pytest.approx([0.5, 0.5])
    assert top["n_identified"].to_list() == [1, 1]


@pytest.mark.parametrize("value, expected", [("M", "M"), ("m", "M"), ("male", "M"),
                                             ("1", "M"), ("Femenino", "F"), (2, "F"),
                                             (None, "U"), ("", "U"), ("U", "U")])
def test_a_pm_sample_sex_is_read_as_a_pedigree_sex(value, expected):
    data = _dataset([_family("F1", "10", "11")])
    data["pm"][0]["sex"] = value
    ds = case_from_dict(data)
    assert ds.pm[0].sex == expected
    assert PMSample("V9", value, {}).sex == expected
    if expected != "F":     # a male or unknown body is compared with the missing son
        assert pairwise_lr_matrix(ds).height == 1


def test_an_unreadable_pm_sex_is_refused_naming_the_sample():
    data = _dataset([_family("F1", "10", "11")])
    data["pm"][0]["sex"] = "X"
    with pytest.raises(PedigreeError, match=r"pm sample 'V1': sex 'X' is not one of"):
        case_from_dict(data)


@pytest.mark.parametrize("options", [{"max_solutions": 2.5}, {"max_solutions": 0},
                                     {"max_assignments": 0}, {"max_assignments": 1.5},
                                     {"max_solutions": True}])
def test_solution_counts_must_be_whole_numbers(options):
    ds = case_from_dict(_dataset([_family("F1", "10", "11")]))
    with pytest.raises(InputError, match="must be a whole number, 1 or more"):
        joint_solutions(ds, **options)
