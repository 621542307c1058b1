"""The compile's per-family kernels against plain-Python oracles.

``panel_tracers`` (every marker's three tracer alleles and unseen factor at once) against
the per-marker functions it replaced; the small least-squares solver of the tracer fits
against numpy's; and a whole compiled row (``finish_row`` over the kernel's packed output)
against the per-marker path: the engine's posteriors one marker at a time, expanded,
scaled and tabulated by the same per-marker kernels, bit for bit.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from strategies import cases

from forensic_match.cases import Family
from forensic_match.dvi._compile_numba import (
    _lstsq,
    allele_sums,
    consistent_table,
    log10_lr_table,
    panel_tracers,
)
from forensic_match.dvi.compile import (
    _evaluate_by_theta,
    _frequency_order,
    _full_posterior,
    _panel_arrays,
    _seen_and_tracers,
    _tracers_of,
    _without_mutation,
    allele_offsets,
    compile_missing,
    marker_offsets,
)
from forensic_match.errors import ForensicMatchError, ThetaLimitError
from forensic_match.likelihood.engine import _evaluate
from forensic_match.markers import Marker

_settings = settings(deadline=None, max_examples=60,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def tracer_oracle(p: np.ndarray, seen: np.ndarray) -> list[int] | None:
    """Three unseen alleles with distinct frequencies spanning the unseen block (lowest,
    closest to the geometric mean of the ends, highest), as numpy computes them."""
    order = np.argsort(p, kind="stable")
    block = order[~seen[order]]
    if block.size < 5:
        return None
    lo, hi = block[0], block[-1]
    inner = block[1:-1]
    mid = inner[np.argmin(np.abs(np.log(p[inner]) - 0.5 * np.log(p[lo] * p[hi])))]
    if p[lo] == p[mid] or p[mid] == p[hi]:
        return None
    return [int(lo), int(mid), int(hi)]


def inverse_oracle(p: np.ndarray, seen: np.ndarray) -> float:
    """``Σ unseen / (1 - Σ seen)`` with numpy's sums, 1.0 where no rescaling applies."""
    rest = 1.0 - float(p[seen].sum())
    unseen = float(p[~seen].sum())
    if not (rest > 0.0 and unseen > 0.0) or rest == unseen:
        return 1.0
    return unseen / rest


@st.composite
def panels(draw):  # type: ignore[no-untyped-def]
    """Markers of 1-60 alleles, frequencies with ties and not always summing to 1 (within
    the distance Marker uses as given), and a seen mask per marker."""
    markers, seen = [], []
    for k in range(draw(st.integers(1, 4))):
        n = draw(st.integers(1, 60))
        levels = draw(st.lists(st.floats(1e-4, 0.5), min_size=1, max_size=6))
        freq = np.array(draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n)))
        # within EXACT_SUM of 1: farther, Marker rescales the table (docs/frequencies.md)
        freq = freq / freq.sum() * draw(st.sampled_from([1.0, 1.0 - 4e-10, 1.0 + 4e-10]))
        markers.append(Marker(f"M{k}", [str(i) for i in range(n)], freq))
        seen.append(np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n))))
    return markers, seen


@_settings
@given(panels())
def test_panel_tracers_is_the_per_marker_oracle(drawn) -> None:  # type: ignore[no-untyped-def]
    markers, seen = drawn
    panel = _panel_arrays(markers)
    tracers = np.empty((len(markers), 3), dtype=np.int64)
    inverse = np.empty(len(markers))
    panel_tracers(np.concatenate(seen), panel.freq_ptr, panel.freqs, panel.log_freqs,
                  panel.order, tracers, inverse)
    for k, (marker, mask) in enumerate(zip(markers, seen)):
        want = tracer_oracle(marker.frequencies, mask)
        assert (tracers[k].tolist() if tracers[k, 0] >= 0 else None) == want
        assert inverse[k] == inverse_oracle(marker.frequencies, mask)  # to the bit
        np.testing.assert_array_equal(panel.order[panel.freq_ptr[k]:panel.freq_ptr[k + 1]],
                                      _frequency_order(marker))


