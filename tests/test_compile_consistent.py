"""The compiled ``consistent`` table (genotypes possible without mutation) read from the
posterior of a marker without mutation equals the one computed by a separate no-mutation
evaluation of the engine, as ``compile_missing`` did before (every marker evaluated twice)."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from strategies import cases

from forensic_match.cases import Family
from forensic_match.dvi._compile_numba import consistent_table
from forensic_match.dvi.compile import (
    _without_mutation,
    compile_missing,
    marker_offsets,
    table_size,
)
from forensic_match.errors import ForensicMatchError
from forensic_match.likelihood.engine import _evaluate
from forensic_match.markers import Marker
from forensic_match.pedigree import Pedigree


def _two_evaluations(family: Family, missing: str, markers: list[Marker],
                     observation: dict | None) -> np.ndarray:
    """The table as computed with its own no-mutation evaluation of every marker."""
    plain = [_without_mutation(m) for m in markers]
    values, posts = _evaluate(family.pedigree, plain, family.genotypes, theta=0.0,
                              observation=observation, target=missing, lump=True)
    offsets = marker_offsets(markers)
    ok = np.empty(offsets[-1], dtype=bool)
    for k, marker in enumerate(markers):
        work, post = posts[k]  # type: ignore[index]
        consistent_table(post, work.astype(np.int64), len(marker), float(values[k]),
                         ok[offsets[k]:offsets[k + 1]])
    return ok


_settings = settings(deadline=None, max_examples=40,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@_settings
@given(cases(max_markers=3, mutation=False, dropout=True, untyped_target=True,
             sized_for_oracle=False, max_alleles=7))
def test_consistent_from_the_posterior_without_mutation(case) -> None:  # type: ignore[no-untyped-def]
    family = Family("F", case.pedigree, [case.target], case.profiles)
    try:
        row = compile_missing(family, case.target, case.markers,
                              observation=case.observation or None)
    except ForensicMatchError:
        assume(False)
    want = _two_evaluations(family, case.target, case.markers, case.observation or None)
    np.testing.assert_array_equal(row.consistent, want)


@_settings
@given(cases(max_markers=3, mutation=True, untyped_target=True, sized_for_oracle=False,
             max_alleles=6))
def test_consistent_with_mutation_markers_mixed_in(case) -> None:  # type: ignore[no-untyped-def]
    family = Family("F", case.pedigree, [case.target], case.profiles)
    try:
        row = compile_missing(family, case.target, case.markers)
    except ForensicMatchError:
        assume(False)
    np.testing.assert_array_equal(row.consistent,
                                  _two_evaluations(family, case.target, case.markers, None))


def test_consistent_by_hand() -> None:
    """Father 10/11 and mother 12/12, no mutation: the child has 10/12 or 11/12; the 4-allele
    marker's triangular table (00, 01, 11, 02, 12, 22, 03, 13, 23, 33) allows only 02, 12."""
    ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                 ("C", "FA", "MO", "M")])
    marker = Marker("M1", ["10", "11", "12", "13"], [0.1, 0.2, 0.3, 0.4])
    family = Family("F", ped, ["C"], {"FA": {"M1": ("10", "11")}, "MO": {"M1": ("12", "12")}})
    row = compile_missing(family, "C", [marker])
    assert table_size(4) == 10
    assert row.consistent.tolist() == [False, False, False, True, True, False, False, False,
                                       False, False]
