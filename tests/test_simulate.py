"""Simulation: reproducibility, founder frequencies, Mendelian transmission, mutation, theta,
degradation."""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from scipy import stats

from forensic_match.errors import InputError, PedigreeError
from forensic_match.markers import Marker
from forensic_match.mutation import Mutation, MutationModel
from forensic_match.pedigree import (
    missing_person_family,
    parent_child,
    trio,
    unrelated,
)
from forensic_match.simulate import degrade, random_profile, simulate_profiles

FREQS = [0.2, 0.3, 0.5]


def marker(name: str = "M1", mutation: Mutation | None = None) -> Marker:
    return Marker(name, ["1", "2", "3"], FREQS, mutation)


def copies(n: int, mutation: Mutation | None = None) -> list[Marker]:
    """``n`` independent markers with the same alleles, frequencies and mutation model."""
    return [marker(f"M{k}", mutation) for k in range(n)]


def sigma_bound(p: float, n: int) -> float:
    """Five binomial standard deviations of a proportion: fails by chance about 1 in 10^6."""
    return 5 * np.sqrt(p * (1 - p) / n)


def family():
    return missing_person_family(relatives={"R1": "father", "R2": "full_sibling",
                                            "R3": "child", "R4": "first_cousin_maternal",
                                            "R5": "nephew_via_brother"},
                                 sexes={"R4": "F"}).add(
        [("X", "R2", "R4", "M")])  # a cousin marriage, for a loop


# --- reproducibility -------------------------------------------------------------------------


def test_same_seed_same_profiles() -> None:
    markers = copies(10)
    ped = family()
    assert simulate_profiles(ped, markers, seed=3) == simulate_profiles(ped, markers, seed=3)
    assert (simulate_profiles(ped, markers, seed=np.random.default_rng(3))
            == simulate_profiles(ped, markers, seed=3))
    assert random_profile(markers, seed=5) == random_profile(markers, seed=5)
    with_theta = simulate_profiles(ped, markers, seed=3, founders_theta=0.1)
    assert with_theta == simulate_profiles(ped, markers, seed=3, founders_theta=0.1)


def test_different_seeds_differ() -> None:
    markers = copies(20)
    ped = family()
    assert simulate_profiles(ped, markers, seed=1) != simulate_profiles(ped, markers, seed=2)
    assert random_profile(markers, seed=1) != random_profile(markers, seed=2)


def test_shared_generator_advances() -> None:
    rng = np.random.default_rng(0)
    markers = copies(20)
    assert random_profile(markers, seed=rng) != random_profile(markers, seed=rng)


def test_typed_subset_is_the_same_draw() -> None:
    markers = copies(5)
    ped = family()
    everyone = simulate_profiles(ped, markers, seed=11)
    assert set(everyone) == set(ped.ids)
    some = simulate_profiles(ped, markers, seed=11, typed=["R3", "MP"])
    assert list(some) == ["R3", "MP"]
    assert some == {i: everyone[i] for i in ("R3", "MP")}
    with pytest.raises(PedigreeError, match="^individual 'nobody' is not in the pedigree$"):
        simulate_profiles(ped, markers, seed=1, typed=["nobody"])


def test_theta_out_of_range() -> None:
    with pytest.raises(InputError, match=re.escape("founders_theta must lie in [0, 1), got 1.0")):
        simulate_profiles(trio(), copies(1), seed=1, founders_theta=1.0)
    with pytest.raises(InputError, match="founders_theta"):
        simulate_profiles(trio(), copies(1), seed=1, founders_theta=-0.1)


# --- genotypes -------------------------------------------------------------------------------


def test_genotypes_in_allele_order() -> None:
    m = Marker("TH01", ["9.3", "10", "6"], [0.4, 0.3, 0.3])
    markers = [Marker(f"T{k}", m.alleles, m.frequencies) for k in range(50)]
    profiles = simulate_profiles(family(), markers, seed=4)
    seen = set()
    for prof in profiles.values():
        for a, b in prof.values():
            assert m.index(a) <= m.index(b)
            seen.add((a, b))
    assert seen == {(m.alleles[i], m.alleles[j]) for i in range(3) for j in range(i, 3)}
    for a, b in random_profile(markers, seed=9).values():
        assert m.index(a) <= m.index(b)


def test_random_profile_hardy_weinberg() -> None:
    n = 20000
    prof = random_profile(copies(n), seed=2024)
    counts = np.zeros((3, 3))
    for a, b in prof.values():
        counts[int(a) - 1, int(b) - 1] += 1
    p = np.array(FREQS)
    for i, j in itertools.product(range(3), repeat=2):
        if i > j:
            continue
        expected = p[i] ** 2 if i == j else 2 * p[i] * p[j]
        assert abs(counts[i, j] / n - expected) < sigma_bound(expected, n)


