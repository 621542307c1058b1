"""Evidence scores for the search: registered rows against evidence_lr (their oracle), relatives
against a plain numerical integration of the continuous model, and E[LR | H2] = 1."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import InputError
from forensic_match.evidence import PERU, AgeDistribution, AMRecord, PMFindings, Population
from forensic_match.evidence import evidence_lr as scalar_evidence_lr
from forensic_match.evidence.gross import with_gross_error
from forensic_match.evidence.scoring import (
    RELATION_AGE_GAPS,
    EvidenceScores,
    findings_for_bodies,
    relative_model,
    relative_models,
)

PIECES = ("sex", "age", "stature")


def random_records(rng: np.random.Generator, n_am: int, n_pm: int):
    am, pm = [], []
    for i in range(n_am):
        am.append(AMRecord(
            f"A{i}", sex=str(rng.choice(["M", "F", "U"], p=[0.6, 0.3, 0.1])),
            age=None if rng.random() < 0.1 else float(rng.integers(2, 80)),
            stature_cm=None if rng.random() < 0.3 else float(rng.normal(160, 9))))
    for j in range(n_pm):
        kind = rng.choice(["interval", "estimate", "both", "none", "nocov"])
        lo = float(rng.integers(0, 70))
        fields = {}
        if kind in ("interval", "both", "nocov"):
            fields |= {"age_min": lo, "age_max": lo + float(rng.integers(3, 20)),
                       "age_coverage": None if kind == "nocov" else float(rng.uniform(0.5, 1))}
        if kind in ("estimate", "both"):
            fields |= {"age_estimate": float(rng.uniform(0, 85)),
                       "age_se": float(rng.uniform(1, 8))}
        if rng.random() < 0.7:
            fields |= {"stature_cm": float(rng.normal(158, 10)),
                       "stature_sd": float(rng.uniform(2, 6))}
        pm.append(PMFindings(f"P{j}", dna_sex=str(rng.choice(["M", "F", "U"])),
                             sex_morphology=str(rng.choice(["M", "F", "U"])), **fields))
    return am, pm


def scalar_pieces(am: AMRecord, pm: PMFindings, population: Population) -> dict[str, float]:
    r = scalar_evidence_lr(am, pm, population=population)
    return {k: math.log10(r.pieces[k]) if r.pieces[k] > 0 else -math.inf for k in PIECES}


def close(a: float, b: float, tol: float = 1e-9) -> bool:
    a, b = max(a, -300.0), max(b, -300.0)
    return abs(a - b) <= tol * max(1.0, abs(b))


# --- registered missing persons: the same numbers as evidence_lr --------------------------------

POPULATIONS = [
    PERU,
    Population(male_fraction=0.5, age_sd=0.0, max_years_to_death=0.0,
               ages=AgeDistribution.uniform(0, 90)),
    Population(age_sd=2.5, max_years_to_death=4.0, reporting_bias=0.0, reporting_sd=6.0),
    Population(age_misreport=1.0, age_misreport_sd=3.0, recorded_sex_error=0.03),
]


@settings(deadline=None, max_examples=12)
@given(seed=st.integers(0, 2**32 - 1), which=st.integers(0, len(POPULATIONS) - 1))
def test_registered_rows_equal_evidence_lr(seed, which):
    pop = POPULATIONS[which]
    rng = np.random.default_rng(seed)
    am, pm = random_records(rng, 12, 15)
    rows = [("F", a.id) for a in am] + [("F", "nobody")]
    records = {a.id: a for a in am}
    bodies = [*pm, None]
    scores = EvidenceScores.build(rows, records, bodies, population=pop)
    order = rng.permutation(len(rows))
    block = scores.block(order)
    assert block.shape == (len(rows), len(bodies))
    for r, i in enumerate(order):
        for b in range(len(bodies)):
            if i == len(am) or b == len(pm):
                assert block[r, b] == 0.0
                continue
            expected = scalar_pieces(am[i], pm[b], pop)
            got = scores.pieces(int(i), b)
            for k in PIECES:
                assert close(got[k], expected[k]), (k, am[i], pm[b], got, expected)
            assert close(block[r, b], sum(expected.values()))


# --- relatives: a plain numerical integration of the continuous model ---------------------------

def _cell_uniform(v: np.ndarray, lo: float, hi: float, step: float) -> np.ndarray:
    """Density of U(lo, hi) averaged over the cells of width ``step`` centred on ``v``."""
    overlap = np.clip(np.minimum(v + step / 2, hi) - np.maximum(v - step / 2, lo), 0.0, None)
    return overlap / (step * (hi - lo))


def oracle_relative_age_lr(anchor: float, relation: str, body: PMFindings, pop: Population,
                           step: float = 0.01) -> float:
    """P(age finding | relative) / P(age finding | population), both by brute-force numerical
    convolution of densities on a grid of ``step`` years and a Riemann sum."""
    from scipy.signal import fftconvolve

    gap = RELATION_AGE_GAPS[relation]
    u = np.arange(-200.0, 300.0, step)
    v = np.arange(-100.0, 100.0 + step / 2, step)  # kernels, centred
    q = pop.age_misreport
    dens = np.zeros_like(u)
    for w, sd in ((1 - q, pop.age_sd), (q, math.hypot(pop.age_sd, pop.age_misreport_sd))):
        if w > 0:
            z = (u - anchor - pop.age_offset - gap.mean) / sd
            dens += w * np.exp(-0.5 * z * z) / (sd * math.sqrt(2 * math.pi))
    kernels = [_cell_uniform(v, lo, hi, step) for lo, hi in gap.uniforms]
    if gap.sd > 0:
        kernels.append(np.exp(-0.5 * (v / gap.sd) ** 2) / (gap.sd * math.sqrt(2 * math.pi)))
    for kern in kernels:
        dens = np.clip(fftconvolve(dens, kern, mode="same") * step, 0.0, None)
    alive = np.clip(np.minimum(u + step / 2, 110.0) - np.maximum(u - step / 2, 0.0), 0.0,
                    None) / step
    dens = dens * alive
    dens /= dens.sum() * step
    m = pop.max_years_to_death
    if m > 0:
        dens = np.clip(fftconvolve(dens, _cell_uniform(v, 0.0, m, step), mode="same") * step,
                       0.0, None)
    if body.age_estimate is not None:
        x, s = body.age_estimate, body.age_se
        like = np.exp(-0.5 * ((x - u) / s) ** 2) / (s * math.sqrt(2 * math.pi))
    else:
        lo, hi, c = body.age_min, body.age_max, body.age_coverage
        w, span = hi - lo, pop.ages.span
        inside = np.clip(np.minimum(u + step / 2, hi) - np.maximum(u - step / 2, lo), 0.0,
                         None) / step
        like = c / w * inside + (1 - c) / (span - w) * (1 - inside)
    e, p = np.asarray(pop.ages.edges), np.asarray(pop.ages.probabilities)
    population = sum(pk * _cell_uniform(u, a, b, step) for pk, a, b in zip(p, e[:-1], e[1:]))
    return float(np.sum(dens * like) / np.sum(population * like))


RELATIVE_CASES = [
    ("full sibling", 30.0), ("full sibling", 3.0), ("father", 17.0), ("mother", 40.0),
    ("child", 40.0), ("child", 19.0), ("grandparent", 12.0), ("uncle or aunt", 20.0),
    ("first cousin", 25.0), ("nephew or niece", 50.0), ("half sibling", 8.0),
]
BODIES = [
    PMFindings("E1", age_estimate=17.5, age_se=2.0),
    PMFindings("E2", age_estimate=46.0, age_se=6.0),
    PMFindings("E3", age_estimate=2.0, age_se=0.8),
    PMFindings("E4", age_estimate=68.0, age_se=9.0),
    PMFindings("I1", age_min=14.0, age_max=22.0, age_coverage=0.95),
    PMFindings("I2", age_min=35.0, age_max=55.0, age_coverage=0.8),
    PMFindings("I3", age_min=0.0, age_max=4.0, age_coverage=0.95),
]


@pytest.mark.parametrize("pop", [PERU, Population(max_years_to_death=3.0, age_sd=2.0)])
def test_relative_age_equals_numerical_integration(pop):
    rows = [("F", f"R{k}") for k in range(len(RELATIVE_CASES))]
    alternatives = {
        row: relative_model(AMRecord("M", sex="M", age=age), f"{rel} of M", "U")
        for row, (rel, age) in zip(rows, RELATIVE_CASES)}
    scores = EvidenceScores.build(rows, {}, BODIES, population=pop, alternatives=alternatives)
    for i, (rel, age) in enumerate(RELATIVE_CASES):
        for b, body in enumerate(BODIES):
            got = scores.pieces(i, b)["age"]
            lr = oracle_relative_age_lr(age, rel, body, pop)
            if body.age_estimate is not None:  # a point estimate may be a gross error
                lr = with_gross_error(lr, pop.age_gross_error)
            expected = math.log10(lr)
            if expected < -6:
                # Below the oracle's FFT rounding floor: both negligible.
                assert got < -5, (rel, age, body.id, got, expected)
                continue
            # The grid of 0.1 year against the continuous model: 0.3% on the LR.
            assert abs(got - expected) <= 1.3e-3, (rel, age, body.id, got, expected)


def test_relative_sex_and_stature_through_sex_only():
    pop = PERU
    son = AMRecord("F1_C1", sex="M", age=20.0, stature_cm=170.0)
    rows = [("F1", "F1_C1/father"), ("F1", "F1_C1/sibling"), ("F1", "F1_C1/child")]
    # Statures not correlated (the son's report says nothing of them): the next test has the
    # correlated model.
    alternatives = {rows[0]: relative_model(son, "father of F1_C1", "M", correlations={}),
                    rows[1]: relative_model(son, "full sibling of F1_C1", "U",
                                            correlations={}),
                    rows[2]: relative_model(son, "child of F1_C1", "U", correlations={})}
    body = PMFindings("P", dna_sex="U", sex_morphology="F", stature_cm=155.0, stature_sd=3.5)
    scores = EvidenceScores.build(rows, {}, [body], alternatives=alternatives)
    father = scores.pieces(0, 0)
    assert father["age"] == 0.0
    assert father["sex"] == pytest.approx(math.log10(0.05 / (0.7914 * 0.05 + 0.2086 * 0.95)),
                                          abs=1e-4)
    p_m = pop.male_fraction * 0.05 / (pop.male_fraction * 0.05 + (1 - pop.male_fraction) * 0.95)

    def n(y, mu, sd):
        return math.exp(-0.5 * ((y - mu) / sd) ** 2) / sd

    f_m, f_f = n(155.0, 163.0, math.hypot(6.5, 3.5)), n(155.0, 151.0, math.hypot(6.0, 3.5))
    # P(adult) of the father is 1 - 3e-9 (a misreported age of the son): rel 1e-6. The
    # estimate may be a gross error, as for a registered person: (1 - eps) LR + eps.
    lr = with_gross_error(f_m / (p_m * f_m + (1 - p_m) * f_f), pop.stature_gross_error)
    assert father["stature"] == pytest.approx(math.log10(lr), rel=1e-6)
    # Unknown sex at the population's male fraction: sex and stature say nothing.
    sibling = scores.pieces(1, 0)
    assert sibling["sex"] == pytest.approx(0.0, abs=1e-12)
    assert sibling["stature"] == pytest.approx(0.0, abs=1e-12)
    # A child of a 20-year-old is a child (unless the age was misreported): the stature
    # tells next to nothing.
    assert scores.adult[2] < 1e-4
    assert abs(scores.pieces(2, 0)["stature"]) < 1e-4
    assert 0.0 < scores.adult[1] < 1.0


def _correlated_stature_lr(pop, record, rho, sex_weights, readings, y, sb, adult):
    """The relative's stature LR written out from the model: his standard stature N(rho m_z,
    1 - rho^2 (1 - tau^2)) given the missing person's report, per sex, mixed by the sex given
    the body's readings, over the population density; gross error; a child tells nothing."""
    stature = {s: (m, d) for s, m, d in pop.stature}
    mu, sd = stature[record.sex]
    loss = pop.stature_loss_per_year * max(0.0, record.age - pop.stature_loss_from)
    m_z = (record.stature_cm - pop.reporting_bias + loss - mu) / sd
    tau2 = (pop.reporting_sd / sd) ** 2
    var = 1 - rho ** 2 * (1 - tau2)
    dna, morph = readings

    def p_readings(t):
        out = 1.0
        for reading, e in ((dna, pop.dna_sex_error), (morph, pop.morphology_sex_error)):
            if reading != "U":
                out *= 1 - e if reading == t else e
        return out

    def density(t, centre, spread):
        return math.exp(-0.5 * ((y - centre) / spread) ** 2) / (spread * math.sqrt(2 * math.pi))

    w = {t: sex_weights[t] * p_readings(t) for t in ("M", "F")}
    num = sum(w[t] * density(t, stature[t][0] + stature[t][1] * rho * m_z,
                             math.sqrt(stature[t][1] ** 2 * var + sb ** 2)) for t in w)
    num /= sum(w.values())
    post = {t: pop.male_fraction * p_readings("M") if t == "M"
            else (1 - pop.male_fraction) * p_readings("F") for t in ("M", "F")}
    den = sum(post[t] * density(t, stature[t][0], math.hypot(stature[t][1], sb))
              for t in post) / sum(post.values())
    ratio = with_gross_error(num / den, pop.stature_gross_error)
    return math.log10(adult * ratio + 1 - adult)


