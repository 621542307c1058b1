"""Non-DNA evidence: closed forms, numbers of dvir and mispitools, records and bad input.

Pinned numbers of the established tools are computed by hand from their R source (no R here):

- dvir ``LRDiscrete`` (R/LRdiscrete.R, commit e2a6ce3 of 2021-10-11, removed from dvir in
  e226e82 of 2022-02-25): LR00 = (1-mu)/(1-alpha), LR01 = mu/(1-alpha), LR10 = mu/alpha,
  LR11 = (1-mu)/alpha, multiplied over the identified victims; x is the victim's property, y
  the missing person's. Its documented example uses alpha = 0.1, mu = 0.01.
- dvir ``ageAIC`` (R/ageAIC.R, same commits): log-likelihood of an assignment
  ``-nstar*log(k) + sum(dnorm(aV, aM, sigma, log = TRUE))``, so the LR of one identified victim
  against none is ``k * dnorm(aV, aM, sigma)``; defaults k = 100, sigma = 2; example ages M1 = 58.
- mispitools ``lr_sex`` (R/lr_sex.R, commit 6b716dc): ``LRmatch = (1 - eps) / Ps[MP]``,
  ``LRnomatch = eps / Ps[other]``, ``Ps = c(female, male)``; defaults eps = 0.05,
  Ps = c(0.5, 0.5); documented example Ps = c(0.52, 0.48) with MPs = "M".
- mispitools ``lr_age`` (R/lr_age.R, commit 6b716dc), uniform model: ``T1p = (MPmax - MPmin) /
  80``, ``LR1 = (1 - epa) / T1p``, ``LR0 = epa / (1 - T1p)``; defaults MPa = 40, MPr = 6,
  epa = 0.05, so T1p = 12/80 = 0.15.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.cases import case_from_dict
from forensic_match.errors import InputError
from forensic_match.evidence import (
    PERU,
    AgeDistribution,
    AMRecord,
    DentalChart,
    DentalPopulation,
    Effect,
    Feature,
    Implant,
    PMFindings,
    Population,
    age_estimate_lr,
    age_interval_lr,
    am_record_from_info,
    am_records_from_dataset,
    body_sex_probabilities,
    dental_lr,
    discrete_lr,
    effects_lr,
    evidence_frame,
    evidence_log10_block,
    evidence_lr,
    feature_lr,
    implant_lr,
    pm_findings_from_dataset,
    pm_findings_from_info,
    read_am_records,
    read_pm_findings,
    sex_lr,
    stature_lr,
)
from forensic_match.evidence.dental import STATES, classify_tooth, transition_matrix
from forensic_match.evidence.gross import (
    AGE_GROSS_ERROR,
    STATURE_GROSS_ERROR,
    log10_with_gross_error,
    with_gross_error,
)
from forensic_match.evidence.scoring import EvidenceScores

#: Exact ages: no completed-years offset, no recording error, no misreport, death on the day.
EXACT = dict(age_sd=0.0, max_years_to_death=0.0, age_offset=0.0, misreport=0.0)


def _phi(z: float) -> float:
    return math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)


# --- sex ---------------------------------------------------------------------------------

def lr_discrete(assignment: dict[str, str], x: dict[str, int], y: dict[str, int], *,
                alpha: float, mu: float) -> float:
    """dvir's LRDiscrete over an assignment {victim: missing or '*'}, through discrete_lr."""
    out = 1.0
    for victim, missing in assignment.items():
        if missing != "*":
            out *= discrete_lr(str(y[missing]), str(x[victim]),
                               frequencies={"1": alpha, "0": 1 - alpha}, error=mu,
                               frequencies_of="observed")
    return out


def test_dvir_lr_discrete_cells():
    # alpha = 0.1, mu = 0.01 (dvir's example): (1-mu)/alpha, mu/alpha, mu/(1-alpha), ...
    f = {"1": 0.1, "0": 0.9}
    assert discrete_lr("1", "1", frequencies=f, error=0.01, frequencies_of="observed") == \
        pytest.approx(9.9, rel=1e-12)
    assert discrete_lr("0", "1", frequencies=f, error=0.01, frequencies_of="observed") == \
        pytest.approx(0.1, rel=1e-12)
    assert discrete_lr("1", "0", frequencies=f, error=0.01, frequencies_of="observed") == \
        pytest.approx(0.01 / 0.9, rel=1e-12)
    assert discrete_lr("0", "0", frequencies=f, error=0.01, frequencies_of="observed") == \
        pytest.approx(1.1, rel=1e-12)


def test_dvir_lr_discrete_example_assignments():
    # dvir's example data: x = (V1 = 1, V2 = 0, V3 = 0), y = (M1 = 1, M2 = 0, M3 = 0).
    x = {"V1": 1, "V2": 0, "V3": 0}
    y = {"M1": 1, "M2": 0, "M3": 0}
    assert lr_discrete({"V1": "*", "V2": "*", "V3": "*"}, x, y, alpha=0.1, mu=0.01) == 1.0
    # V1=M1, V2=M2, V3=M3: LR11 * LR00 * LR00 = 9.9 * 1.1 * 1.1 = 11.979
    assert lr_discrete({"V1": "M1", "V2": "M2", "V3": "M3"}, x, y, alpha=0.1, mu=0.01) == \
        pytest.approx(11.979, rel=1e-12)
    # V1=M2, V2=M1: LR10 * LR01 = 0.1 * (0.01 / 0.9)
    assert lr_discrete({"V1": "M2", "V2": "M1", "V3": "*"}, x, y, alpha=0.1, mu=0.01) == \
        pytest.approx(0.1 * 0.01 / 0.9, rel=1e-12)
    # The loop of dvir's example with alpha = 0.05: V1=M1 alone, LR11 = 0.99 / 0.05 = 19.8
    assert lr_discrete({"V1": "M1", "V2": "*", "V3": "*"}, x, y, alpha=0.05, mu=0.01) == \
        pytest.approx(19.8, rel=1e-12)


