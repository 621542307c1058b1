"""Simulated AM records and PM findings: the fields of FORMAT.md, consistency with the truth
(shared dates of a household killed together, an unregistered relative's own findings), the
stated coverage of the age intervals, the DNA unchanged by the evidence, and the round trip
through the dataset JSON."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from forensic_match.cases import DviDataset, load_case
from forensic_match.dvi.scenarios import GraveScenario, simulate_grave_scenario
from forensic_match.dvi.simulate import (
    EVIDENCE_TRUTH_SCHEMA,
    EvidenceModel,
    SimulatedProgramme,
    simulate_programme,
)
from forensic_match.errors import InputError
from forensic_match.evidence.place import PlacePrior
from forensic_match.markers import Marker

AM_FIELDS = {"age", "date_missing", "place_missing"}
DISTINCTIVE_AM = {"dental", "dental_date", "features", "implants", "effects"}
DISTINCTIVE_PM = {"dental", "features", "features_absent", "implants", "effects"}
PM_FIELDS = {"age_min", "age_max", "age_coverage", "sex_morphology", "date_recovered",
             "district"}


@pytest.fixture(scope="module")
def panel(markers: list[Marker]) -> list[Marker]:
    return markers[:6]


@pytest.fixture(scope="module")
def scenario(panel: list[Marker]) -> GraveScenario:
    return simulate_grave_scenario(150, markers=panel, seed=7, evidence=True)


@pytest.fixture(scope="module")
def programme(panel: list[Marker]) -> SimulatedProgramme:
    return simulate_programme(300, 250, markers=panel, seed=8, evidence=True)


def body_person(prog: SimulatedProgramme) -> dict[str, dict]:
    """Truth row of the person behind each PM sample."""
    assert prog.evidence_truth is not None
    by_body = {r["body"]: r for r in prog.evidence_truth.iter_rows(named=True)
               if r["body"] is not None}
    return {pm: by_body[b] for pm, b in zip(prog.truth["pm"], prog.truth["body"])}


def valid_date(text: str) -> bool:
    return date.fromisoformat(text).isoformat() == text


def test_sample_evidence_truth(programme: SimulatedProgramme, panel: list[Marker]) -> None:
    table = programme.sample_evidence_truth()
    assert table["pm"].to_list() == programme.truth["pm"].to_list()
    rows = body_person(programme)
    assert table["person"].to_list() == [rows[p]["person"] for p in table["pm"]]
    assert table["age_death"].null_count() == 0
    with pytest.raises(InputError, match="no simulated evidence"):
        simulate_programme(5, 3, markers=panel, seed=1).sample_evidence_truth()


# --- fields ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["scenario", "programme"])
def test_fields_present_and_valid(which: str, request: pytest.FixtureRequest) -> None:
    prog: SimulatedProgramme = request.getfixturevalue(which)
    coords = prog.dataset.extra["district_coordinates"]
    for s in prog.dataset.pm:
        info = s.info
        assert PM_FIELDS <= set(info), (s.id, info)
        assert isinstance(info["age_min"], int) and isinstance(info["age_max"], int)
        assert 0 <= info["age_min"] < info["age_max"] and info["age_coverage"] == 0.95
        assert info["sex_morphology"] in ("M", "F", "U")
        assert valid_date(info["date_recovered"]) and info["district"] in coords
        assert ("stature_cm" in info) == ("stature_sd" in info)
        if "stature_cm" in info:
            assert 40 < info["stature_cm"] < 200 and info["stature_sd"] > 0
        if "age_estimate" in info:
            assert info["age_min"] <= info["age_estimate"] <= info["age_max"]
            assert info["age_se"] > 0
    for fam in prog.dataset.am:
        assert set(fam.info) == set(fam.missing)
        for rec in fam.info.values():
            assert AM_FIELDS <= set(rec) <= AM_FIELDS | {"stature_cm"} | DISTINCTIVE_AM
            assert isinstance(rec["age"], int) and 0 <= rec["age"] <= 100
            assert valid_date(rec["date_missing"]) and rec["place_missing"] in coords
            assert "1980-01-01" <= rec["date_missing"] <= "2000-12-31"
            if "stature_cm" in rec:
                assert 40 < rec["stature_cm"] < 200


@pytest.mark.parametrize("which", ["scenario", "programme"])
def test_truth_table(which: str, request: pytest.FixtureRequest) -> None:
    prog: SimulatedProgramme = request.getfixturevalue(which)
    ev = prog.evidence_truth
    assert ev is not None and ev.schema == pl.Schema(EVIDENCE_TRUTH_SCHEMA)
    registered = {m for f in prog.dataset.am for m in f.missing}
    assert set(ev.filter(pl.col("registered"))["person"]) == registered
    assert set(ev["body"].drop_nulls()) == set(prog.truth["body"])
    assert (ev["age_death"] >= ev["age_missing"]).all()
    assert (ev["date_death"] >= ev["date_missing"]).all()
    # A missing person's body was recovered after death.
    for pm, row in body_person(prog).items():
        info = next(s.info for s in prog.dataset.pm if s.id == pm)
        assert info["date_recovered"] > row["date_death"]


def test_family_killed_together_shares_date(scenario: GraveScenario) -> None:
    """In a grave scenario a household's dead (registered or not) share the killing date,
    and the AM records say so; in a programme, a family's members buried together too."""
    ev = scenario.evidence_truth
    assert ev is not None
    dates = ev.filter(pl.col("family").is_not_null()).group_by("family").agg(
        pl.col("date_missing").n_unique())
    assert (dates["date_missing"] == 1).all()
    for fam in scenario.dataset.am:
        assert len({r["date_missing"] for r in fam.info.values()}) == 1


