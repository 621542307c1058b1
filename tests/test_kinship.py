"""Kinship LRs against textbook formulas, result objects, provenance and genotype posteriors.

The single-marker formulas are the standard ones of Evett & Weir (1998), *Interpreting DNA
Evidence*, ch. 7 (paternity indices) and ch. 8 (sibship: IBD coefficients k0, k1, k2 of
Cotterman); the same values are tabulated in Buckleton, Bright & Taylor (2016), *Forensic DNA
Evidence Interpretation*, 2nd ed., ch. 10. Each test restates the derivation it checks.
"""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from forensic_match import Marker, Mutation, MutationModel, Pedigree
from forensic_match.kinship import KinshipResult, kinship_lr
from forensic_match.likelihood import OTHER, genotype_posterior
from forensic_match.pedigree import (
    full_siblings,
    half_siblings,
    missing_person_family,
    parent_child,
    trio,
    unrelated,
)

ALLELES = ["a", "b", "c", "d", "e"]
FREQS = [0.1, 0.2, 0.3, 0.15, 0.25]
P = dict(zip(ALLELES, FREQS))

#: The engine is exact; these formulas are evaluated in floating point.
REL = 1e-12


def marker(name: str = "M1", mutation: Mutation | None = None) -> Marker:
    return Marker(name, ALLELES, FREQS, mutation)


def lr(h1: Pedigree, h2: Pedigree, profiles: dict, *markers: Marker, **options) -> float:
    return kinship_lr(h1, h2, list(markers) or [marker()], profiles, **options).lr_total


def one(genotypes: dict[str, tuple[str, str]], name: str = "M1") -> dict:
    """``{individual: {name: genotype}}`` for a single marker."""
    return {i: {name: g} for i, g in genotypes.items()}


DUO = parent_child()                                    # AF, C and the untyped C_mother
DUO_H2 = unrelated(["AF", "C"])


# --- paternity duo (mother untyped) ----------------------------------------------------------
# H1: P(C | AF) = sum over AF's transmitted allele (1/2 each) times the untyped mother's
# allele drawn from the population; H2: Hardy-Weinberg P(C). Evett & Weir (1998), table 7.x.


def test_duo_af_heterozygous_child_shares_one_allele() -> None:
    # AF a/b, C a/c: H1 = 1/2 * p_c, H2 = 2 p_a p_c, LR = 1 / (4 p_a)
    got = lr(DUO, DUO_H2, one({"AF": ("a", "b"), "C": ("a", "c")}))
    assert got == pytest.approx(1 / (4 * P["a"]), rel=REL)


def test_duo_af_homozygous() -> None:
    # AF a/a, C a/b: H1 = p_b, H2 = 2 p_a p_b, LR = 1 / (2 p_a)
    got = lr(DUO, DUO_H2, one({"AF": ("a", "a"), "C": ("a", "b")}))
    assert got == pytest.approx(1 / (2 * P["a"]), rel=REL)


def test_duo_child_homozygous() -> None:
    # AF a/b, C a/a: H1 = 1/2 * p_a, H2 = p_a^2, LR = 1 / (2 p_a)
    got = lr(DUO, DUO_H2, one({"AF": ("a", "b"), "C": ("a", "a")}))
    assert got == pytest.approx(1 / (2 * P["a"]), rel=REL)


def test_duo_same_heterozygote() -> None:
    # AF a/b, C a/b: H1 = (p_a + p_b) / 2, H2 = 2 p_a p_b, LR = (p_a + p_b) / (4 p_a p_b)
    got = lr(DUO, DUO_H2, one({"AF": ("a", "b"), "C": ("a", "b")}))
    assert got == pytest.approx((P["a"] + P["b"]) / (4 * P["a"] * P["b"]), rel=REL)


# --- paternity trio (mother typed) -----------------------------------------------------------
# The mother a/c and the child a/b leave b as the obligate paternal allele. H1: the AF
# transmits b with probability 1/2 (heterozygous) or 1 (b/b); H2: a random man does with p_b.
# LR = 1 / (2 p_b) or 1 / p_b (Evett & Weir 1998, ch. 7, "paternity index").

TRIO_H2 = Pedigree.from_records([("AF", None, None, "M"), ("X", None, None, "M"),
                                 ("MO", None, None, "F"), ("C", "X", "MO", "M")])


@pytest.mark.parametrize("af, want", [(("b", "d"), 1 / (2 * P["b"])),
                                      (("b", "b"), 1 / P["b"]),
                                      (("d", "b"), 1 / (2 * P["b"]))])