def test_mispitools_lr_sex_defaults_and_example():
    half = {"F": 0.5, "M": 0.5}
    # Defaults eps = 0.05, Ps = (0.5, 0.5): match 0.95 / 0.5 = 1.9, mismatch 0.05 / 0.5 = 0.1.
    assert discrete_lr("F", "F", frequencies=half, error=0.05, frequencies_of="observed") == \
        pytest.approx(1.9, rel=1e-12)
    assert discrete_lr("F", "M", frequencies=half, error=0.05, frequencies_of="observed") == \
        pytest.approx(0.1, rel=1e-12)
    # Documented example: MPs = "M", Ps = c(0.52, 0.48): 0.95 / 0.48 and 0.05 / 0.52.
    ps = {"F": 0.52, "M": 0.48}
    assert discrete_lr("M", "M", frequencies=ps, error=0.05, frequencies_of="observed") == \
        pytest.approx(1.9791666666666667, rel=1e-12)
    assert discrete_lr("M", "F", frequencies=ps, error=0.05, frequencies_of="observed") == \
        pytest.approx(0.09615384615384616, rel=1e-12)
    # With equal sexes the "true frequencies" form is the same number: sex_lr reproduces it.
    assert sex_lr("F", dna="F", dna_error=0.05, male_fraction=0.5) == pytest.approx(1.9)
    assert sex_lr("F", morphology="M", morphology_error=0.05, male_fraction=0.5) == \
        pytest.approx(0.1)


def test_sex_lr_closed_forms():
    p, e = 0.8, 0.01
    assert sex_lr("M", dna="M", dna_error=e, male_fraction=p) == \
        pytest.approx((1 - e) / (p * (1 - e) + (1 - p) * e), rel=1e-12)
    assert sex_lr("F", dna="F", dna_error=e, male_fraction=p) == \
        pytest.approx((1 - e) / ((1 - p) * (1 - e) + p * e), rel=1e-12)
    # DNA and morphology: one joint LR over the true sex, not the product of two LRs.
    d, m = 0.01, 0.05
    joint = (d * (1 - m)) / (p * d * (1 - m) + (1 - p) * (1 - d) * m)
    assert sex_lr("M", dna="F", morphology="M", dna_error=d, morphology_error=m,
                  male_fraction=p) == pytest.approx(joint, rel=1e-12)
    assert sex_lr("M", dna="U", morphology="U") == 1.0
    assert sex_lr("U", dna="M") == 1.0
    # A register error on the recorded sex.
    a = 0.02
    assert sex_lr("M", dna="F", dna_error=e, recorded_error=a, male_fraction=p) == \
        pytest.approx(((1 - a) * e + a * (1 - e)) / (p * e + (1 - p) * (1 - e)), rel=1e-12)


def test_body_sex_probabilities_is_bayes():
    p = body_sex_probabilities(dna="M", morphology="F", dna_error=0.01, morphology_error=0.05,
                               male_fraction=0.8)
    m = 0.8 * 0.99 * 0.05
    f = 0.2 * 0.01 * 0.95
    assert p["M"] == pytest.approx(m / (m + f), rel=1e-12)
    assert p["M"] + p["F"] == pytest.approx(1.0)


# --- age ---------------------------------------------------------------------------------

def test_mispitools_lr_age_defaults():
    uniform80 = AgeDistribution.uniform(0, 80)
    options = dict(EXACT, population=uniform80)
    # MPa 40 +- MPr 6 -> [34, 46], epa 0.05: LR1 = 0.95 / 0.15, LR0 = 0.05 / 0.85.
    assert age_interval_lr(40, 34, 46, 0.95, **options) == pytest.approx(0.95 / 0.15, rel=1e-12)
    assert age_interval_lr(40, 34, 46, 0.95, **options) == pytest.approx(6.333333333333333)
    assert age_interval_lr(50, 34, 46, 0.95, **options) == pytest.approx(0.05 / 0.85, rel=1e-12)
    assert age_interval_lr(50, 34, 46, 0.95, **options) == pytest.approx(0.058823529411764705)


def test_dvir_age_aic_lr():
    # k * dnorm(aV, aM, sigma) with k = 100, sigma = 2, aM = 58: aV = 60 -> 50 * phi(1).
    options = dict(EXACT, population=AgeDistribution.uniform(0, 100), gross_error=0.0)
    assert age_estimate_lr(58, 60, 2, **options) == pytest.approx(12.098536225957168, rel=1e-9)
    assert age_estimate_lr(58, 58, 2, **options) == pytest.approx(100 * _phi(0) / 2, rel=1e-9)
    # Far from the edges the smoothed uniform density is 1/k to within 1e-12.
    assert age_estimate_lr(30, 36, 2, **options) == pytest.approx(50 * _phi(3), rel=1e-9)


def test_age_interval_closed_form_with_time_to_death():
    # Age 30 recorded exactly, death uniform within 2 years: T ~ U(30, 32). Interval [31, 41]
    # at 90% coverage, uniform population on [0, 80]: P1(in) = 1/2, P2(in) = 10/80.
    c, w, r = 0.9, 10.0, 80.0
    pop = AgeDistribution.uniform(0, 80)
    num = c / w * 0.5 + (1 - c) / (r - w) * 0.5
    den = c / w * (10 / 80) + (1 - c) / (r - w) * (70 / 80)
    assert age_interval_lr(30, 31, 41, c, age_sd=0, max_years_to_death=2, age_offset=0,
                           misreport=0, population=pop) == pytest.approx(num / den, rel=1e-12)


def test_age_estimate_closed_form_normal_and_uniform():
    # A ~ N(30, 1), D ~ U(0, 2), estimate 33 with se 3: f1 = [Phi((33-30)/s) - Phi((33-32)/s)]/2
    # with s = hypot(1, 3); population uniform on [0, 100] far from the edges: f2 = 1/100.
    def cdf(z: float) -> float:
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))

    s = math.hypot(1, 3)
    f1 = (cdf(3 / s) - cdf(1 / s)) / 2
    lr = age_estimate_lr(30, 33, 3, age_sd=1, max_years_to_death=2, age_offset=0, misreport=0,
                         population=AgeDistribution.uniform(0, 100), gross_error=0.0)
    assert lr == pytest.approx(f1 * 100, rel=1e-9)
    # Completed years and a misreported share: a two-normal mixture centred at 30.5.
    s2 = math.hypot(1, 5, 3)
    f1_wide = (cdf((33 - 30.5) / s2) - cdf((33 - 32.5) / s2)) / 2
    f1_mixed = 0.9 * (cdf(2.5 / s) - cdf(0.5 / s)) / 2 + 0.1 * f1_wide
    lr = age_estimate_lr(30, 33, 3, age_sd=1, max_years_to_death=2, age_offset=0.5,
                         misreport=0.1, misreport_sd=5,
                         population=AgeDistribution.uniform(0, 100))
    # With the default share of gross errors (docs/evidence.md): (1 - eps) LR + eps.
    assert lr == pytest.approx((1 - AGE_GROSS_ERROR) * f1_mixed * 100 + AGE_GROSS_ERROR,
                               rel=1e-9)


