"""Gross errors of a continuous PM measurement: no normal tail excludes the true person.

An age-at-death estimate and a bone-based stature estimate come with a standard error, and the
LRs of :mod:`~forensic_match.evidence.age` and :mod:`~forensic_match.evidence.stature` take the
error as normal. A normal tail is far too sure of itself when the measurement itself went
wrong: a fragment attributed to the wrong skeleton, a transcription error, an adult age method
that underestimates old people by decades, a stature formula of another population. A true
missing person four standard errors from the estimate gets an LR of 1e-4 or less and is
excluded as firmly as by a DNA mismatch (measured in ``docs/validation.md``: with age standard
errors a third too small, 1 % of true pairs fell below 1e-3 and some to 1e-12).

Model: with probability ``eps`` the measurement is unrelated to the body's true value and is
distributed as the measurements of the victim population, whoever the body is. Then for every
hypothesis h about the body (a registered person, a relative, another member of the
population) the likelihood of the measurement x is ``(1 - eps) f_h(x) + eps f_2(x)``, ``f_2``
the population's density of the measurement (the LR's denominator). Hence

    LR' = (1 - eps) LR + eps

for every LR of the measurement against H2 (population), so that ``E[LR' | H2] = 1`` still,
``LR' >= eps``, and a measurement that agrees (LR >> 1) keeps almost all its weight. This is
the usual contamination ("gross error") model of robust statistics (Huber 1964, Ann. Math.
Statist. 35:73), applied to the likelihood of one measurement.
"""

from __future__ import annotations

import math

import numpy as np

#: Default share of PM age estimates unrelated to the true age (a misattributed fragment,
#: a transcription error, a method failing on an old skeleton). Assumption: one in fifty;
#: it bounds what one wrong age estimate can do to a factor of 50.
AGE_GROSS_ERROR = 0.02
#: Default share of PM stature estimates unrelated to the true stature (a bone of another
#: body, a formula of another population, a wrong measurement). Assumption: one in fifty.
STATURE_GROSS_ERROR = 0.02


def with_gross_error(lr: float, eps: float) -> float:
    """``(1 - eps) * lr + eps``: the LR of a measurement that is wrong with probability eps.

    Examples
    --------
    >>> round(with_gross_error(1e-12, 0.02), 10)
    0.02
    >>> round(with_gross_error(10.0, 0.02), 10)
    9.82
    """
    return (1.0 - eps) * lr + eps


def log10_with_gross_error(log10_lr: np.ndarray | float, eps: float) -> np.ndarray:
    """:func:`with_gross_error` on log10 LRs, without overflow or loss near -inf.

    Examples
    --------
    >>> round(float(log10_with_gross_error(-np.inf, 0.01)), 12)
    -2.0
    >>> float(log10_with_gross_error(300.0, 0.0))
    300.0
    """
    x = np.asarray(log10_lr, dtype=float)
    if eps <= 0.0:
        return x.copy()
    ln10 = math.log(10.0)
    return np.logaddexp(x * ln10 + math.log1p(-eps), math.log(eps)) / ln10


__all__ = ["AGE_GROSS_ERROR", "STATURE_GROSS_ERROR", "log10_with_gross_error",
           "with_gross_error"]