def test_relative_stature_correlated_with_the_report():
    """A relative's stature given the missing person's reported stature, against the model
    written out; a brother of a tall man fits a tall body better than a population man does,
    and a correlation of 1 gives the registered person's own stature LR."""
    pop = PERU
    tall = AMRecord("F1_C1", sex="M", age=35.0, stature_cm=178.0)
    rows = [("F1", "F1_C1/brother"), ("F1", "F1_C1/sister"), ("F1", "F1_C1/sibling"),
            ("F1", "F1_C1/father"), ("F1", "F1_C1/plain"), ("F1", "F1_C1"),
            ("F1", "F1_C1/twin")]
    alternatives = {rows[0]: relative_model(tall, "full sibling of F1_C1", "M"),
                    rows[1]: relative_model(tall, "full sibling of F1_C1", "F"),
                    rows[2]: relative_model(tall, "full sibling of F1_C1", "U"),
                    rows[3]: relative_model(tall, "father of F1_C1", "M"),
                    rows[4]: relative_model(tall, "full sibling of F1_C1", "M",
                                            correlations={}),
                    rows[6]: relative_model(tall, "full sibling of F1_C1", "M",
                                            correlations={"full sibling": 1.0})}
    bodies = [PMFindings("B1", dna_sex="M", stature_cm=180.0, stature_sd=3.0),
              PMFindings("B2", sex_morphology="F", stature_cm=165.0, stature_sd=4.5),
              PMFindings("B3", dna_sex="U", stature_cm=150.0, stature_sd=3.5),
              PMFindings("B4", dna_sex="M"),
              PMFindings("B5", dna_sex="M", age_estimate=12.0, age_se=1.0, stature_cm=140.0,
                         stature_sd=3.0)]
    scores = EvidenceScores.build(rows, {"F1_C1": tall}, bodies, alternatives=alternatives)
    block = scores.block(np.arange(len(rows)))
    q = pop.male_fraction
    for row, rho, weights in ((0, 0.5, {"M": 1.0, "F": 0.0}), (1, 0.5, {"M": 0.0, "F": 1.0}),
                              (2, 0.5, {"M": q, "F": 1 - q}), (3, 0.5, {"M": 1.0, "F": 0.0})):
        for b, body in enumerate(bodies):
            got = scores.pieces(row, b)["stature"]
            assert got == pytest.approx(sum(
                v for k, v in scores.pieces(row, b).items() if k == "stature"))
            if body.stature_cm is None or b == 4:
                assert got == 0.0
                continue
            expected = _correlated_stature_lr(
                pop, tall, rho, weights, (body.dna_sex, body.sex_morphology),
                body.stature_cm, body.stature_sd, float(scores.adult[row]))
            assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), (row, b)
    # The pieces sum to the block.
    assert np.allclose(block, [[sum(scores.pieces(i, b).values()) for b in range(5)]
                               for i in range(len(rows))])
    # The tall brother against a brother whose stature is the population's: the tall body.
    assert block[0, 0] > block[4, 0] + 0.1
    # A correlation of 1: the relative's stature is the missing person's when he is an adult
    # (a sibling of a man of 35 is one with probability 0.99).
    reg, pa = scores.pieces(5, 0)["stature"], float(scores.adult[6])
    assert 0.98 < pa < 1.0
    assert scores.pieces(6, 0)["stature"] == pytest.approx(
        math.log10(pa * 10.0 ** reg + 1 - pa), rel=1e-9)
    # No correlation without the report's sex, or for a missing child.
    assert relative_model(AMRecord("X", age=35.0, stature_cm=178.0), "full sibling of X",
                          "M").stature_given_anchor() is None
    assert relative_model(AMRecord("X", sex="M", age=15.0, stature_cm=170.0),
                          "full sibling of X", "M").stature_given_anchor() is None
    with pytest.raises(InputError, match="stature correlation"):
        relative_model(tall, "full sibling of F1_C1", "M", correlations={"full sibling": 1.5})


