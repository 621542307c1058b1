"""Mutation models: reference matrices, stochasticity, lumpability, stationarity, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from forensic_match.errors import MarkerError
from forensic_match.mutation import (
    Mutation,
    MutationModel,
    check_matrix,
    is_lumpable,
    is_stationary,
    lump_matrix,
    mutation_matrix,
    stabilize_pm,
)

# Strategies ------------------------------------------------------------------------------------

#: Numeric allele labels as on a report, with microvariants: "12", "12.2", "9.3".
_labels = st.builds(lambda whole, dec: f"{whole}" if dec == 0 else f"{whole}.{dec}",
                    st.integers(5, 35), st.sampled_from([0, 0, 0, 1, 2, 3]))


@st.composite
def _markers(draw: st.DrawFn, min_size: int = 2, max_size: int = 10
             ) -> tuple[list[str], np.ndarray]:
    alleles = draw(st.lists(_labels, min_size=min_size, max_size=max_size, unique=True))
    weights = np.array(draw(st.lists(st.floats(0.01, 1.0), min_size=len(alleles),
                                     max_size=len(alleles))))
    return alleles, weights / weights.sum()


_rates = st.floats(0.0, 0.05)


def _model(kind: str, rate: float, rng: float = 0.5, rate2: float = 1e-4) -> MutationModel:
    return MutationModel(kind, rate=rate, range=rng, rate2=rate2)


def _proportional_ok(rate: float, p: np.ndarray) -> bool:
    return rate == 0.0 or len(p) == 1 or rate / float(np.sum(p * (1 - p))) <= 1.0


# (a) Agreement with the reference implementation (pedmut 0.9.0) --------------------------------

@pytest.mark.reference
def test_matrices_match_reference(reference_dir):
    """Every marker with a mutation model in the kinship cases gives the peer's matrices."""
    checked: dict[str, int] = {}
    mismatches = []
    for path in sorted((reference_dir / "kinship").glob("*.json")):
        case = json.loads(path.read_text())
        for spec in case["markers"]:
            mut = spec.get("mutation")
            if mut is None:
                continue
            mutation = Mutation.from_dict(mut, marker=spec["name"])
            female, male = mutation.matrices(spec["alleles"], np.array(spec["frequencies"]))
            for sex, got in (("female", female), ("male", male)):
                want = np.array(mut[f"matrix_{sex}"])
                err = float(np.max(np.abs(got - want))) if got.shape == want.shape else np.inf
                if not err <= 1e-12:
                    mismatches.append(f"{path.name} {spec['name']} {sex}: max error {err:.3g}")
            checked[mut["model"]] = checked.get(mut["model"], 0) + 1
    assert not mismatches, "\n".join(mismatches)
    assert set(checked) == {"equal", "proportional", "stepwise", "onestep"}, checked
    assert sum(checked.values()) >= 20


# (b) Rows sum to 1 ------------------------------------------------------------------------------

@settings(deadline=None, max_examples=200)
@given(marker=_markers(min_size=1, max_size=12), rate=_rates, rng=st.floats(0.05, 0.95),
       rate2=st.floats(0.0, 1e-3),
       kind=st.sampled_from(["equal", "proportional", "stepwise", "onestep"]))
