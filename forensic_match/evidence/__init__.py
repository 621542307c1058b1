"""Non-DNA antemortem (AM) and postmortem (PM) evidence: records and likelihood ratios.

One module per evidence kind, each a small function returning an LR of "the body is the
missing person" (H1) against "the body is another member of the victim population" (H2):
:mod:`~forensic_match.evidence.sex`, :mod:`~forensic_match.evidence.age`,
:mod:`~forensic_match.evidence.stature`, :mod:`~forensic_match.evidence.dental`,
:mod:`~forensic_match.evidence.features`; :mod:`~forensic_match.evidence.records` reads the
records, :func:`evidence_lr` applies every piece recorded on both sides, and
:func:`evidence_log10_block` computes sex, age and stature for a block of pairs at once;
:class:`Evidence` carries the records and findings into
:func:`~forensic_match.dvi.identify.identify`.
Place and time are a prior, not an LR: :mod:`~forensic_match.evidence.place`.
:func:`decision_stability` says whether proposals hold across the model's error ranges;
:func:`shortlist` ranks the missing persons for remains with no usable DNA.
Formulas, defaults and their sources: ``docs/evidence.md``.
"""

from forensic_match.evidence.age import (
    PERU_VICTIM_AGES,
    AgeDistribution,
    age_estimate_lr,
    age_interval_lr,
)
from forensic_match.evidence.batch import evidence_log10_block
from forensic_match.evidence.combine import (
    PERU,
    EvidenceLR,
    Population,
    evidence_frame,
    evidence_lr,
)
from forensic_match.evidence.dental import DentalPopulation, DentalResult, dental_lr
from forensic_match.evidence.features import effects_lr, feature_lr, implant_lr
from forensic_match.evidence.place import (
    PlaceModel,
    PlacePrior,
    distance_km,
    place_kernel,
    read_place_coordinates,
)
from forensic_match.evidence.records import (
    AMRecord,
    DentalChart,
    Effect,
    Feature,
    Implant,
    PMFindings,
    am_record_from_info,
    am_records_from_dataset,
    pm_findings_from_dataset,
    pm_findings_from_info,
    read_am_records,
    read_pm_findings,
)
from forensic_match.evidence.scoring import Evidence
from forensic_match.evidence.sensitivity import RANGES, Stability, decision_stability
from forensic_match.evidence.sex import body_sex_probabilities, discrete_lr, sex_lr
from forensic_match.evidence.shortlist import shortlist
from forensic_match.evidence.stature import stature_lr

__all__ = [
    "AMRecord", "AgeDistribution", "DentalChart", "DentalPopulation", "DentalResult", "Effect",
    "Evidence", "EvidenceLR", "Feature", "Implant", "PERU", "PERU_VICTIM_AGES", "PMFindings",
    "PlaceModel", "PlacePrior", "Population", "RANGES", "Stability", "decision_stability",
    "distance_km", "place_kernel", "read_place_coordinates",
    "age_estimate_lr", "age_interval_lr", "am_record_from_info", "am_records_from_dataset",
    "body_sex_probabilities", "dental_lr", "discrete_lr", "effects_lr", "evidence_frame",
    "evidence_log10_block", "evidence_lr", "feature_lr", "implant_lr",
    "pm_findings_from_dataset", "pm_findings_from_info", "read_am_records", "read_pm_findings",
    "sex_lr", "shortlist", "stature_lr",
]