def test_relative_of_unknown_sex_beside_a_woman():
    """A relative of unknown sex of a registered woman is a man with probability one half
    (killed with her: a household), of a registered man with the victims' male fraction."""
    pop = PERU
    woman, man = AMRecord("W", sex="F", age=30.0), AMRecord("M", sex="M", age=30.0)
    rows = [("F", "W/sibling"), ("F", "M/sibling"), ("F", "W/given")]
    alternatives = {rows[0]: relative_model(woman, "full sibling of W", "U"),
                    rows[1]: relative_model(man, "full sibling of M", "U"),
                    rows[2]: relative_model(woman, "full sibling of W", "U",
                                            male_probability=0.9)}
    assert alternatives[rows[0]].male_probability == 0.5
    assert alternatives[rows[1]].male_probability is None
    body = PMFindings("B", dna_sex="F")
    scores = EvidenceScores.build(rows, {}, [body], alternatives=alternatives)
    e, q = pop.dna_sex_error, pop.male_fraction
    expected = {0: (0.5 * e + 0.5 * (1 - e)) / (q * e + (1 - q) * (1 - e)), 1: 1.0,
                2: (0.9 * e + 0.1 * (1 - e)) / (q * e + (1 - q) * (1 - e))}
    for row, lr in expected.items():
        assert scores.pieces(row, 0)["sex"] == pytest.approx(math.log10(lr), abs=1e-12)


