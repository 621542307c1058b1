"""The AM/PM findings of a body of several fragments, as one record.

Commingled remains re-associated by DNA are one body, and each of its fragments (PM samples)
was examined apart: the skull may give the sex and the age and the teeth, a femur the stature.
:func:`merge_findings` joins them field by field (``docs/evidence.md``, "A body of several
fragments"):

- a field recorded on one fragment, or recorded alike on several, is the body's;
- recorded differently but compatibly on several (two age intervals that overlap, two
  statures within three standard errors), the body takes the first fragment's by id (one
  estimate of the body's, not both: two estimates of one age are not independent pieces of
  evidence, and multiplying their LRs would count the age twice);
- recorded in contradiction (sexes M and F; ages or statures that cannot both hold; a tooth
  in two states; two districts or dates of recovery; a feature seen on one fragment and
  recorded absent on another), the field is not weighed (LR 1), and the contradiction is
  named (:func:`fragment_contradictions`, which ``identify`` warns of), for the
  anthropologist to reconcile: one of the records is wrong and nothing says which;
- the implants, features and effects of every fragment are the body's (each once).

The groups: the DNA sex, the morphological sex, the age (interval, coverage, estimate and its
standard error together), the stature with its SD, the dental chart tooth by tooth, the date of
recovery, the district, the features, implants and effects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from forensic_match.evidence.records import DentalChart, PMFindings

if TYPE_CHECKING:
    from forensic_match.dvi.fragments import Body

#: Half-width, in standard errors, of the range an age estimate or a stature is taken to
#: allow when two fragments' records are compared (three: 99.7 % under a normal error).
SPREAD = 3.0
#: Age fields taken together from one fragment.
AGE_FIELDS = ("age_min", "age_max", "age_coverage", "age_estimate", "age_se")
#: Tooth states compatible with the states of a tooth there: ``present`` (restorations not
#: recorded), and ``missing_pm`` (lost after death: the socket on the jaw, the tooth found
#: loose with another fragment).
_PRESENT = {"present": {"sound", "filled", "crowned", "present"},
            "missing_pm": {"sound", "filled", "crowned", "present", "missing_pm"}}
#: The states that say less than any state they are compatible with.
_LESS = ("present", "missing_pm")


def findings_for_bodies(bodies: Sequence[Body], findings_by_sample: Mapping[str, PMFindings]
                        ) -> list[PMFindings | None]:
    """PM findings per body: its fragments' findings joined by :func:`merge_findings`
    (those of its only fragment with any finding as they are); ``None`` when no fragment
    records any.

    Examples
    --------
    >>> from forensic_match.cases import PMSample
    >>> from forensic_match.dvi.fragments import Body
    >>> body = Body("S1", [PMSample("S1", "U", {}), PMSample("S2", "M", {})])
    >>> found = {"S1": PMFindings("S1", age_min=20.0, age_max=30.0),
    ...          "S2": PMFindings("S2", stature_cm=160.0, stature_sd=3.0)}
    >>> f = findings_for_bodies([body], found)[0]
    >>> f.id, (f.age_min, f.age_max), f.stature_cm
    ('S1', (20.0, 30.0), 160.0)
    """
    return [merge_findings(body.id, _parts(body, findings_by_sample))[0] for body in bodies]


def fragment_contradictions(bodies: Sequence[Body],
                            findings_by_sample: Mapping[str, PMFindings]) -> list[str]:
    """Per body whose fragments' findings contradict each other, the contradictions in
    words (body, fields, each fragment's record), for a warning; bodies in the order given.

    Examples
    --------
    >>> from forensic_match.cases import PMSample
    >>> from forensic_match.dvi.fragments import Body
    >>> body = Body("S1", [PMSample("S1", "U", {}), PMSample("S2", "U", {})])
    >>> fragment_contradictions([body], {"S1": PMFindings("S1", sex_morphology="M"),
    ...                                  "S2": PMFindings("S2", sex_morphology="F")})
    ['body S1: morphological sex (S1 M, S2 F)']
    """
    out = []
    for body in bodies:
        parts = _parts(body, findings_by_sample)
        said = merge_findings(body.id, parts)[1] if len(parts) > 1 else []
        if said:
            out.append(f"body {body.id}: " + ", ".join(said))
    return out


def _parts(body: Body, findings_by_sample: Mapping[str, PMFindings]) -> list[PMFindings]:
    """The findings of the body's fragments that record anything, in fragment order (by
    id, :func:`~forensic_match.dvi.fragments.bodies_from_pairs`)."""
    found = (findings_by_sample.get(f.id) for f in body.fragments)
    return [f for f in found if f is not None and recorded(f)]


def recorded(f: PMFindings) -> bool:
    """Whether ``f`` records any finding (sex, age, stature, dental chart, features,
    implants, effects, date of recovery or district)."""
    return (f.dna_sex != "U" or f.sex_morphology != "U"
            or any(v is not None for v in (f.age_min, f.age_max, f.age_estimate, f.stature_cm,
                                           f.date_recovered))
            or bool(f.district) or bool(f.dental and f.dental.teeth)
            or bool(f.features or f.features_absent or f.implants or f.effects))


def merge_findings(body_id: str, parts: Sequence[PMFindings],
                   ) -> tuple[PMFindings | None, list[str]]:
    """One record of a body from its fragments' findings (module doc), and its
    contradictions in words.

    Parameters
    ----------
    body_id : str
        The body's id (its first fragment's), the merged record's ``id``.
    parts : sequence of PMFindings
        The fragments' findings in fragment order (by id). One record is returned as it is.

    Returns
    -------
    (PMFindings or None, list of str)
        ``None`` for no parts.

    Examples
    --------
    >>> skull = PMFindings("S1", sex_morphology="M", age_min=20.0, age_max=30.0)
    >>> femur = PMFindings("S2", sex_morphology="F", stature_cm=160.0, stature_sd=3.0)
    >>> body, said = merge_findings("S1", [skull, femur])
    >>> body.sex_morphology, body.age_min, body.stature_cm
    ('U', 20.0, 160.0)
    >>> said
    ['morphological sex (S1 M, S2 F)']
    """
    if not parts:
        return None, []
    if len(parts) == 1:
        return parts[0], []
    said: list[str] = []
    values: dict[str, object] = {"id": body_id}
    for name, label in (("dna_sex", "DNA sex"), ("sex_morphology", "morphological sex")):
        sexes = [(p.id, getattr(p, name)) for p in parts if getattr(p, name) != "U"]
        if len({s for _, s in sexes}) > 1:
            said.append(f"{label} ({_listed(sexes)})")
            values[name] = "U"
        else:
            values[name] = sexes[0][1] if sexes else "U"
    values.update(_age(parts, said))
    values.update(_stature(parts, said))
    for name, label in (("date_recovered", "date of recovery"), ("district", "district")):
        given = [(p.id, getattr(p, name)) for p in parts if getattr(p, name)]
        if len({v for _, v in given}) > 1:
            said.append(f"{label} ({_listed(given)})")
        elif given:
            values[name] = given[0][1]
    values["dental"] = _dental(parts, said)
    values.update(_features(parts, said))
    values["implants"] = _once(i for p in parts for i in p.implants)
    values["effects"] = _once(e for p in parts for e in p.effects)
    sources: dict = {}
    extra: dict = {}
    for p in parts:
        sources = {**p.sources, **sources}
        extra = {**p.extra, **extra}
    values["sources"], values["extra"] = sources, extra
    return PMFindings(**values), said  # type: ignore[arg-type]


def _listed(given: Sequence[tuple[str, object]]) -> str:
    return ", ".join(f"{i} {v}" for i, v in given)


def _age(parts: Sequence[PMFindings], said: list[str]) -> dict[str, object]:
    """The age fields of the first fragment that records an age, unless two fragments'
    ages cannot both hold."""
    aged = [p for p in parts if p.age_min is not None or p.age_max is not None
            or p.age_estimate is not None]
    if not aged:
        return {}
    spans = [(p.id, _age_span(p)) for p in aged]
    if _disjoint([s for _, s in spans]):
        said.append("age (" + ", ".join(f"{i} {_years(s)}" for i, s in spans) + ")")
        return {}
    return {name: getattr(aged[0], name) for name in AGE_FIELDS}


def _age_span(p: PMFindings) -> tuple[float, float]:
    """The ages a fragment's record allows: its interval (an open end unbounded), else its
    estimate within :data:`SPREAD` standard errors."""
    if p.age_min is not None or p.age_max is not None:
        return (-math.inf if p.age_min is None else p.age_min,
                math.inf if p.age_max is None else p.age_max)
    se = p.age_se or 0.0
    return (p.age_estimate - SPREAD * se, p.age_estimate + SPREAD * se)  # type: ignore[operator]


def _years(span: tuple[float, float]) -> str:
    return f"{max(span[0], 0.0):.4g}-{span[1]:.4g} years"


def _stature(parts: Sequence[PMFindings], said: list[str]) -> dict[str, object]:
    """The stature and SD of the first fragment that records a stature, unless two
    fragments' statures cannot both hold (more than :data:`SPREAD` SDs apart)."""
    tall = [p for p in parts if p.stature_cm is not None]
    if not tall:
        return {}
    spans = [(p.stature_cm - SPREAD * (p.stature_sd or 0.0),  # type: ignore[operator]
              p.stature_cm + SPREAD * (p.stature_sd or 0.0)) for p in tall]  # type: ignore
    if _disjoint(spans):
        said.append("stature (" + ", ".join(f"{p.id} {p.stature_cm:.4g} ± "
                                             f"{p.stature_sd or 0:.2g} cm" for p in tall) + ")")
        return {}
    return {"stature_cm": tall[0].stature_cm, "stature_sd": tall[0].stature_sd}