def test_trio_obligate_paternal_allele(af: tuple[str, str], want: float) -> None:
    profiles = one({"AF": af, "MO": ("a", "c"), "C": ("a", "b")})
    assert lr(trio(), TRIO_H2, profiles) == pytest.approx(want, rel=REL)


# --- siblings -------------------------------------------------------------------------------
# P(G1, G2 | relationship) = k0 P(G1) P(G2) + k1 P(G1, G2 | 1 IBD) + k2 P(G1, G2 | 2 IBD);
# full siblings (k0, k1, k2) = (1/4, 1/2, 1/4), half siblings (1/2, 1/2, 0).
# Both a/a: full LR = (1 + p_a)^2 / (4 p_a^2), half LR = (1 + p_a) / (2 p_a).
# Both a/b: full LR = (1 + p_a + p_b + 2 p_a p_b) / (8 p_a p_b) (Evett & Weir 1998, ch. 8).


@pytest.mark.parametrize("allele", ["a", "c"])
def test_full_siblings_both_homozygous(allele: str) -> None:
    p = P[allele]
    got = lr(full_siblings(2), unrelated(["S1", "S2"]),
             one({"S1": (allele, allele), "S2": (allele, allele)}))
    assert got == pytest.approx((1 + p) ** 2 / (4 * p * p), rel=REL)


def test_full_siblings_same_heterozygote() -> None:
    pa, pb = P["a"], P["b"]
    got = lr(full_siblings(2), unrelated(["S1", "S2"]),
             one({"S1": ("a", "b"), "S2": ("b", "a")}))
    assert got == pytest.approx((1 + pa + pb + 2 * pa * pb) / (8 * pa * pb), rel=REL)


@pytest.mark.parametrize("paternal", [True, False])
def test_half_siblings_both_homozygous(paternal: bool) -> None:
    p = P["a"]
    got = lr(half_siblings(paternal=paternal), unrelated(["H1", "H2"]),
             one({"H1": ("a", "a"), "H2": ("a", "a")}))
    assert got == pytest.approx((1 + p) / (2 * p), rel=REL)


def test_siblings_sharing_nothing() -> None:
    # Only k0 contributes: full siblings LR = 1/4, half siblings 1/2.
    assert lr(full_siblings(2), unrelated(["S1", "S2"]),
              one({"S1": ("a", "b"), "S2": ("c", "d")})) == pytest.approx(0.25, rel=REL)
    assert lr(half_siblings(), unrelated(["H1", "H2"]),
              one({"H1": ("a", "b"), "H2": ("c", "d")})) == pytest.approx(0.5, rel=REL)


# --- exclusions and mutation -----------------------------------------------------------------


def test_exclusion_without_mutation_is_zero() -> None:
    res = kinship_lr(DUO, DUO_H2, [marker()], one({"AF": ("a", "a"), "C": ("b", "c")}))
    assert res.lr_total == 0.0
    assert res.lr_per_marker == {"M1": 0.0}
    assert res.log10_lr_total == -math.inf


def test_exclusion_with_equal_mutation_is_small_and_exact() -> None:
    # AF a/a, C b/c: the AF must mutate to b or c, each with r_m / (n - 1) under the equal
    # model; the untyped mother gives the other allele, drawn from q = p M_female (her
    # founder allele, then her own transmission, which may mutate too).
    # H1 = r_m / (n - 1) * (q_c + q_b), H2 = 2 p_b p_c.
    r_female, r_male, n = 0.0005, 0.002, len(ALLELES)
    mut = Mutation(female=MutationModel("equal", rate=r_female),
                   male=MutationModel("equal", rate=r_male))
    got = lr(DUO, DUO_H2, one({"AF": ("a", "a"), "C": ("b", "c")}), marker(mutation=mut))
    q = {x: P[x] * (1 - r_female) + (1 - P[x]) * r_female / (n - 1) for x in ALLELES}
    want = r_male / (n - 1) * (q["b"] + q["c"]) / (2 * P["b"] * P["c"])
    assert 0 < got < 0.01
    assert got == pytest.approx(want, rel=1e-12)


def test_mutation_changes_a_consistent_case_only_slightly() -> None:
    mut = Mutation.same(MutationModel("equal", rate=0.001))
    profiles = one({"AF": ("a", "a"), "C": ("a", "b")})
    plain = lr(DUO, DUO_H2, profiles)
    mutated = lr(DUO, DUO_H2, profiles, marker(mutation=mut))
    assert mutated == pytest.approx(plain, rel=2e-3)
    assert mutated != plain