def test_founder_allele_frequencies() -> None:
    ped = unrelated([f"F{k}" for k in range(3000)])
    profiles = simulate_profiles(ped, [marker()], seed=12345)
    counts = np.zeros(3)
    for prof in profiles.values():
        for allele in prof["M1"]:
            counts[int(allele) - 1] += 1
    total = counts.sum()
    assert total == 6000
    _, pvalue = stats.chisquare(counts, total * np.array(FREQS))
    assert pvalue > 1e-4
    assert np.allclose(counts / total, FREQS, atol=0.03)


def test_unnormalised_frequencies_are_used_as_given() -> None:
    # A rounded table that sums to 0.999 is still a valid marker (rescaled, with a warning:
    # docs/frequencies.md) and must simulate.
    from forensic_match.errors import NormalisationWarning

    with pytest.warns(NormalisationWarning, match="rescaled to sum to 1"):
        m = Marker("R", ["1", "2"], [0.499, 0.5])
    prof = simulate_profiles(unrelated(["A", "B"]), [m], seed=1)
    assert set(prof) == {"A", "B"}


# --- transmission ----------------------------------------------------------------------------


def consistent(child: tuple[str, str], father: tuple[str, str], mother: tuple[str, str]) -> bool:
    a, b = child
    return (a in father and b in mother) or (b in father and a in mother)


def test_mendelian_without_mutation() -> None:
    ped = family()
    profiles = simulate_profiles(ped, copies(300), seed=77)
    checked = 0
    for ident in ped.ids:
        parents = ped.parents(ident)
        if parents is None:
            continue
        fa, mo = parents
        for name, genotype in profiles[ident].items():
            assert consistent(genotype, profiles[fa][name], profiles[mo][name]), (ident, name)
            checked += 1
    assert checked == 300 * sum(ped.parents(i) is not None for i in ped.ids)


def test_zero_mutation_rate_is_mendelian() -> None:
    mutation = Mutation.same(MutationModel("equal", rate=0.0))
    profiles = simulate_profiles(trio(), copies(300, mutation), seed=5)
    for name, child in profiles["C"].items():
        assert consistent(child, profiles["AF"][name], profiles["MO"][name])


def oracle_inconsistency(rate_female: float, rate_male: float) -> float:
    """P(a trio is Mendelian-inconsistent) by enumeration, for the equal model over FREQS."""
    p = np.array(FREQS)
    n = len(p)

    def matrix(rate: float) -> np.ndarray:
        m = np.full((n, n), rate / (n - 1))
        np.fill_diagonal(m, 1 - rate)
        return m

    male, female = matrix(rate_male), matrix(rate_female)
    total = 0.0
    for f1, f2, m1, m2 in itertools.product(range(n), repeat=4):
        prior = p[f1] * p[f2] * p[m1] * p[m2]
        for c1, c2 in itertools.product(range(n), repeat=2):
            prob = (0.5 * (male[f1, c1] + male[f2, c1])) * (0.5 * (female[m1, c2]
                                                                     + female[m2, c2]))
            ok = ((c1 in (f1, f2) and c2 in (m1, m2)) or (c2 in (f1, f2) and c1 in (m1, m2)))
            if not ok:
                total += prior * prob
    return total


def test_mutation_rate_of_inconsistencies() -> None:
    n = 6000
    mutation = Mutation.same(MutationModel("equal", rate=0.3))
    profiles = simulate_profiles(trio(), copies(n, mutation), seed=2718)
    bad = sum(not consistent(c, profiles["AF"][k], profiles["MO"][k])
              for k, c in profiles["C"].items())
    expected = oracle_inconsistency(0.3, 0.3)
    assert 0.1 < expected < 0.5
    assert abs(bad / n - expected) < sigma_bound(expected, n)


def test_mutation_uses_the_transmitting_parents_sex() -> None:
    n = 3000
    # Only fathers mutate: every child keeps an allele of its mother.
    mutation = Mutation(female=MutationModel("equal", rate=0.0),
                        male=MutationModel("equal", rate=0.3))
    profiles = simulate_profiles(trio(), copies(n, mutation), seed=99)
    child, father, mother = profiles["C"], profiles["AF"], profiles["MO"]
    assert all(set(child[k]) & set(mother[k]) for k in child)
    bad = sum(not consistent(child[k], father[k], mother[k]) for k in child)
    expected = oracle_inconsistency(0.0, 0.3)
    assert abs(bad / n - expected) < sigma_bound(expected, n)
    # Only mothers mutate: a child of a mother shares an allele with its father.
    mutation = Mutation(female=MutationModel("equal", rate=0.3),
                        male=MutationModel("equal", rate=0.0))
    profiles = simulate_profiles(parent_child(), copies(n, mutation), seed=98)
    child, father = profiles["C"], profiles["AF"]
    assert all(set(child[k]) & set(father[k]) for k in child)


