"""All the non-DNA evidence of one body against one missing person, piece by piece.

:func:`evidence_lr` applies every evidence kind recorded on both sides (sex, age, stature,
dental, features, implants, effects) and returns an :class:`EvidenceLR`: the LR of each piece,
why a piece is 1 (not recorded on one side, not comparable), exclusion flags, and the product.

The product assumes the pieces independent given identity (H1) and given that the body is
another member of the victim population (H2), except where stated: the DNA and morphological
sex are combined in one LR (two readings of one sex); the stature LR is conditional on the sex
evidence (its H2 density is a mixture over the body's sex given the sex observations). Age and
dental state are treated as independent (tooth loss rises with age: an approximation); age and
stature too (adult stature). Place and date are a prior, not an LR (another module).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from forensic_match.errors import InputError
from forensic_match.evidence.age import (
    AGE_MISREPORT,
    AGE_MISREPORT_SD,
    AGE_OFFSET,
    AGE_SD,
    MAX_YEARS_TO_DEATH,
    PERU_VICTIM_AGES,
    AgeDistribution,
    age_estimate_lr,
    age_interval_lr,
)
from forensic_match.evidence.dental import (
    CHART_ERROR,
    DEFAULT_YEARS,
    DENTAL_CAP,
    DentalPopulation,
    dental_lr,
)
from forensic_match.evidence.features import (
    EFFECTS_CAP,
    FEATURE_DETECT,
    IMPLANT_CAP,
    SERIAL_COINCIDENCE,
    effects_lr,
    feature_lr,
    implant_lr,
)
from forensic_match.evidence.gross import AGE_GROSS_ERROR, STATURE_GROSS_ERROR
from forensic_match.evidence.records import AMRecord, PMFindings
from forensic_match.evidence.sex import (
    DNA_SEX_ERROR,
    MORPHOLOGY_SEX_ERROR,
    PERU_MALE_FRACTION,
    body_sex_probabilities,
    sex_lr,
)
from forensic_match.evidence.stature import (
    PERU_STATURE,
    REPORTING_BIAS,
    REPORTING_SD,
    STATURE_LOSS_FROM,
    STATURE_LOSS_PER_YEAR,
    stature_lr,
)

if TYPE_CHECKING:
    import polars as pl

#: Pseudo-observations of the base population that smooth a register's margins
#: (:meth:`Population.from_register`).
REGISTER_PRIOR_WEIGHT = 20.0

#: Order of the pieces in an :class:`EvidenceLR`.
PIECES = ("sex", "age", "stature", "dental", "features", "implants", "effects")

INDEPENDENCE = ("pieces multiplied as independent given H1 and given H2, except: DNA and "
                "morphological sex combined in one LR; stature conditional on the sex "
                "evidence; age and dental state assumed independent (an approximation)")

#: Below this age at disappearance a reported stature is not compared (still growing; adult
#: stature formulas do not apply); nor is the stature estimated on a body whose estimated age
#: at death is below it (:func:`subadult_body`).
ADULT_AGE = 18.0


def subadult_body(pm: PMFindings) -> bool:
    """Whether the body is estimated to be under :data:`ADULT_AGE` at death (its point
    estimate, or the middle of its interval): its stature is then not compared, as for a
    missing person who was growing (the adult stature distribution of H2 does not hold for a
    child, whose small stature would make every short adult a strong candidate)."""
    age = pm.age_point()
    return age is not None and age < ADULT_AGE


@dataclass(frozen=True)
class Population:
    """The victim population and the error models behind every evidence LR (H2 is "another
    member of this population"). Every default and its source: ``docs/evidence.md``.

    Examples
    --------
    >>> Population(male_fraction=0.5).male_fraction
    0.5
    """

    male_fraction: float = PERU_MALE_FRACTION
    dna_sex_error: float = DNA_SEX_ERROR
    morphology_sex_error: float = MORPHOLOGY_SEX_ERROR
    recorded_sex_error: float = 0.0
    ages: AgeDistribution = PERU_VICTIM_AGES
    age_sd: float = AGE_SD
    max_years_to_death: float = MAX_YEARS_TO_DEATH
    age_coverage: float = 0.95
    age_offset: float = AGE_OFFSET
    age_misreport: float = AGE_MISREPORT
    age_misreport_sd: float = AGE_MISREPORT_SD
    age_gross_error: float = AGE_GROSS_ERROR
    stature_gross_error: float = STATURE_GROSS_ERROR
    stature: tuple[tuple[str, float, float], ...] = tuple(
        (s, m, sd) for s, (m, sd) in PERU_STATURE.items())
    reporting_bias: float = REPORTING_BIAS
    reporting_sd: float = REPORTING_SD
    stature_loss_per_year: float = STATURE_LOSS_PER_YEAR
    stature_loss_from: float = STATURE_LOSS_FROM
    dental: DentalPopulation | None = None
    dental_error: float = CHART_ERROR
    dental_years: float = DEFAULT_YEARS
    dental_cap: float | None = DENTAL_CAP
    feature_detect: float = FEATURE_DETECT
    serial_coincidence: float = SERIAL_COINCIDENCE
    implant_cap: float = IMPLANT_CAP
    effects_cap: float = EFFECTS_CAP

    def __post_init__(self) -> None:
        def bad(name: str, rule: str) -> InputError:
            return InputError(f"Population.{name} must be {rule}, got {getattr(self, name)!r}")

        if not 0.0 < self.male_fraction < 1.0:
            raise bad("male_fraction", "strictly between 0 and 1")
        for name in ("dna_sex_error", "morphology_sex_error", "recorded_sex_error",
                     "age_misreport"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise bad(name, "a probability")
        for name in ("age_gross_error", "stature_gross_error"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise bad(name, "a probability below 1")
        if not 0.0 < self.age_coverage <= 1.0:
            raise bad("age_coverage", "in (0, 1]")
        for name in ("age_sd", "max_years_to_death", "age_misreport_sd", "reporting_sd",
                     "dental_years", "stature_loss_per_year"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0.0):
                raise bad(name, "a finite number >= 0")
        if not 0.0 < self.dental_error < 0.75:
            raise bad("dental_error", "in (0, 0.75)")
        for name in ("serial_coincidence", "feature_detect"):
            if not 0.0 < getattr(self, name) < 1.0:
                raise bad(name, "strictly between 0 and 1")
        # Caps bound an LR from above: below 1 they would turn "nothing compared" (LR 1)
        # into evidence against.
        for name in ("dental_cap", "implant_cap", "effects_cap"):
            value = getattr(self, name)
            if value is not None and not (value >= 1.0):
                raise bad(name, "at least 1" + (" (or None)" if name == "dental_cap" else ""))
        for sex, mean, sd in self.stature:
            if sex not in ("M", "F") or not (math.isfinite(mean) and sd > 0):
                raise InputError(f"Population.stature: ({sex!r}, {mean!r}, {sd!r}) must be a "
                                 f"sex M or F, a mean and an sd above 0")

    @classmethod
    def from_register(cls, records: Iterable[AMRecord], *, base: Population | None = None,
                      prior_weight: float = REGISTER_PRIOR_WEIGHT) -> Population:
        """``base`` (default :data:`PERU`) with the age distribution and the male fraction of
        the register ``records`` (the missing persons' AM records): H2 is "another member of
        the victim population", and a programme's register is its best sample of it.

        Ages at death are taken as the recorded ages plus ``age_offset`` plus half of
        ``max_years_to_death``; both margins are smoothed by ``prior_weight``
        pseudo-observations of ``base`` (:meth:`AgeDistribution.from_ages`), so that a small
        register does not put probability 0 on an age or a sex. Records without an age (or
        a sex) do not count for that margin.

        Examples
        --------
        >>> recs = [AMRecord(f"M{i}", sex="F", age=30.0) for i in range(80)]
        >>> pop = Population.from_register(recs, prior_weight=20)
        >>> round(pop.male_fraction, 4)  # (0 + 20 x 0.7914) / 100
        0.1583
        """
        b = base or PERU
        recs = list(records)
        shift = b.age_offset + 0.5 * b.max_years_to_death
        ages = [r.age + shift for r in recs if r.age is not None]
        sexes = [r.sex for r in recs if r.sex in ("M", "F")]
        male = (sum(s == "M" for s in sexes) + prior_weight * b.male_fraction) / (
            len(sexes) + prior_weight)
        dist = AgeDistribution.from_ages(
            ages, prior=b.ages, prior_weight=prior_weight,
            source=f"the register's {len(ages)} ages at disappearance (+{shift:g} years), "
                   f"smoothed by {prior_weight:g} pseudo-observations of: {b.ages.source}")
        return b.with_(ages=dist, male_fraction=male)

    def with_(self, **changes: object) -> Population:
        """A copy with some settings changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """Every setting as JSON-ready values, for the provenance of a result."""
        out: dict[str, object] = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if isinstance(value, AgeDistribution):
                value = {"edges": list(value.edges), "probabilities": list(value.probabilities),
                         "source": value.source}
            elif isinstance(value, DentalPopulation):
                value = {"source": value.source,
                         "frequencies": {str(t): list(p) for t, p in value.frequencies.items()}}
            elif name == "stature":
                value = {s: {"mean": m, "sd": sd} for s, m, sd in value}
            out[name] = value
        return out


PERU = Population()


@dataclass
class EvidenceLR:
    """The non-DNA evidence of one body for one missing person.

    Attributes
    ----------
    am_id, pm_id : str
    pieces : dict
        ``{piece: LR}`` for every piece of :data:`PIECES` (1 when not applied).
    notes : dict
        ``{piece: why}``: what was compared, or why the piece is 1.
    compared : tuple of str
        The pieces recorded on both sides and compared.
    exclusions : tuple of str
        Pieces that flag an exclusion (an inconsistent tooth, two different serial numbers).
    assumption : str
        The independence assumption of the product.
    """

    am_id: str
    pm_id: str
    pieces: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    compared: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    assumption: str = INDEPENDENCE

    @property
    def log10_lr(self) -> float:
        """Sum of the pieces' log10 LRs (``-inf`` when a piece is 0)."""
        return sum(math.log10(v) if v > 0 else -math.inf for v in self.pieces.values())

    @property
    def lr(self) -> float:
        """Product of the pieces."""
        return 10.0 ** self.log10_lr

    def applied(self) -> dict[str, float]:
        """The pieces that were compared (recorded on both sides)."""
        return {k: v for k, v in self.pieces.items() if k in self.compared}

    def to_dict(self) -> dict[str, object]:
        """One flat row: ids, each piece's LR, the product, compared pieces and exclusions."""
        return {"am": self.am_id, "pm": self.pm_id, **self.pieces, "lr": self.lr,
                "log10_lr": self.log10_lr, "compared": ",".join(self.compared),
                "exclusions": ",".join(self.exclusions)}

    def summary(self) -> str:
        """One line: ``"sex 1.9, age 4.1, stature 0.8 (product 6.2)"``."""
        parts = [f"{k} {v:.3g}" for k, v in self.applied().items()]
        text = ", ".join(parts) if parts else "no evidence recorded on both sides"
        flags = f"; exclusion flagged by {', '.join(self.exclusions)}" if self.exclusions else ""
        return f"{text} (product {self.lr:.3g}){flags}"


def evidence_frame(results: Iterable[EvidenceLR]) -> pl.DataFrame:
    """A tidy table of evidence results, one row per (missing person, body) pair.

    Examples
    --------
    >>> r = evidence_lr(AMRecord("A", sex="M"), PMFindings("P", dna_sex="M"))
    >>> evidence_frame([r]).columns[:4]
    ['am', 'pm', 'sex', 'age']
    """
    import polars as pl

    schema = {"am": pl.String, "pm": pl.String, **{k: pl.Float64 for k in PIECES},
              "lr": pl.Float64, "log10_lr": pl.Float64, "compared": pl.String,
              "exclusions": pl.String}
    return pl.DataFrame([r.to_dict() for r in results], schema=schema)


def _years(start, end) -> float | None:  # type: ignore[no-untyped-def]
    if start is None or end is None:
        return None
    return (end - start).days / 365.25


def _chart_years(am: AMRecord, pop: Population) -> float:
    """Years from the AM dental chart to the disappearance (from their dates, never
    negative), else ``pop.dental_years``."""
    years = _years(am.dental.date if am.dental is not None else None, am.date_missing)
    return pop.dental_years if years is None else max(years, 0.0)


def evidence_lr(am: AMRecord, pm: PMFindings, *, population: Population = PERU) -> EvidenceLR:
    """Every non-DNA evidence LR of body ``pm`` for missing person ``am``.

    A piece recorded on one side only is LR 1, with a note saying so. Age: the continuous model
    when the body has an estimate with a standard error, otherwise the interval (its coverage
    ``population.age_coverage`` when not recorded, stated in the note). Stature: only
    for a missing person aged 18 or more. Dental: years between the AM chart and the
    disappearance from their dates, else ``population.dental_years``.

    Parameters
    ----------
    am : AMRecord
    pm : PMFindings
    population : Population
        Victim population and error models (default :data:`PERU`).

    Returns
    -------
    EvidenceLR

    Examples
    --------
    >>> am = AMRecord("F1_C1", sex="M", age=24, stature_cm=170.0)
    >>> pm = PMFindings("PM1", dna_sex="M", age_min=20, age_max=30, age_coverage=0.95,
    ...                 stature_cm=167.0, stature_sd=4.0)
    >>> r = evidence_lr(am, pm)
    >>> sorted(r.applied())
    ['age', 'sex', 'stature']
    """
    pop = population
    pieces: dict[str, float] = {}
    notes: dict[str, str] = {}
    exclusions: list[str] = []

    compared: list[str] = []

    def put(name: str, lr: float, note: str, *, applied: bool = True) -> None:
        pieces[name], notes[name] = lr, note
        if applied:
            compared.append(name)

    def skip(name: str, note: str) -> None:
        put(name, 1.0, note, applied=False)

    # sex
    if am.sex == "U":
        skip("sex", "not recorded for the missing person")
    elif pm.dna_sex == "U" and pm.sex_morphology == "U":
        skip("sex", "not determined on the body")
    else:
        put("sex", sex_lr(am.sex, dna=pm.dna_sex, morphology=pm.sex_morphology,
                          dna_error=pop.dna_sex_error, morphology_error=pop.morphology_sex_error,
                          recorded_error=pop.recorded_sex_error,
                          male_fraction=pop.male_fraction),
            f"recorded {am.sex}; DNA {pm.dna_sex}, morphology {pm.sex_morphology}")

    # age
    age_options = dict(age_sd=pop.age_sd, max_years_to_death=pop.max_years_to_death,
                       age_offset=pop.age_offset, misreport=pop.age_misreport,
                       misreport_sd=pop.age_misreport_sd, population=pop.ages)
    if am.age is None:
        skip("age", "not recorded for the missing person")
    elif pm.age_estimate is not None and pm.age_se is not None:
        put("age", age_estimate_lr(am.age, pm.age_estimate, pm.age_se, **age_options,
                                   gross_error=pop.age_gross_error),
            f"age {am.age:g} at disappearance; estimate {pm.age_estimate:g} "
            f"(se {pm.age_se:g})")
    elif pm.age_min is not None and pm.age_max is not None:
        coverage = pm.age_coverage if pm.age_coverage is not None else pop.age_coverage
        stated = "" if pm.age_coverage is not None else ", coverage not recorded: assumed"
        put("age", age_interval_lr(am.age, pm.age_min, pm.age_max, coverage, **age_options),
            f"age {am.age:g} at disappearance; interval {pm.age_min:g}-{pm.age_max:g} "
            f"({coverage:.0%}{stated})")
    else:
        skip("age", "not estimated on the body")

    # stature
    if am.stature_cm is None:
        skip("stature", "not reported for the missing person")
    elif pm.stature_cm is None or pm.stature_sd is None:
        skip("stature", "not estimated on the body")
    elif am.age is not None and am.age < ADULT_AGE:
        skip("stature", f"not compared: the missing person was {am.age:g} (growing)")
    elif subadult_body(pm):
        skip("stature", f"not compared: the body is estimated {pm.age_point():g} (growing)")
    else:
        sexes = body_sex_probabilities(dna=pm.dna_sex, morphology=pm.sex_morphology,
                                       dna_error=pop.dna_sex_error,
                                       morphology_error=pop.morphology_sex_error,
                                       male_fraction=pop.male_fraction)
        put("stature", stature_lr(am.stature_cm, pm.stature_cm, pm.stature_sd, sex=sexes,
                                  reporting_bias=pop.reporting_bias,
                                  reporting_sd=pop.reporting_sd, age=am.age,
                                  loss_per_year=pop.stature_loss_per_year,
                                  loss_from=pop.stature_loss_from,
                                  gross_error=pop.stature_gross_error,
                                  population={s: (m, sd) for s, m, sd in pop.stature}),
            f"reported {am.stature_cm:g} cm; estimate {pm.stature_cm:g} "
            f"(se {pm.stature_sd:g}) cm")

    # dental
    if am.dental is None or not am.dental.teeth:
        skip("dental", "not charted for the missing person")
    elif pm.dental is None or not pm.dental.teeth:
        skip("dental", "not charted on the body")
    else:
        years = _chart_years(am, pop)
        result = dental_lr(am.dental, pm.dental, years=years, error=pop.dental_error,
                           population=pop.dental, cap=pop.dental_cap)
        if not result.teeth:
            skip("dental", "not comparable: no tooth recorded on both charts")
        else:
            counts = {c: sum(t.category == c for t in result.teeth)
                      for c in ("concordant", "explainable", "inconsistent")}
            put("dental", result.lr,
                f"{result.compared} teeth over {years:.1f} years: "
                + ", ".join(f"{n} {c}" for c, n in counts.items()))
            if result.exclusion:
                exclusions.append("dental")

    # features
    if not am.features:
        skip("features", "not recorded for the missing person")
    else:
        # an implant on the body is also its kind seen (an AM record may list the kind as a
        # feature)
        r = feature_lr(am.features, [*pm.features, *(i.kind for i in pm.implants)],
                       pm.features_absent, detect=pop.feature_detect)
        if not r.matched and not r.absent:
            skip("features", "not looked for on the body")
        else:
            put("features", r.lr, f"found {list(r.matched)}, absent {list(r.absent)}")

    # implants
    if not am.implants:
        skip("implants", "not recorded for the missing person")
    else:
        r = implant_lr(am.implants, pm.implants, pm.features_absent, pm.features,
                       coincidence=pop.serial_coincidence, detect=pop.feature_detect,
                       cap=pop.implant_cap)
        if not r.matched and not r.absent and not r.exclusion:
            skip("implants", "not found or looked for on the body")
        else:
            put("implants", r.lr, f"matched {list(r.matched)}, absent {list(r.absent)}"
                + ("; serial numbers differ" if r.exclusion else ""))
            if r.exclusion:
                exclusions.append("implants")

    # effects
    if not am.effects:
        skip("effects", "not described by the relatives")
    elif not pm.effects:
        skip("effects", "not inventoried with the body")
    else:
        r = effects_lr(am.effects, pm.effects, cap=pop.effects_cap)
        put("effects", r.lr, f"matched {list(r.matched)}, not found {list(r.absent)}")

    return EvidenceLR(am.id, pm.id, pieces, notes, tuple(compared), tuple(exclusions))
