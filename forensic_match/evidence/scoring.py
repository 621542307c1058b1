"""AM/PM evidence for the search: log10 LRs of sex, age and stature for blocks of
(compiled row, body) pairs, registered missing persons and their unregistered relatives alike;
for registered persons also the distinctive pieces (dental chart, features, implants,
effects) where both sides recorded them, and optionally the place-and-date prior factor.

A compiled row is a registered missing person (his :class:`AMRecord`) or a relative who could
be the body instead of him (:mod:`forensic_match.decide.alternatives`: a full sibling, a
parent, a child...), whom nobody registered. A relative has no record of his own; a
:class:`RelativeModel` derives one from the registered person's record and the relation:

- **sex** from the pedigree, or unknown (an implied sibling, a child): then male with
  probability ``male_probability`` (default the population's male fraction; one half beside
  a registered woman, :data:`KIN_OF_A_WOMAN_MALE_PROBABILITY`);
- **age** at disappearance = the missing person's true age + an age gap (:class:`AgeGap`,
  :data:`RELATION_AGE_GAPS`: a full sibling N(0, 7) years, a parent 18-45 years older, a child
  18-45 younger...), conditioned on 0 to 110 years; the same time from disappearance to death
  (killed together);
- **stature** not reported: the body's stature is that of a person of the relative's sex,
  correlated with the registered person's reported stature by the relation
  (:data:`RELATION_STATURE_CORRELATIONS`: a brother of a tall man is likely tall); without
  that report the population distribution of his sex, so the stature tells only through the
  sex; with the probability that the relative was under 18 it tells nothing (a growing
  child; adult distributions).

The LR of "the body is this relative" against H2 (another member of the victim population) is
``P(PM findings | relative model) / P(PM findings | population)``, each piece a proper
likelihood ratio, so E[LR | H2] = 1 (``tests/test_evidence_scoring.py``). For a registered
person the pieces are exactly those of :func:`~forensic_match.evidence.combine.evidence_lr`.

The relative's age at death is computed on a grid of :data:`GRID_STEP` years (exact bin
masses of the continuous model, uniform within a bin), so the relatives' age LRs agree with a
continuous numerical integration to about 1e-3 (relative). A relative's distinctive pieces are
LR 1 (the registered person's teeth, fractures, implants and effects do not describe him).
Formulas, assumptions and speed: ``docs/evidence.md``, "Scoring in the search and relatives",
"Distinctive evidence in the decisions" and "The place and date prior in the decisions".
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from forensic_match.errors import InputError
from forensic_match.evidence.age import beyond_population, beyond_population_message
from forensic_match.evidence.batch import evidence_log10_block
from forensic_match.evidence.body_findings import findings_for_bodies
from forensic_match.evidence.combine import ADULT_AGE, PERU, Population, subadult_body
from forensic_match.evidence.distinctive import DistinctiveTables
from forensic_match.evidence.gross import log10_with_gross_error
from forensic_match.evidence.records import AMRecord, PMFindings
from forensic_match.evidence.sex import body_sex_probabilities, sex_lr

if TYPE_CHECKING:
    from forensic_match.decide.alternatives import AlternativeSet
    from forensic_match.evidence.place import PlaceFactors, PlacePrior

#: The distinctive pieces: compared only where the registered person's record and the body's
#: findings both hold the item (sparse), and LR 1 for a relative (his registered kinsman's
#: dental chart, fractures, implants and effects do not describe him).
DISTINCTIVE = ("dental", "features", "implants", "effects")

#: Width (years) of the bins on which a relative's age is computed.
GRID_STEP = 0.1
#: A relative's age at disappearance is conditioned on [0, RELATIVE_AGE_LIMIT] (born, alive).
RELATIVE_AGE_LIMIT = 110.0
#: Below this probability that the relative's age lies in [0, RELATIVE_AGE_LIMIT] (a child of a
#: missing child) the relative cannot exist: his age LR is 0 where a body's age was estimated.
IMPOSSIBLE = 1e-6
#: Standard deviation (years) of the age gap between two full siblings. Assumption: sibships of
#: about six born about three years apart (rural Peru in the 1950s-1980s), for which two
#: siblings differ by sd 3 sqrt(2 (6^2 - 1) / 12) = 7.2 years.
SIBLING_AGE_SD = 7.0
#: Age of a parent at the birth of a child (years). Assumption, the range of the brief: mothers
#: from 15, fathers to 50 and more in rural Peru; set ``RELATION_AGE_GAPS`` to change it.
PARENT_AGE = (18.0, 45.0)
#: Standard deviation (years) of the age gap between half siblings (another partner, often
#: years later). Assumption.
HALF_SIBLING_AGE_SD = 10.0
#: Standard deviation (years) of the age gap between partners. Assumption.
PARTNER_AGE_SD = 5.0

_SEXES = {"M": 0, "F": 1, "U": 2}


@dataclass(frozen=True)
class AgeGap:
    """A relative's age at disappearance minus the missing person's: ``N(mean, sd)`` plus the
    sum of independent uniforms ``U(lo, hi)`` (at most three).

    Examples
    --------
    >>> AgeGap(uniforms=((18.0, 45.0),)).support()
    (18.0, 45.0)
    """

    mean: float = 0.0
    sd: float = 0.0
    uniforms: tuple[tuple[float, float], ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mean) and math.isfinite(self.sd) and self.sd >= 0):
            raise InputError(f"AgeGap: mean and sd must be finite, sd >= 0; got {self.mean!r}, "
                             f"{self.sd!r}")
        if len(self.uniforms) > 3:
            raise InputError(f"AgeGap: at most three uniform terms, got {len(self.uniforms)}")
        for lo, hi in self.uniforms:
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise InputError(f"AgeGap: uniform ({lo!r}, {hi!r}) needs lo < hi")

    def support(self) -> tuple[float, float]:
        """Lowest and highest gap (infinite with a normal term)."""
        spread = math.inf if self.sd > 0 else 0.0
        return (self.mean + sum(lo for lo, _ in self.uniforms) - spread,
                self.mean + sum(hi for _, hi in self.uniforms) + spread)


_UP, _DOWN = PARENT_AGE, (-PARENT_AGE[1], -PARENT_AGE[0])

#: Age gap of each relation (the relative's age minus the registered person's), all stated
#: assumptions (``docs/evidence.md``). A relation not listed ("untyped member ... of the
#: family": no close relation) has no age model: its age is not compared (LR 1).
RELATION_AGE_GAPS: dict[str, AgeGap] = {
    "full sibling": AgeGap(0.0, SIBLING_AGE_SD, (), "assumption: sibships of ~6, ~3 years apart"),
    "half sibling": AgeGap(0.0, HALF_SIBLING_AGE_SD, (), "assumption"),
    "father": AgeGap(0.0, 0.0, (_UP,), "assumption: parent 18-45 years older"),
    "mother": AgeGap(0.0, 0.0, (_UP,), "assumption: parent 18-45 years older"),
    "parent": AgeGap(0.0, 0.0, (_UP,), "assumption: parent 18-45 years older"),
    "child": AgeGap(0.0, 0.0, (_DOWN,), "assumption: child 18-45 years younger"),
    "grandparent": AgeGap(0.0, 0.0, (_UP, _UP), "two parent gaps"),
    "grandchild": AgeGap(0.0, 0.0, (_DOWN, _DOWN), "two child gaps"),
    "uncle or aunt": AgeGap(0.0, SIBLING_AGE_SD, (_UP,), "a parent's sibling"),
    "nephew or niece": AgeGap(0.0, SIBLING_AGE_SD, (_DOWN,), "a sibling's child"),
    "first cousin": AgeGap(0.0, SIBLING_AGE_SD, (_UP, _DOWN), "a parent's sibling's child"),
    "partner": AgeGap(0.0, PARTNER_AGE_SD, (), "assumption"),
}
#: Relations known to have no age model (:func:`relative_model` accepts them).
NO_AGE_MODEL = ("untyped member",)

#: Version of the relatives' evidence model (what an unregistered relative's sex, age and
#: stature are taken to be). Stored runs with AM/PM evidence record it; a store flags the
#: proposals of an evidence run made under an older version for re-review
#: (``store/configuration.py``). Raise it, and say why in :data:`RELATIVE_EVIDENCE_MODELS`,
#: whenever a default of the relatives' models changes.
RELATIVE_EVIDENCE_MODEL = 3
#: What each version is (evidence runs recorded without a version are 1).
RELATIVE_EVIDENCE_MODELS = {
    1: "a relative's stature taken as a random person's; a relative of unknown sex male with "
       "the victims' male fraction",
    2: "a relative's stature correlated with the missing person's reported stature by the "
       "relation; a relative of unknown sex of a registered woman male with probability one "
       "half (2026-12-05; docs/evidence.md, 'Relatives')",
    3: "a relative so related to several registered missing persons of his family (a sibling "
       "of a sibship of two) takes his age from all of them (an equal mixture), not from the "
       "first by id, and then no reported stature (2026-12-07; docs/evidence.md, "
       "'Relatives')",
}

#: P(male) of a relative of unknown sex (an implied sibling, a child) of a registered woman.
#: Assumption: a relative in the grave was killed with her, and the killings that took women
#: took households (men, women and children alike), so his sex is that of a birth, about one
#: half, not the victims' male fraction (0.79 in Peru, where selective killings of men weigh
#: most). The male fraction stays the default beside a man (a sibling killed with a man in a
#: selective killing is a man; in a household, one in two). Taking 0.79 beside a woman made
#: an unregistered sister of a missing woman 2.4 times less likely than a random woman to be
#: a woman's body, which favoured the missing woman over her sister on her sister's body.
KIN_OF_A_WOMAN_MALE_PROBABILITY = 0.5

#: Correlation of a relative's adult stature with the registered person's, per relation
#: (standard units within each sex). ``2 phi`` (twice the kinship coefficient): the
#: correlation of a fully heritable additive trait, the upper end of what is observed
#: (first-degree correlations of adult stature about 0.4-0.5: Pearson and Lee 1903,
#: Biometrika 2:357; heritability 0.7-0.9 in twin cohorts, Silventoinen et al. 2003, Twin Res
#: 6:399; Jelenkovic et al. 2016, eLife 5:e20320). Partners: assortative mating, about 0.2
#: (Stulp et al. 2017, Am J Hum Biol 29:e22917). A correlation set too high makes a relative
#: resemble the missing person more than he does: it errs towards not telling them apart,
#: never towards separating them. A relation not listed has correlation 0.
RELATION_STATURE_CORRELATIONS: dict[str, float] = {
    "full sibling": 0.5, "father": 0.5, "mother": 0.5, "parent": 0.5, "child": 0.5,
    "half sibling": 0.25, "grandparent": 0.25, "grandchild": 0.25, "uncle or aunt": 0.25,
    "nephew or niece": 0.25, "first cousin": 0.125, "partner": 0.2,
}


@dataclass(frozen=True)
class RelativeModel:
    """What is known of an unregistered relative of a registered missing person.

    Attributes
    ----------
    relation : str
        The relation alone ("full sibling", "father", ...; see :data:`RELATION_AGE_GAPS`).
    of : str
        Id of the registered missing person ("" for an untyped member with no close relation).
    sex : str
        "M", "F" (from the pedigree) or "U".
    male_probability : float or None
        P(male) when ``sex`` is "U"; ``None`` takes the population's male fraction.
    anchor_age : float or None
        Recorded age at disappearance of the missing person (``None``: age not compared).
    gap : AgeGap or None
        Age gap of the relation (``None``: no age model).
    date_missing : datetime.date or None
        The missing person's (killed together); for the place and date prior.
    place_missing : str
        The missing person's place of disappearance.
    place_of : str
        Id of the registered person whose date and place the relative takes (killed
        together): the one named in the relation, or for an untyped member the family's first
        registered person with a record ("" when none).
    anchor_stature : float or None
        The missing person's reported stature (cm), as recorded (``None``: not reported).
    anchor_sex : str
        The missing person's recorded sex ("M", "F"; "U": the stature is not used).
    stature_correlation : float
        Correlation of the two adult statures (:data:`RELATION_STATURE_CORRELATIONS`).
    anchor_ages : tuple of float
        The recorded ages of every registered missing person of the family the relative is
        so related to (an unregistered sibling of a sibship of two registered children): his
        age is an equal mixture of the relation's age model on each; empty: ``anchor_age``
        alone (:func:`relative_models`).
    """

    relation: str
    of: str
    sex: str = "U"
    male_probability: float | None = None
    anchor_age: float | None = None
    gap: AgeGap | None = None
    date_missing: dt.date | None = None
    place_missing: str = ""
    place_of: str = ""
    anchor_stature: float | None = None
    anchor_sex: str = "U"
    stature_correlation: float = 0.0
    anchor_ages: tuple[float, ...] = ()

    def stature_given_anchor(self, population: Population = PERU) -> tuple[float, float] | None:
        """The relative's adult stature given the missing person's report, in standard units
        of the relative's sex: ``(mean, variance)`` of a normal, or ``None`` when it is not
        used (correlation 0, no report, no recorded sex, a missing person under 18).

        The missing person's adult stature is taken as the registered comparison takes it,
        ``S ~ N(m, s_r)`` with ``m = h - bias + loss`` (:mod:`~forensic_match.evidence.stature`);
        in standard units of his sex ``z ~ N(m_z, tau^2)``, ``m_z = (m - mu)/sigma``,
        ``tau = s_r/sigma``. The relative's ``z_R = rho z + sqrt(1 - rho^2) e`` with ``e``
        standard normal, so ``z_R ~ N(rho m_z, 1 - rho^2 (1 - tau^2))``: at ``rho = 1`` the
        relative's stature is the missing person's as the registered comparison takes it, at
        ``rho = 0`` the population's.
        """
        rho = self.stature_correlation
        if (rho == 0.0 or self.anchor_stature is None or self.anchor_sex not in ("M", "F")
                or (self.anchor_age is not None and self.anchor_age < ADULT_AGE)):
            return None
        pop = population
        mu, sd = {s: (m, d) for s, m, d in pop.stature}[self.anchor_sex]
        loss = 0.0 if self.anchor_age is None else pop.stature_loss_per_year * max(
            0.0, self.anchor_age - pop.stature_loss_from)
        m_z = (self.anchor_stature - pop.reporting_bias + loss - mu) / sd
        tau2 = (pop.reporting_sd / sd) ** 2
        return rho * m_z, 1.0 - rho * rho * (1.0 - tau2)

    def age_masses(self, population: Population = PERU) -> tuple[np.ndarray, float, float] | None:
        """The relative's age at death on the grid, P(adult at disappearance), P(existence).

        Returns ``None`` without an age model. Otherwise ``(masses, adult, existence)``:
        ``masses[k]`` = P(T in [k step, (k + 1) step]) for T the age at death (age at
        disappearance, conditioned on [0, :data:`RELATIVE_AGE_LIMIT`], plus the time to death
        U(0, ``population.max_years_to_death``)); ``adult`` = P(age at disappearance >= 18);
        ``existence`` = P(age at disappearance in [0, :data:`RELATIVE_AGE_LIMIT`]) before
        conditioning (below :data:`IMPOSSIBLE` the masses are all 0).
        """
        if self.gap is None or self.anchor_age is None:
            return None
        return _relative_masses(self.anchor_ages or (self.anchor_age,), self.gap, population)

    def adult_without_age(self) -> float:
        """P(adult) when no age model applies: 1 when the gap alone makes him 18 or more (a
        parent, a grandparent), else 0 (stature not compared)."""
        if self.gap is None:
            return 0.0
        return 1.0 if self.gap.support()[0] >= ADULT_AGE else 0.0


def _relation_kind(relation: str) -> tuple[str, str]:
    """``"full sibling of F1_C1"`` -> ``("full sibling", "F1_C1")``; a bare relation -> ``(relation,
    "")``; ``"untyped member X of the family"`` -> ``("untyped member", "")``."""
    text = relation.strip()
    for kind in NO_AGE_MODEL:
        if text.startswith(kind):
            return kind, ""
    for kind in sorted(RELATION_AGE_GAPS, key=len, reverse=True):
        if text == kind:
            return kind, ""
        if text.startswith(kind + " of "):
            return kind, text[len(kind) + 4:].strip()
    return text, ""


def relative_model(record: AMRecord, relation: str, sex: str, *,
                   gaps: Mapping[str, AgeGap] = RELATION_AGE_GAPS,
                   male_probability: float | None = None,
                   correlations: Mapping[str, float] = RELATION_STATURE_CORRELATIONS,
                   ) -> RelativeModel:
    """The evidence model of an unregistered relative of the missing person of ``record``.

    Parameters
    ----------
    record : AMRecord
        The registered missing person's record (his age anchors the relative's; his date and
        place of disappearance are the relative's).
    relation : str
        What the relative is to him: ``"full sibling"``, or an
        :attr:`~forensic_match.decide.alternatives.Alternative.relation` such as
        ``"full sibling of F1_C1"``; ``"untyped member ... of the family"`` has no age model.
    sex : str
        The relative's sex from the pedigree ("M", "F", "U").
    gaps : mapping
        Age gap per relation (default :data:`RELATION_AGE_GAPS`).
    male_probability : float, optional
        P(male) of a relative of unknown sex (default: the population's male fraction;
        :data:`KIN_OF_A_WOMAN_MALE_PROBABILITY` for a relative of a registered woman).
    correlations : mapping
        Correlation of the adult statures per relation (default
        :data:`RELATION_STATURE_CORRELATIONS`; a relation not listed: 0).

    Returns
    -------
    RelativeModel

    Raises
    ------
    InputError
        An unknown relation or sex.

    Examples
    --------
    >>> son = AMRecord("F1_C1", sex="M", age=17.0)
    >>> father = relative_model(son, "father of F1_C1", "M")
    >>> father.relation, father.of, father.anchor_age, father.gap.support()
    ('father', 'F1_C1', 17.0, (18.0, 45.0))
    """
    if sex not in _SEXES:
        raise InputError(f"relative of {record.id!r}: sex must be 'M', 'F' or 'U', got {sex!r}")
    if male_probability is not None and not 0.0 <= male_probability <= 1.0:
        raise InputError(f"relative of {record.id!r}: male_probability must be a probability, "
                         f"got {male_probability!r}")
    kind, _ = _relation_kind(relation)
    if kind in NO_AGE_MODEL:
        gap = None
    elif kind in gaps:
        gap = gaps[kind]
    else:
        raise InputError(f"relative of {record.id!r}: unknown relation {relation!r} (known: "
                         f"{', '.join(sorted(gaps))}, untyped member)")
    if male_probability is None and sex == "U" and record.sex == "F":
        male_probability = KIN_OF_A_WOMAN_MALE_PROBABILITY
    rho = 0.0 if gap is None else float(correlations.get(kind, 0.0))
    if not 0.0 <= rho <= 1.0:
        raise InputError(f"relative of {record.id!r}: stature correlation of {kind!r} must be "
                         f"in [0, 1], got {rho!r}")
    return RelativeModel(kind, "" if gap is None else record.id, sex, male_probability,
                         record.age, gap, record.date_missing, record.place_missing, record.id,
                         record.stature_cm, record.sex or "U", rho)


def relative_models(sets: Iterable[AlternativeSet], records: Mapping[str, AMRecord], *,
                    gaps: Mapping[str, AgeGap] = RELATION_AGE_GAPS,
                    correlations: Mapping[str, float] = RELATION_STATURE_CORRELATIONS,
                    ) -> dict[tuple[str, str], RelativeModel]:
    """``{(family, alternative person): RelativeModel}`` for the relative alternatives of
    :func:`~forensic_match.decide.alternatives.relative_alternatives`.

    The sex is the extended pedigree's; the record is that of the missing person named in the
    relation; an untyped member with no close relation gets no age model and the date and place
    of the family's first registered missing person with a record.

    The relation names one registered missing person (the first by id of those it holds to),
    but an unregistered sibling of a sibship of two registered children is as much the
    sibling of the one as of the other: his age model is the equal mixture over every
    registered missing person of the family (with a recorded age) he is so related to, his
    sex prior that of a relative of women only if all of them are women, and no reported
    stature compared (the relation's correlation holds to each; an outside check, 2026-12-07:
    exchanging the ids of two registered sisters aged 30 and 9 moved 169 of 548 bodies'
    outcomes with evidence, and made an unregistered 7-year-old sister a proposal at 0.9997
    as the 9-year-old).
    """
    from forensic_match.decide.alternatives import relation as relation_of

    by_family: dict[str, list[str]] = {}
    for m, rec in records.items():
        by_family.setdefault(rec.family, []).append(m)
    out: dict[tuple[str, str], RelativeModel] = {}
    for alt_set in sets:
        ped = alt_set.family.pedigree
        added = {a.person for a in alt_set.alternatives}
        registered = [m for m in by_family.get(alt_set.family.id, ()) if m in ped and
                      m not in added]
        for alt in alt_set.alternatives:
            kind, anchor = _relation_kind(alt.relation)
            record = records.get(anchor) if anchor else None
            if record is None:
                record = AMRecord(anchor)
                if kind in NO_AGE_MODEL:
                    record = next((records[m] for m in _registered(alt_set) if m in records),
                                  record)
                    record = AMRecord(record.id, date_missing=record.date_missing,
                                      place_missing=record.place_missing)
                out[(alt.family, alt.person)] = relative_model(
                    record, alt.relation, ped.sex_of(alt.person), gaps=gaps,
                    correlations=correlations)
                continue
            alike = [records[m] for m in registered
                     if m != anchor and relation_of(ped, alt.person, m) == kind]
            model = relative_model(record, alt.relation, ped.sex_of(alt.person), gaps=gaps,
                                   correlations=correlations)
            out[(alt.family, alt.person)] = _with_anchors(model, [record, *alike]) \
                if alike else model
    return out


def _with_anchors(model: RelativeModel, anchors: Sequence[AMRecord]) -> RelativeModel:
    """``model`` (of the relation's named missing person, ``anchors[0]``) for a relative so
    related to every one of ``anchors``: the age an equal mixture over those with a recorded
    age, the sex prior of a relative of women only when all are women, no stature."""
    import dataclasses

    ages = tuple(sorted(float(r.age) for r in anchors if r.age is not None))
    changes: dict[str, Any] = {"anchor_stature": None, "anchor_sex": "U"}
    if len(ages) > 1:
        changes["anchor_ages"] = ages
    if ages:
        changes["anchor_age"] = ages[0]
    if model.male_probability == KIN_OF_A_WOMAN_MALE_PROBABILITY and \
            any(r.sex != "F" for r in anchors):
        changes["male_probability"] = None
    return dataclasses.replace(model, **changes)


def _registered(alt_set: AlternativeSet) -> list[str]:
    """The family's registered missing persons: people of the relations."""
    found = []
    for alt in alt_set.alternatives:
        _, anchor = _relation_kind(alt.relation)
        if anchor and anchor not in found:
            found.append(anchor)
    return found


# --- the relatives' age on a grid -------------------------------------------------------------

def _antiderivative(n: int, z: np.ndarray) -> np.ndarray:
    """n-th antiderivative of the standard normal CDF (0: Phi itself)."""
    from scipy.special import ndtr

    cdf, pdf = ndtr(z), np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi)
    if n == 0:
        return cdf
    if n == 1:
        return z * cdf + pdf
    if n == 2:
        return ((z * z + 1.0) * cdf + z * pdf) / 2.0
    return ((z ** 3 + 3.0 * z) * cdf + (z * z + 2.0) * pdf) / 6.0


