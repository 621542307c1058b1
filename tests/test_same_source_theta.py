"""The same-source LR of a body and a direct reference under theta
(``forensic_match/dvi/same_source_theta.py``): NRC II's conditional match probabilities for
complete genotypes, the engine's Hardy-Weinberg pairs at theta 0, an enumeration oracle over
the urn's ordered draws, and identify's direct-reference identifications under theta."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.cases import Family, PMSample
from forensic_match.dvi.fragments import same_source_pairs
from forensic_match.dvi.identify import identify
from forensic_match.dvi.same_source_theta import marker_log10, same_source_log10
from forensic_match.frequencies import load_frequencies
from forensic_match.markers import Marker

MARKER = Marker("L", ("1", "2", "3", "4"), np.array([0.1, 0.2, 0.3, 0.4]))


@pytest.mark.parametrize("theta", [0.0, 0.01, 0.02, 0.1, 0.3])
def test_complete_genotypes_give_nrc_ii_formulas_4_10(theta: float) -> None:
    het = marker_log10(PMSample("x", "U", {"L": ("1", "2")}),
                       PMSample("r", "U", {"L": ("2", "1")}), MARKER, theta)
    hom = marker_log10(PMSample("x", "U", {"L": ("3", "3")}),
                       PMSample("r", "U", {"L": ("3", "3")}), MARKER, theta)
    t = theta
    want_het = (1 + t) * (1 + 2 * t) / (2 * (t + (1 - t) * 0.1) * (t + (1 - t) * 0.2))
    want_hom = (1 + t) * (1 + 2 * t) / ((2 * t + (1 - t) * 0.3) * (3 * t + (1 - t) * 0.3))
    assert 10 ** het == pytest.approx(want_het, rel=1e-12)
    assert 10 ** hom == pytest.approx(want_hom, rel=1e-12)
    # two different complete genotypes: excluded
    assert marker_log10(PMSample("x", "U", {"L": ("1", "2")}),
                        PMSample("r", "U", {"L": ("1", "3")}), MARKER, theta) == -math.inf


def _urn_oracle(x: PMSample, r: PMSample, marker: Marker, theta: float) -> float:
    """The LR by enumerating every ordered allele pair of each person (no triangle, no
    multiplicities) with the urn's sequential draws written out."""
    from forensic_match.dvi.same_source_theta import _observation

    p, n = marker.frequencies, len(marker)
    hw = np.array([p[i] * p[i] if i == j else 2.0 * p[i] * p[j]
                   for j in range(n) for i in range(j + 1)])
    wx, wr = _observation(x, marker, 0.0, hw), _observation(r, marker, 0.0, hw)

    def tri(a: int, b: int) -> int:
        lo, hi = min(a, b), max(a, b)
        return hi * (hi + 1) // 2 + lo

    def draws(seq: tuple[int, ...]) -> float:
        out = 1.0
        for k, a in enumerate(seq):
            out *= ((1 - theta) * p[a] + theta * seq[:k].count(a)) / ((1 - theta) + theta * k)
        return out

    num = sum(draws((a, b)) * wx[tri(a, b)] * wr[tri(a, b)]
              for a, b in itertools.product(range(n), repeat=2))
    den = sum(draws((a, b, c, d)) * wx[tri(a, b)] * wr[tri(c, d)]
              for a, b, c, d in itertools.product(range(n), repeat=4))
    return math.log10(num / den) if num > 0 else -math.inf


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.booleans()), min_size=2,
                max_size=2),
       st.floats(0.0, 0.4), st.floats(0.0, 0.25))
def test_the_urn_sum_agrees_with_an_enumeration_of_ordered_draws(
        calls: list[tuple[int, int, bool]], dropout: float, theta: float) -> None:
    """Any observations (one allele lost or not), any dropout and theta."""
    (a, b, lost_x), (c, d, lost_r) = calls
    labels = MARKER.alleles
    x = PMSample("x", "U", {"L": (labels[a], None if lost_x else labels[b])}, dropout=dropout)
    r = PMSample("r", "U", {"L": (labels[c], None if lost_r else labels[d])}, dropout=dropout)
    got = marker_log10(x, r, MARKER, theta)
    want = _urn_oracle(x, r, MARKER, theta)
    assert got == want if want == -math.inf else got == pytest.approx(want, rel=1e-10,
                                                                      abs=1e-12)


def test_at_theta_zero_it_is_the_engines_same_source_pair() -> None:
    rng = np.random.default_rng(3)
    markers = [Marker(f"M{k}", tuple(str(i) for i in range(1, 8)),
                      (lambda v: v / v.sum())(rng.random(7) + 0.1)) for k in range(12)]
    for trial in range(5):
        g = {}
        for m in markers:
            a, b = rng.choice(7, 2)
            g[m.name] = (str(a + 1), None if rng.random() < 0.3 else str(b + 1))
        x = PMSample("x", "U", g, dropout=0.15)
        r = PMSample("r", "U", {k: (v[0], v[1] or v[0]) for k, v in g.items()})
        (engine,) = same_source_pairs([x, r], markers, threshold=-np.inf,
                                      min_markers=1)["log10_lr"].to_list()
        total, used, _ = same_source_log10(x, r, markers, 0.0)
        assert used == 12 and total == pytest.approx(engine, rel=1e-12), trial
        assert same_source_log10(x, r, markers, 0.02)[0] < total


def test_a_direct_reference_identification_is_scored_under_the_runs_theta() -> None:
    """An outside check (2026-12-07) found the direct-reference LR the same bit for bit at
    theta 0.02 as at 0 (10^2.3 too strong on 23 markers)."""
    from forensic_match.pedigree import missing_person_family
    from forensic_match.reports.recompute import direct_marker_lrs
    from forensic_match.simulate import degrade, simulate_profiles

    db = load_frequencies("fbi2015_sw_hispanic")
    markers = db.markers_for(db.markers)
    ped = missing_person_family("MP", relatives={"H": "half_sibling_paternal"})
    truth = simulate_profiles(ped, markers, seed=21)
    fam = Family("F1", ped, ["MP"], {"H": truth["H"]}, references={"MP": truth["MP"]})
    bone = PMSample("bone", "M", degrade(truth["MP"], dropout=0.2, seed=22), dropout=0.2)
    other = PMSample("other", "M", simulate_profiles(ped, markers, seed=23)["MP"])
    rows = {}
    for theta in (0.0, 0.02):
        ids = identify([fam], [bone, other], markers, theta=theta).identifications
        (row,) = ids.filter(ids["rule"] == "direct reference").iter_rows(named=True)
        rows[theta] = row
    reference = PMSample("ref", "U", dict(truth["MP"]))
    want, _, _ = same_source_log10(bone, reference, markers, 0.02)
    assert rows[0.02]["log10_lr"] == pytest.approx(want, rel=1e-12)
    assert rows[0.0]["log10_lr"] - rows[0.02]["log10_lr"] > 1.0
    # The report's per-marker LRs add up to it.
    lrs = direct_marker_lrs(dict(truth["MP"]), [bone], markers, theta=0.02)
    assert lrs.method == "same_source_theta"
    assert sum(v for v in lrs.log10_lr if v is not None) == pytest.approx(want, rel=1e-12)
