"""Sex: DNA (amelogenin) and morphological sex against the recorded sex of a missing person.

H1: the body is the missing person; H2: the body is another member of the victim population.
The true sex ``t`` of the body is hidden; each observation ``o`` of it (DNA, morphology) is
wrong with its own error rate, and the observations are independent given ``t``. Then

    LR = sum_t P(t | recorded, H1) prod_k P(o_k | t)  /  sum_t p_t prod_k P(o_k | t)

with ``P(t | recorded, H1) = 1 - e_AM`` for the recorded sex and ``p_t`` the sex proportions
of the victim population. The two observations are combined inside one LR, not multiplied as
two LRs: they are two readings of the same sex, dependent under H2.

:func:`discrete_lr` is the general form for one categorical property; dvir's ``LRDiscrete``
(Egeland, dvir 2021, removed from the package in 2022) and mispitools' ``lr_sex`` (Marsico et
al. 2023, FSI: Genetics 66:102891) are its special case ``frequencies_of="observed"``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from forensic_match.errors import InputError

#: Share of men among the disappeared of the Peruvian internal armed conflict (1980-2000): 17,644
#: of the 22,295 persons of RENADE (Registro Nacional de Personas Desaparecidas y de Sitios de
#: Entierro), Reporte Estadístico n.° 3, Ministerio de Justicia y Derechos Humanos, data to
#: 25 August 2022 (as reported by Inforegión). Set ``male_fraction`` for another population.
PERU_MALE_FRACTION = 17644 / 22295
#: Default error of a DNA sex call: AMELY deletions (a male typed as female) and Y dropout in
#: degraded bone. Assumed; set per laboratory.
DNA_SEX_ERROR = 0.01
#: Default error of an adult morphological sex estimate (pelvis and skull; accuracy of the
#: order of 90-95% in the literature). Assumed; set per laboratory and skeletal element.
MORPHOLOGY_SEX_ERROR = 0.05


def _probability(value: float, name: str, *, open_low: bool = False,
                 open_high: bool = False) -> float:
    x = float(value)
    if not math.isfinite(x) or x < 0 or x > 1 or (open_low and x == 0) or \
            (open_high and x == 1):
        raise InputError(f"{name} must be a probability"
                         f"{' above 0' if open_low else ''}{' below 1' if open_high else ''}, "
                         f"got {value!r}")
    return x


def discrete_lr(recorded: str, observed: str, *, frequencies: Mapping[str, float],
                error: float, frequencies_of: str = "true") -> float:
    """LR of one categorical property observed on a body against the missing person's record.

    ``P(o | t) = 1 - error`` when ``o == t`` and ``error / (k - 1)`` otherwise (k categories).

    - ``frequencies_of="true"``: ``frequencies`` are of the true property in the population;
      LR = P(o | recorded) / sum_t f_t P(o | t).
    - ``frequencies_of="observed"``: ``frequencies`` are of the observed property;
      LR = P(o | recorded) / f_o. This is dvir's ``LRDiscrete`` per victim (alpha = f_1,
      mu = error: LR11 = (1 - mu)/alpha, LR10 = mu/alpha, LR01 = mu/(1 - alpha),
      LR00 = (1 - mu)/(1 - alpha)) and mispitools' ``lr_sex`` ((1 - eps)/Ps[MP] on a match,
      eps/Ps[other] otherwise).

    Either way E[LR | H2] = 1 when the observations under H2 follow the stated frequencies.

    Parameters
    ----------
    recorded, observed : str
        Categories; an unknown (``"U"`` or ``""``) on either side gives LR 1.
    frequencies : mapping
        ``{category: frequency}``, summing to 1.
    error : float
        Probability that an observation is wrong.
    frequencies_of : {"true", "observed"}

    Examples
    --------
    >>> round(discrete_lr("M", "M", frequencies={"M": 0.5, "F": 0.5}, error=0.05), 12)
    1.9
    """
    if recorded in ("U", "") or observed in ("U", ""):
        return 1.0
    error = _probability(error, "error")
    if not frequencies or abs(sum(frequencies.values()) - 1.0) > 1e-9:
        raise InputError(f"frequencies must sum to 1, got {dict(frequencies)}")
    for name in (recorded, observed):
        if name not in frequencies:
            raise InputError(f"category {name!r} is not among the frequencies "
                             f"{sorted(frequencies)}")
    k = len(frequencies)
    if k < 2:
        raise InputError("a discrete property needs at least two categories")

    def p_obs(o: str, t: str) -> float:
        return 1.0 - error if o == t else error / (k - 1)

    numerator = p_obs(observed, recorded)
    if frequencies_of == "observed":
        denominator = frequencies[observed]
    elif frequencies_of == "true":
        denominator = sum(f * p_obs(observed, t) for t, f in frequencies.items())
    else:
        raise InputError(f"frequencies_of must be 'true' or 'observed', got {frequencies_of!r}")
    if denominator == 0.0:
        raise InputError(f"observed category {observed!r} has probability 0 in the population")
    return numerator / denominator


def sex_lr(recorded: str, *, dna: str = "U", morphology: str = "U",
           dna_error: float = DNA_SEX_ERROR, morphology_error: float = MORPHOLOGY_SEX_ERROR,
           recorded_error: float = 0.0, male_fraction: float = PERU_MALE_FRACTION) -> float:
    """LR of the body's observed sex (DNA and/or morphology) for the missing person.

    LR = sum_t w_t P(dna | t) P(morph | t) / sum_t p_t P(dna | t) P(morph | t), with
    w = (1 - recorded_error, recorded_error) on (recorded sex, the other), p = (male_fraction,
    1 - male_fraction), P(o | t) = 1 - e when o = t and e otherwise, and an unknown ("U")
    observation contributing 1.

    Parameters
    ----------
    recorded : str
        Recorded sex of the missing person ("M", "F"; "U" gives LR 1).
    dna, morphology : str
        Observed sex on the body ("M", "F", "U").
    dna_error, morphology_error : float
        Error rates of the two observations.
    recorded_error : float
        Probability that the recorded sex is wrong (a register error); default 0.
    male_fraction : float
        Share of men in the victim population (default :data:`PERU_MALE_FRACTION`).

    Returns
    -------
    float

    Examples
    --------
    One DNA observation, equal sexes, 5% error: mispitools' ``lr_sex`` default, 0.95/0.5.

    >>> round(sex_lr("F", dna="F", dna_error=0.05, male_fraction=0.5), 12)
    1.9
    """
    for name, value in (("recorded sex", recorded), ("dna sex", dna),
                        ("morphological sex", morphology)):
        if value not in ("M", "F", "U"):
            raise InputError(f"{name} must be 'M', 'F' or 'U', got {value!r}")
    if recorded == "U" or (dna == "U" and morphology == "U"):
        return 1.0
    male_fraction = _probability(male_fraction, "male_fraction", open_low=True, open_high=True)
    recorded_error = _probability(recorded_error, "recorded_error")
    errors = (_probability(dna_error, "dna_error"),
              _probability(morphology_error, "morphology_error"))

    def likelihood(t: str) -> float:
        out = 1.0
        for o, e in zip((dna, morphology), errors):
            if o != "U":
                out *= 1.0 - e if o == t else e
        return out

    other = "F" if recorded == "M" else "M"
    numerator = (1.0 - recorded_error) * likelihood(recorded) + recorded_error * likelihood(other)
    denominator = male_fraction * likelihood("M") + (1.0 - male_fraction) * likelihood("F")
    if denominator == 0.0:
        # Both observations certain and contradicting each other: the body fits nobody.
        raise InputError(f"dna sex {dna!r} and morphological sex {morphology!r} contradict each "
                         f"other with error rates 0")
    return numerator / denominator


def body_sex_probabilities(*, dna: str = "U", morphology: str = "U",
                           dna_error: float = DNA_SEX_ERROR,
                           morphology_error: float = MORPHOLOGY_SEX_ERROR,
                           male_fraction: float = PERU_MALE_FRACTION) -> dict[str, float]:
    """P(true sex | sex observations) for a body of the victim population (H2).

    Used by the stature LR, whose denominator depends on the body's sex.

    Examples
    --------
    >>> p = body_sex_probabilities(dna="F", dna_error=0.01, male_fraction=0.8)
    >>> round(p["F"], 6)  # 0.2 * 0.99 / (0.8 * 0.01 + 0.2 * 0.99)
    0.961165
    """
    m = sex_lr("M", dna=dna, morphology=morphology, dna_error=dna_error,
               morphology_error=morphology_error, male_fraction=male_fraction)
    pm = male_fraction * m
    return {"M": pm, "F": 1.0 - pm}
