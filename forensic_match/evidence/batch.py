"""The common evidence pieces (sex, age, stature) for every pair of a block at once.

:func:`evidence_lr` takes one missing person and one body and costs tens of microseconds; a
blind search of 22,295 missing persons against 10,000 bodies has 2.2e8 pairs. This module
computes the log10 LR of the pieces every record carries (sex, age, stature) for a block of
missing persons against a block of bodies with numpy broadcasting, the same formulas as the
scalar functions (which are its oracle in the tests). The rarer pieces (dental, features,
implants, effects) stay with :func:`evidence_lr`, for the pairs a search keeps.

A caller splits the 22,295 x 10,000 matrix into blocks (a 2,000 x 10,000 block of float64 is
160 MB per piece).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from forensic_match.errors import InputError
from forensic_match.evidence.age import (
    GAUSS_LEGENDRE_3,
    WINDOW_QUADRATURE,
    beyond_population,
    beyond_population_message,
)
from forensic_match.evidence.combine import ADULT_AGE, PERU, Population, subadult_body
from forensic_match.evidence.gross import log10_with_gross_error
from forensic_match.evidence.records import AMRecord, PMFindings
from forensic_match.evidence.sex import body_sex_probabilities, sex_lr

BATCH_PIECES = ("sex", "age", "stature")
_SEX = {"M": 0, "F": 1, "U": 2}


def _values(items: Sequence[object], name: str) -> np.ndarray:
    return np.array([np.nan if getattr(x, name) is None else getattr(x, name) for x in items],
                    dtype=float)


def _normal_pdf(z: np.ndarray, sd: np.ndarray | float) -> np.ndarray:
    return np.exp(-0.5 * z * z) / (np.asarray(sd) * math.sqrt(2 * math.pi))


def _normal_mass(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """P(a < Z < b) from the nearer tail, as in the scalar function."""
    from scipy.special import ndtr

    return np.where(a > 0, ndtr(-a) - ndtr(-b), ndtr(b) - ndtr(a))


def _int_phi(z: np.ndarray) -> np.ndarray:
    """z Phi(z) + phi(z), exact to double precision beyond |z| = 40 (z and 0)."""
    from scipy.special import ndtr

    zc = np.clip(z, -40.0, 40.0)
    inner = zc * ndtr(zc) + np.exp(-0.5 * zc * zc) / math.sqrt(2 * math.pi)
    return np.where(z > 40.0, z, np.where(z < -40.0, 0.0, inner))


def _cdf_h1(t: np.ndarray, age: np.ndarray, sd: float, m: float) -> np.ndarray:
    from scipy.special import ndtr

    sd, m = (sd if sd >= 1e-9 else 0.0), (m if m >= 1e-9 else 0.0)
    if m == 0.0:
        if sd == 0.0:
            return (t >= age).astype(float)
        return ndtr((t - age) / sd)
    if sd <= 1e-9 * m:
        return np.clip((t - age) / m, 0.0, 1.0)
    if m <= WINDOW_QUADRATURE * sd:
        centre, half = (t - age - m / 2) / sd, m / (2 * sd)
        return sum(w * ndtr(centre + half * x) for x, w in GAUSS_LEGENDRE_3) / 2
    out = (_int_phi((t - age) / sd) - _int_phi((t - age - m) / sd)) * (sd / m)
    return np.clip(out, 0.0, 1.0)


def _sex_block(am: Sequence[AMRecord], pm: Sequence[PMFindings], pop: Population) -> np.ndarray:
    table = np.zeros((3, 3, 3))
    for rec, i in _SEX.items():
        for dna, j in _SEX.items():
            for morph, k in _SEX.items():
                table[i, j, k] = math.log10(sex_lr(
                    rec, dna=dna, morphology=morph, dna_error=pop.dna_sex_error,
                    morphology_error=pop.morphology_sex_error,
                    recorded_error=pop.recorded_sex_error, male_fraction=pop.male_fraction))
    r = np.array([_SEX[a.sex] for a in am])
    d = np.array([_SEX[p.dna_sex] for p in pm])
    m = np.array([_SEX[p.sex_morphology] for p in pm])
    return table[r[:, None], d[None, :], m[None, :]]


def _by_unique(values: np.ndarray, rows: Callable[[np.ndarray], np.ndarray],
               n_pm: int) -> np.ndarray:
    """Rows computed once per distinct value (recorded ages and statures repeat: whole years,
    whole centimetres) and gathered; a ``nan`` value gives a row of 0 (not recorded)."""
    out = np.zeros((len(values), n_pm))
    known = ~np.isnan(values)
    if known.any():
        unique, inverse = np.unique(values[known], return_inverse=True)
        out[known] = rows(unique[:, None])[inverse]
    return out


def _age_block(am: Sequence[AMRecord], pm: Sequence[PMFindings], pop: Population) -> np.ndarray:
    return _by_unique(_values(am, "age"), lambda age: _age_rows(age, pm, pop), len(pm))


def _age_rows(age: np.ndarray, pm: Sequence[PMFindings], pop: Population) -> np.ndarray:

    est, se = _values(pm, "age_estimate"), _values(pm, "age_se")
    lo, hi = _values(pm, "age_min"), _values(pm, "age_max")
    cov = _values(pm, "age_coverage")
    cov = np.where(np.isnan(cov), pop.age_coverage, cov)
    ages, m = pop.ages, pop.max_years_to_death
    q = pop.age_misreport
    parts = [(w, age + pop.age_offset, d) for w, d in
             ((1.0 - q, pop.age_sd), (q, math.hypot(pop.age_sd, pop.age_misreport_sd)))
             if w > 0.0]
    out = np.zeros((len(age), len(pm)))
    e, p = np.asarray(ages.edges), np.asarray(ages.probabilities)

    point = ~np.isnan(est) & ~np.isnan(se)
    if point.any():
        x, s = est[point], se[point]
        f1 = np.zeros((len(age), len(x)))
        for w, centre, sd in parts:
            big = np.hypot(sd, s)
            small = m <= 1e-5 * big  # midpoint rule, as in the scalar function
            with np.errstate(divide="ignore", invalid="ignore"):
                f1 += w * np.where(small, _normal_pdf((x - centre - m / 2) / big, big),
                                   _normal_mass((x - centre - m) / big, (x - centre) / big) / m)
        mass = _normal_mass((e[:-1, None] - x) / s, (e[1:, None] - x) / s)
        f2 = np.sum((p / np.diff(e))[:, None] * mass, axis=0)
        bad = (f2 == 0) | beyond_population(x, s, ages)
        if np.any(bad):
            k = np.flatnonzero(point)[np.argmax(bad)]
            raise InputError(beyond_population_message(f"PM sample {pm[k].id!r}: ", est[k],
                                                       se[k], ages))
        with np.errstate(divide="ignore"):
            out[:, point] = log10_with_gross_error(np.log10(f1 / f2), pop.age_gross_error)

    interval = ~point & ~np.isnan(lo) & ~np.isnan(hi)
    if interval.any():
        a, b, c = lo[interval], hi[interval], cov[interval]
        w, span = b - a, ages.span
        if np.any(w <= 0):
            k = np.flatnonzero(interval)[np.argmax(w <= 0)]
            raise InputError(f"PM sample {pm[k].id!r}: age interval [{lo[k]:g}, {hi[k]:g}] has "
                             f"no width; give the estimate with a standard error instead")
        p1 = np.clip(sum(w * (_cdf_h1(b, centre, sd, m) - _cdf_h1(a, centre, sd, m))
                         for w, centre, sd in parts), 0.0, 1.0)
        overlap = np.clip(np.minimum(e[1:, None], b) - np.maximum(e[:-1, None], a), 0.0, None)
        p2 = np.sum((p / np.diff(e))[:, None] * overlap, axis=0)
        full = w >= span
        inside = c / np.where(full, 1.0, w)
        outside = (1.0 - c) / np.where(full, 1.0, span - w)
        num = inside * p1 + outside * (1.0 - p1)
        den = inside * p2 + outside * (1.0 - p2)
        if np.any((den == 0) & ~full):
            k = np.flatnonzero(interval)[np.argmax((den == 0) & ~full)]
            raise InputError(f"PM sample {pm[k].id!r}: age interval [{lo[k]:g}, {hi[k]:g}] has "
                             f"probability 0 in the population age distribution")
        with np.errstate(divide="ignore", invalid="ignore"):
            block = np.log10(num / np.where(full, 1.0, den))
        out[:, interval] = np.where(full, 0.0, block)
    return out


def _stature_block(am: Sequence[AMRecord], pm: Sequence[PMFindings],
                   pop: Population) -> np.ndarray:
    h = _values(am, "stature_cm")
    age = _values(am, "age")
    h = np.where(age < ADULT_AGE, np.nan, h)  # a growing child is not compared
    # The stature lost with age moves the reported value up to the maximum stature.
    h = h + np.where(np.isnan(age), 0.0,
                     pop.stature_loss_per_year * np.maximum(0.0, age - pop.stature_loss_from))
    y, sb = _values(pm, "stature_cm"), _values(pm, "stature_sd")
    growing = np.array([subadult_body(p) for p in pm], dtype=bool)
    have = ~np.isnan(y) & ~np.isnan(sb) & ~growing
    if not have.any():
        return np.zeros((len(am), len(pm)))
    population = {s: (mu, sd) for s, mu, sd in pop.stature}
    den = np.zeros(len(pm))
    for k in np.flatnonzero(have):
        p = pm[k]
        sexes = body_sex_probabilities(dna=p.dna_sex, morphology=p.sex_morphology,
                                       dna_error=pop.dna_sex_error,
                                       morphology_error=pop.morphology_sex_error,
                                       male_fraction=pop.male_fraction)
        for t, wt in sexes.items():
            if wt > 0:
                mu, sd = population[t]
                big = math.hypot(sd, sb[k])
                den[k] += wt * math.exp(-0.5 * ((y[k] - mu) / big) ** 2) / (
                    big * math.sqrt(2 * math.pi))
    big = np.hypot(pop.reporting_sd, sb[have])

    def rows(reported: np.ndarray) -> np.ndarray:
        out = np.zeros((len(reported), len(pm)))
        num = _normal_pdf((y[have] - (reported - pop.reporting_bias)) / big, big)
        with np.errstate(divide="ignore"):
            out[:, have] = log10_with_gross_error(np.log10(num / den[have]),
                                                  pop.stature_gross_error)
        return out

    return _by_unique(h, rows, len(pm))


def evidence_log10_block(am: Sequence[AMRecord], pm: Sequence[PMFindings], *,
                         population: Population = PERU) -> dict[str, np.ndarray]:
    """log10 LR of sex, age and stature for every (missing person, body) pair of a block.

    The same numbers as the ``sex``, ``age`` and ``stature`` pieces of :func:`evidence_lr`
    (0 where a piece is not applied), as arrays of shape ``(len(am), len(pm))``.

    Examples
    --------
    >>> am = [AMRecord("A", sex="M", age=30.0), AMRecord("B", sex="F")]
    >>> pm = [PMFindings("P", dna_sex="M", age_min=25.0, age_max=35.0, age_coverage=0.95)]
    >>> block = evidence_log10_block(am, pm)
    >>> block["age"].shape, float(block["age"][1, 0])
    ((2, 1), 0.0)
    """
    return {"sex": _sex_block(am, pm, population), "age": _age_block(am, pm, population),
            "stature": _stature_block(am, pm, population)}