def _sum_cdf(t: np.ndarray, mean: float, sd: float,
             uniforms: tuple[tuple[float, float], ...]) -> np.ndarray:
    """CDF at ``t`` of N(mean, sd) + sum of independent U(lo, hi): the n-th finite difference
    of the n-th antiderivative of Phi, one per uniform (E Phi((t - mean - U)/sd) integrated
    over each U)."""
    sd = max(sd, 1e-3)  # a spread below a day is none; keeps z finite
    n = len(uniforms)
    scale = sd ** n / math.prod(hi - lo for lo, hi in uniforms)
    base = t - mean - sum(lo for lo, _ in uniforms)
    out = np.zeros_like(t)
    for mask in range(1 << n):
        shift = sum(hi - lo for j, (lo, hi) in enumerate(uniforms) if mask >> j & 1)
        sign = -1.0 if bin(mask).count("1") % 2 else 1.0
        out += sign * _antiderivative(n, (base - shift) / sd)
    return np.clip(out * scale, 0.0, 1.0)


def _death_kernel(m: float) -> np.ndarray:
    """Share of a bin's mass (uniform within the bin) that U(0, m) moves j bins up."""
    h = GRID_STEP
    if m < 1e-9:
        return np.ones(1)
    j = np.arange(int(math.ceil(m / h)) + 2, dtype=float)

    def ramp(u: np.ndarray) -> np.ndarray:
        return np.maximum(u, 0.0) ** 2 / 2.0

    def cdf(t: np.ndarray) -> np.ndarray:
        return (ramp(t) - ramp(t - h) - ramp(t - m) + ramp(t - h - m)) / (h * m)

    kernel = np.clip(cdf((j + 1) * h) - cdf(j * h), 0.0, None)
    return kernel / kernel.sum()


