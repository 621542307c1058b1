"""Decision stability across the evidence model's error ranges (``evidence/sensitivity.py``):
the son told from his unregistered brother by a dental chart (the case of
``tests/test_evidence_distinctive.py``) holds over the stated ranges and falls where charts
carry nothing; bad ranges are refused."""

from __future__ import annotations

import pytest

from forensic_match.errors import InputError
from forensic_match.evidence.sensitivity import RANGES, decision_stability
from forensic_match.markers import Marker
from tests.test_evidence_distinctive import _brothers


def test_the_dental_proposal_is_stable_over_the_stated_ranges(markers: list[Marker]) -> None:
    family, bodies, ev = _brothers(markers, 1, "dental")
    ranges = {k: RANGES[k] for k in ("dental_error", "dna_sex_error")}
    result = decision_stability([family], bodies, markers, ev, ranges=ranges)
    assert result.runs == 4
    row = result.table.filter(result.table["proposed"]).row(0, named=True)
    assert (row["pm"], row["missing"], row["stable"], row["runs_proposed"]) == \
        ("B1", "SON", True, 4)
    assert row["min_posterior"] >= 0.9995 and row["falls_under"] == []
    assert result.unstable.height == 0


def test_a_proposal_that_rests_on_the_chart_error_is_named(markers: list[Marker]) -> None:
    family, bodies, ev = _brothers(markers, 1, "dental")
    result = decision_stability([family], bodies, markers, ev,
                                ranges={"dental_error": (0.02, 0.7)})
    row = result.unstable.row(0, named=True)
    assert (row["pm"], row["missing"], row["runs_proposed"]) == ("B1", "SON", 1)
    assert row["falls_under"] == ["dental_error=0.7"]


@pytest.mark.parametrize("ranges, message", [
    ({"eye_colour": (0.1, 0.2)}, "'eye_colour' is not a Population setting"),
    ({"dental_error": (0.05, 0.01)}, r"range of dental_error must be \(low, high\)"),
])
def test_bad_ranges_are_refused(markers: list[Marker], ranges, message) -> None:
    family, bodies, ev = _brothers(markers, 1, "dental")
    with pytest.raises(InputError, match=message):
        decision_stability([family], bodies, markers, ev, ranges=ranges)