# --- several markers -------------------------------------------------------------------------


def test_markers_multiply_and_logs_add() -> None:
    # Two duo markers: 1 / (2 p_a) = 5 and 1 / (4 p_b) = 1.25 with these frequencies.
    m1, m2, m3 = marker("M1"), marker("M2"), marker("M3")
    profiles = {"AF": {"M1": ("a", "a"), "M2": ("b", "c"), "M3": ("d", "e")},
                "C": {"M1": ("a", "e"), "M2": ("b", "d"), "M3": ("d", "e")}}
    res = kinship_lr(DUO, DUO_H2, [m1, m2, m3], profiles)
    per = res.lr_per_marker
    assert list(per) == ["M1", "M2", "M3"]
    assert per["M1"] == pytest.approx(1 / (2 * P["a"]), rel=REL)
    assert per["M2"] == pytest.approx(1 / (4 * P["b"]), rel=REL)
    assert per["M3"] == pytest.approx((P["d"] + P["e"]) / (4 * P["d"] * P["e"]), rel=REL)
    assert res.lr_total == pytest.approx(math.prod(per.values()), rel=REL)
    assert res.log10_lr_total == pytest.approx(sum(math.log10(v) for v in per.values()),
                                               rel=REL)
    np.testing.assert_allclose(res.log10_lr_per_marker, np.log10(list(per.values())),
                               rtol=REL)


def test_untyped_marker_has_lr_one() -> None:
    res = kinship_lr(DUO, DUO_H2, [marker("M1"), marker("M2")],
                     {"AF": {"M1": ("a", "a")}, "C": {"M1": ("a", "b")}})
    assert res.lr_per_marker["M2"] == pytest.approx(1.0, rel=REL)
    assert res.lr_total == pytest.approx(1 / (2 * P["a"]), rel=REL)


def test_strong_evidence_stays_exact_in_log10() -> None:
    # 500 markers with LR 5 each: the product 5^500 ~ 1e349 is beyond a float, the log10
    # total is a plain sum.
    markers = [marker(f"M{k}") for k in range(500)]
    profiles = {"AF": {m.name: ("a", "a") for m in markers},
                "C": {m.name: ("a", "b") for m in markers}}
    res = kinship_lr(DUO, DUO_H2, markers, profiles)
    assert res.log10_lr_total == pytest.approx(500 * math.log10(5.0), rel=1e-12)


def test_lr_total_overflows_to_inf_as_documented() -> None:
    markers = [marker(f"M{k}") for k in range(500)]
    profiles = {"AF": {m.name: ("a", "a") for m in markers},
                "C": {m.name: ("a", "b") for m in markers}}
    res = kinship_lr(DUO, DUO_H2, markers, profiles)
    assert res.lr_total == math.inf
    assert res.log10_lr_total == pytest.approx(500 * math.log10(5.0), rel=1e-12)
    assert "LR=inf" in repr(res)


def test_misspelt_marker_in_a_profile_is_not_silent() -> None:
    from forensic_match.errors import IgnoredMarkerWarning

    profiles = {"AF": {"M1": ("a", "a")}, "C": {"M1": ("b", "b"), "M1x": ("a", "a")}}
    with pytest.warns(IgnoredMarkerWarning, match=r"sample 'C': markers \['M1x'\]"):
        kinship_lr(DUO, DUO_H2, [marker("M1")], profiles)


# --- the result object -----------------------------------------------------------------------


def test_table_is_a_polars_frame_with_the_documented_columns() -> None:
    res = kinship_lr(DUO, DUO_H2, [marker("M1"), marker("M2")],
                     {"AF": {"M1": ("a", "a"), "M2": ("a", "a")},
                      "C": {"M1": ("a", "b"), "M2": ("c", "d")}})
    table = res.table
    assert isinstance(table, pl.DataFrame)
    assert table.columns == ["marker", "likelihood_h1", "likelihood_h2", "lr", "log10_lr"]
    assert table["marker"].to_list() == ["M1", "M2"]
    np.testing.assert_array_equal(table["likelihood_h1"].to_numpy(), res.likelihood_h1)
    np.testing.assert_array_equal(table["likelihood_h2"].to_numpy(), res.likelihood_h2)
    assert table["lr"].to_list() == [res.lr_per_marker["M1"], 0.0]
    assert table["log10_lr"][0] == pytest.approx(math.log10(5.0), rel=REL)
    assert table["log10_lr"][1] == -math.inf