def _relative_masses(anchor_ages: Sequence[float], gap: AgeGap, pop: Population
                     ) -> tuple[np.ndarray, float, float]:
    """The age masses of :meth:`RelativeModel.age_masses`: for several anchors, the equal
    mixture of each anchor's (unconditioned) masses, then conditioned as for one."""
    h = GRID_STEP
    n_bins = int(round(RELATIVE_AGE_LIMIT / h))
    edges = np.arange(n_bins + 1) * h
    q = pop.age_misreport
    parts = [(w, sd) for w, sd in ((1.0 - q, pop.age_sd),
                                   (q, math.hypot(pop.age_sd, pop.age_misreport_sd))) if w > 0]
    masses = np.zeros(n_bins)
    for anchor_age in anchor_ages:
        centre = float(anchor_age) + pop.age_offset + gap.mean
        cdf = sum(w * _sum_cdf(edges, centre, math.hypot(sd, gap.sd), gap.uniforms)
                  for w, sd in parts)
        masses += np.clip(np.diff(cdf), 0.0, None)
    masses /= len(anchor_ages)
    existence = float(masses.sum())
    kernel = _death_kernel(pop.max_years_to_death)
    if existence < IMPOSSIBLE:
        return np.zeros(n_bins + kernel.size - 1), 0.0, existence
    masses /= existence
    adult = float(masses[int(round(ADULT_AGE / h)):].sum())
    return np.convolve(masses, kernel), min(adult, 1.0), existence


