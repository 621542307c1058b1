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
    # The oracle reads a lumped posterior, which cannot tell two different unseen alleles
    # from one for an inbred target (whose two alleles may have to be one founder's copy):
    # that case is checked against the exact likelihood below.
    parents = case.pedigree.parents(case.target)
    assume(parents is None or not case.pedigree.related(*parents))
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


def test_consistent_for_an_inbred_child_against_the_exact_likelihood() -> None:
    """A child of a mother and her son (found by hypothesis, 2026-12-06): the mother shows 9
    and the son 10, each with the other allele unknown. The child cannot be 11/12 (the son's
    unknown allele is his mother's, so the child's two unseen alleles would be one), though
    11/11 is possible; the table says so, as the exact likelihood does (the lumped oracle
    above does not)."""
    from forensic_match import pedigree_likelihood

    ped = Pedigree.from_records([("i0", None, None, "F"), ("i1", None, None, "M"),
                                 ("i2", "i1", "i0", "M"), ("i3", "i2", "i0", "M")])
    marker = Marker("M3", ["9", "10", "11", "12"], [0.25] * 4)
    profiles = {"i0": {"M3": (None, "9")}, "i2": {"M3": (None, "10")}}
    row = compile_missing(Family("F", ped, ["i3"], profiles), "i3", [marker])
    labels = marker.alleles
    k = 0
    for j in range(len(labels)):
        for i in range(j + 1):
            lik = pedigree_likelihood(ped, [marker], {**profiles,
                                                      "i3": {"M3": (labels[i], labels[j])}})
            assert bool(row.consistent[k]) == bool(lik[0] > 0), (labels[i], labels[j])
            k += 1
    assert not row.consistent[8]          # 11/12
    assert row.consistent[5]              # 11/11