def test_age_population_default_is_a_distribution():
    pop = PERU.ages
    assert sum(pop.probabilities) == pytest.approx(1.0)
    assert pop.probability(0, 200) == pytest.approx(1.0)
    assert "assumption" in pop.source


# --- stature -----------------------------------------------------------------------------

def test_stature_closed_form():
    h, y, sb, bias, sr = 170.0, 166.0, 3.5, 2.0, 4.0
    pop = {"M": (163.0, 6.5), "F": (151.0, 6.0)}
    num = _phi((y - (h - bias)) / math.hypot(sr, sb)) / math.hypot(sr, sb)
    den_m = _phi((y - 163.0) / math.hypot(6.5, sb)) / math.hypot(6.5, sb)
    den_f = _phi((y - 151.0) / math.hypot(6.0, sb)) / math.hypot(6.0, sb)
    assert stature_lr(h, y, sb, sex="M", reporting_bias=bias, reporting_sd=sr,
                      population=pop, gross_error=0.0) == pytest.approx(num / den_m, rel=1e-12)
    eps = STATURE_GROSS_ERROR  # the default share of gross errors: (1 - eps) LR + eps
    assert stature_lr(h, y, sb, sex={"M": 0.7, "F": 0.3}, reporting_bias=bias,
                      reporting_sd=sr, population=pop) == \
        pytest.approx((1 - eps) * num / (0.7 * den_m + 0.3 * den_f) + eps, rel=1e-12)


def test_stature_loss_with_age():
    # Reported at 50: 0.06 * (50 - 30) = 1.2 cm lost; the bone estimate is maximum stature.
    pop = {"M": (163.0, 6.5), "F": (151.0, 6.0)}
    h, y, sb = 165.0, 166.0, 3.5
    num = _phi((y - (h - 2.0 + 1.2)) / math.hypot(4.0, sb)) / math.hypot(4.0, sb)
    den = _phi((y - 163.0) / math.hypot(6.5, sb)) / math.hypot(6.5, sb)
    assert stature_lr(h, y, sb, sex="M", age=50, population=pop, gross_error=0.0) == \
        pytest.approx(num / den, rel=1e-12)
    assert stature_lr(h, y, sb, sex="M", age=25, population=pop) == \
        stature_lr(h, y, sb, sex="M", population=pop)
    am = AMRecord("A", sex="M", age=50, stature_cm=h)
    pm = PMFindings("P", dna_sex="M", stature_cm=y, stature_sd=sb)
    assert evidence_lr(am, pm).pieces["stature"] == pytest.approx(
        stature_lr(h, y, sb, sex=body_sex_probabilities(dna="M"), age=50), rel=1e-12)


# --- dental ------------------------------------------------------------------------------

def test_dental_one_tooth_closed_form():
    pop = DentalPopulation.default()
    f = pop.of(36)
    e = 0.02
    r = dental_lr(DentalChart({36: "filled"}), DentalChart({36: "filled"}), years=0, error=e,
                  cap=None)
    den = f[1] * (1 - e) + (1 - f[1]) * e / 3
    assert r.lr == pytest.approx((1 - e) / den, rel=1e-12)
    assert r.teeth[0].category == "concordant" and not r.exclusion


def test_dental_transitions_forward_only():
    p = transition_matrix(10.0)
    assert p.sum(axis=1) == pytest.approx([1, 1, 1, 1])
    # Nothing returns to sound, and missing is absorbing.
    assert p[1:, 0] == pytest.approx([0, 0, 0])
    assert p[3] == pytest.approx([0, 0, 0, 1])
    # sound -> missing over t years without passing through filled: rate 0.005.
    # P(still sound) = exp(-(0.01 + 0.005) t).
    assert p[0, 0] == pytest.approx(math.exp(-0.015 * 10), rel=1e-12)


def test_dental_categories_and_exclusion():
    assert classify_tooth("sound", "filled") == "explainable"
    assert classify_tooth("sound", "missing") == "explainable"
    assert classify_tooth("filled", "crowned") == "explainable"
    assert classify_tooth("missing", "sound") == "inconsistent"
    assert classify_tooth("missing", "present") == "inconsistent"
    assert classify_tooth("missing", "missing_pm") == "inconsistent"
    assert classify_tooth("filled", "sound") == "inconsistent"
    assert classify_tooth("crowned", "filled") == "inconsistent"
    assert classify_tooth("present", "filled") == "concordant"
    assert classify_tooth("unerupted", "filled") == "explainable"
    am = DentalChart({36: "missing", 11: "sound", 21: "sound"})
    pm = DentalChart({36: "filled", 11: "sound", 21: "filled", 48: "unknown"})
    r = dental_lr(am, pm, years=5)
    assert r.exclusion
    assert [t.category for t in r.teeth] == ["concordant", "explainable", "inconsistent"]
    # missing AM -> filled PM: only a charting error, e/3, over the filled molar frequency.
    f = DentalPopulation.default().of(36)
    e = 0.02
    assert r.teeth[2].lr == pytest.approx((e / 3) / (f[1] * (1 - e) + (1 - f[1]) * e / 3),
                                          rel=1e-12)
    assert r.teeth[2].lr < 0.1
    # Explainable: sound AM -> filled PM after 5 years, through the chain's 5-year step.
    f21 = DentalPopulation.default().of(21)
    step = transition_matrix(5.0)
    like = [e / 3, 1 - e, e / 3, e / 3]
    num = sum(step[0, t] * like[t] for t in range(4))
    den = sum(f21[t] * like[t] for t in range(4))
    assert r.teeth[1].lr == pytest.approx(num / den, rel=1e-12)