# --- the scores ---------------------------------------------------------------------------------

def _empty(k: int) -> PMFindings:
    return PMFindings(f"#{k}")


def _age_findings(bodies: Sequence[PMFindings], pop: Population) -> dict[str, np.ndarray]:
    """Per body: kind of age finding, its parameters, and its H2 likelihood (denominator):
    the formulas of :func:`~forensic_match.evidence.age.age_estimate_lr` and
    :func:`~forensic_match.evidence.age.age_interval_lr`, vectorised."""
    from scipy.special import ndtr

    from forensic_match.evidence._scoring_numba import AGE_ESTIMATE, AGE_INTERVAL, AGE_NONE

    def values(name: str) -> np.ndarray:
        return np.array([np.nan if getattr(f, name) is None else getattr(f, name)
                         for f in bodies], dtype=float)

    x, s = values("age_estimate"), values("age_se")
    lo, hi, cov = values("age_min"), values("age_max"), values("age_coverage")
    cov = np.where(np.isnan(cov), pop.age_coverage, cov)
    e = np.asarray(pop.ages.edges)
    p = np.asarray(pop.ages.probabilities)
    span = pop.ages.span
    n = len(bodies)
    kind = np.full(n, AGE_NONE, dtype=np.int8)
    inside, outside, den = np.zeros(n), np.zeros(n), np.ones(n)

    estimate = ~np.isnan(x) & ~np.isnan(s)
    if np.any(s[estimate] < 1e-3):
        k = int(np.flatnonzero(estimate & (s < 1e-3))[0])
        raise InputError(f"PM sample {bodies[k].id!r}: age_se must be at least 0.001 years, "
                         f"got {s[k]!r}")
    if estimate.any():
        a = (e[:-1, None] - x[estimate]) / s[estimate]
        b = (e[1:, None] - x[estimate]) / s[estimate]
        mass = np.where(a > 0, ndtr(-a) - ndtr(-b), ndtr(b) - ndtr(a))
        den[estimate] = np.sum((p / np.diff(e))[:, None] * mass, axis=0)
        kind[estimate] = AGE_ESTIMATE
        bad = estimate & ((den == 0.0) | beyond_population(x, s, pop.ages))
        if np.any(bad):
            k = int(np.flatnonzero(bad)[0])
            raise InputError(beyond_population_message(f"PM sample {bodies[k].id!r}: ", x[k],
                                                       s[k], pop.ages))

    interval = ~estimate & ~np.isnan(lo) & ~np.isnan(hi)
    width = hi - lo
    if np.any(width[interval] <= 0):
        k = int(np.flatnonzero(interval & (width <= 0))[0])
        raise InputError(f"PM sample {bodies[k].id!r}: age interval [{lo[k]:g}, {hi[k]:g}] has "
                         f"no width; give the estimate with a standard error instead")
    interval &= width < span  # an interval spanning the whole population says nothing
    if interval.any():
        w = width[interval]
        inside[interval] = cov[interval] / w
        outside[interval] = (1.0 - cov[interval]) / (span - w)
        overlap = np.clip(np.minimum(e[1:, None], hi[interval])
                          - np.maximum(e[:-1, None], lo[interval]), 0.0, None)
        p2 = np.sum((p / np.diff(e))[:, None] * overlap, axis=0)
        den[interval] = inside[interval] * p2 + outside[interval] * (1.0 - p2)
        kind[interval] = AGE_INTERVAL
        if np.any(den[interval] == 0.0):
            k = int(np.flatnonzero(interval & (den == 0.0))[0])
            raise InputError(f"PM sample {bodies[k].id!r}: age interval [{lo[k]:g}, "
                             f"{hi[k]:g}] has probability 0 in the population age "
                             f"distribution")
    zero = kind == AGE_NONE
    return {"kind": kind, "x": np.where(estimate, x, 0.0), "s": np.where(estimate, s, 1.0),
            "lo": np.where(zero, 0.0, lo), "hi": np.where(zero, 0.0, hi), "inside": inside,
            "outside": outside, "den": den}


def _relative_age_table(masses: np.ndarray, findings: dict[str, np.ndarray],
                        gross_error: float, chunk: int = 2048) -> np.ndarray:
    """log10 of sum_k masses[c, k] W[b, k] / den[b] for every relative age model c and body b
    (0 for a body without an age finding; -inf for a model of mass 0 unless the body's age is
    a point estimate, which may be a gross error: ``(1 - eps) LR + eps``, as for a registered
    person)."""
    from forensic_match.evidence._scoring_numba import (
        AGE_ESTIMATE,
        AGE_NONE,
        age_bin_likelihoods,
    )

    n_bodies = findings["kind"].size
    out = np.zeros((masses.shape[0], n_bodies))
    if masses.shape[0] == 0:
        return out
    possible = masses.sum(axis=1) > 0
    for start in range(0, n_bodies, chunk):
        sl = slice(start, min(start + chunk, n_bodies))
        w = np.empty((sl.stop - sl.start, masses.shape[1]))
        age_bin_likelihoods(findings["kind"][sl], findings["x"][sl], findings["s"][sl],
                            findings["lo"][sl], findings["hi"][sl], findings["inside"][sl],
                            findings["outside"][sl], GRID_STEP, w)
        with np.errstate(divide="ignore"):
            block = np.log10(masses @ w.T) - np.log10(findings["den"][sl])
        # A relative who cannot exist (all masses 0) stays impossible.
        sel = np.ix_(possible, findings["kind"][sl] == AGE_ESTIMATE)
        block[sel] = log10_with_gross_error(block[sel], gross_error)
        block[:, findings["kind"][sl] == AGE_NONE] = 0.0
        out[:, sl] = block
    return out


def _sex_codes(bodies: Sequence[PMFindings]) -> tuple[np.ndarray, np.ndarray]:
    for f in bodies:
        for name, value in (("dna_sex", f.dna_sex), ("sex_morphology", f.sex_morphology)):
            if value not in _SEXES:
                raise InputError(f"PM sample {f.id!r}: {name} must be 'M', 'F' or 'U', got "
                                 f"{value!r}")
    return (np.array([_SEXES[f.dna_sex] for f in bodies], dtype=np.int64),
            np.array([_SEXES[f.sex_morphology] for f in bodies], dtype=np.int64))