@_settings
@given(st.integers(0, 2**32 - 1), st.sampled_from([(3, 3), (6, 4), (5, 2), (8, 8)]))
def test_small_least_squares_as_numpy(seed, shape) -> None:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    a = rng.uniform(-1, 1, shape)
    assume(np.linalg.cond(a) < 1e8)
    b = rng.normal(size=shape[0])
    x = _lstsq(a, b)
    ref = np.linalg.lstsq(a, b, rcond=None)[0]
    scale = np.linalg.cond(a) * 1e-13
    np.testing.assert_allclose(x, ref, rtol=scale, atol=scale * np.abs(ref).max())
    # The residual is orthogonal to the columns (the normal equations hold).
    np.testing.assert_allclose(a.T @ (a @ x - b), 0.0, atol=1e-10 * np.abs(b).max() *
                               np.abs(a).max() * shape[0])


def row_oracle(family: Family, missing: str, markers: list[Marker],  # type: ignore[no-untyped-def]
               observation: dict | None = None):
    """A compiled row (log10 LR, consistent, allele sums) marker by marker."""
    seen = _seen_and_tracers(family.genotypes, markers)
    _, merged = _evaluate_by_theta(family.pedigree, markers, family.genotypes,
                                   np.zeros(len(markers)), missing, observation, seen.keep)
    fulls = [_full_posterior(family.pedigree, family.genotypes, missing, marker, 0.0,
                             observation, "test", merged[k][0], merged[k][1],
                             _tracers_of(seen, k))
             for k, marker in enumerate(markers)]
    plain = [_without_mutation(m) for m in markers]
    cvalues, cposts = _evaluate(family.pedigree, plain, family.genotypes, theta=0.0,
                                observation=observation, target=missing, lump=True)
    offsets, a_off = marker_offsets(markers), allele_offsets(markers)
    lr = np.empty(offsets[-1])
    ok = np.empty(offsets[-1], dtype=bool)
    sums = np.empty((a_off[-1], 2))
    for k, marker in enumerate(markers):
        full = fulls[k]
        if seen.inverse[k] != 1.0:
            mask = seen.seen[_panel_arrays(markers).freq_ptr[k]:][:len(marker)]
            factor = np.where(mask, 1.0, seen.inverse[k])
            full = full * factor[:, None] * factor[None, :]
        log10_lr_table(full, marker.frequencies, lr[offsets[k]:offsets[k + 1]])
        allele_sums(full, marker.frequencies, sums[a_off[k]:a_off[k + 1]])
        work, post = cposts[k]  # type: ignore[index]
        consistent_table(post, work.astype(np.int64), len(marker), float(cvalues[k]),
                         ok[offsets[k]:offsets[k + 1]])
    return lr, ok, sums


@_settings
@given(st.one_of(*(cases(max_markers=3, mutation=True, untyped_target=True,
                        sized_for_oracle=False, max_alleles=7, dropout=d)
                  for d in (False, True))))
def test_compiled_row_is_the_per_marker_path(case) -> None:  # type: ignore[no-untyped-def]
    """With every mutation model, partial genotypes, and degraded relatives (dropout and
    drop-in) or not."""
    family = Family("F", case.pedigree, [case.target], case.profiles)
    observation = case.observation or None
    try:
        row = compile_missing(family, case.target, case.markers, observation=observation)
    except ForensicMatchError:
        assume(False)
    lr, ok, sums = row_oracle(family, case.target, case.markers, observation)
    np.testing.assert_array_equal(row.log10_lr, lr)
    np.testing.assert_array_equal(row.consistent, ok)
    np.testing.assert_array_equal(row.allele_sums, sums)


def test_an_allele_outside_the_panel_is_named() -> None:
    """The family's profiles are encoded once for the whole compile; an allele the panel does
    not have still gives the marker's own error, naming marker and allele."""
    import pytest

    from forensic_match.errors import MarkerError
    from forensic_match.pedigree import Pedigree

    ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                 ("C", "FA", "MO", "M")])
    marker = Marker("M1", ["10", "11", "12", "13"], [0.1, 0.2, 0.3, 0.4])
    family = Family("F", ped, ["C"], {"FA": {"M1": ("10", "99")}, "MO": {"M1": ("12", "12")}})
    with pytest.raises(MarkerError, match="marker 'M1', allele '99'"):
        compile_missing(family, "C", [marker])