def test_dental_lr_is_product_over_teeth_and_capped():
    am = DentalChart({t: "filled" for t in (16, 26, 36, 46, 17, 27, 37, 47)})
    pm = DentalChart(dict(am.teeth))
    one = dental_lr(DentalChart({16: "filled"}), DentalChart({16: "filled"}), cap=None).lr
    r = dental_lr(am, pm, cap=None)
    assert r.lr == pytest.approx(one ** 8, rel=1e-9)
    assert dental_lr(am, pm, cap=1e4).lr == 1e4
    assert r.log10_lr == pytest.approx(8 * math.log10(one), rel=1e-9)


def test_dental_population_from_table(tmp_path):
    path = tmp_path / "teeth.csv"
    path.write_text("tooth,sound,filled,crowned,missing\n36,0.5,0.3,0.0,0.2\n")
    pop = DentalPopulation.from_table(path)
    assert list(pop.of(36)) == [0.5, 0.3, 0.0, 0.2]
    assert list(pop.of(11)) == list(DentalPopulation.default().of(11))
    path.write_text("tooth,sound,filled,crowned,missing\n36,0.5,0.3,0.1,0.2\n")
    with pytest.raises(InputError, match=r"line 2, tooth 36: frequencies must .* sum to 1"):
        DentalPopulation.from_table(path)


def test_dental_population_from_charts():
    charts = [DentalChart({16: "missing", 11: "sound"}), DentalChart({16: "filled"}),
              DentalChart({16: "missing", 11: "present"}), DentalChart({16: "unknown"})]
    prior = DentalPopulation.default()
    pop = DentalPopulation.from_charts(charts, prior_weight=4)
    # Tooth 16: counts (sound 0, filled 1, crowned 0, missing 2) + 4 x prior molar row.
    expected = [(c + 4 * p) / (3 + 4) for c, p in zip([0, 1, 0, 2], prior.of(16))]
    assert list(pop.of(16)) == pytest.approx(expected, rel=1e-12)
    # Tooth 11: one sound chart ("present" is not counted).
    assert list(pop.of(11)) == pytest.approx(
        [(c + 4 * p) / 5 for c, p in zip([1, 0, 0, 0], prior.of(11))], rel=1e-12)
    assert list(pop.of(48)) == pytest.approx(list(prior.of(48)))
    assert pop.source.startswith("4 charts, prior weight 4")
    with pytest.raises(InputError, match="prior_weight must be above 0"):
        DentalPopulation.from_charts(charts, prior_weight=0)


# --- features, implants, effects ---------------------------------------------------------

def test_implant_serial_match_capped_and_mismatch_flagged():
    am = [Implant("hip_prosthesis", "ZX-0042-7", "Acme")]
    r = implant_lr(am, [Implant("hip_prosthesis", "zx 0042 7")])
    assert r.lr == 1e6 and r.matched == ("hip_prosthesis",) and not r.exclusion
    r = implant_lr(am, [Implant("hip_prosthesis", "ZX-0042-7")], coincidence=0.01, cap=1e6)
    assert r.lr == pytest.approx(0.99 / 0.01)
    r = implant_lr(am, [Implant("hip_prosthesis", "ZX-0043-7")])
    assert r.exclusion and r.lr == pytest.approx(0.01 / (1 - 1e-7))
    assert implant_lr(am, []).lr == 1.0


def test_feature_lr_closed_forms():
    f, d, fp = 0.02, 0.8, 0.001
    seen = f * d + (1 - f) * fp
    am = [Feature("fracture:left_femur", frequency=f), Feature("amputation:finger", frequency=f)]
    r = feature_lr(am, ["fracture:left_femur"], ["amputation:finger"], detect=d,
                   false_positive=fp)
    assert r.lr == pytest.approx(d / seen * (1 - d) / (1 - seen), rel=1e-12)
    assert feature_lr(am, [], []).lr == 1.0


def test_effects_lr_and_cap():
    am = [Effect("poncho:red", frequency=0.1, retained=0.4),
          Effect("ring:JQ", frequency=0.01, retained=0.5)]
    r = effects_lr(am, [Effect("poncho:red")])
    assert r.lr == pytest.approx(0.4 / 0.1 * (1 - 0.5) / (1 - 0.01), rel=1e-12)
    assert effects_lr(am, [Effect("poncho:red"), Effect("ring:JQ")]).lr == 10.0
    assert effects_lr(am, [Effect("hat")]).lr == pytest.approx(
        max(0.6 / 0.9 * 0.5 / 0.99, 0.1), rel=1e-12)
    assert effects_lr(am, [Effect("hat")], inventoried=False).lr == 1.0


# --- combination -------------------------------------------------------------------------

def _dataset() -> dict:
    return {
        "kind": "dvi", "id": "ev",
        "markers": [{"name": "M1", "alleles": ["1", "2"], "frequencies": [0.5, 0.5]}],
        "pm": [{"id": "PM0001", "sex": "M", "genotypes": {}, "site": "G0031",
                "info": {"age_min": 25, "age_max": 35, "age_coverage": 0.95,
                         "sex_morphology": "M", "stature_cm": 166.0, "stature_sd": 4.0,
                         "date_recovered": "2019-07-02", "district": "D017",
                         "dental": {"36": "filled", "11": "sound"}}},
               {"id": "PM0002", "sex": "F", "genotypes": {}}],
        "am": [{"family": "F1", "missing": ["F1_C1"], "genotypes": {},
                "pedigree": [{"id": "F1_FA", "sex": "M"}, {"id": "F1_MO", "sex": "F"},
                             {"id": "F1_C1", "father": "F1_FA", "mother": "F1_MO", "sex": "M"}],
                "info": {"F1_C1": {"age": 24, "date_missing": "1984-08-14",
                                   "place_missing": "D017", "stature_cm": 170.0,
                                   "dental": {"36": "sound", "11": "sound"},
                                   "dental_date": "1982-08-14"}}}]}