def test_programme_family_in_one_grave_shares_date_and_place(
        programme: SimulatedProgramme) -> None:
    site = {s.id: s.site for s in programme.dataset.pm}
    info = {m: r for f in programme.dataset.am for m, r in f.info.items()}
    t = programme.truth.drop_nulls("missing").with_columns(
        pl.col("pm").replace_strict(site).alias("site")).unique(["missing"])
    shared = 0
    for (_, _), group in t.group_by(["family", "site"]):
        people = group["missing"].to_list()
        if len(people) > 1:
            assert len({info[m]["date_missing"] for m in people}) == 1
            assert len({info[m]["place_missing"] for m in people}) == 1
            shared += 1
    assert shared > 0


def test_unregistered_relative_has_own_findings(scenario: GraveScenario) -> None:
    """The bodies of unregistered relatives carry findings drawn from their own age and sex,
    not from the registered missing person's."""
    rows = body_person(scenario)
    relatives = scenario.truth.filter(pl.col("relation") != "")
    assert len(relatives) > 10
    errors = []
    for pm in relatives["pm"]:
        info = next(s.info for s in scenario.dataset.pm if s.id == pm)
        row = rows[pm]
        assert not row["registered"] and row["person"] == \
            relatives.filter(pl.col("pm") == pm)["person"][0]
        errors.append((info["age_min"] + info["age_max"]) / 2 - row["age_death"])
    assert abs(float(np.median(errors))) < 3.0


def test_ages_by_generation(scenario: GraveScenario) -> None:
    ev = scenario.evidence_truth
    assert ev is not None
    age = dict(zip(ev["person"], ev["age_missing"]))
    people = scenario.people
    gaps = [age[p] - age[x]
            for x, fa, mo in zip(people["person"], people["father"], people["mother"])
            for p in (fa, mo) if x in age and p in age]
    assert len(gaps) > 20 and min(gaps) > 0
    assert float(np.mean(gaps)) > 20 and float(np.mean(np.array(gaps) >= 14)) > 0.95


# --- error models ------------------------------------------------------------------------------


def test_age_interval_coverage(panel: list[Marker]) -> None:
    """Over many bodies the interval holds the true age at death at about the stated
    coverage (the bounds are rounded to whole years)."""
    for coverage in (0.95, 0.8):
        prog = simulate_grave_scenario(400, markers=panel[:2], seed=21,
                                       evidence=EvidenceModel(age_coverage=coverage))
        rows = body_person(prog)
        hit = [s.info["age_min"] <= rows[s.id]["age_death"] <= s.info["age_max"]
               for s in prog.dataset.pm]
        assert len(hit) > 1000
        assert coverage - 0.03 <= float(np.mean(hit)) <= coverage + 0.04, (coverage,
                                                                           np.mean(hit))
        assert all(s.info["age_coverage"] == coverage for s in prog.dataset.pm)