@settings(deadline=None, max_examples=40,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.one_of(*(cases(max_markers=2, mutation=m, untyped_target=True,
                         sized_for_oracle=False, max_alleles=7, dropout=d)
                   for m in (False, ("equal", "proportional")) for d in (False, True))),
       st.sampled_from([0.01, 0.05, 0.2]))
def test_theta_denominator_in_closed_form_is_the_full_allele_list(case, theta) -> None:  # type: ignore[no-untyped-def]
    """The unrelated person's theta posterior, its unseen alleles in closed form from the
    merged allele, against the engine over every allele (no merging, no fit)."""
    from forensic_match.dvi.compile import UNRELATED, family_denominator, hardy_weinberg
    from forensic_match.likelihood.engine import genotype_posterior
    from forensic_match.pedigree import Pedigree

    family = Family("F", case.pedigree, [case.target], case.profiles)
    observation = case.observation or None
    thetas = np.full(len(case.markers), theta)
    try:
        table, _, _ = family_denominator(family, case.markers, theta, observation=observation,
                                         thetas=thetas)
    except ForensicMatchError:
        assume(False)
    ped = Pedigree.from_records(case.pedigree.records() + [(UNRELATED, None, None, "U")])
    posts = genotype_posterior(ped, case.markers, case.profiles, UNRELATED, theta=theta,
                               observation=observation, lump=False)
    offsets = marker_offsets(case.markers)
    for k, (marker, gp) in enumerate(zip(case.markers, posts)):
        n = len(marker)
        idx = [marker.index(a) for a in gp.alleles]
        full = np.zeros((n, n))
        full[np.ix_(idx, idx)] = gp.matrix
        i, j = np.tril_indices(n)
        unordered = np.where(i == j, full[i, j], full[i, j] + full[j, i])
        want = np.empty(offsets[k + 1] - offsets[k])
        want[i * (i + 1) // 2 + j] = unordered
        want /= hardy_weinberg(marker.frequencies)
        np.testing.assert_allclose(table[offsets[k]:offsets[k + 1]], want, rtol=1e-9,
                                   atol=1e-12)


def _full_list_log10_lr(pedigree, marker: Marker, profiles, target: str, theta: float,  # type: ignore[no-untyped-def]
                        observation=None) -> np.ndarray:
    """``target``'s theta LR table (log10, triangular) by the engine over every allele (no
    merging, no fit): its posterior over the unrelated person's, unordered."""
    from forensic_match.dvi.compile import UNRELATED
    from forensic_match.likelihood.engine import genotype_posterior
    from forensic_match.pedigree import Pedigree

    with_v = Pedigree.from_records(pedigree.records() + [(UNRELATED, None, None, "U")])
    n = len(marker)
    i, j = np.tril_indices(n)
    tables = []
    for ped, who in ((pedigree, target), (with_v, UNRELATED)):
        gp = genotype_posterior(ped, [marker], profiles, who, theta=theta,
                                observation=observation, lump=False)[0]
        idx = [marker.index(a) for a in gp.alleles]
        full = np.zeros((n, n))
        full[np.ix_(idx, idx)] = gp.matrix
        tables.append(np.where(i == j, full[i, j], full[i, j] + full[j, i]))
    out = np.full(i.size, -np.inf)
    with np.errstate(divide="ignore"):
        out[i * (i + 1) // 2 + j] = np.log10(tables[0]) - np.log10(tables[1])
    return out


def _nephews():  # type: ignore[no-untyped-def]
    """The two nephews' family: the missing person's parents and sibling untyped, the
    sibling's two children typed."""
    from forensic_match.pedigree import Pedigree

    ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                 ("MP", "FA", "MO", "M"), ("SB", "FA", "MO", "M"),
                                 ("SW", None, None, "F"), ("N1", "SB", "SW", "M"),
                                 ("N2", "SB", "SW", "F")])
    return ped, {"N1": {"M": ("0", "1")}, "N2": {"M": ("1", "2")}}