def test_son_father_sister_separated_by_age_and_sex():
    son = AMRecord("F1_C1", sex="M", age=17.0)
    rows = [("F1", "F1_C1"), ("F1", "F1_C1/father"), ("F1", "F1_SIS")]
    alternatives = {rows[1]: relative_model(son, "father of F1_C1", "M"),
                    rows[2]: relative_model(son, "full sibling of F1_C1", "F")}
    young_man = PMFindings("B1", dna_sex="M", age_min=15.0, age_max=21.0, age_coverage=0.95)
    older_man = PMFindings("B2", dna_sex="M", age_estimate=45.0, age_se=5.0)
    girl = PMFindings("B3", dna_sex="F", age_estimate=14.0, age_se=1.5)
    scores = EvidenceScores.build(rows, {"F1_C1": son}, [young_man, older_man, girl],
                                  alternatives=alternatives)
    lr = scores.block(np.arange(3))
    assert np.argmax(lr[:, 0]) == 0 and np.argmax(lr[:, 1]) == 1 and np.argmax(lr[:, 2]) == 2
    # The son over his father for the young man: an interval of 95% caps it near
    # (0.95 / 6) / (0.05 / 84) = 266.
    assert lr[0, 0] - lr[1, 0] > 2
    assert np.allclose(lr, [[sum(scores.pieces(i, b).values()) for b in range(3)]
                            for i in range(3)])