def test_records_from_dataset_fields():
    ds = case_from_dict(_dataset())
    am = am_records_from_dataset(ds)["F1_C1"]
    pm = pm_findings_from_dataset(ds)
    assert (am.sex, am.age, am.date_missing, am.place_missing, am.stature_cm) == \
        ("M", 24.0, dt.date(1984, 8, 14), "D017", 170.0)
    assert am.family == "F1" and am.dental.teeth == {36: "sound", 11: "sound"}
    p = pm["PM0001"]
    assert (p.dna_sex, p.sex_morphology, p.age_min, p.age_max, p.age_coverage) == \
        ("M", "M", 25.0, 35.0, 0.95)
    assert (p.stature_cm, p.stature_sd, p.date_recovered, p.district) == \
        (166.0, 4.0, dt.date(2019, 7, 2), "D017")
    assert pm["PM0002"].dna_sex == "F" and pm["PM0002"].age_min is None


def test_evidence_lr_pieces_and_product():
    ds = case_from_dict(_dataset())
    am = am_records_from_dataset(ds)["F1_C1"]
    pm = pm_findings_from_dataset(ds)
    r = evidence_lr(am, pm["PM0001"])
    assert set(r.pieces) == {"sex", "age", "stature", "dental", "features", "implants",
                             "effects"}
    assert sorted(r.applied()) == ["age", "dental", "sex", "stature"]
    assert r.pieces["sex"] == pytest.approx(sex_lr("M", dna="M", morphology="M"))
    assert r.pieces["age"] == pytest.approx(age_interval_lr(24, 25, 35, 0.95))
    sexes = body_sex_probabilities(dna="M", morphology="M")
    assert r.pieces["stature"] == pytest.approx(stature_lr(170.0, 166.0, 4.0, sex=sexes))
    years = 731 / 365.25  # dental chart 1982-08-14 to disappearance 1984-08-14
    expected = dental_lr(am.dental, pm["PM0001"].dental, years=years).lr
    assert r.pieces["dental"] == pytest.approx(expected, rel=1e-12)
    assert "2.0 years" in r.notes["dental"]
    assert r.lr == pytest.approx(math.prod(r.pieces.values()), rel=1e-12)
    assert r.notes["features"] == "not recorded for the missing person"
    assert "independent" in r.assumption
    assert r.summary().startswith("sex ")
    # Body with only DNA sex, female: the sex piece alone, well below 1.
    r2 = evidence_lr(am, pm["PM0002"])
    assert sorted(r2.applied()) == ["sex"] and r2.lr < 0.05
    assert r2.notes["age"] == "not estimated on the body"


def test_evidence_frame_and_provenance():
    ds = case_from_dict(_dataset())
    am = am_records_from_dataset(ds)["F1_C1"]
    pm = pm_findings_from_dataset(ds)
    rows = [evidence_lr(am, p) for p in pm.values()]
    frame = evidence_frame(rows)
    assert frame.columns == ["am", "pm", "sex", "age", "stature", "dental", "features",
                             "implants", "effects", "lr", "log10_lr", "compared", "exclusions"]
    assert frame["pm"].to_list() == ["PM0001", "PM0002"]
    assert frame["lr"].to_list() == pytest.approx([r.lr for r in rows])
    assert frame["compared"].to_list() == ["sex,age,stature,dental", "sex"]
    settings = PERU.to_dict()
    assert json.loads(json.dumps(settings)) == settings
    # RENADE, Reporte Estadístico n.° 3 (2022): 17,644 men of 22,295 disappeared.
    assert settings["male_fraction"] == pytest.approx(0.7914, abs=1e-4)
    assert "assumption" in settings["ages"]["source"]


def test_evidence_lr_child_stature_not_compared_and_settings():
    am = AMRecord("C", sex="F", age=9, stature_cm=125.0)
    pm = PMFindings("P", dna_sex="F", stature_cm=126.0, stature_sd=5.0)
    r = evidence_lr(am, pm)
    assert r.pieces["stature"] == 1.0 and "growing" in r.notes["stature"]
    half = Population(male_fraction=0.5, dna_sex_error=0.05)
    assert evidence_lr(am, pm, population=half).pieces["sex"] == pytest.approx(1.9)


def test_interval_without_coverage_uses_the_stated_default():
    pm = pm_findings_from_info("P", {"age_min": 20, "age_max": 30}, sex="M")
    assert pm.age_coverage is None
    r = evidence_lr(AMRecord("A", sex="M", age=24), pm)
    assert r.pieces["age"] == pytest.approx(age_interval_lr(24, 20, 30, 0.95))
    assert "coverage not recorded: assumed" in r.notes["age"]
    r = evidence_lr(AMRecord("A", sex="M", age=24), pm, population=Population(age_coverage=0.8))
    assert r.pieces["age"] == pytest.approx(age_interval_lr(24, 20, 30, 0.8))


def test_evidence_lr_exclusions_are_reported():
    am = AMRecord("M1", sex="M", dental=DentalChart({36: "missing"}),
                  implants=[Implant("plate", "S1")])
    pm = PMFindings("P1", dental=DentalChart({36: "sound"}), implants=[Implant("plate", "S2")])
    r = evidence_lr(am, pm)
    assert r.exclusions == ("dental", "implants")
    assert "exclusion flagged by dental, implants" in r.summary()


# --- records from tables -----------------------------------------------------------------

def test_read_am_records_wide_csv(tmp_path):
    path = tmp_path / "am.csv"
    path.write_text("id,family,sex,age,date_missing,place_missing,stature_cm,tooth_36,tooth_11,"
                    "implants,features,name\n"
                    "F1_C1,F1,M,24,1984-08-14,D017,170,filled,sound,plate:AB12,"
                    "fracture:left_femur,Juan\n"
                    "F2_C1,F2,F,31,,,,,,,,Rosa\n")
    recs = read_am_records(path)
    r = recs["F1_C1"]
    assert (r.sex, r.age, r.stature_cm, r.family) == ("M", 24.0, 170.0, "F1")
    assert r.dental.teeth == {36: "filled", 11: "sound"}
    assert r.implants == [Implant("plate", "AB12")]
    assert r.features == [Feature("fracture:left_femur")]
    assert r.extra == {"name": "Juan"}
    assert recs["F2_C1"].dental is None and recs["F2_C1"].stature_cm is None