def test_rows_sum_to_one(marker, rate, rng, rate2, kind):
    alleles, p = marker
    assume(kind != "proportional" or _proportional_ok(rate, p))
    m = mutation_matrix(_model(kind, rate, rng, rate2), alleles, p)
    assert m.shape == (len(alleles), len(alleles))
    assert np.all(m >= 0)
    np.testing.assert_allclose(m.sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_equal_model_values():
    m = mutation_matrix(MutationModel("equal", rate=0.002), ["14", "15", "16"], [0.2, 0.3, 0.5])
    np.testing.assert_allclose(m, [[0.998, 0.001, 0.001], [0.001, 0.998, 0.001],
                                   [0.001, 0.001, 0.998]], rtol=0, atol=1e-15)


def test_proportional_model_values():
    p = np.array([0.2, 0.3, 0.5])
    m = mutation_matrix(MutationModel("proportional", rate=0.01), ["a", "b", "c"], p)
    alpha = 0.01 / np.sum(p * (1 - p))
    np.testing.assert_allclose(m, (1 - alpha) * np.eye(3) + alpha * np.tile(p, (3, 1)),
                               rtol=0, atol=1e-15)
    # The overall mutation rate under p is the requested rate.
    assert np.sum(p * (1 - np.diag(m))) == pytest.approx(0.01, abs=1e-15)


def test_stepwise_values_without_microvariants():
    m = mutation_matrix(MutationModel("stepwise", rate=0.03, range=0.5),
                        ["10", "11", "12"], [0.3, 0.3, 0.4])
    # From 10: one step (weight 0.5) and two steps (weight 0.25) share the rate 2:1.
    np.testing.assert_allclose(m[0], [0.97, 0.02, 0.01], rtol=0, atol=1e-15)
    np.testing.assert_allclose(m[1], [0.015, 0.97, 0.015], rtol=0, atol=1e-15)


def test_stepwise_microvariants_move_between_groups_with_rate2():
    alleles = ["9", "9.3", "10", "10.3", "11"]
    m = mutation_matrix(MutationModel("stepwise", rate=0.01, range=0.5, rate2=1e-4),
                        alleles, np.full(5, 0.2))
    i9, i93, i10, i103 = 0, 1, 2, 3
    # 9 -> 9.3 crosses groups: rate2 shared over the 2 alleles of the other group.
    assert m[i9, i93] == pytest.approx(1e-4 / 2, abs=1e-18)
    assert m[i9, i9] == pytest.approx(1 - 0.01 - 1e-4, abs=1e-15)
    # 9.3 -> 10.3 is a one-step move within the .3 group, the group's only other allele.
    assert m[i93, i103] == pytest.approx(0.01, abs=1e-15)
    assert m[i10, i9] == m[i10, 4]


def test_stepwise_groups_by_decimal_part_for_point_five():
    # 9.5, 10.5 and 11.5 form one group (decimal part .5); rounding half to even once split them.
    m = mutation_matrix(MutationModel("stepwise", rate=0.01, range=0.5, rate2=1e-4),
                        ["9.5", "10.5", "11.5"], [0.3, 0.3, 0.4])
    assert m[1, 0] == m[1, 2] == pytest.approx(0.005, abs=1e-15)
    assert m[0, 0] == pytest.approx(0.99, abs=1e-15)


def test_onestep_only_moves_one_repeat():
    m = mutation_matrix(MutationModel("onestep", rate=0.004), ["8", "9", "10", "12", "9.3"],
                        np.full(5, 0.2))
    np.testing.assert_allclose(m[1], [0.002, 0.996, 0.002, 0, 0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(m[3], [0, 0, 0, 1, 0], rtol=0, atol=1e-15)  # no neighbour
    np.testing.assert_allclose(m[4], [0, 0, 0, 0, 1], rtol=0, atol=1e-15)


def test_single_allele_and_zero_rate_give_identity():
    for kind in ("equal", "proportional", "stepwise", "onestep"):
        assert np.array_equal(mutation_matrix(_model(kind, 0.01), ["12"], [1.0]), np.eye(1))
        assert np.array_equal(mutation_matrix(_model(kind, 0.0, rate2=0.0), ["11", "12"],
                                              [0.5, 0.5]), np.eye(2))


def test_custom_matrix_used_as_given():
    matrix = [[0.9, 0.1], [0.2, 0.8]]
    mut = Mutation.from_dict({"model": "custom", "female": {}, "male": {},
                              "matrix_female": matrix, "matrix_male": matrix}, marker="X")
    female, male = mut.matrices(["1", "2"], np.array([0.5, 0.5]))
    assert np.array_equal(female, matrix) and np.array_equal(male, matrix)


# (c) Lumpability ---------------------------------------------------------------------------------

@settings(deadline=None, max_examples=200)
@given(marker=_markers(min_size=2, max_size=10), rate=_rates, data=st.data(),
       kind=st.sampled_from(["equal", "proportional"]))
def test_equal_and_proportional_are_lumpable_for_any_subset(marker, rate, data, kind):
    alleles, p = marker
    assume(kind != "proportional" or _proportional_ok(rate, p))
    m = mutation_matrix(_model(kind, rate), alleles, p)
    keep = data.draw(st.lists(st.integers(0, len(alleles) - 1), unique=True,
                              max_size=len(alleles)))
    assert is_lumpable(m, keep)
    lumped = lump_matrix(m, keep) if len(keep) < len(alleles) else m
    np.testing.assert_allclose(lumped.sum(axis=1), 1.0, rtol=0, atol=1e-12)


@settings(deadline=None, max_examples=100)
@given(marker=_markers(min_size=3, max_size=10), rate=st.floats(1e-4, 0.05), data=st.data())
def test_lumped_chain_gives_the_same_block_probabilities(marker, rate, data):
    """For a lumpable matrix, moving through the lumped chain equals summing the full chain."""
    alleles, p = marker
    m = mutation_matrix(_model("equal", rate), alleles, p)
    keep = data.draw(st.lists(st.integers(0, len(alleles) - 1), unique=True,
                              max_size=len(alleles) - 2))
    block = [i for i in range(len(alleles)) if i not in keep]
    lumped = lump_matrix(m, keep)
    start = np.append(p[keep], p[block].sum())
    full = p @ m
    np.testing.assert_allclose(start @ lumped, np.append(full[keep], full[block].sum()),
                               rtol=0, atol=1e-14)


def test_stepwise_is_not_lumpable_in_general():
    alleles = [str(a) for a in range(10, 17)]
    m = mutation_matrix(MutationModel("stepwise", rate=0.005, range=0.5, rate2=1e-6),
                        alleles, np.full(7, 1 / 7))
    assert not is_lumpable(m, [0])
    assert not is_lumpable(m, [2, 3])
    assert is_lumpable(m, range(6))  # a block of one allele is always lumpable
    assert is_lumpable(np.eye(7), [0])  # no mutation: always lumpable


# (d) Stationary (PM) version --------------------------------------------------------------------

@settings(deadline=None, max_examples=200)
@given(marker=_markers(min_size=2, max_size=10), rate=st.floats(1e-4, 0.01),
       kind=st.sampled_from(["equal", "stepwise"]))
def test_stabilize_pm_is_stationary_and_keeps_the_rate(marker, rate, kind):
    alleles, p = marker
    assume(p.min() >= 0.02)
    m = mutation_matrix(_model(kind, rate, rng=0.5, rate2=1e-5), alleles, p)
    try:
        s = stabilize_pm(m, p)
    except MarkerError:
        assume(False)
    check_matrix(s)
    assert is_stationary(s, p, tol=1e-12)
    np.testing.assert_allclose(p @ s, p, rtol=0, atol=1e-12)
    assert np.sum(p * (1 - np.diag(s))) == pytest.approx(np.sum(p * (1 - np.diag(m))),
                                                         rel=1e-9, abs=1e-15)


def test_stabilize_pm_known_case():
    p = np.array([0.2, 0.3, 0.5])
    m = mutation_matrix(MutationModel("equal", rate=0.01), ["14", "15", "16"], p)
    assert not is_stationary(m, p)
    s = stabilize_pm(m, p)
    assert is_stationary(s, p)
    assert np.sum(p * (1 - np.diag(s))) == pytest.approx(0.01, abs=1e-15)


def test_stabilize_pm_of_proportional_changes_nothing():
    p = np.array([0.1, 0.2, 0.3, 0.4])
    m = mutation_matrix(MutationModel("proportional", rate=0.005), list("abcd"), p)
    assert is_stationary(m, p)
    np.testing.assert_allclose(stabilize_pm(m, p), m, rtol=0, atol=1e-15)


def test_stabilize_pm_without_mutation_is_identity():
    assert np.array_equal(stabilize_pm(np.eye(3), np.array([0.2, 0.3, 0.5])), np.eye(3))


def test_stabilize_pm_raises_when_impossible():
    p = np.array([0.01, 0.01, 0.98])
    m = mutation_matrix(MutationModel("equal", rate=0.5), ["1", "2", "3"], p)
    with pytest.raises(MarkerError, match="does not exist"):
        stabilize_pm(m, p)


def test_stabilize_pm_raises_for_several_stationary_distributions():
    # 8 never reaches 10 or 11 under onestep: the chain is reducible.
    p = np.array([0.2, 0.3, 0.5])
    m = mutation_matrix(MutationModel("onestep", rate=0.01), ["8", "10", "11"], p)
    with pytest.raises(MarkerError, match="unique stationary distribution"):
        stabilize_pm(m, p)


# (e) Bad input ----------------------------------------------------------------------------------

def test_unknown_model():
    with pytest.raises(MarkerError, match="unknown mutation model 'geometric'"):
        MutationModel("geometric", rate=0.001)


@pytest.mark.parametrize("kwargs", [{"rate": -0.001}, {"rate": 1.5}, {"rate": float("nan")},
                                    {"rate": 0.001, "rate2": -1e-6}])
def test_rate_out_of_range(kwargs):
    with pytest.raises(MarkerError, match="mutation rates must lie in"):
        MutationModel("equal", **kwargs)


@pytest.mark.parametrize("rng", [0.0, 1.0, -0.5])
def test_stepwise_range_out_of_range(rng):
    with pytest.raises(MarkerError, match="stepwise range must lie in"):
        MutationModel("stepwise", rate=0.001, range=rng)


@pytest.mark.parametrize("kind", ["stepwise", "onestep"])
def test_stepwise_needs_numeric_alleles(kind):
    with pytest.raises(MarkerError, match=f"the {kind} mutation model needs numeric allele"):
        mutation_matrix(MutationModel(kind, rate=0.001), ["9", "OL", "10"], [0.3, 0.3, 0.4])


def test_custom_without_matrix():
    with pytest.raises(MarkerError, match="needs a matrix"):
        MutationModel("custom")


def test_custom_matrix_wrong_shape():
    model = MutationModel("custom", matrix=np.eye(3))
    with pytest.raises(MarkerError, match=r"shape \(3, 3\), expected \(2, 2\)"):
        mutation_matrix(model, ["1", "2"], [0.5, 0.5])


def test_custom_matrix_rows_not_summing_to_one():
    model = MutationModel("custom", matrix=[[0.9, 0.05], [0.1, 0.9]])
    with pytest.raises(MarkerError, match=r"rows \[0\] do not sum to 1"):
        mutation_matrix(model, ["1", "2"], [0.5, 0.5])


def test_custom_matrix_negative_entry():
    model = MutationModel("custom", matrix=[[1.1, -0.1], [0.1, 0.9]])
    with pytest.raises(MarkerError, match="negative or non-finite"):
        mutation_matrix(model, ["1", "2"], [0.5, 0.5])


def test_proportional_rate_too_high():
    with pytest.raises(MarkerError, match="too high for these frequencies"):
        mutation_matrix(MutationModel("proportional", rate=0.5), ["1", "2"], [0.99, 0.01])


def test_malformed_spec_names_the_marker():
    with pytest.raises(MarkerError, match="marker 'TH01': malformed mutation model"):
        Mutation.from_dict({"female": {"rate": 0.001}}, marker="TH01")
    with pytest.raises(MarkerError, match="marker 'TH01': malformed mutation model"):
        Mutation.from_dict({"model": "equal", "female": {"rate": "high"}}, marker="TH01")


def test_stationary_option_transforms_both_matrices_and_survives_json() -> None:
    from forensic_match.markers import Marker
    from forensic_match.mutation import Mutation, MutationModel, is_stationary

    alleles, p = ["10", "11", "12", "13"], np.array([0.1, 0.2, 0.3, 0.4])
    mut = Mutation(female=MutationModel("stepwise", rate=0.001, range=0.5),
                   male=MutationModel("stepwise", rate=0.004, range=0.5), stationary=True)
    f, m = mut.matrices(alleles, p)
    assert is_stationary(f, p) and is_stationary(m, p)
    raw_f, _ = Mutation(female=mut.female, male=mut.male).matrices(alleles, p)
    assert not is_stationary(raw_f, p)
    spec = mut.to_dict(alleles, p)
    assert spec["transform"] == "PM"
    again = Mutation.from_dict(spec, marker="X")
    assert again == mut
    marker = Marker("X", alleles, p, again)
    np.testing.assert_allclose(marker.matrices[1], m, rtol=0, atol=1e-15)