def test_relative_expectation_under_h2():
    """Bodies drawn from the population model (sex and its readings, age, bone stature):
    every relative model's LR has E = 1 and P(LR >= t) <= 1/t."""
    pop = PERU
    rng = np.random.default_rng(21)
    n = 30000
    male = rng.random(n) < pop.male_fraction
    truth, other = np.where(male, "M", "F"), np.where(male, "F", "M")
    dna = np.where(rng.random(n) < pop.dna_sex_error, other, truth)
    dna = np.where(rng.random(n) < 0.2, "U", dna)
    morph = np.where(rng.random(n) < pop.morphology_sex_error, other, truth)
    morph = np.where(rng.random(n) < 0.3, "U", morph)
    se = rng.uniform(1.5, 6.0, n)
    age = pop.ages.sample(rng, n) + se * rng.standard_normal(n)
    stature = {s: (m, sd) for s, m, sd in pop.stature}
    mu = np.where(male, stature["M"][0], stature["F"][0])
    sd = np.where(male, stature["M"][1], stature["F"][1])
    y = mu + sd * rng.standard_normal(n) + 3.5 * rng.standard_normal(n)
    has_stature = rng.random(n) < 0.7
    bodies = [PMFindings(f"P{k}", dna_sex=str(dna[k]), sex_morphology=str(morph[k]),
                         age_estimate=float(age[k]), age_se=float(se[k]),
                         stature_cm=float(y[k]) if has_stature[k] else None,
                         stature_sd=3.5 if has_stature[k] else None) for k in range(n)]
    cases = [("full sibling", 30.0, "U"), ("father", 17.0, "M"), ("mother", 8.0, "F"),
             ("child", 40.0, "U"), ("grandparent", 5.0, "F"), ("full sibling", 22.0, "F"),
             ("uncle or aunt", 15.0, "M")]
    rows = [("F", f"R{k}") for k in range(len(cases))]
    # The missing persons' reported statures (tall, short, none) make the relatives' stature
    # models shifted ones: the LR is still a proper ratio.
    statures = (182.0, 150.0, None, 170.0, 158.0, 141.0, None)
    alternatives = {row: relative_model(AMRecord("M", sex="M", age=age, stature_cm=h), rel, sex)
                    for row, (rel, age, sex), h in zip(rows, cases, statures)}
    scores = EvidenceScores.build(rows, {}, bodies, alternatives=alternatives)
    # The two siblings and the child (an adult M who reported a stature): correlated.
    assert np.flatnonzero(scores.relative_vclass >= 0).tolist() == [0, 3, 5]
    lrs = 10.0 ** scores.block(np.arange(len(rows)))
    for case, lr in zip(cases, lrs):
        assert np.all(np.isfinite(lr)) and np.all(lr >= 0)
        mean, err = lr.mean(), lr.std(ddof=1) / math.sqrt(n)
        assert abs(mean - 1.0) <= 4 * err, (case, mean, err)
        for t in (2.0, 10.0, 100.0):
            assert np.mean(lr >= t) <= 1 / t + 4 * math.sqrt(1 / t * (1 - 1 / t) / n), (case, t)