def test_programme_findings_follow_each_body(panel: list[Marker]) -> None:
    """In a programme too (unrelated bodies included) each sample's findings are its own
    body's: the coverage holds, and the sex is the DNA sex when both are told."""
    prog = simulate_programme(600, 900, markers=panel[:2], seed=24, unrelated=0.4,
                              evidence=True)
    rows = body_person(prog)
    hit = [s.info["age_min"] <= rows[s.id]["age_death"] <= s.info["age_max"]
           for s in prog.dataset.pm]
    assert 0.92 <= float(np.mean(hit)) <= 0.98
    unrelated = [s for s in prog.dataset.pm if not rows[s.id]["registered"]]
    assert len(unrelated) > 200
    assert all(s.sex == rows[s.id]["sex"] for s in prog.dataset.pm if s.sex != "U")
    told = [s.info["sex_morphology"] == rows[s.id]["sex"] for s in unrelated
            if s.info["sex_morphology"] != "U"]
    assert float(np.mean(told)) > 0.9


def test_overconfident_anthropologist_covers_less(panel: list[Marker]) -> None:
    prog = simulate_grave_scenario(300, markers=panel[:2], seed=22,
                                   evidence=EvidenceModel(age_miscalibration=2.0))
    rows = body_person(prog)
    hit = [s.info["age_min"] <= rows[s.id]["age_death"] <= s.info["age_max"]
           for s in prog.dataset.pm]
    assert float(np.mean(hit)) < 0.85


def test_intervals_wider_with_age_children_narrower(scenario: GraveScenario) -> None:
    rows = body_person(scenario)
    width = {"child": [], "young": [], "old": []}
    for s in scenario.dataset.pm:
        a = rows[s.id]["age_death"]
        key = "child" if a < 12 else "young" if 20 <= a < 35 else "old" if a >= 55 else None
        if key:
            width[key].append(s.info["age_max"] - s.info["age_min"])
    means = {k: float(np.mean(v)) for k, v in width.items()}
    assert means["child"] < means["young"] < means["old"], means


def test_morphological_sex(scenario: GraveScenario) -> None:
    rows = body_person(scenario)
    model = EvidenceModel()
    child = [s.info["sex_morphology"] for s in scenario.dataset.pm
             if rows[s.id]["age_death"] < model.sex_min_age]
    assert child and set(child) == {"U"}
    adult = [(s.info["sex_morphology"], rows[s.id]["sex"]) for s in scenario.dataset.pm
             if rows[s.id]["age_death"] >= model.sex_min_age]
    told = [(m, t) for m, t in adult if m != "U"]
    assert 0.04 < 1 - len(told) / len(adult) < 0.17
    assert 0.01 < float(np.mean([m != t for m, t in told])) < 0.10


def test_stature_errors(programme: SimulatedProgramme) -> None:
    """PM estimate: unbiased with the stated SD; AM report: biased upward by about the
    model's bias, with heaping on multiples of 5 cm."""
    assert programme.evidence_truth is not None
    model = EvidenceModel()
    rows = body_person(programme)
    adult = [(s.info["stature_cm"] - rows[s.id]["stature_death"]) for s in programme.dataset.pm
             if "stature_cm" in s.info and rows[s.id]["age_death"] >= 18]
    assert abs(float(np.mean(adult))) < 0.8 and 2.8 < float(np.std(adult)) < 4.3
    truth = dict(zip(programme.evidence_truth["person"],
                     programme.evidence_truth["stature_missing"]))
    reported = [(r["stature_cm"], truth[m]) for f in programme.dataset.am
                for m, r in f.info.items() if "stature_cm" in r]
    diff = [a - b for a, b in reported]
    assert abs(float(np.mean(diff)) - model.stature_report_bias) < 0.8
    fives = np.mean([a % 5 == 0 for a, _ in reported])
    assert 0.3 < fives < 0.6


def test_early_recovery_only_after_burial(panel: list[Marker]) -> None:
    prog = simulate_grave_scenario(200, markers=panel[:2], seed=23,
                                   evidence=EvidenceModel(early_recovery=0.5))
    rows = body_person(prog)
    dates = [s.info["date_recovered"] for s in prog.dataset.pm]
    assert any(d < "2002" for d in dates)
    for s in prog.dataset.pm:
        assert s.info["date_recovered"] > rows[s.id]["date_death"]


