"""Evidence values an outside check (2026-12-06) found weighed without a word
(``docs/evidence.md``): an age estimate no victim's age explains, records built directly with
values the readers refuse, and dental charts dated after the disappearance or before the
birth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from forensic_match.errors import InputError
from forensic_match.evidence import AMRecord, PMFindings, evidence_lr
from forensic_match.evidence.age import BEYOND_SE, PERU_VICTIM_AGES, age_estimate_lr
from forensic_match.evidence.records import DentalChart
from forensic_match.evidence.scoring import EvidenceScores

_MEN = [AMRecord(f"M{a}", family=f"F{a}", sex="M", age=float(a)) for a in (20, 30, 50, 85)]


def _block(body: PMFindings) -> np.ndarray:
    rows = [(r.family, r.id) for r in _MEN]
    return EvidenceScores.build(rows, {r.id: r for r in _MEN}, [body]).block(np.arange(4))


@pytest.mark.parametrize("estimate, se", [(110.0, 1.0), (95.0, 1.0), (101.0, 2.0)])
def test_an_age_estimate_beyond_the_population_is_refused_on_every_path(estimate, se):
    top = PERU_VICTIM_AGES.edges[-1]
    assert estimate - BEYOND_SE * se > top
    body = PMFindings("B1", dna_sex="M", age_estimate=estimate, age_se=se)
    # was an age LR of 1e26 to 1e85 for every registered man, the youngest included
    with pytest.raises(InputError, match=r"lies more than 4 standard errors outside the ages "
                                         r"of the victim population \(0-90 years\)"):
        age_estimate_lr(30.0, estimate, se)
    with pytest.raises(InputError, match="PM findings|age_estimate"):
        evidence_lr(_MEN[1], body)
    with pytest.raises(InputError, match=r"PM sample 'B1': age_estimate"):
        _block(body)


def test_an_age_estimate_near_the_edge_is_weighed_as_before():
    body = PMFindings("B1", dna_sex="M", age_estimate=93.0, age_se=1.0)
    lrs = [evidence_lr(r, body).pieces["age"] for r in _MEN]
    assert lrs[0] == lrs[1] == pytest.approx(0.02, rel=1e-3)   # the gross-error floor
    assert lrs[3] > 100                                         # the oldest man fits
    whole = [evidence_lr(r, body).log10_lr for r in _MEN]    # sex and age
    np.testing.assert_allclose(_block(body)[:, 0], whole, rtol=1e-9)


@pytest.mark.parametrize("build, field", [
    (lambda: AMRecord("M1", stature_cm=1.70), "stature_cm"),
    (lambda: AMRecord("M1", age=150.0), "age"),
    (lambda: AMRecord("M1", age=float("nan")), "age"),
    (lambda: PMFindings("B1", stature_cm=1.68, stature_sd=0.03), "stature_cm"),
    (lambda: PMFindings("B1", age_estimate=30.0, age_se=-1.0), "age_se"),
    (lambda: PMFindings("B1", age_min=20.0, age_max=30.0, age_coverage=1.5), "age_coverage"),
    (lambda: PMFindings("B1", age_estimate=float("inf"), age_se=1.0), "age_estimate")])
def test_records_built_directly_are_held_to_the_readers_ranges(build, field):
    with pytest.raises(InputError, match=f"field '{field}'"):
        build()


def test_a_dental_chart_dated_after_the_disappearance_or_before_the_birth_is_refused():
    teeth = {16: "filled", 26: "sound"}
    missing = dt.date(1984, 1, 1)
    with pytest.raises(InputError, match="dated 2030-01-01, after the disappearance"):
        AMRecord("M1", age=30.0, date_missing=missing,
                 dental=DentalChart(teeth, dt.date(2030, 1, 1)))
    with pytest.raises(InputError, match="before the birth of a person aged 5"):
        AMRecord("M1", age=5.0, date_missing=missing,
                 dental=DentalChart(teeth, dt.date(1965, 1, 1)))
    ok = AMRecord("M1", age=30.0, date_missing=missing,
                  dental=DentalChart(teeth, dt.date(1980, 6, 1)))
    assert ok.dental is not None