def test_impossible_relative_and_rows_without_evidence():
    pop = Population(age_misreport=0.0)
    toddler = AMRecord("F1_C2", sex="F", age=3.0)
    rows = [("F1", "F1_C2/child"), ("F1", "F1_X"), ("F1", "F1_C2")]
    alternatives = {rows[0]: relative_model(toddler, "child of F1_C2", "U")}
    bodies = [PMFindings("B1", age_estimate=1.0, age_se=1.0), PMFindings("B2"), None]
    scores = EvidenceScores.build(rows, {"F1_C2": toddler, "F1_X": None}, bodies,
                                  population=pop, alternatives=alternatives)
    block = scores.block(np.arange(3))
    assert block[0, 0] == -np.inf and block[0, 1] == 0.0 and block[0, 2] == 0.0
    assert scores.existence[0] < 1e-6
    assert np.all(block[1] == 0.0)
    assert block[2, 0] > 0 and block[2, 1] == 0.0 and block[2, 2] == 0.0
    with pytest.raises(InputError, match="row index out of range 0..2"):
        scores.block(np.array([3]))


def test_relative_model_relations():
    rec = AMRecord("F1_C1", sex="M", age=24.0, place_missing="050101")
    m = relative_model(rec, "uncle or aunt of F1_C1", "F")
    assert (m.relation, m.of, m.sex, m.anchor_age, m.place_missing) == \
        ("uncle or aunt", "F1_C1", "F", 24.0, "050101")
    untyped = relative_model(rec, "untyped member F1_X of the family", "M")
    assert untyped.gap is None and untyped.age_masses() is None
    with pytest.raises(InputError, match="relative of 'F1_C1': unknown relation 'cousin of "
                                         "F1_C1'"):
        relative_model(rec, "cousin of F1_C1", "M")
    with pytest.raises(InputError, match="sex must be 'M', 'F' or 'U', got 'X'"):
        relative_model(rec, "father", "X")
    masses, adult, existence = relative_model(rec, "father", "M").age_masses()
    assert masses.sum() == pytest.approx(1.0) and adult == pytest.approx(1.0) and existence > 0.999