def _disjoint(spans: Sequence[tuple[float, float]]) -> bool:
    """Whether no one value lies in every span."""
    return max(lo for lo, _ in spans) > min(hi for _, hi in spans)


def _dental(parts: Sequence[PMFindings], said: list[str]) -> DentalChart | None:
    """Every fragment's charted teeth; a tooth charted in two states that cannot both be
    true is left out."""
    charts = [p for p in parts if p.dental is not None and p.dental.teeth]
    if not charts:
        return None
    teeth: dict[int, str] = {}
    first: dict[int, str] = {}
    dropped: dict[int, list[tuple[str, str]]] = {}
    for p in charts:
        for tooth, state in p.dental.teeth.items():  # type: ignore[union-attr]
            if state == "unknown":
                continue
            if tooth in dropped:
                dropped[tooth].append((p.id, state))
            elif tooth not in teeth:
                teeth[tooth], first[tooth] = state, p.id
            elif not _compatible(teeth[tooth], state):
                dropped[tooth] = [(first[tooth], teeth.pop(tooth)), (p.id, state)]
            elif teeth[tooth] in _LESS and state not in _LESS:
                # (the other record says which state: a tooth charted present, or lost after
                # death on one fragment and found loose on another)
                teeth[tooth], first[tooth] = state, p.id
    for tooth, states in sorted(dropped.items()):
        said.append(f"tooth {tooth} ({_listed(states)})")
    return DentalChart(teeth, charts[0].dental.date)  # type: ignore[union-attr]


def _compatible(a: str, b: str) -> bool:
    return a == b or b in _PRESENT.get(a, ()) or a in _PRESENT.get(b, ())


def _features(parts: Sequence[PMFindings], said: list[str]) -> dict[str, list[str]]:
    """Features seen on any fragment, and those recorded absent and seen on none; a feature
    seen on one fragment and recorded absent on another is neither."""
    seen = _once(c for p in parts for c in p.features)
    absent = _once(c for p in parts for c in p.features_absent)
    both = [c for c in seen if c in set(absent)]
    for code in both:
        where = [(p.id, "seen" if code in p.features else "absent") for p in parts
                 if code in p.features or code in p.features_absent]
        said.append(f"feature {code} ({_listed(where)})")
    return {"features": [c for c in seen if c not in both],
            "features_absent": [c for c in absent if c not in both]}


def _once(items):  # noqa: ANN001, ANN202 - any hashable or dataclass items
    """The items in order, each once."""
    out: list = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


__all__ = ["findings_for_bodies", "fragment_contradictions", "merge_findings", "recorded"]
