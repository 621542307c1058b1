"""Age: the body's estimated age at death against the missing person's age at disappearance.

Under H1 the true age at death is ``T = A + D``. ``A`` is the age at disappearance: the recorded
age ``a`` in completed years plus ``age_offset`` (0.5), with a normal error of standard
deviation ``age_sd``; a share ``misreport`` of records is off by more (a mixture component of
standard deviation ``hypot(age_sd, misreport_sd)``), so that one grossly wrong age does not
exclude the true person by a normal tail. ``D`` is the time from disappearance to death,
uniform on ``[0, max_years_to_death]`` (default 1 year: most of the disappeared were killed
within days or weeks; set it larger for detention, 0 for a massacre on the recorded date).
Under H2 ``T`` follows the age-at-death distribution of the victim population, a table of age
bands (:class:`AgeDistribution`; :data:`PERU_VICTIM_AGES` by default, an assumption documented
in ``docs/evidence.md``).

Two forms of PM evidence:

- an interval ``[lo, hi]`` holding T with probability ``c`` (:func:`age_interval_lr`). Its
  likelihood as a function of T is ``c / w`` inside and ``(1 - c) / (R - w)`` outside (w the
  interval's width, R the span of the population distribution): the interval is equally likely
  anywhere among the positions that hold T (or miss it). Then
  ``LR = [c/w P1(in) + (1-c)/(R-w) P1(out)] / [c/w P2(in) + (1-c)/(R-w) P2(out)]``.
  With T known under H1 and a uniform population this is mispitools' ``lr_age``:
  ``(1 - epa) / P(T1)`` inside, ``epa / P(T0)`` outside (Marsico et al. 2023).
- an estimate ``x`` with standard error ``s`` (:func:`age_estimate_lr`):
  ``LR = (1 - eps) f1(x) / f2(x) + eps`` with ``f1`` the density of ``A + D + N(0, s)``
  (closed form: a normal convolved with a uniform), ``f2(x) = sum_b p_b [Phi((hi_b - x)/s) -
  Phi((lo_b - x)/s)] / (hi_b - lo_b)`` and ``eps`` the share of estimates unrelated to the
  true age (:mod:`~forensic_match.evidence.gross`). With A known exactly, D = 0, eps = 0 and a
  uniform population on [0, k] this is dvir's ``ageAIC`` age likelihood ratio
  ``k * dnorm(x, A, sigma)`` (Egeland, dvir 2021).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from forensic_match.errors import InputError
from forensic_match.evidence.gross import AGE_GROSS_ERROR, with_gross_error

#: Default standard deviation (years) of the recorded age at disappearance around the true
#: age: completed years (up to 1 year low) and relatives' recollection decades later.
AGE_SD = 1.0
#: Default upper bound (years) of the time from disappearance to death.
MAX_YEARS_TO_DEATH = 1.0
#: Recorded ages are completed years: the true age is on average half a year more.
AGE_OFFSET = 0.5
#: Default share of recorded ages that are off by more than ``AGE_SD`` (relatives' estimates,
#: heaping on multiples of 5), and the standard deviation (years) of that error. Assumed.
AGE_MISREPORT = 0.1
AGE_MISREPORT_SD = 5.0


@dataclass(frozen=True)
class AgeDistribution:
    """Age at death in a victim population: probabilities of age bands, uniform within a band.

    Attributes
    ----------
    edges : tuple of float
        Band limits, increasing: band b is ``[edges[b], edges[b + 1])``.
    probabilities : tuple of float
        One per band, summing to 1.
    source : str
        Where the numbers come from.

    Examples
    --------
    >>> AgeDistribution.uniform(0, 80).probability(34, 46)
    0.15
    """

    edges: tuple[float, ...]
    probabilities: tuple[float, ...]
    source: str = ""

    def __post_init__(self) -> None:
        e = np.asarray(self.edges, dtype=float)
        p = np.asarray(self.probabilities, dtype=float)
        if e.ndim != 1 or len(e) < 2 or len(p) != len(e) - 1:
            raise InputError(f"age distribution: {len(self.edges)} edges need "
                             f"{max(len(self.edges) - 1, 1)} band probabilities, got {len(p)}")
        if not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0) or e[0] < 0:
            raise InputError(f"age distribution: edges must increase from 0 or above, got "
                             f"{list(self.edges)}")
        if np.any(p < 0) or abs(p.sum() - 1.0) > 1e-9:
            raise InputError(f"age distribution: band probabilities must be >= 0 and sum to 1 "
                             f"(sum {p.sum():.6g})")

    @classmethod
    def uniform(cls, low: float, high: float) -> AgeDistribution:
        """Uniform on ``[low, high]``."""
        return cls((float(low), float(high)), (1.0,), f"uniform on [{low:g}, {high:g}]")

    @classmethod
    def from_ages(cls, ages: Sequence[float], *, prior: AgeDistribution | None = None,
                  prior_weight: float = 20.0, source: str = "") -> AgeDistribution:
        """The age distribution of a sample of ages (e.g. a register's), on the bands of
        ``prior`` (default :data:`PERU_VICTIM_AGES`), smoothed by ``prior_weight``
        pseudo-observations spread as ``prior``: ``p_b = (n_b + w q_b) / (N + w)``, so that no
        band a small register misses gets probability 0. Ages beyond the last band widen it.

        Examples
        --------
        >>> d = AgeDistribution.from_ages([5.0] * 80, prior=AgeDistribution((0, 10, 20),
        ...                               (0.5, 0.5)), prior_weight=20)
        >>> d.probabilities
        (0.9, 0.1)
        """
        base = prior or PERU_VICTIM_AGES
        x = np.asarray(list(ages), dtype=float)
        if x.size and (not np.all(np.isfinite(x)) or np.any(x < base.edges[0])):
            raise InputError(f"register ages must be finite and at least {base.edges[0]:g}")
        if not (math.isfinite(prior_weight) and prior_weight > 0):
            raise InputError(f"prior_weight must be above 0, got {prior_weight!r}")
        edges = list(base.edges)
        if x.size and x.max() >= edges[-1]:
            edges[-1] = float(math.floor(x.max()) + 1.0)
        counts = np.histogram(x, bins=np.asarray(edges))[0].astype(float)
        p = (counts + prior_weight * np.asarray(base.probabilities)) / (x.size + prior_weight)
        return cls(tuple(edges), tuple(float(v) for v in p / p.sum()),
                   source or f"{x.size} ages, smoothed by {prior_weight:g} pseudo-observations "
                             f"of: {base.source or 'the prior bands'}")

    @property
    def span(self) -> float:
        """Width R of the support."""
        return self.edges[-1] - self.edges[0]

    def probability(self, low: float, high: float) -> float:
        """P(low <= T <= high)."""
        e = np.asarray(self.edges)
        p = np.asarray(self.probabilities)
        overlap = np.clip(np.minimum(e[1:], high) - np.maximum(e[:-1], low), 0.0, None)
        return float(np.sum(p * overlap / np.diff(e)))

    def smoothed_density(self, x: float, sd: float) -> float:
        """Density at ``x`` of T + N(0, sd)."""
        e = np.asarray(self.edges)
        p = np.asarray(self.probabilities)
        mass = _normal_mass((e[:-1] - x) / sd, (e[1:] - x) / sd)
        return float(np.sum(p * mass / np.diff(e)))

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws of T."""
        band = rng.choice(len(self.probabilities), size=n, p=np.asarray(self.probabilities))
        e = np.asarray(self.edges)
        return e[band] + rng.random(n) * (e[band + 1] - e[band])


#: Assumed age-at-death distribution of the victims of the Peruvian internal armed conflict
#: (1980-2000). No published table of their ages was found for this release (RENADE's published
#: margins give sex and region, not age); the bands follow the profile the sources describe
#: (most victims young adult men: the CVR final report, 2003; nearly half of the disappeared
#: documented by the Defensoría del Pueblo in 2000 aged 15-25) and must be replaced by RENADE
#: age margins when available. See ``docs/evidence.md``.
PERU_VICTIM_AGES = AgeDistribution(
    (0.0, 10.0, 15.0, 20.0, 25.0, 30.0, 40.0, 50.0, 60.0, 70.0, 90.0),
    (0.04, 0.04, 0.14, 0.20, 0.15, 0.18, 0.11, 0.07, 0.045, 0.025),
    "assumption (docs/evidence.md), not a published table")


def _normal_cdf(z: float | np.ndarray) -> float | np.ndarray:
    """Standard normal CDF (through erfc: accurate in both tails, no scipy import)."""
    if np.ndim(z) == 0:
        return 0.5 * math.erfc(-float(z) / math.sqrt(2.0))
    return np.array([0.5 * math.erfc(-v / math.sqrt(2.0)) for v in np.ravel(z)]).reshape(
        np.shape(z))


def _normal_mass(a: float | np.ndarray, b: float | np.ndarray) -> float | np.ndarray:
    """P(a < Z < b) for a standard normal Z, from the nearer tail (no cancellation near 1)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    out = np.where(a > 0, _normal_cdf(-a) - _normal_cdf(-b), _normal_cdf(b) - _normal_cdf(a))
    return float(out) if out.ndim == 0 else out


def _check(value: float, name: str, low: float = 0.0) -> float:
    x = float(value)
    if not math.isfinite(x) or x < low:
        raise InputError(f"{name} must be a finite number >= {low:g}, got {value!r}")
    return x


def _int_phi(z: float) -> float:
    """Antiderivative of Phi: z Phi(z) + phi(z) (z beyond +-40: z and 0, to double
    precision)."""
    if z > 40.0:
        return z
    if z < -40.0:
        return 0.0
    return float(z * _normal_cdf(z) + math.exp(-0.5 * z * z) / math.sqrt(2 * math.pi))


def _cdf_h1(t: float, age: float, sd: float, m: float) -> float:
    """P(A + D <= t) for A ~ N(age, sd), D ~ U(0, m); sd or m may be 0."""
    # Below a second in years a spread is no spread (and its z would overflow).
    sd, m = (sd if sd >= 1e-9 else 0.0), (m if m >= 1e-9 else 0.0)
    if m == 0.0:
        if sd == 0.0:
            return 1.0 if t >= age else 0.0
        return float(_normal_cdf((t - age) / sd))
    if sd <= 1e-9 * m:
        return float(min(max((t - age) / m, 0.0), 1.0))
    if m <= WINDOW_QUADRATURE * sd:
        # The mean of Phi over the window by 3-point Gauss-Legendre (error ~ (m/sd)^6 / 2e6),
        # where the difference quotient below would cancel.
        centre, half = (t - age - m / 2) / sd, m / (2 * sd)
        return float(sum(w * _normal_cdf(centre + half * x) for x, w in GAUSS_LEGENDRE_3) / 2)
    return min(max((_int_phi((t - age) / sd) - _int_phi((t - age - m) / sd)) * sd / m, 0.0),
               1.0)


#: Below this ratio of the death window to the age spread, P(A + D <= t) is the window's mean
#: of Phi by Gauss-Legendre quadrature; above it the difference quotient of the antiderivative
#: (its cancellation costs at most ~1e-14 relative there).
WINDOW_QUADRATURE = 0.05
#: 3-point Gauss-Legendre nodes and weights on [-1, 1].
GAUSS_LEGENDRE_3 = ((-math.sqrt(0.6), 5 / 9), (0.0, 8 / 9), (math.sqrt(0.6), 5 / 9))


def _density_h1(x: float, age: float, sd: float, m: float) -> float:
    """Density of A + D at x for A ~ N(age, sd) (sd > 0), D ~ U(0, m)."""
    if m <= 1e-5 * sd:
        # Midpoint rule (relative error below 1e-9 within 10 sd), where the difference
        # quotient below would cancel.
        z = (x - age - m / 2) / sd
        return math.exp(-0.5 * z * z) / (sd * math.sqrt(2 * math.pi))
    return _normal_mass((x - age - m) / sd, (x - age) / sd) / m


def _components(age: float, age_offset: float, age_sd: float, misreport: float,
                misreport_sd: float) -> list[tuple[float, float, float]]:
    """(weight, centre, sd) of the normal mixture of A under H1."""
    age = _check(age, "age")
    sd = _check(age_sd, "age_sd")
    q = _check(misreport, "misreport")
    if q > 1.0:
        raise InputError(f"misreport must be a probability, got {misreport!r}")
    wide = math.hypot(sd, _check(misreport_sd, "misreport_sd"))
    centre = age + float(age_offset)
    return [(w, centre, d) for w, d in ((1.0 - q, sd), (q, wide)) if w > 0.0]


def age_interval_lr(age: float, age_min: float, age_max: float, coverage: float, *,
                    age_sd: float = AGE_SD, max_years_to_death: float = MAX_YEARS_TO_DEATH,
                    age_offset: float = AGE_OFFSET, misreport: float = AGE_MISREPORT,
                    misreport_sd: float = AGE_MISREPORT_SD,
                    population: AgeDistribution = PERU_VICTIM_AGES) -> float:
    """LR of an estimated age-at-death interval for a missing person of recorded age.

    LR = [c/w P1(in) + (1-c)/(R-w) P1(out)] / [c/w P2(in) + (1-c)/(R-w) P2(out)]: module
    docstring. With ``coverage`` 1 an age outside the interval under H1 gives LR 0.

    Parameters
    ----------
    age : float
        Age at disappearance (AM).
    age_min, age_max, coverage : float
        The PM interval and the probability that it holds the true age at death.
    age_sd : float
        Standard deviation of the recorded age (0: exact).
    max_years_to_death : float
        D ~ U(0, max_years_to_death) (0: death on the date of disappearance).
    age_offset : float
        True age minus recorded age, on average (0.5 for completed years, 0 for exact ages).
    misreport, misreport_sd : float
        Share of recorded ages off by more, and the standard deviation of that error.
    population : AgeDistribution
        Age at death in the victim population (H2).

    Examples
    --------
    mispitools ``lr_age`` defaults (MPa 40, MPr 6, epa 0.05, uniform over 80 years): 0.95/0.15.

    >>> exact = dict(age_sd=0, max_years_to_death=0, age_offset=0, misreport=0)
    >>> lr = age_interval_lr(40, 34, 46, 0.95, **exact,
    ...                      population=AgeDistribution.uniform(0, 80))
    >>> round(lr, 10)
    6.3333333333
    """
    parts = _components(age, age_offset, age_sd, misreport, misreport_sd)
    lo, hi = _check(age_min, "age_min"), _check(age_max, "age_max")
    if lo > hi:
        raise InputError(f"age_min {lo:g} is above age_max {hi:g}")
    c = _check(coverage, "age_coverage")
    if not 0.0 < c <= 1.0:
        raise InputError(f"age_coverage must be in (0, 1], got {coverage!r}")
    m = _check(max_years_to_death, "max_years_to_death")
    width, span = hi - lo, population.span
    if width <= 0.0 or width >= span:
        # A point "interval" has no width to spread over, and one spanning the whole
        # population range says nothing.
        if width <= 0.0:
            raise InputError(f"age interval [{lo:g}, {hi:g}] has no width; give the estimate "
                             f"with a standard error instead (age_estimate, age_se)")
        return 1.0
    inside, outside = c / width, (1.0 - c) / (span - width)
    # Clipped: two CDFs close to 1 differ by rounding (1e-13) when T lies far below.
    p1 = min(max(sum(w * (_cdf_h1(hi, a, sd, m) - _cdf_h1(lo, a, sd, m))
                     for w, a, sd in parts), 0.0), 1.0)
    p2 = population.probability(lo, hi)
    numerator = inside * p1 + outside * (1.0 - p1)
    denominator = inside * p2 + outside * (1.0 - p2)
    if denominator == 0.0:
        raise InputError(f"age interval [{lo:g}, {hi:g}] with coverage {c:g} has probability 0 "
                         f"in the population age distribution")
    return numerator / denominator


#: An age estimate more than this many standard errors outside the population's age range is
#: refused: no hypothesis explains it (the population says no victim was that old), and the
#: ratio of two normal tails there grows without bound (``docs/evidence.md``, "Age").
BEYOND_SE = 4.0


def beyond_population(estimate: Any, se: Any, population: AgeDistribution) -> Any:
    """Whether each estimate lies more than :data:`BEYOND_SE` standard errors outside the
    population's age range (scalars or numpy arrays)."""
    low, high = population.edges[0], population.edges[-1]
    return (estimate - BEYOND_SE * se > high) | (estimate + BEYOND_SE * se < low)


def beyond_population_message(who: str, estimate: float, se: float,
                              population: AgeDistribution) -> str:
    """The refusal of an estimate :func:`beyond_population` finds, naming ``who``."""
    return (f"{who}age_estimate {estimate:g} (se {se:g}) lies more than {BEYOND_SE:g} standard "
            f"errors outside the ages of the victim population "
            f"({population.edges[0]:g}-{population.edges[-1]:g} years): "
            f"no one in it could be that old, so every registered person would gain from the "
            f"estimate; check the estimate, or extend the population "
            f"(Population(ages=AgeDistribution(...)))")


def age_estimate_lr(age: float, estimate: float, se: float, *, age_sd: float = AGE_SD,
                    max_years_to_death: float = MAX_YEARS_TO_DEATH,
                    age_offset: float = AGE_OFFSET, misreport: float = AGE_MISREPORT,
                    misreport_sd: float = AGE_MISREPORT_SD,
                    population: AgeDistribution = PERU_VICTIM_AGES,
                    gross_error: float = AGE_GROSS_ERROR) -> float:
    """LR of a point estimate of age at death (with standard error) for a missing person.

    LR = (1 - eps) f1(x) / f2(x) + eps, f1 the density of A + D + N(0, se) at the estimate x,
    f2 the population density smoothed by N(0, se) (module docstring), eps = ``gross_error``
    the share of estimates unrelated to the true age (:mod:`~forensic_match.evidence.gross`:
    no normal tail excludes the true person by itself; 0 for the bare normal model); other
    options as for :func:`age_interval_lr`.

    Examples
    --------
    dvir ``ageAIC``: victim 60, missing person 58, sigma 2, uniform on [0, 100]:
    100 * dnorm(60, 58, 2).

    >>> exact = dict(age_sd=0, max_years_to_death=0, age_offset=0, misreport=0, gross_error=0)
    >>> lr = age_estimate_lr(58, 60, 2, **exact, population=AgeDistribution.uniform(0, 100))
    >>> round(lr, 10)
    12.098536226
    """
    parts = _components(age, age_offset, age_sd, misreport, misreport_sd)
    x = _check(estimate, "age_estimate", -math.inf)
    s = _check(se, "age_se")
    if s < 1e-3:
        raise InputError(f"age_se must be above 0 (at least 0.001 years), got {se!r}")
    m = _check(max_years_to_death, "max_years_to_death")
    numerator = sum(w * _density_h1(x, a, math.hypot(sd, s), m) for w, a, sd in parts)
    denominator = population.smoothed_density(x, s)
    if denominator == 0.0 or beyond_population(x, s, population):
        raise InputError(beyond_population_message("", x, s, population))
    eps = _check(gross_error, "gross_error")
    if eps >= 1.0:
        raise InputError(f"gross_error must be a probability below 1, got {gross_error!r}")
    return with_gross_error(numerator / denominator, eps)