def test_likelihoods_per_hypothesis() -> None:
    # AF a/a, C a/b: P(data | H1) = p_a^2 * p_b, P(data | H2) = p_a^2 * 2 p_a p_b.
    res = kinship_lr(DUO, DUO_H2, [marker()], one({"AF": ("a", "a"), "C": ("a", "b")}))
    pa, pb = P["a"], P["b"]
    assert res.likelihood_h1[0] == pytest.approx(pa * pa * pb, rel=REL)
    assert res.likelihood_h2[0] == pytest.approx(pa * pa * 2 * pa * pb, rel=REL)
    summary = res.to_dict()
    assert summary["lr_total"] == res.lr_total
    assert summary["likelihood_H1"] == res.likelihood_h1.tolist()
    assert "LR=5" in repr(res)


def test_provenance_records_what_an_auditor_needs() -> None:
    import forensic_match

    profiles = one({"AF": ("a", "a"), "C": ("a", "b")})
    res = kinship_lr(DUO, DUO_H2, [marker()], profiles, theta=0.01)
    prov = res.provenance
    for key in ("version", "parameters", "frequencies_sha256", "profiles_sha256"):
        assert key in prov, key
    assert prov["version"] == forensic_match.__version__
    assert prov["parameters"]["theta"] == 0.01
    assert len(prov["frequencies_sha256"]) == 64
    assert len(prov["profiles_sha256"]) == 64

    again = kinship_lr(DUO, DUO_H2, [marker()], profiles, theta=0.01).provenance
    assert again["frequencies_sha256"] == prov["frequencies_sha256"]
    assert again["profiles_sha256"] == prov["profiles_sha256"]

    changed = Marker("M1", ALLELES, [0.1, 0.2, 0.3, 0.16, 0.24])
    other = kinship_lr(DUO, DUO_H2, [changed], profiles, theta=0.01).provenance
    assert other["frequencies_sha256"] != prov["frequencies_sha256"]
    assert other["profiles_sha256"] == prov["profiles_sha256"]

    retyped = kinship_lr(DUO, DUO_H2, [marker()], one({"AF": ("a", "a"), "C": ("a", "c")}),
                         theta=0.01).provenance
    assert retyped["profiles_sha256"] != prov["profiles_sha256"]
    assert retyped["frequencies_sha256"] == prov["frequencies_sha256"]


def test_result_type() -> None:
    res = kinship_lr(DUO, DUO_H2, [marker()], one({"AF": ("a", "a"), "C": ("a", "b")}))
    assert isinstance(res, KinshipResult)
    assert res.markers == ("M1",)


# --- genotype posteriors ---------------------------------------------------------------------


def test_posterior_of_child_of_two_homozygous_parents() -> None:
    (post,) = genotype_posterior(trio(), [marker()], one({"AF": ("a", "a"), "MO": ("b", "b")}),
                                 "C")
    i, j = post.alleles.index("a"), post.alleles.index("b")
    # Ordered (paternal, maternal): the father can only give a, the mother only b.
    assert post.matrix[i, j] == pytest.approx(1.0, abs=1e-15)
    assert post.matrix.sum() == pytest.approx(1.0, abs=1e-15)
    assert post.matrix[j, i] == 0.0
    assert post.unordered()[("a", "b")] == pytest.approx(1.0, abs=1e-15)
    assert post.likelihood == pytest.approx(P["a"] ** 2 * P["b"] ** 2, rel=REL)


def test_posterior_of_untyped_founder_is_hardy_weinberg() -> None:
    ped = unrelated(["X", "Y"])
    (post,) = genotype_posterior(ped, [marker()], {}, "X", lump=False)
    assert post.alleles == tuple(ALLELES)
    p = np.array(FREQS)
    np.testing.assert_allclose(post.matrix, np.outer(p, p), rtol=REL)
    unordered = post.unordered()
    assert unordered[("a", "a")] == pytest.approx(P["a"] ** 2, rel=REL)
    assert unordered[("a", "c")] == pytest.approx(2 * P["a"] * P["c"], rel=REL)
    assert post.likelihood == pytest.approx(1.0, rel=REL)