def test_read_pm_findings_long_csv_with_sources(tmp_path):
    path = tmp_path / "pm.csv"
    path.write_text("id,field,value,source,date\n"
                    "PM1,sex,M,lab,2020-01-02\n"
                    "PM1,age_min,25,anthropology,2019-08-01\n"
                    "PM1,age_max,35,anthropology,2019-08-01\n"
                    "PM1,age_coverage,0.95,anthropology,2019-08-01\n"
                    "PM1,tooth_36,filled,odontology,2019-08-03\n"
                    "PM1,tooth_11,sound,odontology,2019-08-03\n"
                    "PM1,features,fracture:left_femur,anthropology,2019-08-01\n"
                    "PM1,features,amputation:finger,anthropology,2019-08-01\n"
                    "PM2,sex_morphology,F,anthropology,2019-08-01\n")
    recs = read_pm_findings(path)
    p = recs["PM1"]
    assert (p.dna_sex, p.age_min, p.age_max, p.age_coverage) == ("M", 25.0, 35.0, 0.95)
    assert p.dental.teeth == {36: "filled", 11: "sound"}
    assert p.features == ["fracture:left_femur", "amputation:finger"]
    assert p.sources["age_min"] == ("anthropology", "2019-08-01")
    assert recs["PM2"].sex_morphology == "F"


def test_read_pm_findings_parquet_and_excel(tmp_path):
    frame = pl.DataFrame({"id": ["PM1", "PM2"], "sex": ["M", "F"], "age_estimate": [30.0, 41.5],
                          "age_se": [4.0, 5.0], "stature_cm": [166.0, None],
                          "stature_sd": [3.5, None]})
    pq = tmp_path / "pm.parquet"
    frame.write_parquet(pq)
    recs = read_pm_findings(pq)
    assert (recs["PM2"].age_estimate, recs["PM2"].age_se) == (41.5, 5.0)
    assert recs["PM1"].stature_cm == 166.0 and recs["PM2"].stature_cm is None
    pytest.importorskip("fastexcel")
    pytest.importorskip("xlsxwriter")
    xl = tmp_path / "pm.xlsx"
    frame.write_excel(xl)
    recs = read_pm_findings(xl)
    assert recs["PM1"].age_estimate == 30.0 and recs["PM2"].dna_sex == "F"


def test_json_round_trip_of_own_fields():
    info = {"age": 30, "dental": {"18": "missing", "55": "sound"},
            "features": [{"code": "fracture:left_femur", "frequency": 0.02}],
            "implants": [{"kind": "pin", "serial": "X1", "maker": "M"}],
            "effects": [{"code": "ring:JQ", "frequency": 0.01, "retained": 0.5}]}
    r = am_record_from_info("A", json.loads(json.dumps(info)), sex="F")
    assert r.dental.teeth == {18: "missing", 55: "sound"}
    assert r.features[0].frequency == 0.02
    assert r.implants[0] == Implant("pin", "X1", "M")
    assert r.effects[0] == Effect("ring:jq", "", 0.01, 0.5)  # codes compare in lower case
    r = am_record_from_info("B", {"implants": ["plate:AB-12", "pacemaker"]})
    assert r.implants == [Implant("plate", "AB-12"), Implant("pacemaker")]


# --- bad input ---------------------------------------------------------------------------

@pytest.mark.parametrize("info, message", [
    ({"age": "abc"}, r"missing person 'A', field 'age': 'abc' is not a number"),
    ({"age": 150}, r"field 'age': 150 is outside 0\.\.120"),
    ({"date_missing": "14/08/1984"}, r"field 'date_missing': '14/08/1984' is not an ISO date"),
    ({"stature_cm": "tall"}, r"field 'stature_cm': 'tall' is not a number"),
    ({"dental": {"19": "sound"}}, r"field 'dental': tooth '19' is not an FDI tooth code"),
    ({"dental": {"36": "gold"}}, r"tooth 36: tooth state 'gold' is not one of"),
    ({"sex": "X"}, r"field 'sex': sex 'X' is not one of"),
    ({"features": [{"description": "scar"}]}, r"field 'features', item 1: needs a 'code'"),
    ({"effects": [{"code": "hat", "frequency": 0}]}, r"effect 'hat', field 'frequency'"),
])
def test_bad_am_fields(info, message):
    with pytest.raises(InputError, match=message):
        am_record_from_info("A", info, source="file 'x.json'")


@pytest.mark.parametrize("info, message", [
    ({"age_min": 40, "age_max": 30, "age_coverage": 0.9}, r"age_min 40 is above age_max 30"),
    ({"age_min": 30}, r"field 'age_max': an age interval needs both"),
    ({"age_estimate": 30}, r"field 'age_se'"),
    ({"stature_cm": 160}, r"field 'stature_sd': a stature estimate needs"),
    ({"age_coverage": 1.5, "age_min": 1, "age_max": 2}, r"field 'age_coverage'.* outside"),
])
def test_bad_pm_fields(info, message):
    with pytest.raises(InputError, match=message):
        pm_findings_from_info("PM9", info)


def test_infant_stature_is_accepted_and_metres_are_not():
    """Perinatal remains measure 30-50 cm (the simulator's infants gave 39.8 cm, once refused);
    a stature written in metres is still an error."""
    assert pm_findings_from_info("PM9", {"stature_cm": 38.5, "stature_sd": 3.0}).stature_cm \
        == 38.5
    with pytest.raises(InputError, match=r"field 'stature_cm': 1\.7 is outside 20"):
        pm_findings_from_info("PM9", {"stature_cm": 1.7, "stature_sd": 0.05})