@settings(deadline=None, max_examples=90,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.one_of(*(cases(max_markers=2, mutation=m, untyped_target=True,
                         sized_for_oracle=False, max_alleles=7, dropout=d)
                   for m in (False, ("equal",), ("proportional",)) for d in (False, True))),
       st.sampled_from([0.01, 0.05, 0.2]),
       st.lists(st.floats(0.002, 0.2), min_size=5, max_size=8, unique=True),
       st.floats(0.05, 0.5))
def test_theta_row_from_one_tracer_is_the_full_allele_list(case, theta, extra,  # type: ignore[no-untyped-def]
                                                          share) -> None:
    """Under theta, with no mutation or ``equal``, a row whose unseen alleles come from one
    tracer (``expand_posterior_one``), with ``proportional`` from two
    (``expand_posterior_two``; three where the target is inbred) against the engine
    over every allele, numerator and denominator (no merging, no fit). Each marker gets
    alleles nobody shows (``extra``, together ``share`` of the frequency) so that the
    compile merges them."""
    from forensic_match.dvi.compile import _one_tracer, family_denominator

    markers = []
    for m in case.markers:
        add = np.array(extra) / np.sum(extra) * share
        wider = Marker(m.name, list(m.alleles) + [f"x{i}" for i in range(add.size)],
                       list(np.concatenate([m.frequencies * (1.0 - share), add])))
        markers.append(wider if m.mutation is None else wider.with_mutation(m.mutation))
    case = case._replace(markers=markers) if hasattr(case, "_replace") else \
        dataclasses.replace(case, markers=markers)
    family = Family("F", case.pedigree, [case.target], case.profiles)
    observation = case.observation or None
    thetas = np.full(len(case.markers), theta)
    seen = _seen_and_tracers(case.profiles, case.markers)
    assume(_one_tracer(seen, case.markers)[1].any())
    try:
        den = family_denominator(family, case.markers, theta, observation=observation,
                                 thetas=thetas)
        assume(bool(np.all(den[0] > 0)))  # else the family's data are impossible
        row = compile_missing(family, case.target, case.markers, observation=observation,
                              theta=theta, denominator=den)
    except ForensicMatchError:
        assume(False)
    offsets = marker_offsets(case.markers)
    for k, marker in enumerate(case.markers):
        try:
            want = _full_list_log10_lr(case.pedigree, marker, case.profiles, case.target,
                                       theta, observation)
        except ThetaLimitError:
            # the oracle, over every allele unmerged, can need more quadrature points or
            # partitions than the engine allows where the compiled row (merged) did not
            assume(False)
        got = row.log10_lr[offsets[k]:offsets[k + 1]]
        finite = np.isfinite(want)
        assert np.array_equal(np.isfinite(got), finite), (k, got, want)
        np.testing.assert_allclose(10 ** (got[finite] - want[finite]), 1.0, rtol=1e-9)


@pytest.mark.parametrize("model", ["equal", "proportional"])
@pytest.mark.parametrize("spread", [1.0, 1e-3])
@pytest.mark.parametrize("base", [0.02, 0.0005])
def test_one_tracer_with_nearly_equal_unseen_frequencies(spread: float, base: float,
                                                         model: str) -> None:
    """The one-tracer systems are regular because the tracer is the most frequent unseen
    allele; with the others almost as frequent (and rare) they are nearly singular, yet the
    extrapolation to each unseen allele stays as short as the gap: the two nephews' family,
    ``equal`` (one tracer) or ``proportional`` (two) at Familias' rates, theta 0.05, against
    the engine over every allele."""
    from forensic_match.dvi.compile import _one_tracer, family_denominator
    from forensic_match.mutation import Mutation, MutationModel

    ped, profiles = _nephews()
    mutation = Mutation(female=MutationModel(model, rate=0.0005),
                        male=MutationModel(model, rate=0.002))
    unseen = base * (1.0 + spread * np.linspace(0.0, 1.0, 8) ** 3)
    freqs = np.concatenate([[0.2, 0.15, 0.1], unseen])
    freqs = freqs / freqs.sum()
    marker = Marker("M", [str(i) for i in range(freqs.size)], list(freqs)
                    ).with_mutation(mutation)
    family = Family("F", ped, ["MP"], profiles)
    theta = 0.05
    assert _one_tracer(_seen_and_tracers(profiles, [marker]), [marker])[1][0]
    den = family_denominator(family, [marker], theta, thetas=np.array([theta]))
    row = compile_missing(family, "MP", [marker], theta=theta, denominator=den)
    want = _full_list_log10_lr(ped, marker, profiles, "MP", theta)
    np.testing.assert_allclose(10 ** (row.log10_lr - want), 1.0, rtol=1e-9)