def test_relative_models_from_alternatives():
    from forensic_match.cases import Family
    from forensic_match.decide.alternatives import relative_alternatives
    from forensic_match.pedigree import Pedigree

    ped = Pedigree.from_records([("FA", None, None, "M"), ("MO", None, None, "F"),
                                 ("C1", "FA", "MO", "M")])
    alt_set = relative_alternatives(Family("F1", ped, ["C1"], {"FA": {}, "MO": {}}))
    models = relative_models([alt_set], {"C1": AMRecord("C1", sex="M", age=30.0)})
    assert {k: (m.relation, m.sex, m.anchor_age) for k, m in models.items()} == {
        ("F1", "C1/sibling"): ("full sibling", "U", 30.0),
        ("F1", "C1/child"): ("child", "U", 30.0)}


def test_findings_for_bodies_joins_the_fragments_findings():
    """(Until 2026-12-08 a body took the findings of its first fragment that had any: S2's
    stature here, without S3's DNA sex.)"""
    from forensic_match.cases import PMSample
    from forensic_match.dvi.fragments import Body

    frags = [PMSample("S1", "U", {}), PMSample("S2", "U", {}), PMSample("S3", "M", {})]
    found = {"S1": PMFindings("S1"), "S2": PMFindings("S2", stature_cm=160.0, stature_sd=3.0),
             "S3": PMFindings("S3", dna_sex="M")}
    got = findings_for_bodies([Body("B1", frags), Body("B2", frags[:1]),
                               Body("B3", [PMSample("S9", "U", {})])], found)
    assert got[1:] == [None, None]
    assert (got[0].id, got[0].stature_cm, got[0].stature_sd, got[0].dna_sex) == \
        ("B1", 160.0, 3.0, "M")
    # one fragment with findings: its record as it is
    assert findings_for_bodies([Body("B1", frags[:2])], found)[0] is found["S2"]


