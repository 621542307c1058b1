"""Lineage LRs in the search, through its evidence hook."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
from test_lineage_lr import DATASET

from forensic_match.cases import case_from_dict
from forensic_match.dvi.compile import compile_families
from forensic_match.dvi.search import search_samples
from forensic_match.lineage import lineage_lr
from forensic_match.lineage.scores import LineageScores


def _dataset():
    data = copy.deepcopy(DATASET)
    data["pm"].append({"id": "PM2", "sex": "M", "genotypes": {"TH01": ["7", "7"]},
                       "ystr": {"DYS391": ["13"], "DYS576": ["18"], "DYS385": ["11", "14"]}})
    data["pm"].append({"id": "PM3", "sex": "F", "genotypes": {"TH01": ["6", "6"]}})
    return case_from_dict(data)


def test_search_ranks_by_dna_plus_lineage():
    ds = _dataset()
    compiled = compile_families(ds.am, ds.markers)
    plain = search_samples(compiled, ds.pm, threshold=-math.inf, sex_filter=False)
    scores = LineageScores(compiled.rows, ds.am, ds.pm, ds.lineage)
    res = search_samples(compiled, ds.pm, threshold=-math.inf, sex_filter=False,
                         evidence=scores)
    dna = {r["pm"]: r["log10_lr"] for r in plain.pairs.iter_rows(named=True)}
    got = {r["pm"]: r for r in res.pairs.iter_rows(named=True)}
    lin = lineage_lr(ds.pm[0], ds.am[0], "MP", ds.lineage).log10_lr
    assert got["PM1"]["log10_lr"] == pytest.approx(dna["PM1"] + lin, rel=1e-12)
    assert got["PM1"]["evidence_log10_lr"] == pytest.approx(lin, rel=1e-12)
    assert got["PM3"]["log10_lr"] == pytest.approx(dna["PM3"])      # no lineage data: 0
    # PM2 is 3 repeats from the uncle at DYS391 over 3 meioses: possible, strongly against
    assert math.isfinite(got["PM2"]["evidence_log10_lr"]) and \
        got["PM2"]["evidence_log10_lr"] < -5


def test_other_evidence_rides_along_and_rows_must_match():
    ds = _dataset()
    compiled = compile_families(ds.am, ds.markers)

    class Flat:
        def block(self, rows):
            return np.full((len(rows), len(ds.pm)), 0.5)

    scores = LineageScores(compiled.rows, ds.am, ds.pm, ds.lineage, also=Flat())
    lone = LineageScores(compiled.rows, ds.am, ds.pm, ds.lineage)
    np.testing.assert_allclose(scores.block(np.array([0])), lone.block(np.array([0])) + 0.5)
    from forensic_match.errors import InputError

    with pytest.raises(InputError, match=r"families \['F1'\] of the compiled rows"):
        LineageScores(compiled.rows, [], ds.pm, ds.lineage)
