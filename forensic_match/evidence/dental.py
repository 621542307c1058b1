"""Dental: an antemortem chart against the postmortem chart, tooth by tooth (FDI codes).

Each tooth's true state moves forward in time through ``sound -> filled -> crowned`` and from
any of them to ``missing`` (lost antemortem), never back: a continuous-time Markov chain with
yearly rates (:data:`DENTAL_RATES`, assumed) run over the years between the AM chart and death.
A chart records a state wrongly with probability ``error`` (spread evenly over the other three
states). For one tooth with AM state ``a`` and PM observation ``o``:

    LR_tooth = sum_t P(t | a, years) P(o | t) / sum_t f_tooth(t) P(o | t)

with ``f_tooth`` the frequency of each state of that tooth in the victim population (a
configurable table, :class:`DentalPopulation`; the default is an assumption). The dental LR is
the product over the teeth recorded on both charts (summed in log10), an assumption of
independence between teeth that overstates the LR when states cluster within a mouth, hence a
cap (default :data:`DENTAL_CAP`).

Each compared tooth is also classed, for the examiner:

- *concordant*: the same state (or "present" against sound, filled or crowned);
- *explainable*: a forward change (sound AM -> filled, crowned or missing PM; filled -> crowned
  or missing; crowned -> missing; unerupted -> any);
- *inconsistent*: a change the chain forbids (missing AM -> present PM, filled AM -> sound PM,
  crowned AM -> sound or filled PM): an exclusion unless a chart is wrong; flagged.

Not compared: a tooth unknown on either chart, a PM ``unerupted`` tooth, an AM ``missing_pm``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from forensic_match.errors import InputError
from forensic_match.evidence.records import (
    DECIDUOUS_TEETH,
    FDI_TEETH,
    DentalChart,
    tooth_code,
)

STATES = ("sound", "filled", "crowned", "missing")
_S, _F, _C, _M = range(4)
#: Assumed yearly transition rates per tooth (adults): sound -> filled, sound -> missing,
#: filled -> crowned, filled -> missing, crowned -> missing.
DENTAL_RATES = {"sound_filled": 0.01, "sound_missing": 0.005, "filled_crowned": 0.01,
                "filled_missing": 0.01, "crowned_missing": 0.01}
#: Default probability that a chart records a tooth's state wrongly.
CHART_ERROR = 0.02
#: Default years between the AM chart and death when the chart has no date.
DEFAULT_YEARS = 2.0
#: Default cap of the dental LR (teeth are not independent within a mouth).
DENTAL_CAP = 1e4

#: Assumed state frequencies (sound, filled, crowned, missing) per tooth class in the victim
#: population: low restoration and high molar loss, as in rural populations with little dental
#: care. To be replaced by a survey of the population (``DentalPopulation.from_table``).
_CLASS_FREQUENCIES = {
    "molar": (0.70, 0.07, 0.01, 0.22), "premolar": (0.83, 0.05, 0.01, 0.11),
    "canine": (0.93, 0.02, 0.01, 0.04), "incisor": (0.90, 0.03, 0.02, 0.05),
    "deciduous": (0.90, 0.02, 0.00, 0.08)}


def tooth_class(tooth: int) -> str:
    """molar, premolar, canine, incisor or deciduous, from an FDI code.

    Examples
    --------
    >>> tooth_class(36), tooth_class(13), tooth_class(55)
    ('molar', 'canine', 'deciduous')
    """
    if tooth in DECIDUOUS_TEETH:
        return "deciduous"
    position = tooth % 10
    return "incisor" if position <= 2 else "canine" if position == 3 else \
        "premolar" if position <= 5 else "molar"


@dataclass(frozen=True)
class DentalPopulation:
    """State frequencies (sound, filled, crowned, missing) per tooth in the victim population.

    Attributes
    ----------
    frequencies : dict
        ``{fdi code: (p_sound, p_filled, p_crowned, p_missing)}``, each summing to 1.
    source : str
    """

    frequencies: dict[int, tuple[float, float, float, float]]
    source: str = ""

    def __post_init__(self) -> None:
        for tooth, p in self.frequencies.items():
            if len(p) != 4 or any(not 0 <= x <= 1 for x in p) or abs(sum(p) - 1) > 1e-6:
                raise InputError(f"dental population, tooth {tooth}: frequencies of sound, "
                                 f"filled, crowned, missing must be 4 numbers summing to 1, "
                                 f"got {p}")

    @classmethod
    def default(cls) -> DentalPopulation:
        """The assumed table (module constants), one row per FDI tooth."""
        return _default_population()

    @classmethod
    def from_table(cls, path: str | Path) -> DentalPopulation:
        """Read ``tooth, sound, filled, crowned, missing`` rows (CSV, Excel, Parquet); teeth
        not listed keep the default."""
        from forensic_match.tables import read_table

        table = read_table(path)
        cols = [table.require(name, name) for name in ("tooth", *STATES)]
        freqs = dict(cls.default().frequencies)
        for number, row in table.rows:
            tooth = tooth_code(row[cols[0]], table.loc(number))
            try:
                p = tuple(float(row[c]) for c in cols[1:])
            except ValueError:
                raise InputError(f"{table.loc(number)}, tooth {tooth}: frequencies must be "
                                 f"numbers, got {[row[c] for c in cols[1:]]}") from None
            if abs(sum(p) - 1) > 1e-6 or any(not 0 <= x <= 1 for x in p):
                raise InputError(f"{table.loc(number)}, tooth {tooth}: frequencies must be in "
                                 f"[0, 1] and sum to 1, got {p}")
            freqs[tooth] = p  # type: ignore[assignment]
        return cls(freqs, str(path))

    @classmethod
    def from_charts(cls, charts: Iterable[DentalChart], *, prior: DentalPopulation | None = None,
                    prior_weight: float = 10.0) -> DentalPopulation:
        """Frequencies estimated from charts of the victim population (the PM charts of a
        programme's bodies are such a sample): per tooth, the counts of sound, filled, crowned
        and missing, plus ``prior_weight`` pseudo-counts spread as in ``prior`` (the default
        table), so that a tooth seen a few times is not given a frequency of 0. Entries
        ``present``, ``missing_pm``, ``unerupted`` and ``unknown`` are not counted.

        Examples
        --------
        >>> pop = DentalPopulation.from_charts([DentalChart({36: "filled"})] * 90,
        ...                                    prior_weight=10)
        >>> round(float(pop.of(36)[1]), 3)  # (90 + 10 * 0.07) / 100
        0.907
        """
        if not (math.isfinite(prior_weight) and prior_weight > 0):
            raise InputError(f"prior_weight must be above 0, got {prior_weight!r}")
        prior = prior or cls.default()
        counts = {t: np.zeros(4) for t in prior.frequencies}
        n = 0
        for chart in charts:
            n += 1
            for tooth, state in chart.teeth.items():
                if state in STATES and tooth in counts:
                    counts[tooth][STATES.index(state)] += 1
        freqs = {}
        for tooth, c in counts.items():
            p = (c + prior_weight * prior.of(tooth)) / (c.sum() + prior_weight)
            freqs[tooth] = tuple(float(x) for x in p)
        return cls(freqs, f"{n} charts, prior weight {prior_weight:g} on {prior.source}")

    def of(self, tooth: int) -> np.ndarray:
        if tooth not in self.frequencies:
            raise InputError(f"dental population has no frequencies for tooth {tooth}")
        return np.asarray(self.frequencies[tooth], dtype=float)


@functools.cache
def _default_population() -> DentalPopulation:
    return DentalPopulation({t: _CLASS_FREQUENCIES[tooth_class(t)] for t in sorted(FDI_TEETH)},
                            "assumption (docs/evidence.md)")


@dataclass(frozen=True)
class ToothComparison:
    """One tooth compared: states on both charts, the class and the tooth's LR."""

    tooth: int
    am: str
    pm: str
    category: str
    lr: float


@dataclass
class DentalResult:
    """Dental comparison of two charts.

    Attributes
    ----------
    lr : float
        Product of the teeth's LRs, capped.
    log10_lr : float
        Uncapped log10 of the product.
    teeth : list of ToothComparison
    exclusion : bool
        True when a tooth is inconsistent.
    """

    lr: float
    log10_lr: float
    teeth: list[ToothComparison] = field(default_factory=list)
    exclusion: bool = False

    @property
    def compared(self) -> int:
        return len(self.teeth)


def _generator(rates: Mapping[str, float]) -> np.ndarray:
    unknown = set(rates) - set(DENTAL_RATES)
    if unknown:
        raise InputError(f"unknown dental rates {sorted(unknown)}; known: {sorted(DENTAL_RATES)}")
    r = {**DENTAL_RATES, **rates}
    if any(not (math.isfinite(v) and v >= 0) for v in r.values()):
        raise InputError(f"dental rates must be >= 0, got {r}")
    q = np.zeros((4, 4))
    q[_S, _F], q[_S, _M] = r["sound_filled"], r["sound_missing"]
    q[_F, _C], q[_F, _M] = r["filled_crowned"], r["filled_missing"]
    q[_C, _M] = r["crowned_missing"]
    q -= np.diag(q.sum(axis=1))
    return q


def transition_matrix(years: float, rates: Mapping[str, float] | None = None) -> np.ndarray:
    """P(state after ``years`` | state now) over (sound, filled, crowned, missing).

    Examples
    --------
    >>> p = transition_matrix(10.0)
    >>> round(float(p[0, 0]), 6)  # still sound: exp(-(0.01 + 0.005) * 10)
    0.860708
    """
    return _transition(float(years), tuple(sorted((rates or {}).items()))).copy()


def transition_matrices(years: Sequence[float],
                        rates: Mapping[str, float] | None = None) -> np.ndarray:
    """:func:`transition_matrix` of several intervals at once, shape ``(len(years), 4, 4)``:
    one batched matrix exponential (a programme's charts have hundreds of distinct
    intervals; one call each cost milliseconds under load).

    Examples
    --------
    >>> p = transition_matrices([0.0, 10.0])
    >>> round(float(p[1, 0, 0]), 6), float(p[0, 0, 0])
    (0.860708, 1.0)
    """
    from scipy.linalg import expm

    from forensic_match.accelerate import one_blas_thread

    t = np.asarray(years, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(t) & (t >= 0)):
        bad = t[~(np.isfinite(t) & (t >= 0))][0]
        raise InputError(f"years between dental charts must be >= 0, got {float(bad)!r}")
    if t.size == 0:
        return np.zeros((0, 4, 4))
    with one_blas_thread():  # small matrices: the library's threads only wait (accelerate)
        return expm(_generator(dict(rates or {}))[None, :, :] * t[:, None, None])


@functools.lru_cache(maxsize=1024)
def _transition(years: float, rates: tuple[tuple[str, float], ...]) -> np.ndarray:
    return transition_matrices([years], dict(rates))[0]


def _am_prior(state: str, population: np.ndarray) -> np.ndarray | None:
    """Distribution of the true AM state given the AM chart's entry (None: not comparable)."""
    if state in STATES:
        out = np.zeros(4)
        out[STATES.index(state)] = 1.0
        return out
    if state == "unerupted":
        return np.array([1.0, 0.0, 0.0, 0.0])
    if state == "present":
        p = population.copy()
        p[_M] = 0.0
        return p / p.sum() if p.sum() > 0 else np.array([1.0, 0.0, 0.0, 0.0])
    return None


def _pm_likelihood(state: str, error: float) -> np.ndarray | None:
    """P(PM entry | true state) over the four states (None: not comparable)."""
    if state in STATES:
        out = np.full(4, error / 3.0)
        out[STATES.index(state)] = 1.0 - error
        return out
    if state in ("present", "missing_pm"):
        return np.array([1.0 - error, 1.0 - error, 1.0 - error, error])
    return None


_ORDER = {"sound": 0, "filled": 1, "crowned": 2, "missing": 3}


def classify_tooth(am: str, pm: str) -> str:
    """concordant, explainable or inconsistent (module docstring).

    Examples
    --------
    >>> classify_tooth("sound", "filled"), classify_tooth("missing", "sound")
    ('explainable', 'inconsistent')
    """
    pm = "present" if pm == "missing_pm" else pm
    if am == "unerupted":
        return "concordant" if pm in ("sound", "present") else "explainable"
    if am == pm or (pm == "present" and am in ("sound", "filled", "crowned")) or \
            (am == "present" and pm in ("sound", "filled", "crowned")):
        return "concordant"
    if am == "present":
        return "explainable"  # present AM -> missing PM
    if pm == "present":
        return "inconsistent"  # missing AM -> present PM
    return "explainable" if _ORDER[pm] > _ORDER[am] else "inconsistent"


def dental_lr(am: DentalChart, pm: DentalChart, *, years: float = DEFAULT_YEARS,
              error: float = CHART_ERROR, rates: Mapping[str, float] | None = None,
              population: DentalPopulation | None = None,
              cap: float | None = DENTAL_CAP) -> DentalResult:
    """Compare an AM and a PM dental chart: per-tooth LRs, their product and an exclusion flag.

    Parameters
    ----------
    am, pm : DentalChart
    years : float
        Years between the AM chart and death.
    error : float
        Probability that a chart records a tooth's state wrongly (must be above 0: an
        inconsistent tooth then gives a small LR and the exclusion flag, not LR 0).
    rates : mapping, optional
        Yearly transition rates overriding :data:`DENTAL_RATES`.
    population : DentalPopulation, optional
        State frequencies per tooth (default :meth:`DentalPopulation.default`).
    cap : float or None
        Upper cap of the product (``None``: none).

    Examples
    --------
    >>> am = DentalChart({36: "filled", 11: "sound"})
    >>> pm = DentalChart({36: "filled", 11: "sound", 46: "missing"})
    >>> r = dental_lr(am, pm, years=0, error=0.02)
    >>> [t.category for t in r.teeth], r.exclusion
    (['concordant', 'concordant'], False)
    """
    if not 0.0 < error < 0.75:
        raise InputError(f"dental chart error must be in (0, 0.75), got {error!r}")
    population = population or DentalPopulation.default()
    step = transition_matrix(years, rates)
    teeth: list[ToothComparison] = []
    log10 = 0.0
    for tooth in sorted(set(am.teeth) & set(pm.teeth)):
        a, o = am.state(tooth), pm.state(tooth)
        freq = population.of(tooth)
        prior = _am_prior(a, freq)
        like = _pm_likelihood(o, error)
        if prior is None or like is None:
            continue
        numerator = float(prior @ step @ like)
        denominator = float(freq @ like)
        lr = numerator / denominator
        teeth.append(ToothComparison(tooth, a, o, classify_tooth(a, o), lr))
        log10 += math.log10(lr)
    lr = 10.0 ** log10
    if cap is not None:
        lr = min(lr, float(cap))
    return DentalResult(lr, log10, teeth,
                        any(t.category == "inconsistent" for t in teeth))

