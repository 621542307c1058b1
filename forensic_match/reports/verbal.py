"""Verbal equivalents of likelihood ratios: the scale of the ENFSI guideline (2015).

ENFSI Guideline for Evaluative Reporting in Forensic Science (European Network of Forensic
Science Institutes, 2015), the table of verbal equivalents: an LR in 1-10 gives weak or
limited support, 10-100 moderate, 100-1,000 moderately strong, 1,000-10,000 strong,
10,000-1,000,000 very strong, and 1,000,000 and above extremely strong support to the first
proposition over the second. An LR below 1 is worded the same way with the propositions
swapped (its reciprocal on the scale). The guideline's ranges share their ends; here each
range includes its lower end, as its last one ("1,000,000 and above") says: an LR of 10 is
moderate, of 1,000,000 extremely strong (``docs/reports.md``, "Assumptions"). An LR of
exactly 1 supports neither.
"""

from __future__ import annotations

import math

#: (lower end of the range in |log10 LR|, level key), from the top: the first whose lower
#: end the LR reaches; 0 itself (an LR of 1) is neutral.
LEVELS: tuple[tuple[float, str], ...] = (
    (6.0, "extremely_strong"),
    (4.0, "very_strong"),
    (3.0, "strong"),
    (2.0, "moderately_strong"),
    (1.0, "moderate"),
    (0.0, "weak"),
)


def verbal_level(log10_lr: float) -> tuple[str, bool]:
    """The ENFSI (2015) level of an LR given as log10, and whether it supports the first
    proposition (``True``) or the second (``False``, an LR below 1).

    Parameters
    ----------
    log10_lr : float
        ``-inf`` (an exclusion) and ``inf`` are allowed.

    Returns
    -------
    (str, bool)
        One of ``neutral``, ``weak``, ``moderate``, ``moderately_strong``, ``strong``,
        ``very_strong``, ``extremely_strong``; and the direction.

    Raises
    ------
    ValueError
        ``log10_lr`` is NaN.

    Examples
    --------
    >>> verbal_level(0.99)
    ('weak', True)
    >>> verbal_level(1.0)
    ('moderate', True)
    >>> verbal_level(6.0)
    ('extremely_strong', True)
    >>> verbal_level(-2.5)
    ('moderately_strong', False)
    >>> verbal_level(0.0)
    ('neutral', True)
    """
    if math.isnan(log10_lr):
        raise ValueError("a likelihood ratio of NaN has no verbal equivalent")
    magnitude = abs(log10_lr)
    if magnitude == 0.0:
        return "neutral", True
    for lower, key in LEVELS:
        if magnitude >= lower:
            return key, log10_lr >= 0
    raise AssertionError("unreachable: the last level starts at 0")
