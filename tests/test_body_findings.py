"""A body of several fragments: its fragments' AM/PM findings joined field by field
(``forensic_match/evidence/body_findings.py``, ``docs/evidence.md``, "A body of several
fragments")."""

from __future__ import annotations

import dataclasses
import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from forensic_match.evidence.body_findings import merge_findings
from forensic_match.evidence.records import DentalChart, Effect, Implant, PMFindings


def test_a_body_takes_what_each_fragment_records() -> None:
    """The skull gives sex, age and the upper teeth, the mandible the lower teeth, a femur
    the stature; the implants, features and effects of all."""
    skull = PMFindings("S1", sex_morphology="M", age_min=25.0, age_max=35.0, age_coverage=0.95,
                       dental=DentalChart({11: "sound", 16: "filled"}), district="050101",
                       features=["fracture:nasal"])
    jaw = PMFindings("S2", dental=DentalChart({36: "missing", 46: "crowned"}),
                     effects=[Effect("poncho:red_striped", "poncho", 0.05, 0.6)])
    femur = PMFindings("S3", dna_sex="M", stature_cm=163.0, stature_sd=3.5,
                       implants=[Implant("hip_prosthesis", "ZX-1", "")],
                       features=["fracture:left_femur"], features_absent=["amputation"])
    body, said = merge_findings("S1", [skull, jaw, femur])
    assert said == []
    assert (body.id, body.dna_sex, body.sex_morphology) == ("S1", "M", "M")
    assert (body.age_min, body.age_max, body.age_coverage) == (25.0, 35.0, 0.95)
    assert (body.stature_cm, body.stature_sd) == (163.0, 3.5)
    assert body.dental.teeth == {11: "sound", 16: "filled", 36: "missing", 46: "crowned"}
    assert body.features == ["fracture:nasal", "fracture:left_femur"]
    assert body.features_absent == ["amputation"]
    assert body.implants == femur.implants and body.effects == jaw.effects
    assert body.district == "050101"


def test_one_fragment_with_findings_is_taken_as_it_is() -> None:
    only = PMFindings("S2", age_estimate=30.0, age_se=4.0)
    assert merge_findings("S1", [only]) == (only, [])
    assert merge_findings("S1", []) == (None, [])


def test_compatible_records_take_the_first_fragments() -> None:
    """Two ages that can both hold, two statures within three SDs: the first fragment's (by
    id), once (not both: one age counted twice)."""
    a = PMFindings("S1", age_min=20.0, age_max=30.0, stature_cm=160.0, stature_sd=3.0)
    b = PMFindings("S2", age_estimate=33.0, age_se=2.0, stature_cm=168.0, stature_sd=3.0)
    body, said = merge_findings("S1", [a, b])
    assert said == []
    assert (body.age_min, body.age_max, body.age_estimate, body.age_se) == \
        (20.0, 30.0, None, None)
    assert (body.stature_cm, body.stature_sd) == (160.0, 3.0)


def test_contradictions_are_not_weighed_and_are_named() -> None:
    a = PMFindings("S1", dna_sex="M", sex_morphology="M", age_min=15.0, age_max=20.0,
                   stature_cm=150.0, stature_sd=2.0, district="050101",
                   date_recovered=dt.date(2003, 5, 1),
                   dental=DentalChart({16: "filled", 21: "present", 11: "sound"}),
                   features=["fracture:nasal"])
    b = PMFindings("S2", dna_sex="F", sex_morphology="F", age_estimate=50.0, age_se=5.0,
                   stature_cm=170.0, stature_sd=2.0, district="050102",
                   date_recovered=dt.date(2003, 5, 2),
                   dental=DentalChart({16: "sound", 21: "crowned", 11: "unknown"}),
                   features_absent=["fracture:nasal"])
    body, said = merge_findings("S1", [a, b])
    assert (body.dna_sex, body.sex_morphology) == ("U", "U")
    assert body.age_min is body.age_max is body.age_estimate is None
    assert body.stature_cm is None and body.district == "" and body.date_recovered is None
    # tooth 16 filled and sound: left out; 21 present and crowned: crowned; 11 as charted
    assert body.dental.teeth == {21: "crowned", 11: "sound"}
    assert body.features == [] and body.features_absent == []
    assert said == [
        "DNA sex (S1 M, S2 F)", "morphological sex (S1 M, S2 F)",
        "age (S1 15-20 years, S2 35-65 years)", "stature (S1 150 ± 2 cm, S2 170 ± 2 cm)",
        "date of recovery (S1 2003-05-01, S2 2003-05-02)", "district (S1 050101, S2 050102)",
        "tooth 16 (S1 filled, S2 sound)", "feature fracture:nasal (S1 seen, S2 absent)"]