def test_posterior_with_lumping_keeps_requested_alleles() -> None:
    (post,) = genotype_posterior(unrelated(["X"]), [marker()], {}, "X", keep_alleles=[["b"]])
    assert "b" in post.alleles and OTHER in post.alleles
    b = post.alleles.index("b")
    assert post.unordered()[("b", "b")] == pytest.approx(P["b"] ** 2, rel=REL)
    assert post.matrix.sum() == pytest.approx(1.0, rel=REL)
    assert post.matrix[b].sum() == pytest.approx(P["b"], rel=REL)


# --- dropout ---------------------------------------------------------------------------------


def test_dropout_rescues_an_apparent_exclusion() -> None:
    # The child shows only "a"; AF is b/b. Without dropout the child is a/a and AF excluded.
    # With per-allele dropout d the child may be a/b with b dropped (probability d(1-d)):
    # H1 = p_a d(1-d) (the mother gives a), H2 = p_a^2 (1-d^2) + 2 p_a (1-p_a) d(1-d),
    # the AF's own p_b^2 cancelling (FORMAT.md's dropout model, no drop-in).
    profiles = one({"AF": ("b", "b"), "C": ("a", "a")})
    assert lr(DUO, DUO_H2, profiles) == 0.0
    d, pa = 0.5, P["a"]
    got = lr(DUO, DUO_H2, profiles, observation={"C": d})
    want = pa * d * (1 - d) / (pa * pa * (1 - d * d) + 2 * pa * (1 - pa) * d * (1 - d))
    assert got > 0
    assert got == pytest.approx(want, rel=REL)


# --- relationship builders with kinship_lr ---------------------------------------------------


def test_trio_builder_with_custom_ids() -> None:
    profiles = one({"F": ("a", "b"), "M": ("c", "d"), "K": ("a", "c")})
    h2 = Pedigree.from_records([("F", None, None, "M"), ("X", None, None, "M"),
                                ("M", None, None, "F"), ("K", "X", "M", "F")])
    got = lr(trio("K", "F", "M", child_sex="F"), h2, profiles)
    assert got == pytest.approx(1 / (2 * P["a"]), rel=REL)


def test_trio_against_unrelated_all_three() -> None:
    # H2: all three unrelated. H1 = P(AF) P(MO) * 1/4 (C a/c from AF a/b and MO c/d),
    # H2 = P(AF) P(MO) * 2 p_a p_c.
    profiles = one({"AF": ("a", "b"), "MO": ("c", "d"), "C": ("a", "c")})
    got = lr(trio(), unrelated(["AF", "MO", "C"], ["M", "F", "M"]), profiles)
    assert got == pytest.approx(1 / (8 * P["a"] * P["c"]), rel=REL)


def test_full_siblings_builder_with_three_ids() -> None:
    # Three siblings, one typed: the untyped ones are irrelevant and LR = 1.
    ped = full_siblings(ids=["A", "B", "C"], sexes={"B": "F"})
    got = lr(ped, unrelated(["A", "B", "C"]), one({"A": ("a", "b")}))
    assert got == pytest.approx(1.0, rel=REL)


def test_missing_person_family_parents_is_a_trio() -> None:
    h1 = missing_person_family("MP", relatives={"R1": "father", "R2": "mother"})
    h2 = unrelated(["MP", "R1", "R2"], {"R2": "F"})
    profiles = one({"R1": ("a", "b"), "R2": ("c", "c"), "MP": ("b", "c")})
    via_builder = lr(h1, h2, profiles)
    assert via_builder == pytest.approx(1 / (4 * P["b"] * P["c"]), rel=REL)
    renamed = {"R1": "AF", "R2": "MO", "MP": "C"}
    trio_profiles = {renamed[k]: v for k, v in profiles.items()}
    assert via_builder == pytest.approx(
        lr(trio(), unrelated(["AF", "MO", "C"], ["M", "F", "M"]), trio_profiles), rel=REL)


def test_missing_person_family_siblings_match_the_formulas() -> None:
    h1 = missing_person_family("MP", relatives={"S": "full_sibling", "H": "half_sibling_paternal"})
    p = P["a"]
    both = one({"MP": ("a", "a"), "S": ("a", "a")})
    assert lr(h1, unrelated(["MP", "S", "H"]), both) == pytest.approx(
        (1 + p) ** 2 / (4 * p * p), rel=REL)
    half = one({"MP": ("a", "a"), "H": ("a", "a")})
    assert lr(h1, unrelated(["MP", "S", "H"]), half) == pytest.approx((1 + p) / (2 * p),
                                                                      rel=REL)
