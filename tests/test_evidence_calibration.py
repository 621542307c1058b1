"""Calibration of the non-DNA evidence LRs under H2 ("another member of the victim population").

For every evidence kind, the evidence is simulated under H2 from the very population model the
LR uses in its denominator (fixed seeds), and the tests check E[LR | H2] = 1 within Monte Carlo
error (4 standard errors) and P(LR >= t | H2) <= 1/t (plus 4 binomial standard errors) for
t = 2, 10, 100. Discrete cases are also checked exactly by enumeration. Hypothesis checks that
every LR is >= 0 and finite over valid inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.evidence import (
    PERU,
    AgeDistribution,
    AMRecord,
    DentalChart,
    DentalPopulation,
    Effect,
    Feature,
    Implant,
    age_estimate_lr,
    age_interval_lr,
    dental_lr,
    effects_lr,
    feature_lr,
    implant_lr,
    sex_lr,
    stature_lr,
)
from forensic_match.evidence.dental import STATES

THRESHOLDS = (2.0, 10.0, 100.0)


def check_calibrated(lrs: np.ndarray, *, mean: bool = True) -> None:
    """E[LR] = 1 within 4 standard errors; P(LR >= t) <= 1/t within 4 standard errors."""
    lrs = np.asarray(lrs, dtype=float)
    n = lrs.size
    assert np.all(lrs >= 0) and np.all(np.isfinite(lrs))
    if mean:
        se = lrs.std(ddof=1) / math.sqrt(n)
        assert abs(lrs.mean() - 1.0) <= 4 * se + 1e-12, (lrs.mean(), se)
    for t in THRESHOLDS:
        bound = 1.0 / t
        assert np.mean(lrs >= t) <= bound + 4 * math.sqrt(bound * (1 - bound) / n), t


# --- sex ---------------------------------------------------------------------------------

@pytest.mark.parametrize("recorded", ["M", "F"])
def test_sex_expectation_exact(recorded):
    p, d, m = 0.8, 0.01, 0.05
    total = 0.0
    for t, pt in (("M", p), ("F", 1 - p)):
        for dna in "MF":
            for morph in "MF":
                prob = pt * ((1 - d) if dna == t else d) * ((1 - m) if morph == t else m)
                total += prob * sex_lr(recorded, dna=dna, morphology=morph, dna_error=d,
                                       morphology_error=m, male_fraction=p)
    assert total == pytest.approx(1.0, rel=1e-12)


def test_sex_simulated_under_h2():
    rng = np.random.default_rng(8)
    p, d, m, n = 0.8, 0.01, 0.05, 20000
    male = rng.random(n) < p
    dna_wrong, morph_wrong = rng.random(n) < d, rng.random(n) < m
    table = {(a, b): sex_lr("F", dna=a, morphology=b, dna_error=d, morphology_error=m,
                            male_fraction=p) for a in "MF" for b in "MF"}
    lrs = np.array([table[("M" if mm != dw else "F", "M" if mm != mw else "F")]
                    for mm, dw, mw in zip(male, dna_wrong, morph_wrong)])
    check_calibrated(lrs)


# --- age ---------------------------------------------------------------------------------

def test_age_interval_simulated_under_h2():
    # Intervals of width 10 on [0, 80]; a population with no mass within 10 years of either
    # end, so that every interval position that holds (or misses) T is available and the
    # interval likelihood c/w inside, (1-c)/(R-w) outside is exact.
    pop = AgeDistribution((0, 10, 20, 30, 50, 70, 80), (0.0, 0.3, 0.3, 0.2, 0.2, 0.0))
    rng = np.random.default_rng(1)
    n, w, c = 6000, 10.0, 0.9
    t = pop.sample(rng, n)
    inside = rng.random(n) < c
    u = rng.random(n)
    lo_in = t - u * w
    v = rng.random(n) * (80 - w - w)  # positions [0, 70] minus the w that hold T
    lo_out = np.where(v < t - w, v, v + w)
    lo = np.where(inside, lo_in, lo_out)
    lrs = np.array([age_interval_lr(35.0, a, a + w, c, age_sd=1.0, max_years_to_death=1.0,
                                    population=pop) for a in lo])
    check_calibrated(lrs)


def test_age_estimate_simulated_under_h2():
    rng = np.random.default_rng(2)
    n, se = 6000, 5.0
    x = PERU.ages.sample(rng, n) + rng.normal(0.0, se, n)
    lrs = np.array([age_estimate_lr(24.0, v, se, population=PERU.ages) for v in x])
    check_calibrated(lrs)


# --- stature -----------------------------------------------------------------------------

def test_stature_simulated_under_h2():
    rng = np.random.default_rng(3)
    n, sb = 20000, 3.5
    weights = {"M": 0.8, "F": 0.2}
    male = rng.random(n) < weights["M"]
    pop = {"M": (163.0, 6.5), "F": (151.0, 6.0)}
    true = np.where(male, rng.normal(163.0, 6.5, n), rng.normal(151.0, 6.0, n))
    y = true + rng.normal(0.0, sb, n)
    lrs = np.array([stature_lr(168.0, v, sb, sex=weights, population=pop) for v in y])
    check_calibrated(lrs)


# --- dental ------------------------------------------------------------------------------

def test_dental_simulated_under_h2():
    am = DentalChart({36: "filled", 46: "missing", 11: "sound", 16: "crowned", 26: "sound",
                      31: "present"})
    pop = DentalPopulation.default()
    rng = np.random.default_rng(4)
    n, e = 4000, 0.02
    teeth = sorted(am.teeth)
    observed = []
    for tooth in teeth:
        true = rng.choice(4, size=n, p=pop.of(tooth))
        wrong = rng.random(n) < e
        other = (true + rng.integers(1, 4, size=n)) % 4
        observed.append(np.where(wrong, other, true))
    lrs = np.array([dental_lr(am, DentalChart({t: STATES[o[k]] for t, o in zip(teeth, observed)}),
                              years=3.0, error=e, population=pop, cap=None).lr
                    for k in range(n)])
    check_calibrated(lrs)


def test_dental_single_tooth_expectation_exact():
    pop = DentalPopulation.default()
    e = 0.02
    for am_state in ("sound", "filled", "crowned", "missing", "present", "unerupted"):
        f = pop.of(16)
        total = 0.0
        for o in range(4):
            p_obs = sum(f[t] * ((1 - e) if t == o else e / 3) for t in range(4))
            lr = dental_lr(DentalChart({16: am_state}), DentalChart({16: STATES[o]}), years=7,
                           error=e, population=pop, cap=None).lr
            total += p_obs * lr
        assert total == pytest.approx(1.0, rel=1e-12), am_state


# --- features, implants, effects ---------------------------------------------------------

def test_features_simulated_under_h2():
    rng = np.random.default_rng(5)
    n, f, d, fp = 20000, 0.03, 0.8, 0.001
    am = [Feature("fracture", frequency=f)]
    has = rng.random(n) < f
    seen = np.where(has, rng.random(n) < d, rng.random(n) < fp)
    found = feature_lr(am, ["fracture"], detect=d, false_positive=fp).lr
    absent = feature_lr(am, [], ["fracture"], detect=d, false_positive=fp).lr
    check_calibrated(np.where(seen, found, absent))
    p_seen = f * d + (1 - f) * fp
    assert p_seen * found + (1 - p_seen) * absent == pytest.approx(1.0, rel=1e-12)


def test_implant_serial_expectation_exact_and_tail():
    # Under H2 the serial number matches with probability `coincidence`.
    q, err = 1e-4, 0.01
    am = [Implant("plate", "A1")]
    match = implant_lr(am, [Implant("plate", "A1")], coincidence=q, read_error=err,
                       cap=math.inf).lr
    mismatch = implant_lr(am, [Implant("plate", "B2")], coincidence=q, read_error=err).lr
    assert q * match + (1 - q) * mismatch == pytest.approx(1.0, rel=1e-12)
    capped = implant_lr(am, [Implant("plate", "A1")], coincidence=q, read_error=err,
                        cap=1e3).lr
    assert capped == 1e3 and q <= 1 / capped


def test_effects_simulated_under_h2():
    rng = np.random.default_rng(6)
    n = 20000
    am = [Effect("poncho", frequency=0.1, retained=0.6), Effect("ring", frequency=0.02,
                                                                  retained=0.4)]
    found_poncho = rng.random(n) < 0.1
    found_ring = rng.random(n) < 0.02
    uncapped, capped = [], []
    for a, b in zip(found_poncho, found_ring):
        pm = [Effect(c) for c, hit in (("poncho", a), ("ring", b)) if hit] or [Effect("hat")]
        uncapped.append(effects_lr(am, pm, cap=1e9).lr)
        capped.append(effects_lr(am, pm).lr)
    check_calibrated(np.array(uncapped))
    # The cap lowers the large LRs and lifts the small ones to 1/10: the tail bound holds.
    check_calibrated(np.array(capped), mean=False)
    assert max(capped) <= 10.0


# --- properties --------------------------------------------------------------------------

probability = st.floats(0.001, 0.5)
sexes = st.sampled_from(["M", "F", "U"])


@settings(deadline=None, max_examples=60)
@given(recorded=sexes, dna=sexes, morph=sexes, d=probability, m=probability,
       p=st.floats(0.01, 0.99), a=st.floats(0.0, 0.2))
def test_sex_lr_nonnegative_finite(recorded, dna, morph, d, m, p, a):
    lr = sex_lr(recorded, dna=dna, morphology=morph, dna_error=d, morphology_error=m,
                recorded_error=a, male_fraction=p)
    assert lr >= 0 and math.isfinite(lr)


@settings(deadline=None, max_examples=60)
@given(age=st.floats(0, 85), lo=st.floats(0, 85), width=st.floats(0.5, 40),
       c=st.floats(0.5, 1.0), sd=st.floats(0, 3), m=st.floats(0, 5))
def test_age_interval_lr_nonnegative_finite(age, lo, width, c, sd, m):
    lr = age_interval_lr(age, lo, lo + width, c, age_sd=sd, max_years_to_death=m)
    assert lr >= 0 and math.isfinite(lr)


@settings(deadline=None, max_examples=60)
@given(age=st.floats(0, 85), x=st.floats(0, 90), se=st.floats(0.5, 15), sd=st.floats(0, 3),
       m=st.floats(0, 5))
def test_age_estimate_lr_nonnegative_finite(age, x, se, sd, m):
    lr = age_estimate_lr(age, x, se, age_sd=sd, max_years_to_death=m)
    assert lr >= 0 and math.isfinite(lr)


@settings(deadline=None, max_examples=60)
@given(h=st.floats(100, 210), y=st.floats(100, 210), sb=st.floats(0.5, 10),
       bias=st.floats(-5, 5), sr=st.floats(0, 10), sex=sexes)
def test_stature_lr_nonnegative_finite(h, y, sb, bias, sr, sex):
    lr = stature_lr(h, y, sb, sex=sex, reporting_bias=bias, reporting_sd=sr)
    assert lr >= 0 and math.isfinite(lr)


charts = st.dictionaries(st.sampled_from([11, 16, 21, 36, 46, 55, 85]),
                         st.sampled_from(["sound", "filled", "crowned", "missing", "present",
                                          "missing_pm", "unerupted", "unknown"]), max_size=7)


@settings(deadline=None, max_examples=60)
@given(am=charts, pm=charts, years=st.floats(0, 40), e=st.floats(0.001, 0.2))
def test_dental_lr_nonnegative_finite(am, pm, years, e):
    r = dental_lr(DentalChart(am), DentalChart(pm), years=years, error=e)
    assert r.lr >= 0 and math.isfinite(r.lr)
    assert r.exclusion == any(t.category == "inconsistent" for t in r.teeth)


codes = st.sampled_from(["a", "b", "c", "d"])


@settings(deadline=None, max_examples=60)
@given(am=st.lists(st.tuples(codes, probability), max_size=4),
       found=st.lists(codes, max_size=4), absent=st.lists(codes, max_size=4),
       d=st.floats(0.05, 0.99), fp=st.floats(0, 0.04))
def test_feature_lr_nonnegative_finite(am, found, absent, d, fp):
    r = feature_lr([Feature(c, frequency=f) for c, f in am], found, absent, detect=d,
                   false_positive=fp)
    assert r.lr > 0 and math.isfinite(r.lr)


@settings(deadline=None, max_examples=60)
@given(am=st.lists(st.tuples(codes, probability, probability), max_size=4),
       pm=st.lists(codes, max_size=4), inventoried=st.booleans(), cap=st.floats(1, 1e6))
def test_effects_lr_within_cap(am, pm, inventoried, cap):
    r = effects_lr([Effect(c, frequency=f, retained=p) for c, f, p in am],
                   [Effect(c) for c in pm], inventoried=inventoried, cap=cap)
    assert 1 / cap * (1 - 1e-12) <= r.lr <= cap * (1 + 1e-12)


serials = st.sampled_from(["", "A1", "a-1", "B2"])


@settings(deadline=None, max_examples=60)
@given(am=st.lists(st.tuples(codes, serials), max_size=3),
       pm=st.lists(st.tuples(codes, serials), max_size=3), absent=st.lists(codes, max_size=2),
       q=st.floats(1e-9, 0.1), cap=st.floats(1, 1e9))
def test_implant_lr_nonnegative_finite_capped(am, pm, absent, q, cap):
    r = implant_lr([Implant(k, s) for k, s in am], [Implant(k, s) for k, s in pm], absent,
                   coincidence=q, cap=cap)
    assert 0 < r.lr <= cap and math.isfinite(r.lr)


def test_sex_age_stature_together_simulated_under_h2():
    """Bodies drawn from the population model (sex, DNA and morphological sex readings, age,
    bone stature): the product of the three pieces has E = 1, which needs the stature piece
    conditional on the sex evidence (its H2 mixture over the body's sex given the readings)."""
    from forensic_match.evidence import PMFindings, Population, evidence_log10_block

    pop = Population()
    rng = np.random.default_rng(9)
    n, se, sb = 20000, 5.0, 3.5
    male = rng.random(n) < pop.male_fraction
    truth = np.where(male, "M", "F")
    other = np.where(male, "F", "M")
    dna = np.where(rng.random(n) < pop.dna_sex_error, other, truth)
    morph = np.where(rng.random(n) < pop.morphology_sex_error, other, truth)
    morph = np.where(rng.random(n) < 0.3, "U", morph)  # undetermined on some remains
    age = pop.ages.sample(rng, n) + rng.normal(0.0, se, n)
    stature = {s: (m, sd) for s, m, sd in pop.stature}
    mu = np.where(male, stature["M"][0], stature["F"][0])
    sd = np.where(male, stature["M"][1], stature["F"][1])
    y = mu + sd * rng.standard_normal(n) + rng.normal(0.0, sb, n)
    bodies = [PMFindings(f"P{k}", dna_sex=str(dna[k]), sex_morphology=str(morph[k]),
                         age_estimate=float(age[k]), age_se=se, stature_cm=float(y[k]),
                         stature_sd=sb) for k in range(n)]
    am = [AMRecord("A", sex="F", age=26.0, stature_cm=150.0)]
    block = evidence_log10_block(am, bodies, population=pop)
    total = block["sex"] + block["age"] + block["stature"]
    check_calibrated(10.0 ** total[0])