@dataclass
class EvidenceScores:
    """log10 evidence LRs (sex, age, stature; for registered rows also dental, features,
    implants, effects; pieces recorded on both sides) for blocks of (compiled row, body)
    pairs, plus the place prior's log10 factor when built with one.

    Build with :meth:`build`; :meth:`block` gives the log10 LRs of many rows against every
    body, :meth:`pieces` one pair's pieces. Row arrays are indexed by compiled row, body
    arrays by body (the order of ``bodies`` given to :meth:`build`).

    Attributes
    ----------
    n_bodies : int
    row_kind : numpy.ndarray
        Per row: 0 no evidence (no record), 1 registered missing person, 2 relative.
    existence : numpy.ndarray
        Per row: P(a relative of the stated relation has an age in 0-110 years given the
        registered person's recorded age), 1 for registered rows and relatives without an
        age model. A prior weight for the decision; the LRs are conditional on it.
    population : Population

    Examples
    --------
    >>> son = AMRecord("F1_C1", sex="M", age=17.0)
    >>> rows = [("F1", "F1_C1"), ("F1", "F1_C1/father")]
    >>> father = relative_model(son, "father of F1_C1", "M")
    >>> body = PMFindings("PM1", dna_sex="M", age_estimate=18.0, age_se=2.0)
    >>> scores = EvidenceScores.build(rows, {"F1_C1": son}, [body],
    ...                               alternatives={rows[1]: father})
    >>> lr = scores.block(np.array([0, 1]))
    >>> bool(lr[0, 0] > 0 > lr[1, 0])
    True
    """

    n_bodies: int
    row_kind: np.ndarray
    sex_class: np.ndarray
    age_code: np.ndarray
    stature_mean: np.ndarray
    adult: np.ndarray
    existence: np.ndarray
    relative_code: np.ndarray
    sex_table: np.ndarray
    age_table: np.ndarray
    stature_y: np.ndarray
    stature_inv: np.ndarray
    stature_const: np.ndarray
    relative_ratio: np.ndarray
    relative_log: np.ndarray
    relative_table: np.ndarray
    relative_shift: np.ndarray
    relative_vclass: np.ndarray
    relative_inv: np.ndarray
    relative_weight: np.ndarray
    sex_stature: np.ndarray
    population: Population = PERU
    distinctive: DistinctiveTables | None = None
    place: PlaceFactors | None = None
    place_person: np.ndarray | None = None
    #: Registered rows' stature LRs tabulated by reported stature (:func:`_stature_tables`):
    #: per row its mean's code (-1: computed pair by pair), per body its column (-1: none).
    stature_code: np.ndarray | None = None
    stature_col: np.ndarray | None = None
    stature_tab: np.ndarray | None = None

    @classmethod
    def build(cls, rows: Sequence[tuple[str, str]], records: Mapping[str, AMRecord | None],
              bodies: Sequence[PMFindings | None], *, population: Population = PERU,
              alternatives: Mapping[tuple[str, str], RelativeModel] | None = None,
              place: PlaceFactors | None = None,
              ) -> EvidenceScores:
        """Precompute the per-row and per-body tables.

        Parameters
        ----------
        rows : sequence of (family, person)
            The compiled rows (``CompiledTables.rows``).
        records : mapping
            ``{person: AMRecord}`` of the registered missing persons; a person absent or
            ``None`` has no evidence (0 against every body).
        bodies : sequence of PMFindings or None
            One per body (:func:`findings_for_bodies`); ``None`` has no findings.
        population : Population
        alternatives : mapping, optional
            ``{(family, person): RelativeModel}`` for rows that are relatives
            (:func:`relative_models`); they take precedence over ``records``.
        place : PlaceFactors, optional
            The place-and-date prior of the bodies (same order as ``bodies``): its log10
            factor is added to :meth:`block` (not to :meth:`pieces`); a relative takes the
            factor of :attr:`RelativeModel.place_of`; a row whose person the prior does not
            know takes factor 1.

        Returns
        -------
        EvidenceScores
        """
        from forensic_match.evidence._scoring_numba import (
            ROW_EMPTY,
            ROW_REGISTERED,
            ROW_RELATIVE,
        )

        pop = population
        alternatives = alternatives or {}
        pm = [f if f is not None else _empty(k) for k, f in enumerate(bodies)]
        n_rows, n_bodies = len(rows), len(pm)
        dna, morph = _sex_codes(pm)

        row_kind = np.full(n_rows, ROW_EMPTY, dtype=np.int8)
        sex_class = np.full(n_rows, -1, dtype=np.int32)
        age_code = np.full(n_rows, -1, dtype=np.int32)
        stature_mean = np.full(n_rows, np.nan)
        adult = np.zeros(n_rows)
        existence = np.ones(n_rows)

        # Sex classes: P(male) under H1 (registered M: 1 - recorded error).
        classes: dict[float, int] = {}

        def sex_class_of(male: float) -> int:
            return classes.setdefault(male, len(classes))

        ages: dict[float, int] = {}
        models: dict[tuple[tuple[float, ...], AgeGap], int] = {}
        model_rows: list[tuple[np.ndarray, float, float]] = []
        # A relative's stature given the missing person's report: N(shift, v) in standard
        # units; the few variances v are classes, the shifts per row.
        relative_shift = np.full(n_rows, np.nan)
        relative_vclass = np.full(n_rows, -1, dtype=np.int32)
        variances: dict[float, int] = {}
        e_rec = pop.recorded_sex_error
        for i, (family, person) in enumerate(rows):
            rel = alternatives.get((family, person))
            if rel is not None:
                row_kind[i] = ROW_RELATIVE
                if rel.sex == "U":
                    q = pop.male_fraction if rel.male_probability is None else \
                        rel.male_probability
                    sex_class[i] = sex_class_of(q)
                else:
                    sex_class[i] = sex_class_of(1.0 - e_rec if rel.sex == "M" else e_rec)
                given = rel.stature_given_anchor(pop)
                if given is not None:
                    relative_shift[i] = given[0]
                    relative_vclass[i] = variances.setdefault(given[1], len(variances))
                if rel.gap is None or rel.anchor_age is None:
                    adult[i] = rel.adult_without_age()
                    continue
                key = (tuple(float(a) for a in rel.anchor_ages or (rel.anchor_age,)), rel.gap)
                if key not in models:
                    models[key] = len(models)
                    model_rows.append(_relative_masses(key[0], rel.gap, pop))
                _, adult[i], existence[i] = model_rows[models[key]]
                age_code[i] = models[key]
                continue
            record = records.get(person)
            if record is None:
                continue
            row_kind[i] = ROW_REGISTERED
            if record.sex in ("M", "F"):
                sex_class[i] = sex_class_of(1.0 - e_rec if record.sex == "M" else e_rec)
            if record.age is not None:
                age_code[i] = ages.setdefault(float(record.age), len(ages))
            if record.stature_cm is not None and not (record.age is not None
                                                      and record.age < ADULT_AGE):
                loss = 0.0 if record.age is None else pop.stature_loss_per_year * max(
                    0.0, record.age - pop.stature_loss_from)
                stature_mean[i] = record.stature_cm - pop.reporting_bias + loss

        # Age: registered ages (exactly as evidence_lr), then the relatives' models.
        n_reg = len(ages)
        age_code[(row_kind == ROW_RELATIVE) & (age_code >= 0)] += np.int32(n_reg)
        age_table = np.zeros((n_reg + len(models), n_bodies))
        if ages and n_bodies:
            unique = [AMRecord("", age=a) for a in ages]
            age_table[:n_reg] = evidence_log10_block(unique, pm, population=pop)["age"]
        if models and n_bodies:
            masses = np.stack([m for m, _, _ in model_rows])
            # An impossible relative has masses 0: -inf where a body's age was estimated.
            age_table[n_reg:] = _relative_age_table(masses, _age_findings(pm, pop),
                                                    pop.age_gross_error)

        males = sorted(classes, key=classes.get)
        statures = _BodyStatures.read(pm, dna, morph, pop)
        sex_table, ratio, log_ratio, y, inv, const = _body_tables(pm, dna, morph, males, pop,
                                                                  statures)
        relative_inv, relative_weight, sex_stature = _relative_stature_tables(
            statures, males, sorted(variances, key=variances.get), pop)

        # Relatives share a few (age model, sex class, P(adult)) triples: their pieces are
        # summed once per triple, and a relative's row is a copy; the stature of one whose
        # missing person reported his own is added per pair (it depends on that report).
        relative_code = np.full(n_rows, -1, dtype=np.int32)
        triples: dict[tuple[int, int, float, bool], int] = {}
        for i in np.flatnonzero(row_kind == ROW_RELATIVE):
            key = (int(age_code[i]), int(sex_class[i]), float(adult[i]),
                   bool(relative_vclass[i] >= 0))
            relative_code[i] = triples.setdefault(key, len(triples))
        relative_table = np.zeros((len(triples), n_bodies))
        for (ac, sc, pa, given), code in triples.items():
            row = relative_table[code]
            row += sex_table[sc]
            if ac >= 0:
                row += age_table[ac]
            if not given:
                row += _relative_stature(pa, ratio[sc], log_ratio[sc])
        distinctive = DistinctiveTables.build(rows, records, pm, row_kind == ROW_REGISTERED,
                                              pop)
        place_person = None
        if place is not None:
            index = {m: k for k, m in enumerate(place.prior.persons)}
            place_person = np.full(n_rows, -1, dtype=np.int64)
            for i, (family, person) in enumerate(rows):
                rel = alternatives.get((family, person))
                place_person[i] = index.get(rel.place_of if rel is not None else person, -1)
        stature_code, stature_col, stature_tab = _stature_tables(
            np.where(row_kind == ROW_REGISTERED, stature_mean, np.nan), y, inv, const,
            pop.stature_gross_error)
        return cls(n_bodies, row_kind, sex_class, age_code, stature_mean, adult, existence,
                   relative_code, sex_table, age_table, y, inv, const, ratio, log_ratio,
                   relative_table, relative_shift, relative_vclass, relative_inv,
                   relative_weight, sex_stature, pop, distinctive, place, place_person,
                   stature_code, stature_col, stature_tab)

    def block(self, rows: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """(len(rows), n_bodies) float64 log10 LR, 0.0 where nothing can be compared; with a
        place prior, plus its log10 factor (:meth:`prior_log10`; ``-inf`` for a person who
        disappeared after the body was recovered).

        Parameters
        ----------
        rows : numpy.ndarray
            Compiled row indices.
        columns : numpy.ndarray, optional
            Body indices: the block against those bodies only, ``(len(rows),
            len(columns))``, each value bit for bit the full block's (the search's listed
            pairs are read so, without scoring every body again).
        """
        from forensic_match.evidence._scoring_numba import score_rows

        rows = np.ascontiguousarray(rows, dtype=np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= self.row_kind.size):
            raise InputError(f"row index out of range 0..{self.row_kind.size - 1}")
        cols = None if columns is None else np.ascontiguousarray(columns, dtype=np.int64)
        if cols is not None and cols.size and (cols.min() < 0 or cols.max() >= self.n_bodies):
            raise InputError(f"body index out of range 0..{self.n_bodies - 1}")

        def take(table: np.ndarray) -> np.ndarray:
            return table if cols is None else np.ascontiguousarray(table[..., cols])

        out = np.empty((rows.size, self.n_bodies if cols is None else cols.size))
        score_rows(rows, self.row_kind, self.sex_class, self.age_code, self.stature_mean,
                   self.relative_code, take(self.sex_table), take(self.age_table),
                   take(self.stature_y), take(self.stature_inv), take(self.stature_const),
                   self.population.stature_gross_error, *self._stature_lookup(rows, take),
                   take(self.relative_table), out)
        self._add_relative_stature(rows, out, cols)
        if self.distinctive is not None:
            self.distinctive.add_block(rows, out, cols)
        if self.place is not None and self.place_person is not None:
            self.place.add_log10_block(self.place_person[rows], out, cols)
        return out

    def _stature_lookup(self, rows: np.ndarray, take: Any
                        ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``score_rows``' tabulated statures for ``rows``: each row's code, each body's
        column (``take`` picks the bodies), the table (none: every stature pair by pair)."""
        if self.stature_code is None or self.stature_col is None or self.stature_tab is None:
            return (np.full(rows.size, -1, dtype=np.int64),
                    np.full(self.n_bodies, -1, dtype=np.int64), np.zeros((0, 1)))
        return self.stature_code[rows], take(self.stature_col), self.stature_tab

    def _add_relative_stature(self, rows: np.ndarray, out: np.ndarray,
                              columns: np.ndarray | None = None) -> None:
        """Add the stature piece of the relatives whose missing person reported a stature
        (:meth:`RelativeModel.stature_given_anchor`) to ``out`` (rows as ``rows``; bodies
        ``columns`` or all)."""
        from forensic_match.evidence._scoring_numba import add_relative_stature

        if not self.relative_inv.size:
            return
        y, inv, weight = self.stature_y, self.relative_inv, self.relative_weight
        if columns is not None:
            y, inv, weight = (np.ascontiguousarray(x[..., columns]) for x in (y, inv, weight))
        add_relative_stature(rows, self.sex_class, self.adult, self.relative_shift,
                             self.relative_vclass, y, inv, weight, self.sex_stature,
                             self.population.stature_gross_error, out)

    def prior_log10(self, row: int, body: int) -> float:
        """log10 place-and-date prior factor of one pair (0.0 without a place prior)."""
        if self.place is None or self.place_person is None:
            return 0.0
        return float(self.place.log10_block(self.place_person[row:row + 1],
                                            np.array([body], dtype=np.int64))[0, 0])

    def pieces(self, row: int, body: int) -> dict[str, float]:
        """The same as separate named pieces (for reports: 'age 4.1, sex 1.9, stature 0.8'):
        ``{"sex", "age", "stature", "dental", "features", "implants", "effects"}`` -> log10 LR
        (0.0 where not compared), summing to ``block([row])[0, body]`` less
        :meth:`prior_log10`."""
        from forensic_match.evidence._scoring_numba import (
            ROW_REGISTERED,
            ROW_RELATIVE,
            stature_log10,
        )

        sc, ac, kind = self.sex_class[row], self.age_code[row], self.row_kind[row]
        out = {"sex": float(self.sex_table[sc, body]) if sc >= 0 else 0.0,
               "age": float(self.age_table[ac, body]) if ac >= 0 else 0.0, "stature": 0.0}
        if (kind == ROW_REGISTERED and not np.isnan(self.stature_mean[row])
                and self.stature_inv[body] > 0.0):
            z = (self.stature_y[body] - self.stature_mean[row]) * self.stature_inv[body]
            out["stature"] = float(stature_log10(z, self.stature_const[body],
                                                 self.population.stature_gross_error))
        elif kind == ROW_RELATIVE and self.relative_vclass[row] >= 0:
            one = np.zeros((1, 1))
            self._add_relative_stature(np.array([row], dtype=np.int64), one,
                                       np.array([body], dtype=np.int64))
            out["stature"] = float(one[0, 0])
        elif kind == ROW_RELATIVE:
            out["stature"] = float(_relative_stature(
                float(self.adult[row]), self.relative_ratio[sc, body:body + 1],
                self.relative_log[sc, body:body + 1])[0])
        if self.distinctive is not None:
            out.update(self.distinctive.pair(row, body))
        else:
            out.update(dict.fromkeys(DISTINCTIVE, 0.0))
        return out


@dataclass(frozen=True)
class PriorWeightedScores:
    """:class:`EvidenceScores` whose blocks also carry each row's prior weight
    ``log10 existence``: the evidence of the relative alternatives as the search of
    :func:`~forensic_match.dvi.identify.identify` takes it.

    A relative's weight in the decision is ``relatives x existence x LR_DNA x LR_evidence``:
    ``existence`` (the probability that a relative of that relation can exist given the
    registered person's recorded age) is a prior factor of that relative, and the evidence LR
    is conditional on it (``docs/evidence.md``). Registered rows have existence 1.
    """

    scores: EvidenceScores

    def block(self, rows: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
        """``scores.block(rows, columns) + log10(existence[rows])`` (``-inf`` for a relative
        who cannot exist)."""
        rows = np.ascontiguousarray(rows, dtype=np.int64)
        with np.errstate(divide="ignore"):
            weight = np.log10(self.scores.existence[rows])
        return self.scores.block(rows, columns) + weight[:, None]


@dataclass(frozen=True)
class Evidence:
    """The non-DNA evidence of an identification run: AM records and PM findings.

    Given to :func:`~forensic_match.dvi.identify.identify` (``evidence=``), it adds the sex,
    age and stature evidence LR of every (missing person, body) pair to its DNA LR, and the
    relative models' evidence (and prior weight ``existence``) to the relative alternatives.

    Attributes
    ----------
    records : mapping
        ``{missing person id: AMRecord}``, e.g. from
        :func:`~forensic_match.evidence.records.am_records_from_dataset`. A missing person
        without a record has no evidence (LR 1).
    findings : mapping
        ``{PM sample id: PMFindings}``, e.g. from
        :func:`~forensic_match.evidence.records.pm_findings_from_dataset`; a body of several
        fragments takes those of :func:`findings_for_bodies`.
    population : Population
        The victim population of the H2 denominators (default :data:`PERU`).
    place : PlacePrior, optional
        The place-and-date prior over the registered persons
        (:class:`~forensic_match.evidence.place.PlacePrior`): each pair's score gains the log10
        prior factor of the body (its findings' ``district`` and ``date_recovered``) for the
        person, a relative that of his registered kinsman; ``None`` (default): no place prior.

    Examples
    --------
    >>> ev = Evidence({"F1_C1": AMRecord("F1_C1", sex="M", age=17.0)},
    ...               {"PM1": PMFindings("PM1", dna_sex="M", age_estimate=18.0, age_se=2.0)})
    >>> scores = ev.scores([("F1", "F1_C1")], [ev.findings["PM1"]])
    >>> bool(scores.block(np.array([0]))[0, 0] > 0)
    True
    """

    records: Mapping[str, AMRecord]
    findings: Mapping[str, PMFindings]
    population: Population = PERU
    place: PlacePrior | None = None

    @classmethod
    def from_dataset(cls, dataset: object, *, population: Population | str = PERU,
                     place: bool | PlacePrior = False) -> Evidence:
        """The records and findings of a :class:`~forensic_match.cases.DviDataset`;
        ``place=True`` adds :meth:`PlacePrior.from_dataset
        <forensic_match.evidence.place.PlacePrior.from_dataset>` (or give the prior).
        ``population="register"`` takes the ages and the male fraction of H2 from the
        dataset's own register (:meth:`Population.from_register` over :data:`PERU`)."""
        from forensic_match.evidence.place import PlacePrior
        from forensic_match.evidence.records import (
            am_records_from_dataset,
            pm_findings_from_dataset,
        )

        records = am_records_from_dataset(dataset)
        if isinstance(population, str):
            if population != "register":
                raise InputError(f"population must be a Population or 'register', got "
                                 f"{population!r}")
            population = Population.from_register(records.values())
        prior = PlacePrior.from_dataset(dataset) if place is True else place or None
        return cls(records, pm_findings_from_dataset(dataset), population, prior)

    def place_factors(self, bodies: Sequence[PMFindings | None]) -> PlaceFactors | None:
        """The place prior's factors for ``bodies`` (``None`` without a place prior)."""
        if self.place is None:
            return None
        from forensic_match.evidence.place import PlaceFactors

        return PlaceFactors(self.place, [None if f is None or not f.district else f.district
                                         for f in bodies],
                            [None if f is None else f.date_recovered for f in bodies],
                            ids=[f.id if f is not None else "?" for f in bodies])

    def scores(self, rows: Sequence[tuple[str, str]], bodies: Sequence[PMFindings | None],
               ) -> EvidenceScores:
        """:meth:`EvidenceScores.build` on registered rows ``rows`` and ``bodies``' findings
        (with the place prior's factors when there is one)."""
        return EvidenceScores.build(rows, self.records, bodies, population=self.population,
                                    place=self.place_factors(bodies))

    def relative_scores(self, rows: Sequence[tuple[str, str]], sets: Iterable[AlternativeSet],
                        bodies: Sequence[PMFindings | None]) -> PriorWeightedScores:
        """The relative alternatives' evidence (:func:`relative_models` of ``sets``) on
        ``rows``, with their prior weight ``existence`` (:class:`PriorWeightedScores`)."""
        models = relative_models(sets, self.records)
        return PriorWeightedScores(EvidenceScores.build(rows, self.records, bodies,
                                                        population=self.population,
                                                        alternatives=models,
                                                        place=self.place_factors(bodies)))

    def describe(self, scores: EvidenceScores, row: int, body: int) -> str:
        """One pair's evidence in words: the LR of each piece that carries weight (``"sex
        2.1, age 4.3, stature 1.2"``, ``"dental 1e+04"``; a piece not compared, such as the
        stature of a body with no estimate, has LR exactly 1 and is not named, so that a
        reader does not take it for a comparison), then the place prior's factor (``"place
        prior x3.1"``, a prior, not an LR); ``"no AM record"`` for a row without one, ``"no
        piece compared"`` for a record that shares no piece with the body."""
        prior = scores.prior_log10(row, body)
        place = "" if scores.place is None else f"place prior x{10.0 ** prior:.3g}"
        if scores.row_kind[row] == 0:
            return "no AM record" + (f"; {place}" if place else "")
        pieces = scores.pieces(row, body)
        words = ", ".join(f"{k} {10.0 ** v:.3g}" for k, v in pieces.items() if v != 0.0)
        return (words or "no piece compared") + (f"; {place}" if place else "")


def _relative_stature(adult: float, ratio: np.ndarray, log_ratio: np.ndarray) -> np.ndarray:
    """log10 stature LR of a relative: adult with probability ``adult`` (then the ratio of
    his sex's stature density to the population's), else a growing child whose stature tells
    nothing: log10(adult * ratio + 1 - adult)."""
    if adult >= 1.0:
        return log_ratio
    if adult <= 0.0:
        return np.zeros_like(ratio)
    return np.log10(adult * ratio + (1.0 - adult))


#: Memory for the registered rows' stature LRs tabulated by reported stature: the most
#: frequent statures first; the rows of the others are computed pair by pair.
STATURE_TABLE_BYTES = 128 * 2**20


def _stature_tables(mean: np.ndarray, y: np.ndarray, inv: np.ndarray, const: np.ndarray,
                    gross_error: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The registered rows' stature LRs (``mean``: per row, nan where none) against the
    bodies with a stature (``inv > 0``), one row per distinct mean: reported statures repeat
    (whole centimetres, whole years of age), so a programme has far fewer distinct means
    than rows (22,295 rows, 14,013 with a stature, 1,295 distinct in the Peru-scale
    simulation). Each value is the one ``score_rows`` computes for the pair, bit for bit.

    Returns per row the code of its mean (-1: none, or beyond
    :data:`STATURE_TABLE_BYTES`), per body its column (-1: no stature), and the table.
    """
    from forensic_match.evidence._scoring_numba import stature_table

    col = np.full(y.size, -1, dtype=np.int64)
    has = np.flatnonzero(inv > 0.0)
    col[has] = np.arange(has.size)
    code = np.full(mean.size, -1, dtype=np.int64)
    known = np.flatnonzero(mean == mean)
    if not known.size or not has.size:
        return code, col, np.zeros((0, 1))
    values, inverse, counts = np.unique(mean[known], return_inverse=True, return_counts=True)
    order = np.lexsort((values, -counts))[:max(0, STATURE_TABLE_BYTES // (8 * has.size))]
    rank = np.full(values.size, -1, dtype=np.int64)
    rank[order] = np.arange(order.size)
    code[known] = rank[inverse.reshape(-1)]
    table = np.empty((order.size, has.size))
    stature_table(np.ascontiguousarray(values[order]), np.ascontiguousarray(y[has]),
                  np.ascontiguousarray(inv[has]), np.ascontiguousarray(const[has]),
                  gross_error, table)
    return code, col, table


@dataclass(frozen=True)
class _BodyStatures:
    """The bodies' stature estimates as the stature pieces read them: ``have`` (an estimate
    compared: recorded with its standard error and not a growing child, ``subadult_body``),
    and for those bodies the estimate ``y``, its standard error ``sb``, ``lik[t]`` =
    P(sex readings | sex t) (0 men, 1 women) and ``den``, the population's density of the
    estimate given the readings (``sum_t P(t | readings) N(y; mu_t, sqrt(sigma_t^2 +
    sb^2))``)."""

    have: np.ndarray
    y: np.ndarray
    sb: np.ndarray
    lik: np.ndarray
    den: np.ndarray
    f: np.ndarray  # (2, compared): N(y; mu_t, sqrt(sigma_t^2 + sb^2))

    @classmethod
    def read(cls, pm: Sequence[PMFindings], dna: np.ndarray, morph: np.ndarray,
             pop: Population) -> _BodyStatures:
        """Read and check them (a standard error under 0.001 cm, a population without a
        stature distribution for a sex, or an estimate of population density 0 is refused)."""
        stature = {s: (mu, sd) for s, mu, sd in pop.stature}
        y = np.array([np.nan if f.stature_cm is None or f.stature_sd is None
                      or subadult_body(f) else f.stature_cm for f in pm])
        sb = np.array([np.nan if f.stature_sd is None else f.stature_sd for f in pm])
        have = ~np.isnan(y)
        if not have.any():
            empty = np.zeros(0)
            return cls(have, empty, empty, np.zeros((2, 0)), empty, np.zeros((2, 0)))
        if np.any(sb[have] < 1e-3):
            k = int(np.flatnonzero(have & (sb < 1e-3))[0])
            raise InputError(f"PM sample {pm[k].id!r}: stature_sd must be at least 0.001 cm, "
                             f"got {sb[k]!r}")
        for name in ("M", "F"):
            if name not in stature:
                raise InputError(f"no stature distribution for sex {name!r} (have "
                                 f"{sorted(stature)})")
        yh, sbh = y[have], sb[have]

        def density(sex: str) -> np.ndarray:
            mu, sd = stature[sex]
            big = np.hypot(sd, sbh)
            return np.exp(-0.5 * ((yh - mu) / big) ** 2) / (big * math.sqrt(2 * math.pi))

        f_m, f_f = density("M"), density("F")
        pm_h = _male_probability(dna, morph, pop)[have]
        den = pm_h * f_m + (1.0 - pm_h) * f_f
        if np.any(den == 0.0):
            k = int(np.flatnonzero(have)[np.argmax(den == 0.0)])
            raise InputError(f"PM sample {pm[k].id!r}: stature estimate {y[k]:g} cm has "
                             f"density 0 in the population")
        lik = np.ones((2, yh.size))
        for t, name in enumerate(("M", "F")):
            for codes, e in ((dna[have], pop.dna_sex_error),
                             (morph[have], pop.morphology_sex_error)):
                lik[t] = lik[t] * np.where(codes == _SEXES["U"], 1.0,
                                           np.where(codes == _SEXES[name], 1.0 - e, e))
        return cls(have, yh, sbh, lik, den, np.stack([f_m, f_f]))


def _body_tables(pm: Sequence[PMFindings], dna: np.ndarray, morph: np.ndarray,
                 males: list[float], pop: Population, bodies: _BodyStatures,
                 ) -> tuple[np.ndarray, ...]:
    """Per sex class and body: sex log10 LR, the relative's stature LR (linear and log10);
    per body: stature, 1/scale of the registered H1 normal, and its constant log10 terms."""
    n = len(pm)
    errors = {"dna_error": pop.dna_sex_error, "morphology_error": pop.morphology_sex_error}
    sex_table = np.zeros((len(males), n))
    for c, male in enumerate(males):
        # sum_t w_t P(readings | t) / sum_t p_t P(readings | t), w = (male, 1 - male): the
        # sex_lr of a recorded man with a register error of 1 - male.
        table = np.zeros((3, 3))
        for d, i in _SEXES.items():
            for m, j in _SEXES.items():
                table[i, j] = math.log10(sex_lr("M", dna=d, morphology=m,
                                                recorded_error=1.0 - male,
                                                male_fraction=pop.male_fraction, **errors))
        sex_table[c] = table[dna, morph]

    have = bodies.have
    inv, const = np.zeros(n), np.zeros(n)
    ratio, log_ratio = np.ones((len(males), n)), np.zeros((len(males), n))
    y_out = np.zeros(n)
    if not have.any():
        return sex_table, ratio, log_ratio, y_out, inv, const
    y_out[have] = bodies.y
    den = bodies.den
    big = np.hypot(pop.reporting_sd, bodies.sb)
    inv[have] = 1.0 / big
    const[have] = -np.log10(big * math.sqrt(2 * math.pi)) - np.log10(den)

    # A relative's stature: a person of his sex, given the sex readings (H1 weights w).
    (f_m, f_f), (lik_m, lik_f) = bodies.f, bodies.lik
    eps = pop.stature_gross_error
    for c, male in enumerate(males):
        wm, wf = male * lik_m, (1.0 - male) * lik_f
        total = wm + wf
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(total > 0, (wm * f_m + wf * f_f) / np.where(total > 0, total, 1.0)
                         / den, 1.0)
        r = (1.0 - eps) * r + eps  # a gross error of the estimate, as for a registered row
        ratio[c, have] = r
        with np.errstate(divide="ignore"):
            log_ratio[c, have] = np.log10(r)
    return sex_table, ratio, log_ratio, y_out, inv, const


def _male_probability(dna: np.ndarray, morph: np.ndarray, pop: Population) -> np.ndarray:
    """P(male | the body's DNA and morphological sex readings) under the population."""
    errors = {"dna_error": pop.dna_sex_error, "morphology_error": pop.morphology_sex_error}
    out = np.zeros(dna.size)
    for d, i in _SEXES.items():
        for m, j in _SEXES.items():
            out[(dna == i) & (morph == j)] = body_sex_probabilities(
                dna=d, morphology=m, male_fraction=pop.male_fraction, **errors)["M"]
    return out


def _relative_stature_tables(bodies: _BodyStatures, males: list[float],
                             variances: list[float], pop: Population,
                             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tables of the relatives' stature given the missing person's report.

    ``inv[v, t, b]``: 1 / scale of body b's estimate for a relative of sex t (0 men, 1 women)
    whose standard stature has variance ``variances[v]``: ``sqrt(sigma_t^2 v + s_b^2)``;
    ``weight[c, t, b]``: ``w_t P(readings | t) / sum_u w_u P(readings | u) / (den_b sqrt(2
    pi))`` for sex class c (``w = (male, 1 - male)``), den the population's density of the
    estimate (:class:`_BodyStatures`), 0 where the body has no stature compared;
    ``sex_stature[t] = (mu_t, sigma_t)``. Then the relative's stature ratio is
    ``sum_t weight * inv * exp(-((y - mu_t - sigma_t shift) inv)^2 / 2)``.
    """
    n = bodies.have.size
    stature = {s: (mu, sd) for s, mu, sd in pop.stature}
    inv = np.zeros((len(variances), 2, n))
    weight = np.zeros((len(males), 2, n))
    sex_stature = np.array([stature.get("M", (0.0, 1.0)), stature.get("F", (0.0, 1.0))],
                           dtype=np.float64)
    have = bodies.have
    if not variances or not have.any():
        return inv, weight, sex_stature
    for v, var in enumerate(variances):
        for t in range(2):
            inv[v, t, have] = 1.0 / np.sqrt(sex_stature[t, 1] ** 2 * var + bodies.sb ** 2)
    scale = bodies.den * math.sqrt(2 * math.pi)
    for c, male in enumerate(males):
        w = np.stack([male * bodies.lik[0], (1.0 - male) * bodies.lik[1]])
        total = w.sum(axis=0)
        ok = total > 0
        weight[c, 0, have] = np.where(ok, w[0] / np.where(ok, total, 1.0) / scale, 0.0)
        weight[c, 1, have] = np.where(ok, w[1] / np.where(ok, total, 1.0) / scale, 0.0)
    return inv, weight, sex_stature


__all__ = [
    "DISTINCTIVE", "GRID_STEP", "IMPOSSIBLE", "KIN_OF_A_WOMAN_MALE_PROBABILITY",
    "RELATION_AGE_GAPS", "RELATION_STATURE_CORRELATIONS", "RELATIVE_AGE_LIMIT",
    "RELATIVE_EVIDENCE_MODEL", "RELATIVE_EVIDENCE_MODELS",
    "AgeGap", "Evidence", "EvidenceScores", "PriorWeightedScores", "RelativeModel",
    "findings_for_bodies", "relative_model", "relative_models",
]