def test_bad_table_rows_name_file_line_id_and_field(tmp_path):
    path = tmp_path / "am.csv"
    path.write_text("id,sex,age\nF1_C1,M,24\nF2_C1,F,twenty\n")
    with pytest.raises(InputError, match=r"am\.csv', line 3, missing person 'F2_C1', "
                                         r"field 'age': 'twenty' is not a number"):
        read_am_records(path)
    path.write_text("id,sex,age\nF1_C1,M,24\nF1_C1,M,25\n")
    with pytest.raises(InputError, match=r"line 3, sample 'F1_C1': id repeated \(first at "
                                         r"line 2\)"):
        read_am_records(path)
    path.write_text("person_name,sex\nx,M\n")
    with pytest.raises(InputError, match=r"no 'id' column"):
        read_am_records(path)
    long = tmp_path / "pm.csv"
    long.write_text("id,field,value\nPM1,age_min,20\nPM1,age_min,25\n")
    with pytest.raises(InputError, match=r"line 3, sample 'PM1', field 'age_min': value '25' "
                                         r"differs from '20' at line 2"):
        read_pm_findings(long)
    long.write_text("id,field,value\nPM1,sex,M\nPM1,tooth_99,sound\n")
    with pytest.raises(InputError, match=r"line 3, sample 'PM1', field 'dental': tooth "
                                         r"'99' is not an FDI"):
        read_pm_findings(long)
    # A bad value is named at its own line, not at the first line of its id.
    long.write_text("id,field,value\nPM1,sex,M\nPM2,sex,F\nPM1,age_se,x\n")
    with pytest.raises(InputError, match=r"line 4, sample 'PM1', field 'age_se': 'x' is not "
                                         r"a number"):
        read_pm_findings(long)
    long.write_text("id,field,value\nPM1,sex,M\nPM1,date_recovered,2019-13-01\n")
    with pytest.raises(InputError, match=r"line 3, sample 'PM1', field 'date_recovered'"):
        read_pm_findings(long)


def test_bad_parameters():
    with pytest.raises(InputError, match="male_fraction must be a probability above 0"):
        sex_lr("M", dna="M", male_fraction=0.0)
    with pytest.raises(InputError, match="dna sex must be 'M', 'F' or 'U'"):
        sex_lr("M", dna="male")
    with pytest.raises(InputError, match="frequencies must sum to 1"):
        discrete_lr("a", "b", frequencies={"a": 0.5, "b": 0.4}, error=0.1)
    with pytest.raises(InputError, match="band probabilities must be >= 0 and sum to 1"):
        AgeDistribution((0, 10, 20), (0.5, 0.6))
    with pytest.raises(InputError, match=r"age interval \[30, 30\] has no width"):
        age_interval_lr(30, 30, 30, 0.9)
    with pytest.raises(InputError, match="age_se must be above 0"):
        age_estimate_lr(30, 30, 0)
    with pytest.raises(InputError, match="stature_sd must be above 0"):
        stature_lr(170, 170, 0)
    with pytest.raises(InputError, match="dental chart error must be in"):
        dental_lr(DentalChart({11: "sound"}), DentalChart({11: "sound"}), error=0)
    with pytest.raises(InputError, match="unknown dental rates"):
        transition_matrix(1.0, {"sound_crowned": 0.1})
    with pytest.raises(InputError, match="frequency of feature 'f' must be a probability"):
        feature_lr([Feature("f", frequency=1.0)], ["f"])


@pytest.mark.parametrize("changes, message", [
    ({"male_fraction": 1.0}, r"Population\.male_fraction must be strictly between 0 and 1"),
    ({"dna_sex_error": -0.1}, r"Population\.dna_sex_error must be a probability"),
    ({"age_coverage": 0.0}, r"Population\.age_coverage must be in \(0, 1\]"),
    ({"age_sd": math.nan}, r"Population\.age_sd must be a finite number >= 0"),
    ({"dental_error": 0.0}, r"Population\.dental_error must be in \(0, 0\.75\)"),
    ({"stature": (("M", 163.0, 0.0),)}, r"Population\.stature: \('M', 163\.0, 0\.0\)"),
    ({"dental_cap": 0.5}, r"Population\.dental_cap must be at least 1 \(or None\)"),
    ({"effects_cap": math.nan}, r"Population\.effects_cap must be at least 1"),
])
def test_bad_population(changes, message):
    with pytest.raises(InputError, match=message):
        Population(**changes)


def test_recorded_sex_error_reaches_the_sex_piece():
    am, pm = AMRecord("A", sex="M"), PMFindings("P", dna_sex="F")
    r = evidence_lr(am, pm, population=Population(recorded_sex_error=0.02))
    assert r.pieces["sex"] == pytest.approx(sex_lr("M", dna="F", recorded_error=0.02))


def test_states_cover_the_chart_vocabulary():
    assert STATES == ("sound", "filled", "crowned", "missing")


@pytest.mark.parametrize("module", ["records", "sex", "age", "stature", "dental", "features",
                                    "combine", "batch", "gross", "body_findings"])
def test_docstring_examples(module):
    import doctest
    import importlib

    mod = importlib.import_module(f"forensic_match.evidence.{module}")
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@settings(deadline=None, max_examples=60)
@given(t=st.floats(-8, 8), sd=st.floats(0.05, 10), ratio=st.floats(1e-7, 0.3))
def test_age_at_death_cdf_equals_numerical_integration(t: float, sd: float,
                                                       ratio: float) -> None:
    """P(A + D <= t), A ~ N(0, sd), D ~ U(0, m), against scipy's adaptive quadrature of
    Phi((t - d) / sd) / m over the window, on both sides of the switch between Gauss-Legendre
    and the difference quotient (a window of 1e-7 to 0.3 of the spread; below 1e-9 years a
    window is no window, by design)."""
    from scipy.integrate import quad
    from scipy.special import ndtr

    from forensic_match.evidence.age import _cdf_h1
    from forensic_match.evidence.batch import _cdf_h1 as batch_cdf

    m = ratio * sd
    x = t * sd
    want = quad(lambda d: ndtr((x - d) / sd), 0.0, m, epsabs=0, epsrel=1e-13)[0] / m
    got = _cdf_h1(x, 0.0, sd, m)
    assert got == pytest.approx(want, rel=1e-11, abs=1e-15)
    assert float(batch_cdf(np.array([x]), np.array([0.0]), sd, m)[0]) == \
        pytest.approx(want, rel=1e-11, abs=1e-15)


# --- gross errors of a measurement ---------------------------------------------------------