def test_a_failed_one_tracer_marker_is_computed_with_three(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Where the one-tracer expansion refuses a marker, the row takes it again with the
    three tracers and their checked fit: here forced by a view whose tracer the engine was
    not asked to keep apart, and the row still equals the one computed with three."""
    import forensic_match.dvi.compile as compile_module
    from forensic_match.dvi.compile import family_denominator
    from forensic_match.mutation import Mutation, MutationModel
    from forensic_match.pedigree import Pedigree

    ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                 ("MP", "FA", "MO", "M"), ("SB", "FA", "MO", "M"),
                                 ("SW", None, None, "F"), ("N1", "SB", "SW", "M")])
    mutation = Mutation(female=MutationModel("equal", rate=0.0005),
                        male=MutationModel("equal", rate=0.002))
    freqs = np.array([0.3, 0.2, 0.1, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.05])
    marker = Marker("M", [str(i) for i in range(freqs.size)], list(freqs / freqs.sum())
                    ).with_mutation(mutation)
    family = Family("F", ped, ["MP"], {"N1": {"M": ("0", "1")}})
    theta = 0.02
    den = family_denominator(family, [marker], theta, thetas=np.array([theta]))
    three = compile_module._compile_one(family, "MP", [marker], None, theta, den,
                                        compile_module._family_seen(family, [marker]))
    original = compile_module._one_tracer

    def mismatched(seen, markers):  # type: ignore[no-untyped-def]
        view, where = original(seen, markers)
        assert where.all()
        return view._replace(tracers=seen.tracers), where  # keeps the highest, names the lowest

    monkeypatch.setattr(compile_module, "_one_tracer", mismatched)
    row = compile_missing(family, "MP", [marker], theta=theta, denominator=den)
    np.testing.assert_allclose(row.log10_lr, three.log10_lr, rtol=0, atol=1e-10)


def test_one_tracer_at_a_marker_that_fell_back_to_theta_0() -> None:
    """A marker a theta run computes at theta 0 (beyond the limits) takes the one-tracer form
    with no Dirichlet term, and frequencies that sum to 1 only within rounding keep the
    engine's rescaling out of it: against the engine over every allele at theta 0."""
    from forensic_match.dvi.compile import family_denominator
    from forensic_match.mutation import Mutation, MutationModel

    ped, profiles = _nephews()
    mutation = Mutation(female=MutationModel("equal", rate=0.005),
                        male=MutationModel("equal", rate=0.01))
    freqs = np.array([0.2, 0.15, 0.1, 0.08, 0.07, 0.05, 0.04, 0.03, 0.02, 0.015, 0.01, 0.005])
    marker = Marker("M", [str(i) for i in range(freqs.size)],
                    list(freqs / (freqs.sum() * (1.0 + 5e-10)))).with_mutation(mutation)
    family = Family("F", ped, ["MP"], profiles)
    den = family_denominator(family, [marker], 0.02, thetas=np.array([0.0]))
    row = compile_missing(family, "MP", [marker], theta=0.02, denominator=den)
    assert row.theta == 0.0
    want = _full_list_log10_lr(ped, marker, profiles, "MP", 0.0)
    np.testing.assert_allclose(10 ** (row.log10_lr - want), 1.0, rtol=1e-9)
