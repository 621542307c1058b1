"""FORMAT.md's dataset-level ``dropout`` (``{"ID": d}``) in an identification dataset: a PM
sample's value is its dropout, a typed relative's nonzero value is refused (not modelled),
and nothing is dropped silently (until 2026-12-05 the key was read and ignored)."""

from __future__ import annotations

import copy

import pytest

from forensic_match.cases import case_from_dict
from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.search import search_samples
from forensic_match.errors import InputError

MARKERS = [{"name": "M1", "alleles": ["1", "2", "3"], "frequencies": [0.2, 0.3, 0.5]},
           {"name": "M2", "alleles": ["1", "2"], "frequencies": [0.4, 0.6]}]
DATASET = {"kind": "dvi", "id": "d", "markers": MARKERS,
           "pm": [{"id": "V1", "sex": "M", "genotypes": {"M1": ["1", "1"], "M2": ["1", "2"]}},
                  {"id": "V2", "sex": "F", "genotypes": {"M1": ["2", "3"]}, "dropout": 0.2}],
           "am": [{"family": "F1", "missing": ["MP"], "genotypes": {
                       "FA": {"M1": ["1", "2"], "M2": ["1", "1"]}},
                   "pedigree": [{"id": "FA", "father": None, "mother": None, "sex": "M"},
                                {"id": "MO", "father": None, "mother": None, "sex": "F"},
                                {"id": "MP", "father": "FA", "mother": "MO", "sex": "M"}]}]}


def test_a_pm_samples_dropout_is_applied() -> None:
    data = dict(copy.deepcopy(DATASET), dropout={"V1": 0.3, "V2": 0.2, "MO": 0.0})
    ds = case_from_dict(data)
    assert [s.dropout for s in ds.pm] == [0.3, 0.2]
    plain = case_from_dict(copy.deepcopy(DATASET))
    markers = ds.markers
    tables = compile_families(ds.am, markers)
    got = search_samples(tables, ds.pm, min_markers=1, threshold=-float("inf")).pairs
    want = search_samples(tables, plain.pm, min_markers=1, threshold=-float("inf")).pairs
    v1 = [r["log10_lr"] for r in got.iter_rows(named=True) if r["pm"] == "V1"]
    before = [r["log10_lr"] for r in want.iter_rows(named=True) if r["pm"] == "V1"]
    assert v1 != before  # the homozygous call M1 1/1 now allows a dropped allele


@pytest.mark.parametrize("dropout, message", [
    ({"FA": 0.1}, "family 'F1', 'FA': dropout of a typed relative"),
    ({"V2": 0.3}, "PM sample 'V2': dropout 0.3 in 'dropout' and 0.2"),
    ({"X9": 0.1}, "neither a PM sample nor a family member"),
    ({"V1": 1.2}, "must lie in"),
    ([0.1], "must map individuals"),
])
def test_what_cannot_be_applied_is_refused(dropout, message: str) -> None:
    with pytest.raises(InputError, match=message):
        case_from_dict(dict(copy.deepcopy(DATASET), dropout=dropout))