@given(st.floats(-300.0, 300.0), st.floats(0.0, 0.5))
def test_gross_error_on_log10_equals_the_linear_form(log10_lr: float, eps: float) -> None:
    got = float(log10_with_gross_error(log10_lr, eps))
    assert got == pytest.approx(math.log10(with_gross_error(10.0 ** log10_lr, eps)),
                                rel=1e-12, abs=1e-12)
    assert got >= math.log10(eps) - 1e-12 if eps > 0 else got == log10_lr


@settings(deadline=None)  # the first call compiles the kernel
@given(st.floats(-8.0, 8.0), st.floats(-5.0, 5.0), st.floats(0.0, 0.2))
def test_the_stature_kernel_takes_the_same_gross_error(z: float, const: float,
                                                       eps: float) -> None:
    from forensic_match.evidence._scoring_numba import stature_log10

    bare = const - 0.5 * z * z / math.log(10.0)
    assert stature_log10(z, const, eps) == pytest.approx(
        float(log10_with_gross_error(bare, eps)), rel=1e-12, abs=1e-12)


def test_a_wild_estimate_does_not_exclude_the_true_person() -> None:
    # Recorded 51, estimated 22.7 with se 3.2 (the case of docs/simulation-evidence.md): the
    # bare model gives about 1e-6 (1e-15 in the simulation note, which had no misreported
    # share); with the gross-error share the LR is at least eps,
    # in the scalar, block and search forms alike.
    am, pm = AMRecord("M", sex="M", age=51.0), PMFindings("P", age_estimate=22.7, age_se=3.2)
    bare = age_estimate_lr(51.0, 22.7, 3.2, gross_error=0.0)
    assert bare < 1e-5
    lr = evidence_lr(am, pm).pieces["age"]
    assert lr == pytest.approx((1 - AGE_GROSS_ERROR) * bare + AGE_GROSS_ERROR, rel=1e-12)
    block = evidence_log10_block([am], [pm])["age"][0, 0]
    assert block == pytest.approx(math.log10(lr), rel=1e-12)
    scores = EvidenceScores.build([("F", "M")], {"M": am}, [pm])
    assert scores.pieces(0, 0)["age"] == pytest.approx(math.log10(lr), rel=1e-12)
    # An agreeing estimate keeps its weight: (1 - eps) LR + eps.
    near = age_estimate_lr(51.0, 50.0, 3.2)
    assert near == pytest.approx((1 - AGE_GROSS_ERROR) * age_estimate_lr(
        51.0, 50.0, 3.2, gross_error=0.0) + AGE_GROSS_ERROR, rel=1e-12)
    # Intervals carry their own tail (the stated coverage) and are unchanged.
    assert Population(age_gross_error=0.0).age_gross_error == 0.0
    with pytest.raises(InputError, match="age_gross_error"):
        Population(age_gross_error=1.0)


# --- the register as the population -----------------------------------------------------------

def test_population_from_register_smooths_its_margins() -> None:
    base = Population(ages=AgeDistribution((0.0, 20.0, 40.0), (0.5, 0.5)),
                      max_years_to_death=1.0, male_fraction=0.8)
    recs = ([AMRecord(f"C{i}", sex="F", age=9.0) for i in range(30)]
            + [AMRecord(f"A{i}", sex="M", age=45.0) for i in range(10)]
            + [AMRecord("X")])                       # no age, no sex: counts for neither
    pop = Population.from_register(recs, base=base, prior_weight=10.0)
    # Ages + 0.5 (completed years) + 0.5 (half the time to death): 10.0 and 46.0; the last
    # band widens to hold 46.
    assert pop.ages.edges == (0.0, 20.0, 47.0)
    assert pop.ages.probabilities == pytest.approx(((30 + 5) / 50, (10 + 5) / 50), rel=1e-12)
    assert pop.male_fraction == pytest.approx((10 + 10 * 0.8) / 50, rel=1e-12)
    assert pop.dna_sex_error == base.dna_sex_error           # everything else is the base's
    # An empty register is the base.
    empty = Population.from_register([], base=base)
    assert empty.ages.probabilities == base.ages.probabilities
    assert empty.male_fraction == pytest.approx(base.male_fraction)
    with pytest.raises(InputError, match="prior_weight"):
        Population.from_register(recs, prior_weight=0.0)


def test_evidence_from_dataset_takes_the_register_population() -> None:
    from forensic_match.evidence import Evidence

    ds = case_from_dict({
        "kind": "dvi",
        "markers": [{"name": "M1", "alleles": ["1", "2"], "frequencies": [0.5, 0.5]}],
        "pm": [{"id": "P1", "sex": "M", "genotypes": {"M1": ["1", "2"]},
                "info": {"age_min": 20, "age_max": 30}}],
        "am": [{"family": "F1", "missing": ["F1_C1"], "genotypes": {},
                "pedigree": [{"id": "F1_C1", "sex": "F"}],
                "info": {"F1_C1": {"age": 25}}}]})
    ev = Evidence.from_dataset(ds, population="register")
    assert ev.population.male_fraction < PERU.male_fraction     # one woman in the register
    assert Evidence.from_dataset(ds).population is PERU
    with pytest.raises(InputError, match="register"):
        Evidence.from_dataset(ds, population="census")


def test_a_child_body_stature_is_not_compared() -> None:
    adult = AMRecord("A", sex="F", age=30.0, stature_cm=148.0)
    child = PMFindings("P", dna_sex="F", age_estimate=9.0, age_se=1.0, stature_cm=130.0,
                       stature_sd=4.5)
    lr = evidence_lr(adult, child)
    assert lr.pieces["stature"] == 1.0 and "growing" in lr.notes["stature"]
    assert evidence_log10_block([adult], [child])["stature"][0, 0] == 0.0
    scores = EvidenceScores.build([("F", "A")], {"A": adult}, [child])
    assert scores.pieces(0, 0)["stature"] == 0.0
    grown = PMFindings("Q", dna_sex="F", age_min=16.0, age_max=24.0, stature_cm=150.0,
                       stature_sd=3.5)                        # middle of the interval: 20
    assert evidence_lr(adult, grown).pieces["stature"] != 1.0
