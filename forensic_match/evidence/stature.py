"""Stature: a bone-based estimate against the height reported for the missing person.

The calibration approach: the true living stature S is hidden. The PM estimate is
``y = S + e_b``, ``e_b ~ N(0, s_b)`` (the standard error of the regression formula used, e.g.
Trotter and Gleser 1952, Genovés 1967 for Mesoamerican populations). The AM report is
``h = S + bias + e_r``, ``e_r ~ N(0, s_r)``: people and their relatives overstate height by about
2 cm on average and scatter around it (Willey and Falsetti 1991, J Forensic Sci 36(3);
Giles and Hutchinson 1991, J Forensic Sci 36(3):765-780; Ousley 1995, J Forensic Sci
40(5):768-773). Then

    H1: y ~ N(h - bias + loss, sqrt(s_r^2 + s_b^2))
    H2: y ~ sum_t P(t) N(mu_t, sqrt(sigma_t^2 + s_b^2))

where ``loss = loss_per_year * max(0, age - loss_from)`` is the stature lost with age by the time
of the report, for a PM estimate of maximum living stature as the regression formulas give
(Trotter and Gleser 1951, Am J Phys Anthropol 9:311-324: 0.06 cm a year after 30; set
``loss_per_year=0`` when the PM estimate is already corrected for age at death), and
with ``(mu_t, sigma_t)`` the stature distribution of sex t in the victim population and P(t)
the probability of the body's sex given its sex observations under H2
(:func:`~forensic_match.evidence.sex.body_sex_probabilities`), so that the stature LR stays
conditional on the sex evidence and multiplies with the sex LR. A share ``gross_error`` of
estimates is unrelated to the true stature (a bone of another body, a formula of another
population): the LR is then ``(1 - eps) LR + eps`` (:mod:`~forensic_match.evidence.gross`),
so that no normal tail excludes the true person by itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from forensic_match.errors import InputError
from forensic_match.evidence.gross import STATURE_GROSS_ERROR, with_gross_error
from forensic_match.evidence.sex import PERU_MALE_FRACTION

#: Default mean overstatement (cm) of a reported stature over the measured one (Willey and
#: Falsetti 1991; Giles and Hutchinson 1991: of the order of 1-3 cm, more in short men).
REPORTING_BIAS = 2.0
#: Default standard deviation (cm) of a reported stature around true stature + bias: relatives
#: reporting decades later, often without a measurement. Assumed.
REPORTING_SD = 4.0
#: Stature lost per year of age after ``STATURE_LOSS_FROM`` (Trotter and Gleser 1951).
STATURE_LOSS_PER_YEAR = 0.06
STATURE_LOSS_FROM = 30.0
#: Assumed adult stature distributions (mean, sd in cm) of the Peruvian victim population,
#: cohorts born about 1930-1980: men about 163 cm, women about 151 cm, of the order of the
#: NCD-RisC estimates for Peru (eLife 2016;5:e13410). To be checked against the source before
#: casework; set ``population`` to override.
PERU_STATURE = {"M": (163.0, 6.5), "F": (151.0, 6.0)}


def _normal_pdf(x: float, mean: float, sd: float) -> float:
    z = (x - mean) / sd
    return math.exp(-0.5 * z * z) / (sd * math.sqrt(2 * math.pi))


def stature_loss(age: float | None, loss_per_year: float = STATURE_LOSS_PER_YEAR,
                 loss_from: float = STATURE_LOSS_FROM) -> float:
    """Stature lost with age (cm): ``loss_per_year * max(0, age - loss_from)``, 0 for an
    unknown age.

    Examples
    --------
    >>> round(stature_loss(50), 6)
    1.2
    """
    if age is None:
        return 0.0
    if not (math.isfinite(loss_per_year) and loss_per_year >= 0):
        raise InputError(f"loss_per_year must be >= 0, got {loss_per_year!r}")
    return loss_per_year * max(0.0, float(age) - loss_from)


def stature_lr(reported: float, estimate: float, estimate_sd: float, *,
               sex: str | Mapping[str, float] = "U",
               reporting_bias: float = REPORTING_BIAS, reporting_sd: float = REPORTING_SD,
               age: float | None = None, loss_per_year: float = STATURE_LOSS_PER_YEAR,
               loss_from: float = STATURE_LOSS_FROM,
               population: Mapping[str, tuple[float, float]] = PERU_STATURE,
               male_fraction: float = PERU_MALE_FRACTION,
               gross_error: float = STATURE_GROSS_ERROR) -> float:
    """LR of a bone-based stature estimate for a missing person of reported stature.

    LR = (1 - eps) N(y; h - bias + loss, sqrt(s_r^2 + s_b^2))
         / sum_t P(t) N(y; mu_t, sqrt(sigma_t^2 + s_b^2)) + eps,
    with loss = loss_per_year * max(0, age - loss_from) and eps = ``gross_error``.

    Parameters
    ----------
    reported : float
        Reported stature h of the missing person (cm).
    estimate, estimate_sd : float
        Bone-based estimate y and its standard error s_b (cm).
    sex : str or mapping
        The body's sex under H2: "M" or "F" (known), "U" (then ``male_fraction``), or
        ``{"M": p, "F": 1 - p}``.
    reporting_bias, reporting_sd : float
        Mean and standard deviation of the reporting error (cm).
    age : float, optional
        Age of the missing person when the stature was reported (at disappearance); ``None``
        (unknown) applies no loss.
    loss_per_year, loss_from : float
        Stature lost per year of age after ``loss_from`` (cm, years).
    population : mapping
        ``{"M": (mean, sd), "F": (mean, sd)}`` of stature in the victim population.
    male_fraction : float
        P(male) under H2 when ``sex`` is "U" (default the Peruvian share).
    gross_error : float
        Share of estimates unrelated to the true stature
        (:mod:`~forensic_match.evidence.gross`); 0 for the bare normal model.

    Examples
    --------
    >>> lr = stature_lr(170, 168, 4, sex="M", reporting_bias=2, reporting_sd=3,
    ...                 population={"M": (160, 6), "F": (150, 6)}, gross_error=0)
    >>> round(lr, 6)  # N(168; 168, 5) / N(168; 160, sqrt(52))
    2.668639
    """
    values = {"reported stature": reported, "stature estimate": estimate,
              "stature_sd": estimate_sd, "reporting_sd": reporting_sd,
              "reporting_bias": reporting_bias}
    for name, value in values.items():
        if not math.isfinite(float(value)):
            raise InputError(f"{name} must be a finite number, got {value!r}")
    if estimate_sd < 1e-3:
        raise InputError(f"stature_sd must be above 0 (at least 0.001 cm), got {estimate_sd!r}")
    if reporting_sd < 0:
        raise InputError(f"reporting_sd must be >= 0, got {reporting_sd!r}")
    if isinstance(sex, str):
        if sex not in ("M", "F", "U"):
            raise InputError(f"sex must be 'M', 'F', 'U' or probabilities, got {sex!r}")
        weights = {"M": male_fraction, "F": 1.0 - male_fraction} if sex == "U" else {sex: 1.0}
    else:
        weights = dict(sex)
    if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1.0) > 1e-9:
        raise InputError(f"sex probabilities must be >= 0 and sum to 1, got {weights}")
    numerator = _normal_pdf(estimate, reported - reporting_bias
                            + stature_loss(age, loss_per_year, loss_from),
                            math.hypot(reporting_sd, estimate_sd))
    denominator = 0.0
    for t, w in weights.items():
        if w == 0.0:
            continue
        if t not in population:
            raise InputError(f"no stature distribution for sex {t!r} (have {sorted(population)})")
        mean, sd = population[t]
        if not sd > 0:
            raise InputError(f"stature sd of sex {t!r} must be above 0, got {sd!r}")
        denominator += w * _normal_pdf(estimate, mean, math.hypot(sd, estimate_sd))
    if denominator == 0.0:
        raise InputError(f"stature estimate {estimate:g} cm has density 0 in the population")
    if not 0.0 <= gross_error < 1.0:
        raise InputError(f"gross_error must be a probability below 1, got {gross_error!r}")
    return with_gross_error(numerator / denominator, gross_error)