def test_bad_evidence_arguments(panel: list[Marker]) -> None:
    with pytest.raises(InputError, match="age_coverage"):
        EvidenceModel(age_coverage=1.0)
    with pytest.raises(InputError, match="burial_district"):
        EvidenceModel(burial_district=(0.8, 0.3))
    with pytest.raises(InputError, match="evidence must be"):
        simulate_programme(5, 3, markers=panel, seed=1, evidence="yes")  # type: ignore[arg-type]


# --- DNA untouched, reproducible -----------------------------------------------------------------


def test_dna_unchanged_by_evidence_programme(panel: list[Marker]) -> None:
    off = simulate_programme(150, 120, markers=panel, seed=31)
    on = simulate_programme(150, 120, markers=panel, seed=31, evidence=True)
    assert [(s.id, s.sex, s.genotypes, s.site, s.dropout) for s in off.dataset.pm] == \
        [(s.id, s.sex, s.genotypes, s.site, s.dropout) for s in on.dataset.pm]
    assert [(f.id, f.missing, f.genotypes, f.pedigree) for f in off.dataset.am] == \
        [(f.id, f.missing, f.genotypes, f.pedigree) for f in on.dataset.am]
    assert off.truth.equals(on.truth) and off.profiles == on.profiles
    assert off.evidence_truth is None and on.evidence_truth is not None
    assert [s.info for s in off.dataset.pm] != [s.info for s in on.dataset.pm]


def test_dna_unchanged_by_evidence_scenario(panel: list[Marker]) -> None:
    off = simulate_grave_scenario(80, markers=panel, seed=32, theta=0.02)
    on = simulate_grave_scenario(80, markers=panel, seed=32, theta=0.02, evidence=True)
    assert [(s.id, s.sex, s.genotypes, s.site) for s in off.dataset.pm] == \
        [(s.id, s.sex, s.genotypes, s.site) for s in on.dataset.pm]
    assert [(f.id, f.missing, f.genotypes) for f in off.dataset.am] == \
        [(f.id, f.missing, f.genotypes) for f in on.dataset.am]
    assert off.truth.equals(on.truth) and off.people.equals(on.people)
    assert off.genotypes == on.genotypes


def test_dna_unchanged_with_a_generator_seed(panel: list[Marker]) -> None:
    off = simulate_programme(80, 60, markers=panel, seed=np.random.default_rng(33))
    on = simulate_programme(80, 60, markers=panel, seed=np.random.default_rng(33),
                            evidence=True)
    assert [s.genotypes for s in off.dataset.pm] == [s.genotypes for s in on.dataset.pm]
    assert off.truth.equals(on.truth)


def test_graves_near_the_place_of_disappearance(scenario: GraveScenario) -> None:
    """Graves lie mostly in the district where their dead disappeared, sometimes in a
    neighbouring one (EvidenceModel.burial_district)."""
    coords = scenario.dataset.extra["district_coordinates"]
    rows = body_person(scenario)
    same = far = 0
    for s in scenario.dataset.pm:
        home = rows[s.id]["place_missing"]
        if s.info["district"] == home:
            same += 1
        else:
            (a, b), (c, d) = coords[home], coords[s.info["district"]]
            far += 1
            assert abs(a - c) + abs(b - d) > 0
    assert 0.55 < same / (same + far) < 0.95 and far > 0


def test_same_seed_same_evidence(panel: list[Marker]) -> None:
    a = simulate_programme(60, 40, markers=panel, seed=5, evidence=True)
    b = simulate_programme(60, 40, markers=panel, seed=5, evidence=True)
    c = simulate_programme(60, 40, markers=panel, seed=np.random.default_rng(5), evidence=True)
    assert a.to_dict() == b.to_dict()
    assert [s.info for s in a.dataset.pm] == [s.info for s in c.dataset.pm]
    d = simulate_programme(60, 40, markers=panel, seed=6, evidence=True)
    assert [s.info for s in a.dataset.pm] != [s.info for s in d.dataset.pm]