# --- theta -----------------------------------------------------------------------------------


def homozygosity(profiles: dict) -> float:
    genotypes = [g for prof in profiles.values() for g in prof.values()]
    return sum(a == b for a, b in genotypes) / len(genotypes)


def test_theta_increases_homozygosity() -> None:
    n = 4000
    ped = unrelated(["A"])
    p2 = float(np.sum(np.square(FREQS)))
    without = homozygosity(simulate_profiles(ped, copies(n), seed=31))
    theta = 0.2
    with_theta = homozygosity(simulate_profiles(ped, copies(n), seed=31, founders_theta=theta))
    assert with_theta > without + 0.05
    # Two draws from the Balding-Nichols urn are equal with probability theta + (1-theta)*sum p^2.
    expected = theta + (1 - theta) * p2
    assert abs(without - p2) < sigma_bound(p2, n)
    assert abs(with_theta - expected) < sigma_bound(expected, n)


def test_theta_links_founders() -> None:
    # The urn is shared: unrelated founders of one case share alleles more often.
    n = 4000
    ped = unrelated(["A", "B"])
    theta = 0.3
    profiles = simulate_profiles(ped, copies(n), seed=8, founders_theta=theta)
    same = sum(profiles["A"][k][0] == profiles["B"][k][0] for k in profiles["A"]) / n
    expected = theta + (1 - theta) * float(np.sum(np.square(FREQS)))
    assert abs(same - expected) < sigma_bound(expected, n)


# --- degrade ---------------------------------------------------------------------------------


def test_degrade_extremes() -> None:
    prof = {"M1": ("1", "2"), "M2": ("3", "3"), "M3": ("2", None)}
    assert degrade(prof, dropout=0.0, seed=1) == prof
    assert degrade(prof, dropout=1.0, seed=1) == {}
    assert degrade(prof, dropout=0.0, marker_loss=1.0, seed=1) == {}
    assert list(degrade(prof, dropout=0.0, seed=1)) == ["M1", "M2", "M3"]
    assert prof == {"M1": ("1", "2"), "M2": ("3", "3"), "M3": ("2", None)}


def test_degrade_is_reproducible() -> None:
    prof = random_profile(copies(50), seed=1)
    assert degrade(prof, dropout=0.4, seed=6) == degrade(prof, dropout=0.4, seed=6)
    assert degrade(prof, dropout=0.4, seed=6) != degrade(prof, dropout=0.4, seed=7)


def test_degrade_rates() -> None:
    n = 20000
    d = 0.3
    het = {f"H{k}": ("1", "2") for k in range(n)}
    out = degrade(het, dropout=d, seed=21)
    both = sum(g == ("1", "2") for g in out.values()) / n
    single = sum(g in (("1", "1"), ("2", "2")) for g in out.values()) / n
    lost = 1 - len(out) / n
    for seen, expected in ((both, (1 - d) ** 2), (single, 2 * d * (1 - d)), (lost, d * d)):
        assert abs(seen - expected) < sigma_bound(expected, n)
    assert set(out.values()) <= {("1", "2"), ("1", "1"), ("2", "2")}

    hom = {f"H{k}": ("3", "3") for k in range(n)}
    out = degrade(hom, dropout=d, seed=22)
    assert set(out.values()) == {("3", "3")}
    assert abs(1 - len(out) / n - d * d) < sigma_bound(d * d, n)

    partial = {f"H{k}": ("3", None) for k in range(n)}
    out = degrade(partial, dropout=d, seed=23)
    assert set(out.values()) == {("3", None)}
    assert abs(1 - len(out) / n - d) < sigma_bound(d, n)


def test_degrade_marker_loss_rate() -> None:
    n = 20000
    prof = {f"H{k}": ("1", "2") for k in range(n)}
    out = degrade(prof, dropout=0.0, marker_loss=0.25, seed=3)
    assert set(out.values()) == {("1", "2")}
    assert abs(1 - len(out) / n - 0.25) < sigma_bound(0.25, n)


def test_degrade_per_marker_dropout() -> None:
    prof = {"short": ("1", "2"), "long": ("1", "2")}
    out = degrade(prof, dropout={"long": 1.0}, seed=1)
    assert out == {"short": ("1", "2")}


def test_degrade_bad_probabilities() -> None:
    with pytest.raises(InputError, match=re.escape(
            "marker 'M1': dropout probability must lie in [0, 1], got 1.5")):
        degrade({"M1": ("1", "2")}, dropout=1.5, seed=1)
    with pytest.raises(InputError, match=re.escape(
            "marker_loss probability must lie in [0, 1], got -0.1")):
        degrade({"M1": ("1", "2")}, dropout=0.1, marker_loss=-0.1, seed=1)
