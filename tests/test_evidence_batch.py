"""The block computation of sex, age and stature against its oracle, the scalar evidence_lr."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.errors import InputError
from forensic_match.evidence import PERU, AgeDistribution, AMRecord, PMFindings, Population
from forensic_match.evidence import evidence_lr as scalar_evidence_lr
from forensic_match.evidence.batch import BATCH_PIECES, evidence_log10_block


def same(block: np.ndarray, expected: np.ndarray) -> bool:
    """Equal to 1e-9 relative; below 1e-300 (subnormal densities: scipy's and math's normal
    tails round differently there) every value counts as 0."""
    block, expected = np.maximum(block, -300.0), np.maximum(expected, -300.0)
    return bool(np.allclose(block, expected, rtol=1e-9, atol=1e-12))


def oracle(am: list[AMRecord], pm: list[PMFindings], population: Population) -> dict:
    out = {k: np.zeros((len(am), len(pm))) for k in BATCH_PIECES}
    for i, a in enumerate(am):
        for j, p in enumerate(pm):
            r = scalar_evidence_lr(a, p, population=population)
            for k in BATCH_PIECES:
                v = r.pieces[k]
                out[k][i, j] = math.log10(v) if v > 0 else -math.inf
    return out


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
        width = float(rng.integers(3, 20))
        fields = {}
        if kind in ("interval", "both", "nocov"):
            fields |= {"age_min": lo, "age_max": lo + width,
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


@pytest.mark.parametrize("population", [
    PERU,
    Population(male_fraction=0.5, age_sd=0.0, max_years_to_death=0.0,
               ages=AgeDistribution.uniform(0, 90)),
    Population(age_sd=2.5, max_years_to_death=4.0, reporting_bias=0.0, reporting_sd=6.0),
    Population(age_sd=0.0, max_years_to_death=2.0),
    Population(age_sd=0.0, max_years_to_death=0.0, age_offset=0.0, age_misreport=0.0),
    Population(age_misreport=1.0, age_misreport_sd=3.0, recorded_sex_error=0.03),
])
def test_block_equals_scalar(population):
    rng = np.random.default_rng(11)
    am, pm = random_records(rng, 25, 30)
    block = evidence_log10_block(am, pm, population=population)
    expected = oracle(am, pm, population)
    for k in BATCH_PIECES:
        assert block[k].shape == (25, 30)
        assert same(block[k], expected[k]), k


@settings(deadline=None, max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), sd=st.floats(0, 3), m=st.floats(0, 5),
       q=st.floats(0, 1), qsd=st.floats(0, 10))
def test_block_equals_scalar_random(seed, sd, m, q, qsd):
    population = Population(age_sd=sd, max_years_to_death=m, age_misreport=q,
                            age_misreport_sd=qsd)
    am, pm = random_records(np.random.default_rng(seed), 4, 5)
    block = evidence_log10_block(am, pm, population=population)
    expected = oracle(am, pm, population)
    for k in BATCH_PIECES:
        assert same(block[k], expected[k]), k


def test_block_refuses_what_the_scalar_refuses():
    am = [AMRecord("A", sex="M", age=30.0)]
    pm = [PMFindings("P7", age_min=30.0, age_max=30.0, age_coverage=0.9)]
    with pytest.raises(InputError, match=r"PM sample 'P7': age interval \[30, 30\] has no width"):
        evidence_log10_block(am, pm)
    with pytest.raises(InputError, match=r"age interval \[30, 30\] has no width"):
        scalar_evidence_lr(am[0], pm[0])