# --- round trip ----------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["scenario", "programme"])
def test_round_trip(which: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    prog: SimulatedProgramme = request.getfixturevalue(which)
    path = tmp_path / "prog.json"
    prog.save(path)
    back = SimulatedProgramme.load(path)
    assert back.evidence_truth is not None and prog.evidence_truth is not None
    assert back.evidence_truth.equals(prog.evidence_truth)
    assert back.truth.select("pm", "body", "missing").equals(
        prog.truth.select("pm", "body", "missing"))
    for a, b in zip(back.dataset.pm, prog.dataset.pm, strict=True):
        assert (a.id, a.info) == (b.id, b.info)
    for a, b in zip(back.dataset.am, prog.dataset.am, strict=True):
        assert a.info == b.info
    assert back.to_dict() == json.loads(path.read_text())
    plain = load_case(path)
    assert isinstance(plain, DviDataset)
    assert [s.info for s in plain.pm] == [s.info for s in prog.dataset.pm]
    assert [f.info for f in plain.am] == [f.info for f in prog.dataset.am]
    assert plain.extra["district_coordinates"] == prog.dataset.extra["district_coordinates"]
    params = plain.extra["simulation"]["parameters"]["evidence"]
    assert params == EvidenceModel().to_dict()


def test_place_prior_favours_the_true_person(scenario: GraveScenario) -> None:
    """The simulated places make the place prior informative: on average the true missing
    person's prior factor (against the uniform prior) exceeds 1."""
    prior = PlacePrior.from_dataset(scenario.dataset)
    truth = scenario.pm_to_missing
    index = {m: j for j, m in enumerate(prior.persons)}
    factors = []
    for s in scenario.dataset.pm:
        m = truth[s.id]
        if m is not None:
            f = prior.factor(s.info["district"], s.info["date_recovered"])
            factors.append(f[index[m]])
    assert factors and float(np.mean(factors)) > 1.0 and min(factors) > 0


@pytest.mark.parametrize("which", ["scenario", "programme"])
def test_records_read_by_the_evidence_package(which: str, request: pytest.FixtureRequest) -> None:
    """The evidence package's validating readers accept every simulated record."""
    from forensic_match.evidence.records import am_records_from_dataset, pm_findings_from_dataset

    prog: SimulatedProgramme = request.getfixturevalue(which)
    am = am_records_from_dataset(prog.dataset)
    pm = pm_findings_from_dataset(prog.dataset)
    assert set(am) == {m for f in prog.dataset.am for m in f.missing}
    assert set(pm) == {s.id for s in prog.dataset.pm}


# --- distinctive evidence ----------------------------------------------------------------------


def test_distinctive_evidence_has_its_own_stream(panel: list[Marker],
                                                 scenario: GraveScenario) -> None:
    """Without dental charts, features and implants the other fields are exactly those drawn
    with them; the distinctive records parse, and the true pairs agree on implant serials."""
    from forensic_match.dvi.simulate import EvidenceModel
    from forensic_match.evidence import Evidence

    none = EvidenceModel(dental_chart=0.0, dental_examined=0.0, feature_rate=0.0,
                         feature_examined=0.0, implant_rate=0.0)
    plain = simulate_grave_scenario(150, markers=panel, seed=7, evidence=none)
    for a, b in zip(plain.dataset.pm, scenario.dataset.pm, strict=True):
        assert a.genotypes == b.genotypes
        assert {k: v for k, v in a.info.items() if k != "effects"} == \
            {k: v for k, v in b.info.items() if k not in DISTINCTIVE_PM}
    for fa, fb in zip(plain.dataset.am, scenario.dataset.am, strict=True):
        for m in fa.missing:
            assert {k: v for k, v in fa.info[m].items() if k != "effects"} == \
                {k: v for k, v in fb.info[m].items() if k not in DISTINCTIVE_AM}
    ev = Evidence.from_dataset(scenario.dataset)
    assert sum(r.dental is not None for r in ev.records.values()) > 0
    assert sum(f.dental is not None for f in ev.findings.values()) > 0
    assert sum(bool(f.features_absent) for f in ev.findings.values()) > 0


def test_evidence_lr_averages_one_over_other_households(scenario: GraveScenario) -> None:
    """E[LR | H2] = 1, measured on the grave scenario: every body against the registered
    persons of other households. The stature of a body estimated under 18 is not compared
    (its adult H2 density made short adults strong candidates for children's bodies: the mean
    stature LR was about 49 before); with the register's own ages and sexes as the population
    (``population="register"``) the product of the pieces averages about 1 (with the default
    Peruvian table about 2: this register has far more children, docs/evidence.md)."""
    from forensic_match.evidence import Evidence, evidence_log10_block

    ev = Evidence.from_dataset(scenario.dataset, population="register")
    family_of = {m: f.id for f in scenario.dataset.am for m in f.missing}
    household = dict(zip(scenario.truth["pm"], scenario.truth["family"]))
    ids = list(ev.records)
    pm = list(ev.findings)
    block = evidence_log10_block([ev.records[i] for i in ids], [ev.findings[p] for p in pm],
                                 population=ev.population)
    other = (np.array([family_of[i] for i in ids], dtype=object)[:, None]
             != np.array([household[p] for p in pm], dtype=object)[None, :])
    means = {k: float(np.mean(10.0 ** v[other])) for k, v in block.items()}
    total = float(np.mean(10.0 ** sum(block.values())[other]))
    assert other.sum() > 50_000
    assert 0.9 < means["stature"] < 1.1 and 0.9 < means["age"] < 1.1, means
    assert 0.9 < means["sex"] < 1.1 and 0.85 < total < 1.2, (means, total)
    children = [p for p in pm if ev.findings[p].age_point() is not None
                and ev.findings[p].age_point() < 18 and ev.findings[p].stature_cm is not None]
    assert children and all(block["stature"][:, pm.index(p)].max() == 0.0 for p in children)


def test_effects_have_their_own_stream_and_follow_the_lr_model(panel: list[Marker],
                                                               scenario: GraveScenario) -> None:
    """Personal effects are drawn after everything else (without them every other field is
    the same); the relatives' descriptions state ``frequency`` = wear x retained, so under H2
    (bodies of other households) the effects LR averages about 1 (above 1 only by the floor
    of 1/10 that the cap puts on small values) and stays under the 1/t bound; the true
    pairs' LRs are mostly above 1."""
    from forensic_match.dvi.simulate import EvidenceModel
    from forensic_match.evidence import Evidence, effects_lr

    none = EvidenceModel(effects_described=0.0, effects_inventoried=0.0)
    plain = simulate_grave_scenario(150, markers=panel, seed=7, evidence=none)
    for a, b in zip(plain.dataset.pm, scenario.dataset.pm, strict=True):
        assert a.info == {k: v for k, v in b.info.items() if k != "effects"}
    for fa, fb in zip(plain.dataset.am, scenario.dataset.am, strict=True):
        for m in fa.missing:
            assert fa.info[m] == {k: v for k, v in fb.info[m].items() if k != "effects"}
    ev = Evidence.from_dataset(scenario.dataset)
    family_of = {m: f.id for f in scenario.dataset.am for m in f.missing}
    household = dict(zip(scenario.truth["pm"], scenario.truth["family"]))
    person = dict(zip(scenario.truth["pm"], scenario.truth["missing"]))
    h1, h2 = [], []
    for i, rec in ev.records.items():
        for p, found in ev.findings.items():
            if rec.effects and found.effects:
                lr = effects_lr(rec.effects, found.effects).lr
                if person[p] == i:
                    h1.append(lr)
                elif family_of[i] != household[p]:
                    h2.append(lr)
    h1_, h2_ = np.array(h1), np.array(h2)
    assert h2_.size > 10_000 and h1_.size > 30
    assert 0.95 < h2_.mean() < 1.3
    assert np.mean(h2_ >= 10.0 - 1e-9) <= 0.1
    assert np.median(h1_) > 2.0


def test_effects_can_be_stated_wrongly(panel: list[Marker]) -> None:
    """A world whose families misjudge their clothes: the records state retained 0.5 and half
    the true frequency while items are found with probability 0.3."""
    from forensic_match.dvi.simulate import EFFECT_CATALOGUE, EvidenceModel
    from forensic_match.evidence import Evidence

    wrong = EvidenceModel(effects_retained=0.3, effects_stated_retained=0.5,
                          effects_stated_frequency=0.5)
    sc = simulate_grave_scenario(60, markers=panel, seed=3, evidence=wrong)
    wear = dict(EFFECT_CATALOGUE)
    stated = [e for r in Evidence.from_dataset(sc.dataset).records.values() for e in r.effects]
    assert stated and all(e.retained == 0.5 for e in stated)
    assert all(e.frequency == pytest.approx(wear[e.code] * 0.3 * 0.5, abs=1e-6)
               for e in stated)
    with pytest.raises(InputError, match="effects_stated_frequency"):
        EvidenceModel(effects_stated_frequency=0.0)