_TEETH = (11, 16, 36, 46)
_STATES = ("sound", "filled", "crowned", "missing", "present", "unknown")


@st.composite
def _fragment(draw: st.DrawFn, ident: str) -> PMFindings:
    age = draw(st.sampled_from(["none", "interval", "estimate"]))
    lo = draw(st.integers(0, 70))
    tall = draw(st.none() | st.integers(140, 185))
    seen = draw(st.lists(st.sampled_from(["a", "b", "c"]), unique=True, max_size=2))
    return PMFindings(
        ident, dna_sex=draw(st.sampled_from("MFU")), sex_morphology=draw(st.sampled_from("MFU")),
        age_min=float(lo) if age == "interval" else None,
        age_max=float(lo + draw(st.integers(1, 20))) if age == "interval" else None,
        age_estimate=float(lo) if age == "estimate" else None,
        age_se=float(draw(st.integers(1, 6))) if age == "estimate" else None,
        stature_cm=None if tall is None else float(tall),
        stature_sd=None if tall is None else 3.0,
        district=draw(st.sampled_from(["", "050101", "050102"])),
        dental=DentalChart(draw(st.dictionaries(st.sampled_from(_TEETH),
                                                st.sampled_from(_STATES), max_size=3))),
        features=seen,
        features_absent=[c for c in draw(st.lists(st.sampled_from(["c", "d"]), unique=True,
                                                  max_size=2)) if c not in seen],
        implants=draw(st.lists(st.sampled_from([Implant("pin", "1", ""),
                                                Implant("plate", "", "")]),
                               unique=True, max_size=2)))


@settings(deadline=None, max_examples=200)
@given(data=st.data())
def test_merging_invariants(data: st.DataObject) -> None:
    """Whatever the fragments: what contradicts does not depend on their order; a field only
    one fragment records is that fragment's; a record joined with a copy of itself is
    itself; nothing of a fragment's implants and features is lost but a contradiction."""
    parts = [data.draw(_fragment(f"S{k}")) for k in range(data.draw(st.integers(2, 4)))]
    order = data.draw(st.permutations(parts))
    body, said = merge_findings("B", parts)
    again, said_again = merge_findings("B", order)
    assert sorted(s.split(" (")[0] for s in said) == sorted(s.split(" (")[0] for s in said_again)
    # the same chart, features and implants either way (they are unions, not "the first")
    assert sorted(map(repr, body.implants)) == sorted(map(repr, again.implants))
    assert set(body.features) == set(again.features)
    assert set(body.features_absent) == set(again.features_absent)
    for name in ("stature_cm", "district"):
        givers = [p for p in parts if getattr(p, name)]
        if len(givers) == 1:
            assert getattr(body, name) == getattr(givers[0], name)
    for p in parts:
        assert all(i in body.implants for i in p.implants)
        for code in p.features:
            assert code in body.features or any(code in s for s in said)
    one = parts[0]
    itself, none = merge_findings(one.id, [one, dataclasses.replace(one, id="copy")])
    assert none == []
    assert dataclasses.replace(itself, dental=None) == dataclasses.replace(one, dental=None)
    assert itself.dental is None or itself.dental.teeth == {
        t: s for t, s in one.dental.teeth.items() if s != "unknown"}


def test_a_tooth_lost_after_death_and_found_loose_is_no_contradiction() -> None:
    """A socket charted ``missing_pm`` on the jaw and the loose tooth charted ``sound`` with
    another fragment were named a contradiction; and after a ``present`` tooth took a later
    fragment's state, a contradiction named the first fragment with that state (an outside
    check, 2026-12-08)."""
    jaw = PMFindings("A", dental=DentalChart({36: "missing_pm", 11: "present"}))
    loose = PMFindings("B", dental=DentalChart({36: "sound", 11: "filled"}))
    crown = PMFindings("C", dental=DentalChart({11: "crowned"}))
    body, said = merge_findings("A", [jaw, loose])
    assert said == [] and body.dental.teeth == {36: "sound", 11: "filled"}
    body, said = merge_findings("A", [jaw, loose, crown])
    assert body.dental.teeth == {36: "sound"}
    assert said == ["tooth 11 (B filled, C crowned)"]