@settings(deadline=None, max_examples=10)
@given(seed=st.integers(0, 2**32 - 1))
def test_block_equals_pieces_for_mixed_rows(seed):
    rng = np.random.default_rng(seed)
    am, pm = random_records(rng, 6, 12)
    relations = sorted(RELATION_AGE_GAPS)
    rows, alternatives = [("F", a.id) for a in am], {}
    for k, a in enumerate(am):
        row = ("F", f"{a.id}/r{k}")
        rows.append(row)
        alternatives[row] = relative_model(a, str(rng.choice(relations)),
                                           str(rng.choice(["M", "F", "U"])))
    scores = EvidenceScores.build(rows, {a.id: a for a in am}, pm, alternatives=alternatives)
    block = scores.block(np.arange(len(rows)))
    expected = np.array([[sum(scores.pieces(i, b).values()) for b in range(len(pm))]
                         for i in range(len(rows))])
    assert np.allclose(np.maximum(block, -300), np.maximum(expected, -300), rtol=1e-12,
                       atol=1e-12)


def test_no_bodies_or_no_rows():
    son = AMRecord("S", sex="M", age=17.0, stature_cm=170.0)
    alternatives = {("F", "S/f"): relative_model(son, "father", "M")}
    rows = [("F", "S"), ("F", "S/f")]
    assert EvidenceScores.build(rows, {"S": son}, [], alternatives=alternatives).block(
        np.arange(2)).shape == (2, 0)
    assert EvidenceScores.build([], {}, [PMFindings("P")]).block(np.arange(0)).shape == (0, 1)


@settings(max_examples=300, deadline=None)
@given(z=st.floats(-60.0, 60.0), const=st.floats(-400.0, 400.0),
       eps=st.sampled_from([0.0, 1e-9, 0.02, 0.5]))
def test_stature_log10_kernel_against_the_gross_error_formula(z, const, eps):
    """The kernel's one-exp form of log10((1 - eps) 10**v + eps), v = const - z^2 / (2 ln 10),
    against the overflow-safe reference, over LRs from 1e-400 to 1e400."""
    from forensic_match.evidence._scoring_numba import stature_log10
    from forensic_match.evidence.gross import log10_with_gross_error

    v = const - 0.5 * z * z / math.log(10.0)
    expected = float(log10_with_gross_error(v, eps))
    assert stature_log10(z, const, eps) == pytest.approx(expected, rel=1e-12, abs=1e-12)


@settings(deadline=None, max_examples=15)
@given(seed=st.integers(0, 2**32 - 1), room=st.sampled_from([0, 1, 2, 5, 10**6]))
def test_stature_table_equals_pair_by_pair(seed, room):
    """Registered rows' statures read from the table of distinct reported statures (all,
    some or none of them within the memory allowed) give the pair-by-pair block bit for bit,
    against every body and against chosen bodies."""
    import forensic_match.evidence.scoring as scoring

    rng = np.random.default_rng(seed)
    am, pm = random_records(rng, 20, 9)
    # Reported statures repeat in casework: whole centimetres from a few values.
    am = [AMRecord(a.id, sex=a.sex, age=a.age,
                   stature_cm=None if a.stature_cm is None else float(rng.integers(150, 156)))
          for a in am]
    rows = [("F", a.id) for a in am]
    records = {a.id: a for a in am}
    n_stat = sum(f.stature_cm is not None for f in pm)
    saved = scoring.STATURE_TABLE_BYTES
    try:
        scoring.STATURE_TABLE_BYTES = 8 * max(n_stat, 1) * room
        tabled = EvidenceScores.build(rows, records, pm)
        scoring.STATURE_TABLE_BYTES = 0
        plain = EvidenceScores.build(rows, records, pm)
    finally:
        scoring.STATURE_TABLE_BYTES = saved
    assert (plain.stature_code < 0).all()
    if room and n_stat and any(a.stature_cm is not None for a in am):
        assert (tabled.stature_code >= 0).any()
    order = rng.permutation(len(rows))
    np.testing.assert_array_equal(tabled.block(order), plain.block(order))
    cols = np.sort(rng.choice(len(pm), size=4, replace=False))
    np.testing.assert_array_equal(tabled.block(order, cols), plain.block(order, cols))
    np.testing.assert_array_equal(tabled.block(order, cols), plain.block(order)[:, cols])
